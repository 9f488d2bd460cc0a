/*
 * t-smtpc - the SMTP client connection of lib/mail: HOST[:PORT]
 * splitting, multi-line replies, extensions, hostile replies (not SMTP,
 * too many lines, too long, closed), the deadline, the I/O hook and the
 * RFC 3207 rule that nothing read before TLS counts after it
 */

#include <sys/socket.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "smtpc.h"
#include "tap.h"

static void
test_split(void)
{
	char		 h[64];
	unsigned	 p;

	ok(am_smtpc_split("relay.example", h, sizeof(h), &p, 587) == 0 &&
	    strcmp(h, "relay.example") == 0 && p == 587, "host: default port");
	ok(am_smtpc_split("relay.example:25", h, sizeof(h), &p, 587) == 0 &&
	    strcmp(h, "relay.example") == 0 && p == 25, "host:port");
	ok(am_smtpc_split("[2001:db8::1]:465", h, sizeof(h), &p, 587) == 0 &&
	    strcmp(h, "2001:db8::1") == 0 && p == 465, "[v6]:port");
	ok(am_smtpc_split("2001:db8::1", h, sizeof(h), &p, 587) == 0 &&
	    strcmp(h, "2001:db8::1") == 0 && p == 587, "bare v6");
	ok(am_smtpc_split("relay.example:0", h, sizeof(h), &p, 587) == -1,
	    "port 0 refused");
	ok(am_smtpc_split("relay.example:65536", h, sizeof(h), &p, 587) == -1,
	    "port 65536 refused");
	ok(am_smtpc_split("relay.example:", h, sizeof(h), &p, 587) == -1,
	    "empty port refused");
	ok(am_smtpc_split(":25", h, sizeof(h), &p, 587) == -1,
	    "empty host refused");
	ok(am_smtpc_split("[2001:db8::1", h, sizeof(h), &p, 587) == -1,
	    "unclosed [ refused");
}

/* A connection whose peer is *peer (a socketpair). */
static struct am_smtpc *
pair(int *peer, unsigned step, unsigned total)
{
	struct am_smtpc	*s = am_smtpc_new(step, total);
	int		 sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return NULL;
	s->fd = sv[0];
	*peer = sv[1];
	return s;
}

static void
say(int fd, const char *text)
{
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		diag("short write");
}

static void
test_replies(void)
{
	struct am_smtpc	*s;
	char		 args[64], line[1100];
	int		 peer, i;

	s = pair(&peer, 2000, 0);
	say(peer, "250-relay.example hello\r\n250-STARTTLS\r\n"
	    "250-AUTH LOGIN PLAIN\r\n250 8BITMIME\r\n");
	ok(am_smtpc_read(s) == 0 && s->code == 250, "multi-line reply: 250");
	is_str(s->reply, "relay.example hello\nSTARTTLS\nAUTH LOGIN PLAIN\n"
	    "8BITMIME\n", "its lines");
	ok(am_smtpc_has_ext(s, "starttls", NULL, 0), "STARTTLS found "
	    "(any case)");
	ok(am_smtpc_has_ext(s, "AUTH", args, sizeof(args)) &&
	    strcmp(args, "LOGIN PLAIN") == 0, "AUTH and its mechanisms");
	ok(!am_smtpc_has_ext(s, "AUTH LOGIN PLAIN X", NULL, 0) &&
	    !am_smtpc_has_ext(s, "8BIT", NULL, 0) &&
	    !am_smtpc_has_ext(s, "relay.example", NULL, 0),
	    "no prefix match; the first line is not an extension");
	say(peer, "220 ready\n");
	ok(am_smtpc_read(s) == 0 && s->code == 220, "a bare LF line end");
	say(peer, "354\r\n");
	ok(am_smtpc_read(s) == 0 && s->code == 354, "a code alone");
	say(peer, "hello there\r\n");
	ok(am_smtpc_read(s) == -1 && s->code == -1 &&
	    strstr(s->why, "not an SMTP reply") != NULL, "not SMTP: an error");
	for (i = 0; i < AM_SMTPC_REPLY_LINES; i++)
		say(peer, "250-x\r\n");
	say(peer, "250 x\r\n");
	ok(am_smtpc_read(s) == -1 && strstr(s->why, "more than") != NULL,
	    "a reply of more than 200 lines: an error");
	am_smtpc_free(&s);
	close(peer);

	s = pair(&peer, 2000, 0);
	memset(line, 'x', sizeof(line));
	line[0] = '2', line[1] = '5', line[2] = '0', line[3] = ' ';
	for (i = 0; i < 61; i++)	/* 67100 octets: past 64 KiB */
		if (write(peer, line, sizeof(line)) != (ssize_t)sizeof(line))
			break;
	ok(am_smtpc_read(s) == -1 && strstr(s->why, "too long") != NULL,
	    "a line longer than 64 KiB: an error");
	am_smtpc_free(&s);
	close(peer);

	s = pair(&peer, 2000, 0);
	say(peer, "250-half");
	close(peer);
	ok(am_smtpc_read(s) == -1 && strstr(s->why, "closed") != NULL,
	    "closed mid-reply: an error");
	am_smtpc_free(&s);
}

static void
test_deadline(void)
{
	struct am_smtpc	*s;
	uint64_t	 t0;
	int		 peer;

	s = pair(&peer, 5000, 300);
	t0 = am_clock_ms(NULL, NULL);
	ok(am_smtpc_read(s) == -1 && strcmp(s->why, "timed out") == 0,
	    "a silent peer: timed out");
	ok(am_clock_ms(NULL, NULL) - t0 < 2000, "... at the whole deadline "
	    "(300 ms), not the step's (5 s)");
	ok(am_smtpc_left(s) == 0, "nothing left");
	am_smtpc_free(&s);
	close(peer);
}

struct hook {
	int	 calls;
};

static ssize_t
hook_io(void *ctx, int wr, void *buf, size_t n, unsigned ms, char *why,
    size_t wsize)
{
	struct hook	*h = ctx;
	const char	*r = "235 2.7.0 ok\r\n";

	(void)ms;
	h->calls++;
	if (wr)
		return (ssize_t)n;
	if (n < strlen(r)) {
		(void)snprintf(why, wsize, "small");
		return -1;
	}
	memcpy(buf, r, strlen(r));
	return (ssize_t)strlen(r);
}

static void
test_hook(void)
{
	struct am_smtpc	*s;
	struct hook	 h = { 0 };
	int		 peer;

	s = pair(&peer, 2000, 0);
	say(peer, "220 go ahead\r\n250 injected\r\n");
	ok(am_smtpc_read(s) == 0 && s->code == 220, "220 to STARTTLS");
	ok(am_smtpc_set_io(s, hook_io, &h) == -1 &&
	    strstr(s->why, "before the TLS handshake") != NULL,
	    "a reply sent ahead of the handshake is refused (RFC 3207 4.2)");
	am_smtpc_free(&s);
	close(peer);

	s = pair(&peer, 2000, 0);
	say(peer, "220 go ahead\r\n");
	ok(am_smtpc_read(s) == 0 && am_smtpc_set_io(s, hook_io, &h) == 0,
	    "the hook is set when nothing is pending");
	ok(am_smtpc_cmd(s, "AUTH PLAIN AGJvYgBzZWNyZXQ=") == 0 &&
	    s->code == 235 && h.calls == 2, "the command and its reply go "
	    "through the hook");
	am_smtpc_free(&s);
	close(peer);
}

int
main(void)
{
	test_split();
	test_replies();
	test_deadline();
	test_hook();
	done_testing();
	return 0;
}
