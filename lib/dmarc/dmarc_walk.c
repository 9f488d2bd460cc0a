/*
 * dmarc_walk - the DNS Tree Walk (RFC 9989 4.10) and the selection of
 * an Organizational Domain from one walk (4.10.2), on a per-evaluation
 * cache of _dmarc answers
 *
 * Each walk starts at a name S and asks _dmarc.S, then the suffixes of
 * S of min(labels - 1, 7) labels, down to the single-label TLD: at most
 * AM_DMARC_WALK_MAX queries whatever the length of S.  It stops early
 * on a single record carrying psd=y or psd=n, and on a DNS error or
 * the end of the time budget (then it is incomplete and yields no
 * Organizational Domain).  Answers are cached by name for the whole
 * evaluation; a cache hit costs no query.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "dmarc_impl.h"
#include "domain.h"
#include "mem.h"

static uint64_t
am_dmarc_clock(const struct am_dmarc_opts *o)
{
	return am_clock_ms(o->clock_ms, o->clock_ctx);
}

void
am_dmarc_ctx_init(struct am_dmarc_ctx *ctx, struct am_dns *dns,
    const struct am_dmarc_opts *opts)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->dns = dns;
	ctx->opts = opts;
	ctx->deadline = am_dmarc_clock(opts) +
	    (opts->budget_ms ? opts->budget_ms : AM_DMARC_BUDGET_MS);
}

void
am_dmarc_ctx_release(struct am_dmarc_ctx *ctx)
{
	free(ctx->cache);
	ctx->cache = NULL;
	ctx->ncache = ctx->capcache = 0;
}

void
am_dmarc_why(struct am_dmarc_ctx *ctx, const char *fmt, ...)
{
	va_list	 ap;

	if (ctx->why == NULL)
		return;
	va_start(ap, fmt);
	(void)am_buf_vprintf(ctx->why, fmt, ap);
	va_end(ap);
	(void)am_buf_appendc(ctx->why, '\n');
}

unsigned
am_dmarc_labels(const char *d)
{
	unsigned	 n = 1;

	for (; *d != '\0'; d++)
		n += *d == '.';
	return n;
}

const char *
am_dmarc_suffix(const char *d, unsigned n)
{
	unsigned	 have = am_dmarc_labels(d);

	while (have > n && (d = strchr(d, '.')) != NULL) {
		d++;
		have--;
	}
	return d;
}

/* am_dmarc_spent - is the time budget gone?  (Sticky.) */

static int
am_dmarc_spent(struct am_dmarc_ctx *ctx)
{
	if (!ctx->expired && am_dmarc_clock(ctx->opts) >= ctx->deadline)
		ctx->expired = 1;
	return ctx->expired;
}

enum am_dns_status
am_dmarc_ask(struct am_dmarc_ctx *ctx, const char *name, enum am_dns_type t)
{
	struct am_dns_result	 res;
	enum am_dns_status	 st;

	if (am_dmarc_spent(ctx))
		return AM_DNS_TIMEOUT;
	st = am_dns_lookup(ctx->dns, name, t, &res);
	am_dns_result_release(&res);
	ctx->queries++;
	return st;
}

/* am_dmarc_fill - keep the records of res that start with v=DMARC1 */

static void
am_dmarc_fill(struct am_dmarc_cent *ce, const struct am_dns_result *res)
{
	size_t	 i;

	for (i = 0; i < res->n; i++) {
		if (res->rr[i].type != AM_DNS_TXT || res->rr[i].txt == NULL ||
		    !am_dmarc_rec_is_dmarc(res->rr[i].txt, res->rr[i].txt_len))
			continue;
		if (++ce->ndmarc == 1)
			(void)am_dmarc_rec_parse(res->rr[i].txt,
			    res->rr[i].txt_len, &ce->rec, NULL);
	}
	if (ce->ndmarc != 1)
		memset(&ce->rec, 0, sizeof(ce->rec));
}

static size_t
am_dmarc_cache_add(struct am_dmarc_ctx *ctx, const char *name)
{
	struct am_dmarc_cent	*ce;

	if (ctx->ncache == ctx->capcache) {
		ctx->capcache = ctx->capcache ? ctx->capcache * 2 : 16;
		ctx->cache = am_realloc(ctx->cache,
		    ctx->capcache * sizeof(*ctx->cache));
	}
	ce = &ctx->cache[ctx->ncache];
	memset(ce, 0, sizeof(*ce));
	(void)snprintf(ce->name, sizeof(ce->name), "%s", name);
	return ctx->ncache++;
}

size_t
am_dmarc_lookup(struct am_dmarc_ctx *ctx, const char *name)
{
	struct am_dns_result	 res;
	struct am_dmarc_cent	*ce;
	char			 q[AM_DMARC_DOMAIN_MAX + 8];
	size_t			 i;

	for (i = 0; i < ctx->ncache; i++)
		if (am_domain_eq(ctx->cache[i].name, name))
			return i;
	i = am_dmarc_cache_add(ctx, name);
	ce = &ctx->cache[i];
	if (strlen(name) + 7 > AM_DMARC_DOMAIN_MAX) {
		/* _dmarc.<name> cannot be a DNS name: nothing there. */
		ce->status = AM_DNS_NXDOMAIN;
		return i;
	}
	if (am_dmarc_spent(ctx)) {
		ce->status = AM_DNS_TIMEOUT;
		return i;
	}
	(void)snprintf(q, sizeof(q), "_dmarc.%s", name);
	ce->status = am_dns_lookup(ctx->dns, q, AM_DNS_TXT, &res);
	ce->asked = 1;
	ctx->queries++;
	if (ce->status == AM_DNS_OK)
		am_dmarc_fill(ce, &res);
	am_dns_result_release(&res);
	return i;
}

