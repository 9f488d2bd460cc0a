#ifndef AM_FAILURE_SENDER_H
#define AM_FAILURE_SENDER_H

/*
 * failure_sender - the daemon's DMARC failure reports (RFC 9991;
 * FailureReports yes; lib/report/report_failure.h decides and builds)
 *
 * The milter thread never waits for a report.  With FailureReports yes
 * each message gets a capture (am_failure_msg_new): the reverse-path,
 * the client address and the header block as received (at most 64 KB:
 * fields past that are left out) are copied as they pass.  At the end
 * of the message, for each evaluated Author Domain for which a report
 * is due (am_failure_due, with FailureReportsOnNone), a copy of what
 * the report needs is pushed into a bounded queue of
 * FailureReportsQueueSize reports; a full queue refuses it (counted,
 * logged at most once a minute).  No report loops: a message that is
 * itself a report or a bounce (its engine kind is not "":
 * am_engine_kind, engine_kind.c), or one with a report mailbox among
 * its recipients (am_failure_msg_skip, from session.c), is never
 * reported.
 *
 * One thread takes reports off the queue:
 *  - folds repeats: the key is source IP, Author Domain, and which
 *    mechanisms failed to align; the first incident of a key goes out at
 *    once, repeats within FailureReportsWindow seconds become one report
 *    with an Incidents count at the window's end
 *    (report_failure_limit.h; in memory: a restart forgets);
 *  - each ruf mailto: destination of the record, external ones checked
 *    as rua destinations are (am_report_dest_check with ruf; DNS trouble
 *    drops the report for that destination, a failure report is not
 *    retried); at most FailureReportsRate reports per destination an
 *    hour;
 *  - looks up the SPF record for SPF-DNS when SPF did not pass for an
 *    aligned domain;
 *  - builds the report (redacted with FailureReportsRedact, keyed with
 *    FailureReportsRedactKey, else a random key made at start), From
 *    FailureReportsSentBy (else ReportEmail), DKIM-signed with the
 *    SigningTable/KeyFile key of that address's domain
 *    (am_report_dkim_sign), submitted as aggregate reports are
 *    (am_report_submitter: ReportSmtp, else ReportSendmail) with the
 *    envelope sender local+<report-id>@domain; a copy to each
 *    FailureReportsBcc address (same message, envelope recipient only);
 *  - with a ReportStore: a destination on its suppression list gets
 *    nothing (an unreadable store: nothing is sent), and each report
 *    sent goes into the ledger (begin = end = arrival) so that a bounce
 *    naming its id suppresses the destination (report_bounce.h).
 * Decisions are logged: "failure report: sent ..." at info, refusals at
 * debug (LogWhy), errors at warning.
 *
 * Usage:
 *	am_failure_sender_start(cfg, log);	main.c, after privileges drop
 *	fm = am_failure_msg_new(cfg);		session.c, per message ...
 *	am_failure_msg_mailfrom(fm, arg); am_failure_msg_header(fm, ...);
 *	am_failure_msg_client(fm, ip);
 *	am_failure_msg_eom(&fm, engine, qid, log);	pushes, frees
 *	am_failure_sender_stop();		main.c: logs the counts
 *
 * The thread keeps the ReportStore open across reports (again after
 * a reload that changes ReportStore, or after a failure).
 *
 * Stopping (SIGTERM) does not wait for DNS or sendmail: reports still
 * queued, and repeats held for folding, are dropped (the queued ones
 * counted as refused).
 *
 * Thread safety: a capture belongs to its message's thread; the queue
 * is shared (a mutex held for a few pointer moves); start and stop from
 * one thread.
 */

#include "config.h"
#include "engine.h"
#include "log.h"

struct am_failure_msg;

struct am_failure_sender_stats {
	unsigned long	 queued;	/* taken into the queue */
	unsigned long	 dropped;	/* refused: queue full, stopped */
	unsigned long	 sent;		/* messages submitted */
	unsigned long	 folded;	/* repeats counted into another */
	unsigned long	 limited;	/* refused by FailureReportsRate */
	unsigned long	 refused;	/* destinations not authorized */
	unsigned long	 suppressed;	/* destinations suppressed */
	unsigned long	 failed;	/* build, sign or submit failed */
};

int	am_failure_sender_start(const struct am_config *,
	    const struct am_log *);
void	am_failure_sender_stop(void);
void	am_failure_sender_stats(struct am_failure_sender_stats *);

/* NULL when cfg has FailureReports no or the sender is not running. */
struct am_failure_msg *am_failure_msg_new(const struct am_config *);
void	am_failure_msg_mailfrom(struct am_failure_msg *, const char *arg);
void	am_failure_msg_client(struct am_failure_msg *, const char *ip);
/* Never report this message; why: static text, logged (the first kept). */
void	am_failure_msg_skip(struct am_failure_msg *, const char *why);
void	am_failure_msg_header(struct am_failure_msg *, const char *name,
	    const char *value, int leadspc);
/* After am_engine_eom: queues the reports due; frees *fm. */
void	am_failure_msg_eom(struct am_failure_msg **,
	    const struct am_engine *, const char *qid, const struct am_log *);
void	am_failure_msg_free(struct am_failure_msg **);

#endif /* AM_FAILURE_SENDER_H */
