#!/usr/bin/env bash
# run-dns-silent.sh -- how long one message holds authmilter when the
# name server never answers (issue 9, part 2).
#
# Starts, on loopback only: a "name server" that is a UDP socket nothing
# ever reads (python3), and authmilter -f on a unix socket with
# Nameservers pointing at it.  Then times bench-milter --print (one
# message each, client 192.0.2.1, so the message is verified) for:
#   one-key   one DKIM-Signature naming a silent key; SPF, DMARC off
#   ten-one   ten signatures naming the same silent key; SPF, DMARC off
#   worst     100 signatures naming 100 different silent keys, SPF
#             (MAIL FROM and HELO) and DMARC on, all silent
#   worst-100 the same with MaximumSignaturesToVerify 100 (64 checked:
#             the verifier's hard limit)
#   worst-again  the worst case sent twice to one daemon; the time is the
#             second message's (failed lookups are kept 10 s across
#             messages)
# and prints one markdown row per case: seconds from connect to the
# milter's last reply, and the verdicts.
#
# Usage:  bench/run-dns-silent.sh [BUILDDIR]   (default /tmp/build-dns;
#         configured; authmilter and bench-milter are made there)
# Env:    TIMEOUT=1 (DNSTimeout)  BUDGET= (DNSBudget; empty: not set)
#         CASES="one-key ten-one worst worst-100"  KEEP=1 keep scratch
set -euo pipefail

BUILD=${1:-/tmp/build-dns}
TIMEOUT=${TIMEOUT:-1}
BUDGET=${BUDGET:-}
CASES=${CASES:-"one-key ten-one worst worst-100 worst-again"}

die() { echo "FATAL: $*" >&2; exit 2; }
command -v python3 >/dev/null || die "python3 not found"
[ -f "$BUILD/Makefile" ] || die "$BUILD is not a configured build directory"
make -s -C "$BUILD" milter/authmilter bench/bench-milter >/dev/null ||
    die "cannot build"
AM=$BUILD/milter/authmilter
BM=$BUILD/bench/bench-milter

W=$(mktemp -d /tmp/dns-silent.XXXXXX)
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    if [ "${KEEP:-0}" = 1 ]; then echo "kept $W" >&2; else rm -rf "$W"; fi
}
trap cleanup EXIT

# The silent server: bound, never read; prints its port.
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
time.sleep(3600)' > "$W/port" &
PIDS+=($!)
for _ in $(seq 50); do [ -s "$W/port" ] && break; sleep 0.1; done
PORT=$(cat "$W/port")
[ -n "$PORT" ] || die "silent server did not start"

# msg FILE N DISTINCT: a message with N DKIM-Signatures; DISTINCT=1:
# each names its own selector, else all name s=silent.
msg() {
    local i s
    : > "$1"
    for i in $(seq 1 "$2"); do
        if [ "$3" = 1 ]; then s=sel$i; else s=silent; fi
        printf 'DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=silent.example;\r\n s=%s; h=from:to:subject;\r\n bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hKuU8=; b=dGVzdHRlc3R0ZXN0\r\n' "$s" >> "$1"
    done
    printf 'From: a@silent.example\r\nTo: b@example.org\r\nSubject: silent\r\n\r\nbody\r\n' >> "$1"
}

# run CASE CONF-LINES MSG-ARGS
run() {
    local name=$1 conf=$2 d=$W/$1 t0 t1 pid
    mkdir -p "$d"
    msg "$d/msg.eml" $3
    {
        printf 'Mode v\nSocket unix:%s/sock\nPidFile %s/pid\n' "$d" "$d"
        printf 'AuthservID mx.example.org\nSyslog no\n'
        printf 'Nameservers 127.0.0.1@%s\nDNSTimeout %s\n' "$PORT" "$TIMEOUT"
        [ -z "$BUDGET" ] || printf 'DNSBudget %s\n' "$BUDGET"
        printf '%b' "$conf"
    } > "$d/authmilter.conf"
    "$AM" -f -c "$d/authmilter.conf" 2> "$d/log" &
    pid=$!
    PIDS+=($pid)
    for _ in $(seq 100); do [ -S "$d/sock" ] && break; sleep 0.1; done
    [ -S "$d/sock" ] || { cat "$d/log" >&2; die "$name: no socket"; }
    if [ "${4:-}" = again ]; then
        "$BM" --print --socket "unix:$d/sock" --client-addr 192.0.2.1 \
            --helo helo.silent.example --from a@silent.example \
            --timeout 600 "$d/msg.eml" > /dev/null 2>&1 || true
    fi
    t0=$EPOCHREALTIME
    "$BM" --print --socket "unix:$d/sock" --client-addr 192.0.2.1 \
        --helo helo.silent.example --from a@silent.example --timeout 600 \
        "$d/msg.eml" > "$d/out" 2>&1 || true
    t1=$EPOCHREALTIME
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    local verdicts
    # the daemon's line for the message (the A-R is not added when the
    # message is refused)
    verdicts=$(grep -o '\(dkim\|spf\|dmarc\)=[a-z]*' "$d/log" | sort |
        uniq -c | awk '{printf "%s%s x%s", (NR > 1 ? ", " : ""), $2, $1}' ||
        true)
    printf '| %s | %s | %s | %.2f | %s | %s |\n' "$name" "$TIMEOUT" \
        "${BUDGET:--}" "$(awk "BEGIN{print $t1 - $t0}")" \
        "$(grep '^X-Milter-Result' "$d/out" | cut -c17-)" "$verdicts"
}

echo "| case | DNSTimeout | DNSBudget | seconds | result | verdicts |"
echo "|---|--:|--:|--:|---|---|"
for c in $CASES; do
    case $c in
    one-key) run one-key 'SPFMode off\nDMARCMode off\n' "1 0" ;;
    ten-one) run ten-one 'SPFMode off\nDMARCMode off\n' "10 0" ;;
    worst) run worst '' "100 1" ;;
    worst-100) run worst-100 'MaximumSignaturesToVerify 100\n' "100 1" ;;
    worst-again) run worst-again '' "100 1" again ;;
    *) die "unknown case $c" ;;
    esac
done
