/*
 * config - read the config file into one immutable snapshot: options,
 * tables, keys and the resolver
 *
 * Loading happens in passes so that every problem is found in one go:
 *  1. read the file (and its Include files) into a list of
 *     "option value file:line", reporting unknown, refused and empty
 *     options; a repeated option replaces the earlier value (the last
 *     one wins, as in OpenDKIM and OpenDMARC) with a warning; then
 *     BaseDirectory, if given, becomes the base of relative paths;
 *  2. set every default, then apply On-Default, then the others;
 *  3. apply command-line overrides;
 *  4. run each feature's check over its whole part of the config
 *     (config_tables.c): SPF, DMARC (the PSL), DKIM (the KeyTable and
 *     every key, or KeyFile, then the SigningTable), DNS (the resolver).
 * The options are rows of the features' tables (opts_*.c); the loader
 * walks the tables and has no fixed number of options.
 * Relative paths (KeyFile, KeyTable and SigningTable files, key files
 * named "./x" or "../x", Include) are taken from the directory of the
 * main config file (BaseDirectory's, when set; Include excepted),
 * whatever the current directory is.
 */

#include <sys/stat.h>

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_impl.h"
#include "keycache.h"
#include "mem.h"
#include "psl.h"
#include "signtable.h"

#define AM_CFG_MAXLINE		8192
#define AM_CFG_MAXINCLUDE	5
#define AM_CFG_MAXLINES		10000

struct am_cfg_item {
	const struct am_cfg_opt	*opt;
	size_t			 idx;	/* am_cfg_opt_at() index */
	char			*value;
	const char		*file;
	unsigned		 line;
};

struct am_cfg_loader {
	struct am_diag		 diag;
	const char		*basedir;
	struct am_cfg_item	*items;
	size_t			 nitems;
	char			**files;	/* names, for file:line */
	size_t			 nfiles;
	size_t			*first;		/* per option: item + 1 */
	char			*basedir_set;	/* BaseDirectory, as written */
	const char		*basedir_file;
	unsigned		 basedir_line;
	char			*basedir_own;	/* resolved, when set */
	struct am_cfg_seenset	*seen;		/* host list files read */
};

/* A host list file that had errors, and the option that read it first:
 * another option naming the same file gets one line, not the same
 * errors again. */
struct am_cfg_seen {
	char		*key;		/* "file:PATH" or "refile:PATH" */
	const char	*opt;
	const char	*file;
	unsigned	 line;
	int		 errors;	/* it had errors */
};

struct am_cfg_seenset {
	struct am_cfg_seen	*v;
	size_t			 n;
};

static const char *
am_cfg_keep_file(struct am_cfg_loader *ld, const char *name)
{
	ld->files = am_realloc(ld->files, (ld->nfiles + 1) *
	    sizeof(*ld->files));
	ld->files[ld->nfiles] = am_strdup(name);
	return ld->files[ld->nfiles++];
}

static int am_cfg_read(struct am_cfg_loader *, const char *path,
    const char *from, unsigned fromline, int depth);

/* am_cfg_known - an option we do not take: refuse, warn, or accept */

static void
am_cfg_known(struct am_cfg_loader *ld, const char *name, const char *value,
    const char *file, unsigned line)
{
	const struct am_cfg_other	*o = am_cfg_other_find(name);
	int				 b;

	if (o == NULL)
		am_diag_error(&ld->diag, file, line, "unknown option \"%s\"",
		    AM_DIAG_Q(name));
	else if (o->what == AM_CFG_REFUSED)
		am_diag_error(&ld->diag, file, line, "%s: %s", o->name, o->why);
	else if (o->what == AM_CFG_NOEFFECT)
		am_diag_warn(&ld->diag, file, line, "%s is accepted but has no "
		    "effect: %s", o->name, o->why);
	else if (o->what != AM_CFG_OFFONLY)
		return;
	else if (am_cfg_parse_bool(value, &b) == -1)
		am_diag_error(&ld->diag, file, line, "%s: bad value \"%s\": "
		    "want yes or no", o->name, AM_DIAG_Q(value));
	else if (b)
		am_diag_error(&ld->diag, file, line, "%s %s: authmilter does "
		    "not %s yet; set it to no, or remove the line", o->name,
		    AM_DIAG_Q(value), o->why);
	else
		am_diag_warn(&ld->diag, file, line, "%s %s is accepted: it "
		    "turns off what authmilter does not do yet (%s)", o->name,
		    AM_DIAG_Q(value), o->why);
}

