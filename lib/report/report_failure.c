/*
 * report_failure - when a DMARC failure report is due, and the RFC 6591
 * AFRF message with the RFC 9991 fields (report_failure.h)
 */

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "report_failure.h"

static void
am_fr_copy(char *dst, size_t size, const char *src)
{
	(void)snprintf(dst, size, "%s", src != NULL ? src : "");
}

void
am_failure_in_fill(struct am_failure_in *in, const struct am_dmarc_result *r)
{
	const struct am_dmarc_ident	*id;
	struct am_failure_ident		*o;
	size_t				 i;

	memset(in, 0, sizeof(*in));
	am_buf_init(&in->hdrs, AM_FAILURE_HDRS_MAX);
	in->verdict = r->verdict;
	in->have_policy = r->have_policy;
	am_fr_copy(in->author, sizeof(in->author), r->author);
	am_fr_copy(in->org_domain, sizeof(in->org_domain), r->org_domain);
	am_fr_copy(in->policy_domain, sizeof(in->policy_domain),
	    r->policy_domain);
	in->rec = r->rec;
	in->published = r->published;
	in->spf_aligned = r->spf_aligned;
	in->dkim_aligned = r->dkim_aligned;
	for (i = 0; i < r->nident && in->nident < AM_FAILURE_IDENT_MAX; i++) {
		id = &r->ident[i];
		o = &in->ident[in->nident++];
		o->is_dkim = id->is_dkim;
		am_fr_copy(o->domain, sizeof(o->domain), id->domain);
		am_fr_copy(o->selector, sizeof(o->selector), id->selector);
		am_fr_copy(o->result, sizeof(o->result), id->result);
		o->aligned = id->passed && (id->align == AM_DMARC_AL_STRICT ||
		    id->align == AM_DMARC_AL_RELAXED);
	}
}

void
am_failure_in_release(struct am_failure_in *in)
{
	am_buf_release(&in->hdrs);
}

void
am_failure_header_append(struct am_buf *hdrs, int *cut, const char *name,
    const char *value, int leadspc)
{
	size_t		 mark = hdrs->len;
	const char	*p;

	if (*cut)
		return;
	(void)am_buf_printf(hdrs, "%s:%s", name, leadspc ? "" : " ");
	for (p = value; *p != '\0'; p++) {
		if (*p == '\n' && (p == value || p[-1] != '\r'))
			(void)am_buf_appendc(hdrs, '\r');
		(void)am_buf_appendc(hdrs, *p);
	}
	(void)am_buf_appends(hdrs, "\r\n");
	if (hdrs->err) {
		hdrs->err = 0;
		am_buf_truncate(hdrs, mark);
		*cut = 1;
	}
}

/* ------------------------------------------------------------ fo */

/* Would a DKIM d= (or the SPF domain) align with the author, had it
 * passed?  Strict: the same name; relaxed: under the author's
 * Organizational Domain (or the author when that is unknown). */
static int
am_fr_would_align(const struct am_failure_in *in, const char *d, int strict)
{
	const char	*org = in->org_domain[0] != '\0' && !strict ?
			    in->org_domain : in->author;
	size_t		 ld = strlen(d), lo = strlen(org);

	if (strcasecmp(d, in->author) == 0)
		return 1;
	if (strict || lo == 0)
		return 0;
	return strcasecmp(d, org) == 0 || (ld > lo && d[ld - lo - 1] == '.' &&
	    strcasecmp(d + ld - lo, org) == 0);
}

unsigned
am_failure_triggers(const struct am_failure_in *in)
{
	unsigned	 t = 0;
	size_t		 i;

	if (!in->spf_aligned && !in->dkim_aligned)
		t |= AM_DMARC_FO_0;
	if (!in->spf_aligned || !in->dkim_aligned)
		t |= AM_DMARC_FO_1;
	for (i = 0; i < in->nident; i++) {
		if (in->ident[i].is_dkim && strcasecmp(in->ident[i].result,
		    "pass") != 0 && strcasecmp(in->ident[i].result, "none")
		    != 0)
			t |= AM_DMARC_FO_D;
		if (!in->ident[i].is_dkim && strcasecmp(in->ident[i].result,
		    "fail") == 0)
			t |= AM_DMARC_FO_S;
	}
	return t;
}

static int
am_fr_no(char *why, size_t wsize, const char *s)
{
	(void)snprintf(why, wsize, "%s", s);
	return 0;
}

