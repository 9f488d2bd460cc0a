/*
 * authmilter-tool report aggregate - build (and write, send) the RFC
 * 9990 aggregate reports of complete periods from the report store
 *
 * The run itself (destinations and their external-destination check,
 * building, the ledger, DKIM signing with the KeyTable/SigningTable
 * key of ReportEmail's domain) is lib/report's report_send, which the
 * daemon's sender uses too; this file reads the arguments and the
 * configuration, picks the periods and prints what the run says.
 */

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "autoconfig.h"
#include "config.h"
#include "report_cmds.h"
#include "report_out.h"
#include "report_send.h"
#include "report_smtp.h"
#include "report_store.h"

struct am_agg {
	struct am_report_conf		 conf;
	struct am_report_meta		 meta;
	struct am_report_run		 run;
	struct am_report_smtp		 smtp;	/* ReportSmtp* */
	struct am_sign_plan		 plan;	/* run.keys point into it */
	struct am_tool_dns_args		 dnsargs;
	struct am_dns			*dns;
	int				 dns_broken;
	const char			*node;	/* --node, or NULL */
};

static void
am_agg_say(void *ctx, int error, const char *line)
{
	(void)ctx;
	if (error)
		am_tool_errx("%s", line);
	else
		printf("%s\n", line);
}

static struct am_dns *
am_agg_dns(void *ctx)
{
	struct am_agg	*a = ctx;

	if (a->dns == NULL && !a->dns_broken &&
	    (a->dns = am_tool_dns_open(&a->dnsargs, NULL, 5000)) == NULL)
		a->dns_broken = 1;
	return a->dns;
}

/* The keys the SigningTable (or Domain and KeyFile) gives ReportEmail:
 * the reports then pass DMARC aligned. */
static void
am_agg_keys(struct am_agg *a, const struct am_config *cfg)
{
	struct am_sign_plan	*plan = &a->plan;
	size_t			 i, n;

	n = am_config_sign_plan(cfg, a->conf.email, plan);
	for (i = 0; i < n && i < AM_REPORT_SIGN_KEYS; i++) {
		a->run.keys[i].domain = plan->sig[i].domain;
		a->run.keys[i].selector = plan->sig[i].key->selector;
		a->run.keys[i].pkey = plan->sig[i].key->pkey;
	}
	a->run.nkeys = i;
}

/*
 * With --send, a period is claimed first (am_report_store_claim), as
 * the daemon's sender does: of several nodes (MX hosts, or the tool on
 * each from a timer) running over one store at once, only the one
 * holding the claim builds and sends the period; the ledger alone
 * would not stop two runs that look it up before either has sent.
 * The tool's node is --node or "<host> authmilter-tool": runs of the
 * tool on one host share the claim (a re-run sends what the ledger
 * misses).
 * A claim older than an hour is taken over.
 */
#define AM_AGG_STALE	3600

static void
am_agg_period(struct am_agg *a, int64_t begin, int64_t end)
{
	struct am_err	 err;
	char		 host[256], node[300];
	int		 mine = 0;

	if (a->run.send) {
		if (gethostname(host, sizeof(host)) != 0)
			(void)snprintf(host, sizeof(host), "localhost");
		host[sizeof(host) - 1] = '\0';
		if (a->node != NULL)
			(void)snprintf(node, sizeof(node), "%s", a->node);
		else
			(void)snprintf(node, sizeof(node), "%s authmilter-tool",
			    host);
		am_err_clear(&err);
		if (am_report_store_claim(a->run.st, begin, end, node,
		    a->run.now, AM_AGG_STALE, &mine, &err) != 0) {
			am_tool_errx("period %lld-%lld: claim: %s", (long long)
			    begin, (long long)end - 1, err.msg);
			a->run.failed = 1;
			return;
		}
		if (!mine) {
			printf("period %lld-%lld: claimed by another node, "
			    "which sends it; nothing sent\n", (long long)begin,
			    (long long)end - 1);
			return;
		}
	}
	(void)am_report_run_period(&a->run, begin, end);
}

static int
am_agg_usage(void)
{
	fprintf(stderr, "usage: authmilter-tool report aggregate -c CONFIG "
	    "[--begin UNIXTIME] [--end UNIXTIME] [--out DIR] [--send] "
	    "[--dry-run] [--node NAME] [--store URI] [--zone FILE] "
	    "[--nameserver IP]\n");
	return AM_TOOL_EXIT_USAGE;
}

