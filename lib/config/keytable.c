/*
 * keytable - KeyTable (and the Domain/Selector/KeyFile form): load
 * every signing key at config load, check it, keep it in an EVP_PKEY
 *
 * A KeyTable line is "keyname domain:selector:key", as in OpenDKIM;
 * in a refile: KeyTable the key name is a pattern ('*' any run of
 * characters), and a name the SigningTable gives takes the first entry
 * whose pattern matches it, in file order (OpenDKIM's refile: lookup);
 * our extension: several "domain:selector:key" triples separated by
 * commas make one key set that signs once per key (RSA and Ed25519
 * dual signing).  The key is a file when it starts with '/', "./" or
 * "../" (relative ones are taken from the config file's directory),
 * otherwise the key itself: PEM, or base64 DER (PKCS#8 or PKCS#1).
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "base64.h"
#include "buf.h"
#include "config_impl.h"
#include "domain.h"
#include "mem.h"
#include "pkey.h"

#define AM_KEY_MAXFILE	(64 * 1024)

static const struct am_keyset *am_keyset_named(const struct am_config *,
    const char *);

/* am_key_unsafe - why the file or its directory is unsafe, or NULL */

static const char *
am_key_unsafe(const char *path, const struct stat *st)
{
	struct stat	 dst;
	char		*copy, *dir;
	int		 bad;

	if (st->st_mode & (S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH))
		return "is readable or writable by group or others";
	copy = am_strdup(path);
	dir = dirname(copy);
	bad = stat(dir, &dst) == 0 && (dst.st_mode & S_IWOTH);
	free(copy);
	return bad ? "is in a directory others can write to" : NULL;
}

static int
am_key_check_size(EVP_PKEY *pk, unsigned min_bits, const char *what,
    const char *file, unsigned line, struct am_diag *diag)
{
	unsigned	 bits;

	if (am_pkey_type(pk) != AM_PKEY_RSA)
		return 0;
	bits = am_pkey_bits(pk);
	if (bits < min_bits) {
		am_diag_error(diag, file, line, "%s: RSA key has %u bits, "
		    "under MinimumKeyBits (%u)", what, bits, min_bits);
		return -1;
	}
	if (bits < 2048)
		am_diag_warn(diag, file, line, "%s: RSA key has only %u bits; "
		    "2048 or more is recommended", what, bits);
	return 0;
}

