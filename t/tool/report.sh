#!/usr/bin/env bash
# report - authmilter-tool report aggregate / import / show (TAP).
# Records come from t/report/report-seed (built as the engine builds
# them); every generated report is validated against the RFC 9990
# schema (t/report/dmarc-xml-0.2.xsd, xmllint), read back by a second
# parser (python3 ElementTree) and by Mail::DMARC
# (libmail-dmarc-perl), imported again (round trip); RFC 7489-shaped
# Google and Microsoft samples are imported from .zip, a mail message
# with a .xml.gz, an mbox and a Maildir; hostile inputs give errors.
set -u
: "${AM_TOOL:?}" "${top_srcdir:?}" "${top_builddir:?}"
R=$top_srcdir/t/report
SEED=$top_builddir/t/report/report-seed
XSD=$R/dmarc-xml-0.2.xsd
B=1764028800		# 2025-11-25 00:00:00 UTC
E=$((B + 86400))
if [ -n "${REPORT_KEEP:-}" ]; then tmp=$REPORT_KEEP; rm -rf "$tmp"; mkdir -p "$tmp"; else tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT; fi
n=0; bad=0
ok()  { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; bad=1
	cat "$tmp/chk" "$tmp/out" 2>/dev/null | sed 's/^/#   /' | head -40; }
# check DESCRIPTION COMMAND...: ok when the command succeeds ($tmp/out,
# the last tool output, is shown when it does not)
check() { local d=$1; shift; if "$@" > "$tmp/chk" 2>&1; then ok "$d"; else nok "$d"; fi; rm -f "$tmp/chk"; }

for p in xmllint python3 perl; do
	command -v $p >/dev/null || { echo "not ok 1 - $p installed"; echo 1..1; exit 1; }
done

cat > "$tmp/zone" <<'Z'
$ORIGIN .
$TTL 300
test.example.org._report._dmarc.reports.example.net. TXT "v=DMARC1"
66.113.0.203.in-addr.arpa. PTR bad.spammer.example.
20.100.51.198.in-addr.arpa. PTR mail.lists.example.net.
1.2.0.192.in-addr.arpa. PTR mx.example.com.
Z
cat > "$tmp/fake-sendmail" <<S
#!/bin/sh
# records its arguments and the message it was given
i=\$(ls "$tmp/sent" | wc -l)
printf '%s\n' "\$@" > "$tmp/sent/\$i.args"
cat > "$tmp/sent/\$i.eml"
S
chmod +x "$tmp/fake-sendmail"; mkdir "$tmp/sent"
conf() {	# conf FILE STORE [extra lines]
	local f=$1 s=$2; shift 2
	{ echo "# authmilter.conf excerpt"
	  echo "Socket inet:8891@127.0.0.1"
	  echo "ReportStore sqlite:$s"
	  echo "ReportOrgName Receiver & Co <reports>"
	  echo "ReportEmail dmarc-reports@receiver.example"
	  echo "ReportSendmail $tmp/fake-sendmail"
	  printf '%s\n' "$@"; } > "$f"
}
conf "$tmp/c.conf" "$tmp/r.db"

# ------------------------------------------------------------ aggregate
"$SEED" "sqlite:$tmp/r.db" $B > "$tmp/seed" 2>&1
check "seed: 16 records inside the period" grep -qx 'records 16' "$tmp/seed"
"$AM_TOOL" report aggregate -c "$tmp/c.conf" --begin $B --end $E \
	--out "$tmp/out1" --zone "$tmp/zone" > "$tmp/agg1" 2>&1
rc=$?
cp "$tmp/agg1" "$tmp/out"
[ $rc = 0 ] && ok "aggregate --out: exit 0" || nok "aggregate --out: exit 0 (got $rc)"
ls "$tmp/out1" > "$tmp/out" 2>&1
check "three reports (example.com twice: a policy change; test.example.org)" \
	test "$(ls "$tmp/out1"/*.xml.gz | wc -l)" = 3
check "each report has its .eml" test "$(ls "$tmp/out1"/*.xml.gz.eml | wc -l)" = 3
check "file names receiver!policy-domain!begin!end!unique-id.xml.gz" \
	sh -c "ls '$tmp/out1' | grep -v '\.eml\$' | grep -Evq '^receiver\.example!(example\.com|test\.example\.org)!$B!$((E - 1))![0-9a-f]{32}\.xml\.gz\$' && exit 1 || exit 0"
