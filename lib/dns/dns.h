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
 * A message's lookups go through a per-message view of the shared
 * resolver (am_dns_message_new): one time budget for all of them, and
 * a memory of the questions that failed.
 *
 * Ownership: the result owns its records until am_dns_result_release().
 * Thread safety: one struct am_dns may be used from several threads at
 * once (the milter shares one per config snapshot); the ldns
 * implementation keeps no mutable state (each query has its own
 * sockets), the zone implementation takes a read-write lock and the
 * cache a mutex.  A message view is for one thread at a time.
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
	AM_DNS_CNAME,
	AM_DNS_NS		/* key rotation: a zone's authoritative servers */
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
	/* AM_DNS_MX, AM_DNS_PTR, AM_DNS_CNAME, AM_DNS_NS: the target name, lower
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

/*
 * am_dns_query_many - ask several questions at once
 *
 * The ldns implementation sends every question (up to 64 at a time)
 * before it waits for any answer, so n lookups take about as long as
 * the slowest one, not their sum.  The same question twice is asked
 * once.  Each qs[i].res is initialized and must be released; each is
 * what am_dns_lookup() would have said.
 */
struct am_dns_q {
	const char		*name;		/* in */
	enum am_dns_type	 type;		/* in */
	struct am_dns_result	 res;		/* out */
};
void			 am_dns_query_many(struct am_dns *, struct am_dns_q *,
			    size_t n);
/* 1 if am_dns_lookup() would send name (see above), else 0. */
int			 am_dns_name_ok(const char *name);
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
 * Queries advertise an EDNS0 UDP size of 1232 bytes; a datagram larger
 * than that, with another ID, QR clear, another question, or that does
 * not parse is not an answer: it is dropped and the lookup keeps
 * waiting for the real one until the try's time is up.
 * timeout_ms must be 1..600000 and retries 0..20.
 */
struct am_dns	*am_dns_ldns_new(const char *servers, unsigned timeout_ms,
		    unsigned retries, struct am_err *);
/*
 * am_dns_direct_new - a resolver that asks one server directly, as
 * "IP" or "IP@PORT" (above), with RD clear (RFC 1035 4.1.1): it is
 * meant for a zone's authoritative server, which must answer from its
 * own data (key rotation checks each of them).  Otherwise as
 * am_dns_ldns_new(); an answer that is a referral (no answer, NS in
 * the authority section) is NODATA, and REFUSED means the server does
 * not serve the name.
 */
struct am_dns	*am_dns_direct_new(const char *server, unsigned timeout_ms,
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
 * daemon turns this on): at most max_bytes of memory in all (each
 * answer is charged what it holds: name, records, their text, and
 * bookkeeping; the least recently used go first; one answer over an
 * eighth of max_bytes is never kept), positive answers for their
 * smallest TTL but at most max_ttl seconds, NXDOMAIN and NODATA for
 * neg_ttl seconds, failures (SERVFAIL, TIMEOUT, FORMERR) for fail_ttl
 * seconds (0: never).  A timeout cut short by a message's budget is
 * not a failure of the name and is not kept.  Off by default, so tests
 * see every query.  Call once, before the resolver is shared.
 */
void		 am_dns_cache_enable(struct am_dns *, size_t max_bytes,
		    uint32_t max_ttl, uint32_t neg_ttl, uint32_t fail_ttl);
/* Lookups answered from that cache so far. */
unsigned long	 am_dns_cache_hit_count(const struct am_dns *);
/* Bytes the cache holds now (at most max_bytes). */
size_t		 am_dns_cache_size(const struct am_dns *);

/*
 * am_dns_message_new - one message's view of a shared resolver
 *
 * Every lookup of the message goes through the view (SPF at MAIL FROM
 * and HELO, DKIM keys, DMARC at the end of the message): create it at
 * MAIL FROM, free it with am_dns_free() when the message is done (that
 * frees the view only, never shared).  It gives the message:
 *  - one time budget, budget_ms (0: none), for all its lookups: the
 *    time spent waiting in lookups adds up (the time between them, such
 *    as the client sending the body, does not); a lookup in flight is
 *    cut when the budget runs out, and after that every lookup says
 *    AM_DNS_TIMEOUT at once (a temperror to every method);
 *  - a memory of the questions that failed (SERVFAIL, TIMEOUT,
 *    FORMERR), the last 64, answered again at once with the same
 *    status: a message never waits twice for one broken name.
 * Answers that worked come from shared's cache, if it has one.
 * shared must outlive the view; NULL gives NULL.
 */
struct am_dns	*am_dns_message_new(struct am_dns *shared, unsigned budget_ms);
/* Milliseconds left of a view's budget (UINT_MAX: none; 0 if dns is
 * not a view or the budget is spent). */
unsigned	 am_dns_message_left_ms(const struct am_dns *);
/* Number of lookups answered so far (tests count queries with it). */
unsigned long	 am_dns_query_count(const struct am_dns *);

/*
 * am_dns_stats - counters a shared resolver adds to (the daemon's
 * metrics, authmilter.8 METRICS): the questions its implementation
 * answered (cache misses), by status; how long each batch of them took
 * (every question of a batch of am_dns_query_many() is charged the
 * batch's time); and the questions its cache answered.  Plain counters
 * updated with relaxed atomic adds (no lock); read them with
 * __atomic_load_n.  The histogram's buckets are cumulative only when
 * written out: lat[i] counts times <= am_dns_lat_bound_us[i] and above
 * the bound before; lat[AM_DNS_LAT_NB] counts the rest.
 */
#define AM_DNS_STATS_NSTATUS		7	/* enum am_dns_status values */
#define AM_DNS_LAT_NB		12
extern const uint64_t	 am_dns_lat_bound_us[AM_DNS_LAT_NB];
struct am_dns_stats {
	uint64_t	 status[AM_DNS_STATS_NSTATUS];
	uint64_t	 lat[AM_DNS_LAT_NB + 1];
	uint64_t	 lat_sum_us;
	uint64_t	 cache_hits;
};
/*
 * am_dns_stats_attach - count dns's lookups in st (borrowed; must
 * outlive dns; NULL: stop counting).  On a shared resolver, not a
 * message view (a view's lookups are counted by the resolver it views).
 * Call before the resolver is shared.
 */
void		 am_dns_stats_attach(struct am_dns *, struct am_dns_stats *);

/*
 * am_dns_reverse_name - the name a PTR or DNSBL lookup of ip asks:
 * "4.3.2.1.ZONE" for IPv4 and the 32 nibbles for IPv6 (RFC 3596), an
 * IPv4-mapped IPv6 address taken as IPv4; zone NULL: in-addr.arpa or
 * ip6.arpa.  -1 when ip is not an address or out is too small.
 */
int		 am_dns_reverse_name(const char *ip, const char *zone,
		    char *out, size_t size);

#endif /* AM_DNS_H */
