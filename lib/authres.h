#ifndef AM_AUTHRES_H
#define AM_AUTHRES_H

/*
 * authres - build Authentication-Results header fields (RFC 8601)
 *
 * One struct am_authres holds one resinfo ("dkim=pass header.d=..."),
 * built up method first, then reason, properties and comments.  Values
 * are written bare when they are a token, or a domain-name or
 * [local-part]@domain-name, which RFC 8601 allows unquoted (python3-
 * authres mishandles quoted domains, so domains are never quoted), and
 * quoted-string otherwise.  Comments are escaped.  UTF-8 in values is
 * allowed (RFC 8601 section 2.2, with RFC 6532) and forces quoting.
 *
 * Usage:
 *	am_authres_init(&r);
 *	am_authres_method(&r, "dkim", "fail");
 *	am_authres_reason(&r, "body hash mismatch");
 *	am_authres_prop(&r, "header", "d", "example.com");
 *	puts(am_authres_str(&r));
 *	am_authres_release(&r);
 */

#include <stddef.h>

#include "buf.h"

#define AM_AUTHRES_MAX	4096

struct am_authres {
	struct am_buf	 buf;
};

void		 am_authres_init(struct am_authres *);
void		 am_authres_method(struct am_authres *, const char *method,
		    const char *result);
void		 am_authres_reason(struct am_authres *, const char *);
void		 am_authres_comment(struct am_authres *, const char *);
void		 am_authres_prop(struct am_authres *, const char *ptype,
		    const char *property, const char *value);
/* The resinfo so far; volatile. */
const char	*am_authres_str(const struct am_authres *);
int		 am_authres_failed(const struct am_authres *);
void		 am_authres_release(struct am_authres *);

/*
 * am_authres_header - the value of a whole header field:
 * "authserv-id; resinfo; resinfo" (or "authserv-id; none" when n == 0),
 * appended to out, unfolded.
 */
int		 am_authres_header(const char *authserv_id,
		    const struct am_authres *, size_t n, struct am_buf *out);

/* Writes v as a value (bare or quoted-string) to out. */
void		 am_authres_value(struct am_buf *out, const char *v);

#endif /* AM_AUTHRES_H */
