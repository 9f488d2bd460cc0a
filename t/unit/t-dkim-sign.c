/*
 * t-dkim-sign - DKIM signing: RFC 8463 body hash, header choice,
 * oversigning, determinism, chunking, and round trips through the
 * verifier for both algorithms and all canonicalizations
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "pkey.h"
#include "tap.h"
#include "testutil.h"

static const char msg[] =
    "From: Joe SixPack <joe@football.example.com>\r\n"
    "To: Suzie Q <suzie@shopping.example.net>\r\n"
    "Subject: Is dinner ready?\r\n"
    "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
    "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n"
    "\r\n"
    "Hi.\r\n"
    "\r\n"
    "We lost the game.  Are you hungry yet?\r\n"
    "\r\n"
    "Joe.\r\n";

static EVP_PKEY *
load_key(const char *rel)
{
	EVP_PKEY	*pk = NULL;
	struct am_err	 err;

	if (am_pkey_load_file(tu_path(rel), &pk, &err) == -1) {
		printf("# %s\n", err.msg);
		return NULL;
	}
	return pk;
}

/* sign - sign text with the keys, step bytes at a time; the fields are
 * joined with CR LF into out.  Returns 0 or -1. */
static int
sign(const char *text, size_t step, const struct am_dkim_sign_opts *o,
    EVP_PKEY **keys, const char **sels, size_t nkeys, struct am_buf *out)
{
	struct am_dkim_signer	*s = am_dkim_signer_new(o);
	struct am_err		 err;
	size_t			 i;
	int			 r = 0;

	am_buf_reset(out);
	for (i = 0; i < nkeys && r == 0; i++)
		r = am_dkim_signer_add_key(s, "football.example.com", sels[i],
		    NULL, keys[i], &err);
	if (r == 0)
		r = tu_feed(text, strlen(text), step, &tu_sign_cb, s);
	if (r == 0)
		r = am_dkim_signer_eom(s, &err);
	for (i = 0; r == 0 && i < am_dkim_signer_count(s); i++) {
		(void)am_buf_appends(out, am_dkim_signer_field(s, i));
		(void)am_buf_appends(out, "\r\n");
	}
	am_dkim_signer_free(&s);
	return r;
}

