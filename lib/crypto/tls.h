#ifndef AM_TLS_H
#define AM_TLS_H

/*
 * tls - TLS as a client on a connected socket (RFC 8446, RFC 5246),
 * through OpenSSL: what the report relay's STARTTLS (RFC 3207) needs
 *
 * Usage:
 *	am_tls_connect(fd, "relay.example", NULL, 30000, &t, &err);
 *	am_tls_io(t, 1, "EHLO ...\r\n", n, 30000, why, sizeof(why));
 *	am_tls_free(&t);		(close_notify; the fd stays open)
 *
 * The server's chain is verified against cafile (a PEM bundle; NULL:
 * OpenSSL's default paths, Debian's /etc/ssl/certs) and its
 * certificate must name host (subjectAltName DNS names with RFC 6125
 * wildcards, or an IP address when host is one); TLS 1.2 at least;
 * SNI is host when it is a name.  Every step waits at most its
 * timeout (the fd may be blocking or not: it is made non-blocking).
 * Thread safety: a connection belongs to one thread; OpenSSL 3 needs
 * no global setup.
 */

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

struct am_tls;

/* The handshake on fd within timeout_ms; 0 with *out set, or -1 with
 * err saying why (a refused certificate says "certificate: ..."). */
int	am_tls_connect(int fd, const char *host, const char *cafile,
	    unsigned timeout_ms, struct am_tls **out, struct am_err *);
/* Reads (write 0) or writes up to n bytes within timeout_ms: the
 * count, 0 at the peer's close, -1 with why set.  Its shape is
 * lib/mail's am_smtpc_io_fn, ctx being the connection. */
ssize_t	am_tls_io(void *tls, int write, void *buf, size_t n,
	    unsigned timeout_ms, char *why, size_t wsize);
/* The protocol and cipher agreed, e.g. "TLSv1.3 TLS_AES_256_GCM_SHA384". */
void	am_tls_describe(const struct am_tls *, char *out, size_t size);
/* Sends close_notify (without waiting for the peer's) and frees; the
 * fd is the caller's. */
void	am_tls_free(struct am_tls **);

#endif /* AM_TLS_H */
