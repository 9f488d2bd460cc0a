/*
 * opts_report - DMARC reports (RFC 9990 aggregate, RFC 9991 failure):
 * where report records are kept, who the reports come from, how often
 * they are built and whether the daemon records and sends them; and
 * OpenDMARC's names with the same meaning (FailureReports,
 * FailureReportsSentBy, FailureReportsBcc, FailureReportsOnNone), and
 * the failure reports' own (FailureReportsRedact, ...RedactKey,
 * ...Window, ...Rate, ...QueueSize; milter/failure_sender.h).
 * OpenDMARC's HistoryFile is a compatibility row (opts_compat.c):
 * accepted with a warning that the store replaces it.
 * man/authmilter.conf.5 (REPORTS) documents each row.
 */

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_impl.h"
#include "domain.h"
#include "mem.h"

#define OFF(f)	offsetof(struct am_config, f)

static am_cfg_check_fn am_cfg_rep_store, am_cfg_rep_email,
    am_cfg_rep_interval, am_cfg_rep_addrs;
static am_cfg_whole_fn am_cfg_rep_check;

static const struct am_cfg_opt am_cfg_report_opts[] = {
	AM_CFG_ROW("ReportStore", AM_CFG_STR, OFF(report.store),
	    AM_CONFIG_REPORT_STORE, am_cfg_rep_store),
	AM_CFG_ROW("ReportOrgName", AM_CFG_STR, OFF(report.org_name), NULL,
	    am_cfg_check_nonempty),
	AM_CFG_ROW("ReportEmail", AM_CFG_STR, OFF(report.email), NULL,
	    am_cfg_rep_email),
	{ .name = "ReportInterval", .type = AM_CFG_FN,
	    .off = OFF(report.interval), .def = "24",
	    .check = am_cfg_rep_interval },
	AM_CFG_ROW("ReportRecord", AM_CFG_BOOL, OFF(report.record), NULL,
	    NULL),
	AM_CFG_ROW("ReportSend", AM_CFG_BOOL, OFF(report.send), "no", NULL),
	AM_CFG_NUM("ReportSendRate", AM_CFG_UINT, OFF(report.send_rate), "60",
	    0, 100000),
	AM_CFG_ROW("ReportSendmail", AM_CFG_STR, OFF(report.sendmail),
	    "/usr/sbin/sendmail", am_cfg_check_path),
	AM_CFG_NUM("ReportMaxSize", AM_CFG_SIZE, OFF(report.max_size),
	    "10485760", 1024, 1073741824),
	AM_CFG_ROW("ReportJournal", AM_CFG_STR, OFF(report.journal), NULL,
	    am_cfg_check_path),
	AM_CFG_ROW("ReportExcludeDomains", AM_CFG_LIST,
	    OFF(report.exclude_domains), NULL, am_cfg_check_domains),
	AM_CFG_NUM("ReportQueueSize", AM_CFG_UINT, OFF(report.queue_size),
	    "4096", 16, 1048576),
	AM_CFG_ROW("FailureReports", AM_CFG_BOOL, OFF(report.failure), "no",
	    NULL),
	AM_CFG_ROW("FailureReportsSentBy", AM_CFG_STR,
	    OFF(report.failure_sent_by), NULL, am_cfg_rep_email),
	AM_CFG_ROW("FailureReportsBcc", AM_CFG_LIST, OFF(report.failure_bcc),
	    NULL, am_cfg_rep_addrs),
	AM_CFG_ROW("FailureReportsOnNone", AM_CFG_BOOL,
	    OFF(report.failure_on_none), "no", NULL),
	AM_CFG_ROW("FailureReportsRedact", AM_CFG_BOOL,
	    OFF(report.failure_redact), "no", NULL),
	AM_CFG_ROW("FailureReportsRedactKey", AM_CFG_STR,
	    OFF(report.failure_redact_key), NULL, am_cfg_check_nonempty),
	AM_CFG_NUM("FailureReportsWindow", AM_CFG_UINT,
	    OFF(report.failure_window), "3600", 0, 604800),
	AM_CFG_NUM("FailureReportsRate", AM_CFG_UINT,
	    OFF(report.failure_rate), "10", 0, 100000),
	AM_CFG_NUM("FailureReportsQueueSize", AM_CFG_UINT,
	    OFF(report.failure_queue), "256", 1, 65536),
};

const struct am_cfg_table am_cfg_table_report =
    AM_CFG_TABLE(report, am_cfg_report_opts);
const struct am_cfg_feature am_cfg_feature_report = {
	"report", am_cfg_rep_check
};

