#!/usr/bin/env python3
"""Writes a realistic `muster.tasks/v1` task list, or a `plan next` input, deterministically.

Usage:
  gen_tasks.py tasks --count N [--seed S] [--out FILE] [--conflict-free] [--stats FILE]
  gen_tasks.py next-input --plan PLAN [--seed S] [--out FILE] [--done-fraction F]
                          [--running K] [--failed K] [--max-outstanding N]

`tasks` writes N tasks (`T-000001` ... in creation order; deps only point to
earlier tasks) as one muster.tasks/v1 document, one task per line. The graph
is shaped like real work, built from "streams" of tasks on one area of the
repo, created one after another:

* short chains (2-6 tasks, each on the one before), about 40% of streams;
* fan-ins (2-8 independent tasks, then one that needs them all), about 30%;
* diamonds (one task, 2-6 that need it, one that needs those), about 15%;
* single tasks, the rest;
* and a few long chains (50-300 tasks, one per 5,000 tasks, at least one
  from 1,000 tasks on), interleaved with the other streams.

A stream's first task(s) depend on 1-2 tasks of earlier streams, picked
among the last 1,000 or so tasks created (work builds on recent work), and
about a quarter of the other tasks get one such extra dependency: about 1.6
dependencies a task on average, a few percent of roots, and a depth (number
of topological generations) that grows with N (about 10, 55 and 500 at 1k,
10k and 100k), so the generations are a few hundred tasks wide.

Each writing task's `touches` holds 1-3 globs in the repo model of
gen_paths.py (300 services, packages, libs, apps, crates, docs, infra),
mostly in its stream's area: literal directories (`services/payments/src/
handlers/`, about 55%), literal files (`services/payments/Cargo.toml`,
about 25%), anchored wildcards (`services/payments/**/*.md`,
`packages/ui-kit/src/*.ts`, `docs/guides/**/*.md`), now and then a whole
service (`services/payments/`), and very rarely (one task in 20,000) a
floating wildcard (`*.md`, `**/fixtures/*.json`), which overlaps nearly
everything. Areas are drawn with a mild Zipf spread (some services are
busier). About 2% of the tasks are `read-only` (`reads`, no `touches`),
1% need user input, 3% hold a named resource (`{"db-<service>": 1}` mostly,
a few `{"staging": 1}` or `{"gpu": 1}`), 10% carry labels. Effort: S 30%,
M 40%, L 20%, XL 10%.

With `--conflict-free`, every writing task touches its own directory
(`work/T-000001/`) and none holds a resource, so no two tasks conflict and the
waves must be exactly networkx's topological generations.

`--stats FILE` writes counts as JSON: deps, roots, generations, the widest,
and the glob pairs whose literal prefixes overlap (all pairs, and pairs within
one generation: what a planner has to separate).

`next-input` reads a muster.plan/v1 and writes `{"plan": PLAN, "state":
STATE}` for `muster-plan next`: the state (muster.state/v1) of a run that has
gone through the plan wave by wave: the first waves done (about a third of the
tasks, `--done-fraction`), then in the next wave `--running` tasks running
(64), `--failed` failed (8), the rest pending; `locks_held` holds the running
tasks' touches and resources; every task is listed (run.created names them).
The plan's `max_outstanding` is set to `--max-outstanding` (128, as if planned
with `muster-plan --max-outstanding 128`), so `next` has free slots to fill.

Only rng.random() is used, so the output is the same on every Python 3.
"""

import argparse
import bisect
import json
import random
import sys

from benchlib import write_lines
from gen_paths import (APPS, CRATES, DOC_DIRS, INFRA_ENVS, LIBS, PACKAGES, PY_DIRS, RUST_DIRS,
                       SERVICES, TS_DIRS, WORDS, Picker, chance, lang_of, pick, uniform, zipf)

SCHEMA = "muster.tasks/v1"
WINDOW_MIN = 1000      # cross-stream deps point into the last max(WINDOW_MIN, N / WINDOW_DIV) tasks
WINDOW_DIV = 12
LONG_CHAIN_EVERY = 5000
FLOATING_EVERY = 20000

EFFORT = Picker(("S", "M", "L", "XL"), (30, 40, 20, 10))
STREAM = Picker(("chain", "fanin", "diamond", "single"), (40, 30, 15, 15))

