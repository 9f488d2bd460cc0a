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
am_dmarc_check_eval(const struct am_config *cfg, const struct am_inbound_opts *o,
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
	if (n == 0 || am_dmarc_eval_authors(cfg->dns, &o->dmarc_opts, di,
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

static void
am_dmarc_input(const struct am_spf_msg *spf, const struct am_dkim_result *r,
    size_t n, struct am_dmarc_dkim_in *dk, size_t max,
    struct am_dmarc_input *di)
{
	size_t	 i;

	memset(di, 0, sizeof(*di));
	if (spf != NULL && spf->state == AM_SPF_STATE_DONE) {
		di->spf = spf->mailfrom.verdict;
		di->spf_domain = spf->mailfrom.domain;
	}
	for (i = 0; i < n && i < max; i++) {
		dk[i].d = r[i].d != NULL ? r[i].d : "";
		dk[i].s = r[i].s;
		dk[i].verdict = r[i].verdict;
	}
	di->dkim = dk;
	di->ndkim = i;
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
am_dmarc_check(const struct am_config *cfg, const struct am_from *from,
    const struct am_spf_msg *spf, const struct am_dkim_result *dkim,
    size_t ndkim, const char *ip, const char *exempt,
    const struct am_log *log, struct am_dmarc_msg *d)
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
		am_dmarc_input(spf, dkim, ndkim, dk, AM_DMARC_MAX_DKIM, &di);
		k = am_dmarc_check_eval(cfg, &o, &di, log, d);
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
