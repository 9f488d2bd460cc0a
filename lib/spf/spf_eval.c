/*
 * spf_eval - the machinery under one SPF evaluation: the client
 * address, DNS answers reused within the evaluation, the time budget,
 * the lookup and void-lookup limits, the macro environment and %{p}
 *
 * Every query goes through am_spf_dns(): it answers from the answers
 * already fetched by this evaluation, and once the budget is spent it
 * answers TIMEOUT without asking, marking the evaluation expired (the
 * caller turns that into temperror at the end, whatever a mechanism
 * made of the TIMEOUT on the way).
 */

#include <arpa/inet.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mem.h"
#include "clock.h"
#include "spf_impl.h"

static uint64_t
am_spf_clock(const struct am_spf_opts *o)
{
	return am_clock_ms(o->clock_ms, o->clock_ctx);
}

/* am_spf_ip_names - %{i}, %{c} and the PTR query name for the address */

static void
am_spf_ip_names(struct am_spf_eval *ev)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*a = ev->ip;
	size_t			 k, o = 0, r = 0;

	if (!ev->v6) {
		(void)snprintf(ev->ip_i, sizeof(ev->ip_i), "%u.%u.%u.%u",
		    a[0], a[1], a[2], a[3]);
		(void)snprintf(ev->ip_c, sizeof(ev->ip_c), "%u.%u.%u.%u",
		    a[0], a[1], a[2], a[3]);
		(void)snprintf(ev->rev, sizeof(ev->rev),
		    "%u.%u.%u.%u.in-addr.arpa", a[3], a[2], a[1], a[0]);
		return;
	}
	for (k = 0; k < 32; k++) {
		/* %{i}: nibbles, most significant first (7.3) */
		ev->ip_i[o++] = hex[(a[k / 2] >> (k % 2 ? 0 : 4)) & 15];
		ev->ip_i[o++] = k < 31 ? '.' : '\0';
		/* PTR name: least significant nibble first */
		ev->rev[r++] = hex[(a[15 - k / 2] >> (k % 2 ? 4 : 0)) & 15];
		ev->rev[r++] = '.';
	}
	memcpy(ev->rev + r, "ip6.arpa", sizeof("ip6.arpa"));
	if (inet_ntop(AF_INET6, ev->ip, ev->ip_c, sizeof(ev->ip_c)) == NULL)
		ev->ip_c[0] = '\0';
}

