/*
 * smtpc - the client side of one SMTP connection (smtpc.h)
 */

#include <sys/socket.h>
#include <sys/types.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "clock.h"
#include "mem.h"
#include "smtpc.h"

struct am_smtpc *
am_smtpc_new(unsigned step_ms, unsigned total_ms)
{
	struct am_smtpc	*s = am_calloc(1, sizeof(*s));

	s->fd = -1;
	s->step_ms = step_ms > 0 ? step_ms : 30000;
	s->deadline = total_ms > 0 ? am_clock_ms(NULL, NULL) + total_ms : 0;
	return s;
}

void
am_smtpc_free(struct am_smtpc **sp)
{
	if (*sp == NULL)
		return;
	if ((*sp)->fd != -1)
		(void)close((*sp)->fd);
	free(*sp);
	*sp = NULL;
}

unsigned
am_smtpc_left(const struct am_smtpc *s)
{
	uint64_t	 now;

	if (s->deadline == 0)
		return s->step_ms;
	now = am_clock_ms(NULL, NULL);
	if (now >= s->deadline)
		return 0;
	return s->deadline - now < s->step_ms ? (unsigned)(s->deadline - now)
	    : s->step_ms;
}

/* ---------------------------------------------------------------- I/O */

static int
am_smtpc_wait(struct am_smtpc *s, short ev)
{
	struct pollfd	 p;
	unsigned	 left = am_smtpc_left(s);
	int		 r;

	p.fd = s->fd;
	p.events = ev;
	do
		r = left == 0 ? 0 : poll(&p, 1, (int)left);
	while (r == -1 && errno == EINTR);
	if (r == 0)
		(void)snprintf(s->why, sizeof(s->why), "timed out");
	else if (r == -1)
		(void)snprintf(s->why, sizeof(s->why), "%s", strerror(errno));
	return r == 1 ? 0 : -1;
}

/* One transfer through the hook or the socket: as am_smtpc_io_fn. */
static ssize_t
am_smtpc_io(struct am_smtpc *s, int wr, void *buf, size_t n)
{
	ssize_t	 r;

	if (s->io != NULL) {
		if (am_smtpc_left(s) == 0) {
			(void)snprintf(s->why, sizeof(s->why), "timed out");
			return -1;
		}
		return s->io(s->io_ctx, wr, buf, n, am_smtpc_left(s), s->why,
		    sizeof(s->why));
	}
	if (am_smtpc_wait(s, wr ? POLLOUT : POLLIN) == -1)
		return -1;
	r = wr ? send(s->fd, buf, n, MSG_NOSIGNAL) : read(s->fd, buf, n);
	if (r < 0)
		(void)snprintf(s->why, sizeof(s->why), "%s", strerror(errno));
	return r;
}

/* One line (without CR LF) into line; -1 on error or end of input. */
static int
am_smtpc_line(struct am_smtpc *s, char *line, size_t size)
{
	char	*nl;
	ssize_t	 n;
	size_t	 len;

	while ((nl = memchr(s->in, '\n', s->inlen)) == NULL) {
		if (s->inlen == sizeof(s->in)) {
			(void)snprintf(s->why, sizeof(s->why), "line too long");
			return -1;
		}
		n = am_smtpc_io(s, 0, s->in + s->inlen,
		    sizeof(s->in) - s->inlen);
		if (n <= 0) {
			if (n == 0)
				(void)snprintf(s->why, sizeof(s->why),
				    "connection closed");
			return -1;
		}
		s->inlen += (size_t)n;
	}
	len = (size_t)(nl - s->in);
	(void)snprintf(line, size, "%.*s", (int)(len > 0 &&
	    s->in[len - 1] == '\r' ? len - 1 : len), s->in);
	memmove(s->in, nl + 1, s->inlen - len - 1);
	s->inlen -= len + 1;
	return 0;
}

int
am_smtpc_read(struct am_smtpc *s)
{
	char	 line[1024];
	size_t	 off = 0, nlines;
	int	 n;

	s->code = -1;
	s->reply[0] = '\0';
	for (nlines = 0;; nlines++) {
		if (nlines == AM_SMTPC_REPLY_LINES) {
			(void)snprintf(s->why, sizeof(s->why), "reply of more "
			    "than %d lines", AM_SMTPC_REPLY_LINES);
			return -1;
		}
		if (am_smtpc_line(s, line, sizeof(line)) == -1)
			return -1;
		if (strlen(line) < 3 || line[0] < '1' || line[0] > '5' ||
		    line[1] < '0' || line[1] > '9' || line[2] < '0' ||
		    line[2] > '9' || (line[3] != '\0' && line[3] != ' ' &&
		    line[3] != '-')) {
			(void)snprintf(s->why, sizeof(s->why), "not an SMTP "
			    "reply: %.60s", line);
			return -1;
		}
		n = snprintf(s->reply + off, sizeof(s->reply) - off, "%s\n",
		    line[3] != '\0' ? line + 4 : "");
		if (n > 0 && (size_t)n < sizeof(s->reply) - off)
			off += (size_t)n;
		if (line[3] != '-') {
			s->code = atoi(line);
			return 0;
		}
	}
}

