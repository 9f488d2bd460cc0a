/*
 * engine_spf - SPF at MAIL FROM: which identities are checked, with
 * what time budget, what the MAIL FROM verdict makes us do, and what we
 * write about both (RFC 7208 sections 2, 8 and 9; RFC 8601; RFC 7372)
 *
 * Both identities are checked: MAIL FROM (postmaster@HELO for the null
 * sender) and HELO; the HELO result is kept on the connection (struct
 * am_engine_conn) and reused by its later messages until the client
 * says HELO again (a temperror is not kept: it may clear up).  One
 * budget (opts.spf_budget_ms) covers both: MAIL FROM may use all of it,
 * HELO gets what is left.  A trusted client (SPFSkipTrusted) or one
 * without an address is not checked.
 *
 * The MAIL FROM verdict's action (RFC 7208 8.4 to 8.6, codes of RFC
 * 7372: 5.7.23 for a failed check, 4.7.24 for a temporary error): fail,
 * softfail and temperror take opts.spf_fail, spf_softfail and
 * spf_temperror; the reply text is a fail's explanation, else a
 * sentence naming the domain.  A fail's explanation is also written as
 * a comment of its resinfo in Authentication-Results.
 */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "authres.h"
#include "clock.h"
#include "engine_impl.h"
#include "received_spf.h"

static void
am_engine_spf_copy(char *dst, size_t size, const char *src)
{
	(void)snprintf(dst, size, "%s", src != NULL ? src : "");
}

/* One identity.  A call the library refuses (an identity over its
 * size limit) is reported as none, as RFC 7208 4.3 does for a malformed
 * domain. */
static void
am_engine_spf_one(struct am_engine *e, const struct am_spf_opts *o,
    enum am_spf_identity id, const char *sender, struct am_spf_result *res)
{
	struct am_engine_spf	*s = &e->spf;
	struct am_spf_request	 rq = {
		.ip = e->client.ip, .sender = sender,
		.helo = s->helo_name[0] != '\0' ? s->helo_name : NULL,
	};
	struct am_err		 err;
	int			 rc;

	am_err_clear(&err);
	if (id == AM_SPF_ID_HELO)
		rc = am_spf_check_helo(e->dns, o, &rq, res, &err);
	else
		rc = am_spf_check_mailfrom(e->dns, o, &rq, res, &err);
	if (rc == 0)
		return;
	am_log(e->log, AM_LOG_WARN, "SPF %s: %s", id == AM_SPF_ID_HELO ?
	    "HELO" : "MAIL FROM", err.msg);
	res->verdict = AM_SPF_NONE;
	res->reason = AM_SPF_R_BAD_DOMAIN;
	am_engine_spf_copy(res->reason_text, sizeof(res->reason_text),
	    err.msg);
}

/* The HELO check, from the connection when it was made there before. */
static void
am_engine_spf_helo(struct am_engine *e, struct am_spf_opts *o,
    struct am_engine_conn *conn, unsigned left_ms)
{
	struct am_engine_spf	*s = &e->spf;

	if (s->helo_name[0] == '\0')
		return;
	s->has_helo = 1;
	if (strcmp(conn->helo, s->helo_name) != 0)
		am_engine_conn_helo(conn, s->helo_name);
	if (conn->helo_done) {
		s->helo = conn->helo_res;
		return;
	}
	o->budget_ms = left_ms > 0 ? left_ms : 1;	/* 0 is "default" */
	am_engine_spf_one(e, o, AM_SPF_ID_HELO, NULL, &s->helo);
	if (s->helo.verdict != AM_SPF_TEMPERROR) {
		conn->helo_res = s->helo;
		conn->helo_done = 1;
	}
}

static void
am_engine_spf_decide(struct am_engine *e)
{
	struct am_engine_spf		*s = &e->spf;
	const struct am_spf_result	*r = &s->mailfrom;
	enum am_action			 a;
	char				 text[AM_DISP_TEXT_MAX + 160];

	switch (r->verdict) {
	case AM_SPF_FAIL:
		a = e->opts.spf_fail;
		break;
	case AM_SPF_SOFTFAIL:
		a = e->opts.spf_softfail;
		break;
	case AM_SPF_TEMPERROR:
		a = e->opts.spf_temperror;
		break;
	default:
		a = AM_ACTION_ACCEPT;
		break;
	}
	if (a != AM_ACTION_REJECT && a != AM_ACTION_TEMPFAIL)
		return;
	if (r->verdict == AM_SPF_FAIL && r->explanation[0] != '\0')
		am_engine_spf_copy(text, sizeof(text), r->explanation);
	else if (r->verdict == AM_SPF_TEMPERROR)
		(void)snprintf(text, sizeof(text), "SPF: temporary error "
		    "checking %.255s, try again later", r->domain);
	else
		(void)snprintf(text, sizeof(text), "SPF %s: %.255s does not "
		    "designate %s as permitted sender",
		    am_spf_verdict_name(r->verdict), r->domain, e->client.ip);
	am_disposition_set(&s->disp, a, AM_METHOD_SPF, NULL,
	    a == AM_ACTION_TEMPFAIL ? "4.7.24" : "5.7.23", text,
	    "MAIL FROM refused");
}

