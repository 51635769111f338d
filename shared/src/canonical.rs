//! RFC 8785 canonical JSON (JCS): a writer, and a validator for bytes that
//! claim to be canonical already.
//!
//! The writer: no whitespace; object members sorted by the UTF-16 code units of
//! their names; strings escaped only where JSON requires (`\"`, `\\`, `\b`,
//! `\f`, `\n`, `\r`, `\t`, and `\u00xx` in lowercase hex for other control
//! characters), everything else as raw UTF-8; numbers as ECMAScript's
//! `Number.prototype.toString` writes the IEEE 754 double (ryu-js does that).
//! Numbers are IEEE 754 doubles (I-JSON): an integer beyond ±(2^53 − 1) is
//! written as the double that holds it exactly (`1e16` read back as an
//! integer stays `10000000000000000`), and one that no double holds exactly
//! (`9007199254740993`) is refused rather than silently changed. (serde_json
//! reads integers beyond the u64/i64 range as the nearest double.)
//!
//! The validator, [`check`], accepts exactly the bytes the writer produces for
//! some value, in one pass and without building the value. The ledger writes
//! every line in canonical form and `verify` checks lines with it, so the bytes
//! hashed are the bytes on disk.
//!
//! Written here rather than taken from a crate: no JCS crate offers the
//! validator, and the validator and the writer must agree byte for byte; both
//! are tested against an independent implementation (tests/, Python `rfc8785`).

use std::cmp::Ordering;

/// The largest integer JSON carries exactly between implementations: 2^53 − 1.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Nesting deeper than this is refused (by the validator; the writer follows
/// serde_json's own limit of 128 when parsing).
pub const MAX_DEPTH: usize = 128;

mod check;
mod write;

pub use check::{check, check_object, check_object_members, Member, NotCanonical};
pub use write::{to_vec, write, write_string, WriteError};

/// Orders two strings by their UTF-16 code units, as RFC 8785 sorts names.
pub fn utf16_cmp(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        return a.as_bytes().cmp(b.as_bytes());
    }
    a.encode_utf16().cmp(b.encode_utf16())
}

#[cfg(test)]
use check::{skip_plain, PLAIN};
#[cfg(test)]
use serde_json::Value;

#[cfg(test)]
mod tests;
