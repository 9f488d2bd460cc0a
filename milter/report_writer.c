/*
 * report_writer - the bounded queue of report records and the one
 * thread that writes them to the store, or to the journal while the
 * store is down (report_writer.h)
 */

#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mem.h"
#include "report_journal.h"
#include "report_record.h"
#include "report_sender.h"
#include "report_store.h"
#include "report_writer.h"
#include "snapshot.h"

#define AM_RW_BATCH	256	/* records per transaction */
#define AM_RW_TICK_MS	250	/* the longest a record waits */
#define AM_RW_RETRY	10	/* s between tries of a failed store */
#define AM_RW_DROPLOG	60	/* s between "queue full" lines */
#define AM_RW_PRUNE	3600	/* s between prunings of done batch ids */
#define AM_RW_KEEP_DONE	(7 * 86400)	/* s a done batch id is kept */

struct am_rw {
	pthread_mutex_t		 lock;
	pthread_cond_t		 wake;	/* to the writer */
	pthread_cond_t		 done;	/* from the writer */
	struct am_report_record	**q;		/* ring of cap; each
						 * am_report_record_size()
						 * bytes long */
	size_t			 cap, head, n;
	unsigned long		 seq_in, seq_out; /* pushed, handled */
	int			 running, stop;
	int			 flush;	/* write now, all of it */
	char			*next_store, *next_journal; /* reload */
	struct am_report_push	 push;		/* its counters */
	struct am_log		 log;
	pthread_t		 th;
	/* The writer thread's own. */
	char			*store_uri, *journal;
	char			 node[AM_REPORT_NODE];
	struct am_report_store	*st;
	time_t			 next_try, next_prune;
	unsigned long		 batch_seq;
	int			 pending;	/* a journal may exist */
	int			 down_logged;
	unsigned long		 drop_logged;
	time_t			 drop_time;
	/* Atomic: read by the stats. */
	unsigned long		 stored, spooled, replayed, lost;
};

static struct am_rw am_rw = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.wake = PTHREAD_COND_INITIALIZER,
	.done = PTHREAD_COND_INITIALIZER,
};

