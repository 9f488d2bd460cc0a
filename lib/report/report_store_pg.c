/*
 * report_store_pg - the PostgreSQL backend of report_store (libpq)
 *
 * Not built yet: "postgresql:" stores fail with AM_E_UNSUPPORTED.  The
 * SQL in report_store.c and report_schema.c is already the same for
 * both backends; this file only has to run one statement with $n
 * parameters and hand back text rows (report_store_impl.h).
 */

#include "report_store_impl.h"

int
am_report_pg_open(const char *conninfo, struct am_report_store *st,
    struct am_err *err)
{
	(void)conninfo;
	(void)st;
	return am_err_set(err, AM_E_UNSUPPORTED, "postgresql report stores "
	    "are not built in yet");
}
