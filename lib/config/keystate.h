#ifndef AM_KEYSTATE_H
#define AM_KEYSTATE_H

/*
 * keystate - the state file of staged DKIM key rotation (authmilter-tool
 * keys), kept beside the KeyTable (default: the KeyTable's path with
 * ".state" appended); the KeyTable itself stays in OpenDKIM's format.
 *
 * Format: one key a line, fields separated by white space; '#' starts
 * a comment line; blank lines are skipped:
 *	DOMAIN ALG SELECTOR STATE SINCE KEYFILE
 * DOMAIN an A-label; ALG "rsa" or "ed25519" (RSA and Ed25519 keys of a
 * domain rotate independently); STATE one of pending, active,
 * retiring, revoked, deleted; SINCE the Unix time the key entered
 * STATE; KEYFILE the private key's path (no white space).
 *
 * The life of a key: pending (made, its record to be published) ->
 * active (its record seen; the KeyTable names it; the one before it
 * becomes retiring) -> retiring (its record stays published so that
 * mail signed with it and still queued somewhere verifies) -> revoked
 * (its record published with an empty p=) -> deleted (private key
 * removed).  At most one key per DOMAIN and ALG is pending and one is
 * active.
 *
 * Written whole to a temporary file and renamed over the old one, so a
 * reader sees the old state or the new one, never half.  A writer (the
 * tool, the daemon's key watch) takes am_keystate_lock first, for the
 * whole load, change, save (and KeyTable rewrite): an advisory lock
 * (flock) on the directory that holds the state file, so that no lock
 * file has to be created or be writable by both root and the daemon's
 * user, and one never undoes the other's change.
 * Thread safety: none (one caller at a time).
 */

#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum am_keystate {
	AM_KEYSTATE_PENDING,
	AM_KEYSTATE_ACTIVE,
	AM_KEYSTATE_RETIRING,
	AM_KEYSTATE_REVOKED,
	AM_KEYSTATE_DELETED
};

struct am_keystate_entry {
	char		 domain[256];
	char		 alg[16];		/* "rsa", "ed25519" */
	char		 selector[64];
	enum am_keystate state;
	uint64_t	 since;
	char		 keyfile[1024];
};

struct am_keystate_file {
	struct am_keystate_entry *e;
	size_t			 n;
};

/* A missing file is an empty state (0); a bad line fails (-1, err says
 * which). */
int	am_keystate_load(const char *path, struct am_keystate_file *,
	    struct am_err *);
int	am_keystate_save(const char *path, const struct am_keystate_file *,
	    struct am_err *);
void	am_keystate_release(struct am_keystate_file *);
/*
 * am_keystate_lock - the writers' lock for the state file at path,
 * waiting at most wait_ms for another writer (0: not at all).  0 with
 * *fd set (give it to am_keystate_unlock), 1 when another writer held
 * it all that time, -1 with err set when the directory cannot be
 * opened (a symbolic link is not followed).
 */
int	am_keystate_lock(const char *path, unsigned wait_ms, int *fd,
	    struct am_err *);
void	am_keystate_unlock(int *fd);
/* Appends a copy of e. */
void	am_keystate_add(struct am_keystate_file *,
	    const struct am_keystate_entry *);
/* The first entry of domain and alg in state; with selector non-NULL
 * also of that selector.  NULL: none. */
struct am_keystate_entry *am_keystate_find(struct am_keystate_file *,
	    const char *domain, const char *alg, const char *selector,
	    enum am_keystate state);
const char	*am_keystate_name(enum am_keystate);
/* -1: not a state name. */
int		 am_keystate_parse(const char *, enum am_keystate *);
/* May a key go from a to b (the order above, one step at a time)? */
int		 am_keystate_can(enum am_keystate a, enum am_keystate b);

#endif /* AM_KEYSTATE_H */
