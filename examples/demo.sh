#!/usr/bin/env bash
# make demo: the tools' jobs on the examples that ship in examples/.
# Records two runs in a ledger, verifies the chain, replays a run, renders the
# board, tampers with a copy and shows verify catching it; catches a change
# outside its scope; plans six tasks; runs five through muster-run in
# worktrees; integrates their bundles (an overlap caught, the combined tree
# tested); gates the result, approves publish and lock, catches a stale approval. Exits 0 when every step behaved as it should, 1 otherwise.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${MUSTER_BIN_DIR:-$here/../target/debug}
L=$bin/muster-ledger
S=$bin/muster-scope
R=$bin/muster-route
P=$bin/muster-plan
U=$bin/muster-run
I=$bin/muster-integrate
G=$bin/muster-gate
for b in "$L" "$S" "$R" "$P" "$U" "$I" "$G"; do
    [ -x "$b" ] || { echo "demo: $b is missing; run 'make build' first" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ledger=$work/ledger.jsonl
run=run_20261121T090000Z_3f9a1c2e_001
step() { printf '\n== %s\n' "$*"; }

step "1. record two runs: muster-ledger append < examples/ledger/run.jsonl"
"$L" --ledger "$ledger" --compact append -i "$here/ledger/run.jsonl"

step "2. verify the chain (every hash, link and seq)"
"$L" --ledger "$ledger" verify
head=$("$L" --ledger "$ledger" --compact head)
echo "head: $head"

step "3. replay $run into its state"
"$L" --ledger "$ledger" replay --run-id "$run"

step "4. what happened, as a table"
"$L" --ledger "$ledger" list --run-id "$run" --type task.finished --format md

step "5. the board"
"$L" --ledger "$ledger" board

step "6. tamper with a copy: one task's cost 1.5 -> 0.5, nothing else touched"
cp "$ledger" "$work/tampered.jsonl"
sed -i 's/"cost":1.5}/"cost":0.5}/' "$work/tampered.jsonl"
cmp -s "$ledger" "$work/tampered.jsonl" && { echo "demo: the tamper step changed nothing" >&2; exit 1; }
set +e
"$L" --ledger "$work/tampered.jsonl" --compact verify
rc=$?
set -e
[ "$rc" -eq 2 ] || { echo "demo: verify of the tampered copy exited $rc, expected 2" >&2; exit 1; }
echo "verify exited 2 (BLOCKED), naming the line: caught"

step "7. scope: a worker allowed src/auth/ (never its secrets) strays outside it"
repo=$work/repo
git init -q "$repo"
g() { git -C "$repo" -c user.name=demo -c user.email=demo@example.invalid "$@"; }
mkdir -p "$repo/src/auth" "$repo/config"
echo 'def login(): pass' > "$repo/src/auth/login.py"
echo 'mode: prod' > "$repo/config/prod.yaml"
g add -A && g commit -qm base
echo 'def login(user): return check(user)' > "$repo/src/auth/login.py"
mkdir -p "$repo/src/auth/secrets" && echo 'KEY' > "$repo/src/auth/secrets/key.pem"
echo 'mode: debug' > "$repo/config/prod.yaml"
g add -A
echo "\$ git diff --cached --raw -z -M | muster-scope --allow 'src/auth/' --deny 'src/auth/secrets/' --explain"
set +e
g diff --cached --raw -z -M | "$S" --allow 'src/auth/' --deny 'src/auth/secrets/' --explain --compact
rc=$?
set -e
[ "$rc" -eq 2 ] || { echo "demo: muster-scope exited $rc, expected 2 (BLOCKED)" >&2; exit 1; }
echo "muster-scope exited 2 (BLOCKED): the secret and the config file are outside the scope"

step "8. plan: route the tasks, put conflicting ones in different waves, draw the waves"
echo "\$ muster-route < examples/plan/tasks.json | muster-plan | muster-plan export --format mermaid"
"$R" -i "$here/plan/tasks.json" | "$P" > "$work/plan.json"
"$P" export --format mermaid -i "$work/plan.json"
echo "conflicts (each with a path both tasks' touches take):"
sed -n '/^  "conflicts": \[/,/^  \],/p' "$work/plan.json"
grep -q '"witness": "services/api/limits/' "$work/plan.json" || { echo "demo: the limiter/api conflict is missing" >&2; exit 1; }

step "9. run: five tasks through muster-run, each in its own worktree; one times out, one is stuck"
work_repo=$work/runrepo
git init -q -b main "$work_repo"
rg() { git -C "$work_repo" -c user.name=demo -c user.email=demo@example.invalid "$@"; }
mkdir -p "$work_repo/src/auth" "$work_repo/docs"
echo 'def login(): pass' > "$work_repo/src/auth/login.py"
echo '# Guide' > "$work_repo/docs/guide.md"
rg add -A && rg commit -qm base
agent=$here/workers/fake-agent.sh
cat > "$work/run-tasks.json" <<JSON
{"schema": "muster.tasks/v1", "tasks": [
  {"id": "auth", "goal": "Harden login", "touches": ["src/auth/"], "command": ["sh", "$agent", "edit"]},
  {"id": "docs", "goal": "Document login", "touches": ["docs/guide.md"], "deps": ["auth"], "command": ["sh", "$agent", "edit"]},
  {"id": "faq", "goal": "Add a FAQ to the guide", "touches": ["docs/guide.md"], "command": ["sh", "$agent", "edit"]},
  {"id": "slow", "goal": "A worker that never finishes", "touches": ["src/slow/"], "command": ["sh", "$agent", "slow"], "timeout_s": 3},
  {"id": "hung", "goal": "A worker that goes silent", "touches": ["src/hung/"], "command": ["sh", "$agent", "hang"]}
]}
JSON
echo "\$ muster-plan < tasks.json | muster-run --max-outstanding 3 --stuck-after-s 2"
"$P" -i "$work/run-tasks.json" > "$work/run-plan.json"
set +e
(cd "$work_repo" && MUSTER_AUTHOR=dev "$U" -i "$work/run-plan.json" --max-outstanding 3 --stuck-after-s 2 > "$work/run.json")
rc=$?
set -e
[ "$rc" -eq 2 ] || { echo "demo: muster-run exited $rc, expected 2 (two tasks did not finish)" >&2; cat "$work/run.json" >&2; exit 1; }
sed -n '/"tasks"/,/^  \]/p' "$work/run.json"
for want in '"id": "auth",' '"id": "docs",' '"id": "faq",'; do
    grep -A1 "$want" "$work/run.json" | grep -q '"status": "done"' || { echo "demo: $want did not end done" >&2; exit 1; }
done
grep -A1 '"id": "slow",' "$work/run.json" | grep -q '"status": "timed_out"' || { echo "demo: slow did not time out" >&2; exit 1; }
grep -A1 '"id": "hung",' "$work/run.json" | grep -q '"status": "stuck"' || { echo "demo: hung was not caught as stuck" >&2; exit 1; }
run_id=$(sed -n 's/^  "run_id": "\(.*\)",$/\1/p' "$work/run.json")
echo "the ledger of $run_id:"
"$L" --ledger "$work_repo/.muster/ledger.jsonl" list --run-id "$run_id" --format md
"$L" --ledger "$work_repo/.muster/ledger.jsonl" verify > /dev/null
echo "bundle of auth: $(ls "$work_repo/.muster/runs/$run_id/auth" | tr '\n' ' ')"

step "10. integrate: the bundles onto the base with git; docs and faq both edited docs/guide.md"
echo "\$ muster-integrate -i run.json"
set +e
(cd "$work_repo" && "$I" -i "$work/run.json" > "$work/integration.json")
rc=$?
set -e
[ "$rc" -eq 2 ] || { echo "demo: muster-integrate exited $rc, expected 2 (an overlap)" >&2; cat "$work/integration.json" >&2; exit 1; }
grep -q '"path": "docs/guide.md"' "$work/integration.json" || { echo "demo: the docs/guide.md overlap was not named" >&2; exit 1; }
sed -n '/"overlaps"/,/^  \],/p' "$work/integration.json"
check='grep -q "edited by auth" src/auth/auth.md && grep -q "edited by faq" docs/guide.md'
echo "\$ muster-integrate -i run.json --partial --check '$check' --into integrated"
(cd "$work_repo" && "$I" -i "$work/run.json" --partial --check "$check" --into integrated > "$work/integration.json") ||
    { echo "demo: muster-integrate --partial failed" >&2; cat "$work/integration.json" >&2; exit 1; }
report=$work_repo/.muster/runs/$run_id/integrator/FINAL_REPORT.txt
cat "$report"
head -n 1 "$report" | grep -qx 'STATUS: WARN' || { echo "demo: expected WARN (docs, slow and hung left out)" >&2; exit 1; }
grep -q '"status": "PASS"' "$work/integration.json" || { echo "demo: the check did not pass on the combined tree" >&2; exit 1; }
echo "branch integrated: $(git -C "$work_repo" log --oneline -1 integrated); HEAD and the working tree untouched:"
git -C "$work_repo" status --short

step "11. gate: the verdict on the integration, approvals bound to the run's evidence, a stale one caught"
ml=$work_repo/.muster/ledger.jsonl
gate() { (cd "$work_repo" && "$G" "$@"); }
expect() { # expect CODE WHAT CMD...: runs CMD, which must exit CODE
    local want=$1 what=$2 rc
    shift 2
    set +e
    "$@" > "$work/gate.out"
    rc=$?
    set -e
    [ "$rc" -eq "$want" ] || { echo "demo: $what: exit $rc, expected $want" >&2; cat "$work/gate.out" >&2; exit 1; }
}
echo "\$ muster-gate --gates examples/gates/integration.json -i integration.json --ledger .muster/ledger.jsonl --format md"
expect 0 "the integration gates" gate --gates "$here/gates/integration.json" -i "$work/integration.json" --ledger "$ml" --format md
cat "$work/gate.out"
approve() { gate approve --run-id "$run_id" "$@"; }
echo "\$ muster-gate approve --action publish --approver dev --role reviewer ...   (dev started the run)"
expect 2 "self-approval" approve --action publish --approver dev --role reviewer --reason "looks good to me, ship it"
grep -q '"rule": "self-approval"' "$work/gate.out" || { echo "demo: self-approval was not the rule named" >&2; exit 1; }
echo "\$ muster-gate approve --action publish --approver ana --role reviewer --reason \"read the diff and the check log\""
expect 0 "publish by ana" approve --action publish --approver ana --role reviewer --reason "read the diff and the check log"
expect 0 "the release gate after publish" gate --gates "$here/gates/release.json" --run-id "$run_id" --format md < /dev/null
grep '| published' "$work/gate.out"
echo "... then one byte is appended to the integrator's FINAL_REPORT.txt"
echo >> "$work_repo/.muster/runs/$run_id/integrator/FINAL_REPORT.txt"
expect 2 "the release gate after the change" gate --gates "$here/gates/release.json" --run-id "$run_id" --format md < /dev/null
grep -E '^\| published|^- \*\*published' "$work/gate.out"
grep -q 'stale' "$work/gate.out" || { echo "demo: the stale approval was not caught" >&2; exit 1; }
expect 2 "lock on a stale publish" approve --action lock --approver bo --role maintainer --reason "released as 2026.47, freeze it"
echo "the verdict again, publish again, then lock:"
expect 0 "the integration gates, again" gate --gates "$here/gates/integration.json" -i "$work/integration.json" --ledger "$ml"
expect 0 "publish again" approve --action publish --approver ana --role reviewer --reason "re-read after the report changed"
expect 0 "lock" approve --action lock --approver bo --role maintainer --reason "released as 2026.47, freeze it"
set +e
(cd "$work_repo" && "$I" -i "$work/run.json" --partial > /dev/null 2> "$work/locked.err")
rc=$?
set -e
[ "$rc" -eq 1 ] || { echo "demo: muster-integrate on a locked run exited $rc, expected 1" >&2; exit 1; }
echo "muster-integrate on the locked run: $(cat "$work/locked.err")"
"$L" --ledger "$ml" replay --run-id "$run_id" > "$work/state.json"
echo "replay of $run_id: $(grep -c '"action"' "$work/state.json") approvals and refusals recorded"
"$L" --ledger "$ml" verify > /dev/null

step "summary"
echo "recorded $(wc -l < "$ledger") events in 2 runs; chain verified (exit 0)"
echo "run $run replayed: see tasks, locks, approvals and kill switch above"
echo "a one-byte change to a copy was caught by verify (exit 2)"
echo "a change outside its allowlist was caught by muster-scope (exit 2)"
echo "six tasks routed and planned: api and limiter overlap, so they run in different waves"
echo "five tasks run in worktrees: three done with bundles, one timed out, one stuck (exit 2)"
echo "integrated: the docs/guide.md overlap blocked the whole (exit 2); --partial combined auth and faq (the first in plan order), tested the tree, committed it to 'integrated' (WARN, exit 0)"
echo "gated: WARN (one gate waived); self-approval refused; publish approved, then made stale by a one-byte change and caught; lock after a fresh publish; the locked run refused by muster-integrate"
