//! A big document read on two cores by cutting one big value out of it:
//! the array at a path of object keys (a plan's `conflicts`, 100 MB of a
//! 135 MB `{plan, state}`), which the reader checks as JSON and does not
//! keep, is checked on another thread while the rest of the document is read
//! around an empty array in its place.
//!
//! Like [`super::split`], only a faster way to the answer
//! [`super::parse_body`] gives: whenever a step fails it returns None and
//! the caller reads the document the strict way, which gives every error
//! message. Where the value starts is a guess (the first `"key": [` of the
//! path's last key), so that the reading can start at once, and the other
//! thread proves it by following the document's structure (strings and
//! nesting) down the key path: the hole is that field's value. Where it ends
//! is a guess too (the `]` before the key that follows it in the writer's
//! order), proved by reading the cut-out bytes as exactly one JSON array. A
//! value read at the same place whole or in two pieces is the same value, so
//! the result is the strict reader's. `T` must read the value as
//! [`IgnoredAny`]: serde_json skips such a value with no nesting limit, in
//! the whole document as in the cut. A document with an array under the same key name
//! before the real one (in a task's labels, say) is read the strict way.

use super::scan::{find_value, is_ws, skip_ws};

pub mod file;
mod runs;
use serde::de::IgnoredAny;

/// Below this many bytes a document is read in one go.
pub const CUT_FROM: usize = 1 << 20;

/// `then` on the document with the array at `path` (object keys from the
/// top, read by `then` as [`IgnoredAny`]) cut out, `[]` in its place,
/// while the array is checked apart on another thread; `next_key` is the
/// key that follows it in the writer's order. `then`'s answer only if the
/// check passes; None when any step fails or the document does not look
/// so.
pub fn read<R>(
    bytes: &[u8],
    path: &[&str],
    next_key: &str,
    then: impl FnOnce(&[u8]) -> Option<R>,
) -> Option<R> {
    // Where the array starts is guessed too (the first `"key": [` of the
    // path's last key), so that the reading can start at once; the other
    // thread proves the guess by following the structure, then checks the
    // array.
    let open = guess_open(bytes, path.last()?)?;
    let close = guess_close(bytes, open, next_key)?;
    let hole = bytes.get(open..=close)?;
    std::thread::scope(|s| {
        let checked = s.spawn(|| find_value(bytes, path) == Some(open) && is_one_value(hole));
        let mut around = Vec::with_capacity(bytes.len() - hole.len() + 2);
        around.extend_from_slice(&bytes[..open]);
        around.extend_from_slice(b"[]");
        around.extend_from_slice(&bytes[close + 1..]);
        let out = then(&around);
        let ok = checked.join().unwrap_or(false);
        out.filter(|_| ok)
    })
}

/// Where the array of the first `"key":` (white space allowed) opens.
fn guess_open(bytes: &[u8], key: &str) -> Option<usize> {
    match find_open(bytes, &format!("\"{key}\""), 0) {
        Open::At(at) => Some(at),
        Open::From(_) => None,
    }
}

/// What [`find_open`] found.
pub(crate) enum Open {
    /// The array opens here.
    At(usize),
    /// Not in these bytes: look again from here when more are in.
    From(usize),
}

/// Where the array of the first `quoted` key at or after `from` opens
/// (white space allowed around the colon), in bytes that may be only the
/// start of the document.
pub(crate) fn find_open(bytes: &[u8], quoted: &str, from: usize) -> Open {
    let Some(rest) = bytes.get(from..) else {
        return Open::From(from);
    };
    for k in memchr::memmem::find_iter(rest, quoted.as_bytes()) {
        let k = from + k;
        let colon = skip_ws(bytes, k + quoted.len());
        if colon == bytes.len() {
            return Open::From(k);
        }
        if bytes[colon] != b':' {
            continue;
        }
        let value = skip_ws(bytes, colon + 1);
        if value == bytes.len() {
            return Open::From(k);
        }
        if bytes[value] == b'[' {
            return Open::At(value);
        }
    }
    // A key cut off at the end is looked for again.
    Open::From(bytes.len().saturating_sub(quoted.len()).max(from))
}

/// Whether `hole` is exactly one JSON value, skipped as serde_json skips
/// a value read as [`IgnoredAny`] (with no nesting limit: so too in the
/// whole document), nothing after it.
fn is_one_value(hole: &[u8]) -> bool {
    serde_json::from_slice::<IgnoredAny>(hole).is_ok()
}

/// The `]` that closes the array opening at `open`, guessed: before the
/// first `"next_key"` after it that has only a comma and white space
/// between it and a `]`.
fn guess_close(bytes: &[u8], open: usize, next_key: &str) -> Option<usize> {
    let key = format!("\"{next_key}\"");
    let from = open + 1;
    let rest = bytes.get(from..)?;
    memchr::memmem::find_iter(rest, key.as_bytes())
        .find_map(|k| close_before(bytes, from + k, from).ok())
}

/// The `]` before the key at `key_at` with only a comma and white space
/// between them, looked for no further back than `floor`. `Err(true)` when
/// the white space reaches `floor` (the bytes before it would decide),
/// `Err(false)` when there is no such `]`.
pub(crate) fn close_before(bytes: &[u8], key_at: usize, floor: usize) -> Result<usize, bool> {
    let mut at = key_at;
    let mut back = || {
        while at > floor && is_ws(bytes[at - 1]) {
            at -= 1;
        }
        if at == floor {
            return Err(true);
        }
        at -= 1;
        Ok(bytes[at])
    };
    match (back()?, back()?) {
        (b',', b']') => Ok(at),
        _ => Err(false),
    }
}

