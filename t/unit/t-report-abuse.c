/*
 * t-report-abuse - what keeps the reporter from being a spam cannon:
 * the engine's message classifier (engine_kind.c), the kind in the
 * record, the journal and the store (schema v4), which records earn a
 * report, the per-destination and daily limits, the suppression list,
 * and the DSN reader (report_bounce.c) on Postfix- and Gmail-shaped
 * bounces (t/report/samples/dsn-*.eml); on PostgreSQL too when
 * AM_TEST_PG_ABUSE is set (t/tool/report-pg.sh)
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "hdr.h"
#include "report_bounce.h"
#include "report_journal.h"
#include "report_record.h"
#include "report_send.h"
#include "report_store.h"
#include "report_unpack.h"
#include "tap.h"

#define ID	"0123456789abcdef0123456789abcdef"
#define DAY	86400
#define B	1764028800	/* the period under test */

static char tmpdir[256];

/* ------------------------------------------------------------- kind */

/* The kind of a header block given as "Name: value\n" lines. */
static const char *
kind(const char *block, int null_sender)
{
	struct am_hdrs	*hs = am_hdrs_new(100, 65536);
	struct am_err	 err;
	const char	*p = block, *e, *k;

	while (*p != '\0') {
		e = strchr(p, '\n');
		while (e != NULL && (e[1] == ' ' || e[1] == '\t'))
			e = strchr(e + 1, '\n');
		if (e == NULL)
			e = p + strlen(p);
		(void)am_hdrs_add_raw(hs, p, (size_t)(e - p), &err);
		p = *e ? e + 1 : e;
	}
	k = am_engine_kind_of(hs, null_sender);
	am_hdrs_free(&hs);
	return k;
}

static void
t_kind(void)
{
	is_str(kind("From: a@example.com\nSubject: hello\n"
	    "Content-Type: text/plain\n", 0), "", "ordinary mail: \"\"");
	is_str(kind("From: a@example.com\nSubject: hello\n", 1), "dsn",
	    "null reverse-path: dsn");
	is_str(kind("From: MAILER-DAEMON@x\nContent-Type: multipart/report;"
	    "\n\treport-type=delivery-status;\n\tboundary=\"b\"\n", 0), "dsn",
	    "multipart/report; report-type=delivery-status (folded): dsn");
	is_str(kind("Content-Type: Multipart/Report; boundary=b; "
	    "Report-Type=\"Disposition-Notification\"\n", 0), "dsn",
	    "disposition-notification, quoted, any case: dsn");
	is_str(kind("From: tlsrpt@example.net\nTLS-Report-Domain: example.com"
	    "\nTLS-Report-Submitter: example.net\n", 0), "tlsrpt",
	    "TLS-Report-Domain: tlsrpt");
	is_str(kind("Content-Type: multipart/report; report-type=tlsrpt; "
	    "boundary=x\n", 1), "tlsrpt",
	    "report-type=tlsrpt wins over the null sender");
	is_str(kind("Subject: Report Domain: example.com Submitter: "
	    "google.com Report-ID: <1>\nContent-Type: application/zip\n", 0),
	    "report", "Subject Report Domain: with a zip: report");
	is_str(kind("Subject: Fwd: Report domain: example.com Submitter: x\n"
	    "Content-Type: multipart/mixed; boundary=z\n", 0), "report",
	    "forwarded, multipart/mixed: report");
	is_str(kind("Subject: Report Domain: example.com\n"
	    "Content-Type: text/plain\n", 0), "",
	    "Report Domain: on plain text is mail");
	is_str(kind("Subject: Your report domain: example.com\n"
	    "Content-Type: application/gzip\n", 0), "",
	    "\"report domain:\" later in the Subject is mail");
	is_str(kind("Content-Type: multipart/report; "
	    "report-type=feedback-report; boundary=f\n", 0), "report",
	    "feedback-report (a DMARC failure report): report");
	is_str(kind("Content-Type: multipart/mixed; "
	    "report-type=delivery-status\n", 0), "",
	    "report-type on multipart/mixed is ignored");
	is_str(am_engine_kind_of(NULL, 0), "", "no header block: \"\"");
}

/* ------------------------------------------------------------ record */

