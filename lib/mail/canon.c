/*
 * canon - streaming DKIM/ARC canonicalization (RFC 6376 section 3.4)
 *
 * Body canonicalization is defined byte by byte in canon_step(), the
 * reference semantics.  A fast path finds long runs of input bytes
 * whose canonical form is the bytes themselves and hands them to the
 * sink straight from the caller's buffer, without copying.
 *
 * The fast path runs only when nothing is pending (no CR, no WSP run,
 * no held-back empty lines).  It looks 16 bytes at a time for the
 * first byte that may need attention (an "anomaly"):
 *
 *	relaxed:  HT;
 *		  SP followed by a byte <= 0x20 (WSP run, trailing WSP);
 *	both:	  CR not followed by LF, or a byte other than CR that is
 *		  followed by LF (bare CR, bare LF);
 *		  LF followed by CR (the next line may be empty);
 *		  at the end of the chunk: CR, and in relaxed mode WSP,
 *		  whose meaning depends on the next chunk.
 *
 * Flagging too much is harmless: a flagged byte just goes through
 * canon_step().  Every byte before the first flagged one is canonical
 * as it stands, except for one boundary case that canon_run() handles
 * (the run ends in the CR of a CR LF whose LF was flagged).
 *
 * In simple mode the runs go to the sink straight from the caller's
 * buffer (short ones through the staging buffer).  In relaxed mode
 * canon_relaxed_fast() instead copies 16-byte blocks into the staging
 * buffer and fixes the common anomalies of mail text (WSP runs, WSP
 * before a line end, bare LF, empty lines between text) in place, so
 * that they do not cost a trip through canon_step() each.
 *
 * The scan uses GCC/clang vector extensions: SSE2 on x86-64, NEON on
 * arm64, plain scalar code elsewhere.  No #ifdef is needed.
 *
 * Faster still, in relaxed mode, is a block kernel (canon_simd.h):
 * 64 bytes at a time with no branch per byte, chosen once per process
 * for the CPU (AVX-512 VBMI2, AVX2, or SSSE3 on x86-64; none
 * elsewhere, then c->blk is NULL), or forced with the environment
 * variable AM_CANON_KERNEL.  It runs whenever nothing is pending, to
 * two bytes before the chunk's end, and stops for what it cannot do
 * (bare LF, held-back empty lines), which the paths above then take,
 * for one block or, after a bare LF, CANON_LF_RETRY bytes, so a body
 * with Unix line ends goes no slower than without it.  Where AVX2
 * runs, canon_scan() also has an AVX2 version (c->scan), 64 bytes a
 * step.
 */

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "canon.h"
#include "canon_simd.h"
#include "mem.h"

#define CANON_STAGE	4096	/* staging for the sink: 4 KiB per call */
#define CANON_COPY_MAX	256	/* runs up to this are staged, not sunk */
#define CANON_VEC	16
#define CANON_LF_RETRY	4096	/* after a bare LF, stay off the kernel */

typedef unsigned char canon_vec __attribute__((vector_size(CANON_VEC)));

struct am_canon {
	enum am_canon_mode	 mode;
	am_canon_sink_fn	*sink;
	void			*sink_ctx;
	int			 cr;		/* last byte was CR */
	int			 wsp;		/* WSP run pending (relaxed) */
	int			 midline;	/* line has canonical content */
	size_t			 blanks;	/* empty lines held back */
	int			 wrote;		/* emitted any body bytes */
	int			 ended;		/* am_canon_body_end() was called */
	am_canon_blk_fn		*blk;		/* relaxed block kernel, or NULL */
	am_canon_scan_fn	*scan;		/* vector scan, or NULL */
	size_t			 outlen;
	unsigned char		 out[CANON_STAGE];	/* staging for the sink */
};

/* ---------------------------------------------------------------- kernels */

