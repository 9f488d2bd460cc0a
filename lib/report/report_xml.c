/*
 * report_xml - writing the RFC 9990 aggregate report XML
 */

#include <libxml/parser.h>
#include <libxml/xmlwriter.h>
#include <string.h>

#include "mem.h"
#include "report_xml.h"

void
am_report_xml_init(void)
{
	xmlInitParser();
}

/* s with every byte XML 1.0 cannot carry as '?' (controls other than
 * tab/newline, malformed UTF-8); caller frees. */
static char *
am_xml_clean(const char *s)
{
	size_t		 n = strlen(s), i = 0, k, len;
	unsigned char	 c;
	char		*o = am_malloc(n + 1);

	while (i < n) {
		c = (unsigned char)s[i];
		if (c < 0x80) {
			o[i] = (c < 0x20 && c != '\t' && c != '\n') || c == 0x7f ?
			    '?' : (char)c;
			i++;
			continue;
		}
		len = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 :
		    c >= 0xc2 && c < 0xe0 ? 2 : 0;
		if (c >= 0xf5)
			len = 0;
		for (k = 1; len != 0 && k < len; k++)
			if (i + k >= n || ((unsigned char)s[i + k] & 0xc0) != 0x80)
				len = 0;
		if (len == 0) {
			o[i++] = '?';
			continue;
		}
		memcpy(o + i, s + i, len);
		i += len;
	}
	o[n] = '\0';
	return o;
}

static int
am_xml_el(xmlTextWriterPtr w, const char *name, const char *val)
{
	char	*c = am_xml_clean(val);
	int	 rc;

	rc = xmlTextWriterWriteElement(w, BAD_CAST name, BAD_CAST c);
	free(c);
	return rc < 0 ? -1 : 0;
}

static int
am_xml_start(xmlTextWriterPtr w, const char *name)
{
	return xmlTextWriterStartElement(w, BAD_CAST name) < 0 ? -1 : 0;
}

static int
am_xml_end(xmlTextWriterPtr w)
{
	return xmlTextWriterEndElement(w) < 0 ? -1 : 0;
}

static int
am_xml_metadata(xmlTextWriterPtr w, const struct am_report_feedback *f)
{
	char	 num[32];
	int	 rc = 0;

	rc |= am_xml_start(w, "report_metadata");
	rc |= am_xml_el(w, "org_name", f->org_name);
	rc |= am_xml_el(w, "email", f->email);
	if (f->extra_contact[0] != '\0')
		rc |= am_xml_el(w, "extra_contact_info", f->extra_contact);
	rc |= am_xml_el(w, "report_id", f->report_id);
	rc |= am_xml_start(w, "date_range");
	(void)snprintf(num, sizeof(num), "%lld", (long long)f->begin);
	rc |= am_xml_el(w, "begin", num);
	(void)snprintf(num, sizeof(num), "%lld", (long long)f->end);
	rc |= am_xml_el(w, "end", num);
	rc |= am_xml_end(w);
	if (f->error[0] != '\0')
		rc |= am_xml_el(w, "error", f->error);
	if (f->generator[0] != '\0')
		rc |= am_xml_el(w, "generator", f->generator);
	rc |= am_xml_end(w);
	return rc;
}

static int
am_xml_policy(xmlTextWriterPtr w, const struct am_report_feedback *f)
{
	const struct am_report_policy	*p = &f->pol;
	int				 rc = 0;

	rc |= am_xml_start(w, "policy_published");
	rc |= am_xml_el(w, "domain", f->policy_domain);
	rc |= am_xml_el(w, "p", p->p[0] ? p->p : "none");
	if (p->sp[0] != '\0')
		rc |= am_xml_el(w, "sp", p->sp);
	if (p->np[0] != '\0')
		rc |= am_xml_el(w, "np", p->np);
	rc |= am_xml_el(w, "adkim", p->adkim[0] ? p->adkim : "r");
	rc |= am_xml_el(w, "aspf", p->aspf[0] ? p->aspf : "r");
	if (p->discovery[0] != '\0')
		rc |= am_xml_el(w, "discovery_method", p->discovery);
	if (p->fo[0] != '\0')
		rc |= am_xml_el(w, "fo", p->fo);
	rc |= am_xml_el(w, "testing", p->t[0] == 'y' ? "y" : "n");
	rc |= am_xml_end(w);
	return rc;
}

