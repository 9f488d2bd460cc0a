#ifndef AM_RECEIVED_SPF_H
#define AM_RECEIVED_SPF_H

/*
 * received_spf - the value of a Received-SPF field (RFC 7208 9.1) for
 * the MAIL FROM result: the verdict, the comment of 9.1's example, and
 * the key-value pairs receiver, client-ip, envelope-from, helo,
 * identity, mechanism and (for temperror and permerror) problem, each a
 * dot-atom or a quoted-string, folded with "\n\t" before a pair that
 * would take a line past 76 octets.  Pure; any thread.
 */

#include "buf.h"
#include "spf.h"

struct am_received_spf {
	const struct am_spf_result	*r;
	const char	*receiver;	/* our host name; NULL "localhost" */
	const char	*ip;		/* the client's address */
	const char	*envfrom;	/* the reverse-path; "" null sender */
	const char	*helo;		/* NULL or "": none */
};

/* Appends " verdict (comment) key=value; ..." to out. */
void	am_received_spf(const struct am_received_spf *, struct am_buf *out);

#endif /* AM_RECEIVED_SPF_H */
