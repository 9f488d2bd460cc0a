/*
 * t-config - the config loader: Debian's stock opendkim.conf, every
 * option (a good and a bad value each), errors with file:line and all
 * of them counted, refused and no-effect options, key checks (unsafe
 * permissions, sizes, algorithm), the sample config, print, macros
 */

#include <sys/socket.h>
#include <sys/stat.h>

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "base64.h"
#include "buf.h"
#include "config_impl.h"
#include "tap.h"

static struct am_buf	 logbuf;
static unsigned		 nerrors, nwarnings;
static char		 tmpdir[] = "/tmp/t-config.XXXXXX";
static char		 cpath[300];

static void
capture(void *ctx, enum am_log_level level, const char *line)
{
	(void)ctx;
	am_buf_printf(&logbuf, "%s: %s\n", am_log_level_name(level), line);
	if (level == AM_LOG_ERROR)
		nerrors++;
	else if (level == AM_LOG_WARN)
		nwarnings++;
}

static void
log_reset(void)
{
	am_buf_reset(&logbuf);
	nerrors = nwarnings = 0;
}

static const struct am_log	 tlog = { capture, NULL, NULL };

static int
logged(const char *s)
{
	return strstr(am_buf_str(&logbuf), s) != NULL;
}

static const char *
tpath(const char *name)
{
	static char	 p[2][300];
	static int	 k;

	k = !k;
	snprintf(p[k], sizeof(p[k]), "%s/%s", tmpdir, name);
	return p[k];
}

static void
write_file(const char *name, const char *text, mode_t mode)
{
	FILE	*fp = fopen(tpath(name), "w");

	fputs(text, fp);
	fclose(fp);
	chmod(tpath(name), mode);
}

static EVP_PKEY *
write_key(const char *name, const char *alg, size_t bits)
{
	EVP_PKEY	*pk;
	FILE		*fp;

	pk = strcmp(alg, "RSA") == 0 ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA",
	    bits) : EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	fp = fopen(tpath(name), "w");
	PEM_write_PrivateKey(fp, pk, NULL, NULL, 0, NULL, NULL);
	fclose(fp);
	chmod(tpath(name), 0600);
	return pk;
}

/* load - write text as c.conf in tmpdir and load it; zone DNS unless
 * ldns is set */

static struct am_config *
load_ov(const char *text, int ldns, struct am_config_overrides *ov,
    struct am_diag *counts)
{
	struct am_config_overrides	 none = { 0 };
	struct am_config		*cfg;
	struct am_err			 err;

	if (ov == NULL)
		ov = &none;
	if (!ldns && ov->dns_zone == NULL)
		ov->dns_zone = "";
	write_file("c.conf", text, 0644);
	snprintf(cpath, sizeof(cpath), "%s", tpath("c.conf"));
	log_reset();
	cfg = am_config_load(cpath, ov, &tlog, &err);
	memset(counts, 0, sizeof(*counts));
	counts->errors = nerrors;
	counts->warnings = nwarnings;
	return cfg;
}

static struct am_config *
load(const char *text, struct am_diag *counts)
{
	return load_ov(text, 0, NULL, counts);
}

/* ---------------------------------------------------------------- debian */

static void
test_debian(void)
{
	struct am_config_overrides	 ov = { 0 };
	struct am_config		*cfg;
	struct am_err			 err;
	char				 path[1024];

	snprintf(path, sizeof(path), "%s/t/unit/data/config/"
	    "debian-opendkim.conf", getenv("top_srcdir"));
	ov.dns_zone = "";
	log_reset();
	cfg = am_config_load(path, &ov, &tlog, &err);
	ok(cfg != NULL, "Debian's stock opendkim.conf loads");
	if (cfg == NULL) {
		diag(am_buf_str(&logbuf));
		return;
	}
	ok(!logged("error"), "Debian: no errors");
	ok(logged("debian-opendkim.conf:50: TrustAnchorFile is "
	    "accepted but has no effect"), "Debian: TrustAnchorFile warns "
	    "with file:line");
	ok(!logged("SyslogSuccess"), "Debian: SyslogSuccess is silent");
	ok(cfg->dkim.mode_sign && cfg->dkim.mode_verify,
	    "Debian: Mode sv (default)");
	ok(cfg->dkim.hcanon == AM_CANON_RELAXED &&
	    cfg->dkim.bcanon == AM_CANON_SIMPLE,
	    "Debian: relaxed/simple");
	ok(cfg->dkim.oversign_headers != NULL &&
	    strcmp(cfg->dkim.oversign_headers[0], "from") == 0 &&
	    cfg->dkim.oversign_headers[1] == NULL,
	    "Debian: OversignHeaders From");
	is_str(cfg->daemon.userid, "opendkim", "Debian: UserID");
	ok(cfg->daemon.has_umask && cfg->daemon.umask == 007,
	    "Debian: UMask 007");
	is_str(cfg->daemon.socket, "local:/run/opendkim/opendkim.sock",
	    "Debian: Socket");
	is_str(cfg->daemon.pidfile, "/run/opendkim/opendkim.pid",
	    "Debian: PidFile");
	ok(cfg->daemon.syslog == 1 && cfg->daemon.syslog_facility == LOG_MAIL,
	    "Debian: Syslog yes, facility mail");
	is_int(cfg->dkim.nkeysets, 0, "Debian: no keys (verify only)");
	am_config_unref(&cfg);
	ok(cfg == NULL, "unref sets NULL");
}

/* ---------------------------------------------------------------- options */

#define KF	"Domain example.com\nSelector s\nKeyFile ./rsa.pem\n"

