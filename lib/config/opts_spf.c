/*
 * opts_spf - SPF's options (RFC 7208), their checks, and the check over
 * the SPF part (its time at MAIL FROM against the MTA's timeout)
 */

#include <stddef.h>
#include <stdio.h>

#include "config_impl.h"
#include "spf.h"

#define OFF(f)	offsetof(struct am_config, f)

/* The actions each SPF result may lead to. */
#define AM_SPF_ACTIONS_FAIL	(AM_CFG_ACT(AM_ACTION_ACCEPT) | \
				 AM_CFG_ACT(AM_ACTION_REJECT))
#define AM_SPF_ACTIONS_TEMP	(AM_CFG_ACT(AM_ACTION_ACCEPT) | \
				 AM_CFG_ACT(AM_ACTION_TEMPFAIL))

static am_cfg_check_fn am_cfg_spf_exp;
static am_cfg_whole_fn am_cfg_spf_check;

static const struct am_cfg_opt am_cfg_spf_opts[] = {
	AM_CFG_ROW("SPFMode", AM_CFG_BOOL, OFF(spf.mode), "on", NULL),
	AM_CFG_ROW("SPFSkipTrusted", AM_CFG_BOOL, OFF(spf.skip_trusted),
	    "yes", NULL),
	AM_CFG_ACTROW("SPFFailAction", OFF(spf.fail_action), "accept",
	    AM_SPF_ACTIONS_FAIL),
	AM_CFG_ACTROW("SPFSoftFailAction", OFF(spf.softfail_action),
	    "accept", AM_SPF_ACTIONS_FAIL),
	AM_CFG_ACTROW("SPFTempErrorAction", OFF(spf.temperror_action),
	    "accept", AM_SPF_ACTIONS_TEMP),
	AM_CFG_ROW("SPFReceivedHeader", AM_CFG_BOOL, OFF(spf.received_header),
	    "no", NULL),
	AM_CFG_ROW("SPFExplanation", AM_CFG_STR, OFF(spf.explanation), NULL,
	    am_cfg_spf_exp),
	AM_CFG_NUM("SPFTimeout", AM_CFG_UINT, OFF(spf.timeout), "10", 1, 120),
};

const struct am_cfg_table am_cfg_table_spf =
    AM_CFG_TABLE(spf, am_cfg_spf_opts);
const struct am_cfg_feature am_cfg_feature_spf = {
	"spf", am_cfg_spf_check
};

static int
am_cfg_spf_exp(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	struct am_err	 err;

	if (am_spf_exp_check(v, &err) == -1) {
		am_diag_error(c->diag, c->file, c->line, "%s: \"%s\" is not an "
		    "SPF explain-string: %s", o->name, AM_DIAG_Q(v),
		    err.msg);
		return -1;
	}
	return 0;
}

/* Postfix's default milter_command_timeout: the MTA gives up on us (and
 * applies milter_default_action) if MAIL FROM takes longer. */
#define AM_CFG_MTA_TIMEOUT	30

/*
 * The SPF checks at MAIL FROM take at most about SPFTimeout plus one
 * query sent just before it ran out (two DNSTimeout attempts): warn
 * when that is more than the MTA's default command timeout.
 */
static void
am_cfg_spf_check(struct am_cfg_ctx *c)
{
	const struct am_config	*cfg = c->cfg;
	const char	*file;
	unsigned	 line;

	if (!cfg->spf.mode ||
	    cfg->spf.timeout + 2 * cfg->dns.timeout <= AM_CFG_MTA_TIMEOUT)
		return;
	am_cfg_where(c, am_cfg_is_set(c, "SPFTimeout") ?
	    "SPFTimeout" : "DNSTimeout", &file, &line);
	am_diag_warn(c->diag, file, line, "SPFTimeout (%u s) plus two "
	    "DNSTimeout attempts (%u s) exceed Postfix's default "
	    "milter_command_timeout (%d s)", cfg->spf.timeout,
	    2 * cfg->dns.timeout, AM_CFG_MTA_TIMEOUT);
}
