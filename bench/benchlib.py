"""Helpers the bench generators and report scripts share (imported from the
scripts' own folder; the shell scripts run their report code with it on
PYTHONPATH)."""

import itertools
import json
import math
import os
import statistics
import sys


def write_lines(path, lines, count, batch=65536):
    """Writes the first `count` of `lines` to `path` (`-` is stdout), one per
    line with a trailing newline, joining `batch` at a time."""
    out = sys.stdout if path == "-" else open(path, "w", encoding="utf-8", newline="\n")
    lines = itertools.islice(lines, count)
    while True:
        chunk = list(itertools.islice(lines, batch))
        if not chunk:
            break
        out.write("\n".join(chunk) + "\n")
    out.flush()
    if out is not sys.stdout:
        out.close()


def read_facts(d):
    """The KEY=VALUE lines of `d/facts` (empty when there is none)."""
    facts = {}
    p = os.path.join(d, "facts")
    if os.path.exists(p):
        with open(p) as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition("=")
                facts[k] = v
    return facts


def times(d, name):
    """The timed runs `measure` wrote to `d/NAME.us`, in seconds (None when
    there are none)."""
    p = os.path.join(d, name + ".us")
    if not os.path.exists(p):
        return None
    with open(p) as f:
        return [int(x) / 1e6 for x in f if x.strip()]


def stats(ts):
    """Runs, median, p95 (nearest rank), min and max of `ts` seconds."""
    s = sorted(ts)
    p95 = s[max(0, math.ceil(0.95 * len(s)) - 1)]
    return {"runs": len(s), "median_s": statistics.median(s), "p95_s": p95, "min_s": s[0], "max_s": s[-1]}


def cpu_times(d, name):
    """CPU seconds (user + sys, children included) of each run, in round
    order, from the `user sys` lines `timed` (bench/lib.sh) wrote to
    `d/NAME.cpu`."""
    out = []
    with open(os.path.join(d, name + ".cpu")) as f:
        for line in f:
            parts = line.split()
            # /usr/bin/time adds "Command exited with non-zero status N" lines; skip them.
            if len(parts) == 2 and all(p.replace(".", "", 1).isdigit() for p in parts):
                out.append(float(parts[0]) + float(parts[1]))
    return out


def side(d, name, n, unit):
    """One side of a run.sh or integrate.sh comparison: the stats of its
    wall times, the runs, the median per `unit` ("per_UNIT_ms", n units a
    run) and its CPU times."""
    ts = times(d, name)
    s = stats(ts)
    cpu = cpu_times(d, name)
    return {**s, "runs_s": ts, f"per_{unit}_ms": s["median_s"] / n * 1e3,
            "cpu_s_median": statistics.median(cpu) if cpu else None, "cpu_s_runs": cpu}


def fmt_s(s):
    """Seconds for a reader: "NNN ms" below a second, else "N.NN s"."""
    return f"{s * 1e3:.0f} ms" if s < 1 else f"{s:.2f} s"


def cpu_cell(x):
    """A `side`'s median CPU time, or "" when there is none."""
    return fmt_s(x["cpu_s_median"]) if x["cpu_s_median"] is not None else ""


def cpu_note(x):
    """", CPU T" after a `side`'s figures, or "" when there is no CPU time."""
    return f", CPU {fmt_s(x['cpu_s_median'])}" if x["cpu_s_median"] is not None else ""


def spread(x):
    """"(median of N; MIN-MAX)" for a `side`."""
    return f"(median of {x['runs']}; {fmt_s(x['min_s'])}-{fmt_s(x['max_s'])})"


def write_json(out, name, doc):
    """Writes `doc` to `out/name`, indented, with a trailing newline."""
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, name), "w") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")


def machine_line(meta):
    """The start of a report's first line: when, on what, how loaded."""
    m = meta["machine"]
    return f"{meta['generated_utc']} · {m['cpu']} · {m['cores']} cores (load average {m['loadavg_at_start']} at start) · "


def md_head(meta, tool):
    """The title and first line of run.md and integrate.md: when, on what,
    the timer, TOOL's version and binary, git, the filesystem (from the
    meta.json that bench_report in bench/lib.sh writes)."""
    return [f"# {tool} benchmark", "",
            machine_line(meta) + f"timer: {meta['timer']} · {tool} {meta['muster_version']} ({meta['git_rev']}; "
            f"{meta['binary']}) · git {meta['git_version']} · {meta['machine']['filesystem']}", ""]


def write_md(out, name, tool, md, target):
    """Ends the Markdown lines `md` with the table of the one `target` and a
    pointer to bench/README.md (section TOOL) and bench/NAME.sh, writes them
    to out/NAME.md, says where NAME.json and NAME.md are, and returns the
    exit code: 1 when the target was missed and BENCH_STRICT=1, else 0."""
    md = md + ["", "| target | observed | result |", "|---|---|---|",
                f"| {target['text']} | {target['observed']} | {target['status']} |", "",
                f"See bench/README.md, section {tool}, and the comment at the top of bench/{name}.sh."]
    with open(os.path.join(out, name + ".md"), "w") as fh:
        fh.write("\n".join(md) + "\n")
    print(f"wrote {os.path.join(out, name + '.json')} and {os.path.join(out, name + '.md')}")
    return 1 if target["status"] == "MISS" and os.environ.get("BENCH_STRICT") == "1" else 0


def rounded(x, small_digits=6):
    """x with its floats rounded for a report: to `small_digits` places
    below 10, to one place from 10 on; through dicts and lists."""
    if isinstance(x, dict):
        return {k: rounded(v, small_digits) for k, v in x.items()}
    if isinstance(x, list):
        return [rounded(v, small_digits) for v in x]
    if isinstance(x, float):
        return round(x, small_digits) if abs(x) < 10 else round(x, 1)
    return x


def read_results(work, meta_path):
    """The bench's meta JSON, and every <work>/r/*/result.json (one per
    workload), unsorted."""
    with open(meta_path) as f:
        meta = json.load(f)
    rows = []
    base = os.path.join(work, "r")
    for name in os.listdir(base):
        with open(os.path.join(base, name, "result.json")) as f:
            rows.append(json.load(f))
    return meta, rows
