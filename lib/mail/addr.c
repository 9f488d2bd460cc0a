/*
 * addr - RFC 5322 address lists, and the author set of a message
 *
 * A lexer turns the value into tokens (atom, quoted-string, domain-
 * literal, one special character), skipping CFWS and noting whether
 * any came before each token.  The parser reads
 *
 *	list	= *("," / address) with empty elements (obs-addr-list)
 *	address	= words "<" [route] addr-spec ">"	name-addr
 *		/ words "@" domain			addr-spec
 *		/ words ":" *mailbox ";"		group
 *		/ words					no domain
 *
 * where words is a run of atoms, quoted-strings and dots (a phrase or
 * a local part: the token after it says which).
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "atext.h"
#include "buf.h"
#include "domain.h"

/* Per mailbox: its strings and their room, beyond the value itself. */
#define ADDR_ARENA_MAX	(4 * AM_ADDR_MAXVALUE + AM_ADDR_MAXMBOX * 1024)

enum tok_kind {
	T_END,
	T_ATOM,
	T_QSTR,		/* with its quotes */
	T_DLIT,		/* with its brackets */
	T_SPECIAL	/* one of < > @ , ; : . */
};

#define TOK_BAD_UTF8	0x01	/* an 8-bit octet not in valid UTF-8 */
#define TOK_CTL		0x02	/* a control character (obs-qtext etc.) */
#define TOK_8BIT	0x04	/* valid UTF-8 beyond ASCII */

struct tok {
	enum tok_kind	 kind;
	size_t		 off, len;	/* raw bytes in the value */
	int		 c;		/* T_SPECIAL */
	int		 cfws_before;
	unsigned	 bad;		/* TOK_* */
};

/* Where each mailbox's strings are in the arena (it may move). */
struct mbox_off {
	size_t		 local, domain, alabel, addr;
};

struct parser {
	const unsigned char	*s;
	size_t			 n, pos;
	struct tok		 t;
	int			 in_group;
	const char		*err;
	size_t			 err_off;
	struct am_addr_list	*out;
	struct am_buf		 local, dom;	/* scratch */
	struct mbox_off		 off[AM_ADDR_MAXMBOX];
};

/* A run of words and dots: a display name or a local part. */
struct words {
	size_t		 ntok, nwords;
	size_t		 off, end;	/* raw range */
	int		 adjacent;	/* two words with no '.' between */
	int		 dots;		/* leading, trailing or doubled '.' */
	int		 inner_cfws;
	int		 quoted;
	unsigned	 bad;
};

/* ---------------------------------------------------------------- lexer */

static int
is_wsp(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}


static int
is_ctl(int c)
{
	return (c < 0x20 && !is_wsp(c)) || c == 0x7f;
}

/* Length of the valid UTF-8 sequence at p (RFC 3629), or 0. */

