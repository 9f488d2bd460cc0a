/*
 * spf - check_host() (RFC 7208 sections 4 to 6), the explanation
 * (6.2), the identities (2.3, 2.4) and the Authentication-Results
 * resinfo (RFC 8601 2.7.2)
 *
 * am_spf_host() is check_host(): it fetches and selects the record of
 * one domain, parses all of it, then evaluates its directives left to
 * right and finally the redirect.  include recurses into it.  The
 * limits live in struct am_spf_eval and are never reset: one count for
 * the whole evaluation, however deep the includes and redirects go.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "domain.h"
#include "mem.h"
#include "spf.h"
#include "spf_impl.h"
#include "spf_macro.h"
#include "spf_record.h"

static enum am_spf_verdict am_spf_host(struct am_spf_eval *, const char *);

static const enum am_verdict am_spf_verdict_words[] = {
	[AM_SPF_NONE] = AM_VERDICT_NONE,
	[AM_SPF_NEUTRAL] = AM_VERDICT_NEUTRAL,
	[AM_SPF_PASS] = AM_VERDICT_PASS,
	[AM_SPF_FAIL] = AM_VERDICT_FAIL,
	[AM_SPF_SOFTFAIL] = AM_VERDICT_SOFTFAIL,
	[AM_SPF_TEMPERROR] = AM_VERDICT_TEMPERROR,
	[AM_SPF_PERMERROR] = AM_VERDICT_PERMERROR,
};

static const char *const am_spf_reason_names[] = {
	[AM_SPF_R_MATCH] = "match",
	[AM_SPF_R_DEFAULT] = "default",
	[AM_SPF_R_NO_IDENTITY] = "no-identity",
	[AM_SPF_R_BAD_DOMAIN] = "bad-domain",
	[AM_SPF_R_NO_RECORD] = "no-record",
	[AM_SPF_R_MULTIPLE] = "multiple-records",
	[AM_SPF_R_SYNTAX] = "syntax",
	[AM_SPF_R_LOOKUP_LIMIT] = "lookup-limit",
	[AM_SPF_R_VOID_LIMIT] = "void-limit",
	[AM_SPF_R_MX_LIMIT] = "mx-limit",
	[AM_SPF_R_INCLUDE_NONE] = "include-none",
	[AM_SPF_R_REDIRECT_NONE] = "redirect-none",
	[AM_SPF_R_DNS] = "dns",
	[AM_SPF_R_BUDGET] = "time-budget",
	[AM_SPF_R_DEPTH] = "depth",
};

#define AM_SPF_NELEM(a)	(sizeof(a) / sizeof((a)[0]))

enum am_verdict
am_spf_verdict_word(enum am_spf_verdict v)
{
	return (size_t)v < AM_SPF_NELEM(am_spf_verdict_words) ?
	    am_spf_verdict_words[v] : AM_VERDICT_PERMERROR;
}

const char *
am_spf_verdict_name(enum am_spf_verdict v)
{
	return am_verdict_name(am_spf_verdict_word(v));
}

const char *
am_spf_reason_name(enum am_spf_reason r)
{
	return (size_t)r < AM_SPF_NELEM(am_spf_reason_names) ?
	    am_spf_reason_names[r] : "unknown";
}

void
am_spf_opts_init(struct am_spf_opts *o)
{
	memset(o, 0, sizeof(*o));
}

/* ------------------------------------------------------------ names */

