/*
 * t-dmarc - DMARC evaluation (RFC 9989) on zones in the zone-file
 * resolver
 *
 * The table holds the test checklist of shared/notes/dmarcbis.md
 * section 8 (numbered as there) and the regressions it lists; the
 * functions after it cover the query bound on hostile names, DNS
 * errors and the time budget, PSL mode, several author domains, the
 * Authentication-Results resinfo and the report record.
 *
 * In the table an identifier "d" is a pass, "!d" a fail and "?d" a
 * temperror.  walk lists the names the author's walk asked about, in
 * order, as the why-trace shows them.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"
#include "dmarc.h"
#include "dmarc_report.h"
#include "dns.h"
#include "psl.h"
#include "tap.h"

#define D(name, rec)	"_dmarc." name ". TXT \"" rec "\"\n"
#define A(name)		name ". A 192.0.2.1\n"
#define EX_REJECT	D("example.com", "v=DMARC1; p=reject")
#define PSD_EXAMPLE	D("example", "v=DMARC1; p=reject; sp=quarantine; " \
			    "np=reject; psd=y; rua=mailto:agg@example")
#define BANK		D("bank.example", "v=DMARC1; p=reject; psd=y") \
			D("giant.bank.example", "v=DMARC1; p=quarantine")

struct tcase {
	const char	*name;
	const char	*zone;
	const char	*author;
	const char	*spf;		/* NULL: no SPF identity */
	const char	*dkim1, *dkim2;
	const char	*verdict;
	const char	*policy;	/* policy.dmarc; NULL: none applied */
	const char	*pdom;		/* policy domain; NULL: don't check */
	const char	*org;		/* author's org domain; NULL: skip */
	int		 queries;	/* -1: don't check */
	const char	*walk;		/* NULL: don't check */
};

