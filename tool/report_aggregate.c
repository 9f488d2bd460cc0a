/*
 * authmilter-tool report aggregate - build (and write, send) the RFC
 * 9990 aggregate reports of complete periods from the report store
 *
 * For each period, each policy domain and published configuration with
 * records: the rua mailto: destinations, each external one verified
 * (RFC 9990 4: a v=DMARC1 TXT record at
 * <policy-domain>._report._dmarc.<destination-host>; a rua there
 * replaces the address when it names the same host, else the
 * destination is dropped; DNS trouble defers the destination to the
 * next run, never "send anyway").  A destination counts as external
 * unless its host is the policy domain, a subdomain or a parent of it
 * (no Organizational Domain walk here: a sibling domain of the same
 * organization is verified too).  The ledger makes a second run send
 * nothing twice.
 */

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "autoconfig.h"
#include "dmarc_rec.h"
#include "report_cmds.h"
#include "report_out.h"

#define AM_AGG_DESTS	AM_DMARC_URI_MAX
#define AM_AGG_ADDR	320

struct am_agg {
	struct am_report_conf		 conf;
	struct am_report_meta		 meta;
	struct am_report_store		*st;
	struct am_tool_dns_args		 dnsargs;
	struct am_dns			*dns;
	int				 dns_broken;
	const char			*out_dir;
	int				 send, dry_run;
	int64_t				 now;
	int				 failed;
	/* the configuration being built */
	const struct am_report_config	*c;
	int64_t				 begin, end;
	char				 dest[AM_AGG_DESTS][AM_AGG_ADDR];
	size_t				 ndest;
};

/* ------------------------------------------------------- destinations */

static void
am_agg_lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* "mailto:a%40b@x.example?subject=..." -> "a@b@x.example"; -1 if not a
 * usable mailto: URI. */
static int
am_agg_mailto(const char *uri, size_t n, char *out, size_t size)
{
	size_t	 i, k = 0;
	char	 hx[3] = "";

	if (n < 8 || strncasecmp(uri, "mailto:", 7) != 0)
		return -1;
	for (i = 7; i < n && uri[i] != '?'; i++) {
		char c = uri[i];

		if (c == '%' && i + 2 < n && isxdigit((unsigned char)uri[i + 1]) &&
		    isxdigit((unsigned char)uri[i + 2])) {
			hx[0] = uri[i + 1];
			hx[1] = uri[i + 2];
			c = (char)strtol(hx, NULL, 16);
			i += 2;
		}
		if ((unsigned char)c <= ' ' || c == '<' || c == '>' ||
		    c == ',' || k + 1 >= size)
			return -1;
		out[k++] = c;
	}
	out[k] = '\0';
	if (strrchr(out, '@') == NULL || strrchr(out, '@')[1] == '\0' ||
	    out[0] == '@')
		return -1;
	am_agg_lower(strrchr(out, '@'));
	return 0;
}

static int
am_agg_related(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b);

	if (strcasecmp(a, b) == 0)
		return 1;
	if (la > lb && a[la - lb - 1] == '.' && strcasecmp(a + la - lb, b) == 0)
		return 1;
	return lb > la && b[lb - la - 1] == '.' &&
	    strcasecmp(b + lb - la, a) == 0;
}

