#!/usr/bin/env bash
# report-abuse - authmilter-tool report: what keeps the reporter from
# being a spam cannon (TAP).  Records from t/report/report-seed's abuse
# set: DSNs, reports and failing mail from never-passing domains earn
# no report (--dry-run says why); ReportDestinationLimit holds a message
# back, it is not in the ledger and goes out on a later run; a Postfix
# DSN of a report, imported, suppresses the destination that bounced;
# report suppress list|add|remove.
set -u
: "${AM_TOOL:?}" "${top_srcdir:?}" "${top_builddir:?}"
S=$top_srcdir/t/report/samples
SEED=$top_builddir/t/report/report-seed
B=1764028800		# 2025-11-25 00:00:00 UTC
E=$((B + 86400))
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
n=0; bad=0
ok()  { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; bad=1
	sed 's/^/#   /' "$tmp/out" 2>/dev/null | head -40; }
# has DESCRIPTION REGEX: ok when $tmp/out has a line matching REGEX
has() { if grep -Eq -- "$2" "$tmp/out"; then ok "$1"; else nok "$1"; fi; }
hasnt() { if grep -Eq -- "$2" "$tmp/out"; then nok "$1"; else ok "$1"; fi; }
run() { "$AM_TOOL" "$@" > "$tmp/out" 2>&1; rc=$?; }

cat > "$tmp/fake-sendmail" <<X
#!/bin/sh
i=\$(ls "$tmp/sent" | wc -l)
printf '%s\n' "\$@" > "$tmp/sent/\$i.args"
cat > "$tmp/sent/\$i.eml"
X
chmod +x "$tmp/fake-sendmail"; mkdir "$tmp/sent"
conf() {	# conf FILE [extra lines]
	local f=$1; shift
	{ echo "Socket inet:8891@127.0.0.1"
	  echo "ReportStore sqlite:$tmp/r.db"
	  echo "ReportEmail dmarc-reports@receiver.example"
	  echo "ReportSendmail $tmp/fake-sendmail"
	  printf '%s\n' "$@"; } > "$f"
}
conf "$tmp/c.conf" "ReportDestinationLimit 1"
conf "$tmp/free.conf" "ReportDestinationLimit 0"
"$SEED" "sqlite:$tmp/r.db" $B abuse > "$tmp/out" 2>&1
has "seed: the abuse set, 17 records in the period" '^records 17$'

# ------------------------------------------------------------ earning
run report aggregate -c "$tmp/c.conf" --begin $B --end $E --dry-run
[ $rc = 0 ] && ok "--dry-run: exit 0" || nok "--dry-run: exit 0 (got $rc)"
why='not reported: only DSNs / reports / failing mail from a never-passing domain'
grep -A1 ': dsn.example ' "$tmp/out" > "$tmp/d" 2>&1
grep -q "$why (0 DMARC report(s), 0 TLS report(s), 3 DSN(s), 0 failing" "$tmp/d" &&
	ok "dsn.example (only DSNs): not reported, why" || nok "dsn.example (only DSNs): not reported, why"
grep -A1 ': rpt.example ' "$tmp/out" > "$tmp/d" 2>&1
grep -q "$why (2 DMARC report(s), 1 TLS report(s), 0 DSN(s)" "$tmp/d" &&
	ok "rpt.example (only reports): not reported, why" || nok "rpt.example (only reports): not reported, why"
grep -A1 ': never.example ' "$tmp/out" > "$tmp/d" 2>&1
grep -q "$why (.*4 failing from a From domain that never passed DMARC)" "$tmp/d" &&
	ok "never.example (failing, never passed): not reported, why" || nok "never.example: not reported, why"
has "mixed.example: earned by 1 of 3 messages (the DSNs counted)" 'earned: 1 of 3 message\(s\) of mixed.example'
has "once.example: failing, but passed before: earned" 'earned: 2 of 2 message\(s\) of once.example'
has "mixed.example: its report holds all 3 messages" 'report [0-9a-f]{32}: [0-9]+ record\(s\), 3 message\(s\)'
hasnt "no report for the unearned domains" 'would send .*(dsn|rpt|never)\.example'
has "--dry-run counts what it would send against ReportDestinationLimit" \
	'would hold back [0-9a-f]{32} to d@limit.example: ReportDestinationLimit \(1 a day\) reached \(1 sent'
has "--dry-run: the summary" '^1 message\(s\) would be held back by ReportDestinationLimit'
[ "$(ls "$tmp/sent" | wc -l)" = 0 ] && ok "--dry-run sends nothing" || nok "--dry-run sends nothing"

# ------------------------------------------------------------- limits
run report aggregate -c "$tmp/c.conf" --begin $B --end $E --send
[ $rc = 0 ] && ok "--send: exit 0" || nok "--send: exit 0 (got $rc)"
[ "$(ls "$tmp/sent"/*.eml | wc -l)" = 3 ] && ok "three messages sent (mixed, once, one of the limit pair)" ||
	nok "three messages sent (got $(ls "$tmp/sent"/*.eml | wc -l))"
