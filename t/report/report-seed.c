/*
 * report-seed - fills a report store with a fixed set of DMARC
 * evaluations, built the way the engine builds them (struct
 * am_dmarc_result -> am_dmarc_report_fill -> am_report_record_from_dmarc),
 * for t/tool/report.sh.  Not a test itself.
 *
 * usage: report-seed STORE-URI BEGIN            the fixed set (below)
 *        report-seed STORE-URI BEGIN many N     N records of big.example,
 *                                               each from its own IP
 *        report-seed STORE-URI BEGIN abuse      the abuse set (below):
 *                                               what earns a report
 * Prints "records N" (the number stored inside [BEGIN, BEGIN+86400)).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc_report.h"
#include "report_record.h"
#include "report_store.h"

struct seed_sig {
	const char		*d, *s, *result;
	enum am_dmarc_alignment	 align;
};

struct seed {
	long			 at;		/* seconds after BEGIN */
	unsigned		 times;
	const char		*author, *policy_domain, *txt;
	enum am_dmarc_discovery	 disc;
	const char		*ip, *mfrom, *rcpt;
	const char		*spf_dom, *spf;
	struct seed_sig		 sig[3];
	enum am_dmarc_verdict	 verdict;
	enum am_dmarc_policy	 published, policy;
	enum am_dmarc_disposition disp;
	int			 override_local;	/* quarantine, not reject */
	const char		*comment;
	const char		*kind;		/* NULL: ordinary mail */
};

static const struct seed seeds[] = {
	/* aligned pass, p=reject: disposition pass */
	{ 100, 5, "example.com", "example.com",
	  "v=DMARC1; p=reject; rua=mailto:dmarc@example.com",
	  AM_DMARC_DISC_AUTHOR, "192.0.2.1", "example.com", "example.org",
	  "example.com", "pass",
	  { { "example.com", "s1", "pass", AM_DMARC_AL_STRICT } },
	  AM_DMARC_PASS, AM_DMARC_POLICY_REJECT, AM_DMARC_POLICY_REJECT,
	  AM_DMARC_DISP_PASS, 0, NULL, NULL },
	/* fail; DKIM given fail first, unaligned pass second: the report
	 * lists the pass first (RFC 9990 3.3); reject turned quarantine */
	{ 200, 3, "example.com", "example.com",
	  "v=DMARC1; p=reject; rua=mailto:dmarc@example.com",
	  AM_DMARC_DISC_AUTHOR, "198.51.100.7", "bounce.example.net",
	  "example.org", "bounce.example.net", "pass",
	  { { "example.com", "s1", "fail", AM_DMARC_AL_SKIPPED },
	    { "mailer.example.net", "k1", "pass", AM_DMARC_AL_NO } },
	  AM_DMARC_FAIL, AM_DMARC_POLICY_REJECT, AM_DMARC_POLICY_REJECT,
	  AM_DMARC_DISP_REJECT, 1, "no reject on p=reject <&> \"quoted\" \x01",
	  NULL },
	/* the same domain after a policy change: a second report */
	{ 40000, 2, "sub.example.com", "example.com",
	  "v=DMARC1; p=reject; sp=quarantine; np=reject; adkim=s; fo=1:d; "
	  "rua=mailto:dmarc@example.com,mailto:reports@thirdparty.example",
	  AM_DMARC_DISC_ORG, "192.0.2.1", "", "example.org",
	  "mx.example.com", "none",
	  { { "sub.example.com", "", "pass", AM_DMARC_AL_STRICT },
	    { "example.com", "s2", "pass", AM_DMARC_AL_RELAXED } },
	  AM_DMARC_PASS, AM_DMARC_POLICY_QUARANTINE,
	  AM_DMARC_POLICY_QUARANTINE, AM_DMARC_DISP_PASS, 0, NULL, NULL },
	/* passed once, before the period: its failing mail in the period
	 * still earns the report (history) */
	{ -86400 + 10, 1, "test.example.org", "test.example.org",
	  "v=DMARC1; p=quarantine; t=y; rua=mailto:agg@reports.example.net",
	  AM_DMARC_DISC_AUTHOR, "2001:db8::25", "test.example.org",
	  "example.org", "test.example.org", "pass", { { NULL } },
	  AM_DMARC_PASS, AM_DMARC_POLICY_QUARANTINE, AM_DMARC_POLICY_NONE,
	  AM_DMARC_DISP_NONE, 0, NULL, NULL },
	{ -86400 + 20, 1, "spoofed.example", "spoofed.example",
	  "v=DMARC1; p=none; rua=mailto:x@evil.example",
	  AM_DMARC_DISC_AUTHOR, "203.0.113.5", "spoofed.example",
	  "example.org", "spoofed.example", "pass", { { NULL } },
	  AM_DMARC_PASS, AM_DMARC_POLICY_NONE, AM_DMARC_POLICY_NONE,
	  AM_DMARC_DISP_NONE, 0, NULL, NULL },
	/* t=y: policy stepped down, policy_test_mode; external rua */
	{ 300, 4, "test.example.org", "test.example.org",
	  "v=DMARC1; p=quarantine; t=y; rua=mailto:agg@reports.example.net",
	  AM_DMARC_DISC_AUTHOR, "2001:db8::25", "test.example.org",
	  "example.org", "test.example.org", "softfail", { { NULL } },
	  AM_DMARC_FAIL, AM_DMARC_POLICY_QUARANTINE, AM_DMARC_POLICY_NONE,
	  AM_DMARC_DISP_NONE, 0, NULL, NULL },
	/* no rua: never reported */
	{ 400, 1, "norua.example", "norua.example", "v=DMARC1; p=none",
	  AM_DMARC_DISC_AUTHOR, "192.0.2.9", "norua.example", "example.org",
	  "norua.example", "pass", { { NULL } }, AM_DMARC_PASS,
	  AM_DMARC_POLICY_NONE, AM_DMARC_POLICY_NONE, AM_DMARC_DISP_NONE, 0,
	  NULL, NULL },
	/* an external rua that did not authorize reports */
	{ 500, 1, "spoofed.example", "spoofed.example",
	  "v=DMARC1; p=none; rua=mailto:x@evil.example",
	  AM_DMARC_DISC_AUTHOR, "203.0.113.5", "spoofed.example",
	  "example.org", "spoofed.example", "fail", { { NULL } },
	  AM_DMARC_FAIL, AM_DMARC_POLICY_NONE, AM_DMARC_POLICY_NONE,
	  AM_DMARC_DISP_NONE, 0, NULL, NULL },
	/* outside the period */
	{ 86400 + 5, 7, "example.com", "example.com",
	  "v=DMARC1; p=reject; rua=mailto:dmarc@example.com",
	  AM_DMARC_DISC_AUTHOR, "192.0.2.1", "example.com", "example.org",
	  "example.com", "pass", { { NULL } }, AM_DMARC_PASS,
	  AM_DMARC_POLICY_REJECT, AM_DMARC_POLICY_REJECT, AM_DMARC_DISP_PASS,
	  0, NULL, NULL },
};

