#!/bin/bash
# t/interop/maildkim.sh - authmilter-tool against Mail::DKIM, both ways
#
#  (a) authmilter-tool signs (RSA-2048 made on the fly, as PKCS#8 and as a
#      traditional PKCS#1 PEM; all four canonicalizations; From oversigned,
#      not oversigned, with l=; an empty body; CRLF input; an expired x=),
#      Mail::DKIM::Verifier verifies.
#  (b) Mail::DKIM::Signer signs (same matrix: From + or once through
#      extended_headers, l= with the canonical body length), and
#      authmilter-tool verify --zone must say pass.
#  (c) tampering: messages signed by each side are modified in ways whose
#      RFC 6376 verdict is known (see tamper() in lib.sh); Mail::DKIM and
#      authmilter must agree with each other and with the RFC.
#
# RSA only: Debian 12's Mail::DKIM 1.20230212 has no Ed25519 (it came in
# 1.20230630); Ed25519 is covered by dkimpy.sh and opendkim.sh.
# Mail::DKIM gets its key records through a replaced Mail::DKIM::DNS::query
# (see maildkim-helper.pl); authmilter-tool gets the same records as a zone
# file.  Prints TAP.

# shellcheck source=t/interop/lib.sh
. "$(dirname "$0")/lib.sh"

need_cmd "Mail::DKIM (libmail-dkim-perl)" perl -MMail::DKIM::Verifier \
    -MMail::DKIM::Signer -MNet::DNS -e 1
need_cmd "openssl" openssl version
need_tool

HELPER="perl $IO_DIR/maildkim-helper.pl"
KEYTYPES=rsa		# no Ed25519 in this Mail::DKIM
genkey rsa rsa || tap_ok 1 "generate RSA key"
# the same key as a traditional "BEGIN RSA PRIVATE KEY" PEM
openssl pkey -in "$T/rsa.pem" -traditional -out "$T/rsa-trad.pem" ||
    tap_ok 1 "convert the RSA key to a traditional PEM"
write_zone "$T/zone"
write_base_msg "$T/base.eml"
write_empty_msg "$T/empty.eml"
to_crlf "$T/base.eml" "$T/base-crlf.eml"
NOW=$(date +%s)

# md_verdict FILE [IDX] - Mail::DKIM's verdict (pass/fail/none) from $T/md.out
md_verdict() { oracle_field "$T/md.out" "$1" "${2:-0}" 3; }
md_reason() { oracle_field "$T/md.out" "$1" "${2:-0}" 4; }

# ================================================================ (a)
variant_desc() {
	case $1 in
	over) echo "From oversigned" ;;
	noover) echo "--no-oversign, traditional PEM key" ;;
	len) echo "-l (l=)" ;;
	esac
}

A_FILES=""
for key in $KEYTYPES; do
	for canon in $CANONS; do
		for v in over noover len; do
			f=$T/a-$key-$(cname "$canon")-$v.eml
			kf=$T/$key.pem
			[ $v = noover ] && kf=$T/$key-trad.pem
			# shellcheck disable=SC2046
			am_sign "$f" -d "$DOMAIN" -s "$key" -k "$kf" \
			    -c "$canon" $(variant_args $v) "$T/base.eml"
			A_FILES="$A_FILES $f"
		done
		f=$T/a-$key-$(cname "$canon")-empty.eml
		am_sign "$f" -d "$DOMAIN" -s "$key" -k "$T/$key-trad.pem" \
		    -c "$canon" "$T/empty.eml"
		A_FILES="$A_FILES $f"
	done
	# CRLF input
	f=$T/a-$key-crlf.eml
	am_sign "$f" -d "$DOMAIN" -s "$key" -k "$T/$key.pem" \
	    -c relaxed/relaxed "$T/base-crlf.eml"
	A_FILES="$A_FILES $f"
done
# expired: t= two days ago, x= one hour after t=
am_sign "$T/a-expired.eml" -d "$DOMAIN" -s rsa -k "$T/rsa.pem" \
    -T $((NOW - 172800)) -x 3600 "$T/base.eml"
# shellcheck disable=SC2086
$HELPER verify "$T/keys.txt" $A_FILES "$T/a-expired.eml" \
    >"$T/md.out" 2>"$T/md.err"
[ -s "$T/md.err" ] && tap_diag "Mail::DKIM helper stderr:" "$(head -20 "$T/md.err")"

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

for key in $KEYTYPES; do
	for canon in $CANONS; do
		for v in over noover len; do
			f=$T/a-$key-$(cname "$canon")-$v.eml
			d="authmilter signs ($key, c=$canon, $(variant_desc $v)), Mail::DKIM verifies"
			tap_is "$(md_verdict "$f")" pass "$d" \
			    "Mail::DKIM: $(md_reason "$f")" "sign stderr: $(head -3 "$f.err")"
			nfrom=1; [ $v = noover ] || nfrom=2
			hasl=0; [ $v = len ] && hasl=1
			check_tags "$f" $key "$canon" $nfrom $hasl "authmilter signs ($key, c=$canon, $(variant_desc $v))"
		done
		f=$T/a-$key-$(cname "$canon")-empty.eml
		tap_is "$(md_verdict "$f")" pass \
		    "authmilter signs ($key, c=$canon, empty body, traditional PEM key), Mail::DKIM verifies" \
		    "Mail::DKIM: $(md_reason "$f")" "sign stderr: $(head -3 "$f.err")"
	done
	f=$T/a-$key-crlf.eml
	tap_is "$(md_verdict "$f")" pass \
	    "authmilter signs ($key, c=relaxed/relaxed, CRLF input), Mail::DKIM verifies" \
	    "Mail::DKIM: $(md_reason "$f")" "sign stderr: $(head -3 "$f.err")"
