#ifndef AM_DIGEST_H
#define AM_DIGEST_H

/*
 * digest - message digests through OpenSSL's EVP interface
 *
 * Usage:
 *	d = am_digest_new(AM_DIGEST_SHA256);
 *	am_digest_update(d, p, n); ...
 *	n = am_digest_final(d, out);
 *	am_digest_free(&d);
 */

#include <stddef.h>

#define AM_DIGEST_MAX	64

enum am_digest_alg {
	AM_DIGEST_SHA256,
	AM_DIGEST_SHA1
};

struct am_digest;

struct am_digest	*am_digest_new(enum am_digest_alg);
void			 am_digest_update(struct am_digest *, const void *,
			    size_t);
/* Writes the digest to out (AM_DIGEST_MAX bytes of room) and returns its
 * length.  The digest may not be updated afterwards. */
size_t			 am_digest_final(struct am_digest *, unsigned char *out);
void			 am_digest_free(struct am_digest **);

/* The digest's EVP_MD name, for signing and verifying. */
const char		*am_digest_name(enum am_digest_alg);

/* A sink for am_canon: ctx is a struct am_digest. */
void			 am_digest_sink(void *ctx, const unsigned char *,
			    size_t);

#endif /* AM_DIGEST_H */
