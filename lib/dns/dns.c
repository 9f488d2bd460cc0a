/*
 * dns - dispatch to the configured implementation, and the helpers the
 * implementations share (query name checks, record conversion)
 */

#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "clock.h"
#include "dns.h"
#include "dns_impl.h"
#include "mem.h"

static const char *const am_dns_status_names[] = {
	[AM_DNS_OK] = "OK",
	[AM_DNS_NODATA] = "NODATA",
	[AM_DNS_NXDOMAIN] = "NXDOMAIN",
	[AM_DNS_SERVFAIL] = "SERVFAIL",
	[AM_DNS_TIMEOUT] = "TIMEOUT",
	[AM_DNS_FORMERR] = "FORMERR",
	[AM_DNS_REFUSED] = "REFUSED",
};

#define AM_DNS_NSTATUS \
	(sizeof(am_dns_status_names) / sizeof(am_dns_status_names[0]))

static inline int
am_dns_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

const char *
am_dns_status_name(enum am_dns_status st)
{
	if ((size_t)st >= AM_DNS_NSTATUS)
		return "UNKNOWN";
	return am_dns_status_names[st];
}

int
am_dns_status_parse(const char *s, size_t n, enum am_dns_status *out)
{
	size_t	 i;

	for (i = 0; i < AM_DNS_NSTATUS; i++) {
		if (strlen(am_dns_status_names[i]) == n &&
		    strncasecmp(am_dns_status_names[i], s, n) == 0) {
			*out = (enum am_dns_status)i;
			return 0;
		}
	}
	return -1;
}

ldns_rr_type
am_dns_type_to_ldns(enum am_dns_type type)
{
	switch (type) {
	case AM_DNS_A:
		return LDNS_RR_TYPE_A;
	case AM_DNS_AAAA:
		return LDNS_RR_TYPE_AAAA;
	case AM_DNS_TXT:
		return LDNS_RR_TYPE_TXT;
	case AM_DNS_MX:
		return LDNS_RR_TYPE_MX;
	case AM_DNS_PTR:
		return LDNS_RR_TYPE_PTR;
	case AM_DNS_CNAME:
		return LDNS_RR_TYPE_CNAME;
	case AM_DNS_NS:
		return LDNS_RR_TYPE_NS;
	}
	return 0;
}

/*
 * am_dns_query_init - check a query name and put it in wire form
 *
 * Every byte other than '.' is taken literally (no backslash escapes),
 * so a name built from hostile input cannot smuggle in a label
 * boundary.  One trailing dot is dropped.  Rejected: empty names,
 * empty labels, labels over 63 bytes and names over 253 bytes.
 */
int
am_dns_query_init(struct am_dns_query *q, const char *name,
    enum am_dns_type type)
{
	size_t	 len, i, lab, start;

	memset(q, 0, sizeof(*q));
	q->type = type;
	if ((q->rrtype = am_dns_type_to_ldns(type)) == 0 || name == NULL)
		return -1;
	len = strnlen(name, AM_DNS_NAME_MAX + 2);
	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > AM_DNS_NAME_MAX)
		return -1;

	start = 0;
	for (i = 0; i <= len; i++) {
		if (i < len && name[i] != '.') {
			q->text[i] = (char)am_dns_lower((unsigned char)name[i]);
			q->wire[i + 1] = (uint8_t)q->text[i];
			continue;
		}
		lab = i - start;
		if (lab == 0 || lab > AM_DNS_LABEL_MAX)
			return -1;
		q->wire[start] = (uint8_t)lab;	/* length byte before label */
		if (i < len)
			q->text[i] = '.';
		start = i + 1;
	}
	q->text[len] = '\0';
	q->wire[len + 1] = 0;			/* root label */
	q->wire_len = len + 2;
	return 0;
}

ldns_rdf *
am_dns_query_dname(const struct am_dns_query *q)
{
	ldns_rdf	*rdf;

	rdf = ldns_dname_new_frm_data((uint16_t)q->wire_len, q->wire);
	if (rdf == NULL) {
		fprintf(stderr, "authmilter: out of memory in ldns\n");
		abort();
	}
	return rdf;
}

/*
 * am_dns_dname_str - a dname as text for results
 *
 * Lower case, no trailing dot, the root as "".  Bytes that would make
 * the text ambiguous ('.', '\\') or unprintable are written as \DDD,
 * as in master files.  Returns NULL if the wire form is malformed.
 */
