/*
 * inbound - the inbound pipeline of one message (see inbound.h)
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "authres.h"
#include "hdr.h"
#include "inbound.h"
#include "mem.h"

#define AM_INBOUND_DEF_REJECT	"Message rejected by DMARC policy"
#define AM_INBOUND_AR_DKIM	40	/* dkim resinfos at most */

struct am_inbound {
	const struct am_inbound_opts	*opts;
	const struct am_inbound_env	*env;
	struct am_dns			*dns;
	const struct am_log		*log;
	struct am_dkim_verifier		*dkim;
	struct am_hdrs			*hdrs;
	struct am_dkim_verify_opts	 dkim_opts;
	int				 hdr_overflow;
	char				 hdr_err[160];
	int				 eoh_done;
	int				 need_body;
	int				 eom_done;
	/* Not evaluated by DMARC: the author-set class's action. */
	int				 from_evaluate;
	enum am_inbound_from_act	 from_act;
	struct am_inbound_result	 res;
};

static const char *const am_inbound_actions[] = {
	"accept", "quarantine", "reject", "tempfail"
};

const char *
am_inbound_action_name(enum am_inbound_action a)
{
	return (unsigned)a < sizeof(am_inbound_actions) /
	    sizeof(am_inbound_actions[0]) ? am_inbound_actions[a] : "?";
}

void
am_inbound_opts_init(struct am_inbound_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->spf = 1;
	o->spf_helo = 1;
	am_spf_opts_init(&o->spf_opts);
	o->dkim_opts.clock_skew = 300;
	o->dkim_opts.l_policy = AM_DKIM_L_STRICT;
	o->dmarc = 1;
	am_dmarc_opts_init(&o->dmarc_opts);
	o->temperror_tempfail = 1;
	o->from_missing = AM_INBOUND_FROM_REJECT;
	o->from_bad = AM_INBOUND_FROM_REJECT;
	o->from_several = AM_INBOUND_FROM_EVALUATE;
}

static const char *
am_inbound_s(const char *s)
{
	return s != NULL ? s : "";
}

struct am_inbound *
am_inbound_new(const struct am_inbound_opts *opts,
    const struct am_inbound_env *env, struct am_dns *dns,
    const struct am_log *log, struct am_err *err)
{
	struct am_inbound	*in;

	if (opts == NULL || env == NULL || env->ip == NULL || dns == NULL) {
		(void)am_err_set(err, AM_E_USAGE,
		    "inbound: options, client address and DNS are required");
		return NULL;
	}
	in = am_calloc(1, sizeof(*in));
	in->opts = opts;
	in->env = env;
	in->dns = dns;
	in->log = log;
	in->dkim_opts = opts->dkim_opts;
	if (opts->now != 0)
		in->dkim_opts.now = opts->now;
	in->dkim = am_dkim_verifier_new(&in->dkim_opts, dns, log);
	in->hdrs = am_hdrs_new(opts->max_headers != 0 ? opts->max_headers :
	    1000, opts->max_header_bytes != 0 ? opts->max_header_bytes :
	    1024 * 1024);
	am_buf_init(&in->res.authres, AM_INBOUND_AR_MAX);
	am_buf_init(&in->res.why, AM_INBOUND_WHY_MAX);
	return in;
}

/* ---------------------------------------------------------- streaming */

static void
am_inbound_overflow(struct am_inbound *in, const struct am_err *e)
{
	if (in->hdr_overflow)
		return;
	in->hdr_overflow = 1;
	(void)snprintf(in->hdr_err, sizeof(in->hdr_err), "%s", e->msg);
}

int
am_inbound_header(struct am_inbound *in, const char *raw, size_t len,
    struct am_err *err)
{
	struct am_err	 e;

	if (in->hdr_overflow)
		return am_err_set(err, AM_E_LIMIT, "%s", in->hdr_err);
	am_err_clear(&e);
	if (am_dkim_verifier_header(in->dkim, raw, len, &e) == -1 ||
	    am_hdrs_add_raw(in->hdrs, raw, len, &e) == -1) {
		am_inbound_overflow(in, &e);
		return am_err_set(err, e.code, "%s", e.msg);
	}
	return 0;
}

int
am_inbound_eoh(struct am_inbound *in)
{
	if (!in->eoh_done) {
		in->eoh_done = 1;
		in->need_body = am_dkim_verifier_eoh(in->dkim);
	}
	return in->need_body;
}

