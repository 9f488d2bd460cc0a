#!/usr/bin/env bash
# authres-parse - every result authmilter-tool verify prints, made into an
# Authentication-Results header, parses with python3-authres and keeps
# its method, result, reason and header.* properties (TAP).
set -u
: "${AM_TOOL:?}" "${top_srcdir:?}"
C=$top_srcdir/conf
V=$top_srcdir/t/vectors
T=1764072000
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

sign() { "$AM_TOOL" sign -d example.net -s rsa2026 -k "$C/demo-rsa.key" \
	-d example.net -s ed2026 -k "$C/demo-ed25519.key" -T $T "$@"; }
sign "$C/demo.eml" > "$tmp/ok.eml"
sign -l "$C/demo.eml" > "$tmp/l.eml"; echo "tail" >> "$tmp/l.eml"
sed 's/corner/square/' "$tmp/ok.eml" > "$tmp/body.eml"
sed 's/^Subject: Lunch/Subject: Dinner/' "$tmp/ok.eml" > "$tmp/hdr.eml"
{ printf ';@fail rsa2026._domainkey.example.net SERVFAIL\n'; cat "$C/demo.zone"; } > "$tmp/fail.zone"
sed 's/a=rsa-sha256/a=rsa-sha1/' "$tmp/ok.eml" > "$tmp/sha1.eml"
sed 's/^DKIM-Signature: v=1;/DKIM-Signature: v=1; z==?utf-8?q?=C3=A9t=C3=A9?=;/' "$tmp/ok.eml" > "$tmp/ew.eml"
{
	"$AM_TOOL" verify --zone "$C/demo.zone" --now $T "$tmp/ok.eml"
	"$AM_TOOL" verify --zone "$C/demo.zone" --now $T "$tmp/l.eml"
	"$AM_TOOL" verify --zone "$C/demo.zone" --now $T "$tmp/body.eml"
	"$AM_TOOL" verify --zone "$C/demo.zone" --now $T "$tmp/hdr.eml"
	"$AM_TOOL" verify --zone "$tmp/fail.zone" --now $T "$tmp/ok.eml"
	"$AM_TOOL" verify --zone "$C/demo.zone" --now $T "$tmp/sha1.eml"
	"$AM_TOOL" verify --zone "$C/demo.zone" --now $T "$tmp/ew.eml"
	"$AM_TOOL" verify --zone "$V/rfc6376-appendix-A/zone.derived" --now $T "$tmp/ok.eml"
	"$AM_TOOL" verify --zone "$V/rfc8463-appendix-A/A2-dns.ttl.zone" "$V/rfc8463-appendix-A/A3-signed.eml"
	"$AM_TOOL" verify --zone "$C/demo.zone" "$C/demo.eml"
} > "$tmp/results" 2>/dev/null

/usr/bin/python3 - "$tmp/results" <<'PY'
import re, sys
try:
    import authres
except Exception as e:
    print("not ok 1 - python3-authres is importable (%s)" % e); print("1..1"); sys.exit(1)
n = bad = 0
seen = set()
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if not line:
        continue
    n += 1
    hdr = "Authentication-Results: mx.example.org; " + line
    try:
        ar = authres.AuthenticationResultsHeader.parse(hdr)
        r = ar.results[0]
        want_m, want_r = re.match(r"(\w+)=(\w+)", line).groups()
        good = r.method == want_m and r.result == want_r and ar.authserv_id == "mx.example.org"
        m = re.search(r'reason="([^"]*)"', line)
        if m:
            good = good and r.reason == m.group(1)
        props = {p.type + "." + p.name: p.value for p in r.properties}
        for k in ("header.d", "header.s", "header.a", "header.i", "header.b"):
            m = re.search(r"\b%s=(\"[^\"]*\"|\S+)" % re.escape(k), line)
            if m:
                good = good and props.get(k) == m.group(1).strip('"')
        why = ""
    except Exception as e:
        good, why = False, " (%s)" % e
    print("%sok %d - authres parses: %s%s" % ("" if good else "not ", n, line[:150], why))
    if not good:
        bad += 1
        print("#   parsed: %r" % (locals().get("props"),))
    seen.add(line.split()[0])
for want in ("dkim=pass", "dkim=fail", "dkim=policy", "dkim=temperror", "dkim=permerror", "dkim=none"):
    n += 1
    good = want in seen
    bad += not good
    print("%sok %d - a %s result was produced and parsed" % ("" if good else "not ", n, want))
print("1..%d" % n)
sys.exit(1 if bad else 0)
PY
