/*
 * opts_dkim - DKIM's options (RFC 6376): operation (Mode), signing
 * keys and signatures, whom to sign for, verifying, and the On-*
 * actions; their checks; and the check over the whole DKIM part, which
 * loads the KeyTable (or Domain, Selector and KeyFile) and the
 * SigningTable.  man/authmilter.conf.5 documents the rows in this order
 * (Operation, Signing keys, Signatures, Whom to sign for, Verifying,
 * Actions).
 */

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_impl.h"
#include "dkim_sign.h"
#include "domain.h"
#include "mem.h"
#include "signtable.h"

#define OFF(f)	offsetof(struct am_config, f)
#define AM_ACTIONS_WANT	"accept, reject, tempfail, discard or quarantine"

static am_cfg_check_fn am_cfg_mode, am_cfg_canon, am_cfg_on_default,
    am_cfg_lpolicy, am_cfg_minbits, am_cfg_selector, am_cfg_sigalg,
    am_cfg_macros, am_cfg_sign_hdrs, am_cfg_oversign_hdrs, am_cfg_omit_hdrs;
static am_cfg_whole_fn am_cfg_dkim_check;

/* OpenDKIM's default OmitHeaders (RFC 6376 5.4 "SHOULD NOT" sign);
 * the base of an OmitHeaders delta ("*,+x,-y"). */
static const char *const am_cfg_default_omit[] = {
	"return-path", "received", "comments", "keywords", "bcc",
	"resent-bcc", "dkim-signature", NULL
};

static const struct am_cfg_opt am_cfg_dkim_opts[] = {
	/* Operation. */
	AM_CFG_ROW("Mode", AM_CFG_FN, OFF(dkim.mode_sign), "sv",
	    am_cfg_mode),
	/* Signing: what and with which key. */
	AM_CFG_ROW("Domain", AM_CFG_LIST, OFF(dkim.domains), NULL,
	    am_cfg_check_domains),
	AM_CFG_ROW("Selector", AM_CFG_STR, OFF(dkim.selector), NULL,
	    am_cfg_selector),
	AM_CFG_ROW("KeyFile", AM_CFG_STR, OFF(dkim.keyfile), NULL,
	    am_cfg_check_path),
	AM_CFG_ROW("KeyTable", AM_CFG_STR, OFF(dkim.keytable), NULL,
	    am_cfg_check_nonempty),
	AM_CFG_ROW("SigningTable", AM_CFG_STR, OFF(dkim.signingtable), NULL,
	    am_cfg_check_nonempty),
	AM_CFG_ROW("SubDomains", AM_CFG_BOOL, OFF(dkim.subdomains), "no", NULL),
	AM_CFG_ROW("MultipleSignatures", AM_CFG_BOOL,
	    OFF(dkim.multiple_signatures), "no", NULL),
	AM_CFG_ROW("SignatureAlgorithm", AM_CFG_STR,
	    OFF(dkim.signature_algorithm), NULL, am_cfg_sigalg),
	AM_CFG_ROW("Canonicalization", AM_CFG_FN, OFF(dkim.hcanon),
	    "relaxed/relaxed", am_cfg_canon),
	AM_CFG_ROW("SignHeaders", AM_CFG_LIST, OFF(dkim.sign_headers), NULL,
	    am_cfg_sign_hdrs),
	AM_CFG_ROW("OversignHeaders", AM_CFG_LIST, OFF(dkim.oversign_headers),
	    "From", am_cfg_oversign_hdrs),
	AM_CFG_ROW("OmitHeaders", AM_CFG_LIST, OFF(dkim.omit_headers), NULL,
	    am_cfg_omit_hdrs),
	AM_CFG_NUM("SignatureTTL", AM_CFG_U64, OFF(dkim.signature_ttl), "0", 0,
	    10ULL * 366 * 86400),
	{ .name = "MinimumKeyBits", .type = AM_CFG_FN,
	    .off = OFF(dkim.minimum_key_bits), .def = "1024", .min = 0,
	    .max = 8192, .check = am_cfg_minbits },
	AM_CFG_ROW("RequireSafeKeys", AM_CFG_BOOL, OFF(dkim.require_safe_keys),
	    "yes", NULL),
	/* Whom to sign for. */
	AM_CFG_ROW("InternalHosts", AM_CFG_PEERS, OFF(dkim.internal_hosts),
	    "127.0.0.1, ::1", NULL),
	AM_CFG_ROW("ExternalIgnoreList", AM_CFG_PEERS,
	    OFF(dkim.external_ignore), NULL, NULL),
	AM_CFG_ROW("MacroList", AM_CFG_LIST, OFF(dkim.macro_list), NULL,
	    am_cfg_macros),
	/* Verifying. */
	AM_CFG_NUM("MaximumSignaturesToVerify", AM_CFG_SIZE,
	    OFF(dkim.verify.max_signatures), "10", 1, 100),
	AM_CFG_NUM("ClockSkew", AM_CFG_UINT, OFF(dkim.verify.clock_skew), "300",
	    0, 86400),
	{ .name = "ClockDrift", .type = AM_CFG_UINT,
	    .off = OFF(dkim.verify.clock_skew), .min = 0, .max = 86400,
	    .flags = AM_CFG_ALIAS },
	AM_CFG_ROW("BodyLengthPolicy", AM_CFG_FN, OFF(dkim.verify.l_policy),
	    "strict", am_cfg_lpolicy),
	AM_CFG_ROW("RejectBadFrom", AM_CFG_BOOL, OFF(dkim.reject_bad_from),
	    "no", NULL),
};

