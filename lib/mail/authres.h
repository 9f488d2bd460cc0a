#ifndef AM_AUTHRES_H
#define AM_AUTHRES_H

/*
 * authres - build and parse Authentication-Results header fields
 * (RFC 8601)
 *
 * One struct am_authres holds one resinfo ("dkim=pass header.d=..."),
 * built up method first, then reason, properties and comments.  Values
 * are written bare when they are a token, or a domain-name or
 * [local-part]@domain-name, which RFC 8601 allows unquoted (python3-
 * authres mishandles quoted domains, so domains are never quoted), and
 * quoted-string otherwise.  Comments are escaped.  UTF-8 in values is
 * allowed (RFC 8601 section 2.2, with RFC 6532) and forces quoting.
 *
 * Usage:
 *	am_authres_init(&r);
 *	am_authres_method(&r, "dkim", "fail");
 *	am_authres_reason(&r, "body hash mismatch");
 *	am_authres_prop(&r, "header", "d", "example.com");
 *	puts(am_authres_str(&r));
 *	am_authres_release(&r);
 */

#include <stddef.h>

#include "buf.h"

#define AM_AUTHRES_MAX	4096

/*
 * Bounds that keep every field we write well-formed whatever the input
 * (RFC 5322 2.1.1: lines of at most 998 octets; RFC 6008: header.b is a
 * prefix of the signature):
 *
 *	AM_AUTHRES_B_MAX	header.b= is cut to this many characters
 *				(the verifier gives the shortest unique
 *				prefix of at least 8; signatures that share
 *				a longer prefix are duplicates or forged)
 *	AM_AUTHRES_VALUE_MAX	a property value longer than this, as
 *				written, is left out and a comment
 *				"(header.i omitted: N octets)" says so
 *	AM_AUTHRES_KEY_MAX	a ptype or property name longer than this
 *				is left out with its value, and a comment
 *				says so (a keyword is never cut)
 *	AM_AUTHRES_TEXT_MAX	a reason or comment is cut at this many
 *				octets and ends in "..."
 *
 * Each element goes into the resinfo whole or not at all, so a resinfo
 * past AM_AUTHRES_MAX (am_authres_failed) is short, never malformed.
 */
#define AM_AUTHRES_B_MAX	32
#define AM_AUTHRES_VALUE_MAX	400
#define AM_AUTHRES_KEY_MAX	64
#define AM_AUTHRES_TEXT_MAX	200

struct am_authres {
	struct am_buf	 buf;
};

void		 am_authres_init(struct am_authres *);
void		 am_authres_method(struct am_authres *, const char *method,
		    const char *result);
void		 am_authres_reason(struct am_authres *, const char *);
void		 am_authres_comment(struct am_authres *, const char *);
void		 am_authres_prop(struct am_authres *, const char *ptype,
		    const char *property, const char *value);
/* The resinfo so far; volatile. */
const char	*am_authres_str(const struct am_authres *);
int		 am_authres_failed(const struct am_authres *);
void		 am_authres_release(struct am_authres *);

/*
 * am_authres_finish - makes field (a whole Authentication-Results value
 * as built with this module: [" "] authserv-id, then "; resinfo" or
 * ";\n\tresinfo" pieces appended in any white space) the field we add:
 *
 *   - at most AM_AUTHRES_FIELD_MAX octets and AM_AUTHRES_FIELD_MAXRES
 *     resinfos (what am_authres_parse reads back); when more would not
 *     fit, results of other methods are kept first, then dkim=pass, then
 *     the other dkim results; one that does not fit whole is kept as its
 *     bare "method=result", and what still does not fit is counted in a
 *     closing comment "(N more results not shown: dkim=fail 50, ...)":
 *     a result is never silently dropped;
 *   - with fold set, each resinfo on a line of its own ("\n\t"; the MTA
 *     writes CRLF) and lines folded at white space outside quoted-strings
 *     and comments before AM_AUTHRES_FOLD_AT octets where a word allows
 *     it, so that no line reaches 998 octets (every word is bounded by
 *     the limits above); without fold, one line ("; " between resinfos).
 *
 * A leading space is kept (the milter's values begin with one); a
 * value with only the authserv-id becomes "authserv-id; none".
 * -1 if field has its error set (it is then left alone).
 */
#define AM_AUTHRES_FIELD_MAX	8192
#define AM_AUTHRES_FIELD_MAXRES	32
#define AM_AUTHRES_FOLD_AT	78
#define AM_AUTHRES_FOLD		1
#define AM_AUTHRES_ONELINE	0
int		 am_authres_finish(struct am_buf *field, int fold);

