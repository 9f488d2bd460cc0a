#!/usr/bin/env bash
# report-record.sh - the daemon records DMARC report records (issue 11):
# records land in the SQLite store; with the store unreachable they go
# to the journal and reach the store, each exactly once, when it works
# again (live, and at the next start); SIGTERM drains the queue; a
# reload switches to a new store after writing the queued records.
# The real authmilter binary, AUTHMILTER_TEST_DNS zone, messages through
# bench/bench-milter --print, the store read with python3's sqlite3.
# Loopback only; every process started is stopped.  TAP.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$PWD}
milter=${AM_MILTER:-$top_builddir/milter/authmilter}
client=$top_builddir/bench/bench-milter
n=0
pid=
if [ ! -x "$milter" ] || [ ! -x "$client" ]; then
	echo "1..0 # SKIP authmilter or bench-milter not built"; exit 0
fi
if ! python3 -c 'import sqlite3' 2>/dev/null; then
	echo "1..0 # SKIP no python3 sqlite3"; exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/am-rrec.XXXXXX")
cleanup() {
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
i=0
msg() {	# msg: a new message from example.org in $tmp/m.eml
	i=$((i + 1))
	printf 'From: Alice <alice@example.org>\r\nTo: bob@example.net\r\nSubject: m%s\r\nMessage-ID: <m%s@example.org>\r\nDate: Mon, 07 Dec 2026 04:00:00 +0000\r\n\r\nhello %s\r\n' \
		"$i" "$i" "$i" > "$tmp/m.eml"
}
send() {	# send COUNT: messages from 192.0.2.1 (SPF pass, aligned)
	local k
	for k in $(seq 1 "$1"); do
		msg
		# (the client's own leaks are not what this tests)
		ASAN_OPTIONS=detect_leaks=0 "$client" --print --socket "unix:$tmp/sock" \
			--client-addr 192.0.2.1 --from alice@example.org \
			"$tmp/m.eml" > "$tmp/out" 2>&1 || return 1
	done
}
conf() {	# conf EXTRA-LINES...
	{ printf 'Socket unix:%s/sock\nPidFile %s/pid\nAuthservID mx.example.net\nMode v\n' "$tmp" "$tmp"
	  printf 'ReportEmail dmarc-reports@example.net\n'
	  printf '%s\n' "$@"; } > "$tmp/authmilter.conf"
}
start() {
	: > "$tmp/log"
	AUTHMILTER_TEST_DNS=$tmp/zone "$milter" -f -c "$tmp/authmilter.conf" \
		2>>"$tmp/log" &
	pid=$!
	local k
	for k in $(seq 1 100); do
		grep -q "authmilter .* started" "$tmp/log" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	sed 's/^/# /' "$tmp/log"
	return 1
}
stop() {
	local k
	kill -TERM "$pid" 2>/dev/null
	for k in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=
	cat "$tmp/log" >> "$tmp/all.log"
}
count() {	# count DB: records in the store (0 when there is none)
	python3 - "$1" <<'P'
import os, sqlite3, sys
if not os.path.exists(sys.argv[1]):
    print(0); sys.exit(0)
db = sqlite3.connect(sys.argv[1])
print(db.execute("select coalesce(sum(n), 0) from am_records").fetchone()[0])
P
}
wait_count() {	# wait_count DB N SECONDS: until the store has N records
	local k
	for k in $(seq 1 $(($3 * 10))); do
		[ "$(count "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# ---- records land in the store; SIGTERM drains the queue
conf "ReportStore sqlite:$tmp/r.db"
start; ok $? "starts with ReportEmail (ReportRecord defaults to yes)"
send 40; ok $? "40 messages through the milter"
stop
c=$(count "$tmp/r.db")
[ "$c" = 40 ]; ok $? "SIGTERM: all 40 records in the store (got $c)"
python3 - "$tmp/r.db" > "$tmp/row" <<'P'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.row_factory = sqlite3.Row
r = db.execute("select * from am_records limit 1").fetchone()
print(" ".join("%s=%s" % (k, r[k]) for k in r.keys()))
P
grep -q "example.org" "$tmp/row" && grep -q "192.0.2.1" "$tmp/row" &&
    grep -q "quarantine" "$tmp/row"
ok $? "a record names the policy domain, source IP and published p="
rows=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from am_records").fetchone()[0])' "$tmp/r.db")
[ "$rows" -ge 1 ] && [ "$rows" -lt 40 ]
ok $? "the 40 identical evaluations are folded into fewer rows with a count ($rows rows, n adding up to 40)"
grep -q "report records: 40 queued, 40 stored, 0 to the journal" "$tmp/log"
ok $? "the counts are logged at exit"
grep -q "dmarc.*example.org" "$tmp/log"
ok $? "each record is still logged"

# ---- store unreachable: journal; the store comes back while running
conf "ReportStore sqlite:$tmp/later/r.db" "ReportJournal $tmp/j"
start; ok $? "starts with an unreachable store"
send 5; ok $? "messages pass while the store is down"
k=0; while [ $k -lt 50 ] && [ "$(grep -c '^AMR1' "$tmp/j" 2>/dev/null)" != 5 ]; do sleep 0.1; k=$((k + 1)); done
[ "$(grep -c '^AMR1' "$tmp/j" 2>/dev/null)" = 5 ]
ok $? "the 5 records are in the journal"
grep -q "records go to $tmp/j until it works" "$tmp/log"
ok $? "the store's failure is logged, naming the journal"
mkdir "$tmp/later"
wait_count "$tmp/later/r.db" 5 20
ok $? "the store works again: the journal is replayed into it"
[ ! -e "$tmp/j" ]; ok $? "the journal is gone after the replay"
send 3
stop
c=$(count "$tmp/later/r.db")
[ "$c" = 8 ]; ok $? "no record lost or doubled: 8 in the store (got $c)"

# ---- spooled at SIGTERM, replayed at the next start
rm -rf "$tmp/later"
start; ok $? "starts again with the store gone"
send 4
stop
[ "$(grep -c '^AMR1' "$tmp/j" 2>/dev/null)" = 4 ]
ok $? "SIGTERM with the store down: the 4 queued records are in the journal"
mkdir "$tmp/later"
start
wait_count "$tmp/later/r.db" 4 5
ok $? "next start: the journal is replayed"
stop
c=$(count "$tmp/later/r.db")
[ "$c" = 4 ] && [ ! -e "$tmp/j" ]; ok $? "exactly once: 4 records (got $c)"

# ---- reload: queued records go to the old store, then the new one
conf "ReportStore sqlite:$tmp/a.db"
start
send 3
conf "ReportStore sqlite:$tmp/b.db"
kill -HUP "$pid"
k=0; while [ $k -lt 100 ] && ! grep -q "reload" "$tmp/log"; do sleep 0.05; k=$((k + 1)); done
sleep 0.3
send 2
stop
[ "$(count "$tmp/a.db")" = 3 ] && [ "$(count "$tmp/b.db")" = 2 ]
ok $? "reload: 3 records in the old store, 2 in the new one ($(count "$tmp/a.db") $(count "$tmp/b.db"))"

# ---- ReportRecord no: nothing is stored
conf "ReportStore sqlite:$tmp/none.db" "ReportRecord no"
start
send 2
stop
[ ! -e "$tmp/none.db" ]; ok $? "ReportRecord no: no store is created"

! grep -q 'Sanitizer' "$tmp/all.log" 2>/dev/null
ok $? "no sanitizer report from the daemon"
grep -B2 -A12 'Sanitizer' "$tmp/all.log" 2>/dev/null | sed 's/^/# /' | head -40

echo "1..$n"
