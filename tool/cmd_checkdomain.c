/*
 * cmd_checkdomain - authmilter-tool check-domain: will my mail arrive?
 *
 *	authmilter-tool check-domain DOMAIN... [-c CONFIG] [--ip ADDRESS]...
 *	    [--selector S --key KEYFILE]... [--smtp HOST[:PORT]]
 *	    [--dnsbl ZONE]... [--zone ZONEFILE]... [--nameserver IP[@PORT]]
 *	    [--dns-timeout SECONDS] [--json]
 *
 * Runs lib/audit's checks for each domain and prints the findings, one
 * a line ("PASS|WARN|FAIL check domain: text -- fix: fix"), or with
 * --json one array of {check, severity, domain, text, fix, rfc}.
 * With -c the signing domains (when no DOMAIN is given: the KeyTable's
 * d= values, Domain, and for d=% keys the host parts of the
 * SigningTable entries naming them), their selectors and private keys
 * come from the KeyTable (or Domain, Selector and KeyFile), and the
 * canonicalization from Canonicalization.
 * --selector S alone checks the record without the key match; --key
 * belongs to the --selector before it.  Without --dnsbl and without
 * --zone, each --ip is looked up on AM_CD_DEFAULT_DNSBL.
 *
 * Exit: 0 nothing FAILed, 1 something did, 64 usage, 66 a key, config
 * or zone file that does not load, 70 output error.
 */

#include <arpa/inet.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "config.h"
#include "domain.h"
#include "mem.h"
#include "pkey.h"
#include "signdomains.h"
#include "tool.h"

#define AM_CD_MAX	32	/* of each repeatable option */
#define AM_CD_MAXKEYS	64

static const char *const am_cd_default_dnsbl[] = {
	"zen.spamhaus.org", "bl.spamcop.net", "b.barracudacentral.org",
	"psbl.surriel.com"
};

struct am_cd_args {
	const char		*config;
	const char		*ips[AM_CD_MAX];
	size_t			 nips;
	const char		*selectors[AM_CD_MAX];
	const char		*keyfiles[AM_CD_MAX];	/* NULL: none */
	size_t			 nsel;
	const char		*smtp;
	const char		*dnsbl[AM_CD_MAX];
	size_t			 ndnsbl;
	int			 json;
	struct am_tool_dns_args	 dns;
	char			**domains;		/* positional */
	size_t			 ndomains;
};

static int
am_cd_usage(void)
{
	fprintf(stderr, "usage: authmilter-tool check-domain DOMAIN... "
	    "[-c CONFIG] [--ip ADDRESS]...\n"
	    "\t[--selector S --key KEYFILE]... [--smtp HOST[:PORT]] "
	    "[--dnsbl ZONE]...\n"
	    "\t[--zone ZONEFILE]... [--nameserver IP[@PORT]] "
	    "[--dns-timeout SECONDS] [--json]\n");
	return AM_TOOL_EXIT_USAGE;
}

static int
am_cd_push(const char **list, size_t *n, const char *v, const char *opt)
{
	if (*n == AM_CD_MAX) {
		am_tool_errx("too many %s (at most %d)", opt, AM_CD_MAX);
		return -1;
	}
	list[(*n)++] = v;
	return 0;
}

static int
am_cd_opt(int c, char *arg, struct am_cd_args *a)
{
	unsigned char	 buf[16];
	int		 r;

	if ((r = am_tool_dns_opt(c, arg, &a->dns)) != 0)
		return r == 1 ? 0 : -1;
	switch (c) {
	case 'c':
		a->config = arg;
		return 0;
	case 'i':
		if (inet_pton(AF_INET, arg, buf) != 1 &&
		    inet_pton(AF_INET6, arg, buf) != 1) {
			am_tool_errx("--ip %s: not an IPv4 or IPv6 address",
			    arg);
			return -1;
		}
		return am_cd_push(a->ips, &a->nips, arg, "--ip");
	case 's':
		if (am_cd_push(a->selectors, &a->nsel, arg, "--selector") == -1)
			return -1;
		a->keyfiles[a->nsel - 1] = NULL;
		return 0;
	case 'k':
		if (a->nsel == 0 || a->keyfiles[a->nsel - 1] != NULL) {
			am_tool_errx("--key %s: give --selector first", arg);
			return -1;
		}
		a->keyfiles[a->nsel - 1] = arg;
		return 0;
	case 'S':
		a->smtp = arg;
		return 0;
	case 'b':
		return am_cd_push(a->dnsbl, &a->ndnsbl, arg, "--dnsbl");
	case 'j':
		a->json = 1;
		return 0;
	}
	return -1;
}

