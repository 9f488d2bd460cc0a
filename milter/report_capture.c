/*
 * report_capture - reports sent to our report mailboxes, kept per
 * message, queued, and imported into the store by one thread
 * (report_capture.h)
 */

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "mem.h"
#include "report_capture.h"
#include "report_import.h"
#include "report_store.h"
#include "report_unpack.h"
#include "snapshot.h"

#define AM_RC_RETRY	10	/* s between tries of a failed store */
#define AM_RC_TICK_MS	1000	/* idle wake-up: the spool */
#define AM_RC_DROPLOG	60	/* s between "queue full" lines */
#define AM_RC_FILE_MAX	(1024u * 1024 * 1024)	/* a spooled file */

struct am_report_capture {
	struct am_buf	 buf;
	size_t		 max;
	int		 abandoned;
};

struct am_rc_item {
	unsigned char	*data;
	size_t		 n;
	char		 qid[64];
};

struct am_rc {
	pthread_mutex_t		 lock;
	pthread_cond_t		 wake, done;
	struct am_rc_item	 q[AM_REPORT_CAPTURE_QUEUE];
	size_t			 head, n, bytes;
	unsigned long		 seq_in, seq_out;
	int			 running, stop;
	char			*next_store, *next_spool; /* reload */
	struct am_log		 log;
	pthread_t		 th;
	/* The thread's own. */
	char			*store_uri, *spool;
	struct am_report_store	*st;
	time_t			 next_try;
	int			 pending;	/* the spool may hold files */
	int			 down_logged;
	unsigned long		 seq_spool, drop_logged;
	time_t			 drop_time;
	/* Atomic. */
	unsigned		 suppress_days;	/* ReportSuppressDays */
	struct am_report_capture_stats s;
};

static struct am_rc am_rc = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.wake = PTHREAD_COND_INITIALIZER,
	.done = PTHREAD_COND_INITIALIZER,
};

