#!/usr/bin/env bash
# The whole job on one machine, in one command (make oneshot REPO=... TASKS=...):
#
#   preflight -> muster-route -> muster-plan -> muster-run -> muster-integrate
#   (--partial, --check CHECK) -> muster-gate (GATES) -> muster-ledger verify, board
#
# Usage: scripts/oneshot.sh REPO TASKS
#   REPO    a git repository (its HEAD is the base every task starts from)
#   TASKS   a muster.tasks/v1 file
# Environment (all optional):
#   MUSTER_BIN_DIR    the muster binaries (default: target/debug of this checkout)
#   CHECK             a command run on the combined tree before anything lands
#                     (muster-integrate --check), e.g. "make test"
#   GATES             a muster.gates/v1 file (default: none, no gate stage)
#   MAX_OUTSTANDING   tasks at once (default: run.max_outstanding, else the plan's)
#   STUCK_AFTER_S     seconds without progress before a worker is stuck
#                     (default: run.stuck_after_s in the repo's muster.json, else none)
#   INTO              a branch to commit the integrated result to (muster-integrate --into)
#
# Everything lands in REPO/.muster/: the run's bundles and integrator directory
# in runs/<RUN_ID>/, the ledger in ledger.jsonl, and this pipeline's documents
# (routed tasks, plan, run, integration, verdict) in runs/<RUN_ID>/oneshot/.
# The repository's HEAD, index and working tree are never changed.
#
# Exit: 0 when every stage passed (PASS or WARN), 2 when any stage was blocked
# (a task not done, a change left out, a gate that said no), 1 when a tool
# could not do its job, 64 for bad arguments. The summary at the end says
# which stage said what, and why.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${MUSTER_BIN_DIR:-$here/../target/debug}
die() { echo "oneshot: $*" >&2; exit "${2:-1}"; }
[ $# -eq 2 ] || die "usage: scripts/oneshot.sh REPO TASKS" 64
repo=$(cd "$1" 2>/dev/null && pwd) || die "$1: no such directory" 64
tasks=$(cd "$(dirname "$2")" 2>/dev/null && pwd)/$(basename "$2")
[ -f "$tasks" ] || die "$2: no such file" 64

# ---- preflight ------------------------------------------------------------------
for t in route plan run integrate gate ledger; do
    [ -x "$bin/muster-$t" ] || die "$bin/muster-$t is missing: run 'make build' (or set MUSTER_BIN_DIR)"
done
git -C "$repo" rev-parse --verify -q HEAD > /dev/null || die "$repo: not a git repository with a commit"
(cd "$repo" && "$bin/muster-run" doctor > /dev/null) || die "muster-run doctor found problems in $repo: run it there"
stage() { printf '\n== %s\n' "$*"; }
ledger=$repo/.muster/ledger.jsonl
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
declare -a summary=()
worst=0
note() { # note STAGE CODE TEXT: one summary line; worst exit code so far
    summary+=("$(printf '%-10s %s' "$1" "$3")")
    if [ "$2" -eq 1 ] || { [ "$2" -eq 2 ] && [ "$worst" -ne 1 ]; }; then worst=$2; fi
}
run_tool() { # run_tool OUT TOOL ARGS...: runs in REPO, stdout to OUT; sets rc
    local out=$1
    shift
    set +e
    (cd "$repo" && "$@") > "$out"
    rc=$?
    set -e
    [ "$rc" -eq 0 ] || [ "$rc" -eq 2 ] || die "$(basename "$2") failed (exit $rc); see its error above"
}
status_of() { sed -n 's/^  "status": "\([A-Z]*\)",*$/\1/p' "$1" | head -n 1; }

# ---- route and plan -----------------------------------------------------------------
stage "route: a role for each task"
run_tool "$tmp/routed.json" "$bin/muster-route" -i "$tasks"
grep -E '^      "(id|role)": ' "$tmp/routed.json" | sed -e 's/^ *"id": "\(.*\)",$/\1:/' -e 's/^ *"role": "\(.*\)",$/  \1/' | paste -d' ' - -
stage "plan: waves, and the tasks that may not run together"
run_tool "$tmp/plan.json" "$bin/muster-plan" -i "$tmp/routed.json"
awk '/^  "waves": \[/ { w = 1; n = -1; next }
     w && /^  \]/ { w = 0 }
     w && /^    \[/ { n++; printf "  wave %d:", n }
     w && /^      "/ { gsub(/[",]/, ""); gsub(/^ +/, ""); printf " %s", $0 }
     w && /^    \]/ { print "" }' "$tmp/plan.json"
