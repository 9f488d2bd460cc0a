/*
 * report_smtp - a report submitted over SMTP to a configured relay
 * (report_smtp.h)
 */

#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base64.h"
#include "report_smtp.h"
#include "smtpc.h"
#include "tls.h"

#define AM_RS_CHUNK	16384

struct am_rsmtp {
	struct am_report_smtp	*o;
	struct am_smtpc		*c;
	struct am_tls		*tls;
	char			 host[256];
	unsigned		 port;
	struct am_err		*err;
};

/* The failure: temporary unless perm (or a 5xx reply); always -1. */
static int
am_rsmtp_fail(struct am_rsmtp *r, int perm, const char *step)
{
	const struct am_smtpc	*c = r->c;
	char			 text[200];
	size_t			 n;

	r->o->last_code = c != NULL && c->code > 0 ? c->code : 0;
	if (r->o->last_code >= 500)
		perm = 1;
	r->o->permanent = perm;
	if (c != NULL && c->code > 0) {
		(void)snprintf(text, sizeof(text), "%d %.180s", c->code,
		    c->reply);
		for (n = 0; text[n] != '\0'; n++)
			if (text[n] == '\n')
				text[n] = text[n + 1] != '\0' ? ' ' : '\0';
	} else
		(void)snprintf(text, sizeof(text), "%s", c != NULL &&
		    c->why[0] ? c->why : "failed");
	return am_err_set(r->err, AM_E_IO, "relay %s: %s: %s (%s)", r->host,
	    step, text, perm ? "permanent failure" : "temporary failure: "
	    "sent again next run");
}

/* cmd must get a reply of class want (2 or 3); else the failure. */
static int
am_rsmtp_step(struct am_rsmtp *r, const char *cmd, int want,
    const char *step)
{
	if (am_smtpc_cmd(r->c, cmd) != 0 || r->c->code / 100 != want)
		return am_rsmtp_fail(r, 0, step);
	return 0;
}

static void
am_rsmtp_ehlo_name(struct am_rsmtp *r, char *out, size_t size)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof(ss);
	char			 h[256], a[64];

	if (gethostname(h, sizeof(h)) == 0 && (h[sizeof(h) - 1] = '\0',
	    strchr(h, '.') != NULL)) {
		(void)snprintf(out, size, "%s", h);
		return;
	}
	/* No domain name: the address literal (RFC 5321 4.1.3). */
	if (getsockname(r->c->fd, (struct sockaddr *)&ss, &sl) == 0 &&
	    ss.ss_family == AF_INET6 && inet_ntop(AF_INET6,
	    &((struct sockaddr_in6 *)&ss)->sin6_addr, a, sizeof(a)) != NULL)
		(void)snprintf(out, size, "[IPv6:%s]", a);
	else if (ss.ss_family == AF_INET && inet_ntop(AF_INET,
	    &((struct sockaddr_in *)&ss)->sin_addr, a, sizeof(a)) != NULL)
		(void)snprintf(out, size, "[%s]", a);
	else
		(void)snprintf(out, size, "[127.0.0.1]");
}

/* STARTTLS as the settings say; 0 or the failure. */
static int
am_rsmtp_starttls(struct am_rsmtp *r, const char *ehlo)
{
	struct am_err	 e;

	if (r->o->tls == AM_REPORT_SMTP_TLS_NONE)
		return 0;
	if (!am_smtpc_has_ext(r->c, "STARTTLS", NULL, 0)) {
		if (r->o->tls == AM_REPORT_SMTP_TLS_STARTTLS)
			return 0;
		r->c->code = -1;
		(void)snprintf(r->c->why, sizeof(r->c->why), "STARTTLS is not "
		    "offered and ReportSmtpTLS is require");
		return am_rsmtp_fail(r, 1, "EHLO");
	}
	if (am_rsmtp_step(r, "STARTTLS", 2, "STARTTLS") != 0)
		return -1;
	am_err_clear(&e);
	if (am_tls_connect(r->c->fd, r->host, r->o->cafile, am_smtpc_left(r->c),
	    &r->tls, &e) != 0 ||
	    am_smtpc_set_io(r->c, am_tls_io, r->tls) != 0) {
		r->c->code = -1;
		if (e.msg[0] != '\0')
			(void)snprintf(r->c->why, sizeof(r->c->why), "%s",
			    e.msg);
		return am_rsmtp_fail(r, 1, "TLS");
	}
	/* RFC 3207 4.2: forget what was said in clear, ask again. */
	return am_rsmtp_step(r, ehlo, 2, "EHLO after STARTTLS");
}

