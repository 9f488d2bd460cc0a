/*
 * report_store - the store's operations, written once in portable SQL
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mem.h"
#include "report_store.h"
#include "report_store_impl.h"

#define AM_REC_COLS \
	"ts, node, policy_domain, header_from, envelope_from, envelope_to," \
	" source_ip, verdict, dkim_eval, spf_eval, disposition, override," \
	" override_comment, dkim, spf_domain, spf_result, p, sp, np, adkim," \
	" aspf, fo, t, psd, discovery, rua, kind, n"

static void	am_store_chunk_free(struct am_store_chunk *);

int
am_report_store_open(const char *uri, struct am_report_store **out,
    struct am_err *err)
{
	struct am_report_store	*st;
	int			 rc;

	*out = NULL;
	st = am_calloc(1, sizeof(*st));
	if (strncmp(uri, "sqlite:", 7) == 0)
		rc = am_report_sqlite_open(uri + 7, st, err);
	else if (strncmp(uri, "postgresql:", 11) == 0)
		rc = am_report_pg_open(uri + 11, st, err);
	else
		rc = am_err_set(err, AM_E_USAGE, "report store \"%s\": not "
		    "sqlite:PATH or postgresql:CONNINFO", uri);
	if (rc == 0 && am_report_schema_migrate(st, err) != 0) {
		st->be->close(st->db);
		rc = -1;
	}
	if (rc != 0) {
		free(st);
		return -1;
	}
	*out = st;
	return 0;
}

void
am_report_store_close(struct am_report_store **stp)
{
	if (*stp == NULL)
		return;
	(*stp)->be->close((*stp)->db);
	am_store_chunk_free((*stp)->chunk);
	free(*stp);
	*stp = NULL;
}

int
am_report_store_version(struct am_report_store *st)
{
	return st->version;
}

void
am_report_store_set_node(struct am_report_store *st, const char *node)
{
	am_report_strlcpy(st->node, node, sizeof(st->node));
}

static int
am_store_exec(struct am_report_store *st, const char *sql,
    const struct am_sql_param *p, int n, am_sql_row_fn *fn, void *ctx,
    struct am_err *err)
{
	return st->be->exec(st->db, sql, p, n, fn, ctx, err);
}

static void
am_store_text(struct am_sql_param *p, const char *s)
{
	memset(p, 0, sizeof(*p));
	p->s = s;
}

static void
am_store_int(struct am_sql_param *p, int64_t i)
{
	memset(p, 0, sizeof(*p));
	p->is_int = 1;
	p->i = i;
}

/* --------------------------------------------------------- records */

/*
 * Records go in AM_REC_ROWS to an INSERT (VALUES (..), (..), ...): one
 * round trip to PostgreSQL and one SQLite statement per chunk, not per
 * record; the rest of a batch goes one record to an INSERT (two
 * statement texts in all, so SQLite's statement cache keeps both).
 * The DKIM texts of a chunk are packed into one buffer; a chunk is
 * written early when that buffer could not take another record's.
 * The chunk is allocated once per store handle.
 */
#define AM_REC_SQL	(64 + sizeof(AM_REC_COLS) + AM_REC_ROWS * \
			    (AM_REC_NCOLS * 6 + 4))

struct am_store_chunk {
	struct am_report_record	 rec[AM_REC_ROWS];
	char			 dk[2 * AM_REPORT_DKIM_TEXT];
	const char		*dkp[AM_REC_ROWS];
	size_t			 k, off;
	struct am_sql_param	 p[AM_REC_ROWS * AM_REC_NCOLS];
	char			 sql1[AM_REC_SQL], sqln[AM_REC_SQL];
};

/* INSERT INTO am_records (...) VALUES ($1,...,$27), ... (rows rows) */
static void
am_store_insert_sql(char *out, size_t size, size_t rows)
{
	size_t	 i, len;
	int	 j;

	len = (size_t)snprintf(out, size, "INSERT INTO am_records ("
	    AM_REC_COLS ") VALUES ");
	for (i = 0; i < rows && len < size; i++)
		for (j = 0; j < AM_REC_NCOLS && len < size; j++)
			len += (size_t)snprintf(out + len, size - len,
			    "%s$%zu%s", j == 0 ? (i == 0 ? "(" : ", (") : "",
			    i * AM_REC_NCOLS + (size_t)j + 1,
			    j == AM_REC_NCOLS - 1 ? ")" : ",");
}

