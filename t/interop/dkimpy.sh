#!/bin/bash
# t/interop/dkimpy.sh - authmilter-tool against dkimpy (python3-dkim), both ways
#
#  (a) authmilter-tool signs (RSA-2048 and Ed25519 keys made on the fly; all
#      four canonicalizations; From oversigned, not oversigned, with l=;
#      an empty body; two signatures at once; an expired x=), dkimpy verifies.
#  (b) dkimpy signs (same matrix, From once or twice through include_headers,
#      length=True for l=), authmilter-tool verify --zone must say pass.
#  (c) tampering: messages signed by each side are modified in ways whose
#      RFC 6376 verdict is known (see tamper() in lib.sh); dkimpy and
#      authmilter must agree with each other and with the RFC.
#
# dkimpy gets its key records through a monkeypatched dnsfunc (see
# dkimpy-helper.py); authmilter-tool gets the same records as a zone file.
# Prints TAP.

# shellcheck source=t/interop/lib.sh
. "$(dirname "$0")/lib.sh"

need_cmd "python3-dkim with PyNaCl under $PY" $PY -c 'import dkim, nacl.signing'
need_cmd "openssl" openssl version
need_tool

HELPER="$PY $IO_DIR/dkimpy-helper.py"
genkey rsa rsa || tap_ok 1 "generate RSA key"
genkey ed ed25519 || tap_ok 1 "generate Ed25519 key"
write_zone "$T/zone"
write_base_msg "$T/base.eml"
write_empty_msg "$T/empty.eml"
to_crlf "$T/base.eml" "$T/base-crlf.eml"
NOW=$(date +%s)

# py_verdict FILE [IDX] - dkimpy's verdict (pass/fail/none) from $T/py.out
py_verdict() { oracle_field "$T/py.out" "$1" "${2:-0}" 3; }
py_reason() { oracle_field "$T/py.out" "$1" "${2:-0}" 4; }

# ================================================================ (a)
variant_desc() {
	case $1 in
	over) echo "From oversigned" ;;
	noover) echo "--no-oversign" ;;
	len) echo "-l (l=)" ;;
	esac
}

A_FILES=""
for key in rsa ed; do
	for canon in $CANONS; do
		for v in over noover len; do
			f=$T/a-$key-$(cname "$canon")-$v.eml
			# shellcheck disable=SC2046
			am_sign "$f" -d "$DOMAIN" -s "$key" -k "$T/$key.pem" \
			    -c "$canon" $(variant_args $v) "$T/base.eml"
			A_FILES="$A_FILES $f"
		done
		f=$T/a-$key-$(cname "$canon")-empty.eml
		am_sign "$f" -d "$DOMAIN" -s "$key" -k "$T/$key.pem" \
		    -c "$canon" "$T/empty.eml"
		A_FILES="$A_FILES $f"
	done
	# CRLF input
	f=$T/a-$key-crlf.eml
	am_sign "$f" -d "$DOMAIN" -s "$key" -k "$T/$key.pem" \
	    -c relaxed/relaxed "$T/base-crlf.eml"
	A_FILES="$A_FILES $f"
done
# two signatures in one run: RSA then Ed25519 (RFC 8463 section 4 advice)
am_sign "$T/a-dual.eml" -d "$DOMAIN" -s rsa -k "$T/rsa.pem" \
    -d "$DOMAIN" -s ed -k "$T/ed.pem" "$T/base.eml"
# expired: t= two days ago, x= one hour after t=
am_sign "$T/a-expired.eml" -d "$DOMAIN" -s rsa -k "$T/rsa.pem" \
    -T $((NOW - 172800)) -x 3600 "$T/base.eml"
# shellcheck disable=SC2086
$HELPER verify "$T/keys.txt" $A_FILES "$T/a-dual.eml" "$T/a-expired.eml" \
    >"$T/py.out" 2>"$T/py.err"
[ -s "$T/py.err" ] && tap_diag "dkimpy helper stderr:" "$(head -20 "$T/py.err")"

