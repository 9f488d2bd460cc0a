/*
 * report_conf - the report settings from the configuration file
 *
 * FIXME(config): a small self-contained reader, to be replaced by the
 * lib/config options (ReportStore, ReportOrgName, ReportEmail,
 * ReportInterval) when they land.  It reads "Name value" lines, '#'
 * comments, names in any case, and ignores every other option.
 */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report_cmds.h"
#include "report_out.h"

static void
am_rconf_defaults(struct am_report_conf *c)
{
	memset(c, 0, sizeof(*c));
	am_report_strlcpy(c->store, AM_REPORT_DEFAULT_STORE, sizeof(c->store));
	c->interval = 24;
	c->max_size = AM_REPORT_CAP_DEFAULT;
	am_report_strlcpy(c->sendmail, "/usr/sbin/sendmail",
	    sizeof(c->sendmail));
}

static int
am_rconf_set(struct am_report_conf *c, const char *name, const char *val,
    const char *path, unsigned line)
{
	unsigned long long	 n;

	if (strcasecmp(name, "ReportStore") == 0)
		am_report_strlcpy(c->store, val, sizeof(c->store));
	else if (strcasecmp(name, "ReportOrgName") == 0)
		am_report_strlcpy(c->org_name, val, sizeof(c->org_name));
	else if (strcasecmp(name, "ReportEmail") == 0)
		am_report_strlcpy(c->email, val, sizeof(c->email));
	else if (strcasecmp(name, "ReportSendmail") == 0)
		am_report_strlcpy(c->sendmail, val, sizeof(c->sendmail));
	else if (strcasecmp(name, "ReportInterval") == 0) {
		if (am_tool_parse_u64(val, &n) != 0 ||
		    !am_report_interval_ok((unsigned)n) || n > 24) {
			am_tool_errx("%s:%u: ReportInterval must be 1, 2, 3, "
			    "4, 6, 8, 12 or 24 (hours)", path, line);
			return -1;
		}
		c->interval = (unsigned)n;
	} else if (strcasecmp(name, "ReportMaxSize") == 0) {
		if (am_tool_parse_u64(val, &n) != 0 || n < 1024 ||
		    n > 1024ULL * 1024 * 1024) {
			am_tool_errx("%s:%u: ReportMaxSize must be 1024 to "
			    "1073741824 (octets)", path, line);
			return -1;
		}
		c->max_size = (size_t)n;
	}
	return 0;
}

int
am_report_conf_load(const char *path, struct am_report_conf *c)
{
	char		 buf[4096], *name, *val, *e, *at;
	unsigned	 line = 0;
	FILE		*fp;
	int		 rc = 0;

	am_rconf_defaults(c);
	if (path != NULL) {
		if ((fp = fopen(path, "r")) == NULL) {
			am_tool_errx("%s: %s", path, strerror(errno));
			return -1;
		}
		while (rc == 0 && fgets(buf, sizeof(buf), fp) != NULL) {
			line++;
			if ((e = strchr(buf, '#')) != NULL)
				*e = '\0';
			for (name = buf; isspace((unsigned char)*name); name++)
				;
			for (val = name; *val && !isspace((unsigned char)*val);
			    val++)
				;
			if (*val != '\0')
				*val++ = '\0';
			while (isspace((unsigned char)*val))
				val++;
			e = val + strlen(val);
			while (e > val && isspace((unsigned char)e[-1]))
				*--e = '\0';
			if (*name != '\0')
				rc = am_rconf_set(c, name, val, path, line);
		}
		fclose(fp);
	}
	if ((at = strrchr(c->email, '@')) != NULL)
		am_report_strlcpy(c->receiver, at + 1, sizeof(c->receiver));
	return rc;
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
