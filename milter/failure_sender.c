/*
 * failure_sender - the capture per message, the queue and the thread
 * that sends DMARC failure reports (failure_sender.h)
 */

#include <sys/random.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "autoconfig.h"
#include "dkim_verify.h"
#include "dns.h"
#include "domain.h"
#include "failure_sender.h"
#include "mem.h"
#include "report_failure.h"
#include "report_failure_limit.h"
#include "report_send.h"
#include "report_smtp.h"
#include "report_store.h"
#include "snapshot.h"

#define AM_FS_KEYS	4096	/* dedup keys kept */
#define AM_FS_DNS_MS	30000	/* DNS budget of one report */
#define AM_FS_MSG_MAX	(AM_FAILURE_HDRS_MAX + 65536)

struct am_failure_msg {
	int		 on_none;
	const char	*skip;		/* never reported: why (static) */
	char		 mail_from[AM_FAILURE_ADDR];
	char		 ip[64];
	struct am_buf	 hdrs;
	int		 cut;
};

static struct {
	pthread_mutex_t		 lock;
	pthread_cond_t		 wake;
	int			 running, stop;
	pthread_t		 th;
	struct am_log		 log;
	struct am_failure_in	**q;
	size_t			 cap, head, n;
	struct am_failure_sender_stats st;
	time_t			 full_logged;
	unsigned long		 dropped_logged;
	struct am_failure_limit	*limit;
	unsigned char		 rkey[32];	/* random redaction key */
	/* The thread's own: the ReportStore (suppression list, ledger),
	 * kept open across reports, and the URI it was opened with. */
	struct am_report_store	*store;
	char			*store_uri;
} am_fs = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.wake = PTHREAD_COND_INITIALIZER,
};

/* ------------------------------------------------------------ capture */

struct am_failure_msg *
am_failure_msg_new(const struct am_config *cfg)
{
	struct am_failure_msg	*fm;

	if (!cfg->report.failure ||
	    !__atomic_load_n(&am_fs.running, __ATOMIC_RELAXED))
		return NULL;
	fm = am_calloc(1, sizeof(*fm));
	fm->on_none = cfg->report.failure_on_none;
	am_buf_init(&fm->hdrs, AM_FAILURE_HDRS_MAX);
	return fm;
}

void
am_failure_msg_free(struct am_failure_msg **fmp)
{
	if (*fmp == NULL)
		return;
	am_buf_release(&(*fmp)->hdrs);
	free(*fmp);
	*fmp = NULL;
}

void
am_failure_msg_skip(struct am_failure_msg *fm, const char *why)
{
	if (fm != NULL && fm->skip == NULL)
		fm->skip = why;
}

void
am_failure_msg_mailfrom(struct am_failure_msg *fm, const char *arg)
{
	if (fm != NULL && arg != NULL)
		am_engine_reverse_path(arg, fm->mail_from,
		    sizeof(fm->mail_from));
}

void
am_failure_msg_client(struct am_failure_msg *fm, const char *ip)
{
	if (fm != NULL && ip != NULL)
		(void)snprintf(fm->ip, sizeof(fm->ip), "%s", ip);
}

void
am_failure_msg_header(struct am_failure_msg *fm, const char *name,
    const char *value, int leadspc)
{
	if (fm == NULL)
		return;
	am_failure_header_append(&fm->hdrs, &fm->cut, name, value, leadspc);
}

/* DKIM i= of the signature with d and s, from the verifier. */
static void
am_fs_identities(struct am_failure_in *in, const struct am_engine *e)
{
	const struct am_dkim_verifier	*v = am_engine_dkim(e);
	const struct am_dkim_result	*r;
	size_t				 i, j;

	if (v == NULL)
		return;
	for (i = 0; i < in->nident; i++) {
		if (!in->ident[i].is_dkim)
			continue;
		for (j = 0; j < am_dkim_verifier_count(v); j++) {
			r = am_dkim_verifier_result(v, j);
			if (r->d != NULL && r->i != NULL && r->s != NULL &&
			    strcasecmp(r->d, in->ident[i].domain) == 0 &&
			    strcmp(r->s, in->ident[i].selector) == 0) {
				(void)snprintf(in->ident[i].identity,
				    sizeof(in->ident[i].identity), "%s", r->i);
				break;
			}
		}
	}
}

