//! `--format junit`: JUnit XML (see the parent module).

use super::*;

pub(super) fn junit(v: &Verdict) -> String {
    let open = |status| {
        v.gates
            .iter()
            .filter(|r| r.status == status && waiver(r).is_none())
            .count()
    };
    let counts = format!(
        "tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\"",
        v.gates.len(),
        open(Status::Blocked),
        open(Status::Fail),
        v.gates.iter().filter(|r| waiver(r).is_some()).count(),
    );
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!("<testsuites name=\"muster-gate\" {counts}>\n"));
    out.push_str(&format!("  <testsuite name=\"muster-gate\" {counts}>\n"));

    out.push_str("    <properties>\n");
    let mut props = vec![
        ("verdict", v.status.as_str().to_owned()),
        ("summary", v.summary.line.clone()),
    ];
    if let Some(id) = &v.run_id {
        props.push(("run_id", id.clone()));
    }
    if v.shadow {
        props.push(("shadow", "true".to_owned()));
    }
    if let Some(ks) = &v.kill_switch {
        props.push(("kill_switch", ks.clone()));
    }
    for (name, value) in props {
        out.push_str(&format!("      <property name=\"{name}\" value=\""));
        xml(&value, true, &mut out);
        out.push_str("\"/>\n");
    }
    out.push_str("    </properties>\n");

    for row in &v.gates {
        out.push_str(&format!(
            "    <testcase classname=\"muster-gate.{}\" name=\"",
            kind(row.kind)
        ));
        xml(&row.name, true, &mut out);
        out.push('"');
        let detail = format!(
            "target: {}\nobserved: {}\nwhy: {}",
            row.target,
            observed(&row.observed),
            row.why
        );
        if let Some(w) = waiver(row) {
            out.push_str(">\n      <skipped message=\"");
            xml(&format!("waived by {w}"), true, &mut out);
            out.push_str("\"/>\n");
            system_out(&format!("waived {}\n{detail}", row.status), &mut out);
        } else {
            match row.status {
                Status::Pass => {
                    out.push_str("/>\n");
                    continue;
                }
                Status::Warn => {
                    out.push_str(">\n");
                    system_out(&format!("WARN\n{detail}"), &mut out);
                }
                Status::Blocked | Status::Fail => {
                    let tag = if row.status == Status::Blocked {
                        "failure"
                    } else {
                        "error"
                    };
                    out.push_str(&format!(">\n      <{tag} message=\""));
                    xml(why(row), true, &mut out);
                    out.push_str(&format!("\" type=\"{}\">", row.status));
                    xml(&detail, false, &mut out);
                    out.push_str(&format!("</{tag}>\n"));
                }
            }
        }
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

fn system_out(text: &str, out: &mut String) {
    out.push_str("      <system-out>");
    xml(text, false, out);
    out.push_str("</system-out>\n");
}

/// `s` escaped for XML 1.0 text (`attr` false) or a double-quoted attribute
/// value (`attr` true). The five markup characters become entities; a
/// carriage return, and in an attribute a tab or newline, become character
/// references so that a parser gives them back instead of normalizing them
/// to a newline or a space; characters XML 1.0 forbids (control characters
/// other than tab, newline and carriage return, U+FFFE, U+FFFF) become U+FFFD.
fn xml(s: &str, attr: bool, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\n' if attr => out.push_str("&#10;"),
            '\t' if attr => out.push_str("&#9;"),
            '\n' | '\t' => out.push(c),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
}
