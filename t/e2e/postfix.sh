#!/usr/bin/env bash
# t/e2e/postfix.sh - authmilter end to end inside a real Postfix, with real DNS
#
# A private Postfix instance (SMTP on a random loopback port, smtpd_milters =
# unix:$W/milter/authmilter.sock, milter_protocol 6, milter_default_action
# tempfail) delivers through a pipe into files; NSD on a random loopback port
# serves the DKIM keys generated for this run.  Checks:
#   sign     mail from 127.0.0.1 (InternalHosts) is delivered with one
#            DKIM-Signature (d=example.test s=rsa), and dkimpy verifies it with
#            the key from NSD
#   verify   that message re-sent from 127.0.0.2 gets
#            "Authentication-Results: mx.example.test; dkim=pass" on top
#   tamper   a copy with its body changed gets dkim=fail
#   forged   two forged "mx.example.test; dkim=pass" A-R headers (one on top,
#            one among the other headers) are removed, our genuine one is added,
#            another server's A-R is kept
#   dual     KeyTable with an RSA and an Ed25519 key, two SigningTable lines
#            (MultipleSignatures): both signatures pass dkimpy and authmilter
#   authres  every Authentication-Results in every delivered file parses with
#            python3-authres
#   stop     SIGTERM: the daemon exits promptly, removing socket and pid file
#
# Env: top_builddir (the daemon is $top_builddir/milter/authmilter),
#      top_srcdir, AM_TOOL; E2E_MILTER=opendkim runs the same checks with
#      Debian's opendkim as the milter (the reference); KEEP=1 keeps $W.
# Needs root (prints "1..0 # SKIP" otherwise).  Loopback only.  TAP.

# shellcheck source=t/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

E2E_MILTER=${E2E_MILTER:-authmilter}
e2e_init postfix

case $E2E_MILTER in
authmilter)
	MILTER_BIN=$AM_MILTER
	;;
opendkim)
	MILTER_BIN=/usr/sbin/opendkim
	;;
*) e2e_bail "E2E_MILTER is authmilter or opendkim, not $E2E_MILTER" ;;
esac
tap_diag "milter under test: $E2E_MILTER ($MILTER_BIN)"
[ -x "$MILTER_BIN" ] || e2e_bail "milter binary exists" "$MILTER_BIN is not built"

SMTP_PORT=$(free_port)
DNS_PORT=$(free_port)
M=$W/milter
SOCK=$M/$E2E_MILTER.sock
PIDFILE=$M/$E2E_MILTER.pid

# ---------------------------------------------------------------- keys and DNS
# rsa: d=example.test s=rsa; for dual.example.test the same RSA key (s=rsa)
# and an Ed25519 key (s=ed)
k_rc=0
make_key rsa rsa "$DOMAIN" rsa || k_rc=1
make_key ed ed25519 "dual.$DOMAIN" ed || k_rc=1
publish rsa "dual.$DOMAIN" rsa || k_rc=1
tap_ok $k_rc "DKIM keys generated (RSA-2048, Ed25519) with $KEYGEN_USED"

if ! start_nsd; then
	e2e_bail "NSD serves the test zones on 127.0.0.1:$DNS_PORT" \
	    "$(tail -5 "$W/dns/check.log" "$W/dns/nsd.log" 2>/dev/null)"
fi
dns_rc=0 detail=""
for n in "rsa._domainkey.$DOMAIN" "rsa._domainkey.dual.$DOMAIN" "ed._domainkey.dual.$DOMAIN"; do
	a=$(dnsq TXT "$n" | tr -d '" \n')
	case $a in v=DKIM1*p=?*) ;; *) dns_rc=1 detail="$detail $n=${a:-NONE}" ;; esac
done
tap_ok $dns_rc "NSD on 127.0.0.1:$DNS_PORT serves the three key records" "$detail"

# ---------------------------------------------------------------- milter config
cat >"$M/KeyTable" <<EOF
# keyname              domain:selector:private key
rsa                    $DOMAIN:rsa:$W/keys/rsa.private
dual-rsa               dual.$DOMAIN:rsa:$W/keys/rsa.private
dual-ed                dual.$DOMAIN:ed:$W/keys/ed.private
EOF
cat >"$M/SigningTable" <<EOF
*@$DOMAIN              rsa
*@dual.$DOMAIN         dual-rsa
*@dual.$DOMAIN         dual-ed
EOF
cat >"$M/$E2E_MILTER.conf" <<EOF
# written by t/e2e/postfix.sh
Mode                  sv
KeyTable              file:$M/KeyTable
SigningTable          refile:$M/SigningTable
MultipleSignatures    yes
# mail from these clients is signed; mail from any other client is verified
InternalHosts         127.0.0.1
Nameservers           127.0.0.1@$DNS_PORT
AuthservID            $MX
Socket                unix:$SOCK
PidFile               $PIDFILE
UMask                 0000
Canonicalization      ${E2E_CANON:-simple/simple}
SoftwareHeader        no
Syslog                no
LogWhy                yes
EOF
if [ "$E2E_MILTER" = opendkim ]; then
	# opendkim only: libunbound answers test. itself (recipe pitfall 1),
	# and it refuses keys below the world-writable /tmp (pitfall 2)
	cat >"$M/unbound.conf" <<EOF
