/*
 * digest - message digests through OpenSSL's EVP interface
 */

#include <stdlib.h>

#include <openssl/evp.h>

#include "digest.h"
#include "mem.h"

struct am_digest {
	EVP_MD_CTX	*ctx;
};

static const EVP_MD *
am_digest_md(enum am_digest_alg alg)
{
	return alg == AM_DIGEST_SHA1 ? EVP_sha1() : EVP_sha256();
}

struct am_digest *
am_digest_new(enum am_digest_alg alg)
{
	struct am_digest	*d = am_malloc(sizeof(*d));

	d->ctx = EVP_MD_CTX_new();
	if (d->ctx == NULL || EVP_DigestInit_ex(d->ctx, am_digest_md(alg),
	    NULL) != 1) {
		/* Only an allocation failure gets here. */
		am_oom(sizeof(EVP_MD_CTX *));
	}
	return d;
}

void
am_digest_update(struct am_digest *d, const void *p, size_t n)
{
	if (n > 0)
		(void)EVP_DigestUpdate(d->ctx, p, n);
}

size_t
am_digest_final(struct am_digest *d, unsigned char *out)
{
	unsigned int	 n = 0;

	if (EVP_DigestFinal_ex(d->ctx, out, &n) != 1)
		return 0;
	return n;
}

void
am_digest_free(struct am_digest **dp)
{
	if (*dp == NULL)
		return;
	EVP_MD_CTX_free((*dp)->ctx);
	free(*dp);
	*dp = NULL;
}

const char *
am_digest_name(enum am_digest_alg alg)
{
	return alg == AM_DIGEST_SHA1 ? "SHA1" : "SHA256";
}

void
am_digest_sink(void *ctx, const unsigned char *p, size_t n)
{
	am_digest_update(ctx, p, n);
}