static void
am_rc_count(unsigned long *c, unsigned long n)
{
	__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

void
am_report_capture_skipped(void)
{
	am_rc_count(&am_rc.s.skipped, 1);
}

/* ------------------------------------------------------------ per message */

struct am_report_capture *
am_report_capture_new(const struct am_config *cfg)
{
	struct am_report_capture	*c;
	int				 running;

	if (!am_config_report_capture(cfg))
		return NULL;
	pthread_mutex_lock(&am_rc.lock);
	running = am_rc.running && !am_rc.stop;
	pthread_mutex_unlock(&am_rc.lock);
	if (!running)
		return NULL;
	c = am_calloc(1, sizeof(*c));
	c->max = cfg->report.capture_max;
	am_buf_init(&c->buf, c->max);
	return c;
}

/* Past ReportCaptureMaxSize: the copy goes, the message stays. */
static void
am_rc_abandon(struct am_report_capture *c, const struct am_log *log)
{
	c->abandoned = 1;
	am_buf_release(&c->buf);
	am_rc_count(&am_rc.s.abandoned, 1);
	am_log(log, AM_LOG_WARN, "report capture abandoned: the message is "
	    "larger than ReportCaptureMaxSize (%zu octets); it is delivered "
	    "as usual", c->max);
}

static void
am_rc_append(struct am_report_capture *c, const void *p, size_t n,
    const struct am_log *log)
{
	if (c == NULL || c->abandoned)
		return;
	if (am_buf_append(&c->buf, p, n) != 0)
		am_rc_abandon(c, log);
}

void
am_report_capture_header(struct am_report_capture *c, const char *name,
    const char *value, int leadspc, const struct am_log *log)
{
	const char	*p;

	if (c == NULL || c->abandoned)
		return;
	am_rc_append(c, name, strlen(name), log);
	am_rc_append(c, leadspc ? ":" : ": ", leadspc ? 1 : 2, log);
	/* Folded lines as the MTA gave them, each line ending CR LF. */
	for (p = value; *p != '\0'; p++) {
		if (*p == '\n' && (p == value || p[-1] != '\r'))
			am_rc_append(c, "\r", 1, log);
		am_rc_append(c, p, 1, log);
	}
	am_rc_append(c, "\r\n", 2, log);
}

void
am_report_capture_eoh(struct am_report_capture *c, const struct am_log *log)
{
	am_rc_append(c, "\r\n", 2, log);
}

void
am_report_capture_body(struct am_report_capture *c, const void *p, size_t n,
    const struct am_log *log)
{
	am_rc_append(c, p, n, log);
}

void
am_report_capture_free(struct am_report_capture **cp)
{
	if (*cp == NULL)
		return;
	am_buf_release(&(*cp)->buf);
	free(*cp);
	*cp = NULL;
}

void
am_report_capture_push(struct am_report_capture **cp, const char *qid,
    const struct am_log *log)
{
	struct am_report_capture	*c = *cp;
	struct am_rc_item		*it;
	int				 ok = 0;

	if (c == NULL || c->abandoned || c->buf.err || c->buf.len == 0) {
		am_report_capture_free(cp);
		return;
	}
	pthread_mutex_lock(&am_rc.lock);
	if (am_rc.running && !am_rc.stop && am_rc.n < AM_REPORT_CAPTURE_QUEUE
	    && am_rc.bytes + c->buf.len <= 4 * c->max) {
		it = &am_rc.q[(am_rc.head + am_rc.n) % AM_REPORT_CAPTURE_QUEUE];
		it->n = c->buf.len;
		it->data = c->buf.data;		/* taken over */
		c->buf.data = NULL;
		(void)snprintf(it->qid, sizeof(it->qid), "%s", qid);
		am_rc.n++;
		am_rc.bytes += it->n;
		am_rc.seq_in++;
		pthread_cond_signal(&am_rc.wake);
		ok = 1;
	}
	pthread_mutex_unlock(&am_rc.lock);
	if (ok)
		am_rc_count(&am_rc.s.queued, 1);
	else {
		am_rc_count(&am_rc.s.dropped, 1);
		am_log(log, AM_LOG_WARN, "report capture: queue full (%d "
		    "messages or %zu octets): not captured; the message is "
		    "delivered as usual", AM_REPORT_CAPTURE_QUEUE, 4 * c->max);
	}
	am_report_capture_free(cp);
}

/* ------------------------------------------------------------ the thread */

struct am_rc_ctx {
	struct am_log	 log;	/* prefixed with the queue id or file */
};

/* One document's line, every value from the peer escaped. */
static void
am_rc_item_log(void *ctx, const struct am_report_import_item *it)
{
	const struct am_log		*log = ctx;
	const struct am_report_feedback	*f = it->f;
	char				 org[160], id[160], dom[160], e[300];

	if (it->kind == AM_REPORT_IMPORT_DSN) {
		am_log(log, AM_LOG_INFO, "report capture: %s",
		    am_log_escape(it->line, e, sizeof(e)));
		return;
	}
	if (it->kind == AM_REPORT_IMPORT_BAD || f == NULL) {
		/* (an outcome without a report: the entry point's own) */
		am_log(log, AM_LOG_WARN, "report capture: %s%s%s: %s",
		    it->kind == AM_REPORT_IMPORT_BAD ? "malformed report" :
		    "not stored", *it->what ? " in " : "", am_log_escape(
		    it->what, org, sizeof(org)), it->error != NULL ?
		    am_log_escape(it->error, e, sizeof(e)) : "");
		return;
	}
	(void)am_log_escape(f->org_name, org, sizeof(org));
	(void)am_log_escape(f->report_id, id, sizeof(id));
	(void)am_log_escape(f->policy_domain, dom, sizeof(dom));
	if (it->kind == AM_REPORT_IMPORT_STORE_FAILED)
		am_log(log, AM_LOG_WARN, "report capture: report %s from %s "
		    "for %s: report store: %s; spooled", id, org, dom,
		    am_log_escape(it->error, e, sizeof(e)));
	else
		am_log(log, AM_LOG_INFO, "report captured: org=%s id=%s "
		    "domain=%s period=%lld-%lld records=%zu messages=%llu%s",
		    org, id, dom, (long long)f->begin, (long long)f->end,
		    f->nrows, (unsigned long long)
		    am_report_feedback_messages(f), it->kind ==
		    AM_REPORT_IMPORT_DUP ? " (duplicate, already stored)" : "");
}

/* The store, opened when needed, not more often than every AM_RC_RETRY
 * s after a failure. */
static struct am_report_store *
am_rc_store(time_t now)
{
	struct am_err	 err;

	if (am_rc.st != NULL)
		return am_rc.st;
	if (now < am_rc.next_try)
		return NULL;
	am_err_clear(&err);
	if (am_report_store_open(am_rc.store_uri, &am_rc.st, &err) != 0) {
		if (!am_rc.down_logged)
			am_log(&am_rc.log, AM_LOG_WARN, "report capture: "
			    "report store %s: %s; captured messages go to %s "
			    "until it works", am_rc.store_uri, err.msg,
			    am_rc.spool);
		am_rc.down_logged = 1;
		am_rc.st = NULL;
		am_rc.next_try = now + AM_RC_RETRY;
		return NULL;
	}
	if (am_rc.down_logged)
		am_log(&am_rc.log, AM_LOG_INFO, "report capture: report store "
		    "%s: working again", am_rc.store_uri);
	am_rc.down_logged = 0;
	return am_rc.st;
}

/*
 * Imports one message: 1 done (stored, or nothing to store), 0 the
 * store failed (keep it for later).  log names the message.
 */
static int
am_rc_import(const void *p, size_t n, const struct am_log *log)
{
	struct am_report_import_counts	 c;
	struct am_err			 err;
	char				 e[300];
	time_t				 now = time(NULL);

	if (am_rc_store(now) == NULL)
		return 0;
	memset(&c, 0, sizeof(c));
	am_err_clear(&err);
	if (am_report_import_buf(am_rc.st, p, n, (int64_t)now,
	    __atomic_load_n(&am_rc.suppress_days, __ATOMIC_RELAXED),
	    am_rc_item_log, (void *)log, &c, &err) != 0) {
		am_rc_count(&am_rc.s.bad, 1);
		am_log(log, AM_LOG_WARN, "report capture: no report read: %s",
		    am_log_escape(err.msg, e, sizeof(e)));
		return 1;
	}
	am_rc_count(&am_rc.s.stored, c.stored);
	am_rc_count(&am_rc.s.dups, c.dups);
	am_rc_count(&am_rc.s.bad, c.bad);
	if (c.store_failed == 0)
		return 1;
	am_report_store_close(&am_rc.st);
	am_rc.next_try = now + AM_RC_RETRY;
	am_rc.down_logged = 1;
	return 0;
}

/* Writes a message to the spool as NAME.eml (via NAME.tmp). */
static int
am_rc_spool_write(const void *p, size_t n, const struct am_log *log)
{
	char	 tmp[4096], path[4096];
	FILE	*fp;
	int	 ok;

	if (mkdir(am_rc.spool, 0700) != 0 && errno != EEXIST)
		goto fail;
	(void)snprintf(tmp, sizeof(tmp), "%s/%lld-%ld-%lu.tmp", am_rc.spool,
	    (long long)time(NULL), (long)getpid(), ++am_rc.seq_spool);
	(void)snprintf(path, sizeof(path), "%.*s.eml",
	    (int)(strlen(tmp) - 4), tmp);
	if ((fp = fopen(tmp, "wb")) == NULL)
		goto fail;
	ok = fwrite(p, 1, n, fp) == n;
	ok = fflush(fp) == 0 && ok && fsync(fileno(fp)) == 0;
	if (fclose(fp) != 0 || !ok || rename(tmp, path) != 0) {
		(void)unlink(tmp);
		goto fail;
	}
	am_rc.pending = 1;
	am_rc_count(&am_rc.s.spooled, 1);
	return 0;
fail:
	am_rc_count(&am_rc.s.lost, 1);
	am_log(log, AM_LOG_ERROR, "report capture: spool %s: %s: the captured "
	    "message is not stored (it was delivered)", am_rc.spool,
	    strerror(errno));
	return -1;
}

static int
am_rc_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads one spooled file; NULL when it cannot be read. */
static unsigned char *
am_rc_spool_read(const char *path, size_t *n)
{
	struct stat	 sb;
	unsigned char	*buf = NULL;
	FILE		*fp;

	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	if (fstat(fileno(fp), &sb) == 0 && (uint64_t)sb.st_size <=
	    AM_RC_FILE_MAX) {
		buf = am_malloc((size_t)sb.st_size + 1);
		*n = fread(buf, 1, (size_t)sb.st_size, fp);
		if (*n != (size_t)sb.st_size) {
			free(buf);
			buf = NULL;
		}
	}
	fclose(fp);
	return buf;
}

/* Imports the spooled messages, oldest name first, each removed once
 * imported; stops when the store fails. */
static void
am_rc_spool_replay(void)
{
	DIR		*d;
	struct dirent	*de;
	struct am_log	 log = am_rc.log;
	char		**names = NULL, path[4096];
	unsigned char	*buf;
	size_t		 n = 0, cap = 0, i, len, l;
	int		 failed = 0;

	if (am_rc_store(time(NULL)) == NULL)
		return;
	if ((d = opendir(am_rc.spool)) == NULL) {
		am_rc.pending = 0;
		return;
	}
	while ((de = readdir(d)) != NULL) {
		l = strlen(de->d_name);
		if (de->d_name[0] == '.' || l < 5 ||
		    strcmp(de->d_name + l - 4, ".eml") != 0)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			names = am_realloc(names, cap * sizeof(*names));
		}
		names[n++] = am_strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), am_rc_cmp);
	for (i = 0; i < n; i++) {
		(void)snprintf(path, sizeof(path), "%s/%s", am_rc.spool,
		    names[i]);
		log.prefix = path;
		if (!failed && (buf = am_rc_spool_read(path, &len)) != NULL) {
			if (am_rc_import(buf, len, &log)) {
				(void)unlink(path);
				am_rc_count(&am_rc.s.replayed, 1);
			} else
				failed = 1;
			free(buf);
		} else if (!failed)
			am_log(&log, AM_LOG_ERROR, "report capture: cannot "
			    "read the spooled message: %s", strerror(errno));
		free(names[i]);
	}
	free(names);
	am_rc.pending = failed;
}

