/*
 * audit_dmarc - a domain's DMARC policy as receivers will find it
 * (RFC 9989)
 *
 * Checks: dmarc.record (one record at _dmarc.DOMAIN, or the record of
 * the Organizational Domain found by the DNS Tree Walk, 4.10),
 * dmarc.org (that Organizational Domain, for information), dmarc.syntax
 * (lib/dmarc's parser: an invalid p= FAILs, other invalid or duplicate
 * tags and dropped URIs WARN), dmarc.policy (p=none WARNs: it asks for
 * reports and protects nothing), dmarc.testing (t=y), dmarc.rua (no
 * aggregate reports asked for) and dmarc.rua-auth / dmarc.ruf-auth
 * (a report address outside the Organizational Domain needs
 * DOMAIN._report._dmarc.DEST to say v=DMARC1, RFC 9990 section 3).
 */

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "dmarc.h"
#include "domain.h"

#define AM_DMARC_RFC	"RFC 9989 4.7"

/* The record to publish: _dmarc.DOMAIN with the given p and rua. */
static void
am_dmarc_fix(struct am_audit_finding *f, const char *what, const char *domain,
    const char *p, const char *rua)
{
	if (rua != NULL && rua[0] != '\0')
		am_audit_fix(f, "%s: _dmarc.%s. IN TXT \"v=DMARC1; p=%s; "
		    "rua=%s\"", what, domain, p, rua);
	else
		am_audit_fix(f, "%s: _dmarc.%s. IN TXT \"v=DMARC1; p=%s; "
		    "rua=mailto:dmarc-reports@%s\"", what, domain, p, domain);
}

/* Fetches the DMARC records at _dmarc.domain: the count, the first in
 * rec; *st the DNS status. */
static size_t
am_dmarc_fetch(struct am_dns *dns, const char *domain,
    struct am_dmarc_rec *rec, char *raw, size_t rawsize,
    enum am_dns_status *st)
{
	struct am_dns_result	 res;
	char			 name[300];
	size_t			 i, n = 0;

	(void)snprintf(name, sizeof(name), "_dmarc.%s", domain);
	*st = am_dns_lookup(dns, name, AM_DNS_TXT, &res);
	for (i = 0; *st == AM_DNS_OK && i < res.n; i++) {
		if (!am_dmarc_rec_is_dmarc(res.rr[i].txt, res.rr[i].txt_len))
			continue;
		if (n++ == 0) {
			(void)am_dmarc_rec_parse(res.rr[i].txt,
			    res.rr[i].txt_len, rec, NULL);
			(void)snprintf(raw, rawsize, "%.*s",
			    (int)res.rr[i].txt_len, res.rr[i].txt);
		}
	}
	am_dns_result_release(&res);
	return n;
}

static void
am_dmarc_syntax(const char *domain, const struct am_dmarc_rec *r,
    struct am_audit *a)
{
	struct am_audit_finding	*f;
	char			 bad[300];
	int			 n;

	if (r->p_state == AM_DMARC_TAG_INVALID) {
		f = am_audit_add(a, AM_AUDIT_FAIL, "dmarc.syntax", domain,
		    "RFC 9989 4.10.1", "p= is invalid or given twice: receivers "
		    "apply no DMARC policy (p=none at best)");
		am_dmarc_fix(f, "publish", domain, "quarantine", r->rua);
		return;
	}
	n = snprintf(bad, sizeof(bad), "%s%s%s%s%s%s%s%s%s%s",
	    r->p_state == AM_DMARC_TAG_ABSENT ? " p (missing)" : "",
	    r->sp_state == AM_DMARC_TAG_INVALID ? " sp" : "",
	    r->np_state == AM_DMARC_TAG_INVALID ? " np" : "",
	    r->adkim_state == AM_DMARC_TAG_INVALID ? " adkim" : "",
	    r->aspf_state == AM_DMARC_TAG_INVALID ? " aspf" : "",
	    r->fo_state == AM_DMARC_TAG_INVALID ? " fo" : "",
	    r->t_state == AM_DMARC_TAG_INVALID ? " t" : "",
	    r->psd_state == AM_DMARC_TAG_INVALID ? " psd" : "",
	    r->rua_bad + r->ruf_bad > 0 ? " rua/ruf (bad URI dropped)" : "",
	    r->malformed > 0 ? " (pieces that are not tag=value)" : "");
	if (n > 0 && bad[0] != '\0') {
		f = am_audit_add(a, AM_AUDIT_WARN, "dmarc.syntax", domain,
		    AM_DMARC_RFC, "invalid, missing or repeated tags, ignored "
		    "by receivers:%s", bad);
		am_dmarc_fix(f, "publish", domain, r->p_state ==
		    AM_DMARC_TAG_OK ? am_dmarc_policy_name(r->p) : "none",
		    r->rua);
		return;
	}
	am_audit_add(a, AM_AUDIT_PASS, "dmarc.syntax", domain, AM_DMARC_RFC,
	    "every tag is valid");
}

