#!/usr/bin/env bash
# report-send.sh - the daemon sends each closed period's aggregate
# reports itself (ReportSend yes, issue 11): a store seeded with
# yesterday's records (t/report/report-seed), the real authmilter with
# AUTHMILTER_TEST_DNS zones and a sendmail program that keeps what it is
# given.  Checks: the reports go out once per destination, with a
# unique envelope sender, DKIM-signed with the KeyFile key of
# ReportEmail's domain (authmilter-tool verify: pass, d= aligned with
# From), the external-destination check applies, and a restart sends
# nothing twice (the ledger).  Loopback only; every process started is
# stopped.  TAP.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$PWD}
milter=${AM_MILTER:-$top_builddir/milter/authmilter}
tool=${AM_TOOL:-$top_builddir/tool/authmilter-tool}
seed=$top_builddir/t/report/report-seed
n=0
pid=
if [ ! -x "$milter" ] || [ ! -x "$seed" ] || [ ! -x "$tool" ]; then
	echo "1..0 # SKIP authmilter, authmilter-tool or report-seed not built"; exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/am-rsend.XXXXXX")
cleanup() {
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT

ok() {	# ok STATUS NAME
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

cp "$top_srcdir"/conf/demo-rsa.key "$tmp"/; chmod 600 "$tmp"/demo-rsa.key
{ cat "$top_srcdir"/conf/demo.zone
  printf '_dmarc IN TXT "v=DMARC1; p=reject"\n'
  printf '$ORIGIN .\n'
  printf 'test.example.org._report._dmarc.reports.example.net. 300 IN TXT "v=DMARC1"\n'
} > "$tmp/zone"
mkdir "$tmp/sent"
cat > "$tmp/sendmail" <<S
#!/bin/sh
i=\$(ls "$tmp/sent" | wc -l)
printf '%s\n' "\$@" > "$tmp/sent/\$i.args"
date +%s.%N > "$tmp/sent/\$i.time"
cat > "$tmp/sent/\$i.eml"
S
chmod +x "$tmp/sendmail"
cat > "$tmp/authmilter.conf" <<C
Socket unix:$tmp/sock
AuthservID mx.example.net
Mode sv
Domain example.net
Selector rsa2026
KeyFile $tmp/demo-rsa.key
ReportStore sqlite:$tmp/r.db
ReportEmail dmarc-reports@example.net
ReportOrgName Example Net
ReportSend yes
ReportSendmail $tmp/sendmail
ReportSendRate 200
C

start() {
	: > "$tmp/log"
	AUTHMILTER_TEST_DNS=$tmp/zone "$milter" -f -c "$tmp/authmilter.conf" \
		2>>"$tmp/log" &
	pid=$!
	local k
	for k in $(seq 1 100); do
		grep -q "authmilter .* started" "$tmp/log" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	sed 's/^/# /' "$tmp/log"
	return 1
}
stop() {
	local k
	kill -TERM "$pid" 2>/dev/null
	for k in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=
	cat "$tmp/log" >> "$tmp/all.log"
}

now=$(date +%s)
B=$(( now / 86400 * 86400 - 86400 ))	# yesterday, UTC: the last closed period
"$seed" "sqlite:$tmp/r.db" $B > "$tmp/seed" 2>&1
grep -qx 'records 16' "$tmp/seed"; ok $? "seed: yesterday's 16 records"

start; ok $? "starts with ReportSend yes"
k=0; while [ $k -lt 100 ] && ! grep -q "report: period" "$tmp/log"; do sleep 0.1; k=$((k + 1)); done
grep -q "report: period $B-$((B + 86399)): 3 reports, 3 messages sent, 0 destinations deferred" "$tmp/log"
ok $? "the closed period is sent by itself: 3 reports, 3 messages"
sed -n '/report:/s/^/# /p' "$tmp/log" | head -20
[ "$(ls "$tmp/sent"/*.eml 2>/dev/null | wc -l)" = 3 ]
ok $? "three messages through the sendmail program"
# The daemon spaces the starts of its submissions 0.3 s apart; the times
# here are taken inside the sendmail program, after a fork and exec whose
# delay varies with load, so one gap may look shorter: the span from the
# first to the third (0.6 s at the daemon) is what is checked.
cat "$tmp/sent"/*.time | sort -n | awk 'NR == 1 { f = $1 } { l = $1 } END { exit !(NR == 3 && l - f >= 0.5) }'
ok $? "ReportSendRate 200: the three messages span at least 0.5 s (0.3 s apart)"
grep -h -A1 '^-f$' "$tmp/sent"/*.args | grep -E '^dmarc-reports\+[0-9a-f]{32}@example\.net$' | sort -u | wc -l | grep -qx 3
ok $? "a unique envelope sender per report (local+report-id)"
! grep -qh 'evil.example' "$tmp/sent"/*.args
ok $? "an unauthorized external destination gets nothing"
grep -qh 'agg@reports.example.net' "$tmp/sent"/*.args
ok $? "an authorized external destination gets its report"
bad=0
for f in "$tmp/sent"/*.eml; do
	head -1 "$f" | grep -q '^DKIM-Signature: ' || bad=1
	"$tool" verify --zone "$tmp/zone" "$f" > "$tmp/v" 2>&1
	grep -q 'dkim=pass .*header.d=example.net header.i=@example.net header.s=rsa2026' "$tmp/v" || { bad=1; sed 's/^/# /' "$tmp/v"; }
done
ok $bad "each report is DKIM-signed by example.net (ReportEmail's domain) and verifies"
grep -q '^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.net;' "$tmp/sent/0.eml" && grep -q '^From: .*<dmarc-reports@example.net>' "$tmp/sent/0.eml"
ok $? "the signature's d= is the From domain (DMARC aligned)"
stop

start
sleep 3
stop
[ "$(ls "$tmp/sent"/*.eml | wc -l)" = 3 ]
ok $? "a restart sends nothing twice (the ledger)"
grep -q "report: period $B-$((B + 86399)): 3 reports, 0 messages sent" "$tmp/log"
ok $? "the second run builds the same 3 reports and sends none"

! grep -q 'Sanitizer' "$tmp/all.log" 2>/dev/null
ok $? "no sanitizer report from the daemon"
grep -B2 -A12 'Sanitizer' "$tmp/all.log" 2>/dev/null | sed 's/^/# /' | head -40

echo "1..$n"