static const struct tcase cases[] = {
	/* walk and policy discovery */
	{ "1 author record, aligned DKIM", EX_REJECT, "example.com", NULL,
	  "example.com", NULL, "pass", "reject", "example.com", NULL, 1,
	  "example.com" },
	{ "2 subdomain: 4 queries, walk does not stop at the record",
	  EX_REJECT A("a.b.example.com"), "a.b.example.com", NULL, NULL, NULL,
	  "fail", "reject", "example.com", "example.com", 4,
	  "a.b.example.com,b.example.com,example.com,com" },
	{ "3 sp=quarantine", D("example.com", "v=DMARC1; p=reject; "
	  "sp=quarantine") A("a.b.example.com"), "a.b.example.com", NULL, NULL,
	  NULL, "fail", "quarantine", "example.com", NULL, 4, NULL },
	{ "4 intermediate record not used", D("mail.example.com",
	  "v=DMARC1; p=none") EX_REJECT A("x.mail.example.com"),
	  "x.mail.example.com", NULL, NULL, NULL, "fail", "reject",
	  "example.com", "example.com", 4, NULL },
	{ "5 psd=n stops the walk", D("dept.example.com", "v=DMARC1; "
	  "p=quarantine; sp=none; psd=n") EX_REJECT A("h.dept.example.com"),
	  "h.dept.example.com", NULL, NULL, NULL, "fail", "none",
	  "dept.example.com", "dept.example.com", 2,
	  "h.dept.example.com,dept.example.com" },
	{ "6 PSD record, sp", PSD_EXAMPLE A("mail.brand.example"),
	  "mail.brand.example", NULL, NULL, NULL, "fail", "quarantine",
	  "example", "brand.example", 4, NULL },
	{ "7 PSD record, np for a non-existent domain", PSD_EXAMPLE,
	  "ghost.brand2.example", NULL, NULL, NULL, "fail", "reject",
	  "example", "brand2.example", 4, NULL },
	{ "8 org record before PSD record", PSD_EXAMPLE
	  D("brand.example", "v=DMARC1; p=none") A("a.brand.example"),
	  "a.brand.example", NULL, NULL, NULL, "fail", "none", "brand.example",
	  "brand.example", 3, NULL },
	{ "9 13 labels: exactly 8 queries", EX_REJECT,
	  "a.b.c.d.e.f.g.h.i.j.mail.example.com", NULL, NULL, NULL, "fail",
	  "reject", "example.com", "example.com", 8,
	  "a.b.c.d.e.f.g.h.i.j.mail.example.com,g.h.i.j.mail.example.com,"
	  "h.i.j.mail.example.com,i.j.mail.example.com,j.mail.example.com,"
	  "mail.example.com,example.com,com" },
	{ "10 8-label name skipped: none", D("b.c.d.e.f.g.example.com",
	  "v=DMARC1; p=reject"), "a.b.c.d.e.f.g.example.com", NULL, NULL, NULL,
	  "none", NULL, "", NULL, 8,
	  "a.b.c.d.e.f.g.example.com,c.d.e.f.g.example.com,d.e.f.g.example.com,"
	  "e.f.g.example.com,f.g.example.com,g.example.com,example.com,com" },
	{ "11 psd=y at 7 labels: org never queried, PSD applies",
	  D("d.e.f.g.h.i.test", "v=DMARC1; p=reject; psd=y"),
	  "a.b.c.d.e.f.g.h.i.test", NULL, NULL, NULL, "fail", "reject",
	  "d.e.f.g.h.i.test", "c.d.e.f.g.h.i.test", 2,
	  "a.b.c.d.e.f.g.h.i.test,d.e.f.g.h.i.test" },
	{ "12 two records discarded, walk goes on",
	  D("a.example.com", "v=DMARC1; p=none") D("a.example.com",
	  "v=DMARC1; p=reject") D("example.com", "v=DMARC1; p=reject; "
	  "sp=quarantine"), "a.example.com", NULL, NULL, NULL, "fail",
	  "quarantine", "example.com", "example.com", 3, NULL },
	{ "13 SPF record beside the DMARC record",
	  D("example.com", "v=spf1 -all") EX_REJECT, "example.com", NULL, NULL,
	  NULL, "fail", "reject", "example.com", NULL, 1, NULL },
	{ "14 v not first: none", D("example.com", "p=reject; v=DMARC1"),
	  "example.com", NULL, "example.com", NULL, "none", NULL, "", NULL, 2,
	  NULL },
	{ "15 no records: none", A("example.com"), "example.com", "example.com",
	  NULL, NULL, "none", NULL, "", "example.com", 2, NULL },
	/* tags */
	{ "17 no p: acts as p=none, fail",
	  D("example.com", "v=DMARC1; rua=mailto:d@example.com"),
	  "example.com", NULL, NULL, NULL, "fail", "none", "example.com", NULL,
	  1, NULL },
	{ "17 no p: acts as p=none, pass",
	  D("example.com", "v=DMARC1; rua=mailto:d@example.com"),
	  "example.com", NULL, "example.com", NULL, "pass", "none",
	  "example.com", NULL, 1, NULL },
	{ "18 p=bogus, no rua: permerror", D("example.com",
	  "v=DMARC1; p=bogus"), "example.com", NULL, NULL, NULL, "permerror",
	  NULL, "example.com", NULL, 1, NULL },
	{ "19 np=maybe with rua: p=none", D("example.com", "v=DMARC1; "
	  "p=reject; np=maybe; rua=mailto:r@example.com"), "example.com", NULL,
	  NULL, NULL, "fail", "none", "example.com", NULL, 1, NULL },
	{ "20 pct ri rf foo ignored: reject in full",
	  D("example.com", "v=DMARC1; p=reject; pct=0; ri=3600; rf=afrf; "
	  "foo=bar; adkim=x"), "example.com", NULL, NULL, NULL, "fail",
	  "reject", "example.com", NULL, 1, NULL },
	{ "20 adkim=x is relaxed",
	  D("example.com", "v=DMARC1; p=reject; pct=0; ri=3600; rf=afrf; "
	  "foo=bar; adkim=x"), "example.com", NULL, "sub.example.com", NULL,
	  "pass", "reject", "example.com", NULL, -1, NULL },
	{ "21 t=y: reject steps down to quarantine",
	  D("example.com", "v=DMARC1; p=reject; t=y"), "example.com", NULL,
	  NULL, NULL, "fail", "quarantine", "example.com", NULL, 1, NULL },
	{ "22 t=y: quarantine steps down to none",
	  D("example.com", "v=DMARC1; p=quarantine; t=y"), "example.com", NULL,
	  NULL, NULL, "fail", "none", "example.com", NULL, 1, NULL },
	{ "22 t=y: none stays none", D("example.com", "v=DMARC1; p=none; t=y"),
	  "example.com", NULL, NULL, NULL, "fail", "none", "example.com", NULL,
	  1, NULL },
	{ "22 t=y: sp=reject for a subdomain gives quarantine",
	  D("example.com", "v=DMARC1; p=none; sp=reject; t=y") A("s.example.com"),
	  "s.example.com", NULL, NULL, NULL, "fail", "quarantine",
	  "example.com", NULL, 3, NULL },
	{ "23 NX subdomain without np: sp", D("example.com", "v=DMARC1; "
	  "p=reject; sp=quarantine"), "nx.example.com", NULL, NULL, NULL,
	  "fail", "quarantine", "example.com", NULL, 3, NULL },
	{ "24 empty non-terminal exists: sp", D("example.com", "v=DMARC1; "
	  "p=none; sp=none; np=reject") A("x.ent.example.com"),
	  "ent.example.com", NULL, NULL, NULL, "fail", "none", "example.com",
	  NULL, 4, NULL },
	{ "24 NX subdomain: np", D("example.com", "v=DMARC1; p=none; sp=none; "
	  "np=reject"), "gone.example.com", NULL, NULL, NULL, "fail", "reject",
	  "example.com", NULL, 4, NULL },
	{ "25 subdomain record at the author: p",
	  D("sub.example.com", "v=DMARC1; p=none; sp=reject"), "sub.example.com",
	  NULL, NULL, NULL, "fail", "none", "sub.example.com", NULL, 1, NULL },
	{ "25 its child: sub.example.com is the org domain, sp",
	  D("sub.example.com", "v=DMARC1; p=none; sp=reject")
	  A("x.sub.example.com"), "x.sub.example.com", NULL, NULL, NULL, "fail",
	  "reject", "sub.example.com", "sub.example.com", 4, NULL },
	/* alignment */
	{ "26 relaxed SPF through two walks", EX_REJECT, "news.example.com",
	  "bounce.example.com", NULL, NULL, "pass", "reject", "example.com",
	  "example.com", -1, NULL },
	{ "27 strict: sub author, parent identifiers",
	  D("example.com", "v=DMARC1; p=reject; adkim=s; aspf=s"),
	  "sub.example.com", "example.com", "example.com", NULL, "fail",
	  "reject", "example.com", NULL, -1, NULL },
	{ "27 strict: parent author, sub identifiers",
	  D("example.com", "v=DMARC1; p=reject; adkim=s; aspf=s"),
	  "example.com", "sub.example.com", "sub.example.com", NULL, "fail",
	  "reject", "example.com", NULL, 1, NULL },
	{ "28 strict ignores case", D("example.com", "v=DMARC1; p=reject; "
	  "adkim=s"), "Example.COM", NULL, "example.com", NULL, "pass",
	  "reject", "example.com", NULL, 1, NULL },
	{ "29 psd=n below the SPF domain: not aligned",
	  EX_REJECT D("dept.example.com", "v=DMARC1; p=reject; psd=n"),
	  "dept.example.com", "example.com", NULL, NULL, "fail", "reject",
	  "dept.example.com", "dept.example.com", -1, NULL },
	{ "30 record only below: d=parent not aligned",
	  D("a.example.com", "v=DMARC1; p=reject"), "a.example.com", NULL,
	  "example.com", NULL, "fail", "reject", "a.example.com",
	  "a.example.com", -1, NULL },
	{ "31 B.4.3: SPF aligned, DKIM not", BANK, "giant.bank.example",
	  "mail.giant.bank.example", "mail.mega.bank.example", NULL, "pass",
	  "quarantine", "giant.bank.example", "giant.bank.example", -1, NULL },
	{ "32 d= the PSD: not aligned", D("bank.example",
	  "v=DMARC1; p=reject; psd=y"), "giant.bank.example", NULL,
	  "bank.example", NULL, "fail", "reject", "bank.example",
	  "giant.bank.example", -1, NULL },
	{ "33 null sender: HELO domain as SPF identity", EX_REJECT,
	  "example.com", "mail.example.com", NULL, NULL, "pass", "reject",
	  "example.com", "example.com", -1, NULL },
	/* results of SPF and DKIM that are not pass */
	{ "failing DKIM and SPF are not identifiers", EX_REJECT, "example.com",
	  "!example.com", "!example.com", NULL, "fail", "reject",
	  "example.com", NULL, 1, NULL },
	{ "DKIM temperror that would align: temperror", EX_REJECT,
	  "example.com", NULL, "?example.com", NULL, "temperror", NULL,
	  "example.com", NULL, -1, NULL },
	{ "DKIM temperror that would not align: fail", EX_REJECT,
	  "example.com", NULL, "?example.net", NULL, "fail", "reject",
	  "example.com", NULL, -1, NULL },
	{ "second signature aligns", EX_REJECT, "example.com", NULL,
	  "example.net", "mail.example.com", "pass", "reject", "example.com",
	  "example.com", -1, NULL },
	{ "37 U-label author", D("xn--bcher-kva.example", "v=DMARC1; p=reject"),
	  "b\xc3\xbc" "cher.example", NULL, "xn--bcher-kva.example", NULL,
	  "pass", "reject", "xn--bcher-kva.example", NULL, 1, NULL },
	{ "36 address literal author: permerror", EX_REJECT, "[192.0.2.1]",
	  NULL, NULL, NULL, "permerror", NULL, "", NULL, 0, NULL },
	{ "36 empty author: permerror", EX_REJECT, "", NULL, NULL, NULL,
	  "permerror", NULL, "", NULL, 0, NULL },
	{ "TLD record without psd: everyone's org domain",
	  D("tld", "v=DMARC1; p=none"), "a.tld", "b.tld", NULL, NULL, "pass",
	  "none", "tld", "tld", -1, NULL },
};

