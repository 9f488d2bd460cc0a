#!/bin/bash
# t/interop/pyspf.sh - authmilter-tool spf against pyspf (python3-spf):
# a randomized differential test on generated records and zones.
#
# pyspf-helper.py generates PYSPF_COUNT cases (default 300) from a fixed
# seed (PYSPF_SEED, default 7208), evaluates each with authmilter-tool
# spf --zone and with pyspf on the same records (its resolver replaced),
# and prints TAP: one test per case, the records with every
# disagreement.  Known pyspf departures from RFC 7208 are told apart by
# running a corrected pyspf (see the helper) and do not fail the test.
# No network.  A missing oracle is a failure, not a skip.

set -u
export LC_ALL=C
PY=/usr/bin/python3
DIR=$(cd "$(dirname "$0")" && pwd)
AM_TOOL=${AM_TOOL:-${top_builddir:-.}/tool/authmilter-tool}

if ! $PY -c 'import spf' >/dev/null 2>&1; then
	echo "not ok 1 - oracle available: pyspf (python3-spf) under $PY"
	echo "#   install it (CI installs every oracle; a missing one is a failure)"
	echo "1..1"
	exit 1
fi
if [ ! -x "$AM_TOOL" ]; then
	echo "not ok 1 - authmilter-tool is built: $AM_TOOL"
	echo "1..1"
	exit 1
fi
$PY "$DIR/pyspf-helper.py" "$AM_TOOL" "${PYSPF_SEED:-7208}" \
    "${PYSPF_COUNT:-300}"
