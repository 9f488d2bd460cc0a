/*
 * report_schema - the store's schema and its versioned migrations
 *
 * One schema for SQLite and PostgreSQL: TEXT, BIGINT and INTEGER
 * columns only, no autoincrement, no backend-specific types.  Each
 * migration is a list of statements run in one transaction together
 * with the version bump; a store is always at a version listed here.
 * Never edit a released migration: append a new one.
 */

#include <stdlib.h>
#include <string.h>

#include "report_store_impl.h"

static const char *const am_schema_v1[] = {
	/* every DMARC evaluation with a policy (report_record.h) */
	"CREATE TABLE am_records ("
	" ts BIGINT NOT NULL, node TEXT NOT NULL,"
	" policy_domain TEXT NOT NULL, header_from TEXT NOT NULL,"
	" envelope_from TEXT NOT NULL, envelope_to TEXT NOT NULL,"
	" source_ip TEXT NOT NULL, verdict TEXT NOT NULL,"
	" dkim_eval TEXT NOT NULL, spf_eval TEXT NOT NULL,"
	" disposition TEXT NOT NULL, override TEXT NOT NULL,"
	" override_comment TEXT NOT NULL, dkim TEXT NOT NULL,"
	" spf_domain TEXT NOT NULL, spf_result TEXT NOT NULL,"
	" p TEXT NOT NULL, sp TEXT NOT NULL, np TEXT NOT NULL,"
	" adkim TEXT NOT NULL, aspf TEXT NOT NULL, fo TEXT NOT NULL,"
	" t TEXT NOT NULL, psd TEXT NOT NULL, discovery TEXT NOT NULL,"
	" rua TEXT NOT NULL)",
	"CREATE INDEX am_records_ts ON am_records (ts, policy_domain)",
	/* the ledger: a report sent is never sent again */
	"CREATE TABLE am_sent ("
	" policy_domain TEXT NOT NULL, period_begin BIGINT NOT NULL,"
	" period_end BIGINT NOT NULL, destination TEXT NOT NULL,"
	" report_id TEXT NOT NULL, sent_at BIGINT NOT NULL,"
	" PRIMARY KEY (policy_domain, period_begin, period_end,"
	" destination, report_id))",
	/* reports received from others, once per (org, id, period) */
	"CREATE TABLE am_imported ("
	" reporter_org TEXT NOT NULL, report_id TEXT NOT NULL,"
	" period_begin BIGINT NOT NULL, period_end BIGINT NOT NULL,"
	" reporter_email TEXT NOT NULL, policy_domain TEXT NOT NULL,"
	" p TEXT NOT NULL, sp TEXT NOT NULL, np TEXT NOT NULL,"
	" adkim TEXT NOT NULL, aspf TEXT NOT NULL, t TEXT NOT NULL,"
	" shape TEXT NOT NULL, imported_at BIGINT NOT NULL,"
	" PRIMARY KEY (reporter_org, report_id, period_begin, period_end))",
	"CREATE TABLE am_imported_rows ("
	" reporter_org TEXT NOT NULL, report_id TEXT NOT NULL,"
	" period_begin BIGINT NOT NULL, period_end BIGINT NOT NULL,"
	" source_ip TEXT NOT NULL, msgs BIGINT NOT NULL,"
	" disposition TEXT NOT NULL, dkim_eval TEXT NOT NULL,"
	" spf_eval TEXT NOT NULL, reason TEXT NOT NULL,"
	" reason_comment TEXT NOT NULL, header_from TEXT NOT NULL,"
	" envelope_from TEXT NOT NULL, envelope_to TEXT NOT NULL,"
	" dkim TEXT NOT NULL, spf_domain TEXT NOT NULL,"
	" spf_result TEXT NOT NULL)",
	"CREATE INDEX am_imported_rows_key ON am_imported_rows"
	" (reporter_org, report_id, period_begin, period_end)",
	NULL
};

/* v2: journals already replayed (report_journal.h) */
static const char *const am_schema_v2[] = {
	"CREATE TABLE am_journal_done ("
	" journal_id TEXT NOT NULL PRIMARY KEY, done_at BIGINT NOT NULL)",
	NULL
};

