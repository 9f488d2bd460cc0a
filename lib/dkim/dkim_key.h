#ifndef AM_DKIM_KEY_H
#define AM_DKIM_KEY_H

/*
 * dkim_key - parse a DKIM public key record (RFC 6376 3.6.1, RFC 8463)
 *
 * v= if present must be first and "DKIM1"; k= rsa (default) or
 * ed25519; p= required, empty meaning revoked; h= restricts the hash
 * algorithms; s= must include "email" or "*"; t= flags y (testing) and
 * s (strict i= matching).  Unknown tags and unknown flags are ignored.
 * RSA p= is SubjectPublicKeyInfo DER (a PKCS#1 RSAPublicKey is
 * accepted too, as dkimpy and opendkim do), strict DER, an odd modulus
 * of at most 16384 bits and an odd e from 3 to 64 bits (pubkey.h); Ed25519
 * p= is the raw 32-byte key.  A record that breaks these rules is a syntax error; an
 * unknown k= is AM_E_UNSUPPORTED.  Messages are short, for A-R reasons.
 */

#include <stddef.h>

#include <openssl/evp.h>

#include "err.h"

enum am_dkim_keytype {
	AM_DKIM_KEY_RSA,
	AM_DKIM_KEY_ED25519
};

struct am_dkim_key {
	enum am_dkim_keytype	 type;
	EVP_PKEY		*pkey;		/* NULL when revoked */
	int			 revoked;	/* p= empty */
	unsigned		 bits;		/* RSA modulus size; 256 for Ed25519 */
	int			 testing;	/* t=y */
	int			 strict;	/* t=s */
	int			 allow_sha256;	/* from h=, both 1 when absent */
	int			 allow_sha1;
};

int	am_dkim_key_parse(const char *rec, size_t len, struct am_dkim_key *out,
	    struct am_err *);
void	am_dkim_key_release(struct am_dkim_key *);

#endif /* AM_DKIM_KEY_H */