static void
am_rw_add(unsigned long *c, size_t n)
{
	__atomic_fetch_add(c, (unsigned long)n, __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------- milter side */

/* Queues r (taken over: freed here when refused); never waits on
 * anything but the queue's mutex. */
static int
am_rw_enqueue(struct am_report_record *r)
{
	pthread_mutex_lock(&am_rw.lock);
	if (!am_rw.running || am_rw.stop || am_rw.n == am_rw.cap) {
		pthread_mutex_unlock(&am_rw.lock);
		free(r);
		return -1;
	}
	am_rw.q[(am_rw.head + am_rw.n) % am_rw.cap] = r;
	am_rw.n++;
	am_rw.seq_in++;
	if (am_rw.n == AM_RW_BATCH)	/* else the tick takes it */
		pthread_cond_signal(&am_rw.wake);
	pthread_mutex_unlock(&am_rw.lock);
	return 0;
}

/*
 * The sink: the log line as without reports, then the queue.  It does
 * what am_report_push_sink does (same counters), converting straight
 * into the record the queue keeps, shrunk to the bytes its value uses
 * (am_report_record_size: about 3 KB of the 13 KB with one DKIM
 * result): one allocation, no copy, and a full queue holds a quarter
 * of the memory.
 */
static void
am_rw_sink(void *ctx, const struct am_dmarc_report *rep)
{
	struct am_report_record	*r;
	struct am_report_push	*p = &am_rw.push;

	am_dmarc_report_log_sink(ctx, rep);
	r = am_malloc(sizeof(*r));
	if (am_report_record_from_dmarc(r, rep) != 0) {
		free(r);
		__atomic_fetch_add(&p->no_policy, 1, __ATOMIC_RELAXED);
		return;
	}
	r = am_realloc(r, am_report_record_size(r));	/* shrinks in place */
	if (am_rw_enqueue(r) != 0)
		__atomic_fetch_add(&p->dropped, 1, __ATOMIC_RELAXED);
	else
		__atomic_fetch_add(&p->pushed, 1, __ATOMIC_RELAXED);
}

void
am_report_writer_sink(const struct am_config *cfg,
    struct am_dmarc_report_sink *sink)
{
	int	 running;

	if (!cfg->report.record)
		return;
	pthread_mutex_lock(&am_rw.lock);
	running = am_rw.running && !am_rw.stop;
	pthread_mutex_unlock(&am_rw.lock);
	if (running)
		sink->fn = am_rw_sink;
}

/* ------------------------------------------------------------- writer side */

static int
am_rw_exists(const char *path)
{
	struct stat	 sb;
	char		 rp[4096];

	if (stat(path, &sb) == 0)
		return 1;
	(void)snprintf(rp, sizeof(rp), "%s.replay", path);
	return stat(rp, &sb) == 0;
}

static void
am_rw_close(time_t now)
{
	am_report_store_close(&am_rw.st);
	am_rw.next_try = now + AM_RW_RETRY;
}

/* The store, opened when needed (not more often than every
 * AM_RW_RETRY s after a failure), with the journal replayed first. */
static struct am_report_store *
am_rw_store(time_t now)
{
	struct am_err	 err;
	size_t		 stored = 0, bad = 0, dup = 0;

	if (am_rw.st == NULL) {
		if (now < am_rw.next_try)
			return NULL;
		am_err_clear(&err);
		if (am_report_store_open(am_rw.store_uri, &am_rw.st, &err)
		    != 0) {
			if (!am_rw.down_logged)
				am_log(&am_rw.log, AM_LOG_WARN, "report store "
				    "%s: %s; records go to %s until it works",
				    am_rw.store_uri, err.msg, am_rw.journal);
			am_rw.down_logged = 1;
			am_rw.st = NULL;
			am_rw.next_try = now + AM_RW_RETRY;
			return NULL;
		}
		am_report_store_set_node(am_rw.st, am_rw.node);
		if (am_rw.down_logged)
			am_log(&am_rw.log, AM_LOG_INFO, "report store %s: "
			    "working again", am_rw.store_uri);
		am_rw.down_logged = 0;
	}
	if (!am_rw.pending)
		return am_rw.st;
	am_err_clear(&err);
	if (am_report_journal_replay(am_rw.journal, am_rw.st, &stored, &bad,
	    &dup, &err) != 0) {
		am_log(&am_rw.log, AM_LOG_WARN, "report journal %s: %s",
		    am_rw.journal, err.msg);
		am_rw_close(now);
		return NULL;
	}
	am_rw.pending = 0;
	am_rw_add(&am_rw.replayed, stored);
	if (stored > 0 || bad > 0 || dup > 0)
		am_log(&am_rw.log, AM_LOG_INFO, "report journal %s: %zu "
		    "records stored, %zu unreadable lines skipped, %zu "
		    "stored already (their batch's commit had gone through)",
		    am_rw.journal, stored, bad, dup);
	return am_rw.st;
}

/*
 * Folding: the identical evaluations of one batch (every field but the
 * time the same, and the same hour: periods are whole hours) become one
 * record with a count, one row (column n) instead of many.  A bulk
 * sender's burst is many identical evaluations; each row saved is a
 * whole insert.  Records are compared byte by byte: the converter
 * zeroes what it does not fill (report_record.h).
 */
struct am_rw_iter {
	struct am_report_record	**b;
	size_t			  m, i;		/* unique records */
	uint16_t		  at[AM_RW_BATCH];	/* their index in b */
	uint32_t		  n[AM_RW_BATCH];	/* and count */
};

#define AM_RW_FOLD_SLOTS	(2 * AM_RW_BATCH)	/* power of 2 */
#define AM_RW_VALUE(r)		((const char *)(r) + \
				    offsetof(struct am_report_record, \
				    policy_domain))

/* A cheap hash of the fields that differ most between evaluations. */
static uint32_t
am_rw_fold_hash(const struct am_report_record *r)
{
	const char *const	 f[] = { r->source_ip, r->header_from,
				    r->envelope_to, r->envelope_from };
	uint32_t		 h = 2166136261u ^
				    (uint32_t)(r->time / 3600);
	size_t			 i;
	const char		*p;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		for (p = f[i]; *p != '\0'; p++)
			h = (h ^ (unsigned char)*p) * 16777619u;
	return h ^ (uint32_t)r->ndkim;
}

static int
am_rw_same(const struct am_report_record *a, const struct am_report_record *b)
{
	size_t	 n = am_report_record_size(a);

	return a->time / 3600 == b->time / 3600 &&
	    n == am_report_record_size(b) && memcmp(AM_RW_VALUE(a),
	    AM_RW_VALUE(b), n - offsetof(struct am_report_record,
	    policy_domain)) == 0;
}

static void
am_rw_fold(struct am_rw_iter *it, size_t k)
{
	int16_t		 slot[AM_RW_FOLD_SLOTS];
	size_t		 i, s;

	memset(slot, 0xff, sizeof(slot));	/* -1: empty */
	it->m = it->i = 0;
	for (i = 0; i < k; i++) {
		s = am_rw_fold_hash(it->b[i]) & (AM_RW_FOLD_SLOTS - 1);
		while (slot[s] >= 0 && !am_rw_same(it->b[it->at[slot[s]]],
		    it->b[i]))
			s = (s + 1) & (AM_RW_FOLD_SLOTS - 1);
		if (slot[s] >= 0) {
			it->n[slot[s]]++;
			continue;
		}
		slot[s] = (int16_t)it->m;
		it->at[it->m] = (uint16_t)i;
		it->n[it->m++] = 1;
	}
}

static int
am_rw_next(void *ctx, struct am_report_record *out)
{
	struct am_rw_iter		*it = ctx;
	const struct am_report_record	*r;

	if (it->i == it->m)
		return 0;
	r = it->b[it->at[it->i]];
	memcpy(out, r, am_report_record_size(r));
	out->count = it->n[it->i];
	it->i++;
	return 1;
}

/* A batch id no other batch of any node has: the node's random part
 * from start, and a count. */
static void
am_rw_batch_id(char *out, size_t size)
{
	static unsigned char	 rnd[8];
	static int		 have;

	if (!have) {
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
			uint64_t t = (uint64_t)time(NULL) ^
			    ((uint64_t)getpid() << 32);

			memcpy(rnd, &t, sizeof(rnd));
		}
		have = 1;
	}
	(void)snprintf(out, size, "b%02x%02x%02x%02x%02x%02x%02x%02x-%lu",
	    rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7],
	    ++am_rw.batch_seq);
}

