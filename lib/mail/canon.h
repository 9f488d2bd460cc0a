#ifndef AM_CANON_H
#define AM_CANON_H

/*
 * canon - streaming DKIM/ARC canonicalization (RFC 6376 section 3.4)
 *
 * A body canonicalizer turns raw body bytes into canonical bytes and
 * hands them to a sink, normally a digest.  It never sees the whole
 * body: it arrives in chunks of any size (Postfix sends 65535-byte
 * chunks, so a CR LF pair is routinely split across two calls) and the
 * canonicalizer keeps only a few bytes of state.
 *
 * Line ends (a documented decision, tested in t-canon):
 *  - CR LF is a line end.
 *  - A bare LF is also a line end, treated exactly as CR LF: messages
 *    stored or piped with Unix line ends (the tool's input, Postfix's
 *    internal form) canonicalize as they were sent on the wire.
 *    dkimpy and opendkim do the same.
 *  - A bare CR (not followed by LF) is an ordinary body byte; in relaxed
 *    mode it is not whitespace.
 * Header canonicalization follows the same rules for folding line ends.
 *
 * Usage:
 *	c = am_canon_new(AM_CANON_RELAXED, sink, sink_ctx);
 *	while (more input)
 *		am_canon_body(c, p, n);
 *	am_canon_body_end(c);
 *	am_canon_reset(c, mode, sink, sink_ctx);	(next body, no allocation)
 *	...
 *	am_canon_free(&c);
 *
 * Ownership: the canonicalizer does not own sink_ctx.
 * Errors: none; every byte sequence has a canonical form.
 * Thread safety: one canonicalizer per message; the only shared state
 * is the relaxed block kernel, chosen once per process (canon_simd.h).
 */

#include <stddef.h>

#include "buf.h"

enum am_canon_mode {
	AM_CANON_SIMPLE,
	AM_CANON_RELAXED
};

/* Receives canonical output; may be called with n == 0. */
typedef void am_canon_sink_fn(void *ctx, const unsigned char *p, size_t n);

struct am_canon;

struct am_canon	*am_canon_new(enum am_canon_mode, am_canon_sink_fn *,
		    void *sink_ctx);
/* Makes c a new canonicalizer, as am_canon_new() would, reusing it. */
void		 am_canon_reset(struct am_canon *, enum am_canon_mode,
		    am_canon_sink_fn *, void *sink_ctx);
void		 am_canon_body(struct am_canon *, const void *, size_t);
void		 am_canon_body_end(struct am_canon *);
void		 am_canon_free(struct am_canon **);

/*
 * am_canon_header - canonicalize one header field
 *
 * field is the whole raw field, "Name:value" with any folding, without
 * the final line end.  Appends the canonical form to out; with crlf
 * set, follows it with CR LF (every signed header but the signature's
 * own, RFC 6376 3.7).  Returns 0, or -1 if out is full (out->err set).
 */
int		 am_canon_header(enum am_canon_mode, const char *field,
		    size_t len, int crlf, struct am_buf *out);

/* "simple"/"relaxed" <-> mode; parse returns -1 on anything else. */
const char	*am_canon_name(enum am_canon_mode);
int		 am_canon_parse(const char *, size_t, enum am_canon_mode *out);

#endif /* AM_CANON_H */
