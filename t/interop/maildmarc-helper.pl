#!/usr/bin/perl
# maildmarc-helper.pl - differential test of authmilter's DMARC evaluator
# (through t/interop/dmarc-probe) against Mail::DMARC::PurePerl
# (libmail-dmarc-perl), which implements RFC 7489 with a public suffix
# list.
#
# usage: maildmarc-helper.pl PROBE SCRATCHDIR SEED COUNT
#
# Part 1, agreement: COUNT random cases drawn only from the region where
# RFC 7489 and RFC 9989 give the same answer: records at an
# Organizational Domain under a one-label public suffix (and optionally
# at a subdomain that has such a parent record), p and sp with valid
# values, adkim/aspf r or s, no psd/np/t/pct, authors that exist, SPF
# and DKIM identifiers under the same or other organizations.  Each case
# is run through our walk mode, our PSL mode and Mail::DMARC; the result
# (pass/fail/none), the disposition on fail and the policy domain must
# all agree.  Mail::DMARC's resolver is replaced by one that answers
# from the same zone the probe loads; both use Debian's public suffix
# list.
#
# Part 2, deviations: fixed cases where the answers differ, each with
# the outcome of both sides asserted and the reason which side is right
# (see README.md next to this file).  These are "ok" when both sides
# still behave as documented, so a change on either side is noticed.

use strict;
use warnings;

use Mail::DMARC::PurePerl;
use Net::DNS;

my ($PROBE, $DIR, $SEED, $COUNT) = @ARGV;
die "usage: $0 probe dir seed count\n" unless defined $COUNT;
srand($SEED);

# ------------------------------------------------------------ resolver
package FakeRes;

sub new { my ($c, $z) = @_; return bless { z => $z }, $c; }

# send: always a packet (empty answer for NXDOMAIN/NODATA), as
# Net::DNS::Resolver::send does; query: undef without answers, as
# Net::DNS::Resolver::query does.
sub send {
	my ($s, $name, $type) = @_;
	$type = uc($type || 'A');
	$name = lc $name;
	$name =~ s/\.$//;
	my $p = Net::DNS::Packet->new($name, $type);
	my $rrs = $s->{z}{$name}{$type} || [];
	$p->push(answer => map { Net::DNS::RR->new("$name. 300 IN $type $_") }
	    @$rrs);
	return $p;
}

sub query {
	my $s = shift;
	my $p = $s->send(@_);
	return $p->answer ? $p : undef;
}

package main;

my ($n, $failed) = (0, 0);

sub tap {
	my ($ok, $desc, @diag) = @_;
	$n++;
	print(($ok ? "" : "not ") . "ok $n - $desc\n");
	if (!$ok) {
		$failed++;
		print "#   $_\n" for @diag;
	}
}

# zone: { name => { TYPE => [rdata...] } }
sub zone_file {
	my ($z, $path) = @_;
	open my $fh, '>', $path or die "$path: $!";
	for my $name (sort keys %$z) {
		for my $type (sort keys %{ $z->{$name} }) {
			print $fh "$name. 300 IN $type $_\n" for @{ $z->{$name}{$type} };
		}
	}
	close $fh;
}

# c: { zone, author, spf => [dom, res] | undef, dkim => [[dom, sel, res]...] }
sub ours {
	my ($c, $mode) = @_;
	my $zf = "$DIR/case.zone";
	zone_file($c->{zone}, $zf);
	my @a = ($PROBE, '-m', $mode, '-z', $zf, '-a', $c->{author});
	push @a, '-s', join(':', @{ $c->{spf} }) if $c->{spf};
	push @a, '-d', join(':', @$_) for @{ $c->{dkim} };
	open my $ph, '-|', @a or die "$PROBE: $!";
	my $line = <$ph>;
	close $ph;
	$line = "probe-failed - -" unless defined $line;
	chomp $line;
	my ($v, $disp, $pdom) = split / /, $line;
	# A pass under an enforcing policy is disposition "pass" (RFC 9990);
	# Mail::DMARC says "none" for every pass.
	$disp = 'none' if $v eq 'pass';
	return "$v $disp $pdom";
}

sub theirs {
	my ($c) = @_;
	my $d = Mail::DMARC::PurePerl->new;
	$d->config->{dns}{public_suffix_list} =
	    '/usr/share/publicsuffix/public_suffix_list.dat';
	$d->set_resolver(FakeRes->new($c->{zone}));
	$d->source_ip('192.0.2.1');
	$d->envelope_to('example.org');
	eval { $d->header_from($c->{author}); 1 } or return "error - -";
	$d->spf($c->{spf} ? [ { domain => $c->{spf}[0], scope => 'mfrom',
	    result => $c->{spf}[1] } ] : []);
	$d->dkim([ map { { domain => $_->[0], selector => $_->[1],
	    result => $_->[2] } } @{ $c->{dkim} } ]);
	my $r = eval { $d->validate };
	return "error - -" unless $r;
	my $pdom = eval { $r->published->domain } || '-';
	$pdom = '-' if $r->result eq 'none';
	return join ' ', $r->result, $r->disposition, $pdom;
}

