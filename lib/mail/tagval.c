/*
 * tagval - "tag=value" lists (RFC 6376 3.2, RFC 8616 4)
 *
 * One pass over the input, returning views into it.  The grammar:
 *
 *	tag-list  = tag-spec *( ";" tag-spec ) [ ";" ]
 *	tag-spec  = [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
 *	tag-name  = ALPHA *( ALPHA / DIGIT / "_" )
 *	tag-value = [ tval *( 1*(WSP / FWS) tval ) ]
 *	tval      = 1*( %x21-3A / %x3C-7E / UTF8-non-ascii )
 *
 * FWS is WSP, or a line end (CR LF, or a bare LF as hdr.h allows)
 * followed by WSP.  A line end at the very end of the input is
 * tolerated, so that a caller may pass a field with its terminator.
 */

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "tagval.h"

/* fws_span - length of the FWS run at p, or -1 for a bad line end */

static long
fws_span(const unsigned char *p, const unsigned char *end)
{
	const unsigned char	*s = p;
	size_t			 eol;

	while (p < end) {
		if (*p == ' ' || *p == '\t') {
			p++;
			continue;
		}
		if (*p == '\r' && p + 1 < end && p[1] == '\n')
			eol = 2;
		else if (*p == '\n')
			eol = 1;
		else if (*p == '\r')
			return -1;		/* bare CR */
		else
			break;
		if (p + eol == end) {		/* final line end */
			p += eol;
			break;
		}
		if (p[eol] != ' ' && p[eol] != '\t')
			return -1;		/* line end not followed by WSP */
		p += eol;
	}
	return (long)(p - s);
}

/* utf8_len - length of the well-formed UTF-8 sequence at p (RFC 3629),
 * or 0 if it is not one.  p[0] >= 0x80. */

static size_t
utf8_len(const unsigned char *p, const unsigned char *end)
{
	size_t		 n, i;
	unsigned char	 lo = 0x80, hi = 0xbf;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;			/* no overlong forms */
	else if (p[0] == 0xed)
		hi = 0x9f;			/* no surrogates */
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;			/* nothing above U+10FFFF */
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_alnumpunc(int c)
{
	return is_alpha(c) || (c >= '0' && c <= '9') || c == '_';
}

/*
 * scan_value - scan a tag-value at *pp up to ';' or the end.  Sets the
 * value view with surrounding FWS trimmed and leaves *pp on the ';'
 * or the end.
 */

static int
scan_value(const unsigned char **pp, const unsigned char *end,
    struct am_tag *tag, const char *name, struct am_err *err)
{
	const unsigned char	*p = *pp, *vend;
	long			 w;
	size_t			 u;

	tag->value = (const char *)p;
	vend = p;
	while (p < end && *p != ';') {
		if (*p >= 0x21 && *p <= 0x7e) {
			p++;
			vend = p;
		} else if (*p >= 0x80) {
			if ((u = utf8_len(p, end)) == 0)
				return am_err_set(err, AM_E_SYNTAX,
				    "invalid utf-8 in %s= value", name);
			p += u;
			vend = p;
		} else {
			if ((w = fws_span(p, end)) <= 0)
				return am_err_set(err, AM_E_SYNTAX,
				    "invalid character in %s= value", name);
			p += w;
		}
	}
	tag->value_len = (size_t)(vend - (const unsigned char *)tag->value);
	*pp = p;
	return 0;
}

/* scan_name - scan FWS, a tag-name, FWS and '='; *pp ends after '=' */

static int
scan_name(const unsigned char **pp, const unsigned char *end,
    struct am_tag *tag, struct am_err *err)
{
	const unsigned char	*p = *pp;
	long			 w;

	tag->name = (const char *)p;
	if (p == end || !is_alpha(*p))
		return am_err_set(err, AM_E_SYNTAX,
		    p == end || *p == ';' || *p == '=' ? "empty tag name" :
		    "invalid tag name");
	while (p < end && is_alnumpunc(*p))
		p++;
	tag->name_len = (size_t)(p - (const unsigned char *)tag->name);
	if ((w = fws_span(p, end)) < 0)
		return am_err_set(err, AM_E_SYNTAX, "invalid line end");
	p += w;
	if (p == end || *p != '=')
		return am_err_set(err, AM_E_SYNTAX,
		    p < end && is_alnumpunc(*p) ? "space in tag name" :
		    p < end && *p != ';' ? "invalid tag name" :
		    "missing '=' after tag");
	*pp = p + 1;
	return 0;
}

static int
is_dup(const struct am_tagval *tv, const struct am_tag *tag)
{
	size_t	 i;

	for (i = 0; i < tv->n; i++)
		if (tv->tags[i].name_len == tag->name_len &&
		    memcmp(tv->tags[i].name, tag->name, tag->name_len) == 0)
			return 1;
	return 0;
}

int
am_tagval_parse(const char *s, size_t len, struct am_tagval *out,
    struct am_err *err)
{
	const unsigned char	*p = (const unsigned char *)s, *end = p + len;
	struct am_tag		 tag;
	char			 name[16];
	long			 w;

	out->n = 0;
	for (;;) {
		if ((w = fws_span(p, end)) < 0)
			return am_err_set(err, AM_E_SYNTAX, "invalid line end");
		p += w;
		if (p == end) {
			if (out->n == 0)
				return am_err_set(err, AM_E_SYNTAX,
				    "empty tag list");
			return 0;		/* after a trailing ';' */
		}
		if (scan_name(&p, end, &tag, err) == -1)
			return -1;
		snprintf(name, sizeof(name), "%.*s",
		    tag.name_len > 8 ? 8 : (int)tag.name_len, tag.name);
		if ((w = fws_span(p, end)) < 0)
			return am_err_set(err, AM_E_SYNTAX, "invalid line end");
		p += w;
		if (scan_value(&p, end, &tag, name, err) == -1)
			return -1;
		if (is_dup(out, &tag))
			return am_err_set(err, AM_E_SYNTAX,
			    "duplicate tag %s=", name);
		if (out->n == AM_TAGVAL_MAX)
			return am_err_set(err, AM_E_LIMIT,
			    "more than %d tags", AM_TAGVAL_MAX);
		out->tags[out->n++] = tag;
		if (p == end)
			return 0;
		p++;				/* the ';' */
	}
}

const struct am_tag *
am_tagval_get(const struct am_tagval *tv, const char *name)
{
	size_t	 i, n = strlen(name);

	for (i = 0; i < tv->n; i++)
		if (tv->tags[i].name_len == n &&
		    memcmp(tv->tags[i].name, name, n) == 0)
			return &tv->tags[i];
	return NULL;
}

int
am_tagval_is_fws(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int
am_tagval_ci_eq(const char *p, size_t n, const char *s)
{
	size_t	 i;
	int	 a, b;

	if (strlen(s) != n)
		return 0;
	for (i = 0; i < n; i++) {
		a = (unsigned char)p[i];
		b = (unsigned char)s[i];
		if (a >= 'A' && a <= 'Z')
			a += 'a' - 'A';
		if (b >= 'A' && b <= 'Z')
			b += 'a' - 'A';
		if (a != b)
			return 0;
	}
	return 1;
}
