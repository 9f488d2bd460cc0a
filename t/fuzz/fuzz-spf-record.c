/*
 * fuzz-spf-record - libFuzzer target for the SPF record parser, and
 * for check_host() on the record
 *
 * The input is one TXT record.  Checks, beyond "no crash":
 *  - a parse failure is AM_E_SYNTAX with a message; a success implies
 *    am_spf_record_is_spf(); every view lies inside the input; each
 *    term holds no SP; CIDR lengths are in range; each domain-spec,
 *    redirect and exp passes am_spf_domain_spec_check();
 *  - the record is then published at fuzz.example in a zone with a
 *    few helper names and evaluated for an IPv4 and an IPv6 client:
 *    the verdict is one of the seven, at most 10 DNS-querying terms
 *    and 3 void lookups are counted, a syntax error is permerror, and
 *    the resolver never sees more queries than RFC 7208 allows one
 *    evaluation (see AM_FUZZ_MAX_QUERIES).
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dns.h"
#include "spf.h"
#include "spf_macro.h"
#include "spf_record.h"

/* top TXT + 10 terms x (1 + 10 MX/PTR names) + %{p} (1 + 10) + exp */
#define AM_FUZZ_MAX_QUERIES	(1 + 10 * 11 + 11 + 1)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char am_fuzz_zone[] =
    "$ORIGIN example.\n"
    "a 300 A 192.0.2.1\n"
    "a 300 AAAA 2001:db8::1\n"
    "mx 300 MX 10 a.example.\n"
    "mx 300 MX 20 b.example.\n"
    "b 300 A 192.0.2.2\n"
    "inc 300 TXT \"v=spf1 a:a.example ~all\"\n"
    "loop 300 TXT \"v=spf1 include:loop.example -all\"\n"
    "e 300 TXT \"denied %{i} by %{d} at %{t}\"\n"
    "1.2.0.192.in-addr.arpa. 300 PTR a.example.\n"
    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2."
    "ip6.arpa. 300 PTR a.example.\n";

static void
check_view(const char *p, size_t n, const char *in, size_t len)
{
	if (p == NULL)
		return;
	if (p < in || p + n > in + len || memchr(p, ' ', n) != NULL)
		abort();
}

static void
check_record(const struct am_spf_record *r, const char *in, size_t len)
{
	const struct am_spf_term	*t;
	size_t				 i;

	for (i = 0; i < r->nterms; i++) {
		t = &r->terms[i];
		check_view(t->text, t->text_len, in, len);
		check_view(t->spec, t->spec_len, in, len);
		if (t->text_len == 0 || t->cidr4 > 32 || t->cidr6 > 128)
			abort();
		if (t->spec != NULL &&
		    am_spf_domain_spec_check(t->spec, t->spec_len, NULL) == -1)
			abort();
	}
	check_view(r->redirect, r->redirect_len, in, len);
	check_view(r->exp, r->exp_len, in, len);
	if (r->redirect != NULL &&
	    am_spf_domain_spec_check(r->redirect, r->redirect_len, NULL) == -1)
		abort();
	if (r->exp != NULL &&
	    am_spf_domain_spec_check(r->exp, r->exp_len, NULL) == -1)
		abort();
}

/* The record as a master-file TXT: strings of 255 octets, \DDD each. */
static void
zone_txt(struct am_buf *z, const uint8_t *data, size_t size)
{
	size_t	 i;

	(void)am_buf_appends(z, am_fuzz_zone);
	(void)am_buf_appends(z, "fuzz 300 TXT");
	for (i = 0; i < size; i++) {
		if (i % 255 == 0)
			(void)am_buf_appends(z, i > 0 ? "\" \"" : " \"");
		(void)am_buf_printf(z, "\\%03u", data[i]);
	}
	(void)am_buf_appends(z, size > 0 ? "\"\n" : " \"\"\n");
}

static void
evaluate(const uint8_t *data, size_t size, int syntax_ok)
{
	static const char *const ips[] = { "192.0.2.1", "2001:db8::1" };
	struct am_spf_result	 res;
	struct am_spf_opts	 opts;
	struct am_dns		*dns;
	struct am_buf		 z;
	size_t			 i;

	am_buf_init(&z, 1 << 20);
	zone_txt(&z, data, size);
	for (i = 0; i < 2; i++) {
		dns = am_dns_zone_new();
		if (am_dns_zone_load_string(dns, am_buf_str(&z), NULL) == -1)
			abort();
		am_spf_opts_init(&opts);
		opts.now = 1700000000;
		if (am_spf_check_mailfrom(dns, &opts,
	    &(struct am_spf_request){ ips[i], "a.example",
	    "user@fuzz.example", NULL },
	    &res, NULL) == -1)
			abort();
		if (res.verdict > AM_SPF_PERMERROR || res.lookups > 10 ||
		    res.voids > 3 || am_dns_query_count(dns) > AM_FUZZ_MAX_QUERIES ||
		    res.queries != am_dns_query_count(dns))
			abort();
		if (!syntax_ok && am_spf_record_is_spf((const char *)data,
		    size) && res.verdict != AM_SPF_PERMERROR)
			abort();
		am_dns_free(&dns);
	}
	am_buf_release(&z);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct am_spf_record	 rec;
	struct am_err		 err;
	const char		*in = (const char *)data;
	int			 ok;

	ok = am_spf_record_parse(in, size, &rec, &err) == 0;
	if (ok) {
		if (!am_spf_record_is_spf(in, size))
			abort();
		check_record(&rec, in, size);
		am_spf_record_release(&rec);
	} else if (err.code != AM_E_SYNTAX || err.msg[0] == '\0')
		abort();
	if (size <= 4096)
		evaluate(data, size, ok);
	return 0;
}
