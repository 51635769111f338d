//! The strict two-step document reader.
//!
//! Step one reads only the `schema` header and says what was expected when it
//! does not fit ("expected muster.state/v1, got muster.tasks/v1"). Step two
//! reads the body strictly (unknown fields are errors, except inside `labels`
//! and `meta`), naming the JSON path and line:column of the first problem:
//! `<stdin>: tasks[3].deps[0]: invalid type: integer `3`, expected a string at
//! line 9 column 14`. Serde cannot combine `flatten` with `deny_unknown_fields`,
//! hence two steps.

use crate::schema::Document;
use anyhow::{anyhow, bail, Result};
use serde::de::DeserializeOwned;
use serde::Deserialize;

pub mod hole;
mod scan;
pub mod split;
pub use split::SplitArray;

#[derive(Deserialize)]
struct Header {
    schema: Option<serde_json::Value>,
}

/// The `schema` of a document, checked to be a string.
pub fn peek_schema(bytes: &[u8], source: &str) -> Result<String> {
    let header: Header = serde_json::from_slice(bytes).map_err(|e| syntax(source, &e))?;
    match header.schema {
        Some(serde_json::Value::String(s)) => Ok(s),
        Some(other) => bail!("{source}: schema: expected a string like \"muster.<kind>/v1\", got {other}"),
        None => bail!("{source}: no \"schema\" field; every muster document names its kind, like \"schema\": \"muster.tasks/v1\""),
    }
}

/// Reads a document of kind `T`: header first, then the body strictly.
pub fn parse<T: Document>(bytes: &[u8], source: &str) -> Result<T> {
    // The common case in one pass: a well-formed document of the right kind.
    // Anything else is read again, slowly, for an error that says where.
    if let Ok(doc) = serde_json::from_slice::<T>(bytes) {
        if doc.schema_field() == Some(T::SCHEMA) {
            return Ok(doc);
        }
    }
    let got = peek_schema(bytes, source)?;
    if got != T::SCHEMA {
        bail!("{source}: expected {}, got {got}", T::SCHEMA);
    }
    parse_body(bytes, source)
}

/// [`parse`], faster for a big document: its big array read on every core
/// ([`split`]); the same answer, and the same errors, as [`parse`].
pub fn parse_split<T: SplitArray>(bytes: &[u8], source: &str) -> Result<T> {
    let cores = crate::par::cores();
    if bytes.len() >= split::SPLIT_FROM && cores > 1 {
        if let Some(doc) = split::read(bytes, cores) {
            return Ok(doc);
        }
    }
    parse(bytes, source)
}

/// `then` on a big document whose bulk is one array that `then` reads as
/// [`serde::de::IgnoredAny`] (at `path`, `next_key` after it in the
/// writer's order), faster: `then` is given the document with that array
/// cut out (`[]` in its place) while the array is checked as JSON on
/// another core, and, from a regular file, never held in memory ([`hole`],
/// [`hole::file`]). `then` reads the bytes it is given with
/// [`parse_body_borrowed`] (its second argument names the source) and decides; when
/// it fails, or the check does, it is given the whole document, so it gives
/// the same answer and the same errors as on the whole document. It may
/// run twice, so it must only compute.
pub fn parse_body_around<R>(
    src: crate::io::Source,
    path: &[&str],
    next_key: &str,
    mut then: impl FnMut(&[u8], &str) -> Result<R>,
) -> Result<R> {
    let cores = crate::par::cores() > 1;
    let name = src.name().to_string();
    if let crate::io::Source::File { file, start, .. } = &src {
        if cores {
            let fast = |around: &[u8]| then(around, &name).ok();
            if let Some(out) = hole::file::read(file, *start, path, next_key, fast) {
                return Ok(out);
            }
        }
    }
    let from_file = matches!(src, crate::io::Source::File { .. });
    let input = src.into_input()?;
    // A file the file reader could not cut is not tried again in memory.
    if cores && !from_file && input.bytes.len() >= hole::CUT_FROM {
        let fast = |around: &[u8]| then(around, &name).ok();
        if let Some(out) = hole::read(&input.bytes, path, next_key, fast) {
            return Ok(out);
        }
    }
    then(&input.bytes, &input.name)
}

/// Reads a JSON value strictly into `T`, with the JSON path in errors. Trailing
/// characters after the value are an error.
pub fn parse_body<T: DeserializeOwned>(bytes: &[u8], source: &str) -> Result<T> {
    parse_body_borrowed(bytes, source)
}

/// [`parse_body`] into a `T` that may borrow strings from `bytes`.
pub fn parse_body_borrowed<'a, T: Deserialize<'a>>(bytes: &'a [u8], source: &str) -> Result<T> {
    // Fast when the input is good; the path-tracking reader only for the
    // error message.
    if let Ok(doc) = serde_json::from_slice::<T>(bytes) {
        return Ok(doc);
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." || path.is_empty() {
            anyhow!("{source}: {inner}")
        } else {
            anyhow!("{source}: {path}: {inner}")
        }
    })?;
    de.end().map_err(|e| syntax(source, &e))?;
    Ok(value)
}

fn syntax(source: &str, e: &serde_json::Error) -> anyhow::Error {
    if e.is_eof() && e.line() <= 1 && e.column() == 0 {
        anyhow!("{source}: empty input; expected a JSON document")
    } else {
        anyhow!("{source}: not JSON: {e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use schemars::JsonSchema;
    use serde::Serialize;

    #[derive(Debug, Serialize, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    struct Demo {
        schema: String,
        items: Vec<Item>,
    }
    #[derive(Debug, Serialize, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    struct Item {
        id: String,
    }
    impl Document for Demo {
        const SCHEMA: &'static str = "muster.demo/v1";
    }

    #[track_caller]
    fn err(input: &str) -> String {
        format!(
            "{:#}",
            parse::<Demo>(input.as_bytes(), "<stdin>").unwrap_err()
        )
    }

    #[test]
    fn errors_name_what_and_where() {
        assert_eq!(err(""), "<stdin>: empty input; expected a JSON document");
        assert_eq!(
            err("{"),
            "<stdin>: not JSON: EOF while parsing an object at line 1 column 1"
        );
        assert!(err("{\"items\": []}").contains("no \"schema\" field"));
        assert_eq!(
            err("{\"schema\": \"muster.tasks/v1\"}"),
            "<stdin>: expected muster.demo/v1, got muster.tasks/v1"
        );
        assert_eq!(
            err("{\"schema\": \"muster.demo/v1\",\n \"items\": [{\"id\": \"a\"}, {\"id\": 3}]}"),
            "<stdin>: items[1].id: invalid type: integer `3`, expected a string at line 2 column 32"
        );
        assert_eq!(
            err("{\"schema\": \"muster.demo/v1\", \"items\": [{\"idd\": \"a\"}]}"),
            "<stdin>: items[0].idd: unknown field `idd`, expected `id` at line 1 column 45"
        );
        assert!(err("{\"schema\": \"muster.demo/v1\", \"items\": []} x")
            .contains("trailing characters"));
    }

    #[test]
    fn good_document_reads() {
        let d: Demo = parse(
            b"{\"schema\":\"muster.demo/v1\",\"items\":[{\"id\":\"a\"}]}",
            "f",
        )
        .unwrap();
        assert_eq!(d.items[0].id, "a");
    }
}
