#ifndef AM_REPORT_SMTP_H
#define AM_REPORT_SMTP_H

/*
 * report_smtp - a report submitted over SMTP to a configured relay
 * (RFC 5321, RFC 6409): STARTTLS (RFC 3207) with the relay's
 * certificate verified, AUTH PLAIN or LOGIN (RFC 4954, RFC 4616), then
 * MAIL FROM with the report's own envelope sender, one RCPT, DATA with
 * dot-stuffing, QUIT.  One connection per message.
 *
 * A failure is told in err: "temporary" (4xx, the connection, a
 * timeout: the next run sends the report again, it is not in the
 * ledger) or "permanent" (5xx, TLS required and not offered, a refused
 * certificate, AUTH refused or impossible).  The password never
 * appears in err, nor anywhere but on the wire inside TLS (or in
 * clear when auth_in_clear says so), and the buffers that held it are
 * wiped.
 *
 * Thread safety: the settings are read only; one submission per
 * thread at a time.
 */

#include "report_send.h"

enum am_report_smtp_tls {
	AM_REPORT_SMTP_TLS_NONE,	/* never STARTTLS */
	AM_REPORT_SMTP_TLS_STARTTLS,	/* when offered (then verified) */
	AM_REPORT_SMTP_TLS_REQUIRE	/* not offered: permanent failure */
};

#define AM_REPORT_SMTP_PORT	587	/* RFC 6409 submission */

/* The settings (ReportSmtp*), referenced, not owned. */
struct am_report_smtp {
	const char		*relay;		/* host[:port] */
	enum am_report_smtp_tls	 tls;
	const char		*cafile;	/* NULL: the system's CAs */
	const char		*user;		/* NULL: no AUTH */
	const char		*password;
	int			 auth_in_clear;	/* AUTH without TLS */
	unsigned		 timeout_ms;	/* one whole message */
	/* Result of the last call: the last reply's code (0: none),
	 * and whether the failure was permanent. */
	int			 last_code;
	int			 permanent;
};

/*
 * The submitter the settings choose: with relay set, o is filled from
 * the others (tls: an enum am_report_smtp_tls value; user NULL or
 * empty: no AUTH; timeout_s: one whole message) and the relay's submit
 * function is returned with *ctx = o; else the sendmail program's,
 * with *ctx = sendmail.
 */
am_report_submit_fn *am_report_submitter(struct am_report_smtp *o,
	    const char *sendmail, const char *relay, int tls,
	    const char *cafile, const char *user, const char *password,
	    int auth_in_clear, unsigned timeout_s, void **ctx);

/* A submit function (report_send.h): ctx is a struct am_report_smtp
 * (its result fields are written). */
am_report_submit_fn	am_report_smtp_submit;

#endif /* AM_REPORT_SMTP_H */