/* walk_names - the names the walk from start asked, from the trace */

static void
walk_names(const struct am_dmarc_result *r, const char *start, char *out,
    size_t size)
{
	char		 pre[300];
	const char	*p = am_buf_str(&r->why), *q, *e;
	size_t		 used = 0, n;

	out[0] = '\0';
	n = (size_t)snprintf(pre, sizeof(pre), "walk %s: _dmarc.", start);
	for (; (q = strstr(p, pre)) != NULL; p = q + 1) {
		if (q != am_buf_str(&r->why) && q[-1] != '\n')
			continue;
		q += n;
		e = strchr(q, ':');
		if (e == NULL || used + (size_t)(e - q) + 2 > size)
			break;
		if (used > 0)
			out[used++] = ',';
		memcpy(out + used, q, (size_t)(e - q));
		used += (size_t)(e - q);
		out[used] = '\0';
	}
}

static void
ident(const char *spec, const char **d, int *pass, int *temp)
{
	*pass = spec[0] != '!' && spec[0] != '?';
	*temp = spec[0] == '?';
	*d = *pass ? spec : spec + 1;
}

static int
run(const char *zone, const struct am_dmarc_opts *opts, const char *author,
    const char *spf, const char *dkim1, const char *dkim2,
    struct am_dmarc_result *r, unsigned long *queries)
{
	struct am_dmarc_dkim_in	 dk[2];
	struct am_dmarc_input	 in;
	struct am_dns		*dns = am_dns_zone_new();
	struct am_err		 err;
	int			 pass, temp, rc;

