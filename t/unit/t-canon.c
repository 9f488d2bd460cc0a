/*
 * t-canon - header and body canonicalization: RFC 6376 examples, the
 * line-end decisions, chunk-split invariance, a naive reference
 * implementation on generated bodies, and constant memory.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "buf.h"
#include "canon.h"
#include "canon_simd.h"
#include "tap.h"

#define BIG_MAX		((size_t)64 << 20)

/* The relaxed block kernel run() and run_cuts() ask for. */
static enum am_canon_kernel kernel = AM_CANON_KERNEL_AUTO;

static void
to_buf(void *ctx, const unsigned char *p, size_t n)
{
	(void)am_buf_append(ctx, p, n);
}

/*
 * feed_alone - am_canon_body on a copy of p[0..n) in a buffer of its
 * own, exactly n bytes long: under ASan a read past a chunk's end (or
 * before its start) is caught, which it is not inside a larger buffer
 */

static void
feed_alone(struct am_canon *c, const unsigned char *p, size_t n)
{
	unsigned char	*copy = malloc(n > 0 ? n : 1);

	if (copy == NULL)
		abort();
	if (n > 0)
		memcpy(copy, p, n);
	am_canon_body(c, copy, n);
	free(copy);
}

/* run_cuts - canonicalize in, cut at the offsets in cuts[0..ncuts) */

static void
run_cuts(enum am_canon_mode mode, const void *in, size_t len,
    const size_t *cuts, size_t ncuts, struct am_buf *out)
{
	const unsigned char	*p = in;
	struct am_canon		*c;
	size_t			 i, off = 0;

	am_buf_reset(out);
	c = am_canon_new(mode, to_buf, out);
	(void)am_canon_set_kernel(c, kernel);	/* checked in test_kernels */
	for (i = 0; i < ncuts; i++) {
		feed_alone(c, p + off, cuts[i] - off);
		off = cuts[i];
	}
	feed_alone(c, p + off, len - off);
	am_canon_body_end(c);
	am_canon_free(&c);
}

/* run - canonicalize in, fed in chunks of step bytes */

static void
run(enum am_canon_mode mode, const void *in, size_t len, size_t step,
    struct am_buf *out)
{
	const unsigned char	*p = in;
	struct am_canon		*c;
	size_t			 off, n;

	am_buf_reset(out);
	c = am_canon_new(mode, to_buf, out);
	(void)am_canon_set_kernel(c, kernel);
	for (off = 0; off < len; off += n) {
		n = len - off < step ? len - off : step;
		feed_alone(c, p + off, n);
	}
	am_canon_body_end(c);
	am_canon_free(&c);
}

/*
 * ref - the obvious implementation, written from RFC 6376 3.4.3/3.4.4
 * and the canon.h line-end decisions without regard to speed: cut the
 * body into lines, canonicalize each, drop trailing empty lines.
 */

static void
ref(enum am_canon_mode mode, const unsigned char *in, size_t len,
    struct am_buf *out)
{
	size_t	 i, s, e, blanks = 0, k;
	int	 any = 0, wsp, content;

	am_buf_reset(out);
	for (s = 0; s < len; s = i + 1) {
		for (i = s; i < len && in[i] != '\n'; i++)
			;
		e = i;			/* line is in[s..e), CR of CR LF cut */
		if (i < len && e > s && in[e - 1] == '\r')
			e--;
		if (i == len && s == len)
			break;
		content = 0;
		wsp = 0;
		for (k = s; k < e; k++) {
			if (mode == AM_CANON_RELAXED &&
			    (in[k] == ' ' || in[k] == '\t')) {
				wsp = 1;
				continue;
			}
			if (!content)
				for (; blanks > 0; blanks--)
					am_buf_append(out, "\r\n", 2);
			if (wsp)
				am_buf_append(out, " ", 1);
			wsp = 0;
			content = any = 1;
			am_buf_append(out, in + k, 1);
		}
		if (content)
			am_buf_append(out, "\r\n", 2);
		else
			blanks++;
	}
	if (mode == AM_CANON_SIMPLE && !any)
		am_buf_append(out, "\r\n", 2);
}

