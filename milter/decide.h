#ifndef AM_DECIDE_H
#define AM_DECIDE_H

/*
 * decide - sign, verify or neither, and what the verdicts make us do
 *
 * Pure functions of the configuration snapshot and what the MTA told
 * us: no libmilter here, so every rule can be read in one place.
 *
 * Sign when Mode has s, the From domain has a key (am_config_sign_plan)
 * and the client is trusted: the peer is in InternalHosts, or it
 * authenticated ({auth_authen} or {auth_type}), or MacroList matches.
 * Otherwise verify if Mode has v.  A message without exactly one From
 * field holding exactly one address is never signed; RejectBadFrom
 * rejects it.  The reason is kept in why, for the log.
 */

#include <sys/socket.h>

#include <stddef.h>

#include "addr.h"
#include "config.h"
#include "dkim_verify.h"
#include "hdr.h"
#include "log.h"

/* What the MTA told us about the client. */
struct am_client {
	const struct sockaddr	*sa;		/* NULL: unknown */
	const char		*host;		/* may be NULL */
	const char		*addr;		/* printable, for logs */
	const char		*auth_authen;	/* {auth_authen} or NULL */
	const char		*auth_type;	/* {auth_type} or NULL */
	const char		*(*getmacro)(void *, const char *);
	void			*macro_ctx;
};

enum am_decide_kind {
	AM_DECIDE_NONE,		/* pass the message through untouched */
	AM_DECIDE_SIGN,
	AM_DECIDE_VERIFY,
	AM_DECIDE_REJECT	/* RejectBadFrom */
};

struct am_decision {
	enum am_decide_kind	 kind;
	char			 why[512];
	struct am_from		 from;
	struct am_sign_plan	 plan;		/* kind == AM_DECIDE_SIGN */
	/* "external host H [A] tried to send mail as D" (a domain we sign
	 * for, from an untrusted client), or "": logged at the end of the
	 * message unless DKIM or DMARC passes for D (session.c). */
	char			 external[512];
};

/* Is the client trusted: InternalHosts, SMTP AUTH or MacroList?  Says
 * why in why, either way.  (Signing, and skipping SPF.) */
int	am_decide_trusted(const struct am_config *, const struct am_client *,
	    char *why, size_t size);
void	am_decide(const struct am_config *, const struct am_client *,
	    const struct am_hdrs *, const struct am_log *,
	    struct am_decision *out);
/* The decision when the header block itself was refused (limits). */
void	am_decide_broken(const struct am_config *, const char *reason,
	    struct am_decision *out);
const char *am_decide_name(enum am_decide_kind);

/* Does this Authentication-Results value have to go before we add ours
 * (our authserv-id, RemoveARFrom, RemoveARAll)? */
int	am_decide_remove_ar(const struct am_config *, const char *value,
	    size_t len);
/* The authserv-id of an Authentication-Results value into out (cut at
 * size - 1 octets); -1 when there is none. */
int	am_decide_ar_id(const char *value, size_t len, char *out,
	    size_t size);

/* The verify outcome that picks an On-* action. */
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

/* SMTP reply for a rejection or temporary failure; static strings. */
struct am_reply {
	const char	*rcode;
	const char	*xcode;
	const char	*text;
};

enum am_outcome	 am_outcome_of(const struct am_dkim_result *, size_t n);
enum am_action	 am_outcome_action(const struct am_config *, enum am_outcome);
const char	*am_outcome_name(enum am_outcome);
void		 am_outcome_reply(enum am_outcome, enum am_action,
		    struct am_reply *out);

#endif /* AM_DECIDE_H */
