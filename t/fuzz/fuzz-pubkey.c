/*
 * fuzz-pubkey - libFuzzer target for lib/crypto/pubkey.c, the DKIM p=
 * parser (strict DER SubjectPublicKeyInfo or RSAPublicKey)
 *
 * Invariants: it accepts exactly what pubkey-oracle.h (OpenSSL's own
 * decoders, DER re-encoding, the bounds) accepts, and then builds a
 * key EVP_PKEY_eq to OpenSSL's with the same size; n and e lie inside
 * the input; a refusal leaves no key, a message, and OpenSSL's error
 * queue empty.  The input is also tried as a raw Ed25519 key.
 */

#include <stdint.h>
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "pubkey.h"
#include "pubkey-oracle.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_parse(const uint8_t *data, size_t size)
{
	struct am_pubkey_rsa	 k;
	struct am_err		 err;

	if (am_pubkey_rsa_parse(data, size, &k, &err) == -1) {
		if (err.msg[0] == '\0' || k.n != NULL)
			abort();
		return;
	}
	if (k.n < data || k.n + k.nlen > data + size || k.e < data ||
	    k.e + k.elen > data + size || k.nlen == 0 || k.n[0] == 0 ||
	    k.bits < AM_PUBKEY_RSA_MIN_BITS || k.bits > AM_PUBKEY_RSA_MAX_BITS)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	EVP_PKEY	*want, *got = NULL;
	struct am_err	 err;
	unsigned	 bits = 0;
	int		 rc;

	check_parse(data, size);
	want = pubkey_oracle(data, size);
	rc = am_pubkey_rsa(data, size, &got, &bits, &err);
	if (ERR_peek_error() != 0)
		abort();
	if ((rc == 0) != (want != NULL))
		abort();
	if (rc == 0 && (EVP_PKEY_eq(got, want) != 1 ||
	    bits != (unsigned)EVP_PKEY_get_bits(want)))
		abort();
	if (rc == -1 && (got != NULL || err.msg[0] == '\0'))
		abort();
	EVP_PKEY_free(got);
	EVP_PKEY_free(want);
	got = NULL;
	rc = am_pubkey_ed25519(data, size, &got, &err);
	if ((rc == 0) != (got != NULL) || (rc == 0 && size != 32) ||
	    ERR_peek_error() != 0)
		abort();
	EVP_PKEY_free(got);
	return 0;
}
