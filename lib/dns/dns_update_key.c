/*
 * dns_update_key - the TSIG key file of dynamic updates (dns_update.h
 * says the syntax and its limits)
 *
 * BIND's key statement (also Knot's knotc conf-export): a small
 * tokenizer (words, quoted strings, '{', '}', ';'; comments skipped)
 * and a fixed grammar:
 *	key NAME { algorithm WORD ; secret "BASE64" ; } ;
 * with algorithm and secret in either order, each once.  Or Knot's
 * YAML key section (what keymgr -t prints), line by line: see
 * am_ky_parse.  Error messages name the line and what was expected,
 * never the text seen.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base64.h"
#include "dns_update.h"

enum am_tk_type { AM_TK_END, AM_TK_WORD, AM_TK_STRING, AM_TK_PUNCT,
	AM_TK_BAD };

struct am_tk {
	const char	*p, *end;
	unsigned	 line;
	/* The current token. */
	enum am_tk_type	 type;
	const char	*s;
	size_t		 n;
	unsigned	 tline;
};

static const char *const am_tsig_algs[] = {
	"hmac-sha1", "hmac-sha224", "hmac-sha256", "hmac-sha384",
	"hmac-sha512", NULL
};

/* Skips white space and comments; 0, or -1 for an unclosed comment. */
static int
am_tk_skip(struct am_tk *t)
{
	while (t->p < t->end) {
		if (*t->p == '\n') {
			t->line++;
			t->p++;
		} else if (*t->p == ' ' || *t->p == '\t' || *t->p == '\r')
			t->p++;
		else if (*t->p == '#' || (*t->p == '/' && t->p + 1 < t->end &&
		    t->p[1] == '/')) {
			while (t->p < t->end && *t->p != '\n')
				t->p++;
		} else if (*t->p == '/' && t->p + 1 < t->end && t->p[1] == '*') {
			for (t->p += 2; t->p < t->end; t->p++) {
				if (*t->p == '\n')
					t->line++;
				else if (*t->p == '*' && t->p + 1 < t->end &&
				    t->p[1] == '/')
					break;
			}
			if (t->p >= t->end)
				return -1;
			t->p += 2;
		} else
			break;
	}
	return 0;
}

static int
am_tk_wordch(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
	    c == '+' || c == '/' || c == '=';
}

/* The next token into t. */
static void
am_tk_next(struct am_tk *t)
{
	const char	*q;

	t->type = AM_TK_BAD;
	t->s = NULL;
	t->n = 0;
	if (am_tk_skip(t) == -1) {
		t->tline = t->line;
		return;
	}
	t->tline = t->line;
	if (t->p >= t->end) {
		t->type = AM_TK_END;
		return;
	}
	if (*t->p == '{' || *t->p == '}' || *t->p == ';') {
		t->type = AM_TK_PUNCT;
		t->s = t->p++;
		t->n = 1;
		return;
	}
	if (*t->p == '"') {
		/* No escapes, no line breaks, no control characters. */
		for (q = t->p + 1; q < t->end && *q != '"'; q++)
			if ((unsigned char)*q < 0x20 || *q == '\\' ||
			    (unsigned char)*q >= 0x7f)
				return;
		if (q >= t->end)
			return;
		t->type = AM_TK_STRING;
		t->s = t->p + 1;
		t->n = (size_t)(q - t->s);
		t->p = q + 1;
		return;
	}
	for (q = t->p; q < t->end && am_tk_wordch(*q); q++)
		;
	if (q == t->p)
		return;
	t->type = AM_TK_WORD;
	t->s = t->p;
	t->n = (size_t)(q - t->p);
	t->p = q;
}

static int
am_tk_is(const struct am_tk *t, enum am_tk_type type, const char *s)
{
	return t->type == type && t->n == strlen(s) &&
	    strncasecmp(t->s, s, t->n) == 0;
}

static int
am_tk_want(struct am_tk *t, const char *what, struct am_err *err)
{
	return am_err_set(err, AM_E_SYNTAX, "TSIG key file, line %u: %s",
	    t->tline, what);
}

/* A domain name: LDH and '_' labels of 1..63, at most 253 in all. */
static int
am_tsig_name(const char *s, size_t n, char *out, size_t size)
{
	size_t	 i, label = 0;

	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0 || n > 253 || n + 2 > size)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (label == 0)
				return -1;
			label = 0;
		} else if ((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '_') {
			if (++label > 63)
				return -1;
		} else
			return -1;
		out[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) :
		    s[i];
	}
	if (label == 0)
		return -1;
	out[n] = '.';
	out[n + 1] = '\0';
	return 0;
}

