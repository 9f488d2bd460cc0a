/*
 * engine_dkim - DKIM at the end of a verified message: the verdicts,
 * the From override of a pass, one outcome for all signatures and the
 * action configured for it (On-*), the dkim resinfos of our
 * Authentication-Results and the facts of the log line.
 *
 * A pass does not stand for a message whose author is ambiguous (no
 * From field, or several: RFC 6376 8.15): it becomes permerror, the
 * reason in the A-R.  A header block refused by the limits gives one
 * dkim=permerror saying so.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"
#include "engine_impl.h"
#include "mem.h"

/*
 * One outcome for all signatures.  Any pass wins; then a temporary DNS
 * failure (the message may pass later), then a failed signature, a
 * missing key, and any other error.
 */
enum am_outcome
am_engine_outcome_of(const struct am_dkim_result *r, size_t n)
{
	int	 dns = 0, bad = 0, nokey = 0;
	size_t	 i;

	if (n == 0)
		return AM_OUTCOME_NOSIG;
	for (i = 0; i < n; i++) {
		switch (r[i].verdict) {
		case AM_DKIM_PASS:
			return AM_OUTCOME_PASS;
		case AM_DKIM_TEMPERROR:
			dns = 1;
			break;
		case AM_DKIM_FAIL:
			bad = 1;
			break;
		case AM_DKIM_PERMERROR:
			if (r[i].code == AM_DKIM_R_NO_KEY)
				nokey = 1;
			break;
		default:
			break;
		}
	}
	return dns ? AM_OUTCOME_DNS : bad ? AM_OUTCOME_BAD :
	    nokey ? AM_OUTCOME_NOKEY : AM_OUTCOME_SIGERR;
}

static enum am_action
am_engine_outcome_action(const struct am_engine_opts *o, enum am_outcome oc)
{
	switch (oc) {
	case AM_OUTCOME_PASS:
		return AM_ACTION_ACCEPT;
	case AM_OUTCOME_NOSIG:
		return o->on_no_signature;
	case AM_OUTCOME_BAD:
	case AM_OUTCOME_SIGERR:
		/* A malformed or unacceptable signature on a received
		 * message is a bad signature, as in OpenDKIM:
		 * On-SignatureError is about messages we cannot sign. */
		return o->on_bad_signature;
	case AM_OUTCOME_DNS:
		return o->on_dns_error;
	case AM_OUTCOME_NOKEY:
		return o->on_key_not_found;
	default:
		return o->on_internal_error;
	}
}

static void
am_engine_from_override(struct am_engine *e)
{
	size_t	 i;

	if (e->from.status != AM_FROM_NONE &&
	    e->from.status != AM_FROM_SEVERAL_FIELDS)
		return;
	for (i = 0; i < e->ndkim; i++)
		if (e->dkim[i].verdict == AM_DKIM_PASS) {
			e->dkim[i].verdict = AM_DKIM_PERMERROR;
			(void)snprintf(e->dkim[i].reason,
			    sizeof(e->dkim[i].reason), "%s", e->from.why);
		}
}

static void
am_engine_dkim_why(struct am_engine *e)
{
	const struct am_dkim_result	*r;
	size_t				 i;

	if (e->hdr_failed)
		(void)am_buf_printf(&e->why, "dkim: headers not evaluated: "
		    "%s\n", e->hdr_why);
	else if (e->ndkim == 0)
		(void)am_buf_appends(&e->why, "dkim: no DKIM-Signature "
		    "field\n");
	for (i = 0; !e->hdr_failed && i < e->ndkim; i++) {
		r = &e->dkim[i];
		(void)am_buf_printf(&e->why, "dkim: signature %zu d=%s s=%s "
		    "a=%s: %s", i + 1, r->d != NULL ? r->d : "?",
		    r->s != NULL ? r->s : "?", r->a != NULL ? r->a : "?",
		    am_dkim_verdict_name(r->verdict));
		if (r->verdict != AM_DKIM_PASS)
			(void)am_buf_printf(&e->why, " (%s: %s)",
			    am_dkim_reason_name(r->code), r->reason);
		else if (r->key_bits != 0)
			(void)am_buf_printf(&e->why, " (%u-bit key%s)",
			    r->key_bits, r->key_testing ? ", t=y" : "");
		(void)am_buf_appendc(&e->why, '\n');
	}
}

/* The dkim resinfos (our A-R value is started) and the log facts. */
static void
am_engine_dkim_write(struct am_engine *e)
{
	const struct am_dkim_result	*r = e->dkim;
	struct am_authres		 ar;
	size_t				 i, n = e->ndkim;

	for (i = 0; i < n || (n == 0 && i == 0); i++) {
		am_authres_init(&ar);
		if (n > 0)
			am_dkim_result_authres(&r[i], &ar);
		else {
			am_authres_method(&ar, "dkim", "none");
			if (e->from.status != AM_FROM_OK)
				am_authres_reason(&ar, e->from.why);
		}
		(void)am_buf_printf(&e->ar, ";\n\t%s", am_authres_str(&ar));
		(void)am_buf_printf(&e->facts, "%s dkim=%s%s%s%s%s",
		    i ? "," : ";", n ? am_dkim_verdict_name(r[i].verdict) :
		    "none", n && r[i].d ? " d=" : "", n && r[i].d ? r[i].d : "",
		    n && r[i].reason[0] ? " " : "", n ? r[i].reason : "");
		am_authres_release(&ar);
	}
}

void
am_engine_dkim_eom(struct am_engine *e, struct am_disposition *d)
{
	size_t	 i;

	if (e->hdr_failed || e->verifier == NULL) {
		e->dkim = am_calloc(1, sizeof(*e->dkim));
		e->dkim[0].verdict = AM_DKIM_PERMERROR;
		(void)snprintf(e->dkim[0].reason, sizeof(e->dkim[0].reason),
		    "%.120s", e->hdr_failed ? e->hdr_why : "internal error");
		e->ndkim = 1;
	} else {
		am_dkim_verifier_eom(e->verifier);
		e->ndkim = am_dkim_verifier_count(e->verifier);
		if (e->ndkim > 0)
			e->dkim = am_calloc(e->ndkim, sizeof(*e->dkim));
		for (i = 0; i < e->ndkim; i++)	/* strings: the verifier's */
			e->dkim[i] = *am_dkim_verifier_result(e->verifier, i);
		am_engine_from_override(e);
	}
	e->outcome = am_engine_outcome_of(e->dkim, e->ndkim);
	am_disposition_outcome(d, e->outcome, am_engine_outcome_action(
	    &e->opts, e->outcome));
	am_engine_dkim_write(e);
	if (e->opts.why)
		am_engine_dkim_why(e);
}