sub describe {
	my ($c) = @_;
	my @d = ("author $c->{author}");
	for my $name (sort keys %{ $c->{zone} }) {
		next unless $c->{zone}{$name}{TXT};
		push @d, "$name TXT @{ $c->{zone}{$name}{TXT} }";
	}
	push @d, "spf @{ $c->{spf} }" if $c->{spf};
	push @d, "dkim @$_" for @{ $c->{dkim} };
	return @d;
}

# ------------------------------------------------------------ part 1
my @P = qw(none quarantine reject);

sub rand_rec {
	my $r = 'v=DMARC1; p=' . $P[int rand 3];
	$r .= '; sp=' . $P[int rand 3] if rand() < 0.5;
	$r .= '; adkim=s' if rand() < 0.3;
	$r .= '; aspf=s' if rand() < 0.3;
	$r .= '; rua=mailto:agg@example.com' if rand() < 0.3;
	return "\"$r\"";
}

sub pick { return $_[int rand @_]; }

sub rand_case {
	my %z;
	my @authors = qw(example.com sub.example.com x.sub.example.com
	    other.example.com a.b.c.example.com example.net mail.example.net
	    example.co.uk news.example.co.uk);
	my @ids = (@authors, qw(bounce.example.com example.org
	    mail.example.org x.example.co.uk));
	$z{$_}{A} = ['192.0.2.1'] for @authors, @ids;
	if (rand() < 0.85) {
		$z{'_dmarc.example.com'}{TXT} = [ rand_rec() ];
		$z{'_dmarc.sub.example.com'}{TXT} = [ rand_rec() ]
		    if rand() < 0.35;
	}
	$z{'_dmarc.example.net'}{TXT} = [ rand_rec() ] if rand() < 0.6;
	$z{'_dmarc.example.co.uk'}{TXT} = [ rand_rec() ] if rand() < 0.6;
	my %c = (zone => \%z, author => pick(@authors), dkim => []);
	$c{spf} = [ pick(@ids), pick(qw(pass pass fail)) ] if rand() < 0.7;
	for (1 .. int rand 3) {
		push @{ $c{dkim} }, [ pick(@ids), "s$_", pick(qw(pass pass fail)) ];
	}
	return \%c;
}

for my $i (1 .. $COUNT) {
	my $c = rand_case();
	my ($w, $p, $t) = (ours($c, 'walk'), ours($c, 'psl'), theirs($c));
	tap($w eq $t && $p eq $t, "agreement case $i: $t",
	    "walk: $w", "psl:  $p", "Mail::DMARC: $t", describe($c));
}

