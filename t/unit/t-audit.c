/*
 * t-audit - lib/audit's pure checks and its renderings
 *
 * The DKIM record lint (each bit on its own record), PTR name
 * classification, reverse names for PTR and DNSBL queries, the
 * findings list (counts, move, fixes) and the text and JSON renderings
 * of hostile text.  Then the DNS checks on small in-memory zones: the
 * SPF lookup and void counts across includes, SPF all qualifiers, MX
 * aliases and DNSBL answers, each looked up as a finding by check name.
 */

#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "dns.h"
#include "tap.h"

/* The severity of the first finding named check, or -1. */
static int
sev(const struct am_audit *a, const char *check)
{
	size_t	 i;

	for (i = 0; i < a->n; i++)
		if (strcmp(a->f[i].check, check) == 0)
			return (int)a->f[i].severity;
	return -1;
}

static const struct am_audit_finding *
find(const struct am_audit *a, const char *check)
{
	size_t	 i;

	for (i = 0; i < a->n; i++)
		if (strcmp(a->f[i].check, check) == 0)
			return &a->f[i];
	return NULL;
}

static void
t_lint(void)
{
	static const struct {
		const char	*rec;
		unsigned	 want;
	} c[] = {
		{ "v=DKIM1; k=rsa; p=MIIB", 0 },
		{ "v=DKIM1;k=rsa;p=MIIB", 0 },
		{ "v=DKIM1; k=rsa; p=MIIB\x01", AM_AUDIT_LINT_CTL },
		{ " v=DKIM1; p=MIIB", AM_AUDIT_LINT_EDGE_WS },
		{ "v=DKIM1; p=MIIB ", AM_AUDIT_LINT_EDGE_WS },
		{ "v=DKIM1;\tp=MIIB", AM_AUDIT_LINT_SEMI_WS |
		    AM_AUDIT_LINT_TAB_NL },
		{ "v=DKIM1;  p=MIIB", AM_AUDIT_LINT_SEMI_WS |
		    AM_AUDIT_LINT_DOUBLE_SP },
		{ "v=DKIM1; k=rsa  ; p=MIIB", AM_AUDIT_LINT_DOUBLE_SP },
		{ "v=DKIM1; n=\"x\"; p=MIIB", AM_AUDIT_LINT_QUOTE },
		{ "v=DKIM1; n=a\\b; p=MIIB", AM_AUDIT_LINT_QUOTE },
		{ "k=rsa; v=DKIM1; p=MIIB", AM_AUDIT_LINT_V_LATE },
		{ "v=DKIM1; p=MII B", AM_AUDIT_LINT_P_WS },
		{ "v=DKIM1; p= MIIB ;", 0 },
	};
	char	 name[120];
	size_t	 i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		(void)snprintf(name, sizeof(name), "lint: \"%s\"", c[i].rec);
		is_int(am_audit_dkim_lint(c[i].rec, strlen(c[i].rec)),
		    c[i].want, name);
	}
	is_int(am_audit_dkim_lint("v=DKIM1; p=\0MIIB", 16), AM_AUDIT_LINT_CTL,
	    "lint: a NUL byte is a control byte");
	ok(strstr(am_audit_lint_text(AM_AUDIT_LINT_QUOTE), "quote") != NULL,
	    "lint text for the quote bit");
}

