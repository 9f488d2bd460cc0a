/*
 * t-msgparse - splitting a raw message into fields and body, fed whole,
 * at every split point, and a byte at a time; limits and errors.
 */

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "msgparse.h"
#include "tap.h"

/* A transcript: "H<raw>|" per field, "E|" at end of headers; the body
 * bytes concatenated apart, since chunking changes how they arrive. */
struct rec {
	struct am_buf	 log;
	struct am_buf	 body;
	int		 eoh;		/* times eoh was called */
	int		 order_bad;	/* header after eoh, body before */
	int		 fail_at;	/* header callback fails on this one */
	int		 nhdr;
};

static int
on_header(void *ctx, const char *raw, size_t len, struct am_err *err)
{
	struct rec	*r = ctx;

	if (r->eoh)
		r->order_bad = 1;
	if (++r->nhdr == r->fail_at)
		return am_err_set(err, AM_E_SYNTAX, "refused by test");
	am_buf_append(&r->log, "H", 1);
	am_buf_append(&r->log, raw, len);
	am_buf_append(&r->log, "|", 1);
	return 0;
}

static int
on_eoh(void *ctx, struct am_err *err)
{
	struct rec	*r = ctx;

	r->eoh++;
	am_buf_append(&r->log, "E|", 2);
	return 0;
}

static int
on_body(void *ctx, const char *p, size_t n, struct am_err *err)
{
	struct rec	*r = ctx;

	if (!r->eoh || n == 0)
		r->order_bad = 1;
	am_buf_append(&r->body, p, n);
	return 0;
}

static const struct am_msgparse_cb cbs = { on_header, on_eoh, on_body };

static void
rec_init(struct rec *r)
{
	memset(r, 0, sizeof(*r));
	am_buf_init(&r->log, 1 << 16);
	am_buf_init(&r->body, 1 << 16);
}

static void
rec_release(struct rec *r)
{
	am_buf_release(&r->log);
	am_buf_release(&r->body);
}

/* parse - feed msg cut at cuts[0..ncuts), or a byte at a time if cuts
 * is NULL and ncuts is 1; returns the first failure */

static int
parse(const char *msg, size_t len, const size_t *cuts, size_t ncuts,
    size_t max_field, struct rec *r, struct am_err *err)
{
	struct am_msgparse	*mp;
	size_t			 i, off = 0;
	int			 rc = 0;

	am_buf_reset(&r->log);
	am_buf_reset(&r->body);
	r->eoh = r->order_bad = r->nhdr = 0;
	mp = am_msgparse_new(&cbs, r, max_field);
	if (cuts == NULL && ncuts == 1) {
		for (; off < len && rc == 0; off++)
			rc = am_msgparse_feed(mp, msg + off, 1, err);
		ncuts = 0;
	}
	for (i = 0; i <= ncuts && rc == 0; i++) {
		size_t	 to = i < ncuts ? cuts[i] : len;

		rc = am_msgparse_feed(mp, msg + off, to - off, err);
		off = to;
	}
	if (rc == 0)
		rc = am_msgparse_end(mp, err);
	am_msgparse_free(&mp);
	return rc;
}