static int
am_fs_push(struct am_failure_in *in)
{
	int	 ok = 0;

	pthread_mutex_lock(&am_fs.lock);
	if (am_fs.running && !am_fs.stop && am_fs.n < am_fs.cap) {
		am_fs.q[(am_fs.head + am_fs.n) % am_fs.cap] = in;
		am_fs.n++;
		am_fs.st.queued++;
		ok = 1;
		pthread_cond_signal(&am_fs.wake);
	} else
		am_fs.st.dropped++;
	pthread_mutex_unlock(&am_fs.lock);
	return ok;
}

static void
am_fs_item_free(void *p)
{
	struct am_failure_in	*in = p;

	am_failure_in_release(in);
	free(in);
}

void
am_failure_msg_eom(struct am_failure_msg **fmp, const struct am_engine *e,
    const char *qid, const struct am_log *log)
{
	struct am_failure_msg		*fm = *fmp;
	const struct am_engine_result	*r;
	const char			*kind = am_engine_kind(e);
	struct am_failure_in		*in;
	char				 why[160];
	char				 author[AM_DMARC_DOMAIN_MAX + 1];
	size_t				 i;

	if (fm == NULL)
		return;
	r = am_engine_result(e);
	/* The engine's kind (engine_kind.c): reports and bounces. */
	if (fm->skip == NULL && kind[0] != '\0')
		fm->skip = strcmp(kind, "dsn") != 0 ? "it is itself a report" :
		    "it is a bounce (DSN, MDN or mail from <>)";
	if (fm->skip != NULL) {
		if (r->ndmarc > 0)
			am_log(log, AM_LOG_DEBUG, "failure reports: none about "
			    "this message: %s", fm->skip);
		am_failure_msg_free(fmp);
		return;
	}
	for (i = 0; i < r->ndmarc; i++) {
		in = am_malloc(sizeof(*in));
		am_failure_in_fill(in, &r->dmarc[i]);
		if (!am_failure_due(in, fm->on_none, why, sizeof(why))) {
			if (in->have_policy && in->rec.nruf > 0)
				am_log(log, AM_LOG_DEBUG, "failure report for "
				    "%s: not due: %s", in->author, why);
			am_fs_item_free(in);
			continue;
		}
		in->arrival = (int64_t)time(NULL);
		(void)snprintf(in->qid, sizeof(in->qid), "%s", qid != NULL &&
		    strcmp(qid, "NOQUEUE") != 0 ? qid : "");
		(void)snprintf(in->mail_from, sizeof(in->mail_from), "%s",
		    fm->mail_from);
		(void)snprintf(in->source_ip, sizeof(in->source_ip), "%s",
		    fm->ip);
		if (r->ar != NULL && r->ar->len > 0)
			(void)snprintf(in->authres, sizeof(in->authres), "%s",
			    am_buf_str(r->ar) + strspn(am_buf_str(r->ar),
			    " \t"));
		(void)am_buf_append(&in->hdrs, fm->hdrs.data, fm->hdrs.len);
		in->hdrs_cut = fm->cut;
		am_fs_identities(in, e);
		/* Once pushed, in is the sender thread's. */
		(void)snprintf(author, sizeof(author), "%s", in->author);
		if (am_fs_push(in))
			am_log(log, AM_LOG_DEBUG, "failure report for %s: "
			    "queued (%s)", author, why);
		else {
			am_log(log, AM_LOG_DEBUG, "failure report for %s: "
			    "dropped: queue full", author);
			am_fs_item_free(in);
		}
	}
	am_failure_msg_free(fmp);
}

/* ------------------------------------------------------------ sending */

static void
am_fs_rid(char *out, size_t size)
{
	unsigned char	 b[16];
	size_t		 i;

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		memset(b, 0, sizeof(b));
		memcpy(b, &ts, sizeof(ts) < sizeof(b) ? sizeof(ts) : sizeof(b));
	}
	out[0] = '\0';
	for (i = 0; i < sizeof(b) && 2 * i + 2 < size; i++)
		(void)snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* The first v=spf1 TXT record of domain, for SPF-DNS; "" when none. */
