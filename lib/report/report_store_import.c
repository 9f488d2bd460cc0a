/*
 * report_store_import - imported reports: stored once per (reporter
 * org, report id, period), read back for "report show"
 */

#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "report_store.h"
#include "report_store_impl.h"

static void
am_imp_text(struct am_sql_param *p, const char *s)
{
	memset(p, 0, sizeof(*p));
	p->s = s;
}

static void
am_imp_int(struct am_sql_param *p, int64_t i)
{
	memset(p, 0, sizeof(*p));
	p->is_int = 1;
	p->i = i;
}

static int
am_imp_found(void *ctx, int ncol, const char *const *v)
{
	(void)ncol;
	(void)v;
	*(int *)ctx = 1;
	return 1;
}

static int
am_imp_row(struct am_report_store *st, const struct am_report_feedback *f,
    const struct am_report_row *r, char *dkim, struct am_err *err)
{
	struct am_sql_param	 p[17];
	const char		*s[17] = {
		f->org_name, f->report_id, NULL, NULL, r->source_ip, NULL,
		r->disposition, r->dkim_eval, r->spf_eval, r->reason,
		r->reason_comment, r->header_from, r->envelope_from,
		r->envelope_to, dkim, r->spf_domain, r->spf_result
	};
	int			 i;

	if (am_report_dkim_encode(r->dkim, r->ndkim, dkim,
	    AM_REPORT_DKIM_TEXT) != 0)
		return am_err_set(err, AM_E_LIMIT, "DKIM list too long");
	for (i = 0; i < 17; i++)
		am_imp_text(&p[i], s[i]);
	am_imp_int(&p[2], f->begin);
	am_imp_int(&p[3], f->end);
	am_imp_int(&p[5], (int64_t)r->count);
	return st->be->exec(st->db, "INSERT INTO am_imported_rows"
	    " (reporter_org, report_id, period_begin, period_end, source_ip,"
	    " msgs, disposition, dkim_eval, spf_eval, reason, reason_comment,"
	    " header_from, envelope_from, envelope_to, dkim, spf_domain,"
	    " spf_result) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
	    " $11, $12, $13, $14, $15, $16, $17)", p, 17, NULL, NULL, err);
}

static int
am_imp_head(struct am_report_store *st, const struct am_report_feedback *f,
    int64_t when, struct am_err *err)
{
	struct am_sql_param	 p[14];
	const char		*s[14] = {
		f->org_name, f->report_id, NULL, NULL, f->email,
		f->policy_domain, f->pol.p, f->pol.sp, f->pol.np, f->pol.adkim,
		f->pol.aspf, f->pol.t, f->rfc7489 ? "rfc7489" : "rfc9990", NULL
	};
	int			 i;

	for (i = 0; i < 14; i++)
		am_imp_text(&p[i], s[i]);
	am_imp_int(&p[2], f->begin);
	am_imp_int(&p[3], f->end);
	am_imp_int(&p[13], when);
	return st->be->exec(st->db, "INSERT INTO am_imported (reporter_org,"
	    " report_id, period_begin, period_end, reporter_email,"
	    " policy_domain, p, sp, np, adkim, aspf, t, shape, imported_at)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,"
	    " $14)", p, 14, NULL, NULL, err);
}

int
am_report_store_import(struct am_report_store *st,
    const struct am_report_feedback *f, int64_t when, int *dup,
    struct am_err *err)
{
	struct am_sql_param	 p[4];
	char			*dkim;
	size_t			 i;
	int			 rc = 0;

	*dup = 0;
	if (st->be->exec(st->db, st->be->begin_sql, NULL, 0, NULL, NULL, err))
		return -1;
	am_imp_text(&p[0], f->org_name);
	am_imp_text(&p[1], f->report_id);
	am_imp_int(&p[2], f->begin);
	am_imp_int(&p[3], f->end);
	if (st->be->exec(st->db, "SELECT 1 FROM am_imported WHERE"
	    " reporter_org = $1 AND report_id = $2 AND period_begin = $3 AND"
	    " period_end = $4", p, 4, am_imp_found, dup, err) != 0)
		goto fail;
	if (*dup) {
		(void)st->be->exec(st->db, "ROLLBACK", NULL, 0, NULL, NULL,
		    NULL);
		return 0;
	}
	if (am_imp_head(st, f, when, err) != 0)
		goto fail;
	dkim = am_malloc(AM_REPORT_DKIM_TEXT);
	for (i = 0; i < f->nrows && rc == 0; i++)
		rc = am_imp_row(st, f, &f->rows[i], dkim, err);
	free(dkim);
	if (rc != 0 || st->be->exec(st->db, "COMMIT", NULL, 0, NULL, NULL,
	    err) != 0)
		goto fail;
	return 0;
fail:
	(void)st->be->exec(st->db, "ROLLBACK", NULL, 0, NULL, NULL, NULL);
	return -1;
}