int
am_smtpc_write(struct am_smtpc *s, const void *p, size_t len)
{
	size_t	 off = 0;
	ssize_t	 n;

	while (off < len) {
		n = am_smtpc_io(s, 1, (char *)(uintptr_t)p + off, len - off);
		if (n <= 0) {
			if (n == 0)
				(void)snprintf(s->why, sizeof(s->why),
				    "connection closed");
			s->code = -1;
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

int
am_smtpc_cmd(struct am_smtpc *s, const char *cmd)
{
	char	 buf[2048];
	int	 len, rc;

	len = snprintf(buf, sizeof(buf), "%s\r\n", cmd);
	/* buf may hold a credential (AUTH): wiped below. */
	if (len < 0 || (size_t)len >= sizeof(buf)) {
		(void)snprintf(s->why, sizeof(s->why), "command too long");
		s->code = -1;
		return -1;
	}
	rc = am_smtpc_write(s, buf, (size_t)len);
	explicit_bzero(buf, sizeof(buf));
	return rc == -1 ? -1 : am_smtpc_read(s);
}

int
am_smtpc_has_ext(const struct am_smtpc *s, const char *kw, char *args,
    size_t size)
{
	const char	*p, *e;
	size_t		 n = strlen(kw);

	for (p = strchr(s->reply, '\n'); p != NULL && p[1] != '\0';
	    p = strchr(p + 1, '\n'))
		if (strncasecmp(p + 1, kw, n) == 0 &&
		    (p[n + 1] == '\n' || p[n + 1] == ' ')) {
			if (args != NULL && size > 0) {
				p += n + 1 + (p[n + 1] == ' ');
				e = strchr(p, '\n');
				(void)snprintf(args, size, "%.*s",
				    (int)(e - p), p);
			}
			return 1;
		}
	return 0;
}

int
am_smtpc_set_io(struct am_smtpc *s, am_smtpc_io_fn *io, void *ctx)
{
	if (s->inlen != 0) {
		(void)snprintf(s->why, sizeof(s->why), "the server sent "
		    "data before the TLS handshake");
		return -1;
	}
	s->io = io;
	s->io_ctx = ctx;
	return 0;
}

/* ---------------------------------------------------------------- connect */

int
am_smtpc_split(const char *hp, char *host, size_t size, unsigned *port,
    unsigned defport)
{
	const char	*colon = strrchr(hp, ':'), *h = hp;
	size_t		 hl;
	char		*end;
	long		 v;

	*port = defport;
	if (hp[0] == '[') {
		h = hp + 1;
		if ((colon = strchr(hp, ']')) == NULL)
			return -1;
		hl = (size_t)(colon - h);
		colon = colon[1] == ':' ? colon + 1 : colon[1] == '\0' ?
		    NULL : colon;
		if (colon != NULL && *colon != ':')
			return -1;
	} else if (colon != NULL && strchr(hp, ':') != colon)
		colon = NULL, hl = strlen(hp);	/* bare IPv6 */
	else
		hl = colon != NULL ? (size_t)(colon - hp) : strlen(hp);
	if (hl == 0 || hl >= size)
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (colon != NULL) {
		v = strtol(colon + 1, &end, 10);
		if (colon[1] == '\0' || *end != '\0' || v < 1 || v > 65535)
			return -1;
		*port = (unsigned)v;
	}
	return 0;
}

static int
am_smtpc_connect_sa(struct am_smtpc *s, const struct sockaddr *sa,
    socklen_t sl)
{
	int		 e = 0;
	socklen_t	 el = sizeof(e);

	if (s->fd != -1)
		(void)close(s->fd);
	s->fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (s->fd == -1) {
		(void)snprintf(s->why, sizeof(s->why), "%s", strerror(errno));
		return -1;
	}
	if (connect(s->fd, sa, sl) == 0)
		return 0;
	if (errno != EINPROGRESS) {
		(void)snprintf(s->why, sizeof(s->why), "%s", strerror(errno));
		return -1;
	}
	if (am_smtpc_wait(s, POLLOUT) == -1)
		return -1;
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &e, &el) == -1 || e != 0) {
		(void)snprintf(s->why, sizeof(s->why), "%s", strerror(e));
		return -1;
	}
	return 0;
}

int
am_smtpc_connect(struct am_smtpc *s, const char *addr, unsigned port)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		return am_smtpc_connect_sa(s, (struct sockaddr *)sin,
		    sizeof(*sin));
	}
	if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		return am_smtpc_connect_sa(s, (struct sockaddr *)sin6,
		    sizeof(*sin6));
	}
	(void)snprintf(s->why, sizeof(s->why), "%.60s is not an address",
	    addr);
	return -1;
}

int
am_smtpc_connect_host(struct am_smtpc *s, const char *host, unsigned port)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	char		 serv[16];
	int		 rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	(void)snprintf(serv, sizeof(serv), "%u", port);
	if ((rc = getaddrinfo(host, serv, &hints, &res)) != 0) {
		(void)snprintf(s->why, sizeof(s->why), "%.100s: %s", host,
		    gai_strerror(rc));
		return -1;
	}
	rc = -1;
	for (ai = res; ai != NULL && rc != 0; ai = ai->ai_next)
		rc = am_smtpc_connect_sa(s, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(res);
	return rc;
}