/* The actions (OpenDKIM's On-*): every one of them allowed. */
static const struct am_cfg_opt am_cfg_dkim_action_opts[] = {
	{ .name = "On-Default", .type = AM_CFG_FN,
	    .off = OFF(dkim.on_bad_signature), .check = am_cfg_on_default,
	    .flags = AM_CFG_EARLY },
	AM_CFG_ACTROW("On-BadSignature", OFF(dkim.on_bad_signature), "accept",
	    AM_CFG_ACTIONS_ALL),
	AM_CFG_ACTROW("On-DNSError", OFF(dkim.on_dns_error), "tempfail",
	    AM_CFG_ACTIONS_ALL),
	AM_CFG_ACTROW("On-InternalError", OFF(dkim.on_internal_error),
	    "tempfail", AM_CFG_ACTIONS_ALL),
	AM_CFG_ACTROW("On-KeyNotFound", OFF(dkim.on_key_not_found),
	    "accept", AM_CFG_ACTIONS_ALL),
	AM_CFG_ACTROW("On-NoSignature", OFF(dkim.on_no_signature),
	    "accept", AM_CFG_ACTIONS_ALL),
	AM_CFG_ACTROW("On-SignatureError", OFF(dkim.on_signature_error),
	    "reject", AM_CFG_ACTIONS_ALL),
};

const struct am_cfg_table am_cfg_table_dkim =
    AM_CFG_TABLE(dkim, am_cfg_dkim_opts);
const struct am_cfg_table am_cfg_table_dkim_actions =
    AM_CFG_TABLE(dkim, am_cfg_dkim_action_opts);
const struct am_cfg_feature am_cfg_feature_dkim = {
	"dkim", am_cfg_dkim_check
};

/* ---------------------------------------------------------------- checks */

static int
am_cfg_mode(struct am_cfg_ctx *c, const struct am_cfg_opt *o, void *field,
    const char *v)
{
	size_t	 i;
	int	 s = 0, ver = 0;

	for (i = 0; v[i] != '\0'; i++) {
		if (v[i] == 's' || v[i] == 'S')
			s = 1;
		else if (v[i] == 'v' || v[i] == 'V')
			ver = 1;
		else
			return am_cfg_bad(c, o, v, "s, v or sv");
	}
	c->cfg->dkim.mode_sign = s;
	c->cfg->dkim.mode_verify = ver;
	return 0;
}

