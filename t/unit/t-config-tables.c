/*
 * t-config-tables - the loader walking the features' option tables
 * (config_tables.c): each row inside its feature's part of the config,
 * names unique, action rows with their allowed actions; unknown,
 * repeated and compatibility options across tables; an action option
 * given an action it does not allow.  And the diagnostics: short,
 * escaped excerpts, nothing quoted from a file that is not a
 * configuration file or table (Include /etc/shadow, KeyTable
 * /etc/shadow), and -n (am_config_check) printing the effective
 * configuration, right, even with errors.
 */

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "config_impl.h"
#include "tap.h"

static struct am_buf	 logbuf;
static unsigned		 nerrors, nwarnings;
static char		 tmpdir[] = "/tmp/t-config-tables.XXXXXX";
static char		 cpath[300];

/* Looks like /etc/shadow: what must never reach the log. */
#define SECRET		"SeCrEtHaSh0123456789abcdefSeCrEt"
#define SHADOW		"root:$6$salt$" SECRET ":19000:0:99999:7:::\n" \
			"daemon:*:19000:0:99999:7:::\n"

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

/* load - text as c.conf, zone DNS (none); counts in *errors */

static struct am_config *
load(const char *text, unsigned *errors)
{
	struct am_config_overrides	 ov = { 0 };
	struct am_config		*cfg;
	struct am_err			 err;

	ov.dns_zone = "";
	write_file("c.conf", text);
	snprintf(cpath, sizeof(cpath), "%s", tpath("c.conf"));
	am_buf_reset(&logbuf);
	nerrors = nwarnings = 0;
	cfg = am_config_load(cpath, &ov, &tlog, &err);
	*errors = nerrors;
	return cfg;
}

/* check - what -n does with text: the print (caller frees), the
 * return value in *rc */

static char *
check(const char *text, int *rc)
{
	struct am_config_overrides	 ov = { 0 };
	struct am_err			 err;
	char				*out = NULL;
	size_t				 n;
	FILE				*fp = open_memstream(&out, &n);

	ov.dns_zone = "";
	write_file("c.conf", text);
	snprintf(cpath, sizeof(cpath), "%s", tpath("c.conf"));
	am_buf_reset(&logbuf);
	nerrors = nwarnings = 0;
	*rc = am_config_check(cpath, &ov, &tlog, fp, NULL, &err);
	fclose(fp);
	return out;
}

/* printed - does the print have the line "name value"? */

static int
printed(const char *out, const char *name, const char *value)
{
	char	 line[200];

	snprintf(line, sizeof(line), "\n%-27s %s\n", name, value);
	return out != NULL && strstr(out, line) != NULL;
}

/* ---------------------------------------------------------------- tables */

static void
complain(const char *name, const char *what)
{
	char	 msg[200];

	snprintf(msg, sizeof(msg), "%s: %s", name, what);
	diag(msg);
}

static void
test_tables(void)
{
	const struct am_cfg_table	*t;
	const struct am_cfg_opt		*o;
	enum am_action			 a;
	size_t				 i, j, n = 0, idx, bad = 0, dup = 0;
	size_t				 badact = 0;

	for (i = 0; (t = am_cfg_tables[i]) != NULL; i++) {
		for (j = 0; j < t->nopts; j++) {
			o = &t->opts[j];
			if (o->off < t->base || o->off >= t->base + t->size) {
				complain(o->name, "not in its feature's part");
				bad++;
			}
			if (am_cfg_opt_find(o->name, &idx) != o ||
			    am_cfg_opt_at(idx) != o ||
			    am_cfg_other_find(o->name) != NULL) {
				complain(o->name, "not unique");
				dup++;
			}
			if ((o->type == AM_CFG_ACTION) != (o->actions != 0) ||
			    (o->type == AM_CFG_ACTION && (o->def == NULL ||
			    am_cfg_parse_action(o->def, &a) == -1 ||
			    !(o->actions & AM_CFG_ACT(a))))) {
				complain(o->name, "allowed actions");
				badact++;
			}
		}
		n += t->nopts;
	}
	ok(i >= 6, "the loader walks several tables");
	is_int(am_cfg_opt_count(), n, "options counted across the tables");
	ok(am_cfg_opt_at(n) == NULL, "no option past the last table");
	is_int(bad, 0, "every row sets a field of its feature's part");
	is_int(dup, 0, "every name is in one row only, and not a compat row");
	is_int(badact, 0, "action rows, and only they, list their allowed "
	    "actions, their default among them");
	for (i = 0; am_cfg_features[i] != NULL; i++)
		if (am_cfg_features[i]->check == NULL)
			break;
	ok(i >= 4 && am_cfg_features[i] == NULL, "every feature has a "
	    "whole-struct check");
	ok(am_cfg_opt_find("mode", NULL) == am_cfg_opt_at(0) &&
	    am_cfg_opt_find("FAILUREREPORTSQUEUESIZE", NULL) ==
	    am_cfg_opt_at(n - 1),
	    "names found case-insensitively, first and last table");
}

