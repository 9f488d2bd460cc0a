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
#include <stddef.h>

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

/*
 * am_log_escape - line, made safe for a log file or syslog: every
 * control character (0x00-0x1f, 0x7f) becomes "\\n", "\\r", "\\t" or
 * "\\xHH", so that a value from the peer (a queue id, a client name, an
 * address, a header) can never start a forged line.  Other octets
 * (UTF-8 included) are kept.  Always NUL-terminates out; a line that
 * does not fit is cut at a whole escape.  Returns out.
 */
char	*am_log_escape(const char *line, char *out, size_t size);

#endif /* AM_LOG_H */
