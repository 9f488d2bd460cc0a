/*
 * t-hdr - header field split, name compare, unfold, and the bounded
 * collection (normalized copies, limits, stable views)
 */

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "hdr.h"
#include "tap.h"

static const struct {
	const char	*raw;
	const char	*name;		/* NULL: must fail */
	const char	*value;
} splits[] = {
	{ "Subject: hi", "Subject", " hi" },
	{ "Subject:hi", "Subject", "hi" },
	{ "Subject :hi", "Subject", "hi" },
	{ "Subject \t : hi", "Subject", " hi" },
	{ "X-A:", "X-A", "" },
	{ "A: b\r\n c", "A", " b\r\n c" },
	{ "Date: 12:30:00", "Date", " 12:30:00" },
	{ "~!@#$%^&*()_+: x", "~!@#$%^&*()_+", " x" },
	{ "", NULL, NULL },
	{ ": x", NULL, NULL },
	{ " A: x", NULL, NULL },
	{ "NoColon", NULL, NULL },
	{ "No Colon", NULL, NULL },
	{ "Sub ject: x", NULL, NULL },
	{ "Bad\x80Name: x", NULL, NULL },
	{ "A\r\n : x", NULL, NULL },
	{ "A\x7f: x", NULL, NULL },
	{ "A ", NULL, NULL },
};

/* vis - s with CR and LF made visible, for test names */

static const char *
vis(const char *s)
{
	static char	 v[100];
	size_t		 n = 0;

	for (; *s != '\0' && n + 3 < sizeof(v); s++) {
		if (*s == '\r' || *s == '\n') {
			v[n++] = '\\';
			v[n++] = *s == '\r' ? 'r' : 'n';
		} else
			v[n++] = *s;
	}
	v[n] = '\0';
	return v;
}

static void
test_split(void)
{
	struct am_hdr	 h;
	struct am_err	 err;
	size_t		 i, len;
	char		 msg[160];
	int		 r;

	for (i = 0; i < sizeof(splits) / sizeof(splits[0]); i++) {
		len = strlen(splits[i].raw);
		am_err_clear(&err);
		r = am_hdr_split(splits[i].raw, len, &h, &err);
		if (splits[i].name == NULL) {
			snprintf(msg, sizeof(msg), "split rejects \"%s\"",
			    vis(splits[i].raw));
			ok(r == -1 && err.code == AM_E_SYNTAX && err.msg[0] != '\0',
			    msg);
			continue;
		}
		snprintf(msg, sizeof(msg), "split \"%s\"", vis(splits[i].raw));
		is_int(r, 0, msg);
		is_mem(h.name, h.name_len, splits[i].name,
		    strlen(splits[i].name), "... name");
		is_mem(h.value, h.value_len, splits[i].value,
		    strlen(splits[i].value), "... value");
		ok(h.raw == splits[i].raw && h.raw_len == len,
		    "... raw is the input");
	}
	is_int(am_hdr_split("A: b", 4, &h, NULL), 0, "split with NULL err");
	is_int(am_hdr_split("A b", 3, &h, NULL), -1, "fail with NULL err");
	/* The length bounds the view: no reading past it. */
	is_int(am_hdr_split("Subject: x", 7, &h, NULL), -1,
	    "split honours len");
}

static void
test_name_is(void)
{
	ok(am_hdr_name_is("From", 4, "from"), "name_is ignores case");
	ok(am_hdr_name_is("DKIM-Signature", 14, "dkim-signature"),
	    "name_is with a dash");
	ok(am_hdr_name_is("fROMx", 4, "From"), "name_is uses len");
	ok(!am_hdr_name_is("From", 4, "Fro"), "name_is: want shorter");
	ok(!am_hdr_name_is("Fro", 3, "From"), "name_is: want longer");
	ok(!am_hdr_name_is("Frum", 4, "From"), "name_is: differs");
	ok(am_hdr_name_is("", 0, ""), "name_is: both empty");
	ok(!am_hdr_name_is("[", 1, "{"), "name_is: only letters fold");
	ok(!am_hdr_name_is("\xc0", 1, "\xe0"), "name_is: ASCII only");
}

static void
test_unfold(void)
{
	struct am_buf	 b;

	am_buf_init(&b, 64);
	am_hdr_unfold(" a\r\n b\n\tc", 9, &b);
	is_str(am_buf_str(&b), " a b\tc", "unfold CRLF and LF folding");
	am_buf_reset(&b);
	am_hdr_unfold("a\rb\r\n\r\nc\n", 10, &b);
	is_str(am_buf_str(&b), "abc", "unfold drops stray CR and LF too");
	am_buf_reset(&b);
	is_int(am_hdr_unfold(NULL, 0, &b), 0, "unfold NULL, 0");
	am_buf_appends(&b, "x=");
	is_int(am_hdr_unfold("", 0, &b), 0, "unfold nothing");
	is_str(am_buf_str(&b), "x=", "unfold appends");
	am_buf_release(&b);

	am_buf_init(&b, 4);
	is_int(am_hdr_unfold("abc\r\n de", 8, &b), -1, "unfold into full buf");
	ok(b.err, "... sets err");
	am_buf_release(&b);
}

