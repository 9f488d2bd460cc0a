/*
 * pkey - private signing keys, and the signature primitives
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "base64.h"
#include "buf.h"
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

enum am_pkey_type
am_pkey_type(const EVP_PKEY *pk)
{
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

/* Ed25519 signs the SHA-256 of the data (RFC 8463); RSA hashes itself. */

static const unsigned char *
am_pkey_prehash(EVP_PKEY *pk, const unsigned char *data, size_t *len,
    unsigned char *hash)
{
	unsigned int	 hlen = 0;

	if (am_pkey_type(pk) != AM_PKEY_ED25519)
		return data;
	if (EVP_Digest(data, *len, hash, &hlen, EVP_sha256(), NULL) != 1)
		return NULL;
	*len = hlen;
	return hash;
}

int
am_pkey_sign(EVP_PKEY *pk, const char *mdname, const unsigned char *data,
    size_t len, struct am_buf *sig_out, struct am_err *err)
{
	EVP_MD_CTX	*ctx;
	unsigned char	 hash[EVP_MAX_MD_SIZE], sig[1024];
	size_t		 siglen = sizeof(sig);
	const char	*md;
	int		 ok;

	if ((data = am_pkey_prehash(pk, data, &len, hash)) == NULL)
		return am_err_set(err, AM_E_CRYPTO, "hash failed");
	md = am_pkey_type(pk) == AM_PKEY_ED25519 ? NULL : mdname;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return am_err_set(err, AM_E_NOMEM, "out of memory");
	ok = EVP_DigestSignInit_ex(ctx, NULL, md, NULL, NULL, pk, NULL) == 1 &&
	    EVP_DigestSign(ctx, sig, &siglen, data, len) == 1;
	EVP_MD_CTX_free(ctx);
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
	EVP_MD_CTX	*ctx;
	unsigned char	 hash[EVP_MAX_MD_SIZE];
	const char	*md;
	int		 r;

	if ((data = am_pkey_prehash(pk, data, &len, hash)) == NULL)
		return -1;
	md = am_pkey_type(pk) == AM_PKEY_ED25519 ? NULL : mdname;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	if (EVP_DigestVerifyInit_ex(ctx, NULL, md, NULL, NULL, pk, NULL) != 1)
		r = -1;
	else	/* a malformed signature (negative) is just invalid */
		r = EVP_DigestVerify(ctx, sig, siglen, data, len) == 1;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return r;
}