/* The policy that applies to domain: tag names where it came from
 * ("p" for its own record, "sp" or "p" for its Organizational
 * Domain's). */
static void
am_dmarc_policy(const char *domain, const struct am_dmarc_rec *r,
    enum am_dmarc_policy pol, const char *tag, struct am_audit *a)
{
	struct am_audit_finding	*f;

	if (r->p_state != AM_DMARC_TAG_OK)
		return;
	if (pol == AM_DMARC_POLICY_NONE) {
		f = am_audit_add(a, AM_AUDIT_WARN, "dmarc.policy", domain,
		    "RFC 9989 4.7", "%s=none: receivers deliver mail that "
		    "fails DMARC as if there were no policy; it only asks for "
		    "reports, and forgers can use the domain freely", tag);
		am_dmarc_fix(f, "once the reports show your own mail passing, "
		    "publish", domain, "quarantine", r->rua);
	} else
		am_audit_add(a, AM_AUDIT_PASS, "dmarc.policy", domain,
		    "RFC 9989 4.7", "%s=%s", tag, am_dmarc_policy_name(pol));
	if (r->t_state == AM_DMARC_TAG_OK && r->t) {
		f = am_audit_add(a, AM_AUDIT_WARN, "dmarc.testing", domain,
		    "RFC 9989 4.7", "t=y: receivers apply one policy level "
		    "less than %s=%s", tag, am_dmarc_policy_name(pol));
		am_audit_fix(f, "remove t=y from the DMARC record");
	}
}

/* The domain of a mailto: URI (lower case) into out; -1 not mailto. */
static int
am_dmarc_uri_domain(const char *uri, size_t n, char *out, size_t size)
{
	const char	*at, *end;
	size_t		 i, len;

	if (n < 7 || strncasecmp(uri, "mailto:", 7) != 0)
		return -1;
	end = memchr(uri, '?', n);
	if (end == NULL)
		end = uri + n;
	at = NULL;
	for (i = 7; uri + i < end; i++)
		if (uri[i] == '@')
			at = uri + i;
	if (at == NULL || (len = (size_t)(end - at - 1)) == 0 || len >= size)
		return -1;
	for (i = 0; i < len; i++)
		out[i] = (char)tolower((unsigned char)at[1 + i]);
	out[len] = '\0';
	return 0;
}

static int
am_dmarc_authorized(struct am_dns *dns, const char *domain, const char *dest)
{
	struct am_dns_result	 res;
	char			 name[600];
	size_t			 i;
	int			 ok = 0;

	if (snprintf(name, sizeof(name), "%s._report._dmarc.%s", domain,
	    dest) >= (int)sizeof(name))
		return 0;
	if (am_dns_lookup(dns, name, AM_DNS_TXT, &res) == AM_DNS_OK)
		for (i = 0; i < res.n; i++)
			ok |= am_dmarc_rec_is_dmarc(res.rr[i].txt,
			    res.rr[i].txt_len);
	am_dns_result_release(&res);
	return ok;
}

/* Each external destination of one URI list. */
static void
am_dmarc_ext(struct am_dns *dns, const char *domain, const char *org,
    const char *tag, const char *list, struct am_audit *a)
{
	struct am_audit_finding	*f;
	const char		*p = list, *e;
	char			 dest[256], check[32];

	(void)snprintf(check, sizeof(check), "dmarc.%s-auth", tag);
	for (; *p != '\0'; p = *e == ',' ? e + 1 : e) {
		if ((e = strchr(p, ',')) == NULL)
			e = p + strlen(p);
		if (am_dmarc_uri_domain(p, (size_t)(e - p), dest,
		    sizeof(dest)) == -1 || am_domain_within(dest, org))
			continue;
		if (am_dmarc_authorized(dns, domain, dest)) {
			am_audit_add(a, AM_AUDIT_PASS, check, domain,
			    "RFC 9990 3", "%s reports to %.*s: %s authorizes "
			    "them", tag, (int)(e - p), p, dest);
			continue;
		}
		f = am_audit_add(a, AM_AUDIT_FAIL, check, domain, "RFC 9990 3",
		    "%s reports to %.*s, outside %s, and %s._report._dmarc.%s "
		    "does not authorize them: receivers send nothing there",
		    tag, (int)(e - p), p, org, domain, dest);
		am_audit_fix(f, "in the zone of %s publish: "
		    "%s._report._dmarc.%s. IN TXT \"v=DMARC1\"", dest, domain,
		    dest);
	}
}

