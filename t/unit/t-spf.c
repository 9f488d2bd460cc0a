/*
 * t-spf - check_host() against RFC 7208, one or more cases per rule,
 * on zones loaded into the zone-file resolver
 *
 * The table holds the cases that need only a verdict (and where it
 * matters the reason and the deciding mechanism); the functions after
 * it cover limits (with resolver query counts), explanations, the time
 * budget, answer reuse, identities and the Authentication-Results
 * resinfo.  Unless a case says otherwise the client is 192.0.2.1, the
 * sender user@example.com and the HELO mx.example.org.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"
#include "buf.h"
#include "dns.h"
#include "spf.h"
#include "tap.h"

#define IP4	"192.0.2.1"
#define IP6	"2001:db8::1"
#define HELO	"mx.example.org"
#define SPF(r)	"example.com. TXT \"" r "\"\n"

struct tcase {
	const char	*name;
	const char	*zone;
	const char	*ip;		/* NULL: IP4 */
	const char	*sender;	/* NULL: user@example.com */
	const char	*want;
	const char	*why;		/* reason token, or NULL */
	const char	*mech;		/* deciding mechanism, or NULL */
};

static const struct tcase cases[] = {
	/* 4.3 initial processing */
	{ "4.3 empty label: none", "", NULL, "user@foo..example.com", "none",
	  "bad-domain", NULL },
	{ "4.3 single label: none", "localhost. TXT \"v=spf1 -all\"\n", NULL,
	  "user@localhost", "none", "bad-domain", NULL },
	{ "4.3 label over 63: none", "", NULL, "u@aaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example", "none", "bad-domain",
	  NULL },
	{ "4.3 NXDOMAIN: none", "other.example. A 192.0.2.9\n", NULL, NULL,
	  "none", "no-record", NULL },
	{ "4.3 no local-part: postmaster",
	  SPF("v=spf1 exists:%{l}.l.example.com -all")
	  "postmaster.l.example.com. A 127.0.0.2\n", NULL, "@example.com",
	  "pass", "match", "exists:%{l}.l.example.com" },
	{ "4.3 no '@': the whole is the domain",
	  SPF("v=spf1 exists:%{l}.l.example.com -all")
	  "postmaster.l.example.com. A 127.0.0.2\n", NULL, "example.com",
	  "pass", NULL, NULL },
	{ "4.3 trailing dot", SPF("v=spf1 -all"), NULL, "u@example.com.",
	  "fail", NULL, "-all" },
	{ "4.3 U-labels become A-labels",
	  "xn--bcher-kva.example. TXT \"v=spf1 -all\"\n", NULL,
	  "u@b\xc3\xbc" "cher.example", "fail", NULL, NULL },
	/* 4.4 record lookup */
	{ "4.4 SERVFAIL: temperror", ";@fail example.com SERVFAIL\n", NULL,
	  NULL, "temperror", "dns", NULL },
	{ "4.4 timeout: temperror", ";@fail example.com TIMEOUT\n", NULL, NULL,
	  "temperror", "dns", NULL },
	{ "4.4 CNAME to the record", "example.com. CNAME spf.example.net.\n"
	  "spf.example.net. TXT \"v=spf1 -all\"\n", NULL, NULL, "fail", NULL,
	  NULL },
	{ "4.4 CNAME loop: temperror", "example.com. CNAME l.example.com.\n"
	  "l.example.com. CNAME example.com.\n", NULL, NULL, "temperror",
	  "dns", NULL },
	/* 4.5 selecting records */
	{ "4.5 TXT but no SPF: none", SPF("hello"), NULL, NULL, "none",
	  "no-record", NULL },
	{ "4.5 v=spf10 is not v=spf1", SPF("v=spf10 -all"), NULL, NULL, "none",
	  NULL, NULL },
	{ "4.5 v=spf1 in any case", SPF("V=SpF1 -all"), NULL, NULL, "fail",
	  NULL, NULL },
	{ "4.5 two SPF records: permerror", SPF("v=spf1 -all")
	  SPF("v=spf1 +all"), NULL, NULL, "permerror", "multiple-records",
	  NULL },
	{ "4.5 other TXT ignored", SPF("google-site-verification=x")
	  SPF("v=spf1 -all") SPF("v=spf1x"), NULL, NULL, "fail", NULL, NULL },
	{ "4.5 bare v=spf1: neutral", SPF("v=spf1"), NULL, NULL, "neutral",
	  "default", "" },
	{ "4.5 version ends at SP only (TAB)", SPF("v=spf1\\009-all"), NULL,
	  NULL, "none", NULL, NULL },
	{ "4.5 leading SP: not SPF", SPF(" v=spf1 -all"), NULL, NULL, "none",
	  NULL, NULL },
	{ "3.3 strings are joined", "example.com. TXT \"v=spf1 \" \"-all\"\n",
	  NULL, NULL, "fail", NULL, NULL },
	{ "3.3 joined without SP", "example.com. TXT \"v=spf1\" \"-all\"\n",
	  NULL, NULL, "none", NULL, NULL },
	/* 4.6 and 12: syntax */
	{ "4.6 error after a match: permerror", SPF("v=spf1 +all foo"), NULL,
	  NULL, "permerror", "syntax", NULL },
	{ "4.6 error after all", SPF("v=spf1 -all ip4:192.0.2"), NULL, NULL,
	  "permerror", "syntax", NULL },
	{ "5 unknown mechanism", SPF("v=spf1 moo -all"), NULL, NULL,
	  "permerror", "syntax", NULL },
	{ "6 unknown modifier ignored", SPF("v=spf1 moo=bar -all"), NULL, NULL,
	  "fail", NULL, "-all" },
	{ "12 modifier names with . - _", SPF("v=spf1 a.b-c_d=x ?all"), NULL,
	  NULL, "neutral", "match", "?all" },
	{ "12 unknown modifier, empty value", SPF("v=spf1 foo= -all"), NULL,
	  NULL, "fail", NULL, NULL },
	{ "12 unknown modifier, bad macro", SPF("v=spf1 foo=%{x} -all"), NULL,
	  NULL, "permerror", "syntax", NULL },
	{ "7.3 c outside exp text", SPF("v=spf1 foo=%{c} -all"), NULL, NULL,
	  "permerror", "syntax", NULL },
	{ "7.3 r in a domain-spec", SPF("v=spf1 exists:%{r}.x.example -all"),
	  NULL, NULL, "permerror", "syntax", NULL },
	{ "6 repeated redirect", SPF("v=spf1 redirect=a.example "
	  "redirect=b.example"), NULL, NULL, "permerror", "syntax", NULL },
	{ "6 repeated exp", SPF("v=spf1 exp=a.example exp=b.example -all"),
	  NULL, NULL, "permerror", "syntax", NULL },
	{ "6.2 exp= empty", SPF("v=spf1 -all exp="), NULL, NULL, "permerror",
	  "syntax", NULL },
	{ "6.1 redirect= empty", SPF("v=spf1 redirect="), NULL, NULL,
	  "permerror", "syntax", NULL },
	{ "12 several SP, trailing SP", SPF("v=spf1   -all   "), NULL, NULL,
	  "fail", NULL, NULL },
	{ "12 '=all'", SPF("v=spf1 =all"), NULL, NULL, "permerror", NULL,
	  NULL },
	{ "12 '-include=' is no modifier", SPF("v=spf1 -include=x.example "
	  "-all"), NULL, NULL, "permerror", NULL, NULL },
	{ "12 'include=' is an unknown modifier", SPF("v=spf1 "
	  "include=x.example -all"), NULL, NULL, "fail", NULL, NULL },
	{ "4.6.2 no qualifier is '+'", SPF("v=spf1 ip4:192.0.2.1 -all"), NULL,
	  NULL, "pass", "match", "ip4:192.0.2.1" },
	{ "4.6.2 '~'", SPF("v=spf1 ~ip4:192.0.2.1"), NULL, NULL, "softfail",
	  NULL, NULL },
	{ "4.6.2 '?'", SPF("v=spf1 ?ip4:192.0.2.1"), NULL, NULL, "neutral",
	  "match", NULL },
	{ "4.6.2 '-'", SPF("v=spf1 -ip4:192.0.2.1"), NULL, NULL, "fail", NULL,
	  NULL },
	{ "12 port after domain", SPF("v=spf1 a:foo.example.com:8080 -all"),
	  NULL, NULL, "permerror", NULL, NULL },
	{ "12 all takes nothing", SPF("v=spf1 -all:foo"), NULL, NULL,
	  "permerror", NULL, NULL },
	{ "12 ptr: empty", SPF("v=spf1 ptr: -all"), NULL, NULL, "permerror",
	  NULL, NULL },
	{ "12 exists needs a domain", SPF("v=spf1 exists -all"), NULL, NULL,
	  "permerror", NULL, NULL },
	{ "12 include needs a domain", SPF("v=spf1 include -all"), NULL, NULL,
	  "permerror", NULL, NULL },
	{ "12 a/33", SPF("v=spf1 a/33 -all"), NULL, NULL, "permerror", NULL,
	  NULL },
	{ "12 a//129", SPF("v=spf1 a//129 -all"), NULL, NULL, "permerror",
	  NULL, NULL },
	{ "12 a/024 (leading zero)", SPF("v=spf1 a/024 -all"), NULL, NULL,
	  "permerror", NULL, NULL },
	{ "12 ip4 /33", SPF("v=spf1 ip4:192.0.2.1/33"), NULL, NULL,
	  "permerror", NULL, NULL },
	{ "12 ip6 /129", SPF("v=spf1 ip6:2001:db8::/129"), NULL, NULL,
	  "permerror", NULL, NULL },
	{ "12 ip4 leading zero", SPF("v=spf1 ip4:192.0.2.01"), NULL, NULL,
	  "permerror", NULL, NULL },
	{ "12 ip4 octet 256", SPF("v=spf1 ip4:192.0.2.256"), NULL, NULL,
	  "permerror", NULL, NULL },
	{ "12 ip4 dual cidr", SPF("v=spf1 ip4:192.0.2.1//64"), NULL, NULL,
	  "permerror", NULL, NULL },
	{ "12 ip6 bad hex", SPF("v=spf1 ip6:2001:db8::zz"), NULL, NULL,
	  "permerror", NULL, NULL },
	{ "12 ip6 ':::'", SPF("v=spf1 ip6:2001:db8:::1"), NULL, NULL,
	  "permerror", NULL, NULL },
	{ "12 no top label", SPF("v=spf1 mx:example -all"), NULL, NULL,
	  "permerror", NULL, NULL },
	{ "12 numeric top label", SPF("v=spf1 a:192.0.2.1 -all"), NULL, NULL,
	  "permerror", NULL, NULL },
	{ "12 non-ASCII", SPF("v=spf1 a:b\\195\\169.example.com -all"), NULL,
	  NULL, "permerror", NULL, NULL },
	{ "12 NUL", SPF("v=spf1 \\000-all"), NULL, NULL, "permerror", NULL,
	  NULL },
	{ "12 dual cidr a/24//64", SPF("v=spf1 mx/24//64 a/0//0 -all")
	  "example.com. A 10.0.0.1\n", NULL, NULL, "pass", NULL, "a/0//0" },
	/* 4.6.2, 5.1 all; 6.1 redirect and all */
	{ "5.1 -all", SPF("v=spf1 -all"), NULL, NULL, "fail", "match", "-all" },
	{ "4.6.2 after all: not evaluated", SPF("v=spf1 -all a:nx.example.com"),
	  NULL, NULL, "fail", NULL, NULL },
	{ "6.1 all wins over redirect", SPF("v=spf1 ?all redirect=r.example")
	  "r.example. TXT \"v=spf1 +all\"\n", NULL, NULL, "neutral", NULL,
	  "?all" },
	{ "4.7 nothing matched: neutral", SPF("v=spf1 ip4:10.0.0.1"), NULL,
	  NULL, "neutral", "default", "" },
	/* 5.2 include */
	{ "5.2 include pass: match", SPF("v=spf1 include:i.example -all")
	  "i.example. TXT \"v=spf1 +all\"\n", NULL, NULL, "pass", "match",
	  "include:i.example" },
	{ "5.2 -include pass: fail", SPF("v=spf1 -include:i.example +all")
	  "i.example. TXT \"v=spf1 +all\"\n", NULL, NULL, "fail", NULL, NULL },
	{ "5.2 include fail: no match", SPF("v=spf1 include:i.example ?all")
	  "i.example. TXT \"v=spf1 -all\"\n", NULL, NULL, "neutral", NULL,
	  "?all" },
	{ "5.2 include softfail: no match", SPF("v=spf1 include:i.example ?all")
	  "i.example. TXT \"v=spf1 ~all\"\n", NULL, NULL, "neutral", NULL,
	  NULL },
	{ "5.2 include neutral: no match", SPF("v=spf1 include:i.example -all")
	  "i.example. TXT \"v=spf1 ?all\"\n", NULL, NULL, "fail", NULL, NULL },
	{ "5.2 include temperror", SPF("v=spf1 include:i.example +all")
	  ";@fail i.example SERVFAIL\n", NULL, NULL, "temperror", "dns", NULL },
	{ "5.2 include permerror", SPF("v=spf1 include:i.example +all")
	  "i.example. TXT \"v=spf1 moo\"\n", NULL, NULL, "permerror", "syntax",
	  NULL },
	{ "5.2 include none: permerror", SPF("v=spf1 include:i.example +all")
	  "i.example. TXT \"nothing\"\n", NULL, NULL, "permerror",
	  "include-none", NULL },
	{ "5.2 include NXDOMAIN: permerror", SPF("v=spf1 include:i.example "
	  "+all"), NULL, NULL, "permerror", "include-none", NULL },
	{ "5.2 include's own <domain>", SPF("v=spf1 include:i.example -all")
	  "i.example. TXT \"v=spf1 a -all\"\ni.example. A 192.0.2.1\n", NULL,
	  NULL, "pass", NULL, "include:i.example" },
	{ "5.2 include single label: permerror", SPF("v=spf1 include:%{d1} "
	  "+all"), NULL, NULL, "permerror", "include-none", NULL },
	/* 5.3 a */
	{ "5.3 a", SPF("v=spf1 a -all") "example.com. A 192.0.2.1\n", NULL,
	  NULL, "pass", NULL, "a" },
	{ "5.3 a:domain", SPF("v=spf1 a:h.example -all")
	  "h.example. A 192.0.2.1\n", NULL, NULL, "pass", NULL, NULL },
	{ "5.3 a/24", SPF("v=spf1 a/24 -all") "example.com. A 192.0.2.200\n",
	  NULL, NULL, "pass", NULL, NULL },
	{ "5.3 a/32 other", SPF("v=spf1 a -all") "example.com. A 192.0.2.2\n",
	  NULL, NULL, "fail", NULL, NULL },
	{ "5.3 a/0", SPF("v=spf1 a/0 -all") "example.com. A 10.0.0.1\n", NULL,
	  NULL, "pass", NULL, NULL },
	{ "5.3 a for IPv6: AAAA", SPF("v=spf1 a -all")
	  "example.com. AAAA 2001:db8::1\nexample.com. A 192.0.2.1\n", IP6,
	  NULL, "pass", NULL, NULL },
	{ "5.3 a//64", SPF("v=spf1 a//64 -all")
	  "example.com. AAAA 2001:db8::ffff\n", IP6, NULL, "pass", NULL, NULL },
	{ "5.3 a/24 is IPv4 only", SPF("v=spf1 a/24 -all")
	  "example.com. AAAA 2001:db8::ffff\n", IP6, NULL, "fail", NULL, NULL },
	{ "5.3 a//0", SPF("v=spf1 a//0 -all") "example.com. AAAA fe80::1\n",
	  IP6, NULL, "pass", NULL, NULL },
	{ "5.3 a, A only, IPv6 client", SPF("v=spf1 a -all")
	  "example.com. A 192.0.2.1\n", IP6, NULL, "fail", NULL, NULL },
	{ "5.3 a SERVFAIL", SPF("v=spf1 a:h.example -all")
	  ";@fail h.example SERVFAIL\n", NULL, NULL, "temperror", NULL, NULL },
	{ "5.3 a CNAME loop: temperror", SPF("v=spf1 a:l.example -all")
	  "l.example. CNAME l.example.\n", NULL, NULL, "temperror", NULL,
	  NULL },
	/* 5.4 mx */
	{ "5.4 mx", SPF("v=spf1 mx -all") "example.com. MX 10 m.example.com.\n"
	  "m.example.com. A 192.0.2.1\n", NULL, NULL, "pass", NULL, "mx" },
	{ "5.4 mx/24 mx:domain", SPF("v=spf1 mx:o.example/24 -all")
	  "o.example. MX 10 m.o.example.\nm.o.example. A 192.0.2.99\n", NULL,
	  NULL, "pass", NULL, NULL },
	{ "5.4 no implicit MX", SPF("v=spf1 mx -all")
	  "example.com. A 192.0.2.1\n", NULL, NULL, "fail", NULL, NULL },
	{ "5.4 MX SERVFAIL", SPF("v=spf1 mx -all") ";@fail example.com "
	  "SERVFAIL\n", NULL, NULL, "temperror", NULL, NULL },
	{ "5.4 MX host SERVFAIL", SPF("v=spf1 mx -all")
	  "example.com. MX 10 m.example.com.\n;@fail m.example.com SERVFAIL\n",
	  NULL, NULL, "temperror", NULL, NULL },
	{ "5.4 any MX host failing: temperror, whatever the order",
	  SPF("v=spf1 mx -all") "example.com. MX 10 a.example.com.\n"
	  "example.com. MX 20 b.example.com.\na.example.com. A 192.0.2.1\n"
	  ";@fail b.example.com SERVFAIL\n", NULL, NULL, "temperror", "dns",
	  NULL },
	{ "5.4 mx for IPv6: AAAA", SPF("v=spf1 mx -all")
	  "example.com. MX 10 m.example.com.\nm.example.com. A 192.0.2.1\n"
	  "m.example.com. AAAA 2001:db8::1\n", IP6, NULL, "pass", NULL, NULL },
	{ "RFC 7505 null MX: no match", SPF("v=spf1 mx -all")
	  "example.com. MX 0 .\n", NULL, NULL, "fail", NULL, NULL },
	{ "5.4 mx host without address: next one", SPF("v=spf1 mx -all")
	  "example.com. MX 10 a.example.com.\nexample.com. MX 20 "
	  "b.example.com.\nb.example.com. A 192.0.2.1\n", NULL, NULL, "pass",
	  NULL, NULL },
	/* 5.5 ptr */
	{ "5.5 ptr", SPF("v=spf1 ptr -all")
	  "1.2.0.192.in-addr.arpa. PTR mail.example.com.\n"
	  "mail.example.com. A 192.0.2.1\n", NULL, NULL, "pass", NULL, "ptr" },
	{ "5.5 ptr not validated", SPF("v=spf1 ptr -all")
	  "1.2.0.192.in-addr.arpa. PTR mail.example.com.\n"
	  "mail.example.com. A 192.0.2.2\n", NULL, NULL, "fail", NULL, NULL },
	{ "5.5 ptr:domain", SPF("v=spf1 ptr:o.example -all")
	  "1.2.0.192.in-addr.arpa. PTR x.y.o.example.\n"
	  "x.y.o.example. A 192.0.2.1\n", NULL, NULL, "pass", NULL, NULL },
	{ "5.5 ptr: not a label suffix", SPF("v=spf1 ptr:o.example -all")
	  "1.2.0.192.in-addr.arpa. PTR xo.example.\n"
	  "xo.example. A 192.0.2.1\n", NULL, NULL, "fail", NULL, NULL },
	{ "5.5 PTR SERVFAIL: no match", SPF("v=spf1 ptr ?all")
	  ";@fail 1.2.0.192.in-addr.arpa SERVFAIL\n", NULL, NULL, "neutral",
	  NULL, "?all" },
	{ "5.5 A SERVFAIL: name skipped", SPF("v=spf1 ptr ?all")
	  "1.2.0.192.in-addr.arpa. PTR a.example.com.\n"
	  "1.2.0.192.in-addr.arpa. PTR b.example.com.\n"
	  ";@fail a.example.com SERVFAIL\nb.example.com. A 192.0.2.1\n", NULL,
	  NULL, "pass", NULL, "ptr" },
	{ "5.5 CNAME loop under ptr: name absent", SPF("v=spf1 ptr ?all")
	  "1.2.0.192.in-addr.arpa. PTR a.example.com.\n"
	  "1.2.0.192.in-addr.arpa. PTR b.example.com.\n"
	  "a.example.com. CNAME a.example.com.\nb.example.com. A 192.0.2.1\n",
	  NULL, NULL, "pass", NULL, NULL },
	{ "5.5 ptr IPv6", SPF("v=spf1 ptr -all")
	  "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2."
	  "ip6.arpa. PTR mail.example.com.\nmail.example.com. AAAA "
	  "2001:db8::1\n", IP6, NULL, "pass", NULL, NULL },
	/* 5.6 ip4, ip6 */
	{ "5.6 ip4/24", SPF("v=spf1 ip4:192.0.2.0/24 -all"), NULL, NULL,
	  "pass", NULL, NULL },
	{ "5.6 ip4/0", SPF("v=spf1 ip4:0.0.0.0/0 -all"), NULL, NULL, "pass",
	  NULL, NULL },
	{ "5.6 ip4/31 other half", SPF("v=spf1 ip4:192.0.2.2/31 -all"), NULL,
	  NULL, "fail", NULL, NULL },
	{ "5.6 ip6 on IPv4: no match", SPF("v=spf1 ip6:::/0 -all"), NULL, NULL,
	  "fail", NULL, NULL },
	{ "5.6 ip4 on IPv6: no match", SPF("v=spf1 ip4:0.0.0.0/0 -all"), IP6,
	  NULL, "fail", NULL, NULL },
	{ "5.6 ip6", SPF("v=spf1 ip6:2001:DB8::1 -all"), IP6, NULL, "pass",
	  NULL, NULL },
	{ "5.6 ip6/0", SPF("v=spf1 ip6:::/0 -all"), IP6, NULL, "pass", NULL,
	  NULL },
	{ "5.6 ip6/64", SPF("v=spf1 ip6:2001:db8::ffff:1/64 -all"), IP6, NULL,
	  "pass", NULL, NULL },
	{ "5.6 ip6/127 miss", SPF("v=spf1 ip6:2001:db8::2/127 -all"), IP6,
	  NULL, "fail", NULL, NULL },
	{ "5.6 ip6 embedded IPv4 form", SPF("v=spf1 ip6:::ffff:0:192.0.2.1 "
	  "-all"), "::ffff:0:c000:201", NULL, "pass", NULL, NULL },
	{ "4.1 IPv4-mapped client is IPv4", SPF("v=spf1 ip4:192.0.2.1 -all"),
	  "::ffff:192.0.2.1", NULL, "pass", NULL, NULL },
	{ "4.1 IPv4-mapped client: not ip6", SPF("v=spf1 ip6:::ffff:192.0.2.1 "
	  "-all"), "::ffff:192.0.2.1", NULL, "fail", NULL, NULL },
	/* 5.7 exists */
	{ "5.7 exists", SPF("v=spf1 exists:e.example -all")
	  "e.example. A 127.0.0.2\n", NULL, NULL, "pass", NULL, NULL },
	{ "5.7 exists asks A for IPv6 too", SPF("v=spf1 exists:e.example -all")
	  "e.example. A 127.0.0.2\n", IP6, NULL, "pass", NULL, NULL },
	{ "5.7 exists, AAAA only: no", SPF("v=spf1 exists:e.example -all")
	  "e.example. AAAA ::1\n", IP6, NULL, "fail", NULL, NULL },
	{ "5.7 exists NXDOMAIN", SPF("v=spf1 exists:e.example -all"), NULL,
	  NULL, "fail", NULL, NULL },
	{ "7 exists with the 7.4 macros",
	  "email.example.com. TXT \"v=spf1 exists:%{ir}.%{l1r-}.lp._spf.%{d2} "
	  "-all\"\n3.2.0.192.strong.lp._spf.example.com. A 127.0.0.2\n",
	  "192.0.2.3", "strong-bad@email.example.com", "pass", NULL, NULL },
	{ "7.3 %{p}", SPF("v=spf1 exists:%{p}.ok.example -all")
	  "1.2.0.192.in-addr.arpa. PTR mail.example.com.\n"
	  "mail.example.com. A 192.0.2.1\n"
	  "mail.example.com.ok.example. A 127.0.0.2\n", NULL, NULL, "pass",
	  NULL, NULL },
	{ "7.3 %{p} unvalidated: unknown", SPF("v=spf1 exists:%{p}.ok.example "
	  "-all") "1.2.0.192.in-addr.arpa. PTR mail.example.com.\n"
	  "unknown.ok.example. A 127.0.0.2\n", NULL, NULL, "pass", NULL, NULL },
	/* 6.1 redirect */
	{ "6.1 redirect", SPF("v=spf1 redirect=r.example")
	  "r.example. TXT \"v=spf1 ip4:192.0.2.1 -all\"\n", NULL, NULL, "pass",
	  "match", "ip4:192.0.2.1" },
	{ "6.1 mechanisms before redirect", SPF("v=spf1 redirect=r.example "
	  "ip4:192.0.2.1") "r.example. TXT \"v=spf1 -all\"\n", NULL, NULL,
	  "pass", NULL, NULL },
	{ "6.1 redirect when nothing matched", SPF("v=spf1 redirect=r.example "
	  "ip4:10.0.0.1") "r.example. TXT \"v=spf1 -all\"\n", NULL, NULL,
	  "fail", NULL, "-all" },
	{ "6.1 redirect to no record: permerror", SPF("v=spf1 "
	  "redirect=r.example") "r.example. TXT \"x\"\n", NULL, NULL,
	  "permerror", "redirect-none", NULL },
	{ "6.1 redirect to NXDOMAIN: permerror", SPF("v=spf1 "
	  "redirect=r.example"), NULL, NULL, "permerror", "redirect-none",
	  NULL },
	{ "6.1 redirect to a bad name: permerror", SPF("v=spf1 "
	  "redirect=%{d1}"), NULL, NULL, "permerror", "redirect-none", NULL },
	{ "6.1 redirect uses the new <domain>", SPF("v=spf1 redirect=r.example")
	  "r.example. TXT \"v=spf1 a -all\"\nr.example. A 192.0.2.1\n", NULL,
	  NULL, "pass", NULL, "a" },
	{ "6.1 redirect loop: lookup limit", SPF("v=spf1 redirect=r.example")
	  "r.example. TXT \"v=spf1 redirect=example.com\"\n", NULL, NULL,
	  "permerror", "lookup-limit", NULL },
	{ "5.2 include loop: lookup limit", SPF("v=spf1 include:example.com "
	  "-all"), NULL, NULL, "permerror", "lookup-limit", NULL },
};

