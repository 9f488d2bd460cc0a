/*
 * fuzz-hdr - libFuzzer target for hdr.c and msgparse.c
 *
 * Input: one byte of seed (chunk sizes and the field size limit),
 * then the data, used both as one raw field and as a whole message.
 * Checks, beyond "no crash":
 *  - am_hdr_split() views lie in the input, the name is 1*ftext and
 *    am_hdr_name_is() finds it; am_hdrs_add_raw() accepts exactly what
 *    am_hdr_split() accepts and stores no bare LF;
 *  - am_hdr_unfold() drops every CR and LF and nothing else;
 *  - msgparse gives the same fields, end of headers and body fed whole
 *    or in chunks; eoh comes once; every field splits; the body is a
 *    suffix of the input.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "hdr.h"
#include "mem.h"
#include "msgparse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_split(const char *p, size_t n)
{
	struct am_hdr	 h;
	struct am_hdrs	*hs;
	struct am_err	 err;
	char		*name;
	size_t		 i;
	int		 r;

	r = am_hdr_split(p, n, &h, &err);
	if (r == 0) {
		if (h.raw != p || h.raw_len != n || h.name != p ||
		    h.name_len == 0 || h.value < p + h.name_len + 1 ||
		    h.value + h.value_len != p + n || h.value[-1] != ':')
			__builtin_trap();
		for (i = 0; i < h.name_len; i++)
			if (h.name[i] < 33 || h.name[i] > 126 || h.name[i] == ':')
				__builtin_trap();
		name = am_strndup(h.name, h.name_len);
		if (!am_hdr_name_is(h.name, h.name_len, name))
			__builtin_trap();
		free(name);
	}
	if (n > 1 << 14)
		return;
	hs = am_hdrs_new(4, 1 << 16);
	if (am_hdrs_add_raw(hs, p, n, &err) != r)
		__builtin_trap();
	if (r == 0) {
		const struct am_hdr	*s = am_hdrs_get(hs, 0);

		for (i = 0; i < s->raw_len; i++)
			if (s->raw[i] == '\n' && (i == 0 || s->raw[i - 1] != '\r'))
				__builtin_trap();
		if (s->raw[s->raw_len] != '\0' || s->name_len != h.name_len)
			__builtin_trap();
	}
	am_hdrs_free(&hs);
}

static void
check_unfold(const char *p, size_t n)
{
	struct am_buf	 b;
	size_t		 i, keep = 0;

	for (i = 0; i < n; i++)
		keep += p[i] != '\r' && p[i] != '\n';
	am_buf_init(&b, n);
	if (am_hdr_unfold(p, n, &b) != 0 || b.len != keep ||
	    (b.len > 0 && (memchr(b.data, '\r', b.len) != NULL ||
	    memchr(b.data, '\n', b.len) != NULL)))
		__builtin_trap();
	am_buf_release(&b);
}

/* ---------------------------------------------------------------- msgparse */

struct rec {
	struct am_buf	 log;		/* fields and eoh, in order */
	struct am_buf	 body;
	struct am_hdrs	*hs;
	int		 eoh;
};

static int
on_header(void *ctx, const char *raw, size_t len, struct am_err *err)
{
	struct rec	*r = ctx;
	struct am_hdr	 h;

	if (r->eoh || am_hdr_split(raw, len, &h, err) == -1)
		__builtin_trap();
	(void)am_hdrs_add_raw(r->hs, raw, len, err);	/* limits may hit */
	(void)am_buf_append(&r->log, raw, len);
	(void)am_buf_append(&r->log, "\0H", 2);
	return 0;
}

static int
on_eoh(void *ctx, struct am_err *err)
{
	struct rec	*r = ctx;

	r->eoh++;
	(void)am_buf_append(&r->log, "\0E", 2);
	return 0;
}

static int
on_body(void *ctx, const char *p, size_t n, struct am_err *err)
{
	struct rec	*r = ctx;

	if (r->eoh != 1 || n == 0)
		__builtin_trap();
	(void)am_buf_append(&r->body, p, n);
	return 0;
}

static int
parse(const char *p, size_t n, unsigned seed, size_t max_field,
    struct rec *r)
{
	static const struct am_msgparse_cb cb = { on_header, on_eoh, on_body };
	struct am_msgparse	*mp;
	struct am_err		 err;
	uint32_t		 x = seed * 2654435761u + 7;
	size_t			 off = 0, k;
	int			 rc = 0;

	am_buf_init(&r->log, 4 * n + 16);
	am_buf_init(&r->body, n + 1);
	r->hs = am_hdrs_new(32, 4096);
	r->eoh = 0;
	mp = am_msgparse_new(&cb, r, max_field);
	while (off < n && rc == 0) {
		x = x * 1103515245u + 12345u;
		k = seed == 0 ? n : (x >> 8) % (seed % 32 + 2);
		if (k > n - off)
			k = n - off;
		rc = am_msgparse_feed(mp, p + off, k, &err);
		off += k;
	}
	if (rc == 0)
		rc = am_msgparse_end(mp, &err);
	if (rc == -1 && err.code != AM_E_LIMIT)
		__builtin_trap();
	if (rc == 0 && r->eoh != 1)
		__builtin_trap();
	am_msgparse_free(&mp);
	am_hdrs_free(&r->hs);
	return rc;
}

static void
check_msgparse(const char *p, size_t n, unsigned seed)
{
	struct rec	 whole, part;
	size_t		 max_field = (seed & 1) ? 24 : 4096;
	int		 rw, rp;

	rw = parse(p, n, 0, max_field, &whole);
	rp = parse(p, n, seed | 1, max_field, &part);
	if (rw != rp || whole.log.len != part.log.len ||
	    whole.body.len != part.body.len ||
	    memcmp(am_buf_str(&whole.log), am_buf_str(&part.log),
	    whole.log.len) != 0 ||
	    memcmp(am_buf_str(&whole.body), am_buf_str(&part.body),
	    whole.body.len) != 0)
		__builtin_trap();
	if (whole.body.len > n || (whole.body.len > 0 &&
	    memcmp(whole.body.data, p + n - whole.body.len,
	    whole.body.len) != 0))
		__builtin_trap();
	am_buf_release(&whole.log);
	am_buf_release(&whole.body);
	am_buf_release(&part.log);
	am_buf_release(&part.body);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*p = (const char *)data + 1;
	unsigned	 seed;

	if (size < 1)
		return 0;
	seed = data[0];
	size--;
	check_split(p, size);
	check_unfold(p, size);
	check_msgparse(p, size, seed);
	return 0;
}
