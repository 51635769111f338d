//! A big document read on every core: the items of its one big array (a
//! plan's 100k tasks) are cut into runs at item boundaries, each run read by
//! serde on its own thread, and the rest of the document read around an
//! empty array.
//!
//! It is only a faster way to the answer [`super::parse`] gives. Whenever
//! any step fails, the document is read again by [`super::parse`], which
//! gives the one answer and every error message; so this reader decides
//! nothing. A cut point is a guess (`}`, `,`, `{` with only white space
//! between); it is proved by the reading itself: the first run starts where
//! the array starts, so serde sees its bytes exactly as it would in the whole
//! document, and it reads the run as a list of items only when the run ends
//! at the end of an item; each later run then starts at an item's start too.
//! Each run is read inside one more array (`[[ … ]]`), so it sits as deep as
//! in the whole document and serde's nesting limit falls at the same item.

use super::scan::{find_value, is_ws};
use super::Document;
use serde::de::DeserializeOwned;

/// Below this many bytes a document is read in one go.
pub const SPLIT_FROM: usize = 1 << 20;

/// A document whose bulk is one array of items.
pub trait SplitArray: Document {
    /// An item of the array.
    type Item: DeserializeOwned + Send;
    /// The array's field in the document's top-level object.
    const FIELD: &'static str;
    /// Puts the items read into the document read around an empty array.
    fn set_items(&mut self, items: Vec<Self::Item>);
}

/// The document read on `parts` threads, or None when any step fails or
/// the document does not look like one this reader can cut (the caller then
/// reads it the strict way).
pub fn read<T: SplitArray>(bytes: &[u8], parts: usize) -> Option<T> {
    let open = find_array(bytes, T::FIELD)?;
    let close = bytes.iter().rposition(|&b| b == b']')?;
    if close <= open {
        return None;
    }
    let cuts = cuts(bytes, open, close, parts);
    // Run i is bytes[starts[i]..ends[i]]: from after the `[` or a comma, to
    // the next comma or the closing `]`.
    let starts: Vec<usize> = std::iter::once(open + 1)
        .chain(cuts.iter().map(|&c| c + 1))
        .collect();
    let ends: Vec<usize> = cuts.iter().copied().chain(std::iter::once(close)).collect();
    let runs = crate::par::map_ranges(&crate::par::bounds(starts.len(), starts.len()), |r| {
        r.map(|i| read_run::<T::Item>(bytes.get(starts[i]..ends[i])?))
            .collect::<Option<Vec<Vec<T::Item>>>>()
    });
    let mut items = Vec::new();
    for run in runs {
        for part in run? {
            if items.is_empty() {
                items = part;
            } else {
                items.extend(part);
            }
        }
    }
    let mut around = Vec::with_capacity(open + 2 + bytes.len() - close);
    around.extend_from_slice(bytes.get(..open)?);
    around.extend_from_slice(b"[]");
    around.extend_from_slice(bytes.get(close + 1..)?);
    let mut doc: T = serde_json::from_slice(&around).ok()?;
    if doc.schema_field() != Some(T::SCHEMA) {
        return None;
    }
    doc.set_items(items);
    Some(doc)
}

/// The items of one run, read as `[[run]]`.
fn read_run<I: DeserializeOwned>(run: &[u8]) -> Option<Vec<I>> {
    let mut text = Vec::with_capacity(run.len() + 4);
    text.extend_from_slice(b"[[");
    text.extend_from_slice(run);
    text.extend_from_slice(b"]]");
    serde_json::from_slice::<(Vec<I>,)>(&text)
        .ok()
        .map(|(v,)| v)
}

/// Up to `parts - 1` cut points between `open` and `close`, ascending: the
/// comma of a `}`, `,`, `{` (white space allowed between) at or after each
/// even share of the array.
fn cuts(bytes: &[u8], open: usize, close: usize, parts: usize) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    let len = close - open;
    for i in 1..parts {
        let from = (open + len * i / parts).max(out.last().map_or(open, |&c| c + 1));
        if let Some(c) = next_cut(bytes, from, close) {
            out.push(c);
        }
    }
    out.dedup();
    out
}

/// The first comma at or after `from` (before `close`) with `}` before it
/// and `{` after it, white space aside.
fn next_cut(bytes: &[u8], from: usize, close: usize) -> Option<usize> {
    let window = bytes.get(from..close)?;
    window.iter().enumerate().find_map(|(k, &b)| {
        let at = from + k;
        (b == b','
            && prev_non_ws(bytes, at) == Some(b'}')
            && next_non_ws(bytes, at + 1) == Some(b'{'))
        .then_some(at)
    })
}

fn prev_non_ws(bytes: &[u8], at: usize) -> Option<u8> {
    bytes.get(..at)?.iter().rev().copied().find(|&b| !is_ws(b))
}

fn next_non_ws(bytes: &[u8], at: usize) -> Option<u8> {
    bytes.get(at..)?.iter().copied().find(|&b| !is_ws(b))
}

/// Where the array of top-level field `field` opens (its `[`); None when
/// the document is not an object or the field is not there as a plain
/// (unescaped) key with an array value.
fn find_array(bytes: &[u8], field: &str) -> Option<usize> {
    find_value(bytes, &[field]).filter(|&at| bytes.get(at) == Some(&b'['))
}

#[cfg(test)]
mod tests;
