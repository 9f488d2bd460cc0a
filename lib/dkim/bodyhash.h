#ifndef AM_BODYHASH_H
#define AM_BODYHASH_H

/*
 * bodyhash - the body hashes one message needs, computed in one pass
 *
 * Signatures that share a canonicalization, a hash and a length limit
 * share one body hasher (several signatures by one signer, or several
 * on a received message), so each body byte is canonicalized and
 * hashed once per distinct (mode, alg, l=) and no more.
 *
 * Usage:
 *	set = am_bodyhash_new();
 *	i = am_bodyhash_add(set, AM_CANON_RELAXED, AM_DIGEST_SHA256, 0, 0);
 *	am_bodyhash_feed(set, p, n); ...
 *	am_bodyhash_end(set);
 *	h = am_bodyhash_get(set, i, &hlen, &total);
 *	am_bodyhash_free(&set);
 *
 * Allocation: am_bodyhash_free() returns the set, with its
 * canonicalizers and digest contexts, to a process-wide pool (at most
 * 32 sets, never freed before exit) that am_bodyhash_new() takes from,
 * so a steady stream of messages allocates nothing here.
 * Thread safety: a set belongs to one thread at a time; new and free
 * may be called from any thread (the pool has a mutex).
 */

#include <stddef.h>
#include <stdint.h>

#include "canon.h"
#include "digest.h"

#define AM_BODYHASH_MAX	16	/* distinct hashers per message */

struct am_bodyhash;

struct am_bodyhash	*am_bodyhash_new(void);
/*
 * Returns the index of the hasher for this combination, adding one if
 * needed, or -1 if AM_BODYHASH_MAX distinct ones exist already.  With
 * has_limit, only the first limit canonical bytes are hashed (l=).
 * Must be called before the first am_bodyhash_feed().
 */
int			 am_bodyhash_add(struct am_bodyhash *,
			    enum am_canon_mode, enum am_digest_alg,
			    int has_limit, uint64_t limit);
size_t			 am_bodyhash_count(const struct am_bodyhash *);
void			 am_bodyhash_feed(struct am_bodyhash *, const void *,
			    size_t);
void			 am_bodyhash_end(struct am_bodyhash *);
/*
 * After am_bodyhash_end(): the digest of hasher i, its length in
 * *len_out, and the length of the whole canonical body (not limited by
 * l=) in *total_out.  Valid until the set is freed.
 */
const unsigned char	*am_bodyhash_get(const struct am_bodyhash *, int i,
			    size_t *len_out, uint64_t *total_out);
void			 am_bodyhash_free(struct am_bodyhash **);

#endif /* AM_BODYHASH_H */
