/*
 * cmd_eval - authmilter-tool eval
 *
 *	authmilter-tool eval --ip IP --helo NAME --sender ADDRESS
 *	    [--auth USER] [--zone FILE]... [--nameserver IP[@PORT]]
 *	    [--dns-timeout SECONDS] [--now UNIXTIME] [-c CONFIG]
 *	    [--rcpt ADDRESS] [--dmarc-mode walk|psl] [--psl FILE]
 *	    [--reject-failures] [--annotate-only]
 *	    [--temperror tempfail|accept] [FILE]
 *
 * Feeds a saved message to the engine (lib/engine/engine.h) the way
 * the daemon's milter callbacks do, stage by stage (client, HELO, MAIL
 * FROM, RCPT TO, headers, body, end), with the engine options of the
 * one config mapping the daemon also uses (am_config_engine_opts,
 * am_config_engine_client), so that it prints what the daemon would do
 * with the message as a verifier (t/parity checks that it does).
 * Output, a contract:
 *	Authentication-Results: <authserv-id>; dkim=...; spf=...; dmarc=...
 *	action=<accept|quarantine|discard|reject|tempfail> [CODE XCODE ]<why>
 *	  milter: <what the MTA gets: accept | reject CODE XCODE TEXT |
 *	      tempfail CODE XCODE TEXT | discard | quarantine REASON>
 *	  delete: Authentication-Results N	(1-based, for each)
 *	  add: NAME: VALUE			(top first, unfolded)
 *	  <method>: why, one line each
 *	  report: one DMARC report record each
 * Exits 0 whenever the message could be evaluated, 64 on usage errors,
 * 66 when the message or config cannot be read.
 */

#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "autoconfig.h"
#include "config.h"
#include "config_engine.h"
#include "engine.h"
#include "psl.h"
#include "tool.h"

/* The envelope, as the MTA would give it to the milter. */
struct am_eval_env {
	const char	*ip;
	const char	*helo;
	const char	*sender;	/* "" for the null sender */
	const char	*auth_user;
};

struct am_eval_args {
	struct am_tool_dns_args	 dns;
	struct am_eval_env	 env;
	struct am_engine_opts	 opts;
	const char		*config;
	const char		*psl_path;
	const char		*rcpt;
	const char		*file;
	int			 psl;
	/* Set on the command line; they win over the config file. */
	int			 set_reject, set_annotate, set_temperror,
				 set_iprev;
	int			 reject, annotate, temperror_tempfail;
};

static int
am_eval_usage(void)
{
	fprintf(stderr, "usage: authmilter-tool eval --ip IP --helo NAME "
	    "--sender ADDRESS [--auth USER]\n"
	    "\t[--zone ZONEFILE]... [--nameserver IP[@PORT]] "
	    "[--dns-timeout SECONDS]\n"
	    "\t[--now UNIXTIME] [-c CONFIG] [--rcpt ADDRESS] "
	    "[--dmarc-mode walk|psl]\n"
	    "\t[--psl FILE] [--reject-failures] [--annotate-only]\n"
	    "\t[--temperror tempfail|accept] [--iprev] [FILE]\n");
	return AM_TOOL_EXIT_USAGE;
}

static int
am_eval_choice(const char *opt, const char *arg, const char *a,
    const char *b, int *out)
{
	if (strcmp(arg, a) == 0)
		*out = 1;
	else if (strcmp(arg, b) == 0)
		*out = 0;
	else {
		am_tool_errx("%s: %s or %s", opt, a, b);
		return -1;
	}
	return 0;
}

