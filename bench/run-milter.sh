#!/usr/bin/env bash
# run-milter.sh -- opendkim and authmilter side by side under bench-milter.
#
# Sets up, in a private scratch directory and on loopback only:
#   - one RSA-2048 key (d=example.net, s=bench), published by NSD on
#     127.0.0.1:$DNS_PORT (authoritative only: it never recurses);
#   - a corpus of 2 KB and 200 KB messages from example.net, and a copy
#     of it signed by the first milter (through bench-milter --print);
#   - Debian's opendkim and our authmilter on unix sockets, both with the
#     same config (OpenDKIM syntax): Mode sv, relaxed/relaxed, the same
#     key, InternalHosts 127.0.0.1, Nameservers 127.0.0.1@$DNS_PORT,
#     no syslog.
#   - bench/null-milter, the libmilter floor: a filter that does nothing
#     but negotiates the same protocol options as authmilter (no-reply
#     headers, SMFIP_SKIP, the same actions), takes the body and inserts
#     one header at the end (see bench/null-milter.c).
# Then runs bench-milter for each milter x {sign, verify} x {2 KB, 200 KB}
# x {1, 8} connections, $DURATION seconds each, and prints a markdown
# table. Signing: client 127.0.0.1, unsigned corpus, every message must
# get a DKIM-Signature. Verifying: client 192.0.2.1 (only a macro; no
# traffic), signed corpus, every message must get dkim=pass. A row whose
# check fails is marked in the "ok" column.
#
# authmilter is skipped, with the reason, when the binary does not build,
# rejects the config (-n), does not create its socket, or does not sign
# a test message.
#
# Usage:  bench/run-milter.sh [BUILDDIR]     (default /tmp/build-bm; it
#         must be configured; bench-milter and authmilter are made there)
# Env:    DURATION=5 (seconds per row)  CONNS="1 8"  DNS_PORT=10153
#         W=scratch dir (default: mktemp -d)  KEEP=1 keep W
#         AUTHMILTER_BIN=an authmilter binary built elsewhere (say, from
#         the commit before a change, to compare in one run); default
#         BUILDDIR/milter/authmilter
# Needs:  opendkim, nsd, openssl, python3. Runs in about 2 minutes.
set -euo pipefail


BUILD=${1:-/tmp/build-bm}
DURATION=${DURATION:-5}
CONNS=${CONNS:-"1 8"}
DNS_PORT=${DNS_PORT:-10153}
DOMAIN=example.net
SELECTOR=bench
T0=$EPOCHREALTIME

log() { printf '[%6.1fs] %s\n' "$(awk "BEGIN{print $EPOCHREALTIME - $T0}")" "$*" >&2; }
die() { log "FATAL: $*"; exit 2; }

for t in opendkim nsd openssl python3; do
    command -v "$t" >/dev/null || die "$t not found"
done
[ -f "$BUILD/Makefile" ] || die "$BUILD is not a configured build directory"
make -s -C "$BUILD" bench/bench-milter >/dev/null || die "cannot build bench-milter"
BM=$BUILD/bench/bench-milter
NULLM=$BUILD/bench/null-milter
make -s -C "$BUILD" bench/null-milter >/dev/null 2>&1 || NULLM=

