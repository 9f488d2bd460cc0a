/*
 * dmarc - DMARC evaluation: policy discovery, policy selection,
 * identifier alignment and the verdict (RFC 9989 4.10, 5.3; RFC 7489
 * 6.6.3 in PSL mode)
 *
 * The walks themselves live in dmarc_walk.c.  One evaluation is:
 *	identifiers -> discovery -> policy (p/sp/np, invalid p, t=y)
 *	    -> alignment -> verdict and disposition
 * and every step writes its decision to the result's why-trace.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc_impl.h"
#include "domain.h"

/* The Author Domain's Organizational Domain, computed once, lazily. */
struct am_dmarc_aorg {
	int	 done;
	int	 ok;		/* out->org_domain is set */
};

static const char *const am_dmarc_verdicts[] = {
	"none", "pass", "fail", "temperror", "permerror"
};
static const char *const am_dmarc_reasons[] = {
	"aligned", "not-aligned", "no-record", "invalid-policy",
	"bad-author-domain", "dns", "dns-alignment", "dns-existence",
	"auth-temperror", "time-budget"
};
static const char *const am_dmarc_dispositions[] = {
	"none", "pass", "quarantine", "reject"
};
static const char *const am_dmarc_discoveries[] = {
	"none", "author-domain", "organizational-domain", "psd"
};
static const char *const am_dmarc_alignments[] = {
	"skipped", "not-aligned", "strict", "relaxed", "unknown"
};
static const char *const am_dmarc_ptags[] = { "p", "sp", "np" };

const char *
am_dmarc_verdict_name(enum am_dmarc_verdict v)
{
	return (unsigned)v < 5 ? am_dmarc_verdicts[v] : "?";
}

/* tab[i], or "?" for a value outside the table. */
static const char *
am_dmarc_name(const char *const *tab, size_t n, unsigned i)
{
	return i < n && tab[i] != NULL ? tab[i] : "?";
}

const char *
am_dmarc_reason_name(enum am_dmarc_reason r)
{
	return am_dmarc_name(am_dmarc_reasons, sizeof(am_dmarc_reasons) /
	    sizeof(am_dmarc_reasons[0]), (unsigned)r);
}

const char *
am_dmarc_disposition_name(enum am_dmarc_disposition d)
{
	return am_dmarc_name(am_dmarc_dispositions,
	    sizeof(am_dmarc_dispositions) / sizeof(am_dmarc_dispositions[0]),
	    (unsigned)d);
}

const char *
am_dmarc_discovery_name(enum am_dmarc_discovery d)
{
	return am_dmarc_name(am_dmarc_discoveries,
	    sizeof(am_dmarc_discoveries) / sizeof(am_dmarc_discoveries[0]),
	    (unsigned)d);
}

const char *
am_dmarc_alignment_name(enum am_dmarc_alignment a)
{
	return am_dmarc_name(am_dmarc_alignments,
	    sizeof(am_dmarc_alignments) / sizeof(am_dmarc_alignments[0]),
	    (unsigned)a);
}

const char *
am_dmarc_ptag_name(enum am_dmarc_ptag t)
{
	return am_dmarc_name(am_dmarc_ptags,
	    sizeof(am_dmarc_ptags) / sizeof(am_dmarc_ptags[0]),
	    (unsigned)t);
}

void
am_dmarc_opts_init(struct am_dmarc_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->mode = AM_DMARC_MODE_WALK;
}

static void
am_dmarc_result_init(struct am_dmarc_result *r, enum am_dmarc_mode mode)
{
	memset(r, 0, sizeof(*r));
	am_buf_init(&r->why, AM_DMARC_WHY_MAX);
	r->mode = mode;
	r->author_exists = -1;
}

void
am_dmarc_result_release(struct am_dmarc_result *r)
{
	am_buf_release(&r->why);
}

/* am_dmarc_set - the verdict, its reason and a line in the trace */

