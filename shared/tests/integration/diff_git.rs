//! The diff reader agrees with git. Real git makes two commits that add,
//! modify, delete, rename (with and without edits), copy, change modes and
//! types, and touch symlinks, gitlinks, binaries, empty files and paths with
//! spaces, tabs, newlines, quotes, backslashes, non-ASCII and leading dashes.
//! Then the files, change kinds and old paths read from the unified diff
//! (`parse_unified`) equal those read from `--raw -z` (`parse_raw_z`), and
//! both equal what git says (`--name-status -z`); binary flags equal
//! `--numstat -z`, symlink targets equal the blobs.
//!
//! Git is `$MUSTER_GIT`, else `/usr/local/bin/git`, else `git` on PATH; the
//! user's and the system's git config are ignored.

use muster_shared::diff::{parse_raw_z, parse_unified, ChangeKind, FileChange};
use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

fn git_program() -> PathBuf {
    if let Some(g) = std::env::var_os("MUSTER_GIT") {
        return g.into();
    }
    let local = Path::new("/usr/local/bin/git");
    if local.exists() {
        local.into()
    } else {
        "git".into()
    }
}

struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    fn new() -> Repo {
        let r = Repo {
            dir: tempfile::tempdir().expect("a temp dir"),
        };
        r.git(&["init", "-q", "."]);
        r.git(&["config", "user.name", "Muster Test"]);
        r.git(&["config", "user.email", "muster@example.invalid"]);
        r
    }

    /// Runs git in the repo; panics unless it succeeds; returns stdout.
    fn git<S: AsRef<OsStr>>(&self, args: &[S]) -> Vec<u8> {
        let out = Command::new(git_program())
            .args(args)
            .current_dir(self.dir.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("HOME", self.dir.path())
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE")
            .output()
            .expect("run git");
        let shown: Vec<_> = args
            .iter()
            .map(|a| a.as_ref().to_string_lossy().into_owned())
            .collect();
        assert!(
            out.status.success(),
            "git {shown:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    fn path(&self, p: &[u8]) -> PathBuf {
        self.dir.path().join(OsStr::from_bytes(p))
    }

    fn write(&self, p: &[u8], content: &[u8]) {
        let path = self.path(p);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, content).expect("write a file");
    }

    fn remove(&self, p: &[u8]) {
        std::fs::remove_file(self.path(p)).expect("remove a file");
    }

    fn symlink(&self, p: &[u8], target: &[u8]) {
        let path = self.path(p);
        let _ = std::fs::remove_file(&path);
        std::os::unix::fs::symlink(OsStr::from_bytes(target), path).expect("make a symlink");
    }

    fn chmod(&self, p: &[u8], mode: u32) {
        std::fs::set_permissions(self.path(p), std::fs::Permissions::from_mode(mode))
            .expect("chmod");
    }

    fn gitlink(&self, p: &[u8], sha: &str) {
        let info = [b"160000,", sha.as_bytes(), b",", p].concat();
        self.git(&[
            OsStr::new("update-index"),
            OsStr::new("--add"),
            OsStr::new("--cacheinfo"),
            OsStr::from_bytes(&info),
        ]);
    }

    fn commit(&self, message: &str) -> String {
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        String::from_utf8(self.git(&["rev-parse", "HEAD"]))
            .expect("utf-8")
            .trim()
            .to_string()
    }
}

/// Ten lines no other file has, so renames and copies pair as meant.
fn text(name: &str) -> Vec<u8> {
    (0..10)
        .map(|i| format!("{name}: line {i} of a file made for the diff tests\n"))
        .collect::<String>()
        .into_bytes()
}

/// The same with line 4 changed: about 90% similar.
fn edited(name: &str) -> Vec<u8> {
    String::from_utf8(text(name))
        .expect("utf-8")
        .replace("line 4 of", "LINE FOUR of")
        .into_bytes()
}

/// Bytes git calls binary (a NUL), long enough for several base85 lines.
fn binary(seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let mut v: Vec<u8> = (0..400)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x.to_le_bytes()[0]
        })
        .collect();
    v[7] = 0;
    v
}

const SUB_A: &str = "1111111111111111111111111111111111111111";
const SUB_B: &str = "2222222222222222222222222222222222222222";
const SUB_C: &str = "3333333333333333333333333333333333333333";

