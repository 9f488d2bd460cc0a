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

/* Is the client trusted to have its mail signed?  Says why either way. */

int
am_decide_trusted(const struct am_config *cfg, const struct am_client *c,
    char *why, size_t size)
{
	if (cfg->internal_hosts != NULL &&
	    am_peerlist_match(cfg->internal_hosts, c->sa, c->host)) {
		(void)snprintf(why, size, "client %s [%s] is in InternalHosts",
		    am_str(c->host), am_str(c->addr));
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
	if (cfg->macro_list != NULL && c->getmacro != NULL &&
	    am_config_macro_match(cfg, c->getmacro, c->macro_ctx)) {
		(void)snprintf(why, size, "MacroList matched");
		return 1;
	}
	(void)snprintf(why, size, "client %s [%s] is not trusted",
	    am_str(c->host), am_str(c->addr));
	return 0;
}

/* OpenDKIM's ExternalIgnoreList: only silences this warning.  It is
 * logged at the end of the message, and only if nothing authenticated
 * the domain (am_msg_eom). */

static void
am_decide_warn_external(const struct am_config *cfg,
    const struct am_client *c, struct am_decision *d)
{
	if (cfg->external_ignore != NULL &&
	    am_peerlist_match(cfg->external_ignore, c->sa, c->host))
		return;
	(void)snprintf(d->external, sizeof(d->external), "external host "
	    "%.120s [%.64s] tried to send mail as %.180s", am_str(c->host),
	    am_str(c->addr), d->from.domain);
}

void
am_decide(const struct am_config *cfg, const struct am_client *c,
    const struct am_hdrs *hdrs, const struct am_log *log,
    struct am_decision *d)
{
	char	 trust[160];
	size_t	 nkeys = 0;
	int	 trusted;

	memset(d, 0, sizeof(*d));
	am_from_hdrs(hdrs, &d->from);
	trusted = am_decide_trusted(cfg, c, trust, sizeof(trust));
	if (d->from.status == AM_FROM_OK && cfg->mode_sign)
		nkeys = am_config_sign_plan(cfg, d->from.addr, &d->plan);

	if (d->from.status != AM_FROM_OK && cfg->reject_bad_from) {
		d->kind = AM_DECIDE_REJECT;
		(void)snprintf(d->why, sizeof(d->why), "reject: %s",
		    d->from.why);
	} else if (cfg->mode_sign && trusted && nkeys > 0) {
		d->kind = AM_DECIDE_SIGN;
		(void)snprintf(d->why, sizeof(d->why), "sign: %s, %zu key%s "
		    "for %s", trust, nkeys, nkeys > 1 ? "s" : "",
		    d->from.domain);
	} else {
		d->kind = cfg->mode_verify ? AM_DECIDE_VERIFY : AM_DECIDE_NONE;
		(void)snprintf(d->why, sizeof(d->why), "%s: %s",
		    cfg->mode_verify ? "verify" : "pass through",
		    !cfg->mode_sign ? "Mode has no s" :
		    !trusted ? trust :
		    d->from.status != AM_FROM_OK ? d->from.why :
		    "no signing key for the From address");
		if (cfg->mode_sign && !trusted && nkeys > 0)
			am_decide_warn_external(cfg, c, d);
	}
	if (d->kind != AM_DECIDE_SIGN)
		d->plan.n = 0;
}

void
am_decide_broken(const struct am_config *cfg, const char *reason,
    struct am_decision *d)
{
	memset(d, 0, sizeof(*d));
	d->from.status = AM_FROM_UNPARSEABLE;
	(void)snprintf(d->from.why, sizeof(d->from.why), "%.100s", reason);
	d->kind = cfg->mode_verify ? AM_DECIDE_VERIFY : AM_DECIDE_NONE;
	(void)snprintf(d->why, sizeof(d->why), "%s: %s",
	    cfg->mode_verify ? "verify" : "pass through", reason);
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

/*
 * am_decide_ar_id - the authserv-id of an Authentication-Results
 * value (RFC 8601 2.2: CFWS, then a token or quoted-string) into out.
 */

int
am_decide_ar_id(const char *v, size_t n, char *out, size_t size)
{
	size_t	 i = 0, o = 0, depth;

	for (;;) {
		while (i < n && strchr(" \t\r\n", v[i]) != NULL)
			i++;
		if (i >= n || v[i] != '(')
			break;
		for (depth = 0; i < n; i++) {
			if (v[i] == '\\' && i + 1 < n)
				i++;
			else if (v[i] == '(')
				depth++;
			else if (v[i] == ')' && --depth == 0) {
				i++;
				break;
			}
		}
	}
	if (i < n && v[i] == '"') {
		for (i++; i < n && v[i] != '"' && o + 1 < size; i++) {
			if (v[i] == '\\' && i + 1 < n)
				i++;
			out[o++] = v[i];
		}
	} else
		for (; i < n && strchr(" \t\r\n;(", v[i]) == NULL &&
		    o + 1 < size; i++)
			out[o++] = v[i];
	out[o] = '\0';
	return o > 0 ? 0 : -1;
}

/* RemoveARFrom: a host name, or ".domain" for every name below it. */

static int
am_ar_listed(char *const *list, const char *id)
{
	size_t	 idlen = strlen(id), elen;

	for (; list != NULL && *list != NULL; list++) {
		if (strcasecmp(*list, id) == 0)
			return 1;
		elen = strlen(*list);
		if ((*list)[0] == '.' && idlen > elen &&
		    strcasecmp(id + idlen - elen, *list) == 0)
			return 1;
	}
	return 0;
}

int
am_decide_remove_ar(const struct am_config *cfg, const char *v, size_t n)
{
	char	 id[256];

	if (cfg->remove_ar_all)
		return 1;
	if (am_decide_ar_id(v, n, id, sizeof(id)) == -1)
		return 0;
	if (cfg->authserv_id != NULL && strcasecmp(id, cfg->authserv_id) == 0)
		return 1;
	return am_ar_listed(cfg->remove_ar_from, id);
}

/*
 * am_outcome_of - one outcome for all signatures.  Any pass wins; then
 * a temporary DNS failure (the message may pass later), then a failed
 * signature, a missing key, and any other error.
 */

enum am_outcome
am_outcome_of(const struct am_dkim_result *r, size_t n)
{
	int	 dns = 0, bad = 0, nokey = 0;
	size_t	 i;

	if (n == 0)
		return AM_OUTCOME_NOSIG;
	for (i = 0; i < n; i++) {
		switch (r[i].verdict) {
		case AM_DKIM_PASS:
			return AM_OUTCOME_PASS;
		case AM_DKIM_TEMPERROR:
			dns = 1;
			break;
		case AM_DKIM_FAIL:
			bad = 1;
			break;
		case AM_DKIM_PERMERROR:
			if (r[i].code == AM_DKIM_R_NO_KEY)
				nokey = 1;
			break;
		default:
			break;
		}
	}
	return dns ? AM_OUTCOME_DNS : bad ? AM_OUTCOME_BAD :
	    nokey ? AM_OUTCOME_NOKEY : AM_OUTCOME_SIGERR;
}

enum am_action
am_outcome_action(const struct am_config *cfg, enum am_outcome o)
{
	switch (o) {
	case AM_OUTCOME_PASS:
		return AM_ACTION_ACCEPT;
	case AM_OUTCOME_NOSIG:
		return cfg->on_no_signature;
	case AM_OUTCOME_BAD:
		return cfg->on_bad_signature;
	case AM_OUTCOME_DNS:
		return cfg->on_dns_error;
	case AM_OUTCOME_NOKEY:
		return cfg->on_key_not_found;
	case AM_OUTCOME_SIGERR:
		/* A malformed or unacceptable signature on a received
		 * message is a bad signature, as in OpenDKIM: On-SignatureError
		 * is about messages we cannot sign, and its default (reject)
		 * must not bounce mail that merely carries a broken signature. */
		return cfg->on_bad_signature;
	case AM_OUTCOME_UNSIGNABLE:
		return cfg->on_signature_error;
	case AM_OUTCOME_INTERNAL:
		return cfg->on_internal_error;
	}
	return cfg->on_internal_error;
}

const char *
am_outcome_name(enum am_outcome o)
{
	static const char *const names[] = {
		"pass", "no signature", "bad signature", "DNS error",
		"key not found", "signature error", "internal error"
	};

	return (size_t)o < sizeof(names) / sizeof(names[0]) ? names[o] : "?";
}

/* RFC 7372 codes where they fit, RFC 3463 otherwise. */

void
am_outcome_reply(enum am_outcome o, enum am_action action,
    struct am_reply *out)
{
	static const struct {
		const char	*perm, *temp, *text;
	} tab[] = {
		[AM_OUTCOME_PASS] = { "5.7.0", "4.7.0", "DKIM: accepted" },
		[AM_OUTCOME_NOSIG] = { "5.7.20", "4.7.20",
		    "DKIM: message is not signed" },
		[AM_OUTCOME_BAD] = { "5.7.20", "4.7.20",
		    "DKIM: signature verification failed" },
		[AM_OUTCOME_DNS] = { "5.4.3", "4.4.3",
		    "DKIM: key lookup failed, try again later" },
		[AM_OUTCOME_NOKEY] = { "5.7.20", "4.7.20",
		    "DKIM: no key found for signature" },
		[AM_OUTCOME_SIGERR] = { "5.7.21", "4.7.21",
		    "DKIM: no acceptable signature" },
		[AM_OUTCOME_UNSIGNABLE] = { "5.7.0", "4.7.0",
		    "DKIM: message cannot be signed" },
		[AM_OUTCOME_INTERNAL] = { "5.3.0", "4.3.0",
		    "DKIM: internal error, try again later" },
	};
	size_t	 i = (size_t)o < sizeof(tab) / sizeof(tab[0]) ? (size_t)o :
		    AM_OUTCOME_INTERNAL;

	out->rcode = action == AM_ACTION_TEMPFAIL ? "451" : "550";
	out->xcode = action == AM_ACTION_TEMPFAIL ? tab[i].temp : tab[i].perm;
	out->text = tab[i].text;
}
