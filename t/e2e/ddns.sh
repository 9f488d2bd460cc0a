#!/usr/bin/env bash
# t/e2e/ddns.sh - authmilter-tool keys publishing DKIM key records by DNS
# dynamic update (RFC 2136, TSIG hmac-sha256) to a real Knot DNS on loopback
#
# knotd runs in a private scratch dir on a free port of 127.0.0.1 with two
# zones: example.net, whose ACL lets the TSIG key update it, and
# example.org, with no ACL.  The TSIG secret is made by keymgr -t; the
# tool reads it from keymgr's output as it stands (Knot's YAML key
# section), and, for the UDP steps, from BIND's key statement.  Checks:
#   rotate   the new record is served by knotd (dig), in 255-octet
#            strings, and matches the new private key (keys activate
#            --nameserver sees it and activates)
#   revoke   the old selector's record becomes "v=DKIM1; p=" (over UDP:
#            KeyUpdateProtocol udp)
#   delete   the record is gone (NXDOMAIN)
#   zones    a signing domain inside its parent's zone: refused without
#            KeyUpdateZone, published into the longest listed zone with it
#   publish  a wrong secret: exit 69, BADSIG said, the secret never
#            printed, the zone's serial unchanged; a zone without an ACL:
#            exit 69, a clear refusal, nothing published, the key still
#            recorded pending; a server that is down: a clear error;
#            no KeyUpdateServer: usage error
#   without -c nothing is sent (the record is only printed).
# Needs knotd, keymgr and dig (prints "1..0 # SKIP" when one is missing;
# CI installs them).  Env: top_builddir, top_srcdir, AM_TOOL; KEEP=1
# keeps the scratch dir.  Loopback only.  TAP.

# shellcheck source=t/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=t/e2e/knot.sh
. "$(dirname "$0")/knot.sh"

for p in knotd keymgr dig "$PY"; do
	command -v "$p" >/dev/null 2>&1 || e2e_skip_all "$p is not installed"
done
[ -x "$AM_TOOL" ] || e2e_skip_all "authmilter-tool is not built"

W=$(mktemp -d "${TMPDIR:-/tmp}/am-e2e-ddns.XXXXXX") || e2e_bail "mktemp"
trap 'stop_knot; [ "${KEEP:-0}" = 1 ] && echo "# kept $W" >&2 || rm -rf "$W"' EXIT
trap 'exit 130' INT TERM HUP

PORT=$(free_port)
N=1765000000
DAY=86400
NAME=update.example.
# The key file of most steps is keymgr -t's output as it stands (Knot's
# YAML key section); the UDP steps use BIND's key statement.
keymgr -t "$NAME" hmac-sha256 >"$W/knot-tsig.yaml"
chmod 600 "$W/knot-tsig.yaml"
SECRET=$(awk '$1 == "secret:" { print $2 }' "$W/knot-tsig.yaml")
[ -n "$SECRET" ] || e2e_bail "keymgr -t made a TSIG secret"
WRONG=$(knot_secret "$NAME")

# ---------------------------------------------------------------- knotd
mkdir -p "$W/knot" "$W/keys"
for z in example.net example.org; do
	printf '$ORIGIN %s.\n$TTL 300\n@ SOA ns hostmaster 1 3600 600 86400 300\n@ NS ns\nns A 127.0.0.1\n' \
	    "$z" >"$W/knot/$z.zone"
done
start_knot "$W/knot" "127.0.0.1@$PORT" "$NAME" "$SECRET" example.net:update example.org ||
    e2e_bail "knotd serves example.net" "$(tail -5 "$W/knot/log")"
q() { dig @127.0.0.1 -p "$PORT" +time=2 +tries=1 "$@" 2>/dev/null; }
tap_ok 0 "knotd serves the zones on 127.0.0.1@$PORT"

