/*
 * authmilter-tool report - DMARC reports: aggregate (build and send
 * ours), import (read others', and bounces of ours), show (what others
 * say about us), suppress (destinations that get no reports)
 */

#include <stdio.h>
#include <string.h>

#include "report_cmds.h"
#include "report_unpack.h"

static int
am_report_usage(FILE *fp)
{
	fprintf(fp, "usage: authmilter-tool report aggregate -c CONFIG "
	    "[--begin UNIXTIME] [--end UNIXTIME]\n"
	    "           [--out DIR] [--send] [--dry-run] [--store URI] "
	    "[DNS options]\n"
	    "       authmilter-tool report import [-c CONFIG] [--store URI] "
	    "FILE|DIR...\n"
	    "       authmilter-tool report show -c CONFIG [--domain D] "
	    "[--since UNIXTIME] [--json]\n"
	    "           [--store URI] [--no-rdns] [DNS options]\n"
	    "       authmilter-tool report suppress [list|add ADDRESS|"
	    "remove ADDRESS] [-c CONFIG]\n"
	    "           [--store URI] [--days N] [--reason TEXT]\n");
	return fp == stdout ? AM_TOOL_EXIT_OK : AM_TOOL_EXIT_USAGE;
}

int
am_cmd_report(int argc, char **argv)
{
	if (argc < 2)
		return am_report_usage(stderr);
	am_report_unpack_init();
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		return am_report_usage(stdout);
	if (strcmp(argv[1], "aggregate") == 0)
		return am_report_cmd_aggregate(argc - 1, argv + 1);
	if (strcmp(argv[1], "import") == 0)
		return am_report_cmd_import(argc - 1, argv + 1);
	if (strcmp(argv[1], "show") == 0)
		return am_report_cmd_show(argc - 1, argv + 1);
	if (strcmp(argv[1], "suppress") == 0)
		return am_report_cmd_suppress(argc - 1, argv + 1);
	am_tool_errx("report: unknown command '%s'", argv[1]);
	return am_report_usage(stderr);
}