static const struct {
	const char	*name;
	const char	*extra;		/* other lines it needs */
	const char	*good, *bad;	/* bad NULL: every value is good */
	int		 ldns;		/* test the real resolver set-up */
} opts[] = {
	{ "Mode", "", "v", "x", 0 },
	{ "Domain", "Selector s\nKeyFile ./rsa.pem\n",
	  "example.com, example.org", "bad..com", 0 },
	{ "Selector", "Domain example.com\nKeyFile ./rsa.pem\n", "sel2026",
	  "a..b", 0 },
	{ "KeyFile", "Domain example.com\nSelector s\n", "./rsa.pem",
	  "./missing.pem", 0 },
	{ "KeyTable", "SigningTable refile:SigningTable\n", "file:KeyTable",
	  "file:NoSuchTable", 0 },
	{ "SigningTable", "KeyTable file:KeyTable\n", "refile:SigningTable",
	  "file:NoSuchTable", 0 },
	{ "SubDomains", "", "yes", "maybe", 0 },
	{ "MultipleSignatures", "", "true", "2", 0 },
	{ "SignatureAlgorithm", KF, "rsa-sha256", "rsa-sha1", 0 },
	{ "Canonicalization", "", "simple", "relaxed/fancy", 0 },
	{ "SignHeaders", "", "*,+List-Id,-Cc", "Bad:Header", 0 },
	{ "OversignHeaders", "", "From, To", "bad header", 0 },
	{ "OmitHeaders", "", "X-Foo", "X:Foo", 0 },
	{ "SignatureTTL", "", "86400", "-1", 0 },
	{ "MinimumKeyBits", "", "2048", "lots", 0 },
	{ "RequireSafeKeys", "", "no", "perhaps", 0 },
	{ "InternalHosts", "", "10.0.0.0/8, !10.0.0.1", "10/8", 0 },
	{ "ExternalIgnoreList", "", "192.0.2.1", "1.2.3.4.5", 0 },
	{ "MacroList", "", "daemon_name=ORIG|MSA, {auth_type}", "=x", 0 },
	{ "MaximumSignaturesToVerify", "", "3", "0", 0 },
	{ "ClockSkew", "", "60", "100000", 0 },
	{ "ClockDrift", "", "60", "x", 0 },
	{ "BodyLengthPolicy", "", "honor", "lenient", 0 },
	{ "RejectBadFrom", "", "yes", "sometimes", 0 },
	{ "AuthservID", "", "mx.example.net", "has;semicolon", 0 },
	{ "RemoveARFrom", "", "mx.example.net, .example.org", "bad..host", 0 },
	{ "RemoveARAll", "", "yes", "all", 0 },
	{ "IPRev", "", "yes", "perhaps", 0 },
	{ "On-Default", "", "reject", "maybe", 0 },
	{ "On-BadSignature", "", "r", "explode", 0 },
	{ "On-DNSError", "", "accept", "a-ok", 0 },
	{ "On-InternalError", "", "Discard", "retry", 0 },
	{ "On-KeyNotFound", "", "q", "x", 0 },
	{ "On-NoSignature", "", "tempfail", "bounce", 0 },
	{ "On-SignatureError", "", "t", "y", 0 },
	{ "Nameservers", "", "127.0.0.1, ::1@5353", "not-an-ip", 1 },
	{ "DNSTimeout", "", "10", "0", 1 },
	{ "DNSBudget", "", "4", "0", 1 },
	{ "SPFMode", "", "off", "sometimes", 0 },
	{ "SPFSkipTrusted", "", "no", "x", 0 },
	{ "SPFFailAction", "", "reject", "tempfail", 0 },
	{ "SPFSoftFailAction", "", "r", "discard", 0 },
	{ "SPFTempErrorAction", "", "tempfail", "reject", 0 },
	{ "SPFReceivedHeader", "", "yes", "x", 0 },
	{ "SPFExplanation", "", "%{i} may not send for %{o}", "bad %{z}", 0 },
	{ "SPFTimeout", "", "20", "0", 0 },
	{ "DMARCMode", "", "off", "sometimes", 0 },
	{ "RejectFailures", "", "yes", "x", 0 },
	{ "HoldQuarantinedMessages", "", "no", "x", 0 },
	{ "IgnoreAuthenticatedClients", "", "no", "x", 0 },
	{ "IgnoreHosts", "", "192.0.2.0/24, mx.example.net", "10/8", 0 },
	{ "IgnoreMailFrom", "", "example.com, b\xc3\xbc" "cher.example",
	  "a..b", 0 },
	{ "IgnoreDomains", "", "example.com", "a..b", 0 },
	{ "RequiredHeaders", "", "no", "x", 0 },
	{ "RejectMultiValueFrom", "", "yes", "x", 0 },
	{ "DMARCDiscovery", "", "psl", "orgdomain", 0 },
	{ "PublicSuffixList", "",
	  "/usr/share/publicsuffix/public_suffix_list.dat", "./no-such.dat",
	  0 },
	{ "RejectString", "", "DMARC: %s says no", "no domain", 0 },
	{ "TemporaryErrorAction", "", "accept", "reject", 0 },
	{ "TrustedAuthservIDs", "", "border.example.org, relay.example.net",
	  "a(b", 0 },
	{ "SoftwareHeader", "", "yes", "si", 0 },
	{ "Socket", "", "inet:8891@localhost", "tcp:8891", 0 },
	{ "PidFile", "", "/run/am.pid", NULL, 0 },
	{ "UserID", "", "opendkim:opendkim", "a:b:c", 0 },
	{ "UMask", "", "007", "999", 0 },
	{ "Syslog", "", "no", "x", 0 },
	{ "SyslogFacility", "", "local3", "kern", 0 },
	{ "LogWhy", "", "yes", "x", 0 },
	{ "Background", "", "no", "x", 0 },
	{ "SelfCheck", "", "no", "x", 0 },
	{ "SelfCheckInterval", "", "6", "9000", 0 },
	{ "KeyWatch", "", "no", "x", 0 },
	{ "KeyWatchInterval", "", "5", "0", 0 },
	{ "KeyWatchPort", "", "5353", "65536", 0 },
	{ "KeyRetireDays", "", "10", "0", 0 },
	{ "LogFile", "", "/var/log/authmilter.log", "", 0 },
	{ "MilterTimeout", "", "120", "0", 0 },
	{ "MetricsSocket", "", "inet6:9779@[::1]", "inet:9779@localhost", 0 },
	{ "ReportStore", "", "postgresql:host=/run/postgresql dbname=am",
	  "mysql:reports", 0 },
	{ "ReportOrgName", "", "Example Mail", "", 0 },
	{ "ReportEmail", "", "dmarc-reports@example.net", "no-at-sign", 0 },
	{ "KeyUpdateServer", "KeyUpdateKeyFile /etc/k.key\n",
	  "192.0.2.1@5353", "ns.example", 0 },
	{ "KeyUpdateKeyFile", "KeyUpdateServer [2001:db8::1]@53\n",
	  "/etc/k.key", NULL, 0 },
	{ "KeyUpdateZone", "", "example.com, b\xc3\xbc" "cher.example",
	  "bad..domain", 0 },
	{ "KeyUpdateTTL", "", "3600", "604801", 0 },
	{ "KeyUpdateProtocol", "", "udp", "sctp", 0 },
	{ "KeyUpdateTimeout", "", "30", "0", 0 },
	{ "ReportInterval", "", "6", "5", 0 },
	{ "ReportRecord", "", "no", "x", 0 },
	{ "ReportSend", "ReportEmail d@example.net\n", "yes", "x", 0 },
	{ "ReportSendmail", "", "/usr/lib/sendmail", NULL, 0 },
	{ "ReportSendRate", "", "0", "100001", 0 },
	{ "ReportDestinationLimit", "", "0", "100001", 0 },
	{ "ReportDailyLimit", "", "500", "100000001", 0 },
	{ "ReportSuppressDays", "", "7", "0", 0 },
	{ "ReportSmtp", "", "smtp.example.net:587", "smtp.example.net:0", 0 },
	{ "ReportSmtpTLS", "", "starttls", "maybe", 0 },
	{ "ReportSmtpCAFile", "", "/etc/ssl/certs/ca-certificates.crt", NULL,
	  0 },
	{ "ReportSmtpUser", "ReportSmtpPasswordFile ./smtp.pw\n", "reporter",
	  "", 0 },
	{ "ReportSmtpPasswordFile", "ReportSmtpUser reporter\n", "./smtp.pw",
	  "./no-such.pw", 0 },
	{ "ReportSmtpAuthInClear", "", "yes", "x", 0 },
	{ "ReportSmtpTimeout", "", "30", "4", 0 },
	{ "ReportMaxSize", "", "1048576", "1023", 0 },
	{ "ReportJournal", "", "/var/spool/am/reports.journal", NULL, 0 },
	{ "ReportQueueSize", "", "100000", "15", 0 },
	{ "ReportExcludeDomains", "", "example.com, b\xc3\xbc" "cher.example",
	  "bad..domain", 0 },
	{ "ReportMailbox", "", "rua@example.net, ruf@example.net", "rua", 0 },
	{ "ReportCaptureMaxSize", "", "1048576", "1023", 0 },
	{ "FailureReports", "ReportEmail d@example.net\n", "yes", "x", 0 },
	{ "FailureReportsSentBy", "", "postmaster@example.net", "a b@c", 0 },
	{ "FailureReportsBcc", "", "a@example.net, b@example.org",
	  "not-an-address", 0 },
	{ "FailureReportsOnNone", "", "yes", "x", 0 },
	{ "FailureReportsRedact", "", "yes", "x", 0 },
	{ "FailureReportsRedactKey", "", "a secret", "", 0 },
	{ "FailureReportsWindow", "", "600", "604801", 0 },
	{ "FailureReportsRate", "", "0", "100001", 0 },
	{ "FailureReportsQueueSize", "", "1024", "0", 0 },
};

