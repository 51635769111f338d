//! The hash chain: how an event is sealed into a line, and how a line is checked.
//!
//! `hash = sha256("muster-ledger-v1\0" ‖ JCS(event without hash))`, lowercase
//! hex; the first event's `prev_hash` is 64 zeros. muster writes each line as
//! the canonical (RFC 8785) form of the whole event, so JCS(event without hash)
//! is the line with its `,"hash":"…"` member cut out: checking a line is one
//! pass of the canonical-form validator plus sha256 over the line's bytes. A
//! line that is valid JSON but not byte-for-byte canonical is reported as
//! damage: the bytes on disk are exactly the bytes that were hashed.

use muster_shared::canonical::{self, Member};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// What every hash starts with.
pub const DOMAIN: &[u8] = b"muster-ledger-v1\0";

/// The first event's `prev_hash`.
pub const ZERO_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The keys of an event line, in canonical order.
pub const KEYS: &[&str] = &[
    "actor",
    "event_type",
    "hash",
    "idempotency_key",
    "origin",
    "payload",
    "prev_hash",
    "run_id",
    "seq",
    "task_id",
    "ts_utc",
];

const REQUIRED: &[&str] = &[
    "event_type",
    "hash",
    "payload",
    "prev_hash",
    "run_id",
    "seq",
    "ts_utc",
];

/// A 32-byte sha256.
pub type Hash = [u8; 32];