static const struct {
	enum am_canon_kernel	 k;
	const char		*name;
} canon_kernels[] = {
	{ AM_CANON_KERNEL_AUTO, "auto" },
	{ AM_CANON_KERNEL_AVX512, "vbmi2" },
	{ AM_CANON_KERNEL_AVX2_BMI2, "avx2-bmi2" },
	{ AM_CANON_KERNEL_AVX2, "avx2" },
	{ AM_CANON_KERNEL_SSSE3, "ssse3" },
	{ AM_CANON_KERNEL_NONE, "portable" },
};

/* The process's choice: 0 not made yet, else 1 + the kernel. */
static int		 canon_kernel_chosen;
static am_canon_blk_fn	*canon_kernel_ptr;
static am_canon_scan_fn	*canon_scan_ptr;

int
am_canon_kernel_parse(const char *name, enum am_canon_kernel *out)
{
	size_t	 i;

	for (i = 0; i < sizeof(canon_kernels) / sizeof(canon_kernels[0]); i++)
		if (strcmp(name, canon_kernels[i].name) == 0) {
			*out = canon_kernels[i].k;
			return 0;
		}
	return -1;
}

const char *
am_canon_kernel_name(enum am_canon_kernel k)
{
	am_canon_blk_fn	*fn;
	size_t		 i;

	if (k == AM_CANON_KERNEL_AUTO) {	/* which one it is here */
		fn = am_canon_blk_pick(AM_CANON_KERNEL_AUTO);
		for (i = 1; i < sizeof(canon_kernels) /
		    sizeof(canon_kernels[0]); i++)
			if (am_canon_blk_pick(canon_kernels[i].k) == fn)
				return canon_kernels[i].name;
	}
	for (i = 0; i < sizeof(canon_kernels) / sizeof(canon_kernels[0]); i++)
		if (canon_kernels[i].k == k)
			return canon_kernels[i].name;
	return "?";
}

/* canon_kernel_choose - AM_CANON_KERNEL, or AUTO; racing callers
 * compute the same thing, so plain atomic stores are enough. */

static enum am_canon_kernel
canon_kernel_choose(void)
{
	enum am_canon_kernel	 k = AM_CANON_KERNEL_AUTO;
	const char		*env;
	int			 v;

	if ((v = __atomic_load_n(&canon_kernel_chosen, __ATOMIC_ACQUIRE)) != 0)
		return (enum am_canon_kernel)(v - 1);
	env = getenv("AM_CANON_KERNEL");
	if (env != NULL && am_canon_kernel_parse(env, &k) == 0 &&
	    k != AM_CANON_KERNEL_NONE && am_canon_blk_pick(k) == NULL)
		k = AM_CANON_KERNEL_AUTO;	/* not on this CPU */
	__atomic_store_n(&canon_kernel_ptr, am_canon_blk_pick(k),
	    __ATOMIC_RELAXED);
	__atomic_store_n(&canon_scan_ptr, am_canon_scan_pick(k),
	    __ATOMIC_RELAXED);
	__atomic_store_n(&canon_kernel_chosen, (int)k + 1, __ATOMIC_RELEASE);
	return k;
}

enum am_canon_kernel
am_canon_kernel_default(void)
{
	return canon_kernel_choose();
}

/* ---------------------------------------------------------------- state */

struct am_canon *
am_canon_new(enum am_canon_mode mode, am_canon_sink_fn *sink, void *sink_ctx)
{
	struct am_canon	*c = am_malloc(sizeof(*c));

	am_canon_reset(c, mode, sink, sink_ctx);
	return c;
}

void
am_canon_reset(struct am_canon *c, enum am_canon_mode mode,
    am_canon_sink_fn *sink, void *sink_ctx)
{
	assert(mode == AM_CANON_SIMPLE || mode == AM_CANON_RELAXED);
	assert(sink != NULL);
	memset(c, 0, offsetof(struct am_canon, out));
	c->mode = mode;
	c->sink = sink;
	c->sink_ctx = sink_ctx;
	(void)canon_kernel_choose();
	if (mode == AM_CANON_RELAXED)
		c->blk = __atomic_load_n(&canon_kernel_ptr, __ATOMIC_RELAXED);
	c->scan = __atomic_load_n(&canon_scan_ptr, __ATOMIC_RELAXED);
}

