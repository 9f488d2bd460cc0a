/*
 * t-dkim-verify - DKIM verification: RFC 6376 and RFC 8463 vectors at
 * every chunk size, and one test per verdict rule (key records, DNS
 * failures, RFC 8301, limits)
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "pkey.h"
#include "tap.h"
#include "testutil.h"

/* The key cases below are printf templates for the published record. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

#define RFC8463_T	1528637909ULL

static const char ed_rec[] =
    "\"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"";
static const char rsa_p[] =
    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB";
static const char rsa512_p[] =
    "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBANJzuo9u9j8D3YhpzaG+bF3g1hZJfgojoorGRPdxLWqIYzEulSHOjNZ6B02DLw3pDYhjiLrJQLiOopC0fUlSdScCAwEAAQ==";

struct log_capture {
	char	 lines[4096];
};

static void
capture(void *ctx, enum am_log_level level, const char *line)
{
	struct log_capture	*c = ctx;
	size_t			 n = strlen(c->lines);

	(void)level;
	snprintf(c->lines + n, sizeof(c->lines) - n, "%s\n", line);
}

/* A zone with the ed25519 key at brisbane and rsa_rec at test. */
static struct am_dns *
zone(const char *ed, const char *rsa_rec)
{
	struct am_dns	*dns = am_dns_zone_new();
	struct am_err	 err;
	char		 z[8192];

	snprintf(z, sizeof(z), "$TTL 300\n"
	    "$ORIGIN _domainkey.football.example.com.\n"
	    "brisbane IN TXT %s\ntest IN TXT %s\n", ed, rsa_rec);
	if (am_dns_zone_load_string(dns, z, &err) == -1)
		printf("# zone: %s\n", err.msg);
	return dns;
}

/* run - verify text; verdicts as "pass,fail:reason," into out. */
static void
run(struct am_dns *dns, const char *text, size_t step,
    struct am_dkim_verify_opts *o, struct am_buf *out, struct am_log *log)
{
	struct am_dkim_verifier	*v = am_dkim_verifier_new(o, dns, log);
	size_t			 i;

	(void)tu_feed(text, strlen(text), step, &tu_verify_cb, v);
	am_dkim_verifier_eom(v);
	am_buf_reset(out);
	for (i = 0; i < am_dkim_verifier_count(v); i++) {
		const struct am_dkim_result *r = am_dkim_verifier_result(v, i);

		(void)am_buf_printf(out, "%s%s%s,",
		    am_dkim_verdict_name(r->verdict), r->reason[0] ? ":" : "",
		    r->reason);
	}
	am_dkim_verifier_free(&v);
}

static void
opts(struct am_dkim_verify_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->now = RFC8463_T + 100;
	o->clock_skew = 300;
}

static char *a3;	/* RFC 8463 A.3 */

static void
expect(struct am_dns *dns, const char *text, const char *want,
    const char *name)
{
	struct am_dkim_verify_opts	 o;
	struct am_buf			 out;

	opts(&o);
	am_buf_init(&out, 4096);
	run(dns, text, 4096, &o, &out, NULL);
	is_str(am_buf_str(&out), want, name);
	am_buf_release(&out);
}

static void
test_vectors(void)
{
	static const size_t steps[] = { 1, 2, 3, 7, 64, 65535 };
	struct am_dkim_verify_opts	 o;
	struct am_dns			*dns;
	struct am_buf			 out;
	char				 rec[1024], name[128], *a2;
	size_t				 i;

	snprintf(rec, sizeof(rec), "\"v=DKIM1; k=rsa; p=%s\"", rsa_p);
	dns = zone(ed_rec, rec);
	opts(&o);
	am_buf_init(&out, 4096);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		run(dns, a3, steps[i], &o, &out, NULL);
		snprintf(name, sizeof(name), "RFC 8463 A.3, %zu-byte chunks: "
		    "ed25519 then rsa pass", steps[i]);
		is_str(am_buf_str(&out), "pass,pass,", name);
	}
	am_dns_free(&dns);

	dns = am_dns_zone_new();
	(void)am_dns_zone_load(dns,
	    tu_path("t/vectors/rfc6376-appendix-A/zone.derived"), NULL);
	a2 = tu_slurp(tu_path("t/vectors/rfc6376-appendix-A/"
	    "A2-signed-reconstructed.derived.eml"), NULL);
	for (i = 0; a2 != NULL && i < sizeof(steps) / sizeof(steps[0]); i++) {
		run(dns, a2, steps[i], &o, &out, NULL);
		snprintf(name, sizeof(name), "RFC 6376 A.2 (reconstructed), "
		    "%zu-byte chunks: pass", steps[i]);
		is_str(am_buf_str(&out), "pass,", name);
	}
	free(a2);
	a2 = tu_slurp(tu_path("t/vectors/rfc6376-appendix-A/"
	    "A2-signed-as-printed.eml"), NULL);
	if (a2 != NULL) {
		run(dns, a2, 5, &o, &out, NULL);
		is_str(am_buf_str(&out), "fail:body hash mismatch,",
		    "RFC 6376 A.2 as printed: body hash mismatch");
	}
	free(a2);
	am_dns_free(&dns);
	am_buf_release(&out);
}

