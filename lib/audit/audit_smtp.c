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
 * and 64 KiB (the connection and its replies: lib/mail/smtpc.h).
 */

#include <sys/socket.h>
#include <sys/types.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "audit.h"
#include "domain.h"
#include "smtpc.h"

#define AM_SMTP_TIMEOUT_MS	30000
#define AM_SMTP_PORT		25

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
am_smtp_rcpt(struct am_smtpc *s, const char *domain, const char *local,
    enum am_audit_severity bad, const char *rfc, struct am_audit *a)
{
	struct am_audit_finding	*f;
	char			 cmd[400], check[32];

	(void)snprintf(check, sizeof(check), "smtp.%s", local);
	(void)snprintf(cmd, sizeof(cmd), "RCPT TO:<%s@%s>", local, domain);
	if (am_smtpc_cmd(s, cmd) == 0 && s->code / 100 == 2) {
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
am_smtp_relay(struct am_smtpc *s, const char *domain, struct am_audit *a)
{
	struct am_audit_finding	*f;
	const char		*from = am_domain_within(domain, "example.org")
				    ? "example.com" : "example.org";
	const char		*to = am_domain_within(domain, "example.net")
				    ? "example.com" : "example.net";
	char			 cmd[300];

	(void)am_smtpc_cmd(s, "RSET");
	(void)snprintf(cmd, sizeof(cmd), "MAIL FROM:<check-domain@%s>", from);
	if (am_smtpc_cmd(s, cmd) == -1 || s->code / 100 != 2) {
		am_audit_add(a, AM_AUDIT_PASS, "smtp.relay", domain,
		    "RFC 5321 3.6.2", "a foreign sender is refused at MAIL "
		    "(%d): not an open relay", s->code);
		return;
	}
	(void)snprintf(cmd, sizeof(cmd), "RCPT TO:<relay-test@%s>", to);
	if (am_smtpc_cmd(s, cmd) == 0 && s->code / 100 == 2) {
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
am_smtp_session(struct am_smtpc *s, const char *domain, struct am_audit *a)
{
	struct am_audit_finding	*f;

	if (am_smtpc_has_ext(s, "STARTTLS", NULL, 0))
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
	if (am_smtpc_cmd(s, "MAIL FROM:<>") == -1 || s->code / 100 != 2) {
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
am_smtp_dialog(struct am_dns *dns, struct am_smtpc *s, const char *domain,
    const char *addr, char *helo_out, size_t size, struct am_audit *a)
{
	struct am_audit_finding	*f;
	char			 name[256], cmd[300];

	if (am_smtpc_read(s) == -1 || s->code != 220) {
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
	if (am_smtpc_cmd(s, cmd) == -1 || s->code != 250) {
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
	struct am_smtpc		*s;
	char			 host[256], addr[64];
	unsigned		 port;

	helo_out[0] = '\0';
	s = am_smtpc_new(timeout_ms > 0 ? timeout_ms : AM_SMTP_TIMEOUT_MS, 0);
	if (am_smtpc_split(hostport, host, sizeof(host), &port, AM_SMTP_PORT)
	    == -1) {
		am_audit_add(a, AM_AUDIT_FAIL, "smtp.connect", domain, NULL,
		    "%s is not HOST[:PORT]", hostport);
	} else if (am_smtp_resolve(dns, host, addr, sizeof(addr), s->why,
	    sizeof(s->why)) == -1 || am_smtpc_connect(s, addr, port) == -1) {
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
			(void)am_smtpc_cmd(s, "QUIT");
	}
	am_smtpc_free(&s);
}