int
am_canon_set_kernel(struct am_canon *c, enum am_canon_kernel k)
{
	am_canon_blk_fn	*fn = am_canon_blk_pick(k);

	if (fn == NULL && k != AM_CANON_KERNEL_NONE)
		return -1;
	if (c->mode == AM_CANON_RELAXED)
		c->blk = fn;
	c->scan = am_canon_scan_pick(k);
	return 0;
}

void
am_canon_free(struct am_canon **cp)
{
	free(*cp);
	*cp = NULL;
}

/* ---------------------------------------------------------------- output */

static void
canon_flush(struct am_canon *c)
{
	if (c->outlen > 0) {
		c->sink(c->sink_ctx, c->out, c->outlen);
		c->outlen = 0;
	}
}

static inline void
canon_put(struct am_canon *c, unsigned char ch)
{
	if (c->outlen == sizeof(c->out))
		canon_flush(c);
	c->out[c->outlen++] = ch;
}

static inline void
canon_crlf(struct am_canon *c)
{
	if (sizeof(c->out) - c->outlen < 2)
		canon_flush(c);
	c->out[c->outlen++] = '\r';
	c->out[c->outlen++] = '\n';
}

/* canon_emit - output n input bytes unchanged: staged if short, else direct */

static void
canon_emit(struct am_canon *c, const unsigned char *p, size_t n)
{
	if (n <= CANON_COPY_MAX) {
		if (n > sizeof(c->out) - c->outlen)
			canon_flush(c);
		memcpy(c->out + c->outlen, p, n);
		c->outlen += n;
		return;
	}
	canon_flush(c);
	c->sink(c->sink_ctx, p, n);
}

/* ---------------------------------------------------------------- slow path */

/* canon_content - one byte of line content (not a line end, not WSP) */

static void
canon_content(struct am_canon *c, unsigned char ch)
{
	if (!c->midline) {
		for (; c->blanks > 0; c->blanks--)
			canon_crlf(c);
		c->midline = 1;
		c->wrote = 1;
	}
	if (c->wsp) {
		canon_put(c, ' ');
		c->wsp = 0;
	}
	canon_put(c, ch);
}

/* canon_eol - a line end (CR LF or bare LF) */

static void
canon_eol(struct am_canon *c)
{
	c->wsp = 0;			/* relaxed: trailing WSP is deleted */
	if (c->midline) {
		canon_crlf(c);
		c->midline = 0;
	} else
		c->blanks++;
}

/* canon_step - the reference semantics: one input byte */

static void
canon_step(struct am_canon *c, unsigned char ch)
{
	if (c->cr) {
		c->cr = 0;
		if (ch == '\n') {
			canon_eol(c);
			return;
		}
		canon_content(c, '\r');		/* bare CR: an ordinary byte */
	}
	switch (ch) {
	case '\r':
		c->cr = 1;
		return;
	case '\n':
		canon_eol(c);			/* CR LF, or bare LF */
		return;
	case ' ':
	case '\t':
		if (c->mode == AM_CANON_RELAXED) {
			c->wsp = 1;
			return;
		}
		break;
	}
	canon_content(c, ch);
}

/* ---------------------------------------------------------------- fast path */

/*
 * canon_vec_first - index of the first non-zero byte of m, or
 * CANON_VEC if there is none.  The byte order test is a constant
 * the compiler folds away.
 */

