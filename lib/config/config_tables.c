/*
 * config_tables - the list of option tables and of feature checks the
 * loader walks.  A new feature (ARC, reports, ...) adds its opts_*.c
 * and a line in each list; nothing else in the loader changes.
 */

#include <stddef.h>

#include "config_impl.h"

/* In print (-n) and manual order: Operation to Actions, DNS, SPF,
 * DMARC, Headers we add, Daemon, Key updates, Reports. */
const struct am_cfg_table *const am_cfg_tables[] = {
	&am_cfg_table_dkim,
	&am_cfg_table_ar,
	&am_cfg_table_dkim_actions,
	&am_cfg_table_dns,
	&am_cfg_table_spf,
	&am_cfg_table_dmarc,
	&am_cfg_table_ar_headers,
	&am_cfg_table_daemon,
	&am_cfg_table_keyupdate,
	&am_cfg_table_report,
	NULL
};

/* In the order they run, once every option is applied: the DKIM check
 * loads keys, which takes longest, after the cheap ones; the resolver
 * is built last. */
const struct am_cfg_feature *const am_cfg_features[] = {
	&am_cfg_feature_spf,
	&am_cfg_feature_dmarc,
	&am_cfg_feature_dkim,
	&am_cfg_feature_dns,
	&am_cfg_feature_report,
	&am_cfg_feature_keyupdate,
	NULL
};