static void
test_every_option(void)
{
	struct am_config	*cfg;
	struct am_diag		 c;
	struct am_buf		 text;
	char			 name[200], *printed;
	size_t			 i, j, n;
	FILE			*fp;

	am_buf_init(&text, 1 << 16);
	for (i = 0; i < am_cfg_opt_count(); i++) {
		for (j = 0; j < sizeof(opts) / sizeof(opts[0]); j++)
			if (strcmp(opts[j].name, am_cfg_opt_at(i)->name) == 0)
				break;
		snprintf(name, sizeof(name), "option %s has a test",
		    am_cfg_opt_at(i)->name);
		ok(j < sizeof(opts) / sizeof(opts[0]), name);
	}
	for (j = 0; j < sizeof(opts) / sizeof(opts[0]); j++) {
		am_buf_reset(&text);
		am_buf_printf(&text, "%s\t%s\n%s", opts[j].name, opts[j].good,
		    opts[j].extra);
		cfg = load_ov(am_buf_str(&text), opts[j].ldns, NULL, &c);
		snprintf(name, sizeof(name), "%s %s: loads, no warning",
		    opts[j].name, opts[j].good);
		ok(cfg != NULL && c.errors == 0 && c.warnings == 0, name);
		if (cfg == NULL || c.warnings != 0)
			diag(am_buf_str(&logbuf));
		if (cfg != NULL && !(am_cfg_opt_find(opts[j].name, NULL)->flags &
		    AM_CFG_ALIAS)) {
			fp = open_memstream(&printed, &n);
			am_config_print(cfg, fp);
			fclose(fp);
			snprintf(name, sizeof(name), "\n%s ", opts[j].name);
			ok(strstr(printed, name) != NULL, "print shows it");
			free(printed);
		}
		am_config_unref(&cfg);
		if (opts[j].bad == NULL)
			continue;
		am_buf_reset(&text);
		am_buf_printf(&text, "%s\t%s\n%s", opts[j].name, opts[j].bad,
		    opts[j].extra);
		cfg = load_ov(am_buf_str(&text), opts[j].ldns, NULL, &c);
		snprintf(name, sizeof(name), "%s %s: one error, at line 1",
		    opts[j].name, opts[j].bad);
		ok(cfg == NULL && c.errors == 1 && logged("c.conf:1: "),
		    name);
		if (c.errors != 1 || !logged("c.conf:1: "))
			diag(am_buf_str(&logbuf));
		am_config_unref(&cfg);
	}
	am_buf_release(&text);
}

/* Reports: the defaults, the ones that follow other options, OpenDMARC's
 * names */

static void
test_keyupdate(void)
{
	struct am_config	*cfg;
	struct am_diag		 c;

	cfg = load("Mode v\n", &c);
	ok(cfg != NULL && cfg->keyupdate.server == NULL &&
	    cfg->keyupdate.keyfile == NULL && cfg->keyupdate.zones == NULL &&
	    cfg->keyupdate.ttl == 300 && cfg->keyupdate.timeout == 10 &&
	    strcmp(cfg->keyupdate.protocol, "tcp") == 0,
	    "key updates: defaults (off)");
	am_config_unref(&cfg);
	cfg = load("KeyUpdateServer 192.0.2.1\n", &c);
	ok(cfg == NULL && c.errors == 1 && logged("KeyUpdateServer needs "
	    "KeyUpdateKeyFile"), "key updates: a server needs a TSIG key");
	cfg = load("KeyUpdateKeyFile k.key\n", &c);
	ok(cfg == NULL && c.errors == 1 && logged("KeyUpdateKeyFile needs "
	    "KeyUpdateServer"), "key updates: a key needs a server");
	cfg = load("KeyUpdateKeyFile k.key\nKeyUpdateServer 192.0.2.1\n", &c);
	ok(cfg != NULL && strcmp(cfg->keyupdate.keyfile, tpath("k.key")) == 0,
	    "key updates: the key file taken from the config's directory");
	am_config_unref(&cfg);
}

