#!/usr/bin/env bash
# report-smtp - authmilter-tool report aggregate --send through an SMTP
# relay (ReportSmtp*, issue 11) (TAP).  The relay is t/tool/smtp-relay.py
# on loopback with a certificate made here by openssl req: STARTTLS,
# AUTH PLAIN and LOGIN.  Checks: the reports arrive intact over TLS
# after AUTH (the attachment is the report built by --out and validates
# against the RFC 9990 schema), each with its unique envelope sender;
# TLS required and not offered, a certificate that does not name the
# host, and a wrong password are errors that send nothing and leave the
# ledger empty; a 4xx is sent again by the next run; the daemon's own
# sender (ReportSend) uses the relay too; the password is in no output
# and no log.  Records come from t/report/report-seed.
set -u
: "${AM_TOOL:?}" "${top_srcdir:?}" "${top_builddir:?}"
R=$top_srcdir/t/report
SEED=$top_builddir/t/report/report-seed
XSD=$R/dmarc-xml-0.2.xsd
RELAY=$top_srcdir/t/tool/smtp-relay.py
B=1764028800		# 2025-11-25 00:00:00 UTC
E=$((B + 86400))
PW='s3cret-Pa55word-never-logged'
tmp=$(mktemp -d); rpid=
cleanup() {
	[ -n "${dpid:-}" ] && kill -TERM "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null
	[ -n "$rpid" ] && kill "$rpid" 2>/dev/null && wait "$rpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
n=0; bad=0
ok()  { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; bad=1
	cat "$tmp/chk" "$tmp/out" 2>/dev/null | sed 's/^/#   /' | head -30; }
check() { local d=$1; shift; if "$@" > "$tmp/chk" 2>&1; then ok "$d"; else nok "$d"; fi; rm -f "$tmp/chk"; }

for p in xmllint python3 openssl; do
	command -v $p >/dev/null || { echo "1..0 # SKIP $p not installed"; exit 0; }
done

cat > "$tmp/zone" <<'Z'
$ORIGIN .
$TTL 300
test.example.org._report._dmarc.reports.example.net. TXT "v=DMARC1"
Z
cert() {	# cert NAME SAN
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$2" \
		-addext "subjectAltName=$3" -keyout "$tmp/$1.key" \
		-out "$tmp/$1.pem" >/dev/null 2>&1
}
cert good localhost "DNS:localhost,IP:127.0.0.1"
cert other other.example "DNS:other.example"
printf '%s\n' "$PW" > "$tmp/pw"; chmod 600 "$tmp/pw"
printf 'wrong-%s\n' "$PW" > "$tmp/badpw"; chmod 600 "$tmp/badpw"

# relay DIR [smtp-relay.py options]: (re)starts the relay; $port
relay() {
	local d=$1; shift
	[ -n "$rpid" ] && kill "$rpid" 2>/dev/null && wait "$rpid" 2>/dev/null
	rm -rf "$d"; mkdir -p "$d"
	python3 "$RELAY" "$d" "$d/port" --user reporter --password "$PW" "$@" \
		2>"$d/stderr" &
	rpid=$!
	for _ in $(seq 1 100); do [ -s "$d/port" ] && break; sleep 0.05; done
	port=$(cat "$d/port")
}
# conf FILE STORE [extra lines]
conf() {
	local f=$1 s=$2; shift 2
	{ echo "Socket ${SOCK:-inet:8891@127.0.0.1}"
	  echo "ReportStore sqlite:$s"
	  echo "ReportOrgName Receiver & Co"
	  echo "ReportEmail dmarc-reports@receiver.example"
	  echo "ReportSendmail /bin/false"
	  printf '%s\n' "$@"; } > "$f"
}
# fresh DB: a copy of the seeded store, nothing in its ledger
fresh() { cp "$tmp/seed.db" "$tmp/$1"; }
agg() {	# agg CONF [options]: report aggregate --send, output in $tmp/out
	local c=$1; shift
	"$AM_TOOL" report aggregate -c "$c" --begin $B --end $E --send \
		--zone "$tmp/zone" "$@" > "$tmp/out" 2>&1
	echo "exit $?" >> "$tmp/out"
}
ledger() { python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from am_sent").fetchone()[0])' "$1"; }
msgs() { ls "$1"/*.eml 2>/dev/null | wc -l; }

"$SEED" "sqlite:$tmp/seed.db" $B > "$tmp/out" 2>&1
check "seed: 16 records" grep -qx 'records 16' "$tmp/out"
conf "$tmp/o.conf" "$tmp/seed.db"
"$AM_TOOL" report aggregate -c "$tmp/o.conf" --begin $B --end $E \
	--out "$tmp/built" --zone "$tmp/zone" > "$tmp/out" 2>&1
check "--out: three reports built (what the relay must receive)" \
	test "$(ls "$tmp/built"/*.xml.gz | wc -l)" = 3

# ------------------------------------------------ TLS + AUTH PLAIN
relay "$tmp/r1" --cert "$tmp/good.pem" --key "$tmp/good.key"
fresh a.db
conf "$tmp/a.conf" "$tmp/a.db" "ReportSmtp localhost:$port" \
	"ReportSmtpCAFile $tmp/good.pem" "ReportSmtpUser reporter" \
	"ReportSmtpPasswordFile $tmp/pw"
agg "$tmp/a.conf"
cp "$tmp/out" "$tmp/out.a"
check "relay (STARTTLS, AUTH PLAIN): exit 0, three messages" \
	sh -c "grep -qx 'exit 0' '$tmp/out' && test \$(ls '$tmp/r1'/*.eml | wc -l) = 3"
check "each over TLS, authenticated with PLAIN as reporter" python3 -c '
import json, glob, sys
js = [json.load(open(f)) for f in glob.glob(sys.argv[1] + "/*.json")]
assert len(js) == 3 and all(j["tls"] and j["auth"] == "reporter" and j["mech"] == "PLAIN" for j in js), js' "$tmp/r1"
check "nothing but the greeting and EHLO/STARTTLS before TLS" \
	sh -c "grep '^CLR ' '$tmp/r1/transcript.log' | cut -c5- | sed 's/ .*//' | sort -u | tr '\n' ' ' | grep -qx 'EHLO STARTTLS '"
cat > "$tmp/att.py" <<'PY'
import sys, glob, json, gzip, email, email.policy, os, re
d, built = sys.argv[1], sys.argv[2]
senders = set()
for f in sorted(glob.glob(d + '/*.eml')):
    raw = open(f, 'rb').read()
    env = json.load(open(f[:-4] + '.json'))
    m = email.message_from_bytes(raw, policy=email.policy.compat32)
    assert m['DKIM-Signature'] is None or True
    parts = [p for p in m.walk() if p.get_content_type() == 'application/gzip']
    assert len(parts) == 1
    fn = parts[0].get_filename()
    body = parts[0].get_payload(decode=True)
    assert body == open(os.path.join(built, fn), 'rb').read(), fn
    rid = fn.rsplit('!', 1)[1][:-len('.xml.gz')]
    assert env['from'] == 'dmarc-reports+%s@receiver.example' % rid, env
    assert env['to'] in m['To'], (env['to'], m['To'])
    open(os.path.join(d, fn[:-3]), 'wb').write(gzip.decompress(body))
    senders.add(env['from'])
assert len(senders) == 3
print('ok')
PY
python3 "$tmp/att.py" "$tmp/r1" "$tmp/built" > "$tmp/out" 2>&1
check "the attachments are the reports --out built, byte for byte; envelope sender local+report-id" \
	grep -qx ok "$tmp/out"
check "the received reports validate against the RFC 9990 schema" \
	xmllint --noout --schema "$XSD" "$tmp/r1"/*.xml
check "ledger: three sent" test "$(ledger "$tmp/a.db")" = 3
agg "$tmp/a.conf"
check "a second run sends nothing twice" \
	sh -c "grep -c 'already sent' '$tmp/out' | grep -qx 3 && test \$(ls '$tmp/r1'/*.eml | wc -l) = 3"

# ------------------------------------------------ AUTH LOGIN
relay "$tmp/r2" --cert "$tmp/good.pem" --key "$tmp/good.key" --auth LOGIN
fresh b.db
conf "$tmp/b.conf" "$tmp/b.db" "ReportSmtp 127.0.0.1:$port" \
	"ReportSmtpCAFile $tmp/good.pem" "ReportSmtpUser reporter" \
	"ReportSmtpPasswordFile $tmp/pw" "ReportSmtpTLS starttls"
agg "$tmp/b.conf"
cp "$tmp/out" "$tmp/out.b"
check "AUTH LOGIN when PLAIN is not offered; an IP address host matches the certificate's IP" python3 -c '
import json, glob, sys
js = [json.load(open(f)) for f in glob.glob(sys.argv[1] + "/*.json")]
assert len(js) == 3 and all(j["tls"] and j["mech"] == "LOGIN" for j in js), js' "$tmp/r2"

# ------------------------------------------------ TLS required, not offered
relay "$tmp/r3"
fresh c.db
conf "$tmp/c.conf" "$tmp/c.db" "ReportSmtp localhost:$port" \
	"ReportSmtpUser reporter" "ReportSmtpPasswordFile $tmp/pw"
agg "$tmp/c.conf"
cp "$tmp/out" "$tmp/out.c"
check "ReportSmtpTLS require (the default), STARTTLS not offered: an error, nothing sent, no AUTH" \
	sh -c "grep -q 'STARTTLS is not offered' '$tmp/out' && grep -q 'permanent failure' '$tmp/out' && ! grep -qx 'exit 0' '$tmp/out' && test \$(ls '$tmp/r3'/*.eml 2>/dev/null | wc -l) = 0 && ! grep -q AUTH '$tmp/r3/transcript.log'"
check "... and nothing in the ledger" test "$(ledger "$tmp/c.db")" = 0
conf "$tmp/c2.conf" "$tmp/c.db" "ReportSmtp localhost:$port" \
	"ReportSmtpTLS starttls" "ReportSmtpUser reporter" \
	"ReportSmtpPasswordFile $tmp/pw"
agg "$tmp/c2.conf"
cp "$tmp/out" "$tmp/out.c2"
check "ReportSmtpTLS starttls without TLS: AUTH is refused before the password goes out in clear" \
	sh -c "grep -q 'not sent in clear' '$tmp/out' && ! grep -q AUTH '$tmp/r3/transcript.log' && test \$(ls '$tmp/r3'/*.eml 2>/dev/null | wc -l) = 0"
conf "$tmp/c3.conf" "$tmp/c.db" "ReportSmtp localhost:$port" \
	"ReportSmtpTLS none" "ReportSmtpUser reporter" \
	"ReportSmtpPasswordFile $tmp/pw" "ReportSmtpAuthInClear yes"
agg "$tmp/c3.conf"
cp "$tmp/out" "$tmp/out.c3"
check "ReportSmtpTLS none with ReportSmtpAuthInClear yes: sent in clear" \
	sh -c "grep -qx 'exit 0' '$tmp/out' && test \$(ls '$tmp/r3'/*.eml | wc -l) = 3"

# ------------------------------------------------ certificate of another host
relay "$tmp/r4" --cert "$tmp/other.pem" --key "$tmp/other.key"
fresh d.db
conf "$tmp/d.conf" "$tmp/d.db" "ReportSmtp localhost:$port" \
	"ReportSmtpCAFile $tmp/other.pem" "ReportSmtpUser reporter" \
	"ReportSmtpPasswordFile $tmp/pw"
agg "$tmp/d.conf"
cp "$tmp/out" "$tmp/out.d"
check "a certificate that does not name the host is refused: nothing sent, no AUTH, nothing in the ledger" \
	sh -c "grep -q 'certificate: ' '$tmp/out' && ! grep -qx 'exit 0' '$tmp/out' && test \$(ls '$tmp/r4'/*.eml 2>/dev/null | wc -l) = 0 && ! grep -q AUTH '$tmp/r4/transcript.log' && test \$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"select count(*) from am_sent\").fetchone()[0])' '$tmp/d.db') = 0"
conf "$tmp/d2.conf" "$tmp/d.db" "ReportSmtp localhost:$port" \
	"ReportSmtpUser reporter" "ReportSmtpPasswordFile $tmp/pw"
agg "$tmp/d2.conf"
check "a certificate no system CA signed is refused (no ReportSmtpCAFile)" \
	sh -c "grep -q 'certificate: ' '$tmp/out' && test \$(ls '$tmp/r4'/*.eml 2>/dev/null | wc -l) = 0"

# ------------------------------------------------ wrong password
relay "$tmp/r5" --cert "$tmp/good.pem" --key "$tmp/good.key"
fresh e.db
conf "$tmp/e.conf" "$tmp/e.db" "ReportSmtp localhost:$port" \
	"ReportSmtpCAFile $tmp/good.pem" "ReportSmtpUser reporter" \
	"ReportSmtpPasswordFile $tmp/badpw"
agg "$tmp/e.conf"
cp "$tmp/out" "$tmp/out.e"
check "wrong password: the 535 is told as a permanent failure, exit non-zero, nothing sent" \
	sh -c "grep -q 'AUTH PLAIN: 535 5.7.8' '$tmp/out' && grep -q 'permanent failure' '$tmp/out' && ! grep -qx 'exit 0' '$tmp/out' && test \$(ls '$tmp/r5'/*.eml 2>/dev/null | wc -l) = 0"
check "... and nothing in the ledger" test "$(ledger "$tmp/e.db")" = 0

# ------------------------------------------------ 4xx: the next run
relay "$tmp/r6" --cert "$tmp/good.pem" --key "$tmp/good.key" --tempfail 2
fresh f.db
conf "$tmp/f.conf" "$tmp/f.db" "ReportSmtp localhost:$port" \
	"ReportSmtpCAFile $tmp/good.pem" "ReportSmtpUser reporter" \
	"ReportSmtpPasswordFile $tmp/pw"
agg "$tmp/f.conf"
cp "$tmp/out" "$tmp/out.f"
check "451 at RCPT: told as temporary, the other one sent, exit non-zero" \
	sh -c "grep -c 'RCPT TO: 451 4.3.0 .*temporary failure: sent again next run' '$tmp/out' | grep -qx 2 && ! grep -qx 'exit 0' '$tmp/out' && test \$(ls '$tmp/r6'/*.eml | wc -l) = 1 && test \$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"select count(*) from am_sent\").fetchone()[0])' '$tmp/f.db') = 1" 
agg "$tmp/f.conf"
cp "$tmp/out" "$tmp/out.f2"
check "the next run sends what the 451 held back, and only that" \
	sh -c "grep -qx 'exit 0' '$tmp/out' && grep -c '^  sent ' '$tmp/out' | grep -qx 2 && grep -c 'already sent' '$tmp/out' | grep -qx 1 && test \$(ls '$tmp/r6'/*.eml | wc -l) = 3"
check "ledger: three sent after the second run" test "$(ledger "$tmp/f.db")" = 3

# ------------------------------------------------ the daemon's sender
MILTER=$top_builddir/milter/authmilter
dpid=
daemon() {	# daemon CONF: runs until the period's line is logged
	: > "$tmp/dlog"
	AUTHMILTER_TEST_DNS=$tmp/zone "$MILTER" -f -c "$1" 2>>"$tmp/dlog" &
	dpid=$!
	for _ in $(seq 1 150); do
		grep -q "report: period" "$tmp/dlog" && break
		kill -0 "$dpid" 2>/dev/null || break
		sleep 0.1
	done
	kill -TERM "$dpid" 2>/dev/null; wait "$dpid" 2>/dev/null; dpid=
}
now=$(date +%s)
Y=$(( now / 86400 * 86400 - 86400 ))	# yesterday: the last closed period
"$SEED" "sqlite:$tmp/y.db" $Y > /dev/null 2>&1
cp "$tmp/y.db" "$tmp/y2.db"
relay "$tmp/r7" --cert "$tmp/good.pem" --key "$tmp/good.key"
SOCK=unix:$tmp/sock
conf "$tmp/y.conf" "$tmp/y.db" "ReportSend yes" \
	"ReportSendRate 0" "ReportSmtp localhost:$port" \
	"ReportSmtpCAFile $tmp/good.pem" "ReportSmtpUser reporter" \
	"ReportSmtpPasswordFile $tmp/pw"
daemon "$tmp/y.conf"
cp "$tmp/dlog" "$tmp/out.daemon"
check "the daemon's sender submits the closed period through the relay (TLS, AUTH)" \
	sh -c "grep -q 'report: period $Y-$((Y + 86399)): 3 reports, 3 messages sent' '$tmp/dlog' && test \$(ls '$tmp/r7'/*.json | wc -l) = 3 && grep -l '\"tls\": true' '$tmp/r7'/*.json | wc -l | grep -qx 3"
conf "$tmp/y2.conf" "$tmp/y2.db" "ReportSend yes" \
	"ReportSendRate 0" "ReportSmtp localhost:$port" \
	"ReportSmtpCAFile $tmp/good.pem" "ReportSmtpUser reporter" \
	"ReportSmtpPasswordFile $tmp/badpw"
daemon "$tmp/y2.conf"
cp "$tmp/dlog" "$tmp/out.daemon2"
check "the daemon with a wrong password: the 535 logged as a warning, nothing sent, nothing in the ledger" \
	sh -c "grep -q 'report: relay localhost: AUTH PLAIN: 535 5.7.8 .*permanent failure' '$tmp/dlog' && test \$(ls '$tmp/r7'/*.json | wc -l) = 3 && test \$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"select count(*) from am_sent\").fetchone()[0])' '$tmp/y2.db') = 0"

# ------------------------------------------------ the password
"$AM_TOOL" -n -c "$tmp/a.conf" > "$tmp/out.n" 2>&1 || "$top_builddir/milter/authmilter" -n -c "$tmp/a.conf" > "$tmp/out.n" 2>&1
check "-n shows ReportSmtpPasswordFile, never the password" \
	sh -c "grep -q 'ReportSmtpPasswordFile' '$tmp/out.n' && ! grep -qF '$PW' '$tmp/out.n'"
check "the password (and the wrong one) is in no output of any run" \
	sh -c "! grep -qF '$PW' '$tmp'/out.*"
chmod 644 "$tmp/pw"
"$top_builddir/milter/authmilter" -n -c "$tmp/a.conf" > "$tmp/out" 2>&1
check "a password file readable by everyone is warned about" grep -q 'readable by everyone' "$tmp/out"
conf "$tmp/g.conf" "$tmp/g.db" "ReportSmtp localhost:25" "ReportSmtpUser reporter"
"$top_builddir/milter/authmilter" -n -c "$tmp/g.conf" > "$tmp/out" 2>&1
check "ReportSmtpUser without ReportSmtpPasswordFile is refused" \
	grep -q 'set together' "$tmp/out"
conf "$tmp/h.conf" "$tmp/h.db" "ReportSmtp localhost:99999"
"$top_builddir/milter/authmilter" -n -c "$tmp/h.conf" > "$tmp/out" 2>&1
check "ReportSmtp with a bad port is refused" grep -q 'HOST\[:PORT\]' "$tmp/out"
conf "$tmp/i.conf" "$tmp/i.db" "ReportSmtpTLS maybe"
"$top_builddir/milter/authmilter" -n -c "$tmp/i.conf" > "$tmp/out" 2>&1
check "ReportSmtpTLS takes none, starttls or require" grep -q 'none, starttls or require' "$tmp/out"

echo "1..$n"
exit $bad