static const struct {
	const char	*name;
	const char	*in;
	const char	*log;
	const char	*body;
} cases[] = {
	{ "CRLF message", "From: a\r\nTo: b\r\n\r\nbody\r\n",
	  "HFrom: a|HTo: b|E|", "body\r\n" },
	{ "LF message", "From: a\nTo: b\n\nbody\n",
	  "HFrom: a|HTo: b|E|", "body\n" },
	{ "folding kept, CRLF", "Subject: a\r\n b\r\n\tc\r\n\r\nx",
	  "HSubject: a\r\n b\r\n\tc|E|", "x" },
	{ "folding kept, LF", "Subject: a\n b\n\nx", "HSubject: a\n b|E|",
	  "x" },
	{ "mixed line ends", "A: 1\r\nB: 2\n \r\n\r\nbody",
	  "HA: 1|HB: 2\n |E|", "body" },
	{ "no blank line", "A: 1\r\nB: 2\r\n", "HA: 1|HB: 2|E|", "" },
	{ "no final line end", "A: 1\r\nB: 2", "HA: 1|HB: 2|E|", "" },
	{ "no-colon line ends headers", "A: 1\r\nThis is body\r\nC: 3\r\n",
	  "HA: 1|E|", "This is body\r\nC: 3\r\n" },
	{ "no-colon line at end of input", "A: 1\r\nxyz", "HA: 1|E|", "xyz" },
	{ "mbox From line", "From joe Mon Jan 1 12:00:00 2024\nA: b\n\n",
	  "E|", "From joe Mon Jan 1 12:00:00 2024\nA: b\n\n" },
	{ "WSP before colon", "Subject \t: x\r\n\r\n", "HSubject \t: x|E|", "" },
	{ "WSP in name ends headers", "A b: 1\r\n\r\n", "E|", "A b: 1\r\n\r\n" },
	{ "empty value", "A:\r\nB:\r\n\r\n", "HA:|HB:|E|", "" },
	{ "empty input", "", "E|", "" },
	{ "empty header block", "\r\nbody", "E|", "body" },
	{ "empty header block, LF", "\nbody\n", "E|", "body\n" },
	{ "continuation before any field", " x: y\r\n\r\n", "E|",
	  " x: y\r\n\r\n" },
	{ "blank line then WSP is body", "A: 1\r\n\r\n more",
	  "HA: 1|E|", " more" },
	{ "bare CR in value", "A: x\ry\r\n\r\n", "HA: x\ry|E|", "" },
	{ "CR CR LF ends a value in CR", "A: x\r\r\n\r\n", "HA: x\r|E|", "" },
	{ "line starting with bare CR", "A: 1\r\n\rB: 2\r\n",
	  "HA: 1|E|", "\rB: 2\r\n" },
	{ "last line a bare CR", "A: 1\r\n\r", "HA: 1|E|", "\r" },
	{ "value ends in bare CR at end", "A: 1\r", "HA: 1\r|E|", "" },
	{ "8-bit name is body", "\xc3\xa9: x\r\n\r\n", "E|",
	  "\xc3\xa9: x\r\n\r\n" },
	{ "colon first is body", ": x\r\n", "E|", ": x\r\n" },
	{ "body keeps everything", "A: 1\n\n\r\n\n \r\r\n.\n",
	  "HA: 1|E|", "\r\n\n \r\r\n.\n" },
	{ "name at end of input", "A: 1\nSubj", "HA: 1|E|", "Subj" },
	{ "continued at end of input", "A: 1\n ", "HA: 1\n |E|", "" },
};

static int
rec_same(const struct rec *r, const struct rec *w)
{
	return r->log.len == w->log.len && r->body.len == w->body.len &&
	    memcmp(am_buf_str(&r->log), am_buf_str(&w->log), w->log.len) == 0 &&
	    memcmp(am_buf_str(&r->body), am_buf_str(&w->body),
	    w->body.len) == 0 && r->eoh == 1 && !r->order_bad;
}

static void
test_cases(void)
{
	struct rec	 whole, part;
	struct am_err	 err;
	size_t		 i, len, cuts[2], tried, bad;
	char		 msg[200];

	rec_init(&whole);
	rec_init(&part);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = strlen(cases[i].in);
		is_int(parse(cases[i].in, len, NULL, 0, 1000, &whole, &err), 0,
		    cases[i].name);
		is_str(am_buf_str(&whole.log), cases[i].log, "... fields");
		is_mem(whole.body.data, whole.body.len, cases[i].body,
		    strlen(cases[i].body), "... body");
		ok(whole.eoh == 1 && !whole.order_bad, "... eoh once, in order");

		tried = bad = 0;
		for (cuts[0] = 0; cuts[0] <= len; cuts[0]++)
			for (cuts[1] = cuts[0]; cuts[1] <= len; cuts[1]++) {
				tried++;
				if (parse(cases[i].in, len, cuts, 2, 1000, &part,
				    &err) != 0 || !rec_same(&part, &whole))
					bad++;
			}
		snprintf(msg, sizeof(msg), "... %zu ways to cut in 3 agree",
		    tried);
		is_int(bad, 0, msg);
		bad = parse(cases[i].in, len, NULL, 1, 1000, &part, &err) != 0 ||
		    !rec_same(&part, &whole);
		is_int(bad, 0, "... 1-byte chunks agree");
	}
	rec_release(&whole);
	rec_release(&part);
}

