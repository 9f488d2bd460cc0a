/*
 * t-keycache - the shared cache of parsed DKIM keys: hits, TTL,
 * bounds, references, threads, and its use by the verifier
 */

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "dkim_key.h"
#include "dns.h"
#include "keycache.h"
#include "tap.h"
#include "testutil.h"

static const char ed_rec[] =
    "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

static void
parse(struct am_dkim_key *k)
{
	memset(k, 0, sizeof(*k));
	(void)am_dkim_key_parse(ed_rec, strlen(ed_rec), k, NULL);
}

static void
test_basics(void)
{
	struct am_keycache	*c = am_keycache_new(2, 3600);
	struct am_dkim_key	 k, got;
	char			 name[32];

	parse(&k);
	ok(!am_keycache_get(c, "a", 100, &got), "empty cache: miss");
	am_keycache_put(c, "a", &k, 300, 100);
	ok(am_keycache_get(c, "a", 399, &got) && got.pkey != NULL &&
	    got.type == AM_DKIM_KEY_ED25519, "hit within the TTL");
	am_dkim_key_release(&got);
	ok(!am_keycache_get(c, "a", 400, &got), "miss once the TTL is over");
	am_keycache_put(c, "b", &k, 0, 100);
	ok(!am_keycache_get(c, "b", 100, &got), "TTL 0: not stored");
	am_keycache_put(c, "b", &k, 999999, 100);
	ok(am_keycache_get(c, "b", 100 + 3599, &got), "long TTL: capped ...");
	am_dkim_key_release(&got);
	ok(!am_keycache_get(c, "b", 100 + 3600, &got), "... at max_ttl");
	am_keycache_put(c, "a", &k, 50, 1000);
	am_keycache_put(c, "b", &k, 500, 1000);
	am_keycache_put(c, "c", &k, 500, 1000);
	is_int(am_keycache_count(c), 2, "bounded at max entries");
	ok(!am_keycache_get(c, "a", 1001, &got) &&
	    am_keycache_get(c, "c", 1001, &got),
	    "when full, the entry expiring first is replaced");
	am_dkim_key_release(&got);
	ok(am_keycache_get(c, "b", 1001, &got), "others stay");
	am_keycache_free(&c);
	ok(c == NULL && got.pkey != NULL && EVP_PKEY_get_bits(got.pkey) > 0,
	    "a key taken out outlives the cache (own reference)");
	am_dkim_key_release(&got);
	c = am_keycache_new(100, 3600);
	for (int i = 0; i < 500; i++) {
		snprintf(name, sizeof(name), "k%d", i);
		am_keycache_put(c, name, &k, 100 + (uint32_t)i, 0);
	}
	is_int(am_keycache_count(c), 100, "500 puts into 100 slots: 100");
	am_keycache_free(&c);
	am_dkim_key_release(&k);
}

struct worker {
	struct am_keycache	*c;
	int			 hits;
};

static void *
work(void *arg)
{
	struct worker		*w = arg;
	struct am_dkim_key	 k, got;
	char			 name[32];
	int			 i;

	parse(&k);
	for (i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "n%d", i % 50);
		if (am_keycache_get(w->c, name, 10, &got)) {
			w->hits++;
			am_dkim_key_release(&got);
		} else
			am_keycache_put(w->c, name, &k, 300, 10);
	}
	am_dkim_key_release(&k);
	return NULL;
}

static void
test_threads(void)
{
	struct worker	 w[4];
	pthread_t	 t[4];
	int		 i, hits = 0;

	w[0].c = am_keycache_new(32, 3600);
	for (i = 0; i < 4; i++) {
		w[i].c = w[0].c;
		w[i].hits = 0;
		pthread_create(&t[i], NULL, work, &w[i]);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		hits += w[i].hits;
	}
	ok(hits > 0 && am_keycache_count(w[0].c) == 32,
	    "4 threads sharing one cache: hits, bounded, no crash");
	am_keycache_free(&w[0].c);
}

static void
test_verifier(void)
{
	struct am_dkim_verify_opts	 o;
	struct am_keycache		*c = am_keycache_new(16, 3600);
	struct am_dkim_verifier		*v;
	struct am_dns			*dns = am_dns_zone_new();
	char				*a3;
	unsigned long			 q0;
	int				 round, pass;

	a3 = tu_slurp(tu_path("t/vectors/rfc8463-appendix-A/A3-signed.eml"),
	    NULL);
	(void)am_dns_zone_load(dns,
	    tu_path("t/vectors/rfc8463-appendix-A/A2-dns.ttl.zone"), NULL);
	memset(&o, 0, sizeof(o));
	o.now = 1528637909 + 10;
	o.keycache = c;
	for (round = 0; round < 2 && a3 != NULL; round++) {
		q0 = am_dns_query_count(dns);
		v = am_dkim_verifier_new(&o, dns, NULL);
		(void)tu_feed(a3, strlen(a3), 4096, &tu_verify_cb, v);
		am_dkim_verifier_eom(v);
		pass = am_dkim_verifier_count(v) == 2 &&
		    am_dkim_verifier_result(v, 0)->verdict == AM_DKIM_PASS &&
		    am_dkim_verifier_result(v, 1)->verdict == AM_DKIM_PASS;
		if (round == 0)
			ok(pass && am_dns_query_count(dns) - q0 == 2,
			    "first message: two key queries, both pass");
		else
			ok(pass && am_dns_query_count(dns) == q0,
			    "second message: keys from the cache, no query, "
			    "both pass");
		am_dkim_verifier_free(&v);
	}
	/* Failures are not cached. */
	am_dns_free(&dns);
	dns = am_dns_zone_new();
	am_keycache_free(&c);
	c = am_keycache_new(16, 3600);
	o.keycache = c;
	v = am_dkim_verifier_new(&o, dns, NULL);
	(void)tu_feed(a3, strlen(a3), 4096, &tu_verify_cb, v);
	am_dkim_verifier_eom(v);
	ok(am_dkim_verifier_result(v, 0)->verdict == AM_DKIM_PERMERROR &&
	    am_keycache_count(c) == 0, "a missing key is not cached");
	am_dkim_verifier_free(&v);
	free(a3);
	am_dns_free(&dns);
	am_keycache_free(&c);
}

int
main(void)
{
	test_basics();
	test_threads();
	test_verifier();
	return done_testing();
}
