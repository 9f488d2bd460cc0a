#ifndef AM_REPORT_UNPACK_H
#define AM_REPORT_UNPACK_H

/*
 * report_unpack - finds the aggregate report XML documents inside what
 * reporters send: raw XML, gzip (.xml.gz), zip (libzip), a mail
 * message or an mbox of them (GMime 3) with the report attached, and
 * any nesting of those up to AM_REPORT_UNPACK_DEPTH levels
 *
 * Recognised by content, not by name: the gzip magic, the zip local
 * header "PK\3\4", XML ('<' after optional BOM and whitespace), an
 * mbox ("From " at the start), else a mail message.  In a message
 * every leaf part whose type is application/gzip, application/x-gzip,
 * application/zip, application/x-zip(-compressed), text/xml,
 * application/xml or application/octet-stream, or whose file name
 * ends .xml, .gz or .zip, is unpacked; message/rfc822 parts are
 * entered.  Limits: AM_REPORT_XML_MAX octets for anything unpacked,
 * AM_REPORT_UNPACK_ENTRIES zip entries, AM_REPORT_UNPACK_PARTS parts a
 * message.  Hostile input gives an error, never a crash or a hang.
 *
 * A message that is a delivery status notification (report_bounce.h)
 * is never searched for reports (it may return one of our own): it is
 * handed to the bounce function of am_report_unpack_dsn, and skipped
 * by am_report_unpack.
 *
 * Thread safety: call am_report_unpack_init() once before threads.
 */

#include <stddef.h>

#include "err.h"

#define AM_REPORT_UNPACK_DEPTH		4
#define AM_REPORT_UNPACK_ENTRIES	64
#define AM_REPORT_UNPACK_PARTS		256

/* Called for each XML document found; what names where it was found
 * ("gzip", "zip:name", "mime:filename").  Non-zero stops. */
typedef int am_report_xml_fn(void *ctx, const char *xml, size_t n,
    const char *what);

void	am_report_unpack_init(void);
/* 0 when at least one document was found (and fn never failed);
 * -1 otherwise, with the reason. */
int	am_report_unpack(const void *, size_t, am_report_xml_fn *, void *ctx,
	    struct am_err *);

/* The same, and each DSN (a top-level message of a mail or an mbox)
 * goes to bfn (NULL: skipped), non-zero from it stopping; 0 when at
 * least one document or DSN was found. */
struct am_report_bounce;
typedef int am_report_bounce_fn(void *ctx, const struct am_report_bounce *);
int	am_report_unpack_dsn(const void *, size_t, am_report_xml_fn *,
	    am_report_bounce_fn *bfn, void *ctx, struct am_err *);

#endif /* AM_REPORT_UNPACK_H */
