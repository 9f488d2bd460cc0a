#ifndef AM_REPORT_SENDER_H
#define AM_REPORT_SENDER_H

/*
 * report_sender - the daemon sends the aggregate reports itself
 * (ReportSend yes): no cron job needed
 *
 * One thread wakes every minute.  When a period (ReportInterval, UTC)
 * has closed that it has not finished, it opens its own handle on the
 * store, claims the period (am_report_store_claim: with several nodes
 * on one PostgreSQL store, one builds and sends it) and runs lib/
 * report's report_send over it: external destinations checked through
 * the daemon's resolver, each report DKIM-signed with the key the
 * SigningTable (or Domain and KeyFile) gives ReportEmail's address,
 * submitted through ReportSendmail (at most ReportSendRate a minute,
 * spread evenly) with the envelope sender
 * local+<report-id>@domain, written to the ledger.  A period with a
 * destination deferred (DNS trouble) or a failure is run again every
 * 10 minutes until the next period closes; the ledger makes every
 * re-run send only what is missing.  The first run is a few seconds
 * after start, so a period that closed while the daemon was down is
 * sent too.  Decisions are logged: "report: sent ..." at info, errors
 * at warning, the rest at debug (LogWhy).
 *
 * The current snapshot is read at every wake-up, so a reload that sets
 * ReportSend, ReportStore or keys takes effect at the next one.
 *
 * Usage (main.c): am_report_sender_start(log) after the writer starts;
 * am_report_sender_stop() before the writer stops (a run in progress
 * stops before its next policy domain; the period is run again at the
 * next start, and the ledger keeps what was sent).
 */

#include <stddef.h>

#include "config.h"
#include "log.h"

#define AM_REPORT_NODE	256

int	am_report_sender_start(const struct am_log *);
/* This daemon's node name in the store ("host socket"): its claims
 * (am_claims) and its records (am_records.node). */
void	am_report_sender_node(const struct am_config *, char *out,
	    size_t size);
void	am_report_sender_stop(void);

#endif /* AM_REPORT_SENDER_H */
