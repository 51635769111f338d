use super::{Pattern, PatternSet};

/// The error for a pattern the dialect refuses.
#[track_caller]
fn refused(pattern: &str, what_starts: &str) {
    match Pattern::parse(pattern) {
        Ok(p) => panic!("{pattern:?} parsed as {:?}", p.globs()),
        Err(e) => {
            assert_eq!(e.pattern, pattern);
            assert!(e.what.starts_with(what_starts), "{pattern:?}: {}", e.what);
            assert!(!e.to_string().contains('\n'), "{e}");
        }
    }
}

#[track_caller]
fn pat(pattern: &str) -> Pattern {
    match Pattern::parse(pattern) {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    }
}

#[track_caller]
fn takes(pattern: &str, path: &str) {
    assert!(
        pat(pattern).is_match(path.as_bytes()),
        "{pattern:?} should take {path:?}"
    );
}

#[track_caller]
fn leaves(pattern: &str, path: &str) {
    assert!(
        !pat(pattern).is_match(path.as_bytes()),
        "{pattern:?} should leave {path:?}"
    );
}

#[track_caller]
fn inside(pattern: &str, dir: &str, expected: bool) {
    assert_eq!(
        pat(pattern).names_inside(dir),
        expected,
        "{pattern:?} names inside {dir:?}"
    );
}

#[track_caller]
fn globs(pattern: &str, expected: &[&str]) {
    assert_eq!(pat(pattern).globs(), expected, "{pattern:?}");
}

#[test]
fn errors() {
    refused("", "empty pattern");
    refused("   ", "empty pattern: gitignore drops trailing spaces");
    refused("/", "empty pattern: a lone /");
    refused("//", "empty pattern: a lone /");
    refused(
        "!foo",
        "negation is not part of the dialect: put the pattern in --deny",
    );
    refused(
        "#foo",
        "a # line is a comment in gitignore: escape it as \\#",
    );
    refused(
        "{a,b}",
        "braces are not part of the dialect: write two patterns",
    );
    refused("src/*.{rs,md}", "braces are not part of the dialect");
    refused("a}", "braces are not part of the dialect");
    refused("../x", "a .. segment is not allowed");
    refused("a/../b", "a .. segment is not allowed");
    refused("..", "a .. segment is not allowed");
    refused("a/..", "a .. segment is not allowed");
    refused("\\.\\./x", "a .. segment is not allowed");
    refused("./x", "a . segment never matches");
    refused("a//b", "an empty segment (//) never matches");
    refused("a//", "an empty segment (//) never matches");
    refused("\\/a", "an empty segment (//) never matches");
    refused("[abc", "unclosed character class \"[abc\"");
    refused("a[]b", "unclosed character class");
    refused("[!", "unclosed character class");
    refused("[\\]", "unclosed character class");
    refused("[[:alpha:]", "unclosed character class");
    refused("[[:spaci:]]", "unknown character class [:spaci:]");
    refused("[[::]ab]", "unknown character class [::]");
    refused("[a-é]", "range a-é in a class: range ends must be ASCII");
    refused("[é-ü]", "range é-ü in a class");
    refused("foo\\", "the pattern ends with a \\ that escapes nothing");
    refused("foo\\/", "a trailing \\/ matches nothing in gitignore");
    refused("a\nb", "a pattern is one line");
    refused("a\rb", "a pattern is one line");
    refused("a\0b", "a pattern is one line");
    refused(
        "src/a**",
        "a ** glued to the name before it crosses directories",
    );
    refused(
        "/x**/y",
        "a ** glued to the name before it crosses directories",
    );
    refused(
        "a/b**/",
        "a ** glued to the name before it crosses directories",
    );
    refused(
        "a/b***\\/c",
        "a ** glued to the name before it crosses directories",
    );
}

#[test]
fn not_errors() {
    for ok in [
        "\\!foo",
        "\\#foo",
        " #foo",
        "a!",
        "a#",
        "\\{a,b\\}",
        "[{}]",
        "a,b",
        "[]]",
        "[!]]",
        "[-]",
        "[a-]",
        "[[:alpha:]]",
        "[é]",
        "a**b",
        "**/a**",
        "a/*b**",
        "a/**b",
        "*a**/x",
        "foo/**",
        "**",
        "/**",
        "**/",
        "trail\\ ",
        "[z-a]",
        "a/[/]/b",
    ] {
        pat(ok);
    }
}