static const struct {
	const char		*name;
	enum am_canon_mode	 mode;
	const char		*in;
	const char		*want;
} cases[] = {
	{ "rfc6376 3.4.6 relaxed", AM_CANON_RELAXED,
	  " C \r\nD \t E\r\n\r\n\r\n", " C\r\nD E\r\n" },
	{ "rfc6376 3.4.6 simple", AM_CANON_SIMPLE,
	  " C \r\nD \t E\r\n\r\n\r\n", " C \r\nD \t E\r\n" },
	{ "empty body, simple", AM_CANON_SIMPLE, "", "\r\n" },
	{ "empty body, relaxed", AM_CANON_RELAXED, "", "" },
	{ "only empty lines, simple", AM_CANON_SIMPLE, "\r\n\r\n\n", "\r\n" },
	{ "only empty lines, relaxed", AM_CANON_RELAXED, "\r\n\n\r\n", "" },
	{ "no final CRLF, relaxed", AM_CANON_RELAXED, "a  b ", "a b\r\n" },
	{ "no final CRLF, simple", AM_CANON_SIMPLE, "a  b ", "a  b \r\n" },
	{ "inner blank line kept, relaxed", AM_CANON_RELAXED,
	  "a\r\n\r\nb\r\n", "a\r\n\r\nb\r\n" },
	{ "inner blank lines kept, simple", AM_CANON_SIMPLE,
	  "a\r\n\r\n\r\nb\r\n\r\n", "a\r\n\r\n\r\nb\r\n" },
	{ "trailing empty lines dropped, simple", AM_CANON_SIMPLE,
	  "a\r\n\r\n\r\n\r\n", "a\r\n" },
	{ "trailing empty lines dropped, relaxed", AM_CANON_RELAXED,
	  "a\r\n\r\n\n\r\n", "a\r\n" },
	{ "WSP-only lines become empty, relaxed", AM_CANON_RELAXED,
	  "a\r\n \t \r\n\t\r\nb\r\n  \r\n \r\n", "a\r\n\r\n\r\nb\r\n" },
	{ "WSP-only lines kept, simple", AM_CANON_SIMPLE,
	  "a\r\n \t \r\n\r\n", "a\r\n \t \r\n" },
	{ "WSP-only body, relaxed", AM_CANON_RELAXED, "  \t\r\n ", "" },
	{ "bare LF is a line end, simple", AM_CANON_SIMPLE,
	  "a\nb \n\n", "a\r\nb \r\n" },
	{ "bare LF is a line end, relaxed", AM_CANON_RELAXED,
	  "a \nb\t\n\nc", "a\r\nb\r\n\r\nc\r\n" },
	{ "bare CR is a byte, simple", AM_CANON_SIMPLE,
	  "a\rb\r\n\r", "a\rb\r\n\r\r\n" },
	{ "bare CR is not WSP, relaxed", AM_CANON_RELAXED,
	  "a \r b \r\r\n", "a \r b \r\r\n" },
	{ "bare CR alone on a line, relaxed", AM_CANON_RELAXED,
	  "\r\r\n\r\n", "\r\r\n" },
	{ "CR CR LF, simple", AM_CANON_SIMPLE, "x\r\r\n", "x\r\r\n" },
	{ "LF CR LF, simple", AM_CANON_SIMPLE, "x\n\r\ny", "x\r\n\r\ny\r\n" },
	{ "leading WSP collapsed, relaxed", AM_CANON_RELAXED,
	  "\t\t a\r\n b\r\n", " a\r\n b\r\n" },
	{ "trailing WSP before bare LF, relaxed", AM_CANON_RELAXED,
	  "a \t\nb", "a\r\nb\r\n" },
	{ "NUL and 8-bit bytes pass, relaxed", AM_CANON_RELAXED,
	  "\x01 \xff\t\x7f\r\n", "\x01 \xff \x7f\r\n" },
};

/* check_splits - every 2-way and (if short) 3-way split gives whole */

static void
check_splits(enum am_canon_mode mode, const char *name, const char *in,
    size_t len, const struct am_buf *whole, struct am_buf *part)
{
	char	 msg[200];
	size_t	 cuts[2], bad = 0, tried = 0;

	for (cuts[0] = 0; cuts[0] <= len; cuts[0]++) {
		run_cuts(mode, in, len, cuts, 1, part);
		tried++;
		if (part->len != whole->len ||
		    memcmp(part->data, whole->data, whole->len) != 0)
			bad++;
		if (len > 40)
			continue;
		for (cuts[1] = cuts[0]; cuts[1] <= len; cuts[1]++) {
			run_cuts(mode, in, len, cuts, 2, part);
			tried++;
			if (part->len != whole->len ||
			    memcmp(part->data, whole->data, whole->len) != 0)
				bad++;
		}
	}
	snprintf(msg, sizeof(msg), "%s: %zu split points agree", name, tried);
	is_int(bad, 0, msg);
	run(mode, in, len, 1, part);
	snprintf(msg, sizeof(msg), "%s: 1-byte chunks", name);
	is_mem(part->data, part->len, whole->data, whole->len, msg);
}

