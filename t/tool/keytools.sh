#!/usr/bin/env bash
# keytools - authmilter-tool keygen and testkey (TAP)
#
# keygen: files, modes, refusal to overwrite, the record's strings, and
# that a message signed with a new key verifies against the record as
# written (authmilter-tool verify and dkimpy).  testkey: a good key of
# each type, and one key per problem it must report; with -c, keys
# from a small generated config.
set -u
: "${AM_TOOL:?}" "${top_srcdir:?}"
PY=/usr/bin/python3
MSG=$top_srcdir/conf/demo.eml
T0=1764072000
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
n=0; bad=0
ok()  { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; bad=1; [ -f "$tmp/out" ] && sed 's/^/#   /' "$tmp/out" | head -20; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
t() { # description, then a command; passes when it exits 0
	local d=$1; shift
	if "$@" >"$tmp/out" 2>&1; then ok "$d"; else nok "$d"; fi
}
# st EXPECTED DESC CMD...: passes when CMD exits with EXPECTED; its
# output is kept in $tmp/st.out.
st() {
	local want=$1 d=$2 rc; shift 2
	"$@" >"$tmp/st.out" 2>&1; rc=$?
	cp "$tmp/st.out" "$tmp/out"
	if [ "$rc" -eq "$want" ]; then ok "$d"; else echo "# exit $rc, want $want" >> "$tmp/out"; nok "$d"; fi
}
has() { grep -qxF -- "$1" "$tmp/st.out"; }	# exact line in the last st
keygen() { "$AM_TOOL" keygen "$@"; }
testkey() { "$AM_TOOL" testkey "$@"; }
# zone FILE.txt: the record as a zone file
zone() { { echo '$TTL 300'; cat "$1"; } > "${1%.txt}.zone"; }
# strings FILE.txt: the character-strings of the record, one a line
strings() { grep -o '"[^"]*"' "$1" | sed 's/^"//; s/"$//'; }
# record FILE.txt: the record text, strings joined
record() { strings "$1" | tr -d '\n'; }
# badzone NAME TEXT: a zone publishing TEXT at NAME, in <=200-octet strings
badzone() {
	printf '$TTL 300\n%s. IN TXT ( %s )\n' "$1" "$(printf '%s' "$2" |
	    fold -w 200 | sed 's/\\/\\\\/g; s/"/\\"/g; s/^/"/; s/$/"/' |
	    tr '\n' ' ')"
}
K=$tmp/keys; mkdir "$K"

# ================================================================ keygen
for alg in rsa ed25519; do
	s=${alg}2026; [ $alg = ed25519 ] && s=ed2026
	st 0 "$alg: keygen exits 0" keygen -d example.com -s $s -a $alg -D "$K"
	cp "$tmp/st.out" "$tmp/$alg.stdout"
	t "$alg: private key is mode 0600" test "$(stat -c %a "$K/$s.private")" = 600
	t "$alg: private key is PKCS#8 PEM" grep -qx -- '-----BEGIN PRIVATE KEY-----' "$K/$s.private"
	t "$alg: record file written" test -s "$K/$s.txt"
	t "$alg: KeyTable line with the absolute key path" grep -qxF "$s._domainkey.example.com example.com:$s:$K/$s.private" "$tmp/$alg.stdout"
	t "$alg: SigningTable line" grep -qxF "*@example.com $s._domainkey.example.com" "$tmp/$alg.stdout"
	t "$alg: record printed as written" grep -qxF "$(cat "$K/$s.txt")" "$tmp/$alg.stdout"
	t "$alg: zone-file line for the absolute name" grep -q "^$s\._domainkey\.example\.com\. IN TXT ( \"v=DKIM1; k=$alg; \" \"p=[A-Za-z0-9+/=]*\"" "$K/$s.txt"
	t "$alg: no t=y unless asked" bash -c "! grep -q 't=y' '$K/$s.txt'"
	t "$alg: every string is at most 255 octets" bash -c "! grep -o '\"[^\"]*\"' '$K/$s.txt' | awk 'length(\$0) - 2 > 255' | grep -q ."
	zone "$K/$s.txt"
	"$AM_TOOL" sign -d example.com -s $s -k "$K/$s.private" -T $T0 "$MSG" > "$tmp/$alg.eml" 2>/dev/null
	t "$alg: message signed with the new key verifies against the record" grep -q '^dkim=pass.* header.d=example.com .*header.s='$s <("$AM_TOOL" verify --zone "$K/$s.zone" --now $((T0 + 60)) "$tmp/$alg.eml")
	if $PY -c 'import dkim, nacl.signing' 2>/dev/null; then
		t "$alg: dkimpy verifies it with the record" $PY -c '