	memset(&in, 0, sizeof(in));
	memset(dk, 0, sizeof(dk));
	if (am_dns_zone_load_string(dns, zone, &err) == -1)
		printf("# zone: %s\n", err.msg);
	in.author = author;
	if (spf != NULL) {
		ident(spf, &in.spf_domain, &pass, &temp);
		in.spf = pass ? AM_VERDICT_PASS : temp ? AM_VERDICT_TEMPERROR :
		    AM_VERDICT_FAIL;
	}
	if (dkim1 != NULL) {
		ident(dkim1, &dk[0].d, &pass, &temp);
		dk[0].s = "sel";
		dk[0].verdict = pass ? AM_VERDICT_PASS : temp ?
		    AM_VERDICT_TEMPERROR : AM_VERDICT_FAIL;
		in.ndkim = 1;
	}
	if (dkim2 != NULL) {
		ident(dkim2, &dk[1].d, &pass, &temp);
		dk[1].s = "sel2";
		dk[1].verdict = pass ? AM_VERDICT_PASS : AM_VERDICT_FAIL;
		in.ndkim = 2;
	}
	in.dkim = dk;
	rc = am_dmarc_eval(dns, opts, &in, r, &err);
	*queries = am_dns_query_count(dns);
	am_dns_free(&dns);
	return rc;
}

static void
check_case(const struct tcase *c, const struct am_dmarc_result *r,
    unsigned long queries, const char *tag)
{
	char	 name[200], walk[2048];

	snprintf(name, sizeof(name), "%s%s: verdict", tag, c->name);
	if (!is_str(am_dmarc_verdict_name(r->verdict), c->verdict, name))
		printf("# why:\n%s", am_buf_str(&r->why));
	snprintf(name, sizeof(name), "%s%s: policy.dmarc", tag, c->name);
	is_str(r->have_policy && (r->verdict == AM_DMARC_PASS ||
	    r->verdict == AM_DMARC_FAIL) ? am_dmarc_policy_name(r->policy) :
	    "-", c->policy != NULL ? c->policy : "-", name);
	if (c->pdom != NULL) {
		snprintf(name, sizeof(name), "%s%s: policy domain", tag,
		    c->name);
		is_str(r->policy_domain, c->pdom, name);
	}
	if (c->org != NULL) {
		snprintf(name, sizeof(name), "%s%s: org domain", tag, c->name);
		is_str(r->org_domain, c->org, name);
	}
	if (c->queries >= 0) {
		snprintf(name, sizeof(name), "%s%s: queries", tag, c->name);
		is_int(queries, c->queries, name);
		snprintf(name, sizeof(name), "%s%s: queries counted", tag,
		    c->name);
		is_int(r->queries, queries, name);
	}
	if (c->walk != NULL) {
		walk_names(r, r->author, walk, sizeof(walk));
		snprintf(name, sizeof(name), "%s%s: walk", tag, c->name);
		is_str(walk, c->walk, name);
	}
}

static void
table(void)
{
	struct am_dmarc_result	 r;
	struct am_dmarc_opts	 opts;
	unsigned long		 q;
	size_t			 i;

	am_dmarc_opts_init(&opts);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tcase *c = &cases[i];

		if (run(c->zone, &opts, c->author, c->spf, c->dkim1, c->dkim2,
		    &r, &q) == -1) {
			ok(0, c->name);
			continue;
		}
		check_case(c, &r, q, "");
		am_dmarc_result_release(&r);
	}
}


/* deep - hostile deep names: every walk stays within 8 queries */