static void
am_rc_handle(struct am_rc_item *it)
{
	struct am_log	 log = am_rc.log;

	log.prefix = it->qid;
	if (am_rc.pending)
		am_rc_spool_replay();	/* older ones first */
	if (am_rc.pending || !am_rc_import(it->data, it->n, &log)) {
		if (am_rc_spool_write(it->data, it->n, &log) == 0)
			am_log(&log, AM_LOG_INFO, "report capture: the store "
			    "is not available: message spooled in %s",
			    am_rc.spool);
	}
}

/* Between messages: the spool, the "queue full" line. */
static void
am_rc_idle(void)
{
	unsigned long	 d;
	time_t		 now = time(NULL);

	if (am_rc.pending && now >= am_rc.next_try)
		am_rc_spool_replay();
	d = __atomic_load_n(&am_rc.s.dropped, __ATOMIC_RELAXED);
	if (d != am_rc.drop_logged && now - am_rc.drop_time >= AM_RC_DROPLOG) {
		am_log(&am_rc.log, AM_LOG_WARN, "report capture: %lu messages "
		    "not captured, queue full (%lu since start)",
		    d - am_rc.drop_logged, d);
		am_rc.drop_logged = d;
		am_rc.drop_time = now;
	}
}

static int
am_rc_spool_exists(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	size_t		 l;
	int		 found = 0;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while (!found && (de = readdir(d)) != NULL) {
		l = strlen(de->d_name);
		found = de->d_name[0] != '.' && l > 4 &&
		    strcmp(de->d_name + l - 4, ".eml") == 0;
	}
	closedir(d);
	return found;
}

