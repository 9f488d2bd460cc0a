/*
 * dmarc_report - the per-message report record and its sink
 */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dmarc_report.h"

#define AM_DMARC_REPORT_LINE	4096

static const char *const am_dmarc_overrides[] = {
	"none", "local_policy", "mailing_list", "other", "policy_test_mode",
	"trusted_forwarder"
};

const char *
am_dmarc_override_name(enum am_dmarc_override o)
{
	return (unsigned)o < 6 ? am_dmarc_overrides[o] : "?";
}

static void
am_dmarc_copy(char *dst, size_t size, const char *src)
{
	(void)snprintf(dst, size, "%s", src != NULL ? src : "");
}

void
am_dmarc_report_fill(struct am_dmarc_report *rep,
    const struct am_dmarc_result *r, const char *source_ip,
    const char *envelope_from, const char *envelope_to)
{
	struct am_dmarc_report_auth	*a;
	size_t				 i;

	memset(rep, 0, sizeof(*rep));
	rep->time = (int64_t)time(NULL);
	am_dmarc_copy(rep->source_ip, sizeof(rep->source_ip), source_ip);
	am_dmarc_copy(rep->header_from, sizeof(rep->header_from), r->author);
	am_dmarc_copy(rep->envelope_from, sizeof(rep->envelope_from),
	    envelope_from);
	am_dmarc_copy(rep->envelope_to, sizeof(rep->envelope_to),
	    envelope_to);
	rep->verdict = r->verdict;
	rep->dkim_aligned = r->dkim_aligned;
	rep->spf_aligned = r->spf_aligned;
	for (i = 0; i < r->nident && i < AM_DMARC_MAX_IDENT; i++) {
		a = &rep->auth[rep->nauth++];
		a->is_dkim = r->ident[i].is_dkim;
		am_dmarc_copy(a->domain, sizeof(a->domain), r->ident[i].domain);
		am_dmarc_copy(a->selector, sizeof(a->selector),
		    r->ident[i].selector);
		am_dmarc_copy(a->result, sizeof(a->result), r->ident[i].result);
		a->align = r->ident[i].align;
	}
	rep->have_policy = r->have_policy;
	am_dmarc_copy(rep->policy_domain, sizeof(rep->policy_domain),
	    r->policy_domain);
	rep->method = r->mode;
	rep->discovery = r->discovery;
	rep->rec = r->rec;
	rep->ptag = r->ptag;
	rep->policy = r->policy;
	rep->testing = r->testing;
	rep->disposition = r->disposition;
	if (r->testing && r->verdict == AM_DMARC_FAIL &&
	    r->policy != r->published)
		rep->override = AM_DMARC_OVR_POLICY_TEST_MODE;
}

void
am_dmarc_report_override(struct am_dmarc_report *rep,
    enum am_dmarc_disposition applied, enum am_dmarc_override why,
    const char *comment)
{
	rep->disposition = applied;
	rep->override = why;
	am_dmarc_copy(rep->override_comment, sizeof(rep->override_comment),
	    comment);
}

void
am_dmarc_report_emit(const struct am_dmarc_report_sink *sink,
    const struct am_dmarc_report *rep)
{
	if (sink != NULL && sink->fn != NULL)
		sink->fn(sink->ctx, rep);
}

/* am_dmarc_kv - " key=value", the value bare when it is one token */

static void
am_dmarc_kv(struct am_buf *out, const char *key, const char *v)
{
	const char	*p;
	int		 bare = *v != '\0';

	for (p = v; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == '"' || *p == '\\' ||
		    (unsigned char)*p >= 0x7f)
			bare = 0;
	(void)am_buf_printf(out, " %s=", key);
	if (bare) {
		(void)am_buf_appends(out, v);
		return;
	}
	(void)am_buf_appendc(out, '"');
	for (p = v; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			(void)am_buf_appendc(out, '\\');
		(void)am_buf_appendc(out, (unsigned char)*p < ' ' ||
		    (unsigned char)*p >= 0x7f ? '?' : *p);
	}
	(void)am_buf_appendc(out, '"');
}

int
am_dmarc_report_format(const struct am_dmarc_report *rep, struct am_buf *out)
{
	char		 rec[512], key[32];
	size_t		 i, k = 0;

	(void)am_buf_appends(out, "dmarc-report");
	am_dmarc_kv(out, "ip", rep->source_ip);
	am_dmarc_kv(out, "header_from", rep->header_from);
	am_dmarc_kv(out, "envelope_from", rep->envelope_from);
	am_dmarc_kv(out, "envelope_to", rep->envelope_to);
	am_dmarc_kv(out, "result", am_dmarc_verdict_name(rep->verdict));
	/* policy_evaluated: an aligned pass, not the signatures' results
	 * (those follow as dkimN=domain/selector/result/alignment). */
	am_dmarc_kv(out, "dkim_aligned", rep->dkim_aligned ? "pass" : "fail");
	am_dmarc_kv(out, "spf_aligned", rep->spf_aligned ? "pass" : "fail");
	for (i = 0; i < rep->nauth; i++) {
		const struct am_dmarc_report_auth *a = &rep->auth[i];

		if (!a->is_dkim) {
			am_dmarc_kv(out, "spf.domain", a->domain);
			am_dmarc_kv(out, "spf.result", a->result);
			continue;
		}
		(void)snprintf(key, sizeof(key), "dkim%zu", k++);
		(void)am_buf_printf(out, " %s=%s/%s/%s/%s", key, a->domain,
		    a->selector[0] ? a->selector : "-", a->result,
		    am_dmarc_alignment_name(a->align));
	}
	if (rep->have_policy) {
		am_dmarc_kv(out, "policy_domain", rep->policy_domain);
		am_dmarc_kv(out, "discovery_method", rep->method ==
		    AM_DMARC_MODE_PSL ? "psl" : "treewalk");
		am_dmarc_kv(out, "found_at",
		    am_dmarc_discovery_name(rep->discovery));
		am_dmarc_rec_format(&rep->rec, rec, sizeof(rec));
		am_dmarc_kv(out, "record", rec);
		am_dmarc_kv(out, "policy", am_dmarc_policy_name(rep->policy));
		am_dmarc_kv(out, "testing", rep->testing ? "y" : "n");
	}
	am_dmarc_kv(out, "disposition",
	    am_dmarc_disposition_name(rep->disposition));
	am_dmarc_kv(out, "override", am_dmarc_override_name(rep->override));
	if (rep->override_comment[0] != '\0')
		am_dmarc_kv(out, "override_comment", rep->override_comment);
	return out->err ? -1 : 0;
}

void
am_dmarc_report_log_sink(void *ctx, const struct am_dmarc_report *rep)
{
	struct am_buf	 line;

	am_buf_init(&line, AM_DMARC_REPORT_LINE);
	(void)am_dmarc_report_format(rep, &line);
	am_log(ctx, AM_LOG_INFO, "%s%s", am_buf_str(&line),
	    line.err ? " ..." : "");
	am_buf_release(&line);
}