static void
deep(void)
{
	struct am_dmarc_dkim_in	 dk[12];
	struct am_dmarc_input	 in;
	struct am_dmarc_opts	 opts;
	struct am_dmarc_result	 r;
	struct am_dns		*dns = am_dns_zone_new();
	char			 author[254], spf[254], d[12][254], walk[4096];
	size_t			 i, k, n;

	/* 122 labels, 251 octets: "a.a.a....example.com"; _dmarc.<it> is
	 * too long to ask, the walk goes on at its 7-label suffix */
	for (n = 0, k = 0; k < 120; k++)
		n += (size_t)snprintf(author + n, sizeof(author) - n, "a.");
	snprintf(author + n, sizeof(author) - n, "example.com");
	snprintf(spf, sizeof(spf), "b.%s", author + 2);
	for (i = 0; i < 12; i++) {
		snprintf(d[i], sizeof(d[i]), "%c.%s", (int)('c' + i),
		    author + 2 * 110);
		dk[i].d = d[i];
		dk[i].s = "s";
		dk[i].verdict = AM_VERDICT_FAIL;
	}
	dk[3].verdict = dk[7].verdict = dk[11].verdict = AM_VERDICT_PASS;
	(void)am_dns_zone_load_string(dns,
	    D("example.com", "v=DMARC1; p=reject; np=none"), NULL);
	memset(&in, 0, sizeof(in));
	in.author = author;
	in.spf = AM_VERDICT_PASS;
	in.spf_domain = spf;
	in.dkim = dk;
	in.ndkim = 12;
	am_dmarc_opts_init(&opts);
	(void)am_dmarc_eval(dns, &opts, &in, &r, NULL);
	is_str(am_dmarc_verdict_name(r.verdict), "pass",
	    "deep: deep identifiers under example.com align (relaxed)");
	ok(r.author_exists == 0 && r.ptag == AM_DMARC_PTAG_NP,
	    "deep: does not exist, np");
	walk_names(&r, author, walk, sizeof(walk));
	n = 1;
	for (k = 0; walk[k] != '\0'; k++)
		n += walk[k] == ',';
	is_int(n, 8, "deep: the author's walk asks 8 names");
	for (i = 0; i < r.nident; i++) {
		if (r.ident[i].align == AM_DMARC_AL_SKIPPED)
			continue;
		walk_names(&r, r.ident[i].domain, walk, sizeof(walk));
		for (n = 1, k = 0; walk[k] != '\0'; k++)
			n += walk[k] == ',';
		ok(n <= 8, "deep: an identifier's walk asks at most 8 names");
	}
	is_int(r.nident, 1 + AM_DMARC_MAX_DKIM, "deep: 10 signatures looked at");
	/* author 7 (its own name is too long), existence 1, SPF 0 (too
	 * long, then cached suffixes), 2 passing DKIM (the third is past
	 * max_dkim): 1 new name each */
	is_int(am_dns_query_count(dns), 7 + 1 + 0 + 2, "deep: queries in all");
	ok(am_dns_query_count(dns) <= 8 * (2 + AM_DMARC_MAX_DKIM) + 1,
	    "deep: within 8 per walk");
	am_dmarc_result_release(&r);
	am_dns_free(&dns);
}

/* dns_errors - SERVFAIL and TIMEOUT at every step give temperror */

static void
dns_errors(void)
{
	static const struct {
		const char		*name;
		const char		*fail;
		enum am_dns_status	 st;
		const char		*zone, *author, *spf;
		const char		*verdict, *reason;
	} t[] = {
		{ "16 SERVFAIL on the org record", "_dmarc.example.com",
		  AM_DNS_SERVFAIL, EX_REJECT, "a.example.com", NULL,
		  "temperror", "dns" },
		{ "TIMEOUT on the author's record", "_dmarc.example.com",
		  AM_DNS_TIMEOUT, EX_REJECT, "example.com", NULL,
		  "temperror", "dns" },
		{ "SERVFAIL on _dmarc.com", "_dmarc.com", AM_DNS_SERVFAIL,
		  EX_REJECT, "a.example.com", NULL, "temperror", "dns" },
		{ "SERVFAIL above an author record, identical SPF: pass",
		  "_dmarc.com", AM_DNS_SERVFAIL, EX_REJECT, "example.com",
		  "example.com", "pass", "aligned" },
		{ "SERVFAIL above an author record, relaxed SPF: temperror",
		  "_dmarc.com", AM_DNS_SERVFAIL, EX_REJECT, "example.com",
		  "a.example.com", "temperror", "dns-alignment" },
		{ "SERVFAIL in the SPF walk", "_dmarc.b.example.com",
		  AM_DNS_SERVFAIL, EX_REJECT, "a.example.com", "b.example.com",
		  "temperror", "dns-alignment" },
		{ "SERVFAIL in the existence query", "gone.example.com",
		  AM_DNS_SERVFAIL, D("example.com", "v=DMARC1; p=none; "
		  "np=reject"), "gone.example.com", NULL, "temperror",
		  "dns-existence" },
		{ "FORMERR is an error too", "_dmarc.example.com",
		  AM_DNS_FORMERR, EX_REJECT, "example.com", NULL, "temperror",
		  "dns" },
	};
	struct am_dmarc_input	 in;
	struct am_dmarc_opts	 opts;
	struct am_dmarc_result	 r;
	struct am_dns		*dns;
	char			 name[200];
	size_t			 i;

	am_dmarc_opts_init(&opts);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		dns = am_dns_zone_new();
		(void)am_dns_zone_load_string(dns, t[i].zone, NULL);
		am_dns_zone_fail(dns, t[i].fail, t[i].st);
		memset(&in, 0, sizeof(in));
		in.author = t[i].author;
		in.spf = AM_VERDICT_PASS;
		in.spf_domain = t[i].spf;
		(void)am_dmarc_eval(dns, &opts, &in, &r, NULL);
		snprintf(name, sizeof(name), "%s: verdict", t[i].name);
		if (!is_str(am_dmarc_verdict_name(r.verdict), t[i].verdict,
		    name))
			printf("# why:\n%s", am_buf_str(&r.why));
		snprintf(name, sizeof(name), "%s: reason", t[i].name);
		is_str(am_dmarc_reason_name(r.reason), t[i].reason, name);
		am_dmarc_result_release(&r);
		am_dns_free(&dns);
	}
}

static uint64_t
fake_clock(void *ctx)
{
	uint64_t	*now = ctx;

	return *now += 1000;	/* every look at the clock costs 1 s */
}

