#!/usr/bin/env bash
# metrics.sh - the Prometheus endpoint (MetricsSocket) of the real
# authmilter binary: off by default (nothing listens), the option's
# checks, the exposition format (promtool check metrics, and the
# python check in metrics.py), and the counts against a known set of
# messages sent with the wire client (bench-milter --print): one signed,
# DKIM pass, DKIM fail, SPF pass/fail/none, DMARC pass/fail/none, one
# passed through; reloads; the keys' age; the key rotation states and
# the self-check's findings.  DNS answers from a zone file
# (AUTHMILTER_TEST_DNS).  Loopback only; every process started is
# stopped.  TAP.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$PWD}
milter=${AM_MILTER:-$top_builddir/milter/authmilter}
client=$top_builddir/bench/bench-milter
py=$top_srcdir/t/milter/metrics.py
n=0
pid=
if [ ! -x "$milter" ]; then echo "1..0 # SKIP $milter not built"; exit 0; fi
if ! command -v python3 >/dev/null 2>&1; then echo "1..0 # SKIP no python3"; exit 0; fi
if [ ! -x "$client" ]; then
	make -s -C "$top_builddir" bench/bench-milter >/dev/null 2>&1 ||
		{ echo "1..0 # SKIP bench-milter not built"; exit 0; }
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/am-metrics.XXXXXX")
cleanup() {
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT

ok() {	# ok STATUS NAME
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

# The keys, the tables, and a zone with SPF and DMARC for example.net.
cp "$top_srcdir"/conf/demo-rsa.key "$top_srcdir"/conf/demo-ed25519.key "$tmp"/
chmod 600 "$tmp"/*.key
touch -d '10 days ago' "$tmp"/demo-rsa.key
printf 'demo\texample.net:rsa2026:%s/demo-rsa.key, example.net:ed2026:%s/demo-ed25519.key\n' \
	"$tmp" "$tmp" > "$tmp"/KeyTable
printf '*@example.net\tdemo\n' > "$tmp"/SigningTable
# A key rotation state file beside the KeyTable (keystate.h): the metrics
# show each key's state and how long it has been in it.
kst=$(($(date +%s) - 3 * 86400))
printf 'example.net rsa rsa2025 retiring %s %s/old.key\nexample.net rsa rsa2026 active %s %s/demo-rsa.key\n' \
	"$kst" "$tmp" "$kst" "$tmp" > "$tmp"/KeyTable.state
{
	cat "$top_srcdir"/conf/demo.zone
	printf '@ IN TXT "v=spf1 ip4:192.0.2.0/24 -all"\n'
	printf '_dmarc IN TXT "v=DMARC1; p=reject"\n'
	printf 'client IN A 192.0.2.1\nclient IN TXT "v=spf1 a -all"\n'
	printf 'soft IN TXT "v=spf1 ~all"\n'
} > "$tmp"/test.zone

# conf NAME EXTRA: $tmp/NAME/authmilter.conf
conf() {
	dir=$tmp/$1; mkdir -p "$dir"
	printf 'Mode sv\nAuthservID mx.example.org\nKeyTable file:%s/KeyTable\nSigningTable refile:%s/SigningTable\nSocket unix:%s/sock\nPidFile %s/pid\nSPFSoftFailAction reject\n%s\n' \
		"$tmp" "$tmp" "$dir" "$dir" "$2" > "$dir"/authmilter.conf
}

start() {
	AUTHMILTER_TEST_DNS=$tmp/test.zone "$milter" -f -c "$dir"/authmilter.conf \
		2>"$dir"/log &
	pid=$!
	local i
	for i in $(seq 1 100); do
		grep -q "authmilter .* started" "$dir"/log 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	sed 's/^/# /' "$dir"/log
	return 1
}

stop() {
	local i
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=
}

# send OUT ADDR HELO FILE [MAILFROM]: one message through the daemon
send() {
	"$client" --print --socket "unix:$dir/sock" --client-addr "$2" \
		--helo "$3" ${5:+--from "$5"} "$4" > "$tmp/$1" 2>"$tmp/$1.err"
}

val() {	# val FILE NAME [k=v...]
	python3 "$py" value "$@"
}

# is WHAT GOT WANT
is() {
	[ "$2" = "$3" ]
	ok $? "$1 (got $2, want $3)"
	[ "$2" = "$3" ] || return 1
}

port=$(python3 "$py" port)

# ---- the option's checks (-n)
for bad in "inet:$port" "inet:$port@localhost" "inet6:$port@127.0.0.1" \
	"unix:$tmp/m.sock" "inet:0@127.0.0.1"; do
	conf badopt "MetricsSocket $bad"
	"$milter" -n -c "$dir"/authmilter.conf > "$dir"/n.out 2>&1
	rc=$?
	[ $rc = 78 ] && grep -q "MetricsSocket" "$dir"/n.out
	ok $? "-n: MetricsSocket $bad is refused (exit 78, named)"
done
for good in "inet:$port@127.0.0.1" "inet6:$port@::1" "inet6:$port@[::1]"; do
	conf goodopt "MetricsSocket $good"
	"$milter" -n -c "$dir"/authmilter.conf > "$dir"/n.out 2>&1
	ok $? "-n: MetricsSocket $good is accepted"
done

# ---- off by default: nothing listens
conf off ""
if start; then
	python3 "$py" closed "$port"
	ok $? "without MetricsSocket nothing listens on the port"
	if command -v ss >/dev/null 2>&1; then
		! ss -Hltnp 2>/dev/null | grep -q "pid=$pid,"
		ok $? "without MetricsSocket the daemon has no listening TCP socket"
	else
		ok 0 "# SKIP no ss"
	fi
	stop
else
	ok 1 "started without MetricsSocket"; ok 1 "no TCP socket"
fi

# ---- a port already taken stops the start (exit 71), as Socket does
conf taken "MetricsSocket inet:$port@127.0.0.1"
python3 -c 'import socket,sys,time
s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1]))); s.listen(1)
open(sys.argv[2],"w").close(); time.sleep(15)' "$port" "$dir"/held &
holder=$!
for _ in $(seq 100); do [ -e "$dir"/held ] && break; sleep 0.05; done
AUTHMILTER_TEST_DNS=$tmp/test.zone timeout 10 "$milter" -f \
	-c "$dir"/authmilter.conf > "$dir"/log 2>&1
rc=$?
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
[ $rc = 71 ] && grep -q "MetricsSocket inet:$port@127.0.0.1: Address already in use" "$dir"/log &&
	[ ! -e "$dir"/sock ] && [ ! -e "$dir"/pid ]
ok $? "MetricsSocket on a port in use: exit 71 with the reason, no socket or pid file left"

# ---- on: the endpoint, the counts
conf on "MetricsSocket inet:$port@127.0.0.1"
if ! start; then
	ok 1 "started with MetricsSocket"
	echo "1..$n"; exit 1
fi
ok 0 "started with MetricsSocket inet:$port@127.0.0.1"
s0=$tmp/scrape0
head=$(python3 "$py" scrape "$port" "$s0")
is "GET /metrics: 200 and the text format 0.0.4" "$head" \
	"200 text/plain; version=0.0.4; charset=utf-8"
is "GET /: 404" "$(python3 "$py" get "$port" GET /)" 404
is "POST /metrics: 405" "$(python3 "$py" get "$port" POST /metrics)" 405
python3 -c 'import socket,sys
s=socket.create_connection(("127.0.0.1",int(sys.argv[1])),5)
s.sendall(b"G"*8192)
try: print(s.recv(64).split(b"\r\n")[0].decode())
except ConnectionResetError: print("reset")' "$port" > "$tmp"/big 2>&1
grep -q '^HTTP/1.0 400\|^reset' "$tmp"/big
ok $? "a request over 4 KiB: 400 (or the connection reset), not read on"
t0=$(date +%s%N)
python3 -c 'import socket,sys
s=socket.create_connection(("127.0.0.1",int(sys.argv[1])),10)
s.recv(64)' "$port"
t1=$(date +%s%N)
[ $(( (t1 - t0) / 1000000 )) -lt 5000 ]
ok $? "a client that sends nothing is dropped within the 2 s bound ($(( (t1 - t0) / 1000000 )) ms)"
is "before any message: no message counted" \
	"$(val "$s0" authmilter_messages_total)" 0
is "build info: the version of -V" \
	"$(val "$s0" authmilter_build_info version="$("$milter" -V | awk 'NR==1{print $2}')")" 1

# The messages.
cp "$top_srcdir"/conf/demo.eml "$tmp"/demo.eml
send m1 127.0.0.1 client.example.net "$tmp"/demo.eml
sed '$d' "$tmp"/m1 > "$tmp"/signed.eml
sed 's/corner/square/' "$tmp"/signed.eml > "$tmp"/tampered.eml
sed 's/alice@example.net/carol@example.com/' "$top_srcdir"/conf/demo.eml > "$tmp"/carol.eml
send m2 192.0.2.1 client.example.net "$tmp"/signed.eml
send m3 192.0.2.1 client.example.net "$tmp"/tampered.eml
send m4 203.0.113.5 mail.other.example "$tmp"/tampered.eml
send m5 203.0.113.5 mail.other.example "$tmp"/carol.eml
send m6 127.0.0.1 client.example.net "$tmp"/carol.eml
s6=$tmp/scrape6		# before m7, which is refused before it gets an A-R field
python3 "$py" scrape "$port" "$s6" > /dev/null
send m7 203.0.113.5 mail.other.example "$tmp"/carol.eml dave@soft.example.net
grep -q '^DKIM-Signature:' "$tmp"/m1 && grep -q 'dkim=pass' "$tmp"/m2 &&
	grep -q 'dkim=fail' "$tmp"/m3 && grep -q 'quarantine' "$tmp"/m4 &&
	grep -q 'dmarc=none' "$tmp"/m5 && grep -q 'dkim=none' "$tmp"/m6 &&
	grep -q 'X-Milter-Result: reject 550' "$tmp"/m7
ok $? "the seven messages got what the test means them to (signed; pass; fail; SPF fail and quarantine; none; internal, not ours: verified; SPF softfail refused at MAIL FROM)"
for m in 1 2 3 4 5 6 7; do sed -n 's/^X-Milter-Result:/# m'$m':/p' "$tmp"/m$m; done
s1=$tmp/scrape1
python3 "$py" scrape "$port" "$s1" > /dev/null

# promtool, and our own check of the format
if command -v promtool >/dev/null 2>&1; then
	promtool check metrics < "$s1" > "$tmp"/promtool.out 2>&1
	rc=$?
	sed 's/^/# promtool: /' "$tmp"/promtool.out
	ok $rc "promtool check metrics: no problem"
else
	ok 0 "# SKIP promtool not installed (Debian package prometheus)"
fi
python3 "$py" check "$s1" | sed 's/^/# /'
ok "${PIPESTATUS[0]}" "the exposition format (metrics.py check: grammar, TYPE, grouping, duplicates, histogram)"

# The counts, by design.
is "messages: sign/accept" "$(val "$s1" authmilter_messages_total decision=sign action=accept)" 1
is "messages: verify/accept" "$(val "$s1" authmilter_messages_total decision=verify action=accept)" 4
is "messages: verify/quarantine" "$(val "$s1" authmilter_messages_total decision=verify action=quarantine)" 1
is "messages: neither/reject (refused at MAIL FROM)" "$(val "$s1" authmilter_messages_total decision=neither action=reject)" 1
is "messages: 7 in all" "$(val "$s1" authmilter_messages_total)" 7
is "dkim: pass rsa 2048" "$(val "$s1" authmilter_dkim_results_total result=pass key_type=rsa key_size=2048)" 1
is "dkim: pass ed25519 256" "$(val "$s1" authmilter_dkim_results_total result=pass key_type=ed25519 key_size=256)" 1
is "dkim: fail rsa 2048" "$(val "$s1" authmilter_dkim_results_total result=fail key_type=rsa key_size=2048)" 2
is "dkim: fail ed25519 256" "$(val "$s1" authmilter_dkim_results_total result=fail key_type=ed25519 key_size=256)" 2
is "dkim: none (no signature)" "$(val "$s1" authmilter_dkim_results_total result=none key_type=unknown key_size=unknown)" 2
is "dkim: 8 results in all" "$(val "$s1" authmilter_dkim_results_total)" 8
is "spf: mailfrom pass" "$(val "$s1" authmilter_spf_results_total identity=mailfrom result=pass)" 2
is "spf: mailfrom fail" "$(val "$s1" authmilter_spf_results_total identity=mailfrom result=fail)" 1
is "spf: mailfrom none" "$(val "$s1" authmilter_spf_results_total identity=mailfrom result=none)" 1
is "spf: mailfrom softfail" "$(val "$s1" authmilter_spf_results_total identity=mailfrom result=softfail)" 1
is "spf: helo pass" "$(val "$s1" authmilter_spf_results_total identity=helo result=pass)" 2
is "spf: helo none" "$(val "$s1" authmilter_spf_results_total identity=helo result=none)" 3
is "spf: 10 in all (the internal clients' skipped)" "$(val "$s1" authmilter_spf_results_total)" 10
is "dmarc: pass, p=reject, disposition pass" "$(val "$s1" authmilter_dmarc_results_total result=pass policy=reject disposition=pass)" 2
is "dmarc: fail, p=reject, disposition reject" "$(val "$s1" authmilter_dmarc_results_total result=fail policy=reject disposition=reject)" 1
is "dmarc: none, no policy" "$(val "$s1" authmilter_dmarc_results_total result=none policy=absent disposition=none)" 2
is "dmarc: 5 in all" "$(val "$s1" authmilter_dmarc_results_total)" 5

# The counts against what the messages themselves say (our A-R fields
# and the X-Milter-Result lines), result by result: m1 to m6, scraped
# before m7.
python3 "$py" results "$tmp"/m[1-6] > "$tmp"/said
bad=0
while read -r what a b c; do
	case $what in
	action) want=$b; got=$(val "$s6" authmilter_messages_total action="$a") ;;
	dkim) want=$b; got=$(val "$s6" authmilter_dkim_results_total result="$a") ;;
	dmarc) want=$b; got=$(val "$s6" authmilter_dmarc_results_total result="$a") ;;
	spf) want=$c; got=$(val "$s6" authmilter_spf_results_total identity="$a" result="$b") ;;
	*) continue ;;
	esac
	[ "$got" = "$want" ] || { echo "# $what $a $b $c: metrics say $got"; bad=1; }
done < "$tmp"/said
sed 's/^/# said: /' "$tmp"/said
[ -s "$tmp"/said ] && [ $bad = 0 ]
[ "$(awk '$1 == "action" { n += $3 } END { print n }' "$tmp"/said)" = "$(val "$s6" authmilter_messages_total)" ]
ok $? "every result the six messages carry is counted, no more and no less"

# DNS
lk=$(val "$s1" authmilter_dns_lookups_total)
[ "${lk%.*}" -gt 0 ] 2>/dev/null
ok $? "dns: lookups counted ($lk)"
is "dns: the histogram counts every lookup" \
	"$(val "$s1" authmilter_dns_lookup_duration_seconds_count)" "$lk"
nx=$(val "$s1" authmilter_dns_lookups_total outcome=nxdomain)
[ "${nx%.*}" -gt 0 ] 2>/dev/null
ok $? "dns: NXDOMAIN answers counted ($nx: example.com is not in the zone)"
is "dns: no cache behind the zone-file resolver, no hit" \
	"$(val "$s1" authmilter_dns_cache_hits_total)" 0

# Keys, start time, load time
age=$(val "$s1" authmilter_dkim_key_age_seconds selector=rsa2026 key_type=rsa key_size=2048)
[ "${age%.*}" -ge 863900 ] 2>/dev/null && [ "${age%.*}" -le 864900 ] 2>/dev/null
ok $? "key age: the RSA key file touched 10 days ago is 10 days old ($age s)"
is "key state: both keys active" "$(val "$s1" authmilter_dkim_key_state state=active)" 2
is "rotation: the retiring key's state" \
	"$(val "$s1" authmilter_dkim_rotation_state domain=example.net selector=rsa2025 alg=rsa state=retiring)" 1
is "rotation: the active key's state" \
	"$(val "$s1" authmilter_dkim_rotation_state selector=rsa2026 state=active)" 1
rs=$(val "$s1" authmilter_dkim_rotation_state_seconds selector=rsa2025 state=retiring)
[ "${rs%.*}" -ge 259200 ] 2>/dev/null && [ "${rs%.*}" -le 259500 ] 2>/dev/null
ok $? "rotation: retiring for three days ($rs s)"
grep -q '^# TYPE authmilter_selfcheck_findings gauge$' "$s1"
ok $? "self-check findings: the family is there"
for _ in $(seq 100); do grep -q "self-check: 1 domain(s)" "$dir"/log && break; sleep 0.05; done
python3 "$py" scrape "$port" "$tmp"/scrape-sc > /dev/null
is "self-check findings: the zone's missing MX (FAIL)" \
	"$(val "$tmp"/scrape-sc authmilter_selfcheck_findings check=mx.record severity=FAIL domain=example.net)" 1
is "self-check findings: no rua= (WARN)" \
	"$(val "$tmp"/scrape-sc authmilter_selfcheck_findings check=dmarc.rua severity=WARN domain=example.net)" 1
now=$(date +%s)
st=$(val "$s1" process_start_time_seconds)
[ "${st%.*}" -le "$now" ] && [ "${st%.*}" -ge $((now - 120)) ]
ok $? "process start time: within the test's run ($st)"
ld=$(val "$s1" authmilter_config_last_load_timestamp_seconds)
[ "${ld%.*}" -ge "${st%.*}" ] && [ "${ld%.*}" -le "$now" ]
ok $? "config load time: at start ($ld)"

# Reloads: one that works, one that does not.
sleep 1.1
kill -HUP "$pid"
for _ in $(seq 100); do grep -q "reloaded" "$dir"/log && break; sleep 0.05; done
echo "NoSuchOption yes" >> "$dir"/authmilter.conf
kill -HUP "$pid"
for _ in $(seq 100); do grep -q "reload failed" "$dir"/log && break; sleep 0.05; done
s2=$tmp/scrape2
python3 "$py" scrape "$port" "$s2" > /dev/null
is "reloads: one success" "$(val "$s2" authmilter_config_reloads_total result=success)" 1
is "reloads: one failure" "$(val "$s2" authmilter_config_reloads_total result=failure)" 1
is "last reload successful: 0 after the failed one" \
	"$(val "$s2" authmilter_config_last_reload_successful)" 0
ld2=$(val "$s2" authmilter_config_last_load_timestamp_seconds)
[ "${ld2%.*}" -gt "${ld%.*}" ]
ok $? "config load time: moved by the successful reload only ($ld -> $ld2)"
is "the counters survive reloads" "$(val "$s2" authmilter_messages_total)" 7
stop
python3 "$py" closed "$port"
ok $? "after SIGTERM the port is closed"
if [ -n "${VERBOSE:-}" ]; then sed 's/^/# /' "$s2"; fi
echo "1..$n"
