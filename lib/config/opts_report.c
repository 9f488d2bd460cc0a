/*
 * opts_report - DMARC reports (RFC 9990 aggregate, RFC 9991 failure):
 * where report records are kept, who the reports come from, how often
 * they are built and whether the daemon records and sends them;
 * how they are submitted (ReportSendmail, or ReportSmtp* for a relay);
 * OpenDMARC's names with the same meaning (FailureReports,
 * FailureReportsSentBy, FailureReportsBcc, FailureReportsOnNone), and
 * the failure reports' own (FailureReportsRedact, ...RedactKey,
 * ...Window, ...Rate, ...QueueSize; milter/failure_sender.h).
 * ReportMailbox and ReportCaptureMaxSize: the daemon's capture of
 * reports sent to us (milter/report_capture.c), with the one matcher of
 * report mailbox addresses (am_config_report_mailbox).
 * OpenDMARC's HistoryFile is a compatibility row (opts_compat.c):
 * accepted with a warning that the store replaces it.
 * man/authmilter.conf.5 (REPORTS) documents each row.
 */

#include <sys/stat.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_impl.h"
#include "domain.h"
#include "mem.h"
#include "smtpc.h"

#define OFF(f)	offsetof(struct am_config, f)

static am_cfg_check_fn am_cfg_rep_store, am_cfg_rep_email,
    am_cfg_rep_interval, am_cfg_rep_addrs,
    am_cfg_rep_smtp, am_cfg_rep_smtp_tls;
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
	AM_CFG_NUM("ReportDestinationLimit", AM_CFG_UINT,
	    OFF(report.dest_limit), "10", 0, 100000),
	AM_CFG_NUM("ReportDailyLimit", AM_CFG_UINT, OFF(report.daily_limit),
	    "10000", 0, 100000000),
	AM_CFG_NUM("ReportSuppressDays", AM_CFG_UINT,
	    OFF(report.suppress_days), "30", 1, 3650),
	AM_CFG_ROW("ReportSendmail", AM_CFG_STR, OFF(report.sendmail),
	    "/usr/sbin/sendmail", am_cfg_check_path),
	AM_CFG_ROW("ReportSmtp", AM_CFG_STR, OFF(report.smtp), NULL,
	    am_cfg_rep_smtp),
	{ .name = "ReportSmtpTLS", .type = AM_CFG_FN,
	    .off = OFF(report.smtp_tls), .def = "require",
	    .check = am_cfg_rep_smtp_tls },
	AM_CFG_ROW("ReportSmtpCAFile", AM_CFG_STR, OFF(report.smtp_cafile),
	    NULL, am_cfg_check_path),
	AM_CFG_ROW("ReportSmtpUser", AM_CFG_STR, OFF(report.smtp_user), NULL,
	    am_cfg_check_nonempty),
	AM_CFG_ROW("ReportSmtpPasswordFile", AM_CFG_STR,
	    OFF(report.smtp_password_file), NULL, am_cfg_check_path),
	AM_CFG_ROW("ReportSmtpAuthInClear", AM_CFG_BOOL,
	    OFF(report.smtp_auth_in_clear), "no", NULL),
	AM_CFG_NUM("ReportSmtpTimeout", AM_CFG_UINT, OFF(report.smtp_timeout),
	    "60", 5, 600),
	AM_CFG_NUM("ReportMaxSize", AM_CFG_SIZE, OFF(report.max_size),
	    "10485760", 1024, 1073741824),
	AM_CFG_ROW("ReportJournal", AM_CFG_STR, OFF(report.journal), NULL,
	    am_cfg_check_path),
	AM_CFG_ROW("ReportExcludeDomains", AM_CFG_LIST,
	    OFF(report.exclude_domains), NULL, am_cfg_check_domains),
	AM_CFG_NUM("ReportQueueSize", AM_CFG_UINT, OFF(report.queue_size),
	    "4096", 16, 1048576),
	AM_CFG_ROW("ReportMailbox", AM_CFG_LIST, OFF(report.mailboxes), NULL,
	    am_cfg_rep_addrs),
	AM_CFG_NUM("ReportCaptureMaxSize", AM_CFG_SIZE,
	    OFF(report.capture_max), "20971520", 1024, 1073741824),
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

/* host, host:port, [address]:port: checked here, resolved when
 * sending. */
static int
am_cfg_rep_smtp(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	char		 host[256];
	unsigned	 port;

	(void)field;
	if (am_smtpc_split(v, host, sizeof(host), &port, 587) != 0)
		return am_cfg_bad(c, o, v, "HOST[:PORT]");
	return 0;
}

