/*
 * fuzz-dns-answer - libFuzzer target for DNS answer parsing, as the
 * ldns resolver reads a UDP datagram (am_dns_reply_parse in
 * lib/dns/dns_ldns.c: ID, size, parse, QR, question, CNAME chain,
 * record conversion)
 *
 * Input: byte 0 picks the query type (mod 6) and, in bit 7, EDNS0;
 * byte 1 is the length L of the query name, then L bytes of name
 * (an unusable name is replaced by "example.com"); the rest is the
 * datagram.  The query ID is taken from the datagram itself, so the
 * ID check passes and the parser behind it is reached.
 *
 * Invariants: a datagram that is not a reply leaves the result empty;
 * a reply gives a known status, records only with OK, each record of
 * the asked type with its data there (TXT NUL-terminated at txt_len,
 * names printable ASCII and bounded).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns_impl.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_rr(const struct am_dns_rr *rr, enum am_dns_type type)
{
	const char	*p;

	if (rr->type != type)
		abort();
	switch (type) {
	case AM_DNS_TXT:
		if (rr->txt == NULL || rr->txt[rr->txt_len] != '\0')
			abort();
		break;
	case AM_DNS_MX:
	case AM_DNS_PTR:
	case AM_DNS_CNAME:
		if (rr->name == NULL || strlen(rr->name) > AM_DNS_WIRE_MAX * 4)
			abort();
		for (p = rr->name; *p != '\0'; p++)
			if (*p <= ' ' || *p >= 0x7f)
				abort();
		break;
	default:
		if (rr->txt != NULL || rr->name != NULL)
			abort();
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum am_dns_type types[] = { AM_DNS_A, AM_DNS_AAAA,
	    AM_DNS_TXT, AM_DNS_MX, AM_DNS_PTR, AM_DNS_CNAME };
	struct am_dns_query	 q;
	struct am_dns_result	 res;
	enum am_dns_type	 type;
	char			 name[256];
	size_t			 len, i;
	int			 edns, rc;

	if (size < 2)
		return 0;
	type = types[(data[0] & 0x7f) % 6];
	edns = (data[0] & 0x80) != 0;
	len = data[1];
	if (len > size - 2)
		len = size - 2;
	memcpy(name, data + 2, len);
	name[len] = '\0';
	if (am_dns_query_init(&q, name, type) == -1 &&
	    am_dns_query_init(&q, "example.com", type) == -1)
		abort();
	data += 2 + len;
	size -= 2 + len;

	memset(&res, 0, sizeof(res));
	rc = am_dns_reply_parse(&q, size >= 2 ? (uint16_t)(data[0] << 8 |
	    data[1]) : 0, edns, data, size, &res);
	if (rc == -1) {
		if (res.n != 0 || res.rr != NULL)
			abort();
		return 0;
	}
	if (rc != 0 && rc != 1)
		abort();
	if (strcmp(am_dns_status_name(res.status), "UNKNOWN") == 0)
		abort();
	if (res.status != AM_DNS_OK && (res.n != 0 || res.rr != NULL))
		abort();
	if (res.status == AM_DNS_OK && res.n == 0)
		abort();
	for (i = 0; i < res.n; i++)
		check_rr(&res.rr[i], type);
	am_dns_result_release(&res);
	return 0;
}