static void
am_dmarc_set(struct am_dmarc_ctx *ctx, struct am_dmarc_result *r,
    enum am_dmarc_verdict v, enum am_dmarc_reason why, const char *text)
{
	r->verdict = v;
	r->reason = why;
	(void)snprintf(r->reason_text, sizeof(r->reason_text), "%s", text);
	am_dmarc_why(ctx, "%s: %s", am_dmarc_verdict_name(v), text);
}

/* am_dmarc_dns_error - temperror for an incomplete walk or lookup */

static void
am_dmarc_dns_error(struct am_dmarc_ctx *ctx, struct am_dmarc_result *r,
    enum am_dmarc_reason why, const char *what)
{
	char	 text[160];

	if (ctx->expired) {
		(void)snprintf(text, sizeof(text), "time budget spent during "
		    "%s", what);
		am_dmarc_set(ctx, r, AM_DMARC_TEMPERROR, AM_DMARC_R_BUDGET,
		    text);
		return;
	}
	(void)snprintf(text, sizeof(text), "DNS error during %s", what);
	am_dmarc_set(ctx, r, AM_DMARC_TEMPERROR, why, text);
}

/* ------------------------------------------------------------ inputs */

static void
am_dmarc_ident_add(struct am_dmarc_ctx *ctx, struct am_dmarc_result *r,
    int is_dkim, const char *domain, const char *sel, const char *result,
    int passed, int temperror)
{
	struct am_dmarc_ident	*id = &r->ident[r->nident++];
	struct am_err		 err;
	char			*a;

	memset(id, 0, sizeof(*id));
	id->is_dkim = is_dkim;
	id->result = result;
	id->passed = passed;
	id->temperror = temperror;
	(void)snprintf(id->selector, sizeof(id->selector), "%s",
	    sel != NULL ? sel : "");
	a = am_domain_to_alabel(domain, strlen(domain), &err);
	(void)snprintf(id->domain, sizeof(id->domain), "%s",
	    a != NULL ? a : domain);
	if (a == NULL) {
		id->passed = id->temperror = 0;
		am_dmarc_why(ctx, "%s%.80s: not a domain name (%s), ignored",
		    is_dkim ? "dkim d=" : "spf", domain, err.msg);
	}
	free(a);
}

static void
am_dmarc_idents(struct am_dmarc_ctx *ctx, const struct am_dmarc_input *in,
    struct am_dmarc_result *r)
{
	size_t	 i, max = ctx->opts->max_dkim ? ctx->opts->max_dkim :
		    AM_DMARC_MAX_DKIM;

	if (max > AM_DMARC_MAX_IDENT - 1)
		max = AM_DMARC_MAX_IDENT - 1;
	if (in->spf_domain != NULL && in->spf_domain[0] != '\0')
		am_dmarc_ident_add(ctx, r, 0, in->spf_domain, NULL,
		    am_verdict_name(in->spf), in->spf == AM_VERDICT_PASS,
		    in->spf == AM_VERDICT_TEMPERROR);
	for (i = 0; i < in->ndkim; i++) {
		if (in->dkim[i].d == NULL)
			continue;
		if (i >= max) {
			am_dmarc_why(ctx, "dkim: %zu signatures past the "
			    "first %zu not looked at", in->ndkim - i, max);
			break;
		}
		am_dmarc_ident_add(ctx, r, 1, in->dkim[i].d, in->dkim[i].s,
		    am_verdict_name(in->dkim[i].verdict),
		    in->dkim[i].verdict == AM_VERDICT_PASS,
		    in->dkim[i].verdict == AM_VERDICT_TEMPERROR);
	}
}

/* ------------------------------------------------------------ discovery */

