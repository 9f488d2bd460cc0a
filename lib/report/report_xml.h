#ifndef AM_REPORT_XML_H
#define AM_REPORT_XML_H

/*
 * report_xml - the RFC 9990 aggregate report XML, both ways
 *
 * Writing (libxml2's xmlTextWriter): the urn:ietf:params:xml:ns:dmarc-2.0
 * namespace, <version>1.0</version>, the element order of
 * dmarc-xml-0.2.xsd (report_metadata: org_name, email,
 * extra_contact_info?, report_id, date_range, error?, generator;
 * policy_published: domain, p, sp?, np?, adkim, aspf,
 * discovery_method, fo?, testing; each record: row (source_ip, count,
 * policy_evaluated: disposition, dkim, spf, reason*), identifiers
 * (header_from, envelope_from, envelope_to?), auth_results (dkim*
 * with domain, selector always, result; at most one spf with scope
 * mfrom)); no pct.  Text is escaped by the writer; bytes that XML
 * cannot carry (controls, invalid UTF-8) are written as '?'.
 *
 * Reading (libxml2, no network, no DTD, no entities): RFC 9990 and
 * RFC 7489 reports, tolerant of a wrong or missing namespace, element
 * names in any case, whitespace around values; strict about structure
 * (feedback root, report_metadata with org_name, report_id and
 * date_range, policy_published with domain, each record's row with
 * source_ip and count) and sizes (AM_REPORT_XML_MAX octets,
 * AM_REPORT_ROWS_MAX records, AM_REPORT_DKIM_MAX DKIM results a
 * record, longer values cut at their field size).  Of several SPF
 * results (RFC 7489) the mfrom one is kept.
 *
 * Thread safety: call am_report_xml_init() once before threads.
 */

#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "report_feedback.h"

#define AM_REPORT_NS		"urn:ietf:params:xml:ns:dmarc-2.0"
#define AM_REPORT_XML_MAX	(64u * 1024 * 1024)

void	am_report_xml_init(void);
/* Appends the document to out; 0 or -1. */
int	am_report_xml_write(const struct am_report_feedback *,
	    struct am_buf *out, struct am_err *);
/* Parses into f (initialized here; release it even on failure). */
int	am_report_xml_parse(const char *, size_t,
	    struct am_report_feedback *f, struct am_err *);

#endif /* AM_REPORT_XML_H */