void
am_inbound_body(struct am_inbound *in, const void *p, size_t n)
{
	if (in->need_body)
		am_dkim_verifier_body(in->dkim, p, n);
}

/* ---------------------------------------------------------------- DKIM */

static void
am_inbound_why_dkim(struct am_inbound *in)
{
	struct am_buf			*w = &in->res.why;
	const struct am_dkim_result	*r;
	size_t				 i, n = am_dkim_verifier_count(in->dkim);

	if (in->hdr_overflow)
		(void)am_buf_printf(w, "dkim: headers not evaluated: %s\n",
		    in->hdr_err);
	if (n == 0 && !in->hdr_overflow)
		(void)am_buf_appends(w, "dkim: no DKIM-Signature field\n");
	for (i = 0; i < n; i++) {
		r = am_dkim_verifier_result(in->dkim, i);
		(void)am_buf_printf(w, "dkim: signature %zu d=%s s=%s a=%s: "
		    "%s", i + 1, r->d != NULL ? r->d : "?",
		    r->s != NULL ? r->s : "?", r->a != NULL ? r->a : "?",
		    am_dkim_verdict_name(r->verdict));
		if (r->verdict != AM_DKIM_PASS)
			(void)am_buf_printf(w, " (%s: %s)",
			    am_dkim_reason_name(r->code), r->reason);
		else if (r->key_bits != 0)
			(void)am_buf_printf(w, " (%u-bit key%s)", r->key_bits,
			    r->key_testing ? ", t=y" : "");
		(void)am_buf_appendc(w, '\n');
	}
}

static void
am_inbound_ar_dkim(struct am_inbound *in, struct am_authres *ar, size_t *n)
{
	size_t	 i, count = am_dkim_verifier_count(in->dkim);

	if (count == 0) {
		am_authres_init(&ar[*n]);
		am_authres_method(&ar[*n], "dkim", in->hdr_overflow ?
		    "permerror" : "none");
		if (in->hdr_overflow)
			am_authres_reason(&ar[*n], in->hdr_err);
		(*n)++;
		return;
	}
	for (i = 0; i < count && i < AM_INBOUND_AR_DKIM; i++) {
		am_authres_init(&ar[*n]);
		am_dkim_result_authres(am_dkim_verifier_result(in->dkim, i),
		    &ar[*n]);
		(*n)++;
	}
}

/* ----------------------------------------------------------------- SPF */

static void
am_inbound_why_spf(struct am_buf *w, const char *label,
    const struct am_spf_result *r)
{
	(void)am_buf_printf(w, "spf %s: %s domain=%s: %s", label,
	    r->sender, r->domain, am_spf_verdict_name(r->verdict));
	if (r->reason == AM_SPF_R_MATCH)
		(void)am_buf_printf(w, " (record found; mechanism %s matched)",
		    r->mechanism);
	else
		(void)am_buf_printf(w, " (%s%s%s)",
		    am_spf_reason_name(r->reason),
		    r->reason_text[0] != '\0' ? ": " : "", r->reason_text);
	(void)am_buf_printf(w, "; %u lookups, %u void, %u queries\n",
	    r->lookups, r->voids, r->queries);
	if (r->verdict == AM_SPF_FAIL && r->explanation[0] != '\0')
		(void)am_buf_printf(w, "spf %s: explanation: %s\n", label,
		    r->explanation);
}

static void
am_inbound_spf(struct am_inbound *in)
{
	const struct am_inbound_env	*env = in->env;
	struct am_inbound_result	*res = &in->res;
	struct am_spf_opts		 o = in->opts->spf_opts;
	struct am_err			 err;

	if (!in->opts->spf) {
		(void)am_buf_appends(&res->why, "spf: not checked (off)\n");
		return;
	}
	if (in->opts->now != 0)
		o.now = (time_t)in->opts->now;
	am_err_clear(&err);
	if (am_spf_check_mailfrom(in->dns, &o, env->ip, env->helo,
	    am_inbound_s(env->sender), &res->spf, &err) == 0) {
		res->spf_done = 1;
		am_inbound_why_spf(&res->why, "mailfrom", &res->spf);
	} else
		(void)am_buf_printf(&res->why, "spf mailfrom: not checked: "
		    "%s\n", err.msg);
	if (!in->opts->spf_helo || env->helo == NULL || env->helo[0] == '\0')
		return;
	if (am_spf_check_helo(in->dns, &o, env->ip, env->helo,
	    &res->spf_helo, &err) == 0) {
		res->helo_done = 1;
		am_inbound_why_spf(&res->why, "helo", &res->spf_helo);
	} else
		(void)am_buf_printf(&res->why, "spf helo: not checked: %s\n",
		    err.msg);
}

