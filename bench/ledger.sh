#!/usr/bin/env bash
# Ledger benchmark: append latency, batched append, verify, replay, against a
# plain Python verifier and `openssl dgst -sha256`, at 10k, 100k and 1M events.
# What is measured and how to read it: bench/README.md.
#
# Usage: bash bench/ledger.sh          (after cargo build --release -p muster-ledger)
# Results on stdout; progress on stderr; bench/out/ledger.json and ledger.md.
#
# Environment (all optional):
#   MUSTER_BIN_DIR      where muster-ledger is (default: target/release)
#   BENCH_SIZES         ledger sizes in events (default: "10000 100000 1000000")
#   BENCH_APPEND_RUNS   single-event appends timed per size (default 30)
#   BENCH_VERIFY_RUNS   runs of verify and openssl per size (default 50 at 10k, 20 at 100k, 5 above)
#   BENCH_TMPDIR        where the ledgers are written (default: bench/out); it
#                       should be a real disk, since append latency includes fsync
#   BENCH_OUT           where ledger.json and ledger.md go (default: bench/out)
#   BENCH_PYTHON        the Python for the generator and verifier (default python3)
#   BENCH_APPEND_TIMEOUT  seconds one batched append may take (default: 30 plus
#                       one per 10,000 events, i.e. a floor of 10,000 events/s)
#   BENCH_NO_INSTALL=1  do not apt-get install hyperfine when it is missing
#   BENCH_NO_HYPERFINE=1  time with the shell loop even if hyperfine is there
#   BENCH_STRICT=1      exit 1 when a target is missed (default: report only)
#   BENCH_KEEP=1        keep the work directory (ledgers, raw timings)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
bin_dir=${MUSTER_BIN_DIR:-$repo/target/release}
BIN=$bin_dir/muster-ledger
SIZES=${BENCH_SIZES:-"10000 100000 1000000"}
APPEND_RUNS=${BENCH_APPEND_RUNS:-30}
VERIFY_RUNS=${BENCH_VERIFY_RUNS:-5}
OUT=${BENCH_OUT:-$repo/bench/out}
TMPBASE=${BENCH_TMPDIR:-$OUT}
PY=${BENCH_PYTHON:-python3}
APPEND_TIMEOUT=${BENCH_APPEND_TIMEOUT:-}
NOW=2026-11-21T08:00:00Z
SEED=20261121

BENCH_NAME=ledger
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

# ---- check what we need, before any work ------------------------------------
[ -x "$BIN" ] || die "no executable $BIN; build it with \`cargo build --release -p muster-ledger\`, or set MUSTER_BIN_DIR to the directory holding muster-ledger"
command -v "$PY" >/dev/null || die "$PY not found (the event generator and the Python verifier need it; BENCH_PYTHON names another)"
command -v openssl >/dev/null || die "openssl not found (the sha256 floor is \`openssl dgst -sha256\`; apt-get install openssl)"
for s in $SIZES; do is_count "$s" || die "BENCH_SIZES: \"$s\" is not a positive whole number"; done
[ -n "${SIZES// /}" ] || die "BENCH_SIZES is empty"
is_count "$APPEND_RUNS" || die "BENCH_APPEND_RUNS must be a positive whole number"
is_count "$VERIFY_RUNS" || die "BENCH_VERIFY_RUNS must be a positive whole number"
[ -z "$APPEND_TIMEOUT" ] || is_count "$APPEND_TIMEOUT" || die "BENCH_APPEND_TIMEOUT must be a positive whole number of seconds"

bench_workdir

# Disk: the largest size needs its events file and its ledger side by side.
max_n=0
for s in $SIZES; do [ "$s" -gt "$max_n" ] && max_n=$s; done
need_mb=$((max_n * 750 / 1000000 + 50))
free_mb=$(df -Pm "$work" | awk 'NR == 2 { print $4 }')
if [ -n "$free_mb" ] && [ "$free_mb" -lt "$need_mb" ]; then
    die "$work has ${free_mb} MB free; $max_n events need about $need_mb MB (BENCH_TMPDIR names another place)"