static void
t_ptr_name(void)
{
	static const struct {
		const char		*name;
		const char		*ip;
		enum am_audit_name	 want;
	} c[] = {
		{ "mail.example.com", "192.0.2.25", AM_AUDIT_NAME_MAIL },
		{ "MX1.Example.COM", "192.0.2.25", AM_AUDIT_NAME_MAIL },
		{ "smtp-2.example.com", NULL, AM_AUDIT_NAME_MAIL },
		{ "mta.example.com", NULL, AM_AUDIT_NAME_MAIL },
		{ "vps7.example.com", "192.0.2.25", AM_AUDIT_NAME_OTHER },
		{ "example.com", NULL, AM_AUDIT_NAME_OTHER },
		{ "mail", NULL, AM_AUDIT_NAME_OTHER },
		{ "192-0-2-25.provider.test", "192.0.2.25",
		    AM_AUDIT_NAME_GENERIC },
		{ "25.2.0.192.provider.test", "192.0.2.25",
		    AM_AUDIT_NAME_GENERIC },
		{ "host-192_0_2_25.provider.test", "192.0.2.25",
		    AM_AUDIT_NAME_GENERIC },
		{ "c0000219.provider.test", "192.0.2.25",
		    AM_AUDIT_NAME_GENERIC },
		{ "dsl123.provider.test", NULL, AM_AUDIT_NAME_GENERIC },
		{ "a12-dynamic.provider.test", NULL, AM_AUDIT_NAME_GENERIC },
		{ "cpe-1.pool.provider.test", NULL, AM_AUDIT_NAME_GENERIC },
		/* the registered domain itself is not looked at */
		{ "mail.dsl.test", NULL, AM_AUDIT_NAME_MAIL },
		{ "mailhost.example.com", NULL, AM_AUDIT_NAME_MAIL },
	};
	char	 name[120];
	size_t	 i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		(void)snprintf(name, sizeof(name), "ptr name: %s", c[i].name);
		is_int(am_audit_ptr_name(c[i].name, c[i].ip), c[i].want, name);
	}
}

static void
t_reverse(void)
{
	char	 out[128];

	ok(am_dns_reverse_name("192.0.2.25", NULL, out, sizeof(out)) == 0,
	    "reverse IPv4");
	is_str(out, "25.2.0.192.in-addr.arpa", "reverse IPv4 name");
	ok(am_dns_reverse_name("192.0.2.25", "zen.example", out,
	    sizeof(out)) == 0, "DNSBL IPv4");
	is_str(out, "25.2.0.192.zen.example", "DNSBL IPv4 name");
	ok(am_dns_reverse_name("2001:db8::1", NULL, out, sizeof(out)) == 0,
	    "reverse IPv6");
	is_str(out, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0."
	    "1.0.0.2.ip6.arpa", "reverse IPv6 name");
	ok(am_dns_reverse_name("192.0.2", NULL, out, sizeof(out)) == -1,
	    "not an address");
	ok(am_dns_reverse_name("192.0.2.25", NULL, out, 10) == -1,
	    "too small a buffer");
}

static void
t_render(void)
{
	struct am_audit		 a, b;
	struct am_buf		 out;
	struct am_audit_finding	*f;

	am_audit_init(&a);
	am_audit_init(&b);
	am_audit_add(&a, AM_AUDIT_PASS, "x.one", "example.com", "RFC 1",
	    "fine");
	f = am_audit_add(&b, AM_AUDIT_FAIL, "x.two", "example.com", NULL,
	    "saw \"%s\"", "a\nFAIL b\\\xc3\xa9");
	am_audit_fix(f, "publish: %s", "x. IN TXT \"v=1\"");
	am_audit_add(&b, AM_AUDIT_WARN, "x.three", "example.com", NULL, "w");
	am_audit_move(&a, &b);
	is_int(b.n, 0, "move empties the source");
	is_int(a.n, 3, "move appends");
	is_int(am_audit_count(&a, AM_AUDIT_WARN), 1, "one WARN");
	ok(am_audit_failed(&a), "a FAIL is seen");
	am_buf_init(&out, 65536);
	am_audit_format_text(&a, &out);
	is_str(am_buf_str(&out), "PASS x.one example.com: fine\n"
	    "FAIL x.two example.com: saw \"a\\x0aFAIL b\\\\\\xc3\\xa9\" -- fix: "
	    "publish: x. IN TXT \"v=1\"\n"
	    "WARN x.three example.com: w\n", "text rendering escapes");
	am_buf_reset(&out);
	am_audit_format_json(&a, &out);
	is_str(am_buf_str(&out), "[\n"
	    "  {\"check\": \"x.one\", \"severity\": \"PASS\", \"domain\": "
	    "\"example.com\", \"text\": \"fine\", \"fix\": null, \"rfc\": "
	    "\"RFC 1\"},\n"
	    "  {\"check\": \"x.two\", \"severity\": \"FAIL\", \"domain\": "
	    "\"example.com\", \"text\": \"saw \\\"a\\u000aFAIL b\\\\\\u00c3"
	    "\\u00a9\\\"\", \"fix\": \"publish: x. IN TXT \\\"v=1\\\"\", "
	    "\"rfc\": null},\n"
	    "  {\"check\": \"x.three\", \"severity\": \"WARN\", \"domain\": "
	    "\"example.com\", \"text\": \"w\", \"fix\": null, \"rfc\": null}\n"
	    "]\n", "JSON rendering escapes");
	am_audit_release(&a);
	am_audit_init(&a);
	am_buf_reset(&out);
	am_audit_format_json(&a, &out);
	is_str(am_buf_str(&out), "[]\n", "empty JSON array");
	ok(!am_audit_failed(&a), "nothing failed in an empty list");
	am_buf_release(&out);
	am_audit_release(&a);
}

