/*
 * authres - build Authentication-Results header fields (RFC 8601)
 */

#include <string.h>

#include "authres.h"

/* RFC 2045 token: any CHAR except SPACE, CTLs and tspecials. */

static int
am_is_token_char(unsigned char c)
{
	if (c <= 0x20 || c >= 0x7f)
		return 0;
	return strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

static int
am_is_token(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!am_is_token_char((unsigned char)*s))
			return 0;
	return 1;
}

/* RFC 5321/5322 dot-atom: atext runs separated by single dots. */

static int
am_is_atext(unsigned char c)
{
	if (c >= 'a' && c <= 'z')
		return 1;
	if (c >= 'A' && c <= 'Z')
		return 1;
	if (c >= '0' && c <= '9')
		return 1;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* Letters, digits, hyphen, and '_' (seen in DKIM selectors). */

static int
am_is_ldh(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static int
am_is_dot_atom(const char *s, size_t n, int ldh_only)
{
	size_t	 i;
	int	 prev_dot = 1;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char	 c = (unsigned char)s[i];

		if (c == '.') {
			if (prev_dot)
				return 0;
			prev_dot = 1;
			continue;
		}
		prev_dot = 0;
		if (ldh_only ? !am_is_ldh(c) : !am_is_atext(c))
			return 0;
	}
	return !prev_dot;
}

/* [local-part] "@" domain-name, or domain-name, written bare. */

static int
am_is_bare_identity(const char *s)
{
	const char	*at = strrchr(s, '@');

	if (at == NULL)
		return am_is_dot_atom(s, strlen(s), 1);
	if (at != s && !am_is_dot_atom(s, (size_t)(at - s), 0))
		return 0;
	return am_is_dot_atom(at + 1, strlen(at + 1), 1);
}

static void
am_authres_quote(struct am_buf *out, const char *v)
{
	(void)am_buf_appendc(out, '"');
	for (; *v != '\0'; v++) {
		unsigned char	 c = (unsigned char)*v;

		if (c == '"' || c == '\\')
			(void)am_buf_appendc(out, '\\');
		if (c == '\r' || c == '\n' || c == '\t')
			c = ' ';
		if (c < 0x20 || c == 0x7f)
			continue;
		(void)am_buf_appendc(out, c);
	}
	(void)am_buf_appendc(out, '"');
}

void
am_authres_value(struct am_buf *out, const char *v)
{
	if (am_is_token(v) || am_is_bare_identity(v))
		(void)am_buf_appends(out, v);
	else
		am_authres_quote(out, v);
}

void
am_authres_init(struct am_authres *r)
{
	am_buf_init(&r->buf, AM_AUTHRES_MAX);
}

void
am_authres_method(struct am_authres *r, const char *method, const char *result)
{
	(void)am_buf_printf(&r->buf, "%s=%s", method, result);
}

void
am_authres_reason(struct am_authres *r, const char *reason)
{
	/* reason is always quoted: it is prose. */
	(void)am_buf_appends(&r->buf, " reason=");
	am_authres_quote(&r->buf, reason);
}

void
am_authres_comment(struct am_authres *r, const char *comment)
{
	(void)am_buf_appends(&r->buf, " (");
	for (; *comment != '\0'; comment++) {
		unsigned char	 c = (unsigned char)*comment;

		if (c == '(' || c == ')' || c == '\\')
			(void)am_buf_appendc(&r->buf, '\\');
		if (c == '\r' || c == '\n' || c == '\t')
			c = ' ';
		if (c < 0x20 || c == 0x7f)
			continue;
		(void)am_buf_appendc(&r->buf, c);
	}
	(void)am_buf_appendc(&r->buf, ')');
}

void
am_authres_prop(struct am_authres *r, const char *ptype, const char *property,
    const char *value)
{
	(void)am_buf_printf(&r->buf, " %s.%s=", ptype, property);
	am_authres_value(&r->buf, value);
}

const char *
am_authres_str(const struct am_authres *r)
{
	return am_buf_str(&r->buf);
}

int
am_authres_failed(const struct am_authres *r)
{
	return r->buf.err;
}

void
am_authres_release(struct am_authres *r)
{
	am_buf_release(&r->buf);
}

int
am_authres_header(const char *authserv_id, const struct am_authres *r,
    size_t n, struct am_buf *out)
{
	size_t	 i;

	am_authres_value(out, authserv_id);
	if (n == 0)
		(void)am_buf_appends(out, "; none");
	for (i = 0; i < n; i++)
		(void)am_buf_printf(out, "; %s", am_authres_str(&r[i]));
	return out->err ? -1 : 0;
}
