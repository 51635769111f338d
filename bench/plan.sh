#!/usr/bin/env bash
# muster-plan benchmark: plan 1k, 10k and 100k tasks (bench/gen_tasks.py), next
# to a straightforward Python planner (bench/py_plan.py: networkx
# topological_generations, then a pairwise literal-prefix overlap check per
# wave) on the same input in the same run; `muster-plan next` on the state of a
# 100k-task run; and every tool on a small input (process start included).
#
# Usage: bash bench/plan.sh     (after cargo build --release --workspace)
# Results on stdout; progress on stderr; bench/out/plan.json and plan.md.
# It takes about 4 minutes on a 2-core machine (py_plan.py and muster-plan at 100k).
#
# What runs, and what each figure is:
#
#   inputs      gen_tasks.py tasks --count N (fixed seed): a muster.tasks/v1 of N
#               tasks shaped like real work (short chains, fan-ins, diamonds, a
#               few long chains; ~1.66 deps a task; touches in a synthetic
#               monorepo, mostly literal directories and files, some anchored
#               wildcards, one floating wildcard per 20k tasks; 3% with a
#               resource, 2% read-only, 1% needing user input). Its counts
#               (deps, generations, glob pairs whose literal prefixes overlap)
#               are printed per size.
#   plan        `muster-plan -i tasks.json --compact`, output to /dev/null;
#               median of 10 runs (5 above 10k) after 2 warm-up (3 runs, no
#               warm-up, when one run takes over 10 s). One more run
#               under /usr/bin/time -v gives max RSS and CPU time and the plan
#               that is checked (every task in exactly one wave, after all its
#               deps) and used for `next`.
#   py_plan     `py_plan.py -i tasks.json -o FILE` (writes its waves), under
#               /usr/bin/time -v (max RSS); 1 run, or the median of 3 when one
#               takes under 5 s; its output is checked the same way. "x" is
#               py_plan's median / muster-plan's. The two do the same job
#               (waves, conflicts pushed later) but not the same answer: muster
#               decides overlaps exactly and puts the critical path first,
#               py_plan compares literal prefixes and goes by id.
#   conflict-free check
#               muster-plan on gen_tasks.py --conflict-free (10k tasks, each in
#               its own directory): its waves must be networkx's
#               topological generations (tests/py/waves.py); exit 1 if not.
#   next        gen_tasks.py next-input: {plan, state} from the 100k plan, the
#               first waves done (a third of the tasks), 64 running, 8 failed,
#               max_outstanding 128 (so there are free slots to fill);
#               `muster-plan next -i FILE --compact`, median of 10 after 2
#               warm-up. "not available" (and n/a targets) when the binary has
#               no working `next` yet.
#   small       each tool on a small input, median (and p95) of 50 runs after
#               5 warm-up: muster-plan on 10 tasks, `muster-route --goal x`,
#               `muster-scope --paths` on 10 paths x 10 globs, `muster-ledger
#               verify` on a 10-event ledger. A tool that is not built, or
#               fails on its input, shows "not available" with the reason.
#
# Targets (PASS / MISS / n/a): 100k tasks planned under 1 s; at least 40x
# faster than py_plan.py at 100k; `next` on the 100k-task state under 200 ms;
# each tool on its small input under 5 ms (median, process start included).
#
# Environment (all optional):
#   MUSTER_BIN_DIR        where the binaries are (default: target/release)
#   BENCH_PLAN_SIZES      task counts (default: "1000 10000 100000")
#   BENCH_PLAN_RUNS       timed runs of muster-plan per size (default: 10 up to
#                         10k tasks, 5 above, after 2 warm-up runs; 3 and no
#                         warm-up when the checked run took over 10 s)
#   BENCH_PLAN_TIMEOUT    seconds one muster-plan run may take (default 300)
#   BENCH_PY_TIMEOUT      seconds one py_plan.py run may take (default 900);
#                         a run that takes longer shows as "timed out"
#   BENCH_SMALL_RUNS      timed runs per tool on the small inputs (default 50)
#   BENCH_PYENV           the venv with networkx (default: target/pyenv; made if
#                         missing, networkx installed at the version pinned in
#                         tests/py/requirements.txt)
#   BENCH_NO_PIP=1        do not pip install (use what BENCH_PYENV has)
#   BENCH_OUT             where plan.json and plan.md go (default: bench/out)
#   BENCH_TMPDIR          where the inputs and outputs are written (default: bench/out)
#   BENCH_STRICT=1        exit 1 when a target is missed (default: report only)
#   BENCH_KEEP=1          keep the work directory (inputs, plans, raw timings)
#   BENCH_NO_HYPERFINE=1  time with a bash loop even when hyperfine is there
# Exit: 1 when something is wrong (a command fails, a plan is not a valid
# schedule, the conflict-free waves are not networkx's generations); a missed
# target only with BENCH_STRICT=1.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
bin_dir=${MUSTER_BIN_DIR:-$repo/target/release}
BIN=$bin_dir/muster-plan
SIZES=${BENCH_PLAN_SIZES:-"1000 10000 100000"}
NEXT_SIZE=100000
FREE_SIZE=10000
PLAN_TIMEOUT=${BENCH_PLAN_TIMEOUT:-300}
PY_TIMEOUT=${BENCH_PY_TIMEOUT:-900}
SMALL_RUNS=${BENCH_SMALL_RUNS:-50}
PYENV=${BENCH_PYENV:-$repo/target/pyenv}
OUT=${BENCH_OUT:-$repo/bench/out}
TMPBASE=${BENCH_TMPDIR:-$OUT}
REQS=$repo/tests/py/requirements.txt
SEED=20261121
NOW=2026-11-21T08:00:00Z
export PYTHONDONTWRITEBYTECODE=1 # no __pycache__ in bench/ or tests/py/

