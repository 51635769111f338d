//! Integration tests of muster-ledger: one test binary (links are slow on 2 cores),
//! one module per concern.

#[path = "integration/cli.rs"]
mod cli;
#[path = "integration/concurrent.rs"]
mod concurrent;
#[path = "integration/tamper.rs"]
mod tamper;

/// The muster-ledger binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_muster-ledger")
}