# ------------------------------------------------------------ part 2
# [name, zone TXT records, author, spf, dkim, want ours-walk, want
#  ours-psl, want Mail::DMARC, who is right and why]
my $ex = 'example.com';
my @dev = (
	[ 'v=DMARC10 is not v=DMARC1', { "_dmarc.$ex" => '"v=DMARC10; p=reject"' },
	  $ex, undef, [], 'none none -', 'none none -', 'fail none -',
	  'ours: both RFCs make the version "DMARC1" exactly (7489 ABNF, 9989 '
	  . '4.7), so there is no record and the result is none; Mail::DMARC '
	  . 'takes it as a record by its first 8 characters, fails to parse it '
	  . 'and leaves its default "fail"' ],
	[ 'v=dmarc1 in lower case', { "_dmarc.$ex" => '"v=dmarc1; p=reject"' },
	  $ex, undef, [], 'none none -', 'none none -', "fail reject $ex",
	  'ours: the DMARC1 literal is case-sensitive in both RFCs (%x44 %x4d... / '
	  . '%s"DMARC1"); Mail::DMARC lower-cases before comparing' ],
	[ 'two records at the author',
	  { "_dmarc.$ex" => [ '"v=DMARC1; p=none"', '"v=DMARC1; p=reject"' ] },
	  $ex, undef, [], 'none none -', 'none none -', 'fail none -',
	  'ours: RFC 7489 6.6.3 step 5 "processing terminates", no result; RFC '
	  . '9989 discards both and walks on (here to nothing); Mail::DMARC '
	  . 'leaves its default "fail"' ],
	[ 'two records at a subdomain author, parent record',
	  { "_dmarc.sub.$ex" => [ '"v=DMARC1; p=none"', '"v=DMARC1; p=none"' ],
	    "_dmarc.$ex" => '"v=DMARC1; p=reject; sp=quarantine"' },
	  "sub.$ex", undef, [], "fail quarantine $ex", 'none none -',
	  'fail none -', 'ours, each by its spec: RFC 9989 4.10 step 2 continues '
	  . 'the walk to the parent (notes test 12); RFC 7489 stops' ],
	[ 'author with no A/AAAA/MX/NS', { "_dmarc.nx.$ex" => undef,
	    "_dmarc.$ex" => '"v=DMARC1; p=reject"' },
	  "nx.$ex", undef, [], "fail reject $ex", "fail reject $ex",
	  'none none -', 'ours: neither RFC 7489 6.6.3 nor RFC 9989 makes a '
	  . 'non-existent author domain "none" (9989 gives it the np policy); '
	  . 'Mail::DMARC applies a pre-RFC draft rule', 'noA' ],
	[ 't=y steps reject down', { "_dmarc.$ex" => '"v=DMARC1; p=reject; t=y"' },
	  $ex, undef, [], "fail quarantine $ex", "fail quarantine $ex",
	  "fail reject $ex", 'ours under RFC 9989 4.7 (t=y); RFC 7489 has no t '
	  . 'tag (outside the agreement region)' ],
	[ 'np for a non-existent subdomain',
	  { "_dmarc.$ex" => '"v=DMARC1; p=none; sp=none; np=reject"' },
	  "gone.$ex", undef, [], "fail reject $ex", "fail reject $ex",
	  'none none -', 'ours under RFC 9989 4.7 np (our PSL mode changes only '
	  . 'how records are found and keeps RFC 9989 record semantics); RFC '
	  . '7489 has no np; Mail::DMARC stops at its existence check', 'noA' ],
	[ 'psd=n below the SPF domain (notes test 29)',
	  { "_dmarc.$ex" => '"v=DMARC1; p=reject"',
	    "_dmarc.dept.$ex" => '"v=DMARC1; p=reject; psd=n"' },
	  "dept.$ex", [ $ex, 'pass' ], [], "fail reject dept.$ex",
	  "pass none dept.$ex", "pass none dept.$ex",
	  'spec disagreement: RFC 9989 4.10.2 rule 1 makes dept.example.com '
	  . 'its own org domain (walk: not aligned); a PSL says aligned; our '
	  . 'PSL mode matches Mail::DMARC' ],
	[ 'record only below the DKIM domain (notes test 30)',
	  { "_dmarc.a.$ex" => '"v=DMARC1; p=reject"' },
	  "a.$ex", undef, [ [ $ex, 's', 'pass' ] ], "fail reject a.$ex",
	  "pass none a.$ex", "pass none a.$ex",
	  'spec disagreement: under the walk org(example.com) = example.com '
	  . 'and org(a.example.com) = a.example.com (9989 4.10.2 rule 3/4)' ],
	[ 'PSD record (RFC 9989 psd=y)',
	  { '_dmarc.gov' => '"v=DMARC1; p=reject; psd=y"' },
	  'brand.gov', undef, [], 'fail reject gov', 'none none -',
	  'none none -', 'ours under RFC 9989 4.10.1 (PSD policy); RFC 7489 '
	  . 'has no PSD records' ],
	[ 'policy keyword in upper case',
	  { "_dmarc.$ex" => '"v=DMARC1; p=Reject"' },
	  $ex, undef, [], "fail reject $ex", "fail reject $ex",
	  "fail Reject $ex", 'same outcome; ABNF literals are case-insensitive '
	  . '(RFC 5234 2.3) and ours reports the keyword "reject"; Mail::DMARC '
	  . 'copies "Reject" into its disposition, not a valid RFC 9990/7489 '
	  . 'report value' ],
	[ 'strict alignment, author in mixed case (notes test 28)',
	  { "_dmarc.$ex" => '"v=DMARC1; p=reject; adkim=s"' },
	  'Example.COM', undef, [ [ $ex, 's', 'pass' ] ], "pass none $ex",
	  "pass none $ex", "pass none $ex", 'agreement (kept here as a fixed '
	  . 'case): domain names compare case-insensitively (RFC 4343)' ],
);

for my $d (@dev) {
	my ($name, $recs, $author, $spf, $dkim, $ww, $wp, $wt, $why, $flag) = @$d;
	my %z;
	unless (($flag || '') eq 'noA') {
		$z{lc $author}{A} = ['192.0.2.1'];
	}
	$z{'example.com'}{A} = ['192.0.2.1'] unless ($flag || '') eq 'noA';
	for my $k (keys %$recs) {
		next unless defined $recs->{$k};
		$z{$k}{TXT} = ref $recs->{$k} ? $recs->{$k} : [ $recs->{$k} ];
	}
	my $c = { zone => \%z, author => $author, spf => $spf, dkim => $dkim };
	my ($w, $p, $t) = (ours($c, 'walk'), ours($c, 'psl'), theirs($c));
	tap($w eq $ww && $p eq $wp && (!defined $wt || $t eq $wt),
	    "deviation: $name",
	    "walk: $w (want $ww)", "psl:  $p (want $wp)",
	    "Mail::DMARC: $t (want " . ($wt // 'any') . ")", describe($c));
	print "#   $why\n";
}

print "1..$n\n";
exit($failed ? 1 : 0);
