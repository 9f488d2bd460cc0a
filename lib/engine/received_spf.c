/*
 * received_spf - the Received-SPF value (see received_spf.h)
 */

#include <stdio.h>
#include <string.h>

#include "atext.h"
#include "received_spf.h"

#define AM_RSPF_FOLD	76	/* line length aim */

static int
am_rspf_dot_atom_str(const char *s)
{
	return am_dot_atom(s, strlen(s));
}

/* Appends s escaped for a comment or quoted-string: the delimiters get
 * a backslash, other octets outside printable ASCII become '?'. */
static void
am_rspf_escaped(struct am_buf *out, const char *s, const char *specials)
{
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch != '\0' && strchr(specials, ch) != NULL)
			(void)am_buf_appendc(out, '\\');
		(void)am_buf_appendc(out, ch < ' ' || ch >= 0x7f ? '?' :
		    (char)ch);
	}
}

/* "key=value;" as a dot-atom or a quoted-string, folded before it when
 * the line would get long; *col tracks the line length. */
static void
am_rspf_kv(struct am_buf *out, size_t *col, const char *key, const char *v)
{
	size_t	 before;

	if (*col + strlen(key) + strlen(v) + 4 > AM_RSPF_FOLD) {
		(void)am_buf_appends(out, "\n\t");
		*col = 8;
	} else
		(void)am_buf_appendc(out, ' ');
	before = out->len;
	(void)am_buf_printf(out, "%s=", key);
	if (am_rspf_dot_atom_str(v))
		(void)am_buf_appends(out, v);
	else {
		(void)am_buf_appendc(out, '"');
		am_rspf_escaped(out, v, "\"\\");
		(void)am_buf_appendc(out, '"');
	}
	(void)am_buf_appendc(out, ';');
	*col += out->len - before + 1;
}

/* The comment of RFC 7208 9.1's example, per result. */
static void
am_rspf_comment(const struct am_received_spf *in, const char *receiver,
    struct am_buf *out)
{
	const struct am_spf_result	*r = in->r;
	char				 c[AM_SPF_IDENTITY_MAX + 400];
	const char			*s = r->sender, *ip = in->ip;

	switch (r->verdict) {
	case AM_SPF_PASS:
		(void)snprintf(c, sizeof(c), "%s: domain of %s designates %s "
		    "as permitted sender", receiver, s, ip);
		break;
	case AM_SPF_FAIL:
		(void)snprintf(c, sizeof(c), "%s: domain of %s does not "
		    "designate %s as permitted sender", receiver, s, ip);
		break;
	case AM_SPF_SOFTFAIL:
		(void)snprintf(c, sizeof(c), "%s: domain of transitioning %s "
		    "does not designate %s as permitted sender", receiver, s,
		    ip);
		break;
	case AM_SPF_NEUTRAL:
		(void)snprintf(c, sizeof(c), "%s: %s is neither permitted nor "
		    "denied by domain of %s", receiver, ip, s);
		break;
	case AM_SPF_NONE:
		(void)snprintf(c, sizeof(c), "%s: domain of %s does not "
		    "designate permitted sender hosts", receiver, s);
		break;
	case AM_SPF_TEMPERROR:
		(void)snprintf(c, sizeof(c), "%s: error in processing during "
		    "lookup of %s: %s", receiver, s, r->reason_text);
		break;
	case AM_SPF_PERMERROR:
		(void)snprintf(c, sizeof(c), "%s: permanent error in "
		    "processing domain of %s: %s", receiver, s,
		    r->reason_text);
		break;
	}
	(void)am_buf_appends(out, " (");
	am_rspf_escaped(out, c, "()\\");
	(void)am_buf_appendc(out, ')');
}

void
am_received_spf(const struct am_received_spf *in, struct am_buf *out)
{
	const struct am_spf_result	*r = in->r;
	const char			*receiver = in->receiver != NULL ?
					    in->receiver : "localhost";
	size_t				 col;

	(void)am_buf_printf(out, " %s", am_spf_verdict_name(r->verdict));
	am_rspf_comment(in, receiver, out);
	col = AM_RSPF_FOLD;			/* fold before the pairs */
	am_rspf_kv(out, &col, "receiver", receiver);
	am_rspf_kv(out, &col, "client-ip", in->ip);
	am_rspf_kv(out, &col, "envelope-from", in->envfrom);
	if (in->helo != NULL && in->helo[0] != '\0')
		am_rspf_kv(out, &col, "helo", in->helo);
	am_rspf_kv(out, &col, "identity", "mailfrom");
	if (r->mechanism[0] != '\0')
		am_rspf_kv(out, &col, "mechanism", r->mechanism);
	if ((r->verdict == AM_SPF_TEMPERROR || r->verdict == AM_SPF_PERMERROR)
	    && r->reason_text[0] != '\0')
		am_rspf_kv(out, &col, "problem", r->reason_text);
}
