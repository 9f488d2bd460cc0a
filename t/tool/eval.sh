#!/usr/bin/env bash
# eval - the authmilter-tool eval contract (TAP): line 1 is the
# Authentication-Results header (it must parse with python3-authres),
# line 2 "action=<accept|quarantine|reject|tempfail> <reason>", then the
# why-trace indented; exit 0.  Cases from shared/notes/dmarcbis.md
# section 8 (numbered as there), end to end, on generated zones and
# messages; the fixed ones are in t/tool/eval/.
set -u
: "${AM_TOOL:?}" "${top_srcdir:?}"
C=$top_srcdir/conf
E=$top_srcdir/t/tool/eval
T=1764072000
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
n=0; bad=0
ok()  { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; bad=1; sed 's/^/#   /' "$tmp/out" | head -30; }

KEY='"v=DKIM1; k=ed25519; p=VC+HKDRpjkdnhSPXC7a1mwZ+H/YXhbi4wY5Jorqs+CM="'
# zone NAME RECORD... : "$tmp/NAME.zone" with $ORIGIN . and the records
# given ("owner TYPE data" lines), plus the test key under example.com.
zone() {
	local f=$tmp/$1.zone; shift
	{ printf '$ORIGIN .\n$TTL 300\n'
	  printf 'ed2026._domainkey.example.com. TXT %s\n' "$KEY"
	  printf 'mx.example.com. A 192.0.2.10\n'
	  printf 'mx.example.com. TXT "v=spf1 a -all"\n'
	  printf '%s\n' "$@"; } > "$f"
}
# msg NAME FROM-LINES... : an unsigned message (LF line ends)
msg() {
	local f=$tmp/$1.eml; shift
	{ printf '%s\n' "$@"
	  printf 'To: bob@example.org\nSubject: t\nDate: Wed, 25 Nov 2026 12:00:00 +0000\n'
	  printf 'Message-ID: <t@example.com>\n\nHello.\n'; } > "$f"
}
# signed NAME DOMAIN FROM-LINE: signed by DOMAIN with the test key
signed() {
	msg "$1.u" "$3"
	"$AM_TOOL" sign -d "$2" -s ed2026 -k "$C/demo-ed25519.key" -T $T \
		"$tmp/$1.u.eml" > "$tmp/$1.eml"
}
# ev ZONE MESSAGE [OPTIONS...]: default client 192.0.2.66 (no SPF pass),
# HELO evil.test, sender x@evil.test; options override.
ev() {
	local z=$1 m=$2; shift 2
	"$AM_TOOL" eval --zone "$tmp/$z.zone" --now $((T + 60)) \
		--ip 192.0.2.66 --helo evil.test --sender x@evil.test \
		"$@" "$tmp/$m.eml" > "$tmp/out" 2> "$tmp/err"
	echo "exit=$?" >> "$tmp/err"
	cp "$tmp/out" "$tmp/out.$n"
	sed -n 1p "$tmp/out" | sed 's/^Authentication-Results: //' >> "$tmp/headers"
}
# want DESCRIPTION LINE1-ERE LINE2-ERE
want() {
	if grep -q '^exit=0$' "$tmp/err" &&
	    sed -n 1p "$tmp/out" | grep -Eq "^Authentication-Results: $2" &&
	    sed -n 2p "$tmp/out" | grep -Eq "^action=$3" &&
	    ! sed -n '3,$p' "$tmp/out" | grep -qv '^  '; then
		ok "$1"
	else
		nok "$1"
	fi
}
: > "$tmp/headers"

# The contract itself, on the fixed files.
"$AM_TOOL" eval --zone "$C/demo.zone" --zone "$E/eval.zone" -c "$E/eval.conf" \
	--now $((T + 60)) --ip 192.0.2.10 --helo mail.example.net \
	--sender bounce@example.net "$E/aligned.eml" > "$tmp/out" 2> "$tmp/err"
