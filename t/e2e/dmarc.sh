#!/usr/bin/env bash
# t/e2e/dmarc.sh - DMARC end to end: real Postfix, real DNS (NSD), two authmilters
#
# NSD on a random loopback port publishes SPF and _dmarc records under
# example.test; a private Postfix instance has two SMTP listeners, each
# with its own authmilter: "hold" (the DMARC defaults) and "reject"
# (RejectFailures yes).  Mail comes from 127.0.0.2 (the internet).
# Checks:
#   aligned   SPF passes for the From domain (p=reject): delivered with
#             dmarc=pass header.from=... policy.dmarc=reject
#   spoofed   From a p=reject domain, SPF passing for another one:
#             "hold" accepts it and Postfix keeps it in its hold queue
#             (smfi_quarantine), with dmarc=fail ... dis=quarantine in our
#             A-R; "reject" refuses it with 550 5.7.1 at end of data
#   internal  the same spoof from 127.0.0.1 (InternalHosts) is delivered
#   authres   every A-R (delivered and held) parses with python3-authres
# Env: top_builddir, top_srcdir, AM_TOOL; KEEP=1 keeps $W.
# Needs root (prints "1..0 # SKIP" otherwise).  Loopback only.  TAP.

# shellcheck source=t/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init dmarc
[ -x "$AM_MILTER" ] || e2e_bail "authmilter is built" "$AM_MILTER is missing"

SMTP_H=$(free_port)
SMTP_R=$(free_port)
DNS_PORT=$(free_port)
M=$W/milter
ETC=$W/postfix/etc

# ---------------------------------------------------------------- DNS
cat >"$W/dns/records.$DOMAIN" <<ZONE
aligned.$DOMAIN.          IN TXT "v=spf1 ip4:127.0.0.2 -all"
_dmarc.aligned.$DOMAIN.   IN TXT "v=DMARC1; p=reject"
_dmarc.bank.$DOMAIN.      IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@bank.$DOMAIN"
spammer.$DOMAIN.          IN TXT "v=spf1 ip4:127.0.0.2 -all"
ZONE
start_nsd || e2e_bail "NSD serves the test zone on 127.0.0.1:$DNS_PORT" \
    "$(tail -5 "$W/dns/check.log" "$W/dns/nsd.log" 2>/dev/null)"
a=$(dnsq TXT "_dmarc.bank.$DOMAIN" | tr -d '"')
tap_is "$a" "v=DMARC1; p=reject; rua=mailto:dmarc@bank.$DOMAIN" \
    "NSD on 127.0.0.1:$DNS_PORT serves the _dmarc records"

# ---------------------------------------------------------------- milters
conf() {
	cat >"$M/$1.conf" <<CONF
# written by t/e2e/dmarc.sh
Mode                  v
InternalHosts         127.0.0.1
Nameservers           127.0.0.1@$DNS_PORT
AuthservID            $MX
Socket                unix:$M/$1.sock
PidFile               $M/$1.pid
UMask                 0000
Syslog                no
LogWhy                yes
$2
CONF
}
conf hold ""
conf reject "RejectFailures yes"
for m in hold reject; do
	if "$AM_MILTER" -n -c "$M/$m.conf" >"$W/log/check-$m.log" 2>&1 &&
	    start_milter "$m" "$M/$m.sock" "$M/$m.pid" "$AM_MILTER" -c "$M/$m.conf" -f; then
		tap_ok 0 "authmilter ($m) starts and listens on unix:$M/$m.sock"
	else
		e2e_bail "authmilter ($m) starts" "$(tail -5 "$W/log/check-$m.log" "$W/log/$m.log" 2>/dev/null)"
	fi
done
start_postfix "$SMTP_H:$M/hold.sock" "$SMTP_R:$M/reject.sock" ||
	e2e_bail "Postfix starts" "$(tail -5 "$W/log/postfix.log")" "$(postfix_log)"
tap_ok 0 "Postfix listens on 127.0.0.1:$SMTP_H (hold) and :$SMTP_R (reject)"

# ---------------------------------------------------------------- helpers
ours() { $PY "$HELPER" headers "$1" | grep -E "^Authentication-Results: $MX;"; }
nofile() { echo "no delivery: $(swaks_tail "$1")"; postfix_log 3; tail -n 3 "$W/log/hold.log"; }
spoof() {	# spoof NAME PORT [swaks args] - From a p=reject domain
	local name=$1 port=$2
	shift 2
	send "$name" "$port" --from "bounce@spammer.$DOMAIN" --to "postmaster@$DOMAIN" \
	    --header "From: CEO <ceo@bank.$DOMAIN>" --header "Subject: e2e dmarc $name" \
	    --body "please wire the money" "$@"
}

# ---------------------------------------------------------------- aligned
if f=$(deliver aligned "$SMTP_H" --local-interface "$EXT_IP" --from "news@aligned.$DOMAIN" \
    --to "postmaster@$DOMAIN" --header "Subject: e2e dmarc aligned" --body "aligned"); then
	h=$(ours "$f")
	grep -qF "dmarc=pass (p=reject dis=pass) header.from=aligned.$DOMAIN policy.dmarc=reject" <<<"$h"
	tap_ok $? "aligned: delivered with dmarc=pass header.from=aligned.$DOMAIN" "$h"
	grep -qE "; dkim=none; spf=pass smtp.mailfrom=news@aligned.$DOMAIN; spf=[a-z]+ smtp.helo=[^;]*; dmarc=pass" <<<"$h"
	tap_ok $? "aligned: one A-R, dkim then spf then dmarc" "$h"