fi

bench_timer

# fact KEY VALUE: one line of what the report needs about this size.
fact() { printf '%s=%s\n' "$1" "$2" >>"$dir/facts"; }
# json_get FILE KEY: a top-level value of a JSON file.
json_get() { "$PY" -c 'import json, sys; v = json.load(open(sys.argv[1]))[sys.argv[2]]; print(v if v is not None else "")' "$1" "$2"; }

# ---- per size -----------------------------------------------------------------
mk_one_event() {
    # One more event, as an orchestrator appends it: no ts_utc (append stamps --now).
    cat >"$1" <<'EOF'
{"run_id":"run_20261121T080000Z_5eed5eed_001","event_type":"task.heartbeat","task_id":"T001","actor":"worker-01","payload":{"ms":61800,"note":"412 tests","phase":"test","res":{"cpu":81.25,"mb":1042}}}
EOF
}

bench_size() {
    local n=$1 events ledger t0 t1 runs r head="" h bytes lines mid run_id py_runs vr
    dir=$work/r/$n
    mkdir -p "$dir"
    events=$work/events.jsonl
    ledger=$work/ledger.jsonl
    rm -f "$events" "$ledger"
    fact events "$n"

    log "[$n] generating $n events (bench/gen_events.py, seed $SEED)"
    now_us
    t0=$REPLY
    "$PY" "$here/gen_events.py" --count "$n" --seed "$SEED" --out "$events"
    now_us
    log "[$n] generated $(du -m "$events" | cut -f1) MB of input in $(((REPLY - t0) / 1000)) ms"

    # Batched append: the whole batch through stdin into one append, into an
    # empty ledger; this is also how the ledger is made. Large sizes run once.
    runs=3
    [ "$n" -ge 1000000 ] && runs=1
    fact batch_runs "$runs"
    : >"$dir/batch.us"
    local to=() limit=${APPEND_TIMEOUT:-$((30 + n / 10000))}
    if command -v timeout >/dev/null; then to=(timeout "$limit"); fi
    for ((r = 1; r <= runs; r++)); do
        log "[$n] batched append of $n events, run $r/$runs"
        rm -f "$ledger"
        now_us
        t0=$REPLY
        set +e
        "${to[@]}" "$BIN" --ledger "$ledger" --now "$NOW" --compact append \
            <"$events" >"$dir/append-batch.json" 2>"$dir/append-batch.err"
        local rc=$?
        set -e
        now_us
        t1=$REPLY
        if [ "$rc" = 124 ]; then
            die "[$n] one batched append of $n events took over $limit s (30 s plus 1 s per 10,000 events; BENCH_APPEND_TIMEOUT sets another limit): is append superlinear in the batch size?"
        elif [ "$rc" != 0 ]; then
            cat "$dir/append-batch.err" >&2
            die "[$n] batched append failed (exit $rc)"
        fi
        echo $((t1 - t0)) >>"$dir/batch.us"
        h=$(json_get "$dir/append-batch.json" head)
        [ "$(json_get "$dir/append-batch.json" appended)" = "$n" ] || die "[$n] append reported $(json_get "$dir/append-batch.json" appended) events appended, expected $n"
        [ -z "$head" ] || [ "$h" = "$head" ] || die "[$n] the same batch gave another head on run $r ($h, before $head): append is not deterministic"
        head=$h
        log "[$n]   $(((t1 - t0) / 1000)) ms"
    done
    rm -f "$dir/append-batch.json"
    bytes=$(wc -c <"$ledger")
    lines=$(wc -l <"$ledger")
    [ "$lines" = "$n" ] || die "[$n] the ledger has $lines lines, expected $n"
    fact bytes "$bytes"
    fact head "$head"
    fact fs "$(stat -f -c %T "$ledger" 2>/dev/null || echo unknown)"

    # verify: one checked run, then timed runs.
    log "[$n] muster-ledger verify --expect-size $n"
    "$BIN" --ledger "$ledger" --compact verify --expect-size "$n" >"$dir/verify.json" ||
        die "[$n] verify failed: $(cat "$dir/verify.json")"
    [ "$(json_get "$dir/verify.json" head)" = "$head" ] || die "[$n] verify's head is not append's"
    # Small files verify in milliseconds: take more runs there (unless set).
    vr=$VERIFY_RUNS
    if [ -z "${BENCH_VERIFY_RUNS:-}" ]; then
        if [ "$n" -le 10000 ]; then vr=50; elif [ "$n" -le 100000 ]; then vr=20; fi
    fi
    fact verify_runs "$vr"
    measure verify "$vr" 3 /dev/null 0 "$BIN" --ledger "$ledger" --compact verify --expect-size "$n"
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -v "$BIN" --ledger "$ledger" --compact verify >/dev/null 2>"$dir/verify.time" ||
            die "[$n] verify under /usr/bin/time failed: $(tail -n 5 "$dir/verify.time")"
        fact verify_max_rss_kb "$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$dir/verify.time")"
        fact verify_cpu_s "$(awk -F': ' '/User time|System time/ { t += $2 } END { print t }' "$dir/verify.time")"
    fi

    # The plain Python verifier: same file, same head, or the comparison means nothing.
    py_runs=3
    [ "$n" -ge 1000000 ] && py_runs=1
    fact py_runs "$py_runs"
    log "[$n] bench/py_verify_plain.py (1 checked run + $py_runs timed)"
    "$PY" "$here/py_verify_plain.py" "$ledger" >"$dir/py.json" || die "[$n] the Python verifier rejected the ledger"
    h=$(json_get "$dir/py.json" head)
    [ "$h" = "$head" ] || die "[$n] the Python verifier's head $h is not muster's $head"
    measure py_verify "$py_runs" 0 /dev/null 0 "$PY" "$here/py_verify_plain.py" "$ledger"

    # The floor: sha256 of every byte, one core, no parsing.
    log "[$n] openssl dgst -sha256"
    openssl dgst -sha256 "$ledger" >/dev/null || die "[$n] openssl dgst failed"
    measure openssl "$vr" 3 /dev/null 0 openssl dgst -sha256 "$ledger"

    # replay of a run from the middle of the ledger.
    mid=$(((n + 1) / 2))
    run_id=$(sed -n "${mid}p" "$events" | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["run_id"])')
    fact replay_run "$run_id"
    log "[$n] muster-ledger replay --run-id $run_id"
    "$BIN" --ledger "$ledger" --compact replay --run-id "$run_id" >"$dir/replay.json" ||
        die "[$n] replay failed"
    [ "$(json_get "$dir/replay.json" run_id)" = "$run_id" ] || die "[$n] replay answered for another run"
    measure replay 3 1 /dev/null 0 "$BIN" --ledger "$ledger" --compact replay --run-id "$run_id"

    # Append latency last, so everything above saw exactly n events. Each run
    # appends one event (one process: parse, lock, read the tail, seal, write, fsync).
    log "[$n] $APPEND_RUNS single-event appends (+3 warm-up)"
    mk_one_event "$work/one.json"
    "$BIN" --ledger "$ledger" --now "$NOW" --compact append --input "$work/one.json" >/dev/null ||
        die "[$n] single-event append failed"
    measure append_one "$APPEND_RUNS" 3 /dev/null 0 "$BIN" --ledger "$ledger" --now "$NOW" --compact append --input "$work/one.json"
    "$BIN" --ledger "$ledger" --compact head >"$dir/head.json" || die "[$n] head failed"
    [ "$(json_get "$dir/head.json" size)" = "$((n + 1 + 3 + APPEND_RUNS))" ] ||
        die "[$n] after the appends the ledger has $(json_get "$dir/head.json" size) events, expected $((n + 4 + APPEND_RUNS))"

    rm -f "$events" "$ledger"
    PYTHONPATH="$here" "$PY" - size "$dir" <<<"$REPORT_PY"
}