static void
rec(struct am_report_record *r, int64_t t, const char *dom,
    const char *from, const char *verdict, const char *kind_, const char *rua)
{
	memset(r, 0, sizeof(*r));
	r->time = t;
	am_report_strlcpy(r->policy_domain, dom, sizeof(r->policy_domain));
	am_report_strlcpy(r->header_from, from, sizeof(r->header_from));
	am_report_strlcpy(r->envelope_from, from, sizeof(r->envelope_from));
	am_report_strlcpy(r->envelope_to, "example.org",
	    sizeof(r->envelope_to));
	am_report_strlcpy(r->source_ip, "192.0.2.1", sizeof(r->source_ip));
	am_report_strlcpy(r->verdict, verdict, sizeof(r->verdict));
	am_report_strlcpy(r->dkim_eval, verdict[0] == 'p' ? "pass" : "fail",
	    sizeof(r->dkim_eval));
	am_report_strlcpy(r->spf_eval, "fail", sizeof(r->spf_eval));
	am_report_strlcpy(r->disposition, "none", sizeof(r->disposition));
	am_report_strlcpy(r->spf_domain, from, sizeof(r->spf_domain));
	am_report_strlcpy(r->spf_result, "none", sizeof(r->spf_result));
	am_report_strlcpy(r->pol.p, "none", sizeof(r->pol.p));
	am_report_strlcpy(r->pol.adkim, "r", sizeof(r->pol.adkim));
	am_report_strlcpy(r->pol.aspf, "r", sizeof(r->pol.aspf));
	am_report_strlcpy(r->pol.t, "n", sizeof(r->pol.t));
	am_report_strlcpy(r->pol.psd, "u", sizeof(r->pol.psd));
	am_report_strlcpy(r->pol.discovery, "treewalk",
	    sizeof(r->pol.discovery));
	am_report_strlcpy(r->pol.rua, rua, sizeof(r->pol.rua));
	am_report_strlcpy(r->kind, kind_, sizeof(r->kind));
}

static void
t_record_kind(void)
{
	struct am_dmarc_report	 rep;
	struct am_report_record	 r, back;
	char			 line[65536];

	memset(&rep, 0, sizeof(rep));
	rep.time = 5;
	snprintf(rep.kind, sizeof(rep.kind), "dsn");
	(void)am_report_record_from_dmarc(&r, &rep);
	is_str(r.kind, "dsn", "the converter keeps the kind");
	snprintf(rep.kind, sizeof(rep.kind), "bogus");
	(void)am_report_record_from_dmarc(&r, &rep);
	is_str(r.kind, "", "an unknown kind becomes \"\"");

	rec(&r, 77, "example.com", "example.com", "pass", "tlsrpt",
	    "mailto:d@example.com");
	ok(am_report_journal_format(&r, line, sizeof(line)) == 0 &&
	    am_report_journal_parse(line, &back) == 0 &&
	    strcmp(back.kind, "tlsrpt") == 0 && back.time == 77,
	    "journal: the kind survives a round trip");
	rec(&r, 78, "example.com", "example.com", "pass", "",
	    "mailto:d@example.com");
	ok(am_report_journal_format(&r, line, sizeof(line)) == 0 &&
	    am_report_journal_parse(line, &back) == 0 &&
	    strcmp(back.kind, "") == 0, "journal: an ordinary record (an "
	    "older journal's line) parses with kind \"\"");
}

/* ------------------------------------------------------------ store */

static struct am_report_store *
open_store(const char *name)
{
	struct am_report_store	*st = NULL;
	struct am_err		 err;
	char			 uri[1024];

	/* AM_TEST_PG_ABUSE: "postgresql:CONNINFO" without dbname; each
	 * store is then the database ab_NAME (created empty by
	 * t/tool/report-pg.sh) */
	if (getenv("AM_TEST_PG_ABUSE") != NULL)
		snprintf(uri, sizeof(uri), "%s dbname=ab_%.*s",
		    getenv("AM_TEST_PG_ABUSE"), (int)strcspn(name, "."), name);
	else
		snprintf(uri, sizeof(uri), "sqlite:%s/%s", tmpdir, name);
	if (am_report_store_open(uri, &st, &err) != 0)
		diag(err.msg);
	return st;
}

