/*
 * t-report - lib/report: the record and its converter, the DKIM text
 * column, periods, the SQLite store (schema, migrations, records,
 * configurations, rows, ledger, claims, imports; on PostgreSQL too when
 * AM_TEST_PG_URI names an empty database), the journal, the XML both ways (checked
 * against dmarc-xml-0.2.xsd with libxml2), gzip, the mail, unpacking
 */

#include <libxml/xmlschemas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "report_journal.h"
#include "report_out.h"
#include "report_record.h"
#include "report_store.h"
#include "report_store_impl.h"
#include "report_unpack.h"
#include "report_xml.h"
#include "tap.h"

static char tmpdir[256];

static void
make_report(struct am_dmarc_report *rep, const char *txt)
{
	struct am_dmarc_result	 r;

	memset(&r, 0, sizeof(r));
	r.verdict = AM_DMARC_FAIL;
	r.mode = AM_DMARC_MODE_PSL;
	snprintf(r.author, sizeof(r.author), "a.example.com");
	r.have_policy = 1;
	snprintf(r.policy_domain, sizeof(r.policy_domain), "example.com");
	(void)am_dmarc_rec_parse(txt, strlen(txt), &r.rec, NULL);
	r.testing = r.rec.t;
	r.published = AM_DMARC_POLICY_REJECT;
	r.policy = AM_DMARC_POLICY_QUARANTINE;
	r.disposition = AM_DMARC_DISP_QUARANTINE;
	r.nident = 4;
	r.ident[0].is_dkim = 1;
	snprintf(r.ident[0].domain, 254, "fail.example");
	snprintf(r.ident[0].selector, 64, "f");
	r.ident[0].result = "fail";
	r.ident[1].is_dkim = 1;
	snprintf(r.ident[1].domain, 254, "other.example");
	r.ident[1].result = "pass";
	r.ident[1].align = AM_DMARC_AL_NO;
	r.ident[2].is_dkim = 1;
	snprintf(r.ident[2].domain, 254, "example.com");
	snprintf(r.ident[2].selector, 64, "rel");
	r.ident[2].result = "pass";
	r.ident[2].align = AM_DMARC_AL_RELAXED;
	r.ident[3].is_dkim = 0;
	snprintf(r.ident[3].domain, 254, "bounce.example.net");
	r.ident[3].result = "softfail";
	am_dmarc_report_fill(rep, &r, "192.0.2.5", "bounce.example.net",
	    "rcpt.example");
	rep->time = 1000;
}

static void
t_record(void)
{
	struct am_dmarc_report	 rep;
	struct am_report_record	 r;

	make_report(&rep, "v=DMARC1; p=reject; np=none; fo=d:1; psd=n; t=y; "
	    "rua=mailto:a@example.com!10m");
	is_int(am_report_record_from_dmarc(&r, &rep), 0, "converter: 0");
	is_int(r.time, 1000, "time kept");
	is_str(r.policy_domain, "example.com", "policy domain");
	is_str(r.header_from, "a.example.com", "header_from");
	is_str(r.envelope_from, "bounce.example.net", "envelope_from");
	is_str(r.envelope_to, "rcpt.example", "envelope_to");
	is_str(r.pol.p, "reject", "p");
	is_str(r.pol.sp, "", "sp absent");
	is_str(r.pol.np, "none", "np");
	is_str(r.pol.fo, "1:d", "fo");
	is_str(r.pol.psd, "n", "psd");
	is_str(r.pol.t, "y", "t");
	is_str(r.pol.discovery, "psl", "discovery method");
	is_str(r.pol.rua, "mailto:a@example.com", "rua, size suffix dropped");
	is_str(r.disposition, "quarantine", "disposition");
	is_str(r.override, "policy_test_mode", "t=y failing: policy_test_mode");
	is_int(r.ndkim, 3, "three DKIM results");
	is_str(r.dkim[0].domain, "example.com", "1st: relaxed-aligned pass");
	is_str(r.dkim[1].domain, "other.example", "2nd: other pass");
	is_str(r.dkim[2].domain, "fail.example", "3rd: the failure");
	is_str(r.spf_domain, "bounce.example.net", "SPF domain");
	is_str(r.spf_result, "softfail", "SPF result");
	rep.have_policy = 0;
	is_int(am_report_record_from_dmarc(&r, &rep), 1, "no policy: 1");
	strcpy(rep.envelope_from, "a\x01" "b\xff\xc3\xa9\xe2\x82");
	strcpy(rep.override_comment, "ok \xf0\x9f\x98\x80 \x7f");
	(void)am_report_record_from_dmarc(&r, &rep);
	is_str(r.envelope_from, "a?b?\xc3\xa9??", "controls and bad UTF-8 "
	    "become '?'");
	is_str(r.override_comment, "ok \xf0\x9f\x98\x80 ?", "good UTF-8 "
	    "kept");
}