/* --------------------------------------------------------------- From */

enum am_inbound_from_act
am_inbound_from_action(const struct am_inbound_opts *o, const struct am_from *f)
{
	enum am_inbound_from_act	 act;

	switch (f->status) {
	case AM_FROM_OK:
		act = AM_INBOUND_FROM_EVALUATE;
		break;
	case AM_FROM_NONE:
	case AM_FROM_EMPTY:
		act = o->from_missing;
		break;
	case AM_FROM_SEVERAL_FIELDS:
	case AM_FROM_SEVERAL_ADDRS:
		act = f->complete ? o->from_several : o->from_bad;
		break;
	default:
		act = o->from_bad;
		break;
	}
	if (act == AM_INBOUND_FROM_EVALUATE && !f->complete)
		act = o->from_bad;
	return act;
}

static void
am_inbound_from(struct am_inbound *in)
{
	struct am_from	*f = &in->res.from;

	if (in->hdr_overflow) {
		memset(f, 0, sizeof(*f));
		f->status = AM_FROM_UNPARSEABLE;
		(void)snprintf(f->why, sizeof(f->why), "header block not "
		    "evaluated: %.90s", in->hdr_err);
	} else
		am_from_hdrs(in->hdrs, f);
	in->from_act = am_inbound_from_action(in->opts, f);
	in->from_evaluate = in->from_act == AM_INBOUND_FROM_EVALUATE;
	(void)am_buf_printf(&in->res.why, "from: %s, %zu field(s), %zu "
	    "address(es), %zu author domain(s)%s%s\n",
	    am_from_status_name(f->status), f->nfields, f->naddrs,
	    f->ndomains, f->why[0] != '\0' ? ": " : "", f->why);
}

/* -------------------------------------------------------------- DMARC */

static void
am_inbound_dmarc_why(struct am_inbound *in)
{
	struct am_inbound_result	*res = &in->res;
	const struct am_dmarc_result	*r;
	const char			*p, *e;
	size_t				 i;

	for (i = 0; i < res->ndmarc; i++) {
		r = &res->dmarc[i];
		(void)am_buf_printf(&res->why, "dmarc %s: %s (%s: %s)\n",
		    r->author, am_dmarc_verdict_name(r->verdict),
		    am_dmarc_reason_name(r->reason), r->reason_text);
		for (p = am_buf_str(&r->why); *p != '\0'; p = e) {
			if ((e = strchr(p, '\n')) == NULL)
				e = p + strlen(p);
			(void)am_buf_printf(&res->why, "dmarc %s: %.*s\n",
			    r->author, (int)(e - p), p);
			if (*e == '\n')
				e++;
		}
	}
}

static void
am_inbound_dmarc(struct am_inbound *in)
{
	struct am_inbound_result	*res = &in->res;
	struct am_dmarc_dkim_in		 dk[AM_INBOUND_AR_DKIM];
	struct am_dmarc_input		 di;
	const struct am_dkim_result	*r;
	const char			*authors[AM_FROM_MAXDOMAINS];
	struct am_err			 err;
	size_t				 i, n;

	memset(&di, 0, sizeof(di));
	if (res->spf_done) {
		di.spf = res->spf.verdict;
		di.spf_domain = res->spf.domain;
	}
	n = am_dkim_verifier_count(in->dkim);
	for (i = 0; i < n && i < sizeof(dk) / sizeof(dk[0]); i++) {
		r = am_dkim_verifier_result(in->dkim, i);
		dk[i].d = r->d != NULL ? r->d : "";
		dk[i].s = r->s;
		dk[i].verdict = r->verdict;
	}
	di.dkim = dk;
	di.ndkim = i;
	n = res->from.ndomains;
	for (i = 0; i < n; i++)
		authors[i] = res->from.domains[i];
	am_err_clear(&err);
	if (am_dmarc_eval_authors(in->dns, &in->opts->dmarc_opts, &di,
	    authors, n, res->dmarc, &res->worst, &err) == -1) {
		/* Meaningless arguments (PSL mode without a list). */
		(void)am_buf_printf(&res->why, "dmarc: not evaluated: %s\n",
		    err.msg);
		in->from_evaluate = 0;
		in->from_act = AM_INBOUND_FROM_PERMERROR;
		return;
	}
	res->ndmarc = n;
	am_inbound_dmarc_why(in);
}

