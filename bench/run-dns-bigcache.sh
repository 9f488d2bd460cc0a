#!/usr/bin/env bash
# run-dns-bigcache.sh -- authmilter's memory against a zone of huge
# answers (issue 9, part 2: the DNS answer cache must be bounded in
# bytes).
#
# On loopback only: a "hostile" name server (python3) that answers
# every UDP query with TC set and every TCP query with a TXT record of
# about 60 KB for the name asked (TTL one hour); authmilter -f with
# Nameservers pointing at it (Mode v, SPF and DMARC off); then MSGS
# messages of 10 DKIM-Signatures each, every signature naming its own
# selector, so every key lookup is a new 60 KB answer for the cache.
# Prints the daemon's VmHWM (peak RSS) before and after.
#
# Usage:  bench/run-dns-bigcache.sh [BUILDDIR]  (default /tmp/build-dns)
# Env:    MSGS=500  CONNS=4  KEEP=1 keep scratch
set -euo pipefail

BUILD=${1:-/tmp/build-dns}
MSGS=${MSGS:-500}
CONNS=${CONNS:-4}

die() { echo "FATAL: $*" >&2; exit 2; }
command -v python3 >/dev/null || die "python3 not found"
make -s -C "$BUILD" milter/authmilter bench/bench-milter >/dev/null ||
    die "cannot build"
AM=$BUILD/milter/authmilter
BM=$BUILD/bench/bench-milter

W=$(mktemp -d /tmp/dns-bigcache.XXXXXX)
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    if [ "${KEEP:-0}" = 1 ]; then echo "kept $W" >&2; else rm -rf "$W"; fi
}
trap cleanup EXIT

python3 - "$W/port" <<'PY' &
import socket, struct, sys, threading
def qparse(m):
    i = 12
    while m[i]:
        i += m[i] + 1
    return m[12:i + 5]            # the question, name to class
def reply(m, tc, ans):
    q = qparse(m)
    flags = 0x8380 if tc else 0x8180
    h = m[:2] + struct.pack('>HHHHH', flags, 1, 1 if ans else 0, 0, 0)
    out = h + q
    if ans:
        txt = b''.join(bytes([250]) + bytes([97 + i % 26]) * 250
                       for i in range(240))
        out += b'\xc0\x0c' + struct.pack('>HHIH', 16, 1, 3600, len(txt)) + txt
    return out
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(('127.0.0.1', 0))
port = u.getsockname()[1]
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(('127.0.0.1', port))
t.listen(64)
def udp():
    while True:
        m, a = u.recvfrom(2048)
        u.sendto(reply(m, True, False), a)
def serve(c):
    try:
        n = struct.unpack('>H', c.recv(2, socket.MSG_WAITALL))[0]
        m = c.recv(n, socket.MSG_WAITALL)
        r = reply(m, False, True)
        c.sendall(struct.pack('>H', len(r)) + r)
    finally:
        c.close()
threading.Thread(target=udp, daemon=True).start()
open(sys.argv[1], 'w').write(str(port))
while True:
    c, _ = t.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
PIDS+=($!)
for _ in $(seq 50); do [ -s "$W/port" ] && break; sleep 0.1; done
PORT=$(cat "$W/port")
[ -n "$PORT" ] || die "name server did not start"

mkdir -p "$W/msgs"
for m in $(seq 1 "$MSGS"); do
    f=$W/msgs/$m.eml
    : > "$f"
    for i in $(seq 1 10); do
        printf 'DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=big.example;\r\n s=m%di%d; h=from; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hKuU8=;\r\n b=dGVzdHRlc3R0ZXN0\r\n' "$m" "$i" >> "$f"
    done
    printf 'From: a@big.example\r\nTo: b@example.org\r\nSubject: big\r\n\r\nbody\r\n' >> "$f"
done

printf 'Mode v\nSocket unix:%s/sock\nPidFile %s/pid\nAuthservID mx.example.org\nSyslog no\nNameservers 127.0.0.1@%s\nSPFMode off\nDMARCMode off\n' \
    "$W" "$W" "$PORT" > "$W/authmilter.conf"
"$AM" -f -c "$W/authmilter.conf" 2> "$W/log" &
pid=$!
PIDS+=($pid)
for _ in $(seq 100); do [ -S "$W/sock" ] && break; sleep 0.1; done
[ -S "$W/sock" ] || { cat "$W/log" >&2; die "no socket"; }
hwm() { awk '/^VmHWM/ {print $2 / 1024 " MB"}' "/proc/$pid/status"; }
echo "peak RSS at start: $(hwm)"
"$BM" --socket "unix:$W/sock" --conns "$CONNS" --messages "$MSGS" \
    --warmup 0 --client-addr 192.0.2.1 --timeout 120 "$W"/msgs/*.eml |
    grep -i "messages\|errors" | head -3 || true
echo "peak RSS after $MSGS messages, $((MSGS * 10)) answers of ~60 KB: $(hwm)"
