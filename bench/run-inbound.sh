#!/usr/bin/env bash
# run-inbound.sh -- the inbound chain: authmilter alone against opendkim
# followed by opendmarc, under bench-milter.
#
# Sets up, in a private scratch directory and on loopback only:
#   - NSD (authoritative only, response rate limiting off) on
#     127.0.0.1:$DNS_PORT and 127.0.0.1:53 with the zone example.net:
#     the DKIM key (s=bench, RSA-2048), SPF for the MAIL FROM domain
#       example.net  "v=spf1 mx a:client.example.net ip4:198.51.100.0/24 -all"
#     (an MX lookup, its A, then the A of client.example.net: pass), SPF
#     for the HELO name client.example.net "v=spf1 a -all" (pass), and
#       _dmarc.example.net "v=DMARC1; p=reject; adkim=r; aspf=r"
#   - four 2 KB messages from alice@example.net, signed by opendkim
#     (bench-milter --print, client 127.0.0.1, InternalHosts);
#   - opendkim (Mode sv, the run-milter.sh config) and authmilter (the same
#     file; SPF and DMARC are on by default) on unix sockets, Nameservers
#     127.0.0.1@$DNS_PORT;
#   - opendmarc 1.4 (Debian) with SPFSelfValidate true (its own SPF, libspf2)
#     and TrustedAuthservIDs mx.example.net, so it reads opendkim's
#     Authentication-Results. It has no resolver option: it runs in a
#     private mount namespace where /etc/resolv.conf is bind-mounted to
#     "nameserver 127.0.0.1" (hence NSD on port 53 too).
# The inbound message comes from 192.0.2.7 (HELO client.example.net, MAIL
# FROM alice@example.net), is DKIM-signed, and passes DKIM, SPF and DMARC.
#
# Measured, $DURATION s each, 2 KB, $CONNS connections:
#   authmilter  on the signed corpus, every message must get dmarc=pass;
#   opendkim    on the signed corpus, every message must get dkim=pass;
#   opendmarc   on the signed corpus as opendkim passes it on (with
#               opendkim's A-R field, made by bench-milter --print), every
#               message must get dmarc=pass.
# bench-milter talks to one milter at a time, so the chain is computed:
#   chain CPU/msg = opendkim CPU/msg + opendmarc CPU/msg
#   chain p50, p99 = opendkim's + opendmarc's (the percentiles added: an
#                    estimate of the chain's, not a measured one)
#   chain msg/s   = min(opendkim msg/s, opendmarc msg/s): the bound if
#                   the two ran fully in parallel on separate CPUs, which
#                   is generous to the chain.
# Goal (issue 5): authmilter msg/s >= 3 x chain msg/s, and authmilter
# CPU/msg < 0.5 ms, at 8 connections.
# authmilter-reports is the same authmilter with report records on
# (ReportEmail; an SQLite store in the scratch directory); goal (issue
# 11): within 5% of authmilter's msg/s, in the same session.
#
# ROUNDS=N measures only authmilter and authmilter-reports, N
# alternating rounds per connection count, and prints the median
# difference (the issue 11 check; see bench/README.md).
#
# Usage:  bench/run-inbound.sh [BUILDDIR]   (default /tmp/build-bm)
# Env:    DURATION=6  CONNS="1 8"  DNS_PORT=10153  W=scratch  KEEP=1
#         ROUNDS=0
# Needs:  root (port 53, unshare -m), opendkim, opendmarc, nsd, openssl,
#         python3, unshare. Runs in about a minute.
set -euo pipefail

BUILD=${1:-/tmp/build-bm}
DURATION=${DURATION:-6}
CONNS=${CONNS:-"1 8"}
DNS_PORT=${DNS_PORT:-10153}
DOMAIN=example.net
SELECTOR=bench
CLIENT=192.0.2.7
T0=$EPOCHREALTIME

log() { printf '[%6.1fs] %s\n' "$(awk "BEGIN{print $EPOCHREALTIME - $T0}")" "$*" >&2; }
die() { log "FATAL: $*"; exit 2; }

for t in opendkim opendmarc nsd openssl python3 unshare; do
    command -v "$t" >/dev/null || die "$t not found"
done
[ "$(id -u)" = 0 ] || die "needs root (NSD on port 53, unshare -m for opendmarc)"
[ -f "$BUILD/Makefile" ] || die "$BUILD is not a configured build directory"
make -s -C "$BUILD" bench/bench-milter milter/authmilter >/dev/null ||
    die "cannot build bench-milter and authmilter"