char *
am_dns_dname_str(const ldns_rdf *rdf)
{
	const uint8_t	*p;
	char		 out[AM_DNS_WIRE_MAX * 4 + 1];
	size_t		 size, off, o, lab, i;
	uint8_t		 c;

	if (rdf == NULL || ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_DNAME)
		return NULL;
	p = ldns_rdf_data(rdf);
	size = ldns_rdf_size(rdf);
	if (size == 0 || size > AM_DNS_WIRE_MAX)
		return NULL;
	for (off = 0, o = 0; off < size && p[off] != 0; off += lab + 1) {
		lab = p[off];
		if (lab > AM_DNS_LABEL_MAX || lab >= size - off)
			return NULL;
		if (o > 0)
			out[o++] = '.';
		for (i = 1; i <= lab; i++) {
			c = p[off + i];
			if (c <= 0x20 || c >= 0x7f || c == '.' || c == '\\')
				o += (size_t)snprintf(out + o, sizeof(out) - o,
				    "\\%03u", c);
			else
				out[o++] = (char)am_dns_lower(c);
		}
	}
	if (off >= size)
		return NULL;			/* no root label */
	out[o] = '\0';
	return am_strdup(out);
}

/* am_dns_txt_join - the character-strings of a TXT record, concatenated */

static int
am_dns_txt_join(const ldns_rr *rr, struct am_dns_rr *out)
{
	const ldns_rdf	*rdf;
	const uint8_t	*p;
	size_t		 i, n, total = 0;

	n = ldns_rr_rd_count(rr);
	for (i = 0; i < n; i++) {
		rdf = ldns_rr_rdf(rr, i);
		if (ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_STR ||
		    ldns_rdf_size(rdf) < 1 ||
		    (size_t)ldns_rdf_data(rdf)[0] + 1 > ldns_rdf_size(rdf))
			return -1;
		total += ldns_rdf_data(rdf)[0];
	}
	out->txt = am_malloc(total + 1);
	out->txt_len = 0;
	for (i = 0; i < n; i++) {
		p = ldns_rdf_data(ldns_rr_rdf(rr, i));
		memcpy(out->txt + out->txt_len, p + 1, p[0]);
		out->txt_len += p[0];
	}
	out->txt[out->txt_len] = '\0';
	return 0;
}

static int
am_dns_addr_copy(const ldns_rr *rr, size_t want, struct am_dns_rr *out)
{
	const ldns_rdf	*rdf = ldns_rr_rdf(rr, 0);

	if (ldns_rr_rd_count(rr) != 1 || ldns_rdf_size(rdf) != want)
		return -1;
	memcpy(out->addr, ldns_rdf_data(rdf), want);
	return 0;
}

static int
am_dns_rr_convert(const ldns_rr *rr, enum am_dns_type type,
    struct am_dns_rr *out)
{
	const ldns_rdf	*rdf;

	memset(out, 0, sizeof(*out));
	out->type = type;
	out->ttl = ldns_rr_ttl(rr);
	if (ldns_rr_get_type(rr) != am_dns_type_to_ldns(type))
		return -1;
	switch (type) {
	case AM_DNS_A:
		return am_dns_addr_copy(rr, 4, out);
	case AM_DNS_AAAA:
		return am_dns_addr_copy(rr, 16, out);
	case AM_DNS_TXT:
		return am_dns_txt_join(rr, out);
	case AM_DNS_MX:
		if (ldns_rr_rd_count(rr) != 2)
			return -1;
		rdf = ldns_rr_rdf(rr, 0);
		if (ldns_rdf_size(rdf) != 2)
			return -1;
		out->pref = ldns_rdf2native_int16(rdf);
		out->name = am_dns_dname_str(ldns_rr_rdf(rr, 1));
		return out->name == NULL ? -1 : 0;
	case AM_DNS_PTR:
	case AM_DNS_CNAME:
	case AM_DNS_NS:
		if (ldns_rr_rd_count(rr) != 1)
			return -1;
		out->name = am_dns_dname_str(ldns_rr_rdf(rr, 0));
		return out->name == NULL ? -1 : 0;
	}
	return -1;
}

static void
am_dns_rr_release(struct am_dns_rr *rr)
{
	free(rr->txt);
	free(rr->name);
	rr->txt = rr->name = NULL;
}

int
am_dns_result_push(struct am_dns_result *res, const ldns_rr *rr,
    enum am_dns_type type)
{
	struct am_dns_rr	 one;

	if (am_dns_rr_convert(rr, type, &one) == -1) {
		am_dns_rr_release(&one);
		return -1;
	}
	res->rr = am_realloc(res->rr, (res->n + 1) * sizeof(*res->rr));
	res->rr[res->n++] = one;
	return 0;
}

void
am_dns_result_release(struct am_dns_result *res)
{
	size_t	 i;

	if (res == NULL)
		return;
	for (i = 0; i < res->n; i++)
		am_dns_rr_release(&res->rr[i]);
	free(res->rr);
	res->rr = NULL;
	res->n = 0;
}

