/*
 * t-authres - Authentication-Results building (RFC 8601)
 */

#include <stdio.h>
#include <string.h>

#include "authres.h"
#include "err.h"
#include "tap.h"

/* The longest line of v (without its LF). */
static size_t
longest_line(const char *v)
{
	size_t	 max = 0, n;
	const char *nl;

	for (;;) {
		nl = strchr(v, '\n');
		n = nl != NULL ? (size_t)(nl - v) : strlen(v);
		if (n > max)
			max = n;
		if (nl == NULL)
			return max;
		v = nl + 1;
	}
}

static size_t
count(const char *v, const char *what)
{
	size_t	 n = 0;

	while ((v = strstr(v, what)) != NULL) {
		n++;
		v++;
	}
	return n;
}

/* A dkim resinfo with a 3,000-character b= and a long i=. */
static void
hostile_dkim(struct am_authres *r, const char *result, int i)
{
	char	 b[3001], id[600];

	memset(b, 'A', sizeof(b) - 1);
	(void)snprintf(b + 2990, 11, "%010u", (unsigned)i % 100000u);
	memset(id, 'x', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	id[10] = '@';
	am_authres_init(r);
	am_authres_method(r, "dkim", result);
	am_authres_comment(r, "2048-bit key");
	am_authres_reason(r, "signature verification failed");
	am_authres_prop(r, "header", "d", "example.net");
	am_authres_prop(r, "header", "i", id);
	am_authres_prop(r, "header", "b", b);
}

/* What our own parser makes of a finished field (unfolded first). */
static int
parses(const char *v, struct am_authres_parsed *ar)
{
	struct am_err	 err;

	return am_authres_parse(v, strlen(v), ar, &err);
}

static void
field_tests(void)
{
	static struct am_authres_parsed	 ar;
	struct am_authres	 r;
	struct am_buf		 f;
	char			 longr[600];
	int			 i;

	/* Elements are bounded. */
	hostile_dkim(&r, "fail", 1);
	ok(strstr(am_authres_str(&r), "header.b=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	    != NULL && strstr(am_authres_str(&r), "header.b=AAAAAAAAAAAAAAAAAAA"
	    "AAAAAAAAAAAAAA") == NULL, "header.b= is cut to AM_AUTHRES_B_MAX");
	ok(strstr(am_authres_str(&r), "(header.i omitted: 599 octets)") != NULL &&
	    strstr(am_authres_str(&r), "header.i=") == NULL,
	    "an over-long property is left out and a comment says so");
	ok(!am_authres_failed(&r), "and the resinfo stays within its bound");
	am_authres_release(&r);
	memset(longr, 'r', sizeof(longr) - 1);
	longr[sizeof(longr) - 1] = '\0';
	am_authres_init(&r);
	am_authres_method(&r, "dkim", "fail");
	am_authres_reason(&r, longr);
	ok(strlen(am_authres_str(&r)) < AM_AUTHRES_TEXT_MAX + 32 &&
	    strstr(am_authres_str(&r), "...\"") != NULL,
	    "an over-long reason is cut and ends in ...");
	am_authres_release(&r);

	/* Ten hostile signatures: one folded field, every line short. */
	am_buf_init(&f, 64 * 1024);
	(void)am_buf_appends(&f, " mx.example.org");
	for (i = 0; i < 10; i++) {
		hostile_dkim(&r, "fail", i);
		(void)am_buf_printf(&f, ";\n\t%s", am_authres_str(&r));
		am_authres_release(&r);
	}
	ok(am_authres_finish(&f, AM_AUTHRES_FOLD) == 0, "ten: finished");
	ok(longest_line(am_buf_str(&f)) <= AM_AUTHRES_FOLD_AT &&
	    strchr(am_buf_str(&f), '\n') - am_buf_str(&f) +
	    sizeof("Authentication-Results:") - 1 <= AM_AUTHRES_FOLD_AT,
	    "ten: every line within 78 octets");
	ok(count(am_buf_str(&f), "dkim=fail") == 10 &&
	    count(am_buf_str(&f), "not shown") == 0, "ten: all ten shown");
	ok(am_buf_str(&f)[0] == ' ', "the leading space is kept");
	ok(parses(am_buf_str(&f), &ar) == 0 && ar.n == 10,
	    "ten: the folded field parses back, ten results");
	am_buf_release(&f);

	/* 64 with an spf and a dmarc result last: summarized, not dropped;
	 * other methods and passes kept first. */
	am_buf_init(&f, 64 * 1024);
	(void)am_buf_appends(&f, "mx.example.org");
	for (i = 0; i < 64; i++) {
		hostile_dkim(&r, i == 50 ? "pass" : "fail", i);
		(void)am_buf_printf(&f, "; %s", am_authres_str(&r));
		am_authres_release(&r);
	}
	(void)am_buf_appends(&f, "; spf=pass smtp.mailfrom=a@example.net"
	    "; dmarc=pass header.from=example.net");
	ok(am_authres_finish(&f, AM_AUTHRES_FOLD) == 0, "64: finished");
	ok(f.len <= AM_AUTHRES_FIELD_MAX, "64: within AM_AUTHRES_FIELD_MAX");
	ok(longest_line(am_buf_str(&f)) < 998, "64: no line reaches 998");
	ok(strstr(am_buf_str(&f), "spf=pass") != NULL &&
	    strstr(am_buf_str(&f), "dmarc=pass") != NULL,
	    "64: the spf and dmarc results are kept");
	ok(strstr(am_buf_str(&f), "dkim=pass") != NULL,
	    "64: the one dkim=pass is kept");
	ok(parses(am_buf_str(&f), &ar) == 0 && ar.n <= AM_AUTHRES_FIELD_MAXRES,
	    "64: parses back within AM_AUTHRES_FIELD_MAXRES results");
	{
		char	 want[80];
		size_t	 shown = count(am_buf_str(&f), "dkim=fail (");

		(void)snprintf(want, sizeof(want), "(%zu more results not "
		    "shown: dkim=fail %zu)", 63 - shown, 63 - shown);
		ok(shown > 0 && strstr(am_buf_str(&f), want) != NULL,
		    "64: the rest are counted in a closing comment");
		diag(want);
	}
	am_buf_release(&f);

	/* One line for the tool: no LF; and only an authserv-id: none. */
	am_buf_init(&f, 4096);
	(void)am_buf_appends(&f, "mx; dkim=pass header.d=example.net; "
	    "spf=none smtp.mailfrom=x@y.example");
	ok(am_authres_finish(&f, AM_AUTHRES_ONELINE) == 0 &&
	    strcmp(am_buf_str(&f), "mx; dkim=pass header.d=example.net; "
	    "spf=none smtp.mailfrom=x@y.example") == 0,
	    "one line: a short field is unchanged");
	am_buf_reset(&f);
	(void)am_buf_appends(&f, " \"a; b\"");
	ok(am_authres_finish(&f, AM_AUTHRES_FOLD) == 0 &&
	    strcmp(am_buf_str(&f), " \"a; b\"; none") == 0,
	    "a ';' in a quoted authserv-id is no separator; none added");
	am_buf_reset(&f);
	(void)am_buf_appends(&f, "mx;; dkim=pass;");
	ok(am_authres_finish(&f, AM_AUTHRES_ONELINE) == 0 &&
	    strcmp(am_buf_str(&f), "mx; dkim=pass") == 0,
	    "empty pieces are dropped, never written as ';;'");
	am_buf_release(&f);
}

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
	field_tests();
	return done_testing();
}
