//! The readers, one line per case: what they read, and what they refuse.

use super::*;

/// A modification of `f`, up to its first hunk.
const M: &str = "diff --git a/f b/f\nindex 1234567..89abcde 100644\n--- a/f\n+++ b/f\n";
/// A complete modification of `f`.
const MOD: &str =
    "diff --git a/f b/f\nindex 1234567..89abcde 100644\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n";
/// A new symlink `l` to `../t a`.
const LINK: &str = "diff --git a/l b/l\nnew file mode 120000\nindex 0000000..1234567\n--- /dev/null\n+++ b/l\n@@ -0,0 +1 @@\n+../t a\n\\ No newline at end of file\n";
/// The start of a modification of the binary file `b`.
const BIN: &str = "diff --git a/b b/b\nindex 1234567..89abcde 100644\n";

fn kinds(files: &[FileChange]) -> Vec<(ChangeKind, String, Option<String>)> {
    let s = |p: &[u8]| String::from_utf8_lossy(p).into_owned();
    files
        .iter()
        .map(|f| (f.change, s(&f.path), f.old_path.as_deref().map(s)))
        .collect()
}

/// Reads one file and checks its kind, path and old path.
#[track_caller]
fn one(diff: &str, change: ChangeKind, path: &str, old: Option<&str>) -> FileChange {
    let files = parse_unified(diff.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{diff}"));
    let want = [(change, path.to_string(), old.map(str::to_string))];
    assert_eq!(kinds(&files), want, "{diff}");
    files.into_iter().next().unwrap()
}

/// Checks the error's line and that its message says `what`.
#[track_caller]
fn bad(diff: &str, at: usize, what: &str) {
    let e = parse_unified(diff.as_bytes()).unwrap_err();
    let ok = e.at == at && e.unit == Unit::Line && e.what.contains(what);
    assert!(ok, "got `{e}` for\n{diff}");
}

#[test]
#[rustfmt::skip]
fn reads_changes() {
    use ChangeKind::*;
    assert_eq!(parse_unified(b"").unwrap(), []);
    one(MOD, Modified, "f", None);
    one(&format!("{M}@@ -1,2 +1,2 @@ fn main() {{\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n"), Modified, "f", None);
    one(&format!("{M}@@ -1,3 +1,2 @@\n a\n-b\n c\n@@ -10 +9,2 @@\n-x\n+y\n+z\n"), Modified, "f", None);
    one("diff --git a/n b/n\nnew file mode 100644\nindex 0000000..e69de29\n", Added, "n", None);
    one("diff --git a/n b/n\nnew file mode 100755\nindex 0000000..1234567\n--- /dev/null\n+++ b/n\n@@ -0,0 +1 @@\n+x\n", Added, "n", None);
    one("diff --git a/n b/n\ndeleted file mode 100644\nindex 1234567..0000000\n--- a/n\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n", Deleted, "n", None);
    one("diff --git a/o b/n\nsimilarity index 100%\nrename from o\nrename to n\n", Renamed, "n", Some("o"));
    one("diff --git a/o b/n\nold mode 100644\nnew mode 100755\nsimilarity index 90%\nrename from o\nrename to n\nindex 1234567..89abcde\n--- a/o\n+++ b/n\n@@ -1 +1 @@\n-a\n+b\n", Renamed, "n", Some("o"));
    one("diff --git a/o b/n\nsimilarity index 100%\ncopy from o\ncopy to n\n", Copied, "n", Some("o"));
    one("diff --git a/f b/f\nold mode 100644\nnew mode 100755\n", ModeChanged, "f", None);
    one("diff --git a/f b/f\nold mode 100644\nnew mode 100755\nindex 1234567..89abcde\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n", Modified, "f", None);
    one("diff --git a/f b/f\nindex 1234567..89abcde 100644\n", Modified, "f", None);
    one("diff --git a/f b/f\nold mode 100644\nnew mode 120000\n", TypeChanged, "f", None);
    one("diff --git a/f b/f\ndissimilarity index 90%\nindex 1234567..89abcde 100644\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n", Modified, "f", None);
    one(&MOD.replace("\n-a\n", "\n-a\r\n").replace("\n+b\n", "\n+b\r\n"), Modified, "f", None);
    let modes = one("diff --git a/f b/f\nold mode 100644\nnew mode 100755\n", ModeChanged, "f", None);
    assert_eq!((modes.old_mode.as_deref(), modes.new_mode.as_deref()), (Some("100644"), Some("100755")));
    let modes = one(MOD, Modified, "f", None);
    assert_eq!((modes.old_mode.as_deref(), modes.new_mode.as_deref(), modes.binary), (Some("100644"), Some("100644"), false));
}

#[test]
#[rustfmt::skip]
fn reads_paths() {
    use ChangeKind::*;
    one(&MOD.replace("a/f", "a/s p").replace("b/f", "b/s p").replace("+++ b/s p", "+++ b/s p\t").replace("--- a/s p", "--- a/s p\t"), Modified, "s p", None);
    one("diff --git a/x b/y b/x b/y\nindex 1234567..89abcde 100644\n", Modified, "x b/y", None);
    one("diff --git a/x b/y b/x b/z\nsimilarity index 90%\nrename from x b/y\nrename to x b/z\n", Renamed, "x b/z", Some("x b/y"));
    one("diff --git \"a/t\\tb\" \"b/t\\tb\"\nindex 1234567..89abcde 100644\n", Modified, "t\tb", None);
    one("diff --git \"a/caf\\303\\251\" \"b/caf\\303\\251\"\nnew file mode 100644\nindex 0000000..e69de29\n", Added, "café", None);
    one("diff --git a/café b/café\nnew file mode 100644\nindex 0000000..e69de29\n", Added, "café", None);
    one("diff --git a/plain \"b/q\\\"\\\\\"\nsimilarity index 100%\nrename from plain\nrename to \"q\\\"\\\\\"\n", Renamed, "q\"\\", Some("plain"));
    one("diff --git \"a/n\\nl\" b/plain\nsimilarity index 100%\nrename from \"n\\nl\"\nrename to plain\n", Renamed, "plain", Some("n\nl"));
    one("diff --git a/-x b/-x\nindex 1234567..89abcde 100644\n", Modified, "-x", None);
    one("diff --git a/ lead b/ lead\nindex 1234567..89abcde 100644\n", Modified, " lead", None);
    one("diff --git a/trail  b/trail \nindex 1234567..89abcde 100644\n", Modified, "trail ", None);
    one("diff --git i/f w/f\nindex 1234567..89abcde 100644\n--- i/f\n+++ w/f\n@@ -1 +1 @@\n-a\n+b\n", Modified, "f", None);
    one("diff --git c/o i/n\nsimilarity index 100%\nrename from o\nrename to n\n", Renamed, "n", Some("o"));
    one("diff --git a/rock and roll b/rock and roll\nindex 1234567..89abcde 100644\nBinary files a/rock and roll and b/rock and roll differ\n", Modified, "rock and roll", None);
}

#[test]
#[rustfmt::skip]
fn reads_symlinks_binaries_gitlinks() {
    use ChangeKind::*;
    assert_eq!(one(LINK, Added, "l", None).symlink_target.as_deref(), Some(&b"../t a"[..]));
    let changed = "diff --git a/l b/l\nindex 1234567..89abcde 120000\n--- a/l\n+++ b/l\n@@ -1 +1 @@\n-old\n\\ No newline at end of file\n+new\n\\ No newline at end of file\n";
    assert_eq!(one(changed, Modified, "l", None).symlink_target.as_deref(), Some(&b"new"[..]));
    let two_lines = "diff --git a/l b/l\nindex 1234567..89abcde 120000\n--- a/l\n+++ b/l\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n";
    assert_eq!(one(two_lines, Modified, "l", None).symlink_target.as_deref(), Some(&b"a\nc"[..]));
    let no_end = changed.replace("+new\n\\ No newline at end of file\n", "+new\n");
    assert_eq!(one(&no_end, Modified, "l", None).symlink_target, None, "not provably the whole target");
    let later = changed.replace("@@ -1 +1 @@", "@@ -2 +2 @@");
    assert_eq!(one(&later, Modified, "l", None).symlink_target, None, "not provably the whole target");
    let gone = "diff --git a/l b/l\ndeleted file mode 100644\nindex 1234567..0000000\n--- a/l\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n";
    let tc = one(&format!("{gone}{LINK}"), TypeChanged, "l", None);
    assert_eq!((tc.old_mode.as_deref(), tc.new_mode.as_deref(), tc.symlink_target.as_deref()), (Some("100644"), Some("120000"), Some(&b"../t a"[..])));
    let readd = "diff --git a/l b/l\nnew file mode 100644\nindex 0000000..1234567\n--- /dev/null\n+++ b/l\n@@ -0,0 +1 @@\n+x\n";
    assert_eq!(parse_unified(format!("{gone}{readd}").as_bytes()).unwrap().len(), 2, "same type: not a type change");
    assert_eq!(parse_unified(format!("{gone}{MOD}{LINK}").as_bytes()).unwrap().len(), 3, "not next to each other");
    assert!(one(&format!("{BIN}Binary files a/b and b/b differ\n"), Modified, "b", None).binary);
    assert!(one("diff --git a/b b/b\nnew file mode 100644\nindex 0000000..89abcde\nBinary files /dev/null and b/b differ\n", Added, "b", None).binary);
    assert!(one("diff --git a/b b/b\ndeleted file mode 100644\nindex 89abcde..0000000\nBinary files a/b and /dev/null differ\n", Deleted, "b", None).binary);
    assert!(one("diff --git \"a/\\\"b\" \"b/\\\"b\"\nindex 1234567..89abcde 100644\nBinary files \"a/\\\"b\" and \"b/\\\"b\" differ\n", Modified, "\"b", None).binary);
    let patch = format!("{BIN}GIT binary patch\nliteral 3\nKcmYdfNCE%>hycU@\n\ndelta 3\nKcmYdfNCE%>hycU@\n\n");
    assert!(one(&patch, Modified, "b", None).binary);
    one(&patch.replace("delta 3\nKcmYdfNCE%>hycU@\n\n", ""), Modified, "b", None);
    let sub = "diff --git a/s b/s\nnew file mode 160000\nindex 0000000..1234567\n--- /dev/null\n+++ b/s\n@@ -0,0 +1 @@\n+Subproject commit 1234567890123456789012345678901234567890\n";
    assert_eq!(one(sub, Added, "s", None).new_mode.as_deref(), Some("160000"));
    assert_eq!(parse_unified(format!("{MOD}{sub}{patch}{LINK}").as_bytes()).unwrap().len(), 4);
}

#[test]
#[rustfmt::skip]
fn refuses_garbage_and_headers() {
    bad("hello\n", 1, "before the first `diff --git`");
    bad("\ndiff --git a/f b/f\n", 1, "before the first");
    bad("diff --cc f\n", 1, "combined");
    bad("From 1234 Mon Sep 17 00:00:00 2001\n", 1, "format-patch");
    bad("--- a/f\n+++ b/f\n", 1, "not a git diff");
    bad("Submodule s 1234567..89abcde:\n", 1, "--submodule=short");
    bad(&format!("{MOD}-- \n2.47.0\n"), 8, "signature");
    bad(&format!("{MOD}hello\n"), 8, "unexpected line \"hello\" after a complete hunk");
    bad(MOD.trim_end(), 7, "no newline");
    bad("diff --git a/f b/f\n", 1, "no header or change");
    bad("diff --git a/f b/f\nfoo bar\n", 2, "unknown header line \"foo bar\"");
    bad("diff --git a/f b/f\nnew file mode 100644\nsimilarity 90%\n", 3, "unknown header line");
    bad("diff --git a/f b/f\nindex 1234567..89abcde 100644\n@@ -1 +1 @@\n", 3, "without `---`");
    bad("diff --git a/f b/f\nold mode 100644\n", 1, "come together");
    bad("diff --git a/f b/f\nold mode 100645\nnew mode 100644\n", 2, "not a file mode");
    bad("diff --git a/f b/f\nnew file mode 040000\n", 2, "directory");
    bad("diff --git a/f b/f\nindex 1234567..89abcde 100644\nindex 1234567..89abcde 100644\n", 3, "a second `index`");
    bad("diff --git a/f b/f\nindex 12345z7..89abcde 100644\n", 2, "not `index OLD..NEW [MODE]`");
    bad("diff --git a/f b/f\nindex 1234567.89abcde\n", 2, "not `index OLD..NEW [MODE]`");
    bad("diff --git a/f b/f\nindex 1234567..89abcde 100755\nold mode 100644\nnew mode 100644\n", 1, "contradicts");
    bad("diff --git a/f b/f\nsimilarity index 101%\n", 2, "not a percentage");
    bad("diff --git a/f b/f\nsimilarity index 90%\n", 1, "without a rename");
    bad("diff --git a/f b/f\nnew file mode 100644\ndeleted file mode 100644\n", 1, "both");
    bad("diff --git a/f b/f\nnew file mode 100644\nold mode 100644\nnew mode 100755\n", 1, "new or deleted file");
    bad("diff --git a/o b/n\nrename from o\n", 1, "come together");
    bad("diff --git a/o b/n\ncopy to n\n", 1, "come together");
    bad("diff --git a/o b/n\nrename from o\nrename to x\n", 1, "does not name \"o\" and \"x\"");
    bad("diff --git a/o b/o\nrename from o\nrename to o\n", 1, "onto itself");
    bad("diff --git a/o b/n\nnew file mode 100644\nrename from o\nrename to n\n", 1, "new or deleted");
    bad("diff --git a/o b/n\nrename from o\nrename to n\ncopy from o\ncopy to n\n", 1, "both rename and copy");
    bad("diff --git a/o b/n\nindex 1234567..89abcde 100644\n", 1, "cannot read the `diff --git` line");
    bad("diff --git f f\nindex 1234567..89abcde 100644\n", 1, "--default-prefix");
    bad("diff --git a/f\nindex 1234567..89abcde 100644\n", 1, "cannot read");
    bad("diff --git \nindex 1234567..89abcde 100644\n", 1, "cannot read");
    bad("diff --git a/f b/f\r\nindex 1234567..89abcde 100644\r\n", 1, "CRLF");
    bad(&MOD.replace("100644\n", "100644\r\n"), 2, "CRLF");
}

#[test]
#[rustfmt::skip]
fn refuses_bad_quoting() {
    bad("diff --git \"a/f\\q\" \"b/f\\q\"\nindex 1234567..89abcde 100644\n", 1, "cannot read the `diff --git` line");
    bad("diff --git \"a/f\" \"b/f\nindex 1234567..89abcde 100644\n", 1, "cannot read the `diff --git` line");
    bad("diff --git a/o \"b/n\"\nrename from o\nrename to \"n\\q\"\n", 3, "unknown escape '\\q'");
    bad("diff --git a/o \"b/n\"\nrename from o\nrename to \"n\n", 3, "no closing");
    bad("diff --git a/o \"b/n\"\nrename from o\nrename to \"n\"x\n", 3, "after the closing quote");
    bad("diff --git a/o \"b/n\"\nrename from o\nrename to \"n\\400\"\n", 3, "unknown escape");
    bad("diff --git a/o \"b/n\"\nrename from o\nrename to \"n\\000\"\n", 3, "NUL");
    bad("diff --git a/o b/n\nrename from \nrename to n\n", 2, "empty path");
    bad(&MOD.replace("--- a/f", "--- \"a/f\\z\""), 3, "`---` line: quoted path has an unknown escape");
    bad(&MOD.replace("--- a/f", "--- \"a/f\" x"), 3, "text after the quoted path");
}

#[test]
#[rustfmt::skip]
fn refuses_bad_bodies() {
    bad(&format!("{M}@@ -1,2 +1,2 @@\n a\n-b\n"), 5, "truncated");
    bad(&format!("{M}@@ -1,2 +1,2 @@\n a\n{MOD}"), 7, "the hunk at line 5 is truncated: 1 old and 1 new lines missing");
    bad(&format!("{M}@@ -1,2 +1,2 @@\n a\n@@ -5 +5 @@\n-x\n+y\n"), 7, "truncated");
    bad(&format!("{M}@@ -1 +1 @@\n-a\n+b\n+c\n"), 8, "unexpected line \"+c\"");
    bad(&format!("{M}@@ -1 +1,2 @@\n-a\n-b\n+c\n"), 7, "more lines than its header counts");
    bad(&format!("{M}@@ -1,2 +1,2 @@\n a\n*b\n"), 7, "does not start with ' ', '+', '-' or '\\'");
    bad(&format!("{M}@@ -1,2 +1,2 @@\n a\n\n b\n"), 7, "empty line in a hunk");
    bad(&format!("{M}@@ -1 +1 @@\n\\ No newline at end of file\n-a\n+b\n"), 6, "follows no hunk line");
    bad(&format!("{M}@@ -1 +1 @@\n-a\n\\ x\n\\ x\n+b\n"), 8, "follows no hunk line");
    bad(&format!("{M}@@ -x +1 @@\n"), 5, "expected a hunk header");
    bad(&format!("{M}@@ -1 +1 @@x\n"), 5, "expected a hunk header");
    bad(&format!("{M}@@ -1 +1\n"), 5, "expected a hunk header");
    bad(&format!("{M}@@ -0,0 +0,0 @@\n"), 5, "expected a hunk header");
    bad(&format!("{M}@@ -99999999999999999999999 +1 @@\n"), 5, "expected a hunk header");
    bad(M, 5, "without a hunk");
    bad(&MOD.replace("--- a/f", "--- a/g"), 3, "`---` path does not match");
    bad(&MOD.replace("+++ b/f", "+++ /dev/null"), 4, "`+++` path does not match");
    bad(&MOD.replace("+++ b/f", "++++ b/f"), 4, "followed by a `+++`");
    bad(&MOD.replace("--- a/f", "--- a/f\t2024-01-01"), 3, "timestamp");
    bad(&format!("{BIN}Binary files a/b and b/c differ\n"), 3, "does not name");
    bad(&format!("{BIN}Binary files a/b and b/b\n"), 3, "does not name");
    bad(&format!("{BIN}Binary files a/b and b/b differ\nx\n"), 4, "unexpected line");
    bad(&format!("{BIN}GIT binary patch\n"), 4, "literal N");
    bad(&format!("{BIN}GIT binary patch\nliteral x\n"), 4, "not a number");
    bad(&format!("{BIN}GIT binary patch\nliteral 3\nKcmYdfNCE%>hycU@\n"), 5, "truncated");
    bad(&format!("{BIN}GIT binary patch\nliteral 3\nKcmYdfNCE%>hycU\n\n"), 5, "not base85");
    bad(&format!("{BIN}GIT binary patch\nliteral 3\nKcmYdfNCE%>hyc\"@\n\n"), 5, "not base85");
    bad(&format!("{BIN}GIT binary patch\nliteral 3\n\n"), 5, "without data");
    bad(&format!("{BIN}GIT binary patch\nliteral 3\nKcmYdfNCE%>hycU@\n\nx\n"), 7, "unexpected line");
}

/// Every prefix and many one-byte changes of a real-looking diff: an answer
/// or an error, never a panic.
#[test]
fn never_panics() {
    let moved = "diff --git \"a/\\303\\251 x\" b/y z\nsimilarity index 90%\nrename from \"\\303\\251 x\"\nrename to y z\nindex 1234567..89abcde 100644\n--- \"a/\\303\\251 x\"\t\n+++ b/y z\t\n@@ -1,2 +1,2 @@ h\n a\n-b\n+c\n";
    let patch = format!(
        "{BIN}GIT binary patch\nliteral 3\nKcmYdfNCE%>hycU@\n\ndelta 3\nKcmYdfNCE%>hycU@\n\n"
    );
    let binary = format!("{BIN}Binary files a/b and b/b differ\n");
    let sample = format!("{MOD}{LINK}{moved}{patch}{binary}");
    let sample = sample.as_bytes();
    assert_eq!(parse_unified(sample).unwrap().len(), 5);
    let raw =
        b":100644 100644 1234567 89abcde R086\0o ld\0n\tew\0:000000 120000 0000000 1234567 A\0l\0";
    for input in [sample, &raw[..]] {
        for n in 0..=input.len() {
            let _ = parse_unified(&input[..n]);
            let _ = parse_raw_z(&input[..n]);
        }
        for i in 0..input.len() {
            for b in [
                b'\n', b' ', b'"', b'\\', b'+', b'-', b'@', b'0', b'9', b'/', b'\t', 0, 0xff,
            ] {
                let mut m = input.to_vec();
                m[i] = b;
                let _ = parse_unified(&m);
                let _ = parse_raw_z(&m);
            }
        }
    }
}

#[test]
fn change_kind_names_are_what_serde_writes() {
    use ChangeKind::*;
    for k in [
        Added,
        Modified,
        Deleted,
        Renamed,
        Copied,
        ModeChanged,
        TypeChanged,
    ] {
        assert_eq!(
            serde_json::to_string(&k).unwrap(),
            format!("\"{}\"", k.as_str())
        );
    }
}
