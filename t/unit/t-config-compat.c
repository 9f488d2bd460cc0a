/*
 * t-config-compat - what OpenDKIM 2.11 and OpenDMARC 1.4 accept, we
 * accept with the same meaning: a repeated option (the last one wins,
 * with a warning naming both lines), report options turned off (a
 * warning) or on (refused), HistoryFile (a warning naming the report
 * store), BaseDirectory, a refile: KeyTable, refile: host lists; and
 * a table's errors name the option and the config line, once.
 */

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "buf.h"
#include "config_impl.h"
#include "tap.h"

static struct am_buf	 logbuf;
static unsigned		 nerrors, nwarnings;
static char		 tmpdir[] = "/tmp/t-config-compat.XXXXXX";
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

static const struct am_log	 tlog = { capture, NULL, NULL };

static int
logged(const char *s)
{
	return strstr(am_buf_str(&logbuf), s) != NULL;
}

/* count - how many log lines contain s */
static int
count(const char *s)
{
	const char	*p = am_buf_str(&logbuf);
	int		 n = 0;

	while ((p = strstr(p, s)) != NULL) {
		n++;
		p += strlen(s);
	}
	return n;
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
write_file(const char *name, const char *text)
{
	FILE	*fp = fopen(tpath(name), "w");

	fputs(text, fp);
	fclose(fp);
	chmod(tpath(name), 0600);
}

static void
write_key(const char *name)
{
	EVP_PKEY	*pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	FILE		*fp = fopen(tpath(name), "w");

	PEM_write_PrivateKey(fp, pk, NULL, NULL, 0, NULL, NULL);
	fclose(fp);
	chmod(tpath(name), 0600);
	EVP_PKEY_free(pk);
}

/* load - text as c.conf, no DNS; errors and warnings counted */

static struct am_config *
load(const char *text)
{
	struct am_config_overrides	 ov = { 0 };
	struct am_err			 err;

	ov.dns_zone = "";
	write_file("c.conf", text);
	snprintf(cpath, sizeof(cpath), "%s", tpath("c.conf"));
	am_buf_reset(&logbuf);
	nerrors = nwarnings = 0;
	return am_config_load(cpath, &ov, &tlog, &err);
}

/* ---------------------------------------------------------------- repeats */

/* The "append these lines to Debian's file" tutorial: UserID, Socket,
 * UMask, Syslog, PidFile, Canonicalization twice. */
static void
test_repeats(void)
{
	struct am_config	*cfg;

	cfg = load("Syslog yes\nCanonicalization relaxed/simple\n"
	    "UserID opendkim\nUMask 007\n"
	    "Socket local:/run/opendkim/opendkim.sock\n"
	    "PidFile /run/opendkim/opendkim.pid\n"
	    "UMask 002\nSyslog no\nCanonicalization simple\n"
	    "PidFile /var/run/opendkim/opendkim.pid\n"
	    "UserID opendkim:opendkim\nSocket inet:12301@localhost\n");
	ok(cfg != NULL && nerrors == 0, "a tutorial's repeated options load");
	is_int(nwarnings, 6, "one warning per repeated line");
	ok(logged("c.conf:7: UMask is set again (before: ") &&
	    logged("c.conf:4); the last one wins, as in OpenDKIM and "
	    "OpenDMARC"), "the warning names both file:lines");
	if (cfg != NULL) {
		is_str(cfg->daemon.socket, "inet:12301@localhost",
		    "the last Socket wins");
		is_str(cfg->daemon.userid, "opendkim:opendkim",
		    "the last UserID wins");
		is_int(cfg->daemon.umask, 002, "the last UMask wins");
		is_int(cfg->daemon.syslog, 0, "the last Syslog wins");
		ok(cfg->dkim.hcanon == AM_CANON_SIMPLE &&
		    cfg->dkim.bcanon == AM_CANON_SIMPLE,
		    "the last Canonicalization wins");
		is_str(cfg->daemon.pidfile, "/var/run/opendkim/opendkim.pid",
		    "the last PidFile wins");
	}
	am_config_unref(&cfg);

	cfg = load("DNSTimeout 0\nDNSTimeout 5\n");
	ok(cfg != NULL && nerrors == 0 && nwarnings == 1 &&
	    cfg->dns.timeout == 5, "a bad value replaced by a good one: "
	    "not checked (OpenDKIM never reads it)");
	am_config_unref(&cfg);
	cfg = load("DNSTimeout 5\nDNSTimeout 0\n");
	ok(cfg == NULL && nerrors == 1 && logged("c.conf:2: DNSTimeout: bad "
	    "value"), "a good value replaced by a bad one: the error is at "
	    "the last line");
}

/* ---------------------------------------------------------------- reports */

static void
test_reports(void)
{
	struct am_config	*cfg;

	cfg = load("FailureReports false\nFailureReportsOnNone no\n"
	    "FailureReportsBcc x@example.com\nFailureReportsSentBy "
	    "y@example.com\nReportCommand /usr/sbin/sendmail -t\n"
	    "SendReports no\nRequestReports no\n"
	    "ReportAddress postmaster@example.com\n");
	ok(cfg != NULL && nerrors == 0, "report options turned off load");
	/* FailureReports* are report options of authmilter's own
	 * (opts_report.c): off is their default, nothing to warn about;
	 * ReportCommand, SendReports, RequestReports, ReportAddress warn. */
	is_int(nwarnings, 4, "... OpenDKIM's and ReportCommand with a warning");
	ok(!logged("FailureReports false"),
	    "FailureReports false: an option of our own, no warning");
	ok(logged("c.conf:8: ReportAddress is accepted but has no effect: "
	    "no DKIM failure reports are sent"), "ReportAddress: no effect");
	am_config_unref(&cfg);

	cfg = load("FailureReports true\nFailureReportsSentBy "
	    "y@example.com\n");
	ok(cfg != NULL && nerrors == 0 && cfg->report.failure,
	    "FailureReports true: OpenDMARC's meaning, supported");
	am_config_unref(&cfg);
}

/* ---------------------------------------------------------------- tables */

static void
test_keytable_refile(void)
{
	struct am_config	*cfg;
	struct am_sign_plan	 plan;

	write_key("mail.private");
	write_key("other.private");
	write_file("KT.re", "mail._domainkey.example.com "
	    "example.com:mail:./mail.private\n"
	    "*._domainkey.example.org example.org:other:./other.private\n");
	write_file("ST.re", "*@example.com mail._domainkey.example.com\n"
	    "*@*.example.org x._domainkey.example.org\n"
	    "*@example.net nokey\n");
	cfg = load("KeyTable refile:KT.re\nSigningTable refile:ST.re\n");
	ok(cfg == NULL && nerrors == 1 && logged("ST.re:3: key name \"nokey\" "
	    "is not in the KeyTable (SigningTable at "), "refile: KeyTable: "
	    "a name no pattern matches is an error, naming the SigningTable "
	    "line");
	write_file("ST.re", "*@example.com mail._domainkey.example.com\n"
	    "*@*.example.org x._domainkey.example.org\n");
	cfg = load("KeyTable refile:KT.re\nSigningTable refile:ST.re\n");
	ok(cfg != NULL && nerrors == 0, "refile: KeyTable loads (the "
	    "tutorial's form)");
	if (cfg == NULL) {
		diag(am_buf_str(&logbuf));
		return;
	}
	ok(am_config_sign_plan(cfg, "user@example.com", &plan) == 1 &&
	    strcmp(plan.sig[0].key->selector, "mail") == 0,
	    "refile: KeyTable: a literal name");
	ok(am_config_sign_plan(cfg, "user@a.example.org", &plan) == 1 &&
	    strcmp(plan.sig[0].key->selector, "other") == 0,
	    "refile: KeyTable: a pattern takes the SigningTable's name");
	am_config_unref(&cfg);
}

/* A TrustedHosts error: once, naming the option and the config line,
 * though ExternalIgnoreList and InternalHosts both name the file. */
static void
test_table_errors(void)
{
	struct am_config	*cfg;

	write_file("TrustedHosts", "127.0.0.1\nlocalhost\n192.0.2/24\n");
	cfg = load("Mode v\nExternalIgnoreList file:TrustedHosts\n"
	    "InternalHosts file:TrustedHosts\n");
	ok(cfg == NULL && nerrors == 2, "a bad TrustedHosts named twice: "
	    "two errors");
	is_int(count("\"192.0.2/24\""), 1, "... the bad entry reported once");
	ok(logged("TrustedHosts:3: \"192.0.2/24\" is not an IPv4 or IPv6 "
	    "address") && logged("(ExternalIgnoreList at ") &&
	    logged("c.conf:2)"), "... at its file:line, naming the option "
	    "and the config file:line");
	ok(logged("c.conf:3: InternalHosts: ") && logged("TrustedHosts: not "
	    "applied: its errors are reported above, for ExternalIgnoreList "
	    "at "), "... the second option: one line saying so");

	write_file("TrustedHosts", "127.0.0.1\n*.example.com\n");
	cfg = load("Mode v\nExternalIgnoreList file:TrustedHosts\n"
	    "InternalHosts file:TrustedHosts\n");
	ok(cfg != NULL && nerrors == 0 && nwarnings == 1 &&
	    count("*.example.com") == 1, "a TrustedHosts warning: once too");
	am_config_unref(&cfg);

	cfg = load("Mode v\nInternalHosts file:nonexistent\n");
	ok(cfg == NULL && nerrors == 1 && logged("c.conf:2: InternalHosts: ")
	    && logged("nonexistent: cannot open"), "a host list that cannot "
	    "be read: the option named");
	write_file("KT.bad", "k example.com:s\n");
	write_file("ST.ok", "*@example.com k\n");
	cfg = load("KeyTable file:KT.bad\nSigningTable refile:ST.ok\n");
	ok(cfg == NULL && nerrors == 1 && logged("KT.bad:1: key k: want") &&
	    logged("(KeyTable at ") && logged("c.conf:1)"),
	    "a KeyTable error names the option and the config line");
}

/* ---------------------------------------------------------------- base */

static void
test_basedir(void)
{
	struct am_config	*cfg;
	char			 text[600];

	mkdir(tpath("base"), 0700);
	write_key("base/k.private");
	snprintf(text, sizeof(text), "BaseDirectory %s\nDomain example.com\n"
	    "Selector s\nKeyFile k.private\n", tpath("base"));
	cfg = load(text);
	ok(cfg != NULL && nerrors == 0, "BaseDirectory: relative paths are "
	    "taken from it (OpenDKIM)");
	if (cfg != NULL)
		is_str(cfg->dkim.keyfile, tpath("base/k.private"),
		    "BaseDirectory: KeyFile resolved in it");
	am_config_unref(&cfg);
	cfg = load("BaseDirectory /nonexistent/dir\nMode v\n");
	ok(cfg == NULL && nerrors == 1 && logged("c.conf:1: BaseDirectory "
	    "/nonexistent/dir: No such file"), "BaseDirectory that is not "
	    "there: an error (OpenDKIM stops too)");
}

int
main(void)
{
	char	 cmd[400];

	am_buf_init(&logbuf, 1 << 20);
	if (mkdtemp(tmpdir) == NULL)
		return 1;
	test_repeats();
	test_reports();
	test_keytable_refile();
	test_table_errors();
	test_basedir();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		diag("could not remove the temporary directory");
	am_buf_release(&logbuf);
	return done_testing();
}