static void
am_fs_spf_record(struct am_dns *dns, const char *domain, char *out,
    size_t size)
{
	struct am_dns_result	 res;
	size_t			 i;

	out[0] = '\0';
	if (dns == NULL || am_dns_lookup(dns, domain, AM_DNS_TXT, &res)
	    != AM_DNS_OK) {
		if (dns != NULL)
			am_dns_result_release(&res);
		return;
	}
	for (i = 0; i < res.n && out[0] == '\0'; i++)
		if (res.rr[i].type == AM_DNS_TXT && res.rr[i].txt_len >= 6 &&
		    strncasecmp(res.rr[i].txt, "v=spf1", 6) == 0 &&
		    (res.rr[i].txt_len == 6 || res.rr[i].txt[6] == ' '))
			(void)snprintf(out, size, "%.*s",
			    (int)res.rr[i].txt_len, res.rr[i].txt);
	am_dns_result_release(&res);
}

static void
am_fs_count(unsigned long *c)
{
	pthread_mutex_lock(&am_fs.lock);
	(*c)++;
	pthread_mutex_unlock(&am_fs.lock);
}

struct am_fs_job {
	const struct am_config	*cfg;
	const char		*from;
	struct am_dns		*dns;
	am_report_submit_fn	*submit;
	void			*submit_ctx;
	struct am_report_smtp	 smtp;	/* ReportSmtp* */
	struct am_report_key	 keys[AM_REPORT_SIGN_KEYS];
	size_t			 nkeys;
	struct am_failure_meta	 meta;
	char			 spf[1024];
};

static void
am_fs_store_close(void)
{
	am_report_store_close(&am_fs.store);
	free(am_fs.store_uri);
	am_fs.store_uri = NULL;
}

/* The ReportStore, opened when first needed and kept open (again after
 * a reload that changed it, or a failure); NULL with err set. */
static struct am_report_store *
am_fs_store(const char *uri, struct am_err *err)
{
	if (am_fs.store != NULL && strcmp(am_fs.store_uri, uri) != 0)
		am_fs_store_close();
	if (am_fs.store == NULL) {
		if (am_report_store_open(uri, &am_fs.store, err) != 0)
			return NULL;
		am_fs.store_uri = am_strdup(uri);
	}
	return am_fs.store;
}

/* Is to on the suppression list (a report to it bounced)?  With a
 * ReportStore that cannot be read, nothing is sent: the list is not
 * known. */
static int
am_fs_suppressed(struct am_fs_job *j, const struct am_failure_in *in,
    const char *to)
{
	struct am_report_suppressed	 s;
	struct am_report_store		*st;
	struct am_err			 err;
	int				 found = 0;

	if (j->cfg->report.store == NULL)
		return 0;
	am_err_clear(&err);
	if ((st = am_fs_store(j->cfg->report.store, &err)) == NULL ||
	    am_report_store_suppress_find(st, to, j->meta.now, &found, &s,
	    &err) != 0) {
		am_fs_count(&am_fs.st.failed);
		am_log(&am_fs.log, AM_LOG_WARN, "failure report for %s to %s: "
		    "not sent: the suppression list cannot be read: %s",
		    in->author, to, err.msg);
		am_fs_store_close();	/* opened again next time */
		return 1;
	}
	if (found) {
		am_fs_count(&am_fs.st.suppressed);
		am_log(&am_fs.log, AM_LOG_DEBUG, "failure report for %s to %s: "
		    "not sent: suppressed until %lld (%s)", in->author, to,
		    (long long)s.expires, s.reason);
	}
	return found;
}

/* The ledger keeps a failure report (its period: the arrival second,
 * begin = end) so a bounce that names its id suppresses to. */
static void
am_fs_ledger(struct am_fs_job *j, const struct am_failure_in *in,
    const char *to, const char *rid)
{
	struct am_err	 err;

	am_err_clear(&err);
	if (am_fs.store != NULL && am_report_store_sent_add(am_fs.store,
	    in->policy_domain, in->arrival, in->arrival, to, rid, j->meta.now,
	    &err) != 0)
		am_log(&am_fs.log, AM_LOG_WARN, "failure report %s: not in the "
		    "ledger (a bounce of it will not suppress %s): %s", rid,
		    to, err.msg);
}

