/*
 * cmd_migrate - authmilter-tool migrate
 *
 *	authmilter-tool migrate [--opendkim FILE] [--opendmarc FILE]
 *
 * Reads an OpenDKIM and/or an OpenDMARC configuration and prints on
 * stdout one authmilter.conf that carries every setting of both:
 *  - each option line comes out as it was, under a comment naming the
 *    file and line it came from;
 *  - an option given twice in one file: the last one wins (as in
 *    OpenDKIM and OpenDMARC), the earlier ones come out commented;
 *  - an option both files set (Socket, UserID, PidFile, UMask, Syslog,
 *    AuthservID, ...): one daemon has one value, the first file given
 *    on the command line wins, the other comes out commented;
 *  - TrustedAuthservIDs entries that named OpenDKIM's authserv-id are
 *    dropped: authmilter verifies DKIM itself;
 *  - options authmilter refuses or ignores come out commented with the
 *    reason authmilter's own configuration loader gives;
 *  - defaults of OpenDKIM/OpenDMARC that differ from authmilter's are
 *    written out, so that the behaviour stays the same;
 *  - the Postfix main.cf change (two milters become one) is in comments
 *    at the top.
 * The text is then loaded with the daemon's configuration loader
 * (lib/config, exactly what "authmilter -n -c" runs); if it does not
 * load, the loader's errors are printed on stderr with the source
 * file:line they came from, nothing is printed on stdout and the exit
 * status is 65.
 *
 * Exit status: 0 printed; 64 usage (a file option given twice, none
 * given); 65 the result does not load; 66 a file cannot be read; 70 an
 * internal error (temporary files).
 */

#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "autoconfig.h"
#include "config.h"
#include "tool.h"

#define AM_MIG_MAXITEMS		4000	/* option lines, both files */
#define AM_MIG_MAXLINE		8192
#define AM_MIG_MAXNAMES		256	/* authmilter's option names */

enum am_mig_src { AM_MIG_DKIM, AM_MIG_DMARC };

static const char *const am_mig_srcname[] = { "OpenDKIM", "OpenDMARC" };

/* One option line, of a source file or added by migrate. */
struct am_mig_item {
	char		*name;
	char		*value;
	int		 src;		/* enum am_mig_src */
	const char	*file;		/* NULL: added by migrate */
	unsigned	 line;
	int		 drop;		/* written commented out */
	char		*why;		/* reason (drop) or note (kept) */
	unsigned	 outline;	/* its line in the output, 0 none */
};

struct am_mig {
	const char		*file[2];	/* per source; NULL not given */
	int			 order[2];	/* sources in command-line order */
	int			 nsrc;
	struct am_mig_item	*it;
	size_t			 n;
	char			*names[AM_MIG_MAXNAMES]; /* authmilter's */
	size_t			 nnames;
	char			 tmpdir[64];
	FILE			*outfp;		/* the text being written */
	char			*out;
	size_t			 outsz;
};

/* A loader message about one line of a file we wrote. */
struct am_mig_diag {
	const char	*prefix;	/* "PATH:" */
	struct am_mig	*m;
	size_t		 nerrors;
	int		 probe;		/* collect line 1 only, into why */
	char		*why;
};

static int
am_migrate_usage(void)
{
	fprintf(stderr, "usage: authmilter-tool migrate [--opendkim FILE] "
	    "[--opendmarc FILE]\n");
	return AM_TOOL_EXIT_USAGE;
}

static char *
am_mig_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
am_mig_fmt(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		s = NULL;
	va_end(ap);
	if (s == NULL) {
		am_tool_errx("out of memory");
		exit(AM_TOOL_EXIT_SOFTWARE);
	}
	return s;
}

static char *
am_mig_strdup(const char *s)
{
	return am_mig_fmt("%s", s);
}

static struct am_mig_item *
am_mig_add(struct am_mig *m, const char *name, const char *value, int src,
    const char *file, unsigned line)
{
	struct am_mig_item	*it;

	if (m->n >= AM_MIG_MAXITEMS)
		return NULL;
	it = &m->it[m->n++];
	memset(it, 0, sizeof(*it));
	it->name = am_mig_strdup(name);
	it->value = am_mig_strdup(value);
	it->src = src;
	it->file = file;
	it->line = line;
	return it;
}

static void
am_mig_drop(struct am_mig_item *it, char *why)
{
	it->drop = 1;
	free(it->why);
	it->why = why;
}

