/*
 * session - per-connection and per-message state
 */

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authres.h"
#include "mem.h"
#include "session.h"
#include "snapshot.h"

#define AM_MSG_MAXHEADERS	1000
#define AM_MSG_MAXHDRBYTES	(1024 * 1024)
#define AM_MSG_MAXSIG		8192		/* one DKIM-Signature value */
#define AM_MSG_MAXAR		(64 * 1024)	/* our A-R value */
#define AM_MSG_MAXRSPF		8192		/* our Received-SPF value */
#define AM_MSG_MAXLOG		900

struct am_conn *
am_conn_new(void)
{
	struct am_conn	*c = am_calloc(1, sizeof(*c));

	(void)snprintf(c->addr, sizeof(c->addr), "unknown");
	return c;
}

void
am_conn_set_peer(struct am_conn *c, const char *host,
    const struct sockaddr *sa)
{
	const void	*a = NULL;

	(void)snprintf(c->host, sizeof(c->host), "%s",
	    host != NULL ? host : "unknown");
	c->has_addr = 0;
	if (sa != NULL && sa->sa_family == AF_INET) {
		memcpy(&c->ss, sa, sizeof(struct sockaddr_in));
		a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	} else if (sa != NULL && sa->sa_family == AF_INET6) {
		memcpy(&c->ss, sa, sizeof(struct sockaddr_in6));
		a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	}
	if (a != NULL && inet_ntop(sa->sa_family, a, c->addr,
	    sizeof(c->addr)) != NULL)
		c->has_addr = 1;
	else
		(void)snprintf(c->addr, sizeof(c->addr), "unknown");
}

void
am_conn_free(struct am_conn **cp)
{
	struct am_conn	*c = *cp;

	if (c == NULL)
		return;
	am_msg_free(&c->msg);
	free(c);
	*cp = NULL;
}

/* The lib's own per-signature lines are detail: debug (LogWhy). */

static void
am_msg_liblog(void *ctx, enum am_log_level level, const char *line)
{
	struct am_msg	*m = ctx;

	am_syslog_fn(&m->dest, level == AM_LOG_INFO ? AM_LOG_DEBUG : level,
	    line);
}

struct am_msg *
am_msg_new(void)
{
	struct am_config	*cfg;
	struct am_msg		*m;
	size_t			 i;

	if ((cfg = am_snapshot_get()) == NULL)
		return NULL;
	m = am_calloc(1, sizeof(*m));
	m->cfg = cfg;
	m->dns = am_dns_message_new(cfg->dns, cfg->dns_budget * 1000);
	am_logdest_init(&m->dest, cfg, am_snapshot_foreground());
	(void)snprintf(m->qid, sizeof(m->qid), "NOQUEUE");
	m->log.fn = am_syslog_fn;
	m->log.ctx = &m->dest;
	m->log.prefix = m->qid;
	m->liblog.fn = am_msg_liblog;
	m->liblog.ctx = m;
	m->liblog.prefix = m->qid;
	m->hdrs = am_hdrs_new(
	    cfg->verify.max_headers ? cfg->verify.max_headers :
	    AM_MSG_MAXHEADERS, cfg->verify.max_header_bytes ?
	    cfg->verify.max_header_bytes : AM_MSG_MAXHDRBYTES);
	am_buf_init(&m->ar, AM_MSG_MAXAR);
	am_buf_init(&m->rspf, AM_MSG_MAXRSPF);
	for (i = 0; i < AM_SIGN_MAXSIGS; i++)
		am_buf_init(&m->sig[i], AM_MSG_MAXSIG);
	am_buf_init(&m->logline, AM_MSG_MAXLOG);
	m->action = AM_ACTION_ACCEPT;
	am_snapshot_enter();
	return m;
}

void
am_msg_set_qid(struct am_msg *m, const char *qid)
{
	if (qid != NULL && qid[0] != '\0')
		(void)snprintf(m->qid, sizeof(m->qid), "%s", qid);
}

enum am_action
am_msg_mailfrom(struct am_msg *m, struct am_conn *c,
    const struct am_client *cl, const char *arg, const char *helo)
{
	struct am_spf_input	 in = {
		.client = cl, .ip = c->has_addr ? c->addr : NULL,
		.helo = c->spf.helo[0] != '\0' ? c->spf.helo : helo,
		.mailfrom = arg, .dns = m->dns,
	};

	am_spf_check(m->cfg, &c->spf, &in, &m->log, &m->spf);
	if (m->spf.action != AM_ACTION_ACCEPT) {
		m->action = m->spf.action;
		(void)snprintf(m->dec.why, sizeof(m->dec.why), "MAIL FROM "
		    "refused");
		am_msg_log_final(m, NULL);
	}
	return m->spf.action;
}

