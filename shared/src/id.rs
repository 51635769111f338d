//! Ids of tasks and runs: `[A-Za-z0-9][A-Za-z0-9._-]{0,63}`.

/// Whether `s` is a valid id.
pub fn is_valid(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_alphanumeric()
        && b[1..]
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
}

/// Checks an id, naming what it is for in the error.
pub fn check(what: &str, s: &str) -> anyhow::Result<()> {
    if is_valid(s) {
        Ok(())
    } else {
        anyhow::bail!(
            "{what} {s:?} is not a valid id (1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or digit)"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::is_valid;

    #[test]
    fn ids() {
        assert!(is_valid("T1"));
        assert!(is_valid("run_20260101T000000Z_abcdef12_001"));
        assert!(is_valid(&"a".repeat(64)));
        assert!(!is_valid(&"a".repeat(65)));
        assert!(!is_valid(""));
        assert!(!is_valid("-x"));
        assert!(!is_valid(".x"));
        assert!(!is_valid("a/b"));
        assert!(!is_valid("a b"));
        assert!(!is_valid("é"));
    }
}
