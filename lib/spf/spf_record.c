/*
 * spf_record - parse one SPF record (RFC 7208 section 12 ABNF)
 *
 *	record    = version terms *SP
 *	version   = "v=spf1"
 *	terms     = *( 1*SP ( directive / modifier ) )
 *	directive = [ qualifier ] mechanism
 *	modifier  = redirect / explanation / unknown-modifier
 *
 * A term is a maximal run of non-SP octets; any octet the ABNF does
 * not allow where it stands (TAB, CR, NUL, non-ASCII) fails the term.
 */

#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "spf_macro.h"
#include "spf_record.h"

#define AM_SPF_VERSION		"v=spf1"
#define AM_SPF_VERSION_LEN	6

static int
am_spf_lc(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
am_spf_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
am_spf_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* Case-insensitive: does p[0..n) equal the lower-case word w? */
static int
am_spf_word(const char *p, size_t n, const char *w)
{
	size_t	 i;

	if (strlen(w) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (am_spf_lc((unsigned char)p[i]) != w[i])
			return 0;
	return 1;
}

int
am_spf_record_is_spf(const char *txt, size_t len)
{
	if (len < AM_SPF_VERSION_LEN ||
	    !am_spf_word(txt, AM_SPF_VERSION_LEN, AM_SPF_VERSION))
		return 0;
	return len == AM_SPF_VERSION_LEN || txt[AM_SPF_VERSION_LEN] == ' ';
}

static const char *const am_spf_mech_names[] = {
	[AM_SPF_MECH_ALL] = "all",
	[AM_SPF_MECH_INCLUDE] = "include",
	[AM_SPF_MECH_A] = "a",
	[AM_SPF_MECH_MX] = "mx",
	[AM_SPF_MECH_PTR] = "ptr",
	[AM_SPF_MECH_IP4] = "ip4",
	[AM_SPF_MECH_IP6] = "ip6",
	[AM_SPF_MECH_EXISTS] = "exists",
};

#define AM_SPF_NMECH	(sizeof(am_spf_mech_names) / sizeof(am_spf_mech_names[0]))

const char *
am_spf_mech_name(enum am_spf_mech m)
{
	return (size_t)m < AM_SPF_NMECH ? am_spf_mech_names[m] : "?";
}

/*
 * am_spf_cidr - one CIDR length after its "/": "0" / %x31-39 *DIGIT,
 * at most max.  n is the number of digits.
 */
static int
am_spf_cidr(const char *p, size_t n, unsigned max, unsigned *out,
    struct am_err *err)
{
	unsigned	 v = 0;
	size_t		 i;

	if (n == 0 || n > 3 || (n > 1 && p[0] == '0'))
		return am_err_set(err, AM_E_SYNTAX, "malformed CIDR length");
	for (i = 0; i < n; i++) {
		if (!am_spf_digit((unsigned char)p[i]))
			return am_err_set(err, AM_E_SYNTAX,
			    "malformed CIDR length");
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	if (v > max)
		return am_err_set(err, AM_E_SYNTAX,
		    "CIDR length %u over %u", v, max);
	*out = v;
	return 0;
}

/* am_spf_digits_suffix - length of a "/" 1*DIGIT at the end of p, or 0 */

static size_t
am_spf_digits_suffix(const char *p, size_t n)
{
	size_t	 i = n;

	while (i > 0 && am_spf_digit((unsigned char)p[i - 1]))
		i--;
	if (i == n || i == 0 || p[i - 1] != '/')
		return 0;
	return n - i + 1;
}

/*
 * am_spf_dual_cidr - strip dual-cidr-length = [ ip4-cidr-length ]
 * [ "/" ip6-cidr-length ] from the end of p; *n becomes what is left.
 */
static int
am_spf_dual_cidr(const char *p, size_t *n, struct am_spf_term *t,
    struct am_err *err)
{
	size_t	 k;

	k = am_spf_digits_suffix(p, *n);
	if (k > 0 && *n - k > 0 && p[*n - k - 1] == '/') {
		if (am_spf_cidr(p + *n - k + 1, k - 1, 128, &t->cidr6,
		    err) == -1)
			return -1;
		*n -= k + 1;
		k = am_spf_digits_suffix(p, *n);
	}
	if (k > 0) {
		if (am_spf_cidr(p + *n - k + 1, k - 1, 32, &t->cidr4,
		    err) == -1)
			return -1;
		*n -= k;
	}
	return 0;
}

/* ip4-network = qnum "." qnum "." qnum "." qnum, no leading zeros */

static int
am_spf_ip4(const char *p, size_t n, unsigned char *out)
{
	size_t		 i = 0, part, start;
	unsigned	 v;

	for (part = 0; part < 4; part++) {
		if (part > 0) {
			if (i >= n || p[i] != '.')
				return -1;
			i++;
		}
		start = i;
		for (v = 0; i < n && am_spf_digit((unsigned char)p[i]); i++)
			v = v * 10 + (unsigned)(p[i] - '0');
		if (i == start || i - start > 3 ||
		    (i - start > 1 && p[start] == '0') || v > 255)
			return -1;
		out[part] = (unsigned char)v;
	}
	return i == n ? 0 : -1;
}

/* ip6-network: RFC 4291 2.2 text forms, as inet_pton() reads them */

static int
am_spf_ip6(const char *p, size_t n, unsigned char *out)
{
	char	 tmp[64];
	size_t	 i;

	if (n == 0 || n >= sizeof(tmp))
		return -1;
	for (i = 0; i < n; i++)
		if (!am_spf_digit((unsigned char)p[i]) && p[i] != ':' &&
		    p[i] != '.' && !(am_spf_lc((unsigned char)p[i]) >= 'a' &&
		    am_spf_lc((unsigned char)p[i]) <= 'f'))
			return -1;
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	return inet_pton(AF_INET6, tmp, out) == 1 ? 0 : -1;
}

/* am_spf_ipnet - ip4 ":" ip4-network [ cidr ] / ip6 ":" ip6-network [ cidr ] */

static int
am_spf_ipnet(const char *arg, size_t n, struct am_spf_term *t,
    struct am_err *err)
{
	const char	*slash = memchr(arg, '/', n);
	size_t		 alen = slash != NULL ? (size_t)(slash - arg) : n;
	int		 v6 = t->mech == AM_SPF_MECH_IP6;

	if ((v6 ? am_spf_ip6(arg, alen, t->addr) :
	    am_spf_ip4(arg, alen, t->addr)) == -1)
		return am_err_set(err, AM_E_SYNTAX, "malformed %s address",
		    v6 ? "IPv6" : "IPv4");
	if (slash == NULL)
		return 0;
	return am_spf_cidr(slash + 1, n - alen - 1, v6 ? 128 : 32,
	    v6 ? &t->cidr6 : &t->cidr4, err);
}

/* am_spf_mech_lookup - mechanism name (a run of ALPHA / DIGIT) */

static int
am_spf_mech_lookup(const char *p, size_t n, enum am_spf_mech *out)
{
	size_t	 i;

	for (i = 0; i < AM_SPF_NMECH; i++)
		if (am_spf_word(p, n, am_spf_mech_names[i])) {
			*out = (enum am_spf_mech)i;
			return 0;
		}
	return -1;
}

/* am_spf_spec - ":" domain-spec where the mechanism needs or allows one */

static int
am_spf_spec(const char *p, size_t n, struct am_spf_term *t, struct am_err *err)
{
	if (am_spf_domain_spec_check(p, n, err) == -1)
		return -1;
	t->spec = p;
	t->spec_len = n;
	return 0;
}

/* am_spf_mech_args - what follows the mechanism name: rest[0..n) */

static int
am_spf_mech_args(const char *rest, size_t n, struct am_spf_term *t,
    struct am_err *err)
{
	int	 colon = n > 0 && rest[0] == ':';

	switch (t->mech) {
	case AM_SPF_MECH_ALL:
		if (n == 0)
			return 0;
		return am_err_set(err, AM_E_SYNTAX, "'all' takes no argument");
	case AM_SPF_MECH_INCLUDE:
	case AM_SPF_MECH_EXISTS:
		if (!colon)
			return am_err_set(err, AM_E_SYNTAX,
			    "'%s' needs ':' domain-spec",
			    am_spf_mech_name(t->mech));
		return am_spf_spec(rest + 1, n - 1, t, err);
	case AM_SPF_MECH_PTR:
		if (n == 0)
			return 0;
		if (!colon)
			return am_err_set(err, AM_E_SYNTAX,
			    "'ptr' takes only ':' domain-spec");
		return am_spf_spec(rest + 1, n - 1, t, err);
	case AM_SPF_MECH_A:
	case AM_SPF_MECH_MX:
		if (am_spf_dual_cidr(rest, &n, t, err) == -1)
			return -1;
		if (n == 0)
			return 0;
		if (!colon)
			return am_err_set(err, AM_E_SYNTAX,
			    "malformed '%s' arguments",
			    am_spf_mech_name(t->mech));
		return am_spf_spec(rest + 1, n - 1, t, err);
	case AM_SPF_MECH_IP4:
	case AM_SPF_MECH_IP6:
		if (!colon)
			return am_err_set(err, AM_E_SYNTAX,
			    "'%s' needs ':' address",
			    am_spf_mech_name(t->mech));
		return am_spf_ipnet(rest + 1, n - 1, t, err);
	}
	return am_err_set(err, AM_E_SYNTAX, "unknown mechanism");
}

static int
am_spf_directive(const char *p, size_t n, struct am_spf_term *t,
    struct am_err *err)
{
	size_t	 i = 0, name;

	memset(t, 0, sizeof(*t));
	t->text = p;
	t->text_len = n;
	t->qual = AM_SPF_PASS;
	t->cidr4 = 32;
	t->cidr6 = 128;
	switch (p[0]) {
	case '+': t->qual = AM_SPF_PASS; i++; break;
	case '-': t->qual = AM_SPF_FAIL; i++; break;
	case '~': t->qual = AM_SPF_SOFTFAIL; i++; break;
	case '?': t->qual = AM_SPF_NEUTRAL; i++; break;
	}
	for (name = i; i < n && (am_spf_alpha((unsigned char)p[i]) ||
	    am_spf_digit((unsigned char)p[i])); i++)
		;
	if (am_spf_mech_lookup(p + name, i - name, &t->mech) == -1)
		return am_err_set(err, AM_E_SYNTAX, "unknown mechanism");
	return am_spf_mech_args(p + i, n - i, t, err);
}

/* am_spf_modifier_name - length of name "=" at p, or 0 if not one */

static size_t
am_spf_modifier_name(const char *p, size_t n)
{
	size_t	 i;

	if (n == 0 || !am_spf_alpha((unsigned char)p[0]))
		return 0;
	for (i = 1; i < n; i++) {
		if (p[i] == '=')
			return i;
		if (!am_spf_alpha((unsigned char)p[i]) &&
		    !am_spf_digit((unsigned char)p[i]) && p[i] != '-' &&
		    p[i] != '_' && p[i] != '.')
			return 0;
	}
	return 0;
}

static int
am_spf_modifier(const char *p, size_t n, size_t name,
    struct am_spf_record *rec, struct am_err *err)
{
	const char	*v = p + name + 1;
	size_t		 vn = n - name - 1;
	const char	**slot = NULL;
	size_t		*slot_len = NULL;

	if (am_spf_word(p, name, "redirect")) {
		slot = &rec->redirect;
		slot_len = &rec->redirect_len;
	} else if (am_spf_word(p, name, "exp")) {
		slot = &rec->exp;
		slot_len = &rec->exp_len;
	}
	if (slot == NULL) {
		/* unknown-modifier = name "=" macro-string: ignored */
		rec->nunknown++;
		return am_spf_macro_check(v, vn, AM_SPF_MACRO_DOMAIN, err);
	}
	if (*slot != NULL)
		return am_err_set(err, AM_E_SYNTAX, "repeated '%.*s' modifier",
		    (int)name, p);
	if (am_spf_domain_spec_check(v, vn, err) == -1)
		return -1;
	*slot = v;
	*slot_len = vn;
	return 0;
}

static size_t
am_spf_count_terms(const char *txt, size_t len)
{
	size_t	 i, n = 0;

	for (i = 0; i < len; i++)
		if (txt[i] != ' ' && (i == 0 || txt[i - 1] == ' '))
			n++;
	return n;
}

/* Says which term failed, after the reason. */
static int
am_spf_term_error(const char *p, size_t n, struct am_err *err)
{
	char	 why[sizeof(err->msg)];

	if (err == NULL)
		return -1;
	memcpy(why, err->msg, sizeof(why));
	return am_err_set(err, err->code, "%.80s in '%.*s%s'", why,
	    (int)(n > 40 ? 40 : n), p, n > 40 ? "..." : "");
}

static int
am_spf_term(const char *p, size_t n, struct am_spf_record *rec,
    struct am_err *err)
{
	size_t	 name = am_spf_modifier_name(p, n);

	if (name > 0) {
		if (am_spf_modifier(p, n, name, rec, err) == -1)
			return am_spf_term_error(p, n, err);
		return 0;
	}
	if (am_spf_directive(p, n, &rec->terms[rec->nterms], err) == -1)
		return am_spf_term_error(p, n, err);
	if (rec->terms[rec->nterms].mech == AM_SPF_MECH_ALL)
		rec->has_all = 1;
	rec->nterms++;
	return 0;
}

int
am_spf_record_parse(const char *txt, size_t len, struct am_spf_record *out,
    struct am_err *err)
{
	size_t	 i, start;

	memset(out, 0, sizeof(*out));
	if (!am_spf_record_is_spf(txt, len))
		return am_err_set(err, AM_E_SYNTAX, "not an SPF record");
	out->terms = am_calloc(am_spf_count_terms(txt, len) + 1,
	    sizeof(*out->terms));
	for (i = AM_SPF_VERSION_LEN; i < len;) {
		if (txt[i] == ' ') {
			i++;
			continue;
		}
		for (start = i; i < len && txt[i] != ' '; i++)
			;
		if (am_spf_term(txt + start, i - start, out, err) == -1) {
			am_spf_record_release(out);
			return -1;
		}
	}
	return 0;
}

void
am_spf_record_release(struct am_spf_record *rec)
{
	free(rec->terms);
	memset(rec, 0, sizeof(*rec));
}
