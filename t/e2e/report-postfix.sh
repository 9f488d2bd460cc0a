#!/usr/bin/env bash
# t/e2e/report-postfix.sh - DMARC aggregate reports through a real Postfix
# (issue 11): real DNS (NSD), a private Postfix, authmilter with
# ReportSend yes.
#
#   sendmail  the store holds yesterday's records (t/report/report-seed);
#             the daemon's own sender sends the closed period through
#             Postfix's sendmail command (ReportSendmail, a wrapper adding
#             -C for the private instance); Postfix delivers each report
#   smtp      a message from the internet passes the milter, which records
#             its DMARC evaluation; authmilter-tool report aggregate --send,
#             with the daemon's configuration plus ReportSmtp, submits the
#             report to Postfix's smtpd on loopback over STARTTLS
#             (ReportSmtpTLS require, the certificate made here)
# Every delivered report: DKIM-signed by ReportEmail's domain, and dkimpy
# verifies it with the key NSD serves; d= is the From domain (DMARC
# aligned); the gzip attachment validates against the RFC 9990 schema
# (xmllint).  Env: top_builddir, top_srcdir, AM_TOOL; KEEP=1 keeps $W.
# Needs root (prints "1..0 # SKIP" otherwise).  Loopback only.  TAP.

# shellcheck source=t/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init report-postfix
SEED=$top_builddir/t/report/report-seed
XSD=$top_srcdir/t/report/dmarc-xml-0.2.xsd
[ -x "$AM_MILTER" ] && [ -x "$AM_TOOL" ] && [ -x "$SEED" ] ||
	e2e_bail "authmilter, authmilter-tool and report-seed are built"
command -v xmllint >/dev/null || e2e_bail "xmllint installed"

SMTP=$(free_port)
DNS_PORT=$(free_port)
M=$W/milter
ETC=$W/postfix/etc
# example.net: the seeded external destination's authorization; the
# other two answer NXDOMAIN (not authorized), as on the internet
ZONES="$DOMAIN example.net thirdparty.example evil.example"

# ---------------------------------------------------------------- DNS
make_key rep rsa "$DOMAIN" rep || e2e_bail "a DKIM key for $DOMAIN"
cat >>"$W/dns/records.$DOMAIN" <<ZONE
_dmarc.$DOMAIN.            IN TXT "v=DMARC1; p=reject"
aligned.$DOMAIN.           IN TXT "v=spf1 ip4:127.0.0.2 -all"
_dmarc.aligned.$DOMAIN.    IN TXT "v=DMARC1; p=none; rua=mailto:dmarc@aligned.$DOMAIN"
ZONE
# the seeded t=y domain's external destination authorizes its reports
echo 'test.example.org._report._dmarc.reports.example.net. IN TXT "v=DMARC1"' \
	>"$W/dns/records.example.net"
start_nsd || e2e_bail "NSD serves the test zones on 127.0.0.1:$DNS_PORT" \
    "$(tail -5 "$W/dns/check.log" "$W/dns/nsd.log" 2>/dev/null)"

# ---------------------------------------------------------------- Postfix
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$MX" \
	-addext "subjectAltName=DNS:$MX,IP:127.0.0.1" -keyout "$W/tls.key" \
	-out "$W/tls.pem" >/dev/null 2>&1 || e2e_bail "openssl req makes a certificate"
POSTFIX_MAIN_EXTRA="smtpd_tls_chain_files = $W/tls.key, $W/tls.pem
smtpd_tls_security_level = may"
POSTFIX_MASTER_EXTRA="pickup    unix  n       -       n       60      1       pickup
tlsmgr    unix  -       -       n       1000?   1       tlsmgr"
start_postfix "$SMTP:$M/am.sock" ||
	e2e_bail "Postfix starts" "$(tail -5 "$W/log/postfix.log")" "$(postfix_log)"
cat >"$W/bin/sendmail" <<SH
#!/bin/sh
# Postfix's sendmail command for the private instance
exec /usr/sbin/sendmail -C $ETC "\$@"
SH
chmod 755 "$W/bin/sendmail"