static struct am_dns *
zone(const char *text)
{
	struct am_dns	*dns = am_dns_zone_new();
	struct am_err	 err;

	if (am_dns_zone_load_string(dns, text, &err) == -1)
		diag(err.msg);
	return dns;
}

static void
check(struct am_dns *dns, const struct am_spf_opts *opts, const char *ip,
    const char *sender, struct am_spf_result *res)
{
	struct am_err	 err;

	if (am_spf_check_mailfrom(dns, opts,
	    &(struct am_spf_request){ ip, HELO, sender, NULL },
	    res, &err) == -1)
		diag(err.msg);
}

static void
run_cases(void)
{
	const struct tcase	*c;
	struct am_spf_result	 res;
	struct am_dns		*dns;
	char			 name[200];
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = &cases[i];
		dns = zone(c->zone);
		check(dns, NULL, c->ip ? c->ip : IP4,
		    c->sender ? c->sender : "user@example.com", &res);
		if (!is_str(am_spf_verdict_name(res.verdict), c->want, c->name))
			diag(res.reason_text);
		if (c->why != NULL) {
			snprintf(name, sizeof(name), "%s: reason", c->name);
			is_str(am_spf_reason_name(res.reason), c->why, name);
		}
		if (c->mech != NULL) {
			snprintf(name, sizeof(name), "%s: mechanism", c->name);
			is_str(res.mechanism, c->mech, name);
		}
		am_dns_free(&dns);
	}
}

