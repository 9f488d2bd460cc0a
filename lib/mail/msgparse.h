#ifndef AM_MSGPARSE_H
#define AM_MSGPARSE_H

/*
 * msgparse - split a raw message stream into header fields and body
 *
 * For the tool, the benchmarks and tests: the milter gets headers and
 * body from libmilter already split.  Fed in chunks of any size; lines
 * may end in CR LF or bare LF.  Header fields are delivered whole
 * (with their folding, without the final line end); body bytes are
 * passed through unchanged, in chunks, after the blank line.  A header
 * block that ends without a blank line (end of input) is accepted.  A
 * line in the header block that is neither a field nor a continuation
 * (no colon) ends the headers, and it and all that follows are body,
 * as Postfix treats it.
 *
 * Memory: one header field at a time, bounded by max_field bytes; a
 * longer field makes am_msgparse_feed() fail with AM_E_LIMIT.
 */

#include <stddef.h>

#include "err.h"

struct am_msgparse_cb {
	/* Returns 0, or -1 to stop with an error already in err. */
	int	(*header)(void *ctx, const char *raw, size_t len,
		    struct am_err *);
	int	(*eoh)(void *ctx, struct am_err *);
	int	(*body)(void *ctx, const char *p, size_t n, struct am_err *);
};

struct am_msgparse;

struct am_msgparse *am_msgparse_new(const struct am_msgparse_cb *, void *ctx,
		    size_t max_field);
int		 am_msgparse_feed(struct am_msgparse *, const char *, size_t,
		    struct am_err *);
/* Flushes a pending header and calls eoh if it was not called yet. */
int		 am_msgparse_end(struct am_msgparse *, struct am_err *);
void		 am_msgparse_free(struct am_msgparse **);

#endif /* AM_MSGPARSE_H */
