//! The glob dialect agrees with git (DESIGN.md section 4).
//!
//! A few hundred patterns (generated from a fixed seed, written by hand, and
//! the cases of git's `t/t3070-wildmatch.sh` that are valid patterns) against
//! a few thousand paths: for each pattern, one `git check-ignore --no-index`
//! over all the paths at once gives the truth. None of the paths exists, so
//! git treats each path as a file and each of its parents as a directory.
//!
//! Two questions per pattern:
//! - *with parents*: the pattern alone, as gitignore applies it (a path is
//!   ignored if it or one of its parent directories matches);
//! - *itself*: the pattern followed by `!*/`, which re-includes every
//!   directory, so only the path itself can match.
//!
//! A pattern that ends with `/` or `/**` or has no wildcard takes what it
//! names and everything below: muster must answer *with parents*. Any other
//! pattern takes whole paths only: muster must answer *itself*; the pairs
//! where the two differ (a parent matched, the path did not) are the
//! deliberate difference, counted, and also tested on their own below.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use muster_shared::glob::{Pattern, PatternSet};

/// The `(text, pattern)` pairs of git's t/t3070-wildmatch.sh (git 2.47),
/// without its expected columns: the truth comes from running git.
const T3070: &[(&str, &str)] = &[
    ("foo", "foo"),
    ("foo", "bar"),
    ("", ""),
    ("foo", "???"),
    ("foo", "??"),
    ("foo", "*"),
    ("foo", "f*"),
    ("foo", "*f"),
    ("foo", "*foo*"),
    ("foobar", "*ob*a*r*"),
    ("aaaaaaabababab", "*ab"),
    ("foo*", "foo\\*"),
    ("foobar", "foo\\*bar"),
    ("f\\oo", "f\\\\oo"),
    ("ball", "*[al]?"),
    ("ten", "[ten]"),
    ("ten", "**[!te]"),
    ("ten", "**[!ten]"),
    ("ten", "t[a-g]n"),
    ("ten", "t[!a-g]n"),
    ("ton", "t[!a-g]n"),
    ("ton", "t[^a-g]n"),
    ("a]b", "a[]]b"),
    ("a-b", "a[]-]b"),
    ("a]b", "a[]-]b"),
    ("aab", "a[]-]b"),
    ("aab", "a[]a-]b"),
    ("]", "]"),
    ("foo/baz/bar", "foo*bar"),
    ("foo/baz/bar", "foo**bar"),
    ("foobazbar", "foo**bar"),
    ("foo/baz/bar", "foo/**/bar"),
    ("foo/baz/bar", "foo/**/**/bar"),
    ("foo/b/a/z/bar", "foo/**/bar"),
    ("foo/b/a/z/bar", "foo/**/**/bar"),
    ("foo/bar", "foo/**/bar"),
    ("foo/bar", "foo/**/**/bar"),
    ("foo/bar", "foo?bar"),
    ("foo/bar", "foo[/]bar"),
    ("foo/bar", "foo[^a-z]bar"),
    ("foo/bar", "f[^eiu][^eiu][^eiu][^eiu][^eiu]r"),
    ("foo-bar", "f[^eiu][^eiu][^eiu][^eiu][^eiu]r"),
    ("foo", "**/foo"),
    ("XXX/foo", "**/foo"),
    ("bar/baz/foo", "**/foo"),
    ("bar/baz/foo", "*/foo"),
    ("foo/bar/baz", "**/bar*"),
    ("deep/foo/bar/baz", "**/bar/*"),
    ("deep/foo/bar/baz/", "**/bar/*"),
    ("deep/foo/bar/baz/", "**/bar/**"),
    ("deep/foo/bar", "**/bar/*"),
    ("deep/foo/bar/", "**/bar/**"),
    ("foo/bar/baz", "**/bar**"),
    ("foo/bar/baz/x", "*/bar/**"),
    ("deep/foo/bar/baz/x", "*/bar/**"),
    ("deep/foo/bar/baz/x", "**/bar/*/*"),
    ("acrt", "a[c-c]st"),
    ("acrt", "a[c-c]rt"),
    ("]", "[!]-]"),
    ("a", "[!]-]"),
    ("", "\\"),
    ("\\", "\\"),
    ("XXX/\\", "*/\\"),
    ("XXX/\\", "*/\\\\"),
    ("foo", "foo"),
    ("@foo", "@foo"),
    ("foo", "@foo"),
    ("[ab]", "\\[ab]"),
    ("[ab]", "[[]ab]"),
    ("[ab]", "[[:]ab]"),
    ("[ab]", "[[::]ab]"),
    ("[ab]", "[[:digit]ab]"),
    ("[ab]", "[\\[:]ab]"),
    ("?a?b", "\\??\\?b"),
    ("abc", "\\a\\b\\c"),
    ("foo", ""),
    ("foo/bar/baz/to", "**/t[o]"),
    ("a1B", "[[:alpha:]][[:digit:]][[:upper:]]"),
    ("a", "[[:digit:][:upper:][:space:]]"),
    ("A", "[[:digit:][:upper:][:space:]]"),
    ("1", "[[:digit:][:upper:][:space:]]"),
    ("1", "[[:digit:][:upper:][:spaci:]]"),
    (" ", "[[:digit:][:upper:][:space:]]"),
    (".", "[[:digit:][:upper:][:space:]]"),
    (".", "[[:digit:][:punct:][:space:]]"),
    ("5", "[[:xdigit:]]"),
    ("f", "[[:xdigit:]]"),
    ("D", "[[:xdigit:]]"),
    (
        "_",
        "[[:alnum:][:alpha:][:blank:][:cntrl:][:digit:][:graph:][:lower:][:print:][:punct:][:space:][:upper:][:xdigit:]]",
    ),
    (".", "[^[:alnum:][:alpha:][:blank:][:cntrl:][:digit:][:lower:][:space:][:upper:][:xdigit:]]"),
    ("5", "[a-c[:digit:]x-z]"),
    ("b", "[a-c[:digit:]x-z]"),
    ("y", "[a-c[:digit:]x-z]"),
    ("q", "[a-c[:digit:]x-z]"),
    ("]", "[\\\\-^]"),
    ("[", "[\\\\-^]"),
    ("-", "[\\-_]"),
    ("]", "[\\]]"),
    ("\\]", "[\\]]"),
    ("\\", "[\\]]"),
    ("ab", "a[]b"),
    ("a[]b", "a[]b"),
    ("ab[", "ab["),
    ("ab", "[!"),
    ("ab", "[-"),
    ("-", "[-]"),
    ("-", "[a-"),
    ("-", "[!a-"),
    ("-", "[--A]"),
    ("5", "[--A]"),
    (" ", "[ --]"),
    ("$", "[ --]"),
    ("-", "[ --]"),
    ("0", "[ --]"),
    ("-", "[---]"),
    ("-", "[------]"),
    ("j", "[a-e-n]"),
    ("-", "[a-e-n]"),
    ("a", "[!------]"),
    ("[", "[]-a]"),
    ("^", "[]-a]"),
    ("^", "[!]-a]"),
    ("[", "[!]-a]"),
    ("^", "[a^bc]"),
    ("-b]", "[a-]b]"),
    ("\\", "[\\]"),
    ("\\", "[\\\\]"),
    ("\\", "[!\\\\]"),
    ("G", "[A-\\\\]"),
    ("aaabbb", "b*a"),
    ("aabcaa", "*ba*"),
    (",", "[,]"),
    (",", "[\\\\,]"),
    ("\\", "[\\\\,]"),
    ("-", "[,-.]"),
    ("+", "[,-.]"),
    ("-.]", "[,-.]"),
    ("2", "[\\1-\\3]"),
    ("3", "[\\1-\\3]"),
    ("4", "[\\1-\\3]"),
    ("\\", "[[-\\]]"),
    ("[", "[[-\\]]"),
    ("]", "[[-\\]]"),
    ("-", "[[-\\]]"),
    ("-adobe-courier-bold-o-normal--12-120-75-75-m-70-iso8859-1", "-*-*-*-*-*-*-12-*-*-*-m-*-*-*"),
    ("-adobe-courier-bold-o-normal--12-120-75-75-X-70-iso8859-1", "-*-*-*-*-*-*-12-*-*-*-m-*-*-*"),
    ("-adobe-courier-bold-o-normal--12-120-75-75-/-70-iso8859-1", "-*-*-*-*-*-*-12-*-*-*-m-*-*-*"),
    ("XXX/adobe/courier/bold/o/normal//12/120/75/75/m/70/iso8859/1", "XXX/*/*/*/*/*/*/12/*/*/*/m/*/*/*"),
    ("XXX/adobe/courier/bold/o/normal//12/120/75/75/X/70/iso8859/1", "XXX/*/*/*/*/*/*/12/*/*/*/m/*/*/*"),
    ("abcd/abcdefg/abcdefghijk/abcdefghijklmnop.txt", "**/*a*b*g*n*t"),
    ("abcd/abcdefg/abcdefghijk/abcdefghijklmnop.txtz", "**/*a*b*g*n*t"),
    ("foo", "*/*/*"),
    ("foo/bar", "*/*/*"),
    ("foo/bba/arr", "*/*/*"),
    ("foo/bb/aa/rr", "*/*/*"),
    ("foo/bb/aa/rr", "**/**/**"),
    ("abcXdefXghi", "*X*i"),
    ("ab/cXd/efXg/hi", "*X*i"),
    ("ab/cXd/efXg/hi", "*/*X*/*/*i"),
    ("ab/cXd/efXg/hi", "**/*X*/**/*i"),
    ("foo", "fo"),
    ("foo/bar", "foo/bar"),
    ("foo/bar", "foo/*"),
    ("foo/bba/arr", "foo/*"),
    ("foo/bba/arr", "foo/**"),
    ("foo/bba/arr", "foo*"),
    ("foo/bba/arr", "foo**"),
    ("foo/bba/arr", "foo/*arr"),
    ("foo/bba/arr", "foo/**arr"),
    ("foo/bba/arr", "foo/*z"),
    ("foo/bba/arr", "foo/**z"),
    ("foo/bar", "foo?bar"),
    ("foo/bar", "foo[/]bar"),
    ("foo/bar", "foo[^a-z]bar"),
    ("ab/cXd/efXg/hi", "*Xg*i"),
    ("a", "[A-Z]"),
    ("A", "[A-Z]"),
    ("A", "[a-z]"),
    ("a", "[a-z]"),
    ("a", "[[:upper:]]"),
    ("A", "[[:upper:]]"),
    ("A", "[[:lower:]]"),
    ("a", "[[:lower:]]"),
    ("A", "[B-Za]"),
    ("a", "[B-Za]"),
    ("A", "[B-a]"),
    ("a", "[B-a]"),
    ("z", "[Z-y]"),
    ("Z", "[Z-y]"),
];

