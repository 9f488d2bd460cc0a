#!/usr/bin/env bash
# hardening.sh - what root touches at start (pid file, socket, log file),
# start-up failures, -n's checks, log escaping, libmilter's timeout and
# our Authentication-Results under hostile input, against the real
# authmilter binary.  A python wire client (hostile.py) plays the MTA.
# Loopback only; every process started is stopped.  TAP.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$PWD}
milter=${AM_MILTER:-$top_builddir/milter/authmilter}
here=$top_srcdir/t/milter
n=0
pid=
if [ ! -x "$milter" ]; then echo "1..0 # SKIP $milter not built"; exit 0; fi
if ! command -v python3 >/dev/null 2>&1; then echo "1..0 # SKIP no python3"; exit 0; fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/am-hard.XXXXXX")
cleanup() {
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
cp "$top_srcdir"/conf/demo-rsa.key "$tmp"/; chmod 600 "$tmp"/demo-rsa.key

ok() {	# ok STATUS NAME
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

# conf NAME BODY: $tmp/NAME/authmilter.conf with Socket and PidFile there.
conf() {
	dir=$tmp/$1; mkdir -p "$dir"; sock=${SOCK:-$dir/sock}
	printf 'Socket unix:%s\nPidFile %s/pid\nAuthservID mx.example.org\nMode %s\n%s\n' \
		"$sock" "$dir" "${MODE:-v}" "$2" > "$dir"/authmilter.conf
	cp "$top_srcdir"/conf/demo.zone "$dir"/test.zone
}

# start NAME: authmilter -f in the background; waits for "started".
start() {
	AUTHMILTER_TEST_DNS=$dir/test.zone "$milter" -f -c "$dir"/authmilter.conf \
		2>"$dir"/log &
	pid=$!
	local i
	for i in $(seq 1 100); do
		grep -q "authmilter .* started" "$dir"/log "$dir"/file.log 2>/dev/null && return 0
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

# run-once NAME: authmilter -f that must fail to start; exit code in rc.
fail_start() {
	AUTHMILTER_TEST_DNS=$dir/test.zone timeout 10 "$milter" -f \
		-c "$dir"/authmilter.conf > "$dir"/log 2>&1
	rc=$?
}

# ---- pid file: a symbolic link planted where it goes is refused
conf pidlink ""
echo precious > "$dir"/victim
ln -s "$dir"/victim "$dir"/pid
fail_start
[ $rc = 71 ] && grep -q 'refusing' "$dir"/log
ok $? "pid file: a planted symbolic link stops the start (exit 71)"
[ "$(cat "$dir"/victim)" = precious ] && [ -L "$dir"/pid ]
ok $? "pid file: the link's target is untouched, the link left alone"
[ ! -e "$sock" ]
ok $? "pid file: the failed start leaves no socket behind"
# a hard link to another file is refused too
rm "$dir"/pid; ln "$dir"/victim "$dir"/pid
fail_start
[ $rc = 71 ] && [ "$(cat "$dir"/victim)" = precious ]
ok $? "pid file: a hard link is refused and its file untouched"

# ---- a stale pid file (regular) is replaced; removed at exit
conf pidstale ""
echo 99999 > "$dir"/pid
if start pidstale; then
	[ "$(cat "$dir"/pid)" = "$pid" ]
	ok $? "pid file: a stale one is replaced with our pid"
	stop
	[ ! -e "$dir"/pid ] && [ ! -e "$sock" ]
	ok $? "pid file and socket removed at exit"
else
	ok 1 "pid file: started over a stale pid file"; ok 1 "removed at exit"
fi
# replaced while running by a link: at exit the link and its target stay
conf pidswap ""
echo precious > "$dir"/victim
if start pidswap; then
	rm "$dir"/pid; ln -s "$dir"/victim "$dir"/pid
	stop
	[ -L "$dir"/pid ] && [ "$(cat "$dir"/victim)" = precious ]
	ok $? "pid file: a link put there while running is not followed at exit"
else
	ok 1 "pid file: pidswap started"
fi

# ---- start-up failures say why and leave nothing behind
SOCK=$tmp/nodir/missing/deeper/sock conf nodir ""
fail_start
[ $rc = 71 ] && grep -q 'deeper: No such file or directory' "$dir"/log &&
	[ ! -e "$dir"/pid ]
ok $? "socket in a missing directory (its parent missing too): exit 71 with the errno text, no pid file"
# A missing last directory under an existing one is made at start, as a
# service manager's RuntimeDirectory would be (and -n says so).
SOCK=$tmp/mkdir/run/sock conf mkdir ""
"$milter" -n -c "$dir"/authmilter.conf > "$dir"/n.out 2>&1
rc=$?
[ $rc = 0 ] && grep -q 'socket directory .*/run: not there yet, created at start' "$dir"/n.out &&
	[ ! -e "$tmp"/mkdir/run ]
ok $? "-n: a missing socket directory whose parent exists is fine (created at start), -n creates nothing"
if start; then
	[ -d "$tmp"/mkdir/run ] && [ -S "$tmp"/mkdir/run/sock ] &&
		[ "$(stat -c %a "$tmp"/mkdir/run)" = 750 ]
	ok $? "start: the socket directory is created (0750) and the socket is in it"
	stop
else
	ok 1 "start: the socket directory is created (0750) and the socket is in it"
fi
conf nouser "UserID no-such-user-am"
fail_start
[ $rc = 71 ] && grep -q 'no-such-user-am: no such user' "$dir"/log &&
	[ ! -e "$sock" ] && [ ! -e "$dir"/pid ]
ok $? "unknown UserID: exit 71, no stale socket, no pid file"

# ---- -n sees both
conf checkuser "UserID no-such-user-am"
"$milter" -n -c "$dir"/authmilter.conf > "$dir"/n.out 2>&1
rc=$?
[ $rc = 78 ] && grep -q 'UserID no-such-user-am: no such user' "$dir"/n.out
ok $? "-n: an unknown UserID exits 78 and says so"
SOCK=$tmp/checkdir/missing/deeper/sock conf checkdir ""
"$milter" -n -c "$dir"/authmilter.conf > "$dir"/n.out 2>&1
rc=$?
[ $rc = 78 ] && grep -q 'socket directory .*deeper: No such file' "$dir"/n.out
ok $? "-n: a socket in a missing directory exits 78 and says so"
conf checkgood ""
"$milter" -n -c "$dir"/authmilter.conf > "$dir"/n.out 2>&1
ok $? "-n: a good config still exits 0"

# ---- a key file replaced by a FIFO (the daemon's user may own the key
# directory) must not hang root's start or -n
MODE="sv
Domain example.net
Selector rsa2026
KeyFile $tmp/fifo/key.fifo" conf fifo ""
mkfifo "$dir"/key.fifo
timeout 10 "$milter" -n -c "$dir"/authmilter.conf > "$dir"/n.out 2>&1
rc=$?
[ $rc = 78 ] && grep -q 'key.fifo: not a regular file' "$dir"/n.out
ok $? "a FIFO as key file: refused at once (exit 78), no hang"

# ---- LogFile, and control characters from the MTA escaped in the log
MODE="sv
Domain example.net
Selector rsa2026
KeyFile $tmp/demo-rsa.key" conf logfile "LogFile $tmp/logfile/file.log
Syslog no"
if start logfile; then
	python3 "$here"/hostile.py inject "$sock" > "$dir"/py.out 2>&1
	ok $? "inject: hostile.py ran (queue id, client, HELO, MAIL FROM, header with LF)"
	stop
	grep -q 'authmilter .* started' "$dir"/file.log &&
		grep -q 'QID2' "$dir"/file.log
	ok $? "LogFile: start and message lines are written to the file"
	! grep -q '^FORGED' "$dir"/file.log
	ok $? "log file: no forged line starts with the injected text"
	grep -q 'QID2\\nFORGED-QID' "$dir"/file.log &&
		grep -q 'a\\nFORGED-FROM' "$dir"/file.log &&
		grep -q 'evil.example\\nFORGED-HOST' "$dir"/file.log &&
		grep -q 'helo.example\\r\\nFORGED-HELO' "$dir"/file.log
	ok $? "log file: the line feeds and carriage returns are written as \\n, \\r"
	! grep -q '^FORGED' "$dir"/log
	ok $? "-f with LogFile: no forged line on stderr either"
	sed 's/^/# /' "$dir"/file.log | head -20
else
	ok 1 "logfile: started"
fi
conf logstderr "LogFile stderr
Syslog no"
if start logstderr; then
	python3 "$here"/hostile.py inject "$sock" > "$dir"/py.out 2>&1
	stop
	[ "$(grep -c 'authmilter .* started' "$dir"/log)" = 1 ] &&
		! grep -q '^FORGED' "$dir"/log && grep -q 'QID2\\nFORGED' "$dir"/log
	ok $? "LogFile stderr: each line once on stderr, escaped"
else
	ok 1 "logstderr: started"
fi
# daemonized (no -f): the file is the only place the lines go
conf logbg "LogFile $tmp/logbg/file.log
Syslog no"
AUTHMILTER_TEST_DNS=$dir/test.zone "$milter" -c "$dir"/authmilter.conf > "$dir"/log 2>&1
for i in $(seq 1 100); do [ -s "$dir"/pid ] && break; sleep 0.05; done
pid=$(cat "$dir"/pid 2>/dev/null)
for i in $(seq 1 100); do grep -q started "$dir"/file.log 2>/dev/null && break; sleep 0.05; done
grep -q 'authmilter .* started' "$dir"/file.log
ok $? "LogFile: a daemon in the background logs to the file"
if [ -n "$pid" ]; then
	kill -TERM "$pid"; for i in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	pid=
fi
grep -q 'stopped' "$dir"/file.log && [ ! -e "$dir"/pid ]
ok $? "LogFile: stopping is logged too, pid file removed"
conf loglink "LogFile $tmp/loglink/file.log"
echo precious > "$dir"/victim
ln -s "$dir"/victim "$dir"/file.log
fail_start
[ $rc = 71 ] && [ "$(cat "$dir"/victim)" = precious ] && grep -q 'LogFile' "$dir"/log
ok $? "LogFile: a symbolic link is refused and its target untouched"

# ---- MilterTimeout: a client that stalls mid-packet is dropped
conf stall "MilterTimeout 2"
if start stall; then
	t=$(python3 "$here"/hostile.py stall "$sock" 15)
	echo "# hung up after: $t s"
	[ "$t" != never ] && awk -v t="$t" 'BEGIN { exit !(t >= 1.5 && t < 6) }'
	ok $? "MilterTimeout 2: a stalled packet is dropped after about 2 s"
	stop
else
	ok 1 "stall: started"
fi
"$milter" -n -c "$tmp"/checkgood/authmilter.conf 2>/dev/null | grep -q '^MilterTimeout  *600'
ok $? "MilterTimeout: 600 by default (-n prints it)"

# ---- our A-R with hostile signatures: folded, bounded, never dropped
# mksigs N: N DKIM-Signatures naming example.net with 3,000-character
# b= values that differ only in their last characters.
mksigs() {
	python3 - "$1" <<'PY'
import sys
n = int(sys.argv[1])
b = "A" * 2996
for i in range(n):
    print("DKIM-Signature: v=1; a=rsa-sha256; d=example.net; s=rsa2026; c=relaxed;")
    print("\th=from:subject; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;")
    print("\tb=%s%04d" % (b, i))
print("From: a@example.net\nSubject: many\n\nbody")
PY
}
for count in 10 64; do
	conf ar$count "MaximumSignaturesToVerify 100"
	mksigs $count > "$dir"/msg.eml
	if start ar$count; then
		python3 "$here"/hostile.py message "$sock" "$dir"/msg.eml "$dir"/ar > "$dir"/py.out 2>&1
		stop
		/usr/bin/python3 - "$dir"/ar $count <<'PY'
import sys
v = open(sys.argv[1], "rb").read()
n = int(sys.argv[2])
lines = v.split(b"\n")
def ok(c, name, got=""):
    print(("ok - " if c else "not ok - ") + name + ("" if c else " # got %.200r" % (got,)))
ok(len(v) > 0, "A-R added")
ok(max(len(l) for l in lines) + 1 < 998, "every line under 998 octets", max(len(l) for l in lines))
ok(len(v) < 16384, "the field is bounded", len(v))
import authres
r = authres.AuthenticationResultsHeader.parse("Authentication-Results:" + v.decode().replace("\n", "\r\n"))
d = [x for x in r.results if x.method == "dkim"]
ok(len(d) > 0, "dkim results present (%d signatures)" % n, len(d))
told = v.count(b"dkim=") >= n or b"more" in v
ok(told, "every signature shown or counted in a summary")
for x in d:
    for p in x.properties:
        if p.type == "header" and p.name == "b":
            ok(8 <= len(p.value) <= 64, "header.b= is a bounded prefix", p.value)
            break
    break
PY
	else
		echo "not ok - ar$count: started"
	fi 2>&1 | while IFS= read -r l; do
		case $l in
		"ok - "*|"not ok - "*) echo "$l" ;;
		*) echo "# $l" ;;
		esac
	done > "$tmp"/ar$count.tap
	while IFS= read -r l; do
		case $l in
		"ok - "*) ok 0 "ar $count sigs: ${l#ok - }" ;;
		"not ok - "*) ok 1 "ar $count sigs: ${l#not ok - }" ;;
		*) echo "$l" ;;
		esac
	done < "$tmp"/ar$count.tap
