#!/usr/bin/env python3
"""The Python peer of `muster-scope --paths`: the same job with the `pathspec` package.

Usage:
  py_pathspec.py --backend simple|re2 -i PATHS --allow-file FILE [--deny GLOB]... [-o OUT] [--stats FILE]
  py_pathspec.py --check-backend re2     (exit 0 when the backend works here, else say why)

Reads the path list (one path per line, as given, like `muster-scope --paths`:
a final newline ends the last path), the allow globs (`--allow-file`: one per
line, blank lines and lines starting with `#` skipped, as muster-scope does)
and the deny globs, and decides every path the way muster-scope does:

1. a path that is not a normal repo-relative path (absolute, a `..`, `.` or
   empty segment, inside `.git`) is a violation;
2. a path matched by a deny glob is a violation, decided by the first deny
   glob that matches;
3. a path under a protected directory (`.github/workflows/`, `.muster/`) is
   a violation (muster allows it when an allow glob names something inside
   it; the bench's globs never do);
4. else the first allow glob that matches allows it; else "not in the
   allowlist".

Matching is `pathspec.PathSpec.from_lines("gitwildmatch", globs, backend=...)`
(in pathspec 1.x the deprecated name "gitwildmatch" is `GitIgnoreSpecPattern`,
gitignore's syntax). pathspec reports the *last* pattern that matches; the
globs are given to it in reverse order, so its last match is the *first* glob
in the given order: the one muster-scope names in `decided_by`. With the
"simple" backend (pathspec's own, pure Python: one `re` match per pattern,
stopping at the first hit) that is also the cheapest order.

`--backend simple` is pathspec's default backend when no optional engine is
installed; pathspec >= 1.0 picks "re2" by itself once google-re2 is there, so
the bench always names the backend. `re2` compiles all patterns into one
`re2.Set`.

Writes a `muster.scope-report/v1` with the same fields, order and formatting
as `muster-scope --compact` (one line): for the same input the two reports are
byte-identical, which is how the bench checks that both did the same job.
Exit 0 PASS, 2 BLOCKED (any violation), 1 on a bad input, like muster-scope.
`--stats FILE` writes the time of each phase (read, compile, decide, write).
"""

import argparse
import json
import sys
import time
import warnings

PROTECTED = (".github/workflows/", ".muster/")


def path_problem(p):
    """muster-scope's rule 1 (scope-check/src/policy.rs, path_problem)."""
    if not p:
        return "empty path"
    if p[0] == "/":
        return "absolute path: outside the repo"
    for seg in p.split("/"):
        if seg == "..":
            return "path escapes the repo (..)"
        if len(seg) == 4 and seg.lower() == ".git":
            return "path inside .git"
        if seg == "" or seg == ".":
            return "not a normal repo-relative path (empty or . segment)"
    return None


def check_backend(name):
    """Whether pathspec's backend `name` works here; prints why not."""
    try:
        import pathspec
        spec = pathspec.PathSpec.from_lines("gitignore", ["*.md"], backend=name)
        ok = spec.match_file("a/b.md") and not spec.match_file("a/b.rs")
    except Exception as e:  # noqa: BLE001 - any failure means "not available"
        print(f"{type(e).__name__}: {e}")
        return False
    if not ok:
        print("the backend gives wrong answers on a smoke test")
    return bool(ok)


def read_globs(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    # As muster-scope's --allow-file: str::lines (a final \r is dropped), skip blanks and #.
    lines = [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]
    if lines and lines[-1] == "":
        lines.pop()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", choices=("simple", "re2", "hyperscan"), default="simple")
    ap.add_argument("-i", "--input", help="the path list, one per line (- is stdin)")
    ap.add_argument("--allow-file", action="append", default=[], help="allow globs, one per line")
    ap.add_argument("--allow", action="append", default=[], help="an allow glob")
    ap.add_argument("--deny", action="append", default=[], help="a deny glob")
    ap.add_argument("-o", "--out", default="-", help="the report (- is stdout)")
    ap.add_argument("--stats", help="write the time of each phase here (JSON)")
    ap.add_argument("--check-backend", metavar="NAME", help="only say whether backend NAME works")
    a = ap.parse_args()
    if a.check_backend:
        return 0 if check_backend(a.check_backend) else 1
    if not a.input:
        ap.error("-i/--input is required")

    t0 = time.perf_counter()
    import pathspec  # counted: it is part of the job

    allow = list(a.allow)
    for f in a.allow_file:
        allow.extend(read_globs(f))
    deny = list(a.deny)
    if not allow:
        print("py_pathspec.py: the allowlist is empty", file=sys.stderr)
        return 1
    if a.input == "-":
        data = sys.stdin.buffer.read()
    else:
        with open(a.input, "rb") as f:
            data = f.read()
    text = data.decode("utf-8", "surrogateescape")
    if text.endswith("\n"):
        text = text[:-1]
    paths = text.split("\n") if text else []
    t_read = time.perf_counter()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # "gitwildmatch" is deprecated in 1.x
        allow_spec = pathspec.PathSpec.from_lines("gitwildmatch", allow[::-1], backend=a.backend)
        deny_spec = pathspec.PathSpec.from_lines("gitwildmatch", deny[::-1], backend=a.backend) if deny else None
    t_compile = time.perf_counter()

    n_allow, n_deny = len(allow), len(deny)
    allow_by = [f"allow '{g}'" for g in allow]
    deny_by = [f"deny '{g}'" for g in deny]
    deny_why = [f"denied by '{g}'" for g in deny]
    allow_check = allow_spec.check_file
    deny_check = deny_spec.check_file if deny_spec is not None else None
    files, violations = [], []
    for p in paths:
        by = None
        why = path_problem(p)
        if why is not None:
            by = why
        else:
            if deny_check is not None:
                r = deny_check(p)
                if r.include:
                    k = n_deny - 1 - r.index
                    by, why = deny_by[k], deny_why[k]
            if why is None and p.startswith(PROTECTED):
                d = next(d for d in PROTECTED if p.startswith(d))
                by = f"protected '{d}'"
                why = f"protected path ('{d}' in scope.protected): the allowlist must name it explicitly"
            if why is None:
                r = allow_check(p)
                if r.include:
                    by = allow_by[n_allow - 1 - r.index]
                else:
                    why = "not in the allowlist"
        shown = p.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        files.append({"path": shown, "change": "modified", "old_path": None, "mode": None,
                      "binary": False, "allowed": why is None, "decided_by": by})
        if why is not None:
            violations.append({"path": shown, "change": "modified", "reason": why})
    t_decide = time.perf_counter()

    report = {"schema": "muster.scope-report/v1", "status": "BLOCKED" if violations else "PASS",
              "allow": allow, "deny": deny, "files": files, "violations": violations}
    out = json.dumps(report, ensure_ascii=False, separators=(",", ":")) + "\n"
    if a.out == "-":
        sys.stdout.buffer.write(out.encode("utf-8"))
        sys.stdout.flush()
    else:
        with open(a.out, "wb") as f:
            f.write(out.encode("utf-8"))
    t_write = time.perf_counter()
    if a.stats:
        with open(a.stats, "w") as f:
            json.dump({"backend": a.backend, "pathspec": pathspec.__version__, "paths": len(paths),
                       "allow": n_allow, "deny": n_deny, "allowed": len(paths) - len(violations),
                       "read_s": t_read - t0, "compile_s": t_compile - t_read,
                       "decide_s": t_decide - t_compile, "write_s": t_write - t_decide}, f)
    return 2 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