static inline size_t
canon_vec_first(canon_vec m)
{
	uint64_t	 w[2];
	size_t		 i;

	memcpy(w, &m, sizeof(w));
	for (i = 0; i < 2; i++) {
		if (w[i] == 0)
			continue;
		if (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
			return i * 8 + (size_t)__builtin_ctzll(w[i]) / 8;
		return i * 8 + (size_t)__builtin_clzll(w[i]) / 8;
	}
	return CANON_VEC;
}

/* canon_vec_mask - the anomalies among p[0..15], given p[16] */

static inline canon_vec
canon_vec_mask(int relaxed, const unsigned char *p)
{
	canon_vec	 b, nx, m;

	memcpy(&b, p, CANON_VEC);
	memcpy(&nx, p + 1, CANON_VEC);
	m = (canon_vec)((b == '\r') ^ (nx == '\n'));
	m |= (canon_vec)((b == '\n') & (nx == '\r'));
	if (relaxed) {
		m |= (canon_vec)(b == '\t');
		m |= (canon_vec)((b == ' ') & (nx <= ' '));
	}
	return m;
}

static inline int
canon_vec_any(canon_vec m)
{
	uint64_t	 w[2];

	memcpy(w, &m, sizeof(w));
	return (w[0] | w[1]) != 0;
}

/* canon_scan32 - the first anomaly among q[0..31] (given q[32]), or 32 */

static inline size_t
canon_scan32(int relaxed, const unsigned char *q)
{
	canon_vec	 m0 = canon_vec_mask(relaxed, q);
	canon_vec	 m1 = canon_vec_mask(relaxed, q + CANON_VEC);
	size_t		 j;

	if (!canon_vec_any(m0 | m1))
		return 2 * CANON_VEC;
	if ((j = canon_vec_first(m0)) < CANON_VEC)
		return j;
	return CANON_VEC + canon_vec_first(m1);
}

/* canon_scan - length of the leading run of n bytes that needs no work */

static size_t
canon_scan(const struct am_canon *c, int relaxed, const unsigned char *p,
    size_t n)
{
	unsigned char	 tail[3 * CANON_VEC];
	size_t		 i = 0, j;
	int		 found;

	if (c->scan != NULL && n > 64) {
		i = c->scan(relaxed, p, n, &found);
		if (found)
			return i;
	}
	for (; n - i > 2 * CANON_VEC; i += 2 * CANON_VEC)
		if ((j = canon_scan32(relaxed, p + i)) < 2 * CANON_VEC)
			return i + j;
	/* The tail, 1 to 32 bytes, in a copy with NUL bytes after it:
	 * the test takes a NUL for line content, so it flags the last
	 * byte just as the end of a chunk must (CR, relaxed WSP). */
	memset(tail, 0, sizeof(tail));
	memcpy(tail, p + i, n - i);
	j = canon_scan32(relaxed, tail);
	return i + j < n ? i + j : n;
}

/*
 * canon_run - output a run found by canon_scan().  The run can end in
 * the CR of a CR LF pair whose LF was flagged (say by a following LF);
 * that CR becomes the pending CR, so canon_step() sees the pair.
 */

static void
canon_run(struct am_canon *c, const unsigned char *p, size_t n)
{
	if (p[n - 1] == '\r') {
		c->cr = 1;
		n--;
	}
	if (n == 0)
		return;
	canon_emit(c, p, n);
	c->wrote = 1;
	c->midline = p[n - 1] != '\n';
}

/* canon_bare_lf - p[0] is line content and p[1] a bare LF */

static inline int
canon_bare_lf(int relaxed, const unsigned char *p, const unsigned char *end)
{
	if (end - p < 2 || p[1] != '\n')
		return 0;
	if (p[0] == '\r' || p[0] == '\n')
		return 0;
	return !relaxed || (p[0] != ' ' && p[0] != '\t');
}

/*
 * canon_wsp - relaxed: p[0] starts a WSP run that canon_scan() flagged,
 * with nothing pending.  Skips the whole run; before line content it
 * becomes one SP here, so the fast path goes on at once.  Before a
 * line end (trailing WSP) or at the end of the chunk, it is left
 * pending for canon_step(), exactly as that would have done byte by
 * byte.  Returns the first byte after the run.
 */

static const unsigned char *
canon_wsp(struct am_canon *c, const unsigned char *p,
    const unsigned char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end || *p == '\r' || *p == '\n') {
		c->wsp = 1;
		return p;
	}
	c->midline = 1;			/* canon_content(), blanks == 0 */
	c->wrote = 1;
	canon_put(c, ' ');
	return p;
}

