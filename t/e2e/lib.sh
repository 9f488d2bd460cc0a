# shellcheck shell=bash disable=SC2034
# t/e2e/lib.sh - shared machinery of the end-to-end tests (sourced)
#
# Adapted from ../shared/recipes/postfix-milter-e2e.sh (read its README for
# the reasons behind every setting).  Provides:
#   TAP        tap_ok, tap_is, tap_diag, tap_done, e2e_skip_all
#   scratch    $W (absolute, removed on exit unless KEEP=1), e2e_init
#   ports      free_port
#   keys       make_key NAME rsa|ed25519 DOMAIN SELECTOR; publish NAME DOMAIN SELECTOR
#              (zone-file lines in $W/dns/records.ZONE)
#   DNS        write_zones: zone files for $ZONES (default $DOMAIN) with the
#              key records, and 0.0.127.in-addr.arpa; start_nsd: NSD serving
#              them on 127.0.0.1:$DNS_PORT (knot.sh: knotd instead)
#   milters    start_milter LABEL SOCKET PIDFILE CMD...; stop_milter LABEL
#   Postfix    start_postfix PORT:SOCKET...; stop_postfix
#   mail       send NAME [swaks args...] -> queue id; wait_delivered QID
#   python     $PY $HELPER (t/e2e/e2e-helper.py: dkimpy, authres, summaries)
#
# Every daemon is stopped by the pid we recorded for it, only while that
# pid still runs the binary we started; never by name.  Loopback only:
# NSD answers on a random free port, Postfix does no DNS at all.

set -u
export LC_ALL=C

PY=/usr/bin/python3			# Debian's modules live here (interop.md)
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HELPER=$E2E_DIR/e2e-helper.py
top_builddir=${top_builddir:-$(cd "$E2E_DIR/../.." && pwd)}
top_srcdir=${top_srcdir:-$(cd "$E2E_DIR/../.." && pwd)}
AM_MILTER=${AM_MILTER:-$top_builddir/milter/authmilter}
AM_TOOL=${AM_TOOL:-$top_builddir/tool/authmilter-tool}

DOMAIN=example.test			# .test: never resolvable elsewhere (RFC 6761)
MX=mx.$DOMAIN				# our AuthservID
EXT_IP=127.0.0.2			# "the internet": all of 127/8 is on lo
T0=$EPOCHREALTIME

# ---------------------------------------------------------------- TAP
TAP_N=0
TAP_FAIL=0
tap_ok() {	# STATUS DESCRIPTION [DIAG...]; STATUS 0 is ok
	local st=$1 desc=$2 line
	shift 2
	TAP_N=$((TAP_N + 1))
	if [ "$st" = 0 ]; then
		echo "ok $TAP_N - $desc"
	else
		TAP_FAIL=$((TAP_FAIL + 1))
		echo "not ok $TAP_N - $desc"
		for line in "$@"; do
			printf '%s\n' "$line" | sed 's/^/#   /'
		done
	fi
}
tap_is() {	# GOT WANT DESCRIPTION [DIAG...]
	local got=$1 want=$2 desc=$3
	shift 3
	if [ "$got" = "$want" ]; then tap_ok 0 "$desc"
	else tap_ok 1 "$desc" "got:  $got" "want: $want" "$@"; fi
}
tap_skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N # SKIP $1"; }
tap_diag() { printf '%s\n' "$@" | sed 's/^/# /'; }
tap_done() {
	tap_diag "$(printf 'elapsed %.1f s' "$(awk "BEGIN{print $EPOCHREALTIME - $T0}")")"
	echo "1..$TAP_N"
	[ "$TAP_FAIL" = 0 ]
	exit $?
}
e2e_skip_all() { echo "1..0 # SKIP $*"; exit 0; }
# bail out: a setup step failed, the remaining checks cannot run
e2e_bail() {
	tap_ok 1 "$1" "${@:2}"
	tap_done
}