echo "exit=$?" >> "$tmp/err"
sed -n 1p "$tmp/out" | sed 's/^Authentication-Results: //' >> "$tmp/headers"
want "fixed: aligned DKIM and SPF, -c CONFIG gives the authserv-id" \
	'mx\.example\.org; dkim=pass .*header\.d=example\.net .*; spf=pass smtp\.mailfrom=bounce@example\.net; spf=pass smtp\.helo=mail\.example\.net; dmarc=pass \(p=reject dis=pass\) header\.from=example\.net policy\.dmarc=reject$' \
	'accept '
if [ "$(wc -l < "$tmp/out")" -gt 3 ] && sed -n '3,$p' "$tmp/out" | grep -q '^  dmarc example.net: walk'; then
	ok "fixed: the why-trace shows the walk, indented"; else nok "fixed: the why-trace shows the walk, indented"; fi
if grep -q '^  spf mailfrom: .*mechanism ip4:192.0.2.0/24 matched' "$tmp/out" &&
    grep -q '^  dkim: signature 1 d=example.net s=rsa2026 a=rsa-sha256: pass' "$tmp/out"; then
	ok "fixed: why SPF and DKIM decided"; else nok "fixed: why SPF and DKIM decided"; fi
"$AM_TOOL" eval --zone "$C/demo.zone" --zone "$E/eval.zone" --now $((T + 60)) \
	--ip 198.51.100.7 --helo evil.test --sender x@evil.test "$E/spoof.eml" > "$tmp/out" 2> "$tmp/err"
echo "exit=$?" >> "$tmp/err"
want "fixed: spoofed p=reject: quarantine by default" \
	"$(hostname | sed 's/\./\\./g'); dkim=none; spf=none .*dmarc=fail .*policy\.dmarc=reject$" \
	'quarantine dmarc=fail'
"$AM_TOOL" eval --zone "$C/demo.zone" --zone "$E/eval.zone" --now $((T + 60)) \
	--ip 198.51.100.7 --helo evil.test --sender x@evil.test --reject-failures \
	"$E/spoof.eml" > "$tmp/out" 2> "$tmp/err"
echo "exit=$?" >> "$tmp/err"
want "fixed: --reject-failures: reject 550 5.7.1" '.*dmarc=fail' 'reject 550 5\.7\.1 '
"$AM_TOOL" eval --zone "$C/demo.zone" --zone "$E/eval.zone" --now $((T + 60)) \
	--ip 198.51.100.7 --helo evil.test --sender x@evil.test --auth alice \
	"$E/spoof.eml" > "$tmp/out" 2> "$tmp/err"
echo "exit=$?" >> "$tmp/err"
want "fixed: --auth: never enforced" '.*dmarc=fail' 'accept authenticated client'
"$AM_TOOL" eval --ip 192.0.2.1 --helo x --sender y "$E/nonexistent.eml" >/dev/null 2>&1
if [ $? -eq 66 ]; then ok "missing FILE: exit 66"; else nok "missing FILE: exit 66"; fi
"$AM_TOOL" eval --helo x --sender y "$E/spoof.eml" >/dev/null 2>&1
if [ $? -eq 64 ]; then ok "no --ip: exit 64"; else nok "no --ip: exit 64"; fi

# Notes section 8, end to end.
EXR='_dmarc.example.com. TXT "v=DMARC1; p=reject"'
zone c1 "$EXR"
signed c1 example.com 'From: a@example.com'
ev c1 c1
want "1 author record, aligned DKIM: pass" \
	'.*dkim=pass .*dmarc=pass \(p=reject dis=pass\) header\.from=example\.com policy\.dmarc=reject$' 'accept'
zone c2 "$EXR" 'a.b.example.com. A 192.0.2.1'
msg c2 'From: a@a.b.example.com'
ev c2 c2
want "2 subdomain, nothing aligned: fail, reject policy quarantined" \
	'.*dmarc=fail .*header\.from=a\.b\.example\.com policy\.dmarc=reject$' 'quarantine'
if grep -q 'walk a.b.example.com' "$tmp/out" && grep -q '_dmarc.com' "$tmp/out"; then
	ok "2 why: the walk goes on to com"; else nok "2 why: the walk goes on to com"; fi
