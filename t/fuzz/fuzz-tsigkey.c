/*
 * fuzz-tsigkey - libFuzzer target for the TSIG key file parser
 * (lib/dns/dns_update_key.c): the input is the file's text.
 *
 * Checks, beyond "no crash": a failure says why, in a message of its
 * own (it starts "TSIG key file", so never quotes the input first) and
 * leaves the key wiped; a success gives a lower-case name with its
 * final dot, one of the algorithms named, and a base64 secret that
 * decodes to 16..512 octets; parsing is deterministic.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "dns_update.h"
#include "err.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_ok(const struct am_dns_tsig_key *k)
{
	unsigned char	*bin = NULL;
	size_t		 n = strlen(k->name), bl = 0, i;

	if (n < 2 || n > AM_DNS_TSIG_NAME_MAX || k->name[n - 1] != '.')
		abort();
	for (i = 0; i < n; i++)
		if (k->name[i] >= 'A' && k->name[i] <= 'Z')
			abort();
	if (strncmp(k->alg, "hmac-sha", 8) != 0)
		abort();
	if (am_base64_decode_fws(k->secret, strlen(k->secret), &bin, &bl,
	    NULL) == -1 || bl < AM_DNS_TSIG_SECRET_MIN ||
	    bl > AM_DNS_TSIG_SECRET_MAX)
		abort();
	free(bin);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct am_dns_tsig_key	 k, k2;
	struct am_err		 err;
	int			 r;

	am_err_clear(&err);
	r = am_dns_tsig_key_parse((const char *)data, size, &k, &err);
	if (r == 0)
		check_ok(&k);
	else {
		static const struct am_dns_tsig_key zero;

		if (strncmp(err.msg, "TSIG key file", 13) != 0 ||
		    memcmp(&k, &zero, sizeof(k)) != 0)
			abort();
	}
	if (am_dns_tsig_key_parse((const char *)data, size, &k2, &err) != r ||
	    (r == 0 && memcmp(&k, &k2, sizeof(k)) != 0))
		abort();
	am_dns_tsig_key_clear(&k);
	am_dns_tsig_key_clear(&k2);
	return 0;
}
