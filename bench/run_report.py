"""The report of bench/run.sh: the figures on stdout, bench/out/run.json and
run.md. Usage (run.sh does it): run_report.py TIMINGS_DIR OUT_DIR META_JSON.

TIMINGS_DIR holds what run.sh wrote: muster.us, loop.us, workers.us (one run
a line, microseconds, in round order), muster.cpu, loop.cpu, workers.cpu
(`user sys` seconds a line, from /usr/bin/time), facts (KEY=VALUE) and
ledger-ROUND.jsonl (the ledger of each muster-run run)."""

import datetime
import json
import os
import statistics
import sys

from benchlib import cpu_cell, cpu_note, fmt_s, md_head, read_facts, rounded, side, spread, write_json, write_md

TARGET_RATIO = 1.3  # muster-run's median wall time / the shell loop's


def ts(e):
    return datetime.datetime.strptime(e["ts_utc"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()


def phases(path, parallel):
    """Where muster-run's one loop spent the run, from the ledger's timestamps
    (milliseconds). The loop does one thing at a time, so the gaps between
    consecutive events add up to the run: a gap ending in task.dispatched is
    a start (the previous worktree's removal when it follows a collection,
    the state replay and `next`, worktree add, BRIEF.md, the ledger append);
    a gap ending in task.finished is a collection (any wait for a worker to
    exit, git add/commit, the bundle: diffs, scope check, MANIFEST, the
    append of task.finished and scope.checked)."""
    with open(path) as f:
        ev = [json.loads(line) for line in f if line.strip()]
    t = [ts(e) for e in ev]
    wall = t[-1] - t[0]
    gaps = {"dispatch": [], "collect": [], "other": []}
    for i in range(1, len(ev)):
        kind = {"task.dispatched": "dispatch", "task.finished": "collect"}.get(ev[i]["event_type"], "other")
        gaps[kind].append((t[i] - t[i - 1]) * 1e3)
    started, in_flight, running, peak = {}, 0.0, 0, 0
    for e, when in zip(ev, t):
        if e["event_type"] == "task.dispatched":
            started[e["task_id"]] = when
            running += 1
            peak = max(peak, running)
        elif e["event_type"] == "task.finished":
            in_flight += when - started.pop(e["task_id"])
            running -= 1
    durations = [e["payload"]["duration_ms"] for e in ev if e["event_type"] == "task.finished"]
    r = {"ledger_span_s": wall, "events": len(ev)}
    for k, g in gaps.items():
        if g:
            r[k] = {"count": len(g), "total_s": sum(g) / 1e3, "share": sum(g) / 1e3 / wall if wall else None,
                    "median_ms": statistics.median(g), "mean_ms": statistics.fmean(g)}
    r["worker_duration_ms"] = {"median": statistics.median(durations), "min": min(durations), "max": max(durations),
                               "what": "worker start to collection, as muster-run measured it (task.finished duration_ms)"}
    r["running_average"] = in_flight / wall if wall else None
    r["running_peak"] = peak
    r["parallel"] = parallel
    return r


def main(d, out, meta_path):
    with open(meta_path) as f:
        meta = json.load(f)
    f = read_facts(d)
    n, files, par = int(f["tasks"]), int(f["files"]), int(f["parallel"])
    m, lp, w = side(d, "muster", n, "task"), side(d, "loop", n, "task"), side(d, "workers", n, "task")
    ratio = m["median_s"] / lp["median_s"]
    overhead_ms = (m["median_s"] - lp["median_s"]) / n * 1e3
    beyond_workers_ms = (m["median_s"] - w["median_s"]) / n * 1e3
    loop_beyond_workers_ms = (lp["median_s"] - w["median_s"]) / n * 1e3
    # The phases of the muster-run run with the median time (the lower middle one for an even count).
    order = sorted(range(len(m["runs_s"])), key=lambda i: m["runs_s"][i])
    mid = order[(len(order) - 1) // 2]
    ph = phases(os.path.join(d, f"ledger-{mid + 1}.jsonl"), par)
    ph["round"] = mid + 1
    status = "PASS" if ratio <= TARGET_RATIO else "MISS"
    target = {"target": "muster_run_within_1.3x_of_loop",
              "text": f"muster-run within {TARGET_RATIO}x of the shell loop", "status": status,
              "observed": f"{ratio:.2f}x ({fmt_s(m['median_s'])} vs {fmt_s(lp['median_s'])})"}

    doc = {"schema": "muster.bench.run/v1", **meta,
           "workload": {"tasks": n, "files": files, "parallel": par, "base": f["base"], "where": f.get("where_note") or None,
                        "worker": "sh -c 'mkdir -p area/ID && echo ID > area/ID/out.txt'"},
           "muster_run": m, "shell_loop": lp, "workers_alone": w,
           "ratio_muster_over_loop": ratio, "overhead_per_task_ms": overhead_ms,
           "muster_beyond_workers_per_task_ms": beyond_workers_ms,
           "loop_beyond_workers_per_task_ms": loop_beyond_workers_ms,
           "muster_phases": ph, "targets": [target]}
    doc = rounded(doc, 4)
    write_json(out, "run.json", doc)

    w_ = 14
    lines = [
        f"== {n} tasks, {files}-file repo, {par} at once",
        f"  {'muster-run':<{w_}} {fmt_s(m['median_s']):>9}  {m['per_task_ms']:7.1f} ms a task  {spread(m)}{cpu_note(m)}",
        f"  {'shell loop':<{w_}} {fmt_s(lp['median_s']):>9}  {lp['per_task_ms']:7.1f} ms a task  {spread(lp)}{cpu_note(lp)}",
        f"  {'workers alone':<{w_}} {fmt_s(w['median_s']):>9}  {w['per_task_ms']:7.1f} ms a task  {spread(w)}{cpu_note(w)}",
        f"  muster-run / loop: {ratio:.2f}x;  overhead a task vs the loop: {overhead_ms:+.1f} ms;  "
        f"beyond the workers: muster-run {beyond_workers_ms:.1f} ms, loop {loop_beyond_workers_ms:.1f} ms a task",
    ]
    dsp, col = ph.get("dispatch"), ph.get("collect")
    lines.append(
        f"== muster-run's loop, from the ledger of round {ph['round']} ({ph['ledger_span_s']:.1f} s from run.created to run.finished)")
    if dsp:
        lines.append(f"  starting tasks    {dsp['total_s']:6.1f} s ({dsp['share'] * 100:3.0f}%)  {dsp['median_ms']:6.1f} ms median a task"
                     " (gaps ending in task.dispatched: replay and next, the append; worktree add and BRIEF.md run on their own threads)")
    if col:
        lines.append(f"  collecting tasks  {col['total_s']:6.1f} s ({col['share'] * 100:3.0f}%)  {col['median_ms']:6.1f} ms median a task"
                     " (gaps ending in task.finished: waiting for exits; commit, bundle and scope check run on their own threads, several at once)")
    wd = ph["worker_duration_ms"]
    lines.append(f"  tasks running at once: {ph['running_average']:.1f} on average, {ph['running_peak']} at most (of {par}); "
                 f"worker start to collection: {wd['median']:.0f} ms median ({wd['min']}-{wd['max']} ms)")
    lines.append("== target")
    lines.append(f"  {status:<4}  {target['text']}: {target['observed']}")
    print("\n".join(lines))

    md = md_head(meta, "muster-run") + [
        f"{n} trivial tasks (one file each, in its own directory) on a {files}-file repo, {par} at once; "
        f"medians of {m['runs']} interleaved rounds."
        + (f" The repos are {f['where_note']}." if f.get("where_note") else ""), "",
        "| | wall | a task | min-max | CPU (user+sys) |", "|---|---:|---:|---:|---:|"]
    for name, x in (("muster-run", m), ("shell loop", lp), ("workers alone", w)):
        md.append(f"| {name} | {fmt_s(x['median_s'])} | {x['per_task_ms']:.1f} ms | "
                  f"{fmt_s(x['min_s'])}-{fmt_s(x['max_s'])} | {cpu_cell(x)} |")
    md += ["", f"muster-run / loop: **{ratio:.2f}x**; muster-run's overhead a task beyond the loop: "
           f"**{overhead_ms:+.1f} ms**; beyond the workers' own time: muster-run {beyond_workers_ms:.1f} ms, "
           f"the loop {loop_beyond_workers_ms:.1f} ms a task.", ""]
    md.append(f"muster-run's loop (ledger of round {ph['round']}, {ph['ledger_span_s']:.1f} s): "
              + (f"starting tasks {dsp['total_s']:.1f} s ({dsp['share'] * 100:.0f}%, {dsp['median_ms']:.1f} ms median), " if dsp else "")
              + (f"collecting them {col['total_s']:.1f} s ({col['share'] * 100:.0f}%, {col['median_ms']:.1f} ms median); " if col else "")
              + f"{ph['running_average']:.1f} tasks running on average, {ph['running_peak']} at most.")
    return write_md(out, "run", "muster-run", md, target)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3]))