static void
t_dkim_pure(void)
{
	struct am_audit	 a;
	int		 ed[] = { 1, -1 }, both[] = { 1, 0 }, rsa[] = { 0 };

	am_audit_init(&a);
	am_audit_dkim_companion("example.com", ed, 2, &a);
	is_int(sev(&a, "dkim.rsa-companion"), AM_AUDIT_WARN,
	    "Ed25519 alone: WARN");
	am_audit_release(&a);
	am_audit_dkim_companion("example.com", both, 2, &a);
	is_int(sev(&a, "dkim.rsa-companion"), AM_AUDIT_PASS,
	    "Ed25519 with RSA: PASS");
	am_audit_release(&a);
	am_audit_dkim_companion("example.com", rsa, 1, &a);
	is_int(a.n, 0, "RSA alone: nothing to say");
	am_audit_dkim_canon("example.com", AM_CANON_RELAXED, AM_CANON_SIMPLE,
	    &a);
	is_int(sev(&a, "dkim.canon"), AM_AUDIT_WARN, "relaxed/simple: WARN");
	am_audit_release(&a);
	am_audit_dkim_canon("example.com", AM_CANON_RELAXED, AM_CANON_RELAXED,
	    &a);
	is_int(sev(&a, "dkim.canon"), AM_AUDIT_PASS, "relaxed/relaxed: PASS");
	am_audit_release(&a);
}

/* Runs one SPF audit on a zone given as text. */
static void
spf_zone(const char *zone, struct am_audit *a)
{
	static const char *const ips[] = { "192.0.2.25" };
	struct am_dns	*dns = am_dns_zone_new();
	struct am_err	 err;

	am_audit_init(a);
	if (am_dns_zone_load_string(dns, zone, &err) == -1)
		diag(err.msg);
	am_audit_spf(dns, "example.com", ips, 1, a);
	am_dns_free(&dns);
}

