/*
 * dns_zone - answers from master files loaded into memory
 *
 * For tests and the tool's --zone.  Every record of every loaded file
 * sits in one array sorted in DNSSEC canonical order (RFC 4034 6.1) of
 * owner names, then by type.  In that order the names below a name
 * follow it directly, so one binary search tells "has records",
 * "empty non-terminal" (NODATA) and "does not exist" (NXDOMAIN) apart.
 *
 * Besides the records, a small table forces a status for a name
 * (am_dns_zone_fail() or ";@fail NAME STATUS" lines).  The NAME in such
 * a line is always absolute; $ORIGIN does not apply to it.
 *
 * Locking: a read-write lock; lookups share it, loads take it alone.
 * A load parses into private arrays first and merges only on success,
 * so a file with an error leaves the resolver as it was.
 */

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dns.h"
#include "dns_impl.h"
#include "mem.h"

#define AM_DNS_ZONE_TTL		300		/* when there is no $TTL */
#define AM_DNS_ZONE_FILE_MAX	(64u << 20)	/* bytes per master file */
#define AM_DNS_ZONE_FAIL_TAG	";@fail"

struct am_dns_zone_fail {
	ldns_rdf		*name;
	enum am_dns_status	 status;
};

/* Records and fail entries, either loaded or being loaded. */
struct am_dns_zone_set {
	ldns_rr			**rr;
	size_t			 nrr, caprr;
	struct am_dns_zone_fail	*fail;
	size_t			 nfail;
};

struct am_dns_zone {
	struct am_dns		 base;		/* first: we cast from it */
	pthread_rwlock_t	 lock;
	struct am_dns_zone_set	 set;
};

static enum am_dns_status am_dns_zone_lookup(struct am_dns *,
		    const struct am_dns_query *, struct am_dns_result *);
static void	am_dns_zone_destroy(struct am_dns *);

static const struct am_dns_ops am_dns_zone_ops = {
	"zone",
	am_dns_zone_lookup,
	NULL,			/* instant: one question after another */
	am_dns_zone_destroy,
};

static struct am_dns_zone *
am_dns_zone_cast(struct am_dns *dns)
{
	if (dns == NULL || dns->ops != &am_dns_zone_ops)
		return NULL;
	return (struct am_dns_zone *)dns;
}

/* ------------------------------------------------------------ set */

static void
am_dns_zone_set_release(struct am_dns_zone_set *s)
{
	size_t	 i;

	for (i = 0; i < s->nrr; i++)
		ldns_rr_free(s->rr[i]);
	for (i = 0; i < s->nfail; i++)
		ldns_rdf_deep_free(s->fail[i].name);
	free(s->rr);
	free(s->fail);
	memset(s, 0, sizeof(*s));
}

static void
am_dns_zone_add_rr(struct am_dns_zone_set *s, ldns_rr *rr)
{
	if (s->nrr == s->caprr) {
		s->caprr = s->caprr == 0 ? 64 : s->caprr * 2;
		s->rr = am_realloc(s->rr, s->caprr * sizeof(*s->rr));
	}
	s->rr[s->nrr++] = rr;
}

/* Takes name.  A later entry for the same name replaces an earlier one;
 * AM_DNS_OK removes it. */
static void
am_dns_zone_add_fail(struct am_dns_zone_set *s, ldns_rdf *name,
    enum am_dns_status st)
{
	size_t	 i;

	for (i = 0; i < s->nfail; i++)
		if (ldns_dname_compare(s->fail[i].name, name) == 0)
			break;
	if (i < s->nfail) {
		ldns_rdf_deep_free(s->fail[i].name);
		s->fail[i] = s->fail[--s->nfail];
	}
	if (st == AM_DNS_OK) {
		ldns_rdf_deep_free(name);
		return;
	}
	s->fail = am_realloc(s->fail, (s->nfail + 1) * sizeof(*s->fail));
	s->fail[s->nfail].name = name;
	s->fail[s->nfail].status = st;
	s->nfail++;
}

