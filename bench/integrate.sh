#!/usr/bin/env bash
# muster-integrate benchmark: integrates 100 and 500 bundles (made by
# muster-run) on a generated 2,000-file repo, next to a shell loop of `git
# apply` onto a fresh worktree with an overlap check from `git diff
# --name-only`, in the same run. What is measured and how to read it:
# bench/README.md, section "muster-integrate".
#
# Usage: bash bench/integrate.sh    (after cargo build --release -p muster-integrate
#                                    -p muster-runner -p muster-planner)
# Results on stdout; progress on stderr; bench/out/integrate.json and .md.
# About 30 s on a 2-core machine with the repos on tmpfs (a minute on a disk),
# most of it making the bundles.
#
# What runs, and what each figure is:
#
#   repo        BENCH_INTEGRATE_FILES files (20 to a directory,
#               src/mNNN/fNN.txt, 5 lines each; bench_repo in bench/lib.sh,
#               the generator of bench/run.sh too), committed with a fixed
#               identity and date (the same commit id every time), packed
#               (`git repack -adq`), gc.auto=0.
#   bundles     for each size N, once and untimed: tasks T0001..TNNNN, task n
#               touching only the file number (n-1) * FILES / N (spread over
#               the directories, no two tasks on one file: one wave) and
#               running `sh -c 'echo "TNNNN was here" >> src/mXXX/fYY.txt'`;
#               `muster-plan` + `muster-run --max-outstanding 8` in a copy of
#               the repo make the N bundles (.muster/runs/RUN/TNNNN/) and
#               branches (muster/RUN/TNNNN), as a real run does. That copy,
#               as muster-run left it (loose objects and refs, its ledger),
#               is the pristine copy of the size. Each timed run gets its own
#               `cp -a` of it, made (and synced) before the clock starts.
#   muster      `muster-integrate -i run.json --compact` at the copy's root.
#               Checked after every run: exit 0, "status": "PASS", N tasks in
#               "applied", result.tree the same tree as every other run of
#               either side at that size.
#   shell loop  integrate-loop.sh (written into the work directory, so that it
#               can be read and run by hand): `git worktree add -q --detach WT
#               BASE` (a fresh checkout is part of the loop's cost), then for
#               each bundle in task id order (muster's order: one wave, then
#               id): `git diff --name-only --no-renames BASE
#               muster/RUN/TASK`, refusing the task when a name was already
#               seen (the overlap check), then `git -C WT apply --index
#               --whitespace=nowarn BUNDLE/DIFF.patch` (exact context, no
#               fuzz, as muster-integrate). Checked after every run: exit 0,
#               N applied, and `git -C WT add -A && git -C WT write-tree`
#               (untimed) the same tree as every other run. The loop also
#               notes (no extra process) how long its `worktree add` took.
#   where       the repos live in BENCH_TMPDIR (default bench/out), except
#               when that is ext4 without a journal (this machine's disk) and
#               BENCH_TMPDIR is not set: then in /dev/shm (tmpfs), said in the
#               output; bench/README.md, muster-run, "Where the repos are",
#               says why.
#   runs        per size, BENCH_INTEGRATE_RUNS rounds of one muster run and
#               one loop run, interleaved (muster first in odd rounds, the
#               loop first in even ones), timed with bash's $EPOCHREALTIME
#               around the process, plus CPU time (user+sys, children
#               included) from /usr/bin/time. Medians.
#
# Target (PASS / MISS): at 500 bundles, muster-integrate at least 3 times
# faster than the shell loop (median wall times, same run): loop / muster >= 3.
#
# Environment (all optional):
#   MUSTER_BIN_DIR            where muster-integrate, muster-run and muster-plan
#                             are (default: target/release)
#   BENCH_INTEGRATE_SIZES     bundle counts (default "100 500"; each at most
#                             the files and 9999)
#   BENCH_INTEGRATE_FILES     files in the generated repo (default 2000)
#   BENCH_INTEGRATE_RUNS      timed runs of each side a size (default 3)
#   BENCH_INTEGRATE_PARALLEL  muster-run's --max-outstanding making the bundles (default 8)
#   BENCH_INTEGRATE_TIMEOUT   seconds one command may take (default 900)
#   BENCH_PYTHON              the Python for the generator and the report (default python3)
#   BENCH_OUT                 where integrate.json and .md go (default: bench/out)
#   BENCH_TMPDIR              where the repos are written (default: bench/out, or
#                             /dev/shm when bench/out is ext4 without a journal)
#   BENCH_STRICT=1            exit 1 when the target is missed (default: report only)
#   BENCH_KEEP=1              keep the work directory (pristine repos, run.json,
#                             the loop script, raw timings, every run's copy)
# Exit: 1 when something is wrong (a command fails or times out, a check
# after a run fails); a missed target only with BENCH_STRICT=1.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
bin_dir=${MUSTER_BIN_DIR:-$repo/target/release}
BIN=$bin_dir/muster-integrate
RUN_BIN=$bin_dir/muster-run
PLAN_BIN=$bin_dir/muster-plan
SIZES=${BENCH_INTEGRATE_SIZES:-100 500}
FILES=${BENCH_INTEGRATE_FILES:-2000}
RUNS=${BENCH_INTEGRATE_RUNS:-3}
PARALLEL=${BENCH_INTEGRATE_PARALLEL:-8}
RUN_TIMEOUT=${BENCH_INTEGRATE_TIMEOUT:-900}
TIMEOUT_VAR=BENCH_INTEGRATE_TIMEOUT
PY=${BENCH_PYTHON:-python3}
OUT=${BENCH_OUT:-$repo/bench/out}
TMPBASE=${BENCH_TMPDIR:-$OUT}
export PYTHONDONTWRITEBYTECODE=1 # no __pycache__ in bench/

