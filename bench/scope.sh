#!/usr/bin/env bash
# muster-scope benchmark: 100k and 1M changed paths against 10, 100 and 1000
# allow globs (plus 5 deny globs), next to the Python `pathspec` package
# (its pure-Python "simple" backend and its re2 backend) doing the same job on
# the same input in the same run. What is measured and how to read it:
# bench/README.md, section "muster-scope".
#
# Usage: bash bench/scope.sh          (after cargo build --release -p muster-scope-check)
# Results on stdout; progress on stderr; bench/out/scope.json and scope.md.
#
# Environment (all optional):
#   MUSTER_BIN_DIR        where muster-scope is (default: target/release)
#   BENCH_SCOPE_SIZES     path counts (default: "100000 1000000")
#   BENCH_SCOPE_GLOBS     allow-glob counts (default: "10 100 1000")
#   BENCH_SCOPE_RUNS      timed runs of muster-scope per workload (default: 10 up
#                         to 100k paths, 5 above; after 2 warm-up runs)
#   BENCH_PY_CAP_S        skip a pathspec run whose estimate (from the same
#                         globs at the previous size) is over this many seconds
#                         (default 150); the skipped cell says so
#   BENCH_PYENV           the venv for pathspec (default: target/pyenv; made if
#                         missing, and bench/py-requirements.txt installed in it)
#   BENCH_NO_PIP=1        do not pip install (use what BENCH_PYENV has)
#   BENCH_OUT             where scope.json and scope.md go (default: bench/out)
#   BENCH_TMPDIR          where the inputs and reports are written (default: bench/out)
#   BENCH_STRICT=1        exit 1 when a target is missed (default: report only)
#   BENCH_KEEP=1          keep the work directory (inputs, reports, raw timings)
# Exit: 1 when something is wrong (a command fails, muster-scope and pathspec
# disagree on any path); a missed target only with BENCH_STRICT=1.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
bin_dir=${MUSTER_BIN_DIR:-$repo/target/release}
BIN=$bin_dir/muster-scope
SIZES=${BENCH_SCOPE_SIZES:-"100000 1000000"}
GLOBS=${BENCH_SCOPE_GLOBS:-"10 100 1000"}
PY_CAP_S=${BENCH_PY_CAP_S:-150}
PYENV=${BENCH_PYENV:-$repo/target/pyenv}
OUT=${BENCH_OUT:-$repo/bench/out}
TMPBASE=${BENCH_TMPDIR:-$OUT}
REQS=$here/py-requirements.txt
SEED=20261121

BENCH_NAME=scope
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

# ---- check what we need, before any work ------------------------------------
[ -x "$BIN" ] || die "no executable $BIN; build it with \`cargo build --release -p muster-scope-check\`, or set MUSTER_BIN_DIR to the directory holding muster-scope"
for s in $SIZES; do is_count "$s" || die "BENCH_SCOPE_SIZES: \"$s\" is not a positive whole number"; done
for k in $GLOBS; do is_count "$k" || die "BENCH_SCOPE_GLOBS: \"$k\" is not a positive whole number"; done
[ -n "${SIZES// /}" ] || die "BENCH_SCOPE_SIZES is empty"
[ -n "${GLOBS// /}" ] || die "BENCH_SCOPE_GLOBS is empty"
[ -z "${BENCH_SCOPE_RUNS:-}" ] || is_count "$BENCH_SCOPE_RUNS" || die "BENCH_SCOPE_RUNS must be a positive whole number"
is_count "$PY_CAP_S" || die "BENCH_PY_CAP_S must be a positive whole number of seconds"
[ -x /usr/bin/time ] || die "/usr/bin/time not found (peak RSS comes from /usr/bin/time -v; apt-get install time)"

bench_workdir

# A private copy of the binary: a `cargo build` elsewhere in the workspace
# while the bench runs must not change what is measured halfway through.
BIN_SRC=$BIN
bin_built=$(date -u -r "$BIN_SRC" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || echo unknown)
cp "$BIN_SRC" "$work/muster-scope"
BIN=$work/muster-scope
bin_sha=$(sha256sum "$BIN" | cut -c1-12)