zone c3 '_dmarc.example.com. TXT "v=DMARC1; p=reject; sp=quarantine"' 'a.b.example.com. A 192.0.2.1'
ev c3 c2
want "3 sp=quarantine" '.*dmarc=fail .*policy\.dmarc=quarantine$' 'quarantine'
PSD='_dmarc.example. TXT "v=DMARC1; p=reject; sp=quarantine; np=reject; psd=y; rua=mailto:agg@example"'
zone c6 "$PSD" 'mail.brand.example. A 192.0.2.1'
msg c6 'From: a@mail.brand.example'
ev c6 c6
want "6 PSD record, sp" '.*dmarc=fail .*policy\.dmarc=quarantine$' 'quarantine'
msg c7 'From: a@ghost.brand2.example'
ev c6 c7 --reject-failures
want "7 PSD record, np for a non-existent domain (reject option)" \
	'.*dmarc=fail .*policy\.dmarc=reject$' 'reject 550 5\.7\.1'
zone c12 '_dmarc.a.example.com. TXT "v=DMARC1; p=none"' '_dmarc.a.example.com. TXT "v=DMARC1; p=reject"' \
	'_dmarc.example.com. TXT "v=DMARC1; p=reject; sp=quarantine"' 'a.example.com. A 192.0.2.1'
msg c12 'From: a@a.example.com'
ev c12 c12
want "12 two records at the author discarded, walk goes on" '.*dmarc=fail .*policy\.dmarc=quarantine$' 'quarantine'
zone c15
ev c15 c2
want "15 no DMARC record: none, accept" '.*dmarc=none header\.from=a\.b\.example\.com$' 'accept'
zone c16 "$EXR" 'a.example.com. A 192.0.2.1' ';@fail _dmarc.example.com. SERVFAIL'
msg c16 'From: a@a.example.com'
ev c16 c16
want "16 SERVFAIL: temperror, tempfail 451" '.*dmarc=temperror' 'tempfail 451 4\.7\.1'
ev c16 c16 --temperror accept
want "16 SERVFAIL, --temperror accept" '.*dmarc=temperror' 'accept'
zone c18 '_dmarc.example.com. TXT "v=DMARC1; p=bogus"'
msg c18 'From: a@example.com'
ev c18 c18
want "18 invalid p, no rua: permerror, accept" '.*dmarc=permerror' 'accept'
zone c21 '_dmarc.example.com. TXT "v=DMARC1; p=reject; t=y"'
ev c21 c18 --reject-failures
want "21 t=y steps reject down to quarantine" '.*dmarc=fail .*policy\.dmarc=quarantine$' 'quarantine'
if grep -q 'report: .*override=policy_test_mode' "$tmp/out"; then
	ok "21 report: policy_test_mode"; else nok "21 report: policy_test_mode"; fi
zone c26 "$EXR" 'news.example.com. A 192.0.2.1' 'bounce.example.com. TXT "v=spf1 ip4:192.0.2.0/24 -all"'
msg c26 'From: a@news.example.com'
ev c26 c26 --sender b@bounce.example.com
want "26 relaxed SPF alignment through two walks: pass" \
	'.*spf=pass smtp\.mailfrom=b@bounce\.example\.com; .*dmarc=pass' 'accept'
zone c27 '_dmarc.example.com. TXT "v=DMARC1; p=reject; adkim=s; aspf=s"' 'sub.example.com. A 192.0.2.1' \
	'example.com. TXT "v=spf1 ip4:192.0.2.0/24 -all"'
signed c27 example.com 'From: a@sub.example.com'
ev c27 c27 --sender b@example.com
want "27 strict: example.com does not align with sub.example.com" \
	'.*dkim=pass .*spf=pass .*dmarc=fail' 'quarantine'
zone c33 "$EXR"
msg c33 'From: a@example.com'
ev c33 c33 --sender '<>' --helo mx.example.com --ip 192.0.2.10
want "33 null sender: SPF of the HELO aligns" \
	'.*spf=pass smtp\.mailfrom=postmaster@mx\.example\.com; spf=pass smtp\.helo=mx\.example\.com; dmarc=pass' 'accept'
zone c34 "$EXR" '_dmarc.example.org. TXT "v=DMARC1; p=none"'
signed c34 example.com 'From: a@example.com, b@example.org'
ev c34 c34
want "34 two author domains: both evaluated, the worst decides" \
	'.*dmarc=pass .*header\.from=example\.com .*dmarc=fail .*header\.from=example\.org' 'accept dmarc=fail for example\.org'