/* Where an item came from, for comments and messages. */
static const char *
am_mig_where(const struct am_mig_item *it, char *buf, size_t sz)
{
	if (it->file == NULL)
		(void)snprintf(buf, sz, "%s %s", am_mig_srcname[it->src],
		    strcasecmp(it->name, "DMARCMode") == 0 ||
		    strcasecmp(it->name, "SPFMode") == 0 ? "migration" :
		    "default");
	else
		(void)snprintf(buf, sz, "%s:%u", it->file, it->line);
	return buf;
}

/* ---------------------------------------------------------------- reading */

/*
 * The file syntax of both (opendkim.conf(5), opendmarc.conf(5)): a '#'
 * ends the line, then "Name value" separated by white space.
 */
static int
am_mig_read(struct am_mig *m, int src)
{
	const char	*path = m->file[src];
	FILE		*fp;
	char		*s = NULL, *name, *value, *h;
	size_t		 sz = 0;
	ssize_t		 len;
	unsigned	 line = 0;
	int		 rc = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		am_tool_errx("migrate: %s: %s", path, strerror(errno));
		return AM_TOOL_EXIT_INPUT;
	}
	while ((len = getline(&s, &sz, fp)) != -1) {
		line++;
		if ((size_t)len > AM_MIG_MAXLINE || memchr(s, '\0',
		    (size_t)len) != NULL) {
			am_tool_errx("migrate: %s:%u: line longer than %d "
			    "bytes or with a NUL byte", path, line,
			    AM_MIG_MAXLINE);
			rc = AM_TOOL_EXIT_INPUT;
			break;
		}
		if ((h = strchr(s, '#')) != NULL)
			*h = '\0';
		name = s + strspn(s, " \t\r\n");
		if (*name == '\0')
			continue;
		value = name + strcspn(name, " \t\r\n");
		if (*value != '\0')
			*value++ = '\0';
		value += strspn(value, " \t\r\n");
		len = (ssize_t)strlen(value);
		while (len > 0 && strchr(" \t\r\n", value[len - 1]) != NULL)
			value[--len] = '\0';
		if (am_mig_add(m, name, value, src, path, line) == NULL) {
			am_tool_errx("migrate: %s:%u: more than %d options",
			    path, line, AM_MIG_MAXITEMS);
			rc = AM_TOOL_EXIT_INPUT;
			break;
		}
	}
	if (rc == 0 && ferror(fp)) {
		am_tool_errx("migrate: %s: %s", path, strerror(errno));
		rc = AM_TOOL_EXIT_INPUT;
	}
	free(s);
	fclose(fp);
	return rc;
}

/* ---------------------------------------------------------------- merging */

static struct am_mig_item *
am_mig_find(struct am_mig *m, const char *name)
{
	size_t	 i;

	for (i = 0; i < m->n; i++)
		if (!m->it[i].drop && strcasecmp(m->it[i].name, name) == 0)
			return &m->it[i];
	return NULL;
}

/* OpenDKIM and OpenDMARC read a boolean from its first byte. */
static int
am_mig_bool(const char *v)
{
	if (v[0] != '\0' && strchr("TtYy1", v[0]) != NULL)
		return 1;
	if (v[0] != '\0' && strchr("FfNn0", v[0]) != NULL)
		return 0;
	return -1;
}

static int
am_mig_same(const char *a, const char *b)
{
	static const char *const words[] = { "yes", "no", "true", "false",
	    "1", "0", "on", "off", NULL };
	int	 wa = 0, wb = 0;
	size_t	 i;

	if (strcasecmp(a, b) == 0)
		return 1;
	for (i = 0; words[i] != NULL; i++) {
		wa |= strcasecmp(a, words[i]) == 0;
		wb |= strcasecmp(b, words[i]) == 0;
	}
	return wa && wb && am_mig_bool(a) == am_mig_bool(b);
}

/*
 * Repeats: in one file the last one wins (OpenDKIM and OpenDMARC keep
 * the last); across files the first file given on the command line
 * wins (one daemon, one socket, one user).
 */
