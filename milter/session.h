#ifndef AM_SESSION_H
#define AM_SESSION_H

/*
 * session - per-connection and per-message state
 *
 * A connection (struct am_conn) lives from negotiate to close.  A
 * message (struct am_msg) lives from MAIL FROM to the end of the
 * message, abort or close, and holds a reference on the configuration
 * snapshot that was current when it started.  Nothing here calls
 * libmilter: callbacks.c marshals the MTA's data in, and apply.c
 * carries out what am_msg_eom() decided, which is kept as data in the
 * message (the headers to delete and add, the action, the reply).
 *
 * Memory: the header block is collected once (bounded by the
 * snapshot's limits) until the end of headers, where the decision is
 * made and it is handed to the signer or the verifier; the body is
 * streamed and never kept.
 */

#include <sys/socket.h>

#include <stddef.h>

#include "buf.h"
#include "config.h"
#include "daemon.h"
#include "decide.h"
#include "dkim_sign.h"
#include "dkim_verify.h"
#include "dmarc_check.h"
#include "hdr.h"
#include "log.h"
#include "spf_check.h"

struct am_msg;

struct am_conn {
	struct sockaddr_storage	 ss;
	int			 has_addr;
	char			 host[256];
	char			 addr[64];	/* printable; "unknown" */
	int			 leadspc;	/* SMFIP_HDR_LEADSPC agreed */
	int			 can_skip;	/* SMFIP_SKIP agreed */
	int			 nr_hdr;	/* SMFIP_NR_HDR agreed */
	struct am_spf_conn	 spf;		/* HELO name, its SPF check */
	struct am_msg		*msg;
};

struct am_msg {
	struct am_config	*cfg;		/* reference held */
	struct am_logdest	 dest;
	struct am_log		 log;		/* prefix: the queue id */
	struct am_log		 liblog;	/* lib's verdict lines: debug */
	char			 qid[64];
	/* Every lookup of the message goes through this view of cfg->dns:
	 * one DNSBudget for all, failures remembered (dns.h). */
	struct am_dns		*dns;

	/* Until the end of headers. */
	struct am_hdrs		*hdrs;
	int			 hdr_failed;	/* limits: permerror */
	char			 hdr_why[160];
	/* Authentication-Results fields seen, and the 1-based indices
	 * (ascending) of those that must go. */
	size_t			 n_ar;
	size_t			*ar_del;
	size_t			 n_ar_del, cap_ar_del;

	/* From MAIL FROM on: SPF results (DMARC reads spf.mailfrom when
	 * spf.state is AM_SPF_STATE_DONE) and the action they call for. */
	struct am_spf_msg	 spf;

	struct am_decision	 dec;
	/* DMARC: decided at the end of a verified message. */
	char			 client_ip[64];
	int			 dmarc_exempt;	/* never enforced: why */
	char			 dmarc_why[160];
	struct am_dmarc_msg	 dmarc;
	struct am_dmarc_upstream upstream;	/* TrustedAuthservIDs */
	int			 dmarc_decides;	/* action and reply are
						 * DMARC's */
	struct am_dkim_signer	*signer;
	struct am_dkim_verifier	*verifier;
	int			 need_body;
	int			 internal;	/* our failure: On-InternalError */
	int			 unsignable;	/* the message cannot be signed:
						 * On-SignatureError */

	/* Filled by am_msg_eom(). */
	enum am_outcome		 outcome;
	enum am_action		 action;
	struct am_buf		 ar;		/* " authserv-id;\n\t..." */
	struct am_buf		 rspf;		/* Received-SPF value */
	struct am_buf		 sig[AM_SIGN_MAXSIGS]; /* " v=1; ..." */
	size_t			 nsig;
	struct am_buf		 logline;
};

struct am_conn	*am_conn_new(void);
void		 am_conn_set_peer(struct am_conn *, const char *host,
		    const struct sockaddr *);
void		 am_conn_free(struct am_conn **);

/* Starts a message on the current snapshot; NULL if there is none. */
struct am_msg	*am_msg_new(void);
void		 am_msg_set_qid(struct am_msg *, const char *);
/*
 * am_msg_mailfrom - the SPF checks, at MAIL FROM.  arg is the MAIL FROM
 * argument as given ("<a@b>"); helo the HELO name, or NULL for the one
 * the connection saw.  Returns the action (accept, reject, tempfail);
 * for the last two the reply is in m->spf and the line is logged.
 */
enum am_action	 am_msg_mailfrom(struct am_msg *, struct am_conn *,
		    const struct am_client *, const char *arg,
		    const char *helo);
/* value as the MTA gave it; leadspc: it kept its leading space. */
void		 am_msg_header(struct am_msg *, const char *name,
		    const char *value, int leadspc);
/* Decides and starts signing or verifying. */
enum am_decide_kind am_msg_eoh(struct am_msg *, const struct am_client *);
int		 am_msg_wants_body(const struct am_msg *);
/* Has SPF something to write, so that the end of the message is
 * needed even when there is nothing to sign or verify? */
int		 am_msg_spf_pending(const struct am_msg *);
void		 am_msg_body(struct am_msg *, const void *, size_t);
/* Finishes: fills ar, rspf, sig, action and logs the message's line. */
void		 am_msg_eom(struct am_msg *);
/* Logs the one line about the message (also for eoh decisions). */
void		 am_msg_log_final(struct am_msg *, const char *extra);
void		 am_msg_free(struct am_msg **);

#endif /* AM_SESSION_H */
