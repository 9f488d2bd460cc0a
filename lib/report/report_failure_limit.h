#ifndef AM_REPORT_FAILURE_LIMIT_H
#define AM_REPORT_FAILURE_LIMIT_H

/*
 * report_failure_limit - failure reports: repeats folded, destinations
 * rate-limited (RFC 9991 section 2 and 7.1: a report generator MUST
 * rate-limit its reports)
 *
 * Deduplication: an incident has a key (the milter uses source IP,
 * Author Domain and the kind of failure).  The first incident of a key
 * is reported at once (AM_FL_SEND) and opens a window of window_s
 * seconds.  Repeats inside the window are not reported one by one: the
 * first repeat is held (AM_FL_HOLD: the table now owns the item) and
 * later ones only counted (AM_FL_FOLD: the caller frees its item).
 * When the window ends (am_failure_limit_expire), a held repeat is
 * handed back with the number of repeats, to be sent as one report
 * with an Incidents field, and a new window starts for the key; a key
 * with nothing held is forgotten.  So a steady stream of one kind from
 * one source gives at most one report per window after the first.
 * When the table is full (max_keys) an incident with a new key is
 * reported at once (the destination limit still applies).
 *
 * Destinations: at most per_hour reports to one address in any clock
 * hour window that starts with its first report (am_failure_limit_dest);
 * 0 means no limit.
 *
 * In memory only: a restart forgets the windows and counts.
 *
 * Ownership: held items belong to the table until handed back; free_fn
 * releases the ones still held at am_failure_limit_free.
 * Thread safety: none; one thread (the daemon's failure sender).
 */

#include <stddef.h>
#include <stdint.h>

enum am_fl_verdict {
	AM_FL_SEND,	/* report it now */
	AM_FL_HOLD,	/* kept until the window ends */
	AM_FL_FOLD	/* counted into the held one */
};

typedef void am_fl_free_fn(void *item);
/* A held item handed back with its count (>= 1); the callee owns it. */
typedef void am_fl_due_fn(void *ctx, void *item, uint64_t incidents);

struct am_failure_limit;

struct am_failure_limit *am_failure_limit_new(unsigned window_s,
	    unsigned per_hour, size_t max_keys, am_fl_free_fn *);
void	am_failure_limit_free(struct am_failure_limit **);
enum am_fl_verdict am_failure_limit_incident(struct am_failure_limit *,
	    const char *key, int64_t now, void *item);
/* Hands back every held item whose window has ended by now. */
void	am_failure_limit_expire(struct am_failure_limit *, int64_t now,
	    am_fl_due_fn *, void *ctx);
/* 1: a report to dest may go (and is counted); 0: over the limit. */
int	am_failure_limit_dest(struct am_failure_limit *, const char *dest,
	    int64_t now);
/* Keys in the table now. */
size_t	am_failure_limit_keys(const struct am_failure_limit *);

#endif /* AM_REPORT_FAILURE_LIMIT_H */
