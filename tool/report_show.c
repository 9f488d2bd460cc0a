/*
 * authmilter-tool report show - what other receivers' reports say
 * about our domains: per domain, reporting organization and source IP
 * the messages that passed or failed DMARC, and DKIM and SPF aligned
 * or not; then the sources that fail, named by reverse DNS, with the
 * likely cause
 *
 * Likely causes, per source IP over all reporters of the domain:
 *  - some messages pass DMARC, some fail: "our server, some messages
 *    fail: a broken DKIM signature or an SPF record that misses
 *    messages" (a sender of ours that works most of the time);
 *  - none pass, a DKIM signature of the domain (or a subdomain) fails:
 *    "our domain's signature is broken" (our server or service with a
 *    bad key or a modifying hop);
 *  - none pass, DKIM or SPF passes for another domain: "a third party
 *    or forwarder sending as the domain without alignment (a
 *    forgotten sender, a mailing list)";
 *  - otherwise: "not our server: spoofing, or a sender never set up".
 */

#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report_cmds.h"

struct am_show_src {
	char		 domain[AM_REPORT_DOMAIN];
	char		 org[256];
	char		 ip[64];
	uint64_t	 msgs, dmarc_pass, dkim_al, spf_al;
	uint64_t	 dkim_pass, spf_pass;	/* unaligned results */
	uint64_t	 own_dkim_fail, other_pass;
};

struct am_show {
	struct am_show_src	*s;
	size_t			 n, cap;
};

static int
am_show_sub(const char *d, const char *dom)
{
	size_t	 ld = strlen(d), lo = strlen(dom);

	return strcasecmp(d, dom) == 0 || (ld > lo && d[ld - lo - 1] == '.' &&
	    strcasecmp(d + ld - lo, dom) == 0);
}

static int
am_show_row(void *ctx, const struct am_report_irow *ir)
{
	struct am_show		*sh = ctx;
	const struct am_report_row *r = &ir->row;
	struct am_show_src	*s;
	size_t			 i;
	int			 dk = 0, other = 0, own_fail = 0;

	s = sh->n > 0 ? &sh->s[sh->n - 1] : NULL;
	if (s == NULL || strcmp(s->domain, ir->policy_domain) != 0 ||
	    strcmp(s->org, ir->org_name) != 0 || strcmp(s->ip, r->source_ip)) {
		if (sh->n == sh->cap) {
			sh->cap = sh->cap ? 2 * sh->cap : 64;
			if ((sh->s = realloc(sh->s, sh->cap * sizeof(*sh->s)))
			    == NULL)
				abort();
		}
		s = &sh->s[sh->n++];
		memset(s, 0, sizeof(*s));
		am_report_strlcpy(s->domain, ir->policy_domain,
		    sizeof(s->domain));
		am_report_strlcpy(s->org, ir->org_name, sizeof(s->org));
		am_report_strlcpy(s->ip, r->source_ip, sizeof(s->ip));
	}
	s->msgs += r->count;
	if (strcmp(r->dkim_eval, "pass") == 0)
		s->dkim_al += r->count;
	if (strcmp(r->spf_eval, "pass") == 0)
		s->spf_al += r->count;
	if (strcmp(r->dkim_eval, "pass") == 0 ||
	    strcmp(r->spf_eval, "pass") == 0)
		s->dmarc_pass += r->count;
	for (i = 0; i < r->ndkim; i++) {
		if (strcmp(r->dkim[i].result, "pass") == 0) {
			dk = 1;
			if (!am_show_sub(r->dkim[i].domain, ir->policy_domain))
				other = 1;
		} else if (am_show_sub(r->dkim[i].domain, ir->policy_domain))
			own_fail = 1;
	}
	if (dk)
		s->dkim_pass += r->count;
	if (strcmp(r->spf_result, "pass") == 0) {
		s->spf_pass += r->count;
		if (!am_show_sub(r->spf_domain, ir->policy_domain))
			other = 1;
	}
	if (own_fail)
		s->own_dkim_fail += r->count;
	if (other)
		s->other_pass += r->count;
	return 0;
}

/* The PTR name of ip, "" when there is none, "?" on DNS trouble. */
static void
am_show_ptr(struct am_dns *dns, const char *ip, char *out, size_t size)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 a[16];
	char			 name[128];
	struct am_dns_result	 res;
	size_t			 k = 0;
	int			 i;

	am_report_strlcpy(out, "", size);
	if (dns == NULL)
		return;
	if (inet_pton(AF_INET, ip, a) == 1)
		(void)snprintf(name, sizeof(name), "%u.%u.%u.%u.in-addr.arpa",
		    a[3], a[2], a[1], a[0]);
	else if (inet_pton(AF_INET6, ip, a) == 1) {
		for (i = 15; i >= 0; i--) {
			name[k++] = hex[a[i] & 15];
			name[k++] = '.';
			name[k++] = hex[a[i] >> 4];
			name[k++] = '.';
		}
		(void)snprintf(name + k, sizeof(name) - k, "ip6.arpa");
	} else
		return;
	switch (am_dns_lookup(dns, name, AM_DNS_PTR, &res)) {
	case AM_DNS_OK:
		if (res.n > 0 && res.rr[0].name != NULL)
			am_report_strlcpy(out, res.rr[0].name, size);
		break;
	case AM_DNS_NXDOMAIN:
	case AM_DNS_NODATA:
		break;
	default:
		am_report_strlcpy(out, "?", size);
	}
	am_dns_result_release(&res);
}

