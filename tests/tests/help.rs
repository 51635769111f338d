//! Every tool's `--help`, and every subcommand's, ends with EXAMPLES and the
//! EXIT STATUS table (issue 8: "every `--help` has EXAMPLES and EXIT
//! STATUS"). The list of subcommands is read from each tool's own help, so
//! a new subcommand without them fails here.
#![allow(clippy::unwrap_used)] // test helpers: a failure is a test failure

#[path = "support/tools.rs"]
mod tools;

use std::process::Command;

const SETUP: &str = "run `make build` (or `cargo build --workspace`) at the workspace root";
const TOOLS: [&str; 7] = [
    "route",
    "plan",
    "scope",
    "run",
    "integrate",
    "gate",
    "ledger",
];

fn help(tool: &str, sub: Option<&str>) -> String {
    let bin = tools::bin(&format!("muster-{tool}"), SETUP);
    let out = Command::new(bin).args(sub).arg("--help").output().unwrap();
    assert!(out.status.success(), "muster-{tool} {sub:?} --help failed");
    String::from_utf8(out.stdout).unwrap()
}

/// The subcommands a help text lists under `Commands:` (but `help`).
fn subcommands(text: &str) -> Vec<String> {
    text.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| *w != "help")
        .map(str::to_string)
        .collect()
}

#[test]
fn every_help_has_examples_and_the_exit_status_table() {
    let mut missing = Vec::new();
    let mut seen = 0;
    for tool in TOOLS {
        let top = help(tool, None);
        let mut texts = vec![(format!("muster-{tool}"), top.clone())];
        for sub in subcommands(&top) {
            texts.push((format!("muster-{tool} {sub}"), help(tool, Some(&sub))));
        }
        for (name, text) in texts {
            seen += 1;
            let lower = text.to_ascii_lowercase();
            let examples = lower.lines().any(|l| l.trim_end() == "examples:");
            let exit = lower.contains("exit status") && text.contains("64");
            if !(examples && exit) {
                missing.push(format!("{name}: examples {examples}, exit status {exit}"));
            }
        }
    }
    assert!(seen > 20, "only {seen} help texts found");
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
