/*
 * fuzz-dmarc-rec - libFuzzer target for the DMARC record parser, and
 * for a whole evaluation with the record published in a zone
 *
 * The input is one TXT record.  Checks, beyond "no crash":
 *  - parse succeeds exactly when am_dmarc_rec_is_dmarc() says so, and
 *    a failure is AM_E_SYNTAX with a message;
 *  - every enum is in range, tag states agree with the values (an
 *    invalid fo leaves fo=0), kept URI lists are NUL-terminated, hold
 *    no ',' but between URIs and no '!', and count nrua/nruf URIs;
 *  - am_dmarc_rec_format() always terminates its output;
 *  - the record is then published at _dmarc.example (psd=? as it
 *    says), at _dmarc.fuzz.example and twice at _dmarc.two.example, and
 *    mail from a.b.c.d.e.f.g.h.i.fuzz.example is evaluated with a
 *    passing SPF for x.fuzz.example and a passing DKIM for a
 *    deep name: the verdict is in range, no walk is longer than 8
 *    queries (so the whole evaluation asks at most 3 walks of 8 plus
 *    one existence query), and policy.dmarc never exceeds the
 *    published policy.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"
#include "buf.h"
#include "dmarc.h"
#include "dmarc_rec.h"
#include "dns.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_list(const char *list, unsigned n)
{
	unsigned	 commas = 0;
	const char	*p;

	if (memchr(list, '\0', AM_DMARC_URILIST_MAX) == NULL)
		abort();
	for (p = list; *p != '\0'; p++) {
		commas += *p == ',';
		if (*p == '!' || (unsigned char)*p <= ' ' ||
		    (unsigned char)*p >= 0x7f)
			abort();
	}
	if ((n == 0) != (list[0] == '\0') || (n > 0 && commas != n - 1) ||
	    n > AM_DMARC_URI_MAX)
		abort();
}

static void
check_rec(const struct am_dmarc_rec *r)
{
	char	 buf[64];

	if (r->p > AM_DMARC_POLICY_REJECT || r->sp > AM_DMARC_POLICY_REJECT ||
	    r->np > AM_DMARC_POLICY_REJECT || r->psd > AM_DMARC_PSD_N ||
	    r->adkim > AM_DMARC_ALIGN_STRICT || r->aspf > AM_DMARC_ALIGN_STRICT)
		abort();
	if (r->p_state > AM_DMARC_TAG_INVALID || r->t_state >
	    AM_DMARC_TAG_INVALID || r->fo_state > AM_DMARC_TAG_INVALID)
		abort();
	if (r->fo == 0 || (r->fo & ~0x0fu) != 0 ||
	    (r->fo_state != AM_DMARC_TAG_OK && r->fo != AM_DMARC_FO_0) ||
	    (r->fo & (AM_DMARC_FO_0 | AM_DMARC_FO_1)) ==
	    (AM_DMARC_FO_0 | AM_DMARC_FO_1))
		abort();
	if (r->psd_state != AM_DMARC_TAG_OK && r->psd != AM_DMARC_PSD_U)
		abort();
	check_list(r->rua, r->nrua);
	check_list(r->ruf, r->nruf);
	if ((r->nrua > 0) != (r->rua_state == AM_DMARC_TAG_OK))
		abort();
	am_dmarc_rec_format(r, buf, sizeof(buf));
	if (memchr(buf, '\0', sizeof(buf)) == NULL)
		abort();
}

/* The record as a master-file TXT: strings of 255 octets, \DDD each. */
static void
zone_txt(struct am_buf *z, const char *owner, const uint8_t *data,
    size_t size)
{
	size_t	 i;

	(void)am_buf_printf(z, "%s 300 TXT", owner);
	for (i = 0; i < size; i++) {
		if (i % 255 == 0)
			(void)am_buf_appends(z, i > 0 ? "\" \"" : " \"");
		(void)am_buf_printf(z, "\\%03u", data[i]);
	}
	(void)am_buf_appends(z, size > 0 ? "\"\n" : " \"\"\n");
}

static void
evaluate(const uint8_t *data, size_t size, const struct am_dmarc_rec *rec)
{
	static const struct am_dmarc_dkim_in dkim[] = {
		{ "k.j.i.h.g.f.e.d.c.b.a.two.example", "s", AM_VERDICT_PASS },
		{ "two.example", "s", AM_VERDICT_TEMPERROR },
	};
	struct am_dmarc_input	 in;
	struct am_dmarc_opts	 opts;
	struct am_dmarc_result	 r;
	struct am_authres	 ar;
	struct am_dns		*dns;
	struct am_buf		 z;

	am_buf_init(&z, 1 << 20);
	(void)am_buf_appends(&z, "$ORIGIN example.\nx.fuzz 300 A 192.0.2.1\n");
	zone_txt(&z, "_dmarc", data, size);
	zone_txt(&z, "_dmarc.fuzz", data, size);
	zone_txt(&z, "_dmarc.two", data, size);
	zone_txt(&z, "_dmarc.two", (const uint8_t *)"v=DMARC1", 8);
	dns = am_dns_zone_new();
	if (am_dns_zone_load_string(dns, am_buf_str(&z), NULL) == -1)
		abort();
	memset(&in, 0, sizeof(in));
	in.author = "a.b.c.d.e.f.g.h.i.fuzz.example";
	in.spf = AM_VERDICT_PASS;
	in.spf_domain = "x.fuzz.example";
	in.dkim = dkim;
	in.ndkim = 2;
	am_dmarc_opts_init(&opts);
	opts.max_dkim = 2;
	if (am_dmarc_eval(dns, &opts, &in, &r, NULL) == -1)
		abort();
	if (r.verdict > AM_DMARC_PERMERROR || r.queries > 4 * 8 + 1 ||
	    r.queries != am_dns_query_count(dns) ||
	    (r.have_policy && r.policy > r.published) || r.why.err)
		abort();
	if (rec != NULL && r.verdict == AM_DMARC_NONE && rec->psd ==
	    AM_DMARC_PSD_U)
		abort();	/* the record sits at the org domain */
	am_authres_init(&ar);
	am_dmarc_result_authres(&r, &ar);
	if (am_authres_failed(&ar))
		abort();
	am_authres_release(&ar);
	am_dmarc_result_release(&r);
	am_dns_free(&dns);
	am_buf_release(&z);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct am_dmarc_rec	 rec;
	struct am_err		 err;
	const char		*in = (const char *)data;
	int			 ok;

	ok = am_dmarc_rec_parse(in, size, &rec, &err) == 0;
	if (ok != am_dmarc_rec_is_dmarc(in, size))
		abort();
	if (ok)
		check_rec(&rec);
	else if (err.code != AM_E_SYNTAX || err.msg[0] == '\0')
		abort();
	if (size <= 2048)
		evaluate(data, size, ok ? &rec : NULL);
	return 0;
}
