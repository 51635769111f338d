//! The CLI contract: one trycmd case per behaviour in `tests/cmd/`,
//! byte-exact (`.stdin` feeds a case, `.stdout`/`.stderr` are what it must
//! print). Regenerate with `TRYCMD=overwrite` and review the diff.

/// Runs every case in `tests/cmd/`.
#[test]
fn cli_cases() {
    trycmd::TestCases::new()
        .register_bin(
            "muster-plan",
            std::path::Path::new(env!("CARGO_BIN_EXE_muster-plan")),
        )
        // Help wraps at COLUMNS when stdout is not a terminal; pin it.
        .env("COLUMNS", "100")
        .case("tests/cmd/*.toml");
}

/// Where stdout goes is the shell's business: a file opened for appending
/// keeps what it had and gets the plan after it (stdout is written through
/// a copy of its descriptor, which shares the file's offset and flags), and
/// a reader that closes the pipe early is not an error.
#[test]
fn stdout_appends_and_a_closed_pipe_is_fine() {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let tasks = dir.path().join("tasks.json");
    let many: Vec<String> = (0..3000)
        .map(|i| {
            format!(
                r#"{{"id":"T{i:04}","goal":"g","touches":["src/{}/"]}}"#,
                i % 7
            )
        })
        .collect();
    std::fs::write(
        &tasks,
        format!(
            r#"{{"schema":"muster.tasks/v1","tasks":[{}]}}"#,
            many.join(",")
        ),
    )
    .unwrap();
    let bin = env!("CARGO_BIN_EXE_muster-plan");
    let plan = |stdout: Stdio| {
        Command::new(bin)
            .args(["-i", tasks.to_str().unwrap(), "--compact"])
            .stdout(stdout)
            .status()
            .unwrap()
    };
    let alone = Command::new(bin)
        .args(["-i", tasks.to_str().unwrap(), "--compact"])
        .output()
        .unwrap();
    assert!(alone.status.success());
    // Many times the 64 KiB buffer and a pipe's capacity.
    assert!(alone.stdout.len() > 1 << 18, "{}", alone.stdout.len());
    let out = dir.path().join("out.txt");
    std::fs::write(&out, "before\n").unwrap();
    let file = std::fs::OpenOptions::new().append(true).open(&out).unwrap();
    assert!(plan(Stdio::from(file)).success());
    let mut want = b"before\n".to_vec();
    want.extend_from_slice(&alone.stdout);
    assert_eq!(std::fs::read(&out).unwrap(), want);
    // A reader that takes a few bytes and goes.
    let mut child = Command::new(bin)
        .args(["-i", tasks.to_str().unwrap(), "--compact"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
    drop(child.stdout.take());
    assert!(child.wait().unwrap().success());
    assert_eq!(&first, &alone.stdout[..16]);
}