max_n=0
for s in $SIZES; do [ "$s" -gt "$max_n" ] && max_n=$s; done
need_mb=$((max_n * 700 / 1000000 + 50)) # the paths and three reports of the largest size
free_mb=$(df -Pm "$work" | awk 'NR == 2 { print $4 }')
if [ -n "$free_mb" ] && [ "$free_mb" -lt "$need_mb" ]; then
    die "$work has ${free_mb} MB free; $max_n paths need about $need_mb MB (BENCH_TMPDIR names another place)"
fi

# ---- Python: a venv with pathspec (and google-re2 when it installs) ----------
bench_venv "the path generator and the pathspec peer"
RE2_WHY=
if [ "${BENCH_NO_PIP:-0}" != 1 ]; then
    pip=("$PY" -m pip install --quiet --disable-pip-version-check)
    if ! "${pip[@]}" -r "$REQS" >"$work/pip.log" 2>&1; then
        # Most likely google-re2 (a compiled wheel): go on without it, but say why.
        log "pip install -r bench/py-requirements.txt failed; installing pathspec alone"
        RE2_WHY="pip install google-re2 failed: $(grep -iE 'error' "$work/pip.log" | head -n 1 | cut -c1-200)"
        grep -E '^pathspec' "$REQS" >"$work/pathspec-only.txt"
        "${pip[@]}" -r "$work/pathspec-only.txt" >>"$work/pip.log" 2>&1 || {
            tail -n 5 "$work/pip.log" >&2
            die "pip could not install pathspec from PyPI (see above); BENCH_NO_PIP=1 uses what $PYENV has"
        }
    fi
fi
"$PY" -c 'import pathspec' 2>/dev/null || die "pathspec is not installed in $PYENV (pip install -r bench/py-requirements.txt)"
pathspec_version=$("$PY" -c 'import pathspec; print(pathspec.__version__)')
BACKENDS="simple"
if why=$("$PY" "$here/py_pathspec.py" --check-backend re2 2>&1); then
    BACKENDS="simple re2"
    re2_version=$("$PY" -c 'import importlib.metadata as m; print(m.version("google-re2"))' 2>/dev/null || echo '?')
else
    RE2_WHY=${RE2_WHY:-$why}
    re2_version=
    log "re2 backend: not available ($RE2_WHY)"
fi

# ---- the timer: hyperfine -N, else a shell loop --------------------------------
bench_timer
[ -n "$HYPERFINE" ] || [ -n "${EPOCHREALTIME:-}" ] || die "no hyperfine (apt-get install hyperfine) and no \$EPOCHREALTIME (bash 5) to time with"

fact() { printf '%s=%s\n' "$1" "$2" >>"$dir/facts"; }

# ---- inputs -------------------------------------------------------------------
# One path list of the largest size; the smaller ones are its first lines (the
# generator makes them so).
log "generating $max_n paths (bench/gen_paths.py, seed $SEED)"
"$PY" "$here/gen_paths.py" paths --count "$max_n" --seed "$SEED" --out "$work/paths-$max_n.txt"
for n in $SIZES; do
    [ "$n" = "$max_n" ] || head -n "$n" "$work/paths-$max_n.txt" >"$work/paths-$n.txt"
done
for k in $GLOBS; do
    "$PY" "$here/gen_paths.py" globs --count "$k" --seed "$SEED" --allow-out "$work/allow-$k.txt" --deny-out "$work/deny.txt"
done
mapfile -t DENY <"$work/deny.txt"
deny_flags=()
for g in "${DENY[@]}"; do deny_flags+=(--deny "$g"); done

# ---- one workload: N paths x K allow globs ----------------------------------------
declare -A PY_EST # "backend k" -> seconds per path, from the previous size

