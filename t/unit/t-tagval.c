/*
 * t-tagval - tag=value lists: RFC 6376 3.2 rules and RFC 8616 UTF-8
 */

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "tagval.h"
#include "tap.h"

/* Inputs that parse, with the number of tags. */
static const struct {
	const char	*name;
	const char	*in;
	size_t		 n;
} good[] = {
	{ "single tag", "v=1", 1 },
	{ "two tags", "v=1; a=rsa-sha256", 2 },
	{ "trailing semicolon", "v=1;", 1 },
	{ "trailing semicolon and FWS", "v=1; \r\n ", 1 },
	{ "no spaces", "v=1;a=b;c=d", 3 },
	{ "WSP everywhere", " \tv \t= \t1 \t; \ta\t=\tb\t ", 2 },
	{ "CRLF folding around tags", "v=1;\r\n a=b;\r\n\tc=d", 3 },
	{ "LF folding around tags", "v=1;\n a=b;\n\tc=d", 3 },
	{ "folding inside value", "b=abc\r\n def\r\n\tghi", 1 },
	{ "folding between name and =", "a\r\n =b", 1 },
	{ "empty value", "p=", 1 },
	{ "empty value then tag", "p=;v=1", 2 },
	{ "empty value with FWS", "p= ; k=rsa", 2 },
	{ "digits and _ in name", "x_1=2; ab9=c", 2 },
	{ "= and : inside value", "z=From:a=b|To:c", 1 },
	{ "final CRLF tolerated", "v=1; a=b\r\n", 2 },
	{ "UTF-8 in value (RFC 8616)", "i=j\xc3\xb6rg@b\xc3\xbc" "cher.example", 1 },
	{ "4-byte UTF-8", "n=\xf0\x9f\x93\xa7", 1 },
	{ "uppercase and lowercase are distinct", "v=1; V=2", 2 },
};

/* Inputs that must fail, with the error code. */
static const struct {
	const char		*name;
	const char		*in;
	enum am_err_code	 code;
} bad[] = {
	{ "empty input", "", AM_E_SYNTAX },
	{ "only FWS", " \r\n ", AM_E_SYNTAX },
	{ "only semicolon", ";", AM_E_SYNTAX },
	{ "double semicolon", "v=1;;a=b", AM_E_SYNTAX },
	{ "leading semicolon", ";v=1", AM_E_SYNTAX },
	{ "missing =", "v=1; a", AM_E_SYNTAX },
	{ "missing = before ;", "v; a=b", AM_E_SYNTAX },
	{ "empty tag name", "=1", AM_E_SYNTAX },
	{ "name starts with digit", "1a=b", AM_E_SYNTAX },
	{ "name starts with _", "_a=b", AM_E_SYNTAX },
	{ "hyphen in name", "a-b=c", AM_E_SYNTAX },
	{ "space inside name", "a b=c", AM_E_SYNTAX },
	{ "duplicate tag", "v=1; a=b; v=1", AM_E_SYNTAX },
	{ "duplicate empty tag", "p=; p=", AM_E_SYNTAX },
	{ "NUL in value", "a=b\0c", AM_E_SYNTAX },
	{ "control character in value", "a=b\x01", AM_E_SYNTAX },
	{ "DEL in value", "a=b\x7f", AM_E_SYNTAX },
	{ "bare CR in value", "a=b\rc", AM_E_SYNTAX },
	{ "CRLF not followed by WSP", "a=b\r\nc=d", AM_E_SYNTAX },
	{ "LF not followed by WSP", "a=b\nc", AM_E_SYNTAX },
	{ "CRLF CRLF (empty line)", "a=b\r\n\r\n c=d", AM_E_SYNTAX },
	{ "CRLF then ;", "a=b\r\n;c=d", AM_E_SYNTAX },
	{ "lone continuation byte", "a=\x80", AM_E_SYNTAX },
	{ "overlong UTF-8", "a=\xc0\xaf", AM_E_SYNTAX },
	{ "truncated UTF-8", "a=\xe2\x82", AM_E_SYNTAX },
	{ "UTF-8 surrogate", "a=\xed\xa0\x80", AM_E_SYNTAX },
	{ "beyond U+10FFFF", "a=\xf4\x90\x80\x80", AM_E_SYNTAX },
	{ "UTF-8 in tag name", "\xc3\xa4=1", AM_E_SYNTAX },
};