static void
budget(void)
{
	struct am_dmarc_input	 in;
	struct am_dmarc_opts	 opts;
	struct am_dmarc_result	 r;
	struct am_dns		*dns = am_dns_zone_new();
	uint64_t		 now = 0;

	(void)am_dns_zone_load_string(dns, EX_REJECT, NULL);
	am_dmarc_opts_init(&opts);
	opts.clock_ms = fake_clock;
	opts.clock_ctx = &now;
	opts.budget_ms = 1500;	/* one look at the clock, then it is spent */
	memset(&in, 0, sizeof(in));
	in.author = "a.b.c.example.com";
	(void)am_dmarc_eval(dns, &opts, &in, &r, NULL);
	is_str(am_dmarc_verdict_name(r.verdict), "temperror",
	    "budget: temperror");
	is_str(am_dmarc_reason_name(r.reason), "time-budget",
	    "budget: reason time-budget");
	is_int(am_dns_query_count(dns), 1, "budget: no query once spent");
	ok(strstr(am_buf_str(&r.why), "time budget spent") != NULL,
	    "budget: the trace says so");
	am_dmarc_result_release(&r);
	am_dns_free(&dns);
}

static void
missing_p_option(void)
{
	struct am_dmarc_result	 r;
	struct am_dmarc_opts	 opts;
	unsigned long		 q;

	am_dmarc_opts_init(&opts);
	opts.missing_p_no_dmarc = 1;
	(void)run(D("example.com", "v=DMARC1; adkim=s"), &opts, "example.com",
	    NULL, NULL, NULL, &r, &q);
	is_str(am_dmarc_verdict_name(r.verdict), "permerror",
	    "missing p, no rua, 4.10.1 reading: permerror");
	am_dmarc_result_release(&r);
	(void)run(D("example.com", "v=DMARC1; rua=mailto:a@example.com"),
	    &opts, "example.com", NULL, NULL, NULL, &r, &q);
	ok(r.verdict == AM_DMARC_FAIL && r.forced_none &&
	    r.policy == AM_DMARC_POLICY_NONE,
	    "missing p, valid rua, 4.10.1 reading: p=none");
	am_dmarc_result_release(&r);
}

/* psl_mode - RFC 7489 discovery and alignment through libpsl */

static void
psl_mode(void)
{
	static const struct tcase t[] = {
		{ "psl: org record", D("example.co.uk", "v=DMARC1; p=reject; "
		  "sp=quarantine") A("a.b.example.co.uk"), "a.b.example.co.uk",
		  NULL, NULL, NULL, "fail", "quarantine", "example.co.uk",
		  "example.co.uk", 2, NULL },
		{ "psl: 4 intermediate record skipped as well",
		  D("mail.example.com", "v=DMARC1; p=none") EX_REJECT,
		  "x.mail.example.com", NULL, NULL, NULL, "fail", "reject",
		  "example.com", "example.com", 2, NULL },
		{ "psl: 29 psd=n ignored, aligned", EX_REJECT
		  D("dept.example.com", "v=DMARC1; p=reject; psd=n"),
		  "dept.example.com", "example.com", NULL, NULL, "pass",
		  "reject", "dept.example.com", "example.com", 1, NULL },
		{ "psl: 30 aligned through the PSL", D("a.example.com",
		  "v=DMARC1; p=reject"), "a.example.com", NULL,
		  "example.com", NULL, "pass", "reject", "a.example.com",
		  "example.com", 1, NULL },
		{ "psl: 12 two records at the author end discovery",
		  D("a.example.com", "v=DMARC1; p=none") D("a.example.com",
		  "v=DMARC1; p=reject") EX_REJECT, "a.example.com", NULL, NULL,
		  NULL, "none", NULL, "", NULL, 1, NULL },
		{ "psl: strict is still equality", D("example.com",
		  "v=DMARC1; p=reject; aspf=s"), "sub.example.com",
		  "example.com", NULL, NULL, "fail", "reject", "example.com",
		  NULL, 2, NULL },
		{ "psl: 11 deep name, no walk", D("d.e.f.g.h.i.test",
		  "v=DMARC1; p=reject; psd=y"), "a.b.c.d.e.f.g.h.i.test", NULL,
		  NULL, NULL, "none", NULL, "", "i.test", 2, NULL },
	};
	struct am_dmarc_result	 r;
	struct am_dmarc_opts	 opts;
	struct am_psl		*psl;
	struct am_err		 err;
	unsigned long		 q;
	char			 org[254];
	size_t			 i;

	am_dmarc_opts_init(&opts);
	opts.mode = AM_DMARC_MODE_PSL;
	ok(run(EX_REJECT, &opts, "example.com", NULL, NULL, NULL, &r, &q) ==
	    -1, "psl: mode without a list is a usage error");
	am_dmarc_result_release(&r);
	if ((psl = am_psl_new(NULL, &err)) == NULL) {
		ok(0, err.msg);
		return;
	}
	ok(am_psl_org_domain(psl, "a.b.example.co.uk", org, sizeof(org)) == 0 &&
	    strcmp(org, "example.co.uk") == 0, "psl: org of a.b.example.co.uk");
	ok(am_psl_org_domain(psl, "com", org, sizeof(org)) == 0 &&
	    strcmp(org, "com") == 0, "psl: a suffix is its own org domain");
	ok(am_psl_is_suffix(psl, "co.uk"), "psl: co.uk is a suffix");
	ok(am_psl_org_domain(psl, "a.example.co.uk", org, 4) == -1,
	    "psl: small buffer");
	opts.psl = psl;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (run(t[i].zone, &opts, t[i].author, t[i].spf, t[i].dkim1,
		    t[i].dkim2, &r, &q) == -1) {
			ok(0, t[i].name);
			continue;
		}
		check_case(&t[i], &r, q, "");
		am_dmarc_result_release(&r);
	}
	am_psl_free(&psl);
	ok(psl == NULL, "psl: free clears the pointer");
	ok(am_psl_new("/nonexistent/list.dat", &err) == NULL &&
	    err.code == AM_E_IO, "psl: a missing file fails");
}

