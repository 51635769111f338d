//! [`super::read`] for a document in a regular file, with the hole never in
//! memory: the document before it is read until the hole opens, the rest
//! from where it closes (found from the file's end), and the other thread
//! checks the hole piece by piece at its offsets ([`super::runs`]). A
//! 135 MB `{plan, state}` is then 35 MB in memory, not 135 MB and a 35 MB
//! copy; on these machines every fresh page costs about as much to touch as
//! the reading of it.
//!
//! The guesses and the proof are [`super::read`]'s, except that where the
//! hole closes is guessed from the end: the `]` before the last
//! `"next_key"` that has only a comma and white space between them. Any
//! failure is None and the caller reads the whole file the strict way, so a
//! file that changes while it is read can only give what the strict reader
//! gives on what it reads then.

use super::runs;
use super::{close_before, find_open, Open, CUT_FROM};
use crate::doc::scan::find_value;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;

/// How much is read at a time while looking for either end of the hole.
const PIECE: usize = 1 << 20;

/// `then` on the document in `file` from offset `start` to its end, with
/// the array at `path` (read by `then` as [`serde::de::IgnoredAny`]) cut
/// out, `[]` in its place, while the array is checked on another thread.
/// `then`'s answer only if the check passes; None when any step fails, the
/// document does not look so, or it is under [`CUT_FROM`] bytes.
pub fn read<R>(
    file: &File,
    start: u64,
    path: &[&str],
    next_key: &str,
    then: impl FnOnce(&[u8]) -> Option<R>,
) -> Option<R> {
    let end = file.metadata().ok()?.len();
    let len = usize::try_from(end.checked_sub(start)?).ok()?;
    if len < CUT_FROM {
        return None;
    }
    let quoted = format!("\"{}\"", path.last()?);
    // The bytes before the hole, in a buffer that will hold all but the hole.
    let mut kept: Vec<u8> = Vec::with_capacity(len.checked_add(2)?);
    let mut reader = file;
    reader.seek(SeekFrom::Start(start)).ok()?;
    let mut from = 0;
    let open = loop {
        match find_open(&kept, &quoted, from) {
            Open::At(at) => break at,
            Open::From(at) => from = at,
        }
        if reader.take(PIECE as u64).read_to_end(&mut kept).ok()? == 0 {
            return None;
        }
    };
    let open_at = start + open as u64;
    let close_at = find_close(file, open_at, end, next_key)?;
    kept.truncate(open);
    kept.extend_from_slice(b"[]");
    // The rest, after the hole; and nothing after what was the end.
    let rest = end - close_at - 1;
    reader.seek(SeekFrom::Start(close_at + 1)).ok()?;
    if reader.take(rest).read_to_end(&mut kept).ok()? as u64 != rest
        || file.read_at(&mut [0u8], end).ok()? != 0
    {
        return None;
    }
    let kept = &kept;
    std::thread::scope(|s| {
        let checked = s.spawn(move || {
            find_value(kept, path) == Some(open) && runs::is_one_array(file, open_at, close_at)
        });
        let out = then(kept);
        let ok = checked.join().unwrap_or(false);
        out.filter(|_| ok)
    })
}

