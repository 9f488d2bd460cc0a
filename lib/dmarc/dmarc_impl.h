#ifndef AM_DMARC_IMPL_H
#define AM_DMARC_IMPL_H

/*
 * dmarc_impl - what dmarc.c and dmarc_walk.c share: the evaluation
 * context (DNS cache, deadline, trace) and one DNS Tree Walk
 */

#include "dmarc.h"

/* One _dmarc.<name> TXT query, as this evaluation saw it. */
struct am_dmarc_cent {
	char			 name[AM_DMARC_DOMAIN_MAX + 1];
	enum am_dns_status	 status;
	int			 asked;		/* a query was sent */
	unsigned		 ndmarc;	/* records starting v=DMARC1 */
	struct am_dmarc_rec	 rec;		/* when ndmarc == 1 */
};

struct am_dmarc_ctx {
	struct am_dns			*dns;
	const struct am_dmarc_opts	*opts;
	uint64_t			 deadline;
	int				 expired;
	struct am_dmarc_cent		*cache;
	size_t				 ncache, capcache;
	unsigned			 queries;
	struct am_buf			*why;	/* the current result's */
};

enum am_dmarc_walk_end {
	AM_DMARC_WALK_DONE,	/* the TLD was queried */
	AM_DMARC_WALK_PSD,	/* stopped on psd=y or psd=n */
	AM_DMARC_WALK_DNS,	/* a query failed: incomplete */
	AM_DMARC_WALK_BUDGET	/* out of time: incomplete */
};

struct am_dmarc_walk {
	char			 start[AM_DMARC_DOMAIN_MAX + 1];
	unsigned		 nstep;
	size_t			 step[AM_DMARC_WALK_MAX];	/* cache idx */
	enum am_dmarc_walk_end	 end;
	enum am_dns_status	 fail_status;
	char			 org[AM_DMARC_DOMAIN_MAX + 1];
	const char		*org_rule;	/* which 4.10.2 rule chose it */
};

void	am_dmarc_ctx_init(struct am_dmarc_ctx *, struct am_dns *,
	    const struct am_dmarc_opts *);
void	am_dmarc_ctx_release(struct am_dmarc_ctx *);
void	am_dmarc_why(struct am_dmarc_ctx *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/* The cache entry for _dmarc.<name>, asking if needed; the index. */
size_t	am_dmarc_lookup(struct am_dmarc_ctx *, const char *name);
/* The entry at index i.  Take the index first: a lookup may move the
 * cache, so never write &ctx->cache[am_dmarc_lookup(...)]. */
static inline const struct am_dmarc_cent *
am_dmarc_cent_at(const struct am_dmarc_ctx *ctx, size_t i)
{
	return &ctx->cache[i];
}

/* Ask one question of another type (the existence query). */
enum am_dns_status am_dmarc_ask(struct am_dmarc_ctx *, const char *name,
	    enum am_dns_type);

/* One walk from start (4.10), then its Organizational Domain (4.10.2)
 * unless it ended early; the steps are traced. */
void	am_dmarc_walk(struct am_dmarc_ctx *, const char *start,
	    struct am_dmarc_walk *out);
int	am_dmarc_walk_complete(const struct am_dmarc_walk *);
const struct am_dmarc_cent *am_dmarc_walk_cent(const struct am_dmarc_ctx *,
	    const struct am_dmarc_walk *, unsigned i);

/* Count of labels; the rightmost n labels of d (a pointer into d). */
unsigned	 am_dmarc_labels(const char *);
const char	*am_dmarc_suffix(const char *, unsigned n);

#endif /* AM_DMARC_IMPL_H */
