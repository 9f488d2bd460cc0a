#ifndef AM_CONFIG_IMPL_H
#define AM_CONFIG_IMPL_H

/*
 * config_impl - private to the configuration library (config.c,
 * config_opts.c, config_tables.c, opts_*.c, peerlist.c, keytable.c)
 * and its unit tests
 */

#include <stddef.h>

#include "config.h"
#include "dataset.h"

/* ---------------------------------------------------------------- options */

/*
 * Each feature owns its option tables (opts_dkim.c, opts_ar.c,
 * opts_dns.c, opts_spf.c, opts_dmarc.c, opts_daemon.c) and a check over
 * its whole part of the config, run once every option is applied; the
 * OpenDKIM/OpenDMARC names we refuse or accept without effect live in
 * opts_compat.c.  config_tables.c lists them all: the loader walks the
 * lists, so a new feature adds its file and one line there, and there
 * is no fixed number of options anywhere.
 */

struct am_cfg_loader;

/* Where the option being applied was written, and where errors go.
 * Whole-struct checks get the same context (file NULL, line 0) and ask
 * the loader where an option was set with am_cfg_where(). */
struct am_cfg_ctx {
	struct am_config		*cfg;
	struct am_diag			*diag;
	const char			*basedir;	/* for relative paths */
	const char			*file;
	unsigned			 line;
	const struct am_cfg_loader	*ld;
	const struct am_config_overrides *ov;		/* may be NULL */
};

enum am_cfg_type {
	AM_CFG_BOOL,		/* int: yes/no/true/false/1/0/on/off */
	AM_CFG_UINT,		/* unsigned, min..max */
	AM_CFG_SIZE,		/* size_t, min..max */
	AM_CFG_U64,		/* uint64_t, min..max */
	AM_CFG_STR,		/* char *; check may rewrite it */
	AM_CFG_LIST,		/* char **: a data set's keys */
	AM_CFG_PEERS,		/* struct am_peerlist *: a data set of peers */
	AM_CFG_ACTION,		/* enum am_action, one of opt->actions */
	AM_CFG_FN		/* parsed entirely by check */
};

struct am_cfg_opt;

/*
 * Checks (or, for AM_CFG_FN, parses) a value.  field points at the
 * option's member of the config.  Reports through ctx->diag at
 * ctx->file:ctx->line and returns -1 on a bad value.
 */
typedef int am_cfg_check_fn(struct am_cfg_ctx *, const struct am_cfg_opt *,
	    void *field, const char *value);

/* A check over a feature's whole part of the config, once all options
 * are applied: cross-option rules, and building what the options name
 * (keys, the resolver, the PSL).  Reports through ctx->diag. */
typedef void am_cfg_whole_fn(struct am_cfg_ctx *);

#define AM_CFG_EARLY	0x01	/* applied before the others (On-Default) */
#define AM_CFG_ALIAS	0x02	/* another name for the option above it */

/* The actions an AM_CFG_ACTION option may take: a mask of
 * 1 << enum am_action. */
#define AM_CFG_ACT(a)		(1U << (a))
#define AM_CFG_ACTIONS_ALL	(AM_CFG_ACT(AM_ACTION_ACCEPT) | \
				 AM_CFG_ACT(AM_ACTION_REJECT) | \
				 AM_CFG_ACT(AM_ACTION_TEMPFAIL) | \
				 AM_CFG_ACT(AM_ACTION_DISCARD) | \
				 AM_CFG_ACT(AM_ACTION_QUARANTINE))

struct am_cfg_opt {
	const char		*name;
	enum am_cfg_type	 type;
	size_t			 off;	/* offsetof(struct am_config, ...) */
	const char		*def;	/* default, in file syntax; NULL none */
	unsigned long long	 min, max;
	unsigned		 actions; /* AM_CFG_ACTION: allowed actions */
	am_cfg_check_fn		*check;
	int			 flags;
};

