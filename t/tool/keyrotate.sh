#!/usr/bin/env bash
# keyrotate - authmilter-tool keys: one full staged rotation against zone
# files (rotate, status, activate refused while the record is absent,
# activate once published, the KeyTable repointed, mail signed with the
# old and the new key both verifying while the old one retires, revoke
# refused inside the grace period, revoke, delete), the state file's
# format, the writers' lock (rotate waits for it; the key watch skips a
# pass while the tool holds it), and the daemon's key watch: it keeps
# signing with the old key while the new record is absent, then
# promotes the new key by itself and reloads (its DNS from zone files:
# AUTHMILTER_TEST_DNS) (TAP).
set -u
: "${AM_TOOL:?}" "${top_srcdir:?}"
top_builddir=${top_builddir:-$PWD}
milter=${AM_MILTER:-$top_builddir/milter/authmilter}
client=$top_builddir/bench/bench-milter
MSG=$top_srcdir/conf/demo.eml
N=1765000000
DAY=86400
tmp=$(mktemp -d "${TMPDIR:-/tmp}/am-keyrot.XXXXXX")
pid=
trap '[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
n=0; bad=0
ok()  { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; bad=1; [ -f "$tmp/out" ] && sed 's/^/#   /' "$tmp/out" | head -20; }
# st EXPECTED DESC CMD...: passes when CMD exits with EXPECTED
st() {
	local want=$1 d=$2 rc; shift 2
	"$@" >"$tmp/out" 2>&1; rc=$?
	if [ "$rc" -eq "$want" ]; then ok "$d"; else echo "# exit $rc, want $want" >> "$tmp/out"; nok "$d"; fi
}
has() { if grep -qE -- "$2" "$tmp/out"; then ok "$1"; else nok "$1"; fi; }
K() { "$AM_TOOL" keys "$@"; }

mkdir -p "$tmp/keys"
cp "$top_srcdir/conf/demo-rsa.key" "$tmp/keys/rsa2026.private"
chmod 600 "$tmp/keys/rsa2026.private"
kt=$tmp/KeyTable
printf 'demo example.net:rsa2026:%s/keys/rsa2026.private\n' "$tmp" > "$kt"
printf '*@example.net demo\n' > "$tmp/SigningTable"
cp "$top_srcdir/conf/demo.zone" "$tmp/z1.zone"

# Writers take the state file's lock (its directory, flock): rotate
# waits while another holds it.
flock "$tmp" sh -c "touch '$tmp/held'; sleep 1; touch '$tmp/released'" &
for i in $(seq 1 100); do [ -f "$tmp/held" ] && break; sleep 0.02; done
st 0 "rotate: makes the next key" K rotate -t "$kt" -d example.net -s rsa2027 --now $N
[ -f "$tmp/released" ] && ok "rotate: waited for the state file's lock" || nok "rotate: waited for the state file's lock"
wait
has "rotate: prints the record to publish" '^rsa2027\._domainkey\.example\.net\. IN TXT \( "v=DKIM1; k=rsa; " "p=MII'
[ -f "$tmp/keys/rsa2027.private" ] && ok "rotate: the key beside the current one" || nok "rotate: the key beside the current one"
cp "$kt.state" "$tmp/out"
has "state file: the current key imported as active" "^example\.net rsa rsa2026 active $N $tmp/keys/rsa2026\.private$"
has "state file: the new key pending" "^example\.net rsa rsa2027 pending $N $tmp/keys/rsa2027\.private$"
st 1 "rotate again while one is pending: refused" K rotate -t "$kt" -d example.net -s rsa2028 --now $N
st 0 "status" K status -t "$kt" --zone "$tmp/z1.zone" --now $N
has "status: pending, publish the record (the one rotate printed)" '^example\.net rsa rsa2027 pending 0d publish the record: rsa2027\._domainkey\.example\.net\. IN TXT \( "v=DKIM1; k=rsa; " "p=MII'
st 1 "retire with the new record absent: refused" \
	K retire -t "$kt" -d example.net -s rsa2026 --zone "$tmp/z1.zone" --now $N
st 1 "activate before the record is published: refused" \
	K activate -t "$kt" -d example.net --zone "$tmp/z1.zone" --now $N
has "activate: says why" 'not seen .*NXDOMAIN'
grep -q 'rsa2026:' "$kt" && ok "the KeyTable is untouched" || nok "the KeyTable is untouched"