# ---- the report (Python: stats, the printed figures, ledger.json, ledger.md) ---
REPORT_PY=$(
    cat <<'PY'
import json, math, os, statistics, sys
from benchlib import machine_line, read_facts, rounded, stats, times, write_json

TARGETS = {
    "verify_1m_s": 1.5,        # verify of 1M events under 1.5 s
    "vs_python_min": 10.0,     # at least 10x faster than the Python verifier
    "vs_openssl_max": 2.0,     # within 2x of openssl dgst -sha256
    "append_ms": 5.0,          # one append under 5 ms (median), at every size
}

def verdict(ok):
    return "PASS" if ok else "MISS"

def size_result(d):
    facts = read_facts(d)
    n, nbytes = int(facts["events"]), int(facts["bytes"])
    mb = nbytes / 1e6
    r = {"events": n, "bytes": nbytes, "bytes_per_event": round(nbytes / n, 1), "fs": facts.get("fs"),
         "head": facts["head"], "replay_run": facts["replay_run"]}
    a = stats(times(d, "append_one"))
    r["append_one"] = {**a, "median_ms": a["median_s"] * 1e3, "p95_ms": a["p95_s"] * 1e3}
    b = stats(times(d, "batch"))
    r["append_batch"] = {**b, "events_per_s": n / b["median_s"]}
    v = stats(times(d, "verify"))
    r["verify"] = {**v, "events_per_s": n / v["median_s"], "mb_per_s": mb / v["median_s"]}
    if facts.get("verify_max_rss_kb"):
        r["verify"]["max_rss_mb"] = round(int(facts["verify_max_rss_kb"]) / 1024, 1)
    if facts.get("verify_cpu_s"):
        r["verify"]["cpu_s_one_run"] = float(facts["verify_cpu_s"])
    r["replay"] = stats(times(d, "replay"))
    p = stats(times(d, "py_verify"))
    r["py_verify"] = {**p, "events_per_s": n / p["median_s"], "mb_per_s": mb / p["median_s"]}
    o = stats(times(d, "openssl"))
    r["openssl"] = {**o, "mb_per_s": mb / o["median_s"]}
    r["ratios"] = {"verify_vs_python_faster": p["median_s"] / v["median_s"],
                   "verify_vs_openssl_slower": v["median_s"] / o["median_s"]}
    t = {"append_under_5ms": r["append_one"]["median_ms"] < TARGETS["append_ms"],
         "verify_10x_python": r["ratios"]["verify_vs_python_faster"] >= TARGETS["vs_python_min"],
         "verify_within_2x_openssl": r["ratios"]["verify_vs_openssl_slower"] <= TARGETS["vs_openssl_max"]}
    if n == 1_000_000:
        t["verify_1m_under_1_5s"] = v["median_s"] < TARGETS["verify_1m_s"]
    r["targets"] = t
    return rounded(r)


def runs(x):
    return f"{x['runs']} run" + ("" if x["runs"] == 1 else "s")

def fmt_s(s):
    return f"{s * 1e3:.1f} ms" if s < 1 else f"{s:.2f} s"

def print_size(r):
    n, t = r["events"], r["targets"]
    a, b, v, p, o, rp = (r[k] for k in ("append_one", "append_batch", "verify", "py_verify", "openssl", "replay"))
    rat = r["ratios"]
    w = 36
    print(f"== {n:,} events: {r['bytes'] / 1e6:.1f} MB, {r['bytes_per_event']:.0f} bytes/event (on {r['fs']})")
    print(f"  {'append, one event (' + runs(a) + ')':<{w}} median {a['median_ms']:.2f} ms, p95 {a['p95_ms']:.2f} ms"
          f"   [target median < 5 ms: {verdict(t['append_under_5ms'])}]")
    print(f"  {'append, batch of ' + format(n, ',') + ' (' + runs(b) + ')':<{w}} {fmt_s(b['median_s'])}, {b['events_per_s']:,.0f} events/s")
    rss = f", max RSS {v['max_rss_mb']:.0f} MB" if "max_rss_mb" in v else ""
    if v.get("cpu_s_one_run"):
        rss += f", CPU {fmt_s(v['cpu_s_one_run'])}"
    tv = f"   [target 1M < 1.5 s: {verdict(t['verify_1m_under_1_5s'])}]" if "verify_1m_under_1_5s" in t else ""
    print(f"  {'verify (' + runs(v) + ')':<{w}} {fmt_s(v['median_s'])}, {v['events_per_s']:,.0f} events/s, {v['mb_per_s']:,.0f} MB/s{rss}{tv}")
    print(f"  {'replay --run-id (' + runs(rp) + ')':<{w}} {fmt_s(rp['median_s'])}")
    print(f"  {'python plain verifier (' + runs(p) + ')':<{w}} {fmt_s(p['median_s'])}, {p['events_per_s']:,.0f} events/s, {p['mb_per_s']:,.0f} MB/s")
    print(f"  {'openssl dgst -sha256 (' + runs(o) + ')':<{w}} {fmt_s(o['median_s'])}, {o['mb_per_s']:,.0f} MB/s")
    print(f"  {'verify vs python':<{w}} {rat['verify_vs_python_faster']:.1f}x faster"
          f"   [target >= 10x: {verdict(t['verify_10x_python'])}]")
    print(f"  {'verify vs openssl':<{w}} {rat['verify_vs_openssl_slower']:.2f}x slower"
          f"   [target <= 2x: {verdict(t['verify_within_2x_openssl'])}]")
    sys.stdout.flush()

def final(work, out, meta_path):
    with open(meta_path) as f:
        meta = json.load(f)
    sizes = []
    for name in sorted(os.listdir(os.path.join(work, "r")), key=int):
        with open(os.path.join(work, "r", name, "result.json")) as f:
            sizes.append(json.load(f))
    # Targets across sizes: a target holds when it holds at every size it applies to.
    names = {
        "verify_1m_under_1_5s": "verify of 1M events under 1.5 s",
        "verify_10x_python": "verify at least 10x faster than the plain Python verifier",
        "verify_within_2x_openssl": "verify within 2x of openssl dgst -sha256",
        "append_under_5ms": "one append under 5 ms (median) at every size",
    }
    targets = []
    for key, text in names.items():
        per = {str(s["events"]): s["targets"][key] for s in sizes if key in s["targets"]}
        status = "n/a" if not per else verdict(all(per.values()))
        missed = [k for k, ok in per.items() if not ok]
        targets.append({"target": key, "text": text, "status": status, "per_size": per, "missed_at": missed})
    doc = {"schema": "muster.bench.ledger/v1", **meta, "sizes": sizes, "targets": targets}
    write_json(out, "ledger.json", doc)

    md = ["# muster-ledger benchmark", "",
          machine_line(meta) +
          f"ledgers on {sizes[0]['fs'] if sizes else '?'} · timer: {meta['timer']} · muster-ledger {meta['muster_version']} "
          f"({meta['git_rev']})", "",
          "| events | MB | bytes/event | append 1 (median / p95) | batch append | verify | verify events/s | verify MB/s "
          "| replay | python verify | openssl sha256 | vs python | vs openssl |",
          "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for s in sizes:
        md.append(
            f"| {s['events']:,} | {s['bytes'] / 1e6:.1f} | {s['bytes_per_event']:.0f} "
            f"| {s['append_one']['median_ms']:.2f} / {s['append_one']['p95_ms']:.2f} ms "
            f"| {fmt_s(s['append_batch']['median_s'])} ({s['append_batch']['events_per_s']:,.0f}/s) "
            f"| {fmt_s(s['verify']['median_s'])} | {s['verify']['events_per_s']:,.0f} | {s['verify']['mb_per_s']:,.0f} "
            f"| {fmt_s(s['replay']['median_s'])} | {fmt_s(s['py_verify']['median_s'])} | {fmt_s(s['openssl']['median_s'])} "
            f"| {s['ratios']['verify_vs_python_faster']:.1f}x faster | {s['ratios']['verify_vs_openssl_slower']:.2f}x slower |")
    md += ["", "| target | result | missed at |", "|---|---|---|"]
    for t in targets:
        md.append(f"| {t['text']} | {t['status']} | {', '.join(f'{int(k):,}' for k in t['missed_at']) or '-'} |")
    md += ["", "Medians of several runs; see bench/README.md for what each figure measures."]
    with open(os.path.join(out, "ledger.md"), "w") as f:
        f.write("\n".join(md) + "\n")

    print("== targets")
    for t in targets:
        extra = f" (missed at {', '.join(f'{int(k):,}' for k in t['missed_at'])} events)" if t["missed_at"] else ""
        print(f"  {t['status']:<4}  {t['text']}{extra}")
    print(f"wrote {os.path.join(out, 'ledger.json')} and {os.path.join(out, 'ledger.md')}")
    return sum(t["status"] == "MISS" for t in targets)

if __name__ == "__main__":
    if sys.argv[1] == "size":
        d = sys.argv[2]
        r = size_result(d)
        with open(os.path.join(d, "result.json"), "w") as f:
            json.dump(r, f, indent=2)
        print_size(r)
    else:
        missed = final(sys.argv[2], sys.argv[3], sys.argv[4])
        sys.exit(1 if missed and os.environ.get("BENCH_STRICT") == "1" else 0)
PY
)

# ---- run ------------------------------------------------------------------------
version=$("$BIN" --version 2>/dev/null | awk '{ print $2 }') || version=unknown
git_rev=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null) || git_rev=unknown
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null) || cpu=unknown
cores=$(nproc 2>/dev/null || echo 0)
load_start=$(loadavg)
log "muster-ledger $version at $BIN; sizes: $SIZES; work dir $work ($(stat -f -c %T "$work" 2>/dev/null || echo '?'))"
echo "muster-ledger bench: $BIN ($version, $git_rev), ${cpu:-unknown}, $cores cores, load average $load_start; timer: $TIMER"
started=$SECONDS
for n in $SIZES; do
    bench_size "$n"
    log "[$n] done ($((SECONDS - started)) s so far)"
done

"$PY" -c 'import json, sys, datetime
keys = ["timer", "muster_version", "git_rev", "binary", "cpu", "cores", "load_start", "load_end", "seed", "now"]
v = dict(zip(keys, sys.argv[1:]))
doc = {"generated_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
       "timer": v["timer"], "muster_version": v["muster_version"], "git_rev": v["git_rev"], "binary": v["binary"],
       "machine": {"cpu": v["cpu"], "cores": int(v["cores"]),
                   "loadavg_at_start": v["load_start"], "loadavg_at_end": v["load_end"]}, "generator": {"seed": int(v["seed"]), "now": v["now"]},
       "units": {"MB": "10^6 bytes", "times": "seconds unless the key says _ms"}}
json.dump(doc, open(sys.argv[-1], "w"))' \
    "$TIMER" "$version" "$git_rev" "$BIN" "${cpu:-unknown}" "$cores" "$load_start" "$(loadavg)" "$SEED" "$NOW" "$work/meta.json"
set +e
PYTHONPATH="$here" "$PY" - final "$work" "$OUT" "$work/meta.json" <<<"$REPORT_PY"
rc=$?
set -e
log "finished in $((SECONDS - started)) s"
exit "$rc"
