"""Writes BENCHMARKS.md at the repo root from the results every benchmark
leaves in bench/out (ledger.json, scope.json, plan.json, run.json,
integrate.json): the machine, then one table per tool (workload, muster's
figure, the peer's figure from the same run, the ratio, the target and
whether it was met), then every target met or missed.

Usage: python3 bench/benchmarks.py [--results DIR] [--output FILE]
(`make bench` runs it last). DIR defaults to $BENCH_OUT, else bench/out;
FILE to BENCHMARKS.md at the repo root.

Verdicts are not decided here: each benchmark's report step decides PASS or
MISS for its own targets and writes it to its JSON (`targets`, and for the
ledger one verdict a size under `sizes[].targets`); this script copies
them. A benchmark whose JSON is missing or unreadable is shown as "not run"
with the targets it would have measured (TARGETS below); a target its JSON
does not report (a smaller workload, `n/a`, `NOT RUN`) is "not measured".
Neither counts as met. Exit 0, or 1 with BENCH_STRICT=1 when a target was
missed."""

import argparse
import datetime
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

# The targets each benchmark reports (its JSON's `targets[].target`) and, for a
# benchmark that did not run, what each one is. The texts are the benchmarks'
# own; the verdicts always come from the JSON.
TARGETS = {
    "ledger": [
        ("verify_1m_under_1_5s", "verify of 1M events under 1.5 s", "verify 1,000,000 events", "< 1.5 s"),
        ("verify_10x_python", "verify at least 10x faster than the plain Python verifier",
         "verify, at every size", ">= 10x faster than python"),
        ("verify_within_2x_openssl", "verify within 2x of openssl dgst -sha256",
         "verify, at every size", "<= 2x openssl's time"),
        ("append_under_5ms", "one append under 5 ms (median) at every size", "append one event, at every size", "< 5 ms median"),
    ],
    "scope": [
        ("muster_1m_x_1000_under_1s", "muster-scope, 1M paths x 1000 globs, whole process with the report, under 1 s",
         "1,000,000 paths x 1000 allow globs", "< 1 s"),
        ("vs_pathspec_simple_1m_x_100", "at 1M x 100: at least 25x faster than pathspec's simple backend",
         "1,000,000 paths x 100 allow globs", ">= 25x faster than pathspec simple"),
        ("vs_pathspec_re2_1m_x_100", "at 1M x 100: at least 5x faster than pathspec's re2 backend",
         "1,000,000 paths x 100 allow globs", ">= 5x faster than pathspec re2"),
    ],
    "plan": [
        ("plan_100k_under_1s", "muster-plan, 100k tasks, whole process, under 1 s", "plan 100,000 tasks", "< 1 s"),
        ("vs_py_plan_100k_40x", "at 100k tasks, at least 40x faster than py_plan.py", "plan 100,000 tasks",
         ">= 40x faster than py_plan.py"),
        ("next_100k_under_200ms", "muster-plan next on the state of a 100k-task run, under 200 ms",
         "`muster-plan next` on a 100,000-task run's state", "< 200 ms"),
        ("small_muster-plan_under_5ms", "muster-plan on 10 tasks: under 5 ms (median, process start included)",
         "small input: muster-plan on 10 tasks", "< 5 ms median"),
        ("small_muster-route_under_5ms", "muster-route --goal x: under 5 ms (median, process start included)",
         "small input: muster-route --goal x", "< 5 ms median"),
        ("small_muster-scope_under_5ms", "muster-scope on 10 paths x 10 globs: under 5 ms (median, process start included)",
         "small input: muster-scope on 10 paths x 10 globs", "< 5 ms median"),
        ("small_muster-ledger_under_5ms", "muster-ledger verify of 10 events: under 5 ms (median, process start included)",
         "small input: muster-ledger verify of 10 events", "< 5 ms median"),
    ],
    "run": [
        ("muster_run_within_1.3x_of_loop", "muster-run within 1.3x of the shell loop",
         "200 trivial tasks, 2,000-file repo, 8 at once", "<= 1.3x the shell loop's time"),
    ],
    "integrate": [
        ("integrate_3x_faster_than_loop_at_500", "muster-integrate at least 3x faster than the git apply loop at 500 bundles",
         "integrate 500 bundles", ">= 3x faster than the git apply loop"),
    ],
}

