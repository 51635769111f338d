//! Bundle validation (DESIGN.md section 7): one task's bundle checked against
//! its MANIFEST.json before anything of it is applied. A bundle that fails
//! validation is BLOCKED.
//!
//! [`check`] gives [`Checked`] when MANIFEST.json and STATUS.json both read,
//! and [`Refused`] when either is missing or does not parse: without them there
//! is no bundle to speak of. Either way `problems` lists everything found, one
//! line each, sorted: `bundle T3: DIFF.patch: sha256 is …, MANIFEST says …
//! (changed after the manifest was written)`. Only a [`Checked`] with no
//! problems is a valid bundle.

use muster_shared::doc;
use muster_shared::schema::{Bundle, BundleFile, BundleScope, StatusDoc};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The files every bundle has.
pub const REQUIRED: [&str; 5] = [
    "DIFF.patch",
    "FILES_CHANGED.json",
    "MANIFEST.json",
    "SCOPE_LOCK.json",
    "STATUS.json",
];

/// One bundle, checked: its directory, MANIFEST.json and STATUS.json, and
/// everything wrong with it, sorted. Valid when `problems` is empty.
#[derive(Debug, Clone)]
pub struct Checked {
    pub dir: PathBuf,
    pub manifest: Bundle,
    pub status: StatusDoc,
    pub problems: Vec<String>,
}

/// A bundle whose MANIFEST.json or STATUS.json is missing or does not parse:
/// `problems` says why (never empty), with anything else found, sorted.
#[derive(Debug, Clone)]
pub struct Refused {
    pub dir: PathBuf,
    pub problems: Vec<String>,
}

/// Regular files of the bundle by `/`-separated relative path.
type Files = BTreeMap<String, PathBuf>;

/// A document reader: `muster_shared::doc::parse` or `parse_body`.
type Parse<T> = fn(&[u8], &str) -> anyhow::Result<T>;

/// Reads and checks the bundle in `dir`: the required files are there; every
/// regular file (except MANIFEST.json) is listed in the manifest with its
/// sha256, and every listed file is there; STATUS.json, FILES_CHANGED.json
/// and SCOPE_LOCK.json agree with the manifest; there are no symlinks (not
/// followed), special files or names that are not UTF-8. Never panics.
pub fn check(dir: &Path) -> Result<Checked, Refused> {
    let not_a_dir = match std::fs::symlink_metadata(dir) {
        Ok(m) if m.is_dir() => None,
        Ok(m) if m.is_symlink() => Some("is a symlink (not followed)".to_string()),
        Ok(_) => Some("not a directory".to_string()),
        Err(e) => Some(format!("cannot read: {e}")),
    };
    if let Some(why) = not_a_dir {
        let problems = vec![one_line(&format!("bundle {}: {why}", dir.display()))];
        let dir = dir.to_path_buf();
        return Err(Refused { dir, problems });
    }
    let (mut files, mut problems) = (Files::new(), Vec::new());
    walk(dir, "", &mut files, &mut problems);
    for name in REQUIRED.iter().filter(|n| !files.contains_key(**n)) {
        problems.push(format!(
            "{name}: missing or not a regular file (every bundle has one)"
        ));
    }
    let p = &mut problems;
    let manifest = read(&files, "MANIFEST.json", p, doc::parse::<Bundle>);
    let status = read(&files, "STATUS.json", p, doc::parse::<StatusDoc>);
    let changed: Option<Vec<BundleFile>> = read(&files, "FILES_CHANGED.json", p, doc::parse_body);
    let scope = read(&files, "SCOPE_LOCK.json", p, doc::parse_body::<BundleScope>);
    if let Some(m) = &manifest {
        check_artifacts(m, &files, p);
        if let Some(s) = status.as_ref().filter(|s| s.status.as_str() != m.status) {
            let (got, want) = (s.status.as_str(), &m.status);
            p.push(format!(
                "STATUS.json: status is {got:?}, MANIFEST says {want:?}"
            ));
        }
        if let Some(list) = changed.filter(|l| *l != m.files_changed) {
            p.push(format!(
                "FILES_CHANGED.json: {}",
                differs(&list, &m.files_changed)
            ));
        }
        if let Some(s) = scope.filter(|s| *s != m.scope) {
            let (a, d, ma, md) = (&s.allow, &s.deny, &m.scope.allow, &m.scope.deny);
            p.push(format!(
                "SCOPE_LOCK.json: allow {a:?} deny {d:?}, MANIFEST's scope says allow {ma:?} deny {md:?}"
            ));
        }
    }
    let who = manifest
        .as_ref()
        .filter(|m| !m.task_id.is_empty())
        .map_or_else(|| dir.display().to_string(), |m| m.task_id.clone());
    let mut problems: Vec<String> = problems
        .iter()
        .map(|p| one_line(&format!("bundle {who}: {p}")))
        .collect();
    problems.sort();
    problems.dedup();
    let dir = dir.to_path_buf();
    match (manifest, status) {
        (Some(manifest), Some(status)) => Ok(Checked {
            dir,
            manifest,
            status,
            problems,
        }),
        _ => Err(Refused { dir, problems }),
    }
}