/* Remembers an Authentication-Results field, and whether it must go. */

static void
am_msg_ar_seen(struct am_msg *m, const char *value)
{
	m->n_ar++;
	/* Trusted upstream results first: a field with our own
	 * authserv-id is never trusted, and is removed below. */
	if (m->cfg->dmarc_mode)
		(void)am_dmarc_upstream_add(m->cfg, value, strlen(value),
		    &m->log, &m->upstream);
	if (!am_decide_remove_ar(m->cfg, value, strlen(value)))
		return;
	if (m->n_ar_del == m->cap_ar_del) {
		m->cap_ar_del = m->cap_ar_del ? m->cap_ar_del * 2 : 8;
		m->ar_del = am_realloc(m->ar_del,
		    m->cap_ar_del * sizeof(*m->ar_del));
	}
	m->ar_del[m->n_ar_del++] = m->n_ar;
}

void
am_msg_header(struct am_msg *m, const char *name, const char *value,
    int leadspc)
{
	struct am_err	 err;
	struct am_buf	 v;
	int		 r;

	if (strcasecmp(name, "Authentication-Results") == 0)
		am_msg_ar_seen(m, value);
	if (m->hdr_failed || m->hdrs == NULL)
		return;
	am_err_clear(&err);
	if (leadspc)
		r = am_hdrs_add(m->hdrs, name, strlen(name), value,
		    strlen(value), &err);
	else {
		/* The MTA ate the space after the colon: put one back, the
		 * usual form, so simple canonicalization has a chance. */
		am_buf_init(&v, AM_MSG_MAXHDRBYTES);
		(void)am_buf_appendc(&v, ' ');
		(void)am_buf_appends(&v, value);
		r = v.err ? am_err_set(&err, AM_E_LIMIT, "header too long") :
		    am_hdrs_add(m->hdrs, name, strlen(name),
		    am_buf_str(&v), v.len, &err);
		am_buf_release(&v);
	}
	if (r == -1) {
		m->hdr_failed = 1;
		(void)snprintf(m->hdr_why, sizeof(m->hdr_why),
		    "header block refused: %.120s", err.msg);
		am_log(&m->log, AM_LOG_WARN, "%s", m->hdr_why);
	}
}

static void
am_msg_start_signer(struct am_msg *m)
{
	const struct am_config	*cfg = m->cfg;
	struct am_dkim_sign_opts o;
	struct am_err		 err;
	size_t			 i;

	memset(&o, 0, sizeof(o));
	o.hcanon = cfg->hcanon;
	o.bcanon = cfg->bcanon;
	o.sign_headers = (const char *const *)cfg->sign_headers;
	o.oversign_headers = (const char *const *)cfg->oversign_headers;
	o.omit_headers = (const char *const *)cfg->omit_headers;
	o.now = cfg->verify.now;
	o.expire_after = cfg->signature_ttl;
	o.max_headers = cfg->verify.max_headers;
	o.max_header_bytes = cfg->verify.max_header_bytes;
	m->signer = am_dkim_signer_new(&o);
	am_err_clear(&err);
	for (i = 0; i < m->dec.plan.n; i++) {
		const char *id = m->dec.plan.sig[i].identity;

		if (am_dkim_signer_add_key(m->signer,
		    m->dec.plan.sig[i].domain, m->dec.plan.sig[i].key->selector,
		    id[0] != '\0' ? id : NULL, m->dec.plan.sig[i].key->pkey,
		    &err) == -1)
			goto fail;
	}
	/* The fields collected for the decision are the signer's now:
	 * no second copy of the header block. */
	am_dkim_signer_take_headers(m->signer, &m->hdrs);
	m->need_body = 1;
	return;
fail:
	am_log(&m->log, AM_LOG_ERROR, "cannot sign: %s", err.msg);
	if (err.code == AM_E_LIMIT || err.code == AM_E_SYNTAX)
		m->unsignable = 1;
	else
		m->internal = 1;
	am_dkim_signer_free(&m->signer);
}

