#!/usr/bin/env bash
# demo.sh - install what is needed, build, then run the authmilter daemon
# on the sample configuration (conf/authmilter.conf) and push the sample
# message (conf/demo.eml) through it twice, the way Postfix would:
#   1. from an internal client (127.0.0.1): the daemon signs it with both
#      sample keys (RSA-2048 and Ed25519, see conf/KeyTable);
#   2. the signed message from an external client (192.0.2.1): the daemon
#      verifies it and adds Authentication-Results;
#   3. the same with one body word changed: the signatures fail.
# The MTA side of the milter protocol is bench/bench-milter --print.
# No network: the daemon listens on a unix socket in a private temporary
# directory, and its DNS answers come from conf/demo.zone
# (AUTHMILTER_TEST_DNS, a test hook; see authmilter(8)).
# Safe to run again; it leaves nothing running.
set -euo pipefail
top=$(cd "$(dirname "$0")" && pwd)
cd "$top"
bash .ci/deps
echo "== building in build/ (log: build/demo-build.log)"
mkdir -p build
if ! {
	[ -x configure ] || autoreconf -fi
	[ -f build/Makefile ] || (cd build && ../configure --enable-werror)
	make -C build -j"$(nproc)" milter/authmilter tool/authmilter-tool \
		bench/bench-milter
} > build/demo-build.log 2>&1; then
	tail -20 build/demo-build.log >&2
	echo "demo.sh: the build failed; see build/demo-build.log" >&2
	exit 1
fi
daemon=build/milter/authmilter
client=build/bench/bench-milter
tool=build/tool/authmilter-tool
chmod 600 conf/*.key		# key files must not be readable by others

run=$(mktemp -d /tmp/authmilter-demo.XXXXXX)
pid=
stop() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid"
		wait "$pid" || true
	fi
	pid=
}
trap 'stop; rm -rf "$run"' EXIT

# show_ar FILE: the Authentication-Results field (with its continuation
# lines) and the X-Milter-Result line of a bench-milter --print output
show_ar() {
	awk '/^Authentication-Results:/ { ar = 1; print; next }
	    ar && /^[ \t]/ { print; next } { ar = 0 }
	    /^X-Milter-Result:/ { print }' "$1"
}

echo "== starting authmilter -f -c conf/authmilter.conf on $run/authmilter.sock"
AUTHMILTER_TEST_DNS=$top/conf/demo.zone \
	"$daemon" -f -c conf/authmilter.conf -p "unix:$run/authmilter.sock" \
	-P "$run/authmilter.pid" 2>"$run/log" &
pid=$!
for _ in $(seq 100); do
	[ -S "$run/authmilter.sock" ] && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if [ ! -S "$run/authmilter.sock" ]; then
	echo "authmilter did not start:" >&2
	cat "$run/log" >&2
	exit 1
fi
sock=unix:$run/authmilter.sock

echo
echo "== conf/demo.eml from an internal client (127.0.0.1): signed"
"$client" --print --socket "$sock" --client-addr 127.0.0.1 conf/demo.eml \
	> "$run/out1"
cat "$run/out1"
sed '$d' "$run/out1" > "$run/signed.eml"	# drop X-Milter-Result

echo
echo "== the signed message from an external client (192.0.2.1): verified"
"$client" --print --socket "$sock" --client-addr 192.0.2.1 \
	"$run/signed.eml" > "$run/out2"
show_ar "$run/out2"
if [ "$(grep -c 'dkim=pass' "$run/out2")" != 2 ]; then
	echo "demo.sh: expected dkim=pass for both signatures" >&2
	exit 1
fi

echo
echo "== the same with one body word changed"
sed 's/corner/square/' "$run/signed.eml" > "$run/tampered.eml"
"$client" --print --socket "$sock" --client-addr 192.0.2.1 \
	"$run/tampered.eml" > "$run/out3"
show_ar "$run/out3"

echo
echo "== stopping authmilter (SIGTERM); its log:"
stop
cat "$run/log"

echo
echo "== the same verification with the command-line tool"
$tool verify --zone conf/demo.zone "$run/signed.eml"