static int
am_cd_parse(int argc, char **argv, struct am_cd_args *a)
{
	static const struct option longopts[] = {
		AM_TOOL_DNS_LONGOPTS,
		{ "ip", required_argument, NULL, 'i' },
		{ "selector", required_argument, NULL, 's' },
		{ "key", required_argument, NULL, 'k' },
		{ "smtp", required_argument, NULL, 'S' },
		{ "dnsbl", required_argument, NULL, 'b' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	int	 c;

	memset(a, 0, sizeof(*a));
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:", longopts, NULL)) != -1)
		if (c == '?' || am_cd_opt(c, optarg, a) == -1)
			return -1;
	a->domains = argv + optind;
	a->ndomains = (size_t)(argc - optind);
	if (a->ndomains == 0 && a->config == NULL) {
		am_tool_errx("give a DOMAIN (or -c CONFIG)");
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- keys */

/* Loads the --key files into pk[]; -1 reported. */
static int
am_cd_load_keys(const struct am_cd_args *a, EVP_PKEY **pk)
{
	struct am_err	 err;
	size_t		 i;

	for (i = 0; i < a->nsel; i++) {
		pk[i] = NULL;
		if (a->keyfiles[i] == NULL)
			continue;
		am_err_clear(&err);
		if (am_pkey_load_file(a->keyfiles[i], &pk[i], &err) == -1) {
			am_tool_errx("%s", err.msg);
			return -1;
		}
	}
	return 0;
}

/* The keys that sign for domain: the command line's, then the config's
 * with d= that domain or "%" (signdomains.h). */
static size_t
am_cd_keys_for(const struct am_cd_args *a, EVP_PKEY **pk,
    const struct am_config *cfg, const char *domain,
    struct am_audit_key *out)
{
	const struct am_key	*k[AM_CD_MAXKEYS];
	size_t			 i, n = 0, nk;

	for (i = 0; i < a->nsel && n < AM_CD_MAXKEYS; i++) {
		out[n].selector = a->selectors[i];
		out[n++].pkey = pk[i];
	}
	nk = cfg != NULL ? am_signdomains_keys(cfg, domain, k,
	    AM_CD_MAXKEYS - n) : 0;
	for (i = 0; i < nk; i++) {
		out[n].selector = k[i]->selector;
		out[n++].pkey = k[i]->pkey;
	}
	return n;
}

/* ---------------------------------------------------------------- domains */

/* The domains to audit, A-labels; -1 reported. */
static int
am_cd_domains(const struct am_cd_args *a, const struct am_config *cfg,
    char ***out, size_t *nout)
{
	struct am_err	 err;
	char		*al;
	size_t		 i;

	*out = NULL;
	*nout = 0;
	for (i = 0; i < a->ndomains; i++) {
		if ((al = am_domain_to_alabel(a->domains[i],
		    strlen(a->domains[i]), &err)) == NULL) {
			am_tool_errx("%s: %s", a->domains[i], err.msg);
			return -1;
		}
		am_signdomains_add(out, nout, al);
		free(al);
	}
	if (a->ndomains == 0 && cfg != NULL)
		am_signdomains(cfg, out, nout);
	if (*nout == 0) {
		am_tool_errx("%s: no signing domain found; give a DOMAIN",
		    a->config);
		return -1;
	}
	return 0;
}

static void
am_cd_run(const struct am_cd_args *a, const struct am_config *cfg,
    struct am_dns *dns, EVP_PKEY **pk, char **domains, size_t ndomains,
    struct am_audit *all)
{
	struct am_audit_input	 in;
	struct am_audit_key	 keys[AM_CD_MAXKEYS];
	size_t			 i;

	for (i = 0; i < ndomains; i++) {
		memset(&in, 0, sizeof(in));
		in.domain = domains[i];
		in.nkeys = am_cd_keys_for(a, pk, cfg, domains[i], keys);
		in.keys = keys;
		if (cfg != NULL) {
			in.canon_known = 1;
			in.hcanon = cfg->dkim.hcanon;
			in.bcanon = cfg->dkim.bcanon;
		}
		in.ips = a->ips;
		in.nips = a->nips;
		if (a->ndnsbl > 0 || a->dns.nzones > 0) {
			in.dnsbl = a->dnsbl;
			in.ndnsbl = a->ndnsbl;
		} else {
			in.dnsbl = am_cd_default_dnsbl;
			in.ndnsbl = sizeof(am_cd_default_dnsbl) /
			    sizeof(am_cd_default_dnsbl[0]);
		}
		in.smtp = a->smtp;
		am_audit_domain(dns, &in, all);
	}
}

static int
am_cd_print(const struct am_cd_args *a, const struct am_audit *all)
{
	struct am_buf	 out;
	int		 rc;

	am_buf_init(&out, 64 * 1024 * 1024);
	if (a->json)
		am_audit_format_json(all, &out);
	else
		am_audit_format_text(all, &out);
	rc = out.err || fwrite(out.data, 1, out.len, stdout) != out.len ||
	    fflush(stdout) == EOF ? AM_TOOL_EXIT_SOFTWARE :
	    am_audit_failed(all) ? AM_TOOL_EXIT_PROBLEM : AM_TOOL_EXIT_OK;
	am_buf_release(&out);
	if (!a->json)
		fprintf(stderr, "check-domain: %zu PASS, %zu WARN, %zu FAIL\n",
		    am_audit_count(all, AM_AUDIT_PASS),
		    am_audit_count(all, AM_AUDIT_WARN),
		    am_audit_count(all, AM_AUDIT_FAIL));
	return rc;
}

static int
am_cd_main(const struct am_cd_args *a, struct am_config *cfg, EVP_PKEY **pk)
{
	struct am_audit	 all;
	struct am_dns	*dns;
	char		**domains;
	size_t		 ndomains, i;
	int		 rc;

	if (am_cd_domains(a, cfg, &domains, &ndomains) == -1)
		return AM_TOOL_EXIT_USAGE;
	if ((dns = am_tool_dns_for_config(&a->dns, cfg)) == NULL)
		rc = a->dns.nzones > 0 ? AM_TOOL_EXIT_INPUT : AM_TOOL_EXIT_USAGE;
	else {
		am_audit_init(&all);
		am_cd_run(a, cfg, dns, pk, domains, ndomains, &all);
		rc = am_cd_print(a, &all);
		am_audit_release(&all);
		am_dns_free(&dns);
	}
	for (i = 0; i < ndomains; i++)
		free(domains[i]);
	free(domains);
	return rc;
}

int
am_cmd_checkdomain(int argc, char **argv)
{
	struct am_cd_args		 a;
	struct am_config_overrides	 ov;
	struct am_config		*cfg = NULL;
	struct am_err			 err;
	EVP_PKEY			*pk[AM_CD_MAX];
	size_t				 i;
	int				 rc;

	if (am_cd_parse(argc, argv, &a) == -1)
		return am_cd_usage();
	memset(pk, 0, sizeof(pk));
	if (am_cd_load_keys(&a, pk) == -1)
		rc = AM_TOOL_EXIT_INPUT;
	else {
		am_err_clear(&err);
		memset(&ov, 0, sizeof(ov));
		if (a.config != NULL && (cfg = am_config_load(a.config, &ov,
		    &am_tool_log, &err)) == NULL) {
			am_tool_errx("%s: %s", a.config, err.msg);
			rc = AM_TOOL_EXIT_INPUT;
		} else
			rc = am_cd_main(&a, cfg, pk);
	}
	for (i = 0; i < a.nsel; i++)
		EVP_PKEY_free(pk[i]);
	if (cfg != NULL)
		am_config_unref(&cfg);
	return rc;
}