server:
    local-zone: "test." nodefault
    do-ip6: no
EOF
	printf 'ResolverConfiguration %s\nRequireSafeKeys no\n' "$M/unbound.conf" >>"$M/$E2E_MILTER.conf"
	CONF_FLAG=-x
else
	CONF_FLAG=-c
fi

if "$MILTER_BIN" $CONF_FLAG "$M/$E2E_MILTER.conf" -n >"$W/log/check.log" 2>&1; then
	tap_ok 0 "$E2E_MILTER -n accepts the configuration"
else
	tap_ok 1 "$E2E_MILTER -n accepts the configuration" "exit $?" "$(head -10 "$W/log/check.log")"
fi

if start_milter m "$SOCK" "$PIDFILE" "$MILTER_BIN" $CONF_FLAG "$M/$E2E_MILTER.conf" -f; then
	tap_ok 0 "$E2E_MILTER starts in the foreground and listens on unix:$SOCK"
else
	e2e_bail "$E2E_MILTER starts in the foreground and listens on unix:$SOCK" \
	    "$(tail -10 "$W/log/m.log")"
fi
for _ in $(seq 40); do [ -s "$PIDFILE" ] && break; sleep 0.05; done
# shellcheck disable=SC2154 # set by start_milter
tap_is "$(head -n1 "$PIDFILE" 2>/dev/null | tr -dc 0-9)" "$MILTER_PID_m" "PidFile holds the daemon's pid"

if start_postfix "$SMTP_PORT:$SOCK"; then
	tap_ok 0 "Postfix private instance listens on 127.0.0.1:$SMTP_PORT"
else
	e2e_bail "Postfix private instance listens on 127.0.0.1:$SMTP_PORT" \
	    "$(tail -5 "$W/log/postfix.log")" "$(postfix_log)"
fi

summary() { $PY "$HELPER" summary "$1" "$MX" ${2:+"$2"}; }
first_hdr() {	# FILE - the first header field (insheader at index 0 lands
	# above Postfix's own Received:)
	$PY "$HELPER" headers "$1" | sed -n '1p' | cut -c1-200
}
nofile() { echo "no delivery: $(swaks_tail "$1")"; postfix_log 3; tail -n 3 "$W/log/m.log"; }

# ---------------------------------------------------------------- sign
SIGNED=$(deliver sign "$SMTP_PORT" --from "alice@$DOMAIN" --to bob@example.net \
    --header "Subject: e2e sign test" --body "signed body line 1")
if [ -n "$SIGNED" ]; then
	s=$(summary "$SIGNED")
	tap_is "${s%% ar=*}" "sig=$DOMAIN/rsa/rsa-sha256" \
	    "internal client: delivered with one DKIM-Signature d=$DOMAIN s=rsa" "$SIGNED"
	tap_is "$(grep -c '^Authentication-Results:' "$SIGNED")" 0 \
	    "internal client: signed, not verified (no Authentication-Results)"
	v=$($PY "$HELPER" verify "$SIGNED" "$DNS_PORT" 2>&1)
	tap_is "$v" "$DOMAIN rsa rsa-sha256 pass" "dkimpy verifies the signature with the key from NSD"
else
	tap_ok 1 "internal client: delivered with one DKIM-Signature" "$(nofile sign)"
	tap_ok 1 "internal client: signed, not verified" "nothing delivered"
	tap_ok 1 "dkimpy verifies the signature" "nothing delivered"
fi

