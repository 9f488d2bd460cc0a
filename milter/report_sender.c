/*
 * report_sender - the thread that sends each closed period's aggregate
 * reports (report_sender.h)
 */

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "autoconfig.h"
#include "config.h"
#include "dns.h"
#include "report_out.h"
#include "report_send.h"
#include "report_smtp.h"
#include "report_sender.h"
#include "report_store.h"
#include "snapshot.h"

#define AM_RS_TICK	60	/* s between wake-ups */
#define AM_RS_FIRST	2	/* s after start: the first run */
#define AM_RS_RETRY	600	/* s: an unfinished period again */
#define AM_RS_STALE	3600	/* s: a claim older is taken over */
#define AM_RS_DNS_MS	300000	/* the DNS budget of one run */

static struct {
	pthread_mutex_t	 lock;
	pthread_cond_t	 wake;
	int		 running, stop;
	pthread_t	 th;
	struct am_log	 log;
	int64_t		 done_end;	/* the last period finished */
	int64_t		 next_run;
	struct am_dns	*dns;		/* the run's view */
	unsigned	 rate;		/* ReportSendRate of the run */
	am_report_submit_fn *next;	/* the relay or sendmail */
	void		*next_ctx;
	struct am_report_smtp smtp;	/* ReportSmtp* of the run */
	struct timespec	 last;		/* the last submission */
} am_rs = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.wake = PTHREAD_COND_INITIALIZER,
};

static void
am_rs_say(void *ctx, int error, const char *line)
{
	(void)ctx;
	while (*line == ' ')
		line++;
	am_log(&am_rs.log, error ? AM_LOG_WARN : strncmp(line, "sent ", 5)
	    == 0 ? AM_LOG_INFO : AM_LOG_DEBUG, "report: %s", line);
}

/*
 * The submit function: ReportSendRate spreads the messages (at most
 * rate a minute, evenly); the wait ends early on stop, and the message
 * is then not sent (the next run sends it).
 */
static int
am_rs_submit(void *ctx, const char *sender, const char *to,
    const struct am_buf *msg, struct am_err *err)
{
	struct timespec	 ts;
	long long	 gap_ns;
	int		 stop;

	if (am_rs.rate > 0 && am_rs.last.tv_sec != 0) {
		gap_ns = 60LL * 1000000000LL / am_rs.rate;
		ts = am_rs.last;
		ts.tv_sec += (time_t)(gap_ns / 1000000000LL);
		ts.tv_nsec += (long)(gap_ns % 1000000000LL);
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&am_rs.lock);
		while (!am_rs.stop && pthread_cond_timedwait(&am_rs.wake,
		    &am_rs.lock, &ts) == 0)
			;
		stop = am_rs.stop;
		pthread_mutex_unlock(&am_rs.lock);
		if (stop)
			return am_err_set(err, AM_E_IO, "stopping: %s not sent "
			    "yet", to);
	}
	clock_gettime(CLOCK_REALTIME, &am_rs.last);
	(void)ctx;
	return am_rs.next(am_rs.next_ctx, sender, to, msg, err);
}

static struct am_dns *
am_rs_dns(void *ctx)
{
	(void)ctx;
	return am_rs.dns;
}

static void
am_rs_keys(struct am_report_run *run, const struct am_config *cfg,
    struct am_sign_plan *plan)
{
	size_t	 i, n;

	n = am_config_sign_plan(cfg, cfg->report.email, plan);
	for (i = 0; i < n && i < AM_REPORT_SIGN_KEYS; i++) {
		run->keys[i].domain = plan->sig[i].domain;
		run->keys[i].selector = plan->sig[i].key->selector;
		run->keys[i].pkey = plan->sig[i].key->pkey;
	}
	run->nkeys = i;
	if (n == 0)
		am_log(&am_rs.log, AM_LOG_WARN, "report: no DKIM key for %s "
		    "(SigningTable or Domain): reports go out unsigned and "
		    "may fail DMARC", cfg->report.email);
}

