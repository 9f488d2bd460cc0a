#!/usr/bin/env bash
# check-domain - authmilter-tool check-domain against zone files (TAP)
#
# A domain set up right passes every check; then, for each defect, a
# zone with exactly that defect fails (or warns on) that check and no
# other.  The JSON form is parsed with python3; exit codes; -c takes
# the keys and the canonicalization from a configuration; --smtp talks
# to a scripted SMTP server on loopback (t/tool/check-domain/smtpd.py):
# a good one, an open relay, one without STARTTLS, one refusing abuse@,
# one whose EHLO reply never ends, and it never sends DATA.
set -u
: "${AM_TOOL:?}" "${top_srcdir:?}"
PY=/usr/bin/python3
D=$top_srcdir/t/tool/check-domain
tmp=$(mktemp -d)
smtpd_pid=
cleanup() { [ -n "$smtpd_pid" ] && kill "$smtpd_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
n=0; bad=0
ok()  { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; bad=1; [ -f "$tmp/out" ] && sed 's/^/#   /' "$tmp/out" | head -40; }
t() { # description, then a command; passes when it exits 0
	local d=$1; shift
	if "$@" >"$tmp/out" 2>&1; then ok "$d"; else nok "$d"; fi
}
# st EXPECTED DESC CMD...: passes when CMD exits with EXPECTED; stdout
# is kept in $tmp/st.out, stderr in $tmp/st.err.
st() {
	local want=$1 d=$2 rc; shift 2
	"$@" >"$tmp/st.out" 2>"$tmp/st.err"; rc=$?
	cat "$tmp/st.out" "$tmp/st.err" > "$tmp/out"
	if [ "$rc" -eq "$want" ]; then ok "$d"; else echo "# exit $rc, want $want" >> "$tmp/out"; nok "$d"; fi
}
cd_() { "$AM_TOOL" check-domain "$@"; }

# ---------------------------------------------------------------- keys
K=$tmp/keys; mkdir "$K"
"$AM_TOOL" keygen -d example.com -s rsa2026 -D "$K" >/dev/null 2>&1
"$AM_TOOL" keygen -d example.com -s ed2026 -a ed25519 -D "$K" >/dev/null 2>&1
"$AM_TOOL" keygen -d example.com -s other -D "$K" >/dev/null 2>&1
t "keys made" test -s "$K/rsa2026.private" -a -s "$K/ed2026.private" -a -s "$K/other.private"
# p= of a record file
pval() { grep -o '"[^"]*"' "$1" | tr -d '"\n' | sed 's/.*p=//'; }
RSA_P=$(pval "$K/rsa2026.txt")
OTHER_P=$(pval "$K/other.txt")

# ---------------------------------------------------------------- zones
# The clean domain, piece by piece; a case overrides one piece.
# txt NAME TEXT: a TXT record of TEXT (quotes and backslashes escaped)
# in strings of at most 200 octets.
txt() {
	printf '%s. IN TXT ( %s )\n' "$1" "$(printf '%s' "$2" | fold -w 200 |
	    sed 's/\\/\\\\/g; s/"/\\"/g; s/^/"/; s/$/"/' | tr '\n' ' ')"
}
reset() {
	Z_MX='example.com. IN MX 10 mail.example.com.'
	Z_A='mail.example.com. IN A 192.0.2.25'
	Z_SPF=$(txt example.com 'v=spf1 mx ip4:192.0.2.25 -all')
	Z_DMARC=$(txt _dmarc.example.com 'v=DMARC1; p=reject; rua=mailto:dmarc@example.com')
	Z_DKIM=$(txt rsa2026._domainkey.example.com "v=DKIM1; k=rsa; p=$RSA_P")
	Z_ED=$(cat "$K/ed2026.txt")
	Z_PTR='25.2.0.192.in-addr.arpa. IN PTR mail.example.com.'
	Z_EXTRA=
}
zone() { # FILE: the zone from the pieces
	printf '$TTL 300\n%s\n' "$Z_MX" "$Z_A" "$Z_SPF" "$Z_DMARC" "$Z_DKIM" \
	    "$Z_ED" "$Z_PTR" "$Z_EXTRA" > "$1"
	echo 'example.com. IN TXT "site-verification=abc"' >> "$1"
}
ARGS="--ip 192.0.2.25 --selector rsa2026 --key $K/rsa2026.private --dnsbl dnsbl.test"
# non_pass: the findings that are not PASS, as "SEV check" lines
non_pass() { grep -v '^PASS ' "$tmp/st.out" | cut -d' ' -f1,2 | sort -u; }
# defect NAME WANT-EXIT "SEV check" [EXTRA ARGS...]: the zone from the
# current pieces; that finding, and no other non-PASS finding
defect() {
	local name=$1 want=$2 line=$3; shift 3
	zone "$tmp/$name.zone"
	# shellcheck disable=SC2086
	st "$want" "$name: exit $want" cd_ example.com --zone "$tmp/$name.zone" $ARGS "$@"
	if [ "$(non_pass)" = "$line" ]; then ok "$name: $line and nothing else"
	else { echo "# got:"; non_pass; } >> "$tmp/out"; nok "$name: $line and nothing else"; fi
	case $line in "") ;; *)
		if grep "^$line " "$tmp/st.out" | grep -q ' -- fix: '; then ok "$name: a fix is given"
		else nok "$name: a fix is given"; fi ;;
	esac
}