/* am_cfg_basedir - BaseDirectory (OpenDKIM's): where relative paths of
 * tables and keys are taken from instead of the config file's directory;
 * the last one wins, as for every option */

static void
am_cfg_basedir(struct am_cfg_loader *ld, const char *value,
    const char *file, unsigned line)
{
	if (ld->basedir_set != NULL)
		am_diag_warn(&ld->diag, file, line, "BaseDirectory is set "
		    "again (before: %s:%u); the last one wins, as in OpenDKIM",
		    ld->basedir_file, ld->basedir_line);
	free(ld->basedir_set);
	ld->basedir_set = am_strdup(value);
	ld->basedir_file = file;
	ld->basedir_line = line;
}

static void
am_cfg_item(struct am_cfg_loader *ld, char *name, char *value,
    const char *file, unsigned line, int depth)
{
	const struct am_cfg_opt	*o;
	struct am_cfg_item	*it;
	size_t			 idx;

	if (strcasecmp(name, "Include") == 0) {
		(void)am_cfg_read(ld, value, file, line, depth + 1);
		return;
	}
	if (strcasecmp(name, "BaseDirectory") == 0) {
		am_cfg_basedir(ld, value, file, line);
		return;
	}
	if ((o = am_cfg_opt_find(name, &idx)) == NULL) {
		am_cfg_known(ld, name, value, file, line);
		return;
	}
	/* OpenDKIM and OpenDMARC use the last value of a repeated option
	 * (a tutorial's "append these lines" repeats Debian's): so do we,
	 * in the place of the first, and say so. */
	if (ld->first[idx] != 0) {
		it = &ld->items[ld->first[idx] - 1];
		am_diag_warn(&ld->diag, file, line, "%s is set again (before: "
		    "%s:%u); the last one wins, as in OpenDKIM and OpenDMARC",
		    o->name, it->file, it->line);
		free(it->value);
		it->value = am_strdup(value);
		it->file = file;
		it->line = line;
		return;
	}
	if (ld->nitems >= AM_CFG_MAXLINES) {
		am_diag_error(&ld->diag, file, line, "too many options");
		return;
	}
	ld->items = am_realloc(ld->items, (ld->nitems + 1) *
	    sizeof(*ld->items));
	it = &ld->items[ld->nitems++];
	it->opt = o;
	it->idx = idx;
	it->value = am_strdup(value);
	it->file = file;
	it->line = line;
	ld->first[idx] = ld->nitems;
}

/* am_cfg_name_known - an option, a compatibility name, or Include */

static int
am_cfg_name_known(const char *name)
{
	return strcasecmp(name, "Include") == 0 ||
	    strcasecmp(name, "BaseDirectory") == 0 ||
	    am_cfg_opt_find(name, NULL) != NULL ||
	    am_cfg_other_find(name) != NULL;
}

/*
 * am_cfg_line - one line: 0 blank or a comment, 1 an option line
 * (applied or reported), -1 when probe is set and the line does not
 * start with a name we know (then nothing is reported).
 */
static int
am_cfg_line(struct am_cfg_loader *ld, char *s, const char *file,
    unsigned line, int depth, int probe)
{
	char	*h, *name, *value;

	if ((h = strchr(s, '#')) != NULL)
		*h = '\0';
	name = am_trim(s);
	if (*name == '\0')
		return 0;
	value = name + strcspn(name, " \t");
	if (*value != '\0')
		*value++ = '\0';
	value = am_trim(value);
	if (probe && !am_cfg_name_known(name))
		return -1;
	if (*value == '\0') {
		am_diag_error(&ld->diag, file, line, "%s: missing value",
		    AM_DIAG_Q(name));
		return 1;
	}
	am_cfg_item(ld, name, value, file, line, depth);
	return 1;
}

