/*
 * t-peerlist - InternalHosts / ExternalIgnoreList matching: addresses,
 * CIDR blocks, IPv6, host names and domains, '!' and precedence; '*'
 * in a file: list (literal, warned), and refile: lists matched as
 * OpenDKIM matches them (its lookups against the patterns, '!' first)
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config_impl.h"
#include "tap.h"

static struct am_buf	 logbuf;

static void
capture(void *ctx, enum am_log_level level, const char *line)
{
	(void)ctx;
	am_buf_printf(&logbuf, "%s: %s\n", am_log_level_name(level), line);
}

static const struct am_log	 tlog = { capture, NULL, NULL };

static struct am_peerlist *
load(const char *spec, struct am_diag *d)
{
	memset(d, 0, sizeof(*d));
	d->log = &tlog;
	am_buf_reset(&logbuf);
	return am_peerlist_load(spec, getenv("top_srcdir"), "test.conf", 3,
	    d);
}

/* match - is the peer (address text, host name) in the list? */

static int
match(const struct am_peerlist *pl, const char *ip, const char *host)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*s4 = (struct sockaddr_in *)(void *)&ss;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)(void *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (ip == NULL)
		return am_peerlist_match(pl, NULL, host);
	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1)
		s4->sin_family = AF_INET;
	else if (inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1)
		s6->sin6_family = AF_INET6;
	else
		return -1;
	return am_peerlist_match(pl, (struct sockaddr *)&ss, host);
}

static const struct {
	const char	*list, *ip, *host;
	int		 want;
	const char	*name;
} cases[] = {
	{ "127.0.0.1, ::1", "127.0.0.1", NULL, 1, "default: 127.0.0.1" },
	{ "127.0.0.1, ::1", "::1", NULL, 1, "default: ::1" },
	{ "127.0.0.1, ::1", "127.0.0.2", NULL, 0, "default: 127.0.0.2 not" },
	{ "127.0.0.1, ::1", "::ffff:127.0.0.1", NULL, 1,
	  "v4-mapped address matches the IPv4 entry" },
	{ "192.0.2.0/24", "192.0.2.77", NULL, 1, "CIDR /24 inside" },
	{ "192.0.2.0/24", "192.0.3.1", NULL, 0, "CIDR /24 outside" },
	{ "192.0.2.1/24", "192.0.2.200", NULL, 1, "host bits are masked" },
	{ "0.0.0.0/0", "203.0.113.9", NULL, 1, "/0 matches all IPv4" },
	{ "0.0.0.0/0", "2001:db8::1", NULL, 0, "/0 IPv4 is not IPv6" },
	{ "[192.0.2.5]", "192.0.2.5", NULL, 1, "brackets allowed" },
	{ "2001:db8::/32", "2001:db8:1::5", NULL, 1, "IPv6 CIDR inside" },
	{ "2001:db8::/32", "2001:db9::5", NULL, 0, "IPv6 CIDR outside" },
	{ "[2001:db8::1]/128", "2001:db8::1", NULL, 1, "[v6]/128" },
	{ "2001:DB8::A", "2001:db8::a", NULL, 1, "IPv6 case-insensitive" },
	{ "192.0.2.0/24, !192.0.2.66", "192.0.2.66", NULL, 0,
	  "negated host inside a block" },
	{ "192.0.2.0/24, !192.0.2.66", "192.0.2.65", NULL, 1,
	  "block still matches others" },
	{ "!192.0.2.0/24, 192.0.2.66", "192.0.2.66", NULL, 1,
	  "more precise wins over a negated block" },
	{ "!192.0.2.0/24, 192.0.2.66", "192.0.2.67", NULL, 0,
	  "negated block" },
	{ "192.0.2.0/24, !192.0.2.0/24", "192.0.2.1", NULL, 0,
	  "same precision: negation wins, whatever the order" },
	{ "!192.0.2.0/24, 192.0.2.0/24", "192.0.2.1", NULL, 0,
	  "same precision: negation wins (reversed)" },
	{ "10.0.0.0/8, !10.1.0.0/16, 10.1.2.0/24", "10.1.2.3", NULL, 1,
	  "three levels: innermost wins" },
	{ "10.0.0.0/8, !10.1.0.0/16, 10.1.2.0/24", "10.1.3.3", NULL, 0,
	  "three levels: middle" },
	{ "mail.example.com", NULL, "mail.example.com", 1, "host name" },
	{ "mail.example.com", NULL, "MAIL.Example.COM", 1,
	  "host name case-insensitive" },
	{ "mail.example.com", NULL, "x.mail.example.com", 0,
	  "host name is not a domain" },
	{ "example.com", NULL, "mail.example.com", 0,
	  "plain name does not cover subdomains" },
	{ ".example.com", NULL, "mail.example.com", 1, ".domain suffix" },
	{ ".example.com", NULL, "a.b.example.com", 1, ".domain deeper" },
	{ ".example.com", NULL, "example.com", 0,
	  ".domain is not the domain itself" },
	{ ".example.com, !bad.example.com", NULL, "bad.example.com", 0,
	  "negated host inside a domain" },
	{ ".example.com, !.bad.example.com, ok.bad.example.com", NULL,
	  "ok.bad.example.com", 1, "host inside a negated domain" },
	{ "!mail.example.com, 192.0.2.1", "192.0.2.1", "mail.example.com", 1,
	  "negated name: the address is still tried (OpenDKIM)" },
	{ "mail.example.com", "192.0.2.1", "[192.0.2.1]", 0,
	  "Postfix's [addr] is not a name" },
	{ "192.0.2.1", NULL, "[192.0.2.1]", 0, "no address: no match" },
	{ "", "127.0.0.1", NULL, 0, "empty list" },
};