/* One table: a run of options printed (-n) and documented together,
 * each setting a field of its feature's part of struct am_config. */
struct am_cfg_table {
	const char		*feature;	/* "dkim", "spf", ... */
	const struct am_cfg_opt	*opts;
	size_t			 nopts;
	size_t			 base, size;	/* the part: offset, size */
};

/* A feature's check over its whole part of the config. */
struct am_cfg_feature {
	const char		*name;
	am_cfg_whole_fn		*check;
};

/* Row initializers for the tables: name, type, offset, default,
 * check; numbers add bounds, actions the allowed ones. */
#define AM_CFG_ROW(n, t, f, d, c)	{ .name = (n), .type = (t), \
	.off = (f), .def = (d), .check = (c) }
#define AM_CFG_NUM(n, t, f, d, lo, hi)	{ .name = (n), .type = (t), \
	.off = (f), .def = (d), .min = (lo), .max = (hi) }
#define AM_CFG_ACTROW(n, f, d, acts)	{ .name = (n), \
	.type = AM_CFG_ACTION, .off = (f), .def = (d), .actions = (acts) }
#define AM_CFG_TABLE(part, rows)	{ #part, (rows), \
	sizeof(rows) / sizeof((rows)[0]), offsetof(struct am_config, part), \
	sizeof(((struct am_config *)0)->part) }

/* An OpenDKIM or OpenDMARC option we know but treat specially. */
enum am_cfg_known {
	AM_CFG_REFUSED,		/* error: we do not do this */
	AM_CFG_NOEFFECT,	/* warning: accepted, ignored */
	AM_CFG_ALWAYS,		/* accepted silently: we always do this */
	AM_CFG_OFFONLY		/* a Boolean asking for what we do not do
				 * (why: "send ..."): no is a warning, yes
				 * an error */
};

struct am_cfg_other {
	const char		*name;
	enum am_cfg_known	 what;
	const char		*why;
};

/* config_tables.c: every table, in print and manual order (NULL
 * ends it); every feature check, in the order they run. */
extern const struct am_cfg_table *const		am_cfg_tables[];
extern const struct am_cfg_feature *const	am_cfg_features[];
/* opts_compat.c: OpenDKIM's and OpenDMARC's names (NULL name ends). */
extern const struct am_cfg_other		am_cfg_others[];
extern const struct am_cfg_other		am_cfg_others_dmarc[];

/* The feature tables and checks (opts_*.c). */
extern const struct am_cfg_table	am_cfg_table_dkim,
	am_cfg_table_dkim_actions, am_cfg_table_ar, am_cfg_table_ar_headers,
	am_cfg_table_dns, am_cfg_table_spf, am_cfg_table_dmarc,
	am_cfg_table_daemon, am_cfg_table_report, am_cfg_table_keyupdate;
extern const struct am_cfg_feature	am_cfg_feature_dkim,
	am_cfg_feature_dns, am_cfg_feature_spf, am_cfg_feature_dmarc,
	am_cfg_feature_report, am_cfg_feature_keyupdate;

/* Options in all tables, and the i-th of them (0 <= i < count), in
 * table order: the index of an option's text in a snapshot. */
size_t				 am_cfg_opt_count(void);
const struct am_cfg_opt		*am_cfg_opt_at(size_t i);
/* By name, case-insensitive; *idx (may be NULL) gets its index. */
const struct am_cfg_opt		*am_cfg_opt_find(const char *name,
				    size_t *idx);
const struct am_cfg_other	*am_cfg_other_find(const char *name);
/* Applies one value; 0 or -1 (reported). */
int	am_cfg_apply(struct am_cfg_ctx *, const struct am_cfg_opt *,
	    const char *value);
/* Frees what option parsing allocated in cfg. */
void	am_cfg_opts_release(struct am_config *);
void	am_strv_free(char ***);
/* Records value as the text option name prints with (-n). */
void	am_cfg_set_shown(struct am_config *, const char *name,
	    const char *value);

