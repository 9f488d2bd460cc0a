/*
 * authmilter-tool - DKIM (and later SPF, DMARC) from the command line
 */

#include <stdio.h>
#include <string.h>

#include "autoconfig.h"
#include "tool.h"

static const struct {
	const char	*name;
	int		(*fn)(int, char **);
	const char	*help;
} am_cmds[] = {
	{ "sign", am_cmd_sign, "sign a message with one or more DKIM keys" },
	{ "verify", am_cmd_verify, "verify the DKIM signatures of a message" },
	{ "keygen", am_cmd_keygen, "make a DKIM key pair and its DNS record" },
	{ "keys", am_cmd_keys, "staged DKIM key rotation: rotate, status, "
	    "activate, revoke, delete" },
	{ "testkey", am_cmd_testkey, "check published DKIM keys against "
	    "the private keys" },
	{ "spf", am_cmd_spf, "evaluate SPF (RFC 7208) for a client and "
	    "sender" },
	{ "eval", am_cmd_eval, "run the inbound pipeline (DKIM, SPF, DMARC) "
	    "on a message and say why" },
	{ "migrate", am_cmd_migrate, "make one authmilter.conf from an "
	    "OpenDKIM and an OpenDMARC configuration" },
	{ "check-domain", am_cmd_checkdomain, "audit a sending domain: "
	    "DKIM, SPF, DMARC, MX, PTR, DNSBL, SMTP" },
	{ "report", am_cmd_report, "DMARC aggregate reports: build and "
	    "send ours, import and show others'" },
};

static int
am_usage(FILE *fp)
{
	size_t	 i;

	fprintf(fp, "usage: authmilter-tool COMMAND [OPTIONS] [FILE]\n\n"
	    "commands:\n");
	for (i = 0; i < sizeof(am_cmds) / sizeof(am_cmds[0]); i++)
		fprintf(fp, "  %-12s %s\n", am_cmds[i].name, am_cmds[i].help);
	fprintf(fp, "\nSee authmilter-tool(1).\n");
	return fp == stdout ? AM_TOOL_EXIT_OK : AM_TOOL_EXIT_USAGE;
}

int
main(int argc, char **argv)
{
	size_t	 i;

	if (argc < 2)
		return am_usage(stderr);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		return am_usage(stdout);
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("authmilter-tool %s\n", PACKAGE_VERSION);
		return AM_TOOL_EXIT_OK;
	}
	for (i = 0; i < sizeof(am_cmds) / sizeof(am_cmds[0]); i++)
		if (strcmp(argv[1], am_cmds[i].name) == 0)
			return am_cmds[i].fn(argc - 1, argv + 1);
	am_tool_errx("unknown command '%s'", argv[1]);
	return am_usage(stderr);
}
