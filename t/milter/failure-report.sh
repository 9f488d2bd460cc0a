#!/usr/bin/env bash
# failure-report.sh - the daemon sends RFC 9991 DMARC failure reports
# (FailureReports yes): the real authmilter with AUTHMILTER_TEST_DNS
# zones, bench-milter as the MTA and a sendmail program that keeps what
# it is given.  Checks: FailureReports no sends nothing; a message
# failing DMARC for a domain with fo=1 and a ruf gives one report, only
# to the authorized destination, with a unique envelope sender,
# DKIM-signed by FailureReportsSentBy's domain (authmilter-tool verify),
# an RFC 6591 AFRF that python3's email package reads back with the
# RFC 9991 fields, the header block and never the body; repeats fold
# into one report with Incidents; FailureReportsRedact hides local
# parts; ReportExcludeDomains holds; no report loops (mail to a report
# mailbox or ReportEmail's + form, from <>, a feedback report, a DSN);
# the ReportStore's suppression list holds, each report sent is in the
# ledger and its bounce (imported) suppresses the destination; with
# ReportSmtp the report goes to the relay (t/tool/smtp-relay.py).
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
if ! command -v python3 >/dev/null 2>&1; then
	echo "1..0 # SKIP no python3"; exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/am-ruf.XXXXXX")