# applied NAME CHECK PREFIX WANT-EXIT NON-PASS: takes the zone-file line
# after PREFIX in the fix of CHECK from the last run, adds it to the
# zone of case NAME and runs again: exit WANT-EXIT and the given
# non-PASS findings.  So a fix is a record that can be published as it
# is printed.
applied() {
	local name=$1 check=$2 prefix=$3 want=$4 line=$5
	grep "^FAIL $check " "$tmp/st.out" | sed -n "s/.* -- fix: .*$prefix//p" > "$tmp/fix.txt"
	cat "$tmp/$name.zone" "$tmp/fix.txt" > "$tmp/$name.fixed.zone"
	# shellcheck disable=SC2086
	st "$want" "$name: with the fix published, exit $want" cd_ example.com --zone "$tmp/$name.fixed.zone" $ARGS
	if [ -s "$tmp/fix.txt" ] && [ "$(non_pass)" = "$line" ]; then ok "$name: with the fix published, ${line:-all PASS}"
	else { echo "# fix: $(cat "$tmp/fix.txt")"; echo "# got:"; non_pass; } >> "$tmp/out"; nok "$name: with the fix published, ${line:-all PASS}"; fi
}

# ================================================================ clean
reset
zone "$tmp/clean.zone"
st 0 "clean: exit 0" cd_ example.com --zone "$tmp/clean.zone" --ip 192.0.2.25 \
    --selector rsa2026 --key "$K/rsa2026.private" --selector ed2026 \
    --key "$K/ed2026.private" --dnsbl dnsbl.test
t "clean: every finding is PASS" bash -c "! grep -v '^PASS ' '$tmp/st.out'"
for c in dkim.record dkim.syntax dkim.match dkim.testing dkim.keysize \
    dkim.rsa-companion spf.record spf.syntax spf.all spf.lookups spf.voids \
    spf.ip dmarc.record dmarc.org dmarc.syntax dmarc.policy dmarc.rua \
    mx.record mx.cname mx.address ip.ptr ip.fcrdns ip.ptr-name ip.dnsbl; do
	t "clean: $c checked" grep -q "^PASS $c example.com: " "$tmp/st.out"
done
t "clean: both selectors checked" test "$(grep -c '^PASS dkim.match ' "$tmp/st.out")" = 2
t "clean: summary on stderr" grep -qx 'check-domain: [0-9]* PASS, 0 WARN, 0 FAIL' "$tmp/st.err"
t "clean: no PASS has a fix" bash -c "! grep '^PASS .* -- fix: ' '$tmp/st.out'"

