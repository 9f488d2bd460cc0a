/*
 * dkim_sig - parse a DKIM-Signature header value (RFC 6376 3.5)
 *
 * The value is split by tagval into views; each tag we use is checked
 * and copied into struct am_dkim_sig, so the result does not point into
 * the caller's buffer.  Unknown tags (z=, and future ones) are ignored,
 * as RFC 6376 3.2 says.  Comparisons of keywords (a=, c=, q=, and the
 * "From" in h=) are case-insensitive, as ABNF literals are.
 *
 * Decisions:
 *  - s= is stored in lower-case A-label form, ready for the DNS query
 *    (RFC 8616 lets it hold U-labels; DNS ignores case anyway).
 *  - i= is stored as written.  Its local-part is not decoded (it may be
 *    dkim-quoted-printable or even an RFC 2047 encoded-word: neither
 *    changes the AUID domain, which is all that is checked); its domain
 *    must convert to an A-label name within d=.
 *  - b= and bh= must be padded base64 (a multiple of 4 characters once
 *    FWS is gone), as base64 decoders used by dkimpy and Mail::DKIM
 *    require.
 *  - x= equal to t= is accepted (already expired); x= < t= is an error.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "base64.h"
#include "dkim_sig.h"
#include "domain.h"
#include "mem.h"
#include "tagval.h"

#define DKIM_NUM_MAXDIGITS	76	/* RFC 6376 3.5: l= is 1*76DIGIT */
#define DKIM_B64_MAX		16384	/* base64 characters in b= or bh= */
#define DKIM_H_MAX		512	/* names in h= */

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* trim - drop FWS from both ends of a view */

static void
trim(const char **p, size_t *n)
{
	while (*n > 0 && am_tagval_is_fws((unsigned char)**p)) {
		(*p)++;
		(*n)--;
	}
	while (*n > 0 && am_tagval_is_fws((unsigned char)(*p)[*n - 1]))
		(*n)--;
}

/*
 * b64_decode - decode a b= or bh= value; on success sets *bin_out
 * (bin_len bytes) and *text_out (the text without FWS), both the
 * caller's to free.  On failure sets neither.
 */

static int
b64_decode(const struct am_tag *tag, unsigned char **bin_out,
    size_t *bin_len, char **text_out, struct am_err *err)
{
	if (tag->value_len > DKIM_B64_MAX)
		return am_err_set(err, AM_E_LIMIT, "%.*s= too long",
		    (int)tag->name_len, tag->name);
	if (am_base64_decode_fws(tag->value, tag->value_len, bin_out,
	    bin_len, text_out) == -1)
		return am_err_set(err, AM_E_SYNTAX, "syntax error in %.*s=",
		    (int)tag->name_len, tag->name);
	return 0;
}

/* parse_num - a decimal tag value; over 64 bits is AM_E_LIMIT */