# ---------------------------------------------------------------- authmilter
now=$(date +%s)
B=$(( now / 86400 * 86400 - 86400 ))	# yesterday, UTC: the last closed period
"$SEED" "sqlite:$M/r.db" $B >"$W/log/seed.log" 2>&1
tap_is "$(cat "$W/log/seed.log")" "records 16" "seed: yesterday's 16 records in the store"
cat >"$M/am.conf" <<CONF
# written by t/e2e/report-postfix.sh
Mode                  sv
InternalHosts         127.0.0.1
Nameservers           127.0.0.1@$DNS_PORT
AuthservID            $MX
Socket                unix:$M/am.sock
PidFile               $M/am.pid
UMask                 0000
Syslog                no
Domain                $DOMAIN
Selector              rep
KeyFile               $W/keys/rep.private
ReportStore           sqlite:$M/r.db
ReportEmail           dmarc-reports@$DOMAIN
ReportOrgName         E2E Receiver
ReportSend            yes
ReportSendRate        600
ReportSendmail        $W/bin/sendmail
CONF
if "$AM_MILTER" -n -c "$M/am.conf" >"$W/log/check-am.log" 2>&1 &&
    start_milter am "$M/am.sock" "$M/am.pid" "$AM_MILTER" -c "$M/am.conf" -f; then
	tap_ok 0 "authmilter starts with ReportSend yes, ReportSendmail = Postfix's sendmail"
else
	e2e_bail "authmilter starts" "$(tail -5 "$W/log/check-am.log" "$W/log/am.log" 2>/dev/null)"
fi