static void
am_mig_repeats(struct am_mig *m)
{
	struct am_mig_item	*a, *b;
	char			 w[300];
	size_t			 i, j;

	for (i = 0; i < m->n; i++)
		for (j = i + 1; j < m->n; j++) {
			a = &m->it[i];
			b = &m->it[j];
			if (a->drop || b->drop || a->src != b->src ||
			    strcasecmp(a->name, b->name) != 0)
				continue;
			am_mig_drop(a, am_mig_fmt("set again at %s, and %s "
			    "uses the last one", am_mig_where(b, w,
			    sizeof(w)), am_mig_srcname[a->src]));
		}
	for (i = 0; i < m->n; i++)
		for (j = 0; j < m->n; j++) {
			a = &m->it[i];	/* from the first file given */
			b = &m->it[j];
			if (a->drop || b->drop || a->src != m->order[0] ||
			    b->src == a->src || strcasecmp(a->name,
			    b->name) != 0)
				continue;
			if (am_mig_same(a->value, b->value))
				am_mig_drop(b, am_mig_fmt("the same as %s",
				    am_mig_where(a, w, sizeof(w))));
			else
				am_mig_drop(b, am_mig_fmt("%s sets it to \"%s\" "
				    "at %s: authmilter is one daemon with one "
				    "%s, and the first file given wins",
				    am_mig_srcname[a->src], a->value,
				    am_mig_where(a, w, sizeof(w)), a->name));
		}
}

/* The fully qualified host name (what AuthservID defaults to). */
static void
am_mig_fqdn(char *out, size_t sz)
{
	struct addrinfo	 hints, *res = NULL;

	if (gethostname(out, sz) == -1) {
		(void)snprintf(out, sz, "localhost");
		return;
	}
	out[sz - 1] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_CANONNAME;
	if (getaddrinfo(out, NULL, &hints, &res) == 0 && res != NULL &&
	    res->ai_canonname != NULL)
		(void)snprintf(out, sz, "%s", res->ai_canonname);
	if (res != NULL)
		freeaddrinfo(res);
}

static int
am_mig_is_host(const char *id, const char *fqdn)
{
	char	 host[256];
	size_t	 n;

	if (strcasecmp(id, fqdn) == 0 || strcasecmp(id, "HOSTNAME") == 0)
		return 1;
	if (gethostname(host, sizeof(host)) == -1)
		return 0;
	host[sizeof(host) - 1] = '\0';
	n = strlen(host);
	return strcasecmp(id, host) == 0 || (strncasecmp(id, host, n) == 0 &&
	    id[n] == '.');
}

/*
 * TrustedAuthservIDs: OpenDMARC read the DKIM results of OpenDKIM's
 * Authentication-Results, found by OpenDKIM's authserv-id.  authmilter
 * verifies DKIM itself, so that id is not carried (trusting our own id
 * would let a forged header through).  Other ids stay.
 */
static void
am_mig_trusted(struct am_mig *m)
{
	struct am_mig_item	*t = am_mig_find(m, "TrustedAuthservIDs");
	struct am_mig_item	*dkim_id = NULL;
	char			 fqdn[256], *copy, *p, *tok, keep[AM_MIG_MAXLINE];
	char			 gone[AM_MIG_MAXLINE];
	size_t			 i;

	if (t == NULL)
		return;
	for (i = 0; i < m->n; i++)
		if (m->it[i].src == AM_MIG_DKIM && m->it[i].file != NULL &&
		    strcasecmp(m->it[i].name, "AuthservID") == 0)
			dkim_id = &m->it[i];
	am_mig_fqdn(fqdn, sizeof(fqdn));
	keep[0] = gone[0] = '\0';
	copy = am_mig_strdup(t->value);
	for (p = copy; (tok = strsep(&p, ", \t")) != NULL; ) {
		if (*tok == '\0')
			continue;
		if (am_mig_is_host(tok, fqdn) || (dkim_id != NULL &&
		    strcasecmp(tok, dkim_id->value) == 0) ||
		    (am_mig_find(m, "AuthservID") != NULL &&
		    strcasecmp(tok, am_mig_find(m, "AuthservID")->value) == 0))
			(void)snprintf(gone + strlen(gone), sizeof(gone) -
			    strlen(gone), "%s%s", gone[0] ? ", " : "", tok);
		else
			(void)snprintf(keep + strlen(keep), sizeof(keep) -
			    strlen(keep), "%s%s", keep[0] ? ", " : "", tok);
	}
	free(copy);
	if (gone[0] == '\0')
		return;
	if (keep[0] == '\0') {
		am_mig_drop(t, am_mig_fmt("%s is OpenDKIM's or our own "
		    "authserv-id: authmilter verifies DKIM itself and never "
		    "trusts Authentication-Results carrying its own id", gone));
		return;
	}
	t->why = am_mig_fmt("changed: was \"%s\"; %s dropped (OpenDKIM's or "
	    "our own authserv-id: authmilter verifies DKIM itself)", t->value,
	    gone);
	free(t->value);
	t->value = am_mig_strdup(keep);
}

