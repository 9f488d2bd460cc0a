/*
 * config_opts - the option machinery every feature's table uses: find
 * an option by name across the tables (config_tables.c), apply a value
 * by its type (Booleans, numbers within bounds, strings, data-set
 * lists, peer lists, actions among those the option allows), free what
 * was applied, and the checks several tables share.  The options
 * themselves live with their feature in opts_*.c.
 */

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_impl.h"
#include "domain.h"
#include "mem.h"

/* ---------------------------------------------------------------- tables */

size_t
am_cfg_opt_count(void)
{
	size_t	 i, n = 0;

	for (i = 0; am_cfg_tables[i] != NULL; i++)
		n += am_cfg_tables[i]->nopts;
	return n;
}

const struct am_cfg_opt *
am_cfg_opt_at(size_t idx)
{
	size_t	 i;

	for (i = 0; am_cfg_tables[i] != NULL; i++) {
		if (idx < am_cfg_tables[i]->nopts)
			return &am_cfg_tables[i]->opts[idx];
		idx -= am_cfg_tables[i]->nopts;
	}
	return NULL;
}

const struct am_cfg_opt *
am_cfg_opt_find(const char *name, size_t *idx)
{
	const struct am_cfg_table	*t;
	size_t				 i, j, base = 0;

	for (i = 0; (t = am_cfg_tables[i]) != NULL; i++) {
		for (j = 0; j < t->nopts; j++)
			if (strcasecmp(t->opts[j].name, name) == 0) {
				if (idx != NULL)
					*idx = base + j;
				return &t->opts[j];
			}
		base += t->nopts;
	}
	return NULL;
}

static const struct am_cfg_other *
am_cfg_other_in(const struct am_cfg_other *t, const char *name)
{
	size_t	 i;

	for (i = 0; t[i].name != NULL; i++)
		if (strcasecmp(t[i].name, name) == 0)
			return &t[i];
	return NULL;
}

const struct am_cfg_other *
am_cfg_other_find(const char *name)
{
	const struct am_cfg_other	*o;

	if ((o = am_cfg_other_in(am_cfg_others, name)) != NULL)
		return o;
	return am_cfg_other_in(am_cfg_others_dmarc, name);
}

void
am_strv_free(char ***vp)
{
	char	**v = *vp;
	size_t	  i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
	*vp = NULL;
}

int
am_cfg_bad(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    const char *value, const char *want)
{
	am_diag_error(c->diag, c->file, c->line, "%s: bad value \"%s\"%s%s",
	    o->name, AM_DIAG_Q(value), want != NULL ? ": want " : "",
	    want != NULL ? want : "");
	return -1;
}

/* ---------------------------------------------------------------- scalars */

int
am_cfg_parse_bool(const char *v, int *out)
{
	static const char *const yes[] = { "yes", "y", "true", "t", "on",
	    "1", NULL };
	static const char *const no[] = { "no", "n", "false", "f", "off",
	    "0", NULL };
	size_t	 i;

	for (i = 0; yes[i] != NULL; i++)
		if (strcasecmp(v, yes[i]) == 0)
			return *out = 1, 0;
	for (i = 0; no[i] != NULL; i++)
		if (strcasecmp(v, no[i]) == 0)
			return *out = 0, 0;
	return -1;
}

int
am_cfg_num(const char *v, unsigned long long min, unsigned long long max,
    unsigned long long *out)
{
	unsigned long long	 n;
	char			*end;

	if (!isdigit((unsigned char)v[0]))
		return -1;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return -1;
	*out = n;
	return 0;
}

static int
am_cfg_apply_num(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *value)
{
	unsigned long long	 n;
	char			 want[96];

	if (am_cfg_num(value, o->min, o->max, &n) == -1) {
		snprintf(want, sizeof(want), "a number from %llu to %llu",
		    o->min, o->max);
		return am_cfg_bad(c, o, value, want);
	}
	if (o->type == AM_CFG_UINT)
		*(unsigned *)field = (unsigned)n;
	else if (o->type == AM_CFG_SIZE)
		*(size_t *)field = (size_t)n;
	else
		*(uint64_t *)field = (uint64_t)n;
	return 0;
}

/* am_cfg_list_fits - does the option's check take entry alone?  Asked
 * with the diagnostics muted. */

static int
am_cfg_list_fits(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    const char *entry, const char *value)
{
	struct am_diag		 mute = { NULL, 0, 0, NULL, NULL, 0 };
	struct am_cfg_ctx	 m = *c;
	char			**one = am_calloc(2, sizeof(*one));

	one[0] = am_strdup(entry);
	m.diag = &mute;
	(void)o->check(&m, o, &one, value);
	am_strv_free(&one);
	return mute.errors == 0;
}

