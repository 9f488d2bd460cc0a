#ifndef AM_DISPOSITION_H
#define AM_DISPOSITION_H

/*
 * disposition - what to do with one message, as data: the action, the
 * SMTP reply (code, enhanced code, text), and which method decided
 *
 * Every method that may act on a message (DKIM through the On-* outcome
 * options, SPF through SPF*Action, DMARC through its policy and the
 * local overrides, the signer through On-SignatureError and
 * On-InternalError) contributes one struct am_disposition, and one rule
 * merges them (am_disposition_merge):
 *
 *	the contribution whose action is more severe wins; on a tie the
 *	one already there stays, unless it decided nothing (an accept
 *	with method AM_METHOD_NONE: no reason to keep it).  Severity, least first: accept,
 *	quarantine, discard, tempfail, reject (the order of enum
 *	am_action).  Contributions are merged in the order of the SMTP
 *	stages and then of the methods: SPF (MAIL FROM), DKIM or the
 *	signer, DMARC (ARC will come after DMARC).
 *
 * So a DMARC quarantine does not undo a DKIM reject, an SPF tempfail
 * at MAIL FROM is never overridden (the message goes no further), and
 * of two rejects the first one's reply is the one the client sees.
 *
 * text is, for reject and tempfail, the SMTP reply text as given (no
 * escaping: the milter's apply.c doubles '%' for smfi_setreply); for
 * quarantine, the reason handed to the MTA's hold queue; "" for accept
 * and discard.  why is the longer reason for logs and eval.
 *
 * Pure data and functions; no allocation; any thread.
 */

#include <stddef.h>

/* What to do with a message.  Ordered by severity (the merge rule);
 * the OpenDKIM names (accept, reject, tempfail, discard, quarantine)
 * are the config file's. */
enum am_action {
	AM_ACTION_ACCEPT,
	AM_ACTION_QUARANTINE,
	AM_ACTION_DISCARD,
	AM_ACTION_TEMPFAIL,
	AM_ACTION_REJECT
};

/* Which method a contribution comes from. */
enum am_method {
	AM_METHOD_NONE,		/* nothing decided: accept */
	AM_METHOD_SPF,
	AM_METHOD_DKIM,		/* the On-* outcome of verification */
	AM_METHOD_SIGN,		/* the signer: On-SignatureError ... */
	AM_METHOD_DMARC,
	AM_METHOD_INTERNAL	/* our own failure: On-InternalError */
};

#define AM_DISP_TEXT_MAX	400	/* reply text, before escaping */

struct am_disposition {
	enum am_action	 action;
	enum am_method	 method;
	char		 code[4];	/* "550", "451"; "" */
	char		 xcode[12];	/* "5.7.1", "4.7.24"; "" */
	char		 text[AM_DISP_TEXT_MAX + 1];
	char		 why[256];
};

/* Accept, nothing decided. */
void		 am_disposition_init(struct am_disposition *);
/*
 * am_disposition_set - one contribution.  For reject and tempfail,
 * code is "550"/"451" unless given; text is cut at AM_DISP_TEXT_MAX and
 * made printable ASCII (others become '?').  NULL strings are "".
 */
void		 am_disposition_set(struct am_disposition *, enum am_action,
		    enum am_method, const char *code, const char *xcode,
		    const char *text, const char *why);
/* The merge rule above: into becomes c when c is more severe. */
void		 am_disposition_merge(struct am_disposition *into,
		    const struct am_disposition *c);
/* Does the action refuse the message (reject, tempfail)? */
int		 am_disposition_refuses(const struct am_disposition *);
const char	*am_disposition_action_name(enum am_action);
const char	*am_disposition_method_name(enum am_method);

/*
 * The outcome of DKIM verification, or of signing, that picks an On-*
 * action (OpenDKIM's options), and the reply for each (RFC 7372 codes
 * where they fit, RFC 3463 otherwise).
 */
enum am_outcome {
	AM_OUTCOME_PASS,	/* at least one signature passed */
	AM_OUTCOME_NOSIG,	/* On-NoSignature */
	AM_OUTCOME_BAD,		/* On-BadSignature: fail */
	AM_OUTCOME_DNS,		/* On-DNSError: temperror */
	AM_OUTCOME_NOKEY,	/* On-KeyNotFound */
	AM_OUTCOME_SIGERR,	/* On-BadSignature: permerror, policy */
	AM_OUTCOME_UNSIGNABLE,	/* On-SignatureError: we should sign and
				 * cannot, because of the message */
	AM_OUTCOME_INTERNAL	/* On-InternalError */
};

const char	*am_outcome_name(enum am_outcome);
/* The contribution of an outcome under the action configured for it:
 * method DKIM, SIGN or INTERNAL; the reply from the table. */
void		 am_disposition_outcome(struct am_disposition *,
		    enum am_outcome, enum am_action);

#endif /* AM_DISPOSITION_H */
