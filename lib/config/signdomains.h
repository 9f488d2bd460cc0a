#ifndef AM_SIGNDOMAINS_H
#define AM_SIGNDOMAINS_H

/*
 * signdomains - the domains a configuration signs for, and the keys of
 * each: what `authmilter-tool check-domain -c` and the daemon's
 * self-audit (milter/selfcheck.c) both check
 *
 * The signing domains, as A-labels, each once, in this order: the
 * KeyTable's d= values (Domain's when there is no KeyTable), Domain's
 * entries, and for keys with d=% (the From domain) the host part of
 * each SigningTable entry that names them ("*@example.com",
 * "example.com", "user@.example.com" give example.com; patterns with
 * other wildcards are skipped).
 *
 * Pure functions of the snapshot; the keys are borrowed from it.
 */

#include <stddef.h>

#include "config.h"

/* Appends d (made an A-label) to *list unless it is there; a name that
 * is not a domain is skipped.  The caller frees each and the array. */
void	am_signdomains_add(char ***list, size_t *n, const char *d);
/* Appends the configuration's signing domains to *list. */
void	am_signdomains(const struct am_config *, char ***list, size_t *n);
/* The keys with d= domain or "%": at most max, into out; their count. */
size_t	am_signdomains_keys(const struct am_config *, const char *domain,
	    const struct am_key **out, size_t max);
void	am_signdomains_free(char ***list, size_t *n);

#endif /* AM_SIGNDOMAINS_H */
