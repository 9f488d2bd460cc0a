/*
 * dkim_key - parse a DKIM public key record (RFC 6376 3.6.1, RFC 8463)
 *
 * The record is split by tagval; the tags we know are checked, others
 * are ignored.  The key itself goes into an EVP_PKEY (lib/crypto's
 * pubkey.c parses the DER); the decoded bytes are freed.
 *
 * Decisions:
 *  - k=, h=, s= and t= words compare case-insensitively (ABNF literals).
 *  - h=, s= and t= are colon-separated lists; an empty element is a
 *    syntax error, unknown words are ignored.  If h= names neither
 *    sha1 nor sha256, both allow_* are 0 and the verifier refuses.
 *  - RSA p= is SubjectPublicKeyInfo, else PKCS#1 RSAPublicKey, in
 *    strict DER with every byte used (pubkey.h); the modulus is odd,
 *    above 1 and at most 16384 bits, e is odd and 3 to 2^64 - 1.  An SPKI for another
 *    algorithm (RSA-PSS, Ed25519, EC) is refused with "key type does
 *    not match k=".
 *  - Ed25519 p= is the raw 32-byte key only, as RFC 8463 3 says.
 *  - Key size policy (short RSA keys, from 1024 bits up) is the
 *    verifier's business.
 */

#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "dkim_key.h"
#include "mem.h"
#include "pubkey.h"
#include "tagval.h"

#define DKIM_P_MAX	16384		/* base64 characters in p= */

/*
 * b64_decode - decode p= with FWS removed; padding required.  Sets
 * *out (caller frees) and *out_len.  An empty
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

/* make_pkey - the key from p='s bytes; pubkey.c parses the DER by hand
 * (strict DER, RSA modulus bounds) instead of OpenSSL's decoders. */

static int
make_pkey(struct am_dkim_key *key, const unsigned char *der, size_t len,
    struct am_err *err)
{
	if (key->type == AM_DKIM_KEY_ED25519) {
		if (am_pubkey_ed25519(der, len, &key->pkey, err) == -1)
			return -1;
		key->bits = 256;
		return 0;
	}
	return am_pubkey_rsa(der, len, &key->pkey, &key->bits, err);
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
