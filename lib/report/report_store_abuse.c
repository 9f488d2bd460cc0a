/*
 * report_store_abuse - what keeps the reporter from being abused
 * (report_store.h): which records earn a report, sends per
 * destination, the suppression list
 */

#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "report_store.h"
#include "report_store_impl.h"

static int
am_ab_exec(struct am_report_store *st, const char *sql,
    const struct am_sql_param *p, int n, am_sql_row_fn *fn, void *ctx,
    struct am_err *err)
{
	return st->be->exec(st->db, sql, p, n, fn, ctx, err);
}

static int
am_ab_flag(void *ctx, int ncol, const char *const *v)
{
	(void)ncol;
	(void)v;
	*(int *)ctx = 1;
	return 1;
}

static int
am_ab_u64(void *ctx, int ncol, const char *const *v)
{
	if (ncol > 0)
		*(uint64_t *)ctx = strtoull(v[0], NULL, 10);
	return 1;
}

/* ----------------------------------------------------------- earning */

/* The failing ordinary mail of the period, by From domain. */
struct am_ab_from {
	char		 domain[AM_REPORT_DOMAIN];
	uint64_t	 n;
};

struct am_ab_earn {
	struct am_report_earning	*e;
	struct am_ab_from		*from;
	size_t				 n, cap;
};

static int
am_ab_earn_row(void *ctx, int ncol, const char *const *v)
{
	struct am_ab_earn		*q = ctx;
	struct am_report_earning	*e = q->e;
	uint64_t			 n;

	if (ncol < 4)
		return 1;
	n = strtoull(v[3], NULL, 10);
	e->messages += n;
	if (strcmp(v[0], "report") == 0)
		e->reports += n;
	else if (strcmp(v[0], "tlsrpt") == 0)
		e->tlsrpt += n;
	else if (strcmp(v[0], "dsn") == 0)
		e->dsn += n;
	else if (strcmp(v[1], "pass") == 0)
		e->earning += n;
	else {
		if (q->n == q->cap) {
			q->cap = q->cap ? 2 * q->cap : 16;
			q->from = am_realloc(q->from, q->cap *
			    sizeof(*q->from));
		}
		am_report_strlcpy(q->from[q->n].domain, v[2],
		    sizeof(q->from[q->n].domain));
		q->from[q->n++].n = n;
	}
	return 0;
}

int
am_report_store_earning(struct am_report_store *st, int64_t begin,
    int64_t end, const char *domain, struct am_report_earning *e,
    struct am_err *err)
{
	struct am_ab_earn	 q;
	struct am_sql_param	 p[3];
	size_t			 i;
	int			 rc, passed;

	memset(e, 0, sizeof(*e));
	memset(&q, 0, sizeof(q));
	q.e = e;
	am_sql_int(&p[0], begin);
	am_sql_int(&p[1], end);
	am_sql_text(&p[2], domain);
	rc = am_ab_exec(st, "SELECT kind, verdict, header_from, SUM(n)"
	    " FROM am_records WHERE ts >= $1 AND ts < $2 AND"
	    " policy_domain = $3 GROUP BY kind, verdict, header_from"
	    " ORDER BY header_from", p, 3, am_ab_earn_row, &q, err);
	/* The history is asked after the rows are read: one statement at
	 * a time on a handle. */
	for (i = 0; rc == 0 && i < q.n; i++) {
		passed = 0;
		am_sql_text(&p[0], q.from[i].domain);
		rc = am_ab_exec(st, "SELECT 1 FROM am_records WHERE"
		    " header_from = $1 AND verdict = 'pass' LIMIT 1", p, 1,
		    am_ab_flag, &passed, err);
		if (passed)
			e->earning += q.from[i].n;
		else
			e->never_passing += q.from[i].n;
	}
	free(q.from);
	return rc;
}

/* ------------------------------------------------------------ ledger */

int
am_report_store_sent_count(struct am_report_store *st, const char *dest,
    int64_t since, uint64_t *n, struct am_err *err)
{
	struct am_sql_param	 p[2];

	*n = 0;
	am_sql_int(&p[0], since);
	if (dest == NULL)
		return am_ab_exec(st, "SELECT COUNT(*) FROM am_sent WHERE"
		    " sent_at >= $1 AND period_end > period_begin", p, 1,
		    am_ab_u64, n, err);
	am_sql_text(&p[1], dest);
	return am_ab_exec(st, "SELECT COUNT(*) FROM am_sent WHERE"
	    " sent_at >= $1 AND destination = $2 AND period_end >"
	    " period_begin", p, 2, am_ab_u64, n, err);
}

struct am_ab_dest {
	am_report_dest_fn	*fn;
	void			*ctx;
};