static int
am_spf_ip_parse(struct am_spf_eval *ev, const char *ip, struct am_err *err)
{
	static const unsigned char mapped[12] =
	    { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	unsigned char	 a6[16];

	if (ip == NULL)
		return am_err_set(err, AM_E_USAGE, "no client address");
	if (inet_pton(AF_INET, ip, ev->ip) == 1) {
		ev->v6 = 0;
	} else if (inet_pton(AF_INET6, ip, a6) == 1) {
		/* 4.1: an IPv4-mapped IPv6 client is an IPv4 client */
		ev->v6 = memcmp(a6, mapped, sizeof(mapped)) != 0;
		if (ev->v6)
			memcpy(ev->ip, a6, 16);
		else
			memcpy(ev->ip, a6 + 12, 4);
	} else
		return am_err_set(err, AM_E_USAGE,
		    "'%.60s' is not an IP address", ip);
	am_spf_ip_names(ev);
	return 0;
}

int
am_spf_eval_init(struct am_spf_eval *ev, struct am_dns *dns,
    const struct am_spf_opts *opts, const char *ip, struct am_spf_result *out,
    struct am_err *err)
{
	memset(ev, 0, sizeof(*ev));
	ev->dns = dns;
	ev->opts = opts;
	ev->out = out;
	ev->timeout_res.status = AM_DNS_TIMEOUT;
	if (am_spf_ip_parse(ev, ip, err) == -1)
		return -1;
	(void)snprintf(ev->t, sizeof(ev->t), "%lld", (long long)(opts->now ?
	    opts->now : time(NULL)));
	ev->deadline = am_spf_clock(opts) +
	    (opts->budget_ms ? opts->budget_ms : AM_SPF_BUDGET_MS);
	return 0;
}

void
am_spf_eval_release(struct am_spf_eval *ev)
{
	size_t	 i;

	for (i = 0; i < ev->ncache; i++) {
		am_dns_result_release(&ev->cache[i]->res);
		free(ev->cache[i]->name);
		free(ev->cache[i]);
	}
	free(ev->cache);
	for (i = 0; i < ev->np; i++)
		free(ev->p_names[i]);
	free(ev->exp_spec);
	ev->cache = NULL;
	ev->ncache = ev->np = 0;
	ev->exp_spec = NULL;
}

static int
am_spf_lc(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
am_spf_name_eq(const char *a, const char *b)
{
	for (; *a != '\0' && am_spf_lc((unsigned char)*a) ==
	    am_spf_lc((unsigned char)*b); a++, b++)
		;
	return *a == '\0' && *b == '\0';
}

const struct am_dns_result *
am_spf_dns(struct am_spf_eval *ev, const char *name, enum am_dns_type type)
{
	struct am_spf_answer	*a;
	size_t			 i;

	for (i = 0; i < ev->ncache; i++)
		if (ev->cache[i]->type == type &&
		    am_spf_name_eq(ev->cache[i]->name, name))
			return &ev->cache[i]->res;
	if (ev->expired || am_spf_clock(ev->opts) >= ev->deadline) {
		ev->expired = 1;
		return &ev->timeout_res;
	}
	a = am_malloc(sizeof(*a));
	a->type = type;
	a->name = am_strdup(name);
	for (i = 0; a->name[i] != '\0'; i++)
		a->name[i] = (char)am_spf_lc((unsigned char)a->name[i]);
	(void)am_dns_lookup(ev->dns, name, type, &a->res);
	ev->queries++;
	ev->cache = am_realloc(ev->cache, (ev->ncache + 1) *
	    sizeof(*ev->cache));
	ev->cache[ev->ncache++] = a;
	return &a->res;
}

void
am_spf_why(struct am_spf_eval *ev, enum am_spf_reason why, const char *fmt,
    ...)
{
	va_list	 ap;

	ev->out->reason = why;
	va_start(ap, fmt);
	(void)vsnprintf(ev->out->reason_text, sizeof(ev->out->reason_text),
	    fmt, ap);
	va_end(ap);
}

enum am_spf_match
am_spf_abort(struct am_spf_eval *ev, enum am_spf_verdict v,
    enum am_spf_reason why, const char *fmt, ...)
{
	va_list	 ap;

	ev->abort = v;
	ev->out->reason = why;
	va_start(ap, fmt);
	(void)vsnprintf(ev->out->reason_text, sizeof(ev->out->reason_text),
	    fmt, ap);
	va_end(ap);
	return AM_SPF_ABORT;
}

static const char *
am_spf_type_name(enum am_dns_type t)
{
	switch (t) {
	case AM_DNS_A:		return "A";
	case AM_DNS_AAAA:	return "AAAA";
	case AM_DNS_TXT:	return "TXT";
	case AM_DNS_MX:		return "MX";
	case AM_DNS_PTR:	return "PTR";
	case AM_DNS_CNAME:	return "CNAME";
	case AM_DNS_NS:		return "NS";
	}
	return "?";
}

/* A query failed (SERVFAIL, timeout, bad answer): temperror (4.4, 5). */
enum am_spf_match
am_spf_dns_error(struct am_spf_eval *ev, const char *name,
    enum am_dns_type type, enum am_dns_status st)
{
	if (ev->expired)
		return am_spf_abort(ev, AM_SPF_TEMPERROR, AM_SPF_R_BUDGET,
		    "time budget spent before %s %.120s",
		    am_spf_type_name(type), name);
	return am_spf_abort(ev, AM_SPF_TEMPERROR, AM_SPF_R_DNS,
	    "%s %.120s: %s", am_spf_type_name(type), name,
	    am_dns_status_name(st));
}

/* 4.6.4: the 11th DNS-querying term is a permerror; -1 then. */
int
am_spf_count_lookup(struct am_spf_eval *ev, const char *term, size_t len)
{
	if (++ev->lookups <= AM_SPF_MAX_LOOKUPS)
		return 0;
	ev->lookups = AM_SPF_MAX_LOOKUPS;
	(void)am_spf_abort(ev, AM_SPF_PERMERROR, AM_SPF_R_LOOKUP_LIMIT,
	    "more than %d DNS-querying terms (at '%.*s')", AM_SPF_MAX_LOOKUPS,
	    (int)(len > 60 ? 60 : len), term);
	return -1;
}

/* 4.6.4: the 3rd void lookup is a permerror; -1 then. */
int
am_spf_count_void(struct am_spf_eval *ev, const char *name)
{
	if (++ev->voids <= AM_SPF_MAX_VOIDS)
		return 0;
	(void)am_spf_abort(ev, AM_SPF_PERMERROR, AM_SPF_R_VOID_LIMIT,
	    "more than %d void lookups (at %.120s)", AM_SPF_MAX_VOIDS, name);
	return -1;
}

int
am_spf_prefix_eq(const unsigned char *a, const unsigned char *b,
    unsigned bits)
{
	unsigned	 whole = bits / 8, rest = bits % 8;
	unsigned char	 mask;

	if (memcmp(a, b, whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (a[whole] & mask) == (b[whole] & mask);
}

/* Is the client in one of the addresses of res (OK), cidr bits wide? */
int
am_spf_addr_match(const struct am_spf_eval *ev,
    const struct am_dns_result *res, unsigned cidr)
{
	enum am_dns_type	 want = ev->v6 ? AM_DNS_AAAA : AM_DNS_A;
	size_t			 i;

	if (res->status != AM_DNS_OK)
		return 0;
	for (i = 0; i < res->n; i++)
		if (res->rr[i].type == want &&
		    am_spf_prefix_eq(res->rr[i].addr, ev->ip, cidr))
			return 1;
	return 0;
}

/* Can name be asked for: 1 to 253 octets, labels 1 to 63? */
int
am_spf_name_ok(const char *name)
{
	size_t	 len = strlen(name), lab = 0, i;

	if (len == 0 || len > AM_SPF_DOMAIN_MAX)
		return 0;
	for (i = 0; i <= len; i++) {
		if (i < len && name[i] != '.') {
			if (++lab > 63)
				return 0;
			continue;
		}
		if (lab == 0)
			return 0;
		lab = 0;
	}
	return 1;
}

/* Is name equal to dom or below it (case-insensitive)? */
int
am_spf_name_within(const char *name, const char *dom)
{
	size_t	 n = strlen(name), d = strlen(dom);

	if (n < d || (n > d && name[n - d - 1] != '.'))
		return 0;
	return am_spf_name_eq(name + n - d, dom);
}

/* ------------------------------------------------------------ %{p} */

/* The validated names of the client (5.5), once per evaluation. */
static void
am_spf_p_collect(struct am_spf_eval *ev)
{
	const struct am_dns_result	*ptr, *res;
	size_t				 i;

	ev->p_done = 1;
	ptr = am_spf_dns(ev, ev->rev, AM_DNS_PTR);
	if (ptr->status != AM_DNS_OK)
		return;				/* 7.3: "unknown" */
	for (i = 0; i < ptr->n && i < AM_SPF_MAX_NAMES; i++) {
		if (!am_spf_name_ok(ptr->rr[i].name))
			continue;
		res = am_spf_dns(ev, ptr->rr[i].name,
		    ev->v6 ? AM_DNS_AAAA : AM_DNS_A);
		if (am_spf_addr_match(ev, res, ev->v6 ? 128 : 32))
			ev->p_names[ev->np++] = am_strdup(ptr->rr[i].name);
	}
}

/* 7.3: <domain> itself, else a name below it, else any; "unknown". */
static const char *
am_spf_p(void *ctx, const char *d)
{
	struct am_spf_eval	*ev = ctx;
	const char		*pick = NULL;
	size_t			 i;

	if (!ev->p_done)
		am_spf_p_collect(ev);
	for (i = 0; i < ev->np && pick == NULL; i++)
		if (am_spf_name_eq(ev->p_names[i], d))
			pick = ev->p_names[i];
	for (i = 0; i < ev->np && pick == NULL; i++)
		if (am_spf_name_within(ev->p_names[i], d))
			pick = ev->p_names[i];
	if (pick == NULL && ev->np > 0)
		pick = ev->p_names[0];
	if (pick == NULL)
		return "unknown";
	(void)snprintf(ev->p_buf, sizeof(ev->p_buf), "%s", pick);
	return ev->p_buf;
}

void
am_spf_env(struct am_spf_eval *ev, const char *d, struct am_spf_macro_env *env)
{
	memset(env, 0, sizeof(*env));
	env->s = ev->s;
	env->l = ev->l;
	env->o = ev->o;
	env->d = d;
	env->i = ev->ip_i;
	env->c = ev->ip_c;
	env->v = ev->v6 ? "ip6" : "in-addr";
	env->h = ev->helo != NULL ? ev->helo : "";
	env->r = ev->opts->receiver != NULL ? ev->opts->receiver : "unknown";
	env->t = ev->t;
	env->p = am_spf_p;
	env->p_ctx = ev;
}
