/*
 * report_store_sqlite - the SQLite backend of report_store: one file,
 * WAL journal, a busy timeout so several processes can share it
 */

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "report_store_impl.h"

#define AM_SQLITE_BUSY_MS	10000
#define AM_SQLITE_COLS		64

static int
am_sqlite_bind(sqlite3_stmt *st, const struct am_sql_param *p, int n)
{
	char	 name[16];
	int	 i, idx;

	for (i = 0; i < n; i++) {
		(void)snprintf(name, sizeof(name), "$%d", i + 1);
		if ((idx = sqlite3_bind_parameter_index(st, name)) == 0)
			continue;
		if ((p[i].is_int ? sqlite3_bind_int64(st, idx, p[i].i) :
		    sqlite3_bind_text(st, idx, p[i].s != NULL ? p[i].s : "",
		    -1, SQLITE_STATIC)) != SQLITE_OK)
			return -1;
	}
	return 0;
}

static int
am_sqlite_exec(void *db, const char *sql, const struct am_sql_param *p,
    int np, am_sql_row_fn *fn, void *ctx, struct am_err *err)
{
	sqlite3_stmt		*st = NULL;
	const char		*val[AM_SQLITE_COLS];
	const unsigned char	*t;
	int			 rc, i, ncol;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return am_err_set(err, AM_E_IO, "sqlite: %s",
		    sqlite3_errmsg(db));
	if (am_sqlite_bind(st, p, np) != 0) {
		(void)am_err_set(err, AM_E_IO, "sqlite: bind: %s",
		    sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return -1;
	}
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
	if (rc != SQLITE_DONE) {
		(void)am_err_set(err, AM_E_IO, "sqlite: %s",
		    sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

static void
am_sqlite_close(void *db)
{
	(void)sqlite3_close(db);
}

static const struct am_report_backend am_sqlite_backend = {
	"sqlite", "BEGIN IMMEDIATE", am_sqlite_exec, am_sqlite_close, NULL
};

int
am_report_sqlite_open(const char *path, struct am_report_store *st,
    struct am_err *err)
{
	sqlite3	*db = NULL;

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
	st->be = &am_sqlite_backend;
	st->db = db;
	if (am_sqlite_exec(db, "PRAGMA journal_mode=WAL", NULL, 0, NULL, NULL,
	    err) != 0 || am_sqlite_exec(db, "PRAGMA synchronous=NORMAL", NULL,
	    0, NULL, NULL, err) != 0) {
		(void)sqlite3_close(db);
		st->db = NULL;
		return -1;
	}
	return 0;
}
