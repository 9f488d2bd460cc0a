/*
 * engine_iprev - the "iprev" check of RFC 8601 section 2.7.3: is the
 * client address's reverse DNS name confirmed by its forward lookup?
 *
 * At MAIL FROM, once per connection (the result is kept in struct
 * am_engine_conn for the connection's later messages, unless it is a
 * temperror, which may clear up), through the message's DNS view (its
 * DNSBudget):
 *   1. the PTR records of the address's reverse name (in-addr.arpa or
 *	ip6.arpa; an IPv4-mapped IPv6 address is looked up as IPv4);
 *	no PTR record (NXDOMAIN, NODATA): permerror; SERVFAIL, timeout,
 *	a malformed answer: temperror;
 *   2. the first AM_IPREV_MAXPTR names (RFC 7208 4.6.4 uses the same
 *	bound), each asked for A (IPv4) or AAAA (IPv6), all at once;
 *   3. pass when one of them gives the address back; else temperror
 *	when one of those lookups failed for a reason that may clear up;
 *	else fail (the names resolve elsewhere, or do not exist).
 *
 * Written into our Authentication-Results as
 *	iprev=pass policy.iprev=192.0.2.1 (mail.example.com)
 * (RFC 8601 2.7.3 and its registry: ptype "policy", property "iprev",
 * the address as value; the name as a comment).  A trusted client
 * (iprev_skip) and a client without an address are not checked.
 */

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "authres.h"
#include "engine_impl.h"

const char *
am_iprev_verdict_name(enum am_iprev_verdict v)
{
	switch (v) {
	case AM_IPREV_PASS:		return "pass";
	case AM_IPREV_FAIL:		return "fail";
	case AM_IPREV_TEMPERROR:	return "temperror";
	case AM_IPREV_PERMERROR:	return "permerror";
	case AM_IPREV_NONE:		break;
	}
	return "none";
}

/* The address as 4 or 16 bytes; 4 for an IPv4-mapped IPv6 address. */
static int
am_iprev_addr(const char *ip, unsigned char *b, size_t *len)
{
	static const unsigned char mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	if (ip == NULL)
		return -1;
	if (inet_pton(AF_INET, ip, b) == 1) {
		*len = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, ip, b) != 1)
		return -1;
	*len = 16;
	if (memcmp(b, mapped, sizeof(mapped)) == 0) {
		memmove(b, b + 12, 4);
		*len = 4;
	}
	return 0;
}

int
am_engine_iprev_rname(const char *ip, char *out, size_t size)
{
	return am_dns_reverse_name(ip, NULL, out, size);
}

static int
am_iprev_transient(enum am_dns_status st)
{
	return st == AM_DNS_SERVFAIL || st == AM_DNS_TIMEOUT ||
	    st == AM_DNS_REFUSED || st == AM_DNS_FORMERR;
}

static void am_iprev_set(struct am_engine_iprev *, enum am_iprev_verdict,
    const char *, ...) __attribute__((format(printf, 3, 4)));

static void
am_iprev_set(struct am_engine_iprev *r, enum am_iprev_verdict v,
    const char *fmt, ...)
{
	va_list	 ap;

	r->verdict = v;
	va_start(ap, fmt);
	(void)vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
}

/* Step 2 and 3: the forward lookups of the PTR names. */
static void
am_iprev_forward(struct am_dns *dns, const struct am_dns_result *ptr,
    const unsigned char *addr, size_t alen, struct am_engine_iprev *r)
{
	struct am_dns_q	 q[AM_IPREV_MAXPTR];
	size_t		 n = 0, i, k;
	int		 transient = 0;
	const char	*bad = NULL;

	for (i = 0; i < ptr->n && n < AM_IPREV_MAXPTR; i++) {
		if (ptr->rr[i].type != AM_DNS_PTR || ptr->rr[i].name == NULL)
			continue;
		if (r->name[0] == '\0')
			(void)snprintf(r->name, sizeof(r->name), "%s",
			    ptr->rr[i].name);
		if (!am_dns_name_ok(ptr->rr[i].name) ||
		    strchr(ptr->rr[i].name, '\\') != NULL) {
			bad = ptr->rr[i].name;
			continue;
		}
		q[n].name = ptr->rr[i].name;
		q[n].type = alen == 4 ? AM_DNS_A : AM_DNS_AAAA;
		n++;
	}
	am_dns_query_many(dns, q, n);
	for (i = 0; i < n && r->verdict != AM_IPREV_PASS; i++) {
		if (am_iprev_transient(q[i].res.status))
			transient = 1;
		for (k = 0; k < q[i].res.n; k++)
			if (memcmp(q[i].res.rr[k].addr, addr, alen) == 0) {
				(void)snprintf(r->name, sizeof(r->name), "%s",
				    q[i].name);
				am_iprev_set(r, AM_IPREV_PASS, "%.100s resolves "
				    "to %s", q[i].name, r->ip);
				break;
			}
	}
	if (r->verdict != AM_IPREV_PASS) {
		if (transient)
			am_iprev_set(r, AM_IPREV_TEMPERROR, "forward lookup of "
			    "%.100s%s failed", r->name, n > 1 ? " or another "
			    "PTR name" : "");
		else if (n == 0)
			am_iprev_set(r, AM_IPREV_FAIL, "PTR name %.100s is not "
			    "a host name", bad != NULL ? bad : "");
		else
			am_iprev_set(r, AM_IPREV_FAIL, "%.100s%s does not "
			    "resolve to the client address", r->name,
			    n > 1 ? " (nor any other PTR name)" : "");
	}
	for (i = 0; i < n; i++)
		am_dns_result_release(&q[i].res);
}

