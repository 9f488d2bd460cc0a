# shellcheck shell=bash disable=SC2034
# t/interop/lib.sh - shared helpers for the interop TAP scripts (sourced)
#
# Environment (set by `make check`, or by hand):
#   AM_TOOL      path of the built authmilter-tool
#   top_srcdir   source tree (for the helpers next to this file)
#   SHARED_DIR   /work/shared (unused here, accepted for symmetry)
#
# Provides: TAP output (tap_ok, tap_is, tap_done), a scratch directory
# $T removed on exit, key generation, key records and zone files, and
# wrappers around authmilter-tool.  No network: every key record is
# handed to the verifiers directly (zone file, monkeypatched resolver)
# or served by a daemon on 127.0.0.1.
#
# Oracles are found by absolute path: Debian's Python modules live in
# /usr/bin/python3's site-packages, and the python3 first on PATH may
# be another build that cannot import them.

set -u
export LC_ALL=C

PY=/usr/bin/python3
IO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
AM_TOOL=${AM_TOOL:-${top_builddir:-.}/tool/authmilter-tool}
DOMAIN=example.test

T=$(mktemp -d "${TMPDIR:-/tmp}/am-interop.XXXXXX") || exit 99
IO_CLEANUP=""			# extra commands run on exit (daemons)
trap 'eval "$IO_CLEANUP"; rm -rf "$T"' EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- TAP
TAP_N=0
TAP_FAIL=0

# tap_ok STATUS DESCRIPTION [DIAG...] - STATUS 0 is ok
tap_ok() {
	local st=$1 desc=$2 line
	shift 2
	TAP_N=$((TAP_N + 1))
	if [ "$st" = 0 ]; then
		echo "ok $TAP_N - $desc"
	else
		TAP_FAIL=$((TAP_FAIL + 1))
		echo "not ok $TAP_N - $desc"
		for line in "$@"; do
			printf '%s\n' "$line" | sed 's/^/#   /'
		done
	fi
}

# tap_is GOT WANT DESCRIPTION [DIAG...]
tap_is() {
	local got=$1 want=$2 desc=$3
	shift 3
	if [ "$got" = "$want" ]; then
		tap_ok 0 "$desc"
	else
		tap_ok 1 "$desc" "got:  $got" "want: $want" "$@"
	fi
}

tap_diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

tap_done() {
	echo "1..$TAP_N"
	[ "$TAP_FAIL" = 0 ]
	exit $?
}

# need_cmd DESCRIPTION CMD... - a missing oracle is a failure, not a skip
need_cmd() {
	local what=$1
	shift
	if "$@" >"$T/need.out" 2>&1; then
		tap_ok 0 "oracle available: $what"
		return 0
	fi
	tap_ok 1 "oracle available: $what" "command failed: $*" \
	    "$(head -5 "$T/need.out")" \
	    "install it (CI installs every oracle; a missing one is a failure)"
	return 1
}

need_tool() {
	if [ -x "$AM_TOOL" ]; then
		tap_ok 0 "authmilter-tool is built: $AM_TOOL"
		return 0
	fi
	tap_ok 1 "authmilter-tool is built: $AM_TOOL" \
	    "set AM_TOOL or build tool/authmilter-tool first"
	return 1
}

# ---------------------------------------------------------------- keys
# genkey NAME rsa|ed25519 - writes $T/NAME.pem (PKCS#8) and records the
# DNS key record "v=DKIM1; k=...; p=..." for NAME._domainkey.$DOMAIN in
# $T/keys.txt (NAME TAB record), the table the helpers read.
genkey() {
	local name=$1 alg=$2 p
	case $alg in
	rsa)
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
		    -out "$T/$name.pem" 2>/dev/null || return 1
		p=$(openssl pkey -in "$T/$name.pem" -pubout -outform DER |
		    base64 -w0)
		;;
	ed25519)
		openssl genpkey -algorithm ED25519 -out "$T/$name.pem" ||
		    return 1
		# RFC 8463: p= is the raw 32-byte public key, not an SPKI
		p=$(openssl pkey -in "$T/$name.pem" -pubout -outform DER |
		    tail -c 32 | base64 -w0)
		;;
	esac
	printf '%s._domainkey.%s\tv=DKIM1; k=%s; p=%s\n' \
	    "$name" "$DOMAIN" "$alg" "$p" >>"$T/keys.txt"
}

