/*
 * mem - allocation with one out-of-memory policy
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

static void	(*am_oom_log)(size_t);

void
am_mem_set_oom_log(void (*fn)(size_t))
{
	am_oom_log = fn;
}

void
am_oom(size_t n)
{
	if (am_oom_log != NULL)
		am_oom_log(n);
	else
		fprintf(stderr, "authmilter: out of memory allocating %zu "
		    "bytes\n", n);
	abort();
}

void *
am_malloc(size_t n)
{
	void	*p = malloc(n == 0 ? 1 : n);

	if (p == NULL)
		am_oom(n);
	return p;
}

void *
am_calloc(size_t n, size_t size)
{
	void	*p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size);

	if (p == NULL)
		am_oom(n * size);
	return p;
}

void *
am_realloc(void *old, size_t n)
{
	void	*p = realloc(old, n == 0 ? 1 : n);

	if (p == NULL)
		am_oom(n);
	return p;
}

char *
am_strndup(const char *s, size_t n)
{
	char	*p = am_malloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
am_strdup(const char *s)
{
	return am_strndup(s, strlen(s));
}