static void
am_msg_start_verifier(struct am_msg *m)
{
	m->verifier = am_dkim_verifier_new(&m->cfg->verify, m->dns,
	    &m->liblog);
	/* Same limits as the verifier's own: hand the collection over
	 * rather than copying the header block a second time. */
	am_dkim_verifier_take_headers(m->verifier, &m->hdrs);
	m->need_body = am_dkim_verifier_eoh(m->verifier);
}

enum am_decide_kind
am_msg_eoh(struct am_msg *m, const struct am_client *c)
{
	if (m->hdr_failed)
		am_decide_broken(m->cfg, m->hdr_why, &m->dec);
	else
		am_decide(m->cfg, c, m->hdrs, &m->log, &m->dec);
	(void)snprintf(m->client_ip, sizeof(m->client_ip), "%s",
	    c->addr != NULL ? c->addr : "");
	m->dmarc_exempt = am_dmarc_exempt(m->cfg, c, m->dmarc_why,
	    sizeof(m->dmarc_why));
	if (m->dec.kind == AM_DECIDE_SIGN)
		am_msg_start_signer(m);
	else if (m->dec.kind == AM_DECIDE_VERIFY && !m->hdr_failed)
		am_msg_start_verifier(m);
	am_hdrs_free(&m->hdrs);
	return m->dec.kind;
}

int
am_msg_wants_body(const struct am_msg *m)
{
	return m->need_body && (m->signer != NULL || m->verifier != NULL);
}

void
am_msg_body(struct am_msg *m, const void *p, size_t n)
{
	if (m->signer != NULL)
		am_dkim_signer_body(m->signer, p, n);
	else if (m->verifier != NULL && m->need_body)
		am_dkim_verifier_body(m->verifier, p, n);
}

/* " v=1; ..." from "DKIM-Signature: v=1; ...", CR LF made LF. */

static void
am_msg_sig_value(struct am_buf *out, const char *field)
{
	const char	*p = strchr(field, ':');

	for (p = p != NULL ? p + 1 : field; *p != '\0'; p++)
		if (!(p[0] == '\r' && p[1] == '\n'))
			(void)am_buf_appendc(out, *p);
}

static void
am_msg_eom_sign(struct am_msg *m)
{
	struct am_err	 err;
	size_t		 i;

	am_err_clear(&err);
	if (m->signer != NULL && am_dkim_signer_eom(m->signer, &err) == -1) {
		am_log(&m->log, AM_LOG_ERROR, "cannot sign: %s", err.msg);
		/* The message's fault (limits, syntax): On-SignatureError,
		 * as in OpenDKIM; anything else is ours. */
		if (err.code == AM_E_LIMIT || err.code == AM_E_SYNTAX)
			m->unsignable = 1;
		else
			m->internal = 1;
	}
	if (m->internal || m->unsignable || m->signer == NULL) {
		m->outcome = m->unsignable ? AM_OUTCOME_UNSIGNABLE :
		    AM_OUTCOME_INTERNAL;
		m->action = am_outcome_action(m->cfg, m->outcome);
		(void)am_buf_printf(&m->logline, "; not signed: %s",
		    m->unsignable ? "the message cannot be signed" :
		    "internal error");
		return;
	}
	m->nsig = am_dkim_signer_count(m->signer);
	for (i = 0; i < m->nsig && i < AM_SIGN_MAXSIGS; i++) {
		am_msg_sig_value(&m->sig[i], am_dkim_signer_field(m->signer,
		    i));
		(void)am_buf_printf(&m->logline, "%s d=%s s=%s", i ? "," :
		    ";", m->dec.plan.sig[i].domain,
		    m->dec.plan.sig[i].key->selector);
	}
	m->outcome = AM_OUTCOME_PASS;
	m->action = AM_ACTION_ACCEPT;
}

/*
 * A pass must not stand for a message whose author is ambiguous (no
 * From, or several: RFC 6376 8.15); the reason goes into the A-R.
 */

static void
am_msg_from_override(const struct am_msg *m, struct am_dkim_result *r,
    size_t n)
{
	size_t	 i;

	if (m->dec.from.status != AM_FROM_NONE &&
	    m->dec.from.status != AM_FROM_SEVERAL_FIELDS)
		return;
	for (i = 0; i < n; i++)
		if (r[i].verdict == AM_DKIM_PASS) {
			r[i].verdict = AM_DKIM_PERMERROR;
			(void)snprintf(r[i].reason, sizeof(r[i].reason), "%s",
			    m->dec.from.why);
		}
}

