/*
 * dmarc_check - DMARC in the milter (see dmarc_check.h)
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authres.h"
#include "dmarc_check.h"
#include "dmarc_report.h"
#include "domain.h"
#include "mem.h"

static const char *
am_dmarc_str(const char *s)
{
	return s != NULL ? s : "unknown";
}

int
am_dmarc_exempt(const struct am_config *cfg, const struct am_client *c,
    char *why, size_t size)
{
	why[0] = '\0';
	if (cfg->internal_hosts != NULL &&
	    am_peerlist_match(cfg->internal_hosts, c->sa, c->host))
		(void)snprintf(why, size, "client %s [%s] in InternalHosts",
		    am_dmarc_str(c->host), am_dmarc_str(c->addr));
	else if (cfg->dmarc_ignore_hosts != NULL &&
	    am_peerlist_match(cfg->dmarc_ignore_hosts, c->sa, c->host))
		(void)snprintf(why, size, "client %s [%s] in IgnoreHosts",
		    am_dmarc_str(c->host), am_dmarc_str(c->addr));
	else if (cfg->dmarc_ignore_auth && ((c->auth_authen != NULL &&
	    c->auth_authen[0] != '\0') || (c->auth_type != NULL &&
	    c->auth_type[0] != '\0')))
		(void)snprintf(why, size, "authenticated client");
	return why[0] != '\0';
}

static int
am_dmarc_ignored(const struct am_config *cfg, const char *domain)
{
	char *const	*d;

	for (d = cfg->dmarc_ignore_domains; d != NULL && *d != NULL; d++)
		if (strcasecmp(*d, domain) == 0)
			return 1;
	return 0;
}

static void
am_dmarc_opts(const struct am_config *cfg, const struct am_log *log,
    struct am_inbound_opts *o)
{
	am_inbound_opts_init(o);
	o->dmarc_opts.mode = cfg->dmarc_psl != NULL ? AM_DMARC_MODE_PSL :
	    AM_DMARC_MODE_WALK;
	o->dmarc_opts.psl = cfg->dmarc_psl;
	o->reject_failures = cfg->dmarc_reject_failures;
	o->temperror_tempfail =
	    cfg->dmarc_temperror_action == AM_ACTION_TEMPFAIL;
	o->from_missing = o->from_bad = cfg->dmarc_required_headers ?
	    AM_INBOUND_FROM_REJECT : AM_INBOUND_FROM_PERMERROR;
	o->from_several = AM_INBOUND_FROM_EVALUATE;
	o->report.fn = am_dmarc_report_log_sink;
	o->report.ctx = (void *)(uintptr_t)log;
}

/* Evaluates the author domains, those not in IgnoreMailFrom first;
 * returns how many are not ignored. */
static size_t
am_dmarc_check_eval(const struct am_config *cfg, struct am_dns *dns,
    const struct am_inbound_opts *o,
    const struct am_dmarc_input *di, const struct am_log *log,
    struct am_dmarc_msg *d)
{
	const char	*authors[AM_FROM_MAXDOMAINS];
	struct am_err	 err;
	size_t		 i, n = 0, k, nd = d->from->ndomains;

	for (i = 0; i < nd && n < AM_FROM_MAXDOMAINS; i++)
		if (!am_dmarc_ignored(cfg, d->from->domains[i]))
			authors[n++] = d->from->domains[i];
	k = n;
	for (i = 0; i < nd && n < AM_FROM_MAXDOMAINS; i++)
		if (am_dmarc_ignored(cfg, d->from->domains[i]))
			authors[n++] = d->from->domains[i];
	d->r = am_calloc(n > 0 ? n : 1, sizeof(*d->r));
	am_err_clear(&err);
	if (n == 0 || am_dmarc_eval_authors(dns, &o->dmarc_opts, di,
	    authors, n, d->r, &d->worst, &err) == -1) {
		if (n > 0)
			am_log(log, AM_LOG_ERROR, "DMARC not evaluated: %s",
			    err.msg);
		d->from_act = AM_INBOUND_FROM_PERMERROR;
		return 0;
	}
	d->n = n;
	if (k > 0 && k < n)
		d->worst = am_dmarc_worst(d->r, k);
	return k;
}

/* ---------------------------------------------------------- upstream */

