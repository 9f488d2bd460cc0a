/*
 * dns_cache - the shared cache of DNS answers, for the daemon
 *
 * Bounded in bytes, not in entries: a hostile zone can make answers of
 * up to 64 KB (over TCP), so a count of entries bounds nothing.  Each
 * entry is charged what it holds (the name, the records, their text
 * and names, and the bookkeeping); when a new answer would pass the
 * bound, the least recently used entries go first.  One answer larger
 * than an eighth of the bound is never kept.
 *
 * Positive answers live for the smallest TTL of their records (capped
 * at max_ttl); NXDOMAIN and NODATA for neg_ttl; failures (SERVFAIL, REFUSED,
 * TIMEOUT, FORMERR) for fail_ttl, so that a burst of messages naming
 * one broken name waits for it once, not once per message.
 *
 * A hash table of chains finds entries; a doubly linked list orders
 * them by use.  One mutex; every operation is O(1) but the evictions
 * a put causes.
 */

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "dns_impl.h"
#include "mem.h"

struct am_dns_cache_ent {
	struct am_dns_cache_ent	*hnext;		/* hash chain */
	struct am_dns_cache_ent	*prev, *next;	/* use order, newest first */
	char			*name;
	enum am_dns_type	 type;
	uint64_t		 expires;	/* monotonic ms */
	size_t			 bytes;		/* charged to the bound */
	struct am_dns_result	 res;
};

struct am_dns_cache {
	pthread_mutex_t		 lock;
	struct am_dns_cache_ent	**bucket;
	size_t			 nbuckets;	/* a power of two */
	struct am_dns_cache_ent	*head, *tail;
	size_t			 bytes, max_bytes;
	uint32_t		 max_ttl, neg_ttl, fail_ttl;
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
	return (size_t)(h & (c->nbuckets - 1));
}

/* What an entry costs: everything it allocates, and itself. */

static size_t
am_dns_cache_cost(const char *name, const struct am_dns_result *r)
{
	size_t	 n, i;

	n = sizeof(struct am_dns_cache_ent) + strlen(name) + 1 +
	    r->n * sizeof(*r->rr);
	for (i = 0; i < r->n; i++) {
		if (r->rr[i].txt != NULL)
			n += r->rr[i].txt_len + 1;
		if (r->rr[i].name != NULL)
			n += strlen(r->rr[i].name) + 1;
	}
	return n;
}

/* am_dns_cache_drop - take e out of the table and the list, free it */

static void
am_dns_cache_drop(struct am_dns_cache *c, struct am_dns_cache_ent *e)
{
	struct am_dns_cache_ent	**pp;

	pp = &c->bucket[am_dns_cache_index(c, e->name, e->type)];
	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	c->bytes -= e->bytes;
	free(e->name);
	am_dns_result_release(&e->res);
	free(e);
}

static struct am_dns_cache_ent *
am_dns_cache_find(struct am_dns_cache *c, const char *name,
    enum am_dns_type type)
{
	struct am_dns_cache_ent	*e;

	for (e = c->bucket[am_dns_cache_index(c, name, type)]; e != NULL;
	    e = e->hnext)
		if (e->type == type && strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

/* Moves e to the front of the use order (it is linked). */

static void
am_dns_cache_touch(struct am_dns_cache *c, struct am_dns_cache_ent *e)
{
	if (c->head == e)
		return;
	e->prev->next = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	e->prev = NULL;
	e->next = c->head;
	c->head->prev = e;
	c->head = e;
}

struct am_dns_cache *
am_dns_cache_new(size_t max_bytes, uint32_t max_ttl, uint32_t neg_ttl,
    uint32_t fail_ttl)
{
	struct am_dns_cache	*c = am_calloc(1, sizeof(*c));

	(void)pthread_mutex_init(&c->lock, NULL);
	/* About one chain per 512 bytes of bound, 16 to 65536 chains. */
	for (c->nbuckets = 16; c->nbuckets < 65536 &&
	    c->nbuckets * 512 < max_bytes; c->nbuckets *= 2)
		;
	c->bucket = am_calloc(c->nbuckets, sizeof(*c->bucket));
	c->max_bytes = max_bytes;
	c->max_ttl = max_ttl;
	c->neg_ttl = neg_ttl;
	c->fail_ttl = fail_ttl;
	return c;
}

int
am_dns_cache_get(struct am_dns_cache *c, const char *name,
    enum am_dns_type type, struct am_dns_result *res)
{
	struct am_dns_cache_ent	*e;
	uint64_t		 now = am_clock_ms(NULL, NULL);
	int			 hit = 0;

	(void)pthread_mutex_lock(&c->lock);
	if ((e = am_dns_cache_find(c, name, type)) != NULL) {
		if (e->expires <= now)
			am_dns_cache_drop(c, e);
		else {
			am_dns_result_copy(res, &e->res);
			am_dns_cache_touch(c, e);
			c->hits++;
			hit = 1;
		}
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
		return c->fail_ttl < ttl ? c->fail_ttl : ttl;
	}
}

void
am_dns_cache_put(struct am_dns_cache *c, const char *name,
    enum am_dns_type type, const struct am_dns_result *res)
{
	struct am_dns_cache_ent	*e;
	uint32_t		 ttl = am_dns_cache_ttl(c, res);
	size_t			 cost = am_dns_cache_cost(name, res);

	(void)pthread_mutex_lock(&c->lock);
	if ((e = am_dns_cache_find(c, name, type)) != NULL)
		am_dns_cache_drop(c, e);	/* the newer answer counts */
	if (ttl == 0 || cost > c->max_bytes / 8) {
		(void)pthread_mutex_unlock(&c->lock);
		return;
	}
	while (c->tail != NULL && c->bytes + cost > c->max_bytes)
		am_dns_cache_drop(c, c->tail);
	e = am_calloc(1, sizeof(*e));
	e->name = am_strdup(name);
	e->type = type;
	e->expires = am_clock_ms(NULL, NULL) + (uint64_t)ttl * 1000;
	e->bytes = cost;
	am_dns_result_copy(&e->res, res);
	e->hnext = c->bucket[am_dns_cache_index(c, name, type)];
	c->bucket[am_dns_cache_index(c, name, type)] = e;
	e->next = c->head;
	if (c->head != NULL)
		c->head->prev = e;
	c->head = e;
	if (c->tail == NULL)
		c->tail = e;
	c->bytes += cost;
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

size_t
am_dns_cache_bytes(struct am_dns_cache *c)
{
	size_t	 n;

	(void)pthread_mutex_lock(&c->lock);
	n = c->bytes;
	(void)pthread_mutex_unlock(&c->lock);
	return n;
}

void
am_dns_cache_free(struct am_dns_cache **cp)
{
	struct am_dns_cache	*c = *cp;

	if (c == NULL)
		return;
	while (c->tail != NULL)
		am_dns_cache_drop(c, c->tail);
	free(c->bucket);
	(void)pthread_mutex_destroy(&c->lock);
	free(c);
	*cp = NULL;
}