static void
am_dmarc_use(struct am_dmarc_ctx *ctx, struct am_dmarc_result *r,
    const struct am_dmarc_cent *ce, enum am_dmarc_discovery how)
{
	char	 text[512];

	r->have_policy = 1;
	r->discovery = how;
	r->rec = ce->rec;
	(void)snprintf(r->policy_domain, sizeof(r->policy_domain), "%s",
	    ce->name);
	am_dmarc_rec_format(&ce->rec, text, sizeof(text));
	am_dmarc_why(ctx, "policy record at %s (%s): \"%s\"", ce->name,
	    am_dmarc_discovery_name(how), text);
}

/* am_dmarc_discover_walk - 4.10.1: the Author Domain's record, else the
 * Organizational Domain's, else the PSD's */

static void
am_dmarc_discover_walk(struct am_dmarc_ctx *ctx, struct am_dmarc_result *r,
    struct am_dmarc_aorg *ao)
{
	struct am_dmarc_walk		 w;
	const struct am_dmarc_cent	*ce, *last;
	unsigned			 i;

	ce = am_dmarc_cent_at(ctx, am_dmarc_lookup(ctx, r->author));
	if (ce->ndmarc == 1) {
		/* The walk for the Organizational Domain waits until an
		 * alignment needs it (4.10.2: often none does). */
		am_dmarc_why(ctx, "walk %s: _dmarc.%s: record found", r->author,
		    r->author);
		am_dmarc_use(ctx, r, ce, AM_DMARC_DISC_AUTHOR);
		return;
	}
	am_dmarc_walk(ctx, r->author, &w);
	ao->done = 1;
	if (!am_dmarc_walk_complete(&w)) {
		am_dmarc_dns_error(ctx, r, AM_DMARC_R_DNS, "policy discovery");
		return;
	}
	ao->ok = 1;
	(void)snprintf(r->org_domain, sizeof(r->org_domain), "%s", w.org);
	for (i = 0; i < w.nstep; i++) {
		ce = am_dmarc_walk_cent(ctx, &w, i);
		if (ce->ndmarc == 1 && am_domain_eq(ce->name, w.org)) {
			am_dmarc_use(ctx, r, ce, AM_DMARC_DISC_ORG);
			return;
		}
	}
	last = am_dmarc_walk_cent(ctx, &w, w.nstep - 1);
	if (w.end == AM_DMARC_WALK_PSD && last->rec.psd == AM_DMARC_PSD_Y) {
		am_dmarc_use(ctx, r, last, AM_DMARC_DISC_PSD);
		return;
	}
	am_dmarc_set(ctx, r, AM_DMARC_NONE, AM_DMARC_R_NO_RECORD,
	    "no DMARC policy record for the author domain");
}

/* am_dmarc_discover_psl - RFC 7489 6.6.3 steps 1 to 5 */

static void
am_dmarc_discover_psl(struct am_dmarc_ctx *ctx, struct am_dmarc_result *r,
    struct am_dmarc_aorg *ao)
{
	const struct am_dmarc_cent	*ce;
	unsigned			 k;

	ce = am_dmarc_cent_at(ctx, am_dmarc_lookup(ctx, r->author));
	ao->done = 1;
	ao->ok = am_psl_org_domain(ctx->opts->psl, r->author, r->org_domain,
	    sizeof(r->org_domain)) == 0;
	am_dmarc_why(ctx, "psl %s: organizational domain %s (%s)", r->author,
	    r->org_domain, am_psl_source(ctx->opts->psl));
	for (k = 0; k < 2; k++) {
		am_dmarc_why(ctx, "psl: _dmarc.%s: %s, %u DMARC record(s)",
		    ce->name, am_dns_status_name(ce->status), ce->ndmarc);
		if (ce->status == AM_DNS_SERVFAIL || ce->status ==
		    AM_DNS_TIMEOUT || ce->status == AM_DNS_FORMERR ||
		    ce->status == AM_DNS_REFUSED) {
			am_dmarc_dns_error(ctx, r, AM_DMARC_R_DNS,
			    "policy discovery");
			return;
		}
		if (ce->ndmarc == 1) {
			am_dmarc_use(ctx, r, ce, k == 0 ? AM_DMARC_DISC_AUTHOR :
			    AM_DMARC_DISC_ORG);
			return;
		}
		if (ce->ndmarc > 1 || k == 1 || !ao->ok ||
		    am_domain_eq(r->org_domain, r->author))
			break;
		ce = am_dmarc_cent_at(ctx,
		    am_dmarc_lookup(ctx, r->org_domain));
	}
	am_dmarc_set(ctx, r, AM_DMARC_NONE, AM_DMARC_R_NO_RECORD,
	    ce->ndmarc > 1 ? "several DMARC records (RFC 7489 6.6.3)" :
	    "no DMARC policy record for the author domain");
}

