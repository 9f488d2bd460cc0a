/*
 * t-dns-zone - the zone-file resolver: parsing, lookups, statuses
 */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns.h"
#include "tap.h"

static const char zone_main[] =
    "$ORIGIN example.com.\n"
    "@\tIN SOA ns1 hostmaster 1 3600 600 86400 60\n"
    "\tIN MX 10 Mail.Example.COM.\n"
    "\tIN MX 20 mx2\n"
    "\tIN TXT \"v=spf1 \" \"-all\"\n"
    "sel._domainkey IN TXT ( \"v=DKIM1; k=rsa; \"\n"
    "\t\t\"p=MIGf\"   ; a comment inside the parentheses\n"
    "\t\t\"MA0G\" )\n"
    "www 60 IN A 192.0.2.1\n"
    "    IN AAAA 2001:db8::1\n"
    "alias IN CNAME WWW\n"
    "c1 CNAME c2\nc2 CNAME c3\nc3 CNAME c4\nc4 CNAME c5\n"
    "c5 CNAME c6\nc6 CNAME c7\nc7 CNAME c8\nc8 CNAME www\n"
    "d1 CNAME d2\nd2 CNAME d3\nd3 CNAME d4\nd4 CNAME d5\n"
    "d5 CNAME d6\nd6 CNAME d7\nd7 CNAME d8\nd8 CNAME d9\nd9 CNAME www\n"
    "loop1 CNAME loop2\nloop2 CNAME loop1\n"
    "self CNAME self\n"
    "dangling CNAME nothere.example.com.\n"
    "to-ent CNAME c.example.com.\n"
    "to-broken CNAME broken\n"
    "a.b.c IN TXT \"deep\"\n"
    "nul IN TXT \"a\\000b\"\n"
    "empty IN TXT \"\"\n"
    "nullmx IN MX 0 .\n"
    "1.2.0.192.in-addr.arpa. IN PTR www.example.com.\n"
    "chaos CH TXT \"ignored\"\n"
    ";@fail broken.example.com SERVFAIL\n"
    "  ;@fail slow.example.com. TIMEOUT\n";

static const char zone_other[] =
    "$TTL 3600\n"
    "other.test. IN TXT \"from file two\"\n"
    "www.example.com. IN A 192.0.2.2\n";

static struct am_dns *
load_main(void)
{
	struct am_dns	*dns;
	struct am_err	 err;

	am_err_clear(&err);
	dns = am_dns_zone_new();
	ok(dns != NULL, "zone resolver created");
	if (!ok(am_dns_zone_load_string(dns, zone_main, &err) == 0,
	    "main zone loads"))
		diag(err.msg);
	return dns;
}

/* look - lookup that checks the status; returns the result to inspect */

static int
look(struct am_dns *dns, const char *name, enum am_dns_type type,
    enum am_dns_status want, struct am_dns_result *res)
{
	enum am_dns_status	 st;
	char			 msg[200];

	st = am_dns_lookup(dns, name, type, res);
	snprintf(msg, sizeof(msg), "%s type %d is %s",
	    name != NULL ? name : "(null)", (int)type,
	    am_dns_status_name(want));
	if (!is_str(am_dns_status_name(st), am_dns_status_name(want), msg))
		return 0;
	return ok(res->status == st, "res->status matches");
}