# ================================================================ JSON
st 0 "json: exit 0" cd_ example.com --zone "$tmp/clean.zone" $ARGS --json
t "json: parses, every object has the six keys, all PASS" $PY -c '
import json, sys
a = json.load(open(sys.argv[1]))
assert isinstance(a, list) and len(a) > 20, len(a)
for o in a:
    assert set(o) == {"check", "severity", "domain", "text", "fix", "rfc"}, o
    assert o["severity"] == "PASS" and o["domain"] == "example.com", o
    assert o["fix"] is None and isinstance(o["text"], str) and o["text"], o
    assert o["rfc"] is None or o["rfc"].startswith("RFC "), o
' "$tmp/st.out"
reset
Z_SPF=$(txt example.com 'v=spf1 mx ip4:192.0.2.25 +all')
Z_DKIM=$(txt rsa2026._domainkey.example.com "v=DKIM1; k=rsa; n=\"a\\b\"; p=$RSA_P")
zone "$tmp/json.zone"
st 1 "json with FAILs: exit 1" cd_ example.com --zone "$tmp/json.zone" $ARGS --json
t "json: the FAILs carry a fix and their RFC; quotes and backslashes survive" $PY -c '
import json, sys
a = json.load(open(sys.argv[1]))
f = {o["check"]: o for o in a if o["severity"] == "FAIL"}
assert set(f) == {"spf.all", "dkim.syntax"}, f
assert f["spf.all"]["fix"] == "publish: example.com. IN TXT \"v=spf1 mx ip4:192.0.2.25 -all\"", f["spf.all"]
assert f["spf.all"]["rfc"] == "RFC 7208 5.1"
assert "stray quote" in f["dkim.syntax"]["text"]
' "$tmp/st.out"
# Hostile text from DNS stays on one line and in valid JSON.
reset
Z_DMARC=$(printf '_dmarc.example.com. IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@example.com; x=\\010\\195\\169\\013\\010FAIL fake"')
zone "$tmp/hostile.zone"
st 0 "hostile record text: exit 0" cd_ example.com --zone "$tmp/hostile.zone" $ARGS
t "hostile record text: escaped" grep -qF 'x=\x0a\xc3\xa9\x0d\x0aFAIL fake' "$tmp/st.out"
t "hostile record text: no forged line" bash -c "! grep -q '^FAIL' '$tmp/st.out'"
st 0 "hostile record text: json exit 0" cd_ example.com --zone "$tmp/hostile.zone" $ARGS --json
t "hostile record text: json parses" $PY -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/st.out"

# ================================================================ DKIM
reset; Z_DKIM=; defect dkim-missing 1 "FAIL dkim.record"
applied dkim-missing dkim.record 'publish: ' 0 ""
reset; Z_DKIM=$(txt rsa2026._domainkey.example.com "v=DKIM1; k=rsa; t=y; p=$RSA_P")
defect dkim-testing 0 "WARN dkim.testing"
reset; Z_DKIM=$(txt rsa2026._domainkey.example.com "v=DKIM1; k=rsa; p=$OTHER_P")
defect dkim-mismatch 1 "FAIL dkim.match"
reset; Z_DKIM=$(txt rsa2026._domainkey.example.com "v=DKIM1; k=rsa; n=\"generated\"; p=$RSA_P")
defect dkim-quotes 1 "FAIL dkim.syntax"
t "dkim-quotes: says stray quote" grep -q '^FAIL dkim.syntax .*stray quote' "$tmp/st.out"
reset; Z_DKIM=$(txt rsa2026._domainkey.example.com "v=DKIM1;  k=rsa; p=$RSA_P")
defect dkim-spaces 1 "FAIL dkim.syntax"
reset; Z_DKIM=$(txt rsa2026._domainkey.example.com "v=DKIM1; k=rsa; p=")
defect dkim-revoked 1 "FAIL dkim.revoked"
reset; Z_DKIM=$(txt rsa2026._domainkey.example.com "v=DKIM1; k=rsa; p=!!notbase64")
defect dkim-unparsable 1 "FAIL dkim.parse"
reset; Z_DKIM=
st 0 "ed25519 only: exit 0" cd_ example.com --zone "$tmp/dkim-missing.zone" --selector ed2026 --key "$K/ed2026.private" --dnsbl dnsbl.test --ip 192.0.2.25
t "ed25519 only: WARN dkim.rsa-companion" grep -q '^WARN dkim.rsa-companion ' "$tmp/st.out"
st 0 "no selector: exit 0" cd_ example.com --zone "$tmp/clean.zone" --ip 192.0.2.25 --dnsbl dnsbl.test
t "no selector: WARN dkim.selector" grep -q '^WARN dkim.selector example.com: ' "$tmp/st.out"
st 0 "selector without key: exit 0" cd_ example.com --zone "$tmp/clean.zone" --selector rsa2026
t "selector without key: record checked, no key match" bash -c "grep -q '^PASS dkim.record ' '$tmp/st.out' && ! grep -q 'dkim.match' '$tmp/st.out'"

