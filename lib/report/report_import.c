/*
 * report_import - one input's aggregate reports into the store
 * (report_import.h)
 */

#include <string.h>

#include "report_bounce.h"
#include "report_import.h"
#include "report_unpack.h"
#include "report_xml.h"

struct am_rimp {
	struct am_report_store		*st;
	int64_t				 now;
	unsigned			 suppress_days;
	am_report_import_fn		*fn;
	void				*ctx;
	struct am_report_import_counts	*c;
};

static int
am_rimp_xml(void *ctx, const char *xml, size_t n, const char *what)
{
	struct am_rimp			*im = ctx;
	struct am_report_feedback	 f;
	struct am_report_import_item	 it;
	struct am_err			 err;
	int				 dup = 0;

	memset(&it, 0, sizeof(it));
	it.what = what;
	am_err_clear(&err);
	if (am_report_xml_parse(xml, n, &f, &err) != 0) {
		it.kind = AM_REPORT_IMPORT_BAD;
		it.error = err.msg;
		im->c->bad++;
	} else if (am_report_store_import(im->st, &f, im->now, &dup, &err)
	    != 0) {
		it.kind = AM_REPORT_IMPORT_STORE_FAILED;
		it.f = &f;
		it.error = err.msg;
		im->c->store_failed++;
	} else {
		it.kind = dup ? AM_REPORT_IMPORT_DUP : AM_REPORT_IMPORT_STORED;
		it.f = &f;
		if (dup)
			im->c->dups++;
		else
			im->c->stored++;
	}
	if (im->fn != NULL)
		im->fn(im->ctx, &it);
	am_report_feedback_release(&f);
	return 0;
}

static int
am_rimp_dsn(void *ctx, const struct am_report_bounce *b)
{
	struct am_rimp			*im = ctx;
	struct am_report_import_item	 it;
	struct am_err			 err;
	char				 line[1024];

	memset(&it, 0, sizeof(it));
	it.what = "dsn";
	am_err_clear(&err);
	line[0] = '\0';
	im->c->dsns++;
	if (am_report_bounce_apply(im->st, b, im->now, im->suppress_days,
	    line, sizeof(line), &err) != 0) {
		it.kind = AM_REPORT_IMPORT_STORE_FAILED;
		it.error = err.msg;
		im->c->store_failed++;
	} else {
		it.kind = AM_REPORT_IMPORT_DSN;
		it.line = line;
	}
	if (im->fn != NULL)
		im->fn(im->ctx, &it);
	return 0;
}

int
am_report_import_buf(struct am_report_store *st, const void *buf, size_t n,
    int64_t now, unsigned suppress_days, am_report_import_fn *fn, void *ctx,
    struct am_report_import_counts *counts, struct am_err *err)
{
	struct am_rimp	 im = { st, now, suppress_days, fn, ctx, counts };

	if (am_report_unpack_dsn(buf, n, am_rimp_xml, am_rimp_dsn, &im, err)
	    != 0) {
		if (err->msg[0] == '\0')
			am_err_set(err, AM_E_SYNTAX, "no report found");
		return -1;
	}
	return 0;
}