# (results file stem, tool, script, section of bench/README.md)
BENCHES = [
    ("ledger", "muster-ledger", "bench/ledger.sh", "the top of the file"),
    ("scope", "muster-scope", "bench/scope.sh", "muster-scope"),
    ("plan", "muster-plan", "bench/plan.sh", "muster-plan"),
    ("run", "muster-run", "bench/run.sh", "muster-run"),
    ("integrate", "muster-integrate", "bench/integrate.sh", "muster-integrate"),
]

MET, MISSED, NOT_MEASURED, NOT_RUN = "met", "**MISSED**", "not measured", "not run"
VERDICT = {"PASS": MET, "MISS": MISSED}


def verdict(status):
    """A benchmark's status word (PASS, MISS, n/a, NOT RUN, ...) as shown here."""
    return VERDICT.get(status, NOT_MEASURED)


def flag(ok):
    """A per-size boolean verdict from the ledger's JSON."""
    return NOT_MEASURED if ok is None else (MET if ok else MISSED)


def fmt_s(s):
    """Seconds for a reader: 2 decimals under 10 ms, whole ms under 1 s, else 2 decimals of s."""
    if s is None:
        return "-"
    if s < 0.01:
        return f"{s * 1e3:.2f} ms"
    return f"{s * 1e3:.0f} ms" if s < 1 else f"{s:.2f} s"


def cell(x):
    """A table cell: no bare pipes or newlines."""
    return str(x).replace("|", "\\|").replace("\n", " ")


def machine_now():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        with open("/proc/loadavg") as f:
            load = " ".join(f.read().split()[:3])
    except OSError:
        load = "unknown"
    return cpu, os.cpu_count() or 0, load


def git_rev():
    try:
        return subprocess.run(["git", "-C", REPO, "describe", "--always", "--dirty"], capture_output=True,
                              text=True, check=True).stdout.strip() or "unknown"
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def load(path):
    """(doc, None) or (None, why not)."""
    if not os.path.exists(path):
        return None, "no results file"
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        return None, f"unreadable results file ({e.__class__.__name__}: {e})"
    if not isinstance(doc, dict):
        return None, "unreadable results file (not a JSON object)"
    return doc, None


def target_map(doc):
    return {t.get("target"): t for t in doc.get("targets") or [] if isinstance(t, dict)}


class Row:
    """One line of a tool's table. `target` is the key of the JSON target it
    bears on (or None) and `met` the verdict shown on this line."""

    def __init__(self, workload, muster, peer="-", ratio="-", target_text="-", met="-", target=None):
        self.cells = [workload, muster, peer, ratio, target_text, met]
        self.target = target


# ---- one builder per benchmark: rows from its JSON -------------------------------

def ledger_rows(doc, tm):
    rows = []
    for s in doc.get("sizes", []):
        n, per = s["events"], s.get("targets", {})
        w = f"{n:,} events ({s['bytes'] / 1e6:.1f} MB)"
        a, v, p, o = s["append_one"], s["verify"], s["py_verify"], s["openssl"]
        r = s["ratios"]
        rows.append(Row(f"append one event to {w}", f"{a['median_ms']:.2f} ms (p95 {a['p95_ms']:.2f} ms)",
                        target_text="< 5 ms median", met=flag(per.get("append_under_5ms")), target="append_under_5ms"))
        rows.append(Row(f"verify {w}", fmt_s(v["median_s"]), f"python plain verifier: {fmt_s(p['median_s'])}",
                        f"{r['verify_vs_python_faster']:.1f}x faster", ">= 10x faster",
                        flag(per.get("verify_10x_python")), "verify_10x_python"))
        rows.append(Row(f"verify {w}", fmt_s(v["median_s"]), f"openssl dgst -sha256: {fmt_s(o['median_s'])}",
                        f"{r['verify_vs_openssl_slower']:.2f}x openssl's time", "<= 2x openssl's time",
                        flag(per.get("verify_within_2x_openssl")), "verify_within_2x_openssl"))
        if "verify_1m_under_1_5s" in per:
            rows.append(Row(f"verify {w}", fmt_s(v["median_s"]), target_text="< 1.5 s",
                            met=flag(per["verify_1m_under_1_5s"]), target="verify_1m_under_1_5s"))
    return rows


