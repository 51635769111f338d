#!/usr/bin/env bash
# muster-run benchmark: 200 trivial tasks on a generated 2,000-file repo,
# `muster-run --max-outstanding 8`, next to a plain shell loop doing the same
# git work (worktree add, run, commit, diff, worktree remove; 8 at once) in
# the same run. What is measured and how to read it: bench/README.md, section
# "muster-run".
#
# Usage: bash bench/run.sh          (after cargo build --release -p muster-runner)
# Results on stdout; progress on stderr; bench/out/run.json and run.md.
# It takes about a minute on a 2-core machine with the repos on tmpfs (3 runs
# of each side, 4-9 s a run), 5-10 minutes on a slow disk.
#
# What runs, and what each figure is:
#
#   repo        BENCH_RUN_FILES files (20 to a directory, src/mNNN/fNN.txt, 5
#               lines each), committed with a fixed identity and date (the same
#               commit id every time), packed (`git repack -adq`, as a clone
#               is), gc.auto=0. Each timed run gets its own `cp -a` of it, made
#               before the clock starts.
#   tasks       T0001..TNNNN, each touching only `area/TNNNN/`, each running
#               `sh -c 'mkdir -p area/TNNNN && echo TNNNN > area/TNNNN/out.txt'`;
#               no deps, no conflicts: one wave (`muster-plan --max-outstanding`).
#   muster-run  `muster-run -i plan.json --max-outstanding P --compact` in the
#               copy, run.json to a file. Checked after every run: exit 0,
#               TASKS task.finished events in .muster/ledger.jsonl, a run.finished,
#               a DIFF.patch in each bundle.
#   shell loop  bash, P background jobs (`wait -n`), one per task:
#               `git worktree add -q -b loop/ID DIR HEAD`, the same `sh -c`
#               in DIR (stdout and stderr to files, as muster's LOGS/), `git -C
#               DIR add -A`, `git -C DIR commit -qm ID` (muster commits each
#               task's work on its branch, so the loop does too), `git -C DIR
#               diff HEAD~1 HEAD > patches/ID.patch`, `git worktree remove
#               --force DIR`. worktree add and remove hold a lock (flock):
#               concurrent `git worktree add` in one repository fail now and
#               then ("failed to read .git/worktrees/T035/commondir");
#               muster-run does them one at a time too. Checked after every run:
#               exit 0, TASKS non-empty patches, TASKS loop/ branches, no
#               worktree left.
#   worker alone
#               the TASKS `sh -c` commands, P at once, in a scratch directory:
#               the workers' own time, which both sides pay.
#   where       the repos live in BENCH_TMPDIR (default bench/out), except
#               when that is ext4 without a journal (this machine's disk) and
#               BENCH_TMPDIR is not set: then in /dev/shm (tmpfs), said in the
#               output. On ext4 without a journal, creating a file skips every
#               inode freed in the last 60 s (360 s while its inode table
#               block is dirty), at a cost per skipped inode, so after some
#               worktree removals a 2,000-file checkout takes 0.2-0.3 s
#               instead of 0.03 s, and each run pays for what the runs before
#               it removed: the same muster-run run took 12 s to 70 s, and a
#               sync and a 65 s wait before each run did not make it steady.
#               tmpfs does not fsync, which muster-run does about 10 times a
#               task (about 1 ms each on this machine's disk).
#   runs        BENCH_RUN_RUNS rounds of one muster-run and one loop run,
#               interleaved (muster first in odd rounds, loop first in even
#               ones: slow drift of a shared machine hits both sides), timed
#               with bash's $EPOCHREALTIME around the process, plus CPU time
#               (user+sys, children included) from /usr/bin/time. Medians.
#   per task    wall / TASKS (throughput time, P run at once);
#               overhead a task = (muster-run - loop) / TASKS; muster-run
#               beyond the workers = (muster-run - worker alone) / TASKS.
#   phases      from the ledger of the median muster-run run: the gaps between
#               consecutive events, summed by the event that ends them:
#               task.dispatched (starting a task: worktree add, BRIEF.md,
#               ledger append) or task.finished (collecting one: commit,
#               bundle, scope check, ledger append); the workers' duration_ms;
#               how many tasks were running on average (from dispatched to
#               finished). With a loop that does one thing at a time the gaps
#               are where its time went.
#
# Target (PASS / MISS): muster-run within 1.3 times of the shell loop's time
# (median wall, same run), while doing the bundle, scope check and ledger work
# the loop doesn't.
#
# Environment (all optional):
#   MUSTER_BIN_DIR        where muster-run and muster-plan are (default: target/release)
#   BENCH_RUN_TASKS       tasks (default 200)
#   BENCH_RUN_FILES       files in the generated repo (default 2000)
#   BENCH_RUN_PARALLEL    tasks at once, both sides (default 8)
#   BENCH_RUN_RUNS        timed runs of each side (default 3)
#   BENCH_RUN_TIMEOUT     seconds one run (either side) may take (default 900)
#   BENCH_PYTHON          the Python for the generator and the report (default python3)
#   BENCH_OUT             where run.json and run.md go (default: bench/out)
#   BENCH_TMPDIR          where the repos are written (default: bench/out, or
#                         /dev/shm when bench/out is ext4 without a journal;
#                         see "where" above)
#   BENCH_STRICT=1        exit 1 when the target is missed (default: report only)
#   BENCH_KEEP=1          keep the work directory (the repo copies, plans,
#                         ledgers, patches, raw timings)
# Exit: 1 when something is wrong (a run fails or times out, a check after a
# run fails); a missed target only with BENCH_STRICT=1.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
bin_dir=${MUSTER_BIN_DIR:-$repo/target/release}
BIN=$bin_dir/muster-run
PLAN_BIN=$bin_dir/muster-plan
TASKS=${BENCH_RUN_TASKS:-200}
FILES=${BENCH_RUN_FILES:-2000}
PARALLEL=${BENCH_RUN_PARALLEL:-8}
RUNS=${BENCH_RUN_RUNS:-3}
RUN_TIMEOUT=${BENCH_RUN_TIMEOUT:-900}
TIMEOUT_VAR=BENCH_RUN_TIMEOUT
PY=${BENCH_PYTHON:-python3}
OUT=${BENCH_OUT:-$repo/bench/out}
TMPBASE=${BENCH_TMPDIR:-$OUT}
export PYTHONDONTWRITEBYTECODE=1 # no __pycache__ in bench/