/* Appends the base64 of p to cmd; wipes the scratch. */
static void
am_rsmtp_b64(char *cmd, size_t size, const char *prefix, const void *p,
    size_t n)
{
	struct am_buf	 b;

	am_buf_init(&b, 4096);
	(void)am_base64_encode(p, n, &b);
	(void)snprintf(cmd, size, "%s%.*s", prefix, b.err ? 0 : (int)b.len,
	    b.err ? "" : (const char *)b.data);
	if (b.data != NULL)
		explicit_bzero(b.data, b.len);
	am_buf_release(&b);
}

/* AUTH PLAIN (RFC 4616) or LOGIN; 0 or the failure. */
static int
am_rsmtp_auth(struct am_rsmtp *r)
{
	const struct am_report_smtp	*o = r->o;
	char				 mech[512], cred[1024], cmd[1600];
	size_t				 lu = strlen(o->user),
					 lp = strlen(o->password);
	int				 plain, rc;

	if (r->tls == NULL && !o->auth_in_clear) {
		r->c->code = -1;
		(void)snprintf(r->c->why, sizeof(r->c->why), "no TLS: the "
		    "password is not sent in clear (ReportSmtpAuthInClear)");
		return am_rsmtp_fail(r, 1, "AUTH");
	}
	if (lu + lp + 2 > sizeof(cred)) {
		r->c->code = -1;
		(void)snprintf(r->c->why, sizeof(r->c->why), "the user name "
		    "and password are longer than %zu octets", sizeof(cred) - 2);
		return am_rsmtp_fail(r, 1, "AUTH");
	}
	mech[0] = '\0';
	if (!am_smtpc_has_ext(r->c, "AUTH", mech, sizeof(mech)) ||
	    (plain = strcasestr(mech, "PLAIN") != NULL,
	    !plain && strcasestr(mech, "LOGIN") == NULL)) {
		r->c->code = -1;
		(void)snprintf(r->c->why, sizeof(r->c->why), "AUTH PLAIN or "
		    "LOGIN is not offered (AUTH %.60s)", mech);
		return am_rsmtp_fail(r, 1, "AUTH");
	}
	if (plain) {
		cred[0] = '\0';
		memcpy(cred + 1, o->user, lu);
		cred[lu + 1] = '\0';
		memcpy(cred + lu + 2, o->password, lp);
		am_rsmtp_b64(cmd, sizeof(cmd), "AUTH PLAIN ", cred,
		    lu + lp + 2);
		rc = am_rsmtp_step(r, cmd, 2, "AUTH PLAIN");
	} else {
		am_rsmtp_b64(cmd, sizeof(cmd), "AUTH LOGIN ", o->user, lu);
		rc = am_rsmtp_step(r, cmd, 3, "AUTH LOGIN");
		if (rc == 0) {
			am_rsmtp_b64(cmd, sizeof(cmd), "", o->password, lp);
			rc = am_rsmtp_step(r, cmd, 2, "AUTH LOGIN");
		}
	}
	explicit_bzero(cred, sizeof(cred));
	explicit_bzero(cmd, sizeof(cmd));
	return rc;
}