static struct am_store_chunk *
am_store_chunk(struct am_report_store *st)
{
	struct am_store_chunk	*c = st->chunk;

	if (c == NULL) {
		c = st->chunk = am_malloc(sizeof(*c));
		am_store_insert_sql(c->sql1, sizeof(c->sql1), 1);
		am_store_insert_sql(c->sqln, sizeof(c->sqln), AM_REC_ROWS);
	}
	c->k = c->off = 0;
	return c;
}

static void
am_store_chunk_free(struct am_store_chunk *c)
{
	free(c);
}

static void
am_store_row_params(struct am_report_store *st,
    const struct am_report_record *r, const char *dkim,
    struct am_sql_param *p)
{
	const char		*s[AM_REC_NCOLS] = {
		NULL, st->node, r->policy_domain, r->header_from,
		r->envelope_from, r->envelope_to, r->source_ip, r->verdict,
		r->dkim_eval, r->spf_eval, r->disposition, r->override,
		r->override_comment, dkim, r->spf_domain, r->spf_result,
		r->pol.p, r->pol.sp, r->pol.np, r->pol.adkim, r->pol.aspf,
		r->pol.fo, r->pol.t, r->pol.psd, r->pol.discovery, r->pol.rua,
		r->kind, NULL
	};
	int			 i;

	am_store_int(&p[0], r->time);
	for (i = 1; i < AM_REC_NCOLS - 1; i++)
		am_store_text(&p[i], s[i]);
	am_store_int(&p[AM_REC_NCOLS - 1], r->count > 1 ?
	    (int64_t)r->count : 1);
}

/* Writes the chunk's k records: one statement when it is full, else
 * one a record. */
static int
am_store_chunk_write(struct am_report_store *st, struct am_store_chunk *c,
    struct am_err *err)
{
	size_t	 i;
	int	 rc = 0;

	for (i = 0; i < c->k; i++)
		am_store_row_params(st, &c->rec[i], c->dkp[i],
		    &c->p[i * AM_REC_NCOLS]);
	if (c->k == AM_REC_ROWS)
		rc = am_store_exec(st, c->sqln, c->p, AM_REC_ROWS *
		    AM_REC_NCOLS, NULL, NULL, err);
	else
		for (i = 0; i < c->k && rc == 0; i++)
			rc = am_store_exec(st, c->sql1, &c->p[i *
			    AM_REC_NCOLS], AM_REC_NCOLS, NULL, NULL, err);
	c->k = c->off = 0;
	return rc;
}

/* Takes c->rec[c->k] into the chunk; writes the chunk when full. */
static int
am_store_chunk_add(struct am_report_store *st, struct am_store_chunk *c,
    struct am_err *err)
{
	const struct am_report_record	*r = &c->rec[c->k];

	if (am_report_dkim_encode(r->dkim, r->ndkim, c->dk + c->off,
	    AM_REPORT_DKIM_TEXT) != 0)
		return am_err_set(err, AM_E_LIMIT, "DKIM list too long");
	c->dkp[c->k++] = c->dk + c->off;
	c->off += strlen(c->dk + c->off) + 1;
	if (c->k == AM_REC_ROWS || c->off > AM_REPORT_DKIM_TEXT)
		return am_store_chunk_write(st, c, err);
	return 0;
}

/* The array of am_report_store_insert as a record source. */
struct am_store_array {
	const struct am_report_record	*r;
	size_t				 n, i;
};

static int
am_store_array_next(void *ctx, struct am_report_record *out)
{
	struct am_store_array	*a = ctx;

	if (a->i == a->n)
		return 0;
	memcpy(out, &a->r[a->i++], sizeof(*out));
	return 1;
}

int
am_report_store_insert_id(struct am_report_store *st,
    const struct am_report_record *r, size_t n, const char *journal_id,
    struct am_err *err)
{
	struct am_store_array	 a = { r, n, 0 };
	size_t			 k;