# check_tags FILE KEY CANON NFROM HAS_L DESC - the signature says what we asked
check_tags() {
	local f=$1 key=$2 canon=$3 nfrom=$4 hasl=$5 desc=$6 a c h l got want
	a=$(sig_tag "$f" a)
	c=$(sig_tag "$f" c)
	h=$(sig_tag "$f" h | tr 'A-Z' 'a-z')
	l=$(sig_tag "$f" l)
	# c=simple/simple may be written c=simple, relaxed/simple c=relaxed
	case $c in
	*/*) ;;
	"") c=simple/simple ;;
	*) c=$c/simple ;;
	esac
	got="a=$a c=$c from-count=$(printf '%s\n' "$h" | tr ':' '\n' |
	    grep -cx from) l=$([ -n "$l" ] && echo yes || echo no)"
	want="a=$(alg_of "$key") c=$canon from-count=$nfrom l=$([ "$hasl" = 1 ] && echo yes || echo no)"
	tap_is "$got" "$want" "$desc: signature tags" "h=$h" "stderr: $(head -3 "$f.err" 2>/dev/null)"
}

for key in rsa ed; do
	for canon in $CANONS; do
		for v in over noover len; do
			f=$T/a-$key-$(cname "$canon")-$v.eml
			d="authmilter signs ($key, c=$canon, $(variant_desc $v)), dkimpy verifies"
			tap_is "$(py_verdict "$f")" pass "$d" \
			    "dkimpy: $(py_reason "$f")" "sign stderr: $(head -3 "$f.err")"
			nfrom=1; [ $v = noover ] || nfrom=2
			hasl=0; [ $v = len ] && hasl=1
			check_tags "$f" $key "$canon" $nfrom $hasl "authmilter signs ($key, c=$canon, $(variant_desc $v))"
		done
		f=$T/a-$key-$(cname "$canon")-empty.eml
		tap_is "$(py_verdict "$f")" pass \
		    "authmilter signs ($key, c=$canon, empty body), dkimpy verifies" \
		    "dkimpy: $(py_reason "$f")" "sign stderr: $(head -3 "$f.err")"
	done
	f=$T/a-$key-crlf.eml
	tap_is "$(py_verdict "$f")" pass \
	    "authmilter signs ($key, c=relaxed/relaxed, CRLF input), dkimpy verifies" \
	    "dkimpy: $(py_reason "$f")" "sign stderr: $(head -3 "$f.err")"
done
for i in 0 1; do
	s=$(sig_tag "$T/a-dual.eml" s $((i + 1)))
	tap_is "$(py_verdict "$T/a-dual.eml" $i)" pass \
	    "authmilter signs twice (rsa + ed25519), dkimpy verifies signature $((i + 1)) (s=$s)" \
	    "dkimpy: $(py_reason "$T/a-dual.eml" $i)"
done
# (the contract does not fix their order; the tool writes them in
# command-line order, first -s on top)
tap_is "$(sig_tag "$T/a-dual.eml" s 1; sig_tag "$T/a-dual.eml" s 2)" \
    "$(printf 'rsa\ned\n')" \
    "authmilter signs twice: two DKIM-Signature fields, in command-line order"
r=$(am_verify "$T/a-expired.eml")
tap_is "$(py_verdict "$T/a-expired.eml"),$(am_result "$r" | sed 's/^\(fail\|permerror\|neutral\)$/not-pass/')" \
    "fail,not-pass" \
    "x= two days past: dkimpy fails it, authmilter does not pass it" \
    "dkimpy: $(py_reason "$T/a-expired.eml")" "authmilter: $r"

# ================================================================ (b)
# dkimpy signs; jobs: OUT IN SELECTOR KEYFILE CANON OVERSIGN LENGTH
: >"$T/jobs"
for key in rsa ed; do
	for canon in $CANONS; do
		c=$(cname "$canon")
		echo "$T/b-$key-$c-over.eml $T/base.eml $key $T/$key.pem $canon 1 0"
		echo "$T/b-$key-$c-noover.eml $T/base.eml $key $T/$key.pem $canon 0 0"
		echo "$T/b-$key-$c-len.eml $T/base.eml $key $T/$key.pem $canon 1 1"
		echo "$T/b-$key-$c-empty.eml $T/empty.eml $key $T/$key.pem $canon 1 0"
	done
done >>"$T/jobs"
$HELPER sign "$T/keys.txt" <"$T/jobs" 2>"$T/py-sign.err" ||
    tap_diag "dkimpy sign failed:" "$(head -20 "$T/py-sign.err")"
# dual: Ed25519 on top of RSA
echo "$T/b-dual.eml $T/b-rsa-relaxed-relaxed-over.eml ed $T/ed.pem relaxed/relaxed 1 0" |
    $HELPER sign "$T/keys.txt" 2>>"$T/py-sign.err"

# b_check FILE KEY DESC - authmilter must pass with the right d=, s=, a=
b_check() {
	local f=$1 key=$2 desc=$3 r first
	r=$(am_verify "$f")
	first=$(printf '%s\n' "$r" | head -n1)
	case "$first" in
	"dkim=pass "*"header.d=$DOMAIN"*)
		case "$first" in
		*"header.s=$key"*"header.a=$(alg_of "$key")"* | \
		*"header.a=$(alg_of "$key")"*"header.s=$key"*)
			tap_ok 0 "$desc" ;;
		*) tap_ok 1 "$desc" "wrong header.s/header.a: $r" ;;
		esac ;;
	*) tap_ok 1 "$desc" "authmilter: ${r:-no output}" ;;
	esac
}
for key in rsa ed; do
	for canon in $CANONS; do
		c=$(cname "$canon")
		b_check "$T/b-$key-$c-over.eml" $key \
		    "dkimpy signs ($key, c=$canon, From twice in h=), authmilter verifies (CRLF)"
		sed 's/\r$//' "$T/b-$key-$c-over.eml" >"$T/b-$key-$c-over-lf.eml"
		b_check "$T/b-$key-$c-over-lf.eml" $key \
		    "dkimpy signs ($key, c=$canon, From twice in h=), authmilter verifies (LF copy)"
		b_check "$T/b-$key-$c-noover.eml" $key \
		    "dkimpy signs ($key, c=$canon, From once in h=), authmilter verifies"
		b_check "$T/b-$key-$c-len.eml" $key \
		    "dkimpy signs ($key, c=$canon, length=True: l=$(sig_tag "$T/b-$key-$c-len.eml" l)), authmilter verifies"
		b_check "$T/b-$key-$c-empty.eml" $key \
		    "dkimpy signs ($key, c=$canon, empty body), authmilter verifies"
	done
done
r=$(am_verify "$T/b-dual.eml")
tap_is "$(printf '%s\n' "$r" | sed -n 's/^dkim=\([a-z]*\) .*header\.s=\([a-z]*\).*/\1:\2/p' | tr '\n' ' ')" \
    "pass:ed pass:rsa " \
    "dkimpy signs twice (ed25519 on top of rsa), authmilter prints both in header order" \
    "authmilter: $r"
r=$(am_verify "$T/base.eml")
tap_is "$r" "dkim=none" "unsigned message: authmilter says dkim=none (dkimpy: $($HELPER verify "$T/keys.txt" "$T/base.eml" | cut -f3))"

# ================================================================ (c)
# For each canonicalization, each signer signs three variants of the base
# message (RSA): over (default: From oversigned), noover, len (l=, From
# oversigned).  Every tamper kind is applied to "over"; the kinds whose
# verdict depends on l= and oversigning ($TAMPER_VARIANT_KINDS) also to
# "noover" and "len".  Plus three Ed25519 spot checks.
C_LIST=$T/c-list	# lines: FILE SIGNER KEY CANON VARIANT KIND
: >"$C_LIST"
for canon in $CANONS; do
	c=$(cname "$canon")
	for v in over noover len; do
		# shellcheck disable=SC2046
		am_sign "$T/c-am-$c-$v.eml" -d "$DOMAIN" -s rsa -k "$T/rsa.pem" \
		    -c "$canon" $(variant_args $v) "$T/base.eml"
		cp "$T/b-rsa-$c-$v.eml" "$T/c-py-$c-$v.eml"
	done
	for signer in am py; do
		for kind in $TAMPER_KINDS; do
			vs=over
			case " $TAMPER_VARIANT_KINDS " in *" $kind "*) vs="over noover len" ;; esac
			for v in $vs; do
				f=$T/c-$signer-$c-$v-$kind.eml
				tamper "$kind" "$T/c-$signer-$c-$v.eml" "$f"
				echo "$f $signer rsa $canon $v $kind" >>"$C_LIST"
			done
		done
	done