# ================================================================ PTR
reset; Z_PTR=; defect ptr-missing 1 "FAIL ip.ptr"
reset; Z_PTR='25.2.0.192.in-addr.arpa. IN PTR mail2.example.com.'
Z_EXTRA='mail2.example.com. IN A 192.0.2.99'
defect ptr-mismatch 1 "FAIL ip.fcrdns"
reset; Z_PTR='25.2.0.192.in-addr.arpa. IN PTR 192-0-2-25.dsl.provider.test.'
Z_EXTRA='192-0-2-25.dsl.provider.test. IN A 192.0.2.25'
defect ptr-generic 1 "FAIL ip.ptr-name"
reset; Z_PTR='25.2.0.192.in-addr.arpa. IN PTR vps7.example.com.'
Z_EXTRA='vps7.example.com. IN A 192.0.2.25'
defect ptr-not-mail 0 "WARN ip.ptr-name"

# ================================================================ SPF
reset; Z_SPF=; defect spf-missing 1 "FAIL spf.record"
t "spf-missing: the fix is a record with the --ip" grep -qF 'publish: example.com. IN TXT "v=spf1 mx ip4:192.0.2.25 -all"' "$tmp/st.out"
applied spf-missing spf.record 'publish: ' 0 ""
reset; Z_SPF=$(txt example.com 'v=spf1 mx ip4:192.0.2.25 +all'); defect spf-plus-all 1 "FAIL spf.all"
reset; Z_SPF=$(txt example.com 'v=spf1 mx ip4:192.0.2.25 ~all'); defect spf-softfail 0 "WARN spf.all"
reset; Z_SPF=$(txt example.com 'v=spf1 mx ip4:192.0.2.25')$'\n'$(txt example.com 'v=spf1 -all')
defect spf-two 1 "FAIL spf.record"
reset; Z_SPF=$(txt example.com 'v=spf1 ip4:192.0.2.25 include:_spf.example.com -all')
Z_EXTRA=$(txt _spf.example.com "v=spf1 $(for i in 1 2 3 4 5 6 7 8 9 10 11; do printf 'a:h%s.example.com ' $i; done)-all"
for i in 1 2 3 4 5 6 7 8 9 10 11; do echo "h$i.example.com. IN A 198.51.100.$i"; done)
defect spf-lookups 1 "FAIL spf.lookups"
t "spf-lookups: 12 counted across the include" grep -q '^FAIL spf.lookups example.com: 12 DNS-querying' "$tmp/st.out"
reset; Z_SPF=$(txt example.com 'v=spf1 ip4:192.0.2.25 a:n1.example.com a:n2.example.com mx:n3.example.com -all')
defect spf-voids 1 "FAIL spf.voids"
reset; Z_SPF=$(txt example.com 'v=spf1 ip4:192.0.2.25 ptr -all'); defect spf-ptr 0 "WARN spf.ptr"
reset; Z_SPF=$(txt example.com 'v=spf1 ip4:192.0.2.25 include:gone.example.net -all')
defect spf-include 1 "FAIL spf.include"
reset; Z_SPF=$(txt example.com 'v=spf1 ip4:192.0.2.25 foo:bar -all'); defect spf-syntax 1 "FAIL spf.syntax"
reset; Z_SPF=$(txt example.com 'v=spf1 ip4:192.0.2.26 -all'); defect spf-ip 1 "FAIL spf.ip"
t "spf-ip: the fix adds the address" grep -qF 'publish: example.com. IN TXT "v=spf1 ip4:192.0.2.26 ip4:192.0.2.25 -all"' "$tmp/st.out"