static void
test_report(void)
{
	struct am_config	*cfg;
	struct am_diag		 c;
	char			 want[1200];

	cfg = load("Mode v\n", &c);
	ok(cfg != NULL && c.warnings == 0 && strcmp(cfg->report.store,
	    "sqlite:/var/lib/authmilter/reports.db") == 0 &&
	    cfg->report.interval == 24 && !cfg->report.record &&
	    !cfg->report.send && !cfg->report.failure &&
	    cfg->report.queue_size == 4096 &&
	    strcmp(cfg->report.journal,
	    "/var/lib/authmilter/reports.db.journal") == 0,
	    "reports: defaults (no ReportEmail: nothing recorded)");
	am_config_unref(&cfg);
	cfg = load("ReportEmail d@example.net\nReportStore sqlite:r.db\n", &c);
	snprintf(want, sizeof(want), "sqlite:%s", tpath("r.db"));
	ok(cfg != NULL && cfg->report.record &&
	    strcmp(cfg->report.store, want) == 0 &&
	    strcmp(cfg->report.journal, want + 7) != 0 &&
	    strncmp(cfg->report.journal, want + 7, strlen(want + 7)) == 0 &&
	    strcmp(cfg->report.journal + strlen(want + 7), ".journal") == 0,
	    "reports: ReportEmail turns recording on; a relative store is "
	    "taken from the file's directory, the journal beside it");
	am_config_unref(&cfg);
	cfg = load("ReportEmail d@example.net\nReportRecord no\n"
	    "ReportStore postgresql:dbname=am\n", &c);
	ok(cfg != NULL && !cfg->report.record && strcmp(cfg->report.journal,
	    "/var/lib/authmilter/reports.journal") == 0,
	    "reports: ReportRecord no wins; PostgreSQL's journal default");
	am_config_unref(&cfg);
	cfg = load("ReportSend yes\n", &c);
	ok(cfg == NULL && c.errors == 1 && logged("c.conf:1: ReportSend yes "
	    "needs ReportEmail"), "reports: ReportSend needs ReportEmail");
	cfg = load("FailureReports yes\n", &c);
	ok(cfg == NULL && c.errors == 1 && logged("c.conf:1: FailureReports "
	    "yes needs FailureReportsSentBy or ReportEmail"),
	    "reports: FailureReports yes needs a From address");
	cfg = load("FailureReports yes\nFailureReportsSentBy "
	    "ruf@example.net\n", &c);
	ok(cfg != NULL && c.errors == 0 && cfg->report.failure &&
	    cfg->report.failure_window == 3600 && cfg->report.failure_rate ==
	    10 && cfg->report.failure_queue == 256 &&
	    !cfg->report.failure_redact, "reports: FailureReports yes with "
	    "FailureReportsSentBy; the defaults");
	am_config_unref(&cfg);
	cfg = load("Mode v\nHistoryFile /var/run/opendmarc/opendmarc.dat\n",
	    &c);
	ok(cfg != NULL && c.warnings == 1 && logged("c.conf:2: HistoryFile is "
	    "accepted but has no effect: nothing is written to it: "
	    "authmilter's report store replaces it"), "reports: HistoryFile warns that the store replaces "
	    "it");
	am_config_unref(&cfg);
}

/* SPF: the defaults, and the warning about the MTA's timeout */

static void
test_spf(void)
{
	struct am_config	*cfg;
	struct am_diag		 c;

	cfg = load("Mode v\n", &c);
	ok(cfg != NULL && cfg->spf.mode && cfg->spf.skip_trusted &&
	    cfg->spf.fail_action == AM_ACTION_ACCEPT &&
	    cfg->spf.softfail_action == AM_ACTION_ACCEPT &&
	    cfg->spf.temperror_action == AM_ACTION_ACCEPT &&
	    !cfg->spf.received_header && cfg->spf.explanation == NULL &&
	    cfg->spf.timeout == 10, "SPF defaults: on, skip trusted, "
	    "annotate only, no Received-SPF, built-in explanation, 10 s");
	am_config_unref(&cfg);
	cfg = load("SPFTimeout 25\n", &c);
	ok(cfg != NULL && c.warnings == 1 && logged("c.conf:1: SPFTimeout "
	    "(25 s) plus two DNSTimeout attempts (10 s) exceed"),
	    "SPFTimeout 25 with DNSTimeout 5: warned (MTA timeout 30 s)");
	am_config_unref(&cfg);
	cfg = load("SPFTimeout 25\nSPFMode off\n", &c);
	ok(cfg != NULL && c.warnings == 0, "SPFMode off: no timeout warning");
	am_config_unref(&cfg);
	cfg = load("SPFFailAction quarantine\n", &c);
	ok(cfg == NULL && logged("want accept or reject"),
	    "SPFFailAction takes accept or reject only");
	am_config_unref(&cfg);
}

/* TrustedAuthservIDs: never our own AuthservID */

static void
test_trusted(void)
{
	struct am_config	*cfg;
	struct am_diag		 c;

	cfg = load("Mode v\n", &c);
	ok(cfg != NULL && cfg->dmarc.trusted_ids == NULL,
	    "TrustedAuthservIDs: none by default");
	am_config_unref(&cfg);
	cfg = load("AuthservID mx.example.org\nTrustedAuthservIDs "
	    "relay.example.net, MX.example.org\n", &c);
	ok(cfg != NULL && c.warnings == 1 && logged("c.conf:2: "
	    "TrustedAuthservIDs: \"MX.example.org\" is our own AuthservID, "
	    "never trusted") && cfg->dmarc.trusted_ids != NULL &&
	    strcmp(cfg->dmarc.trusted_ids[0], "relay.example.net") == 0 &&
	    cfg->dmarc.trusted_ids[1] == NULL,
	    "TrustedAuthservIDs: our own AuthservID warned about and dropped");
	am_config_unref(&cfg);
	cfg = load("TrustedAuthservIDs relay example\n", &c);
	ok(cfg == NULL && logged("bad authserv-id \"relay example\""),
	    "TrustedAuthservIDs: an id with a space is refused");
	am_config_unref(&cfg);
}

