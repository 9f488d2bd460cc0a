#!/usr/bin/env bash
# report-capture.sh - the daemon captures the reports sent to its report
# mailboxes (issue 11): an RFC 9990 aggregate report (gzip attachment)
# mailed to a ReportMailbox is stored (report show reads it) and the
# message is accepted; the DMARC evaluations of mail to report mailboxes
# (ReportMailbox, +detail forms, ReportEmail) are not recorded; a
# malformed report and a message past ReportCaptureMaxSize are logged,
# and accepted; with the store down captured messages are spooled and
# imported at the next start; SIGTERM and reload drain the queue.
# The real authmilter binary, AUTHMILTER_TEST_DNS zone, messages through
# bench/bench-milter --print, the store read with python3's sqlite3.
# Loopback only; every process started is stopped.  TAP.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$PWD}
milter=${AM_MILTER:-$top_builddir/milter/authmilter}
tool=${AM_TOOL:-$top_builddir/tool/authmilter-tool}
client=$top_builddir/bench/bench-milter
n=0
pid=
if [ ! -x "$milter" ] || [ ! -x "$client" ] || [ ! -x "$tool" ]; then
	echo "1..0 # SKIP authmilter, authmilter-tool or bench-milter not built"; exit 0
fi
if ! python3 -c 'import sqlite3' 2>/dev/null; then
	echo "1..0 # SKIP no python3 sqlite3"; exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/am-rcap.XXXXXX")