static void
test_keys(void)
{
	static const struct {
		const char	*rec;		/* at test._domainkey */
		const char	*want;		/* second result */
		const char	*name;
	} cases[] = {
		{ "\"v=DKIM1; k=rsa; p=\"", "permerror:key revoked",
		  "empty p=: revoked key is permerror" },
		{ "\"v=DKIM1; k=rsa; h=sha1; p=%s\"",
		  "permerror:hash algorithm not allowed by key",
		  "key h=sha1 forbids rsa-sha256" },
		{ "\"v=DKIM1; k=rsa; h=sha1:sha256; p=%s\"", "pass",
		  "key h=sha1:sha256 allows it" },
		{ "\"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"",
		  "permerror:key type does not match algorithm",
		  "ed25519 key for an rsa signature" },
		{ "\"v=DKIM1; k=rsa; p=" "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBANJzuo9u9j8D3YhpzaG+bF3g1hZJfgojoorGRPdxLWqIYzEulSHOjNZ6B02DLw3pDYhjiLrJQLiOopC0fUlSdScCAwEAAQ==" "\"",
		  "policy:512-bit key is too short (RFC 8301)",
		  "512-bit RSA key never passes (RFC 8301)" },
		{ "\"v=DKIM1; k=rsa; t=y; p=%s\"", "pass",
		  "t=y: still pass (reported as a test key)" },
		{ "\"v=DKIM1; k=rsa; t=s; p=%s\"", "pass",
		  "t=s with i= equal to d=: pass" },
		{ "\"v=DKIM1; k=rsa; s=other; p=%s\"",
		  "permerror:key syntax error: key not for email (s=)",
		  "key s= without email" },
		{ "\"garbage\" \"; more\"", "permerror:key syntax error: ",
		  "unparseable key record" },
		{ "\"v=DKIM2; p=%s\"", "permerror:key syntax error: ",
		  "wrong key version" },
		{ "\"v=DKIM1; k=rsa; p=%s\"\ntest IN TXT \"nonsense\"", "pass",
		  "two records, one valid: the valid one is used" },
		{ "\"v=DKIM1; k=rsa; p=%s\" ; split:\ntest IN TXT \"v=DKIM1; k=rsa; p=%s\"",
		  "pass", "two valid records" },
	};
	struct am_dns	*dns;
	char		 rec[2048], want[256];
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(rec, sizeof(rec), cases[i].rec, rsa_p, rsa_p);
		dns = zone(ed_rec, rec);
		snprintf(want, sizeof(want), "pass,%s,", cases[i].want);
		if (strcmp(cases[i].want + strlen(cases[i].want) - 2, ": ")
		    == 0) {
			/* prefix match: the parser's own message follows */
			struct am_dkim_verify_opts	 o;
			struct am_buf			 out;

			opts(&o);
			am_buf_init(&out, 4096);
			run(dns, a3, 4096, &o, &out, NULL);
			ok(strncmp(am_buf_str(&out), want, strlen(want) - 1)
			    == 0, cases[i].name);
			diag(am_buf_str(&out));
			am_buf_release(&out);
		} else
			expect(dns, a3, want, cases[i].name);
		am_dns_free(&dns);
	}
	(void)rsa512_p;
}

static void
test_dns_failures(void)
{
	struct am_dns	*dns;
	char		 rec[1024];

	snprintf(rec, sizeof(rec), "\"v=DKIM1; k=rsa; p=%s\"", rsa_p);
	dns = zone(ed_rec, rec);
	am_dns_zone_fail(dns, "test._domainkey.football.example.com",
	    AM_DNS_SERVFAIL);
	expect(dns, a3, "pass,temperror:key query failed: SERVFAIL,",
	    "SERVFAIL: temperror");
	am_dns_zone_fail(dns, "brisbane._domainkey.football.example.com",
	    AM_DNS_TIMEOUT);
	expect(dns, a3, "temperror:key query failed: TIMEOUT,"
	    "temperror:key query failed: SERVFAIL,", "timeout: temperror");
	/* A broken answer is DNS trouble too: never permerror. */
	am_dns_zone_fail(dns, "brisbane._domainkey.football.example.com",
	    AM_DNS_FORMERR);
	expect(dns, a3, "temperror:key query failed: FORMERR,"
	    "temperror:key query failed: SERVFAIL,",
	    "FORMERR (a broken answer): temperror, not permerror");
	am_dns_zone_fail(dns, "test._domainkey.football.example.com",
	    AM_DNS_REFUSED);
	expect(dns, a3, "temperror:key query failed: FORMERR,"
	    "temperror:key query failed: REFUSED,",
	    "REFUSED: temperror, and the reason says REFUSED");
	am_dns_free(&dns);
	dns = zone(ed_rec, "\"x\"");
	expect(dns, a3, "pass,permerror:key syntax error: missing '=' after tag,",
	    "a key record that is not a tag list: permerror");
	am_dns_free(&dns);
}

