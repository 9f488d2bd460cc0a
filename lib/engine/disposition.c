/*
 * disposition - what to do with one message (see disposition.h)
 */

#include <stdio.h>
#include <string.h>

#include "disposition.h"

void
am_disposition_init(struct am_disposition *d)
{
	memset(d, 0, sizeof(*d));
	d->action = AM_ACTION_ACCEPT;
	d->method = AM_METHOD_NONE;
}

static void
am_disp_copy(char *dst, size_t size, const char *src, int printable)
{
	size_t	 i;

	(void)snprintf(dst, size, "%s", src != NULL ? src : "");
	for (i = 0; printable && dst[i] != '\0'; i++)
		if ((unsigned char)dst[i] < ' ' ||
		    (unsigned char)dst[i] >= 0x7f)
			dst[i] = '?';
}

void
am_disposition_set(struct am_disposition *d, enum am_action a,
    enum am_method m, const char *code, const char *xcode, const char *text,
    const char *why)
{
	am_disposition_init(d);
	d->action = a;
	d->method = m;
	if (code == NULL && (a == AM_ACTION_REJECT || a == AM_ACTION_TEMPFAIL))
		code = a == AM_ACTION_TEMPFAIL ? "451" : "550";
	am_disp_copy(d->code, sizeof(d->code), code, 1);
	am_disp_copy(d->xcode, sizeof(d->xcode), xcode, 1);
	am_disp_copy(d->text, sizeof(d->text), text, 1);
	am_disp_copy(d->why, sizeof(d->why), why, 0);
}

void
am_disposition_merge(struct am_disposition *into,
    const struct am_disposition *c)
{
	if (c->action > into->action || (c->action == into->action &&
	    into->method == AM_METHOD_NONE && c->method != AM_METHOD_NONE))
		*into = *c;
}

int
am_disposition_refuses(const struct am_disposition *d)
{
	return d->action == AM_ACTION_REJECT || d->action == AM_ACTION_TEMPFAIL;
}

const char *
am_disposition_action_name(enum am_action a)
{
	static const char *const names[] = {
		[AM_ACTION_ACCEPT] = "accept",
		[AM_ACTION_QUARANTINE] = "quarantine",
		[AM_ACTION_DISCARD] = "discard",
		[AM_ACTION_TEMPFAIL] = "tempfail",
		[AM_ACTION_REJECT] = "reject",
	};

	return (size_t)a < sizeof(names) / sizeof(names[0]) ? names[a] : "?";
}

const char *
am_disposition_method_name(enum am_method m)
{
	static const char *const names[] = {
		[AM_METHOD_NONE] = "none", [AM_METHOD_SPF] = "spf",
		[AM_METHOD_DKIM] = "dkim", [AM_METHOD_SIGN] = "sign",
		[AM_METHOD_DMARC] = "dmarc", [AM_METHOD_INTERNAL] = "internal",
	};

	return (size_t)m < sizeof(names) / sizeof(names[0]) ? names[m] : "?";
}

static const struct {
	const char	*name, *perm, *temp, *text;
} am_outcomes[] = {
	[AM_OUTCOME_PASS] = { "pass", "5.7.0", "4.7.0", "DKIM: accepted" },
	[AM_OUTCOME_NOSIG] = { "no signature", "5.7.20", "4.7.20",
	    "DKIM: message is not signed" },
	[AM_OUTCOME_BAD] = { "bad signature", "5.7.20", "4.7.20",
	    "DKIM: signature verification failed" },
	[AM_OUTCOME_DNS] = { "DNS error", "5.4.3", "4.4.3",
	    "DKIM: key lookup failed, try again later" },
	[AM_OUTCOME_NOKEY] = { "key not found", "5.7.20", "4.7.20",
	    "DKIM: no key found for signature" },
	[AM_OUTCOME_SIGERR] = { "signature error", "5.7.21", "4.7.21",
	    "DKIM: no acceptable signature" },
	[AM_OUTCOME_UNSIGNABLE] = { "message cannot be signed", "5.7.0", "4.7.0",
	    "DKIM: message cannot be signed" },
	[AM_OUTCOME_INTERNAL] = { "internal error", "5.3.0", "4.3.0",
	    "DKIM: internal error, try again later" },
};

const char *
am_outcome_name(enum am_outcome o)
{
	return (size_t)o < sizeof(am_outcomes) / sizeof(am_outcomes[0]) ?
	    am_outcomes[o].name : "?";
}

void
am_disposition_outcome(struct am_disposition *d, enum am_outcome o,
    enum am_action a)
{
	size_t		 i = (size_t)o < sizeof(am_outcomes) /
			    sizeof(am_outcomes[0]) ? (size_t)o :
			    AM_OUTCOME_INTERNAL;
	enum am_method	 m = o == AM_OUTCOME_UNSIGNABLE ? AM_METHOD_SIGN :
			    o == AM_OUTCOME_INTERNAL ? AM_METHOD_INTERNAL :
			    AM_METHOD_DKIM;
	char		 q[80];

	if (a == AM_ACTION_QUARANTINE) {
		(void)snprintf(q, sizeof(q), "authmilter: %s",
		    am_outcome_name(o));
		am_disposition_set(d, a, m, "", "", q, am_outcomes[i].text);
	} else if (a == AM_ACTION_REJECT || a == AM_ACTION_TEMPFAIL)
		am_disposition_set(d, a, m, NULL, a == AM_ACTION_TEMPFAIL ?
		    am_outcomes[i].temp : am_outcomes[i].perm,
		    am_outcomes[i].text, am_outcomes[i].text);
	else			/* an accept decides nothing */
		am_disposition_set(d, a, a == AM_ACTION_ACCEPT ?
		    AM_METHOD_NONE : m, "", "", "", am_outcomes[i].text);
}
