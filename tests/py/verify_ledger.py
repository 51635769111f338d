#!/usr/bin/env python3
"""An independent checker of muster ledgers, written from DESIGN.md section 6 alone.

The rule it checks (DESIGN.md section 6): a ledger is JSON Lines, one event per
line; seq starts at 1; hashes are lowercase hex;
hash = sha256("muster-ledger-v1\\0" || JCS(event without hash)), JCS being
RFC 8785; the first event's prev_hash is 64 zeros. Whole lines only: bytes after
the last newline are a torn line, which is damage.

JCS comes from the `rfc8785` package (an implementation independent of
muster). Parsing follows RFC 8785 section 3 (I-JSON, RFC 7493): member names are
unique, NaN and Infinity do not exist, and a number is an IEEE 754 double, so an
integer token beyond +-(2^53 - 1) is read as the double it denotes.

Usage:
  verify_ledger.py LEDGER
      Prints {"events": n, "head": "...", "ok": true} and exits 0, or prints
      {"error": "...", "line": k, "ok": false} naming the first bad line and exits 2.
  verify_ledger.py --hash-events FILE
      FILE ("-" for stdin) holds JSON Lines of events without `hash`; prints the
      hash of each, one lowercase hex line per event. A line that cannot be
      hashed prints "error: ..." on stderr and exits 2.
Usage errors exit 64.
"""

import hashlib
import json
import re
import sys

import rfc8785

DOMAIN = b"muster-ledger-v1\x00"
ZERO_HASH = "0" * 64
HEX64 = re.compile(r"[0-9a-f]{64}\Z")
MAX_SAFE = 2**53 - 1


class Damage(Exception):
    """Why a line is not a valid event."""


def _pairs(pairs):
    obj = {}
    for name, value in pairs:
        if name in obj:
            raise Damage(f"duplicate member name {name!r}")
        obj[name] = value
    return obj


def _constant(word):
    raise Damage(f"{word} is not JSON")


def _integer(token):
    n = int(token)
    # RFC 8785 3.2.2.3: JSON numbers are IEEE 754 doubles.
    return n if -MAX_SAFE <= n <= MAX_SAFE else float(token)


def parse(raw):
    """Parses one line (bytes, without its newline) as I-JSON."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Damage(f"not UTF-8: {e}") from None
    try:
        return json.loads(
            text,
            object_pairs_hook=_pairs,
            parse_constant=_constant,
            parse_int=_integer,
        )
    except json.JSONDecodeError as e:
        raise Damage(f"not JSON: {e}") from None


def event_hash(event):
    """The hash of an event given without its `hash` member."""
    try:
        body = rfc8785.dumps(event)
    except rfc8785.CanonicalizationError as e:
        raise Damage(f"no RFC 8785 form: {e}") from None
    return hashlib.sha256(DOMAIN + body).hexdigest()


def check_event(event, line, prev):
    """Checks one parsed line; returns its hash."""
    if not isinstance(event, dict):
        raise Damage("not a JSON object")
    recorded = event.pop("hash", None)
    if not isinstance(recorded, str) or not HEX64.match(recorded):
        raise Damage("hash: expected 64 lowercase hex digits")
    prev_hash = event.get("prev_hash")
    if not isinstance(prev_hash, str) or not HEX64.match(prev_hash):
        raise Damage("prev_hash: expected 64 lowercase hex digits")
    seq = event.get("seq")
    if isinstance(seq, bool) or not isinstance(seq, int) or seq != line:
        raise Damage(f"seq is {seq!r}, expected {line}")
    computed = event_hash(event)
    if computed != recorded:
        raise Damage(f"hash mismatch: recorded {recorded}, content hashes to {computed}")
    if prev_hash != prev:
        raise Damage(f"prev_hash {prev_hash} is not the previous hash {prev}")
    return recorded


def verify(path):
    with open(path, "rb") as f:
        data = f.read()
    lines = data.split(b"\n")
    torn = lines.pop()  # bytes after the last newline ("" when the file ends in one)
    head = ZERO_HASH
    for n, raw in enumerate(lines, start=1):
        try:
            head = check_event(parse(raw), n, head)
        except Damage as e:
            return fail(n, str(e))
    if torn:
        return fail(len(lines) + 1, f"torn last line: {len(torn)} bytes without a newline")
    print(json.dumps({"events": len(lines), "head": head, "ok": True}, sort_keys=True))
    return 0


def fail(line, error):
    print(json.dumps({"error": error, "line": line, "ok": False}, sort_keys=True))
    return 2


def hash_events(path):
    if path == "-":
        data = sys.stdin.buffer.read()
    else:
        with open(path, "rb") as f:
            data = f.read()
    out = []
    for n, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            event = parse(raw)
            if not isinstance(event, dict):
                raise Damage("not a JSON object")
            if "hash" in event:
                raise Damage("the event carries `hash`; give events without it")
            out.append(event_hash(event))
        except Damage as e:
            sys.stderr.write(f"error: {path}: line {n}: {e}\n")
            return 2
    sys.stdout.write("".join(h + "\n" for h in out))
    return 0


def main(argv):
    if len(argv) == 2 and not argv[1].startswith("-"):
        return verify(argv[1])
    if len(argv) == 3 and argv[1] == "--hash-events":
        return hash_events(argv[2])
    sys.stderr.write(__doc__)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv))
