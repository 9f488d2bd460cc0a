/*
 * pkey - private signing keys, and the signature primitives
 */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "base64.h"
#include "buf.h"
#include "digest.h"
#include "pkey.h"

#define AM_PKEY_MAXFILE	(64 * 1024)

static int
am_pkey_check(EVP_PKEY *pk, struct am_err *err)
{
	int	 bits;

	if (EVP_PKEY_is_a(pk, "ED25519"))
		return 0;
	if (!EVP_PKEY_is_a(pk, "RSA"))
		return am_err_set(err, AM_E_UNSUPPORTED,
		    "key type %s is not RSA or Ed25519",
		    EVP_PKEY_get0_type_name(pk));
	bits = EVP_PKEY_get_bits(pk);
	if (bits < 1024 || bits > 4096)
		return am_err_set(err, AM_E_CRYPTO,
		    "RSA key has %d bits; DKIM needs 1024 to 4096", bits);
	return 0;
}

int
am_pkey_load_pem(const char *pem, size_t len, EVP_PKEY **out,
    struct am_err *err)
{
	BIO		*bio;
	EVP_PKEY	*pk;

	if (len > AM_PKEY_MAXFILE)
		return am_err_set(err, AM_E_LIMIT, "key file too large");
	bio = BIO_new_mem_buf(pem, (int)len);
	if (bio == NULL)
		return am_err_set(err, AM_E_NOMEM, "out of memory");
	pk = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	ERR_clear_error();
	if (pk == NULL)
		return am_err_set(err, AM_E_CRYPTO,
		    "no PEM private key found");
	if (am_pkey_check(pk, err) == -1) {
		EVP_PKEY_free(pk);
		return -1;
	}
	*out = pk;
	return 0;
}

int
am_pkey_load_file(const char *path, EVP_PKEY **out, struct am_err *err)
{
	char	 data[AM_PKEY_MAXFILE + 1];
	FILE	*fp;
	size_t	 n;
	int	 r;

	if ((fp = fopen(path, "r")) == NULL)
		return am_err_set(err, AM_E_IO, "%s: cannot open: %m", path);
	n = fread(data, 1, sizeof(data), fp);
	fclose(fp);
	if (n > AM_PKEY_MAXFILE)
		return am_err_set(err, AM_E_LIMIT, "%s: key file too large",
		    path);
	r = am_pkey_load_pem(data, n, out, err);
	OPENSSL_cleanse(data, sizeof(data));
	if (r == -1 && err != NULL) {
		char	 msg[sizeof(err->msg)];

		(void)snprintf(msg, sizeof(msg), "%s", err->msg);
		(void)am_err_set(err, err->code, "%s: %s", path, msg);
	}
	return r;
}

/* The base id is a field; EVP_PKEY_is_a() looks the name up under a
 * lock, and this runs on every signature. */

enum am_pkey_type
am_pkey_type(const EVP_PKEY *pk)
{
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_ED25519:
		return AM_PKEY_ED25519;
	case EVP_PKEY_RSA:
		return AM_PKEY_RSA;
	}
	return EVP_PKEY_is_a(pk, "ED25519") ? AM_PKEY_ED25519 : AM_PKEY_RSA;
}

unsigned
am_pkey_bits(const EVP_PKEY *pk)
{
	return (unsigned)EVP_PKEY_get_bits(pk);
}

int
am_pkey_public_b64(const EVP_PKEY *pk, struct am_buf *out, struct am_err *err)
{
	unsigned char	*der = NULL, raw[32];
	size_t		 rawlen = sizeof(raw);
	int		 n;

	if (am_pkey_type(pk) == AM_PKEY_ED25519) {
		if (EVP_PKEY_get_raw_public_key(pk, raw, &rawlen) != 1)
			return am_err_set(err, AM_E_CRYPTO,
			    "cannot get the Ed25519 public key");
		return am_base64_encode(raw, rawlen, out);
	}
	n = i2d_PUBKEY(pk, &der);
	if (n <= 0)
		return am_err_set(err, AM_E_CRYPTO,
		    "cannot encode the RSA public key");
	(void)am_base64_encode(der, (size_t)n, out);
	OPENSSL_free(der);
	return out->err ? am_err_set(err, AM_E_LIMIT, "buffer full") : 0;
}

/* The public key bytes compared: raw for Ed25519, SPKI DER for RSA. */

