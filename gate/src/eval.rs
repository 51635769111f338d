//! Evidence to a verdict (DESIGN.md section 5, "muster-gate"): each gate's
//! row, then the waivers, then the kill switch over everything, then the
//! whole. Pure but for reading evidence files and ledgers, which the
//! caller points at.
//!
//! Fail closed: an observation that is missing, null, "skipped" or not a
//! number where a number is wanted is FAIL, never a pass; so is evidence
//! that is missing, does not parse or does not hash as recorded. A check
//! that ran and said no is BLOCKED.

use anyhow::{bail, Result};
use muster_shared::schema::{Gate, GateKind, GateRow, Gates, Op, Summary, Verdict, Waiver};
use muster_shared::Status;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// What the gates are evaluated against, besides the input document.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The time (waivers expire against it).
    pub now: Option<jiff::Timestamp>,
    /// The run, when known.
    pub run_id: Option<String>,
    /// Where relative evidence paths start: the run's directory when the run
    /// has one, else the current directory.
    pub base_dir: PathBuf,
    /// The ledger `ledger` gates verify by default.
    pub ledger: Option<PathBuf>,
    /// The kill switch, when active: one line (by whom, since when, why).
    pub kill_switch: Option<String>,
    /// Shadow mode.
    pub shadow: bool,
    /// For `approval` gates: per action, whether the latest approval is
    /// fresh (Some(true)), stale (Some(false)) or absent (None), and a line
    /// saying who approved when.
    pub approvals: Vec<(String, Option<bool>, String)>,
}

/// Checks the gates file: unique names, the fields each kind needs,
/// waivers naming known gates with a reason, an owner and a readable
/// expiry. An error names the gate (`gates[2] "coverage": ...`).
pub fn check(gates: &Gates) -> Result<()> {
    let mut seen = std::collections::BTreeSet::new();
    for (i, g) in gates.gates.iter().enumerate() {
        let at = format!("gates[{i}] {:?}", g.name);
        if g.name.trim().is_empty() {
            bail!("gates[{i}]: a gate needs a name");
        }
        if !seen.insert(g.name.as_str()) {
            bail!("{at}: the name is used twice");
        }
        let need = |what: bool, field: &str| -> Result<()> {
            if !what {
                bail!("{at}: a {} gate needs `{field}`", kind_word(g.kind));
            }
            Ok(())
        };
        match g.kind {
            GateKind::Threshold => {
                need(g.pointer.is_some(), "pointer")?;
                need(g.op.is_some(), "op")?;
                let t = g.target.as_ref().and_then(Value::as_f64);
                need(t.is_some_and(f64::is_finite), "target (a number)")?;
            }
            GateKind::Equals => {
                need(g.pointer.is_some(), "pointer")?;
                need(g.target.is_some(), "target")?;
            }
            GateKind::Evidence => {
                need(g.path.is_some(), "path")?;
                need(
                    g.sha256.is_some() || g.pointer.is_some(),
                    "sha256 (or pointer to it)",
                )?;
            }
            GateKind::Ledger => {}
            GateKind::Approval => need(g.action.is_some(), "action")?,
        }
        if let Some(p) = &g.pointer {
            if !p.is_empty() && !p.starts_with('/') {
                bail!("{at}: pointer {p:?} is not a JSON Pointer (it starts with `/`, like `/stats/coverage`)");
            }
        }
    }
    for (i, w) in gates.waivers.iter().enumerate() {
        let at = format!("waivers[{i}]");
        if !seen.contains(w.gate.as_str()) {
            bail!("{at}: waives {:?}, which is not a gate here", w.gate);
        }
        if w.reason.trim().chars().count() < 10 {
            bail!("{at}: the reason must say why, in at least 10 characters");
        }
        if w.owner.trim().is_empty() {
            bail!("{at}: a waiver needs an owner");
        }
        muster_shared::time::parse_rfc3339(&w.expires)
            .map_err(|e| anyhow::anyhow!("{at}: expires: {e:#}"))?;
    }
    Ok(())
}

