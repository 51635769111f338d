//! The `sh` wrapper every worker runs under, and what it leaves in the
//! task's bundle directory for a muster-run that went down (`--resume`).
//!
//! A `kill -9` can land anywhere, also between starting a worker and
//! writing down its process group; a worker started but not written down
//! would run on unknown to `--resume`, which would start the task again: the
//! work done twice. So the wrapper does not start the worker until it is
//! told to: muster-run writes the process group to `.pgid`, then writes `go`
//! to the wrapper's stdin ([`release`]). A muster-run that dies before that
//! closes the pipe unwritten, and the wrapper exits without starting the
//! worker and without writing anything. Hence:
//!
//! - no `.pgid`: the worker never ran, and never will;
//! - `.pgid`: the worker may run; once the wrapper is gone, `.exit` (its exit
//!   code, written before the wrapper exits, under a temporary name renamed
//!   into place, so it is whole or absent) says whether it finished.

use crate::worker::{self, Worker};
use anyhow::Result;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The worker's exit code, written by the wrapper.
const EXIT: &str = ".exit";
/// The worker's process group, written by muster-run before the release.
const PGID: &str = ".pgid";
/// How often [`settle`] looks at a worker that still runs.
const POLL: Duration = Duration::from_millis(20);

/// The wrapper's script: wait for `go` on stdin (exit 125 without it), give
/// the worker a closed stdin, run it, keep its exit code.
const SCRIPT: &str = "IFS= read -r go || exit 125; [ \"$go\" = go ] || exit 125; \
exec </dev/null; \"$@\"; code=$?; \
echo $code > \"$MUSTER_EXIT_FILE.tmp\" && mv -f \"$MUSTER_EXIT_FILE.tmp\" \"$MUSTER_EXIT_FILE\"; \
exit $code";

/// `argv` run under the wrapper (start it gated, then [`release`] it).
pub fn wrap(argv: Vec<String>) -> Vec<String> {
    let mut wrapped = vec![
        "sh".to_string(),
        "-c".to_string(),
        SCRIPT.to_string(),
        "muster-worker".to_string(),
    ];
    wrapped.extend(argv);
    wrapped
}

/// The variable that tells the wrapper where to keep the exit code of the
/// worker of bundle directory `dir`.
pub fn env(dir: &Path) -> (String, String) {
    let file = dir.join(EXIT).to_string_lossy().into_owned();
    ("MUSTER_EXIT_FILE".to_string(), file)
}

/// Writes down the worker's process group, then lets it go.
pub fn release(worker: &mut Worker, dir: &Path) -> Result<()> {
    muster_shared::io::write_atomic(&dir.join(PGID), worker.pgid().to_string().as_bytes())?;
    worker.release()
}

/// What became of the worker of bundle directory `dir` while muster-run was
/// down: its exit code when it finished. A worker that still runs is waited
/// for up to `limit` (killing it could cut it off after it did its work).
/// Whatever is left of its process group is then killed, so nothing of it
/// runs on when the task starts again.
pub fn settle(dir: &Path, limit: Duration) -> Option<i32> {
    let pgid = read_i32(&dir.join(PGID))?;
    let deadline = Instant::now() + limit;
    while exit_code(dir).is_none() && worker::running(pgid) && Instant::now() < deadline {
        std::thread::sleep(POLL);
    }
    worker::kill_group(pgid);
    // A worker that ended while it was being killed left its code.
    exit_code(dir)
}

/// Removes what an attempt left, before its task starts again, so the next
/// `--resume` cannot take it for the new attempt's (a process group long
/// gone, its number perhaps taken by another).
pub fn forget(dir: &Path) -> Result<()> {
    for name in [PGID, EXIT] {
        let path: PathBuf = dir.join(name);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(anyhow::Error::new(e).context(format!("removing {}", path.display())))
            }
        }
    }
    Ok(())
}

/// The exit code the wrapper left, if it did.
fn exit_code(dir: &Path) -> Option<i32> {
    read_i32(&dir.join(EXIT))
}

