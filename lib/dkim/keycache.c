/*
 * keycache - parsed DKIM public keys, shared between messages
 */

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "keycache.h"
#include "mem.h"

struct am_keycache_entry {
	char			*name;
	uint64_t		 expires;
	struct am_dkim_key	 key;
};

struct am_keycache {
	pthread_mutex_t		 lock;
	struct am_keycache_entry *e;
	size_t			 n, max;
	uint32_t		 max_ttl;
};

struct am_keycache *
am_keycache_new(size_t max, uint32_t max_ttl)
{
	struct am_keycache	*c = am_calloc(1, sizeof(*c));

	(void)pthread_mutex_init(&c->lock, NULL);
	c->max = max > 0 ? max : 1;
	c->max_ttl = max_ttl;
	c->e = am_calloc(c->max, sizeof(*c->e));
	return c;
}

static void
am_keycache_copy(struct am_dkim_key *dst, const struct am_dkim_key *src)
{
	*dst = *src;
	if (dst->pkey != NULL)
		EVP_PKEY_up_ref(dst->pkey);
}

static long
am_keycache_find(const struct am_keycache *c, const char *name)
{
	size_t	 i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->e[i].name, name) == 0)
			return (long)i;
	return -1;
}

int
am_keycache_get(struct am_keycache *c, const char *name, uint64_t now,
    struct am_dkim_key *out)
{
	long	 i;
	int	 hit = 0;

	(void)pthread_mutex_lock(&c->lock);
	i = am_keycache_find(c, name);
	if (i >= 0 && c->e[i].expires > now) {
		am_keycache_copy(out, &c->e[i].key);
		hit = 1;
	}
	(void)pthread_mutex_unlock(&c->lock);
	return hit;
}

/* The slot for a new entry: a free one, an expired one, or the entry
 * that expires first. */

static size_t
am_keycache_slot(struct am_keycache *c, uint64_t now)
{
	size_t	 i, best = 0;

	if (c->n < c->max)
		return c->n++;
	for (i = 0; i < c->n; i++) {
		if (c->e[i].expires <= now)
			return i;
		if (c->e[i].expires < c->e[best].expires)
			best = i;
	}
	return best;
}

void
am_keycache_put(struct am_keycache *c, const char *name,
    const struct am_dkim_key *key, uint32_t ttl, uint64_t now)
{
	struct am_keycache_entry	*e;
	long				 i;

	if (ttl > c->max_ttl)
		ttl = c->max_ttl;
	if (ttl == 0)
		return;
	(void)pthread_mutex_lock(&c->lock);
	i = am_keycache_find(c, name);
	e = &c->e[i >= 0 ? (size_t)i : am_keycache_slot(c, now)];
	if (e->name != NULL) {
		free(e->name);
		am_dkim_key_release(&e->key);
	}
	e->name = am_strdup(name);
	e->expires = now + ttl;
	am_keycache_copy(&e->key, key);
	(void)pthread_mutex_unlock(&c->lock);
}

size_t
am_keycache_count(struct am_keycache *c)
{
	size_t	 n;

	(void)pthread_mutex_lock(&c->lock);
	n = c->n;
	(void)pthread_mutex_unlock(&c->lock);
	return n;
}

void
am_keycache_free(struct am_keycache **cp)
{
	struct am_keycache	*c = *cp;
	size_t			 i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		free(c->e[i].name);
		am_dkim_key_release(&c->e[i].key);
	}
	free(c->e);
	(void)pthread_mutex_destroy(&c->lock);
	free(c);
	*cp = NULL;
}