msg c34b 'From: a@example.com, b@example.org'
ev c34 c34b
want "34 two author domains, example.com fails: quarantine" \
	'.*dmarc=fail .*header\.from=example\.com .*header\.from=example\.org' 'quarantine'
msg c35 'From: a@example.com, b@EXAMPLE.com'
ev c33 c35
want "35 one domain twice: one evaluation" '.*dmarc=fail [^;]*header\.from=example\.com policy\.dmarc=reject$' 'quarantine'
msg c36a 'X-No-From: yes'
ev c33 c36a
want "36 no From: reject 550 5.7.1, dmarc=permerror" '.*dmarc=permerror' 'reject 550 5\.7\.1'
msg c36b 'From: a@example.com' 'From: b@example.com'
ev c33 c36b
want "36 two From fields, one domain: evaluated" '.*dmarc=fail .*header\.from=example\.com' 'quarantine'
msg c36c 'From: user@[192.0.2.1]'
ev c33 c36c
want "36 domain literal: reject" '.*dmarc=permerror' 'reject 550 5\.7\.1'
zone c37 '_dmarc.xn--bcher-kva.example. TXT "v=DMARC1; p=quarantine"'
msg c37 'From: x@bücher.example'
ev c37 c37
want "37 IDN author: header.from is the A-label" '.*dmarc=fail .*header\.from=xn--bcher-kva\.example policy\.dmarc=quarantine$' 'quarantine'
# iprev (--iprev, as IPRev yes): forward-confirmed PTR, and one that is not.
zone c40 "$EXR" '10.2.0.192.in-addr.arpa. PTR mx.example.com.' \
	'66.2.0.192.in-addr.arpa. PTR mx.example.com.' \
	'1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. PTR v6.example.com.' \
	'v6.example.com. AAAA 2001:db8::1'
ev c40 c33 --sender '<>' --helo mx.example.com --ip 192.0.2.10 --iprev
want "iprev pass: the PTR name resolves back" \
	'.*spf=pass smtp\.helo=mx\.example\.com; iprev=pass policy\.iprev=192\.0\.2\.10 \(mx\.example\.com\); dmarc=pass' 'accept'
ev c40 c33 --iprev
want "iprev fail: the PTR name resolves elsewhere" \
	'.*iprev=fail policy\.iprev=192\.0\.2\.66 \(mx\.example\.com\); dmarc=fail' 'quarantine'
ev c40 c33 --ip 2001:db8::1 --iprev
want "iprev pass over IPv6, the address quoted" \
	'.*iprev=pass policy\.iprev="2001:db8::1" \(v6\.example\.com\)' 'quarantine'
ev c40 c33
want "iprev: not written without --iprev" '[^i]*(i[^p][^i]*)*$' 'quarantine'

# Every first line parses with python3-authres.
/usr/bin/python3 - "$tmp/headers" "$n" <<'PY'
import re, sys
n = int(sys.argv[2]); bad = 0
try:
    import authres
except Exception as e:
    print("not ok %d - python3-authres is importable (%s)" % (n + 1, e)); print("1..%d" % (n + 1)); sys.exit(1)
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.rstrip("\n")
    n += 1
    try:
        ar = authres.AuthenticationResultsHeader.parse("Authentication-Results: " + line)
        methods = [r.method + "=" + r.result for r in ar.results]
        want = re.findall(r"(?:^|;) ?(\w+=\w+)", line.split(";", 1)[1])
        good = methods == want and ar.authserv_id == line.split(";")[0]
        for r in ar.results:
            if r.method == "dmarc" and r.result != "permerror":
                props = {p.type + "." + p.name: p.value for p in r.properties}
                good = good and "header.from" in props
        why = "" if good else " (parsed %r, wanted %r)" % (methods, want)
    except Exception as e:
        good, why = False, " (%s)" % e
    bad += not good
    print("%sok %d - python3-authres parses: %s%s" % ("" if good else "not ", n, line[:120], why))
print("1..%d" % n)
sys.exit(1 if bad else 0)
PY
rc=$?
exit $((bad | rc))