def scope_rows(doc, tm):
    rows = []
    where = {"muster_1m_x_1000_under_1s": ((1_000_000, 1000), None, "< 1 s"),
             "vs_pathspec_simple_1m_x_100": ((1_000_000, 100), "simple", ">= 25x faster"),
             "vs_pathspec_re2_1m_x_100": ((1_000_000, 100), "re2", ">= 5x faster")}
    for r in doc.get("workloads", []):
        key = (r["paths"], r["allow_globs"])
        w = f"{r['paths']:,} paths x {r['allow_globs']} allow globs (+{r['deny_globs']} deny)"
        m = fmt_s(r["muster"]["median_s"])
        for b in ("simple", "re2"):
            p = r.get("pathspec", {}).get(b)
            if p is None:
                peer, ratio = f"pathspec {b}: not available", "-"
            elif p.get("skipped"):
                peer, ratio = f"pathspec {b}: skipped (estimated {p['estimated_s']} s)", "-"
            else:
                peer = f"pathspec {b}: {fmt_s(p['median_s'])}" + ("" if p.get("agrees") else " (REPORTS DIFFER)")
                ratio = f"{p['muster_faster_x']:.1f}x faster"
            t = next((k for k, (at, be, _) in where.items() if at == key and be == b), None)
            rows.append(Row(w, m, peer, ratio, where[t][2] if t else "-", verdict(tm[t]["status"]) if t in tm else "-", t))
        t = "muster_1m_x_1000_under_1s"
        if key == where[t][0]:
            rows.append(Row(w + ", whole process with the report", m, target_text="< 1 s",
                            met=verdict(tm[t]["status"]) if t in tm else "-", target=t))
    return rows


def plan_rows(doc, tm):
    rows = []
    for r in doc.get("sizes", []):
        n, m, p, g = r["tasks"], r["muster"], r["py_plan"], r["input"]
        w = f"plan {n:,} tasks ({g['deps']:,} deps, {g['generations']} generations)"
        if "timed_out_after_s" in p:
            peer, ratio = f"py_plan.py: timed out after {p['timed_out_after_s']} s", "-"
        else:
            peer, ratio = f"py_plan.py (networkx): {fmt_s(p['median_s'])}", f"{p['muster_faster_x']:.1f}x faster"
        t = "vs_py_plan_100k_40x" if n == 100_000 else None
        rows.append(Row(w, fmt_s(m["median_s"]), peer, ratio, ">= 40x faster" if t else "-",
                        verdict(tm[t]["status"]) if t in tm else "-", t))
        if n == 100_000:
            t = "plan_100k_under_1s"
            rows.append(Row(f"plan {n:,} tasks, whole process", fmt_s(m["median_s"]), target_text="< 1 s",
                            met=verdict(tm[t]["status"]) if t in tm else "-", target=t))
    nxt = doc.get("next") or {}
    if nxt.get("status") == "ok":
        t = "next_100k_under_200ms"
        rows.append(Row(f"`muster-plan next` on a {nxt['tasks']:,}-task run's state", f"{fmt_s(nxt['median_s'])} (p95 {fmt_s(nxt['p95_s'])})",
                        target_text="< 200 ms", met=verdict(tm[t]["status"]) if t in tm else "-", target=t))
    for s in doc.get("small", []):
        t = f"small_{s['tool']}_under_5ms"
        fig = f"{fmt_s(s['median_s'])} (p95 {fmt_s(s['p95_s'])})" if s.get("status") == "ok" else s.get("status", "?")
        rows.append(Row(f"small input: `{s['command']}`", fig, target_text="< 5 ms median",
                        met=verdict(tm[t]["status"]) if t in tm else "-", target=t))
    return rows


def run_rows(doc, tm):
    wl, m, lp = doc["workload"], doc["muster_run"], doc["shell_loop"]
    t = "muster_run_within_1.3x_of_loop"
    return [Row(f"{wl['tasks']} trivial tasks, {wl['files']:,}-file repo, {wl['parallel']} at once (median of {m['runs']})",
                fmt_s(m["median_s"]), f"shell loop (git worktree/add/commit/diff): {fmt_s(lp['median_s'])}",
                f"{doc['ratio_muster_over_loop']:.2f}x the loop's time", "<= 1.3x the loop's time",
                verdict(tm[t]["status"]) if t in tm else "-", t)]