/*
 * canon_blank_run - relaxed fast path, at the start of a line after a
 * line end: count the empty lines (CR LF or bare LF only) that follow.
 * If line content comes next, they are written out and the fast path
 * goes on; otherwise they are left in blanks for canon_step().
 */

static const unsigned char *
canon_blank_run(struct am_canon *c, const unsigned char *p,
    const unsigned char *end, unsigned char **op, int *stop)
{
	const unsigned char	*q = p;
	size_t			 n = 0;

	for (;;) {
		if (end - q >= 2 && q[0] == '\r' && q[1] == '\n')
			q += 2;
		else if (q < end && q[0] == '\n')
			q++;
		else
			break;
		n++;
	}
	if (end - q <= 1 || *q == '\r' || *q == ' ' || *q == '\t' ||
	    n > 64) {
		*stop = 1;		/* let canon_step() decide */
		c->blanks = n;
		return q;
	}
	for (; n > 0; n--) {
		*(*op)++ = '\r';
		*(*op)++ = '\n';
	}
	return q;
}

/*
 * canon_relaxed_fast - relaxed, nothing pending, not at an empty line
 * or a bare LF: copy 16 bytes at a time into the staging buffer, and
 * on the way collapse WSP runs, delete WSP before line ends, turn bare
 * LF into CR LF and pass empty lines between text, which is what mail
 * text is full of.  Stops at any other anomaly, or with 16 bytes or
 * fewer left, and returns where it stopped, for canon_step().
 */

static const unsigned char *
canon_relaxed_fast(struct am_canon *c, const unsigned char *p,
    const unsigned char *end)
{
	const unsigned char	*start = p, *q;
	unsigned char		*o = c->out + c->outlen;
	unsigned char		*olim = c->out + sizeof(c->out) - 200;
	canon_vec		 m;
	size_t			 j;
	int			 stop = 0;

	while (end - p > CANON_VEC && !stop) {
		if (o > olim) {
			c->outlen = (size_t)(o - c->out);
			canon_flush(c);
			o = c->out;
		}
		m = canon_vec_mask(1, p);
		memcpy(o, p, CANON_VEC);	/* kept up to the anomaly */
		if (!canon_vec_any(m)) {
			p += CANON_VEC;
			o += CANON_VEC;
			continue;
		}
		j = canon_vec_first(m);
		p += j;
		o += j;
		q = p;
		if (*q == ' ' || *q == '\t') {
			while (++q < end && (*q == ' ' || *q == '\t'))
				;
			if (q == end)
				break;
			if (*q != '\r' && *q != '\n') {
				*o++ = ' ';	/* WSP run before content */
				p = q;
				continue;
			}
			/* WSP before a line end: deleted, if the line has
			 * content; a WSP-only line is canon_step()'s. */
			if (!(p > start ? p[-1] != '\n' : c->midline))
				break;
			if (end - q >= 2 && q[0] == '\r' && q[1] == '\n')
				q += 2;
			else if (q[0] == '\n')
				q++;
			else
				break;		/* bare CR */
			*o++ = '\r';
		} else if (*q == '\n' && p > start && p[-1] == '\r') {
			q++;			/* CR LF; CR is out already */
		} else if (*q != '\r' && q[1] == '\n') {
			*o++ = *q;		/* content, then a bare LF */
			*o++ = '\r';
			q += 2;
		} else
			break;			/* bare CR */
		*o++ = '\n';
		p = canon_blank_run(c, q, end, &o, &stop);
	}
	if (p > start && !stop && p[-1] == '\r') {	/* its LF was flagged */
		p--;
		o--;
	}
	c->outlen = (size_t)(o - c->out);
	if (p > start) {
		c->wrote = 1;
		c->midline = p[-1] != '\n';
	}
	return p;
}

