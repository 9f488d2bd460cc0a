/*
 * engine_dmarc - DMARC at the end of a verified message: the author
 * set, the evaluation of every author domain, the disposition, the
 * dmarc resinfos, the report records and the log facts (RFC 9989;
 * shared/notes/dmarcbis.md 4 and 5)
 *
 * Disposition (DMARC's contribution; disposition.h merges it):
 *  - fail under p=quarantine: quarantine; under p=reject: quarantine
 *    (a receiver must not reject on p=reject alone), reject (550 5.7.1,
 *    opts.reject_string with the author domain) with reject_failures;
 *    without opts.hold a quarantine is only written down (accept);
 *  - temperror: tempfail (451 4.7.1) or accept (temperror_tempfail);
 *  - several author domains: each evaluated (at most
 *    AM_FROM_MAXDOMAINS), the worst decides (am_dmarc_worst);
 *    reject_multi_from rejects them instead;
 *  - the author set (addr.h): none or empty (from_missing),
 *    unparseable or without a usable domain (from_bad), several
 *    (from_several): evaluate, reject (550 5.7.1) or permerror; a class
 *    not evaluated shows as dmarc=permerror;
 *  - never enforced (the A-R still says what DMARC found): an exempt
 *    client (am_engine_client: InternalHosts, IgnoreHosts, SMTP AUTH),
 *    opts.annotate_only, and author domains in opts.ignore_domains (the
 *    worst of the others decides; those are evaluated, and written,
 *    first).
 * Trusted upstream results (engine_ar.c): their dkim results are added
 * before our own (one aligned pass is enough; a trusted pass does not
 * stand for an ambiguous author, as ours does not), their first spf
 * result replaces ours (checked against the relay, not the client).
 * Every evaluated author domain gives one report record, with the
 * disposition applied and the recipient domain; none for a tempfail.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authres.h"
#include "engine_impl.h"
#include "mem.h"

#define AM_ENGINE_QUARANTINE	"authmilter: DMARC policy"

static enum am_engine_from_act
am_engine_from_action(const struct am_engine_opts *o, const struct am_from *f)
{
	enum am_engine_from_act	 act;

	switch (f->status) {
	case AM_FROM_OK:
		act = AM_ENGINE_FROM_EVALUATE;
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
	if (act == AM_ENGINE_FROM_EVALUATE && !f->complete)
		act = o->from_bad;
	if (act == AM_ENGINE_FROM_EVALUATE && o->reject_multi_from &&
	    f->ndomains > 1)
		act = AM_ENGINE_FROM_REJECT;
	return act;
}

static int
am_engine_ignored(const struct am_engine_opts *o, const char *domain)
{
	char *const	*d;

	for (d = o->ignore_domains; d != NULL && *d != NULL; d++)
		if (strcasecmp(*d, domain) == 0)
			return 1;
	return 0;
}

/* The evaluation's input: trusted results first, then ours. */
static void
am_engine_dmarc_input(struct am_engine *e, struct am_dmarc_dkim_in *dk,
    size_t max, struct am_dmarc_input *di)
{
	const struct am_engine_upstream	*up = &e->up;
	int	 pass_ok = e->from.status != AM_FROM_NONE &&
		    e->from.status != AM_FROM_SEVERAL_FIELDS;
	size_t	 i, k = 0;

	memset(di, 0, sizeof(*di));
	if (up->have_spf) {
		di->spf = am_spf_verdict_word(up->spf);
		di->spf_domain = up->spf_domain;
	} else if (e->spf.state == AM_ENGINE_SPF_DONE) {
		di->spf = am_spf_verdict_word(e->spf.mailfrom.verdict);
		di->spf_domain = e->spf.mailfrom.domain;
	}
	for (i = 0; i < up->ndkim && k < max; i++, k++) {
		dk[k].d = up->dkim[i].d;
		dk[k].s = NULL;
		dk[k].verdict = am_dkim_verdict_word(up->dkim[i].verdict ==
		    AM_DKIM_PASS && !pass_ok ? AM_DKIM_PERMERROR :
		    up->dkim[i].verdict);
	}
	for (i = 0; i < e->ndkim && k < max; i++, k++) {
		dk[k].d = e->dkim[i].d != NULL ? e->dkim[i].d : "";
		dk[k].s = e->dkim[i].s;
		dk[k].verdict = am_dkim_verdict_word(e->dkim[i].verdict);
	}
	di->dkim = dk;
	di->ndkim = k;
	if (up->nfields > 0 && (up->have_spf || up->ndkim > 0))
		(void)snprintf(e->upnote, sizeof(e->upnote), "%s%s%s "
		    "from trusted %.120s%s", up->have_spf ? "spf" : "",
		    up->have_spf && up->ndkim > 0 ? " and " : "",
		    up->ndkim > 0 ? "dkim" : "", up->id, up->nfields > 1 ?
		    " and others" : "");
}