awk '/^  "conflicts": \[/ { c = 1; next }
     c && /^  \]/ { c = 0 }
     c && /"(a|b|witness)": / { v = $0; sub(/^[^:]*: "/, "", v); sub(/",?$/, "", v); f[$1] = v }
     c && /^    \}/ { printf "  %s and %s may not run together (both may write %s)\n", f["\"a\":"], f["\"b\":"], f["\"witness\":"] }' "$tmp/plan.json"
note plan 0 "PASS: $(grep -c '"wave":' "$tmp/plan.json") tasks planned; conflicting ones in different waves"

# ---- run ------------------------------------------------------------------------
stage "run: each task in its own worktree"
args=(-i "$tmp/plan.json" -v)
[ -z "${MAX_OUTSTANDING:-}" ] || args+=(--max-outstanding "$MAX_OUTSTANDING")
[ -z "${STUCK_AFTER_S:-}" ] || args+=(--stuck-after-s "$STUCK_AFTER_S")
run_tool "$tmp/run.json" "$bin/muster-run" "${args[@]}"
run_id=$(sed -n 's/^  "run_id": "\(.*\)",$/\1/p' "$tmp/run.json")
run_dir=$repo/.muster/runs/$run_id
not_done=$(grep -c '"status": "\(failed\|timed_out\|stuck\|cancelled\|blocked\|pending\|running\)"' "$tmp/run.json" || true)
note run "$rc" "$(status_of "$tmp/run.json"): run $run_id, $not_done task(s) not done"

# ---- integrate --------------------------------------------------------------------
stage "integrate: the bundles onto the base with git${CHECK:+, then \`$CHECK\` on the result}"
args=(-i "$tmp/run.json" --partial)
[ -z "${CHECK:-}" ] || args+=(--check "$CHECK")
[ -z "${INTO:-}" ] || args+=(--into "$INTO")
run_tool "$tmp/integration.json" "$bin/muster-integrate" "${args[@]}"
sed -n '/^tasks, in order:/,$p' "$run_dir/integrator/FINAL_REPORT.txt"
note integrate "$rc" "$(head -n 1 "$run_dir/integrator/FINAL_REPORT.txt" | cut -d' ' -f2): $(sed -n 's/^applied: //p' "$run_dir/integrator/FINAL_REPORT.txt") applied${CHECK:+, check $(grep -A2 '"check": {' "$tmp/integration.json" | sed -n 's/^    "status": "\(.*\)",$/\1/p')}"

# ---- gate -------------------------------------------------------------------------
if [ -n "${GATES:-}" ]; then
    gates=$(cd "$(dirname "$GATES")" && pwd)/$(basename "$GATES")
    stage "gate: $(basename "$GATES")"
    run_tool "$tmp/verdict.json" "$bin/muster-gate" --gates "$gates" -i "$tmp/integration.json" --ledger "$ledger"
    (cd "$repo" && "$bin/muster-gate" --gates "$gates" -i "$tmp/integration.json" --format md) || true
    note gate "$rc" "$(status_of "$tmp/verdict.json"): $(sed -n 's/^    "line": "\(.*\)"$/\1/p' "$tmp/verdict.json")"
fi

# ---- ledger ------------------------------------------------------------------------
stage "ledger: verify the chain, then the board"
"$bin/muster-ledger" --ledger "$ledger" verify > "$tmp/verify.json" || die "the ledger does not verify: $ledger" 2
"$bin/muster-ledger" --ledger "$ledger" board
note ledger 0 "PASS: $(sed -n 's/^  "events": \([0-9]*\),$/\1/p' "$tmp/verify.json") events, chain verified"

mkdir -p "$run_dir/oneshot"
cp "$tmp"/*.json "$run_dir/oneshot/"
stage "summary"
printf '%s\n' "${summary[@]}"
echo "artifacts: $run_dir (bundles, integrator/, oneshot/), ledger $ledger"
case $worst in
    0) echo "exit 0: every stage passed" ;;
    2) echo "exit 2: a stage was blocked (above)" ;;
    *) echo "exit $worst" ;;
esac
exit "$worst"
