#!/bin/sh
# A stand-in for a coding agent, for the demo and the tests: muster-run starts
# it in the task's worktree with stdin closed and MUSTER_* in its environment.
#
#   fake-agent.sh edit   append a line to the first path it may write (a file,
#                        or <dir>/<TASK_ID>.md for a directory), report cost 1
#   fake-agent.sh slow   keep printing for ever (a timeout stops it)
#   fake-agent.sh hang   sit silent for ever (the stuck watchdog stops it)
#   fake-agent.sh stray  also write a file outside its allowlist
#
# A real agent reads $MUSTER_BRIEF (the task, the globs it may write, the
# files they hold), edits the worktree, and may write $MUSTER_BUNDLE_DIR/REPORT.json.
set -eu
mode=${1:-edit}
first=$(printf '%s\n' "$MUSTER_ALLOWED_GLOBS" | head -n 1)
case $first in
    */) mkdir -p "$first"; target="${first}${MUSTER_TASK_ID}.md" ;;
    *) target=$first; mkdir -p "$(dirname "$target")" ;;
esac
case $mode in
    edit | stray)
        echo "edited by $MUSTER_TASK_ID (run $MUSTER_RUN_ID)" >> "$target"
        if [ "$mode" = stray ]; then echo "oops" > STRAY.txt; fi
        printf '{"schema":"muster.report/v1","summary":"edited %s","metrics":{"cost":1}}\n' \
            "$target" > "$MUSTER_BUNDLE_DIR/REPORT.json"
        echo "edited $target"
        ;;
    slow) while :; do echo "still working"; sleep 1; done ;;
    hang) sleep 3600 ;;
    *) echo "fake-agent: unknown mode $mode" >&2; exit 64 ;;
esac
