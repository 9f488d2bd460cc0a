/*
 * selfcheck - the daemon's self-audit (see selfcheck.h)
 */

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "daemon.h"
#include "engine_metrics.h"
#include "mem.h"
#include "selfcheck.h"
#include "signdomains.h"
#include "snapshot.h"

#define AM_SC_MAXKEYS	64
#define AM_SC_POLL_S	1	/* how often a new snapshot is looked for */

static struct {
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	int		 quit;
	int		 started;
	pthread_t	 th;
} am_sc = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0 };

/* The last complete audit's findings that are not PASS, counted by
 * check, severity and domain, for the metrics endpoint. */
struct am_sc_count {
	char		*check, *domain;
	enum am_audit_severity	 sev;
	unsigned	 n;
};
static struct {
	pthread_mutex_t		 lock;
	struct am_sc_count	*c;
	size_t			 n;
} am_sc_found = { PTHREAD_MUTEX_INITIALIZER, NULL, 0 };

static void
am_sc_found_free(struct am_sc_count *c, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(c[i].check);
		free(c[i].domain);
	}
	free(c);
}

/* Replaces the counts with a's. */
static void
am_sc_found_set(const struct am_audit *a)
{
	struct am_sc_count	*c = NULL, *old;
	size_t			 i, j, n = 0, oldn;

	for (i = 0; i < a->n; i++) {
		if (a->f[i].severity == AM_AUDIT_PASS)
			continue;
		for (j = 0; j < n; j++)
			if (c[j].sev == a->f[i].severity &&
			    strcmp(c[j].check, a->f[i].check) == 0 &&
			    strcmp(c[j].domain, a->f[i].domain) == 0)
				break;
		if (j == n) {
			c = am_realloc(c, (n + 1) * sizeof(*c));
			c[n].check = am_strdup(a->f[i].check);
			c[n].domain = am_strdup(a->f[i].domain);
			c[n].sev = a->f[i].severity;
			c[n++].n = 0;
		}
		c[j].n++;
	}
	pthread_mutex_lock(&am_sc_found.lock);
	old = am_sc_found.c;
	oldn = am_sc_found.n;
	am_sc_found.c = c;
	am_sc_found.n = n;
	pthread_mutex_unlock(&am_sc_found.lock);
	am_sc_found_free(old, oldn);
}

void
am_selfcheck_metrics(struct am_buf *out)
{
	size_t	 i;

	(void)am_buf_appends(out, "# HELP authmilter_selfcheck_findings "
	    "Findings of the last self-check that are not PASS, by check, "
	    "severity and domain.\n# TYPE authmilter_selfcheck_findings "
	    "gauge\n");
	pthread_mutex_lock(&am_sc_found.lock);
	for (i = 0; i < am_sc_found.n; i++) {
		(void)am_buf_appends(out, "authmilter_selfcheck_findings{"
		    "check=\"");
		am_engine_metrics_label(out, am_sc_found.c[i].check);
		(void)am_buf_printf(out, "\",severity=\"%s\",domain=\"",
		    am_sc_found.c[i].sev == AM_AUDIT_FAIL ? "FAIL" : "WARN");
		am_engine_metrics_label(out, am_sc_found.c[i].domain);
		(void)am_buf_printf(out, "\"} %u\n", am_sc_found.c[i].n);
	}
	pthread_mutex_unlock(&am_sc_found.lock);
}

/* The finding lines logged for the snapshot being watched. */
struct am_sc_seen {
	char	**line;
	size_t	 n;
};

static int
am_sc_quitting(void)
{
	int	 q;

	pthread_mutex_lock(&am_sc.lock);
	q = am_sc.quit;
	pthread_mutex_unlock(&am_sc.lock);
	return q;
}

static void
am_sc_seen_clear(struct am_sc_seen *s)
{
	size_t	 i;

	for (i = 0; i < s->n; i++)
		free(s->line[i]);
	free(s->line);
	s->line = NULL;
	s->n = 0;
}

/* Records line; 1 if it was new. */
static int
am_sc_seen_add(struct am_sc_seen *s, const char *line, size_t len)
{
	size_t	 i;

	for (i = 0; i < s->n; i++)
		if (strlen(s->line[i]) == len &&
		    memcmp(s->line[i], line, len) == 0)
			return 0;
	s->line = am_realloc(s->line, (s->n + 1) * sizeof(*s->line));
	s->line[s->n] = am_malloc(len + 1);
	memcpy(s->line[s->n], line, len);
	s->line[s->n++][len] = '\0';
	return 1;
}

/* One domain's DNS checks, with the snapshot's keys for it. */
static void
am_sc_domain(const struct am_config *cfg, const char *domain,
    struct am_audit *a)
{
	const struct am_key	*k[AM_SC_MAXKEYS];
	struct am_audit_key	 keys[AM_SC_MAXKEYS];
	struct am_audit_input	 in;
	size_t			 i, n;

	n = am_signdomains_keys(cfg, domain, k, AM_SC_MAXKEYS);
	for (i = 0; i < n; i++) {
		keys[i].selector = k[i]->selector;
		keys[i].pkey = k[i]->pkey;
	}
	memset(&in, 0, sizeof(in));
	in.domain = domain;
	in.keys = keys;
	in.nkeys = n;
	in.canon_known = 1;
	in.hcanon = cfg->dkim.hcanon;
	in.bcanon = cfg->dkim.bcanon;
	am_audit_domain(cfg->dns.resolver, &in, a);
}