static void
test_cases(void)
{
	struct am_buf	 whole, part;
	size_t		 i, len;

	am_buf_init(&whole, 1 << 20);
	am_buf_init(&part, 1 << 20);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = strlen(cases[i].in);
		run(cases[i].mode, cases[i].in, len, len + 1, &whole);
		is_mem(whole.data, whole.len, cases[i].want,
		    strlen(cases[i].want), cases[i].name);
		ref(cases[i].mode, (const unsigned char *)cases[i].in, len,
		    &part);
		is_mem(part.data, part.len, cases[i].want,
		    strlen(cases[i].want), "reference agrees");
		check_splits(cases[i].mode, cases[i].name, cases[i].in, len,
		    &whole, &part);
	}
	am_buf_release(&whole);
	am_buf_release(&part);
}

/*
 * test_positions - the fast path works on 16/32-byte blocks; put every
 * awkward sequence at every offset of a plain-text line and compare
 * with the reference, whole and split at every point.
 */

static void
test_positions(void)
{
	static const char *const odd[] = {
		"\r\n", "\n", "\r", "\r\r\n", "\n\n", "\r\n\r\n", "\n\r\n",
		" ", "  ", "\t", " \r\n", " \n", "\t\r\n", " \r", "\r\n \r\n",
		"\r\n\t\r\nx", " \t ", "\n\r", "\r\n ",
	};
	struct am_buf	 whole, want;
	char		 in[200], msg[100];
	size_t		 o, pos, len, total = 0, bad = 0, badsplit = 0;
	size_t		 cut, base;
	int		 mode;

	am_buf_init(&whole, 1 << 20);
	am_buf_init(&want, 1 << 20);
	for (mode = 0; mode < 2; mode++)
		for (o = 0; o < sizeof(odd) / sizeof(odd[0]); o++)
			for (base = 30; base <= 70; base += 40)
				for (pos = 0; pos <= base; pos++) {
					memset(in, 'x', base);
					len = strlen(odd[o]);
					memmove(in + pos + len, in + pos, base - pos);
					memcpy(in + pos, odd[o], len);
					len += base;
					ref(mode, (unsigned char *)in, len, &want);
					run(mode, in, len, len, &whole);
					total++;
					if (whole.len != want.len || memcmp(whole.data,
					    want.data, want.len) != 0)
						bad++;
					for (cut = 0; cut <= len; cut++) {
						run_cuts(mode, in, len, &cut, 1,
						    &whole);
						if (whole.len != want.len ||
						    memcmp(whole.data, want.data,
						    want.len) != 0)
							badsplit++;
					}
				}
	snprintf(msg, sizeof(msg), "%zu odd sequences at every offset", total);
	is_int(bad, 0, msg);
	is_int(badsplit, 0, "... and split at every point");
	am_buf_release(&whole);
	am_buf_release(&want);
}

/*
 * test_blank_runs - runs of empty lines (CR LF, bare LF, WSP-only)
 * between long lines, around the fast path's limit of 64 at a time
 */

static void
test_blank_runs(void)
{
	static const char *const blank[] = { "\r\n", "\n", " \r\n", "\t\n" };
	static const size_t counts[] = { 1, 2, 63, 64, 65, 130 };
	struct am_buf	 got, want;
	char		 in[1200], msg[120];
	size_t		 b, k, i, len, cut, bad, badsplit;
	int		 mode;

	am_buf_init(&got, 1 << 16);
	am_buf_init(&want, 1 << 16);
	for (mode = 0; mode < 2; mode++)
		for (b = 0; b < sizeof(blank) / sizeof(blank[0]); b++) {
			bad = badsplit = 0;
			for (k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
				len = (size_t)snprintf(in, sizeof(in),
				    "a line of text, long enough  \r\n");
				for (i = 0; i < counts[k]; i++)
					len += (size_t)snprintf(in + len,
					    sizeof(in) - len, "%s", blank[b]);
				len += (size_t)snprintf(in + len, sizeof(in) - len,
				    "and more text after the blank lines\r\n");
				ref(mode, (unsigned char *)in, len, &want);
				run(mode, in, len, len, &got);
				if (got.len != want.len ||
				    memcmp(got.data, want.data, want.len) != 0)
					bad++;
				for (cut = 0; cut <= len; cut++) {
					run_cuts(mode, in, len, &cut, 1, &got);
					if (got.len != want.len || memcmp(got.data,
					    want.data, want.len) != 0)
						badsplit++;
				}
			}
			snprintf(msg, sizeof(msg), "%s: runs of blank line %zu",
			    am_canon_name(mode), b);
			is_int(bad, 0, msg);
			is_int(badsplit, 0, "... at every split point");
		}
	am_buf_release(&got);
	am_buf_release(&want);
}

/* ---------------------------------------------------------------- kernels */

/*
 * The relaxed block kernels (canon_simd.h) take 64 bytes at a time
 * from wherever they start: the start of a chunk, or wherever the
 * byte-level paths hand back.  These tests run each kernel this CPU
 * has, and the portable paths alone, and put awkward bytes at and
 * around block edges, chunk edges and both.
 */

