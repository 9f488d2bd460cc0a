#ifndef AM_PSL_H
#define AM_PSL_H

/*
 * psl - Organizational Domains from a Public Suffix List (RFC 7489
 * section 3.2), for operators who choose the RFC 7489 behaviour over
 * the RFC 9989 DNS Tree Walk
 *
 * A thin wrapper around libpsl.  The list comes from Debian's
 * publicsuffix package (psl_latest(): the newer of libpsl's built-in
 * list and /usr/share/publicsuffix/public_suffix_list.dafsa) or from a
 * file the operator names (plain .dat text or libpsl's DAFSA format).
 * Domains are lower-case A-labels without a trailing dot.  Unknown
 * TLDs follow the list's implicit "*" rule, so the Organizational
 * Domain of "a.b.example.test" is "example.test".
 *
 * Usage:
 *	psl = am_psl_new(NULL, &err);
 *	am_psl_org_domain(psl, "mail.example.co.uk", org, sizeof(org));
 *	am_psl_free(&psl);
 *
 * Thread safety: a loaded list is read-only; share it freely.
 */

#include <stddef.h>

#include "err.h"

struct am_psl;

/* path NULL: Debian's list (see above).  Fails with AM_E_IO. */
struct am_psl	*am_psl_new(const char *path, struct am_err *);
void		 am_psl_free(struct am_psl **);

/*
 * am_psl_org_domain - the Organizational Domain of domain: its public
 * suffix plus one label, or domain itself when it is a public suffix
 * (or a single label).  Returns -1 if out (size) is too small.
 */
int		 am_psl_org_domain(const struct am_psl *, const char *domain,
		    char *out, size_t size);
/* Is domain itself a public suffix? */
int		 am_psl_is_suffix(const struct am_psl *, const char *domain);
/* Where the list came from ("built-in or /usr/share/...", or the path). */
const char	*am_psl_source(const struct am_psl *);

#endif /* AM_PSL_H */
