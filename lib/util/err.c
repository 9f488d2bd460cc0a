/*
 * err - error records
 */

#include <stdarg.h>
#include <stdio.h>

#include "err.h"

int
am_err_set(struct am_err *err, enum am_err_code code, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL)
		return -1;
	err->code = code;
	va_start(ap, fmt);
	(void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

void
am_err_clear(struct am_err *err)
{
	if (err == NULL)
		return;
	err->code = AM_E_NONE;
	err->msg[0] = '\0';
}
