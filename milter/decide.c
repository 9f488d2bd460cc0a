/*
 * decide - sign, verify or neither, and what the verdicts make us do
 */

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "decide.h"

static const char *
am_str(const char *s)
{
	return s != NULL ? s : "unknown";
}

/* OpenDKIM's ExternalIgnoreList: only silences this warning.  It is
 * logged at the end of the message, and only if nothing authenticated
 * the domain (am_msg_eom). */

static void
am_decide_warn_external(const struct am_config *cfg,
    const struct am_client *c, struct am_decision *d)
{
	if (cfg->dkim.external_ignore != NULL &&
	    am_peerlist_match(cfg->dkim.external_ignore, c->sa, c->host))
		return;
	(void)snprintf(d->external, sizeof(d->external), "external host "
	    "%.120s [%.64s] tried to send mail as %.180s", am_str(c->host),
	    am_str(c->addr), d->from->domain);
}

void
am_decide(const struct am_config *cfg, const struct am_client *c,
    const struct am_from *from, const struct am_log *log,
    struct am_decision *d)
{
	char	 trust[160];
	size_t	 nkeys = 0;
	int	 trusted;

	memset(d, 0, sizeof(*d));
	d->from = from;
	trusted = am_config_client_trusted(cfg, c, trust, sizeof(trust));
	if (d->from->status == AM_FROM_OK && cfg->dkim.mode_sign)
		nkeys = am_config_sign_plan(cfg, d->from->addr, &d->plan);

	if (d->from->status != AM_FROM_OK && cfg->dkim.reject_bad_from) {
		d->kind = AM_DECIDE_REJECT;
		(void)snprintf(d->why, sizeof(d->why), "reject: %s",
		    d->from->why);
	} else if (cfg->dkim.mode_sign && trusted && nkeys > 0) {
		d->kind = AM_DECIDE_SIGN;
		(void)snprintf(d->why, sizeof(d->why), "sign: %s, %zu key%s "
		    "for %s", trust, nkeys, nkeys > 1 ? "s" : "",
		    d->from->domain);
	} else {
		d->kind = cfg->dkim.mode_verify ? AM_DECIDE_VERIFY : AM_DECIDE_NONE;
		(void)snprintf(d->why, sizeof(d->why), "%s: %s",
		    cfg->dkim.mode_verify ? "verify" : "pass through",
		    !cfg->dkim.mode_sign ? "Mode has no s" :
		    !trusted ? trust :
		    d->from->status != AM_FROM_OK ? d->from->why :
		    "no signing key for the From address");
		if (cfg->dkim.mode_sign && !trusted && nkeys > 0)
			am_decide_warn_external(cfg, c, d);
	}
	if (d->kind != AM_DECIDE_SIGN)
		d->plan.n = 0;
}

void
am_decide_broken(const struct am_config *cfg, const char *reason,
    const struct am_from *from, struct am_decision *d)
{
	memset(d, 0, sizeof(*d));
	d->from = from;
	d->kind = cfg->dkim.mode_verify ? AM_DECIDE_VERIFY : AM_DECIDE_NONE;
	(void)snprintf(d->why, sizeof(d->why), "%s: %s",
	    cfg->dkim.mode_verify ? "verify" : "pass through", reason);
}

const char *
am_decide_name(enum am_decide_kind kind)
{
	switch (kind) {
	case AM_DECIDE_NONE:
		return "none";
	case AM_DECIDE_SIGN:
		return "sign";
	case AM_DECIDE_VERIFY:
		return "verify";
	case AM_DECIDE_REJECT:
		return "reject";
	}
	return "?";
}
