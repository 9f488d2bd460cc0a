/*
 * opts_dmarc - DMARC's options (RFC 9989; OpenDMARC's names where it
 * has the option), their checks, and the check over the whole DMARC
 * part: the Public Suffix List it may load, and TrustedAuthservIDs
 * against our own AuthservID.  The OpenDMARC options we refuse by name
 * are in opts_compat.c.
 */

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_impl.h"
#include "mem.h"
#include "psl.h"

#define OFF(f)	offsetof(struct am_config, f)

#define AM_DMARC_ACTIONS_TEMP	(AM_CFG_ACT(AM_ACTION_ACCEPT) | \
				 AM_CFG_ACT(AM_ACTION_TEMPFAIL))

static am_cfg_check_fn am_cfg_dmarc_discovery, am_cfg_reject_string,
    am_cfg_trusted_ids;
static am_cfg_whole_fn am_cfg_dmarc_check;

static const struct am_cfg_opt am_cfg_dmarc_opts[] = {
	AM_CFG_ROW("DMARCMode", AM_CFG_BOOL, OFF(dmarc.mode), "on", NULL),
	AM_CFG_ROW("RejectFailures", AM_CFG_BOOL, OFF(dmarc.reject_failures),
	    "no", NULL),
	AM_CFG_ROW("HoldQuarantinedMessages", AM_CFG_BOOL, OFF(dmarc.hold),
	    "yes", NULL),
	AM_CFG_ROW("IgnoreAuthenticatedClients", AM_CFG_BOOL,
	    OFF(dmarc.ignore_auth), "yes", NULL),
	AM_CFG_ROW("IgnoreHosts", AM_CFG_PEERS, OFF(dmarc.ignore_hosts), NULL,
	    NULL),
	AM_CFG_ROW("IgnoreMailFrom", AM_CFG_LIST, OFF(dmarc.ignore_domains),
	    NULL, am_cfg_check_domains),
	{ .name = "IgnoreDomains", .type = AM_CFG_LIST,
	    .off = OFF(dmarc.ignore_domains), .check = am_cfg_check_domains,
	    .flags = AM_CFG_ALIAS },
	AM_CFG_ROW("RequiredHeaders", AM_CFG_BOOL, OFF(dmarc.required_headers),
	    "yes", NULL),
	AM_CFG_ROW("RejectMultiValueFrom", AM_CFG_BOOL,
	    OFF(dmarc.reject_multi_from), "no", NULL),
	AM_CFG_ROW("DMARCDiscovery", AM_CFG_FN, OFF(dmarc.psl_mode),
	    "treewalk", am_cfg_dmarc_discovery),
	AM_CFG_ROW("PublicSuffixList", AM_CFG_STR, OFF(dmarc.psl_file), NULL,
	    am_cfg_check_path),
	AM_CFG_ROW("RejectString", AM_CFG_STR, OFF(dmarc.reject_string),
	    "rejected by DMARC policy for %s", am_cfg_reject_string),
	AM_CFG_ACTROW("TemporaryErrorAction", OFF(dmarc.temperror_action),
	    "tempfail", AM_DMARC_ACTIONS_TEMP),
	AM_CFG_ROW("TrustedAuthservIDs", AM_CFG_LIST, OFF(dmarc.trusted_ids),
	    NULL, am_cfg_trusted_ids),
};

const struct am_cfg_table am_cfg_table_dmarc =
    AM_CFG_TABLE(dmarc, am_cfg_dmarc_opts);
const struct am_cfg_feature am_cfg_feature_dmarc = {
	"dmarc", am_cfg_dmarc_check
};

/* DMARCDiscovery: treewalk (RFC 9989) or psl (RFC 7489). */

static int
am_cfg_dmarc_discovery(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	if (strcasecmp(v, "treewalk") == 0 || strcasecmp(v, "walk") == 0)
		*(int *)field = 0;
	else if (strcasecmp(v, "psl") == 0)
		*(int *)field = 1;
	else {
		am_diag_error(c->diag, c->file, c->line, "%s: bad value "
		    "\"%s\": want treewalk or psl", o->name, AM_DIAG_Q(v));
		return -1;
	}
	return 0;
}

/* RejectString: one "%s" (the From domain), no other '%' (OpenDMARC). */

static int
am_cfg_reject_string(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	const char	*p = strchr(v, '%');
	size_t		 i;

	for (i = 0; v[i] != '\0'; i++)
		if ((unsigned char)v[i] < ' ' || (unsigned char)v[i] == 0x7f)
			break;
	if (p == NULL || p[1] != 's' || strchr(p + 2, '%') != NULL ||
	    v[i] != '\0' || strlen(v) > 200) {
		am_diag_error(c->diag, c->file, c->line, "%s: bad value "
		    "\"%s\": want a text of at most 200 printable characters "
		    "with one %%s (the From domain) and no other %%", o->name,
		    AM_DIAG_Q(v));
		return -1;
	}
	return 0;
}