BENCH_NAME=plan
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

# ---- check what we need, before any work ------------------------------------
[ -x "$BIN" ] || die "no executable $BIN; build it with \`cargo build --release -p muster-planner\` (or \`make bench\`), or set MUSTER_BIN_DIR to the directory holding muster-plan"
for s in $SIZES; do is_count "$s" || die "BENCH_PLAN_SIZES: \"$s\" is not a positive whole number"; done
[ -n "${SIZES// /}" ] || die "BENCH_PLAN_SIZES is empty"
[ -z "${BENCH_PLAN_RUNS:-}" ] || is_count "$BENCH_PLAN_RUNS" || die "BENCH_PLAN_RUNS must be a positive whole number"
is_count "$PLAN_TIMEOUT" || die "BENCH_PLAN_TIMEOUT must be a positive whole number of seconds"
is_count "$PY_TIMEOUT" || die "BENCH_PY_TIMEOUT must be a positive whole number of seconds"
is_count "$SMALL_RUNS" || die "BENCH_SMALL_RUNS must be a positive whole number"
[ -x /usr/bin/time ] || die "/usr/bin/time not found (peak RSS comes from /usr/bin/time -v; apt-get install time)"
command -v timeout >/dev/null || die "timeout (coreutils) not found"

bench_workdir

# Private copies of the binaries: a `cargo build` elsewhere in the workspace
# while the bench runs must not change what is measured halfway through.
BIN_SRC=$BIN
bin_built=$(date -u -r "$BIN_SRC" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || echo unknown)
mkdir -p "$work/bin"
for b in muster-plan muster-route muster-scope muster-ledger; do
    [ ! -x "$bin_dir/$b" ] || cp "$bin_dir/$b" "$work/bin/$b"
done
BIN=$work/bin/muster-plan
bin_sha=$(sha256sum "$BIN" | cut -c1-12)

# ---- Python: a venv with networkx --------------------------------------------
bench_venv "the generators and py_plan.py"
nx_pin=$(grep -E '^networkx==' "$REQS" | head -n 1)
[ -n "$nx_pin" ] || die "no networkx==VERSION line in $REQS"
if [ "${BENCH_NO_PIP:-0}" != 1 ] && ! "$PY" -c 'import importlib.metadata as m, sys; sys.exit(m.version("networkx") != sys.argv[1])' "${nx_pin#networkx==}" 2>/dev/null; then
    log "installing $nx_pin into $PYENV"
    "$PY" -m pip install --quiet --disable-pip-version-check "$nx_pin" >"$work/pip.log" 2>&1 || {
        tail -n 5 "$work/pip.log" >&2
        die "pip could not install $nx_pin from PyPI (see above); BENCH_NO_PIP=1 uses what $PYENV has"
    }
fi
"$PY" -c 'import networkx' 2>/dev/null || die "networkx is not installed in $PYENV (pip install $nx_pin)"
nx_version=$("$PY" -c 'import networkx; print(networkx.__version__)')
py_version=$("$PY" -c 'import platform; print(platform.python_version())')

