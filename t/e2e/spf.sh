#!/usr/bin/env bash
# t/e2e/spf.sh - SPF end to end: real Postfix, real DNS (NSD), two authmilters
#
# NSD on a random loopback port publishes SPF records under example.test;
# a private Postfix instance has two SMTP listeners, each with its own
# authmilter: "annotate" (the SPF defaults, plus SPFReceivedHeader yes)
# and "reject" (SPFFailAction reject).  Mail is sent from 127.0.0.2 (the
# internet) with HELO client.example.test.  Checks:
#   annotate  an authorized sender (ip4, include, mx, the null sender) is
#             delivered with "spf=pass smtp.mailfrom=..." and
#             "spf=pass smtp.helo=client.example.test" in our one A-R, and
#             a Received-SPF field; an unauthorized one gets spf=fail with
#             the explanation from exp= (or the default one) as a comment;
#             ~all gives softfail; mail from 127.0.0.1 (InternalHosts) is
#             not checked
#   reject    an unauthorized sender is refused at MAIL FROM with
#             "550 5.7.23 <explanation>" and nothing is delivered; an
#             authorized one is delivered
#   authres   every A-R parses with python3-authres
# Env: top_builddir, top_srcdir, AM_TOOL; KEEP=1 keeps $W.
# Needs root (prints "1..0 # SKIP" otherwise).  Loopback only.  TAP.

# shellcheck source=t/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init spf
[ -x "$AM_MILTER" ] || e2e_bail "authmilter is built" "$AM_MILTER is missing"

SMTP_A=$(free_port)
SMTP_R=$(free_port)
DNS_PORT=$(free_port)
M=$W/milter
HELO=client.$DOMAIN

# ---------------------------------------------------------------- DNS
cat >"$W/dns/records.$DOMAIN" <<EOF
ok.$DOMAIN.        IN TXT "v=spf1 ip4:127.0.0.2 -all"
bad.$DOMAIN.       IN TXT "v=spf1 ip4:192.0.2.1 -all exp=why.bad.$DOMAIN"
why.bad.$DOMAIN.   IN TXT "%{i} is not allowed to send mail for %{d}"
dflt.$DOMAIN.      IN TXT "v=spf1 a:nowhere.$DOMAIN -all"
soft.$DOMAIN.      IN TXT "v=spf1 ~all"
inc.$DOMAIN.       IN TXT "v=spf1 include:ok.$DOMAIN -all"
mxok.$DOMAIN.      IN TXT "v=spf1 mx -all"
mxok.$DOMAIN.      IN MX  10 relay.$DOMAIN.
$HELO.             IN TXT "v=spf1 ip4:127.0.0.2 -all"
EOF
start_nsd || e2e_bail "NSD serves the test zone on 127.0.0.1:$DNS_PORT" \
    "$(tail -5 "$W/dns/check.log" "$W/dns/nsd.log" 2>/dev/null)"
a=$(dnsq TXT "bad.$DOMAIN" | tr -d '"')
tap_is "$a" "v=spf1 ip4:192.0.2.1 -all exp=why.bad.$DOMAIN" \
    "NSD on 127.0.0.1:$DNS_PORT serves the SPF records"

# ---------------------------------------------------------------- milters
# conf LABEL EXTRA - a verifying authmilter config at $M/LABEL.conf
conf() {
	cat >"$M/$1.conf" <<EOF
# written by t/e2e/spf.sh
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
EOF
}
conf annotate "SPFReceivedHeader yes"
conf reject "SPFFailAction reject"
for m in annotate reject; do
	if "$AM_MILTER" -n -c "$M/$m.conf" >"$W/log/check-$m.log" 2>&1 &&
	    start_milter "$m" "$M/$m.sock" "$M/$m.pid" "$AM_MILTER" -c "$M/$m.conf" -f; then
		tap_ok 0 "authmilter ($m) starts and listens on unix:$M/$m.sock"
	else
		e2e_bail "authmilter ($m) starts" "$(tail -5 "$W/log/check-$m.log" "$W/log/$m.log" 2>/dev/null)"
	fi
done
start_postfix "$SMTP_A:$M/annotate.sock" "$SMTP_R:$M/reject.sock" ||
	e2e_bail "Postfix listens on 127.0.0.1:$SMTP_A and :$SMTP_R" \
	    "$(tail -5 "$W/log/postfix.log")" "$(postfix_log)"
tap_ok 0 "Postfix listens on 127.0.0.1:$SMTP_A (annotate) and :$SMTP_R (reject)"

# ---------------------------------------------------------------- helpers
# ours FILE - our A-R (unfolded) and Received-SPF, one a line
ours() {
	$PY "$HELPER" headers "$1" | grep -E "^(Authentication-Results: $MX;|Received-SPF:)"
}
# ext NAME PORT FROM - send a small message from the external address
ext() {
	local author=()
	# A bounce still names its author: an empty From is refused
	# (RequiredHeaders, DMARC).
	[ "$3" = "<>" ] && author=(--header "From: Mail Delivery System <postmaster@$HELO>")
	deliver "$1" "$2" --local-interface "$EXT_IP" --from "$3" \
	    --to "postmaster@$DOMAIN" --header "Subject: e2e spf $1" --body "spf $1" \
	    "${author[@]}"
}
nofile() { echo "no delivery: $(swaks_tail "$1")"; postfix_log 3; tail -n 3 "$W/log/annotate.log"; }