# write_zone FILE - a zone file for $DOMAIN with every key in keys.txt;
# long TXT data is split into 250-byte character-strings.
write_zone() {
	{
		printf '$ORIGIN %s.\n$TTL 300\n' "$DOMAIN"
		printf '@ IN SOA ns.%s. hostmaster.%s. ( 1 3600 600 86400 300 )\n' \
		    "$DOMAIN" "$DOMAIN"
		printf '@ IN NS ns.%s.\nns IN A 127.0.0.1\n' "$DOMAIN"
		while IFS="$(printf '\t')" read -r name rec; do
			printf '%s. IN TXT (' "$name"
			while [ -n "$rec" ]; do
				printf ' "%s"' "${rec:0:250}"
				rec=${rec:250}
			done
			printf ' )\n'
		done <"$T/keys.txt"
	} >"$1"
}

# ---------------------------------------------------------------- messages
# The base message: LF line ends (the tool accepts LF and CRLF), a folded
# header, a repeated header (two Received), whitespace runs and trailing
# whitespace in the body, and trailing empty lines.
write_base_msg() {
	printf '%s\n' \
	    'Received: from a.example.net by mx.example.test; Mon, 1 Jan 2024 00:00:02 +0000' \
	    'Received: from b.example.net by a.example.net; Mon, 1 Jan 2024 00:00:01 +0000' \
	    'From: Alice Example <alice@example.test>' \
	    'To: Bob <bob@example.net>,' \
	    '    Carol <carol@example.net>' \
	    'Subject: interop test message' \
	    'Date: Mon, 1 Jan 2024 00:00:00 +0000' \
	    'Message-ID: <interop.1@example.test>' \
	    'MIME-Version: 1.0' \
	    'Content-Type: text/plain; charset=us-ascii' \
	    '' \
	    'Hello Bob,' \
	    '' \
	    'This line has  two spaces and a	tab inside.' \
	    'This line ends with spaces   ' \
	    '  and this one starts with two.' \
	    '' \
	    '-- ' \
	    'Alice' \
	    '' \
	    '' >"$1"
}

# An empty body (header block and the blank line only).
write_empty_msg() {
	printf '%s\n' \
	    'From: alice@example.test' \
	    'To: bob@example.net' \
	    'Subject: empty body' \
	    'Date: Mon, 1 Jan 2024 00:00:00 +0000' \
	    '' >"$1"
}

alg_of() {	# key name -> a= value
	case $1 in
	rsa*) echo rsa-sha256 ;;
	ed*) echo ed25519-sha256 ;;
	esac
}

to_crlf() { sed 's/\r$//; s/$/\r/' "$1" >"$2"; }

# ---------------------------------------------------------------- tampering
# tamper KIND IN OUT - write a modified copy of IN (a signed message from
# write_base_msg, LF or CRLF) to OUT.  Kinds, with the RFC 6376 verdict:
#   body-byte      one body byte changed            fail everywhere
#   subject        signed Subject value changed     fail everywhere
#   add-unsigned   X-Added: header added on top     pass everywhere
#   body-ws-inner  whitespace run in a body line
#                  changed (two spaces -> one space
#                  plus a tab)                      pass relaxed body only
#   body-ws-eol    trailing whitespace added/removed
#                  at body line ends                pass relaxed body only
#   hdr-fold       signed Subject refolded          pass relaxed header only
#   hdr-case       header field names upper-cased   pass relaxed header only
#   hdr-ws         spaces after the colon and inside
#                  the Subject value                pass relaxed header only
#   blank-tail     empty lines appended to body     pass everywhere (3.4.3/3.4.4)
#   append-line    a body line appended             fail without l=, pass with l=
#   from-prepend   a second From: added on top      fail if From oversigned,
#                                                   pass otherwise (h= picks
#                                                   instances bottom-up, 5.4.2)
tamper() {
	local kind=$1 in=$2 out=$3
	case $kind in
	body-byte) sed 's/^Hello Bob,/Hello Bob./' "$in" ;;
	subject) sed 's/^Subject: interop test message/Subject: interop test massage/' "$in" ;;
	add-unsigned) { printf 'X-Added: by a forwarder\n'; cat "$in"; } ;;
	body-ws-inner) sed 's/^This line has  two spaces/This line has \ttwo spaces/' "$in" ;;
	body-ws-eol) sed 's/^This line ends with spaces   /This line ends with spaces/; s/^Alice/Alice \t/' "$in" ;;
	hdr-fold) sed 's/^Subject: interop test message/Subject: interop test\n\tmessage/' "$in" ;;
	hdr-case) sed 's/^Subject:/SUBJECT:/; s/^Date:/date:/' "$in" ;;
	hdr-ws) sed 's/^Subject: interop test/Subject:   interop  \t test/' "$in" ;;
	blank-tail) { cat "$in"; printf '\n\n\n'; } ;;
	append-line) { cat "$in"; printf 'Appended by a mailing list\n'; } ;;
	from-prepend) { printf 'From: Mallory <mallory@example.net>\n'; cat "$in"; } ;;
	esac | if grep -q $'\r$' "$in"; then sed 's/\r$//; s/$/\r/'; else cat; fi >"$out"
	# (the edits above write LF; restore CRLF if the input had it)
}

