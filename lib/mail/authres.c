/*
 * authres - build Authentication-Results header fields (RFC 8601)
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atext.h"
#include "authres.h"
#include "mem.h"

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
		if (ldh_only ? !am_is_ldh(c) : !am_atext(c))
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

/* Prose (reason, comment) longer than AM_AUTHRES_TEXT_MAX octets is cut,
 * at a UTF-8 character boundary, and ends in "...". */

static size_t
am_authres_text_len(const char *v, int *cut)
{
	size_t	 n = strlen(v);

	*cut = n > AM_AUTHRES_TEXT_MAX;
	if (!*cut)
		return n;
	n = AM_AUTHRES_TEXT_MAX - 3;
	while (n > 0 && ((unsigned char)v[n] & 0xc0) == 0x80)
		n--;
	return n;
}

static void
am_authres_quote_n(struct am_buf *out, const char *v, size_t n, int cut)
{
	const char	*end = v + n;

	(void)am_buf_appendc(out, '"');
	for (; v < end; v++) {
		unsigned char	 c = (unsigned char)*v;

		if (c == '"' || c == '\\')
			(void)am_buf_appendc(out, '\\');
		if (c == '\r' || c == '\n' || c == '\t')
			c = ' ';
		if (c < 0x20 || c == 0x7f)
			continue;
		(void)am_buf_appendc(out, c);
	}
	if (cut)
		(void)am_buf_appends(out, "...");
	(void)am_buf_appendc(out, '"');
}

static void
am_authres_quote(struct am_buf *out, const char *v)
{
	am_authres_quote_n(out, v, strlen(v), 0);
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
	struct am_buf	 e;
	size_t		 n;
	int		 cut;

	/* reason is always quoted: it is prose.  Each element goes in
	 * whole or not at all, so that the resinfo stays well-formed. */
	n = am_authres_text_len(reason, &cut);
	am_buf_init(&e, 2 * AM_AUTHRES_TEXT_MAX + 16);
	(void)am_buf_appends(&e, " reason=");
	am_authres_quote_n(&e, reason, n, cut);
	(void)am_buf_append(&r->buf, e.data, e.len);
	am_buf_release(&e);
}

void
am_authres_comment(struct am_authres *r, const char *comment)
{
	struct am_buf	 e;
	size_t		 n;
	int		 cut;
	const char	*end;

	n = am_authres_text_len(comment, &cut);
	end = comment + n;
	am_buf_init(&e, 2 * AM_AUTHRES_TEXT_MAX + 16);
	(void)am_buf_appends(&e, " (");
	for (; comment < end; comment++) {
		unsigned char	 c = (unsigned char)*comment;

		if (c == '(' || c == ')' || c == '\\')
			(void)am_buf_appendc(&e, '\\');
		if (c == '\r' || c == '\n' || c == '\t')
			c = ' ';
		if (c < 0x20 || c == 0x7f)
			continue;
		(void)am_buf_appendc(&e, c);
	}
	if (cut)
		(void)am_buf_appends(&e, "...");
	(void)am_buf_appendc(&e, ')');
	(void)am_buf_append(&r->buf, e.data, e.len);
	am_buf_release(&e);
}

void
am_authres_prop(struct am_authres *r, const char *ptype, const char *property,
    const char *value)
{
	struct am_buf	 v;
	char		 note[80], b[AM_AUTHRES_B_MAX + 1];

	/* header.b: a prefix (RFC 6008), never the whole signature. */
	if (strcmp(ptype, "header") == 0 && strcmp(property, "b") == 0 &&
	    strlen(value) > AM_AUTHRES_B_MAX) {
		memcpy(b, value, AM_AUTHRES_B_MAX);
		b[AM_AUTHRES_B_MAX] = '\0';
		value = b;
	}
	/* A ptype or property is a keyword: written whole or not at all
	 * (a cut one could end in '-', or name another property). */
	if (strlen(ptype) > AM_AUTHRES_KEY_MAX ||
	    strlen(property) > AM_AUTHRES_KEY_MAX) {
		(void)snprintf(note, sizeof(note), "a property omitted: its "
		    "name is %zu octets", strlen(ptype) + strlen(property));
		am_authres_comment(r, note);
		return;
	}
	am_buf_init(&v, AM_AUTHRES_VALUE_MAX + 2 * AM_AUTHRES_KEY_MAX + 8);
	(void)am_buf_printf(&v, " %s.%s=", ptype, property);
	am_authres_value(&v, value);
	if (v.err || v.len > AM_AUTHRES_VALUE_MAX + strlen(ptype) +
	    strlen(property) + 3) {
		/* Too long to be useful in a header: say so, not drop it. */
		(void)snprintf(note, sizeof(note), "%.20s.%.20s omitted: "
		    "%zu octets", ptype, property, strlen(value));
		am_authres_comment(r, note);
	} else
		(void)am_buf_append(&r->buf, v.data, v.len);
	am_buf_release(&v);
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

/* ------------------------------------------------------------ the field */

/*
 * The field is split where our builder's grammar allows: at ';' and
 * white space outside quoted-strings and comments (values are quoted
 * with '\' escapes; comments escape their parentheses).
 */

struct am_arpiece {
	const char	*p;		/* a resinfo, trimmed */
	size_t		 len;
	int		 class;		/* keeping order: 0 first */
	int		 keep;		/* 0 no, 1 whole, 2 method=result;
					 * -1 empty (ignored) */
};

/* End of the top-level element that starts at s[i] (a quoted-string,
 * a comment, or one other octet). */

static size_t
am_ar_skip(const char *s, size_t len, size_t i)
{
	int	 depth = 0;

	if (s[i] == '"') {
		for (i++; i < len && s[i] != '"'; i++)
			if (s[i] == '\\' && i + 1 < len)
				i++;
		return i < len ? i + 1 : len;
	}
	if (s[i] != '(')
		return i + 1;
	for (; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len)
			i++;
		else if (s[i] == '(')
			depth++;
		else if (s[i] == ')' && --depth == 0)
			return i + 1;
	}
	return len;
}