# ---------------------------------------------------------------- verify, tamper
# ext NAME DATAFILE [FROM] - send DATAFILE from the external address
ext() {
	deliver "$1" "$SMTP_PORT" --local-interface "$EXT_IP" --from "${3:-alice@$DOMAIN}" \
	    --to "postmaster@$DOMAIN" --data "@$2"
}
if [ -n "$SIGNED" ]; then
	if f=$(ext verify "$SIGNED"); then
		tap_is "$(summary "$f" "$SIGNED")" "sig=none ar=1 dkim=pass/$DOMAIN/rsa" \
		    "external client: one Authentication-Results with dkim=pass, no new signature" "$f"
		tap_ok "$(first_hdr "$f" | grep -q "^Authentication-Results: $MX; dkim=pass" && echo 0 || echo 1)" \
		    "external client: 'Authentication-Results: $MX; dkim=pass' is the first header" \
		    "first header: $(first_hdr "$f")"
	else
		tap_ok 1 "external client: dkim=pass" "$(nofile verify)"
		tap_ok 1 "external client: A-R at the top" "nothing delivered"
	fi
	sed 's/^signed body line 1$/tampered body line 1/' "$SIGNED" >"$W/msg/tampered.eml"
	if f=$(ext tamper "$W/msg/tampered.eml"); then
		tap_is "$(summary "$f" "$SIGNED")" "sig=none ar=1 dkim=fail/$DOMAIN/rsa" \
		    "tampered body: dkim=fail" "$(grep -A2 '^Authentication-Results' "$f")"
	else
		tap_ok 1 "tampered body: dkim=fail" "$(nofile tamper)"
	fi
	# forged A-R: two carrying our authserv-id (one on top, one below
	# Subject, in another letter case), one of another server (kept)
	awk -v mx="$MX" -v MX="$(echo "$MX" | tr a-z A-Z)" '
	    NR == 1 { print "Authentication-Results: " mx "; dkim=pass header.d=bank.example header.s=forged1"
		      print "Authentication-Results: other.example.net; spf=pass smtp.mailfrom=bank.example" }
	    { print }
	    /^Subject:/ && !done { print "Authentication-Results: " MX ";"
				   print "\tdkim=pass header.d=bank.example header.s=forged2"; done = 1 }
	' "$SIGNED" >"$W/msg/forged.eml"
	if f=$(ext forged "$W/msg/forged.eml"); then
		tap_is "$(summary "$f" "$SIGNED")" "sig=none ar=1 dkim=pass/$DOMAIN/rsa" \
		    "forged A-R: both forged '$MX' headers removed, one genuine added" \
		    "$(grep -A1 '^Authentication-Results' "$f")"
		tap_is "$(grep -c 'bank\.example' "$f")" 1 \
		    "forged A-R: only the other server's A-R mentions bank.example" \
		    "$(grep -B1 'bank\.example' "$f")"
		tap_ok "$(grep -q '^Authentication-Results: other\.example\.net; spf=pass' "$f" && echo 0 || echo 1)" \
		    "forged A-R: the A-R of another authserv-id is kept"
	else
		tap_ok 1 "forged A-R: removed" "$(nofile forged)"
		tap_ok 1 "forged A-R: only the other server's A-R" "nothing delivered"
		tap_ok 1 "forged A-R: the other A-R is kept" "nothing delivered"
	fi
else
	for c in "external client: dkim=pass" "external client: A-R at the top" \
	    "tampered body: dkim=fail" "forged A-R: removed" \
	    "forged A-R: only the other server's A-R" "forged A-R: the other A-R is kept"; do
		tap_ok 1 "$c" "skipped: nothing was signed"
	done
fi

# ---------------------------------------------------------------- dual signing
if [ "$E2E_MILTER" = opendkim ]; then
	# opendkim's SignatureAlgorithm is global: it cannot sign one message
	# with an RSA and an Ed25519 key
	for _ in 1 2 3; do tap_skip "dual signing: opendkim 2.11 has one global SignatureAlgorithm"; done
	DUAL=skip
else
	DUAL=$(deliver dual "$SMTP_PORT" --from "carol@dual.$DOMAIN" --to bob@example.net \
    --header "Subject: e2e dual signing" --body "dual signed body")
fi
if [ "$DUAL" = skip ]; then
	:
elif [ -n "$DUAL" ]; then
	s=$(summary "$DUAL")
	got=$(echo "${s%% ar=*}" | sed 's/^sig=//' | tr ',' '\n' | sort | tr '\n' ',')
	tap_is "$got" "dual.$DOMAIN/ed/ed25519-sha256,dual.$DOMAIN/rsa/rsa-sha256," \
	    "dual signing: an RSA and an Ed25519 signature" "$s"
	v=$($PY "$HELPER" verify "$DUAL" "$DNS_PORT" 2>&1 | sort | tr '\n' ',')
	tap_is "$v" "dual.$DOMAIN ed ed25519-sha256 pass,dual.$DOMAIN rsa rsa-sha256 pass," \
	    "dual signing: dkimpy verifies both signatures"
	if f=$(ext dualv "$DUAL" "carol@dual.$DOMAIN"); then
		tap_is "$(summary "$f" "$DUAL")" \
		    "sig=none ar=1 dkim=pass/dual.$DOMAIN/ed,pass/dual.$DOMAIN/rsa" \
		    "dual signing: verified from outside, both dkim=pass in one A-R" \
		    "$(grep -A3 '^Authentication-Results' "$f")"
	else
		tap_ok 1 "dual signing: verified from outside" "$(nofile dualv)"
	fi
