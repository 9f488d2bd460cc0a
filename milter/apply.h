#ifndef AM_APPLY_H
#define AM_APPLY_H

/*
 * apply - carry out what a message's end decided: delete forged
 * Authentication-Results (highest index first), insert our headers at
 * the top, quarantine, set the SMTP reply, and return the milter
 * status.  The only place that changes a message.
 */

#include <libmilter/mfapi.h>

#include "session.h"

sfsistat	am_apply(SMFICTX *, struct am_conn *, struct am_msg *);
/* Sets the reply for a reject or tempfail decided before the end. */
sfsistat	am_apply_refuse(SMFICTX *, enum am_action, const char *rcode,
		    const char *xcode, const char *text);

#endif /* AM_APPLY_H */