/* Replaces the first occurrence of from with to in a3. */
static char *
edit(const char *from, const char *to)
{
	const char	*p = strstr(a3, from);
	char		*s;
	size_t		 n;

	if (p == NULL)
		return strdup(a3);
	n = strlen(a3) - strlen(from) + strlen(to) + 1;
	s = malloc(n);
	snprintf(s, n, "%.*s%s%s", (int)(p - a3), a3, to, p + strlen(from));
	return s;
}

static void
test_signature_rules(void)
{
	struct am_dkim_verify_opts	 o;
	struct am_dns			*dns;
	struct am_buf			 out;
	struct log_capture		 cap = { "" };
	struct am_log			 log = { capture, &cap, "QID123" };
	char				 rec[1024], *m, big[300000];
	size_t				 i, n;

	snprintf(rec, sizeof(rec), "\"v=DKIM1; k=rsa; p=%s\"", rsa_p);
	dns = zone(ed_rec, rec);
	m = edit("a=rsa-sha256", "a=rsa-sha1");
	expect(dns, m, "pass,policy:rsa-sha1 is not acceptable (RFC 8301),",
	    "rsa-sha1 is policy, never pass (RFC 8301)");
	free(m);
	m = edit("a=rsa-sha256", "a=rsa-sha512");
	expect(dns, m, "pass,permerror:unsupported algorithm rsa-sha512,",
	    "unknown algorithm: permerror");
	free(m);
	m = edit("a=ed25519-sha256;", "a=ed25519-sha256; i=@evil.example;");
	ok(strncmp((char *)"permerror:", "permerror:", 10) == 0, "edit ok");
	opts(&o);
	am_buf_init(&out, 4096);
	run(dns, m, 4096, &o, &out, NULL);
	ok(strncmp(am_buf_str(&out), "permerror:", 10) == 0 &&
	    strstr(am_buf_str(&out), ",pass,") != NULL,
	    "duplicate i= (and outside d=): permerror, other still passes");
	diag(am_buf_str(&out));
	free(m);

	/* Limits: max_signatures. */
	o.max_signatures = 1;
	run(dns, a3, 4096, &o, &out, &log);
	is_str(am_buf_str(&out), "pass,", "max_signatures=1: only the first");
	ok(strstr(cap.lines, "QID123: 1 DKIM signatures beyond") != NULL,
	    "skipped signatures are logged with the queue id");
	ok(strstr(cap.lines, "DKIM d=football.example.com s=brisbane: pass")
	    != NULL, "verdict logged");

	/* Hostile: a header block beyond the byte limit. */
	{
		struct am_dkim_verifier	*v;
		struct am_err		 err;
		int			 r = 0;

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		memcpy(big, "X-Big: ", 7);
		opts(&o);
		o.max_header_bytes = 100000;
		v = am_dkim_verifier_new(&o, dns, NULL);
		r = am_dkim_verifier_header(v, big, strlen(big), &err);
		ok(r == -1 && err.code == AM_E_LIMIT,
		    "header bytes over the limit: AM_E_LIMIT");
		am_dkim_verifier_free(&v);
		o.max_header_bytes = 0;
		o.max_headers = 50;
		v = am_dkim_verifier_new(&o, dns, NULL);
		for (i = 0, n = 0; i < 60; i++)
			if (am_dkim_verifier_header(v, "X-A: b", 6, &err) == -1)
				n++;
		ok(n == 10, "header count over the limit: AM_E_LIMIT");
		am_dkim_verifier_free(&v);
	}
	am_buf_release(&out);
	am_dns_free(&dns);
}

