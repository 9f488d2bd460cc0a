/*
 * spf_check - SPF in the milter: identities, budget, action, output
 */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "authres.h"
#include "spf_check.h"

#define AM_SPF_REPLY_MAX	400	/* reply text before '%' doubling */
#define AM_SPF_FOLD		76	/* Received-SPF line length aim */

static uint64_t
am_spf_now_ms(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
am_spf_copy(char *dst, size_t size, const char *src)
{
	(void)snprintf(dst, size, "%s", src != NULL ? src : "");
}

void
am_spf_conn_helo(struct am_spf_conn *c, const char *helo)
{
	am_spf_copy(c->helo, sizeof(c->helo), helo);
	c->helo_done = 0;
}

void
am_spf_reverse_path(const char *arg, char *out, size_t size)
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

/* ---------------------------------------------------------------- check */

/*
 * am_spf_one - one identity.  A call the library refuses (an identity
 * over its size limit) is reported as none, as RFC 7208 4.3 does for a
 * malformed domain.
 */
static void
am_spf_one(const struct am_config *cfg, struct am_dns *dns,
    const struct am_spf_opts *opts, const struct am_spf_msg *m,
    enum am_spf_identity id, const char *sender, struct am_spf_result *res,
    const struct am_log *log)
{
	struct am_err	 err;
	int		 rc;

	am_err_clear(&err);
	if (id == AM_SPF_ID_HELO)
		rc = am_spf_check_helo(dns, opts, m->ip, m->helo_name, res,
		    &err);
	else
		rc = am_spf_check_mailfrom(dns, opts, m->ip,
		    m->helo_name[0] != '\0' ? m->helo_name : NULL, sender, res,
		    &err);
	if (rc == 0)
		return;
	am_log(log, AM_LOG_WARN, "SPF %s: %s", id == AM_SPF_ID_HELO ? "HELO" :
	    "MAIL FROM", err.msg);
	res->verdict = AM_SPF_NONE;
	res->reason = AM_SPF_R_BAD_DOMAIN;
	am_spf_copy(res->reason_text, sizeof(res->reason_text), err.msg);
}

/* The HELO check, from the connection when it was made there before. */

static void
am_spf_helo(const struct am_config *cfg, struct am_dns *dns,
    struct am_spf_opts *opts, struct am_spf_conn *conn, struct am_spf_msg *m,
    unsigned left_ms, const struct am_log *log)
{
	if (m->helo_name[0] == '\0')
		return;
	m->has_helo = 1;
	if (strcmp(conn->helo, m->helo_name) != 0)
		am_spf_conn_helo(conn, m->helo_name);
	if (conn->helo_done) {
		m->helo = conn->helo_res;
		return;
	}
	opts->budget_ms = left_ms > 0 ? left_ms : 1;	/* 0 is "default" */
	am_spf_one(cfg, dns, opts, m, AM_SPF_ID_HELO, NULL, &m->helo, log);
	/* A temporary error may clear up by the next message. */
	if (m->helo.verdict != AM_SPF_TEMPERROR) {
		conn->helo_res = m->helo;
		conn->helo_done = 1;
	}
}

/* Reply text: printable ASCII only, cut, and '%' doubled (libmilter). */

static void
am_spf_reply_text(struct am_spf_msg *m, const char *text)
{
	size_t	 i, o = 0;

	for (i = 0; text[i] != '\0' && i < AM_SPF_REPLY_MAX &&
	    o + 3 < sizeof(m->reply); i++) {
		unsigned char ch = (unsigned char)text[i];

		if (ch == '%')
			m->reply[o++] = '%';
		m->reply[o++] = ch < ' ' || ch >= 0x7f ? '?' : (char)ch;
	}
	m->reply[o] = '\0';
}

/* RFC 7208 8.4 to 8.6 with RFC 7372's codes: 5.7.23 for a failed
 * check, 4.7.24 for a temporary error. */

static void
am_spf_decide(const struct am_config *cfg, struct am_spf_msg *m)
{
	const struct am_spf_result	*r = &m->mailfrom;
	char				 text[AM_SPF_REPLY_MAX + 160];

	switch (r->verdict) {
	case AM_SPF_FAIL:
		m->action = cfg->spf_fail_action;
		break;
	case AM_SPF_SOFTFAIL:
		m->action = cfg->spf_softfail_action;
		break;
	case AM_SPF_TEMPERROR:
		m->action = cfg->spf_temperror_action;
		break;
	default:
		m->action = AM_ACTION_ACCEPT;
		break;
	}
	if (m->action == AM_ACTION_ACCEPT)
		return;
	m->rcode = m->action == AM_ACTION_TEMPFAIL ? "451" : "550";
	m->xcode = m->action == AM_ACTION_TEMPFAIL ? "4.7.24" : "5.7.23";
	if (r->verdict == AM_SPF_FAIL && r->explanation[0] != '\0')
		am_spf_copy(text, sizeof(text), r->explanation);
	else if (r->verdict == AM_SPF_TEMPERROR)
		(void)snprintf(text, sizeof(text), "SPF: temporary error "
		    "checking %.255s, try again later", r->domain);
	else
		(void)snprintf(text, sizeof(text), "SPF %s: %.255s does not "
		    "designate %s as permitted sender",
		    am_spf_verdict_name(r->verdict), r->domain, m->ip);
	am_spf_reply_text(m, text);
}

void
am_spf_check(const struct am_config *cfg, struct am_spf_conn *conn,
    const struct am_spf_input *in, const struct am_log *log,
    struct am_spf_msg *m)
{
	struct am_spf_opts	 opts;
	struct am_dns		*dns = in->dns != NULL ? in->dns : cfg->dns;
	char			 sender[AM_SPF_IDENTITY_MAX + 2];
	uint64_t		 start, budget, spent;

	memset(m, 0, sizeof(*m));
	m->action = AM_ACTION_ACCEPT;
	if (!cfg->spf_mode)
		return;
	m->state = AM_SPF_STATE_SKIPPED;
	if (in->ip == NULL || in->ip[0] == '\0') {
		am_spf_copy(m->why, sizeof(m->why), "no client address");
		return;
	}
	/* The decision's own log text says why the client is trusted. */
	if (cfg->spf_skip_trusted && in->client != NULL &&
	    am_decide_trusted(cfg, in->client, m->why, sizeof(m->why))) {
		am_spf_copy(m->why, sizeof(m->why), "trusted client");
		return;
	}
	m->state = AM_SPF_STATE_DONE;
	am_spf_copy(m->ip, sizeof(m->ip), in->ip);
	am_spf_copy(m->helo_name, sizeof(m->helo_name), in->helo);
	am_spf_reverse_path(in->mailfrom, sender, sizeof(sender));
	am_spf_copy(m->envfrom, sizeof(m->envfrom), sender);

	am_spf_opts_init(&opts);
	opts.receiver = cfg->authserv_id;
	opts.default_exp = cfg->spf_explanation;
	opts.now = (time_t)cfg->verify.now;
	budget = (uint64_t)cfg->spf_timeout * 1000;
	opts.budget_ms = (unsigned)budget;
	start = am_spf_now_ms();
	am_spf_one(cfg, dns, &opts, m, AM_SPF_ID_MAILFROM, sender,
	    &m->mailfrom, log);
	spent = am_spf_now_ms() - start;
	am_spf_helo(cfg, dns, &opts, conn, m, spent < budget ?
	    (unsigned)(budget - spent) : 0, log);
	am_spf_decide(cfg, m);
}

/* ---------------------------------------------------------------- output */

static void
am_spf_resinfo(const struct am_spf_result *r, struct am_buf *ar)
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
am_spf_authres(const struct am_spf_msg *m, struct am_buf *ar)
{
	if (m->state != AM_SPF_STATE_DONE)
		return;
	am_spf_resinfo(&m->mailfrom, ar);
	if (m->has_helo)
		am_spf_resinfo(&m->helo, ar);
}

static void
am_spf_log_one(const struct am_spf_result *r, const char *sep,
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
am_spf_logline(const struct am_spf_msg *m, struct am_buf *line)
{
	if (m->state == AM_SPF_STATE_SKIPPED)
		(void)am_buf_printf(line, "; spf skipped: %s", m->why);
	if (m->state != AM_SPF_STATE_DONE)
		return;
	am_spf_log_one(&m->mailfrom, "; ", line);
	if (m->has_helo)
		am_spf_log_one(&m->helo, ", ", line);
}

/* ---------------------------------------------------------------- Received-SPF */

/* RFC 5322 atext */
static int
am_spf_atext(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || (ch != '\0' &&
	    strchr("!#$%&'*+-/=?^_`{|}~", ch) != NULL);
}

static int
am_spf_dot_atom(const char *s)
{
	size_t	 i;

	if (s[0] == '\0' || s[0] == '.')
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (s[i] == '.' ? s[i + 1] == '.' || s[i + 1] == '\0' :
		    !am_spf_atext((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Appends s escaped for a comment or quoted-string: the delimiters get
 * a backslash, other octets outside printable ASCII become '?'. */

static void
am_spf_escaped(struct am_buf *out, const char *s, const char *specials)
{
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch != '\0' && strchr(specials, ch) != NULL)
			(void)am_buf_appendc(out, '\\');
		(void)am_buf_appendc(out, ch < ' ' || ch >= 0x7f ? '?' :
		    (char)ch);
	}
}

/* "key=value;" as a dot-atom or a quoted-string, folded before it when
 * the line would get long; *col tracks the line length. */

static void
am_spf_kv(struct am_buf *out, size_t *col, const char *key, const char *v)
{
	size_t	 before;

	if (*col + strlen(key) + strlen(v) + 4 > AM_SPF_FOLD) {
		(void)am_buf_appends(out, "\n\t");
		*col = 8;
	} else
		(void)am_buf_appendc(out, ' ');
	before = out->len;
	(void)am_buf_printf(out, "%s=", key);
	if (am_spf_dot_atom(v))
		(void)am_buf_appends(out, v);
	else {
		(void)am_buf_appendc(out, '"');
		am_spf_escaped(out, v, "\"\\");
		(void)am_buf_appendc(out, '"');
	}
	(void)am_buf_appendc(out, ';');
	*col += out->len - before + 1;
}

/* The comment of RFC 7208 9.1's example, per result. */

static void
am_spf_received_comment(const struct am_spf_msg *m, const char *receiver,
    struct am_buf *out)
{
	const struct am_spf_result	*r = &m->mailfrom;
	char				 c[AM_SPF_IDENTITY_MAX + 400];
	const char			*s = r->sender, *ip = m->ip;

	switch (r->verdict) {
	case AM_SPF_PASS:
		(void)snprintf(c, sizeof(c), "%s: domain of %s designates %s "
		    "as permitted sender", receiver, s, ip);
		break;
	case AM_SPF_FAIL:
		(void)snprintf(c, sizeof(c), "%s: domain of %s does not "
		    "designate %s as permitted sender", receiver, s, ip);
		break;
	case AM_SPF_SOFTFAIL:
		(void)snprintf(c, sizeof(c), "%s: domain of transitioning %s "
		    "does not designate %s as permitted sender", receiver, s,
		    ip);
		break;
	case AM_SPF_NEUTRAL:
		(void)snprintf(c, sizeof(c), "%s: %s is neither permitted nor "
		    "denied by domain of %s", receiver, ip, s);
		break;
	case AM_SPF_NONE:
		(void)snprintf(c, sizeof(c), "%s: domain of %s does not "
		    "designate permitted sender hosts", receiver, s);
		break;
	case AM_SPF_TEMPERROR:
		(void)snprintf(c, sizeof(c), "%s: error in processing during "
		    "lookup of %s: %s", receiver, s, r->reason_text);
		break;
	case AM_SPF_PERMERROR:
		(void)snprintf(c, sizeof(c), "%s: permanent error in "
		    "processing domain of %s: %s", receiver, s,
		    r->reason_text);
		break;
	}
	(void)am_buf_appends(out, " (");
	am_spf_escaped(out, c, "()\\");
	(void)am_buf_appendc(out, ')');
}

void
am_spf_received(const struct am_spf_msg *m, const char *receiver,
    struct am_buf *out)
{
	const struct am_spf_result	*r = &m->mailfrom;
	size_t				 col;

	if (m->state != AM_SPF_STATE_DONE)
		return;
	if (receiver == NULL)
		receiver = "localhost";
	(void)am_buf_printf(out, " %s", am_spf_verdict_name(r->verdict));
	am_spf_received_comment(m, receiver, out);
	col = AM_SPF_FOLD;			/* fold before the pairs */
	am_spf_kv(out, &col, "receiver", receiver);
	am_spf_kv(out, &col, "client-ip", m->ip);
	am_spf_kv(out, &col, "envelope-from", m->envfrom);
	if (m->helo_name[0] != '\0')
		am_spf_kv(out, &col, "helo", m->helo_name);
	am_spf_kv(out, &col, "identity", "mailfrom");
	if (r->mechanism[0] != '\0')
		am_spf_kv(out, &col, "mechanism", r->mechanism);
	if ((r->verdict == AM_SPF_TEMPERROR || r->verdict == AM_SPF_PERMERROR)
	    && r->reason_text[0] != '\0')
		am_spf_kv(out, &col, "problem", r->reason_text);
}
