# t/e2e/rotation-lib.sh - what rotation.sh and rotation-ddns.sh share:
# the daemon's configuration, starting it and Postfix, a signed message,
# its selectors, dkimpy's verdict, the state file's keys, waiting for a
# line in the daemon's log, the checks once the key watch promoted B.  Sourced after lib.sh, once DOMAIN, KT, M, SOCK, DNS_PORT, MX,
# SMTP_PORT are set.

# rot_conf FILE [LINE...]: the daemon's configuration (key watch every
# second, against the test's DNS port), then the extra lines
rot_conf() {
	local f=$1
	shift
	cat >"$f" <<EOF
Mode                  sv
KeyTable              file:$KT
SigningTable          refile:$M/SigningTable
InternalHosts         127.0.0.1
Nameservers           127.0.0.1@$DNS_PORT
AuthservID            $MX
Socket                unix:$SOCK
PidFile               $M/authmilter.pid
UMask                 0000
SoftwareHeader        no
Syslog                no
SelfCheck             no
KeyWatchInterval      1
KeyWatchPort          $DNS_PORT
EOF
	[ $# -eq 0 ] || printf '%s\n' "$@" >>"$f"
}

# rot_start CONF: authmilter on CONF and Postfix in front of it, or bail
rot_start() {
	start_milter m "$SOCK" "$M/authmilter.pid" "$AM_MILTER" -c "$1" -f ||
	    e2e_bail "authmilter starts" "$(tail -10 "$W/log/m.log")"
	start_postfix "$SMTP_PORT:$SOCK" ||
	    e2e_bail "Postfix listens on 127.0.0.1:$SMTP_PORT" "$(tail -5 "$W/log/postfix.log")"
}

# mail NAME: delivered file of a message from 127.0.0.1 (signed)
mail() {
	deliver "$1" "$SMTP_PORT" --from "alice@$DOMAIN" --to bob@example.net \
	    --header "Subject: rotation $1" --body "rotation test: $1"
}
selector() {	# FILE: the s= of its DKIM-Signatures
	[ -n "$1" ] && $PY - "$1" <<'EOF'
import sys, email, re
m = email.message_from_binary_file(open(sys.argv[1], 'rb'))
v = m.get_all('DKIM-Signature') or []
print(' '.join(re.search(r's=([^;\s]+)', re.sub(r'\s+', '', x)).group(1) for x in v))
EOF
}
verify() { $PY "$HELPER" verify "$1" "$DNS_PORT" 2>&1; }
state() { awk '!/^#/ { print $3, $4 }' "$KT.state" | tr '\n' ' '; }	# "SEL STATE ..."
waitlog() {	# PATTERN [N]: up to 15 s for N (default 1) lines in the daemon's log
	local _
	for _ in $(seq 150); do
		[ "$(grep -cE -- "$1" "$W/log/m.log")" -ge "${2:-1}" ] && return 0
		sleep 0.1
	done
	return 1
}

# rot_promoted LOGREGEX DESCRIPTION SOURCE: the key watch logged
# LOGREGEX (B promoted, A retiring: DESCRIPTION), the daemon reloaded,
# the state file and the KeyTable say so, new mail is signed with B and
# dkimpy verifies it (key B from SOURCE), and the mail M1 signed with A
# before still verifies.  The new mail's file is left in ROT_AFTER.
rot_promoted() {
	waitlog "$1"
	tap_ok $? "$2" "$(grep key-watch "$W/log/m.log" | tail -3)"
	waitlog "reloaded"
	tap_ok $? "the daemon reloaded" "$(tail -3 "$W/log/m.log")"
	tap_is "$(state)" "a2026 retiring b2027 active " \
	    "state file: A retiring, B active"
	grep -q "^a $DOMAIN:b2027:$W/keys/b2027.private\$" "$KT"
	tap_ok $? "KeyTable: the key name a now names B" "$(cat "$KT")"
	ROT_AFTER=$(mail after)
	tap_is "$(selector "$ROT_AFTER")" b2027 "after: signed with key B"
	tap_is "$(verify "$ROT_AFTER")" "$DOMAIN b2027 rsa-sha256 pass" \
	    "after: dkimpy verifies it (key B from $3)"
	tap_is "$(verify "$M1")" "$DOMAIN a2026 rsa-sha256 pass" \
	    "before: still verifies while A retires"
}