static int
am_tsig_alg(const struct am_tk *t, struct am_dns_tsig_key *k)
{
	size_t	 i;

	if (t->type != AM_TK_WORD && t->type != AM_TK_STRING)
		return -1;
	for (i = 0; am_tsig_algs[i] != NULL; i++)
		if (am_tk_is(t, t->type, am_tsig_algs[i])) {
			(void)snprintf(k->alg, sizeof(k->alg), "%s",
			    am_tsig_algs[i]);
			return 0;
		}
	return -1;
}

/* The secret: base64 (white space allowed) of MIN..MAX octets. */
static int
am_tsig_secret(const struct am_tk *t, struct am_dns_tsig_key *k,
    struct am_err *err)
{
	unsigned char	*bin = NULL;
	char		*text = NULL;
	size_t		 n = 0;
	int		 rc = -1;

	if (t->type != AM_TK_STRING)
		return am_err_set(err, AM_E_SYNTAX, "TSIG key file, line %u: "
		    "the secret must be a quoted string", t->tline);
	if (am_base64_decode_fws(t->s, t->n, &bin, &n, &text) == -1)
		return am_err_set(err, AM_E_SYNTAX, "TSIG key file, line %u: "
		    "the secret is not base64", t->tline);
	if (n < AM_DNS_TSIG_SECRET_MIN || n > AM_DNS_TSIG_SECRET_MAX ||
	    strlen(text) >= sizeof(k->secret))
		(void)am_err_set(err, AM_E_LIMIT, "TSIG key file, line %u: "
		    "the secret is %zu octets; want %d to %d", t->tline, n,
		    AM_DNS_TSIG_SECRET_MIN, AM_DNS_TSIG_SECRET_MAX);
	else {
		memcpy(k->secret, text, strlen(text) + 1);
		rc = 0;
	}
	explicit_bzero(bin, n);
	explicit_bzero(text, strlen(text));
	free(bin);
	free(text);
	return rc;
}

/* "algorithm WORD ;" or "secret STRING ;"; t at the keyword. */
static int
am_tsig_stmt(struct am_tk *t, struct am_dns_tsig_key *k, int *have_alg,
    int *have_secret, struct am_err *err)
{
	int	 alg = am_tk_is(t, AM_TK_WORD, "algorithm");

	if (!alg && !am_tk_is(t, AM_TK_WORD, "secret"))
		return am_tk_want(t, "expected algorithm, secret or '}'", err);
	if (alg ? *have_alg : *have_secret)
		return am_tk_want(t, alg ? "algorithm given twice" :
		    "secret given twice", err);
	am_tk_next(t);
	if (alg) {
		if (am_tsig_alg(t, k) == -1)
			return am_tk_want(t, "unsupported algorithm; want "
			    "hmac-sha256, hmac-sha384, hmac-sha512, "
			    "hmac-sha224 or hmac-sha1", err);
		*have_alg = 1;
	} else {
		if (am_tsig_secret(t, k, err) == -1)
			return -1;
		*have_secret = 1;
	}
	am_tk_next(t);
	if (!am_tk_is(t, AM_TK_PUNCT, ";"))
		return am_tk_want(t, "expected ';'", err);
	am_tk_next(t);
	return 0;
}

/* ------------------------------------------------- Knot's YAML form */

/*
 * What keymgr -t prints, and knot.conf's key section, one key:
 *	key:
 *	  - id: NAME
 *	    algorithm: WORD
 *	    secret: BASE64
 * (the three in any order, the first after the "- "; values bare or
 * in matching quotes; '#' comments).  Not YAML in general: one line a
 * field, no flow style, no other section.
 */

struct am_ky_line {
	const char	*s, *end;	/* the line, no line end */
	unsigned	 no;
};

/* The next line that is not blank or a comment; 0 at the end. */
static int
am_ky_next(const char **p, const char *end, unsigned *no,
    struct am_ky_line *l)
{
	const char	*q, *e;

