//! The CLI contract: one trycmd case per exit code and format in
//! `tests/cmd/` (arguments and exit code in the `.toml`, `.stdin` fed,
//! `.stdout`/`.stderr` byte-exact), run in a sandbox copied from
//! `tests/cmd/fixtures/`. Regenerate with `TRYCMD=overwrite` and review the
//! diff.

/// Runs every case in `tests/cmd/`.
#[test]
fn cli_cases() {
    trycmd::TestCases::new()
        .register_bin("muster-gate", std::path::Path::new(crate::common::BIN))
        .env("COLUMNS", "100")
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .env("MUSTER_HOME", ".muster")
        .case("tests/cmd/*.toml");
}
