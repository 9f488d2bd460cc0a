#!/usr/bin/env bash
# rfc-vectors - the RFC 6376 and RFC 8463 test vectors through
# authmilter-tool verify, LF and CRLF forms both (TAP).
set -u
: "${AM_TOOL:?}" "${top_srcdir:?}"
V=$top_srcdir/t/vectors
n=0; bad=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

check() { # name file zone want-regex-per-line...
	local name=$1 file=$2 zone=$3; shift 3
	local form got i line
	for form in lf crlf; do
		if [ $form = crlf ]; then sed 's/$/\r/' "$file" > "$tmp/m"; else cp "$file" "$tmp/m"; fi
		if [ "$zone" = - ]; then
			got=$("$AM_TOOL" verify --zone "$V/rfc8463-appendix-A/A2-dns.ttl.zone" "$tmp/m" 2>"$tmp/err")
		else
			got=$("$AM_TOOL" verify --zone "$zone" "$tmp/m" 2>"$tmp/err")
		fi
		local rc=$?
		n=$((n + 1))
		local okay=1
		[ $rc -eq 0 ] || okay=0
		[ "$(printf '%s\n' "$got" | wc -l)" -eq $# ] || okay=0
		i=1
		for want in "$@"; do
			line=$(printf '%s\n' "$got" | sed -n "${i}p")
			printf '%s\n' "$line" | grep -Eq -- "$want" || okay=0
			i=$((i + 1))
		done
		if [ $okay = 1 ]; then echo "ok $n - $name ($form)"
		else echo "not ok $n - $name ($form)"; bad=1
			printf '%s\n' "$got" "exit $rc" | sed 's/^/#   got: /'
			sed 's/^/#   stderr: /' "$tmp/err"
			printf '#   want: %s\n' "$@"
		fi
	done
}

check "RFC 6376 A.1 unsigned message: none" \
	"$V/rfc6376-appendix-A/A1-unsigned.eml" - '^dkim=none$'
check "RFC 6376 A.2 as printed: body hash fails" \
	"$V/rfc6376-appendix-A/A2-signed-as-printed.eml" \
	"$V/rfc6376-appendix-A/zone.derived" \
	'^dkim=fail \(1024-bit key\) reason="body hash mismatch" header.d=example.com header.i=joe@football.example.com header.s=brisbane header.a=rsa-sha256 header.b='
check "RFC 6376 A.2 reconstructed: pass" \
	"$V/rfc6376-appendix-A/A2-signed-reconstructed.derived.eml" \
	"$V/rfc6376-appendix-A/zone.derived" \
	'^dkim=pass \(1024-bit key\) header.d=example.com header.i=joe@football.example.com header.s=brisbane header.a=rsa-sha256 header.b="?[A-Za-z0-9+/]{8}'
check "RFC 8463 A.3: ed25519 and rsa both pass, in header order" \
	"$V/rfc8463-appendix-A/A3-signed.eml" - \
	'^dkim=pass \(256-bit key\) header.d=football.example.com header.i=@football.example.com header.s=brisbane header.a=ed25519-sha256 header.b="/gCrinpc"$' \
	'^dkim=pass \(1024-bit key\) header.d=football.example.com header.i=@football.example.com header.s=test header.a=rsa-sha256 header.b=F45dVWDf$'

# Without the key in DNS: permerror, no key.
n=$((n + 1))
got=$("$AM_TOOL" verify --zone "$V/rfc6376-appendix-A/zone.derived" "$V/rfc8463-appendix-A/A3-signed.eml")
if [ "$(printf '%s\n' "$got" | grep -c '^dkim=permerror reason="no key for signature"')" -eq 2 ]; then
	echo "ok $n - RFC 8463 A.3 with no key published: permerror twice"
else echo "not ok $n - RFC 8463 A.3 with no key published"; printf '#   %s\n' "$got"; bad=1; fi

echo "1..$n"
exit $bad
