/*
 * spf_macro - SPF macro syntax and expansion (RFC 7208 section 7)
 *
 * A macro-string is read token by token: one literal octet, an escape
 * ("%%", "%_", "%-") or a macro-expand ("%{" letter transformers
 * *delimiter "}").  The checks and the expansion share the tokenizer,
 * so what is checked is what is expanded.
 */

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "spf.h"
#include "spf_macro.h"

#define AM_SPF_DIGITS_CAP	100000	/* more parts than any value has */
#define AM_SPF_TAIL_HIGH	4096	/* domain expansion: compact above */
#define AM_SPF_TAIL_KEEP	1024	/* ... keeping this many octets */
#define AM_SPF_DOMAIN_SCRATCH	(1u << 20)

enum am_spf_tok_kind {
	AM_SPF_TOK_LITERAL,
	AM_SPF_TOK_ESCAPE,
	AM_SPF_TOK_MACRO
};

struct am_spf_tok {
	enum am_spf_tok_kind	 kind;
	size_t			 len;		/* octets consumed */
	int			 letter;	/* as written */
	unsigned long		 digits;	/* 0: none given */
	int			 reverse;
	const char		*delims;	/* NULL: "." */
	size_t			 ndelims;
	const char		*escape;	/* AM_SPF_TOK_ESCAPE */
};

static int
am_spf_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
am_spf_is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
am_spf_is_delim(int c)
{
	return c != '\0' && strchr(".-+,/_=", c) != NULL;
}

static int
am_spf_is_letter(int c, enum am_spf_macro_ctx ctx)
{
	c = am_spf_lower(c);
	if (c != '\0' && strchr("slodiphv", c) != NULL)
		return 1;
	return ctx == AM_SPF_MACRO_EXPLAIN && c != '\0' &&
	    strchr("crt", c) != NULL;
}

/* am_spf_tok_macro - the inside of "%{...}", from s[i] (after "%{") */

static int
am_spf_tok_macro(const char *s, size_t n, size_t i, enum am_spf_macro_ctx ctx,
    struct am_spf_tok *t, struct am_err *err)
{
	size_t	 start = i - 2;

	if (i >= n)
		return am_err_set(err, AM_E_SYNTAX, "unterminated macro");
	if (!am_spf_is_letter((unsigned char)s[i], ctx))
		return am_err_set(err, AM_E_SYNTAX, "%s macro letter '%c'",
		    am_spf_is_letter((unsigned char)s[i],
		    AM_SPF_MACRO_EXPLAIN) ? "explanation-only" : "invalid",
		    s[i] >= 0x21 && s[i] < 0x7f ? s[i] : '?');
	t->kind = AM_SPF_TOK_MACRO;
	t->letter = (unsigned char)s[i++];
	for (; i < n && am_spf_is_digit((unsigned char)s[i]); i++) {
		t->digits = t->digits * 10 + (unsigned long)(s[i] - '0');
		if (t->digits > AM_SPF_DIGITS_CAP)
			t->digits = AM_SPF_DIGITS_CAP;
		if (t->digits == 0 && (i + 1 >= n ||
		    !am_spf_is_digit((unsigned char)s[i + 1])))
			return am_err_set(err, AM_E_SYNTAX,
			    "macro digit transformer 0");
	}
	if (i < n && am_spf_lower((unsigned char)s[i]) == 'r') {
		t->reverse = 1;
		i++;
	}
	t->delims = s + i;
	for (; i < n && am_spf_is_delim((unsigned char)s[i]); i++)
		t->ndelims++;
	if (t->ndelims == 0)
		t->delims = NULL;
	if (i >= n || s[i] != '}')
		return am_err_set(err, AM_E_SYNTAX, "malformed macro");
	t->len = i + 1 - start;
	return 0;
}

/* am_spf_tok_next - the token at s[i]; i < n */

static int
am_spf_tok_next(const char *s, size_t n, size_t i, enum am_spf_macro_ctx ctx,
    struct am_spf_tok *t, struct am_err *err)
{
	unsigned char	 c = (unsigned char)s[i];

	memset(t, 0, sizeof(*t));
	if (c != '%') {
		if (!((c >= 0x21 && c <= 0x7e) ||
		    (c == ' ' && ctx == AM_SPF_MACRO_EXPLAIN)))
			return am_err_set(err, AM_E_SYNTAX,
			    "invalid character 0x%02x", c);
		t->kind = AM_SPF_TOK_LITERAL;
		t->len = 1;
		return 0;
	}
	if (i + 1 >= n)
		return am_err_set(err, AM_E_SYNTAX, "'%%' at the end");
	t->kind = AM_SPF_TOK_ESCAPE;
	t->len = 2;
	switch (s[i + 1]) {
	case '%':
		t->escape = "%";
		return 0;
	case '_':
		t->escape = " ";
		return 0;
	case '-':
		t->escape = "%20";
		return 0;
	case '{':
		return am_spf_tok_macro(s, n, i + 2, ctx, t, err);
	}
	return am_err_set(err, AM_E_SYNTAX, "invalid escape '%%%c'",
	    s[i + 1] >= 0x21 && s[i + 1] < 0x7f ? s[i + 1] : '?');
}