import sys, dkim
rec = sys.argv[2].encode()
def dns(name, timeout=5):
    return rec if name.rstrip(b".") == sys.argv[3].encode().rstrip(b".") else None
sys.exit(0 if dkim.verify(open(sys.argv[1], "rb").read(), dnsfunc=dns) else 1)
' "$tmp/$alg.eml" "$(record "$K/$s.txt")" "$s._domainkey.example.com."
	else
		skip "$alg: dkimpy verifies it with the record" "python3-dkim or PyNaCl missing"
	fi
done

cp "$K/rsa2026.private" "$tmp/before"
st 73 "existing key: keygen refuses (exit 73)" keygen -d example.com -s rsa2026 -D "$K"
t "existing key: left unchanged" cmp "$K/rsa2026.private" "$tmp/before"
t "existing key: says it will not overwrite" grep -q 'not overwriting' "$tmp/st.out"
: > "$K/only.txt"
st 73 "existing record file: keygen refuses" keygen -d example.com -s only -D "$K"
t "existing record file: no private key left behind" test ! -e "$K/only.private"
t "no temporary files left behind" bash -c "! ls -A '$K' | grep -q tmp"

st 0 "umask 000: keygen exits 0" bash -c "umask 000; \"$AM_TOOL\" keygen -d example.com -s open -D '$K'"
t "umask 000: private key still mode 0600" test "$(stat -c %a "$K/open.private")" = 600

st 0 "4096-bit RSA key" keygen -d example.com -s big -b 4096 -D "$K"
t "4096 bits: record split into several strings" test "$(strings "$K/big.txt" | wc -l)" -ge 4
t "4096 bits: every string is at most 255 octets" bash -c "! grep -o '\"[^\"]*\"' '$K/big.txt' | awk 'length(\$0) - 2 > 255' | grep -q ."
zone "$K/big.txt"
t "4096 bits: the record loads and parses (testkey ok)" testkey -d example.com -s big -k "$K/big.private" --zone "$K/big.zone"

st 0 "1024-bit RSA key: made" keygen -d example.com -s weak -b 1024 -D "$K"
t "1024-bit RSA key: warns" grep -q 'warning: 1024-bit RSA key' "$tmp/st.out"
st 0 "--testing: made" keygen -d example.com -s testing -a ed25519 --testing -D "$K"
t "--testing: record has t=y" grep -q '"v=DKIM1; k=ed25519; t=y; "' "$K/testing.txt"

st 64 "keygen without -s: usage error" keygen -d example.com -D "$K"
st 64 "keygen -b 512: usage error" keygen -d example.com -s x -b 512 -D "$K"
st 64 "keygen -b 8192: usage error" keygen -d example.com -s x -b 8192 -D "$K"
st 64 "keygen -a ed25519 -b 2048: usage error" keygen -d example.com -s x -a ed25519 -b 2048 -D "$K"
st 64 "keygen -a dsa: usage error" keygen -d example.com -s x -a dsa -D "$K"
st 64 "selector with a slash: usage error" keygen -d example.com -s ../x -D "$K"
t "selector with a slash: nothing written outside DIR" test ! -e "$tmp/x.private"
st 73 "missing DIR: cannot create" keygen -d example.com -s x -D "$tmp/nonexistent"

