/*
 * bodyhash - the body hashes one message needs, computed in one pass
 *
 * Sets are pooled: am_bodyhash_free() keeps up to AM_BODYHASH_POOL
 * sets, with their canonicalizers and digest contexts, for the next
 * am_bodyhash_new(), which then allocates nothing (am_canon_reset,
 * am_digest_reset).  The pool is process-wide, behind one mutex, so
 * the milter's thread-per-connection model reuses sets across
 * connections.  It holds at most AM_BODYHASH_POOL sets; each keeps
 * only the hashers its busiest message needed.
 */

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "bodyhash.h"
#include "mem.h"

#define AM_BODYHASH_POOL	32	/* sets kept for reuse */

struct am_bodyhasher {
	enum am_canon_mode	 mode;
	enum am_digest_alg	 alg;
	int			 has_limit;
	uint64_t		 limit;
	uint64_t		 total;		/* canonical bytes seen */
	struct am_canon		*canon;		/* kept across reuse */
	struct am_digest	*digest;	/* kept across reuse */
	unsigned char		 out[AM_DIGEST_MAX];
	size_t			 outlen;
};

struct am_bodyhash {
	struct am_bodyhasher	 h[AM_BODYHASH_MAX];
	size_t			 n;		/* hashers in use */
	size_t			 nalloc;	/* hashers with canon, digest */
	int			 ended;
	struct am_bodyhash	*next;		/* in the pool */
};

static pthread_mutex_t	 am_bodyhash_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct am_bodyhash *am_bodyhash_pool;	/* free sets */
static size_t		 am_bodyhash_npool;

/* Canonical bytes arrive here: count them all, hash up to the limit. */

static void
am_bodyhash_sink(void *ctx, const unsigned char *p, size_t n)
{
	struct am_bodyhasher	*h = ctx;
	uint64_t		 room;

	if (h->has_limit) {
		room = h->total < h->limit ? h->limit - h->total : 0;
		am_digest_update(h->digest, p, room < n ? (size_t)room : n);
	} else
		am_digest_update(h->digest, p, n);
	h->total += n;
}

struct am_bodyhash *
am_bodyhash_new(void)
{
	struct am_bodyhash	*set;

	(void)pthread_mutex_lock(&am_bodyhash_mtx);
	if ((set = am_bodyhash_pool) != NULL) {
		am_bodyhash_pool = set->next;
		am_bodyhash_npool--;
	}
	(void)pthread_mutex_unlock(&am_bodyhash_mtx);
	if (set == NULL)
		return am_calloc(1, sizeof(struct am_bodyhash));
	set->next = NULL;
	return set;
}

int
am_bodyhash_add(struct am_bodyhash *set, enum am_canon_mode mode,
    enum am_digest_alg alg, int has_limit, uint64_t limit)
{
	struct am_bodyhasher	*h;
	size_t			 i;

	if (!has_limit)
		limit = 0;
	for (i = 0; i < set->n; i++) {
		h = &set->h[i];
		if (h->mode == mode && h->alg == alg &&
		    h->has_limit == has_limit && h->limit == limit)
			return (int)i;
	}
	if (set->n == AM_BODYHASH_MAX)
		return -1;
	h = &set->h[set->n];
	h->mode = mode;
	h->alg = alg;
	h->has_limit = has_limit;
	h->limit = limit;
	h->total = 0;
	h->outlen = 0;
	if (set->n < set->nalloc) {		/* from the pool */
		am_digest_reset(h->digest, alg);
		am_canon_reset(h->canon, mode, am_bodyhash_sink, h);
	} else {
		h->digest = am_digest_new(alg);
		h->canon = am_canon_new(mode, am_bodyhash_sink, h);
		set->nalloc++;
	}
	return (int)set->n++;
}

size_t
am_bodyhash_count(const struct am_bodyhash *set)
{
	return set->n;
}

void
am_bodyhash_feed(struct am_bodyhash *set, const void *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < set->n; i++)
		am_canon_body(set->h[i].canon, p, n);
}

void
am_bodyhash_end(struct am_bodyhash *set)
{
	struct am_bodyhasher	*h;
	size_t			 i;

	if (set->ended)
		return;
	for (i = 0; i < set->n; i++) {
		h = &set->h[i];
		am_canon_body_end(h->canon);
		h->outlen = am_digest_final(h->digest, h->out);
	}
	set->ended = 1;
}

const unsigned char *
am_bodyhash_get(const struct am_bodyhash *set, int i, size_t *len_out,
    uint64_t *total_out)
{
	const struct am_bodyhasher	*h = &set->h[i];

	*len_out = h->outlen;
	*total_out = h->total;
	return h->out;
}

static void
am_bodyhash_destroy(struct am_bodyhash *set)
{
	size_t	 i;

	for (i = 0; i < set->nalloc; i++) {
		am_canon_free(&set->h[i].canon);
		am_digest_free(&set->h[i].digest);
	}
	free(set);
}

void
am_bodyhash_free(struct am_bodyhash **setp)
{
	struct am_bodyhash	*set = *setp;
	int			 kept = 0;

	if (set == NULL)
		return;
	*setp = NULL;
	set->n = 0;
	set->ended = 0;
	(void)pthread_mutex_lock(&am_bodyhash_mtx);
	if (am_bodyhash_npool < AM_BODYHASH_POOL) {
		set->next = am_bodyhash_pool;
		am_bodyhash_pool = set;
		am_bodyhash_npool++;
		kept = 1;
	}
	(void)pthread_mutex_unlock(&am_bodyhash_mtx);
	if (!kept)
		am_bodyhash_destroy(set);
}