static int
am_dns_zone_rr_cmp(const void *a, const void *b)
{
	const ldns_rr	*ra = *(ldns_rr *const *)a;
	const ldns_rr	*rb = *(ldns_rr *const *)b;
	int		 c;

	c = ldns_dname_compare(ldns_rr_owner(ra), ldns_rr_owner(rb));
	if (c != 0)
		return c;
	if (ldns_rr_get_type(ra) != ldns_rr_get_type(rb))
		return ldns_rr_get_type(ra) < ldns_rr_get_type(rb) ? -1 : 1;
	return 0;
}

/* Moves everything from src into dst and sorts dst; src is emptied. */
static void
am_dns_zone_merge(struct am_dns_zone_set *dst, struct am_dns_zone_set *src)
{
	size_t	 i;

	for (i = 0; i < src->nrr; i++)
		am_dns_zone_add_rr(dst, src->rr[i]);
	for (i = 0; i < src->nfail; i++)
		am_dns_zone_add_fail(dst, src->fail[i].name,
		    src->fail[i].status);
	src->nrr = src->nfail = 0;
	am_dns_zone_set_release(src);
	if (dst->nrr > 1)
		qsort(dst->rr, dst->nrr, sizeof(*dst->rr), am_dns_zone_rr_cmp);
}

/* ------------------------------------------------------------ parse */

/* am_dns_zone_fail_line - parse ";@fail NAME STATUS" (p is past the tag) */

static int
am_dns_zone_fail_line(struct am_dns_zone_set *s, const char *p,
    const char *end, const char *what, int line, struct am_err *err)
{
	struct am_dns_query	 q;
	enum am_dns_status	 st;
	const char		*name, *word;
	char			 tmp[AM_DNS_NAME_MAX + 2];
	size_t			 nlen, wlen;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	for (name = p; p < end && *p != ' ' && *p != '\t'; p++)
		;
	nlen = (size_t)(p - name);
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	for (word = p; p < end && *p != ' ' && *p != '\t' && *p != '\r'; p++)
		;
	wlen = (size_t)(p - word);
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;

	if (nlen == 0 || nlen >= sizeof(tmp) || wlen == 0 || p != end)
		return am_err_set(err, AM_E_SYNTAX,
		    "%s:%d: want \";@fail NAME STATUS\"", what, line);
	memcpy(tmp, name, nlen);
	tmp[nlen] = '\0';
	if (am_dns_query_init(&q, tmp, AM_DNS_A) == -1)
		return am_err_set(err, AM_E_SYNTAX,
		    "%s:%d: bad name in @fail", what, line);
	if (am_dns_status_parse(word, wlen, &st) == -1 || st == AM_DNS_OK)
		return am_err_set(err, AM_E_SYNTAX,
		    "%s:%d: unknown status \"%.*s\" in @fail", what, line,
		    (int)(wlen > 20 ? 20 : wlen), word);
	am_dns_zone_add_fail(s, am_dns_query_dname(&q), st);
	return 0;
}

/* am_dns_zone_scan_fail - find the ";@fail" comment lines ldns skips */

static int
am_dns_zone_scan_fail(struct am_dns_zone_set *s, const char *text,
    size_t len, const char *what, struct am_err *err)
{
	const char	*p = text, *end = text + len, *eol;
	size_t		 taglen = strlen(AM_DNS_ZONE_FAIL_TAG);
	int		 line;

	for (line = 1; p < end; line++, p = eol + 1) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		while (p < eol && (*p == ' ' || *p == '\t'))
			p++;
		if ((size_t)(eol - p) <= taglen ||
		    memcmp(p, AM_DNS_ZONE_FAIL_TAG, taglen) != 0 ||
		    (p[taglen] != ' ' && p[taglen] != '\t'))
			continue;
		if (am_dns_zone_fail_line(s, p + taglen, eol, what, line,
		    err) == -1)
			return -1;
	}
	return 0;
}

/* am_dns_zone_parse_fp - read every record with ldns; keep class IN */

static int
am_dns_zone_parse_fp(struct am_dns_zone_set *s, FILE *fp, const char *what,
    struct am_err *err)
{
	ldns_rdf	*origin, *prev = NULL;
	ldns_rr		*rr;
	ldns_status	 st;
	uint32_t	 ttl = AM_DNS_ZONE_TTL;
	int		 line = 0, rc = 0;	/* ldns counts newlines read */

