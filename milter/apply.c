/*
 * apply - carry out what a message's result says
 */

#include <stdio.h>
#include <string.h>

#include "apply.h"
#include "autoconfig.h"		/* PACKAGE_VERSION */

#define AM_AR_NAME	"Authentication-Results"

void
am_apply_escape(const char *text, char *out, size_t size)
{
	size_t	 o = 0;

	for (; *text != '\0' && o + (*text == '%' ? 2 : 1) < size; text++) {
		if (*text == '%')
			out[o++] = '%';
		out[o++] = *text;
	}
	out[o] = '\0';
}

sfsistat
am_apply_refuse(SMFICTX *ctx, const struct am_disposition *d)
{
	char	 text[2 * AM_DISP_TEXT_MAX + 1];

	if (!am_disposition_refuses(d))
		return SMFIS_CONTINUE;
	am_apply_escape(d->text, text, sizeof(text));
	(void)smfi_setreply(ctx, (char *)d->code, (char *)(d->xcode[0] != '\0' ?
	    d->xcode : NULL), text);
	return d->action == AM_ACTION_TEMPFAIL ? SMFIS_TEMPFAIL : SMFIS_REJECT;
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
am_apply_delete_ar(SMFICTX *ctx, const struct am_msg_out *o)
{
	size_t	 i;

	for (i = o->ndel; i > 0; i--)
		if (smfi_chgheader(ctx, (char *)AM_AR_NAME,
		    (int)o->del[i - 1], NULL) != MI_SUCCESS)
			return -1;
	return 0;
}

static int
am_apply_headers(SMFICTX *ctx, const struct am_conn *c,
    const struct am_msg_out *o)
{
	struct am_buf		 sw;
	size_t			 i;
	int			 r = 0;

	if (am_apply_delete_ar(ctx, o) == -1)
		return -1;
	if (o->software_header) {
		am_buf_init(&sw, 64);
		(void)am_buf_printf(&sw, " authmilter %s", PACKAGE_VERSION);
		r = smfi_insheader(ctx, 0, (char *)"DKIM-Filter",
		    am_apply_value(c, &sw));
		am_buf_release(&sw);
		if (r != MI_SUCCESS)
			return -1;
	}
	/* Signature 0 ends on top: insert the last one first. */
	for (i = o->nsig; i > 0; i--)
		if (smfi_insheader(ctx, 0, (char *)"DKIM-Signature",
		    am_apply_value(c, &o->sig[i - 1])) != MI_SUCCESS)
			return -1;
	/* Received-SPF is a trace field: on top, under our A-R. */
	if (o->rspf->len > 0 && smfi_insheader(ctx, 0, (char *)"Received-SPF",
	    am_apply_value(c, o->rspf)) != MI_SUCCESS)
		return -1;
	if (o->ar->len > 0 && smfi_insheader(ctx, 0, (char *)AM_AR_NAME,
	    am_apply_value(c, o->ar)) != MI_SUCCESS)
		return -1;
	return 0;
}

sfsistat
am_apply(SMFICTX *ctx, struct am_conn *c, struct am_msg *m)
{
	struct am_msg_out		 o;
	const struct am_disposition	*d;

	am_msg_output(m, &o);
	if (!o.touch)
		return SMFIS_ACCEPT;
	d = o.disp;
	if (am_disposition_refuses(d))
		return am_apply_refuse(ctx, d);
	if (d->action == AM_ACTION_DISCARD)
		return SMFIS_DISCARD;
	if (am_apply_headers(ctx, c, &o) == -1) {
		d = am_msg_apply_failed(m);
		if (am_disposition_refuses(d))
			return am_apply_refuse(ctx, d);
		return d->action == AM_ACTION_DISCARD ? SMFIS_DISCARD :
		    SMFIS_ACCEPT;
	}
	if (d->action == AM_ACTION_QUARANTINE &&
	    smfi_quarantine(ctx, (char *)d->text) != MI_SUCCESS)
		am_log(am_msg_log(m), AM_LOG_ERROR, "quarantine refused");
	return SMFIS_ACCEPT;
}
