"""Helpers the bench generators share (imported from the scripts' own folder)."""

import itertools
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