# ================================================================ DMARC
reset; Z_DMARC=; defect dmarc-missing 1 "FAIL dmarc.record"
applied dmarc-missing dmarc.record 'publish: ' 0 "WARN dmarc.policy"
reset; Z_DMARC=$(txt _dmarc.example.com 'v=DMARC1; p=none; rua=mailto:dmarc@example.com')
defect dmarc-none 0 "WARN dmarc.policy"
reset; Z_DMARC=$(txt _dmarc.example.com 'v=DMARC1; p=bogus; rua=mailto:dmarc@example.com')
defect dmarc-invalid 1 "FAIL dmarc.syntax"
reset; Z_DMARC=$(txt _dmarc.example.com 'v=DMARC1; p=reject; adkim=x; rua=mailto:dmarc@example.com')
defect dmarc-badtag 0 "WARN dmarc.syntax"
reset; Z_DMARC=$(txt _dmarc.example.com 'v=DMARC1; p=reject'); defect dmarc-norua 0 "WARN dmarc.rua"
reset; Z_DMARC=$(txt _dmarc.example.com 'v=DMARC1; p=reject; rua=mailto:agg@reports.example.net')
defect dmarc-external 1 "FAIL dmarc.rua-auth"
t "dmarc-external: the fix is the authorization record" grep -qF 'example.com._report._dmarc.reports.example.net. IN TXT "v=DMARC1"' "$tmp/st.out"
applied dmarc-external dmarc.rua-auth 'publish: ' 0 ""
Z_EXTRA=$(txt example.com._report._dmarc.reports.example.net 'v=DMARC1')
defect dmarc-external-authorized 0 ""
t "dmarc-external-authorized: PASS dmarc.rua-auth" grep -q '^PASS dmarc.rua-auth ' "$tmp/st.out"
reset; Z_DMARC=$(txt _dmarc.example.com 'v=DMARC1; p=reject; rua=mailto:dmarc@example.com')$'\n'$(txt _dmarc.example.com 'v=DMARC1; p=none')
defect dmarc-two 1 "FAIL dmarc.record"

# ================================================================ MX
reset; Z_MX=$'example.com. IN MX 10 mx.example.com.\nmx.example.com. IN CNAME mail.example.com.'
defect mx-cname 1 "FAIL mx.cname"
reset; Z_MX=$'example.com. IN MX 10 mail.example.com.\nexample.com. IN MX 20 backup.example.com.\nbackup.example.com. IN TXT "no address"'
defect mx-noaddr 1 "FAIL mx.address"
reset; Z_MX='example.com. IN MX 10 192.0.2.25.'
Z_EXTRA='192.0.2.25. IN A 192.0.2.25'
Z_SPF=$(txt example.com 'v=spf1 ip4:192.0.2.25 -all')
defect mx-literal 1 "FAIL mx.literal"

# ================================================================ DNSBL
reset; Z_EXTRA=$'25.2.0.192.dnsbl.test. IN A 127.0.0.2\n25.2.0.192.dnsbl.test. IN TXT "listed: test"'
defect dnsbl-listed 1 "FAIL ip.dnsbl"
t "dnsbl-listed: names the zone and the reason" grep -q '^FAIL ip.dnsbl example.com: 192.0.2.25 is listed on dnsbl.test (127.0.0.2): listed: test' "$tmp/st.out"
reset; Z_EXTRA='25.2.0.192.other.test. IN A 127.0.0.4'
zone "$tmp/dnsbl2.zone"
st 1 "two zones: exit 1" cd_ example.com --zone "$tmp/dnsbl2.zone" $ARGS --dnsbl other.test
t "two zones: clean on one, listed on the other" bash -c "grep -q '^PASS ip.dnsbl .* not listed on dnsbl.test' '$tmp/st.out' && grep -q '^FAIL ip.dnsbl .* listed on other.test' '$tmp/st.out'"