static int
am_ar_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Splits v at top-level ';' into at most max pieces (trimmed); returns
 * the number found (which may exceed max: the rest are not stored). */

static size_t
am_ar_split(const char *v, size_t len, struct am_arpiece *pc, size_t max)
{
	size_t	 i = 0, start = 0, n = 0, a, b;

	for (;;) {
		if (i >= len || v[i] == ';') {
			for (a = start; a < i && am_ar_space(v[a]); a++)
				;
			for (b = i; b > a && am_ar_space(v[b - 1]); b--)
				;
			if (n < max) {
				pc[n].p = v + a;
				pc[n].len = b - a;
			}
			n++;
			if (i >= len)
				return n;
			start = ++i;
			continue;
		}
		i = am_ar_skip(v, len, i);
	}
}

/* The length of a resinfo's method=result (its first word). */

static size_t
am_ar_first_word(const struct am_arpiece *p)
{
	size_t	 i = 0;

	while (i < p->len && !am_ar_space(p->p[i]) && p->p[i] != '(')
		i = am_ar_skip(p->p, p->len, i);
	return i;
}

/* Appends words of s (top-level white space collapsed), folding before
 * a word that would take the line past AM_AUTHRES_FOLD_AT when fold is
 * set; *col tracks the line's length. */

static void
am_ar_words(struct am_buf *out, const char *s, size_t len, int fold,
    size_t *col, int first)
{
	size_t	 i = 0, w;

	while (i < len) {
		while (i < len && am_ar_space(s[i]))
			i++;
		if (i >= len)
			break;
		for (w = i; w < len && !am_ar_space(s[w]); )
			w = am_ar_skip(s, len, w);
		if (!first && fold && *col + 1 + (w - i) > AM_AUTHRES_FOLD_AT) {
			(void)am_buf_appends(out, "\n\t");
			*col = 1;
		} else if (!first) {
			(void)am_buf_appendc(out, ' ');
			(*col)++;
		}
		(void)am_buf_append(out, s + i, w - i);
		*col += w - i;
		first = 0;
		i = w;
	}
}

/* Which resinfos to keep within AM_AUTHRES_FIELD_MAX octets and
 * AM_AUTHRES_FIELD_MAXRES resinfos: other methods first, then dkim=pass,
 * then the rest of dkim, whole if they fit, else as method=result. */

static void
am_ar_choose(struct am_arpiece *pc, size_t n, size_t used)
{
	const size_t	 reserve = AM_AUTHRES_TEXT_MAX + 56; /* summary */
	size_t		 i, kept = 0, need;
	int		 class, shape;

	for (i = 0; i < n; i++) {
		pc[i].keep = pc[i].len == 0 ? -1 : 0;
		pc[i].class = pc[i].len < 5 || strncmp(pc[i].p, "dkim=", 5) != 0 ?
		    0 : strncmp(pc[i].p, "dkim=pass", 9) == 0 ? 1 : 2;
	}
	for (shape = 1; shape <= 2; shape++)
		for (class = 0; class <= 2; class++)
			for (i = 0; i < n; i++) {
				if (pc[i].keep != 0 || pc[i].class != class ||
				    kept >= AM_AUTHRES_FIELD_MAXRES)
					continue;
				/* "; " + the text + a fold every 60 or so */
				need = (shape == 1 ? pc[i].len :
				    am_ar_first_word(&pc[i])) + 3;
				need += need / 30;
				if (used + need + reserve > AM_AUTHRES_FIELD_MAX)
					continue;
				pc[i].keep = shape;
				used += need;
				kept++;
			}
}

