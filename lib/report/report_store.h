#ifndef AM_REPORT_STORE_H
#define AM_REPORT_STORE_H

/*
 * report_store - where report records, the sent-report ledger and
 * imported reports live: SQLite (one file, WAL) or PostgreSQL, one
 * schema for both, versioned migrations (report_schema.c)
 *
 * The store speaks SQL through a small backend interface
 * (report_store_impl.h: exec a statement with text/integer parameters,
 * rows back as text), so every query below is written once, for both
 * backends.
 *
 * URIs: "sqlite:PATH" (created with the schema if missing);
 * "postgresql:CONNINFO" (a libpq conninfo string, e.g. "host=/run/
 * postgresql dbname=authmilter"; the schema is created on first use).
 *
 * Usage (the daemon's writer thread, the only caller that inserts):
 *	am_report_store_open("sqlite:/var/lib/authmilter/reports.db", &st, &err);
 *	am_report_store_insert(st, recs, n, &err);	(one transaction)
 *	am_report_store_close(&st);
 *
 * Thread safety: one store handle per thread.  Several processes may
 * use one database (SQLite: WAL and a busy timeout; PostgreSQL: its
 * own locking).
 */

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "report_feedback.h"
#include "report_record.h"

struct am_report_store;

int	am_report_store_open(const char *uri, struct am_report_store **,
	    struct am_err *);
void	am_report_store_close(struct am_report_store **);
/* The schema version the store is at after open (migrations applied). */
int	am_report_store_version(struct am_report_store *);

/* The node (MX host) the records inserted from now on name: "" until
 * set; cut to 255 bytes. */
void	am_report_store_set_node(struct am_report_store *, const char *node);

/* Inserts n records in one transaction: all or none. */
int	am_report_store_insert(struct am_report_store *,
	    const struct am_report_record *, size_t n, struct am_err *);
/* The same, marking journal_id done in that transaction (as
 * am_report_store_insert_stream). */
int	am_report_store_insert_id(struct am_report_store *,
	    const struct am_report_record *, size_t n, const char *journal_id,
	    struct am_err *);

/* Inserts every record next() gives (1: *out is the next record; 0:
 * no more; -1: stop and roll back) and, when journal_id is not NULL,
 * marks that id done (a journal's, or the daemon writer's batch id),
 * all in one transaction.  0; -1 when nothing was stored (rolled back);
 * -2 when the COMMIT itself failed, so that whether the records were
 * stored is unknown (the connection broke): with a journal_id,
 * am_report_store_journal_done tells, once the store is back. */
typedef int am_report_next_fn(void *ctx, struct am_report_record *out);
int	am_report_store_insert_stream(struct am_report_store *,
	    am_report_next_fn *next, void *ctx, const char *journal_id,
	    size_t *n, struct am_err *);
/* Is the journal with this id already stored? */
int	am_report_store_journal_done(struct am_report_store *,
	    const char *journal_id, int *done, struct am_err *);
/* Forgets the done ids marked before "before" (s since the epoch). */
int	am_report_store_journal_prune(struct am_report_store *,
	    int64_t before, struct am_err *);

typedef int am_report_record_fn(void *ctx, const struct am_report_record *);
/* Calls fn for every record with begin <= time < end (and policy
 * domain, unless NULL), oldest first; fn returning non-zero stops. */
int	am_report_store_records(struct am_report_store *, int64_t begin,
	    int64_t end, const char *policy_domain, am_report_record_fn *,
	    void *ctx, struct am_err *);

/* A policy domain with one published configuration seen in a period. */
struct am_report_config {
	char			 policy_domain[AM_REPORT_DOMAIN];
	struct am_report_policy	 pol;
	uint64_t		 messages;
};
typedef int am_report_config_fn(void *ctx, const struct am_report_config *);
/* Each (policy domain, configuration) with records in [begin, end). */
int	am_report_store_configs(struct am_report_store *, int64_t begin,
	    int64_t end, am_report_config_fn *, void *ctx, struct am_err *);
/* The rows (grouped records with counts) of one configuration, in a
 * stable order, added to f. */
int	am_report_store_rows(struct am_report_store *, int64_t begin,
	    int64_t end, const struct am_report_config *,
	    struct am_report_feedback *f, struct am_err *);

/* The ledger of sent reports: aggregate reports with their period,
 * failure reports (milter/failure_sender.c) with begin = end = the
 * arrival time of the message reported. */
int	am_report_store_sent_find(struct am_report_store *,
	    const char *policy_domain, int64_t begin, int64_t end,
	    const char *destination, const char *report_id, int *found,
	    struct am_err *);
