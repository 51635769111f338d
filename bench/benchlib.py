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
