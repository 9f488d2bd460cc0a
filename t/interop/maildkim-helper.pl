#!/usr/bin/perl
# maildkim-helper.pl - Mail::DKIM (libmail-dkim-perl) as a signing and
# verifying oracle, no DNS.
#
#   maildkim-helper.pl verify KEYS FILE...
#       Verifies every DKIM-Signature of each FILE.  Prints one line per
#       signature, tab-separated:  FILE  INDEX  RESULT  DETAIL
#       (RESULT is Mail::DKIM's: pass, fail, invalid, temperror, ...),
#       and "FILE - none -" for an unsigned message.
#
#   maildkim-helper.pl sign KEYS < JOBS
#       Each job line (whitespace-separated):
#         OUT IN SELECTOR KEYFILE CANON OVERSIGN LENGTH
#       RSA only (this Mail::DKIM has no Ed25519).  OVERSIGN 1 signs From
#       "+" (all instances plus one), 0 signs it once.  LENGTH 1 adds l=
#       with the canonical body length, which Mail::DKIM does not compute
#       itself: a first pass measures it, a second pass signs with it.
#       Writes the DKIM-Signature header and the input (CRLF) to OUT.
#
# KEYS is a table "NAME<TAB>TXT-RECORD" per line.  Mail::DKIM::DNS::query
# is replaced by a lookup in it, so no resolver is needed.

use strict;
use warnings;

use Mail::DKIM::DNS;
use Mail::DKIM::Signer;
use Mail::DKIM::Signature;
use Mail::DKIM::Verifier;
use Net::DNS;

my %KEYS;

sub load_keys {
	my ($path) = @_;
	open my $fh, '<', $path or die "$path: $!\n";
	while (my $line = <$fh>) {
		$line =~ s/\r?\n\z//;
		next unless length $line;
		my ($name, $rec) = split /\t/, $line, 2;
		$name = lc $name;
		$name =~ s/\.\z//;
		$KEYS{$name} = $rec;
	}
	close $fh;
}

{
	no warnings 'redefine';
	*Mail::DKIM::DNS::query = sub {
		my ($name, $type) = @_;
		$name = lc $name;
		$name =~ s/\.\z//;
		if (exists $KEYS{$name} && uc($type) eq 'TXT') {
			my $rec = $KEYS{$name};
			my @strings = unpack '(A250)*', $rec;
			my $rr = Net::DNS::RR->new(
				name => $name, type => 'TXT', ttl => 300,
				txtdata => \@strings);
			$@ = 'NOERROR';
			return ($rr);
		}
		$@ = 'NXDOMAIN';
		return;
	};
}

sub slurp_crlf {
	my ($path) = @_;
	open my $fh, '<:raw', $path or die "$path: $!\n";
	local $/;
	my $m = <$fh>;
	close $fh;
	$m = '' unless defined $m;
	$m =~ s/\r?\n/\r\n/g;
	return $m;
}

sub verify {
	my @files = @_;
	for my $path (@files) {
		my $msg = slurp_crlf($path);
		my $v = Mail::DKIM::Verifier->new;
		eval {
			$v->PRINT($msg);
			$v->CLOSE;
			1;
		} or do {
			my $e = $@;
			$e =~ s/\s+/ /g;
			print "$path\t-\terror\t$e\n";
			next;
		};
		my @sigs = grep { ref($_) =~ /Signature/ && ref($_) !~ /DkSignature/ }
		    $v->signatures;
		if (!@sigs) {
			print "$path\t-\tnone\t-\n";
			next;
		}
		my $i = 0;
		for my $s (@sigs) {
			my $d = $s->result_detail // '-';
			$d =~ s/\s+/ /g;
			printf "%s\t%d\t%s\t%s\n", $path, $i++, $s->result, $d;
		}
	}
}

sub sign_once {
	my ($msg, $sel, $keyfile, $canon, $over, $len) = @_;
	my $signer = Mail::DKIM::Signer->new(
		Algorithm => 'rsa-sha256',
		Method    => $canon,
		Domain    => 'example.test',
		Selector  => $sel,
		KeyFile   => $keyfile,
		(defined $len ? (Policy => sub {
			my $dkim = shift;
			my $sig = Mail::DKIM::Signature->new(
				Algorithm => 'rsa-sha256',
				Method    => $canon,
				Headers   => $dkim->headers,
				Domain    => 'example.test',
				Selector  => $sel,
				KeyFile   => $keyfile,
			);
			$sig->body_count($len);
			$dkim->add_signature($sig);
			return;
		}) : ()),
	);
	$signer->extended_headers({ From => ($over ? '+' : 1) });
	$signer->PRINT($msg);
	$signer->CLOSE;
	my $alg = $signer->{algorithms}[0];
	my $bc = ($alg->{body_canon} || $alg->{canon})->body_count;
	return ($signer->signature->as_string, $bc);
}

sub sign {
	my $rc = 0;
	while (my $line = <STDIN>) {
		my @f = split ' ', $line;
		next unless @f;
		my ($out, $in, $sel, $keyfile, $canon, $over, $length) = @f;
		my $msg = slurp_crlf($in);
		my ($sig, $bc);
		eval {
			($sig, $bc) = sign_once($msg, $sel, $keyfile, $canon, $over, undef);
			($sig) = sign_once($msg, $sel, $keyfile, $canon, $over, $bc)
			    if $length;
			1;
		} or do {
			print STDERR "$out: sign failed: $@";
			$rc = 1;
			next;
		};
		$sig =~ s/\r?\n/\r\n/g;
		open my $fh, '>:raw', $out or die "$out: $!\n";
		print $fh $sig, "\r\n", $msg;
		close $fh;
	}
	return $rc;
}

my $cmd = shift @ARGV // '';
if ($cmd eq 'verify' && @ARGV >= 1) {
	load_keys(shift @ARGV);
	verify(@ARGV);
	exit 0;
}
if ($cmd eq 'sign' && @ARGV == 1) {
	load_keys(shift @ARGV);
	exit sign();
}
print STDERR "usage: $0 verify KEYS FILE... | sign KEYS < JOBS\n";
exit 2;