uint64_t
am_dns_now(void)
{
	return am_clock_ms(NULL, NULL);
}

void
am_dns_result_copy(struct am_dns_result *dst, const struct am_dns_result *src)
{
	size_t	 i;

	dst->status = src->status;
	dst->n = src->n;
	dst->rr = NULL;
	if (src->n == 0)
		return;
	dst->rr = am_calloc(src->n, sizeof(*dst->rr));
	for (i = 0; i < src->n; i++) {
		dst->rr[i] = src->rr[i];
		if (src->rr[i].txt != NULL) {
			dst->rr[i].txt = am_malloc(src->rr[i].txt_len + 1);
			memcpy(dst->rr[i].txt, src->rr[i].txt,
			    src->rr[i].txt_len + 1);
		}
		if (src->rr[i].name != NULL)
			dst->rr[i].name = am_strdup(src->rr[i].name);
	}
}

int
am_dns_name_ok(const char *name)
{
	struct am_dns_query	 q;

	return am_dns_query_init(&q, name, AM_DNS_TXT) == 0;
}

/* am_dns_same - the same question (names are lower case already) */

static int
am_dns_same(const struct am_dns_job *a, const struct am_dns_job *b)
{
	return a->q.type == b->q.type && a->q.wire_len == b->q.wire_len &&
	    memcmp(a->q.wire, b->q.wire, a->q.wire_len) == 0;
}

/* The histogram's upper bounds (authmilter.8, METRICS). */
const uint64_t am_dns_lat_bound_us[AM_DNS_LAT_NB] = {
	1000, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000,
	2500000, 5000000, 10000000
};

static uint64_t
am_dns_now_us(void)
{
	return am_clock_us() + 1;
}

/* am_dns_stats_add - n questions answered by the implementation in us */

static void
am_dns_stats_add(struct am_dns_stats *st, struct am_dns_job **jobs, size_t n,
    uint64_t us)
{
	size_t	 i, b;

	for (b = 0; b < AM_DNS_LAT_NB && us > am_dns_lat_bound_us[b]; b++)
		;
	__atomic_add_fetch(&st->lat[b], n, __ATOMIC_RELAXED);
	__atomic_add_fetch(&st->lat_sum_us, us * n, __ATOMIC_RELAXED);
	for (i = 0; i < n; i++)
		if ((unsigned)jobs[i]->res->status < AM_DNS_STATS_NSTATUS)
			__atomic_add_fetch(&st->status[jobs[i]->res->status],
			    1, __ATOMIC_RELAXED);
}

void
am_dns_stats_attach(struct am_dns *dns, struct am_dns_stats *st)
{
	if (dns != NULL)
		dns->stats = st;
}

/* am_dns_dispatch - the implementation answers the distinct jobs */

static void
am_dns_dispatch(struct am_dns *dns, struct am_dns_job **jobs, size_t n,
    uint64_t deadline)
{
	size_t	 i;

	if (n == 0)
		return;
	if (dns->ops->resolve != NULL) {
		dns->ops->resolve(dns, jobs, n, deadline);
		return;
	}
	for (i = 0; i < n; i++)
		jobs[i]->res->status = dns->ops->lookup(dns, &jobs[i]->q,
		    jobs[i]->res);
}

void
am_dns_resolve(struct am_dns *dns, struct am_dns_job **jobs, size_t n,
    uint64_t deadline)
{
	struct am_dns_job	**todo;
	struct am_dns_result	*res;
	size_t			 i, j, m = 0;
	uint64_t		 t0;
	int			 cut;

	todo = am_calloc(n > 0 ? n : 1, sizeof(*todo));
	for (i = 0; i < n; i++) {
		jobs[i]->dup_of = NULL;
		if (jobs[i]->done)
			continue;
		if (dns->cache != NULL && am_dns_cache_get(dns->cache,
		    jobs[i]->q.text, jobs[i]->q.type, jobs[i]->res)) {
			jobs[i]->done = 1;
			if (dns->stats != NULL)
				__atomic_add_fetch(&dns->stats->cache_hits, 1,
				    __ATOMIC_RELAXED);
			continue;
		}
		for (j = 0; j < m && !am_dns_same(todo[j], jobs[i]); j++)
			;
		if (j < m)
			jobs[i]->dup_of = todo[j];
		else
			todo[m++] = jobs[i];
	}
	t0 = dns->stats != NULL && m > 0 ? am_dns_now_us() : 0;
	am_dns_dispatch(dns, todo, m, deadline);
	if (t0 != 0)
		am_dns_stats_add(dns->stats, todo, m, am_dns_now_us() - t0);
	cut = deadline != 0 && am_dns_now() >= deadline;
	for (i = 0; i < m; i++) {
		res = todo[i]->res;
		if (res->status != AM_DNS_OK)
			am_dns_result_release(res);	/* records only with OK */
		todo[i]->done = 1;
		if (dns->cache != NULL && !(cut && res->status == AM_DNS_TIMEOUT))
			am_dns_cache_put(dns->cache, todo[i]->q.text,
			    todo[i]->q.type, res);
	}
	for (i = 0; i < n; i++)
		if (jobs[i]->dup_of != NULL) {
			am_dns_result_copy(jobs[i]->res, jobs[i]->dup_of->res);
			jobs[i]->dup_of = NULL;
			jobs[i]->done = 1;
		}
	free(todo);
}