static void
test_hdrs(void)
{
	struct am_hdrs		*hs;
	const struct am_hdr	*h;
	const char		*first;
	struct am_err		 err;
	size_t			 i;
	char			 f[32];

	hs = am_hdrs_new(100, 10000);
	is_int(am_hdrs_count(hs), 0, "new collection is empty");
	ok(am_hdrs_get(hs, 0) == NULL, "get past the end is NULL");

	is_int(am_hdrs_add_raw(hs, "From: a@b", 9, &err), 0, "add_raw");
	is_int(am_hdrs_add(hs, "Subject", 7, " hi\n\tthere", 10, &err), 0,
	    "add name and value (milter form, bare LF folding)");
	is_int(am_hdrs_add_raw(hs, "X: a\n b\r\n c\rd", 13, &err), 0,
	    "add_raw with mixed folding");
	is_int(am_hdrs_count(hs), 3, "three fields");

	h = am_hdrs_get(hs, 0);
	is_mem(h->raw, h->raw_len, "From: a@b", 9, "field 0 raw");
	is_mem(h->name, h->name_len, "From", 4, "field 0 name");
	is_mem(h->value, h->value_len, " a@b", 4, "field 0 value");
	first = h->raw;

	h = am_hdrs_get(hs, 1);
	is_str(h->raw, "Subject: hi\r\n\tthere", "field 1 built, LF made CRLF");
	is_mem(h->name, h->name_len, "Subject", 7, "field 1 name");
	is_mem(h->value, h->value_len, " hi\r\n\tthere", 11, "field 1 value");
	is_int(h->raw_len, strlen(h->raw), "field 1 length, NUL-terminated");

	h = am_hdrs_get(hs, 2);
	is_str(h->raw, "X: a\r\n b\r\n c\rd",
	    "field 2: bare LF made CRLF, CRLF and bare CR kept");

	is_int(am_hdrs_add_raw(hs, "Bad Name: x", 11, &err), -1,
	    "add_raw rejects a bad name");
	is_int(err.code, AM_E_SYNTAX, "... AM_E_SYNTAX");
	is_int(am_hdrs_add(hs, "", 0, "x", 1, &err), -1,
	    "add rejects an empty name");
	is_int(am_hdrs_count(hs), 3, "rejected fields are not stored");

	for (i = 0; i < 90; i++) {
		snprintf(f, sizeof(f), "X-%zu: %zu", i, i);
		am_hdrs_add_raw(hs, f, strlen(f), &err);
	}
	is_int(am_hdrs_count(hs), 93, "93 fields");
	ok(am_hdrs_get(hs, 0)->raw == first,
	    "field copies do not move as the collection grows");
	h = am_hdrs_get(hs, 92);
	is_mem(h->raw, h->raw_len, "X-89: 89", 8, "last field");
	am_hdrs_free(&hs);
	ok(hs == NULL, "free sets NULL");
	am_hdrs_free(&hs);

	/* Count limit. */
	hs = am_hdrs_new(2, 1000);
	am_hdrs_add_raw(hs, "A: 1", 4, &err);
	am_hdrs_add_raw(hs, "B: 2", 4, &err);
	am_err_clear(&err);
	is_int(am_hdrs_add_raw(hs, "C: 3", 4, &err), -1, "field count limit");
	is_int(err.code, AM_E_LIMIT, "... AM_E_LIMIT");
	am_hdrs_free(&hs);

	/* Byte limit: exact fit, then one byte more fails; CRLF counts. */
	hs = am_hdrs_new(10, 12);
	is_int(am_hdrs_add_raw(hs, "A: 123456", 9, &err), 0, "9 of 12 bytes");
	is_int(am_hdrs_add(hs, "B", 1, "\n", 1, &err), -1,
	    "normalized length counts (B:\\r\\n is 4 > 3)");
	is_int(err.code, AM_E_LIMIT, "... AM_E_LIMIT");
	is_int(am_hdrs_add(hs, "B", 1, "x", 1, &err), 0, "exact fit");
	is_int(am_hdrs_add_raw(hs, "C:", 2, &err), -1, "over the byte limit");
	is_int(am_hdrs_add(hs, "C", (size_t)-1 / 2, "x", (size_t)-1 / 2,
	    &err), -1, "absurd lengths are a limit error, not an overflow");
	is_int(am_hdrs_count(hs), 2, "two fields stored");
	am_hdrs_free(&hs);
}

int
main(void)
{
	test_split();
	test_name_is();
	test_unfold();
	test_hdrs();
	return done_testing();
}
