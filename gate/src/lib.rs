//! muster-gate: turns evidence into PASS / WARN / BLOCKED / FAIL, and
//! handles approvals, waivers and the kill switch (DESIGN.md section 5,
//! "muster-gate"; docs/gate.md).
//!
//! [`eval`] makes the verdict from the gates file, the input document and
//! what the ledger says (kill switch, approvals); [`format`] writes it as
//! JSON, the "Gate Progress" Markdown table, JUnit XML or GitHub
//! annotations; [`approve`] decides an approval from the ledger and the
//! policy; [`evidence`] is the hash an approval is bound to; [`cmd`] is
//! the command line.

pub mod approve;
pub mod cmd;
pub mod eval;
pub mod evidence;
pub mod format;
