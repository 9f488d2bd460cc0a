#!/usr/bin/env bash
# parity.sh - eval predicts the daemon (TAP)
#
# Each case is one message, one envelope (client address, HELO, MAIL
# FROM, RCPT TO, SMTP AUTH) and one configuration.  It goes through the
# real daemon (milter/authmilter -f, its DNS from zone files through the
# AUTHMILTER_TEST_DNS hook, its clock pinned by AUTHMILTER_TEST_NOW),
# driven over the milter protocol by bench-milter --print as Postfix
# would drive it, and through `authmilter-tool eval -c` with the same
# config file, zones, clock and envelope.  compare.py then asserts that
# eval said what the daemon did: the same action, SMTP code, enhanced
# code and reply text, and, for a delivered message, the same header
# block (the same Authentication-Results and Received-SPF fields added,
# the same forged fields deleted).  Loopback only (a unix socket); every
# process started is stopped.
set -u
: "${top_srcdir:?}"
top_builddir=${top_builddir:-$PWD}
milter=${AM_MILTER:-$top_builddir/milter/authmilter}
tool=${AM_TOOL:-$top_builddir/tool/authmilter-tool}
client=$top_builddir/bench/bench-milter
here=$top_srcdir/t/parity
NOW=1700000000
n=0
pid=

for f in "$milter" "$tool" "$client"; do
	if [ ! -x "$f" ]; then
		echo "1..0 # SKIP $f not built"
		exit 0
	fi
done
if ! command -v python3 >/dev/null 2>&1; then
	echo "1..0 # SKIP python3 not installed"
	exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/am-parity.XXXXXX")
stop() {
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	fi
	pid=
}
trap 'stop; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT

# ---------------------------------------------------------------- fixtures
fix=$tmp/fix
mkdir -p "$fix"
cp "$top_srcdir"/conf/demo-rsa.key "$fix"/
chmod 600 "$fix"/demo-rsa.key
{ cat "$top_srcdir"/conf/demo.zone
  printf 'bad._domainkey IN TXT "v=DKIM1; p=unused"\n'
  printf ';@fail bad._domainkey.example.net. SERVFAIL\n'; } > "$fix"/dkim.zone
cat > "$fix"/spf.zone <<'ZONE'
$ORIGIN spf.example.
$TTL 300
@ IN SOA ns.spf.example. hostmaster.spf.example. 1 3600 600 86400 300
@ IN NS ns.spf.example.
pass IN TXT "v=spf1 ip4:198.51.100.0/24 -all"
fail IN TXT "v=spf1 ip4:192.0.2.99 -all"
failexp IN TXT "v=spf1 -all exp=exp.failexp.spf.example"
exp.failexp IN TXT "%{i} may not send for %{d}, see https://spf.example/why"
pct IN TXT "v=spf1 -all exp=exp.pct.spf.example"
exp.pct IN TXT "100%% sure: %{i} is refused"
softfail IN TXT "v=spf1 ~all"
temp IN TXT "v=spf1 include:broken.spf.example -all"
broken IN TXT "v=spf1 +all"
helo IN TXT "v=spf1 ip4:198.51.100.0/24 -all"
badhelo IN TXT "v=spf1 -all"
;@fail broken.spf.example. SERVFAIL
aligned IN TXT "v=spf1 ip4:198.51.100.0/24 -all"
_dmarc.aligned IN TXT "v=DMARC1; p=reject"
_dmarc.bank IN TXT "v=DMARC1; p=reject"
_dmarc.quar IN TXT "v=DMARC1; p=quarantine"
_dmarc.monitor IN TXT "v=DMARC1; p=none"
_dmarc.flaky IN TXT "v=DMARC1; p=reject"
;@fail _dmarc.flaky.spf.example. SERVFAIL
mail IN A 198.51.100.1
liar IN A 192.0.2.1
1.100.51.198.in-addr.arpa. IN PTR mail.spf.example.
2.100.51.198.in-addr.arpa. IN PTR liar.spf.example.
;@fail 4.100.51.198.in-addr.arpa. SERVFAIL
ZONE
zones=$fix/dkim.zone:$fix/spf.zone