/*
 * canon_blk - relaxed, nothing pending: run the block kernel from p
 * until it stops for good, emptying the staging buffer whenever it
 * fills up, and return where it stopped.  *retry_out says how far the
 * byte-level paths should go before the kernel is tried again: past
 * the block it could not do, or further after a bare LF, which comes
 * again soon in a body with Unix line ends.
 */

static const unsigned char *
canon_blk(struct am_canon *c, const unsigned char *p,
    const unsigned char *end, size_t *retry_out)
{
	struct am_canon_blk	 b;

	b.p = p;
	b.end = end;
	b.olim = c->out + sizeof(c->out) - AM_CANON_BLK_SLACK;
	b.midline = c->midline;
	for (;;) {
		b.o = c->out + c->outlen;
		c->blk(&b);
		c->outlen = (size_t)(b.o - c->out);
		if (b.stop != AM_CANON_BLK_FULL)
			break;
		canon_flush(c);
	}
	if (b.p != p)
		c->wrote = 1;
	c->midline = b.midline;
	c->wsp = b.wsp;			/* a run going on at b.p */
	switch (b.stop) {
	case AM_CANON_BLK_BARE_LF:
		*retry_out = CANON_LF_RETRY;
		break;
	case AM_CANON_BLK_ODD:
		*retry_out = AM_CANON_BLK;
		break;
	default:
		*retry_out = 0;
		break;
	}
	return b.p;
}

void
am_canon_body(struct am_canon *c, const void *vp, size_t len)
{
	const unsigned char	*p = vp, *end, *blk_from, *lim;
	int			 relaxed = c->mode == AM_CANON_RELAXED;
	size_t			 k;

	assert(!c->ended);
	if (len == 0)			/* vp may be NULL */
		return;
	end = p + len;
	blk_from = p;			/* the kernel may run from here */
	while (p < end) {
		/* Fast path only with nothing pending, and not at a line
		 * start that may be empty or at a bare LF. */
		if (!c->cr && !c->wsp && c->blanks == 0 && *p != '\n' &&
		    (*p != '\r' || c->midline)) {
			if (c->blk != NULL && p >= blk_from &&
			    end - p >= AM_CANON_BLK_MIN) {
				p = canon_blk(c, p, end, &k);
				blk_from = (size_t)(end - p) > k ? p + k : end;
				continue;
			}
			if (relaxed && end - p > CANON_VEC) {
				/* Up to where the kernel may take over. */
				lim = end;
				if (blk_from > p && end - blk_from > CANON_VEC)
					lim = blk_from + CANON_VEC;
				p = canon_relaxed_fast(c, p, lim);
				if (lim != end && p >= blk_from)
					continue;
				if (end - p > CANON_VEC)
					canon_step(c, *p++);
				continue;
			}
			k = canon_scan(c, relaxed, p, (size_t)(end - p));
			if (canon_bare_lf(relaxed, p + k, end)) {
				/* Common in files with Unix line ends. */
				canon_run(c, p, k + 1);
				canon_eol(c);
				p += k + 2;
				continue;
			}
			if (k > 0) {
				canon_run(c, p, k);
				p += k;
				if (p == end)
					break;
			}
			if (relaxed && !c->cr && (*p == ' ' || *p == '\t')) {
				p = canon_wsp(c, p, end);
				continue;
			}
		}
		canon_step(c, *p++);
	}
}

void
am_canon_body_end(struct am_canon *c)
{
	assert(!c->ended);
	c->ended = 1;
	if (c->cr) {				/* bare CR at the very end */
		c->cr = 0;
		canon_content(c, '\r');
	}
	if (c->midline) {			/* unterminated last line */
		canon_crlf(c);
		c->midline = 0;
	}
	c->blanks = 0;				/* trailing empty lines: dropped */
	c->wsp = 0;
	if (c->mode == AM_CANON_SIMPLE && !c->wrote)
		canon_crlf(c);			/* empty body is one CRLF */
	canon_flush(c);
}

