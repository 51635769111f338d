//! `--format md`: the "Gate Progress" table (see the parent module).

use super::*;

pub(super) fn md(v: &Verdict) -> String {
    let mut out = String::from(
        "## Gate Progress\n\n\
         | Gate | Target | Current | Status |\n\
         |------|--------|---------|--------|\n",
    );
    for row in &v.gates {
        let status = if waiver(row).is_some() {
            "waived"
        } else {
            word(row.status)
        };
        out.push('|');
        for cell in [&row.name, &row.target, &observed(&row.observed), status] {
            out.push(' ');
            muster_shared::markdown::cell(cell, &mut out);
            out.push_str(" |");
        }
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&one_line(&verdict_line(v, true)));
    out.push('\n');

    let mut heading = false;
    for row in v.gates.iter().filter(|r| r.status != Status::Pass) {
        if !heading {
            out.push_str("\n### Why\n\n");
            heading = true;
        }
        let mut item = format!("- **{}** ({}): {}", row.name, word(row.status), why(row));
        if let Some(w) = waiver(row) {
            item.push_str(" — waived by ");
            item.push_str(w);
        }
        out.push_str(&one_line(&item));
        out.push('\n');
    }
    if let Some(ks) = &v.kill_switch {
        out.push_str("\n**Kill switch on:** ");
        out.push_str(&one_line(ks));
        out.push('\n');
    }
    if v.shadow {
        out.push_str("\n**Shadow mode:** gates evaluated and reported; the exit code is 0.\n");
    }
    out
}

/// Text on one line: newlines and carriage returns as spaces, so that text
/// cannot end the list item or paragraph it is in; no trailing spaces.
fn one_line(s: &str) -> String {
    let line: String = s
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    line.trim_end().to_owned()
}