/* The message, dot-stuffed (RFC 5321 4.5.2), then CRLF . CRLF. */
static int
am_rsmtp_data(struct am_rsmtp *r, const struct am_buf *msg)
{
	char	 out[2 * AM_RS_CHUNK + 8];
	size_t	 i, n = 0;
	int	 bol = 1;

	for (i = 0; i < msg->len; i++) {
		if (bol && msg->data[i] == '.')
			out[n++] = '.';
		if (msg->data[i] == '\n' && (i == 0 ||
		    msg->data[i - 1] != '\r'))
			out[n++] = '\r';	/* a bare LF: CRLF */
		out[n++] = (char)msg->data[i];
		bol = msg->data[i] == '\n';
		if (n >= 2 * AM_RS_CHUNK) {
			if (am_smtpc_write(r->c, out, n) != 0)
				return am_rsmtp_fail(r, 0, "DATA");
			n = 0;
		}
	}
	if (!bol) {
		out[n++] = '\r';
		out[n++] = '\n';
	}
	memcpy(out + n, ".\r\n", 3);
	n += 3;
	if (am_smtpc_write(r->c, out, n) != 0 || am_smtpc_read(r->c) != 0 ||
	    r->c->code / 100 != 2)
		return am_rsmtp_fail(r, 0, "end of DATA");
	return 0;
}

static int
am_rsmtp_dialog(struct am_rsmtp *r, const char *sender, const char *to,
    const struct am_buf *msg)
{
	char	 name[300], ehlo[320], cmd[800];

	if (am_smtpc_read(r->c) != 0 || r->c->code != 220)
		return am_rsmtp_fail(r, 0, "greeting");
	am_rsmtp_ehlo_name(r, name, sizeof(name));
	(void)snprintf(ehlo, sizeof(ehlo), "EHLO %s", name);
	if (am_rsmtp_step(r, ehlo, 2, "EHLO") != 0 ||
	    am_rsmtp_starttls(r, ehlo) != 0)
		return -1;
	if (r->o->user != NULL && r->o->user[0] != '\0' &&
	    am_rsmtp_auth(r) != 0)
		return -1;
	(void)snprintf(cmd, sizeof(cmd), "MAIL FROM:<%s>", sender);
	if (am_rsmtp_step(r, cmd, 2, "MAIL FROM") != 0)
		return -1;
	(void)snprintf(cmd, sizeof(cmd), "RCPT TO:<%s>", to);
	if (am_rsmtp_step(r, cmd, 2, "RCPT TO") != 0 ||
	    am_rsmtp_step(r, "DATA", 3, "DATA") != 0 ||
	    am_rsmtp_data(r, msg) != 0)
		return -1;
	(void)am_smtpc_cmd(r->c, "QUIT");
	return 0;
}

int
am_report_smtp_submit(void *ctx, const char *sender, const char *to,
    const struct am_buf *msg, struct am_err *err)
{
	struct am_rsmtp	 r;
	int		 rc = -1;

	memset(&r, 0, sizeof(r));
	r.o = ctx;
	r.err = err;
	r.o->last_code = 0;
	r.o->permanent = 0;
	if (am_smtpc_split(r.o->relay, r.host, sizeof(r.host), &r.port,
	    AM_REPORT_SMTP_PORT) != 0) {
		r.o->permanent = 1;
		return am_err_set(err, AM_E_USAGE, "relay %.100s: not "
		    "HOST[:PORT]", r.o->relay);
	}
	r.c = am_smtpc_new(r.o->timeout_ms, r.o->timeout_ms);
	if (am_smtpc_connect_host(r.c, r.host, r.port) != 0)
		(void)am_rsmtp_fail(&r, 0, "connect");
	else
		rc = am_rsmtp_dialog(&r, sender, to, msg);
	am_tls_free(&r.tls);
	am_smtpc_free(&r.c);
	return rc;
}

am_report_submit_fn *
am_report_submitter(struct am_report_smtp *o, const char *sendmail,
    const char *relay, int tls, const char *cafile, const char *user,
    const char *password, int auth_in_clear, unsigned timeout_s, void **ctx)
{
	memset(o, 0, sizeof(*o));
	if (relay == NULL || relay[0] == '\0') {
		*ctx = (void *)(uintptr_t)sendmail;
		return am_report_sendmail;
	}
	o->relay = relay;
	o->tls = (enum am_report_smtp_tls)tls;
	o->cafile = cafile;
	o->user = user != NULL && user[0] != '\0' ? user : NULL;
	o->password = password != NULL ? password : "";
	o->auth_in_clear = auth_in_clear;
	o->timeout_ms = (timeout_s > 0 ? timeout_s : 60) * 1000;
	*ctx = o;
	return am_report_smtp_submit;
}