done

# ---- a message we should sign but cannot (past the header limits) is
# not let through unsigned: On-SignatureError (default reject)
MODE="sv
Domain example.net
Selector rsa2026
KeyFile $tmp/demo-rsa.key" conf manyhdr ""
if start manyhdr; then
	python3 "$here"/hostile.py manyhdr "$sock" 1200 > "$dir"/reply 2>&1
	stop
	grep -qi '^y550' "$dir"/reply
	ok $? "1200 header fields from a client we sign for: rejected (On-SignatureError), not passed unsigned"
	grep -q 'cannot sign: ' "$dir"/log
	ok $? "... and the log says why"
else
	ok 1 "manyhdr started"; ok 1 "manyhdr log"
fi
MODE="sv
Domain example.net
Selector rsa2026
KeyFile $tmp/demo-rsa.key" conf manyhdr2 "On-SignatureError accept"
if start manyhdr2; then
	python3 "$here"/hostile.py manyhdr "$sock" 1200 > "$dir"/reply 2>&1
	stop
	grep -q '^[ac]' "$dir"/reply
	ok $? "... with On-SignatureError accept it goes out (unsigned), as configured"
else
	ok 1 "manyhdr2 started"
fi

# ---- "external host tried to send mail as": not for authenticated mail
tool=${AM_TOOL:-$top_builddir/tool/authmilter-tool}
MODE="sv
Domain example.net
Selector rsa2026
KeyFile $tmp/demo-rsa.key" conf external ""
printf 'From: a@example.net\nTo: b@example.com\nSubject: hi\n\nhello\n' > "$dir"/plain.eml
"$tool" sign -d example.net -s rsa2026 -k "$tmp"/demo-rsa.key "$dir"/plain.eml > "$dir"/signed.eml
if start external; then
	python3 "$here"/hostile.py message "$sock" "$dir"/signed.eml "$dir"/ar1 > "$dir"/py.out 2>&1
	sleep 0.2
	grep -q 'dkim=pass' "$dir"/ar1 && ! grep -q 'tried to send mail as' "$dir"/log
	ok $? "external client, DKIM pass for the From domain: no 'tried to send mail as'"
	python3 "$here"/hostile.py message "$sock" "$dir"/plain.eml "$dir"/ar2 > "$dir"/py.out 2>&1
	sleep 0.2
	grep -q 'external host mx.sender.example \[198.51.100.1\] tried to send mail as example.net' "$dir"/log
	ok $? "external client, unsigned mail as our domain: the warning is logged"
	stop
else
	ok 1 "external: started"; ok 1 "external: started"
fi

# ---- documentation that must stay true
"$milter" -V | grep -q '^features: .* dmarc '
ok $? "-V: the features line names dmarc"
! LC_ALL=C grep -qP '[\x00-\x08\x0b-\x1f\x7f]' "$top_srcdir"/man/*.[0-9]
ok $? "man pages: no stray control characters (form feeds)"
tool=${AM_TOOL:-$top_builddir/tool/authmilter-tool}
if [ -x "$tool" ]; then
	want=$(sed -n '/^\$ authmilter-tool eval -c/,/^Authentication-Results:/p' \
		"$top_srcdir"/man/authmilter-tool.1 | tail -1)
	(cd "$top_srcdir" && "$tool" eval -c t/tool/eval/eval.conf --ip 192.0.2.9 \
		--helo evil.test --sender x@evil.test \
		--zone t/tool/eval/eval.zone t/tool/eval/spoof.eml) > "$tmp"/eval.out 2>&1
	[ -n "$want" ] && [ "$(sed -n 1p "$tmp"/eval.out)" = "$want" ]
	ok $? "authmilter-tool(1): the eval example prints what the page shows"
fi

echo "1..$n"