/// Plain modifications: the path tells what is odd about it.
const MODIFIED: &[&[u8]] = &[
    b"modify.txt",
    b"with space.txt",
    b"tab\there.txt",
    b"new\nline.txt",
    b"quo\"te.txt",
    b"back\\slash.txt",
    "café ñ.txt".as_bytes(),
    "naïve \"q\"\\.txt".as_bytes(),
    b"-dash.txt",
    b"--double-dash",
    b"x b/y",
    b"a/b c",
    b"b/a b/c",
    b"trail ",
    b" lead",
    b"bad\xffname",
    b"rock and roll.txt",
    b"a\x01ctl\x7f",
];

/// Added files.
const ADDED: &[&[u8]] = &[
    b"add.txt",
    b"new dir/added file.txt",
    b"tab\tadd",
    b"nl\nadd",
    b"\"quoted\"",
    b"\\",
    "日本語.txt".as_bytes(),
    b"-",
    b"-n",
];

/// Deleted files.
const DELETED: &[&[u8]] = &[
    b"delete.txt",
    b"gone with\ttab and space",
    "gone é".as_bytes(),
];

/// (from, to) renamed without edits, then with edits.
const RENAMED: &[(&[u8], &[u8])] = &[
    (b"ren_pure.txt", b"renamed pure.txt"),
    (b"x b/old", b"x b/new"),
    ("é/ö".as_bytes(), b"plain/name"),
];
const RENAMED_EDITED: &[(&[u8], &[u8])] = &[
    (b"dir a/ren edit.txt", b"dir b/ren edit 2.txt"),
    (b"weird \"old\".txt", b"weird\nnew\\.txt"),
    (b"-from", b"-to"),
];

/// Builds the base and head commits; returns their ids.
fn build(r: &Repo) -> (String, String) {
    for p in MODIFIED.iter().chain(DELETED) {
        r.write(p, &text(&String::from_utf8_lossy(p)));
    }
    for (from, _) in RENAMED.iter().chain(RENAMED_EDITED) {
        r.write(from, &text(&String::from_utf8_lossy(from)));
    }
    r.write(b"copy_src.txt", &text("copy source"));
    r.write(b"copy_edit_src.txt", &text("copy edit source"));
    r.write(b"mode.sh", &text("mode"));
    r.write(b"mode_edit.sh", &text("mode edit"));
    r.write(b"to_exec_and_back", &text("exec"));
    r.chmod(b"to_exec_and_back", 0o755);
    r.write(b"tc_file", &text("file that becomes a symlink"));
    r.symlink(b"tc_link", b"modify.txt");
    r.write(b"file2sub", &text("file that becomes a gitlink"));
    r.symlink(b"link_old", b"modify.txt");
    r.symlink(b"link_del", b"delete.txt");
    r.symlink(b"link_mv", b"modify.txt");
    r.write(b"bin_mod.bin", &binary(1));
    r.write(b"bin_del.bin", &binary(2));
    r.write(b"bin_ren.bin", &binary(3));
    r.write(b"bin and more.bin", &binary(4));
    r.write(b"bin_mode.bin", &binary(5));
    r.write(b"empty_del", b"");
    r.write(b"empty_mod", b"");
    r.write(b"crlf.txt", b"one\r\ntwo\r\nthree\r\n");
    r.write(b"nonl.txt", b"one\ntwo\nthree");
    r.write(b"nonl_add_nl.txt", b"one\ntwo");
    r.git(&["add", "-A"]);
    r.gitlink(b"sub_mod", SUB_A);
    r.gitlink(b"sub_del", SUB_A);
    let base = r.commit("base");

    for p in MODIFIED {
        r.write(p, &edited(&String::from_utf8_lossy(p)));
    }
    for p in ADDED {
        r.write(p, &text(&String::from_utf8_lossy(p)));
    }
    for p in DELETED {
        r.remove(p);
    }
    for (from, to) in RENAMED {
        r.remove(from);
        r.write(to, &text(&String::from_utf8_lossy(from)));
    }
    for (from, to) in RENAMED_EDITED {
        r.remove(from);
        r.write(to, &edited(&String::from_utf8_lossy(from)));
    }
    r.write(b"copy dst.txt", &text("copy source"));
    r.write(b"copy_edit_src.txt", &edited("copy edit source"));
    r.write(b"copy \"edit\"\tdst.txt", &text("copy edit source"));
    r.chmod(b"mode.sh", 0o755);
    r.chmod(b"mode_edit.sh", 0o755);
    r.write(b"mode_edit.sh", &edited("mode edit"));
    r.chmod(b"to_exec_and_back", 0o644);
    r.remove(b"tc_file");
    r.symlink(b"tc_file", b"dir with space/target");
    r.remove(b"tc_link");
    r.write(b"tc_link", &text("symlink that becomes a file"));
    r.remove(b"file2sub");
    r.symlink(b"link_old", b"../outside\ttab");
    r.symlink(b"link_new", "x b/y é\\\"".as_bytes());
    r.remove(b"link_del");
    r.remove(b"link_mv");
    r.symlink(b"link moved", b"modify.txt");
    let mut b = binary(1);
    b[100] ^= 0xff;
    r.write(b"bin_mod.bin", &b);
    r.write(b"bin_new.bin", &binary(6));
    r.remove(b"bin_del.bin");
    r.remove(b"bin_ren.bin");
    r.write(b"bin renamed.bin", &binary(3));
    let mut b = binary(4);
    b[9] ^= 1;
    r.write(b"bin and more.bin", &b);
    r.chmod(b"bin_mode.bin", 0o755);
    r.remove(b"empty_del");
    r.write(b"empty_mod", b"now something\n");
    r.write(b"empty_add", b"");
    r.write(b"crlf.txt", b"one\r\nTWO\r\nthree\r\n");
    r.write(b"nonl.txt", b"one\ntwo\nTHREE");
    r.write(b"nonl_add_nl.txt", b"one\ntwo\n");
    r.git(&["add", "-A"]);
    r.gitlink(b"sub_mod", SUB_B);
    r.gitlink(b"sub_new", SUB_C);
    r.gitlink(b"file2sub", SUB_C);
    let head = r.commit("head");
    (base, head)
}