# ================================================================ testkey
tk() { testkey -d example.com -s "$1" -k "$2" --zone "$3"; }
st 0 "testkey rsa: exit 0" tk rsa2026 "$K/rsa2026.private" "$K/rsa2026.zone"
t "testkey rsa: verdict line" has 'example.com rsa2026: ok'
t "testkey rsa: one line per check" has 'example.com rsa2026: ok: public key in DNS matches the private key'
t "testkey rsa: size line" has 'example.com rsa2026: ok: 2048-bit RSA key'
st 0 "testkey ed25519: exit 0" tk ed2026 "$K/ed2026.private" "$K/ed2026.zone"
t "testkey ed25519: verdict line" has 'example.com ed2026: ok'

st 1 "mismatched key: exit 1" tk rsa2026 "$K/open.private" "$K/rsa2026.zone"
t "mismatched key: says so" has 'example.com rsa2026: FAIL: public key in DNS does not match the private key'
t "mismatched key: verdict FAIL" grep -q '^example.com rsa2026: FAIL (' "$tmp/st.out"
st 1 "wrong key type: exit 1" tk rsa2026 "$K/ed2026.private" "$K/rsa2026.zone"
t "wrong key type: says so" has 'example.com rsa2026: FAIL: key type differs: k=rsa in DNS, the private key is ed25519'

zone "$K/testing.txt"
st 1 "t=y: exit 1" tk testing "$K/testing.private" "$K/testing.zone"
t "t=y: warning line" grep -q '^example.com testing: WARN: testing mode (t=y)' "$tmp/st.out"
t "t=y: key otherwise matches" has 'example.com testing: ok: public key in DNS matches the private key'

zone "$K/weak.txt"
st 1 "1024-bit key: exit 1" tk weak "$K/weak.private" "$K/weak.zone"
t "1024-bit key: warning line" has 'example.com weak: WARN: 1024-bit RSA key: use 2048 bits or more'