/* Evaluates the author domains, those not ignored first; returns how
 * many are not ignored. */
static size_t
am_engine_dmarc_eval(struct am_engine *e, const struct am_dmarc_input *di)
{
	const char	*authors[AM_FROM_MAXDOMAINS];
	const struct am_from *f = &e->from;
	struct am_err	 err;
	size_t		 i, n = 0, k;

	for (i = 0; i < f->ndomains && n < AM_FROM_MAXDOMAINS; i++)
		if (!am_engine_ignored(&e->opts, f->domains[i]))
			authors[n++] = f->domains[i];
	k = n;
	for (i = 0; i < f->ndomains && n < AM_FROM_MAXDOMAINS; i++)
		if (am_engine_ignored(&e->opts, f->domains[i]))
			authors[n++] = f->domains[i];
	e->dmarc = am_calloc(n > 0 ? n : 1, sizeof(*e->dmarc));
	am_err_clear(&err);
	if (n == 0 || am_dmarc_eval_authors(e->dns, &e->opts.dmarc_opts, di,
	    authors, n, e->dmarc, &e->worst, &err) == -1) {
		if (n > 0)
			am_log(e->log, AM_LOG_ERROR, "DMARC not evaluated: %s",
			    err.msg);
		if (e->opts.why && n > 0)
			(void)am_buf_printf(&e->why, "dmarc: not evaluated: "
			    "%s\n", err.msg);
		e->from_act = AM_ENGINE_FROM_PERMERROR;
		return 0;
	}
	e->ndmarc = n;
	if (k > 0 && k < n)
		e->worst = am_dmarc_worst(e->dmarc, k);
	return k;
}

/* ------------------------------------------------------- disposition */

