/*
 * cmd_spf - authmilter-tool spf
 *
 *	authmilter-tool spf --ip IP --helo NAME --sender ADDRESS
 *	    [--zone ZONEFILE]... [--nameserver IP[@PORT]]
 *	    [--dns-timeout SECONDS] [--identity mailfrom|helo]
 *	    [--receiver NAME] [--default-exp TEXT] [--now UNIXTIME]
 *
 * Prints the MAIL FROM result (RFC 7208 check_host()) as an RFC 8601
 * resinfo on its first line, "spf=fail smtp.mailfrom=user@example.com",
 * and for fail the explanation on a second line, "explanation=TEXT".
 * --identity helo checks the HELO name instead ("spf=... smtp.helo=").
 * An empty --sender (or "<>") is the null sender, checked as
 * postmaster@HELO.  Exits 0 whenever the check could be made, 64 on
 * usage errors, as verify does.
 */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autoconfig.h"
#include "spf.h"
#include "tool.h"

struct am_spf_args {
	struct am_tool_dns_args	 dns;
	const char		*ip;
	const char		*helo;
	const char		*sender;
	int			 helo_identity;
	struct am_spf_opts	 opts;
};

static int
am_spf_usage(void)
{
	fprintf(stderr, "usage: authmilter-tool spf --ip IP --helo NAME "
	    "--sender ADDRESS\n"
	    "\t[--zone ZONEFILE]... [--nameserver IP[@PORT]] "
	    "[--dns-timeout SECONDS]\n"
	    "\t[--identity mailfrom|helo] [--receiver NAME] "
	    "[--default-exp TEXT]\n"
	    "\t[--now UNIXTIME]\n");
	return AM_TOOL_EXIT_USAGE;
}

static int
am_spf_number(const char *arg, unsigned long long *v)
{
	if (am_tool_parse_u64(arg, v) == -1) {
		am_tool_errx("expected a number, got '%s'", arg);
		return -1;
	}
	return 0;
}

static int
am_spf_opt(int c, char *arg, struct am_spf_args *a)
{
	unsigned long long	 v;
	struct am_err		 err;
	int			 r;

	if ((r = am_tool_dns_opt(c, arg, &a->dns)) != 0)
		return r == 1 ? 0 : -1;
	switch (c) {
	case 'i': a->ip = arg; return 0;
	case 'H': a->helo = arg; return 0;
	case 's': a->sender = arg; return 0;
	case 'r': a->opts.receiver = arg; return 0;
	case 't':
		if (am_spf_number(arg, &v) == -1)
			return -1;
		a->opts.now = (time_t)v;
		return 0;
	case 'e':
		if (am_spf_exp_check(arg, &err) == -1) {
			am_tool_errx("--default-exp: %s", err.msg);
			return -1;
		}
		a->opts.default_exp = arg;
		return 0;
	case 'I':
		if (strcmp(arg, "mailfrom") != 0 && strcmp(arg, "helo") != 0) {
			am_tool_errx("--identity: mailfrom or helo");
			return -1;
		}
		a->helo_identity = strcmp(arg, "helo") == 0;
		return 0;
	}
	return -1;
}

static int
am_spf_parse(int argc, char **argv, struct am_spf_args *a)
{
	static const struct option longopts[] = {
		AM_TOOL_DNS_LONGOPTS,
		{ "ip", required_argument, NULL, 'i' },
		{ "helo", required_argument, NULL, 'H' },
		{ "sender", required_argument, NULL, 's' },
		{ "identity", required_argument, NULL, 'I' },
		{ "receiver", required_argument, NULL, 'r' },
		{ "default-exp", required_argument, NULL, 'e' },
		{ "now", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	int	 c;

	memset(a, 0, sizeof(*a));
	am_spf_opts_init(&a->opts);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1)
		if (c == '?' || am_spf_opt(c, optarg, a) == -1)
			return -1;
	if (optind < argc) {
		am_tool_errx("unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if (a->ip == NULL || a->helo == NULL || a->sender == NULL) {
		am_tool_errx("--ip, --helo and --sender are required");
		return -1;
	}
	if (strcmp(a->sender, "<>") == 0)
		a->sender = "";
	return 0;
}

int
am_cmd_spf(int argc, char **argv)
{
	struct am_spf_args	 a;
	struct am_spf_result	 res;
	struct am_authres	 ar;
	struct am_dns		*dns;
	struct am_err		 err;
	int			 rc;

	if (am_spf_parse(argc, argv, &a) == -1)
		return am_spf_usage();
	if ((dns = am_tool_dns_open(&a.dns, NULL, 5000)) == NULL)
		return AM_TOOL_EXIT_USAGE;
	am_err_clear(&err);
	if (a.helo_identity)
		rc = am_spf_check_helo(dns, &a.opts,
	    &(struct am_spf_request){ a.ip, a.helo, NULL, NULL }, &res, &err);
	else
		rc = am_spf_check_mailfrom(dns, &a.opts,
	    &(struct am_spf_request){ a.ip, a.helo, a.sender, NULL },
	    &res, &err);
	am_dns_free(&dns);
	if (rc == -1) {
		am_tool_errx("%s", err.msg);
		return am_spf_usage();
	}
	am_authres_init(&ar);
	am_spf_result_authres(&res, &ar);
	printf("%s\n", am_authres_str(&ar));
	am_authres_release(&ar);
	if (res.verdict == AM_SPF_FAIL)
		printf("explanation=%s\n", res.explanation);
	return fflush(stdout) == EOF ? AM_TOOL_EXIT_SOFTWARE : AM_TOOL_EXIT_OK;
}