def integrate_rows(doc, tm):
    rows = []
    files = doc.get("workload", {}).get("files")
    for r in doc.get("sizes", []):
        n, m, lp = r["bundles"], r["muster_integrate"], r["shell_loop"]
        t = "integrate_3x_faster_than_loop_at_500" if n == 500 else None
        rows.append(Row(f"integrate {n} bundles, {files:,}-file repo (median of {m['runs']})", fmt_s(m["median_s"]),
                        f"git diff --name-only + git apply loop: {fmt_s(lp['median_s'])}",
                        f"{r['ratio_loop_over_muster']:.1f}x faster", ">= 3x faster" if t else "-",
                        verdict(tm[t]["status"]) if t in tm else "-", t))
    return rows


BUILDERS = {"ledger": ledger_rows, "scope": scope_rows, "plan": plan_rows, "run": run_rows, "integrate": integrate_rows}


def checks(name, doc):
    """The benchmark's own same-answer check, when it has one."""
    if name == "scope" and "reports_agree" in doc:
        return ("muster-scope's and pathspec's reports byte-identical on every workload: "
                + ("yes" if doc["reports_agree"] else f"**NO** ({', '.join(doc.get('disagreements', []))})"))
    if name == "plan" and doc.get("conflict_free_check"):
        c = doc["conflict_free_check"]
        return (f"muster-plan's waves equal networkx's topological generations on the conflict-free {c.get('tasks') or '?'}-task input: "
                + ("yes" if c.get("waves_equal_networkx_generations") else f"**NO** ({c.get('detail')})"))
    return None


def filesystem(name, doc):
    if name == "ledger":
        fs = sorted({s.get("fs") for s in doc.get("sizes", []) if s.get("fs")})
        return ", ".join(fs) + " (ledgers, fsync'd appends)" if fs else "-"
    if name in ("run", "integrate"):
        return doc.get("machine", {}).get("filesystem") or "-"
    return "- (page cache; no fsync)"


