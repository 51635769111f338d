#!/usr/bin/env python3
"""A plain muster ledger verifier, from DESIGN.md section 6 alone: json + hashlib.

Usage: py_verify_plain.py LEDGER

Checks, line by line, what `muster-ledger verify` checks of the chain:
  hash      = sha256("muster-ledger-v1\\0" + JCS(event without "hash")), lowercase hex
  prev_hash = the previous line's hash (64 zeros for the first)
  seq       = the line number (1, 2, 3, ...)
and that the file ends with a newline (no torn last line). Prints one JSON
object ({"events": N, "head": HASH, ...}) and exits 0, or names the first bad
line on stderr and exits 2.

JCS (RFC 8785) is approximated with
    json.dumps(ev, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
which is NOT RFC 8785 in general: Python sorts keys by code point where JCS
sorts by UTF-16 code unit (they differ only for keys outside the BMP), and
Python's float repr differs from ECMAScript's Number.prototype.toString for
exponents outside [1e-4, 1e16) (1e-05 vs 0.00001, 1e+16 vs 10000000000000000),
and writes 1.0 where JCS writes 1. It IS exact for the events bench/gen_events.py
makes: ASCII keys, integers below 2**53, floats with three decimals in
[0.001, 1000), and strings whose escapes (control characters, quote,
backslash) Python writes the way JCS does. It is a baseline for speed, not a
reference implementation: tests/py uses the rfc8785 package for that.

Deliberately plain: one process, one thread, the standard library only, the
obvious loop. That is what "someone checks the chain in another language"
costs, which is what the bench compares muster verify against.
"""

import hashlib
import json
import sys

DOMAIN = b"muster-ledger-v1\0"
ZERO = "0" * 64


def fail(n, what):
    sys.stderr.write(f"py_verify_plain: line {n}: {what}\n")
    sys.exit(2)


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: py_verify_plain.py LEDGER\n")
        sys.exit(64)
    path = sys.argv[1]
    prev = ZERO
    n = 0
    nbytes = 0
    dumps = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
    with open(path, "rb") as f:
        for n, line in enumerate(f, 1):
            nbytes += len(line)
            if not line.endswith(b"\n"):
                fail(n, "torn last line (no newline)")
            try:
                ev = json.loads(line)
            except ValueError as e:
                fail(n, f"not JSON: {e}")
            if not isinstance(ev, dict):
                fail(n, "not an object")
            recorded = ev.pop("hash", None)
            if not isinstance(recorded, str):
                fail(n, "no hash")
            if ev.get("seq") != n:
                fail(n, f"seq is {ev.get('seq')!r}, expected {n}")
            if ev.get("prev_hash") != prev:
                fail(n, f"prev_hash does not match the hash of line {n - 1}")
            body = dumps(ev).encode("utf-8")
            computed = hashlib.sha256(DOMAIN + body).hexdigest()
            if computed != recorded:
                fail(n, f"hash mismatch: recorded {recorded}, content hashes to {computed}")
            prev = recorded
    json.dump({"verifier": "py_verify_plain", "status": "PASS", "events": n, "bytes": nbytes, "head": prev},
              sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