fn read_i32(path: &Path) -> Option<i32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::worker::{Exit, Spec};
    use std::fs;
    use std::os::unix::process::CommandExt;

    /// A gated worker running `script` under the wrapper, logging to a file
    /// beside the bundle directory `dir`; and its spec.
    fn spawn(dir: &Path, script: &str) -> (Worker, Spec) {
        let argv = vec!["sh".to_string(), "-c".to_string(), script.to_string()];
        let spec = Spec {
            argv: wrap(argv),
            cwd: dir.to_path_buf(),
            env: vec![env(dir)],
            stdout: dir.join("out.log"),
            stderr: dir.join("err.log"),
            gated: true,
        };
        (Worker::spawn(&spec).unwrap(), spec)
    }

    fn wait_exit(w: &mut Worker) -> Exit {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(exit) = w.poll().unwrap() {
                return exit;
            }
            assert!(Instant::now() < deadline, "the worker did not end");
            std::thread::sleep(POLL);
        }
    }

    #[test]
    fn a_released_worker_runs_with_a_closed_stdin_and_leaves_its_code() {
        let dir = tempfile::tempdir().unwrap();
        let (mut w, spec) = spawn(dir.path(), "cat; echo ran; exit 3");
        release(&mut w, dir.path()).unwrap();
        assert_eq!(wait_exit(&mut w), Exit::Code(3));
        assert_eq!(fs::read_to_string(&spec.stdout).unwrap(), "ran\n");
        assert_eq!(exit_code(dir.path()), Some(3));
        assert_eq!(read_i32(&dir.path().join(PGID)), Some(w.pgid()));
        assert!(!dir.path().join(".exit.tmp").exists());
        // Collected on resume without waiting.
        assert_eq!(settle(dir.path(), Duration::from_secs(60)), Some(3));
    }

    #[test]
    fn a_worker_never_released_never_runs() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.log");
        let argv = wrap(vec![
            "sh".into(),
            "-c".into(),
            format!("echo ran > {}", out.display()),
        ]);
        let (k, v) = env(dir.path());
        let mut child = std::process::Command::new(&argv[0])
            .args(&argv[1..])
            .env(k, v)
            .stdin(std::process::Stdio::piped())
            .process_group(0)
            .spawn()
            .unwrap();
        // Killed after writing .pgid, before the release: the pipe closes
        // unwritten.
        fs::write(dir.path().join(PGID), child.id().to_string()).unwrap();
        drop(child.stdin.take());
        let start = Instant::now();
        // Not reaped while settle looks (a zombie): settle does not wait
        // for it.
        assert_eq!(settle(dir.path(), Duration::from_secs(60)), None);
        assert!(start.elapsed() < Duration::from_secs(30));
        assert_eq!(child.wait().unwrap().code(), Some(125));
        assert!(!out.exists());
        assert_eq!(exit_code(dir.path()), None);
    }

    #[test]
    fn settle_waits_for_a_running_worker_and_kills_one_past_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let (mut w, _) = spawn(dir.path(), "sleep 0.5; exit 4");
        release(&mut w, dir.path()).unwrap();
        let start = Instant::now();
        assert_eq!(settle(dir.path(), Duration::from_secs(60)), Some(4));
        assert!(start.elapsed() < Duration::from_secs(30));

        let dir = tempfile::tempdir().unwrap();
        let (mut w, spec) = spawn(dir.path(), "sleep 30; echo ran");
        release(&mut w, dir.path()).unwrap();
        assert_eq!(settle(dir.path(), Duration::from_millis(300)), None);
        assert_eq!(wait_exit(&mut w), Exit::Signal(9));
        assert_eq!(fs::read_to_string(&spec.stdout).unwrap(), "");
    }

    #[test]
    fn forget_clears_an_attempt() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(PGID), "12345").unwrap();
        fs::write(dir.path().join(EXIT), "0").unwrap();
        forget(dir.path()).unwrap();
        forget(dir.path()).unwrap();
        assert_eq!(settle(dir.path(), Duration::from_secs(60)), None);
    }
}
