# shellcheck shell=bash
# Helpers every benchmark sources (bench/ledger.sh, scope.sh, plan.sh, run.sh,
# integrate.sh): logging, argument checks, a work directory removed on exit,
# the timer (`measure`) and the Python venv. Set BENCH_NAME (ledger, scope,
# ...), OUT and TMPBASE before calling bench_workdir. The second part is for
# the two benchmarks that time whole runs on copies of a generated repo
# (run.sh, integrate.sh): where the repos go, private copies of the binaries,
# the repo, the timed runs (`timed`), the first lines and the report.

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

# ---- bench/run.sh and bench/integrate.sh: whole runs on copies of a repo -------
# They set here and repo (bench/ and the checkout), BIN (the binary measured),
# PY, OUT, TMPBASE, RUN_TIMEOUT and TIMEOUT_VAR (the variable RUN_TIMEOUT
# comes from, for the message); then dir (the timings and facts) and started
# ($SECONDS) before the rounds.

# bench_need_tools: stops unless there are $PY, git, timeout, /usr/bin/time
# and a bash with $EPOCHREALTIME.
bench_need_tools() {
    command -v "$PY" >/dev/null || die "$PY not found (the repo generator and the report need it; BENCH_PYTHON names another)"
    command -v git >/dev/null || die "git not found"
    command -v timeout >/dev/null || die "timeout (coreutils) not found"
    [ -x /usr/bin/time ] || die "/usr/bin/time not found (CPU time comes from it; apt-get install time)"
    [ -n "${EPOCHREALTIME:-}" ] || die "this bash has no \$EPOCHREALTIME (bash 5 or newer is needed to time the runs)"
}