static const struct {
	enum am_canon_kernel	 k;
	const char		*name;
} kernels[] = {
	{ AM_CANON_KERNEL_NONE, "portable" },
	{ AM_CANON_KERNEL_SSSE3, "ssse3" },
	{ AM_CANON_KERNEL_AVX2, "avx2" },
	{ AM_CANON_KERNEL_AVX2_BMI2, "avx2-bmi2" },
	{ AM_CANON_KERNEL_AVX512, "vbmi2" },
};

static int
same(const struct am_buf *a, const struct am_buf *b)
{
	return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

/*
 * edge_input - filler text of short lines with single spaces, and at
 * pos the sequence odd (n bytes); returns the length (< cap)
 */

static size_t
edge_input(char *in, size_t cap, size_t pos, const char *odd, size_t n)
{
	static const char	 line[] = "the quick brown fox jumps over a dog\r\n";
	size_t			 len = 0, fill = 420;

	while (len < fill) {
		memcpy(in + len, line, sizeof(line) - 1);
		len += sizeof(line) - 1;
	}
	len = fill;
	if (len + n >= cap)
		return 0;
	memmove(in + pos + n, in + pos, len - pos);
	memcpy(in + pos, odd, n);
	return len + n;
}

/* wsp_run - n WSP bytes (mostly SP, some HT) then tail, into buf */

static size_t
wsp_run(char *buf, size_t n, const char *tail)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		buf[i] = i % 5 == 3 ? '\t' : ' ';
	memcpy(buf + n, tail, strlen(tail) + 1);
	return n + strlen(tail);
}

static void
test_block_edges(const char *kname)
{
	static const char *const odd[] = {
		"  ", "\t", " \t ", " \r\n", "\t\r\n", " \t \r\n", "\r",
		"\r\r\n", "\r\n\r\n", "\r\n \r\n", "\r\n\t\r\n\r\n", "\n",
		" \n", "\r\n\n", "\n\r\n", "\r\n\r\n\r\n\r\n  x", " \r ",
		"\r\n\r", "\r\n ", "\r\n\r\n\t",
	};
	static const size_t runs[] = { 63, 64, 65, 127, 130 };
	static const char *const tails[] = { "y", "\r\n", "\n", "\r\n\r\n",
		"\r" };
	char		 in[800], seq[200], msg[160];
	struct am_buf	 want, got;
	size_t		 o, nodd, pos, len, n, cut, cuts[2];
	size_t		 total = 0, bad = 0, badcut = 0;

	am_buf_init(&want, 1 << 16);
	am_buf_init(&got, 1 << 16);
	nodd = sizeof(odd) / sizeof(odd[0]) +
	    sizeof(runs) / sizeof(runs[0]) * sizeof(tails) / sizeof(tails[0]);
	for (o = 0; o < nodd; o++) {
		if (o < sizeof(odd) / sizeof(odd[0]))
			n = (size_t)snprintf(seq, sizeof(seq), "%s", odd[o]);
		else {
			size_t	 r = o - sizeof(odd) / sizeof(odd[0]);
			size_t	 nt = sizeof(tails) / sizeof(tails[0]);

			n = wsp_run(seq, runs[r / nt], tails[r % nt]);
		}
		for (pos = 50; pos <= 260; pos++) {
			len = edge_input(in, sizeof(in), pos, seq, n);
			ref(AM_CANON_RELAXED, (unsigned char *)in, len, &want);
			run(AM_CANON_RELAXED, in, len, len, &got);
			total++;
			if (!same(&got, &want))
				bad++;
			/* One cut near the sequence, so that a block starts
			 * at each byte of it; or two, around it. */
			for (cut = pos - 2; cut <= pos + n + 2; cut++) {
				run_cuts(AM_CANON_RELAXED, in, len, &cut, 1, &got);
				if (!same(&got, &want))
					badcut++;
			}
			for (cut = 1; cut <= 3; cut++) {
				cuts[0] = pos > 64 * cut ? pos - 64 * cut + 1 : 1;
				cuts[1] = pos + n;
				run_cuts(AM_CANON_RELAXED, in, len, cuts, 2, &got);
				if (!same(&got, &want))
					badcut++;
			}
		}
	}
	/* Text, then empty and WSP-only lines to the end (held back),
	 * or then content after all (written out). */
	for (o = 0; o < 6; o++)
		for (pos = 100; pos <= 230; pos++) {
			len = edge_input(in, sizeof(in), pos, "", 0);
			len = pos;
			for (n = 0; len < 600; n++)
				len += (size_t)snprintf(in + len,
				    sizeof(in) - len, "%s", o % 3 == 0 ? "\r\n" :
				    o % 3 == 1 ? " \r\n" : n % 3 ? "\r\n" : "\t \r\n");
			if (o >= 3)
				in[len++] = 'z';
			ref(AM_CANON_RELAXED, (unsigned char *)in, len, &want);
			run(AM_CANON_RELAXED, in, len, len, &got);
			total++;
			if (!same(&got, &want))
				bad++;
			for (cut = pos - 66; cut <= pos + 66; cut++) {
				run_cuts(AM_CANON_RELAXED, in, len, &cut, 1, &got);
				if (!same(&got, &want))
					badcut++;
			}
		}
	snprintf(msg, sizeof(msg), "%s: %zu inputs with awkward bytes across "
	    "block edges", kname, total);
	is_int(bad, 0, msg);
	snprintf(msg, sizeof(msg), "%s: ... and cut into chunks near them",
	    kname);
	is_int(badcut, 0, msg);
	am_buf_release(&want);
	am_buf_release(&got);
}