	return am_report_store_insert_stream(st, am_store_array_next, &a,
	    journal_id, &k, err);
}

int
am_report_store_insert(struct am_report_store *st,
    const struct am_report_record *r, size_t n, struct am_err *err)
{
	return am_report_store_insert_id(st, r, n, NULL, err);
}

int
am_report_store_insert_stream(struct am_report_store *st,
    am_report_next_fn *next, void *ctx, const char *journal_id, size_t *n,
    struct am_err *err)
{
	struct am_store_chunk	*c;
	struct am_sql_param	 p[2];
	size_t			 k = 0;
	int			 rc = 0, more;

	*n = 0;
	if (am_store_exec(st, st->be->begin_sql, NULL, 0, NULL, NULL, err))
		return -1;
	c = am_store_chunk(st);
	while (rc == 0 && (more = next(ctx, &c->rec[c->k])) != 0) {
		if (more < 0)	/* its own reason, when it gave one */
			rc = err != NULL && err->code != AM_E_NONE ? -1 :
			    am_err_set(err, AM_E_IO, "record source failed");
		else if ((rc = am_store_chunk_add(st, c, err)) == 0)
			k++;
	}
	if (rc == 0)
		rc = am_store_chunk_write(st, c, err);
	if (rc == 0 && journal_id != NULL) {
		am_store_text(&p[0], journal_id);
		am_store_int(&p[1], (int64_t)time(NULL));
		rc = am_store_exec(st, "INSERT INTO am_journal_done"
		    " (journal_id, done_at) VALUES ($1, $2)", p, 2, NULL, NULL,
		    err);
	}
	if (rc != 0) {
		(void)am_store_exec(st, "ROLLBACK", NULL, 0, NULL, NULL, NULL);
		return -1;
	}
	if (am_store_exec(st, "COMMIT", NULL, 0, NULL, NULL, err) != 0) {
		(void)am_store_exec(st, "ROLLBACK", NULL, 0, NULL, NULL, NULL);
		return -2;		/* stored or not: unknown */
	}
	*n = k;
	return 0;
}

static int
am_store_flag(void *ctx, int ncol, const char *const *v)
{
	(void)ncol;
	(void)v;
	*(int *)ctx = 1;
	return 1;
}

int
am_report_store_journal_prune(struct am_report_store *st, int64_t before,
    struct am_err *err)
{
	struct am_sql_param	 p;

	am_store_int(&p, before);
	return am_store_exec(st, "DELETE FROM am_journal_done WHERE"
	    " done_at < $1", &p, 1, NULL, NULL, err);
}

int
am_report_store_journal_done(struct am_report_store *st, const char *id,
    int *done, struct am_err *err)
{
	struct am_sql_param	 p;

	*done = 0;
	am_store_text(&p, id);
	return am_store_exec(st, "SELECT 1 FROM am_journal_done WHERE"
	    " journal_id = $1", &p, 1, am_store_flag, done, err);
}

struct am_store_recs {
	am_report_record_fn	*fn;
	void			*ctx;
	struct am_report_record	 r;
	int			 bad;
};

