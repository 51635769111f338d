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

/// `next` on a big `{plan, state}` gives the same bytes however the input
/// comes: `-i FILE`, stdin redirected from the file (read at offsets, from
/// where stdin's offset is), or a pipe; and a broken one the same error.
#[test]
fn next_reads_a_big_input_the_same_from_a_file_stdin_and_a_pipe() {
    use std::io::{Seek, Write};
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_muster-plan");
    let many: Vec<String> = (0..3000)
        .map(|i| {
            let dep = if i > 7 {
                format!(r#""T{:04}""#, i - 7)
            } else {
                String::new()
            };
            format!(
                r#"{{"id":"T{i:04}","goal":"g","deps":[{dep}],"touches":["src/{}/"]}}"#,
                i % 7
            )
        })
        .collect();
    let tasks = dir.path().join("tasks.json");
    let tasks_doc = format!(
        r#"{{"schema":"muster.tasks/v1","tasks":[{}]}}"#,
        many.join(",")
    );
    std::fs::write(&tasks, tasks_doc).unwrap();
    let plan = Command::new(bin)
        .args([
            "-i",
            tasks.to_str().unwrap(),
            "--compact",
            "--all-conflicts",
        ])
        .output()
        .unwrap();
    assert!(plan.status.success());
    let plan = String::from_utf8(plan.stdout).unwrap();
    let done: Vec<String> = (0..700)
        .map(|i| format!(r#""T{i:04}":{{"status":"done"}}"#))
        .collect();
    let state = format!(
        r#"{{"schema":"muster.state/v1","run_id":"r","tasks":{{{},"T0700":{{"status":"running"}}}},"spawned":0,"loops_without_progress":0}}"#,
        done.join(",")
    );
    let good = format!(r#"{{"plan":{},"state":{state}}}"#, plan.trim_end());
    assert!(good.len() > 1 << 21, "{}", good.len());
    let at = good.find(r#""conflicts":["#).unwrap() + good.len() / 20;
    let mut broken = good.clone().into_bytes();
    broken[at] = b'}';
    for doc in [good.into_bytes(), broken] {
        let path = dir.path().join("next.json");
        std::fs::write(&path, &doc).unwrap();
        let run = |stdin: Stdio, args: &[&str]| {
            let mut cmd = Command::new(bin);
            cmd.arg("next").args(args).stdin(stdin);
            cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
            cmd.output().unwrap()
        };
        let by_path = run(Stdio::null(), &["-i", path.to_str().unwrap()]);
        let redirected = run(Stdio::from(std::fs::File::open(&path).unwrap()), &[]);
        // stdin's offset past bytes that are not the input
        let offset = dir.path().join("offset.json");
        let mut f = std::fs::File::create(&offset).unwrap();
        f.write_all(b"not this\n").unwrap();
        f.write_all(&doc).unwrap();
        let mut f = std::fs::File::open(&offset).unwrap();
        f.seek(std::io::SeekFrom::Start(9)).unwrap();
        let from_offset = run(Stdio::from(f), &[]);
        let mut child = Command::new(bin)
            .arg("next")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let feed = std::thread::spawn(move || stdin.write_all(&doc));
        let piped = child.wait_with_output().unwrap();
        feed.join().unwrap().unwrap();
        for other in [&redirected, &from_offset, &piped] {
            assert_eq!(other.status.code(), by_path.status.code());
            assert_eq!(other.stdout, by_path.stdout);
            let msg = |o: &std::process::Output| {
                String::from_utf8_lossy(&o.stderr).replace(path.to_str().unwrap(), "<stdin>")
            };
            assert_eq!(msg(other), msg(&by_path));
        }
        if by_path.status.success() {
            let out = String::from_utf8(by_path.stdout.clone()).unwrap();
            assert!(out.contains(r#""dispatch""#), "{out}");
        } else {
            let err = String::from_utf8_lossy(&by_path.stderr);
            assert!(err.contains("line 1 column"), "{err}");
        }
    }
}