/// Evaluates `gates` (checked with [`check`]) against `doc`.
pub fn evaluate(gates: &Gates, doc: &Value, ctx: &Context) -> Verdict {
    let now = ctx.now.unwrap_or_else(jiff::Timestamp::now);
    let mut rows: Vec<GateRow> = gates.gates.iter().map(|g| row(g, doc, ctx)).collect();
    for r in &mut rows {
        waive(r, &gates.waivers, now);
    }
    if let Some(ks) = &ctx.kill_switch {
        for r in &mut rows {
            r.status = Status::Blocked;
            r.why = format!("the kill switch is on ({ks})");
            r.waived_by = None;
        }
    }
    let summary = summary(&rows);
    let worst = rows
        .iter()
        .filter(|r| r.waived_by.is_none())
        .map(|r| r.status)
        .max()
        .unwrap_or(Status::Pass);
    let status = match (worst, summary.waived > 0) {
        (Status::Pass, true) => Status::Warn,
        (s, _) => s,
    };
    let status = if ctx.kill_switch.is_some() {
        Status::Blocked
    } else {
        status
    };
    Verdict {
        schema: "muster.verdict/v1".into(),
        status,
        run_id: ctx.run_id.clone(),
        shadow: ctx.shadow,
        kill_switch: ctx.kill_switch.clone(),
        gates: rows,
        summary,
    }
}

fn kind_word(k: GateKind) -> &'static str {
    match k {
        GateKind::Threshold => "threshold",
        GateKind::Equals => "equals",
        GateKind::Evidence => "evidence",
        GateKind::Ledger => "ledger",
        GateKind::Approval => "approval",
    }
}

fn op_word(op: Op) -> &'static str {
    match op {
        Op::Ge => ">=",
        Op::Gt => ">",
        Op::Le => "<=",
        Op::Lt => "<",
        Op::Eq => "==",
    }
}

fn meets(op: Op, x: f64, t: f64) -> bool {
    match op {
        Op::Ge => x >= t,
        Op::Gt => x > t,
        Op::Le => x <= t,
        Op::Lt => x < t,
        Op::Eq => x == t,
    }
}

/// A row: the gate, what it wants, what it saw, and the verdict.
fn row(g: &Gate, doc: &Value, ctx: &Context) -> GateRow {
    let (target, observed, status, why) = match g.kind {
        GateKind::Threshold => threshold(g, doc),
        GateKind::Equals => equals(g, doc),
        GateKind::Evidence => evidence(g, doc, ctx),
        GateKind::Ledger => ledger(g, ctx),
        GateKind::Approval => approval(g, ctx),
    };
    GateRow {
        name: g.name.clone(),
        kind: g.kind,
        target,
        observed,
        status,
        why,
        waived_by: None,
    }
}

type Row = (String, Value, Status, String);

/// The observation at the gate's pointer: None when it is missing, null,
/// or a check that did not run (`"skipped"`, or an object whose `status`
/// or `conclusion` says so).
fn observe<'a>(g: &Gate, doc: &'a Value) -> Option<&'a Value> {
    let p = g.pointer.as_deref().unwrap_or("");
    let v = doc.pointer(p)?;
    let skipped = |s: &str| {
        matches!(
            s.to_ascii_lowercase().as_str(),
            "skipped" | "skip" | "not_run" | "neutral"
        )
    };
    let word = match v {
        Value::Null => return None,
        Value::String(s) => Some(s.as_str()),
        Value::Object(m) => m
            .get("status")
            .or_else(|| m.get("conclusion"))
            .and_then(Value::as_str),
        _ => None,
    };
    if word.is_some_and(skipped) {
        return None;
    }
    Some(v)
}

/// The row of a gate whose observation is missing (or did not run): FAIL.
fn missing(g: &Gate, doc: &Value, target: String) -> Row {
    let p = g.pointer.as_deref().unwrap_or("");
    match doc.pointer(p) {
        None => {
            let why = format!("nothing at {p} in the input: a missing observation is never a pass");
            (target, Value::Null, Status::Fail, why)
        }
        Some(v) => {
            let why =
                format!("{p} is {v}: a skipped or empty check counts as missing, never as a pass");
            (target, v.clone(), Status::Fail, why)
        }
    }
}