/// A status letter as git prints it, the path, and the source of a rename or copy.
type Entry = (char, Vec<u8>, Option<Vec<u8>>);

/// What git says: `--name-status -z` (`STATUS\0PATH\0`, two paths for R/C).
fn name_status(out: &[u8]) -> Vec<Entry> {
    let body = out.strip_suffix(b"\0").expect("ends with NUL");
    let mut fields = body.split(|&b| b == 0);
    let mut v = Vec::new();
    while let Some(status) = fields.next() {
        let letter = char::from(status[0]);
        let first = fields.next().expect("a path").to_vec();
        if matches!(letter, 'R' | 'C') {
            let second = fields.next().expect("a second path").to_vec();
            v.push((letter, second, Some(first)));
        } else {
            v.push((letter, first, None));
        }
    }
    v
}

/// The paths git counts as binary: `--numstat -z` says `-\t-`.
fn numstat_binary(out: &[u8]) -> BTreeSet<Vec<u8>> {
    let body = out.strip_suffix(b"\0").expect("ends with NUL");
    let mut fields = body.split(|&b| b == 0);
    let mut set = BTreeSet::new();
    while let Some(f) = fields.next() {
        let bin = f.starts_with(b"-\t-\t");
        let rest = &f[f.iter().rposition(|&b| b == b'\t').expect("a tab") + 1..];
        let path = if rest.is_empty() {
            fields.next().expect("old path");
            fields.next().expect("new path").to_vec()
        } else {
            rest.to_vec()
        };
        if bin {
            set.insert(path);
        }
    }
    set
}

/// The paths whose content changed (the object ids of `--raw -z` differ):
/// only these carry content, and so a binary flag, in a unified diff.
fn content_changed(out: &[u8]) -> BTreeSet<Vec<u8>> {
    let body = out.strip_suffix(b"\0").expect("ends with NUL");
    let mut fields = body.split(|&b| b == 0);
    let mut set = BTreeSet::new();
    while let Some(record) = fields.next() {
        let parts: Vec<&[u8]> = record.split(|&b| b == b' ').collect();
        let mut path = fields.next().expect("a path");
        if matches!(parts[4][0], b'R' | b'C') {
            path = fields.next().expect("a second path");
        }
        if parts[2] != parts[3] {
            set.insert(path.to_vec());
        }
    }
    set
}