/* test_limit - a field of exactly max bytes passes, one more fails,
 * wherever the chunks are cut (the final CR must not count) */

static void
test_limit(void)
{
	static const char *const tail[] = {
		"\r\n\r\nbody", "\n\n", "", "\r\n x\r\n",
	};
	char		 in[200], v[100];
	struct rec	 r;
	struct am_err	 err;
	size_t		 f, cut, len, max, badok, badfail;
	char		 msg[160];

	rec_init(&r);
	memset(v, 'v', 60);
	v[60] = '\0';
	for (f = 0; f < sizeof(tail) / sizeof(tail[0]); f++) {
		len = (size_t)snprintf(in, sizeof(in), "A: %s%s", v, tail[f]);
		max = f == 3 ? 3 + 60 + 4 : 3 + 60;	/* "A: " + value */
		badok = badfail = 0;
		for (cut = 0; cut <= len; cut++) {
			if (parse(in, len, &cut, 1, max, &r, &err) != 0)
				badok++;
			am_err_clear(&err);
			if (parse(in, len, &cut, 1, max - 1, &r, &err) != -1 ||
			    err.code != AM_E_LIMIT)
				badfail++;
		}
		snprintf(msg, sizeof(msg), "limit form %zu: exactly max passes "
		    "at every cut", f);
		is_int(badok, 0, msg);
		snprintf(msg, sizeof(msg), "limit form %zu: max - 1 gives "
		    "AM_E_LIMIT at every cut", f);
		is_int(badfail, 0, msg);
	}

	/* A long run of name bytes without a colon is bounded too. */
	memset(in, 'N', 150);
	is_int(parse(in, 150, NULL, 0, 100, &r, &err), -1,
	    "over-long name without colon fails");
	is_int(err.code, AM_E_LIMIT, "... with AM_E_LIMIT");
	rec_release(&r);
}

static void
test_errors(void)
{
	struct rec		 r;
	struct am_err		 err;
	struct am_msgparse	*mp;
	const char		*m = "A: 1\r\nB: 2\r\nC: 3\r\n\r\nbody";
	struct am_msgparse_cb	 none = { NULL, NULL, NULL };

	rec_init(&r);
	r.fail_at = 2;
	am_err_clear(&err);
	is_int(parse(m, strlen(m), NULL, 0, 100, &r, &err), -1,
	    "a failing header callback stops the parse");
	is_int(err.code, AM_E_SYNTAX, "... with the callback's error");
	is_str(am_buf_str(&r.log), "HA: 1|", "... after the first field");

	mp = am_msgparse_new(&cbs, &r, 100);
	r.fail_at = 1;
	r.nhdr = 0;
	is_int(am_msgparse_feed(mp, "A: 1\r\nB", 8, &err), -1, "feed fails");
	is_int(am_msgparse_feed(mp, "x", 1, &err), -1, "... and stays failed");
	is_int(am_msgparse_end(mp, &err), -1, "... end too");
	am_msgparse_free(&mp);
	ok(mp == NULL, "free sets the pointer to NULL");
	am_msgparse_free(&mp);

	r.fail_at = 0;
	mp = am_msgparse_new(&cbs, &r, 100);
	is_int(am_msgparse_feed(mp, NULL, 0, &err), 0, "feed NULL, 0");
	is_int(am_msgparse_end(mp, &err), 0, "end on nothing");
	is_int(am_msgparse_feed(mp, "x", 1, &err), -1, "feed after end fails");
	is_int(err.code, AM_E_USAGE, "... as a usage error");
	am_msgparse_free(&mp);

	mp = am_msgparse_new(&none, NULL, 100);
	ok(am_msgparse_feed(mp, m, strlen(m), NULL) == 0 &&
	    am_msgparse_end(mp, NULL) == 0, "NULL callbacks and err are fine");
	am_msgparse_free(&mp);
	rec_release(&r);
}

int
main(void)
{
	test_cases();
	test_limit();
	test_errors();
	return done_testing();
}