/* Runs one check and returns the result, with the query count. */
static struct am_spf_result
eval(const char *zonetext, const char *ip, const char *sender,
    const struct am_spf_opts *opts, unsigned long *queries)
{
	struct am_spf_result	 res;
	struct am_dns		*dns = zone(zonetext);

	check(dns, opts, ip, sender, &res);
	if (queries != NULL)
		*queries = am_dns_query_count(dns);
	am_dns_free(&dns);
	return res;
}


/* ------------------------------------------------------------ limits */

/* 4.6.4: ten DNS-querying terms, never reset by include or redirect */
static void
check_lookup_limit(void)
{
	struct am_spf_result	 r;
	unsigned long		 q;
	struct am_buf		 z;
	int			 i;

	am_buf_init(&z, 1 << 16);
	for (i = 1; i <= 11; i++)
		(void)am_buf_printf(&z, "n%d.example. A 10.0.0.%d\n", i, i);
	(void)am_buf_appends(&z, SPF("v=spf1 a:n1.example a:n2.example "
	    "a:n3.example a:n4.example a:n5.example a:n6.example a:n7.example "
	    "a:n8.example a:n9.example a:n10.example ip4:192.0.2.1 -all")
	    "ten.example. TXT \"v=spf1 a:n1.example a:n2.example a:n3.example "
	    "a:n4.example a:n5.example a:n6.example a:n7.example a:n8.example "
	    "a:n9.example a:n10.example a:n11.example ip4:192.0.2.1\"\n"
	    "ip.example. TXT \"v=spf1 ip4:10.0.0.1 ip4:10.0.0.2 ip4:10.0.0.3 "
	    "ip4:10.0.0.4 ip4:10.0.0.5 ip4:10.0.0.6 ip4:10.0.0.7 ip4:10.0.0.8 "
	    "ip4:10.0.0.9 ip4:10.0.0.10 ip6:::1 ip4:10.0.0.11 exp=e.example "
	    "ip4:192.0.2.1 -all\"\n"
	    "i1.example. TXT \"v=spf1 a:n1.example a:n2.example a:n3.example "
	    "a:n4.example -all\"\n"
	    "r.example. TXT \"v=spf1 a:n5.example a:n6.example a:n7.example "
	    "a:n8.example a:n9.example ip4:192.0.2.1\"\n"
	    "r4.example. TXT \"v=spf1 a:n5.example a:n6.example a:n7.example "
	    "a:n8.example ip4:192.0.2.1\"\n"
	    "ir.example. TXT \"v=spf1 include:i1.example redirect=r.example\"\n"
	    "ir4.example. TXT \"v=spf1 include:i1.example redirect=r4.example\"\n"
	    "deep.example. TXT \"v=spf1 a:n1.example a:n2.example a:n3.example "
	    "a:n4.example a:n5.example include:d2.example\"\n"
	    "d2.example. TXT \"v=spf1 a:n6.example a:n7.example a:n8.example "
	    "a:n9.example a:n10.example ip4:192.0.2.1\"\n");

	r = eval(am_buf_str(&z), IP4, "u@example.com", NULL, &q);
	is_str(am_spf_verdict_name(r.verdict), "pass", "4.6.4 ten terms: pass");
	is_int(r.lookups, 10, "... ten counted");
	r = eval(am_buf_str(&z), IP4, "u@ten.example", NULL, &q);
	is_str(am_spf_verdict_name(r.verdict), "permerror",
	    "4.6.4 eleven terms: permerror");
	is_str(am_spf_reason_name(r.reason), "lookup-limit", "... lookup-limit");
	is_int(q, 11, "... and the 11th term asks nothing");
	r = eval(am_buf_str(&z), IP4, "u@ip.example", NULL, &q);
	is_str(am_spf_verdict_name(r.verdict), "pass",
	    "4.6.4 ip4, ip6, all, exp do not count");
	is_int(r.lookups, 0, "... none counted");
	is_int(q, 1, "... one query, the record");
	r = eval(am_buf_str(&z), IP4, "u@ir.example", NULL, NULL);
	is_str(am_spf_verdict_name(r.verdict), "permerror",
	    "4.6.4 include 1+4, redirect 1+5: permerror");
	is_int(r.lookups, 10, "... ten counted");
	r = eval(am_buf_str(&z), IP4, "u@ir4.example", NULL, NULL);
	is_str(am_spf_verdict_name(r.verdict), "pass",
	    "4.6.4 include 1+4, redirect 1+4: pass");
	r = eval(am_buf_str(&z), IP4, "u@deep.example", NULL, NULL);
	is_str(am_spf_verdict_name(r.verdict), "permerror",
	    "4.6.4 the count is not reset inside an include");
	am_buf_release(&z);
}

