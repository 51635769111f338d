//! The CLI contract: one trycmd case per behaviour in `tests/cmd/`, byte-exact.
//!
//! Each `tests/cmd/<form>-<what>.toml` names its arguments and exit code
//! (`<form>` is what is exercised: `goal`, `tasks`, `rules`, `config`,
//! `input`, `print-rules`, `usage`, `schema`, `help`); a `.stdin` feeds it and
//! `.stdout`/`.stderr` are what it must print. Every case runs in a sandbox
//! copied from `tests/cmd/fixtures/`, so no `muster.json` above it is read.
//! No case depends on glob intersection (`touches` rules): the fixtures'
//! touches share no path with the built-in touches rules. Regenerate with
//! `TRYCMD=overwrite` and review the diff.
//!
//! trycmd takes a backslash in a text snapshot for a Windows path separator;
//! a case whose output holds one says `binary = true`.

/// Runs every case in `tests/cmd/`.
#[test]
fn cli_cases() {
    trycmd::TestCases::new()
        .register_bin("muster-route", std::path::Path::new(crate::bin()))
        // Help wraps at COLUMNS when stdout is not a terminal; pin it.
        .env("COLUMNS", "100")
        .case("tests/cmd/*.toml");
}
