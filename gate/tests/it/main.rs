//! muster-gate's tests, one binary: `table` pins status and exit code for
//! every case of the verdict; `approvals` the approval workflow.
#![allow(clippy::unwrap_used)] // test helpers: a failure is a test failure

mod approvals;
mod cli;
mod common;
mod table;
