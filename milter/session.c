/*
 * session - per-connection and per-message state
 */

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "daemon.h"
#include "dkim_sign.h"
#include "dmarc_report.h"
#include "failure_sender.h"
#include "mem.h"
#include "metrics.h"
#include "report_capture.h"
#include "report_writer.h"
#include "session.h"
#include "snapshot.h"

#define AM_MSG_MAXSIG		8192		/* one DKIM-Signature value */
#define AM_MSG_MAXLOG		900

struct am_msg {
	struct am_config	*cfg;		/* reference held */
	struct am_logdest	 dest;
	struct am_log		 log;		/* prefix: the queue id */
	struct am_log		 liblog;	/* lib's verdict lines: debug */
	char			 qid[64];
	struct am_engine	*engine;	/* verify, SPF, DMARC */
	/* Every lookup of the message goes through this view of cfg->dns.resolver:
	 * one DNSBudget for all, failures remembered (dns.h). */
	struct am_dns		*dns;
	int			 have_client;
	int			 eoh_done;
	struct am_decision	 dec;
	struct am_dkim_signer	*signer;
	int			 need_body;
	int			 internal;	/* our failure: On-InternalError */
	int			 unsignable;	/* the message cannot be signed:
						 * On-SignatureError */
	struct am_disposition	 disp;		/* the one that applies */
	struct am_buf		 sig[AM_SIGN_MAXSIGS]; /* " v=1; ..." */
	size_t			 nsig;
	struct am_buf		 logline;	/* the signer's facts */
	/* Report mailboxes (report_capture.h). */
	struct am_dmarc_report_sink report;	/* the recorder, unless */
	int			 to_report_mailbox;	/* ... this */
	struct am_report_capture *capture;	/* a copy of the message */
	struct am_failure_msg	*ruf;		/* FailureReports: NULL off */
};

