#!/bin/bash
# t/interop/maildmarc.sh - authmilter's DMARC evaluator against
# Mail::DMARC (libmail-dmarc-perl): a randomized differential test on
# the cases where RFC 7489 and RFC 9989 agree, plus the documented
# deviations (see maildmarc-helper.pl).  No network: both sides answer
# from the same generated zones.  A missing oracle is a failure, not a
# skip.

set -u
export LC_ALL=C
DIR=$(cd "$(dirname "$0")" && pwd)
PROBE=${DMARC_PROBE:-${top_builddir:-.}/t/interop/dmarc-probe}

if ! /usr/bin/perl -MMail::DMARC::PurePerl -MNet::DNS -e 1 >/dev/null 2>&1; then
	echo "not ok 1 - oracle available: Mail::DMARC (libmail-dmarc-perl)"
	echo "#   install it (CI installs every oracle; a missing one is a failure)"
	echo "1..1"
	exit 1
fi
if [ ! -x "$PROBE" ]; then
	echo "not ok 1 - dmarc-probe is built: $PROBE"
	echo "1..1"
	exit 1
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/am-maildmarc.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
/usr/bin/perl "$DIR/maildmarc-helper.pl" "$PROBE" "$T" \
    "${MAILDMARC_SEED:-9989}" "${MAILDMARC_COUNT:-200}"