/*
 * Defaults that differ: written out so that the behaviour stays the
 * one the operator had.  Only when the file did not set the option.
 */
static const struct {
	int		 src;
	const char	*name, *value, *why;
} am_mig_defaults[] = {
	{ AM_MIG_DKIM, "Canonicalization", "simple/simple",
	    "authmilter's default is relaxed/relaxed" },
	{ AM_MIG_DKIM, "MaximumSignaturesToVerify", "3",
	    "authmilter's default is 10" },
	{ AM_MIG_DKIM, "Syslog", "no", "authmilter's default is yes" },
	{ AM_MIG_DKIM, "InternalHosts", "127.0.0.1",
	    "authmilter's default also trusts ::1" },
	{ AM_MIG_DMARC, "HoldQuarantinedMessages", "no",
	    "authmilter's default is yes (held in the MTA's quarantine)" },
	{ AM_MIG_DMARC, "IgnoreAuthenticatedClients", "no",
	    "authmilter's default is yes" },
	{ AM_MIG_DMARC, "RequiredHeaders", "no",
	    "authmilter's default is yes" },
	{ AM_MIG_DMARC, "IgnoreHosts", "127.0.0.1",
	    "authmilter's default is none" },
};

static void
am_mig_add_defaults(struct am_mig *m)
{
	struct am_mig_item	*it;
	size_t			 i;

	for (i = 0; i < sizeof(am_mig_defaults) / sizeof(am_mig_defaults[0]);
	    i++) {
		if (m->file[am_mig_defaults[i].src] == NULL ||
		    am_mig_find(m, am_mig_defaults[i].name) != NULL)
			continue;
		if ((it = am_mig_add(m, am_mig_defaults[i].name,
		    am_mig_defaults[i].value, am_mig_defaults[i].src, NULL,
		    0)) != NULL)
			it->why = am_mig_fmt("not set in %s, so the default "
			    "it had is kept (%s)", m->file[it->src],
			    am_mig_defaults[i].why);
	}
	/* Without OpenDMARC nothing checked SPF or DMARC in this milter
	 * pair: keep it so (both are on by default here). */
	if (m->file[AM_MIG_DMARC] == NULL) {
		if (am_mig_find(m, "DMARCMode") == NULL &&
		    (it = am_mig_add(m, "DMARCMode", "no", AM_MIG_DKIM, NULL,
		    0)) != NULL)
			it->why = am_mig_strdup("no OpenDMARC configuration "
			    "given, so no DMARC, as before; authmilter's "
			    "default is on");
		if (am_mig_find(m, "SPFMode") == NULL &&
		    (it = am_mig_add(m, "SPFMode", "no", AM_MIG_DKIM, NULL,
		    0)) != NULL)
			it->why = am_mig_strdup("no OpenDMARC configuration "
			    "given, so no SPF check in the milter, as before; "
			    "authmilter's default is on");
	}
}

/*
 * Notes on what is kept but will need a change once the old packages
 * are gone, and on options whose meaning shifts a little.
 */
static const struct {
	const char	*name;
	const char	*note;
} am_mig_notes[] = {
	{ "Socket", "kept from the first file given. Under the packaged "
	    "authmilter service only /run/authmilter and "
	    "/var/spool/postfix/authmilter are writable, and the old "
	    "packages' directories go with them: there, use "
	    "unix:/run/authmilter/authmilter.sock, or "
	    "unix:/var/spool/postfix/authmilter/authmilter.sock for a "
	    "chrooted Postfix, and change main.cf to match" },
	{ "UserID", "kept from the first file given. The packaged authmilter "
	    "service runs as user authmilter and cannot switch to another "
	    "user: there, write UserID authmilter and make the keys readable "
	    "by authmilter only" },
	{ "PidFile", "kept from the first file given; under systemd "
	    "(authmilter -f) no pid file is needed" },
	{ "UMask", "kept from the first file given: it sets the socket's "
	    "mode" },
	{ "PublicSuffixList", "kept: this selects the public suffix list to "
	    "find the organizational domain, as OpenDMARC did (RFC 7489); "
	    "remove it for RFC 9989's DNS tree walk, authmilter's default" },
	{ "AuthservID", "kept; the default (without it) is the host's fully "
	    "qualified name" },
};

