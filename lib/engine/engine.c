/*
 * engine - the inbound pipeline of one message (see engine.h)
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authres.h"
#include "domain.h"
#include "engine_impl.h"
#include "mem.h"

#define AM_ENGINE_MAXHEADERS	1000
#define AM_ENGINE_MAXHDRBYTES	(1024 * 1024)

void
am_engine_opts_init(struct am_engine_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->dkim.clock_skew = 300;
	o->dkim.l_policy = AM_DKIM_L_STRICT;
	o->on_no_signature = o->on_bad_signature = AM_ACTION_ACCEPT;
	o->on_key_not_found = AM_ACTION_ACCEPT;
	o->on_dns_error = o->on_internal_error = AM_ACTION_TEMPFAIL;
	o->spf = 1;
	o->spf_budget_ms = 10 * 1000;
	o->spf_fail = o->spf_softfail = o->spf_temperror = AM_ACTION_ACCEPT;
	o->dmarc = 1;
	am_dmarc_opts_init(&o->dmarc_opts);
	o->hold = 1;
	o->temperror_tempfail = 1;
	o->from_missing = o->from_bad = AM_ENGINE_FROM_REJECT;
	o->from_several = AM_ENGINE_FROM_EVALUATE;
}

void
am_engine_conn_init(struct am_engine_conn *c)
{
	memset(c, 0, sizeof(*c));
}

void
am_engine_conn_helo(struct am_engine_conn *c, const char *helo)
{
	(void)snprintf(c->helo, sizeof(c->helo), "%s", helo != NULL ? helo :
	    "");
	c->helo_done = 0;
}

struct am_engine *
am_engine_new(const struct am_engine_opts *opts, struct am_dns *dns,
    const struct am_log *log, const struct am_log *liblog)
{
	struct am_engine	*e = am_calloc(1, sizeof(*e));

	e->opts = *opts;
	if (opts->now != 0)
		e->opts.dkim.now = opts->now;
	e->dns = dns;
	e->log = log;
	e->liblog = liblog != NULL ? liblog : log;
	e->hdrs = am_hdrs_new(opts->max_headers ? opts->max_headers :
	    AM_ENGINE_MAXHEADERS, opts->max_header_bytes ?
	    opts->max_header_bytes : AM_ENGINE_MAXHDRBYTES);
	am_disposition_init(&e->spf.disp);
	am_disposition_init(&e->dmarc_disp);
	am_disposition_init(&e->res.disp);
	am_buf_init(&e->ar, AM_ENGINE_MAXAR);
	am_buf_init(&e->rspf, AM_ENGINE_MAXRSPF);
	am_buf_init(&e->why, AM_ENGINE_MAXWHY);
	am_buf_init(&e->facts, AM_ENGINE_MAXFACTS);
	e->res.ar = &e->ar;
	e->res.rspf = &e->rspf;
	e->res.why = &e->why;
	return e;
}

void
am_engine_client(struct am_engine *e, const struct am_engine_client *c)
{
	e->client = *c;
}

const struct am_disposition *
am_engine_mailfrom(struct am_engine *e, struct am_engine_conn *conn,
    const char *helo, const char *arg)
{
	char	 rp[AM_SPF_IDENTITY_MAX + 2];

	am_engine_reverse_path(arg != NULL ? arg : "", rp, sizeof(rp));
	e->null_sender = arg != NULL && rp[0] == '\0';
	am_engine_iprev_check(e, conn);
	am_engine_spf_check(e, conn, helo, arg);
	if (am_disposition_refuses(&e->spf.disp)) {
		e->refused = 1;
		e->res.disp = e->spf.disp;
	}
	return &e->spf.disp;
}

int
am_engine_spf_checked(const struct am_engine *e)
{
	return e->spf.state == AM_ENGINE_SPF_DONE;
}

void
am_engine_rcpt(struct am_engine *e, const char *arg)
{
	char		 rcpt[AM_SPF_IDENTITY_MAX + 2];
	const char	*at;

	if (e->rcpt_domain[0] != '\0' || arg == NULL)
		return;
	am_engine_reverse_path(arg, rcpt, sizeof(rcpt));
	if ((at = strrchr(rcpt, '@')) != NULL)
		(void)snprintf(e->rcpt_domain, sizeof(e->rcpt_domain), "%s",
		    at + 1);
}

/* ---------------------------------------------------------- headers */

static void
am_engine_hdr_refused(struct am_engine *e, const struct am_err *err)
{
	e->hdr_failed = 1;
	(void)snprintf(e->hdr_why, sizeof(e->hdr_why),
	    "header block refused: %.120s", err->msg);
	am_log(e->log, AM_LOG_WARN, "%s", e->hdr_why);
}