static int
am_eval_opt(int c, char *arg, struct am_eval_args *a)
{
	unsigned long long	 v;
	int			 r;

	if ((r = am_tool_dns_opt(c, arg, &a->dns)) != 0)
		return r == 1 ? 0 : -1;
	switch (c) {
	case 'i': a->env.ip = arg; return 0;
	case 'H': a->env.helo = arg; return 0;
	case 's': a->env.sender = arg; return 0;
	case 'a': a->env.auth_user = arg; return 0;
	case 'c': a->config = arg; return 0;
	case 'r': a->rcpt = arg; return 0;
	case 'p': a->psl_path = arg; return 0;
	case 'R': a->set_reject = a->reject = 1; return 0;
	case 'A': a->set_annotate = a->annotate = 1; return 0;
	case 'I': a->set_iprev = 1; return 0;
	case 'm':
		return am_eval_choice("--dmarc-mode", arg, "psl", "walk",
		    &a->psl);
	case 'e':
		a->set_temperror = 1;
		return am_eval_choice("--temperror", arg, "tempfail", "accept",
		    &a->temperror_tempfail);
	case 't':
		if (am_tool_parse_u64(arg, &v) == -1) {
			am_tool_errx("expected a number, got '%s'", arg);
			return -1;
		}
		a->opts.now = v;
		return 0;
	}
	return -1;
}

static int
am_eval_parse(int argc, char **argv, struct am_eval_args *a)
{
	static const struct option longopts[] = {
		AM_TOOL_DNS_LONGOPTS,
		{ "ip", required_argument, NULL, 'i' },
		{ "helo", required_argument, NULL, 'H' },
		{ "sender", required_argument, NULL, 's' },
		{ "auth", required_argument, NULL, 'a' },
		{ "now", required_argument, NULL, 't' },
		{ "config", required_argument, NULL, 'c' },
		{ "rcpt", required_argument, NULL, 'r' },
		{ "dmarc-mode", required_argument, NULL, 'm' },
		{ "psl", required_argument, NULL, 'p' },
		{ "reject-failures", no_argument, NULL, 'R' },
		{ "annotate-only", no_argument, NULL, 'A' },
		{ "temperror", required_argument, NULL, 'e' },
		{ "iprev", no_argument, NULL, 'I' },
		{ NULL, 0, NULL, 0 }
	};
	int	 c;

	memset(a, 0, sizeof(*a));
	am_engine_opts_init(&a->opts);
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:", longopts, NULL)) != -1)
		if (c == '?' || am_eval_opt(c, optarg, a) == -1)
			return -1;
	if (optind + 1 < argc) {
		am_tool_errx("at most one FILE");
		return -1;
	}
	a->file = optind < argc ? argv[optind] : NULL;
	if (a->env.ip == NULL || a->env.helo == NULL || a->env.sender == NULL) {
		am_tool_errx("--ip, --helo and --sender are required");
		return -1;
	}
	if (strcmp(a->env.sender, "<>") == 0)
		a->env.sender = "";
	return 0;
}

static void
am_eval_apply_args(struct am_eval_args *a)
{
	if (a->set_reject)
		a->opts.reject_failures = a->reject;
	if (a->set_annotate)
		a->opts.annotate_only = a->annotate;
	if (a->set_temperror)
		a->opts.temperror_tempfail = a->temperror_tempfail;
	if (a->set_iprev)
		a->opts.iprev = 1;
}

static int
am_eval_header_cb(void *ctx, const char *raw, size_t len, struct am_err *err)
{
	return am_engine_header_raw(ctx, raw, len, err);
}

/* The daemon's decision for a received message: verify (Mode v). */
static int
am_eval_eoh_cb(void *ctx, struct am_err *err)
{
	(void)err;
	(void)am_engine_eoh(ctx, 1);
	return 0;
}

static int
am_eval_body_cb(void *ctx, const char *p, size_t n, struct am_err *err)
{
	(void)err;
	am_engine_body(ctx, p, n);
	return 0;
}

static const struct am_msgparse_cb am_eval_cb = {
	am_eval_header_cb, am_eval_eoh_cb, am_eval_body_cb
};

/* The report sink: the records are printed after the why-trace. */
static void
am_eval_report_sink(void *ctx, const struct am_dmarc_report *rep)
{
	struct am_buf	*out = ctx;

	(void)am_buf_appends(out, "report: ");
	(void)am_dmarc_report_format(rep, out);
	(void)am_buf_appendc(out, '\n');
}

static void
am_eval_lines(const char *p)
{
	const char	*e;

	for (; *p != '\0'; p = e) {
		if ((e = strchr(p, '\n')) == NULL)
			e = p + strlen(p);
		printf("  %.*s\n", (int)(e - p), p);
		if (*e == '\n')
			e++;
	}
}

