/*
 * dmarc-probe - evaluate DMARC for one case and print one line, for
 * the Mail::DMARC differential test (t/interop/maildmarc.sh)
 *
 *	dmarc-probe [-m walk|psl] -z ZONEFILE -a AUTHOR [-s DOMAIN:RESULT]
 *	    [-d DOMAIN:SELECTOR:RESULT]...
 *
 * prints "verdict disposition policy-domain" (policy-domain "-" when
 * no policy applied).  RESULT is pass, fail or temperror.  Exit 0, or
 * 2 on a usage error.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dmarc.h"
#include "dns.h"
#include "psl.h"

#define PROBE_MAX_DKIM	8

static int
usage(void)
{
	fprintf(stderr, "usage: dmarc-probe [-m walk|psl] -z zone -a author "
	    "[-s dom:res] [-d dom:sel:res]...\n");
	return 2;
}

/* split - "a:b:c" into up to n fields, in place */

static size_t
split(char *s, char **f, size_t n)
{
	size_t	 k = 0;

	while (k < n) {
		f[k++] = s;
		if ((s = strchr(s, ':')) == NULL)
			break;
		*s++ = '\0';
	}
	return k;
}

int
main(int argc, char **argv)
{
	struct am_dmarc_dkim_in	 dk[PROBE_MAX_DKIM];
	struct am_dmarc_input	 in;
	struct am_dmarc_opts	 opts;
	struct am_dmarc_result	 r;
	struct am_psl		*psl = NULL;
	struct am_dns		*dns = am_dns_zone_new();
	struct am_err		 err;
	char			*f[3];
	int			 c;

	memset(&in, 0, sizeof(in));
	am_dmarc_opts_init(&opts);
	in.dkim = dk;
	while ((c = getopt(argc, argv, "m:z:a:s:d:")) != -1) {
		switch (c) {
		case 'm':
			opts.mode = strcmp(optarg, "psl") == 0 ?
			    AM_DMARC_MODE_PSL : AM_DMARC_MODE_WALK;
			break;
		case 'z':
			if (am_dns_zone_load(dns, optarg, &err) == -1) {
				fprintf(stderr, "dmarc-probe: %s\n", err.msg);
				return 2;
			}
			break;
		case 'a':
			in.author = optarg;
			break;
		case 's':
			if (split(optarg, f, 2) != 2)
				return usage();
			in.spf_domain = f[0];
			in.spf = strcmp(f[1], "pass") == 0 ? AM_VERDICT_PASS :
			    strcmp(f[1], "temperror") == 0 ? AM_VERDICT_TEMPERROR :
			    AM_VERDICT_FAIL;
			break;
		case 'd':
			if (in.ndkim == PROBE_MAX_DKIM || split(optarg, f, 3) != 3)
				return usage();
			dk[in.ndkim].d = f[0];
			dk[in.ndkim].s = f[1];
			dk[in.ndkim++].verdict = strcmp(f[2], "pass") == 0 ?
			    AM_VERDICT_PASS : strcmp(f[2], "temperror") == 0 ?
			    AM_VERDICT_TEMPERROR : AM_VERDICT_FAIL;
			break;
		default:
			return usage();
		}
	}
	if (in.author == NULL)
		return usage();
	if (opts.mode == AM_DMARC_MODE_PSL &&
	    (opts.psl = psl = am_psl_new(NULL, &err)) == NULL) {
		fprintf(stderr, "dmarc-probe: %s\n", err.msg);
		return 2;
	}
	if (am_dmarc_eval(dns, &opts, &in, &r, &err) == -1) {
		fprintf(stderr, "dmarc-probe: %s\n", err.msg);
		return 2;
	}
	printf("%s %s %s\n", am_dmarc_verdict_name(r.verdict),
	    am_dmarc_disposition_name(r.disposition),
	    r.have_policy ? r.policy_domain : "-");
	if (getenv("DMARC_PROBE_WHY") != NULL)
		fputs(am_buf_str(&r.why), stderr);
	am_dmarc_result_release(&r);
	am_psl_free(&psl);
	am_dns_free(&dns);
	return 0;
}