static void
test_time(void)
{
	struct am_dkim_verify_opts	 o;
	struct am_dns			*dns;
	struct am_buf			 out;
	char				 rec[1024];

	snprintf(rec, sizeof(rec), "\"v=DKIM1; k=rsa; p=%s\"", rsa_p);
	dns = zone(ed_rec, rec);
	am_buf_init(&out, 4096);
	opts(&o);
	o.now = RFC8463_T - 301;
	run(dns, a3, 4096, &o, &out, NULL);
	is_str(am_buf_str(&out), "fail:signature timestamp in the future,"
	    "fail:signature timestamp in the future,",
	    "t= beyond the clock skew: fail");
	o.now = RFC8463_T - 299;
	run(dns, a3, 4096, &o, &out, NULL);
	is_str(am_buf_str(&out), "pass,pass,", "t= within the skew: pass");
	am_buf_release(&out);
	am_dns_free(&dns);
}

static void
test_unsigned(void)
{
	struct am_dns	*dns = am_dns_zone_new();

	expect(dns, "From: a@b.example\r\n\r\nhi\r\n", "",
	    "unsigned message: no results (dkim=none)");
	expect(dns, "DKIM-Signature: v=1; a=rsa-sha256\r\nFrom: a@b.example\r\n\r\nhi\r\n",
	    "permerror:missing required tag b=,",
	    "signature without b=: permerror with the reason");
	am_dns_free(&dns);
}

/* Machine-readable reason codes beside the text. */
static void
test_codes(void)
{
	struct am_dkim_verify_opts	 o;
	struct am_dkim_verifier		*v;
	struct am_dns			*dns;
	char				 rec[1024], *m;

	snprintf(rec, sizeof(rec), "\"v=DKIM1; k=rsa; p=%s\"", rsa_p);
	dns = zone(ed_rec, rec);
	am_dns_zone_fail(dns, "test._domainkey.football.example.com",
	    AM_DNS_SERVFAIL);
	opts(&o);
	m = edit("Joe.", "Jim.");
	v = am_dkim_verifier_new(&o, dns, NULL);
	(void)tu_feed(m, strlen(m), 4096, &tu_verify_cb, v);
	am_dkim_verifier_eom(v);
	ok(am_dkim_verifier_result(v, 0)->code == AM_DKIM_R_BODY_HASH,
	    "code: body hash mismatch");
	ok(am_dkim_verifier_result(v, 1)->code == AM_DKIM_R_KEY_DNS,
	    "code: key query failed");
	am_dkim_verifier_free(&v);
	free(m);
	am_dns_free(&dns);
	dns = zone(ed_rec, "\"v=DKIM1; k=rsa; p=\"");
	v = am_dkim_verifier_new(&o, dns, NULL);
	(void)tu_feed(a3, strlen(a3), 4096, &tu_verify_cb, v);
	am_dkim_verifier_eom(v);
	ok(am_dkim_verifier_result(v, 0)->code == AM_DKIM_R_NONE,
	    "code: none for pass");
	ok(am_dkim_verifier_result(v, 1)->code == AM_DKIM_R_KEY_REVOKED,
	    "code: revoked key");
	am_dkim_verifier_free(&v);
	am_dns_free(&dns);
	is_str(am_dkim_reason_name(AM_DKIM_R_NO_KEY), "no-key",
	    "reason names are stable tokens");
	is_str(am_dkim_reason_name((enum am_dkim_reason)999), "internal",
	    "an unknown code names itself internal");
}

/* am_dkim_verifier_eoh works once; a header after it is refused. */
static void
test_eoh_once(void)
{
	struct am_dkim_verify_opts	 o;
	struct am_dkim_verifier		*v;
	struct am_dns			*dns;
	struct am_err			 err;
	int				 need;

	dns = zone(ed_rec, "\"v=DKIM1; k=rsa; p=\"");
	opts(&o);
	v = am_dkim_verifier_new(&o, dns, NULL);
	(void)tu_feed(a3, strlen(a3), 4096, &tu_verify_cb, v);
	need = am_dkim_verifier_eoh(v);
	is_int(am_dkim_verifier_eoh(v), need, "eoh again: the same answer");
	ok(am_dkim_verifier_header(v, "X: y", 4, &err) == -1 &&
	    err.code == AM_E_USAGE, "a header after eoh: refused");
	am_dkim_verifier_eom(v);
	is_int(am_dkim_verifier_count(v), 2, "eoh twice: the signatures "
	    "once");
	am_dkim_verifier_free(&v);
	am_dns_free(&dns);
}

int
main(void)
{
	a3 = tu_slurp(tu_path("t/vectors/rfc8463-appendix-A/A3-signed.eml"),
	    NULL);
	ok(a3 != NULL, "RFC 8463 A.3 message loads");
	if (a3 == NULL)
		return done_testing();
	test_vectors();
	test_keys();
	test_dns_failures();
	test_signature_rules();
	test_time();
	test_unsigned();
	test_codes();
	test_eoh_once();
	free(a3);
	return done_testing();
}