/* ---------------------------------------------------------------- loader */

static void
test_loader(void)
{
	struct am_config	*cfg;
	unsigned		 e;

	cfg = load("Mode v\nSPFMode off\nNoSuchOption 1\nBackground no\n",
	    &e);
	ok(cfg == NULL && e == 1 && logged("c.conf:3: unknown option "
	    "\"NoSuchOption\""), "unknown option: one error, file:line");
	cfg = load("SPFMode on\nMode v\nspfmode off\nSPFMode on\n", &e);
	ok(cfg != NULL && e == 0 && nwarnings == 2 && logged("c.conf:3: "
	    "SPFMode is set again (before: ") && logged("c.conf:1); the last "
	    "one wins, as in OpenDKIM and OpenDMARC") && logged("c.conf:4: "
	    "SPFMode is set again (before: ") && logged("c.conf:3); the") &&
	    cfg->spf.mode == 1, "repeated option: a warning naming both "
	    "lines, the last one wins (OpenDKIM, OpenDMARC)");
	am_config_unref(&cfg);
	cfg = load("SPFMode on\nMode v\nspfmode off\n", &e);
	ok(cfg != NULL && e == 0 && cfg->spf.mode == 0, "repeated option: "
	    "the last value is the one applied");
	am_config_unref(&cfg);
	cfg = load("ClockSkew 10\nClockDrift 20\n", &e);
	ok(cfg != NULL && e == 0 && cfg->dkim.verify.clock_skew == 20,
	    "an alias is its own row, as before: both taken, the later wins");
	am_config_unref(&cfg);
	cfg = load("Mode v\nAutoRestart yes\nSyslogSuccess yes\n", &e);
	ok(cfg != NULL && e == 0 && nwarnings == 1 && logged("c.conf:2: "
	    "AutoRestart is accepted but has no effect") &&
	    !logged("SyslogSuccess"), "compat rows: no effect warns, "
	    "always is silent");
	am_config_unref(&cfg);
	cfg = load("Mode v\nCopyFailuresTo x@example.com\nBogusKey none\n",
	    &e);
	ok(cfg == NULL && e == 2 && logged("c.conf:2: CopyFailuresTo: not "
	    "supported") && logged("c.conf:3: BogusKey: not supported"),
	    "compat rows: OpenDMARC's and OpenDKIM's refused names");
	cfg = load("SPFFailAction tempfail\n", &e);
	ok(cfg == NULL && e == 1 && logged("c.conf:1: SPFFailAction: bad "
	    "value \"tempfail\": want accept or reject"),
	    "action option: a disallowed action is refused, allowed listed");
	cfg = load("TemporaryErrorAction r\n", &e);
	ok(cfg == NULL && e == 1 && logged("TemporaryErrorAction: bad value "
	    "\"r\": want accept or tempfail"), "action option: DMARC's");
	cfg = load("On-BadSignature q\nOn-DNSError bogus\n", &e);
	ok(cfg == NULL && e == 1 && logged("c.conf:2: On-DNSError: bad value "
	    "\"bogus\": want accept, reject, tempfail, discard or "
	    "quarantine"), "action option: every action allowed, named");
	cfg = load("SPFFailAction REJECT\nOn-KeyNotFound d\n", &e);
	ok(cfg != NULL && cfg->spf.fail_action == AM_ACTION_REJECT &&
	    cfg->dkim.on_key_not_found == AM_ACTION_DISCARD,
	    "action options: allowed actions taken, any case, first letter");
	am_config_unref(&cfg);
}

