#!/bin/bash
# t/interop/spf-dns.sh - SPF against a real DNS server on loopback that
# fails on purpose (RFC 7208 sections 2.6.7, 4.4, 5 and 11.1; issue 4)
#
# spf-dns-helper.py serves a few names on 127.0.0.1 (UDP and TCP on one
# free port): SERVFAIL, a name that never answers, TXT answers too big
# for UDP (truncated, then over TCP), a truncated answer whose TCP leg
# never answers, CNAME chains (to the record, to an a: target, to an
# exp= text, to NODATA and to NXDOMAIN), CNAME loops, a chain longer
# than any resolver follows, and slow answers.
#
# authmilter-tool spf --nameserver 127.0.0.1@PORT --dns-timeout 1 must
# give what the RFC says: a failed or timed-out lookup is temperror
# (4.4, 5), a record behind a truncated answer or a CNAME chain is found
# (pass), an include whose target does not exist is permerror (5.2).
# Every evaluation must end within its time budget: a silent server
# costs one query's timeout (two 1 s attempts), not the 20 s budget.
#
# Then the milter (Nameservers pointing at the same server, SPFTimeout
# 2, DNSTimeout 1, SPFTempErrorAction tempfail) is given a sender whose
# record would take about 30 s of slow answers: MAIL FROM must be
# answered "451 4.7.24" within the budget (loose bound: under 6 s), and
# the server must have stopped getting queries.  Loose bounds only: this
# is not a timing test.  No network beyond 127.0.0.1.  TAP.

# shellcheck source=t/interop/lib.sh
. "$(dirname "$0")/lib.sh"

HELPER=$IO_DIR/spf-dns-helper.py
AM_MILTER=${AM_MILTER:-${top_builddir:-.}/milter/authmilter}

need_tool || tap_done

"$PY" "$HELPER" serve "$T/port" "$T/queries.log" 2>"$T/server.err" &
SERVER=$!
IO_CLEANUP="kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; $IO_CLEANUP"
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.05; done
PORT=$(cat "$T/port" 2>/dev/null)
if [ -z "$PORT" ]; then
	tap_ok 1 "fake DNS server listens on 127.0.0.1" "$(cat "$T/server.err")"
	tap_done
fi
tap_ok 0 "fake DNS server listens on 127.0.0.1@$PORT (UDP and TCP)"

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# spf NAME SENDER WANT MAXSECS [WANT2] - the tool's first line is WANT
# (and its second WANT2, if given), within MAXSECS seconds
spf() {
	local name=$1 sender=$2 want=$3 max=$4 want2=${5:-} t0 t out first second
	t0=$(now)
	out=$(timeout 60 "$AM_TOOL" spf --nameserver "127.0.0.1@$PORT" --dns-timeout 1 \
	    --ip 192.0.2.1 --helo helo.test --sender "$sender" 2>&1)
	t=$(secs "$t0" "$(now)")
	first=$(sed -n 1p <<<"$out")
	second=$(sed -n 2p <<<"$out")
	case $first in
	"$want"*) tap_ok 0 "$name: $want" ;;
	*) tap_ok 1 "$name: $want" "got: $out" ;;
	esac
	if [ -n "$want2" ]; then
		tap_is "$second" "$want2" "$name: $want2"
	fi
	tap_ok "$(awk -v t="$t" -v m="$max" 'BEGIN { print (t < m) ? 0 : 1 }')" \
	    "$name: done in ${t} s (under $max s)"
}

# ---------------------------------------------------------------- failures
spf "SERVFAIL on the record" "a@servfail.test" \
    "spf=temperror smtp.mailfrom=a@servfail.test" 5
spf "SERVFAIL on an a: target" "a@spf-a-servfail.test" \
    "spf=temperror smtp.mailfrom=a@spf-a-servfail.test" 5
spf "SERVFAIL on one MX name's address" "a@spf-mx-servfail.test" \
    "spf=temperror smtp.mailfrom=a@spf-mx-servfail.test" 5
spf "server never answers (record)" "a@silent.test" \
    "spf=temperror smtp.mailfrom=a@silent.test" 8
spf "server never answers (include target)" "a@spf-inc-silent.test" \
    "spf=temperror smtp.mailfrom=a@spf-inc-silent.test" 8
grep -c '^udp silent.test 16$' "$T/queries.log" >"$T/n" 2>/dev/null
tap_ok "$([ "$(cat "$T/n")" -ge 2 ] && echo 0 || echo 1)" \
    "silent server: the query was tried again before giving up" \
    "queries for silent.test: $(cat "$T/n")"

# ---------------------------------------------------------------- truncation
spf "truncated over UDP, found over TCP" "a@big.test" \
    "spf=pass smtp.mailfrom=a@big.test" 5