bench_one() {
    local n=$1 k=$2 paths allow runs b est rep
    dir=$work/r/$n-$k
    mkdir -p "$dir"
    paths=$work/paths-$n.txt
    allow=$work/allow-$k.txt
    fact paths "$n"
    fact globs "$k"
    fact deny "${#DENY[@]}"
    fact bytes "$(wc -c <"$paths")"
    local cmd=("$BIN" --paths --compact -i "$paths" --allow-file "$allow" "${deny_flags[@]}")

    # One checked run: the report to compare, peak RSS and CPU time.
    log "[$n x $k] muster-scope (checked run under /usr/bin/time -v)"
    set +e
    /usr/bin/time -v -o "$dir/muster.time" "${cmd[@]}" >"$dir/muster.json" 2>"$dir/muster.err"
    local rc=$?
    set -e
    if [ "$rc" != 0 ] && [ "$rc" != 2 ]; then
        cat "$dir/muster.err" >&2
        die "[$n x $k] muster-scope failed (exit $rc): ${cmd[*]}"
    fi
    fact muster_rc "$rc"
    fact muster_max_rss_kb "$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$dir/muster.time")"
    fact muster_cpu_s "$(awk -F': ' '/User time|System time/ { t += $2 } END { print t }' "$dir/muster.time")"
    fact report_bytes "$(wc -c <"$dir/muster.json")"

    runs=${BENCH_SCOPE_RUNS:-}
    [ -n "$runs" ] || { if [ "$n" -le 100000 ]; then runs=10; else runs=5; fi; }
    fact muster_runs "$runs"
    log "[$n x $k] muster-scope: $runs timed runs (+2 warm-up)"
    measure muster "$runs" 2 /dev/null '0|2' "${cmd[@]}"

    for b in $BACKENDS; do
        est=${PY_EST["$b $k"]:-}
        if [ -n "$est" ] && "$PY" -c 'import sys; sys.exit(0 if float(sys.argv[1]) * int(sys.argv[2]) > int(sys.argv[3]) else 1)' "$est" "$n" "$PY_CAP_S"; then
            fact "py_${b}_skipped" "$("$PY" -c 'import sys; print(round(float(sys.argv[1]) * int(sys.argv[2])))' "$est" "$n")"
            log "[$n x $k] pathspec $b: skipped (estimated over BENCH_PY_CAP_S=$PY_CAP_S s)"
            continue
        fi
        # One run; when it took under 5 s, two more (the median of three).
        rep=$dir/py-$b.json
        local py_cmd=("$PY" "$here/py_pathspec.py" --backend "$b" -i "$paths" --allow-file "$allow" "${deny_flags[@]}" --stats "$dir/py-$b.stats")
        log "[$n x $k] pathspec $b backend"
        measure "py_$b" 1 0 "$rep" '0|2' "${py_cmd[@]}"
        if [ "$(cat "$dir/py_$b.us")" -lt 5000000 ]; then
            log "[$n x $k] pathspec $b backend: 2 more runs"
            measure "py_${b}_more" 2 0 "$rep" '0|2' "${py_cmd[@]}"
            cat "$dir/py_${b}_more.us" >>"$dir/py_$b.us"
        fi
        PY_EST["$b $k"]=$("$PY" -c 'import statistics, sys; print(statistics.median(int(x) for x in open(sys.argv[1])) / 1e6 / int(sys.argv[2]))' "$dir/py_$b.us" "$n")
        # The same job: byte-identical reports, or the comparison means nothing.
        if cmp -s "$dir/muster.json" "$rep"; then
            fact "py_${b}_agrees" yes
        else
            fact "py_${b}_agrees" no
            log "[$n x $k] muster-scope and pathspec $b DISAGREE; first differences:"
            "$PY" - "$dir/muster.json" "$rep" <<'PY' | tee "$dir/py-$b.diff" >&2
import json, sys
a, b = (json.load(open(p, encoding="utf-8")) for p in sys.argv[1:3])
for key in ("schema", "status", "allow", "deny"):
    if a[key] != b[key]:
        print(f"  {key}: muster {a[key]!r:.200} vs pathspec {b[key]!r:.200}")
fa, fb = a["files"], b["files"]
print(f"  files: {len(fa)} vs {len(fb)}; allowed {sum(f['allowed'] for f in fa)} vs {sum(f['allowed'] for f in fb)}")
shown = 0
for x, y in zip(fa, fb):
    if x != y:
        print(f"  {x['path']!r}: muster {x['allowed']} ({x['decided_by']}) vs pathspec {y['allowed']} ({y['decided_by']})")
        shown += 1
        if shown == 10:
            break
