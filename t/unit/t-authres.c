/*
 * t-authres - Authentication-Results building (RFC 8601)
 */

#include <string.h>

#include "authres.h"
#include "tap.h"

static void
value_is(const char *v, const char *want, const char *name)
{
	struct am_buf	 b;

	am_buf_init(&b, 1024);
	am_authres_value(&b, v);
	is_str(am_buf_str(&b), want, name);
	am_buf_release(&b);
}

int
main(void)
{
	struct am_authres	 r[2];
	struct am_buf		 h;
	int			 i;

	value_is("example.com", "example.com", "domain is bare");
	value_is("@example.com", "@example.com", "@domain is bare");
	value_is("joe@football.example.com", "joe@football.example.com",
	    "local@domain is bare");
	value_is("rsa-sha256", "rsa-sha256", "token is bare");
	value_is("AbCd/eF+", "\"AbCd/eF+\"", "base64 with / is quoted");
	value_is("ab=", "\"ab=\"", "= forces quotes");
	value_is("a b", "\"a b\"", "space forces quotes");
	value_is("say \"hi\"\\", "\"say \\\"hi\\\"\\\\\"",
	    "quotes and backslash escaped");
	value_is("a\r\nb", "\"a  b\"", "CR LF in a value never reaches the header");
	value_is("bücher.example", "\"bücher.example\"", "UTF-8 value quoted");
	value_is("", "\"\"", "empty value quoted");
	value_is("a;b", "\"a;b\"", "semicolon forces quotes");
	value_is("a..b", "a..b", "a token with dots is bare");
	value_is("a b@example.com", "\"a b@example.com\"",
	    "local-part with space quoted");
	value_is("sel_1.example", "sel_1.example", "underscore allowed");

	am_authres_init(&r[0]);
	am_authres_method(&r[0], "dkim", "fail");
	am_authres_comment(&r[0], "2048-bit key (a) \\ b");
	am_authres_reason(&r[0], "body hash mismatch");
	am_authres_prop(&r[0], "header", "d", "example.com");
	am_authres_prop(&r[0], "header", "b", "AbCdEfGh");
	is_str(am_authres_str(&r[0]), "dkim=fail (2048-bit key \\(a\\) \\\\ b) "
	    "reason=\"body hash mismatch\" header.d=example.com "
	    "header.b=AbCdEfGh", "resinfo with comment, reason, props");
	am_authres_init(&r[1]);
	am_authres_method(&r[1], "dkim", "pass");
	am_authres_reason(&r[1], "ok");
	is_str(am_authres_str(&r[1]), "dkim=pass reason=\"ok\"",
	    "a one-word reason is still quoted");

	am_buf_init(&h, 4096);
	(void)am_authres_header("mx.example.org", r, 2, &h);
	ok(strncmp(am_buf_str(&h), "mx.example.org; dkim=fail ", 26) == 0 &&
	    strstr(am_buf_str(&h), "; dkim=pass reason=\"ok\"") != NULL,
	    "header joins resinfos with ;");
	am_buf_reset(&h);
	(void)am_authres_header("mx.example.org", r, 0, &h);
	is_str(am_buf_str(&h), "mx.example.org; none", "no results: none");
	am_buf_release(&h);

	/* A huge comment fails cleanly at the bound. */
	for (i = 0; i < 500; i++)
		am_authres_comment(&r[1], "0123456789");
	ok(am_authres_failed(&r[1]), "oversized resinfo sets the error");
	ok(strlen(am_authres_str(&r[1])) <= AM_AUTHRES_MAX,
	    "and stays within its bound");
	am_authres_release(&r[0]);
	am_authres_release(&r[1]);
	return done_testing();
}
