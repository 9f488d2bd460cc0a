#!/usr/bin/env bash
# t/e2e/dropin.sh - authmilter as a drop-in for OpenDKIM
#
# ONE configuration file, KeyTable, SigningTable (refile: wildcards) and
# InternalHosts file, written as opendkim.conf(5) documents them, given
# unchanged to Debian's opendkim and then to authmilter (same Socket path,
# one after the other), each behind the same private Postfix instance with
# NSD on loopback.  The same traffic goes through both:
#   internal senders  with a key, with a wildcard key (KeyTable "%" domain,
#                     one and two labels deep), upper-case domain, without a
#                     key, look-alike domains (suffix, prefix, an address in
#                     the display name), from an InternalHosts CIDR, from an
#                     address the list excludes with "!"
#   external mail     unsigned, spoofing our domain, signed by dkimpy (RSA and
#                     Ed25519), tampered, signed with a key not in DNS, and
#                     the message each milter signed itself, sent back in
#   authenticated     an external address with a SASL login (Postfix XCLIENT
#                     LOGIN= sets {auth_type} and {auth_authen})
# For every message: opendkim's decision is checked against what
# opendkim.conf(5) promises (so the harness proves something), then
# authmilter must make the same decision: signed or not, with which d= and
# s=, and the same dkim= verdicts (with d= and s=) for verified mail.
# Headers other than those are not compared.  When opendkim adds no
# Authentication-Results (unsigned mail, AlwaysAddARHeader is off) the verdict
# counts as dkim=none.
#
# Why no .test domain here (postfix.sh uses example.test): opendkim resolves
# through libunbound, which answers test. itself unless the config has
# ResolverConfiguration, an opendkim-only option; the shared config must not
# need it.  Nameservers sends every query to NSD on loopback, so the names
# used here (example.com, example.net) are never asked of any other server.
#
# Env: top_builddir, top_srcdir; KEEP=1 keeps the scratch directory.
# Needs root (prints "1..0 # SKIP" otherwise).  TAP.

# shellcheck source=t/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

DOMAIN=example.com
MX=mx.example.com
ZONES="example.com example.net"
PARTNER=example.net
e2e_init dropin

[ -x /usr/sbin/opendkim ] || e2e_bail "opendkim (the reference) is installed"
[ -x "$AM_MILTER" ] || e2e_bail "authmilter is built" "$AM_MILTER is missing"

SMTP_PORT=$(free_port)
DNS_PORT=$(free_port)
C=$W/opendkim			# the OpenDKIM-style configuration directory
mkdir -p "$C" "$W/res"

# ---------------------------------------------------------------- keys, DNS
k_rc=0
make_key main rsa "$DOMAIN" dk2024 || k_rc=1
publish main "eu.$DOMAIN" sub || k_rc=1
make_key news rsa "$PARTNER" news || k_rc=1
make_key ned ed25519 "$PARTNER" ned || k_rc=1
cp "$W/keys/news.private" "$W/keys/gone.private"	# s=gone: never published
tap_ok $k_rc "keys generated (RSA-2048, Ed25519) with $KEYGEN_USED"
start_nsd || e2e_bail "NSD serves $ZONES on 127.0.0.1:$DNS_PORT" \
    "$(tail -5 "$W/dns/check.log" "$W/dns/nsd.log" 2>/dev/null)"

# ---------------------------------------------------------------- the OpenDKIM configuration
cat >"$C/opendkim.conf" <<EOF
# An OpenDKIM configuration as opendkim.conf(5) documents it.  Given
# unchanged to opendkim (-x) and to authmilter (-c).
Syslog			no
LogWhy			yes
UMask			000
Socket			local:$W/milter/dkim.sock
PidFile			$W/milter/dkim.pid

Mode			sv
Canonicalization	relaxed/simple
OversignHeaders		From
SoftwareHeader		no
AuthservID		$MX

KeyTable		file:$C/KeyTable
SigningTable		refile:$C/SigningTable
InternalHosts		file:$C/TrustedHosts

# DNS: only our loopback server
Nameservers		127.0.0.1@$DNS_PORT

# the scratch directory lies under the world-writable /tmp
RequireSafeKeys		false
EOF
cat >"$C/KeyTable" <<EOF
# key name			domain:selector:private key file
main._domainkey.$DOMAIN	$DOMAIN:dk2024:$W/keys/main.private
sub				%:sub:$W/keys/main.private
EOF
cat >"$C/SigningTable" <<EOF
# refile: wildcard patterns on the From address, in file order, first match
*@$DOMAIN		main._domainkey.$DOMAIN
*@*.$DOMAIN		sub
EOF
cat >"$C/TrustedHosts" <<EOF
# hosts whose mail is signed rather than verified (PeerList syntax)
127.0.0.1
::1
127.0.0.4/30
!127.0.0.6
.corp.$DOMAIN
EOF

# ---------------------------------------------------------------- static checks
if out=$("$AM_MILTER" -c "$C/opendkim.conf" -n 2>&1); then
	tap_ok 0 "authmilter -n accepts the OpenDKIM configuration and tables"
