#ifndef AM_DNS_H
#define AM_DNS_H

/*
 * dns - the only DNS interface in lib/
 *
 * DKIM, SPF and DMARC ask every question through am_dns_lookup().  Two
 * implementations sit behind it: ldns talking to real nameservers
 * (dns_ldns.c, production) and zone files loaded into memory
 * (dns_zone.c, tests and the tool's --zone).  Mapping a status to a
 * temperror or permerror verdict belongs to the callers, not here.
 *
 * Usage:
 *	dns = am_dns_zone_new();
 *	am_dns_zone_load(dns, "t/zones/example.zone", &err);
 *	st = am_dns_lookup(dns, "sel._domainkey.example.com", AM_DNS_TXT, &res);
 *	...res.rr[i].txt...
 *	am_dns_result_release(&res);
 *	am_dns_free(&dns);
 *
 * Ownership: the result owns its records until am_dns_result_release().
 * Thread safety: one struct am_dns may be used from several threads at
 * once (the milter shares one per config snapshot); the ldns
 * implementation keeps no mutable state (each query has its own
 * sockets) and the zone implementation takes a read-write lock.
 */

#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum am_dns_type {
	AM_DNS_A,
	AM_DNS_AAAA,
	AM_DNS_TXT,
	AM_DNS_MX,
	AM_DNS_PTR,
	AM_DNS_CNAME
};

enum am_dns_status {
	AM_DNS_OK,		/* at least one record of the type */
	AM_DNS_NODATA,		/* the name exists, no record of the type */
	AM_DNS_NXDOMAIN,	/* the name does not exist */
	AM_DNS_SERVFAIL,	/* the server said SERVFAIL (or NOTIMP...) */
	AM_DNS_TIMEOUT,		/* no answer within the time budget */
	AM_DNS_FORMERR,		/* malformed answer or unusable query name */
	AM_DNS_REFUSED		/* the server refused: it does not recurse
				 * for us (Nameservers must name recursive
				 * resolvers); treated as SERVFAIL */
};

struct am_dns_rr {
	enum am_dns_type	 type;
	uint32_t		 ttl;
	/* AM_DNS_TXT: the character-strings joined with nothing between
	 * them (RFC 6376 3.6.2.2, RFC 7208 3.3); may contain NUL bytes,
	 * so use txt_len. */
	char			*txt;
	size_t			 txt_len;
	/* AM_DNS_A: 4 bytes, AM_DNS_AAAA: 16 bytes, in network order. */
	unsigned char		 addr[16];
	/* AM_DNS_MX, AM_DNS_PTR, AM_DNS_CNAME: the target name, lower
	 * case, without the trailing dot; the root (null MX, RFC 7505)
	 * is "".  Bytes that are '.', '\\' or not printable ASCII are
	 * written \DDD, as in master files. */
	char			*name;
	uint16_t		 pref;	/* AM_DNS_MX */
};

struct am_dns_result {
	enum am_dns_status	 status;
	size_t			 n;
	struct am_dns_rr	*rr;
};

struct am_dns;

/*
 * am_dns_lookup - ask one question
 *
 * name may carry a trailing dot or not; it is case-insensitive.  CNAMEs
 * are followed (by the server, or by the zone implementation, at most
 * 8 deep) except when asking for AM_DNS_CNAME itself.  The status is
 * also stored in res->status; res is always initialized and must be
 * released.  Records are returned only with AM_DNS_OK.
 *
 * Every byte of name other than '.' is literal (no \ escapes).  A name
 * that is empty, has an empty label, a label over 63 bytes or is over
 * 253 bytes gets AM_DNS_FORMERR without a query being sent (it still
 * counts in am_dns_query_count()).
 */
enum am_dns_status	 am_dns_lookup(struct am_dns *, const char *name,
			    enum am_dns_type, struct am_dns_result *res);
void			 am_dns_result_release(struct am_dns_result *);
void			 am_dns_free(struct am_dns **);
const char		*am_dns_status_name(enum am_dns_status);

/*
 * Production resolver.  servers is a comma- or space-separated list of
 * "IP" or "IP@PORT" (IPv4 or IPv6; also "[IP]@PORT"), at most 8, or
 * NULL for /etc/resolv.conf.
 * timeout_ms bounds one attempt; retries is the number of extra
 * attempts.  Answers are not DNSSEC-validated here.  A lookup takes at
 * most about timeout_ms * (retries + 1) in all; try k goes to server
 * k mod n, and a server that refuses or says SERVFAIL is left at once
 * for the next.  Truncated UDP answers are asked again over TCP.
 * timeout_ms must be 1..600000 and retries 0..20.
 */
struct am_dns	*am_dns_ldns_new(const char *servers, unsigned timeout_ms,
		    unsigned retries, struct am_err *);

/*
 * Zone-file resolver.  Load one or more master files (standard syntax,
 * $ORIGIN, $TTL, parentheses, multi-string TXT; a missing $TTL means
 * 300).  Names not covered by any loaded zone answer NXDOMAIN.
 * am_dns_zone_fail() makes a name answer SERVFAIL or TIMEOUT for every
 * type (for tests); a zone file can say the same with a comment line
 * ";@fail NAME SERVFAIL" or ";@fail NAME TIMEOUT" (NAME is absolute).
 * Other statuses can be forced the same way; AM_DNS_OK removes the
 * entry.  A name that owns no records but has names below it (an empty
 * non-terminal) answers NODATA.  Wildcards are not expanded.
 */
struct am_dns	*am_dns_zone_new(void);
int		 am_dns_zone_load(struct am_dns *, const char *path,
		    struct am_err *);
int		 am_dns_zone_load_string(struct am_dns *, const char *text,
		    struct am_err *);
void		 am_dns_zone_fail(struct am_dns *, const char *name,
		    enum am_dns_status);
/*
 * am_dns_cache_enable - keep answers shared between lookups (the
 * daemon turns this on): at most nslots answers, positive ones for
 * their smallest TTL but at most max_ttl seconds, NXDOMAIN and NODATA
 * for neg_ttl seconds; failures are never kept.  Off by default, so
 * tests see every query.  Call once, before the resolver is shared.
 */
void		 am_dns_cache_enable(struct am_dns *, size_t nslots,
		    uint32_t max_ttl, uint32_t neg_ttl);
/* Lookups answered from that cache so far. */
unsigned long	 am_dns_cache_hit_count(const struct am_dns *);
/* Number of lookups answered so far (tests count queries with it). */
unsigned long	 am_dns_query_count(const struct am_dns *);

#endif /* AM_DNS_H */
