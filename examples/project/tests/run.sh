#!/bin/sh
# Runs every tests/test_*.sh; exits 1 when any check fails.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
failed=0 passed=0
check() { # check NAME WANT GOT
    if [ "$2" = "$3" ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL $1: want '$2', got '$3'"; fi
}
for t in "$here"/tests/test_*.sh; do
    . "$t"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