/* A hostile include/redirect tree: no more queries than 4.6.4 allows. */
static void
check_hostile_tree(void)
{
	struct am_spf_result	 r;
	unsigned long		 q;
	struct am_buf		 z;
	int			 i, k;

	/* Three includes and a redirect per record, three levels, every
	 * name distinct (so no answer is reused), every leaf "-all". */
	am_buf_init(&z, 1 << 18);
	(void)am_buf_appends(&z, SPF("v=spf1 include:a.h.example "
	    "include:b.h.example include:c.h.example -all"));
	for (i = 0; i < 3 * 3 * 3 + 3 * 3 + 3; i++) {
		char	 node[16];
		int	 n = i, len = 0;

		/* i < 3: "a".."c"; < 12: "aa".."cc"; else "aaa".."ccc" */
		len = i < 3 ? 1 : i < 12 ? 2 : 3;
		n = i < 3 ? i : i < 12 ? i - 3 : i - 12;
		for (k = len - 1; k >= 0; k--, n /= 3) {
			node[2 * k] = (char)('a' + n % 3);
			node[2 * k + 1] = '.';
		}
		node[2 * len] = '\0';
		if (len == 3)
			(void)am_buf_printf(&z, "%sh.example. TXT \"v=spf1 "
			    "-all\"\n", node);
		else
			(void)am_buf_printf(&z, "%sh.example. TXT \"v=spf1 "
			    "include:a.%sh.example include:b.%sh.example "
			    "include:c.%sh.example redirect=r.%sh.example\"\n"
			    "r.%sh.example. TXT \"v=spf1 -all\"\n",
			    node, node, node, node, node, node);
	}
	r = eval(am_buf_str(&z), IP4, "u@example.com", NULL, &q);
	is_str(am_spf_verdict_name(r.verdict), "permerror",
	    "hostile include tree: permerror");
	is_int(q, 11, "... with 11 queries: the record and 10 includes");
	is_int(r.lookups, 10, "... 10 terms counted");

	am_buf_reset(&z);
	(void)am_buf_appends(&z, SPF("v=spf1 mx:m1.example mx:m2.example "
	    "mx:m3.example mx:m4.example mx:m5.example mx:m6.example "
	    "mx:m7.example mx:m8.example mx:m9.example mx:m10.example "
	    "include:example.com"));
	for (i = 1; i <= 10; i++)
		for (k = 1; k <= 10; k++)
			(void)am_buf_printf(&z, "m%d.example. MX %d "
			    "h%d.m%d.example.\n", i, k, k, i);
	r = eval(am_buf_str(&z), IP4, "u@example.com", NULL, &q);
	is_str(am_spf_verdict_name(r.verdict), "permerror",
	    "ten mx terms of ten empty hosts, then one more term");
	ok(q <= 1 + 10 * 11, "... at most 1 + 10 x (1 + 10) queries");
	is_int(q, 111, "... exactly that many");
	is_int(r.voids, 0, "... address lookups of MX names are not void "
	    "lookups (the 10-name limit bounds them)");

	am_buf_reset(&z);
	(void)am_buf_appends(&z, SPF("v=spf1 redirect=r1.example"));
	for (i = 1; i <= 30; i++)
		(void)am_buf_printf(&z, "r%d.example. TXT \"v=spf1 "
		    "redirect=r%d.example\"\n", i, i + 1);
	r = eval(am_buf_str(&z), IP4, "u@example.com", NULL, &q);
	is_str(am_spf_verdict_name(r.verdict), "permerror",
	    "a chain of 30 redirects: permerror");
	is_int(q, 11, "... after 11 queries");
	am_buf_release(&z);
}

