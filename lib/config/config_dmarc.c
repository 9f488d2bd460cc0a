/*
 * config_dmarc - the DMARC options' checks, the PSL they may load,
 * TrustedAuthservIDs, and the OpenDMARC options (opendmarc.conf(5)) we
 * refuse by name.  The
 * options themselves are rows of the one table in config_opts.c;
 * man/authmilter.conf.5 documents them.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_impl.h"
#include "psl.h"

/* DMARCDiscovery: treewalk (RFC 9989) or psl (RFC 7489). */

int
am_cfg_dmarc_discovery(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	if (strcasecmp(v, "treewalk") == 0 || strcasecmp(v, "walk") == 0)
		*(int *)field = 0;
	else if (strcasecmp(v, "psl") == 0)
		*(int *)field = 1;
	else {
		am_diag_error(c->diag, c->file, c->line, "%s: bad value "
		    "\"%s\": want treewalk or psl", o->name, v);
		return -1;
	}
	return 0;
}

/* RejectString: one "%s" (the From domain), no other '%' (OpenDMARC). */

int
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
		    v);
		return -1;
	}
	return 0;
}

/*
 * am_cfg_dmarc_psl - load the Public Suffix List when PSL discovery is
 * selected (DMARCDiscovery psl, or PublicSuffixList given).
 */
void
am_cfg_dmarc_psl(struct am_config *cfg, const char *file, unsigned line,
    struct am_diag *diag)
{
	struct am_err	 err;

	if (cfg->dmarc_psl_file != NULL)
		cfg->dmarc_psl_mode = 1;
	if (!cfg->dmarc_mode || !cfg->dmarc_psl_mode)
		return;
	am_err_clear(&err);
	if ((cfg->dmarc_psl = am_psl_new(cfg->dmarc_psl_file, &err)) == NULL)
		am_diag_error(diag, file, line, "PublicSuffixList: %s",
		    err.msg);
}

/*
 * TrustedAuthservIDs: authserv-ids (RFC 8601 2.2 values) whose
 * Authentication-Results spf and dkim results DMARC may use.  Each is
 * a token, as our own AuthservID is: no white space, controls,
 * "();,\\\"" or non-ASCII, at most 255 octets.
 */
int
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
			    "token", o->name, d[i]);
			r = -1;
		}
	}
	return r;
}

/*
 * am_cfg_dmarc_trusted - our own AuthservID is never trusted: fields
 * carrying it arrive from outside and are removed as forgeries
 * (OpenDMARC trusts its own name by default, because OpenDKIM on the
 * same host writes with it; authmilter verifies DKIM itself).  Such an
 * entry is warned about and dropped.
 */
void
am_cfg_dmarc_trusted(struct am_config *cfg, const char *file, unsigned line,
    struct am_diag *diag)
{
	char	**d = cfg->dmarc_trusted_ids;
	size_t	  i, o = 0;

	if (d == NULL)
		return;
	for (i = 0; d[i] != NULL; i++) {
		if (cfg->authserv_id != NULL &&
		    strcasecmp(d[i], cfg->authserv_id) == 0) {
			am_diag_warn(diag, file, line, "TrustedAuthservIDs: "
			    "\"%s\" is our own AuthservID, never trusted "
			    "(such fields are removed as forgeries)", d[i]);
			free(d[i]);
			continue;
		}
		d[o++] = d[i];
	}
	d[o] = NULL;
}

#define REFUSE(n, why)		{ n, AM_CFG_REFUSED, why }
#define NOTSUP			"not supported by authmilter"
#define NOREPORTS		NOTSUP " yet: DMARC reports are a later " \
				"release (each message's report record is " \
				"logged)"

const struct am_cfg_other am_cfg_others_dmarc[] = {
	REFUSE("CopyFailuresTo", NOTSUP),
	REFUSE("DomainWhitelist", NOTSUP " (no ARC)"),
	REFUSE("DomainWhitelistFile", NOTSUP " (no ARC)"),
	REFUSE("DomainWhitelistSize", NOTSUP " (no ARC)"),
	REFUSE("FailureReports", NOREPORTS),
	REFUSE("FailureReportsBcc", NOREPORTS),
	REFUSE("FailureReportsOnNone", NOREPORTS),
	REFUSE("FailureReportsSentBy", NOREPORTS),
	REFUSE("HistoryFile", NOREPORTS),
	REFUSE("IgnoreMailTo", NOREPORTS),
	REFUSE("RecordAllMessages", NOREPORTS),
	REFUSE("ReportCommand", NOREPORTS),
	{ NULL, AM_CFG_REFUSED, NULL }
};
