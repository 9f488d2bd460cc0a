/*
 * keywatch - the daemon's key watch (see keywatch.h)
 */

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "keyrotate.h"
#include "keystate.h"
#include "keywatch.h"
#include "mem.h"
#include "snapshot.h"

#define AM_KW_POLL_S	1	/* how often quit and the clock are looked at */
#define AM_KW_SEEN_MAX	256	/* lines remembered as logged */

static struct {
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	int		 quit;
	int		 started;
	pthread_t	 th;
	void		(*reload)(void *);
	void		*arg;
} am_kw = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0,
    NULL, NULL };

/* The lines logged so far: each step is logged once. */
static struct {
	char	*line[AM_KW_SEEN_MAX];
	size_t	 n;
} am_kw_seen;

static int
am_kw_quitting(void)
{
	int	 q;

	pthread_mutex_lock(&am_kw.lock);
	q = am_kw.quit;
	pthread_mutex_unlock(&am_kw.lock);
	return q;
}

static void
am_kw_seen_clear(void)
{
	size_t	 i;

	for (i = 0; i < am_kw_seen.n; i++)
		free(am_kw_seen.line[i]);
	am_kw_seen.n = 0;
}

/* Logs line once (until the memory is full and starts over). */
static void
am_kw_once(const struct am_log *log, enum am_log_level level,
    const char *line)
{
	size_t	 i;

	for (i = 0; i < am_kw_seen.n; i++)
		if (strcmp(am_kw_seen.line[i], line) == 0)
			return;
	if (am_kw_seen.n == AM_KW_SEEN_MAX)
		am_kw_seen_clear();
	am_kw_seen.line[am_kw_seen.n++] = am_strdup(line);
	am_log(log, level, "%s", line);
}

static void
am_kw_when(uint64_t t, char *buf, size_t size)
{
	time_t	 tt = (time_t)t;

	(void)strftime(buf, size, "%Y-%m-%d %H:%M UTC", gmtime(&tt));
}

/* One pending key: promoted (1) when seen at every server. */
static int
am_kw_pending(const struct am_config *cfg, const struct am_log *log,
    const char *keytable, struct am_keystate_file *st,
    const struct am_keystate_entry *e)
{
	struct am_keyrotate_seen	 seen;
	struct am_keyrotate_done	 done;
	struct am_err			 err;
	char				 line[1024], sel[64], dom[256];
	char				 alg[16], list[512];
	size_t				 i, off = 0;

	if (!am_keyrotate_check(cfg->dns.resolver, am_snapshot_zone_dns(), e,
	    cfg->daemon.keywatch_port, cfg->dns.timeout * 1000, &seen)) {
		(void)snprintf(line, sizeof(line), "%s._domainkey.%s (%s) "
		    "pending: waiting for its record at %s", e->selector,
		    e->domain, e->alg, seen.why);
		am_kw_once(log, AM_LOG_INFO, line);
		return 0;
	}
	list[0] = '\0';
	for (i = 0; i < seen.n && off < sizeof(list); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off,
		    "%s%s %s", i ? ", " : "", seen.srv[i].name,
		    seen.srv[i].addr);
	/* e points into st, which activation changes: copy first. */
	(void)snprintf(sel, sizeof(sel), "%s", e->selector);
	(void)snprintf(dom, sizeof(dom), "%s", e->domain);
	(void)snprintf(alg, sizeof(alg), "%s", e->alg);
	am_err_clear(&err);
	if (am_keyrotate_activate(keytable, st, dom, alg, (uint64_t)time(NULL),
	    &done, &err) == -1) {
		(void)snprintf(line, sizeof(line), "%s._domainkey.%s (%s): "
		    "seen at every authoritative server but not promoted: "
		    "%s (authmilter-tool keys retire -t %s -d %s -a %s does "
		    "it by hand)", sel, dom, alg, err.msg, keytable, dom, alg);
		am_kw_once(log, AM_LOG_ERROR, line);
		return 0;
	}
	am_log(log, AM_LOG_INFO, "%s._domainkey.%s (%s): record seen at "
	    "every authoritative server of %s (%s): active now%s%s%s; "
	    "reloading", sel, dom, alg, seen.apex[0] ? seen.apex : dom, list,
	    done.old_selector[0] ? ", " : "", done.old_selector,
	    done.old_selector[0] ? " retiring" : "");
	return 1;
}

/* A retiring key past KeyRetireDays: told once. */
static void
am_kw_retiring(const struct am_config *cfg, const struct am_log *log,
    const char *keytable, const struct am_keystate_entry *e)
{
	uint64_t	 end = e->since +
			    (uint64_t)cfg->daemon.key_retire_days * 86400;
	char		 line[1024], when[40];

	if ((uint64_t)time(NULL) < end)
		return;
	am_kw_when(e->since, when, sizeof(when));
	(void)snprintf(line, sizeof(line), "revoke now: publish %s._domainkey."
	    "%s TXT \"v=DKIM1; p=\" (retiring since %s, KeyRetireDays %u), "
	    "then: authmilter-tool keys revoke -t %s -d %s -a %s -s %s",
	    e->selector, e->domain, when, cfg->daemon.key_retire_days,
	    keytable, e->domain, e->alg, e->selector);
	am_kw_once(log, AM_LOG_WARN, line);
}

