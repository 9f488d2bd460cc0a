/*
 * digest - message digests through OpenSSL's EVP interface
 *
 * The EVP_MDs are fetched from the default provider once per process
 * (pthread_once) and kept: EVP_sha256() would make every
 * EVP_DigestInit_ex do an implicit fetch, a locked name lookup that
 * costs as much as hashing a few hundred bytes.  A digest's
 * EVP_MD_CTX lives as long as the digest: am_digest_reset() starts it
 * over for the next message instead of freeing and allocating it, by
 * copying a context started once per process (am_digest_fresh), which
 * OpenSSL 3.0 does in about 37 ns against 47 for EVP_DigestInit_ex2:
 * both free and allocate the provider's 112-byte hash state, but the
 * copy skips the init's lookups.  The fresh contexts are only ever
 * read (EVP_MD_CTX_copy_ex takes a const source), so every thread
 * copies from them at once.
 */

#include <pthread.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "digest.h"
#include "mem.h"

struct am_digest {
	EVP_MD_CTX	*ctx;
};

static const EVP_MD	*am_digest_mds[2];	/* by enum am_digest_alg */
static EVP_MD_CTX	*am_digest_fresh[2];	/* started, never updated */
static pthread_once_t	 am_digest_once = PTHREAD_ONCE_INIT;

/* am_digest_start - a context started with md, or NULL */

static EVP_MD_CTX *
am_digest_start(const EVP_MD *md)
{
	EVP_MD_CTX	*ctx = EVP_MD_CTX_new();

	if (ctx != NULL && EVP_DigestInit_ex2(ctx, md, NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		ctx = NULL;
	}
	return ctx;
}

static void
am_digest_fetch(void)
{
	EVP_MD	*md;
	int	 i;

	/* Never freed: they live as long as the process. */
	md = EVP_MD_fetch(NULL, "SHA256", NULL);
	am_digest_mds[AM_DIGEST_SHA256] = md != NULL ? md : EVP_sha256();
	md = EVP_MD_fetch(NULL, "SHA1", NULL);
	am_digest_mds[AM_DIGEST_SHA1] = md != NULL ? md : EVP_sha1();
	for (i = 0; i < 2; i++)
		am_digest_fresh[i] = am_digest_start(am_digest_mds[i]);
}

/* am_digest_ix - alg as an index of the tables, the once run */

static int
am_digest_ix(enum am_digest_alg alg)
{
	(void)pthread_once(&am_digest_once, am_digest_fetch);
	return alg == AM_DIGEST_SHA1 ? AM_DIGEST_SHA1 : AM_DIGEST_SHA256;
}

const EVP_MD *
am_digest_evp(enum am_digest_alg alg)
{
	return am_digest_mds[am_digest_ix(alg)];
}

struct am_digest *
am_digest_new(enum am_digest_alg alg)
{
	struct am_digest	*d = am_malloc(sizeof(*d));

	if ((d->ctx = EVP_MD_CTX_new()) == NULL)
		am_oom(sizeof(EVP_MD_CTX *));
	am_digest_reset(d, alg);
	return d;
}

void
am_digest_reset(struct am_digest *d, enum am_digest_alg alg)
{
	int	 i = am_digest_ix(alg);

	if (am_digest_fresh[i] != NULL &&
	    EVP_MD_CTX_copy_ex(d->ctx, am_digest_fresh[i]) == 1)
		return;
	if (EVP_DigestInit_ex2(d->ctx, am_digest_mds[i], NULL) != 1) {
		/* Only an allocation failure gets here. */
		am_oom(sizeof(EVP_MD_CTX *));
	}
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