/* am_cfg_read - read one file: -1 if it could not be opened */

static int
am_cfg_read(struct am_cfg_loader *ld, const char *path, const char *from,
    unsigned fromline, int depth)
{
	FILE		*fp;
	char		*s = NULL, *full;
	const char	*file;
	size_t		 sz = 0;
	ssize_t		 n;
	unsigned	 line = 0;
	int		 probe = depth > 0, bad, r;

	if (depth > AM_CFG_MAXINCLUDE) {
		am_diag_error(&ld->diag, from, fromline, "Include nested more "
		    "than %d deep", AM_CFG_MAXINCLUDE);
		return -1;
	}
	full = am_path_resolve(depth == 0 ? NULL : ld->basedir, path);
	file = am_cfg_keep_file(ld, full);
	free(full);
	if ((fp = fopen(file, "r")) == NULL) {
		am_diag_error(&ld->diag, from, fromline, "%s: cannot open: %s",
		    file, strerror(errno));
		return -1;
	}
	/* An included file is taken for a configuration file once a line
	 * names an option we know; before that, a line that does not
	 * means the file is something else (Include /etc/shadow): one
	 * error at the Include line, and none of its text in the log. */
	while ((n = getline(&s, &sz, fp)) != -1) {
		line++;
		bad = (size_t)n > AM_CFG_MAXLINE || memchr(s, '\0', (size_t)n);
		if (bad && !probe) {
			am_diag_error(&ld->diag, file, line, "line longer "
			    "than %d bytes or with a NUL byte", AM_CFG_MAXLINE);
			continue;
		}
		r = bad ? -1 : am_cfg_line(ld, s, file, line, depth, probe);
		if (r == -1) {
			am_diag_error(&ld->diag, from, fromline, "Include %s: "
			    "not a configuration file (line %u is not an "
			    "option); not read", file, line);
			break;
		}
		if (r == 1)
			probe = 0;
	}
	free(s);
	fclose(fp);
	return 0;
}

/* ---------------------------------------------------------------- apply */

static void
am_cfg_set_raw(struct am_config *cfg, size_t idx, const char *value)
{
	free(cfg->priv->raw[idx]);
	cfg->priv->raw[idx] = value != NULL ? am_strdup(value) : NULL;
}

void
am_cfg_set_shown(struct am_config *cfg, const char *name, const char *value)
{
	size_t	 idx;

	if (am_cfg_opt_find(name, &idx) != NULL)
		am_cfg_set_raw(cfg, idx, value);
}

static void
am_cfg_apply_one(struct am_cfg_loader *ld, struct am_config *cfg,
    size_t idx, const char *value, const char *file, unsigned line)
{
	struct am_cfg_ctx	 c = { cfg, &ld->diag, ld->basedir, file, line,
				    ld, NULL };

	if (am_cfg_apply(&c, am_cfg_opt_at(idx), value) == 0)
		am_cfg_set_raw(cfg, idx, value);
}

static void
am_cfg_override(struct am_cfg_loader *ld, struct am_config *cfg,
    const char *name, const char *value)
{
	size_t	 idx;

	if (value != NULL && am_cfg_opt_find(name, &idx) != NULL)
		am_cfg_apply_one(ld, cfg, idx, value, "(command line)", 0);
}

static void
am_cfg_apply_all(struct am_cfg_loader *ld, struct am_config *cfg,
    const struct am_config_overrides *ov)
{
	const struct am_cfg_item	*it;
	size_t				 i;
	int				 early;

	for (i = 0; i < cfg->priv->nraw; i++)
		if (am_cfg_opt_at(i)->def != NULL)
			am_cfg_apply_one(ld, cfg, i, am_cfg_opt_at(i)->def,
			    "(default)", 0);
	for (early = 1; early >= 0; early--)
		for (i = 0; i < ld->nitems; i++) {
			it = &ld->items[i];
			if (!!(it->opt->flags & AM_CFG_EARLY) == early)
				am_cfg_apply_one(ld, cfg, it->idx, it->value,
				    it->file, it->line);
		}
	if (ov == NULL)
		return;
	am_cfg_override(ld, cfg, "Socket", ov->socket);
	am_cfg_override(ld, cfg, "PidFile", ov->pidfile);
	am_cfg_override(ld, cfg, "UserID", ov->userid);
}