static void
test_txt(struct am_dns *dns)
{
	struct am_dns_result	 res;

	if (look(dns, "sel._domainkey.example.com", AM_DNS_TXT, AM_DNS_OK,
	    &res) && is_int(res.n, 1, "one TXT record")) {
		is_str(res.rr[0].txt, "v=DKIM1; k=rsa; p=MIGfMA0G",
		    "parenthesised multi-string TXT is joined");
		is_int(res.rr[0].txt_len, strlen("v=DKIM1; k=rsa; p=MIGfMA0G"),
		    "txt_len");
		is_int(res.rr[0].ttl, 300, "no $TTL means 300");
		is_int(res.rr[0].type, AM_DNS_TXT, "rr type");
	}
	am_dns_result_release(&res);

	if (look(dns, "SEL._DomainKey.Example.COM.", AM_DNS_TXT, AM_DNS_OK,
	    &res) && is_int(res.n, 1, "case and trailing dot ignored"))
		is_str(res.rr[0].txt, "v=DKIM1; k=rsa; p=MIGfMA0G",
		    "same record");
	am_dns_result_release(&res);

	if (look(dns, "example.com", AM_DNS_TXT, AM_DNS_OK, &res) &&
	    is_int(res.n, 1, "apex TXT"))
		is_str(res.rr[0].txt, "v=spf1 -all", "apex TXT joined");
	am_dns_result_release(&res);

	if (look(dns, "nul.example.com", AM_DNS_TXT, AM_DNS_OK, &res) &&
	    is_int(res.n, 1, "NUL TXT"))
		is_mem(res.rr[0].txt, res.rr[0].txt_len, "a\0b", 3,
		    "embedded NUL kept, length 3");
	am_dns_result_release(&res);

	if (look(dns, "empty.example.com", AM_DNS_TXT, AM_DNS_OK, &res) &&
	    is_int(res.n, 1, "empty TXT")) {
		is_int(res.rr[0].txt_len, 0, "empty string TXT has length 0");
		ok(res.rr[0].txt != NULL && res.rr[0].txt[0] == '\0',
		    "empty TXT is \"\", not NULL");
	}
	am_dns_result_release(&res);
}

static void
test_addr(struct am_dns *dns)
{
	struct am_dns_result	 res;
	static const unsigned char v4[4] = { 192, 0, 2, 1 };
	static const unsigned char v6[16] = { 0x20, 0x01, 0x0d, 0xb8,
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };

	if (look(dns, "www.example.com", AM_DNS_A, AM_DNS_OK, &res) &&
	    is_int(res.n, 1, "one A")) {
		is_mem(res.rr[0].addr, 4, v4, 4, "A address");
		is_int(res.rr[0].ttl, 60, "explicit TTL kept");
	}
	am_dns_result_release(&res);

	if (look(dns, "www.example.com", AM_DNS_AAAA, AM_DNS_OK, &res) &&
	    is_int(res.n, 1, "one AAAA")) {
		is_mem(res.rr[0].addr, 16, v6, 16, "AAAA address");
		is_int(res.rr[0].ttl, 300, "owner from previous line, TTL 300");
	}
	am_dns_result_release(&res);

	if (look(dns, "1.2.0.192.in-addr.arpa", AM_DNS_PTR, AM_DNS_OK, &res) &&
	    is_int(res.n, 1, "one PTR"))
		is_str(res.rr[0].name, "www.example.com", "PTR target");
	am_dns_result_release(&res);
}

static void
test_mx(struct am_dns *dns)
{
	struct am_dns_result	 res;
	size_t			 i10, i20;

	if (look(dns, "example.com", AM_DNS_MX, AM_DNS_OK, &res) &&
	    is_int(res.n, 2, "two MX")) {
		i10 = res.rr[0].pref == 10 ? 0 : 1;
		i20 = 1 - i10;
		is_int(res.rr[i10].pref, 10, "MX 10");
		is_str(res.rr[i10].name, "mail.example.com",
		    "MX name lower case, no trailing dot");
		is_int(res.rr[i20].pref, 20, "MX 20");
		is_str(res.rr[i20].name, "mx2.example.com",
		    "relative MX name completed from $ORIGIN");
	}
	am_dns_result_release(&res);

	if (look(dns, "nullmx.example.com", AM_DNS_MX, AM_DNS_OK, &res) &&
	    is_int(res.n, 1, "null MX")) {
		is_int(res.rr[0].pref, 0, "null MX preference");
		is_str(res.rr[0].name, "", "null MX target is \"\"");
	}
	am_dns_result_release(&res);
}

