/*
 * fuzz-dns-zone - libFuzzer target for the zone-file loader
 * (lib/dns/dns_zone.c): the input is master-file text.
 *
 * Checks, beyond "no crash": a failure says why; after a load (failed
 * or not) every type of a few names under the input's likely origins
 * answers with the status it returns, records only with AM_DNS_OK and
 * only of the type asked, names NUL-terminated and TXT data present
 * when it has a length; loading the same text again into the same
 * resolver (duplicates) never crashes and says why when it fails.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dns.h"
#include "err.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
ask(struct am_dns *dns, const char *name)
{
	static const enum am_dns_type types[] = {
		AM_DNS_A, AM_DNS_AAAA, AM_DNS_TXT, AM_DNS_MX, AM_DNS_PTR,
		AM_DNS_CNAME
	};
	struct am_dns_result	 r;
	enum am_dns_status	 s;
	size_t			 i, j;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		s = am_dns_lookup(dns, name, types[i], &r);
		if (s != r.status || s > AM_DNS_FORMERR ||
		    (s != AM_DNS_OK && r.n != 0) || (s == AM_DNS_OK && r.n == 0))
			abort();
		for (j = 0; j < r.n; j++) {
			if (r.rr[j].type != types[i] || (r.rr[j].txt_len > 0 &&
			    r.rr[j].txt == NULL))
				abort();
			if (r.rr[j].name != NULL &&
			    strlen(r.rr[j].name) > 4 * 255)
				abort();
		}
		am_dns_result_release(&r);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char	*names[] = {
		"example", "a.example", "www.example", "_dmarc.example",
		"s._domainkey.example", "example.net", "a", "@", "*.example",
		"1.2.0.192.in-addr.arpa",
	};
	struct am_dns	*dns;
	struct am_buf	 z;
	struct am_err	 err;
	size_t		 i;
	int		 first;

	if (size > 32768 || memchr(data, '\0', size) != NULL)
		return 0;
	am_buf_init(&z, size + 1);
	(void)am_buf_append(&z, data, size);
	dns = am_dns_zone_new();
	am_err_clear(&err);
	first = am_dns_zone_load_string(dns, am_buf_str(&z), &err);
	if (first == -1 && err.msg[0] == '\0')
		abort();
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		ask(dns, names[i]);
	am_err_clear(&err);
	if (am_dns_zone_load_string(dns, am_buf_str(&z), &err) == -1 &&
	    err.msg[0] == '\0')
		abort();
	ask(dns, "example");
	am_dns_free(&dns);
	am_buf_release(&z);
	return 0;
}
