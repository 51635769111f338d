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