PICK_SERVICE = zipf(SERVICES, 0.6)
PICK_PACKAGE = zipf(PACKAGES, 0.6)
PICK_LIB = zipf(LIBS, 0.6)
PICK_APP = zipf(APPS, 0.6)
PICK_CRATE = zipf(CRATES, 0.6)
AREA_KIND = Picker(("service", "package", "lib", "app", "crate", "docs", "infra"),
                   (50, 20, 8, 8, 8, 4, 2))

VERBS = ("Refactor", "Add tests for", "Fix", "Document", "Speed up", "Migrate", "Split",
         "Remove dead code in", "Add metrics to", "Harden", "Review", "Rename types in",
         "Upgrade dependencies of", "Add retries to", "Clean up", "Investigate flaky tests in")
OBJECTS = ("the refund flow", "error handling", "the public API", "config loading", "the cache",
           "pagination", "input validation", "the retry policy", "logging", "the schema",
           "auth checks", "the batch job", "timeouts", "the CLI flags", "serialization")
TEAMS = ("core", "platform", "payments", "growth", "infra", "search", "mobile", "data")
FLOATING = ("*.md", "**/fixtures/*.json", "**/test_*.py", "*.generated.ts", "**/snapshots/*.snap")


class Area:
    """A part of the repo a stream works on, and the globs a task there may write."""

    def __init__(self, rng):
        kind = AREA_KIND(rng)
        self.kind = kind
        if kind == "service":
            svc = PICK_SERVICE(rng)
            self.team = svc.split("-")[0]
            root = f"services/{svc}/"
            lang = lang_of(svc)
            if lang == "rust":
                src, dirs, ext, manifest = "src/", RUST_DIRS, "rs", "Cargo.toml"
            elif lang == "python":
                src, dirs, ext, manifest = svc.replace("-", "_") + "/", PY_DIRS, "py", "pyproject.toml"
            else:
                src, dirs, ext, manifest = "src/", TS_DIRS, "ts", "package.json"
            self.root, self.src, self.dirs, self.ext = root, root + src, dirs, ext
            self.files = (root + manifest, root + "README.md", root + "CHANGELOG.md")
            self.extra_dirs = (root + "tests/", root + "migrations/", root + "config/", root + "docs/")
            self.wild = (f"{root}**/*.md", f"{self.src}*.{ext}", f"{root}migrations/*.sql",
                         f"{root}tests/**/*.{ext}")
        elif kind in ("package", "app"):
            name = PICK_PACKAGE(rng) if kind == "package" else PICK_APP(rng)
            self.team = "web"
            root = f"{kind}s/{name}/"
            self.root, self.src, self.dirs, self.ext = root, root + "src/", TS_DIRS, "ts"
            self.files = (root + "package.json", root + "README.md", root + "tsconfig.json")
            self.extra_dirs = (root + "test/", root + "src/styles/")
            self.wild = (f"{root}src/*.ts", f"{root}src/**/*.tsx", f"{root}**/*.md")
        elif kind in ("lib", "crate"):
            name = PICK_LIB(rng) if kind == "lib" else PICK_CRATE(rng)
            self.team = "platform"
            root = f"{kind}s/{name}/"
            self.root, self.src, self.dirs, self.ext = root, root + "src/", RUST_DIRS, "rs"
            self.files = (root + "Cargo.toml", root + "README.md", root + "src/lib.rs")
            self.extra_dirs = (root + "tests/", root + "benches/")
            self.wild = (f"{root}src/*.rs", f"{root}src/??.rs", f"{root}**/*.md")
        elif kind == "docs":
            d = pick(rng, DOC_DIRS)
            self.team = "docs"
            root = f"docs/{d}/"
            self.root, self.src, self.dirs, self.ext = root, root, DOC_DIRS, "md"
            self.files = (root + "README.md", root + "index.md")
            self.extra_dirs = (root + "images/",)
            self.wild = (f"{root}**/*.md", f"{root}*.md")
        else:
            env = pick(rng, INFRA_ENVS)
            self.team = "infra"
            root = f"infra/{env}/"
            self.root, self.src, self.dirs, self.ext = root, root, ("k8s", "terraform", "helm", "monitoring", "iam"), "yaml"
            self.files = (root + "README.md", root + "versions.yaml")
            self.extra_dirs = (root + "network/",)
            self.wild = (f"{root}**/*.yaml", f"{root}terraform/*.tf")

    def glob(self, rng):
        r = rng.random()
        if r < 0.45:   # a source directory
            return f"{self.src}{pick(rng, self.dirs)}/"
        if r < 0.55:   # tests, migrations, config ...
            return pick(rng, self.extra_dirs)
        if r < 0.70:   # a source file
            return f"{self.src}{pick(rng, self.dirs)}/{pick(rng, WORDS)}.{self.ext}"
        if r < 0.86:   # manifest, README ...
            return pick(rng, self.files)
        if r < 0.98:   # an anchored wildcard
            return pick(rng, self.wild)
        return self.root  # the whole area