struct am_imp_q {
	am_report_irow_fn	*fn;
	void			*ctx;
	struct am_report_irow	 ir;
	int			 bad;
};

static int
am_imp_irow(void *ctx, int ncol, const char *const *v)
{
	struct am_imp_q		*q = ctx;
	struct am_report_irow	*ir = &q->ir;
	struct am_report_row	*r = &ir->row;

	if (ncol < 18)
		return 1;
	memset(ir, 0, sizeof(*ir));
	am_report_strlcpy(ir->org_name, v[0], sizeof(ir->org_name));
	am_report_strlcpy(ir->report_id, v[1], sizeof(ir->report_id));
	ir->begin = strtoll(v[2], NULL, 10);
	ir->end = strtoll(v[3], NULL, 10);
	am_report_strlcpy(ir->policy_domain, v[4], sizeof(ir->policy_domain));
	am_report_strlcpy(r->source_ip, v[5], sizeof(r->source_ip));
	r->count = strtoull(v[6], NULL, 10);
	am_report_strlcpy(r->disposition, v[7], sizeof(r->disposition));
	am_report_strlcpy(r->dkim_eval, v[8], sizeof(r->dkim_eval));
	am_report_strlcpy(r->spf_eval, v[9], sizeof(r->spf_eval));
	am_report_strlcpy(r->reason, v[10], sizeof(r->reason));
	am_report_strlcpy(r->reason_comment, v[11], sizeof(r->reason_comment));
	am_report_strlcpy(r->header_from, v[12], sizeof(r->header_from));
	am_report_strlcpy(r->envelope_from, v[13], sizeof(r->envelope_from));
	am_report_strlcpy(r->envelope_to, v[14], sizeof(r->envelope_to));
	am_report_strlcpy(r->spf_domain, v[16], sizeof(r->spf_domain));
	am_report_strlcpy(r->spf_result, v[17], sizeof(r->spf_result));
	if (am_report_dkim_decode(v[15], ir->dkim, AM_REPORT_DKIM_MAX,
	    &r->ndkim) != 0) {
		q->bad = 1;
		return 1;
	}
	r->dkim = ir->dkim;
	return q->fn(q->ctx, ir);
}

int
am_report_store_imported(struct am_report_store *st, int64_t since,
    const char *domain, am_report_irow_fn *fn, void *ctx,
    struct am_err *err)
{
	struct am_imp_q		*q;
	struct am_sql_param	 p[2];
	int			 rc;

	q = am_calloc(1, sizeof(*q));
	q->fn = fn;
	q->ctx = ctx;
	am_imp_int(&p[0], since);
	am_imp_text(&p[1], domain);
	rc = st->be->exec(st->db, domain != NULL ?
	    "SELECT r.reporter_org, r.report_id, r.period_begin,"
	    " r.period_end, i.policy_domain, r.source_ip, r.msgs,"
	    " r.disposition, r.dkim_eval, r.spf_eval, r.reason,"
	    " r.reason_comment, r.header_from, r.envelope_from,"
	    " r.envelope_to, r.dkim, r.spf_domain, r.spf_result FROM"
	    " am_imported_rows r JOIN am_imported i ON"
	    " r.reporter_org = i.reporter_org AND r.report_id = i.report_id"
	    " AND r.period_begin = i.period_begin AND"
	    " r.period_end = i.period_end WHERE i.period_end > $1 AND"
	    " i.policy_domain = $2 ORDER BY i.policy_domain,"
	    " r.reporter_org, r.source_ip, r.period_begin" :
	    "SELECT r.reporter_org, r.report_id, r.period_begin,"
	    " r.period_end, i.policy_domain, r.source_ip, r.msgs,"
	    " r.disposition, r.dkim_eval, r.spf_eval, r.reason,"
	    " r.reason_comment, r.header_from, r.envelope_from,"
	    " r.envelope_to, r.dkim, r.spf_domain, r.spf_result FROM"
	    " am_imported_rows r JOIN am_imported i ON"
	    " r.reporter_org = i.reporter_org AND r.report_id = i.report_id"
	    " AND r.period_begin = i.period_begin AND"
	    " r.period_end = i.period_end WHERE i.period_end > $1"
	    " ORDER BY i.policy_domain, r.reporter_org, r.source_ip,"
	    " r.period_begin", p, domain != NULL ? 2 : 1, am_imp_irow, q, err);
	if (rc == 0 && q->bad)
		rc = am_err_set(err, AM_E_SYNTAX, "a stored DKIM list does "
		    "not parse");
	free(q);
	return rc;
}
