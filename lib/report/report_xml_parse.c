/*
 * report_xml_parse - reading aggregate report XML from other receivers
 * (RFC 9990 and RFC 7489 shapes; see report_xml.h for the rules)
 */

#include <ctype.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mem.h"
#include "report_xml.h"

#define AM_XP_OLD_NS	"http://dmarc.org/dmarc-xml/0.1"

/* The first child element named name (any case, any namespace). */
static xmlNodePtr
am_xp_child(xmlNodePtr n, const char *name)
{
	xmlNodePtr	 c;

	for (c = n != NULL ? n->children : NULL; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
		    strcasecmp((const char *)c->name, name) == 0)
			return c;
	return NULL;
}

static int
am_xp_is(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE &&
	    strcasecmp((const char *)n->name, name) == 0;
}

/* The element's text, whitespace trimmed, cut to size; "" if absent. */
static void
am_xp_text(xmlNodePtr n, char *dst, size_t size)
{
	xmlChar		*t;
	const char	*s, *e;
	size_t		 len;

	dst[0] = '\0';
	if (n == NULL || (t = xmlNodeGetContent(n)) == NULL)
		return;
	s = (const char *)t;
	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	len = (size_t)(e - s);
	if (len >= size)
		len = size - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
	xmlFree(t);
}

static void
am_xp_lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

static void
am_xp_field(xmlNodePtr parent, const char *name, char *dst, size_t size,
    int lower)
{
	am_xp_text(am_xp_child(parent, name), dst, size);
	if (lower)
		am_xp_lower(dst);
}

static int
am_xp_int(xmlNodePtr n, int64_t *out)
{
	char	 buf[32], *end;
	long long v;

	am_xp_text(n, buf, sizeof(buf));
	if (buf[0] == '\0')
		return -1;
	v = strtoll(buf, &end, 10);
	if (*end != '\0' || v < 0)
		return -1;
	*out = v;
	return 0;
}

static int
am_xp_metadata(xmlNodePtr md, struct am_report_feedback *f,
    struct am_err *err)
{
	xmlNodePtr	 dr;

	if (md == NULL)
		return am_err_set(err, AM_E_SYNTAX, "no report_metadata");
	am_xp_field(md, "org_name", f->org_name, sizeof(f->org_name), 0);
	am_xp_field(md, "email", f->email, sizeof(f->email), 0);
	am_xp_field(md, "extra_contact_info", f->extra_contact,
	    sizeof(f->extra_contact), 0);
	am_xp_field(md, "report_id", f->report_id, sizeof(f->report_id), 0);
	am_xp_field(md, "error", f->error, sizeof(f->error), 0);
	am_xp_field(md, "generator", f->generator, sizeof(f->generator), 0);
	if (f->org_name[0] == '\0' || f->report_id[0] == '\0')
		return am_err_set(err, AM_E_SYNTAX, "report_metadata without "
		    "org_name or report_id");
	dr = am_xp_child(md, "date_range");
	if (dr == NULL || am_xp_int(am_xp_child(dr, "begin"), &f->begin) != 0 ||
	    am_xp_int(am_xp_child(dr, "end"), &f->end) != 0 ||
	    f->end < f->begin)
		return am_err_set(err, AM_E_SYNTAX, "no valid date_range");
	return 0;
}

static int
am_xp_policy(xmlNodePtr pp, struct am_report_feedback *f, struct am_err *err)
{
	struct am_report_policy	*p = &f->pol;

	if (pp == NULL)
		return am_err_set(err, AM_E_SYNTAX, "no policy_published");
	am_xp_field(pp, "domain", f->policy_domain, sizeof(f->policy_domain),
	    1);
	if (f->policy_domain[0] == '\0')
		return am_err_set(err, AM_E_SYNTAX, "policy_published without "
		    "domain");
	am_xp_field(pp, "p", p->p, sizeof(p->p), 1);
	am_xp_field(pp, "sp", p->sp, sizeof(p->sp), 1);
	am_xp_field(pp, "np", p->np, sizeof(p->np), 1);
	am_xp_field(pp, "adkim", p->adkim, sizeof(p->adkim), 1);
	am_xp_field(pp, "aspf", p->aspf, sizeof(p->aspf), 1);
	am_xp_field(pp, "fo", p->fo, sizeof(p->fo), 1);
	am_xp_field(pp, "testing", p->t, sizeof(p->t), 1);
	am_xp_field(pp, "discovery_method", p->discovery,
	    sizeof(p->discovery), 1);
	return 0;
}

static int
am_xp_auth(xmlNodePtr ar, struct am_report_row *r, struct am_report_dkim *dk,
    struct am_err *err)
{
	xmlNodePtr	 c;
	char		 scope[8];