int
am_key_load_checked(const char *path, int require_safe, unsigned min_bits,
    EVP_PKEY **out, const char *file, unsigned line, struct am_diag *diag)
{
	char		 data[AM_KEY_MAXFILE + 1];
	struct stat	 st;
	struct am_err	 err;
	const char	*why;
	ssize_t		 n;
	int		 fd, r;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) == -1) {
		am_diag_error(diag, file, line, "key file %s: cannot open: %s",
		    path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		am_diag_error(diag, file, line, "key file %s: not a regular "
		    "file", path);
		close(fd);
		return -1;
	}
	if ((why = am_key_unsafe(path, &st)) != NULL) {
		if (require_safe) {
			am_diag_error(diag, file, line, "key file %s %s (mode "
			    "%04o): chmod 600 it, or set RequireSafeKeys no",
			    path, why, (unsigned)(st.st_mode & 07777));
			close(fd);
			return -1;
		}
		am_diag_warn(diag, file, line, "key file %s %s", path, why);
	}
	n = read(fd, data, sizeof(data));
	close(fd);
	if (n < 0 || (size_t)n > AM_KEY_MAXFILE) {
		am_diag_error(diag, file, line, "key file %s: %s", path,
		    n < 0 ? strerror(errno) : "too large");
		OPENSSL_cleanse(data, sizeof(data));
		return -1;
	}
	r = am_pkey_load_pem(data, (size_t)n, out, &err);
	OPENSSL_cleanse(data, sizeof(data));
	if (r == -1) {
		am_diag_error(diag, file, line, "key file %s: %s", path,
		    err.msg);
		return -1;
	}
	if (am_key_check_size(*out, min_bits, path, file, line, diag) == -1) {
		EVP_PKEY_free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* am_key_pem_wrap - base64 text as a PEM block of 64-column lines */

static void
am_key_pem_wrap(struct am_buf *pem, const char *label, const char *b64)
{
	size_t	 i, n = strlen(b64);

	am_buf_reset(pem);
	(void)am_buf_printf(pem, "-----BEGIN %s-----\n", label);
	for (i = 0; i < n; i += 64) {
		(void)am_buf_append(pem, b64 + i, n - i < 64 ? n - i : 64);
		(void)am_buf_appendc(pem, '\n');
	}
	(void)am_buf_printf(pem, "-----END %s-----\n", label);
}

static int
am_key_load_inline(const char *text, EVP_PKEY **out, struct am_err *err)
{
	struct am_buf	 pem;
	unsigned char	*bin;
	char		*b64;
	size_t		 binlen;
	int		 r;

	if (strncmp(text, "-----BEGIN", 10) == 0)
		return am_pkey_load_pem(text, strlen(text), out, err);
	if (am_base64_decode_fws(text, strlen(text), &bin, &binlen,
	    &b64) == -1)
		return am_err_set(err, AM_E_SYNTAX, "neither a key file "
		    "(a path starts with /, ./ or ../) nor a base64 key");
	OPENSSL_cleanse(bin, binlen);
	free(bin);
	am_buf_init(&pem, AM_KEY_MAXFILE);
	am_key_pem_wrap(&pem, "PRIVATE KEY", b64);
	r = pem.err ? -1 : am_pkey_load_pem((const char *)pem.data, pem.len,
	    out, err);
	if (r == -1 && !pem.err) {
		am_key_pem_wrap(&pem, "RSA PRIVATE KEY", b64);
		r = pem.err ? -1 : am_pkey_load_pem((const char *)pem.data,
		    pem.len, out, err);
	}
	if (pem.err)
		r = am_err_set(err, AM_E_LIMIT, "inline key too long");
	if (pem.data != NULL)
		OPENSSL_cleanse(pem.data, pem.cap);
	am_buf_release(&pem);
	OPENSSL_cleanse(b64, strlen(b64));
	free(b64);
	return r;
}

static int
am_key_alg_ok(const struct am_config *cfg, EVP_PKEY *pk, const char *file,
    unsigned line, struct am_diag *diag)
{
	const char	*have;

	if (cfg->dkim.signature_algorithm == NULL)
		return 0;
	have = am_pkey_type(pk) == AM_PKEY_RSA ? "rsa-sha256" :
	    "ed25519-sha256";
	if (strcmp(have, cfg->dkim.signature_algorithm) == 0)
		return 0;
	am_diag_error(diag, file, line, "SignatureAlgorithm is %s but this "
	    "key is for %s", cfg->dkim.signature_algorithm, have);
	return -1;
}

/* am_key_material - load the third field: a file or the key itself */

static int
am_key_material(const struct am_config *cfg, struct am_key *k,
    const char *spec, const char *basedir, const char *file,
    unsigned line, struct am_diag *diag)
{
	struct am_err	 err;

	if (strchr(spec, '%') != NULL) {
		am_diag_error(diag, file, line, "\"%s\": '%%' in a key is not "
		    "supported: keys are loaded at start, before privileges "
		    "are dropped; list one entry per domain", AM_DIAG_Q(spec));
		return -1;
	}
	if (spec[0] == '/' || strncmp(spec, "./", 2) == 0 ||
	    strncmp(spec, "../", 3) == 0) {
		k->path = am_path_resolve(basedir, spec);
		return am_key_load_checked(k->path, cfg->dkim.require_safe_keys,
		    cfg->dkim.minimum_key_bits, &k->pkey, file, line, diag);
	}
	k->path = am_strdup("(inline)");
	if (am_key_load_inline(spec, &k->pkey, &err) == -1) {
		am_diag_error(diag, file, line, "key for %s: %s", k->name,
		    err.msg);
		return -1;
	}
	if (am_key_check_size(k->pkey, cfg->dkim.minimum_key_bits, "inline key",
	    file, line, diag) == -1) {
		EVP_PKEY_free(k->pkey);
		k->pkey = NULL;
		return -1;
	}
	return 0;
}

static char *
am_key_name(const char *s, int allow_pct, const char *what,
    const char *file, unsigned line, struct am_diag *diag)
{
	struct am_err	 err;
	char		*r;

	if (allow_pct && strcmp(s, "%") == 0)
		return am_strdup(s);
	if ((r = am_domain_to_alabel(s, strlen(s), &err)) == NULL)
		am_diag_error(diag, file, line, "%s \"%s\": %s", what,
		    AM_DIAG_Q(s), err.msg);
	return r;
}

/* am_key_one - "domain:selector:key" into k; 0 or -1 (reported) */

static int
am_key_one(const struct am_config *cfg, struct am_key *k, const char *name,
    char *triple, const char *basedir, const char *file, unsigned line,
    struct am_diag *diag)
{
	char	*f[3];

	k->name = am_strdup(name);
	if (am_split(triple, ':', f, 3) != 3 || f[0][0] == '\0' ||
	    f[1][0] == '\0' || f[2][0] == '\0') {
		am_diag_error(diag, file, line, "key %s: want "
		    "\"domain:selector:keyfile\"", AM_DIAG_Q(name));
		return -1;
	}
	k->domain = am_key_name(f[0], 1, "domain", file, line, diag);
	k->selector = am_key_name(f[1], 0, "selector", file, line, diag);
	if (k->domain == NULL || k->selector == NULL)
		return -1;
	if (am_key_material(cfg, k, f[2], basedir, file, line, diag) == -1)
		return -1;
	return am_key_alg_ok(cfg, k->pkey, file, line, diag);
}

static void
am_key_release(struct am_key *k)
{
	free(k->name);
	free(k->domain);
	free(k->selector);
	free(k->path);
	EVP_PKEY_free(k->pkey);
	memset(k, 0, sizeof(*k));
}

/* am_keyset_parse - one KeyTable entry; 0 or -1 (reported) */

static int
am_keyset_parse(const struct am_config *cfg, struct am_keyset *ks,
    const struct am_dataset_entry *e, const char *basedir,
    struct am_diag *diag)
{
	char	*copy = am_strdup(e->value), *part[AM_SIGN_MAXSIGS + 1];
	size_t	 n, i;
	int	 bad = 0;

	n = am_split(copy, ',', part, AM_SIGN_MAXSIGS + 1);
	if (n > AM_SIGN_MAXSIGS || e->value[0] == '\0') {
		am_diag_error(diag, e->file, e->line, "key %s: %s",
		    AM_DIAG_Q(e->key),
		    n > AM_SIGN_MAXSIGS ? "more than 8 keys" :
		    "want \"domain:selector:keyfile\"");
		free(copy);
		return -1;
	}
	ks->name = am_strdup(e->key);
	ks->keys = am_calloc(n, sizeof(*ks->keys));
	for (i = 0; i < n; i++) {
		if (am_key_one(cfg, &ks->keys[ks->nkeys], e->key, part[i],
		    basedir, e->file, e->line, diag) == -1) {
			am_key_release(&ks->keys[ks->nkeys]);
			bad = 1;
		} else
			ks->nkeys++;
	}
	free(copy);
	return bad ? -1 : 0;
}

static void
am_keyset_release(struct am_keyset *ks)
{
	size_t	 i;

	for (i = 0; i < ks->nkeys; i++)
		am_key_release(&ks->keys[i]);
	free(ks->keys);
	free(ks->name);
	memset(ks, 0, sizeof(*ks));
}

void
am_keytable_load(struct am_config *cfg, const struct am_dataset *ds,
    const char *basedir, struct am_diag *diag)
{
	const struct am_dataset_entry	*e;
	const struct am_keyset		*dup;
	struct am_keyset		*ks;
	size_t				 i;

	cfg->dkim.keytable_wild = ds->kind == AM_DATASET_REFILE;
	cfg->dkim.keysets = am_calloc(ds->n + 1, sizeof(*cfg->dkim.keysets));
	for (i = 0; i < ds->n; i++) {
		e = &ds->entries[i];
		if ((dup = am_keyset_named(cfg, e->key)) != NULL) {
			am_diag_error(diag, e->file, e->line, "key name %s is "
			    "already defined", AM_DIAG_Q(e->key));
			continue;
		}
		/* A set that failed keeps its name (and no keys), so that
		 * SigningTable lines naming it do not add errors; a
		 * config with errors is never used. */
		ks = &cfg->dkim.keysets[cfg->dkim.nkeysets];
		if (am_keyset_parse(cfg, ks, e, basedir, diag) == -1) {
			am_keyset_release(ks);
			ks->name = am_strdup(e->key);
		}
		cfg->dkim.nkeysets++;
	}
}

void
am_keytable_keyfile(struct am_config *cfg, const char *file,
    unsigned line, struct am_diag *diag)
{
	struct am_keyset	*ks;
	struct am_key		*k;

	cfg->dkim.keysets = am_calloc(1, sizeof(*cfg->dkim.keysets));
	ks = &cfg->dkim.keysets[0];
	ks->name = am_strdup("KeyFile");
	ks->keys = k = am_calloc(1, sizeof(*ks->keys));
	ks->nkeys = 1;			/* so that release frees it */
	k->name = am_strdup("KeyFile");
	k->domain = am_strdup("%");
	k->selector = am_strdup(cfg->dkim.selector); /* checked as an option */
	k->path = am_strdup(cfg->dkim.keyfile);
	if (am_key_load_checked(k->path, cfg->dkim.require_safe_keys,
	    cfg->dkim.minimum_key_bits, &k->pkey, file, line, diag) == -1 ||
	    am_key_alg_ok(cfg, k->pkey, file, line, diag) == -1) {
		am_keyset_release(ks);
		return;
	}
	cfg->dkim.nkeysets = 1;
}

/* am_keyset_named - the key set written with exactly this name */

static const struct am_keyset *
am_keyset_named(const struct am_config *cfg, const char *name)
{
	size_t	 i;

	for (i = 0; i < cfg->dkim.nkeysets; i++)
		if (strcmp(cfg->dkim.keysets[i].name, name) == 0)
			return &cfg->dkim.keysets[i];
	return NULL;
}

const struct am_keyset *
am_keyset_find(const struct am_config *cfg, const char *name)
{
	size_t	 i;

	if (!cfg->dkim.keytable_wild)
		return am_keyset_named(cfg, name);
	for (i = 0; i < cfg->dkim.nkeysets; i++)
		if (am_dataset_wildmatch(cfg->dkim.keysets[i].name, name))
			return &cfg->dkim.keysets[i];
	return NULL;
}

void
am_keysets_free(struct am_config *cfg)
{
	size_t	 i;

	for (i = 0; i < cfg->dkim.nkeysets; i++)
		am_keyset_release(&cfg->dkim.keysets[i]);
	free(cfg->dkim.keysets);
	cfg->dkim.keysets = NULL;
	cfg->dkim.nkeysets = 0;
}