# ---------------------------------------------------------------- the tool's files
key_file() {	# SECRET FILE
	printf '# TSIG key for rotations\nkey "%s" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' \
	    "$NAME" "$1" >"$2"
	chmod 600 "$2"
}
key_file "$SECRET" "$W/tsig.key"
key_file "$WRONG" "$W/wrong.key"
conf() {	# FILE KEYFILE [MORE LINES]
	printf 'Mode v\nKeyUpdateServer 127.0.0.1@%s\nKeyUpdateKeyFile %s\nKeyUpdateTTL 120\n%s' \
	    "$PORT" "$2" "${3:-}" >"$1"
}
conf "$W/am.conf" "$W/knot-tsig.yaml"
conf "$W/wrong.conf" "$W/wrong.key"
conf "$W/udp.conf" "$W/tsig.key" 'KeyUpdateProtocol udp
'
printf 'Mode v\nKeyUpdateServer 127.0.0.1@%s\nKeyUpdateKeyFile %s\nKeyUpdateTimeout 2\n' \
    "$(free_port)" "$W/tsig.key" >"$W/down.conf"
printf 'Mode v\n' >"$W/none.conf"
conf "$W/zone.conf" "$W/tsig.key" 'KeyUpdateZone example.org, example.net, net
'
cp "$top_srcdir/conf/demo-rsa.key" "$W/keys/rsa2026.private"
cp "$top_srcdir/conf/demo-rsa.key" "$W/keys/org2026.private"
cp "$top_srcdir/conf/demo-rsa.key" "$W/keys/m2026.private"
chmod 600 "$W/keys/"*.private
KT=$W/KeyTable
printf 'net example.net:rsa2026:%s/keys/rsa2026.private\norg example.org:org2026:%s/keys/org2026.private\nm mail.example.net:m2026:%s/keys/m2026.private\n' \
    "$W" "$W" "$W" >"$KT"

run() {	# WANT-EXIT DESCRIPTION ARGS... (authmilter-tool keys ARGS; output in $W/out)
	local want=$1 desc=$2 rc
	shift 2
	"$AM_TOOL" keys "$@" >"$W/out" 2>&1
	rc=$?
	tap_is "$rc" "$want" "$desc" "$(head -c 1500 "$W/out")"
}
said() {	# DESCRIPTION REGEX: the last run's output matches
	grep -qE -- "$2" "$W/out"
	tap_ok $? "$1" "$(head -c 1500 "$W/out")"
}
txt() { q +short TXT "$1" | sed 's/" "//g; s/^"//; s/"$//'; }
serial() { q +short SOA example.net | awk '{ print $3 }'; }

# ---------------------------------------------------------------- rotate, activate
run 0 "rotate -c: done" rotate -c "$W/am.conf" -t "$KT" -d example.net -s rsa2027 --now $N
said "rotate: says it published by dynamic update" \
    '^# Published by dynamic update to 127\.0\.0\.1@[0-9]+ \(zone example\.net\): rsa2027\._domainkey\.example\.net\. 120 IN TXT "v=DKIM1; k=rsa; p=MII'
want=$(sed 's/.*( //; s/ )$//; s/" "//g; s/"//g' "$W/keys/rsa2027.txt")
tap_is "$(txt rsa2027._domainkey.example.net)" "$want" "knotd serves the new record, the value keygen printed"
tap_is "$(q TXT rsa2027._domainkey.example.net | awk '$4 == "TXT" { print $2 }')" 120 \
    "the record has KeyUpdateTTL"
tap_ok "$([ "$(q +short TXT rsa2027._domainkey.example.net | grep -o '"' | wc -l)" -ge 4 ]; echo $?)" \
    "the long value is split into several character-strings"
run 0 "activate: the published record is seen at knotd and matches the key" \
    activate -t "$KT" -d example.net --nameserver "127.0.0.1@$PORT" --ns-port "$PORT" --now $((N + 60))

# ---------------------------------------------------------------- revoke (UDP), delete
run 0 "revoke over UDP: done" revoke -c "$W/udp.conf" -t "$KT" -d example.net -s rsa2026 --now $((N + 8 * DAY))
said "revoke: says it published the empty p= record" 'Published by dynamic update.*rsa2026\._domainkey\.example\.net\. 120 IN TXT "v=DKIM1; p="'
tap_is "$(txt rsa2026._domainkey.example.net)" "v=DKIM1; p=" "knotd serves the revoked record"
grep -q 'DDNS' "$W/knot/log"
tap_ok $? "knotd logged the updates"