static void
test_absent(struct am_dns *dns)
{
	struct am_dns_result	 res;

	look(dns, "nothere.example.com", AM_DNS_TXT, AM_DNS_NXDOMAIN, &res);
	ok(res.n == 0 && res.rr == NULL, "NXDOMAIN has no records");
	am_dns_result_release(&res);
	look(dns, "foo.invalid", AM_DNS_A, AM_DNS_NXDOMAIN, &res);
	am_dns_result_release(&res);
	look(dns, "www.example.com", AM_DNS_TXT, AM_DNS_NODATA, &res);
	ok(res.n == 0 && res.rr == NULL, "NODATA has no records");
	am_dns_result_release(&res);
	look(dns, "example.com", AM_DNS_A, AM_DNS_NODATA, &res);
	am_dns_result_release(&res);
	look(dns, "b.c.example.com", AM_DNS_TXT, AM_DNS_NODATA, &res);
	am_dns_result_release(&res);
	look(dns, "c.example.com", AM_DNS_A, AM_DNS_NODATA, &res);
	am_dns_result_release(&res);
	look(dns, "x.a.b.c.example.com", AM_DNS_TXT, AM_DNS_NXDOMAIN, &res);
	am_dns_result_release(&res);
	look(dns, "com", AM_DNS_TXT, AM_DNS_NODATA, &res);
	am_dns_result_release(&res);
	look(dns, "chaos.example.com", AM_DNS_TXT, AM_DNS_NXDOMAIN, &res);
	am_dns_result_release(&res);
}

static void
test_cname(struct am_dns *dns)
{
	struct am_dns_result	 res;

	if (look(dns, "alias.example.com", AM_DNS_A, AM_DNS_OK, &res) &&
	    is_int(res.n, 1, "A through CNAME"))
		is_int(res.rr[0].addr[3], 1, "target's address");
	am_dns_result_release(&res);
	if (look(dns, "alias.example.com", AM_DNS_CNAME, AM_DNS_OK, &res) &&
	    is_int(res.n, 1, "CNAME itself"))
		is_str(res.rr[0].name, "www.example.com",
		    "CNAME target not followed, lower case");
	am_dns_result_release(&res);
	look(dns, "www.example.com", AM_DNS_CNAME, AM_DNS_NODATA, &res);
	am_dns_result_release(&res);
	look(dns, "c1.example.com", AM_DNS_A, AM_DNS_OK, &res);
	am_dns_result_release(&res);
	look(dns, "d1.example.com", AM_DNS_A, AM_DNS_SERVFAIL, &res);
	am_dns_result_release(&res);
	look(dns, "loop1.example.com", AM_DNS_TXT, AM_DNS_SERVFAIL, &res);
	am_dns_result_release(&res);
	look(dns, "self.example.com", AM_DNS_A, AM_DNS_SERVFAIL, &res);
	am_dns_result_release(&res);
	look(dns, "dangling.example.com", AM_DNS_A, AM_DNS_NXDOMAIN, &res);
	am_dns_result_release(&res);
	look(dns, "alias.example.com", AM_DNS_TXT, AM_DNS_NODATA, &res);
	am_dns_result_release(&res);
	look(dns, "to-ent.example.com", AM_DNS_TXT, AM_DNS_NODATA, &res);
	am_dns_result_release(&res);
	look(dns, "to-broken.example.com", AM_DNS_A, AM_DNS_SERVFAIL, &res);
	am_dns_result_release(&res);
}