static int
am_cfg_canon(struct am_cfg_ctx *c, const struct am_cfg_opt *o, void *field,
    const char *v)
{
	const char		*slash = strchr(v, '/');
	enum am_canon_mode	 h, b;

	if (slash == NULL) {
		if (am_canon_parse(v, strlen(v), &h) == -1)
			return am_cfg_bad(c, o, v, "header[/body], each "
			    "simple or relaxed");
		b = h;
	} else if (am_canon_parse(v, (size_t)(slash - v), &h) == -1 ||
	    am_canon_parse(slash + 1, strlen(slash + 1), &b) == -1)
		return am_cfg_bad(c, o, v, "header[/body], each simple or "
		    "relaxed");
	c->cfg->dkim.hcanon = h;
	c->cfg->dkim.bcanon = b;
	return 0;
}

static int
am_cfg_on_default(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	static const char *const each[] = { "On-BadSignature", "On-DNSError",
	    "On-InternalError", "On-KeyNotFound", "On-NoSignature",
	    "On-SignatureError" };
	enum am_action	 a;
	size_t		 i;

	if (am_cfg_parse_action(v, &a) == -1)
		return am_cfg_bad(c, o, v, AM_ACTIONS_WANT);
	c->cfg->dkim.on_bad_signature = c->cfg->dkim.on_dns_error = a;
	c->cfg->dkim.on_internal_error = c->cfg->dkim.on_key_not_found = a;
	c->cfg->dkim.on_no_signature = c->cfg->dkim.on_signature_error = a;
	/* -n prints each On-* as in effect (an On-* line given later
	 * replaces this). */
	for (i = 0; i < sizeof(each) / sizeof(each[0]); i++)
		am_cfg_set_shown(c->cfg, each[i], v);
	return 0;
}

static int
am_cfg_lpolicy(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	enum am_dkim_l_policy	*p = field;

	if (strcasecmp(v, "honour") == 0 || strcasecmp(v, "honor") == 0)
		*p = AM_DKIM_L_HONOUR;
	else if (strcasecmp(v, "strict") == 0)
		*p = AM_DKIM_L_STRICT;
	else if (strcasecmp(v, "refuse") == 0)
		*p = AM_DKIM_L_REFUSE;
	else
		return am_cfg_bad(c, o, v, "honour, strict or refuse");
	return 0;
}

static int
am_cfg_minbits(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	unsigned long long	 n;

	if (am_cfg_num(v, o->min, o->max, &n) == -1)
		return am_cfg_bad(c, o, v, "a number from 0 to 8192");
	c->cfg->dkim.minimum_key_bits = (unsigned)n;
	c->cfg->dkim.verify.min_key_bits = (unsigned)n;
	return 0;
}

static int
am_cfg_selector(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	struct am_err	 err;
	char		*a;

	if ((a = am_domain_to_alabel(v, strlen(v), &err)) == NULL)
		return am_cfg_bad(c, o, v, err.msg);
	am_cfg_setstr(field, a);
	return 0;
}

static int
am_cfg_sigalg(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	char	**sp = field, *p;

	for (p = *sp; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	if (strcmp(*sp, "rsa-sha1") == 0) {
		am_diag_error(c->diag, c->file, c->line, "%s: rsa-sha1 is "
		    "not allowed for signing (RFC 8301)", o->name);
		return -1;
	}
	if (strcmp(*sp, "rsa-sha256") != 0 &&
	    strcmp(*sp, "ed25519-sha256") != 0)
		return am_cfg_bad(c, o, v, "rsa-sha256 or ed25519-sha256");
	return 0;
}

static int
am_cfg_macros(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	char	**d = *(char ***)field;
	size_t	  i, n;
	int	  r = 0;

	for (i = 0; d[i] != NULL; i++) {
		n = strcspn(d[i], "=");
		if (n == 0 || strcspn(d[i], " \t") < n ||
		    (d[i][n] == '=' && d[i][n + 1] == '\0')) {
			am_diag_error(c->diag, c->file, c->line, "%s: \"%s\": "
			    "want name or name=value[|value...]", o->name,
			    AM_DIAG_Q(d[i]));
			r = -1;
		}
	}
	return r;
}

static int
am_hdr_in(char *const *v, size_t n, const char *name)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcasecmp(v[i], name) == 0)
			return 1;
	return 0;
}

static int
am_hdr_name_ok(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f ||
		    *s == ':' || *s == '=')
			return 0;
	return 1;
}

