#!/usr/bin/env python3
"""The straightforward Python planner: the peer muster-plan is measured against.

Usage: py_plan.py [-i FILE] [-o FILE] [--capacity NAME=N ...] [--stats FILE]

Reads a muster.tasks/v1 document (FILE, or stdin; `-` is stdin), writes
`{"schema": "py-plan", "waves": [[id]], "stats": {...}}` as one line (FILE or
stdout). What a competent programmer writes in an afternoon, with networkx:

1. the dependency graph as a networkx.DiGraph (an edge dep -> task); unknown
   deps and duplicate ids are errors, and a cycle is reported with
   networkx.simple_cycles (exit 1);
2. networkx.topological_generations: each task's earliest wave;
3. wave by wave, in id order: a task whose dependencies are not all in
   earlier waves (one was pushed) moves to the next wave; otherwise it is
   checked against every task already kept in the wave, pair by pair, and if
   any two of their globs overlap, or a named resource would run out, it is
   pushed to the next wave (the later-by-id task of an overlapping pair moves;
   the next wave does the same, until every task is placed).

Two globs overlap when the literal part of one (before its first `*`, `?` or
`[`, without a leading `/`) is a prefix of the other's: `services/pay/` and
`services/pay/src/x.rs` overlap, `*.md` overlaps everything. That is sound for
muster's dialect (it never misses a conflict) but cruder than muster-plan's
exact check (`services/pay/*.md` and `services/pay/src/x.rs` overlap here), so
the two may put some tasks in different waves on inputs with conflicts; on a
conflict-free input both must give networkx's generations. Read-only tasks
(no touches) overlap nothing. A resource's capacity is 1 unless
`--capacity NAME=N` says otherwise; a task that needs more than the capacity
runs alone in its wave (for that resource).

Nothing is tuned, nothing is made slow on purpose: the pairwise check is the
obvious double loop.
"""

import argparse
import json
import sys
import time

import networkx as nx

WILD = "*?["


def literal_prefix(glob):
    g = glob.lstrip("/")
    cut = len(g)
    for c in WILD:
        i = g.find(c)
        if i != -1 and i < cut:
            cut = i
    return g[:cut]


def overlap(a, b):
    """Whether two tasks' globs (their literal prefixes) can match a common path."""
    for x in a:
        for y in b:
            if x.startswith(y) or y.startswith(x):
                return True
    return False


def fail(msg):
    print(f"py_plan.py: error: {msg}", file=sys.stderr)
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-i", "--input", default="-")
    ap.add_argument("-o", "--output", default="-")
    ap.add_argument("--capacity", action="append", default=[], metavar="NAME=N")
    ap.add_argument("--stats", help="write the phase times and counts as JSON here")
    a = ap.parse_args()
    capacity = {}
    for c in a.capacity:
        name, _, n = c.partition("=")
        if not name or not n.isdigit():
            ap.error(f"--capacity {c!r}: want NAME=N")
        capacity[name] = int(n)

    t0 = time.perf_counter()
    if a.input == "-":
        doc = json.load(sys.stdin)
    else:
        with open(a.input, encoding="utf-8") as f:
            doc = json.load(f)
    if doc.get("schema") != "muster.tasks/v1":
        fail(f"got schema {doc.get('schema')!r}, want 'muster.tasks/v1'")
    tasks = {}
    for t in doc["tasks"]:
        if t["id"] in tasks:
            fail(f"duplicate task id {t['id']!r}")
        tasks[t["id"]] = t
    t1 = time.perf_counter()

    g = nx.DiGraph()
    g.add_nodes_from(tasks)
    for tid, t in tasks.items():
        for d in t.get("deps", []):
            if d not in tasks:
                fail(f"task {tid!r}: unknown dep {d!r}")
            g.add_edge(d, tid)
    try:
        generations = [sorted(gen) for gen in nx.topological_generations(g)]
    except nx.NetworkXUnfeasible:
        for cycle in sorted(nx.simple_cycles(g)):
            print(" -> ".join(cycle + cycle[:1]), file=sys.stderr)
        fail("the dependencies have cycles (above)")
    t2 = time.perf_counter()

    prefixes = {tid: [literal_prefix(x) for x in t.get("touches", [])] for tid, t in tasks.items()}
    needs = {tid: t.get("resources", {}) for tid, t in tasks.items()}
    deps = {tid: t.get("deps", []) for tid, t in tasks.items()}
    wave_of = {}
    waves = []
    pushed = 0
    pending = list(generations[0]) if generations else []
    w = 0
    while pending or w < len(generations):
        if w > 0 and w < len(generations):
            pending = sorted(pending + generations[w])
        kept = []
        used = {}
        later = []
        for tid in pending:
            if any(wave_of.get(d, w) >= w for d in deps[tid]):
                later.append(tid)  # a dependency was pushed to this wave or later
                continue
            if any(overlap(prefixes[tid], prefixes[k]) for k in kept):
                later.append(tid)
                pushed += 1
                continue
            need = needs[tid]
            if any(used.get(r, 0) > 0 and used.get(r, 0) + n > capacity.get(r, 1) for r, n in need.items()):
                later.append(tid)
                pushed += 1
                continue
            for r, n in need.items():
                used[r] = used.get(r, 0) + n
            kept.append(tid)
            wave_of[tid] = w
        waves.append(kept)
        pending = later
        w += 1
        if not kept and pending and w >= len(generations):
            fail("internal error: no progress")  # cannot happen: the first pending task always fits
    t3 = time.perf_counter()

    out = {"schema": "py-plan", "waves": waves,
           "stats": {"tasks": len(tasks), "deps": g.number_of_edges(), "generations": len(generations),
                     "waves": len(waves), "pushed": pushed,
                     "widest_wave": max((len(x) for x in waves), default=0)}}
    text = json.dumps(out, separators=(",", ":"), ensure_ascii=False) + "\n"
    if a.output == "-":
        sys.stdout.write(text)
    else:
        with open(a.output, "w", encoding="utf-8") as f:
            f.write(text)
    t4 = time.perf_counter()
    if a.stats:
        with open(a.stats, "w") as f:
            json.dump({"read_s": t1 - t0, "generations_s": t2 - t1, "waves_s": t3 - t2, "write_s": t4 - t3,
                       **out["stats"]}, f)


if __name__ == "__main__":
    main()