static int
am_dmarc_dns_failed(enum am_dns_status st)
{
	return st == AM_DNS_SERVFAIL || st == AM_DNS_TIMEOUT ||
	    st == AM_DNS_FORMERR || st == AM_DNS_REFUSED;
}

/* am_dmarc_trace_step - one line per walk step */

static void
am_dmarc_trace_step(struct am_dmarc_ctx *ctx, const char *start,
    const struct am_dmarc_cent *ce, int cached)
{
	char	 rec[512];

	if (am_dmarc_dns_failed(ce->status))
		am_dmarc_why(ctx, "walk %s: _dmarc.%s: %s%s", start, ce->name,
		    ctx->expired && !ce->asked ? "time budget spent" :
		    am_dns_status_name(ce->status), cached ? " (cached)" : "");
	else if (ce->ndmarc == 1) {
		am_dmarc_rec_format(&ce->rec, rec, sizeof(rec));
		am_dmarc_why(ctx, "walk %s: _dmarc.%s: record \"%s\"%s", start,
		    ce->name, rec, cached ? " (cached)" : "");
	} else if (ce->ndmarc > 1)
		am_dmarc_why(ctx, "walk %s: _dmarc.%s: %u DMARC records, all "
		    "discarded%s", start, ce->name, ce->ndmarc,
		    cached ? " (cached)" : "");
	else
		am_dmarc_why(ctx, "walk %s: _dmarc.%s: no DMARC record (%s)%s",
		    start, ce->name, ce->asked || cached ?
		    am_dns_status_name(ce->status) : "name too long",
		    cached ? " (cached)" : "");
}

/* am_dmarc_org - the Organizational Domain of a complete walk (4.10.2) */

static void
am_dmarc_org(const struct am_dmarc_ctx *ctx, struct am_dmarc_walk *w)
{
	const struct am_dmarc_cent	*ce;
	const char			*fewest = NULL;
	unsigned			 i;

	for (i = 0; i < w->nstep; i++) {
		ce = &ctx->cache[w->step[i]];
		if (ce->ndmarc != 1)
			continue;
		fewest = ce->name;
		if (ce->rec.psd == AM_DMARC_PSD_N) {
			(void)snprintf(w->org, sizeof(w->org), "%s", ce->name);
			w->org_rule = "psd=n";
			return;
		}
		if (ce->rec.psd == AM_DMARC_PSD_Y && i > 0) {
			/* Rebuilt from the start: the name one label below
			 * may never have been queried (8-label shortcut). */
			(void)snprintf(w->org, sizeof(w->org), "%s",
			    am_dmarc_suffix(w->start,
			    am_dmarc_labels(ce->name) + 1));
			w->org_rule = "one label below psd=y";
			return;
		}
	}
	(void)snprintf(w->org, sizeof(w->org), "%s",
	    fewest != NULL ? fewest : w->start);
	w->org_rule = fewest != NULL ? "fewest labels" : "no records";
}

void
am_dmarc_walk(struct am_dmarc_ctx *ctx, const char *start,
    struct am_dmarc_walk *w)
{
	const struct am_dmarc_cent	*ce;
	const char			*t = start;
	unsigned			 n = am_dmarc_labels(start);
	size_t				 i, before;

	memset(w, 0, sizeof(*w));
	(void)snprintf(w->start, sizeof(w->start), "%s", start);
	for (;;) {
		before = ctx->queries;
		i = am_dmarc_lookup(ctx, t);
		ce = &ctx->cache[i];
		w->step[w->nstep++] = i;
		am_dmarc_trace_step(ctx, start, ce, before == ctx->queries &&
		    ce->asked);
		if (am_dmarc_dns_failed(ce->status)) {
			w->end = ctx->expired && !ce->asked ?
			    AM_DMARC_WALK_BUDGET : AM_DMARC_WALK_DNS;
			w->fail_status = ce->status;
			return;
		}
		if (ce->ndmarc == 1 && ce->rec.psd != AM_DMARC_PSD_U) {
			w->end = AM_DMARC_WALK_PSD;
			break;
		}
		if (n == 1 || w->nstep == AM_DMARC_WALK_MAX) {
			w->end = AM_DMARC_WALK_DONE;
			break;
		}
		n = n - 1 < 7 ? n - 1 : 7;
		t = am_dmarc_suffix(start, n);
	}
	am_dmarc_org(ctx, w);
	am_dmarc_why(ctx, "walk %s: organizational domain %s (%s)", start,
	    w->org, w->org_rule);
}

int
am_dmarc_walk_complete(const struct am_dmarc_walk *w)
{
	return w->end == AM_DMARC_WALK_DONE || w->end == AM_DMARC_WALK_PSD;
}

const struct am_dmarc_cent *
am_dmarc_walk_cent(const struct am_dmarc_ctx *ctx,
    const struct am_dmarc_walk *w, unsigned i)
{
	return i < w->nstep ? &ctx->cache[w->step[i]] : NULL;
}
