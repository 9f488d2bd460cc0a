/*
 * fuzz-zone-eval - libFuzzer target for SPF and DMARC evaluation over a
 * hostile zone: the input is master-file text loaded (lib/dns zone
 * loader) under "$ORIGIN example.", and then
 *
 *  - SPF checks MAIL FROM a@example, a@b.example and the null sender,
 *    and the HELO mx.example, from 192.0.2.1 and 2001:db8::1;
 *  - DMARC evaluates the author domains example and a.b.c.example with
 *    SPF passing for b.example and DKIM passing for c.example.
 *
 * Checks, beyond "no crash": a zone that does not load says why; every
 * verdict is in range; SPF stays within RFC 7208 4.6.4 (10 DNS-querying
 * terms, each MX or PTR at most 10 names, 2 void lookups: so at most
 * 1 + 10 * 11 + 1 queries for exp=), its explanation is NUL-terminated
 * and its counts agree with the resolver's; a DMARC walk asks at most
 * 8 names for each of 2 walks plus the existence query; the resinfos
 * built from the results are never cut.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"
#include "buf.h"
#include "dmarc.h"
#include "dns.h"
#include "err.h"
#include "spf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
spf_one(struct am_dns *dns, const char *ip, const char *sender, int helo)
{
	struct am_spf_opts	 o;
	struct am_spf_request	 q = {
		.ip = ip, .helo = "mx.example", .sender = sender,
	};
	struct am_spf_result	 r;
	struct am_authres	 ar;
	struct am_err		 err;
	unsigned long		 before = am_dns_query_count(dns);
	int			 rc;

	am_spf_opts_init(&o);
	o.now = 1764072000;
	memset(&r, 0, sizeof(r));
	rc = helo ? am_spf_check_helo(dns, &o, &q, &r, &err) :
	    am_spf_check_mailfrom(dns, &o, &q, &r, &err);
	if (rc == -1) {
		if (err.msg[0] == '\0')
			abort();
		return;
	}
	if (r.verdict > AM_SPF_PERMERROR || r.lookups > AM_SPF_MAX_LOOKUPS + 1 ||
	    r.voids > AM_SPF_MAX_VOIDS + 1 ||
	    r.queries > 2 + AM_SPF_MAX_LOOKUPS * (AM_SPF_MAX_NAMES + 1) ||
	    r.queries != am_dns_query_count(dns) - before ||
	    memchr(r.explanation, '\0', sizeof(r.explanation)) == NULL)
		abort();
	am_authres_init(&ar);
	am_spf_result_authres(&r, &ar);
	if (am_authres_failed(&ar))
		abort();
	am_authres_release(&ar);
}

static void
dmarc_one(struct am_dns *dns, const char *author)
{
	static const struct am_dmarc_dkim_in dkim[] = {
		{ "c.example", "s", AM_VERDICT_PASS },
		{ "example", "s", AM_VERDICT_FAIL },
	};
	struct am_dmarc_input	 in;
	struct am_dmarc_opts	 o;
	struct am_dmarc_result	 r;
	struct am_authres	 ar;
	struct am_err		 err;

	memset(&in, 0, sizeof(in));
	in.author = author;
	in.spf = AM_VERDICT_PASS;
	in.spf_domain = "b.example";
	in.dkim = dkim;
	in.ndkim = 2;
	am_dmarc_opts_init(&o);
	if (am_dmarc_eval(dns, &o, &in, &r, &err) == -1) {
		if (err.msg[0] == '\0')
			abort();
		return;
	}
	if (r.verdict > AM_DMARC_PERMERROR || r.queries > 2 * 8 + 1 ||
	    (r.have_policy && r.policy > r.published))
		abort();
	am_authres_init(&ar);
	am_dmarc_result_authres(&r, &ar);
	if (am_authres_failed(&ar))
		abort();
	am_authres_release(&ar);
	am_dmarc_result_release(&r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct am_dns	*dns;
	struct am_buf	 z;
	struct am_err	 err;

	if (size > 16384)
		return 0;
	am_buf_init(&z, size + 64);
	(void)am_buf_appends(&z, "$ORIGIN example.\n");
	(void)am_buf_append(&z, data, size);
	if (memchr(data, '\0', size) != NULL) {	/* text only */
		am_buf_release(&z);
		return 0;
	}
	dns = am_dns_zone_new();
	am_err_clear(&err);
	if (am_dns_zone_load_string(dns, am_buf_str(&z), &err) == -1) {
		if (err.msg[0] == '\0')
			abort();
	} else {
		spf_one(dns, "192.0.2.1", "a@example", 0);
		spf_one(dns, "2001:db8::1", "a@b.example", 0);
		spf_one(dns, "192.0.2.1", "", 0);
		spf_one(dns, "192.0.2.1", NULL, 1);
		dmarc_one(dns, "example");
		dmarc_one(dns, "a.b.c.example");
	}
	am_dns_free(&dns);
	am_buf_release(&z);
	return 0;
}
