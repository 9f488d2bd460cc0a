#!/usr/bin/env bash
# report-pg - the report store on a real PostgreSQL (TAP): a private
# cluster from Debian's postgresql package, started by the test on a
# unix socket in a temporary directory (no TCP), then
#  - two writers at once (two "MX hosts": report-seed twice in
#    parallel, each migrating the schema and inserting its records);
#  - one report set from the shared store, every record counted once,
#    valid against the RFC 9990 schema;
#  - --send twice: the second run sends nothing (the ledger);
#  - import and show on the same store, a duplicate stored once.
# A missing postgresql is a failure, not a skip (CI installs it).
set -u
: "${AM_TOOL:?}" "${top_srcdir:?}" "${top_builddir:?}"
R=$top_srcdir/t/report
SEED=$top_builddir/t/report/report-seed
B=1764028800
E=$((B + 86400))
n=0; bad=0
ok()  { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; bad=1
	cat "$tmp/chk" "$tmp/out" 2>/dev/null | sed 's/^/#   /' | head -30; }
check() { local d=$1; shift; if "$@" > "$tmp/chk" 2>&1; then ok "$d"; else nok "$d"; fi; rm -f "$tmp/chk"; }

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
	echo "not ok 1 - postgresql installed (apt-get install postgresql)"
	echo "1..1"; exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/am-pg.XXXXXX") || exit 99
