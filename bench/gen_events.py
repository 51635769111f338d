#!/usr/bin/env python3
"""Writes N realistic muster events as JSON Lines (append input), deterministically.

Usage: gen_events.py --count N [--seed S] [--out FILE]   (default: stdout)

The events are what an orchestrator writes during runs: each run is
run.created, then per task task.dispatched, a few task.heartbeat, scope.checked,
task.finished, then gate.evaluated and run.finished. Every event carries
run_id (in muster's own form, run_<utc>_<8 hex>_001), task_id (but the
run-level ones), actor, its own ts_utc (milliseconds, increasing), and a small
payload: a few strings, a number or two and one small nested object.

Sealed, a line is about 440 bytes (1M events: about 440 MB), not 350: the
envelope alone (eleven keys, two 64-hex hashes, a 33-character run id, the
timestamp) is about 360 bytes before any payload, so ~350 would mean an empty
payload and shorter IDs than muster makes. The bench prints bytes per event
and MB/s so the figures can be scaled.

Nothing here depends on N but where it stops: with the same seed, the events
for N=10000 are the first 10000 of those for N=1000000.

The values stay inside what the bench's Python verifier reproduces exactly
(see py_verify_plain.py): integers below 2**53, floats with three decimals in
[0.001, 1000) (Python's repr and ECMAScript's Number.prototype.toString agree
there), ASCII object keys, and strings with some non-ASCII text and the odd
escaped character (newline, quote, tab).

No idempotency keys: keyed appends read the whole ledger to find duplicates,
plain ones only its last line; the bench measures the plain path.
"""

import argparse
import datetime as dt
import json
import random

from benchlib import write_lines

EPOCH_MS = int(dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc).timestamp() * 1000)
TASKS_PER_RUN = (20, 40)
HEARTBEATS_PER_TASK = (12, 36)
PHASES = ("checkout", "build", "test", "lint", "bundle")
NOTES = ("ok", "412 tests", "résumé → ok", "compiling", "ok\nno warnings", "\"verify\" ok",
         "retry\tfetch", "docs ✓", "lock wait")
STATUSES = ("done", "done", "done", "done", "failed", "blocked")
GATES = ("tests", "clippy", "coverage", "scope", "size")


def iso_ms(ms):
    t = dt.datetime.fromtimestamp(ms // 1000, dt.timezone.utc)
    return f"{t:%Y-%m-%dT%H:%M:%S}.{ms % 1000:03d}Z"


def compact_utc(ms):
    return dt.datetime.fromtimestamp(ms // 1000, dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def events(rng):
    """Yields events forever, run after run."""
    clock = EPOCH_MS

    def tick(lo=50, hi=2500):
        nonlocal clock
        clock += rng.randint(lo, hi)
        return iso_ms(clock)

    while True:
        # Run IDs as muster makes them: <kind>_<utc>_<8 hex of base>_<seq>.
        base = f"{rng.getrandbits(40):010x}"
        started = clock
        run_id = f"run_{compact_utc(clock)}_{base[:8]}_001"
        ntasks = rng.randint(*TASKS_PER_RUN)
        yield {
            "ts_utc": tick(), "run_id": run_id, "event_type": "run.created", "actor": "muster",
            "payload": {"base": base, "tasks": ntasks,
                        "budget": {"par": rng.randint(2, 8), "tokens": rng.randint(10**5, 10**7)}},
        }
        for t in range(1, ntasks + 1):
            task_id = f"T{t:03d}"
            worker = f"worker-{rng.randint(1, 16):02d}"
            yield {
                "ts_utc": tick(), "run_id": run_id, "event_type": "task.dispatched",
                "task_id": task_id, "actor": "muster",
                "payload": {"worker": worker, "branch": f"muster/{task_id}",
                            "attempt": rng.randint(1, 3), "limits": {"s": 1800}},
            }
            elapsed = 0
            for _ in range(rng.randint(*HEARTBEATS_PER_TASK)):
                elapsed += rng.randint(800, 20000)
                yield {
                    "ts_utc": tick(), "run_id": run_id, "event_type": "task.heartbeat",
                    "task_id": task_id, "actor": worker,
                    "payload": {"phase": rng.choice(PHASES), "note": rng.choice(NOTES), "ms": elapsed,
                                "res": {"cpu": round(rng.uniform(0.5, 900), 3), "mb": rng.randint(40, 4096)}},
                }
            yield {
                "ts_utc": tick(), "run_id": run_id, "event_type": "scope.checked",
                "task_id": task_id, "actor": "muster",
                "payload": {"status": "PASS", "files": rng.randint(1, 40), "out": {"allow": 0, "deny": 0}},
            }
            status = rng.choice(STATUSES)
            yield {
                "ts_utc": tick(), "run_id": run_id, "event_type": "task.finished",
                "task_id": task_id, "actor": worker,
                "payload": {"status": status, "exit_code": 0 if status == "done" else 2,
                            "reason": "tests pass" if status == "done" else "3 tests failed",
                            "diff": {"files": rng.randint(1, 40), "add": rng.randint(0, 2000),
                                     "del": rng.randint(0, 800)}},
            }
        for gate in GATES:
            yield {
                "ts_utc": tick(), "run_id": run_id, "event_type": "gate.evaluated", "actor": "muster",
                "payload": {"gate": gate, "status": rng.choice(("PASS", "PASS", "PASS", "FAIL")),
                            "measured": round(rng.uniform(0.3, 1.0), 3), "detail": {"checked": rng.randint(1, 500)}},
            }
        yield {
            "ts_utc": tick(), "run_id": run_id, "event_type": "run.finished", "actor": "muster",
            "payload": {"status": "done", "tasks": ntasks, "totals": {"wall_s": round((clock - started) / 1000, 3)}},
        }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, required=True, help="number of events")
    ap.add_argument("--seed", type=int, default=20261121)
    ap.add_argument("--out", default="-", help="output file (- is stdout)")
    a = ap.parse_args()
    if a.count < 1:
        ap.error("--count must be at least 1")
    rng = random.Random(a.seed)
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    write_lines(a.out, map(dumps, events(rng)), a.count, batch=8192)


if __name__ == "__main__":
    main()