static void
am_engine_dset(struct am_disposition *d, enum am_action a, const char *xcode,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* DMARC's contribution; the reply text is the reason until
 * am_engine_dmarc_reply. */
static void
am_engine_dset(struct am_disposition *d, enum am_action a, const char *xcode,
    const char *fmt, ...)
{
	char	 why[sizeof(d->why)];
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	am_disposition_set(d, a, AM_METHOD_DMARC, NULL, xcode,
	    a == AM_ACTION_QUARANTINE ? AM_ENGINE_QUARANTINE :
	    a == AM_ACTION_ACCEPT ? "" : why, why);
}

static void
am_engine_decide_fail(const struct am_engine_opts *o,
    const struct am_dmarc_result *w, struct am_disposition *d)
{
	const char	*pol = am_dmarc_policy_name(w->policy);

	switch (w->disposition) {
	case AM_DMARC_DISP_REJECT:
		if (o->reject_failures)
			am_engine_dset(d, AM_ACTION_REJECT, "5.7.1",
			    "Message rejected by DMARC policy: dmarc=fail for "
			    "%s, policy %s", w->author, pol);
		else
			am_engine_dset(d, AM_ACTION_QUARANTINE, "",
			    "dmarc=fail for %s, policy reject: quarantined, "
			    "not rejected (RFC 9989: no reject on p=reject alone)",
			    w->author);
		return;
	case AM_DMARC_DISP_QUARANTINE:
		am_engine_dset(d, AM_ACTION_QUARANTINE, "",
		    "dmarc=fail for %s, policy quarantine", w->author);
		return;
	default:
		am_engine_dset(d, AM_ACTION_ACCEPT, "", "dmarc=fail for %s, "
		    "policy %s: nothing to enforce", w->author, pol);
		return;
	}
}

static void
am_engine_decide(const struct am_engine_opts *o,
    const struct am_dmarc_result *w, struct am_disposition *d)
{
	switch (w->verdict) {
	case AM_DMARC_FAIL:
		am_engine_decide_fail(o, w, d);
		return;
	case AM_DMARC_TEMPERROR:
		if (o->temperror_tempfail)
			am_engine_dset(d, AM_ACTION_TEMPFAIL, "4.7.1",
			    "DMARC temporary error for %s: %s", w->author,
			    w->reason_text);
		else
			am_engine_dset(d, AM_ACTION_ACCEPT, "",
			    "dmarc=temperror for %s accepted (temperror "
			    "option)", w->author);
		return;
	default:
		am_engine_dset(d, AM_ACTION_ACCEPT, "", "dmarc=%s for %s",
		    am_dmarc_verdict_name(w->verdict), w->author);
		return;
	}
}

static void
am_engine_decide_from(enum am_engine_from_act act, const struct am_from *f,
    struct am_disposition *d)
{
	const char	*st = am_from_status_name(f->status);

	if (act == AM_ENGINE_FROM_REJECT)
		am_engine_dset(d, AM_ACTION_REJECT, "5.7.1", "Message "
		    "rejected: author (From) not usable for DMARC: %s%s%s", st,
		    f->why[0] != '\0' ? ": " : "", f->why);
	else
		am_engine_dset(d, AM_ACTION_ACCEPT, "", "author (From) not "
		    "evaluated: %s; dmarc=permerror", st);
}

/* Local overrides: an exempt client, annotate only, no hold. */
static void
am_engine_override(const struct am_engine_opts *o, const char *exempt,
    struct am_disposition *d)
{
	const char	*why = exempt;
	char		 was[sizeof(d->why)];

	if (why == NULL && o->annotate_only)
		why = "annotate only";
	if (d->action != AM_ACTION_ACCEPT && why != NULL) {
		(void)snprintf(was, sizeof(was), "%s", d->why);
		am_engine_dset(d, AM_ACTION_ACCEPT, "", "%s, not enforced "
		    "(would have been %s: %s)", why,
		    am_disposition_action_name(d->action), was);
	}
	if (d->action == AM_ACTION_QUARANTINE && !o->hold) {
		(void)snprintf(was, sizeof(was) - 40, "%.*s",
		    (int)sizeof(was) - 41, d->why);
		am_engine_dset(d, AM_ACTION_ACCEPT, "", "not held "
		    "(HoldQuarantinedMessages no): %s", was);
	}
}

/* RejectString for a DMARC reject: "%s" is the author domain. */
static void
am_engine_dmarc_reply(struct am_engine *e)
{
	struct am_disposition	*d = &e->dmarc_disp;
	const char		*fmt = e->opts.reject_string, *p;
	char			 text[sizeof(d->text)];

	if (d->action != AM_ACTION_REJECT ||
	    e->from_act != AM_ENGINE_FROM_EVALUATE || fmt == NULL ||
	    (p = strstr(fmt, "%s")) == NULL)
		return;
	(void)snprintf(text, sizeof(text), "%.*s%s%s", (int)(p - fmt), fmt,
	    e->dmarc[e->worst].author, p + 2);
	(void)snprintf(d->text, sizeof(d->text), "%s", text);
}

/* ----------------------------------------------------------- output */

static enum am_dmarc_disposition
am_engine_applied(const struct am_disposition *d,
    const struct am_dmarc_result *r)
{
	switch (d->action) {
	case AM_ACTION_QUARANTINE:
		return AM_DMARC_DISP_QUARANTINE;
	case AM_ACTION_REJECT:
		return AM_DMARC_DISP_REJECT;
	default:
		return r->disposition == AM_DMARC_DISP_PASS ?
		    AM_DMARC_DISP_PASS : AM_DMARC_DISP_NONE;
	}
}

/* One record per result; the override when the disposition applied
 * differs from what DMARC asked for; none for a tempfail. */
static void
am_engine_dmarc_reports(const struct am_engine *e)
{
	const struct am_disposition	*d = &e->dmarc_disp;
	struct am_dmarc_report		 rep;
	enum am_dmarc_disposition	 applied;
	const char			*s = e->spf.envfrom, *at;
	size_t				 i;

	if (d->action == AM_ACTION_TEMPFAIL || e->opts.report.fn == NULL)
		return;
	at = strrchr(s, '@');
	for (i = 0; i < e->ndmarc; i++) {
		am_dmarc_report_fill(&rep, &e->dmarc[i], e->client.ip,
		    at != NULL ? at + 1 : (*s != '\0' ? s : NULL),
		    e->rcpt_domain[0] != '\0' ? e->rcpt_domain : NULL);
		(void)snprintf(rep.kind, sizeof(rep.kind), "%s", e->kind);
		applied = am_engine_applied(d, &e->dmarc[i]);
		if (applied != e->dmarc[i].disposition)
			am_dmarc_report_override(&rep, applied,
			    AM_DMARC_OVR_LOCAL_POLICY, d->why);
		am_dmarc_report_emit(&e->opts.report, &rep);
	}
}

static void
am_engine_dmarc_why(struct am_engine *e)
{
	const struct am_from		*f = &e->from;
	const struct am_dmarc_result	*r;
	const char			*p, *q;
	size_t				 i;

	(void)am_buf_printf(&e->why, "from: %s, %zu field(s), %zu "
	    "address(es), %zu author domain(s)%s%s\n",
	    am_from_status_name(f->status), f->nfields, f->naddrs,
	    f->ndomains, f->why[0] != '\0' ? ": " : "", f->why);
	for (i = 0; i < e->ndmarc; i++) {
		r = &e->dmarc[i];
		(void)am_buf_printf(&e->why, "dmarc %s: %s (%s: %s)\n",
		    r->author, am_dmarc_verdict_name(r->verdict),
		    am_dmarc_reason_name(r->reason), r->reason_text);
		for (p = am_buf_str(&r->why); *p != '\0'; p = q) {
			if ((q = strchr(p, '\n')) == NULL)
				q = p + strlen(p);
			(void)am_buf_printf(&e->why, "dmarc %s: %.*s\n",
			    r->author, (int)(q - p), p);
			if (*q == '\n')
				q++;
		}
	}
	if (e->upnote[0] != '\0')
		(void)am_buf_printf(&e->why, "dmarc: %s\n", e->upnote);
}

void
am_engine_dmarc_eom(struct am_engine *e)
{
	struct am_dmarc_dkim_in	 dk[AM_DMARC_MAX_DKIM];
	struct am_dmarc_input	 di;
	const char		*exempt = e->client.exempt ?
				    e->client.exempt_why : NULL;
	size_t			 k;

	e->dmarc_done = 1;
	e->from_act = am_engine_from_action(&e->opts, &e->from);
	if (e->from_act == AM_ENGINE_FROM_EVALUATE) {
		am_engine_dmarc_input(e, dk, AM_DMARC_MAX_DKIM, &di);
		k = am_engine_dmarc_eval(e, &di);
		if (k == 0 && e->ndmarc > 0 && exempt == NULL)
			exempt = "author domain in IgnoreMailFrom";
	}
	if (e->from_act != AM_ENGINE_FROM_EVALUATE)
		am_engine_decide_from(e->from_act, &e->from, &e->dmarc_disp);
	else if (e->ndmarc > 0 && e->worst < e->ndmarc)
		am_engine_decide(&e->opts, &e->dmarc[e->worst],
		    &e->dmarc_disp);
	else
		am_engine_dset(&e->dmarc_disp, AM_ACTION_ACCEPT, "",
		    "DMARC not evaluated");
	am_engine_override(&e->opts, exempt, &e->dmarc_disp);
	am_engine_dmarc_reply(e);
	am_engine_dmarc_reports(e);
	if (e->opts.why)
		am_engine_dmarc_why(e);
}

void
am_engine_dmarc_authres(const struct am_engine *e, struct am_buf *ar)
{
	const struct am_from	*f = &e->from;
	struct am_dmarc_result	 t;
	struct am_authres	 a;
	size_t			 i;

	if (!e->dmarc_done)
		return;
	if (e->from_act != AM_ENGINE_FROM_EVALUATE) {
		am_authres_init(&a);
		am_authres_method(&a, "dmarc", "permerror");
		am_authres_comment(&a, am_from_status_name(f->status));
		if (f->ndomains == 1)
			am_authres_prop(&a, "header", "from", f->domains[0]);
		(void)am_buf_printf(ar, ";\n\t%s", am_authres_str(&a));
		am_authres_release(&a);
		return;
	}
	/* dis= says what was done (RFC 9989 5.4; notes 4.3): a shallow
	 * copy with the applied disposition, its why-trace borrowed. */
	for (i = 0; i < e->ndmarc; i++) {
		t = e->dmarc[i];
		t.disposition = am_engine_applied(&e->dmarc_disp, &e->dmarc[i]);
		am_authres_init(&a);
		am_dmarc_result_authres(&t, &a);
		(void)am_buf_printf(ar, ";\n\t%s", am_authres_str(&a));
		am_authres_release(&a);
	}
}

void
am_engine_dmarc_logline(const struct am_engine *e, struct am_buf *line)
{
	const struct am_dmarc_result	*w;

	if (!e->dmarc_done)
		return;
	if (e->ndmarc == 0)
		(void)am_buf_printf(line, "; dmarc=permerror");
	else {
		w = &e->dmarc[e->worst];
		(void)am_buf_printf(line, "; dmarc=%s header.from=%s",
		    am_dmarc_verdict_name(w->verdict), w->author);
		if (w->have_policy)
			(void)am_buf_printf(line, " policy=%s",
			    am_dmarc_policy_name(w->policy));
		if (e->ndmarc > 1)
			(void)am_buf_printf(line, " (%zu author domains)",
			    e->ndmarc);
	}
	if (e->upnote[0] != '\0')
		(void)am_buf_printf(line, " (%s)", e->upnote);
	(void)am_buf_printf(line, ": %s (%s)", am_disposition_action_name(
	    e->dmarc_disp.action), e->dmarc_disp.why);
}

void
am_engine_dmarc_release(struct am_engine *e)
{
	size_t	 i;

	for (i = 0; i < e->ndmarc; i++)
		am_dmarc_result_release(&e->dmarc[i]);
	free(e->dmarc);
	e->dmarc = NULL;
	e->ndmarc = 0;
}
