#ifndef AM_REPORT_STORE_IMPL_H
#define AM_REPORT_STORE_IMPL_H

/*
 * report_store_impl - the backend interface under report_store
 *
 * A backend runs one SQL statement at a time.  Statements use $1..$n
 * placeholders (PostgreSQL syntax; SQLite accepts them as named
 * parameters) and only portable SQL: TEXT, BIGINT, INTEGER, GROUP BY,
 * ON CONFLICT DO NOTHING.  Rows come back as text (NULL as "").
 */

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* am_records: its columns, and the records one INSERT carries
 * (report_store.c); the backends take that many parameters at most. */
#define AM_REC_NCOLS	28
#define AM_REC_ROWS	16
#define AM_SQL_PARAMS	(AM_REC_ROWS * AM_REC_NCOLS)

struct am_sql_param {
	int		 is_int;
	int64_t		 i;
	const char	*s;
};

typedef int am_sql_row_fn(void *ctx, int ncol, const char *const *val);

/* A text or an integer parameter. */
static inline void
am_sql_text(struct am_sql_param *p, const char *s)
{
	p->is_int = 0;
	p->i = 0;
	p->s = s;
}

static inline void
am_sql_int(struct am_sql_param *p, int64_t i)
{
	p->is_int = 1;
	p->i = i;
	p->s = NULL;
}

struct am_report_backend {
	const char	*name;
	/* the statement that opens a write transaction */
	const char	*begin_sql;
	int		(*exec)(void *db, const char *sql,
			    const struct am_sql_param *, int nparam,
			    am_sql_row_fn *, void *ctx, struct am_err *);
	void		(*close)(void *db);
	/* run after begin_sql by migrations, or NULL: serializes
	 * concurrent migrations where begin_sql does not */
	const char	*migrate_lock_sql;
};

struct am_store_chunk;

struct am_report_store {
	const struct am_report_backend	*be;
	void				*db;
	int				 version;
	char				 node[256];	/* am_records.node */
	struct am_store_chunk		*chunk;	/* report_store.c's */
};

/* Backends: open the database behind the URI's rest. */
int	am_report_sqlite_open(const char *path, struct am_report_store *,
	    struct am_err *);
int	am_report_pg_open(const char *conninfo, struct am_report_store *,
	    struct am_err *);

/* Brings the schema to the newest version (report_schema.c). */
int	am_report_schema_migrate(struct am_report_store *, struct am_err *);

#endif /* AM_REPORT_STORE_IMPL_H */