/// A `{plan, state}` as a reader that ignores the conflicts reads it, for
/// the tests here and in [`file`].
#[cfg(test)]
mod doc_for_tests {
    use serde::de::IgnoredAny;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Doc {
        plan: Plan,
        state: serde_json::Value,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Plan {
        tasks: Vec<serde_json::Value>,
        #[serde(default)]
        conflicts: Ignored,
        critical_path: serde_json::Value,
    }

    #[derive(Debug, Default, PartialEq, Deserialize)]
    #[serde(from = "IgnoredAny")]
    struct Ignored;

    impl From<IgnoredAny> for Ignored {
        fn from(_: IgnoredAny) -> Ignored {
            Ignored
        }
    }
}

#[cfg(test)]
mod tests {
    use super::doc_for_tests::Doc;
    use super::*;

    fn cut(text: &str) -> Option<Doc> {
        let then = |b: &[u8]| serde_json::from_slice::<Doc>(b).ok();
        read(
            text.as_bytes(),
            &["plan", "conflicts"],
            "critical_path",
            then,
        )
    }

    fn strict(text: &str) -> Option<Doc> {
        serde_json::from_str::<Doc>(text).ok()
    }

    #[test]
    fn the_same_document_as_the_strict_reader() {
        let docs = [
            // compact and pretty
            r#"{"plan":{"tasks":[{"id":"a"}],"conflicts":[{"a":"x","b":"y"}],"critical_path":{}},"state":{}}"#,
            "{\n \"plan\": {\n  \"tasks\": [],\n  \"conflicts\": [\n   {\"a\": 1}\n  ],\n  \"critical_path\": {\"tasks\": [\"conflicts\"]}\n },\n \"state\": {\"x\": [1]}\n}",
            // the key's name elsewhere: a string and an object key before
            // it, the next key inside it, the key again after it
            r#"{"plan":{"tasks":[{"id":"conflicts","x":{"conflicts":{}}}],"conflicts":[[1],{"critical_path":2}],"critical_path":[]},"state":{"conflicts":[]}}"#,
            // an empty array; escapes in strings around it
            r#"{"plan":{"tasks":[{"g":"a \"conflicts\": [ \\"}],"conflicts":[],"critical_path":"\"]"},"state":null}"#,
        ];
        for d in docs {
            let want = strict(d);
            assert!(want.is_some(), "{d}");
            assert_eq!(cut(d), want, "{d}");
        }
    }

    #[test]
    fn anything_odd_is_left_to_the_strict_reader() {
        for d in [
            // not valid inside the hole, or not one array there
            r#"{"plan":{"tasks":[],"conflicts":[{"a":1,}],"critical_path":{}},"state":{}}"#,
            r#"{"plan":{"tasks":[],"conflicts":[1],[2],"critical_path":{}},"state":{}}"#,
            // the guess lands inside the array: a string holding the next key
            r#"{"plan":{"tasks":[],"conflicts":[["x"],"critical_path",1],"critical_path":{}},"state":{}}"#,
            // another order, an escaped key, no such field, not an object
            r#"{"plan":{"tasks":[],"critical_path":{},"conflicts":[1]},"state":{}}"#,
            r#"{"plan":{"tasks":[],"conflict\u0073":[1],"critical_path":{}},"state":{}}"#,
            r#"{"plan":{"tasks":[],"critical_path":{}},"state":{"conflicts":[1],"critical_path":1}}"#,
            r#"[{"plan":{"conflicts":[1],"critical_path":{}}}]"#,
            r#"{"plan":{"tasks":[],"conflicts":{"a":[1]},"critical_path":{}},"state":{}}"#,
            // an array under the same key name before it (the guess of
            // where it opens, proved wrong)
            r#"{"plan":{"tasks":[{"x":{"conflicts":[]}}],"conflicts":[1],"critical_path":{}},"state":{}}"#,
            // a good document, but the first key that looks right is inside
            // the array: the strict reader's job
            r#"{"plan":{"tasks":[],"conflicts":[["x"],"critical_path"],"critical_path":{}},"state":{}}"#,
            "",
            "{",
            r#"{"plan":{"tasks":[],"conflicts":[1"#,
        ] {
            assert_eq!(cut(d), None, "{d}");
        }
    }

    #[test]
    fn nesting_counts_as_in_the_whole_document() {
        // Around serde's nesting limit (128) and far past it: the hole is
        // read as deep as in the whole document, so both readers agree.
        for n in [100, 124, 125, 126, 127, 200, 5000] {
            let deep = format!("{}{}", "[".repeat(n), "]".repeat(n));
            let d = format!(
                r#"{{"plan":{{"tasks":[],"conflicts":[{deep}],"critical_path":{{}}}},"state":{{}}}}"#
            );
            assert_eq!(cut(&d), strict(&d), "{n}");
            let d = format!(
                r#"{{"plan":{{"tasks":[{deep}],"conflicts":[{deep}],"critical_path":{{}}}},"state":{{}}}}"#
            );
            assert_eq!(cut(&d), strict(&d), "{n}");
        }
    }
}