/* One pass over the state file; 1 when a key was promoted. */
static int
am_kw_run(const struct am_config *cfg, const struct am_log *log)
{
	struct am_keystate_file	 st;
	struct am_err		 err;
	char			 path[2048], line[2200];
	const char		*kt;
	size_t			 i;
	int			 changed = 0, lock = -1;

	if (am_keyrotate_state_path(cfg->dkim.keytable, path,
	    sizeof(path)) == -1 || path[0] != '/')
		return 0;
	kt = strncmp(cfg->dkim.keytable, "file:", 5) == 0 ?
	    cfg->dkim.keytable + 5 : cfg->dkim.keytable;
	am_err_clear(&err);
	/* Never waits: an operator's authmilter-tool keys holds it, and
	 * the next pass looks again. */
	switch (am_keystate_lock(path, 0, &lock, &err)) {
	case 0:
		break;
	case 1:
		am_log(log, AM_LOG_INFO, "%s is being changed "
		    "(authmilter-tool keys): looking again next pass", path);
		return 0;
	default:
		(void)snprintf(line, sizeof(line), "%s", err.msg);
		am_kw_once(log, AM_LOG_ERROR, line);
		return 0;
	}
	if (am_keystate_load(path, &st, &err) == -1) {
		am_keystate_unlock(&lock);
		(void)snprintf(line, sizeof(line), "%s", err.msg);
		am_kw_once(log, AM_LOG_ERROR, line);
		return 0;
	}
	for (i = 0; i < st.n && !am_kw_quitting(); i++) {
		if (st.e[i].state == AM_KEYSTATE_PENDING)
			changed |= am_kw_pending(cfg, log, kt, &st, &st.e[i]);
		else if (st.e[i].state == AM_KEYSTATE_RETIRING)
			am_kw_retiring(cfg, log, kt, &st.e[i]);
	}
	if (changed && am_keystate_save(path, &st, &err) == -1) {
		(void)snprintf(line, sizeof(line), "%s", err.msg);
		am_kw_once(log, AM_LOG_ERROR, line);
	}
	am_keystate_unlock(&lock);
	am_keystate_release(&st);
	return changed;
}

static void *
am_kw_thread(void *arg)
{
	struct am_config	*cfg;
	struct am_logdest	 dest;
	struct am_log		 log;
	struct timespec		 ts;
	time_t			 next = 0;

	(void)arg;
	while (!am_kw_quitting()) {
		cfg = am_snapshot_get();
		if (cfg != NULL && cfg->daemon.keywatch && time(NULL) >= next) {
			am_logdest_init(&dest, cfg, am_snapshot_foreground());
			log.fn = am_syslog_fn;
			log.ctx = &dest;
			log.prefix = "key-watch";
			if (am_kw_run(cfg, &log)) {
				pthread_mutex_lock(&am_kw.lock);
				if (am_kw.reload != NULL && !am_kw.quit)
					am_kw.reload(am_kw.arg);
				pthread_mutex_unlock(&am_kw.lock);
			}
			next = time(NULL) + (time_t)cfg->daemon.keywatch_interval;
		}
		am_config_unref(&cfg);
		pthread_mutex_lock(&am_kw.lock);
		if (!am_kw.quit) {
			(void)clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += AM_KW_POLL_S;
			(void)pthread_cond_timedwait(&am_kw.cond, &am_kw.lock,
			    &ts);
		}
		pthread_mutex_unlock(&am_kw.lock);
	}
	am_kw_seen_clear();
	return NULL;
}

void
am_keywatch_start(void (*reload)(void *), void *arg)
{
	if (am_kw.started)
		return;
	am_kw.reload = reload;
	am_kw.arg = arg;
	if (pthread_create(&am_kw.th, NULL, am_kw_thread, NULL) == 0)
		am_kw.started = 1;
}

void
am_keywatch_stop(void)
{
	int	 i;

	if (!am_kw.started)
		return;
	pthread_mutex_lock(&am_kw.lock);
	am_kw.quit = 1;
	am_kw.reload = NULL;	/* a thread left behind never pokes it */
	pthread_cond_signal(&am_kw.cond);
	pthread_mutex_unlock(&am_kw.lock);
	for (i = 0; i < 20; i++) {
		if (pthread_tryjoin_np(am_kw.th, NULL) == 0) {
			am_kw.started = 0;
			return;
		}
		(void)nanosleep(&(struct timespec){ 0, 100 * 1000 * 1000 },
		    NULL);
	}
	(void)pthread_detach(am_kw.th);	/* in slow DNS: left behind */
	am_kw.started = 0;
}
