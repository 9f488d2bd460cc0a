#ifndef AM_DOMAIN_H
#define AM_DOMAIN_H

/*
 * domain - domain names as identities (RFC 8616, RFC 5890)
 *
 * Identities are compared in their lower-case A-label form, so that a
 * d= written in U-labels matches the same domain written in A-labels.
 */

#include <stddef.h>

#include "err.h"

/*
 * am_domain_to_alabel - convert a domain in U-labels or A-labels (or a
 * mix) to lower-case A-labels, without a trailing dot.  Rejects empty
 * labels, labels over 63 octets, names over 253, and characters that
 * cannot stand in a host name (LDH, plus '_' which DKIM selectors and
 * some d= values use).  The caller frees the result.  Returns NULL and
 * sets err on failure.
 */
char	*am_domain_to_alabel(const char *, size_t, struct am_err *);

/* Is sub equal to dom or a subdomain of it?  Both in A-label form. */
int	 am_domain_within(const char *sub, const char *dom);

/* Case-insensitive ASCII equality. */
int	 am_domain_eq(const char *, const char *);

#endif /* AM_DOMAIN_H */