/// Patterns written by hand: each kind of token in each position.
#[rustfmt::skip]
const HAND: &[&str] = &[
    // stars and double stars
    "*", "**", "/**", "**/", "/**/", "*/", "**/*", "*/*", "*/*/*", "**/**", "a/**/**/b", "foo*", "*foo",
    "f*o", "*.md", "/*.md", "**/*.md", "*.md/", "*.md/**", "docs/*.md", "src/*", "/src/*", "src/**",
    "src/**/", "src/**/*.rs", "src/**/mod.rs", "**/foo", "**/foo/", "foo/**", "foo/**/bar", "a/**/b",
    "a/**/b/**", "**/a/**", "a**b", "a*b", "ab*", "foo**bar", "**foo", "/**foo", "*a**/b", "a/*b**",
    "a/**b", "lib/**/*.rs", "tests/*", "tests/**/*", "**/tests/**/*.rs", "*/tests", "*.rs", "*.txt",
    // classes
    "[a-c]", "[!a-c]", "[^a-c]", "[a-c]*", "*[!a-c]", "[[:alpha:]]", "[[:alpha:]]*", "[[:digit:]]*",
    "[[:punct:]]*", "[[:space:]]*", "*[[:space:]]*", "[[:upper:]]*", "[![:alnum:]]*", "[]]", "[!]]",
    "[-]", "[a-]", "a[]]b", "[]-]", "[z-a]", "x[z-a]", "[.]hidden", "[Ff]oo", "[A-Z]*", "x[!a]y", "[!a]",
    "[/]", "a[/]b", "*.t?t", "*.[mr]?", "[{]a,b[}]", "back[\\\\]slash", "tab[[:blank:]]here",
    // escapes and odd characters
    "\\*", "a\\*b", "\\?", "q\\?", "\\[ab]", "[[]ab]", "[\\]]", "\\#hash", "\\!bang", "\\#*", "\\!*",
    "-rf", "--help", "-", "-*", "\\-rf", "\\{a,b\\}", "back\\\\slash", "*\\\\*", "tab\there", "tab?here",
    "a\\/b", "**\\/foo", "a/**\\/b", "a\\/**",
    // spaces
    "a b", "a\\ b", "a?b", "trail\\ ", "trail ", "trail   ", "*\\ ", " lead", "\\ lead",
    // ?, bytes and non-ASCII
    "?", "??", "???", "*?", "a?", "?/*", "x?y", "*/x?y", "é", "/é", "caf?", "caf??", "caf?\\?", "caf[é]",
    "caf[é][é]", "caf[!a]?", "*é", "[é]*", "?\u{3a9}mega", "\u{3a9}mega", "日本", "日?", "日???",
    "na?ve.txt", "na??ve.txt",
    // literal paths and directories
    "README.md", "/README.md", "README.md/", "notes.md", "notes.md/", "docs/", "/docs/", "docs", "/docs",
    ".github/workflows/", ".github/workflows/*.yml", ".github/", "*.yml", ".hidden", ".*", "FOO", "Foo",
    "Makefile", "makefile", "a/b", "/a/b", "a/b/", "a/*/b", "a/?/b", "b/**/c", "**/b/**", "**/c",
    "node_modules", "**/node_modules", "**/node_modules/", "target/", "/target", "build", "build/**",
];

