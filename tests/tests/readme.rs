//! The README's commands work as written: every line of its `sh` blocks
//! (but `make` lines, which CI and `make demo` run) runs, in README order
//! and in one shell, in a copy of the example project, as the README tells
//! a reader to set it up; none may fail (exit 1) or be misused (exit 64).
//! A reader new to the project can follow it without guessing.
#![allow(clippy::unwrap_used)] // test helpers: a failure is a test failure

#[path = "support/tools.rs"]
mod tools;

use std::process::Command;

const SETUP: &str = "run `make build` (or `cargo build --workspace`) at the workspace root";

/// The commands of the README's `sh` blocks, continuation lines joined,
/// trailing comments (two spaces, then `#`) dropped, `make` lines left out.
fn commands(readme: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_sh = false;
    let mut pending = String::new();
    for line in readme.lines() {
        if line.starts_with("```") {
            in_sh = !in_sh && line.trim() == "```sh";
            continue;
        }
        if !in_sh {
            continue;
        }
        let code = match line.find("  #") {
            Some(i) => &line[..i],
            None => line,
        };
        let code = code.trim_end();
        if let Some(head) = code.strip_suffix('\\') {
            pending.push_str(head);
            pending.push(' ');
            continue;
        }
        pending.push_str(code);
        let cmd = std::mem::take(&mut pending).trim().to_string();
        if !cmd.is_empty() && !cmd.starts_with("make ") {
            out.push(cmd);
        }
    }
    out
}

#[test]
fn every_readme_command_runs_as_written() {
    let root = tools::workspace();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let cmds = commands(&readme);
    assert!(
        cmds.len() >= 20,
        "only {} commands found in README.md",
        cmds.len()
    );
    let bin = tools::bin("muster-run", SETUP)
        .parent()
        .unwrap()
        .to_path_buf();
    // The reader's checkout: the example project where the README expects
    // it; the README's own first block copies it and sets it up.
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    std::fs::create_dir_all(tmp.path().join("examples")).unwrap();
    std::fs::create_dir_all(&logs).unwrap();
    let ok = Command::new("cp")
        .arg("-R")
        .arg(root.join("examples/project"))
        .arg(tmp.path().join("examples/project"))
        .status()
        .unwrap()
        .success();
    assert!(ok);
    // One script: each command's output and exit code recorded after it.
    let mut script = String::from("set -u\n");
    for (i, c) in cmds.iter().enumerate() {
        script.push_str(&format!(
            "{{ {c}\n}} > \"$LOGS/out.{i}\" 2> \"$LOGS/err.{i}\" < /dev/null; echo \"{i} $?\" >> \"$LOGS/codes\"\n"
        ));
    }
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut sh = Command::new("bash");
    sh.current_dir(tmp.path()).arg("-c").arg(&script);
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().into_owned();
        if k.starts_with("GIT_") || k.starts_with("MUSTER_") || k == "SOURCE_DATE_EPOCH" {
            sh.env_remove(k);
        }
    }
    // The reader's git knows who they are.
    for who in ["AUTHOR", "COMMITTER"] {
        sh.env(format!("GIT_{who}_NAME"), "reader")
            .env(format!("GIT_{who}_EMAIL"), "reader@example.invalid");
    }
    let status = sh
        .env("PATH", path)
        .env("LOGS", &logs)
        .env("MUSTER_AUTHOR", "dev")
        .status()
        .unwrap();
    assert!(status.code().is_some(), "the shell was killed");
    let codes = std::fs::read_to_string(logs.join("codes")).unwrap();
    let mut failed = Vec::new();
    for line in codes.lines() {
        let (i, code) = line.split_once(' ').unwrap();
        let i: usize = i.parse().unwrap();
        if code != "0" {
            let err = std::fs::read_to_string(logs.join(format!("err.{i}"))).unwrap_or_default();
            failed.push(format!("`{}` exited {code}: {}", cmds[i], err.trim()));
        }
    }
    for (i, c) in cmds.iter().enumerate() {
        eprintln!("{i:>2} {c}");
    }
    assert_eq!(
        codes.lines().count(),
        cmds.len(),
        "not every command ran:\n{codes}"
    );
    assert!(
        failed.is_empty(),
        "README commands that failed:\n{}",
        failed.join("\n")
    );
}
