/*
 * opts_dns - the resolver's options, and the check over the DNS part
 * that builds the resolver (or, for tests, the zone-file answerer) and
 * the caches every message of a snapshot shares
 */

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_impl.h"
#include "keycache.h"
#include "mem.h"

#define OFF(f)	offsetof(struct am_config, f)

#define AM_CFG_KEYCACHE_MAX	1024	/* parsed DKIM keys kept */
#define AM_CFG_KEYCACHE_TTL	3600	/* seconds, at most */
#define AM_CFG_DNSCACHE_BYTES	(4 * 1024 * 1024) /* DNS answers kept */
#define AM_CFG_DNSCACHE_FAIL	10	/* seconds a failed lookup is kept */

static am_cfg_whole_fn am_cfg_dns_check;

static const struct am_cfg_opt am_cfg_dns_opts[] = {
	AM_CFG_ROW("Nameservers", AM_CFG_STR, OFF(dns.nameservers), NULL,
	    am_cfg_check_nonempty),
	AM_CFG_NUM("DNSTimeout", AM_CFG_UINT, OFF(dns.timeout), "5", 1, 600),
	AM_CFG_NUM("DNSBudget", AM_CFG_UINT, OFF(dns.budget), "10", 1, 600),
};

const struct am_cfg_table am_cfg_table_dns =
    AM_CFG_TABLE(dns, am_cfg_dns_opts);
const struct am_cfg_feature am_cfg_feature_dns = {
	"dns", am_cfg_dns_check
};

static void
am_cfg_dns_check(struct am_cfg_ctx *c)
{
	struct am_config			*cfg = c->cfg;
	const struct am_config_overrides	*ov = c->ov;
	struct am_err	 err;
	const char	*file;
	unsigned	 line;
	char		*list, *p, *next;

	/* Parsed keys are shared by all messages of this snapshot, each
	 * for its record's TTL (at most an hour). */
	cfg->dkim.verify.keycache = am_keycache_new(AM_CFG_KEYCACHE_MAX,
	    AM_CFG_KEYCACHE_TTL);
	if (ov != NULL && ov->dns_zone != NULL) {
		cfg->dns.resolver = am_dns_zone_new();
		list = am_strdup(ov->dns_zone);
		for (p = list; p != NULL; p = next) {
			if ((next = strpbrk(p, ",:")) != NULL)
				*next++ = '\0';
			if (*am_trim(p) != '\0' &&
			    am_dns_zone_load(cfg->dns.resolver, am_trim(p),
			    &err) == -1)
				am_diag_error(c->diag, am_trim(p), 0, "%s",
				    err.msg);
		}
		free(list);
		return;
	}
	cfg->dns.resolver = am_dns_ldns_new(cfg->dns.nameservers,
	    cfg->dns.timeout * 1000, 1, &err);
	/* Answers shared by every message of this snapshot, for their
	 * TTL (at most an hour; NXDOMAIN and NODATA a minute, failures
	 * 10 seconds), 4 MiB in all. */
	if (cfg->dns.resolver != NULL)
		am_dns_cache_enable(cfg->dns.resolver, AM_CFG_DNSCACHE_BYTES,
		    3600, 60, AM_CFG_DNSCACHE_FAIL);
	if (cfg->dns.resolver == NULL) {
		am_cfg_where(c, "Nameservers", &file, &line);
		am_diag_error(c->diag, file, line, "resolver: %s", err.msg);
	}
}