static int
am_pkey_public_bytes(const EVP_PKEY *pk, struct am_buf *out)
{
	unsigned char	*der = NULL, raw[32];
	size_t		 rawlen = sizeof(raw);
	int		 n;

	if (am_pkey_type(pk) == AM_PKEY_ED25519) {
		if (EVP_PKEY_get_raw_public_key(pk, raw, &rawlen) != 1)
			return -1;
		return am_buf_append(out, raw, rawlen);
	}
	if ((n = i2d_PUBKEY(pk, &der)) <= 0)
		return -1;
	(void)am_buf_append(out, der, (size_t)n);
	OPENSSL_free(der);
	return out->err ? -1 : 0;
}

int
am_pkey_public_eq(const EVP_PKEY *a, const EVP_PKEY *b)
{
	struct am_buf	 x, y;
	int		 r;

	if (am_pkey_type(a) != am_pkey_type(b))
		return 0;
	am_buf_init(&x, 16384);
	am_buf_init(&y, 16384);
	if (am_pkey_public_bytes(a, &x) == -1 ||
	    am_pkey_public_bytes(b, &y) == -1)
		r = -1;
	else
		r = x.len == y.len && memcmp(x.data, y.data, x.len) == 0;
	ERR_clear_error();
	am_buf_release(&x);
	am_buf_release(&y);
	return r;
}

/*
 * Per-call setup, paid once: the digest is the process's fetched
 * EVP_MD (am_digest_evp), not a fetch by name on every call, and each
 * thread keeps one EVP_MD_CTX (freed when the thread exits).  Signing
 * or verifying again with the key of the thread's last call reuses the
 * context's EVP_PKEY_CTX, as a caller holding its own context would;
 * any other key resets the context first.  So the context holds a
 * reference to the last key a thread used, until its next call with
 * another key or its exit; the pointer comparison is safe because
 * that reference keeps the old key from being freed and its address
 * from being reused.
 */

struct am_pkey_tls {
	EVP_MD_CTX	*ctx;		/* signing, verifying */
	EVP_MD_CTX	*hctx;		/* Ed25519's SHA-256 */
	const EVP_PKEY	*last;		/* the key ctx was set up for */
};

static pthread_key_t	 am_pkey_tls;
static pthread_once_t	 am_pkey_tls_once = PTHREAD_ONCE_INIT;
static int		 am_pkey_tls_ok;

static void
am_pkey_tls_free(void *p)
{
	struct am_pkey_tls	*t = p;

	EVP_MD_CTX_free(t->ctx);
	EVP_MD_CTX_free(t->hctx);
	free(t);
}

static void
am_pkey_tls_init(void)
{
	am_pkey_tls_ok = pthread_key_create(&am_pkey_tls,
	    am_pkey_tls_free) == 0;
}

/* am_pkey_tls_get - this thread's contexts, or NULL */

static struct am_pkey_tls *
am_pkey_tls_get(void)
{
	struct am_pkey_tls	*t;

	(void)pthread_once(&am_pkey_tls_once, am_pkey_tls_init);
	if (!am_pkey_tls_ok)
		return NULL;
	if ((t = pthread_getspecific(am_pkey_tls)) != NULL)
		return t;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	if ((t->ctx = EVP_MD_CTX_new()) == NULL ||
	    (t->hctx = EVP_MD_CTX_new()) == NULL ||
	    pthread_setspecific(am_pkey_tls, t) != 0) {
		am_pkey_tls_free(t);
		return NULL;
	}
	return t;
}

/*
 * am_pkey_ctx - an EVP_MD_CTX for signing or verifying with pk, and
 * one for hashing: the thread's (t set), or new ones if those cannot
 * be had (t NULL: free them)
 */

struct am_pkey_op {
	struct am_pkey_tls	*t;
	EVP_MD_CTX		*ctx;
	EVP_MD_CTX		*hctx;
};

static int
am_pkey_ctx(const EVP_PKEY *pk, struct am_pkey_op *op)
{
	if ((op->t = am_pkey_tls_get()) == NULL) {
		op->ctx = EVP_MD_CTX_new();
		op->hctx = EVP_MD_CTX_new();
		return op->ctx != NULL && op->hctx != NULL ? 0 : -1;
	}
	op->ctx = op->t->ctx;
	op->hctx = op->t->hctx;
	if (op->t->last != pk) {
		(void)EVP_MD_CTX_reset(op->ctx);
		op->t->last = NULL;
	}
	return 0;
}

/* am_pkey_ctx_done - after a call with pk; ok: the context is set up
 * for pk and may be used again as it is */