static void
test_fail(struct am_dns *dns)
{
	struct am_dns_result	 res;

	look(dns, "broken.example.com", AM_DNS_TXT, AM_DNS_SERVFAIL, &res);
	am_dns_result_release(&res);
	look(dns, "BROKEN.example.com.", AM_DNS_MX, AM_DNS_SERVFAIL, &res);
	am_dns_result_release(&res);
	look(dns, "slow.example.com", AM_DNS_A, AM_DNS_TIMEOUT, &res);
	am_dns_result_release(&res);
	look(dns, "x.slow.example.com", AM_DNS_A, AM_DNS_NXDOMAIN, &res);
	am_dns_result_release(&res);

	am_dns_zone_fail(dns, "www.example.com", AM_DNS_TIMEOUT);
	look(dns, "www.example.com", AM_DNS_A, AM_DNS_TIMEOUT, &res);
	am_dns_result_release(&res);
	look(dns, "alias.example.com", AM_DNS_A, AM_DNS_TIMEOUT, &res);
	am_dns_result_release(&res);
	am_dns_zone_fail(dns, "www.example.com.", AM_DNS_SERVFAIL);
	look(dns, "www.example.com", AM_DNS_A, AM_DNS_SERVFAIL, &res);
	am_dns_result_release(&res);
	am_dns_zone_fail(dns, "WWW.example.com", AM_DNS_OK);
	look(dns, "www.example.com", AM_DNS_A, AM_DNS_OK, &res);
	am_dns_result_release(&res);
	am_dns_zone_fail(dns, "", AM_DNS_SERVFAIL);	/* ignored */
	am_dns_zone_fail(NULL, "x", AM_DNS_SERVFAIL);	/* ignored */
	ok(1, "bad am_dns_zone_fail calls are ignored");
}

static void
test_formerr(struct am_dns *dns)
{
	struct am_dns_result	 res;
	char			 name[300];
	static const char *const bad[] = {
		"", ".", "..", "a..b", ".a", "a.b..",
	};
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		look(dns, bad[i], AM_DNS_TXT, AM_DNS_FORMERR, &res);
		ok(res.n == 0 && res.rr == NULL, "FORMERR has no records");
		am_dns_result_release(&res);
	}
	look(dns, NULL, AM_DNS_TXT, AM_DNS_FORMERR, &res);
	am_dns_result_release(&res);
	look(dns, "x.example.com", (enum am_dns_type)99, AM_DNS_FORMERR, &res);
	am_dns_result_release(&res);

	memset(name, 'a', 63);
	strcpy(name + 63, ".example.com");
	look(dns, name, AM_DNS_TXT, AM_DNS_NXDOMAIN, &res);	/* 63: fine */
	am_dns_result_release(&res);
	memset(name, 'a', 64);
	strcpy(name + 64, ".example.com");
	look(dns, name, AM_DNS_TXT, AM_DNS_FORMERR, &res);	/* 64: not */
	am_dns_result_release(&res);

	/* 4 labels of 63 + 3 dots = 255 > 253; trim to exactly 253. */
	for (i = 0; i < 4; i++) {
		memset(name + i * 64, 'b', 63);
		name[i * 64 + 63] = '.';
	}
	name[255] = '\0';
	look(dns, name, AM_DNS_TXT, AM_DNS_FORMERR, &res);
	am_dns_result_release(&res);
	name[253] = '\0';
	name[252] = 'b';
	look(dns, name, AM_DNS_TXT, AM_DNS_NXDOMAIN, &res);
	am_dns_result_release(&res);
	name[253] = '.';
	name[254] = '\0';
	look(dns, name, AM_DNS_TXT, AM_DNS_NXDOMAIN, &res);
	am_dns_result_release(&res);
}

/* write_tmp - a temporary file with the text; the path is in buf */

static int
write_tmp(char *buf, size_t size, const char *text)
{
	FILE	*fp;
	int	 fd;

	snprintf(buf, size, "/tmp/t-dns-zone.XXXXXX");
	if ((fd = mkstemp(buf)) == -1 || (fp = fdopen(fd, "w")) == NULL)
		return -1;
	fputs(text, fp);
	return fclose(fp) == 0 ? 0 : -1;
}

