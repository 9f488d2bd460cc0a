#ifndef AM_SIGNTABLE_H
#define AM_SIGNTABLE_H

/*
 * signtable - OpenDKIM's SigningTable: which key names sign mail from
 * an author address
 *
 * Each entry maps a key to a value "keyname [signer]" (the signer,
 * the i= of the signature, may also follow a ':' as in OpenDKIM's
 * colon-separated values).  Lookup, per opendkim.conf(5):
 *  - refile: the address "user@host" is matched against each pattern
 *    in file order;
 *  - file: and lists: "user@host", then "host", then "user@.domain"
 *    for each superdomain of host from the longest ("user@.example.com",
 *    then "user@.com"), then ".domain" for each superdomain, then
 *    "user@*", then "*".  Keys compare case-insensitively.
 * Only the first match counts unless all is set (MultipleSignatures).
 * When the same key appears on several lines of a file, the first
 * line is the one used (the others get a warning at load).
 *
 * Ownership: the table copies what it needs from the data set.
 */

#include <stddef.h>

#include "dataset.h"

struct am_signtable;

struct am_signtable_entry {
	const char	*key;
	const char	*keyname;	/* "%": the From domain */
	const char	*signer;	/* "" for none */
	const char	*file;
	unsigned	 line;
};

/* Builds the table; malformed entries are reported and skipped. */
struct am_signtable	*am_signtable_new(const struct am_dataset *,
			    struct am_diag *);
void			 am_signtable_free(struct am_signtable **);
const char		*am_signtable_spec(const struct am_signtable *);
size_t			 am_signtable_count(const struct am_signtable *);
const struct am_signtable_entry *am_signtable_entry(
			    const struct am_signtable *, size_t i);

/*
 * am_signtable_lookup - the entries for addr ("user@host", host lower
 * case), in lookup order: the first only, or all when all is set.
 * Stores at most max pointers in out and returns how many.
 */
size_t			 am_signtable_lookup(const struct am_signtable *,
			    const char *addr, int all,
			    const struct am_signtable_entry **out,
			    size_t max);

#endif /* AM_SIGNTABLE_H */
