#ifndef AM_SMTPC_H
#define AM_SMTPC_H

/*
 * smtpc - the client side of one SMTP connection (RFC 5321): connect
 * with a timeout, send a command, read a reply (multi-line, RFC 5321
 * 4.2.1), what check-domain's server check (lib/audit) and the report
 * relay (lib/report) share
 *
 * Usage:
 *	s = am_smtpc_new(30000, 60000);		(per step, whole dialog)
 *	am_smtpc_split("host:587", host, sizeof(host), &port, 25);
 *	am_smtpc_connect(s, "192.0.2.1", port);
 *	am_smtpc_read(s);			(the greeting: s->code)
 *	am_smtpc_cmd(s, "EHLO me.example");	(s->code, s->reply)
 *	am_smtpc_has_ext(s, "STARTTLS");
 *	am_smtpc_set_io(s, fn, ctx);		(after STARTTLS: TLS)
 *	am_smtpc_free(&s);
 *
 * Every read and write waits at most the step timeout and never past
 * the whole dialog's deadline.  A reply is at most AM_SMTPC_REPLY_LINES
 * lines and AM_SMTPC_MAX octets; anything else is an I/O error (code
 * -1, why says what).  The I/O hook moves the bytes once a layer (TLS)
 * sits on the socket; it lives below this folder's users, so lib/mail
 * needs no TLS.  Thread safety: one connection per thread.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define AM_SMTPC_MAX		65536
#define AM_SMTPC_REPLY_LINES	200

/*
 * Moves up to n bytes (write: from buf; else into buf) within
 * timeout_ms: the count, 0 on end of input, -1 with why set.
 */
typedef ssize_t am_smtpc_io_fn(void *ctx, int write, void *buf, size_t n,
	    unsigned timeout_ms, char *why, size_t wsize);

struct am_smtpc {
	int		 fd;		/* -1: not connected */
	int		 code;		/* the last reply's; -1: I/O error */
	char		 reply[AM_SMTPC_MAX];	/* its lines, "text\n" each */
	char		 why[160];	/* the I/O error */
	/* Private. */
	unsigned	 step_ms;
	uint64_t	 deadline;	/* monotonic ms; 0: none */
	am_smtpc_io_fn	*io;
	void		*io_ctx;
	char		 in[AM_SMTPC_MAX];
	size_t		 inlen;
};

/* A connection, not yet open: step_ms bounds each read and write,
 * total_ms (0: no bound) the whole dialog from now. */
struct am_smtpc	*am_smtpc_new(unsigned step_ms, unsigned total_ms);
/* Closes the socket (not the I/O hook's state: its owner frees it). */
void	am_smtpc_free(struct am_smtpc **);

/* Splits "HOST", "HOST:PORT", "[ADDR]:PORT" or a bare IPv6 address;
 * port is defport when none is given.  0, or -1 when malformed. */
int	am_smtpc_split(const char *hp, char *host, size_t size,
	    unsigned *port, unsigned defport);
/* Connects to the address (text, v4 or v6); 0, or -1 with why. */
int	am_smtpc_connect(struct am_smtpc *, const char *addr, unsigned port);
/* Connects to the first address of host (a name through the system's
 * resolver, or an address) that answers; 0, or -1 with why. */
int	am_smtpc_connect_host(struct am_smtpc *, const char *host,
	    unsigned port);

/* Reads one reply into code and reply; 0, or -1 (code -1, why). */
int	am_smtpc_read(struct am_smtpc *);
/* Sends cmd (at most 2045 octets) and CR LF, then reads the reply; 0
 * or -1 as read.  The copy it makes is wiped (cmd may be AUTH). */
int	am_smtpc_cmd(struct am_smtpc *, const char *cmd);
/* Sends n bytes as they are; 0, or -1 with why (code -1). */
int	am_smtpc_write(struct am_smtpc *, const void *p, size_t n);
/* Is kw an extension the last (EHLO) reply names (first word of a
 * line after the first, case-insensitive)?  If so and args is not
 * NULL, the rest of that line (at most size - 1 octets) goes there. */
int	am_smtpc_has_ext(const struct am_smtpc *, const char *kw,
	    char *args, size_t size);
/* Moves the bytes through io from now on (NULL: the socket).  The
 * input buffered so far must be empty (RFC 3207 4.2: nothing read
 * before TLS may count after it): -1 with why otherwise. */
int	am_smtpc_set_io(struct am_smtpc *, am_smtpc_io_fn *io, void *ctx);
/* Milliseconds left for the next step (at least 1 while any is left,
 * 0 when the deadline has passed). */
unsigned am_smtpc_left(const struct am_smtpc *);

#endif /* AM_SMTPC_H */