/// Lowercase hex of a hash.
pub fn hex(h: &Hash) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(64);
    for b in h {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

/// Value of each byte as a lowercase hex digit, or 0xff.
const HEX_VALUE: [u8; 256] = {
    let mut t = [0xffu8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// Parses 64 lowercase hex digits.
pub fn parse_hex(s: &[u8]) -> Option<Hash> {
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    let mut bad = 0u8;
    for (o, pair) in out.iter_mut().zip(s.chunks_exact(2)) {
        let (hi, lo) = (HEX_VALUE[pair[0] as usize], HEX_VALUE[pair[1] as usize]);
        bad |= hi | lo;
        *o = hi << 4 | (lo & 15);
    }
    (bad & 0xf0 == 0).then_some(out)
}

/// Whether a JSON value is a string `"YYYY-MM-DDTHH:MM:SS.mmmZ"` naming a real
/// time (the form append writes).
fn is_utc_millis(v: &[u8]) -> bool {
    const SHAPE: &[u8; 26] = b"\"dddd-dd-ddTdd:dd:dd.dddZ\"";
    v.len() == SHAPE.len()
        && v.iter().zip(SHAPE).all(|(&c, &s)| {
            if s == b'd' {
                c.is_ascii_digit()
            } else {
                c == s
            }
        })
        && {
            let n = |a: usize, b: usize| {
                v[a..b]
                    .iter()
                    .fold(0u32, |acc, &c| acc * 10 + u32::from(c - b'0'))
            };
            let (year, month, day) = (n(1, 5), n(6, 8), n(9, 11));
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
            let days = match month {
                2 if leap => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            (1..=12).contains(&month)
                && (1..=days).contains(&day)
                && n(12, 14) < 24
                && n(15, 17) < 60
                && n(18, 20) < 60
        }
}

/// The index in [`KEYS`] of a member name.
fn key_index(name: &[u8]) -> Option<usize> {
    // Length and first byte pick the one candidate; then compare it.
    let k = match (name.len(), name.first()) {
        (5, Some(b'a')) => 0,
        (10, Some(b'e')) => 1,
        (4, Some(b'h')) => 2,
        (15, Some(b'i')) => 3,
        (6, Some(b'o')) => 4,
        (7, Some(b'p')) => 5,
        (9, Some(b'p')) => 6,
        (6, Some(b'r')) => 7,
        (3, Some(b's')) => 8,
        (7, Some(b't')) => 9,
        (6, Some(b't')) => 10,
        _ => return None,
    };
    name.iter().eq(KEYS[k].as_bytes().iter()).then_some(k)
}

/// The fields of a line that link it into the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Link {
    /// The line's `seq`.
    pub seq: u64,
    /// The line's `prev_hash`.
    pub prev: Hash,
    /// The line's recorded `hash`, checked to be the hash of its content.
    pub hash: Hash,
}

/// Checks one line (without its newline): canonical form, the event's fields
/// and their types, and that `hash` is the hash of the rest. Says what is wrong.
pub fn check_line(line: &[u8]) -> Result<Link, String> {
    // Members by their index in KEYS; found without allocating.
    let mut slots: [Option<Member>; 11] = Default::default();
    let mut unknown = None;
    let scanned =
        canonical::check_object_members(line, |m| match key_index(&line[m.name.clone()]) {
            Some(k) => slots[k] = Some(m),
            None => {
                unknown.get_or_insert(m.name);
            }
        });
    match scanned {
        Ok(()) => {}
        Err(e) => {
            return Err(
                match serde_json::from_slice::<serde::de::IgnoredAny>(line) {
                    Err(j) => format!("not JSON: {j}"),
                    Ok(_) => format!("not in canonical (RFC 8785) form: {e}"),
                },
            )
        }
    };
    if let Some(name) = unknown {
        return Err(format!(
            "unknown field `{}`",
            String::from_utf8_lossy(&line[name])
        ));
    }
    let mut seq = None;
    let mut prev = None;
    let mut hash = None;
    let mut hash_member: Option<&Member> = None;
    let mut seen = 0usize;
    for (k, m) in slots.iter().enumerate() {
        let Some(m) = m else { continue };
        let value = &line[m.value.clone()];
        seen |= 1 << k;
        let key = KEYS[k];
        match k {
            8 => {
                seq = Some(
                    std::str::from_utf8(value)
                        .ok()
                        .and_then(|s| s.parse::<u64>().ok())
                        .ok_or("seq: expected a whole number")?,
                )
            }
            2 | 6 => {
                let h = value
                    .strip_prefix(b"\"")
                    .and_then(|v| v.strip_suffix(b"\""))
                    .and_then(parse_hex)
                    .ok_or_else(|| format!("{key}: expected 64 lowercase hex digits"))?;
                if k == 2 {
                    hash = Some(h);
                    hash_member = Some(m);
                } else {
                    prev = Some(h);
                }
            }
            10 => {
                if !is_utc_millis(value) {
                    return Err("ts_utc: expected RFC 3339 UTC with milliseconds, like \"2026-11-21T08:00:00.000Z\"".into());
                }
            }
            1 | 7 => {
                if value.first() != Some(&b'"') {
                    return Err(format!("{key}: expected a string"));
                }
            }
            0 | 3 | 9 => {
                if value.first() != Some(&b'"') && value != b"null" {
                    return Err(format!("{key}: expected a string or null"));
                }
            }
            5 => {
                if value.first() != Some(&b'{') {
                    return Err("payload: expected an object".into());
                }
            }
            _ => {
                // origin: rare (merged events); check it strictly.
                if value != b"null" {
                    serde_json::from_slice::<muster_shared::schema::Origin>(value)
                        .map_err(|e| format!("origin: {e}"))?;
                }
            }
        }
    }
    for (k, key) in KEYS.iter().enumerate() {
        if seen & (1 << k) == 0 && REQUIRED.contains(key) {
            return Err(format!("missing field `{key}`"));
        }
    }
    let (Some(seq), Some(prev), Some(recorded), Some(hm)) = (seq, prev, hash, hash_member) else {
        return Err("missing field".into());
    };
    // `event_type` sorts before `hash`, so a comma precedes the hash member.
    let cut = hm.span.start - 1;
    let mut h = Sha256::new();
    h.update(DOMAIN);
    h.update(&line[..cut]);
    h.update(&line[hm.span.end..]);
    let computed: Hash = h.finalize().into();
    if computed != recorded {
        return Err(format!(
            "hash mismatch: recorded {}, content hashes to {}",
            hex(&recorded),
            hex(&computed)
        ));
    }
    Ok(Link {
        seq,
        prev,
        hash: recorded,
    })
}

/// Seals an event: given its fields without `hash` (an object with every key
/// but `hash`), computes the hash and returns it with the canonical line
/// (without newline).
pub fn seal(mut fields: Map<String, Value>) -> Result<(String, Vec<u8>), canonical::WriteError> {
    fields.remove("hash");
    let body = Value::Object(fields);
    let bytes = canonical::to_vec(&body)?;
    let mut h = Sha256::new();
    h.update(DOMAIN);
    h.update(&bytes);
    let hash = hex(&h.finalize().into());
    let Value::Object(mut fields) = body else {
        unreachable_object()
    };
    fields.insert("hash".into(), Value::String(hash.clone()));
    let line = canonical::to_vec(&Value::Object(fields))?;
    Ok((hash, line))
}

fn unreachable_object() -> ! {
    // `body` was built from an object just above.
    std::process::abort()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(seq: u64, prev: &str) -> Map<String, Value> {
        let Value::Object(m) = json!({
            "seq": seq, "ts_utc": "2026-11-21T08:00:00.000Z", "run_id": "r1",
            "event_type": "task.finished", "task_id": "T1", "actor": null,
            "payload": {"status": "done", "x": 0.75, "big": 1e21, "s": "é\n\u{1}"},
            "idempotency_key": null, "origin": null, "prev_hash": prev,
        }) else {
            panic!()
        };
        m
    }

    #[test]
    fn sealed_lines_check() {
        let (hash, line) = seal(event(1, ZERO_HASH)).unwrap();
        let link = check_line(&line).unwrap();
        assert_eq!(link.seq, 1);
        assert_eq!(hex(&link.hash), hash);
        assert_eq!(link.prev, [0; 32]);
    }

    #[test]
    fn hash_is_over_jcs_without_hash() {
        let (hash, line) = seal(event(1, ZERO_HASH)).unwrap();
        let mut v: Value = serde_json::from_slice(&line).unwrap();
        v.as_object_mut().unwrap().remove("hash");
        let mut h = Sha256::new();
        h.update(DOMAIN);
        h.update(canonical::to_vec(&v).unwrap());
        assert_eq!(hex(&h.finalize().into()), hash);
    }

    #[test]
    fn damage_is_named() {
        let (_, line) = seal(event(1, ZERO_HASH)).unwrap();
        let s = String::from_utf8(line).unwrap();
        let e = |t: String| check_line(t.as_bytes()).unwrap_err();
        assert!(e(s.replace("done", "dona")).starts_with("hash mismatch"));
        assert!(e(s.replace("\"seq\":1", "\"seq\": 1")).starts_with("not in canonical"));
        assert!(e(s.replace("\"seq\":1", "\"seq\":1,")).starts_with("not JSON"));
        assert!(e(s.replace("\"actor\"", "\"actorr\"")).starts_with("unknown field `actorr`"));
        assert!(e(s.replace("\"seq\":1,", "")).starts_with("missing field `seq`"));
        assert!(e(s.replace("\"seq\":1", "\"seq\":-1")).starts_with("seq:"));
        assert!(e(s.replace("\"prev_hash\":\"0", "\"prev_hash\":\"A")).starts_with("prev_hash:"));
        assert!(e(s[..s.len() - 1].to_string()).starts_with("not JSON"));
        assert!(e(s.replace("08:00:00.000Z", "08:00:00Z")).starts_with("ts_utc:"));
        assert!(e(s.replace("2026-11-21T", "2026-13-21T")).starts_with("ts_utc:"));
        assert!(e(s.replace("2026-11-21T", "2026-02-29T")).starts_with("ts_utc:"));
        assert!(e(s.replace("T08:00:00", "T24:00:00")).starts_with("ts_utc:"));
        assert!(e(s.replace("08:00:00.000Z", "08:00:00.000+00:00")).starts_with("ts_utc:"));
    }
}
