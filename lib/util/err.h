#ifndef AM_ERR_H
#define AM_ERR_H

/*
 * err - error records for calls that can fail
 *
 * A call that can fail returns int (0 ok, -1 failed) and fills an
 * optional struct am_err.  Authentication verdicts are never errors:
 * they are data in result structs.
 */

#include <stddef.h>

enum am_err_code {
	AM_E_NONE = 0,
	AM_E_SYNTAX,		/* input does not parse */
	AM_E_LIMIT,		/* input exceeds a hard limit */
	AM_E_NOMEM,
	AM_E_IO,		/* file or socket */
	AM_E_CRYPTO,		/* OpenSSL failed or key unusable */
	AM_E_DNS,		/* resolver setup failed */
	AM_E_USAGE,		/* caller passed something meaningless */
	AM_E_UNSUPPORTED	/* valid but not implemented by us */
};

struct am_err {
	enum am_err_code	 code;
	char			 msg[160];
};

/* Sets err (which may be NULL) and returns -1. */
int	am_err_set(struct am_err *, enum am_err_code, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	am_err_clear(struct am_err *);

#endif /* AM_ERR_H */