rpid=
cleanup() {
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	[ -n "$rpid" ] && kill "$rpid" 2>/dev/null && wait "$rpid" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT

ok() {	# ok STATUS NAME
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

cp "$top_srcdir"/conf/demo-rsa.key "$tmp"/; chmod 600 "$tmp"/demo-rsa.key
{ cat "$top_srcdir"/conf/demo.zone
  printf '$ORIGIN example.org.\n'
  printf '@ IN TXT "v=spf1 ip4:192.0.2.0/24 -all"\n'
  printf '_dmarc IN TXT "v=DMARC1; p=reject; fo=1; ruf=mailto:ruf@example.org,mailto:ruf@evil.example"\n'
} > "$tmp/zone"
mkdir "$tmp/sent"
cat > "$tmp/sendmail" <<S
#!/bin/sh
i=\$(ls "$tmp/sent" | grep -c '\.eml\$')
printf '%s\n' "\$@" > "$tmp/sent/\$i.args"
cat > "$tmp/sent/\$i.eml"
S
chmod +x "$tmp/sendmail"

conf() {	# conf EXTRA-LINES...
	{ printf 'Socket unix:%s/sock\nAuthservID mx.example.net\nMode sv\n' "$tmp"
	  printf 'Domain example.net\nSelector rsa2026\nKeyFile %s/demo-rsa.key\n' "$tmp"
	  printf 'ReportSendmail %s/sendmail\nFailureReportsSentBy ruf-reports@example.net\n' "$tmp"
	  printf 'ReportStore sqlite:%s/reports.db\n' "$tmp"
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
i=0
send() {	# send IP [bench-milter options]: one message from
	# alice@example.org, SPF fail, unsigned; $ctype: its Content-Type
	local ip=$1; shift
	i=$((i + 1))
	{ printf 'From: Alice <alice@example.org>\r\nTo: bob@example.net\r\nSubject: m%s\r\nMessage-ID: <m%s@example.org>\r\nDate: Mon, 07 Dec 2026 04:00:00 +0000\r\n' \
		"$i" "$i"
	  [ -n "${ctype:-}" ] && printf 'MIME-Version: 1.0\r\nContent-Type: %s\r\n' "$ctype"
	  printf '\r\nSECRET BODY %s\r\n' "$i"; } > "$tmp/m.eml"
	ASAN_OPTIONS=detect_leaks=0 "$client" --print --socket "unix:$tmp/sock" \
		--client-addr "$ip" --from alice@example.org --macro i=4QID$i \
		"$@" "$tmp/m.eml" > "$tmp/out" 2>&1
}
nsent() { ls "$tmp/sent" | grep -c '\.eml$'; }
wait_sent() {	# wait_sent N SECONDS
	local k
	for k in $(seq 1 $(($2 * 10))); do
		[ "$(nsent)" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# FailureReports no: nothing.
conf "FailureReports no"
start; ok $? "starts with FailureReports no"
send 203.0.113.5; ok $? "a message failing DMARC through the milter"
grep -Eq 'X-Milter-Result: (quarantine|reject)' "$tmp/out"; ok $? "... quarantined (p=reject, RejectFailures no)"
sleep 1.5
stop
[ "$(nsent)" = 0 ]; ok $? "FailureReports no: no report"

# FailureReports yes.
conf "FailureReports yes" "FailureReportsWindow 4" "LogWhy yes"
start; ok $? "starts with FailureReports yes"
send 203.0.113.5; ok $? "a message failing DMARC (fo=1, ruf)"
wait_sent 1 10; ok $? "a failure report is submitted"
sleep 1
[ "$(nsent)" = 1 ]; ok $? "exactly one: the unauthorized destination gets none"
grep -qx 'ruf@example.org' "$tmp/sent/0.args" && ! grep -q evil "$tmp/sent"/*.args
ok $? "to ruf@example.org, not to ruf@evil.example"
grep -q 'failure report for example.org to ruf@evil.example: dropped: evil.example has not authorized' "$tmp/log"
ok $? "the refusal is logged"
grep -A1 -x -- '-f' "$tmp/sent/0.args" | grep -Eq '^ruf-reports\+[0-9a-f]{32}@example\.net$'
ok $? "envelope sender ruf-reports+<report-id>@example.net"
head -1 "$tmp/sent/0.eml" | grep -q '^DKIM-Signature: '
"$tool" verify --zone "$tmp/zone" "$tmp/sent/0.eml" > "$tmp/v" 2>&1
grep -q 'dkim=pass .*header.d=example.net' "$tmp/v"
ok $? "DKIM-signed by example.net, verifies"
sed 's/^/# /' "$tmp/v" | head -3
# dkimpy as an independent verifier (t/interop/dkimpy-helper.py: the key
# from conf/demo.zone, no resolver); Debian's python3-dkim lives under
# /usr/bin/python3.
PY=${AM_PYTHON_DKIM:-/usr/bin/python3}
if "$PY" -c 'import dkim' 2>/dev/null; then
	printf 'rsa2026._domainkey.example.net\t%s\n' "$(sed -n '/^rsa2026/{s/^[^"]*//;s/" "//g;s/"//g;s/ *)$//;p}' "$top_srcdir"/conf/demo.zone)" > "$tmp/keys"
	"$PY" "$top_srcdir"/t/interop/dkimpy-helper.py verify "$tmp/keys" "$tmp/sent/0.eml" > "$tmp/dv" 2>&1
	grep -q "	0	pass	" "$tmp/dv"; ok $? "dkimpy verifies the report's signature"
	sed 's/^/# /' "$tmp/dv"
else
	n=$((n + 1)); echo "ok $n # SKIP python3-dkim not installed"
fi

cat > "$tmp/check.py" <<'P'
import email, email.policy, sys
msg = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.compat32)
want = sys.argv[2:]
def fail(why):
    print("# " + why); sys.exit(1)
if msg.get_content_type() != 'multipart/report' or msg.get_param('report-type') != 'feedback-report':
    fail("not multipart/report; report-type=feedback-report: %s" % msg.get('Content-Type'))
parts = msg.get_payload()
types = [p.get_content_type() for p in parts]
if types != ['text/plain', 'message/feedback-report', 'text/rfc822-headers']:
    fail("parts: %s" % types)
fb = parts[1].get_payload()
if isinstance(fb, list):
    fields = fb[0]
    get = lambda k: fields.get(k)
else:
    fields = email.message_from_string(fb)
    get = lambda k: fields.get(k)
need = {'Feedback-Type': 'auth-failure', 'Version': '1', 'Auth-Failure': 'dmarc',
        'Identity-Alignment': 'dkim, spf', 'Reported-Domain': 'example.org'}
for k, v in need.items():
    if (get(k) or '').strip() != v:
        fail("%s: %r, want %r" % (k, get(k), v))
for k in ('User-Agent', 'Arrival-Date', 'Authentication-Results', 'Original-Mail-From',
          'Original-Envelope-Id', 'SPF-DNS'):
    if not get(k):
        fail("no %s" % k)
if 'dmarc=fail' not in get('Authentication-Results'):
    fail("A-R: %s" % get('Authentication-Results'))
if not get('SPF-DNS').startswith('txt : example.org : v=spf1'):
    fail("SPF-DNS: %s" % get('SPF-DNS'))
hdrs = parts[2].get_payload()
if 'Subject: m' not in hdrs or 'SECRET BODY' in msg.as_string():
    fail("headers part: %r" % hdrs[:200])
for w in want:
    k, _, v = w.partition('=')
    if k == 'absent':
        if v in msg.as_string(): fail("%s present" % v)
    elif k == 'present':
        if v not in msg.as_string(): fail("%s absent" % v)
    elif (get(k) or '').strip() != v:
        fail("%s: %r, want %r" % (k, get(k), v))
print("# parts: %s; fields: %s" % (types, ", ".join(fields.keys())))
P
python3 "$tmp/check.py" "$tmp/sent/0.eml" "Original-Envelope-Id=4QID2" "Source-IP=203.0.113.5" \
	"Original-Mail-From=<alice@example.org>" "absent=Incidents:"
ok $? "python3 email: multipart/report with the AFRF and RFC 9991 fields, headers only"

# Repeats within FailureReportsWindow (4 s) fold into one report.
send 203.0.113.7 && send 203.0.113.7 && send 203.0.113.7 && send 203.0.113.7
ok $? "four from another source, at once"
wait_sent 2 10; ok $? "the first is reported at once"
sleep 0.5
[ "$(nsent)" = 2 ]; ok $? "the three repeats are not"
wait_sent 3 10; ok $? "one report when the window ends"
sleep 1
[ "$(nsent)" = 3 ]; ok $? "only one for the three repeats"
python3 "$tmp/check.py" "$tmp/sent/2.eml" "Incidents=3" "Source-IP=203.0.113.7"
ok $? "it says Incidents: 3"
stop
grep -q "failure reports: 5 queued, 3 sent, 3 folded into others, 0 refused (queue full), 0 over FailureReportsRate, 3 to unauthorized destinations, 0 to suppressed destinations, 0 failed" "$tmp/log"
ok $? "the counts are logged at exit"
grep 'failure reports:' "$tmp/log" | sed 's/^/# /'

# Redaction.
conf "FailureReports yes" "FailureReportsRedact yes" "FailureReportsRedactKey test secret"
start; ok $? "starts with FailureReportsRedact yes"
send 203.0.113.5; ok $? "a failing message"
wait_sent 4 10; ok $? "a report"
python3 "$tmp/check.py" "$tmp/sent/3.eml" "absent=alice@" "absent=bob@" \
	"present=@example.org" "present=redacted-"
ok $? "redacted: no local part of alice or bob, domains kept"
stop

# The operator's never-report list holds for failure reports too.
conf "FailureReports yes" "ReportExcludeDomains example.org"
start; ok $? "starts with ReportExcludeDomains example.org"
send 203.0.113.9; ok $? "a failing message from example.org"
sleep 2
stop
[ "$(nsent)" = 4 ]; ok $? "ReportExcludeDomains: no failure report"

# No report loops: reports, bounces and mail to our report mailboxes
# never get a failure report.
conf "FailureReports yes" "ReportEmail dmarc@example.net" "ReportMailbox rua@example.net" "LogWhy yes"
start; ok $? "starts with ReportEmail and ReportMailbox"
send 203.0.113.30 --rcpt rua@example.net; ok $? "a failing message to the report mailbox"
send 203.0.113.31 --rcpt dmarc+x@example.net; ok $? "a failing message to ReportEmail's + form"
send 203.0.113.32 --from ""; ok $? "a failing message from <>"
ctype='multipart/report; report-type=feedback-report; boundary="b"' send 203.0.113.33
ok $? "a failing message that is itself a feedback report"
ctype='multipart/report; report-type=delivery-status; boundary="b"' send 203.0.113.34
ok $? "a failing delivery status notification"
sleep 2
stop
[ "$(nsent)" = 4 ]; ok $? "none of them gets a failure report"
[ "$(grep -c 'failure reports: none about this message: one of its recipients is a report mailbox' "$tmp/log")" = 2 ] &&
	[ "$(grep -c 'failure reports: none about this message: it is a bounce' "$tmp/log")" = 2 ] &&
	[ "$(grep -c 'failure reports: none about this message: it is itself a report' "$tmp/log")" = 1 ]
ok $? "each is logged with its reason (LogWhy)"
grep 'none about this message' "$tmp/log" | sed 's/^/# /'

# The suppression list holds for failure reports, each one sent is in
# the ledger, and its bounce suppresses.
store=sqlite:$tmp/reports.db
conf "FailureReports yes" "ReportEmail dmarc@example.net" "LogWhy yes"
"$tool" report suppress add ruf@example.org --store "$store" --reason "test" > "$tmp/sup" 2>&1
ok $? "report suppress add ruf@example.org"
start; ok $? "starts with a ReportStore"
send 203.0.113.40; ok $? "a failing message"
sleep 2
[ "$(nsent)" = 4 ]; ok $? "a suppressed destination gets no failure report"
grep -q 'failure report for example.org to ruf@example.org: not sent: suppressed until' "$tmp/log"
ok $? "... logged"
"$tool" report suppress remove ruf@example.org --store "$store" > "$tmp/sup" 2>&1
ok $? "report suppress remove ruf@example.org"
send 203.0.113.41; ok $? "a failing message"
wait_sent 5 10; ok $? "now it is reported"
rid=$(grep -A1 -x -- '-f' "$tmp/sent/4.args" | sed -n 's/^ruf-reports+\([0-9a-f]\{32\}\)@example\.net$/\1/p')
python3 -c 'import sqlite3, sys
r = sqlite3.connect(sys.argv[1]).execute("select policy_domain, destination, period_begin = period_end from am_sent where report_id = ?", (sys.argv[2],)).fetchall()
print("# ledger: %r" % r); sys.exit(r != [("example.org", "ruf@example.org", 1)])' "$tmp/reports.db" "$rid"
ok $? "the report ($rid) is in the ledger, begin = end"
sed -e "s/@@ID@@/$rid/g" -e 's/dmarc-reports/ruf-reports/g' -e 's/receiver\.example/example.net/g' \
	-e 's/d@limit\.example/ruf@example.org/g' "$top_srcdir/t/report/samples/dsn-postfix.eml" > "$tmp/dsn.eml"
"$tool" report import --store "$store" "$tmp/dsn.eml" > "$tmp/imp" 2>&1
grep -q "suppressed ruf@example.org" "$tmp/imp"; ok $? "its bounce, imported, suppresses ruf@example.org"
sed 's/^/# /' "$tmp/imp"
send 203.0.113.42; ok $? "a failing message"
sleep 2
[ "$(nsent)" = 5 ]; ok $? "no failure report to the bounced destination"
stop
grep -q "3 queued, 1 sent, 0 folded into others, 0 refused (queue full), 0 over FailureReportsRate, 3 to unauthorized destinations, 2 to suppressed destinations, 0 failed" "$tmp/log"
ok $? "the suppressed destinations are counted"

# Through the SMTP relay (ReportSmtp), as aggregate reports.
"$tool" report suppress remove ruf@example.org --store "$store" > "$tmp/sup" 2>&1
mkdir -p "$tmp/relay"
python3 "$top_srcdir/t/tool/smtp-relay.py" "$tmp/relay" "$tmp/relay/port" --no-starttls --auth "" \
	2>"$tmp/relay/stderr" &
rpid=$!
for k in $(seq 1 100); do [ -s "$tmp/relay/port" ] && break; sleep 0.05; done
conf "FailureReports yes" "ReportSmtp 127.0.0.1:$(cat "$tmp/relay/port")" "ReportSmtpTLS none"
start; ok $? "starts with ReportSmtp"
send 203.0.113.50; ok $? "a failing message"
for k in $(seq 1 100); do [ -s "$tmp/relay/0.json" ] && break; sleep 0.1; done
stop
kill "$rpid" 2>/dev/null; wait "$rpid" 2>/dev/null
python3 -c 'import json, sys
e = json.load(open(sys.argv[1])); print("# relay got: %r" % e)
sys.exit(not (e["to"] == "ruf@example.org" and e["from"].startswith("ruf-reports+")))' "$tmp/relay/0.json" &&
	grep -q 'report-type=feedback-report' "$tmp/relay/0.eml"
ok $? "the failure report went to the relay, not to ReportSendmail"
[ "$(nsent)" = 5 ]; ok $? "... and nothing through the sendmail program"

! grep -q 'Sanitizer' "$tmp/all.log" 2>/dev/null
ok $? "no sanitizer report from the daemon"
grep -B2 -A12 'Sanitizer' "$tmp/all.log" 2>/dev/null | sed 's/^/# /' | head -40

echo "1..$n"