static void
test_good(void)
{
	struct am_tagval	 tv;
	struct am_err		 err;
	char			 name[160];
	size_t			 i;
	int			 rc;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		am_err_clear(&err);
		rc = am_tagval_parse(good[i].in, strlen(good[i].in), &tv, &err);
		snprintf(name, sizeof(name), "%s: parses", good[i].name);
		if (!ok(rc == 0, name))
			diag(err.msg);
		snprintf(name, sizeof(name), "%s: tag count", good[i].name);
		is_int(rc == 0 ? tv.n : 0, good[i].n, name);
	}
}

static void
test_bad(void)
{
	struct am_tagval	 tv;
	struct am_err		 err;
	char			 name[160];
	size_t			 i, len;
	int			 rc;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		am_err_clear(&err);
		len = strlen(bad[i].in);
		if (strcmp(bad[i].name, "NUL in value") == 0)
			len = 5;
		rc = am_tagval_parse(bad[i].in, len, &tv, &err);
		snprintf(name, sizeof(name), "%s: fails", bad[i].name);
		is_int(rc, -1, name);
		snprintf(name, sizeof(name), "%s: error code", bad[i].name);
		is_int(err.code, bad[i].code, name);
		snprintf(name, sizeof(name), "%s: has a message", bad[i].name);
		ok(err.msg[0] != '\0', name);
	}
	/* The same without an err record must not crash. */
	ok(am_tagval_parse("v=1;;", 5, &tv, NULL) == -1, "NULL err is allowed");
}

static void
test_views(void)
{
	static const char	 in[] = " v = 1 ;\r\n b = ab\r\n cd \t;\tp=;"
	    " z=a=b ";
	struct am_tagval	 tv;
	const struct am_tag	*t;

	ok(am_tagval_parse(in, sizeof(in) - 1, &tv, NULL) == 0, "views parse");
	t = am_tagval_get(&tv, "v");
	ok(t != NULL && t->name == in + 1, "v= name view points into input");
	is_mem(t ? t->value : NULL, t ? t->value_len : 0, "1", 1,
	    "v= value trimmed");
	t = am_tagval_get(&tv, "b");
	is_mem(t ? t->value : NULL, t ? t->value_len : 0, "ab\r\n cd", 7,
	    "inner FWS kept, outer FWS trimmed");
	t = am_tagval_get(&tv, "p");
	ok(t != NULL && t->value_len == 0, "empty p= is present, length 0");
	t = am_tagval_get(&tv, "z");
	is_mem(t ? t->value : NULL, t ? t->value_len : 0, "a=b", 3,
	    "= inside value");
	ok(am_tagval_get(&tv, "V") == NULL, "names are case-sensitive");
	ok(am_tagval_get(&tv, "x") == NULL, "absent tag is NULL");
	ok(am_tagval_get(&tv, "") == NULL, "empty name is NULL");
	is_int(tv.n, 4, "four tags");
	t = &tv.tags[1];
	is_mem(t->name, t->name_len, "b", 1, "tags kept in order");
}

static void
test_limits(void)
{
	char			 in[AM_TAGVAL_MAX * 8 + 16];
	struct am_tagval	 tv;
	struct am_err		 err;
	size_t			 i, len = 0;

	for (i = 0; i < AM_TAGVAL_MAX; i++)
		len += (size_t)snprintf(in + len, sizeof(in) - len, "t%zu=1;",
		    i);
	ok(am_tagval_parse(in, len, &tv, &err) == 0, "AM_TAGVAL_MAX tags ok");
	is_int(tv.n, AM_TAGVAL_MAX, "all of them kept");
	len += (size_t)snprintf(in + len, sizeof(in) - len, "u=2");
	am_err_clear(&err);
	ok(am_tagval_parse(in, len, &tv, &err) == -1, "one more fails");
	is_int(err.code, AM_E_LIMIT, "with AM_E_LIMIT");

	/* A length view, not a C string: bytes past len are not read. */
	ok(am_tagval_parse("v=1;\x01", 4, &tv, NULL) == 0, "len is honoured");
}

int
main(void)
{
	test_good();
	test_bad();
	test_views();
	test_limits();
	return done_testing();
}
