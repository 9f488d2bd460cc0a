#!/usr/bin/env bash
# milter.sh - milter-protocol tests against the real authmilter binary
#
# Each test gets its own scratch directory, config, zone file (through
# the AUTHMILTER_TEST_DNS hook) and pinned clock (AUTHMILTER_TEST_NOW),
# starts authmilter -f on a unix socket there, drives it with
# miltertest and a Lua script from this directory (or arindex.py), and
# stops it.  Loopback only; every process started is stopped.  TAP.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$PWD}
milter=${AM_MILTER:-$top_builddir/milter/authmilter}
tool=${AM_TOOL:-$top_builddir/tool/authmilter-tool}
here=$top_srcdir/t/milter
NOW=1700000000
n=0
failed=0
pids=()

if ! command -v miltertest >/dev/null 2>&1; then
	echo "1..0 # SKIP miltertest not installed (apt-get install miltertest)"
	exit 0
fi
for f in "$milter" "$tool"; do
	if [ ! -x "$f" ]; then
		echo "1..0 # SKIP $f not built"
		exit 0
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/am-milter.XXXXXX")
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT

# tap LINE...: number and print TAP lines read on stdin.
tap() {
	local line
	while IFS= read -r line; do
		case $line in
		"ok - "*) n=$((n + 1)); echo "ok $n - ${line#ok - }" ;;
		"not ok - "*) n=$((n + 1)); failed=$((failed + 1))
			echo "not ok $n - ${line#not ok - }" ;;
		*) echo "# $line" ;;
		esac
	done
}

check() {	# check COND-EXIT NAME
	if [ "$1" = 0 ]; then echo "ok - $2"; else echo "not ok - $2"; fi
}