# ---- the timer: hyperfine -N, else a shell loop --------------------------------
bench_timer
[ -n "$HYPERFINE" ] || [ -n "${EPOCHREALTIME:-}" ] || die "no hyperfine (apt-get install hyperfine) and no \$EPOCHREALTIME (bash 5) to time with"

fact() { printf '%s=%s\n' "$1" "${2//$'\n'/ }" >>"$dir/facts"; }
time_facts() { # PREFIX FILE: max RSS and CPU time from /usr/bin/time -v
    fact "$1_max_rss_kb" "$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$2")"
    fact "$1_cpu_s" "$(awk -F': ' '/User time|System time/ { t += $2 } END { print t }' "$2")"
}

# check_schedule TASKS WAVES_JSON: every task in exactly one wave, after all its deps.
check_schedule() {
    "$PY" - "$1" "$2" <<'PY'
import json, sys
tasks = json.load(open(sys.argv[1], encoding="utf-8"))["tasks"]
waves = json.load(open(sys.argv[2], encoding="utf-8"))["waves"]
wave = {}
for i, w in enumerate(waves):
    for t in w:
        if t in wave:
            sys.exit(f"task {t} is in waves {wave[t]} and {i}")
        wave[t] = i
ids = {t["id"] for t in tasks}
if set(wave) != ids:
    sys.exit(f"the waves miss {len(ids - set(wave))} tasks and name {len(set(wave) - ids)} unknown ones")
for t in tasks:
    for d in t.get("deps", []):
        if wave[d] >= wave[t["id"]]:
            sys.exit(f"task {t['id']} (wave {wave[t['id']]}) is not after its dep {d} (wave {wave[d]})")
if any(not w for w in waves):
    sys.exit("an empty wave")
print(len(waves))
PY
}

# ---- inputs -------------------------------------------------------------------
for n in $SIZES; do
    log "generating $n tasks (bench/gen_tasks.py, seed $SEED)"
    "$PY" "$here/gen_tasks.py" tasks --count "$n" --seed "$SEED" --out "$work/tasks-$n.json" --stats "$work/gen-$n.json"
done