s0=$(serial)
run 69 "a wrong TSIG secret: the update fails (exit 69)" publish -c "$W/wrong.conf" -t "$KT" -d example.net -s rsa2027
said "a wrong secret: BADSIG said" 'not published by dynamic update .*BADSIG'
! grep -qF -- "$WRONG" "$W/out" && ! grep -qF -- "$SECRET" "$W/out"
tap_ok $? "no secret in the tool's output"
tap_is "$(serial)" "$s0" "a wrong secret: the zone's serial is unchanged"
tap_is "$(txt rsa2027._domainkey.example.net)" "$want" "a wrong secret: the record is unchanged"

run 0 "delete: done" delete -c "$W/am.conf" -t "$KT" -d example.net -s rsa2026 --now $((N + 9 * DAY))
said "delete: says it withdrew the record" '^# Withdrawn by dynamic update .*rsa2026\._domainkey\.example\.net\.'
q TXT rsa2026._domainkey.example.net | grep -q 'status: NXDOMAIN'
tap_ok $? "knotd no longer has the deleted key's record"
tap_ok "$([ ! -e "$W/keys/rsa2026.private" ]; echo $?)" "delete: the private key is gone"

run 0 "publish by hand: done" publish -c "$W/am.conf" -t "$KT" -d example.net -s rsa2027
said "publish: the active key's record" 'Published by dynamic update.*rsa2027\._domainkey'

# ---------------------------------------------------------------- refusals
run 69 "a zone that allows no update: rotate fails (exit 69)" \
    rotate -c "$W/am.conf" -t "$KT" -d example.org -s org2027 --now $N
said "no ACL: a clear refusal" 'org2027\._domainkey\.example\.org: not published by dynamic update to 127\.0\.0\.1@[0-9]+ \(zone example\.org\): update refused \(NOTAUTH\).*BADKEY'
said "no ACL: says how to retry" 'keys publish -c .* -d example\.org -a rsa -s org2027'
q TXT org2027._domainkey.example.org | grep -q 'status: NXDOMAIN'
tap_ok $? "no ACL: nothing published"
grep -q '^example\.org rsa org2027 pending ' "$KT.state"
tap_ok $? "no ACL: the new key is still recorded pending"

run 69 "a server that is down: fails (exit 69)" publish -c "$W/down.conf" -t "$KT" -d example.net -s rsa2027
said "server down: a clear error" 'not published by dynamic update .*(cannot reach the server|timed out)'
run 64 "publish without KeyUpdateServer: usage error" publish -c "$W/none.conf" -t "$KT" -d example.net -s rsa2027
said "no KeyUpdateServer: says so" 'no KeyUpdateServer'

# A signing domain inside its parent's zone: KeyUpdateZone names the zone.
run 69 "a subdomain's record, no KeyUpdateZone: sent to a zone knotd lacks (exit 69)" \
    rotate -c "$W/am.conf" -t "$KT" -d mail.example.net -s m2027 --now $N
said "no KeyUpdateZone: the zone tried is the signing domain, refused" '\(zone mail\.example\.net\): update refused: NOTAUTH'
run 0 "publish with KeyUpdateZone example.net: done" publish -c "$W/zone.conf" -t "$KT" -d mail.example.net -s m2027
said "KeyUpdateZone: the longest listed zone the name is in" 'Published by dynamic update to .* \(zone example\.net\): m2027\._domainkey\.mail\.example\.net\.'
tap_is "$(txt m2027._domainkey.mail.example.net | cut -c1-18)" "v=DKIM1; k=rsa; p=" "knotd serves the subdomain's record"

# Without -c nothing is sent: the operator publishes the printed record.
s0=$(serial)
run 0 "rotate without -c: done" rotate -t "$KT" -d example.net -s rsa2028 --now $((N + 10 * DAY))
! grep -q 'dynamic update' "$W/out"
tap_ok $? "without -c: no update mentioned"
tap_is "$(serial)" "$s0" "without -c: the zone is unchanged"

tap_done
