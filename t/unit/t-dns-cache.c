/*
 * t-dns-cache - the shared DNS answer cache: hits, what is kept and for
 * how long, copies, bounds
 */

#include <stdio.h>
#include <stdlib.h>
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

/* Failures are kept for fail_ttl seconds, then asked again. */

static void
test_failures(void)
{
	struct am_dns		*dns = am_dns_zone_new();
	struct am_dns_result	 r;
	unsigned long		 q0;

	am_dns_cache_enable(dns, 1 << 20, 3600, 60, 1);
	am_dns_zone_fail(dns, "broken.example.org", AM_DNS_SERVFAIL);
	am_dns_zone_fail(dns, "silent.example.org", AM_DNS_TIMEOUT);
	(void)ask(dns, "broken.example.org", AM_DNS_TXT, &r);
	(void)ask(dns, "silent.example.org", AM_DNS_TXT, &r);
	(void)ask(dns, "broken.example.org", AM_DNS_TXT, &r);
	is_int(r.status, AM_DNS_SERVFAIL, "a kept SERVFAIL is still SERVFAIL");
	(void)ask(dns, "silent.example.org", AM_DNS_TXT, &r);
	is_int(r.status, AM_DNS_TIMEOUT, "a kept TIMEOUT is still TIMEOUT");
	is_int(am_dns_cache_hit_count(dns), 2,
	    "failures are kept for fail_ttl: answered from the cache");
	(void)ask(dns, "broken.example.org", AM_DNS_A, &r);
	is_int(am_dns_cache_hit_count(dns), 2, "per type");
	am_dns_zone_fail(dns, "broken.example.org", AM_DNS_OK);
	q0 = am_dns_cache_hit_count(dns);
	usleep(1200 * 1000);
	(void)ask(dns, "broken.example.org", AM_DNS_TXT, &r);
	ok(r.status != AM_DNS_SERVFAIL && am_dns_cache_hit_count(dns) == q0,
	    "after fail_ttl (1 s) the name is asked again");
	am_dns_result_release(&r);
	am_dns_free(&dns);
}

/*
 * The bound is in bytes: many answers of 250 bytes of text fill a
 * 16 KiB cache, which stays under 16 KiB, drops the least recently
 * used first and never keeps one answer over 2 KiB (an eighth).
 */

#define NBIG	200

static void
test_bytes(void)
{
	struct am_dns		*dns = am_dns_zone_new();
	struct am_dns_result	 r;
	struct am_err		 err;
	char			*ztext, name[64], text[251];
	size_t			 i, off = 0, most = 0, size;
	unsigned long		 h0;

	ztext = malloc(NBIG * 400 + 4096);
	memset(text, 'x', 250);
	text[250] = '\0';
	off += (size_t)sprintf(ztext, "$TTL 300\n$ORIGIN big.example.\n");
	for (i = 0; i < NBIG; i++)
		off += (size_t)sprintf(ztext + off, "n%zu IN TXT \"%s\"\n", i,
		    text);
	off += (size_t)sprintf(ztext + off, "huge IN TXT");
	for (i = 0; i < 12; i++)
		off += (size_t)sprintf(ztext + off, " \"%s\"", text);
	(void)sprintf(ztext + off, "\n");
	ok(am_dns_zone_load_string(dns, ztext, &err) == 0, "big zone loads");
	free(ztext);

	am_dns_cache_enable(dns, 16384, 3600, 60, 5);
	for (i = 0; i < NBIG; i++) {
		(void)snprintf(name, sizeof(name), "n%zu.big.example", i);
		(void)ask(dns, name, AM_DNS_TXT, &r);
		am_dns_result_release(&r);
		if ((size = am_dns_cache_size(dns)) > most)
			most = size;
	}
	ok(most > 8192 && most <= 16384, "cache filled, never over its bound");
	(void)snprintf(name, sizeof(name), "largest size seen: %zu bytes",
	    most);
	diag(name);
	h0 = am_dns_cache_hit_count(dns);
	(void)ask(dns, "n199.big.example", AM_DNS_TXT, &r);
	am_dns_result_release(&r);
	is_int(am_dns_cache_hit_count(dns), h0 + 1, "the newest is kept");
	(void)ask(dns, "n0.big.example", AM_DNS_TXT, &r);
	am_dns_result_release(&r);
	is_int(am_dns_cache_hit_count(dns), h0 + 1, "the oldest went first");
	size = am_dns_cache_size(dns);
	(void)ask(dns, "huge.big.example", AM_DNS_TXT, &r);
	ok(r.status == AM_DNS_OK && r.rr[0].txt_len == 3000, "3000-byte TXT");
	am_dns_result_release(&r);
	(void)ask(dns, "huge.big.example", AM_DNS_TXT, &r);
	am_dns_result_release(&r);
	is_int(am_dns_cache_hit_count(dns), h0 + 1,
	    "an answer over an eighth of the bound is not kept");
	ok(am_dns_cache_size(dns) <= 16384 && am_dns_cache_size(dns) >= size -
	    1024, "and does not empty the cache");
	am_dns_free(&dns);
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

	am_dns_cache_enable(dns, 1 << 20, 3600, 60, 0);
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
	    "SERVFAIL is not kept with fail_ttl 0");
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

	test_failures();
	test_bytes();
	return done_testing();
}
