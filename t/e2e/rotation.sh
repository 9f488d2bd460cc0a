#!/usr/bin/env bash
# t/e2e/rotation.sh - staged DKIM key rotation end to end: a real Postfix,
# authmilter, and a zone served by two NSD instances (the zone's two NS,
# ns.example.test on 127.0.0.1 and ns2.example.test on 127.0.0.3, same
# random port: KeyWatchPort).  Checks:
#   before   mail from 127.0.0.1 is signed with key A (s=a2026); dkimpy
#            verifies it with the key from NSD
#   rotate   `keys rotate` makes key B (s=b2027), prints its record, and
#            `keys status` says to publish it; the daemon's key watch
#            waits for it, and mail is still signed with A
#   one NS   B's record published at ns only: the key watch waits for
#            ns2 (logged, and `keys status` names it); mail still A
#   all NS   published at ns2 too: the daemon promotes B by itself (state
#            file, KeyTable, reload); mail is signed with B; dkimpy
#            verifies the mail signed before and after
#   retire   `keys retire` says A is retiring already, `keys status`
#            says until when
#   revoke   `keys revoke` (--force: inside the grace period) prints the
#            empty-p= record; published at both servers, the mail signed
#            with A now fails dkimpy, the mail signed with B still passes
#   delete   `keys delete` removes A's private key
# Env: top_builddir, AM_TOOL, KEEP=1.  Needs root; loopback only.  TAP.

# shellcheck source=t/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=t/e2e/rotation-lib.sh
. "$(dirname "$0")/rotation-lib.sh"

e2e_init rotation
[ -x "$AM_MILTER" ] || e2e_bail "authmilter is built" "$AM_MILTER"

SMTP_PORT=$(free_port)
DNS_PORT=$(free_port)
NS2=127.0.0.3
M=$W/milter
SOCK=$M/authmilter.sock
KT=$M/KeyTable
ZONE=$W/dns/$DOMAIN.zone
ZONE2=$W/dns2/$DOMAIN.zone
K() { "$AM_TOOL" keys "$@" -t "$KT" -d "$DOMAIN"; }
# transcript: every keys command and its output, for the record
TR=$W/out/transcript
tr_run() { { echo "\$ authmilter-tool keys $*"; K "$@" 2>&1; echo "(exit $?)"; } >>"$TR.all"; }

# ---------------------------------------------------------------- DNS
make_key a rsa "$DOMAIN" a2026 || e2e_bail "key A generated"
printf '@ IN NS ns2.%s.\nns2 IN A %s\n' "$DOMAIN" "$NS2" >>"$W/dns/records.$DOMAIN"
start_nsd || e2e_bail "NSD (ns) serves $DOMAIN on 127.0.0.1:$DNS_PORT" \
    "$(tail -5 "$W/dns/check.log" "$W/dns/nsd.log" 2>/dev/null)"
# ns2: a second NSD with its own copy of the zones, on 127.0.0.3
NSD2_PID=""
mkdir -p "$W/dns2"
cp "$W/dns/"*.zone "$W/dns2/"
sed -e "s|$W/dns|$W/dns2|g" -e "s|127.0.0.1@|$NS2@|" "$W/dns/nsd.conf" >"$W/dns2/nsd.conf"
timeout 20 nsd -c "$W/dns2/nsd.conf" >>"$W/dns2/check.log" 2>&1
for _ in $(seq 50); do [ -s "$W/dns2/nsd.pid" ] && break; sleep 0.1; done
NSD2_PID=$(head -n1 "$W/dns2/nsd.pid" 2>/dev/null | tr -dc 0-9)
[ -n "$NSD2_PID" ] || e2e_bail "NSD (ns2) starts on $NS2:$DNS_PORT" "$(cat "$W/dns2/check.log")"
E2E_CLEANUP="alive_as $NSD2_PID /usr/sbin/nsd && kill -TERM $NSD2_PID && wait_gone $NSD2_PID 10; $E2E_CLEANUP"
dnsat() { dig @"$1" -p "$DNS_PORT" +time=2 +tries=1 +short "${@:2}" 2>/dev/null; }
for _ in $(seq 50); do [ -n "$(dnsat $NS2 SOA "$DOMAIN")" ] && break; sleep 0.1; done
tap_is "$(dnsat 127.0.0.1 NS "$DOMAIN" | sort | tr '\n' ' ')$(dnsat $NS2 NS "$DOMAIN" | sort | tr '\n' ' ')" \
    "ns.$DOMAIN. ns2.$DOMAIN. ns.$DOMAIN. ns2.$DOMAIN. " "both servers answer with the zone's two NS"

# rezone FILE PIDFILE ADDR: NSD reads FILE again (SIGHUP: changed mtime)
rezone() {
	local pid _
	touch -d "+1 second" "$1" 2>/dev/null || touch "$1"
	pid=$(head -n1 "$2" | tr -dc 0-9)
	alive_as "$pid" /usr/sbin/nsd && kill -HUP "$pid"
	sleep 0.5
}
txt() { dnsat "$1" TXT "$2._domainkey.$DOMAIN" | tr -d '" \n'; }

# ---------------------------------------------------------------- daemon
# the keys in $W/keys (mode 0700: RequireSafeKeys); rotate puts B beside A
printf 'a %s:a2026:%s/keys/a.private\n' "$DOMAIN" "$W" >"$KT"
printf '*@%s a\n' "$DOMAIN" >"$M/SigningTable"
rot_conf "$M/authmilter.conf"
rot_start "$M/authmilter.conf"

M1=$(mail before)
tap_is "$(selector "$M1")" a2026 "before: signed with key A"
tap_is "$(verify "$M1")" "$DOMAIN a2026 rsa-sha256 pass" "before: dkimpy verifies it (key A from NSD)"