#[test]
fn what_patterns_take() {
    // Literal paths take what they name and everything below.
    takes("src/auth", "src/auth");
    takes("src/auth", "src/auth/x/y.rs");
    leaves("src/auth", "src/authx");
    leaves("src/auth", "a/src/auth");
    takes("README.md", "a/README.md");
    takes("README.md", "a/README.md/x");
    takes("a\\*b", "a*b/c");
    leaves("a\\*b", "axb");
    takes("\\#x", "#x");
    takes("trail\\ ", "trail ");
    takes("trail  ", "trail");
    // A trailing slash: everything below a directory, not a file of that name.
    takes("build/", "build/x");
    takes("build/", "a/build/x/y");
    leaves("build/", "build");
    takes("/build/", "build/x");
    leaves("/build/", "a/build/x");
    takes("foo/**/", "foo/x/y");
    leaves("foo/**/", "foo/x");
    takes("**/", "a/b");
    leaves("**/", "a");
    // Wildcards take whole paths only: the deliberate difference.
    takes("*.md", "notes.md");
    takes("*.md", "a/b/notes.md");
    leaves("*.md", "notes.md/run.sh");
    takes("src/*", "src/a");
    leaves("src/*", "src/a/b.rs");
    leaves("**/node_modules", "node_modules/x");
    takes("**/node_modules/", "a/node_modules/x");
    takes("src/**", "src/a/b.rs");
    leaves("src/**", "src");
    takes("**", "a/b/c");
    // Stars, classes, bytes.
    takes("*", "a/b");
    leaves("/*", "a/b");
    takes("a/**/b", "a/b");
    takes("a/**/b", "a/x/y/b");
    takes("**/foo", "foo");
    takes("**\\/foo", "x/foo");
    leaves("**\\/foo", "foo");
    takes("a**b", "axxb");
    leaves("a**b", "ax/b");
    takes("??", "é");
    leaves("?", "é");
    takes("[é][é]", "é");
    takes("[]]", "]");
    takes("[!]]", "a");
    takes("[\\]]", "]");
    takes("[-]", "-");
    takes("[!!]", "a");
    takes("[!^]", "!");
    leaves("[!^]", "^");
    takes("[!-]", "!");
    takes("[-!]", "!");
    takes("[-!]", "-");
    leaves("[a-c]", "d");
    leaves("foo[/]bar", "foo/bar");
    takes("[z-a]", "z");
    leaves("[z-a]", "y");
    leaves("x/[/]", "x/a");
    takes("[[:upper:]]*", "Makefile");
    leaves("[[:upper:]]*", "makefile");
    takes("x[^/]", "xa");
    takes("Foo", "Foo");
    leaves("Foo", "foo");
}

#[test]
fn bytes_are_matched_as_bytes() {
    let p = pat("a?b");
    assert!(p.is_match(b"a\xffb"));
    assert!(!p.is_match(b"a\xc3\xa9b"));
    assert!(pat("a*b").is_match(b"a\xff\xfeb"));
    assert!(pat("[!x]").is_match(b"\x80"));
}

#[test]
fn names_inside() {
    let wf = ".github/workflows/";
    inside(".github/workflows/ci.yml", wf, true);
    inside(".github/workflows/*.yml", wf, true);
    inside("/.github/workflows/**", wf, true);
    inside(".github/workflows/", wf, true);
    inside(".github/workflows", wf, true);
    inside(".github/workflows/sub/*.yml", wf, true);
    inside(".github/workflows/ci.yml", ".github/workflows", true);
    inside("*.yml", wf, false);
    inside("ci.yml", wf, false);
    inside("**", wf, false);
    inside("**/workflows/ci.yml", wf, false);
    inside(".github/*", wf, false);
    inside(".github/**", wf, false);
    inside(".github/", wf, false);
    inside(".github/work*/ci.yml", wf, false);
    inside(".github/workflows*/ci.yml", wf, false);
    inside(".github/workflows-old/ci.yml", wf, false);
    inside("workflows/ci.yml", wf, false);
    inside(".muster/x", ".muster/", true);
    inside(".github/work\\flows/x", wf, true);
}

#[test]
fn normalized_globs() {
    globs("*.md", &["**/*.md"]);
    globs("/*.md", &["*.md"]);
    globs("src/auth", &["src/auth", "src/auth/**"]);
    globs("README.md", &["**/README.md", "**/README.md/**"]);
    globs("build/", &["**/build/**"]);
    globs("**/a/b", &["**/a/b"]);
    globs("**/a/b/", &["**/a/b/**"]);
    globs("/**/", &["*/**"]);
    globs("a/**/", &["a/*/**"]);
    globs("a***b", &["**/a*b"]);
    globs("[!a-c]x", &["**/[!/abc]x"]);
    globs("[]a]", &["**/[]a]"]);
    globs("[a]", &["**/a"]);
    globs("[*]", &["**/\\*"]);
    globs("[\\!^]", &["**/{\\!,\\^}"]);
    globs("[-^]", &["**/[-^]"]);
    globs("[z-a]", &["**/z"]);
    globs("x/[/]", &[]);
}

#[test]
fn sets_answer_in_pattern_order() {
    let set = PatternSet::new(vec![pat("*.rs"), pat("src/"), pat("src/main.rs")]).unwrap();
    assert_eq!(set.first_match(b"src/main.rs"), Some(0));
    assert_eq!(set.matches(b"src/main.rs"), vec![0, 1, 2]);
    assert_eq!(set.matches(b"src/x/y"), vec![1]);
    assert_eq!(set.first_match(b"docs/a.md"), None);
    assert!(set.is_match(b"src/x"));
    assert_eq!(set.patterns()[2].text, "src/main.rs");
    let empty = PatternSet::new(Vec::new()).unwrap();
    assert_eq!(empty.first_match(b"a"), None);
}