/*
 * am_cfg_list - a data set's entries as a NULL-terminated vector;
 * "key=value" when an entry has a value.  A file whose first entry the
 * option does not take is some other file (Domain file:/etc/shadow):
 * named once, not quoted, not read.
 */
static int
am_cfg_list(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    const char *value, char ***out)
{
	struct am_dataset	*ds;
	char			**v;
	size_t			  i, n;

	if (am_dataset_load(value, c->basedir, c->file, c->line, c->diag,
	    &ds) == -1)
		return -1;
	v = am_calloc(ds->n + 1, sizeof(*v));
	for (i = 0; i < ds->n; i++) {
		if (ds->entries[i].value[0] == '\0') {
			v[i] = am_strdup(ds->entries[i].key);
			continue;
		}
		n = strlen(ds->entries[i].key) + strlen(ds->entries[i].value);
		v[i] = am_malloc(n + 2);
		snprintf(v[i], n + 2, "%s=%s", ds->entries[i].key,
		    ds->entries[i].value);
	}
	if (ds->kind != AM_DATASET_LIST && ds->n > 0 && o->check != NULL &&
	    !am_cfg_list_fits(c, o, v[0], value)) {
		am_diag_error(c->diag, c->file, c->line, "%s: %s is not a "
		    "list of its values (line %u is not one); not read",
		    o->name, ds->path, ds->entries[0].line);
		am_strv_free(&v);
		am_dataset_free(&ds);
		return -1;
	}
	am_dataset_free(&ds);
	*out = v;
	return 0;
}

/* ---------------------------------------------------------------- actions */

int
am_cfg_parse_action(const char *v, enum am_action *out)
{
	static const struct {
		const char	*name;
		enum am_action	 a;
	} t[] = {
		{ "a", AM_ACTION_ACCEPT }, { "accept", AM_ACTION_ACCEPT },
		{ "r", AM_ACTION_REJECT }, { "reject", AM_ACTION_REJECT },
		{ "t", AM_ACTION_TEMPFAIL }, { "tempfail", AM_ACTION_TEMPFAIL },
		{ "d", AM_ACTION_DISCARD }, { "discard", AM_ACTION_DISCARD },
		{ "q", AM_ACTION_QUARANTINE },
		{ "quarantine", AM_ACTION_QUARANTINE },
	};
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcasecmp(v, t[i].name) == 0) {
			*out = t[i].a;
			return 0;
		}
	return -1;
}

/* am_cfg_action - one of the actions the option allows; "want" names
 * them ("accept, reject, tempfail, discard or quarantine") */

static int
am_cfg_action(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	/* In the order the manual lists them (not the enum's). */
	static const enum am_action	 order[] = { AM_ACTION_ACCEPT,
	    AM_ACTION_REJECT, AM_ACTION_TEMPFAIL, AM_ACTION_DISCARD,
	    AM_ACTION_QUARANTINE };
	enum am_action			 a;
	char				 want[96];
	size_t				 i, n = 0, k, left = 0;

	if (am_cfg_parse_action(v, &a) == 0 && (o->actions & AM_CFG_ACT(a))) {
		*(enum am_action *)field = a;
		return 0;
	}
	want[0] = '\0';
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (o->actions & AM_CFG_ACT(order[i]))
			left++;
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (!(o->actions & AM_CFG_ACT(order[i])))
			continue;
		k = (size_t)snprintf(want + n, sizeof(want) - n, "%s%s",
		    n == 0 ? "" : left == 1 ? " or " : ", ",
		    am_disposition_action_name(order[i]));
		n = k < sizeof(want) - n ? n + k : sizeof(want) - 1;
		left--;
	}
	return am_cfg_bad(c, o, v, want);
}

/* ---------------------------------------------------------------- peers */

/*
 * am_cfg_peers - a host list.  Its problems name the option and the
 * config line (the diagnostics' option context).  A file another option
 * read already (ExternalIgnoreList and InternalHosts naming the same
 * TrustedHosts) is not reported again: its errors make one line here,
 * its warnings none.
 */