fn threshold(g: &Gate, doc: &Value) -> Row {
    let (op, t) = (
        g.op.unwrap_or(Op::Ge),
        g.target
            .as_ref()
            .and_then(Value::as_f64)
            .unwrap_or(f64::NAN),
    );
    let target = match g.warn {
        Some(w) => format!("{} {t} (warn {} {w})", op_word(op), op_word(op)),
        None => format!("{} {t}", op_word(op)),
    };
    let Some(v) = observe(g, doc) else {
        return missing(g, doc, target);
    };
    let Some(x) = v.as_f64().filter(|x| x.is_finite()) else {
        let why = format!("{v} is not a number: it cannot be compared (fail closed)");
        return (target, v.clone(), Status::Fail, why);
    };
    let (status, why) = if meets(op, x, t) {
        (Status::Pass, format!("{x} {} {t}", op_word(op)))
    } else if g.warn.is_some_and(|w| meets(op, x, w)) {
        let w = g.warn.unwrap_or(t);
        (
            Status::Warn,
            format!(
                "{x} misses {} {t} but is within the warn band ({} {w})",
                op_word(op),
                op_word(op)
            ),
        )
    } else {
        (Status::Blocked, format!("{x} is not {} {t}", op_word(op)))
    };
    (target, v.clone(), status, why)
}

fn equals(g: &Gate, doc: &Value) -> Row {
    let want = g.target.clone().unwrap_or(Value::Null);
    let target = want.to_string();
    let Some(v) = observe(g, doc) else {
        return missing(g, doc, target);
    };
    let same = match (v.as_f64(), want.as_f64()) {
        (Some(a), Some(b)) => a == b,
        _ => *v == want,
    };
    let (status, why) = match same {
        true => (Status::Pass, format!("{v} as wanted")),
        false => (Status::Blocked, format!("{v} is not {want}")),
    };
    (target, v.clone(), status, why)
}

fn evidence(g: &Gate, doc: &Value, ctx: &Context) -> Row {
    let rel = g.path.clone().unwrap_or_default();
    let recorded: Option<String> = match (&g.sha256, &g.pointer) {
        (Some(h), _) => Some(h.to_ascii_lowercase()),
        (None, Some(p)) => doc
            .pointer(p)
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase),
        (None, None) => None,
    };
    let target = match &recorded {
        Some(h) => format!("{rel} with sha256 {}", short(h)),
        None => format!("{rel} with its recorded sha256"),
    };
    let path = resolve(&ctx.base_dir, &rel);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            let why = format!("{}: {e} (missing evidence fails closed)", path.display());
            return (target, Value::Null, Status::Fail, why);
        }
    };
    let got = crate::evidence::hex(&Sha256::digest(&bytes));
    let observed = Value::String(got.clone());
    if rel.ends_with(".json") {
        if let Err(e) = serde_json::from_slice::<Value>(&bytes) {
            return (
                target,
                observed,
                Status::Fail,
                format!("{rel} does not parse as JSON: {e}"),
            );
        }
    }
    let Some(want) = recorded else {
        let p = g.pointer.as_deref().unwrap_or("");
        return (
            target,
            observed,
            Status::Fail,
            format!("no sha256 recorded at {p} in the input: nothing to check {rel} against"),
        );
    };
    match got == want {
        true => (
            target,
            observed,
            Status::Pass,
            format!("{rel} is there and hashes as recorded"),
        ),
        false => (
            target,
            observed,
            Status::Fail,
            format!(
                "{rel} has sha256 {}, recorded {}: it changed (fail closed)",
                short(&got),
                short(&want)
            ),
        ),
    }
}