static void
t_dkim_text(void)
{
	struct am_report_dkim	 d[3], back[3];
	char			 buf[AM_REPORT_DKIM_TEXT];
	size_t			 n;

	memset(d, 0, sizeof(d));
	strcpy(d[0].domain, "a.example");
	strcpy(d[0].selector, "s 1/%x");
	strcpy(d[0].result, "pass");
	strcpy(d[0].align, "strict");
	strcpy(d[1].domain, "b\x01\xff.example");
	strcpy(d[1].result, "fail");
	strcpy(d[1].align, "skipped");
	ok(am_report_dkim_encode(d, 2, buf, sizeof(buf)) == 0, "encode");
	is_str(buf, "a.example/s%201%2F%25x/pass/strict "
	    "b%01%FF.example//fail/skipped", "encoded form");
	memset(back, 0, sizeof(back));
	ok(am_report_dkim_decode(buf, back, 3, &n) == 0 && n == 2 &&
	    memcmp(back, d, 2 * sizeof(d[0])) == 0, "decode gives it back");
	ok(am_report_dkim_decode("a/b/c", back, 3, &n) == -1, "3 fields: bad");
	ok(am_report_dkim_decode("a/b/c/d/e", back, 3, &n) == -1,
	    "5 fields: bad");
	ok(am_report_dkim_decode("a/b/c/d%0", back, 3, &n) == -1,
	    "cut escape: bad");
	ok(am_report_dkim_decode("a%00/b/c/d", back, 3, &n) == -1,
	    "NUL: bad");
	ok(am_report_dkim_decode("a/b/c/d a/b/c/d a/b/c/d a/b/c/d", back, 3,
	    &n) == -1, "more than max: bad");
	ok(am_report_dkim_decode("", back, 3, &n) == 0 && n == 0, "empty");
	ok(am_report_dkim_encode(d, 2, buf, 10) == -1, "too small: -1");
}

static void
t_period(void)
{
	int64_t	 b, e;

	ok(am_report_interval_ok(24) && am_report_interval_ok(8) &&
	    !am_report_interval_ok(5) && !am_report_interval_ok(0) &&
	    !am_report_interval_ok(48), "intervals 1 2 3 4 6 8 12 24 only");
	am_report_period_of(1764028800 + 3600 * 13 + 5, 24, &b, &e);
	ok(b == 1764028800 && e == 1764028800 + 86400, "a UTC day");
	am_report_period_of(1764028800 + 3600 * 13 + 5, 6, &b, &e);
	ok(b == 1764028800 + 3600 * 12 && e == b + 6 * 3600, "6 hours");
	am_report_period_of(1764028800, 8, &b, &e);
	ok(b == 1764028800 && e == b + 8 * 3600, "a bound starts a period");
	am_report_period_last(1764028800 + 10, 24, &b, &e);
	ok(b == 1764028800 - 86400 && e == 1764028800, "last complete day");
}

struct t_collect {
	struct am_report_record	 r[8];
	size_t			 n;
};

static int
t_collect_fn(void *ctx, const struct am_report_record *r)
{
	struct t_collect *c = ctx;

	if (c->n < 8)
		c->r[c->n++] = *r;
	return 0;
}

static int
t_conf_fn(void *ctx, const struct am_report_config *c)
{
	*(struct am_report_config *)ctx = *c;
	return 0;
}