/* ------------------------------------------------------------ policy */

/* am_dmarc_exists - does the Author Domain exist (RFC 8020 NXDOMAIN)?
 * 1, 0, or -1 for a DNS error */

static int
am_dmarc_exists(struct am_dmarc_ctx *ctx, const char *author)
{
	const struct am_dmarc_cent	*ce;
	enum am_dns_status		 st;

	ce = am_dmarc_cent_at(ctx, am_dmarc_lookup(ctx, author));
	if (ce->asked && (ce->status == AM_DNS_OK ||
	    ce->status == AM_DNS_NODATA)) {
		am_dmarc_why(ctx, "%s exists (_dmarc.%s answered %s)", author,
		    author, am_dns_status_name(ce->status));
		return 1;
	}
	st = am_dmarc_ask(ctx, author, AM_DNS_A);
	am_dmarc_why(ctx, "%s A: %s", author, ctx->expired &&
	    st == AM_DNS_TIMEOUT ? "time budget spent" :
	    am_dns_status_name(st));
	if (st == AM_DNS_NXDOMAIN)
		return 0;
	if (st == AM_DNS_OK || st == AM_DNS_NODATA)
		return 1;
	return -1;
}

static enum am_dmarc_policy
am_dmarc_step_down(enum am_dmarc_policy p)
{
	return p == AM_DMARC_POLICY_REJECT ? AM_DMARC_POLICY_QUARANTINE :
	    AM_DMARC_POLICY_NONE;
}

/* am_dmarc_invalid - 4.10.1: no valid p, or an invalid sp or np?
 * 0 no; 1 yes, act as p=none; -1 yes, no DMARC processing */

static int
am_dmarc_invalid(struct am_dmarc_ctx *ctx, const struct am_dmarc_rec *rec)
{
	const char	*bad = NULL;

	if (rec->p_state == AM_DMARC_TAG_INVALID)
		bad = "p";
	else if (rec->p_state == AM_DMARC_TAG_ABSENT &&
	    ctx->opts->missing_p_no_dmarc)
		bad = "p (missing)";
	else if (rec->sp_state == AM_DMARC_TAG_INVALID)
		bad = "sp";
	else if (rec->np_state == AM_DMARC_TAG_INVALID)
		bad = "np";
	if (bad == NULL)
		return 0;
	am_dmarc_why(ctx, "record has an invalid %s and %s valid rua URI: %s",
	    bad, rec->nrua > 0 ? "a" : "no", rec->nrua > 0 ?
	    "acting as p=none (4.10.1)" : "no DMARC processing (4.10.1)");
	return rec->nrua > 0 ? 1 : -1;
}

/* am_dmarc_select - the Domain Owner Assessment Policy (4.10.1, 4.7);
 * 0, or -1 when the verdict is already set */