BM=$BUILD/bench/bench-milter
AM=$BUILD/milter/authmilter

W=${W:-$(mktemp -d /tmp/bench-inbound.XXXXXX)}
case $W in /*) ;; *) die "W must be absolute";; esac
mkdir -p "$W"/{dns,corpus,signed,dkimout,od,odm,am,amr}
chmod 755 "$W"

# ---------------------------------------------------------------- teardown
STARTED=()                      # "pid:exe" pairs; stopped by pid only
stop_all() {
    local e pid exe left=()
    for e in "${STARTED[@]}"; do
        pid=${e%%:*}; exe=${e#*:}
        if [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$exe" ]; then
            kill -TERM "$pid" 2>/dev/null && left+=("$pid:$exe")
        fi
    done
    for e in "${left[@]}"; do
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

wait_socket() {
    for _ in $(seq 100); do
        [ -S "$1" ] && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# ---------------------------------------------------------------- key, DNS
log "key, zone, NSD on 127.0.0.1:$DNS_PORT and 127.0.0.1:53"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$W/bench.key" 2>/dev/null
chmod 600 "$W/bench.key"
PUB=$(openssl pkey -in "$W/bench.key" -pubout -outform DER | base64 -w0)
{
    printf '$ORIGIN %s.\n$TTL 300\n' "$DOMAIN"
    printf '@ IN SOA ns.%s. hostmaster.%s. 1 3600 600 86400 300\n' "$DOMAIN" "$DOMAIN"
    printf '@ IN NS ns.%s.\nns IN A 127.0.0.1\n' "$DOMAIN"
    printf '@ IN MX 10 mx.%s.\nmx IN A 198.51.100.25\n' "$DOMAIN"
    printf '@ IN TXT "v=spf1 mx a:client.%s ip4:198.51.100.0/24 -all"\n' "$DOMAIN"
    printf 'client IN A %s\nclient IN TXT "v=spf1 a -all"\n' "$CLIENT"
    printf '_dmarc IN TXT "v=DMARC1; p=reject; adkim=r; aspf=r"\n'
    printf '%s._domainkey IN TXT ( "v=DKIM1; k=rsa; p=%s" "%s" )\n' \
        "$SELECTOR" "${PUB:0:200}" "${PUB:200}"
} > "$W/dns/$DOMAIN.zone"
cat > "$W/dns/nsd.conf" <<EOF
server:
    ip-address: 127.0.0.1@$DNS_PORT
    ip-address: 127.0.0.1@53
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
    # no response rate limiting: every milter here asks for the key,
    # the SPF and the DMARC records on every message
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
remote-control:
    control-enable: no
zone:
    name: "$DOMAIN"
    zonefile: "$DOMAIN.zone"
EOF
if command -v ss >/dev/null; then
    for p in "$DNS_PORT" 53; do
        [ -z "$(ss -Hlnu "sport = :$p" | grep 127.0.0.1 || true)" ] ||
            die "udp 127.0.0.1:$p is in use"
    done
fi
nsd-checkzone "$DOMAIN" "$W/dns/$DOMAIN.zone" >/dev/null || die "bad zone"
nsd -c "$W/dns/nsd.conf" || die "nsd: $(tail -3 "$W/dns/nsd.log")"
for _ in $(seq 50); do [ -s "$W/dns/nsd.pid" ] && break; sleep 0.1; done
[ -s "$W/dns/nsd.pid" ] || die "nsd wrote no pid file"
STARTED+=("$(head -1 "$W/dns/nsd.pid"):$(readlink -f "$(command -v nsd)")")
if command -v dig >/dev/null; then
    for _ in $(seq 50); do
        dig @127.0.0.1 -p 53 +short +time=1 +tries=1 TXT \
            "_dmarc.$DOMAIN" 2>/dev/null | grep -q DMARC1 && break
        sleep 0.1
    done
fi
printf 'nameserver 127.0.0.1\noptions timeout:2 attempts:1\n' > "$W/resolv.conf"

# ---------------------------------------------------------------- corpus
log "corpus"
python3 - "$W/corpus" <<'EOF'
import random, sys
out = sys.argv[1]
words = ("the of and to in is for on that with as was by at from be this "
         "have or are an it not which but all were when we there can been "
         "message signature header domain relay delivery server queue "
         "mailbox lunch friday corner weather report quarterly").split()
for size, tag in ((2000, "2k"),):
    for n in range(4):
        rnd = random.Random(size * 10 + n)
        hdr = [
            "Received: from client.example.net (client.example.net [192.0.2.7])",
            "\tby mx.example.org (Postfix) with ESMTPS id 4BMQ%02d%s" % (n, tag),
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

# ---------------------------------------------------------------- milters
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
declare -A PID SOCK

start_opendkim() {
    local s=$W/od/od.sock p=$W/od/od.pid pid
    conf "$W/od/opendkim.conf" "$s" "$p"
    echo "Background yes" >> "$W/od/opendkim.conf"
    opendkim -x "$W/od/opendkim.conf" 2>"$W/od/stderr" ||
        die "opendkim did not start: $(tail -2 "$W/od/stderr")"
    for _ in $(seq 50); do [ -s "$p" ] && break; sleep 0.1; done
    pid=$(head -1 "$p" 2>/dev/null || true)
    [ -n "$pid" ] || die "opendkim wrote no pid file"
    STARTED+=("$pid:$(readlink -f "$(command -v opendkim)")")
    wait_socket "$s" "$pid" || die "opendkim made no socket"
    PID[opendkim]=$pid; SOCK[opendkim]=$s
}

start_opendmarc() {
    local s=$W/odm/odm.sock p=$W/odm/odm.pid pid
    cat > "$W/odm/opendmarc.conf" <<EOF
AuthservID              mx.example.net
TrustedAuthservIDs      mx.example.net
SPFSelfValidate         true
IgnoreHosts             $W/odm/ignore
RejectFailures          false
Syslog                  false
UMask                   0077
Socket                  unix:$s
PidFile                 $p
EOF
    # ignore (and do not check) only the trusted relay, as InternalHosts;
    # no HistoryFile (Debian's default), so no per-message history write
    echo 127.0.0.1 > "$W/odm/ignore"
    # its libresolv and libspf2 read /etc/resolv.conf: give it ours
    unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf && shift &&
        exec opendmarc -f -c "$@"' sh "$W/resolv.conf" "$W/odm/opendmarc.conf" \
        >"$W/odm/stderr" 2>&1 &
    pid=$!
    STARTED+=("$pid:$(readlink -f "$(command -v opendmarc)")")
    wait_socket "$s" "$pid" ||
        die "opendmarc made no socket: $(tail -3 "$W/odm/stderr")"
    PID[opendmarc]=$pid; SOCK[opendmarc]=$s
}

start_authmilter() {
    local s=$W/am/am.sock p=$W/am/am.pid pid
    conf "$W/am/authmilter.conf" "$s" "$p"
    "$AM" -n -c "$W/am/authmilter.conf" >"$W/am/check.log" 2>&1 ||
        die "authmilter -n rejects the config: $(head -c 300 "$W/am/check.log")"
    "$AM" -f -c "$W/am/authmilter.conf" >"$W/am/stderr" 2>&1 &
    pid=$!
    STARTED+=("$pid:$(readlink -f "$AM")")
    wait_socket "$s" "$pid" || die "authmilter made no socket: $(tail -c 300 "$W/am/stderr")"
    PID[authmilter]=$pid; SOCK[authmilter]=$s
}

# The same authmilter with DMARC report records on (issue 11): every
# message's record goes through the in-memory queue and the writer
# thread into an SQLite store; compared with reporting off in the same
# session (goal: within 5%).
start_authmilter_reports() {
    local s=$W/amr/amr.sock p=$W/amr/amr.pid pid
    conf "$W/amr/authmilter.conf" "$s" "$p"
    printf 'ReportEmail dmarc-reports@example.net\nReportStore sqlite:%s\n' \
        "$W/amr/reports.db" >> "$W/amr/authmilter.conf"
    "$AM" -f -c "$W/amr/authmilter.conf" >"$W/amr/stderr" 2>&1 &
    pid=$!
    STARTED+=("$pid:$(readlink -f "$AM")")
    wait_socket "$s" "$pid" || die "authmilter (reports) made no socket: $(tail -c 300 "$W/amr/stderr")"
    PID[authmilter-reports]=$pid; SOCK[authmilter-reports]=$s
}

log "starting opendkim, opendmarc, authmilter, authmilter with reports"
start_opendkim
start_opendmarc
start_authmilter
start_authmilter_reports

pr() {  # pr MILTER FILE: bench-milter --print as the inbound MTA would
    "$BM" --print --socket "unix:${SOCK[$1]}" --client-addr "$CLIENT" \
        --timeout 10 "$2"
}
log "signing the corpus with opendkim; opendkim's output for opendmarc"
for f in "$W"/corpus/*.eml; do
    "$BM" --print --socket "unix:${SOCK[opendkim]}" "$f" > "$W/out.tmp" ||
        die "signing $f failed"
    sed '$d' "$W/out.tmp" > "$W/signed/${f##*/}"
    pr opendkim "$W/signed/${f##*/}" > "$W/out.tmp" || die "opendkim on $f"
    grep -q 'dkim=pass' "$W/out.tmp" || die "opendkim: no dkim=pass for $f"
    sed '$d' "$W/out.tmp" > "$W/dkimout/${f##*/}"