W=${W:-$(mktemp -d /tmp/bench-milter.XXXXXX)}
case $W in /*) ;; *) die "W must be absolute";; esac
mkdir -p "$W"/{dns,corpus,signed,od,am,null}
chmod 755 "$W"

# ---------------------------------------------------------------- teardown
# Stop only what we started, by pid, while the pid still runs that program.
STARTED=()                      # "pid:exe" pairs
stop_all() {
    local e pid exe left=()
    for e in "${STARTED[@]}"; do
        pid=${e%%:*}; exe=${e#*:}
        if [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$exe" ]; then
            kill -TERM "$pid" 2>/dev/null && left+=("$pid:$exe")
        fi
    done
    for e in "${left[@]}"; do   # libmilter notices SIGTERM within 5 s
        pid=${e%%:*}; exe=${e#*:}
        for _ in $(seq 100); do
            [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$exe" ] || break
            sleep 0.1
        done
        if [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$exe" ]; then
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    STARTED=()
}
cleanup() {
    stop_all
    if [ "${KEEP:-0}" = 1 ]; then log "kept $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_socket PATH PID: until the socket exists (10 s), or the pid dies
wait_socket() {
    for _ in $(seq 100); do
        [ -S "$1" ] && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# ---------------------------------------------------------------- key, DNS
log "key, zone, NSD on 127.0.0.1:$DNS_PORT"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$W/bench.key" 2>/dev/null
chmod 600 "$W/bench.key"
PUB=$(openssl pkey -in "$W/bench.key" -pubout -outform DER | base64 -w0)
{
    printf '$ORIGIN %s.\n$TTL 300\n' "$DOMAIN"
    printf '@ IN SOA ns.%s. hostmaster.%s. 1 3600 600 86400 300\n' "$DOMAIN" "$DOMAIN"
    printf '@ IN NS ns.%s.\nns IN A 127.0.0.1\n' "$DOMAIN"
    # TXT strings of at most 255 octets
    printf '%s._domainkey IN TXT ( "v=DKIM1; k=rsa; p=%s" "%s" )\n' \
        "$SELECTOR" "${PUB:0:200}" "${PUB:200}"
} > "$W/dns/$DOMAIN.zone"
# The TLD above, empty: authmilter's DMARC tree walk asks _dmarc.TLD,
# which the internet answers with NXDOMAIN; an NSD that does not serve
# it says REFUSED, a temperror, and the default tempfails the message.
TLD=${DOMAIN##*.}
printf '$ORIGIN %s.\n$TTL 300\n@ IN SOA ns.%s. hostmaster.%s. 1 3600 600 86400 300\n@ IN NS ns.%s.\n' \
    "$TLD" "$DOMAIN" "$DOMAIN" "$DOMAIN" > "$W/dns/$TLD.zone"
cat > "$W/dns/nsd.conf" <<EOF
server:
    ip-address: 127.0.0.1@$DNS_PORT
    do-ip6: no
    username: ""
    chroot: ""
    zonesdir: "$W/dns"
    database: ""
    zonelistfile: "$W/dns/zone.list"
    xfrdfile: "$W/dns/xfrd.state"
    xfrdir: "$W/dns"
    cookie-secret-file: "$W/dns/cookiesecrets.txt"
    pidfile: "$W/dns/nsd.pid"
    logfile: "$W/dns/nsd.log"
    server-count: 1
    verbosity: 1
    # no response rate limiting: a milter without a key cache asks for
    # the key on every message, and RRL would drop those queries
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
remote-control:
    control-enable: no
zone:
    name: "$DOMAIN"
    zonefile: "$DOMAIN.zone"
zone:
    name: "$TLD"
    zonefile: "$TLD.zone"
EOF
if command -v ss >/dev/null && [ -n "$(ss -Hlnu "sport = :$DNS_PORT")" ]; then
    die "udp port $DNS_PORT is in use (set DNS_PORT)"
fi
nsd-checkzone "$DOMAIN" "$W/dns/$DOMAIN.zone" >/dev/null || die "bad zone"
nsd -c "$W/dns/nsd.conf" || die "nsd: $(tail -3 "$W/dns/nsd.log")"
for _ in $(seq 50); do [ -s "$W/dns/nsd.pid" ] && break; sleep 0.1; done
[ -s "$W/dns/nsd.pid" ] || die "nsd wrote no pid file"
STARTED+=("$(head -1 "$W/dns/nsd.pid"):$(readlink -f "$(command -v nsd)")")
if command -v dig >/dev/null; then
    for _ in $(seq 50); do
        dig @127.0.0.1 -p "$DNS_PORT" +short +time=1 +tries=1 TXT \
            "$SELECTOR._domainkey.$DOMAIN" 2>/dev/null | grep -q DKIM1 && break
        sleep 0.1
    done
fi

# ---------------------------------------------------------------- corpus
# 4 different messages per size: headers as a relay sees them, plain
# text of about 70 characters a line.
log "corpus"
python3 - "$W/corpus" <<'EOF'
import random, sys
out = sys.argv[1]
words = ("the of and to in is for on that with as was by at from be this "
         "have or are an it not which but all were when we there can been "
         "message signature header domain relay delivery server queue "
         "mailbox lunch friday corner weather report quarterly").split()
for size, tag in ((2000, "2k"), (200000, "200k")):
    for n in range(4):
        rnd = random.Random(size * 10 + n)
        hdr = [
            "Received: from client.example.net (client.example.net [192.0.2.7])",
            "\tby mx.example.net (Postfix) with ESMTPS id 4BMQ%02d%s" % (n, tag),
            "\tfor <bob@example.org>; Wed, 25 Nov 2026 12:00:%02d +0000 (UTC)" % n,
            "From: Alice Example <alice@example.net>",
            "To: Bob Example <bob@example.org>",
            "Subject: Bench message %d (%s)" % (n, tag),
            "Date: Wed, 25 Nov 2026 12:00:%02d +0000" % n,
            "Message-ID: <bench-%s-%d@example.net>" % (tag, n),
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "",
        ]
        body, total = [], len("\n".join(hdr)) + 1
        while total < size:
            line = " ".join(rnd.choice(words) for _ in range(12))[:72]
            if rnd.random() < 0.08:
                line = ""
            body.append(line)
            total += len(line) + 1
        with open("%s/%s-%d.eml" % (out, tag, n), "w") as f:
            f.write("\n".join(hdr + body) + "\n")
EOF

# ---------------------------------------------------------------- configs
# conf FILE SOCKET PIDFILE: the shared OpenDKIM-syntax configuration
conf() {
    cat > "$1" <<EOF
Mode                    sv
Domain                  $DOMAIN
Selector                $SELECTOR
KeyFile                 $W/bench.key
Canonicalization        relaxed/relaxed
InternalHosts           127.0.0.1
Nameservers             127.0.0.1@$DNS_PORT
AuthservID              mx.example.net
RequireSafeKeys         no
UMask                   0077
Syslog                  no
Socket                  unix:$2
PidFile                 $3
EOF
}

MILTERS=()
declare -A PID SOCK

# smoke NAME: does the milter sign one message?
smoke() {
    "$BM" --print --socket "unix:${SOCK[$1]}" --timeout 10 \
        "$W/corpus/2k-0.eml" >"$W/$1.smoke" 2>"$W/$1.smoke.err" &&
        grep -q '^DKIM-Signature:' "$W/$1.smoke"
}

start_opendkim() {
    local s=$W/od/od.sock p=$W/od/od.pid pid
    conf "$W/od/opendkim.conf" "$s" "$p"
    echo "Background yes" >> "$W/od/opendkim.conf"
    opendkim -x "$W/od/opendkim.conf" 2>"$W/od/stderr" ||
        { log "opendkim did not start: $(tail -2 "$W/od/stderr")"; return 1; }
    for _ in $(seq 50); do [ -s "$p" ] && break; sleep 0.1; done
    pid=$(head -1 "$p" 2>/dev/null || true)
    [ -n "$pid" ] || { log "opendkim wrote no pid file"; return 1; }
    STARTED+=("$pid:$(readlink -f "$(command -v opendkim)")")
    wait_socket "$s" "$pid" || { log "opendkim made no socket"; return 1; }
    PID[opendkim]=$pid; SOCK[opendkim]=$s
    smoke opendkim ||
        { log "opendkim did not sign: $(cat "$W/opendkim.smoke.err")"; return 1; }
    MILTERS+=(opendkim)
}

start_authmilter() {
    local s=$W/am/am.sock p=$W/am/am.pid bin=${AUTHMILTER_BIN:-$BUILD/milter/authmilter} pid
    if [ -n "${AUTHMILTER_BIN:-}" ]; then
        [ -x "$bin" ] || { log "SKIP authmilter: $bin is not executable"; return 1; }
    elif ! make -s -C "$BUILD" milter/authmilter >"$W/am/make.log" 2>&1; then
        log "SKIP authmilter: milter/authmilter does not build (see below)"
        tail -5 "$W/am/make.log" >&2
        return 1
    fi
    conf "$W/am/authmilter.conf" "$s" "$p"
    if ! "$bin" -n -c "$W/am/authmilter.conf" >"$W/am/check.log" 2>&1; then
        log "SKIP authmilter: 'authmilter -n' rejects the config or is not" \
            "functional yet (exit $?): $(head -c 300 "$W/am/check.log")"
        return 1
    fi
    "$bin" -f -c "$W/am/authmilter.conf" >"$W/am/stderr" 2>&1 &
    pid=$!
    STARTED+=("$pid:$(readlink -f "$bin")")
    if ! wait_socket "$s" "$pid"; then
        log "SKIP authmilter: no socket $s after 10 s: $(tail -c 300 "$W/am/stderr")"
        return 1
    fi
    PID[authmilter]=$pid; SOCK[authmilter]=$s
    if ! smoke authmilter; then
        log "SKIP authmilter: it did not sign a test message:" \
            "$(cat "$W/authmilter.smoke.err")"
        return 1
    fi
    MILTERS+=(authmilter)
}

# The floor: measured, but neither signs nor verifies.
start_null() {
    local s=$W/null/null.sock pid
    [ -n "$NULLM" ] || { log "SKIP null-milter: it does not build"; return 1; }
    "$NULLM" -p "unix:$s" >"$W/null/stderr" 2>&1 &
    pid=$!
    STARTED+=("$pid:$(readlink -f "$NULLM")")
    wait_socket "$s" "$pid" || { log "SKIP null-milter: no socket"; return 1; }
    PID[null]=$pid; SOCK[null]=$s
}

log "starting opendkim"
start_opendkim || log "SKIP opendkim"
log "starting authmilter${AUTHMILTER_BIN:+ ($AUTHMILTER_BIN)}"
start_authmilter || true
[ "${#MILTERS[@]}" -gt 0 ] || die "no milter works"
log "starting null-milter"
MEASURED=("${MILTERS[@]}")
if start_null; then MEASURED+=(null); fi

# The verifying corpus: signed once by the first milter, used by all.
log "signing the corpus with ${MILTERS[0]}"
for f in "$W"/corpus/*.eml; do
    "$BM" --print --socket "unix:${SOCK[${MILTERS[0]}]}" "$f" > "$W/out.tmp" ||
        die "signing $f failed"
    sed '$d' "$W/out.tmp" > "$W/signed/${f##*/}"
