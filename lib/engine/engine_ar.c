/*
 * engine_ar - Authentication-Results fields found in a message: which
 * must go before ours is added (RFC 8601 5: our authserv-id's, and
 * RemoveARFrom's or all with RemoveARAll), and which carry results from
 * a trusted upstream host (TrustedAuthservIDs) that DMARC may use.
 *
 * Both decisions read the authserv-id with the strict RFC 8601 parser
 * (authres.h): am_authres_parse_id for removal (a field whose results
 * do not parse is still removed when the id is ours), am_authres_parse
 * for trusted fields, whose results are used only when the whole value
 * parses.  Our own authserv-id is never trusted.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authres.h"
#include "domain.h"
#include "engine_impl.h"
#include "mem.h"

/* RemoveARFrom: a host name, or ".domain" for every name below it. */
static int
am_engine_ar_listed(char *const *list, const char *id)
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

static int
am_engine_ours(const struct am_engine_opts *o, const char *id)
{
	return o->authserv_id != NULL && strcasecmp(id, o->authserv_id) == 0;
}

int
am_engine_ar_remove(const struct am_engine_opts *o, const char *v,
    size_t len)
{
	char		 id[256];
	struct am_err	 err;

	if (o->remove_ar_all)
		return 1;
	if (am_authres_parse_id(v, len, id, sizeof(id), &err) == -1)
		return 0;
	return am_engine_ours(o, id) || am_engine_ar_listed(o->remove_ar_from,
	    id);
}

static int
am_engine_trusted_id(const struct am_engine_opts *o, const char *id)
{
	char *const	*t;

	if (am_engine_ours(o, id))
		return 0;		/* ours: a forgery, never trusted */
	for (t = o->trusted_ids; t != NULL && *t != NULL; t++)
		if (strcasecmp(*t, id) == 0)
			return 1;
	return 0;
}

/* An RFC 8601 spf or dkim result keyword; -1 for others ("policy"). */
static int
am_engine_up_verdict(const struct am_authres_view *v, int spf)
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
am_engine_up_domain(const struct am_authres_prop *p, char *out, size_t size)
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
am_engine_up_result(const struct am_authres_result *r,
    struct am_engine_upstream *up)
{
	int	 v;

	if (am_authres_view_eq(&r->method, "spf")) {
		if (up->have_spf || (v = am_engine_up_verdict(&r->result, 1))
		    == -1 || am_engine_up_domain(am_authres_prop_find(r, "smtp",
		    "mailfrom"), up->spf_domain, sizeof(up->spf_domain)) == -1)
			return;
		up->spf = (enum am_spf_verdict)v;
		up->have_spf = 1;
	} else if (am_authres_view_eq(&r->method, "dkim")) {
		if (up->ndkim >= AM_ENGINE_UP_MAXDKIM ||
		    (v = am_engine_up_verdict(&r->result, 0)) == -1 ||
		    am_engine_up_domain(am_authres_prop_find(r, "header", "d"),
		    up->dkim[up->ndkim].d, sizeof(up->dkim[0].d)) == -1)
			return;
		up->dkim[up->ndkim++].verdict = (enum am_dkim_verdict)v;
	}
}

/* A trusted field: its spf and dkim results into e->up. */
static void
am_engine_upstream_add(struct am_engine *e, const char *v, size_t len)
{
	struct am_authres_parsed	*ar;
	struct am_err			 err;
	char				 id[256];
	size_t				 i;

	am_err_clear(&err);
	if (e->opts.trusted_ids == NULL || e->opts.trusted_ids[0] == NULL ||
	    am_authres_parse_id(v, len, id, sizeof(id), &err) == -1 ||
	    !am_engine_trusted_id(&e->opts, id))
		return;
	ar = am_malloc(sizeof(*ar));
	if (am_authres_parse(v, len, ar, &err) == -1) {
		am_log(e->log, AM_LOG_WARN, "Authentication-Results from "
		    "trusted %s not used: %s", id, err.msg);
		free(ar);
		return;
	}
	for (i = 0; i < ar->n; i++)
		am_engine_up_result(&ar->res[i], &e->up);
	if (e->up.nfields++ == 0)
		(void)snprintf(e->up.id, sizeof(e->up.id), "%.*s",
		    (int)sizeof(e->up.id) - 1, id);
	free(ar);
}

void
am_engine_ar_seen(struct am_engine *e, const char *v, size_t len)
{
	e->n_ar++;
	/* Trusted upstream results first: a field with our own
	 * authserv-id is never trusted, and is removed below. */
	if (e->opts.dmarc)
		am_engine_upstream_add(e, v, len);
	if (!am_engine_ar_remove(&e->opts, v, len))
		return;
	if (e->n_ar_del == e->cap_ar_del) {
		e->cap_ar_del = e->cap_ar_del ? e->cap_ar_del * 2 : 8;
		e->ar_del = am_realloc(e->ar_del,
		    e->cap_ar_del * sizeof(*e->ar_del));
	}
	e->ar_del[e->n_ar_del++] = e->n_ar;
}
