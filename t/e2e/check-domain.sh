#!/usr/bin/env bash
# t/e2e/check-domain.sh - authmilter-tool check-domain --smtp against a
# real Postfix on loopback
#
# One private Postfix instance (t/e2e/lib.sh) with two SMTP listeners
# and no milter: "closed" relays only for 127.0.0.2 (so the tool, on
# 127.0.0.1, is outside mynetworks) and offers STARTTLS with a
# self-signed certificate; "open" relays for 127.0.0.1 (the tool is
# inside mynetworks, as a misconfigured server lets everyone be) and has
# no TLS.  DNS for the tool comes from a zone file (--zone); Postfix
# does no DNS.  Checks:
#   closed  every smtp.* finding is PASS: the greeting and EHLO name
#           (mx.example.test) are the PTR name of 127.0.0.1, STARTTLS
#           is offered, postmaster@ and abuse@ are accepted (relay_domains),
#           the relay attempt is refused (554 Relay access denied)
#   open    smtp.relay and smtp.starttls FAIL and nothing else (besides
#           the WARN that no DKIM selector was given); exit 1
#   both    no message was ever queued (the tool quits after RCPT TO)
# Env: top_builddir, top_srcdir, AM_TOOL; KEEP=1 keeps $W.
# Needs root (prints "1..0 # SKIP" otherwise).  Loopback only.  TAP.

# shellcheck source=t/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init check-domain
[ -x "$AM_TOOL" ] || e2e_bail "authmilter-tool is built" "$AM_TOOL is missing"

P_CLOSED=$(free_port)
P_OPEN=$(free_port)
ETC=$W/postfix/etc

# ---------------------------------------------------------------- TLS, DNS
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$MX" \
    -keyout "$ETC/key.pem" -out "$ETC/cert.pem" >>"$W/log/openssl.log" 2>&1 ||
    e2e_bail "self-signed certificate made" "$(tail -3 "$W/log/openssl.log")"
cat "$ETC/key.pem" "$ETC/cert.pem" > "$ETC/tls.pem"
chmod 600 "$ETC/key.pem" "$ETC/tls.pem"
cat >"$W/dns/tool.zone" <<EOF
\$TTL 300
$DOMAIN.                  IN MX  10 $MX.
$MX.                      IN A   127.0.0.1
$DOMAIN.                  IN TXT "v=spf1 mx -all"
_dmarc.$DOMAIN.           IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@$DOMAIN"
1.0.0.127.in-addr.arpa.   IN PTR $MX.
EOF

# ---------------------------------------------------------------- Postfix
start_postfix "$P_CLOSED:$W/milter/none-closed.sock" "$P_OPEN:$W/milter/none-open.sock" ||
    e2e_bail "Postfix started" "$(tail -5 "$W/log/postfix.log")"
# No milter on either listener; per-listener relay and TLS settings.
sed -i \
    -e "s|^  -o smtpd_milters=unix:$W/milter/none-closed.sock\$|  -o smtpd_milters=\n  -o mynetworks=127.0.0.2/32\n  -o smtpd_tls_security_level=may\n  -o smtpd_tls_chain_files=$ETC/tls.pem|" \
    -e "s|^  -o smtpd_milters=unix:$W/milter/none-open.sock\$|  -o smtpd_milters=\n  -o mynetworks=127.0.0.0/8\n  -o smtpd_tls_security_level=none|" \
    "$ETC/master.cf"
timeout 30 postfix -c "$ETC" reload >>"$W/log/postfix.log" 2>&1 ||
    e2e_bail "Postfix reloaded" "$(tail -5 "$W/log/postfix.log")"
sleep 1
tap_ok "$(grep -c 'smtpd_milters=$' "$ETC/master.cf" | grep -qx 2; echo $?)" \
    "both listeners without a milter"

# check NAME PORT: runs the tool, output in $W/log/NAME.out, exit in RC
check() {
	"$AM_TOOL" check-domain "$DOMAIN" --zone "$W/dns/tool.zone" \
	    --ip 127.0.0.1 --dnsbl bl.invalid --smtp "127.0.0.1:$2" \
	    >"$W/log/$1.out" 2>"$W/log/$1.err"
	RC=$?
}
smtp_findings() { grep ' smtp\.' "$W/log/$1.out" | cut -d' ' -f1,2 | tr '\n' ' '; }

check closed "$P_CLOSED"
tap_is "$RC" 0 "closed: exit 0" "$(cat "$W/log/closed.out" "$W/log/closed.err")" "$(postfix_log)"
tap_is "$(smtp_findings closed)" "PASS smtp.connect PASS smtp.banner PASS smtp.ehlo PASS smtp.starttls PASS smtp.postmaster PASS smtp.abuse PASS smtp.relay " \
    "closed: every smtp check passes" "$(cat "$W/log/closed.out")"
tap_ok "$(grep -q "^PASS smtp.relay $DOMAIN: relay to relay-test@example.net refused (554)" "$W/log/closed.out"; echo $?)" \
    "closed: Postfix's 554 for the relay attempt" "$(grep smtp.relay "$W/log/closed.out")"
tap_ok "$(grep -q "^PASS ip.helo $DOMAIN: HELO name $MX is the PTR name of 127.0.0.1" "$W/log/closed.out"; echo $?)" \
    "closed: the EHLO name matches the PTR" "$(grep ip.helo "$W/log/closed.out")"

check open "$P_OPEN"
tap_is "$RC" 1 "open: exit 1" "$(cat "$W/log/open.out" "$W/log/open.err")"
tap_is "$(grep -v '^PASS ' "$W/log/open.out" | grep -v '^WARN dkim.selector ' |
    cut -d' ' -f1,2 | tr '\n' ' ')" "FAIL smtp.starttls FAIL smtp.relay " \
    "open: STARTTLS and relay fail, nothing else (no selector given: WARN)" \
    "$(cat "$W/log/open.out")"
tap_ok "$(grep -q "^FAIL smtp.relay $DOMAIN: OPEN RELAY" "$W/log/open.out"; echo $?)" \
    "open: the relay finding says OPEN RELAY"

# Nothing was ever queued: no DATA was sent.
sleep 1
tap_is "$(find "$W/out" -name '*.eml' | wc -l)" 0 "no message delivered"
tap_is "$(grep -c 'message-id=' "$W/postfix/maillog" 2>/dev/null)" 0 "no message queued" "$(postfix_log 20)"
tap_ok "$(grep -q 'disconnect from .* rcpt=' "$W/postfix/maillog"; echo $?)" \
    "Postfix logged the sessions (RCPT, no DATA)" "$(postfix_log 10)"

tap_done
