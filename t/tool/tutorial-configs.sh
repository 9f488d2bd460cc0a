#!/usr/bin/env bash
# tutorial-configs - the OpenDKIM and OpenDMARC configurations people
# really have load with "authmilter -n -c" (TAP)
#
# The fixtures in t/migrate/ are Debian 12's stock /etc/opendkim.conf and
# /etc/opendmarc.conf and what the most-followed Postfix tutorials make
# of them (lines appended to the stock file, refile: tables and host
# lists with "*.example.com", a single KeyFile, report options turned
# off), with their tables next to them.  Their /etc/opendkim,
# /etc/opendmarc and /var/lib/opendkim paths are moved into a temporary
# directory, where freshly generated keys live.  Each must load (exit
# 0, no error), print exactly the warnings listed here, and take the
# values OpenDKIM/OpenDMARC would (the last of a repeated option).
# Then the refusals: a report switched on, and a broken TrustedHosts
# named by two options (one error line each, naming the option and the
# config file:line).
set -u
: "${AM_TOOL:?}" "${top_srcdir:?}" "${top_builddir:?}"
DAEMON=$top_builddir/milter/authmilter
FIX=$top_srcdir/t/migrate
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
n=0; bad=0
ok()  { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; bad=1; sed 's/^/#   /' "$tmp/err" | head -30; }
t() { # description, then a command; passes when it exits 0
	local d=$1; shift
	if "$@" >/dev/null 2>&1; then ok "$d"; else nok "$d"; fi
}

# ---------------------------------------------------------------- set-up
cd "$tmp" || exit 1
mkdir -p etc/opendkim/keys/example.com etc/opendmarc var/lib/opendkim
for f in "$FIX"/*.conf; do
	sed -e "s|/etc/opendkim/|$tmp/etc/opendkim/|g" \
	    -e "s|/etc/opendmarc/|$tmp/etc/opendmarc/|g" \
	    -e "s|/var/lib/opendkim|$tmp/var/lib/opendkim|g" "$f" > "${f##*/}"
done
for d in appended-opendkim edited-opendkim reports-opendmarc; do
	for f in "$FIX/$d"/*; do
		sed -e "s|/etc/opendkim/|$tmp/etc/opendkim/|g" "$f" \
		    > "etc/${d#*-}/${f##*/}"
	done
done
for s in mail default; do
	"$AM_TOOL" keygen -d example.com -s $s -D etc/opendkim/keys/example.com \
	    >/dev/null 2>&1 || echo "# keygen $s failed"
done

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}"/t/tool/known-user.sh
# load NAME: authmilter -n -c NAME.conf; the print in NAME.out, the log
# in NAME.err (and $tmp/err), the exit status in $rc
load() {
	# shellcheck disable=SC2046
	"$DAEMON" -n $(known_user "$1.conf") -c "$1.conf" > "$1.out" \
	    2> "$1.err"; rc=$?
	cp "$1.err" "$tmp/err"
}
# value NAME OPTION: the value -n prints for OPTION
value() { awk -v o="$2" 'tolower($1) == tolower(o) { $1 = ""; sub(/^ +/, ""); print }' "$1.out"; }
# warned NAME TEXT: one warning line of NAME.err contains TEXT
warned() { test "$(grep ': warning: ' "$1.err" | grep -cF -- "$2")" = 1; }
nwarn() { grep -c ': warning: ' "$1.err"; }

# config NAME WARNINGS TEXT...: loads, no error, exactly WARNINGS
# warnings, each TEXT among them
config() {
	local name=$1 want=$2 w; shift 2
	load "$name"
	t "$name: loads with -n (exit 0)" test "$rc" = 0
	t "$name: no error" bash -c "! grep -q ': error: ' '$name.err'"
	t "$name: $want warning(s)" test "$(nwarn "$name")" = "$want"
	for w in "$@"; do
		t "$name: warns: $w" warned "$name" "$w"
	done
}

# ---------------------------------------------------------------- stock
config debian12-opendkim 1 \
    "debian12-opendkim.conf:50: TrustAnchorFile is accepted but has no effect"
t "debian12-opendkim: Socket" test "$(value debian12-opendkim Socket)" = \
    local:/run/opendkim/opendkim.sock
config debian12-opendmarc 0
# (without an opendmarc user here, -n ran with -u: see known_user)
t "debian12-opendmarc: UserID" test "$(value debian12-opendmarc UserID)" = \
    "$(getent passwd opendmarc >/dev/null && echo opendmarc || id -un)"

# ---------------------------------------------------------------- tutorials
# "Append these lines to /etc/opendkim.conf": six options repeated,
# refile: KeyTable, SigningTable and TrustedHosts ("*.example.com").
config appended-opendkim 11 \
    "appended-opendkim.conf:50: TrustAnchorFile is accepted but has no effect" \
    "appended-opendkim.conf:55: AutoRestart is accepted but has no effect" \
    "appended-opendkim.conf:56: AutoRestartRate is accepted but has no effect" \
    "appended-opendkim.conf:57: UMask is set again (before: appended-opendkim.conf:31); the last one wins" \
    "appended-opendkim.conf:58: Syslog is set again (before: appended-opendkim.conf:6)" \
    "appended-opendkim.conf:62: Canonicalization is set again (before: appended-opendkim.conf:13)" \
    "appended-opendkim.conf:70: PidFile is set again (before: appended-opendkim.conf:42)" \
    "appended-opendkim.conf:73: UserID is set again (before: appended-opendkim.conf:30)" \
    "appended-opendkim.conf:75: Socket is set again (before: appended-opendkim.conf:37)" \
    "TrustedHosts:3: \"192.168.0.1/24\" never matches in a refile: list" \
    "TrustedHosts:5: \"*.example.com\": a pattern starting with '*'"
