/*
 * callbacks - the xxfi_* functions: marshalling only
 */

#include <stdio.h>
#include <string.h>

#include <libmilter/mfapi.h>

#include "apply.h"
#include "callbacks.h"
#include "session.h"

#define AM_ACTIONS_NEEDED	(SMFIF_ADDHDRS | SMFIF_CHGHDRS)
#define AM_ACTIONS_WANTED	(AM_ACTIONS_NEEDED | SMFIF_QUARANTINE)
#define AM_STEPS_WANTED		(SMFIP_HDR_LEADSPC | SMFIP_SKIP | \
				 SMFIP_NR_HDR | SMFIP_NOUNKNOWN | SMFIP_NODATA)

static struct am_conn *
am_cb_conn(SMFICTX *ctx)
{
	struct am_conn	*c = smfi_getpriv(ctx);

	if (c == NULL) {
		c = am_conn_new();
		(void)smfi_setpriv(ctx, c);
	}
	return c;
}

/* The one lookup of a milter macro: "{name}", or "name" tried as
 * given and then braced ("i", "{i}"). */
static const char *am_cb_macro(void *ctx, const char *name);

/* The message, started on the current snapshot if the MTA skipped
 * MAIL FROM; NULL when there is no snapshot (shutting down). */

static struct am_msg *
am_cb_msg(SMFICTX *ctx)
{
	struct am_conn	*c = am_cb_conn(ctx);

	if (c->msg == NULL)
		c->msg = am_msg_new();
	if (c->msg != NULL)
		am_msg_set_qid(c->msg, am_cb_macro(ctx, "i"));
	return c->msg;
}

static const char *
am_cb_macro(void *ctx, const char *name)
{
	char	 braced[128];
	char	*v = smfi_getsymval(ctx, (char *)name);

	if (v == NULL && name[0] != '{' && strlen(name) > 1 &&
	    snprintf(braced, sizeof(braced), "{%s}", name) <
	    (int)sizeof(braced))
		v = smfi_getsymval(ctx, braced);
	return v;
}

/* What the MTA told us about the client, for the decisions. */

static void
am_cb_client(SMFICTX *ctx, struct am_conn *c, struct am_client *cl)
{
	memset(cl, 0, sizeof(*cl));
	cl->sa = c->has_addr ? (struct sockaddr *)&c->ss : NULL;
	cl->host = c->host;
	cl->addr = c->addr;
	cl->auth_authen = am_cb_macro(ctx, "{auth_authen}");
	cl->auth_type = am_cb_macro(ctx, "{auth_type}");
	cl->getmacro = am_cb_macro;
	cl->macro_ctx = ctx;
}

static sfsistat
am_xxfi_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	struct am_conn	*c = am_cb_conn(ctx);

	if ((f0 & AM_ACTIONS_NEEDED) != AM_ACTIONS_NEEDED)
		return SMFIS_REJECT;	/* cannot add or delete headers */
	*pf0 = f0 & AM_ACTIONS_WANTED;
	*pf1 = f1 & AM_STEPS_WANTED;
	*pf2 = *pf3 = 0;
	c->leadspc = (*pf1 & SMFIP_HDR_LEADSPC) != 0;
	c->can_skip = (*pf1 & SMFIP_SKIP) != 0;
	c->nr_hdr = (*pf1 & SMFIP_NR_HDR) != 0;
	return SMFIS_CONTINUE;
}

static sfsistat
am_xxfi_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	am_conn_set_peer(am_cb_conn(ctx), host, sa);
	return SMFIS_CONTINUE;
}

static sfsistat
am_xxfi_helo(SMFICTX *ctx, char *helo)
{
	am_engine_conn_helo(&am_cb_conn(ctx)->engine, helo);
	return SMFIS_CONTINUE;
}

static sfsistat
am_xxfi_envfrom(SMFICTX *ctx, char **argv)
{
	struct am_conn	*c = am_cb_conn(ctx);
	struct am_msg	*m;
	struct am_client cl;
	sfsistat	 r;

	am_msg_free(&c->msg);
	if ((m = am_cb_msg(ctx)) == NULL)
		return SMFIS_TEMPFAIL;
	am_cb_client(ctx, c, &cl);
	r = am_apply_refuse(ctx, am_msg_mailfrom(m, c, &cl, argv != NULL ?
	    argv[0] : NULL, am_cb_macro(ctx, "s")));
	if (r != SMFIS_CONTINUE)
		am_msg_free(&c->msg);
	return r;
}

