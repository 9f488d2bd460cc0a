/*
 * t-dataset - OpenDKIM data sets: inline lists, csl:, file:, refile:,
 * refused types, wildcard patterns, path and field helpers
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dataset.h"
#include "tap.h"

static struct am_buf	 logbuf;

static void
capture(void *ctx, enum am_log_level level, const char *line)
{
	(void)ctx;
	am_buf_printf(&logbuf, "%s: %s\n", am_log_level_name(level), line);
}

static const struct am_log	 tlog = { capture, NULL, NULL };

static struct am_dataset *
load(const char *spec, struct am_diag *d)
{
	struct am_dataset	*ds = NULL;

	memset(d, 0, sizeof(*d));
	d->log = &tlog;
	am_buf_reset(&logbuf);
	(void)am_dataset_load(spec, getenv("top_srcdir"), "test.conf", 7, d,
	    &ds);
	return ds;
}

static void
test_lists(void)
{
	struct am_dataset	*ds;
	struct am_diag		 d;

	ds = load("127.0.0.1, ::1 ,, host.example ", &d);
	ok(ds != NULL && ds->kind == AM_DATASET_LIST, "inline list loads");
	is_int(ds->n, 3, "inline list: empty elements dropped");
	is_str(ds->entries[1].key, "::1", "inline list: entries trimmed");
	is_str(ds->entries[2].file, "test.conf", "inline entry: file");
	is_int(ds->entries[2].line, 7, "inline entry: line of the option");
	am_dataset_free(&ds);
	ok(ds == NULL, "free sets NULL");

	ds = load("csl:a=1,b = two,c", &d);
	ok(ds != NULL && ds->n == 3, "csl: loads");
	is_str(ds->entries[0].key, "a", "csl: key of x=y");
	is_str(ds->entries[1].value, "two", "csl: value of x = y trimmed");
	is_str(ds->entries[2].value, "", "csl: no value");
	am_dataset_free(&ds);

	ds = load("csl:=x", &d);
	is_int(d.errors, 1, "csl: \"=x\" is an error");
	ok(strstr(am_buf_str(&logbuf), "test.conf:7:") != NULL,
	    "csl: error has file:line");
	am_dataset_free(&ds);
}

static void
test_files(void)
{
	struct am_dataset	*ds;
	struct am_diag		 d;

	ds = load("file:t/unit/data/config/list.txt", &d);
	ok(ds != NULL && ds->kind == AM_DATASET_FILE,
	    "file: relative to the base directory");
	is_int(d.errors, 0, "file: no errors");
	if (ds == NULL)
		return;
	is_int(ds->n, 4, "file: comments and blank lines skipped");
	is_str(ds->entries[1].key, "beta", "file: key");
	is_str(ds->entries[1].value, "value with  spaces",
	    "file: value is the rest, trimmed, comment dropped");
	is_int(ds->entries[1].line, 4, "file: entry line");
	is_str(ds->entries[2].value, "one:two:three", "file: colons kept");
	ok(strstr(ds->entries[0].file, "list.txt") != NULL,
	    "file: entry file is the data file");
	am_dataset_free(&ds);

	ds = load("file:/nonexistent/x", &d);
	ok(ds == NULL, "missing file fails");
	is_int(d.errors, 1, "missing file: one error");
	ok(strstr(am_buf_str(&logbuf), "test.conf:7: /nonexistent/x: "
	    "cannot open") != NULL, "missing file: said where");

	ds = load("/nonexistent/y", &d);
	ok(ds == NULL && d.errors == 1, "a leading / means a file");

	ds = load("refile:t/unit/data/config/signing.refile", &d);
	ok(ds != NULL && ds->kind == AM_DATASET_REFILE, "refile: loads");
	if (ds != NULL)
		is_str(ds->entries[0].key, "*@sub.example.org",
		    "refile: pattern is the key");
	am_dataset_free(&ds);

	ds = load("file:", &d);
	ok(ds == NULL && d.errors == 1, "file: with no name is an error");
}

static void
test_refused(void)
{
	static const char *const specs[] = { "db:/etc/x.db", "dsn:mysql://x",
	    "ldap://host/dc=x", "lua:/x.lua", "memcache:h/k", "mdb:/x",
	    "erlang:n@h:c:m:f", "keys.db", NULL };
	struct am_dataset	*ds;
	struct am_diag		 d;
	char			 name[128];
	size_t			 i;

	for (i = 0; specs[i] != NULL; i++) {
		ds = load(specs[i], &d);
		snprintf(name, sizeof(name), "%s refused", specs[i]);
		ok(ds == NULL && d.errors == 1 && strstr(am_buf_str(&logbuf),
		    "type not supported") != NULL, name);
	}
}

static void
test_wild(void)
{
	static const struct {
		const char	*pat, *s;
		int		 want;
	} w[] = {
		{ "*", "", 1 }, { "*", "anything", 1 },
		{ "*@example.com", "user@example.com", 1 },
		{ "*@example.com", "user@sub.example.com", 0 },
		{ "*@*.example.com", "user@sub.example.com", 1 },
		{ "*@EXAMPLE.com", "User@example.COM", 1 },
		{ "user@example.com", "user@example.com", 1 },
		{ "user@example.com", "user@example.co", 0 },
		{ "a*b*c", "aXXbYYc", 1 }, { "a*b*c", "aXXbYY", 0 },
		{ "*a", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", 0 },
		{ "**", "x", 1 }, { "x", "", 0 }, { "", "", 1 },
	};
	char	 name[160];
	size_t	 i;

	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		snprintf(name, sizeof(name), "wildmatch \"%s\" \"%s\"",
		    w[i].pat, w[i].s);
		is_int(am_dataset_wildmatch(w[i].pat, w[i].s), w[i].want, name);
	}
}

static void
test_helpers(void)
{
	char	 s[] = " a : b :c:d ", *f[3], *p;

	is_int(am_split(s, ':', f, 3), 3, "split: 3 fields at most");
	is_str(f[0], "a", "split: field 1 trimmed");
	is_str(f[2], "c:d", "split: last field takes the rest");
	p = am_path_resolve("/etc/am", "./x/y");
	is_str(p, "/etc/am/x/y", "resolve ./x");
	free(p);
	p = am_path_resolve("/etc/am", "../k");
	is_str(p, "/etc/am/../k", "resolve ../k");
	free(p);
	p = am_path_resolve("/etc/am", "/abs");
	is_str(p, "/abs", "absolute stays");
	free(p);
	p = am_path_resolve(NULL, "rel");
	is_str(p, "rel", "no base dir");
	free(p);
}

int
main(void)
{
	am_buf_init(&logbuf, 1 << 20);
	test_lists();
	test_files();
	test_refused();
	test_wild();
	test_helpers();
	am_buf_release(&logbuf);
	return done_testing();
}