/* One destination: checked, limited, built, signed, submitted. */
static void
am_fs_dest(struct am_fs_job *j, const struct am_failure_in *in, char *to)
{
	const struct am_config	*cfg = j->cfg;
	struct am_buf		 msg;
	struct am_err		 err;
	char			 why[1024], rid[40], sender[700];
	const char		*cto = to;
	size_t			 i;

	why[0] = '\0';
	if (am_report_dest_check(j->dns, in->policy_domain, 1, to, why,
	    sizeof(why)) != 0) {
		am_fs_count(&am_fs.st.refused);
		am_log(&am_fs.log, AM_LOG_DEBUG, "failure report for %s to "
		    "%s: %s", in->author, to, why);
		return;
	}
	if (!am_failure_limit_dest(am_fs.limit, to, j->meta.now)) {
		am_fs_count(&am_fs.st.limited);
		am_log(&am_fs.log, AM_LOG_DEBUG, "failure report for %s to "
		    "%s: dropped: FailureReportsRate (%u an hour) reached",
		    in->author, to, cfg->report.failure_rate);
		return;
	}
	if (am_fs_suppressed(j, in, to))
		return;
	am_fs_rid(rid, sizeof(rid));
	j->meta.report_id = rid;
	am_err_clear(&err);
	am_buf_init(&msg, AM_FS_MSG_MAX);
	if (am_failure_mail(in, &j->meta, &cto, 1, &msg, &err) != 0 ||
	    am_report_dkim_sign(&msg, j->keys, j->nkeys, j->meta.now, &err)
	    != 0) {
		am_fs_count(&am_fs.st.failed);
		am_log(&am_fs.log, AM_LOG_WARN, "failure report for %s: %s",
		    in->author, err.msg);
		am_buf_release(&msg);
		return;
	}
	am_report_sender(j->from, rid, sender, sizeof(sender));
	if (j->submit(j->submit_ctx, sender, to, &msg, &err) != 0) {
		am_fs_count(&am_fs.st.failed);
		am_log(&am_fs.log, AM_LOG_WARN, "failure report: %s",
		    err.msg);
	} else {
		am_fs_count(&am_fs.st.sent);
		am_log(&am_fs.log, AM_LOG_INFO, "failure report: sent %s "
		    "about %s from %s to %s%s", rid, in->author,
		    in->source_ip, to, j->meta.incidents > 1 ?
		    " (several incidents)" : "");
		am_fs_ledger(j, in, to, rid);
	}
	for (i = 0; cfg->report.failure_bcc != NULL &&
	    cfg->report.failure_bcc[i] != NULL; i++)
		if (j->submit(j->submit_ctx, sender,
		    cfg->report.failure_bcc[i], &msg, &err) != 0)
			am_log(&am_fs.log, AM_LOG_WARN, "failure report: %s",
			    err.msg);
	am_buf_release(&msg);
}

static void
am_fs_keys(struct am_fs_job *j, struct am_sign_plan *plan)
{
	size_t	 i, n;

	n = am_config_sign_plan(j->cfg, j->from, plan);
	for (i = 0; i < n && i < AM_REPORT_SIGN_KEYS; i++) {
		j->keys[i].domain = plan->sig[i].domain;
		j->keys[i].selector = plan->sig[i].key->selector;
		j->keys[i].pkey = plan->sig[i].key->pkey;
	}
	j->nkeys = i;
}

/* ReportExcludeDomains: never reported, failure reports neither. */
static int
am_fs_excluded(const struct am_config *cfg, const char *d)
{
	size_t	 i;

	for (i = 0; cfg->report.exclude_domains != NULL &&
	    cfg->report.exclude_domains[i] != NULL; i++)
		if (am_domain_within(d, cfg->report.exclude_domains[i])) {
			am_log(&am_fs.log, AM_LOG_DEBUG, "failure report for "
			    "%s: not sent: on the ReportExcludeDomains list",
			    d);
			return 1;
		}
	return 0;
}

