/*
 * dmarc_rec - DMARC Policy Record parser (RFC 9989 sections 4.7, 4.8)
 *
 * The record is split on ';' by hand rather than through tagval: an
 * RFC 6376 tag list fails as a whole on one bad character or one
 * duplicate, while RFC 9989 4.8 wants each bad tag dropped on its own
 * and the rest of the record kept.  The helpers of tagval (case-blind
 * compare) are reused.
 */

#include <stdio.h>
#include <string.h>

#include "dmarc_rec.h"
#include "tagval.h"

/* The tags we know, in the order of the table below. */
enum am_dmarc_tagid {
	AM_DMARC_T_P,
	AM_DMARC_T_SP,
	AM_DMARC_T_NP,
	AM_DMARC_T_PSD,
	AM_DMARC_T_T,
	AM_DMARC_T_ADKIM,
	AM_DMARC_T_ASPF,
	AM_DMARC_T_FO,
	AM_DMARC_T_RUA,
	AM_DMARC_T_RUF,
	AM_DMARC_T_PCT,
	AM_DMARC_T_RF,
	AM_DMARC_T_RI,
	AM_DMARC_T_V,
	AM_DMARC_T_COUNT
};

static const char *const am_dmarc_tagnames[AM_DMARC_T_COUNT] = {
	"p", "sp", "np", "psd", "t", "adkim", "aspf", "fo", "rua", "ruf",
	"pct", "rf", "ri", "v"
};

/* What one pass over the record found for each known tag. */
struct am_dmarc_seen {
	unsigned	 count;
	const char	*v;
	size_t		 vlen;
};

static int
am_dmarc_wsp(int c)
{
	return c == ' ' || c == '\t';
}

static int
am_dmarc_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
am_dmarc_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* dmarc-value: printable ASCII but ';' (which never reaches here) */

static int
am_dmarc_value_ok(const char *v, size_t n)
{
	size_t	 i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] > 0x7e)
			return 0;
	return 1;
}

/* am_dmarc_trim - shrink the view [*p, *p + *n) past WSP at both ends */

static void
am_dmarc_trim(const char **p, size_t *n)
{
	while (*n > 0 && am_dmarc_wsp((unsigned char)**p))
		(*p)++, (*n)--;
	while (*n > 0 && am_dmarc_wsp((unsigned char)(*p)[*n - 1]))
		(*n)--;
}

/* am_dmarc_version_end - offset just past "v=DMARC1" and its separator
 * WSP, or 0 if the record does not start with the version tag */

static size_t
am_dmarc_version_end(const char *s, size_t n)
{
	size_t	 i = 0;

	while (i < n && am_dmarc_wsp((unsigned char)s[i]))
		i++;
	if (i >= n || (s[i] != 'v' && s[i] != 'V'))
		return 0;
	for (i++; i < n && am_dmarc_wsp((unsigned char)s[i]); i++)
		;
	if (i >= n || s[i] != '=')
		return 0;
	for (i++; i < n && am_dmarc_wsp((unsigned char)s[i]); i++)
		;
	if (n - i < 6 || memcmp(s + i, "DMARC1", 6) != 0)
		return 0;
	for (i += 6; i < n && am_dmarc_wsp((unsigned char)s[i]); i++)
		;
	if (i < n && s[i] != ';')
		return 0;
	return i;
}

int
am_dmarc_rec_is_dmarc(const char *s, size_t n)
{
	return s != NULL && am_dmarc_version_end(s, n) > 0;
}

static int
am_dmarc_policy_parse(const char *v, size_t n, enum am_dmarc_policy *out)
{
	if (am_tagval_ci_eq(v, n, "none"))
		*out = AM_DMARC_POLICY_NONE;
	else if (am_tagval_ci_eq(v, n, "quarantine"))
		*out = AM_DMARC_POLICY_QUARANTINE;
	else if (am_tagval_ci_eq(v, n, "reject"))
		*out = AM_DMARC_POLICY_REJECT;
	else
		return -1;
	return 0;
}

