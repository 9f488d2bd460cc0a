#ifndef AM_REPORT_CMDS_H
#define AM_REPORT_CMDS_H

/*
 * authmilter-tool report - the DMARC report commands (aggregate,
 * import, show) and what they share
 */

#include <stddef.h>
#include <stdint.h>

#include "report_store.h"
#include "tool.h"

/*
 * The report settings the commands use, copied from the configuration
 * (lib/config, opts_report.c) by am_report_conf_load().
 */
struct am_report_conf {
	char		 store[1024];	/* ReportStore */
	char		 org_name[256];	/* ReportOrgName */
	char		 email[256];	/* ReportEmail */
	char		 receiver[256];	/* the domain of ReportEmail */
	unsigned	 interval;	/* ReportInterval, hours */
	size_t		 max_size;	/* ReportMaxSize, gzipped octets */
	char		 sendmail[512];	/* ReportSendmail */
	unsigned	 suppress_days;	/* ReportSuppressDays */
};

/* The defaults, or the configuration file's values when path is not
 * NULL (the whole file is loaded and checked as the daemon does); 0,
 * or -1 (printed).  With keep, *keep gets the loaded configuration
 * (NULL without path), for the caller to unref. */
struct am_config;
int	am_report_conf_load(const char *path, struct am_report_conf *,
	    struct am_config **keep);
/* Opens the store named by the configuration, or by store_uri when
 * given; NULL on error (printed). */
struct am_report_store *am_report_conf_store(const struct am_report_conf *,
	    const char *store_uri);

int	am_report_cmd_aggregate(int, char **);
int	am_report_cmd_import(int, char **);
int	am_report_cmd_show(int, char **);
int	am_report_cmd_suppress(int, char **);

/* Writes s as a JSON string (with the quotes). */
void	am_report_json_str(FILE *, const char *);

#endif /* AM_REPORT_CMDS_H */
