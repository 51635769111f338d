#!/usr/bin/env bash
# `make fuzz`: runs each cargo-fuzz target of muster-shared's readers for
# FUZZ_SECONDS (default 600), then minimizes the corpus it found and keeps it
# as tests in shared/tests/fuzz_corpus/<target>/ (replayed on stable by
# shared/tests/integration/fuzz_corpus.rs in `make test`).
#
# Runs on the stable toolchain: cargo fuzz needs -Z flags, which
# RUSTC_BOOTSTRAP=1 allows. A crash, timeout or out-of-memory fails the script
# (exit 1) after printing the artifact, its minimized form and its bytes.
#
# Knobs (environment):
#   FUZZ_SECONDS    seconds per target (default 600)
#   FUZZ_TARGETS    targets to run (default "diff_unified diff_raw glob intersect")
#   FUZZ_PARALLEL   targets run at once (default 2; the machine has 2 cores)
#   FUZZ_SANITIZER  address (default) or none
#   FUZZ_MAX_LEN    largest input tried, in bytes (default 4000: kept files stay < 4 KB)
#   FUZZ_KEEP_MAX   most corpus files kept per target (default 250)
#   FUZZ_NO_KEEP=1  fuzz only: leave shared/tests/fuzz_corpus alone
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
cd "$here"

seconds=${FUZZ_SECONDS:-600}
targets=${FUZZ_TARGETS:-"diff_unified diff_raw glob intersect"}
parallel=${FUZZ_PARALLEL:-2}
sanitizer=${FUZZ_SANITIZER:-address}
max_len=${FUZZ_MAX_LEN:-4000}
keep_max=${FUZZ_KEEP_MAX:-250}
work=$here/corpus-work
kept=$root/shared/tests/fuzz_corpus

export RUSTC_BOOTSTRAP=1
if command -v rustup >/dev/null 2>&1; then
    export RUSTUP_TOOLCHAIN=${RUSTUP_TOOLCHAIN:-stable}
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz: installing cargo-fuzz from crates.io"
    cargo install cargo-fuzz --locked
fi

# Release build with debug assertions: an arithmetic overflow is a panic in
# `make test` (debug), so it must be one here too.
flags=(-O -a --sanitizer "$sanitizer")

echo "fuzz: building ${targets} (sanitizer: ${sanitizer})"
for t in $targets; do
    cargo fuzz build "${flags[@]}" "$t"
done

# One target: seed its work corpus, fuzz, and on a crash minimize the input.
# Writes $work/<t>.log and $work/<t>.status ("ok" or the artifact path).
fuzz_one() {
    local t=$1 dir=$work/$1 log=$work/$1.log
    mkdir -p "$dir"
    local src
    for src in "$here/seeds/$t" "$kept/$t"; do
        if [ -d "$src" ]; then
            find "$src" -maxdepth 1 -type f -exec cp -p {} "$dir/" \;
        fi
    done
    local dict=()
    if [ -f "$here/dicts/$t.dict" ]; then
        dict=(-dict="$here/dicts/$t.dict")
    fi
    echo "fuzz: $t: ${seconds}s from $(find "$dir" -type f | wc -l) inputs (log: $log)"
    local rc=0
    cargo fuzz run "${flags[@]}" "$t" "$dir" -- \
        -max_total_time="$seconds" -max_len="$max_len" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 "${dict[@]}" >"$log" 2>&1 || rc=$?
    if [ "$rc" -eq 0 ]; then
        echo ok >"$work/$t.status"
        return 0
    fi
    local artifact
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    echo "${artifact:-"(no artifact; see $log)"}" >"$work/$t.status"
    if [ -n "$artifact" ] && [ -f "$here/$artifact" ]; then artifact=$here/$artifact; fi
    if [ -n "$artifact" ] && [ -f "$artifact" ]; then
        cargo fuzz tmin "${flags[@]}" "$t" "$artifact" >"$work/$t.tmin.log" 2>&1 || true
    fi
}