def peers(name, doc):
    if name == "ledger":
        return "bench/py_verify_plain.py (json + hashlib), openssl dgst -sha256"
    if name == "scope":
        v = f"pathspec {doc.get('pathspec_version')}"
        return v + (f", google-re2 {doc['re2_version']}" if doc.get("re2_version")
                    else f" (re2 backend not available: {doc.get('re2_unavailable')})")
    if name == "plan":
        return f"bench/py_plan.py (Python {doc.get('python_version')}, networkx {doc.get('networkx_version')})"
    if name == "run":
        return "a bash loop doing the same git work, 8 at once"
    return "a bash loop of git diff --name-only + git apply --index onto a fresh worktree"


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--results", default=os.environ.get("BENCH_OUT") or os.path.join(REPO, "bench", "out"))
    ap.add_argument("--output", default=os.path.join(REPO, "BENCHMARKS.md"))
    a = ap.parse_args(argv)

    cpu, cores, load_now = machine_now()
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    loaded = {name: load(os.path.join(a.results, name + ".json")) for name, *_ in BENCHES}

    shown_results = os.path.abspath(a.results)
    if shown_results.startswith(REPO + os.sep):
        shown_results = os.path.relpath(shown_results, REPO)
    md = ["# Benchmarks", "",
          f"Generated by `make bench` (its last step, `python3 bench/benchmarks.py`, reads `{shown_results}/*.json`); "
          "do not edit by hand. What each figure measures, and how to read it: `bench/README.md`.", "",
          f"- generated: {now}, at git `{git_rev()}`",
          f"- machine: {cpu}, {cores} cores; load average at generation {load_now} "
          "(the machine is shared: see each benchmark's load average below)",
          "- figures: wall-clock medians of whole processes, start-up included; the peer ran in the same run, "
          "on the same input, on the same machine. A ratio is only as good as the machine was quiet.",
          "- verdicts are the benchmarks' own (PASS/MISS in their JSON), copied; \"not measured\": the run left "
          "that workload out or could not run it; \"not run\": no results file. Neither counts as met.", "",
          "| benchmark | measured (UTC) | checkout | cores | load average start -> end | filesystem | timer |",
          "|---|---|---|---:|---|---|---|"]
    for name, tool, script, _ in BENCHES:
        doc, why = loaded[name]
        if doc is None:
            md.append(f"| {tool} | {NOT_RUN}: {cell(why)} | | | | | |")
            continue
        mc = doc.get("machine", {})
        md.append(f"| {tool} | {doc.get('generated_utc', '?')} | `{cell(doc.get('git_rev', '?'))}` | {mc.get('cores', '?')} "
                  f"| {mc.get('loadavg_at_start', '?')} -> {mc.get('loadavg_at_end', '?')} | {cell(filesystem(name, doc))} "
                  f"| {cell(doc.get('timer', '?'))} |")
    others = sorted({d.get("machine", {}).get("cpu") for d, _ in loaded.values() if d} - {cpu})
    if others:
        md += ["", f"Some results were measured on another CPU than this one: {', '.join(others)}."]
    # ledger.sh notes `rev-parse --short HEAD`, the others `describe --dirty`: compare the commits.
    revs = sorted({str(d.get("git_rev")).removesuffix("-dirty") for d, _ in loaded.values() if d})
    if len(revs) > 1:
        md += ["", f"The results come from more than one commit ({', '.join(f'`{r}`' for r in revs)}): "
               "not all benchmarks ran in this `make bench`, or the tree changed between them."]

    summary = []  # (tool, text, observed, shown verdict)
    for name, tool, script, section in BENCHES:
        doc, why = loaded[name]
        md += ["", f"## {tool}", ""]
        known = TARGETS[name]
        if doc is None:
            md += [f"**Not run** ({why} at `{shown_results}/{name}.json`): "
                   f"`{script}` did not finish, or was not run.", "",
                   "| workload | muster | peer (same run) | ratio | target | met? |", "|---|---:|---|---:|---|---|"]
            for key, text, work, goal in known:
                md.append(f"| {cell(work)} | - | - | - | {cell(goal)} | {NOT_RUN} |")
                summary.append((tool, text, "-", NOT_RUN))
            continue
        tm = target_map(doc)
        md.append(f"`{script}`, {doc.get('generated_utc', '?')}; binary {cell(doc.get('binary', '?'))}; "
                  f"peer: {peers(name, doc)}. See bench/README.md ({section}).")
        if doc.get("workload", {}).get("where"):
            md += ["", f"The repos were {doc['workload']['where']}."]
        c = checks(name, doc)
        if c:
            md += ["", c]
        try:
            rows = BUILDERS[name](doc, tm)
        except (KeyError, TypeError, ValueError) as e:
            rows = []
            md += ["", f"The figures could not be read from `{name}.json` ({e.__class__.__name__}: {e}); "
                   "the verdicts below are its own."]
        # Every target the benchmark knows or reports: the lines above bear the
        # ones that were measured; the others get a line of their own.
        catalogue = {k: rest for k, *rest in known}
        shown = {r.target for r in rows}
        for key in [k for k, *_ in known] + [k for k in tm if k not in catalogue]:
            t = tm.get(key)
            text, work, goal = catalogue.get(key, (None, None, None))
            if t is None:
                observed, v = "not in the results file", NOT_MEASURED
            else:
                text, v = t.get("text", text or key), verdict(t.get("status"))
                observed = t.get("observed")
                if observed is None and "per_size" in t:  # the ledger: one verdict a size
                    observed = ", ".join(f"{int(k):,} events: {'yes' if ok else 'no'}" for k, ok in t["per_size"].items()) or "not run"
                if observed is None:
                    observed = t.get("status", "?")
            summary.append((tool, text, observed, v))
            if key not in shown:
                rows.append(Row(work or text, observed, target_text=goal or text, met=v, target=key))
        md += ["", "| workload | muster | peer (same run) | ratio | target | met? |", "|---|---:|---|---:|---|---|"]
        for r in rows:
            md.append("| " + " | ".join(cell(x) for x in r.cells) + " |")

    count = {v: sum(1 for s in summary if s[3] == v) for v in (MET, MISSED, NOT_MEASURED, NOT_RUN)}
    md += ["", "## Summary", "",
           f"{len(summary)} targets: **{count[MET]} met**, **{count[MISSED]} missed**, "
           f"{count[NOT_MEASURED]} not measured, {count[NOT_RUN]} not run.", "",
           "| benchmark | target | observed | met? |", "|---|---|---|---|"]
    for tool, text, observed, v in summary:
        md.append(f"| {tool} | {cell(text)} | {cell(observed)} | {v} |")
    missed = [s for s in summary if s[3] == MISSED]
    if missed:
        md += ["", "Missed: " + "; ".join(f"{tool}: {text} ({observed})" for tool, text, observed, _ in missed) + "."]

    with open(a.output, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(md) + "\n")
    print(f"wrote {a.output}: {len(summary)} targets, {count[MET]} met, {count[MISSED]} missed, "
          f"{count[NOT_MEASURED]} not measured, {count[NOT_RUN]} not run")
    return 1 if missed and os.environ.get("BENCH_STRICT") == "1" else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