static int
am_dmarc_select(struct am_dmarc_ctx *ctx, struct am_dmarc_result *r)
{
	const struct am_dmarc_rec	*rec = &r->rec;
	enum am_dmarc_policy		 p, sub;
	int				 k;

	p = rec->p_state == AM_DMARC_TAG_OK ? rec->p : AM_DMARC_POLICY_NONE;
	sub = rec->sp_state == AM_DMARC_TAG_OK ? rec->sp : p;
	r->ptag = r->discovery == AM_DMARC_DISC_AUTHOR ? AM_DMARC_PTAG_P :
	    rec->sp_state == AM_DMARC_TAG_OK ? AM_DMARC_PTAG_SP :
	    AM_DMARC_PTAG_P;
	if ((k = am_dmarc_invalid(ctx, rec)) != 0) {
		if (k == -1) {
			r->have_policy = 0;
			am_dmarc_set(ctx, r, AM_DMARC_PERMERROR,
			    AM_DMARC_R_BAD_POLICY, "invalid policy in the "
			    "DMARC record and no valid rua");
			return -1;
		}
		r->forced_none = 1;
		r->published = r->policy = AM_DMARC_POLICY_NONE;
		return 0;
	}
	r->published = r->discovery == AM_DMARC_DISC_AUTHOR ? p : sub;
	if (r->discovery != AM_DMARC_DISC_AUTHOR &&
	    rec->np_state == AM_DMARC_TAG_OK && rec->np != sub) {
		r->author_exists = am_dmarc_exists(ctx, r->author);
		if (r->author_exists == -1) {
			am_dmarc_dns_error(ctx, r, AM_DMARC_R_DNS_EXISTS,
			    "the author domain existence check");
			return -1;
		}
		if (r->author_exists == 0) {
			r->ptag = AM_DMARC_PTAG_NP;
			r->published = rec->np;
		}
	}
	r->testing = rec->t_state == AM_DMARC_TAG_OK && rec->t;
	r->policy = r->testing ? am_dmarc_step_down(r->published) :
	    r->published;
	am_dmarc_why(ctx, "policy: %s=%s%s%s", am_dmarc_ptag_name(r->ptag),
	    am_dmarc_policy_name(r->published), r->testing ? ", t=y: " : "",
	    r->testing ? am_dmarc_policy_name(r->policy) : "");
	return 0;
}

/* ------------------------------------------------------------ alignment */

/* am_dmarc_author_org - the Author Domain's Organizational Domain; 0 or
 * -1 (DNS error, budget) */

static int
am_dmarc_author_org(struct am_dmarc_ctx *ctx, struct am_dmarc_result *r,
    struct am_dmarc_aorg *ao)
{
	struct am_dmarc_walk	 w;

	if (!ao->done) {
		ao->done = 1;
		am_dmarc_walk(ctx, r->author, &w);
		if (am_dmarc_walk_complete(&w)) {
			ao->ok = 1;
			(void)snprintf(r->org_domain, sizeof(r->org_domain),
			    "%s", w.org);
		}
	}
	return ao->ok ? 0 : -1;
}

/* am_dmarc_relaxed - relaxed alignment of id (not identical to the
 * Author Domain) */

static enum am_dmarc_alignment
am_dmarc_relaxed(struct am_dmarc_ctx *ctx, struct am_dmarc_result *r,
    struct am_dmarc_aorg *ao, struct am_dmarc_ident *id)
{
	struct am_dmarc_walk	 w;

	if (am_dmarc_author_org(ctx, r, ao) == -1)
		return AM_DMARC_AL_UNKNOWN;
	if (r->mode == AM_DMARC_MODE_PSL) {
		if (am_psl_org_domain(ctx->opts->psl, id->domain, id->org,
		    sizeof(id->org)) == -1)
			return AM_DMARC_AL_NO;
	} else if (am_domain_eq(id->domain, r->org_domain)) {
		(void)snprintf(id->org, sizeof(id->org), "%s", r->org_domain);
	} else if (!am_domain_within(id->domain, r->org_domain)) {
		return AM_DMARC_AL_NO;	/* its org is id or an ancestor */
	} else {
		am_dmarc_walk(ctx, id->domain, &w);
		if (!am_dmarc_walk_complete(&w))
			return AM_DMARC_AL_UNKNOWN;
		(void)snprintf(id->org, sizeof(id->org), "%s", w.org);
	}
	return am_domain_eq(id->org, r->org_domain) ? AM_DMARC_AL_RELAXED :
	    AM_DMARC_AL_NO;
}

