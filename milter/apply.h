#ifndef AM_APPLY_H
#define AM_APPLY_H

/*
 * apply - carry out what a message's result says (struct am_msg_out):
 * delete forged Authentication-Results (highest index first), insert
 * our headers at the top, quarantine, set the SMTP reply, and return
 * the milter status.  The only place that writes to the MTA (smfi_*),
 * and the one escaper for smfi_setreply's text ('%' doubled).
 */

#include <libmilter/mfapi.h>

#include "disposition.h"
#include "session.h"

sfsistat	am_apply(SMFICTX *, struct am_conn *, struct am_msg *);
/* The reply and status of a refusal (reject, tempfail) decided at any
 * stage; SMFIS_CONTINUE for a disposition that does not refuse. */
sfsistat	am_apply_refuse(SMFICTX *, const struct am_disposition *);
/* Doubles each '%' of text into out (libmilter formats the reply);
 * cuts at size - 1 without splitting a pair. */
void		am_apply_escape(const char *text, char *out, size_t size);

#endif /* AM_APPLY_H */