static void
test_cases(void)
{
	struct am_peerlist	*pl;
	struct am_diag		 d;
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pl = load(cases[i].list, &d);
		if (d.errors != 0)
			diag(am_buf_str(&logbuf));
		is_int(match(pl, cases[i].ip, cases[i].host), cases[i].want,
		    cases[i].name);
		am_peerlist_free(&pl);
	}
	ok(am_peerlist_match(NULL, NULL, "x") == 0, "NULL list matches none");
}

static void
test_errors(void)
{
	static const char *const bad[] = { "192.0.2/24", "10/8",
	    "300.1.1.1", "192.0.2.0/33", "2001:db8::/129", "192.0.2.0/x",
	    "host name", "a:b", "[1.2.3.4", "1.2.3.4/", NULL };
	struct am_peerlist	*pl;
	struct am_diag		 d;
	char			 name[128];
	size_t			 i;

	for (i = 0; bad[i] != NULL; i++) {
		pl = load(bad[i], &d);
		snprintf(name, sizeof(name), "\"%s\" is an error at "
		    "test.conf:3", bad[i]);
		ok(d.errors == 1 && am_peerlist_count(pl) == 0 &&
		    strstr(am_buf_str(&logbuf), "test.conf:3:") != NULL, name);
		am_peerlist_free(&pl);
	}
	pl = load("192.0.2.1, 10/8, ::1, 300.1.1.1", &d);
	is_int(d.errors, 2, "each bad entry reported");
	is_int(am_peerlist_count(pl), 2, "good entries kept");
	am_peerlist_free(&pl);
	pl = load("refile:/nonexistent", &d);
	ok(pl == NULL && d.errors == 1, "refile: a file that cannot be read: "
	    "one error");
}

static int
logged(const char *s)
{
	return strstr(am_buf_str(&logbuf), s) != NULL;
}

/* The tutorial's TrustedHosts as a refile: loads, with a warning for
 * each entry that does not do what it seems to, and matches as in
 * OpenDKIM. */
static void
test_refile_tutorial(void)
{
	struct am_peerlist	*pl;
	struct am_diag		 d;

	pl = load("refile:t/unit/data/config/trusted.refile", &d);
	ok(pl != NULL && d.errors == 0, "tutorial refile: loads");
	is_int(am_peerlist_count(pl), 4, "tutorial refile: 4 entries");
	is_int(d.warnings, 2, "tutorial refile: two warnings");
	ok(logged("trusted.refile:4: \"192.168.0.1/24\" never matches in a "
	    "refile: list: host bits are set, and OpenDKIM looks up "
	    "\"192.168.0.0/24\""), "tutorial refile: host bits warned, "
	    "file:line");
	ok(logged("trusted.refile:6: \"*.example.com\": a pattern starting "
	    "with '*' also matches the negated lookups") &&
	    logged("write \".example.com\" to take in every host under that "
	    "domain"), "tutorial refile: leading '*' warned, with the fix");
	is_int(match(pl, "127.0.0.1", NULL), 1, "tutorial refile: 127.0.0.1");
	is_int(match(pl, "10.0.0.1", "localhost"), 1,
	    "tutorial refile: localhost by name");
	is_int(match(pl, "127.0.0.2", NULL), 0, "tutorial refile: 127.0.0.2 "
	    "not");
	is_int(match(pl, "192.168.0.1", NULL), 0, "tutorial refile: "
	    "192.168.0.1/24 never matches (as in OpenDKIM)");
	is_int(match(pl, "10.0.0.1", "mail.example.com"), 0,
	    "tutorial refile: *.example.com does not take mail.example.com "
	    "in (as in OpenDKIM)");
	is_int(match(pl, "127.0.0.1", "mail.example.com"), 1,
	    "tutorial refile: ... which is still tried by address");
	am_peerlist_free(&pl);
}

