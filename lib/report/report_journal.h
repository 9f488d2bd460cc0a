#ifndef AM_REPORT_JOURNAL_H
#define AM_REPORT_JOURNAL_H

/*
 * report_journal - the spool for report records the store could not
 * take (database down), and the sink the engine hands records to
 *
 * The journal is a text file: a first line "AMJ1 <id>" (a random id
 * naming this journal), then one record a line: "AMR1", then every
 * field of struct am_report_record in a fixed order, each written "="
 * and the value with every byte outside [A-Za-z0-9._-] as %XX, fields
 * separated by one space.  Lines are appended with O_APPEND and one
 * write(2) each batch, so a crash leaves at most a cut last line,
 * which replay skips and counts.  Each batch starts with a line
 * "AMB1 <batch-id>" when the daemon's writer does not know whether the
 * store took it (the COMMIT failed: am_report_store_insert_stream's
 * -2), "AMB1 -" otherwise; replay skips (and counts) the records of a
 * batch whose id the store has marked done, so a batch that was stored
 * after all is not stored twice.  Replay first renames the file to
 * "<path>.replay" (new records then start a new journal), then stores
 * all its records and the journal's id (table am_journal_done) in one
 * transaction, then removes it: a store that fails leaves the file for
 * the next replay (nothing lost), and a crash after the commit finds
 * the id done and only removes the file (nothing stored twice).
 *
 * The sink: am_report_push_sink() is an am_dmarc_report_sink function
 * (lib/dmarc/dmarc_report.h) that converts each record and hands it to
 * the caller's push function, which must not block (the daemon's
 * bounded queue).  Records without a policy are counted and not
 * pushed; push failures (queue full) are counted as dropped.  The
 * counters are updated atomically: the sink may be called from every
 * milter thread at once.
 *
 * Thread safety: the journal functions are not (one writer thread).
 */

#include <stddef.h>

#include "dmarc_report.h"
#include "err.h"
#include "report_record.h"
#include "report_store.h"

#define AM_REPORT_JOURNAL_LINE	65536

struct am_report_push {
	/* 0 taken, -1 refused (queue full): counted in dropped */
	int			(*push)(void *ctx,
				    const struct am_report_record *);
	void			*ctx;
	unsigned long		 pushed, dropped, no_policy;
};

/* ctx is a struct am_report_push. */
void	am_report_push_sink(void *ctx, const struct am_dmarc_report *);

/* One record as a journal line (with its '\n'); -1 if it does not fit. */
int	am_report_journal_format(const struct am_report_record *, char *out,
	    size_t size);
/* A journal line (without or with its '\n') back; -1 if malformed. */
int	am_report_journal_parse(const char *line, struct am_report_record *);

/* Appends n records to the journal at path (created 0600), as one
 * batch: batch is its id when the store may have taken it already
 * (am_report_store_journal_done tells at replay), else NULL. */
int	am_report_journal_append(const char *path,
	    const struct am_report_record *, size_t n, const char *batch,
	    struct am_err *);
/* Moves the journal's records into the store; *stored, *bad (cut or
 * malformed lines, skipped) and *dup (records of batches the store had
 * taken after all, skipped) are set.  A missing journal is 0; -1
 * leaves the journal for the next try. */
int	am_report_journal_replay(const char *path, struct am_report_store *,
	    size_t *stored, size_t *bad, size_t *dup, struct am_err *);

#endif /* AM_REPORT_JOURNAL_H */