static const char *
am_show_cause(const struct am_show_src *s)
{
	if (s->dmarc_pass > 0)
		return "our server, some messages fail: a broken DKIM "
		    "signature or an SPF record that misses messages";
	if (s->own_dkim_fail > 0)
		return "the domain's DKIM signature is broken (a bad key or "
		    "a hop that modifies the message)";
	if (s->other_pass > 0)
		return "a third party or forwarder sending as the domain "
		    "without alignment (a forgotten sender, a mailing list)";
	return "not our server: spoofing, or a sender never set up";
}

static int
am_show_ipcmp(const void *a, const void *b)
{
	const struct am_show_src *x = a, *y = b;
	int			 c = strcmp(x->domain, y->domain);

	return c != 0 ? c : strcmp(x->ip, y->ip);
}

/* The per-IP totals of one domain's sources (over all reporters). */
static size_t
am_show_by_ip(const struct am_show *sh, size_t first, size_t last,
    struct am_show_src *out)
{
	size_t	 i, n = 0;

	for (i = first; i < last; i++)
		out[i - first] = sh->s[i];
	qsort(out, last - first, sizeof(*out), am_show_ipcmp);
	for (i = 0; i < last - first; i++) {
		if (n > 0 && strcmp(out[n - 1].ip, out[i].ip) == 0) {
			struct am_show_src *t = &out[n - 1];

			t->msgs += out[i].msgs;
			t->dmarc_pass += out[i].dmarc_pass;
			t->dkim_al += out[i].dkim_al;
			t->spf_al += out[i].spf_al;
			t->dkim_pass += out[i].dkim_pass;
			t->spf_pass += out[i].spf_pass;
			t->own_dkim_fail += out[i].own_dkim_fail;
			t->other_pass += out[i].other_pass;
			continue;
		}
		out[n++] = out[i];
	}
	return n;
}

static void
am_show_text_domain(const struct am_show *sh, size_t first, size_t last,
    struct am_dns *dns)
{
	struct am_show_src	*ips;
	char			 ptr[256];
	size_t			 i, n;

	printf("%s\n  %-24s %-39s %8s %13s %13s %13s\n", sh->s[first].domain,
	    "reporter", "source IP", "messages", "DMARC pass/fail",
	    "DKIM al./not", "SPF al./not");
	for (i = first; i < last; i++) {
		const struct am_show_src *s = &sh->s[i];
		char d[40], k[40], p[40];

		(void)snprintf(d, sizeof(d), "%llu/%llu",
		    (unsigned long long)s->dmarc_pass,
		    (unsigned long long)(s->msgs - s->dmarc_pass));
		(void)snprintf(k, sizeof(k), "%llu/%llu",
		    (unsigned long long)s->dkim_al,
		    (unsigned long long)(s->msgs - s->dkim_al));
		(void)snprintf(p, sizeof(p), "%llu/%llu",
		    (unsigned long long)s->spf_al,
		    (unsigned long long)(s->msgs - s->spf_al));
		printf("  %-24.24s %-39s %8llu %15s %13s %13s\n", s->org, s->ip,
		    (unsigned long long)s->msgs, d, k, p);
	}
	ips = calloc(last - first, sizeof(*ips));
	if (ips == NULL)
		abort();
	n = am_show_by_ip(sh, first, last, ips);
	for (i = 0; i < n; i++) {
		if (ips[i].dmarc_pass == ips[i].msgs)
			continue;
		am_show_ptr(dns, ips[i].ip, ptr, sizeof(ptr));
		printf("  failing: %s (%s): %llu of %llu message(s) failed "
		    "DMARC: %s\n", ips[i].ip, ptr[0] ? ptr : "no reverse DNS",
		    (unsigned long long)(ips[i].msgs - ips[i].dmarc_pass),
		    (unsigned long long)ips[i].msgs, am_show_cause(&ips[i]));
	}
	free(ips);
}

static void
am_show_json_counts(const struct am_show_src *s)
{
	printf("\"messages\": %llu, \"dmarc\": {\"pass\": %llu, \"fail\": %llu}, "
	    "\"dkim\": {\"aligned_pass\": %llu, \"not_aligned\": %llu, "
	    "\"pass\": %llu}, \"spf\": {\"aligned_pass\": %llu, "
	    "\"not_aligned\": %llu, \"pass\": %llu}",
	    (unsigned long long)s->msgs, (unsigned long long)s->dmarc_pass,
	    (unsigned long long)(s->msgs - s->dmarc_pass),
	    (unsigned long long)s->dkim_al,
	    (unsigned long long)(s->msgs - s->dkim_al),
	    (unsigned long long)s->dkim_pass, (unsigned long long)s->spf_al,
	    (unsigned long long)(s->msgs - s->spf_al),
	    (unsigned long long)s->spf_pass);
}