/// The `]` that closes the array opening at `open`, guessed from the end of
/// the file: before the last `"next_key"` after `open` that has only a
/// comma and white space between it and a `]`. None also when the white
/// space runs past a piece read.
fn find_close(file: &File, open: u64, end: u64, next_key: &str) -> Option<u64> {
    let key = format!("\"{next_key}\"");
    // Bytes past a piece, so that a key starting in it is whole.
    let over = key.len() as u64;
    let mut buf = vec![0u8; PIECE + key.len()];
    let mut hi = end;
    while hi > open + 1 {
        let lo = hi.saturating_sub(PIECE as u64).max(open + 1);
        let piece = buf.get_mut(..usize::try_from((hi + over).min(end) - lo).ok()?)?;
        file.read_exact_at(piece, lo).ok()?;
        let new = usize::try_from(hi - lo).ok()?;
        for k in memchr::memmem::rfind_iter(piece, key.as_bytes()) {
            if k >= new {
                continue; // seen in the piece after this one
            }
            match close_before(piece, k, 0) {
                Ok(at) => return Some(lo + at as u64),
                // White space back past this piece: give up.
                Err(true) if lo > open + 1 => return None,
                Err(_) => {}
            }
        }
        hi = lo;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::doc_for_tests::Doc;
    use super::*;
    use std::io::Write;

    /// `doc` in a file after `skip` bytes that are not its input, read from
    /// offset `skip` by the file reader; and the strict reading.
    fn both(doc: &str, skip: usize) -> (Option<Doc>, Option<Doc>) {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(&vec![b'#'; skip]).unwrap();
        f.write_all(doc.as_bytes()).unwrap();
        let then = |b: &[u8]| serde_json::from_slice::<Doc>(b).ok();
        let cut = read(
            &f,
            skip as u64,
            &["plan", "conflicts"],
            "critical_path",
            then,
        );
        (cut, serde_json::from_str::<Doc>(doc).ok())
    }

    /// Many conflicts, so that the document is over [`CUT_FROM`] bytes and
    /// the hole is several pieces.
    fn conflicts(n: usize, sep: &str) -> String {
        let items: Vec<String> = (0..n)
            .map(|i| {
                format!(r#"{{"a":"T{i}","b":"U{i}","reason":"x \"}},{{\" y","witness":null}}"#)
            })
            .collect();
        format!("[{}]", items.join(sep))
    }

    #[test]
    fn the_same_document_as_the_strict_reader() {
        let big = conflicts(40_000, ",");
        let pretty = conflicts(40_000, ",\n    ");
        assert!(big.len() > 2 * PIECE);
        let pad = "p".repeat(2 * PIECE);
        let docs = [
            format!(r#"{{"plan":{{"tasks":[{{"id":"a"}}],"conflicts":{big},"critical_path":{{}}}},"state":{{}}}}"#),
            format!("{{\n \"plan\": {{\n  \"tasks\": [],\n  \"conflicts\" :\n {pretty}\n ,\n  \"critical_path\": [\"conflicts\"]\n }},\n \"state\": {{\"x\": [1]}}\n}}"),
            // the key's name before it (in a string, as an object key) and
            // after it; the next key inside the state, not after a `]`
            format!(r#"{{"plan":{{"tasks":[{{"id":"conflicts","x":{{"conflicts":{{}}}}}}],"conflicts":{big},"critical_path":[]}},"state":{{"critical_path":{{"critical_path":1}},"conflicts":[]}}}}"#),
            // a small hole in a big document; the state first
            format!(r#"{{"state":{{"pad":"{pad}"}},"plan":{{"tasks":[{{"g":"{pad}"}}],"conflicts":[],"critical_path":"\"]"}}}}"#),
        ];
        for d in &docs {
            for skip in [0, 3] {
                let (cut, strict) = both(d, skip);
                assert!(strict.is_some(), "{}", &d[..200]);
                assert_eq!(cut, strict, "{}", &d[..200]);
            }
        }
    }

    #[test]
    fn anything_odd_is_left_to_the_strict_reader() {
        let big = conflicts(40_000, ",");
        let mut broken = big.clone().into_bytes();
        let at = broken.len() / 2;
        broken[at] = b'"';
        let broken = String::from_utf8(broken).unwrap();
        let pad = "p".repeat(2 * PIECE);
        for d in [
            // not valid inside the hole
            format!(
                r#"{{"plan":{{"tasks":[],"conflicts":{broken},"critical_path":{{}}}},"state":{{}}}}"#
            ),
            // the last `], "critical_path"` is in the state: the cut does
            // not read as one array
            format!(
                r#"{{"plan":{{"tasks":[],"conflicts":{big},"critical_path":{{}}}},"state":{{"x":[[1],"critical_path"]}}}}"#
            ),
            // another order; an array under the same name before it
            format!(
                r#"{{"plan":{{"tasks":[],"critical_path":{{}},"conflicts":{big}}},"state":{{}}}}"#
            ),
            format!(
                r#"{{"plan":{{"tasks":[{{"x":{{"conflicts":[]}}}}],"conflicts":{big},"critical_path":{{}}}},"state":{{}}}}"#
            ),
            // one array under the same name, in a task: the plan's has
            // none, and the task's would read as empty
            format!(
                r#"{{"plan":{{"critical_path":{{}},"tasks":[{{"conflicts":[1],"critical_path":{{}}}}]}},"state":{{"p":"{pad}"}}}}"#
            ),
            // white space longer than a piece between `,` and the key
            format!(
                r#"{{"plan":{{"tasks":[],"conflicts":{big},{pad_ws}"critical_path":{{}}}},"state":{{}}}}"#,
                pad_ws = " ".repeat(PIECE + 10)
            ),
            // no such key; cut short
            format!(
                r#"{{"plan":{{"tasks":[],"c":{big},"critical_path":{{}}}},"state":{{"p":"{pad}"}}}}"#
            ),
            format!(r#"{{"plan":{{"tasks":[],"conflicts":{big}"#),
        ] {
            assert_eq!(both(&d, 0).0, None, "{}", &d[..100]);
        }
        // Under CUT_FROM: not this reader's.
        assert_eq!(
            both(
                r#"{"plan":{"tasks":[],"conflicts":[],"critical_path":{}},"state":{}}"#,
                0
            )
            .0,
            None
        );
    }
}