# ---------------------------------------------------------------- rotate
tr_run rotate -s b2027
cp "$TR.all" "$W/out/rotate.out"
grep -q "^b2027._domainkey.$DOMAIN. IN TXT" "$W/out/rotate.out"
tap_ok $? "rotate: prints key B's record" "$(cat "$W/out/rotate.out")"
tap_is "$(state)" "a2026 active b2027 pending " \
    "rotate: the state file has A active, B pending"
tr_run status --nameserver "127.0.0.1@$DNS_PORT" --ns-port "$DNS_PORT"
grep -q "b2027 pending 0d publish the record: b2027._domainkey" "$TR.all"
tap_ok $? "status: publish B's record" "$(tail -3 "$TR.all")"
waitlog "key-watch: b2027._domainkey.$DOMAIN \(rsa\) pending: waiting for its record at ns[2]?.$DOMAIN"
tap_ok $? "key watch: waiting for B's record" "$(tail -5 "$W/log/m.log")"
M2=$(mail pending)
tap_is "$(selector "$M2")" a2026 "B pending, its record absent: still signed with A"

# ---------------------------------------------------------------- one NS
cat "$W/keys/b2027.txt" >>"$ZONE"
rezone "$ZONE" "$W/dns/nsd.pid"
tap_ok "$([ -n "$(txt 127.0.0.1 b2027)" ] && [ -z "$(txt $NS2 b2027)" ]; echo $?)" \
    "B's record published at ns, not at ns2"
waitlog "waiting for its record at ns2.$DOMAIN $NS2@$DNS_PORT: NXDOMAIN"
tap_ok $? "key watch: waiting for ns2 ($NS2@$DNS_PORT) only" "$(grep key-watch "$W/log/m.log" | tail -3)"
tr_run status --nameserver "127.0.0.1@$DNS_PORT" --ns-port "$DNS_PORT"
grep -q "b2027 pending 0d waiting for the record at $NS2@$DNS_PORT\$" "$TR.all"
tap_ok $? "status: waiting for the record at ns2" "$(tail -3 "$TR.all")"
M3=$(mail one-ns)
tap_is "$(selector "$M3")" a2026 "B seen at one NS of two: still signed with A"

# ---------------------------------------------------------------- all NS
cat "$W/keys/b2027.txt" >>"$ZONE2"
rezone "$ZONE2" "$W/dns2/nsd.pid"
rot_promoted "b2027._domainkey.$DOMAIN \(rsa\): record seen at every authoritative server of $DOMAIN .*active now, a2026 retiring; reloading" \
    "key watch: B seen at both servers, promoted, A retiring" NSD
M4=$ROT_AFTER

# ---------------------------------------------------------------- retire, revoke
tr_run retire -s a2026
grep -q "a2026._domainkey.$DOMAIN is retiring already" "$TR.all"
tap_ok $? "retire: A is retiring already" "$(tail -3 "$TR.all")"
tr_run status --nameserver "127.0.0.1@$DNS_PORT" --ns-port "$DNS_PORT"
grep -q "^$DOMAIN rsa a2026 retiring 0d retiring until [0-9-]*, then revoke\$" "$TR.all"
tap_ok $? "status: A retiring until a date, then revoke" "$(tail -3 "$TR.all")"
tr_run revoke -s a2026
grep -q "retiring for 0 of 7 days" "$TR.all"
tap_ok $? "revoke inside the grace period: refused" "$(tail -3 "$TR.all")"
tr_run revoke -s a2026 --force
REVOKED=$(grep "^a2026._domainkey.$DOMAIN. IN TXT" "$TR.all")
tap_is "$REVOKED" "a2026._domainkey.$DOMAIN. IN TXT \"v=DKIM1; p=\"" "revoke --force: prints the empty-p= record"
for z in "$ZONE:$W/dns/nsd.pid" "$ZONE2:$W/dns2/nsd.pid"; do
	$PY - "${z%%:*}" "$REVOKED" <<'EOF'
import sys
zone, new = sys.argv[1:3]
s = open(zone).read()
start = s.index('a2026._domainkey')
end = s.index(')', start) + 1
open(zone, 'w').write(s[:start] + new + s[end:])
EOF
	rezone "${z%%:*}" "${z#*:}"
done
tap_is "$(txt 127.0.0.1 a2026) $(txt $NS2 a2026)" "v=DKIM1;p= v=DKIM1;p=" "A's record is p= empty at both servers"
v=$(verify "$M1")
tap_is "${v##* }" fail "revoked: the mail signed with A now fails dkimpy" "$v"
tap_is "$(verify "$M4")" "$DOMAIN b2027 rsa-sha256 pass" "the mail signed with B still passes"
tr_run status --nameserver "127.0.0.1@$DNS_PORT" --ns-port "$DNS_PORT"
grep -q "^$DOMAIN rsa a2026 revoked 0d revoke: publish a2026._domainkey.$DOMAIN. IN TXT \"v=DKIM1; p=\"; delete the private key after" "$TR.all"
tap_ok $? "status: A revoked, delete its private key later" "$(tail -3 "$TR.all")"
tr_run delete -s a2026
[ ! -e "$W/keys/a.private" ] && [ -e "$W/keys/b2027.private" ]
tap_ok $? "delete: A's private key is gone, B's stays" "$(tail -3 "$TR.all")"

tap_diag "transcript:" "$(cat "$TR.all")" "key watch log:" "$(grep -E 'key-watch|reload' "$W/log/m.log")"
[ -n "${ROTATION_TRANSCRIPT:-}" ] && { cat "$TR.all"; grep -E 'key-watch|reload' "$W/log/m.log"; } >"$ROTATION_TRANSCRIPT"
stop_milter m >/dev/null
tap_done