BENCH_NAME=integrate
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

# ---- check what we need, before any work ------------------------------------
[ -x "$BIN" ] || die "no executable $BIN; build it with \`cargo build --release -p muster-integrate\` (or \`make bench\`), or set MUSTER_BIN_DIR to the directory holding muster-integrate"
[ -x "$RUN_BIN" ] || die "no executable $RUN_BIN; build it with \`cargo build --release -p muster-runner\` (or \`make bench\`)"
[ -x "$PLAN_BIN" ] || die "no executable $PLAN_BIN; build it with \`cargo build --release -p muster-planner\` (or \`make bench\`)"
for k in FILES RUNS PARALLEL RUN_TIMEOUT; do
    is_count "${!k}" || die "BENCH_INTEGRATE_${k#RUN_}: \"${!k}\" is not a positive whole number"
done
read -r -a sizes <<<"$SIZES"
[ "${#sizes[@]}" -gt 0 ] || die "BENCH_INTEGRATE_SIZES is empty"
for n in "${sizes[@]}"; do
    is_count "$n" || die "BENCH_INTEGRATE_SIZES: \"$n\" is not a positive whole number"
    [ "$n" -le "$FILES" ] || die "BENCH_INTEGRATE_SIZES: $n bundles need $n files; the repo has $FILES (BENCH_INTEGRATE_FILES)"
    [ "$n" -le 9999 ] || die "BENCH_INTEGRATE_SIZES: at most 9999 (task ids are T0001..T9999)"
done
bench_need_tools

