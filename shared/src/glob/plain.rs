//! Plain patterns, read without the tokenizer: a plan of 100k tasks has
//! tens of thousands of distinct touches, nearly all plain paths
//! (`services/pay/src/api/`, `docs/guide/intro.md`), and reading each the
//! general way (characters, tokens, emitted globs) was most of the time to
//! check a plan's graph.
//!
//! A plain pattern has none of the bytes the dialect gives a meaning beyond
//! themselves (wildcards, classes, braces, escapes, the `,` globset reads
//! in braces), does not start with `#` or `!`, and does not end with a
//! space. For such a text [`read`] gives exactly what the tokenizer and
//! [`super::emit`] give (a test compares them on generated texts); for any
//! other it gives None and the general reader is used.

/// What a plain pattern reads as.
pub(super) struct Plain {
    /// Anchored at the repo root (a `/` at the start or in the middle).
    pub anchored: bool,
    /// Its segments (all literal).
    pub lead: Vec<String>,
    /// Its globset globs.
    pub globs: Vec<String>,
}

/// Bytes that make a text more than a plain path, or that a globset glob
/// would escape.
fn special(b: u8) -> bool {
    matches!(
        b,
        b'*' | b'?' | b'[' | b']' | b'{' | b'}' | b'\\' | b',' | b'\n' | b'\r' | 0
    )
}

/// The text read as a plain pattern; None when it is not one, or is one the
/// dialect refuses (the general reader then says why).
pub(super) fn read(text: &str) -> Option<Plain> {
    let b = text.as_bytes();
    let (&first, &last) = (b.first()?, b.last()?);
    if first == b'#' || first == b'!' || last == b' ' || b.iter().any(|&c| special(c)) {
        return None;
    }
    let (body, dir_only) = match text.strip_suffix('/') {
        Some(body) => (body, true),
        None => (text, false),
    };
    let anchored = body.contains('/');
    let body = if anchored {
        body.strip_prefix('/').unwrap_or(body)
    } else {
        body
    };
    // Refused by the general reader: no segment may be empty, `.` or `..`.
    if body
        .split('/')
        .any(|s| s.is_empty() || s == "." || s == "..")
    {
        return None;
    }
    let start = if anchored { "" } else { "**/" };
    let globs = if dir_only {
        vec![format!("{start}{body}/**")]
    } else {
        vec![format!("{start}{body}"), format!("{start}{body}/**")]
    };
    Some(Plain {
        anchored,
        lead: body.split('/').map(str::to_string).collect(),
        globs,
    })
}