/* am_dmarc_fo_parse - dmarc-fo: a ':' list of 0, 1, d, s; at most one
 * of 0 and 1, d and s at most once each */

static int
am_dmarc_fo_parse(const char *v, size_t n, unsigned *out)
{
	unsigned	 fo = 0, bit;
	const char	*p = v, *end = v + n, *c;
	size_t		 len;

	while (p <= end) {
		c = memchr(p, ':', (size_t)(end - p));
		len = (size_t)((c != NULL ? c : end) - p);
		am_dmarc_trim(&p, &len);
		if (len != 1)
			return -1;
		switch (*p) {
		case '0': bit = AM_DMARC_FO_0; break;
		case '1': bit = AM_DMARC_FO_1; break;
		case 'd': case 'D': bit = AM_DMARC_FO_D; break;
		case 's': case 'S': bit = AM_DMARC_FO_S; break;
		default: return -1;
		}
		if ((fo & bit) != 0 || ((bit & (AM_DMARC_FO_0 | AM_DMARC_FO_1))
		    != 0 && (fo & (AM_DMARC_FO_0 | AM_DMARC_FO_1)) != 0))
			return -1;
		fo |= bit;
		if (c == NULL)
			break;
		p = c + 1;
	}
	*out = fo;
	return 0;
}

