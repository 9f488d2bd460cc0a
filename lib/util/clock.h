#ifndef AM_CLOCK_H
#define AM_CLOCK_H

/*
 * clock - the monotonic milliseconds behind every time budget (SPF,
 * DMARC), with a hook so tests can run the clock themselves
 */

#include <stdint.h>

typedef uint64_t am_clock_fn(void *ctx);

/* fn(ctx) when fn is set (tests), else CLOCK_MONOTONIC in ms. */
uint64_t	am_clock_ms(am_clock_fn *fn, void *ctx);
/* The monotonic clock in microseconds (for latencies). */
uint64_t	am_clock_us(void);

#endif /* AM_CLOCK_H */
