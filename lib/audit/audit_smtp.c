/*
 * audit_smtp - the operator's own SMTP server, as a sender's client
 * sees it (RFC 5321, RFC 3207, RFC 2142)
 *
 * One connection: the banner (smtp.banner: 220, and the name it gives
 * is a PTR name of the server's address), EHLO (smtp.ehlo: 250, and
 * the name likewise), STARTTLS among the extensions (smtp.starttls),
 * then with the null sender RCPT TO:<postmaster@DOMAIN> (smtp.postmaster,
 * RFC 5321 4.5.1 MUST) and RCPT TO:<abuse@DOMAIN> (smtp.abuse, RFC 2142
 * SHOULD), then RSET and a relay attempt, a foreign sender to a
 * foreign recipient (smtp.relay: any 2xx to that RCPT is an open
 * relay).  DATA is never sent: the client quits after the last RCPT.
 * Every read and write has the timeout; a reply is at most 200 lines
 * and 64 KiB.
 */

#include <sys/socket.h>
#include <sys/types.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "audit.h"
#include "domain.h"
#include "mem.h"

#define AM_SMTP_TIMEOUT_MS	30000
#define AM_SMTP_REPLY_MAX	65536
#define AM_SMTP_PORT		25
#define AM_SMTP_REPLY_LINES	200	/* lines in one reply */

struct am_smtp {
	int		 fd;
	unsigned	 timeout_ms;
	char		 in[AM_SMTP_REPLY_MAX];
	size_t		 inlen;
	char		 reply[AM_SMTP_REPLY_MAX];	/* last reply, lines */
	int		 code;		/* its code; -1 none (I/O error) */
	char		 why[160];	/* I/O error text */
};

/* ---------------------------------------------------------------- I/O */

static int
am_smtp_wait(struct am_smtp *s, short ev)
{
	struct pollfd	 p;
	int		 r;

	p.fd = s->fd;
	p.events = ev;
	do
		r = poll(&p, 1, (int)s->timeout_ms);
	while (r == -1 && errno == EINTR);
	if (r == 0)
		(void)snprintf(s->why, sizeof(s->why), "timed out");
	else if (r == -1)
		(void)snprintf(s->why, sizeof(s->why), "%s", strerror(errno));
	return r == 1 ? 0 : -1;
}

