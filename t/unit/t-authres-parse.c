/*
 * t-authres-parse - parsing Authentication-Results values (RFC 8601):
 * the Appendix B examples, our own builder's output, hostile input
 */

#include <stdio.h>
#include <string.h>

#include "authres.h"
#include "err.h"
#include "tap.h"

static struct am_authres_parsed	 ar;

static const char *
view(const struct am_authres_view *v)
{
	static char	 buf[4][512];
	static int	 k;

	k = (k + 1) % 4;
	if (v->p == NULL)
		return "(null)";
	if (am_authres_view_copy(v, buf[k], sizeof(buf[k])) == -1)
		return "(too long)";
	return buf[k];
}

static int
parse(const char *v)
{
	struct am_err	 err;

	am_err_clear(&err);
	if (am_authres_parse(v, strlen(v), &ar, &err) == -1) {
		printf("# %s\n", err.msg);
		return -1;
	}
	return 0;
}

static const char *
prop(size_t i, const char *ptype, const char *property)
{
	const struct am_authres_prop	*p;

	if (i >= ar.n)
		return "(no result)";
	p = am_authres_prop_find(&ar.res[i], ptype, property);
	return p != NULL ? view(&p->value) : "(none)";
}

static void
fails(const char *v, enum am_err_code code, const char *name)
{
	struct am_err	 err;

	am_err_clear(&err);
	ok(am_authres_parse(v, strlen(v), &ar, &err) == -1 &&
	    err.code == code && ar.n == 0, name);
}

/* RFC 8601 Appendix B. */
static void
test_rfc(void)
{
	ok(parse("example.org 1; none") == 0, "B.2 parses");
	is_str(view(&ar.authserv_id), "example.org", "B.2 authserv-id");
	is_int(ar.version, 1, "B.2 version");
	ok(ar.none && ar.n == 0, "B.2 none");

	ok(parse(" example.com;\r\n\t  spf=pass smtp.mailfrom=example.net")
	    == 0, "B.3 parses");
	is_int(ar.n, 1, "B.3 one result");
	is_str(view(&ar.res[0].method), "spf", "B.3 method");
	is_str(view(&ar.res[0].result), "pass", "B.3 result");
	is_str(prop(0, "smtp", "mailfrom"), "example.net", "B.3 mailfrom");

	ok(parse("example.com;\r\n auth=pass (cram-md5) "
	    "smtp.auth=sender@example.net;\r\n spf=pass "
	    "smtp.mailfrom=example.net") == 0, "B.4 parses");
	is_int(ar.n, 2, "B.4 two results");
	is_str(prop(0, "smtp", "auth"), "sender@example.net", "B.4 smtp.auth");
	is_str(prop(1, "smtp", "mailfrom"), "example.net", "B.4 mailfrom");
	ok(parse("example.com; iprev=pass\r\n policy.iprev=192.0.2.200") == 0,
	    "B.4 iprev parses");
	is_str(prop(0, "policy", "iprev"), "192.0.2.200", "B.4 policy.iprev");

	ok(parse("example.com;\r\n sender-id=fail header.from=example.com;\r\n"
	    " dkim=pass (good signature) header.d=example.com") == 0,
	    "B.5 parses");
	is_str(view(&ar.res[0].method), "sender-id", "B.5 hyphenated method");
	is_str(prop(1, "header", "d"), "example.com", "B.5 header.d");

	ok(parse("mail-router.example.net;\r\n dkim=pass (good signature) "
	    "header.d=newyork.example.com\r\n header.b=oINEO8hg;\r\n "
	    "dkim=fail (bad signature) header.d=newyork.example.com\r\n "
	    "header.b=EToRSuvU") == 0, "B.6 parses");
	is_int(ar.n, 2, "B.6 two dkim results");
	is_str(view(&ar.res[1].result), "fail", "B.6 second fails");
	is_str(prop(1, "header", "b"), "EToRSuvU", "B.6 header.b");

	ok(parse("foo.example.net (foobar) 1 (baz);\r\n"
	    "    dkim (Because I like it) / 1 (One yay) = (wait for it) fail\r\n"
	    "      policy (A dot can go here) . (like that) expired\r\n"
	    "      (this surprised me) = (as I wasn't expecting it) 1362471462")
	    == 0, "B.7 comments everywhere");
	is_str(view(&ar.authserv_id), "foo.example.net", "B.7 authserv-id");
	is_int(ar.version, 1, "B.7 version");
	is_int(ar.res[0].version, 1, "B.7 method version");
	is_str(view(&ar.res[0].result), "fail", "B.7 result");
	is_str(prop(0, "policy", "expired"), "1362471462",
	    "B.7 policy.expired");
}

