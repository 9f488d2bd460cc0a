#ifndef AM_PUBKEY_ORACLE_H
#define AM_PUBKEY_ORACLE_H

/*
 * pubkey-oracle - what lib/crypto/pubkey.c must answer for a DKIM RSA
 * p=, from OpenSSL's own decoders (t-pubkey and fuzz-pubkey):
 * d2i_PUBKEY (SPKI) or d2i_PublicKey (bare RSAPublicKey) decodes an
 * RSA key from all of der, OpenSSL encodes that key back to the same
 * bytes (so der was DER, not merely BER), and n and e are within
 * pubkey.h's bounds.  Returns that key (caller frees) or NULL; leaves
 * OpenSSL's error queue empty.
 */

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "pubkey.h"

static int
pubkey_oracle_bounds(const EVP_PKEY *k)
{
	BIGNUM	*n = NULL, *e = NULL;
	int	 ok = 0;

	if (EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_N, &n) == 1 &&
	    EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_E, &e) == 1 &&
	    !BN_is_negative(n) && !BN_is_negative(e) &&
	    BN_num_bits(n) >= AM_PUBKEY_RSA_MIN_BITS &&
	    BN_num_bits(n) <= AM_PUBKEY_RSA_MAX_BITS && BN_is_odd(n) &&
	    BN_is_odd(e) && !BN_is_one(e) && BN_num_bits(e) <= 64)
		ok = 1;
	BN_free(n);
	BN_free(e);
	return ok;
}

static EVP_PKEY *
pubkey_oracle(const unsigned char *der, size_t len)
{
	const unsigned char	*p = der;
	unsigned char		*re = NULL;
	EVP_PKEY		*k;
	int			 n, spki = 1;

	if ((k = d2i_PUBKEY(NULL, &p, (long)len)) == NULL) {
		p = der;
		spki = 0;
		k = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)len);
	}
	if (k != NULL && (p != der + len ||
	    EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA ||
	    !pubkey_oracle_bounds(k))) {
		EVP_PKEY_free(k);
		k = NULL;
	}
	if (k != NULL) {
		n = spki ? i2d_PUBKEY(k, &re) : i2d_PublicKey(k, &re);
		if (n < 0 || (size_t)n != len || memcmp(re, der, len) != 0) {
			EVP_PKEY_free(k);
			k = NULL;
		}
		OPENSSL_free(re);
	}
	ERR_clear_error();
	return k;
}

#endif /* AM_PUBKEY_ORACLE_H */
