#ifndef AM_SPF_MACRO_H
#define AM_SPF_MACRO_H

/*
 * spf_macro - SPF macro syntax and expansion (RFC 7208 section 7)
 *
 * A macro-string is checked (am_spf_macro_check) when the record is
 * parsed and expanded (am_spf_macro_expand) when a term is evaluated.
 * Two contexts:
 *  - AM_SPF_MACRO_DOMAIN: a domain-spec or modifier value; the letters
 *    c, r and t are refused (7.3).  The expansion is a <target-name>:
 *    one trailing dot is dropped and a name over 253 octets loses
 *    labels from the left until it fits (7.3, 4.8).
 *  - AM_SPF_MACRO_EXPLAIN: exp= text (explain-string: SP allowed,
 *    every letter allowed), expanded as is.
 *
 * Transformers (7.1): split on the delimiters (default "."), reverse
 * with "r", keep the right-most DIGIT parts (DIGIT 0 is refused;
 * larger than the number of parts keeps them all), join with ".".
 * Upper-case letters are URL-escaped after expansion: every octet not
 * in RFC 3986 "unreserved" becomes %XX.
 *
 * Expansion of an overlong domain-spec is exact: only the last octets
 * are kept while expanding, which is all the truncation can keep.
 * Explanation output is bounded by the caller's buffer.
 */

#include <stddef.h>

#include "buf.h"
#include "err.h"

enum am_spf_macro_ctx {
	AM_SPF_MACRO_DOMAIN,
	AM_SPF_MACRO_EXPLAIN
};

/* The values of the macro letters for one check_host() call. */
struct am_spf_macro_env {
	const char	*s;		/* <sender> */
	const char	*l;		/* local-part of <sender> */
	const char	*o;		/* domain of <sender> */
	const char	*d;		/* <domain> */
	const char	*i;		/* <ip>, dotted (nibbles for IPv6) */
	const char	*c;		/* <ip>, readable */
	const char	*v;		/* "in-addr" or "ip6" */
	const char	*h;		/* HELO/EHLO domain */
	const char	*r;		/* receiving host */
	const char	*t;		/* timestamp, decimal */
	/* p: the validated domain name of <ip>, asked for only when the
	 * string uses it; NULL gives "unknown". */
	const char	*(*p)(void *ctx, const char *d);
	void		*p_ctx;
};

/* Checks s against macro-string (or explain-string) of RFC 7208 12. */
int	am_spf_macro_check(const char *s, size_t n, enum am_spf_macro_ctx,
	    struct am_err *);
/* Checks s against domain-spec: a macro-string ending in domain-end. */
int	am_spf_domain_spec_check(const char *s, size_t n, struct am_err *);
/*
 * Expands s (which should have passed the check for ctx) and appends
 * the result to out.  Returns -1 for a syntax error or when out
 * overflows (AM_E_LIMIT).
 */
int	am_spf_macro_expand(const struct am_spf_macro_env *, const char *s,
	    size_t n, enum am_spf_macro_ctx, struct am_buf *out,
	    struct am_err *);

#endif /* AM_SPF_MACRO_H */
