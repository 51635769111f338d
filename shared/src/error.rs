//! Statuses, the typed errors that code branches on, and their exit codes.
//!
//! | code | status | meaning |
//! |---|---|---|
//! | 0 | PASS (or WARN) | done; the checks that ran said yes |
//! | 1 | FAIL | could not do the job: bad input, I/O error, git error, internal error |
//! | 2 | BLOCKED | the job ran and a check said no |
//! | 64 | — | usage error (bad flags) |

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The outcome of a tool's job, as written in a document's `status` field.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    /// Done; every check that ran said yes.
    Pass,
    /// Done, with something worth a look; exits 0 unless `--fail-on-warn`.
    Warn,
    /// The job ran and a check said no.
    Blocked,
    /// The job could not be done.
    Fail,
}

impl Status {
    /// The exit code that goes with this status.
    pub fn exit_code(self, fail_on_warn: bool) -> u8 {
        match self {
            Status::Pass => EXIT_PASS,
            Status::Warn if fail_on_warn => EXIT_BLOCKED,
            Status::Warn => EXIT_PASS,
            Status::Blocked => EXIT_BLOCKED,
            Status::Fail => EXIT_FAIL,
        }
    }

    /// The word written in documents and reports: `PASS`, `WARN`, `BLOCKED`, `FAIL`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Warn => "WARN",
            Status::Blocked => "BLOCKED",
            Status::Fail => "FAIL",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Exit code for PASS and WARN.
pub const EXIT_PASS: u8 = 0;
/// Exit code for FAIL.
pub const EXIT_FAIL: u8 = 1;
/// Exit code for BLOCKED.
pub const EXIT_BLOCKED: u8 = 2;
/// Exit code for a usage error (bad flags).
pub const EXIT_USAGE: u8 = 64;

/// The job ran and a check said no: exit 2. Put it anywhere in an error chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked(pub String);

impl fmt::Display for Blocked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Blocked {}

/// The flags do not fit together: exit 64.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usage(pub String);

impl fmt::Display for Usage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// The exit code for an error: 2 if a [`Blocked`] is in its chain, 64 for a
/// [`Usage`], else 1.
pub fn exit_code_of(err: &anyhow::Error) -> u8 {
    for cause in err.chain() {
        if cause.is::<Blocked>() {
            return EXIT_BLOCKED;
        }
        if cause.is::<Usage>() {
            return EXIT_USAGE;
        }
    }
    EXIT_FAIL
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn codes_follow_the_chain() {
        let e = anyhow::Error::new(Blocked("tampered".into())).context("verifying");
        assert_eq!(exit_code_of(&e), 2);
        let e = anyhow::Error::new(Usage("bad".into()));
        assert_eq!(exit_code_of(&e), 64);
        let e: anyhow::Error = Err::<(), _>(std::io::Error::other("disk"))
            .context("writing")
            .unwrap_err();
        assert_eq!(exit_code_of(&e), 1);
    }

    #[test]
    fn statuses_map_to_codes() {
        assert_eq!(Status::Pass.exit_code(false), 0);
        assert_eq!(Status::Warn.exit_code(false), 0);
        assert_eq!(Status::Warn.exit_code(true), 2);
        assert_eq!(Status::Blocked.exit_code(false), 2);
        assert_eq!(Status::Fail.exit_code(false), 1);
        assert_eq!(
            serde_json::to_string(&Status::Blocked).unwrap(),
            "\"BLOCKED\""
        );
    }
}
