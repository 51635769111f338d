//! The names in a unified diff's file header: the `diff --git` line (two
//! names that are ambiguous when unquoted and holding spaces, so pairs are
//! tried against it), and the `---`/`+++`/`Binary files` names.

use super::quote::{path, unquote_prefix};

/// The prefix pairs git writes: `a/` `b/` by default, and those of
/// `diff.mnemonicPrefix` (index, work tree, commit, object, `--no-index`).
pub(super) const PREFIXES: [(&[u8], &[u8]); 6] = [
    (b"a/", b"b/"),
    (b"i/", b"w/"),
    (b"c/", b"w/"),
    (b"c/", b"i/"),
    (b"o/", b"w/"),
    (b"1/", b"2/"),
];

pub(super) type Prefixes = (&'static [u8], &'static [u8]);

/// The two names of a `diff --git` line, which are ambiguous when unquoted
/// and containing spaces: it is asked whether a given pair fits.
pub(super) struct GitLine<'a>(pub(super) &'a [u8]);

impl GitLine<'_> {
    /// Whether the line reads `diff --git A/old B/new` for some prefix pair.
    pub(super) fn fits(&self, old: &[u8], new: &[u8]) -> Option<Prefixes> {
        let s = self.0;
        for (pa, pb) in PREFIXES {
            let a = [pa, old].concat();
            let b_tok = if s.first() == Some(&b'"') {
                match unquote_prefix(s) {
                    Ok((got, rest)) if got == a => rest.strip_prefix(b" "),
                    _ => None,
                }
            } else {
                s.strip_prefix(&a[..])
                    .and_then(|rest| rest.strip_prefix(b" "))
            };
            if b_tok
                .and_then(|t| path(t).ok())
                .is_some_and(|b| b.strip_prefix(pb) == Some(new))
            {
                return Some((pa, pb));
            }
        }
        None
    }

    /// The name, when the line reads `diff --git A/name B/name`.
    pub(super) fn same_name(&self) -> Option<(Vec<u8>, Prefixes)> {
        let s = self.0;
        let name = if s.first() == Some(&b'"') {
            unquote_prefix(s).ok()?.0
        } else {
            // "A/name B/name": the split is in the middle
            let half = s.len().checked_sub(1)? / 2;
            s.get(..half)?.to_vec()
        };
        let (pa, _) = PREFIXES.iter().find(|(pa, _)| name.starts_with(pa))?;
        let name = name[pa.len()..].to_vec();
        let fit = self.fits(&name, &name)?;
        Some((name, fit))
    }
}

/// A `---`/`+++`/`Binary files` name: None for `/dev/null`; the bytes with
/// their prefix otherwise. Git puts a tab after a name with a space in it.
pub(super) fn label(tok: &[u8]) -> Result<Option<Vec<u8>>, String> {
    if tok == b"/dev/null" {
        return Ok(None);
    }
    if tok.first() == Some(&b'"') {
        let (name, rest) = unquote_prefix(tok)?;
        if !rest.is_empty() && rest != b"\t" {
            return Err("text after the quoted path".into());
        }
        return Ok(Some(name));
    }
    let tok = tok.strip_suffix(b"\t").unwrap_or(tok);
    if tok.contains(&b'\t') {
        return Err("a tab inside an unquoted path (a timestamp? git writes none)".into());
    }
    path(tok).map(Some)
}

/// Whether `Binary files A and B differ` (given `A and B`) names `old` and
/// `new` (None: `/dev/null`). Unquoted names may hold spaces, even " and ".
pub(super) fn binary_names_fit(s: &[u8], old: &Option<Vec<u8>>, new: &Option<Vec<u8>>) -> bool {
    let rest = if s.first() == Some(&b'"') {
        match unquote_prefix(s) {
            Ok((a, rest)) if Some(&a) == old.as_ref() => rest,
            _ => return false,
        }
    } else {
        let a: &[u8] = old.as_deref().unwrap_or(b"/dev/null");
        match s.strip_prefix(a) {
            Some(rest) => rest,
            None => return false,
        }
    };
    rest.strip_prefix(b" and ")
        .and_then(|b| label(b).ok())
        .is_some_and(|b| b == *new)
}