else
	tap_ok 1 "authmilter -n accepts the OpenDKIM configuration and tables" "$out"
fi
if [ -r /etc/opendkim.conf ]; then
	# Debian 12's stock file (no keys: verify only; UserID opendkim,
	# TrustAnchorFile, SyslogSuccess, Socket under /run)
	grep -v '^[[:space:]]*#' /etc/opendkim.conf | grep . >"$C/debian-stock.conf"
	if out=$("$AM_MILTER" -c /etc/opendkim.conf -n 2>&1); then
		tap_ok 0 "authmilter -n accepts Debian's stock /etc/opendkim.conf"
	else
		tap_ok 1 "authmilter -n accepts Debian's stock /etc/opendkim.conf" \
		    "$out" "the file: $(tr '\n' '|' <"$C/debian-stock.conf")"
	fi
fi

start_postfix "$SMTP_PORT:$W/milter/dkim.sock" ||
    e2e_bail "Postfix listens on 127.0.0.1:$SMTP_PORT" "$(tail -5 "$W/log/postfix.log")" "$(postfix_log)"

# ---------------------------------------------------------------- messages
msg() {	# FILE FROM SUBJECT - a fixed message (LF)
	printf '%s\n' "From: $2" "To: Postmaster <postmaster@$DOMAIN>" \
	    "Subject: $3" "Date: Mon, 1 Jan 2024 00:00:00 +0000" \
	    "Message-ID: <$(basename "$1" .eml)@dropin.test>" "MIME-Version: 1.0" \
	    "Content-Type: text/plain; charset=us-ascii" "" \
	    "Hello,  this is the $3 message." "" "-- " "sender" >"$1"
}
M=$W/msg
msg "$M/alice.eml" "Alice <alice@$DOMAIN>" "internal with key"
msg "$M/bob.eml" "Bob <bob@eu.$DOMAIN>" "internal wildcard"
msg "$M/carol.eml" "Carol <carol@example.org>" "internal without key"
msg "$M/spoof.eml" "Alice <alice@$DOMAIN>" "external spoof"
msg "$M/upper.eml" "Alice <Alice@EXAMPLE.COM>" "upper-case domain"
msg "$M/deep.eml" "Dee <dee@a.b.$DOMAIN>" "deep subdomain"
msg "$M/suffix.eml" "Eve <eve@not$DOMAIN>" "suffix lookalike"
msg "$M/prefix.eml" "Eve <eve@$DOMAIN.evil.example.net>" "prefix lookalike"
msg "$M/dispname.eml" "\"alice@$DOMAIN\" <eve@evil.example.net>" "address in the display name"
msg "$M/news.eml" "News <news@$PARTNER>" "external"
H="$PY $HELPER"
$H sign "$M/news.eml" "$M/news-rsa.eml" "$PARTNER" news "$W/keys/news.private" relaxed/simple &&
$H sign "$M/news.eml" "$M/news-ed.eml" "$PARTNER" ned "$W/keys/ned.private" relaxed/relaxed &&
$H sign "$M/news.eml" "$M/news-gone.eml" "$PARTNER" gone "$W/keys/gone.private" relaxed/simple ||
    e2e_bail "dkimpy signs the external messages"
sed 's/this is the external message/this is the altered message/' "$M/news-rsa.eml" >"$M/news-tampered.eml"

# cases: NAME|CLIENT|ENVELOPE FROM|DATA FILE|OPENDKIM'S DECISION[|AM=OD]
# CLIENT: an address to bind, or auth:ADDR (XCLIENT ADDR= LOGIN=alice).
# OPENDKIM'S DECISION is what opendkim.conf(5) promises (for ext-nokey, what
# opendkim 2.11 does).  AM=OD: a verdict word of authmilter's that counts as
# opendkim's, for one documented difference: a signature whose key record
# does not exist (NXDOMAIN) is "fail" in opendkim and "permerror" in
# authmilter (RFC 6376 6.1.2 PERMFAIL, RFC 8601 2.7.1 permerror).
CASES="
int-key|127.0.0.1|alice@$DOMAIN|alice.eml|sig=$DOMAIN/dk2024/rsa-sha256 dkim=none
int-wildcard|127.0.0.1|bob@eu.$DOMAIN|bob.eml|sig=eu.$DOMAIN/sub/rsa-sha256 dkim=none
int-nokey|127.0.0.1|carol@example.org|carol.eml|sig=none dkim=none
int-upper|127.0.0.1|alice@$DOMAIN|upper.eml|sig=$DOMAIN/dk2024/rsa-sha256 dkim=none
int-deep|127.0.0.1|dee@a.b.$DOMAIN|deep.eml|sig=a.b.$DOMAIN/sub/rsa-sha256 dkim=none
int-suffix|127.0.0.1|eve@not$DOMAIN|suffix.eml|sig=none dkim=none
int-prefix|127.0.0.1|eve@$DOMAIN.evil.example.net|prefix.eml|sig=none dkim=none
int-dispname|127.0.0.1|eve@evil.example.net|dispname.eml|sig=none dkim=none
int-cidr|127.0.0.5|alice@$DOMAIN|alice.eml|sig=$DOMAIN/dk2024/rsa-sha256 dkim=none
ext-negated|127.0.0.6|alice@$DOMAIN|alice.eml|sig=none dkim=none
ext-spoof|127.0.0.2|alice@$DOMAIN|spoof.eml|sig=none dkim=none
ext-unsigned|127.0.0.2|news@$PARTNER|news.eml|sig=none dkim=none
ext-rsa|127.0.0.2|news@$PARTNER|news-rsa.eml|sig=none dkim=pass/$PARTNER/news
ext-ed25519|127.0.0.2|news@$PARTNER|news-ed.eml|sig=none dkim=pass/$PARTNER/ned
ext-tampered|127.0.0.2|news@$PARTNER|news-tampered.eml|sig=none dkim=fail/$PARTNER/news
ext-nokey|127.0.0.2|news@$PARTNER|news-gone.eml|sig=none dkim=fail/$PARTNER/gone|permerror=fail
ext-resent|127.0.0.2|alice@$DOMAIN|SIGNED|sig=none dkim=pass/$DOMAIN/dk2024
auth|auth:203.0.113.7|alice@$DOMAIN|alice.eml|sig=$DOMAIN/dk2024/rsa-sha256 dkim=none
"

