#ifndef AM_CONFIG_IMPL_H
#define AM_CONFIG_IMPL_H

/*
 * config_impl - private to the configuration library (config.c,
 * config_opts.c, peerlist.c, keytable.c) and its unit tests
 */

#include <stddef.h>

#include "config.h"
#include "dataset.h"

/* ---------------------------------------------------------------- options */

/* Where the option being applied was written, and where errors go. */
struct am_cfg_ctx {
	struct am_config	*cfg;
	struct am_diag		*diag;
	const char		*basedir;	/* for relative paths */
	const char		*file;
	unsigned		 line;
};

enum am_cfg_type {
	AM_CFG_BOOL,		/* int: yes/no/true/false/1/0/on/off */
	AM_CFG_UINT,		/* unsigned, min..max */
	AM_CFG_SIZE,		/* size_t, min..max */
	AM_CFG_U64,		/* uint64_t, min..max */
	AM_CFG_STR,		/* char *; check may rewrite it */
	AM_CFG_LIST,		/* char **: a data set's keys */
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

#define AM_CFG_EARLY	0x01	/* applied before the others (On-Default) */
#define AM_CFG_ALIAS	0x02	/* another name for the option above it */

struct am_cfg_opt {
	const char		*name;
	enum am_cfg_type	 type;
	size_t			 off;	/* offsetof(struct am_config, ...) */
	const char		*def;	/* default, in file syntax; NULL none */
	unsigned long long	 min, max;
	am_cfg_check_fn		*check;
	int			 flags;
};

/* An OpenDKIM option we know but treat specially. */
enum am_cfg_known {
	AM_CFG_REFUSED,		/* error: we do not do this */
	AM_CFG_NOEFFECT,	/* warning: accepted, ignored */
	AM_CFG_ALWAYS		/* accepted silently: we always do this */
};

struct am_cfg_other {
	const char		*name;
	enum am_cfg_known	 what;
	const char		*why;
};

extern const struct am_cfg_opt	 am_cfg_opts[];
extern const size_t		 am_cfg_nopts;
extern const struct am_cfg_other am_cfg_others[];

extern const struct am_cfg_other am_cfg_others_dmarc[];

/* config_dmarc.c: DMARC option checks, and the PSL they select. */
am_cfg_check_fn	am_cfg_dmarc_discovery, am_cfg_reject_string, am_cfg_trusted_ids;
void	am_cfg_dmarc_psl(struct am_config *, const char *file, unsigned line,
	    struct am_diag *);
/* TrustedAuthservIDs naming our own AuthservID: warned about, dropped. */
void	am_cfg_dmarc_trusted(struct am_config *, const char *file,
	    unsigned line, struct am_diag *);

const struct am_cfg_opt		*am_cfg_opt_find(const char *name);
const struct am_cfg_other	*am_cfg_other_find(const char *name);
/* Applies one value; 0 or -1 (reported). */
int	am_cfg_apply(struct am_cfg_ctx *, const struct am_cfg_opt *,
	    const char *value);
/* Frees what option parsing allocated in cfg. */
void	am_cfg_opts_release(struct am_config *);
void	am_strv_free(char ***);

/* Private part of a snapshot: the text of each option as applied. */
struct am_config_priv {
	char		**raw;		/* am_cfg_nopts entries */
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
 * am_keytable_load - build cfg->keysets from a KeyTable data set,
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
