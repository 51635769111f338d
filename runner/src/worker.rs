//! One worker process: started in its own process group with stdin closed
//! (or, gated, a pipe it waits on until [`Worker::release`]) and
//! stdout/stderr going to log files; watched for exit, timeout and
//! progress; stopped by killing its whole group (TERM, a grace period, KILL).

use anyhow::{anyhow, bail, Context, Result};
use rustix::io::Errno;
use rustix::process::{kill_process_group, Pid, Signal};
use std::fs::{self, File};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write as _;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How often `kill` looks whether the worker has gone during the grace period.
const KILL_POLL: Duration = Duration::from_millis(20);

/// What to start.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The command and its arguments (`argv[0]` looked up on PATH).
    pub argv: Vec<String>,
    /// The directory it runs in (the task's worktree).
    pub cwd: PathBuf,
    /// Variables added to the inherited environment.
    pub env: Vec<(String, String)>,
    /// Where its stdout goes (created or truncated).
    pub stdout: PathBuf,
    /// Where its stderr goes (created or truncated).
    pub stderr: PathBuf,
    /// Its stdin is a pipe that gets `go` and is closed by
    /// [`Worker::release`] (or closed unwritten when muster-run goes down
    /// first); else /dev/null.
    pub gated: bool,
}

/// How a worker ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// It exited by itself with this code.
    Code(i32),
    /// It was ended by this signal (not by us).
    Signal(i32),
    /// We killed its group (timeout, stuck, cancel).
    Killed,
}

/// A running worker.
///
/// Dropping a worker that has not been reaped yet kills its group with
/// SIGKILL and reaps it, so an early return never leaves it running.
#[derive(Debug)]
pub struct Worker {
    child: Child,
    /// The write end of a gated worker's stdin, until it is released.
    gate: Option<ChildStdin>,
    pgid: i32,
    started: Instant,
    /// Set once the worker is reaped (or killed by us); never changes after.
    exit: Option<Exit>,
    /// Where it runs and logs (for `idle`).
    spec: Spec,
    /// Sizes of the stdout and stderr logs at the last look.
    log_sizes: (u64, u64),
    /// Fingerprint of the worktree at the last look (none before the first:
    /// a run without the stuck watchdog never walks the worktree).
    tree: Option<u64>,
    last_progress: Instant,
}

impl Worker {
    /// Starts the worker in a new process group, stdin from /dev/null.
    pub fn spawn(spec: &Spec) -> Result<Worker> {
        let Some((program, args)) = spec.argv.split_first() else {
            bail!("cannot start a worker: empty command");
        };
        let stdout = File::create(&spec.stdout)
            .with_context(|| format!("cannot open {} for stdout", spec.stdout.display()))?;
        let stderr = File::create(&spec.stderr)
            .with_context(|| format!("cannot open {} for stderr", spec.stderr.display()))?;
        let started = Instant::now();
        let stdin = if spec.gated {
            Stdio::piped()
        } else {
            Stdio::null()
        };
        let mut child = Command::new(program)
            .args(args)
            .current_dir(&spec.cwd)
            .envs(spec.env.iter().map(|(k, v)| (k, v)))
            .stdin(stdin)
            .stdout(stdout)
            .stderr(stderr)
            .process_group(0)
            .spawn()
            .with_context(|| format!("cannot start `{program}` in {}", spec.cwd.display()))?;
        let pgid = i32::try_from(child.id())
            .map_err(|_| anyhow!("pid {} of `{program}` is out of range", child.id()))?;
        let gate = child.stdin.take();
        Ok(Worker {
            child,
            gate,
            pgid,
            started,
            exit: None,
            spec: spec.clone(),
            log_sizes: (0, 0),
            tree: None,
            last_progress: started,
        })
    }

    /// Its process group id (= its pid).
    pub fn pgid(&self) -> i32 {
        self.pgid
    }

    /// When it was started.
    pub fn started(&self) -> Instant {
        self.started
    }