static void
t_store(void)
{
	struct am_report_store		*st;
	struct am_report_record		 r[3];
	struct am_dmarc_report		 rep;
	struct am_report_config		 conf;
	struct am_report_feedback	 f;
	struct t_collect		 c;
	struct am_err			 err;
	char				 uri[512];
	int				 found, dup;

	/* t/tool/report-pg.sh runs this on PostgreSQL too */
	if (getenv("AM_TEST_PG_URI") != NULL)
		snprintf(uri, sizeof(uri), "%s", getenv("AM_TEST_PG_URI"));
	else
		snprintf(uri, sizeof(uri), "sqlite:%s/s.db", tmpdir);
	ok(am_report_store_open(uri, &st, &err) == 0, "open a new store");
	is_int(am_report_store_version(st), 5, "schema version 5");
	make_report(&rep, "v=DMARC1; p=reject; rua=mailto:a@example.com");
	am_report_record_from_dmarc(&r[0], &rep);
	r[1] = r[0];
	r[1].time = 2000;
	r[2] = r[0];
	r[2].time = 5000;
	ok(am_report_store_insert(st, r, 3, &err) == 0, "insert 3");
	memset(&c, 0, sizeof(c));
	ok(am_report_store_records(st, 0, 3000, "example.com", t_collect_fn,
	    &c, &err) == 0 && c.n == 2, "records in [0, 3000): 2");
	ok(c.n == 2 && memcmp(&c.r[0], &r[0], am_report_record_size(&r[0]))
	    == 0 && memcmp(&c.r[1], &r[1], am_report_record_size(&r[1])) == 0,
	    "records come back as stored");
	c.n = 0;
	ok(am_report_store_records(st, 0, 9000, "other.example", t_collect_fn,
	    &c, &err) == 0 && c.n == 0, "another domain: none");
	memset(&conf, 0, sizeof(conf));
	ok(am_report_store_configs(st, 0, 3000, t_conf_fn, &conf, &err) == 0 &&
	    conf.messages == 2 && strcmp(conf.policy_domain, "example.com") ==
	    0, "one configuration, 2 messages");
	am_report_feedback_init(&f);
	ok(am_report_store_rows(st, 0, 3000, &conf, &f, &err) == 0 &&
	    f.nrows == 1 && f.rows[0].count == 2 && f.rows[0].ndkim == 3,
	    "grouped into one row of 2");
	am_report_feedback_release(&f);
	/* a folded record (the daemon's writer: count 5) counts 5 messages */
	r[1].count = 5;
	r[1].time = 2500;
	ok(am_report_store_insert(st, &r[1], 1, &err) == 0,
	    "insert a record standing for 5 messages");
	memset(&conf, 0, sizeof(conf));
	ok(am_report_store_configs(st, 0, 3000, t_conf_fn, &conf, &err) == 0 &&
	    conf.messages == 7, "its configuration: 7 messages (2 + 5)");
	am_report_feedback_init(&f);
	ok(am_report_store_rows(st, 0, 3000, &conf, &f, &err) == 0 &&
	    f.nrows == 1 && f.rows[0].count == 7, "its row: a count of 7");
	am_report_feedback_release(&f);
	c.n = 0;
	ok(am_report_store_records(st, 2400, 2600, "example.com", t_collect_fn,
	    &c, &err) == 0 && c.n == 1 && c.r[0].count == 5,
	    "it comes back with its count");
	r[1].count = 1;
	r[1].time = 2000;
	/* a record with a bad DKIM list cannot come back silently */
	r[0].ndkim = 0;
	ok(am_report_store_sent_find(st, "example.com", 0, 86399,
	    "a@example.com", "id1", &found, &err) == 0 && !found,
	    "ledger: not sent");
	ok(am_report_store_sent_add(st, "example.com", 0, 86399,
	    "a@example.com", "id1", 5, &err) == 0 &&
	    am_report_store_sent_add(st, "example.com", 0, 86399,
	    "a@example.com", "id1", 6, &err) == 0, "ledger: add twice");
	ok(am_report_store_sent_find(st, "example.com", 0, 86399,
	    "a@example.com", "id1", &found, &err) == 0 && found,
	    "ledger: sent");
	am_report_feedback_init(&f);
	strcpy(f.org_name, "org");
	strcpy(f.report_id, "r1");
	strcpy(f.policy_domain, "example.com");
	f.begin = 0;
	f.end = 86399;
	ok(am_report_store_import(st, &f, 1, &dup, &err) == 0 && !dup,
	    "import a report");
	ok(am_report_store_import(st, &f, 1, &dup, &err) == 0 && dup,
	    "the same again: duplicate");
	f.end = 86400;
	ok(am_report_store_import(st, &f, 1, &dup, &err) == 0 && !dup,
	    "another period: not a duplicate");
	ok(am_report_store_claim(st, 0, 86400, "mx1", 100, 3600, &found,
	    &err) == 0 && found, "claim: mx1 first");
	ok(am_report_store_claim(st, 0, 86400, "mx2", 200, 3600, &found,
	    &err) == 0 && !found, "claim: not mx2's");
	ok(am_report_store_claim(st, 0, 86400, "mx1", 300, 3600, &found,
	    &err) == 0 && found, "claim: still mx1's");
	ok(am_report_store_claim(st, 86400, 172800, "mx2", 300, 3600, &found,
	    &err) == 0 && found, "claim: the next period is mx2's");
	ok(am_report_store_claim(st, 0, 86400, "mx2", 100 + 3601, 3600,
	    &found, &err) == 0 && found, "claim: a stale claim taken over");
	am_report_store_close(&st);
	ok(st == NULL, "closed");
	ok(am_report_store_open(uri, &st, &err) == 0 &&
	    am_report_store_version(st) == 5, "reopen: still version 5");
	c.n = 0;
	ok(am_report_store_records(st, 0, 9000, NULL, t_collect_fn, &c,
	    &err) == 0 && c.n == 4, "the records survived (4 rows)");
	ok(st->be->exec(st->db, "INSERT INTO am_schema (version) VALUES (99)",
	    NULL, 0, NULL, NULL, &err) == 0, "pretend a newer schema");
	am_report_store_close(&st);
	ok(am_report_store_open(uri, &st, &err) == -1 &&
	    err.code == AM_E_UNSUPPORTED, "a newer schema is refused");
	ok(am_report_store_open("mysql:x", &st, &err) == -1 &&
	    err.code == AM_E_USAGE, "unknown store kind refused");
	snprintf(uri, sizeof(uri), "sqlite:%s/no/such/dir/s.db", tmpdir);
	ok(am_report_store_open(uri, &st, &err) == -1, "unopenable: -1");
}