/* am_dmarc_trace_align - one line saying why id aligned or not */

static void
am_dmarc_trace_align(struct am_dmarc_ctx *ctx, const struct am_dmarc_result *r,
    const struct am_dmarc_ident *id, enum am_dmarc_alignment a,
    enum am_dmarc_align mode)
{
	char		 what[AM_DMARC_DOMAIN_MAX + 96];
	const char	*m = mode == AM_DMARC_ALIGN_STRICT ? "strict" :
			    "relaxed";

	(void)snprintf(what, sizeof(what), "%s%s%s%s (%s)", id->is_dkim ?
	    "dkim d=" : "spf ", id->domain, id->selector[0] ? " s=" : "",
	    id->selector, id->result);
	switch (a) {
	case AM_DMARC_AL_STRICT:
		am_dmarc_why(ctx, "%s: aligned, identical to the author "
		    "domain", what);
		break;
	case AM_DMARC_AL_RELAXED:
		am_dmarc_why(ctx, "%s: aligned (relaxed): organizational "
		    "domain %s, the author's is %s", what, id->org,
		    r->org_domain);
		break;
	case AM_DMARC_AL_NO:
		if (mode == AM_DMARC_ALIGN_STRICT)
			am_dmarc_why(ctx, "%s: not aligned (strict): not "
			    "identical to %s", what, r->author);
		else if (id->org[0] != '\0')
			am_dmarc_why(ctx, "%s: not aligned (relaxed): "
			    "organizational domain %s, the author's is %s",
			    what, id->org, r->org_domain);
		else
			am_dmarc_why(ctx, "%s: not aligned (relaxed): not "
			    "within the author's organizational domain %s",
			    what, r->org_domain);
		break;
	default:
		am_dmarc_why(ctx, "%s: alignment unknown (%s): DNS error or "
		    "time budget", what, m);
		break;
	}
}

static enum am_dmarc_alignment
am_dmarc_align(struct am_dmarc_ctx *ctx, struct am_dmarc_result *r,
    struct am_dmarc_aorg *ao, struct am_dmarc_ident *id)
{
	enum am_dmarc_align	 mode = id->is_dkim ? r->rec.adkim :
				    r->rec.aspf;
	enum am_dmarc_alignment	 a;

	if (am_domain_eq(id->domain, r->author))
		a = AM_DMARC_AL_STRICT;
	else if (mode == AM_DMARC_ALIGN_STRICT)
		a = AM_DMARC_AL_NO;	/* never through an Org Domain */
	else
		a = am_dmarc_relaxed(ctx, r, ao, id);
	am_dmarc_trace_align(ctx, r, id, a, mode);
	return a;
}

static int
am_dmarc_aligned(enum am_dmarc_alignment a)
{
	return a == AM_DMARC_AL_STRICT || a == AM_DMARC_AL_RELAXED;
}

/* am_dmarc_verdict - align the passing identifiers and decide */

static void
am_dmarc_verdict(struct am_dmarc_ctx *ctx, struct am_dmarc_result *r,
    struct am_dmarc_aorg *ao)
{
	struct am_dmarc_ident	*id;
	int			 unknown = 0, tempalign = 0;
	size_t			 i;