# ---------------------------------------------------------------- scratch, cleanup
E2E_CLEANUP=""
e2e_cleanup() {
	local rc=$?
	trap - EXIT
	eval "$E2E_CLEANUP"
	if [ "${KEEP:-0}" = 1 ]; then
		echo "# KEEP=1: scratch kept in $W (daemons stopped)" >&2
	else
		rm -rf "$W"
	fi
	exit $rc
}
# e2e_init NAME - root check, required programs, scratch dir, traps.
# E2E_DNS_PROGS: the DNS server's programs (default: NSD's).
e2e_init() {
	local p missing=""
	[ "$(id -u)" = 0 ] || e2e_skip_all "needs root (a private Postfix instance runs its services as user postfix)"
	for p in postfix swaks ${E2E_DNS_PROGS:-nsd nsd-checkzone} dig ss openssl "$PY"; do
		command -v "$p" >/dev/null 2>&1 || missing="$missing $p"
	done
	[ -x /usr/lib/postfix/sbin/master ] || missing="$missing postfix-master"
	# In CI every dependency is installed: a missing one is a failure.
	[ -z "$missing" ] || e2e_bail "required programs present" "missing:$missing"
	W=$(mktemp -d "${TMPDIR:-/tmp}/am-e2e-$1.XXXXXX") || e2e_bail "mktemp"
	case $W in /*) ;; *) W=$(cd "$W" && pwd) ;; esac	# postfix -c needs absolute paths
	chmod 755 "$W"			# postfix and nobody traverse it
	mkdir -p "$W"/{dns,keys,milter,postfix/etc,postfix/spool,bin,out,msg,log}
	chmod 777 "$W/milter"		# smtpd (user postfix) connects to the socket here
	chmod 700 "$W/keys"
	chown nobody:nogroup "$W/out"	# the pipe transport runs as nobody
	trap e2e_cleanup EXIT
	trap 'exit 130' INT TERM HUP
}

# ---------------------------------------------------------------- processes
# alive_as PID EXE - PID is alive and runs EXE (guards against pid reuse)
alive_as() {
	[ -n "$1" ] && kill -0 "$1" 2>/dev/null &&
	    [ "$(readlink "/proc/$1/exe" 2>/dev/null)" = "$2" ]
}
# wait_gone PID SECONDS - wait for PID to exit; SIGKILL after SECONDS
wait_gone() {
	local pid=$1 n=$(($2 * 10)) _
	for _ in $(seq "$n"); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null
	return 1
}

# free_port - a port free on 127.0.0.1 for both UDP and TCP
free_port() {
	$PY - <<'EOF'
import random, socket
for _ in range(200):
    p = random.randint(20000, 60000)
    try:
        for t in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
            s = socket.socket(socket.AF_INET, t)
            s.bind(("127.0.0.1", p))
            s.close()
    except OSError:
        continue
    print(p)
    break
EOF
}

# ---------------------------------------------------------------- keys
# zone_of NAME - the zone of $ZONES (default: $DOMAIN) that holds NAME
zone_of() {
	local z best=""
	for z in ${ZONES:-$DOMAIN}; do
		case $1 in "$z" | *."$z") [ ${#z} -gt ${#best} ] && best=$z ;; esac
	done
	echo "${best:-$DOMAIN}"
}
# make_key NAME rsa|ed25519 DOMAIN SELECTOR - private key $W/keys/NAME.private
# (mode 0600) and its TXT record as a zone-file line in $W/dns/records.ZONE.
# Uses `authmilter-tool keygen` when the tool has it (its zone line is then
# what NSD serves, so nsd-checkzone and every verifier check it), else openssl.
KEYGEN_USED=openssl
make_key() {
	local name=$1 alg=$2 d=$3 s=$4 p dir rec priv records
	records=$W/dns/records.$(zone_of "$d")
	if [ "${E2E_KEYGEN:-auto}" != openssl ] && [ -x "$AM_TOOL" ]; then
		dir=$W/keys/gen-$name
		mkdir -p "$dir"
		if "$AM_TOOL" keygen -d "$d" -s "$s" -a "$alg" -D "$dir" \
		    >"$dir/stdout" 2>"$dir/stderr"; then
			priv=$(grep -l 'PRIVATE KEY' "$dir"/* 2>/dev/null | head -n1)
			rec=$(grep -l 'DKIM1' "$dir"/* 2>/dev/null | grep -v /stdout | head -n1)
			[ -n "$rec" ] || rec=$dir/stdout
			if [ -n "$priv" ] && grep -q 'v=DKIM1' "$rec"; then
				cp "$priv" "$W/keys/$name.private"
				chmod 600 "$W/keys/$name.private"
				# keep the zone-file record (possibly a multi-line
				# parenthesised TXT); relative owner names are
				# made absolute.
				awk '
				    !on && /_domainkey/ && !/^[ \t]*;/ { on = 1; paren = index($0, "(") > 0 }
				    on { print; if (!paren || index($0, ")")) exit }
				' "$rec" | sed -e "s/^\($s\._domainkey\)\([ \t]\)/\1.$d.\2/" \
				    -e "s/^\($s\._domainkey\.$d\)\([ \t]\)/\1.\2/" >>"$records"
				KEYGEN_USED=authmilter-tool
				return 0
			fi
		fi
		tap_diag "authmilter-tool keygen did not give a usable key for $name; using openssl" \
		    "$(cat "$dir/stderr" 2>/dev/null | head -3)"
	fi
	case $alg in
	rsa)
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
		    -out "$W/keys/$name.private" 2>/dev/null || return 1
		p=$(openssl pkey -in "$W/keys/$name.private" -pubout -outform DER | base64 -w0)
		;;
	ed25519)
		openssl genpkey -algorithm ED25519 -out "$W/keys/$name.private" || return 1
		# RFC 8463: p= is the raw 32-byte public key
		p=$(openssl pkey -in "$W/keys/$name.private" -pubout -outform DER |
		    tail -c 32 | base64 -w0)
		;;
	esac
	chmod 600 "$W/keys/$name.private"
	rec="v=DKIM1; k=$alg; p=$p"
	{
		printf '%s._domainkey.%s. IN TXT (' "$s" "$d"
		while [ -n "$rec" ]; do printf ' "%s"' "${rec:0:250}"; rec=${rec:250}; done
		printf ' )\n'
	} >>"$records"
}
# publish NAME DOMAIN SELECTOR - publish an existing key under another name
publish() {
	local priv=$W/keys/$1.private p alg=rsa rec records
	records=$W/dns/records.$(zone_of "$2")
	openssl pkey -in "$priv" -noout -text 2>/dev/null | grep -qi ed25519 && alg=ed25519
	if [ $alg = rsa ]; then
		p=$(openssl pkey -in "$priv" -pubout -outform DER | base64 -w0)
	else
		p=$(openssl pkey -in "$priv" -pubout -outform DER | tail -c 32 | base64 -w0)
	fi
	rec="v=DKIM1; k=$alg; p=$p"
	{
		printf '%s._domainkey.%s. IN TXT (' "$3" "$2"
		while [ -n "$rec" ]; do printf ' "%s"' "${rec:0:250}"; rec=${rec:250}; done
		printf ' )\n'
	} >>"$records"
}

# ---------------------------------------------------------------- DNS: zones
# write_zones - the zone files $W/dns/ZONE.zone: $DOMAIN (A, MX, SPF) and
# the other zones of $ZONES (SOA and NS only), each with its key records
# from $W/dns/records.ZONE; the empty TLDs above them; and
# 0.0.127.in-addr.arpa.  Every zone's NS is ns.$DOMAIN (127.0.0.1), plus
# any that records.ZONE adds.  Sets DNS_ZONE_NAMES to the list of them.
DNS_ZONE_NAMES=""
write_zones() {
	local z tlds=""
	for z in ${ZONES:-$DOMAIN}; do
		printf '$ORIGIN %s.\n$TTL 300\n@ IN SOA ns.%s. hostmaster.%s. ( 1 3600 600 86400 300 )\n@ IN NS ns.%s.\n' \
		    "$z" "$DOMAIN" "$DOMAIN" "$DOMAIN" >"$W/dns/$z.zone"
	done
	cat >>"$W/dns/$DOMAIN.zone" <<EOF
ns      IN A    127.0.0.1
@       IN A    127.0.0.1
@       IN MX   10 $MX.
mx      IN A    127.0.0.1
relay   IN A    $EXT_IP
@       IN TXT  "v=spf1 ip4:127.0.0.1 -all"
EOF
	for z in ${ZONES:-$DOMAIN}; do
		cat "$W/dns/records.$z" >>"$W/dns/$z.zone" 2>/dev/null
	done
	# The TLDs above the zones, empty: the DMARC tree walk asks for
	# _dmarc.TLD, where the internet answers NXDOMAIN, not REFUSED.
	for z in ${ZONES:-$DOMAIN}; do
		case " ${ZONES:-$DOMAIN} $tlds " in *" ${z##*.} "*) continue ;; esac
		tlds="$tlds ${z##*.}"
		printf '$ORIGIN %s.\n$TTL 300\n@ IN SOA ns.%s. hostmaster.%s. ( 1 3600 600 86400 300 )\n@ IN NS ns.%s.\n' \
		    "${z##*.}" "$DOMAIN" "$DOMAIN" "$DOMAIN" >"$W/dns/${z##*.}.zone"
	done
	cat >"$W/dns/0.0.127.in-addr.arpa.zone" <<EOF
\$ORIGIN 0.0.127.in-addr.arpa.
\$TTL 300
@       IN SOA  ns.$DOMAIN. hostmaster.$DOMAIN. ( 1 3600 600 86400 300 )
@       IN NS   ns.$DOMAIN.
1       IN PTR  $MX.
2       IN PTR  relay.$DOMAIN.
EOF
	DNS_ZONE_NAMES="${ZONES:-$DOMAIN}$tlds 0.0.127.in-addr.arpa"
}

# ---------------------------------------------------------------- DNS: NSD
# start_nsd - write_zones, then serve them with NSD on 127.0.0.1:$DNS_PORT
# (chosen here if unset).  knot.sh's start_knot serves them with knotd.
NSD_PID=""
start_nsd() {
	local _ z
	DNS_PORT=${DNS_PORT:-$(free_port)}
	write_zones
	cat >"$W/dns/nsd.conf" <<EOF
server:
    ip-address: 127.0.0.1@$DNS_PORT
    do-ip6: no
    username: ""
    chroot: ""
    zonesdir: "$W/dns"
    database: ""
    zonelistfile: "$W/dns/zone.list"
    xfrdfile: "$W/dns/xfrd.state"
    xfrdir: "$W/dns"
    cookie-secret-file: "$W/dns/cookiesecrets.txt"
    pidfile: "$W/dns/nsd.pid"
    logfile: "$W/dns/nsd.log"
    server-count: 1
    verbosity: 1
remote-control:
    control-enable: no
EOF
	for z in $DNS_ZONE_NAMES; do
		printf 'zone:\n    name: "%s"\n    zonefile: "%s.zone"\n' "$z" "$z" >>"$W/dns/nsd.conf"
		nsd-checkzone "$z" "$W/dns/$z.zone" >>"$W/dns/check.log" 2>&1 || return 1
	done
	timeout 20 nsd -c "$W/dns/nsd.conf" >>"$W/dns/check.log" 2>&1 || return 1
	for _ in $(seq 50); do [ -s "$W/dns/nsd.pid" ] && break; sleep 0.1; done
	NSD_PID=$(head -n1 "$W/dns/nsd.pid" 2>/dev/null | tr -dc 0-9)
	[ -n "$NSD_PID" ] || return 1
	E2E_CLEANUP="stop_nsd; $E2E_CLEANUP"	# runs last (cleanup list is LIFO)
	for _ in $(seq 50); do
		[ -n "$(dnsq SOA "$DOMAIN")" ] && return 0
		sleep 0.1
	done
	return 1
}
stop_nsd() {
	alive_as "$NSD_PID" /usr/sbin/nsd || return 0
	kill -TERM "$NSD_PID" 2>/dev/null
	wait_gone "$NSD_PID" 10
	NSD_PID=""
}
dnsq() { dig @127.0.0.1 -p "$DNS_PORT" +time=2 +tries=1 +short "$@" 2>/dev/null; }

# ---------------------------------------------------------------- milters
# start_milter LABEL SOCKET PIDFILE CMD... - run CMD (a milter in the
# foreground) in the background, stdout+stderr to $W/log/LABEL.log; wait
# for SOCKET.  Sets MILTER_PID_<LABEL>.  Returns 1 if it died or timed out.
start_milter() {
	local label=$1 sock=$2 pidfile=$3 pid _
	shift 3
	"$@" >>"$W/log/$label.log" 2>&1 &
	pid=$!
	printf -v "MILTER_PID_$label" '%s' "$pid"
	printf -v "MILTER_EXE_$label" '%s' "$(readlink -f "$1")"
	printf -v "MILTER_SOCK_$label" '%s' "$sock"
	printf -v "MILTER_PIDFILE_$label" '%s' "$pidfile"
	E2E_CLEANUP="stop_milter $label >/dev/null; $E2E_CLEANUP"
	for _ in $(seq 150); do
		kill -0 "$pid" 2>/dev/null || return 1
		[ -S "$sock" ] && return 0
		sleep 0.05
	done
	return 1
}
# stop_milter LABEL - SIGTERM by pid, wait (libmilter polls every 5 s);
# prints the seconds it took; returns 1 if it had to be killed
stop_milter() {
	local label=$1 pid exe t
	pid=$(eval "echo \${MILTER_PID_$label:-}")
	exe=$(eval "echo \${MILTER_EXE_$label:-}")
	[ -n "$pid" ] || return 0
	printf -v "MILTER_PID_$label" '%s' ""
	alive_as "$pid" "$exe" || { wait "$pid" 2>/dev/null; return 0; }
	t=$EPOCHREALTIME
	kill -TERM "$pid" 2>/dev/null
	if wait_gone "$pid" 15; then
		wait "$pid" 2>/dev/null
		awk "BEGIN{printf \"%.1f\n\", $EPOCHREALTIME - $t}"
		return 0
	fi
	wait "$pid" 2>/dev/null
	echo "killed"
	return 1
}

# ---------------------------------------------------------------- Postfix
# start_postfix [PORT:SOCKET]... - a private Postfix instance with one
# SMTP listener on 127.0.0.1:PORT per argument, each sending mail through
# the milter at unix:SOCKET; delivery by a pipe into $W/out/QUEUEID.eml.
# POSTFIX_MAIN_EXTRA and POSTFIX_MASTER_EXTRA, when set, are appended to
# main.cf and master.cf (e.g. pickup for the sendmail command, TLS).
POSTFIX_UP=0
start_postfix() {
	local etc=$W/postfix/etc spool=$W/postfix/spool a port sock _
	cat >"$W/bin/capture" <<'EOF'
#!/bin/sh
# pipe(8): the queued message on stdin, stored atomically as <queue-id>.eml
set -e
cat > "$1/.$2.tmp"
mv "$1/.$2.tmp" "$1/$2.eml"
EOF
	chmod 755 "$W/bin/capture"
	cat >"$etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $spool
data_directory = $W/postfix/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $W/postfix/maillog
maillog_file_prefixes = $W
syslog_name = postfix-e2e
myhostname = $MX
mydomain = $DOMAIN
myorigin = \$myhostname
mydestination =
relay_domains = $DOMAIN
mynetworks = 127.0.0.1/32
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
smtpd_relay_restrictions = permit_mynetworks, permit_auth_destination, reject
# XCLIENT (client address, SASL login) is accepted from loopback only
smtpd_authorized_xclient_hosts = 127.0.0.0/8
local_recipient_maps =
alias_maps =
alias_database =
append_dot_mydomain = no
biff = no
smtputf8_enable = no
default_transport = capture
relay_transport = capture
local_transport = capture
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
smtp_host_lookup = native
lmtp_host_lookup = native
smtpd_milters =
non_smtpd_milters =
milter_protocol = 6
milter_default_action = tempfail
milter_connect_timeout = 10s
milter_command_timeout = 10s
milter_content_timeout = 30s
EOF
	[ -z "${POSTFIX_MAIN_EXTRA:-}" ] || printf '%s\n' "$POSTFIX_MAIN_EXTRA" >>"$etc/main.cf"
	: >"$etc/master.cf"
	for a in "$@"; do
		port=${a%%:*}
		sock=${a#*:}
		printf '127.0.0.1:%s inet n - n - - smtpd\n  -o smtpd_milters=unix:%s\n' \
		    "$port" "$sock" >>"$etc/master.cf"
	done
	cat >>"$etc/master.cf" <<EOF
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
capture   unix  -       n       n       -       -       pipe
  user=nobody argv=$W/bin/capture $W/out \${queue_id}
EOF
	[ -z "${POSTFIX_MASTER_EXTRA:-}" ] || printf '%s\n' "$POSTFIX_MASTER_EXTRA" >>"$etc/master.cf"
	timeout 30 postfix -c "$etc" check >>"$W/log/postfix.log" 2>&1 || return 1
	timeout 30 postfix -c "$etc" start >>"$W/log/postfix.log" 2>&1 || return 1
	POSTFIX_UP=1
	E2E_CLEANUP="stop_postfix; $E2E_CLEANUP"
	for a in "$@"; do
		port=${a%%:*}
		for _ in $(seq 100); do
			[ -n "$(ss -Hltn "sport = :$port")" ] && break
			sleep 0.05
		done
		[ -n "$(ss -Hltn "sport = :$port")" ] || return 1
	done
}
stop_postfix() {
	local p
	[ "$POSTFIX_UP" = 1 ] || return 0
	POSTFIX_UP=0
	p=$(head -n1 "$W/postfix/spool/pid/master.pid" 2>/dev/null | tr -dc 0-9)
	alive_as "$p" /usr/lib/postfix/sbin/master || return 0
	timeout 30 postfix -c "$W/postfix/etc" stop >/dev/null 2>&1
	wait_gone "$p" 15
}
postfix_log() { tail -n "${1:-5}" "$W/postfix/maillog" 2>/dev/null; }

# ---------------------------------------------------------------- mail
# send NAME PORT [swaks args...] - prints the queue id (swaks log in $W/log)
send() {
	local name=$1 port=$2
	shift 2
	timeout 60 swaks --server 127.0.0.1 --port "$port" --timeout 20 \
	    --helo "client.$DOMAIN" "$@" >"$W/log/swaks-$name.log" 2>&1 || return 1
	sed -n 's/.*<-  *250 .*queued as \([0-9A-Za-z]*\).*/\1/p' "$W/log/swaks-$name.log" | tail -n1
}
# wait_delivered QID - prints the delivered file (waits up to 30 s)
wait_delivered() {
	local _
	[ -n "$1" ] || return 1
	for _ in $(seq 300); do
		[ -s "$W/out/$1.eml" ] && { echo "$W/out/$1.eml"; return 0; }
		sleep 0.1
	done
	return 1
}
# deliver NAME PORT [swaks args...] - send and wait; prints the file
deliver() {
	local qid
	qid=$(send "$@") && [ -n "$qid" ] && wait_delivered "$qid"
}
swaks_tail() { grep -E '^ *(<~?\*?|\*\*\*)' "$W/log/swaks-$1.log" 2>/dev/null | tail -n 3; }