#define ABUSE_SEED(at, n, dom, rua, verdict, spf, kind) \
	{ at, n, dom, dom, "v=DMARC1; p=none; rua=mailto:" rua, \
	  AM_DMARC_DISC_AUTHOR, "192.0.2.77", dom, "example.org", dom, spf, \
	  { { NULL } }, verdict, AM_DMARC_POLICY_NONE, AM_DMARC_POLICY_NONE, \
	  AM_DMARC_DISP_NONE, 0, NULL, kind }
static const struct seed abuse[] = {
	/* only DSNs (passing): not reported */
	ABUSE_SEED(100, 3, "dsn.example", "d@dsn.example", AM_DMARC_PASS,
	    "pass", "dsn"),
	/* only reports: not reported */
	ABUSE_SEED(100, 2, "rpt.example", "d@rpt.example", AM_DMARC_PASS,
	    "pass", "report"),
	ABUSE_SEED(110, 1, "rpt.example", "d@rpt.example", AM_DMARC_PASS,
	    "pass", "tlsrpt"),
	/* failing mail from a domain that never passed: not reported */
	ABUSE_SEED(100, 4, "never.example", "d@never.example", AM_DMARC_FAIL,
	    "fail", NULL),
	/* one ordinary pass earns it; the DSNs are counted in it */
	ABUSE_SEED(100, 1, "mixed.example", "d@mixed.example", AM_DMARC_PASS,
	    "pass", NULL),
	ABUSE_SEED(120, 2, "mixed.example", "d@mixed.example", AM_DMARC_PASS,
	    "pass", "dsn"),
	/* failing in the period, passed before it: reported */
	ABUSE_SEED(-3600, 1, "once.example", "d@once.example", AM_DMARC_PASS,
	    "pass", NULL),
	ABUSE_SEED(100, 2, "once.example", "d@once.example", AM_DMARC_FAIL,
	    "fail", NULL),
	/* two domains, one destination: ReportDestinationLimit 1 holds
	 * the second message back */
	ABUSE_SEED(100, 1, "a.limit.example", "d@limit.example",
	    AM_DMARC_PASS, "pass", NULL),
	ABUSE_SEED(100, 1, "b.limit.example", "d@limit.example",
	    AM_DMARC_PASS, "pass", NULL),
};

static void
seed_result(const struct seed *s, const char *ip_override,
    struct am_dmarc_result *r)
{
	struct am_dmarc_ident	*id;
	size_t			 i;