static uint64_t	 diff_state;

static uint32_t
diff_rng(uint32_t n)
{
	diff_state ^= diff_state << 13;
	diff_state ^= diff_state >> 7;
	diff_state ^= diff_state << 17;
	return (uint32_t)(diff_state >> 11) % n;
}

/*
 * diff_body - a random body: runs of letters, SP, HT, CR, LF in
 * proportions that change from body to body, sometimes long WSP runs
 * or many empty lines
 */

static size_t
diff_body(unsigned char *p, size_t cap)
{
	static const unsigned char	 cls[] = { 'a', ' ', '\t', '\r', '\n' };
	unsigned			 wt[5], sum = 0, r, i;
	size_t				 n = 0, len = 1 + diff_rng((uint32_t)cap), k;

	for (i = 0; i < 5; i++)
		sum += wt[i] = i == 0 ? 20 + diff_rng(200) : diff_rng(30);
	while (n < len) {
		r = diff_rng(sum);
		for (i = 0; r >= wt[i]; i++)
			r -= wt[i];
		if (i == 3 && diff_rng(4) != 0) {	/* mostly CR LF */
			p[n++] = '\r';
			if (n < len)
				p[n++] = '\n';
			continue;
		}
		k = diff_rng(50) == 0 ? 1 + diff_rng(150) : 1;
		for (; k > 0 && n < len; k--)
			p[n++] = i == 0 ? (unsigned char)('a' + diff_rng(26)) :
			    cls[i];
	}
	return n;
}

/*
 * test_differential - random bodies, whole and in random chunks,
 * against ref() and against the byte-at-a-time path (1-byte chunks,
 * where no kernel runs); in simple mode they test the kernel's scan
 */

static void
test_differential(const char *kname, enum am_canon_mode mode)
{
	enum { N = 4000, CAP = 3000 };
	unsigned char		*in = malloc(CAP);
	struct am_buf		 want, slow, got;
	struct am_canon		*c;
	enum am_canon_kernel	 k = kernel;
	size_t			 i, len, off, n, bad = 0, badslow = 0;
	size_t			 badcut = 0, bytes = 0;
	char			 msg[160];

	am_buf_init(&want, 2 * CAP + 16);
	am_buf_init(&slow, 2 * CAP + 16);
	am_buf_init(&got, 2 * CAP + 16);
	diff_state = 0x2545f4914f6cdd1dULL;		/* fixed: repeatable */
	for (i = 0; i < N; i++) {
		len = diff_body(in, CAP);
		bytes += len;
		ref(mode, in, len, &want);
		kernel = AM_CANON_KERNEL_NONE;
		run(mode, in, len, 1, &slow);
		kernel = k;
		if (!same(&slow, &want))
			badslow++;
		run(mode, in, len, len, &got);
		if (!same(&got, &want))
			bad++;
		am_buf_reset(&got);
		c = am_canon_new(mode, to_buf, &got);
		(void)am_canon_set_kernel(c, k);
		for (off = 0; off < len; off += n) {
			n = diff_rng(3) == 0 ? diff_rng(70) : diff_rng(700);
			if (n > len - off)
				n = len - off;
			feed_alone(c, in + off, n);
		}
		am_canon_body_end(c);
		am_canon_free(&c);
		if (!same(&got, &want))
			badcut++;
	}
	snprintf(msg, sizeof(msg), "%s: %d random bodies (%zu bytes), %s: "
	    "byte at a time = reference", kname, N, bytes,
	    am_canon_name(mode));
	is_int(badslow, 0, msg);
	snprintf(msg, sizeof(msg), "%s: ... whole = reference", kname);
	is_int(bad, 0, msg);
	snprintf(msg, sizeof(msg), "%s: ... random chunks = reference", kname);
	is_int(badcut, 0, msg);
	am_buf_release(&want);
	am_buf_release(&slow);
	am_buf_release(&got);
	free(in);
}

