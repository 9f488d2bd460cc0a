/*
 * report_send - one run of aggregate reporting over a period: the
 * destinations, the reports, the ledger (report_send.h)
 */

#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "dkim_sign.h"
#include "dmarc_rec.h"
#include "mem.h"
#include "msgparse.h"
#include "report_send.h"

#define AM_AGG_ADDR	AM_REPORT_ADDR

static void	am_run_say(struct am_report_run *, int error, const char *,
		    ...) __attribute__((format(printf, 3, 4)));

static void
am_run_say(struct am_report_run *a, int error, const char *fmt, ...)
{
	char	 line[4096];
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (a->say != NULL)
		a->say(a->say_ctx, error, line);
}

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

		if (c == '%' && i + 2 < n &&
		    isxdigit((unsigned char)uri[i + 1]) &&
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

int
am_report_mailto(const char *uri, size_t n, char *out, size_t size)
{
	return am_agg_mailto(uri, n, out, size);
}

int
am_report_dest_check(struct am_dns *dns, const char *policy_domain,
    int ruf, char *addr, char *why, size_t wsize)
{
	struct am_dns_result	 res;
	struct am_dmarc_rec	 rec;
	char			 name[600], alt[AM_AGG_ADDR];
	const char		*host = strrchr(addr, '@') + 1, *p, *e;
	size_t			 i;
	int			 found = 0, replaced = 0, rc;

	if (am_agg_related(host, policy_domain))
		return 0;
	if (dns == NULL) {
		(void)snprintf(why, wsize, "deferred: no resolver");
		return 2;
	}
	if ((size_t)snprintf(name, sizeof(name), "%s._report._dmarc.%s",
	    policy_domain, host) > 253) {
		(void)snprintf(why, wsize, "dropped: %s._report._dmarc.%s is "
		    "too long for DNS", policy_domain, host);
		return 1;
	}
	switch (am_dns_lookup(dns, name, AM_DNS_TXT, &res)) {
	case AM_DNS_OK:
		break;
	case AM_DNS_NXDOMAIN:
	case AM_DNS_NODATA:
		am_dns_result_release(&res);
		(void)snprintf(why, wsize, "dropped: %s has not authorized "
		    "reports for %s (no record at %s)", host,
		    policy_domain, name);
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
		for (p = ruf ? rec.ruf : rec.rua; *p != '\0' && !replaced;
		    p = *e ? e + 1 : e) {
			e = strchr(p, ',');
			if (e == NULL)
				e = p + strlen(p);
			if (am_agg_mailto(p, (size_t)(e - p), alt,
			    sizeof(alt)) == 0) {
				if (strcasecmp(strrchr(alt, '@') + 1, host)
				    != 0)
					replaced = -1;
				else {
					am_report_strlcpy(addr, alt,
					    AM_AGG_ADDR);
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

/* Is addr on the suppression list?  Says so. */
static int
am_agg_suppressed(struct am_report_run *a, const char *addr)
{
	struct am_report_suppressed	 s;
	struct am_err			 err;
	int				 found = 0;

	am_err_clear(&err);
	if (am_report_store_suppress_find(a->st, addr, a->now, &found, &s,
	    &err) != 0) {
		am_run_say(a, 1, "suppression list: %s", err.msg);
		return 0;
	}
	if (found) {
		a->suppressed++;
		am_run_say(a, 0, "  destination %s: suppressed until %lld (%s)",
		    addr, (long long)s.expires, s.reason);
	}
	return found;
}

/* 0 authorized (addr maybe replaced), 1 dropped, 2 deferred; why says. */
static int
am_agg_verify(struct am_report_run *a, char *addr, char *why, size_t wsize)
{
	return am_report_dest_check(a->dns != NULL ? a->dns(a->dns_ctx) :
	    NULL, a->c->policy_domain, 0, addr, why, wsize);
}

/* Fills a->dest from the rua list, saying every decision. */
static void
am_agg_destinations(struct am_report_run *a)
{
	const char	*p, *e;
	char		 addr[AM_AGG_ADDR], why[2048];
	int		 rc;

	a->ndest = 0;
	for (p = a->c->pol.rua; *p != '\0'; p = *e ? e + 1 : e) {
		if ((e = strchr(p, ',')) == NULL)
			e = p + strlen(p);
		if (am_agg_mailto(p, (size_t)(e - p), addr, sizeof(addr))
		    != 0) {
			am_run_say(a, 0, "  destination %.*s: ignored: not a "
			    "usable mailto: URI", (int)(e - p), p);
			continue;
		}
		why[0] = '\0';
		if (am_agg_suppressed(a, addr))
			continue;
		if ((rc = am_agg_verify(a, addr, why, sizeof(why))) != 0) {
			if (rc == 2)
				a->deferred++;
			am_run_say(a, 0, "  destination %s: %s", addr, why);
			continue;
		}
		if (am_agg_suppressed(a, addr))	/* the verified address */
			continue;
		if (a->ndest < AM_REPORT_DESTS)
			am_report_strlcpy(a->dest[a->ndest++], addr,
			    AM_AGG_ADDR);
	}
}

/* ------------------------------------------------------------ output */

static int
am_agg_write(struct am_report_run *a, const char *name, const char *suffix,
    const void *p, size_t n)
{
	char	 path[4096];
	FILE	*fp;

	(void)snprintf(path, sizeof(path), "%s/%s%s", a->out_dir, name,
	    suffix);
	if ((fp = fopen(path, "wb")) == NULL) {
		am_run_say(a, 1, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fwrite(p, 1, n, fp) != n || fclose(fp) != 0) {
		am_run_say(a, 1, "%s: write failed", path);
		return -1;
	}
	am_run_say(a, 0, "  wrote %s", path);
	return 0;
}

void
am_report_sender(const char *email, const char *rid, char *out, size_t size)
{
	const char	*at = strrchr(email, '@');

	if (at == NULL)
		at = email + strlen(email);
	(void)snprintf(out, size, "%.*s+%s%s", (int)(at - email), email, rid,
	    at);
}

int
am_report_sendmail(void *ctx, const char *sender, const char *to,
    const struct am_buf *msg, struct am_err *err)
{
	const char	*prog = ctx;
	int		 fd[2], st = 0;
	pid_t		 pid;
	size_t		 off = 0;
	ssize_t		 w;

	if (pipe(fd) != 0)
		return am_err_set(err, AM_E_IO, "sendmail: %s",
		    strerror(errno));
	if ((pid = fork()) < 0) {
		(void)close(fd[0]);
		(void)close(fd[1]);
		return am_err_set(err, AM_E_IO, "sendmail: %s",
		    strerror(errno));
	}
	if (pid == 0) {
		(void)dup2(fd[0], 0);
		(void)close(fd[0]);
		(void)close(fd[1]);
		execl(prog, prog, "-i", "-f", sender, "--", to, (char *)NULL);
		_exit(127);
	}
	(void)close(fd[0]);
	while (off < msg->len && (w = write(fd[1], msg->data + off,
	    msg->len - off)) > 0)
		off += (size_t)w;
	(void)close(fd[1]);
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0 || off < msg->len)
		return am_err_set(err, AM_E_IO, "%s to %s: failed (status "
		    "%d)", prog, to, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return 0;
}

/* ------------------------------------------------------------ DKIM */

static int
am_sign_hdr(void *ctx, const char *raw, size_t len, struct am_err *err)
{
	return am_dkim_signer_header(ctx, raw, len, err);
}

static int
am_sign_eoh(void *ctx, struct am_err *err)
{
	(void)ctx;
	(void)err;
	return 0;
}

static int
am_sign_body(void *ctx, const char *p, size_t n, struct am_err *err)
{
	(void)err;
	am_dkim_signer_body(ctx, p, n);
	return 0;
}

static const struct am_msgparse_cb am_sign_cb = {
	am_sign_hdr, am_sign_eoh, am_sign_body
};

int
am_report_dkim_sign(struct am_buf *msg, const struct am_report_key *keys,
    size_t nkeys, int64_t now, struct am_err *err)
{
	struct am_dkim_sign_opts o;
	struct am_dkim_signer	*s;
	struct am_msgparse	*mp = NULL;
	struct am_buf		 out;
	size_t			 i;
	int			 rc = -1;

	if (nkeys == 0)
		return 0;
	memset(&o, 0, sizeof(o));
	o.hcanon = AM_CANON_RELAXED;
	o.bcanon = AM_CANON_RELAXED;
	o.now = now > 0 ? (uint64_t)now : 0;
	s = am_dkim_signer_new(&o);
	for (i = 0; i < nkeys; i++)
		if (am_dkim_signer_add_key(s, keys[i].domain,
		    keys[i].selector, NULL, keys[i].pkey, err) == -1)
			goto out;
	mp = am_msgparse_new(&am_sign_cb, s, 65536);
	if (am_msgparse_feed(mp, (const char *)msg->data, msg->len, err)
	    == -1 ||
	    am_msgparse_end(mp, err) == -1 || am_dkim_signer_eom(s, err) == -1)
		goto out;
	am_buf_init(&out, msg->max);
	for (i = 0; i < am_dkim_signer_count(s); i++) {
		(void)am_buf_appends(&out, am_dkim_signer_field(s, i));
		(void)am_buf_appends(&out, "\r\n");
	}
	(void)am_buf_append(&out, msg->data, msg->len);
	if (out.err) {
		am_buf_release(&out);
		(void)am_err_set(err, AM_E_LIMIT, "report mail: too long to "
		    "sign");
		goto out;
	}
	am_buf_release(msg);
	*msg = out;
	rc = 0;
out:
	am_msgparse_free(&mp);
	am_dkim_signer_free(&s);
	return rc;
}

int
am_report_run_mail(const struct am_report_run *a,
    const struct am_report_file *r, const char *const *to, size_t nto,
    struct am_buf *out, struct am_err *err)
{
	if (am_report_mail(a->meta, r, to, nto, a->now, out, err) != 0)
		return -1;
	return am_report_dkim_sign(out, a->keys, a->nkeys, a->now, err);
}

/* ------------------------------------------------------------ send */

/* A message the dry run would have sent. */
static void
am_agg_dry_count(struct am_report_run *a, const char *to)
{
	size_t	 i;

	a->dry_all++;
	for (i = 0; i < a->ndry; i++)
		if (strcmp(a->dry[i].addr, to) == 0) {
			a->dry[i].n++;
			return;
		}
	if (a->ndry < AM_REPORT_DRY) {
		am_report_strlcpy(a->dry[a->ndry].addr, to, AM_REPORT_ADDR);
		a->dry[a->ndry++].n = 1;
	}
}

/* 1 when a limit holds the message to `to` back (said), 0 when it may
 * go, -1 when the ledger could not be read (said). */
static int
am_agg_limited(struct am_report_run *a, const struct am_report_file *r,
    const char *to)
{
	struct am_err	 err;
	uint64_t	 n = 0, all = 0;
	const char	*what = NULL;
	unsigned	 lim = 0;
	size_t		 i;

	am_err_clear(&err);
	if ((a->dest_limit > 0 && am_report_store_sent_count(a->st, to,
	    a->now - 86400, &n, &err) != 0) || (a->daily_limit > 0 &&
	    am_report_store_sent_count(a->st, NULL, a->now - 86400, &all,
	    &err) != 0)) {
		am_run_say(a, 1, "ledger: %s", err.msg);
		return -1;
	}
	if (a->dry_run) {	/* what this run would have sent too */
		all += a->dry_all;
		for (i = 0; i < a->ndry; i++)
			if (strcmp(a->dry[i].addr, to) == 0)
				n += a->dry[i].n;
	}
	if (a->dest_limit > 0 && n >= a->dest_limit) {
		what = "ReportDestinationLimit";
		lim = a->dest_limit;
	} else if (a->daily_limit > 0 && all >= a->daily_limit) {
		what = "ReportDailyLimit";
		lim = a->daily_limit;
	}
	if (what == NULL)
		return 0;
	a->held++;
	a->deferred++;
	am_run_say(a, 0, "  %s %s to %s: %s (%u a day) reached (%llu sent to "
	    "it, %llu in all, in the last 24 hours); it stays unsent and is "
	    "tried again on the next run", a->dry_run ? "would hold back" :
	    "held back", r->report_id, to, what, lim, (unsigned long long)n,
	    (unsigned long long)all);
	return 1;
}

static int
am_agg_send(struct am_report_run *a, const struct am_report_file *r)
{
	struct am_buf	 msg;
	struct am_err	 err;
	const char	*to;
	char		 sender[600];
	size_t		 i;
	int		 sent, rc = 0;

	for (i = 0; i < a->ndest && rc == 0; i++) {
		to = a->dest[i];
		am_err_clear(&err);
		if (am_report_store_sent_find(a->st, r->f->policy_domain,
		    r->f->begin, r->f->end, to, r->report_id, &sent, &err)
		    != 0) {
			am_run_say(a, 1, "ledger: %s", err.msg);
			return -1;
		}
		if (sent) {
			am_run_say(a, 0, "  %s: already sent to %s",
			    r->report_id, to);
			continue;
		}
		if ((rc = am_agg_limited(a, r, to)) != 0) {
			rc = rc < 0 ? -1 : 0;
			continue;
		}
		if (a->dry_run) {
			am_run_say(a, 0, "  would send %s to %s", r->filename,
			    to);
			am_agg_dry_count(a, to);
			continue;
		}
		am_buf_init(&msg, 2 * r->gzlen + 65536);
		am_report_sender(a->meta->email, r->report_id, sender,
		    sizeof(sender));
		rc = am_report_run_mail(a, r, &to, 1, &msg, &err);
		if (rc == 0)
			rc = a->submit(a->submit_ctx, sender, to, &msg, &err);
		if (rc == 0) {
			rc = am_report_store_sent_add(a->st,
			    r->f->policy_domain, r->f->begin, r->f->end, to,
			    r->report_id, a->now, &err);
			a->sent++;
			am_run_say(a, 0, "  sent %s to %s", r->report_id, to);
		}
		if (rc != 0)
			am_run_say(a, 1, "%s", err.msg);
		am_buf_release(&msg);
	}
	return rc;
}

static int
am_agg_file(void *ctx, const struct am_report_file *r)
{
	struct am_report_run	*a = ctx;
	struct am_buf		 msg;
	struct am_err		 err;
	const char		*to[AM_REPORT_DESTS];
	size_t			 i;
	int			 rc = 0;

	a->reports++;
	am_run_say(a, 0, "  report %s: %zu record(s), %llu message(s), %zu "
	    "octets gzipped%s", r->report_id, r->f->nrows,
	    (unsigned long long)am_report_feedback_messages(r->f), r->gzlen,
	    r->over_cap ? " (one record over ReportMaxSize: sent whole)" : "");
	if (a->out_dir != NULL && !a->dry_run) {
		for (i = 0; i < a->ndest; i++)
			to[i] = a->dest[i];
		am_err_clear(&err);
		am_buf_init(&msg, 2 * r->gzlen + 65536);
		if (am_report_run_mail(a, r, to, a->ndest, &msg, &err) != 0) {
			am_run_say(a, 1, "%s", err.msg);
			rc = -1;
		} else if (am_agg_write(a, r->filename, "", r->gz, r->gzlen)
		    != 0 || am_agg_write(a, r->filename, ".eml", msg.data,
		    msg.len) != 0)
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
		l->c = am_realloc(l->c, l->cap * sizeof(*l->c));
	}
	l->c[l->n++] = *c;
	return 0;
}

static void
am_agg_policy_line(struct am_report_run *a, int64_t begin, int64_t end)
{
	const struct am_report_config	*c = a->c;
	const struct am_report_policy	*p = &c->pol;

	am_run_say(a, 0, "period %lld-%lld: %s (p=%s%s%s%s%s adkim=%s aspf=%s "
	    "t=%s psd=%s %s): %llu message(s)", (long long)begin,
	    (long long)end - 1, c->policy_domain, p->p, p->sp[0] ? " sp=" :
	    "", p->sp, p->np[0] ? " np=" : "", p->np, p->adkim, p->aspf, p->t,
	    p->psd, p->discovery, (unsigned long long)c->messages);
}

/* Is d one of the excluded domains, or under one? */
static int
am_agg_excluded(const struct am_report_run *a, const char *d)
{
	size_t	 i, ld = strlen(d), le;

	for (i = 0; a->exclude != NULL && a->exclude[i] != NULL; i++) {
		le = strlen(a->exclude[i]);
		if (strcasecmp(d, a->exclude[i]) == 0 || (ld > le &&
		    d[ld - le - 1] == '.' &&
		    strcasecmp(d + ld - le, a->exclude[i]) == 0))
			return 1;
	}
	return 0;
}

/* Did something in the period earn the policy domain a report?  Says
 * why or why not (0 also when the store could not be read). */
static int
am_agg_earned(struct am_report_run *a, int64_t begin, int64_t end)
{
	struct am_report_earning	 e;
	struct am_err			 err;

	am_err_clear(&err);
	if (am_report_store_earning(a->st, begin, end, a->c->policy_domain,
	    &e, &err) != 0) {
		am_run_say(a, 1, "report store: %s", err.msg);
		a->failed = 1;
		return 0;
	}
	if (e.earning > 0) {
		am_run_say(a, 0, "  earned: %llu of %llu message(s) of %s in "
		    "the period earn a report", (unsigned long long)e.earning,
		    (unsigned long long)e.messages, a->c->policy_domain);
		return 1;
	}
	a->unearned++;
	am_run_say(a, 0, "  not reported: only DSNs / reports / failing mail "
	    "from a never-passing domain (%llu DMARC report(s), %llu TLS "
	    "report(s), %llu DSN(s), %llu failing from a From domain that "
	    "never passed DMARC)", (unsigned long long)e.reports,
	    (unsigned long long)e.tlsrpt, (unsigned long long)e.dsn,
	    (unsigned long long)e.never_passing);
	return 0;
}

int
am_report_run_period(struct am_report_run *a, int64_t begin, int64_t end)
{
	struct am_agg_confs	 l = { NULL, 0, 0 };
	struct am_err		 err;
	size_t			 i;

	am_err_clear(&err);
	if (am_report_store_configs(a->st, begin, end, am_agg_conf_cb, &l,
	    &err) != 0) {
		am_run_say(a, 1, "report store: %s", err.msg);
		free(l.c);
		a->failed = 1;
		return -1;
	}
	if (l.n == 0)
		am_run_say(a, 0, "period %lld-%lld: no records",
		    (long long)begin, (long long)end - 1);
	for (i = 0; i < l.n; i++) {
		if (a->cancel != NULL &&
		    __atomic_load_n(a->cancel, __ATOMIC_RELAXED)) {
			am_run_say(a, 1, "stopped before %s",
			    l.c[i].policy_domain);
			a->failed = 1;
			break;
		}
		a->c = &l.c[i];
		am_agg_policy_line(a, begin, end);
		if (am_agg_excluded(a, a->c->policy_domain)) {
			am_run_say(a, 0, "  not reported: on the "
			    "ReportExcludeDomains list");
			continue;
		}
		if (!am_agg_earned(a, begin, end))
			continue;
		if (a->c->pol.rua[0] == '\0') {
			am_run_say(a, 0, "  not reported: the policy record "
			    "has no rua");
			continue;
		}
		am_agg_destinations(a);
		if (a->ndest == 0) {
			am_run_say(a, 0, "  not reported: no destination "
			    "left");
			continue;
		}
		if (am_report_build(a->st, a->meta, a->c, begin, end,
		    am_agg_file, a, &err) != 0) {
			am_run_say(a, 1, "%s: %s", a->c->policy_domain,
			    err.msg);
			a->failed = 1;
		}
	}
	a->c = NULL;
	free(l.c);
	return 0;
}