status=0
mkdir -p "$work"
rm -f "$work"/*.status
running=0
for t in $targets; do
    if [ "$running" -ge "$parallel" ]; then
        wait -n || true
        running=$((running - 1))
    fi
    fuzz_one "$t" &
    running=$((running + 1))
done
wait

for t in $targets; do
    log=$work/$t.log
    result=$(cat "$work/$t.status" 2>/dev/null || echo "(did not run)")
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    if [ "$result" = ok ]; then
        echo "fuzz: $t: no crash in ${seconds}s; ${execs:-?} execs, ${rate:-?} exec/s"
        continue
    fi
    status=1
    echo "fuzz: $t: FAILED: artifact: $result" >&2
    grep -E -A 2 "panicked at|^==[0-9]+==.*ERROR|^SUMMARY" "$log" | head -n 12 >&2 || true
    tmin=$(grep -o "artifacts/$t/minimized-from-[0-9a-f]*" "$work/$t.tmin.log" 2>/dev/null | tail -n 1 || true)
    for f in "$result" "$tmin"; do
        if [ -n "$f" ] && [ -f "$f" ]; then
            echo "fuzz: $t: $f ($(wc -c <"$f") bytes), hex:" >&2
            od -An -tx1 -v "$f" | tr -d ' \n' | fold -w 96 >&2
            echo >&2
        elif [ -n "$f" ] && [ -f "$here/$f" ]; then
            echo "fuzz: $t: fuzz/$f ($(wc -c <"$here/$f") bytes), hex:" >&2
            od -An -tx1 -v "$here/$f" | tr -d ' \n' | fold -w 96 >&2
            echo >&2
        fi
    done
done

# Keep a small corpus for every target that ran clean. The work corpus is
# minimized in place (cargo fuzz cmin, on every coverage feature: it is what
# the next run starts from); the kept one is a greedy set cover of its code
# edges (libFuzzer's -set_cover_merge with -use_counters=0: every edge the work
# corpus reaches, in a few hundred files). Seeds are dropped from it (they are
# replayed from fuzz/seeds), as is anything >= 4 KB; at most keep_max files
# stay, the smallest. crash-* files in the kept directory are left alone.
if [ "${FUZZ_NO_KEEP:-0}" != 1 ]; then
    for t in $targets; do
        [ "$(cat "$work/$t.status" 2>/dev/null)" = ok ] || continue
        dir=$work/$t
        cargo fuzz cmin "${flags[@]}" "$t" "$dir" -- -max_len="$max_len" >"$work/$t.cmin.log" 2>&1 || {
            echo "fuzz: $t: cmin failed (see $work/$t.cmin.log)" >&2
            status=1
            continue
        }
        cover=$work/$t.keep
        rm -rf "$cover"
        mkdir -p "$cover"
        cargo fuzz run "${flags[@]}" "$t" "$cover" "$dir" -- \
            -set_cover_merge=1 -use_counters=0 -max_len="$max_len" >"$work/$t.keep.log" 2>&1 || {
            echo "fuzz: $t: set-cover merge failed (see $work/$t.keep.log)" >&2
            status=1
            continue
        }
        seed_sums=$(find "$here/seeds/$t" -maxdepth 1 -type f -exec sha1sum {} + 2>/dev/null | cut -d' ' -f1 | sort -u)
        mkdir -p "$kept/$t"
        find "$kept/$t" -maxdepth 1 -type f ! -name 'crash-*' -delete
        n=0
        while read -r size f; do
            [ "$size" -lt 4096 ] || continue
            sum=$(sha1sum "$f" | cut -d' ' -f1)
            if grep -qx "$sum" <<<"$seed_sums"; then continue; fi
            [ "$n" -lt "$keep_max" ] || break
            cp "$f" "$kept/$t/$sum"
            n=$((n + 1))
        done < <(find "$cover" -maxdepth 1 -type f -printf '%s %p\n' | sort -n)
        rm -rf "$cover"
        echo "fuzz: $t: kept $n inputs in shared/tests/fuzz_corpus/$t/ (work corpus after cmin: $(find "$dir" -type f | wc -l))"
    done
fi

exit "$status"
