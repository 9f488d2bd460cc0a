/*
 * snapshot - the one global: the configuration snapshot in force
 */

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns.h"
#include "mem.h"
#include "metrics.h"
#include "snapshot.h"

/*
 * The only mutable global of the daemon.  params is written once by
 * am_snapshot_init() before any thread starts and read-only after.
 */
static struct {
	pthread_mutex_t			 lock;
	pthread_cond_t			 idle;
	struct am_config		*cfg;		/* under lock */
	unsigned			 inflight;	/* under lock */
	int				 closed;	/* under lock */
	pthread_mutex_t			 reload;	/* one reload at a time */
	struct am_snapshot_params	 params;
	char				*path, *socket, *pidfile, *userid;
	char				*test_dns;
} am_snap = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.idle = PTHREAD_COND_INITIALIZER,
	.reload = PTHREAD_MUTEX_INITIALIZER,
};

/* Replaces the snapshot's resolver with zone files (test hook). */

static int
am_snapshot_test_dns(struct am_config *cfg, const char *files,
    const struct am_log *log, struct am_err *err)
{
	struct am_dns	*dns = am_dns_zone_new();
	char		*list = am_strdup(files), *f, *save = NULL;

	for (f = strtok_r(list, ":", &save); f != NULL;
	    f = strtok_r(NULL, ":", &save))
		if (am_dns_zone_load(dns, f, err) == -1) {
			am_log(log, AM_LOG_ERROR, "%s: %s", f, err->msg);
			am_dns_free(&dns);
			free(list);
			return -1;
		}
	free(list);
	am_dns_free(&cfg->dns.resolver);
	cfg->dns.resolver = dns;
	am_log(log, AM_LOG_WARN, "test hook: DNS answers come from %s", files);
	return 0;
}

struct am_config *
am_snapshot_load(const struct am_snapshot_params *p, const struct am_log *log,
    struct am_err *err)
{
	struct am_config	*cfg;

	if ((cfg = am_config_load(p->path, &p->overrides, log, err)) == NULL)
		return NULL;
	if (p->test_dns != NULL && p->test_dns[0] != '\0' &&
	    am_snapshot_test_dns(cfg, p->test_dns, log, err) == -1) {
		am_config_unref(&cfg);
		return NULL;
	}
	if (p->test_now != 0)
		cfg->dkim.verify.now = p->test_now;
	am_metrics_config_loaded(cfg);
	return cfg;
}

static char *
am_dup_or_null(const char *s)
{
	return s != NULL ? am_strdup(s) : NULL;
}

void
am_snapshot_init(const struct am_snapshot_params *p, struct am_config *cfg)
{
	am_snap.path = am_dup_or_null(p->path);
	am_snap.socket = am_dup_or_null(p->overrides.socket);
	am_snap.pidfile = am_dup_or_null(p->overrides.pidfile);
	am_snap.userid = am_dup_or_null(p->overrides.userid);
	am_snap.test_dns = am_dup_or_null(p->test_dns);
	am_snap.params = *p;
	am_snap.params.path = am_snap.path;
	am_snap.params.overrides.socket = am_snap.socket;
	am_snap.params.overrides.pidfile = am_snap.pidfile;
	am_snap.params.overrides.userid = am_snap.userid;
	am_snap.params.test_dns = am_snap.test_dns;
	am_snap.cfg = cfg;
}

struct am_config *
am_snapshot_get(void)
{
	struct am_config	*cfg;

	pthread_mutex_lock(&am_snap.lock);
	cfg = am_snap.closed ? NULL : am_snap.cfg;
	if (cfg != NULL)
		am_config_ref(cfg);
	pthread_mutex_unlock(&am_snap.lock);
	return cfg;
}

void
am_snapshot_close(void)
{
	pthread_mutex_lock(&am_snap.lock);
	am_snap.closed = 1;
	pthread_mutex_unlock(&am_snap.lock);
}

int
am_snapshot_reload(const struct am_log *log)
{
	struct am_config	*cfg, *old;
	struct am_err		 err;

	am_err_clear(&err);
	pthread_mutex_lock(&am_snap.reload);
	am_log(log, AM_LOG_INFO, "reloading %s", am_snap.params.path);
	cfg = am_snapshot_load(&am_snap.params, log, &err);
	if (cfg == NULL) {
		pthread_mutex_unlock(&am_snap.reload);
		am_log(log, AM_LOG_ERROR, "reload failed, keeping the running "
		    "configuration: %s", err.msg);
		am_metrics_reload(0);
		return -1;
	}
	pthread_mutex_lock(&am_snap.lock);
	old = am_snap.cfg;
	am_snap.cfg = cfg;
	pthread_mutex_unlock(&am_snap.lock);
	pthread_mutex_unlock(&am_snap.reload);
	if (old != NULL)
		am_config_unref(&old);	/* messages in flight keep theirs */
	am_log(log, AM_LOG_INFO, "reloaded %s", am_snap.params.path);
	am_metrics_reload(1);
	return 0;
}

int
am_snapshot_foreground(void)
{
	return am_snap.params.foreground;
}

int
am_snapshot_zone_dns(void)
{
	return am_snap.test_dns != NULL && am_snap.test_dns[0] != '\0';
}

void
am_snapshot_enter(void)
{
	pthread_mutex_lock(&am_snap.lock);
	am_snap.inflight++;
	pthread_mutex_unlock(&am_snap.lock);
}

void
am_snapshot_leave(void)
{
	pthread_mutex_lock(&am_snap.lock);
	if (am_snap.inflight > 0 && --am_snap.inflight == 0)
		pthread_cond_broadcast(&am_snap.idle);
	pthread_mutex_unlock(&am_snap.lock);
}

unsigned
am_snapshot_drain(unsigned seconds)
{
	struct timespec	 until;
	unsigned	 left;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += seconds;
	pthread_mutex_lock(&am_snap.lock);
	while (am_snap.inflight > 0 &&
	    pthread_cond_timedwait(&am_snap.idle, &am_snap.lock, &until) !=
	    ETIMEDOUT)
		;
	left = am_snap.inflight;
	pthread_mutex_unlock(&am_snap.lock);
	return left;
}

void
am_snapshot_shutdown(void)
{
	struct am_config	*cfg;

	pthread_mutex_lock(&am_snap.lock);
	cfg = am_snap.cfg;
	am_snap.cfg = NULL;
	pthread_mutex_unlock(&am_snap.lock);
	if (cfg != NULL)
		am_config_unref(&cfg);
	free(am_snap.path);
	free(am_snap.socket);
	free(am_snap.pidfile);
	free(am_snap.userid);
	free(am_snap.test_dns);
	am_snap.path = am_snap.socket = am_snap.pidfile = NULL;
	am_snap.userid = am_snap.test_dns = NULL;
}
