/*
 * config_dmarc - the DMARC options' checks, the PSL they may load, and
 * the OpenDMARC options (opendmarc.conf(5)) we refuse by name.  The
 * options themselves are rows of the one table in config_opts.c;
 * man/authmilter.conf.5 documents them.
 */

#include <stdio.h>
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

#define REFUSE(n, why)		{ n, AM_CFG_REFUSED, why }
#define NOTSUP			"not supported by authmilter"
#define NOREPORTS		NOTSUP " yet: DMARC reports are a later " \
				"release (each message's report record is " \
				"logged)"

const struct am_cfg_other am_cfg_others_dmarc[] = {
	REFUSE("TrustedAuthservIDs", "not yet supported: authmilter always "
	    "computes SPF and DKIM itself and never takes results from "
	    "Authentication-Results fields"),
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
