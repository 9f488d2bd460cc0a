/*
 * report_failure_limit - failure reports folded and rate-limited
 * (report_failure_limit.h)
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mem.h"
#include "report_failure_limit.h"

#define AM_FL_HOUR	3600
#define AM_FL_DESTS	1024	/* destinations tracked */

struct am_fl_key {
	char		*key;
	int64_t		 start;		/* the window opened */
	void		*held;		/* the first repeat, or NULL */
	uint64_t	 repeats;
};

struct am_fl_dest {
	char		*addr;
	int64_t		 start;
	unsigned	 count;
};

struct am_failure_limit {
	unsigned		 window, per_hour;
	size_t			 max_keys, nkeys, ndest;
	struct am_fl_key	*keys;
	struct am_fl_dest	 dest[AM_FL_DESTS];
	am_fl_free_fn		*free_fn;
};

struct am_failure_limit *
am_failure_limit_new(unsigned window_s, unsigned per_hour, size_t max_keys,
    am_fl_free_fn *free_fn)
{
	struct am_failure_limit	*l = am_calloc(1, sizeof(*l));

	l->window = window_s;
	l->per_hour = per_hour;
	l->max_keys = max_keys > 0 ? max_keys : 1;
	l->keys = am_calloc(l->max_keys, sizeof(*l->keys));
	l->free_fn = free_fn;
	return l;
}

void
am_failure_limit_free(struct am_failure_limit **lp)
{
	struct am_failure_limit	*l = *lp;
	size_t			 i;

	if (l == NULL)
		return;
	for (i = 0; i < l->nkeys; i++) {
		if (l->keys[i].held != NULL && l->free_fn != NULL)
			l->free_fn(l->keys[i].held);
		free(l->keys[i].key);
	}
	for (i = 0; i < l->ndest; i++)
		free(l->dest[i].addr);
	free(l->keys);
	free(l);
	*lp = NULL;
}

static void
am_fl_remove(struct am_failure_limit *l, size_t i)
{
	free(l->keys[i].key);
	l->keys[i] = l->keys[--l->nkeys];
}

enum am_fl_verdict
am_failure_limit_incident(struct am_failure_limit *l, const char *key,
    int64_t now, void *item)
{
	struct am_fl_key	*k;
	size_t			 i;

	for (i = 0; i < l->nkeys; i++) {
		k = &l->keys[i];
		if (strcmp(k->key, key) != 0)
			continue;
		if (now >= k->start + (int64_t)l->window && k->held == NULL) {
			k->start = now;		/* a new window */
			k->repeats = 0;
			return AM_FL_SEND;
		}
		k->repeats++;
		if (k->held != NULL)
			return AM_FL_FOLD;
		k->held = item;
		return AM_FL_HOLD;
	}
	if (l->nkeys < l->max_keys) {
		k = &l->keys[l->nkeys++];
		k->key = am_strdup(key);
		k->start = now;
		k->held = NULL;
		k->repeats = 0;
	}
	return AM_FL_SEND;
}

void
am_failure_limit_expire(struct am_failure_limit *l, int64_t now,
    am_fl_due_fn *fn, void *ctx)
{
	struct am_fl_key	*k;
	void			*item;
	uint64_t		 n;
	size_t			 i = 0;

	while (i < l->nkeys) {
		k = &l->keys[i];
		if (now < k->start + (int64_t)l->window) {
			i++;
			continue;
		}
		if (k->held == NULL) {
			am_fl_remove(l, i);
			continue;
		}
		item = k->held;
		n = k->repeats;
		k->held = NULL;
		k->repeats = 0;
		k->start = now;
		fn(ctx, item, n);
		i++;
	}
}

int
am_failure_limit_dest(struct am_failure_limit *l, const char *dest,
    int64_t now)
{
	struct am_fl_dest	*d = NULL;
	size_t			 i;

	if (l->per_hour == 0)
		return 1;
	for (i = 0; i < l->ndest && d == NULL; i++)
		if (strcasecmp(l->dest[i].addr, dest) == 0)
			d = &l->dest[i];
	if (d == NULL) {
		/* Forget the windows that ended; then take a free slot. */
		for (i = 0; i < l->ndest; )
			if (now >= l->dest[i].start + AM_FL_HOUR) {
				free(l->dest[i].addr);
				l->dest[i] = l->dest[--l->ndest];
			} else
				i++;
		if (l->ndest == AM_FL_DESTS)
			return 0;	/* too many at once: wait */
		d = &l->dest[l->ndest++];
		d->addr = am_strdup(dest);
		d->start = now;
		d->count = 0;
	}
	if (now >= d->start + AM_FL_HOUR) {
		d->start = now;
		d->count = 0;
	}
	if (d->count >= l->per_hour)
		return 0;
	d->count++;
	return 1;
}

size_t
am_failure_limit_keys(const struct am_failure_limit *l)
{
	return l->nkeys;
}