static int
am_ab_dest_row(void *ctx, int ncol, const char *const *v)
{
	struct am_ab_dest	*d = ctx;

	return ncol > 0 ? d->fn(d->ctx, v[0]) : 1;
}

int
am_report_store_sent_dests(struct am_report_store *st, const char *rid,
    am_report_dest_fn *fn, void *ctx, struct am_err *err)
{
	struct am_sql_param	 p;
	struct am_ab_dest	 d = { fn, ctx };

	am_sql_text(&p, rid);
	return am_ab_exec(st, "SELECT DISTINCT destination FROM am_sent WHERE"
	    " report_id = $1 ORDER BY destination", &p, 1, am_ab_dest_row, &d,
	    err);
}

/* ------------------------------------------------------- suppression */

int
am_report_store_suppress_add(struct am_report_store *st, const char *addr,
    const char *reason, int64_t now, int64_t expires, struct am_err *err)
{
	struct am_sql_param	 p[4];
	int			 removed;

	if (am_ab_exec(st, st->be->begin_sql, NULL, 0, NULL, NULL, err) != 0)
		return -1;
	if (am_report_store_suppress_remove(st, addr, &removed, err) != 0)
		goto fail;
	am_sql_text(&p[0], addr);
	am_sql_text(&p[1], reason);
	am_sql_int(&p[2], now);
	am_sql_int(&p[3], expires);
	if (am_ab_exec(st, "INSERT INTO am_suppressed (address, reason,"
	    " added_at, expires_at) VALUES ($1, $2, $3, $4)", p, 4, NULL, NULL,
	    err) != 0 || am_ab_exec(st, "COMMIT", NULL, 0, NULL, NULL,
	    err) != 0)
		goto fail;
	return 0;
fail:
	(void)am_ab_exec(st, "ROLLBACK", NULL, 0, NULL, NULL, NULL);
	return -1;
}

int
am_report_store_suppress_remove(struct am_report_store *st,
    const char *addr, int *removed, struct am_err *err)
{
	struct am_sql_param	 p;

	*removed = 0;
	am_sql_text(&p, addr);
	if (am_ab_exec(st, "SELECT 1 FROM am_suppressed WHERE address = $1",
	    &p, 1, am_ab_flag, removed, err) != 0)
		return -1;
	return am_ab_exec(st, "DELETE FROM am_suppressed WHERE address = $1",
	    &p, 1, NULL, NULL, err);
}

struct am_ab_sup {
	am_report_suppressed_fn		*fn;
	void				*ctx;
	struct am_report_suppressed	 s;
	int				 found;
};

static int
am_ab_sup_row(void *ctx, int ncol, const char *const *v)
{
	struct am_ab_sup	*q = ctx;

	if (ncol < 4)
		return 1;
	memset(&q->s, 0, sizeof(q->s));
	am_report_strlcpy(q->s.address, v[0], sizeof(q->s.address));
	am_report_strlcpy(q->s.reason, v[1], sizeof(q->s.reason));
	q->s.added = strtoll(v[2], NULL, 10);
	q->s.expires = strtoll(v[3], NULL, 10);
	q->found = 1;
	return q->fn != NULL ? q->fn(q->ctx, &q->s) : 1;
}

int
am_report_store_suppress_find(struct am_report_store *st, const char *addr,
    int64_t now, int *found, struct am_report_suppressed *out,
    struct am_err *err)
{
	struct am_sql_param	 p[2];
	struct am_ab_sup	*q;
	int			 rc;

	q = am_calloc(1, sizeof(*q));
	am_sql_text(&p[0], addr);
	am_sql_int(&p[1], now);
	rc = am_ab_exec(st, "SELECT address, reason, added_at, expires_at"
	    " FROM am_suppressed WHERE address = $1 AND expires_at > $2", p, 2,
	    am_ab_sup_row, q, err);
	*found = rc == 0 && q->found;
	if (*found && out != NULL)
		*out = q->s;
	free(q);
	return rc;
}

int
am_report_store_suppress_list(struct am_report_store *st, int64_t now,
    am_report_suppressed_fn *fn, void *ctx, struct am_err *err)
{
	struct am_sql_param	 p;
	struct am_ab_sup	*q;
	int			 rc;

	q = am_calloc(1, sizeof(*q));
	q->fn = fn;
	q->ctx = ctx;
	am_sql_int(&p, now);
	rc = am_ab_exec(st, "SELECT address, reason, added_at, expires_at"
	    " FROM am_suppressed WHERE expires_at > $1 ORDER BY address", &p, 1,
	    am_ab_sup_row, q, err);
	free(q);
	return rc;
}