/* ---------------------------------------------------------------- where */

static const struct am_cfg_item *
am_cfg_item_of(const struct am_cfg_loader *ld, const char *name)
{
	size_t	 idx;

	if (am_cfg_opt_find(name, &idx) == NULL || ld->first[idx] == 0)
		return NULL;
	return &ld->items[ld->first[idx] - 1];
}

int
am_cfg_is_set(const struct am_cfg_ctx *c, const char *name)
{
	return am_cfg_item_of(c->ld, name) != NULL;
}

void
am_cfg_where(const struct am_cfg_ctx *c, const char *name,
    const char **file, unsigned *line)
{
	const struct am_cfg_item	*it = am_cfg_item_of(c->ld, name);

	*file = it != NULL ? it->file : c->ld->files[0];
	*line = it != NULL ? it->line : 0;
}

/* ---------------------------------------------------------------- seen */

int
am_cfg_seen_find(const struct am_cfg_ctx *c, const char *key,
    const char **opt, const char **file, unsigned *line, int *errors)
{
	const struct am_cfg_seenset	*ss;
	size_t				 i;

	if (c->ld == NULL || (ss = c->ld->seen) == NULL)
		return 0;
	for (i = 0; i < ss->n; i++)
		if (strcmp(ss->v[i].key, key) == 0) {
			*opt = ss->v[i].opt;
			*file = ss->v[i].file;
			*line = ss->v[i].line;
			*errors = ss->v[i].errors;
			return 1;
		}
	return 0;
}

void
am_cfg_seen_add(const struct am_cfg_ctx *c, const char *key,
    const char *opt, int errors)
{
	struct am_cfg_seenset	*ss;
	struct am_cfg_seen	*e;

	if (c->ld == NULL || (ss = c->ld->seen) == NULL)
		return;
	ss->v = am_realloc(ss->v, (ss->n + 1) * sizeof(*ss->v));
	e = &ss->v[ss->n++];
	e->key = am_strdup(key);
	e->opt = opt;
	e->file = c->file;
	e->line = c->line;
	e->errors = errors;
}

/* am_cfg_basedir_apply - BaseDirectory, once every line is read: it
 * must name a directory (OpenDKIM changes to it, and stops if it
 * cannot) */

static void
am_cfg_basedir_apply(struct am_cfg_loader *ld)
{
	struct stat	 st;

	if (ld->basedir_set == NULL)
		return;
	ld->basedir_own = am_path_resolve(ld->basedir, ld->basedir_set);
	if (stat(ld->basedir_own, &st) == -1) {
		am_diag_error(&ld->diag, ld->basedir_file, ld->basedir_line,
		    "BaseDirectory %s: %s", ld->basedir_own, strerror(errno));
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		am_diag_error(&ld->diag, ld->basedir_file, ld->basedir_line,
		    "BaseDirectory %s: not a directory", ld->basedir_own);
		return;
	}
	ld->basedir = ld->basedir_own;
}

/* am_cfg_check_all - each feature's check over its whole part */

static void
am_cfg_check_all(struct am_cfg_loader *ld, struct am_config *cfg,
    const struct am_config_overrides *ov)
{
	struct am_cfg_ctx	 c = { cfg, &ld->diag, ld->basedir, NULL, 0,
				    ld, ov };
	size_t			 i;

	for (i = 0; am_cfg_features[i] != NULL; i++)
		am_cfg_features[i]->check(&c);
}

/* ---------------------------------------------------------------- load */

