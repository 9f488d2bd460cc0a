#ifndef AM_DAEMON_H
#define AM_DAEMON_H

/*
 * daemon - what the daemon's modules share: where log lines go, and
 * the exit codes of authmilter(8)
 */

#include "config.h"
#include "log.h"

/* Exit codes (sysexits.h values, documented in authmilter.8). */
#define AM_EXIT_OK		0
#define AM_EXIT_USAGE		64	/* EX_USAGE */
#define AM_EXIT_SOFTWARE	70	/* EX_SOFTWARE: libmilter failed */
#define AM_EXIT_OSERR		71	/* EX_OSERR: socket, fork, setuid */
#define AM_EXIT_CONFIG		78	/* EX_CONFIG */

/*
 * Where log lines go: syslog with the configured facility, LogFile,
 * and stderr in the foreground.  One is filled per message from that message's
 * snapshot, so a reload that changes SyslogFacility needs no lock.
 */
struct am_logdest {
	int	 to_stderr;
	int	 to_syslog;
	int	 facility;	/* LOG_MAIL etc. */
	int	 debug;		/* LogWhy: pass debug lines too */
	int	 fd;		/* LogFile's descriptor, or -1 */
};

void	am_logdest_init(struct am_logdest *, const struct am_config *,
	    int foreground);
/* The am_log_fn; ctx is a struct am_logdest. */
void	am_syslog_fn(void *ctx, enum am_log_level, const char *line);
void	am_syslog_open(void);
/* LogFile (a path or "stderr"), opened once at start; NULL: none.
 * -1 with errno set. */
int	am_logfile_open(const char *spec);

/* PACKAGE_VERSION, and the compiled-in features for -V (main.c). */
const char *am_daemon_version(void);

#endif /* AM_DAEMON_H */