static int
am_store_record_row(void *ctx, int ncol, const char *const *v)
{
	struct am_store_recs	*q = ctx;
	struct am_report_record	*r = &q->r;
	char			*dst[AM_REC_NCOLS] = {
		NULL, NULL, r->policy_domain, r->header_from, r->envelope_from,
		r->envelope_to, r->source_ip, r->verdict, r->dkim_eval,
		r->spf_eval, r->disposition, r->override, r->override_comment,
		NULL, r->spf_domain, r->spf_result, r->pol.p, r->pol.sp,
		r->pol.np, r->pol.adkim, r->pol.aspf, r->pol.fo, r->pol.t,
		r->pol.psd, r->pol.discovery, r->pol.rua, r->kind, NULL
	};
	size_t			 sz[AM_REC_NCOLS] = {
		0, 0, sizeof(r->policy_domain), sizeof(r->header_from),
		sizeof(r->envelope_from), sizeof(r->envelope_to),
		sizeof(r->source_ip), sizeof(r->verdict), sizeof(r->dkim_eval),
		sizeof(r->spf_eval), sizeof(r->disposition),
		sizeof(r->override), sizeof(r->override_comment), 0,
		sizeof(r->spf_domain), sizeof(r->spf_result), sizeof(r->pol.p),
		sizeof(r->pol.sp), sizeof(r->pol.np), sizeof(r->pol.adkim),
		sizeof(r->pol.aspf), sizeof(r->pol.fo), sizeof(r->pol.t),
		sizeof(r->pol.psd), sizeof(r->pol.discovery),
		sizeof(r->pol.rua), sizeof(r->kind), 0
	};
	int			 i;

	if (ncol < AM_REC_NCOLS)
		return 1;
	memset(r, 0, sizeof(*r));
	r->time = strtoll(v[0], NULL, 10);
	r->count = strtoull(v[AM_REC_NCOLS - 1], NULL, 10);
	for (i = 2; i < AM_REC_NCOLS; i++)
		if (dst[i] != NULL)
			am_report_strlcpy(dst[i], v[i], sz[i]);
	if (am_report_dkim_decode(v[13], r->dkim, AM_REPORT_DKIM_MAX,
	    &r->ndkim) != 0) {
		q->bad = 1;
		return 1;
	}
	return q->fn(q->ctx, r);
}

int
am_report_store_records(struct am_report_store *st, int64_t begin,
    int64_t end, const char *domain, am_report_record_fn *fn, void *ctx,
    struct am_err *err)
{
	struct am_store_recs	*q;
	struct am_sql_param	 p[3];
	int			 rc;

	q = am_calloc(1, sizeof(*q));
	q->fn = fn;
	q->ctx = ctx;
	am_store_int(&p[0], begin);
	am_store_int(&p[1], end);
	am_store_text(&p[2], domain);
	rc = am_store_exec(st, domain != NULL ?
	    "SELECT " AM_REC_COLS " FROM am_records WHERE ts >= $1 AND"
	    " ts < $2 AND policy_domain = $3 ORDER BY ts" :
	    "SELECT " AM_REC_COLS " FROM am_records WHERE ts >= $1 AND"
	    " ts < $2 ORDER BY ts", p, domain != NULL ? 3 : 2,
	    am_store_record_row, q, err);
	if (rc == 0 && q->bad)
		rc = am_err_set(err, AM_E_SYNTAX, "a stored DKIM list does "
		    "not parse");
	free(q);
	return rc;
}

/* --------------------------------------------------- configurations */

#define AM_CONF_COLS \
	"policy_domain, p, sp, np, adkim, aspf, fo, t, psd, discovery, rua"

struct am_store_confs {
	am_report_config_fn	*fn;
	void			*ctx;
};

static void
am_store_conf_params(struct am_sql_param *p, const struct am_report_config *c)
{
	am_store_text(&p[0], c->policy_domain);
	am_store_text(&p[1], c->pol.p);
	am_store_text(&p[2], c->pol.sp);
	am_store_text(&p[3], c->pol.np);
	am_store_text(&p[4], c->pol.adkim);
	am_store_text(&p[5], c->pol.aspf);
	am_store_text(&p[6], c->pol.fo);
	am_store_text(&p[7], c->pol.t);
	am_store_text(&p[8], c->pol.psd);
	am_store_text(&p[9], c->pol.discovery);
	am_store_text(&p[10], c->pol.rua);
}

static int
am_store_conf_row(void *ctx, int ncol, const char *const *v)
{
	struct am_store_confs	*q = ctx;
	struct am_report_config	 c;

	if (ncol < 12)
		return 1;
	memset(&c, 0, sizeof(c));
	am_report_strlcpy(c.policy_domain, v[0], sizeof(c.policy_domain));
	am_report_strlcpy(c.pol.p, v[1], sizeof(c.pol.p));
	am_report_strlcpy(c.pol.sp, v[2], sizeof(c.pol.sp));
	am_report_strlcpy(c.pol.np, v[3], sizeof(c.pol.np));
	am_report_strlcpy(c.pol.adkim, v[4], sizeof(c.pol.adkim));
	am_report_strlcpy(c.pol.aspf, v[5], sizeof(c.pol.aspf));
	am_report_strlcpy(c.pol.fo, v[6], sizeof(c.pol.fo));
	am_report_strlcpy(c.pol.t, v[7], sizeof(c.pol.t));
	am_report_strlcpy(c.pol.psd, v[8], sizeof(c.pol.psd));
	am_report_strlcpy(c.pol.discovery, v[9], sizeof(c.pol.discovery));
	am_report_strlcpy(c.pol.rua, v[10], sizeof(c.pol.rua));
	c.messages = strtoull(v[11], NULL, 10);
	return q->fn(q->ctx, &c);
}