	if (ldns_str2rdf_dname(&origin, ".") != LDNS_STATUS_OK)
		return am_err_set(err, AM_E_NOMEM, "ldns: no memory");
	while (rc == 0 && !feof(fp)) {
		rr = NULL;
		st = ldns_rr_new_frm_fp_l(&rr, fp, &ttl, &origin, &prev, &line);
		switch (st) {
		case LDNS_STATUS_OK:
			if (ldns_rr_get_class(rr) == LDNS_RR_CLASS_IN)
				am_dns_zone_add_rr(s, rr);
			else
				ldns_rr_free(rr);
			break;
		case LDNS_STATUS_SYNTAX_EMPTY:
		case LDNS_STATUS_SYNTAX_TTL:
		case LDNS_STATUS_SYNTAX_ORIGIN:
			break;
		case LDNS_STATUS_SYNTAX_INCLUDE:
			rc = am_err_set(err, AM_E_UNSUPPORTED,
			    "%s:%d: $INCLUDE is not supported", what, line);
			break;
		default:
			rc = am_err_set(err, AM_E_SYNTAX, "%s:%d: %s", what,
			    line, ldns_get_errorstr_by_id(st));
			break;
		}
	}
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	return rc;
}

/* am_dns_zone_load_mem - parse a whole master file, then merge it in */

static int
am_dns_zone_load_mem(struct am_dns_zone *z, const char *text, size_t len,
    const char *what, struct am_err *err)
{
	struct am_dns_zone_set	 s;
	struct am_buf		 nl;
	FILE			*fp;
	int			 rc = 0;

	memset(&s, 0, sizeof(s));
	am_buf_init(&nl, len + 1);
	if (len > 0 && text[len - 1] != '\n') {
		/* ldns counts lines by newlines: end the last one. */
		(void)am_buf_append(&nl, text, len);
		(void)am_buf_appendc(&nl, '\n');
		text = (const char *)nl.data;
		len = nl.len;
	}
	if (am_dns_zone_scan_fail(&s, text, len, what, err) == -1)
		rc = -1;
	else if (len > 0) {
		if ((fp = fmemopen((void *)(uintptr_t)text, len, "r")) == NULL)
			rc = am_err_set(err, AM_E_IO, "fmemopen: %s",
			    strerror(errno));
		else {
			rc = am_dns_zone_parse_fp(&s, fp, what, err);
			fclose(fp);
		}
	}
	am_buf_release(&nl);
	if (rc == -1) {
		am_dns_zone_set_release(&s);
		return -1;
	}
	pthread_rwlock_wrlock(&z->lock);
	am_dns_zone_merge(&z->set, &s);
	pthread_rwlock_unlock(&z->lock);
	return 0;
}

int
am_dns_zone_load_string(struct am_dns *dns, const char *text,
    struct am_err *err)
{
	struct am_dns_zone	*z = am_dns_zone_cast(dns);

	if (z == NULL || text == NULL)
		return am_err_set(err, AM_E_USAGE,
		    "am_dns_zone_load_string: not a zone resolver");
	return am_dns_zone_load_mem(z, text, strlen(text), "(string)", err);
}

int
am_dns_zone_load(struct am_dns *dns, const char *path, struct am_err *err)
{
	struct am_dns_zone	*z = am_dns_zone_cast(dns);
	struct am_buf		 b;
	FILE			*fp;
	char			 chunk[16384];
	size_t			 n;
	int			 rc;

	if (z == NULL || path == NULL)
		return am_err_set(err, AM_E_USAGE,
		    "am_dns_zone_load: not a zone resolver");
	if ((fp = fopen(path, "r")) == NULL)
		return am_err_set(err, AM_E_IO, "%s: %s", path,
		    strerror(errno));
	am_buf_init(&b, AM_DNS_ZONE_FILE_MAX);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		(void)am_buf_append(&b, chunk, n);
	if (ferror(fp))
		rc = am_err_set(err, AM_E_IO, "%s: read error", path);
	else if (b.err)
		rc = am_err_set(err, AM_E_LIMIT, "%s: larger than %u bytes",
		    path, AM_DNS_ZONE_FILE_MAX);
	else
		rc = am_dns_zone_load_mem(z, am_buf_str(&b), b.len, path, err);
	fclose(fp);
	am_buf_release(&b);
	return rc;
}

