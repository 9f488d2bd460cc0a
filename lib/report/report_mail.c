/*
 * report_mail - the RFC 5322 + MIME message carrying one aggregate
 * report (RFC 9990 3.5.2)
 */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base64.h"
#include "report_out.h"

void
am_report_subject(const char *domain, const char *receiver, const char *id,
    struct am_buf *out)
{
	(void)am_buf_printf(out, "Report Domain: %s Submitter: %s "
	    "Report-ID: <%s>", domain, receiver, id);
}

/* Bytes a header may not carry (CR, LF, controls) as '?'. */
static void
am_mail_hdrtext(struct am_buf *out, const char *s)
{
	for (; *s != '\0'; s++)
		(void)am_buf_appendc(out, (unsigned char)*s < 0x20 ||
		    (unsigned char)*s == 0x7f ? '?' : *s);
}

/* A display name as an RFC 5322 quoted-string. */
static void
am_mail_quoted(struct am_buf *out, const char *s)
{
	(void)am_buf_appendc(out, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			(void)am_buf_appendc(out, '\\');
		(void)am_buf_appendc(out, (unsigned char)*s < 0x20 ||
		    (unsigned char)*s >= 0x7f ? '?' : *s);
	}
	(void)am_buf_appendc(out, '"');
}

static void
am_mail_base64(struct am_buf *out, const unsigned char *p, size_t n)
{
	struct am_buf	 b64;
	size_t		 i;

	am_buf_init(&b64, 4 * (n / 3 + 2) + 16);
	(void)am_base64_encode(p, n, &b64);
	for (i = 0; i < b64.len; i += 76) {
		(void)am_buf_append(out, b64.data + i,
		    b64.len - i < 76 ? b64.len - i : 76);
		(void)am_buf_appends(out, "\r\n");
	}
	if (b64.err)
		out->err = 1;
	am_buf_release(&b64);
}

int
am_report_mail(const struct am_report_meta *m, const struct am_report_file *r,
    const char *const *to, size_t nto, int64_t date, struct am_buf *out,
    struct am_err *err)
{
	size_t				 i;
	const struct am_report_feedback	*f = r->f;
	char				 when[64], bound[64];
	time_t				 t = (time_t)date;
	struct tm			 tm;

	(void)gmtime_r(&t, &tm);
	(void)strftime(when, sizeof(when), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	(void)snprintf(bound, sizeof(bound), "=_am_%s", r->report_id);
	(void)am_buf_appends(out, "From: ");
	if (m->org_name != NULL && m->org_name[0] != '\0') {
		am_mail_quoted(out, m->org_name);
		(void)am_buf_appendc(out, ' ');
	}
	(void)am_buf_appends(out, "<");
	am_mail_hdrtext(out, m->email);
	(void)am_buf_appends(out, ">\r\nTo:");
	for (i = 0; i < nto; i++) {
		(void)am_buf_appends(out, i > 0 ? ",\r\n <" : " <");
		am_mail_hdrtext(out, to[i]);
		(void)am_buf_appendc(out, '>');
	}
	(void)am_buf_printf(out, "\r\nSubject: Report Domain: %s\r\n"
	    " Submitter: %s\r\n Report-ID: <%s>\r\n", f->policy_domain,
	    m->receiver, r->report_id);
	(void)am_buf_printf(out, "Date: %s\r\n", when);
	(void)am_buf_printf(out, "Message-ID: <%s@%s>\r\n", r->report_id,
	    m->receiver);
	(void)am_buf_appends(out, "Auto-Submitted: auto-generated\r\n"
	    "MIME-Version: 1.0\r\n");
	(void)am_buf_printf(out, "Content-Type: multipart/mixed;\r\n"
	    " boundary=\"%s\"\r\n\r\n", bound);
	(void)am_buf_printf(out, "This is a MIME message.\r\n\r\n--%s\r\n"
	    "Content-Type: text/plain; charset=us-ascii\r\n"
	    "Content-Transfer-Encoding: 7bit\r\n\r\n", bound);
	(void)am_buf_printf(out, "This is a DMARC aggregate report (RFC 9990) "
	    "from %s\r\nfor %s, covering %lld to %lld (UTC, seconds since "
	    "the epoch):\r\n%zu record(s), %llu message(s).  Report-ID %s."
	    "\r\n\r\n", m->receiver, f->policy_domain, (long long)f->begin,
	    (long long)f->end, f->nrows,
	    (unsigned long long)am_report_feedback_messages(f), r->report_id);
	(void)am_buf_printf(out, "--%s\r\nContent-Type: application/gzip;\r\n"
	    " name=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n"
	    "Content-Disposition: attachment;\r\n filename=\"%s\"\r\n\r\n",
	    bound, r->filename, r->filename);
	am_mail_base64(out, r->gz, r->gzlen);
	(void)am_buf_printf(out, "\r\n--%s--\r\n", bound);
	if (out->err)
		return am_err_set(err, AM_E_LIMIT, "report message too large");
	return 0;
}
