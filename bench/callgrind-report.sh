#!/usr/bin/env bash
# callgrind-report.sh -- what recording DMARC report records costs, in
# instructions (callgrind: repeatable on a loaded machine, unlike time).
#
# Runs authmilter under valgrind --tool=callgrind twice on the same
# messages (one unsigned message from 192.0.2.1, SPF pass, DMARC pass
# with p=quarantine and a rua, AUTHMILTER_TEST_DNS zone), once with
# reporting off (ReportRecord no) and once on (an SQLite store in the
# scratch directory), and prints instructions per message:
#   total        the whole process (every thread);
#   milter side  inclusive cost of the report sink the milter threads
#                call (am_rw_sink: building the record and queueing it;
#                includes the dmarc-report log line, which reporting
#                off writes too: see "log line");
#   writer       the writer thread (am_rw_thread: store inserts);
#   on - off     the whole difference.
#
# Usage:  bench/callgrind-report.sh [BUILDDIR]    (default /tmp/build-bm)
# Env:    MSGS=2000  CONNS=2  W=scratch  KEEP=1
# Needs:  valgrind (callgrind_annotate), python3.  About a minute.
set -euo pipefail

BUILD=${1:-/tmp/build-bm}
MSGS=${MSGS:-2000}
CONNS=${CONNS:-2}
AM=$BUILD/milter/authmilter
BM=$BUILD/bench/bench-milter
for t in valgrind callgrind_annotate python3; do
	command -v "$t" >/dev/null || { echo "$t not found" >&2; exit 2; }
done
[ -x "$AM" ] && [ -x "$BM" ] || { echo "build $AM and $BM first" >&2; exit 2; }
W=${W:-$(mktemp -d /tmp/cg-report.XXXXXX)}
mkdir -p "$W"
pid=
cleanup() {
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	[ "${KEEP:-0}" = 1 ] || rm -rf "$W"
}
trap cleanup EXIT

cat > "$W/zone" <<'Z'
$ORIGIN example.org.
$TTL 300
@ IN SOA ns.example.org. hostmaster.example.org. 1 3600 600 86400 300
@ IN NS ns.example.org.
@ IN TXT "v=spf1 ip4:192.0.2.0/24 -all"
_dmarc IN TXT "v=DMARC1; p=quarantine; rua=mailto:dmarc@example.org"
Z
printf 'From: Alice <alice@example.org>\r\nTo: bob@example.net\r\nSubject: hello\r\nMessage-ID: <m1@example.org>\r\nDate: Mon, 07 Dec 2026 04:00:00 +0000\r\n\r\nhello\r\n' \
	> "$W/m.eml"

run() {	# run NAME REPORTRECORD: callgrind.out.NAME
	local k
	rm -f "$W/sock" "$W/$1.db"*
	printf 'Socket unix:%s/sock\nPidFile %s/pid\nAuthservID mx.example.net\nMode v\nSyslog no\nReportEmail dmarc-reports@example.net\nReportStore sqlite:%s/%s.db\nReportRecord %s\n' \
		"$W" "$W" "$W" "$1" "$2" > "$W/$1.conf"
	AUTHMILTER_TEST_DNS=$W/zone valgrind --tool=callgrind \
		--callgrind-out-file="$W/callgrind.out.$1" "$AM" -f \
		-c "$W/$1.conf" > "$W/$1.log" 2>&1 &
	pid=$!
	for k in $(seq 1 600); do [ -S "$W/sock" ] && break; sleep 0.1; done
	"$BM" --socket "unix:$W/sock" --client-addr 192.0.2.1 \
		--from alice@example.org --messages "$MSGS" --conns "$CONNS" \
		--warmup 0 --timeout 30 --expect dmarc=pass "$W/m.eml" |
		grep '^RESULT' > "$W/$1.result"
	kill -TERM "$pid"; wait "$pid" || true; pid=
	grep -q " expect=$MSGS" "$W/$1.result" ||
		{ echo "$1: not every message passed: $(cat "$W/$1.result")" >&2; exit 1; }
}
run off no
run on yes

# inclusive instructions of a function (0 when it never ran)
incl() {
	callgrind_annotate --inclusive=yes --threshold=100 "$W/callgrind.out.$1" 2>/dev/null |
		awk -v f="$2" '$0 ~ ("[ :]" f " ") || $0 ~ ("[ :]" f "$") {
			gsub(",", "", $1); print $1; found = 1; exit }
			END { if (!found) print 0 }' || true
}
total() {
	callgrind_annotate "$W/callgrind.out.$1" 2>/dev/null |
		awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }' || true
}
off=$(total off); on=$(total on)
sink=$(incl on am_rw_sink); writer=$(incl on am_rw_thread)
logl=$(incl off am_dmarc_report_log_sink)
python3 - "$MSGS" "$off" "$on" "$sink" "$writer" "$logl" <<'P'
import sys
n, off, on, sink, writer, logl = (int(x) for x in sys.argv[1:])
print("callgrind, %d messages, instructions per message:" % n)
print("  total, reporting off   %10.0f" % (off / n))
print("  total, reporting on    %10.0f" % (on / n))
print("  on - off               %10.0f  (%+.1f%%)" % ((on - off) / n, (on - off) * 100.0 / off))
print("  milter side (am_rw_sink, incl. log line) %10.0f" % (sink / n))
print("  log line alone (reporting off)           %10.0f" % (logl / n))
print("  writer thread (am_rw_thread)             %10.0f" % (writer / n))
P
