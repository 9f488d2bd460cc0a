#!/usr/bin/env bash
# migrate - authmilter-tool migrate on real OpenDKIM/OpenDMARC configs (TAP)
#
# The fixtures in t/migrate/ are Debian 12's stock /etc/opendkim.conf and
# /etc/opendmarc.conf (copied, so that no installed package is needed)
# and the files the most-followed Postfix tutorials produce from them.
# Their /etc/opendkim, /etc/opendmarc and /var/lib/opendkim (BaseDirectory)
# paths are moved into a
# temporary directory, where the tables and freshly generated keys live.
# For each combination: migrate exits 0, every option line of every
# input is in the output under a "from FILE:LINE" comment, either as it
# was or commented out with a reason; the Postfix change is at the top;
# Socket, UserID and PidFile come from the first file given; and the
# output loads with "authmilter -n -c".  Then the usage errors and a
# result that does not load.
set -u
: "${AM_TOOL:?}" "${top_srcdir:?}" "${top_builddir:?}"
DAEMON=$top_builddir/milter/authmilter
FIX=$top_srcdir/t/migrate
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
n=0; bad=0
ok()  { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; bad=1; [ -f "$tmp/out" ] && sed 's/^/#   /' "$tmp/out" | head -30; }
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}"/t/tool/known-user.sh
t() { # description, then a command; passes when it exits 0
	local d=$1; shift
	if "$@" >"$tmp/out" 2>&1; then ok "$d"; else nok "$d"; fi
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

# options FILE: "LINE<TAB>Name<TAB>value" for each option line, as
# opendkim.conf(5) reads them ('#' ends a line; white space collapsed).
options() {
	awk '{ sub(/#.*/, ""); if (NF == 0) next; v = $2
		for (i = 3; i <= NF; i++) v = v " " $i
		printf "%d\t%s\t%s\n", NR, $1, v }' "$1"
}