# ---------------------------------------------------------------- fixtures
fix=$tmp/fixtures
mkdir -p "$fix"
cp "$top_srcdir"/conf/demo-rsa.key "$top_srcdir"/conf/demo-ed25519.key "$fix"/
chmod 600 "$fix"/*.key
cat "$top_srcdir"/conf/demo.zone > "$fix"/test.zone
cat >> "$fix"/test.zone <<'ZONE'
bad._domainkey IN TXT "v=DKIM1; p=unused"
;@fail bad._domainkey.example.net. SERVFAIL
ZONE
# SPF records (spf.lua, spf-reject.lua, spfreply.py); the clients are
# 198.51.100.1 (external) and 127.0.0.1 (InternalHosts).
cat > "$fix"/spf.zone <<'ZONE'
$ORIGIN spf.example.
$TTL 300
@ IN SOA ns.spf.example. hostmaster.spf.example. 1 3600 600 86400 300
@ IN NS ns.spf.example.
pass IN TXT "v=spf1 ip4:198.51.100.0/24 -all"
fail IN TXT "v=spf1 ip4:192.0.2.99 -all"
failexp IN TXT "v=spf1 -all exp=exp.failexp.spf.example"
exp.failexp IN TXT "%{i} may not send for %{d}, see https://spf.example/why"
pct IN TXT "v=spf1 -all exp=exp.pct.spf.example"
exp.pct IN TXT "100%% sure: %{i} is refused"
softfail IN TXT "v=spf1 ~all"
neutral IN TXT "v=spf1 ?all"
perm IN TXT "v=spf1 ip4:192.0.2.1/33 -all"
temp IN TXT "v=spf1 include:broken.spf.example -all"
broken IN TXT "v=spf1 +all"
nospf IN A 192.0.2.10
helo IN TXT "v=spf1 ip4:198.51.100.1 -all"
badhelo IN TXT "v=spf1 -all"
;@fail broken.spf.example. SERVFAIL
; DMARC (dmarc.lua): aligned passes SPF for 198.51.100.0/24
aligned IN TXT "v=spf1 ip4:198.51.100.0/24 -all"
_dmarc.aligned IN TXT "v=DMARC1; p=reject"
_dmarc.bank IN TXT "v=DMARC1; p=reject"
_dmarc.quar IN TXT "v=DMARC1; p=quarantine"
_dmarc.monitor IN TXT "v=DMARC1; p=none"
_dmarc.ignored IN TXT "v=DMARC1; p=reject"
_dmarc.flaky IN TXT "v=DMARC1; p=reject"
;@fail _dmarc.flaky.spf.example. SERVFAIL
ZONE
cat > "$fix"/msg.eml <<'MSG'
From: User <user@example.net>
To: rcpt@example.com
Subject: milter test
Date: Tue, 14 Nov 2023 22:13:20 +0000
Message-ID: <milter-test@example.net>

Hello from the milter tests.
  Two spaces, a tab	here.
MSG

sign() {	# sign SELECTOR KEY [more -d -s -k] < in > out
	"$tool" sign -T $NOW "$@"
}
sign -d example.net -s rsa2026 -k "$fix"/demo-rsa.key "$fix"/msg.eml > "$fix"/signed.eml
sed 's/Two spaces/Three spaces/' "$fix"/signed.eml > "$fix"/tampered.eml
sign -d example.net -s bad -k "$fix"/demo-rsa.key "$fix"/msg.eml > "$fix"/signed-servfail.eml
sign -d example.net -s nokey -k "$fix"/demo-rsa.key "$fix"/msg.eml > "$fix"/signed-nokey.eml

# sigvalues FILE: the DKIM-Signature values at the top of FILE, without
# "DKIM-Signature:", one field after the other joined by LF.
sigvalues() {
	awk '/^DKIM-Signature:/ { if (s != "") print s; s = substr($0, 16); next }
	     /^[ \t]/ && s != "" { s = s "\n" $0; next }
	     { if (s != "") print s; exit }' "$1" | sed 's/\r$//'
}

# ---------------------------------------------------------------- runner
# start NAME CONF-BODY: writes $tmp/NAME/authmilter.conf and starts the
# daemon; sets dir, sock, pid.
start() {
	dir=$tmp/$1
	mkdir -p "$dir"
	cp "$fix"/* "$dir"/
	sock=$dir/sock
	printf 'Socket unix:%s\nPidFile %s/pid\nAuthservID mx.example.org\n%s\n' \
		"$sock" "$dir" "$2" > "$dir"/authmilter.conf
	AUTHMILTER_TEST_DNS=${TEST_DNS-$dir/test.zone:$dir/spf.zone} \
	AUTHMILTER_TEST_NOW=$NOW \
		"$milter" -f -c "$dir"/authmilter.conf 2>"$dir"/log &
	pid=$!
	pids+=("$pid")
	local i
	for i in $(seq 1 100); do
		grep -q "authmilter .* started" "$dir"/log 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	echo "# authmilter did not start:"; sed 's/^/# /' "$dir"/log
	return 1
}

# stop: SIGTERM, then check the process ended and cleaned up.
stop() {
	local i
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 1 200); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "not ok - $1: authmilter stopped on SIGTERM"
		kill -KILL "$pid" 2>/dev/null
	else
		echo "ok - $1: authmilter stopped on SIGTERM"
	fi
	wait "$pid" 2>/dev/null
	[ ! -e "$sock" ] && [ ! -e "$dir"/pid ]
	check $? "$1: socket and pid file removed"
	! grep -q 'Sanitizer' "$dir"/log
	check $? "$1: no sanitizer report"
}

# run NAME SCRIPT: miltertest runs SCRIPT against the daemon.
run() {
	miltertest -D sock="unix:$sock" -D dir="$dir" -D pid="$pid" \
		-D srcdir="$top_srcdir" -D name="$1" \
		-s "$here/$2" > "$dir"/mt.out 2>&1
	local rc=$?
	cat "$dir"/mt.out
	check $rc "$1: $2 ran to the end"
	if ! grep -q '^ok' "$dir"/mt.out || grep -q '^not ok' "$dir"/mt.out; then
		sed 's/^/log: /' "$dir"/log
	fi
}

# test NAME SCRIPT CONF-BODY
milter_test() {
	if start "$1" "$3"; then
		run "$1" "$2"
		stop "$1"
	else
		echo "not ok - $1: authmilter started"
	fi
}

base="Mode sv
Domain example.net
Selector rsa2026
KeyFile $fix/demo-rsa.key"

{
# ---- sign
sigvalues "$fix"/signed.eml > "$fix"/expect-sig
milter_test sign sign.lua "$base
SoftwareHeader yes"
if [ -s "$tmp"/sign/got-sig ]; then
	{ printf 'DKIM-Signature:%s\n' "$(cat "$tmp"/sign/got-sig)"; cat "$fix"/msg.eml; } \
		> "$tmp"/sign/out.eml
	"$tool" verify --zone "$fix"/test.zone --now $NOW "$tmp"/sign/out.eml \
		> "$tmp"/sign/verify.out 2>&1
	grep -q '^dkim=pass' "$tmp"/sign/verify.out
	check $? "sign: the milter's signature verifies with authmilter-tool"
fi

# ---- dual sign: KeyTable entry with two keys, refile: SigningTable
sign -d example.net -s rsa2026 -k "$fix"/demo-rsa.key \
	-d example.net -s ed2026 -k "$fix"/demo-ed25519.key "$fix"/msg.eml \
	> "$fix"/dual.eml
sigvalues "$fix"/dual.eml | awk 'NR > 1 && /^ v=1/ { printf "DKIM-Signature:" } { print }' \
	> "$fix"/expect-sig
printf 'dual\texample.net:rsa2026:%s, example.net:ed2026:%s\n' \
	"$fix"/demo-rsa.key "$fix"/demo-ed25519.key > "$fix"/KeyTable
printf '*@example.net\tdual\n' > "$fix"/SigningTable
milter_test dualsign dualsign.lua "Mode sv
KeyTable $fix/KeyTable
SigningTable refile:$fix/SigningTable"
if [ -s "$tmp"/dualsign/got-sig ]; then
	{ printf 'DKIM-Signature:%s\n' "$(cat "$tmp"/dualsign/got-sig)"; cat "$fix"/msg.eml; } \
		> "$tmp"/dualsign/out.eml
	"$tool" verify --zone "$fix"/test.zone --now $NOW "$tmp"/dualsign/out.eml \
		> "$tmp"/dualsign/verify.out 2>&1
	[ "$(grep -c '^dkim=pass' "$tmp"/dualsign/verify.out)" = 2 ]
	check $? "dual-sign: both signatures verify with authmilter-tool"
fi

# ---- verify
{ printf ' mx.example.org'
  "$tool" verify --zone "$fix"/test.zone --now $NOW "$fix"/signed.eml |
	while IFS= read -r l; do printf ';\n\t%s' "$l"; done
  # SPF, on by default: example.net and client.example publish none
  printf ';\n\tspf=none smtp.mailfrom=sender@example.net'
  printf ';\n\tspf=none smtp.helo=client.example'
  # DMARC, on by default: example.net publishes no _dmarc record
  printf ';\n\tdmarc=none header.from=example.net'; } > "$fix"/expect-ar-pass
milter_test verify verify.lua "$base
On-BadSignature reject
On-KeyNotFound quarantine"

# ---- SPF: annotate (defaults), then act (reject, tempfail, Received-SPF)
milter_test spf spf.lua "$base"
milter_test spf-reject spf-reject.lua "$base
SPFFailAction reject
SPFSoftFailAction r
SPFTempErrorAction tempfail
SPFReceivedHeader yes
SPFSkipTrusted no
SPFExplanation custom: %{i} refused for %{d}"
if start spfreply "$base
SPFFailAction reject
SPFSoftFailAction reject
SPFTempErrorAction tempfail
SPFExplanation custom: %{i} refused for %{d}"; then
	python3 "$here"/spfreply.py "$sock"
	check $? "spfreply: spfreply.py ran to the end"
	stop spfreply
fi
milter_test spf-mode-s spf-modes.lua "Mode s
Domain example.net
Selector rsa2026
KeyFile $fix/demo-rsa.key"
milter_test spf-off spf-modes.lua "$base
SPFMode off"
# every A-R value (python3-authres) and Received-SPF value (pyspf)
/usr/bin/python3 "$here"/spfparse.py "$tmp"/spf/ar-* "$tmp"/spf-reject/ar-* \
	"$tmp"/spf-reject/rspf-*
check $? "spfparse: spfparse.py ran to the end"

# ---- DMARC: defaults (quarantine, tempfail), then RejectFailures
milter_test dmarc dmarc.lua "$base
IgnoreDomains ignored.spf.example"
milter_test dmarc-reject dmarc.lua "$base
IgnoreMailFrom ignored.spf.example
RejectFailures yes
TemporaryErrorAction accept"
# every A-R value parses with python3-authres, dmarc results included
/usr/bin/python3 "$here"/dmarcparse.py "$tmp"/dmarc/ar-* "$tmp"/dmarc-reject/ar-*
check $? "dmarcparse: dmarcparse.py ran to the end"

# ---- TrustedAuthservIDs: example.net publishes p=reject for this one
cp "$fix"/test.zone "$tmp"/test.zone.saved
printf '_dmarc IN TXT "v=DMARC1; p=reject"\n' >> "$fix"/test.zone
milter_test trusted trusted.lua "$base
TrustedAuthservIDs relay.example.net, mx.example.org"
cp "$tmp"/test.zone.saved "$fix"/test.zone

# ---- a name server that never answers: one DNSBudget per message.
# The real resolver (TEST_DNS empty: no zone files) asks a UDP socket on
# 127.0.0.1 that nobody reads.
python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
time.sleep(600)' > "$tmp"/silent.port &
pids+=($!)
for i in $(seq 1 50); do [ -s "$tmp"/silent.port ] && break; sleep 0.1; done
TEST_DNS= milter_test dns-budget dns-budget.lua "Mode v
Nameservers 127.0.0.1@$(cat "$tmp"/silent.port)
DNSTimeout 1
DNSBudget 1
MaximumSignaturesToVerify 100"

# ---- decision by address, authentication and macro
milter_test decision decision.lua "$base
InternalHosts 127.0.0.1, 192.0.2.0/24
MacroList daemon_name=MSA"

# ---- malformed input
milter_test malformed malformed.lua "$base
On-BadSignature accept
RequiredHeaders no"
milter_test badfrom badfrom.lua "$base
RejectBadFrom yes"

# ---- A-R removal, on the wire
if command -v python3 >/dev/null 2>&1 && start arindex "$base"; then
	python3 "$here"/arindex.py "$sock"
	check $? "arindex: arindex.py ran to the end"
	stop arindex
else
	echo "ok - arindex # SKIP python3 missing"
fi

# ---- reload: good and bad config with messages in flight; SIGTERM
mkdir -p "$tmp"/reload
printf 'Socket unix:%s\nPidFile %s/pid\nAuthservID mx.example.org\n%s\n' \
	"$tmp/reload/sock" "$tmp/reload" "Mode sv
Domain example.net
Selector ed2026
KeyFile $fix/demo-ed25519.key" > "$fix"/good2.conf
printf 'Socket unix:%s\nMode sv\nNoSuchOption yes\n' "$tmp/reload/sock" > "$fix"/bad.conf
if start reload "$base"; then
	run reload reload.lua
	for i in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	! kill -0 "$pid" 2>/dev/null
	check $? "reload: authmilter exited after SIGTERM"
	wait "$pid" 2>/dev/null
	[ ! -e "$sock" ] && [ ! -e "$dir"/pid ]
	check $? "reload: socket and pid file removed"
fi

# ---- command line: -n, -V, stale socket
"$milter" -n -c "$tmp"/reload/authmilter.conf > "$tmp"/n.out 2>&1
rc=$?
[ $rc = 78 ] && grep -q 'authmilter.conf:3' "$tmp"/n.out
check $? "-n: a bad config exits 78 naming file:line"
"$milter" -n -c "$tmp"/sign/authmilter.conf > "$tmp"/n.out 2>&1
[ $? = 0 ] && grep -q '^Selector  *rsa2026' "$tmp"/n.out
check $? "-n: a good config exits 0 and prints the effective config"
"$milter" -V | grep -q '^authmilter '
check $? "-V: prints the version"
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' \
	"$tmp"/sign/sock 2>/dev/null
if [ -S "$tmp"/sign/sock ] && start sign "$base"; then
	grep -q "removing stale socket" "$dir"/log
	check $? "stale socket: removed at start"
	# Bounded: if the check wrongly let it start, it must not hang the suite.
	AUTHMILTER_TEST_DNS=$dir/test.zone:$dir/spf.zone timeout 10 "$milter" -f \
		-c "$dir"/authmilter.conf > "$tmp"/second.out 2>&1
	[ $? != 0 ] && grep -q 'in use by another process' "$tmp"/second.out
	check $? "a socket in use is not taken over"
	stop sign
fi
} > "$tmp"/raw 2>&1
tap < "$tmp"/raw
echo "1..$n"