static void
insert(struct am_report_store *st, int64_t t, const char *dom,
    const char *from, const char *verdict, const char *kind_, unsigned n)
{
	struct am_report_record	 r;
	struct am_err		 err;
	char			 rua[300];

	snprintf(rua, sizeof(rua), "mailto:d@%s", dom);
	rec(&r, t, dom, from, verdict, kind_, rua);
	while (n-- > 0)
		if (am_report_store_insert(st, &r, 1, &err) != 0)
			diag(err.msg);
}

static void
t_earning(void)
{
	struct am_report_store		*st = open_store("earn.db");
	struct am_report_earning	 e;
	struct am_err			 err;

	ok(st != NULL, "store opened");
	if (st == NULL)
		return;
	is_int(am_report_store_version(st), 5, "schema version 5");
	insert(st, B + 10, "dsn.example", "dsn.example", "pass", "dsn", 3);
	insert(st, B + 10, "rpt.example", "rpt.example", "pass", "report", 2);
	insert(st, B + 10, "rpt.example", "rpt.example", "pass", "tlsrpt", 1);
	insert(st, B + 10, "never.example", "never.example", "fail", "", 4);
	insert(st, B + 10, "mixed.example", "mixed.example", "pass", "", 1);
	insert(st, B + 10, "mixed.example", "mixed.example", "fail", "dsn", 2);
	insert(st, B - 3600, "once.example", "once.example", "pass", "", 1);
	insert(st, B + 10, "once.example", "once.example", "fail", "", 2);
	/* a passing From domain under another policy domain counts */
	insert(st, B + 10, "org.example", "sub.org.example", "fail", "", 2);
	insert(st, B + DAY + 5, "late.example", "sub.org.example", "pass", "",
	    1);

	ok(am_report_store_earning(st, B, B + DAY, "dsn.example", &e, &err)
	    == 0 && e.messages == 3 && e.dsn == 3 && e.earning == 0,
	    "only DSNs (even passing): nothing earns");
	ok(am_report_store_earning(st, B, B + DAY, "rpt.example", &e, &err)
	    == 0 && e.messages == 3 && e.reports == 2 && e.tlsrpt == 1 &&
	    e.earning == 0, "only reports and TLS reports: nothing earns");
	ok(am_report_store_earning(st, B, B + DAY, "never.example", &e, &err)
	    == 0 && e.messages == 4 && e.never_passing == 4 && e.earning == 0,
	    "failing mail from a never-passing From domain: nothing earns");
	ok(am_report_store_earning(st, B, B + DAY, "mixed.example", &e, &err)
	    == 0 && e.messages == 3 && e.earning == 1 && e.dsn == 2,
	    "one passing message earns; the DSNs are counted");
	ok(am_report_store_earning(st, B, B + DAY, "once.example", &e, &err)
	    == 0 && e.messages == 2 && e.earning == 2,
	    "failing, but the From domain passed before the period: earns");
	ok(am_report_store_earning(st, B, B + DAY, "org.example", &e, &err)
	    == 0 && e.earning == 2, "a From domain that passed at any time "
	    "(after the period too) earns");
	ok(am_report_store_earning(st, B, B + DAY, "none.example", &e, &err)
	    == 0 && e.messages == 0 && e.earning == 0, "no records: zeros");
	am_report_store_close(&st);
}

static int
first_kind(void *ctx, const struct am_report_record *r)
{
	am_report_strlcpy(ctx, r->kind, 8);
	return 1;
}

static void
t_kind_column(void)
{
	struct am_report_store	*st = open_store("earn.db");
	struct am_err		 err;
	char			 k[8] = "x";

	ok(st != NULL && am_report_store_records(st, B, B + DAY,
	    "rpt.example", first_kind, k, &err) == 0 &&
	    (strcmp(k, "report") == 0 || strcmp(k, "tlsrpt") == 0),
	    "the kind column is stored and read back");
	am_report_store_close(&st);
}

static int
count_sup(void *ctx, const struct am_report_suppressed *s)
{
	(void)s;
	(*(int *)ctx)++;
	return 0;
}

