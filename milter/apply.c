/*
 * apply - carry out what a message's end decided
 */

#include <stdio.h>
#include <string.h>

#include "apply.h"
#include "config.h"
#include "daemon.h"

#define AM_AR_NAME	"Authentication-Results"

sfsistat
am_apply_refuse(SMFICTX *ctx, enum am_action action, const char *rcode,
    const char *xcode, const char *text)
{
	(void)smfi_setreply(ctx, (char *)rcode, (char *)xcode, (char *)text);
	return action == AM_ACTION_TEMPFAIL ? SMFIS_TEMPFAIL : SMFIS_REJECT;
}

/* The MTA adds the space after the colon itself unless it agreed to
 * SMFIP_HDR_LEADSPC; our values are kept with it. */

static char *
am_apply_value(const struct am_conn *c, const struct am_buf *b)
{
	const char	*v = am_buf_str(b);

	return (char *)(c->leadspc || v[0] != ' ' ? v : v + 1);
}

/*
 * Deletes in reverse order: deleting index 1 first would shift the
 * others, and the next deletion would hit a field that is not ours
 * (the OpenDKIM/OpenDMARC bug behind CVE-2022-48521).
 */

static int
am_apply_delete_ar(SMFICTX *ctx, const struct am_msg *m)
{
	size_t	 i;

	for (i = m->n_ar_del; i > 0; i--)
		if (smfi_chgheader(ctx, (char *)AM_AR_NAME,
		    (int)m->ar_del[i - 1], NULL) != MI_SUCCESS)
			return -1;
	return 0;
}

static int
am_apply_headers(SMFICTX *ctx, const struct am_conn *c, struct am_msg *m)
{
	struct am_buf		 sw;
	size_t			 i;
	int			 r = 0;

	/* Forged fields go whenever ours is added (RFC 8601 5). */
	if ((m->dec.kind == AM_DECIDE_VERIFY || m->ar.len > 0) &&
	    am_apply_delete_ar(ctx, m) == -1)
		return -1;
	if (m->cfg->software_header) {
		am_buf_init(&sw, 64);
		(void)am_buf_printf(&sw, " authmilter %s",
		    am_daemon_version());
		r = smfi_insheader(ctx, 0, (char *)"DKIM-Filter",
		    am_apply_value(c, &sw));
		am_buf_release(&sw);
		if (r != MI_SUCCESS)
			return -1;
	}
	/* Signature 0 ends on top: insert the last one first. */
	for (i = m->nsig; i > 0; i--)
		if (smfi_insheader(ctx, 0, (char *)"DKIM-Signature",
		    am_apply_value(c, &m->sig[i - 1])) != MI_SUCCESS)
			return -1;
	/* Received-SPF is a trace field: on top, under our A-R. */
	if (m->rspf.len > 0 && smfi_insheader(ctx, 0, (char *)"Received-SPF",
	    am_apply_value(c, &m->rspf)) != MI_SUCCESS)
		return -1;
	if (m->ar.len > 0 && smfi_insheader(ctx, 0, (char *)AM_AR_NAME,
	    am_apply_value(c, &m->ar)) != MI_SUCCESS)
		return -1;
	return 0;
}

sfsistat
am_apply(SMFICTX *ctx, struct am_conn *c, struct am_msg *m)
{
	struct am_reply	 reply;
	char		 reason[160];

	if (m->dec.kind == AM_DECIDE_NONE && m->ar.len == 0 &&
	    m->rspf.len == 0)
		return SMFIS_ACCEPT;
	am_outcome_reply(m->outcome, m->action, &reply);
	if (m->dmarc_decides) {
		reply.rcode = m->dmarc.rcode;
		reply.xcode = m->dmarc.xcode;
		reply.text = m->dmarc.reply;
	}
	switch (m->action) {
	case AM_ACTION_REJECT:
	case AM_ACTION_TEMPFAIL:
		return am_apply_refuse(ctx, m->action, reply.rcode,
		    reply.xcode, reply.text);
	case AM_ACTION_DISCARD:
		return SMFIS_DISCARD;
	case AM_ACTION_ACCEPT:
	case AM_ACTION_QUARANTINE:
		break;
	}
	if (am_apply_headers(ctx, c, m) == -1) {
		am_log(&m->log, AM_LOG_ERROR, "the MTA refused a header "
		    "change");
		m->outcome = AM_OUTCOME_INTERNAL;
		m->action = am_outcome_action(m->cfg, m->outcome);
		am_outcome_reply(m->outcome, m->action, &reply);
		if (m->action == AM_ACTION_REJECT ||
		    m->action == AM_ACTION_TEMPFAIL)
			return am_apply_refuse(ctx, m->action, reply.rcode,
			    reply.xcode, reply.text);
		return m->action == AM_ACTION_DISCARD ? SMFIS_DISCARD :
		    SMFIS_ACCEPT;
	}
	if (m->action == AM_ACTION_QUARANTINE) {
		(void)snprintf(reason, sizeof(reason), "authmilter: %s",
		    m->dmarc_decides ? "DMARC policy" :
		    am_outcome_name(m->outcome));
		if (smfi_quarantine(ctx, reason) != MI_SUCCESS)
			am_log(&m->log, AM_LOG_ERROR, "quarantine refused");
	}
	return SMFIS_ACCEPT;
}
