/*
 * t-dns-cache - the shared DNS answer cache: hits, what is kept and for
 * how long, copies, bounds
 */

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dns.h"
#include "tap.h"

static const char zone[] =
    "$TTL 300\n"
    "$ORIGIN example.org.\n"
    "@ IN TXT \"v=spf1\" \" -all\"\n"
    "short 1 IN TXT \"brief\"\n"
    "zero 0 IN TXT \"never kept\"\n"
    "mx IN MX 10 mail.example.org.\n"
    "a IN A 192.0.2.1\n";

static enum am_dns_status
ask(struct am_dns *dns, const char *name, enum am_dns_type type,
    struct am_dns_result *res)
{
	return am_dns_lookup(dns, name, type, res);
}

int
main(void)
{
	struct am_dns		*dns = am_dns_zone_new();
	struct am_dns_result	 r1, r2;
	struct am_err		 err;

	ok(am_dns_zone_load_string(dns, zone, &err) == 0, "zone loads");
	is_int(am_dns_cache_hit_count(dns), 0, "no cache: no hits");
	(void)ask(dns, "example.org", AM_DNS_TXT, &r1);
	am_dns_result_release(&r1);
	(void)ask(dns, "example.org", AM_DNS_TXT, &r1);
	am_dns_result_release(&r1);
	is_int(am_dns_cache_hit_count(dns), 0, "off by default");

	am_dns_cache_enable(dns, 64, 3600, 60);
	(void)ask(dns, "example.org", AM_DNS_TXT, &r1);
	(void)ask(dns, "EXAMPLE.org.", AM_DNS_TXT, &r2);
	is_int(am_dns_cache_hit_count(dns), 1,
	    "second lookup (other case, trailing dot) is a hit");
	ok(r2.status == AM_DNS_OK && r2.n == 1 && r2.rr[0].txt_len == 11 &&
	    memcmp(r2.rr[0].txt, "v=spf1 -all", 11) == 0,
	    "the hit carries the joined TXT record");
	am_dns_result_release(&r1);
	ok(r2.rr != NULL && memcmp(r2.rr[0].txt, "v=spf1 -all", 11) == 0,
	    "a hit is a copy: releasing the first answer leaves it intact");
	am_dns_result_release(&r2);
	(void)ask(dns, "example.org", AM_DNS_MX, &r1);
	is_int(r1.status, AM_DNS_NODATA, "other type: its own answer");
	am_dns_result_release(&r1);
	(void)ask(dns, "mx.example.org", AM_DNS_MX, &r1);
	(void)ask(dns, "mx.example.org", AM_DNS_MX, &r2);
	ok(r2.status == AM_DNS_OK && r2.n == 1 && r2.rr[0].pref == 10 &&
	    strcmp(r2.rr[0].name, "mail.example.org") == 0,
	    "MX hit keeps preference and name");
	am_dns_result_release(&r1);
	am_dns_result_release(&r2);

	(void)ask(dns, "nope.example.org", AM_DNS_A, &r1);
	(void)ask(dns, "nope.example.org", AM_DNS_A, &r2);
	is_int(r2.status, AM_DNS_NXDOMAIN, "NXDOMAIN is kept ...");
	is_int(am_dns_cache_hit_count(dns), 3, "... and answered from the cache");
	am_dns_result_release(&r1);
	am_dns_result_release(&r2);

	am_dns_zone_fail(dns, "broken.example.org", AM_DNS_SERVFAIL);
	(void)ask(dns, "broken.example.org", AM_DNS_TXT, &r1);
	(void)ask(dns, "broken.example.org", AM_DNS_TXT, &r2);
	ok(r2.status == AM_DNS_SERVFAIL && am_dns_cache_hit_count(dns) == 3,
	    "SERVFAIL is never kept");
	(void)ask(dns, "zero.example.org", AM_DNS_TXT, &r1);
	(void)ask(dns, "zero.example.org", AM_DNS_TXT, &r2);
	ok(r2.status == AM_DNS_OK && am_dns_cache_hit_count(dns) == 3,
	    "TTL 0 is never kept");
	am_dns_result_release(&r1);
	am_dns_result_release(&r2);
	(void)ask(dns, "short.example.org", AM_DNS_TXT, &r1);
	am_dns_result_release(&r1);
	usleep(1200 * 1000);
	(void)ask(dns, "short.example.org", AM_DNS_TXT, &r1);
	ok(r1.status == AM_DNS_OK && am_dns_cache_hit_count(dns) == 3,
	    "a 1-second TTL has run out after 1.2 s: asked again");
	am_dns_result_release(&r1);
	am_dns_free(&dns);

	/* One slot: two names take turns and never hit; bounded. */
	dns = am_dns_zone_new();
	(void)am_dns_zone_load_string(dns, zone, &err);
	am_dns_cache_enable(dns, 1, 3600, 60);
	for (int i = 0; i < 4; i++) {
		(void)ask(dns, "example.org", AM_DNS_TXT, &r1);
		am_dns_result_release(&r1);
		(void)ask(dns, "a.example.org", AM_DNS_A, &r1);
		am_dns_result_release(&r1);
	}
	is_int(am_dns_cache_hit_count(dns), 0,
	    "one slot: alternating names replace each other");
	is_int(am_dns_query_count(dns), 8, "every lookup still counted");
	am_dns_free(&dns);
	return done_testing();
}
