/*
 * fuzz-report-xml - libFuzzer target for the aggregate report XML
 * reader (lib/report/report_xml_parse.c)
 *
 * The input is one XML document.  Checks, beyond "no crash, no leak":
 *  - a failure is an error with a message; a success has a root named
 *    feedback with an org, a report id, a policy domain, begin <= end,
 *    at most AM_REPORT_ROWS_MAX rows and AM_REPORT_DKIM_MAX DKIM
 *    results a row, every string NUL-terminated in its field;
 *  - written back with the RFC 9990 writer and read again, the report
 *    has the same rows with the same counts and DKIM lists.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report_xml.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_str(const char *s, size_t size)
{
	if (memchr(s, '\0', size) == NULL)
		abort();
}

static void
check(const struct am_report_feedback *f)
{
	size_t	 i, k;

	check_str(f->org_name, sizeof(f->org_name));
	check_str(f->report_id, sizeof(f->report_id));
	check_str(f->policy_domain, sizeof(f->policy_domain));
	if (f->org_name[0] == '\0' || f->report_id[0] == '\0' ||
	    f->policy_domain[0] == '\0' || f->begin > f->end ||
	    f->nrows > AM_REPORT_ROWS_MAX)
		abort();
	for (i = 0; i < f->nrows; i++) {
		const struct am_report_row *r = &f->rows[i];

		check_str(r->source_ip, sizeof(r->source_ip));
		check_str(r->header_from, sizeof(r->header_from));
		check_str(r->spf_domain, sizeof(r->spf_domain));
		if (r->source_ip[0] == '\0' || r->ndkim > AM_REPORT_DKIM_MAX)
			abort();
		for (k = 0; k < r->ndkim; k++) {
			check_str(r->dkim[k].domain, sizeof(r->dkim[k].domain));
			check_str(r->dkim[k].selector,
			    sizeof(r->dkim[k].selector));
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int			 init;
	struct am_report_feedback	 f, g;
	struct am_err			 err;
	struct am_buf			 out;
	size_t				 i;

	if (!init) {
		am_report_xml_init();
		init = 1;
	}
	if (am_report_xml_parse((const char *)data, size, &f, &err) != 0) {
		if (err.msg[0] == '\0')
			abort();
		am_report_feedback_release(&f);
		return 0;
	}
	check(&f);
	am_buf_init(&out, 64u << 20);
	if (am_report_xml_write(&f, &out, &err) != 0)
		abort();
	if (am_report_xml_parse((const char *)out.data, out.len, &g, &err) != 0)
		abort();
	if (g.nrows != f.nrows)
		abort();
	for (i = 0; i < f.nrows; i++)
		if (g.rows[i].count != f.rows[i].count ||
		    g.rows[i].ndkim != f.rows[i].ndkim)
			abort();
	am_report_feedback_release(&g);
	am_report_feedback_release(&f);
	am_buf_release(&out);
	return 0;
}
