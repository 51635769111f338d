"""The report of bench/integrate.sh: the figures on stdout,
bench/out/integrate.json and integrate.md. Usage (integrate.sh does it):
integrate_report.py TIMINGS_DIR OUT_DIR META_JSON.

TIMINGS_DIR holds what integrate.sh wrote, for each size N: muster-N.us,
loop-N.us (one run a line, microseconds, in round order), muster-N.cpu,
loop-N.cpu (`user sys` seconds a line, from /usr/bin/time),
loop-N.checkout.us (the loop's `git worktree add`, one run a line), and
facts (KEY=VALUE)."""

import json
import statistics
import sys

from benchlib import cpu_cell, cpu_note, fmt_s, md_head, read_facts, rounded, side, spread, times, write_json, write_md

TARGET_SIZE = 500  # bundles
TARGET_RATIO = 3.0  # the loop's median wall time / muster-integrate's, at least


def main(d, out, meta_path):
    with open(meta_path) as f:
        meta = json.load(f)
    f = read_facts(d)
    sizes = [int(x) for x in f["sizes"].split()]
    files, par = int(f["files"]), int(f["parallel"])
    rows = []
    for n in sizes:
        m, lp = side(d, f"muster-{n}", n, "bundle"), side(d, f"loop-{n}", n, "bundle")
        co = times(d, f"loop-{n}.checkout") or []
        lp["checkout_s_median"] = statistics.median(co) if co else None
        lp["checkout_s_runs"] = co
        rows.append({"bundles": n, "run_id": f.get(f"run_id_{n}"), "tree": f.get(f"tree_{n}"),
                     "bundles_kb": int(f.get(f"bundle_kb_{n}", 0)) or None,
                     "loose_objects": int(f.get(f"loose_objects_{n}", 0)) or None,
                     "making_the_bundles_s": int(f[f"gen_run_s_{n}"]) / 1e3 if f.get(f"gen_run_s_{n}") else None,
                     "muster_integrate": m, "shell_loop": lp, "ratio_loop_over_muster": lp["median_s"] / m["median_s"]})

    at = next((r for r in rows if r["bundles"] == TARGET_SIZE), None)
    text = f"muster-integrate at least {TARGET_RATIO:g}x faster than the git apply loop at {TARGET_SIZE} bundles"
    if at is None:
        target = {"target": "integrate_3x_faster_than_loop_at_500", "text": text, "status": "NOT RUN",
                  "observed": f"{TARGET_SIZE} is not in BENCH_INTEGRATE_SIZES"}
    else:
        ratio = at["ratio_loop_over_muster"]
        target = {"target": "integrate_3x_faster_than_loop_at_500", "text": text,
                  "status": "PASS" if ratio >= TARGET_RATIO else "MISS",
                  "observed": f"{ratio:.2f}x ({fmt_s(at['muster_integrate']['median_s'])} vs "
                              f"{fmt_s(at['shell_loop']['median_s'])})"}
    status = target["status"]

    doc = {"schema": "muster.bench.integrate/v1", **meta,
           "workload": {"files": files, "base": f["base"], "where": f.get("where_note") or None,
                        "bundles_made_by": f"muster-plan + muster-run --max-outstanding {par}",
                        "task": "sh -c \"echo 'TNNNN was here' >> src/mXXX/fYY.txt\", one file a task, no two on one file",
                        "loop": "git worktree add --detach WT BASE; per bundle in task id order: git diff --name-only "
                                "--no-renames BASE muster/RUN/TASK (overlap check), git -C WT apply --index DIFF.patch"},
           "sizes": rows, "targets": [target]}
    doc = rounded(doc, 4)
    write_json(out, "integrate.json", doc)

    w_ = 16
    lines = []
    for r in rows:
        n, m, lp = r["bundles"], r["muster_integrate"], r["shell_loop"]
        made = f"; making them took {fmt_s(r['making_the_bundles_s'])}" if r["making_the_bundles_s"] else ""
        lines += [
            f"== {n} bundles, {files}-file repo (run {r['run_id']}{made})",
            f"  {'muster-integrate':<{w_}} {fmt_s(m['median_s']):>9}  {m['per_bundle_ms']:6.2f} ms a bundle  {spread(m)}{cpu_note(m)}",
            f"  {'git apply loop':<{w_}} {fmt_s(lp['median_s']):>9}  {lp['per_bundle_ms']:6.2f} ms a bundle  {spread(lp)}{cpu_note(lp)}",
        ]
        if lp["checkout_s_median"] is not None:
            lines.append(f"  {'':<{w_}} of which git worktree add (the checkout): {fmt_s(lp['checkout_s_median'])} median")
        lines.append(f"  loop / muster-integrate: {r['ratio_loop_over_muster']:.2f}x")
    lines.append("== target")
    lines.append(f"  {status:<4}  {text}: {target['observed']}")
    print("\n".join(lines))

    md = md_head(meta, "muster-integrate") + [
        f"Bundles made by muster-run (one task a file, disjoint) on a {files}-file repo, integrated by "
        "`muster-integrate -i run.json` and by a bash loop (`git worktree add`, then `git diff --name-only` and "
        f"`git apply --index` per bundle); medians of {rows[0]['muster_integrate']['runs']} interleaved rounds."
        + (f" The repos are {f['where_note']}." if f.get("where_note") else ""), "",
        "| bundles | muster-integrate | git apply loop | of which checkout | loop / muster | CPU muster | CPU loop |",
        "|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        m, lp = r["muster_integrate"], r["shell_loop"]
        co = fmt_s(lp["checkout_s_median"]) if lp["checkout_s_median"] is not None else ""
        md.append(f"| {r['bundles']} | {fmt_s(m['median_s'])} ({fmt_s(m['min_s'])}-{fmt_s(m['max_s'])}) | "
                  f"{fmt_s(lp['median_s'])} ({fmt_s(lp['min_s'])}-{fmt_s(lp['max_s'])}) | {co} | "
                  f"**{r['ratio_loop_over_muster']:.2f}x** | {cpu_cell(m)} | {cpu_cell(lp)} |")
    return write_md(out, "integrate", "muster-integrate", md, target)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3]))