static int
parse_num(const struct am_tag *tag, uint64_t *out, struct am_err *err)
{
	uint64_t	 v = 0, d;
	size_t		 i;

	if (tag->value_len == 0 || tag->value_len > DKIM_NUM_MAXDIGITS)
		return am_err_set(err, AM_E_SYNTAX, "syntax error in %.*s=",
		    (int)tag->name_len, tag->name);
	for (i = 0; i < tag->value_len; i++) {
		if (tag->value[i] < '0' || tag->value[i] > '9')
			return am_err_set(err, AM_E_SYNTAX,
			    "syntax error in %.*s=", (int)tag->name_len,
			    tag->name);
		d = (uint64_t)(tag->value[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return am_err_set(err, AM_E_LIMIT,
			    "%.*s= value too large", (int)tag->name_len,
			    tag->name);
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* is_alg_part - ALPHA *(ALPHA / DIGIT), the halves of sig-a-tag-alg */

static int
is_alg_part(const char *p, size_t n)
{
	size_t	 i;
	int	 c;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		c = lower((unsigned char)p[i]);
		if (!(c >= 'a' && c <= 'z') && !(i > 0 && c >= '0' && c <= '9'))
			return 0;
	}
	return 1;
}

static int
parse_alg(const struct am_tag *tag, struct am_dkim_sig *sig,
    struct am_err *err)
{
	const char	*p = tag->value, *dash;
	size_t		 n = tag->value_len, k;

	if ((dash = memchr(p, '-', n)) == NULL)
		return am_err_set(err, AM_E_SYNTAX, "syntax error in a=");
	k = (size_t)(dash - p);
	if (!is_alg_part(p, k) || !is_alg_part(dash + 1, n - k - 1))
		return am_err_set(err, AM_E_SYNTAX, "syntax error in a=");
	sig->alg_name = am_strndup(p, n);
	if (am_tagval_ci_eq(p, n, "rsa-sha256"))
		sig->alg = AM_DKIM_RSA_SHA256;
	else if (am_tagval_ci_eq(p, n, "ed25519-sha256"))
		sig->alg = AM_DKIM_ED25519_SHA256;
	else if (am_tagval_ci_eq(p, n, "rsa-sha1"))
		sig->alg = AM_DKIM_RSA_SHA1;
	else
		sig->alg = AM_DKIM_ALG_UNKNOWN;
	return 0;
}

static int
canon_word(const char *p, size_t n, enum am_canon_mode *out)
{
	if (am_tagval_ci_eq(p, n, "simple"))
		*out = AM_CANON_SIMPLE;
	else if (am_tagval_ci_eq(p, n, "relaxed"))
		*out = AM_CANON_RELAXED;
	else
		return -1;
	return 0;
}

static int
parse_canon(const struct am_tag *tag, struct am_dkim_sig *sig,
    struct am_err *err)
{
	const char	*slash;
	size_t		 hn;

	sig->hcanon = sig->bcanon = AM_CANON_SIMPLE;
	if (tag == NULL)
		return 0;
	slash = memchr(tag->value, '/', tag->value_len);
	hn = slash != NULL ? (size_t)(slash - tag->value) : tag->value_len;
	if (canon_word(tag->value, hn, &sig->hcanon) == -1 ||
	    (slash != NULL && canon_word(slash + 1, tag->value_len - hn - 1,
	    &sig->bcanon) == -1))
		return am_err_set(err, tag->value_len == 0 ? AM_E_SYNTAX :
		    AM_E_UNSUPPORTED, "unknown canonicalization");
	return 0;
}

/* parse_domain - convert d= (or s=), reporting failure as syntax */

static char *
parse_domain(const struct am_tag *tag, struct am_err *err)
{
	char	*a;

	if ((a = am_domain_to_alabel(tag->value, tag->value_len, NULL)) ==
	    NULL)
		(void)am_err_set(err, AM_E_SYNTAX, "syntax error in %c=",
		    tag->name[0]);
	return a;
}

static int
parse_i(const struct am_tag *tag, struct am_dkim_sig *sig,
    struct am_err *err)
{
	const char	*at = NULL;
	char		*dom;
	size_t		 k;
	int		 within;

	for (k = 0; k < tag->value_len; k++)
		if (tag->value[k] == '@')
			at = tag->value + k;
	if (at == NULL)
		return am_err_set(err, AM_E_SYNTAX, "syntax error in i=");
	k = (size_t)(at - tag->value) + 1;
	if ((dom = am_domain_to_alabel(at + 1, tag->value_len - k, NULL)) ==
	    NULL)
		return am_err_set(err, AM_E_SYNTAX, "syntax error in i=");
	within = am_domain_within(dom, sig->d_alabel);
	free(dom);
	if (!within)
		return am_err_set(err, AM_E_SYNTAX, "i= not within d=");
	sig->i = am_strndup(tag->value, tag->value_len);
	return 0;
}

/* is_field_name - RFC 5322 field-name: 1*ftext, ftext = %d33-57 / %d59-126 */

static int
is_field_name(const char *p, size_t n)
{
	size_t	 i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] < 33 || (unsigned char)p[i] > 126 ||
		    p[i] == ':')
			return 0;
	return 1;
}

static int
parse_h(const struct am_tag *tag, struct am_dkim_sig *sig,
    struct am_err *err)
{
	const char	*p = tag->value, *end = p + tag->value_len, *c, *e;
	size_t		 n, cap = 1;
	int		 from = 0;

	for (c = p; c < end; c++)
		if (*c == ':' && ++cap > DKIM_H_MAX)
			return am_err_set(err, AM_E_LIMIT, "too many names in h=");
	sig->h = am_calloc(cap, sizeof(*sig->h));
	for (;;) {
		c = memchr(p, ':', (size_t)(end - p));
		e = c != NULL ? c : end;
		n = (size_t)(e - p);
		trim(&p, &n);
		if (!is_field_name(p, n))
			return am_err_set(err, AM_E_SYNTAX, "syntax error in h=");
		if (am_tagval_ci_eq(p, n, "from"))
			from = 1;
		sig->h[sig->h_n++] = am_strndup(p, n);
		if (c == NULL)
			break;
		p = c + 1;
	}
	if (!from)
		return am_err_set(err, AM_E_SYNTAX, "h= does not include From");
	return 0;
}

static int
parse_q(const struct am_tag *tag, struct am_err *err)
{
	const char	*p, *end, *c;
	size_t		 n;
	int		 found = 0;

	if (tag == NULL)
		return 0;
	p = tag->value;
	end = p + tag->value_len;
	for (;;) {
		c = memchr(p, ':', (size_t)(end - p));
		n = (size_t)((c != NULL ? c : end) - p);
		trim(&p, &n);
		if (n == 0)
			return am_err_set(err, AM_E_SYNTAX, "syntax error in q=");
		if (am_tagval_ci_eq(p, n, "dns/txt"))
			found = 1;
		if (c == NULL)
			break;
		p = c + 1;
	}
	if (!found)
		return am_err_set(err, AM_E_UNSUPPORTED,
		    "unsupported query method");
	return 0;
}

static int
parse_times(const struct am_tagval *tv, struct am_dkim_sig *sig,
    struct am_err *err)
{
	const struct am_tag	*tag;

	if ((tag = am_tagval_get(tv, "l")) != NULL) {
		if (parse_num(tag, &sig->l, err) == -1)
			return -1;
		sig->has_l = 1;
	}
	if ((tag = am_tagval_get(tv, "t")) != NULL) {
		if (parse_num(tag, &sig->t, err) == -1)
			return -1;
		sig->has_t = 1;
	}
	if ((tag = am_tagval_get(tv, "x")) != NULL) {
		if (parse_num(tag, &sig->x, err) == -1)
			return -1;
		sig->has_x = 1;
	}
	if (sig->has_t && sig->has_x && sig->x < sig->t)
		return am_err_set(err, AM_E_SYNTAX,
		    "signature expires before it was made");
	return 0;
}

/* parse_tags - everything after the required-tag check */

static int
parse_tags(const struct am_tagval *tv, struct am_dkim_sig *sig,
    struct am_err *err)
{
	const struct am_tag	*v = am_tagval_get(tv, "v");
	const struct am_tag	*tag;
	char			*bt;

	if (v->value_len != 1 || v->value[0] != '1')
		return am_err_set(err, AM_E_UNSUPPORTED, "unsupported version");
	if (parse_alg(am_tagval_get(tv, "a"), sig, err) == -1 ||
	    parse_canon(am_tagval_get(tv, "c"), sig, err) == -1)
		return -1;
	tag = am_tagval_get(tv, "d");
	if ((sig->d_alabel = parse_domain(tag, err)) == NULL)
		return -1;
	sig->d = am_strndup(tag->value, tag->value_len);
	if ((sig->s = parse_domain(am_tagval_get(tv, "s"), err)) == NULL)
		return -1;
	if ((tag = am_tagval_get(tv, "i")) != NULL &&
	    parse_i(tag, sig, err) == -1)
		return -1;
	if (parse_h(am_tagval_get(tv, "h"), sig, err) == -1 ||
	    parse_q(am_tagval_get(tv, "q"), err) == -1)
		return -1;
	if (b64_decode(am_tagval_get(tv, "b"), &sig->b, &sig->b_len,
	    &sig->b_text, err) == -1)
		return -1;
	if (b64_decode(am_tagval_get(tv, "bh"), &sig->bh, &sig->bh_len, &bt,
	    err) == -1)
		return -1;
	free(bt);
	return parse_times(tv, sig, err);
}

int
am_dkim_sig_parse(const char *value, size_t len, struct am_dkim_sig *out,
    struct am_err *err)
{
	static const char *const required[] = {
		"v", "a", "b", "bh", "d", "h", "s"
	};
	struct am_tagval	 tv;
	size_t			 i;

	memset(out, 0, sizeof(*out));
	if (am_tagval_parse(value, len, &tv, err) == -1)
		return -1;
	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (am_tagval_get(&tv, required[i]) == NULL)
			return am_err_set(err, AM_E_SYNTAX,
			    "missing required tag %s=", required[i]);
	if (parse_tags(&tv, out, err) == -1) {
		am_dkim_sig_release(out);
		return -1;
	}
	return 0;
}

void
am_dkim_sig_release(struct am_dkim_sig *sig)
{
	size_t	 i;

	if (sig == NULL)
		return;
	free(sig->alg_name);
	free(sig->d);
	free(sig->d_alabel);
	free(sig->s);
	free(sig->i);
	if (sig->h != NULL)
		for (i = 0; i < sig->h_n; i++)
			free(sig->h[i]);
	free(sig->h);
	free(sig->b);
	free(sig->b_text);
	free(sig->bh);
	memset(sig, 0, sizeof(*sig));
}

/* is_b_tag - is the tag-spec text before '=' the name "b"? */

static int
is_b_tag(const char *p, size_t n)
{
	trim(&p, &n);
	return n == 1 && p[0] == 'b';
}

int
am_dkim_sig_strip_b(const char *raw, size_t len, struct am_buf *out)
{
	const char	*p, *end = raw + len, *semi, *seg, *eq;
	size_t		 start = out->len;
	int		 found = 0;

	if ((p = memchr(raw, ':', len)) == NULL)
		return -1;
	p++;
	/* A final line end, if the caller left one, is not part of b=. */
	if (end > p && end[-1] == '\n') {
		end--;
		if (end > p && end[-1] == '\r')
			end--;
	}
	(void)am_buf_append(out, raw, (size_t)(p - raw));
	while (p < end) {
		semi = memchr(p, ';', (size_t)(end - p));
		seg = semi != NULL ? semi : end;
		eq = memchr(p, '=', (size_t)(seg - p));
		if (eq != NULL && is_b_tag(p, (size_t)(eq - p))) {
			(void)am_buf_append(out, p, (size_t)(eq + 1 - p));
			found = 1;
		} else
			(void)am_buf_append(out, p, (size_t)(seg - p));
		if (semi == NULL)
			break;
		(void)am_buf_appendc(out, ';');
		p = semi + 1;
	}
	(void)am_buf_append(out, end, (size_t)(raw + len - end));
	if (!found || out->err) {
		am_buf_truncate(out, start);
		return -1;
	}
	return 0;
}

const char *
am_dkim_alg_name(enum am_dkim_alg alg)
{
	switch (alg) {
	case AM_DKIM_RSA_SHA256:
		return "rsa-sha256";
	case AM_DKIM_ED25519_SHA256:
		return "ed25519-sha256";
	case AM_DKIM_RSA_SHA1:
		return "rsa-sha1";
	case AM_DKIM_ALG_UNKNOWN:
		break;
	}
	return "unknown";
}
