# shellcheck shell=bash
# t/e2e/knot.sh - a private Knot DNS on loopback (sourced after lib.sh)
#
#   knot_secret NAME      prints a new hmac-sha256 TSIG secret (keymgr -t)
#   start_knot DIR ADDR@PORT KEYNAME SECRET ZONE[:update]...
#                         knotd serving DIR/ZONE.zone for each ZONE from
#                         DIR (config DIR/knot.conf, log DIR/log, journal
#                         and timers in DIR); ZONE:update has an ACL letting
#                         the TSIG key KEYNAME (hmac-sha256, SECRET) update
#                         it.  Waits until the first zone's SOA is served;
#                         returns 1 if it is not.  Sets KNOT_PID.
#   stop_knot             SIGTERM by pid, only while it runs knotd
#
# Updates stay in knotd's journal (zonefile-sync -1): the zone files are
# never rewritten.  Used by ddns.sh and rotation-ddns.sh.

KNOT_PID=""
KNOT_EXE=""

knot_secret() {
	keymgr -t "$1" hmac-sha256 | awk '$1 == "secret:" { print $2 }'
}

start_knot() {
	local dir=$1 listen=$2 keyname=$3 secret=$4 z first _
	shift 4
	first=${1%%:*}
	cat >"$dir/knot.conf" <<EOF
server:
    rundir: "$dir"
    listen: $listen
log:
  - target: stderr
    any: info
database:
    storage: "$dir"
key:
  - id: $keyname
    algorithm: hmac-sha256
    secret: $secret
acl:
  - id: update
    key: $keyname
    action: update
template:
  - id: default
    storage: "$dir"
    zonefile-sync: -1
zone:
EOF
	for z in "$@"; do
		printf '  - domain: %s\n' "${z%%:*}" >>"$dir/knot.conf"
		case $z in *:update) printf '    acl: update\n' >>"$dir/knot.conf" ;; esac
	done
	KNOT_EXE=$(readlink -f "$(command -v knotd)")
	knotd -c "$dir/knot.conf" >"$dir/log" 2>&1 &
	KNOT_PID=$!
	E2E_CLEANUP="stop_knot; $E2E_CLEANUP"
	for _ in $(seq 50); do
		[ -n "$(dig @"${listen%@*}" -p "${listen#*@}" +time=1 +tries=1 +short SOA "$first" 2>/dev/null)" ] &&
		    return 0
		kill -0 "$KNOT_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

stop_knot() {
	alive_as "$KNOT_PID" "$KNOT_EXE" || return 0
	kill -TERM "$KNOT_PID" 2>/dev/null
	wait_gone "$KNOT_PID" 10
	KNOT_PID=""
}
