/*
 * hdr - header fields: split, compare, unfold, and a bounded collection
 *
 * The collection keeps each field as one contiguous copy of its own
 * ("Name:value" with folding, bare LF turned into CR LF), so a field's
 * views stay put while the index array grows.
 */

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "hdr.h"
#include "mem.h"

struct am_hdrs {
	struct am_hdr	*v;		/* views into the copies below */
	size_t		 n, cap;
	size_t		 max_fields;
	size_t		 max_bytes;
	size_t		 bytes;		/* sum of stored field lengths */
};

static int
hdr_is_ftext(unsigned char ch)
{
	return ch >= 33 && ch <= 126 && ch != ':';
}

static int
hdr_is_wsp(unsigned char ch)
{
	return ch == ' ' || ch == '\t';
}

int
am_hdr_split(const char *raw, size_t len, struct am_hdr *out,
    struct am_err *err)
{
	size_t	 i, nlen;

	for (i = 0; i < len && hdr_is_ftext((unsigned char)raw[i]); i++)
		;
	if (i == 0)
		return am_err_set(err, AM_E_SYNTAX,
		    "header field has an empty or invalid name");
	nlen = i;
	while (i < len && hdr_is_wsp((unsigned char)raw[i]))
		i++;
	if (i == len)
		return am_err_set(err, AM_E_SYNTAX,
		    "header field has no colon");
	if (raw[i] != ':')
		return am_err_set(err, AM_E_SYNTAX,
		    "header field name has an invalid byte at offset %zu", i);
	out->raw = raw;
	out->raw_len = len;
	out->name = raw;
	out->name_len = nlen;
	out->value = raw + i + 1;
	out->value_len = len - i - 1;
	return 0;
}

int
am_hdr_name_is(const char *name, size_t len, const char *want)
{
	size_t		 i;
	unsigned char	 a, b;

	for (i = 0; i < len; i++) {
		if ((b = (unsigned char)want[i]) == '\0')
			return 0;
		a = (unsigned char)name[i];
		if (a >= 'A' && a <= 'Z')
			a = (unsigned char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (unsigned char)(b - 'A' + 'a');
		if (a != b)
			return 0;
	}
	return want[len] == '\0';
}

/* am_hdr_unfold - drop every CR and LF: folding and stray line ends */

int
am_hdr_unfold(const char *p, size_t len, struct am_buf *out)
{
	const char	*end, *q;

	if (len == 0)			/* p may be NULL */
		return out->err ? -1 : 0;
	end = p + len;
	while (p < end) {
		for (q = p; q < end && *q != '\r' && *q != '\n'; q++)
			;
		(void)am_buf_append(out, p, (size_t)(q - p));
		p = q + (q < end);
	}
	return out->err ? -1 : 0;
}

/* ---------------------------------------------------------------- hdrs */

struct am_hdrs *
am_hdrs_new(size_t max_fields, size_t max_bytes)
{
	struct am_hdrs	*h = am_calloc(1, sizeof(*h));

	h->max_fields = max_fields;
	h->max_bytes = max_bytes;
	return h;
}

/* hdrs_norm_len - length of s with every bare LF made CR LF */

static size_t
hdrs_norm_len(const char *s, size_t n)
{
	size_t	 i, out = n;

	for (i = 0; i < n; i++)
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			out++;
	return out;
}

/* hdrs_norm_copy - copy s to d, bare LF made CR LF; returns the end */

static char *
hdrs_norm_copy(char *d, const char *s, size_t n)
{
	size_t	 i;
	char	 prev = '\0';

	for (i = 0; i < n; i++) {
		if (s[i] == '\n' && prev != '\r')
			*d++ = '\r';
		*d++ = s[i];
		prev = s[i];
	}
	return d;
}

/* hdrs_store - add a normalized copy of the raw field s[0..n) */

static int
hdrs_store(struct am_hdrs *h, const char *s, size_t n, struct am_err *err)
{
	struct am_hdr	 hd;
	size_t		 len;
	char		*copy;

	if (h->n >= h->max_fields)
		return am_err_set(err, AM_E_LIMIT,
		    "more than %zu header fields", h->max_fields);
	len = hdrs_norm_len(s, n);
	if (len > h->max_bytes - h->bytes)
		return am_err_set(err, AM_E_LIMIT,
		    "header fields exceed %zu bytes", h->max_bytes);

	copy = am_malloc(len + 1);
	*hdrs_norm_copy(copy, s, n) = '\0';
	if (am_hdr_split(copy, len, &hd, err) == -1) {
		free(copy);
		return -1;
	}
	if (h->n == h->cap) {
		h->cap = h->cap == 0 ? 16 : h->cap * 2;
		h->v = am_realloc(h->v, h->cap * sizeof(h->v[0]));
	}
	h->v[h->n++] = hd;
	h->bytes += len;
	return 0;
}

int
am_hdrs_add(struct am_hdrs *h, const char *name, size_t nlen,
    const char *value, size_t vlen, struct am_err *err)
{
	char	*f;
	int	 r;

	if (nlen > h->max_bytes || vlen > h->max_bytes - nlen)
		return am_err_set(err, AM_E_LIMIT,
		    "header fields exceed %zu bytes", h->max_bytes);
	f = am_malloc(nlen + 1 + vlen);
	memcpy(f, name, nlen);
	f[nlen] = ':';
	memcpy(f + nlen + 1, value, vlen);
	r = hdrs_store(h, f, nlen + 1 + vlen, err);
	free(f);
	return r;
}

int
am_hdrs_add_raw(struct am_hdrs *h, const char *raw, size_t len,
    struct am_err *err)
{
	return hdrs_store(h, raw, len, err);
}

size_t
am_hdrs_count(const struct am_hdrs *h)
{
	return h->n;
}

const struct am_hdr *
am_hdrs_get(const struct am_hdrs *h, size_t i)
{
	return i < h->n ? &h->v[i] : NULL;
}

void
am_hdrs_free(struct am_hdrs **hp)
{
	struct am_hdrs	*h = *hp;
	size_t		 i;

	if (h == NULL)
		return;
	for (i = 0; i < h->n; i++)
		free((char *)h->v[i].raw);	/* our copy */
	free(h->v);
	free(h);
	*hp = NULL;
}