/* 4.6.4: at most two void lookups */
static void
check_void_limit(void)
{
	static const char z[] =
	    "nodata.example. TXT \"x\"\n"
	    "m.example. MX 10 h1.m.example.\nm.example. MX 20 h2.m.example.\n"
	    "m.example. MX 30 h3.m.example.\n"
	    "two.example. TXT \"v=spf1 a:nx1.example a:nodata.example "
	    "ip4:192.0.2.1\"\n"
	    "three.example. TXT \"v=spf1 a:nx1.example a:nodata.example "
	    "exists:nx3.example ip4:192.0.2.1\"\n"
	    "kinds.example. TXT \"v=spf1 mx:nodata.example ptr "
	    "exists:nx.example ip4:192.0.2.1\"\n"
	    "mxhosts.example. TXT \"v=spf1 mx:m.example a:nx.example "
	    "a:nx2.example ip4:192.0.2.1\"\n"
	    "inc.example. TXT \"v=spf1 a:nx1.example include:i.example "
	    "ip4:192.0.2.1\"\n"
	    "i.example. TXT \"v=spf1 a:nx2.example a:nx3.example -all\"\n";
	struct am_spf_result	 r;

	r = eval(z, IP4, "u@two.example", NULL, NULL);
	is_str(am_spf_verdict_name(r.verdict), "pass", "two void lookups: "
	    "pass");
	is_int(r.voids, 2, "... NXDOMAIN and NODATA both counted");
	r = eval(z, IP4, "u@three.example", NULL, NULL);
	is_str(am_spf_verdict_name(r.verdict), "permerror",
	    "a third void lookup: permerror");
	is_str(am_spf_reason_name(r.reason), "void-limit", "... void-limit");
	r = eval(z, IP4, "u@kinds.example", NULL, NULL);
	is_str(am_spf_verdict_name(r.verdict), "permerror",
	    "void MX, void PTR, void exists: permerror");
	r = eval(z, IP4, "u@mxhosts.example", NULL, NULL);
	is_str(am_spf_verdict_name(r.verdict), "pass",
	    "MX hosts without addresses are not void lookups");
	is_int(r.voids, 2, "... only the two a: terms");
	r = eval(z, IP4, "u@inc.example", NULL, NULL);
	is_str(am_spf_verdict_name(r.verdict), "permerror",
	    "void lookups are counted across include");
}