/* Done batch ids older than AM_RW_KEEP_DONE go, once an hour. */
static void
am_rw_prune(time_t now)
{
	struct am_err	 err;

	if (now < am_rw.next_prune || am_rw.st == NULL)
		return;
	am_rw.next_prune = now + AM_RW_PRUNE;
	am_err_clear(&err);
	if (am_report_store_journal_prune(am_rw.st, (int64_t)now -
	    AM_RW_KEEP_DONE, &err) != 0)
		am_log(&am_rw.log, AM_LOG_WARN, "report store %s: pruning "
		    "done batch ids: %s", am_rw.store_uri, err.msg);
}

/*
 * A batch goes to the store in one transaction that also marks its id
 * done; when the store is down, or the transaction failed, to the
 * journal.  When the COMMIT itself failed nobody knows whether the
 * store took it: the journal keeps the batch's id, and its replay
 * skips the batch if the id is marked done (never stored twice).
 */
static void
am_rw_write(struct am_report_record **b, size_t k)
{
	struct am_report_record	*flat;
	struct am_rw_iter	 it;
	struct am_err		 err;
	time_t			 now = time(NULL);
	char			 id[64];
	const char		*unknown = NULL;
	size_t			 i, n = 0;
	int			 rc;

	am_rw_batch_id(id, sizeof(id));
	if (am_rw_store(now) != NULL) {
		it.b = b;
		am_rw_fold(&it, k);	/* the journal takes b as it is */
		am_err_clear(&err);
		if ((rc = am_report_store_insert_stream(am_rw.st, am_rw_next,
		    &it, id, &n, &err)) == 0) {
			am_rw_add(&am_rw.stored, k);
			am_rw_prune(now);
			return;
		}
		if (rc == -2)
			unknown = id;
		am_log(&am_rw.log, AM_LOG_WARN, "report store %s: %s; records "
		    "go to %s%s", am_rw.store_uri, err.msg, am_rw.journal,
		    unknown != NULL ? " (the commit failed: if the store took "
		    "them after all, the journal's replay skips them)" : "");
		am_rw.down_logged = 1;
		am_rw_close(now);
	}
	flat = am_malloc(k * sizeof(*flat));
	for (i = 0; i < k; i++)
		memcpy(&flat[i], b[i], am_report_record_size(b[i]));
	am_err_clear(&err);
	if (am_report_journal_append(am_rw.journal, flat, k, unknown,
	    &err) == 0) {
		am_rw_add(&am_rw.spooled, k);
		am_rw.pending = 1;
	} else {
		am_rw_add(&am_rw.lost, k);
		am_log(&am_rw.log, AM_LOG_ERROR, "report journal %s: %s: %zu "
		    "report records lost", am_rw.journal, err.msg, k);
	}
	free(flat);
}