    /// Lets a gated worker go: writes `go` to its stdin and closes it.
    /// Nothing to do for a worker that is not gated, or released already.
    pub fn release(&mut self) -> Result<()> {
        if let Some(mut gate) = self.gate.take() {
            gate.write_all(b"go\n")
                .with_context(|| format!("cannot release worker {}", self.pgid))?;
        }
        Ok(())
    }

    /// Whether it has exited, without waiting; reaps it when it has.
    pub fn poll(&mut self) -> Result<Option<Exit>> {
        if self.exit.is_none() {
            let status = self
                .child
                .try_wait()
                .with_context(|| format!("cannot check on worker {}", self.pgid))?;
            self.exit = status.map(exit_of);
        }
        Ok(self.exit)
    }

    /// Looks for progress now: its logs grew, or a file in `cwd` (outside
    /// `.git`) changed since the last look. Returns how long it has been
    /// without progress. Cheap enough to call every second.
    pub fn idle(&mut self, now: Instant) -> Duration {
        let log_sizes = (file_size(&self.spec.stdout), file_size(&self.spec.stderr));
        let tree = tree_fingerprint(&self.spec.cwd);
        // The first look only takes the baseline (for the tree; the logs
        // start empty): idleness counts from the start until then.
        let first = self.tree.is_none();
        if log_sizes != self.log_sizes || (!first && Some(tree) != self.tree) {
            self.last_progress = self.last_progress.max(now);
        }
        self.log_sizes = log_sizes;
        self.tree = Some(tree);
        now.saturating_duration_since(self.last_progress)
    }

    /// Ends it: SIGTERM to the whole group, up to `grace` for it to go,
    /// then SIGKILL to the group; reaps the worker. If it had exited by
    /// itself before the signal, that exit is returned (a result that landed
    /// before the kill is kept).
    pub fn kill(&mut self, grace: Duration) -> Result<Exit> {
        if let Some(exit) = self.poll()? {
            // Its result stands; still clear out any leftover grandchildren.
            self.signal_group(Signal::KILL)?;
            return Ok(exit);
        }
        let term = self.signal_group(Signal::TERM);
        if term.is_ok() {
            let deadline = Instant::now() + grace;
            while let Ok(None) = self.poll() {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                std::thread::sleep(left.min(KILL_POLL));
            }
        }
        let kill = self.signal_group(Signal::KILL);
        self.reap(kill.is_err())?;
        self.exit = Some(Exit::Killed);
        term?;
        kill?;
        Ok(Exit::Killed)
    }

    /// Sends `signal` to the worker's whole group; a group already gone is fine.
    fn signal_group(&self, signal: Signal) -> Result<()> {
        let pid = Pid::from_raw(self.pgid).ok_or_else(|| anyhow!("worker has no pid"))?;
        match kill_process_group(pid, signal) {
            Ok(()) | Err(Errno::SRCH) => Ok(()),
            Err(e) => Err(e)
                .with_context(|| format!("cannot send {signal:?} to worker group {}", self.pgid)),
        }
    }

    /// Waits for the worker unless it is reaped already; when the group
    /// could not be signalled, SIGKILLs the worker itself first.
    fn reap(&mut self, kill_child: bool) -> Result<()> {
        if self.exit.is_some() {
            return Ok(());
        }
        if kill_child {
            // Best effort: the wait below reports what matters.
            let _ = self.child.kill();
        }
        let status = self
            .child
            .wait()
            .with_context(|| format!("cannot reap worker {}", self.pgid))?;
        self.exit = Some(exit_of(status));
        Ok(())
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        if self.exit.is_none() {
            let kill = self.signal_group(Signal::KILL);
            let _ = self.reap(kill.is_err());
        }
    }
}

/// Maps a wait status to how the worker ended by itself.
fn exit_of(status: ExitStatus) -> Exit {
    match (status.code(), status.signal()) {
        (Some(code), _) => Exit::Code(code),
        (None, Some(signal)) => Exit::Signal(signal),
        // wait() only reports exits and terminating signals.
        (None, None) => Exit::Code(-1),
    }
}