/* A folded value ("\n\t") on one line, its leading space dropped. */
static void
am_eval_unfolded(const char *prefix, const struct am_buf *b)
{
	const char	*p = am_buf_str(b);

	printf("%s", prefix);
	for (p += *p == ' '; *p != '\0'; p++)
		if (*p == '\n')
			putchar(' '), p += p[1] == '\t';
		else
			putchar(*p);
	putchar('\n');
}

/* What the MTA gets, as bench-milter --print shows it. */
static void
am_eval_milter(const struct am_disposition *d)
{
	printf("  milter: %s", am_disposition_action_name(d->action));
	if (am_disposition_refuses(d))
		printf(" %s %s %s", d->code, d->xcode, d->text);
	else if (d->action == AM_ACTION_QUARANTINE)
		printf(" %s", d->text);
	putchar('\n');
}

static void
am_eval_print(const struct am_eval_args *a, const struct am_engine_result *r,
    const struct am_buf *reports, const struct am_config *cfg)
{
	const struct am_disposition	*d = &r->disp;
	size_t				 i;

	if (r->ar->len > 0)
		am_eval_unfolded("Authentication-Results: ", r->ar);
	else
		printf("Authentication-Results: %s; none\n",
		    a->opts.authserv_id != NULL ? a->opts.authserv_id :
		    "localhost");
	printf("action=%s", am_disposition_action_name(d->action));
	if (am_disposition_refuses(d))
		printf(" %s %s", d->code, d->xcode);
	printf(" %s\n", d->why[0] != '\0' ? d->why : "nothing to enforce");
	am_eval_milter(d);
	if (!am_disposition_refuses(d) && d->action != AM_ACTION_DISCARD) {
		for (i = 0; i < r->ndel; i++)
			printf("  delete: Authentication-Results %zu\n",
			    r->del[i]);
		if (r->ar->len > 0)
			am_eval_unfolded("  add: Authentication-Results: ",
			    r->ar);
		if (r->rspf->len > 0)
			am_eval_unfolded("  add: Received-SPF: ", r->rspf);
		if (cfg != NULL && cfg->ar.software_header)
			printf("  add: DKIM-Filter: authmilter %s\n",
			    PACKAGE_VERSION);
	}
	am_eval_lines(am_buf_str(r->why));
	am_eval_lines(am_buf_str(reports));
}

/* The client as the MTA describes it, and the mapping's view of it. */
static void
am_eval_client(const struct am_eval_args *a, const struct am_config *cfg,
    struct sockaddr_storage *ss, struct am_engine_client *out)
{
	struct am_client	 cl;
	struct sockaddr_in	*s4 = (struct sockaddr_in *)(void *)ss;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)(void *)ss;
	int			 auth = a->env.auth_user != NULL &&
				    a->env.auth_user[0] != '\0';

	memset(&cl, 0, sizeof(cl));
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, a->env.ip, &s4->sin_addr) == 1)
		s4->sin_family = AF_INET;
	else if (inet_pton(AF_INET6, a->env.ip, &s6->sin6_addr) == 1)
		s6->sin6_family = AF_INET6;
	cl.sa = ss->ss_family != 0 ? (struct sockaddr *)ss : NULL;
	cl.addr = a->env.ip;
	cl.auth_authen = a->env.auth_user;
	if (cfg != NULL) {
		am_config_engine_client(cfg, &cl, out);
		out->ip = a->env.ip;
		return;
	}
	/* No config: its defaults (SPFSkipTrusted and
	 * IgnoreAuthenticatedClients yes). */
	memset(out, 0, sizeof(*out));
	out->ip = a->env.ip;
	out->spf_skip = out->exempt = out->iprev_skip = auth;
	if (auth)
		(void)snprintf(out->exempt_why, sizeof(out->exempt_why),
		    "authenticated client");
}

/* Runs the engine on fp, stage by stage; 0, or -1 when it could not
 * start. */
static int
am_eval_run(struct am_eval_args *a, const struct am_config *cfg,
    struct am_dns *dns, FILE *fp)
{
	struct am_engine	*e;
	struct am_engine_conn	 conn;
	struct am_engine_client	 ec;
	struct sockaddr_storage	 ss;
	struct am_buf		 reports;
	struct am_err		 err;
	char			 from[1100];