/* The check itself, on an address known to parse. */
static void
am_iprev_run(struct am_dns *dns, const char *ip, struct am_engine_iprev *r)
{
	unsigned char		 addr[16];
	size_t			 alen;
	char			 rname[80];
	struct am_dns_result	 ptr;
	enum am_dns_status	 st;

	memset(r, 0, sizeof(*r));
	(void)snprintf(r->ip, sizeof(r->ip), "%s", ip);
	if (am_iprev_addr(ip, addr, &alen) == -1 ||
	    am_engine_iprev_rname(ip, rname, sizeof(rname)) == -1) {
		am_iprev_set(r, AM_IPREV_PERMERROR, "%.60s is not an IP "
		    "address", ip);
		return;
	}
	st = am_dns_lookup(dns, rname, AM_DNS_PTR, &ptr);
	if (st == AM_DNS_NXDOMAIN || st == AM_DNS_NODATA)
		am_iprev_set(r, AM_IPREV_PERMERROR, "no PTR record for %s "
		    "(%s)", ip, am_dns_status_name(st));
	else if (st != AM_DNS_OK)
		am_iprev_set(r, AM_IPREV_TEMPERROR, "PTR lookup for %s: %s",
		    ip, am_dns_status_name(st));
	else
		am_iprev_forward(dns, &ptr, addr, alen, r);
	am_dns_result_release(&ptr);
}

void
am_engine_iprev_check(struct am_engine *e, struct am_engine_conn *conn)
{
	struct am_engine_iprev	*r = &e->iprev;
	const char		*ip = e->client.ip;

	memset(r, 0, sizeof(*r));
	if (!e->opts.iprev || ip == NULL || ip[0] == '\0' ||
	    e->client.iprev_skip) {
		if (e->opts.why)
			(void)am_buf_printf(&e->why, "iprev: not checked (%s)\n",
			    !e->opts.iprev ? "off" : ip == NULL || ip[0] ==
			    '\0' ? "no client address" : "trusted client");
		return;
	}
	if (conn != NULL && conn->iprev_done &&
	    strcmp(conn->iprev.ip, ip) == 0)
		*r = conn->iprev;
	else {
		am_iprev_run(e->dns, ip, r);
		if (conn != NULL) {
			conn->iprev = *r;
			conn->iprev_done = r->verdict != AM_IPREV_TEMPERROR;
		}
	}
	if (e->opts.why)
		(void)am_buf_printf(&e->why, "iprev: %s: %s\n",
		    am_iprev_verdict_name(r->verdict), r->why);
}

const struct am_engine_iprev *
am_engine_iprev(const struct am_engine *e)
{
	return &e->iprev;
}

void
am_engine_iprev_authres(const struct am_engine *e, struct am_buf *ar)
{
	const struct am_engine_iprev	*r = &e->iprev;
	struct am_authres		 a;

	if (r->verdict == AM_IPREV_NONE)
		return;
	am_authres_init(&a);
	am_authres_method(&a, "iprev", am_iprev_verdict_name(r->verdict));
	am_authres_prop(&a, "policy", "iprev", r->ip);
	if (r->name[0] != '\0')
		am_authres_comment(&a, r->name);
	(void)am_buf_printf(ar, ";\n\t%s", am_authres_str(&a));
	am_authres_release(&a);
}

void
am_engine_iprev_logline(const struct am_engine *e, struct am_buf *line)
{
	const struct am_engine_iprev	*r = &e->iprev;

	if (r->verdict == AM_IPREV_NONE)
		return;
	(void)am_buf_printf(line, "; iprev=%s", am_iprev_verdict_name(
	    r->verdict));
	if (r->name[0] != '\0')
		(void)am_buf_printf(line, " (%.120s)", r->name);
}
