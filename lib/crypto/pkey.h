#ifndef AM_PKEY_H
#define AM_PKEY_H

/*
 * pkey - private signing keys
 *
 * Keys are read from PEM (PKCS#8, or traditional RSA) and stay in an
 * EVP_PKEY; the algorithm comes from the key itself.  Only RSA (1024
 * to 4096 bits) and Ed25519 are signing keys for DKIM.  Key material
 * is never copied out or logged.
 */

#include <stddef.h>

#include <openssl/evp.h>

#include "err.h"

enum am_pkey_type {
	AM_PKEY_RSA,
	AM_PKEY_ED25519
};

/* Reads a private key from path; *out is owned by the caller
 * (EVP_PKEY_free). */
int	am_pkey_load_file(const char *path, EVP_PKEY **out, struct am_err *);
int	am_pkey_load_pem(const char *pem, size_t len, EVP_PKEY **out,
	    struct am_err *);
/* Type and bits of a key already checked by load. */
enum am_pkey_type am_pkey_type(const EVP_PKEY *);
unsigned	 am_pkey_bits(const EVP_PKEY *);

/*
 * am_pkey_public_b64 - the DKIM p= value for a key: base64 of the
 * SubjectPublicKeyInfo for RSA, of the raw 32 bytes for Ed25519.
 * Appends to out.
 */
struct am_buf;
int	am_pkey_public_b64(const EVP_PKEY *, struct am_buf *out,
	    struct am_err *);

/*
 * am_pkey_public_eq - do two keys (private or public) have the same
 * public half?  Compares the SubjectPublicKeyInfo DER for RSA and the
 * raw 32 bytes for Ed25519.  1 equal, 0 different (types differ
 * included), -1 a key could not be encoded.
 */
int	am_pkey_public_eq(const EVP_PKEY *, const EVP_PKEY *);

/*
 * Sign and verify the canonical header data of a DKIM signature: for
 * RSA, RSASSA-PKCS1-v1_5 with the named hash over data; for Ed25519,
 * PureEdDSA over the SHA-256 hash of data (RFC 8463 section 3).
 *
 * Thread safety: callable from any thread, on keys shared between
 * threads.  Each thread keeps one signing/verifying context (freed at
 * thread exit) that stays set up for the last key the thread used with
 * success, so that thread holds a reference to that key until it signs
 * or verifies with another one, or exits.
 */
int	am_pkey_sign(EVP_PKEY *, const char *mdname, const unsigned char *data,
	    size_t len, struct am_buf *sig_out, struct am_err *);
/* Returns 1 valid, 0 invalid, -1 error. */
int	am_pkey_verify(EVP_PKEY *, const char *mdname,
	    const unsigned char *data, size_t len, const unsigned char *sig,
	    size_t siglen);

#endif /* AM_PKEY_H */