	memset(r, 0, sizeof(*r));
	r->verdict = s->verdict;
	r->mode = AM_DMARC_MODE_WALK;
	snprintf(r->author, sizeof(r->author), "%s", s->author);
	r->have_policy = 1;
	snprintf(r->policy_domain, sizeof(r->policy_domain), "%s",
	    s->policy_domain);
	r->discovery = s->disc;
	if (am_dmarc_rec_parse(s->txt, strlen(s->txt), &r->rec, NULL) != 0)
		abort();
	r->published = s->published;
	r->policy = s->policy;
	r->testing = r->rec.t;
	r->disposition = s->disp;
	id = &r->ident[r->nident++];
	id->is_dkim = 0;
	snprintf(id->domain, sizeof(id->domain), "%s", s->spf_dom);
	id->result = s->spf;
	id->align = AM_DMARC_AL_SKIPPED;
	if (strcmp(s->spf, "pass") == 0 && strcmp(s->spf_dom, s->author) == 0) {
		id->align = AM_DMARC_AL_STRICT;
		r->spf_aligned = 1;
	}
	for (i = 0; i < 3 && s->sig[i].d != NULL; i++) {
		id = &r->ident[r->nident++];
		id->is_dkim = 1;
		snprintf(id->domain, sizeof(id->domain), "%s", s->sig[i].d);
		snprintf(id->selector, sizeof(id->selector), "%s", s->sig[i].s);
		id->result = s->sig[i].result;
		id->align = s->sig[i].align;
		if (strcmp(s->sig[i].result, "pass") == 0 &&
		    (id->align == AM_DMARC_AL_STRICT ||
		    id->align == AM_DMARC_AL_RELAXED))
			r->dkim_aligned = 1;
	}
	(void)ip_override;
}

int
main(int argc, char **argv)
{
	struct am_report_store	*st;
	struct am_report_record	*recs;
	struct am_dmarc_result	 r;
	struct am_dmarc_report	 rep;
	struct am_err		 err;
	long			 begin, many = 0;
	size_t			 i, k, n = 0, inside = 0, cap = 4096;

	const struct seed	*set = seeds;
	size_t			 nset = sizeof(seeds) / sizeof(seeds[0]);

	if (argc == 4 && strcmp(argv[3], "abuse") == 0) {
		set = abuse;
		nset = sizeof(abuse) / sizeof(abuse[0]);
	} else if (argc != 3 && !(argc == 5 &&
	    strcmp(argv[3], "many") == 0)) {
		fprintf(stderr, "usage: report-seed URI BEGIN [many N | "
		    "abuse]\n");
		return 64;
	}
	begin = atol(argv[2]);
	if (argc == 5 && set == seeds)
		many = atol(argv[4]);
	if (am_report_store_open(argv[1], &st, &err) != 0) {
		fprintf(stderr, "report-seed: %s\n", err.msg);
		return 1;
	}
	recs = calloc(many > 0 ? (size_t)many : cap, sizeof(*recs));
	if (many > 0) {
		static const struct seed big = { 60, 1, "big.example",
		    "big.example", "v=DMARC1; p=none; rua=mailto:d@big.example",
		    AM_DMARC_DISC_AUTHOR, NULL, "big.example", "example.org",
		    "big.example", "pass", { { "big.example", "sel", "pass",
		    AM_DMARC_AL_STRICT } }, AM_DMARC_PASS,
		    AM_DMARC_POLICY_NONE, AM_DMARC_POLICY_NONE,
		    AM_DMARC_DISP_NONE, 0, NULL };
		char ip[64];

		for (i = 0; i < (size_t)many; i++) {
			seed_result(&big, NULL, &r);
			snprintf(ip, sizeof(ip), "10.%zu.%zu.%zu",
			    (i >> 16) & 255, (i >> 8) & 255, i & 255);
			am_dmarc_report_fill(&rep, &r, ip, big.mfrom, big.rcpt);
			rep.time = begin + 60 + (long)(i % 80000);
			am_report_record_from_dmarc(&recs[n++], &rep);
			inside++;
		}
	} else {
		for (i = 0; i < nset; i++) {
			const struct seed *s = &set[i];

			seed_result(s, NULL, &r);
			am_dmarc_report_fill(&rep, &r, s->ip, s->mfrom,
			    s->rcpt);
			if (s->override_local)
				am_dmarc_report_override(&rep,
				    AM_DMARC_DISP_QUARANTINE,
				    AM_DMARC_OVR_LOCAL_POLICY, s->comment);
			if (s->kind != NULL)
				snprintf(rep.kind, sizeof(rep.kind), "%s",
				    s->kind);
			for (k = 0; k < s->times; k++) {
				rep.time = begin + s->at + (long)k;
				am_report_record_from_dmarc(&recs[n++], &rep);
				if (s->at + (long)k >= 0 &&
				    s->at + (long)k < 86400)
					inside++;
			}
		}
	}
	if (am_report_store_insert(st, recs, n, &err) != 0) {
		fprintf(stderr, "report-seed: %s\n", err.msg);
		return 1;
	}
	am_report_store_close(&st);
	free(recs);
	printf("records %zu\n", inside);
	return 0;
}