else
	tap_ok 1 "aligned: delivered" "$(nofile aligned)"
fi

# ---------------------------------------------------------------- spoofed: hold
qid=$(spoof held "$SMTP_H" --local-interface "$EXT_IP")
tap_ok "$([ -n "$qid" ] && echo 0 || echo 1)" "spoofed p=reject (hold): accepted by Postfix" "$(swaks_tail held)"
held=""
for _ in $(seq 50); do
	[ -n "$qid" ] || break
	if timeout 10 postqueue -c "$ETC" -j 2>/dev/null | grep -F "\"$qid\"" |
	    grep -q '"queue_name": *"hold"'; then
		held=yes
		break
	fi
	sleep 0.1
done
tap_ok "$([ -n "$held" ] && echo 0 || echo 1)" \
    "spoofed p=reject (hold): in Postfix's hold queue (smfi_quarantine)" \
    "$(timeout 10 postqueue -c "$ETC" -j 2>&1 | head -n 3)" "$(postfix_log 3)"
sleep 1
tap_ok "$([ -n "$qid" ] && [ ! -e "$W/out/$qid.eml" ] && echo 0 || echo 1)" \
    "spoofed p=reject (hold): not delivered"
if [ -n "$qid" ] && timeout 10 postcat -c "$ETC" -hq "$qid" 2>/dev/null | grep -v '^\*\*\* ' \
    >"$W/held-$qid.eml" && [ -s "$W/held-$qid.eml" ]; then
	h=$(ours "$W/held-$qid.eml")
	grep -qF "dmarc=fail (p=reject dis=quarantine) header.from=bank.$DOMAIN policy.dmarc=reject" <<<"$h"
	tap_ok $? "spoofed p=reject (hold): the held message says dmarc=fail, dis=quarantine" "$h"
else
	rm -f "$W/held-$qid.eml"
	tap_ok 1 "spoofed p=reject (hold): postcat shows the held message" "$(postfix_log 3)"
fi
grep -q "dmarc-report ip=127.0.0.2 header_from=bank.$DOMAIN envelope_from=spammer.$DOMAIN" "$W/log/hold.log"
tap_ok $? "spoofed p=reject (hold): a dmarc-report record is logged" "$(tail -n 3 "$W/log/hold.log")"
# The README's commands for held mail: list, release, deliver.
timeout 10 postqueue -c "$ETC" -p 2>&1 | grep -q "^$qid!"
tap_ok $? "README: postqueue -p marks the held message with !" "$(timeout 10 postqueue -c "$ETC" -p 2>&1 | head -n 5)"
if [ -n "$qid" ] && timeout 10 postsuper -c "$ETC" -H "$qid" >/dev/null 2>&1 &&
    timeout 10 postqueue -c "$ETC" -i "$qid" >/dev/null 2>&1 && wait_delivered "$qid" >/dev/null; then
	tap_ok 0 "README: postsuper -H then postqueue -i releases and delivers it"
else
	tap_ok 1 "README: postsuper -H then postqueue -i releases and delivers it" "$(postfix_log 5)"
fi

# ---------------------------------------------------------------- spoofed: reject
spoof rejected "$SMTP_R" --local-interface "$EXT_IP" >/dev/null
got=$(sed -n 's/^<\*\* *\(5[0-9][0-9] .*\)/\1/p' "$W/log/swaks-rejected.log" | head -n1 | tr -d '\r')
tap_is "$got" "550 5.7.1 rejected by DMARC policy for bank.$DOMAIN" \
    "RejectFailures: spoofed p=reject refused with 550 5.7.1" "$(swaks_tail rejected)"

# ---------------------------------------------------------------- internal
qid=$(spoof internal "$SMTP_H")
if f=$(wait_delivered "$qid"); then
	h=$(ours "$f")
	grep -qF "dmarc=fail (p=reject dis=none) header.from=bank.$DOMAIN" <<<"$h"
	tap_ok $? "internal client (InternalHosts): delivered, dmarc=fail not enforced" "$h"
else
	tap_ok 1 "internal client (InternalHosts): delivered" "$(nofile internal)"
fi

# ---------------------------------------------------------------- authres
files=$(ls "$W"/out/*.eml "$W"/held-*.eml 2>/dev/null | wc -l)
if out=$($PY "$HELPER" authres "$W"/out/*.eml "$W"/held-*.eml 2>&1); then
	tap_ok 0 "python3-authres parses all ${out#ok } Authentication-Results headers in $files files"
else
	tap_ok 1 "python3-authres parses every Authentication-Results header" "$out"
fi

stop_postfix
for m in hold reject; do
	t=$(stop_milter "$m")
	tap_ok "$(case $t in killed | "") echo 1 ;; *) echo 0 ;; esac)" "SIGTERM: authmilter ($m) exits"
done
if grep -qiE 'sanitizer|segmentation|core dumped|assert' "$W"/log/hold.log "$W"/log/reject.log; then
	tap_ok 1 "no crash or sanitizer report in the milters' logs"
else
	tap_ok 0 "no crash or sanitizer report in the milters' logs"
fi
tap_done