static void
am_pkey_ctx_done(struct am_pkey_op *op, const EVP_PKEY *pk, int ok)
{
	if (op->t == NULL) {
		EVP_MD_CTX_free(op->ctx);
		EVP_MD_CTX_free(op->hctx);
		return;
	}
	if (ok)
		op->t->last = pk;
	else {
		(void)EVP_MD_CTX_reset(op->ctx);
		op->t->last = NULL;
	}
}

/* am_pkey_md - the fetched EVP_MD for a DKIM hash name, or NULL for
 * a name we do not know (then OpenSSL fetches it by name) */

static const EVP_MD *
am_pkey_md(const char *mdname)
{
	if (mdname == NULL)
		return NULL;
	if (strcmp(mdname, "SHA256") == 0)
		return am_digest_evp(AM_DIGEST_SHA256);
	if (strcmp(mdname, "SHA1") == 0)
		return am_digest_evp(AM_DIGEST_SHA1);
	return NULL;
}

/* Ed25519 signs the SHA-256 of the data (RFC 8463); RSA hashes itself. */

static const unsigned char *
am_pkey_prehash(EVP_MD_CTX *hctx, EVP_PKEY *pk, const unsigned char *data,
    size_t *len, unsigned char *hash)
{
	unsigned int	 hlen = 0;

	if (am_pkey_type(pk) != AM_PKEY_ED25519)
		return data;
	if (EVP_DigestInit_ex2(hctx, am_digest_evp(AM_DIGEST_SHA256),
	    NULL) != 1 || EVP_DigestUpdate(hctx, data, *len) != 1 ||
	    EVP_DigestFinal_ex(hctx, hash, &hlen) != 1)
		return NULL;
	*len = hlen;
	return hash;
}

/* am_pkey_init - EVP_DigestSignInit or EVP_DigestVerifyInit on ctx */

static int
am_pkey_init(EVP_MD_CTX *ctx, EVP_PKEY *pk, const char *mdname, int sign)
{
	const EVP_MD	*md = NULL;

	if (am_pkey_type(pk) != AM_PKEY_ED25519) {
		if ((md = am_pkey_md(mdname)) == NULL)
			return (sign ? EVP_DigestSignInit_ex(ctx, NULL, mdname,
			    NULL, NULL, pk, NULL) : EVP_DigestVerifyInit_ex(ctx,
			    NULL, mdname, NULL, NULL, pk, NULL)) == 1;
	}
	return (sign ? EVP_DigestSignInit(ctx, NULL, md, NULL, pk) :
	    EVP_DigestVerifyInit(ctx, NULL, md, NULL, pk)) == 1;
}

int
am_pkey_sign(EVP_PKEY *pk, const char *mdname, const unsigned char *data,
    size_t len, struct am_buf *sig_out, struct am_err *err)
{
	struct am_pkey_op	 op;
	unsigned char		 hash[EVP_MAX_MD_SIZE], sig[1024];
	size_t			 siglen = sizeof(sig);
	int			 ok;

	if (am_pkey_ctx(pk, &op) == -1) {
		am_pkey_ctx_done(&op, pk, 0);
		return am_err_set(err, AM_E_NOMEM, "out of memory");
	}
	ok = (data = am_pkey_prehash(op.hctx, pk, data, &len, hash)) != NULL &&
	    am_pkey_init(op.ctx, pk, mdname, 1) &&
	    EVP_DigestSign(op.ctx, sig, &siglen, data, len) == 1;
	am_pkey_ctx_done(&op, pk, ok);
	ERR_clear_error();
	if (!ok)
		return am_err_set(err, AM_E_CRYPTO, "signing failed");
	if (am_buf_append(sig_out, sig, siglen) == -1)
		return am_err_set(err, AM_E_LIMIT, "signature buffer full");
	return 0;
}

int
am_pkey_verify(EVP_PKEY *pk, const char *mdname, const unsigned char *data,
    size_t len, const unsigned char *sig, size_t siglen)
{
	struct am_pkey_op	 op;
	unsigned char		 hash[EVP_MAX_MD_SIZE];
	int			 r = -1;

	if (am_pkey_ctx(pk, &op) == 0 &&
	    (data = am_pkey_prehash(op.hctx, pk, data, &len, hash)) != NULL &&
	    am_pkey_init(op.ctx, pk, mdname, 0)) {
		/* a malformed signature (negative) is just invalid */
		r = EVP_DigestVerify(op.ctx, sig, siglen, data, len) == 1;
	}
	am_pkey_ctx_done(&op, pk, r == 1);	/* kept only after success */
	ERR_clear_error();
	return r;
}
