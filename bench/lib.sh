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

# now_us: microseconds since the epoch. $EPOCHREALTIME (bash 5) costs no
# process; `date +%s%N` costs a fork, about a millisecond, counted in the time.
now_us() {
    if [ -n "${EPOCHREALTIME:-}" ]; then
        REPLY=${EPOCHREALTIME//[.,]/}
    else
        REPLY=$(($(date +%s%N) / 1000))
    fi
}

# hf_quote ARG...: the arguments as one command line for hyperfine -N, which
# splits it like a POSIX shell (single quotes, no $'...').
hf_quote() {
    local a q="'\\''" s=
    for a in "$@"; do s+="'${a//\'/$q}' "; done
    printf '%s' "$s"
}

# measure NAME RUNS WARMUP OUTFILE OK CMD...: times CMD into $dir/NAME.us (one
# run per line, microseconds) and its exit codes into $dir/NAME.rc, with
# hyperfine -N when bench_timer found one, else a shell loop. OUTFILE (or
# /dev/null) gets the stdout of the last run. OK is a regex of the exit codes
# that mean the command did its job; any other stops the bench. Uses $dir,
# $PY and $HYPERFINE.
measure() {
    local name=$1 runs=$2 warm=$3 outfile=$4 ok=$5 dest i t0 rc
    shift 5
    dest=$dir/$name
    if [ -n "$HYPERFINE" ]; then
        local o=()
        [ "$outfile" = /dev/null ] || o=(--output "$outfile")
        if ! "$HYPERFINE" -N -i --style none --runs "$runs" --warmup "$warm" "${o[@]}" \
            --export-json "$dest.hyperfine.json" "$(hf_quote "$@")" >"$dest.log" 2>&1; then
            cat "$dest.log" >&2
            die "$name: hyperfine failed"
        fi
        "$PY" -c 'import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
open(sys.argv[2], "w").write("".join(f"{round(t * 1e6)}\n" for t in r["times"]))
open(sys.argv[3], "w").write("".join(f"{c}\n" for c in r["exit_codes"]))' \
            "$dest.hyperfine.json" "$dest.us" "$dest.rc"
    else
        : >"$dest.us"
        : >"$dest.rc"
        for ((i = 0; i < warm + runs; i++)); do
            now_us
            t0=$REPLY
            set +e
            "$@" >"$outfile" 2>"$dest.err"
            rc=$?
            set -e
            now_us
            if [ "$i" -ge "$warm" ]; then
                echo $((REPLY - t0)) >>"$dest.us"
                echo "$rc" >>"$dest.rc"
            fi
        done
    fi
    if grep -qvE "^($ok)\$" "$dest.rc"; then
        die "$name: a timed run exited with $(grep -vE "^($ok)\$" "$dest.rc" | head -n 1) ($ok expected): $*"
    fi
}

# bench_venv WHAT: sets PY to the venv's python, making the venv $PYENV first
# when it has none (WHAT says what needs Python, for the error).
bench_venv() {
    PY=$PYENV/bin/python3
    [ ! -x "$PY" ] || return 0
    [ "${BENCH_NO_PIP:-0}" != 1 ] || die "no Python at $PY and BENCH_NO_PIP=1"
    command -v python3 >/dev/null || die "python3 not found (needed by $1)"
    log "making the venv $PYENV (python3 -m venv)"
    python3 -m venv "$PYENV" >"$work/venv.log" 2>&1 || {
        tail -n 5 "$work/venv.log" >&2
        die "python3 -m venv $PYENV failed (Debian: apt-get install python3-venv)"
    }
}
