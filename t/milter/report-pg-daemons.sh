#!/usr/bin/env bash
# report-pg-daemons.sh - two authmilter daemons on one real PostgreSQL
# (issue 11): a private cluster from Debian's postgresql package on a
# unix socket in a temporary directory (as t/tool/report-pg.sh), then
#  - two daemons (two sockets, two node names) record N messages each
#    into the one database, every record stored once, each named by
#    its node;
#  - both restarted with ReportSend yes and a clock a day ahead (the
#    period closed): exactly one claims the period (am_claims) and
#    sends; the report counts every record of both exactly once (2N,
#    from the XML); a second start of both sends nothing twice;
#  - a stopped database under load: messages keep flowing through one
#    daemon while PostgreSQL is stopped (pg_ctl stop -m fast) and
#    started again; every message gets its normal reply, and once the
#    database is back every record is in it (the journal replayed):
#    records stored == messages sent;
#  - authmilter-tool report aggregate --send from two nodes at once:
#    one claims the period and sends, the other sends nothing;
#  - a COMMIT that fails (a deferred constraint trigger): the writer
#    cannot know whether the batch was stored, journals it with its
#    batch id, and stores it once when commits work again.
# The real authmilter binary, AUTHMILTER_TEST_DNS zones, messages
# through bench/bench-milter.  Loopback and unix sockets only; every
# process started is stopped.  A missing postgresql is a failure, not a
# skip (CI installs it).  TAP.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$PWD}
milter=${AM_MILTER:-$top_builddir/milter/authmilter}
client=$top_builddir/bench/bench-milter
tool=${AM_TOOL:-$top_builddir/tool/authmilter-tool}
seed=$top_builddir/t/report/report-seed
N=${N:-60}
n=0
pids=
if [ ! -x "$milter" ] || [ ! -x "$client" ]; then
	echo "1..0 # SKIP authmilter or bench-milter not built"; exit 0
fi
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
	echo "not ok 1 - postgresql installed (apt-get install postgresql)"
	echo "1..1"; exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/am-rpgd.XXXXXX") || exit 99