static void
am_dmarc_reports(struct am_dns *dns, const char *domain, const char *org,
    const struct am_dmarc_rec *r, struct am_audit *a)
{
	struct am_audit_finding	*f;

	if (r->nrua == 0) {
		f = am_audit_add(a, AM_AUDIT_WARN, "dmarc.rua", domain,
		    "RFC 9989 4.7", "no rua=: you receive no aggregate reports "
		    "and cannot see who sends as %s", domain);
		am_dmarc_fix(f, "publish", domain, r->p_state ==
		    AM_DMARC_TAG_OK ? am_dmarc_policy_name(r->p) : "none",
		    NULL);
	} else
		am_audit_add(a, AM_AUDIT_PASS, "dmarc.rua", domain,
		    "RFC 9989 4.7", "aggregate reports go to %s", r->rua);
	am_dmarc_ext(dns, domain, org, "rua", r->rua, a);
	am_dmarc_ext(dns, domain, org, "ruf", r->ruf, a);
}

/* The Organizational Domain and the record that applies, by the walk. */
static void
am_dmarc_walk(struct am_dns *dns, const char *domain,
    struct am_dmarc_result *res)
{
	struct am_dmarc_opts	 opts;
	struct am_dmarc_input	 in;

	am_dmarc_opts_init(&opts);
	memset(&in, 0, sizeof(in));
	in.author = domain;
	in.spf = AM_VERDICT_NONE;
	(void)am_dmarc_eval(dns, &opts, &in, res, NULL);
}

void
am_audit_dmarc(struct am_dns *dns, const char *domain, struct am_audit *a)
{
	struct am_audit_finding	*f;
	struct am_dmarc_result	 res;
	struct am_dmarc_rec	 rec;
	enum am_dns_status	 st;
	char			 raw[1024], org[256];
	size_t			 n;

	memset(&rec, 0, sizeof(rec));
	memset(&res, 0, sizeof(res));
	n = am_dmarc_fetch(dns, domain, &rec, raw, sizeof(raw), &st);
	am_dmarc_walk(dns, domain, &res);
	(void)snprintf(org, sizeof(org), "%s", res.org_domain[0] != '\0' ?
	    res.org_domain : domain);
	if (n == 0 && st != AM_DNS_OK && st != AM_DNS_NODATA &&
	    st != AM_DNS_NXDOMAIN) {
		f = am_audit_add(a, AM_AUDIT_FAIL, "dmarc.record", domain,
		    "RFC 9989 4.10", "DNS lookup of _dmarc.%s failed: %s",
		    domain, am_dns_status_name(st));
		am_audit_fix(f, "make the zone's name servers answer for "
		    "_dmarc.%s", domain);
	} else if (n > 1) {
		f = am_audit_add(a, AM_AUDIT_FAIL, "dmarc.record", domain,
		    "RFC 9989 4.10", "%zu DMARC records at _dmarc.%s: "
		    "receivers discard them all", n, domain);
		am_dmarc_fix(f, "keep exactly one", domain, "quarantine", NULL);
	} else if (n == 0 && res.have_policy &&
	    res.discovery != AM_DMARC_DISC_AUTHOR) {
		am_audit_add(a, AM_AUDIT_PASS, "dmarc.record", domain,
		    "RFC 9989 4.10", "no record at _dmarc.%s; the record of "
		    "%s applies", domain, res.policy_domain);
		rec = res.rec;
	} else if (n == 0) {
		f = am_audit_add(a, AM_AUDIT_FAIL, "dmarc.record", domain,
		    "RFC 9989 4.10", "no DMARC record at _dmarc.%s nor at its "
		    "Organizational Domain: large receivers (Google, Yahoo) "
		    "require one", domain);
		am_dmarc_fix(f, "publish", domain, "none", NULL);
	} else
		am_audit_add(a, AM_AUDIT_PASS, "dmarc.record", domain,
		    "RFC 9989 4.10", "one DMARC record: %s", raw);
	am_audit_add(a, AM_AUDIT_PASS, "dmarc.org", domain, "RFC 9989 4.10",
	    "Organizational Domain %s (DNS Tree Walk)", org);
	if (n == 1 || (n == 0 && res.have_policy &&
	    res.discovery != AM_DMARC_DISC_AUTHOR)) {
		am_dmarc_syntax(domain, &rec, a);
		if (n == 1)
			am_dmarc_policy(domain, &rec, rec.p, "p", a);
		else
			am_dmarc_policy(domain, &rec, res.published,
			    am_dmarc_ptag_name(res.ptag), a);
		am_dmarc_reports(dns, n == 1 ? domain : res.policy_domain,
		    org, &rec, a);
	}
	am_dmarc_result_release(&res);
}
