//! A JSON object written in pieces as it is made, its large arrays on
//! every core: the same bytes as serde_json writing the whole struct
//! (pretty with two spaces, or compact, and a trailing newline, as
//! [`crate::io::to_json`]), for a plan whose task and conflict lists run to
//! a hundred megabytes.
//!
//! The caller names the fields in the struct's order; a test in each user
//! holds the bytes to serde's. Pretty output is serde's pretty output of
//! each value, indented: a JSON string holds no raw newline, so each
//! newline in a value's text is a line break to indent.

use serde::Serialize;
use std::io::Write;
use std::sync::mpsc;

/// Below this many items an array is written on one thread.
const PARALLEL_FROM: usize = 4096;

/// About how many bytes a buffer holds before it is written out.
const PIECE: usize = 1 << 20;

/// How many items of an array a thread writes into one buffer at a time.
const BLOCK: usize = 2048;

/// A top-level JSON object being written to `out` as it is made: a
/// hundred-megabyte plan never sits whole in memory, and the buffers are
/// reused, so the output costs no fresh pages.
pub struct Object<'w> {
    compact: bool,
    out: &'w mut dyn Write,
    fields: usize,
    /// The first write error; nothing more is written after it.
    error: Option<std::io::Error>,
}

impl std::fmt::Debug for Object<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Object")
            .field("compact", &self.compact)
            .field("fields", &self.fields)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl<'w> Object<'w> {
    /// An object written to `out`: its `{` now.
    pub fn new(out: &'w mut dyn Write, compact: bool) -> Object<'w> {
        let mut o = Object {
            compact,
            out,
            fields: 0,
            error: None,
        };
        o.put(b"{");
        o
    }

    /// Writes bytes, unless a write has failed.
    fn put(&mut self, bytes: &[u8]) {
        if self.error.is_none() {
            if let Err(e) = self.out.write_all(bytes) {
                self.error = Some(e);
            }
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
        self.put(&head);
    }

    /// Adds a field.
    pub fn field<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) {
        self.key(name);
        let v = value_bytes(value, self.compact, 1);
        self.put(&v);
    }

    /// Adds a field whose value is a long array, written on every core.
    pub fn array<T: Serialize + Sync>(&mut self, name: &str, items: &[T]) {
        let compact = self.compact;
        self.array_by(name, items.len(), |out, i| {
            if compact {
                // Straight into the buffer: no buffer per item.
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
    ///
    /// Each thread writes blocks of items into a buffer and hands it over;
    /// this thread writes the buffers out in the items' order and hands
    /// them back to be filled again.
    pub fn array_by<F>(&mut self, name: &str, len: usize, write: F)
    where
        F: Fn(&mut Vec<u8>, usize) + Sync,
    {
        self.key(name);
        if len == 0 {
            self.put(b"[]");
            return;
        }
        self.put(b"[");
        let compact = self.compact;
        let item = |out: &mut Vec<u8>, i: usize| {
            if i > 0 {
                out.push(b',');
            }
            if !compact {
                out.extend_from_slice(b"\n    ");
            }
            write(out, i);
        };
        let threads = if len < PARALLEL_FROM {
            1
        } else {
            crate::par::cores()
        };
        if threads == 1 {
            let mut buf = Vec::with_capacity(PIECE + PIECE / 8);
            for i in 0..len {
                item(&mut buf, i);
                if buf.len() >= PIECE {
                    self.put(&buf);
                    buf.clear();
                }
            }
            self.put(&buf);
        } else {
            let blocks = len.div_ceil(BLOCK);
            std::thread::scope(|s| {
                let item = &item;
                let mut filled = Vec::with_capacity(threads);
                let mut emptied = Vec::with_capacity(threads);
                for t in 0..threads {
                    let (full_tx, full_rx) = mpsc::sync_channel::<Vec<u8>>(1);
                    let (empty_tx, empty_rx) = mpsc::channel::<Vec<u8>>();
                    filled.push(full_rx);
                    emptied.push(empty_tx);
                    // Thread t fills blocks t, t + threads, ...
                    s.spawn(move || {
                        for b in (t..blocks).step_by(threads) {
                            let mut buf = empty_rx.try_recv().unwrap_or_default();
                            for i in b * BLOCK..((b + 1) * BLOCK).min(len) {
                                item(&mut buf, i);
                            }
                            if full_tx.send(buf).is_err() {
                                return; // the writer gave up
                            }
                        }
                    });
                }
                for b in 0..blocks {
                    let Ok(mut buf) = filled[b % threads].recv() else {
                        break; // a thread panicked: the scope passes it on
                    };
                    self.put(&buf);
                    if self.error.is_some() {
                        break;
                    }
                    buf.clear();
                    // A thread that has finished no longer takes buffers back.
                    let _ = emptied[b % threads].send(buf);
                }
                // Dropping the receivers stops every thread still sending.
                drop(filled);
            });
        }
        self.put(if compact { b"]" } else { b"\n  ]" });
    }

    /// Closes the object with `}` and a newline; the first write error, if
    /// any.
    pub fn finish(mut self) -> std::io::Result<()> {
        let end: &[u8] = if self.compact || self.fields == 0 {
            b"}\n"
        } else {
            b"\n}\n"
        };
        self.put(end);
        match self.error.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
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
        let mut buf = Vec::new();
        let mut o = Object::new(&mut buf, compact);
        o.field("name", &d.name);
        o.array("items", &d.items);
        o.array("empty", &d.empty);
        o.field("nested", &d.nested);
        o.array("more", &d.more);
        o.finish().unwrap();
        buf
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

    /// A sink that counts the writes it takes.
    struct Counted(Vec<u8>, usize);

    impl Write for Counted {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.1 += 1;
            self.0.extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Items that fill many buffers, on one thread and on every core.
    #[test]
    fn the_same_bytes_across_buffers() {
        for n in [PARALLEL_FROM - 1, 2 * PARALLEL_FROM, 5 * BLOCK + 3] {
            let item = "x\n".repeat(PIECE / 1000);
            let items: Vec<String> = (0..n).map(|i| format!("{i}{item}")).collect();
            for compact in [false, true] {
                let mut out = Counted(Vec::new(), 0);
                let mut o = Object::new(&mut out, compact);
                o.array("items", &items);
                o.finish().unwrap();
                assert!(out.1 > 6, "{} writes", out.1);
                let want = crate::io::to_json(&serde_json::json!({ "items": items }), compact);
                assert_eq!(out.0, want, "n {n}, compact {compact}");
            }
        }
    }

    /// A sink that fails after some bytes.
    struct Failing(usize);

    impl Write for Failing {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            if b.len() > self.0 {
                return Err(std::io::Error::other("disk full"));
            }
            self.0 -= b.len();
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// A write error ends the writing (every thread stops) and is returned.
    #[test]
    fn a_write_error_stops_and_is_returned() {
        let items: Vec<String> = (0..20 * BLOCK).map(|i| format!("item {i}")).collect();
        for room in [0, 10, 100_000] {
            let mut out = Failing(room);
            let mut o = Object::new(&mut out, true);
            o.array("items", &items);
            o.field("after", &1);
            let e = o.finish().unwrap_err();
            assert_eq!(e.to_string(), "disk full");
        }
    }
}