/* 4.6.4: more than 10 MX names is permerror; PTR names past 10 ignored */
static void
check_mx_ptr_limits(void)
{
	struct am_spf_result	 r;
	unsigned long		 q;
	struct am_buf		 z;
	int			 i;

	am_buf_init(&z, 1 << 16);
	for (i = 1; i <= 11; i++) {
		(void)am_buf_printf(&z, "mx11.example. MX %d n%02d.example.\n",
		    i, i);
		if (i > 1)
			(void)am_buf_printf(&z, "mx10.example. MX %d "
			    "n%02d.example.\n", i, i);
		(void)am_buf_printf(&z, "n%02d.example. A 10.0.0.%d\n", i, i);
		(void)am_buf_printf(&z, "1.2.0.192.in-addr.arpa. PTR "
		    "n%02d.p.example.\n", i);
		(void)am_buf_printf(&z, "n%02d.p.example. A %s\n", i,
		    i == 11 ? "192.0.2.1" : "10.0.0.1");
		if (i > 1)
			(void)am_buf_printf(&z, "2.2.0.192.in-addr.arpa. PTR "
			    "n%02d.p.example.\n", i);
	}
	(void)am_buf_appends(&z, "n11.example. A 192.0.2.1\n"
	    "n11.p.example. A 192.0.2.2\n"
	    "mx.example. TXT \"v=spf1 mx:mx10.example -all\"\n"
	    "mxx.example. TXT \"v=spf1 mx:mx11.example -all\"\n"
	    "ptr.example. TXT \"v=spf1 ptr:p.example -all\"\n"
	    "pm.example. TXT \"v=spf1 exists:%{p}.e.example -all\"\n"
	    "unknown.e.example. A 127.0.0.2\n");
	r = eval(am_buf_str(&z), IP4, "u@mx.example", NULL, NULL);
	is_str(am_spf_verdict_name(r.verdict), "pass", "10 MX names: pass");
	r = eval(am_buf_str(&z), IP4, "u@mxx.example", NULL, &q);
	is_str(am_spf_verdict_name(r.verdict), "permerror",
	    "11 MX names: permerror");
	is_str(am_spf_reason_name(r.reason), "mx-limit", "... mx-limit");
	is_int(q, 2, "... before any address lookup");
	r = eval(am_buf_str(&z), IP4, "u@ptr.example", NULL, &q);
	is_str(am_spf_verdict_name(r.verdict), "fail",
	    "11 PTR names, only the 11th validates: ignored, fail");
	ok(q <= 2 + 10, "... at most 10 address lookups");
	r = eval(am_buf_str(&z), "192.0.2.2", "u@ptr.example", NULL, NULL);
	is_str(am_spf_verdict_name(r.verdict), "pass",
	    "10 PTR names (the same one last): pass");
	r = eval(am_buf_str(&z), IP4, "u@pm.example", NULL, &q);
	is_str(am_spf_verdict_name(r.verdict), "pass",
	    "%{p}: names past the 10th ignored, so \"unknown\"");
	am_buf_release(&z);
}