/* " (N more results not shown: dkim=fail 3, dkim=pass 1)" */

static void
am_ar_summary(struct am_buf *out, const struct am_arpiece *pc, size_t n,
    size_t total, int fold, size_t *col)
{
	struct am_authres	 c;
	struct am_buf		 text;
	size_t			 i, j, w, count, omitted = total - n;
	int			 seen;

	for (i = 0; i < n; i++)
		omitted += pc[i].keep == 0;	/* stored but not kept */
	if (omitted == 0)
		return;
	am_buf_init(&text, AM_AUTHRES_TEXT_MAX);
	(void)am_buf_printf(&text, "%zu more result%s not shown", omitted,
	    omitted == 1 ? "" : "s");
	for (i = 0; i < n; i++) {
		if (pc[i].keep != 0)
			continue;
		w = am_ar_first_word(&pc[i]);
		for (seen = 0, j = 0; j < i && !seen; j++)
			seen = !pc[j].keep && am_ar_first_word(&pc[j]) == w &&
			    memcmp(pc[j].p, pc[i].p, w) == 0;
		if (seen)
			continue;
		for (count = 0, j = i; j < n; j++)
			count += !pc[j].keep && am_ar_first_word(&pc[j]) == w &&
			    memcmp(pc[j].p, pc[i].p, w) == 0;
		(void)am_buf_printf(&text, "%s%.*s %zu", text.len > 0 &&
		    strchr(am_buf_str(&text), ':') ? ", " : ": ",
		    (int)(w > 40 ? 40 : w), pc[i].p, count);
	}
	am_authres_init(&c);
	am_authres_comment(&c, text.err ? "more results not shown" :
	    am_buf_str(&text));
	am_ar_words(out, am_authres_str(&c), strlen(am_authres_str(&c)), fold,
	    col, 0);
	am_authres_release(&c);
	am_buf_release(&text);
}

#define AM_AR_MAXPIECES	256

int
am_authres_finish(struct am_buf *field, int fold)
{
	struct am_arpiece	*pc;
	struct am_buf		 out;
	const char		*v = am_buf_str(field);
	size_t			 total, i, col, stored, id, shown = 0;
	int			 r, lead = v[0] == ' ';

	if (field->err || field->len == 0)
		return -1;
	pc = am_calloc(AM_AR_MAXPIECES, sizeof(*pc));
	total = am_ar_split(v, field->len, pc, AM_AR_MAXPIECES);
	stored = total < AM_AR_MAXPIECES ? total : AM_AR_MAXPIECES;
	/* pc[0] is the authserv-id [version]; the rest are resinfos. */
	id = pc[0].len;
	am_ar_choose(pc + 1, stored - 1, id + 2);
	am_buf_init(&out, AM_AUTHRES_FIELD_MAX + 1024);
	if (lead)
		(void)am_buf_appendc(&out, ' ');
	col = sizeof("Authentication-Results:") - 1 + lead;
	am_ar_words(&out, pc[0].p, pc[0].len, fold, &col, 1);
	for (i = 1; i < stored; i++) {
		if (pc[i].keep <= 0)
			continue;
		shown++;
		(void)am_buf_appendc(&out, ';');
		if (fold) {
			(void)am_buf_appends(&out, "\n\t");
			col = 1;
		} else {
			(void)am_buf_appendc(&out, ' ');
			col += 2;
		}
		am_ar_words(&out, pc[i].p, pc[i].keep == 1 ? pc[i].len :
		    am_ar_first_word(&pc[i]), fold, &col, 1);
	}
	if (shown == 0)
		(void)am_buf_appends(&out, "; none");
	am_ar_summary(&out, pc + 1, stored - 1, total - 1, fold, &col);
	r = out.err ? -1 : 0;
	if (r == 0) {
		am_buf_reset(field);
		(void)am_buf_append(field, out.data, out.len);
		r = field->err ? -1 : 0;
	}
	am_buf_release(&out);
	free(pc);
	return r;
}

int
am_authres_header(const char *authserv_id, const struct am_authres *r,
    size_t n, struct am_buf *out)
{
	struct am_buf	 tmp;
	size_t		 i;
	int		 rc;

	am_buf_init(&tmp, (n + 1) * (AM_AUTHRES_MAX + 2));
	am_authres_value(&tmp, authserv_id);
	for (i = 0; i < n; i++)
		(void)am_buf_printf(&tmp, "; %s", am_authres_str(&r[i]));
	rc = am_authres_finish(&tmp, 0);
	if (rc == 0)
		(void)am_buf_append(out, tmp.data, tmp.len);
	am_buf_release(&tmp);
	return rc == -1 || out->err ? -1 : 0;
}
