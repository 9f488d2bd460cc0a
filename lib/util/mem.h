#ifndef AM_MEM_H
#define AM_MEM_H

/*
 * mem - allocation with one out-of-memory policy
 *
 * Every allocation in lib/ goes through these.  On failure they call
 * the process-wide out-of-memory handler, which says so and aborts: the
 * milter's MTA covers the gap with milter_default_action.  They never
 * return NULL.  By default the message goes to standard error; a
 * daemon, whose standard error is closed, sets where it goes with
 * am_mem_set_oom_log() once at start (the function must not allocate).
 */

#include <stddef.h>

void	*am_malloc(size_t);
void	*am_calloc(size_t, size_t);
void	*am_realloc(void *, size_t);
char	*am_strdup(const char *);
char	*am_strndup(const char *, size_t);
/* The out-of-memory handler itself, for allocators outside lib/ (OpenSSL). */
void	 am_oom(size_t) __attribute__((noreturn));
/* Where am_oom() says it, instead of standard error (NULL: back to
 * standard error).  Not thread-safe: set it before threads start. */
void	 am_mem_set_oom_log(void (*)(size_t));

#endif /* AM_MEM_H */