static int
am_dmarc_trusted_id(const struct am_config *cfg, const char *id)
{
	char *const	*t;

	if (cfg->authserv_id != NULL && strcasecmp(id, cfg->authserv_id) == 0)
		return 0;		/* ours: a forgery, never trusted */
	for (t = cfg->dmarc_trusted_ids; t != NULL && *t != NULL; t++)
		if (strcasecmp(*t, id) == 0)
			return 1;
	return 0;
}

/* An RFC 8601 spf or dkim result keyword; -1 for others ("policy"). */
static int
am_dmarc_up_verdict(const struct am_authres_view *v, int spf)
{
	static const struct {
		const char	*name;
		int		 spf, dkim;
	} tab[] = {
		{ "pass", AM_SPF_PASS, AM_DKIM_PASS },
		{ "fail", AM_SPF_FAIL, AM_DKIM_FAIL },
		{ "hardfail", AM_SPF_FAIL, -1 },	/* RFC 5451 */
		{ "softfail", AM_SPF_SOFTFAIL, -1 },
		{ "neutral", AM_SPF_NEUTRAL, AM_DKIM_NEUTRAL },
		{ "none", AM_SPF_NONE, AM_DKIM_NONE },
		{ "policy", -1, AM_DKIM_POLICY },
		{ "temperror", AM_SPF_TEMPERROR, AM_DKIM_TEMPERROR },
		{ "permerror", AM_SPF_PERMERROR, AM_DKIM_PERMERROR },
	};
	size_t	 i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (am_authres_view_eq(v, tab[i].name))
			return spf ? tab[i].spf : tab[i].dkim;
	return -1;
}

/* The domain of a property value ("user@dom", "@dom" or "dom") as an
 * A-label into out; -1 when there is none or it is no domain. */
static int
am_dmarc_up_domain(const struct am_authres_prop *p, char *out, size_t size)
{
	char		 v[512], *a;
	const char	*d;
	struct am_err	 err;

	if (p == NULL || am_authres_view_copy(&p->value, v, sizeof(v)) == -1)
		return -1;
	d = strrchr(v, '@') != NULL ? strrchr(v, '@') + 1 : v;
	if ((a = am_domain_to_alabel(d, strlen(d), &err)) == NULL)
		return -1;
	if ((size_t)snprintf(out, size, "%s", a) >= size) {
		free(a);
		return -1;
	}
	free(a);
	return 0;
}

static void
am_dmarc_up_result(const struct am_authres_result *r,
    struct am_dmarc_upstream *up)
{
	int	 v;

	if (am_authres_view_eq(&r->method, "spf")) {
		if (up->have_spf || (v = am_dmarc_up_verdict(&r->result, 1))
		    == -1 || am_dmarc_up_domain(am_authres_prop_find(r, "smtp",
		    "mailfrom"), up->spf_domain, sizeof(up->spf_domain)) == -1)
			return;
		up->spf = (enum am_spf_verdict)v;
		up->have_spf = 1;
	} else if (am_authres_view_eq(&r->method, "dkim")) {
		if (up->ndkim >= AM_DMARC_UP_MAXDKIM ||
		    (v = am_dmarc_up_verdict(&r->result, 0)) == -1 ||
		    am_dmarc_up_domain(am_authres_prop_find(r, "header", "d"),
		    up->dkim[up->ndkim].d, sizeof(up->dkim[0].d)) == -1)
			return;
		up->dkim[up->ndkim++].verdict = (enum am_dkim_verdict)v;
	}
}

int
am_dmarc_upstream_add(const struct am_config *cfg, const char *v, size_t len,
    const struct am_log *log, struct am_dmarc_upstream *up)
{
	struct am_authres_parsed	*ar;
	struct am_err			 err;
	char				 id[256];
	size_t				 i;

	if (cfg->dmarc_trusted_ids == NULL || cfg->dmarc_trusted_ids[0] == NULL ||
	    am_decide_ar_id(v, len, id, sizeof(id)) == -1 ||
	    !am_dmarc_trusted_id(cfg, id))
		return 0;
	ar = am_malloc(sizeof(*ar));
	am_err_clear(&err);
	if (am_authres_parse(v, len, ar, &err) == -1 ||
	    !am_dmarc_trusted_id(cfg, am_authres_view_eq(&ar->authserv_id,
	    id) ? id : "")) {
		am_log(log, AM_LOG_WARN, "Authentication-Results from trusted "
		    "%s not used: %s", id, err.code != AM_E_NONE ? err.msg :
		    "authserv-id unclear");
		free(ar);
		return -1;
	}
	for (i = 0; i < ar->n; i++)
		am_dmarc_up_result(&ar->res[i], up);
	if (up->nfields++ == 0)
		(void)snprintf(up->id, sizeof(up->id), "%.*s",
		    (int)sizeof(up->id) - 1, id);
	free(ar);
	return 1;
}