/* A reload's new store or spool, taken with the queue empty. */
static void
am_rc_switch(void)
{
	if (am_rc.next_store != NULL) {
		am_report_store_close(&am_rc.st);
		free(am_rc.store_uri);
		am_rc.store_uri = am_rc.next_store;
		am_rc.next_store = NULL;
		am_rc.next_try = 0;
		am_rc.down_logged = 0;
	}
	if (am_rc.next_spool != NULL) {
		free(am_rc.spool);
		am_rc.spool = am_rc.next_spool;
		am_rc.next_spool = NULL;
		am_rc.pending = am_rc_spool_exists(am_rc.spool);
	}
}

static void *
am_rc_thread(void *arg)
{
	struct am_rc_item	 it;
	struct timespec		 ts;
	int			 have, quit;

	(void)arg;
	pthread_mutex_lock(&am_rc.lock);
	for (;;) {
		if (am_rc.n == 0 && !am_rc.stop && am_rc.next_store == NULL &&
		    am_rc.next_spool == NULL) {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += AM_RC_TICK_MS / 1000;
			(void)pthread_cond_timedwait(&am_rc.wake, &am_rc.lock,
			    &ts);
		}
		have = am_rc.n > 0;
		if (have) {
			it = am_rc.q[am_rc.head];
			am_rc.head = (am_rc.head + 1) % AM_REPORT_CAPTURE_QUEUE;
			am_rc.n--;
			am_rc.bytes -= it.n;
		} else
			am_rc_switch();
		quit = am_rc.stop && am_rc.n == 0;
		pthread_mutex_unlock(&am_rc.lock);
		if (have) {
			am_rc_handle(&it);
			free(it.data);
		}
		am_rc_idle();
		pthread_mutex_lock(&am_rc.lock);
		am_rc.seq_out += have;
		pthread_cond_broadcast(&am_rc.done);
		if (quit)
			break;
	}
	pthread_mutex_unlock(&am_rc.lock);
	return NULL;
}

/* ------------------------------------------------------------ control */

static char *
am_rc_spool_dir(const struct am_config *cfg)
{
	size_t	 n = strlen(cfg->report.journal) + sizeof(".capture");
	char	*s = am_malloc(n);

	(void)snprintf(s, n, "%s.capture", cfg->report.journal);
	return s;
}

