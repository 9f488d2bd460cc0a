#ifndef AM_BASE64_H
#define AM_BASE64_H

/*
 * base64 - the base64 of DKIM tag values (b=, bh=, p=)
 */

#include <stddef.h>

#include "buf.h"

/*
 * am_base64_decode_fws - decode base64 that may hold folding white
 * space (SP, HTAB, CR, LF), which is dropped.  Padding is required (a
 * multiple of 4 characters) and '=' only at the end.  On success sets
 * *bin_out (*bin_len bytes; the caller frees it) and, when text_out is
 * not NULL, *text_out (the text without FWS; the caller frees it), and
 * returns 0.  Returns -1, setting nothing, on anything else, including
 * empty input.
 */
int	am_base64_decode_fws(const char *, size_t, unsigned char **bin_out,
	    size_t *bin_len, char **text_out);

/* Base64 without line breaks, appended to out. */
int	am_base64_encode(const unsigned char *, size_t, struct am_buf *out);

#endif /* AM_BASE64_H */