# A wrong record under the new selector is not enough.
{ cat "$tmp/z1.zone"; sed 's/rsa2026\._domainkey/rsa2027._domainkey/' "$top_srcdir/conf/demo.zone" | grep '^rsa2027'; } > "$tmp/zw.zone"
st 1 "activate with a record that does not match the key: refused" \
	K activate -t "$kt" -d example.net --zone "$tmp/zw.zone" --now $N

{ cat "$tmp/z1.zone"; cat "$tmp/keys/rsa2027.txt"; } > "$tmp/z2.zone"
st 0 "status once published" K status -t "$kt" --zone "$tmp/z2.zone" --now $N
has "status: record seen" 'rsa2027 pending 0d record seen at every authoritative server: the daemon signs with it'
st 1 "retire a key that is not active: refused" K retire -t "$kt" -d example.net -s rsa2027 --zone "$tmp/z2.zone" --now $((N + 60))
st 0 "retire the old key once the new record is published" K retire -t "$kt" -d example.net -s rsa2026 --zone "$tmp/z2.zone" --now $((N + 60))
has "retire: the new key is active, the old one retiring" '^rsa2027\._domainkey\.example\.net is active; rsa2026 is retiring\.$'
st 0 "retire again: it is retiring already" K retire -t "$kt" -d example.net -s rsa2026 --now $((N + 60))
has "  and says until when" 'retiring already .* revoke after 2025-12-13 '
cp "$kt" "$tmp/out"
has "the KeyTable line now names the new key (same key name)" "^demo example\.net:rsa2027:$tmp/keys/rsa2027\.private$"
cp "$kt.state" "$tmp/out"
has "old key retiring" "^example\.net rsa rsa2026 retiring $((N + 60)) "
has "new key active" "^example\.net rsa rsa2027 active $((N + 60)) "

# Mail signed with either key verifies while the old record stays.
for s in rsa2026 rsa2027; do
	"$AM_TOOL" sign -T $N -d example.net -s $s -k "$tmp/keys/$s.private" "$MSG" > "$tmp/$s.eml"
	st 0 "signed with $s: verifies during the retirement" \
		"$AM_TOOL" verify --zone "$tmp/z2.zone" --now $N "$tmp/$s.eml"
	has "  ($s: dkim=pass)" 'dkim=pass'
done

st 1 "revoke inside the grace period: refused" \
	K revoke -t "$kt" -d example.net -s rsa2026 --now $((N + 2 * DAY))
st 0 "status: days of grace left" K status -t "$kt" --now $((N + 2 * DAY))
has "status: retiring until the grace ends" 'rsa2026 retiring 1d retiring until 2025-12-13, then revoke$'
st 0 "revoke after the grace period" K revoke -t "$kt" -d example.net -s rsa2026 --now $((N + 8 * DAY))
has "revoke: prints the empty p= record" '^rsa2026\._domainkey\.example\.net\. IN TXT "v=DKIM1; p="$'
st 1 "delete an active key: refused" K delete -t "$kt" -d example.net -s rsa2027 --now $((N + 9 * DAY))
st 0 "delete the revoked key" K delete -t "$kt" -d example.net -s rsa2026 --now $((N + 9 * DAY))
[ ! -e "$tmp/keys/rsa2026.private" ] && ok "its private key is gone" || nok "its private key is gone"
[ -e "$tmp/keys/rsa2027.private" ] && ok "the active one stays" || nok "the active one stays"
cp "$kt.state" "$tmp/out"
has "state: deleted" '^example\.net rsa rsa2026 deleted '
printf 'example.net rsa rsa2026 bogus 1 /x\n' > "$tmp/bad.state"
st 66 "a state file with a bad line: refused" K status -t "$kt" --state "$tmp/bad.state"
st 64 "usage: unknown verb" K frobnicate -t "$kt"

