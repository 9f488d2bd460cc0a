/*
 * pubkey - public keys from DKIM key records, without OpenSSL's
 * decoders (see pubkey.h for the rules)
 *
 * The DER reader takes one TLV at a time from a window [p, end) and
 * refuses anything that is not the single DER encoding of the value.
 * The key is then built with EVP_PKEY_fromdata from n and e, handed to
 * OpenSSL as native-endian integers: no BIGNUM, no parameter builder.
 */

#include <stdint.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/params.h>

#include "pubkey.h"

#define DER_INTEGER	0x02
#define DER_BIT_STRING	0x03
#define DER_NULL	0x05
#define DER_OID		0x06
#define DER_SEQUENCE	0x30

#define RSA_E_MAX	8	/* bytes: e is at most 64 bits */

/* 1.2.840.113549.1.1.1, the content of the OID */
static const unsigned char der_rsa_oid[] = {
	0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01
};

struct der {
	const unsigned char	*p;
	const unsigned char	*end;
};

/*
 * der_get - the next TLV in d, if its tag is tag: its content in *c.
 * Definite, minimal lengths of at most two bytes.  0 or -1.
 */

static int
der_get(struct der *d, unsigned char tag, struct der *c)
{
	const unsigned char	*p = d->p;
	size_t			 len;

	if (d->end - p < 2 || p[0] != tag)
		return -1;
	len = p[1];
	p += 2;
	if (len == 0x81) {
		if (d->end - p < 1 || p[0] < 0x80)
			return -1;		/* short form was due */
		len = p[0];
		p += 1;
	} else if (len == 0x82) {
		if (d->end - p < 2 || p[0] == 0)
			return -1;		/* one byte was enough */
		len = (size_t)p[0] << 8 | p[1];
		p += 2;
	} else if (len >= 0x80)
		return -1;	/* indefinite (0x80), or longer than we take */
	if ((size_t)(d->end - p) < len)
		return -1;
	c->p = p;
	c->end = p + len;
	d->p = p + len;
	return 0;
}

/*
 * der_uint - the next INTEGER in d, which must be minimal and
 * positive: its magnitude, without the sign byte, in *v and *vlen.
 */

static int
der_uint(struct der *d, const unsigned char **v, size_t *vlen)
{
	struct der	 c;
	size_t		 n;

	if (der_get(d, DER_INTEGER, &c) == -1 || c.p == c.end)
		return -1;
	n = (size_t)(c.end - c.p);
	if (c.p[0] & 0x80)
		return -1;			/* negative */
	if (c.p[0] == 0) {
		if (n == 1 || !(c.p[1] & 0x80))
			return -1;		/* zero, or not minimal */
		c.p++;
		n--;
	}
	*v = c.p;
	*vlen = n;
	return 0;
}

static unsigned
der_bits(const unsigned char *v, size_t n)
{
	return (unsigned)(n - 1) * 8 +
	    (unsigned)(32 - __builtin_clz((unsigned)v[0]));
}

/* rsa_public_key - RSAPublicKey ::= SEQUENCE { n, e }, all of d */

static int
rsa_public_key(struct der *d, struct am_pubkey_rsa *out)
{
	struct der	 s;

	if (der_get(d, DER_SEQUENCE, &s) == -1 || d->p != d->end)
		return -1;
	if (der_uint(&s, &out->n, &out->nlen) == -1 ||
	    der_uint(&s, &out->e, &out->elen) == -1 || s.p != s.end)
		return -1;
	out->bits = der_bits(out->n, out->nlen);
	if (out->bits < AM_PUBKEY_RSA_MIN_BITS ||
	    out->bits > AM_PUBKEY_RSA_MAX_BITS || !(out->n[out->nlen - 1] & 1))
		return -1;
	if (out->elen > RSA_E_MAX || !(out->e[out->elen - 1] & 1) ||
	    (out->elen == 1 && out->e[0] < 3))
		return -1;
	return 0;
}

/*
 * spki - SubjectPublicKeyInfo, all of d.  Returns 0, -1 if it is not
 * one, or -2 if it is one for an algorithm other than rsaEncryption.
 */

