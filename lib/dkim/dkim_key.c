/*
 * dkim_key - parse a DKIM public key record (RFC 6376 3.6.1, RFC 8463)
 *
 * The record is split by tagval; the tags we know are checked, others
 * are ignored.  The key itself goes straight into an EVP_PKEY; the
 * decoded DER is wiped and freed.
 *
 * Decisions:
 *  - k=, h=, s= and t= words compare case-insensitively (ABNF literals).
 *  - h=, s= and t= are colon-separated lists; an empty element is a
 *    syntax error, unknown words are ignored.  If h= names neither
 *    sha1 nor sha256, both allow_* are 0 and the verifier refuses.
 *  - RSA p= is SubjectPublicKeyInfo, else PKCS#1 RSAPublicKey; either
 *    must use every byte.  An SPKI for another algorithm (RSA-PSS,
 *    Ed25519, EC) is refused with "key type does not match k=".
 *  - Ed25519 p= is the raw 32-byte key only, as RFC 8463 3 says.
 *  - Key size policy (short RSA keys) is the verifier's business.
 */

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "base64.h"
#include "dkim_key.h"
#include "mem.h"
#include "tagval.h"

#define DKIM_P_MAX	16384		/* base64 characters in p= */
#define ED25519_KEYLEN	32

/*
 * b64_decode - decode p= with FWS removed; padding required.  Sets
 * *out (caller frees, after OPENSSL_cleanse) and *out_len.  An empty
 * value decodes to no bytes and *out NULL.
 */

static int
b64_decode(const struct am_tag *tag, unsigned char **out, size_t *out_len,
    struct am_err *err)
{
	size_t	 i;

	*out = NULL;
	*out_len = 0;
	if (tag->value_len > DKIM_P_MAX)
		return am_err_set(err, AM_E_LIMIT, "p= too long");
	for (i = 0; i < tag->value_len; i++)
		if (!am_tagval_is_fws((unsigned char)tag->value[i]))
			break;
	if (i == tag->value_len)
		return 0;
	if (am_base64_decode_fws(tag->value, tag->value_len, out, out_len,
	    NULL) == -1)
		return am_err_set(err, AM_E_SYNTAX, "syntax error in p=");
	return 0;
}

/*
 * next_word - step through a colon-separated list.  *pp starts at the
 * value and is NULL after the last word.  Returns 0 with the trimmed
 * word in *w, *wn, or -1 for an empty word.
 */

static int
next_word(const char **pp, const char *end, const char **w, size_t *wn)
{
	const char	*p = *pp, *c, *e;

	c = memchr(p, ':', (size_t)(end - p));
	e = c != NULL ? c : end;
	while (p < e && am_tagval_is_fws((unsigned char)*p))
		p++;
	while (e > p && am_tagval_is_fws((unsigned char)e[-1]))
		e--;
	*w = p;
	*wn = (size_t)(e - p);
	*pp = c != NULL ? c + 1 : NULL;
	return *wn == 0 ? -1 : 0;
}

/* parse_lists - h=, s= and t= */

static int
parse_lists(const struct am_tagval *tv, struct am_dkim_key *key,
    struct am_err *err)
{
	const struct am_tag	*tag;
	const char		*p, *w;
	size_t			 wn;
	int			 email = 0;

	key->allow_sha1 = key->allow_sha256 = 1;
	if ((tag = am_tagval_get(tv, "h")) != NULL) {
		key->allow_sha1 = key->allow_sha256 = 0;
		for (p = tag->value; p != NULL;) {
			if (next_word(&p, tag->value + tag->value_len, &w,
			    &wn) == -1)
				return am_err_set(err, AM_E_SYNTAX,
				    "syntax error in key h=");
			if (am_tagval_ci_eq(w, wn, "sha1"))
				key->allow_sha1 = 1;
			else if (am_tagval_ci_eq(w, wn, "sha256"))
				key->allow_sha256 = 1;
		}
	}
	if ((tag = am_tagval_get(tv, "s")) != NULL) {
		for (p = tag->value; p != NULL;) {
			if (next_word(&p, tag->value + tag->value_len, &w,
			    &wn) == -1)
				return am_err_set(err, AM_E_SYNTAX,
				    "syntax error in key s=");
			if (am_tagval_ci_eq(w, wn, "email") || am_tagval_ci_eq(w, wn, "*"))
				email = 1;
		}
		if (!email)
			return am_err_set(err, AM_E_SYNTAX,
			    "key not for email (s=)");
	}
	if ((tag = am_tagval_get(tv, "t")) != NULL) {
		for (p = tag->value; p != NULL;) {
			if (next_word(&p, tag->value + tag->value_len, &w,
			    &wn) == -1)
				return am_err_set(err, AM_E_SYNTAX,
				    "syntax error in key t=");
			if (am_tagval_ci_eq(w, wn, "y"))
				key->testing = 1;
			else if (am_tagval_ci_eq(w, wn, "s"))
				key->strict = 1;
		}
	}
	return 0;
}