	while (*p < end) {
		q = *p;
		e = memchr(q, '\n', (size_t)(end - q));
		*p = e != NULL ? e + 1 : end;
		if (e == NULL)
			e = end;
		(*no)++;
		if (e > q && e[-1] == '\r')
			e--;
		l->s = q;
		l->end = e;
		l->no = *no;
		while (q < e && (*q == ' ' || *q == '\t'))
			q++;
		if (q < e && *q != '#')
			return 1;
	}
	return 0;
}

static int
am_ky_want(const struct am_ky_line *l, const char *what, struct am_err *err)
{
	return am_err_set(err, AM_E_SYNTAX, "TSIG key file, line %u: %s",
	    l->no, what);
}

/* "FIELD: VALUE" from s: the field and the value (a " #" comment and
 * matching quotes removed) as [*f, *f + *fn), [*v, *v + *vn). */
static int
am_ky_field(const char *s, const char *e, const char **f, size_t *fn,
    const char **v, size_t *vn)
{
	const char	*c, *h;

	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	if ((c = memchr(s, ':', (size_t)(e - s))) == NULL || c == s)
		return -1;
	*f = s;
	*fn = (size_t)(c - s);
	for (s = c + 1; s < e && (*s == ' ' || *s == '\t'); s++)
		;
	for (h = s; h < e; h++)
		if (*h == '#' && (h == s || h[-1] == ' ' || h[-1] == '\t'))
			break;
	e = h;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (e - s >= 2 && (*s == '"' || *s == '\'') && e[-1] == *s) {
		s++;
		e--;
	}
	*v = s;
	*vn = (size_t)(e - s);
	return *vn > 0 ? 0 : -1;
}

/* One field of the key; have: bit 1 id, 2 algorithm, 4 secret. */
static int
am_ky_set(const struct am_ky_line *l, const char *s, int *have,
    struct am_dns_tsig_key *k, struct am_err *err)
{
	struct am_tk	 t;
	const char	*f, *v;
	size_t		 fn, vn;
	int		 bit;

	if (am_ky_field(s, l->end, &f, &fn, &v, &vn) == -1)
		return am_ky_want(l, "expected 'id:', 'algorithm:' or "
		    "'secret:' and a value", err);
	bit = fn == 2 && strncmp(f, "id", 2) == 0 ? 1 :
	    fn == 9 && strncmp(f, "algorithm", 9) == 0 ? 2 :
	    fn == 6 && strncmp(f, "secret", 6) == 0 ? 4 : 0;
	if (bit == 0)
		return am_ky_want(l, "expected 'id:', 'algorithm:' or "
		    "'secret:'", err);
	if (*have & bit)
		return am_ky_want(l, "a field given twice", err);
	*have |= bit;
	memset(&t, 0, sizeof(t));
	t.type = AM_TK_STRING;
	t.s = v;
	t.n = vn;
	t.tline = l->no;
	if (bit == 1 && am_tsig_name(v, vn, k->name, sizeof(k->name)) == -1)
		return am_ky_want(l, "expected the key's name (a domain name)",
		    err);
	if (bit == 2 && am_tsig_alg(&t, k) == -1)
		return am_ky_want(l, "unsupported algorithm; want hmac-sha256, "
		    "hmac-sha384, hmac-sha512, hmac-sha224 or hmac-sha1", err);
	if (bit == 4 && am_tsig_secret(&t, k, err) == -1)
		return -1;
	return 0;
}

static int
am_ky_parse(const char *text, size_t len, struct am_dns_tsig_key *k,
    struct am_err *err)
{
	struct am_ky_line	 l = { text, text, 0 };
	const char		*p = text, *end = text + len, *s;
	unsigned		 no = 0;
	int			 have = 0, items = 0;

	(void)am_ky_next(&p, end, &no, &l);	/* "key:", seen */
	while (am_ky_next(&p, end, &no, &l)) {
		if (l.s[0] != ' ' && l.s[0] != '\t' && l.s[0] != '-')
			return am_ky_want(&l, "expected the key's fields (one "
			    "key a file, no other section)", err);
		for (s = l.s; *s == ' ' || *s == '\t'; s++)
			;
		if (*s == '-') {
			if (++items > 1)
				return am_ky_want(&l, "a second key (one key a "
				    "file)", err);
			if (s + 1 >= l.end || (s[1] != ' ' && s[1] != '\t'))
				return am_ky_want(&l, "expected '- ' and a "
				    "field", err);
			s += 2;
		} else if (items == 0)
			return am_ky_want(&l, "expected '- id: NAME'", err);
		if (am_ky_set(&l, s, &have, k, err) == -1)
			return -1;
	}
	if (have != 7)
		return am_ky_want(&l, !(have & 1) ? "no id" : !(have & 2) ?
		    "no algorithm" : "no secret", err);
	return 0;
}