static int
t_validate(const struct am_buf *xml)
{
	char			 path[1024];
	xmlSchemaParserCtxtPtr	 pc;
	xmlSchemaPtr		 s;
	xmlSchemaValidCtxtPtr	 vc;
	xmlDocPtr		 doc;
	int			 rc;

	snprintf(path, sizeof(path), "%s/t/report/dmarc-xml-0.2.xsd",
	    getenv("top_srcdir") ? getenv("top_srcdir") : ".");
	pc = xmlSchemaNewParserCtxt(path);
	s = xmlSchemaParse(pc);
	vc = xmlSchemaNewValidCtxt(s);
	doc = xmlReadMemory((const char *)xml->data, (int)xml->len, NULL, NULL,
	    XML_PARSE_NONET);
	rc = s != NULL && doc != NULL ? xmlSchemaValidateDoc(vc, doc) : -1;
	xmlFreeDoc(doc);
	xmlSchemaFreeValidCtxt(vc);
	xmlSchemaFree(s);
	xmlSchemaFreeParserCtxt(pc);
	return rc;
}

static void
t_xml(void)
{
	struct am_report_feedback	 f, g;
	struct am_report_row		 row;
	struct am_report_dkim		 dk[2];
	struct am_buf			 xml, gz, back;
	struct am_err			 err;

	am_report_feedback_init(&f);
	strcpy(f.org_name, "Org <&> \"x\"");
	strcpy(f.email, "r@example.org");
	strcpy(f.report_id, "abc123");
	strcpy(f.generator, "t");
	f.begin = 100;
	f.end = 199;
	strcpy(f.policy_domain, "example.com");
	strcpy(f.pol.p, "reject");
	strcpy(f.pol.np, "quarantine");
	strcpy(f.pol.adkim, "s");
	strcpy(f.pol.aspf, "r");
	strcpy(f.pol.t, "y");
	strcpy(f.pol.fo, "1");
	strcpy(f.pol.discovery, "treewalk");
	memset(&row, 0, sizeof(row));
	strcpy(row.source_ip, "2001:db8::1");
	row.count = 7;
	strcpy(row.disposition, "quarantine");
	strcpy(row.dkim_eval, "fail");
	strcpy(row.spf_eval, "fail");
	strcpy(row.reason, "policy_test_mode");
	strcpy(row.header_from, "example.com");
	strcpy(row.spf_domain, "example.com");
	strcpy(row.spf_result, "fail");
	strcpy(row.spf_scope, "mfrom");
	memset(dk, 0, sizeof(dk));
	strcpy(dk[0].domain, "example.com");
	strcpy(dk[0].selector, "s\x02\xc3\xa9");
	strcpy(dk[0].result, "fail");
	strcpy(dk[1].domain, "x.example");
	strcpy(dk[1].result, "permerror");
	row.dkim = dk;
	row.ndkim = 2;
	(void)am_report_feedback_add_row(&f, &row, &err);
	am_buf_init(&xml, 1 << 20);
	ok(am_report_xml_write(&f, &xml, &err) == 0, "write");
	is_int(t_validate(&xml), 0, "validates against dmarc-xml-0.2.xsd");
	ok(strstr((char *)xml.data, "<selector>s?\xc3\xa9</selector>") != NULL,
	    "a control byte is '?', UTF-8 kept");
	ok(strstr((char *)xml.data, "<selector></selector>") != NULL ||
	    strstr((char *)xml.data, "<selector/>") != NULL,
	    "an empty selector is still written");
	ok(am_report_xml_parse((char *)xml.data, xml.len, &g, &err) == 0,
	    "parse it back");
	ok(!g.rfc7489 && strcmp(g.org_name, f.org_name) == 0 &&
	    strcmp(g.report_id, "abc123") == 0 && g.begin == 100 &&
	    g.end == 199 && strcmp(g.pol.np, "quarantine") == 0 &&
	    strcmp(g.pol.t, "y") == 0, "metadata and policy back");
	ok(g.nrows == 1 && g.rows[0].count == 7 && g.rows[0].ndkim == 2 &&
	    strcmp(g.rows[0].reason, "policy_test_mode") == 0 &&
	    strcmp(g.rows[0].dkim[1].result, "permerror") == 0 &&
	    strcmp(g.rows[0].spf_scope, "mfrom") == 0, "the row back");
	am_report_feedback_release(&g);
	am_buf_init(&gz, 1 << 20);
	am_buf_init(&back, 1 << 20);
	ok(am_report_gzip(xml.data, xml.len, &gz, &err) == 0 && gz.len > 18 &&
	    gz.data[0] == 0x1f && gz.data[1] == 0x8b, "gzip");
	ok(am_report_gunzip(gz.data, gz.len, 1 << 20, &back, &err) == 0 &&
	    back.len == xml.len && memcmp(back.data, xml.data, xml.len) == 0,
	    "gunzip gives it back");
	am_buf_reset(&back);
	ok(am_report_gunzip(gz.data, gz.len, 100, &back, &err) == -1 &&
	    err.code == AM_E_LIMIT, "gunzip past its limit: AM_E_LIMIT");
	am_buf_reset(&back);
	ok(am_report_gunzip(gz.data, gz.len - 9, 1 << 20, &back, &err) == -1,
	    "truncated gzip: -1");
	am_buf_release(&gz);
	am_buf_release(&back);
	am_buf_release(&xml);
	am_report_feedback_release(&f);
}