static void
t_spf(void)
{
	struct am_audit			 a;
	const struct am_audit_finding	*f;

	spf_zone("example.com. TXT \"v=spf1 ip4:192.0.2.25 include:a."
	    "example.com -all\"\n"
	    "a.example.com. TXT \"v=spf1 include:b.example.com a mx ?all\"\n"
	    "a.example.com. A 198.51.100.1\n"
	    "b.example.com. TXT \"v=spf1 exists:%{i}.x.example.com "
	    "redirect=c.example.com\"\n"
	    "c.example.com. TXT \"v=spf1 ptr -all\"\n", &a);
	f = find(&a, "spf.lookups");
	ok(f != NULL && strncmp(f->text, "7 of 10", 7) == 0,
	    "lookups counted across includes and a redirect (7)");
	f = find(&a, "spf.voids");
	ok(f != NULL && strncmp(f->text, "1 of 2", 6) == 0,
	    "the mx without MX records is one void");
	is_int(sev(&a, "spf.ptr"), AM_AUDIT_WARN, "ptr in an include: WARN");
	is_int(sev(&a, "spf.ip"), AM_AUDIT_PASS, "ip4 term: permitted");
	is_int(sev(&a, "spf.all"), AM_AUDIT_PASS, "-all: PASS");
	am_audit_release(&a);

	spf_zone("example.com. TXT \"v=spf1 ?all\"\n", &a);
	is_int(sev(&a, "spf.all"), AM_AUDIT_WARN, "?all: WARN");
	is_int(sev(&a, "spf.ip"), AM_AUDIT_FAIL, "?all: the IP is not "
	    "permitted");
	f = find(&a, "spf.ip");
	ok(f != NULL && f->fix != NULL && strstr(f->fix,
	    "\"v=spf1 ip4:192.0.2.25 -all\"") != NULL,
	    "the fix is the record with the address");
	am_audit_release(&a);

	spf_zone("example.com. TXT \"v=spf1 ip4:192.0.2.25\"\n", &a);
	is_int(sev(&a, "spf.all"), AM_AUDIT_WARN, "no all: WARN");
	am_audit_release(&a);

	spf_zone("example.com. TXT \"v=spf1 redirect=r.example.com\"\n"
	    "r.example.com. TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n", &a);
	is_int(sev(&a, "spf.all"), AM_AUDIT_PASS, "redirect: PASS");
	is_int(sev(&a, "spf.ip"), AM_AUDIT_PASS, "permitted by the redirect");
	am_audit_release(&a);

	spf_zone("example.com. TXT \"v=spf1 include:loop.example.com -all\"\n"
	    "loop.example.com. TXT \"v=spf1 include:loop.example.com -all\"\n",
	    &a);
	is_int(sev(&a, "spf.lookups"), AM_AUDIT_FAIL,
	    "an include loop ends, over the limit");
	am_audit_release(&a);

	spf_zone(";@fail example.com. SERVFAIL\n", &a);
	f = find(&a, "spf.record");
	ok(f != NULL && f->severity == AM_AUDIT_FAIL &&
	    strstr(f->text, "SERVFAIL") != NULL, "SERVFAIL: FAIL spf.record");
	am_audit_release(&a);
}

static void
t_mx_dnsbl(void)
{
	static const char *const bl[] = { "bl.test", "refuse.test", "odd.test" };
	struct am_dns	*dns = am_dns_zone_new();
	struct am_audit	 a;
	struct am_err	 err;

	if (am_dns_zone_load_string(dns,
	    "example.com. MX 10 alias.example.com.\n"
	    "example.com. MX 20 gone.example.com.\n"
	    "alias.example.com. CNAME mail.example.com.\n"
	    "mail.example.com. A 192.0.2.25\n"
	    "null.test. MX 0 .\n"
	    "25.2.0.192.bl.test. A 127.0.0.2\n"
	    "25.2.0.192.refuse.test. A 127.255.255.254\n"
	    "25.2.0.192.odd.test. A 10.0.0.1\n", &err) == -1)
		diag(err.msg);
	am_audit_init(&a);
	am_audit_mx(dns, "example.com", &a);
	is_int(sev(&a, "mx.cname"), AM_AUDIT_FAIL, "MX to a CNAME: FAIL");
	is_int(a.f[a.n - 1].severity, AM_AUDIT_FAIL,
	    "MX without an address: FAIL");
	is_str(a.f[a.n - 1].check, "mx.address", "... as mx.address");
	am_audit_release(&a);
	am_audit_mx(dns, "null.test", &a);
	is_int(sev(&a, "mx.record"), AM_AUDIT_WARN, "null MX: WARN");
	am_audit_release(&a);
	am_audit_mx(dns, "nowhere.test", &a);
	is_int(sev(&a, "mx.record"), AM_AUDIT_FAIL, "no MX, no address: FAIL");
	am_audit_release(&a);
	am_audit_ip(dns, "example.com", "192.0.2.25", NULL, bl, 3, &a);
	is_int(sev(&a, "ip.ptr"), AM_AUDIT_FAIL, "no PTR: FAIL");
	is_int(a.n, 4, "PTR plus one finding per DNSBL zone");
	is_int(a.f[1].severity, AM_AUDIT_FAIL, "listed: FAIL");
	is_int(a.f[2].severity, AM_AUDIT_WARN, "127.255.255.x: WARN");
	is_int(a.f[3].severity, AM_AUDIT_WARN, "answer outside 127/8: WARN");
	am_audit_release(&a);
	am_dns_free(&dns);
}