static void
am_cfg_free(struct am_config *cfg)
{
	size_t	 i;

	if (cfg == NULL)
		return;
	am_cfg_opts_release(cfg);
	am_keysets_free(cfg);
	am_signtable_free(&cfg->dkim.signtable);
	am_dns_free(&cfg->dns.resolver);
	am_psl_free(&cfg->dmarc.psl);
	am_keycache_free(&cfg->dkim.verify.keycache);
	if (cfg->priv != NULL) {
		for (i = 0; i < cfg->priv->nraw; i++)
			free(cfg->priv->raw[i]);
		free(cfg->priv->raw);
		free(cfg->priv->basedir);
		free(cfg->priv);
	}
	free(cfg->path);
	free(cfg);
}

static void
am_cfg_loader_release(struct am_cfg_loader *ld)
{
	size_t	 i;

	for (i = 0; i < ld->nitems; i++)
		free(ld->items[i].value);
	free(ld->items);
	for (i = 0; i < ld->nfiles; i++)
		free(ld->files[i]);
	free(ld->files);
	free(ld->first);
	free(ld->basedir_set);
	free(ld->basedir_own);
	for (i = 0; ld->seen != NULL && i < ld->seen->n; i++)
		free(ld->seen->v[i].key);
	if (ld->seen != NULL)
		free(ld->seen->v);
	free(ld->seen);
}

static struct am_config *
am_cfg_new(const char *path)
{
	struct am_config	*cfg = am_calloc(1, sizeof(*cfg));
	char			*copy;

	cfg->refs = 1;
	cfg->path = am_strdup(path);
	cfg->priv = am_calloc(1, sizeof(*cfg->priv));
	cfg->priv->nraw = am_cfg_opt_count();
	cfg->priv->raw = am_calloc(cfg->priv->nraw, sizeof(*cfg->priv->raw));
	copy = am_strdup(path);
	cfg->priv->basedir = am_strdup(dirname(copy));
	free(copy);
	return cfg;
}

/*
 * am_cfg_build - every pass over the file; the snapshot even when
 * problems were found (*errors says how many), NULL only when the file
 * could not be read at all.
 */
static struct am_config *
am_cfg_build(const char *path, const struct am_config_overrides *ov,
    const struct am_log *log, unsigned *errors)
{
	struct am_cfg_loader	 ld;
	struct am_config	*cfg;
	int			 r;

	memset(&ld, 0, sizeof(ld));
	ld.diag.log = log;
	cfg = am_cfg_new(path);
	ld.first = am_calloc(cfg->priv->nraw, sizeof(*ld.first));
	ld.basedir = cfg->priv->basedir;
	ld.seen = am_calloc(1, sizeof(*ld.seen));
	if ((r = am_cfg_read(&ld, path, path, 0, 0)) == 0) {
		am_cfg_basedir_apply(&ld);
		am_cfg_apply_all(&ld, cfg, ov);
		am_cfg_check_all(&ld, cfg, ov);
	}
	am_cfg_loader_release(&ld);
	*errors = ld.diag.errors;
	if (r == -1)
		am_cfg_free(cfg);
	return r == -1 ? NULL : cfg;
}

static int
am_cfg_errors(unsigned errors, struct am_err *err)
{
	return am_err_set(err, AM_E_SYNTAX, "%u error%s", errors,
	    errors == 1 ? "" : "s");
}

struct am_config *
am_config_load(const char *path, const struct am_config_overrides *ov,
    const struct am_log *log, struct am_err *err)
{
	struct am_config	*cfg;
	unsigned		 errors;

	cfg = am_cfg_build(path, ov, log, &errors);
	if (errors > 0) {
		am_cfg_free(cfg);
		(void)am_cfg_errors(errors, err);
		return NULL;
	}
	return cfg;
}

int
am_config_check(const char *path, const struct am_config_overrides *ov,
    const struct am_log *log, FILE *out, struct am_config **cfg_out,
    struct am_err *err)
{
	struct am_config	*cfg;
	unsigned		 errors;