/// Segments the generated paths are made of: names a repo has, and the
/// characters a dialect must get right (spaces, dashes, brackets, escapes,
/// non-ASCII, bytes that are not UTF-8).
#[rustfmt::skip]
const SEGMENTS: &[&[u8]] = &[
    b"a", b"b", b"c", b"ab", b"abc", b"ba", b"foo", b"bar", b"baz", b"foobar", b"src", b"docs", b"lib",
    b"test", b"tests", b"README.md", b"notes.md", b"x.md", b"main.rs", b"lib.rs", b"mod.rs", b"a.b.c",
    b".github", b"workflows", b"ci.yml", b"build", b"target", b"node_modules", b".hidden", b"Makefile",
    b"makefile", b"FOO", b"Foo", b"a b", b" lead", b"trail ", b"-rf", b"--help", b"-", b"#hash",
    b"!bang", b"[ab]", b"a*b", b"q?", b"back\\slash", b"{a,b}", b"a]b", b"a-b", b"ten", b"ton", b"x.txt",
    b"1", b"42", b"_", b"$x", b"@foo", "é".as_bytes(), "café".as_bytes(), "naïve.txt".as_bytes(),
    "日本".as_bytes(), "Ωmega".as_bytes(), b"\xff", b"x\xe9y", b"tab\there",
];

