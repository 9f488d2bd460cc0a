#ifndef AM_MILTER_METRICS_H
#define AM_MILTER_METRICS_H

/*
 * metrics - the daemon's Prometheus endpoint (MetricsSocket) and the
 * counters behind it
 *
 * The counters (lib/engine/metrics.h for messages, lib/dns's struct
 * am_dns_stats for lookups, reloads here) are the process's: they live
 * from start to exit, across reloads, in this file's one static struct
 * (the daemon's only mutable global besides the snapshot; counters
 * only, relaxed atomics, no lock).  Counting costs a few atomic adds
 * per message, whether MetricsSocket is set or not.
 *
 * The endpoint: with MetricsSocket set, am_metrics_open() binds and
 * listens at start, with the milter socket (as root, before the
 * process daemonizes and drops its privileges: a bind failure stops
 * the start with the milter socket's exit code, and a port below 1024
 * works as it does for Socket); am_metrics_start(), after the fork
 * and the switch to UserID (the thread never runs as root), starts one
 * thread that serves one connection at a time: HTTP/1.0
 * "GET /metrics" (anything else: 404, 405 or 400), the request at most
 * 4 KiB and the whole exchange at most 2 s, then the connection is
 * closed.  That thread takes no lock a milter thread holds for long
 * (it takes a snapshot reference, as a message does, for the key
 * metrics), so a slow scraper never holds up mail.  MetricsSocket is
 * read at start only: a reload does not move it.
 *
 * Thread safety: the counting calls from any thread; open, start and
 * stop from the main thread.
 */

#include "config.h"
#include "decide.h"
#include "disposition.h"
#include "log.h"

struct am_engine;

/* Binds MetricsSocket (nothing without it); notes the start time. */
int	am_metrics_open(const struct am_config *, const struct am_log *);
/* Starts the endpoint's thread (after the fork); nothing if not open. */
void	am_metrics_start(const struct am_log *);
/* Stops the thread (if any) and closes the socket. */
void	am_metrics_stop(void);

/* A message is done (session.c): its decision, final disposition and
 * the engine that saw it. */
void	am_metrics_message(enum am_decide_kind, const struct am_disposition *,
	    const struct am_engine *);
/* A snapshot loaded (snapshot.c): count its resolver's lookups, note
 * the time. */
void	am_metrics_config_loaded(struct am_config *);
/* A reload (SIGHUP) ended: ok 1 swapped, 0 kept the old one. */
void	am_metrics_reload(int ok);

#endif /* AM_MILTER_METRICS_H */