/* v3: which node builds and sends a period (am_report_store_claim) */
static const char *const am_schema_v3[] = {
	"CREATE TABLE am_claims ("
	" period_begin BIGINT NOT NULL, period_end BIGINT NOT NULL,"
	" node TEXT NOT NULL, claimed_at BIGINT NOT NULL,"
	" PRIMARY KEY (period_begin, period_end))",
	NULL
};

/* v4: abuse protection (report_store_abuse.c): what kind of message a
 * record is (only "" earns a report), the history of passing From
 * domains, sends per destination, and the suppression list */
static const char *const am_schema_v4[] = {
	"ALTER TABLE am_records ADD COLUMN kind TEXT NOT NULL DEFAULT ''",
	"CREATE INDEX am_records_from ON am_records (header_from, verdict)",
	"CREATE INDEX am_sent_dest ON am_sent (destination, sent_at)",
	"CREATE INDEX am_sent_id ON am_sent (report_id)",
	"CREATE TABLE am_suppressed ("
	" address TEXT NOT NULL PRIMARY KEY, reason TEXT NOT NULL,"
	" added_at BIGINT NOT NULL, expires_at BIGINT NOT NULL)",
	NULL
};

/* v5: a record may stand for several identical evaluations (the
 * daemon's writer folds those of one batch and one hour): n messages;
 * every query counts SUM(n), never rows */
static const char *const am_schema_v5[] = {
	"ALTER TABLE am_records ADD COLUMN n BIGINT NOT NULL DEFAULT 1",
	NULL
};

static const char *const *const am_schema_migrations[] = {
	am_schema_v1,
	am_schema_v2,
	am_schema_v3,
	am_schema_v4,
	am_schema_v5,
};
#define AM_SCHEMA_VERSIONS \
	((int)(sizeof(am_schema_migrations) / sizeof(am_schema_migrations[0])))

static int
am_schema_version_row(void *ctx, int ncol, const char *const *val)
{
	int	*v = ctx;

	if (ncol > 0 && val[0][0] != '\0')
		*v = atoi(val[0]);
	return 0;
}

static int
am_schema_exec(struct am_report_store *st, const char *sql,
    struct am_err *err)
{
	return st->be->exec(st->db, sql, NULL, 0, NULL, NULL, err);
}

int
am_report_schema_migrate(struct am_report_store *st, struct am_err *err)
{
	struct am_sql_param	 p;
	int			 v = 0, i, k;

	if (am_schema_exec(st, st->be->begin_sql, err) != 0)
		return -1;
	if (st->be->migrate_lock_sql != NULL &&
	    am_schema_exec(st, st->be->migrate_lock_sql, err) != 0)
		goto fail;
	if (am_schema_exec(st, "CREATE TABLE IF NOT EXISTS am_schema"
	    " (version INTEGER NOT NULL)", err) != 0 ||
	    st->be->exec(st->db, "SELECT MAX(version) FROM am_schema", NULL,
	    0, am_schema_version_row, &v, err) != 0)
		goto fail;
	if (v > AM_SCHEMA_VERSIONS) {
		(void)am_err_set(err, AM_E_UNSUPPORTED, "report store schema "
		    "version %d is newer than this program (%d)", v,
		    AM_SCHEMA_VERSIONS);
		goto fail;
	}
	for (i = v; i < AM_SCHEMA_VERSIONS; i++) {
		for (k = 0; am_schema_migrations[i][k] != NULL; k++)
			if (am_schema_exec(st, am_schema_migrations[i][k],
			    err) != 0)
				goto fail;
		memset(&p, 0, sizeof(p));
		p.is_int = 1;
		p.i = i + 1;
		if (st->be->exec(st->db, "INSERT INTO am_schema (version)"
		    " VALUES ($1)", &p, 1, NULL, NULL, err) != 0)
			goto fail;
	}
	if (am_schema_exec(st, "COMMIT", err) != 0)
		goto fail;
	st->version = AM_SCHEMA_VERSIONS;
	return 0;
fail:
	(void)am_schema_exec(st, "ROLLBACK", NULL);
	return -1;
}