/* ---------------------------------------------------------------- headers */

/* hdr_simple - the field unchanged, but a bare LF becomes CR LF */

static void
hdr_simple(const char *f, size_t len, struct am_buf *out)
{
	const char	*p = f, *end = f + len, *lf;

	while (p < end && (lf = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (lf > f && lf[-1] == '\r')
			(void)am_buf_append(out, p, (size_t)(lf + 1 - p));
		else {
			(void)am_buf_append(out, p, (size_t)(lf - p));
			(void)am_buf_append(out, "\r\n", 2);
		}
		p = lf + 1;
	}
	(void)am_buf_append(out, p, (size_t)(end - p));
}

/*
 * hdr_relaxed_part - relaxed form of a name (lower) or a value: line
 * ends (CR LF, bare LF) vanish, WSP runs become one SP, WSP at either
 * end is deleted.  A bare CR is an ordinary byte, as in the body.
 */

static void
hdr_relaxed_part(const char *p, size_t len, int lower, struct am_buf *out)
{
	char		 tmp[256];
	size_t		 i, n = 0;
	int		 wsp = 0, any = 0;
	unsigned char	 ch;

	for (i = 0; i < len; i++) {
		ch = (unsigned char)p[i];
		if (ch == '\n' || (ch == '\r' && i + 1 < len && p[i + 1] == '\n'))
			continue;
		if (ch == ' ' || ch == '\t') {
			wsp = 1;
			continue;
		}
		if (n + 2 > sizeof(tmp)) {
			(void)am_buf_append(out, tmp, n);
			n = 0;
		}
		if (wsp && any)
			tmp[n++] = ' ';
		wsp = 0;
		any = 1;
		if (lower && ch >= 'A' && ch <= 'Z')
			ch = (unsigned char)(ch - 'A' + 'a');
		tmp[n++] = (char)ch;
	}
	(void)am_buf_append(out, tmp, n);
}

/* hdr_relaxed - lowercased name, colon, value (RFC 6376 3.4.2) */

static void
hdr_relaxed(const char *f, size_t len, struct am_buf *out)
{
	const char	*colon;

	if ((colon = memchr(f, ':', len)) == NULL) {
		hdr_relaxed_part(f, len, 1, out);	/* not a field: name only */
		return;
	}
	hdr_relaxed_part(f, (size_t)(colon - f), 1, out);
	(void)am_buf_append(out, ":", 1);
	hdr_relaxed_part(colon + 1, len - (size_t)(colon + 1 - f), 0, out);
}

int
am_canon_header(enum am_canon_mode mode, const char *field, size_t len,
    int crlf, struct am_buf *out)
{
	if (len > 0 && mode == AM_CANON_SIMPLE)	/* field may be NULL if 0 */
		hdr_simple(field, len, out);
	else if (len > 0)
		hdr_relaxed(field, len, out);
	if (crlf)
		(void)am_buf_append(out, "\r\n", 2);
	return out->err ? -1 : 0;
}

/* ---------------------------------------------------------------- names */

const char *
am_canon_name(enum am_canon_mode mode)
{
	return mode == AM_CANON_RELAXED ? "relaxed" : "simple";
}

static int
canon_name_eq(const char *s, size_t n, const char *want)
{
	size_t	 i;

	if (n != strlen(want))
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char	 ch = (unsigned char)s[i];

		if (ch >= 'A' && ch <= 'Z')
			ch = (unsigned char)(ch - 'A' + 'a');
		if (ch != (unsigned char)want[i])
			return 0;
	}
	return 1;
}

/* am_canon_parse - "simple" or "relaxed", case-insensitive (RFC 5234
 * strings) */

int
am_canon_parse(const char *s, size_t n, enum am_canon_mode *out)
{
	if (canon_name_eq(s, n, "simple"))
		*out = AM_CANON_SIMPLE;
	else if (canon_name_eq(s, n, "relaxed"))
		*out = AM_CANON_RELAXED;
	else
		return -1;
	return 0;
}