static int
am_xml_record(xmlTextWriterPtr w, const struct am_report_row *r)
{
	char	 num[32];
	size_t	 i;
	int	 rc = 0;

	rc |= am_xml_start(w, "record");
	rc |= am_xml_start(w, "row");
	rc |= am_xml_el(w, "source_ip", r->source_ip);
	(void)snprintf(num, sizeof(num), "%llu", (unsigned long long)r->count);
	rc |= am_xml_el(w, "count", num);
	rc |= am_xml_start(w, "policy_evaluated");
	rc |= am_xml_el(w, "disposition", r->disposition);
	rc |= am_xml_el(w, "dkim", r->dkim_eval);
	rc |= am_xml_el(w, "spf", r->spf_eval);
	if (r->reason[0] != '\0') {
		rc |= am_xml_start(w, "reason");
		rc |= am_xml_el(w, "type", r->reason);
		if (r->reason_comment[0] != '\0')
			rc |= am_xml_el(w, "comment", r->reason_comment);
		rc |= am_xml_end(w);
	}
	rc |= am_xml_end(w);	/* policy_evaluated */
	rc |= am_xml_end(w);	/* row */
	rc |= am_xml_start(w, "identifiers");
	rc |= am_xml_el(w, "header_from", r->header_from);
	rc |= am_xml_el(w, "envelope_from", r->envelope_from);
	if (r->envelope_to[0] != '\0')
		rc |= am_xml_el(w, "envelope_to", r->envelope_to);
	rc |= am_xml_end(w);
	rc |= am_xml_start(w, "auth_results");
	for (i = 0; i < r->ndkim && i < 100; i++) {	/* RFC 9990 3.3 */
		rc |= am_xml_start(w, "dkim");
		rc |= am_xml_el(w, "domain", r->dkim[i].domain);
		rc |= am_xml_el(w, "selector", r->dkim[i].selector);
		rc |= am_xml_el(w, "result", r->dkim[i].result);
		rc |= am_xml_end(w);
	}
	if (r->spf_result[0] != '\0') {
		rc |= am_xml_start(w, "spf");
		rc |= am_xml_el(w, "domain", r->spf_domain);
		rc |= am_xml_el(w, "scope", "mfrom");
		rc |= am_xml_el(w, "result", r->spf_result);
		rc |= am_xml_end(w);
	}
	rc |= am_xml_end(w);	/* auth_results */
	rc |= am_xml_end(w);	/* record */
	return rc;
}

int
am_report_xml_write(const struct am_report_feedback *f, struct am_buf *out,
    struct am_err *err)
{
	xmlBufferPtr		 b;
	xmlTextWriterPtr	 w;
	size_t			 i;
	int			 rc = 0;

	if ((b = xmlBufferCreate()) == NULL)
		return am_err_set(err, AM_E_NOMEM, "xmlBufferCreate");
	if ((w = xmlNewTextWriterMemory(b, 0)) == NULL) {
		xmlBufferFree(b);
		return am_err_set(err, AM_E_NOMEM, "xmlNewTextWriterMemory");
	}
	rc |= xmlTextWriterSetIndent(w, 1) < 0;
	rc |= xmlTextWriterSetIndentString(w, BAD_CAST "  ") < 0;
	rc |= xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL) < 0;
	rc |= xmlTextWriterStartElementNS(w, NULL, BAD_CAST "feedback",
	    BAD_CAST AM_REPORT_NS) < 0;
	rc |= am_xml_el(w, "version", "1.0");
	rc |= am_xml_metadata(w, f);
	rc |= am_xml_policy(w, f);
	for (i = 0; i < f->nrows && rc == 0; i++)
		rc |= am_xml_record(w, &f->rows[i]);
	rc |= xmlTextWriterEndDocument(w) < 0;
	xmlFreeTextWriter(w);
	if (rc == 0)
		(void)am_buf_append(out, xmlBufferContent(b),
		    (size_t)xmlBufferLength(b));
	xmlBufferFree(b);
	if (rc != 0)
		return am_err_set(err, AM_E_IO, "XML writer failed");
	if (out->err)
		return am_err_set(err, AM_E_LIMIT, "report XML too large");
	return 0;
}