# ---- one size: muster-plan and py_plan.py on N tasks ----------------------------
bench_one() {
    local n=$1 tasks runs rc
    dir=$work/r/$n
    mkdir -p "$dir"
    tasks=$work/tasks-$n.json
    fact tasks "$n"
    fact bytes "$(wc -c <"$tasks")"

    log "[$n] muster-plan (checked run under /usr/bin/time -v)"
    local t0=${EPOCHREALTIME//[.,]/} checked_ms
    set +e
    timeout "$PLAN_TIMEOUT" /usr/bin/time -v -o "$dir/muster.time" "$BIN" -i "$tasks" --compact >"$dir/plan.json" 2>"$dir/muster.err"
    rc=$?
    set -e
    checked_ms=$(((${EPOCHREALTIME//[.,]/} - t0) / 1000))
    [ "$rc" != 124 ] || die "[$n] muster-plan took over $PLAN_TIMEOUT s (BENCH_PLAN_TIMEOUT)"
    if [ "$rc" != 0 ]; then
        head -c 2000 "$dir/muster.err" >&2
        die "[$n] muster-plan failed (exit $rc): $BIN -i $tasks --compact"
    fi
    time_facts muster "$dir/muster.time"
    fact plan_bytes "$(wc -c <"$dir/plan.json")"
    local waves
    waves=$(check_schedule "$tasks" "$dir/plan.json") || die "[$n] muster-plan's waves are not a valid schedule (above)"
    fact muster_waves "$waves"
    fact muster_conflicts "$("$PY" -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["conflicts"]))' "$dir/plan.json")"

    runs=${BENCH_PLAN_RUNS:-}
    local warm=2
    [ -n "$runs" ] || { if [ "$n" -le 10000 ]; then runs=10; else runs=5; fi; }
    if [ -z "${BENCH_PLAN_RUNS:-}" ] && [ "$checked_ms" -gt 10000 ]; then
        runs=3 warm=0 # a slow planner: the checked run was the warm-up
    fi
    log "[$n] muster-plan: $runs timed runs (+$warm warm-up)"
    measure muster "$runs" "$warm" /dev/null 0 "$BIN" -i "$tasks" --compact

    log "[$n] py_plan.py"
    local py_cmd=(timeout "$PY_TIMEOUT" /usr/bin/time -v -o "$dir/py.time" "$PY" "$here/py_plan.py" -i "$tasks" -o "$dir/py.json" --stats "$dir/py.stats")
    measure py 1 0 /dev/null '0|124' "${py_cmd[@]}"
    if [ "$(cat "$dir/py.rc")" = 124 ]; then
        fact py_timed_out "$PY_TIMEOUT"
        log "[$n] py_plan.py: timed out after $PY_TIMEOUT s"
    else
        if [ "$(cat "$dir/py.us")" -lt 5000000 ]; then
            log "[$n] py_plan.py: 2 more runs"
            measure py_more 2 0 /dev/null 0 "${py_cmd[@]}"
            cat "$dir/py_more.us" >>"$dir/py.us"
        fi
        time_facts py "$dir/py.time"
        waves=$(check_schedule "$tasks" "$dir/py.json") || die "[$n] py_plan.py's waves are not a valid schedule (above)"
        fact py_waves "$waves"
    fi
    rm -f "$dir/py.json"
    [ "$n" = "$NEXT_SIZE" ] || rm -f "$dir/plan.json"
    PYTHONPATH="$here" "$PY" - one "$dir" "$work/gen-$n.json" <<<"$REPORT_PY"
}

# ---- muster-plan next on the state of a 100k-task run ---------------------------
bench_next() {
    local plan=$work/r/$NEXT_SIZE/plan.json rc
    dir=$work/next
    mkdir -p "$dir"
    if [ ! -f "$plan" ]; then
        fact status "not run ($NEXT_SIZE tasks not in BENCH_PLAN_SIZES)"
        return
    fi
    log "[next] making {plan, state} from the $NEXT_SIZE-task plan"
    "$PY" "$here/gen_tasks.py" next-input --plan "$plan" --seed "$SEED" --out "$dir/input.json" --counts "$dir/counts.json"
    fact bytes "$(wc -c <"$dir/input.json")"
    set +e
    timeout "$PLAN_TIMEOUT" /usr/bin/time -v -o "$dir/next.time" "$BIN" next -i "$dir/input.json" --compact >"$dir/batch.json" 2>"$dir/next.err"
    rc=$?
    set -e
    if [ "$rc" != 0 ] && [ "$rc" != 2 ]; then
        fact status "not available (muster-plan next exited $rc: $(grep -m 1 . "$dir/next.err" | cut -c1-160))"
        log "[next] not available: muster-plan next exited $rc"
        return
    fi
    if ! "$PY" -c 'import json, sys
b = json.load(open(sys.argv[1]))
assert b["schema"] == "muster.batch/v1", b.get("schema")
print("dispatch=%d" % len(b["dispatch"]))
print("waiting=%d" % len(b["waiting"]))
print("stop=%s" % ((b.get("stop") or {}).get("reason") or ""))' "$dir/batch.json" >>"$dir/facts" 2>"$dir/check.err"; then
        fact status "not available (muster-plan next wrote no muster.batch/v1: $(tail -n 1 "$dir/check.err" | cut -c1-160))"
        return
    fi
    fact status ok
    fact rc "$rc"
    time_facts next "$dir/next.time"
    log "[next] muster-plan next: 10 timed runs (+2 warm-up)"
    measure next 10 2 /dev/null '0|2' "$BIN" next -i "$dir/input.json" --compact
}

# ---- each tool on a small input -------------------------------------------------
bench_small() {
    local s=$work/small name rc
    mkdir -p "$s"
    "$PY" "$here/gen_tasks.py" tasks --count 10 --seed "$SEED" --out "$s/tasks.json"
    "$PY" "$here/gen_paths.py" paths --count 10 --seed "$SEED" --out "$s/paths.txt"
    "$PY" "$here/gen_paths.py" globs --count 10 --seed "$SEED" --allow-out "$s/allow.txt" --deny-out "$s/deny.txt"
    "$PY" "$here/gen_events.py" --count 10 --seed "$SEED" --out "$s/events.jsonl"
    if [ -x "$work/bin/muster-ledger" ]; then
        "$work/bin/muster-ledger" --ledger "$s/ledger.jsonl" --now "$NOW" --compact append <"$s/events.jsonl" >/dev/null 2>"$s/append.err" ||
            log "[small] muster-ledger append failed: $(head -n 1 "$s/append.err")"
    fi
    local -A cmds=(
        [plan]="muster-plan -i $s/tasks.json --compact"
        [route]="muster-route --goal x"
        [scope]="muster-scope --paths --compact -i $s/paths.txt --allow-file $s/allow.txt"
        [ledger]="muster-ledger --ledger $s/ledger.jsonl verify"
    )
    for name in plan route scope ledger; do
        dir=$work/small-$name
        mkdir -p "$dir"
        # The paths have no spaces (mktemp under BENCH_TMPDIR; checked below), so word splitting is safe.
        local -a cmd
        read -r -a cmd <<<"${cmds[$name]}"
        fact tool "${cmd[0]}"
        fact what "${cmds[$name]//$s\//}"
        if [ ! -x "$work/bin/${cmd[0]}" ]; then
            fact status "not available (${cmd[0]} not built in $bin_dir)"
            continue
        fi
        cmd[0]=$work/bin/${cmd[0]}
        set +e
        "${cmd[@]}" >"$dir/out" 2>"$dir/err"
        rc=$?
        set -e
        if [ "$rc" != 0 ] && [ "$rc" != 2 ]; then
            fact status "not available (exit $rc: $(grep -m 1 . "$dir/err" | cut -c1-160))"
            log "[small] $name: not available (exit $rc)"
            continue
        fi
        fact status ok
        fact rc "$rc"
        log "[small] ${cmds[$name]%% *}: $SMALL_RUNS timed runs (+5 warm-up)"
        measure small "$SMALL_RUNS" 5 /dev/null '0|2' "${cmd[@]}"
    done
}

# ---- the report (Python: stats, the printed figures, plan.json, plan.md) --------
REPORT_PY=$(
    cat <<'PY'
import json, os, statistics, sys
from benchlib import machine_line, read_facts, read_results, rounded, stats, times, write_json

TARGET_100K_S = 1.0      # muster-plan, 100k tasks, whole process
TARGET_VS_PY = 40.0      # at 100k: at least 40x faster than py_plan.py
TARGET_NEXT_S = 0.200    # muster-plan next on the 100k-task state
TARGET_SMALL_S = 0.005   # every tool on a small input, median, process start included


def fmt_s(s):
    if s < 0.01:
        return f"{s * 1e3:.2f} ms"
    return f"{s * 1e3:.0f} ms" if s < 1 else f"{s:.2f} s"

def runs(x):
    return f"{x['runs']} run" + ("" if x["runs"] == 1 else "s")

def mb(kb):
    return round(int(kb) / 1024, 1)

def result(d, gen_path):
    f = read_facts(d)
    n = int(f["tasks"])
    with open(gen_path) as g:
        gen = json.load(g)
    r = {"tasks": n, "input_bytes": int(f["bytes"]), "input": gen}
    m = stats(times(d, "muster"))
    r["muster"] = {**m, "tasks_per_s": n / m["median_s"], "max_rss_mb": mb(f["muster_max_rss_kb"]),
                   "cpu_s_one_run": float(f["muster_cpu_s"]), "waves": int(f["muster_waves"]),
                   "conflicts": int(f["muster_conflicts"]), "plan_bytes": int(f["plan_bytes"])}
    if f.get("py_timed_out"):
        r["py_plan"] = {"timed_out_after_s": int(f["py_timed_out"])}
    else:
        p = stats(times(d, "py"))
        with open(os.path.join(d, "py.stats")) as sf:
            st = json.load(sf)
        r["py_plan"] = {**p, "tasks_per_s": n / p["median_s"], "max_rss_mb": mb(f["py_max_rss_kb"]),
                        "cpu_s_last_run": float(f["py_cpu_s"]), "waves": int(f["py_waves"]),
                        "pushed": st["pushed"],
                        "phases_last_run_s": {x: st[x + "_s"] for x in ("read", "generations", "waves", "write")},
                        "muster_faster_x": p["median_s"] / m["median_s"]}
    return rounded(r)

def print_one(r):
    n, m, p, g = r["tasks"], r["muster"], r["py_plan"], r["input"]
    w = 26
    print(f"== {n:,} tasks ({r['input_bytes'] / 1e6:.1f} MB): {g['deps']:,} deps ({g['avg_deps']:.2f} a task), "
          f"{g['roots']:,} roots, {g['generations']} generations (widest {g['widest_generation']:,}); "
          f"{g['touches']:,} touches globs, {g['overlapping_glob_pairs']:,} pairs overlap by literal prefix "
          f"({g['overlapping_glob_pairs_same_generation']:,} within a generation); {g['with_resources']:,} with a resource")
    print(f"  {'muster-plan (' + runs(m) + ')':<{w}} {fmt_s(m['median_s']):>9}  {m['tasks_per_s']:>11,.0f} tasks/s"
          f"   max RSS {m['max_rss_mb']:.0f} MB, CPU {fmt_s(m['cpu_s_one_run'])}; {m['waves']} waves, "
          f"{m['conflicts']:,} conflicts, plan {m['plan_bytes'] / 1e6:.1f} MB")
    if "timed_out_after_s" in p:
        print(f"  {'py_plan.py':<{w}} {'-':>9}  timed out after {p['timed_out_after_s']} s")
    else:
        ph = p["phases_last_run_s"]
        print(f"  {'py_plan.py (' + runs(p) + ')':<{w}} {fmt_s(p['median_s']):>9}  {p['tasks_per_s']:>11,.0f} tasks/s"
              f"   max RSS {p['max_rss_mb']:.0f} MB; {p['waves']} waves; networkx {fmt_s(ph['generations'])}, "
              f"pairwise waves {fmt_s(ph['waves'])}   => x = {p['muster_faster_x']:.1f} "
              f"(muster-plan {'faster' if p['muster_faster_x'] >= 1 else 'slower'})")
    sys.stdout.flush()

def next_result(d):
    f = read_facts(d)
    r = {"tasks": None, "status": f.get("status", "not run")}
    if os.path.exists(os.path.join(d, "counts.json")):
        with open(os.path.join(d, "counts.json")) as c:
            r["state"] = json.load(c)
        r["tasks"] = sum(r["state"].values())
        r["input_bytes"] = int(f["bytes"])
    if r["status"] == "ok":
        s = stats(times(d, "next"))
        r.update(s)
        r.update({"exit_code": int(f["rc"]), "max_rss_mb": mb(f["next_max_rss_kb"]), "cpu_s_one_run": float(f["next_cpu_s"]),
                  "dispatch": int(f["dispatch"]), "waiting": int(f["waiting"]), "stop": f["stop"] or None})
    return rounded(r)

def small_results(work):
    rows = []
    for name in ("plan", "route", "scope", "ledger"):
        d = os.path.join(work, "small-" + name)
        f = read_facts(d)
        if not f:
            continue
        r = {"tool": f["tool"], "command": f["what"], "status": f["status"]}
        if f["status"] == "ok":
            r.update(stats(times(d, "small")))
            r["exit_code"] = int(f["rc"])
        rows.append(rounded(r))
    return rows

def final(work, out, meta_path):
    meta, rows = read_results(work, meta_path)
    rows.sort(key=lambda r: r["tasks"])
    at = {r["tasks"]: r for r in rows}
    nxt = next_result(os.path.join(work, "next"))
    small = small_results(work)
    free = read_facts(os.path.join(work, "free"))
    free_ok = free.get("agrees") == "yes"

    targets = []
    r = at.get(100_000)
    t = {"target": "plan_100k_under_1s", "text": "muster-plan, 100k tasks, whole process, under 1 s"}
    if r:
        t.update(status="PASS" if r["muster"]["median_s"] < TARGET_100K_S else "MISS", observed=fmt_s(r["muster"]["median_s"]))
    else:
        t.update(status="n/a", observed="not run")
    targets.append(t)
    t = {"target": "vs_py_plan_100k_40x", "text": f"at 100k tasks, at least {TARGET_VS_PY:.0f}x faster than py_plan.py"}
    if r and "muster_faster_x" in r["py_plan"]:
        x = r["py_plan"]["muster_faster_x"]
        t.update(status="PASS" if x >= TARGET_VS_PY else "MISS",
                 observed=f"{x:.1f}x ({fmt_s(r['py_plan']['median_s'])} vs {fmt_s(r['muster']['median_s'])})")
    else:
        t.update(status="n/a", observed="not run" if not r else "py_plan.py timed out")
    targets.append(t)
    t = {"target": "next_100k_under_200ms", "text": "muster-plan next on the state of a 100k-task run, under 200 ms"}
    if nxt["status"] == "ok":
        t.update(status="PASS" if nxt["median_s"] < TARGET_NEXT_S else "MISS", observed=fmt_s(nxt["median_s"]))
    else:
        t.update(status="n/a", observed=nxt["status"])
    targets.append(t)
    for s in small:
        t = {"target": f"small_{s['tool']}_under_5ms", "text": f"{s['command']}: under 5 ms (median, process start included)"}
        if s["status"] == "ok":
            t.update(status="PASS" if s["median_s"] < TARGET_SMALL_S else "MISS",
                     observed=f"{fmt_s(s['median_s'])} (p95 {fmt_s(s['p95_s'])})")
        else:
            t.update(status="n/a", observed=s["status"])
        targets.append(t)

    doc = {"schema": "muster.bench.plan/v1", **meta, "sizes": rows,
           "conflict_free_check": {"tasks": int(free["tasks"]) if free.get("tasks") else None,
                                   "waves_equal_networkx_generations": free_ok, "detail": free.get("detail")},
           "next": nxt, "small": small, "targets": targets}
    write_json(out, "plan.json", doc)

    md = ["# muster-plan benchmark", "",
          machine_line(meta) +
          f"timer: {meta['timer']} · "
          f"muster-plan {meta['muster_version']} ({meta['git_rev']}; {meta['binary']}) · "
          f"Python {meta['python_version']}, networkx {meta['networkx_version']}", "",
          "| tasks | deps | generations | muster-plan | tasks/s | max RSS | waves | conflicts | py_plan.py | max RSS | waves | x |",
          "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        m, p, g = r["muster"], r["py_plan"], r["input"]
        if "timed_out_after_s" in p:
            pc = [f"timed out ({p['timed_out_after_s']} s)", "", "", ""]
        else:
            pc = [fmt_s(p["median_s"]), f"{p['max_rss_mb']:.0f} MB", str(p["waves"]), f"{p['muster_faster_x']:.1f}x"]
        md.append(f"| {r['tasks']:,} | {g['deps']:,} | {g['generations']} | {fmt_s(m['median_s'])} | {m['tasks_per_s']:,.0f} "
                  f"| {m['max_rss_mb']:.0f} MB | {m['waves']} | {m['conflicts']:,} | " + " | ".join(pc) + " |")
    md += ["", f"Conflict-free check ({free.get('tasks', '?')} tasks, each in its own directory): muster-plan's waves "
           + ("equal networkx's topological generations." if free_ok else f"**differ** from networkx's generations: {free.get('detail')}"), ""]
    if nxt["status"] == "ok":
        st = ", ".join(f"{v:,} {k}" for k, v in sorted(nxt["state"].items()))
        md.append(f"`muster-plan next` on a {nxt['tasks']:,}-task state ({st}): {fmt_s(nxt['median_s'])} "
                  f"(p95 {fmt_s(nxt['p95_s'])}), max RSS {nxt['max_rss_mb']:.0f} MB; dispatch {nxt['dispatch']}, waiting {nxt['waiting']:,}.")
    else:
        md.append(f"`muster-plan next`: {nxt['status']}.")
    md += ["", "| small input | median | p95 | runs |", "|---|---:|---:|---:|"]
    for s in small:
        if s["status"] == "ok":
            md.append(f"| `{s['command']}` | {fmt_s(s['median_s'])} | {fmt_s(s['p95_s'])} | {s['runs']} |")
        else:
            md.append(f"| `{s['command']}` | {s['status']} | | |")
    md += ["", "| target | observed | result |", "|---|---|---|"]
    for t in targets:
        md.append(f"| {t['text']} | {t['observed']} | {t['status']} |")
    md += ["", "Medians; x = py_plan.py's time / muster-plan's. See the comment at the top of bench/plan.sh."]
    with open(os.path.join(out, "plan.md"), "w") as f:
        f.write("\n".join(md) + "\n")

    print("== conflict-free check: " + (f"muster-plan's waves equal networkx's topological generations ({free.get('tasks')} tasks)"
                                       if free_ok else f"WRONG: {free.get('detail')}"))
    if nxt["status"] == "ok":
        st = ", ".join(f"{v:,} {k}" for k, v in sorted(nxt["state"].items()))
        print(f"== muster-plan next, {nxt['tasks']:,}-task state ({st}; {nxt['input_bytes'] / 1e6:.1f} MB): "
              f"{fmt_s(nxt['median_s'])} median of {nxt['runs']} (p95 {fmt_s(nxt['p95_s'])}), max RSS {nxt['max_rss_mb']:.0f} MB; "
              f"dispatch {nxt['dispatch']}, waiting {nxt['waiting']:,}" + (f", stop {nxt['stop']}" if nxt["stop"] else ""))
    else:
        print(f"== muster-plan next: {nxt['status']}")
    print("== small inputs (median of the runs, process start included)")
    for s in small:
        if s["status"] == "ok":
            print(f"  {s['command']:<60} {fmt_s(s['median_s']):>9}  p95 {fmt_s(s['p95_s'])}  ({s['runs']} runs, exit {s['exit_code']})")
        else:
            print(f"  {s['command']:<60} {s['status']}")
    print("== targets")
    for t in targets:
        print(f"  {t['status']:<4}  {t['text']}: {t['observed']}")
    print(f"wrote {os.path.join(out, 'plan.json')} and {os.path.join(out, 'plan.md')}")
    missed = sum(t["status"] == "MISS" for t in targets)
    if not free_ok:
        return 1
    return 1 if missed and os.environ.get("BENCH_STRICT") == "1" else 0

if __name__ == "__main__":
    if sys.argv[1] == "one":
        d = sys.argv[2]
        r = result(d, sys.argv[3])
        with open(os.path.join(d, "result.json"), "w") as f:
            json.dump(r, f, indent=2, ensure_ascii=False)
        print_one(r)
    else:
        sys.exit(final(sys.argv[2], sys.argv[3], sys.argv[4]))
PY
)

# ---- run ------------------------------------------------------------------------
case $work in *[[:space:]]*) die "the work directory $work has a space in it (BENCH_TMPDIR names another place)" ;; esac
version=$("$BIN" --version 2>/dev/null | awk '{ print $2 }') || version=unknown
git_rev=$(git -C "$repo" describe --always --dirty 2>/dev/null) || git_rev=unknown
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null) || cpu=unknown
cores=$(nproc 2>/dev/null || echo 0)
load_start=$(loadavg)
log "muster-plan $version at $BIN_SRC (measured from a copy); sizes: $SIZES; work dir $work"
echo "muster-plan bench: $BIN_SRC ($version, $git_rev, built $bin_built, sha256 $bin_sha...), ${cpu:-unknown}, $cores cores, load average $load_start; timer: $TIMER"
echo "peer: bench/py_plan.py (Python $py_version, networkx $nx_version: topological_generations, then a pairwise literal-prefix overlap check per wave)"
echo "muster-plan is timed writing its plan (--compact) to /dev/null; py_plan.py writing its waves to a file"
started=$SECONDS
for n in $SIZES; do
    bench_one "$n"
    log "[$n] done ($((SECONDS - started)) s so far)"
done

# The conflict-free check: waves = networkx's topological generations.
dir=$work/free
mkdir -p "$dir"
log "[conflict-free] $FREE_SIZE tasks, each in its own directory: waves vs networkx"
"$PY" "$here/gen_tasks.py" tasks --count "$FREE_SIZE" --seed "$SEED" --conflict-free --out "$dir/tasks.json"
fact tasks "$FREE_SIZE"
if ! timeout "$PLAN_TIMEOUT" "$BIN" -i "$dir/tasks.json" --compact >"$dir/plan.json" 2>"$dir/err"; then
    head -c 2000 "$dir/err" >&2
    die "[conflict-free] muster-plan failed on $dir/tasks.json"
fi
if "$PY" "$repo/tests/py/waves.py" --tasks "$dir/tasks.json" --plan "$dir/plan.json" >"$dir/check.json"; then
    fact agrees yes
else
    fact agrees no
    fact detail "$(head -c 600 "$dir/check.json")"
    log "[conflict-free] muster-plan's waves DIFFER from networkx's generations: $(head -c 600 "$dir/check.json")"
fi
rm -f "$dir/plan.json"

bench_next
bench_small

"$PY" -c 'import json, sys, datetime
keys = ["timer", "muster_version", "git_rev", "binary", "cpu", "cores", "load_start", "load_end", "seed",
        "python_version", "networkx_version"]
v = dict(zip(keys, sys.argv[1:]))
doc = {"generated_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
       "timer": v["timer"], "muster_version": v["muster_version"], "git_rev": v["git_rev"], "binary": v["binary"],
       "machine": {"cpu": v["cpu"], "cores": int(v["cores"]),
                   "loadavg_at_start": v["load_start"], "loadavg_at_end": v["load_end"]},
       "generator": {"script": "bench/gen_tasks.py", "seed": int(v["seed"])},
       "python_version": v["python_version"], "networkx_version": v["networkx_version"],
       "units": {"MB": "10^6 bytes (max RSS: MiB)", "times": "seconds, medians of the runs"}}
json.dump(doc, open(sys.argv[-1], "w"))' \
    "$TIMER" "$version" "$git_rev" "$BIN_SRC (sha256 $bin_sha..., built $bin_built)" "${cpu:-unknown}" "$cores" "$load_start" "$(loadavg)" "$SEED" \
    "$py_version" "$nx_version" "$work/meta.json"
set +e
PYTHONPATH="$here" "$PY" - final "$work" "$OUT" "$work/meta.json" <<<"$REPORT_PY"
rc=$?
set -e
log "finished in $((SECONDS - started)) s"
exit "$rc"