static void
test_values(void)
{
	struct am_config	*cfg;
	struct am_diag		 c;

	cfg = load("Mode s\n" KF "Canonicalization simple/relaxed\n"
	    "SignHeaders *,+List-Id,-Cc\nOmitHeaders *,-Bcc,+From\n"
	    "SignatureTTL 604800\nMinimumKeyBits 2048\n"
	    "ClockDrift 42\nBodyLengthPolicy refuse\nOn-Default reject\n"
	    "On-NoSignature accept\nMaximumSignaturesToVerify 4\n"
	    "AuthservID HOSTNAME\nUMask 027\nSyslogFacility LOG_LOCAL5\n"
	    "RemoveARFrom MX.Example.NET\n", &c);
	ok(cfg != NULL, "many options load");
	if (cfg == NULL) {
		diag(am_buf_str(&logbuf));
		return;
	}
	ok(cfg->dkim.mode_sign && !cfg->dkim.mode_verify, "Mode s");
	ok(cfg->dkim.hcanon == AM_CANON_SIMPLE &&
	    cfg->dkim.bcanon == AM_CANON_RELAXED,
	    "simple/relaxed");
	ok(cfg->dkim.sign_headers != NULL && strcmp(cfg->dkim.sign_headers[0],
	    "from") == 0, "SignHeaders delta starts from the default");
	{
		size_t	 i;
		int	 cc = 0, lid = 0;

		for (i = 0; cfg->dkim.sign_headers[i] != NULL; i++) {
			cc |= strcmp(cfg->dkim.sign_headers[i], "cc") == 0;
			lid |= strcmp(cfg->dkim.sign_headers[i],
			    "list-id") == 0;
		}
		ok(!cc && lid, "SignHeaders delta: -Cc, +List-Id (kept once)");
	}
	ok(logged("From is always signed"), "OmitHeaders From: warning");
	ok(cfg->dkim.omit_headers[0] != NULL &&
	    strcmp(cfg->dkim.omit_headers[0], "return-path") == 0,
	    "OmitHeaders delta starts from OpenDKIM's list");
	is_int(cfg->dkim.signature_ttl, 604800, "SignatureTTL");
	ok(cfg->dkim.minimum_key_bits == 2048 &&
	    cfg->dkim.verify.min_key_bits == 2048,
	    "MinimumKeyBits: signing and verifying");
	is_int(cfg->dkim.verify.clock_skew, 42, "ClockDrift is ClockSkew");
	is_int(cfg->dkim.verify.l_policy, AM_DKIM_L_REFUSE, "BodyLengthPolicy");
	ok(cfg->dkim.on_bad_signature == AM_ACTION_REJECT &&
	    cfg->dkim.on_dns_error == AM_ACTION_REJECT &&
	    cfg->dkim.on_no_signature == AM_ACTION_ACCEPT,
	    "On-Default first, then On-NoSignature (whatever the order)");
	is_int(cfg->dkim.verify.max_signatures, 4, "MaximumSignaturesToVerify");
	{
		char		 host[256];
		struct addrinfo	 hints, *res = NULL;

		/* The fully qualified name, as "hostname -f" finds it. */
		gethostname(host, sizeof(host));
		host[sizeof(host) - 1] = '\0';
		memset(&hints, 0, sizeof(hints));
		hints.ai_flags = AI_CANONNAME;
		if (getaddrinfo(host, NULL, &hints, &res) == 0 &&
		    res->ai_canonname != NULL)
			snprintf(host, sizeof(host), "%s", res->ai_canonname);
		if (res != NULL)
			freeaddrinfo(res);
		is_str(cfg->ar.authserv_id, host, "AuthservID HOSTNAME: the "
		    "fully qualified host name");
	}
	is_int(cfg->daemon.umask, 027, "UMask octal");
	is_int(cfg->daemon.syslog_facility, LOG_LOCAL5,
	    "SyslogFacility LOG_LOCAL5");
	is_str(cfg->ar.remove_from[0], "mx.example.net", "RemoveARFrom lower");
	is_str(cfg->dkim.keyfile, tpath("rsa.pem"), "KeyFile resolved from the "
	    "config directory");
	ok(cfg->dns.resolver != NULL, "resolver built");
	am_config_unref(&cfg);

	cfg = load("", &c);
	ok(cfg != NULL && c.errors == 0, "empty file: all defaults");
	if (cfg == NULL)
		return;
	ok(cfg->dkim.mode_sign && cfg->dkim.mode_verify, "default Mode sv");
	ok(cfg->dkim.hcanon == AM_CANON_RELAXED &&
	    cfg->dkim.bcanon == AM_CANON_RELAXED,
	    "default relaxed/relaxed");
	ok(cfg->dkim.require_safe_keys && cfg->dkim.minimum_key_bits == 1024,
	    "default RequireSafeKeys yes, MinimumKeyBits 1024");
	ok(cfg->dkim.verify.max_signatures == 10 &&
	    cfg->dkim.verify.clock_skew == 300 &&
	    cfg->dkim.verify.l_policy == AM_DKIM_L_STRICT,
	    "default verify options");
	ok(cfg->dns.timeout == 5 && cfg->daemon.syslog &&
	    cfg->daemon.background && !cfg->daemon.has_umask,
	    "default DNSTimeout, Syslog, Background, UMask");
	ok(cfg->dkim.on_bad_signature == AM_ACTION_ACCEPT &&
	    cfg->dkim.on_dns_error == AM_ACTION_TEMPFAIL &&
	    cfg->dkim.on_internal_error == AM_ACTION_TEMPFAIL &&
	    cfg->dkim.on_key_not_found == AM_ACTION_ACCEPT &&
	    cfg->dkim.on_no_signature == AM_ACTION_ACCEPT &&
	    cfg->dkim.on_signature_error == AM_ACTION_REJECT,
	    "default actions (OpenDKIM's)");
	ok(am_peerlist_count(cfg->dkim.internal_hosts) == 2,
	    "default InternalHosts 127.0.0.1, ::1");
	ok(cfg->dkim.sign_headers == NULL && cfg->dkim.omit_headers == NULL,
	    "default SignHeaders/OmitHeaders: none (library default)");
	is_str(cfg->daemon.socket, "unix:/run/authmilter/authmilter.sock",
	    "default Socket");
	am_config_unref(&cfg);
}