int
am_report_store_configs(struct am_report_store *st, int64_t begin,
    int64_t end, am_report_config_fn *fn, void *ctx, struct am_err *err)
{
	struct am_store_confs	 q = { fn, ctx };
	struct am_sql_param	 p[2];

	am_store_int(&p[0], begin);
	am_store_int(&p[1], end);
	return am_store_exec(st, "SELECT " AM_CONF_COLS ", SUM(n) FROM"
	    " am_records WHERE ts >= $1 AND ts < $2 GROUP BY " AM_CONF_COLS
	    " ORDER BY " AM_CONF_COLS, p, 2, am_store_conf_row, &q, err);
}

#define AM_ROW_COLS \
	"source_ip, disposition, dkim_eval, spf_eval, override," \
	" override_comment, header_from, envelope_from, envelope_to, dkim," \
	" spf_domain, spf_result"

struct am_store_rows {
	struct am_report_feedback	*f;
	struct am_err			*err;
	struct am_report_dkim		 dkim[AM_REPORT_DKIM_MAX];
	int				 failed;
};

static int
am_store_row_row(void *ctx, int ncol, const char *const *v)
{
	struct am_store_rows	*q = ctx;
	struct am_report_row	 r;

	if (ncol < 13)
		return 1;
	memset(&r, 0, sizeof(r));
	am_report_strlcpy(r.source_ip, v[0], sizeof(r.source_ip));
	am_report_strlcpy(r.disposition, v[1], sizeof(r.disposition));
	am_report_strlcpy(r.dkim_eval, v[2], sizeof(r.dkim_eval));
	am_report_strlcpy(r.spf_eval, v[3], sizeof(r.spf_eval));
	am_report_strlcpy(r.reason, v[4], sizeof(r.reason));
	am_report_strlcpy(r.reason_comment, v[5], sizeof(r.reason_comment));
	am_report_strlcpy(r.header_from, v[6], sizeof(r.header_from));
	am_report_strlcpy(r.envelope_from, v[7], sizeof(r.envelope_from));
	am_report_strlcpy(r.envelope_to, v[8], sizeof(r.envelope_to));
	am_report_strlcpy(r.spf_domain, v[10], sizeof(r.spf_domain));
	am_report_strlcpy(r.spf_result, v[11], sizeof(r.spf_result));
	if (r.spf_result[0] != '\0')
		am_report_strlcpy(r.spf_scope, "mfrom", sizeof(r.spf_scope));
	r.count = strtoull(v[12], NULL, 10);
	if (am_report_dkim_decode(v[9], q->dkim, AM_REPORT_DKIM_MAX,
	    &r.ndkim) != 0) {
		q->failed = am_err_set(q->err, AM_E_SYNTAX, "a stored DKIM "
		    "list does not parse");
		return 1;
	}
	r.dkim = q->dkim;
	if (am_report_feedback_add_row(q->f, &r, q->err) != 0) {
		q->failed = -1;
		return 1;
	}
	return 0;
}

int
am_report_store_rows(struct am_report_store *st, int64_t begin,
    int64_t end, const struct am_report_config *c,
    struct am_report_feedback *f, struct am_err *err)
{
	struct am_store_rows	*q;
	struct am_sql_param	 p[13];
	int			 rc;