done
# Smoke: the results each side adds to one message
pr opendmarc "$W/dkimout/2k-0.eml" > "$W/odm.smoke" 2>&1 || true
pr authmilter "$W/signed/2k-0.eml" > "$W/am.smoke" 2>&1 || true
for m in odm am; do
    log "$m adds: $(grep -A5 -E '^Authentication-Results:' "$W/$m.smoke" |
        tr -s ' \t\n' ' ' | head -c 400)"
done
grep -q 'dmarc=pass' "$W/odm.smoke" || die "opendmarc: no dmarc=pass"
grep -q 'spf=pass' "$W/odm.smoke" || die "opendmarc: no spf=pass (SPFSelfValidate)"
for r in dkim=pass spf=pass dmarc=pass; do
    grep -q "$r" "$W/am.smoke" || die "authmilter: no $r"
done

# ---------------------------------------------------------------- runs
declare -A RATE P50 P99 CPU
# shellcheck disable=SC2154  # R_* come from eval
row() {  # row MILTER DIR EXPECT CONNS
    local m=$1 dir=$2 exp=$3 c=$4 r
    r=$("$BM" --socket "unix:${SOCK[$m]}" --conns "$c" --duration "$DURATION" \
        --pid "${PID[$m]}" --client-addr "$CLIENT" --expect "$exp" \
        "$W/$dir"/2k-*.eml 2>&1 | tee -a "$W/runs.log" | grep '^RESULT' || true)
    [ -n "$r" ] || { echo "| $m | $c | - | - | - | - | **failed** |"; return; }
    # shellcheck disable=SC2086
    eval "$(echo "${r#RESULT }" | tr ' ' '\n' | sed 's/^/local R_/')"
    # shellcheck disable=SC2154
    RATE[$m$c]=$R_rate; P50[$m$c]=$R_p50_ms; P99[$m$c]=$R_p99_ms
    CPU[$m$c]=$R_milter_cpu_ms
    # shellcheck disable=SC2154
    awk -v m="$m" -v c="$c" -v n="$R_msgs" -v e="$R_errors" -v rate="$R_rate" \
        -v p50="$R_p50_ms" -v p99="$R_p99_ms" -v cpu="$R_milter_cpu_ms" \
        -v x="$R_expect" -v want="$exp" 'BEGIN {
        ok = (e == 0 && x == n) ? "yes" : sprintf("**%d/%d %s, %d errors**", x, n, want, e)
        printf "| %s | %d | %.0f | %.2f | %.2f | **%.3f** | %s |\n",
            m, c, rate, p50, p99, cpu, ok }'
}

