//! The CLI contract: one trycmd case per behaviour in `tests/cmd/`, byte-exact.
//!
//! Each `tests/cmd/<form>-<what>.toml` names its arguments and exit code
//! (`<form>` is the input read: `unified`, `raw`, `bundle`, `paths`,
//! `paths-z`, `trees`; or `input`, `usage`); `.stdin` feeds it,
//! `.stdout`/`.stderr` are what it must print, and a `.out/` directory holds
//! the files it must leave behind (`--emit-diff`, `--ledger`). Every case
//! that reads a fixture runs in a sandbox copied from `tests/cmd/fixtures/`
//! (made with real git by `make-fixtures.sh` there), so nothing is written
//! outside a temporary directory and no `muster.json` above it is read.
//! Regenerate with `TRYCMD=overwrite` and review the diff.
//!
//! trycmd takes a backslash in a text snapshot for a Windows path separator
//! and compares it as `/`. A case whose output holds a backslash (JSON string
//! escapes such as `\n` in a path, the quoted paths in errors) says
//! `binary = true` so that it is compared byte for byte; files in `.out/`
//! directories must hold none.

/// Runs every case in `tests/cmd/`.
#[test]
fn cli_cases() {
    trycmd::TestCases::new()
        .register_bin("muster-scope", std::path::Path::new(crate::bin()))
        // Help wraps at COLUMNS when stdout is not a terminal; pin it.
        .env("COLUMNS", "100")
        .case("tests/cmd/*.toml");
}
