#ifndef AM_DECIDE_H
#define AM_DECIDE_H

/*
 * decide - sign, verify or neither, and what the verdicts make us do
 *
 * Pure functions of the configuration snapshot and what the MTA told
 * us: no libmilter here, so every rule can be read in one place.
 *
 * The verify outcome's actions, the A-R fields to remove and SPF/DMARC
 * are the engine's (lib/engine); this is the sign/verify decision.
 *
 * Sign when Mode has s, the From domain has a key (am_config_sign_plan)
 * and the client is trusted: the peer is in InternalHosts, or it
 * authenticated ({auth_authen} or {auth_type}), or MacroList matches.
 * Otherwise verify if Mode has v.  A message without exactly one From
 * field holding exactly one address is never signed; RejectBadFrom
 * rejects it.  The reason is kept in why, for the log.
 */

#include <stddef.h>

#include "addr.h"
#include "config.h"
#include "config_engine.h"
#include "log.h"

enum am_decide_kind {
	AM_DECIDE_NONE,		/* pass the message through untouched */
	AM_DECIDE_SIGN,
	AM_DECIDE_VERIFY,
	AM_DECIDE_REJECT	/* RejectBadFrom */
};

struct am_decision {
	enum am_decide_kind	 kind;
	char			 why[512];
	const struct am_from	*from;		/* the engine's */
	struct am_sign_plan	 plan;		/* kind == AM_DECIDE_SIGN */
	/* "external host H [A] tried to send mail as D" (a domain we sign
	 * for, from an untrusted client), or "": logged at the end of the
	 * message unless DKIM or DMARC passes for D (session.c). */
	char			 external[512];
};

/* from is the author set (am_engine_from), borrowed by out. */
void	am_decide(const struct am_config *, const struct am_client *,
	    const struct am_from *, const struct am_log *,
	    struct am_decision *out);
/* The decision when the header block itself was refused (limits). */
void	am_decide_broken(const struct am_config *, const char *reason,
	    const struct am_from *, struct am_decision *out);
const char *am_decide_name(enum am_decide_kind);

#endif /* AM_DECIDE_H */