int
am_report_cmd_aggregate(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "begin", required_argument, NULL, 'b' },
		{ "end", required_argument, NULL, 'e' },
		{ "out", required_argument, NULL, 'o' },
		{ "send", no_argument, NULL, 's' },
		{ "dry-run", no_argument, NULL, 'd' },
		{ "store", required_argument, NULL, 'S' },
		{ "node", required_argument, NULL, 'N' },
		AM_TOOL_DNS_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct am_agg		 a;
	struct am_config	*conf = NULL;
	const char		*cfg = NULL, *store = NULL;
	unsigned long long	 v;
	int64_t			 begin = -1, end = -1, b, e, len, upper;
	int			 c, r;

	memset(&a, 0, sizeof(a));
	while ((c = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		if ((r = am_tool_dns_opt(c, optarg, &a.dnsargs)) != 0) {
			if (r < 0)
				return AM_TOOL_EXIT_USAGE;
			continue;
		}
		switch (c) {
		case 'c': cfg = optarg; break;
		case 'o': a.run.out_dir = optarg; break;
		case 's': a.run.send = 1; break;
		case 'd': a.run.dry_run = 1; break;
		case 'S': store = optarg; break;
		case 'N': a.node = optarg; break;
		case 'b':
		case 'e':
			if (am_tool_parse_u64(optarg, &v) != 0 ||
			    v > (1ULL << 40)) {
				am_tool_errx("--%s: a UNIX time", c == 'b' ?
				    "begin" : "end");
				return AM_TOOL_EXIT_USAGE;
			}
			*(c == 'b' ? &begin : &end) = (int64_t)v;
			break;
		default:
			return am_agg_usage();
		}
	}
	if (cfg == NULL || optind != argc)
		return am_agg_usage();
	if (begin >= 0 && end >= 0 && end <= begin) {
		am_tool_errx("--end must be after --begin");
		return AM_TOOL_EXIT_USAGE;
	}
	if (am_report_conf_load(cfg, &a.conf, &conf) != 0)
		return AM_TOOL_EXIT_USAGE;
	/* A relay or sendmail that goes away mid-message is an error of
	 * that message, not the end of the run. */
	if (a.run.send)
		(void)signal(SIGPIPE, SIG_IGN);
	if (a.conf.email[0] == '\0' || a.conf.receiver[0] == '\0') {
		am_tool_errx("%s: ReportEmail (user@domain) is not set", cfg);
		am_config_unref(&conf);
		return AM_TOOL_EXIT_USAGE;
	}
	a.meta.receiver = a.conf.receiver;
	a.meta.org_name = a.conf.org_name[0] ? a.conf.org_name :
	    a.conf.receiver;
	a.meta.email = a.conf.email;
	a.meta.generator = "authmilter " PACKAGE_VERSION;
	a.meta.cap = a.conf.max_size;
	a.run.meta = &a.meta;
	a.run.now = (int64_t)time(NULL);
	a.run.submit = am_report_submitter(&a.smtp, a.conf.sendmail,
	    conf->report.smtp, conf->report.smtp_tls, conf->report.smtp_cafile,
	    conf->report.smtp_user, conf->report.smtp_password,
	    conf->report.smtp_auth_in_clear, conf->report.smtp_timeout,
	    &a.run.submit_ctx);
	a.run.dns = am_agg_dns;
	a.run.dns_ctx = &a;
	a.run.say = am_agg_say;
	am_agg_keys(&a, conf);
	a.run.exclude = (const char *const *)conf->report.exclude_domains;
	a.run.dest_limit = conf->report.dest_limit;
	a.run.daily_limit = conf->report.daily_limit;
	if (a.run.out_dir != NULL && mkdir(a.run.out_dir, 0755) != 0 &&
	    errno != EEXIST) {
		am_tool_errx("%s: %s", a.run.out_dir, strerror(errno));
		am_config_unref(&conf);
		return AM_TOOL_EXIT_CANTCREAT;
	}
	if ((a.run.st = am_report_conf_store(&a.conf, store)) == NULL) {
		am_config_unref(&conf);
		return AM_TOOL_EXIT_SOFTWARE;
	}
	len = (int64_t)a.conf.interval * 3600;
	if (begin >= 0 && end >= 0)
		am_agg_period(&a, begin, end);
	else {
		/* every complete period inside [begin, end), before now */
		am_report_period_last(a.run.now, a.conf.interval, &b, &e);
		if (end >= 0) {
			am_report_period_of(end, a.conf.interval, &upper, &b);
			if (upper < e)
				e = upper;
		}
		b = e - len;
		if (begin >= 0) {
			am_report_period_of(begin, a.conf.interval, &b, &upper);
			if (b < begin)
				b = upper;
		}
		for (; b + len <= e; b += len)
			am_agg_period(&a, b, b + len);
	}
	am_report_store_close(&a.run.st);
	if (a.run.held > 0)
		printf("%u message(s) %s by ReportDestinationLimit or "
		    "ReportDailyLimit: not in the ledger, tried again on the "
		    "next run of the period\n", a.run.held, a.run.dry_run ?
		    "would be held back" : "held back");
	am_dns_free(&a.dns);
	am_config_unref(&conf);	/* after the run: it held the keys */
	return a.run.failed ? AM_TOOL_EXIT_SOFTWARE : AM_TOOL_EXIT_OK;
}