	am_err_clear(&err);
	am_buf_init(&reports, 65536);
	a->opts.report.fn = am_eval_report_sink;
	a->opts.report.ctx = &reports;
	a->opts.why = 1;
	e = am_engine_new(&a->opts, dns, &am_tool_log, NULL);
	am_eval_client(a, cfg, &ss, &ec);
	am_engine_client(e, &ec);
	am_engine_conn_init(&conn);
	am_engine_conn_helo(&conn, a->env.helo);
	(void)snprintf(from, sizeof(from), "<%s>", a->env.sender);
	if (!am_disposition_refuses(am_engine_mailfrom(e, &conn, NULL,
	    from))) {
		if (a->rcpt != NULL)
			am_engine_rcpt(e, a->rcpt);
		/* Oversized headers give a defined result, not a failure. */
		if (am_tool_feed(fp, &am_eval_cb, e, &err) == -1)
			am_tool_errx("message headers: %s", err.msg);
		(void)am_engine_eoh(e, 1);	/* as the MTA's EOH would */
	}
	am_engine_eom(e);
	am_eval_print(a, am_engine_result(e), &reports, cfg);
	am_engine_free(&e);
	am_buf_release(&reports);
	return 0;
}

static struct am_config *
am_eval_load(struct am_eval_args *a)
{
	struct am_config_overrides	 ov;
	struct am_config		*cfg;
	struct am_err			 err;

	memset(&ov, 0, sizeof(ov));
	ov.dns_zone = "";	/* we build our own resolver */
	am_err_clear(&err);
	if ((cfg = am_config_load(a->config, &ov, &am_tool_log, &err)) ==
	    NULL)
		am_tool_errx("%s: %s", a->config, err.msg);
	return cfg;
}

static int
am_eval_go(struct am_eval_args *a, struct am_config *cfg, char *host)
{
	struct am_psl	*psl = NULL;
	struct am_dns	*dns;
	struct am_err	 err;
	FILE		*fp;
	int		 rc = AM_TOOL_EXIT_OK;

	if (a->opts.authserv_id == NULL && gethostname(host, 256) == 0) {
		host[255] = '\0';
		a->opts.authserv_id = host;
	}
	if (a->psl) {
		if ((psl = am_psl_new(a->psl_path, &err)) == NULL) {
			am_tool_errx("public suffix list: %s", err.msg);
			return AM_TOOL_EXIT_INPUT;
		}
		a->opts.dmarc_opts.mode = AM_DMARC_MODE_PSL;
		a->opts.dmarc_opts.psl = psl;
	}
	if ((dns = am_tool_dns_for_config(&a->dns, cfg)) == NULL) {
		am_psl_free(&psl);
		return a->dns.nzones > 0 ? AM_TOOL_EXIT_INPUT :
		    AM_TOOL_EXIT_USAGE;
	}
	if ((fp = am_tool_open(a->file)) == NULL)
		rc = AM_TOOL_EXIT_INPUT;
	else {
		if (am_eval_run(a, cfg, dns, fp) == -1)
			rc = AM_TOOL_EXIT_USAGE;
		fclose(fp);
	}
	if (fflush(stdout) == EOF)
		rc = AM_TOOL_EXIT_SOFTWARE;
	am_dns_free(&dns);
	am_psl_free(&psl);
	return rc;
}

int
am_cmd_eval(int argc, char **argv)
{
	struct am_eval_args	 a;
	struct am_config	*cfg = NULL;
	char			 host[256];
	uint64_t		 now;
	int			 rc;

	if (am_eval_parse(argc, argv, &a) == -1)
		return am_eval_usage();
	now = a.opts.now;
	if (a.config != NULL) {
		if ((cfg = am_eval_load(&a)) == NULL)
			return AM_TOOL_EXIT_INPUT;
		am_config_engine_opts(cfg, &a.opts);
		if (now != 0)
			a.opts.now = now;	/* --now wins */
	}
	am_eval_apply_args(&a);
	rc = am_eval_go(&a, cfg, host);
	if (cfg != NULL)
		am_config_unref(&cfg);
	return rc;
}