grep -q '^tcp big.test 16$' "$T/queries.log"
tap_ok $? "truncated answer: asked again over TCP"
spf "truncated, TCP never answers" "a@tcp-silent.test" \
    "spf=temperror smtp.mailfrom=a@tcp-silent.test" 8

# ---------------------------------------------------------------- CNAMEs
spf "CNAME chain to the record" "a@chain.test" \
    "spf=pass smtp.mailfrom=a@chain.test" 5
spf "CNAME chain to an a: target" "a@spf-a-chain.test" \
    "spf=pass smtp.mailfrom=a@spf-a-chain.test" 5
spf "CNAME chain to the exp= text" "a@spf-exp-chain.test" \
    "spf=fail smtp.mailfrom=a@spf-exp-chain.test" 5 \
    "explanation=192.0.2.1 refused by spf-exp-chain.test"
spf "CNAME chain to a name without TXT: no record" "a@nodata-chain.test" \
    "spf=none smtp.mailfrom=a@nodata-chain.test" 5
spf "include target: CNAME chain to NXDOMAIN" "a@spf-inc-nx-chain.test" \
    "spf=permerror smtp.mailfrom=a@spf-inc-nx-chain.test" 5
spf "CNAME loop on the record" "a@loop.test" \
    "spf=temperror smtp.mailfrom=a@loop.test" 5
spf "CNAME loop on an include target" "a@spf-inc-loop.test" \
    "spf=temperror smtp.mailfrom=a@spf-inc-loop.test" 5
spf "CNAME chain of 12" "a@long0.test" \
    "spf=temperror smtp.mailfrom=a@long0.test" 5

# ---------------------------------------------------------------- the milter's budget
if [ ! -x "$AM_MILTER" ]; then
	tap_ok 1 "authmilter is built: $AM_MILTER"
	tap_done
fi
mkdir -p "$T/milter"
cat >"$T/milter/authmilter.conf" <<EOF
Socket             unix:$T/milter/sock
Mode               v
AuthservID         mx.example.org
Nameservers        127.0.0.1@$PORT
DNSTimeout         1
SPFTimeout         2
SPFTempErrorAction tempfail
Syslog             no
EOF
"$AM_MILTER" -f -c "$T/milter/authmilter.conf" >"$T/milter/log" 2>&1 &
MILTER=$!
IO_CLEANUP="kill $MILTER 2>/dev/null; wait $MILTER 2>/dev/null; $IO_CLEANUP"
for _ in $(seq 100); do [ -S "$T/milter/sock" ] && break; sleep 0.05; done
if [ ! -S "$T/milter/sock" ]; then
	tap_ok 1 "authmilter starts" "$(tail -5 "$T/milter/log")"
	tap_done
fi
tap_ok 0 "authmilter starts with Nameservers 127.0.0.1@$PORT, SPFTimeout 2"

before=$(grep -c 'slow\.test' "$T/queries.log")
out=$(timeout 60 "$PY" "$HELPER" mailfrom "$T/milter/sock" 198.51.100.1 helo.test \
    "<a@slow.test>" 2>&1)
t=${out%% *}
reply=${out#* }
tap_is "$reply" "y 451 4.7.24 SPF: temporary error checking slow.test, try again later" \
    "slow DNS, SPFTimeout 2: MAIL FROM gets 451 4.7.24" "$(tail -3 "$T/milter/log")"
tap_ok "$(awk -v t="$t" 'BEGIN { print (t >= 1.5 && t < 6) ? 0 : 1 }')" \
    "slow DNS, SPFTimeout 2: answered in ${t} s (budget 2 s, bound 6 s)"
grep -q 'spf=temperror smtp.mailfrom=a@slow.test (time budget' "$T/milter/log"
tap_ok $? "slow DNS: the log says the time budget ran out" "$(grep DNSQID "$T/milter/log")"
sleep 1
n=$(($(grep -c 'slow\.test' "$T/queries.log") - before))
tap_ok "$([ "$n" -ge 2 ] && [ "$n" -le 20 ] && echo 0 || echo 1)" \
    "slow DNS: $n queries sent, then no more (the record asks for ~110)"

out=$(timeout 60 "$PY" "$HELPER" mailfrom "$T/milter/sock" 198.51.100.1 helo.test \
    "<a@chain.test>" 2>&1)
tap_is "${out#* }" "c " "the same milter: a sender found through a CNAME chain passes"
kill "$MILTER" 2>/dev/null
wait "$MILTER" 2>/dev/null
! grep -qiE 'sanitizer|segmentation|assert' "$T/milter/log"
tap_ok $? "no crash or sanitizer report in the milter's log"
tap_done