/*
 * am_cfg_dmarc_psl - load the Public Suffix List when PSL discovery is
 * selected (DMARCDiscovery psl, or PublicSuffixList given).
 */
static void
am_cfg_dmarc_psl(struct am_config *cfg, const char *file, unsigned line,
    struct am_diag *diag)
{
	struct am_err	 err;

	if (cfg->dmarc.psl_file != NULL && !cfg->dmarc.psl_mode) {
		cfg->dmarc.psl_mode = 1;
		am_cfg_set_shown(cfg, "DMARCDiscovery", "psl");
	}
	if (!cfg->dmarc.mode || !cfg->dmarc.psl_mode)
		return;
	am_err_clear(&err);
	if ((cfg->dmarc.psl = am_psl_new(cfg->dmarc.psl_file, &err)) == NULL)
		am_diag_error(diag, file, line, "PublicSuffixList: %s",
		    err.msg);
}

/*
 * TrustedAuthservIDs: authserv-ids (RFC 8601 2.2 values) whose
 * Authentication-Results spf and dkim results DMARC may use.  Each is
 * a token, as our own AuthservID is: no white space, controls,
 * "();,\\\"" or non-ASCII, at most 255 octets.
 */
static int
am_cfg_trusted_ids(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	char *const	*d = *(char ***)field;
	size_t		 i, j;
	int		 r = 0;

	(void)v;
	for (i = 0; d != NULL && d[i] != NULL; i++) {
		for (j = 0; d[i][j] != '\0'; j++)
			if ((unsigned char)d[i][j] <= ' ' ||
			    (unsigned char)d[i][j] >= 0x7f ||
			    strchr("();,\\\"=", d[i][j]) != NULL)
				break;
		if (j == 0 || d[i][j] != '\0' || j > 255) {
			am_diag_error(c->diag, c->file, c->line, "%s: bad "
			    "authserv-id \"%s\": want a host name or other "
			    "token", o->name, AM_DIAG_Q(d[i]));
			r = -1;
		}
	}
	return r;
}

/* -n prints the entries left, as the list is in effect. */
static void
am_cfg_dmarc_trusted_shown(struct am_config *cfg)
{
	char	**d = cfg->dmarc.trusted_ids, *text = NULL;
	size_t	  i, n = 0;

	for (i = 0; d[i] != NULL; i++)
		n += strlen(d[i]) + 2;
	if (n > 0) {
		text = am_calloc(1, n + 1);
		for (i = 0; d[i] != NULL; i++) {
			if (i > 0)
				strcat(text, ", ");
			strcat(text, d[i]);
		}
	}
	am_cfg_set_shown(cfg, "TrustedAuthservIDs", text);
	free(text);
}

/*
 * am_cfg_dmarc_trusted - our own AuthservID is never trusted: fields
 * carrying it arrive from outside and are removed as forgeries
 * (OpenDMARC trusts its own name by default, because OpenDKIM on the
 * same host writes with it; authmilter verifies DKIM itself).  Such an
 * entry is warned about and dropped.
 */
static void
am_cfg_dmarc_trusted(struct am_config *cfg, const char *file, unsigned line,
    struct am_diag *diag)
{
	char	**d = cfg->dmarc.trusted_ids;
	size_t	  i, o = 0;

	if (d == NULL)
		return;
	for (i = 0; d[i] != NULL; i++) {
		if (cfg->ar.authserv_id != NULL &&
		    strcasecmp(d[i], cfg->ar.authserv_id) == 0) {
			am_diag_warn(diag, file, line, "TrustedAuthservIDs: "
			    "\"%s\" is our own AuthservID, never trusted "
			    "(such fields are removed as forgeries)",
			    AM_DIAG_Q(d[i]));
			free(d[i]);
			continue;
		}
		d[o++] = d[i];
	}
	d[o] = NULL;
	if (o < i)
		am_cfg_dmarc_trusted_shown(cfg);
}

/* DMARC: the Public Suffix List, when PSL discovery is selected, and
 * TrustedAuthservIDs against AuthservID. */
static void
am_cfg_dmarc_check(struct am_cfg_ctx *c)
{
	struct am_config	*cfg = c->cfg;
	const char	*file;
	unsigned	 line;

	am_cfg_where(c, am_cfg_is_set(c, "PublicSuffixList") ?
	    "PublicSuffixList" : "DMARCDiscovery", &file, &line);
	am_cfg_dmarc_psl(cfg, file, line, c->diag);
	am_cfg_where(c, "TrustedAuthservIDs", &file, &line);
	am_cfg_dmarc_trusted(cfg, file, line, c->diag);
}