BENCH_NAME=run
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

# ---- check what we need, before any work ------------------------------------
[ -x "$BIN" ] || die "no executable $BIN; build it with \`cargo build --release -p muster-runner\` (or \`make bench\`), or set MUSTER_BIN_DIR to the directory holding muster-run"
[ -x "$PLAN_BIN" ] || die "no executable $PLAN_BIN; build it with \`cargo build --release -p muster-planner\` (or \`make bench\`)"
for k in TASKS FILES PARALLEL RUNS RUN_TIMEOUT; do
    is_count "${!k}" || die "BENCH_RUN_${k#RUN_}: \"${!k}\" is not a positive whole number"
done
[ "$TASKS" -le 9999 ] || die "BENCH_RUN_TASKS: at most 9999 (task ids are T0001..T9999)"
bench_need_tools
command -v flock >/dev/null || die "flock not found (the shell loop locks git worktree add/remove with it; apt-get install util-linux)"

bench_where
# Disk: a repo copy per side (about 10 MB with the bundles) and one worktree
# of the repo per running task.
bench_repo_workdir $((FILES * 4 * (PARALLEL + 4) / 1000 + TASKS / 5 + 50))
bench_private_bins BIN PLAN_BIN
TIMER="bash \$EPOCHREALTIME around each run (repo copy made before, untimed); CPU time from /usr/bin/time"

