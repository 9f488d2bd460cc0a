/*
 * syslog_sink - the daemon's am_log sink: syslog, a log file (LogFile),
 * or stderr in the foreground
 *
 * Every line about a message arrives with the queue id as its prefix
 * (struct am_log.prefix), so this sink only chooses where it goes, and
 * escapes control characters (am_log_escape) so that a value from the
 * MTA or the message never writes a line of its own.
 *
 * The log file is opened once, at start, before privileges are dropped
 * (am_logfile_open), and kept open; the descriptor is written with one
 * write(2) per line (O_APPEND), so lines from several threads never mix.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "mem.h"

static int	 am_logfd = -1;		/* LogFile, once opened */

void
am_logdest_init(struct am_logdest *d, const struct am_config *cfg,
    int foreground)
{
	d->to_stderr = foreground;
	d->to_syslog = cfg == NULL || cfg->daemon.syslog;
	d->facility = cfg != NULL ? cfg->daemon.syslog_facility : LOG_MAIL;
	d->debug = cfg != NULL && cfg->daemon.log_why;
	d->fd = am_logfd;
	if (d->fd != -1 && foreground && cfg != NULL && cfg->daemon.logfile != NULL &&
	    strcmp(cfg->daemon.logfile, "stderr") == 0)
		d->to_stderr = 0;	/* once is enough */
}

static void	am_logfile_write(int, enum am_log_level, const char *);

/* Out of memory: syslog (its buffer is on the stack) and LogFile, never
 * a standard error that a daemon has closed; nothing here allocates. */
static void
am_syslog_oom(size_t n)
{
	char	 line[96];

	(void)snprintf(line, sizeof(line), "out of memory allocating %zu "
	    "bytes: stopping", n);
	syslog(LOG_MAIL | LOG_CRIT, "%s", line);
	if (am_logfd != -1)
		am_logfile_write(am_logfd, AM_LOG_ERROR, line);
}

void
am_syslog_open(void)
{
	openlog("authmilter", LOG_PID | LOG_NDELAY, LOG_MAIL);
	am_mem_set_oom_log(am_syslog_oom);
}

/*
 * am_logfile_open - LogFile: "stderr" (a copy of standard error, kept
 * when the daemon detaches) or a path, appended to.  The path is never
 * followed through a symbolic link, and must be a regular file with one
 * link, so that root never writes through a name the daemon's user
 * planted.  Returns -1 with errno set.
 */

int
am_logfile_open(const char *spec)
{
	struct stat	 st;
	int		 fd;

	if (spec == NULL)
		return 0;
	if (strcmp(spec, "stderr") == 0)
		fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	else {
		fd = open(spec, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
		    O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0640);
		if (fd != -1 && (fstat(fd, &st) == -1 ||
		    !S_ISREG(st.st_mode) || st.st_nlink != 1)) {
			(void)close(fd);
			errno = EPERM;
			return -1;
		}
	}
	if (fd == -1)
		return -1;
	am_logfd = fd;
	return 0;
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

static void
am_logfile_write(int fd, enum am_log_level level, const char *line)
{
	char		 out[1200], stamp[32];
	struct tm	 tm;
	time_t		 now = time(NULL);
	int		 n;

	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		(void)snprintf(stamp, sizeof(stamp), "-");
	n = snprintf(out, sizeof(out), "%s authmilter[%ld]: %s: %s\n", stamp,
	    (long)getpid(), am_log_level_name(level), line);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(out)) {
		n = sizeof(out) - 1;
		out[n - 1] = '\n';
	}
	(void)!write(fd, out, (size_t)n);
}

void
am_syslog_fn(void *ctx, enum am_log_level level, const char *line)
{
	const struct am_logdest	*d = ctx;
	char			 safe[1100];

	if (level == AM_LOG_DEBUG && !d->debug)
		return;
	(void)am_log_escape(line, safe, sizeof(safe));
	if (d->to_syslog)
		syslog(d->facility | am_syslog_priority(level), "%s", safe);
	if (d->fd != -1)
		am_logfile_write(d->fd, level, safe);
	if (d->to_stderr)
		(void)fprintf(stderr, "authmilter[%ld]: %s: %s\n",
		    (long)getpid(), am_log_level_name(level), safe);
}
