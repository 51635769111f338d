//! The one place where a tool's result becomes output, stderr lines and an exit code.
//!
//! A tool's `main.rs` is one call: `muster_shared::cli::main::<Args>("ledger", run)`.
//! `run` returns an [`Outcome`] (the bytes for stdout, the status, any notes for
//! stderr) or an error. Library code never prints; only this module does.

use crate::error::{exit_code_of, Status, EXIT_PASS, EXIT_USAGE};
use clap::Parser;
use std::io::{ErrorKind, Write};
use std::process::ExitCode;

/// The EXIT STATUS section every `--help` ends with.
pub const EXIT_STATUS: &str = "\
EXIT STATUS:
  0   PASS (or WARN): done; the checks that ran said yes
  1   FAIL: could not do the job (bad input, I/O error, internal error)
  2   BLOCKED: the job ran and a check said no (WARN too, with --fail-on-warn)
  64  usage error (bad flags)";

/// What a tool's run produced.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Bytes for stdout, written only after the run has finished.
    pub stdout: Vec<u8>,
    /// More bytes for stdout, written after `stdout` in order: a large
    /// output made in pieces (on several cores) need not be joined first.
    pub stdout_pieces: Vec<Vec<u8>>,
    /// Writes the rest of stdout, after the pieces, as it makes it: an
    /// output too big to hold (the run has finished; only writing is left).
    pub stdout_stream: Option<Stream>,
    /// The status; it sets the exit code.
    pub status: Option<Status>,
    /// Lines for stderr, each printed as `muster-<tool>: <line>`.
    pub notes: Vec<String>,
    /// Whether WARN exits 2.
    pub fail_on_warn: bool,
}

/// Writes a tool's output to stdout as it makes it ([`Outcome::stdout_stream`]).
pub struct Stream(Box<dyn WriteOnce>);

/// What a [`Stream`] runs: it writes once.
trait WriteOnce: FnOnce(&mut dyn Write) -> std::io::Result<()> {}

impl<F: FnOnce(&mut dyn Write) -> std::io::Result<()>> WriteOnce for F {}

impl Stream {
    /// A stream that `write` writes.
    pub fn new(write: impl FnOnce(&mut dyn Write) -> std::io::Result<()> + 'static) -> Stream {
        Stream(Box::new(write))
    }
}

impl std::fmt::Debug for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Stream")
    }
}

impl Outcome {
    /// An outcome with this status and stdout.
    pub fn new(status: Status, stdout: Vec<u8>) -> Self {
        Outcome {
            stdout,
            status: Some(status),
            ..Outcome::default()
        }
    }

    /// Adds a line for stderr.
    pub fn note(mut self, line: impl Into<String>) -> Self {
        self.notes.push(line.into());
        self
    }

    /// The exit code of this outcome.
    pub fn exit_code(&self) -> u8 {
        self.status
            .map_or(EXIT_PASS, |s| s.exit_code(self.fail_on_warn))
    }
}

/// Parses flags, runs the tool, prints, and returns the exit code.
///
/// Help and version go to stdout with exit 0; any other flag error is a usage
/// error, exit 64 (clap's own 2 would read as BLOCKED). An error is printed on
/// one line, `muster-<tool>: error: <context>: <cause>: …`, and nothing is
/// written to stdout. A closed stdout (broken pipe) is not an error.
pub fn main<A: Parser>(tool: &str, run: impl FnOnce(A) -> anyhow::Result<Outcome>) -> ExitCode {
    let args = match A::try_parse() {
        Ok(args) => args,
        Err(e) => {
            use clap::error::ErrorKind as K;
            if matches!(e.kind(), K::DisplayHelp | K::DisplayVersion) {
                let _ = e.print();
                return ExitCode::from(EXIT_PASS);
            }
            let _ = writeln!(
                std::io::stderr().lock(),
                "muster-{tool}: error: {}",
                usage_line(&e)
            );
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let prog = format!("muster-{tool}");
    match run(args) {
        Ok(outcome) => {
            let mut err = std::io::stderr().lock();
            for line in &outcome.notes {
                let _ = writeln!(err, "{prog}: {line}");
            }
            let code = ExitCode::from(outcome.exit_code());
            let pieces = std::iter::once(&outcome.stdout).chain(&outcome.stdout_pieces);
            if let Err(e) = write_stdout(pieces, outcome.stdout_stream) {
                let _ = writeln!(err, "{prog}: error: writing <stdout>: {e}");
                return ExitCode::from(crate::error::EXIT_FAIL);
            }
            code
        }
        Err(e) => {
            let code = exit_code_of(&e);
            let word = if code == crate::error::EXIT_BLOCKED {
                "blocked"
            } else {
                "error"
            };
            let _ = writeln!(std::io::stderr().lock(), "{prog}: {word}: {}", one_line(&e));
            ExitCode::from(code)
        }
    }
}

/// A clap error on one line: its first line without clap's `error: `, and a
/// pointer to `--help`.
fn usage_line(e: &clap::Error) -> String {
    if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        return "a subcommand is required; see --help".into();
    }
    // clap's first paragraph (the error and, for missing arguments, their
    // names), on one line.
    let text = e.render().to_string();
    let para: Vec<&str> = text
        .lines()
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    let joined = para.join(" ");
    let first = joined.strip_prefix("error: ").unwrap_or(&joined);
    let first = if first.is_empty() {
        "bad arguments"
    } else {
        first
    };
    format!("{first}; see --help")
}

/// An error and its causes on one line, joined by `: `.
pub fn one_line(e: &anyhow::Error) -> String {
    format!("{e:#}").replace('\n', " ")
}

fn write_stdout<'a>(
    pieces: impl Iterator<Item = &'a Vec<u8>>,
    stream: Option<Stream>,
) -> std::io::Result<()> {
    let mut lock = std::io::stdout().lock();
    let mut raw = unbuffered(&mut lock);
    let out: &mut dyn Write = match raw.as_mut() {
        Some(file) => file,
        None => &mut lock,
    };
    let all = || {
        for p in pieces {
            out.write_all(p)?;
        }
        if let Some(Stream(write)) = stream {
            write(out)?;
        }
        out.flush()
    };
    match all() {
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Stdout past std's line buffering: a copy of its descriptor (the same
/// open file, offset and flags) behind a plain buffer, which passes large
/// writes straight through. Std's stdout searches every write for its last
/// newline, a tenth of a second's work on the 100 MB plan of 100k tasks.
/// None where there is no descriptor to copy (then std's stdout it is).
fn unbuffered(lock: &mut std::io::StdoutLock<'_>) -> Option<std::io::BufWriter<std::fs::File>> {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        lock.flush().ok()?;
        let fd = lock.as_fd().try_clone_to_owned().ok()?;
        Some(std::io::BufWriter::with_capacity(
            1 << 16,
            std::fs::File::from(fd),
        ))
    }
    #[cfg(not(unix))]
    {
        let _ = lock;
        None
    }
}