/// The size of a file, 0 when it cannot be read.
fn file_size(path: &Path) -> u64 {
    fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// A fingerprint of (relative path, kind, size, mtime) of every entry under
/// `root`, skipping anything named `.git` (a directory, or the file a
/// worktree has). Symlinks are not followed; contents are not read; entries
/// that vanish or cannot be read mid-walk are skipped.
fn tree_fingerprint(root: &Path) -> u64 {
    let mut hasher = DefaultHasher::new();
    let mut dirs = vec![(root.to_path_buf(), PathBuf::new())];
    while let Some((dir, rel)) = dirs.pop() {
        let Ok(read) = fs::read_dir(&dir) else {
            continue;
        };
        let mut entries: Vec<_> = read.filter_map(Result::ok).collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name();
            if name == ".git" {
                continue;
            }
            // DirEntry::metadata does not follow symlinks.
            let Ok(meta) = entry.metadata() else {
                continue;
            };
            let rel = rel.join(&name);
            rel.hash(&mut hasher);
            (meta.mode(), meta.len(), meta.mtime(), meta.mtime_nsec()).hash(&mut hasher);
            if meta.is_dir() {
                dirs.push((entry.path(), rel));
            }
        }
    }
    hasher.finish()
}

/// Whether process `pid` still runs. A zombie does not: it has exited and
/// waits to be reaped, which for a worker whose muster-run went down may be
/// never (an init that does not reap, as in some containers). Where there is
/// no `/proc`, a zombie counts as running.
pub fn running(pid: i32) -> bool {
    let alive = other_pid(pid).is_some_and(|p| rustix::process::test_kill_process(p).is_ok());
    alive && !is_zombie(pid)
}

/// `raw` as the pid of a process other than init (a number read from a
/// file a worker can write may be anything: 0, 1 and negatives are none).
fn other_pid(raw: i32) -> Option<Pid> {
    (raw > 1).then(|| Pid::from_raw(raw)).flatten()
}

/// Whether `/proc` shows `pid` as a zombie (or dead).
fn is_zombie(pid: i32) -> bool {
    let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // `pid (comm) state …`; comm may hold spaces and parentheses.
    let state = stat.rsplit(')').next().unwrap_or("").trim_start();
    state.starts_with(['Z', 'X'])
}