bench_where
# Disk: the pristine copy of each size (the repo, about 8 MB for 2,000 files,
# plus about 60 KB of bundle, objects and refs a task), and two run copies
# (three with a checkout) at a time.
max_n=0
for n in "${sizes[@]}"; do [ "$n" -le "$max_n" ] || max_n=$n; done
bench_repo_workdir $((${#sizes[@]} * (FILES * 4 / 1000 + max_n * 6 / 100) + 3 * (FILES * 4 / 1000 + max_n * 6 / 100) + 50))
bench_private_bins BIN RUN_BIN PLAN_BIN
TIMER="bash \$EPOCHREALTIME around each run (repo copy made before, untimed); CPU time from /usr/bin/time"

# Neither git nor muster may be redirected by the caller's environment
# (GIT_DIR, GIT_INDEX_FILE, MUSTER_HOME, ...).
while IFS= read -r v; do unset "$v"; done < <(env | awk -F= '/^(GIT|MUSTER)_/ { print $1 }')

# ---- the repo ---------------------------------------------------------------------
gen=$work/gen
log "generating a $FILES-file repo"
bench_repo "$gen" "$FILES"
base_tree=$(git -C "$gen" rev-parse "HEAD^{tree}")

# ---- the shell loop (its own file, so that it can be read and run by hand) ------
cat >"$work/integrate-loop.sh" <<'LOOP'
#!/usr/bin/env bash
# The peer of muster-integrate: bash integrate-loop.sh BASE LIST WT [PHASES],
# run at the repository's root. LIST: one "TASK<TAB>BUNDLE<TAB>BRANCH" a
# line, in the order to apply (BUNDLE relative to the root). Checks out BASE
# into a fresh worktree WT, then for each task: the paths its branch changes
# (git diff --name-only), refused when another task already changed one (the
# overlap check), then its DIFF.patch applied to WT and its index (exact
# context, no fuzz). Prints how many it applied. PHASES, when given, gets the
# checkout's time in microseconds ($EPOCHREALTIME, no extra process).
set -euo pipefail
base=$1 list=$2 wt=$3 phases=${4:-}
root=$PWD
t0=${EPOCHREALTIME//[.,]/}
git worktree add -q --detach "$wt" "$base"
t1=${EPOCHREALTIME//[.,]/}
[ -z "$phases" ] || echo "checkout_us=$((t1 - t0))" >"$phases"
declare -A seen=()
n=0
while IFS=$'\t' read -r id bundle branch; do
    out=$(git diff --name-only --no-renames "$base" "$branch")
    mapfile -t names <<<"$out"
    for p in "${names[@]}"; do
        [ -n "$p" ] || continue
        if [ -n "${seen[$p]:-}" ]; then
            echo "$id: overlaps ${seen[$p]} on $p; stopping" >&2
            exit 1
        fi
    done
    for p in "${names[@]}"; do [ -z "$p" ] || seen[$p]=$id; done
    git -C "$wt" apply --index --whitespace=nowarn "$root/$bundle/DIFF.patch"
    n=$((n + 1))
done <"$list"
echo "$n"
LOOP

# ---- the bundles of each size (untimed) ------------------------------------------
# make_bundles N: the pristine copy $work/N/pristine with N bundles, its
# run.json, and $work/N/list.tsv for the loop.
make_bundles() {
    local n=$1 d=$work/$1 t0 rid got
    mkdir -p "$d"
    cp -a "$gen" "$d/pristine"
    "$PY" - "$n" "$FILES" "$d/tasks.json" <<'PY'
import json, sys
n, files = int(sys.argv[1]), int(sys.argv[2])
doc = {"schema": "muster.tasks/v1", "tasks": []}
for k in range(1, n + 1):
    i = (k - 1) * files // n
    tid, path = f"T{k:04d}", f"src/m{i // 20:03d}/f{i % 20:02d}.txt"
    doc["tasks"].append({"id": tid, "goal": f"append a line to {path}", "touches": [path],
                         "command": ["sh", "-c", f"echo '{tid} was here' >> {path}"]})
with open(sys.argv[3], "w") as f:
    json.dump(doc, f, indent=1)
PY
    "$PLAN_BIN" -i "$d/tasks.json" --max-outstanding "$PARALLEL" >"$d/plan.json" 2>"$d/plan.err" || {
        head -c 2000 "$d/plan.err" >&2
        die "muster-plan failed on $d/tasks.json"
    }
    log "making $n bundles: muster-run --max-outstanding $PARALLEL (untimed)"
    now_us
    t0=$REPLY
    set +e
    (cd "$d/pristine" && exec timeout "$RUN_TIMEOUT" "$RUN_BIN" -i "$d/plan.json" --max-outstanding "$PARALLEL" --compact) >"$d/run.json" 2>"$d/run.err"
    rc=$?
    set -e
    now_us
    if [ "$rc" != 0 ]; then
        tail -n 20 "$d/run.err" >&2
        die "muster-run exited $rc (0 expected) making the bundles in $d/pristine"
    fi
    fact "gen_run_s_$n" "$(((REPLY - t0) / 1000))"
    # The loop's list, in muster-integrate's order (one wave: task id), and
    # checks that every task is done with a bundle in the repo.
    "$PY" - "$d/run.json" "$d/pristine" "$n" "$d/list.tsv" <<'PY' || die "muster-run's run.json in $d is not what the bench expects"
import json, os, sys
run = json.load(open(sys.argv[1]))
root, n = sys.argv[2], int(sys.argv[3])
tasks = sorted(run["tasks"], key=lambda t: t["id"])
bad = [t["id"] for t in tasks if t.get("status") != "done" or not t.get("bundle")]
if len(tasks) != n or bad:
    sys.exit(f"{len(tasks)} tasks ({n} expected); not done or without a bundle: {bad[:5]}")
with open(sys.argv[4], "w") as f:
    for t in tasks:
        b = t["bundle"]
        if os.path.isabs(b) or not os.path.isfile(os.path.join(root, b, "DIFF.patch")):
            sys.exit(f"{t['id']}: bundle {b!r} is not a directory under the repo with a DIFF.patch")
        f.write(f"{t['id']}\t{b}\tmuster/{run['run_id']}/{t['id']}\n")
PY
    rid=$(awk -F'\t' 'NR == 1 { split($3, a, "/"); print a[2] }' "$d/list.tsv")
    got=$(git -C "$d/pristine" for-each-ref --format=x "refs/heads/muster/$rid/" | wc -l)
    [ "$got" = "$n" ] || die "muster-run left $got muster/$rid/ branches in $d/pristine, $n expected"
    fact "run_id_$n" "$rid"
    fact "bundle_kb_$n" "$(du -sk "$d/pristine/.muster/runs/$rid" | cut -f1)"
    fact "loose_objects_$n" "$(git -C "$d/pristine" count-objects | cut -d' ' -f1)"
    log "made $n bundles in $(((REPLY - t0) / 1000)) ms (run $rid)"
}

# ---- one timed run ----------------------------------------------------------------
dir=$work/t
mkdir -p "$dir"

# same_tree N WHO TREE: every run of either side at size N must give one tree.
same_tree() {
    local f=$dir/tree-$1 want
    if [ ! -s "$f" ]; then
        printf '%s %s\n' "$3" "$2" >"$f"
        return
    fi
    read -r want _ <"$f"
    [ "$want" = "$3" ] || die "$2 at $1 bundles gave tree $3; $(cut -d' ' -f2- "$f") gave $want"
}

run_muster() {
    local n=$1 r=$2 name=muster-$1-$2 rd out got
    fresh "$work/$n/pristine" "$name"
    rd=$work/runs/$name/repo
    out=$work/runs/$name/integration.json
    log "[$n, round $r] muster-integrate: $n bundles"
    timed "muster-$n" "$rd" "$out" "$BIN" -i "$work/$n/run.json" --compact
    if [ "$rc" != 0 ]; then
        tail -n 20 "$rd.stderr" >&2
        head -c 2000 "$out" >&2
        die "muster-integrate exited $rc (0 expected) in $rd"
    fi
    got=$("$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
applied, tree = d.get("applied") or [], (d.get("result") or {}).get("tree")
if d.get("status") != "PASS" or len(applied) != n or not tree:
    sys.exit("status %r, %d applied (%d expected), reason %r" % (d.get("status"), len(applied), n, d.get("reason")))
print(d["result"]["tree"])' "$out" "$n") || die "muster-integrate in $rd: not a PASS of $n tasks ($out)"
    same_tree "$n" "muster-integrate (round $r)" "$got"
    [ -f "$rd/.muster/runs/$(fact_of "run_id_$n")/integrator/STATUS.json" ] || die "muster-integrate wrote no integrator/STATUS.json in $rd"
    log "[$n, round $r] muster-integrate: $(($(tail -n 1 "$dir/muster-$n.us") / 1000)) ms, checked"
    drop "$name"
}

run_loop() {
    local n=$1 r=$2 name=loop-$1-$2 rd wt got
    fresh "$work/$n/pristine" "$name"
    rd=$work/runs/$name/repo
    wt=$work/runs/$name/wt
    log "[$n, round $r] shell loop: $n bundles"
    timed "loop-$n" "$rd" "$work/runs/$name/applied" bash "$work/integrate-loop.sh" "$base" "$work/$n/list.tsv" "$wt" "$work/runs/$name/phases"
    if [ "$rc" != 0 ]; then
        tail -n 20 "$rd.stderr" >&2
        die "the shell loop exited $rc (0 expected) in $rd"
    fi
    got=$(cat "$work/runs/$name/applied")
    [ "$got" = "$n" ] || die "the shell loop applied $got patches in $rd, $n expected"
    sed -n 's/^checkout_us=//p' "$work/runs/$name/phases" >>"$dir/loop-$n.checkout.us"
    got=$(git -C "$wt" add -A && git -C "$wt" write-tree) || die "could not write the loop's tree in $wt"
    same_tree "$n" "the shell loop (round $r)" "$got"
    # The tree both sides agree on must hold exactly the N changed files.
    got=$(git -C "$rd" diff-tree -r --name-only "$base_tree" "$got" | wc -l)
    [ "$got" = "$n" ] || die "the loop's tree in $wt changes $got files of the base, $n expected"
    log "[$n, round $r] shell loop: $(($(tail -n 1 "$dir/loop-$n.us") / 1000)) ms, checked"
    drop "$name"
}

fact_of() { sed -n "s/^$1=//p" "$dir/facts" | tail -n 1; }

# ---- run ------------------------------------------------------------------------
bench_about muster-integrate "sizes $SIZES, $FILES files, $RUNS rounds"
echo "${sizes[*]} bundles made by muster-run (one task a file, disjoint), a $FILES-file repo (commit ${base:0:8}); peer: a bash loop of git worktree add, then git diff --name-only (overlap check) and git apply --index per bundle; $RUNS rounds, interleaved"
started=$SECONDS
for n in "${sizes[@]}"; do
    make_bundles "$n"
    for ((r = 1; r <= RUNS; r++)); do
        if [ $((r % 2)) = 1 ]; then
            run_muster "$n" "$r"
            run_loop "$n" "$r"
        else
            run_loop "$n" "$r"
            run_muster "$n" "$r"
        fi
    done
    read -r tree _ <"$dir/tree-$n"
    fact "tree_$n" "$tree"
    [ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$work/runs"
    log "[$n] done ($((SECONDS - started)) s so far)"
done

fact sizes "${sizes[*]}"
fact files "$FILES"
fact parallel "$PARALLEL"
bench_report integrate_report.py