static void
test_kernels(void)
{
	struct am_canon	*c;
	char		 msg[120];
	size_t		 i;
	int		 have;

	for (i = 0; i < sizeof(kernels) / sizeof(kernels[0]); i++) {
		c = am_canon_new(AM_CANON_RELAXED, to_buf, NULL);
		have = am_canon_set_kernel(c, kernels[i].k) == 0;
		am_canon_free(&c);
		if (!have) {
			snprintf(msg, sizeof(msg), "%s: not on this CPU, "
			    "skipped", kernels[i].name);
			ok(1, msg);
			continue;
		}
		kernel = kernels[i].k;
		test_block_edges(kernels[i].name);
		test_differential(kernels[i].name, AM_CANON_RELAXED);
		test_differential(kernels[i].name, AM_CANON_SIMPLE);
	}
	kernel = AM_CANON_KERNEL_AUTO;
}

/* ---------------------------------------------------------------- big */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

/* gen - a body of text with a random mix of CR, LF, WSP; dense says
 * how often the awkward bytes come (1 in dense) */

static void
gen(unsigned char *p, size_t n, unsigned dense)
{
	static const char	 odd[] = " \t\r\n\r\n  \r\n";
	size_t			 i;
	uint32_t		 r;

	for (i = 0; i < n; i++) {
		r = rng();
		if (r % dense == 0)
			p[i] = (unsigned char)odd[(r >> 8) % (sizeof(odd) - 1)];
		else if (r % 7 == 0)
			p[i] = ' ';
		else if (r % 61 == 0) {
			p[i++] = '\r';
			if (i < n)
				p[i] = '\n';
		} else
			p[i] = (unsigned char)('a' + (r >> 8) % 26);
	}
}

static void
big_check(enum am_canon_mode mode, const char *what, const unsigned char *in,
    size_t len, struct am_buf *want, struct am_buf *got)
{
	char		 msg[160];
	struct am_canon	*c;
	size_t		 off, n;

	ref(mode, in, len, want);
	run(mode, in, len, len, got);
	snprintf(msg, sizeof(msg), "%s %s: whole = reference (%zu bytes out)",
	    what, am_canon_name(mode), want->len);
	is_mem(got->data, got->len, want->data, want->len, msg);
	run(mode, in, len, 1, got);
	snprintf(msg, sizeof(msg), "%s %s: 1-byte chunks", what,
	    am_canon_name(mode));
	is_mem(got->data, got->len, want->data, want->len, msg);
	run(mode, in, len, 65535, got);
	snprintf(msg, sizeof(msg), "%s %s: 65535-byte chunks", what,
	    am_canon_name(mode));
	is_mem(got->data, got->len, want->data, want->len, msg);

	am_buf_reset(got);
	c = am_canon_new(mode, to_buf, got);
	for (off = 0; off < len; off += n) {
		n = rng() % 3 == 0 ? rng() % 40 : rng() % 100000;
		if (n > len - off)
			n = len - off;
		am_canon_body(c, in + off, n);
	}
	am_canon_body_end(c);
	am_canon_free(&c);
	snprintf(msg, sizeof(msg), "%s %s: random chunks", what,
	    am_canon_name(mode));
	is_mem(got->data, got->len, want->data, want->len, msg);
}

static void
test_big(void)
{
	size_t		 len = 3 << 20;
	unsigned char	*in = malloc(len);
	struct am_buf	 want, got;
	int		 mode;

	am_buf_init(&want, len * 2 + 16);
	am_buf_init(&got, len * 2 + 16);
	for (mode = 0; mode < 2; mode++) {
		gen(in, len, 5);
		big_check(mode, "dense mix", in, len, &want, &got);
		gen(in, len, 400);
		big_check(mode, "text", in, len, &want, &got);
		gen(in, len, 400);
		memset(in + len - 1000, '\n', 1000);
		big_check(mode, "text, trailing LFs", in, len, &want, &got);
	}
	am_buf_release(&want);
	am_buf_release(&got);
	free(in);
}

/* ---------------------------------------------------------------- memory */

struct counter {
	uint64_t	 n;
	uint64_t	 h;		/* FNV-1a of everything seen */
};

static void
count(void *ctx, const unsigned char *p, size_t n)
{
	struct counter	*k = ctx;
	size_t		 i;

	for (i = 0; i < n; i++)
		k->h = (k->h ^ p[i]) * 0x100000001b3ULL;
	k->n += n;
}

/* feed - pattern pat repeated to total bytes, in 64 KiB chunks */

static void
feed(void (*fn)(void *, const void *, size_t), void *ctx, const char *pat,
    size_t total)
{
	static unsigned char	 chunk[65536];
	size_t			 plen = strlen(pat), i, n;

	for (i = 0; i < sizeof(chunk); i++)
		chunk[i] = (unsigned char)pat[i % plen];
	for (; total > 0; total -= n) {
		n = total < sizeof(chunk) ? total : sizeof(chunk);
		fn(ctx, chunk, n);
	}
}