# decision FILE ORIG - "sig=... dkim=..." (A-R absent => dkim=none)
decision() {
	local s n d
	s=$($H summary "$1" "$MX" "$2")
	n=${s#* ar=}
	n=${n%% *}
	d=${s##* dkim=}
	[ "$n" = 0 ] && d=none
	[ "$d" = "none/-/-" ] && d=none
	echo "${s%% ar=*} dkim=$d$([ "$n" -gt 1 ] && echo " ar=$n")"
}

# run_traffic LABEL - every case through the milter now behind Postfix;
# results in $W/res/LABEL.NAME
run_traffic() {
	local label=$1 name client from data want map f in args
	while IFS='|' read -r name client from data want map; do
		[ -n "$name" ] || continue
		in=$M/$data
		[ "$data" = SIGNED ] && in=$(cat "$W/res/$label.int-key.file" 2>/dev/null)
		args=()
		case $client in
		127.0.0.1) ;;
		auth:*) args=(--local-interface 127.0.0.2 --xclient-addr "${client#auth:}"
			    --xclient-login alice) ;;
		*) args=(--local-interface "$client") ;;
		esac
		if [ -n "$in" ] && f=$(deliver "$label-$name" "$SMTP_PORT" "${args[@]}" \
		    --from "$from" --to "postmaster@$DOMAIN" --data "@$in"); then
			echo "$f" >"$W/res/$label.$name.file"
			decision "$f" "$in" >"$W/res/$label.$name"
		else
			echo "NOT DELIVERED: $(swaks_tail "$label-$name" | tr '\n' ' ')" >"$W/res/$label.$name"
		fi
	done <<<"$CASES"
}

# ---------------------------------------------------------------- opendkim, then authmilter
for label in opendkim authmilter; do
	case $label in
	opendkim) cmd=(/usr/sbin/opendkim -x "$C/opendkim.conf" -f) ;;
	authmilter) cmd=("$AM_MILTER" -c "$C/opendkim.conf" -f) ;;
	esac
	if start_milter "$label" "$W/milter/dkim.sock" "$W/milter/dkim.pid" "${cmd[@]}"; then
		tap_ok 0 "$label starts on the shared configuration"
		run_traffic "$label"
	else
		tap_ok 1 "$label starts on the shared configuration" "$(tail -n 10 "$W/log/$label.log")"
	fi
	t=$(stop_milter "$label")
	[ "$t" = killed ] && tap_diag "$label did not exit on SIGTERM within 15 s"
	rm -f "$W/milter/dkim.sock"	# a stale socket must not fake the next start
done

# ---------------------------------------------------------------- compare
while IFS='|' read -r name client from data want map; do
	[ -n "$name" ] || continue
	od=$(cat "$W/res/opendkim.$name" 2>/dev/null || echo "no result")
	am=$(cat "$W/res/authmilter.$name" 2>/dev/null || echo "no result")
	tap_is "$od" "$want" "$name: opendkim (reference): $want"
	note=""
	if [ -n "$map" ]; then
		am=$(echo "$am" | sed "s|dkim=${map%=*}/|dkim=${map#*=}/|g")
		note=" (authmilter's ${map%=*} counts as ${map#*=})"
	fi
	tap_is "$am" "$od" "$name: authmilter makes the same decision as opendkim$note" \
	    "authmilter file: $(cat "$W/res/authmilter.$name.file" 2>/dev/null)" \
	    "opendkim file:   $(cat "$W/res/opendkim.$name.file" 2>/dev/null)"
done <<<"$CASES"

if out=$($H authres "$W"/out/*.eml 2>&1); then
	tap_ok 0 "python3-authres parses all ${out#ok } Authentication-Results headers written"
else
	tap_ok 1 "python3-authres parses every Authentication-Results header" "$out"
fi
tap_done