# The daemon signs with what the KeyTable names, after a reload; its
# key watch promotes the new key once its record is seen.
if [ -x "$milter" ] && [ -x "$client" ]; then
	d=$tmp/daemon; mkdir -p "$d" "$tmp/keys/d"
	printf 'demo example.net:rsa2026:%s/keys/old.private\n' "$tmp" > "$d/KeyTable"
	cp "$top_srcdir/conf/demo-rsa.key" "$tmp/keys/old.private"; chmod 600 "$tmp/keys/old.private"
	printf 'Socket unix:%s/sock\nPidFile %s/pid\nMode s\nSelfCheckInterval 0\nKeyWatchInterval 1\nKeyTable file:%s/KeyTable\nSigningTable refile:%s/SigningTable\nInternalHosts 127.0.0.1\n' \
		"$d" "$d" "$d" "$tmp" > "$d/authmilter.conf"
	cp "$tmp/z1.zone" "$d/dns.zone"
	AUTHMILTER_TEST_DNS=$d/dns.zone AUTHMILTER_TEST_NOW=$N "$milter" -f -c "$d/authmilter.conf" 2> "$d/log" &
	pid=$!
	for i in $(seq 1 100); do grep -q started "$d/log" 2>/dev/null && break; sleep 0.05; done
	sign() {
		"$client" --print --socket "unix:$d/sock" --client-addr 127.0.0.1 --helo mail.example.net \
			--from a@example.net --rcpt b@example.org "$MSG" > "$tmp/out" 2>&1
	}
	reloads() { grep -c 'reloaded' "$d/log"; }
	reload() {	# reload N: HUP, wait for the Nth "reloaded"
		kill -HUP "$pid"
		for i in $(seq 1 100); do [ "$(reloads)" -ge "$1" ] && break; sleep 0.05; done
	}
	sign
	has "daemon: signs with the old key before the rotation" 's=rsa2026;'
	"$AM_TOOL" keys rotate -t "$d/KeyTable" -d example.net -s rsa2027 -D "$tmp/keys/d" --now $N > /dev/null 2>&1
	sign
	has "daemon: still the old key while the new one is pending" 's=rsa2026;'
	for i in $(seq 1 60); do grep -q 'waiting for its record' "$d/log" && break; sleep 0.05; done
	cp "$d/log" "$tmp/out"
	has "key watch: waiting for the pending key's record" \
		'key-watch: rsa2027\._domainkey\.example\.net \(rsa\) pending: waiting for its record at local: NXDOMAIN'
	sign
	has "daemon: still the old key after a key watch without the record" 's=rsa2026;'
	# While authmilter-tool keys holds the lock, the key watch leaves
	# the state alone and looks again next pass.
	flock "$d" sh -c "touch '$d/held'; sleep 2.5" &
	fpid=$!
	for i in $(seq 1 100); do [ -f "$d/held" ] && break; sleep 0.02; done
	{ cat "$tmp/z1.zone"; cat "$tmp/keys/d/rsa2027.txt"; } > "$d/dns.zone"
	reload 1	# the zone files are read again (they stand for the servers)
	for i in $(seq 1 60); do grep -q 'is being changed' "$d/log" && break; sleep 0.05; done
	cp "$d/log" "$tmp/out"
	has "key watch: the state file is locked by a writer: next pass" \
		"key-watch: $d/KeyTable\.state is being changed \(authmilter-tool keys\): looking again next pass"
	cp "$d/KeyTable.state" "$tmp/out"
	has "... the new key still pending meanwhile" '^example\.net rsa rsa2027 pending '
	wait "$fpid"
	for i in $(seq 1 100); do [ "$(reloads)" -ge 2 ] && break; sleep 0.05; done
	cp "$d/log" "$tmp/out"
	has "key watch: the record is seen, the key promoted, a reload asked for" \
		'key-watch: rsa2027\._domainkey\.example\.net \(rsa\): record seen at every authoritative server .*: active now, rsa2026 retiring; reloading'
	[ "$(reloads)" -ge 2 ] && ok "daemon: reloaded by the key watch" || nok "daemon: reloaded by the key watch"
	cp "$d/KeyTable.state" "$tmp/out"
	has "state file: the daemon made the new key active" '^example\.net rsa rsa2027 active '
	has "state file: and the old one retiring" '^example\.net rsa rsa2026 retiring '
	sign
	has "daemon: signs with the new key, with no command run" 's=rsa2027;'
	# the old key retiring for longer than KeyRetireDays (7): told once
	sed -i 's/^\(example\.net rsa rsa2026 retiring\) [0-9]*/\1 1000000000/' "$d/KeyTable.state"
	for i in $(seq 1 60); do grep -q 'revoke now' "$d/log" && break; sleep 0.05; done
	cp "$d/log" "$tmp/out"
	has "key watch: a key retiring past KeyRetireDays: revoke now" \
		'warning: key-watch: revoke now: publish rsa2026\._domainkey\.example\.net TXT "v=DKIM1; p=" \(retiring since 2001-09-09 01:46 UTC, KeyRetireDays 7\), then: authmilter-tool keys revoke'
	sleep 1.2
	[ "$(grep -c 'revoke now' "$d/log")" = 1 ] && ok "  logged once" || nok "  logged once"
	kill -TERM "$pid"; wait "$pid" 2>/dev/null; pid=
else
	n=$((n + 1)); echo "ok $n - daemon # SKIP not built"
fi

echo "1..$n"
exit $bad
