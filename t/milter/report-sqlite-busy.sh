#!/usr/bin/env bash
# report-sqlite-busy.sh - an SQLite store that is unavailable under load
# (issue 11): while messages flow through the daemon, another process
# holds the store's write lock (BEGIN EXCLUSIVE) for longer than the
# store's busy timeout (10 s).  The milter threads never wait on it:
# every message gets its normal reply; the writer's insert gives up,
# the records go to the journal, and once the lock is gone every record
# is in the store, none twice: records stored == messages sent.
# The real authmilter binary, AUTHMILTER_TEST_DNS zone, messages through
# bench/bench-milter, the store read and locked with python3's sqlite3.
# Unix sockets only; every process started is stopped.  TAP.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$PWD}
milter=${AM_MILTER:-$top_builddir/milter/authmilter}
client=$top_builddir/bench/bench-milter
n=0
pid=
lk=
if [ ! -x "$milter" ] || [ ! -x "$client" ]; then
	echo "1..0 # SKIP authmilter or bench-milter not built"; exit 0
fi
if ! python3 -c 'import sqlite3' 2>/dev/null; then
	echo "1..0 # SKIP no python3 sqlite3"; exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/am-rbusy.XXXXXX")
cleanup() {
	[ -n "$lk" ] && kill "$lk" 2>/dev/null
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT

ok() {	# ok STATUS NAME
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

cat > "$tmp/zone" <<'Z'
$ORIGIN example.org.
$TTL 300
@ IN SOA ns.example.org. hostmaster.example.org. 1 3600 600 86400 300
@ IN NS ns.example.org.
@ IN TXT "v=spf1 ip4:192.0.2.0/24 -all"
_dmarc IN TXT "v=DMARC1; p=quarantine; rua=mailto:dmarc@example.org"
Z
printf 'From: Alice <alice@example.org>\r\nTo: bob@example.net\r\nSubject: hello\r\nMessage-ID: <m1@example.org>\r\nDate: Mon, 07 Dec 2026 04:00:00 +0000\r\n\r\nhello\r\n' \
    > "$tmp/m.eml"
printf 'Socket unix:%s/sock\nPidFile %s/pid\nAuthservID mx.example.net\nMode v\nReportEmail dmarc-reports@example.net\nReportStore sqlite:%s/r.db\nReportJournal %s/journal\n' \
    "$tmp" "$tmp" "$tmp" "$tmp" > "$tmp/authmilter.conf"

count() {
	python3 - "$tmp/r.db" <<'P'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=30)
print(db.execute("select coalesce(sum(n), 0) from am_records").fetchone()[0])
P
}
good() {	# good RESULT: 40 messages, no error, each dmarc=pass
	[ -n "$1" ] || return 1
	eval "$(echo "${1#RESULT }" | tr ' ' '\n' | grep -E '^(msgs|errors|expect)=' | sed 's/^/local R_/')"
	[ "$R_errors" = 0 ] && [ "$R_expect" = "$R_msgs" ] && [ "$R_msgs" = 40 ]
}

: > "$tmp/log"
AUTHMILTER_TEST_DNS=$tmp/zone "$milter" -f -c "$tmp/authmilter.conf" 2>>"$tmp/log" &
pid=$!
k=0
while [ $k -lt 100 ] && ! grep -q "authmilter .* started" "$tmp/log"; do sleep 0.05; k=$((k + 1)); done
grep -q "authmilter .* started" "$tmp/log"; ok $? "starts with an SQLite store"

# a steady flow (about 40 messages every 0.2 s) for 14 s
loop() {
	local end=$(( $(date +%s) + 14 ))
	while [ "$(date +%s)" -lt $end ]; do
		ASAN_OPTIONS=detect_leaks=0 "$client" --socket "unix:$tmp/sock" \
		    --client-addr 192.0.2.1 --from alice@example.org --warmup 0 \
		    --expect dmarc=pass --messages 40 --conns 2 "$tmp/m.eml" 2>&1 |
		    grep '^RESULT' || echo "RESULT msgs=0 errors=1 expect=0"
		sleep 0.15
	done
}
loop > "$tmp/rl" & fl=$!
sleep 1.5
# the store is there by now; another process takes its write lock for
# longer than the writer's busy timeout
python3 - "$tmp/r.db" "$tmp/locked" <<'P' &
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
open(sys.argv[2], "w").close()
time.sleep(12)
db.execute("ROLLBACK")
P
lk=$!
wait $lk; r=$?; lk=
[ $r = 0 ] && [ -e "$tmp/locked" ]
ok $? "another process held the store's write lock for 12 s"
wait $fl
bad=0
while read -r r; do good "$r" || bad=1; done < "$tmp/rl"
sent=$(sed -n 's/.* msgs=\([0-9]*\).*/\1/p' "$tmp/rl" | awk '{ s += $1 } END { print s + 0 }')
[ $bad = 0 ] && [ "$sent" -gt 0 ]
ok $? "no message failed: every reply the normal one ($sent messages in $(wc -l < "$tmp/rl") runs)"
grep -q "records go to $tmp/journal" "$tmp/log"
ok $? "the writer gave up on the locked store: records went to the journal"
k=0
while [ $k -lt 150 ] && [ "$(count)" != "$sent" ]; do sleep 0.1; k=$((k + 1)); done
c=$(count)
[ "$c" = "$sent" ]; ok $? "lock gone: every record in the store, none twice: $c stored, $sent sent"
kill -TERM "$pid"; wait "$pid" 2>/dev/null; pid=
c=$(count)
[ "$c" = "$sent" ] && [ ! -e "$tmp/journal" ] && grep -q "report journal $tmp/journal: [1-9][0-9]* records stored" "$tmp/log"
ok $? "after SIGTERM: still $sent records, the journal replayed and gone"
grep -q "0 dropped (queue full), 0 lost" "$tmp/log"
ok $? "nothing dropped or lost ($(grep -o 'report records: .*' "$tmp/log" | tail -1))"
! grep -q 'Sanitizer' "$tmp/log"
ok $? "no sanitizer report from the daemon"
grep -B2 -A12 'Sanitizer' "$tmp/log" | sed 's/^/# /' | head -40

echo "1..$n"