# Warm both authmilters (caches, the store's first pages) so that the
# first measured row is not the one that pays for it.
for m in authmilter authmilter-reports; do
    "$BM" --socket "unix:${SOCK[$m]}" --conns 8 --duration 2 \
        --client-addr "$CLIENT" "$W"/signed/2k-*.eml > /dev/null 2>&1 || true
done
# ROUNDS=N: only reporting on against off, N alternating rounds per
# connection count (off then on, on then off, ...: a drift in the
# machine's load hits both sides), a line per round and the median.
if [ "${ROUNDS:-0}" -gt 0 ]; then
    log "reporting on vs off: $ROUNDS rounds, ${DURATION} s per row"
    for c in $CONNS; do
        : > "$W/deltas.$c"
        for r in $(seq 1 "$ROUNDS"); do
            RATE[authmilter$c]=0; RATE[authmilter-reports$c]=0
            if [ $((r % 2)) = 1 ]; then order="authmilter authmilter-reports"
            else order="authmilter-reports authmilter"; fi
            for m in $order; do row "$m" signed dmarc=pass "$c" > /dev/null; done
            line=$(awk -v r="$r" -v c="$c" -v off="${RATE[authmilter$c]:-0}" \
                -v on="${RATE[authmilter-reports$c]:-0}" \
                -v coff="${CPU[authmilter$c]:-0}" -v con="${CPU[authmilter-reports$c]:-0}" 'BEGIN {
                d = (off > 0 ? (on - off) / off * 100 : 0)
                printf "round %d, %d conns: off %.0f msg/s, on %.0f msg/s (%+.1f%%); CPU off %.3f, on %.3f ms/msg\n",
                    r, c, off, on, d, coff, con }')
            echo "$line" | tee -a "$W/table.md"
            echo "$line" | sed -n 's/.*(\([-+0-9.]*\)%).*/\1/p' >> "$W/deltas.$c"
        done
        sort -g "$W/deltas.$c" | awk -v c="$c" '{ v[NR] = $1 } END {
            m = (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)
            printf "Reporting check, %d conns: median on vs off over %d rounds %+.1f%% (goal within 5%%: %s)\n",
                c, NR, m, (m >= -5 ? "met" : "MISSED") }' | tee -a "$W/table.md"
    done
    sleep 1
    python3 - "$W/amr/reports.db" <<'PY' | tee -a "$W/table.md"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print("Report records stored by the reporting authmilter: %d (in %d rows:"
      " identical evaluations of a batch folded)" %
      (db.execute("select coalesce(sum(n), 0) from am_records").fetchone()[0],
       db.execute("select count(*) from am_records").fetchone()[0]))