static void
am_mig_add_notes(struct am_mig *m)
{
	struct am_mig_item	*it;
	size_t			 i;

	for (i = 0; i < sizeof(am_mig_notes) / sizeof(am_mig_notes[0]); i++)
		if ((it = am_mig_find(m, am_mig_notes[i].name)) != NULL &&
		    it->why == NULL)
			it->why = am_mig_strdup(am_mig_notes[i].note);
}

/* ---------------------------------------------------------------- loader */

/* Collects the loader's messages about the file we wrote. */
static void
am_mig_log_fn(void *ctx, enum am_log_level level, const char *line)
{
	struct am_mig_diag	*d = ctx;
	size_t			 pl = strlen(d->prefix), i;
	unsigned long		 n = 0;
	const char		*msg = line;
	char			*end, w[300], *s;
	struct am_mig_item	*it = NULL;

	if (level > AM_LOG_WARN)
		return;
	/* "PATH:N: message" about our file; anything else (a table, a
	 * default) is passed on as it is. */
	if (strncmp(line, d->prefix, pl) == 0 &&
	    (n = strtoul(line + pl, &end, 10)) > 0 && *end == ':')
		msg = end + 1 + strspn(end + 1, " ");
	else
		n = 0;
	if (d->probe) {
		if (n == 1) {
			s = d->why == NULL ? am_mig_strdup(msg) :
			    am_mig_fmt("%s; %s", d->why, msg);
			free(d->why);
			d->why = s;
		}
		return;
	}
	for (i = 0; n > 0 && i < d->m->n; i++)
		if (d->m->it[i].outline == n)
			it = &d->m->it[i];
	s = it != NULL ? am_mig_fmt("%s: %s", am_mig_where(it, w, sizeof(w)),
	    msg) : am_mig_strdup(line);
	if (level == AM_LOG_ERROR)
		d->nerrors++;
	am_tool_errx("migrate: %s%s", level == AM_LOG_ERROR ? "" :
	    "warning: ", s);
	free(s);
}

/* Loads path with the daemon's loader; returns the snapshot or NULL. */
static struct am_config *
am_mig_load(const char *path, struct am_mig_diag *d, int no_dns)
{
	struct am_config_overrides	 ov;
	struct am_log			 log = { am_mig_log_fn, d, NULL };
	struct am_err			 err;
	char				*prefix = am_mig_fmt("%s:", path);
	struct am_config		*cfg;

	memset(&ov, 0, sizeof(ov));
	if (no_dns)
		ov.dns_zone = "";
	d->prefix = prefix;
	am_err_clear(&err);
	cfg = am_config_load(path, &ov, &log, &err);
	free(prefix);
	return cfg;
}

