#!/usr/bin/env bash
# tool - the authmilter-tool sign and verify contract (TAP)
set -u
: "${AM_TOOL:?}" "${top_srcdir:?}"
C=$top_srcdir/conf
Z=$C/demo.zone
T=1764072000
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
n=0; bad=0
ok()  { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; bad=1; [ -f "$tmp/out" ] && sed 's/^/#   /' "$tmp/out" | head -20; }
t() { # description, then a command; passes when it exits 0
	local d=$1; shift
	if "$@" >"$tmp/out" 2>&1; then ok "$d"; else nok "$d"; fi
}
sign() { "$AM_TOOL" sign "$@"; }
verify() { "$AM_TOOL" verify --zone "$Z" --now $((T + 60)) "$@"; }
rsa() { echo -d example.net -s rsa2026 -k "$C/demo-rsa.key"; }
ed()  { echo -d example.net -s ed2026 -k "$C/demo-ed25519.key"; }

# shellcheck disable=SC2046
sign $(rsa) -T $T "$C/demo.eml" > "$tmp/rsa.eml"
t "rsa: signed message verifies" grep -qx 'dkim=pass (2048-bit key) header.d=example.net header.i=@example.net header.s=rsa2026 header.a=rsa-sha256 header.b=.*' <(verify "$tmp/rsa.eml")
sign $(ed) -T $T "$C/demo.eml" > "$tmp/ed.eml"
t "ed25519: signed message verifies" grep -qx 'dkim=pass (256-bit key) header.d=example.net header.i=@example.net header.s=ed2026 header.a=ed25519-sha256 header.b=.*' <(verify "$tmp/ed.eml")
sign $(rsa) $(ed) -T $T "$C/demo.eml" > "$tmp/dual.eml"
t "dual signature: two DKIM-Signature fields" test "$(grep -c '^DKIM-Signature:' "$tmp/dual.eml")" -eq 2
t "dual signature: both pass, in header order (rsa first)" \
	bash -c "verify() { \"$AM_TOOL\" verify --zone \"$Z\" --now $((T + 60)) \"\$@\"; }; verify '$tmp/dual.eml' | awk '{print \$1, \$NF}' | sed 's/header.b=.*//' | tr '\n' ' ' | grep -qx 'dkim=pass  dkim=pass  '"
t "dual signature: rsa result then ed25519 result" bash -c "\"$AM_TOOL\" verify --zone '$Z' --now $((T+60)) '$tmp/dual.eml' | grep -o 'header.a=[a-z0-9-]*' | tr '\n' ' ' | grep -qx 'header.a=rsa-sha256 header.a=ed25519-sha256 '"
t "the message follows the signature unchanged" cmp <(sed -n '/^From:/,$p' "$tmp/rsa.eml") "$C/demo.eml"
sign $(rsa) -T $T "$C/demo.eml" > "$tmp/rsa2.eml"
t "deterministic for a fixed time (rsa)" cmp "$tmp/rsa.eml" "$tmp/rsa2.eml"
sign $(ed) -T $T "$C/demo.eml" > "$tmp/ed2.eml"
t "deterministic for a fixed time (ed25519)" cmp "$tmp/ed.eml" "$tmp/ed2.eml"
t "t= is the given time" grep -q "t=$T;" "$tmp/rsa.eml"
t "From is oversigned by default" grep -q 'h=from:from:\|h=from:.*:from' <(tr -d '\n\t' < "$tmp/rsa.eml")
sign $(rsa) -T $T --no-oversign "$C/demo.eml" > "$tmp/noover.eml"
t "--no-oversign lists From once" test "$(tr -d '\n\t' < "$tmp/noover.eml" | grep -o 'h=[^;]*' | tr ':' '\n' | grep -cx 'h=from\|from')" -eq 1
t "no l= unless asked" bash -c "! grep -q ' l=' '$tmp/rsa.eml'"

# CRLF input gives CRLF output and verifies.
sed 's/$/\r/' "$C/demo.eml" > "$tmp/crlf.eml"
sign $(rsa) -T $T "$tmp/crlf.eml" > "$tmp/crlf-signed.eml"
t "CRLF input: output lines end in CRLF" bash -c "! grep -qv \$'\r\$' '$tmp/crlf-signed.eml'"
t "CRLF input: verifies" grep -q '^dkim=pass' <(verify "$tmp/crlf-signed.eml")
t "LF-signed message verifies after conversion to CRLF" grep -q '^dkim=pass' <(sed 's/$/\r/' "$tmp/rsa.eml" | verify)
t "stdin input (sign and verify)" grep -q '^dkim=pass' <(sign $(ed) -T $T < "$C/demo.eml" | verify)