print(f"  paths decided differently: {sum(x['allowed'] != y['allowed'] for x, y in zip(fa, fb))}; "
      f"decided_by differs: {sum(x['decided_by'] != y['decided_by'] for x, y in zip(fa, fb))}")
PY
        fi
        rm -f "$rep"
    done
    # Counts for the table (exact: a path's quotes are escaped, so
    # '"allowed":true' occurs once per allowed file and nowhere else).
    "$PY" - "$dir/muster.json" >>"$dir/facts" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
print("allowed=%d" % data.count(b'"allowed":true'))
print("denied_by_deny=%d" % data.count(b'"decided_by":"deny '))
PY
    rm -f "$dir/muster.json"
    PYTHONPATH="$here" "$PY" - one "$dir" <<<"$REPORT_PY"
}

# ---- the report (Python: stats, the printed figures, scope.json, scope.md) -------
REPORT_PY=$(
    cat <<'PY'
import json, os, statistics, sys
from benchlib import machine_line, read_facts, read_results, rounded, stats, times, write_json

TARGET_1M_1000_S = 1.0   # whole process, report included, 1M paths x 1000 globs
TARGET_VS_SIMPLE = 25.0  # at 1M x 100: at least 25x faster than pathspec's default (simple) backend
TARGET_VS_RE2 = 5.0      # at 1M x 100: at least 5x faster than pathspec's re2 backend

def result(d):
    f = read_facts(d)
    n, k = int(f["paths"]), int(f["globs"])
    r = {"paths": n, "allow_globs": k, "deny_globs": int(f["deny"]), "input_bytes": int(f["bytes"]),
         "report_bytes": int(f["report_bytes"]), "allowed": int(f["allowed"]),
         "denied_by_deny_glob": int(f["denied_by_deny"])}
    m = stats(times(d, "muster"))
    r["muster"] = {**m, "paths_per_s": n / m["median_s"], "exit_code": int(f["muster_rc"]),
                   "max_rss_mb": round(int(f["muster_max_rss_kb"]) / 1024, 1),
                   "cpu_s_one_run": float(f["muster_cpu_s"])}
    r["pathspec"] = {}
    for b in ("simple", "re2"):
        if f.get(f"py_{b}_skipped"):
            r["pathspec"][b] = {"skipped": True, "estimated_s": int(f[f"py_{b}_skipped"])}
            continue
        ts = times(d, f"py_{b}")
        if ts is None:
            continue
        p = stats(ts)
        with open(os.path.join(d, f"py-{b}.stats")) as sf:
            st = json.load(sf)
        r["pathspec"][b] = {**p, "paths_per_s": n / p["median_s"], "agrees": f[f"py_{b}_agrees"] == "yes",
                            "phases_last_run_s": {x: st[x + "_s"] for x in ("read", "compile", "decide", "write")},
                            "muster_faster_x": p["median_s"] / m["median_s"]}
    return rounded(r)


def fmt_s(s):
    return f"{s * 1e3:.0f} ms" if s < 1 else f"{s:.2f} s"

def runs(x):
    return f"{x['runs']} run" + ("" if x["runs"] == 1 else "s")

def print_one(r):
    n, k, m = r["paths"], r["allow_globs"], r["muster"]
    w = 30
    print(f"== {n:,} paths ({r['input_bytes'] / 1e6:.1f} MB) x {k} allow globs + {r['deny_globs']} deny: "
          f"{100 * r['allowed'] / n:.1f}% allowed, {100 * r['denied_by_deny_glob'] / n:.1f}% denied by a deny glob; "
          f"report {r['report_bytes'] / 1e6:.0f} MB")
    print(f"  {'muster-scope (' + runs(m) + ')':<{w}} {fmt_s(m['median_s']):>9}  {m['paths_per_s']:>12,.0f} paths/s"
          f"   max RSS {m['max_rss_mb']:.0f} MB, CPU {fmt_s(m['cpu_s_one_run'])}")
    for b, p in r["pathspec"].items():
        name = f"pathspec {b}"
        if p.get("skipped"):
            print(f"  {name + ' (skipped)':<{w}} {'-':>9}  estimated {p['estimated_s']} s from the smaller size (over BENCH_PY_CAP_S)")
            continue
        ph = p["phases_last_run_s"]
        agree = "same report" if p["agrees"] else "REPORTS DIFFER"
        print(f"  {name + ' (' + runs(p) + ')':<{w}} {fmt_s(p['median_s']):>9}  {p['paths_per_s']:>12,.0f} paths/s"
              f"   {p['muster_faster_x']:.1f}x muster's time; decide {fmt_s(ph['decide'])}, write {fmt_s(ph['write'])}; {agree}")
    sys.stdout.flush()

def final(work, out, meta_path):
    meta, rows = read_results(work, meta_path)
    rows.sort(key=lambda r: (r["paths"], r["allow_globs"]))
    at = {(r["paths"], r["allow_globs"]): r for r in rows}

    targets = []
    r = at.get((1_000_000, 1000))
    t = {"target": "muster_1m_x_1000_under_1s", "text": "muster-scope, 1M paths x 1000 globs, whole process with the report, under 1 s"}
    if r:
        t.update(status="PASS" if r["muster"]["median_s"] < TARGET_1M_1000_S else "MISS", observed=f"{fmt_s(r['muster']['median_s'])}")
    else:
        t.update(status="n/a", observed="not run")
    targets.append(t)
    r = at.get((1_000_000, 100))
    for b, need in (("simple", TARGET_VS_SIMPLE), ("re2", TARGET_VS_RE2)):
        t = {"target": f"vs_pathspec_{b}_1m_x_100", "text": f"at 1M x 100: at least {need:.0f}x faster than pathspec's {b} backend"}
        p = r["pathspec"].get(b) if r else None
        if p and not p.get("skipped"):
            t.update(status="PASS" if p["muster_faster_x"] >= need else "MISS", observed=f"{p['muster_faster_x']:.1f}x")
        else:
            t.update(status="n/a", observed="not run" if not r else
                     ("skipped" if p else f"{b} backend not available: {meta.get('re2_unavailable') or '?'}"))
        targets.append(t)
    disagree = [f"{r['paths']} x {r['allow_globs']} ({b})" for r in rows for b, p in r["pathspec"].items()
                if not p.get("skipped") and not p["agrees"]]

    doc = {"schema": "muster.bench.scope/v1", **meta, "workloads": rows, "targets": targets,
           "reports_agree": not disagree, "disagreements": disagree}
    write_json(out, "scope.json", doc)

    md = ["# muster-scope benchmark", "",
          machine_line(meta) +
          f"timer: {meta['timer']} · "
          f"muster-scope {meta['muster_version']} ({meta['git_rev']}; {meta['binary']}) · pathspec {meta['pathspec_version']}"
          + (f", google-re2 {meta['re2_version']}" if meta.get("re2_version") else f" (re2 backend not available: {meta.get('re2_unavailable')})"), "",
          "| paths | allow globs | allowed | muster-scope | paths/s | max RSS | pathspec simple | x | pathspec re2 | x | same report |",
          "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        m = r["muster"]
        cells = []
        same = []
        for b in ("simple", "re2"):
            p = r["pathspec"].get(b)
            if not p:
                cells += ["n/a", ""]
            elif p.get("skipped"):
                cells += [f"skipped (~{p['estimated_s']} s)", ""]
            else:
                cells += [fmt_s(p["median_s"]), f"{p['muster_faster_x']:.1f}x"]
                same.append("yes" if p["agrees"] else "**NO**")
        md.append(f"| {r['paths']:,} | {r['allow_globs']} | {100 * r['allowed'] / r['paths']:.0f}% | {fmt_s(m['median_s'])} "
                  f"| {m['paths_per_s']:,.0f} | {m['max_rss_mb']:.0f} MB | " + " | ".join(cells) + f" | {', '.join(same) or '-'} |")
    md += ["", "| target | observed | result |", "|---|---|---|"]
    for t in targets:
        md.append(f"| {t['text']} | {t['observed']} | {t['status']} |")
    md += ["", "Medians; x = pathspec's time / muster-scope's. See bench/README.md, section muster-scope."]
    with open(os.path.join(out, "scope.md"), "w") as f:
        f.write("\n".join(md) + "\n")

    print("== targets")
    for t in targets:
        print(f"  {t['status']:<4}  {t['text']}: {t['observed']}")
    if disagree:
        print(f"  WRONG muster-scope and pathspec decided differently at: {', '.join(disagree)}")
    else:
        print("  ok    muster-scope's and pathspec's reports are byte-identical on every workload run")
    print(f"wrote {os.path.join(out, 'scope.json')} and {os.path.join(out, 'scope.md')}")
    missed = sum(t["status"] == "MISS" for t in targets)
    if disagree:
        return 1
    return 1 if missed and os.environ.get("BENCH_STRICT") == "1" else 0

if __name__ == "__main__":
    if sys.argv[1] == "one":
        d = sys.argv[2]
        r = result(d)
        with open(os.path.join(d, "result.json"), "w") as f:
            json.dump(r, f, indent=2, ensure_ascii=False)
        print_one(r)
    else:
        sys.exit(final(sys.argv[2], sys.argv[3], sys.argv[4]))
PY
)

# ---- run ------------------------------------------------------------------------
version=$("$BIN" --version 2>/dev/null | awk '{ print $2 }') || version=unknown
git_rev=$(git -C "$repo" describe --always --dirty 2>/dev/null) || git_rev=unknown
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null) || cpu=unknown
cores=$(nproc 2>/dev/null || echo 0)
load_start=$(loadavg)
log "muster-scope $version at $BIN_SRC (measured from a copy); paths: $SIZES; allow globs: $GLOBS; work dir $work"
echo "muster-scope bench: $BIN_SRC ($version, $git_rev, built $bin_built, sha256 $bin_sha...), ${cpu:-unknown}, $cores cores, load average $load_start; timer: $TIMER"
echo "peer: pathspec $pathspec_version, PathSpec.from_lines(\"gitwildmatch\"), backends: simple (pure Python, pathspec's default without extras)$([ -n "$re2_version" ] && echo ", re2 (google-re2 $re2_version)")"
[ -n "$re2_version" ] || echo "re2 backend: not available ($RE2_WHY)"
echo "deny globs (every workload): ${DENY[*]}"
echo "muster-scope is timed writing its report to /dev/null; pathspec writing its report to a file (page cache), compared byte for byte with muster-scope's"
started=$SECONDS
for n in $SIZES; do
    for k in $GLOBS; do
        bench_one "$n" "$k"
        log "[$n x $k] done ($((SECONDS - started)) s so far)"
    done
