#ifndef AM_TAGVAL_H
#define AM_TAGVAL_H

/*
 * tagval - "tag=value" lists (RFC 6376 3.2), for DKIM signatures, DKIM
 * key records, and later DMARC records and ARC headers
 *
 * The parser works on a view and returns views into it: nothing is
 * copied or owned.  Tag names are ALPHA *(ALPHA / DIGIT / "_"), compared
 * case-sensitively as RFC 6376 says.  FWS around tags, '=' and values
 * is skipped; FWS inside a value is kept (callers that need it gone,
 * such as b=, bh=, p= and h=, remove it).  A trailing ';' is allowed.
 * A duplicate tag, an empty tag name, a missing '=', or a value with a
 * character outside tval (VCHAR except ';', plus WSP and FWS; and UTF-8
 * octets as RFC 8616 allows) is a syntax error.  More than
 * AM_TAGVAL_MAX tags is AM_E_LIMIT.
 */

#include <stddef.h>

#include "err.h"

#define AM_TAGVAL_MAX	64

struct am_tag {
	const char	*name;
	size_t		 name_len;
	const char	*value;		/* may be empty (len 0) */
	size_t		 value_len;
};

struct am_tagval {
	size_t		 n;
	struct am_tag	 tags[AM_TAGVAL_MAX];
};

int		 am_tagval_parse(const char *, size_t, struct am_tagval *out,
		    struct am_err *);
/* Is c folding white space (SP, HTAB, CR, LF)? */
int		 am_tagval_is_fws(int c);
/* Does the view p, n equal s, ignoring ASCII case? */
int		 am_tagval_ci_eq(const char *p, size_t n, const char *s);
/* The tag named name, or NULL. */
const struct am_tag *am_tagval_get(const struct am_tagval *, const char *name);

#endif /* AM_TAGVAL_H */
