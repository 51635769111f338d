//! A JSON object written in pieces, its large arrays on every core: the
//! same bytes as serde_json writing the whole struct (pretty with two
//! spaces, or compact, and a trailing newline, as [`crate::io::to_json`]),
//! for a plan whose task and conflict lists run to a hundred megabytes.
//!
//! The caller names the fields in the struct's order; a test in each user
//! holds the bytes to serde's. Pretty output is serde's pretty output of
//! each value, indented: a JSON string holds no raw newline, so each
//! newline in a value's text is a line break to indent.

use serde::Serialize;

/// Below this many items an array is written on one thread.
const PARALLEL_FROM: usize = 4096;

/// About how many bytes of an array each piece holds.
const PIECE: usize = 1 << 20;

/// A top-level JSON object being written.
#[derive(Debug)]
pub struct Object {
    compact: bool,
    pieces: Vec<Vec<u8>>,
    fields: usize,
}

impl Object {
    /// An empty object.
    pub fn new(compact: bool) -> Object {
        Object {
            compact,
            pieces: vec![b"{".to_vec()],
            fields: 0,
        }
    }

    /// The bytes before a field's value: separator, indent, name, colon.
    fn key(&mut self, name: &str) {
        let mut head = Vec::new();
        if self.fields > 0 {
            head.push(b',');
        }
        if !self.compact {
            head.extend_from_slice(b"\n  ");
        }
        head.extend_from_slice(&serde_json::to_vec(name).unwrap_or_default());
        head.extend_from_slice(if self.compact { b":" } else { b": " });
        self.fields += 1;
        self.pieces.push(head);
    }

    /// Adds a field.
    pub fn field<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) {
        self.key(name);
        let v = value_bytes(value, self.compact, 1);
        self.pieces.push(v);
    }

    /// Adds a field whose value is a long array, written on every core.
    pub fn array<T: Serialize + Sync>(&mut self, name: &str, items: &[T]) {
        let compact = self.compact;
        self.array_by(name, items.len(), |out, i| {
            if compact {
                // Straight into the piece: no buffer per item.
                write_compact(out, &items[i]);
            } else {
                out.extend_from_slice(&value_bytes(&items[i], compact, 2));
            }
        });
    }

    /// Adds a field whose value is an array of `len` items, written on
    /// every core by `write(out, i)`, which appends item `i` as serde
    /// writes it: compact, or pretty and indented as an item of this
    /// object's array (each line break followed by two levels, four spaces).
    pub fn array_by<F>(&mut self, name: &str, len: usize, write: F)
    where
        F: Fn(&mut Vec<u8>, usize) + Sync,
    {
        self.key(name);
        if len == 0 {
            self.pieces.push(b"[]".to_vec());
            return;
        }
        let compact = self.compact;
        self.pieces.push(b"[".to_vec());
        let parts = crate::par::map_chunks(len, PARALLEL_FROM, |range| {
            // Pieces of about PIECE bytes: a buffer that grows by doubling
            // copies what it holds, and the output runs to 100 MB.
            let mut pieces = Vec::new();
            let mut out = Vec::new();
            for i in range {
                if out.len() >= PIECE || out.capacity() == 0 {
                    let full = std::mem::replace(&mut out, Vec::with_capacity(PIECE + PIECE / 8));
                    if !full.is_empty() {
                        pieces.push(full);
                    }
                }
                if i > 0 {
                    out.push(b',');
                }
                if !compact {
                    out.extend_from_slice(b"\n    ");
                }
                write(&mut out, i);
            }
            pieces.push(out);
            pieces
        });
        self.pieces.extend(parts.into_iter().flatten());
        self.pieces.push(if compact {
            b"]".to_vec()
        } else {
            b"\n  ]".to_vec()
        });
    }

    /// The pieces, in order, closed with `}` and a newline.
    pub fn finish(mut self) -> Vec<Vec<u8>> {
        let end: &[u8] = if self.compact || self.fields == 0 {
            b"}\n"
        } else {
            b"\n}\n"
        };
        self.pieces.push(end.to_vec());
        self.pieces
    }
}

/// A value as serde writes it compact, appended to `out` (as
/// [`value_bytes`] would give it).
fn write_compact<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    let start = out.len();
    if let Err(e) = serde_json::to_writer(&mut *out, value) {
        out.truncate(start);
        out.extend_from_slice(format!("{{\"error\":{:?}}}", e.to_string()).as_bytes());
    }
}

/// A value as serde writes it, pretty ones indented by `level` steps of two
/// spaces after each line break.
fn value_bytes<T: Serialize + ?Sized>(value: &T, compact: bool, level: usize) -> Vec<u8> {
    let text = if compact {
        serde_json::to_vec(value)
    } else {
        serde_json::to_vec_pretty(value)
    }
    .unwrap_or_else(|e| format!("{{\"error\":{:?}}}", e.to_string()).into_bytes());
    if compact || !text.contains(&b'\n') {
        return text;
    }
    let pad = b"  ".repeat(level);
    let mut out = Vec::with_capacity(text.len() + text.len() / 8);
    for &b in &text {
        out.push(b);
        if b == b'\n' {
            out.extend_from_slice(&pad);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Serialize)]
    struct Doc {
        name: String,
        items: Vec<serde_json::Value>,
        empty: Vec<u32>,
        nested: serde_json::Value,
        more: Vec<String>,
    }

    fn written(d: &Doc, compact: bool) -> Vec<u8> {
        let mut o = Object::new(compact);
        o.field("name", &d.name);
        o.array("items", &d.items);
        o.array("empty", &d.empty);
        o.field("nested", &d.nested);
        o.array("more", &d.more);
        o.finish().concat()
    }

    #[test]
    fn the_same_bytes_as_serde_above_and_below_the_parallel_threshold() {
        for n in [
            0,
            1,
            3,
            PARALLEL_FROM - 1,
            PARALLEL_FROM,
            3 * PARALLEL_FROM + 7,
        ] {
            let d = Doc {
                name: "a \"quoted\"\nline\u{7}".into(),
                items: (0..n)
                    .map(|i| json!({"i": i, "list": [i, {"deep": []}], "s": format!("x\n{i}"), "e": {}}))
                    .collect(),
                empty: vec![],
                nested: json!({"a": [1, 2, {"b": null}], "c": {}}),
                more: (0..n).map(|i| format!("é{i}")).collect(),
            };
            for compact in [false, true] {
                let want = crate::io::to_json(&d, compact);
                assert_eq!(
                    String::from_utf8(written(&d, compact)).unwrap(),
                    String::from_utf8(want).unwrap(),
                    "n {n}, compact {compact}"
                );
            }
        }
    }

    /// Items that fill several pieces, on one thread and on every core.
    #[test]
    fn the_same_bytes_across_pieces() {
        for n in [PARALLEL_FROM - 1, 2 * PARALLEL_FROM] {
            let item = "x\n".repeat(PIECE / 1000);
            let items: Vec<String> = (0..n).map(|i| format!("{i}{item}")).collect();
            for compact in [false, true] {
                let mut o = Object::new(compact);
                o.array("items", &items);
                let pieces = o.finish();
                assert!(pieces.len() > 6, "{}", pieces.len());
                let want = crate::io::to_json(&serde_json::json!({ "items": items }), compact);
                assert_eq!(pieces.concat(), want, "n {n}, compact {compact}");
            }
        }
    }
}
