#ifndef AM_REPORT_WRITER_H
#define AM_REPORT_WRITER_H

/*
 * report_writer - the daemon's DMARC report recorder (RFC 9990
 * aggregate report records, issue 11)
 *
 * The engine hands each message's report records to a sink
 * (lib/dmarc/dmarc_report.h).  With ReportRecord the daemon's sink logs
 * the record as before, converts it (am_report_record_from_dmarc, into
 * one allocation the queue then owns: what lib/report's
 * am_report_push_sink does, without its copy) and pushes it into a
 * bounded in-memory queue of ReportQueueSize records; one writer
 * thread takes batches of up to 256 off the queue and inserts each in
 * one transaction into the store (ReportStore).  The writer is woken
 * when a batch is full, else every 250 ms: no wake-up and no commit
 * per message.  A milter thread never
 * waits on a disk or a database: a push only takes a mutex held for a
 * few pointer moves, and a full queue refuses the record (counted,
 * logged by the writer at most once a minute, and in the stats).
 *
 * When the store cannot be opened or written, the batch is appended to
 * the journal (ReportJournal); the writer retries the store every 10 s
 * and, once it works, replays the journal into it (exactly once: see
 * report_journal.h) before any new batch.  SIGTERM (stop) and a reload
 * drain the queue first: nothing queued is lost.  A reload that changes
 * ReportStore or ReportJournal switches after the drain.
 *
 * Usage (main.c and session.c):
 *	am_report_writer_start(cfg, log);	after privileges are dropped
 *	am_report_writer_sink(cfg, &opts.report);	per message
 *	am_report_writer_reload();		after each reload
 *	am_report_writer_stop();		after the milter stopped
 *
 * Thread safety: am_report_writer_sink's sink and the stats may be used
 * from every thread; start, reload and stop from one thread at a time.
 */

#include "config.h"
#include "dmarc_report.h"
#include "log.h"

struct am_report_writer_stats {
	unsigned long	 pushed;	/* taken into the queue */
	unsigned long	 dropped;	/* refused: queue full, stopped */
	unsigned long	 no_policy;	/* nothing to report to */
	unsigned long	 stored;	/* inserted into the store */
	unsigned long	 spooled;	/* appended to the journal */
	unsigned long	 replayed;	/* moved from journal to store */
	unsigned long	 lost;		/* taken by no store, no journal */
	unsigned long	 queued;	/* waiting now */
};

/* Starts the writer thread (with cfg's store, journal and queue size);
 * 0, or -1 (logged) when the thread cannot start. */
int	am_report_writer_start(const struct am_config *,
	    const struct am_log *);
/* When cfg records and the writer runs, sets sink to log each record
 * to its ctx (a struct am_log *, kept) and queue it; else no change. */
void	am_report_writer_sink(const struct am_config *,
	    struct am_dmarc_report_sink *);
/* Drains the queue, then takes the current snapshot's store and
 * journal. */
void	am_report_writer_reload(void);
/* Drains the queue, stops the thread, logs the counts. */
void	am_report_writer_stop(void);
void	am_report_writer_stats(struct am_report_writer_stats *);

#endif /* AM_REPORT_WRITER_H */