fn letter(c: ChangeKind) -> char {
    match c {
        ChangeKind::Added => 'A',
        ChangeKind::Modified | ChangeKind::ModeChanged => 'M',
        ChangeKind::Deleted => 'D',
        ChangeKind::Renamed => 'R',
        ChangeKind::Copied => 'C',
        ChangeKind::TypeChanged => 'T',
    }
}

fn as_git(files: &[FileChange]) -> Vec<Entry> {
    files
        .iter()
        .map(|f| (letter(f.change), f.path.clone(), f.old_path.clone()))
        .collect()
}

fn kinds(files: &[FileChange]) -> Vec<(ChangeKind, Vec<u8>, Option<Vec<u8>>)> {
    files
        .iter()
        .map(|f| (f.change, f.path.clone(), f.old_path.clone()))
        .collect()
}

#[track_caller]
fn unified(r: &Repo, args: &[&str]) -> Vec<FileChange> {
    let out = r.git(args);
    parse_unified(&out)
        .unwrap_or_else(|e| panic!("git {args:?}: {e}\n{}", String::from_utf8_lossy(&out)))
}

/// The three readings of one comparison agree; returns the unified one.
#[track_caller]
fn agree(r: &Repo, config: &[&str], range: &[&str], flags: &[&str]) -> Vec<FileChange> {
    let cmd = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = config.iter().map(|s| s.to_string()).collect();
        v.push("diff".into());
        v.extend(
            extra
                .iter()
                .chain(flags)
                .chain(range)
                .map(|s| s.to_string()),
        );
        v
    };
    let run = |extra: &[&str]| r.git(&cmd(extra));
    let truth = name_status(&run(&["--name-status", "-z"]));
    let raw_cmd = cmd(&["--raw", "-z"]);
    let raw = parse_raw_z(&run(&["--raw", "-z"])).unwrap_or_else(|e| panic!("{raw_cmd:?}: {e}"));
    let text_cmd = cmd(&[]);
    let text = unified(r, &text_cmd.iter().map(String::as_str).collect::<Vec<_>>());
    let bin_cmd = cmd(&["--binary"]);
    let with_binary = unified(r, &bin_cmd.iter().map(String::as_str).collect::<Vec<_>>());
    let show = |v: &[Entry]| {
        v.iter()
            .map(|(c, p, o)| {
                format!(
                    "{c} {:?} {:?}\n",
                    String::from_utf8_lossy(p),
                    o.as_deref().map(String::from_utf8_lossy)
                )
            })
            .collect::<String>()
    };
    let what = format!("{config:?} diff {flags:?} {range:?}");
    assert_eq!(
        show(&as_git(&text)),
        show(&truth),
        "unified vs --name-status: {what}"
    );
    assert_eq!(
        show(&as_git(&raw)),
        show(&truth),
        "raw vs --name-status: {what}"
    );
    assert_eq!(kinds(&text), kinds(&raw), "unified vs raw kinds: {what}");
    assert_eq!(with_binary, text, "--binary changes nothing read: {what}");
    // --numstat calls a binary file binary even when only its name or mode
    // changed; a unified diff then has no content to say so.
    let changed = content_changed(&run(&["--raw", "-z"]));
    let binaries: BTreeSet<Vec<u8>> = numstat_binary(&run(&["--numstat", "-z"]))
        .intersection(&changed)
        .cloned()
        .collect();
    let flagged: BTreeSet<Vec<u8>> = text
        .iter()
        .filter(|f| f.binary)
        .map(|f| f.path.clone())
        .collect();
    assert_eq!(flagged, binaries, "binary flags vs --numstat: {what}");
    for (u, w) in text.iter().zip(&raw) {
        let p = String::from_utf8_lossy(&u.path);
        assert!(
            !w.binary && w.symlink_target.is_none(),
            "raw carries no content: {p}"
        );
        if u.old_mode.is_some() {
            assert_eq!(u.old_mode, w.old_mode, "old mode of {p}: {what}");
        }
        if u.new_mode.is_some() {
            assert_eq!(u.new_mode, w.new_mode, "new mode of {p}: {what}");
        }
    }
    text
}

