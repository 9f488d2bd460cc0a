/*
 * authres_parse - parse one Authentication-Results value (RFC 8601 2.2)
 *
 * A cursor over the value; every step either advances it or fails with
 * a message saying where.  No allocation: the result is views.
 */

#include <string.h>
#include <strings.h>

#include "atext.h"
#include "authres.h"
#include "err.h"

struct am_arp {
	const char	*s;
	size_t		 n, i;
	struct am_err	*err;
};

static int
am_arp_fail(struct am_arp *p, enum am_err_code code, const char *what)
{
	return am_err_set(p->err, code, "Authentication-Results: %s at "
	    "offset %zu", what, p->i);
}

static int
am_arp_at_end(const struct am_arp *p)
{
	return p->i >= p->n;
}

static int
am_arp_peek(const struct am_arp *p)
{
	return p->i < p->n ? (unsigned char)p->s[p->i] : -1;
}

static int
am_arp_is_wsp(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* RFC 5322 ctext and qtext: printable ASCII but the delimiters, or
 * UTF-8 (RFC 6532). */
static int
am_arp_is_text(int c, int delim1, int delim2)
{
	if (c >= 0x80)
		return 1;
	return c > 0x20 && c < 0x7f && c != delim1 && c != delim2 &&
	    c != '\\';
}

/* A comment, nested at most AM_AUTHRES_PARSE_MAXDEPTH deep. */
static int
am_arp_comment(struct am_arp *p)
{
	unsigned	 depth = 0;
	int		 c;

	while ((c = am_arp_peek(p)) != -1) {
		p->i++;
		if (c == '(') {
			if (++depth > AM_AUTHRES_PARSE_MAXDEPTH)
				return am_arp_fail(p, AM_E_LIMIT,
				    "comments nested too deep");
		} else if (c == ')') {
			if (--depth == 0)
				return 0;
		} else if (c == '\\') {
			c = am_arp_peek(p);
			if (c == -1 || c == '\r' || c == '\n' || c == 0)
				return am_arp_fail(p, AM_E_SYNTAX,
				    "bad quoted-pair in comment");
			p->i++;
		} else if (!am_arp_is_wsp(c) && !am_arp_is_text(c, '(', ')'))
			return am_arp_fail(p, AM_E_SYNTAX,
			    "control character in comment");
	}
	return am_arp_fail(p, AM_E_SYNTAX, "unterminated comment");
}

/* CFWS; *skipped says whether there was any. */
static int
am_arp_cfws(struct am_arp *p, int *skipped)
{
	int	 c, any = 0;

	while ((c = am_arp_peek(p)) != -1) {
		if (am_arp_is_wsp(c))
			p->i++;
		else if (c == '(') {
			if (am_arp_comment(p) == -1)
				return -1;
		} else
			break;
		any = 1;
	}
	if (skipped != NULL)
		*skipped = any;
	return 0;
}

/* RFC 2045 token character. */
static int
am_arp_is_token(int c)
{
	return c > 0x20 && c < 0x7f && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* RFC 5322 atext, '.' and '@': a bare pvalue. */
static int
am_arp_is_pchar(int c)
{
	return am_atext(c) || c == '.' || c == '@';
}

static int
am_arp_is_ldh(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-';
}

/* Keyword (RFC 8601 2.2: ldh-str, not ending in '-'). */
static int
am_arp_keyword(struct am_arp *p, const char *what, struct am_authres_view *out)
{
	size_t	 start = p->i;

	while (am_arp_is_ldh(am_arp_peek(p)))
		p->i++;
	if (p->i == start || p->s[p->i - 1] == '-') {
		p->i = start;
		return am_arp_fail(p, AM_E_SYNTAX, what);
	}
	out->p = p->s + start;
	out->len = p->i - start;
	out->quoted = 0;
	return 0;
}

static int
am_arp_quoted(struct am_arp *p, struct am_authres_view *out)
{
	size_t	 start;
	int	 c;

	p->i++;				/* the opening DQUOTE */
	start = p->i;
	while ((c = am_arp_peek(p)) != '"') {
		if (c == -1)
			return am_arp_fail(p, AM_E_SYNTAX,
			    "unterminated quoted-string");
		p->i++;
		if (c == '\\') {
			c = am_arp_peek(p);
			if (c == -1 || c == '\r' || c == '\n' || c == 0)
				return am_arp_fail(p, AM_E_SYNTAX,
				    "bad quoted-pair");
			p->i++;
		} else if (!am_arp_is_wsp(c) && !am_arp_is_text(c, '"', '"'))
			return am_arp_fail(p, AM_E_SYNTAX,
			    "control character in quoted-string");
	}
	out->p = p->s + start;
	out->len = p->i - start;
	out->quoted = 1;
	p->i++;				/* the closing DQUOTE */
	return 0;
}

/* value = token / quoted-string */
static int
am_arp_value(struct am_arp *p, const char *what, struct am_authres_view *out)
{
	size_t	 start = p->i;

	if (am_arp_peek(p) == '"')
		return am_arp_quoted(p, out);
	while (am_arp_is_token(am_arp_peek(p)))
		p->i++;
	if (p->i == start)
		return am_arp_fail(p, AM_E_SYNTAX, what);
	out->p = p->s + start;
	out->len = p->i - start;
	out->quoted = 0;
	return 0;
}

/* pvalue = quoted-string / [[local-part] "@"] domain-name, bare. */
static int
am_arp_pvalue(struct am_arp *p, struct am_authres_view *out)
{
	size_t	 start = p->i;

	if (am_arp_peek(p) == '"') {
		if (am_arp_quoted(p, out) == -1)
			return -1;
		if (am_arp_peek(p) != '@')
			return 0;
		/* "quoted local-part"@domain: kept as written. */
	}
	while (am_arp_is_pchar(am_arp_peek(p)))
		p->i++;
	if (p->i == start || (out->quoted && p->s[p->i - 1] == '@')) {
		out->quoted = 0;
		return am_arp_fail(p, AM_E_SYNTAX, "bad property value");
	}
	out->p = p->s + start;
	out->len = p->i - start;
	out->quoted = 0;
	return 0;
}

static int
am_arp_digits(struct am_arp *p, unsigned *out)
{
	size_t		 start = p->i;
	unsigned	 v = 0;
	int		 c;

	while ((c = am_arp_peek(p)) >= '0' && c <= '9') {
		if (p->i - start >= 9)
			return am_arp_fail(p, AM_E_LIMIT, "version too long");
		v = v * 10 + (unsigned)(c - '0');
		p->i++;
	}
	if (p->i == start)
		return am_arp_fail(p, AM_E_SYNTAX, "version expected");
	*out = v;
	return 0;
}

static int
am_arp_expect(struct am_arp *p, int c, const char *what)
{
	if (am_arp_peek(p) != c)
		return am_arp_fail(p, AM_E_SYNTAX, what);
	p->i++;
	return 0;
}

/* methodspec = [CFWS] method [[CFWS] "/" [CFWS] version] [CFWS] "="
 * [CFWS] result */
static int
am_arp_methodspec(struct am_arp *p, struct am_authres_result *r)
{
	if (am_arp_keyword(p, "method expected", &r->method) == -1 ||
	    am_arp_cfws(p, NULL) == -1)
		return -1;
	if (am_arp_peek(p) == '/') {
		p->i++;
		if (am_arp_cfws(p, NULL) == -1 ||
		    am_arp_digits(p, &r->version) == -1 ||
		    am_arp_cfws(p, NULL) == -1)
			return -1;
	}
	if (am_arp_expect(p, '=', "'=' expected after method") == -1 ||
	    am_arp_cfws(p, NULL) == -1)
		return -1;
	return am_arp_keyword(p, "result expected", &r->result);
}

/* propspec = ptype [CFWS] "." [CFWS] property [CFWS] "=" pvalue,
 * the ptype already read. */
static int
am_arp_propspec(struct am_arp *p, const struct am_authres_view *ptype,
    struct am_authres_result *r)
{
	struct am_authres_prop	*pr;

	if (r->nprops >= AM_AUTHRES_PARSE_MAXPROPS)
		return am_arp_fail(p, AM_E_LIMIT, "too many properties");
	pr = &r->props[r->nprops];
	pr->ptype = *ptype;
	if (am_arp_expect(p, '.', "'.' expected after ptype") == -1 ||
	    am_arp_cfws(p, NULL) == -1 ||
	    am_arp_keyword(p, "property expected", &pr->property) == -1 ||
	    am_arp_cfws(p, NULL) == -1 ||
	    am_arp_expect(p, '=', "'=' expected after property") == -1 ||
	    am_arp_cfws(p, NULL) == -1 ||
	    am_arp_pvalue(p, &pr->value) == -1)
		return -1;
	r->nprops++;
	return 0;
}

/* The rest of a resinfo after the methodspec: [CFWS reasonspec]
 * [CFWS 1*propspec], up to ';' or the end. */
static int
am_arp_resinfo_tail(struct am_arp *p, struct am_authres_result *r)
{
	struct am_authres_view	 kw;
	int			 sp, c;

	for (;;) {
		if (am_arp_cfws(p, &sp) == -1)
			return -1;
		if ((c = am_arp_peek(p)) == -1 || c == ';')
			return 0;
		if (!sp && r->nprops == 0)
			return am_arp_fail(p, AM_E_SYNTAX,
			    "white space expected");
		if (am_arp_keyword(p, "property expected", &kw) == -1 ||
		    am_arp_cfws(p, NULL) == -1)
			return -1;
		if (am_arp_peek(p) == '=' && r->reason.p == NULL &&
		    r->nprops == 0 && am_authres_view_eq(&kw, "reason")) {
			p->i++;
			if (am_arp_cfws(p, NULL) == -1 ||
			    am_arp_value(p, "reason value expected",
			    &r->reason) == -1)
				return -1;
		} else if (am_arp_propspec(p, &kw, r) == -1)
			return -1;
	}
}

static int
am_arp_resinfo(struct am_arp *p, struct am_authres_parsed *out)
{
	struct am_authres_result	*r;

	if (out->n >= AM_AUTHRES_PARSE_MAXRES)
		return am_arp_fail(p, AM_E_LIMIT, "too many results");
	r = &out->res[out->n];
	memset(r, 0, sizeof(*r));
	if (am_arp_methodspec(p, r) == -1 || am_arp_resinfo_tail(p, r) == -1)
		return -1;
	out->n++;
	return 0;
}

/* "none" as the whole of the results: ";" [CFWS] "none" [CFWS] end. */
static int
am_arp_is_none(struct am_arp *p)
{
	struct am_arp	 q = *p;

	if (q.n - q.i < 4 || strncasecmp(q.s + q.i, "none", 4) != 0)
		return 0;
	q.i += 4;
	if (am_arp_is_ldh(am_arp_peek(&q)))
		return 0;
	if (am_arp_cfws(&q, NULL) == -1 || !am_arp_at_end(&q))
		return 0;
	p->i = q.i;
	return 1;
}

static int
am_arp_payload(struct am_arp *p, struct am_authres_parsed *out)
{
	int	 sp;

	if (am_arp_cfws(p, NULL) == -1 ||
	    am_arp_value(p, "authserv-id expected", &out->authserv_id) == -1 ||
	    am_arp_cfws(p, &sp) == -1)
		return -1;
	if (sp && am_arp_peek(p) >= '0' && am_arp_peek(p) <= '9' &&
	    (am_arp_digits(p, &out->version) == -1 ||
	    am_arp_cfws(p, NULL) == -1))
		return -1;
	if (am_arp_at_end(p))
		return am_arp_fail(p, AM_E_SYNTAX, "no results");
	while (!am_arp_at_end(p)) {
		if (am_arp_expect(p, ';', "';' expected") == -1 ||
		    am_arp_cfws(p, NULL) == -1)
			return -1;
		if (out->n == 0 && am_arp_is_none(p)) {
			out->none = 1;
			return 0;
		}
		if (am_arp_resinfo(p, out) == -1)
			return -1;
	}
	return 0;
}

int
am_authres_parse(const char *v, size_t len, struct am_authres_parsed *out,
    struct am_err *err)
{
	struct am_arp	 p;

	memset(&out->authserv_id, 0, sizeof(out->authserv_id));
	out->version = 0;
	out->none = 0;
	out->n = 0;
	p.s = v;
	p.n = len;
	p.i = 0;
	p.err = err;
	if (v == NULL || len > AM_AUTHRES_PARSE_MAXLEN) {
		out->n = 0;
		return am_arp_fail(&p, v == NULL ? AM_E_USAGE : AM_E_LIMIT,
		    "value too long");
	}
	if (am_arp_payload(&p, out) == -1) {
		out->n = 0;
		out->none = 0;
		return -1;
	}
	return 0;
}

int
am_authres_parse_id(const char *v, size_t len, char *out, size_t size,
    struct am_err *err)
{
	struct am_arp		 p;
	struct am_authres_view	 id;

	p.s = v;
	p.n = len;
	p.i = 0;
	p.err = err;
	if (v == NULL || len > AM_AUTHRES_PARSE_MAXLEN)
		return am_arp_fail(&p, v == NULL ? AM_E_USAGE : AM_E_LIMIT,
		    "value too long");
	if (am_arp_cfws(&p, NULL) == -1 ||
	    am_arp_value(&p, "authserv-id expected", &id) == -1)
		return -1;
	if (am_authres_view_copy(&id, out, size) == -1)
		return am_arp_fail(&p, AM_E_LIMIT, "authserv-id too long");
	return 0;
}

int
am_authres_view_copy(const struct am_authres_view *v, char *out, size_t size)
{
	size_t	 i, o = 0;

	if (size == 0)
		return -1;
	for (i = 0; v->p != NULL && i < v->len; i++) {
		char	 c = v->p[i];

		if (v->quoted && c == '\\' && i + 1 < v->len)
			c = v->p[++i];
		else if (v->quoted && (c == '\r' || c == '\n'))
			continue;
		if (o + 1 >= size) {
			out[0] = '\0';
			return -1;
		}
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

int
am_authres_view_eq(const struct am_authres_view *v, const char *s)
{
	char	 buf[512];

	if (v->p == NULL)
		return 0;
	if (!v->quoted)
		return strlen(s) == v->len && strncasecmp(v->p, s, v->len) == 0;
	if (am_authres_view_copy(v, buf, sizeof(buf)) == -1)
		return 0;
	return strcasecmp(buf, s) == 0;
}

const struct am_authres_prop *
am_authres_prop_find(const struct am_authres_result *r, const char *ptype,
    const char *property)
{
	size_t	 i;

	for (i = 0; i < r->nprops; i++)
		if (am_authres_view_eq(&r->props[i].ptype, ptype) &&
		    am_authres_view_eq(&r->props[i].property, property))
			return &r->props[i];
	return NULL;
}