static void
t_parse_edges(void)
{
	struct am_report_feedback	 f;
	struct am_err			 err;
	struct am_buf			 b;
	int				 i;
	static const char		*const bad[] = {
		"",
		"<x/>",
		"<feedback/>",
		"<feedback><report_metadata><org_name>o</org_name>"
		"<report_id>i</report_id></report_metadata></feedback>",
		"<feedback><report_metadata><org_name>o</org_name>"
		"<report_id>i</report_id><date_range><begin>5</begin>"
		"<end>4</end></date_range></report_metadata>"
		"<policy_published><domain>d</domain></policy_published>"
		"</feedback>",
		"<feedback><report_metadata><org_name>o</org_name>"
		"<report_id>i</report_id><date_range><begin>1</begin>"
		"<end>4</end></date_range></report_metadata>"
		"<policy_published><domain>d</domain></policy_published>"
		"<record><row><source_ip>1.2.3.4</source_ip><count>x</count>"
		"</row></record></feedback>",
		"<feedback><unclosed></feedback>",
	};

	for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
		char name[64];

		snprintf(name, sizeof(name), "malformed report %d: -1", i);
		ok(am_report_xml_parse(bad[i], strlen(bad[i]), &f, &err) == -1,
		    name);
		am_report_feedback_release(&f);
	}
	am_buf_init(&b, 1 << 20);
	(void)am_buf_appends(&b, "<feedback xmlns='http://dmarc.org/dmarc-xml/"
	    "0.1'><report_metadata><org_name>o</org_name><report_id>i"
	    "</report_id><date_range><begin>1</begin><end>4</end></date_range>"
	    "</report_metadata><policy_published><domain>D.Example"
	    "</domain></policy_published><record><row><source_ip>1.2.3.4"
	    "</source_ip><count>1</count></row><auth_results>");
	for (i = 0; i < AM_REPORT_DKIM_MAX + 1; i++)
		(void)am_buf_appends(&b, "<dkim><domain>d</domain>"
		    "<result>pass</result></dkim>");
	(void)am_buf_appends(&b, "</auth_results></record></feedback>");
	ok(am_report_xml_parse((char *)b.data, b.len, &f, &err) == -1 &&
	    err.code == AM_E_LIMIT, "too many DKIM results in a record");
	am_report_feedback_release(&f);
	am_buf_release(&b);
}