fn ledger(g: &Gate, ctx: &Context) -> Row {
    let path = match (&g.path, &ctx.ledger) {
        (Some(p), _) => resolve(&ctx.base_dir, p),
        (None, Some(l)) => l.clone(),
        (None, None) => PathBuf::from(".muster/ledger.jsonl"),
    };
    let mut target = String::from("the chain verifies");
    if let Some(h) = &g.expect_head {
        target.push_str(&format!(", head {}", short(h)));
    }
    if let Some(n) = g.expect_size {
        target.push_str(&format!(", {n} events"));
    }
    if !path.exists() {
        return (
            target,
            Value::Null,
            Status::Fail,
            format!("{}: no such ledger", path.display()),
        );
    }
    let expect = muster_ledger::verify::Expect {
        head: g.expect_head.clone(),
        size: g.expect_size,
    };
    match muster_ledger::verify::verify_file(&path, &expect) {
        Err(e) => (target, Value::Null, Status::Fail, format!("{e:#}")),
        Ok(r) => {
            let observed = serde_json::json!({"events": r.events, "head": r.head});
            match r.problem {
                None => (
                    target,
                    observed,
                    Status::Pass,
                    format!("{} events, chain intact", r.events),
                ),
                Some(p) => (
                    target,
                    observed,
                    Status::Blocked,
                    format!("line {}: {}", p.line, p.what),
                ),
            }
        }
    }
}

fn approval(g: &Gate, ctx: &Context) -> Row {
    let action = g.action.clone().unwrap_or_default();
    let target = format!("{action} approved, on the current evidence");
    let Some(run) = &ctx.run_id else {
        return (
            target,
            Value::Null,
            Status::Fail,
            "no run: give --run-id, or an input with a run_id".into(),
        );
    };
    match ctx.approvals.iter().find(|(a, _, _)| *a == action) {
        Some((_, Some(true), who)) => (target, Value::String(who.clone()), Status::Pass, format!("{who}, on the evidence as it is now")),
        Some((_, Some(false), who)) => (
            target,
            Value::String(who.clone()),
            Status::Blocked,
            format!("stale: {who}, but the run's artifacts changed since (the evidence hash differs); approve again"),
        ),
        _ => (target, Value::Null, Status::Blocked, format!("run {run} has no {action} approval")),
    }
}

/// A path relative to `base` (absolute paths as given).
fn resolve(base: &Path, rel: &str) -> PathBuf {
    let p = Path::new(rel);
    match p.is_absolute() {
        true => p.to_path_buf(),
        false => base.join(p),
    }
}

fn short(h: &str) -> String {
    h.chars().take(12).collect()
}

/// Applies the waivers of the row's gate: one in force waives a row that
/// did not pass; an expired one is a violation whatever the gate says.
fn waive(r: &mut GateRow, waivers: &[Waiver], now: jiff::Timestamp) {
    for w in waivers.iter().filter(|w| w.gate == r.name) {
        let Ok(until) = muster_shared::time::parse_rfc3339(&w.expires) else {
            continue;
        };
        if until <= now {
            r.status = Status::Blocked;
            r.why = format!("the waiver by {} expired at {} ({}); an expired waiver is a violation: renew it or fix the gate", w.owner, w.expires, w.reason);
            r.waived_by = None;
            return;
        }
    }
    if r.status == Status::Pass {
        return;
    }
    if let Some(w) = waivers.iter().find(|w| w.gate == r.name) {
        r.waived_by = Some(format!("{}: {} (until {})", w.owner, w.reason, w.expires));
    }
}

fn summary(rows: &[GateRow]) -> Summary {
    let count = |s: Status| {
        rows.iter()
            .filter(|r| r.waived_by.is_none() && r.status == s)
            .count()
    };
    let waived = rows.iter().filter(|r| r.waived_by.is_some()).count();
    let (pass, warn, blocked, fail) = (
        count(Status::Pass),
        count(Status::Warn),
        count(Status::Blocked),
        count(Status::Fail),
    );
    let line = format!(
        "{} gates: {pass} pass, {warn} warn, {blocked} blocked, {fail} fail, {waived} waived",
        rows.len()
    );
    Summary {
        pass,
        warn,
        blocked,
        fail,
        waived,
        line,
    }
}