static size_t
utf8_len(const unsigned char *p, size_t n)
{
	unsigned char	 lo = 0x80, hi = 0xbf;
	size_t		 k, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		k = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		k = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;
		else if (p[0] == 0xed)
			hi = 0x9f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		k = 4;
		if (p[0] == 0xf0)
			lo = 0x90;
		else if (p[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (k > n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < k; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return k;
}

static int
fail(struct parser *p, const char *why, size_t off)
{
	if (p->err == NULL) {
		p->err = why;
		p->err_off = off;
	}
	return -1;
}

/* Classifies the content octet at p->pos and steps over it. */

static void
lex_octet(struct parser *p, struct tok *t)
{
	unsigned char	 c = p->s[p->pos];
	size_t		 k;

	if (c >= 0x80) {
		if ((k = utf8_len(p->s + p->pos, p->n - p->pos)) == 0) {
			t->bad |= TOK_BAD_UTF8;
			k = 1;
		} else
			t->bad |= TOK_8BIT;
		p->pos += k;
		return;
	}
	if (is_ctl(c))
		t->bad |= TOK_CTL;
	p->pos++;
}

static int
lex_comment(struct parser *p)
{
	size_t	 start = p->pos, depth = 0;

	for (;;) {
		if (p->pos >= p->n)
			return fail(p, "unterminated comment", start);
		switch (p->s[p->pos]) {
		case '\\':
			if (p->pos + 1 >= p->n)
				return fail(p, "unterminated comment", start);
			p->pos += 2;
			continue;
		case '(':
			if (++depth > AM_ADDR_MAXDEPTH)
				return fail(p, "comments nested too deeply",
				    p->pos);
			break;
		case ')':
			if (--depth == 0) {
				p->pos++;
				return 0;
			}
			break;
		}
		p->pos++;
	}
}

/* A quoted-string or a domain-literal, from its opening character. */

static int
lex_quoted(struct parser *p, struct tok *t, unsigned char close)
{
	const char	*unterminated = close == '"' ?
			    "unterminated quoted string" :
			    "unterminated domain literal";

	for (p->pos++;;) {
		if (p->pos >= p->n)
			return fail(p, unterminated, t->off);
		if (p->s[p->pos] == close) {
			p->pos++;
			return 0;
		}
		if (close == ']' && p->s[p->pos] == '[')
			return fail(p, "'[' inside a domain literal", p->pos);
		if (p->s[p->pos] == '\\') {
			if (++p->pos >= p->n)
				return fail(p, unterminated, t->off);
			if (p->s[p->pos] == '\r' || p->s[p->pos] == '\n')
				t->bad |= TOK_CTL;	/* obs-qp */
		}
		lex_octet(p, t);
	}
}

/* Reads the next token into p->t; -1 on a lexical error. */

static int
advance(struct parser *p)
{
	struct tok	*t = &p->t;
	unsigned char	 c;

	memset(t, 0, sizeof(*t));
	while (p->pos < p->n) {
		c = p->s[p->pos];
		if (is_wsp(c))
			p->pos++;
		else if (c == '(') {
			if (lex_comment(p) == -1)
				return -1;
		} else
			break;
		t->cfws_before = 1;
	}
	t->off = p->pos;
	if (p->pos >= p->n) {
		t->kind = T_END;
		return 0;
	}
	c = p->s[p->pos];
	if (c == '"' || c == '[') {
		t->kind = c == '"' ? T_QSTR : T_DLIT;
		if (lex_quoted(p, t, c == '"' ? '"' : ']') == -1)
			return -1;
	} else if (am_atext(c) || c >= 0x80) {
		t->kind = T_ATOM;
		while (p->pos < p->n && (am_atext(p->s[p->pos]) ||
		    p->s[p->pos] >= 0x80))
			lex_octet(p, t);
	} else if (strchr("<>@,;:.", c) != NULL) {
		t->kind = T_SPECIAL;
		t->c = c;
		p->pos++;
	} else if (c == ')')
		return fail(p, "stray ')'", p->pos);
	else if (c == ']')
		return fail(p, "stray ']'", p->pos);
	else if (c == '\\')
		return fail(p, "stray '\\'", p->pos);
	else
		return fail(p, "control character", p->pos);
	t->len = p->pos - t->off;
	return 0;
}

static int
is_special(const struct tok *t, int c)
{
	return t->kind == T_SPECIAL && t->c == c;
}

/* ---------------------------------------------------------------- parser */

/* Appends the content of a word: quotes removed, quoted-pairs
 * resolved, folding line ends dropped. */

static void
append_word(struct parser *p, const struct tok *t, struct am_buf *b)
{
	const unsigned char	*s = p->s + t->off;
	size_t			 i, n = t->len;

	if (t->kind != T_QSTR) {
		(void)am_buf_append(b, s, n);
		return;
	}
	for (i = 1; i + 1 < n; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '\r' || s[i] == '\n')
			continue;
		(void)am_buf_appendc(b, s[i]);
	}
}

/* Reads a run of words and dots; the content goes to p->local. */

static int
collect_words(struct parser *p, struct words *w)
{
	int	 expect_word = 1;

	memset(w, 0, sizeof(*w));
	am_buf_reset(&p->local);
	w->off = w->end = p->t.off;
	while (p->t.kind == T_ATOM || p->t.kind == T_QSTR ||
	    is_special(&p->t, '.')) {
		if (w->ntok > 0 && p->t.cfws_before)
			w->inner_cfws = 1;
		if (p->t.kind == T_SPECIAL) {
			if (expect_word)
				w->dots = 1;
			expect_word = 1;
			(void)am_buf_appendc(&p->local, '.');
		} else {
			if (!expect_word)
				w->adjacent = 1;
			expect_word = 0;
			w->nwords++;
			if (p->t.kind == T_QSTR)
				w->quoted = 1;
			append_word(p, &p->t, &p->local);
		}
		w->bad |= p->t.bad;
		w->end = p->t.off + p->t.len;
		w->ntok++;
		if (advance(p) == -1)
			return -1;
	}
	if (w->ntok > 0 && expect_word)
		w->dots = 1;
	return 0;
}

/* Checks a run of words as a local part; sets mailbox flags. */

static int
check_local(struct parser *p, const struct words *w, unsigned *flags)
{
	if (w->nwords == 0)
		return fail(p, "no local part before '@'", w->off);
	if (w->adjacent)
		return fail(p, "two words in a local part without '.'",
		    w->off);
	if (w->bad & TOK_BAD_UTF8)
		return fail(p, "invalid UTF-8 in address", w->off);
	if (w->bad & TOK_CTL)
		return fail(p, "control character in address", w->off);
	if (w->dots)
		*flags |= AM_ADDR_F_DOTS;
	if (w->inner_cfws || (w->quoted && w->ntok > 1))
		*flags |= AM_ADDR_F_OBS;
	if (w->quoted)
		*flags |= AM_ADDR_F_QUOTED;
	if (w->bad & TOK_8BIT)
		*flags |= AM_ADDR_F_UTF8;
	return 0;
}

/* domain = dot-atom / obs-domain / domain-literal, into p->dom. */

static int
parse_domain(struct parser *p, unsigned *flags)
{
	const unsigned char	*s;
	size_t			 i;

	am_buf_reset(&p->dom);
	if (p->t.kind == T_DLIT) {
		if (p->t.bad & (TOK_BAD_UTF8 | TOK_CTL))
			return fail(p, "control character or invalid UTF-8 "
			    "in address", p->t.off);
		s = p->s + p->t.off;
		for (i = 0; i < p->t.len; i++)
			if (s[i] != '\r' && s[i] != '\n')
				(void)am_buf_appendc(&p->dom, s[i]);
		*flags |= AM_ADDR_F_LITERAL;
		return advance(p);
	}
	if (p->t.kind != T_ATOM)
		return fail(p, "no domain after '@'", p->t.off);
	for (;;) {
		if (p->t.bad & TOK_BAD_UTF8)
			return fail(p, "invalid UTF-8 in address", p->t.off);
		if (p->t.bad & TOK_8BIT)
			*flags |= AM_ADDR_F_IDN;
		(void)am_buf_append(&p->dom, p->s + p->t.off, p->t.len);
		if (advance(p) == -1)
			return -1;
		if (!is_special(&p->t, '.'))
			return 0;
		if (p->t.cfws_before)
			*flags |= AM_ADDR_F_OBS;
		if (advance(p) == -1)
			return -1;
		if (p->t.kind != T_ATOM)
			return fail(p, "domain ends with '.'", p->t.off);
		if (p->t.cfws_before)
			*flags |= AM_ADDR_F_OBS;
		(void)am_buf_appendc(&p->dom, '.');
	}
}

/* Does the local part need no quotes: atext, UTF-8 and dots, with at
 * least one non-dot (dots anywhere, as AM_ADDR_F_DOTS accepts)? */

static int
local_is_bare(const unsigned char *s, size_t n)
{
	size_t	 i;
	int	 word = 0;

	for (i = 0; i < n; i++)
		if (s[i] != '.' && !am_atext(s[i]) && s[i] < 0x80)
			return 0;
		else if (s[i] != '.')
			word = 1;
	return word;
}

/* Appends local@alabel, quoting the local part where needed. */

static void
append_addr(struct am_buf *b, const unsigned char *local, size_t n,
    const char *alabel)
{
	size_t	 i;

	if (local_is_bare(local, n))
		(void)am_buf_append(b, local, n);
	else {
		(void)am_buf_appendc(b, '"');
		for (i = 0; i < n; i++) {
			if (local[i] == '"' || local[i] == '\\')
				(void)am_buf_appendc(b, '\\');
			(void)am_buf_appendc(b, local[i]);
		}
		(void)am_buf_appendc(b, '"');
	}
	(void)am_buf_printf(b, "@%s", alabel);
}

/* Records a mailbox from p->local and (if have_domain) p->dom. */

static int
add_mbox(struct parser *p, size_t start, int have_domain, unsigned flags,
    size_t disp_off, size_t disp_len)
{
	struct am_addr_list	*l = p->out;
	struct am_addr_mbox	*m;
	struct mbox_off		*o;
	struct am_buf		*a = &l->arena;
	char			*alabel = NULL;

	if (l->n >= AM_ADDR_MAXMBOX)
		return fail(p, "more than 64 addresses", start);
	m = &l->mbox[l->n];
	o = &p->off[l->n];
	l->n++;
	memset(m, 0, sizeof(*m));
	m->off = start;
	m->display_off = disp_off;
	m->display_len = disp_len;
	if (p->in_group)
		flags |= AM_ADDR_F_GROUP;
	if (disp_len >= 2 && memmem(p->s + disp_off, disp_len, "=?", 2) !=
	    NULL)
		flags |= AM_ADDR_F_ENCWORD;
	m->flags = flags;

	o->local = a->len;
	(void)am_buf_append(a, p->local.data, p->local.len);
	(void)am_buf_appendc(a, '\0');
	o->domain = a->len;
	if (have_domain)
		(void)am_buf_append(a, p->dom.data, p->dom.len);
	(void)am_buf_appendc(a, '\0');
	o->alabel = o->addr = SIZE_MAX;
	if (!have_domain)
		m->nodomain = "has no domain";
	else if (flags & AM_ADDR_F_LITERAL)
		m->nodomain = "has an address literal as its domain";
	else if ((alabel = am_domain_to_alabel(am_buf_str(&p->dom),
	    p->dom.len, NULL)) == NULL)
		m->nodomain = "has a domain that is not a host name";
	else {
		o->alabel = a->len;
		(void)am_buf_appends(a, alabel);
		(void)am_buf_appendc(a, '\0');
		o->addr = a->len;
		append_addr(a, p->local.data, p->local.len, alabel);
		(void)am_buf_appendc(a, '\0');
		free(alabel);
	}
	if (a->err || p->local.err || p->dom.err)
		return fail(p, "field value too long", start);
	return 0;
}

/* Steps over '@', noting CFWS around it (obsolete syntax). */

static int
at_sign(struct parser *p, unsigned *flags)
{
	if (p->t.cfws_before)
		*flags |= AM_ADDR_F_OBS;
	if (advance(p) == -1)
		return -1;
	if (p->t.cfws_before)
		*flags |= AM_ADDR_F_OBS;
	return 0;
}

/* After '<': [obs-route] addr-spec '>'. */

static int
parse_angle(struct parser *p, size_t start, size_t disp_off,
    size_t disp_len)
{
	struct words	 w;
	unsigned	 flags = AM_ADDR_F_ANGLE, ignored = 0;
	size_t		 lt = p->t.off;
	int		 have_domain = 0;

	if (advance(p) == -1)
		return -1;
	if (is_special(&p->t, ',') || is_special(&p->t, '@')) {
		/* obs-route: *(CFWS / ",") "@" domain
		 *	*("," [CFWS] ["@" domain]) ":" */
		flags |= AM_ADDR_F_ROUTE;
		while (is_special(&p->t, ','))
			if (advance(p) == -1)
				return -1;
		for (;;) {
			if (!is_special(&p->t, '@'))
				return fail(p, "malformed route", p->t.off);
			if (advance(p) == -1 || parse_domain(p, &ignored) == -1)
				return -1;
			if (is_special(&p->t, ':'))
				break;
			if (!is_special(&p->t, ','))
				return fail(p, "malformed route", p->t.off);
			while (is_special(&p->t, ','))
				if (advance(p) == -1)
					return -1;
			if (is_special(&p->t, ':'))
				break;
		}
		if (advance(p) == -1)
			return -1;
	}
	if (collect_words(p, &w) == -1)
		return -1;
	if (w.ntok == 0 && is_special(&p->t, '>'))
		return fail(p, "empty address '<>'", lt);
	if (is_special(&p->t, '@')) {
		if (check_local(p, &w, &flags) == -1 ||
		    at_sign(p, &flags) == -1 || parse_domain(p, &flags) == -1)
			return -1;
		have_domain = 1;
	} else if (w.ntok > 0 && is_special(&p->t, '>')) {
		if (check_local(p, &w, &flags) == -1)
			return -1;
	}
	if (p->t.kind == T_END)
		return fail(p, "unclosed '<'", lt);
	if (is_special(&p->t, '<'))
		return fail(p, "'<' inside '<...>'", p->t.off);
	if (!is_special(&p->t, '>'))
		return fail(p, "unexpected character in '<...>'", p->t.off);
	if (add_mbox(p, start, have_domain, flags, disp_off, disp_len) == -1)
		return -1;
	if (advance(p) == -1)
		return -1;
	if (p->t.kind == T_ATOM || p->t.kind == T_QSTR ||
	    p->t.kind == T_DLIT || is_special(&p->t, '<') ||
	    is_special(&p->t, '>') || is_special(&p->t, '@') ||
	    is_special(&p->t, '.'))
		return fail(p, "text after '>'", p->t.off);
	return 0;
}

static int	parse_address(struct parser *);

/* After "display-name ':'": [group-list] ';'.  Groups do not nest. */

static int
parse_group(struct parser *p)
{
	size_t	 colon = p->t.off;

	if (p->in_group)
		return fail(p, "group inside a group", colon);
	p->in_group = 1;
	p->out->ngroups++;
	if (advance(p) == -1)
		return -1;
	for (;;) {
		while (is_special(&p->t, ','))
			if (advance(p) == -1)
				return -1;
		if (is_special(&p->t, ';'))
			break;
		if (p->t.kind == T_END)
			return fail(p, "group without ';'", colon);
		if (parse_address(p) == -1)
			return -1;
		if (!is_special(&p->t, ',') && !is_special(&p->t, ';'))
			return fail(p, p->t.kind == T_END ? "group without ';'" :
			    "expected ',' or ';' after a group member",
			    p->t.kind == T_END ? colon : p->t.off);
	}
	p->in_group = 0;
	return advance(p);
}

/* One address (a mailbox, or a group at the top level). */

static int
parse_address(struct parser *p)
{
	struct words	 w;
	unsigned	 flags = 0;
	size_t		 start = p->t.off;

	if (collect_words(p, &w) == -1)
		return -1;
	if (is_special(&p->t, '<'))
		return parse_angle(p, start, w.off, w.end - w.off);
	if (is_special(&p->t, ':')) {
		if (w.ntok == 0)
			return fail(p, "':' without a group name", p->t.off);
		return parse_group(p);
	}
	if (is_special(&p->t, '@')) {
		if (check_local(p, &w, &flags) == -1 ||
		    at_sign(p, &flags) == -1 || parse_domain(p, &flags) == -1 ||
		    add_mbox(p, start, 1, flags, 0, 0) == -1)
			return -1;
		if (is_special(&p->t, '<'))
			return fail(p, "'<' after an address (an unquoted "
			    "'@' in a display name?)", p->t.off);
		if (p->t.kind != T_END && !is_special(&p->t, ',') &&
		    !is_special(&p->t, ';'))
			return fail(p, "text after an address", p->t.off);
		return 0;
	}
	if (w.ntok == 0) {
		if (is_special(&p->t, '>'))
			return fail(p, "stray '>'", p->t.off);
		if (is_special(&p->t, ';'))
			return fail(p, "stray ';'", p->t.off);
		if (p->t.kind == T_DLIT)
			return fail(p, "domain literal without a local part",
			    p->t.off);
		return fail(p, "unexpected character", p->t.off);
	}
	/* Words alone: a local part with no domain, or a bare name. */
	if (p->t.kind != T_END && !is_special(&p->t, ',') &&
	    !is_special(&p->t, ';'))
		return fail(p, is_special(&p->t, '>') ? "stray '>'" :
		    "text after an address", p->t.off);
	if (w.adjacent)
		return fail(p, "display name without an address", w.off);
	if (check_local(p, &w, &flags) == -1)
		return -1;
	return add_mbox(p, start, 0, flags, 0, 0);
}

static int
parse_list(struct parser *p)
{
	if (advance(p) == -1)
		return -1;
	for (;;) {
		while (is_special(&p->t, ','))
			if (advance(p) == -1)
				return -1;
		if (p->t.kind == T_END)
			return 0;
		if (parse_address(p) == -1)
			return -1;
		if (p->t.kind == T_END)
			return 0;
		if (!is_special(&p->t, ','))
			return fail(p, is_special(&p->t, ';') ? "stray ';'" :
			    "expected ',' between addresses", p->t.off);
	}
}

static void
unparseable(struct am_addr_list *l, const char *why, size_t off)
{
	l->status = AM_ADDR_UNPARSEABLE;
	l->n = 0;
	l->reason = why;
	l->offset = off;
}

void
am_addr_parse(const char *value, size_t len, struct am_addr_list *out)
{
	struct parser	 p;
	const char	*nul;
	const char	*base;
	size_t		 i;

	memset(out, 0, sizeof(*out));
	out->reason = "";
	am_buf_init(&out->arena, ADDR_ARENA_MAX);
	if (value == NULL)
		value = "", len = 0;
	if (len > AM_ADDR_MAXVALUE) {
		unparseable(out, "field value too long", AM_ADDR_MAXVALUE);
		return;
	}
	if ((nul = memchr(value, '\0', len)) != NULL) {
		unparseable(out, "NUL byte", (size_t)(nul - value));
		return;
	}
	memset(&p, 0, sizeof(p));
	p.s = (const unsigned char *)value;
	p.n = len;
	p.out = out;
	am_buf_init(&p.local, AM_ADDR_MAXVALUE);
	am_buf_init(&p.dom, AM_ADDR_MAXVALUE);
	if (parse_list(&p) == -1) {
		unparseable(out, p.err, p.err_off);
		goto out;
	}
	base = am_buf_str(&out->arena);
	for (i = 0; i < out->n; i++) {
		out->mbox[i].local = base + p.off[i].local;
		out->mbox[i].domain = base + p.off[i].domain;
		if (p.off[i].alabel != SIZE_MAX) {
			out->mbox[i].alabel = base + p.off[i].alabel;
			out->mbox[i].addr = base + p.off[i].addr;
		} else if (out->status == AM_ADDR_OK) {
			out->status = AM_ADDR_NODOMAIN;
			out->reason = out->mbox[i].nodomain;
			out->offset = out->mbox[i].off;
		}
	}
	if (out->n == 0) {
		out->status = AM_ADDR_EMPTY;
		out->reason = out->ngroups > 0 ? "only empty groups" :
		    "no address";
	}
out:
	am_buf_release(&p.local);
	am_buf_release(&p.dom);
}

void
am_addr_list_release(struct am_addr_list *l)
{
	am_buf_release(&l->arena);
	l->n = 0;
}

const char *
am_addr_status_name(enum am_addr_status s)
{
	switch (s) {
	case AM_ADDR_OK:
		return "ok";
	case AM_ADDR_EMPTY:
		return "empty";
	case AM_ADDR_NODOMAIN:
		return "no domain";
	case AM_ADDR_UNPARSEABLE:
		return "unparseable";
	}
	return "?";
}

/* ---------------------------------------------------------------- author */

static void
from_begin(struct am_from *f)
{
	memset(f, 0, sizeof(*f));
	f->complete = 1;
}

static void
from_domain(struct am_from *f, const char *alabel)
{
	size_t	 i;

	for (i = 0; i < f->ndomains; i++)
		if (strcmp(f->domains[i], alabel) == 0)
			return;
	if (f->ndomains >= AM_FROM_MAXDOMAINS ||
	    strlen(alabel) >= sizeof(f->domains[0])) {
		f->complete = 0;
		return;
	}
	(void)snprintf(f->domains[f->ndomains++], sizeof(f->domains[0]),
	    "%s", alabel);
}

/* The outcome of a message's only From field. */

static void
from_single(struct am_from *f, const struct am_addr_list *l)
{
	switch (l->status) {
	case AM_ADDR_UNPARSEABLE:
		f->status = AM_FROM_UNPARSEABLE;
		(void)snprintf(f->why, sizeof(f->why), "From field does not "
		    "parse: %s (at byte %zu)", l->reason, l->offset);
		return;
	case AM_ADDR_EMPTY:
		f->status = AM_FROM_EMPTY;
		(void)snprintf(f->why, sizeof(f->why), "%s", l->ngroups > 0 ?
		    "From field holds a group with no address" :
		    "From field is empty");
		return;
	case AM_ADDR_NODOMAIN:
		f->status = AM_FROM_NODOMAIN;
		(void)snprintf(f->why, sizeof(f->why), "From address %s",
		    l->reason);
		return;
	case AM_ADDR_OK:
		break;
	}
	if (l->n > 1) {
		f->status = AM_FROM_SEVERAL_ADDRS;
		(void)snprintf(f->why, sizeof(f->why), "From field has several "
		    "addresses (%zu, in %zu domain%s)", l->n, f->ndomains,
		    f->ndomains == 1 ? "" : "s");
	} else if (snprintf(f->addr, sizeof(f->addr), "%s", l->mbox[0].addr) >=
	    (int)sizeof(f->addr)) {
		f->addr[0] = '\0';
		f->status = AM_FROM_UNPARSEABLE;
		(void)snprintf(f->why, sizeof(f->why),
		    "From address is too long");
	} else
		f->status = AM_FROM_OK;
}

static void
from_add(struct am_from *f, const char *value, size_t len)
{
	struct am_addr_list	 l;
	size_t			 i;

	f->nfields++;
	am_addr_parse(value, len, &l);
	if (l.status != AM_ADDR_OK)
		f->complete = 0;
	f->naddrs += l.n;
	for (i = 0; i < l.n; i++)
		if (l.mbox[i].alabel != NULL)
			from_domain(f, l.mbox[i].alabel);
	if (f->nfields == 1)
		from_single(f, &l);
	else {
		f->status = AM_FROM_SEVERAL_FIELDS;
		f->addr[0] = '\0';
		(void)snprintf(f->why, sizeof(f->why),
		    "message has %zu From fields", f->nfields);
	}
	am_addr_list_release(&l);
}

static void
from_end(struct am_from *f)
{
	if (f->nfields == 0) {
		f->status = AM_FROM_NONE;
		(void)snprintf(f->why, sizeof(f->why),
		    "message has no From field");
	}
	if (f->ndomains == 0)
		f->complete = 0;
	if (f->complete && f->ndomains == 1)
		(void)snprintf(f->domain, sizeof(f->domain), "%s",
		    f->domains[0]);
}

void
am_from_fields(const struct am_from_field *v, size_t n, struct am_from *f)
{
	size_t	 i;

	from_begin(f);
	for (i = 0; i < n; i++)
		from_add(f, v[i].value, v[i].len);
	from_end(f);
}

void
am_from_hdrs(const struct am_hdrs *hdrs, struct am_from *f)
{
	const struct am_hdr	*h;
	size_t			 i, n = am_hdrs_count(hdrs);

	from_begin(f);
	for (i = 0; i < n; i++) {
		h = am_hdrs_get(hdrs, i);
		if (am_hdr_name_is(h->name, h->name_len, "from"))
			from_add(f, h->value, h->value_len);
	}
	from_end(f);
}

const char *
am_from_status_name(enum am_from_status s)
{
	switch (s) {
	case AM_FROM_OK:
		return "one address";
	case AM_FROM_NONE:
		return "no From field";
	case AM_FROM_SEVERAL_FIELDS:
		return "several From fields";
	case AM_FROM_SEVERAL_ADDRS:
		return "several addresses";
	case AM_FROM_EMPTY:
		return "empty";
	case AM_FROM_NODOMAIN:
		return "no domain";
	case AM_FROM_UNPARSEABLE:
		return "unparseable";
	}
	return "?";
}