/* ---------------------------------------------------------------- errors */

static void
test_errors(void)
{
	struct am_config	*cfg;
	struct am_err		 err;
	char			 path[1024], want[64];
	static const unsigned	 lines[] = { 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
	size_t			 i;
	struct am_config_overrides ov = { 0 };
	unsigned		 n;

	snprintf(path, sizeof(path), "%s/t/unit/data/config/errors.conf",
	    getenv("top_srcdir"));
	ov.dns_zone = "";
	log_reset();
	cfg = am_config_load(path, &ov, &tlog, &err);
	ok(cfg == NULL, "errors.conf fails");
	n = nerrors;
	is_int(n, 11, "errors.conf: every error reported (11)");
	ok(strstr(err.msg, "11 errors") != NULL, "err says how many");
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		snprintf(want, sizeof(want), "errors.conf:%u: ",
		    lines[i]);
		ok(logged(want), want);
	}
	ok(logged("errors.conf:3: unknown option \"Bogus\""),
	    "unknown option named");
	ok(logged("errors.conf:8: Domain: \"bad..domain\""), "bad domain");
	ok(logged("errors.conf:14: SPFMode is set again (before: ") &&
	    logged("/errors.conf:13); the last one wins"),
	    "repeated option: a warning naming both lines");
	ok(logged("errors.conf:6: LDAPUseTLS: not supported"),
	    "refused option named");
	ok(logged("errors.conf:11: Selector: missing value"),
	    "missing value");
	ok(logged("errors.conf:12: TrustAnchorFile"),
	    "warnings reported too");
	if (n != 11)
		diag(am_buf_str(&logbuf));

	cfg = am_config_load("/nonexistent/authmilter.conf", &ov, &tlog, &err);
	ok(cfg == NULL && strstr(err.msg, "1 error") != NULL,
	    "missing config file: one error");
}

static void
test_others(void)
{
	struct am_config	*cfg;
	struct am_diag		 c;
	char			 text[200], name[200];
	size_t			 i;

	for (i = 0; am_cfg_others[i].name != NULL; i++) {
		snprintf(text, sizeof(text), "%s yes\n", am_cfg_others[i].name);
		cfg = load(text, &c);
		switch (am_cfg_others[i].what) {
		case AM_CFG_REFUSED:
			snprintf(name, sizeof(name), "%s refused by name",
			    am_cfg_others[i].name);
			snprintf(text, sizeof(text), "c.conf:1: %s: ",
			    am_cfg_others[i].name);
			ok(cfg == NULL && c.errors == 1 && logged(text), name);
			break;
		case AM_CFG_NOEFFECT:
			snprintf(name, sizeof(name), "%s accepted, warning",
			    am_cfg_others[i].name);
			ok(cfg != NULL && c.errors == 0 && c.warnings == 1 &&
			    logged("has no effect"), name);
			break;
		case AM_CFG_ALWAYS:
			snprintf(name, sizeof(name), "%s accepted silently",
			    am_cfg_others[i].name);
			ok(cfg != NULL && c.errors == 0 && c.warnings == 0,
			    name);
			break;
		case AM_CFG_OFFONLY:
			snprintf(name, sizeof(name), "%s yes refused",
			    am_cfg_others[i].name);
			snprintf(text, sizeof(text), "c.conf:1: %s yes: "
			    "authmilter does not ", am_cfg_others[i].name);
			ok(cfg == NULL && c.errors == 1 && logged(text), name);
			am_config_unref(&cfg);
			snprintf(text, sizeof(text), "%s no\n",
			    am_cfg_others[i].name);
			cfg = load(text, &c);
			snprintf(name, sizeof(name), "%s no: warning",
			    am_cfg_others[i].name);
			ok(cfg != NULL && c.errors == 0 && c.warnings == 1 &&
			    logged("is accepted: it turns off"), name);
			break;
		}
		am_config_unref(&cfg);
	}
	cfg = load("keytable file:KeyTable\nSIGNINGTABLE refile:SigningTable\n",
	    &c);
	ok(cfg != NULL && cfg->dkim.nkeysets == 3, "option names are "
	    "case-insensitive");
	am_config_unref(&cfg);
}

/* ---------------------------------------------------------------- keys */

static void
test_key_tables(void)
{
	struct am_config	*cfg;
	struct am_diag		 c;

	write_file("KT-bad", "k1 example.com:s:./rsa.pem\n"
	    "k2 example.com:s\n"
	    "k3 example.com:s:./nonexistent.pem\n"
	    "k4 bad..domain:s:./rsa.pem\n"
	    "k5 example.com:s:keys/rsa.pem\n"
	    "k6 %:s:/keys/%.pem\n"
	    "k1 example.com:t:./ed.pem\n", 0644);
	write_file("ST-bad", "*@example.com k1\n*@x.example nokey\n", 0644);
	cfg = load("KeyTable file:KT-bad\nSigningTable refile:ST-bad\n", &c);
	ok(cfg == NULL, "bad KeyTable fails");
	is_int(c.errors, 7, "bad KeyTable: every bad line reported");
	ok(logged("KT-bad:2: key k2: want \"domain:selector:keyfile\""),
	    "KeyTable: two fields");
	ok(logged("KT-bad:3: key file ") && logged("nonexistent.pem: "
	    "cannot open"), "KeyTable: missing key file, file:line");
	ok(logged("KT-bad:4: domain \"bad..domain\""),
	    "KeyTable: bad domain");
	ok(logged("KT-bad:5: key for k5: neither a key file"),
	    "KeyTable: relative path without ./ is not a file (OpenDKIM)");
	ok(logged("KT-bad:6: ") && logged("'%' in a key is not "
	    "supported"), "KeyTable: '%' in a key path refused");
	ok(logged("KT-bad:7: key name k1 is already defined"),
	    "KeyTable: duplicate name");
	ok(logged("ST-bad:2: key name \"nokey\" is not in the "
	    "KeyTable"), "SigningTable: unknown key name");
}