/* Is a the From domain d, or one below or above it (relaxed, without
 * the organizational domain)? */

static int
am_msg_same_org(const char *a, const char *d)
{
	size_t	 la = strlen(a), ld = strlen(d);

	if (la == ld)
		return strcasecmp(a, d) == 0;
	if (la > ld)
		return a[la - ld - 1] == '.' && strcasecmp(a + la - ld, d) == 0;
	return d[ld - la - 1] == '.' && strcasecmp(d + ld - la, a) == 0;
}

/* The "external host tried to send mail as" warning is not for mail
 * that a DKIM signature of its From domain authenticates. */

static void
am_msg_external_dkim(struct am_msg *m, const struct am_dkim_result *r,
    size_t n)
{
	size_t	 i;

	for (i = 0; i < n && m->dec.external[0] != '\0'; i++)
		if (r[i].verdict == AM_DKIM_PASS && r[i].d != NULL &&
		    am_msg_same_org(r[i].d, m->dec.from.domain))
			m->dec.external[0] = '\0';
}

/* Our A-R value: " authserv-id;\n\tresinfo;\n\tresinfo". */

static void
am_msg_authres(struct am_msg *m, const struct am_dkim_result *r, size_t n)
{
	struct am_authres	 ar;
	size_t			 i;

	(void)am_buf_appendc(&m->ar, ' ');
	am_authres_value(&m->ar, m->cfg->authserv_id != NULL ?
	    m->cfg->authserv_id : "localhost");
	for (i = 0; i < n || (n == 0 && i == 0); i++) {
		am_authres_init(&ar);
		if (n > 0)
			am_dkim_result_authres(&r[i], &ar);
		else {
			am_authres_method(&ar, "dkim", "none");
			if (m->dec.from.status != AM_FROM_OK)
				am_authres_reason(&ar, m->dec.from.why);
		}
		(void)am_buf_printf(&m->ar, ";\n\t%s", am_authres_str(&ar));
		(void)am_buf_printf(&m->logline, "%s dkim=%s%s%s%s%s",
		    i ? "," : ";", n ? am_dkim_verdict_name(r[i].verdict) :
		    "none", n && r[i].d ? " d=" : "", n && r[i].d ? r[i].d : "",
		    n && r[i].reason[0] ? " " : "", n ? r[i].reason : "");
		am_authres_release(&ar);
	}
	if (m->ar.err) {
		am_log(&m->log, AM_LOG_ERROR, "Authentication-Results too "
		    "long, not added");
		am_buf_reset(&m->ar);
	}
}

static void
am_msg_eom_verify(struct am_msg *m)
{
	struct am_dkim_result	*r = NULL, one;
	size_t			 i, n = 0;

	if (m->hdr_failed || m->verifier == NULL) {
		memset(&one, 0, sizeof(one));
		one.verdict = AM_DKIM_PERMERROR;
		(void)snprintf(one.reason, sizeof(one.reason), "%.120s",
		    m->hdr_why[0] ? m->hdr_why : "internal error");
		r = &one;
		n = 1;
	} else {
		am_dkim_verifier_eom(m->verifier);
		n = am_dkim_verifier_count(m->verifier);
		if (n > 0)
			r = am_calloc(n, sizeof(*r));
		for (i = 0; i < n; i++)
			r[i] = *am_dkim_verifier_result(m->verifier, i);
		am_msg_from_override(m, r, n);
		am_msg_external_dkim(m, r, n);
	}
	m->outcome = am_outcome_of(r, n);
	m->action = am_outcome_action(m->cfg, m->outcome);
	am_msg_authres(m, r, n);
	if (m->cfg->dmarc_mode)
		am_dmarc_check(m->cfg, m->dns, &m->dec.from, &m->spf,
		    r != &one ? r : NULL, r != &one ? n : 0, &m->upstream,
		    m->client_ip,
		    m->dmarc_exempt ? m->dmarc_why : NULL, &m->log,
		    &m->dmarc);
	if (r != &one)
		free(r);	/* strings belong to the verifier */
}

/* SPF's part of our Authentication-Results, and Received-SPF. */