static int
am_cfg_peers(struct am_cfg_ctx *c, const struct am_cfg_opt *o, void *field,
    const char *v)
{
	struct am_peerlist	**pl = field, *n;
	struct am_diag		  mute = { NULL, 0, 0, NULL, NULL, 0 };
	struct am_diag		 *d = c->diag;
	unsigned		  before = c->diag->errors;
	const char		 *opt, *file;
	unsigned		  line;
	int			  seen = 0, bad = 0;
	char			 *key = am_dataset_key(v, c->basedir);

	if (key != NULL && (seen = am_cfg_seen_find(c, key, &opt, &file,
	    &line, &bad)) && bad) {
		am_diag_error(c->diag, c->file, c->line, "%s: %s: not applied: "
		    "its errors are reported above, for %s at %s:%u", o->name,
		    strchr(key, ':') + 1, opt, file, line);
		free(key);
		return -1;
	}
	if (seen)
		d = &mute;
	am_diag_context(d, o->name, c->file, c->line);
	n = am_peerlist_load(v, c->basedir, c->file, c->line, d);
	am_diag_context(d, NULL, NULL, 0);
	if (seen && mute.errors > 0)		/* it changed meanwhile */
		am_diag_error(c->diag, c->file, c->line, "%s: %s: not "
		    "applied: it has errors", o->name, strchr(key, ':') + 1);
	else if (!seen && key != NULL)
		am_cfg_seen_add(c, key, o->name, c->diag->errors != before);
	free(key);
	if (n == NULL)
		return -1;
	if (c->diag->errors != before) {	/* not applied, as above */
		am_peerlist_free(&n);
		return -1;
	}
	am_peerlist_free(pl);
	*pl = n;
	return 0;
}

int
am_cfg_apply(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    const char *value)
{
	void	*field = (char *)c->cfg + o->off;
	char	**sp, *old, ***vp, **nv, **ov;
	int	  b;

	switch (o->type) {
	case AM_CFG_BOOL:
		if (am_cfg_parse_bool(value, &b) == -1)
			return am_cfg_bad(c, o, value, "yes or no");
		*(int *)field = b;
		return 0;
	case AM_CFG_UINT:
	case AM_CFG_SIZE:
	case AM_CFG_U64:
		return am_cfg_apply_num(c, o, field, value);
	case AM_CFG_STR:
		/* A value that fails its check is not applied: the option
		 * keeps what it had (its default), and -n prints that. */
		sp = field;
		old = *sp;
		*sp = am_strdup(value);
		if (o->check == NULL || o->check(c, o, field, value) == 0) {
			free(old);
			return 0;
		}
		free(*sp);		/* no half-checked values later */
		*sp = old;
		return -1;
	case AM_CFG_LIST:
		am_diag_context(c->diag, o->name, c->file, c->line);
		b = am_cfg_list(c, o, value, &nv);
		am_diag_context(c->diag, NULL, NULL, 0);
		if (b == -1)
			return -1;
		vp = field;
		ov = *vp;
		*vp = nv;
		if (o->check == NULL || o->check(c, o, field, value) == 0) {
			am_strv_free(&ov);
			return 0;
		}
		am_strv_free(vp);
		*vp = ov;
		return -1;
	case AM_CFG_PEERS:
		return am_cfg_peers(c, o, field, value);
	case AM_CFG_ACTION:
		return am_cfg_action(c, o, field, value);
	case AM_CFG_FN:
		return o->check(c, o, field, value);
	}
	return -1;
}

void
am_cfg_opts_release(struct am_config *cfg)
{
	const struct am_cfg_opt	*o;
	size_t			 i, n = am_cfg_opt_count();
	void			*field;

	for (i = 0; i < n; i++) {
		o = am_cfg_opt_at(i);
		field = (char *)cfg + o->off;
		if (o->type == AM_CFG_STR) {
			free(*(char **)field);
			*(char **)field = NULL;
		} else if (o->type == AM_CFG_LIST)
			am_strv_free((char ***)field);
		else if (o->type == AM_CFG_PEERS)
			am_peerlist_free((struct am_peerlist **)field);
	}
}

/* ---------------------------------------------------------------- shared */

int
am_cfg_check_nonempty(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	(void)field;
	if (v[0] == '\0')
		return am_cfg_bad(c, o, v, NULL);
	return 0;
}

void
am_cfg_setstr(void *field, char *s)
{
	char	**sp = field;

	free(*sp);
	*sp = s;
}

int
am_cfg_check_path(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	(void)o;
	am_cfg_setstr(field, am_path_resolve(c->basedir, v));
	return 0;
}

/* Domain names, to A-labels in place. */

int
am_cfg_check_domains(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	char		**d = *(char ***)field, *a;
	struct am_err	  err;
	size_t		  i;
	int		  r = 0;

	(void)v;
	for (i = 0; d[i] != NULL; i++) {
		if ((a = am_domain_to_alabel(d[i], strlen(d[i]), &err))
		    == NULL) {
			am_diag_error(c->diag, c->file, c->line, "%s: \"%s\": "
			    "%s", o->name, AM_DIAG_Q(d[i]), err.msg);
			r = -1;
			continue;
		}
		free(d[i]);
		d[i] = a;
	}
	return r;
}