struct am_conn *
am_conn_new(void)
{
	struct am_conn	*c = am_calloc(1, sizeof(*c));

	(void)snprintf(c->addr, sizeof(c->addr), "unknown");
	am_engine_conn_init(&c->engine);
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

/* The engine's report sink: evaluations of mail to a report mailbox
 * are not recorded (only logged); others go to the recorder. */
static void
am_msg_report(void *ctx, const struct am_dmarc_report *rep)
{
	struct am_msg	*m = ctx;

	if (!m->to_report_mailbox) {
		m->report.fn(m->report.ctx, rep);
		return;
	}
	am_dmarc_report_log_sink(&m->log, rep);
	if (m->report.fn != am_dmarc_report_log_sink)
		am_report_capture_skipped();
}

struct am_msg *
am_msg_new(void)
{
	struct am_config	*cfg;
	struct am_engine_opts	 o;
	struct am_msg		*m;
	size_t			 i;

	if ((cfg = am_snapshot_get()) == NULL)
		return NULL;
	m = am_calloc(1, sizeof(*m));
	m->cfg = cfg;
	am_logdest_init(&m->dest, cfg, am_snapshot_foreground());
	(void)snprintf(m->qid, sizeof(m->qid), "NOQUEUE");
	m->log.fn = am_syslog_fn;
	m->log.ctx = &m->dest;
	m->log.prefix = m->qid;
	m->liblog.fn = am_msg_liblog;
	m->liblog.ctx = m;
	m->liblog.prefix = m->qid;
	am_config_engine_opts(cfg, &o);
	o.report.fn = am_dmarc_report_log_sink;
	o.report.ctx = &m->log;
	am_report_writer_sink(cfg, &o.report);	/* ReportRecord: queued too */
	m->report = o.report;
	o.report.fn = am_msg_report;
	o.report.ctx = m;
	m->dns = am_dns_message_new(cfg->dns.resolver, cfg->dns.budget * 1000);
	m->engine = am_engine_new(&o, m->dns, &m->log, &m->liblog);
	for (i = 0; i < AM_SIGN_MAXSIGS; i++)
		am_buf_init(&m->sig[i], AM_MSG_MAXSIG);
	am_buf_init(&m->logline, AM_MSG_MAXLOG);
	am_disposition_init(&m->disp);
	m->ruf = am_failure_msg_new(cfg);	/* FailureReports yes */
	am_snapshot_enter();
	return m;
}

void
am_msg_set_qid(struct am_msg *m, const char *qid)
{
	if (qid != NULL && qid[0] != '\0')
		(void)snprintf(m->qid, sizeof(m->qid), "%s", qid);
}

static void	am_msg_log_final(struct am_msg *);

const struct am_log *
am_msg_log(const struct am_msg *m)
{
	return &m->log;
}

static void
am_msg_client(struct am_msg *m, const struct am_client *cl)
{
	struct am_engine_client	 ec;

	if (m->have_client)
		return;
	m->have_client = 1;
	am_failure_msg_client(m->ruf, cl->addr);
	am_config_engine_client(m->cfg, cl, &ec);
	am_engine_client(m->engine, &ec);
}

const struct am_disposition *
am_msg_mailfrom(struct am_msg *m, struct am_conn *c,
    const struct am_client *cl, const char *arg, const char *helo)
{
	const struct am_disposition	*d;

	am_msg_client(m, cl);
	am_failure_msg_mailfrom(m->ruf, arg);
	d = am_engine_mailfrom(m->engine, &c->engine, helo, arg);
	if (am_disposition_refuses(d)) {
		m->disp = *d;
		(void)snprintf(m->dec.why, sizeof(m->dec.why), "MAIL FROM "
		    "refused");
		am_msg_log_final(m);
	}
	return d;
}

void
am_msg_rcpt(struct am_msg *m, const char *arg)
{
	am_engine_rcpt(m->engine, arg);
	if (m->to_report_mailbox || !am_config_report_mailbox(m->cfg, arg))
		return;
	m->to_report_mailbox = 1;
	m->capture = am_report_capture_new(m->cfg);
	am_failure_msg_skip(m->ruf, "one of its recipients is a report "
	    "mailbox");
}

void
am_msg_header(struct am_msg *m, const char *name, const char *value,
    int leadspc)
{
	am_engine_header(m->engine, name, value, leadspc);
	am_report_capture_header(m->capture, name, value, leadspc, &m->log);
	am_failure_msg_header(m->ruf, name, value, leadspc);
}

static void
am_msg_start_signer(struct am_msg *m)
{
	const struct am_config	*cfg = m->cfg;
	struct am_dkim_sign_opts o;
	struct am_err		 err;
	size_t			 i;

	memset(&o, 0, sizeof(o));
	o.hcanon = cfg->dkim.hcanon;
	o.bcanon = cfg->dkim.bcanon;
	o.sign_headers = (const char *const *)cfg->dkim.sign_headers;
	o.oversign_headers = (const char *const *)cfg->dkim.oversign_headers;
	o.omit_headers = (const char *const *)cfg->dkim.omit_headers;
	o.now = cfg->dkim.verify.now;
	o.expire_after = cfg->dkim.signature_ttl;
	o.max_headers = cfg->dkim.verify.max_headers;
	o.max_header_bytes = cfg->dkim.verify.max_header_bytes;
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
	{
		struct am_hdrs	*h = am_engine_take_hdrs(m->engine);

		am_dkim_signer_take_headers(m->signer, &h);
		am_hdrs_free(&h);
	}
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

int
am_msg_eoh_done(const struct am_msg *m)
{
	return m->eoh_done;
}

int
am_msg_needs_eom(const struct am_msg *m)
{
	return m->dec.kind == AM_DECIDE_SIGN ||
	    m->dec.kind == AM_DECIDE_VERIFY ||
	    am_engine_spf_checked(m->engine) || m->capture != NULL;
}

enum am_decide_kind
am_msg_eoh(struct am_msg *m, const struct am_client *c)
{
	const struct am_from	*from;
	const char		*broken;
	char			 trust[160];

	m->eoh_done = 1;
	am_report_capture_eoh(m->capture, &m->log);
	am_msg_client(m, c);
	from = am_engine_from(m->engine);
	if ((broken = am_engine_hdr_failed(m->engine)) == NULL)
		am_decide(m->cfg, c, from, &m->log, &m->dec);
	else if (m->cfg->dkim.mode_sign && m->cfg->dkim.nkeysets > 0 &&
	    am_config_client_trusted(m->cfg, c, trust, sizeof(trust))) {
		/* A client we sign for sent a header block past the limits:
		 * its From cannot be judged, so it is a message we should
		 * sign but cannot: On-SignatureError at the end of the
		 * message, never let through unsigned unless that says
		 * accept. */
		am_decide_broken(m->cfg, broken, from, &m->dec);
		m->dec.kind = AM_DECIDE_SIGN;
		(void)snprintf(m->dec.why, sizeof(m->dec.why), "sign: %s; "
		    "cannot: %s", trust, broken);
		am_log(&m->log, AM_LOG_ERROR, "cannot sign: %s", broken);
		m->unsignable = 1;
	} else
		am_decide_broken(m->cfg, broken, from, &m->dec);
	switch (m->dec.kind) {
	case AM_DECIDE_SIGN:
		if (!m->unsignable)
			am_msg_start_signer(m);
		(void)am_engine_eoh(m->engine, 0);
		break;
	case AM_DECIDE_VERIFY:
		m->need_body = am_engine_eoh(m->engine, 1);
		break;
	case AM_DECIDE_REJECT:
		(void)am_engine_eoh(m->engine, 0);
		am_disposition_set(&m->disp, AM_ACTION_REJECT, AM_METHOD_SIGN,
		    "550", "5.7.1", from->why, m->dec.why);
		am_msg_log_final(m);
		break;
	case AM_DECIDE_NONE:
		(void)am_engine_eoh(m->engine, 0);
		if (!am_msg_needs_eom(m))
			am_msg_log_final(m);
		break;
	}
	return m->dec.kind;
}

int
am_msg_wants_body(const struct am_msg *m)
{
	return m->need_body || m->capture != NULL;
}

void
am_msg_body(struct am_msg *m, const void *p, size_t n)
{
	am_report_capture_body(m->capture, p, n, &m->log);
	if (m->signer != NULL)
		am_dkim_signer_body(m->signer, p, n);
	else if (m->need_body)
		am_engine_body(m->engine, p, n);
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

/* The signer's part: signatures, or its failure's disposition. */
static void
am_msg_eom_sign(struct am_msg *m, struct am_disposition *d)
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
		am_disposition_outcome(d, m->unsignable ?
		    AM_OUTCOME_UNSIGNABLE : AM_OUTCOME_INTERNAL, m->unsignable ?
		    m->cfg->dkim.on_signature_error : m->cfg->dkim.on_internal_error);
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
}

void
am_msg_eom(struct am_msg *m)
{
	struct am_disposition	 sd;

	am_disposition_init(&sd);
	if (m->dec.kind == AM_DECIDE_SIGN)
		am_msg_eom_sign(m, &sd);
	am_engine_eom(m->engine);
	m->disp = am_engine_result(m->engine)->disp;
	am_disposition_merge(&m->disp, &sd);
	am_failure_msg_eom(&m->ruf, m->engine, m->qid, &m->log);
	/* Not for mail that a passing DKIM signature or DMARC authenticates
	 * for its From domain. */
	if (m->dec.external[0] != '\0' && !am_engine_authenticated(m->engine,
	    m->dec.from != NULL ? m->dec.from->domain : NULL))
		am_log(&m->log, AM_LOG_WARN, "%s", m->dec.external);
	am_msg_log_final(m);
	/* Reports in mail delivered now are stored; not in mail refused,
	 * discarded or quarantined. */
	if (m->disp.action == AM_ACTION_ACCEPT)
		am_report_capture_push(&m->capture, m->qid, &m->log);
	am_report_capture_free(&m->capture);
}

const struct am_disposition *
am_msg_disposition(const struct am_msg *m)
{
	return &m->disp;
}

void
am_msg_output(const struct am_msg *m, struct am_msg_out *o)
{
	const struct am_engine_result	*r = am_engine_result(m->engine);

	memset(o, 0, sizeof(*o));
	o->disp = &m->disp;
	o->del = r->del;
	o->ndel = r->ndel;
	o->ar = r->ar;
	o->rspf = r->rspf;
	o->sig = m->sig;
	o->nsig = m->nsig;
	o->software_header = m->cfg->ar.software_header;
	o->touch = m->dec.kind != AM_DECIDE_NONE || r->ar->len > 0 ||
	    r->rspf->len > 0;
}

const struct am_disposition *
am_msg_apply_failed(struct am_msg *m)
{
	am_log(&m->log, AM_LOG_ERROR, "the MTA refused a header change");
	am_disposition_outcome(&m->disp, AM_OUTCOME_INTERNAL,
	    m->cfg->dkim.on_internal_error);
	return &m->disp;
}

static void
am_msg_log_final(struct am_msg *m)
{
	const struct am_engine_result	*r = am_engine_result(m->engine);

	am_engine_logline(m->engine, &m->logline);
	am_log(&m->log, AM_LOG_INFO, "%s%s; action=%s%s", m->dec.why,
	    am_buf_str(&m->logline), am_disposition_action_name(
	    m->disp.action), m->dec.kind == AM_DECIDE_VERIFY && r->ndel ?
	    "; removed forged Authentication-Results" : "");
	am_metrics_message(m->dec.kind, &m->disp, m->engine);	/* metrics */
}

void
am_msg_free(struct am_msg **mp)
{
	struct am_msg	*m = *mp;
	size_t		 i;

	if (m == NULL)
		return;
	am_failure_msg_free(&m->ruf);
	am_engine_free(&m->engine);
	am_dns_free(&m->dns);		/* before the config it views */
	am_dkim_signer_free(&m->signer);
	for (i = 0; i < AM_SIGN_MAXSIGS; i++)
		am_buf_release(&m->sig[i]);
	am_buf_release(&m->logline);
	am_report_capture_free(&m->capture);
	am_config_unref(&m->cfg);
	free(m);
	*mp = NULL;
	am_snapshot_leave();
}