int	am_report_store_sent_add(struct am_report_store *,
	    const char *policy_domain, int64_t begin, int64_t end,
	    const char *destination, const char *report_id, int64_t when,
	    struct am_err *);

/*
 * am_report_store_claim - with several nodes (MX hosts) on one store,
 * exactly one builds and sends a period: the first to claim it.  *mine
 * is set when node holds the claim (newly or from before).  A claim
 * older than stale seconds (its node died) is taken over.  One
 * transaction; concurrent claims are serialized by the database.
 */
int	am_report_store_claim(struct am_report_store *, int64_t begin,
	    int64_t end, const char *node, int64_t now, int64_t stale,
	    int *mine, struct am_err *);

/*
 * Abuse protection (report_store_abuse.c).
 *
 * am_report_store_earning - why policy_domain is, or is not, reported
 * for [begin, end): its records in the period counted by what earns a
 * report.  A record earns one when it is ordinary mail (kind "") and
 * either passed DMARC or comes from a header From domain that has
 * passed DMARC at least once in the store's whole history (any record,
 * any time).  Reports, TLS reports, DSNs and non-passing mail from a
 * never-passing From domain do not earn one; they are counted in the
 * report when something else earned it.
 */
struct am_report_earning {
	uint64_t	 messages;	/* all records in the period */
	uint64_t	 earning;	/* records that earn a report */
	uint64_t	 reports, tlsrpt, dsn;	/* by kind */
	uint64_t	 never_passing;	/* ordinary, failing, From domain
					 * never passing */
};
int	am_report_store_earning(struct am_report_store *, int64_t begin,
	    int64_t end, const char *policy_domain,
	    struct am_report_earning *, struct am_err *);

/* Aggregate reports sent at or after since, to destination (all when
 * NULL); failure reports (begin = end) are not counted. */
int	am_report_store_sent_count(struct am_report_store *,
	    const char *destination, int64_t since, uint64_t *n,
	    struct am_err *);
/* Calls fn with each destination the report with this id went to,
 * by address (none when it is not in the ledger); non-zero stops. */
typedef int am_report_dest_fn(void *ctx, const char *destination);
int	am_report_store_sent_dests(struct am_report_store *,
	    const char *report_id, am_report_dest_fn *, void *ctx,
	    struct am_err *);

/*
 * The suppression list: destinations never sent to until expires (s
 * since the epoch).  Addresses are compared as given: callers pass
 * them with the domain lower-cased (as report_send keeps them).  add
 * replaces an entry for the same address.
 */
struct am_report_suppressed {
	char		 address[320];
	char		 reason[512];
	int64_t		 added, expires;
};
int	am_report_store_suppress_add(struct am_report_store *,
	    const char *address, const char *reason, int64_t now,
	    int64_t expires, struct am_err *);
/* *removed: 1 when an entry was there. */
int	am_report_store_suppress_remove(struct am_report_store *,
	    const char *address, int *removed, struct am_err *);
/* *found: 1 (and *out filled when not NULL) when address is on the list
 * and expires after now. */
int	am_report_store_suppress_find(struct am_report_store *,
	    const char *address, int64_t now, int *found,
	    struct am_report_suppressed *out, struct am_err *);
typedef int am_report_suppressed_fn(void *ctx,
	    const struct am_report_suppressed *);
/* Every entry that expires after now, by address. */
int	am_report_store_suppress_list(struct am_report_store *, int64_t now,
	    am_report_suppressed_fn *, void *ctx, struct am_err *);

/* Stores an imported report; *dup is set when the same (reporter org,
 * report id, period) was stored before (nothing is written then). */
int	am_report_store_import(struct am_report_store *,
	    const struct am_report_feedback *, int64_t when, int *dup,
	    struct am_err *);

/* An imported row with its report's identity. */
struct am_report_irow {
	char			 org_name[256];
	char			 report_id[256];
	int64_t			 begin, end;
	char			 policy_domain[AM_REPORT_DOMAIN];
	struct am_report_row	 row;	/* row.dkim points into the irow */
	struct am_report_dkim	 dkim[AM_REPORT_DKIM_MAX];
};
typedef int am_report_irow_fn(void *ctx, const struct am_report_irow *);
/* Imported rows of reports whose period ends after since (and of one
 * policy domain unless NULL), by policy domain, org, source IP. */
int	am_report_store_imported(struct am_report_store *, int64_t since,
	    const char *policy_domain, am_report_irow_fn *, void *ctx,
	    struct am_err *);

#endif /* AM_REPORT_STORE_H */