/* ---------------------------------------------------------------- diag */

static void
test_excerpts(void)
{
	struct am_config	*cfg;
	char			 text[600], longv[300];
	unsigned		 e;

	memset(longv, 'x', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';
	snprintf(text, sizeof(text), "Socket tcp:%s\n", longv);
	cfg = load(text, &e);
	ok(cfg == NULL && e == 1 && logged("bad value \"tcp:xxxx") &&
	    !logged("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx") &&
	    logged("...\""), "a long value is quoted as a short excerpt");
	cfg = load("Socket bad\x01value\x1b[31m\"q\n", &e);
	ok(cfg == NULL && e == 1 && logged("bad\\x01value\\x1b[31m\\\"q") &&
	    !logged("\x01") && !logged("\x1b"), "control characters and "
	    "quotes in a value are escaped");
	cfg = load("Bogus\x07Name 1\n", &e);
	ok(cfg == NULL && e == 1 && logged("unknown option \"Bogus\\x07Name\"")
	    && !logged("\x07"), "... and in a name");
	write_file("inc.conf", "SPFMode on\nNoSuch\x01Option 1\n");
	cfg = load("Include ./inc.conf\n", &e);
	ok(cfg == NULL && e == 1 && logged("inc.conf:2: unknown option "
	    "\"NoSuch\\x01Option\""), "an included configuration file: its "
	    "errors carry its file:line, as before");
}

static void
test_not_config(void)
{
	struct am_config	*cfg;
	unsigned		 e;

	write_file("shadow", SHADOW);
	cfg = load("Mode v\nInclude ./shadow\nSPFMode on\n", &e);
	ok(cfg == NULL && e == 1 && logged("c.conf:2: Include ") &&
	    logged("shadow: not a configuration file (line 1 is not an "
	    "option); not read"), "Include /etc/shadow: one error at the "
	    "Include line");
	ok(!logged(SECRET) && !logged("root") && !logged("daemon:"),
	    "Include /etc/shadow: none of its text in the log");
	if (logged("root"))
		diag(am_buf_str(&logbuf));
	cfg = load("KeyTable file:./shadow\nSigningTable file:./shadow\n", &e);
	ok(cfg == NULL && e == 1 && logged("c.conf:1: KeyTable: ") &&
	    logged("is not a KeyTable"), "KeyTable /etc/shadow: one error "
	    "where it is named");
	ok(!logged(SECRET) && !logged("root"), "KeyTable /etc/shadow: none "
	    "of its text in the log");
	write_file("KT", "k example.com:s:./nokey.pem\n");
	cfg = load("KeyTable file:./KT\nSigningTable file:./shadow\n", &e);
	ok(cfg == NULL && logged("is not a SigningTable") &&
	    !logged(SECRET) && !logged("root"), "SigningTable /etc/shadow: "
	    "named, not quoted");
	cfg = load("InternalHosts file:./shadow\nIgnoreHosts "
	    "file:./shadow\n", &e);
	ok(cfg == NULL && e == 2 && logged("c.conf:1: InternalHosts: host "
	    "list: ") && logged("c.conf:2: IgnoreHosts: ") && !logged(SECRET) &&
	    !logged("root"), "host lists naming /etc/shadow: named, not "
	    "quoted");
	cfg = load("Domain file:./shadow\nSignHeaders file:./shadow\n", &e);
	ok(cfg == NULL && e == 2 && logged("c.conf:1: Domain: ") &&
	    logged("c.conf:2: SignHeaders: ") && logged("is not a list of its "
	    "values (line 1 is not one); not read") && !logged(SECRET) &&
	    !logged("root"), "option lists naming /etc/shadow: named, not "
	    "quoted");
	write_file("domains", "example.com\nbad..example\n");
	cfg = load("Domain file:./domains\n", &e);
	ok(cfg == NULL && e == 1 && logged("c.conf:1: Domain: \"bad..example"
	    "\""), "an option list whose first entry fits: its bad entries "
	    "quoted, as before");
	write_file("hosts", "# ours\n192.0.2.1\nbad!host\n");
	cfg = load("InternalHosts file:./hosts\n", &e);
	ok(cfg == NULL && e == 1 && logged("hosts:3: \"bad!host\" is not"),
	    "a host list whose first entry fits: its bad entries quoted, "
	    "as before");
}

/* ---------------------------------------------------------------- -n */

static void
test_check_print(void)
{
	char	*out;
	int	 rc;

	out = check("Mode v\nSPFMode off\n", &rc);
	ok(rc == 0 && out != NULL && strncmp(out, "# authmilter configuration "
	    "from ", 27) == 0 && printed(out, "SPFMode", "off"),
	    "-n without errors: 0, the print as before");
	free(out);
	out = check("Mode v\nSocket tcp:1\nSPFMode off\nBogus 1\n", &rc);
	ok(rc == -1 && nerrors == 2 && out != NULL, "-n with errors: -1, "
	    "and still a print");
	ok(out != NULL && strncmp(out, "# 2 errors found: ", 18) == 0,
	    "-n with errors: the print says how many");
	ok(printed(out, "SPFMode", "off") && printed(out, "Mode", "v"),
	    "-n with errors: the good values printed");
	ok(printed(out, "Socket", "unix:/run/authmilter/authmilter.sock"),
	    "-n with errors: a refused value is not applied (default kept)");
	free(out);
	out = check("Mode v\nDomain bad..domain\n", &rc);
	ok(rc == -1 && out != NULL && strstr(out, "\n#Domain ") != NULL,
	    "-n with errors: a refused list is not applied");
	free(out);
	write_file("psl.dat", "// a Public Suffix List\ncom\nco.uk\n");
	out = check("Mode v\nPublicSuffixList ./psl.dat\n", &rc);
	ok(rc == 0 && printed(out, "DMARCDiscovery", "psl"),
	    "-n: PublicSuffixList switches DMARCDiscovery to psl, and the "
	    "print says so");
	free(out);
	out = check("Mode v\nDMARCMode off\nPublicSuffixList ./psl.dat\n"
	    "DMARCDiscovery treewalk\n", &rc);
	ok(rc == 0 && printed(out, "DMARCDiscovery", "psl"),
	    "-n: ... whatever DMARCDiscovery says");
	free(out);
	out = check("Mode v\nOn-Default reject\nOn-NoSignature a\n", &rc);
	ok(rc == 0 && printed(out, "On-Default", "reject") &&
	    printed(out, "On-BadSignature", "reject") &&
	    printed(out, "On-DNSError", "reject") &&
	    printed(out, "On-NoSignature", "a"),
	    "-n: On-Default shown in each On-* it set, later lines win");
	free(out);
	out = check("AuthservID mx.example.org\nTrustedAuthservIDs a.example, "
	    "MX.example.org, b.example\n", &rc);
	ok(rc == 0 && printed(out, "TrustedAuthservIDs", "a.example, "
	    "b.example"), "-n: TrustedAuthservIDs as in effect, without our "
	    "own AuthservID");
	free(out);
	out = check("AuthservID mx.example.org\nTrustedAuthservIDs "
	    "mx.example.org\n", &rc);
	ok(rc == 0 && strstr(out, "\n#TrustedAuthservIDs ") != NULL,
	    "-n: ... and not set when nothing is left");
	free(out);
	out = check("Include ./nonexistent.conf\n", &rc);
	ok(rc == -1 && out != NULL && strstr(out, "\nMode ") != NULL,
	    "-n: an Include that cannot be read still prints");
	free(out);
	nerrors = 0;
	write_file("c.conf", "Mode v\n");
	{
		struct am_err	 err;
		FILE		*fp = open_memstream(&out, &(size_t){ 0 });

		rc = am_config_check(tpath("none.conf"), NULL, &tlog, fp, NULL,
		    &err);
		fclose(fp);
		ok(rc == -1 && out != NULL && out[0] == '\0',
		    "-n: no print for a file that cannot be read");
		free(out);
	}
}

int
main(void)
{
	char	 cmd[300];

	am_buf_init(&logbuf, 1 << 20);
	if (mkdtemp(tmpdir) == NULL)
		return 1;
	test_tables();
	test_loader();
	test_excerpts();
	test_not_config();
	test_check_print();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		diag("could not remove the temporary directory");
	am_buf_release(&logbuf);
	return done_testing();
}