int
am_spf_macro_check(const char *s, size_t n, enum am_spf_macro_ctx ctx,
    struct am_err *err)
{
	struct am_spf_tok	 t;
	size_t			 i;

	for (i = 0; i < n; i += t.len)
		if (am_spf_tok_next(s, n, i, ctx, &t, err) == -1)
			return -1;
	return 0;
}

static int
am_spf_is_alnum(int c)
{
	return am_spf_is_digit(c) || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

/* toplabel = ( *alphanum ALPHA *alphanum ) /
 *            ( 1*alphanum "-" *( alphanum / "-" ) alphanum ) */

static int
am_spf_is_toplabel(const char *p, size_t n)
{
	size_t	 i;
	int	 alpha = 0, hyphen = 0;

	if (n == 0 || !am_spf_is_alnum((unsigned char)p[0]) ||
	    !am_spf_is_alnum((unsigned char)p[n - 1]))
		return 0;
	for (i = 0; i < n; i++) {
		if (p[i] == '-')
			hyphen = 1;
		else if (!am_spf_is_alnum((unsigned char)p[i]))
			return 0;
		else if (!am_spf_is_digit((unsigned char)p[i]))
			alpha = 1;
	}
	return alpha || hyphen;
}

/* The tail of a macro-string as far as domain-end cares. */
struct am_spf_tail {
	size_t	 run_start;	/* literal LDH octets ending here */
	size_t	 run_len;
	int	 run_after_dot;	/* the token before the run is a literal '.' */
	int	 last_dot;	/* the last token is a literal '.' */
};

static void
am_spf_tail_step(struct am_spf_tail *tl, const struct am_spf_tok *t,
    const char *s, size_t i)
{
	int	 ldh = t->kind == AM_SPF_TOK_LITERAL &&
		    (am_spf_is_alnum((unsigned char)s[i]) || s[i] == '-');

	if (ldh) {
		if (tl->run_len == 0) {
			tl->run_start = i;
			tl->run_after_dot = tl->last_dot;
		}
		tl->run_len++;
	} else
		tl->run_len = 0;
	tl->last_dot = t->kind == AM_SPF_TOK_LITERAL && s[i] == '.';
}

int
am_spf_domain_spec_check(const char *s, size_t n, struct am_err *err)
{
	struct am_spf_tail	 tl, before;
	struct am_spf_tok	 t;
	size_t			 i;

	memset(&tl, 0, sizeof(tl));
	memset(&t, 0, sizeof(t));
	before = tl;
	if (n == 0)
		return am_err_set(err, AM_E_SYNTAX, "empty domain-spec");
	for (i = 0; i < n; i += t.len) {
		if (am_spf_tok_next(s, n, i, AM_SPF_MACRO_DOMAIN, &t,
		    err) == -1)
			return -1;
		before = tl;
		am_spf_tail_step(&tl, &t, s, i);
	}
	/* domain-end = ( "." toplabel [ "." ] ) / macro-expand */
	if (t.kind != AM_SPF_TOK_LITERAL)
		return 0;
	if (tl.last_dot)
		tl = before;
	if (tl.run_len > 0 && tl.run_after_dot &&
	    am_spf_is_toplabel(s + tl.run_start, tl.run_len))
		return 0;
	return am_err_set(err, AM_E_SYNTAX,
	    "domain-spec does not end in a top label or macro");
}

/* ------------------------------------------------------------ expand */

static const char *
am_spf_letter_value(const struct am_spf_macro_env *env, int letter)
{
	const char	*v = NULL;

	switch (am_spf_lower(letter)) {
	case 's': v = env->s; break;
	case 'l': v = env->l; break;
	case 'o': v = env->o; break;
	case 'd': v = env->d; break;
	case 'i': v = env->i; break;
	case 'c': v = env->c; break;
	case 'v': v = env->v; break;
	case 'h': v = env->h; break;
	case 'r': v = env->r; break;
	case 't': v = env->t; break;
	case 'p':
		v = env->p != NULL ? env->p(env->p_ctx, env->d) : NULL;
		if (v == NULL)
			v = "unknown";
		break;
	}
	return v != NULL ? v : "";
}

/* Keep only the tail of a domain expansion (see the header). */
static void
am_spf_keep_tail(struct am_buf *b, enum am_spf_macro_ctx ctx)
{
	if (ctx != AM_SPF_MACRO_DOMAIN || b->err || b->len <= AM_SPF_TAIL_HIGH)
		return;
	memmove(b->data, b->data + b->len - AM_SPF_TAIL_KEEP,
	    AM_SPF_TAIL_KEEP);
	am_buf_truncate(b, AM_SPF_TAIL_KEEP);
}

static int
am_spf_is_unreserved(int c)
{
	return am_spf_is_alnum(c) || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

/* am_spf_put - append p[0..n), URL-escaped when escape is set */

static void
am_spf_put(struct am_buf *b, const char *p, size_t n, int escape,
    enum am_spf_macro_ctx ctx)
{
	static const char	 hex[] = "0123456789ABCDEF";
	size_t			 i;
	unsigned char		 c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)p[i];
		if (!escape || am_spf_is_unreserved(c)) {
			(void)am_buf_appendc(b, c);
		} else {
			(void)am_buf_appendc(b, '%');
			(void)am_buf_appendc(b, hex[c >> 4]);
			(void)am_buf_appendc(b, hex[c & 15]);
		}
		am_spf_keep_tail(b, ctx);
	}
}

