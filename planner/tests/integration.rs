//! Integration tests of muster-plan: properties of the plans it makes, and
//! the command line.
#![allow(clippy::unwrap_used)]

#[path = "../../shared/tests/support/rng.rs"]
mod rng;

#[path = "integration/cli.rs"]
mod cli;
#[path = "integration/properties.rs"]
mod properties;