/* One period with cfg: 0 finished, 1 to be run again, -1 failed. */
static int
am_rs_period(const struct am_config *cfg, int64_t begin, int64_t end,
    int64_t now)
{
	struct am_report_meta	 meta;
	struct am_report_run	 run;
	struct am_sign_plan	 plan;
	struct am_err		 err;
	const char		*at = strrchr(cfg->report.email, '@');
	char			 node[AM_REPORT_NODE];
	int			 mine = 0;

	memset(&run, 0, sizeof(run));
	memset(&meta, 0, sizeof(meta));
	meta.receiver = at + 1;
	meta.org_name = cfg->report.org_name != NULL ? cfg->report.org_name :
	    at + 1;
	meta.email = cfg->report.email;
	meta.generator = "authmilter " PACKAGE_VERSION;
	meta.cap = cfg->report.max_size;
	am_err_clear(&err);
	if (am_report_store_open(cfg->report.store, &run.st, &err) != 0) {
		am_log(&am_rs.log, AM_LOG_WARN, "report: store %s: %s; the "
		    "period is tried again later", cfg->report.store, err.msg);
		return 1;
	}
	am_report_sender_node(cfg, node, sizeof(node));
	if (am_report_store_claim(run.st, begin, end, node, now, AM_RS_STALE,
	    &mine, &err) != 0) {
		am_log(&am_rs.log, AM_LOG_WARN, "report: claim: %s", err.msg);
		am_report_store_close(&run.st);
		return 1;
	}
	if (!mine) {
		am_log(&am_rs.log, AM_LOG_DEBUG, "report: period %lld-%lld is "
		    "another node's", (long long)begin, (long long)end - 1);
		am_report_store_close(&run.st);
		return 0;
	}
	run.meta = &meta;
	run.now = now;
	run.send = 1;
	run.submit = am_rs_submit;
	am_rs.next = am_report_submitter(&am_rs.smtp, cfg->report.sendmail,
	    cfg->report.smtp, cfg->report.smtp_tls, cfg->report.smtp_cafile,
	    cfg->report.smtp_user, cfg->report.smtp_password,
	    cfg->report.smtp_auth_in_clear, cfg->report.smtp_timeout,
	    &am_rs.next_ctx);
	am_rs.rate = cfg->report.send_rate;
	run.dns = am_rs_dns;
	run.say = am_rs_say;
	run.exclude = (const char *const *)cfg->report.exclude_domains;
	run.dest_limit = cfg->report.dest_limit;
	run.daily_limit = cfg->report.daily_limit;
	run.cancel = &am_rs.stop;	/* SIGTERM: stop between domains */
	am_rs_keys(&run, cfg, &plan);
	am_rs.dns = am_dns_message_new(cfg->dns.resolver, AM_RS_DNS_MS);
	(void)am_report_run_period(&run, begin, end);
	am_dns_free(&am_rs.dns);
	am_report_store_close(&run.st);
	am_log(&am_rs.log, run.failed ? AM_LOG_WARN : AM_LOG_INFO, "report: "
	    "period %lld-%lld: %u reports, %u messages sent, %u destinations "
	    "deferred%s", (long long)begin, (long long)end - 1, run.reports,
	    run.sent, run.deferred, run.failed ? ", failures (logged)" : "");
	if (run.failed)
		return -1;
	return run.deferred > 0 ? 1 : 0;
}

/*
 * The node: the host and the milter socket.  A restarted daemon holds
 * its claims; two daemons on one host (two sockets) are two nodes.
 */
void
am_report_sender_node(const struct am_config *cfg, char *out, size_t size)
{
	char	 host[256];

	if (gethostname(host, sizeof(host)) != 0)
		(void)snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	(void)snprintf(out, size, "%s %s", host, cfg->daemon.socket != NULL ?
	    cfg->daemon.socket : "");
}

/* A wake-up: the last closed period, unless finished or not yet due.
 * AUTHMILTER_TEST_NOW (the verification clock) pins "now" for tests. */
static void
am_rs_tick(void)
{
	struct am_config	*cfg;
	int64_t			 now, b, e;
	int			 rc;

	if ((cfg = am_snapshot_get()) == NULL)
		return;
	now = cfg->dkim.verify.now != 0 ? (int64_t)cfg->dkim.verify.now :
	    (int64_t)time(NULL);
	if (cfg->report.send && cfg->report.email != NULL) {
		am_report_period_last(now, cfg->report.interval, &b, &e);
		if (e != am_rs.done_end && now >= am_rs.next_run) {
			rc = am_rs_period(cfg, b, e, now);
			if (rc == 0)
				am_rs.done_end = e;
			else
				am_rs.next_run = now + AM_RS_RETRY;
		}
	}
	am_config_unref(&cfg);
}

static void *
am_rs_thread(void *arg)
{
	struct timespec	 ts;
	int		 first = 1;

	(void)arg;
	pthread_mutex_lock(&am_rs.lock);
	while (!am_rs.stop) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += first ? AM_RS_FIRST : AM_RS_TICK;
		first = 0;
		while (!am_rs.stop && pthread_cond_timedwait(&am_rs.wake,
		    &am_rs.lock, &ts) == 0)
			;
		if (am_rs.stop)
			break;
		pthread_mutex_unlock(&am_rs.lock);
		am_rs_tick();
		pthread_mutex_lock(&am_rs.lock);
	}
	pthread_mutex_unlock(&am_rs.lock);
	return NULL;
}

int
am_report_sender_start(const struct am_log *log)
{
	am_rs.log = *log;
	am_rs.stop = 0;
	am_rs.done_end = 0;
	am_rs.next_run = 0;
	if (pthread_create(&am_rs.th, NULL, am_rs_thread, NULL) != 0) {
		am_log(log, AM_LOG_ERROR, "cannot start the report sender: %s",
		    strerror(errno));
		return -1;
	}
	am_rs.running = 1;
	return 0;
}

void
am_report_sender_stop(void)
{
	if (!am_rs.running)
		return;
	pthread_mutex_lock(&am_rs.lock);
	__atomic_store_n(&am_rs.stop, 1, __ATOMIC_RELAXED);
	pthread_cond_signal(&am_rs.wake);
	pthread_mutex_unlock(&am_rs.lock);
	pthread_join(am_rs.th, NULL);
	am_rs.running = 0;
}
