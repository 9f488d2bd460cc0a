/*
 * syslog_sink - the daemon's am_log sink: syslog, or stderr in the
 * foreground
 *
 * Every line about a message arrives with the queue id as its prefix
 * (struct am_log.prefix), so this sink only chooses where it goes.
 */

#include <stdio.h>
#include <syslog.h>
#include <unistd.h>

#include "daemon.h"

void
am_logdest_init(struct am_logdest *d, const struct am_config *cfg,
    int foreground)
{
	d->to_stderr = foreground;
	d->to_syslog = cfg == NULL || cfg->syslog;
	d->facility = cfg != NULL ? cfg->syslog_facility : LOG_MAIL;
	d->debug = cfg != NULL && cfg->log_why;
}

void
am_syslog_open(void)
{
	openlog("authmilter", LOG_PID | LOG_NDELAY, LOG_MAIL);
}

static int
am_syslog_priority(enum am_log_level level)
{
	switch (level) {
	case AM_LOG_ERROR:
		return LOG_ERR;
	case AM_LOG_WARN:
		return LOG_WARNING;
	case AM_LOG_INFO:
		return LOG_INFO;
	case AM_LOG_DEBUG:
		return LOG_DEBUG;
	}
	return LOG_ERR;
}

void
am_syslog_fn(void *ctx, enum am_log_level level, const char *line)
{
	const struct am_logdest	*d = ctx;

	if (level == AM_LOG_DEBUG && !d->debug)
		return;
	if (d->to_syslog)
		syslog(d->facility | am_syslog_priority(level), "%s", line);
	if (d->to_stderr)
		(void)fprintf(stderr, "authmilter[%ld]: %s: %s\n",
		    (long)getpid(), am_log_level_name(level), line);
}
