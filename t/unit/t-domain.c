/*
 * t-domain - domain identities: A-label conversion, equality, within
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "err.h"
#include "tap.h"

static const struct {
	const char	*name;
	const char	*in;
	const char	*want;
} conv[] = {
	{ "plain ASCII", "example.com", "example.com" },
	{ "ASCII lower-cased", "ExAmPle.COM", "example.com" },
	{ "single label", "localhost", "localhost" },
	{ "underscore allowed", "_dmarc.example.com", "_dmarc.example.com" },
	{ "hyphens and digits", "a-1.b2-c.example", "a-1.b2-c.example" },
	{ "U-label converted", "b\xc3\xbc" "cher.example",
	  "xn--bcher-kva.example" },
	{ "U-label upper case mapped", "B\xc3\x9c" "CHER.example",
	  "xn--bcher-kva.example" },
	{ "A-label passed through", "xn--bcher-kva.example",
	  "xn--bcher-kva.example" },
	{ "A-label lower-cased", "XN--BCHER-KVA.Example",
	  "xn--bcher-kva.example" },
	{ "mixed U- and A-labels", "b\xc3\xbc" "cher.xn--bcher-kva.example",
	  "xn--bcher-kva.xn--bcher-kva.example" },
	{ "IDN TLD", "example.\xd1\x80\xd1\x84", "example.xn--p1ai" },
	{ "63-octet label",
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.b",
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.b" },
};

static const struct {
	const char	*name;
	const char	*in;
} bad[] = {
	{ "empty", "" },
	{ "lone dot", "." },
	{ "leading dot", ".example.com" },
	{ "trailing dot", "example.com." },
	{ "empty label", "example..com" },
	{ "space", "exa mple.com" },
	{ "at sign", "joe@example.com" },
	{ "slash", "example.com/x" },
	{ "64-octet label",
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.b" },
	{ "invalid UTF-8", "b\xfc" "cher.example" },
	{ "bare A-label prefix", "xn--.example" },
	{ "disallowed code point", "a\xe2\x80\x8b" "b.example" },  /* ZWSP */
	{ "RFC 2047 encoded-word", "=?utf-8?q?b=C3=BCcher?=.example" },
};

static void
test_convert(void)
{
	struct am_err	 err;
	char		 name[160], *a;
	size_t		 i;

	for (i = 0; i < sizeof(conv) / sizeof(conv[0]); i++) {
		am_err_clear(&err);
		a = am_domain_to_alabel(conv[i].in, strlen(conv[i].in), &err);
		snprintf(name, sizeof(name), "convert: %s", conv[i].name);
		if (!is_str(a, conv[i].want, name))
			diag(err.msg);
		free(a);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		am_err_clear(&err);
		a = am_domain_to_alabel(bad[i].in, strlen(bad[i].in), &err);
		snprintf(name, sizeof(name), "reject: %s", bad[i].name);
		ok(a == NULL && err.msg[0] != '\0', name);
		snprintf(name, sizeof(name), "reject: %s: AM_E_SYNTAX",
		    bad[i].name);
		is_int(err.code, AM_E_SYNTAX, name);
		free(a);
	}
}

static void
test_limits(void)
{
	char	 in[400], *a;
	size_t	 n = 0;

	/* 4 x 62 + 3 dots = 251; one more "a." and "b" make 254. */
	while (n < 248) {
		memset(in + n, 'a', 62);
		n += 62;
		in[n++] = '.';
	}
	in[--n] = '\0';				/* 251 octets */
	a = am_domain_to_alabel(in, n, NULL);
	ok(a != NULL && strlen(a) == 251, "251-octet name accepted");
	free(a);
	memcpy(in + n, ".bc", 4);		/* 254 octets */
	a = am_domain_to_alabel(in, n + 3, NULL);
	ok(a == NULL, "254-octet name refused");
	free(a);

	/* A view: bytes past len do not count. */
	a = am_domain_to_alabel("example.com.evil", 11, NULL);
	is_str(a, "example.com", "length view honoured");
	free(a);
	a = am_domain_to_alabel("exa\0mple.com", 12, NULL);
	ok(a == NULL, "NUL refused");
	free(a);
}

static char *
dup_alabel(const char *s)
{
	return am_domain_to_alabel(s, strlen(s), NULL);
}

static void
test_compare(void)
{
	char	*u, *al;

	ok(am_domain_eq("Example.COM", "example.com"), "eq ignores case");
	ok(!am_domain_eq("example.com", "example.co"), "eq: prefix differs");
	ok(!am_domain_eq("example.com", "example.comm"), "eq: longer differs");
	ok(!am_domain_eq(NULL, "a"), "eq: NULL is never equal");

	ok(am_domain_within("example.com", "example.com"), "within: equal");
	ok(am_domain_within("mail.Example.com", "example.COM"),
	    "within: subdomain, any case");
	ok(am_domain_within("a.b.example.com", "example.com"),
	    "within: deep subdomain");
	ok(!am_domain_within("badexample.com", "example.com"),
	    "within: suffix without a dot is not within");
	ok(!am_domain_within("example.com", "mail.example.com"),
	    "within: parent is not within child");
	ok(!am_domain_within("com", "example.com"), "within: shorter");
	ok(!am_domain_within("example.com", ""), "within: empty dom");
	ok(!am_domain_within(NULL, "example.com"), "within: NULL");

	/* RFC 8616: U-label and A-label forms name the same domain. */
	u = dup_alabel("mail.b\xc3\xbc" "cher.example");
	al = dup_alabel("XN--BCHER-KVA.example");
	ok(u != NULL && al != NULL && am_domain_within(u, al),
	    "U-label subdomain within A-label domain");
	ok(u != NULL && al != NULL && !am_domain_eq(u, al),
	    "but not equal to it");
	free(u);
	u = dup_alabel("b\xc3\xbc" "cher.example");
	ok(u != NULL && al != NULL && am_domain_eq(u, al),
	    "b\xc3\xbc" "cher.example equals xn--bcher-kva.example");
	free(u);
	free(al);
}

int
main(void)
{
	test_convert();
	test_limits();
	test_compare();
	return done_testing();
}