void
am_dns_zone_fail(struct am_dns *dns, const char *name, enum am_dns_status st)
{
	struct am_dns_zone	*z = am_dns_zone_cast(dns);
	struct am_dns_query	 q;

	if (z == NULL || am_dns_query_init(&q, name, AM_DNS_A) == -1)
		return;
	pthread_rwlock_wrlock(&z->lock);
	am_dns_zone_add_fail(&z->set, am_dns_query_dname(&q), st);
	pthread_rwlock_unlock(&z->lock);
}

/* ------------------------------------------------------------ lookup */

static int
am_dns_zone_forced(const struct am_dns_zone_set *s, const ldns_rdf *name,
    enum am_dns_status *out)
{
	size_t	 i;

	for (i = 0; i < s->nfail; i++) {
		if (ldns_dname_compare(s->fail[i].name, name) == 0) {
			*out = s->fail[i].status;
			return 1;
		}
	}
	return 0;
}

/* First index whose owner is not before name. */
static size_t
am_dns_zone_lower(const struct am_dns_zone_set *s, const ldns_rdf *name)
{
	size_t	 lo = 0, hi = s->nrr, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ldns_dname_compare(ldns_rr_owner(s->rr[mid]), name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * am_dns_zone_answer - answer for one name, following CNAMEs
 *
 * name points into the loaded records (or the query); it stays valid
 * while the read lock is held.
 */
static enum am_dns_status
am_dns_zone_answer(const struct am_dns_zone_set *s, const ldns_rdf *name,
    const struct am_dns_query *q, struct am_dns_result *res)
{
	const ldns_rr		*cname;
	enum am_dns_status	 forced;
	size_t			 lo, hi, i;
	int			 hop;

	for (hop = 0;; hop++) {
		if (am_dns_zone_forced(s, name, &forced))
			return forced;
		lo = am_dns_zone_lower(s, name);
		for (hi = lo; hi < s->nrr &&
		    ldns_dname_compare(ldns_rr_owner(s->rr[hi]), name) == 0;
		    hi++)
			;
		if (lo == hi)
			return lo < s->nrr && ldns_dname_is_subdomain(
			    ldns_rr_owner(s->rr[lo]), name) ?
			    AM_DNS_NODATA : AM_DNS_NXDOMAIN;

		cname = NULL;
		for (i = lo; i < hi; i++) {
			if (ldns_rr_get_type(s->rr[i]) == q->rrtype) {
				if (am_dns_result_push(res, s->rr[i],
				    q->type) == -1)
					return AM_DNS_FORMERR;
			} else if (ldns_rr_get_type(s->rr[i]) ==
			    LDNS_RR_TYPE_CNAME)
				cname = s->rr[i];
		}
		if (res->n > 0)
			return AM_DNS_OK;
		if (cname == NULL || ldns_rr_rd_count(cname) != 1)
			return AM_DNS_NODATA;
		if (hop >= AM_DNS_CNAME_MAX)
			return AM_DNS_SERVFAIL;		/* too long or a loop */
		name = ldns_rr_rdf(cname, 0);
	}
}

static enum am_dns_status
am_dns_zone_lookup(struct am_dns *dns, const struct am_dns_query *q,
    struct am_dns_result *res)
{
	struct am_dns_zone	*z = (struct am_dns_zone *)dns;
	enum am_dns_status	 st;
	ldns_rdf		*name;

	name = am_dns_query_dname(q);
	pthread_rwlock_rdlock(&z->lock);
	st = am_dns_zone_answer(&z->set, name, q, res);
	pthread_rwlock_unlock(&z->lock);
	ldns_rdf_deep_free(name);
	return st;
}

/* ------------------------------------------------------------ life */

struct am_dns *
am_dns_zone_new(void)
{
	struct am_dns_zone	*z;

	z = am_calloc(1, sizeof(*z));
	z->base.ops = &am_dns_zone_ops;
	if (pthread_rwlock_init(&z->lock, NULL) != 0) {
		free(z);
		return NULL;
	}
	return &z->base;
}

static void
am_dns_zone_destroy(struct am_dns *dns)
{
	struct am_dns_zone	*z = (struct am_dns_zone *)dns;

	am_dns_zone_set_release(&z->set);
	pthread_rwlock_destroy(&z->lock);
	free(z);
}
