#ifndef AM_SELFCHECK_H
#define AM_SELFCHECK_H

/*
 * selfcheck - the daemon's self-audit (SelfCheck, SelfCheckInterval)
 *
 * One background thread, never a milter thread, started once the
 * daemon serves: for each configuration snapshot (the first one, and
 * each one a reload publishes) it runs lib/audit's DNS checks for every
 * signing domain and key of the snapshot (signdomains.h: the same as
 * `authmilter-tool check-domain -c`) through the snapshot's resolver,
 * and logs each finding that is not PASS once, with its fix:
 *	self-check: FAIL dkim.match example.com: ... -- fix: ...
 * FAIL at error level, WARN at warning level, then one summary line at
 * info level.  A private key that does not match its published record
 * (dkim.match) is logged with "SIGNING KEY DOES NOT MATCH ITS DNS
 * RECORD" in front: every signature made with it fails.  Key rotation
 * (pending and retiring keys) is the key watch's (keywatch.h).  With
 * SelfCheckInterval N (hours, 0: never) it checks
 * again every N hours and logs only the findings it has not logged for
 * this snapshot yet.  Start-up and mail never wait for it: it takes a
 * reference on the snapshot it checks, and at stop it is waited for at
 * most two seconds (a check in the middle of slow DNS is left behind,
 * the process exits anyway).
 *
 * Thread safety: start and stop from the main thread only.
 */

#include "buf.h"

/* Starts the thread; logs (and carries on) when it cannot. */
void	am_selfcheck_start(void);
/* Stops it (bounded wait, see above). */
void	am_selfcheck_stop(void);
/* The metrics endpoint's authmilter_selfcheck_findings{check,severity,
 * domain}: the last complete self-check's findings that are not PASS,
 * counted (none before the first one ends).  Any thread. */
void	am_selfcheck_metrics(struct am_buf *out);

#endif /* AM_SELFCHECK_H */