/* am_spf_copy - n octets of src into dst, cut to fit, NUL-terminated */
static void
am_spf_copy(char *dst, size_t dstsz, const char *src, size_t n)
{
	if (dstsz == 0)
		return;
	if (n >= dstsz)
		n = dstsz - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/*
 * am_spf_target - the <target-name> of a term: its domain-spec
 * expanded (4.8), or <domain> when it has none.  Returns 1 when the
 * result can be asked for, 0 when it cannot (empty or long labels).
 */
static int
am_spf_target(struct am_spf_eval *ev, const char *spec, size_t len,
    const char *d, char *out, size_t outsz)
{
	struct am_spf_macro_env	 env;
	struct am_buf		 b;
	int			 ok;

	if (spec == NULL) {
		(void)snprintf(out, outsz, "%s", d);
		return am_spf_name_ok(out);
	}
	am_spf_env(ev, d, &env);
	am_buf_init(&b, outsz - 1);
	ok = am_spf_macro_expand(&env, spec, len, AM_SPF_MACRO_DOMAIN, &b,
	    NULL) == 0;
	(void)snprintf(out, outsz, "%s", ok ? am_buf_str(&b) : "");
	am_buf_release(&b);
	return ok && am_spf_name_ok(out);
}

/*
 * am_spf_domain - the <domain> argument of check_host() (4.3): one
 * trailing dot dropped, U-labels made A-labels; 0 when it is
 * malformed or has a single label.
 */
static int
am_spf_domain(const char *in, char *out, size_t outsz)
{
	char		*alabel;
	size_t		 i;
	int		 ascii = 1;

	for (i = 0; in[i] != '\0'; i++) {
		if ((unsigned char)in[i] >= 0x80)
			ascii = 0;
		else if ((unsigned char)in[i] <= 0x20 || in[i] == 0x7f)
			return 0;
	}
	if (ascii || (alabel = am_domain_to_alabel(in, i, NULL)) == NULL) {
		if (!ascii || i >= outsz)
			return 0;
		memcpy(out, in, i + 1);
	} else {
		(void)snprintf(out, outsz, "%s", alabel);
		free(alabel);
	}
	i = strlen(out);
	if (i > 0 && out[i - 1] == '.')
		out[i - 1] = '\0';
	return am_spf_name_ok(out) && strchr(out, '.') != NULL;
}

/* ------------------------------------------------------------ mechanisms */

/* a (5.3): the client among the target's A or AAAA addresses */
static enum am_spf_match
am_spf_mech_a(struct am_spf_eval *ev, const struct am_spf_term *t,
    const char *name)
{
	enum am_dns_type		 type = ev->v6 ? AM_DNS_AAAA : AM_DNS_A;
	const struct am_dns_result	*res = am_spf_dns(ev, name, type);

	switch (res->status) {
	case AM_DNS_OK:
		return am_spf_addr_match(ev, res, ev->v6 ? t->cidr6 :
		    t->cidr4) ? AM_SPF_MATCHED : AM_SPF_NOMATCH;
	case AM_DNS_NODATA:
	case AM_DNS_NXDOMAIN:
		return am_spf_count_void(ev, name) == -1 ? AM_SPF_ABORT :
		    AM_SPF_NOMATCH;
	default:
		return am_spf_dns_error(ev, name, type, res->status);
	}
}

/*
 * mx (5.4): at most 10 MX names (4.6.4), no implicit MX.  Every name
 * is looked up before deciding ("performs an address lookup on each MX
 * name returned"), so an error on any of them is temperror whatever
 * the order of the answer: the verdict never depends on it.
 */
static enum am_spf_match
am_spf_mech_mx(struct am_spf_eval *ev, const struct am_spf_term *t,
    const char *name)
{
	enum am_dns_type		 type = ev->v6 ? AM_DNS_AAAA : AM_DNS_A;
	const struct am_dns_result	*mx = am_spf_dns(ev, name, AM_DNS_MX);
	const struct am_dns_result	*res;
	const char			*host;
	size_t				 i;
	int				 match = 0;

	if (mx->status == AM_DNS_NODATA || mx->status == AM_DNS_NXDOMAIN)
		return am_spf_count_void(ev, name) == -1 ? AM_SPF_ABORT :
		    AM_SPF_NOMATCH;
	if (mx->status != AM_DNS_OK)
		return am_spf_dns_error(ev, name, AM_DNS_MX, mx->status);
	if (mx->n > AM_SPF_MAX_NAMES)
		return am_spf_abort(ev, AM_SPF_PERMERROR, AM_SPF_R_MX_LIMIT,
		    "%.120s has %zu MX names, more than %d", name, mx->n,
		    AM_SPF_MAX_NAMES);
	for (i = 0; i < mx->n; i++) {
		host = mx->rr[i].name;
		if (!am_spf_name_ok(host))
			continue;		/* null MX (RFC 7505) */
		res = am_spf_dns(ev, host, type);
		if (res->status != AM_DNS_OK && res->status != AM_DNS_NODATA &&
		    res->status != AM_DNS_NXDOMAIN)
			return am_spf_dns_error(ev, host, type, res->status);
		if (am_spf_addr_match(ev, res, ev->v6 ? t->cidr6 : t->cidr4))
			match = 1;
	}
	return match ? AM_SPF_MATCHED : AM_SPF_NOMATCH;
}

/*
 * ptr (5.5): a validated name of the client equal to or below the
 * target.  Only names that would match are validated (same result,
 * fewer queries).  A failed PTR lookup is no match; a failed address
 * lookup skips that name; names past the 10th are ignored (4.6.4).
 */
static enum am_spf_match
am_spf_mech_ptr(struct am_spf_eval *ev, const char *name)
{
	enum am_dns_type		 type = ev->v6 ? AM_DNS_AAAA : AM_DNS_A;
	const struct am_dns_result	*ptr, *res;
	size_t				 i;

	ptr = am_spf_dns(ev, ev->rev, AM_DNS_PTR);
	if (ptr->status == AM_DNS_NODATA || ptr->status == AM_DNS_NXDOMAIN)
		return am_spf_count_void(ev, ev->rev) == -1 ? AM_SPF_ABORT :
		    AM_SPF_NOMATCH;
	if (ptr->status != AM_DNS_OK)
		return AM_SPF_NOMATCH;
	for (i = 0; i < ptr->n && i < AM_SPF_MAX_NAMES; i++) {
		if (!am_spf_name_ok(ptr->rr[i].name) ||
		    !am_spf_name_within(ptr->rr[i].name, name))
			continue;
		res = am_spf_dns(ev, ptr->rr[i].name, type);
		if (am_spf_addr_match(ev, res, ev->v6 ? 128 : 32))
			return AM_SPF_MATCHED;
	}
	return AM_SPF_NOMATCH;
}

/* exists (5.7): any A record, whatever the client's family */
static enum am_spf_match
am_spf_mech_exists(struct am_spf_eval *ev, const char *name)
{
	const struct am_dns_result	*res = am_spf_dns(ev, name, AM_DNS_A);

	switch (res->status) {
	case AM_DNS_OK:
		return res->n > 0 ? AM_SPF_MATCHED : AM_SPF_NOMATCH;
	case AM_DNS_NODATA:
	case AM_DNS_NXDOMAIN:
		return am_spf_count_void(ev, name) == -1 ? AM_SPF_ABORT :
		    AM_SPF_NOMATCH;
	default:
		return am_spf_dns_error(ev, name, AM_DNS_A, res->status);
	}
}

/* include (5.2): pass matches; errors go up; none is permerror */
static enum am_spf_match
am_spf_mech_include(struct am_spf_eval *ev, const char *name)
{
	enum am_spf_verdict	 v;

	ev->include_depth++;
	v = am_spf_host(ev, name);
	ev->include_depth--;
	switch (v) {
	case AM_SPF_PASS:
		return AM_SPF_MATCHED;
	case AM_SPF_FAIL:
	case AM_SPF_SOFTFAIL:
	case AM_SPF_NEUTRAL:
		return AM_SPF_NOMATCH;
	case AM_SPF_NONE:
		return am_spf_abort(ev, AM_SPF_PERMERROR,
		    AM_SPF_R_INCLUDE_NONE, "include:%.120s: no SPF record",
		    name);
	default:
		ev->abort = v;
		return AM_SPF_ABORT;
	}
}

static int
am_spf_ip_match(const struct am_spf_eval *ev, const struct am_spf_term *t)
{
	if ((t->mech == AM_SPF_MECH_IP6) != ev->v6)
		return 0;			/* own family only (5.6) */
	return am_spf_prefix_eq(t->addr, ev->ip, ev->v6 ? t->cidr6 : t->cidr4);
}

static enum am_spf_match
am_spf_mech(struct am_spf_eval *ev, const struct am_spf_term *t,
    const char *d)
{
	char	 name[AM_SPF_NAME_BUF];
	int	 ok;

	switch (t->mech) {
	case AM_SPF_MECH_ALL:
		return AM_SPF_MATCHED;
	case AM_SPF_MECH_IP4:
	case AM_SPF_MECH_IP6:
		return am_spf_ip_match(ev, t) ? AM_SPF_MATCHED :
		    AM_SPF_NOMATCH;
	default:
		break;
	}
	if (am_spf_count_lookup(ev, t->text, t->text_len) == -1)
		return AM_SPF_ABORT;
	ok = am_spf_target(ev, t->spec, t->spec_len, d, name, sizeof(name));
	if (t->mech == AM_SPF_MECH_INCLUDE)
		return am_spf_mech_include(ev, name);
	if (!ok)
		return AM_SPF_NOMATCH;		/* no such name: no query */
	switch (t->mech) {
	case AM_SPF_MECH_A:
		return am_spf_mech_a(ev, t, name);
	case AM_SPF_MECH_MX:
		return am_spf_mech_mx(ev, t, name);
	case AM_SPF_MECH_PTR:
		return am_spf_mech_ptr(ev, name);
	default:
		return am_spf_mech_exists(ev, name);
	}
}

/* ------------------------------------------------------------ records */

/*
 * am_spf_fetch - the one SPF record of d (4.4, 4.5).  Returns 0 with
 * the record in txt/len, or -1 with the verdict to give in *v.
 */
static int
am_spf_fetch(struct am_spf_eval *ev, const char *d, const char **txt,
    size_t *len, enum am_spf_verdict *v)
{
	const struct am_dns_result	*res = am_spf_dns(ev, d, AM_DNS_TXT);
	size_t				 i, n = 0;

	if (res->status != AM_DNS_OK && res->status != AM_DNS_NODATA &&
	    res->status != AM_DNS_NXDOMAIN) {
		(void)am_spf_dns_error(ev, d, AM_DNS_TXT, res->status);
		*v = AM_SPF_TEMPERROR;
		return -1;
	}
	for (i = 0; i < res->n; i++)
		if (am_spf_record_is_spf(res->rr[i].txt, res->rr[i].txt_len)) {
			*txt = res->rr[i].txt;
			*len = res->rr[i].txt_len;
			n++;
		}
	if (n == 1)
		return 0;
	if (n == 0) {
		am_spf_why(ev, AM_SPF_R_NO_RECORD, "%.120s: no SPF record", d);
		*v = AM_SPF_NONE;
	} else {
		am_spf_why(ev, AM_SPF_R_MULTIPLE, "%.120s: %zu SPF records",
		    d, n);
		*v = AM_SPF_PERMERROR;
	}
	return -1;
}

/* am_spf_decided - a mechanism matched; note it if it decides the result */

static void
am_spf_decided(struct am_spf_eval *ev, const struct am_spf_record *rec,
    const struct am_spf_term *t, const char *d)
{
	if (ev->include_depth > 0)
		return;
	(void)snprintf(ev->out->mechanism, sizeof(ev->out->mechanism),
	    "%.*s", (int)t->text_len, t->text);
	am_spf_why(ev, AM_SPF_R_MATCH, "%.60s matched in %.90s",
	    ev->out->mechanism, d);
	if (t->qual != AM_SPF_FAIL)
		return;
	/* 6.2: the exp= of the record that decided (never an include's) */
	ev->exp_set = 1;
	free(ev->exp_spec);
	ev->exp_spec = rec->exp != NULL ? am_strndup(rec->exp, rec->exp_len) :
	    NULL;
	(void)snprintf(ev->exp_domain, sizeof(ev->exp_domain), "%s", d);
}

/* redirect (6.1): only when nothing matched; none is permerror */
static enum am_spf_verdict
am_spf_redirect(struct am_spf_eval *ev, const struct am_spf_record *rec,
    const char *d)
{
	static const size_t	 kw = sizeof("redirect=") - 1;
	char			 name[AM_SPF_NAME_BUF];
	enum am_spf_verdict	 v;

	if (am_spf_count_lookup(ev, rec->redirect - kw,
	    rec->redirect_len + kw) == -1)
		return ev->abort;
	(void)am_spf_target(ev, rec->redirect, rec->redirect_len, d, name,
	    sizeof(name));
	v = am_spf_host(ev, name);
	if (v != AM_SPF_NONE)
		return v;
	(void)am_spf_abort(ev, AM_SPF_PERMERROR, AM_SPF_R_REDIRECT_NONE,
	    "redirect=%.120s: no SPF record", name);
	return AM_SPF_PERMERROR;
}

static enum am_spf_verdict
am_spf_record_eval(struct am_spf_eval *ev, const struct am_spf_record *rec,
    const char *d)
{
	const struct am_spf_term	*t;
	size_t				 i;

	for (i = 0; i < rec->nterms; i++) {
		t = &rec->terms[i];
		switch (am_spf_mech(ev, t, d)) {
		case AM_SPF_ABORT:
			return ev->abort;
		case AM_SPF_MATCHED:
			am_spf_decided(ev, rec, t, d);
			return t->qual;
		case AM_SPF_NOMATCH:
			break;
		}
	}
	if (rec->redirect != NULL && !rec->has_all)
		return am_spf_redirect(ev, rec, d);
	if (ev->include_depth == 0) {
		ev->out->mechanism[0] = '\0';
		am_spf_why(ev, AM_SPF_R_DEFAULT, "nothing matched in %.120s",
		    d);
	}
	return AM_SPF_NEUTRAL;				/* 4.7 */
}

/* am_spf_host - check_host() for one <domain> (4.3 to 4.7) */

static enum am_spf_verdict
am_spf_host(struct am_spf_eval *ev, const char *domain)
{
	char			 d[AM_SPF_DOMAIN_MAX + 2];
	struct am_spf_record	 rec;
	struct am_err		 err;
	enum am_spf_verdict	 v;
	const char		*txt = NULL;
	size_t			 len = 0;

	if (!am_spf_domain(domain, d, sizeof(d))) {
		am_spf_why(ev, AM_SPF_R_BAD_DOMAIN,
		    "'%.120s' is not a usable domain", domain);
		return AM_SPF_NONE;
	}
	if (ev->depth >= AM_SPF_DEPTH_MAX) {
		(void)am_spf_abort(ev, AM_SPF_PERMERROR, AM_SPF_R_DEPTH,
		    "nested too deep at %.120s", d);
		return AM_SPF_PERMERROR;
	}
	if (am_spf_fetch(ev, d, &txt, &len, &v) == -1)
		return v;
	am_err_clear(&err);
	if (am_spf_record_parse(txt, len, &rec, &err) == -1) {
		am_spf_why(ev, AM_SPF_R_SYNTAX, "%.60s: %s", d, err.msg);
		return AM_SPF_PERMERROR;
	}
	ev->depth++;
	v = am_spf_record_eval(ev, &rec, d);
	ev->depth--;
	am_spf_record_release(&rec);
	return v;
}

/* ------------------------------------------------------------ explanation */

#define AM_SPF_EXP_SCRATCH	65536

/* am_spf_exp_fetch - 6.2: the exp= text, expanded, or -1 to use default */

static int
am_spf_exp_fetch(struct am_spf_eval *ev, const struct am_spf_macro_env *env,
    struct am_buf *b)
{
	const struct am_dns_result	*res;
	char				 name[AM_SPF_NAME_BUF];

	if (ev->exp_spec == NULL || !am_spf_target(ev, ev->exp_spec,
	    strlen(ev->exp_spec), env->d, name, sizeof(name)))
		return -1;
	res = am_spf_dns(ev, name, AM_DNS_TXT);
	if (res->status != AM_DNS_OK || res->n != 1 ||
	    am_spf_macro_check(res->rr[0].txt, res->rr[0].txt_len,
	    AM_SPF_MACRO_EXPLAIN, NULL) == -1)
		return -1;
	if (am_spf_macro_expand(env, res->rr[0].txt, res->rr[0].txt_len,
	    AM_SPF_MACRO_EXPLAIN, b, NULL) == -1 || b->len == 0)
		return -1;
	return 0;
}

static void
am_spf_explain(struct am_spf_eval *ev, const char *top)
{
	struct am_spf_macro_env	 env;
	struct am_buf		 b;
	const char		*def = ev->opts->default_exp;
	size_t			 i, n;

	am_buf_init(&b, AM_SPF_EXP_SCRATCH);
	am_spf_env(ev, ev->exp_set ? ev->exp_domain : top, &env);
	if (am_spf_exp_fetch(ev, &env, &b) == -1) {
		am_buf_reset(&b);
		if (def == NULL || am_spf_macro_expand(&env, def, strlen(def),
		    AM_SPF_MACRO_EXPLAIN, &b, NULL) == -1) {
			am_buf_reset(&b);
			(void)am_spf_macro_expand(&env, AM_SPF_DEFAULT_EXP,
			    strlen(AM_SPF_DEFAULT_EXP), AM_SPF_MACRO_EXPLAIN,
			    &b, NULL);
		}
	}
	/* 6.2: US-ASCII only; it goes into an SMTP reply */
	n = b.len < AM_SPF_EXP_MAX - 1 ? b.len : AM_SPF_EXP_MAX - 1;
	for (i = 0; i < n; i++)
		ev->out->explanation[i] = b.data[i] < 0x20 ||
		    b.data[i] >= 0x7f ? '?' : (char)b.data[i];
	ev->out->explanation[n] = '\0';
	am_buf_release(&b);
}

/* ------------------------------------------------------------ identities */

/*
 * am_spf_sender - <sender> and its parts (4.3): the domain after the
 * last '@', "postmaster" for a missing or empty local-part.
 */
static void
am_spf_sender(struct am_spf_eval *ev, const char *sender)
{
	const char	*at = strrchr(sender, '@');
	size_t		 ln = at != NULL ? (size_t)(at - sender) : 0;
	const char	*dom = at != NULL ? at + 1 : sender;

	if (ln == 0)
		am_spf_copy(ev->l, sizeof(ev->l), "postmaster", 10);
	else
		am_spf_copy(ev->l, sizeof(ev->l), sender, ln);
	am_spf_copy(ev->o, sizeof(ev->o), dom, strlen(dom));
	ln = strlen(ev->l);
	am_spf_copy(ev->s, sizeof(ev->s), ev->l, ln);
	am_spf_copy(ev->s + ln, sizeof(ev->s) - ln, "@", 1);
	am_spf_copy(ev->s + ln + 1, sizeof(ev->s) - ln - 1, ev->o,
	    strlen(ev->o));
}

static int
am_spf_run(struct am_dns *dns, const struct am_spf_opts *opts, const char *ip,
    const char *domain, const char *sender, const char *helo,
    struct am_spf_result *out, struct am_err *err)
{
	struct am_spf_opts	 defaults;
	struct am_spf_eval	*ev;
	enum am_spf_verdict	 v;

	if (opts == NULL) {
		am_spf_opts_init(&defaults);
		opts = &defaults;
	}
	if (strlen(sender) > AM_SPF_IDENTITY_MAX ||
	    (helo != NULL && strlen(helo) > AM_SPF_IDENTITY_MAX))
		return am_err_set(err, AM_E_LIMIT,
		    "identity over %d octets", AM_SPF_IDENTITY_MAX);
	ev = am_malloc(sizeof(*ev));
	if (am_spf_eval_init(ev, dns, opts, ip, out, err) == -1) {
		free(ev);
		return -1;
	}
	am_spf_sender(ev, sender);
	ev->helo = helo;
	if (out->identity == AM_SPF_ID_MAILFROM)
		am_spf_copy(out->sender, sizeof(out->sender), ev->s,
		    strlen(ev->s));
	am_spf_copy(out->domain, sizeof(out->domain), domain, strlen(domain));
	v = am_spf_host(ev, domain);
	if (ev->expired) {
		v = AM_SPF_TEMPERROR;
		am_spf_why(ev, AM_SPF_R_BUDGET, "time budget of %u ms spent",
		    opts->budget_ms ? opts->budget_ms : AM_SPF_BUDGET_MS);
	}
	out->verdict = v;
	if (v == AM_SPF_FAIL)
		am_spf_explain(ev, domain);
	out->lookups = ev->lookups;
	out->voids = ev->voids;
	out->queries = ev->queries;
	am_spf_eval_release(ev);
	free(ev);
	return 0;
}

static void
am_spf_result_init(struct am_spf_result *out, enum am_spf_identity id)
{
	memset(out, 0, sizeof(*out));
	out->identity = id;
}

int
am_spf_check_host(struct am_dns *dns, const struct am_spf_opts *opts,
    const struct am_spf_request *rq, struct am_spf_result *out,
    struct am_err *err)
{
	am_spf_result_init(out, AM_SPF_ID_MAILFROM);
	if (rq->domain == NULL || rq->sender == NULL)
		return am_err_set(err, AM_E_USAGE, "no domain or sender");
	return am_spf_run(dns, opts, rq->ip, rq->domain, rq->sender, rq->helo,
	    out, err);
}

/* Neither identity: none, but still refuse an unusable address. */
static int
am_spf_no_identity(const struct am_spf_opts *opts, const char *ip,
    struct am_spf_result *out, struct am_err *err)
{
	struct am_spf_opts	 defaults;
	struct am_spf_eval	*ev = am_malloc(sizeof(*ev));
	int			 rc;

	if (opts == NULL) {
		am_spf_opts_init(&defaults);
		opts = &defaults;
	}
	rc = am_spf_eval_init(ev, NULL, opts, ip, out, err);
	if (rc == 0)
		am_spf_why(ev, AM_SPF_R_NO_IDENTITY, "no sender and no HELO");
	am_spf_eval_release(ev);
	free(ev);
	out->verdict = AM_SPF_NONE;
	return rc;
}

int
am_spf_check_mailfrom(struct am_dns *dns, const struct am_spf_opts *opts,
    const struct am_spf_request *rq, struct am_spf_result *out,
    struct am_err *err)
{
	char		 buf[AM_SPF_IDENTITY_MAX + 16];
	const char	*at, *ip = rq->ip, *helo = rq->helo;
	const char	*sender = rq->sender;

	am_spf_result_init(out, AM_SPF_ID_MAILFROM);
	if (sender == NULL || *sender == '\0') {
		/* 2.4: the null sender is checked as postmaster@HELO */
		if (helo == NULL || *helo == '\0')
			return am_spf_no_identity(opts, ip, out, err);
		if (strlen(helo) > AM_SPF_IDENTITY_MAX)
			return am_err_set(err, AM_E_LIMIT,
			    "HELO over %d octets", AM_SPF_IDENTITY_MAX);
		(void)snprintf(buf, sizeof(buf), "postmaster@%s", helo);
		sender = buf;
	}
	at = strrchr(sender, '@');
	return am_spf_run(dns, opts, ip, at != NULL ? at + 1 : sender, sender,
	    helo, out, err);
}

int
am_spf_check_helo(struct am_dns *dns, const struct am_spf_opts *opts,
    const struct am_spf_request *rq, struct am_spf_result *out,
    struct am_err *err)
{
	char		 buf[AM_SPF_IDENTITY_MAX + 16];
	const char	*ip = rq->ip, *helo = rq->helo;

	am_spf_result_init(out, AM_SPF_ID_HELO);
	if (helo == NULL || *helo == '\0')
		return am_spf_no_identity(opts, ip, out, err);
	if (strlen(helo) > AM_SPF_IDENTITY_MAX)
		return am_err_set(err, AM_E_LIMIT, "HELO over %d octets",
		    AM_SPF_IDENTITY_MAX);
	am_spf_copy(out->sender, sizeof(out->sender), helo, strlen(helo));
	(void)snprintf(buf, sizeof(buf), "postmaster@%s", helo);
	return am_spf_run(dns, opts, ip, helo, buf, helo, out, err);
}

/* ------------------------------------------------------------ output */

void
am_spf_result_authres(const struct am_spf_result *r, struct am_authres *ar)
{
	am_authres_method(ar, "spf", am_spf_verdict_name(r->verdict));
	if (r->sender[0] != '\0')
		am_authres_prop(ar, "smtp", r->identity == AM_SPF_ID_HELO ?
		    "helo" : "mailfrom", r->sender);
	if ((r->verdict == AM_SPF_TEMPERROR ||
	    r->verdict == AM_SPF_PERMERROR) && r->reason_text[0] != '\0')
		am_authres_comment(ar, r->reason_text);
}