#[path = "../support/rng.rs"]
mod rng;
use rng::Rng;

fn random_path(rng: &mut Rng) -> Vec<u8> {
    let depth = *rng.pick(&[1, 1, 2, 2, 2, 3, 3, 3, 4, 5]);
    let segs: Vec<&[u8]> = (0..depth).map(|_| *rng.pick(SEGMENTS)).collect();
    segs.join(&b'/')
}

/// Escapes what the dialect reads as syntax.
fn escape(seg: &str, last: bool) -> String {
    let mut out = String::new();
    for (i, c) in seg.char_indices() {
        let trailing_space = last && c == ' ' && seg[i..].trim_end_matches(' ').is_empty();
        if matches!(c, '\\' | '*' | '?' | '[' | '{' | '}' | '!' | '#') || trailing_space {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// One segment of a generated pattern, made from a path segment: kept,
/// replaced by a wildcard, or with one character replaced by `?` or a class.
fn pattern_segment(rng: &mut Rng, seg: &[u8], last: bool) -> String {
    let Ok(seg) = std::str::from_utf8(seg) else {
        return rng.pick(&["*", "?", "[!a]", "x*", "*y", "??"]).to_string();
    };
    let chars: Vec<char> = seg.chars().collect();
    let n = chars.len();
    let lit = |cs: &[char]| escape(&cs.iter().collect::<String>(), last);
    match rng.below(100) {
        0..=39 => lit(&chars),
        40..=49 => "*".into(),
        50..=64 => {
            let k = rng.below(n + 1);
            match rng.below(3) {
                0 => format!("{}*", lit(&chars[..k])),
                1 => format!("*{}", lit(&chars[k..])),
                _ => {
                    let m = k + rng.below(n - k + 1);
                    format!("{}*{}", lit(&chars[..k]), lit(&chars[m..]))
                }
            }
        }
        65..=74 => {
            let k = rng.below(n);
            let q = if chars[k].is_ascii() || rng.chance(30) {
                "?".to_string()
            } else {
                "?".repeat(chars[k].len_utf8())
            };
            format!("{}{q}{}", lit(&chars[..k]), lit(&chars[k + 1..]))
        }
        75..=94 => {
            let k = rng.below(n);
            let class = class_for(rng, chars[k]);
            format!("{}{class}{}", lit(&chars[..k]), lit(&chars[k + 1..]))
        }
        _ => chars
            .iter()
            .map(|c| {
                if *c == '/' {
                    "/".to_string()
                } else {
                    format!("\\{c}")
                }
            })
            .collect(),
    }
}

/// A class standing for `c`: often one that contains it, sometimes not.
fn class_for(rng: &mut Rng, c: char) -> String {
    if !c.is_ascii() {
        let other = if rng.chance(50) {
            c.to_string()
        } else {
            "a".into()
        };
        return rng
            .pick(&[
                format!("[{c}]"),
                format!("[!{other}]"),
                format!("[^x{other}]"),
                "[!a-z]".into(),
            ])
            .clone();
    }
    let esc = if matches!(c, '\\' | ']' | '[' | '-' | '!' | '^') {
        format!("\\{c}")
    } else {
        c.to_string()
    };
    let b = c as u8;
    let lo = char::from(b.saturating_sub(rng.below(3) as u8).max(b' '));
    let hi = char::from((b + rng.below(3) as u8).min(b'~'));
    let range = |x: char| {
        if matches!(x, '\\' | ']' | '[' | '-' | '!' | '^') {
            format!("\\{x}")
        } else {
            x.to_string()
        }
    };
    let options = [
        format!("[{esc}]"),
        format!("[{esc}x]"),
        format!("[!{esc}]"),
        format!("[^q{esc}]"),
        format!("[{}-{}]", range(lo), range(hi)),
        format!("[!{}-{}]", range(lo), range(hi)),
        "[[:alpha:]]".into(),
        "[[:alnum:]_]".into(),
        "[![:alpha:]]".into(),
        "[[:punct:]]".into(),
        "[[:digit:][:space:]]".into(),
        "[]a-z]".into(),
        "[a-]".into(),
        "[!]]".into(),
        "[[:lower:]]".into(),
        "[[:upper:]-]".into(),
    ];
    rng.pick(&options).clone()
}

fn random_pattern(rng: &mut Rng, paths: &[Vec<u8>]) -> String {
    let path = rng.pick(paths);
    let segs: Vec<&[u8]> = path.split(|&b| b == b'/').collect();
    let keep = 1 + rng.below(segs.len());
    let from = if keep < segs.len() && rng.chance(30) {
        rng.below(segs.len() - keep + 1)
    } else {
        0
    };
    let segs = &segs[from..from + keep];
    let mut p = String::new();
    for (i, seg) in segs.iter().enumerate() {
        if i > 0 {
            // Now and then a wildcard where the path has a `/`: it must not
            // match the `/`.
            const GLUE: &[&str] = &["?", "*", "[!a]", "[^x]", "[/]", "[[:punct:]]", "**"];
            let sep = if rng.chance(8) { rng.pick(GLUE) } else { "/" };
            p.push_str(sep);
            if rng.chance(8) {
                p.push_str("**/");
            }
        }
        if segs.len() > 1 && rng.chance(6) {
            p.push_str("**");
        } else {
            p.push_str(&pattern_segment(rng, seg, i + 1 == segs.len()));
        }
    }
    if from > 0 || rng.chance(10) {
        p = format!("**/{p}");
    } else if rng.chance(30) {
        p = format!("/{p}");
    }
    match rng.below(100) {
        0..=14 => p.push('/'),
        15..=24 => p.push_str("/**"),
        25..=29 => p.push_str("  "),
        _ => {}
    }
    p
}

/// A path git and muster can both be asked about: normalized, not `:magic`.
fn valid_path(p: &[u8]) -> bool {
    !p.is_empty()
        && p[0] != b':'
        && !p.contains(&0)
        && p.split(|&b| b == b'/')
            .all(|s| !s.is_empty() && s != b"." && s != b".." && s != b".git")
}

/// A scratch repository to ask `git check-ignore --no-index` in.
struct Git {
    dir: tempfile::TempDir,
    bin: PathBuf,
}

impl Git {
    fn new() -> Git {
        let bin = PathBuf::from(std::env::var_os("GIT").unwrap_or_else(|| "git".into()));
        let dir = tempfile::tempdir().expect("temp dir");
        let out = Git::command(&bin, dir.path())
            .args(["init", "-q"])
            .output()
            .expect("git: is it installed?");
        assert!(
            out.status.success(),
            "git init: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Git { dir, bin }
    }

    fn command(bin: &Path, dir: &Path) -> Command {
        let mut c = Command::new(bin);
        c.current_dir(dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("HOME", dir)
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE");
        c
    }

    /// Which of `paths` git ignores with `lines` as the only exclude file.
    /// One process for all the paths.
    fn ignored(&self, lines: &[&str], paths: &[Vec<u8>], exclude: &Path) -> Vec<bool> {
        let mut file = lines.join("\n");
        file.push('\n');
        std::fs::write(exclude, file).expect("write exclude file");
        let mut input = Vec::new();
        for p in paths {
            input.extend_from_slice(p);
            input.push(0);
        }
        let mut child = Git::command(&self.bin, self.dir.path())
            .arg("-c")
            .arg(format!("core.excludesFile={}", exclude.display()))
            .args([
                "-c",
                "core.ignoreCase=false",
                "check-ignore",
                "--no-index",
                "--stdin",
                "-z",
                "-v",
                "-n",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn git check-ignore");
        let mut stdin = child.stdin.take().expect("stdin");
        let writer = std::thread::spawn(move || stdin.write_all(&input));
        let out = child.wait_with_output().expect("git check-ignore");
        writer
            .join()
            .expect("writer thread")
            .expect("write paths to git");
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "git check-ignore with {lines:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // -v -n -z: source, line number, pattern, path; one record per path.
        let fields: Vec<&[u8]> = out.stdout.split(|&b| b == 0).collect();
        assert_eq!(
            fields.len(),
            paths.len() * 4 + 1,
            "git check-ignore output for {lines:?}"
        );
        fields
            .chunks(4)
            .zip(paths)
            .map(|(rec, path)| {
                assert_eq!(rec[3], &path[..], "git check-ignore answered out of order");
                !rec[2].is_empty() && rec[2][0] != b'!'
            })
            .collect()
    }

    /// Runs `jobs` (exclude-file lines) over `paths` on a few threads.
    fn ignored_many(&self, jobs: &[Vec<&str>], paths: &[Vec<u8>]) -> Vec<Vec<bool>> {
        let next = AtomicUsize::new(0);
        let results = Mutex::new(vec![Vec::new(); jobs.len()]);
        let threads = std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .clamp(2, 4);
        std::thread::scope(|s| {
            for t in 0..threads {
                let (next, results) = (&next, &results);
                s.spawn(move || {
                    let exclude = self.dir.path().join(format!("exclude-{t}"));
                    loop {
                        let k = next.fetch_add(1, Ordering::Relaxed);
                        let Some(lines) = jobs.get(k) else { break };
                        let answer = self.ignored(lines, paths, &exclude);
                        results.lock().expect("results")[k] = answer;
                    }
                });
            }
        });
        results.into_inner().expect("results")
    }
}

/// Whether a pattern takes what it names and everything below (ends with
/// `/` or `/**`, or has no wildcard), by DESIGN.md's words, read here
/// independently of the library.
fn takes_below(pattern: &str) -> bool {
    let mut p = pattern.as_bytes();
    // Unescaped trailing spaces are dropped.
    while p.last() == Some(&b' ')
        && p[..p.len() - 1]
            .iter()
            .rev()
            .take_while(|&&c| c == b'\\')
            .count()
            % 2
            == 0
    {
        p = &p[..p.len() - 1];
    }
    if p.ends_with(b"/") || p.ends_with(b"/**") {
        return true;
    }
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            b'\\' => i += 2,
            b'*' | b'?' | b'[' => return false,
            _ => i += 1,
        }
    }
    true
}

fn show(path: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(path))
}

#[test]
fn the_dialect_agrees_with_git() {
    let started = Instant::now();
    let mut rng = Rng(0x6d75_7374_6572_2121);

    // Paths: random ones, and the texts of t3070 that are normalized paths.
    let mut paths: BTreeSet<Vec<u8>> = BTreeSet::new();
    while paths.len() < 3000 {
        paths.insert(random_path(&mut rng));
    }
    for (text, _) in T3070 {
        paths.insert(text.as_bytes().to_vec());
    }
    for p in [
        "notes.md/run.sh",
        "src/auth/x/y.rs",
        "src/auth",
        "a/README.md/x",
        ".github/workflows/ci.yml",
    ] {
        paths.insert(p.as_bytes().to_vec());
    }
    let paths: Vec<Vec<u8>> = paths.into_iter().filter(|p| valid_path(p)).collect();

    // Patterns: by hand, from t3070, generated. All must parse but the t3070
    // ones the dialect refuses, which must match nothing in git either.
    let mut texts: Vec<String> = Vec::new();
    let mut seen = BTreeSet::new();
    for t in HAND.iter().chain(T3070.iter().map(|(_, p)| p)) {
        if seen.insert(t.to_string()) {
            texts.push(t.to_string());
        }
    }
    let sample: Vec<Vec<u8>> = paths.iter().step_by(7).cloned().collect();
    let hand_and_t3070 = texts.len();
    let mut glued = 0;
    while texts.len() < hand_and_t3070 + 300 {
        let t = random_pattern(&mut rng, &sample);
        if Pattern::parse(&t).is_err_and(|e| e.what.starts_with("a ** glued")) {
            glued += 1;
        } else if seen.insert(t.clone()) {
            texts.push(t);
        }
    }
    let mut patterns = Vec::new();
    let mut refused = Vec::new();
    for t in &texts {
        match Pattern::parse(t) {
            Ok(p) => patterns.push(p),
            Err(e) => {
                assert!(
                    T3070.iter().any(|(_, p)| p == t),
                    "a generated pattern was refused: {e}"
                );
                refused.push(t.clone());
            }
        }
    }

    // git: every pattern with parents; the wildcard ones also by themselves.
    let git = Git::new();
    let mut jobs: Vec<Vec<&str>> = Vec::new();
    let mut itself_job = Vec::new();
    for p in &patterns {
        jobs.push(vec![p.text.as_str()]);
    }
    for p in &patterns {
        if takes_below(&p.text) {
            itself_job.push(None);
        } else {
            itself_job.push(Some(jobs.len()));
            jobs.push(vec![p.text.as_str(), "!*/"]);
        }
    }
    let refused_jobs = jobs.len();
    for t in &refused {
        jobs.push(vec![t.as_str()]);
    }
    let answers = git.ignored_many(&jobs, &paths);
    let git_elapsed = started.elapsed();

    // The t3070 patterns muster refuses match nothing in git.
    for (k, t) in refused.iter().enumerate() {
        let hits: Vec<String> = paths
            .iter()
            .zip(&answers[refused_jobs + k])
            .filter(|(_, &ig)| ig)
            .map(|(p, _)| show(p))
            .collect();
        assert!(
            hits.is_empty(),
            "muster refuses {t:?} but git matches {hits:?}"
        );
    }

    // muster: one set, asked once per path.
    let set = PatternSet::new(patterns.clone()).expect("the patterns compile together");
    let mut taken = vec![vec![false; paths.len()]; patterns.len()];
    for (j, path) in paths.iter().enumerate() {
        let m = set.matches(path);
        assert_eq!(
            set.first_match(path),
            m.first().copied(),
            "first_match of {}",
            show(path)
        );
        for i in m {
            taken[i][j] = true;
        }
    }

    let mut pairs = 0usize;
    let mut deliberate = 0usize;
    let mut git_yes = 0usize;
    let mut taken_yes = 0usize;
    let mut mismatches = Vec::new();
    for (i, p) in patterns.iter().enumerate() {
        let with_parents = &answers[i];
        for (j, path) in paths.iter().enumerate() {
            pairs += 1;
            git_yes += usize::from(with_parents[j]);
            let expected = match itself_job[i] {
                None => with_parents[j],
                Some(k) => {
                    let itself = answers[k][j];
                    assert!(
                        !itself || with_parents[j],
                        "git: {:?} matches {} but not with parents",
                        p.text,
                        show(path)
                    );
                    if with_parents[j] && !itself {
                        deliberate += 1;
                    }
                    itself
                }
            };
            taken_yes += usize::from(expected);
            if taken[i][j] != expected {
                mismatches.push(format!(
                    "{:?} (globs {:?}) vs {}: git {} (with parents {}), muster {}",
                    p.text,
                    p.globs(),
                    show(path),
                    expected,
                    with_parents[j],
                    taken[i][j]
                ));
            }
        }
    }
    // Spot-check single-pattern matching against the set.
    for (i, p) in patterns.iter().enumerate().step_by(11) {
        for (j, path) in paths.iter().enumerate().step_by(5) {
            assert_eq!(
                p.is_match(path),
                taken[i][j],
                "{:?} is_match {}",
                p.text,
                show(path)
            );
        }
    }
    let t3070_pairs = T3070
        .iter()
        .filter(|(text, pat)| {
            valid_path(text.as_bytes()) && patterns.iter().any(|p| p.text == *pat)
        })
        .count();
    println!(
        "glob_git: {} patterns ({} refused t3070 patterns, {glued} generated ones with a glued ** regenerated), {} \
         paths, {pairs} pairs ({git_yes} ignored by git, {taken_yes} taken), {deliberate} deliberate-difference pairs, \
         {t3070_pairs} t3070 pairs among them, {} git runs, git {:.1?}, total {:.1?}",
        patterns.len(),
        refused.len(),
        paths.len(),
        jobs.len(),
        git_elapsed,
        started.elapsed()
    );
    assert!(
        mismatches.is_empty(),
        "{} of {pairs} pairs disagree with git, first ones:\n{}",
        mismatches.len(),
        mismatches
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        deliberate > 0,
        "no pair exercised the deliberate difference"
    );
    assert!(
        t3070_pairs > 150,
        "only {t3070_pairs} t3070 pairs were checked"
    );
}

/// The deliberate difference on its own: git ignores a path inside a
/// directory a wildcard pattern matches; muster does not take it, unless the
/// pattern ends with `/` or `/**` or is literal.
#[test]
fn a_wildcard_never_takes_the_contents_of_a_directory_it_matches() {
    let git = Git::new();
    let exclude = git.dir.path().join("exclude");
    let cases: &[(&str, &str, bool)] = &[
        ("*.md", "notes.md/run.sh", false),
        ("src/*", "src/a/b.rs", false),
        ("*.rs", "x.rs/y", false),
        ("**/node_modules", "node_modules/x", false),
        ("a?", "ab/c", false),
        ("[ab]", "a/x", false),
        ("**/bar/*", "deep/foo/bar/baz/x", false),
        ("notes.md/", "notes.md/run.sh", true),
        ("*.md/", "notes.md/run.sh", true),
        ("*.md/**", "notes.md/run.sh", true),
        ("notes.md", "notes.md/run.sh", true),
        ("src/auth", "src/auth/x/y.rs", true),
        ("README.md", "a/README.md/x", true),
        ("a\\*b", "a*b/c", true),
    ];
    for &(pattern, path, muster_takes) in cases {
        let path = vec![path.as_bytes().to_vec()];
        assert_eq!(
            git.ignored(&[pattern], &path, &exclude),
            vec![true],
            "git ignores {path:?} with {pattern:?}"
        );
        let p = Pattern::parse(pattern).expect("valid pattern");
        assert_eq!(
            p.is_match(&path[0]),
            muster_takes,
            "{pattern:?} takes {path:?}"
        );
        if !muster_takes {
            let itself = git.ignored(&[pattern, "!*/"], &path, &exclude);
            assert_eq!(
                itself,
                vec![false],
                "git: {pattern:?} matches {path:?} itself"
            );
        }
    }
}
