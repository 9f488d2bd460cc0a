#ifndef AM_SESSION_H
#define AM_SESSION_H

/*
 * session - per-connection and per-message state
 *
 * A connection (struct am_conn) lives from negotiate to close.  A
 * message (struct am_msg, opaque) lives from MAIL FROM to the end of
 * the message, abort or close, holds a reference on the configuration
 * snapshot that was current when it started, and owns an engine
 * (lib/engine) fed with what the MTA says, its options from the one
 * config mapping (am_config_engine_opts).  Nothing here calls
 * libmilter: callbacks.c marshals the MTA's data in, and apply.c
 * carries out the result (struct am_msg_out), which is data.
 *
 * The sign/verify decision (decide.h) is made at the end of headers
 * from the engine's author set; signing is driven from here, verifying
 * is the engine's.  Memory: the header block is collected once by the
 * engine (bounded by the snapshot's limits) and handed to the signer
 * or the verifier; the body is streamed and never kept, except in the
 * bounded copy of a message to a report mailbox (report_capture.h),
 * whose DMARC evaluations are also not recorded.
 */

#include <sys/socket.h>

#include <stddef.h>

#include "buf.h"
#include "config.h"
#include "config_engine.h"
#include "decide.h"
#include "disposition.h"
#include "engine.h"
#include "log.h"

struct am_msg;

struct am_conn {
	struct sockaddr_storage	 ss;
	int			 has_addr;
	char			 host[256];
	char			 addr[64];	/* printable; "unknown" */
	int			 leadspc;	/* SMFIP_HDR_LEADSPC agreed */
	int			 can_skip;	/* SMFIP_SKIP agreed */
	int			 nr_hdr;	/* SMFIP_NR_HDR agreed */
	struct am_engine_conn	 engine;	/* HELO name, its SPF check */
	struct am_msg		*msg;
};

/* What apply.c writes to the MTA for a finished message. */
struct am_msg_out {
	int				 touch;	/* anything to do at all */
	const struct am_disposition	*disp;
	const size_t			*del;	/* A-R indices, ascending */
	size_t				 ndel;
	const struct am_buf		*ar;	/* " authserv-id;\n\t..." */
	const struct am_buf		*rspf;	/* Received-SPF value */
	const struct am_buf		*sig;	/* " v=1; ..." */
	size_t				 nsig;
	int				 software_header;
};

struct am_conn	*am_conn_new(void);
void		 am_conn_set_peer(struct am_conn *, const char *host,
		    const struct sockaddr *);
void		 am_conn_free(struct am_conn **);

/* Starts a message on the current snapshot; NULL if there is none. */
struct am_msg	*am_msg_new(void);
void		 am_msg_set_qid(struct am_msg *, const char *);
const struct am_log *am_msg_log(const struct am_msg *);
/*
 * am_msg_mailfrom - the SPF checks, at MAIL FROM.  arg is the MAIL FROM
 * argument as given ("<a@b>"); helo the HELO name, or NULL for the one
 * the connection saw.  Returns SPF's disposition; when it refuses, the
 * line is logged and the message is done.
 */
const struct am_disposition *am_msg_mailfrom(struct am_msg *,
		    struct am_conn *, const struct am_client *,
		    const char *arg, const char *helo);
void		 am_msg_rcpt(struct am_msg *, const char *arg);
/* value as the MTA gave it; leadspc: it kept its leading space. */
void		 am_msg_header(struct am_msg *, const char *name,
		    const char *value, int leadspc);
/* Has the end of headers been seen (am_msg_eoh)? */
int		 am_msg_eoh_done(const struct am_msg *);
/* Decides and starts signing or verifying.  For AM_DECIDE_REJECT and
 * AM_DECIDE_NONE (nothing to add) the line is logged; the refusal is
 * am_msg_disposition(). */
enum am_decide_kind am_msg_eoh(struct am_msg *, const struct am_client *);
/* Is the end of the message needed (signing, verifying, SPF results
 * to add)? */
int		 am_msg_needs_eom(const struct am_msg *);
int		 am_msg_wants_body(const struct am_msg *);
void		 am_msg_body(struct am_msg *, const void *, size_t);
/* Finishes: the result, and the message's log line. */
void		 am_msg_eom(struct am_msg *);
const struct am_disposition *am_msg_disposition(const struct am_msg *);
void		 am_msg_output(const struct am_msg *, struct am_msg_out *);
/* The MTA refused a header change: our failure (On-InternalError);
 * returns the disposition that now applies. */
const struct am_disposition *am_msg_apply_failed(struct am_msg *);
void		 am_msg_free(struct am_msg **);

#endif /* AM_SESSION_H */