done
r=$(am_verify "$T/a-expired.eml")
tap_is "$(md_verdict "$T/a-expired.eml" | sed 's/^\(fail\|invalid\)$/not-pass/'),$(am_result "$r" | sed 's/^\(fail\|permerror\|neutral\)$/not-pass/')" \
    "not-pass,not-pass" \
    "x= two days past: Mail::DKIM fails it, authmilter does not pass it" \
    "Mail::DKIM: $(md_reason "$T/a-expired.eml")" "authmilter: $r"

# ================================================================ (b)
# Mail::DKIM signs; jobs: OUT IN SELECTOR KEYFILE CANON OVERSIGN LENGTH
: >"$T/jobs"
for key in $KEYTYPES; do
	for canon in $CANONS; do
		c=$(cname "$canon")
		echo "$T/b-$key-$c-over.eml $T/base.eml $key $T/$key.pem $canon 1 0"
		echo "$T/b-$key-$c-noover.eml $T/base.eml $key $T/$key.pem $canon 0 0"
		echo "$T/b-$key-$c-len.eml $T/base.eml $key $T/$key.pem $canon 1 1"
		echo "$T/b-$key-$c-empty.eml $T/empty.eml $key $T/$key.pem $canon 1 0"
	done
done >>"$T/jobs"
$HELPER sign "$T/keys.txt" <"$T/jobs" 2>"$T/md-sign.err" ||
    tap_diag "Mail::DKIM sign failed:" "$(head -20 "$T/md-sign.err")"
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
for key in $KEYTYPES; do
	for canon in $CANONS; do
		c=$(cname "$canon")
		b_check "$T/b-$key-$c-over.eml" $key \
		    "Mail::DKIM signs ($key, c=$canon, From +), authmilter verifies (CRLF)"
		sed 's/\r$//' "$T/b-$key-$c-over.eml" >"$T/b-$key-$c-over-lf.eml"
		b_check "$T/b-$key-$c-over-lf.eml" $key \
		    "Mail::DKIM signs ($key, c=$canon, From +), authmilter verifies (LF copy)"
		b_check "$T/b-$key-$c-noover.eml" $key \
		    "Mail::DKIM signs ($key, c=$canon, From once in h=), authmilter verifies"
		b_check "$T/b-$key-$c-len.eml" $key \
		    "Mail::DKIM signs ($key, c=$canon, l=$(sig_tag "$T/b-$key-$c-len.eml" l)), authmilter verifies"
		b_check "$T/b-$key-$c-empty.eml" $key \
		    "Mail::DKIM signs ($key, c=$canon, empty body), authmilter verifies"
	done
done
r=$(am_verify "$T/base.eml")
tap_is "$r" "dkim=none" "unsigned message: authmilter says dkim=none (Mail::DKIM: $($HELPER verify "$T/keys.txt" "$T/base.eml" | cut -f3))"

# ================================================================ (c)
# For each canonicalization, each signer signs three variants of the base
# message: over (default: From oversigned), noover, len (l=, From
# oversigned).  Every tamper kind is applied to "over"; the kinds whose
# verdict depends on l= and oversigning ($TAMPER_VARIANT_KINDS) also to
# "noover" and "len".
C_LIST=$T/c-list	# lines: FILE SIGNER KEY CANON VARIANT KIND
: >"$C_LIST"
for canon in $CANONS; do
	c=$(cname "$canon")
	for v in over noover len; do
		kf=$T/rsa.pem
		[ $v = noover ] && kf=$T/rsa-trad.pem
		# shellcheck disable=SC2046
		am_sign "$T/c-am-$c-$v.eml" -d "$DOMAIN" -s rsa -k "$kf" \
		    -c "$canon" $(variant_args $v) "$T/base.eml"
		cp "$T/b-rsa-$c-$v.eml" "$T/c-md-$c-$v.eml"
	done
	for signer in am md; do
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
# shellcheck disable=SC2046
$HELPER verify "$T/keys.txt" $(cut -d' ' -f1 "$C_LIST") >"$T/md.out" 2>"$T/md.err"
[ -s "$T/md.err" ] && tap_diag "Mail::DKIM helper stderr:" "$(head -20 "$T/md.err")"

while read -r f signer key canon v kind; do
	hasl=0; [ "$v" = len ] && hasl=1
	over=1; [ "$v" = noover ] && over=0
	want=$(expected_tamper "$kind" "$canon" $hasl $over)
	amwant=$(am_expected_tamper "$kind" "$canon" $hasl $over)
	note="both say $want"
	[ "$amwant" != "$want" ] && note="Mail::DKIM $want, authmilter $amwant (unsigned content after l=)"
	r=$(am_verify "$f")
	am=$(am_result "$r")
	md=$(md_verdict "$f")
	who=authmilter; [ "$signer" = md ] && who=Mail::DKIM
	tap_is "Mail::DKIM=$md authmilter=$am" "Mail::DKIM=$want authmilter=$amwant" \
	    "tamper $kind, c=$canon, $key signed by $who ($(variant_desc "$v")): $note" \
	    "Mail::DKIM: $(md_reason "$f")" "authmilter: $r" "file: $f"
done <"$C_LIST"

tap_done
