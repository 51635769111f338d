#!/usr/bin/env bash
# make demo: the ledger's job on the example that ships in examples/ledger/.
# Records two runs, verifies the chain, replays a run, renders the board,
# then tampers with a copy and shows verify catching it. Exits 0 when every
# step behaved as it should, 1 otherwise.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${MUSTER_BIN_DIR:-$here/../target/debug}
L=$bin/muster-ledger
[ -x "$L" ] || { echo "demo: $L is missing; run 'make build' first" >&2; exit 1; }
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

step "summary"
echo "recorded $(wc -l < "$ledger") events in 2 runs; chain verified (exit 0)"
echo "run $run replayed: see tasks, locks, approvals and kill switch above"
echo "a one-byte change to a copy was caught by verify (exit 2)"