static int
am_mig_write(const char *path, const char *text)
{
	FILE	*fp;

	if ((fp = fopen(path, "w")) == NULL || fputs(text, fp) == EOF ||
	    fclose(fp) == EOF) {
		am_tool_errx("migrate: %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* The option names authmilter takes: what -n prints of an empty file. */
static int
am_mig_names(struct am_mig *m)
{
	struct am_mig_diag	 d;
	struct am_config	*cfg;
	char			 path[128], *text = NULL, *p, *line, *name;
	size_t			 sz = 0;
	FILE			*fp;

	(void)snprintf(path, sizeof(path), "%s/empty.conf", m->tmpdir);
	memset(&d, 0, sizeof(d));
	d.m = m;
	if (am_mig_write(path, "") == -1 ||
	    (cfg = am_mig_load(path, &d, 1)) == NULL) {
		am_tool_errx("migrate: an empty configuration does not load");
		return -1;
	}
	if ((fp = open_memstream(&text, &sz)) == NULL) {
		am_config_unref(&cfg);
		return -1;
	}
	am_config_print(cfg, fp);
	fclose(fp);
	am_config_unref(&cfg);
	for (p = text; (line = strsep(&p, "\n")) != NULL; ) {
		if (strncmp(line, "# ", 2) == 0)
			continue;
		name = line + (line[0] == '#');
		name[strcspn(name, " \t")] = '\0';
		if (*name != '\0' && m->nnames < AM_MIG_MAXNAMES)
			m->names[m->nnames++] = am_mig_strdup(name);
	}
	free(text);
	return 0;
}

static int
am_mig_is_option(const struct am_mig *m, const char *name)
{
	size_t	 i;

	for (i = 0; i < m->nnames; i++)
		if (strcasecmp(m->names[i], name) == 0)
			return 1;
	return 0;
}

/*
 * Options authmilter does not list: load each alone and keep what the
 * loader says.  An error (refused, unknown) or a warning (accepted
 * without effect) comments it out with that reason; silence (an alias,
 * or something authmilter always does) keeps it.
 */
static int
am_mig_classify(struct am_mig *m)
{
	struct am_mig_diag	 d;
	struct am_config	*cfg;
	struct am_mig_item	*it;
	char			 path[128], *text;
	size_t			 i;

	(void)snprintf(path, sizeof(path), "%s/probe.conf", m->tmpdir);
	for (i = 0; i < m->n; i++) {
		it = &m->it[i];
		if (it->drop)
			continue;
		if (it->value[0] == '\0') {
			am_mig_drop(it, am_mig_strdup("no value"));
			continue;
		}
		if (am_mig_is_option(m, it->name))
			continue;
		text = am_mig_fmt("%s %s\n", it->name, it->value);
		if (am_mig_write(path, text) == -1) {
			free(text);
			return -1;
		}
		free(text);
		memset(&d, 0, sizeof(d));
		d.m = m;
		d.probe = 1;
		cfg = am_mig_load(path, &d, 1);
		am_config_unref(&cfg);
		if (d.why != NULL)
			am_mig_drop(it, d.why);
		else
			it->why = am_mig_strdup("authmilter accepts it as it "
			    "is");
	}
	return 0;
}

/* ---------------------------------------------------------------- output */

/* Writes "# text" wrapped at about 76 columns. */
static void
am_mig_comment(FILE *fp, const char *text)
{
	size_t	 n, cut;

	while (*text != '\0') {
		n = strlen(text);
		cut = n;
		if (n > 74) {
			for (cut = 74; cut > 20 && text[cut] != ' '; cut--)
				;
			if (text[cut] != ' ')
				cut = 74;
		}
		fprintf(fp, "# %.*s\n", (int)cut, text);
		text += cut;
		text += strspn(text, " ");
	}
}

/* A milter socket spec in Postfix's syntax (main.cf smtpd_milters). */
static void
am_mig_postfix_addr(const char *spec, char *out, size_t sz, int *chroot)
{
	const char	*p = spec, *at;
	static const char spool[] = "/var/spool/postfix/";

	*chroot = 0;
	if (strncasecmp(p, "unix:", 5) == 0 || strncasecmp(p, "local:", 6)
	    == 0)
		p = strchr(p, ':') + 1;
	if (p[0] == '/') {
		if (strncmp(p, spool, sizeof(spool) - 1) == 0) {
			*chroot = 1;
			p += sizeof(spool) - 2;
		}
		(void)snprintf(out, sz, "unix:%s", p);
		return;
	}
	if (strncasecmp(spec, "inet:", 5) == 0 ||
	    strncasecmp(spec, "inet6:", 6) == 0) {
		p = strchr(spec, ':') + 1;
		at = strchr(p, '@');
		if (at == NULL)
			(void)snprintf(out, sz, "inet:%s:%s", spec[4] == '6' ?
			    "[::1]" : "127.0.0.1", p);
		else
			(void)snprintf(out, sz, "inet:%s%s%s:%.*s",
			    spec[4] == '6' ? "[" : "", at + 1,
			    spec[4] == '6' ? "]" : "", (int)(at - p), p);
		return;
	}
	(void)snprintf(out, sz, "%s", spec);
}

static const char *
am_mig_socket_of(const struct am_mig *m, int src)
{
	size_t	 i;
	const char *v = NULL;

	for (i = 0; i < m->n; i++)
		if (m->it[i].src == src && m->it[i].file != NULL &&
		    strcasecmp(m->it[i].name, "Socket") == 0)
			v = m->it[i].value;	/* the last one wins */
	return v;
}

static void
am_mig_header(struct am_mig *m, FILE *fp)
{
	struct am_mig_item	*s = am_mig_find(m, "Socket");
	char			 addr[600], old[1300], one[600];
	int			 chroot, k, src;
	const char		*v;

	fprintf(fp, "# authmilter.conf, made by \"authmilter-tool migrate\" "
	    "(authmilter %s) from\n", PACKAGE_VERSION);
	for (k = 0; k < m->nsrc; k++)
		fprintf(fp, "#   %-10s %s\n", am_mig_srcname[m->order[k]],
		    m->file[m->order[k]]);
	am_mig_comment(fp, "Every option of those files is below, under a "
	    "comment naming its file and line; what is not carried is "
	    "commented out with the reason. Check the result with "
	    "\"authmilter -n -c FILE\".");
	fprintf(fp, "#\n");
	old[0] = '\0';
	for (k = 0; k < m->nsrc; k++) {
		src = m->order[k];
		v = am_mig_socket_of(m, src);
		if (v == NULL)
			continue;
		am_mig_postfix_addr(v, one, sizeof(one), &chroot);
		(void)snprintf(old + strlen(old), sizeof(old) - strlen(old),
		    "%s%s", old[0] ? ", " : "", one);
	}
	am_mig_postfix_addr(s != NULL ? s->value :
	    "unix:/run/authmilter/authmilter.sock", addr, sizeof(addr),
	    &chroot);
	am_mig_comment(fp, "Postfix: the two milters become one. Stop and "
	    "disable the old daemons (systemctl disable --now opendkim "
	    "opendmarc), then in /etc/postfix/main.cf replace their entries "
	    "in smtpd_milters and non_smtpd_milters, keeping any other "
	    "milter you list there:");
	if (old[0] != '\0') {
		fprintf(fp, "#   before: smtpd_milters = %s\n", old);
		fprintf(fp, "#           non_smtpd_milters = $smtpd_milters\n");
	}
	fprintf(fp, "#   after:  smtpd_milters = %s\n", addr);
	fprintf(fp, "#           non_smtpd_milters = $smtpd_milters\n");
	if (chroot)
		am_mig_comment(fp, "(The socket is under /var/spool/postfix: "
		    "that address is the one a chrooted smtpd sees, Debian's "
		    "default; without the chroot write the full path.)");
	am_mig_comment(fp, "then \"postfix reload\". Sendmail: one "
	    "INPUT_MAIL_FILTER line for authmilter replaces the two.");
}

/* The line the next write to the output will be on. */
static unsigned
am_mig_lineno(struct am_mig *m)
{
	unsigned	 n = 1;
	size_t		 i;

	fflush(m->outfp);
	for (i = 0; i < m->outsz; i++)
		n += m->out[i] == '\n';
	return n;
}

static void
am_mig_item_out(struct am_mig *m, struct am_mig_item *it)
{
	FILE	*fp = m->outfp;
	char	 w[300], *c;

	if (it->file == NULL)
		c = am_mig_fmt("added: %s", it->why != NULL ? it->why : "");
	else
		c = am_mig_fmt("from %s%s%s", am_mig_where(it, w, sizeof(w)),
		    it->why != NULL ? (it->drop ? ": not carried: " : ": ") :
		    "", it->why != NULL ? it->why : "");
	am_mig_comment(fp, c);
	free(c);
	if (it->drop) {
		fprintf(fp, "#%-23s %s\n", it->name, it->value);
		return;
	}
	it->outline = am_mig_lineno(m);
	fprintf(fp, "%-24s %s\n", it->name, it->value);
}

static char *
am_mig_render(struct am_mig *m)
{
	size_t	 i;
	int	 k, src;

	m->out = NULL;
	m->outsz = 0;
	if ((m->outfp = open_memstream(&m->out, &m->outsz)) == NULL)
		return NULL;
	am_mig_header(m, m->outfp);
	for (k = 0; k < m->nsrc; k++) {
		src = m->order[k];
		fprintf(m->outfp, "\n## ------------------------------------"
		    "--------------------------- %s\n", am_mig_srcname[src]);
		for (i = 0; i < m->n; i++)
			if (m->it[i].src == src && m->it[i].file != NULL)
				am_mig_item_out(m, &m->it[i]);
		for (i = 0; i < m->n; i++)
			if (m->it[i].src == src && m->it[i].file == NULL)
				am_mig_item_out(m, &m->it[i]);
	}
	fclose(m->outfp);
	m->outfp = NULL;
	return m->out;
}

/* ---------------------------------------------------------------- main */

static int
am_mig_args(struct am_mig *m, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "opendkim", required_argument, NULL, 'k' },
		{ "opendmarc", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int	 c, src;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
		case 'm':
			src = c == 'k' ? AM_MIG_DKIM : AM_MIG_DMARC;
			if (m->file[src] != NULL) {
				am_tool_errx("migrate: --%s given twice (%s "
				    "and %s): give one file of each",
				    c == 'k' ? "opendkim" : "opendmarc",
				    m->file[src], optarg);
				return -1;
			}
			m->file[src] = optarg;
			m->order[m->nsrc++] = src;
			break;
		case 'h':
			am_migrate_usage();
			return 1;
		default:
			return -1;
		}
	}
	if (optind != argc) {
		am_tool_errx("migrate: unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if (m->nsrc == 0) {
		am_tool_errx("migrate: give --opendkim FILE, --opendmarc FILE "
		    "or both");
		return -1;
	}
	return 0;
}

static void
am_mig_free(struct am_mig *m)
{
	size_t	 i;

	for (i = 0; i < m->n; i++) {
		free(m->it[i].name);
		free(m->it[i].value);
		free(m->it[i].why);
	}
	free(m->it);
	for (i = 0; i < m->nnames; i++)
		free(m->names[i]);
	if (m->tmpdir[0] != '\0') {
		char	 p[128];

		(void)snprintf(p, sizeof(p), "%s/empty.conf", m->tmpdir);
		(void)unlink(p);
		(void)snprintf(p, sizeof(p), "%s/probe.conf", m->tmpdir);
		(void)unlink(p);
		(void)snprintf(p, sizeof(p), "%s/authmilter.conf", m->tmpdir);
		(void)unlink(p);
		(void)rmdir(m->tmpdir);
	}
}

/* Loads the text as the daemon would; 0 when it loads. */
static int
am_mig_check(struct am_mig *m, const char *text)
{
	struct am_mig_diag	 d;
	struct am_config	*cfg;
	char			 path[128];

	(void)snprintf(path, sizeof(path), "%s/authmilter.conf", m->tmpdir);
	if (am_mig_write(path, text) == -1)
		return AM_TOOL_EXIT_SOFTWARE;
	memset(&d, 0, sizeof(d));
	d.m = m;
	cfg = am_mig_load(path, &d, 0);
	if (cfg == NULL || d.nerrors > 0) {
		am_config_unref(&cfg);
		am_tool_errx("migrate: the result does not load (%zu error%s "
		    "above); nothing printed", d.nerrors,
		    d.nerrors == 1 ? "" : "s");
		return AM_TOOL_EXIT_DATAERR;
	}
	am_config_unref(&cfg);
	return AM_TOOL_EXIT_OK;
}

static int
am_mig_run(struct am_mig *m)
{
	const char	*tmp = getenv("TMPDIR");
	char		*text;
	int		 k, rc;

	for (k = 0; k < m->nsrc; k++)
		if ((rc = am_mig_read(m, m->order[k])) != 0)
			return rc;
	(void)snprintf(m->tmpdir, sizeof(m->tmpdir), "%s/am-migrate.XXXXXX",
	    tmp != NULL && *tmp != '\0' && strlen(tmp) < 40 ? tmp : "/tmp");
	if (mkdtemp(m->tmpdir) == NULL) {
		am_tool_errx("migrate: %s: %s", m->tmpdir, strerror(errno));
		m->tmpdir[0] = '\0';
		return AM_TOOL_EXIT_SOFTWARE;
	}
	am_mig_repeats(m);
	am_mig_trusted(m);
	if (am_mig_names(m) == -1 || am_mig_classify(m) == -1)
		return AM_TOOL_EXIT_SOFTWARE;
	am_mig_add_notes(m);
	am_mig_add_defaults(m);
	if ((text = am_mig_render(m)) == NULL)
		return AM_TOOL_EXIT_SOFTWARE;
	if ((rc = am_mig_check(m, text)) == AM_TOOL_EXIT_OK &&
	    (fputs(text, stdout) == EOF || fflush(stdout) == EOF)) {
		am_tool_errx("migrate: writing: %s", strerror(errno));
		rc = AM_TOOL_EXIT_CANTCREAT;
	}
	free(text);
	return rc;
}

int
am_cmd_migrate(int argc, char **argv)
{
	struct am_mig	 m;
	int		 rc;

	memset(&m, 0, sizeof(m));
	if ((rc = am_mig_args(&m, argc, argv)) != 0)
		return rc > 0 ? AM_TOOL_EXIT_OK : am_migrate_usage();
	if ((m.it = calloc(AM_MIG_MAXITEMS, sizeof(*m.it))) == NULL) {
		am_tool_errx("out of memory");
		return AM_TOOL_EXIT_SOFTWARE;
	}
	rc = am_mig_run(&m);
	am_mig_free(&m);
	return rc;
}