# carried OUT FILE...: each option line of each FILE is in OUT under a
# "# from FILE:LINE" comment, as the next non-comment line ("Name value",
# or "#Name value" after a "not carried: REASON" comment).  Prints what
# is missing; exits 1 if anything is.
carried() {
	local out=$1; shift
	awk -v files="$*" '
	BEGIN { nf = split(files, F, " ") }
	FNR == NR {	# the output: remember each block
		if (match($0, /^# from [^ ]+:[0-9]+/)) {
			key = substr($0, 8, RLENGTH - 7); sub(/:$/, "", key)
			cur = key; text[cur] = $0; next
		}
		if (cur != "" && /^# /) { text[cur] = text[cur] " " substr($0, 3); next }
		if (cur != "") {
			line = $0; dropped = (line ~ /^#/); sub(/^#/, "", line)
			nm = line; sub(/[ \t].*/, "", nm)
			v = line; sub(/^[^ \t]+[ \t]+/, "", v); gsub(/[ \t]+/, " ", v)
			name[cur] = nm; val[cur] = v; drop[cur] = dropped; cur = ""
		}
		next
	}
	{	# "FILE<TAB>LINE<TAB>Name<TAB>value" of the inputs
		split($0, a, "\t"); k = a[1] ":" a[2]
		if (!(k in name)) { print "missing: " k " " a[3]; bad = 1; next }
		if (tolower(name[k]) != tolower(a[3])) {
			print k ": name " name[k] ", want " a[3]; bad = 1 }
		if (val[k] != a[4] && text[k] !~ /changed: /) {
			print k ": value \"" val[k] "\", want \"" a[4] "\""; bad = 1 }
		if (drop[k] && text[k] !~ /not carried: ..../) {
			print k ": commented out without a reason"; bad = 1 }
	}
	END { exit bad }' "$out" <(for f in "$@"; do options "$f" |
		sed "s|^|$f\t|"; done)
}

# value OUT NAME: the value of the (uncommented) option in OUT
value() { awk -v n="$2" 'tolower($1) == tolower(n) { $1 = ""; sub(/^ +/, ""); print }' "$1"; }
# last FILE NAME: the last value FILE sets for NAME
last() { options "$1" | awk -F'\t' -v n="$2" 'tolower($2) == tolower(n) { v = $3 } END { print v }'; }

# case NAME ARGS...: one migration; ARGS are --opendkim/--opendmarc pairs
case_() {
	local name=$1; shift
	local files=() first="" rc
	local a=("$@") i
	for ((i = 1; i < ${#a[@]}; i += 2)); do files+=("${a[i]}"); done
	first=${files[0]}
	"$AM_TOOL" migrate "$@" > "$name.out" 2> "$name.err"; rc=$?
	cp "$name.err" "$tmp/out"
	if [ $rc = 0 ]; then ok "$name: migrate exits 0"; else
		echo "# exit $rc" >> "$tmp/out"; nok "$name: migrate exits 0"; return; fi
	t "$name: every option line is carried or commented with a reason" \
	    carried "$name.out" "${files[@]}"
	t "$name: Postfix change at the top" bash -c "head -30 '$name.out' |
	    grep -q '^#   after:  smtpd_milters = ' && head -30 '$name.out' |
	    grep -qF '#           non_smtpd_milters = \$smtpd_milters'"
	local o
	for o in Socket UserID PidFile; do
		local want
		want=$(last "$first" $o)
		[ -n "$want" ] || continue
		t "$name: $o from the first file given ($want)" \
		    test "$(value "$name.out" $o)" = "$want"
	done
	# shellcheck disable=SC2046
	t "$name: the output loads with authmilter -n -c" \
	    "$DAEMON" -n $(known_user "$name.out") -c "$name.out"
}

# ---------------------------------------------------------------- cases
case_ debian12 --opendkim debian12-opendkim.conf --opendmarc debian12-opendmarc.conf
t "debian12: TrustAnchorFile commented with the loader's reason" bash -c \
    "grep -A3 '^# from debian12-opendkim.conf:50:' debian12.out | sed 's/^# //' |
    tr '\n' ' ' | grep -q 'not carried: TrustAnchorFile is accepted but has no effect'"
t "debian12: OpenDMARC's Socket commented: the first file given wins" \
    grep -qx '#Socket  *local:/run/opendmarc/opendmarc.sock' debian12.out
t "debian12: Syslog true is the same as yes" bash -c \
    "grep -A1 'debian12-opendmarc.conf:74' debian12.out | tr '\n' ' ' | grep -q 'the same as'"
t "debian12: OpenDKIM's MaximumSignaturesToVerify default written out" \
    test "$(value debian12.out MaximumSignaturesToVerify)" = 3
t "debian12: OpenDMARC's HoldQuarantinedMessages default written out" \
    test "$(value debian12.out HoldQuarantinedMessages)" = no
t "debian12: one Socket line" test "$(grep -c '^Socket' debian12.out)" = 1

case_ debian12-dmarc-first --opendmarc debian12-opendmarc.conf --opendkim debian12-opendkim.conf
case_ appended --opendkim appended-opendkim.conf --opendmarc edited-opendmarc.conf
t "appended: the stock UserID is commented: the last one wins" bash -c \
    "grep -A3 '^# from appended-opendkim.conf:30:' appended.out | sed 's/^# //' |
    tr '\n' ' ' | grep -q 'set again at appended-opendkim.conf:[0-9]*, and OpenDKIM uses the last one'"
t "appended: refile: KeyTable and host lists carried as they were" bash -c \
    "grep -q '^KeyTable  *refile:' appended.out && grep -q '^InternalHosts  *refile:' appended.out"
case_ edited --opendkim edited-opendkim.conf --opendmarc reports-opendmarc.conf
case_ keyfile --opendkim keyfile-opendkim.conf
t "keyfile: BaseDirectory carried (relative paths keep OpenDKIM's meaning)" \
    grep -qx "BaseDirectory  *$tmp/var/lib/opendkim" keyfile.out
t "keyfile: no OpenDMARC given: DMARCMode no, SPFMode no" \
    test "$(value keyfile.out DMARCMode) $(value keyfile.out SPFMode)" = "no no"
case_ reports --opendmarc reports-opendmarc.conf
t "reports: TrustedAuthservIDs naming our own AuthservID is dropped" \
    grep -qx '#TrustedAuthservIDs  *mail.example.com' reports.out
t "reports: HistoryFile commented with a reason" \
    grep -qx '#HistoryFile  *.*' reports.out
t "reports: FailureReports false kept: authmilter takes it as it is" \
    grep -qx 'FailureReports  *false' reports.out
t "reports: Postfix address of inet:8893@localhost" \
    grep -qx '#   after:  smtpd_milters = inet:localhost:8893' reports.out
case_ edited-dmarc --opendmarc edited-opendmarc.conf
t "edited-dmarc: chrooted socket in Postfix's terms" \
    grep -qx '#   after:  smtpd_milters = unix:/opendmarc/opendmarc.sock' edited-dmarc.out

# ---------------------------------------------------------------- errors
st() { # EXPECTED DESC CMD...
	local want=$1 d=$2 rc; shift 2
	"$@" >"$tmp/st.out" 2>"$tmp/st.err"; rc=$?
	cat "$tmp/st.out" "$tmp/st.err" > "$tmp/out"
	if [ "$rc" -eq "$want" ]; then ok "$d"; else echo "# exit $rc, want $want" >> "$tmp/out"; nok "$d"; fi
}
st 64 "--opendkim twice is refused" "$AM_TOOL" migrate --opendkim debian12-opendkim.conf --opendkim appended-opendkim.conf
t "... saying so" grep -q -- '--opendkim given twice' "$tmp/st.err"
t "... and printing nothing" test ! -s "$tmp/st.out"
st 64 "--opendmarc twice is refused" "$AM_TOOL" migrate --opendmarc debian12-opendmarc.conf --opendmarc reports-opendmarc.conf
st 64 "no file given" "$AM_TOOL" migrate
st 64 "an unknown option" "$AM_TOOL" migrate --opendkim debian12-opendkim.conf --postfix
st 64 "an extra argument" "$AM_TOOL" migrate --opendkim debian12-opendkim.conf extra
st 66 "a file that does not exist" "$AM_TOOL" migrate --opendkim nonexistent.conf
st 0 "--help" "$AM_TOOL" migrate --help
printf 'Syslog yes\nSocket inet:99999@localhost\n' > bad.conf
st 65 "a result that does not load: exit 65" "$AM_TOOL" migrate --opendkim bad.conf
t "... naming the source file:line and the option" grep -q '^authmilter-tool: migrate: bad.conf:2: Socket' "$tmp/st.err"
t "... and printing nothing on stdout" test ! -s "$tmp/st.out"

# The daemon too: two -c options are refused, not the last one kept.
st 64 "authmilter: -c twice is refused" "$DAEMON" -n -c debian12.out -c keyfile.out
t "... naming both files" grep -q -- '-c given twice (debian12.out and keyfile.out)' "$tmp/st.err"
t "... and printing no configuration" test ! -s "$tmp/st.out"

echo "1..$n"
exit $bad