static int
spki(struct der *d, struct am_pubkey_rsa *out)
{
	struct der	 s, alg, oid, par, bits;

	if (der_get(d, DER_SEQUENCE, &s) == -1 || d->p != d->end)
		return -1;
	if (der_get(&s, DER_SEQUENCE, &alg) == -1 ||
	    der_get(&alg, DER_OID, &oid) == -1 || oid.p == oid.end ||
	    der_get(&s, DER_BIT_STRING, &bits) == -1 || s.p != s.end ||
	    bits.p == bits.end)
		return -1;
	if ((size_t)(oid.end - oid.p) != sizeof(der_rsa_oid) ||
	    memcmp(oid.p, der_rsa_oid, sizeof(der_rsa_oid)) != 0)
		return -2;
	if (der_get(&alg, DER_NULL, &par) == -1 || par.p != par.end ||
	    alg.p != alg.end)
		return -1;
	if (bits.p[0] != 0)			/* unused bits */
		return -1;
	bits.p++;
	return rsa_public_key(&bits, out);
}

int
am_pubkey_rsa_parse(const unsigned char *der, size_t len,
    struct am_pubkey_rsa *out, struct am_err *err)
{
	struct der	 d = { der, der + len }, top = d, s;
	int		 rc;

	memset(out, 0, sizeof(*out));
	/* SPKI's first element is a SEQUENCE, RSAPublicKey's an INTEGER. */
	if (der_get(&top, DER_SEQUENCE, &s) == 0 && s.p < s.end &&
	    s.p[0] == DER_INTEGER)
		rc = rsa_public_key(&d, out);
	else
		rc = spki(&d, out);
	if (rc == -2)
		return am_err_set(err, AM_E_SYNTAX,
		    "key type does not match k=");
	if (rc == -1) {
		memset(out, 0, sizeof(*out));
		return am_err_set(err, AM_E_SYNTAX, "invalid key data");
	}
	return 0;
}

/* native - big-endian v into a native-endian integer of n bytes */

static void
native(const unsigned char *v, size_t n, unsigned char *out)
{
	size_t	 i;

	if (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__) {
		memcpy(out, v, n);
		return;
	}
	for (i = 0; i < n; i++)
		out[i] = v[n - 1 - i];
}

int
am_pubkey_rsa(const unsigned char *der, size_t len, EVP_PKEY **out,
    unsigned *bits, struct am_err *err)
{
	struct am_pubkey_rsa	 k;
	unsigned char		 n[AM_PUBKEY_RSA_MAX_BITS / 8], e[RSA_E_MAX];
	OSSL_PARAM		 params[3];
	EVP_PKEY_CTX		*ctx;
	int			 ok = 0;

	*out = NULL;
	if (am_pubkey_rsa_parse(der, len, &k, err) == -1)
		return -1;
	native(k.n, k.nlen, n);
	native(k.e, k.elen, e);
	params[0] = OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_RSA_N, n, k.nlen);
	params[1] = OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_RSA_E, e, k.elen);
	params[2] = OSSL_PARAM_construct_end();
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) != NULL &&
	    EVP_PKEY_fromdata_init(ctx) == 1 &&
	    EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) == 1)
		ok = 1;
	EVP_PKEY_CTX_free(ctx);
	if (!ok) {
		EVP_PKEY_free(*out);
		*out = NULL;
		ERR_clear_error();
		return am_err_set(err, AM_E_CRYPTO, "cannot build RSA key");
	}
	*bits = k.bits;
	return 0;
}

int
am_pubkey_ed25519(const unsigned char *raw, size_t len, EVP_PKEY **out,
    struct am_err *err)
{
	if (len != AM_PUBKEY_ED25519_LEN) {
		*out = NULL;
		return am_err_set(err, AM_E_SYNTAX,
		    "ed25519 key must be 32 bytes");
	}
	*out = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, len);
	if (*out == NULL) {
		ERR_clear_error();
		return am_err_set(err, AM_E_CRYPTO, "invalid ed25519 key");
	}
	return 0;
}