	for (c = ar != NULL ? ar->children : NULL; c != NULL; c = c->next) {
		if (am_xp_is(c, "dkim")) {
			if (r->ndkim == AM_REPORT_DKIM_MAX)
				return am_err_set(err, AM_E_LIMIT, "more than "
				    "%d DKIM results in a record",
				    AM_REPORT_DKIM_MAX);
			memset(&dk[r->ndkim], 0, sizeof(dk[0]));
			am_xp_field(c, "domain", dk[r->ndkim].domain,
			    sizeof(dk->domain), 1);
			am_xp_field(c, "selector", dk[r->ndkim].selector,
			    sizeof(dk->selector), 0);
			am_xp_field(c, "result", dk[r->ndkim].result,
			    sizeof(dk->result), 1);
			r->ndkim++;
		} else if (am_xp_is(c, "spf")) {
			am_xp_field(c, "scope", scope, sizeof(scope), 1);
			/* RFC 7489 may list helo and mfrom: keep mfrom */
			if (r->spf_result[0] != '\0' &&
			    strcmp(scope, "mfrom") != 0)
				continue;
			am_xp_field(c, "domain", r->spf_domain,
			    sizeof(r->spf_domain), 1);
			am_xp_field(c, "result", r->spf_result,
			    sizeof(r->spf_result), 1);
			am_report_strlcpy(r->spf_scope, scope,
			    sizeof(r->spf_scope));
		}
	}
	return 0;
}

static int
am_xp_record(xmlNodePtr rec, struct am_report_feedback *f,
    struct am_report_dkim *dk, struct am_err *err)
{
	struct am_report_row	 r;
	xmlNodePtr		 row, pe, id, reason;
	int64_t			 count;

	memset(&r, 0, sizeof(r));
	row = am_xp_child(rec, "row");
	if (row == NULL || am_xp_int(am_xp_child(row, "count"), &count) != 0)
		return am_err_set(err, AM_E_SYNTAX, "a record without a row "
		    "count");
	r.count = (uint64_t)count;
	am_xp_field(row, "source_ip", r.source_ip, sizeof(r.source_ip), 1);
	if (r.source_ip[0] == '\0')
		return am_err_set(err, AM_E_SYNTAX, "a record without "
		    "source_ip");
	pe = am_xp_child(row, "policy_evaluated");
	am_xp_field(pe, "disposition", r.disposition, sizeof(r.disposition),
	    1);
	am_xp_field(pe, "dkim", r.dkim_eval, sizeof(r.dkim_eval), 1);
	am_xp_field(pe, "spf", r.spf_eval, sizeof(r.spf_eval), 1);
	if ((reason = am_xp_child(pe, "reason")) != NULL) {
		am_xp_field(reason, "type", r.reason, sizeof(r.reason), 1);
		am_xp_field(reason, "comment", r.reason_comment,
		    sizeof(r.reason_comment), 0);
	}
	id = am_xp_child(rec, "identifiers");
	am_xp_field(id, "header_from", r.header_from, sizeof(r.header_from),
	    1);
	am_xp_field(id, "envelope_from", r.envelope_from,
	    sizeof(r.envelope_from), 1);
	am_xp_field(id, "envelope_to", r.envelope_to, sizeof(r.envelope_to),
	    1);
	if (am_xp_auth(am_xp_child(rec, "auth_results"), &r, dk, err) != 0)
		return -1;
	r.dkim = dk;
	return am_report_feedback_add_row(f, &r, err);
}

static int
am_xp_feedback(xmlNodePtr root, struct am_report_feedback *f,
    struct am_err *err)
{
	struct am_report_dkim	*dk;
	xmlNodePtr		 c;
	int			 rc = 0;

	if (root == NULL || !am_xp_is(root, "feedback"))
		return am_err_set(err, AM_E_SYNTAX, "the root element is not "
		    "feedback");
	f->rfc7489 = root->ns == NULL || root->ns->href == NULL ||
	    strcmp((const char *)root->ns->href, AM_REPORT_NS) != 0;
	am_xp_field(root, "version", f->version, sizeof(f->version), 0);
	if (am_xp_metadata(am_xp_child(root, "report_metadata"), f, err) != 0 ||
	    am_xp_policy(am_xp_child(root, "policy_published"), f, err) != 0)
		return -1;
	dk = am_calloc(AM_REPORT_DKIM_MAX, sizeof(*dk));
	for (c = root->children; c != NULL && rc == 0; c = c->next)
		if (am_xp_is(c, "record"))
			rc = am_xp_record(c, f, dk, err);
	free(dk);
	return rc;
}

int
am_report_xml_parse(const char *s, size_t n, struct am_report_feedback *f,
    struct am_err *err)
{
	xmlDocPtr	 doc;
	int		 rc;

	am_report_feedback_init(f);
	if (n > AM_REPORT_XML_MAX)
		return am_err_set(err, AM_E_LIMIT, "report XML larger than "
		    "%u octets", AM_REPORT_XML_MAX);
	if (memmem(s, n, "<!DOCTYPE", 9) != NULL ||
	    memmem(s, n, "<!ENTITY", 8) != NULL)
		return am_err_set(err, AM_E_SYNTAX, "report XML with a DTD");
	doc = xmlReadMemory(s, (int)n, NULL, NULL, XML_PARSE_NONET |
	    XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	if (doc == NULL)
		return am_err_set(err, AM_E_SYNTAX, "not well-formed XML");
	if (doc->intSubset != NULL || doc->extSubset != NULL) {
		xmlFreeDoc(doc);
		return am_err_set(err, AM_E_SYNTAX, "report XML with a DTD");
	}
	rc = am_xp_feedback(xmlDocGetRootElement(doc), f, err);
	xmlFreeDoc(doc);
	return rc;
}
