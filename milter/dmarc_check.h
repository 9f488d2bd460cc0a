#ifndef AM_DMARC_CHECK_H
#define AM_DMARC_CHECK_H

/*
 * dmarc_check - DMARC in the milter: which clients and author domains
 * are enforced against, what the results make us do, and what we write
 * about them (RFC 9989; shared/notes/dmarcbis.md 4 and 5)
 *
 * Runs at the end of a verified message, with the DKIM results and the
 * MAIL FROM SPF result (spf_check.h).  Evaluation, the author-set
 * rules and the disposition are lib/inbound's (am_inbound_disposition),
 * so the milter and `authmilter-tool eval` decide alike:
 *  - fail under p=quarantine: quarantine (smfi_quarantine, Postfix's
 *    hold queue); under p=reject: quarantine, or reject (550 5.7.1,
 *    RejectString) with RejectFailures; HoldQuarantinedMessages no
 *    turns quarantine into accept (annotate only);
 *  - temperror: TemporaryErrorAction, tempfail (451 4.7.1) or accept;
 *  - several author domains: each evaluated, the worst decides;
 *  - no From, an empty or unparseable one: 550 5.7.1 with
 *    RequiredHeaders (the default), else dmarc=permerror and accept;
 *    several author domains are rejected with RejectMultiValueFrom;
 *  - never enforced (the A-R header still says what DMARC found):
 *    clients in InternalHosts or IgnoreHosts, authenticated clients
 *    (IgnoreAuthenticatedClients, default yes), and author domains in
 *    IgnoreMailFrom (the worst of the other domains decides; those
 *    domains are evaluated, and written, first).
 * Every evaluated author domain yields one dmarc-report record, logged
 * through the message's log (am_dmarc_report_log_sink).
 *
 * TrustedAuthservIDs (struct am_dmarc_upstream): when authmilter runs
 * behind hosts that already authenticated the mail, the spf
 * (smtp.mailfrom) and dkim (header.d) results of Authentication-Results
 * fields whose authserv-id is listed are used, parsed strictly
 * (authres.h); fields with any other authserv-id never are, and our
 * own AuthservID is never trusted (those fields are forgeries, removed
 * before ours is added).  DKIM: the trusted results are added to our
 * own verifier's (DMARC needs one aligned pass; our own pass stands
 * even if upstream saw a failure, and an upstream pass stands for a
 * message changed since, or whose signature we cannot check).  SPF: the
 * first trusted spf result replaces ours, which was checked against the
 * upstream relay's address rather than the original client's; ours is
 * used when no trusted field has one.  With the option unset, nothing
 * changes: we always compute our own.
 *
 * Verdicts are data: no libmilter here; apply.c carries out the action.
 */

#include <stddef.h>

#include "addr.h"
#include "buf.h"
#include "config.h"
#include "decide.h"
#include "dkim_verify.h"
#include "dmarc.h"
#include "inbound.h"
#include "log.h"
#include "spf_check.h"

#define AM_DMARC_UP_MAXDKIM	8	/* trusted dkim results kept */

/* SPF and DKIM results from trusted Authentication-Results fields. */
struct am_dmarc_upstream {
	size_t			 nfields;	/* trusted fields used */
	char			 id[128];	/* the first one's authserv-id */
	int			 have_spf;
	enum am_spf_verdict	 spf;
	char			 spf_domain[256]; /* A-label */
	size_t			 ndkim;
	struct {
		enum am_dkim_verdict	 verdict;
		char			 d[256];	/* A-label */
	}			 dkim[AM_DMARC_UP_MAXDKIM];
};

/*
 * am_dmarc_upstream_add - if the Authentication-Results value v has a
 * trusted authserv-id (TrustedAuthservIDs, never ours), take its spf
 * and dkim results into up.  Returns 1 when used, 0 when not trusted,
 * -1 when trusted but unparseable (logged through log, not used).
 */
int	am_dmarc_upstream_add(const struct am_config *, const char *v,
	    size_t len, const struct am_log *, struct am_dmarc_upstream *up);

struct am_dmarc_msg {
	int				 done;	/* evaluated */
	enum am_inbound_from_act	 from_act;
	const struct am_from		*from;	/* borrowed from the message */
	size_t				 n, worst;
	struct am_dmarc_result		*r;	/* n results */
	struct am_inbound_verdict	 v;
	enum am_action			 action; /* accept, quarantine,
						 * reject, tempfail */
	const char			*rcode, *xcode; /* static */
	char				 reply[320]; /* '%' doubled */
	char				 upstream[200]; /* "" or which
						 * trusted results were used */
};

/* Is the client never enforced against?  Says why (for the log). */
int	am_dmarc_exempt(const struct am_config *, const struct am_client *,
	    char *why, size_t size);

/*
 * am_dmarc_check - evaluate every author domain of from and decide.
 * exempt is am_dmarc_exempt()'s reason, or NULL.  dkim holds ndkim
 * verifier results; up holds trusted upstream results, or NULL; ip is
 * the client's address (for the reports).  Logs the report records
 * through log.  from is borrowed until am_dmarc_msg_release().  dns is
 * the message's DNS view (am_dns_message_new).
 */
void	am_dmarc_check(const struct am_config *, struct am_dns *dns,
	    const struct am_from *,
	    const struct am_spf_msg *, const struct am_dkim_result *dkim,
	    size_t ndkim, const struct am_dmarc_upstream *up,
	    const char *ip, const char *exempt,
	    const struct am_log *log, struct am_dmarc_msg *out);

/* Appends ";\n\tdmarc=..." (one per author domain) to an A-R value. */
void	am_dmarc_authres(const struct am_dmarc_msg *, struct am_buf *ar);
/* Appends "; dmarc=fail header.from=x policy=reject: quarantine (...)". */
void	am_dmarc_logline(const struct am_dmarc_msg *, struct am_buf *line);
void	am_dmarc_msg_release(struct am_dmarc_msg *);

#endif /* AM_DMARC_CHECK_H */