static int
collect_dest(void *ctx, const char *d)
{
	char	*out = ctx;

	strncat(out, d, 200);
	strncat(out, " ", 2);
	return 0;
}

static void
t_ledger_and_suppression(void)
{
	struct am_report_store		*st = open_store("sup.db");
	struct am_report_suppressed	 s;
	struct am_err			 err;
	uint64_t			 n = 9;
	char				 dests[512] = "";
	int				 found = 0, removed = 0, k = 0;

	ok(st != NULL, "store opened");
	if (st == NULL)
		return;
	ok(am_report_store_sent_add(st, "a.example", B, B + DAY,
	    "d@x.example", ID, B + DAY + 100, &err) == 0 &&
	    am_report_store_sent_add(st, "b.example", B, B + DAY,
	    "d@x.example", "ffffffffffffffffffffffffffffffff", B + DAY + 200,
	    &err) == 0 &&
	    am_report_store_sent_add(st, "a.example", B, B + DAY,
	    "e@y.example", ID, B + 300, &err) == 0, "three sends in the ledger");
	ok(am_report_store_sent_count(st, "d@x.example", B + DAY, &n, &err)
	    == 0 && n == 2, "sent to one destination since a time: 2");
	ok(am_report_store_sent_count(st, NULL, B + DAY + 150, &n, &err) == 0 &&
	    n == 1, "sent in all since a later time: 1");
	ok(am_report_store_sent_dests(st, ID, collect_dest, dests, &err) == 0
	    && strcmp(dests, "d@x.example e@y.example ") == 0,
	    "the destinations of a report id");
	ok(am_report_store_sent_add(st, "a.example", B + DAY + 400,
	    B + DAY + 400, "d@x.example", "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee",
	    B + DAY + 400, &err) == 0, "a failure report in the ledger "
	    "(begin = end)");
	ok(am_report_store_sent_count(st, "d@x.example", B + DAY, &n, &err)
	    == 0 && n == 2 && am_report_store_sent_count(st, NULL, B + DAY +
	    150, &n, &err) == 0 && n == 1, "... not counted as an aggregate "
	    "report, to the destination or in all");
	dests[0] = '\0';
	ok(am_report_store_sent_dests(st, "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee",
	    collect_dest, dests, &err) == 0 && strcmp(dests, "d@x.example ")
	    == 0, "... but its id names its destination (for a bounce)");

	ok(am_report_store_suppress_add(st, "d@x.example", "bounced", 1000,
	    1000 + 30 * DAY, &err) == 0, "suppress an address");
	ok(am_report_store_suppress_find(st, "d@x.example", 2000, &found, &s,
	    &err) == 0 && found && strcmp(s.reason, "bounced") == 0 &&
	    s.added == 1000 && s.expires == 1000 + 30 * DAY,
	    "found, with reason and times");
	ok(am_report_store_suppress_find(st, "d@x.example", 1000 + 30 * DAY,
	    &found, NULL, &err) == 0 && !found, "expired after 30 days");
	ok(am_report_store_suppress_add(st, "d@x.example", "again", 5000,
	    5000 + DAY, &err) == 0 && am_report_store_suppress_find(st,
	    "d@x.example", 5001, &found, &s, &err) == 0 && found &&
	    strcmp(s.reason, "again") == 0, "adding again replaces the entry");
	ok(am_report_store_suppress_add(st, "z@x.example", "op", 5000,
	    5000 + DAY, &err) == 0 && am_report_store_suppress_list(st, 5001,
	    count_sup, &k, &err) == 0 && k == 2, "list: two entries");
	ok(am_report_store_suppress_remove(st, "d@x.example", &removed, &err)
	    == 0 && removed && am_report_store_suppress_find(st, "d@x.example",
	    5001, &found, NULL, &err) == 0 && !found, "remove");
	ok(am_report_store_suppress_remove(st, "d@x.example", &removed, &err)
	    == 0 && !removed, "remove again: not there");
	am_report_store_close(&st);
}

/* ------------------------------------------------------------- DSNs */