/* rsa_pkey - SPKI first, then PKCS#1; every byte must be used */

static EVP_PKEY *
rsa_pkey(const unsigned char *der, size_t len, struct am_err *err)
{
	const unsigned char	*p = der;
	EVP_PKEY		*pk;

	if ((pk = d2i_PUBKEY(NULL, &p, (long)len)) != NULL) {
		if (p != der + len) {
			EVP_PKEY_free(pk);
			(void)am_err_set(err, AM_E_SYNTAX, "invalid key data");
			return NULL;
		}
		if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA) {
			EVP_PKEY_free(pk);
			(void)am_err_set(err, AM_E_SYNTAX,
			    "key type does not match k=");
			return NULL;
		}
		return pk;
	}
	p = der;
	if ((pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)len)) != NULL &&
	    p == der + len) {
		ERR_clear_error();		/* from the d2i_PUBKEY try */
		return pk;
	}
	EVP_PKEY_free(pk);
	ERR_clear_error();	/* keep OpenSSL's queue clean for callers */
	(void)am_err_set(err, AM_E_SYNTAX, "invalid key data");
	return NULL;
}

static int
make_pkey(struct am_dkim_key *key, const unsigned char *der, size_t len,
    struct am_err *err)
{
	if (key->type == AM_DKIM_KEY_ED25519) {
		if (len != ED25519_KEYLEN)
			return am_err_set(err, AM_E_SYNTAX,
			    "ed25519 key must be 32 bytes");
		key->pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL,
		    der, len);
		if (key->pkey == NULL) {
			ERR_clear_error();
			return am_err_set(err, AM_E_CRYPTO,
			    "invalid ed25519 key");
		}
		key->bits = 256;
		return 0;
	}
	if ((key->pkey = rsa_pkey(der, len, err)) == NULL)
		return -1;
	key->bits = (unsigned)EVP_PKEY_get_bits(key->pkey);
	return 0;
}

static int
parse_key(const struct am_tagval *tv, struct am_dkim_key *key,
    struct am_err *err)
{
	const struct am_tag	*tag;
	unsigned char		*der;
	size_t			 der_len;
	int			 rc;

	if ((tag = am_tagval_get(tv, "v")) != NULL) {
		if (tag != &tv->tags[0])
			return am_err_set(err, AM_E_SYNTAX, "v= not first");
		if (tag->value_len != 5 || memcmp(tag->value, "DKIM1", 5) != 0)
			return am_err_set(err, AM_E_SYNTAX,
			    "unsupported key version");
	}
	key->type = AM_DKIM_KEY_RSA;
	if ((tag = am_tagval_get(tv, "k")) != NULL) {
		if (am_tagval_ci_eq(tag->value, tag->value_len, "ed25519"))
			key->type = AM_DKIM_KEY_ED25519;
		else if (!am_tagval_ci_eq(tag->value, tag->value_len, "rsa"))
			return am_err_set(err, AM_E_UNSUPPORTED,
			    "unsupported key type");
	}
	if (parse_lists(tv, key, err) == -1)
		return -1;
	if ((tag = am_tagval_get(tv, "p")) == NULL)
		return am_err_set(err, AM_E_SYNTAX, "missing required tag p=");
	if (b64_decode(tag, &der, &der_len, err) == -1)
		return -1;
	if (der == NULL) {
		key->revoked = 1;
		return 0;
	}
	rc = make_pkey(key, der, der_len, err);
	OPENSSL_cleanse(der, der_len);
	free(der);
	return rc;
}

int
am_dkim_key_parse(const char *rec, size_t len, struct am_dkim_key *out,
    struct am_err *err)
{
	struct am_tagval	 tv;

	memset(out, 0, sizeof(*out));
	if (am_tagval_parse(rec, len, &tv, err) == -1)
		return -1;
	if (parse_key(&tv, out, err) == -1) {
		am_dkim_key_release(out);
		return -1;
	}
	return 0;
}

void
am_dkim_key_release(struct am_dkim_key *key)
{
	if (key == NULL)
		return;
	EVP_PKEY_free(key->pkey);
	memset(key, 0, sizeof(*key));
}