static int
t_count_fn(void *ctx, const char *xml, size_t n, const char *what)
{
	(void)xml;
	(void)n;
	(void)what;
	(*(int *)ctx)++;
	return 0;
}

static void
t_unpack(void)
{
	static const char	 doc[] = "<feedback/>";
	struct am_buf		 a, b;
	struct am_err		 err;
	int			 i, found = 0;

	am_buf_init(&a, 1 << 20);
	am_buf_init(&b, 1 << 20);
	(void)am_buf_appends(&a, doc);
	for (i = 0; i < AM_REPORT_UNPACK_DEPTH; i++) {
		am_buf_reset(&b);
		(void)am_report_gzip(a.data, a.len, &b, &err);
		am_buf_reset(&a);
		(void)am_buf_append(&a, b.data, b.len);
		found = 0;
		if (i < AM_REPORT_UNPACK_DEPTH - 2)
			continue;
		ok(am_report_unpack(a.data, a.len, t_count_fn, &found, &err) ==
		    (i == AM_REPORT_UNPACK_DEPTH - 2 ? 0 : -1),
		    i == AM_REPORT_UNPACK_DEPTH - 2 ? "nested gzip within the "
		    "depth: found" : "nested too deeply: refused");
	}
	ok(am_report_unpack("  \n<x/>", 7, t_count_fn, &found, &err) == 0 &&
	    found == 1, "XML after whitespace");
	found = 0;
	ok(am_report_unpack("PK\003\004junk", 8, t_count_fn, &found, &err) ==
	    -1 && found == 0, "a broken zip: -1");
	ok(am_report_unpack("Subject: x\n\nno report\n", 23, t_count_fn,
	    &found, &err) == -1 && found == 0, "a message without a report");
	am_buf_release(&a);
	am_buf_release(&b);
}

static int t_pushes;

static int
t_push(void *ctx, const struct am_report_record *r)
{
	(void)ctx;
	(void)r;
	return t_pushes++ % 2 == 0 ? 0 : -1;	/* every second refused */
}

static int
t_count_rec(void *ctx, const struct am_report_record *r)
{
	(void)r;
	(*(size_t *)ctx)++;
	return 0;
}