/// The literal fast path answers exactly as globset alone does: every
/// literal form, mixed with wildcards, on paths built from the same names.
#[test]
fn literal_fast_path_agrees_with_globset() {
    use super::{Pattern, PatternSet};
    let pool = [
        "src/",
        "src",
        "/src",
        "src/auth/",
        "src/auth/login.rs",
        "auth",
        "auth/",
        "a/b",
        "a/b/",
        "Cargo.toml",
        "/Cargo.toml",
        "x.md",
        "docs/x.md",
        "docs/",
        "docs/**",
        "*.md",
        "**/test_*.rs",
        "src/*/mod.rs",
        "a/**/b",
        "[ab]/c",
        "?",
        "**/auth",
        "**/auth/**",
        "a b/",
        "é/",
        "src/auth",
        "docs/x.md/",
        "b",
        "a/b/c",
        "src/auth/*.rs",
        "src/*.rs",
        "a/b/?",
        "src/auth/**/x",
        "a/[bc]/",
        "docs/**/*.md",
        "a/b*",
        // Floating literals with a `/` in them (the multi-segment walks).
        "**/a/b",
        "**/a/b/",
        "**/src/auth/**",
        "**/b/c",
    ];
    let names = [
        "src",
        "auth",
        "a",
        "b",
        "c",
        "docs",
        "x.md",
        "Cargo.toml",
        "login.rs",
        "a b",
        "é",
        "mod.rs",
        "test_1.rs",
    ];
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let mut paths: Vec<Vec<u8>> = Vec::new();
    for _ in 0..400 {
        let depth = 1 + next(5);
        let parts: Vec<&str> = (0..depth).map(|_| names[next(names.len())]).collect();
        paths.push(parts.join("/").into_bytes());
    }
    paths.extend([
        b"a\nb/c".to_vec(),
        b"/src/x".to_vec(),
        b"src/".to_vec(),
        b"".to_vec(),
        b"a//b".to_vec(),
        b"a/b/".to_vec(),
        b"x/a/b/".to_vec(),
        b"/".to_vec(),
    ]);
    for round in 0..300 {
        let n = 1 + next(12);
        let texts: Vec<&str> = (0..n).map(|_| pool[next(pool.len())]).collect();
        let pats = || {
            texts
                .iter()
                .map(|t| Pattern::parse(t).unwrap())
                .collect::<Vec<_>>()
        };
        let fast = PatternSet::build(pats(), true).unwrap();
        let plain = PatternSet::build(pats(), false).unwrap();
        for p in &paths {
            let what = format!(
                "round {round}, patterns {texts:?}, path {:?}",
                String::from_utf8_lossy(p)
            );
            assert_eq!(fast.first_match(p), plain.first_match(p), "{what}");
            assert_eq!(fast.matches(p), plain.matches(p), "{what}");
            assert_eq!(fast.is_match(p), plain.is_match(p), "{what}");
        }
    }
}

/// Pattern::parse checks with globset only the globs that have a class,
/// braces or an escape: globset accepts every other string.
#[test]
fn globset_accepts_globs_without_classes_braces_or_escapes() {
    let alphabet = ["*", "**", "?", "/", "a", ",", "]", "!", "-", ".", "é", " "];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..20_000 {
        let mut g = String::new();
        for _ in 0..(state % 9) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            g.push_str(alphabet[(state % alphabet.len() as u64) as usize]);
        }
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        assert!(super::glob(&g).is_ok(), "{g:?}");
    }
}

/// The plain reader (glob/plain.rs) and the general one agree on every text
/// made of path bytes and the bytes that make a text more than a path.
#[test]
fn plain_patterns_read_as_the_general_reader_reads_them() {
    let alphabet: &[&str] = &[
        "a", "b", "/", "/", ".", "..", " ", "#", "!", "*", "?", "[", "]", "{", ",", "\\", "-", "é",
        "\t",
    ];
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let mut plain = 0;
    for _ in 0..20_000 {
        let len = 1 + next(8);
        let text: String = (0..len).map(|_| alphabet[next(alphabet.len())]).collect();
        let general = Pattern::parse_tokens(&text);
        if super::plain::read(&text).is_some() {
            plain += 1;
        }
        match (Pattern::parse(&text), general) {
            (Ok(a), Ok(b)) => {
                assert_eq!(
                    (&a.text, a.anchored, &a.lead, &a.globs, a.literal),
                    (&b.text, b.anchored, &b.lead, &b.globs, b.literal),
                    "{text:?}"
                );
            }
            (Err(a), Err(b)) => assert_eq!(a, b, "{text:?}"),
            (a, b) => panic!("{text:?}: {a:?} vs {b:?}"),
        }
    }
    // Enough of them took the plain way for the comparison to mean something.
    assert!(plain > 2_000, "{plain} plain");
}