/* 0 authorized (addr maybe replaced), 1 dropped, 2 deferred; why says. */
static int
am_agg_verify(struct am_agg *a, char *addr, char *why, size_t wsize)
{
	struct am_dns_result	 res;
	struct am_dmarc_rec	 rec;
	char			 name[600], alt[AM_AGG_ADDR];
	const char		*host = strrchr(addr, '@') + 1, *p, *e;
	size_t			 i;
	int			 found = 0, replaced = 0, rc;

	if (am_agg_related(host, a->c->policy_domain))
		return 0;
	if (a->dns == NULL && !a->dns_broken &&
	    (a->dns = am_tool_dns_open(&a->dnsargs, NULL, 5000)) == NULL)
		a->dns_broken = 1;
	if (a->dns == NULL) {
		(void)snprintf(why, wsize, "deferred: no resolver");
		return 2;
	}
	if ((size_t)snprintf(name, sizeof(name), "%s._report._dmarc.%s",
	    a->c->policy_domain, host) > 253) {
		(void)snprintf(why, wsize, "dropped: %s._report._dmarc.%s is "
		    "too long for DNS", a->c->policy_domain, host);
		return 1;
	}
	switch (am_dns_lookup(a->dns, name, AM_DNS_TXT, &res)) {
	case AM_DNS_OK:
		break;
	case AM_DNS_NXDOMAIN:
	case AM_DNS_NODATA:
		am_dns_result_release(&res);
		(void)snprintf(why, wsize, "dropped: %s has not authorized "
		    "reports for %s (no record at %s)", host,
		    a->c->policy_domain, name);
		return 1;
	default:
		rc = (int)res.status;
		am_dns_result_release(&res);
		(void)snprintf(why, wsize, "deferred: DNS %s for %s",
		    am_dns_status_name((enum am_dns_status)rc), name);
		return 2;
	}
	for (i = 0; i < res.n; i++) {
		if (res.rr[i].type != AM_DNS_TXT ||
		    am_dmarc_rec_parse(res.rr[i].txt, res.rr[i].txt_len, &rec,
		    NULL) != 0)
			continue;
		found = 1;
		for (p = rec.rua; *p != '\0' && !replaced; p = *e ? e + 1 : e) {
			e = strchr(p, ',');
			if (e == NULL)
				e = p + strlen(p);
			if (am_agg_mailto(p, (size_t)(e - p), alt,
			    sizeof(alt)) == 0) {
				if (strcasecmp(strrchr(alt, '@') + 1, host) != 0)
					replaced = -1;
				else {
					am_report_strlcpy(addr, alt, AM_AGG_ADDR);
					replaced = 1;
				}
			}
		}
	}
	am_dns_result_release(&res);
	if (!found) {
		(void)snprintf(why, wsize, "dropped: no v=DMARC1 record at %s",
		    name);
		return 1;
	}
	if (replaced < 0) {
		(void)snprintf(why, wsize, "dropped: the record at %s points "
		    "to another host", name);
		return 1;
	}
	return 0;
}

/* Fills a->dest from the rua list, printing every decision. */
static void
am_agg_destinations(struct am_agg *a)
{
	const char	*p, *e;
	char		 addr[AM_AGG_ADDR], why[2048];

	a->ndest = 0;
	for (p = a->c->pol.rua; *p != '\0'; p = *e ? e + 1 : e) {
		if ((e = strchr(p, ',')) == NULL)
			e = p + strlen(p);
		if (am_agg_mailto(p, (size_t)(e - p), addr, sizeof(addr)) != 0) {
			printf("  destination %.*s: ignored: not a usable "
			    "mailto: URI\n", (int)(e - p), p);
			continue;
		}
		why[0] = '\0';
		if (am_agg_verify(a, addr, why, sizeof(why)) != 0) {
			printf("  destination %s: %s\n", addr, why);
			continue;
		}
		if (a->ndest < AM_AGG_DESTS)
			am_report_strlcpy(a->dest[a->ndest++], addr,
			    AM_AGG_ADDR);
	}
}

/* ------------------------------------------------------------ output */

static int
am_agg_write(const char *dir, const char *name, const char *suffix,
    const void *p, size_t n)
{
	char	 path[4096];
	FILE	*fp;

	(void)snprintf(path, sizeof(path), "%s/%s%s", dir, name, suffix);
	if ((fp = fopen(path, "wb")) == NULL) {
		am_tool_errx("%s: %s", path, strerror(errno));
		return -1;
	}
	if (fwrite(p, 1, n, fp) != n || fclose(fp) != 0) {
		am_tool_errx("%s: write failed", path);
		return -1;
	}
	printf("  wrote %s\n", path);
	return 0;
}

/* Submits msg to one destination through the sendmail program, with
 * the envelope sender local+<report-id>@domain (a bounce names the
 * report). */
