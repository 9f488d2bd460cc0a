/*
 * report_store_pg - the PostgreSQL backend of report_store (libpq), for
 * sites where several MX hosts share one store
 *
 * Statements go through PQexecParams with text parameters (integers
 * written in decimal; the server infers the types from the columns)
 * and text results; statements without parameters through PQexec.
 * Schema migrations take a transaction-scoped advisory lock so that
 * daemons starting together migrate once.
 */

#include <libpq-fe.h>
#include <stdio.h>
#include <string.h>

#include "report_store_impl.h"

#define AM_PG_PARAMS	AM_SQL_PARAMS
#define AM_PG_COLS	64

static int
am_pg_exec(void *db, const char *sql, const struct am_sql_param *p, int np,
    am_sql_row_fn *fn, void *ctx, struct am_err *err)
{
	PGconn		*c = db;
	PGresult	*res;
	const char	*vals[AM_PG_PARAMS], *row[AM_PG_COLS];
	char		 nums[AM_PG_PARAMS][24];
	int		 i, k, nrow, ncol, rc = 0;

	if (np > AM_PG_PARAMS)
		return am_err_set(err, AM_E_USAGE, "postgresql: too many "
		    "parameters");
	for (i = 0; i < np; i++) {
		if (p[i].is_int) {
			(void)snprintf(nums[i], sizeof(nums[i]), "%lld",
			    (long long)p[i].i);
			vals[i] = nums[i];
		} else
			vals[i] = p[i].s != NULL ? p[i].s : "";
	}
	res = np > 0 ? PQexecParams(c, sql, np, NULL, vals, NULL, NULL, 0) :
	    PQexec(c, sql);
	switch (PQresultStatus(res)) {
	case PGRES_COMMAND_OK:
		break;
	case PGRES_TUPLES_OK:
		nrow = PQntuples(res);
		ncol = PQnfields(res);
		if (ncol > AM_PG_COLS)
			ncol = AM_PG_COLS;
		for (i = 0; fn != NULL && i < nrow; i++) {
			for (k = 0; k < ncol; k++)
				row[k] = PQgetisnull(res, i, k) ? "" :
				    PQgetvalue(res, i, k);
			if (fn(ctx, ncol, row) != 0)
				break;
		}
		break;
	default:
		rc = am_err_set(err, AM_E_IO, "postgresql: %s",
		    PQerrorMessage(c));
	}
	PQclear(res);
	return rc;
}

static void
am_pg_close(void *db)
{
	PQfinish(db);
}

static const struct am_report_backend am_pg_backend = {
	"postgresql", "BEGIN", am_pg_exec, am_pg_close,
	"SELECT pg_advisory_xact_lock(1634558322)"	/* "amrr" */
};

int
am_report_pg_open(const char *conninfo, struct am_report_store *st,
    struct am_err *err)
{
	PGconn	*c;

	c = PQconnectdb(conninfo);
	if (c == NULL)
		return am_err_set(err, AM_E_NOMEM, "postgresql: out of memory");
	if (PQstatus(c) != CONNECTION_OK) {
		(void)am_err_set(err, AM_E_IO, "postgresql: %s",
		    PQerrorMessage(c));
		PQfinish(c);
		return -1;
	}
	st->be = &am_pg_backend;
	st->db = c;
	return am_pg_exec(c, "SET client_min_messages TO warning", NULL, 0,
	    NULL, NULL, err);
}