/*
 * am_authres_header - the value of a whole header field:
 * "authserv-id; resinfo; resinfo" (or "authserv-id; none" when n == 0),
 * appended to out on one line, bounded and summarized as
 * am_authres_finish(AM_AUTHRES_ONELINE) does.
 */
int		 am_authres_header(const char *authserv_id,
		    const struct am_authres *, size_t n, struct am_buf *out);

/* Writes v as a value (bare or quoted-string) to out. */
void		 am_authres_value(struct am_buf *out, const char *v);

/*
 * Parsing (authres_parse.c): a strict, bounded RFC 8601 2.2 parser of
 * one Authentication-Results value (what follows the colon):
 *
 *	[CFWS] authserv-id [CFWS version] (";" "none" / 1*(";" resinfo))
 *	resinfo = method[/version] "=" result [reason=value] *ptype.prop=pvalue
 *
 * CFWS (white space, folding, nested comments with quoted-pairs) is
 * allowed wherever the grammar allows it; authserv-id and reason are
 * a token or a quoted-string; method, result, ptype and property are
 * Keywords (letters, digits, '-'); a pvalue is a quoted-string or a
 * run of atext, '.' and '@' ([local-part@]domain, and the base64 of
 * header.b as other implementations write it), or a quoted local-part
 * followed by "@domain".  Anything else is AM_E_SYNTAX; more than
 * AM_AUTHRES_PARSE_MAXLEN octets, AM_AUTHRES_PARSE_MAXRES resinfos,
 * AM_AUTHRES_PARSE_MAXPROPS properties in one resinfo, comments nested
 * deeper than AM_AUTHRES_PARSE_MAXDEPTH or a version over 9 digits is
 * AM_E_LIMIT.  Never a partial result: on -1, out says n == 0.
 *
 * The result holds non-owning views into the value passed in, valid as
 * long as it is.  A quoted view (quoted != 0) is the text between the
 * DQUOTEs with its quoted-pairs still escaped: use
 * am_authres_view_copy() or am_authres_view_eq() rather than p/len.
 *
 * Usage:
 *	struct am_authres_parsed ar;
 *	if (am_authres_parse(v, len, &ar, &err) == 0)
 *		for (i = 0; i < ar.n; i++) ... ar.res[i].method ...
 */

#define AM_AUTHRES_PARSE_MAXLEN		16384
#define AM_AUTHRES_PARSE_MAXRES		32
#define AM_AUTHRES_PARSE_MAXPROPS	12
#define AM_AUTHRES_PARSE_MAXDEPTH	16

struct am_authres_view {
	const char	*p;		/* NULL when absent */
	size_t		 len;
	int		 quoted;	/* p..len is a quoted-string's inside */
};

struct am_authres_prop {
	struct am_authres_view	 ptype;		/* "smtp", "header", ... */
	struct am_authres_view	 property;	/* "mailfrom", "d", ... */
	struct am_authres_view	 value;
};

struct am_authres_result {
	struct am_authres_view	 method;	/* "dkim", "spf", ... */
	unsigned		 version;	/* method version; 0: none */
	struct am_authres_view	 result;	/* "pass", "fail", ... */
	struct am_authres_view	 reason;	/* p NULL: none */
	struct am_authres_prop	 props[AM_AUTHRES_PARSE_MAXPROPS];
	size_t			 nprops;
};

struct am_authres_parsed {
	struct am_authres_view	 authserv_id;
	unsigned		 version;	/* 0: none given */
	int			 none;		/* "authserv-id; none" */
	struct am_authres_result res[AM_AUTHRES_PARSE_MAXRES];
	size_t			 n;
};

struct am_err;

int		 am_authres_parse(const char *v, size_t len,
		    struct am_authres_parsed *out, struct am_err *);
/* The view's text, quoted-pairs undone and line breaks dropped, into
 * out (NUL-terminated); -1 if it does not fit (out is then ""). */
/*
 * am_authres_parse_id - the authserv-id alone, by the same grammar
 * ([CFWS] then a token or quoted-string, its quoted-pairs undone) into
 * out; -1 (AM_E_SYNTAX, AM_E_LIMIT) when there is none or it does not
 * fit.  What follows it is not looked at: a field whose results do not
 * parse still has an authserv-id (forged-field removal needs it).
 */
int		 am_authres_parse_id(const char *v, size_t len, char *out,
		    size_t size, struct am_err *);
int		 am_authres_view_copy(const struct am_authres_view *,
		    char *out, size_t size);
/* Is the view's text s (ASCII case-insensitive)? */
int		 am_authres_view_eq(const struct am_authres_view *,
		    const char *s);
/* The first property ptype.property of r, or NULL. */
const struct am_authres_prop *am_authres_prop_find(
		    const struct am_authres_result *r, const char *ptype,
		    const char *property);

#endif /* AM_AUTHRES_H */