static int
am_agg_sendmail(struct am_agg *a, const char *rid, const char *to,
    const struct am_buf *msg)
{
	char	 sender[600];
	const char *at = strrchr(a->conf.email, '@');
	int	 fd[2], st;
	pid_t	 pid;
	size_t	 off = 0;
	ssize_t	 w;

	(void)snprintf(sender, sizeof(sender), "%.*s+%s%s",
	    (int)(at - a->conf.email), a->conf.email, rid, at);
	if (pipe(fd) != 0 || (pid = fork()) < 0) {
		am_tool_errx("sendmail: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		(void)dup2(fd[0], 0);
		(void)close(fd[0]);
		(void)close(fd[1]);
		execl(a->conf.sendmail, a->conf.sendmail, "-i", "-f", sender,
		    "--", to, (char *)NULL);
		_exit(127);
	}
	(void)close(fd[0]);
	while (off < msg->len && (w = write(fd[1], msg->data + off,
	    msg->len - off)) > 0)
		off += (size_t)w;
	(void)close(fd[1]);
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0 || off < msg->len) {
		am_tool_errx("%s to %s: failed (status %d)", a->conf.sendmail,
		    to, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		return -1;
	}
	return 0;
}

static int
am_agg_send(struct am_agg *a, const struct am_report_file *r)
{
	struct am_buf	 msg;
	struct am_err	 err;
	const char	*to;
	size_t		 i;
	int		 sent, rc = 0;

	for (i = 0; i < a->ndest && rc == 0; i++) {
		to = a->dest[i];
		am_err_clear(&err);
		if (am_report_store_sent_find(a->st, r->f->policy_domain,
		    r->f->begin, r->f->end, to, r->report_id, &sent, &err)
		    != 0) {
			am_tool_errx("ledger: %s", err.msg);
			return -1;
		}
		if (sent) {
			printf("  %s: already sent to %s\n", r->report_id, to);
			continue;
		}
		if (a->dry_run) {
			printf("  would send %s to %s\n", r->filename, to);
			continue;
		}
		am_buf_init(&msg, 2 * r->gzlen + 65536);
		rc = am_report_mail(&a->meta, r, &to, 1, a->now, &msg, &err);
		if (rc == 0 && (rc = am_agg_sendmail(a, r->report_id, to,
		    &msg)) == 0) {
			rc = am_report_store_sent_add(a->st,
			    r->f->policy_domain, r->f->begin, r->f->end, to,
			    r->report_id, a->now, &err);
			printf("  sent %s to %s\n", r->report_id, to);
		}
		am_buf_release(&msg);
	}
	return rc;
}

static int
am_agg_file(void *ctx, const struct am_report_file *r)
{
	struct am_agg	*a = ctx;
	struct am_buf	 msg;
	struct am_err	 err;
	const char	*to[AM_AGG_DESTS];
	size_t		 i;
	int		 rc = 0;

	printf("  report %s: %zu record(s), %llu message(s), %zu octets "
	    "gzipped%s\n", r->report_id, r->f->nrows,
	    (unsigned long long)am_report_feedback_messages(r->f), r->gzlen,
	    r->over_cap ? " (one record over ReportMaxSize: sent whole)" : "");
	if (a->out_dir != NULL && !a->dry_run) {
		for (i = 0; i < a->ndest; i++)
			to[i] = a->dest[i];
		am_err_clear(&err);
		am_buf_init(&msg, 2 * r->gzlen + 65536);
		if (am_report_mail(&a->meta, r, to, a->ndest, a->now, &msg,
		    &err) != 0) {
			am_tool_errx("%s", err.msg);
			rc = -1;
		} else if (am_agg_write(a->out_dir, r->filename, "", r->gz,
		    r->gzlen) != 0 || am_agg_write(a->out_dir, r->filename,
		    ".eml", msg.data, msg.len) != 0)
			rc = -1;
		am_buf_release(&msg);
	}
	if (rc == 0 && (a->send || a->dry_run))
		rc = am_agg_send(a, r);
	if (rc != 0)
		a->failed = 1;
	return 0;	/* go on with the next report */
}

/* ------------------------------------------------------------ periods */

struct am_agg_confs {
	struct am_report_config	*c;
	size_t			 n, cap;
};

static int
am_agg_conf_cb(void *ctx, const struct am_report_config *c)
{
	struct am_agg_confs	*l = ctx;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 8;
		l->c = realloc(l->c, l->cap * sizeof(*l->c));
		if (l->c == NULL)
			abort();
	}
	l->c[l->n++] = *c;
	return 0;
}