# The git the two sides run must not be redirected by the caller's environment.
while IFS= read -r v; do unset "$v"; done < <(env | awk -F= '/^GIT_/ { print $1 }')

# ---- the repo, the tasks, the plan -----------------------------------------------
pristine=$work/pristine
log "generating a $FILES-file repo and $TASKS tasks"
bench_repo "$pristine" "$FILES"
"$PY" - "$TASKS" "$work/tasks.json" "$work/tasks.tsv" <<'PY'
import json, sys
tasks = int(sys.argv[1])
doc = {"schema": "muster.tasks/v1", "tasks": []}
with open(sys.argv[3], "w", newline="\n") as tsv:
    for n in range(1, tasks + 1):
        tid = f"T{n:04d}"
        script = f"mkdir -p area/{tid} && echo {tid} > area/{tid}/out.txt"
        doc["tasks"].append({"id": tid, "goal": f"write area/{tid}/out.txt", "touches": [f"area/{tid}/"],
                             "command": ["sh", "-c", script]})
        tsv.write(f"{tid}\t{script}\n")
with open(sys.argv[2], "w") as f:
    json.dump(doc, f, indent=1)
PY
"$PLAN_BIN" -i "$work/tasks.json" --max-outstanding "$PARALLEL" >"$work/plan.json" 2>"$work/plan.err" || {
    head -c 2000 "$work/plan.err" >&2
    die "muster-plan failed on $work/tasks.json"
}
waves=$("$PY" -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["waves"]))' "$work/plan.json")
[ "$waves" = 1 ] || die "the plan of $TASKS independent tasks has $waves waves, not 1"

# ---- the shell loop (its own file, so that it can be read and run by hand) ------
cat >"$work/loop.sh" <<'LOOP'
#!/usr/bin/env bash
# The peer of muster-run: bash loop.sh TASKS.TSV PARALLEL WORKDIR [plain], run
# in the repository. TASKS.TSV: one "ID<TAB>shell command" a line. With
# `plain`, each command just runs in the current directory, PARALLEL at once:
# the workers alone, which both sides pay.
set -euo pipefail
tasks=$1 parallel=$2 wd=$3 mode=${4:-git}
lock=$wd/worktree.lock
one() {
    local id=$1 script=$2 dir=$wd/wt/$1
    if [ "$mode" = plain ]; then
        sh -c "$script" >/dev/null
        return
    fi
    flock "$lock" git worktree add -q -b "loop/$id" "$dir" HEAD
    (cd "$dir" && exec sh -c "$script") >"$wd/logs/$id.out" 2>"$wd/logs/$id.err"
    git -C "$dir" add -A
    git -C "$dir" commit -qm "$id"
    git -C "$dir" diff HEAD~1 HEAD >"$wd/patches/$id.patch"
    flock "$lock" git worktree remove --force "$dir"
}
[ "$mode" = plain ] || mkdir -p "$wd/wt" "$wd/patches" "$wd/logs"
running=0 failed=0
while IFS=$'\t' read -r id script; do
    if [ "$running" -ge "$parallel" ]; then
        wait -n || failed=1
        running=$((running - 1))
    fi
    one "$id" "$script" </dev/null &
    running=$((running + 1))
done <"$tasks"
while [ "$running" -gt 0 ]; do
    wait -n || failed=1
    running=$((running - 1))
done
exit "$failed"
LOOP

# ---- one timed run ----------------------------------------------------------------
dir=$work/t
mkdir -p "$dir"
: >"$dir/muster.us"
: >"$dir/loop.us"
: >"$dir/workers.us"