static void
test_files(struct am_dns *dns)
{
	struct am_dns_result	 res;
	struct am_err		 err;
	char			 path[64];

	am_err_clear(&err);
	if (!ok(write_tmp(path, sizeof(path), zone_other) == 0,
	    "temporary zone file")) {
		return;
	}
	if (!ok(am_dns_zone_load(dns, path, &err) == 0, "second file loads"))
		diag(err.msg);
	unlink(path);

	if (look(dns, "other.test", AM_DNS_TXT, AM_DNS_OK, &res) &&
	    is_int(res.n, 1, "record from file two")) {
		is_str(res.rr[0].txt, "from file two", "TXT from file two");
		is_int(res.rr[0].ttl, 3600, "$TTL applies");
	}
	am_dns_result_release(&res);
	look(dns, "www.example.com", AM_DNS_A, AM_DNS_OK, &res);
	is_int(res.n, 2, "same name in both files: records merged");
	am_dns_result_release(&res);
	look(dns, "sel._domainkey.example.com", AM_DNS_TXT, AM_DNS_OK, &res);
	am_dns_result_release(&res);

	ok(am_dns_zone_load(dns, "/nonexistent/zone", &err) == -1,
	    "missing file fails");
	is_int(err.code, AM_E_IO, "missing file is AM_E_IO");
}

static void
test_errors(void)
{
	struct am_dns		*dns, *ld;
	struct am_dns_result	 res;
	struct am_err		 err;

	dns = am_dns_zone_new();
	am_err_clear(&err);
	ok(am_dns_zone_load_string(dns,
	    "good.test. TXT \"x\"\nbad.test. A 999.1.1.1\n", &err) == -1,
	    "bad A record fails the load");
	ok(strstr(err.msg, ":2:") != NULL, "error names line 2");
	diag(err.msg);
	look(dns, "good.test", AM_DNS_TXT, AM_DNS_NXDOMAIN, &res);
	am_dns_result_release(&res);

	ok(am_dns_zone_load_string(dns,
	    "good.test. TXT \"x\"\n;@fail good.test BOGUS\n", &err) == -1,
	    "unknown @fail status fails");
	diag(err.msg);
	ok(am_dns_zone_load_string(dns, ";@fail a..b SERVFAIL\n", &err) == -1,
	    "bad @fail name fails");
	ok(am_dns_zone_load_string(dns, ";@fail a.test\n", &err) == -1,
	    "@fail without status fails");
	ok(am_dns_zone_load_string(dns, "$INCLUDE /etc/passwd\n", &err) == -1,
	    "$INCLUDE refused");
	is_int(err.code, AM_E_UNSUPPORTED, "$INCLUDE is AM_E_UNSUPPORTED");
	ok(am_dns_zone_load_string(dns, "", &err) == 0, "empty text loads");
	ok(am_dns_zone_load_string(dns, "; just a comment\n;@failure x\n",
	    &err) == 0, "comments load");
	ok(am_dns_zone_load_string(dns, "rel TXT \"r\"\n", &err) == 0,
	    "relative name without $ORIGIN is under the root");
	look(dns, "rel", AM_DNS_TXT, AM_DNS_OK, &res);
	am_dns_result_release(&res);
	look(dns, "good.test", AM_DNS_TXT, AM_DNS_NXDOMAIN, &res);
	am_dns_result_release(&res);
	am_dns_free(&dns);
	ok(dns == NULL, "am_dns_free sets the pointer to NULL");
	am_dns_free(&dns);
	am_dns_free(NULL);

	ld = am_dns_ldns_new("127.0.0.1", 100, 0, &err);
	ok(ld != NULL, "ldns resolver for a type check");
	ok(am_dns_zone_load_string(ld, "a.test. TXT \"x\"\n", &err) == -1,
	    "zone load on an ldns resolver fails");
	is_int(err.code, AM_E_USAGE, "AM_E_USAGE");
	ok(am_dns_zone_load(ld, "/dev/null", &err) == -1,
	    "zone file load on an ldns resolver fails");
	am_dns_zone_fail(ld, "a.test", AM_DNS_SERVFAIL);
	am_dns_free(&ld);
}