static void
test_key_files(void)
{
	struct am_config	*cfg;
	struct am_diag		 c;

	chmod(tpath("rsa.pem"), 0640);
	cfg = load(KF, &c);
	ok(cfg == NULL && c.errors == 1 && logged("c.conf:3: key file "
	    ) && logged("is readable or writable by group or others (mode "
	    "0640)"), "group-readable key: error at the KeyFile line");
	chmod(tpath("rsa.pem"), 0604);
	cfg = load(KF, &c);
	ok(cfg == NULL && c.errors == 1, "world-readable key: error");
	chmod(tpath("rsa.pem"), 0620);
	cfg = load(KF, &c);
	ok(cfg == NULL && c.errors == 1, "group-writable key: error");
	cfg = load(KF "RequireSafeKeys no\n", &c);
	ok(cfg != NULL && c.errors == 0 && c.warnings == 1,
	    "RequireSafeKeys no: a warning only");
	am_config_unref(&cfg);
	chmod(tpath("rsa.pem"), 0600);

	mkdir(tpath("open"), 0700);
	chmod(tpath("open"), 0777);
	EVP_PKEY_free(write_key("open/k.pem", "ED25519", 0));
	cfg = load("Domain example.com\nSelector s\nKeyFile ./open/k.pem\n", &c);
	ok(cfg == NULL && logged("is in a directory others can write to"),
	    "key in a world-writable directory: error");

	EVP_PKEY_free(write_key("rsa1024.pem", "RSA", 1024));
	cfg = load("Domain example.com\nSelector s\nKeyFile ./rsa1024.pem\n", &c);
	ok(cfg != NULL && c.warnings == 1 && logged("only 1024 bits"),
	    "RSA-1024: a warning");
	am_config_unref(&cfg);
	cfg = load("Domain example.com\nSelector s\nKeyFile ./rsa1024.pem\n"
	    "MinimumKeyBits 2048\n", &c);
	ok(cfg == NULL && c.errors == 1 && logged("under MinimumKeyBits "
	    "(2048)"), "RSA-1024 under MinimumKeyBits 2048: error");
	cfg = load(KF "SignatureAlgorithm ed25519-sha256\n", &c);
	ok(cfg == NULL && c.errors == 1 && logged("SignatureAlgorithm is "
	    "ed25519-sha256 but this key is for rsa-sha256"),
	    "SignatureAlgorithm must match the key");
	cfg = load("KeyTable file:KeyTable\nSigningTable refile:SigningTable\n"
	    "SignatureAlgorithm rsa-sha256\n", &c);
	ok(cfg == NULL && c.errors == 2, "SignatureAlgorithm vs the Ed25519 keys "
	    "of a dual set and of a single set: two errors");
	if (c.errors != 2)
		diag(am_buf_str(&logbuf));
}

static void
test_key_misc(void)
{
	struct am_config	*cfg;
	struct am_diag		 c;
	EVP_PKEY		*pk;
	struct am_buf		 b64, text;
	unsigned char		*der = NULL;
	int			 len;

	/* An inline base64 DER key (PKCS#8), as OpenDKIM allows. */
	pk = write_key("inline-src.pem", "ED25519", 0);
	len = i2d_PrivateKey(pk, &der);
	am_buf_init(&b64, 4096);
	am_buf_init(&text, 8192);
	(void)am_base64_encode(der, (size_t)len, &b64);
	am_buf_printf(&text, "k example.com:s:%s\n", am_buf_str(&b64));
	write_file("KT-inline", am_buf_str(&text), 0600);
	write_file("ST-inline", "example.com k\n", 0644);
	cfg = load("KeyTable file:KT-inline\nSigningTable file:ST-inline\n", &c);
	ok(cfg != NULL && cfg->dkim.nkeysets == 1 &&
	    cfg->dkim.keysets[0].keys[0].pkey != NULL,
	    "inline base64 DER key");
	if (cfg != NULL)
		ok(EVP_PKEY_eq(cfg->dkim.keysets[0].keys[0].pkey, pk) == 1,
		    "inline key is the same key");
	am_config_unref(&cfg);
	OPENSSL_free(der);
	EVP_PKEY_free(pk);
	am_buf_release(&b64);
	am_buf_release(&text);

	cfg = load("Domain example.com\nKeyFile ./rsa.pem\n", &c);
	ok(cfg == NULL && logged("needs Domain, Selector and KeyFile; "
	    "Selector"), "KeyFile without Selector: error");
	cfg = load("SigningTable refile:SigningTable\n", &c);
	ok(cfg == NULL && logged("SigningTable needs a KeyTable"),
	    "SigningTable without KeyTable");
	cfg = load("KeyTable file:KeyTable\n", &c);
	ok(cfg == NULL && logged("KeyTable needs a SigningTable"),
	    "KeyTable without SigningTable");
	cfg = load("Mode s\n", &c);
	ok(cfg == NULL && logged("Mode s needs keys"), "Mode s without keys");
	cfg = load("KeyTable file:KeyTable\nSigningTable refile:SigningTable\n"
	    KF, &c);
	ok(cfg != NULL && c.warnings == 3 && logged("Domain is ignored: "
	    "KeyTable is set"), "Domain/Selector/KeyFile with a KeyTable: "
	    "warnings");
	am_config_unref(&cfg);
}

/* ---------------------------------------------------------------- sample */