# fs_of DIR: the filesystem type of DIR, "ext4, no journal" for ext4 without one.
fs_of() {
    local t d
    t=$(findmnt -n -f -o FSTYPE --target "$1" 2>/dev/null || stat -f -c %T "$1" 2>/dev/null || echo unknown)
    d=$(findmnt -n -f -o SOURCE --target "$1" 2>/dev/null || true)
    if [ "$t" = ext4 ] && [ -n "$d" ] && [ "$(cat "/sys/fs/ext4/${d##*/}/journal_task" 2>/dev/null)" = "<none>" ]; then
        t="ext4, no journal"
    fi
    printf '%s\n' "$t"
}

# bench_where: the repos go to TMPBASE, except when that is ext4 without a
# journal and BENCH_TMPDIR is not set: then to /dev/shm when it is a writable
# tmpfs (bench/README.md, muster-run, "Where the repos are", says why). Sets
# TMPBASE and where_note (what the output says about it; empty when nothing).
bench_where() {
    mkdir -p "$TMPBASE"
    where_note=
    if [ "$(fs_of "$TMPBASE")" = "ext4, no journal" ]; then
        if [ -z "${BENCH_TMPDIR:-}" ] && [ "$(fs_of /dev/shm)" = tmpfs ] && [ -w /dev/shm ]; then
            where_note="on tmpfs (/dev/shm): $TMPBASE is ext4 without a journal, where file creation slows down after deletions (bench/README.md); BENCH_TMPDIR=$TMPBASE measures there anyway"
            TMPBASE=/dev/shm
        else
            where_note="on ext4 without a journal: file creation there slows down after deletions, so the times vary from run to run (bench/README.md); BENCH_TMPDIR=/dev/shm is steadier"
        fi
        log "the repos are $where_note"
    fi
}

# bench_repo_workdir NEED_MB: bench_workdir, then stops when $work has a space
# in its path or less than NEED_MB MB free. Sets fs, the filesystem of $work.
bench_repo_workdir() {
    local free_mb
    bench_workdir
    case $work in *[[:space:]]*) die "the work directory $work has a space in it (BENCH_TMPDIR names another place)" ;; esac
    free_mb=$(df -Pm "$work" | awk 'NR == 2 { print $4 }')
    if [ -n "$free_mb" ] && [ "$free_mb" -lt "$1" ]; then
        die "$work has ${free_mb} MB free; the bench needs about $1 MB (BENCH_TMPDIR names another place)"
    fi
    fs=$(fs_of "$work")
}

# bench_private_bins VAR...: copies the binary each VAR names (BIN among them)
# to $work/bin and points VAR at the copy: a `cargo build` elsewhere in the
# workspace while the bench runs must not change what is measured halfway
# through. Sets BIN_SRC (where BIN was), bin_built and bin_sha (of BIN).
bench_private_bins() {
    local v src
    BIN_SRC=$BIN
    bin_built=$(date -u -r "$BIN_SRC" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || echo unknown)
    mkdir -p "$work/bin"
    for v in "$@"; do
        src=${!v}
        cp "$src" "$work/bin/${src##*/}"
        printf -v "$v" '%s' "$work/bin/${src##*/}"
    done
    bin_sha=$(sha256sum "$BIN" | cut -c1-12)
}

# bench_repo DIR FILES: a git repo at DIR of FILES generated files (20 to a
# directory, src/mNNN/fNN.txt, 5 lines each), committed with a fixed identity
# and date (the same commit id every time), packed (`git repack -adq`, as a
# clone is), gc.auto=0. Sets base, its commit.
bench_repo() {
    local root=$1 files=$2 date="2026-11-21T08:00:00Z"
    mkdir -p "$root"
    "$PY" - "$root" "$files" <<'PY'
import os, sys
root, files = sys.argv[1], int(sys.argv[2])
for i in range(files):
    d = os.path.join(root, "src", f"m{i // 20:03d}")
    os.makedirs(d, exist_ok=True)
    name = f"m{i // 20:03d}/f{i % 20:02d}.txt"
    with open(os.path.join(d, f"f{i % 20:02d}.txt"), "w", newline="\n") as f:
        f.write("".join(f"{name} line {k}: {(i * 7919 + k * 104729) % 1000003}\n" for k in range(5)))
PY
    (
        cd "$root"
        git init -q -b main
        git config user.name bench
        git config user.email bench@localhost
        git config gc.auto 0
        git config maintenance.auto false
        git add -A
        GIT_AUTHOR_DATE=$date GIT_COMMITTER_DATE=$date git commit -q -m "generated: $files files"
        git repack -adq
    ) || die "could not make the repo in $root"
    base=$(git -C "$root" rev-parse HEAD)
}

# fact KEY VALUE: a line KEY=VALUE in $dir/facts, for the report (newlines in
# VALUE become spaces). ledger.sh, scope.sh and plan.sh define their own.
fact() { printf '%s=%s\n' "$1" "${2//$'\n'/ }" >>"$dir/facts"; }

# timed NAME RUNDIR STDOUT CMD...: runs CMD in RUNDIR (under timeout and
# /usr/bin/time), its wall time in microseconds appended to $dir/NAME.us, its
# CPU time (user sys) to $dir/NAME.cpu; sets rc.
timed() {
    local name=$1 rd=$2 stdout=$3 t0
    shift 3
    now_us
    t0=$REPLY
    set +e
    (cd "$rd" && exec /usr/bin/time -a -o "$dir/$name.cpu" -f '%U %S' timeout "$RUN_TIMEOUT" "$@") >"$stdout" 2>"$rd.stderr"
    rc=$?
    set -e
    now_us
    echo $((REPLY - t0)) >>"$dir/$name.us"
    [ "$rc" != 124 ] || die "$name: took over $RUN_TIMEOUT s ($TIMEOUT_VAR); $rd"
}

# fresh PRISTINE NAME: a new copy of the repo PRISTINE at $work/runs/NAME/repo (untimed).
fresh() {
    rm -rf "$work/runs/$2"
    mkdir -p "$work/runs/$2"
    cp -a "$1" "$work/runs/$2/repo"
    sync -f "$work/runs/$2/repo" 2>/dev/null || sync # no writeback of the copy during the run
}

# drop NAME: removes a run's copy once checked (unless BENCH_KEEP=1).
drop() { [ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$work/runs/$1"; }

# bench_about NAME WHAT: sets version (of $BIN), git_rev (of this checkout),
# git_version, cpu, cores and load_start; logs "NAME VERSION at ...; WHAT;
# work dir ..." and prints the bench's first line (and where the repos are,
# when there is something to say).
bench_about() {
    version=$("$BIN" --version 2>/dev/null | awk '{ print $2 }') || version=unknown
    git_rev=$(git -C "$repo" describe --always --dirty 2>/dev/null) || git_rev=unknown
    git_version=$(git --version | awk '{ print $3 }')
    cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null) || cpu=unknown
    cores=$(nproc 2>/dev/null || echo 0)
    load_start=$(loadavg)
    log "$1 $version at $BIN_SRC (measured from a copy); $2; work dir $work ($fs)"
    echo "$1 bench: $BIN_SRC ($version, $git_rev, built $bin_built, sha256 $bin_sha...), git $git_version, ${cpu:-unknown}, $cores cores, load average $load_start; timer: $TIMER"
    [ -z "$where_note" ] || echo "note: the repos are $where_note"
}

# bench_report REPORT: notes the base commit and where the repos are in the
# facts, writes $work/meta.json (when, the machine, the binary, the timer),
# runs bench/REPORT on $dir and exits with its exit code.
bench_report() {
    fact base "$base"
    fact where_note "$where_note"
    "$PY" -c 'import json, sys, datetime
keys = ["timer", "muster_version", "git_rev", "binary", "git_version", "cpu", "cores", "filesystem", "load_start", "load_end"]
v = dict(zip(keys, sys.argv[1:]))
doc = {"generated_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
       "timer": v["timer"], "muster_version": v["muster_version"], "git_rev": v["git_rev"], "binary": v["binary"],
       "git_version": v["git_version"],
       "machine": {"cpu": v["cpu"], "cores": int(v["cores"]), "filesystem": v["filesystem"],
                   "loadavg_at_start": v["load_start"], "loadavg_at_end": v["load_end"]},
       "units": {"times": "seconds unless the key says _ms; medians of the runs"}}
json.dump(doc, open(sys.argv[-1], "w"))' \
        "$TIMER" "$version" "$git_rev" "$BIN_SRC (sha256 $bin_sha..., built $bin_built)" "$git_version" "${cpu:-unknown}" "$cores" "$fs" \
        "$load_start" "$(loadavg)" "$work/meta.json"
    set +e
    PYTHONPATH="$here" "$PY" "$here/$1" "$dir" "$OUT" "$work/meta.json"
    rc=$?
    set -e
    log "finished in $((SECONDS - started)) s"
    exit "$rc"
}