done

# Cross-check: what each milter signs, every milter verifies (dkim=pass).
for s in "${MILTERS[@]}"; do
    for v in "${MILTERS[@]}"; do
        for f in 2k-1 200k-1; do
            "$BM" --print --socket "unix:${SOCK[$s]}" "$W/corpus/$f.eml" |
                sed '$d' > "$W/x-$s.eml"
            "$BM" --print --socket "unix:${SOCK[$v]}" --client-addr 192.0.2.1 \
                "$W/x-$s.eml" > "$W/x-$s-$v.out" 2>&1 || true
            if grep -q 'dkim=pass' "$W/x-$s-$v.out"; then
                log "cross-check: $f signed by $s, verified by $v: pass"
            else
                log "cross-check: $f signed by $s, verified by $v: FAILED"
            fi
        done
    done
done

# ---------------------------------------------------------------- runs
# dns_ticks: CPU clock ticks used so far by NSD's processes (the pid file
# names xfrd; "main" is its child and the server a child of that), to
# show the DNS cost of verifying
NSD_PID=$(head -1 "$W/dns/nsd.pid")
dns_ticks() {
    local p t=0 todo=("$NSD_PID")
    while [ "${#todo[@]}" -gt 0 ]; do
        p=${todo[0]}; todo=("${todo[@]:1}")
        # shellcheck disable=SC2207
        todo+=($(pgrep -P "$p" || true))
        [ -r "/proc/$p/stat" ] || continue
        t=$(( t + $(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12 + $13}') ))
    done
    echo "$t"
}
HZ=$(getconf CLK_TCK)
# row MILTER MODE SIZE CONNS: one measurement, one markdown table row
row() {
    local m=$1 mode=$2 size=$3 c=$4 dir=corpus addr=127.0.0.1 exp=DKIM-Signature: r
    local d0 d1
    if [ "$mode" = verify ]; then dir=signed; addr=192.0.2.1; exp=dkim=pass; fi
    if [ "$m" = null ]; then exp=X-Null-Milter:; fi
    d0=$(dns_ticks)
    r=$("$BM" --socket "unix:${SOCK[$m]}" --conns "$c" --duration "$DURATION" \
        --pid "${PID[$m]}" --client-addr "$addr" --expect "$exp" \
        "$W/$dir/$size"-*.eml 2>&1 | tee -a "$W/runs.log" | grep '^RESULT' || true)
    d1=$(dns_ticks)
    if [ -z "$r" ]; then
        printf '| %s | %s | %s | %s | - | - | - | - | - | - | - | **failed** |\n' \
            "$m" "$mode" "$size" "$c"
        return
    fi
    # shellcheck disable=SC2086
    eval "$(echo "${r#RESULT }" | tr ' ' '\n' | sed 's/^/local R_/')"
    # shellcheck disable=SC2154
    awk -v m="$m" -v mode="$mode" -v size="$size" -v c="$c" -v n="$R_msgs" \
        -v e="$R_errors" -v rate="$R_rate" -v p50="$R_p50_ms" -v p99="$R_p99_ms" \
        -v cpu="$R_milter_cpu_ms" -v hwm="$R_milter_hwm_kb" \
        -v cc="$R_client_cpu_ms" -v x="$R_expect" -v want="$exp" \
        -v dns="$(( d1 - d0 ))" -v hz="$HZ" 'BEGIN {
        ok = (e == 0 && x == n) ? "yes" : sprintf("**%d/%d %s, %d errors**", x, n, want, e)
        printf "| %s | %s | %s | %d | %.0f | %.2f | %.2f | **%.2f** | %.1f | %.2f | %.2f | %s |\n",
            m, mode, size, c, rate, p50, p99, cpu, hwm / 1024, cc,
            (n > 0 ? dns * 1000 / hz / n : 0), ok }'
}

log "measuring: ${MEASURED[*]}, ${DURATION} s per row"
{
    echo "| milter | mode | size | conns | msg/s | p50 ms | p99 ms | milter CPU ms/msg | milter peak RSS MB | client CPU ms/msg | NSD CPU ms/msg | ok |"
    echo "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|"
    for mode in sign verify; do
        for size in 2k 200k; do
            for c in $CONNS; do
                for m in "${MEASURED[@]}"; do
                    row "$m" "$mode" "$size" "$c"
                done
            done
        done
    done
} | tee "$W/table.md"
for m in opendkim authmilter null; do
    case " ${MEASURED[*]} " in *" $m "*) ;; *) echo; echo "($m: not measured, see the log above)";; esac
