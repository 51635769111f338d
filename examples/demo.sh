#!/usr/bin/env bash
# make demo: the main job on the example project that ships in examples/project
# (textkit: small text tools in POSIX sh, with their own tests), copied into a
# fresh git repository under a temporary directory. scripts/oneshot.sh routes,
# plans, runs five tasks through the example agent (real edits: one strays out
# of its scope, two edit one shared file, one times out, one gets stuck),
# integrates them with the project's tests as the check, gates the result and
# verifies the ledger. Then approvals (publish, then lock; a stale approval
# caught), and a tampered copy of the ledger caught.
#
# Exits 0 when every case above was handled as described, 1 otherwise.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
bin=${MUSTER_BIN_DIR:-$root/target/debug}
export MUSTER_BIN_DIR=$bin
L=$bin/muster-ledger
I=$bin/muster-integrate
G=$bin/muster-gate
for b in route plan run integrate gate ledger; do
    [ -x "$bin/muster-$b" ] || { echo "demo: $bin/muster-$b is missing; run 'make build' first" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
step() { printf '\n######## %s\n' "$*"; }
fail() { echo "demo: $*" >&2; exit 1; }

step "1. the example project: textkit, copied into a fresh git repository"
repo=$work/textkit
cp -R "$here/project" "$repo"
# The agent plugs in as run.worker, as a real coding agent would.
cat > "$repo/muster.json" <<JSON
{"run": {"worker": ["sh", "$here/workers/textkit-agent.sh", "{task_id}"],
         "max_outstanding": 3, "stuck_after_s": 2}}
JSON
git -C "$repo" init -q -b main
git -C "$repo" add -A
git -C "$repo" -c user.name=demo -c user.email=demo@example.invalid commit -qm "textkit"
(cd "$repo" && make -s test)
echo "tasks: $(grep -c '"id":' "$repo/tasks.json") in tasks.json; the agent: examples/workers/textkit-agent.sh"

step "2. the whole job: make oneshot REPO=\$repo TASKS=tasks.json CHECK=\"make test\" GATES=gates.json"
set +e
MUSTER_AUTHOR=dev make -s -C "$root" oneshot REPO="$repo" TASKS="$repo/tasks.json" CHECK="make test" GATES="$repo/gates.json"
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "oneshot exited $rc, expected 2 (tasks blocked, as planned)"
run_id=$(ls "$repo/.muster/runs")
run_dir=$repo/.muster/runs/$run_id
integration=$run_dir/oneshot/integration.json
outcome() { grep -A1 "\"id\": \"$1\"," "$integration" | sed -n 's/^ *"outcome": "\(.*\)",$/\1/p'; }
for want in words:applied shout:conflict slug:rejected docs:skipped explore:skipped; do
    [ "$(outcome "${want%%:*}")" = "${want#*:}" ] || fail "task ${want%%:*}: expected ${want#*:}, got $(outcome "${want%%:*}")"
done
grep -q '"path": "CHANGELOG.md"' "$integration" || fail "the CHANGELOG.md overlap was not named"
grep -q '"path": "bin/textkit"' "$integration" || fail "slug's stray into bin/textkit was not named"
grep -q 'timed_out' "$integration" && grep -q 'stuck' "$integration" || fail "the timeout and the stuck worker were not named"
grep -A2 '"check": {' "$integration" | grep -q '"status": "PASS"' || fail "the project's tests did not pass on the combined tree"
grep -q '^  "status": "WARN",' "$run_dir/oneshot/verdict.json" || fail "the verdict is not WARN"

step "3. approvals: publish, then lock, bound to the run's evidence"
ml=$repo/.muster/ledger.jsonl
gate() { (cd "$repo" && "$G" "$@"); }
expect() { # expect CODE WHAT CMD...: runs CMD, which must exit CODE
    local want=$1 what=$2 got
    shift 2
    set +e
    "$@" > "$work/out"
    got=$?
    set -e
    [ "$got" -eq "$want" ] || { cat "$work/out" >&2; fail "$what: exit $got, expected $want"; }
}
approve() { gate approve --run-id "$run_id" "$@"; }
echo "\$ muster-gate approve --action publish --approver dev ...   (dev started the run)"
expect 2 "self-approval" approve --action publish --approver dev --role reviewer --reason "looks good to me, ship it"
grep -q '"rule": "self-approval"' "$work/out" || fail "self-approval was not the rule named"
echo "\$ muster-gate approve --action publish --approver ana --role reviewer --reason \"read the diff and the test log\""
expect 0 "publish by ana" approve --action publish --approver ana --role reviewer --reason "read the diff and the test log"
release=$here/gates/release.json
expect 0 "the release gate after publish" gate --gates "$release" --run-id "$run_id" --format md < /dev/null
grep '^| published' "$work/out"
echo "... one byte is appended to the integrator's FINAL_REPORT.txt"
echo >> "$run_dir/integrator/FINAL_REPORT.txt"
expect 2 "the release gate after the change" gate --gates "$release" --run-id "$run_id" --format md < /dev/null
grep -E '^\| published|^- \*\*published' "$work/out"
grep -q 'stale' "$work/out" || fail "the stale approval was not caught"
expect 2 "lock on a stale publish" approve --action lock --approver bo --role maintainer --reason "released as 2026.47, freeze it"
echo "the verdict again, publish again, then lock:"
expect 0 "the gates, again" gate --gates "$repo/gates.json" -i "$integration" --ledger "$ml"
expect 0 "publish again" approve --action publish --approver ana --role reviewer --reason "re-read after the report changed"
expect 0 "lock" approve --action lock --approver bo --role maintainer --reason "released as 2026.47, freeze it"
set +e
(cd "$repo" && "$I" -i "$run_dir/oneshot/run.json" --partial > /dev/null 2> "$work/locked.err")
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "muster-integrate on a locked run exited $rc, expected 1"
echo "muster-integrate on the locked run: $(cat "$work/locked.err")"
"$L" --ledger "$ml" replay --run-id "$run_id" > "$work/state.json"
echo "replay: $(grep -c '"rule"' "$work/state.json") refusals and $(($(grep -c '"action"' "$work/state.json") - $(grep -c '"rule"' "$work/state.json"))) grants recorded"

step "4. the ledger: verify it, then tamper with a copy"
"$L" --ledger "$ml" --compact verify
cp "$ml" "$work/tampered.jsonl"
sed -i 's/"reason":"read the diff and the test log"/"reason":"read the diff and the test lag"/' "$work/tampered.jsonl"
cmp -s "$ml" "$work/tampered.jsonl" && fail "the tamper step changed nothing"
set +e
"$L" --ledger "$work/tampered.jsonl" --compact verify
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "verify of the tampered copy exited $rc, expected 2"
"$L" --ledger "$ml" board

step "summary"
echo "textkit, five tasks: words applied; shout's CHANGELOG.md edit overlapped words' (conflict);"
echo "  slug strayed into bin/textkit (rejected); docs timed out; explore got stuck (both skipped)"
echo "the project's tests passed on the combined tree; the gates said WARN (two gates waived, with owner and expiry)"
echo "self-approval refused; publish approved, made stale by a one-byte change and caught; lock after a fresh publish"
echo "the locked run refused by muster-integrate; a one-word change to a copy of the ledger caught by verify (exit 2)"
echo "artifacts were in $run_dir (removed with the temporary directory)"
