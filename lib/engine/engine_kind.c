/*
 * engine_kind - what kind of message this is, for the report record
 * (dmarc_report.h kind): a report about mail ("report", "tlsrpt"), a
 * delivery status notification ("dsn"), or anything else ("")
 *
 * Aggregate reporting does not let such a message earn a report by
 * itself (lib/report/report_send.h): reports about reports and bounces
 * are how a reporter becomes a spam cannon.  Decided from the header
 * block alone, the first rule that matches:
 *	tlsrpt	a TLS-Report-Domain or TLS-Report-Submitter field (RFC
 *		8460 5.3), or Content-Type multipart/report with
 *		report-type=tlsrpt
 *	report	Content-Type multipart/report with
 *		report-type=feedback-report (RFC 6591 AFRF: DMARC failure
 *		reports), or a Subject starting "Report Domain:" (RFC 9990
 *		5.1; after any "Re:"/"Fwd:") on a message whose top-level
 *		type is any multipart type, application/zip, application/gzip,
 *		application/x-gzip, application/x-zip-compressed,
 *		application/xml, text/xml or application/octet-stream
 *	dsn	the null reverse-path (MAIL FROM:<>), or Content-Type
 *		multipart/report with report-type=delivery-status (RFC
 *		3464) or disposition-notification (RFC 8098)
 */

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "engine_impl.h"

#define AM_KIND_VALUE	1024

/* The field's value unfolded, lower-cased, at most size - 1 octets. */
static void
am_kind_value(const struct am_hdr *h, char *out, size_t size)
{
	size_t	 i, k = 0;
	char	 c;

	for (i = 0; i < h->value_len && k + 1 < size; i++) {
		c = h->value[i];
		if (c == '\r' || c == '\n')
			continue;
		out[k++] = (char)tolower((unsigned char)(c == '\t' ? ' ' : c));
	}
	out[k] = '\0';
}

/* The report-type parameter of a lower-cased Content-Type value, or
 * "" (quotes removed). */
static void
am_kind_report_type(const char *ct, char *out, size_t size)
{
	const char	*p = ct, *q;
	size_t		 n;

	out[0] = '\0';
	while ((p = strchr(p, ';')) != NULL) {
		p++;
		while (*p == ' ')
			p++;
		if (strncmp(p, "report-type", 11) != 0)
			continue;
		for (q = p + 11; *q == ' '; q++)
			;
		if (*q != '=')
			continue;
		for (q++; *q == ' ' || *q == '"'; q++)
			;
		for (n = 0; q[n] != '\0' && q[n] != '"' && q[n] != ';' &&
		    q[n] != ' ' && n + 1 < size; n++)
			out[n] = q[n];
		out[n] = '\0';
		return;
	}
}

/* Does the lower-cased Content-Type value name a report's carrier? */
static int
am_kind_carrier(const char *ct)
{
	static const char *const types[] = {
		"multipart/", "application/zip", "application/gzip",
		"application/x-gzip", "application/x-zip-compressed",
		"application/xml", "text/xml", "application/octet-stream",
		NULL
	};
	size_t	 i;

	while (*ct == ' ')
		ct++;
	for (i = 0; types[i] != NULL; i++)
		if (strncmp(ct, types[i], strlen(types[i])) == 0)
			return 1;
	return 0;
}

/* Does the lower-cased Subject value start "report domain:" (after any
 * reply or forward prefixes)? */
static int
am_kind_subject(const char *s)
{
	for (;;) {
		while (*s == ' ')
			s++;
		if (strncmp(s, "re:", 3) == 0)
			s += 3;
		else if (strncmp(s, "fwd:", 4) == 0)
			s += 4;
		else if (strncmp(s, "fw:", 3) == 0)
			s += 3;
		else
			break;
	}
	return strncmp(s, "report domain:", 14) == 0;
}

const char *
am_engine_kind_of(const struct am_hdrs *hs, int null_sender)
{
	const struct am_hdr	*h;
	char			 v[AM_KIND_VALUE], ct[AM_KIND_VALUE] = "";
	char			 rt[64] = "";
	size_t			 i, n = hs != NULL ? am_hdrs_count(hs) : 0;
	int			 subject = 0, have_ct = 0;

	for (i = 0; i < n; i++) {
		h = am_hdrs_get(hs, i);
		if (am_hdr_name_is(h->name, h->name_len, "TLS-Report-Domain") ||
		    am_hdr_name_is(h->name, h->name_len,
		    "TLS-Report-Submitter"))
			return "tlsrpt";
		if (am_hdr_name_is(h->name, h->name_len, "Content-Type") &&
		    !have_ct) {
			have_ct = 1;
			am_kind_value(h, ct, sizeof(ct));
		} else if (am_hdr_name_is(h->name, h->name_len, "Subject") &&
		    !subject) {
			am_kind_value(h, v, sizeof(v));
			subject = am_kind_subject(v) ? 1 : -1;
		}
	}
	if (strncmp(ct + strspn(ct, " "), "multipart/report", 16) == 0)
		am_kind_report_type(ct, rt, sizeof(rt));
	if (strcmp(rt, "tlsrpt") == 0)
		return "tlsrpt";
	if (strcmp(rt, "feedback-report") == 0 ||
	    (subject == 1 && am_kind_carrier(ct)))
		return "report";
	if (null_sender || strcmp(rt, "delivery-status") == 0 ||
	    strcmp(rt, "disposition-notification") == 0)
		return "dsn";
	return "";
}
