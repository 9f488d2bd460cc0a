/*
 * authmilter-tool report suppress - the suppression list of report
 * destinations (report_store.h): list it, add an address (the operator
 * stops reports to it), remove one (reports to it resume).  Bounces
 * put destinations there by themselves (report import of the DSN,
 * report_bounce.h), for ReportSuppressDays days.
 */

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report_cmds.h"

static int
am_sup_usage(void)
{
	fprintf(stderr, "usage: authmilter-tool report suppress [list] "
	    "[-c CONFIG] [--store URI]\n"
	    "       authmilter-tool report suppress add ADDRESS [-c CONFIG] "
	    "[--store URI] [--days N]\n"
	    "           [--reason TEXT]\n"
	    "       authmilter-tool report suppress remove ADDRESS "
	    "[-c CONFIG] [--store URI]\n");
	return AM_TOOL_EXIT_USAGE;
}

static void
am_sup_when(int64_t t, char *out, size_t size)
{
	time_t		 tt = (time_t)t;
	struct tm	 tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		(void)snprintf(out, size, "%lld", (long long)t);
}

static int
am_sup_print(void *ctx, const struct am_report_suppressed *s)
{
	char	 a[64], e[64];

	(*(unsigned *)ctx)++;
	am_sup_when(s->added, a, sizeof(a));
	am_sup_when(s->expires, e, sizeof(e));
	printf("%s\tsince %s\tuntil %s\t%s\n", s->address, a, e, s->reason);
	return 0;
}

/* local@Domain -> local@domain (the form report_send keeps); -1 when
 * not an address. */
static int
am_sup_addr(const char *in, char *out, size_t size)
{
	char	*at;
	size_t	 i;

	if (strlen(in) >= size || (at = strrchr(in, '@')) == NULL ||
	    at == in || at[1] == '\0')
		return -1;
	for (i = 0; in[i] != '\0'; i++)
		if ((unsigned char)in[i] <= ' ' || in[i] == '<' ||
		    in[i] == '>' || in[i] == ',')
			return -1;
	am_report_strlcpy(out, in, size);
	for (at = strrchr(out, '@'); *at != '\0'; at++)
		*at = (char)tolower((unsigned char)*at);
	return 0;
}

int
am_report_cmd_suppress(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "store", required_argument, NULL, 'S' },
		{ "days", required_argument, NULL, 'D' },
		{ "reason", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 }
	};
	struct am_report_conf	 conf;
	struct am_report_store	*st;
	struct am_err		 err;
	const char		*cfg = NULL, *store = NULL, *verb = "list";
	const char		*reason = "added by the operator";
	char			 addr[320], *end;
	long			 days = -1;
	int64_t			 now = (int64_t)time(NULL);
	unsigned		 n = 0;
	int			 c, rc = 0, removed;

	while ((c = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': cfg = optarg; break;
		case 'S': store = optarg; break;
		case 'R': reason = optarg; break;
		case 'D':
			days = strtol(optarg, &end, 10);
			if (*end != '\0' || days < 1 || days > 3650)
				return am_sup_usage();
			break;
		default:
			return am_sup_usage();
		}
	}
	if (optind < argc)
		verb = argv[optind++];
	if (strcmp(verb, "list") == 0 ? optind != argc :
	    (strcmp(verb, "add") != 0 && strcmp(verb, "remove") != 0) ||
	    optind + 1 != argc)
		return am_sup_usage();
	if (strcmp(verb, "list") != 0 && am_sup_addr(argv[optind], addr,
	    sizeof(addr)) != 0) {
		am_tool_errx("report suppress: '%s' is not an address",
		    argv[optind]);
		return AM_TOOL_EXIT_USAGE;
	}
	if (am_report_conf_load(cfg, &conf, NULL) != 0)
		return AM_TOOL_EXIT_USAGE;
	if (days < 0)
		days = (long)conf.suppress_days;
	if ((st = am_report_conf_store(&conf, store)) == NULL)
		return AM_TOOL_EXIT_SOFTWARE;
	am_err_clear(&err);
	if (strcmp(verb, "list") == 0) {
		rc = am_report_store_suppress_list(st, now, am_sup_print, &n,
		    &err);
		if (rc == 0)
			printf("%u suppressed destination(s)\n", n);
	} else if (strcmp(verb, "add") == 0) {
		rc = am_report_store_suppress_add(st, addr, reason, now,
		    now + (int64_t)days * 86400, &err);
		if (rc == 0)
			printf("suppressed %s for %ld day(s) (%s)\n", addr,
			    days, reason);
	} else {
		rc = am_report_store_suppress_remove(st, addr, &removed, &err);
		if (rc == 0)
			printf("%s %s\n", removed ? "removed" : "not on the "
			    "list:", addr);
	}
	if (rc != 0)
		am_tool_errx("report store: %s", err.msg);
	am_report_store_close(&st);
	return rc != 0 ? AM_TOOL_EXIT_SOFTWARE : AM_TOOL_EXIT_OK;
}