	cfg = am_cfg_build(path, ov, log, &errors);
	if (cfg != NULL && errors > 0)
		fprintf(out, "# %u error%s found: authmilter does not start "
		    "with this file; refused values are not applied\n",
		    errors, errors == 1 ? "" : "s");
	if (cfg != NULL)
		am_config_print(cfg, out);
	if (cfg_out != NULL)
		*cfg_out = NULL;
	if (errors > 0) {
		am_cfg_free(cfg);
		return am_cfg_errors(errors, err);
	}
	if (cfg_out != NULL)
		*cfg_out = cfg;
	else
		am_cfg_free(cfg);
	return 0;
}

void
am_config_ref(struct am_config *cfg)
{
	(void)__atomic_add_fetch(&cfg->refs, 1, __ATOMIC_RELAXED);
}

void
am_config_unref(struct am_config **cfgp)
{
	struct am_config	*cfg = *cfgp;

	*cfgp = NULL;
	if (cfg == NULL)
		return;
	if (__atomic_sub_fetch(&cfg->refs, 1, __ATOMIC_ACQ_REL) == 0)
		am_cfg_free(cfg);
}

/* ---------------------------------------------------------------- print */

void
am_config_print(const struct am_config *cfg, FILE *fp)
{
	const struct am_cfg_opt	*o;
	const char		*v;
	size_t			 i;

	fprintf(fp, "# authmilter configuration from %s\n", cfg->path);
	for (i = 0; i < cfg->priv->nraw; i++) {
		o = am_cfg_opt_at(i);
		if (o->flags & AM_CFG_ALIAS)
			continue;
		v = cfg->priv->raw[i];
		if (o->type == AM_CFG_STR && v != NULL)
			v = *(char **)(void *)((char *)cfg + o->off);
		if (v == NULL)
			fprintf(fp, "#%-26s (not set)\n", o->name);
		else
			fprintf(fp, "%-27s %s\n", o->name, v);
	}
}

/* ---------------------------------------------------------------- signing */

/* am_plan_subst - s with each '%' replaced by domain, into out */

static int
am_plan_subst(const char *s, const char *domain, char *out, size_t outsz)
{
	size_t	 n = 0, dl = strlen(domain);

	for (; *s != '\0'; s++) {
		if (*s == '%') {
			if (n + dl >= outsz)
				return -1;
			memcpy(out + n, domain, dl);
			n += dl;
		} else {
			if (n + 1 >= outsz)
				return -1;
			out[n++] = *s;
		}
	}
	out[n] = '\0';
	return 0;
}

/* am_plan_identity_ok - i= must be d= or a subdomain (RFC 6376 3.5) */

static int
am_plan_identity_ok(const char *identity, const char *d)
{
	const char	*at = strrchr(identity, '@');
	const char	*dom = at != NULL ? at + 1 : identity;
	size_t		 dl = strlen(dom), l = strlen(d);

	if (dl == l)
		return strcasecmp(dom, d) == 0;
	return dl > l && dom[dl - l - 1] == '.' &&
	    strcasecmp(dom + dl - l, d) == 0;
}

static void
am_plan_add(struct am_sign_plan *plan, const struct am_key *key,
    const char *d, const char *signer, const char *from_domain)
{
	char	 dom[sizeof(plan->sig[0].domain)];
	char	 id[sizeof(plan->sig[0].identity)];
	size_t	 i;

	if (plan->n >= AM_SIGN_MAXSIGS ||
	    am_plan_subst(d, from_domain, dom, sizeof(dom)) == -1)
		return;
	if (signer == NULL || am_plan_subst(signer, from_domain, id,
	    sizeof(id)) == -1 || !am_plan_identity_ok(id, dom))
		id[0] = '\0';
	for (i = 0; i < plan->n; i++)
		if (plan->sig[i].key == key &&
		    strcasecmp(plan->sig[i].domain, dom) == 0)
			return;
	plan->sig[plan->n].key = key;
	memcpy(plan->sig[plan->n].domain, dom, sizeof(dom));
	memcpy(plan->sig[plan->n].identity, id, sizeof(id));
	plan->n++;
}