static void
t_dmarc(void)
{
	struct am_dns			*dns = am_dns_zone_new();
	struct am_audit			 a;
	struct am_err			 err;
	const struct am_audit_finding	*f;

	if (am_dns_zone_load_string(dns,
	    "_dmarc.example.com. TXT \"v=DMARC1; p=reject; sp=none; "
	    "rua=mailto:a@example.com,mailto:b@ext.example.net,"
	    "mailto:c@other.example.org\"\n"
	    "example.com._report._dmarc.ext.example.net. TXT \"v=DMARC1\"\n"
	    "sub.example.com. A 192.0.2.1\n"
	    "_dmarc.two.test. TXT \"v=DMARC1; p=none\"\n"
	    "_dmarc.two.test. TXT \"v=DMARC1; p=reject\"\n"
	    "_dmarc.t.test. TXT \"v=DMARC1; p=quarantine; t=y; rua=mailto:x@t.test\"\n",
	    &err) == -1)
		diag(err.msg);
	am_audit_init(&a);
	am_audit_dmarc(dns, "example.com", &a);
	is_int(sev(&a, "dmarc.record"), AM_AUDIT_PASS, "own record: PASS");
	is_int(sev(&a, "dmarc.policy"), AM_AUDIT_PASS, "p=reject: PASS");
	is_int(am_audit_count(&a, AM_AUDIT_FAIL), 1,
	    "one unauthorized external rua");
	f = find(&a, "dmarc.rua-auth");
	ok(f != NULL && f->severity == AM_AUDIT_PASS &&
	    strstr(f->text, "ext.example.net authorizes") != NULL,
	    "the authorized destination first: PASS");
	ok(a.f[a.n - 1].severity == AM_AUDIT_FAIL && a.f[a.n - 1].fix != NULL &&
	    strstr(a.f[a.n - 1].fix, "example.com._report._dmarc."
	    "other.example.org. IN TXT \"v=DMARC1\"") != NULL,
	    "the unauthorized one: FAIL with the record to publish");
	am_audit_release(&a);

	am_audit_dmarc(dns, "sub.example.com", &a);
	f = find(&a, "dmarc.record");
	ok(f != NULL && f->severity == AM_AUDIT_PASS &&
	    strstr(f->text, "the record of example.com applies") != NULL,
	    "subdomain: the Organizational Domain's record applies");
	f = find(&a, "dmarc.policy");
	ok(f != NULL && f->severity == AM_AUDIT_WARN &&
	    strncmp(f->text, "sp=none", 7) == 0,
	    "subdomain: sp=none is what applies, WARN");
	f = find(&a, "dmarc.org");
	ok(f != NULL && strstr(f->text, "example.com") != NULL,
	    "subdomain: Organizational Domain example.com");
	am_audit_release(&a);

	am_audit_dmarc(dns, "two.test", &a);
	is_int(sev(&a, "dmarc.record"), AM_AUDIT_FAIL, "two records: FAIL");
	is_int(sev(&a, "dmarc.policy"), -1, "two records: no policy judged");
	am_audit_release(&a);

	am_audit_dmarc(dns, "t.test", &a);
	is_int(sev(&a, "dmarc.testing"), AM_AUDIT_WARN, "t=y: WARN");
	is_int(sev(&a, "dmarc.rua-auth"), -1, "rua inside the domain: nothing "
	    "to authorize");
	am_audit_release(&a);

	am_audit_dmarc(dns, "none.test", &a);
	f = find(&a, "dmarc.record");
	ok(f != NULL && f->severity == AM_AUDIT_FAIL && f->fix != NULL &&
	    strstr(f->fix, "_dmarc.none.test. IN TXT \"v=DMARC1; p=none; "
	    "rua=mailto:dmarc-reports@none.test\"") != NULL,
	    "no record: FAIL with a record to start with");
	am_audit_release(&a);
	am_dns_free(&dns);
}

int
main(void)
{
	t_lint();
	t_ptr_name();
	t_reverse();
	t_render();
	t_dkim_pure();
	t_spf();
	t_mx_dnsbl();
	t_dmarc();
	return done_testing();
}
