/*
 * signtable - SigningTable lookups in OpenDKIM's order
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "mem.h"
#include "signtable.h"

struct am_signtable {
	int				 wild;	/* refile: */
	char				*spec;
	struct am_signtable_entry	*v;	/* file order */
	size_t				 n;
	size_t				*sorted; /* by key, then file order */
	char				**strings;
	size_t				 nstrings;
};

static const char *
am_st_keep(struct am_signtable *st, const char *s)
{
	st->strings[st->nstrings] = am_strdup(s);
	return st->strings[st->nstrings++];
}

/* qsort has no context argument: the table being sorted is handed over
 * through the indices themselves (a small struct per element). */
struct am_st_sortkey {
	const char	*key;
	size_t		 idx;
};

static int
am_st_cmp(const void *a, const void *b)
{
	const struct am_st_sortkey	*x = a, *y = b;
	int				 c = strcasecmp(x->key, y->key);

	if (c != 0)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static void
am_st_sort(struct am_signtable *st, struct am_diag *diag)
{
	struct am_st_sortkey	*k = am_calloc(st->n, sizeof(*k));
	size_t			 i;

	for (i = 0; i < st->n; i++) {
		k[i].key = st->v[i].key;
		k[i].idx = i;
	}
	qsort(k, st->n, sizeof(*k), am_st_cmp);
	st->sorted = am_calloc(st->n, sizeof(*st->sorted));
	for (i = 0; i < st->n; i++) {
		st->sorted[i] = k[i].idx;
		if (i > 0 && strcasecmp(k[i].key, k[i - 1].key) == 0)
			am_diag_warn(diag, st->v[k[i].idx].file,
			    st->v[k[i].idx].line, "\"%s\" is already in the "
			    "table at line %u; this line is never used",
			    AM_DIAG_Q(k[i].key), st->v[k[i - 1].idx].line);
	}
	free(k);
}

/* am_st_value - "keyname [signer]" or "keyname:signer" */

static int
am_st_value(struct am_signtable *st, struct am_signtable_entry *e,
    const char *value)
{
	char	*copy = am_strdup(value), *name, *signer;
	size_t	 n;

	name = am_trim(copy);
	n = strcspn(name, " \t:");
	signer = name + n;
	if (*signer != '\0')
		*signer++ = '\0';
	signer = am_trim(signer);
	if (n == 0 || strpbrk(signer, " \t:") != NULL) {
		free(copy);
		return -1;
	}
	e->keyname = am_st_keep(st, name);
	e->signer = am_st_keep(st, signer);
	free(copy);
	return 0;
}

struct am_signtable *
am_signtable_new(const struct am_dataset *ds, struct am_diag *diag)
{
	struct am_signtable		*st = am_calloc(1, sizeof(*st));
	const struct am_dataset_entry	*d;
	struct am_signtable_entry	*e;
	size_t				 i;

	st->wild = ds->kind == AM_DATASET_REFILE;
	st->spec = am_strdup(ds->spec);
	st->v = am_calloc(ds->n, sizeof(*st->v));
	st->strings = am_calloc(ds->n * 4 + 1, sizeof(*st->strings));
	for (i = 0; i < ds->n; i++) {
		d = &ds->entries[i];
		e = &st->v[st->n];
		e->file = d->file != NULL ? am_st_keep(st, d->file) : NULL;
		e->line = d->line;
		if (am_st_value(st, e, d->value) == -1) {
			am_diag_error(diag, d->file, d->line, "\"%s %s\": "
			    "want \"key keyname [signer]\"", AM_DIAG_Q(d->key),
			    AM_DIAG_Q(d->value));
			continue;
		}
		e->key = am_st_keep(st, d->key);
		st->n++;
	}
	if (!st->wild)
		am_st_sort(st, diag);
	return st;
}

void
am_signtable_free(struct am_signtable **stp)
{
	struct am_signtable	*st = *stp;
	size_t			 i;

	if (st == NULL)
		return;
	for (i = 0; i < st->nstrings; i++)
		free(st->strings[i]);
	free(st->strings);
	free(st->sorted);
	free(st->v);
	free(st->spec);
	free(st);
	*stp = NULL;
}

const char *
am_signtable_spec(const struct am_signtable *st)
{
	return st->spec;
}

size_t
am_signtable_count(const struct am_signtable *st)
{
	return st->n;
}

const struct am_signtable_entry *
am_signtable_entry(const struct am_signtable *st, size_t i)
{
	return i < st->n ? &st->v[i] : NULL;
}

/* am_st_find - the first entry (in file order) with this key */

static const struct am_signtable_entry *
am_st_find(const struct am_signtable *st, const char *key)
{
	size_t	 lo = 0, hi = st->n, mid;
	int	 c;

	while (lo < hi) {		/* lower bound */
		mid = lo + (hi - lo) / 2;
		c = strcasecmp(st->v[st->sorted[mid]].key, key);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < st->n && strcasecmp(st->v[st->sorted[lo]].key, key) == 0)
		return &st->v[st->sorted[lo]];
	return NULL;
}

struct am_st_acc {
	const struct am_signtable_entry	**out;
	size_t				  max, n;
	int				  all;
};

/* am_st_try - look key up; returns 1 when the lookup is over */

static int
am_st_try(const struct am_signtable *st, struct am_st_acc *acc,
    const char *key)
{
	const struct am_signtable_entry	*e;

	if ((e = am_st_find(st, key)) == NULL)
		return 0;
	if (acc->n < acc->max)
		acc->out[acc->n++] = e;
	return !acc->all || acc->n == acc->max;
}

static int
am_st_tryf(const struct am_signtable *st, struct am_st_acc *acc,
    const char *user, const char *at, const char *rest)
{
	char	 key[1024];
	int	 n;

	n = snprintf(key, sizeof(key), "%s%s%s", user, at, rest);
	if (n < 0 || (size_t)n >= sizeof(key))
		return 0;
	return am_st_try(st, acc, key);
}

static void
am_st_lookup_exact(const struct am_signtable *st, struct am_st_acc *acc,
    const char *user, const char *host)
{
	const char	*p;

	if (user[0] != '\0' && am_st_tryf(st, acc, user, "@", host))
		return;
	if (am_st_tryf(st, acc, "", "", host))
		return;
	if (user[0] != '\0')
		for (p = strchr(host, '.'); p != NULL; p = strchr(p + 1, '.'))
			if (am_st_tryf(st, acc, user, "@", p))
				return;
	for (p = strchr(host, '.'); p != NULL; p = strchr(p + 1, '.'))
		if (am_st_tryf(st, acc, "", "", p))
			return;
	if (user[0] != '\0' && am_st_tryf(st, acc, user, "@", "*"))
		return;
	(void)am_st_tryf(st, acc, "", "", "*");
}

size_t
am_signtable_lookup(const struct am_signtable *st, const char *addr,
    int all, const struct am_signtable_entry **out, size_t max)
{
	struct am_st_acc	 acc = { out, max, 0, all };
	const char		*at;
	char			 user[512];
	size_t			 i, ulen;

	if (st == NULL || max == 0 || (at = strrchr(addr, '@')) == NULL ||
	    at[1] == '\0')
		return 0;
	if (st->wild) {
		for (i = 0; i < st->n && acc.n < max; i++) {
			if (!am_dataset_wildmatch(st->v[i].key, addr))
				continue;
			out[acc.n++] = &st->v[i];
			if (!all)
				break;
		}
		return acc.n;
	}
	if ((ulen = (size_t)(at - addr)) >= sizeof(user))
		return 0;
	memcpy(user, addr, ulen);
	user[ulen] = '\0';
	am_st_lookup_exact(st, &acc, user, at + 1);
	return acc.n;
}
