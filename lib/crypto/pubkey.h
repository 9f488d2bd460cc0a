#ifndef AM_PUBKEY_H
#define AM_PUBKEY_H

/*
 * pubkey - public keys from DKIM key records (RFC 6376 3.6.1, RFC 8463)
 *
 * A DKIM RSA p= is DER: a SubjectPublicKeyInfo (RFC 5280 4.1, RFC 3279
 * 2.3.1)
 *
 *	SEQUENCE { SEQUENCE { OID rsaEncryption, NULL },
 *		   BIT STRING { RSAPublicKey } }
 *	RSAPublicKey ::= SEQUENCE { INTEGER n, INTEGER e }
 *
 * or, as some publishers write it, the bare RSAPublicKey (RFC 8017
 * A.1.1).  It is parsed here, by hand, and the key is built from n and
 * e with EVP_PKEY_fromdata: OpenSSL 3's d2i_PUBKEY spends most of an
 * uncached DKIM verification building a decoder chain.
 *
 * The input is hostile; only strict DER gets through:
 *  - one-byte tags, definite lengths in the fewest bytes (short form
 *    below 128, no leading zero byte in the long form, at most two
 *    length bytes), every length within its parent, nothing after the
 *    outer SEQUENCE or inside a SEQUENCE after its last element;
 *  - rsaEncryption's parameters are NULL (05 00), the BIT STRING has
 *    no unused bits;
 *  - INTEGERs are minimal and positive; n is odd, above 1 and at most
 *    AM_PUBKEY_RSA_MAX_BITS bits; e is odd, at least 3 and at most 64
 *    bits (an RSA key with e = 1 verifies anything).  Short moduli
 *    parse: key size policy is the verifier's (dkim=policy under
 *    MinimumKeyBits, authmilter.conf(5)).
 * So a p= parses here exactly when d2i_PUBKEY (or d2i_PublicKey for
 * the bare form) decodes an RSA key whose re-encoding is the input,
 * within those bounds: t-pubkey checks that on generated keys and
 * mutations of them, fuzz-pubkey on whatever the fuzzer finds.  A
 * well-formed SubjectPublicKeyInfo for another algorithm (EC, Ed25519,
 * RSA-PSS) is refused as "key type does not match k=".
 *
 * Errors: AM_E_SYNTAX "invalid key data" or "key type does not match
 * k=", AM_E_CRYPTO if OpenSSL cannot build the key.  OpenSSL's error
 * queue is left empty.
 * Thread safety: no shared state.
 */

#include <stddef.h>

#include <openssl/evp.h>

#include "err.h"

#define AM_PUBKEY_RSA_MIN_BITS	2	/* n odd and above 1 */
#define AM_PUBKEY_RSA_MAX_BITS	16384	/* OPENSSL_RSA_MAX_MODULUS_BITS */
#define AM_PUBKEY_ED25519_LEN	32

/* n and e point into the parsed DER, big-endian, no leading zero. */
struct am_pubkey_rsa {
	const unsigned char	*n;
	size_t			 nlen;
	const unsigned char	*e;
	size_t			 elen;
	unsigned		 bits;		/* of n */
};

/* am_pubkey_rsa_parse - the DER above into *out; 0 or -1. */
int	am_pubkey_rsa_parse(const unsigned char *der, size_t len,
	    struct am_pubkey_rsa *out, struct am_err *);

/* am_pubkey_rsa - the DER above as an EVP_PKEY (caller frees); *bits
 * is the modulus size.  0 or -1. */
int	am_pubkey_rsa(const unsigned char *der, size_t len, EVP_PKEY **out,
	    unsigned *bits, struct am_err *);

/* am_pubkey_ed25519 - a raw 32-byte Ed25519 key (RFC 8463 4.2) as an
 * EVP_PKEY (caller frees).  0 or -1. */
int	am_pubkey_ed25519(const unsigned char *raw, size_t len, EVP_PKEY **out,
	    struct am_err *);

#endif /* AM_PUBKEY_H */
