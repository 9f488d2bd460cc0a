/*
 * clock - the monotonic milliseconds behind every time budget
 */

#include <time.h>

#include "clock.h"

uint64_t
am_clock_ms(am_clock_fn *fn, void *ctx)
{
	struct timespec	 ts;

	if (fn != NULL)
		return fn(ctx);
	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t
am_clock_us(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}