static void
am_plan_table(const struct am_config *cfg, const char *addr,
    const char *domain, struct am_sign_plan *out)
{
	const struct am_signtable_entry	*m[AM_SIGN_MAXSIGS];
	const struct am_keyset		*ks;
	const char			*name;
	size_t				 n, i, j;

	n = am_signtable_lookup(cfg->dkim.signtable, addr,
	    cfg->dkim.multiple_signatures, m, AM_SIGN_MAXSIGS);
	for (i = 0; i < n; i++) {
		name = strcmp(m[i]->keyname, "%") == 0 ? domain :
		    m[i]->keyname;
		if ((ks = am_keyset_find(cfg, name)) == NULL)
			continue;
		for (j = 0; j < ks->nkeys; j++)
			am_plan_add(out, &ks->keys[j], ks->keys[j].domain,
			    m[i]->signer, domain);
	}
}

/* am_plan_domain - Domain (with SubDomains) and KeyFile: d= is the
 * Domain entry that matched */

static void
am_plan_domain(const struct am_config *cfg, const char *domain,
    struct am_sign_plan *out)
{
	const char	*p;
	size_t		 i;

	if (cfg->dkim.nkeysets != 1 || cfg->dkim.domains == NULL)
		return;
	for (p = domain; p != NULL; p = strchr(p, '.')) {
		if (*p == '.')
			p++;
		for (i = 0; cfg->dkim.domains[i] != NULL; i++)
			if (strcasecmp(cfg->dkim.domains[i], p) == 0) {
				am_plan_add(out, &cfg->dkim.keysets[0].keys[0],
				    cfg->dkim.domains[i], NULL, domain);
				return;
			}
		if (!cfg->dkim.subdomains)
			return;
	}
}

size_t
am_config_sign_plan(const struct am_config *cfg, const char *addr,
    struct am_sign_plan *out)
{
	const char	*at;

	memset(out, 0, sizeof(*out));
	if (!cfg->dkim.mode_sign || (at = strrchr(addr, '@')) == NULL ||
	    at[1] == '\0')
		return 0;
	if (cfg->dkim.signtable != NULL)
		am_plan_table(cfg, addr, at + 1, out);
	else
		am_plan_domain(cfg, at + 1, out);
	return out->n;
}

/* ---------------------------------------------------------------- macros */

static const char *
am_macro_get(const char *(*get)(void *, const char *), void *ctx,
    const char *name, size_t n)
{
	char		 buf[128];
	const char	*v;

	if (n + 3 > sizeof(buf))
		return NULL;
	memcpy(buf, name, n);
	buf[n] = '\0';
	if ((v = get(ctx, buf)) != NULL || buf[0] == '{' || n == 1)
		return v;
	buf[0] = '{';			/* "auth_type" -> "{auth_type}" */
	memcpy(buf + 1, name, n);
	buf[n + 1] = '}';
	buf[n + 2] = '\0';
	return get(ctx, buf);
}

/* am_macro_value_in - is v one of the '|'-separated values? */

static int
am_macro_value_in(const char *v, const char *values)
{
	const char	*p = values, *bar;
	size_t		 n, vl = strlen(v);

	for (;;) {
		bar = strchr(p, '|');
		n = bar != NULL ? (size_t)(bar - p) : strlen(p);
		if (n == vl && memcmp(p, v, n) == 0)
			return 1;
		if (bar == NULL)
			return 0;
		p = bar + 1;
	}
}

int
am_config_macro_match(const struct am_config *cfg,
    const char *(*get)(void *ctx, const char *name), void *ctx)
{
	const char	*e, *eq, *v;
	size_t		 i, n;

	for (i = 0; cfg->dkim.macro_list != NULL &&
	    cfg->dkim.macro_list[i] != NULL; i++) {
		e = cfg->dkim.macro_list[i];
		eq = strchr(e, '=');
		n = eq != NULL ? (size_t)(eq - e) : strlen(e);
		v = am_macro_get(get, ctx, e, n);
		if (v == NULL || v[0] == '\0')
			continue;
		if (eq == NULL || am_macro_value_in(v, eq + 1))
			return 1;
	}
	return 0;
}