PY
    log "done"
    exit 0
fi

log "measuring, ${DURATION} s per row"
{
    echo "| milter | conns | msg/s | p50 ms | p99 ms | milter CPU ms/msg | ok |"
    echo "|---|--:|--:|--:|--:|--:|---|"
    for c in $CONNS; do
        row authmilter signed dmarc=pass "$c"
        row authmilter-reports signed dmarc=pass "$c"
        row opendkim signed dkim=pass "$c"
        row opendmarc dkimout dmarc=pass "$c"
        awk -v a="${RATE[opendkim$c]:-0}" -v b="${RATE[opendmarc$c]:-0}" \
            -v p5="$(awk "BEGIN{print ${P50[opendkim$c]:-0} + ${P50[opendmarc$c]:-0}}")" \
            -v p9="$(awk "BEGIN{print ${P99[opendkim$c]:-0} + ${P99[opendmarc$c]:-0}}")" \
            -v cpu="$(awk "BEGIN{print ${CPU[opendkim$c]:-0} + ${CPU[opendmarc$c]:-0}}")" \
            -v c="$c" 'BEGIN {
            printf "| *chain = opendkim + opendmarc* | %d | %.0f (min) | %.2f (sum) | %.2f (sum) | **%.3f** (sum) | |\n",
                c, (a < b ? a : b), p5, p9, cpu }'
    done
} > "$W/table.md"    # not through a pipe: row() fills RATE etc. here
cat "$W/table.md"

echo
for c in $CONNS; do
    awk -v c="$c" -v am="${RATE[authmilter$c]:-0}" -v a="${RATE[opendkim$c]:-0}" \
        -v b="${RATE[opendmarc$c]:-0}" -v cpu="${CPU[authmilter$c]:-0}" 'BEGIN {
        ch = (a < b ? a : b); x = (ch > 0 ? am / ch : 0)
        printf "Goal check, %d conns: authmilter %.0f msg/s = %.2fx the chain bound %.0f msg/s (goal 3x: %s); authmilter CPU %.3f ms/msg (goal < 0.5: %s)\n",
            c, am, x, ch, (x >= 3 ? "met" : "MISSED"), cpu, (cpu < 0.5 ? "met" : "MISSED") }'
done | tee -a "$W/table.md"
for c in $CONNS; do
    awk -v c="$c" -v off="${RATE[authmilter$c]:-0}" -v on="${RATE[authmilter-reports$c]:-0}" \
        -v coff="${CPU[authmilter$c]:-0}" -v con="${CPU[authmilter-reports$c]:-0}" 'BEGIN {
        d = (off > 0 ? (on - off) / off * 100 : 0)
        printf "Reporting check, %d conns: reports on %.0f msg/s vs off %.0f msg/s (%+.1f%%; goal within 5%%: %s); CPU %.3f vs %.3f ms/msg\n",
            c, on, off, d, (d >= -5 ? "met" : "MISSED"), con, coff }'
done | tee -a "$W/table.md"
sleep 1     # the writer's last batch
python3 - "$W/amr/reports.db" <<'P' | tee -a "$W/table.md"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print("Report records stored by the reporting authmilter: %d (in %d rows:"
      " identical evaluations of a batch folded)" %
      (db.execute("select coalesce(sum(n), 0) from am_records").fetchone()[0],
       db.execute("select count(*) from am_records").fetchone()[0]))
P
log "done"