/* One report (incidents folded into it) to each ruf destination. */
static void
am_fs_report(struct am_failure_in *in, uint64_t incidents)
{
	struct am_config		*cfg;
	const struct am_failure_ident	*sp;
	struct am_sign_plan		 plan;
	struct am_fs_job		 j;
	const char			*p, *e;
	char				 to[AM_REPORT_ADDR];

	if ((cfg = am_snapshot_get()) == NULL)
		return;
	memset(&j, 0, sizeof(j));
	j.cfg = cfg;
	j.from = cfg->report.failure_sent_by != NULL ?
	    cfg->report.failure_sent_by : cfg->report.email;
	if (!cfg->report.failure || j.from == NULL ||
	    am_fs_excluded(cfg, in->policy_domain)) {
		am_config_unref(&cfg);
		return;
	}
	j.dns = am_dns_message_new(cfg->dns.resolver, AM_FS_DNS_MS);
	j.submit = am_report_submitter(&j.smtp, cfg->report.sendmail,
	    cfg->report.smtp, cfg->report.smtp_tls, cfg->report.smtp_cafile,
	    cfg->report.smtp_user, cfg->report.smtp_password,
	    cfg->report.smtp_auth_in_clear, cfg->report.smtp_timeout,
	    &j.submit_ctx);
	am_fs_keys(&j, &plan);
	j.meta.from = j.from;
	j.meta.user_agent = "authmilter/" PACKAGE_VERSION;
	j.meta.now = (int64_t)time(NULL);
	j.meta.incidents = incidents;
	if ((sp = am_failure_spf_reported(in)) != NULL) {
		am_fs_spf_record(j.dns, sp->domain, j.spf, sizeof(j.spf));
		j.meta.spf_dns = j.spf;
	}
	if (cfg->report.failure_redact) {
		j.meta.key = cfg->report.failure_redact_key != NULL ?
		    (const unsigned char *)cfg->report.failure_redact_key :
		    am_fs.rkey;
		j.meta.keylen = cfg->report.failure_redact_key != NULL ?
		    strlen(cfg->report.failure_redact_key) : sizeof(am_fs.rkey);
	}
	for (p = in->rec.ruf; *p != '\0'; p = *e ? e + 1 : e) {
		if ((e = strchr(p, ',')) == NULL)
			e = p + strlen(p);
		if (am_report_mailto(p, (size_t)(e - p), to, sizeof(to)) != 0)
			am_log(&am_fs.log, AM_LOG_DEBUG, "failure report for "
			    "%s: %.*s: not a usable mailto: URI", in->author,
			    (int)(e - p), p);
		else
			am_fs_dest(&j, in, to);
	}
	am_dns_free(&j.dns);
	am_config_unref(&cfg);
}

static void
am_fs_due(void *ctx, void *item, uint64_t incidents)
{
	(void)ctx;
	am_fs_report(item, incidents);
	am_fs_item_free(item);
}

/* One report off the queue: reported, held or folded. */
static void
am_fs_take(struct am_failure_in *in)
{
	char	 key[400];

	(void)snprintf(key, sizeof(key), "%s|%s|%s|%x", in->source_ip,
	    in->author, am_failure_id_align(in), am_failure_triggers(in));
	switch (am_failure_limit_incident(am_fs.limit, key,
	    (int64_t)time(NULL), in)) {
	case AM_FL_SEND:
		am_fs_report(in, 1);
		am_fs_item_free(in);
		break;
	case AM_FL_HOLD:
		am_fs_count(&am_fs.st.folded);
		break;
	case AM_FL_FOLD:
		am_fs_count(&am_fs.st.folded);
		am_fs_item_free(in);
		break;
	}
}