# expected_tamper KIND CANON(h/b) HAS_L OVERSIGNED - prints pass or fail
expected_tamper() {
	local kind=$1 hc=${2%/*} bc=${2#*/} l=$3 over=$4
	case $kind in
	body-byte | subject) echo fail ;;
	add-unsigned | blank-tail) echo pass ;;
	body-ws-inner | body-ws-eol)
		[ "$bc" = relaxed ] && echo pass || echo fail ;;
	hdr-fold | hdr-case | hdr-ws)
		[ "$hc" = relaxed ] && echo pass || echo fail ;;
	append-line) [ "$l" = 1 ] && echo pass || echo fail ;;
	from-prepend) [ "$over" = 1 ] && echo fail || echo pass ;;
	esac
}

# am_expected_tamper KIND CANON HAS_L OVERSIGNED - what authmilter must print.
# Same as the RFC verdict, except for content after l=: the signature
# verifies, and the other implementations say pass, but authmilter reports
# dkim=policy reason="unsigned content after l=" (RFC 6376 8.2 lets a
# verifier distrust unsigned content; RFC 8601 2.7.1 "policy" is the
# result for a signature that verified but is not acceptable).
am_expected_tamper() {
	if [ "$1" = append-line ] && [ "$3" = 1 ]; then
		echo policy
	else
		expected_tamper "$@"
	fi
}

# tamper kinds whose verdict depends on l= or oversigning: these are also
# applied to the --no-oversign and -l variants
TAMPER_VARIANT_KINDS="append-line from-prepend blank-tail"

TAMPER_KINDS="body-byte subject add-unsigned body-ws-inner body-ws-eol
hdr-fold hdr-case hdr-ws blank-tail append-line from-prepend"
CANONS="simple/simple simple/relaxed relaxed/simple relaxed/relaxed"

# ---------------------------------------------------------------- the tool
# am_sign OUT ARGS... - authmilter-tool sign ARGS > OUT; stderr to OUT.err
am_sign() {
	local out=$1
	shift
	"$AM_TOOL" sign "$@" >"$out" 2>"$out.err"
}

# am_verify FILE [ARGS...] - prints the tool's result lines
am_verify() {
	local f=$1
	shift
	"$AM_TOOL" verify --zone "$T/zone" "$@" "$f" 2>"$T/am_verify.err"
	local rc=$?
	[ -s "$T/am_verify.err" ] && sed 's/^/stderr: /' "$T/am_verify.err"
	[ $rc = 0 ] || echo "exit status $rc"
}

# am_result LINES - the result word of the first dkim= line (pass, fail, ...)
am_result() {
	printf '%s\n' "$1" | sed -n 's/^dkim=\([a-z]*\).*/\1/p' | head -n1
}

# sig_tag FILE TAG [N] - value of TAG in the Nth (default 1st) DKIM-Signature,
# unfolded, with all whitespace removed
sig_tag() {
	awk -v n="${3:-1}" '
	    { sub(/\r$/, "") }
	    /^$/ { exit }
	    /^[ \t]/ { cur = cur $0; next }
	    { if (cur != "") hdr[++h] = cur; cur = $0 }
	    END {
		if (cur != "") hdr[++h] = cur
		for (i = 1; i <= h; i++)
			if (tolower(hdr[i]) ~ /^dkim-signature[ \t]*:/ && ++k == n) {
				sub(/^[^:]*:/, "", hdr[i]); print hdr[i]
			}
	    }' "$1" | tr -d ' \t' | tr ';' '\n' | sed -n "s/^$2=//p"
}

# oracle_field OUT FILE [IDX] COL - column COL of the oracle's line for
# FILE (signature IDX, or "-" for the whole message) in its output OUT.
oracle_field() {
	awk -F '\t' -v f="$2" -v i="${3:-0}" -v c="$4" \
	    '$1 == f && ($2 == i || $2 == "-") { print $c; exit }' "$1"
}

cname() { echo "${1%/*}-${1#*/}"; }	# relaxed/simple -> relaxed-simple

# variant_args VARIANT - the sign options of a signing variant:
# over = default (From oversigned), noover = --no-oversign, len = -l.
variant_args() {
	case $1 in
	over) ;;
	noover) echo --no-oversign ;;
	len) echo -l ;;
	esac
}
