/*
 * t-peerlist - InternalHosts / ExternalIgnoreList matching: addresses,
 * CIDR blocks, IPv6, host names and domains, '!' and precedence
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
	pl = load("refile:/x", &d);
	ok(pl == NULL && d.errors >= 1, "refile: refused for hosts");
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
	am_buf_release(&logbuf);
	return done_testing();
}
