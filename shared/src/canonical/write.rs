//! The canonical writer: a `serde_json::Value` to its RFC 8785 bytes.

use super::{utf16_cmp, MAX_SAFE_INTEGER};
use serde_json::Value;
use std::fmt;

/// Why a value cannot be written canonically.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteError {
    /// The JSON path of the value, like `payload.items[2]`.
    pub path: String,
    /// What is wrong.
    pub what: String,
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.what)
    }
}

impl std::error::Error for WriteError {}

/// The canonical bytes of `value`.
pub fn to_vec(value: &Value) -> Result<Vec<u8>, WriteError> {
    let mut out = Vec::with_capacity(256);
    write(value, &mut out)?;
    Ok(out)
}

/// Appends the canonical bytes of `value` to `out`.
pub fn write(value: &Value, out: &mut Vec<u8>) -> Result<(), WriteError> {
    let mut path = String::new();
    write_at(value, out, &mut path)
}

fn write_at(value: &Value, out: &mut Vec<u8>, path: &mut String) -> Result<(), WriteError> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => {
            let int = n.as_u64().map(i128::from).or(n.as_i64().map(i128::from));
            if let Some(i) = int {
                if i.unsigned_abs() <= u128::from(MAX_SAFE_INTEGER) {
                    out.extend_from_slice(i.to_string().as_bytes());
                } else if let Some(text) = big_integer(i) {
                    out.extend_from_slice(text.as_bytes());
                } else {
                    return Err(unsafe_integer(path, &n.to_string()));
                }
            } else if let Some(f) = n.as_f64().filter(|f| f.is_finite()) {
                let mut buf = ryu_js::Buffer::new();
                out.extend_from_slice(buf.format_finite(f).as_bytes());
            } else {
                return Err(WriteError {
                    path: shown(path),
                    what: format!("number {n} has no IEEE 754 double form"),
                });
            }
        }
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                write_at(item, out, path)?;
                path.truncate(len);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|a, b| utf16_cmp(a.0, b.0));
            out.push(b'{');
            for (i, (k, v)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(k, out);
                out.push(b':');
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                write_at(v, out, path)?;
                path.truncate(len);
            }
            out.push(b'}');
        }
    }
    Ok(())
}

/// The canonical text of an integer beyond ±(2^53 − 1), when it stands for a
/// double: one that holds it exactly (2^60 → `1152921504606847000`), or whose
/// canonical text it already is (`1152921504606847000` itself).
fn big_integer(i: i128) -> Option<String> {
    let f = i as f64;
    let text = ryu_js::Buffer::new().format_finite(f).to_string();
    let exact = f as i128 == i && f.abs() < 1.8e19;
    (exact || text == i.to_string()).then_some(text)
}

fn shown(path: &str) -> String {
    if path.is_empty() {
        "(top)".into()
    } else {
        path.to_string()
    }
}

fn unsafe_integer(path: &str, n: &str) -> WriteError {
    WriteError {
        path: shown(path),
        what: format!(
            "integer {n} has no exact IEEE 754 double form, so JSON cannot carry it exactly; write it as a string"
        ),
    }
}

/// Appends `s` as a canonical JSON string.
pub fn write_string(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &c) in bytes.iter().enumerate() {
        let esc: &[u8] = match c {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            0x0c => b"\\f",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x00..=0x1f => {
                out.extend_from_slice(&bytes[start..i]);
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(c >> 4) as usize]);
                out.push(HEX[(c & 15) as usize]);
                start = i + 1;
                continue;
            }
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(esc);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}