/* Is the first line that is not blank or a comment "key:"? */
static int
am_ky_is(const char *text, size_t len)
{
	struct am_ky_line	 l;
	const char		*p = text, *e;
	unsigned		 no = 0;

	if (!am_ky_next(&p, text + len, &no, &l) || l.end - l.s < 4 ||
	    strncmp(l.s, "key:", 4) != 0)
		return 0;
	for (e = l.s + 4; e < l.end && (*e == ' ' || *e == '\t'); e++)
		;
	return e == l.end || *e == '#';
}

int
am_dns_tsig_key_parse(const char *text, size_t len,
    struct am_dns_tsig_key *k, struct am_err *err)
{
	struct am_tk	 t;
	int		 have_alg = 0, have_secret = 0;

	memset(k, 0, sizeof(*k));
	memset(&t, 0, sizeof(t));
	t.p = text;
	t.end = text + len;
	t.line = 1;
	if (len > AM_DNS_TSIG_FILE_MAX || memchr(text, '\0', len) != NULL)
		return am_err_set(err, AM_E_LIMIT, "TSIG key file: over %d "
		    "octets or binary", AM_DNS_TSIG_FILE_MAX);
	if (am_ky_is(text, len)) {
		if (am_ky_parse(text, len, k, err) == 0)
			return 0;
		goto fail;
	}
	am_tk_next(&t);
	if (!am_tk_is(&t, AM_TK_WORD, "key")) {
		(void)am_tk_want(&t, "expected 'key'", err);
		goto fail;
	}
	am_tk_next(&t);
	if ((t.type != AM_TK_WORD && t.type != AM_TK_STRING) ||
	    am_tsig_name(t.s, t.n, k->name, sizeof(k->name)) == -1) {
		(void)am_tk_want(&t, "expected the key's name (a domain "
		    "name)", err);
		goto fail;
	}
	am_tk_next(&t);
	if (!am_tk_is(&t, AM_TK_PUNCT, "{")) {
		(void)am_tk_want(&t, "expected '{'", err);
		goto fail;
	}
	am_tk_next(&t);
	while (!am_tk_is(&t, AM_TK_PUNCT, "}"))
		if (am_tsig_stmt(&t, k, &have_alg, &have_secret, err) == -1)
			goto fail;
	am_tk_next(&t);
	if (!am_tk_is(&t, AM_TK_PUNCT, ";")) {
		(void)am_tk_want(&t, "expected ';' after '}'", err);
		goto fail;
	}
	am_tk_next(&t);
	if (t.type != AM_TK_END) {
		(void)am_tk_want(&t, "expected the end of the file (one key "
		    "a file)", err);
		goto fail;
	}
	if (!have_alg || !have_secret) {
		(void)am_tk_want(&t, have_alg ? "no secret" : "no algorithm",
		    err);
		goto fail;
	}
	return 0;
fail:
	am_dns_tsig_key_clear(k);
	return -1;
}

int
am_dns_tsig_key_load(const char *path, struct am_dns_tsig_key *k,
    struct am_err *err)
{
	char	*buf;
	size_t	 n = 0;
	ssize_t	 r;
	int	 fd, rc;

	memset(k, 0, sizeof(*k));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return am_err_set(err, AM_E_IO, "%s: %s", path,
		    strerror(errno));
	if ((buf = malloc(AM_DNS_TSIG_FILE_MAX + 1)) == NULL) {
		close(fd);
		return am_err_set(err, AM_E_NOMEM, "out of memory");
	}
	while (n <= AM_DNS_TSIG_FILE_MAX && (r = read(fd, buf + n,
	    AM_DNS_TSIG_FILE_MAX + 1 - n)) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			rc = am_err_set(err, AM_E_IO, "%s: %s", path,
			    strerror(errno));
			goto out;
		}
		n += (size_t)r;
	}
	rc = am_dns_tsig_key_parse(buf, n, k, err);
out:
	explicit_bzero(buf, AM_DNS_TSIG_FILE_MAX + 1);
	free(buf);
	close(fd);
	return rc;
}

void
am_dns_tsig_key_clear(struct am_dns_tsig_key *k)
{
	explicit_bzero(k, sizeof(*k));
}
