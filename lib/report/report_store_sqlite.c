/*
 * report_store_sqlite - the SQLite backend of report_store: one file,
 * WAL journal, a busy timeout so several processes can share it
 */

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "report_store_impl.h"

#define AM_SQLITE_BUSY_MS	10000
#define AM_SQLITE_COLS		64
#define AM_SQLITE_CACHE		16	/* prepared statements kept */
#define AM_SQLITE_PARAMS	AM_SQL_PARAMS	/* $1..$N looked up once */

/*
 * The handle: the connection and a small cache of prepared statements,
 * each with the index of its $1..$N parameters, so the writer's
 * INSERT is parsed once, not once per record.  A statement is reset
 * after each use; one in use (a row callback running a query itself)
 * is not taken again: that query gets its own statement.
 */
struct am_sqlite_stmt {
	char		*sql;
	sqlite3_stmt	*st;
	int		 busy;
	int		 idx[AM_SQLITE_PARAMS];
};

struct am_sqlite {
	sqlite3			*db;
	struct am_sqlite_stmt	 c[AM_SQLITE_CACHE];
	unsigned		 next;	/* the slot replaced next */
};

static int
am_sqlite_bind(sqlite3_stmt *st, const int *cidx, const struct am_sql_param *p,
    int n)
{
	char	 name[16];
	int	 i, idx;

	for (i = 0; i < n; i++) {
		if (cidx != NULL && i < AM_SQLITE_PARAMS)
			idx = cidx[i];
		else {
			(void)snprintf(name, sizeof(name), "$%d", i + 1);
			idx = sqlite3_bind_parameter_index(st, name);
		}
		if (idx == 0)
			continue;
		if ((p[i].is_int ? sqlite3_bind_int64(st, idx, p[i].i) :
		    sqlite3_bind_text(st, idx, p[i].s != NULL ? p[i].s : "",
		    -1, SQLITE_STATIC)) != SQLITE_OK)
			return -1;
	}
	return 0;
}

/* The cached statement for sql, prepared on first use; NULL when the
 * cached one is busy (the caller prepares its own). */
static struct am_sqlite_stmt *
am_sqlite_cached(struct am_sqlite *h, const char *sql, struct am_err *err,
    int *failed)
{
	struct am_sqlite_stmt	*c;
	sqlite3_stmt		*st;
	char			 name[16];
	unsigned		 i, n;

	*failed = 0;
	for (i = 0; i < AM_SQLITE_CACHE; i++)
		if (h->c[i].sql != NULL && strcmp(h->c[i].sql, sql) == 0)
			return h->c[i].busy ? NULL : &h->c[i];
	if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK) {
		*failed = 1;
		(void)am_err_set(err, AM_E_IO, "sqlite: %s",
		    sqlite3_errmsg(h->db));
		return NULL;
	}
	for (i = 0; i < AM_SQLITE_CACHE; i++)	/* a free one, else next */
		if (h->c[(h->next + i) % AM_SQLITE_CACHE].busy == 0)
			break;
	if (i == AM_SQLITE_CACHE) {
		sqlite3_finalize(st);
		return NULL;
	}
	c = &h->c[(h->next + i) % AM_SQLITE_CACHE];
	h->next = (h->next + i + 1) % AM_SQLITE_CACHE;
	sqlite3_finalize(c->st);
	free(c->sql);
	c->sql = strdup(sql);
	c->st = st;
	if (c->sql == NULL) {
		sqlite3_finalize(st);
		c->st = NULL;
		return NULL;
	}
	memset(c->idx, 0, sizeof(c->idx));
	n = (unsigned)sqlite3_bind_parameter_count(st);
	for (i = 0; i < AM_SQLITE_PARAMS && i < n; i++) {
		(void)snprintf(name, sizeof(name), "$%u", i + 1);
		c->idx[i] = sqlite3_bind_parameter_index(st, name);
	}
	return c;
}

static int
am_sqlite_run(sqlite3 *db, sqlite3_stmt *st, am_sql_row_fn *fn, void *ctx,
    struct am_err *err)
{
	const char		*val[AM_SQLITE_COLS];
	const unsigned char	*t;
	int			 rc, i, ncol;

	ncol = sqlite3_column_count(st);
	if (ncol > AM_SQLITE_COLS)
		ncol = AM_SQLITE_COLS;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (fn == NULL)
			continue;
		for (i = 0; i < ncol; i++) {
			t = sqlite3_column_text(st, i);
			val[i] = t != NULL ? (const char *)t : "";
		}
		if (fn(ctx, ncol, val) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		return am_err_set(err, AM_E_IO, "sqlite: %s",
		    sqlite3_errmsg(db));
	return 0;
}

static int
am_sqlite_exec(void *hp, const char *sql, const struct am_sql_param *p,
    int np, am_sql_row_fn *fn, void *ctx, struct am_err *err)
{
	struct am_sqlite	*h = hp;
	struct am_sqlite_stmt	*c;
	sqlite3_stmt		*st = NULL;
	int			 rc, failed;

	if ((c = am_sqlite_cached(h, sql, err, &failed)) == NULL) {
		if (failed)
			return -1;
		if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK)
			return am_err_set(err, AM_E_IO, "sqlite: %s",
			    sqlite3_errmsg(h->db));
	} else {
		st = c->st;
		c->busy = 1;
	}
	if (am_sqlite_bind(st, c != NULL ? c->idx : NULL, p, np) != 0)
		rc = am_err_set(err, AM_E_IO, "sqlite: bind: %s",
		    sqlite3_errmsg(h->db));
	else
		rc = am_sqlite_run(h->db, st, fn, ctx, err);
	if (c != NULL) {
		(void)sqlite3_reset(st);
		(void)sqlite3_clear_bindings(st);
		c->busy = 0;
	} else
		sqlite3_finalize(st);
	return rc;
}

static void
am_sqlite_close(void *hp)
{
	struct am_sqlite	*h = hp;
	unsigned		 i;

	for (i = 0; i < AM_SQLITE_CACHE; i++) {
		sqlite3_finalize(h->c[i].st);
		free(h->c[i].sql);
	}
	(void)sqlite3_close(h->db);
	free(h);
}

static const struct am_report_backend am_sqlite_backend = {
	"sqlite", "BEGIN IMMEDIATE", am_sqlite_exec, am_sqlite_close, NULL
};

int
am_report_sqlite_open(const char *path, struct am_report_store *st,
    struct am_err *err)
{
	struct am_sqlite	*h;
	sqlite3			*db = NULL;

	if (path == NULL || *path == '\0')
		return am_err_set(err, AM_E_USAGE, "sqlite: no file name");
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		(void)am_err_set(err, AM_E_IO, "sqlite: %s: %s", path,
		    db != NULL ? sqlite3_errmsg(db) : "out of memory");
		(void)sqlite3_close(db);
		return -1;
	}
	(void)sqlite3_busy_timeout(db, AM_SQLITE_BUSY_MS);
	h = am_calloc(1, sizeof(*h));
	h->db = db;
	st->be = &am_sqlite_backend;
	st->db = h;
	if (am_sqlite_exec(h, "PRAGMA journal_mode=WAL", NULL, 0, NULL, NULL,
	    err) != 0 || am_sqlite_exec(h, "PRAGMA synchronous=NORMAL", NULL,
	    0, NULL, NULL, err) != 0) {
		am_sqlite_close(h);
		st->db = NULL;
		return -1;
	}
	return 0;
}