# ================================================================ usage
st 64 "no domain: exit 64" cd_ --zone "$tmp/clean.zone"
st 64 "unknown option: exit 64" cd_ example.com --bogus
st 64 "--key before --selector: exit 64" cd_ example.com --key "$K/rsa2026.private"
st 64 "bad --ip: exit 64" cd_ example.com --ip 192.0.2 --zone "$tmp/clean.zone"
st 64 "bad domain: exit 64" cd_ 'exa mple.com' --zone "$tmp/clean.zone"
st 66 "missing key file: exit 66" cd_ example.com --zone "$tmp/clean.zone" --selector x --key "$tmp/nonexistent"
st 66 "missing zone file: exit 66" cd_ example.com --zone "$tmp/nonexistent"
st 66 "missing config: exit 66" cd_ -c "$tmp/nonexistent" --zone "$tmp/clean.zone"
t "usage lists check-domain" bash -c "'$AM_TOOL' --help | grep -q '^  check-domain '"

# ================================================================ -c
printf '%s\n' "rsa2026._domainkey.example.com example.com:rsa2026:$K/rsa2026.private" \
    "ed2026._domainkey.example.com example.com:ed2026:$K/ed2026.private" > "$tmp/kt"
printf '*@example.com rsa2026._domainkey.example.com\n' > "$tmp/st"
printf 'Mode sv\nSocket local:%s\nKeyTable file:%s\nSigningTable refile:%s\nCanonicalization relaxed/relaxed\n' \
    "$tmp/sock" "$tmp/kt" "$tmp/st" > "$tmp/good.conf"
st 0 "-c: exit 0" cd_ -c "$tmp/good.conf" --zone "$tmp/clean.zone" --ip 192.0.2.25 --dnsbl dnsbl.test
t "-c: the domain comes from the KeyTable" grep -q '^PASS spf.record example.com: ' "$tmp/st.out"
t "-c: both keys matched" test "$(grep -c '^PASS dkim.match example.com: ' "$tmp/st.out")" = 2
t "-c: PASS dkim.canon" grep -q '^PASS dkim.canon example.com: .*relaxed/relaxed' "$tmp/st.out"
sed 's|relaxed/relaxed|simple/simple|' "$tmp/good.conf" > "$tmp/simple.conf"
st 0 "-c simple/simple: exit 0" cd_ -c "$tmp/simple.conf" --zone "$tmp/clean.zone" --ip 192.0.2.25 --dnsbl dnsbl.test
t "-c simple/simple: WARN dkim.canon with the fix" grep -q '^WARN dkim.canon example.com: .* -- fix: set "Canonicalization relaxed/relaxed"' "$tmp/st.out"
printf '%s\n' "k %:rsa2026:$K/rsa2026.private" > "$tmp/kt-from"
printf '*@example.com k\n' > "$tmp/st-from"
printf 'Mode sv\nSocket local:%s\nKeyTable file:%s\nSigningTable refile:%s\n' \
    "$tmp/sock" "$tmp/kt-from" "$tmp/st-from" > "$tmp/from.conf"
st 0 "-c with a d=% key: exit 0" cd_ -c "$tmp/from.conf" --zone "$tmp/clean.zone" --ip 192.0.2.25 --dnsbl dnsbl.test
t "-c with a d=% key: the domain comes from the SigningTable, key matched" grep -q '^PASS dkim.match example.com: selector rsa2026' "$tmp/st.out"
st 1 "-c: a mismatched key in DNS: exit 1" cd_ -c "$tmp/good.conf" --zone "$tmp/dkim-mismatch.zone" --ip 192.0.2.25 --dnsbl dnsbl.test
t "-c: FAIL dkim.match for rsa2026" grep -q '^FAIL dkim.match example.com: selector rsa2026' "$tmp/st.out"