def other_glob(rng):
    """A glob outside the stream's area: a doc page, a shared config file, a lockfile."""
    r = rng.random()
    if r < 0.6:
        return f"docs/{pick(rng, DOC_DIRS)}/{pick(rng, WORDS)}.md"
    if r < 0.7:
        return f"docs/{pick(rng, DOC_DIRS)}/**/*.md"
    if r < 0.85:
        return f"libs/{PICK_LIB(rng)}/src/{pick(rng, RUST_DIRS)}/{pick(rng, WORDS)}.rs"
    return f"packages/{PICK_PACKAGE(rng)}/package.json"


class Gen:
    def __init__(self, count, seed, conflict_free):
        self.n = count
        self.rng = random.Random(seed)
        self.conflict_free = conflict_free
        self.window = max(WINDOW_MIN, count // WINDOW_DIV)
        self.tasks = []           # dicts, in creation (= id) order
        self.floating_due = sorted(self.rng.random() * count for _ in range(count // FLOATING_EVERY))

    def tid(self, i):
        return f"T-{i + 1:06d}"

    def recent(self):
        """An earlier task, among the last `window` created."""
        n = len(self.tasks)
        return self.tid(n - 1 - min(int(self.rng.random() * min(self.window, n)), n - 1))

    def cross_deps(self, head):
        if not self.tasks:
            return []
        rng = self.rng
        if head:
            k = 0 if chance(rng, 0.03) else (1 if chance(rng, 0.6) else 2)
        else:
            k = 1 if chance(rng, 0.25) else 0
        return [self.recent() for _ in range(k)]

    def add(self, area, deps):
        rng = self.rng
        i = len(self.tasks)
        tid = self.tid(i)
        deps = sorted(set(deps))
        t = {"id": tid, "goal": f"{pick(rng, VERBS)} {pick(rng, OBJECTS)} in {area.root.rstrip('/')}", "deps": deps}
        read_only = chance(rng, 0.02)
        if read_only:
            t["touches"] = []
            t["reads"] = [area.root]
            t["concurrency_class"] = "read-only"
        elif self.conflict_free:
            t["touches"] = [f"work/{tid}/"]
        else:
            globs = [area.glob(rng)]
            extra = Picker((0, 1, 2), (55, 35, 10))(rng)
            for _ in range(extra):
                globs.append(other_glob(rng) if chance(rng, 0.15) else area.glob(rng))
            if self.floating_due and i >= self.floating_due[0]:
                self.floating_due.pop(0)
                globs = [pick(rng, FLOATING)]
            t["touches"] = list(dict.fromkeys(globs))
        t["effort"] = EFFORT(rng)
        t["needs_user_input"] = chance(rng, 0.01)
        if not self.conflict_free and not read_only and chance(rng, 0.03):
            r = rng.random()
            name = "staging" if r < 0.01 else "gpu" if r < 0.02 else "db-" + area.root.rstrip("/").split("/")[-1]
            t["resources"] = {name: 1}
        if chance(rng, 0.10):
            t["labels"] = {"team": area.team, "ticket": f"MUS-{1000 + int(rng.random() * 90000)}"}
        self.tasks.append(t)
        return tid

    def stream(self, area, kind):
        rng = self.rng
        left = self.n - len(self.tasks)
        if kind == "chain":
            prev = None
            for _ in range(min(2 + int(rng.random() * 5), left)):
                prev = self.add(area, ([prev] if prev else []) + self.cross_deps(prev is None))
        elif kind == "fanin":
            k = min(2 + int(rng.random() * 7), left - 1)
            leaves = [self.add(area, self.cross_deps(True)) for _ in range(max(k, 0))]
            if len(self.tasks) < self.n:
                self.add(area, leaves + self.cross_deps(False))
        elif kind == "diamond":
            root = self.add(area, self.cross_deps(True))
            k = min(2 + int(rng.random() * 5), self.n - len(self.tasks) - 1)
            mids = [self.add(area, [root] + self.cross_deps(False)) for _ in range(max(k, 0))]
            if len(self.tasks) < self.n:
                self.add(area, (mids or [root]) + self.cross_deps(False))
        else:
            self.add(area, self.cross_deps(True))

    def run(self):
        rng = self.rng
        # Long chains: each advances by one task now and then, between other streams.
        longs = []
        if self.n >= 1000:
            for _ in range(max(1, self.n // LONG_CHAIN_EVERY)):
                longs.append([Area(rng), min(50 + int(rng.random() * 251), self.n // 10), None])
        while len(self.tasks) < self.n:
            if longs and chance(rng, 0.08):
                ch = pick(rng, longs)
                ch[2] = self.add(ch[0], [ch[2]] if ch[2] else self.cross_deps(True))
                ch[1] -= 1
                if ch[1] == 0:
                    longs.remove(ch)
                continue
            self.stream(Area(rng), STREAM(rng))
        return self.tasks


def task_lines(tasks):
    yield '{"schema": "%s", "tasks": [' % SCHEMA
    last = len(tasks) - 1
    for i, t in enumerate(tasks):
        yield json.dumps(t, ensure_ascii=False) + ("," if i < last else "")
    yield "]}"


def literal_prefix(g):
    g = g.lstrip("/")
    cut = len(g)
    for c in "*?[":
        j = g.find(c)
        if j != -1 and j < cut:
            cut = j
    return g[:cut]


def overlapping_pairs(globs):
    """Pairs (i < j) of (literal prefix, owner) whose prefixes are prefixes of one
    another, different owners; counted with a sort, not pairwise."""
    globs = sorted(globs)
    keys = [p for p, _ in globs]
    total = 0
    for i, (p, owner) in enumerate(globs):
        # every later entry starting with p (contiguous in sorted order)
        hi = bisect.bisect_left(keys, p + "\U0010ffff", i + 1)
        total += sum(1 for q in range(i + 1, hi) if globs[q][1] != owner)
    return total


def stats(tasks):
    idx = {t["id"]: i for i, t in enumerate(tasks)}
    gen = [0] * len(tasks)
    for i, t in enumerate(tasks):
        gen[i] = 1 + max((gen[idx[d]] for d in t["deps"]), default=-1)
    ndeps = sum(len(t["deps"]) for t in tasks)
    by_gen = {}
    for i, g in enumerate(gen):
        by_gen.setdefault(g, []).append(i)
    globs = [(literal_prefix(g), i) for i, t in enumerate(tasks) for g in t["touches"]]
    within = 0
    for members in by_gen.values():
        within += overlapping_pairs([(literal_prefix(g), i) for i in members for g in tasks[i]["touches"]])
    return {
        "tasks": len(tasks),
        "deps": ndeps,
        "avg_deps": round(ndeps / max(len(tasks), 1), 3),
        "roots": sum(1 for t in tasks if not t["deps"]),
        "generations": len(by_gen),
        "widest_generation": max((len(m) for m in by_gen.values()), default=0),
        "touches": len(globs),
        "read_only": sum(1 for t in tasks if t.get("concurrency_class") == "read-only"),
        "with_resources": sum(1 for t in tasks if t.get("resources")),
        "needs_user_input": sum(1 for t in tasks if t["needs_user_input"]),
        "floating_globs": sum(1 for p, _ in globs if p == ""),
        "overlapping_glob_pairs": overlapping_pairs(globs),
        "overlapping_glob_pairs_same_generation": within,
    }


# ---- next-input ---------------------------------------------------------------

def next_input(plan, seed, done_fraction, running, failed, max_outstanding):
    rng = random.Random(seed)
    plan = dict(plan, max_outstanding=max_outstanding)
    tasks = {t["id"]: t for t in plan["tasks"]}
    status = {tid: "pending" for tid in tasks}
    target = int(len(tasks) * done_fraction)
    done = 0
    frontier = []
    for wave in plan["waves"]:
        if done + len(wave) <= target:
            for tid in wave:
                status[tid] = "done"
            done += len(wave)
            continue
        frontier = wave
        break
    # In the frontier wave: the first `running` run, the next `failed` failed.
    ids = list(frontier)
    for tid in ids[:running]:
        status[tid] = "running"
    for tid in ids[running:running + failed]:
        status[tid] = "failed"
    base_ms = 1_795_248_000_000  # 2026-11-21T08:00:00Z
    states = {}
    locks = []
    for k, tid in enumerate(sorted(tasks)):
        s = status[tid]
        st = {"status": s, "attempts": 0, "started": None, "finished": None, "worktree": None}
        if s != "pending":
            t0 = base_ms + int(rng.random() * 3_600_000)
            st["attempts"] = 1
            st["started"] = ms_to_ts(t0)
            st["worktree"] = f".muster/worktrees/{RUN_ID}/{tid}"
            if s != "running":
                st["finished"] = ms_to_ts(t0 + 60_000 + int(rng.random() * 1_800_000))
            else:
                t = tasks[tid]
                locks.append({"task": tid, "touches": t.get("touches", []), "resources": t.get("resources", {})})
        states[tid] = st
    state = {
        "schema": "muster.state/v1",
        "run_id": RUN_ID,
        "tasks": states,
        "locks_held": locks,
        "batches": len(plan["waves"]),
        "spawned": 0,
        "budgets": {"cost_spent": 0.0, "cost_limit": None},
        "loops_without_progress": 0,
        "gates": {},
        "approvals": [],
        "kill_switch": {"active": False, "by": None, "reason": None, "since": None},
        "escalations": [],
        "events": 1 + 2 * sum(1 for s in status.values() if s != "pending"),
        "unknown_events": 0,
    }
    counts = {}
    for s in status.values():
        counts[s] = counts.get(s, 0) + 1
    return {"plan": plan, "state": state}, counts


RUN_ID = "run_20261121T080000Z_0123abcd_001"


def ms_to_ts(ms):
    import datetime as dt
    t = dt.datetime.fromtimestamp(ms / 1000, tz=dt.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("tasks", help="a muster.tasks/v1 document")
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--seed", type=int, default=20261121)
    p.add_argument("--out", default="-", help="output file (- is stdout)")
    p.add_argument("--conflict-free", action="store_true", help="every task touches its own directory")
    p.add_argument("--stats", help="write counts (deps, generations, overlapping globs) as JSON here")
    q = sub.add_parser("next-input", help="{plan, state} for muster-plan next")
    q.add_argument("--plan", required=True, help="a muster.plan/v1 file")
    q.add_argument("--seed", type=int, default=20261121)
    q.add_argument("--out", default="-")
    q.add_argument("--done-fraction", type=float, default=1 / 3)
    q.add_argument("--running", type=int, default=64)
    q.add_argument("--failed", type=int, default=8)
    q.add_argument("--max-outstanding", type=int, default=128)
    q.add_argument("--counts", help="write the status counts as JSON here")
    a = ap.parse_args()
    if a.cmd == "tasks":
        if a.count < 1:
            ap.error("--count must be at least 1")
        tasks = Gen(a.count, a.seed, a.conflict_free).run()
        assert len(tasks) == a.count
        write_lines(a.out, task_lines(tasks), a.count + 2)
        if a.stats:
            with open(a.stats, "w") as f:
                json.dump(stats(tasks), f, indent=2)
                f.write("\n")
    else:
        with open(a.plan, encoding="utf-8") as f:
            plan = json.load(f)
        doc, counts = next_input(plan, a.seed, a.done_fraction, a.running, a.failed, a.max_outstanding)
        out = sys.stdout if a.out == "-" else open(a.out, "w", encoding="utf-8")
        json.dump(doc, out, ensure_ascii=False, separators=(",", ":"))
        out.write("\n")
        if out is not sys.stdout:
            out.close()
        if a.counts:
            with open(a.counts, "w") as f:
                json.dump(counts, f)


if __name__ == "__main__":
    main()
