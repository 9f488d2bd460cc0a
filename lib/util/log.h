#ifndef AM_LOG_H
#define AM_LOG_H

/*
 * log - log sink interface
 *
 * lib/ never writes to syslog or stderr itself: it hands lines to a
 * sink the caller installs (syslog in the milter, stderr in the tool,
 * a capturing buffer in tests).  A NULL sink discards.
 */

#include <stdarg.h>

enum am_log_level {
	AM_LOG_ERROR,		/* our own failure */
	AM_LOG_WARN,		/* bad peer data, weak keys */
	AM_LOG_INFO,		/* verdicts */
	AM_LOG_DEBUG
};

typedef void am_log_fn(void *ctx, enum am_log_level, const char *line);

struct am_log {
	am_log_fn	*fn;
	void		*ctx;
	const char	*prefix;	/* e.g. the queue id; may be NULL */
};

void	am_log(const struct am_log *, enum am_log_level, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
const char *am_log_level_name(enum am_log_level);

#endif /* AM_LOG_H */