# msg NAME HEADER-LINE...: a message with these fields on top
msg() {
	local f=$fix/$1.eml; shift
	{ [ $# -gt 0 ] && printf '%s\n' "$@"
	  printf 'To: rcpt@example.com\nSubject: parity\n'
	  printf 'Date: Tue, 14 Nov 2023 22:13:20 +0000\n'
	  printf 'Message-ID: <parity@example.net>\n\nHello, parity.\n'; } > "$f"
}
msg plain 'From: User <user@example.net>'
"$tool" sign -T $NOW -d example.net -s rsa2026 -k "$fix"/demo-rsa.key \
	"$fix"/plain.eml > "$fix"/signed.eml
sed 's/Hello, parity/Hello, parody/' "$fix"/signed.eml > "$fix"/tampered.eml
"$tool" sign -T $NOW -d example.net -s bad -k "$fix"/demo-rsa.key \
	"$fix"/plain.eml > "$fix"/servfail.eml
"$tool" sign -T $NOW -d example.net -s rsa2026 -k "$fix"/demo-rsa.key \
	--no-oversign "$fix"/plain.eml > "$fix"/nooversign.eml
# A passing signature, and a second From field above the signed one.
{ printf 'From: Evil <evil@bank.spf.example>\n'; cat "$fix"/nooversign.eml; } \
	> "$fix"/passbadfrom.eml
msg bank 'From: Bank <info@bank.spf.example>'
msg quar 'From: q@quar.spf.example'
msg monitor 'From: m@monitor.spf.example'
msg flaky 'From: f@flaky.spf.example'
msg aligned 'From: a@aligned.spf.example'
msg twofrom 'From: info@bank.spf.example' 'From: q@quar.spf.example'
msg twoaddr 'From: info@bank.spf.example, q@quar.spf.example'
msg nofrom
msg forged 'Authentication-Results: mx.example.org; dkim=pass header.d=bank.spf.example' \
	'From: Bank <info@bank.spf.example>'
msg trusted 'Authentication-Results: relay.example.net; dkim=pass header.d=bank.spf.example' \
	'From: Bank <info@bank.spf.example>'
msg untrusted 'Authentication-Results: relay.evil.example; dkim=pass header.d=bank.spf.example' \
	'From: Bank <info@bank.spf.example>'
msg trustedspf 'Authentication-Results: relay.example.net; spf=pass smtp.mailfrom=b@bank.spf.example' \
	'From: Bank <info@bank.spf.example>'

# ---------------------------------------------------------------- runner
# config NAME BODY: starts the daemon on $tmp/NAME/authmilter.conf
config() {
	stop
	cdir=$tmp/$1
	mkdir -p "$cdir"
	sock=$cdir/sock
	printf 'Socket unix:%s\nPidFile %s/pid\nAuthservID mx.example.org\n%s\n' \
		"$sock" "$cdir" "$2" > "$cdir"/authmilter.conf
	AUTHMILTER_TEST_DNS=$zones AUTHMILTER_TEST_NOW=$NOW \
		"$milter" -f -c "$cdir"/authmilter.conf 2> "$cdir"/log &
	pid=$!
	local i
	for i in $(seq 1 100); do
		grep -q "authmilter .* started" "$cdir"/log 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	echo "# authmilter did not start:"; sed 's/^/# /' "$cdir"/log
	pid=
	return 1
}

# pcase NAME MESSAGE [ip=IP] [helo=NAME] [from=ADDR] [rcpt=ADDR] [auth=USER]
pcase() {
	local name=$1 m=$fix/$2.eml ip=198.51.100.1 helo=helo.spf.example
	local from=a@pass.spf.example rcpt=rcpt@example.com auth= kv
	shift 2
	for kv in "$@"; do
		case $kv in
		ip=*) ip=${kv#ip=} ;; helo=*) helo=${kv#helo=} ;;
		from=*) from=${kv#from=} ;; rcpt=*) rcpt=${kv#rcpt=} ;;
		auth=*) auth=${kv#auth=} ;;
		esac
	done
	local out dargs=() eargs=()
	n=$((n + 1))
	out=$cdir/$n
	if [ -n "$auth" ]; then dargs+=(--auth "$auth"); eargs+=(--auth "$auth"); fi
	"$client" --print --socket "unix:$sock" --client-addr "$ip" \
		--helo "$helo" --from "$from" --rcpt "$rcpt" "${dargs[@]}" \
		"$m" > "$out.daemon" 2> "$out.daemon.err"
	"$tool" eval -c "$cdir"/authmilter.conf --zone "$fix"/dkim.zone \
		--zone "$fix"/spf.zone --now $NOW --ip "$ip" --helo "$helo" \
		--sender "${from:-<>}" --rcpt "$rcpt" "${eargs[@]}" "$m" \
		> "$out.eval" 2> "$out.eval.err"
	if python3 "$here"/compare.py "$m" "$out.daemon" "$out.eval" > "$out.diff" 2>&1; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name"
		sed 's/^/#   /' "$out.diff"
		echo "#   daemon: $(tail -1 "$out.daemon")"
		echo "#   eval:   $(sed -n 2p "$out.eval")"
	fi
}

# phas NAME TEXT: the last case's daemon output holds TEXT
phas() {
	n=$((n + 1))
	if grep -qF -- "$2" "$cdir/$((n - 1)).daemon"; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
	fi
}

# ---------------------------------------------------------------- cases
if config base "Mode v"; then
	pcase "signed, dkim=pass, SPF pass" signed
	pcase "tampered body, dkim=fail" tampered
	pcase "p=reject failure: quarantined" bank
	pcase "p=quarantine failure: quarantined" quar
	pcase "p=none failure: accepted" monitor
	pcase "DMARC DNS temperror: tempfail" flaky
	pcase "two From fields: each domain, worst decides" twofrom
	pcase "one From field, two addresses" twoaddr
	pcase "no From field: RequiredHeaders rejects" nofrom
	pcase "a passing signature with a bad From (two fields)" passbadfrom
	pcase "forged A-R with our authserv-id: removed" forged
	pcase "A-R from an untrusted authserv-id: kept, unused" untrusted
	pcase "aligned SPF pass: dmarc=pass" aligned from=b@aligned.spf.example
	pcase "SPF fail with explanation: in the A-R" monitor from=x@failexp.spf.example
	pcase "SPF HELO fail" monitor helo=badhelo.spf.example
	pcase "SPF DNS temperror (accept by default)" monitor from=t@temp.spf.example
	pcase "authenticated client: SPF skipped, DMARC not enforced" bank auth=alice
	pcase "null sender: postmaster@HELO" monitor from=
	pcase "DKIM key DNS SERVFAIL" servfail
	pcase "recipient domain elsewhere" bank rcpt=postmaster@example.org
fi
if config reject "Mode v
RejectFailures yes"; then
	pcase "RejectFailures: p=reject failure rejected" bank
	pcase "RejectFailures: p=quarantine still quarantined" quar
	pcase "RejectFailures: authenticated client not enforced" bank auth=alice
fi
if config rejectstring "Mode v
RejectFailures yes
RejectString Refused for %s by its DMARC policy"; then
	pcase "RejectString with the author domain" bank
fi
if config nohold "Mode v
HoldQuarantinedMessages no"; then
	pcase "HoldQuarantinedMessages no: quarantine written down only" bank
	pcase "HoldQuarantinedMessages no: p=quarantine" quar
fi
if config ignore "Mode v
IgnoreMailFrom bank.spf.example
IgnoreHosts 198.51.100.77"; then
	pcase "IgnoreMailFrom: the author domain not enforced" bank
	pcase "IgnoreMailFrom: the other author domain decides" twofrom
	pcase "IgnoreHosts: the client not enforced" quar ip=198.51.100.77
	pcase "IgnoreHosts: another client enforced" quar
fi
if config trusted "Mode v
TrustedAuthservIDs relay.example.net"; then
	pcase "TrustedAuthservIDs: trusted upstream dkim=pass" trusted
	pcase "TrustedAuthservIDs: trusted upstream aligned spf=pass" trustedspf
	pcase "TrustedAuthservIDs: forged upstream (untrusted id)" untrusted
	pcase "TrustedAuthservIDs: our own id still removed" forged
fi
if config noreq "Mode v
RequiredHeaders no
RejectMultiValueFrom yes"; then
	pcase "RequiredHeaders no: no From accepted, dmarc=permerror" nofrom
	pcase "RejectMultiValueFrom: two author domains rejected" twoaddr
fi
if config spf "Mode v
SPFFailAction reject
SPFSoftFailAction reject
SPFTempErrorAction tempfail
SPFReceivedHeader yes
SPFExplanation custom: %{i} refused for %{d}"; then
	pcase "SPF fail rejected at MAIL FROM, SPFExplanation" monitor from=a@fail.spf.example
	pcase "SPF fail rejected, the domain's exp=" monitor from=a@failexp.spf.example
	pcase "SPF fail, '%' in the explanation" monitor from=c@pct.spf.example
	pcase "SPF softfail rejected" monitor from=a@softfail.spf.example
	pcase "SPF temperror: tempfail at MAIL FROM" monitor from=a@temp.spf.example
	pcase "SPF pass: Received-SPF added" monitor
	pcase "SPF HELO fail, MAIL FROM pass: Received-SPF" monitor helo=badhelo.spf.example
fi
if config iprev "Mode v
IPRev yes"; then
	pcase "IPRev: pass (PTR confirmed)" signed
	phas "IPRev: the daemon wrote iprev=pass" \
		"iprev=pass policy.iprev=198.51.100.1 (mail.spf.example)"
	pcase "IPRev: fail (PTR name elsewhere)" monitor ip=198.51.100.2
	phas "IPRev: the daemon wrote iprev=fail" \
		"iprev=fail policy.iprev=198.51.100.2 (liar.spf.example)"
	pcase "IPRev: permerror (no PTR)" quar ip=198.51.100.3
	phas "IPRev: the daemon wrote iprev=permerror" \
		"iprev=permerror policy.iprev=198.51.100.3"
	pcase "IPRev: temperror (PTR SERVFAIL)" monitor ip=198.51.100.4
	pcase "IPRev: authenticated client not checked" bank auth=alice
fi
if config dkim "Mode v
On-BadSignature reject
On-DNSError tempfail
On-NoSignature quarantine"; then
	pcase "On-BadSignature reject" tampered
	pcase "On-DNSError tempfail" servfail
	pcase "On-NoSignature quarantine, DMARC accepts" monitor
	pcase "On-NoSignature quarantine and DMARC quarantine" bank
fi
if config sv "Mode sv
Domain example.net
Selector rsa2026
KeyFile $fix/demo-rsa.key
RemoveARFrom relay.evil.example"; then
	pcase "Mode sv, external client: verified" signed
	pcase "RemoveARFrom: the listed authserv-id removed" untrusted
fi
stop
echo "1..$n"
