#ifndef AM_REPORT_IMPORT_H
#define AM_REPORT_IMPORT_H

/*
 * report_import - one input (a file's or a captured message's bytes)
 * into the store: the aggregate reports found in it (report_unpack.h:
 * XML, gzip, zip, a mail message, an mbox), each parsed
 * (report_xml.h) and stored (am_report_store_import: a report already
 * stored, same reporter, report id and period, is a duplicate and
 * written once); a delivery status notification of one of our reports
 * (report_bounce.h) suppresses the destination that bounced
 * (am_report_bounce_apply) and is never searched for reports.
 *
 * The one entry point of `authmilter-tool report import` (per file)
 * and of the daemon's report capture (per message, milter/
 * report_capture.c).  Each document's outcome goes to fn as data;
 * the caller decides what to print or log.
 *
 * Thread safety: as report_unpack.h (am_report_unpack_init once before
 * threads); the store handle is the caller's thread's.
 */

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "report_feedback.h"
#include "report_store.h"

enum am_report_import_kind {
	AM_REPORT_IMPORT_STORED,	/* a new report, stored */
	AM_REPORT_IMPORT_DUP,		/* stored before: nothing written */
	AM_REPORT_IMPORT_BAD,		/* not a report we can read */
	AM_REPORT_IMPORT_STORE_FAILED,	/* read, but the store failed */
	AM_REPORT_IMPORT_DSN		/* a DSN, acted on: see line */
};

/* One document's outcome; borrowed for the call. */
struct am_report_import_item {
	enum am_report_import_kind	 kind;
	const char			*what;	/* where it was found:
						 * "gzip", "zip:name", ... */
	const struct am_report_feedback	*f;	/* parsed (not for BAD) */
	const char			*error;	/* BAD, STORE_FAILED */
	const char			*line;	/* DSN: what was done */
};

struct am_report_import_counts {
	unsigned	 stored, dups, bad, store_failed, dsns;
};

typedef void am_report_import_fn(void *ctx,
    const struct am_report_import_item *);

/*
 * am_report_import_buf - imports every report in buf; now is the
 * import time stored with them; a DSN suppresses for suppress_days
 * (ReportSuppressDays).  Returns 0 when at least one document or DSN
 * was found (each one's outcome given to fn, if not NULL, and added to
 * counts), -1 when none was (err: why, e.g. "no report found").
 */
int	am_report_import_buf(struct am_report_store *, const void *buf,
	    size_t n, int64_t now, unsigned suppress_days,
	    am_report_import_fn *fn, void *ctx,
	    struct am_report_import_counts *counts, struct am_err *);

#endif /* AM_REPORT_IMPORT_H */
