#ifndef AM_SPF_CHECK_H
#define AM_SPF_CHECK_H

/*
 * spf_check - SPF in the milter: which identities are checked, with
 * what time budget, what the verdicts make us do, and what we write
 * about them (RFC 7208 sections 2, 8 and 9; RFC 8601; RFC 7372)
 *
 * The check runs once per message, at MAIL FROM, where everything it
 * needs is known (the client address, the HELO name, the reverse-path)
 * and where a rejection costs the client the least.  Both identities
 * are checked: MAIL FROM (postmaster@HELO for the null sender) and
 * HELO.  The HELO result is kept on the connection and reused by its
 * later messages until the client says HELO again.
 *
 * One budget (SPFTimeout) covers both checks: the MAIL FROM check may
 * use all of it, the HELO check gets what is left.  A query already
 * sent when the budget runs out is still waited for (at most about
 * twice DNSTimeout, see am_dns_ldns_new).
 *
 * Verdicts are data: am_spf_check() fills a struct am_spf_msg with the
 * results and the action they call for (accept, reject or tempfail,
 * with the SMTP reply); callbacks.c carries the action out, session.c
 * writes the Authentication-Results and Received-SPF fields from it at
 * the end of the message.  No libmilter here.
 *
 * For DMARC: when state is AM_SPF_STATE_DONE, mailfrom.verdict and
 * mailfrom.domain are the SPF result and the domain it was checked for
 * (the HELO domain for the null sender, RFC 7489 section 4.1).
 */

#include <stddef.h>

#include "buf.h"
#include "config.h"
#include "decide.h"
#include "log.h"
#include "spf.h"

/* Per connection: the HELO name and its check, reused per message. */
struct am_spf_conn {
	char			 helo[AM_SPF_IDENTITY_MAX + 1]; /* "": none */
	int			 helo_done;	/* helo_res is for helo */
	struct am_spf_result	 helo_res;
};

enum am_spf_state {
	AM_SPF_STATE_OFF,	/* SPFMode off, or no MAIL FROM seen */
	AM_SPF_STATE_SKIPPED,	/* trusted client or no client address */
	AM_SPF_STATE_DONE	/* mailfrom (and helo if has_helo) hold
				 * results */
};

/* Per message. */
struct am_spf_msg {
	enum am_spf_state	 state;
	char			 why[160];	/* SKIPPED: why */
	struct am_spf_result	 mailfrom;
	struct am_spf_result	 helo;
	int			 has_helo;	/* a HELO name was checked */
	char			 ip[64];
	char			 helo_name[AM_SPF_IDENTITY_MAX + 1];
	char			 envfrom[AM_SPF_IDENTITY_MAX + 2]; /* as
						 * given, "" null sender */
	/* What the MAIL FROM verdict makes us do. */
	enum am_action		 action;	/* accept, reject, tempfail */
	const char		*rcode;		/* "550", "451"; static */
	const char		*xcode;		/* "5.7.23" ...; static */
	char			 reply[420];	/* reply text, '%' doubled */
};

/* What the MTA told us at MAIL FROM. */
struct am_spf_input {
	const struct am_client	*client;	/* for the trust decision */
	const char		*ip;		/* printable; NULL unknown */
	const char		*helo;		/* NULL or "": none */
	const char		*mailfrom;	/* MAIL FROM argument, as
						 * given ("<a@b>", "<>") */
	struct am_dns		*dns;		/* the message's DNS view;
						 * NULL: the config's */
};

/* A new HELO/EHLO: forget the old name and its check. */
void	am_spf_conn_helo(struct am_spf_conn *, const char *helo);

/*
 * am_spf_check - decide whether to check, check both identities and
 * decide the action.  Logs problems (never verdicts: the message's
 * final line carries them) through log.
 */
void	am_spf_check(const struct am_config *, struct am_spf_conn *,
	    const struct am_spf_input *, const struct am_log *,
	    struct am_spf_msg *out);

/* The reverse-path of a MAIL FROM argument: "<a@b>" gives "a@b", "<>"
 * gives "", a source route "<@x,@y:a@b>" gives "a@b". */
void	am_spf_reverse_path(const char *arg, char *out, size_t size);

/*
 * am_spf_authres - appends ";\n\tspf=... smtp.mailfrom=..." and
 * ";\n\tspf=... smtp.helo=..." to an Authentication-Results value
 * (nothing unless state is DONE); a fail carries the explanation as a
 * comment, temperror and permerror the reason.
 */
void	am_spf_authres(const struct am_spf_msg *, struct am_buf *ar);

/* Appends "; spf=pass mailfrom=a@b, spf=none helo=x" (or why SPF was
 * skipped) to the message's log line. */
void	am_spf_logline(const struct am_spf_msg *, struct am_buf *line);

/*
 * am_spf_received - the value of a Received-SPF field (RFC 7208 9.1)
 * for the MAIL FROM result, folded with "\n\t", appended to out
 * (nothing unless state is DONE).  receiver is our host name.
 */
void	am_spf_received(const struct am_spf_msg *, const char *receiver,
	    struct am_buf *out);

#endif /* AM_SPF_CHECK_H */