static void
copy(const char *from, const char *to, mode_t mode)
{
	char	 src[1024], buf[8192];
	FILE	*in, *out;
	size_t	 n;

	snprintf(src, sizeof(src), "%s/%s", getenv("top_srcdir"), from);
	in = fopen(src, "r");
	out = fopen(tpath(to), "w");
	while (in != NULL && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	if (in != NULL)
		fclose(in);
	fclose(out);
	chmod(tpath(to), mode);
}

static void
test_sample(void)
{
	struct am_config_overrides	 ov = { 0 };
	struct am_config		*cfg, *again;
	struct am_sign_plan		 p;
	struct am_err			 err;
	char				 zone[1024], *printed;
	size_t				 n;
	FILE				*fp;

	mkdir(tpath("sample"), 0755);
	copy("conf/authmilter.conf", "sample/authmilter.conf", 0644);
	copy("conf/KeyTable", "sample/KeyTable", 0644);
	copy("conf/SigningTable", "sample/SigningTable", 0644);
	copy("conf/demo-rsa.key", "sample/demo-rsa.key", 0600);
	copy("conf/demo-ed25519.key", "sample/demo-ed25519.key", 0600);
	snprintf(zone, sizeof(zone), "%s/conf/demo.zone", getenv("top_srcdir"));
	ov.dns_zone = zone;
	ov.socket = "inet:12345@127.0.0.1";
	log_reset();
	chdir("/");
	cfg = am_config_load(tpath("sample/authmilter.conf"), &ov, &tlog, &err);
	ok(cfg != NULL, "conf/authmilter.conf loads (from another directory)");
	if (cfg == NULL) {
		diag(am_buf_str(&logbuf));
		return;
	}
	ok(!logged("error") && !logged("warning"), "sample: no errors or "
	    "warnings");
	is_str(cfg->daemon.socket, "inet:12345@127.0.0.1", "override: Socket");
	is_int(am_config_sign_plan(cfg, "alice@example.net", &p), 2,
	    "sample: two signatures for example.net");
	is_str(p.sig[0].key->selector, "rsa2026", "sample: rsa2026");
	is_str(p.sig[1].key->selector, "ed2026", "sample: ed2026");
	is_int(am_config_sign_plan(cfg, "bob@example.org", &p), 0,
	    "sample: nothing for example.org");

	fp = open_memstream(&printed, &n);
	am_config_print(cfg, fp);
	fclose(fp);
	ok(strstr(printed, "\nKeyTable                    file:KeyTable\n") !=
	    NULL, "print: KeyTable as written");
	ok(strstr(printed, "\n#PidFile") != NULL, "print: unset options "
	    "commented");
	ok(strstr(printed, "\nInternalHosts               127.0.0.1, ::1\n")
	    != NULL, "print: defaults");
	write_file("sample/printed.conf", printed, 0644);
	free(printed);
	log_reset();
	again = am_config_load(tpath("sample/printed.conf"), &ov, &tlog, &err);
	ok(again != NULL && !logged("error"), "printed config loads again");
	if (again != NULL)
		is_int(am_config_sign_plan(again, "alice@example.net", &p), 2,
		    "printed config: same plan");
	am_config_unref(&again);

	am_config_ref(cfg);
	again = cfg;
	am_config_unref(&cfg);
	ok(again->refs == 1, "ref/unref count");
	am_config_unref(&again);
}

/* ---------------------------------------------------------------- misc */

static const char *
macro_get(void *ctx, const char *name)
{
	const char *const	*kv = ctx;

	for (; kv[0] != NULL; kv += 2)
		if (strcmp(kv[0], name) == 0)
			return kv[1];
	return NULL;
}

static void
test_macros(void)
{
	static const char *const	 none[] = { NULL };
	static const char *const	 orig[] = { "{daemon_name}", "ORIG",
	    NULL };
	static const char *const	 other[] = { "{daemon_name}", "MX",
	    NULL };
	static const char *const	 auth[] = { "{auth_type}", "PLAIN",
	    NULL };
	static const char *const	 empty[] = { "{auth_type}", "", NULL };
	struct am_config		*cfg;
	struct am_diag			 c;

	cfg = load("MacroList daemon_name=ORIG|MSA, auth_type\n", &c);
	ok(cfg != NULL, "MacroList loads");
	if (cfg == NULL)
		return;
	ok(!am_config_macro_match(cfg, macro_get, (void *)none), "no macros");
	ok(am_config_macro_match(cfg, macro_get, (void *)orig),
	    "value in the list (name without braces finds {name})");
	ok(!am_config_macro_match(cfg, macro_get, (void *)other),
	    "value not in the list");
	ok(am_config_macro_match(cfg, macro_get, (void *)auth),
	    "name only: any value");
	ok(!am_config_macro_match(cfg, macro_get, (void *)empty),
	    "name only: an empty value does not count");
	am_config_unref(&cfg);
	is_str(am_disposition_action_name(AM_ACTION_QUARANTINE), "quarantine",
	    "action name");
	is_str(am_disposition_action_name(AM_ACTION_TEMPFAIL), "tempfail", "action name 2");
}

static void
test_include(void)
{
	struct am_config	*cfg;
	struct am_diag		 c;

	write_file("inc.conf", "Mode v\nBogusInInclude 1\n", 0644);
	cfg = load("Include ./inc.conf\nMode sv\nBogus2 x\n", &c);
	ok(cfg == NULL && c.errors == 2, "Include: errors inside and after");
	ok(logged("inc.conf:2: unknown option"), "Include: file:line "
	    "of the included file");
	ok(logged("c.conf:2: Mode is set again (before: ") &&
	    logged("inc.conf:1); the last one wins") && c.warnings == 1,
	    "Include: repeated option across files: a warning naming both");
	write_file("loop.conf", "Include ./loop.conf\n", 0644);
	cfg = load("Include ./loop.conf\n", &c);
	ok(cfg == NULL && c.errors == 1 && logged("nested more than 5"),
	    "Include: depth limit");
}

int
main(void)
{
	char	 cmd[300];

	am_buf_init(&logbuf, 1 << 22);
	if (mkdtemp(tmpdir) == NULL)
		return 1;
	EVP_PKEY_free(write_key("rsa.pem", "RSA", 2048));
	EVP_PKEY_free(write_key("ed.pem", "ED25519", 0));
	write_file("KeyTable", "dual example.com:rsa:./rsa.pem, "
	    "example.com:ed:./ed.pem\nrsa example.com:rsa:./rsa.pem\n"
	    "ed example.com:ed:./ed.pem\n", 0644);
	write_file("SigningTable", "*@example.com dual\n", 0644);
	write_file("smtp.pw", "not-shown\n", 0600);
	test_debian();
	test_every_option();
	test_values();
	test_spf();
	test_report();
	test_keyupdate();
	test_trusted();
	test_errors();
	test_others();
	test_key_tables();
	test_key_files();
	test_key_misc();
	test_sample();
	test_macros();
	test_include();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		diag("could not remove the temporary directory");
	am_buf_release(&logbuf);
	return done_testing();
}