/* am_dns_job_init - check one question; done (FORMERR) if unusable */

static void
am_dns_job_init(struct am_dns *dns, struct am_dns_job *job, const char *name,
    enum am_dns_type type, struct am_dns_result *res)
{
	memset(job, 0, sizeof(*job));
	job->res = res;
	res->status = AM_DNS_FORMERR;
	res->n = 0;
	res->rr = NULL;
	if (dns == NULL || am_dns_query_init(&job->q, name, type) == -1)
		job->done = 1;
	if (dns != NULL)
		__atomic_add_fetch(&dns->queries, 1, __ATOMIC_RELAXED);
}

enum am_dns_status
am_dns_lookup(struct am_dns *dns, const char *name, enum am_dns_type type,
    struct am_dns_result *res)
{
	struct am_dns_job	 job, *jp = &job;

	am_dns_job_init(dns, &job, name, type, res);
	if (!job.done)
		am_dns_resolve(dns, &jp, 1, 0);
	return res->status;
}

void
am_dns_query_many(struct am_dns *dns, struct am_dns_q *qs, size_t n)
{
	struct am_dns_job	 *jobs, **ptrs;
	size_t			  i;

	if (n == 0)
		return;
	jobs = am_calloc(n, sizeof(*jobs));
	ptrs = am_calloc(n, sizeof(*ptrs));
	for (i = 0; i < n; i++) {
		am_dns_job_init(dns, &jobs[i], qs[i].name, qs[i].type,
		    &qs[i].res);
		ptrs[i] = &jobs[i];
	}
	if (dns != NULL)
		am_dns_resolve(dns, ptrs, n, 0);
	free(ptrs);
	free(jobs);
}

void
am_dns_cache_enable(struct am_dns *dns, size_t max_bytes, uint32_t max_ttl,
    uint32_t neg_ttl, uint32_t fail_ttl)
{
	if (dns != NULL && dns->cache == NULL)
		dns->cache = am_dns_cache_new(max_bytes, max_ttl, neg_ttl,
		    fail_ttl);
}

size_t
am_dns_cache_size(const struct am_dns *dns)
{
	return dns != NULL && dns->cache != NULL ?
	    am_dns_cache_bytes(dns->cache) : 0;
}

unsigned long
am_dns_cache_hit_count(const struct am_dns *dns)
{
	return dns != NULL && dns->cache != NULL ?
	    am_dns_cache_hits(dns->cache) : 0;
}

unsigned long
am_dns_query_count(const struct am_dns *dns)
{
	if (dns == NULL)
		return 0;
	return __atomic_load_n(&dns->queries, __ATOMIC_RELAXED);
}

void
am_dns_free(struct am_dns **dnsp)
{
	if (dnsp == NULL || *dnsp == NULL)
		return;
	am_dns_cache_free(&(*dnsp)->cache);
	(*dnsp)->ops->free(*dnsp);
	*dnsp = NULL;
}

int
am_dns_reverse_name(const char *ip, const char *zone, char *out, size_t size)
{
	static const unsigned char mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	unsigned char	 b[16];
	size_t		 off = 0, i;
	int		 n;

	if (ip == NULL)
		return -1;
	if (inet_pton(AF_INET, ip, b) != 1) {
		if (inet_pton(AF_INET6, ip, b) != 1)
			return -1;
		if (memcmp(b, mapped, sizeof(mapped)) != 0) {
			for (i = 16; i-- > 0;) {
				n = snprintf(out + off, size - off, "%x.%x.",
				    b[i] & 0xf, b[i] >> 4);
				if (n < 0 || (size_t)n >= size - off)
					return -1;
				off += (size_t)n;
			}
			n = snprintf(out + off, size - off, "%s",
			    zone != NULL ? zone : "ip6.arpa");
			return n < 0 || (size_t)n >= size - off ? -1 : 0;
		}
		memmove(b, b + 12, 4);
	}
	n = snprintf(out, size, "%u.%u.%u.%u.%s", b[3], b[2], b[1], b[0],
	    zone != NULL ? zone : "in-addr.arpa");
	return n < 0 || (size_t)n >= size ? -1 : 0;
}