/// Each listed file is there with its sha256; each file there is listed.
fn check_artifacts(m: &Bundle, files: &Files, problems: &mut Vec<String>) {
    for (name, want) in &m.artifacts {
        if name == "MANIFEST.json" {
            problems.push("MANIFEST.json: MANIFEST lists itself as an artifact".into());
            continue;
        }
        match files.get(name).map(|path| sha256(path)) {
            // A missing required file is already a problem of its own.
            None if REQUIRED.contains(&name.as_str()) => {}
            None => problems.push(format!(
                "{name}: listed in MANIFEST, missing (or not a regular file)"
            )),
            Some(Err(e)) => problems.push(format!("{name}: cannot read: {e}")),
            Some(Ok(got)) if got != *want => problems.push(format!(
                "{name}: sha256 is {got}, MANIFEST says {want} (changed after the manifest was written)"
            )),
            Some(Ok(_)) => {}
        }
    }
    for name in files.keys() {
        if name != "MANIFEST.json" && !m.artifacts.contains_key(name) {
            problems.push(format!(
                "{name}: not in MANIFEST (added after the manifest was written)"
            ));
        }
    }
}

/// Reads and parses `name` when it is a regular file of the bundle (its
/// absence is reported elsewhere); a failure becomes a problem.
fn read<T>(files: &Files, name: &str, problems: &mut Vec<String>, parse: Parse<T>) -> Option<T> {
    let path = files.get(name)?;
    let parsed = match std::fs::read(path) {
        Ok(bytes) => parse(&bytes, name).map_err(|e| format!("{e:#}")),
        Err(e) => Err(format!("{name}: cannot read: {e}")),
    };
    parsed.map_err(|e| problems.push(e)).ok()
}

/// Collects the regular files under `dir` into `files`, as `prefix` + name;
/// anything else (a symlink, a special file, a name that is not UTF-8, an
/// unreadable directory) is a problem.
fn walk(dir: &Path, prefix: &str, files: &mut Files, problems: &mut Vec<String>) {
    let here = if prefix.is_empty() { "." } else { prefix };
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return problems.push(format!("{here}: cannot list: {e}")),
    };
    for entry in entries {
        let (entry, kind) = match entry.and_then(|e| e.file_type().map(|t| (e, t))) {
            Ok(found) => found,
            Err(e) => {
                problems.push(format!("{here}: cannot list: {e}"));
                continue;
            }
        };
        let raw = entry.file_name();
        let Some(name) = raw.to_str() else {
            let lossy = raw.to_string_lossy();
            problems.push(format!("{prefix}{lossy}: name is not UTF-8"));
            continue;
        };
        let rel = format!("{prefix}{name}");
        if kind.is_symlink() {
            problems.push(format!("{rel}: is a symlink (not followed)"));
        } else if kind.is_dir() {
            walk(&entry.path(), &format!("{rel}/"), files, problems);
        } else if kind.is_file() {
            files.insert(rel, entry.path());
        } else {
            problems.push(format!("{rel}: not a regular file"));
        }
    }
}

/// Where FILES_CHANGED.json first differs from the manifest's list.
fn differs(got: &[BundleFile], want: &[BundleFile]) -> String {
    let (n, m) = (got.len(), want.len());
    match got.iter().zip(want).enumerate().find(|(_, (g, w))| g != w) {
        Some((i, (g, w))) => format!(
            "[{i}] ({}) differs from MANIFEST's files_changed[{i}] ({})",
            g.path, w.path
        ),
        None => format!("lists {n} files, MANIFEST's files_changed lists {m}"),
    }
}