/*
 * am_cfg_headers - normalize a header name list in place: lower case,
 * "." dropped (OpenDKIM's "no headers"), and a list starting with "*"
 * taken as a delta ("+name", "-name") to base.
 */
static int
am_cfg_headers(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    char ***field, const char *const *base)
{
	char	**in = *field, **out, *p;
	size_t	  nin, nout = 0, i, cap;
	int	  r = 0, delta;

	for (nin = 0; in[nin] != NULL; nin++)
		for (p = in[nin]; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
	delta = nin > 0 && strcmp(in[0], "*") == 0;
	cap = nin + 1;
	for (i = 0; delta && base != NULL && base[i] != NULL; i++)
		cap++;
	out = am_calloc(cap, sizeof(*out));
	for (i = 0; delta && base != NULL && base[i] != NULL; i++)
		out[nout++] = am_strdup(base[i]);
	for (i = delta; i < nin; i++) {
		p = in[i];
		if (delta && (*p == '+' || *p == '-'))
			p++;
		if (strcmp(p, ".") == 0)
			continue;
		if (!am_hdr_name_ok(p)) {
			am_diag_error(c->diag, c->file, c->line, "%s: \"%s\" "
			    "is not a header field name", o->name,
			    AM_DIAG_Q(in[i]));
			r = -1;
		} else if (delta && in[i][0] == '-') {
			size_t j, k;

			for (j = k = 0; j < nout; j++) {
				if (strcmp(out[j], p) == 0)
					free(out[j]);
				else
					out[k++] = out[j];
			}
			nout = k;
			out[nout] = NULL;
		} else if (!am_hdr_in(out, nout, p))
			out[nout++] = am_strdup(p);
	}
	am_strv_free(field);
	*field = out;
	return r;
}

static int
am_cfg_sign_hdrs(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	return am_cfg_headers(c, o, field, am_dkim_sign_default_headers);
}

static int
am_cfg_oversign_hdrs(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	return am_cfg_headers(c, o, field, am_dkim_sign_default_oversign);
}

static int
am_cfg_omit_hdrs(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	char	***vp = field;
	size_t	   i, k;

	if (am_cfg_headers(c, o, vp, am_cfg_default_omit) == -1)
		return -1;
	for (i = k = 0; (*vp)[i] != NULL; i++) {
		if (strcmp((*vp)[i], "from") == 0) {
			am_diag_warn(c->diag, c->file, c->line, "%s: From is "
			    "always signed (RFC 6376); ignored", o->name);
			free((*vp)[i]);
		} else
			(*vp)[k++] = (*vp)[i];
	}
	(*vp)[k] = NULL;
	return 0;
}

/* ---------------------------------------------------------------- keys */

/* An entry of a SigningTable: "pattern keyname [signer]"; a pattern is
 * an address, never with ':'. */
static int
am_cfg_signtable_fit(const struct am_dataset_entry *e)
{
	return e->value[0] != '\0' && strchr(e->key, ':') == NULL;
}

/* An entry of a KeyTable: "keyname domain:selector:key[,...]". */
static int
am_cfg_keytable_fit(const struct am_dataset_entry *e)
{
	return e->value[0] != '\0' && strchr(e->value, ':') != NULL;
}

static void
am_cfg_signtable(struct am_cfg_ctx *c)
{
	struct am_config		*cfg = c->cfg;
	const struct am_signtable_entry	*e;
	struct am_dataset		*ds;
	const char			*file;
	unsigned			 line;
	size_t				 i;

	am_cfg_where(c, "SigningTable", &file, &line);
	am_diag_context(c->diag, "SigningTable", file, line);
	if (am_dataset_load(cfg->dkim.signingtable, c->basedir, file, line,
	    c->diag, &ds) == -1)
		goto out;
	if (am_dataset_unfit(ds, am_cfg_signtable_fit, "SigningTable", file,
	    line, c->diag)) {
		am_dataset_free(&ds);
		goto out;
	}
	cfg->dkim.signtable = am_signtable_new(ds, c->diag);
	am_dataset_free(&ds);
	for (i = 0; i < am_signtable_count(cfg->dkim.signtable); i++) {
		e = am_signtable_entry(cfg->dkim.signtable, i);
		if (strcmp(e->keyname, "%") != 0 &&
		    am_keyset_find(cfg, e->keyname) == NULL)
			am_diag_error(c->diag, e->file, e->line, "key name "
			    "\"%s\" is not in the KeyTable", e->keyname);
	}
out:
	am_diag_context(c->diag, NULL, NULL, 0);
}

static void
am_cfg_keytable(struct am_cfg_ctx *c)
{
	struct am_config	*cfg = c->cfg;
	struct am_dataset	*ds;
	const char		*file;
	unsigned		 line;
	static const char *const ignored[] = { "Domain", "Selector",
	    "KeyFile", NULL };
	size_t			 i;

	for (i = 0; ignored[i] != NULL; i++)
		if (am_cfg_is_set(c, ignored[i])) {
			am_cfg_where(c, ignored[i], &file, &line);
			am_diag_warn(c->diag, file, line, "%s is ignored: "
			    "KeyTable is set", ignored[i]);
		}
	am_cfg_where(c, "KeyTable", &file, &line);
	if (cfg->dkim.signingtable == NULL)
		am_diag_error(c->diag, file, line, "KeyTable needs a "
		    "SigningTable to say which key signs which mail");
	am_diag_context(c->diag, "KeyTable", file, line);
	if (am_dataset_load(cfg->dkim.keytable, c->basedir, file, line,
	    c->diag, &ds) == -1) {
		am_diag_context(c->diag, NULL, NULL, 0);
		return;
	}
	if (am_dataset_unfit(ds, am_cfg_keytable_fit, "KeyTable", file, line,
	    c->diag)) {
		am_diag_context(c->diag, NULL, NULL, 0);
		am_dataset_free(&ds);
		return;
	}
	am_keytable_load(cfg, ds, c->basedir, c->diag);
	am_diag_context(c->diag, NULL, NULL, 0);
	am_dataset_free(&ds);
	if (cfg->dkim.signingtable != NULL)
		am_cfg_signtable(c);
}

static void
am_cfg_dkim_check(struct am_cfg_ctx *c)
{
	struct am_config	*cfg = c->cfg;
	const char		*file;
	unsigned		 line;
	int			 d = am_cfg_is_set(c, "Domain"),
				 s = am_cfg_is_set(c, "Selector"),
				 k = am_cfg_is_set(c, "KeyFile");

	/* An option that failed its own check was reported already. */
	if ((d && cfg->dkim.domains == NULL) ||
	    (s && cfg->dkim.selector == NULL) ||
	    (k && cfg->dkim.keyfile == NULL) ||
	    (am_cfg_is_set(c, "KeyTable") && cfg->dkim.keytable == NULL) ||
	    (am_cfg_is_set(c, "SigningTable") &&
	    cfg->dkim.signingtable == NULL))
		return;

	if (cfg->dkim.keytable != NULL) {
		am_cfg_keytable(c);
	} else if (cfg->dkim.signingtable != NULL) {
		am_cfg_where(c, "SigningTable", &file, &line);
		am_diag_error(c->diag, file, line, "SigningTable needs a "
		    "KeyTable");
	} else if (d || s || k) {
		am_cfg_where(c, k ? "KeyFile" : s ? "Selector" : "Domain",
		    &file, &line);
		if (!(d && s && k))
			am_diag_error(c->diag, file, line, "signing with one "
			    "key needs Domain, Selector and KeyFile; %s%s%s "
			    "missing", d ? "" : "Domain ", s ? "" :
			    "Selector ", k ? "" : "KeyFile ");
		else
			am_keytable_keyfile(cfg, file, line, c->diag);
	}
	if (cfg->dkim.mode_sign && !cfg->dkim.mode_verify &&
	    cfg->dkim.keytable == NULL && !(d && s && k)) {
		am_cfg_where(c, "Mode", &file, &line);
		am_diag_error(c->diag, file, line, "Mode s needs keys: "
		    "KeyTable and SigningTable, or Domain, Selector and "
		    "KeyFile");
	}
}
