#ifndef AM_ADDR_H
#define AM_ADDR_H

/*
 * addr - the author of a message: the From field(s) and the one
 * address in them (RFC 5322 3.4, 3.6.2)
 *
 * Signing needs exactly one From field holding exactly one mailbox;
 * anything else is never signed (and is reported by verify).  The
 * parser is small and defensive: comments (nested), quoted strings,
 * angle addresses with an obsolete route, and CFWS between atoms are
 * understood; a group, a domain literal, more than one mailbox or a
 * value over AM_ADDR_MAXVALUE bytes is refused with a reason.
 *
 * Usage:
 *	am_from_analyse(hdrs, &from);
 *	if (from.status == AM_FROM_OK) ... from.addr, from.domain ...
 */

#include <stddef.h>

#include "hdr.h"

#define AM_ADDR_MAXVALUE	4096	/* unfolded From value */

enum am_from_status {
	AM_FROM_OK,
	AM_FROM_NONE,		/* no From field */
	AM_FROM_SEVERAL_FIELDS,	/* more than one From field */
	AM_FROM_SEVERAL_ADDRS,	/* one field, more than one mailbox */
	AM_FROM_BAD		/* no usable address in it */
};

struct am_from {
	enum am_from_status	 status;
	size_t			 nfields;	/* From fields seen */
	char			 addr[512];	/* local@domain (A-labels) */
	char			 domain[256];	/* A-labels, lower case */
	char			 why[128];	/* "" when OK */
};

/* Looks at every From field in hdrs and fills out. */
void	am_from_analyse(const struct am_hdrs *, struct am_from *out);

/* Parses one From value (folded or not); fills out except nfields. */
void	am_from_parse(const char *value, size_t len, struct am_from *out);

#endif /* AM_ADDR_H */