/// A file's lowercase hex sha256, read in pieces.
fn sha256(path: &Path) -> std::io::Result<String> {
    let (mut h, mut buf) = (Sha256::new(), vec![0u8; 64 * 1024]);
    let mut f = std::fs::File::open(path)?;
    loop {
        match f.read(&mut buf)? {
            0 => break,
            n => h.update(buf.get(..n).unwrap_or(&buf)),
        }
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// Control characters (a newline in a file name) escaped: one problem, one line.
fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c.is_control() {
            true => out.extend(c.escape_debug()),
            false => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use muster_shared::diff::ChangeKind;
    use muster_shared::schema::TaskStatus;
    use std::fs;

    type Tamper = fn(&Path, Bundle);

    const ARTIFACTS: [&str; 5] = [
        "DIFF.patch",
        "FILES_CHANGED.json",
        "LOGS/stdout.log",
        "SCOPE_LOCK.json",
        "STATUS.json",
    ];

    fn changed(path: &str) -> Vec<BundleFile> {
        vec![BundleFile {
            path: path.into(),
            change: ChangeKind::Modified,
            old_path: None,
            mode: Some("100644".into()),
            binary: false,
        }]
    }

    fn status(status: TaskStatus) -> StatusDoc {
        StatusDoc {
            schema: "muster.status/v1".into(),
            status,
            exit_code: Some(0),
            reason: "the worker exited 0".into(),
        }
    }

    fn put<T: serde::Serialize>(dir: &Path, name: &str, value: &T) {
        fs::write(dir.join(name), serde_json::to_vec_pretty(value).unwrap()).unwrap();
    }

    /// Writes MANIFEST.json with `names` hashed as they are now.
    fn seal(dir: &Path, mut m: Bundle, names: &[&str]) -> Bundle {
        m.artifacts = names
            .iter()
            .map(|n| {
                let sha = Sha256::digest(fs::read(dir.join(n)).unwrap());
                (
                    n.to_string(),
                    sha.iter().map(|b| format!("{b:02x}")).collect(),
                )
            })
            .collect();
        put(dir, "MANIFEST.json", &m);
        m
    }

    /// A good bundle of task T1, as muster-run writes one.
    fn good() -> (tempfile::TempDir, PathBuf, Bundle) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("T1");
        fs::create_dir_all(dir.join("LOGS")).unwrap();
        fs::write(dir.join("DIFF.patch"), "diff --git a/lib/a b/lib/a\n").unwrap();
        fs::write(dir.join("LOGS/stdout.log"), "out\n").unwrap();
        let scope = BundleScope {
            allow: vec!["lib/".into()],
            deny: vec![],
        };
        put(&dir, "FILES_CHANGED.json", &changed("lib/a"));
        put(&dir, "SCOPE_LOCK.json", &scope);
        put(&dir, "STATUS.json", &status(TaskStatus::Done));
        let m = Bundle {
            schema: "muster.bundle/v1".into(),
            run_id: "run_1".into(),
            task_id: "T1".into(),
            base: "f903229e".into(),
            status: "done".into(),
            exit_code: Some(0),
            duration_ms: 21,
            files_changed: changed("lib/a"),
            scope,
            artifacts: BTreeMap::new(),
        };
        let m = seal(&dir, m, &ARTIFACTS);
        (tmp, dir, m)
    }

    /// Rewrites `name` as `value` and the manifest to match.
    fn reseal<T: serde::Serialize>(dir: &Path, m: Bundle, name: &str, value: &T) {
        put(dir, name, value);
        seal(dir, m, &ARTIFACTS);
    }

    #[test]
    fn a_good_bundle_passes() {
        let (_tmp, dir, m) = good();
        let c = check(&dir).unwrap();
        assert_eq!(c.problems, Vec::<String>::new());
        assert_eq!((c.manifest, c.status), (m, status(TaskStatus::Done)));
    }

    #[test]
    fn each_tampering_is_caught_and_named() {
        use std::os::unix::ffi::OsStrExt;
        let after = |tamper: Tamper| {
            let (_tmp, dir, m) = good();
            tamper(&dir, m);
            check(&dir).unwrap().problems
        };
        let log = after(|d, _| fs::write(d.join("LOGS/stdout.log"), "OUT\n").unwrap());
        assert_eq!(log.len(), 1);
        assert!(log[0].starts_with("bundle T1: LOGS/stdout.log: sha256 is "));
        assert!(log[0].ends_with(" (changed after the manifest was written)"));
        let cases: [(Tamper, &str); 9] = [
            (
                |d, _| fs::remove_file(d.join("LOGS/stdout.log")).unwrap(),
                "LOGS/stdout.log: listed in MANIFEST, missing (or not a regular file)",
            ),
            (
                |d, _| fs::write(d.join("LOGS/x\ny"), "").unwrap(),
                r"LOGS/x\ny: not in MANIFEST (added after the manifest was written)",
            ),
            (
                |d, m| {
                    fs::write(d.join("GHOST.md"), "").unwrap();
                    seal(d, m, &[&ARTIFACTS[..], &["GHOST.md"]].concat());
                    fs::remove_file(d.join("GHOST.md")).unwrap();
                },
                "GHOST.md: listed in MANIFEST, missing (or not a regular file)",
            ),
            (
                |d, m| reseal(d, m, "FILES_CHANGED.json", &changed("lib/b")),
                "FILES_CHANGED.json: [0] (lib/b) differs from MANIFEST's files_changed[0] (lib/a)",
            ),
            (
                |d, m| {
                    reseal(
                        d,
                        m,
                        "SCOPE_LOCK.json",
                        &serde_json::json!({"allow": ["**"], "deny": []}),
                    )
                },
                r#"SCOPE_LOCK.json: allow ["**"] deny [], MANIFEST's scope says allow ["lib/"] deny []"#,
            ),
            (
                |d, m| reseal(d, m, "STATUS.json", &status(TaskStatus::Blocked)),
                r#"STATUS.json: status is "blocked", MANIFEST says "done""#,
            ),
            (
                |d, _| std::os::unix::fs::symlink("/etc/passwd", d.join("LOGS/link")).unwrap(),
                "LOGS/link: is a symlink (not followed)",
            ),
            (
                |d, _| fs::remove_file(d.join("SCOPE_LOCK.json")).unwrap(),
                "SCOPE_LOCK.json: missing or not a regular file (every bundle has one)",
            ),
            (
                |d, _| fs::write(d.join(std::ffi::OsStr::from_bytes(b"odd\xff")), "").unwrap(),
                "odd\u{fffd}: name is not UTF-8",
            ),
        ];
        for (tamper, want) in cases {
            assert_eq!(after(tamper), [format!("bundle T1: {want}")]);
        }
    }

    #[test]
    fn an_unusable_manifest_or_status_is_refused_with_the_reason() {
        let cases: [(Tamper, &str); 6] = [
            (|d, _| fs::remove_dir_all(d).unwrap(), "{dir}: cannot read: "),
            (
                |d, _| fs::write(d.join("MANIFEST.json"), "{").unwrap(),
                "{dir}: MANIFEST.json: not JSON: EOF while parsing an object at line 1 column 1",
            ),
            (
                |d, _| put(d, "MANIFEST.json", &status(TaskStatus::Done)),
                "{dir}: MANIFEST.json: expected muster.bundle/v1, got muster.status/v1",
            ),
            (
                |d, m| {
                    let mut v = serde_json::to_value(&m).unwrap();
                    v["scope"]["extra"] = 1.into();
                    fs::write(d.join("MANIFEST.json"), v.to_string()).unwrap();
                },
                "{dir}: MANIFEST.json: scope.extra: unknown field `extra`, expected `allow` or `deny`",
            ),
            (
                |d, _| fs::remove_file(d.join("MANIFEST.json")).unwrap(),
                "{dir}: MANIFEST.json: missing or not a regular file (every bundle has one)",
            ),
            // With the manifest read, the task names the bundle.
            (
                |d, m| reseal(d, m, "STATUS.json", &serde_json::json!({"schema": "muster.status/v1"})),
                "T1: STATUS.json: missing field `status`",
            ),
        ];
        for (tamper, want) in cases {
            let (_tmp, dir, m) = good();
            tamper(&dir, m);
            let r = check(&dir).unwrap_err();
            let want = format!(
                "bundle {}",
                want.replace("{dir}", &dir.display().to_string())
            );
            assert_eq!((&r.dir, r.problems.len()), (&dir, 1), "{:?}", r.problems);
            assert!(r.problems[0].starts_with(&want), "{:?}", r.problems);
        }
    }

    #[test]
    fn problems_are_sorted_and_deterministic() {
        let (_tmp, dir, _) = good();
        fs::write(dir.join("DIFF.patch"), "changed").unwrap();
        fs::write(dir.join("ADDED"), "").unwrap();
        fs::create_dir(dir.join("zz")).unwrap();
        fs::write(dir.join("zz/also"), "").unwrap();
        fs::remove_file(dir.join("LOGS/stdout.log")).unwrap();
        std::os::unix::fs::symlink("T1", dir.join("LOGS/loop")).unwrap();
        let first = check(&dir).unwrap().problems;
        assert!(first.is_sorted());
        assert_eq!(check(&dir).unwrap().problems, first);
        let files: Vec<&str> = first.iter().filter_map(|p| p.split(": ").nth(1)).collect();
        let want = "ADDED DIFF.patch LOGS/loop LOGS/stdout.log zz/also";
        assert_eq!(files.join(" "), want);
    }
}