static void
test_refile(void)
{
	struct am_peerlist	*pl;
	struct am_diag		 d;

	pl = load("refile:t/unit/data/config/hosts.refile", &d);
	ok(pl != NULL && d.errors == 0 && d.warnings == 0,
	    "refile: loads, no warning");
	is_int(match(pl, "10.1.2.3", NULL), 1, "refile: 10.1.* matches an "
	    "address");
	is_int(match(pl, "10.2.2.3", NULL), 0, "refile: 10.1.* only");
	is_int(match(pl, "203.0.113.1", "a.b.corp.example"), 1,
	    "refile: .corp.example matches a host under it");
	is_int(match(pl, "203.0.113.1", "corp.example"), 0,
	    "refile: .corp.example is not corp.example");
	is_int(match(pl, "203.0.113.1", "MAIL.example.NET"), 1,
	    "refile: a name, any case");
	is_int(match(pl, "203.0.113.1", "mail.corp.example"), 0,
	    "refile: !name keeps it out");
	is_int(match(pl, "192.0.2.1", NULL), 1, "refile: network/bits");
	is_int(match(pl, "192.0.2.66", NULL), 0, "refile: !address inside "
	    "the network");
	is_int(match(pl, "198.51.100.7", NULL), 1, "refile: [address]");
	is_int(match(pl, "2001:db8::5", NULL), 1, "refile: IPv6 network");
	is_int(match(pl, "2001:db9::5", NULL), 0, "refile: IPv6 outside");
	is_int(match(pl, "::ffff:10.1.0.1", NULL), 1, "refile: v4-mapped "
	    "address tried as IPv4");
	is_int(match(pl, NULL, NULL), 0, "refile: nothing known: no match");
	am_peerlist_free(&pl);

	pl = load("refile:t/unit/data/config/signing.file", &d);
	ok(pl == NULL && d.errors == 1 && logged("is not a host list"),
	    "refile: a file of other things is not read");
}

/* '*' in a file: list is an ordinary character, as in OpenDKIM. */
static void
test_star_file(void)
{
	struct am_peerlist	*pl;
	struct am_diag		 d;

	pl = load("file:t/unit/data/config/star-hosts.txt", &d);
	ok(pl != NULL && d.errors == 0 && am_peerlist_count(pl) == 3,
	    "file: '*.example.com' is accepted");
	ok(d.warnings == 1 && logged("star-hosts.txt:2: \"*.example.com\": "
	    "'*' is not a wildcard in a file: host list") &&
	    logged("write \".example.com\" for every host under that "
	    "domain"), "file: '*' warned, with the fix, file:line");
	is_int(match(pl, "203.0.113.1", "mail.example.com"), 0,
	    "file: '*.example.com' matches no real host (as in OpenDKIM)");
	is_int(match(pl, "203.0.113.1", "mail.example.org"), 1,
	    "file: .example.org does");
	am_peerlist_free(&pl);
}

static void
test_file(void)
{
	struct am_peerlist	*pl;
	struct am_diag		 d;
	char			 buf[256];
	FILE			*fp;
	size_t			 n;

	pl = load("file:t/unit/data/config/hosts.txt", &d);
	is_int(d.errors, 0, "hosts file loads");
	is_int(am_peerlist_count(pl), 4, "hosts file: 4 entries");
	is_int(match(pl, "192.0.2.1", NULL), 1, "file: block");
	is_int(match(pl, "192.0.2.66", NULL), 0, "file: negated");
	is_int(match(pl, "2001:db8::2", NULL), 1, "file: IPv6");
	is_int(match(pl, "198.51.100.1", "x.corp.example"), 1, "file: domain");
	fp = tmpfile();
	am_peerlist_print(pl, fp);
	rewind(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	is_str(buf, "192.0.2.0/24, !192.0.2.66, 2001:db8::/32, .corp.example",
	    "print: entries as written");
	am_peerlist_free(&pl);
}

int
main(void)
{
	am_buf_init(&logbuf, 1 << 20);
	test_cases();
	test_errors();
	test_file();
	test_refile_tutorial();
	test_refile();
	test_star_file();
	am_buf_release(&logbuf);
	return done_testing();
}
