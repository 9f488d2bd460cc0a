#ifndef AM_REPORT_CAPTURE_H
#define AM_REPORT_CAPTURE_H

/*
 * report_capture - the daemon stores the aggregate reports (and
 * whatever else lib/report's import entry point reads: report_import.h)
 * that other receivers send to our report mailboxes, as the mail passes
 * (issue 11).  The message itself is never affected: it is delivered
 * (or not) exactly as without capture.
 *
 * Report mailboxes (am_config_report_mailbox): the ReportMailbox
 * addresses and ReportEmail, compared on the local part before '+' and
 * the domain.  Capture is on when ReportMailbox is set.
 *
 * Per message (session.c): a message with a report mailbox among its
 * recipients keeps a copy of itself as received (each header field as
 * "Name: value" CR LF, the empty line, the body) in its own memory,
 * bounded by ReportCaptureMaxSize: past it the copy is dropped (one log
 * line, counted as abandoned) and the message goes on.  At the end of
 * a message that is delivered now (action accept: not rejected,
 * tempfailed, discarded or quarantined) the copy is handed to a bounded
 * queue (AM_REPORT_CAPTURE_QUEUE messages and at most four times
 * ReportCaptureMaxSize octets); a full queue refuses it (counted,
 * logged).  A milter thread never waits on anything but the queue's
 * mutex.
 *
 * One capture thread takes each message off the queue and calls
 * am_report_import_buf with its own connection to ReportStore (as the
 * report writer's: SQLite in WAL mode takes a second connection,
 * PostgreSQL gets its own).  One log line per report found (reporter,
 * report id, policy domain, records) or per malformed one, escaped.
 * When the store cannot be opened or written the message is spooled
 * as a file NAME.eml in the directory ReportJournal + ".capture" and
 * imported from there once the store works (tried every 10 s, and at
 * the next start); a report stored twice is a duplicate, written once.
 * SIGTERM and reload drain the queue first: nothing queued is lost.
 *
 * DMARC evaluations of messages to a report mailbox are not recorded
 * for aggregate reports (session.c; counted here as skipped).
 *
 * Thread safety: the per-message functions belong to the message's
 * thread; push, skipped and the stats may be used from every thread;
 * start, reload and stop from one thread at a time.
 */

#include <stddef.h>

#include "config.h"
#include "log.h"

#define AM_REPORT_CAPTURE_QUEUE	64

struct am_report_capture;	/* one message's copy */

struct am_report_capture_stats {
	unsigned long	 queued;	/* messages taken into the queue */
	unsigned long	 dropped;	/* refused: queue full, stopped */
	unsigned long	 abandoned;	/* past ReportCaptureMaxSize */
	unsigned long	 stored;	/* reports stored */
	unsigned long	 dups;		/* reports stored before */
	unsigned long	 bad;		/* malformed reports, or none in it */
	unsigned long	 spooled;	/* messages to the spool directory */
	unsigned long	 replayed;	/* messages imported from it */
	unsigned long	 lost;		/* neither stored nor spooled */
	unsigned long	 skipped;	/* evaluation records not recorded */
	unsigned long	 waiting;	/* in the queue now */
};

/* Starts the capture thread; 0, or -1 (logged). */
int	am_report_capture_start(const struct am_config *,
	    const struct am_log *);
void	am_report_capture_reload(void);
/* Drains the queue, stops the thread, logs the counts. */
void	am_report_capture_stop(void);
void	am_report_capture_stats(struct am_report_capture_stats *);
/* One DMARC evaluation record not recorded (mail to a report
 * mailbox). */
void	am_report_capture_skipped(void);

/* A message's copy, when cfg captures and the thread runs; else NULL. */
struct am_report_capture *am_report_capture_new(const struct am_config *);
void	am_report_capture_header(struct am_report_capture *, const char *name,
	    const char *value, int leadspc, const struct am_log *);
void	am_report_capture_eoh(struct am_report_capture *,
	    const struct am_log *);
void	am_report_capture_body(struct am_report_capture *, const void *,
	    size_t, const struct am_log *);
/* Hands the copy to the capture thread (qid names it in the log) and
 * frees *c. */
void	am_report_capture_push(struct am_report_capture **, const char *qid,
	    const struct am_log *);
void	am_report_capture_free(struct am_report_capture **);

#endif /* AM_REPORT_CAPTURE_H */
