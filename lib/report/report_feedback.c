/*
 * report_feedback - one aggregate report as data
 */

#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "report_feedback.h"

void
am_report_feedback_init(struct am_report_feedback *f)
{
	memset(f, 0, sizeof(*f));
}

void
am_report_feedback_release(struct am_report_feedback *f)
{
	size_t	 i;

	for (i = 0; i < f->nrows; i++)
		free(f->rows[i].dkim);
	free(f->rows);
	memset(f, 0, sizeof(*f));
}

int
am_report_feedback_add_row(struct am_report_feedback *f,
    const struct am_report_row *row, struct am_err *err)
{
	struct am_report_row	*r;

	if (f->nrows >= AM_REPORT_ROWS_MAX)
		return am_err_set(err, AM_E_LIMIT, "more than %d records",
		    AM_REPORT_ROWS_MAX);
	if (f->nrows == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 16;
		f->rows = am_realloc(f->rows, f->cap * sizeof(*f->rows));
	}
	r = &f->rows[f->nrows++];
	*r = *row;
	r->dkim = NULL;
	if (row->ndkim > 0) {
		r->dkim = am_calloc(row->ndkim, sizeof(*r->dkim));
		memcpy(r->dkim, row->dkim, row->ndkim * sizeof(*r->dkim));
	}
	return 0;
}

uint64_t
am_report_feedback_messages(const struct am_report_feedback *f)
{
	uint64_t	 n = 0;
	size_t		 i;

	for (i = 0; i < f->nrows; i++)
		n += f->rows[i].count;
	return n;
}