# Verdicts, with exit status 0.
sed 's/corner/square/' "$tmp/rsa.eml" > "$tmp/body.eml"
t "body changed: fail, body hash mismatch" grep -q '^dkim=fail (2048-bit key) reason="body hash mismatch"' <(verify "$tmp/body.eml")
sed 's/^Subject: Lunch/Subject: Dinner/' "$tmp/rsa.eml" > "$tmp/subj.eml"
t "signed header changed: fail, signature verification failed" grep -q '^dkim=fail (2048-bit key) reason="signature verification failed"' <(verify "$tmp/subj.eml")
sed '/^Subject:/a From: mallory@example.com' "$tmp/rsa.eml" > "$tmp/from2.eml"
t "added second From (oversigned): fail" grep -q '^dkim=fail' <(verify "$tmp/from2.eml")
sed '/^Subject:/a X-Extra: added' "$tmp/rsa.eml" > "$tmp/extra.eml"
t "added unsigned header: still pass" grep -q '^dkim=pass' <(verify "$tmp/extra.eml")
t "verify exits 0 on a failing message" "$AM_TOOL" verify --zone "$Z" "$tmp/body.eml"
t "unsigned message: dkim=none" grep -qx 'dkim=none' <(verify "$C/demo.eml")
sign $(rsa) -T $T -x 3600 "$C/demo.eml" > "$tmp/x.eml"
t "x= before expiry: pass" grep -q '^dkim=pass' <("$AM_TOOL" verify --zone "$Z" --now $((T + 3000)) "$tmp/x.eml")
t "x= after expiry: fail, signature expired" grep -q '^dkim=fail reason="signature expired"' <("$AM_TOOL" verify --zone "$Z" --now $((T + 3601)) "$tmp/x.eml")
t "t= far in the future: fail" grep -q '^dkim=fail reason="signature timestamp in the future"' <("$AM_TOOL" verify --zone "$Z" --now $((T - 3600)) "$tmp/rsa.eml")
t "t= within the clock skew: pass" grep -q '^dkim=pass' <("$AM_TOOL" verify --zone "$Z" --now $((T - 100)) "$tmp/rsa.eml")
sign $(rsa) -T $T -l "$C/demo.eml" > "$tmp/l.eml"
t "-l adds l=" grep -q ' l=[0-9]*;' "$tmp/l.eml"
t "l= covering the whole body: pass" grep -q '^dkim=pass' <(verify "$tmp/l.eml")
{ cat "$tmp/l.eml"; echo "Appended: click here"; } > "$tmp/l-app.eml"
t "content after l=: policy by default (strict)" grep -q '^dkim=policy (2048-bit key) reason="unsigned content after l="' <(verify "$tmp/l-app.eml")
t "content after l= under --l-policy honour: pass" grep -q '^dkim=pass' <(verify --l-policy honour "$tmp/l-app.eml")
t "any l= under --l-policy refuse: policy" grep -q '^dkim=policy reason="l= not accepted"' <(verify --l-policy refuse "$tmp/l.eml")
t "key missing from DNS: permerror no key" grep -q '^dkim=permerror reason="no key for signature"' <("$AM_TOOL" verify --zone "$top_srcdir/t/vectors/rfc6376-appendix-A/zone.derived" "$tmp/rsa.eml")
printf ';@fail rsa2026._domainkey.example.net SERVFAIL\n' > "$tmp/fail.zone"
cat "$Z" >> "$tmp/fail.zone"
t "key query SERVFAIL: temperror" grep -q '^dkim=temperror reason="key query failed' <("$AM_TOOL" verify --zone "$tmp/fail.zone" --now $T "$tmp/rsa.eml")
t "--min-key-bits 3072 refuses a 2048-bit key: policy" grep -q '^dkim=policy (2048-bit key) reason="2048-bit key is too short"' <(verify --min-key-bits 3072 "$tmp/rsa.eml")

# Messages that must not be signed, and usage errors: non-zero exit.
printf 'From: a@example.net\nFrom: b@example.net\nSubject: x\n\nbody\n' > "$tmp/twofrom.eml"
t "two From fields: sign refuses" bash -c "! \"$AM_TOOL\" sign -d example.net -s rsa2026 -k '$C/demo-rsa.key' '$tmp/twofrom.eml' >/dev/null 2>&1"
printf 'Subject: x\n\nbody\n' > "$tmp/nofrom.eml"
t "no From field: sign refuses" bash -c "! \"$AM_TOOL\" sign -d example.net -s rsa2026 -k '$C/demo-rsa.key' '$tmp/nofrom.eml' >/dev/null 2>&1"
t "sign without -k: usage error" bash -c "\"$AM_TOOL\" sign -d example.net -s x '$C/demo.eml' >/dev/null 2>&1; test \$? -eq 64"
t "sign with an unreadable key: error" bash -c "! \"$AM_TOOL\" sign -d example.net -s x -k /nonexistent '$C/demo.eml' >/dev/null 2>&1"
t "verify a missing file: error" bash -c "! \"$AM_TOOL\" verify --zone '$Z' /nonexistent >/dev/null 2>&1"
t "verify with an unknown option: usage error" bash -c "\"$AM_TOOL\" verify --bogus '$C/demo.eml' >/dev/null 2>&1; test \$? -eq 64"
t "unknown command: usage error" bash -c "\"$AM_TOOL\" frobnicate >/dev/null 2>&1; test \$? -eq 64"

echo "1..$n"
exit $bad