/* ---------------------------------------------------------- evaluation */

/* Our DKIM results after the trusted ones; a trusted pass does not
 * stand for an ambiguous author (no From, or several fields: RFC 6376
 * 8.15), as ours does not (session.c). */
static void
am_dmarc_input(const struct am_spf_msg *spf, const struct am_dkim_result *r,
    size_t n, const struct am_dmarc_upstream *up, const struct am_from *from,
    struct am_dmarc_dkim_in *dk, size_t max, struct am_dmarc_input *di)
{
	int	 pass_ok = from->status != AM_FROM_NONE &&
		    from->status != AM_FROM_SEVERAL_FIELDS;
	size_t	 i, k = 0;

	memset(di, 0, sizeof(*di));
	if (up != NULL && up->have_spf) {
		di->spf = up->spf;
		di->spf_domain = up->spf_domain;
	} else if (spf != NULL && spf->state == AM_SPF_STATE_DONE) {
		di->spf = spf->mailfrom.verdict;
		di->spf_domain = spf->mailfrom.domain;
	}
	for (i = 0; up != NULL && i < up->ndkim && k < max; i++, k++) {
		dk[k].d = up->dkim[i].d;
		dk[k].s = NULL;
		dk[k].verdict = up->dkim[i].verdict == AM_DKIM_PASS &&
		    !pass_ok ? AM_DKIM_PERMERROR : up->dkim[i].verdict;
	}
	for (i = 0; i < n && k < max; i++, k++) {
		dk[k].d = r[i].d != NULL ? r[i].d : "";
		dk[k].s = r[i].s;
		dk[k].verdict = r[i].verdict;
	}
	di->dkim = dk;
	di->ndkim = k;
}

/* Which trusted results the evaluation used, for the log line. */
static void
am_dmarc_upstream_note(const struct am_dmarc_upstream *up,
    struct am_dmarc_msg *d)
{
	if (up == NULL || up->nfields == 0 || (!up->have_spf &&
	    up->ndkim == 0))
		return;
	(void)snprintf(d->upstream, sizeof(d->upstream), "%s%s%s from "
	    "trusted %.120s%s", up->have_spf ? "spf" : "",
	    up->have_spf && up->ndkim > 0 ? " and " : "",
	    up->ndkim > 0 ? "dkim" : "", up->id, up->nfields > 1 ?
	    " and others" : "");
}

/* The reply for a refusal, '%' doubled for smfi_setreply. */
static void
am_dmarc_reply(const struct am_config *cfg, struct am_dmarc_msg *d)
{
	char		 text[sizeof(d->reply)];
	const char	*fmt = cfg->dmarc_reject_string, *p;
	size_t		 o = 0;

	if (d->v.action == AM_INBOUND_REJECT &&
	    d->from_act == AM_INBOUND_FROM_EVALUATE && fmt != NULL &&
	    (p = strstr(fmt, "%s")) != NULL)
		(void)snprintf(text, sizeof(text), "%.*s%s%s", (int)(p - fmt),
		    fmt, d->r[d->worst].author, p + 2);
	else
		(void)snprintf(text, sizeof(text), "%s", d->v.reason);
	for (p = text; *p != '\0' && o + 2 < sizeof(d->reply); p++) {
		if (*p == '%')
			d->reply[o++] = '%';
		d->reply[o++] = *p;
	}
	d->reply[o] = '\0';
	d->rcode = d->v.smtp_code;
	d->xcode = d->v.smtp_xcode;
}

/* HoldQuarantinedMessages no: a quarantine is only written down. */
static void
am_dmarc_nohold(struct am_dmarc_msg *d)
{
	char	 was[sizeof(d->v.reason) - 40];

	if (d->v.action != AM_INBOUND_QUARANTINE)
		return;
	(void)snprintf(was, sizeof(was), "%.*s", (int)sizeof(was) - 1,
	    d->v.reason);
	d->v.action = AM_INBOUND_ACCEPT;
	(void)snprintf(d->v.reason, sizeof(d->v.reason), "not held "
	    "(HoldQuarantinedMessages no): %s", was);
}

