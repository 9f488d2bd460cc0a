#ifndef AM_KEYCACHE_H
#define AM_KEYCACHE_H

/*
 * keycache - parsed DKIM public keys, shared between messages
 *
 * Decoding a key record costs more than verifying the signature
 * (d2i_PUBKEY of an RSA key is about 100 microseconds in OpenSSL 3.0,
 * the RSA-2048 verify about 20), and a busy MX sees the same few keys
 * all day.  The cache keeps parsed keys by query name for the record's
 * TTL (capped), so a repeat costs a lookup and a reference count.  Only
 * successfully parsed records are kept: failures are asked again.
 *
 * Bounded: at most max entries; when full, the entry that expires first
 * is replaced.  Thread safe: one mutex; the milter shares one cache per
 * configuration snapshot.
 */

#include <stddef.h>
#include <stdint.h>

#include "dkim_key.h"

struct am_keycache;

struct am_keycache	*am_keycache_new(size_t max, uint32_t max_ttl);
/* On a hit, fills *out with a copy holding its own EVP_PKEY reference
 * (release it with am_dkim_key_release) and returns 1; else 0. */
int			 am_keycache_get(struct am_keycache *, const char *name,
			    uint64_t now, struct am_dkim_key *out);
/* Stores a copy of key (taking a new EVP_PKEY reference). */
void			 am_keycache_put(struct am_keycache *, const char *name,
			    const struct am_dkim_key *, uint32_t ttl,
			    uint64_t now);
size_t			 am_keycache_count(struct am_keycache *);
void			 am_keycache_free(struct am_keycache **);

#endif /* AM_KEYCACHE_H */