/* What lib/mail/authres.c writes parses back to what it was given. */
static void
test_roundtrip(void)
{
	struct am_authres	 r[3];
	struct am_buf		 h;

	am_authres_init(&r[0]);
	am_authres_method(&r[0], "dkim", "fail");
	am_authres_comment(&r[0], "2048-bit key (a) \\ b");
	am_authres_reason(&r[0], "body hash \"mismatch\"");
	am_authres_prop(&r[0], "header", "d", "example.com");
	am_authres_prop(&r[0], "header", "b", "AbCd/eF+");
	am_authres_init(&r[1]);
	am_authres_method(&r[1], "spf", "pass");
	am_authres_prop(&r[1], "smtp", "mailfrom", "a b@example.net");
	am_authres_init(&r[2]);
	am_authres_method(&r[2], "dmarc", "pass");
	am_authres_prop(&r[2], "header", "from", "b\xc3\xbc" "cher.example");
	am_authres_comment(&r[2], "dis=none");
	am_buf_init(&h, 4096);
	ok(am_authres_header("mx.example.org", r, 3, &h) == 0, "built");
	ok(parse(am_buf_str(&h)) == 0, "our header parses");
	is_int(ar.n, 3, "three results");
	is_str(view(&ar.res[0].reason), "body hash \"mismatch\"",
	    "reason unquoted");
	is_str(prop(0, "header", "b"), "AbCd/eF+", "quoted header.b");
	is_str(prop(1, "smtp", "mailfrom"), "a b@example.net",
	    "quoted mailfrom");
	is_str(prop(2, "header", "from"), "b\xc3\xbc" "cher.example",
	    "UTF-8 value");
	ok(am_authres_view_eq(&ar.res[0].method, "DKIM"),
	    "methods compare case-insensitively");
	am_buf_reset(&h);
	ok(am_authres_header("a \"odd\" id", r, 0, &h) == 0 &&
	    parse(am_buf_str(&h)) == 0 && ar.none &&
	    strcmp(view(&ar.authserv_id), "a \"odd\" id") == 0,
	    "quoted authserv-id and none");
	am_buf_release(&h);
	am_authres_release(&r[0]);
	am_authres_release(&r[1]);
	am_authres_release(&r[2]);
}

static void
test_forms(void)
{
	ok(parse("x;dkim=pass header.d=a;spf=fail smtp.mailfrom=b") == 0 &&
	    ar.n == 2, "no white space around ';'");
	ok(parse("x; spf=pass smtp.mailfrom=\"first last\"@example.net") == 0,
	    "quoted local-part");
	is_str(prop(0, "smtp", "mailfrom"), "\"first last\"@example.net",
	    "quoted local-part kept as written");
	ok(parse("x; dkim=pass header.d=\"example.net\"") == 0 &&
	    strcmp(prop(0, "header", "d"), "example.net") == 0,
	    "quoted domain");
	ok(parse("x; dkim=pass (a \\( b \\) c) header.d=e") == 0,
	    "escaped parentheses in a comment");
	ok(parse("x; dkim=pass reason=token") == 0 &&
	    strcmp(view(&ar.res[0].reason), "token") == 0, "token reason");
	ok(parse("x; NONE ") == 0 && ar.none, "none, any case");
	ok(parse("x; none=pass") == 0 && !ar.none && ar.n == 1,
	    "a method called none");
	ok(parse("\"x\"; dkim=pass") == 0, "quoted authserv-id");
	ok(parse("x 2; dkim/2=pass") == 0 && ar.version == 2 &&
	    ar.res[0].version == 2, "versions");
	ok(parse("x; dkim=pass (trailing)\r\n ") == 0, "trailing CFWS");
}