/* A sample with @@ID@@ replaced by id; free() it. */
static char *
sample(const char *name, const char *id, size_t *len)
{
	char	 path[1024], *buf, *out, *p, *q;
	FILE	*fp;
	long	 n;

	snprintf(path, sizeof(path), "%s/t/report/samples/%s",
	    getenv("top_srcdir") ? getenv("top_srcdir") : ".", name);
	if ((fp = fopen(path, "rb")) == NULL) {
		diag(path);
		*len = 0;
		return calloc(1, 1);
	}
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = calloc(1, (size_t)n + 1);
	if (fread(buf, 1, (size_t)n, fp) != (size_t)n)
		diag("short read");
	fclose(fp);
	out = calloc(1, (size_t)n * 4 + 1);
	for (p = buf, q = out; *p != '\0'; ) {
		if (strncmp(p, "@@ID@@", 6) == 0) {
			q += sprintf(q, "%s", id);
			p += 6;
		} else
			*q++ = *p++;
	}
	free(buf);
	*len = (size_t)(q - out);
	return out;
}

static void
t_bounce_parse(void)
{
	struct am_report_bounce	 b;
	size_t			 n;
	char			*m;

	m = sample("dsn-postfix.eml", ID, &n);
	ok(am_report_bounce_parse(m, n, &b) == 1, "Postfix: a DSN");
	is_str(b.report_id, ID, "Postfix: the report id (envelope)");
	ok(b.failed, "Postfix: a permanent failure");
	is_str(b.action, "failed", "Postfix: action");
	is_str(b.status, "5.1.1", "Postfix: status");
	is_str(b.recipient, "d@limit.example", "Postfix: final recipient");
	is_str(b.original, "d@limit.example", "Postfix: original recipient");
	ok(strstr(b.diagnostic, "User unknown") != NULL,
	    "Postfix: the diagnostic, unfolded");
	free(m);

	m = sample("dsn-gmail.eml", ID, &n);
	ok(am_report_bounce_parse(m, n, &b) == 1 && b.failed &&
	    strcmp(b.report_id, ID) == 0 && strcmp(b.status, "5.1.1") == 0 &&
	    strcmp(b.recipient, "d@limit.example") == 0,
	    "Gmail: a permanent failure of our report to d@limit.example");
	free(m);

	m = sample("dsn-headers-only.eml", ID, &n);
	ok(am_report_bounce_parse(m, n, &b) == 1 && b.failed &&
	    strcmp(b.report_id, ID) == 0, "no +id in the envelope: the "
	    "Report-ID of the returned header names the report");
	free(m);

	m = sample("dsn-headers-only.eml", "0123456789ABCDEF0123456789ABCDEF",
	    &n);
	ok(am_report_bounce_parse(m, n, &b) == 1 && b.report_id[0] == '\0',
	    "an id that is not 32 lower-case hex digits names nothing");
	free(m);

	m = sample("dsn-delayed.eml", ID, &n);
	ok(am_report_bounce_parse(m, n, &b) == 1 && !b.failed &&
	    strcmp(b.action, "delayed") == 0 &&
	    strcmp(b.status, "4.4.7") == 0, "delayed, 4.4.7: not a failure");
	free(m);

	m = sample("google-rfc7489.xml", ID, &n);
	ok(am_report_bounce_parse(m, n, &b) == 0 && b.report_id[0] == '\0',
	    "a report is not a DSN");
	free(m);
	ok(am_report_bounce_parse("", 0, &b) == 0, "nothing is not a DSN");
}

struct unp {
	int	 xml, dsn;
	char	 id[AM_REPORT_ID_LEN + 1];
};

static int
unp_xml(void *ctx, const char *x, size_t n, const char *what)
{
	(void)x;
	(void)n;
	(void)what;
	((struct unp *)ctx)->xml++;
	return 0;
}

static int
unp_dsn(void *ctx, const struct am_report_bounce *b)
{
	struct unp	*u = ctx;

	u->dsn++;
	am_report_strlcpy(u->id, b->report_id, sizeof(u->id));
	return 0;
}