static void
am_engine_spf_why(struct am_buf *w, const char *label,
    const struct am_spf_result *r)
{
	(void)am_buf_printf(w, "spf %s: %s domain=%s: %s", label,
	    r->sender, r->domain, am_spf_verdict_name(r->verdict));
	if (r->reason == AM_SPF_R_MATCH)
		(void)am_buf_printf(w, " (record found; mechanism %s matched)",
		    r->mechanism);
	else
		(void)am_buf_printf(w, " (%s%s%s)",
		    am_spf_reason_name(r->reason),
		    r->reason_text[0] != '\0' ? ": " : "", r->reason_text);
	(void)am_buf_printf(w, "; %u lookups, %u void, %u queries\n",
	    r->lookups, r->voids, r->queries);
	if (r->verdict == AM_SPF_FAIL && r->explanation[0] != '\0')
		(void)am_buf_printf(w, "spf %s: explanation: %s\n", label,
		    r->explanation);
}

void
am_engine_spf_check(struct am_engine *e, struct am_engine_conn *conn,
    const char *helo, const char *arg)
{
	struct am_engine_spf	*s = &e->spf;
	struct am_spf_opts	 o;
	char			 sender[AM_SPF_IDENTITY_MAX + 2];
	uint64_t		 start, budget, spent;

	memset(s, 0, sizeof(*s));
	am_disposition_init(&s->disp);
	if (!e->opts.spf) {
		if (e->opts.why)
			(void)am_buf_appends(&e->why, "spf: not checked "
			    "(off)\n");
		return;
	}
	s->state = AM_ENGINE_SPF_SKIPPED;
	if (e->client.ip == NULL || e->client.ip[0] == '\0')
		am_engine_spf_copy(s->why, sizeof(s->why),
		    "no client address");
	else if (e->client.spf_skip)
		am_engine_spf_copy(s->why, sizeof(s->why), "trusted client");
	if (s->why[0] != '\0') {
		if (e->opts.why)
			(void)am_buf_printf(&e->why, "spf: not checked (%s)\n",
			    s->why);
		return;
	}
	s->state = AM_ENGINE_SPF_DONE;
	am_engine_spf_copy(s->helo_name, sizeof(s->helo_name),
	    conn->helo[0] != '\0' ? conn->helo : helo);
	am_engine_reverse_path(arg, sender, sizeof(sender));
	am_engine_spf_copy(s->envfrom, sizeof(s->envfrom), sender);

	am_spf_opts_init(&o);
	o.receiver = e->opts.authserv_id;
	o.default_exp = e->opts.spf_explanation;
	o.now = (time_t)e->opts.now;
	budget = e->opts.spf_budget_ms;
	o.budget_ms = (unsigned)budget;
	start = am_clock_ms(NULL, NULL);
	am_engine_spf_one(e, &o, AM_SPF_ID_MAILFROM, sender, &s->mailfrom);
	spent = am_clock_ms(NULL, NULL) - start;
	am_engine_spf_helo(e, &o, conn, spent < budget ?
	    (unsigned)(budget - spent) : 0);
	am_engine_spf_decide(e);
	if (e->opts.why) {
		am_engine_spf_why(&e->why, "mailfrom", &s->mailfrom);
		if (s->has_helo)
			am_engine_spf_why(&e->why, "helo", &s->helo);
	}
}

/* ---------------------------------------------------------------- output */

static void
am_engine_spf_resinfo(const struct am_spf_result *r, struct am_buf *ar)
{
	struct am_authres	 a;

	am_authres_init(&a);
	am_spf_result_authres(r, &a);
	if (r->verdict == AM_SPF_FAIL && r->explanation[0] != '\0')
		am_authres_comment(&a, r->explanation);
	(void)am_buf_printf(ar, ";\n\t%s", am_authres_str(&a));
	am_authres_release(&a);
}

void
am_engine_spf_authres(const struct am_engine *e, struct am_buf *ar)
{
	if (e->spf.state != AM_ENGINE_SPF_DONE)
		return;
	am_engine_spf_resinfo(&e->spf.mailfrom, ar);
	if (e->spf.has_helo)
		am_engine_spf_resinfo(&e->spf.helo, ar);
}

void
am_engine_spf_received(const struct am_engine *e, struct am_buf *out)
{
	struct am_received_spf	 in = {
		.r = &e->spf.mailfrom, .receiver = e->opts.authserv_id,
		.ip = e->client.ip, .envfrom = e->spf.envfrom,
		.helo = e->spf.helo_name,
	};

	if (e->spf.state == AM_ENGINE_SPF_DONE)
		am_received_spf(&in, out);
}

static void
am_engine_spf_log_one(const struct am_spf_result *r, const char *sep,
    struct am_buf *line)
{
	(void)am_buf_printf(line, "%sspf=%s smtp.%s=%.200s", sep,
	    am_spf_verdict_name(r->verdict), r->identity == AM_SPF_ID_HELO ?
	    "helo" : "mailfrom", r->sender);
	if (r->reason != AM_SPF_R_MATCH && r->reason_text[0] != '\0')
		(void)am_buf_printf(line, " (%.120s)", r->reason_text);
	else if (r->mechanism[0] != '\0')
		(void)am_buf_printf(line, " (%s)", r->mechanism);
}

void
am_engine_spf_logline(const struct am_engine *e, struct am_buf *line)
{
	if (e->spf.state == AM_ENGINE_SPF_SKIPPED)
		(void)am_buf_printf(line, "; spf skipped: %s", e->spf.why);
	if (e->spf.state != AM_ENGINE_SPF_DONE)
		return;
	am_engine_spf_log_one(&e->spf.mailfrom, "; ", line);
	if (e->spf.has_helo)
		am_engine_spf_log_one(&e->spf.helo, ", ", line);
}
