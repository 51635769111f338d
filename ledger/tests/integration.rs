//! Integration tests of muster-ledger: one test binary (links are slow on 2 cores),
//! one module per concern.

#[path = "integration/cli.rs"]
mod cli;
#[path = "integration/concurrent.rs"]
mod concurrent;
#[path = "integration/tamper.rs"]
mod tamper;

/// The muster-ledger binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_muster-ledger")
}

/// Runs `cmd` with `stdin` piped in, stdout and stderr captured, and waits.
/// Panics if the tool panicked or died of a signal; returns the exit code.
pub fn run_piped(cmd: &mut std::process::Command, stdin: &[u8]) -> (i32, std::process::Output) {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawning muster-ledger");
    let mut input = child.stdin.take().expect("stdin is piped");
    // A tool that fails before reading its stdin closes it: ignore EPIPE.
    let _ = input.write_all(stdin);
    drop(input);
    let out = child.wait_with_output().expect("waiting for muster-ledger");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("panicked"),
        "muster-ledger panicked: {stderr}"
    );
    let code = out
        .status
        .code()
        .unwrap_or_else(|| panic!("muster-ledger died of a signal: {stderr}"));
    (code, out)
}