static void
t_journal(void)
{
	struct am_report_store	*st;
	struct am_report_record	 r[3], back;
	struct am_dmarc_report	 rep;
	struct am_report_push	 push = { t_push, NULL, 0, 0, 0 };
	struct am_err		 err;
	char			 line[AM_REPORT_JOURNAL_LINE], uri[512];
	char			 path[512], cmd[2048];
	size_t			 stored, bad, dup, n;
	struct stat		 sb;
	int			 done;

	make_report(&rep, "v=DMARC1; p=reject; rua=mailto:a@example.com");
	strcpy(rep.override_comment, "sp ace=%/x");
	am_report_record_from_dmarc(&r[0], &rep);
	ok(am_report_journal_format(&r[0], line, sizeof(line)) == 0 &&
	    strncmp(line, "AMR1 =1000 =example.com ", 24) == 0 &&
	    line[strlen(line) - 1] == '\n' && strchr(line, '\n') ==
	    line + strlen(line) - 1, "journal line");
	ok(am_report_journal_parse(line, &back) == 0 &&
	    memcmp(&back, &r[0], am_report_record_size(&r[0])) == 0,
	    "journal line back");
	line[strlen(line) / 2] = '\0';
	ok(am_report_journal_parse(line, &back) == -1, "a cut line: -1");
	ok(am_report_journal_parse("AMR1 =1 =a", &back) == -1,
	    "too few fields: -1");
	ok(am_report_journal_format(&r[0], line, 100) == -1, "too small: -1");

	am_report_push_sink(&push, &rep);
	am_report_push_sink(&push, &rep);
	rep.have_policy = 0;
	am_report_push_sink(&push, &rep);
	ok(push.pushed == 1 && push.dropped == 1 && push.no_policy == 1,
	    "push sink: pushed, dropped (queue full), no policy counted");

	snprintf(uri, sizeof(uri), "sqlite:%s/j.db", tmpdir);
	snprintf(path, sizeof(path), "%s/journal", tmpdir);
	r[1] = r[0];
	r[1].time = 1001;
	r[2] = r[0];
	r[2].time = 1002;
	ok(am_report_journal_append(path, r, 2, NULL, &err) == 0 &&
	    am_report_journal_append(path, r + 2, 1, NULL, &err) == 0,
	    "append 2, then 1");
	ok(am_report_store_open(uri, &st, &err) == 0, "open the store");
	ok(am_report_journal_replay(path, st, &stored, &bad, &dup, &err) == 0 &&
	    stored == 3 && bad == 0, "replay: 3 stored");
	ok(stat(path, &sb) != 0, "the journal is gone");
	ok(am_report_journal_replay(path, st, &stored, &bad, &dup, &err) == 0 &&
	    stored == 0, "no journal: nothing, 0");
	/* a crash mid-write: the cut last line is skipped and counted */
	ok(am_report_journal_append(path, r, 3, NULL, &err) == 0, "append 3");
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s.copy' && truncate -s -7 '%s'",
	    path, path, path);
	ok(system(cmd) == 0, "cut the last line");
	ok(am_report_journal_replay(path, st, &stored, &bad, &dup, &err) == 0 &&
	    stored == 2 && bad == 1, "replay: 2 stored, 1 cut line skipped");
	/* a crash after the commit, before the unlink: done, not again */
	ok(am_report_journal_append(path, r, 3, NULL, &err) == 0, "a new journal");
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s.copy'", path, path);
	ok(system(cmd) == 0, "kept aside");
	ok(am_report_journal_replay(path, st, &stored, &bad, &dup, &err) == 0 &&
	    stored == 3, "replay it");
	snprintf(cmd, sizeof(cmd), "mv '%s.copy' '%s.replay'", path, path);
	ok(system(cmd) == 0, "the same journal left as if crashed");
	ok(am_report_journal_replay(path, st, &stored, &bad, &dup, &err) == 0 &&
	    stored == 0, "its id is done: nothing stored twice");
	/* A batch whose COMMIT failed (the daemon writer's -2): the store
	 * took it after all (its id is done), so replay skips it; the
	 * batch after it, never stored, goes in. */
	ok(am_report_store_insert_id(st, r, 2, "b-took-it", &err) == 0,
	    "a batch stored with its id marked done");
	ok(am_report_journal_append(path, r, 2, "b-took-it", &err) == 0 &&
	    am_report_journal_append(path, r + 2, 1, "b-lost", &err) == 0 &&
	    am_report_journal_append(path, r, 1, NULL, &err) == 0,
	    "journal: the same batch (id kept), one never stored, one plain");
	ok(am_report_journal_replay(path, st, &stored, &bad, &dup, &err) ==
	    0 && stored == 2 && dup == 2 && bad == 0,
	    "replay: the batch stored already skipped (2), the others in (2)");
	n = 0;
	ok(am_report_store_records(st, 0, 5000, NULL, t_count_rec, &n,
	    &err) == 0 && n == 12, "12 records in all (3 + 2 + 3 + 2 + 2)");
	ok(am_report_store_journal_done(st, "b-took-it", &done, &err) == 0 &&
	    done && am_report_store_journal_prune(st, (int64_t)time(NULL) +
	    10, &err) == 0 && am_report_store_journal_done(st, "b-took-it",
	    &done, &err) == 0 && !done, "done ids are pruned");
	am_report_store_close(&st);
	ok(am_report_journal_append(path, r, 1, NULL, &err) == 0, "a journal");
	snprintf(uri, sizeof(uri), "sqlite:%s/no/such/dir/j.db", tmpdir);
	ok(am_report_store_open(uri, &st, &err) == -1, "the store is down");
	ok(stat(path, &sb) == 0, "the journal waits");
}

