#!/usr/bin/env bash
# t/e2e/rotation-ddns.sh - DKIM key rotation end to end with the records
# published by DNS dynamic update (RFC 2136, TSIG hmac-sha256): a real
# Postfix, authmilter, and a private knotd serving the zones (knot.sh) on
# a random loopback port.  The zone's only NS is ns.example.test
# (127.0.0.1), so the daemon's key watch asks knotd alone (KeyWatchPort);
# the daemon's configuration has KeyUpdateServer and KeyUpdateKeyFile
# and `authmilter-tool keys ... -c` reads them from it.  Checks:
#   before   mail from 127.0.0.1 is signed with key A (s=a2026); dkimpy
#            verifies it with the key from knotd
#   rotate   `keys rotate` without -c makes key B (s=b2027) and sends
#            nothing: knotd has no record for B, the key watch logs that
#            it waits for it, mail is still signed with A
#   publish  `keys publish -c` sends B's record by dynamic update; knotd
#            serves it; the daemon promotes B by itself (log, state file,
#            KeyTable, reload); mail is signed with B; dkimpy verifies
#            the mail signed before and after
#   revoke   `keys retire` (A is retiring already), `keys revoke --force
#            -c` publishes A's "v=DKIM1; p=" by dynamic update: the mail
#            signed with A now fails dkimpy, the mail signed with B passes
#   delete   `keys delete -c` withdraws A's record (NXDOMAIN) and removes
#            its private key
#   rotate -c  in one step: `keys rotate -c` makes key C (s=c2028) and
#            publishes it; the daemon promotes C, B retires; mail is
#            signed with C and verifies, B's mail still does; knotd
#            logged exactly the four updates sent
# Needs root, knotd and keymgr (prints "1..0 # SKIP" when not; CI
# installs them).  Env: top_builddir, AM_TOOL, KEEP=1.  Loopback only.  TAP.

# shellcheck source=t/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=t/e2e/knot.sh
. "$(dirname "$0")/knot.sh"
# shellcheck source=t/e2e/rotation-lib.sh
. "$(dirname "$0")/rotation-lib.sh"

for p in knotd keymgr; do
	command -v "$p" >/dev/null 2>&1 || e2e_skip_all "$p is not installed"
done
E2E_DNS_PROGS="knotd keymgr"
e2e_init rotation-ddns
[ -x "$AM_MILTER" ] || e2e_bail "authmilter is built" "$AM_MILTER"
[ -x "$AM_TOOL" ] || e2e_bail "authmilter-tool is built" "$AM_TOOL"

SMTP_PORT=$(free_port)
DNS_PORT=$(free_port)
M=$W/milter
SOCK=$M/authmilter.sock
KT=$M/KeyTable
CONF=$M/authmilter.conf
TSIG=update.$DOMAIN.
# K VERB ARGS...: authmilter-tool keys on our KeyTable; output in
# $W/out/keys.out (appended to $W/out/transcript), the exit status kept
K() {
	{ echo "\$ authmilter-tool keys $*"; } >>"$W/out/transcript"
	"$AM_TOOL" keys "$@" -t "$KT" -d "$DOMAIN" >"$W/out/keys.out" 2>&1
	K_RC=$?
	{ cat "$W/out/keys.out"; echo "(exit $K_RC)"; } >>"$W/out/transcript"
}
said() {	# DESCRIPTION REGEX: the last keys command exited 0 and said REGEX
	[ "$K_RC" = 0 ] && grep -qE -- "$2" "$W/out/keys.out"
	tap_ok $? "$1" "(exit $K_RC)" "$(head -c 1500 "$W/out/keys.out")"
}

# ---------------------------------------------------------------- DNS: knotd
make_key a rsa "$DOMAIN" a2026 || e2e_bail "key A generated"
write_zones
SECRET=$(knot_secret "$TSIG")
[ -n "$SECRET" ] || e2e_bail "keymgr -t made a TSIG secret"
# the TSIG key may update $DOMAIN only
read -ra zones <<<"${DNS_ZONE_NAMES/#"$DOMAIN "/"$DOMAIN:update "}"
start_knot "$W/dns" "127.0.0.1@$DNS_PORT" "$TSIG" "$SECRET" "${zones[@]}" ||
    e2e_bail "knotd serves $DNS_ZONE_NAMES on 127.0.0.1@$DNS_PORT" "$(tail -5 "$W/dns/log")"
tap_is "$(dnsq NS "$DOMAIN") $(dnsq A "ns.$DOMAIN")" "ns.$DOMAIN. 127.0.0.1" \
    "knotd serves $DOMAIN; its only NS is ns.$DOMAIN, 127.0.0.1 (knotd)"
txt() { dnsq TXT "$1._domainkey.$DOMAIN" | sed 's/" "//g; s/^"//; s/"$//'; }
nxdomain() { dig @127.0.0.1 -p "$DNS_PORT" +time=2 +tries=1 TXT "$1._domainkey.$DOMAIN" 2>/dev/null | grep -q 'status: NXDOMAIN'; }
keygen_value() { sed 's/.*( //; s/ )$//; s/" "//g; s/"//g' "$W/keys/$1.txt"; }
# published DESCRIPTION SEL X: the last keys command sent SEL's record
# by dynamic update, and knotd serves the value it printed for key X
published() {
	said "$1" "^# Published by dynamic update to 127\.0\.0\.1@$DNS_PORT \(zone $DOMAIN\): $2\._domainkey\.$DOMAIN\. 300 IN TXT \"v=DKIM1; k=rsa; p=MII"
	tap_is "$(txt "$2")" "$(keygen_value "$2")" "knotd serves $3's record, the value rotate printed"
}