/* authors - several From domains: each evaluated, the worst decides */

static void
authors(void)
{
	static const char *const two[] = { "example.com", "example.org" };
	static const char *const same[] = { "example.com", "EXAMPLE.com" };
	struct am_dmarc_dkim_in	 dk = { "example.com", "s", AM_VERDICT_PASS };
	struct am_dmarc_result	 r[2];
	struct am_dmarc_input	 in;
	struct am_dmarc_opts	 opts;
	struct am_dns		*dns = am_dns_zone_new();
	size_t			 w = 9;

	(void)am_dns_zone_load_string(dns, EX_REJECT D("example.org",
	    "v=DMARC1; p=quarantine"), NULL);
	am_dmarc_opts_init(&opts);
	memset(&in, 0, sizeof(in));
	in.dkim = &dk;
	in.ndkim = 1;
	ok(am_dmarc_eval_authors(dns, &opts, &in, two, 2, r, &w, NULL) == 0,
	    "34 two domains: evaluated");
	ok(r[0].verdict == AM_DMARC_PASS && r[1].verdict == AM_DMARC_FAIL,
	    "34 example.com passes, example.org fails");
	is_int(w, 1, "34 the failing one decides: never a default pass");
	am_dmarc_result_release(&r[0]);
	am_dmarc_result_release(&r[1]);
	ok(am_dmarc_eval_authors(dns, &opts, &in, same, 2, r, &w, NULL) == 0,
	    "35 same domain twice: evaluated");
	ok(r[0].verdict == AM_DMARC_PASS && r[1].verdict == AM_DMARC_PASS &&
	    strcmp(r[1].author, "example.com") == 0, "35 one domain, one result");
	is_int(r[1].queries, 0, "35 the second costs no query (shared cache)");
	am_dmarc_result_release(&r[0]);
	am_dmarc_result_release(&r[1]);
	ok(am_dmarc_eval_authors(dns, &opts, &in, two, 0, r, &w, NULL) == -1,
	    "no author domains: usage error");
	am_dns_free(&dns);
}

static void
worst(void)
{
	struct am_dmarc_result	 r[6];

	memset(r, 0, sizeof(r));
	r[0].verdict = AM_DMARC_NONE;
	r[1].verdict = AM_DMARC_PASS;
	r[2].verdict = AM_DMARC_PERMERROR;
	r[3].verdict = AM_DMARC_TEMPERROR;
	r[4].verdict = AM_DMARC_FAIL;
	r[4].policy = AM_DMARC_POLICY_NONE;
	r[5].verdict = AM_DMARC_FAIL;
	r[5].policy = AM_DMARC_POLICY_QUARANTINE;
	is_int(am_dmarc_worst(r, 6), 5, "worst: fail+quarantine");
	is_int(am_dmarc_worst(r, 5), 4, "worst: fail+none over temperror");
	is_int(am_dmarc_worst(r, 4), 3, "worst: temperror over permerror");
	is_int(am_dmarc_worst(r, 3), 2, "worst: permerror over pass");
	is_int(am_dmarc_worst(r, 2), 1, "worst: pass over none");
	r[0].verdict = AM_DMARC_FAIL;
	r[0].policy = AM_DMARC_POLICY_REJECT;
	is_int(am_dmarc_worst(r, 6), 0, "worst: fail+reject over all");
}

static void
authres_one(const char *zone, const char *author, const char *dkim,
    const char *want, const char *name)
{
	struct am_dmarc_result	 r;
	struct am_dmarc_opts	 opts;
	struct am_authres	 ar;
	unsigned long		 q;

	am_dmarc_opts_init(&opts);
	(void)run(zone, &opts, author, NULL, dkim, NULL, &r, &q);
	am_authres_init(&ar);
	am_dmarc_result_authres(&r, &ar);
	is_str(am_authres_str(&ar), want, name);
	am_authres_release(&ar);
	am_dmarc_result_release(&r);
}