static int
am_dmarc_hex(int c)
{
	return am_dmarc_digit(c) || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/* am_dmarc_uri_ok - RFC 3986 URI shape: scheme ":" 1*(URI characters),
 * '!' and ',' only percent-encoded; mailto: needs local@domain */

static int
am_dmarc_uri_ok(const char *u, size_t n)
{
	size_t		 i, colon;
	const char	*at;

	if (n == 0 || !am_dmarc_alpha((unsigned char)u[0]))
		return 0;
	for (i = 1; i < n && u[i] != ':'; i++)
		if (!am_dmarc_alpha((unsigned char)u[i]) &&
		    !am_dmarc_digit((unsigned char)u[i]) &&
		    strchr("+-.", u[i]) == NULL)
			return 0;
	if (i >= n - 1)
		return 0;		/* no ':' or nothing after it */
	colon = i;
	for (i = colon + 1; i < n; i++) {
		unsigned char	 c = (unsigned char)u[i];

		if (c == '%') {
			if (i + 2 >= n || !am_dmarc_hex(u[i + 1]) ||
			    !am_dmarc_hex(u[i + 2]))
				return 0;
			i += 2;
			continue;
		}
		if (am_dmarc_alpha(c) || am_dmarc_digit(c) ||
		    strchr("-._~:/?#[]@$&'()*+;=", c) != NULL)
			continue;
		return 0;
	}
	if (colon == 6 && am_tagval_ci_eq(u, 6, "mailto")) {
		at = memchr(u + 7, '@', n - 7);
		if (at == NULL || at == u + 7 || at == u + n - 1)
			return 0;
	}
	return 1;
}

/* am_dmarc_strip_size - drop an obsolete "!" 1*DIGIT [k/m/g/t] suffix */

static size_t
am_dmarc_strip_size(const char *u, size_t n)
{
	size_t	 i = n;

	if (i > 0 && strchr("kmgtKMGT", u[i - 1]) != NULL)
		i--;
	if (i == 0 || !am_dmarc_digit((unsigned char)u[i - 1]))
		return n;
	while (i > 0 && am_dmarc_digit((unsigned char)u[i - 1]))
		i--;
	if (i == 0 || u[i - 1] != '!')
		return n;
	return i - 1;
}

/* am_dmarc_urilist - keep the valid URIs of v in out (',' joined) */

static void
am_dmarc_urilist(const char *v, size_t n, char *out, unsigned *nout,
    unsigned *bad, enum am_dmarc_tag_state *state)
{
	const char	*p = v, *end = v + n, *c;
	size_t		 len, used = 0;

	out[0] = '\0';
	*nout = *bad = 0;
	while (p <= end) {
		c = memchr(p, ',', (size_t)(end - p));
		len = (size_t)((c != NULL ? c : end) - p);
		am_dmarc_trim(&p, &len);
		len = am_dmarc_strip_size(p, len);
		if (!am_dmarc_uri_ok(p, len) || *nout >= AM_DMARC_URI_MAX ||
		    used + len + 2 > AM_DMARC_URILIST_MAX)
			(*bad)++;
		else {
			if (used > 0)
				out[used++] = ',';
			memcpy(out + used, p, len);
			used += len;
			out[used] = '\0';
			(*nout)++;
		}
		if (c == NULL)
			break;
		p = c + 1;
	}
	*state = *nout > 0 ? AM_DMARC_TAG_OK : AM_DMARC_TAG_INVALID;
}

/* am_dmarc_yn - one of two letters (any case); 1 for yes, 0 for no */

static int
am_dmarc_letter(const char *v, size_t n, char yes, char no, int *out)
{
	if (n != 1)
		return -1;
	if (v[0] == yes || v[0] == yes - 'a' + 'A')
		*out = 1;
	else if (v[0] == no || v[0] == no - 'a' + 'A')
		*out = 0;
	else
		return -1;
	return 0;
}

static void
am_dmarc_apply_policy(const struct am_dmarc_seen *s, enum am_dmarc_policy *p,
    enum am_dmarc_tag_state *st)
{
	*st = AM_DMARC_TAG_ABSENT;
	if (s->count == 0)
		return;
	*st = s->count == 1 && am_dmarc_policy_parse(s->v, s->vlen, p) == 0 ?
	    AM_DMARC_TAG_OK : AM_DMARC_TAG_INVALID;
}

static void
am_dmarc_apply_letter(const struct am_dmarc_seen *s, char yes, char no,
    int *out, enum am_dmarc_tag_state *st)
{
	int	 v;

	*st = AM_DMARC_TAG_ABSENT;
	if (s->count == 0)
		return;
	if (s->count == 1 && am_dmarc_letter(s->v, s->vlen, yes, no, &v) == 0) {
		*out = v;
		*st = AM_DMARC_TAG_OK;
	} else
		*st = AM_DMARC_TAG_INVALID;
}

static void
am_dmarc_apply_psd(const struct am_dmarc_seen *s, struct am_dmarc_rec *r)
{
	char	 c = s->vlen == 1 ? s->v[0] : '\0';

	r->psd_state = AM_DMARC_TAG_ABSENT;
	if (s->count == 0)
		return;
	r->psd_state = AM_DMARC_TAG_OK;
	if (s->count == 1 && (c == 'y' || c == 'Y'))
		r->psd = AM_DMARC_PSD_Y;
	else if (s->count == 1 && (c == 'n' || c == 'N'))
		r->psd = AM_DMARC_PSD_N;
	else if (s->count != 1 || (c != 'u' && c != 'U'))
		r->psd_state = AM_DMARC_TAG_INVALID;
}

static void
am_dmarc_apply(const struct am_dmarc_seen *seen, struct am_dmarc_rec *r)
{
	const struct am_dmarc_seen	*s;
	int				 v;

	am_dmarc_apply_policy(&seen[AM_DMARC_T_P], &r->p, &r->p_state);
	am_dmarc_apply_policy(&seen[AM_DMARC_T_SP], &r->sp, &r->sp_state);
	am_dmarc_apply_policy(&seen[AM_DMARC_T_NP], &r->np, &r->np_state);
	am_dmarc_apply_psd(&seen[AM_DMARC_T_PSD], r);
	am_dmarc_apply_letter(&seen[AM_DMARC_T_T], 'y', 'n', &r->t,
	    &r->t_state);
	v = 0;
	am_dmarc_apply_letter(&seen[AM_DMARC_T_ADKIM], 's', 'r', &v,
	    &r->adkim_state);
	r->adkim = v ? AM_DMARC_ALIGN_STRICT : AM_DMARC_ALIGN_RELAXED;
	v = 0;
	am_dmarc_apply_letter(&seen[AM_DMARC_T_ASPF], 's', 'r', &v,
	    &r->aspf_state);
	r->aspf = v ? AM_DMARC_ALIGN_STRICT : AM_DMARC_ALIGN_RELAXED;
	s = &seen[AM_DMARC_T_FO];
	if (s->count > 0)
		r->fo_state = s->count == 1 &&
		    am_dmarc_fo_parse(s->v, s->vlen, &r->fo) == 0 ?
		    AM_DMARC_TAG_OK : AM_DMARC_TAG_INVALID;
	if (r->fo_state != AM_DMARC_TAG_OK)
		r->fo = AM_DMARC_FO_0;
	s = &seen[AM_DMARC_T_RUA];
	if (s->count == 1)
		am_dmarc_urilist(s->v, s->vlen, r->rua, &r->nrua, &r->rua_bad,
		    &r->rua_state);
	else if (s->count > 1)
		r->rua_state = AM_DMARC_TAG_INVALID;
	s = &seen[AM_DMARC_T_RUF];
	if (s->count == 1)
		am_dmarc_urilist(s->v, s->vlen, r->ruf, &r->nruf, &r->ruf_bad,
		    &r->ruf_state);
	else if (s->count > 1)
		r->ruf_state = AM_DMARC_TAG_INVALID;
	r->legacy = seen[AM_DMARC_T_PCT].count + seen[AM_DMARC_T_RF].count +
	    seen[AM_DMARC_T_RI].count > 0;
}

/* am_dmarc_tag - note one "name = value" piece (already trimmed) */

static void
am_dmarc_tag(const char *p, size_t n, struct am_dmarc_seen *seen,
    struct am_dmarc_rec *r)
{
	size_t	 i = 0, namelen, k;

	while (i < n && am_dmarc_alpha((unsigned char)p[i]))
		i++;
	namelen = i;
	while (i < n && am_dmarc_wsp((unsigned char)p[i]))
		i++;
	if (namelen == 0 || i >= n || p[i] != '=') {
		r->malformed++;
		return;
	}
	for (i++; i < n && am_dmarc_wsp((unsigned char)p[i]); i++)
		;
	for (k = 0; k < AM_DMARC_T_COUNT; k++)
		if (am_tagval_ci_eq(p, namelen, am_dmarc_tagnames[k]))
			break;
	if (k == AM_DMARC_T_COUNT) {
		r->unknown++;
		return;
	}
	seen[k].count++;
	seen[k].v = p + i;
	seen[k].vlen = n - i;
	/* A bad value counts as a second copy would: the tag is invalid. */
	if (!am_dmarc_value_ok(p + i, n - i))
		seen[k].count++;
}

int
am_dmarc_rec_parse(const char *s, size_t n, struct am_dmarc_rec *out,
    struct am_err *err)
{
	struct am_dmarc_seen	 seen[AM_DMARC_T_COUNT];
	const char		*p, *q, *end, *c;
	size_t			 start, len;

	if (s == NULL || (start = am_dmarc_version_end(s, n)) == 0)
		return am_err_set(err, AM_E_SYNTAX,
		    "not a DMARC record (no leading v=DMARC1)");
	memset(out, 0, sizeof(*out));
	memset(seen, 0, sizeof(seen));
	out->fo = AM_DMARC_FO_0;
	/* p is always at a ';' (or the end) here */
	for (p = s + start, end = s + n; p < end; p = c) {
		q = p + 1;
		if ((c = memchr(q, ';', (size_t)(end - q))) == NULL)
			c = end;
		len = (size_t)(c - q);
		am_dmarc_trim(&q, &len);
		if (len > 0)
			am_dmarc_tag(q, len, seen, out);
	}
	am_dmarc_apply(seen, out);
	return 0;
}

const char *
am_dmarc_policy_name(enum am_dmarc_policy p)
{
	switch (p) {
	case AM_DMARC_POLICY_NONE:
		return "none";
	case AM_DMARC_POLICY_QUARANTINE:
		return "quarantine";
	case AM_DMARC_POLICY_REJECT:
		return "reject";
	}
	return "?";
}

const char *
am_dmarc_psd_name(enum am_dmarc_psd p)
{
	switch (p) {
	case AM_DMARC_PSD_U:
		return "u";
	case AM_DMARC_PSD_Y:
		return "y";
	case AM_DMARC_PSD_N:
		return "n";
	}
	return "?";
}

/* am_dmarc_fmt_policy - "; name=value" for a present policy tag */

static void
am_dmarc_fmt_policy(char *buf, size_t size, size_t *used, const char *name,
    enum am_dmarc_tag_state st, enum am_dmarc_policy p)
{
	int	 k;

	if (st == AM_DMARC_TAG_ABSENT || *used >= size)
		return;
	k = snprintf(buf + *used, size - *used, "; %s=%s", name,
	    st == AM_DMARC_TAG_OK ? am_dmarc_policy_name(p) : "<invalid>");
	if (k > 0)
		*used += (size_t)k;
}

static void
am_dmarc_fmt(char *buf, size_t size, size_t *used, const char *name,
    const char *value)
{
	int	 k;

	if (*used >= size)
		return;
	k = snprintf(buf + *used, size - *used, "; %s=%s", name, value);
	if (k > 0)
		*used += (size_t)k;
}

void
am_dmarc_rec_format(const struct am_dmarc_rec *r, char *buf, size_t size)
{
	size_t	 used = 0;
	char	 fo[12];
	int	 k;

	if (size == 0)
		return;
	k = snprintf(buf, size, "v=DMARC1");
	used = k > 0 ? (size_t)k : 0;
	am_dmarc_fmt_policy(buf, size, &used, "p", r->p_state, r->p);
	am_dmarc_fmt_policy(buf, size, &used, "sp", r->sp_state, r->sp);
	am_dmarc_fmt_policy(buf, size, &used, "np", r->np_state, r->np);
	if (r->psd_state != AM_DMARC_TAG_ABSENT)
		am_dmarc_fmt(buf, size, &used, "psd",
		    r->psd_state == AM_DMARC_TAG_OK ?
		    am_dmarc_psd_name(r->psd) : "<invalid>");
	if (r->t_state != AM_DMARC_TAG_ABSENT)
		am_dmarc_fmt(buf, size, &used, "t", r->t_state ==
		    AM_DMARC_TAG_OK ? (r->t ? "y" : "n") : "<invalid>");
	if (r->adkim_state != AM_DMARC_TAG_ABSENT)
		am_dmarc_fmt(buf, size, &used, "adkim", r->adkim_state ==
		    AM_DMARC_TAG_OK ? (r->adkim == AM_DMARC_ALIGN_STRICT ?
		    "s" : "r") : "<invalid>");
	if (r->aspf_state != AM_DMARC_TAG_ABSENT)
		am_dmarc_fmt(buf, size, &used, "aspf", r->aspf_state ==
		    AM_DMARC_TAG_OK ? (r->aspf == AM_DMARC_ALIGN_STRICT ?
		    "s" : "r") : "<invalid>");
	if (r->fo_state != AM_DMARC_TAG_ABSENT) {
		(void)snprintf(fo, sizeof(fo), "%s%s%s%s",
		    r->fo & AM_DMARC_FO_0 ? "0:" : "",
		    r->fo & AM_DMARC_FO_1 ? "1:" : "",
		    r->fo & AM_DMARC_FO_D ? "d:" : "",
		    r->fo & AM_DMARC_FO_S ? "s:" : "");
		if (fo[0] != '\0')
			fo[strlen(fo) - 1] = '\0';
		am_dmarc_fmt(buf, size, &used, "fo", r->fo_state ==
		    AM_DMARC_TAG_OK ? fo : "<invalid>");
	}
	if (r->rua_state != AM_DMARC_TAG_ABSENT)
		am_dmarc_fmt(buf, size, &used, "rua",
		    r->nrua > 0 ? r->rua : "<invalid>");
	if (r->ruf_state != AM_DMARC_TAG_ABSENT)
		am_dmarc_fmt(buf, size, &used, "ruf",
		    r->nruf > 0 ? r->ruf : "<invalid>");
}