# ================================================================ SMTP
reset; Z_EXTRA='1.0.0.127.in-addr.arpa. IN PTR mail.example.com.'
zone "$tmp/smtp.zone"
# smtp MODE: starts the scripted server; sets PORT
smtp() {
	[ -n "$smtpd_pid" ] && kill "$smtpd_pid" 2>/dev/null && wait "$smtpd_pid" 2>/dev/null
	rm -f "$tmp/port"; : > "$tmp/smtp.log"
	$PY "$D/smtpd.py" "$1" "$tmp/port" "$tmp/smtp.log" & smtpd_pid=$!
	for _ in $(seq 50); do [ -s "$tmp/port" ] && break; sleep 0.1; done
	PORT=$(cat "$tmp/port" 2>/dev/null)
}
smtp good
st 0 "smtp good: exit 0" cd_ example.com --zone "$tmp/smtp.zone" $ARGS --smtp "127.0.0.1:$PORT"
t "smtp good: every finding is PASS" bash -c "! grep -v '^PASS ' '$tmp/st.out'"
for c in smtp.connect smtp.banner smtp.ehlo smtp.starttls smtp.postmaster smtp.abuse smtp.relay ip.helo; do
	t "smtp good: PASS $c" grep -q "^PASS $c example.com: " "$tmp/st.out"
done
t "smtp good: postmaster and abuse asked, relay tried, QUIT, never DATA" bash -c "
grep -qx 'RCPT TO:<postmaster@example.com>' '$tmp/smtp.log' &&
grep -qx 'RCPT TO:<abuse@example.com>' '$tmp/smtp.log' &&
grep -qx 'RCPT TO:<relay-test@example.net>' '$tmp/smtp.log' &&
tail -n 1 '$tmp/smtp.log' | grep -qx QUIT && ! grep -qi '^DATA' '$tmp/smtp.log'"
smtp open
st 1 "smtp open relay: exit 1" cd_ example.com --zone "$tmp/smtp.zone" $ARGS --smtp "127.0.0.1:$PORT"
t "smtp open relay: FAIL smtp.relay and nothing else" test "$(non_pass)" = "FAIL smtp.relay"
t "smtp open relay: still never DATA" bash -c "! grep -qi '^DATA' '$tmp/smtp.log'"
smtp notls
st 1 "smtp without STARTTLS: exit 1" cd_ example.com --zone "$tmp/smtp.zone" $ARGS --smtp "127.0.0.1:$PORT"
t "smtp without STARTTLS: FAIL smtp.starttls and nothing else" test "$(non_pass)" = "FAIL smtp.starttls"
smtp noabuse
st 0 "smtp refusing abuse@: exit 0" cd_ example.com --zone "$tmp/smtp.zone" $ARGS --smtp "127.0.0.1:$PORT"
t "smtp refusing abuse@: WARN smtp.abuse and nothing else" test "$(non_pass)" = "WARN smtp.abuse"
smtp banner=host.example.org
st 0 "smtp greeting as another name: exit 0" cd_ example.com --zone "$tmp/smtp.zone" $ARGS --smtp "127.0.0.1:$PORT"
t "smtp greeting as another name: WARN banner, ehlo, ip.helo" test "$(non_pass | tr '\n' ,)" = "WARN ip.helo,WARN smtp.banner,WARN smtp.ehlo,"
smtp flood
st 1 "smtp EHLO reply that never ends: exit 1" timeout 60 "$AM_TOOL" check-domain example.com --zone "$tmp/smtp.zone" $ARGS --smtp "127.0.0.1:$PORT"
t "smtp EHLO reply that never ends: FAIL smtp.ehlo after 200 lines" grep -q '^FAIL smtp.ehlo .*reply of more than 200 lines' "$tmp/st.out"
kill "$smtpd_pid" 2>/dev/null; wait "$smtpd_pid" 2>/dev/null; smtpd_pid=
# A port nobody listens on (the server's, now closed).
st 1 "smtp nothing listening: exit 1" cd_ example.com --zone "$tmp/smtp.zone" $ARGS --smtp "127.0.0.1:$PORT"
t "smtp nothing listening: FAIL smtp.connect" grep -q '^FAIL smtp.connect ' "$tmp/st.out"
st 1 "smtp bad HOST:PORT: exit 1" cd_ example.com --zone "$tmp/smtp.zone" $ARGS --smtp "127.0.0.1:99999"
t "smtp bad HOST:PORT: FAIL smtp.connect" grep -q '^FAIL smtp.connect .*not HOST\[:PORT\]' "$tmp/st.out"

echo "1..$n"
exit $bad