done

"$PY" -c 'import json, sys, datetime
keys = ["timer", "muster_version", "git_rev", "binary", "cpu", "cores", "load_start", "load_end", "seed",
        "pathspec_version", "re2_version", "re2_why", "cap"]
v = dict(zip(keys, sys.argv[1:]))
doc = {"generated_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
       "timer": v["timer"], "muster_version": v["muster_version"], "git_rev": v["git_rev"], "binary": v["binary"],
       "machine": {"cpu": v["cpu"], "cores": int(v["cores"]),
                   "loadavg_at_start": v["load_start"], "loadavg_at_end": v["load_end"]},
       "generator": {"script": "bench/gen_paths.py", "seed": int(v["seed"])},
       "pathspec_version": v["pathspec_version"], "re2_version": v["re2_version"] or None,
       "re2_unavailable": v["re2_why"] or None, "pathspec_cap_s": int(v["cap"]),
       "units": {"MB": "10^6 bytes", "times": "seconds, medians of the runs"}}
json.dump(doc, open(sys.argv[-1], "w"))' \
    "$TIMER" "$version" "$git_rev" "$BIN_SRC (sha256 $bin_sha..., built $bin_built)" "${cpu:-unknown}" "$cores" "$load_start" "$(loadavg)" "$SEED" \
    "$pathspec_version" "$re2_version" "$RE2_WHY" "$PY_CAP_S" "$work/meta.json"
set +e
PYTHONPATH="$here" "$PY" - final "$work" "$OUT" "$work/meta.json" <<<"$REPORT_PY"
rc=$?
set -e
log "finished in $((SECONDS - started)) s"
exit "$rc"