/* --------------------------------------------------------- disposition */

static void
am_inbound_set(struct am_inbound_verdict *v, enum am_inbound_action a,
    const char *code, const char *xcode, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
am_inbound_set(struct am_inbound_verdict *v, enum am_inbound_action a,
    const char *code, const char *xcode, const char *fmt, ...)
{
	va_list	 ap;

	v->action = a;
	(void)snprintf(v->smtp_code, sizeof(v->smtp_code), "%s", code);
	(void)snprintf(v->smtp_xcode, sizeof(v->smtp_xcode), "%s", xcode);
	va_start(ap, fmt);
	(void)vsnprintf(v->reason, sizeof(v->reason), fmt, ap);
	va_end(ap);
}

static void
am_inbound_decide_fail(const struct am_inbound_opts *o,
    const struct am_dmarc_result *w, struct am_inbound_verdict *v)
{
	const char	*pol = am_dmarc_policy_name(w->policy);

	switch (w->disposition) {
	case AM_DMARC_DISP_REJECT:
		if (o->reject_failures)
			am_inbound_set(v, AM_INBOUND_REJECT, "550", "5.7.1",
			    "%s: dmarc=fail for %s, policy %s",
			    o->reject_text != NULL ? o->reject_text :
			    AM_INBOUND_DEF_REJECT, w->author, pol);
		else
			am_inbound_set(v, AM_INBOUND_QUARANTINE, "", "",
			    "dmarc=fail for %s, policy reject: quarantined, "
			    "not rejected (RFC 9989: no reject on p=reject alone)",
			    w->author);
		return;
	case AM_DMARC_DISP_QUARANTINE:
		am_inbound_set(v, AM_INBOUND_QUARANTINE, "", "",
		    "dmarc=fail for %s, policy quarantine", w->author);
		return;
	default:
		am_inbound_set(v, AM_INBOUND_ACCEPT, "", "",
		    "dmarc=fail for %s, policy %s: nothing to enforce",
		    w->author, pol);
		return;
	}
}

static void
am_inbound_decide_dmarc(const struct am_inbound_opts *o,
    const struct am_dmarc_result *w, struct am_inbound_verdict *v)
{
	switch (w->verdict) {
	case AM_DMARC_FAIL:
		am_inbound_decide_fail(o, w, v);
		return;
	case AM_DMARC_TEMPERROR:
		if (o->temperror_tempfail)
			am_inbound_set(v, AM_INBOUND_TEMPFAIL, "451", "4.7.1",
			    "DMARC temporary error for %s: %s", w->author,
			    w->reason_text);
		else
			am_inbound_set(v, AM_INBOUND_ACCEPT, "", "",
			    "dmarc=temperror for %s accepted (temperror "
			    "option)", w->author);
		return;
	default:
		am_inbound_set(v, AM_INBOUND_ACCEPT, "", "", "dmarc=%s for %s",
		    am_dmarc_verdict_name(w->verdict), w->author);
		return;
	}
}

static void
am_inbound_decide_from(enum am_inbound_from_act act, const struct am_from *f,
    struct am_inbound_verdict *v)
{
	const char	*st = am_from_status_name(f->status);

	if (act == AM_INBOUND_FROM_REJECT)
		am_inbound_set(v, AM_INBOUND_REJECT, "550", "5.7.1",
		    "Message rejected: author (From) not usable for DMARC: "
		    "%s%s%s", st, f->why[0] != '\0' ? ": " : "", f->why);
	else
		am_inbound_set(v, AM_INBOUND_ACCEPT, "", "",
		    "author (From) not evaluated: %s; dmarc=permerror", st);
}

/* Local overrides: never enforce for an exempt client (authenticated,
 * in the caller's words), or with annotate_only. */
static void
am_inbound_override(const struct am_inbound_opts *o, const char *exempt,
    struct am_inbound_verdict *v)
{
	const char	*why = NULL;
	char		 was[sizeof(v->reason)];

	if (v->action == AM_INBOUND_ACCEPT)
		return;
	if (exempt != NULL)
		why = exempt;
	else if (o->annotate_only)
		why = "annotate only";
	if (why == NULL)
		return;
	(void)snprintf(was, sizeof(was), "%s", v->reason);
	am_inbound_set(v, AM_INBOUND_ACCEPT, "", "", "%s, not enforced "
	    "(would have been %s: %s)", why,
	    am_inbound_action_name(v->action), was);
}

void
am_inbound_disposition(const struct am_inbound_opts *o,
    enum am_inbound_from_act act, const struct am_from *f,
    const struct am_dmarc_result *r, size_t n, size_t worst,
    const char *exempt, struct am_inbound_verdict *v)
{
	memset(v, 0, sizeof(*v));
	if (!o->dmarc)
		am_inbound_set(v, AM_INBOUND_ACCEPT, "", "",
		    "DMARC off: nothing to enforce");
	else if (act != AM_INBOUND_FROM_EVALUATE)
		am_inbound_decide_from(act, f, v);
	else if (n > 0 && worst < n)
		am_inbound_decide_dmarc(o, &r[worst], v);
	else
		am_inbound_set(v, AM_INBOUND_ACCEPT, "", "",
		    "DMARC not evaluated");
	am_inbound_override(o, exempt, v);
}

static void
am_inbound_decide(struct am_inbound *in)
{
	struct am_inbound_result	*res = &in->res;
	struct am_inbound_verdict	 v;
	const char			*user = in->env->auth_user;

	am_inbound_disposition(in->opts, in->from_act, &res->from, res->dmarc,
	    res->ndmarc, res->worst, user != NULL && user[0] != '\0' ?
	    "authenticated client" : NULL, &v);
	res->action = v.action;
	memcpy(res->smtp_code, v.smtp_code, sizeof(res->smtp_code));
	memcpy(res->smtp_xcode, v.smtp_xcode, sizeof(res->smtp_xcode));
	memcpy(res->reason, v.reason, sizeof(res->reason));
	(void)am_buf_printf(&res->why, "action: %s: %s\n",
	    am_inbound_action_name(res->action), res->reason);
}

/* -------------------------------------------------------- A-R, reports */

static enum am_dmarc_disposition
am_inbound_applied(const struct am_inbound_verdict *v,
    const struct am_dmarc_result *r)
{
	switch (v->action) {
	case AM_INBOUND_QUARANTINE:
		return AM_DMARC_DISP_QUARANTINE;
	case AM_INBOUND_REJECT:
		return AM_DMARC_DISP_REJECT;
	default:
		return r->disposition == AM_DMARC_DISP_PASS ?
		    AM_DMARC_DISP_PASS : AM_DMARC_DISP_NONE;
	}
}

void
am_inbound_dmarc_authres(enum am_inbound_from_act act, const struct am_from *f,
    const struct am_dmarc_result *r, size_t n,
    const struct am_inbound_verdict *v, struct am_authres *ar, size_t *nar)
{
	struct am_dmarc_result	*t;
	size_t			 i;

	if (act != AM_INBOUND_FROM_EVALUATE) {
		am_authres_init(&ar[*nar]);
		am_authres_method(&ar[*nar], "dmarc", "permerror");
		am_authres_comment(&ar[*nar], am_from_status_name(f->status));
		if (f->ndomains == 1)
			am_authres_prop(&ar[*nar], "header", "from",
			    f->domains[0]);
		(*nar)++;
		return;
	}
	/* dis= says what was done (RFC 9989 5.4; notes 4.3): a shallow
	 * copy with the applied disposition, its why-trace borrowed. */
	t = am_malloc(sizeof(*t));
	for (i = 0; i < n && i < AM_FROM_MAXDOMAINS; i++) {
		*t = r[i];
		if (v != NULL)
			t->disposition = am_inbound_applied(v, &r[i]);
		am_authres_init(&ar[*nar]);
		am_dmarc_result_authres(t, &ar[*nar]);
		(*nar)++;
	}
	free(t);
}

static void
am_inbound_ar_dmarc(struct am_inbound *in, struct am_authres *ar, size_t *n)
{
	struct am_inbound_verdict	 v;

	if (!in->opts->dmarc)
		return;
	memset(&v, 0, sizeof(v));
	v.action = in->res.action;
	am_inbound_dmarc_authres(in->from_act, &in->res.from, in->res.dmarc,
	    in->res.ndmarc, &v, ar, n);
}

static void
am_inbound_authres(struct am_inbound *in)
{
	struct am_authres	 ar[AM_INBOUND_AR_DKIM + 2 + AM_FROM_MAXDOMAINS];
	size_t			 i, n = 0;

	am_inbound_ar_dkim(in, ar, &n);
	if (in->res.spf_done) {
		am_authres_init(&ar[n]);
		am_spf_result_authres(&in->res.spf, &ar[n++]);
	}
	if (in->res.helo_done) {
		am_authres_init(&ar[n]);
		am_spf_result_authres(&in->res.spf_helo, &ar[n++]);
	}
	am_inbound_ar_dmarc(in, ar, &n);
	if (am_authres_header(in->opts->authserv_id != NULL ?
	    in->opts->authserv_id : "localhost", ar, n, &in->res.authres) == -1)
		am_log(in->log, AM_LOG_ERROR, "Authentication-Results too long");
	for (i = 0; i < n; i++)
		am_authres_release(&ar[i]);
}

void
am_inbound_dmarc_reports(const struct am_dmarc_report_sink *sink,
    const struct am_inbound_verdict *v, const char *ip, const char *mailfrom,
    const char *rcpt_domain, const struct am_dmarc_result *r, size_t n)
{
	struct am_dmarc_report		 rep;
	enum am_dmarc_disposition	 applied;
	const char			*s = am_inbound_s(mailfrom), *at;
	size_t				 i;

	if (v->action == AM_INBOUND_TEMPFAIL)
		return;		/* the client will try again */
	at = strrchr(s, '@');
	for (i = 0; i < n; i++) {
		am_dmarc_report_fill(&rep, &r[i], ip,
		    at != NULL ? at + 1 : (*s != '\0' ? s : NULL), rcpt_domain);
		applied = am_inbound_applied(v, &r[i]);
		if (applied != r[i].disposition)
			am_dmarc_report_override(&rep, applied,
			    AM_DMARC_OVR_LOCAL_POLICY, v->reason);
		am_dmarc_report_emit(sink, &rep);
	}
}

static void
am_inbound_reports(struct am_inbound *in)
{
	struct am_inbound_result	*res = &in->res;
	struct am_inbound_verdict	 v;

	memset(&v, 0, sizeof(v));
	v.action = res->action;
	memcpy(v.reason, res->reason, sizeof(v.reason));
	am_inbound_dmarc_reports(&in->opts->report, &v, in->env->ip,
	    in->env->sender, in->env->rcpt_domain, res->dmarc, res->ndmarc);
}

void
am_inbound_eom(struct am_inbound *in)
{
	if (in->eom_done)
		return;
	in->eom_done = 1;
	(void)am_inbound_eoh(in);
	am_dkim_verifier_eom(in->dkim);
	am_inbound_why_dkim(in);
	am_inbound_spf(in);
	am_inbound_from(in);
	if (in->opts->dmarc && in->from_evaluate)
		am_inbound_dmarc(in);
	else if (!in->opts->dmarc)
		(void)am_buf_appends(&in->res.why, "dmarc: not evaluated "
		    "(off)\n");
	am_inbound_decide(in);
	am_inbound_authres(in);
	am_inbound_reports(in);
	am_log(in->log, AM_LOG_INFO, "inbound: %s; action=%s: %s",
	    am_buf_str(&in->res.authres), am_inbound_action_name(
	    in->res.action), in->res.reason);
}

const struct am_inbound_result *
am_inbound_result(const struct am_inbound *in)
{
	return &in->res;
}

const struct am_dkim_verifier *
am_inbound_dkim(const struct am_inbound *in)
{
	return in->dkim;
}

void
am_inbound_free(struct am_inbound **inp)
{
	struct am_inbound	*in = *inp;
	size_t			 i;

	if (in == NULL)
		return;
	for (i = 0; i < in->res.ndmarc; i++)
		am_dmarc_result_release(&in->res.dmarc[i]);
	am_buf_release(&in->res.authres);
	am_buf_release(&in->res.why);
	am_dkim_verifier_free(&in->dkim);
	am_hdrs_free(&in->hdrs);
	free(in);
	*inp = NULL;
}