static void *
am_fs_thread(void *arg)
{
	struct am_failure_in	*in;
	struct timespec		 ts;
	time_t			 now;

	(void)arg;
	pthread_mutex_lock(&am_fs.lock);
	for (;;) {
		if (am_fs.n == 0 && !am_fs.stop) {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += 1;
			(void)pthread_cond_timedwait(&am_fs.wake, &am_fs.lock,
			    &ts);
		}
		now = time(NULL);
		if (am_fs.st.dropped > am_fs.dropped_logged &&
		    now - am_fs.full_logged >= 60) {
			am_fs.full_logged = now;
			am_fs.dropped_logged = am_fs.st.dropped;
			am_log(&am_fs.log, AM_LOG_WARN, "failure reports: %lu "
			    "refused so far (queue of %zu full)",
			    am_fs.st.dropped, am_fs.cap);
		}
		if (am_fs.stop)
			break;
		in = NULL;
		if (am_fs.n > 0) {
			in = am_fs.q[am_fs.head];
			am_fs.head = (am_fs.head + 1) % am_fs.cap;
			am_fs.n--;
		}
		pthread_mutex_unlock(&am_fs.lock);
		if (in != NULL)
			am_fs_take(in);
		am_failure_limit_expire(am_fs.limit, (int64_t)time(NULL),
		    am_fs_due, NULL);
		pthread_mutex_lock(&am_fs.lock);
	}
	pthread_mutex_unlock(&am_fs.lock);
	return NULL;
}

int
am_failure_sender_start(const struct am_config *cfg, const struct am_log *log)
{
	am_fs.log = *log;
	am_fs.stop = 0;
	am_fs.cap = cfg->report.failure_queue > 0 ?
	    cfg->report.failure_queue : 256;
	am_fs.q = am_calloc(am_fs.cap, sizeof(*am_fs.q));
	am_fs.head = am_fs.n = 0;
	memset(&am_fs.st, 0, sizeof(am_fs.st));
	am_fs.limit = am_failure_limit_new(cfg->report.failure_window,
	    cfg->report.failure_rate, AM_FS_KEYS, am_fs_item_free);
	if (getrandom(am_fs.rkey, sizeof(am_fs.rkey), 0) !=
	    (ssize_t)sizeof(am_fs.rkey))
		am_log(log, AM_LOG_WARN, "failure reports: no random "
		    "redaction key: %s", strerror(errno));
	__atomic_store_n(&am_fs.running, 1, __ATOMIC_RELAXED);
	if (pthread_create(&am_fs.th, NULL, am_fs_thread, NULL) != 0) {
		am_log(log, AM_LOG_ERROR, "cannot start the failure report "
		    "sender: %s", strerror(errno));
		__atomic_store_n(&am_fs.running, 0, __ATOMIC_RELAXED);
		am_failure_limit_free(&am_fs.limit);
		free(am_fs.q);
		am_fs.q = NULL;
		return -1;
	}
	return 0;
}

void
am_failure_sender_stop(void)
{
	if (!am_fs.running)
		return;
	pthread_mutex_lock(&am_fs.lock);
	am_fs.stop = 1;
	pthread_cond_signal(&am_fs.wake);
	pthread_mutex_unlock(&am_fs.lock);
	pthread_join(am_fs.th, NULL);
	__atomic_store_n(&am_fs.running, 0, __ATOMIC_RELAXED);
	/* SIGTERM does not wait for DNS and sendmail: what is still queued
	 * is dropped, counted. */
	for (; am_fs.n > 0; am_fs.n--) {
		am_fs_item_free(am_fs.q[am_fs.head]);
		am_fs.head = (am_fs.head + 1) % am_fs.cap;
		am_fs.st.dropped++;
	}
	am_log(&am_fs.log, AM_LOG_INFO, "failure reports: %lu queued, %lu "
	    "sent, %lu folded into others, %lu refused (queue full), %lu over "
	    "FailureReportsRate, %lu to unauthorized destinations, %lu to "
	    "suppressed destinations, %lu failed", am_fs.st.queued,
	    am_fs.st.sent, am_fs.st.folded, am_fs.st.dropped,
	    am_fs.st.limited, am_fs.st.refused, am_fs.st.suppressed,
	    am_fs.st.failed);
	am_failure_limit_free(&am_fs.limit);
	am_fs_store_close();
	free(am_fs.q);
	am_fs.q = NULL;
}

void
am_failure_sender_stats(struct am_failure_sender_stats *s)
{
	pthread_mutex_lock(&am_fs.lock);
	*s = am_fs.st;
	pthread_mutex_unlock(&am_fs.lock);
}