	am_store_conf_params(p, c);
	am_store_int(&p[11], begin);
	am_store_int(&p[12], end);
	q = am_calloc(1, sizeof(*q));
	q->f = f;
	q->err = err;
	rc = am_store_exec(st, "SELECT " AM_ROW_COLS ", SUM(n) FROM"
	    " am_records WHERE policy_domain = $1 AND p = $2 AND sp = $3 AND"
	    " np = $4 AND adkim = $5 AND aspf = $6 AND fo = $7 AND t = $8 AND"
	    " psd = $9 AND discovery = $10 AND rua = $11 AND ts >= $12 AND"
	    " ts < $13 GROUP BY " AM_ROW_COLS " ORDER BY " AM_ROW_COLS,
	    p, 13, am_store_row_row, q, err);
	if (rc == 0 && q->failed)
		rc = -1;
	free(q);
	return rc;
}

/* ----------------------------------------------------------- claims */

static int
am_store_claimer(void *ctx, int ncol, const char *const *v)
{
	char	*holder = ctx;

	if (ncol > 0)
		am_report_strlcpy(holder, v[0], 256);
	return 1;
}

int
am_report_store_claim(struct am_report_store *st, int64_t begin,
    int64_t end, const char *node, int64_t now, int64_t stale, int *mine,
    struct am_err *err)
{
	struct am_sql_param	 p[4];
	char			 holder[256] = "";

	*mine = 0;
	if (am_store_exec(st, st->be->begin_sql, NULL, 0, NULL, NULL, err))
		return -1;
	am_store_int(&p[0], begin);
	am_store_int(&p[1], end);
	am_store_int(&p[2], now - stale);
	if (am_store_exec(st, "DELETE FROM am_claims WHERE period_begin = $1"
	    " AND period_end = $2 AND claimed_at < $3", p, 3, NULL, NULL,
	    err) != 0)
		goto fail;
	am_store_text(&p[2], node);
	am_store_int(&p[3], now);
	if (am_store_exec(st, "INSERT INTO am_claims (period_begin,"
	    " period_end, node, claimed_at) VALUES ($1, $2, $3, $4)"
	    " ON CONFLICT DO NOTHING", p, 4, NULL, NULL, err) != 0 ||
	    am_store_exec(st, "SELECT node FROM am_claims WHERE"
	    " period_begin = $1 AND period_end = $2", p, 2, am_store_claimer,
	    holder, err) != 0 ||
	    am_store_exec(st, "COMMIT", NULL, 0, NULL, NULL, err) != 0)
		goto fail;
	*mine = strcmp(holder, node) == 0;
	return 0;
fail:
	(void)am_store_exec(st, "ROLLBACK", NULL, 0, NULL, NULL, NULL);
	return -1;
}

/* ----------------------------------------------------------- ledger */

static int
am_store_found(void *ctx, int ncol, const char *const *v)
{
	(void)ncol;
	(void)v;
	*(int *)ctx = 1;
	return 1;
}

int
am_report_store_sent_find(struct am_report_store *st, const char *domain,
    int64_t begin, int64_t end, const char *dest, const char *rid,
    int *found, struct am_err *err)
{
	struct am_sql_param	 p[5];

	*found = 0;
	am_store_text(&p[0], domain);
	am_store_int(&p[1], begin);
	am_store_int(&p[2], end);
	am_store_text(&p[3], dest);
	am_store_text(&p[4], rid);
	return am_store_exec(st, "SELECT 1 FROM am_sent WHERE"
	    " policy_domain = $1 AND period_begin = $2 AND period_end = $3 AND"
	    " destination = $4 AND report_id = $5", p, 5, am_store_found,
	    found, err);
}

int
am_report_store_sent_add(struct am_report_store *st, const char *domain,
    int64_t begin, int64_t end, const char *dest, const char *rid,
    int64_t when, struct am_err *err)
{
	struct am_sql_param	 p[6];

	am_store_text(&p[0], domain);
	am_store_int(&p[1], begin);
	am_store_int(&p[2], end);
	am_store_text(&p[3], dest);
	am_store_text(&p[4], rid);
	am_store_int(&p[5], when);
	return am_store_exec(st, "INSERT INTO am_sent (policy_domain,"
	    " period_begin, period_end, destination, report_id, sent_at)"
	    " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING", p, 6,
	    NULL, NULL, err);
}
