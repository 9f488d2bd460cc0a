/*
 * cmd_verify - authmilter-tool verify
 *
 *	authmilter-tool verify [--zone ZONEFILE]... [--nameserver IP[@PORT]]
 *	    [--now UNIXTIME] [--dns-timeout SECONDS] [--max-signatures N]
 *	    [--min-key-bits N] [--l-policy honour|strict|refuse] [FILE]
 *
 * Prints one RFC 8601 resinfo per signature in header order, or
 * "dkim=none".  Exits 0 whenever the message could be evaluated.
 */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autoconfig.h"
#include "dkim_verify.h"
#include "tool.h"

struct am_verify_args {
	struct am_tool_dns_args	 dns;
	struct am_dkim_verify_opts opts;
	const char		*file;
};

static int
am_verify_usage(void)
{
	fprintf(stderr, "usage: authmilter-tool verify [--zone ZONEFILE]... "
	    "[--nameserver IP[@PORT]]\n"
	    "\t[--now UNIXTIME] [--dns-timeout SECONDS] "
	    "[--max-signatures N]\n"
	    "\t[--min-key-bits N] [--l-policy honour|strict|refuse] "
	    "[FILE]\n");
	return AM_TOOL_EXIT_USAGE;
}

static int
am_verify_lpolicy(const char *s, enum am_dkim_l_policy *out)
{
	if (strcmp(s, "honour") == 0 || strcmp(s, "honor") == 0)
		*out = AM_DKIM_L_HONOUR;
	else if (strcmp(s, "strict") == 0)
		*out = AM_DKIM_L_STRICT;
	else if (strcmp(s, "refuse") == 0)
		*out = AM_DKIM_L_REFUSE;
	else
		return -1;
	return 0;
}

static int
am_verify_opt(int c, char *arg, struct am_verify_args *a)
{
	unsigned long long	 v = 0;
	int			 r;

	if ((r = am_tool_dns_opt(c, arg, &a->dns)) != 0)
		return r == 1 ? 0 : -1;
	if (c != 'L' && am_tool_parse_u64(arg, &v) == -1) {
		am_tool_errx("expected a number, got '%s'", arg);
		return -1;
	}
	switch (c) {
	case 't':
		a->opts.now = v;
		return 0;
	case 'm':
		a->opts.max_signatures = (size_t)v;
		return 0;
	case 'b':
		a->opts.min_key_bits = (unsigned)v;
		return 0;
	case 'L':
		if (am_verify_lpolicy(arg, &a->opts.l_policy) == -1) {
			am_tool_errx("--l-policy: honour, strict or refuse");
			return -1;
		}
		return 0;
	}
	return -1;
}

static int
am_verify_parse(int argc, char **argv, struct am_verify_args *a)
{
	static const struct option longopts[] = {
		AM_TOOL_DNS_LONGOPTS,
		{ "now", required_argument, NULL, 't' },
		{ "max-signatures", required_argument, NULL, 'm' },
		{ "min-key-bits", required_argument, NULL, 'b' },
		{ "l-policy", required_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 }
	};
	int	 c;

	memset(a, 0, sizeof(*a));
	a->opts.clock_skew = 300;
	a->opts.l_policy = AM_DKIM_L_STRICT;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1)
		if (c == '?' || am_verify_opt(c, optarg, a) == -1)
			return -1;
	if (optind + 1 < argc) {
		am_tool_errx("at most one FILE");
		return -1;
	}
	a->file = optind < argc ? argv[optind] : NULL;
	return 0;
}

struct am_verify_run {
	struct am_dkim_verifier	*v;
	int			 need_body;
};

static int
am_verify_header_cb(void *ctx, const char *raw, size_t len,
    struct am_err *err)
{
	struct am_verify_run	*run = ctx;

	return am_dkim_verifier_header(run->v, raw, len, err);
}

static int
am_verify_eoh_cb(void *ctx, struct am_err *err)
{
	struct am_verify_run	*run = ctx;

	run->need_body = am_dkim_verifier_eoh(run->v);
	return 0;
}

static int
am_verify_body_cb(void *ctx, const char *p, size_t n, struct am_err *err)
{
	struct am_verify_run	*run = ctx;

	if (run->need_body)
		am_dkim_verifier_body(run->v, p, n);
	return 0;
}

static const struct am_msgparse_cb am_verify_cb = {
	am_verify_header_cb, am_verify_eoh_cb, am_verify_body_cb
};

static void
am_verify_print(const struct am_dkim_verifier *v)
{
	struct am_authres	 ar;
	size_t			 i;

	if (am_dkim_verifier_count(v) == 0) {
		printf("dkim=none\n");
		return;
	}
	for (i = 0; i < am_dkim_verifier_count(v); i++) {
		am_authres_init(&ar);
		am_dkim_result_authres(am_dkim_verifier_result(v, i), &ar);
		printf("%s\n", am_authres_str(&ar));
		am_authres_release(&ar);
	}
}

int
am_cmd_verify(int argc, char **argv)
{
	struct am_verify_args	 a;
	struct am_verify_run	 run;
	struct am_dns		*dns;
	struct am_err		 err;
	FILE			*fp;
	int			 rc = AM_TOOL_EXIT_OK;

	if (am_verify_parse(argc, argv, &a) == -1)
		return am_verify_usage();
	if ((dns = am_tool_dns_open(&a.dns, NULL, 5000)) == NULL)
		return AM_TOOL_EXIT_USAGE;
	if ((fp = am_tool_open(a.file)) == NULL) {
		am_dns_free(&dns);
		return AM_TOOL_EXIT_INPUT;
	}
	am_err_clear(&err);
	run.v = am_dkim_verifier_new(&a.opts, dns, &am_tool_log);
	run.need_body = 0;
	if (am_tool_feed(fp, &am_verify_cb, &run, &err) == -1) {
		/* Hostile or oversized headers: a defined verdict. */
		struct am_authres	 ar;

		am_tool_errx("message not evaluated: %s", err.msg);
		am_authres_init(&ar);
		am_authres_method(&ar, "dkim", "permerror");
		am_authres_reason(&ar, err.msg);
		printf("%s\n", am_authres_str(&ar));
		am_authres_release(&ar);
	} else {
		am_dkim_verifier_eom(run.v);
		am_verify_print(run.v);
	}
	if (fflush(stdout) == EOF)
		rc = AM_TOOL_EXIT_SOFTWARE;
	am_dkim_verifier_free(&run.v);
	am_dns_free(&dns);
	fclose(fp);
	return rc;
}
