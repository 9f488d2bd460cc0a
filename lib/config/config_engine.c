/*
 * config_engine - the configuration as engine options (see
 * config_engine.h)
 */

#include <stdio.h>
#include <string.h>

#include "config_engine.h"

static const char *
am_ce_str(const char *s)
{
	return s != NULL ? s : "unknown";
}

void
am_config_engine_opts(const struct am_config *cfg, struct am_engine_opts *o)
{
	am_engine_opts_init(o);
	o->authserv_id = cfg->ar.authserv_id;
	o->now = cfg->dkim.verify.now;
	o->dkim = cfg->dkim.verify;
	o->max_headers = cfg->dkim.verify.max_headers;
	o->max_header_bytes = cfg->dkim.verify.max_header_bytes;
	o->on_no_signature = cfg->dkim.on_no_signature;
	o->on_bad_signature = cfg->dkim.on_bad_signature;
	o->on_dns_error = cfg->dkim.on_dns_error;
	o->on_key_not_found = cfg->dkim.on_key_not_found;
	o->on_internal_error = cfg->dkim.on_internal_error;
	o->remove_ar_from = cfg->ar.remove_from;
	o->remove_ar_all = cfg->ar.remove_all;

	o->spf = cfg->spf.mode;
	o->spf_budget_ms = cfg->spf.timeout * 1000;
	o->spf_explanation = cfg->spf.explanation;
	o->spf_fail = cfg->spf.fail_action;
	o->spf_softfail = cfg->spf.softfail_action;
	o->spf_temperror = cfg->spf.temperror_action;
	o->spf_received = cfg->spf.received_header;
	o->iprev = cfg->ar.iprev;

	o->dmarc = cfg->dmarc.mode;
	o->dmarc_opts.mode = cfg->dmarc.psl != NULL ? AM_DMARC_MODE_PSL :
	    AM_DMARC_MODE_WALK;
	o->dmarc_opts.psl = cfg->dmarc.psl;
	o->reject_failures = cfg->dmarc.reject_failures;
	o->hold = cfg->dmarc.hold;
	o->temperror_tempfail =
	    cfg->dmarc.temperror_action == AM_ACTION_TEMPFAIL;
	o->from_missing = o->from_bad = cfg->dmarc.required_headers ?
	    AM_ENGINE_FROM_REJECT : AM_ENGINE_FROM_PERMERROR;
	o->from_several = AM_ENGINE_FROM_EVALUATE;
	o->reject_multi_from = cfg->dmarc.reject_multi_from;
	o->reject_string = cfg->dmarc.reject_string;
	o->trusted_ids = cfg->dmarc.trusted_ids;
	o->ignore_domains = cfg->dmarc.ignore_domains;
}

int
am_config_client_trusted(const struct am_config *cfg,
    const struct am_client *c, char *why, size_t size)
{
	if (cfg->dkim.internal_hosts != NULL &&
	    am_peerlist_match(cfg->dkim.internal_hosts, c->sa, c->host)) {
		(void)snprintf(why, size, "client %s [%s] is in InternalHosts",
		    am_ce_str(c->host), am_ce_str(c->addr));
		return 1;
	}
	if (c->auth_authen != NULL && c->auth_authen[0] != '\0') {
		(void)snprintf(why, size, "client authenticated as %s",
		    c->auth_authen);
		return 1;
	}
	if (c->auth_type != NULL && c->auth_type[0] != '\0') {
		(void)snprintf(why, size, "client authenticated (%s)",
		    c->auth_type);
		return 1;
	}
	if (cfg->dkim.macro_list != NULL && c->getmacro != NULL &&
	    am_config_macro_match(cfg, c->getmacro, c->macro_ctx)) {
		(void)snprintf(why, size, "MacroList matched");
		return 1;
	}
	(void)snprintf(why, size, "client %s [%s] is not trusted",
	    am_ce_str(c->host), am_ce_str(c->addr));
	return 0;
}

/* Is the client never enforced against (DMARC)?  Says why. */
static int
am_config_exempt(const struct am_config *cfg, const struct am_client *c,
    char *why, size_t size)
{
	why[0] = '\0';
	if (cfg->dkim.internal_hosts != NULL &&
	    am_peerlist_match(cfg->dkim.internal_hosts, c->sa, c->host))
		(void)snprintf(why, size, "client %s [%s] in InternalHosts",
		    am_ce_str(c->host), am_ce_str(c->addr));
	else if (cfg->dmarc.ignore_hosts != NULL &&
	    am_peerlist_match(cfg->dmarc.ignore_hosts, c->sa, c->host))
		(void)snprintf(why, size, "client %s [%s] in IgnoreHosts",
		    am_ce_str(c->host), am_ce_str(c->addr));
	else if (cfg->dmarc.ignore_auth && ((c->auth_authen != NULL &&
	    c->auth_authen[0] != '\0') || (c->auth_type != NULL &&
	    c->auth_type[0] != '\0')))
		(void)snprintf(why, size, "authenticated client");
	return why[0] != '\0';
}

void
am_config_engine_client(const struct am_config *cfg,
    const struct am_client *c, struct am_engine_client *out)
{
	char	 why[160];

	memset(out, 0, sizeof(*out));
	out->ip = c->sa != NULL ? c->addr : NULL;
	out->iprev_skip = am_config_client_trusted(cfg, c, why, sizeof(why));
	out->spf_skip = cfg->spf.skip_trusted && out->iprev_skip;
	out->exempt = am_config_exempt(cfg, c, out->exempt_why,
	    sizeof(out->exempt_why));
}