/* The value of tag in a signature field, FWS removed, into a static buf. */
static const char *
tag(const char *field, const char *name)
{
	static char	 val[2048];
	char		 key[16];
	const char	*p;
	size_t		 n = 0;

	snprintf(key, sizeof(key), " %s=", name);
	p = strstr(field, key);
	if (p == NULL) {
		snprintf(key, sizeof(key), "\t%s=", name);
		p = strstr(field, key);
	}
	if (p == NULL)
		return "";
	for (p += strlen(key); *p != '\0' && *p != ';' && n < 2047; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			val[n++] = *p;
	val[n] = '\0';
	return val;
}

/* A zone publishing both keys under football.example.com. */
static struct am_dns *
zone_for(EVP_PKEY *rsa, EVP_PKEY *ed)
{
	struct am_dns	*dns = am_dns_zone_new();
	struct am_buf	 z, p;
	struct am_err	 err;
	size_t		 i;

	am_buf_init(&z, 1 << 16);
	am_buf_init(&p, 1 << 14);
	(void)am_pkey_public_b64(rsa, &p, &err);
	(void)am_buf_appends(&z, "$TTL 300\ntest._domainkey.football.example.com. IN TXT (\"v=DKIM1; k=rsa; p=\"");
	for (i = 0; i < p.len; i += 200)
		(void)am_buf_printf(&z, " \"%.*s\"", (int)(p.len - i < 200 ?
		    p.len - i : 200), (const char *)p.data + i);
	(void)am_buf_appends(&z, " )\n");
	am_buf_reset(&p);
	(void)am_pkey_public_b64(ed, &p, &err);
	(void)am_buf_printf(&z, "brisbane._domainkey.football.example.com. IN TXT \"v=DKIM1; k=ed25519; p=%s\"\n", am_buf_str(&p));
	if (am_dns_zone_load_string(dns, am_buf_str(&z), &err) == -1)
		printf("# zone: %s\n", err.msg);
	am_buf_release(&z);
	am_buf_release(&p);
	return dns;
}

/* verify - fields + text through the verifier; verdicts into out as
 * "pass,fail," etc. */
static void
verify(struct am_dns *dns, const char *fields, const char *text,
    struct am_buf *out)
{
	struct am_dkim_verify_opts	 o;
	struct am_dkim_verifier		*v;
	struct am_buf			 m;
	size_t				 i;

	memset(&o, 0, sizeof(o));
	o.now = 1528637909 + 10;
	o.clock_skew = 300;
	am_buf_init(&m, 1 << 20);
	(void)am_buf_appends(&m, fields);
	(void)am_buf_appends(&m, text);
	v = am_dkim_verifier_new(&o, dns, NULL);
	(void)tu_feed(am_buf_str(&m), m.len, 7, &tu_verify_cb, v);
	am_dkim_verifier_eom(v);
	am_buf_reset(out);
	for (i = 0; i < am_dkim_verifier_count(v); i++) {
		const struct am_dkim_result *r = am_dkim_verifier_result(v, i);

		(void)am_buf_printf(out, "%s%s%s,",
		    am_dkim_verdict_name(r->verdict), r->reason[0] ? ":" : "",
		    r->reason);
	}
	am_dkim_verifier_free(&v);
	am_buf_release(&m);
}

static void
test_rfc8463_bh(EVP_PKEY *ed, EVP_PKEY *rsa)
{
	struct am_dkim_sign_opts o = { 0 };
	struct am_buf		 out, out2;
	EVP_PKEY		*keys[2] = { ed, rsa };
	const char		*sels[2] = { "brisbane", "test" };
	char			*first;

	am_buf_init(&out, 1 << 16);
	am_buf_init(&out2, 1 << 16);
	o.hcanon = o.bcanon = AM_CANON_RELAXED;
	o.now = 1528637909;
	ok(sign(msg, sizeof(msg), &o, keys, sels, 2, &out) == 0,
	    "sign RFC 8463 A.3 message with both keys");
	is_str(tag(am_buf_str(&out), "bh"),
	    "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=",
	    "relaxed body hash equals RFC 8463 A.3 bh=");
	first = strstr((char *)out.data, "\r\nDKIM-Signature:");
	ok(first != NULL, "two fields");
	if (first != NULL)
		is_str(tag(first + 2, "bh"),
		    "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=",
		    "second signature shares the body hash");
	is_str(tag(am_buf_str(&out), "a"), "ed25519-sha256",
	    "algorithm from the Ed25519 key");
	if (first != NULL)
		is_str(tag(first + 2, "a"), "rsa-sha256",
		    "algorithm from the RSA key");
	is_str(tag(am_buf_str(&out), "t"), "1528637909", "t= is the given time");
	ok(strstr(am_buf_str(&out), " x=") == NULL, "no x= by default");
	ok(strstr(am_buf_str(&out), " l=") == NULL, "no l= by default");
	is_str(tag(am_buf_str(&out), "h"),
	    "from:from:subject:date:to:message-id",
	    "h=: signed fields in list order, From oversigned");
	ok(sign(msg, 1, &o, keys, sels, 2, &out2) == 0 &&
	    out.len == out2.len && memcmp(out.data, out2.data, out.len) == 0,
	    "1-byte chunks give identical signatures (deterministic)");
	am_buf_release(&out);
	am_buf_release(&out2);
}

static void
test_headers(EVP_PKEY *ed)
{
	static const char *const over[] = { "subject", "reply-to", NULL };
	static const char *const none[] = { NULL };
	static const char *const list[] = { "to", "x-custom", NULL };
	static const char *const omit[] = { "to", NULL };
	struct am_dkim_sign_opts o = { 0 };
	struct am_buf		 out;
	const char		*sels[1] = { "brisbane" };
	char			 text[2048];

	am_buf_init(&out, 1 << 16);
	o.now = 1528637909;
	o.oversign_headers = over;
	(void)sign(msg, 64, &o, &ed, sels, 1, &out);
	is_str(tag(am_buf_str(&out), "h"),
	    "from:reply-to:subject:subject:date:to:message-id",
	    "oversign list: absent Reply-To listed once, Subject twice");
	o.oversign_headers = none;
	(void)sign(msg, 64, &o, &ed, sels, 1, &out);
	is_str(tag(am_buf_str(&out), "h"), "from:subject:date:to:message-id",
	    "empty oversign list");
	o.sign_headers = list;
	snprintf(text, sizeof(text), "X-Custom: 1\r\nTo: a@b.example\r\n%s",
	    msg);
	(void)sign(text, 64, &o, &ed, sels, 1, &out);
	is_str(tag(am_buf_str(&out), "h"), "from:to:to:x-custom",
	    "custom list: From added first, To twice (two fields)");
	o.sign_headers = NULL;
	o.omit_headers = omit;
	(void)sign(msg, 64, &o, &ed, sels, 1, &out);
	is_str(tag(am_buf_str(&out), "h"), "from:subject:date:message-id",
	    "omit list drops To");
	o.omit_headers = NULL;
	o.hcanon = AM_CANON_SIMPLE;
	o.bcanon = AM_CANON_SIMPLE;
	o.expire_after = 3600;
	o.body_length = 1;
	(void)sign(msg, 64, &o, &ed, sels, 1, &out);
	is_str(tag(am_buf_str(&out), "c"), "simple/simple", "c=simple/simple");
	is_str(tag(am_buf_str(&out), "x"), "1528641509", "x= = t= + expiry");
	is_str(tag(am_buf_str(&out), "l"), "55", "l= = canonical body length");
	ok(sign("Subject: x\r\n\r\nbody\r\n", 64, &o, &ed, sels, 1, &out) == -1,
	    "no From: refused");
	snprintf(text, sizeof(text), "From: x@y.example\r\n%s", msg);
	ok(sign(text, 64, &o, &ed, sels, 1, &out) == -1, "two From: refused");
	am_buf_release(&out);
}

static void
test_fold(EVP_PKEY *rsa)
{
	struct am_dkim_sign_opts o = { 0 };
	struct am_buf		 out;
	const char		*sels[1] = { "test" }, *p, *e;
	size_t			 longest = 0;

	am_buf_init(&out, 1 << 16);
	o.now = 1528637909;
	(void)sign(msg, 64, &o, &rsa, sels, 1, &out);
	for (p = am_buf_str(&out); (e = strstr(p, "\r\n")) != NULL; p = e + 2)
		if ((size_t)(e - p) > longest)
			longest = (size_t)(e - p);
	ok(longest <= 78, "signature lines are at most 78 characters");
	ok(strstr(am_buf_str(&out), "\r\n\tb=") != NULL ||
	    strstr(am_buf_str(&out), " b=") != NULL, "b= present");
	am_buf_release(&out);
}

static void
test_roundtrip(EVP_PKEY *rsa, EVP_PKEY *ed)
{
	static const enum am_canon_mode m[2] = { AM_CANON_SIMPLE,
	    AM_CANON_RELAXED };
	struct am_dkim_sign_opts o = { 0 };
	struct am_dns		*dns = zone_for(rsa, ed);
	struct am_buf		 fields, res;
	EVP_PKEY		*keys[2] = { rsa, ed };
	const char		*sels[2] = { "test", "brisbane" };
	char			 name[128];
	int			 h, b;

	am_buf_init(&fields, 1 << 16);
	am_buf_init(&res, 1024);
	o.now = 1528637909;
	for (h = 0; h < 2; h++)
		for (b = 0; b < 2; b++) {
			o.hcanon = m[h];
			o.bcanon = m[b];
			(void)sign(msg, 13, &o, keys, sels, 2, &fields);
			verify(dns, am_buf_str(&fields), msg, &res);
			snprintf(name, sizeof(name), "round trip %s/%s: "
			    "rsa and ed25519 pass", am_canon_name(m[h]),
			    am_canon_name(m[b]));
			is_str(am_buf_str(&res), "pass,pass,", name);
		}
	am_buf_release(&fields);
	am_buf_release(&res);
	am_dns_free(&dns);
}

int
main(void)
{
	EVP_PKEY	*ed, *rsa;

	ed = load_key("t/vectors/rfc8463-appendix-A/A1-ed25519-private.derived.pem");
	rsa = load_key("t/vectors/rfc8463-appendix-A/A1-rsa-private.pem");
	ok(ed != NULL && rsa != NULL, "RFC 8463 A.1 keys load");
	if (ed == NULL || rsa == NULL)
		return done_testing();
	test_rfc8463_bh(ed, rsa);
	test_headers(ed);
	test_fold(rsa);
	test_roundtrip(rsa, ed);
	EVP_PKEY_free(ed);
	EVP_PKEY_free(rsa);
	return done_testing();
}