# annotated NAME FROM WANT... - delivered through "annotate"; our
# headers contain each WANT (fixed strings)
annotated() {
	local name=$1 from=$2 f h w miss=""
	shift 2
	if ! f=$(ext "$name" "$SMTP_A" "$from"); then
		tap_ok 1 "$name: delivered" "$(nofile "$name")"
		return
	fi
	h=$(ours "$f")
	for w in "$@"; do
		grep -qF -- "$w" <<<"$h" || miss="$miss [$w]"
	done
	tap_ok "$([ -z "$miss" ] && echo 0 || echo 1)" "$name: $1" "missing:$miss" "$h"
}

# ---------------------------------------------------------------- annotate
annotated "authorized (ip4)" "news@ok.$DOMAIN" \
    "spf=pass smtp.mailfrom=news@ok.$DOMAIN;" "spf=pass smtp.helo=$HELO" \
    "Received-SPF: pass ($MX: domain of news@ok.$DOMAIN designates 127.0.0.2 as permitted sender)"
annotated "unauthorized, exp=" "news@bad.$DOMAIN" \
    "spf=fail smtp.mailfrom=news@bad.$DOMAIN (127.0.0.2 is not allowed to send mail for bad.$DOMAIN);" \
    "Received-SPF: fail ($MX: domain of news@bad.$DOMAIN does not designate 127.0.0.2"
annotated "unauthorized, default explanation" "news@dflt.$DOMAIN" \
    "spf=fail smtp.mailfrom=news@dflt.$DOMAIN (127.0.0.2 is not one of dflt.$DOMAIN's designated mail servers);"
annotated "authorized by include" "news@inc.$DOMAIN" "spf=pass smtp.mailfrom=news@inc.$DOMAIN;"
annotated "authorized by mx" "news@mxok.$DOMAIN" "spf=pass smtp.mailfrom=news@mxok.$DOMAIN;"
annotated "softfail" "news@soft.$DOMAIN" "spf=softfail smtp.mailfrom=news@soft.$DOMAIN;"
annotated "null sender" "<>" "spf=pass smtp.mailfrom=postmaster@$HELO;" \
    'envelope-from="";'
if f=$(deliver internal "$SMTP_A" --from "news@bad.$DOMAIN" --to "postmaster@$DOMAIN" \
    --header "Subject: e2e spf internal" --body "spf internal"); then
	h=$(ours "$f")
	tap_ok "$(grep -q 'spf=' <<<"$h" && echo 1 || echo 0)" \
	    "internal client (InternalHosts): SPF not checked" "$h"
else
	tap_ok 1 "internal client: delivered" "$(nofile internal)"
fi

# ---------------------------------------------------------------- reject
before=$(ls "$W"/out | wc -l)
timeout 60 swaks --server 127.0.0.1 --port "$SMTP_R" --timeout 20 --helo "$HELO" \
    --local-interface "$EXT_IP" --from "news@bad.$DOMAIN" --to "postmaster@$DOMAIN" \
    --body "should be refused" >"$W/log/swaks-reject.log" 2>&1
got=$(sed -n 's/^<\*\* *\(5[0-9][0-9] .*\)/\1/p' "$W/log/swaks-reject.log" | head -n1 | tr -d '\r')
tap_is "$got" "550 5.7.23 127.0.0.2 is not allowed to send mail for bad.$DOMAIN" \
    "SPFFailAction reject: refused at MAIL FROM with the explanation" "$(swaks_tail reject)"
if f=$(ext "reject-pass" "$SMTP_R" "news@ok.$DOMAIN"); then
	h=$(ours "$f")
	tap_ok "$(grep -qF "spf=pass smtp.mailfrom=news@ok.$DOMAIN" <<<"$h" && echo 0 || echo 1)" \
	    "SPFFailAction reject: an authorized sender is delivered" "$h"
else
	tap_ok 1 "SPFFailAction reject: an authorized sender is delivered" "$(nofile reject-pass)"
fi
sleep 1
tap_is "$(ls "$W"/out | wc -l)" "$((before + 1))" "SPFFailAction reject: the refused message was not delivered"

# ---------------------------------------------------------------- authres, logs
files=$(ls "$W"/out/*.eml 2>/dev/null | wc -l)
if out=$($PY "$HELPER" authres "$W"/out/*.eml 2>&1); then
	tap_ok 0 "python3-authres parses all ${out#ok } Authentication-Results headers in $files delivered files"
else
	tap_ok 1 "python3-authres parses every Authentication-Results header" "$out"
fi
grep -q "MAIL FROM refused; spf=fail smtp.mailfrom=news@bad.$DOMAIN" "$W/log/reject.log"
tap_ok $? "reject: the milter logs the refusal with the SPF result" "$(tail -n 3 "$W/log/reject.log")"

stop_postfix
for m in annotate reject; do
	t=$(stop_milter "$m")
	tap_ok "$(case $t in killed | "") echo 1 ;; *) echo 0 ;; esac)" "SIGTERM: authmilter ($m) exits"
done
if grep -qiE 'sanitizer|segmentation|core dumped|assert' "$W"/log/annotate.log "$W"/log/reject.log; then
	tap_ok 1 "no crash or sanitizer report in the milters' logs"
else
	tap_ok 0 "no crash or sanitizer report in the milters' logs"
fi
tap_done