# ---------------------------------------------------------------- daemon
# the keys in $W/keys (mode 0700: RequireSafeKeys); rotate puts B beside A
printf 'key "%s" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' "$TSIG" "$SECRET" >"$W/keys/tsig.key"
chmod 600 "$W/keys/tsig.key"
printf 'a %s:a2026:%s/keys/a.private\n' "$DOMAIN" "$W" >"$KT"
printf '*@%s a\n' "$DOMAIN" >"$M/SigningTable"
rot_conf "$CONF" "KeyUpdateServer       127.0.0.1@$DNS_PORT" \
    "KeyUpdateKeyFile      $W/keys/tsig.key"
rot_start "$CONF"

M1=$(mail before)
tap_is "$(selector "$M1")" a2026 "before: signed with key A"
tap_is "$(verify "$M1")" "$DOMAIN a2026 rsa-sha256 pass" "before: dkimpy verifies it (key A from knotd)"

# ---------------------------------------------------------------- rotate, withheld
K rotate -s b2027
said "rotate without -c: prints B's record" "^b2027\._domainkey\.$DOMAIN\. IN TXT"
! grep -q 'dynamic update' "$W/out/keys.out"
tap_ok $? "rotate without -c: no dynamic update mentioned" "$(cat "$W/out/keys.out")"
tap_is "$(state)" "a2026 active b2027 pending " "state file: A active, B pending"
nxdomain b2027
tap_ok $? "knotd has no record for B"
waitlog "key-watch: b2027\._domainkey\.$DOMAIN \(rsa\) pending: waiting for its record at ns\.$DOMAIN 127\.0\.0\.1@$DNS_PORT: NXDOMAIN"
tap_ok $? "key watch: waiting for B's record at knotd" "$(grep key-watch "$W/log/m.log" | tail -3)"
M2=$(mail pending)
tap_is "$(selector "$M2")" a2026 "B pending, its record absent: still signed with A"

# ---------------------------------------------------------------- publish -c
K publish -c "$CONF" -s b2027
published "publish -c: B's record sent by dynamic update" b2027 B
rot_promoted "key-watch: b2027\._domainkey\.$DOMAIN \(rsa\): record seen at every authoritative server of $DOMAIN \(ns\.$DOMAIN 127\.0\.0\.1@$DNS_PORT\): active now, a2026 retiring; reloading" \
    "key watch: B seen at knotd, promoted, A retiring" knotd
M3=$ROT_AFTER

# ---------------------------------------------------------------- retire, revoke -c, delete -c
K retire -s a2026
said "retire: A is retiring already" "a2026\._domainkey\.$DOMAIN is retiring already"
K revoke -c "$CONF" -s a2026 --force
said "revoke --force -c: A's empty p= sent by dynamic update" \
    "^# Published by dynamic update to 127\.0\.0\.1@$DNS_PORT \(zone $DOMAIN\): a2026\._domainkey\.$DOMAIN\. 300 IN TXT \"v=DKIM1; p=\""
tap_is "$(txt a2026)" "v=DKIM1; p=" "knotd serves A's revoked record"
v=$(verify "$M1")
tap_is "${v##* }" fail "revoked: the mail signed with A now fails dkimpy" "$v"
tap_is "$(verify "$M3")" "$DOMAIN b2027 rsa-sha256 pass" "the mail signed with B still passes"
K delete -c "$CONF" -s a2026
said "delete -c: A's record withdrawn by dynamic update" \
    "^# Withdrawn by dynamic update to 127\.0\.0\.1@$DNS_PORT \(zone $DOMAIN\): every TXT record of a2026\._domainkey\.$DOMAIN\."
nxdomain a2026
tap_ok $? "knotd no longer has A's record (NXDOMAIN)"
[ ! -e "$W/keys/a.private" ] && [ -e "$W/keys/b2027.private" ]
tap_ok $? "delete: A's private key is gone, B's stays" "$(ls "$W/keys")"

# ---------------------------------------------------------------- rotate -c: one step
K rotate -c "$CONF" -s c2028
published "rotate -c: C made and its record sent by dynamic update" c2028 C
waitlog "key-watch: c2028\._domainkey\.$DOMAIN \(rsa\): record seen at every authoritative server of $DOMAIN .*: active now, b2027 retiring; reloading"
tap_ok $? "key watch: C promoted, B retiring" "$(grep key-watch "$W/log/m.log" | tail -3)"
waitlog "reloaded" 2
tap_ok $? "the daemon reloaded again" "$(tail -3 "$W/log/m.log")"
tap_is "$(state)" "a2026 deleted b2027 retiring c2028 active " "state file: A deleted, B retiring, C active"
M4=$(mail third)
tap_is "$(selector "$M4")" c2028 "then: signed with key C"
tap_is "$(verify "$M4") / $(verify "$M3")" "$DOMAIN c2028 rsa-sha256 pass / $DOMAIN b2027 rsa-sha256 pass" \
    "dkimpy verifies the mail signed with C, and with B (retiring)"
tap_is "$(grep -c 'DDNS, finished' "$W/dns/log")" 4 "knotd committed four dynamic updates (B, A's p=, A withdrawn, C)" \
    "$(grep DDNS "$W/dns/log")"

tap_diag "transcript:" "$(cat "$W/out/transcript")" "key watch log:" "$(grep -E 'key-watch|reload' "$W/log/m.log")"
stop_milter m >/dev/null
tap_done