	for (i = 0; i < r->nident; i++) {
		id = &r->ident[i];
		if (!id->passed)
			continue;
		id->align = am_dmarc_align(ctx, r, ao, id);
		unknown |= id->align == AM_DMARC_AL_UNKNOWN;
		if (am_dmarc_aligned(id->align))
			*(id->is_dkim ? &r->dkim_aligned : &r->spf_aligned) = 1;
	}
	if (r->spf_aligned || r->dkim_aligned) {
		am_dmarc_set(ctx, r, AM_DMARC_PASS, AM_DMARC_R_ALIGNED,
		    r->dkim_aligned ? "aligned DKIM pass" : "aligned SPF pass");
		r->disposition = r->policy == AM_DMARC_POLICY_NONE ?
		    AM_DMARC_DISP_NONE : AM_DMARC_DISP_PASS;
		return;
	}
	if (unknown) {
		am_dmarc_dns_error(ctx, r, AM_DMARC_R_DNS_ALIGN, "alignment");
		return;
	}
	for (i = 0; i < r->nident; i++) {
		id = &r->ident[i];
		if (id->temperror) {
			id->align = am_dmarc_align(ctx, r, ao, id);
			tempalign |= id->align != AM_DMARC_AL_NO;
		}
	}
	if (tempalign) {
		am_dmarc_set(ctx, r, AM_DMARC_TEMPERROR,
		    AM_DMARC_R_AUTH_TEMPERROR, "nothing aligned, but an "
		    "identifier that would align had an SPF or DKIM temperror");
		return;
	}
	am_dmarc_set(ctx, r, AM_DMARC_FAIL, AM_DMARC_R_NOT_ALIGNED,
	    "no aligned SPF or DKIM pass");
	r->disposition = (enum am_dmarc_disposition)(r->policy ==
	    AM_DMARC_POLICY_NONE ? AM_DMARC_DISP_NONE : r->policy ==
	    AM_DMARC_POLICY_QUARANTINE ? AM_DMARC_DISP_QUARANTINE :
	    AM_DMARC_DISP_REJECT);
}

/* ------------------------------------------------------------ entry */

static void
am_dmarc_eval_one(struct am_dmarc_ctx *ctx, const struct am_dmarc_input *in,
    const char *author, struct am_dmarc_result *r)
{
	struct am_dmarc_aorg	 ao = { 0, 0 };
	struct am_err		 err;
	unsigned		 q0 = ctx->queries;
	char			*a;

	am_dmarc_result_init(r, ctx->opts->mode);
	ctx->why = &r->why;
	if ((a = am_domain_to_alabel(author, strlen(author), &err)) == NULL) {
		(void)snprintf(r->author, sizeof(r->author), "%s", author);
		am_dmarc_set(ctx, r, AM_DMARC_PERMERROR, AM_DMARC_R_BAD_AUTHOR,
		    err.msg);
		ctx->why = NULL;
		return;
	}
	(void)snprintf(r->author, sizeof(r->author), "%s", a);
	free(a);
	am_dmarc_why(ctx, "author domain %s (%s)", r->author,
	    r->mode == AM_DMARC_MODE_PSL ? "psl mode" : "dns tree walk");
	am_dmarc_idents(ctx, in, r);
	if (r->mode == AM_DMARC_MODE_PSL)
		am_dmarc_discover_psl(ctx, r, &ao);
	else
		am_dmarc_discover_walk(ctx, r, &ao);
	if (r->have_policy && am_dmarc_select(ctx, r) == 0)
		am_dmarc_verdict(ctx, r, &ao);
	r->queries = ctx->queries - q0;
	ctx->why = NULL;
}

static int
am_dmarc_check_args(const struct am_dmarc_opts *opts,
    const struct am_dmarc_input *in, struct am_err *err)
{
	if (opts->mode == AM_DMARC_MODE_PSL && opts->psl == NULL)
		return am_err_set(err, AM_E_USAGE, "PSL mode needs a list");
	if (in->ndkim > 0 && in->dkim == NULL)
		return am_err_set(err, AM_E_USAGE, "ndkim without dkim");
	return 0;
}

int
am_dmarc_eval(struct am_dns *dns, const struct am_dmarc_opts *opts,
    const struct am_dmarc_input *in, struct am_dmarc_result *out,
    struct am_err *err)
{
	struct am_dmarc_ctx	 ctx;