static void
am_msg_eom_spf(struct am_msg *m)
{
	if (m->spf.state == AM_SPF_STATE_DONE) {
		if (m->ar.len == 0) {
			(void)am_buf_appendc(&m->ar, ' ');
			am_authres_value(&m->ar, m->cfg->authserv_id != NULL ?
			    m->cfg->authserv_id : "localhost");
		}
		am_spf_authres(&m->spf, &m->ar);
		if (m->cfg->spf_received_header)
			am_spf_received(&m->spf, m->cfg->authserv_id, &m->rspf);
	}
	if (m->ar.err) {
		am_log(&m->log, AM_LOG_ERROR, "Authentication-Results too "
		    "long, not added");
		am_buf_reset(&m->ar);
	}
	if (m->rspf.err) {
		am_log(&m->log, AM_LOG_ERROR, "Received-SPF too long, not "
		    "added");
		am_buf_reset(&m->rspf);
	}
}

/* Is there anything to add when neither signing nor verifying? */

int
am_msg_spf_pending(const struct am_msg *m)
{
	return m->spf.state == AM_SPF_STATE_DONE;
}

/* How much an action does to the message: DMARC's applies when it
 * does more than the DKIM outcome's (On-*). */
static int
am_msg_action_rank(enum am_action a)
{
	static const int rank[] = {
		[AM_ACTION_ACCEPT] = 0, [AM_ACTION_QUARANTINE] = 1,
		[AM_ACTION_DISCARD] = 2, [AM_ACTION_TEMPFAIL] = 3,
		[AM_ACTION_REJECT] = 4,
	};

	return (size_t)a < sizeof(rank) / sizeof(rank[0]) ? rank[a] : 0;
}

/* DMARC's part of our Authentication-Results, its action, its log. */
static void
am_msg_eom_dmarc(struct am_msg *m)
{
	if (!m->dmarc.done)
		return;
	if (m->ar.len > 0) {
		am_dmarc_authres(&m->dmarc, &m->ar);
		if (m->ar.err) {
			am_log(&m->log, AM_LOG_ERROR, "Authentication-Results "
			    "too long, not added");
			am_buf_reset(&m->ar);
		}
	}
	if (am_msg_action_rank(m->dmarc.action) >
	    am_msg_action_rank(m->action)) {
		m->action = m->dmarc.action;
		m->dmarc_decides = 1;
	}
}

void
am_msg_eom(struct am_msg *m)
{
	if (m->dec.kind == AM_DECIDE_SIGN)
		am_msg_eom_sign(m);
	else if (m->dec.kind == AM_DECIDE_VERIFY)
		am_msg_eom_verify(m);
	am_msg_eom_spf(m);
	am_msg_eom_dmarc(m);
	/* Nor for mail that passes DMARC (aligned DKIM or SPF). */
	if (m->dec.external[0] != '\0' && !(m->dmarc.done && m->dmarc.n > 0 &&
	    m->dmarc.r[m->dmarc.worst].verdict == AM_DMARC_PASS))
		am_log(&m->log, AM_LOG_WARN, "%s", m->dec.external);
	/* Folded, bounded, summarized: never a line over 998 octets. */
	if (m->ar.len > 0 && am_authres_finish(&m->ar, AM_AUTHRES_FOLD) == -1)
		am_buf_reset(&m->ar);
	am_msg_log_final(m, NULL);
}

void
am_msg_log_final(struct am_msg *m, const char *extra)
{
	am_spf_logline(&m->spf, &m->logline);
	am_dmarc_logline(&m->dmarc, &m->logline);
	am_log(&m->log, AM_LOG_INFO, "%s%s; action=%s%s%s", m->dec.why,
	    am_buf_str(&m->logline), am_action_name(m->action),
	    m->dec.kind == AM_DECIDE_VERIFY && m->n_ar_del ?
	    "; removed forged Authentication-Results" : "",
	    extra != NULL ? extra : "");
}

void
am_msg_free(struct am_msg **mp)
{
	struct am_msg	*m = *mp;
	size_t		 i;

	if (m == NULL)
		return;
	am_hdrs_free(&m->hdrs);
	am_dkim_signer_free(&m->signer);
	am_dkim_verifier_free(&m->verifier);
	am_dmarc_msg_release(&m->dmarc);
	free(m->ar_del);
	am_buf_release(&m->ar);
	am_buf_release(&m->rspf);
	for (i = 0; i < AM_SIGN_MAXSIGS; i++)
		am_buf_release(&m->sig[i]);
	am_buf_release(&m->logline);
	am_dns_free(&m->dns);		/* before the config it views */
	am_config_unref(&m->cfg);
	free(m);
	*mp = NULL;
	am_snapshot_leave();
}
