#!/bin/bash
# app-log-wrapper.sh COMMAND [ARGS...]
#
# Runs the app with its stdout and stderr each copied into numbered, line-complete chunk files
# under $APP_LOG_DIR (read there by the collector sidecar), while stdout still goes to stdout
# and stderr to stderr, so `kubectl logs` is unchanged. The app's exit status is this script's
# exit status, and SIGTERM/SIGINT/SIGHUP are forwarded to the app.
#
# Why chunks and not logrotate: `copytruncate` loses the lines written between its copy and its
# truncate, and `tee` never reopens a renamed file, so rename-based rotation frees no disk. Here
# `split --line-bytes` closes each chunk when it is full and opens the next one; nothing is ever
# truncated or rewritten, so no line is lost, and a pruner deletes all but the newest
# $APP_LOG_KEEP_CHUNKS chunks per stream, so disk use is bounded by
# 2 streams x (keep + 1) x $APP_LOG_CHUNK_BYTES. A chunk is deleted only once
# $APP_LOG_KEEP_CHUNKS newer ones exist: the collector has that much data (seconds to minutes)
# to catch up before a line could go unread. Tools: bash >= 5.1, coreutils (tee, split, mkfifo,
# mktemp, date) - all in python:3.x-slim.
set -u
shopt -s nullglob

log_dir=${APP_LOG_DIR:?APP_LOG_DIR must name the shared log directory}
chunk_bytes=${APP_LOG_CHUNK_BYTES:-4194304}
keep_chunks=${APP_LOG_KEEP_CHUNKS:-4}
prune_seconds=${APP_LOG_PRUNE_SECONDS:-1}

if (( $# == 0 )); then
    echo "usage: $0 COMMAND [ARGS...]" >&2
    exit 64
fi

# A new name series per start: a restarted container never overwrites its predecessor's chunks,
# and names sort chronologically (fixed width).
run_id=$(date -u +%Y%m%dT%H%M%S%N)
fifo_dir=$(mktemp -d -p "$log_dir" ".fifos.XXXXXX") || exit 70
copier_pids=()

# write_chunks STREAM: stdin into STREAM's chunk files until EOF. split exits on its first write
# error (a full emptyDir: ENOSPC), and tee would then drop the file side for good; so split is
# restarted on a new name series (a restart must not overwrite chunks the collector has not read)
# once the rest of the line it was cut off in is discarded (the next chunk starts on a whole
# line). What arrives while the disk is full is lost; every line after that reaches the files.
# Keeping stdin open across restarts means tee never sees a closed pipe.
write_chunks() {
    local stream=$1 series=$run_id
    until split --line-bytes="$chunk_bytes" --numeric-suffixes --suffix-length=8 \
        --additional-suffix=.log - "$log_dir/$stream.$series."; do
        IFS= read -r _ || return 0
        series=$(date -u +%Y%m%dT%H%M%S%N)
    done
}

# start_copy STREAM FD: pass STREAM through to file descriptor FD and into its chunk files.
start_copy() {
    local stream=$1 fd=$2
    mkfifo "$fifo_dir/$stream" "$fifo_dir/$stream.chunks" || exit 70
    write_chunks "$stream" <"$fifo_dir/$stream.chunks" &
    copier_pids+=($!)
    # warn: keep copying to the other output if one fails (and ignore SIGPIPE), so a broken
    # file side never blocks the app and a broken stdout never stops the file side.
    tee --output-error=warn "$fifo_dir/$stream.chunks" <"$fifo_dir/$stream" >&"$fd" &
    copier_pids+=($!)
}

# prune STREAM: delete all but the newest $keep_chunks chunks (the newest is the one being written).
prune() {
    local chunks=("$log_dir/$1".*.log)
    local excess=$(( ${#chunks[@]} - keep_chunks ))
    if (( excess > 0 )); then
        rm -f -- "${chunks[@]:0:excess}"
    fi
}

start_copy stdout 1
start_copy stderr 2
(
    trap - TERM INT HUP
    while sleep "$prune_seconds"; do prune stdout; prune stderr; done
) </dev/null >/dev/null 2>&1 &
pruner_pid=$!

# <&0: keep the app's stdin (a background job would otherwise read /dev/null).
"$@" <&0 >"$fifo_dir/stdout" 2>"$fifo_dir/stderr" &
app_pid=$!

forward() { kill -s "$1" "$app_pid" 2>/dev/null; }
trap 'forward TERM' TERM
trap 'forward INT' INT
trap 'forward HUP' HUP

# `wait -p` names the process that ended; it is left unset when a trapped signal interrupted the
# wait, in which case we wait again: the status returned is always the app's own.
while :; do
    ended=
    wait -n -p ended "$app_pid"
    status=$?
    [[ -n ${ended:-} ]] && break
done

# The app has closed its ends of the pipes: let tee and split drain, so the last lines are in
# the chunk files before the container stops. The pruner is stopped without a final prune: the
# remaining chunks may not have been read yet.
for pid in "${copier_pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null; do wait "$pid"; done
done
kill "$pruner_pid" 2>/dev/null
rm -rf -- "$fifo_dir"
exit "$status"
