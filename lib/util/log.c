/*
 * log - log sink interface
 */

#include <stdio.h>
#include <string.h>

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

char *
am_log_escape(const char *line, char *out, size_t size)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 o = 0;
	unsigned char		 c;
	char			 e[5];
	size_t			 n;

	if (size == 0)
		return out;
	for (; (c = (unsigned char)*line) != '\0'; line++) {
		n = 0;
		if (c == '\n' || c == '\r' || c == '\t') {
			e[n++] = '\\';
			e[n++] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
		} else if (c < 0x20 || c == 0x7f) {
			e[n++] = '\\';
			e[n++] = 'x';
			e[n++] = hex[c >> 4];
			e[n++] = hex[c & 0xf];
		} else
			e[n++] = (char)c;
		if (o + n >= size)
			break;
		memcpy(out + o, e, n);
		o += n;
	}
	out[o] = '\0';
	return out;
}