t "appended-opendkim: TrustedHosts warnings once, naming the first option and its line" \
    grep -qF "(ExternalIgnoreList at appended-opendkim.conf:64)" appended-opendkim.err
t "appended-opendkim: the last Socket" test "$(value appended-opendkim Socket)" = \
    inet:12301@localhost
t "appended-opendkim: the last UserID" test "$(value appended-opendkim UserID)" = \
    opendkim:opendkim
t "appended-opendkim: the last UMask" test "$(value appended-opendkim UMask)" = 002
t "appended-opendkim: the last PidFile" test "$(value appended-opendkim PidFile)" = \
    /var/run/opendkim/opendkim.pid
t "appended-opendkim: KeyTable refile:" test "$(value appended-opendkim KeyTable)" = \
    "refile:$tmp/etc/opendkim/KeyTable"
t "appended-opendkim: InternalHosts refile:" test \
    "$(value appended-opendkim InternalHosts)" = "refile:$tmp/etc/opendkim/TrustedHosts"

# The other tutorial's edit of Debian's file: key.table and signing.table
# as refile:, trusted.hosts a file with ".example.com", UserID twice.
config edited-opendkim 4 \
    "edited-opendkim.conf:52: TrustAnchorFile is accepted but has no effect" \
    "edited-opendkim.conf:55: AutoRestart is accepted" \
    "edited-opendkim.conf:56: AutoRestartRate is accepted" \
    "edited-opendkim.conf:63: UserID is set again (before: edited-opendkim.conf:32)"
t "edited-opendkim: SigningTable refile:" test "$(value edited-opendkim SigningTable)" = \
    "refile:$tmp/etc/opendkim/signing.table"
config edited-opendmarc 0
t "edited-opendmarc: RejectFailures" test "$(value edited-opendmarc RejectFailures)" = true

# Domain, Selector and KeyFile, BaseDirectory, reports turned off.
config keyfile-opendkim 2 \
    "keyfile-opendkim.conf:12: SendReports no is accepted: it turns off what authmilter does not do yet" \
    "keyfile-opendkim.conf:13: ReportAddress is accepted but has no effect: no DKIM failure reports are sent"
t "keyfile-opendkim: Domain" test "$(value keyfile-opendkim Domain)" = example.com

# OpenDMARC with reports: HistoryFile, FailureReports false (an option
# of ours: off, no warning).
config reports-opendmarc 2 \
    "reports-opendmarc.conf:12: HistoryFile is accepted but has no effect: nothing is written to it: authmilter's report store replaces it (ReportStore; authmilter-tool report" \
    "reports-opendmarc.conf:8: TrustedAuthservIDs: \"mail.example.com\" is our own AuthservID"
t "reports-opendmarc: IgnoreHosts from the file" test \
    "$(value reports-opendmarc IgnoreHosts)" = "$tmp/etc/opendmarc/ignore.hosts"

# ---------------------------------------------------------------- refusals
sed 's/^FailureReports.*/FailureReports true/' reports-opendmarc.conf > on.conf
load on
t "FailureReports true without a From address: refused (exit 78)" test "$rc" = 78
t "... one error, naming file:line and what is missing" bash -c \
    "test \$(grep -c ': error: ' on.err) = 1 && grep -qF 'on.conf:13: FailureReports yes needs FailureReportsSentBy or ReportEmail' on.err"
printf 'FailureReportsSentBy ruf@example.com\n' >> on.conf
load on
t "FailureReports true with FailureReportsSentBy: loads (RFC 9991 reports)" test "$rc" = 0

printf '127.0.0.1\n192.0.2/24\n' > etc/opendkim/bad.hosts
sed -e "s|refile:$tmp/etc/opendkim/TrustedHosts|$tmp/etc/opendkim/bad.hosts|" \
    appended-opendkim.conf > badhosts.conf
load badhosts
t "a broken TrustedHosts: refused" test "$rc" = 78
t "... the bad entry reported once" test "$(grep -cF '"192.0.2/24"' badhosts.err)" = 1
t "... at its file:line, naming the option and the config file:line" grep -qF \
    "bad.hosts:2: \"192.0.2/24\" is not an IPv4 or IPv6 address, a CIDR block (write 192.0.2.0/24, not 192.0.2/24) or a host name (ExternalIgnoreList at badhosts.conf:64)" \
    badhosts.err
t "... the other option: one line naming it and the first" grep -qF \
    "badhosts.conf:65: InternalHosts: $tmp/etc/opendkim/bad.hosts: not applied: its errors are reported above, for ExternalIgnoreList at badhosts.conf:64" \
    badhosts.err
t "... two errors in all" test "$(grep -c ': error: ' badhosts.err)" = 2

echo "1..$n"
exit $bad
