# shellcheck shell=bash
# Helpers both benchmarks source (bench/ledger.sh, bench/scope.sh): logging,
# argument checks, a work directory removed on exit, and the timer. Set
# BENCH_NAME (ledger, scope), OUT and TMPBASE before calling bench_workdir.

log() { printf '[bench/%s %s] %s\n' "$BENCH_NAME" "$(date +%H:%M:%S)" "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}
is_count() { [[ $1 =~ ^[1-9][0-9]*$ ]]; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown; }

# shellcheck disable=SC2317 # called by the EXIT trap
bench_cleanup() {
    if [ "${BENCH_KEEP:-0}" = 1 ]; then
        log "kept the work directory $work"
    else
        rm -rf "$work"
    fi
}

# bench_workdir: removes stale results (none are left if this run fails),
# makes $work, and removes it on exit unless BENCH_KEEP=1.
bench_workdir() {
    mkdir -p "$OUT" "$TMPBASE"
    rm -f "$OUT/$BENCH_NAME.json" "$OUT/$BENCH_NAME.md"
    work=$(mktemp -d "$TMPBASE/$BENCH_NAME-bench.XXXXXX")
    trap bench_cleanup EXIT
    trap 'log "interrupted"; exit 130' INT TERM
}

# bench_timer: sets HYPERFINE (hyperfine -N, installed with apt-get when it is
# missing and we are root) and TIMER, the timer's name for the report.
bench_timer() {
    # ---- the timer: hyperfine when there is one, else a shell loop --------------
    HYPERFINE=
    if [ "${BENCH_NO_HYPERFINE:-0}" != 1 ]; then
        if ! command -v hyperfine >/dev/null && [ "${BENCH_NO_INSTALL:-0}" != 1 ] &&
            [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            log "hyperfine is missing; installing it (apt-get install -y hyperfine)"
            if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q hyperfine >"$work/apt.log" 2>&1; then
                log "apt-get install failed; running apt-get update first"
                if ! { DEBIAN_FRONTEND=noninteractive apt-get update -q &&
                    DEBIAN_FRONTEND=noninteractive apt-get install -y -q hyperfine; } >>"$work/apt.log" 2>&1; then
                    tail -n 5 "$work/apt.log" >&2
                    log "could not install hyperfine; timing with a shell loop"
                fi
            fi
        fi
        if command -v hyperfine >/dev/null; then
            if hyperfine -N --runs 1 --style none true >/dev/null 2>&1; then
                HYPERFINE=$(command -v hyperfine)
            else
                log "this hyperfine has no -N (--shell=none); timing with a shell loop"
            fi
        fi
    fi
    if [ -n "$HYPERFINE" ]; then
        TIMER="$(hyperfine --version | head -n 1) (-N, no shell)"
    elif [ -n "${EPOCHREALTIME:-}" ]; then
        TIMER="bash loop, \$EPOCHREALTIME"
    else
        TIMER="bash loop, date +%s%N"
    fi
    log "timing with: $TIMER"
}