has "the second message to d@limit.example held back, with the limit" \
	'held back [0-9a-f]{32} to d@limit.example: ReportDestinationLimit \(1 a day\) reached .*tried again on the next run'
has "the summary says it stays unsent" '^1 message\(s\) held back by ReportDestinationLimit or ReportDailyLimit: not in the ledger, tried again'
run report aggregate -c "$tmp/c.conf" --begin $B --end $E --send
[ "$(ls "$tmp/sent"/*.eml | wc -l)" = 3 ] && ok "a second run sends nothing new" || nok "a second run sends nothing new"
has "a second run holds it back again" 'held back .* to d@limit.example'
rid=$(grep -h -A1 '^-f$' "$tmp/sent"/*.args | grep -o '+[0-9a-f]\{32\}@' | head -99 |
	while read -r x; do f=$(grep -l -- "$x" "$tmp/sent"/*.args); grep -qx 'd@limit.example' "$f" && echo "${x:1:32}"; done | head -1)
[ -n "$rid" ] && ok "the report sent to d@limit.example: $rid" || nok "the report sent to d@limit.example"

# -------------------------------------------------------- suppression
sed "s/@@ID@@/$rid/g" "$S/dsn-postfix.eml" > "$tmp/bounce.eml"
run report import -c "$tmp/c.conf" "$tmp/bounce.eml"
[ $rc = 0 ] && ok "import of a DSN: exit 0" || nok "import of a DSN: exit 0 (got $rc)"
has "the Postfix DSN suppresses the destination" "suppressed d@limit.example \(report $rid bounced: 5.1.1\)"
has "the summary counts the DSN" 'imported 0 report\(s\), 0 duplicate\(s\), 0 failure\(s\), 1 delivery status notification'
run report suppress -c "$tmp/c.conf"
has "suppress (list): the address, until when, why" "^d@limit.example	since .* UTC	until .* UTC	report $rid bounced: 5.1.1"
run report aggregate -c "$tmp/free.conf" --begin $B --end $E --send
has "a suppressed destination is skipped, said" 'destination d@limit.example: suppressed until [0-9]+ \(report'
[ "$(ls "$tmp/sent"/*.eml | wc -l)" = 3 ] && ok "nothing sent to it" || nok "nothing sent to it"
run report suppress remove d@LIMIT.example -c "$tmp/c.conf"
has "remove (the domain in any case)" '^removed d@limit.example$'
run report aggregate -c "$tmp/free.conf" --begin $B --end $E --send
[ "$(ls "$tmp/sent"/*.eml | wc -l)" = 4 ] && ok "removed: the held report goes out" || nok "removed: the held report goes out"

sed "s/@@ID@@/$rid/g" "$S/dsn-gmail.eml" > "$tmp/gmail.eml"
run report import -c "$tmp/c.conf" "$tmp/gmail.eml"
has "a Gmail DSN suppresses it too" "suppressed d@limit.example \(report $rid bounced: 5.1.1\)"
has "the report returned inside the DSN is not imported" 'imported 0 report\(s\)'
sed "s/@@ID@@/$rid/g" "$S/dsn-delayed.eml" > "$tmp/delayed.eml"
run report import -c "$tmp/c.conf" "$tmp/delayed.eml"
has "a delayed DSN changes nothing" "DSN for report $rid \(delayed 4.4.7\): ignored: not a permanent failure"
sed "s/@@ID@@/ffffffffffffffffffffffffffffffff/g" "$S/dsn-postfix.eml" > "$tmp/other.eml"
run report import -c "$tmp/c.conf" "$tmp/other.eml"
has "a DSN of a report we never sent is ignored" 'ignored: not in the ledger of sent reports'

run report suppress add Abuse@Spam.Example --days 2 --reason "asked us" -c "$tmp/c.conf"
has "add: the operator's entry" '^suppressed Abuse@spam.example for 2 day\(s\) \(asked us\)$'
run report suppress list -c "$tmp/c.conf"
has "list: two entries" '^2 suppressed destination\(s\)$'
run report suppress remove nobody@spam.example -c "$tmp/c.conf"
has "remove: not there, said" '^not on the list: nobody@spam.example$'
run report suppress add not-an-address -c "$tmp/c.conf"
[ $rc = 64 ] && ok "add: not an address refused (64)" || nok "add: not an address refused (got $rc)"
run report suppress frob -c "$tmp/c.conf"
[ $rc = 64 ] && ok "an unknown verb: usage (64)" || nok "an unknown verb: usage (got $rc)"
conf "$tmp/bad.conf" "ReportSuppressDays 0"
run report suppress -c "$tmp/bad.conf"
[ $rc = 64 ] && ok "ReportSuppressDays 0 refused" || nok "ReportSuppressDays 0 refused (got $rc)"

echo "1..$n"
exit $bad
