/*
 * buf - bounded, binary-safe byte buffer with a sticky error
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"

#define AM_BUF_MINCAP	64

void
am_buf_init(struct am_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
	b->err = 0;
}

/* am_buf_grow - make room for need more bytes, or fail */

static int
am_buf_grow(struct am_buf *b, size_t need)
{
	size_t	 want, ncap;

	if (need > b->max - b->len)		/* invariant: len <= max */
		return -1;
	want = b->len + need;			/* cannot overflow, see above */
	if (want <= b->cap && b->data != NULL)
		return 0;

	ncap = b->cap > b->max / 2 ? b->max : b->cap * 2;
	if (ncap < AM_BUF_MINCAP)
		ncap = AM_BUF_MINCAP;
	if (ncap < want)
		ncap = want;
	if (ncap > b->max)
		ncap = b->max;

	b->data = am_realloc(b->data, ncap + 1);	/* +1: NUL */
	b->cap = ncap;
	return 0;
}

int
am_buf_append(struct am_buf *b, const void *p, size_t n)
{
	if (b->err)
		return -1;
	if (am_buf_grow(b, n) == -1) {
		b->err = 1;
		return -1;
	}
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
am_buf_appendc(struct am_buf *b, int c)
{
	unsigned char	 ch = (unsigned char)c;

	return am_buf_append(b, &ch, 1);
}

int
am_buf_appends(struct am_buf *b, const char *s)
{
	return am_buf_append(b, s, strlen(s));
}

int
am_buf_vprintf(struct am_buf *b, const char *fmt, va_list ap)
{
	char	 small[256];
	va_list	 ap2;
	int	 n;

	if (b->err)
		return -1;
	va_copy(ap2, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		b->err = 1;
		return -1;
	}
	if ((size_t)n < sizeof(small))
		return am_buf_append(b, small, (size_t)n);
	if (am_buf_grow(b, (size_t)n) == -1) {
		b->err = 1;
		return -1;
	}
	(void)vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int
am_buf_printf(struct am_buf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 r;

	va_start(ap, fmt);
	r = am_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

void
am_buf_reset(struct am_buf *b)
{
	b->len = 0;
	b->err = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

void
am_buf_truncate(struct am_buf *b, size_t newlen)
{
	if (newlen >= b->len)
		return;
	b->len = newlen;
	b->data[b->len] = '\0';
}

const char *
am_buf_str(const struct am_buf *b)
{
	return b->data != NULL ? (const char *)b->data : "";
}

void
am_buf_release(struct am_buf *b)
{
	free(b->data);
	am_buf_init(b, b->max);
}