void
am_engine_header(struct am_engine *e, const char *name, const char *value,
    int leadspc)
{
	struct am_err	 err;
	struct am_buf	 v;
	int		 r;

	if (strcasecmp(name, "Authentication-Results") == 0)
		am_engine_ar_seen(e, value, strlen(value));
	if (e->hdr_failed || e->hdrs == NULL)
		return;
	am_err_clear(&err);
	if (leadspc)
		r = am_hdrs_add(e->hdrs, name, strlen(name), value,
		    strlen(value), &err);
	else {
		/* The MTA ate the space after the colon: put one back, the
		 * usual form, so simple canonicalization has a chance. */
		am_buf_init(&v, AM_ENGINE_MAXHDRBYTES);
		(void)am_buf_appendc(&v, ' ');
		(void)am_buf_appends(&v, value);
		r = v.err ? am_err_set(&err, AM_E_LIMIT, "header too long") :
		    am_hdrs_add(e->hdrs, name, strlen(name), am_buf_str(&v),
		    v.len, &err);
		am_buf_release(&v);
	}
	if (r == -1)
		am_engine_hdr_refused(e, &err);
}

int
am_engine_header_raw(struct am_engine *e, const char *raw, size_t len,
    struct am_err *err)
{
	struct am_hdr	 h;
	struct am_err	 e2;

	if (e->hdr_failed || e->hdrs == NULL)
		return am_err_set(err, AM_E_LIMIT, "%s", e->hdr_why);
	am_err_clear(&e2);
	if (am_hdr_split(raw, len, &h, &e2) == 0 && am_hdr_name_is(h.name,
	    h.name_len, "Authentication-Results"))
		am_engine_ar_seen(e, h.value, h.value_len);
	am_err_clear(&e2);
	if (am_hdrs_add_raw(e->hdrs, raw, len, &e2) == -1) {
		am_engine_hdr_refused(e, &e2);
		return am_err_set(err, e2.code, "%s", e2.msg);
	}
	return 0;
}

const char *
am_engine_hdr_failed(const struct am_engine *e)
{
	return e->hdr_failed ? e->hdr_why : NULL;
}

const struct am_from *
am_engine_from(struct am_engine *e)
{
	if (e->from_done)
		return &e->from;
	e->from_done = 1;
	if (e->hdr_failed || e->hdrs == NULL) {
		memset(&e->from, 0, sizeof(e->from));
		e->from.status = AM_FROM_UNPARSEABLE;
		(void)snprintf(e->from.why, sizeof(e->from.why), "%.100s",
		    e->hdr_failed ? e->hdr_why : "no header block");
	} else
		am_from_hdrs(e->hdrs, &e->from);
	(void)snprintf(e->kind, sizeof(e->kind), "%s",
	    am_engine_kind_of(e->hdr_failed ? NULL : e->hdrs, e->null_sender));
	return &e->from;
}

struct am_hdrs *
am_engine_take_hdrs(struct am_engine *e)
{
	struct am_hdrs	*h = e->hdrs;

	(void)am_engine_from(e);
	e->hdrs = NULL;
	return h;
}

int
am_engine_eoh(struct am_engine *e, int verify)
{
	if (e->eoh_done)
		return e->need_body;
	e->eoh_done = 1;
	(void)am_engine_from(e);
	if (!verify || e->refused) {
		am_hdrs_free(&e->hdrs);
		return 0;
	}
	e->verify = 1;
	if (e->hdr_failed || e->hdrs == NULL) {
		am_hdrs_free(&e->hdrs);
		return 0;
	}
	e->verifier = am_dkim_verifier_new(&e->opts.dkim, e->dns, e->liblog);
	/* Same limits as the verifier's own: hand the collection over
	 * rather than copying the header block a second time. */
	am_dkim_verifier_take_headers(e->verifier, &e->hdrs);
	e->need_body = am_dkim_verifier_eoh(e->verifier);
	return e->need_body;
}

void
am_engine_body(struct am_engine *e, const void *p, size_t n)
{
	if (e->verifier != NULL && e->need_body)
		am_dkim_verifier_body(e->verifier, p, n);
}

/* ---------------------------------------------------------- the end */

static void
am_engine_ar_check(struct am_engine *e, struct am_buf *b, const char *what)
{
	if (!b->err)
		return;
	am_log(e->log, AM_LOG_ERROR, "%s too long, not added", what);
	am_buf_reset(b);
}

static void
am_engine_ar_start(struct am_engine *e)
{
	if (e->ar.len > 0)
		return;
	(void)am_buf_appendc(&e->ar, ' ');
	am_authres_value(&e->ar, e->opts.authserv_id != NULL ?
	    e->opts.authserv_id : "localhost");
}