fn find<'a>(files: &'a [FileChange], path: &[u8]) -> &'a FileChange {
    files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("{:?} not in the diff", String::from_utf8_lossy(path)))
}

#[test]
fn unified_and_raw_agree_with_git() {
    let r = Repo::new();
    let (base, head) = build(&r);
    let range = [base.as_str(), head.as_str()];
    let all = ["-M", "-C", "--find-copies-harder"];
    let mut seen = BTreeSet::new();
    for config in [&[][..], &["-c", "core.quotepath=false"][..]] {
        for flags in [
            &all[..],
            &["-M", "-C"][..],
            &["-M"][..],
            &["--no-renames"][..],
        ] {
            let files = agree(&r, config, &range, flags);
            seen.extend(files.iter().map(|f| f.change));
        }
    }
    use ChangeKind::*;
    assert_eq!(
        seen,
        BTreeSet::from([
            Added,
            Modified,
            Deleted,
            Renamed,
            Copied,
            ModeChanged,
            TypeChanged
        ])
    );

    // What each case came out as, with every detection on.
    let files = agree(&r, &[], &range, &all);
    let kind = |p: &[u8]| find(&files, p).change;
    for p in MODIFIED {
        assert_eq!(kind(p), Modified, "{p:?}");
    }
    for p in ADDED {
        assert_eq!(kind(p), Added, "{p:?}");
    }
    for p in DELETED {
        assert_eq!(kind(p), Deleted, "{p:?}");
    }
    for (from, to) in RENAMED.iter().chain(RENAMED_EDITED) {
        assert_eq!(
            (kind(to), find(&files, to).old_path.as_deref()),
            (Renamed, Some(*from)),
            "{to:?}"
        );
    }
    assert_eq!(
        find(&files, b"copy dst.txt").old_path.as_deref(),
        Some(&b"copy_src.txt"[..])
    );
    assert_eq!(kind(b"copy dst.txt"), Copied);
    assert_eq!(kind(b"copy \"edit\"\tdst.txt"), Copied);
    assert_eq!(kind(b"mode.sh"), ModeChanged);
    assert_eq!(kind(b"to_exec_and_back"), ModeChanged);
    assert_eq!(kind(b"bin_mode.bin"), ModeChanged);
    assert_eq!(kind(b"mode_edit.sh"), Modified);
    for p in [&b"tc_file"[..], b"tc_link", b"file2sub"] {
        assert_eq!(kind(p), TypeChanged, "{p:?}");
    }
    assert_eq!(
        find(&files, b"file2sub").new_mode.as_deref(),
        Some("160000")
    );
    assert_eq!(
        (kind(b"sub_mod"), kind(b"sub_new"), kind(b"sub_del")),
        (Modified, Added, Deleted)
    );
    assert_eq!(find(&files, b"sub_new").new_mode.as_deref(), Some("160000"));
    // git pairs an emptied path with a new empty one as an exact rename
    let empty = find(&files, b"empty_add");
    assert_eq!(
        (empty.change, empty.old_path.as_deref()),
        (Renamed, Some(&b"empty_del"[..]))
    );
    assert_eq!(kind(b"empty_mod"), Modified);
    let plain = agree(&r, &[], &range, &["--no-renames"]);
    assert_eq!(
        (
            find(&plain, b"empty_add").change,
            find(&plain, b"empty_del").change
        ),
        (Added, Deleted)
    );
    for p in [
        &b"crlf.txt"[..],
        b"nonl.txt",
        b"nonl_add_nl.txt",
        b"bin_mod.bin",
        b"bin and more.bin",
    ] {
        assert_eq!(kind(p), Modified, "{p:?}");
    }
    assert!(find(&files, b"bin and more.bin").binary);
    assert_eq!(
        (kind(b"bin renamed.bin"), kind(b"link moved")),
        (Renamed, Renamed)
    );

    // Symlink targets are the blobs git stored.
    for p in [&b"tc_file"[..], b"link_old", b"link_new"] {
        let spec = [head.as_bytes(), b":", p].concat();
        let blob = r.git(&[
            OsStr::new("cat-file"),
            OsStr::new("blob"),
            OsStr::from_bytes(&spec),
        ]);
        let f = find(&files, p);
        assert_eq!(f.new_mode.as_deref(), Some("120000"));
        assert_eq!(f.symlink_target.as_deref(), Some(&blob[..]), "{p:?}");
    }
    assert_eq!(
        find(&files, b"link_new").symlink_target.as_deref(),
        Some("x b/y é\\\"".as_bytes())
    );
    assert_eq!(
        find(&files, b"link moved").symlink_target,
        None,
        "a pure rename carries no content"
    );

    // diff.mnemonicPrefix: `git diff --cached` writes c/ and i/.
    r.git(&["reset", "-q", "--soft", base.as_str()]);
    let cached = agree(&r, &["-c", "diff.mnemonicPrefix=true"], &["--cached"], &all);
    let out = r.git(&["-c", "diff.mnemonicPrefix=true", "diff", "--cached"]);
    assert!(
        out.starts_with(b"diff --git c/"),
        "{}",
        String::from_utf8_lossy(&out[..40])
    );
    assert_eq!(kinds(&cached), kinds(&files));
}

