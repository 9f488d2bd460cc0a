#ifndef AM_DIGEST_H
#define AM_DIGEST_H

/*
 * digest - message digests through OpenSSL's EVP interface
 *
 * Usage:
 *	d = am_digest_new(AM_DIGEST_SHA256);
 *	am_digest_update(d, p, n); ...
 *	n = am_digest_final(d, out);
 *	am_digest_reset(d, AM_DIGEST_SHA256);	(next message, same context)
 *	...
 *	am_digest_free(&d);
 *
 * The EVP_MDs are fetched once per process, at the first use, and kept
 * until exit.  Thread safety: a digest belongs to one thread at a time;
 * am_digest_evp() may be called from any thread.
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
/* Starts d over with alg, reusing its EVP_MD_CTX (OpenSSL 3.0 still
 * frees and allocates the hash state inside it). */
void			 am_digest_reset(struct am_digest *,
			    enum am_digest_alg);
/* Writes the digest to out (AM_DIGEST_MAX bytes of room) and returns its
 * length.  The digest may not be updated afterwards. */
size_t			 am_digest_final(struct am_digest *, unsigned char *out);
void			 am_digest_free(struct am_digest **);

/* The process's fetched EVP_MD for alg (never NULL, never freed). */
struct evp_md_st;
const struct evp_md_st	*am_digest_evp(enum am_digest_alg);

/* The digest's EVP_MD name, for signing and verifying. */
const char		*am_digest_name(enum am_digest_alg);

/* A sink for am_canon: ctx is a struct am_digest. */
void			 am_digest_sink(void *ctx, const unsigned char *,
			    size_t);

#endif /* AM_DIGEST_H */