static void
test_count(struct am_dns *dns)
{
	struct am_dns_result	 res;
	unsigned long		 before;
	int			 i;

	before = am_dns_query_count(dns);
	for (i = 0; i < 5; i++) {
		am_dns_lookup(dns, "www.example.com", AM_DNS_A, &res);
		am_dns_result_release(&res);
	}
	am_dns_lookup(dns, "nothere.example.com", AM_DNS_A, &res);
	am_dns_result_release(&res);
	am_dns_lookup(dns, "a..b", AM_DNS_A, &res);
	am_dns_result_release(&res);
	am_dns_lookup(dns, "c1.example.com", AM_DNS_A, &res);
	am_dns_result_release(&res);
	is_int(am_dns_query_count(dns) - before, 8,
	    "every lookup counts once, CNAME chains too");
	is_int(am_dns_query_count(NULL), 0, "count of NULL is 0");
}

static void
test_names(void)
{
	is_str(am_dns_status_name(AM_DNS_OK), "OK", "name OK");
	is_str(am_dns_status_name(AM_DNS_NODATA), "NODATA", "name NODATA");
	is_str(am_dns_status_name(AM_DNS_NXDOMAIN), "NXDOMAIN",
	    "name NXDOMAIN");
	is_str(am_dns_status_name(AM_DNS_SERVFAIL), "SERVFAIL",
	    "name SERVFAIL");
	is_str(am_dns_status_name(AM_DNS_TIMEOUT), "TIMEOUT", "name TIMEOUT");
	is_str(am_dns_status_name(AM_DNS_FORMERR), "FORMERR", "name FORMERR");
	is_str(am_dns_status_name(AM_DNS_REFUSED), "REFUSED",
	    "name REFUSED (told apart from SERVFAIL)");
	is_str(am_dns_status_name((enum am_dns_status)42), "UNKNOWN",
	    "name of a bad value");
}

#define NTHREADS	4
#define NLOOKUPS	300

static void *
reader(void *arg)
{
	struct am_dns		*dns = arg;
	struct am_dns_result	 res;
	long			 good = 0;
	int			 i;

	for (i = 0; i < NLOOKUPS; i++) {
		if (am_dns_lookup(dns, "sel._domainkey.example.com",
		    AM_DNS_TXT, &res) == AM_DNS_OK && res.n == 1 &&
		    strcmp(res.rr[0].txt, "v=DKIM1; k=rsa; p=MIGfMA0G") == 0)
			good++;
		am_dns_result_release(&res);
		if (am_dns_lookup(dns, "c1.example.com", AM_DNS_A, &res) ==
		    AM_DNS_OK)
			good++;
		am_dns_result_release(&res);
	}
	return (void *)good;
}

static void
test_threads(struct am_dns *dns)
{
	pthread_t	 th[NTHREADS];
	void		*rv;
	long		 good = 0;
	unsigned long	 before = am_dns_query_count(dns);
	int		 i, started = 0;

	for (i = 0; i < NTHREADS; i++)
		if (pthread_create(&th[i], NULL, reader, dns) == 0)
			started++;
	for (i = 0; i < started; i++) {
		if (pthread_join(th[i], &rv) == 0)
			good += (long)rv;
	}
	is_int(started, NTHREADS, "reader threads started");
	is_int(good, (long)NTHREADS * NLOOKUPS * 2,
	    "concurrent lookups all answered");
	is_int(am_dns_query_count(dns) - before,
	    (unsigned long)NTHREADS * NLOOKUPS * 2,
	    "query counter exact under threads");
}

int
main(void)
{
	struct am_dns	*dns;

	dns = load_main();
	if (dns == NULL)
		return done_testing();
	test_txt(dns);
	test_addr(dns);
	test_mx(dns);
	test_absent(dns);
	test_cname(dns);
	test_fail(dns);
	test_formerr(dns);
	test_count(dns);
	test_threads(dns);
	test_files(dns);
	am_dns_free(&dns);
	test_errors();
	test_names();
	return done_testing();
}