P=$(record "$K/rsa2026.txt"); P=${P#*p=}
N=rsa2026._domainkey.example.com
syn() { # description, record text, expected line
	badzone $N "$2" > "$tmp/syn.zone"
	st 1 "syntax, $1: exit 1" tk rsa2026 "$K/rsa2026.private" "$tmp/syn.zone"
	t "syntax, $1: reported" has "example.com rsa2026: FAIL: $3"
}
syn "double space" "v=DKIM1; k=rsa;  p=$P" "double space in record"
syn "two spaces after ;" "v=DKIM1;  k=rsa; p=$P" "more than one space (or a tab or line break) after ';'; use exactly one space or none"
syn "stray quote" "v=DKIM1; k=rsa; p=$P\"" "stray quote or backslash in record text (zone-file quoting went wrong)"
syn "stray quote between tags" "v=DKIM1; k=rsa\"; p=$P" "stray quote or backslash in record text (zone-file quoting went wrong)"
syn "trailing space" "v=DKIM1; k=rsa; p=$P " "record starts or ends with white space"
syn "leading space" " v=DKIM1; k=rsa; p=$P" "record starts or ends with white space"
syn "tab after ;" "v=DKIM1;	k=rsa; p=$P" "tab or line break in record"
syn "space inside p=" "v=DKIM1; k=rsa; p=${P:0:100} ${P:100}" "white space inside p= (check how the record was split into strings)"
syn "v= not first" "k=rsa; v=DKIM1; p=$P" "v= is not the first tag"
badzone $N "v=DKIM1;k=rsa;p=$P;" > "$tmp/syn.zone"
st 0 "syntax, no space after ; and a final ;: fine" tk rsa2026 "$K/rsa2026.private" "$tmp/syn.zone"
badzone $N "v=DKIM1; k=rsa; p=" > "$tmp/syn.zone"
st 1 "revoked key (empty p=): exit 1" tk rsa2026 "$K/rsa2026.private" "$tmp/syn.zone"
t "revoked key: reported" has 'example.com rsa2026: FAIL: key revoked (empty p=)'
{ cat "$K/rsa2026.zone"; echo "$N. IN TXT \"v=DKIM1; k=rsa; p=$(record "$K/open.txt" | sed 's/.*p=//' | cut -c1-200)\""; } > "$tmp/two.zone"
st 1 "two TXT records: exit 1" tk rsa2026 "$K/rsa2026.private" "$tmp/two.zone"
t "two TXT records: reported" grep -q '^example.com rsa2026: FAIL: 2 TXT records at' "$tmp/st.out"

st 1 "missing record (NXDOMAIN): exit 1" tk nope "$K/rsa2026.private" "$K/rsa2026.zone"
t "missing record: reported" has 'example.com nope: FAIL: no key record: nope._domainkey.example.com TXT: NXDOMAIN'
t "missing record: verdict" has 'example.com nope: FAIL (1 error, 0 warnings)'
printf ';@fail %s SERVFAIL\n' "$N" | cat - "$K/rsa2026.zone" > "$tmp/fail.zone"
st 1 "SERVFAIL: exit 1" tk rsa2026 "$K/rsa2026.private" "$tmp/fail.zone"
t "SERVFAIL: reported" has "example.com rsa2026: FAIL: DNS lookup failed: $N TXT: SERVFAIL"

st 64 "testkey without a key: usage error" testkey --zone "$K/rsa2026.zone"
st 64 "testkey -c with -d: usage error" testkey -c /dev/null -d example.com -s x -k "$K/rsa2026.private"
st 64 "testkey -d without -k: usage error" testkey -d example.com -s rsa2026 --zone "$K/rsa2026.zone"
st 66 "unreadable key file: exit 66" tk rsa2026 "$tmp/nonexistent" "$K/rsa2026.zone"
st 66 "unreadable zone file: exit 66" tk rsa2026 "$K/rsa2026.private" "$tmp/nonexistent"
st 66 "unreadable config: exit 66" testkey -c "$tmp/nonexistent" --zone "$K/rsa2026.zone"

# ---------------------------------------------------------------- -c
cat "$K/rsa2026.zone" "$K/ed2026.zone" "$K/testing.zone" | grep -v '^\$TTL' |
    { echo '$TTL 300'; cat; } > "$tmp/all.zone"
cfg() { # NAME KEYTABLE-LINES...: a config with a KeyTable of those lines
	local c=$tmp/$1; shift
	printf '%s\n' "$@" > "$c.keytable"
	printf '*@example.com %s\n' "${@%% *}" > "$c.signtable"
	printf 'Mode sv\nSocket local:%s\nKeyTable file:%s\nSigningTable refile:%s\n' \
	    "$tmp/sock" "$c.keytable" "$c.signtable" > "$c.conf"
}
kl() { echo "$1._domainkey.example.com example.com:$1:$K/$1.private"; }
cfg good "$(kl rsa2026)" "$(kl ed2026)"
st 0 "-c: every key good: exit 0" testkey -c "$tmp/good.conf" --zone "$tmp/all.zone"
t "-c: rsa key tested" has 'example.com rsa2026: ok'
t "-c: ed25519 key tested" has 'example.com ed2026: ok'
cfg mixed "$(kl rsa2026)" "$(kl testing)"
st 1 "-c: one key in testing mode: exit 1" testkey -c "$tmp/mixed.conf" --zone "$tmp/all.zone"
t "-c: the good key still ok" has 'example.com rsa2026: ok'
t "-c: the testing key reported" grep -q '^example.com testing: WARN: testing mode' "$tmp/st.out"

echo "1..$n"
exit $bad
