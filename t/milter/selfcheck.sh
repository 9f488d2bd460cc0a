#!/usr/bin/env bash
# selfcheck.sh - the daemon's self-audit (milter/selfcheck.c, SelfCheck,
# SelfCheckInterval) through the real daemon, its DNS from zone files
# (AUTHMILTER_TEST_DNS): a key missing from DNS, a key that does not
# match its record, a domain set up right, SelfCheck no, a reload.
# Loopback only; every process started is stopped.  TAP.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$PWD}
milter=${AM_MILTER:-$top_builddir/milter/authmilter}
tool=${AM_TOOL:-$top_builddir/tool/authmilter-tool}
n=0
pid=
for f in "$milter" "$tool"; do
	if [ ! -x "$f" ]; then echo "1..0 # SKIP $f not built"; exit 0; fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/am-selfcheck.XXXXXX")
stop() {
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	fi
	pid=
}
trap 'stop; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
cp "$top_srcdir"/conf/demo-rsa.key "$tmp"/; chmod 600 "$tmp"/demo-rsa.key

ok() {	# ok STATUS NAME
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

# Zones: the key missing; another key's record under the selector; all
# right (key, SPF, DMARC, MX with an address).
grep -v '^rsa2026' "$top_srcdir"/conf/demo.zone > "$tmp"/nokey.zone
mkdir -p "$tmp"/other
"$tool" keygen -d example.net -s rsa2026 -D "$tmp"/other > /dev/null
{ cat "$tmp"/nokey.zone; cat "$tmp"/other/rsa2026.txt; } > "$tmp"/mismatch.zone
{ cat "$top_srcdir"/conf/demo.zone
  printf '@ IN TXT "v=spf1 ip4:192.0.2.0/24 -all"\n'
  printf '_dmarc IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@example.net"\n'
  printf '@ IN MX 10 mail.example.net.\nmail IN A 192.0.2.25\n'; } > "$tmp"/good.zone

# start NAME ZONE [OPTION-LINES]: the daemon on its own directory; waits
# until it says "started" and, unless SelfCheck is off, until the
# self-check's summary line.
start() {
	local dir=$tmp/$1 i
	mkdir -p "$dir"
	printf 'Socket unix:%s/sock\nPidFile %s/pid\nMode sv\nDomain example.net\nSelector rsa2026\nKeyFile %s/demo-rsa.key\n%s\n' \
		"$dir" "$dir" "$tmp" "${3:-}" > "$dir"/authmilter.conf
	AUTHMILTER_TEST_DNS=$tmp/$2 "$milter" -f -c "$dir"/authmilter.conf \
		2> "$dir"/log &
	pid=$!
	log=$dir/log
	for i in $(seq 1 100); do
		grep -q "started" "$log" 2>/dev/null && break
		sleep 0.05
	done
	for i in $(seq 1 100); do
		grep -q "self-check: .* domain(s)" "$log" 2>/dev/null && break
		[ -n "${NOWAIT:-}" ] && { sleep 1; break; }
		sleep 0.05
	done
}

start nokey nokey.zone
ok $? "started"
grep -q 'error: self-check: FAIL dkim.record example.net: selector rsa2026: no key record at rsa2026._domainkey.example.net' "$log"
ok $? "key missing from DNS: a FAIL line at error level"
grep 'FAIL dkim.record' "$log" | grep -q -- '-- fix: publish: rsa2026._domainkey.example.net. IN TXT ( "v=DKIM1; k=rsa; " "p=MIIBIjAN'
ok $? "the fix is the record to publish"
[ "$(sed -n '/started/=' "$log" | head -1)" -lt "$(sed -n '/self-check/=' "$log" | head -1)" ]
ok $? "start-up did not wait for it"
grep -q 'info: self-check: 1 domain(s): [0-9]* PASS, [0-9]* WARN, [1-9][0-9]* FAIL' "$log"
ok $? "one summary line"
before=$(grep -c 'self-check: FAIL dkim.record' "$log")
kill -HUP "$pid"
for i in $(seq 1 100); do
	[ "$(grep -c 'self-check: FAIL dkim.record' "$log")" -gt "$before" ] && break
	sleep 0.05
done
[ "$(grep -c 'self-check: FAIL dkim.record' "$log")" = 2 ]
ok $? "a reload checks again (once)"
sleep 1.5
[ "$(grep -c 'self-check: FAIL dkim.record' "$log")" = 2 ]
ok $? "no finding logged twice for one snapshot"
stop
grep -q 'info: stopped' "$log"
ok $? "stopped cleanly"

start mismatch mismatch.zone
grep -q 'error: self-check: SIGNING KEY DOES NOT MATCH ITS DNS RECORD.*FAIL dkim.match example.net' "$log"
ok $? "a key that does not match its record: the loudest line"
stop

start good good.zone "SelfCheckInterval 0"
! grep -q 'self-check: FAIL' "$log"
ok $? "a domain set up right: no FAIL"
grep -q 'self-check: 1 domain(s): [1-9][0-9]* PASS, [0-9]* WARN, 0 FAIL' "$log"
ok $? "its summary: 0 FAIL"
stop

NOWAIT=1 start off nokey.zone "SelfCheck no"
! grep -q 'self-check' "$log"
ok $? "SelfCheck no: nothing checked"
stop

echo "1..$n"