done
for kind in body-byte subject add-unsigned; do
	tamper "$kind" "$T/a-ed-relaxed-relaxed-over.eml" "$T/c-am-ed-$kind.eml"
	echo "$T/c-am-ed-$kind.eml am ed relaxed/relaxed over $kind" >>"$C_LIST"
	tamper "$kind" "$T/b-ed-simple-simple-over.eml" "$T/c-py-ed-$kind.eml"
	echo "$T/c-py-ed-$kind.eml py ed simple/simple over $kind" >>"$C_LIST"
done
# shellcheck disable=SC2046
$HELPER verify "$T/keys.txt" $(cut -d' ' -f1 "$C_LIST") >"$T/py.out" 2>"$T/py.err"
[ -s "$T/py.err" ] && tap_diag "dkimpy helper stderr:" "$(head -20 "$T/py.err")"

while read -r f signer key canon v kind; do
	hasl=0; [ "$v" = len ] && hasl=1
	over=1; [ "$v" = noover ] && over=0
	want=$(expected_tamper "$kind" "$canon" $hasl $over)
	amwant=$(am_expected_tamper "$kind" "$canon" $hasl $over)
	pywant=$want
	note="both say $want"
	[ "$amwant" != "$want" ] && note="dkimpy $want, authmilter $amwant (unsigned content after l=)"
	if [ "$kind" = from-prepend ] && [ $over = 0 ]; then
		# dkimpy deviates from RFC 6376 5.4.2 on purpose: when verifying
		# it always adds one more "from" to h= (its bug#644046), so an
		# extra From on top breaks even a signature that did not
		# oversign From.  The RFC verdict is pass (h= picks instances
		# bottom-up, the signed From is still there).
		pywant=fail
		note="authmilter says $want (RFC 6376 5.4.2), dkimpy fail (it always oversigns From when verifying)"
	fi
	r=$(am_verify "$f")
	am=$(am_result "$r")
	py=$(py_verdict "$f")
	who=authmilter; [ "$signer" = py ] && who=dkimpy
	tap_is "dkimpy=$py authmilter=$am" "dkimpy=$pywant authmilter=$amwant" \
	    "tamper $kind, c=$canon, $key signed by $who ($(variant_desc "$v")): $note" \
	    "dkimpy: $(py_reason "$f")" "authmilter: $r" "file: $f"
done <"$C_LIST"

tap_done