struct am_spf_part {
	size_t	 off;
	size_t	 len;
};

/* am_spf_expand_one - one macro-expand: split, reverse, keep, join */

static void
am_spf_expand_one(const struct am_spf_macro_env *env,
    const struct am_spf_tok *t, struct am_buf *out, enum am_spf_macro_ctx ctx)
{
	const char		*v = am_spf_letter_value(env, t->letter);
	const char		*dl = t->delims != NULL ? t->delims : ".";
	size_t			 ndl = t->delims != NULL ? t->ndelims : 1;
	size_t			 n = strlen(v), np = 1, i, k, first, keep;
	struct am_spf_part	*parts;
	int			 esc = t->letter >= 'A' && t->letter <= 'Z';

	for (i = 0; i < n; i++)
		if (memchr(dl, v[i], ndl) != NULL)
			np++;
	parts = am_malloc(np * sizeof(*parts));
	parts[0].off = 0;
	for (i = 0, k = 0; i < n; i++)
		if (memchr(dl, v[i], ndl) != NULL) {
			parts[k].len = i - parts[k].off;
			parts[++k].off = i + 1;
		}
	parts[k].len = n - parts[k].off;

	keep = t->digits > 0 && t->digits < np ? t->digits : np;
	first = np - keep;			/* right-most keep parts */
	for (i = first; i < np; i++) {
		/* reversed: position i holds original part np - 1 - i */
		k = t->reverse ? np - 1 - i : i;
		if (i > first)
			am_spf_put(out, ".", 1, esc, ctx);
		am_spf_put(out, v + parts[k].off, parts[k].len, esc, ctx);
	}
	free(parts);
}

/* am_spf_domain_finish - drop one trailing dot, cut to 253 octets */

static void
am_spf_domain_finish(struct am_buf *b)
{
	size_t	 k;

	if (b->len > 0 && b->data[b->len - 1] == '.')
		am_buf_truncate(b, b->len - 1);
	if (b->len <= AM_SPF_DOMAIN_MAX)
		return;
	for (k = b->len - AM_SPF_DOMAIN_MAX - 1; k < b->len; k++)
		if (b->data[k] == '.')
			break;
	if (k >= b->len)
		return;		/* no label boundary: left as an invalid name */
	memmove(b->data, b->data + k + 1, b->len - k - 1);
	am_buf_truncate(b, b->len - k - 1);
}

int
am_spf_macro_expand(const struct am_spf_macro_env *env, const char *s,
    size_t n, enum am_spf_macro_ctx ctx, struct am_buf *out,
    struct am_err *err)
{
	struct am_spf_tok	 t;
	struct am_buf		 tmp, *b = out;
	size_t			 i;
	int			 rc = 0;

	if (ctx == AM_SPF_MACRO_DOMAIN) {
		am_buf_init(&tmp, AM_SPF_DOMAIN_SCRATCH);
		b = &tmp;
	}
	for (i = 0; i < n && rc == 0; i += t.len) {
		if ((rc = am_spf_tok_next(s, n, i, ctx, &t, err)) == -1)
			break;
		if (t.kind == AM_SPF_TOK_LITERAL)
			am_spf_put(b, s + i, 1, 0, ctx);
		else if (t.kind == AM_SPF_TOK_ESCAPE)
			am_spf_put(b, t.escape, strlen(t.escape), 0, ctx);
		else
			am_spf_expand_one(env, &t, b, ctx);
	}
	if (rc == 0 && ctx == AM_SPF_MACRO_DOMAIN) {
		am_spf_domain_finish(&tmp);
		(void)am_buf_append(out, tmp.data != NULL ? tmp.data :
		    (unsigned char *)"", tmp.len);
		if (tmp.err)
			out->err = 1;
	}
	if (b != out)
		am_buf_release(&tmp);
	if (rc == 0 && out->err)
		rc = am_err_set(err, AM_E_LIMIT, "macro expansion too long");
	return rc;
}

int
am_spf_exp_check(const char *s, struct am_err *err)
{
	if (s == NULL)
		return am_err_set(err, AM_E_USAGE, "no explanation");
	return am_spf_macro_check(s, strlen(s), AM_SPF_MACRO_EXPLAIN, err);
}