void
am_engine_eom(struct am_engine *e)
{
	struct am_disposition	 dkim;

	if (e->eom_done)
		return;
	e->eom_done = 1;
	(void)am_engine_eoh(e, 0);
	if (e->refused)
		return;
	e->res.disp = e->spf.disp;
	if (e->verify) {
		am_engine_ar_start(e);
		am_engine_dkim_eom(e, &dkim);
		am_engine_ar_check(e, &e->ar, "Authentication-Results");
		am_disposition_merge(&e->res.disp, &dkim);
		if (e->opts.dmarc)
			am_engine_dmarc_eom(e);
	}
	if (e->spf.state == AM_ENGINE_SPF_DONE) {
		am_engine_ar_start(e);
		am_engine_spf_authres(e, &e->ar);
		if (e->opts.spf_received)
			am_engine_spf_received(e, &e->rspf);
	}
	/* iprev goes with the other results, never alone. */
	if (e->ar.len > 0)
		am_engine_iprev_authres(e, &e->ar);
	am_engine_ar_check(e, &e->ar, "Authentication-Results");
	am_engine_ar_check(e, &e->rspf, "Received-SPF");
	if (e->dmarc_done) {
		if (e->ar.len > 0) {
			am_engine_dmarc_authres(e, &e->ar);
			am_engine_ar_check(e, &e->ar, "Authentication-Results");
		}
		am_disposition_merge(&e->res.disp, &e->dmarc_disp);
	}
	/* Folded, bounded, summarized: never a line over 998 octets, never
	 * a result silently dropped (authres.h). */
	if (e->ar.len > 0 && am_authres_finish(&e->ar, AM_AUTHRES_FOLD) == -1)
		am_buf_reset(&e->ar);
	/* Forged fields go whenever ours is added (RFC 8601 5). */
	if (e->verify || e->ar.len > 0) {
		e->res.del = e->ar_del;
		e->res.ndel = e->n_ar_del;
	}
	e->res.verified = e->verify;
	e->res.ndmarc = e->ndmarc;
	e->res.dmarc = e->dmarc;
	if (e->opts.why)
		(void)am_buf_printf(&e->why, "action: %s: %s\n",
		    am_disposition_action_name(e->res.disp.action),
		    e->res.disp.why);
}

const struct am_dkim_verifier *
am_engine_dkim(const struct am_engine *e)
{
	return e->verifier;
}

const char *
am_engine_kind(const struct am_engine *e)
{
	return e->kind;
}

int
am_engine_authenticated(const struct am_engine *e, const char *domain)
{
	const struct am_dkim_result	*r;
	size_t				 i, n;

	if (domain == NULL || domain[0] == '\0')
		return 0;
	n = e->verifier != NULL ? am_dkim_verifier_count(e->verifier) : 0;
	for (i = 0; i < n; i++) {
		r = am_dkim_verifier_result(e->verifier, i);
		if (r->verdict == AM_DKIM_PASS && r->d != NULL &&
		    (am_domain_within(r->d, domain) ||
		    am_domain_within(domain, r->d)))
			return 1;
	}
	for (i = 0; i < e->ndmarc; i++)
		if (e->dmarc[i].verdict == AM_DMARC_PASS &&
		    (am_domain_within(e->dmarc[i].author, domain) ||
		    am_domain_within(domain, e->dmarc[i].author)))
			return 1;
	return 0;
}

const struct am_engine_result *
am_engine_result(const struct am_engine *e)
{
	return &e->res;
}

void
am_engine_logline(const struct am_engine *e, struct am_buf *line)
{
	(void)am_buf_appends(line, am_buf_str(&e->facts));
	am_engine_spf_logline(e, line);
	am_engine_iprev_logline(e, line);
	am_engine_dmarc_logline(e, line);
}

void
am_engine_free(struct am_engine **ep)
{
	struct am_engine	*e = *ep;

	if (e == NULL)
		return;
	am_hdrs_free(&e->hdrs);
	am_dkim_verifier_free(&e->verifier);
	am_engine_dmarc_release(e);
	free(e->dkim);
	free(e->ar_del);
	am_buf_release(&e->ar);
	am_buf_release(&e->rspf);
	am_buf_release(&e->why);
	am_buf_release(&e->facts);
	free(e);
	*ep = NULL;
}

void
am_engine_reverse_path(const char *arg, char *out, size_t size)
{
	const char	*p = arg != NULL ? arg : "", *end, *colon;
	size_t		 n;

	while (*p == ' ' || *p == '\t')
		p++;
	n = strlen(p);
	if (*p == '<') {
		p++;
		end = strrchr(p, '>');
		n = end != NULL ? (size_t)(end - p) : strlen(p);
	}
	/* RFC 5321 4.1.2: an obsolete source route "@a,@b:" is dropped */
	if (n > 0 && *p == '@' && (colon = memchr(p, ':', n)) != NULL) {
		n -= (size_t)(colon + 1 - p);
		p = colon + 1;
	}
	if (n >= size)
		n = size - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}