int
am_report_capture_start(const struct am_config *cfg, const struct am_log *log)
{
	am_report_unpack_init();
	am_rc.log = *log;
	am_rc.head = am_rc.n = am_rc.bytes = 0;
	am_rc.store_uri = am_strdup(cfg->report.store);
	am_rc.spool = am_rc_spool_dir(cfg);
	__atomic_store_n(&am_rc.suppress_days, cfg->report.suppress_days,
	    __ATOMIC_RELAXED);
	am_rc.pending = am_rc_spool_exists(am_rc.spool);
	am_rc.next_try = 0;
	am_rc.stop = 0;
	am_rc.running = 1;
	if (pthread_create(&am_rc.th, NULL, am_rc_thread, NULL) != 0) {
		am_rc.running = 0;
		am_log(log, AM_LOG_ERROR, "cannot start the report capture: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

static char *
am_rc_changed(const char *now, char *want)
{
	if (now != NULL && strcmp(now, want) == 0) {
		free(want);
		return NULL;
	}
	return want;
}

void
am_report_capture_reload(void)
{
	struct am_config	*cfg;
	unsigned long		 target;

	if ((cfg = am_snapshot_get()) == NULL)
		return;
	pthread_mutex_lock(&am_rc.lock);
	if (am_rc.running && !am_rc.stop) {
		/* store_uri and spool change only in am_rc_switch, by the
		 * thread, under the lock. */
		free(am_rc.next_store);
		free(am_rc.next_spool);
		am_rc.next_store = am_rc_changed(am_rc.store_uri,
		    am_strdup(cfg->report.store));
		am_rc.next_spool = am_rc_changed(am_rc.spool,
		    am_rc_spool_dir(cfg));
		__atomic_store_n(&am_rc.suppress_days,
		    cfg->report.suppress_days, __ATOMIC_RELAXED);
		target = am_rc.seq_in;
		while (am_rc.seq_out < target || am_rc.next_store != NULL ||
		    am_rc.next_spool != NULL) {
			pthread_cond_signal(&am_rc.wake);
			pthread_cond_wait(&am_rc.done, &am_rc.lock);
		}
	}
	pthread_mutex_unlock(&am_rc.lock);
	am_config_unref(&cfg);
}

void
am_report_capture_stop(void)
{
	struct am_report_capture_stats	 s;

	pthread_mutex_lock(&am_rc.lock);
	if (!am_rc.running) {
		pthread_mutex_unlock(&am_rc.lock);
		return;
	}
	am_rc.stop = 1;
	pthread_cond_signal(&am_rc.wake);
	pthread_mutex_unlock(&am_rc.lock);
	pthread_join(am_rc.th, NULL);
	am_report_store_close(&am_rc.st);
	am_report_capture_stats(&s);
	if (s.queued > 0 || s.dropped > 0 || s.abandoned > 0 ||
	    s.skipped > 0 || s.replayed > 0)
		am_log(&am_rc.log, s.dropped > 0 || s.lost > 0 ? AM_LOG_WARN :
		    AM_LOG_INFO, "report capture: %lu messages captured, %lu "
		    "reports stored, %lu duplicates, %lu malformed, %lu "
		    "messages spooled, %lu imported from the spool, %lu "
		    "abandoned (ReportCaptureMaxSize), %lu dropped (queue "
		    "full), %lu lost; %lu evaluation records not recorded "
		    "(mail to report mailboxes)", s.queued, s.stored, s.dups,
		    s.bad, s.spooled, s.replayed, s.abandoned, s.dropped,
		    s.lost, s.skipped);
	pthread_mutex_lock(&am_rc.lock);
	am_rc.running = 0;
	free(am_rc.store_uri);
	free(am_rc.spool);
	free(am_rc.next_store);
	free(am_rc.next_spool);
	am_rc.store_uri = am_rc.spool = NULL;
	am_rc.next_store = am_rc.next_spool = NULL;
	pthread_mutex_unlock(&am_rc.lock);
}

void
am_report_capture_stats(struct am_report_capture_stats *s)
{
	unsigned long	*in = (unsigned long *)&am_rc.s, *out;
	size_t		 i;

	memset(s, 0, sizeof(*s));
	out = (unsigned long *)s;
	for (i = 0; i < sizeof(*s) / sizeof(unsigned long); i++)
		out[i] = __atomic_load_n(&in[i], __ATOMIC_RELAXED);
	pthread_mutex_lock(&am_rc.lock);
	s->waiting = am_rc.n;
	pthread_mutex_unlock(&am_rc.lock);
}