static void
authres(void)
{
	authres_one(EX_REJECT, "example.com", "example.com",
	    "dmarc=pass (p=reject dis=pass) header.from=example.com "
	    "policy.dmarc=reject", "A-R: pass");
	authres_one(D("example.com", "v=DMARC1; p=reject; sp=none; t=y"),
	    "example.com", NULL, "dmarc=fail (p=reject sp=none t=y "
	    "dis=quarantine) header.from=example.com policy.dmarc=quarantine",
	    "A-R: fail, t=y");
	authres_one(A("example.net"), "example.net", NULL,
	    "dmarc=none header.from=example.net", "A-R: none");
	authres_one(";@fail _dmarc.example.org. SERVFAIL\n", "example.org",
	    NULL, "dmarc=temperror (DNS error during policy discovery) "
	    "header.from=example.org", "A-R: temperror");
	authres_one(D("example.com", "v=DMARC1; p=bogus"), "example.com", NULL,
	    "dmarc=permerror (invalid policy in the DMARC record and no valid "
	    "rua) header.from=example.com", "A-R: permerror");
	authres_one(D("xn--bcher-kva.example", "v=DMARC1; p=none"),
	    "B\xc3\x9c" "cher.example", NULL, "dmarc=fail (p=none dis=none) "
	    "header.from=xn--bcher-kva.example policy.dmarc=none",
	    "A-R: A-label, unquoted header.from");
}

static void
capture(void *ctx, const struct am_dmarc_report *rep)
{
	*(struct am_dmarc_report *)ctx = *rep;
}

static void
report(void)
{
	struct am_dmarc_report_sink	 sink;
	struct am_dmarc_report		 rep, got;
	struct am_dmarc_result		 r;
	struct am_dmarc_opts		 opts;
	struct am_buf			 line;
	unsigned long			 q;

	am_dmarc_opts_init(&opts);
	sink.fn = capture;
	sink.ctx = &got;
	(void)run(PSD_EXAMPLE A("mail.brand.example"), &opts,
	    "mail.brand.example", NULL, NULL, NULL, &r, &q);
	am_dmarc_report_fill(&rep, &r, "192.0.2.9", "brand.example", "rcpt.net");
	am_dmarc_report_emit(&sink, &rep);
	ok(strcmp(got.policy_domain, "example") == 0 &&
	    got.discovery == AM_DMARC_DISC_PSD && got.method ==
	    AM_DMARC_MODE_WALK && strcmp(got.rec.rua, "mailto:agg@example") ==
	    0, "report 6: the PSD record and how it was found");
	am_dmarc_result_release(&r);

	(void)run(D("example.com", "v=DMARC1; p=reject; t=y"), &opts,
	    "example.com", NULL, NULL, NULL, &r, &q);
	am_dmarc_report_fill(&rep, &r, NULL, NULL, NULL);
	ok(rep.testing && rep.override == AM_DMARC_OVR_POLICY_TEST_MODE &&
	    rep.disposition == AM_DMARC_DISP_QUARANTINE,
	    "report 21: quarantine, policy_test_mode");
	am_dmarc_result_release(&r);

	(void)run(EX_REJECT, &opts, "example.com", "mail.example.com", NULL,
	    NULL, &r, &q);
	am_dmarc_report_fill(&rep, &r, "192.0.2.9", "", "rcpt.net");
	ok(rep.envelope_from[0] == '\0' && rep.nauth == 1 &&
	    strcmp(rep.auth[0].domain, "mail.example.com") == 0 &&
	    !rep.auth[0].is_dkim && rep.spf_aligned,
	    "report 33: empty envelope_from, SPF domain is the HELO name");
	am_dmarc_report_override(&rep, AM_DMARC_DISP_NONE,
	    AM_DMARC_OVR_TRUSTED_FORWARDER, "a \"list\"");
	am_buf_init(&line, 4096);
	ok(am_dmarc_report_format(&rep, &line) == 0, "report: format");
	is_str(am_buf_str(&line), "dmarc-report ip=192.0.2.9 "
	    "header_from=example.com envelope_from=\"\" envelope_to=rcpt.net "
	    "result=pass dkim_aligned=fail spf_aligned=pass "
	    "spf.domain=mail.example.com "
	    "spf.result=pass policy_domain=example.com "
	    "discovery_method=treewalk found_at=author-domain "
	    "record=\"v=DMARC1; p=reject\" policy=reject testing=n "
	    "disposition=none override=trusted_forwarder "
	    "override_comment=\"a \\\"list\\\"\"", "report: the log line");
	am_buf_release(&line);
	am_dmarc_result_release(&r);

	(void)run(D("example.com", "v=DMARC1; p=none; "
	    "ruf=mailto:f@example.com; fo=1"), &opts, "example.com",
	    "example.com", "!example.com", NULL, &r, &q);
	am_dmarc_report_fill(&rep, &r, "192.0.2.9", "example.com", NULL);
	ok(rep.verdict == AM_DMARC_PASS && rep.nauth == 2 &&
	    rep.auth[1].is_dkim && strcmp(rep.auth[1].selector, "sel") == 0 &&
	    strcmp(rep.auth[1].result, "fail") == 0 &&
	    rep.rec.fo == AM_DMARC_FO_1 && rep.rec.nruf == 1,
	    "report 40: pass, failed DKIM with selector, fo=1 and ruf kept");
	am_dmarc_result_release(&r);
	sink.fn = NULL;
	am_dmarc_report_emit(&sink, &rep);
	am_dmarc_report_emit(NULL, &rep);
	ok(1, "report: no sink drops the record");
}

int
main(void)
{
	table();
	deep();
	dns_errors();
	budget();
	missing_p_option();
	psl_mode();
	authors();
	worst();
	authres();
	report();
	return done_testing();
}
