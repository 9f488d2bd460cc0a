#ifndef AM_CMD_KEYS_UPDATE_H
#define AM_CMD_KEYS_UPDATE_H

/*
 * cmd_keys_update - authmilter-tool keys: publishing and withdrawing
 * key records by DNS dynamic update (RFC 2136 with TSIG) when the
 * configuration given with -c sets KeyUpdateServer and
 * KeyUpdateKeyFile (authmilter.conf(5)); without them nothing is sent
 * and the verbs only print the record, as before.
 */

#include "keystate.h"

/* The update failed; the state file is saved (keys publish retries). */
#define AM_KEYS_EXIT_UPDATE	69	/* EX_UNAVAILABLE */

/*
 * After verb (already saved in st) succeeded: rotate publishes the
 * pending key's record of domain and alg, revoke the empty p= record
 * of selector, delete withdraws selector's record.  config NULL, or no
 * KeyUpdateServer in it: nothing (0).  Returns an exit code.
 */
int	am_keys_update_after(const char *config, const char *verb,
	    struct am_keystate_file *st, const char *domain, const char *alg,
	    const char *selector);

/*
 * keys publish: (re)publishes the record selector's state calls for
 * (its key's record while pending, active or retiring; the empty p=
 * record when revoked; none when deleted).  Needs KeyUpdateServer.
 */
int	am_keys_update_publish(const char *config,
	    struct am_keystate_file *st, const char *domain, const char *alg,
	    const char *selector);

#endif /* AM_CMD_KEYS_UPDATE_H */