static int
am_cfg_rep_smtp_tls(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	if (strcasecmp(v, "none") == 0)
		*(int *)field = AM_CONFIG_SMTP_TLS_NONE;
	else if (strcasecmp(v, "starttls") == 0)
		*(int *)field = AM_CONFIG_SMTP_TLS_STARTTLS;
	else if (strcasecmp(v, "require") == 0)
		*(int *)field = AM_CONFIG_SMTP_TLS_REQUIRE;
	else
		return am_cfg_bad(c, o, v, "none, starttls or require");
	return 0;
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

/* ReportSmtpPasswordFile: its first line, without the line end, into
 * smtp_password (the text is never shown; the file should be
 * readable by root only). */
static void
am_cfg_rep_password(struct am_cfg_ctx *c, struct am_config_report *r)
{
	const char	*file;
	unsigned	 line;
	struct stat	 sb;
	FILE		*fp;
	size_t		 n;

	am_cfg_where(c, "ReportSmtpPasswordFile", &file, &line);
	if ((fp = fopen(r->smtp_password_file, "r")) == NULL) {
		am_diag_error(c->diag, file, line, "ReportSmtpPasswordFile "
		    "%s: %s", r->smtp_password_file, strerror(errno));
		return;
	}
	if (fstat(fileno(fp), &sb) == 0 && (sb.st_mode & S_IROTH))
		am_diag_warn(c->diag, file, line, "ReportSmtpPasswordFile %s "
		    "is readable by everyone (chmod 600)",
		    r->smtp_password_file);
	if (fgets(r->smtp_password, sizeof(r->smtp_password), fp) == NULL)
		r->smtp_password[0] = '\0';
	(void)fclose(fp);
	n = strcspn(r->smtp_password, "\r\n");
	if (r->smtp_password[n] == '\0' && n == sizeof(r->smtp_password) - 1)
		n = 0;	/* longer than the buffer: refused below */
	r->smtp_password[n] = '\0';
	if (n == 0)
		am_diag_error(c->diag, file, line, "ReportSmtpPasswordFile %s: "
		    "no password on its first line (or longer than %zu "
		    "octets)", r->smtp_password_file,
		    sizeof(r->smtp_password) - 2);
}

/* ReportSmtpUser and ReportSmtpPasswordFile go together. */
static void
am_cfg_rep_smtp_check(struct am_cfg_ctx *c, struct am_config_report *r)
{
	const char	*file;
	unsigned	 line;

	int		 user = am_cfg_is_set(c, "ReportSmtpUser"),
			 pw = am_cfg_is_set(c, "ReportSmtpPasswordFile");

	if (user != pw && c->diag->errors == 0) {	/* not after a bad line */
		am_cfg_where(c, user ? "ReportSmtpUser" :
		    "ReportSmtpPasswordFile", &file, &line);
		am_diag_error(c->diag, file, line, "ReportSmtpUser and "
		    "ReportSmtpPasswordFile are set together (AUTH needs "
		    "both)");
		return;
	}
	if (r->smtp_password_file != NULL && r->smtp_user != NULL)
		am_cfg_rep_password(c, r);
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
	am_cfg_rep_smtp_check(c, r);
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

/* ------------------------------------------------------ report mailboxes */

/* The address part of s (an RCPT TO argument or a configured address):
 * without blanks, angle brackets and a source route ("@a,@b:"); its
 * local part's base (before the first '+', unquoted) and its domain
 * (without a trailing dot) are set as [*lp, *lp + *ln), [*dp, *dp +
 * *dn).  0, or -1 when there is no local@domain. */
static int
am_cfg_rep_split(const char *s, const char **lp, size_t *ln,
    const char **dp, size_t *dn)
{
	const char	*b = s, *e = s + strlen(s), *at, *p, *c;

	while (b < e && (*b == ' ' || *b == '\t' || *b == '<'))
		b++;
	while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '>'))
		e--;
	if (b < e && *b == '@' && (c = memchr(b, ':', (size_t)(e - b))) !=
	    NULL)
		b = c + 1;
	for (at = NULL, p = b; p < e; p++)
		if (*p == '@')
			at = p;
	if (at == NULL || at == b || at + 1 == e)
		return -1;
	*dp = at + 1;
	*dn = (size_t)(e - at - 1);
	if (*dn > 0 && (*dp)[*dn - 1] == '.')
		(*dn)--;
	if (*b == '"' && at - b >= 2 && at[-1] == '"') {
		b++;
		at--;
	}
	p = memchr(b, '+', (size_t)(at - b));
	*lp = b;
	*ln = (size_t)((p != NULL ? p : at) - b);
	return *ln > 0 && *dn > 0 ? 0 : -1;
}

static int
am_cfg_rep_same(const char *want, const char *rl, size_t rln,
    const char *rd, size_t rdn)
{
	const char	*wl, *wd;
	size_t		 wln, wdn;

	if (want == NULL || am_cfg_rep_split(want, &wl, &wln, &wd, &wdn) != 0)
		return 0;
	return wln == rln && wdn == rdn && strncasecmp(wl, rl, rln) == 0 &&
	    strncasecmp(wd, rd, rdn) == 0;
}

int
am_config_report_mailbox(const struct am_config *cfg, const char *rcpt)
{
	const struct am_config_report	*r = &cfg->report;
	const char			*l, *d;
	size_t				 ln, dn, i;

	if (rcpt == NULL || am_cfg_rep_split(rcpt, &l, &ln, &d, &dn) != 0)
		return 0;
	if (am_cfg_rep_same(r->email, l, ln, d, dn) ||
	    am_cfg_rep_same(r->failure_sent_by, l, ln, d, dn))
		return 1;
	for (i = 0; r->mailboxes != NULL && r->mailboxes[i] != NULL; i++)
		if (am_cfg_rep_same(r->mailboxes[i], l, ln, d, dn))
			return 1;
	return 0;
}

int
am_config_report_capture(const struct am_config *cfg)
{
	return cfg->report.mailboxes != NULL &&
	    cfg->report.mailboxes[0] != NULL;
}