# reports FILE... - the delivered messages that are reports (by Subject)
reports() { grep -l '^Subject: Report Domain: ' "$@" 2>/dev/null; }
# check_reports LABEL FILE... - DKIM (dkimpy), alignment, schema
check_reports() {
	local label=$1 f out d from bad=0 diag=""
	shift
	mkdir -p "$W/xml-$label"
	for f in "$@"; do
		out=$($PY "$HELPER" verify "$f" "$DNS_PORT" 2>&1)
		grep -qx "$DOMAIN rep rsa-sha256 pass" <<<"$out" || { bad=1; diag="$diag $f: $out"; }
		grep -q ' fail$' <<<"$out" && { bad=1; diag="$diag $f: $out"; }
	done
	tap_ok $bad "$label: every report is DKIM-signed d=$DOMAIN s=rep and dkimpy verifies it" "$diag"
	bad=0; diag=""
	for f in "$@"; do
		from=$($PY "$HELPER" headers "$f" | sed -n 's/^From: .*@\([^>]*\)>\{0,1\}$/\1/p' | sed -n 1p)
		d=$($PY "$HELPER" headers "$f" | sed -n 's/^DKIM-Signature:.* d=\([^;]*\);.*/\1/p' | sed -n 1p)
		[ "$from" = "$DOMAIN" ] && [ "$d" = "$from" ] || { bad=1; diag="$diag $f: From $from d=$d"; }
	done
	tap_ok $bad "$label: d= is the From domain (DMARC aligned, p=reject published)" "$diag"
	$PY - "$W/xml-$label" "$@" >"$W/log/xml-$label.log" 2>&1 <<'PY'
import email, email.policy, gzip, os, sys
out = sys.argv[1]
for f in sys.argv[2:]:
    m = email.message_from_binary_file(open(f, 'rb'), policy=email.policy.compat32)
    parts = [p for p in m.walk() if p.get_content_type() == 'application/gzip']
    assert len(parts) == 1, f
    name = parts[0].get_filename()
    open(os.path.join(out, name[:-3]), 'wb').write(gzip.decompress(parts[0].get_payload(decode=True)))
    print(name)
PY
	tap_ok $? "$label: each report has one application/gzip attachment" "$(tail -3 "$W/log/xml-$label.log")"
	xmllint --noout --schema "$XSD" "$W/xml-$label"/*.xml >"$W/log/xmllint-$label.log" 2>&1
	tap_ok $? "$label: the attachments validate against the RFC 9990 schema" "$(tail -3 "$W/log/xmllint-$label.log")"
}

# ---------------------------------------------------------------- sendmail path
for _ in $(seq 200); do
	[ "$(reports "$W"/out/*.eml | wc -l)" -ge 3 ] && break
	sleep 0.1
done
mapfile -t sent < <(reports "$W"/out/*.eml)
tap_is "${#sent[@]}" 3 "the daemon sent the closed period's 3 reports through Postfix's sendmail; Postfix delivered them" \
    "$(grep 'report:' "$W/log/am.log" | tail -5)" "$(postfix_log 5)"
grep -q "report: period $B-$((B + 86399)): 3 reports, 3 messages sent, 0 destinations deferred" "$W/log/am.log"
tap_ok $? "the daemon logs the period: 3 reports, 3 messages sent" "$(grep 'report:' "$W/log/am.log" | tail -3)"
[ "${#sent[@]}" -gt 0 ] && check_reports sendmail "${sent[@]}"

# ---------------------------------------------------------------- smtp path
before=$(ls "$W"/out/*.eml 2>/dev/null | wc -l)
f=$(deliver live "$SMTP" --local-interface "$EXT_IP" --from "news@aligned.$DOMAIN" \
    --to "postmaster@$DOMAIN" --header "Subject: e2e report live" --body "recorded")
tap_ok $? "a message from the internet passes the milter and is delivered" "$(swaks_tail live)"
cat "$M/am.conf" >"$M/smtp.conf"
cat >>"$M/smtp.conf" <<CONF
ReportSmtp            127.0.0.1:$SMTP
ReportSmtpTLS         require
ReportSmtpCAFile      $W/tls.pem
CONF
t0=$((now - 3600)); t1=$(( $(date +%s) + 600 ))
for _ in $(seq 50); do	# the writer stores the record within a moment
	"$AM_TOOL" report aggregate -c "$M/smtp.conf" --begin $t0 --end $t1 --dry-run \
	    --nameserver "127.0.0.1@$DNS_PORT" >"$W/log/dry.log" 2>&1
	grep -q "aligned.$DOMAIN" "$W/log/dry.log" && break
	sleep 0.1
done
"$AM_TOOL" report aggregate -c "$M/smtp.conf" --begin $t0 --end $t1 --send \
    --nameserver "127.0.0.1@$DNS_PORT" >"$W/log/agg.log" 2>&1
tap_ok $? "report aggregate --send with ReportSmtp (STARTTLS required) to Postfix's smtpd" "$(tail -5 "$W/log/agg.log")"
grep -q "^period .*: aligned.$DOMAIN (p=none .*): 1 message(s)" "$W/log/agg.log"
tap_ok $? "the report holds the message the daemon recorded" "$(head -5 "$W/log/agg.log")"
for _ in $(seq 100); do
	[ "$(ls "$W"/out/*.eml | wc -l)" -ge $((before + 2)) ] && break
	sleep 0.1
done
mapfile -t viasmtp < <(reports $(ls -t "$W"/out/*.eml | head -n $(( $(ls "$W"/out/*.eml | wc -l) - before ))))
tap_is "${#viasmtp[@]}" 1 "Postfix delivered the report it got over SMTP" "$(postfix_log 5)"
grep -q "disconnect from .*127.0.0.1.* ehlo=2 starttls=1 mail=1 rcpt=1 data=1 quit=1" "$W/postfix/maillog"
tap_ok $? "Postfix's smtpd saw EHLO, STARTTLS, EHLO again, MAIL, RCPT, DATA, QUIT" "$(postfix_log 5)"
[ "${#viasmtp[@]}" -gt 0 ] && check_reports smtp "${viasmtp[@]}"

stop_milter am >/dev/null
! grep -q 'Sanitizer' "$W/log/am.log"
tap_ok $? "no sanitizer report from the daemon"
tap_done