static void
test_hostile(void)
{
	char	 big[AM_AUTHRES_PARSE_MAXLEN + 2];
	char	 many[4096];
	size_t	 i, o;

	fails("", AM_E_SYNTAX, "empty");
	fails("x", AM_E_SYNTAX, "authserv-id only");
	fails("x; ", AM_E_SYNTAX, "empty resinfo");
	fails("x;;dkim=pass", AM_E_SYNTAX, "empty resinfo between ';'");
	fails("x; dkim", AM_E_SYNTAX, "method without result");
	fails("x; dkim=", AM_E_SYNTAX, "empty result");
	fails("x; dkim=pass-", AM_E_SYNTAX, "keyword ending in '-'");
	fails("x; dkim=pass action=none", AM_E_SYNTAX,
	    "a bare name=value is no property");
	fails("x; dkim=pass header.d=a reason=\"late\"", AM_E_SYNTAX,
	    "reason after a property");
	fails("x; dkim=pass (open", AM_E_SYNTAX, "unterminated comment");
	fails("x; dkim=pass header.d=\"open", AM_E_SYNTAX,
	    "unterminated quoted-string");
	fails("x; dkim=pass header.d=\"a\\", AM_E_SYNTAX,
	    "quoted-pair at the end");
	fails("x; dkim=pass header.d=\x01", AM_E_SYNTAX, "control character");
	fails("x; dkim=pass (\x01)", AM_E_SYNTAX,
	    "control character in a comment");
	fails("x; none; dkim=pass", AM_E_SYNTAX, "none followed by results");
	fails("x; dkim=pass; none", AM_E_SYNTAX, "none after results");
	fails("x; dkim/12345678901=pass", AM_E_LIMIT, "version too long");
	fails("x; d\xc3\xa9=pass", AM_E_SYNTAX, "UTF-8 method");
	fails("x; dkim=pass.x", AM_E_SYNTAX, "result run into a property");
	fails("x; dkim=pass header.=a", AM_E_SYNTAX, "empty property");
	fails("x; dkim=pass header.d=\"a\"@", AM_E_SYNTAX,
	    "quoted local-part without domain");
	fails("x; dkim=pass ((((((((((((((((((deep))))))))))))))))))",
	    AM_E_LIMIT, "comments nested too deep");
	ok(parse("x; dkim=pass ((((((((((((((((deep))))))))))))))))") == 0,
	    "comments nested 16 deep");
	ok(am_authres_parse("x; dkim=pass header.d=a\0b", 24, &ar, NULL) == -1,
	    "NUL in a value");

	memset(big, ' ', sizeof(big));
	memcpy(big, "x; dkim=pass", 12);
	ok(am_authres_parse(NULL, 0, &ar, NULL) == -1, "NULL value");
	ok(am_authres_parse(big, sizeof(big), &ar, NULL) == -1,
	    "over the length limit");
	ok(am_authres_parse(big, AM_AUTHRES_PARSE_MAXLEN, &ar, NULL) == 0,
	    "at the length limit");

	o = (size_t)snprintf(many, sizeof(many), "x");
	for (i = 0; i < AM_AUTHRES_PARSE_MAXRES; i++)
		o += (size_t)snprintf(many + o, sizeof(many) - o, "; a=b");
	ok(parse(many) == 0 && ar.n == AM_AUTHRES_PARSE_MAXRES,
	    "results at the limit");
	(void)snprintf(many + o, sizeof(many) - o, "; a=b");
	fails(many, AM_E_LIMIT, "too many results");

	o = (size_t)snprintf(many, sizeof(many), "x; a=b");
	for (i = 0; i < AM_AUTHRES_PARSE_MAXPROPS; i++)
		o += (size_t)snprintf(many + o, sizeof(many) - o, " p.q=r");
	ok(parse(many) == 0 && ar.res[0].nprops == AM_AUTHRES_PARSE_MAXPROPS,
	    "properties at the limit");
	(void)snprintf(many + o, sizeof(many) - o, " p.q=r");
	fails(many, AM_E_LIMIT, "too many properties");
}

int
main(void)
{
	test_rfc();
	test_roundtrip();
	test_forms();
	test_hostile();
	return done_testing();
}
