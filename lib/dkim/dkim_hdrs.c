/*
 * dkim_hdrs - the header part of a DKIM hash (RFC 6376 5.4.2, 3.7)
 */

#include <stdlib.h>
#include <string.h>

#include "dkim_hdrs.h"
#include "mem.h"

size_t
am_dkim_hdrs_count(const struct am_hdrs *hdrs, const char *name)
{
	const struct am_hdr	*h;
	size_t			 i, n = 0;

	for (i = 0; i < am_hdrs_count(hdrs); i++) {
		h = am_hdrs_get(hdrs, i);
		if (am_hdr_name_is(h->name, h->name_len, name))
			n++;
	}
	return n;
}

/* The last field named name not used yet, or -1. */

static long
am_dkim_hdrs_pick(const struct am_hdrs *hdrs, const char *name,
    unsigned char *used)
{
	const struct am_hdr	*h;
	size_t			 i;

	for (i = am_hdrs_count(hdrs); i > 0; i--) {
		if (used[i - 1])
			continue;
		h = am_hdrs_get(hdrs, i - 1);
		if (am_hdr_name_is(h->name, h->name_len, name)) {
			used[i - 1] = 1;
			return (long)(i - 1);
		}
	}
	return -1;
}

int
am_dkim_hdrs_canon(const struct am_hdrs *hdrs, char *const *names, size_t n,
    enum am_canon_mode mode, const char *sigfield, size_t siglen,
    struct am_buf *out)
{
	const struct am_hdr	*h;
	unsigned char		*used;
	size_t			 i;
	long			 k;

	used = am_calloc(am_hdrs_count(hdrs) + 1, 1);
	for (i = 0; i < n; i++) {
		if ((k = am_dkim_hdrs_pick(hdrs, names[i], used)) < 0)
			continue;
		h = am_hdrs_get(hdrs, (size_t)k);
		(void)am_canon_header(mode, h->raw, h->raw_len, 1, out);
	}
	free(used);
	(void)am_canon_header(mode, sigfield, siglen, 0, out);
	return out->err ? -1 : 0;
}
