#ifndef AM_DKIM_HDRS_H
#define AM_DKIM_HDRS_H

/*
 * dkim_hdrs - the header part of a DKIM hash (RFC 6376 5.4.2, 3.7)
 *
 * Shared by signing and verifying: picks the fields named by h= from
 * the bottom of the header block up (a name listed k times takes its
 * last k instances; a name listed more often than it occurs contributes
 * nothing for the extra ones, which is what makes oversigning work),
 * canonicalizes each with CR LF, then appends the signature field
 * itself with b= emptied and no final CR LF.
 */

#include <stddef.h>

#include "buf.h"
#include "canon.h"
#include "hdr.h"

int	am_dkim_hdrs_canon(const struct am_hdrs *, char *const *names,
	    size_t n, enum am_canon_mode, const char *sigfield,
	    size_t siglen, struct am_buf *out);

/* Number of fields named name in the collection. */
size_t	am_dkim_hdrs_count(const struct am_hdrs *, const char *name);

#endif /* AM_DKIM_HDRS_H */