cleanup() {
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT

ok() {	# ok STATUS NAME
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

cat > "$tmp/zone" <<'Z'
$ORIGIN example.org.
$TTL 300
@ IN SOA ns.example.org. hostmaster.example.org. 1 3600 600 86400 300
@ IN NS ns.example.org.
@ IN TXT "v=spf1 ip4:192.0.2.0/24 -all"
_dmarc IN TXT "v=DMARC1; p=quarantine; rua=mailto:dmarc@example.org"
Z

# xml ID: an RFC 9990 aggregate report with report id ID
xml() {
	cat <<X
<?xml version="1.0" encoding="UTF-8"?>
<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0">
  <version>1.0</version>
  <report_metadata>
    <org_name>Sample Reporter</org_name>
    <email>report_sender@example-reporter.com</email>
    <report_id>$1</report_id>
    <date_range><begin>1765065600</begin><end>1765151999</end></date_range>
    <generator>report-capture.sh</generator>
  </report_metadata>
  <policy_published>
    <domain>example.com</domain>
    <p>quarantine</p><sp>none</sp><np>none</np>
    <testing>n</testing><discovery_method>treewalk</discovery_method>
  </policy_published>
  <record>
    <row>
      <source_ip>192.0.2.123</source_ip>
      <count>7</count>
      <policy_evaluated>
        <disposition>pass</disposition><dkim>pass</dkim><spf>fail</spf>
      </policy_evaluated>
    </row>
    <identifiers>
      <envelope_from>example.com</envelope_from>
      <header_from>example.com</header_from>
    </identifiers>
    <auth_results>
      <dkim><domain>example.com</domain><result>pass</result><selector>s1</selector></dkim>
      <spf><domain>example.com</domain><result>fail</result></spf>
    </auth_results>
  </record>
</feedback>
X
}
# mail OUT TO ATTACHMENT-FILE|- [PAD]: a message from example.org with the
# file gzipped as attachment (- : none), and PAD octets of padding
mail() {
	python3 - "$@" <<'P'
import gzip, os, sys
from email.message import EmailMessage
from email.policy import SMTP
out, to, att = sys.argv[1], sys.argv[2], sys.argv[3]
pad = int(sys.argv[4]) if len(sys.argv) > 4 else 0
m = EmailMessage()
m["From"] = "noreply-dmarc@example.org"
m["To"] = to
m["Subject"] = "Report Domain: example.com Submitter: example.org Report-ID: <x>"
m["Date"] = "Mon, 07 Dec 2026 04:00:00 +0000"
m["Message-ID"] = "<%s@example.org>" % os.path.basename(out)
m.set_content("A DMARC aggregate report.\n" + "x" * pad)
if att != "-":
    m.add_attachment(gzip.compress(open(att, "rb").read()),
        maintype="application", subtype="gzip",
        filename="example.org!example.com!1765065600!1765151999!x.xml.gz")
open(out, "wb").write(m.as_bytes(policy=SMTP))
P
}
send() {	# send FILE RCPT: one message from 192.0.2.1 (SPF pass)
	ASAN_OPTIONS=detect_leaks=0 "$client" --print --socket "unix:$tmp/sock" \
		--client-addr 192.0.2.1 --from noreply-dmarc@example.org \
		--rcpt "$2" "$1" > "$tmp/out" 2>&1
}
accepted() {	# the last message went through (not refused)
	grep -q '^X-Milter-Result: \(none\|accept\)$' "$tmp/out"
}
conf() {	# conf EXTRA-LINES...
	{ printf 'Socket unix:%s/sock\nPidFile %s/pid\nAuthservID mx.example.net\nMode v\n' "$tmp" "$tmp"
	  printf 'ReportEmail dmarc-reports@example.net\n'
	  printf 'ReportMailbox rua@example.net, postmaster-rua@example.net\n'
	  printf '%s\n' "$@"; } > "$tmp/authmilter.conf"
}
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
count() {	# count DB TABLE: rows (0 when there is no store)
	python3 - "$1" "$2" <<'P'
import os, sqlite3, sys
if not os.path.exists(sys.argv[1]):
    print(0); sys.exit(0)
db = sqlite3.connect(sys.argv[1])
try:
    print(db.execute("select count(*) from %s" % sys.argv[2]).fetchone()[0])
except sqlite3.OperationalError:
    print(0)
P
}
wait_log() {	# wait_log PATTERN: until the log has it (5 s)
	local k
	for k in $(seq 1 100); do
		grep -q "$1" "$tmp/log" && return 0
		sleep 0.05
	done
	return 1
}

xml capture-1 > "$tmp/r1.xml"
xml capture-2 > "$tmp/r2.xml"
xml capture-3 > "$tmp/r3.xml"
xml capture-4 > "$tmp/r4.xml"
printf '<?xml version="1.0"?>\n<feedback><report_metadata><org_name>Broken' > "$tmp/bad.xml"
mail "$tmp/a.eml" rua@example.net "$tmp/r1.xml"
mail "$tmp/b.eml" RUA+daily@Example.NET "$tmp/r2.xml"
mail "$tmp/bad.eml" rua@example.net "$tmp/bad.xml"
mail "$tmp/big.eml" rua@example.net "$tmp/r3.xml" 40000
mail "$tmp/plain.eml" bob@example.net -
mail "$tmp/bounce.eml" dmarc-reports+abc123@example.net -
mail "$tmp/c.eml" postmaster-rua@example.net "$tmp/r4.xml"
db=$tmp/r.db

# ---- (a) a report to a report mailbox is stored; the message accepted
conf "ReportStore sqlite:$db" "ReportJournal $tmp/j" "ReportCaptureMaxSize 16384"
start; ok $? "starts with ReportMailbox"
send "$tmp/a.eml" rua@example.net; accepted
ok $? "a report to rua@example.net is accepted"
wait_log "report captured: org=Sample Reporter id=capture-1 domain=example.com .*records=1 messages=7"
ok $? "one log line names the reporter, report id, policy domain and records"
[ "$(count "$db" am_imported)" = 1 ] && [ "$(count "$db" am_imported_rows)" = 1 ]
ok $? "the report and its row are in the store"
"$tool" report show -c "$tmp/authmilter.conf" --no-rdns > "$tmp/show" 2>&1
grep -q "example.com" "$tmp/show" && grep -q "Sample Reporter" "$tmp/show" &&
    grep -q "192.0.2.123" "$tmp/show"
ok $? "report show reads the captured report"
sed 's/^/# /' "$tmp/show" | head -8

send "$tmp/b.eml" RUA+daily@Example.NET; accepted
ok $? "a report to RUA+daily@Example.NET is accepted"
wait_log "report captured: .*id=capture-2"
ok $? "... and captured (+detail and case do not matter)"
send "$tmp/a.eml" rua@example.net
wait_log "id=capture-1 .*duplicate, already stored"
ok $? "the same report again: a duplicate, stored once"

# ---- (b) a malformed report: a clear log line, the message accepted
send "$tmp/bad.eml" rua@example.net; accepted
ok $? "a malformed report is accepted"
wait_log "report capture: malformed report in mime:.*: "
ok $? "... and logged as malformed"
sed -n '/malformed report/s/^/# /p' "$tmp/log"

# ---- (c) past ReportCaptureMaxSize: abandoned, the message accepted
send "$tmp/big.eml" rua@example.net; accepted
ok $? "a message past ReportCaptureMaxSize is accepted"
grep -q "report capture abandoned: the message is larger than ReportCaptureMaxSize (16384 octets)" "$tmp/log"
ok $? "... and its capture abandoned, logged"
[ "$(grep -c "report capture abandoned" "$tmp/log")" = 1 ]
ok $? "... with one log line"

# ---- no records for mail to report mailboxes
send "$tmp/plain.eml" bob@example.net; accepted
ok $? "an ordinary message is accepted"
send "$tmp/bounce.eml" dmarc-reports+abc123@example.net; accepted
ok $? "a message to ReportEmail's +detail form is accepted"
wait_log "report capture: no report read: no report in the message"
ok $? "... captured, and logged as holding no report"
send "$top_srcdir/t/report/samples/dsn-postfix.eml" dmarc-reports+r1@example.net; accepted
ok $? "a DSN to ReportEmail's +detail form is accepted"
wait_log "report capture: DSN"
ok $? "... and handed to report import's DSN reader (logged)"
sed -n '/report capture: DSN/s/^/# /p' "$tmp/log"
send "$tmp/c.eml" postmaster-rua@example.net; accepted
stop
c=$(count "$db" am_records)
[ "$c" = 1 ]; ok $? "only the ordinary message's evaluation is recorded (got $c)"
[ "$(count "$db" am_imported)" = 3 ]
ok $? "SIGTERM: the last report is stored too (3 reports)"
grep -q "report capture: 7 messages captured, 3 reports stored, 1 duplicates, 2 malformed, 0 messages spooled, 0 imported from the spool, 1 abandoned (ReportCaptureMaxSize), 0 dropped (queue full), 0 lost; 8 evaluation records not recorded" "$tmp/log"
ok $? "the counts are logged at exit"
grep 'report capture: [0-9]* messages' "$tmp/log" | sed 's/^/# /'
grep -q "dmarc.*example.org" "$tmp/log"
ok $? "the evaluations are still logged"

# ---- the store down: spooled, imported at the next start
conf "ReportStore sqlite:$tmp/later/r.db" "ReportJournal $tmp/j2"
start; ok $? "starts with an unreachable store"
send "$tmp/c.eml" rua@example.net; accepted
ok $? "a report is accepted while the store is down"
wait_log "message spooled in $tmp/j2.capture"
ok $? "... and spooled"
stop
ls "$tmp/j2.capture"/*.eml > /dev/null 2>&1
ok $? "the spooled message is a .eml file"
mkdir "$tmp/later"
start
k=0; while [ $k -lt 60 ] && [ "$(count "$tmp/later/r.db" am_imported)" != 1 ]; do sleep 0.1; k=$((k + 1)); done
[ "$(count "$tmp/later/r.db" am_imported)" = 1 ]
ok $? "next start: the spooled report is imported"
stop
! ls "$tmp/j2.capture"/*.eml > /dev/null 2>&1
ok $? "... and removed from the spool"

# ---- reload: queued captures go to the old store, then the new one
conf "ReportStore sqlite:$tmp/ra.db" "ReportJournal $tmp/ja"
start
send "$tmp/a.eml" rua@example.net
conf "ReportStore sqlite:$tmp/rb.db" "ReportJournal $tmp/jb"
kill -HUP "$pid"
k=0; while [ $k -lt 100 ] && ! grep -q "reload" "$tmp/log"; do sleep 0.05; k=$((k + 1)); done
sleep 0.3
send "$tmp/b.eml" rua@example.net
stop
[ "$(count "$tmp/ra.db" am_imported)" = 1 ] && [ "$(count "$tmp/rb.db" am_imported)" = 1 ]
ok $? "reload: one report in the old store, one in the new ($(count "$tmp/ra.db" am_imported) $(count "$tmp/rb.db" am_imported))"

# ---- ReportMailbox not set: no capture, evaluations still not recorded
conf "ReportStore sqlite:$tmp/n.db"
sed -i '/^ReportMailbox/d' "$tmp/authmilter.conf"
start
send "$tmp/bounce.eml" dmarc-reports@example.net; accepted
ok $? "without ReportMailbox a message to ReportEmail is accepted"
send "$tmp/a.eml" rua@example.net
stop
[ "$(count "$tmp/n.db" am_imported)" = 0 ] && [ "$(count "$tmp/n.db" am_records)" = 1 ]
ok $? "... nothing captured; only the message to ReportEmail is not recorded"

! grep -q 'Sanitizer' "$tmp/all.log" 2>/dev/null
ok $? "no sanitizer report from the daemon"
grep -B2 -A12 'Sanitizer' "$tmp/all.log" 2>/dev/null | sed 's/^/# /' | head -40

echo "1..$n"
