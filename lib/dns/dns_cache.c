/*
 * dns_cache - a small shared cache of DNS answers, for the daemon
 *
 * Direct-mapped: a name and type hash to one slot, and a newer answer
 * simply replaces whatever the slot held.  So the cache is bounded,
 * every operation is O(1), and there is no eviction policy to get
 * wrong.  Positive answers live for the smallest TTL of their records
 * (capped); NXDOMAIN and NODATA for a short fixed time; failures
 * (SERVFAIL, TIMEOUT, FORMERR) are never kept.
 */

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "dns_impl.h"
#include "mem.h"

struct am_dns_cache_slot {
	char			*name;		/* NULL: empty */
	enum am_dns_type	 type;
	uint64_t		 expires;	/* monotonic ms */
	struct am_dns_result	 res;
};

struct am_dns_cache {
	pthread_mutex_t		 lock;
	struct am_dns_cache_slot *slot;
	size_t			 nslots;
	uint32_t		 max_ttl;
	uint32_t		 neg_ttl;
	unsigned long		 hits;
};

static size_t
am_dns_cache_index(const struct am_dns_cache *c, const char *name,
    enum am_dns_type type)
{
	uint64_t	 h = 1469598103934665603ULL;	/* FNV-1a */

	for (; *name != '\0'; name++)
		h = (h ^ (unsigned char)*name) * 1099511628211ULL;
	h = (h ^ (unsigned)type) * 1099511628211ULL;
	return (size_t)(h % c->nslots);
}

/* Deep copy of the records of src into dst (dst->status set too). */

static void
am_dns_result_copy(struct am_dns_result *dst, const struct am_dns_result *src)
{
	size_t	 i;

	dst->status = src->status;
	dst->n = src->n;
	dst->rr = NULL;
	if (src->n == 0)
		return;
	dst->rr = am_calloc(src->n, sizeof(*dst->rr));
	for (i = 0; i < src->n; i++) {
		dst->rr[i] = src->rr[i];
		if (src->rr[i].txt != NULL) {
			dst->rr[i].txt = am_malloc(src->rr[i].txt_len + 1);
			memcpy(dst->rr[i].txt, src->rr[i].txt,
			    src->rr[i].txt_len + 1);
		}
		if (src->rr[i].name != NULL)
			dst->rr[i].name = am_strdup(src->rr[i].name);
	}
}

static void
am_dns_cache_slot_clear(struct am_dns_cache_slot *s)
{
	free(s->name);
	s->name = NULL;
	am_dns_result_release(&s->res);
}

struct am_dns_cache *
am_dns_cache_new(size_t nslots, uint32_t max_ttl, uint32_t neg_ttl)
{
	struct am_dns_cache	*c = am_calloc(1, sizeof(*c));

	(void)pthread_mutex_init(&c->lock, NULL);
	c->nslots = nslots > 0 ? nslots : 1;
	c->slot = am_calloc(c->nslots, sizeof(*c->slot));
	c->max_ttl = max_ttl;
	c->neg_ttl = neg_ttl;
	return c;
}

int
am_dns_cache_get(struct am_dns_cache *c, const char *name,
    enum am_dns_type type, struct am_dns_result *res)
{
	struct am_dns_cache_slot	*s;
	uint64_t			 now = am_clock_ms(NULL, NULL);
	int				 hit = 0;

	(void)pthread_mutex_lock(&c->lock);
	s = &c->slot[am_dns_cache_index(c, name, type)];
	if (s->name != NULL && s->type == type && s->expires > now &&
	    strcmp(s->name, name) == 0) {
		am_dns_result_copy(res, &s->res);
		c->hits++;
		hit = 1;
	}
	(void)pthread_mutex_unlock(&c->lock);
	return hit;
}

/* How long an answer may be kept, in seconds; 0: not at all. */

static uint32_t
am_dns_cache_ttl(const struct am_dns_cache *c, const struct am_dns_result *r)
{
	uint32_t	 ttl = c->max_ttl;
	size_t		 i;

	switch (r->status) {
	case AM_DNS_OK:
		for (i = 0; i < r->n; i++)
			if (r->rr[i].ttl < ttl)
				ttl = r->rr[i].ttl;
		return ttl;
	case AM_DNS_NXDOMAIN:
	case AM_DNS_NODATA:
		return c->neg_ttl < ttl ? c->neg_ttl : ttl;
	default:
		return 0;
	}
}

void
am_dns_cache_put(struct am_dns_cache *c, const char *name,
    enum am_dns_type type, const struct am_dns_result *res)
{
	struct am_dns_cache_slot	*s;
	uint32_t			 ttl = am_dns_cache_ttl(c, res);

	if (ttl == 0)
		return;
	(void)pthread_mutex_lock(&c->lock);
	s = &c->slot[am_dns_cache_index(c, name, type)];
	am_dns_cache_slot_clear(s);
	s->name = am_strdup(name);
	s->type = type;
	s->expires = am_clock_ms(NULL, NULL) + (uint64_t)ttl * 1000;
	am_dns_result_copy(&s->res, res);
	(void)pthread_mutex_unlock(&c->lock);
}

unsigned long
am_dns_cache_hits(struct am_dns_cache *c)
{
	unsigned long	 n;

	(void)pthread_mutex_lock(&c->lock);
	n = c->hits;
	(void)pthread_mutex_unlock(&c->lock);
	return n;
}

void
am_dns_cache_free(struct am_dns_cache **cp)
{
	struct am_dns_cache	*c = *cp;
	size_t			 i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nslots; i++)
		am_dns_cache_slot_clear(&c->slot[i]);
	free(c->slot);
	(void)pthread_mutex_destroy(&c->lock);
	free(c);
	*cp = NULL;
}
