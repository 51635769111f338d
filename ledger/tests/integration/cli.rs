//! The CLI contract: one trycmd case per behaviour in `tests/cmd/`, byte-exact.
//!
//! Each `tests/cmd/<subcommand>-<what>.toml` names its arguments and exit code;
//! `.stdin` feeds it, `.stdout`/`.stderr` are what it must print, and a
//! `.out/` directory holds the files it must leave behind. Cases that read or
//! write a ledger run in a sandbox copied from `tests/cmd/fixtures/` (made by
//! `make-fixtures.sh` there), so nothing is written outside a temporary
//! directory. Regenerate with `TRYCMD=overwrite` and review the diff.
//!
//! trycmd takes a backslash in a text snapshot for a Windows path separator
//! and compares it as `/`. A case whose output holds a backslash (`md`
//! escapes, JSON string escapes, the help's line continuation) says
//! `binary = true` so that it is compared byte for byte; ledgers in `.out/`
//! directories must hold none (`make-fixtures.sh` checks its fixtures).

/// Runs every case in `tests/cmd/`.
#[test]
fn cli_cases() {
    trycmd::TestCases::new()
        .register_bin("muster-ledger", std::path::Path::new(crate::bin()))
        // Help wraps at COLUMNS when stdout is not a terminal; pin it.
        .env("COLUMNS", "100")
        // Never the clock: a case without --now still gets a fixed time.
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .case("tests/cmd/*.toml");
}