else
	tap_ok 1 "dual signing: two signatures" "$(nofile dual)"
	tap_ok 1 "dual signing: dkimpy verifies both" "nothing delivered"
	tap_ok 1 "dual signing: verified from outside" "nothing delivered"
fi

# ---------------------------------------------------------------- header bytes, big body
# Signed header fields whose bytes simple canonicalization keeps as they
# are: no space after the colon, a tab, several spaces, a folded field,
# trailing whitespace.  They reach the milter verbatim only with SMFIP_HDR_LEADSPC.
# Then a 300 KB body: Postfix sends it in several 65535-byte body chunks.
printf '%s\n' "From: Alice <alice@$DOMAIN>" "To:bob@example.net" "Subject:	tab,  two spaces," \
    "   folded with spaces, trailing blanks  " "Date:    Mon, 1 Jan 2024 00:00:00 +0000" \
    "Message-ID: <ws.1@$DOMAIN>  " "" "body" >"$W/msg/ws.eml"
{
	printf '%s\n' "From: Alice <alice@$DOMAIN>" "To: bob@example.net" "Subject: big" \
	    "Date: Mon, 1 Jan 2024 00:00:00 +0000" "Message-ID: <big.1@$DOMAIN>" ""
	for i in $(seq 4000); do printf 'line %05d of a big body, with  two spaces and a tab\there.\n' "$i"; done
} >"$W/msg/big.eml"
for m in ws big; do
	desc="odd header whitespace (c=${E2E_CANON:-simple/simple})"
	[ $m = big ] && desc="$(wc -c <"$W/msg/big.eml") byte body (several body chunks)"
	if f=$(deliver "int-$m" "$SMTP_PORT" --from "alice@$DOMAIN" --to bob@example.net \
	    --data "@$W/msg/$m.eml"); then
		v=$($PY "$HELPER" verify "$f" "$DNS_PORT" 2>&1)
		tap_is "$v" "$DOMAIN rsa rsa-sha256 pass" "$desc: signed, dkimpy verifies" "$f"
		if g=$(ext "ext-$m" "$f"); then
			tap_is "$(summary "$g" "$f")" "sig=none ar=1 dkim=pass/$DOMAIN/rsa" \
			    "$desc: verified from outside: dkim=pass" "$(grep -A1 '^Authentication-Results' "$g")"
		else
			tap_ok 1 "$desc: verified from outside" "$(nofile "ext-$m")"
		fi
	else
		tap_ok 1 "$desc: signed" "$(nofile "int-$m")"
		tap_ok 1 "$desc: verified from outside" "nothing delivered"
	fi
done

# ---------------------------------------------------------------- unsigned, from outside
if f=$(deliver unsigned "$SMTP_PORT" --local-interface "$EXT_IP" \
    --from "news@news.$DOMAIN" --to "postmaster@$DOMAIN" \
    --header "Subject: e2e unsigned" --body "no signature here"); then
	s=$(summary "$f")
	case $E2E_MILTER:$s in
	"authmilter:sig=none ar=1 dkim=none/"*) tap_ok 0 "external unsigned mail: dkim=none" ;;
	"opendkim:sig=none ar=0 dkim=none") tap_skip "external unsigned mail: opendkim adds no A-R" ;;
	*) tap_ok 1 "external unsigned mail: dkim=none" "got: $s" ;;
	esac
else
	tap_ok 1 "external unsigned mail: dkim=none" "$(nofile unsigned)"
fi

# ---------------------------------------------------------------- authres
files=$(ls "$W"/out/*.eml 2>/dev/null | wc -l)
if out=$($PY "$HELPER" authres "$W"/out/*.eml 2>&1); then
	tap_ok 0 "python3-authres parses all ${out#ok } Authentication-Results headers in $files delivered files"
else
	tap_ok 1 "python3-authres parses every Authentication-Results header" "$out"
fi

# ---------------------------------------------------------------- shutdown
stop_postfix
t=$(stop_milter m)
tap_ok "$(case $t in killed | "") echo 1 ;; *) echo 0 ;; esac)" \
    "SIGTERM: $E2E_MILTER exits (in ${t:-?} s)" "$(tail -n 5 "$W/log/m.log")"
if [ "$E2E_MILTER" = authmilter ]; then
	tap_ok "$( [ ! -e "$SOCK" ] && [ ! -e "$PIDFILE" ] && echo 0 || echo 1)" \
	    "SIGTERM: socket and pid file removed" "$(ls -l "$SOCK" "$PIDFILE" 2>&1)"
fi
if grep -qiE 'sanitizer|segmentation|core dumped|assert' "$W/log/m.log"; then
	tap_ok 1 "no crash or sanitizer report in the milter's log" "$(grep -iE -m5 'sanitizer|segmentation|assert' "$W/log/m.log")"
else
	tap_ok 0 "no crash or sanitizer report in the milter's log"
fi
tap_done