/// Sends SIGKILL to process group `pgid`, if it is still there: what is
/// left of a worker whose muster-run went down (`--resume`).
pub fn kill_group(pgid: i32) {
    if let Some(pid) = other_pid(pgid) {
        let _ = kill_process_group(pid, Signal::KILL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread::sleep;
    use tempfile::TempDir;

    /// A temp dir with a worktree `wt` and logs beside it (outside `wt`).
    fn setup(script: &str) -> (TempDir, Spec) {
        let dir = tempfile::tempdir().unwrap();
        let cwd = dir.path().join("wt");
        fs::create_dir(&cwd).unwrap();
        let spec = Spec {
            argv: vec!["sh".into(), "-c".into(), script.into()],
            cwd,
            env: vec![],
            stdout: dir.path().join("out.log"),
            stderr: dir.path().join("err.log"),
            gated: false,
        };
        (dir, spec)
    }

    /// Retries `f` every 20 ms until it gives a value; fails after 10 s.
    fn eventually<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(value) = f() {
                return value;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            sleep(Duration::from_millis(20));
        }
    }

    fn wait_exit(w: &mut Worker) -> Exit {
        eventually("exit", || w.poll().unwrap())
    }

    /// Dead: no /proc entry, or a zombie waiting for init to reap it.
    fn is_dead(pid: i32) -> bool {
        let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let state = stat.rsplit(')').next().unwrap_or("").trim_start();
        state.is_empty() || state.starts_with(['Z', 'X'])
    }

    #[test]
    fn exit_code_logs_and_closed_stdin() {
        let (_dir, spec) = setup("echo out; echo err >&2; exit 3");
        let mut w = Worker::spawn(&spec).unwrap();
        assert!(w.pgid() > 0);
        assert_eq!(wait_exit(&mut w), Exit::Code(3));
        assert_eq!(w.poll().unwrap(), Some(Exit::Code(3)), "exit is kept");
        assert_eq!(fs::read_to_string(&spec.stdout).unwrap(), "out\n");
        assert_eq!(fs::read_to_string(&spec.stderr).unwrap(), "err\n");

        let (_dir, spec) = setup("cat; echo done");
        let mut w = Worker::spawn(&spec).unwrap();
        assert_eq!(wait_exit(&mut w), Exit::Code(0));
        assert_eq!(fs::read_to_string(&spec.stdout).unwrap(), "done\n");

        let (_dir, spec) = setup("kill -9 $$");
        let mut w = Worker::spawn(&spec).unwrap();
        assert_eq!(wait_exit(&mut w), Exit::Signal(9));
    }

    #[test]
    fn a_gated_worker_waits_for_its_release() {
        let (_dir, mut spec) = setup("read go; echo \"got $go\"");
        spec.gated = true;
        let mut w = Worker::spawn(&spec).unwrap();
        sleep(Duration::from_millis(300));
        assert_eq!(w.poll().unwrap(), None, "it waits");
        assert_eq!(fs::read_to_string(&spec.stdout).unwrap(), "");
        w.release().unwrap();
        w.release().unwrap(); // once is enough; again is nothing
        assert_eq!(wait_exit(&mut w), Exit::Code(0));
        assert_eq!(fs::read_to_string(&spec.stdout).unwrap(), "got go\n");
    }

    #[test]
    fn a_zombie_is_not_running() {
        let mut child = Command::new("sh").args(["-c", "exit 0"]).spawn().unwrap();
        let pid = i32::try_from(child.id()).unwrap();
        // Not reaped yet: a zombie once it exits.
        eventually("the zombie", || is_dead(pid).then_some(()));
        assert!(!running(pid));
        child.wait().unwrap();
        assert!(!running(pid));
        assert!(running(i32::try_from(std::process::id()).unwrap()));
        assert!(!running(0) && !running(1) && !running(-5));
    }

    #[test]
    fn env_and_cwd_are_applied() {
        let (_dir, mut spec) = setup("echo \"$MUSTER_X\"; pwd -P; test -n \"$PATH\"");
        spec.env = vec![("MUSTER_X".into(), "hello there".into())];
        let mut w = Worker::spawn(&spec).unwrap();
        assert_eq!(wait_exit(&mut w), Exit::Code(0));
        let cwd = spec.cwd.canonicalize().unwrap();
        let expected = format!("hello there\n{}\n", cwd.display());
        assert_eq!(fs::read_to_string(&spec.stdout).unwrap(), expected);
    }

    #[test]
    fn kill_takes_the_whole_group() {
        let (_dir, spec) =
            setup("trap '' TERM; (trap '' TERM; sleep 30) & echo $! > child.pid; sleep 30");
        let mut w = Worker::spawn(&spec).unwrap();
        let pid_file = spec.cwd.join("child.pid");
        let grandchild: i32 = eventually("child.pid", || {
            fs::read_to_string(&pid_file).ok()?.trim().parse().ok()
        });
        assert!(!is_dead(grandchild));

        let start = Instant::now();
        assert_eq!(w.kill(Duration::from_millis(300)).unwrap(), Exit::Killed);
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(300), "grace was honoured");
        assert!(took < Duration::from_secs(3), "kill took {took:?}");
        assert_eq!(w.poll().unwrap(), Some(Exit::Killed));

        eventually("the grandchild to die", || {
            is_dead(grandchild).then_some(())
        });
    }

    #[test]
    fn kill_of_a_worker_that_goes_on_term() {
        let (_dir, spec) = setup("sleep 30");
        let mut w = Worker::spawn(&spec).unwrap();
        let start = Instant::now();
        assert_eq!(w.kill(Duration::from_secs(10)).unwrap(), Exit::Killed);
        let took = start.elapsed();
        assert!(
            took < Duration::from_secs(5),
            "waited the grace out: {took:?}"
        );
    }

    #[test]
    fn result_before_kill_is_kept() {
        let (_dir, spec) = setup("exit 0");
        let mut w = Worker::spawn(&spec).unwrap();
        sleep(Duration::from_millis(500));
        assert_eq!(w.kill(Duration::from_millis(300)).unwrap(), Exit::Code(0));
        assert_eq!(w.poll().unwrap(), Some(Exit::Code(0)));
    }

    #[test]
    fn output_and_file_changes_are_progress() {
        let output = "while :; do echo tick; sleep 0.1; done";
        let files = "mkdir -p a/b; while :; do touch a/b/f; sleep 0.1; done";
        for script in [output, files] {
            let (_dir, spec) = setup(script);
            let mut w = Worker::spawn(&spec).unwrap();
            // About 1.5 s of looks every 200 ms.
            for _ in 0..8 {
                sleep(Duration::from_millis(200));
                let idle = w.idle(Instant::now());
                assert!(idle < Duration::from_millis(500), "{script}: idle {idle:?}");
            }
            assert_eq!(w.kill(Duration::from_millis(300)).unwrap(), Exit::Killed);
        }
    }

    #[test]
    fn silence_and_git_changes_are_idle() {
        for script in ["sleep 5", "while :; do date > .git/x; sleep 0.1; done"] {
            let (_dir, spec) = setup(script);
            fs::create_dir(spec.cwd.join(".git")).unwrap();
            let mut w = Worker::spawn(&spec).unwrap();
            sleep(Duration::from_millis(400));
            let _ = w.idle(Instant::now());
            sleep(Duration::from_millis(800));
            let idle = w.idle(Instant::now());
            assert!(idle > Duration::from_secs(1), "{script}: idle {idle:?}");
            assert_eq!(w.kill(Duration::from_millis(300)).unwrap(), Exit::Killed);
        }
    }

    #[test]
    fn fingerprint_sees_nested_changes_but_not_git() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for i in 0..2000 {
            let sub = root.join(format!("d{}", i % 20));
            fs::create_dir_all(&sub).unwrap();
            fs::write(sub.join(format!("f{i}")), "x").unwrap();
        }
        fs::create_dir(root.join("d0/.git")).unwrap();
        fs::write(root.join(".git"), "gitdir: elsewhere\n").unwrap();
        let start = Instant::now();
        let base = tree_fingerprint(root);
        let took = start.elapsed();
        assert!(took < Duration::from_secs(2), "fingerprint took {took:?}");
        assert_eq!(tree_fingerprint(root), base);

        fs::write(root.join("d0/.git/index"), "changed").unwrap();
        fs::write(root.join(".git"), "gitdir: somewhere else\n").unwrap();
        assert_eq!(tree_fingerprint(root), base, ".git is skipped");

        fs::write(root.join("d7/f7"), "longer").unwrap();
        assert_ne!(tree_fingerprint(root), base);
    }

    #[test]
    fn spawn_errors_name_the_problem() {
        let (_dir, mut spec) = setup("true");
        spec.argv = vec!["muster-no-such-command".into()];
        let err = format!("{:#}", Worker::spawn(&spec).unwrap_err());
        assert!(err.contains("muster-no-such-command"), "{err}");
        assert!(!err.contains('\n'), "{err}");

        spec.argv = vec![];
        assert!(Worker::spawn(&spec).is_err());

        let (dir, mut spec) = setup("true");
        spec.stdout = dir.path().join("missing/out.log");
        let err = format!("{:#}", Worker::spawn(&spec).unwrap_err());
        assert!(err.contains("out.log"), "{err}");
    }
}
