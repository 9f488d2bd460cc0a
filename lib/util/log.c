/*
 * log - log sink interface
 */

#include <stdio.h>

#include "log.h"

void
am_log(const struct am_log *sink, enum am_log_level level, const char *fmt,
    ...)
{
	char	 line[1024];
	char	 msg[960];
	va_list	 ap;

	if (sink == NULL || sink->fn == NULL)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (sink->prefix != NULL)
		(void)snprintf(line, sizeof(line), "%s: %s", sink->prefix, msg);
	else
		(void)snprintf(line, sizeof(line), "%s", msg);
	sink->fn(sink->ctx, level, line);
}

const char *
am_log_level_name(enum am_log_level level)
{
	switch (level) {
	case AM_LOG_ERROR:
		return "error";
	case AM_LOG_WARN:
		return "warning";
	case AM_LOG_INFO:
		return "info";
	case AM_LOG_DEBUG:
		return "debug";
	}
	return "?";
}