chmod 755 "$tmp"
# initdb and postgres refuse to run as root: run them as postgres then.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$tmp"
stop() { as_pg "$bin/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null 2>&1; rm -rf "$tmp"; }
trap stop EXIT
as_pg mkdir "$tmp/data" "$tmp/sock"
if ! as_pg "$bin/initdb" -D "$tmp/data" -U amtest --auth=trust \
	--no-sync -E UTF8 > "$tmp/out" 2>&1; then
	nok "initdb"; echo "1..$n"; exit 1
fi
ok "initdb: a private cluster"
if ! as_pg "$bin/pg_ctl" -D "$tmp/data" -l "$tmp/sock/log" -w -t 60 \
	-o "-k $tmp/sock -c listen_addresses='' -c fsync=off" start > "$tmp/out" 2>&1; then
	cat "$tmp/sock/log" >> "$tmp/out"; nok "postgres started"; echo "1..$n"; exit 1
fi
ok "postgres started on a unix socket in $tmp/sock"
URI="postgresql:host=$tmp/sock dbname=postgres user=amtest"

# the store's unit tests (schema, migrations, records, ledger, claims,
# imports) on an empty database of this cluster
"$bin/createdb" -h "$tmp/sock" -U amtest unit > "$tmp/out" 2>&1
AM_TEST_PG_URI="postgresql:host=$tmp/sock dbname=unit user=amtest" \
	"$top_builddir/t/unit/t-report" > "$tmp/unit" 2>&1
rc=$?
cp "$tmp/unit" "$tmp/out"
check "t-report's store tests on PostgreSQL" \
	sh -c "[ $rc = 0 ] && ! grep -q '^not ok' '$tmp/unit' && grep -q '^1\.\.' '$tmp/unit'"
# the abuse protection's store (schema v4: kind, ledger counts, the
# suppression list, earning, limits) on empty databases ab_*
for d in earn sup bounce run; do
	"$bin/createdb" -h "$tmp/sock" -U amtest "ab_$d" > "$tmp/out" 2>&1
done
AM_TEST_PG_ABUSE="postgresql:host=$tmp/sock user=amtest" \
	"$top_builddir/t/unit/t-report-abuse" > "$tmp/unit" 2>&1
rc=$?
cp "$tmp/unit" "$tmp/out"
check "t-report-abuse's store tests on PostgreSQL" \
	sh -c "[ $rc = 0 ] && ! grep -q '^not ok' '$tmp/unit' && grep -q '^1\.\.' '$tmp/unit'"

mkdir "$tmp/w" "$tmp/sent"
cat > "$tmp/w/zone" <<'Z'
$ORIGIN .
$TTL 300
test.example.org._report._dmarc.reports.example.net. TXT "v=DMARC1"
Z
cat > "$tmp/w/fake-sendmail" <<S
#!/bin/sh
i=\$(ls "$tmp/sent" | wc -l)
cat > "$tmp/sent/\$i.eml"
S
chmod +x "$tmp/w/fake-sendmail"
printf 'ReportStore %s\nReportEmail dmarc-reports@receiver.example\nReportSendmail %s\n' \
	"$URI" "$tmp/w/fake-sendmail" > "$tmp/w/c.conf"

"$SEED" "$URI" $B > "$tmp/w/s1" 2>&1 & p1=$!
"$SEED" "$URI" $B > "$tmp/w/s2" 2>&1 & p2=$!
wait $p1; r1=$?; wait $p2; r2=$?
cat "$tmp/w/s1" "$tmp/w/s2" > "$tmp/out"
check "two writers at once, each migrating and inserting" \
	sh -c "[ $r1 = 0 ] && [ $r2 = 0 ] && grep -cx 'records 16' '$tmp/out' | grep -qx 2"
"$AM_TOOL" report aggregate -c "$tmp/w/c.conf" --begin $B --end $E \
	--out "$tmp/w/out" --zone "$tmp/w/zone" > "$tmp/out" 2>&1
check "aggregate from PostgreSQL: three reports" test "$(ls "$tmp/w/out"/*.xml.gz 2>/dev/null | wc -l)" = 3
for f in "$tmp/w/out"/*.xml.gz; do zcat "$f" > "${f%.gz}"; done
check "they validate against dmarc-xml-0.2.xsd" \
	xmllint --noout --schema "$R/dmarc-xml-0.2.xsd" "$tmp/w/out"/*.xml
check "every record of both writers counted once (example.com 20, test.example.org 8)" \
	python3 -c "
import glob,re,sys
t={}
for f in glob.glob('$tmp/w/out/*.xml'):
    x=open(f).read(); d=re.search(r'<policy_published>\s*<domain>([^<]*)',x).group(1)
    t[d]=t.get(d,0)+sum(int(c) for c in re.findall(r'<count>(\d+)</count>',x))
sys.exit(0 if t=={'example.com':20,'test.example.org':8} else 1)"
"$AM_TOOL" report aggregate -c "$tmp/w/c.conf" --begin $B --end $E \
	--send --zone "$tmp/w/zone" > "$tmp/out" 2>&1
check "--send: three messages" test "$(ls "$tmp/sent" | wc -l)" = 3
"$AM_TOOL" report aggregate -c "$tmp/w/c.conf" --begin $B --end $E \
	--send --zone "$tmp/w/zone" > "$tmp/out" 2>&1
check "a second run sends nothing twice" \
	sh -c "test \$(ls '$tmp/sent' | wc -l) = 3 && grep -c 'already sent' '$tmp/out' | grep -qx 3"
"$AM_TOOL" report import -c "$tmp/w/c.conf" "$R/samples/google-rfc7489.xml" \
	"$R/samples/google-rfc7489.xml" > "$tmp/out" 2>&1
check "import into PostgreSQL, the duplicate stored once" \
	grep -q 'imported 1 report(s), 1 duplicate(s), 0 failure(s)' "$tmp/out"
"$AM_TOOL" report show -c "$tmp/w/c.conf" --no-rdns > "$tmp/out" 2>&1
check "show from PostgreSQL" grep -Eq '^  google.com +192.0.2.1 +13 ' "$tmp/out"
"$AM_TOOL" report show --store "postgresql:host=$tmp/sock dbname=nosuchdb user=amtest" \
	--no-rdns > "$tmp/out" 2>&1
rc=$?
check "an unreachable database is a clear error (exit 70)" \
	sh -c "[ $rc = 70 ] && grep -q 'postgresql:' '$tmp/out'"
echo "1..$n"
exit $bad