/* One line (without CR LF) into line; -1 on error or EOF. */
static int
am_smtp_line(struct am_smtp *s, char *line, size_t size)
{
	char	*nl;
	ssize_t	 n;
	size_t	 len;

	while ((nl = memchr(s->in, '\n', s->inlen)) == NULL) {
		if (s->inlen == sizeof(s->in)) {
			(void)snprintf(s->why, sizeof(s->why), "line too long");
			return -1;
		}
		if (am_smtp_wait(s, POLLIN) == -1)
			return -1;
		n = read(s->fd, s->in + s->inlen, sizeof(s->in) - s->inlen);
		if (n <= 0) {
			(void)snprintf(s->why, sizeof(s->why), "%s", n == 0 ?
			    "connection closed" : strerror(errno));
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

/* Reads one (multi-line) reply: s->code, s->reply ("text\n" a line). */
static int
am_smtp_read(struct am_smtp *s)
{
	char	 line[1024];
	size_t	 off = 0, nlines;
	int	 n;

	s->code = -1;
	s->reply[0] = '\0';
	for (nlines = 0;; nlines++) {
		if (nlines == AM_SMTP_REPLY_LINES) {
			(void)snprintf(s->why, sizeof(s->why), "reply of more "
			    "than %d lines", AM_SMTP_REPLY_LINES);
			return -1;
		}
		if (am_smtp_line(s, line, sizeof(line)) == -1)
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

static int
am_smtp_cmd(struct am_smtp *s, const char *cmd)
{
	char		 buf[600];
	size_t		 off = 0, len;
	ssize_t		 n;

	len = (size_t)snprintf(buf, sizeof(buf), "%s\r\n", cmd);
	while (off < len) {
		if (am_smtp_wait(s, POLLOUT) == -1)
			return -1;
		n = send(s->fd, buf + off, len - off, MSG_NOSIGNAL);
		if (n <= 0) {
			(void)snprintf(s->why, sizeof(s->why), "%s",
			    strerror(errno));
			return -1;
		}
		off += (size_t)n;
	}
	return am_smtp_read(s);
}

/* ---------------------------------------------------------------- connect */

/* Splits "HOST", "HOST:PORT", "[ADDR]:PORT" or a bare IPv6 address. */
static int
am_smtp_split(const char *hp, char *host, size_t size, unsigned *port)
{
	const char	*colon = strrchr(hp, ':'), *h = hp;
	size_t		 hl;
	char		*end;
	long		 v;

	*port = AM_SMTP_PORT;
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

/* The host's address as text into addr; -1 with why. */
static int
am_smtp_resolve(struct am_dns *dns, const char *host, char *addr,
    size_t size, char *why, size_t wsize)
{
	struct am_dns_result	 res;
	unsigned char		 b[16];
	enum am_dns_status	 st;
	int			 v6 = 0;

	if (inet_pton(AF_INET, host, b) == 1 ||
	    inet_pton(AF_INET6, host, b) == 1)
		return inet_ntop(inet_pton(AF_INET, host, b) == 1 ? AF_INET :
		    AF_INET6, b, addr, (socklen_t)size) != NULL ? 0 : -1;
	st = am_dns_lookup(dns, host, AM_DNS_A, &res);
	if (st != AM_DNS_OK) {
		am_dns_result_release(&res);
		st = am_dns_lookup(dns, host, AM_DNS_AAAA, &res);
		v6 = 1;
	}
	if (st == AM_DNS_OK && res.n > 0)
		(void)inet_ntop(v6 ? AF_INET6 : AF_INET, res.rr[0].addr, addr,
		    (socklen_t)size);
	else
		(void)snprintf(why, wsize, "%.100s has no address (%s)", host,
		    am_dns_status_name(st));
	am_dns_result_release(&res);
	return st == AM_DNS_OK && res.n > 0 ? 0 : -1;
}

static int
am_smtp_connect(struct am_smtp *s, const char *addr, unsigned port)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 sl;
	int			 e = 0;
	socklen_t		 el = sizeof(e);

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		sl = sizeof(*sin);
	} else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		sl = sizeof(*sin6);
	} else
		return -1;
	s->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (s->fd == -1) {
		(void)snprintf(s->why, sizeof(s->why), "%s", strerror(errno));
		return -1;
	}
	if (connect(s->fd, (struct sockaddr *)&ss, sl) == 0)
		return 0;
	if (errno != EINPROGRESS || am_smtp_wait(s, POLLOUT) == -1) {
		if (errno != EINPROGRESS)
			(void)snprintf(s->why, sizeof(s->why), "%s",
			    strerror(errno));
		return -1;
	}
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &e, &el) == -1 || e != 0) {
		(void)snprintf(s->why, sizeof(s->why), "%s", strerror(e));
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- checks */

/* The first word of the first reply line. */
static void
am_smtp_name(const char *reply, char *out, size_t size)
{
	size_t	 n = strcspn(reply, " \n");

	(void)snprintf(out, size, "%.*s", (int)n, reply);
}

/* Is name a PTR name of addr? */
static int
am_smtp_is_ptr(struct am_dns *dns, const char *addr, const char *name,
    char *ptr, size_t size)
{
	struct am_dns_result	 res;
	char			 rev[128];
	size_t			 i;
	int			 ok = 0;

	ptr[0] = '\0';
	if (am_dns_reverse_name(addr, NULL, rev, sizeof(rev)) == -1)
		return 0;
	if (am_dns_lookup(dns, rev, AM_DNS_PTR, &res) == AM_DNS_OK) {
		(void)snprintf(ptr, size, "%s", res.rr[0].name);
		for (i = 0; i < res.n; i++)
			ok |= am_domain_eq(res.rr[i].name, name);
	}
	am_dns_result_release(&res);
	return ok;
}

/* smtp.banner / smtp.ehlo: the name given against the PTR. */
static void
am_smtp_named(struct am_dns *dns, const char *domain, const char *check,
    const char *what, const char *addr, const char *name, struct am_audit *a)
{
	struct am_audit_finding	*f;
	char			 ptr[256];

	if (am_smtp_is_ptr(dns, addr, name, ptr, sizeof(ptr))) {
		am_audit_add(a, AM_AUDIT_PASS, check, domain,
		    "RFC 5321 4.1.1.1", "%s names %s, the PTR name of %s",
		    what, name, addr);
		return;
	}
	f = am_audit_add(a, AM_AUDIT_WARN, check, domain, "RFC 5321 4.1.1.1",
	    "%s names %s; the PTR name of %s is %s", what,
	    name[0] != '\0' ? name : "nothing", addr,
	    ptr[0] != '\0' ? ptr : "missing");
	if (ptr[0] != '\0')
		am_audit_fix(f, "set the server's host name to %s (Postfix: "
		    "myhostname = %s)", ptr, ptr);
	else
		am_audit_fix(f, "give %s a PTR record naming the server", addr);
}

static void
am_smtp_rcpt(struct am_smtp *s, const char *domain, const char *local,
    enum am_audit_severity bad, const char *rfc, struct am_audit *a)
{
	struct am_audit_finding	*f;
	char			 cmd[400], check[32];

	(void)snprintf(check, sizeof(check), "smtp.%s", local);
	(void)snprintf(cmd, sizeof(cmd), "RCPT TO:<%s@%s>", local, domain);
	if (am_smtp_cmd(s, cmd) == 0 && s->code / 100 == 2) {
		am_audit_add(a, AM_AUDIT_PASS, check, domain, rfc,
		    "%s@%s accepted (%d)", local, domain, s->code);
		return;
	}
	f = am_audit_add(a, bad, check, domain, rfc, "%s@%s refused: %d %.200s",
	    local, domain, s->code, s->code == -1 ? s->why : s->reply);
	am_audit_fix(f, "create the mailbox or an alias (Postfix: "
	    "/etc/aliases \"%s: root\", then newaliases)", local);
}

static void
am_smtp_relay(struct am_smtp *s, const char *domain, struct am_audit *a)
{
	struct am_audit_finding	*f;
	const char		*from = am_domain_within(domain, "example.org")
				    ? "example.com" : "example.org";
	const char		*to = am_domain_within(domain, "example.net")
				    ? "example.com" : "example.net";
	char			 cmd[300];

	(void)am_smtp_cmd(s, "RSET");
	(void)snprintf(cmd, sizeof(cmd), "MAIL FROM:<check-domain@%s>", from);
	if (am_smtp_cmd(s, cmd) == -1 || s->code / 100 != 2) {
		am_audit_add(a, AM_AUDIT_PASS, "smtp.relay", domain,
		    "RFC 5321 3.6.2", "a foreign sender is refused at MAIL "
		    "(%d): not an open relay", s->code);
		return;
	}
	(void)snprintf(cmd, sizeof(cmd), "RCPT TO:<relay-test@%s>", to);
	if (am_smtp_cmd(s, cmd) == 0 && s->code / 100 == 2) {
		f = am_audit_add(a, AM_AUDIT_FAIL, "smtp.relay", domain,
		    "RFC 5321 3.6.2", "OPEN RELAY: mail from check-domain@%s "
		    "to relay-test@%s accepted (%d); spammers will use the "
		    "server and every blocklist will list it", from, to,
		    s->code);
		am_audit_fix(f, "relay only for your own networks and "
		    "authenticated clients (Postfix: smtpd_relay_restrictions "
		    "= permit_mynetworks, permit_sasl_authenticated, "
		    "reject_unauth_destination); run this check from outside "
		    "mynetworks");
		return;
	}
	am_audit_add(a, AM_AUDIT_PASS, "smtp.relay", domain, "RFC 5321 3.6.2",
	    "relay to relay-test@%s refused (%d): not an open relay", to,
	    s->code);
}

/* After EHLO: STARTTLS, postmaster, abuse, relay. */
static void
am_smtp_session(struct am_smtp *s, const char *domain, struct am_audit *a)
{
	struct am_audit_finding	*f;
	const char		*p;
	int			 tls = 0;

	for (p = strchr(s->reply, '\n'); p != NULL && p[1] != '\0';
	    p = strchr(p + 1, '\n'))
		if (strncasecmp(p + 1, "STARTTLS", 8) == 0 &&
		    (p[9] == '\n' || p[9] == ' '))
			tls = 1;
	if (tls)
		am_audit_add(a, AM_AUDIT_PASS, "smtp.starttls", domain,
		    "RFC 3207", "STARTTLS offered");
	else {
		f = am_audit_add(a, AM_AUDIT_FAIL, "smtp.starttls", domain,
		    "RFC 3207", "STARTTLS not offered: mail to and from the "
		    "server travels in clear, and large receivers mark it");
		am_audit_fix(f, "install a certificate and turn TLS on "
		    "(Postfix: smtpd_tls_chain_files, smtpd_tls_security_level "
		    "= may)");
	}
	if (am_smtp_cmd(s, "MAIL FROM:<>") == -1 || s->code / 100 != 2) {
		f = am_audit_add(a, AM_AUDIT_FAIL, "smtp.postmaster", domain,
		    "RFC 5321 4.5.5", "the null sender (bounces) is refused at "
		    "MAIL: %d %.200s", s->code, s->code == -1 ? s->why :
		    s->reply);
		am_audit_fix(f, "accept MAIL FROM:<> (RFC 5321 4.5.5)");
		return;
	}
	am_smtp_rcpt(s, domain, "postmaster", AM_AUDIT_FAIL, "RFC 5321 4.5.1",
	    a);
	am_smtp_rcpt(s, domain, "abuse", AM_AUDIT_WARN, "RFC 2142 2", a);
	am_smtp_relay(s, domain, a);
}

static void
am_smtp_ehlo_name(char *out, size_t size)
{
	char	 h[256];

	if (gethostname(h, sizeof(h)) == 0 && (h[sizeof(h) - 1] = '\0',
	    strchr(h, '.') != NULL))
		(void)snprintf(out, size, "%s", h);
	else
		(void)snprintf(out, size, "check-domain.invalid");
}

static void
am_smtp_dialog(struct am_dns *dns, struct am_smtp *s, const char *domain,
    const char *addr, char *helo_out, size_t size, struct am_audit *a)
{
	struct am_audit_finding	*f;
	char			 name[256], cmd[300];

	if (am_smtp_read(s) == -1 || s->code != 220) {
		f = am_audit_add(a, AM_AUDIT_FAIL, "smtp.banner", domain,
		    "RFC 5321 4.2", "no 220 greeting: %d %.200s", s->code,
		    s->code == -1 ? s->why : s->reply);
		am_audit_fix(f, "check that the server accepts connections "
		    "from outside");
		return;
	}
	am_smtp_name(s->reply, name, sizeof(name));
	am_smtp_named(dns, domain, "smtp.banner", "the 220 greeting", addr,
	    name, a);
	am_smtp_ehlo_name(name, sizeof(name));
	(void)snprintf(cmd, sizeof(cmd), "EHLO %s", name);
	if (am_smtp_cmd(s, cmd) == -1 || s->code != 250) {
		f = am_audit_add(a, AM_AUDIT_FAIL, "smtp.ehlo", domain,
		    "RFC 5321 4.1.1.1", "EHLO refused: %d %.200s", s->code,
		    s->code == -1 ? s->why : s->reply);
		am_audit_fix(f, "answer EHLO with 250 (every current MTA does)");
		return;
	}
	am_smtp_name(s->reply, name, sizeof(name));
	(void)snprintf(helo_out, size, "%s", name);
	am_smtp_named(dns, domain, "smtp.ehlo", "the EHLO reply", addr, name,
	    a);
	am_smtp_session(s, domain, a);
}

void
am_audit_smtp(struct am_dns *dns, const char *domain, const char *hostport,
    unsigned timeout_ms, char *helo_out, size_t size, struct am_audit *a)
{
	struct am_audit_finding	*f;
	struct am_smtp		*s;
	char			 host[256], addr[64];
	unsigned		 port;

	helo_out[0] = '\0';
	s = am_calloc(1, sizeof(*s));
	s->fd = -1;
	s->timeout_ms = timeout_ms > 0 ? timeout_ms : AM_SMTP_TIMEOUT_MS;
	if (am_smtp_split(hostport, host, sizeof(host), &port) == -1) {
		am_audit_add(a, AM_AUDIT_FAIL, "smtp.connect", domain, NULL,
		    "%s is not HOST[:PORT]", hostport);
	} else if (am_smtp_resolve(dns, host, addr, sizeof(addr), s->why,
	    sizeof(s->why)) == -1 || am_smtp_connect(s, addr, port) == -1) {
		f = am_audit_add(a, AM_AUDIT_FAIL, "smtp.connect", domain,
		    "RFC 5321 3.1", "cannot connect to %s port %u: %s", host,
		    port, s->why);
		am_audit_fix(f, "check the server runs and that port %u is "
		    "open to the Internet", port);
	} else {
		am_audit_add(a, AM_AUDIT_PASS, "smtp.connect", domain,
		    "RFC 5321 3.1", "connected to %s port %u", addr, port);
		am_smtp_dialog(dns, s, domain, addr, helo_out, size, a);
		if (s->code != -1)
			(void)am_smtp_cmd(s, "QUIT");
	}
	if (s->fd != -1)
		close(s->fd);
	free(s);
}