static void
canon_feed(void *ctx, const void *p, size_t n)
{
	am_canon_body(ctx, p, n);
}

static void
count_feed(void *ctx, const void *p, size_t n)
{
	count(ctx, p, n);
}

static long
maxrss_kb(void)
{
	struct rusage	 ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static const struct {
	const char		*name;
	enum am_canon_mode	 mode;
	const char		*head, *pat, *tail;	/* in: head pat* tail */
	const char		*ohead, *opat, *otail;	/* out, pat halved */
} mem_cases[] = {
	{ "64 MiB of empty lines then text, relaxed", AM_CANON_RELAXED,
	  "", "\r\n", "x", "", "\r\n", "x\r\n" },
	{ "64 MiB WSP run, relaxed", AM_CANON_RELAXED,
	  "y", " \t", "z\r\n", "y z\r\n", "", "" },
	{ "64 MiB line without line end, simple", AM_CANON_SIMPLE,
	  "", "ab", "", "", "ab", "\r\n" },
	{ "64 MiB of bare LFs, simple", AM_CANON_SIMPLE,
	  "", "\n\n", "", "\r\n", "", "" },
};

static void
test_memory(void)
{
	struct counter	 got, want;
	struct am_canon	*c;
	size_t		 i, half;
	long		 before, after;
	char		 msg[160];

	before = maxrss_kb();
	for (i = 0; i < sizeof(mem_cases) / sizeof(mem_cases[0]); i++) {
		memset(&got, 0, sizeof(got));
		memset(&want, 0, sizeof(want));
		c = am_canon_new(mem_cases[i].mode, count, &got);
		am_canon_body(c, mem_cases[i].head, strlen(mem_cases[i].head));
		feed(canon_feed, c, mem_cases[i].pat, BIG_MAX);
		am_canon_body(c, mem_cases[i].tail, strlen(mem_cases[i].tail));
		am_canon_body_end(c);
		am_canon_free(&c);

		count(&want, (const unsigned char *)mem_cases[i].ohead,
		    strlen(mem_cases[i].ohead));
		half = strlen(mem_cases[i].opat) > 0 ? BIG_MAX : 0;
		if (half > 0)
			feed(count_feed, &want, mem_cases[i].opat, half);
		count(&want, (const unsigned char *)mem_cases[i].otail,
		    strlen(mem_cases[i].otail));
		snprintf(msg, sizeof(msg), "%s: output length", mem_cases[i].name);
		is_int(got.n, want.n, msg);
		snprintf(msg, sizeof(msg), "%s: output hash", mem_cases[i].name);
		ok(got.h == want.h, msg);
	}
	after = maxrss_kb();
	snprintf(msg, sizeof(msg), "max RSS grew by %ld KiB (< 16 MiB) over "
	    "256 MiB of input", after - before);
	ok(after - before < 16 * 1024, msg);
}

/* ---------------------------------------------------------------- headers */

static const struct {
	const char		*name;
	enum am_canon_mode	 mode;
	const char		*in;
	int			 crlf;
	const char		*want;
} hcases[] = {
	{ "rfc6376 3.4.6 A, relaxed", AM_CANON_RELAXED, "A: X", 1,
	  "a:X\r\n" },
	{ "rfc6376 3.4.6 B, relaxed", AM_CANON_RELAXED,
	  "B : Y\t\r\n\tZ  ", 1, "b:Y Z\r\n" },
	{ "rfc6376 3.4.6 A, simple", AM_CANON_SIMPLE, "A: X", 1, "A: X\r\n" },
	{ "rfc6376 3.4.6 B, simple", AM_CANON_SIMPLE, "B : Y\t\r\n\tZ  ", 1,
	  "B : Y\t\r\n\tZ  \r\n" },
	{ "no crlf", AM_CANON_RELAXED, "DKIM-Signature: v=1; b=", 0,
	  "dkim-signature:v=1; b=" },
	{ "bare LF folding, simple", AM_CANON_SIMPLE,
	  "Subject: a\n b\r\n\tc", 0, "Subject: a\r\n b\r\n\tc" },
	{ "bare LF folding, relaxed", AM_CANON_RELAXED,
	  "Subject: a\n b\r\n\tc", 0, "subject:a b c" },
	{ "WSP around colon, relaxed", AM_CANON_RELAXED,
	  "To \t :  \t x@y", 0, "to:x@y" },
	{ "empty value, relaxed", AM_CANON_RELAXED, "X-A:", 0, "x-a:" },
	{ "WSP-only value, relaxed", AM_CANON_RELAXED, "X-A: \r\n \t", 0,
	  "x-a:" },
	{ "folded before first word, relaxed", AM_CANON_RELAXED,
	  "X-A:\r\n  v", 0, "x-a:v" },
	{ "bare CR kept, relaxed", AM_CANON_RELAXED, "X: a\rb \r c\r", 0,
	  "x:a\rb \r c\r" },
	{ "bare CR kept, simple", AM_CANON_SIMPLE, "X: a\rb", 0, "X: a\rb" },
	{ "value case kept, relaxed", AM_CANON_RELAXED, "FROM: Joe <J@X>", 0,
	  "from:Joe <J@X>" },
	{ "later colons are value, relaxed", AM_CANON_RELAXED,
	  "Date: 12 : 30", 0, "date:12 : 30" },
	{ "8-bit value, relaxed", AM_CANON_RELAXED, "S: \xc3\xa9\t\xc3\xa9 ",
	  0, "s:\xc3\xa9 \xc3\xa9" },
	{ "no colon: lowercased name only", AM_CANON_RELAXED, "Bogus Line ",
	  0, "bogus line" },
};

static void
test_headers(void)
{
	struct am_buf	 out;
	enum am_canon_mode m;
	size_t		 i;
	char		 msg[160];

	am_buf_init(&out, 4096);
	for (i = 0; i < sizeof(hcases) / sizeof(hcases[0]); i++) {
		am_buf_reset(&out);
		is_int(am_canon_header(hcases[i].mode, hcases[i].in,
		    strlen(hcases[i].in), hcases[i].crlf, &out), 0,
		    "am_canon_header returns 0");
		is_mem(out.data, out.len, hcases[i].want,
		    strlen(hcases[i].want), hcases[i].name);
	}

	/* Empty input, NULL pointer. */
	am_buf_reset(&out);
	is_int(am_canon_header(AM_CANON_RELAXED, NULL, 0, 1, &out), 0,
	    "empty field, NULL pointer");
	is_str(am_buf_str(&out), "\r\n", "... gives just the CRLF");
	{
		struct am_canon	*c = am_canon_new(AM_CANON_SIMPLE, to_buf,
				    &out);

		am_buf_reset(&out);
		am_canon_body(c, NULL, 0);
		am_canon_body(c, "a", 1);
		am_canon_body(c, NULL, 0);
		am_canon_body_end(c);
		am_canon_free(&c);
		is_str(am_buf_str(&out), "a\r\n", "body: NULL, 0 is a no-op");
		ok(c == NULL, "free sets NULL");
		am_canon_free(&c);
	}

	/* Appends, does not reset. */
	am_buf_reset(&out);
	am_buf_appends(&out, "pre|");
	am_canon_header(AM_CANON_RELAXED, "A: b", 4, 1, &out);
	is_str(am_buf_str(&out), "pre|a:b\r\n", "header appends to out");
	am_buf_release(&out);

	/* A full buffer is an error, not a truncation passed off as ok. */
	am_buf_init(&out, 8);
	is_int(am_canon_header(AM_CANON_SIMPLE, "Subject: long", 13, 1, &out),
	    -1, "full out buffer: -1");
	ok(out.err, "full out buffer: err is set");
	am_buf_release(&out);
	am_buf_init(&out, 8);
	is_int(am_canon_header(AM_CANON_RELAXED, "Subject: long", 13, 1, &out),
	    -1, "full out buffer, relaxed: -1");
	am_buf_release(&out);

	/* A long value goes through the relaxed staging more than once. */
	am_buf_init(&out, 1 << 16);
	{
		char	 big[3000];

		memset(big, 'v', sizeof(big));
		memcpy(big, "X:", 2);
		big[1000] = ' ';
		big[1001] = '\t';
		am_canon_header(AM_CANON_RELAXED, big, sizeof(big), 0, &out);
		is_int(out.len, sizeof(big) - 1, "long relaxed header");
		ok(out.len > 1001 && out.data[1000] == ' ' &&
		    out.data[1001] == 'v', "long relaxed header: WSP collapsed");
	}
	am_buf_release(&out);

	ok(am_canon_parse("relaxed", 7, &m) == 0 && m == AM_CANON_RELAXED,
	    "parse relaxed");
	ok(am_canon_parse("Simple", 6, &m) == 0 && m == AM_CANON_SIMPLE,
	    "parse Simple (case-insensitive)");
	ok(am_canon_parse("relax", 5, &m) == -1, "parse rejects relax");
	ok(am_canon_parse("simplex", 7, &m) == -1, "parse rejects simplex");
	ok(am_canon_parse("", 0, &m) == -1, "parse rejects empty");
	is_str(am_canon_name(AM_CANON_SIMPLE), "simple", "name simple");
	is_str(am_canon_name(AM_CANON_RELAXED), "relaxed", "name relaxed");
	snprintf(msg, sizeof(msg), "%zu header cases", i);
	diag(msg);
}

int
main(void)
{
	test_kernels();
	test_cases();
	test_positions();
	test_blank_runs();
	test_headers();
	test_big();
	test_memory();
	return done_testing();
}
