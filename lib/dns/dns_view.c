/*
 * dns_view - one message's view of the shared resolver (see dns.h,
 * am_dns_message_new)
 *
 * A view is a struct am_dns like any other, so SPF, DKIM and DMARC use
 * it without knowing.  It adds two things in front of the resolver it
 * wraps: one time budget for every lookup of the message, whatever
 * method asks, and a memory of the questions that failed (SERVFAIL,
 * TIMEOUT, FORMERR) so that the message never waits twice for the same
 * broken name.  Answers that worked are the shared cache's business.
 *
 * The budget is time spent waiting for DNS, not time since MAIL FROM:
 * a client that takes a minute to send a large message must not find
 * the budget gone at the end of it.  Each call may wait what is left,
 * and what it waited is taken off.
 */

#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "dns_impl.h"
#include "mem.h"

#define AM_DNS_VIEW_FAILS	64	/* failed questions remembered */

struct am_dns_view_fail {
	enum am_dns_type	 type;
	enum am_dns_status	 status;
	char			 name[AM_DNS_NAME_MAX + 1];
};

struct am_dns_view {
	struct am_dns		 base;		/* first: we cast from it */
	struct am_dns		*shared;
	uint64_t		 budget;	/* ms; 0: none */
	uint64_t		 spent;		/* ms waited so far */
	struct am_dns_view_fail	*fail;		/* AM_DNS_VIEW_FAILS */
	size_t			 nfail, next;
};

static void	am_dns_view_resolve(struct am_dns *, struct am_dns_job **,
		    size_t, uint64_t);
static void	am_dns_view_destroy(struct am_dns *);

static const struct am_dns_ops am_dns_view_ops = {
	"view",
	NULL,
	am_dns_view_resolve,
	am_dns_view_destroy,
};

static int
am_dns_failed(enum am_dns_status st)
{
	return st == AM_DNS_SERVFAIL || st == AM_DNS_TIMEOUT ||
	    st == AM_DNS_FORMERR || st == AM_DNS_REFUSED;
}

static const struct am_dns_view_fail *
am_dns_view_find(const struct am_dns_view *v, const struct am_dns_query *q)
{
	size_t	 i;

	for (i = 0; i < v->nfail; i++)
		if (v->fail[i].type == q->type &&
		    strcmp(v->fail[i].name, q->text) == 0)
			return &v->fail[i];
	return NULL;
}

/* Remembers a failure; when full, the oldest entry makes room. */

static void
am_dns_view_remember(struct am_dns_view *v, const struct am_dns_query *q,
    enum am_dns_status st)
{
	struct am_dns_view_fail	*f;

	if (am_dns_view_find(v, q) != NULL)
		return;
	if (v->fail == NULL)
		v->fail = am_calloc(AM_DNS_VIEW_FAILS, sizeof(*v->fail));
	f = &v->fail[v->next];
	v->next = (v->next + 1) % AM_DNS_VIEW_FAILS;
	if (v->nfail < AM_DNS_VIEW_FAILS)
		v->nfail++;
	f->type = q->type;
	f->status = st;
	memcpy(f->name, q->text, sizeof(f->name));
}

static void
am_dns_view_resolve(struct am_dns *dns, struct am_dns_job **jobs, size_t n,
    uint64_t deadline)
{
	struct am_dns_view		*v = (struct am_dns_view *)dns;
	const struct am_dns_view_fail	*f;
	struct am_dns_job		**todo;
	uint64_t			 now = am_dns_now(), mine;
	size_t				 i, m = 0;
	int				 spent;

	spent = v->budget != 0 && v->spent >= v->budget;
	if (v->budget != 0 && !spent) {
		mine = now + (v->budget - v->spent);
		if (deadline == 0 || mine < deadline)
			deadline = mine;
	}
	todo = am_calloc(n, sizeof(*todo));
	for (i = 0; i < n; i++) {
		if ((f = am_dns_view_find(v, &jobs[i]->q)) != NULL)
			jobs[i]->res->status = f->status;
		else if (spent || (deadline != 0 && now >= deadline))
			jobs[i]->res->status = AM_DNS_TIMEOUT;
		else
			todo[m++] = jobs[i];
	}
	if (m > 0) {
		__atomic_add_fetch(&v->shared->queries, m, __ATOMIC_RELAXED);
		am_dns_resolve(v->shared, todo, m, deadline);
		v->spent += am_dns_now() - now;
	}
	for (i = 0; i < m; i++)
		if (am_dns_failed(todo[i]->res->status))
			am_dns_view_remember(v, &todo[i]->q,
			    todo[i]->res->status);
	free(todo);
}

struct am_dns *
am_dns_message_new(struct am_dns *shared, unsigned budget_ms)
{
	struct am_dns_view	*v;

	if (shared == NULL)
		return NULL;
	v = am_calloc(1, sizeof(*v));
	v->base.ops = &am_dns_view_ops;
	v->shared = shared;
	v->budget = budget_ms;
	return &v->base;
}

unsigned
am_dns_message_left_ms(const struct am_dns *dns)
{
	const struct am_dns_view	*v;

	if (dns == NULL || dns->ops != &am_dns_view_ops)
		return 0;
	v = (const struct am_dns_view *)dns;
	if (v->budget == 0)
		return ~0u;
	return v->spent >= v->budget ? 0 : (unsigned)(v->budget - v->spent);
}

static void
am_dns_view_destroy(struct am_dns *dns)
{
	struct am_dns_view	*v = (struct am_dns_view *)dns;

	free(v->fail);
	free(v);
}