static void
t_bounce_unpack(void)
{
	struct unp	 u;
	struct am_err	 err;
	size_t		 n;
	char		*m;

	m = sample("dsn-gmail.eml", ID, &n);
	memset(&u, 0, sizeof(u));
	ok(am_report_unpack_dsn(m, n, unp_xml, unp_dsn, &u, &err) == 0 &&
	    u.dsn == 1 && u.xml == 0 && strcmp(u.id, ID) == 0,
	    "unpack_dsn: the DSN goes to the bounce function; the report it "
	    "returns is not imported");
	memset(&u, 0, sizeof(u));
	ok(am_report_unpack(m, n, unp_xml, &u, &err) == -1 && u.xml == 0 &&
	    strstr(err.msg, "delivery status notification") != NULL,
	    "unpack: a DSN is skipped, said so");
	free(m);
}

static void
t_bounce_apply(void)
{
	struct am_report_store	*st = open_store("bounce.db");
	struct am_report_bounce	 b;
	struct am_err		 err;
	char			 line[1024], *m;
	size_t			 n;
	int			 found = 0;

	ok(st != NULL, "store opened");
	if (st == NULL)
		return;
	m = sample("dsn-postfix.eml", ID, &n);
	(void)am_report_bounce_parse(m, n, &b);
	free(m);
	ok(am_report_bounce_apply(st, &b, B, 30, line, sizeof(line), &err)
	    == 0 && strstr(line, "not in the ledger") != NULL,
	    "a report not in the ledger: ignored");
	(void)am_report_store_sent_add(st, "a.limit.example", B - DAY, B,
	    "d@limit.example", ID, B, &err);
	ok(am_report_bounce_apply(st, &b, B, 30, line, sizeof(line), &err)
	    == 0, "applied");
	is_str(line, "suppressed d@limit.example (report " ID " bounced: "
	    "5.1.1)", "the line says what was done");
	ok(am_report_store_suppress_find(st, "d@limit.example", B + 29 * DAY,
	    &found, NULL, &err) == 0 && found, "suppressed after 29 days");
	ok(am_report_store_suppress_find(st, "d@limit.example", B + 30 * DAY,
	    &found, NULL, &err) == 0 && !found, "expired after 30 days");

	/* two destinations: the one the DSN names */
	(void)am_report_store_sent_add(st, "a.limit.example", B - DAY, B,
	    "other@limit.example", ID, B, &err);
	(void)am_report_store_suppress_remove(st, "d@limit.example", &found,
	    &err);
	ok(am_report_bounce_apply(st, &b, B, 30, line, sizeof(line), &err)
	    == 0 && strncmp(line, "suppressed d@limit.example ", 27) == 0 &&
	    am_report_store_suppress_find(st, "other@limit.example", B + 1,
	    &found, NULL, &err) == 0 && !found,
	    "sent to two: only the Final-Recipient is suppressed");
	am_report_strlcpy(b.recipient, "x@y.example", sizeof(b.recipient));
	am_report_strlcpy(b.original, "", sizeof(b.original));
	ok(am_report_bounce_apply(st, &b, B, 30, line, sizeof(line), &err)
	    == 0 && strstr(line, "names none of them") != NULL,
	    "sent to two, the DSN names neither: ignored");

	m = sample("dsn-delayed.eml", ID, &n);
	(void)am_report_bounce_parse(m, n, &b);
	free(m);
	ok(am_report_bounce_apply(st, &b, B, 30, line, sizeof(line), &err)
	    == 0 && strstr(line, "not a permanent failure") != NULL,
	    "delayed: ignored");
	am_report_store_close(&st);
}

/* -------------------------------------------------------------- run */

struct said {
	char	 all[65536];
	int	 submitted;
};

static void
say(void *ctx, int error, const char *line)
{
	struct said	*s = ctx;

	(void)error;
	strncat(s->all, line, sizeof(s->all) - strlen(s->all) - 2);
	strcat(s->all, "\n");
}

static int
submit(void *ctx, const char *sender, const char *to,
    const struct am_buf *msg, struct am_err *err)
{
	(void)sender;
	(void)to;
	(void)msg;
	(void)err;
	((struct said *)ctx)->submitted++;
	return 0;
}