/* Logs the findings of a not yet logged; the text renderer gives one
 * line per finding, in order, escaped. */
static size_t
am_sc_log(const struct am_log *log, const struct am_audit *a,
    struct am_sc_seen *seen)
{
	struct am_buf	 text;
	const char	*p, *nl;
	size_t		 len, i, fresh = 0;

	am_buf_init(&text, 16 * 1024 * 1024);
	am_audit_format_text(a, &text);
	p = am_buf_str(&text);
	for (i = 0; i < a->n && *p != '\0'; i++, p = nl + (*nl != '\0')) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		len = (size_t)(nl - p);
		if (a->f[i].severity == AM_AUDIT_PASS ||
		    !am_sc_seen_add(seen, p, len))
			continue;
		fresh++;
		/* The loudest: every message signed with the key fails. */
		am_log(log, a->f[i].severity == AM_AUDIT_FAIL ? AM_LOG_ERROR :
		    AM_LOG_WARN, "%s%.*s", a->f[i].severity == AM_AUDIT_FAIL &&
		    strcmp(a->f[i].check, "dkim.match") == 0 ? "SIGNING KEY "
		    "DOES NOT MATCH ITS DNS RECORD, every signature made with "
		    "it fails: " : "", (int)len, p);
	}
	am_buf_release(&text);
	return fresh;
}

/* One self-audit of cfg. */
static void
am_sc_run(const struct am_config *cfg, struct am_sc_seen *seen)
{
	struct am_logdest	 dest;
	struct am_log		 log;
	struct am_audit		 a;
	char			**domains = NULL;
	size_t			 n = 0, i, fresh;

	am_logdest_init(&dest, cfg, am_snapshot_foreground());
	log.fn = am_syslog_fn;
	log.ctx = &dest;
	log.prefix = "self-check";
	am_signdomains(cfg, &domains, &n);
	if (n == 0) {
		am_log(&log, AM_LOG_INFO, "no signing domain: nothing to "
		    "check");
		return;
	}
	am_audit_init(&a);
	for (i = 0; i < n && !am_sc_quitting(); i++)
		am_sc_domain(cfg, domains[i], &a);
	if (i == n) {
		fresh = am_sc_log(&log, &a, seen);
		am_sc_found_set(&a);
		am_log(&log, AM_LOG_INFO, "%zu domain(s): %zu PASS, %zu WARN, "
		    "%zu FAIL (%zu not logged before)", n,
		    am_audit_count(&a, AM_AUDIT_PASS),
		    am_audit_count(&a, AM_AUDIT_WARN),
		    am_audit_count(&a, AM_AUDIT_FAIL), fresh);
	}
	am_audit_release(&a);
	am_signdomains_free(&domains, &n);
}

static void *
am_sc_thread(void *arg)
{
	struct am_config	*last = NULL, *cur;
	struct am_sc_seen	 seen = { NULL, 0 };
	struct timespec		 ts;
	time_t			 next = 0;

	(void)arg;
	while (!am_sc_quitting()) {
		cur = am_snapshot_get();
		if (cur != NULL && cur != last) {
			/* A new snapshot (start-up or reload): check now,
			 * and log everything again. */
			am_config_unref(&last);
			last = cur;
			am_sc_seen_clear(&seen);
			next = 0;
		} else
			am_config_unref(&cur);
		if (last != NULL && last->daemon.selfcheck && next != -1 &&
		    time(NULL) >= next) {
			am_sc_run(last, &seen);
			next = last->daemon.selfcheck_interval > 0 ? time(NULL) +
			    (time_t)last->daemon.selfcheck_interval * 3600 : -1;
		}
		pthread_mutex_lock(&am_sc.lock);
		if (!am_sc.quit) {
			(void)clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += AM_SC_POLL_S;
			(void)pthread_cond_timedwait(&am_sc.cond, &am_sc.lock,
			    &ts);
		}
		pthread_mutex_unlock(&am_sc.lock);
	}
	am_config_unref(&last);
	am_sc_seen_clear(&seen);
	return NULL;
}

void
am_selfcheck_start(void)
{
	struct am_config	*cfg;
	struct am_logdest	 dest;
	struct am_log		 log;

	if (am_sc.started)
		return;
	if (pthread_create(&am_sc.th, NULL, am_sc_thread, NULL) == 0) {
		am_sc.started = 1;
		return;
	}
	if ((cfg = am_snapshot_get()) == NULL)
		return;
	am_logdest_init(&dest, cfg, am_snapshot_foreground());
	log.fn = am_syslog_fn;
	log.ctx = &dest;
	log.prefix = "self-check";
	am_log(&log, AM_LOG_ERROR, "cannot start its thread: not run");
	am_config_unref(&cfg);
}

void
am_selfcheck_stop(void)
{
	int	 i;

	if (!am_sc.started)
		return;
	pthread_mutex_lock(&am_sc.lock);
	am_sc.quit = 1;
	pthread_cond_signal(&am_sc.cond);
	pthread_mutex_unlock(&am_sc.lock);
	for (i = 0; i < 20; i++) {
		if (pthread_tryjoin_np(am_sc.th, NULL) == 0) {
			am_sc.started = 0;
			return;
		}
		(void)nanosleep(&(struct timespec){ 0, 100 * 1000 * 1000 },
		    NULL);
	}
	(void)pthread_detach(am_sc.th);	/* in slow DNS: left behind */
	am_sc.started = 0;
}
