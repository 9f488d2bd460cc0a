/*
 * report_build - the reports of one policy configuration and period:
 * rows from the store, XML, gzip, split by records past the cap
 */

#include <stdio.h>
#include <string.h>

#include "digest.h"
#include "report_out.h"
#include "report_xml.h"

#define AM_BUILD_XML_MAX	(512u * 1024 * 1024)

struct am_build {
	const struct am_report_meta	*m;
	const struct am_report_config	*c;
	int64_t				 begin, end;
	const struct am_report_feedback	*all;
	am_report_file_fn		*fn;
	void				*ctx;
	struct am_err			*err;
};

static void
am_build_id(const struct am_build *b, size_t first, size_t last, char *out)
{
	static const char	 hex[] = "0123456789abcdef";
	struct am_digest	*d = am_digest_new(AM_DIGEST_SHA256);
	unsigned char		 md[AM_DIGEST_MAX];
	char			 s[2048];
	size_t			 i;

	(void)snprintf(s, sizeof(s), "%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n"
	    "%s\n%s\n%lld\n%lld\n%zu\n%zu", b->m->receiver,
	    b->c->policy_domain, b->c->pol.p, b->c->pol.sp, b->c->pol.np,
	    b->c->pol.adkim, b->c->pol.aspf, b->c->pol.fo, b->c->pol.t,
	    b->c->pol.psd, b->c->pol.discovery, b->c->pol.rua,
	    (long long)b->begin, (long long)b->end, first, last);
	am_digest_update(d, s, strlen(s));
	(void)am_digest_final(d, md);
	am_digest_free(&d);
	for (i = 0; i < AM_REPORT_ID_LEN / 2; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[AM_REPORT_ID_LEN] = '\0';
}

/* Builds rows [first, last) as one report; 1 when over the cap and
 * splittable, 0 done, -1 error. */
static int
am_build_part(const struct am_build *b, size_t first, size_t last)
{
	struct am_report_feedback	 f;
	struct am_report_file		 file;
	struct am_buf			 xml, gz;
	size_t				 cap = b->m->cap ? b->m->cap :
					    AM_REPORT_CAP_DEFAULT;
	int				 rc = -1;

	f = *b->all;
	f.rows = b->all->rows + first;
	f.nrows = last - first;
	f.cap = f.nrows;
	memset(&file, 0, sizeof(file));
	am_build_id(b, first, last, file.report_id);
	am_report_strlcpy(f.report_id, file.report_id, sizeof(f.report_id));
	am_buf_init(&xml, AM_BUILD_XML_MAX);
	am_buf_init(&gz, AM_BUILD_XML_MAX);
	if (am_report_xml_write(&f, &xml, b->err) != 0 ||
	    am_report_gzip(xml.data, xml.len, &gz, b->err) != 0)
		goto out;
	if (gz.len > cap && last - first > 1) {
		rc = 1;
		goto out;
	}
	file.f = &f;
	file.gz = gz.data;
	file.gzlen = gz.len;
	file.xmllen = xml.len;
	file.over_cap = gz.len > cap;
	(void)snprintf(file.filename, sizeof(file.filename),
	    "%s!%s!%lld!%lld!%s.xml.gz", b->m->receiver, f.policy_domain,
	    (long long)f.begin, (long long)f.end, file.report_id);
	rc = b->fn(b->ctx, &file) != 0 ? am_err_set(b->err, AM_E_IO,
	    "report output stopped") : 0;
out:
	am_buf_release(&xml);
	am_buf_release(&gz);
	return rc;
}

static int
am_build_range(const struct am_build *b, size_t first, size_t last)
{
	size_t	 mid;
	int	 rc;

	if ((rc = am_build_part(b, first, last)) <= 0)
		return rc;
	mid = first + (last - first) / 2;
	if (am_build_range(b, first, mid) != 0)
		return -1;
	return am_build_range(b, mid, last);
}

int
am_report_build(struct am_report_store *st, const struct am_report_meta *m,
    const struct am_report_config *c, int64_t begin, int64_t end,
    am_report_file_fn *fn, void *ctx, struct am_err *err)
{
	struct am_report_feedback	 f;
	struct am_build			 b = { m, c, begin, end, &f, fn, ctx,
					    err };
	int				 rc;

	am_report_feedback_init(&f);
	am_report_strlcpy(f.version, "1.0", sizeof(f.version));
	am_report_strlcpy(f.org_name, m->org_name, sizeof(f.org_name));
	am_report_strlcpy(f.email, m->email, sizeof(f.email));
	am_report_strlcpy(f.generator, m->generator, sizeof(f.generator));
	f.begin = begin;
	f.end = end - 1;
	am_report_strlcpy(f.policy_domain, c->policy_domain,
	    sizeof(f.policy_domain));
	f.pol = c->pol;
	rc = am_report_store_rows(st, begin, end, c, &f, err);
	if (rc == 0 && f.nrows > 0)
		rc = am_build_range(&b, 0, f.nrows);
	am_report_feedback_release(&f);
	return rc;
}
