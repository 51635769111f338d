//! `--format github`: GitHub Actions workflow commands (see the parent module).

use super::*;

pub(super) fn github(v: &Verdict) -> String {
    let mut out = String::new();
    for row in &v.gates {
        let (command, message) = if let Some(w) = waiver(row) {
            let msg = format!("waived by {w} — {}: {}", row.status, why(row));
            ("notice", msg)
        } else {
            let command = match row.status {
                Status::Pass => continue,
                Status::Warn => "warning",
                Status::Blocked | Status::Fail => "error",
            };
            let msg = format!(
                "{} (target {}, observed {})",
                why(row),
                row.target,
                observed(&row.observed)
            );
            (command, msg)
        };
        workflow_command(
            command,
            &format!("muster-gate: {}", row.name),
            &message,
            &mut out,
        );
    }
    let mut last = verdict_line(v, false);
    if let Some(ks) = &v.kill_switch {
        last.push_str(&format!("; kill switch on: {ks}"));
    }
    if v.shadow {
        last.push_str("; shadow mode, the exit code is 0");
    }
    workflow_command("notice", "muster-gate", &last, &mut out);
    out
}

/// `::command title=<title>::<message>` and a newline, escaped as GitHub's
/// runner unescapes them (actions/toolkit `escapeData`, `escapeProperty`).
fn workflow_command(command: &str, title: &str, message: &str, out: &mut String) {
    out.push_str("::");
    out.push_str(command);
    out.push_str(" title=");
    github_escape(title, true, out);
    out.push_str("::");
    github_escape(message, false, out);
    out.push('\n');
}

/// In a message `%`, `\r` and `\n` as `%25`, `%0D`, `%0A`; in a property
/// value also `:` and `,` as `%3A` and `%2C`.
fn github_escape(s: &str, property: bool, out: &mut String) {
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' if property => out.push_str("%3A"),
            ',' if property => out.push_str("%2C"),
            c => out.push(c),
        }
    }
}
