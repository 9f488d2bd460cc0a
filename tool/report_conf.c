/*
 * report_conf - the report settings, from the configuration file
 * through lib/config (opts_report.c: ReportStore, ReportOrgName,
 * ReportEmail, ReportInterval, ReportMaxSize, ReportSendmail), so the
 * tool reads exactly what the daemon reads and refuses what it refuses
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "report_cmds.h"
#include "report_out.h"
#include "report_send.h"

static void
am_rconf_defaults(struct am_report_conf *c)
{
	memset(c, 0, sizeof(*c));
	am_report_strlcpy(c->store, AM_CONFIG_REPORT_STORE, sizeof(c->store));
	c->interval = 24;
	c->max_size = AM_REPORT_CAP_DEFAULT;
	c->suppress_days = AM_REPORT_SUPPRESS_DAYS;
	am_report_strlcpy(c->sendmail, "/usr/sbin/sendmail",
	    sizeof(c->sendmail));
}

static void
am_rconf_str(char *dst, const char *src, size_t size)
{
	if (src != NULL)
		am_report_strlcpy(dst, src, size);
}

int
am_report_conf_load(const char *path, struct am_report_conf *c,
    struct am_config **keep)
{
	struct am_config_overrides	 ov;
	struct am_config		*cfg;
	struct am_err			 err;
	const char			*at;

	am_rconf_defaults(c);
	if (keep != NULL)
		*keep = NULL;
	if (path == NULL)
		return 0;
	memset(&ov, 0, sizeof(ov));
	ov.dns_zone = "";		/* no resolver needed */
	am_err_clear(&err);
	if ((cfg = am_config_load(path, &ov, &am_tool_log, &err)) == NULL) {
		am_tool_errx("%s: %s", path, err.msg);
		return -1;
	}
	am_rconf_str(c->store, cfg->report.store, sizeof(c->store));
	am_rconf_str(c->org_name, cfg->report.org_name, sizeof(c->org_name));
	am_rconf_str(c->email, cfg->report.email, sizeof(c->email));
	am_rconf_str(c->sendmail, cfg->report.sendmail, sizeof(c->sendmail));
	c->interval = cfg->report.interval;
	c->max_size = cfg->report.max_size;
	c->suppress_days = cfg->report.suppress_days;
	if (keep != NULL)
		*keep = cfg;
	else
		am_config_unref(&cfg);
	if ((at = strrchr(c->email, '@')) != NULL)
		am_report_strlcpy(c->receiver, at + 1, sizeof(c->receiver));
	return 0;
}

struct am_report_store *
am_report_conf_store(const struct am_report_conf *c, const char *uri)
{
	struct am_report_store	*st;
	struct am_err		 err;

	am_err_clear(&err);
	if (am_report_store_open(uri != NULL ? uri : c->store, &st, &err)
	    != 0) {
		am_tool_errx("report store: %s", err.msg);
		return NULL;
	}
	return st;
}

void
am_report_json_str(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(fp, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(fp, "\\u%04x", c);
		else
			fputc(c, fp);
	}
	fputc('"', fp);
}