void
am_dmarc_check(const struct am_config *cfg, struct am_dns *dns,
    const struct am_from *from,
    const struct am_spf_msg *spf, const struct am_dkim_result *dkim,
    size_t ndkim, const struct am_dmarc_upstream *up, const char *ip,
    const char *exempt, const struct am_log *log, struct am_dmarc_msg *d)
{
	struct am_inbound_opts	 o;
	struct am_dmarc_dkim_in	 dk[AM_DMARC_MAX_DKIM];
	struct am_dmarc_input	 di;
	size_t			 k = 0;

	memset(d, 0, sizeof(*d));
	d->done = 1;
	d->from = from;
	am_dmarc_opts(cfg, log, &o);
	d->from_act = am_inbound_from_action(&o, from);
	if (d->from_act == AM_INBOUND_FROM_EVALUATE &&
	    cfg->dmarc_reject_multi_from && from->ndomains > 1)
		d->from_act = AM_INBOUND_FROM_REJECT;
	if (d->from_act == AM_INBOUND_FROM_EVALUATE) {
		am_dmarc_input(spf, dkim, ndkim, up, from, dk,
		    AM_DMARC_MAX_DKIM, &di);
		am_dmarc_upstream_note(up, d);
		k = am_dmarc_check_eval(cfg, dns, &o, &di, log, d);
		if (k == 0 && d->n > 0 && exempt == NULL)
			exempt = "author domain in IgnoreMailFrom";
	}
	am_inbound_disposition(&o, d->from_act, from, d->r, d->n, d->worst,
	    exempt, &d->v);
	if (!cfg->dmarc_hold)
		am_dmarc_nohold(d);
	am_inbound_dmarc_reports(&o.report, &d->v, ip, spf != NULL &&
	    spf->state == AM_SPF_STATE_DONE ? spf->envfrom : NULL, NULL, d->r,
	    d->n);
	switch (d->v.action) {
	case AM_INBOUND_QUARANTINE:
		d->action = AM_ACTION_QUARANTINE;
		break;
	case AM_INBOUND_REJECT:
		d->action = AM_ACTION_REJECT;
		break;
	case AM_INBOUND_TEMPFAIL:
		d->action = AM_ACTION_TEMPFAIL;
		break;
	default:
		d->action = AM_ACTION_ACCEPT;
		break;
	}
	am_dmarc_reply(cfg, d);
}

void
am_dmarc_authres(const struct am_dmarc_msg *d, struct am_buf *ar)
{
	struct am_authres	 res[AM_FROM_MAXDOMAINS];
	size_t			 i, n = 0;

	if (!d->done)
		return;
	am_inbound_dmarc_authres(d->from_act, d->from, d->r, d->n, &d->v, res,
	    &n);
	for (i = 0; i < n; i++) {
		(void)am_buf_printf(ar, ";\n\t%s", am_authres_str(&res[i]));
		am_authres_release(&res[i]);
	}
}

void
am_dmarc_logline(const struct am_dmarc_msg *d, struct am_buf *line)
{
	const struct am_dmarc_result	*w;

	if (!d->done)
		return;
	if (d->n == 0)
		(void)am_buf_printf(line, "; dmarc=permerror");
	else {
		w = &d->r[d->worst];
		(void)am_buf_printf(line, "; dmarc=%s header.from=%s",
		    am_dmarc_verdict_name(w->verdict), w->author);
		if (w->have_policy)
			(void)am_buf_printf(line, " policy=%s",
			    am_dmarc_policy_name(w->policy));
		if (d->n > 1)
			(void)am_buf_printf(line, " (%zu author domains)",
			    d->n);
	}
	if (d->upstream[0] != '\0')
		(void)am_buf_printf(line, " (%s)", d->upstream);
	(void)am_buf_printf(line, ": %s (%s)", am_inbound_action_name(
	    d->v.action), d->v.reason);
}

void
am_dmarc_msg_release(struct am_dmarc_msg *d)
{
	size_t	 i;

	for (i = 0; i < d->n; i++)
		am_dmarc_result_release(&d->r[i]);
	free(d->r);
	d->r = NULL;
	d->n = 0;
	d->done = 0;
}