static void
am_agg_policy_line(const struct am_report_config *c)
{
	const struct am_report_policy *p = &c->pol;

	printf("%s (p=%s%s%s%s%s adkim=%s aspf=%s t=%s psd=%s %s)", c->policy_domain,
	    p->p, p->sp[0] ? " sp=" : "", p->sp, p->np[0] ? " np=" : "", p->np,
	    p->adkim, p->aspf, p->t, p->psd, p->discovery);
}

static int
am_agg_period(struct am_agg *a, int64_t begin, int64_t end)
{
	struct am_agg_confs	 l = { NULL, 0, 0 };
	struct am_err		 err;
	size_t			 i;

	am_err_clear(&err);
	if (am_report_store_configs(a->st, begin, end, am_agg_conf_cb, &l,
	    &err) != 0) {
		am_tool_errx("report store: %s", err.msg);
		free(l.c);
		return -1;
	}
	if (l.n == 0)
		printf("period %lld-%lld: no records\n", (long long)begin,
		    (long long)end - 1);
	for (i = 0; i < l.n; i++) {
		a->c = &l.c[i];
		printf("period %lld-%lld: ", (long long)begin,
		    (long long)end - 1);
		am_agg_policy_line(a->c);
		printf(": %llu message(s)\n",
		    (unsigned long long)a->c->messages);
		if (a->c->pol.rua[0] == '\0') {
			printf("  not reported: the policy record has no "
			    "rua\n");
			continue;
		}
		am_agg_destinations(a);
		if (a->ndest == 0) {
			printf("  not reported: no destination left\n");
			continue;
		}
		if (am_report_build(a->st, &a->meta, a->c, begin, end,
		    am_agg_file, a, &err) != 0) {
			am_tool_errx("%s: %s", a->c->policy_domain, err.msg);
			a->failed = 1;
		}
	}
	free(l.c);
	return 0;
}

static int
am_agg_usage(void)
{
	fprintf(stderr, "usage: authmilter-tool report aggregate -c CONFIG "
	    "[--begin UNIXTIME] [--end UNIXTIME] [--out DIR] [--send] "
	    "[--dry-run] [--store URI] [--zone FILE] [--nameserver IP]\n");
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
		AM_TOOL_DNS_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct am_agg		 a;
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
		case 'o': a.out_dir = optarg; break;
		case 's': a.send = 1; break;
		case 'd': a.dry_run = 1; break;
		case 'S': store = optarg; break;
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
	if (am_report_conf_load(cfg, &a.conf) != 0)
		return AM_TOOL_EXIT_USAGE;
	if (a.conf.email[0] == '\0' || a.conf.receiver[0] == '\0') {
		am_tool_errx("%s: ReportEmail (user@domain) is not set", cfg);
		return AM_TOOL_EXIT_USAGE;
	}
	if (begin >= 0 && end >= 0 && end <= begin) {
		am_tool_errx("--end must be after --begin");
		return AM_TOOL_EXIT_USAGE;
	}
	a.meta.receiver = a.conf.receiver;
	a.meta.org_name = a.conf.org_name[0] ? a.conf.org_name :
	    a.conf.receiver;
	a.meta.email = a.conf.email;
	a.meta.generator = "authmilter " PACKAGE_VERSION;
	a.meta.cap = a.conf.max_size;
	a.now = (int64_t)time(NULL);
	if (a.out_dir != NULL && mkdir(a.out_dir, 0755) != 0 &&
	    errno != EEXIST) {
		am_tool_errx("%s: %s", a.out_dir, strerror(errno));
		return AM_TOOL_EXIT_CANTCREAT;
	}
	if ((a.st = am_report_conf_store(&a.conf, store)) == NULL)
		return AM_TOOL_EXIT_SOFTWARE;
	len = (int64_t)a.conf.interval * 3600;
	if (begin >= 0 && end >= 0)
		(void)am_agg_period(&a, begin, end);
	else {
		/* every complete period inside [begin, end), before now */
		am_report_period_last(a.now, a.conf.interval, &b, &e);
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
			(void)am_agg_period(&a, b, b + len);
	}
	am_report_store_close(&a.st);
	am_dns_free(&a.dns);
	return a.failed ? AM_TOOL_EXIT_SOFTWARE : AM_TOOL_EXIT_OK;
}
