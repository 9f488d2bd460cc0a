/*
 * fuzz-dkim-key - libFuzzer target for am_dkim_key_parse()
 *
 * Invariants: a key that parses is either revoked with no EVP_PKEY, or
 * has one of the type its k= names, and the release leaves nothing.
 */

#include <stdint.h>
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "dkim_key.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct am_dkim_key	 key;
	struct am_err		 err;
	int			 id;

	if (am_dkim_key_parse((const char *)data, size, &key, &err) == -1) {
		if (err.msg[0] == '\0' || key.pkey != NULL)
			abort();
		if (ERR_peek_error() != 0)	/* queue left dirty */
			abort();
		return 0;
	}
	if (key.revoked != (key.pkey == NULL))
		abort();
	if (key.pkey != NULL) {
		id = EVP_PKEY_get_base_id(key.pkey);
		if ((key.type == AM_DKIM_KEY_RSA && id != EVP_PKEY_RSA) ||
		    (key.type == AM_DKIM_KEY_ED25519 && id != EVP_PKEY_ED25519))
			abort();
		if (key.bits == 0)
			abort();
	}
	am_dkim_key_release(&key);
	if (key.pkey != NULL)
		abort();
	return 0;
}
