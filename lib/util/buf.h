#ifndef AM_BUF_H
#define AM_BUF_H

/*
 * buf - bounded, binary-safe byte buffer with a sticky error
 *
 * The data is always NUL-terminated (not counted in len).  Every buffer
 * has a hard maximum; an append that would pass it fails, leaves the
 * contents alone and sets the sticky err, so a run of appends can be
 * checked once at the end.
 */

#include <stdarg.h>
#include <stddef.h>

struct am_buf {
	unsigned char	*data;		/* len bytes + NUL, or NULL if empty */
	size_t		 len;		/* bytes in use */
	size_t		 cap;		/* bytes allocated, excluding NUL */
	size_t		 max;		/* hard limit on len */
	int		 err;		/* sticky: an append failed */
};

void	am_buf_init(struct am_buf *, size_t max);
int	am_buf_append(struct am_buf *, const void *, size_t);
int	am_buf_appendc(struct am_buf *, int);
int	am_buf_appends(struct am_buf *, const char *);
int	am_buf_printf(struct am_buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	am_buf_vprintf(struct am_buf *, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));
/* Empties the buffer and clears err; keeps the allocation. */
void	am_buf_reset(struct am_buf *);
/* Drops the last n bytes (n <= len). */
void	am_buf_truncate(struct am_buf *, size_t newlen);
/* Never NULL: "" for an empty buffer. The result is volatile. */
const char *am_buf_str(const struct am_buf *);
/* Frees the contents, not the struct; the buffer may be reused after init. */
void	am_buf_release(struct am_buf *);

#endif /* AM_BUF_H */