static sfsistat
am_xxfi_envrcpt(SMFICTX *ctx, char **argv)
{
	struct am_conn	*c = am_cb_conn(ctx);

	if (c->msg != NULL && argv != NULL && argv[0] != NULL)
		am_msg_rcpt(c->msg, argv[0]);
	return SMFIS_CONTINUE;
}

static sfsistat
am_xxfi_header(SMFICTX *ctx, char *name, char *value)
{
	struct am_conn	*c = am_cb_conn(ctx);
	struct am_msg	*m = am_cb_msg(ctx);

	if (m == NULL)
		return SMFIS_TEMPFAIL;
	am_msg_header(m, name, value, c->leadspc);
	return c->nr_hdr ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat
am_xxfi_eoh(SMFICTX *ctx)
{
	struct am_conn	*c = am_cb_conn(ctx);
	struct am_msg	*m = am_cb_msg(ctx);
	struct am_client cl;
	sfsistat	 r;

	if (m == NULL)
		return SMFIS_TEMPFAIL;
	am_cb_client(ctx, c, &cl);
	switch (am_msg_eoh(m, &cl)) {
	case AM_DECIDE_REJECT:
		r = am_apply_refuse(ctx, am_msg_disposition(m));
		break;
	case AM_DECIDE_NONE:
		if (am_msg_needs_eom(m))
			return SMFIS_CONTINUE;	/* SPF results to add */
		r = SMFIS_ACCEPT;
		break;
	default:
		return SMFIS_CONTINUE;
	}
	am_msg_free(&c->msg);
	return r;
}

static sfsistat
am_xxfi_body(SMFICTX *ctx, unsigned char *p, size_t n)
{
	struct am_conn	*c = am_cb_conn(ctx);

	if (c->msg == NULL || !am_msg_wants_body(c->msg))
		return c->can_skip ? SMFIS_SKIP : SMFIS_CONTINUE;
	am_msg_body(c->msg, p, n);
	return SMFIS_CONTINUE;
}

static sfsistat
am_xxfi_eom(SMFICTX *ctx)
{
	struct am_conn	*c = am_cb_conn(ctx);
	struct am_msg	*m = am_cb_msg(ctx);
	sfsistat	 r;

	if (m == NULL)
		return SMFIS_TEMPFAIL;
	/* The MTA skipped EOH: decide now. */
	if (!am_msg_eoh_done(m) && (r = am_xxfi_eoh(ctx)) != SMFIS_CONTINUE)
		return r;
	am_msg_eom(m);
	r = am_apply(ctx, c, m);
	am_msg_free(&c->msg);
	return r;
}

static sfsistat
am_xxfi_abort(SMFICTX *ctx)
{
	struct am_conn	*c = smfi_getpriv(ctx);

	if (c != NULL)
		am_msg_free(&c->msg);
	return SMFIS_CONTINUE;
}

static sfsistat
am_xxfi_close(SMFICTX *ctx)
{
	struct am_conn	*c = smfi_getpriv(ctx);

	am_conn_free(&c);
	(void)smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

int
am_callbacks_register(void)
{
	struct smfiDesc	 desc = {
		.xxfi_name = (char *)"authmilter",
		.xxfi_version = SMFI_VERSION,
		.xxfi_flags = AM_ACTIONS_WANTED,
		.xxfi_connect = am_xxfi_connect,
		.xxfi_helo = am_xxfi_helo,
		.xxfi_envfrom = am_xxfi_envfrom,
		.xxfi_envrcpt = am_xxfi_envrcpt,
		.xxfi_header = am_xxfi_header,
		.xxfi_eoh = am_xxfi_eoh,
		.xxfi_body = am_xxfi_body,
		.xxfi_eom = am_xxfi_eom,
		.xxfi_abort = am_xxfi_abort,
		.xxfi_close = am_xxfi_close,
		.xxfi_negotiate = am_xxfi_negotiate,
	};

	return smfi_register(desc);
}