for f in "$tmp/out1"/*.xml.gz; do
	zcat "$f" > "${f%.gz}"
	xmllint --noout --schema "$XSD" "${f%.gz}" > "$tmp/out" 2>&1
	[ $? = 0 ] && ok "validates against dmarc-xml-0.2.xsd: ${f##*!}" ||
		nok "validates against dmarc-xml-0.2.xsd: ${f##*!}"
done
check "dry-run-free: no pct, RFC 9990 namespace, version 1.0" \
	sh -c "! grep -q '<pct>' '$tmp/out1'/*.xml && grep -c 'xmlns=\"urn:ietf:params:xml:ns:dmarc-2.0\"' '$tmp/out1'/*.xml | grep -c ':1\$' | grep -qx 3 && grep -c '<version>1.0</version>' '$tmp/out1'/*.xml | grep -c ':1\$' | grep -qx 3"
cp "$tmp/agg1" "$tmp/out"
check "no rua: not reported, said why" grep -q 'norua.example.*' "$tmp/agg1"
check "norua.example: the reason printed" grep -q 'not reported: the policy record has no rua' "$tmp/agg1"
check "unauthorized external destination dropped" \
	grep -q 'destination x@evil.example: dropped: evil.example has not authorized' "$tmp/agg1"
check "authorized external destination kept (test.example.org -> reports.example.net)" \
	grep -q 'To: <agg@reports.example.net>' "$tmp/out1"/*test.example.org*.eml

# second parser: ElementTree, namespace-aware; the counts and the rules
cat > "$tmp/et.py" <<'PY'
import sys, glob, xml.etree.ElementTree as ET
ns = '{urn:ietf:params:xml:ns:dmarc-2.0}'
tot = {}
for f in sorted(glob.glob(sys.argv[1] + '/*.xml')):
    root = ET.parse(f).getroot()
    assert root.tag == ns + 'feedback', root.tag
    kids = [c.tag[len(ns):] for c in root]
    assert kids[:3] == ['version', 'report_metadata', 'policy_published'], kids
    assert set(kids[3:]) == {'record'}, kids
    md = [c.tag[len(ns):] for c in root.find(ns + 'report_metadata')]
    assert md == ['org_name', 'email', 'report_id', 'date_range', 'generator'], md
    pp = root.find(ns + 'policy_published')
    assert pp.find(ns + 'pct') is None
    assert pp.find(ns + 'testing') is not None and pp.find(ns + 'discovery_method').text == 'treewalk'
    dom = pp.find(ns + 'domain').text
    for rec in root.findall(ns + 'record'):
        assert [c.tag[len(ns):] for c in rec] == ['row', 'identifiers', 'auth_results']
        ar = [c.tag[len(ns):] for c in rec.find(ns + 'auth_results')]
        assert ar == sorted(ar), ar          # every dkim before the spf
        assert ar.count('spf') <= 1
        for d in rec.find(ns + 'auth_results').findall(ns + 'dkim'):
            assert d.find(ns + 'selector') is not None
        for s in rec.find(ns + 'auth_results').findall(ns + 'spf'):
            assert s.find(ns + 'scope').text == 'mfrom'
        tot[dom] = tot.get(dom, 0) + int(rec.find(ns + 'row').find(ns + 'count').text)
print(' '.join('%s=%d' % kv for kv in sorted(tot.items())))
PY
python3 "$tmp/et.py" "$tmp/out1" > "$tmp/out" 2>&1
check "ElementTree: order, selector, one SPF mfrom; counts example.com=10 test.example.org=4" \
	grep -qx 'example.com=10 test.example.org=4' "$tmp/out"
check "t=y: testing y and the reason policy_test_mode" \
	sh -c "grep -q '<testing>y</testing>' '$tmp/out1'/*test.example.org*.xml && grep -q '<type>policy_test_mode</type>' '$tmp/out1'/*test.example.org*.xml"
check "disposition pass for an aligned pass under p=reject" grep -q '<disposition>pass</disposition>' "$tmp/out1"/*example.com*.xml
check "DKIM in RFC 9990 priority order: the unaligned pass before the failure" \
	python3 -c "
import re,glob,sys
x=open([f for f in glob.glob('$tmp/out1/*example.com*.xml') if '198.51.100.7' in open(f).read()][0]).read()
sys.exit(0 if x.index('mailer.example.net') < x.index('<result>fail</result>') else 1)"
check "escaped: <&> and quotes in a comment, a control byte replaced" \
	grep -q 'no reject on p=reject &lt;&amp;&gt; &quot;quoted&quot; ?' "$tmp/out1"/*.xml

# Mail::DMARC reads the counts.  It predates RFC 9990 and looks for
# /feedback/... without a namespace, so the xmlns is taken off first.
cat > "$tmp/md.pl" <<'PL'
use strict; use warnings;
use Mail::DMARC::Report::Receive; use XML::LibXML;
my %tot;
for my $f (sort glob("$ARGV[0]/*.xml")) {
    local $/; open my $fh, '<', $f or die; my $x = <$fh>;
    $x =~ s/ xmlns="urn:ietf:params:xml:ns:dmarc-2.0"//;
    my $r = Mail::DMARC::Report::Receive->new;
    my $dom = XML::LibXML->load_xml(string => $x);
    $r->do_node_report_metadata($dom->findnodes('/feedback/report_metadata'));
    my $pol = $r->do_node_policy_published($dom->findnodes('/feedback/policy_published'));
    $r->do_node_record($_) for $dom->findnodes('/feedback/record');
    $tot{$pol->domain} += $_->row->count for @{ $r->report->aggregate->record };
}
print join(' ', map { "$_=$tot{$_}" } sort keys %tot), "\n";
PL
perl "$tmp/md.pl" "$tmp/out1" > "$tmp/out" 2>&1
check "Mail::DMARC reads back the counts" grep -qx 'example.com=10 test.example.org=4' "$tmp/out"

# the mail messages
cat > "$tmp/eml.py" <<'PY'
import sys, glob, re, gzip, email, email.policy
for f in sorted(glob.glob(sys.argv[1] + '/*.eml')):
    raw = open(f, 'rb').read()
    assert b'\r\n' in raw and b'\n' not in raw.replace(b'\r\n', b'')
    m = email.message_from_bytes(raw, policy=email.policy.compat32)
    subj = re.sub(r'\r?\n[ \t]', ' ', m['Subject'])
    s = re.fullmatch(r'Report[ \t]+Domain:[ \t]+(\S+)[ \t]+Submitter:[ \t]+(\S+)[ \t]+Report-ID:[ \t]+<([^<>\s]+)>', subj)
    assert s, subj
    dom, sub, rid = s.groups()
    assert m['Auto-Submitted'] == 'auto-generated'
    assert m['Message-ID'] == '<%s@%s>' % (rid, sub), m['Message-ID']
    assert m['MIME-Version'] == '1.0'
    parts = [p for p in m.walk() if p.get_content_type() == 'application/gzip']
    assert len(parts) == 1
    fn = parts[0].get_filename()
    assert fn == f.split('/')[-1][:-4], fn
    assert fn == '%s!%s!%s' % (sub, dom, fn.split('!', 2)[2]) and fn.endswith('!%s.xml.gz' % rid)
    body = parts[0].get_payload(decode=True)
    assert body == open(f[:-4], 'rb').read()
    assert ('<report_id>%s</report_id>' % rid).encode() in gzip.decompress(body)
print('ok')
PY
python3 "$tmp/eml.py" "$tmp/out1" > "$tmp/out" 2>&1
check "mail: CRLF, Subject per the ABNF, Report-ID identical in Subject, Message-ID, XML and file name; application/gzip attachment" \
	grep -qx ok "$tmp/out"

"$AM_TOOL" report aggregate -c "$tmp/c.conf" --begin $B --end $E \
	--out "$tmp/out2" --zone "$tmp/zone" > "$tmp/out" 2>&1
check "a re-run gives the same file names and the same reports (a re-send reuses the IDs)" \
	sh -c "cd '$tmp/out1' && for f in *.xml.gz; do cmp -s \"\$f\" \"$tmp/out2/\$f\" || exit 1; done"

"$AM_TOOL" report aggregate -c "$tmp/c.conf" --begin $B --end $E \
	--dry-run --zone "$tmp/zone" > "$tmp/out" 2>&1
check "--dry-run says what it would send" \
	sh -c "grep -c '^  would send ' '$tmp/out' | grep -qx 3 && ! ls '$tmp/sent'/* >/dev/null 2>&1"

conf "$tmp/ex.conf" "$tmp/r.db" "ReportExcludeDomains org"
"$AM_TOOL" report aggregate -c "$tmp/ex.conf" --begin $B --end $E \
	--dry-run --zone "$tmp/zone" > "$tmp/out" 2>&1
check "ReportExcludeDomains: a domain under the list is not reported, said why; the others are" \
	sh -c "grep -A1 '^period .*: test.example.org ' '$tmp/out' | grep -q 'not reported: on the ReportExcludeDomains list' && grep -c '^  would send ' '$tmp/out' | grep -qx 2"
"$AM_TOOL" report aggregate -c "$tmp/c.conf" --begin $B --end $E \
	--send --zone "$tmp/zone" > "$tmp/out" 2>&1
check "--send: three messages through the sendmail program" \
	test "$(ls "$tmp/sent"/*.eml 2>/dev/null | wc -l)" = 3
check "--send: a unique envelope sender per report (local+report-id)" \
	sh -c "grep -h -A1 '^-f\$' '$tmp/sent'/*.args | grep -E '^dmarc-reports\+[0-9a-f]{32}@receiver\.example\$' | sort -u | wc -l | grep -qx 3"
"$AM_TOOL" report aggregate -c "$tmp/c.conf" --begin $B --end $E \
	--send --zone "$tmp/zone" > "$tmp/out" 2>&1
check "a second --send run sends nothing twice (the ledger)" \
	sh -c "test \$(ls '$tmp/sent'/*.eml | wc -l) = 3 && grep -c 'already sent' '$tmp/out' | grep -qx 3"

"$AM_TOOL" report aggregate -c "$tmp/c.conf" --zone "$tmp/zone" > "$tmp/out" 2>&1
check "no --begin/--end: the last complete period (nothing due), exit 0" \
	grep -q 'no records' "$tmp/out"

# the size cap: split by records, never cut
conf "$tmp/big.conf" "$tmp/big.db" "ReportMaxSize 4096" "ReportInterval 24"
"$SEED" "sqlite:$tmp/big.db" $B many 3000 > "$tmp/out" 2>&1
"$AM_TOOL" report aggregate -c "$tmp/big.conf" --begin $B --end $E \
	--out "$tmp/big" > "$tmp/out" 2>&1
nparts=$(ls "$tmp/big"/*.xml.gz 2>/dev/null | wc -l)
check "over ReportMaxSize: split into several reports ($nparts)" test "$nparts" -gt 1
for f in "$tmp/big"/*.xml.gz; do zcat "$f" > "${f%.gz}"; done
check "every part validates" xmllint --noout --schema "$XSD" "$tmp/big"/*.xml
check "every part within the cap" sh -c "for f in '$tmp/big'/*.xml.gz; do test \$(stat -c %s \"\$f\") -le 4096 || exit 1; done"
check "the parts hold all 3000 messages, each once" \
	sh -c "cat '$tmp/big'/*.xml | grep -o '<source_ip>[^<]*' | sort | uniq -d | wc -l | grep -qx 0 && cat '$tmp/big'/*.xml | grep -c '<count>1</count>' | grep -qx 3000"
check "distinct Report-IDs" sh -c "ls '$tmp/big' | grep -v eml | cut -d'!' -f5 | sort | uniq -d | wc -l | grep -qx 0"

# --------------------------------------------------------------- import
conf "$tmp/i.conf" "$tmp/i.db"
"$AM_TOOL" report import -c "$tmp/i.conf" "$tmp/out1"/*.xml.gz > "$tmp/out" 2>&1
check "import our own reports" grep -q 'imported 3 report(s), 0 duplicate(s), 0 failure(s)' "$tmp/out"
"$AM_TOOL" report import -c "$tmp/i.conf" "$tmp/out1" > "$tmp/out" 2>&1
check "the same reports again (.xml, .xml.gz, .eml): stored once" \
	grep -q 'imported 0 report(s), 9 duplicate(s), 0 failure(s)' "$tmp/out"
cat > "$tmp/rt.py" <<'PY'
import sqlite3, sys, collections
B, E = int(sys.argv[3]), int(sys.argv[4])
a = sqlite3.connect(sys.argv[1]); b = sqlite3.connect(sys.argv[2])
want = collections.Counter()
for r in a.execute("select policy_domain, source_ip, header_from, envelope_from, envelope_to, disposition, dkim_eval, spf_eval, override, dkim, spf_domain, spf_result from am_records where ts >= ? and ts < ? and policy_domain in ('example.com', 'test.example.org')", (B, E)):
    # the store keeps alignment; a report carries domain/selector/result
    r = list(r); r[9] = ' '.join('/'.join(d.split('/')[:3]) + '/' for d in r[9].split(' ')) if r[9] else ''
    want[tuple(r)] += 1
got = collections.Counter()
for r in b.execute("select i.policy_domain, source_ip, header_from, envelope_from, envelope_to, disposition, dkim_eval, spf_eval, reason, dkim, spf_domain, spf_result, msgs from am_imported_rows r join am_imported i using (reporter_org, report_id, period_begin, period_end)"):
    got[tuple(r[:12])] += r[12]
print('same' if got == want else 'differ\n%s\n%s' % (sorted(want.items()), sorted(got.items())))
PY
python3 "$tmp/rt.py" "$tmp/r.db" "$tmp/i.db" $B $E > "$tmp/out" 2>&1
check "round trip: the imported reports give back the records" grep -qx same "$tmp/out"

S=$R/samples
python3 - "$S" "$tmp" <<'PY'
import sys, zipfile, gzip, base64, os
S, T = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(T + '/google.com!example.com!1764028800!1764115199.zip', 'w', zipfile.ZIP_DEFLATED) as z:
    z.write(S + '/google-rfc7489.xml', 'google.com!example.com!1764028800!1764115199.xml')
gz = gzip.compress(open(S + '/microsoft-rfc7489.xml', 'rb').read())
msg = ('From: DMARC Aggregate Report <dmarcreport@microsoft.com>\n'
       'To: dmarc@example.com\nSubject: Report Domain: example.com Submitter: protection.outlook.com Report-ID: <b1c8>\n'
       'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="XX"\n\n--XX\nContent-Type: text/plain\n\nThis is a DMARC report.\n'
       '--XX\nContent-Type: application/gzip\nContent-Transfer-Encoding: base64\n'
       'Content-Disposition: attachment; filename="protection.outlook.com!example.com!1764028800!1764115200.xml.gz"\n\n'
       + base64.encodebytes(gz).decode() + '--XX--\n')
open(T + '/microsoft.eml', 'w').write(msg)
zb = open(T + '/google.com!example.com!1764028800!1764115199.zip', 'rb').read()
g = ('From: noreply-dmarc-support@google.com\nTo: dmarc@example.com\nSubject: Report domain: example.com Submitter: google.com Report-ID: 1234\n'
     'MIME-Version: 1.0\nContent-Type: application/zip; name="google.zip"\nContent-Transfer-Encoding: base64\n\n'
     + base64.encodebytes(zb).decode())
open(T + '/mbox', 'w').write('From MAILER-DAEMON Tue Nov 25 12:00:00 2025\n' + g + '\nFrom MAILER-DAEMON Tue Nov 25 12:00:01 2025\n' + msg + '\n')
for d in ('cur', 'new', 'tmp'):
    os.makedirs(T + '/Maildir/' + d)
open(T + '/Maildir/new/1.host', 'w').write(g)
open(T + '/Maildir/cur/2.host:2,S', 'w').write(msg)
PY
conf "$tmp/s.conf" "$tmp/s.db"
"$AM_TOOL" report import -c "$tmp/s.conf" "$tmp/google.com!example.com!1764028800!1764115199.zip" > "$tmp/out" 2>&1
check "import a Google-style RFC 7489 report from a .zip" \
	grep -q 'RFC 7489 report 12345678901234567890 from google.com for example.com.*3 record(s), 16 message(s)$' "$tmp/out"
"$AM_TOOL" report import -c "$tmp/s.conf" "$tmp/microsoft.eml" > "$tmp/out" 2>&1
check "import a Microsoft-style report (.xml.gz in a mail; odd casing, whitespace, helo+mfrom SPF)" \
	grep -q 'RFC 7489 report b1c8f0e6a2d94d6e8a7f3c2b1a0e9d8c from Enterprise Outlook for example.com.*2 record(s), 6 message(s)$' "$tmp/out"
"$AM_TOOL" report import -c "$tmp/s.conf" "$tmp/mbox" "$tmp/Maildir" > "$tmp/out" 2>&1
check "mbox and Maildir: found, stored once (4 duplicates)" \
	grep -q 'imported 0 report(s), 4 duplicate(s), 0 failure(s)' "$tmp/out"
check "the mfrom SPF result kept of helo+mfrom" \
	python3 -c "
import sqlite3,sys
r=sqlite3.connect('$tmp/s.db').execute(\"select spf_domain from am_imported_rows where report_id like 'b1c8%' and source_ip='192.0.2.1'\").fetchall()
sys.exit(0 if r==[('example.com',)] else 1)"

"$AM_TOOL" report show -c "$tmp/s.conf" --zone "$tmp/zone" > "$tmp/show" 2>&1
cp "$tmp/show" "$tmp/out"
check "show: per reporter and source IP" \
	sh -c "grep -Eq '^  google.com +192.0.2.1 +13 +12/1 ' '$tmp/show' && grep -Eq '^  Enterprise Outlook +198.51.100.20 +2 +0/2 ' '$tmp/show'"
check "show: a spoofing source named by reverse DNS, not our server" \
	grep -q 'failing: 203.0.113.66 (bad.spammer.example): 3 of 3 message(s) failed DMARC: not our server' "$tmp/show"
check "show: a forwarder named, the likely cause" \
	grep -q 'failing: 198.51.100.20 (mail.lists.example.net): 2 of 2 .*third party or forwarder' "$tmp/show"
check "show: our server with some failures" \
	grep -q 'failing: 192.0.2.1 (mx.example.com): 1 of 17 .*our server, some messages fail' "$tmp/show"
"$AM_TOOL" report show -c "$tmp/s.conf" --zone "$tmp/zone" --json > "$tmp/out" 2>&1
check "show --json parses; counts" python3 -c "
import json,sys
j=json.load(open('$tmp/out'))
d=j['domains'][0]; assert d['domain']=='example.com'
assert sum(s['messages'] for s in d['sources'])==22
f={x['source_ip']:x for x in d['failing']}
assert f['203.0.113.66']['ptr']=='bad.spammer.example' and f['203.0.113.66']['dmarc']['fail']==3
"
"$AM_TOOL" report show -c "$tmp/s.conf" --domain nothing.example --no-rdns > "$tmp/out" 2>&1
check "show --domain: only that domain" grep -q 'no imported reports for nothing.example' "$tmp/out"
"$AM_TOOL" report show -c "$tmp/s.conf" --since 1999999999 --no-rdns --json > "$tmp/out" 2>&1
check "show --since: later reports only" python3 -c "import json; assert json.load(open('$tmp/out'))['domains']==[]"

# ------------------------------------------------------------- hostile
head -c 300 "$tmp/out1"/$(ls "$tmp/out1" | grep -m1 'gz$') > "$tmp/trunc.xml.gz"
printf '<?xml version="1.0"?>\n<!DOCTYPE f [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>\n<feedback>&b;</feedback>\n' > "$tmp/dtd.xml"
printf '<feedback><report_metadata><org_name>x</org_name></report_metadata></feedback>\n' > "$tmp/noid.xml"
printf 'just some text\n' > "$tmp/text.txt"
python3 -c "
import zipfile
with zipfile.ZipFile('$tmp/many.zip','w') as z:
    [z.writestr('f%d.xml'%i, '<feedback/>') for i in range(100)]
import gzip; open('$tmp/bomb.xml.gz','wb').write(gzip.compress(b'<' + b' '*(80*1024*1024)))
"
for f in trunc.xml.gz dtd.xml noid.xml text.txt many.zip bomb.xml.gz; do
	"$AM_TOOL" report import -c "$tmp/s.conf" "$tmp/$f" > "$tmp/out" 2>&1
	rc=$?
	[ $rc = 65 ] && ok "hostile input refused with a reason: $f" ||
		nok "hostile input refused with a reason: $f (exit $rc)"
done
"$AM_TOOL" report aggregate -c "$tmp/c.conf" --begin $E --end $B > "$tmp/out" 2>&1
[ $? = 64 ] && ok "aggregate: --end before --begin is a usage error" || nok "aggregate: --end before --begin is a usage error"
conf "$tmp/bad.conf" "$tmp/x.db" "ReportInterval 5"
"$AM_TOOL" report aggregate -c "$tmp/bad.conf" > "$tmp/out" 2>&1
[ $? = 64 ] && grep -q 'ReportInterval: bad value "5": want 1, 2, 3, 4, 6, 8, 12 or 24' "$tmp/out" && ok "ReportInterval 5 refused" || nok "ReportInterval 5 refused"

echo "1..$n"
exit $bad