/*
 * For whole-struct checks: was the option set in the file (or on the
 * command line)?  am_cfg_where() gives where, or the main config file
 * and line 0 when it was not set.
 */
int	am_cfg_is_set(const struct am_cfg_ctx *, const char *name);
void	am_cfg_where(const struct am_cfg_ctx *, const char *name,
	    const char **file, unsigned *line);

/*
 * Host list files already read (config.c): am_cfg_seen_find() says
 * which option read the data set key ("file:PATH", "refile:PATH") first,
 * where, and whether it had errors; am_cfg_seen_add() records one, with
 * c's file and line.
 */
int	am_cfg_seen_find(const struct am_cfg_ctx *, const char *key,
	    const char **opt, const char **file, unsigned *line, int *errors);
void	am_cfg_seen_add(const struct am_cfg_ctx *, const char *key,
	    const char *opt, int errors);

/* yes/no/true/false/1/0/on/off (y, n, t, f too): 0, or -1. */
int	am_cfg_parse_bool(const char *, int *);

/* Checks shared by several features' tables (config_opts.c). */
int	am_cfg_bad(struct am_cfg_ctx *, const struct am_cfg_opt *,
	    const char *value, const char *want);
am_cfg_check_fn	am_cfg_check_path, am_cfg_check_nonempty,
	am_cfg_check_domains;
/* Replaces the string in a char * field. */
void	am_cfg_setstr(void *field, char *s);
/* A decimal number within min..max: 0, or -1. */
int	am_cfg_num(const char *, unsigned long long min,
	    unsigned long long max, unsigned long long *out);
/* Parses an action name (accept, a, reject, r, ...). */
int	am_cfg_parse_action(const char *, enum am_action *);

/* Private part of a snapshot: the text of each option as applied. */
struct am_config_priv {
	char		**raw;		/* am_cfg_opt_count() entries */
	size_t		  nraw;
	char		 *basedir;
};

/* ---------------------------------------------------------------- peers */

/* Builds a peer list from a data set's keys; bad entries are reported
 * and skipped.  Returns NULL only if the set was unusable. */
struct am_peerlist	*am_peerlist_new(const struct am_dataset *,
			    struct am_diag *);
/* Parses an inline or file data set spec (for tests and options). */
struct am_peerlist	*am_peerlist_load(const char *spec,
			    const char *basedir, const char *file,
			    unsigned line, struct am_diag *);
void			 am_peerlist_free(struct am_peerlist **);
size_t			 am_peerlist_count(const struct am_peerlist *);
/* Prints the entries as written, ", "-separated. */
void			 am_peerlist_print(const struct am_peerlist *, FILE *);

/* ---------------------------------------------------------------- keys */

/*
 * am_keytable_load - build cfg->dkim.keysets from a KeyTable data set,
 * loading and checking every key (RequireSafeKeys, MinimumKeyBits,
 * SignatureAlgorithm must already be in cfg).
 */
void	am_keytable_load(struct am_config *, const struct am_dataset *,
	    const char *basedir, struct am_diag *);
/* The Domain/Selector/KeyFile form: one key set named "KeyFile" whose
 * key signs as "%" (the From domain, checked against Domain). */
void	am_keytable_keyfile(struct am_config *, const char *file,
	    unsigned line, struct am_diag *);
const struct am_keyset *am_keyset_find(const struct am_config *,
	    const char *name);
void	am_keysets_free(struct am_config *);
/*
 * am_key_load_checked - load one private key file, refusing unsafe
 * permissions when require_safe (else warning) and keys under
 * min_bits (RSA); RSA under 2048 bits is a warning.
 */
int	am_key_load_checked(const char *path, int require_safe,
	    unsigned min_bits, EVP_PKEY **out, const char *file,
	    unsigned line, struct am_diag *);

#endif /* AM_CONFIG_IMPL_H */
