/*
 * fuzz-canon - libFuzzer target for body and header canonicalization
 *
 * Input: one byte of split seed, one byte of mode and kernel, then the
 * data.  Bit 0 of the second byte is the mode; the rest of it, modulo
 * 6, forces a relaxed block kernel (canon_simd.h: auto, vbmi2,
 * avx2-bmi2, avx2, ssse3, portable), so every kernel this CPU has gets
 * fuzzed; one the CPU lacks leaves the process's default in place.
 * The data is canonicalized whole and again in chunks whose sizes
 * come from the seed (zero-length chunks included); the outputs must
 * be equal.  Beyond that, properties every canonical body has: each
 * LF is preceded by CR, a non-empty output ends in CR LF and has no
 * empty line at its end, a simple body is never empty, and a relaxed
 * body has no HT, no SP run and no SP before a line end.  The data is
 * also run through am_canon_header() in both modes.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "canon.h"
#include "canon_simd.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);


static void
to_buf(void *ctx, const unsigned char *p, size_t n)
{
	if (am_buf_append(ctx, p, n) == -1)
		__builtin_trap();	/* output is at most 2n + 2 */
}

static enum am_canon_kernel kernel;	/* this input's, from byte 1 */

/* canon_open - a canonicalizer with this input's kernel */

static struct am_canon *
canon_open(enum am_canon_mode mode, struct am_buf *out)
{
	struct am_canon	*c = am_canon_new(mode, to_buf, out);

	(void)am_canon_set_kernel(c, kernel);	/* -1: not on this CPU */
	return c;
}

static void
canon_chunks(enum am_canon_mode mode, const uint8_t *p, size_t n,
    unsigned seed, struct am_buf *out)
{
	struct am_canon	*c = canon_open(mode, out);
	uint32_t	 r = seed * 2654435761u + 1;
	size_t		 off = 0, k, maxk;

	/* Small seeds: chunks of 0..8 bytes; large: up to 1 KiB. */
	maxk = seed < 128 ? seed % 8 + 1 : (size_t)(seed % 128) * 8 + 1;
	while (off < n) {
		r = r * 1103515245u + 12345u;
		k = (r >> 8) % (maxk + 1);
		if (k > n - off)
			k = n - off;
		am_canon_body(c, p + off, k);
		off += k;
	}
	am_canon_body_end(c);
	am_canon_free(&c);
}

static void
check_body(enum am_canon_mode mode, const struct am_buf *b)
{
	const unsigned char	*d = b->data;
	size_t			 i, n = b->len;

	if (n == 0) {
		if (mode == AM_CANON_SIMPLE)
			__builtin_trap();
		return;
	}
	if (n < 2 || d[n - 2] != '\r' || d[n - 1] != '\n')
		__builtin_trap();
	if (n >= 4 && d[n - 4] == '\r' && d[n - 3] == '\n')
		__builtin_trap();			/* trailing empty line */
	if (n == 2 && mode == AM_CANON_RELAXED)
		__builtin_trap();			/* only an empty line */
	for (i = 0; i < n; i++) {
		if (d[i] == '\n' && (i == 0 || d[i - 1] != '\r'))
			__builtin_trap();
		if (mode != AM_CANON_RELAXED)
			continue;
		if (d[i] == '\t')
			__builtin_trap();
		if (d[i] == ' ' && i + 1 < n &&
		    (d[i + 1] == ' ' || (d[i + 1] == '\r' && i + 2 < n &&
		    d[i + 2] == '\n')))
			__builtin_trap();
	}
}

static void
check_header(enum am_canon_mode mode, const uint8_t *p, size_t n)
{
	struct am_buf	 h;
	size_t		 i;

	am_buf_init(&h, 2 * n + 8);
	if (am_canon_header(mode, (const char *)p, n, 1, &h) == -1)
		__builtin_trap();
	if (h.len < 2 || h.data[h.len - 2] != '\r' || h.data[h.len - 1] != '\n')
		__builtin_trap();
	for (i = 0; i + 2 < h.len; i++) {
		if (mode == AM_CANON_SIMPLE) {
			if (h.data[i] == '\n' && (i == 0 || h.data[i - 1] != '\r'))
				__builtin_trap();
			continue;
		}
		if (h.data[i] == '\n' || h.data[i] == '\t' ||
		    (h.data[i] == ' ' && h.data[i + 1] == ' '))
			__builtin_trap();
	}
	am_buf_release(&h);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct am_buf		 whole, part;
	enum am_canon_mode	 mode;
	unsigned		 seed;

	if (size < 2)
		return 0;
	seed = data[0];
	mode = (data[1] & 1) ? AM_CANON_RELAXED : AM_CANON_SIMPLE;
	kernel = (enum am_canon_kernel)((data[1] >> 1) % 6);
	data += 2;
	size -= 2;

	am_buf_init(&whole, 2 * size + 2);
	am_buf_init(&part, 2 * size + 2);
	canon_chunks(mode, data, size, 255, &whole);	/* 1 KiB chunks */
	canon_chunks(mode, data, size, seed, &part);
	if (whole.len != part.len ||
	    (whole.len > 0 && memcmp(whole.data, part.data, whole.len) != 0))
		__builtin_trap();
	am_buf_reset(&whole);
	{
		struct am_canon	*c = canon_open(mode, &whole);

		am_canon_body(c, data, size);
		am_canon_body_end(c);
		am_canon_free(&c);
	}
	if (whole.len != part.len ||
	    (whole.len > 0 && memcmp(whole.data, part.data, whole.len) != 0))
		__builtin_trap();
	check_body(mode, &whole);
	am_buf_release(&whole);
	am_buf_release(&part);

	check_header(AM_CANON_SIMPLE, data, size);
	check_header(AM_CANON_RELAXED, data, size);
	return 0;
}
