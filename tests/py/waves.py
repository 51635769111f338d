#!/usr/bin/env python3
"""Checks muster-plan's waves against networkx.topological_generations.

On a task graph where no two tasks conflict (no overlapping touches, no
resources), muster-plan's waves must be exactly the topological generations
of the dependency graph: wave i holds the tasks whose longest chain of
dependencies has i tasks before them. networkx computes those independently
of muster. The waves are compared as a list of sets: the order of the waves
matters, the order of the ids inside a wave does not.

Usage:
  waves.py
      stdin: JSON Lines, one case a line: {"name": "...", "tasks": [{"id":
      "A", "deps": ["B", ...]}, ...], "waves": [["B"], ["A"]]} (the tasks as
      given to muster-plan, the waves it wrote; extra task fields are ignored).
  waves.py --tasks TASKS.json --plan PLAN.json
      one case: a muster.tasks/v1 file and the muster.plan/v1 muster-plan made.

Prints {"cases": n, "ok": bool, "failures": [{"case", "why", ...}]} and exits
0 when every case agrees, 2 when one does not; 1 on unreadable input, 64 on
bad usage.
"""

import json
import sys

import networkx as nx

SHOW = 20  # ids shown per side in a failure


def generations(tasks):
    g = nx.DiGraph()
    g.add_nodes_from(t["id"] for t in tasks)
    for t in tasks:
        for d in t.get("deps", []):
            g.add_edge(d, t["id"])
    return [set(gen) for gen in nx.topological_generations(g)]


def check(name, tasks, waves):
    """None when the waves are the generations, else a failure record."""
    ids = [t["id"] for t in tasks]
    placed = [x for w in waves for x in w]
    if len(placed) != len(set(placed)):
        dup = sorted({x for x in placed if placed.count(x) > 1})[:SHOW]
        return {"case": name, "why": "a task is in more than one wave (or twice in one)", "ids": dup}
    if set(placed) != set(ids):
        return {"case": name, "why": "the waves do not hold exactly the tasks",
                "missing": sorted(set(ids) - set(placed))[:SHOW],
                "unknown": sorted(set(placed) - set(ids))[:SHOW]}
    try:
        gens = generations(tasks)
    except nx.NetworkXUnfeasible:
        return {"case": name, "why": "the dependency graph has a cycle, yet muster-plan made waves"}
    got = [set(w) for w in waves]
    if got == gens:
        return None
    for i in range(max(len(got), len(gens))):
        a = got[i] if i < len(got) else set()
        b = gens[i] if i < len(gens) else set()
        if a != b:
            return {"case": name, "why": f"wave {i} differs ({len(got)} waves from muster-plan, "
                                         f"{len(gens)} generations from networkx)",
                    "wave": i, "only_muster": sorted(a - b)[:SHOW], "only_networkx": sorted(b - a)[:SHOW]}
    return {"case": name, "why": "waves differ"}  # unreachable


def main(argv):
    cases = []
    try:
        if len(argv) == 0:
            for n, line in enumerate(sys.stdin, 1):
                if line.strip():
                    c = json.loads(line)
                    cases.append((c.get("name", f"line {n}"), c["tasks"], c["waves"]))
        elif len(argv) == 4 and argv[0] == "--tasks" and argv[2] == "--plan":
            with open(argv[1], encoding="utf-8") as f:
                tasks = json.load(f)["tasks"]
            with open(argv[3], encoding="utf-8") as f:
                waves = json.load(f)["waves"]
            cases.append((argv[3], tasks, waves))
        else:
            print(__doc__, file=sys.stderr)
            return 64
    except (OSError, ValueError, KeyError, TypeError) as e:
        print(f"waves.py: error: cannot read the input: {e!r}", file=sys.stderr)
        return 1
    failures = [f for f in (check(*c) for c in cases) if f]
    json.dump({"cases": len(cases), "ok": not failures, "failures": failures}, sys.stdout)
    sys.stdout.write("\n")
    return 2 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
