#ifndef AM_TAP_H
#define AM_TAP_H

/*
 * tap - minimal TAP producer for unit tests
 *
 * Every check prints "ok N - name" or "not ok N - name" with the
 * file:line and, for comparisons, escaped got/want.  Nothing aborts.
 * done_testing() prints the plan and returns the exit status.
 */

#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline void
tap_escape(const char *label, const void *p, size_t n)
{
	const unsigned char	*s = p;
	size_t			 i;

	printf("#   %s: \"", label);
	for (i = 0; i < n && i < 2000; i++) {
		if (s[i] == '\r')
			printf("\\r");
		else if (s[i] == '\n')
			printf("\\n");
		else if (s[i] == '\t')
			printf("\\t");
		else if (s[i] == '"' || s[i] == '\\')
			printf("\\%c", s[i]);
		else if (s[i] < 0x20 || s[i] >= 0x7f)
			printf("\\x%02x", s[i]);
		else
			putchar(s[i]);
	}
	printf("\"%s\n", n > 2000 ? "..." : "");
}

static inline int
tap_ok(int cond, const char *file, int line, const char *name)
{
	tap_n++;
	printf("%sok %d - %s\n", cond ? "" : "not ", tap_n, name);
	if (!cond) {
		tap_failed++;
		printf("# failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return cond;
}

static inline int
tap_is_mem(const void *got, size_t gotn, const void *want, size_t wantn,
    const char *file, int line, const char *name)
{
	int	 cond = gotn == wantn &&
		    (gotn == 0 || memcmp(got, want, gotn) == 0);

	if (!tap_ok(cond, file, line, name)) {
		tap_escape("got ", got != NULL ? got : "", got != NULL ? gotn : 0);
		tap_escape("want", want != NULL ? want : "",
		    want != NULL ? wantn : 0);
	}
	return cond;
}

static inline int
tap_is_long(long long got, long long want, const char *file, int line,
    const char *name)
{
	int	 cond = got == want;

	if (!tap_ok(cond, file, line, name))
		printf("#   got  %lld\n#   want %lld\n", got, want);
	return cond;
}

static inline void
tap_diag(const char *msg)
{
	printf("# %s\n", msg);
}

static inline int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed == 0 ? 0 : 1;
}

#define ok(cond, name)	tap_ok(!!(cond), __FILE__, __LINE__, (name))
#define is_mem(g, gn, w, wn, name) \
	tap_is_mem((g), (gn), (w), (wn), __FILE__, __LINE__, (name))
#define is_str(g, w, name) \
	tap_is_mem((g), (g) != NULL ? strlen(g) : 0, (w), \
	    (w) != NULL ? strlen(w) : 0, __FILE__, __LINE__, (name))
#define is_int(g, w, name) \
	tap_is_long((long long)(g), (long long)(w), __FILE__, __LINE__, (name))
#define diag(msg)	tap_diag(msg)
#define done_testing()	tap_done()

#endif /* AM_TAP_H */