int
am_failure_due(const struct am_failure_in *in, int on_none, char *why,
    size_t wsize)
{
	unsigned	 t;

	if (!in->have_policy)
		return am_fr_no(why, wsize, "no policy record");
	if (in->verdict != AM_DMARC_PASS && in->verdict != AM_DMARC_FAIL)
		return am_fr_no(why, wsize, "DMARC gave neither pass nor fail");
	if (in->rec.psd == AM_DMARC_PSD_Y)
		return am_fr_no(why, wsize, "psd=y record: ruf ignored "
		    "(RFC 9991 2)");
	if (in->rec.nruf == 0)
		return am_fr_no(why, wsize, "the record has no valid ruf");
	if (in->published == AM_DMARC_POLICY_NONE && !on_none)
		return am_fr_no(why, wsize, "p=none (FailureReportsOnNone "
		    "no)");
	t = am_failure_triggers(in) & in->rec.fo;
	if (t == 0)
		return am_fr_no(why, wsize, "no fo option holds");
	(void)snprintf(why, wsize, "fo=%s%s%s%s holds", (t & AM_DMARC_FO_0) ?
	    "0" : "", (t & AM_DMARC_FO_1) ? "1" : "", (t & AM_DMARC_FO_D) ?
	    "d" : "", (t & AM_DMARC_FO_S) ? "s" : "");
	return 1;
}

const char *
am_failure_id_align(const struct am_failure_in *in)
{
	if (!in->dkim_aligned && !in->spf_aligned)
		return "dkim, spf";
	if (!in->dkim_aligned)
		return "dkim";
	if (!in->spf_aligned)
		return "spf";
	return "none";
}

const struct am_failure_ident *
am_failure_dkim_reported(const struct am_failure_in *in)
{
	const struct am_failure_ident	*first = NULL;
	size_t				 i;

	for (i = 0; i < in->nident; i++) {
		const struct am_failure_ident *id = &in->ident[i];

		if (!id->is_dkim || strcasecmp(id->result, "pass") == 0)
			continue;
		if (am_fr_would_align(in, id->domain,
		    in->rec.adkim == AM_DMARC_ALIGN_STRICT))
			return id;
		if (first == NULL)
			first = id;
	}
	return first;
}

const struct am_failure_ident *
am_failure_spf_reported(const struct am_failure_in *in)
{
	size_t	 i;

	for (i = 0; i < in->nident; i++)
		if (!in->ident[i].is_dkim && in->ident[i].domain[0] != '\0' &&
		    strcasecmp(in->ident[i].result, "pass") != 0 &&
		    am_fr_would_align(in, in->ident[i].domain,
		    in->rec.aspf == AM_DMARC_ALIGN_STRICT))
			return &in->ident[i];
	return NULL;
}

/* ------------------------------------------------------------ mail */

/*
 * Text for a header field: controls but HTAB as '?'; a line break is
 * dropped, unless fold is set and WSP follows it (our own
 * Authentication-Results): then it stays a fold, CRLF.
 */
static void
am_fr_value(struct am_buf *out, const char *s, int fold)
{
	for (; *s != '\0'; s++) {
		if (*s == '\r')
			continue;
		if (*s == '\n') {
			if (fold && (s[1] == ' ' || s[1] == '\t'))
				(void)am_buf_appends(out, "\r\n");
			continue;
		}
		(void)am_buf_appendc(out, ((unsigned char)*s < 0x20 &&
		    *s != '\t') || (unsigned char)*s == 0x7f ? '?' : *s);
	}
}

static void
am_fr_text(struct am_buf *out, const char *s)
{
	am_fr_value(out, s, 0);
}

static void
am_fr_date(int64_t t, char *out, size_t size)
{
	time_t		 tt = (time_t)t;
	struct tm	 tm;

	(void)gmtime_r(&tt, &tm);
	(void)strftime(out, size, "%a, %d %b %Y %H:%M:%S +0000", &tm);
}

static void
am_fr_field(struct am_buf *out, const char *name, const char *v)
{
	if (v == NULL || v[0] == '\0')
		return;
	(void)am_buf_printf(out, "%s: ", name);
	am_fr_text(out, v);
	(void)am_buf_appends(out, "\r\n");
}

/* The message/feedback-report part's fields (RFC 6591, RFC 9991 3). */
static void
am_fr_fields(const struct am_failure_in *in, const struct am_failure_meta *m,
    struct am_buf *f)
{
	const struct am_failure_ident	*dk = am_failure_dkim_reported(in);
	const struct am_failure_ident	*sp = am_failure_spf_reported(in);
	char				 v[AM_FAILURE_ADDR + 8];