/* Between batches: a pending journal, the "queue full" line. */
static void
am_rw_idle(void)
{
	unsigned long	 d;
	time_t		 now = time(NULL);

	if (am_rw.pending)
		(void)am_rw_store(now);
	d = __atomic_load_n(&am_rw.push.dropped, __ATOMIC_RELAXED);
	if (d != am_rw.drop_logged && now - am_rw.drop_time >= AM_RW_DROPLOG) {
		am_log(&am_rw.log, AM_LOG_WARN, "report queue full: %lu "
		    "records dropped (%lu since start); ReportQueueSize is "
		    "%zu", d - am_rw.drop_logged, d, am_rw.cap);
		am_rw.drop_logged = d;
		am_rw.drop_time = now;
	}
}

/* A reload's new store or journal, taken with the queue empty. */
static void
am_rw_switch(void)
{
	if (am_rw.next_store != NULL) {
		am_report_store_close(&am_rw.st);
		free(am_rw.store_uri);
		am_rw.store_uri = am_rw.next_store;
		am_rw.next_store = NULL;
		am_rw.next_try = 0;
		am_rw.down_logged = 0;
	}
	if (am_rw.next_journal != NULL) {
		free(am_rw.journal);
		am_rw.journal = am_rw.next_journal;
		am_rw.next_journal = NULL;
		am_rw.pending = am_rw_exists(am_rw.journal);
	}
}

static void *
am_rw_thread(void *arg)
{
	struct am_report_record	*b[AM_RW_BATCH];
	struct timespec		 ts;
	size_t			 k, i;
	int			 quit;

	(void)arg;
	pthread_mutex_lock(&am_rw.lock);
	for (;;) {
		/* A full batch, or what the tick finds: one transaction per
		 * batch, not per message, and no wake-up per message. */
		if (am_rw.n < AM_RW_BATCH && !am_rw.stop && !am_rw.flush &&
		    am_rw.next_store == NULL && am_rw.next_journal == NULL) {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += AM_RW_TICK_MS * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			(void)pthread_cond_timedwait(&am_rw.wake, &am_rw.lock,
			    &ts);
		}
		for (k = 0; k < AM_RW_BATCH && am_rw.n > 0; k++) {
			b[k] = am_rw.q[am_rw.head];
			am_rw.head = (am_rw.head + 1) % am_rw.cap;
			am_rw.n--;
		}
		if (k == 0 && am_rw.n == 0) {
			am_rw_switch();
			am_rw.flush = 0;
		}
		quit = am_rw.stop && am_rw.n == 0;
		pthread_mutex_unlock(&am_rw.lock);
		if (k > 0)
			am_rw_write(b, k);
		for (i = 0; i < k; i++)
			free(b[i]);
		am_rw_idle();
		pthread_mutex_lock(&am_rw.lock);
		am_rw.seq_out += k;
		pthread_cond_broadcast(&am_rw.done);
		if (quit)
			break;
	}
	pthread_mutex_unlock(&am_rw.lock);
	return NULL;
}

/* ------------------------------------------------------------- control */