/* Answers are reused within one evaluation. */
static void
check_reuse(void)
{
	static const char z[] =
	    SPF("v=spf1 a:h.example a:h.example/24 mx:h.example "
	    "a:h.example//64 include:i.example include:i.example -all")
	    "h.example. A 10.0.0.1\nh.example. MX 10 h.example.\n"
	    "i.example. TXT \"v=spf1 a:h.example -all\"\n";
	struct am_spf_result	 r;
	unsigned long		 q;

	r = eval(z, IP4, "u@example.com", NULL, &q);
	is_str(am_spf_verdict_name(r.verdict), "fail", "reuse: fail");
	is_int(r.lookups, 8, "... eight terms counted");
	is_int(q, 4, "... four queries: TXT, A, MX, TXT of i.example");
	is_int(r.queries, 4, "... and the result says so");
}

/* ------------------------------------------------------------ budget */

struct fake_clock {
	uint64_t	 now;
	uint64_t	 step;
};

static uint64_t
fake_ms(void *ctx)
{
	struct fake_clock	*c = ctx;

	c->now += c->step;
	return c->now;
}

static void
check_budget(void)
{
	static const char z[] =
	    "n1.example. A 10.0.0.1\nn2.example. A 10.0.0.2\n"
	    "n3.example. A 10.0.0.3\n"
	    SPF("v=spf1 a:n1.example a:n2.example a:n3.example ip4:192.0.2.1")
	    "p.example. TXT \"v=spf1 a:n1.example ptr ip4:192.0.2.1\"\n"
	    "t.example. TXT \"v=spf1 a:slow.example ip4:192.0.2.1\"\n"
	    ";@fail slow.example TIMEOUT\n";
	struct fake_clock	 clk = { 0, 1000 };
	struct am_spf_opts	 o;
	struct am_spf_result	 r;
	unsigned long		 q;

	am_spf_opts_init(&o);
	o.clock_ms = fake_ms;
	o.clock_ctx = &clk;
	o.budget_ms = 3000;
	r = eval(z, IP4, "u@example.com", &o, &q);
	is_str(am_spf_verdict_name(r.verdict), "temperror",
	    "4.6.4 time budget spent: temperror");
	is_str(am_spf_reason_name(r.reason), "time-budget", "... time-budget");
	is_int(q, 2, "... and no query once it is spent");

	clk.now = 0;
	r = eval(z, IP4, "u@p.example", &o, NULL);
	is_str(am_spf_verdict_name(r.verdict), "temperror",
	    "budget spent at ptr (which ignores errors): still temperror");

	clk.now = 0;
	o.budget_ms = 10000;
	r = eval(z, IP4, "u@example.com", &o, NULL);
	is_str(am_spf_verdict_name(r.verdict), "pass", "enough budget: pass");

	r = eval(z, IP4, "u@example.com", NULL, NULL);
	is_str(am_spf_verdict_name(r.verdict), "pass",
	    "default budget, real clock: pass");
	r = eval(z, IP4, "u@t.example", NULL, NULL);
	is_str(am_spf_verdict_name(r.verdict), "temperror",
	    "a query timing out in the resolver: temperror");
	is_str(am_spf_reason_name(r.reason), "dns", "... dns");
}

/* ------------------------------------------------------------ explanation */

static void
check_exp(const char *zonetext, const char *sender,
    const struct am_spf_opts *o, const char *want, const char *name)
{
	struct am_spf_result	 r = eval(zonetext, IP4, sender, o, NULL);

	if (!is_str(r.explanation, want, name))
		diag(am_spf_verdict_name(r.verdict));
}

static void
check_explanation(void)
{
	static const char z[] =
	    SPF("v=spf1 -all exp=e.example")
	    "e.example. TXT \"%{i} is not allowed for %{d} (%{c}, %{r}, %{t}, "
	    "%{S})\"\n"
	    "none.example. TXT \"v=spf1 -all\"\n"
	    "nx.example. TXT \"v=spf1 -all exp=nothere.example\"\n"
	    "two.example. TXT \"v=spf1 -all exp=two-e.example\"\n"
	    "two-e.example. TXT \"one\"\ntwo-e.example. TXT \"two\"\n"
	    "bad.example. TXT \"v=spf1 -all exp=bad-e.example\"\n"
	    "bad-e.example. TXT \"100% wrong\"\n"
	    "empty.example. TXT \"v=spf1 -all exp=empty-e.example\"\n"
	    "empty-e.example. TXT \"\"\n"
	    "sf.example. TXT \"v=spf1 -all exp=sf-e.example\"\n"
	    ";@fail sf-e.example SERVFAIL\n"
	    "inc.example. TXT \"v=spf1 -include:i.example\"\n"
	    "i.example. TXT \"v=spf1 +all exp=e.example\"\n"
	    "red.example. TXT \"v=spf1 redirect=r.example exp=e.example\"\n"
	    "r.example. TXT \"v=spf1 -all\"\n"
	    "red2.example. TXT \"v=spf1 redirect=r2.example exp=e.example\"\n"
	    "r2.example. TXT \"v=spf1 -all exp=r2-e.example\"\n"
	    "r2-e.example. TXT \"see %{d} and %{o}\"\n"
	    "mac.example. TXT \"v=spf1 -all exp=%{l}._exp.%{d}\"\n"
	    "user._exp.mac.example. TXT \"only %{l}\"\n"
	    "ctl.example. TXT \"v=spf1 -all exp=ctl-e.example\"\n"
	    "ctl-e.example. TXT \"for %{l}\"\n";
	struct am_spf_opts	 o;
	struct am_spf_result	 r;
	unsigned long		 q;

	am_spf_opts_init(&o);
	o.receiver = "rcv.example";
	o.now = 1234;
	check_exp(z, "user@example.com", &o, "192.0.2.1 is not allowed for "
	    "example.com (192.0.2.1, rcv.example, 1234, user%40example.com)",
	    "6.2 exp= with c, r, t and an escaped macro");
	check_exp(z, "user@none.example", &o, "192.0.2.1 is not one of "
	    "none.example's designated mail servers", "6.2 no exp=: default");
	check_exp(z, "user@nx.example", &o, "192.0.2.1 is not one of "
	    "nx.example's designated mail servers", "6.2 exp NXDOMAIN: default");
	check_exp(z, "user@two.example", &o, "192.0.2.1 is not one of "
	    "two.example's designated mail servers",
	    "6.2 two TXT records: default");
	check_exp(z, "user@bad.example", &o, "192.0.2.1 is not one of "
	    "bad.example's designated mail servers",
	    "6.2 syntax error in the text: default");
	check_exp(z, "user@empty.example", &o, "192.0.2.1 is not one of "
	    "empty.example's designated mail servers",
	    "6.2 empty text: default");
	check_exp(z, "user@sf.example", &o, "192.0.2.1 is not one of "
	    "sf.example's designated mail servers", "6.2 SERVFAIL: default");
	r = eval(z, IP4, "user@sf.example", &o, NULL);
	is_str(am_spf_verdict_name(r.verdict), "fail",
	    "... and the verdict stays fail");
	check_exp(z, "user@inc.example", &o, "192.0.2.1 is not one of "
	    "inc.example's designated mail servers",
	    "6.2 an include's exp= is not used");
	check_exp(z, "user@red.example", &o, "192.0.2.1 is not one of "
	    "red.example's designated mail servers",
	    "6.2 the original exp= is not used after redirect");
	check_exp(z, "user@red2.example", &o,
	    "see r2.example and red2.example",
	    "6.2 the redirect target's exp=, with its <domain>");
	check_exp(z, "user@mac.example", &o, "only user",
	    "6.2 macros in the exp= domain-spec");
	check_exp(z, "a\001b@ctl.example", &o, "for a?b",
	    "6.2 explanation kept to printable US-ASCII");
	o.default_exp = "Denied: %{s} from %{c}";
	check_exp(z, "user@none.example", &o,
	    "Denied: user@none.example from 192.0.2.1",
	    "configured default explanation");
	o.default_exp = "100% broken";
	check_exp(z, "user@none.example", &o, "192.0.2.1 is not one of "
	    "none.example's designated mail servers",
	    "a configured default that does not parse: built-in default");
	r = eval("example.com. TXT \"v=spf1 ?all exp=e.example\"\n", IP4,
	    "user@example.com", NULL, &q);
	is_str(r.explanation, "", "no explanation unless fail");
	is_int(q, 1, "... and exp= is not even fetched");
}

