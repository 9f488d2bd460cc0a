#ifndef AM_SNAPSHOT_H
#define AM_SNAPSHOT_H

/*
 * snapshot - the one global: the configuration snapshot in force
 *
 * Every message takes a reference on the snapshot current when it
 * starts (am_snapshot_get) and drops it when it ends, so a reload never
 * changes the rules under a message in flight.  A reload builds and
 * validates a whole new snapshot (file, tables, keys) while the old one
 * keeps serving, then swaps one pointer under a mutex; if the new one
 * does not load, the problems are logged and the old one stays.
 *
 * The same state counts the messages in flight, so that SIGTERM can
 * wait for them (bounded) before the process exits.
 *
 * Test hooks (never set in production; see authmilter.8, ENVIRONMENT):
 * test_dns replaces the resolver of every snapshot with zone files
 * (AUTHMILTER_TEST_DNS), test_now pins the clock used for t= and for
 * verification (AUTHMILTER_TEST_NOW).
 */

#include <stdint.h>

#include "config.h"
#include "err.h"
#include "log.h"

struct am_snapshot_params {
	const char			*path;		/* -c */
	struct am_config_overrides	 overrides;	/* -p -P -u */
	int				 foreground;	/* -f */
	const char			*test_dns;	/* ':'-separated */
	uint64_t			 test_now;	/* 0: real time */
};

/* Loads a snapshot with the test hooks applied; not published.  NULL
 * on failure (each problem logged, err says how many). */
struct am_config	*am_snapshot_load(const struct am_snapshot_params *,
			    const struct am_log *, struct am_err *);
/* Publishes the first snapshot (takes over its reference) and keeps a
 * copy of params for reloads.  Call before any thread starts. */
void			 am_snapshot_init(const struct am_snapshot_params *,
			    struct am_config *);
/* The current snapshot, with a reference the caller must drop. */
struct am_config	*am_snapshot_get(void);
/* Rebuilds from the same file; 0 swapped, -1 kept the old one. */
int			 am_snapshot_reload(const struct am_log *);
int			 am_snapshot_foreground(void);
/* 1 when every snapshot's resolver is zone files (AUTHMILTER_TEST_DNS):
 * the key watch then takes them for every authoritative server. */
int			 am_snapshot_zone_dns(void);
/* Messages in flight.  After am_snapshot_close(), am_msg_new() gets
 * no snapshot: new messages are refused with a temporary failure. */
void			 am_snapshot_close(void);
void			 am_snapshot_enter(void);
void			 am_snapshot_leave(void);
/* Waits up to seconds for no message in flight; returns how many are
 * still in flight. */
unsigned		 am_snapshot_drain(unsigned seconds);
/* Drops the current snapshot and the saved params (at exit). */
void			 am_snapshot_shutdown(void);

#endif /* AM_SNAPSHOT_H */