run_muster() {
    local r=$1 name=muster-$1 rd out n
    fresh "$pristine" "$name"
    rd=$work/runs/$name/repo
    out=$work/runs/$name/run.json
    log "[round $r] muster-run: $TASKS tasks, --max-outstanding $PARALLEL"
    timed muster "$rd" "$out" "$BIN" -i "$work/plan.json" --max-outstanding "$PARALLEL" --compact
    if [ "$rc" != 0 ]; then
        tail -n 20 "$rd.stderr" >&2
        head -c 1000 "$out" >&2
        die "muster-run exited $rc (0 expected) in $rd"
    fi
    n=$(grep -c '"event_type":"task.finished"' "$rd/.muster/ledger.jsonl" || true)
    [ "$n" = "$TASKS" ] || die "muster-run: $n task.finished events in $rd/.muster/ledger.jsonl, $TASKS expected"
    grep -q '"event_type":"run.finished"' "$rd/.muster/ledger.jsonl" || die "muster-run: no run.finished in $rd/.muster/ledger.jsonl"
    n=$(find "$rd/.muster/runs" -mindepth 3 -maxdepth 3 -name DIFF.patch -size +0 | wc -l)
    [ "$n" = "$TASKS" ] || die "muster-run: $n non-empty DIFF.patch in the bundles under $rd/.muster/runs, $TASKS expected"
    cp "$rd/.muster/ledger.jsonl" "$dir/ledger-$r.jsonl"
    log "[round $r] muster-run: $(($(tail -n 1 "$dir/muster.us") / 1000)) ms, checked"
    drop "$name"
}

run_loop() {
    local r=$1 name=loop-$1 rd wd n
    fresh "$pristine" "$name"
    rd=$work/runs/$name/repo
    wd=$work/runs/$name/loop
    log "[round $r] shell loop: $TASKS tasks, $PARALLEL at once"
    timed loop "$rd" /dev/null bash "$work/loop.sh" "$work/tasks.tsv" "$PARALLEL" "$wd"
    if [ "$rc" != 0 ]; then
        tail -n 20 "$rd.stderr" >&2
        die "the shell loop exited $rc (0 expected) in $rd"
    fi
    n=$(find "$wd/patches" -name '*.patch' -size +0 | wc -l)
    [ "$n" = "$TASKS" ] || die "the shell loop: $n non-empty patches in $wd/patches, $TASKS expected"
    n=$(git -C "$rd" for-each-ref --format=x refs/heads/loop/ | wc -l)
    [ "$n" = "$TASKS" ] || die "the shell loop: $n loop/ branches in $rd, $TASKS expected"
    n=$(git -C "$rd" worktree list --porcelain | grep -c '^worktree ' || true)
    [ "$n" = 1 ] || die "the shell loop left $((n - 1)) worktrees in $rd"
    log "[round $r] shell loop: $(($(tail -n 1 "$dir/loop.us") / 1000)) ms, checked"
    drop "$name"
}

run_workers() {
    local r=$1 rd=$work/runs/workers-$1 n
    rm -rf "$rd"
    mkdir -p "$rd"
    timed workers "$rd" /dev/null bash "$work/loop.sh" "$work/tasks.tsv" "$PARALLEL" "$rd" plain
    [ "$rc" = 0 ] || die "the workers alone exited $rc in $rd"
    n=$(find "$rd/area" -name out.txt | wc -l)
    [ "$n" = "$TASKS" ] || die "the workers alone wrote $n files, $TASKS expected"
    drop "workers-$1"
}

# ---- run ------------------------------------------------------------------------
bench_about muster-run "$TASKS tasks, $FILES files, $PARALLEL at once, $RUNS rounds"
echo "$TASKS tasks (one file each, in its own directory), a $FILES-file repo (commit ${base:0:8}), $PARALLEL at once; peer: a bash loop of git worktree add / run / add+commit / diff / worktree remove; $RUNS rounds, interleaved"
started=$SECONDS
for ((r = 1; r <= RUNS; r++)); do
    if [ $((r % 2)) = 1 ]; then
        run_muster "$r"
        run_loop "$r"
    else
        run_loop "$r"
        run_muster "$r"
    fi
    run_workers "$r"
    log "[round $r] done ($((SECONDS - started)) s so far)"
done

fact tasks "$TASKS"
fact files "$FILES"
fact parallel "$PARALLEL"
bench_report run_report.py