/* ------------------------------------------------------------ identities */

static void
check_identities(void)
{
	static const char z[] =
	    "mx.example.org. TXT \"v=spf1 exists:%{l}.%{o}.%{h}.e.example "
	    "-all\"\n"
	    "postmaster.mx.example.org.mx.example.org.e.example. A 127.0.0.2\n"
	    SPF("v=spf1 exists:%{h}.h.example -all")
	    "mx.example.org.h.example. A 127.0.0.2\n";
	struct am_spf_result	 r;
	struct am_dns		*dns = zone(z);
	struct am_err		 err;
	char			 longname[1100];

	ok(am_spf_check_mailfrom(dns, NULL,
	    &(struct am_spf_request){ IP4, HELO, "", NULL }, &r, &err) == 0,
	    "2.4 null sender");
	is_str(am_spf_verdict_name(r.verdict), "pass",
	    "... is checked as postmaster@HELO");
	is_str(r.sender, "postmaster@mx.example.org", "... and says so");
	is_str(r.domain, "mx.example.org", "... domain");
	ok(am_spf_check_helo(dns, NULL,
	    &(struct am_spf_request){ IP4, HELO, NULL, NULL }, &r, &err) == 0,
	    "2.3 HELO identity");
	is_str(am_spf_verdict_name(r.verdict), "pass", "... pass");
	is_int(r.identity, AM_SPF_ID_HELO, "... identity HELO");
	is_str(r.sender, "mx.example.org", "... reported as the name");
	(void)am_spf_check_mailfrom(dns, NULL,
	    &(struct am_spf_request){ IP4, HELO, "user@example.com", NULL },
	    &r, &err);
	is_str(am_spf_verdict_name(r.verdict), "pass", "%{h} is the HELO");
	(void)am_spf_check_helo(dns, NULL,
	    &(struct am_spf_request){ IP4, "[192.0.2.1]", NULL, NULL },
	    &r, &err);
	is_str(am_spf_verdict_name(r.verdict), "none",
	    "2.3 an address literal HELO: none");
	(void)am_spf_check_mailfrom(dns, NULL,
	    &(struct am_spf_request){ IP4, "", "", NULL }, &r, &err);
	is_str(am_spf_reason_name(r.reason), "no-identity",
	    "no sender and no HELO: none, no-identity");
	ok(am_spf_check_mailfrom(dns, NULL,
	    &(struct am_spf_request){ "192.0.2.300", HELO, "u@x.example",
	    NULL },
	    &r, &err) == -1 && err.code == AM_E_USAGE,
	    "a bad client address is a usage error");
	ok(am_spf_check_helo(dns, NULL,
	    &(struct am_spf_request){ "nonsense", HELO, NULL, NULL },
	    &r, &err) == -1,
	    "... for HELO too");
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ok(am_spf_check_mailfrom(dns, NULL,
	    &(struct am_spf_request){ IP4, HELO, longname, NULL },
	    &r, &err) == -1 && err.code == AM_E_LIMIT,
	    "an identity over 1024 octets is refused");
	ok(am_spf_check_host(dns, NULL,
	    &(struct am_spf_request){ IP4, HELO,
	    "someone@elsewhere.example", "example.com" },
	    &r, &err) == 0 &&
	    r.verdict == AM_SPF_PASS, "check_host() with its own <domain>");
	am_dns_free(&dns);
}

static void
check_authres(void)
{
	static const char z[] =
	    SPF("v=spf1 ip4:192.0.2.1 -all")
	    "bad.example. TXT \"v=spf1 moo\"\n";
	struct am_spf_result	 r;
	struct am_authres	 ar;
	struct am_dns		*dns = zone(z);
	const char		*s;

	(void)am_spf_check_mailfrom(dns, NULL,
	    &(struct am_spf_request){ IP4, HELO, "user@example.com", NULL },
	    &r, NULL);
	am_authres_init(&ar);
	am_spf_result_authres(&r, &ar);
	is_str(am_authres_str(&ar), "spf=pass smtp.mailfrom=user@example.com",
	    "RFC 8601: spf=pass smtp.mailfrom=");
	am_authres_release(&ar);
	(void)am_spf_check_mailfrom(dns, NULL,
	    &(struct am_spf_request){ "192.0.2.9", HELO,
	    "user@example.com", NULL },
	    &r, NULL);
	am_authres_init(&ar);
	am_spf_result_authres(&r, &ar);
	is_str(am_authres_str(&ar), "spf=fail smtp.mailfrom=user@example.com",
	    "RFC 8601: spf=fail");
	am_authres_release(&ar);
	(void)am_spf_check_helo(dns, NULL,
	    &(struct am_spf_request){ IP4, HELO, NULL, NULL }, &r, NULL);
	am_authres_init(&ar);
	am_spf_result_authres(&r, &ar);
	is_str(am_authres_str(&ar), "spf=none smtp.helo=mx.example.org",
	    "RFC 8601: spf=none smtp.helo=");
	am_authres_release(&ar);
	(void)am_spf_check_mailfrom(dns, NULL,
	    &(struct am_spf_request){ IP4, HELO, "user@bad.example", NULL },
	    &r, NULL);
	am_authres_init(&ar);
	am_spf_result_authres(&r, &ar);
	s = am_authres_str(&ar);
	ok(strncmp(s, "spf=permerror smtp.mailfrom=user@bad.example (", 46) == 0
	    && s[strlen(s) - 1] == ')', "permerror carries its reason as a "
	    "comment");
	diag(s);
	am_authres_release(&ar);
	am_dns_free(&dns);
}

int
main(void)
{
	run_cases();
	check_lookup_limit();
	check_hostile_tree();
	check_void_limit();
	check_mx_ptr_limits();
	check_reuse();
	check_budget();
	check_explanation();
	check_identities();
	check_authres();
	return done_testing();
}