static int
am_cfg_rep_store(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	char	*path, *s;
	size_t	 n;

	if (strncasecmp(v, "postgresql:", 11) == 0 && v[11] != '\0')
		return 0;
	if (strncasecmp(v, "sqlite:", 7) != 0 || v[7] == '\0')
		return am_cfg_bad(c, o, v, "sqlite:PATH or "
		    "postgresql:CONNINFO");
	/* A relative path is taken from the configuration's directory. */
	path = am_path_resolve(c->basedir, v + 7);
	n = strlen(path) + 8;
	s = am_malloc(n);
	(void)snprintf(s, n, "sqlite:%s", path);
	free(path);
	am_cfg_setstr(field, s);
	return 0;
}

/* An addr-spec as reports use it: local@domain, no spaces, no angle
 * brackets, the domain a host name. */
static int
am_cfg_rep_addr_ok(const char *v)
{
	const char	*at = strrchr(v, '@');
	struct am_err	 err;
	char		*a;
	size_t		 i;

	if (at == NULL || at == v || at[1] == '\0')
		return 0;
	for (i = 0; v[i] != '\0'; i++)
		if ((unsigned char)v[i] <= ' ' || v[i] == '<' ||
		    v[i] == '>' || v[i] == ',' || v[i] == 0x7f)
			return 0;
	if ((a = am_domain_to_alabel(at + 1, strlen(at + 1), &err)) == NULL)
		return 0;
	free(a);
	return 1;
}

static int
am_cfg_rep_email(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	(void)field;
	if (!am_cfg_rep_addr_ok(v))
		return am_cfg_bad(c, o, v, "an address, local-part@domain");
	return 0;
}

static int
am_cfg_rep_addrs(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	char	**a = *(char ***)field;
	size_t	  i;
	int	  r = 0;

	(void)v;
	for (i = 0; a[i] != NULL; i++)
		if (!am_cfg_rep_addr_ok(a[i]))
			r = am_cfg_bad(c, o, a[i], "addresses, "
			    "local-part@domain");
	return r;
}

static int
am_cfg_rep_interval(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	unsigned long long	 n;

	if (am_cfg_num(v, 1, 24, &n) == -1 || 24 % n != 0)
		return am_cfg_bad(c, o, v, "1, 2, 3, 4, 6, 8, 12 or 24 "
		    "(hours)");
	*(unsigned *)field = (unsigned)n;
	return 0;
}

/*
 * Whole-part check: ReportRecord not set means "record when ReportEmail
 * is set"; ReportSend needs ReportEmail (the reports' From) and
 * records; the journal defaults to the SQLite file's name with
 * ".journal" added, or /var/lib/authmilter/reports.journal.
 */
static void
am_cfg_rep_check(struct am_cfg_ctx *c)
{
	struct am_config_report	*r = &c->cfg->report;
	const char		*file;
	unsigned		 line;
	char			*j;
	size_t			 n;

	if (!am_cfg_is_set(c, "ReportRecord")) {
		r->record = r->email != NULL;
		am_cfg_set_shown(c->cfg, "ReportRecord",
		    r->record ? "yes" : "no");
	}
	if (r->journal == NULL) {
		if (r->store != NULL && strncasecmp(r->store, "sqlite:", 7)
		    == 0) {
			n = strlen(r->store + 7) + sizeof(".journal");
			j = am_malloc(n);
			(void)snprintf(j, n, "%s.journal", r->store + 7);
		} else
			j = am_strdup(AM_CONFIG_REPORT_JOURNAL);
		am_cfg_setstr(&r->journal, j);
		am_cfg_set_shown(c->cfg, "ReportJournal", j);
	}
	if (r->send && r->email == NULL) {
		am_cfg_where(c, "ReportSend", &file, &line);
		am_diag_error(c->diag, file, line, "ReportSend yes needs "
		    "ReportEmail (the reports' From and contact address)");
	}
	if (r->failure && r->email == NULL && r->failure_sent_by == NULL) {
		am_cfg_where(c, "FailureReports", &file, &line);
		am_diag_error(c->diag, file, line, "FailureReports yes needs "
		    "FailureReportsSentBy or ReportEmail (the reports' From)");
	}
	if (r->send && !r->record && r->email != NULL) {
		am_cfg_where(c, "ReportSend", &file, &line);
		am_diag_warn(c->diag, file, line, "ReportSend yes with "
		    "ReportRecord no: this daemon records nothing and sends "
		    "what other nodes stored");
	}
}