static void
run_once(struct am_report_store *st, unsigned dest_limit,
    unsigned daily_limit, struct said *s, struct am_report_run *a)
{
	static const struct am_report_meta meta = {
		"receiver.example", "Receiver", "dmarc@receiver.example",
		"t-report-abuse", 0
	};

	memset(a, 0, sizeof(*a));
	memset(s, 0, sizeof(*s));
	a->st = st;
	a->meta = &meta;
	a->now = B + DAY + 3600;
	a->send = 1;
	a->submit = submit;
	a->submit_ctx = s;
	a->say = say;
	a->say_ctx = s;
	a->dest_limit = dest_limit;
	a->daily_limit = daily_limit;
	(void)am_report_run_period(a, B, B + DAY);
}

static void
t_run(void)
{
	struct am_report_store	*st = open_store("run.db");
	struct am_report_record	 r;
	struct am_report_run	 a;
	struct am_err		 err;
	struct said		*s = calloc(1, sizeof(*s));

	ok(st != NULL, "store opened");
	if (st == NULL)
		return;
	insert(st, B + 10, "dsn.example", "dsn.example", "pass", "dsn", 3);
	insert(st, B + 10, "never.example", "never.example", "fail", "", 4);
	/* two policy domains, one destination */
	rec(&r, B + 20, "a.limit.example", "a.limit.example", "pass", "",
	    "mailto:d@limit.example");
	(void)am_report_store_insert(st, &r, 1, &err);
	rec(&r, B + 20, "b.limit.example", "b.limit.example", "pass", "",
	    "mailto:d@limit.example");
	(void)am_report_store_insert(st, &r, 1, &err);

	run_once(st, 1, 0, s, &a);
	ok(strstr(s->all, "dsn.example") != NULL && strstr(s->all,
	    "not reported: only DSNs / reports / failing mail from a "
	    "never-passing domain (0 DMARC report(s), 0 TLS report(s), 3 "
	    "DSN(s), 0 failing") != NULL, "dsn.example: not reported, why");
	ok(strstr(s->all, "4 failing from a From domain that never passed")
	    != NULL, "never.example: not reported, why");
	is_int(a.unearned, 2, "two domains unearned");
	is_int(s->submitted, 1, "limit 1 a destination a day: one sent");
	is_int(a.held, 1, "the other held back");
	ok(a.deferred >= 1, "a held message counts as deferred (the daemon "
	    "runs the period again)");
	ok(strstr(s->all, "held back") != NULL && strstr(s->all,
	    "ReportDestinationLimit (1 a day) reached") != NULL &&
	    strstr(s->all, "tried again on the next run") != NULL,
	    "the held message is said, with the limit");

	run_once(st, 1, 0, s, &a);
	ok(s->submitted == 0 && a.held == 1, "the next run: still held (the "
	    "24 hours are not over), the sent one not sent twice");
	run_once(st, 2, 0, s, &a);
	ok(s->submitted == 1 && a.held == 0, "a higher limit: the held one "
	    "goes out");
	run_once(st, 0, 0, s, &a);
	ok(s->submitted == 0 && a.held == 0, "then nothing is left");

	/* the daily limit */
	rec(&r, B + 30, "c.limit.example", "c.limit.example", "pass", "",
	    "mailto:c@c.limit.example");
	(void)am_report_store_insert(st, &r, 1, &err);
	run_once(st, 0, 2, s, &a);
	ok(s->submitted == 0 && a.held == 1 && strstr(s->all,
	    "ReportDailyLimit (2 a day)") != NULL,
	    "ReportDailyLimit 2 with 2 sent today: held");
	/* suppressed: skipped, not held */
	(void)am_report_store_suppress_add(st, "c@c.limit.example", "test",
	    B, B + 30 * DAY, &err);
	run_once(st, 0, 0, s, &a);
	ok(s->submitted == 0 && a.suppressed == 1 && strstr(s->all,
	    "destination c@c.limit.example: suppressed until") != NULL,
	    "a suppressed destination is skipped, said");
	am_report_store_close(&st);
	free(s);
}

int
main(void)
{
	char	 cmd[600];

	snprintf(tmpdir, sizeof(tmpdir), "%s/t-report-abuse.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		return 1;
	am_report_unpack_init();
	t_kind();
	t_record_kind();
	t_earning();
	t_kind_column();
	t_ledger_and_suppression();
	t_bounce_parse();
	t_bounce_unpack();
	t_bounce_apply();
	t_run();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	(void)system(cmd);
	return done_testing();
}
