#ifndef AM_REPORT_BOUNCE_H
#define AM_REPORT_BOUNCE_H

/*
 * report_bounce - bounces of the reports we sent: a delivery status
 * notification (RFC 3464: multipart/report; report-type=delivery-status
 * with a message/delivery-status part) that names one of our reports
 * puts the destination that report went to on the suppression list
 * (report_store.h), so a bouncing destination gets no more reports
 * for ReportSuppressDays days
 *
 * The report is named by its Report-ID (32 lower-case hex digits,
 * report_out.h), found, in this order, in:
 *  - the envelope sender we used, local+<report-id>@domain
 *    (report_send.h), as the DSN's To, Delivered-To, X-Original-To or
 *    Envelope-To;
 *  - the returned header (text/rfc822-headers or message/rfc822):
 *    "Report-ID: <id>" in its Subject, else its Message-ID <id@...>.
 * The first per-recipient block with "Action: failed" and a 5.x.x
 * Status makes the DSN a permanent failure (delayed, relayed,
 * delivered and 4.x.x ones change nothing).
 *
 * Only the top-level message is looked at: a DSN forwarded inside
 * another message is not one.  Hostile input gives a defined result
 * (not a DSN, or fields cut at their sizes), never a crash.
 *
 * Thread safety: am_report_unpack_init() once before threads; then no
 * shared state.
 */

#include <stddef.h>
#include <stdint.h>

#include "report_out.h"
#include "report_store.h"

struct am_report_bounce {
	char	 report_id[AM_REPORT_ID_LEN + 1];	/* "": none named */
	int	 failed;		/* a permanent failure */
	char	 action[16];		/* of the block used, lower-case */
	char	 status[16];		/* "5.1.1"; "" when absent */
	char	 recipient[320];	/* Final-Recipient's address */
	char	 original[320];		/* Original-Recipient's, "" */
	char	 diagnostic[200];	/* Diagnostic-Code, unfolded */
};

/*
 * am_report_bounce_of - is the GMimeMessage msg (a GMimeMessage *,
 * given as void * so this header needs no GMime) a DSN?  1 and *out
 * filled when it is, else 0.
 */
int	am_report_bounce_of(void *msg, struct am_report_bounce *out);
/* The same for a raw message (one, not an mbox): 1 a DSN, 0 not. */
int	am_report_bounce_parse(const void *, size_t,
	    struct am_report_bounce *out);

/*
 * am_report_bounce_apply - acts on a DSN: for a permanent failure of a
 * report in the ledger, suppresses the destination it went to (when
 * the report went to several, the one the DSN names as its Final- or
 * Original-Recipient) until now + days.  line gets what was done, in
 * the tool's words: "suppressed ADDR (report ID bounced: STATUS)", or
 * "DSN ...: ignored: why".  0, or -1 (store error, err set).
 */
int	am_report_bounce_apply(struct am_report_store *,
	    const struct am_report_bounce *, int64_t now, unsigned days,
	    char *line, size_t size, struct am_err *);

#endif /* AM_REPORT_BOUNCE_H */