chmod 755 "$tmp"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg() {	# pg start|stop
	if [ "$1" = start ]; then
		as_pg "$bin/pg_ctl" -D "$tmp/pg/data" -l "$tmp/pg/sock/log" -w \
		    -t 60 -o "-k $tmp/pg/sock -c listen_addresses='' -c fsync=off" \
		    start > "$tmp/pg.out" 2>&1
	else
		as_pg "$bin/pg_ctl" -D "$tmp/pg/data" -m fast -w stop \
		    > "$tmp/pg.out" 2>&1
	fi
}
cleanup() {
	local p
	for p in $pids; do kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	as_pg "$bin/pg_ctl" -D "$tmp/pg/data" -m immediate stop >/dev/null 2>&1
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT

ok() {	# ok STATUS NAME
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

mkdir "$tmp/pg"
[ "$(id -u)" = 0 ] && chown postgres "$tmp/pg"
as_pg mkdir "$tmp/pg/data" "$tmp/pg/sock"
as_pg "$bin/initdb" -D "$tmp/pg/data" -U amtest --auth=trust --no-sync \
    -E UTF8 > "$tmp/pg.out" 2>&1 && pg start
r=$?
ok $r "a private PostgreSQL cluster on a unix socket"
if [ $r != 0 ]; then
	sed 's/^/# /' "$tmp/pg.out" "$tmp/pg/sock/log" 2>/dev/null | head -20
	echo "1..$n"; exit 1
fi
CONN="host=$tmp/pg/sock dbname=postgres user=amtest"
sql() {	# sql QUERY: one value
	"$bin/psql" -X -A -t -q -d "$CONN" -c "$1" 2>>"$tmp/psql.err"
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
mkdir "$tmp/sent"
cat > "$tmp/sendmail" <<S
#!/bin/sh
f=\$(mktemp "$tmp/sent/m.XXXXXX")
printf '%s\n' "\$@" > "\$f.args"
cat > "\$f.eml"
S
chmod +x "$tmp/sendmail"

conf() {	# conf NAME EXTRA-LINES...
	local d=$tmp/$1
	shift
	mkdir -p "$d"
	{ printf 'Socket unix:%s/sock\nPidFile %s/pid\nAuthservID mx.example.net\nMode v\n' "$d" "$d"
	  printf 'ReportEmail dmarc-reports@example.net\nReportStore postgresql:%s\n' "$CONN"
	  printf 'ReportJournal %s/journal\nReportSendmail %s\n' "$d" "$tmp/sendmail"
	  printf '%s\n' "$@"; } > "$d/authmilter.conf"
}
start() {	# start NAME [ENV=VALUE...]: the daemon's pid in $pid
	local d=$tmp/$1 k
	shift
	: > "$d/log"
	env AUTHMILTER_TEST_DNS="$tmp/zone" "$@" "$milter" -f \
	    -c "$d/authmilter.conf" 2>>"$d/log" &
	pid=$!
	pids="$pids $pid"
	for k in $(seq 1 100); do
		grep -q "authmilter .* started" "$d/log" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	sed 's/^/# /' "$d/log"
	return 1
}
stop() {	# stop PID NAME
	local k
	kill -TERM "$1" 2>/dev/null
	for k in $(seq 1 200); do kill -0 "$1" 2>/dev/null || break; sleep 0.05; done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	pids=$(echo "$pids" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' ')
	cat "$tmp/$2/log" >> "$tmp/all.log"
}
feed() {	# feed NAME ARGS...: bench-milter's RESULT line
	local d=$tmp/$1
	shift
	ASAN_OPTIONS=detect_leaks=0 "$client" --socket "unix:$d/sock" \
	    --client-addr 192.0.2.1 --from alice@example.org \
	    --expect dmarc=pass --warmup 0 "$@" "$tmp/m.eml" 2>&1 | grep '^RESULT'
}
good() {	# good RESULT COUNT: COUNT messages, no error, each dmarc=pass
	[ -n "$1" ] || return 1
	eval "$(echo "${1#RESULT }" | tr ' ' '\n' | grep -E '^(msgs|errors|expect)=' | sed 's/^/local R_/')"
	[ "$R_errors" = 0 ] && [ "$R_expect" = "$R_msgs" ] &&
	    { [ -z "${2:-}" ] || [ "$R_msgs" = "$2" ]; }
}

# Not across midnight UTC: every record of the test in one day.
s=$(( $(date +%s) % 86400 ))
[ $s -gt 86340 ] && sleep $((86400 - s + 1))

# ---- two daemons recording into one database
conf a
conf b
start a; pa=$pid; ok $? "daemon a starts on PostgreSQL"
start b; pb=$pid; ok $? "daemon b starts on the same database"
feed a --messages $N --conns 2 > "$tmp/ra" & fa=$!
feed b --messages $N --conns 2 > "$tmp/rb" & fb=$!
wait $fa; wait $fb
good "$(cat "$tmp/ra")" $N && good "$(cat "$tmp/rb")" $N
ok $? "$N messages through each at once, each dmarc=pass"
stop $pa a
stop $pb b
c=$(sql "SELECT coalesce(sum(n), 0) FROM am_records")
[ "$c" = $((2 * N)) ]; ok $? "every record in the one database once: $((2 * N)) (got $c)"
sql "SELECT node, sum(n) FROM am_records GROUP BY node ORDER BY node" > "$tmp/nodes"
[ "$(wc -l < "$tmp/nodes")" = 2 ] && grep -q "$tmp/a/sock|$N\$" "$tmp/nodes" &&
    grep -q "$tmp/b/sock|$N\$" "$tmp/nodes"
ok $? "each record names its node: $N from each ($(tr '\n' ' ' < "$tmp/nodes"))"

# ---- both send, a day later: one claims the period and sends
tomorrow=$(( $(date +%s) + 86400 ))
B=$(( $(date +%s) / 86400 * 86400 ))
conf a "ReportSend yes"
conf b "ReportSend yes"
start a AUTHMILTER_TEST_NOW=$tomorrow; pa=$pid
start b AUTHMILTER_TEST_NOW=$tomorrow; pb=$pid
k=0
while [ $k -lt 100 ] && ! { grep -q "report: period $B" "$tmp/a/log" &&
    grep -q "report: period $B\|period $B-[0-9]* is another node's" "$tmp/b/log"; }; do
	sleep 0.1; k=$((k + 1))
done
[ "$(sql "SELECT count(*) FROM am_claims WHERE period_begin = $B")" = 1 ]
ok $? "one claim on the period in am_claims"
holder=$(sql "SELECT node FROM am_claims WHERE period_begin = $B")
k=0
while [ $k -lt 50 ] && ! grep -q "report: period $B-$((B + 86399)): " "$tmp/a/log" "$tmp/b/log"; do
	sleep 0.1; k=$((k + 1))
done
grep -l "report: period $B-$((B + 86399)): 1 reports, 1 messages sent" \
    "$tmp/a/log" "$tmp/b/log" > "$tmp/senders"
[ "$(wc -l < "$tmp/senders")" = 1 ] && grep -q "$(dirname "$(cat "$tmp/senders")")" <<< "$holder"
ok $? "exactly one daemon built and sent the period: the claim's holder ($holder)"
[ "$(ls "$tmp/sent"/*.eml 2>/dev/null | wc -l)" = 1 ]
ok $? "one report message through sendmail"
stop $pa a
stop $pb b
python3 - "$tmp"/sent/*.eml > "$tmp/count" 2>&1 <<'P'
import email, gzip, re, sys
t = 0
for f in sys.argv[1:]:
    m = email.message_from_binary_file(open(f, "rb"))
    for part in m.walk():
        if part.get_content_type() == "application/gzip":
            x = gzip.decompress(part.get_payload(decode=True)).decode()
            t += sum(int(c) for c in re.findall(r"<count>(\d+)</count>", x))
print(t)
P
[ "$(cat "$tmp/count")" = $((2 * N)) ]
ok $? "the report counts every record of both daemons once: $((2 * N)) (got $(head -c 200 "$tmp/count"))"
start a AUTHMILTER_TEST_NOW=$tomorrow; pa=$pid
start b AUTHMILTER_TEST_NOW=$tomorrow; pb=$pid
sleep 3
stop $pa a
stop $pb b
[ "$(ls "$tmp/sent"/*.eml | wc -l)" = 1 ]
ok $? "a second start of both sends nothing twice"

# ---- the tool from two nodes at once (report aggregate --send): one
# claims the period and sends; the other sends nothing
if [ -x "$seed" ] && [ -x "$tool" ]; then
	T0=1764028800
	"$seed" "postgresql:$CONN" $T0 > "$tmp/seed" 2>&1
	mkdir "$tmp/tsent"
	cat > "$tmp/slow-sendmail" <<S
#!/bin/sh
sleep 0.5
f=\$(mktemp "$tmp/tsent/m.XXXXXX")
cat > "\$f"
S
	chmod +x "$tmp/slow-sendmail"
	printf 'ReportStore postgresql:%s\nReportEmail dmarc-reports@receiver.example\nReportSendmail %s\n' \
	    "$CONN" "$tmp/slow-sendmail" > "$tmp/tool.conf"
	printf '$ORIGIN .\n$TTL 300\ntest.example.org._report._dmarc.reports.example.net. TXT "v=DMARC1"\n' \
	    > "$tmp/tool.zone"
	agg() {	# agg NODE: one run of the tool over the seeded period
		"$tool" report aggregate -c "$tmp/tool.conf" --begin $T0 \
		    --end $((T0 + 86400)) --send --zone "$tmp/tool.zone" --node "$1"
	}
	agg mx1 > "$tmp/t1" 2>&1 & t1=$!
	agg mx2 > "$tmp/t2" 2>&1 & t2=$!
	wait $t1; r1=$?; wait $t2; r2=$?
	[ $r1 = 0 ] && [ $r2 = 0 ] && [ "$(ls "$tmp/tsent" | wc -l)" = 3 ] &&
	    [ "$(cat "$tmp/t1" "$tmp/t2" | grep -c 'claimed by another node')" = 1 ]
	ok $? "two tools at once (--node mx1, mx2): one sends the 3 reports, the other nothing ($(ls "$tmp/tsent" | wc -l) sent)"
	if grep -q 'claimed by another node' "$tmp/t1"; then win=mx2 lose=mx1
	else win=mx1 lose=mx2; fi
	[ "$(sql "SELECT node FROM am_claims WHERE period_begin = $T0")" = $win ]
	ok $? "the sender ($win) holds the claim in am_claims"
	agg $win > "$tmp/t3" 2>&1
	[ "$(ls "$tmp/tsent" | wc -l)" = 3 ] && [ "$(grep -c 'already sent' "$tmp/t3")" = 3 ]
	ok $? "a second run of the claim's holder sends nothing twice (the ledger)"
	agg $lose > "$tmp/t4" 2>&1
	[ "$(ls "$tmp/tsent" | wc -l)" = 3 ] && grep -q 'claimed by another node' "$tmp/t4"
	ok $? "the other node still sends nothing"
fi

# ---- a stopped database under load
sql "DELETE FROM am_records" > /dev/null
conf a "ReportSend no"
start a; pa=$pid
# a steady flow (a few hundred a second, not a flood the writer could
# not keep up with on a busy 2-core machine: that is the queue's
# "dropped" count, tested in report-record.sh), for 7 s
loop() {
	local end=$(( $(date +%s) + 7 ))
	while [ "$(date +%s)" -lt $end ]; do
		feed a --messages 40 --conns 2 || echo "RESULT msgs=0 errors=1 expect=0"
		sleep 0.05
	done
}
loop > "$tmp/rl" & fl=$!
sleep 2
pg stop; ok $? "PostgreSQL stopped (-m fast) while messages flow"
sleep 3
pg start; ok $? "PostgreSQL started again"
wait $fl
bad=0
while read -r r; do good "$r" 40 || bad=1; done < "$tmp/rl"
sent=$(sed -n 's/.* msgs=\([0-9]*\).*/\1/p' "$tmp/rl" | awk '{ s += $1 } END { print s + 0 }')
[ $bad = 0 ] && [ "$sent" -gt 0 ]
ok $? "no message failed: every reply the normal one, dmarc=pass ($sent messages in $(wc -l < "$tmp/rl") runs)"
# the writer tries the store again every 10 s: the journal is replayed then
k=0
while [ $k -lt 150 ] && [ "$(sql "SELECT coalesce(sum(n), 0) FROM am_records")" != "$sent" ]; do
	sleep 0.1; k=$((k + 1))
done
grep -q "records go to $tmp/a/journal" "$tmp/a/log"
ok $? "while it was down, records went to the journal"
c=$(sql "SELECT coalesce(sum(n), 0) FROM am_records")
[ -n "$sent" ] && [ "$sent" -gt 0 ] && [ "$c" = "$sent" ]
ok $? "database back: every record in it, none twice: $c stored, $sent sent"
stop $pa a
grep -q "report journal $tmp/a/journal: [1-9][0-9]* records stored" "$tmp/all.log"
ok $? "the journal was replayed into the database"
c=$(sql "SELECT coalesce(sum(n), 0) FROM am_records")
[ "$c" = "$sent" ] && [ ! -e "$tmp/a/journal" ]
ok $? "after SIGTERM: still $sent records, and no journal left"

# ---- a COMMIT that fails: whether the store took the batch is unknown
# to the writer.  A deferred constraint trigger (it fires at COMMIT)
# fails every commit while am_test_fail has a row.
sql "DELETE FROM am_records" > /dev/null
sql "CREATE TABLE am_test_fail (x int);
CREATE FUNCTION am_test_fail() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN IF EXISTS (SELECT 1 FROM am_test_fail) THEN
RAISE EXCEPTION 'test: this commit fails'; END IF; RETURN NULL; END \$\$;
CREATE CONSTRAINT TRIGGER am_test_fail AFTER INSERT ON am_journal_done
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION am_test_fail();
INSERT INTO am_test_fail VALUES (1);" > /dev/null
start a; pa=$pid
r=$(feed a --messages 50 --conns 2)
good "$r" 50; ok $? "50 messages while every COMMIT fails, each dmarc=pass"
k=0
while [ $k -lt 50 ] && ! grep -q "the commit failed" "$tmp/a/log"; do sleep 0.1; k=$((k + 1)); done
grep -q "this commit fails.*records go to $tmp/a/journal (the commit failed: if the store took them after all, the journal's replay skips them)" "$tmp/a/log" &&
	grep -Eq '^AMB1 b[0-9a-f]{16}-[0-9]+$' "$tmp/a/journal"
ok $? "the writer says the commit failed; the journal keeps the batch ids"
[ "$(sql "SELECT coalesce(sum(n), 0) FROM am_records")" = 0 ]
ok $? "... and nothing is in the store (the trigger rolled it back)"
sql "DELETE FROM am_test_fail" > /dev/null
k=0
while [ $k -lt 150 ] && [ "$(sql "SELECT coalesce(sum(n), 0) FROM am_records")" != 50 ]; do
	sleep 0.1; k=$((k + 1))
done
c=$(sql "SELECT coalesce(sum(n), 0) FROM am_records")
[ "$c" = 50 ]; ok $? "commits work again: the journal's 50 records stored once (got $c)"
stop $pa a
sql "DROP TRIGGER am_test_fail ON am_journal_done; DROP FUNCTION am_test_fail(); DROP TABLE am_test_fail" > /dev/null

! grep -q 'Sanitizer' "$tmp/all.log" 2>/dev/null
ok $? "no sanitizer report from the daemons"
grep -B2 -A12 'Sanitizer' "$tmp/all.log" 2>/dev/null | sed 's/^/# /' | head -40

echo "1..$n"