done
# authmilter against the floor, row by row: CPU per message above the
# null milter's, and messages per second as a share of its.
if [ -n "${PID[null]:-}" ] && [ -n "${PID[authmilter]:-}" ]; then
    echo
    echo "| mode | size | conns | authmilter CPU ms/msg | null CPU ms/msg | authmilter - null | authmilter msg/s | null msg/s | authmilter / null msg/s |"
    echo "|---|---|--:|--:|--:|--:|--:|--:|--:|"
    awk -F'|' '{ for (i = 2; i <= NF; i++) gsub(/^ +| +$|\*/, "", $i) }
        $2 == "authmilter" || $2 == "null" {
            k = $3 "|" $4 "|" $5; rate[$2, k] = $6; cpu[$2, k] = $9
            if ($2 == "authmilter") keys[++n] = k }
        END { for (i = 1; i <= n; i++) { k = keys[i]; split(k, f, "|")
            if (cpu["null", k] == "" || rate["null", k] <= 0) continue
            share = 100 * rate["authmilter", k] / rate["null", k]
            printf "| %s | %s | %s | %.2f | %.2f | %.2f | %.0f | %.0f | %.0f%% |\n",
                f[1], f[2], f[3], cpu["authmilter", k], cpu["null", k],
                cpu["authmilter", k] - cpu["null", k], rate["authmilter", k],
                rate["null", k], share } }' "$W/table.md"
fi
log "done"
