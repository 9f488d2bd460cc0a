#ifndef AM_HDR_H
#define AM_HDR_H

/*
 * hdr - header fields: split, compare, unfold, and a bounded collection
 *
 * A raw header field is "Name:value" with any folding, without its
 * final line end, exactly as it stood in the message (or as the milter
 * rebuilds it from name and value with SMFIP_HDR_LEADSPC).  Folding
 * line ends may be CR LF or bare LF; the collection stores them as
 * CR LF so that simple canonicalization sees wire bytes.
 */

#include <stddef.h>

#include "err.h"

/* A view into a raw field; nothing is owned. */
struct am_hdr {
	const char	*raw;		/* "Name:value" */
	size_t		 raw_len;
	const char	*name;		/* without trailing WSP */
	size_t		 name_len;
	const char	*value;		/* everything after the colon */
	size_t		 value_len;
};

/*
 * am_hdr_split - find name and value in a raw field
 *
 * The name is 1*ftext (RFC 5322 2.2: printable ASCII but ':'); WSP
 * between the name and the colon is tolerated (obsolete syntax) and
 * not part of name.  Returns -1 with AM_E_SYNTAX for anything else.
 */
int	am_hdr_split(const char *raw, size_t len, struct am_hdr *out,
	    struct am_err *);

/* Case-insensitive ASCII compare of a name view with a C string. */
int	am_hdr_name_is(const char *name, size_t len, const char *want);

/* am_hdr_unfold - remove line ends that precede WSP (RFC 5322 2.2.3),
 * and any other CR or LF; appends to out. */
struct am_buf;
int	am_hdr_unfold(const char *, size_t, struct am_buf *out);

/*
 * A bounded collection of the header fields of one message, in order.
 * Limits protect against hostile mail: more than max_fields fields or
 * max_bytes bytes in all make am_hdrs_add() fail with AM_E_LIMIT.
 */
struct am_hdrs;

struct am_hdrs	*am_hdrs_new(size_t max_fields, size_t max_bytes);
/* Adds "name:value" (the milter's form; value as given, with
 * SMFIP_HDR_LEADSPC it keeps its leading space). */
int		 am_hdrs_add(struct am_hdrs *, const char *name, size_t nlen,
		    const char *value, size_t vlen, struct am_err *);
/* Adds a raw field as read from a message. */
int		 am_hdrs_add_raw(struct am_hdrs *, const char *raw,
		    size_t len, struct am_err *);
size_t		 am_hdrs_count(const struct am_hdrs *);
/* The i-th field, 0 being the first in the message. Volatile until the
 * next add or free. */
const struct am_hdr *am_hdrs_get(const struct am_hdrs *, size_t i);
void		 am_hdrs_free(struct am_hdrs **);

#endif /* AM_HDR_H */