int
am_report_writer_start(const struct am_config *cfg, const struct am_log *log)
{
	am_rw.log = *log;
	am_rw.cap = cfg->report.queue_size;
	am_rw.q = am_calloc(am_rw.cap, sizeof(*am_rw.q));
	am_rw.head = am_rw.n = 0;
	am_rw.store_uri = am_strdup(cfg->report.store);
	am_rw.journal = am_strdup(cfg->report.journal);
	am_report_sender_node(cfg, am_rw.node, sizeof(am_rw.node));
	am_rw.pending = cfg->report.record && am_rw_exists(am_rw.journal);
	am_rw.stop = 0;
	am_rw.running = 1;
	if (pthread_create(&am_rw.th, NULL, am_rw_thread, NULL) != 0) {
		am_rw.running = 0;
		am_log(log, AM_LOG_ERROR, "cannot start the report writer: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* Waits until everything pushed so far is handled and no switch is
 * waiting. */
static void
am_rw_wait(void)
{
	unsigned long	 target = am_rw.seq_in;

	am_rw.flush = 1;
	pthread_cond_signal(&am_rw.wake);
	while (am_rw.seq_out < target || am_rw.next_store != NULL ||
	    am_rw.next_journal != NULL) {
		pthread_cond_signal(&am_rw.wake);
		pthread_cond_wait(&am_rw.done, &am_rw.lock);
	}
}

static char *
am_rw_changed(const char *now, const char *want)
{
	if (want == NULL || (now != NULL && strcmp(now, want) == 0))
		return NULL;
	return am_strdup(want);
}

void
am_report_writer_reload(void)
{
	struct am_config	*cfg;

	if ((cfg = am_snapshot_get()) == NULL)
		return;
	pthread_mutex_lock(&am_rw.lock);
	if (am_rw.running && !am_rw.stop) {
		/* store_uri and journal are only changed by the writer
		 * under the lock, in am_rw_switch. */
		free(am_rw.next_store);
		free(am_rw.next_journal);
		am_rw.next_store = am_rw_changed(am_rw.store_uri,
		    cfg->report.store);
		am_rw.next_journal = am_rw_changed(am_rw.journal,
		    cfg->report.journal);
		am_rw_wait();
	}
	pthread_mutex_unlock(&am_rw.lock);
	am_config_unref(&cfg);
}

void
am_report_writer_stop(void)
{
	struct am_report_writer_stats	 s;

	pthread_mutex_lock(&am_rw.lock);
	if (!am_rw.running) {
		pthread_mutex_unlock(&am_rw.lock);
		return;
	}
	am_rw.stop = 1;
	pthread_cond_signal(&am_rw.wake);
	pthread_mutex_unlock(&am_rw.lock);
	pthread_join(am_rw.th, NULL);
	am_report_store_close(&am_rw.st);
	am_report_writer_stats(&s);
	if (s.pushed > 0 || s.dropped > 0 || s.spooled > 0 || s.replayed > 0)
		am_log(&am_rw.log, s.dropped > 0 || s.lost > 0 ? AM_LOG_WARN :
		    AM_LOG_INFO, "report records: %lu queued, %lu stored, "
		    "%lu to the journal, %lu from the journal, %lu dropped "
		    "(queue full), %lu lost", s.pushed, s.stored, s.spooled,
		    s.replayed, s.dropped, s.lost);
	pthread_mutex_lock(&am_rw.lock);
	am_rw.running = 0;
	free(am_rw.q);
	am_rw.q = NULL;
	am_rw.cap = 0;
	free(am_rw.store_uri);
	free(am_rw.journal);
	free(am_rw.next_store);
	free(am_rw.next_journal);
	am_rw.store_uri = am_rw.journal = NULL;
	am_rw.next_store = am_rw.next_journal = NULL;
	pthread_mutex_unlock(&am_rw.lock);
}

void
am_report_writer_stats(struct am_report_writer_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->pushed = __atomic_load_n(&am_rw.push.pushed, __ATOMIC_RELAXED);
	s->dropped = __atomic_load_n(&am_rw.push.dropped, __ATOMIC_RELAXED);
	s->no_policy = __atomic_load_n(&am_rw.push.no_policy,
	    __ATOMIC_RELAXED);
	s->stored = __atomic_load_n(&am_rw.stored, __ATOMIC_RELAXED);
	s->spooled = __atomic_load_n(&am_rw.spooled, __ATOMIC_RELAXED);
	s->replayed = __atomic_load_n(&am_rw.replayed, __ATOMIC_RELAXED);
	s->lost = __atomic_load_n(&am_rw.lost, __ATOMIC_RELAXED);
	pthread_mutex_lock(&am_rw.lock);
	s->queued = am_rw.n;
	pthread_mutex_unlock(&am_rw.lock);
}
