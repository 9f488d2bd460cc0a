#ifndef AM_DNS_IMPL_H
#define AM_DNS_IMPL_H

/*
 * dns_impl - private interface between dns.c and its implementations
 *
 * Only dns.c, dns_ldns.c, dns_zone.c (and dns_update.c, for the
 * transport at the end) include this.  Each
 * implementation embeds struct am_dns as the first member of its own
 * struct and supplies an ops table.  dns.c checks and normalizes the
 * query name once, counts the query and dispatches; the helpers below
 * turn ldns records into struct am_dns_rr for both implementations.
 */

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

#include "dns.h"

#define AM_DNS_NAME_MAX		253	/* text, without the trailing dot */
#define AM_DNS_LABEL_MAX	63
#define AM_DNS_WIRE_MAX		255	/* RFC 1035 2.3.4 */
#define AM_DNS_CNAME_MAX	8	/* CNAMEs followed per lookup */

/* A checked query: the name in wire form (lower case) and as text. */
struct am_dns_query {
	enum am_dns_type	 type;
	ldns_rr_type		 rrtype;
	uint8_t			 wire[AM_DNS_WIRE_MAX];
	size_t			 wire_len;
	char			 text[AM_DNS_NAME_MAX + 1];
};

/*
 * One question on its way through a resolver: the checked query and
 * where its answer goes.  res is initialized (no records) on entry; the
 * implementation sets res->status, with records only for AM_DNS_OK.
 */
struct am_dns_job {
	struct am_dns_query	 q;
	struct am_dns_result	*res;
	struct am_dns_job	*dup_of;	/* same question: copy its answer */
	int			 done;		/* answered before dispatch */
};

struct am_dns_ops {
	const char		*name;
	/* One question; res is initialized (status unset, no records) on
	 * entry.  Used when resolve is NULL. */
	enum am_dns_status	(*lookup)(struct am_dns *,
				    const struct am_dns_query *,
				    struct am_dns_result *);
	/*
	 * Several questions at once (NULL: lookup one after another).
	 * deadline is an absolute CLOCK_MONOTONIC time in ms, or 0 for
	 * none: no job may wait past it.  The jobs are distinct questions.
	 */
	void			(*resolve)(struct am_dns *,
				    struct am_dns_job **, size_t n,
				    uint64_t deadline);
	void			(*free)(struct am_dns *);
};

struct am_dns_cache;

struct am_dns {
	const struct am_dns_ops	*ops;
	unsigned long		 queries;	/* atomic: __atomic builtins */
	struct am_dns_cache	*cache;		/* NULL: no shared cache */
	struct am_dns_stats	*stats;		/* borrowed; NULL: none */
};

/* dns_cache.c: the shared answer cache behind am_dns_cache_enable(). */
struct am_dns_cache *am_dns_cache_new(size_t max_bytes, uint32_t max_ttl,
		    uint32_t neg_ttl, uint32_t fail_ttl);
/* 1 and a copy of the answer in res on a hit, else 0. */
int		 am_dns_cache_get(struct am_dns_cache *, const char *name,
		    enum am_dns_type, struct am_dns_result *res);
void		 am_dns_cache_put(struct am_dns_cache *, const char *name,
		    enum am_dns_type, const struct am_dns_result *);
unsigned long	 am_dns_cache_hits(struct am_dns_cache *);
size_t		 am_dns_cache_bytes(struct am_dns_cache *);
void		 am_dns_cache_free(struct am_dns_cache **);

/*
 * am_dns_resolve - answer jobs through dns: its cache, then its
 * implementation (dns.c).  Jobs already done are skipped; duplicates
 * are asked once.  A timeout that ends at deadline (the caller's, not
 * the implementation's own) is not kept in the cache: it says nothing
 * about the name.
 */
void		 am_dns_resolve(struct am_dns *, struct am_dns_job **,
		    size_t n, uint64_t deadline);
/* Deep copy of the records of src into dst (dst->status set too). */
void		 am_dns_result_copy(struct am_dns_result *dst,
		    const struct am_dns_result *src);
/* CLOCK_MONOTONIC in ms. */
uint64_t	 am_dns_now(void);

/*
 * am_dns_reply_parse - what one UDP datagram says about q, as the ldns
 * resolver reads it (dns_ldns.c; also the fuzz target's entry): -1 if
 * it is not a reply to q (another ID, over the size we advertised, no
 * parse, QR clear, another question), which the resolver drops; else
 * res filled (records only with AM_DNS_OK) and 1 if TC was set, 0 if
 * not.  res must be initialized (no records) and is released by the
 * caller.
 */
int		 am_dns_reply_parse(const struct am_dns_query *, uint16_t id,
		    int edns, const uint8_t *buf, size_t n,
		    struct am_dns_result *res);

/* Parses and checks a query name; -1 if it is unusable (FORMERR). */
int		 am_dns_query_init(struct am_dns_query *, const char *name,
		    enum am_dns_type);
/* The ldns type for ours, or 0 for an unknown value. */
ldns_rr_type	 am_dns_type_to_ldns(enum am_dns_type);
/* A new owned ldns dname for the query name. */
ldns_rdf	*am_dns_query_dname(const struct am_dns_query *);
/*
 * Converts rr (which must be of the query's type) and appends it to
 * res.  Returns -1, leaving res alone, if the record data is malformed.
 */
int		 am_dns_result_push(struct am_dns_result *, const ldns_rr *,
		    enum am_dns_type);
/* Name as text: lower case, no trailing dot, odd bytes as \DDD. */
char		*am_dns_dname_str(const ldns_rdf *);
/* Status from a name such as "SERVFAIL"; -1 if unknown. */
int		 am_dns_status_parse(const char *, size_t,
		    enum am_dns_status *out);

/*
 * dns_ldns.c's transport, also used by dns_update.c: a server's
 * address, parsed from "IP", "IP@PORT", "[IP]", "[IP]@PORT" or
 * "[IP]:PORT" (tok[n], not NUL-terminated; port 53 by default); a
 * non-blocking socket connected to it; waiting for an event and moving
 * whole buffers over TCP, both until an absolute CLOCK_MONOTONIC
 * deadline in ms (am_dns_now_ms()).
 */
struct am_dns_ldns_srv {
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
};

/* What one exchange with one server came to. */
enum am_dns_xch {
	AM_DNS_XCH_OK,
	AM_DNS_XCH_TIMEOUT,		/* no reply by the deadline */
	AM_DNS_XCH_NETERR,		/* refused, unreachable, reset */
	AM_DNS_XCH_BAD			/* a reply we cannot use */
};

int		 am_dns_srv_parse(const char *tok, size_t n,
		    struct am_dns_ldns_srv *, struct am_err *);
int64_t		 am_dns_now_ms(void);
/* -1, or a socket of type (SOCK_DGRAM, SOCK_STREAM) connecting. */
int		 am_dns_socket(const struct am_dns_ldns_srv *, int type);
/* OK when fd has events (or an error the next call reports). */
enum am_dns_xch	 am_dns_wait(int fd, short events, int64_t deadline);
/* All of p[n] sent (writing) or received. */
enum am_dns_xch	 am_dns_tcp_io(int fd, uint8_t *p, size_t n, int writing,
		    int64_t deadline);

#endif /* AM_DNS_IMPL_H */