	(void)am_buf_printf(f, "Feedback-Type: auth-failure\r\nVersion: 1\r\n"
	    "User-Agent: %s\r\nAuth-Failure: dmarc\r\n", m->user_agent);
	am_fr_field(f, "Identity-Alignment", am_failure_id_align(in));
	if (in->authres[0] != '\0') {
		(void)am_buf_appends(f, "Authentication-Results: ");
		am_fr_value(f, in->authres, 1);
		(void)am_buf_appends(f, "\r\n");
	}
	am_fr_field(f, "Original-Envelope-Id", in->qid);
	(void)snprintf(v, sizeof(v), "<%s>", in->mail_from);
	am_fr_field(f, "Original-Mail-From", v);
	if (in->arrival > 0) {
		am_fr_date(in->arrival, v, sizeof(v));
		am_fr_field(f, "Arrival-Date", v);
	}
	am_fr_field(f, "Source-IP", in->source_ip);
	am_fr_field(f, "Reported-Domain", in->author);
	if (m->incidents > 1)
		(void)am_buf_printf(f, "Incidents: %llu\r\n",
		    (unsigned long long)m->incidents);
	if (dk != NULL) {
		am_fr_field(f, "DKIM-Domain", dk->domain);
		if (dk->identity[0] != '\0')
			am_fr_field(f, "DKIM-Identity", dk->identity);
		else {
			(void)snprintf(v, sizeof(v), "@%s", dk->domain);
			am_fr_field(f, "DKIM-Identity", v);
		}
		am_fr_field(f, "DKIM-Selector", dk->selector);
	}
	if (sp != NULL && m->spf_dns != NULL && m->spf_dns[0] != '\0') {
		(void)am_buf_printf(f, "SPF-DNS: txt : %s : ", sp->domain);
		am_fr_text(f, m->spf_dns);
		(void)am_buf_appends(f, "\r\n");
	}
}

static void
am_fr_part(struct am_buf *out, const struct am_buf *in,
    const struct am_failure_meta *m, int header)
{
	if (m->key != NULL && m->keylen > 0)
		am_failure_redact((const char *)in->data, in->len, m->key,
		    m->keylen, header, out);
	else
		(void)am_buf_append(out, in->data, in->len);
}

static int
am_fr_8bit(const struct am_buf *b)
{
	size_t	 i;

	for (i = 0; i < b->len; i++)
		if (b->data[i] >= 0x80)
			return 1;
	return 0;
}

int
am_failure_mail(const struct am_failure_in *in,
    const struct am_failure_meta *m, const char *const *to, size_t nto,
    struct am_buf *out, struct am_err *err)
{
	struct am_buf	 f;
	char		 when[64], arr[64];
	const char	*at = strrchr(m->from, '@');
	size_t		 i;

	am_fr_date(m->now, when, sizeof(when));
	am_fr_date(in->arrival > 0 ? in->arrival : m->now, arr, sizeof(arr));
	(void)am_buf_appends(out, "From: <");
	am_fr_text(out, m->from);
	(void)am_buf_appends(out, ">\r\nTo:");
	for (i = 0; i < nto; i++) {
		(void)am_buf_appends(out, i > 0 ? ",\r\n <" : " <");
		am_fr_text(out, to[i]);
		(void)am_buf_appendc(out, '>');
	}
	(void)am_buf_appends(out, "\r\nSubject: DMARC failure report for ");
	am_fr_text(out, in->author);
	(void)am_buf_printf(out, "\r\nDate: %s\r\nMessage-ID: <%s@%s>\r\n"
	    "Auto-Submitted: auto-generated\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/report; report-type=feedback-report;\r\n"
	    " boundary=\"=_am_%s\"\r\n\r\n", when, m->report_id,
	    at != NULL ? at + 1 : "localhost", m->report_id);
	(void)am_buf_printf(out, "This is a MIME-formatted message.\r\n\r\n"
	    "--=_am_%s\r\nContent-Type: text/plain; charset=us-ascii\r\n"
	    "Content-Transfer-Encoding: 7bit\r\n\r\n", m->report_id);
	(void)am_buf_appends(out, "This is a DMARC failure report (RFC 9991) "
	    "for an email message\r\nreceived from IP ");
	am_fr_text(out, in->source_ip[0] != '\0' ? in->source_ip : "unknown");
	(void)am_buf_printf(out, " on %s.\r\nThe message claimed to be from "
	    "the domain ", arr);
	am_fr_text(out, in->author);
	(void)am_buf_printf(out, ", and its\r\nauthentication failed to "
	    "produce an aligned pass for: %s.\r\n", am_failure_id_align(in));
	if (m->incidents > 1)
		(void)am_buf_printf(out, "%llu such messages from this IP were "
		    "folded into this report.\r\n",
		    (unsigned long long)m->incidents);
	(void)am_buf_printf(out, "The header fields are attached; the body is "
	    "not.\r\n\r\n--=_am_%s\r\nContent-Type: message/feedback-report\r\n"
	    "Content-Transfer-Encoding: 7bit\r\n\r\n", m->report_id);
	am_buf_init(&f, 65536);
	am_fr_fields(in, m, &f);
	am_fr_part(out, &f, m, 0);
	am_buf_release(&f);
	(void)am_buf_printf(out, "\r\n--=_am_%s\r\nContent-Type: "
	    "text/rfc822-headers\r\nContent-Transfer-Encoding: %s\r\n\r\n",
	    m->report_id, am_fr_8bit(&in->hdrs) ? "8bit" : "7bit");
	am_fr_part(out, &in->hdrs, m, 1);
	(void)am_buf_printf(out, "\r\n--=_am_%s--\r\n", m->report_id);
	if (out->err)
		return am_err_set(err, AM_E_LIMIT, "failure report: too large");
	return 0;
}