static void
am_show_json_domain(const struct am_show *sh, size_t first, size_t last,
    struct am_dns *dns)
{
	struct am_show_src	*ips;
	char			 ptr[256];
	size_t			 i, n, k = 0;

	printf("{\"domain\": ");
	am_report_json_str(stdout, sh->s[first].domain);
	printf(", \"sources\": [");
	for (i = first; i < last; i++) {
		printf("%s\n  {\"reporter\": ", i > first ? "," : "");
		am_report_json_str(stdout, sh->s[i].org);
		printf(", \"source_ip\": ");
		am_report_json_str(stdout, sh->s[i].ip);
		printf(", ");
		am_show_json_counts(&sh->s[i]);
		printf("}");
	}
	printf("],\n \"failing\": [");
	ips = calloc(last - first, sizeof(*ips));
	if (ips == NULL)
		abort();
	n = am_show_by_ip(sh, first, last, ips);
	for (i = 0; i < n; i++) {
		if (ips[i].dmarc_pass == ips[i].msgs)
			continue;
		am_show_ptr(dns, ips[i].ip, ptr, sizeof(ptr));
		printf("%s\n  {\"source_ip\": ", k++ ? "," : "");
		am_report_json_str(stdout, ips[i].ip);
		printf(", \"ptr\": ");
		am_report_json_str(stdout, ptr);
		printf(", ");
		am_show_json_counts(&ips[i]);
		printf(", \"cause\": ");
		am_report_json_str(stdout, am_show_cause(&ips[i]));
		printf("}");
	}
	printf("]}");
	free(ips);
}

int
am_report_cmd_show(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "domain", required_argument, NULL, 'D' },
		{ "since", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "store", required_argument, NULL, 'S' },
		{ "no-rdns", no_argument, NULL, 'R' },
		AM_TOOL_DNS_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct am_report_conf	 conf;
	struct am_tool_dns_args	 dnsargs;
	struct am_report_store	*st;
	struct am_dns		*dns = NULL;
	struct am_show		 sh = { NULL, 0, 0 };
	struct am_err		 err;
	const char		*cfg = NULL, *store = NULL, *domain = NULL;
	unsigned long long	 since = 0;
	size_t			 i, j;
	int			 c, r, json = 0, rdns = 1;

	memset(&dnsargs, 0, sizeof(dnsargs));
	while ((c = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		if ((r = am_tool_dns_opt(c, optarg, &dnsargs)) != 0) {
			if (r < 0)
				return AM_TOOL_EXIT_USAGE;
			continue;
		}
		switch (c) {
		case 'c': cfg = optarg; break;
		case 'D': domain = optarg; break;
		case 'j': json = 1; break;
		case 'S': store = optarg; break;
		case 'R': rdns = 0; break;
		case 'i':
			if (am_tool_parse_u64(optarg, &since) != 0) {
				am_tool_errx("--since: a UNIX time");
				return AM_TOOL_EXIT_USAGE;
			}
			break;
		default:
			goto usage;
		}
	}
	if ((cfg == NULL && store == NULL) || optind != argc)
		goto usage;
	if (am_report_conf_load(cfg, &conf, NULL) != 0)
		return AM_TOOL_EXIT_USAGE;
	if ((st = am_report_conf_store(&conf, store)) == NULL)
		return AM_TOOL_EXIT_SOFTWARE;
	am_err_clear(&err);
	if (am_report_store_imported(st, (int64_t)since, domain, am_show_row,
	    &sh, &err) != 0) {
		am_tool_errx("report store: %s", err.msg);
		am_report_store_close(&st);
		free(sh.s);
		return AM_TOOL_EXIT_SOFTWARE;
	}
	am_report_store_close(&st);
	if (rdns && sh.n > 0 && (dns = am_tool_dns_open(&dnsargs, NULL,
	    5000)) == NULL) {
		free(sh.s);
		return AM_TOOL_EXIT_USAGE;
	}
	if (json)
		printf("{\"domains\": [");
	else if (sh.n == 0)
		printf("no imported reports%s%s\n", domain ? " for " : "",
		    domain ? domain : "");
	for (i = 0; i < sh.n; i = j) {
		for (j = i; j < sh.n && strcmp(sh.s[j].domain,
		    sh.s[i].domain) == 0; j++)
			;
		if (json) {
			printf("%s\n", i > 0 ? "," : "");
			am_show_json_domain(&sh, i, j, dns);
		} else
			am_show_text_domain(&sh, i, j, dns);
	}
	if (json)
		printf("\n]}\n");
	am_dns_free(&dns);
	free(sh.s);
	return AM_TOOL_EXIT_OK;
usage:
	fprintf(stderr, "usage: authmilter-tool report show -c CONFIG "
	    "[--domain D] [--since UNIXTIME] [--json] [--store URI] "
	    "[--no-rdns] [--zone FILE]\n");
	return AM_TOOL_EXIT_USAGE;
}