	am_dmarc_result_init(out, opts->mode);
	if (in->author == NULL)
		return am_err_set(err, AM_E_USAGE, "no author domain");
	if (am_dmarc_check_args(opts, in, err) == -1)
		return -1;
	am_dmarc_result_release(out);
	am_dmarc_ctx_init(&ctx, dns, opts);
	am_dmarc_eval_one(&ctx, in, in->author, out);
	am_dmarc_ctx_release(&ctx);
	return 0;
}

int
am_dmarc_eval_authors(struct am_dns *dns, const struct am_dmarc_opts *opts,
    const struct am_dmarc_input *in, const char *const *authors, size_t n,
    struct am_dmarc_result *out, size_t *worst_out, struct am_err *err)
{
	struct am_dmarc_ctx	 ctx;
	size_t			 i;

	for (i = 0; i < n; i++)
		am_dmarc_result_init(&out[i], opts->mode);
	if (n == 0 || authors == NULL)
		return am_err_set(err, AM_E_USAGE, "no author domain");
	for (i = 0; i < n; i++)
		if (authors[i] == NULL)
			return am_err_set(err, AM_E_USAGE, "no author domain");
	if (am_dmarc_check_args(opts, in, err) == -1)
		return -1;
	am_dmarc_ctx_init(&ctx, dns, opts);
	for (i = 0; i < n; i++) {
		am_dmarc_result_release(&out[i]);
		am_dmarc_eval_one(&ctx, in, authors[i], &out[i]);
	}
	am_dmarc_ctx_release(&ctx);
	if (worst_out != NULL)
		*worst_out = am_dmarc_worst(out, n);
	return 0;
}

static int
am_dmarc_severity(const struct am_dmarc_result *r)
{
	switch (r->verdict) {
	case AM_DMARC_FAIL:
		return 5 + (int)r->policy;
	case AM_DMARC_TEMPERROR:
		return 4;
	case AM_DMARC_PERMERROR:
		return 3;
	case AM_DMARC_PASS:
		return 2;
	case AM_DMARC_NONE:
		break;
	}
	return 1;
}

size_t
am_dmarc_worst(const struct am_dmarc_result *r, size_t n)
{
	size_t	 i, w = 0;

	for (i = 1; i < n; i++)
		if (am_dmarc_severity(&r[i]) > am_dmarc_severity(&r[w]))
			w = i;
	return w;
}

/* ------------------------------------------------------------ A-R */

void
am_dmarc_result_authres(const struct am_dmarc_result *r,
    struct am_authres *ar)
{
	const struct am_dmarc_rec	*rec = &r->rec;
	char				 c[160];
	int				 applied;

	applied = r->have_policy && (r->verdict == AM_DMARC_PASS ||
	    r->verdict == AM_DMARC_FAIL);
	am_authres_method(ar, "dmarc", am_dmarc_verdict_name(r->verdict));
	if (applied) {
		(void)snprintf(c, sizeof(c), "p=%s%s%s%s%s%s dis=%s",
		    am_dmarc_policy_name(rec->p_state == AM_DMARC_TAG_OK ?
		    rec->p : AM_DMARC_POLICY_NONE),
		    rec->sp_state == AM_DMARC_TAG_OK ? " sp=" : "",
		    rec->sp_state == AM_DMARC_TAG_OK ?
		    am_dmarc_policy_name(rec->sp) : "",
		    rec->np_state == AM_DMARC_TAG_OK ? " np=" : "",
		    rec->np_state == AM_DMARC_TAG_OK ?
		    am_dmarc_policy_name(rec->np) : "",
		    r->testing ? " t=y" : "",
		    am_dmarc_disposition_name(r->disposition));
		am_authres_comment(ar, c);
	} else if (r->verdict == AM_DMARC_TEMPERROR ||
	    r->verdict == AM_DMARC_PERMERROR)
		am_authres_comment(ar, r->reason_text);
	am_authres_prop(ar, "header", "from", r->author);
	if (applied)
		am_authres_prop(ar, "policy", "dmarc",
		    am_dmarc_policy_name(r->policy));
}