#[test]
fn refuses_what_git_writes_for_other_readers() {
    let r = Repo::new();
    let (base, head) = build(&r);
    let refuse = |args: &[&str], what: &str| {
        let out = r.git(args);
        let e = parse_unified(&out).expect_err("refused");
        assert!(e.to_string().contains(what), "git {args:?}: {e}");
    };
    refuse(&["diff", "--no-prefix", &base, &head], "--default-prefix");
    refuse(
        &["-c", "diff.noprefix=true", "diff", &base, &head],
        "--default-prefix",
    );
    refuse(
        &["diff", "--src-prefix=x/", "--dst-prefix=y/", &base, &head],
        "--default-prefix",
    );
    refuse(
        &["diff", "--stat", "-p", &base, &head],
        "before the first `diff --git`",
    );
    refuse(&["format-patch", "--stdout", "-1", &head], "format-patch");
    // ...and reads what they can be asked for instead.
    let files = unified(
        &r,
        &[
            "-c",
            "diff.noprefix=true",
            "diff",
            "--default-prefix",
            &base,
            &head,
        ],
    );
    assert!(!files.is_empty());
    let raw = r.git(&["diff", "--raw", &base, &head]);
    assert!(parse_raw_z(&raw)
        .expect_err("not -z")
        .to_string()
        .contains("-z"));
}

/// Real git output broken the ways a user can meet (see the fixtures'
/// README): each is refused, at the line and with the hint given here.
#[test]
#[rustfmt::skip]
fn refuses_the_fixtures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/diff");
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(parse_unified(&read("full.diff")).expect("the clean diff reads").len(), 3);
    let cases = [
        ("truncated-hunk.diff", "line 5: the hunk is truncated: the input ends with 4 old and 4 new lines missing"),
        ("crlf-saved.diff", "line 1: a header line ends in a carriage return (was the diff saved with CRLF line endings?)"),
        ("format-patch.eml", "a mail header (format-patch); give only the diff"),
        ("noprefix.diff", "line 1: cannot read the `diff --git` line \"diff --git main.rs main.rs\""),
        ("stat-and-patch.diff", "line 1: unexpected line \" main.rs     | 4 ++--\" before the first `diff --git`: --stat output"),
        ("hand-edited-count.diff", "line 14: the hunk at line 5 has more lines than its header counts"),
        ("whitespace-stripped.diff", "line 9: an empty line in a hunk (a context line lost its leading space?)"),
        ("submodule-log.diff", "line 21: unexpected line \"Submodule sub 0000000...1111111 (new submodule)\" after a complete hunk: diff.submodule=log output"),
        ("merge-combined.diff", "line 1: unexpected line \"diff --cc read me.txt\" before the first `diff --git`: a combined (merge) diff"),
        ("color.diff", "colored output; run git diff with --no-color"),
    ];
    for (name, want) in cases {
        let e = parse_unified(&read(name)).expect_err(name).to_string();
        assert!(e.contains(want), "{name}: got `{e}`");
    }
    let e = parse_raw_z(&read("raw-without-z.raw")).expect_err("not -z").to_string();
    assert_eq!(e, "field 1: the input does not end with a NUL (truncated, or not `git diff --raw -z`?)");
}