/* Records go 16 to an INSERT, the rest one at a time, and a chunk is
 * written early when its DKIM texts fill the buffer: 37 records, every
 * fifth with 32 long DKIM results, come back exactly, in order. */
#define T_CHUNK_N	37

struct t_chunk_check {
	const struct am_report_record	*want;
	size_t				 n, same;
};

static int
t_chunk_fn(void *ctx, const struct am_report_record *r)
{
	struct t_chunk_check	*c = ctx;

	if (c->n < T_CHUNK_N && memcmp(r, &c->want[c->n],
	    am_report_record_size(&c->want[c->n])) == 0)
		c->same++;
	c->n++;
	return 0;
}

static void
t_store_chunks(void)
{
	struct am_report_store	*st;
	struct am_report_record	*r;
	struct am_dmarc_report	 rep;
	struct t_chunk_check	 c = { NULL, 0, 0 };
	struct am_err		 err;
	char			 uri[512];
	size_t			 i, k;

	if (getenv("AM_TEST_PG_URI") != NULL)
		snprintf(uri, sizeof(uri), "%s", getenv("AM_TEST_PG_URI"));
	else
		snprintf(uri, sizeof(uri), "sqlite:%s/chunks.db", tmpdir);
	r = calloc(T_CHUNK_N, sizeof(*r));
	make_report(&rep, "v=DMARC1; p=none; rua=mailto:a@chunk.example");
	for (i = 0; i < T_CHUNK_N; i++) {
		am_report_record_from_dmarc(&r[i], &rep);
		r[i].time = 100000 + (int64_t)i;
		strcpy(r[i].policy_domain, "chunk.example");
		snprintf(r[i].override_comment, sizeof(r[i].override_comment),
		    "record %zu", i);
		if (i % 5 != 0)
			continue;
		for (k = 0; k < AM_REPORT_DKIM_MAX; k++) {
			memset(&r[i].dkim[k], 0, sizeof(r[i].dkim[k]));
			memset(r[i].dkim[k].domain, 'a' + (int)(k % 26), 240);
			snprintf(r[i].dkim[k].domain + 240, 14, ".%zu.example",
			    k);
			snprintf(r[i].dkim[k].selector, 64, "s%zu", k);
			strcpy(r[i].dkim[k].result, "pass");
			strcpy(r[i].dkim[k].align, "no");
		}
		r[i].ndkim = AM_REPORT_DKIM_MAX;
	}
	if (!ok(am_report_store_open(uri, &st, &err) == 0, "chunks: open")) {
		diag(err.msg);
		free(r);
		return;
	}
	am_report_store_set_node(st, "mx-chunks");
	if (!ok(am_report_store_insert(st, r, T_CHUNK_N, &err) == 0,
	    "chunks: insert 37 records, 8 of them with 32 long DKIM results"))
		diag(err.msg);
	c.want = r;
	ok(am_report_store_records(st, 100000, 100000 + T_CHUNK_N,
	    "chunk.example", t_chunk_fn, &c, &err) == 0 && c.n == T_CHUNK_N &&
	    c.same == T_CHUNK_N, "chunks: all 37 come back exactly, in order");
	am_report_store_close(&st);
	free(r);
}

int
main(void)
{
	char	 cmd[300];

	snprintf(tmpdir, sizeof(tmpdir), "%s/t-report.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		return 99;
	am_report_unpack_init();
	t_record();
	t_dkim_text();
	t_period();
	t_store_chunks();	/* before t_store leaves a "newer" schema */
	t_store();
	t_xml();
	t_parse_edges();
	t_unpack();
	t_journal();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	(void)system(cmd);
	return done_testing();
}
