/*
 * audit_spf - a domain's SPF record as receivers will evaluate it
 * (RFC 7208)
 *
 * Checks: spf.record (exactly one "v=spf1" TXT record, 4.5),
 * spf.syntax (lib/spf's parser: what it rejects is a permerror),
 * spf.all (ends in -all; ~all and ?all WARN, +all FAIL, neither all nor
 * redirect WARN), spf.ptr (5.5: SHOULD NOT be used), spf.lookups and
 * spf.voids (4.6.4: the DNS-querying terms and void lookups counted
 * across includes and redirects as an evaluator meets them when no
 * term matches, which is the worst case), spf.include (an include or
 * redirect target without a usable record: permerror), and spf.ip for
 * each sending address (check_host() through lib/spf's evaluator must
 * say pass).  The fixes give the whole record to publish.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "mem.h"
#include "spf.h"
#include "spf_record.h"

#define AM_AUDIT_SPF_DEPTH	12	/* includes deep; the limit is 10 */
#define AM_AUDIT_SPF_RECMAX	2048	/* a suggested record, octets */

struct am_spf_walk {
	struct am_dns	*dns;
	unsigned	 lookups;
	unsigned	 voids;
	int		 ptr;
	char		 problem[400];	/* first include/redirect problem */
};

static void am_spf_walk_domain(struct am_spf_walk *, const char *, unsigned);

/* Copies the view [p, p+n) to a string, or NULL when it holds a macro
 * (its target is known only at evaluation time). */
static char *
am_spf_target(const char *p, size_t n)
{
	if (memchr(p, '%', n) != NULL)
		return NULL;
	return am_strndup(p, n);
}

static int
am_spf_void(struct am_dns *dns, const char *name, enum am_dns_type t)
{
	struct am_dns_result	 res;
	enum am_dns_status	 st;

	st = am_dns_lookup(dns, name, t, &res);
	am_dns_result_release(&res);
	return st == AM_DNS_NXDOMAIN || st == AM_DNS_NODATA;
}

static void
am_spf_walk_term(struct am_spf_walk *w, const struct am_spf_term *t,
    const char *domain, unsigned depth)
{
	char	*target = NULL;

	if (t->mech == AM_SPF_MECH_ALL || t->mech == AM_SPF_MECH_IP4 ||
	    t->mech == AM_SPF_MECH_IP6)
		return;
	w->lookups++;
	if (t->spec != NULL)
		target = am_spf_target(t->spec, t->spec_len);
	else if (t->mech != AM_SPF_MECH_INCLUDE &&
	    t->mech != AM_SPF_MECH_EXISTS)
		target = am_strdup(domain);
	switch (t->mech) {
	case AM_SPF_MECH_INCLUDE:
		if (target != NULL)
			am_spf_walk_domain(w, target, depth + 1);
		break;
	case AM_SPF_MECH_A:
		if (target != NULL && am_spf_void(w->dns, target, AM_DNS_A) &&
		    am_spf_void(w->dns, target, AM_DNS_AAAA))
			w->voids++;
		break;
	case AM_SPF_MECH_MX:
		if (target != NULL && am_spf_void(w->dns, target, AM_DNS_MX))
			w->voids++;
		break;
	case AM_SPF_MECH_PTR:
		w->ptr = 1;
		break;
	default:
		break;
	}
	free(target);
}

/* The one SPF record of domain into *txt (caller frees); -1 with a
 * problem text (set into problem unless NULL). */
static int
am_spf_fetch(struct am_dns *dns, const char *domain, char **txt,
    size_t *len, char *problem, size_t psize)
{
	struct am_dns_result	 res;
	enum am_dns_status	 st;
	size_t			 i, n = 0, at = 0;

	*txt = NULL;
	st = am_dns_lookup(dns, domain, AM_DNS_TXT, &res);
	for (i = 0; st == AM_DNS_OK && i < res.n; i++)
		if (am_spf_record_is_spf(res.rr[i].txt, res.rr[i].txt_len)) {
			n++;
			at = i;
		}
	if (n == 1) {
		*txt = am_strndup(res.rr[at].txt, res.rr[at].txt_len);
		*len = res.rr[at].txt_len;
	} else if (problem != NULL && st != AM_DNS_OK &&
	    st != AM_DNS_NODATA && st != AM_DNS_NXDOMAIN)
		(void)snprintf(problem, psize, "%s: DNS lookup failed (%s)",
		    domain, am_dns_status_name(st));
	else if (problem != NULL)
		(void)snprintf(problem, psize, "%s: %s", domain, n == 0 ?
		    "no SPF record" : "several SPF records");
	am_dns_result_release(&res);
	return n == 1 ? 0 : -1;
}

static void
am_spf_walk_domain(struct am_spf_walk *w, const char *domain,
    unsigned depth)
{
	struct am_spf_record	 rec;
	struct am_err		 err;
	char			*txt, *target, tmp[400];
	size_t			 len, i;

	if (depth > AM_AUDIT_SPF_DEPTH || w->lookups > 2 * AM_SPF_MAX_LOOKUPS)
		return;
	if (am_spf_fetch(w->dns, domain, &txt, &len, tmp, sizeof(tmp)) == -1) {
		if (depth > 0 && w->problem[0] == '\0')
			(void)snprintf(w->problem, sizeof(w->problem), "%s",
			    tmp);
		return;
	}
	memset(&rec, 0, sizeof(rec));
	if (am_spf_record_parse(txt, len, &rec, &err) == -1) {
		if (depth > 0 && w->problem[0] == '\0')
			(void)snprintf(w->problem, sizeof(w->problem),
			    "%s: the record does not parse: %s", domain,
			    err.msg);
		free(txt);
		return;
	}
	for (i = 0; i < rec.nterms; i++)
		am_spf_walk_term(w, &rec.terms[i], domain, depth);
	if (!rec.has_all && rec.redirect != NULL) {
		w->lookups++;
		target = am_spf_target(rec.redirect, rec.redirect_len);
		if (target != NULL)
			am_spf_walk_domain(w, target, depth + 1);
		free(target);
	}
	am_spf_record_release(&rec);
	free(txt);
}

/* ---------------------------------------------------------------- fixes */

static int
am_spf_is_all(const char *t, size_t n)
{
	if (n > 0 && strchr("+-~?", t[0]) != NULL) {
		t++;
		n--;
	}
	return n == 3 && strncasecmp(t, "all", 3) == 0;
}

/*
 * The record to publish: rec (NULL: a new one, "v=spf1 mx") without
 * its all term, with ip4:/ip6: terms for the given addresses, ending
 * in -all unless it ends in a redirect.
 */
static void
am_spf_suggest(const char *rec, const char *const *add, size_t nadd,
    struct am_buf *out)
{
	const char	*p, *e;
	int		 redirect = 0;
	size_t		 i;

	if (rec == NULL)
		rec = "v=spf1 mx";
	for (p = rec; *p != '\0'; p = e) {
		while (*p == ' ')
			p++;
		for (e = p; *e != '\0' && *e != ' '; e++)
			;
		if (e == p || am_spf_is_all(p, (size_t)(e - p)))
			continue;
		if ((size_t)(e - p) > 9 && strncasecmp(p, "redirect=", 9) == 0)
			redirect = 1;
		(void)am_buf_printf(out, "%s%.*s", out->len > 0 ? " " : "",
		    (int)(e - p), p);
	}
	for (i = 0; i < nadd; i++)
		(void)am_buf_printf(out, " %s:%s", strchr(add[i], ':') != NULL ?
		    "ip6" : "ip4", add[i]);
	if (!redirect)
		(void)am_buf_appends(out, " -all");
}

static void
am_spf_fix_record(struct am_audit_finding *f, const char *domain,
    const char *rec, const char *const *add, size_t nadd, const char *what)
{
	struct am_buf	 b;

	am_buf_init(&b, AM_AUDIT_SPF_RECMAX);
	am_spf_suggest(rec, add, nadd, &b);
	am_audit_fix(f, "%s: %s. IN TXT \"%s\"", what, domain, am_buf_str(&b));
	am_buf_release(&b);
}

/* ---------------------------------------------------------------- checks */

static void
am_audit_spf_all(const char *domain, const char *txt,
    const struct am_spf_record *rec, struct am_audit *a)
{
	struct am_audit_finding	*f = NULL;
	const struct am_spf_term *all = NULL;
	size_t			 i;

	for (i = 0; i < rec->nterms; i++)
		if (rec->terms[i].mech == AM_SPF_MECH_ALL)
			all = &rec->terms[i];
	if (all == NULL && rec->redirect != NULL) {
		am_audit_add(a, AM_AUDIT_PASS, "spf.all", domain, "RFC 7208 6.1",
		    "the record ends in redirect=%.*s", (int)rec->redirect_len,
		    rec->redirect);
		return;
	}
	if (all != NULL && all->qual == AM_SPF_FAIL) {
		am_audit_add(a, AM_AUDIT_PASS, "spf.all", domain, "RFC 7208 5.1",
		    "the record ends in -all");
		return;
	}
	if (all == NULL)
		f = am_audit_add(a, AM_AUDIT_WARN, "spf.all", domain,
		    "RFC 7208 4.7", "no all term: mail from anywhere else is "
		    "neutral, not fail");
	else if (all->qual == AM_SPF_SOFTFAIL)
		f = am_audit_add(a, AM_AUDIT_WARN, "spf.all", domain,
		    "RFC 7208 5.1", "the record ends in ~all (softfail): "
		    "forged mail is only marked, not refused; use -all once "
		    "every sender is listed");
	else if (all->qual == AM_SPF_NEUTRAL)
		f = am_audit_add(a, AM_AUDIT_WARN, "spf.all", domain,
		    "RFC 7208 5.1", "the record ends in ?all (neutral): it "
		    "says nothing about other senders");
	else
		f = am_audit_add(a, AM_AUDIT_FAIL, "spf.all", domain,
		    "RFC 7208 5.1", "the record has %.*s: every host on the "
		    "Internet may send as %s", (int)all->text_len, all->text,
		    domain);
	am_spf_fix_record(f, domain, txt, NULL, 0, "publish");
}

static void
am_audit_spf_walk(struct am_dns *dns, const char *domain, const char *txt,
    struct am_audit *a)
{
	struct am_audit_finding	*f;
	struct am_spf_walk	 w;

	memset(&w, 0, sizeof(w));
	w.dns = dns;
	am_spf_walk_domain(&w, domain, 0);
	if (w.lookups > AM_SPF_MAX_LOOKUPS) {
		f = am_audit_add(a, AM_AUDIT_FAIL, "spf.lookups", domain,
		    "RFC 7208 4.6.4", "%u DNS-querying terms (include, a, mx, "
		    "ptr, exists, redirect) across includes; over 10 is a "
		    "permerror", w.lookups);
		am_audit_fix(f, "replace includes and a/mx terms by ip4:/ip6: "
		    "ranges until at most 10 remain");
	} else
		am_audit_add(a, AM_AUDIT_PASS, "spf.lookups", domain,
		    "RFC 7208 4.6.4", "%u of 10 DNS-querying terms", w.lookups);
	if (w.voids > AM_SPF_MAX_VOIDS) {
		f = am_audit_add(a, AM_AUDIT_FAIL, "spf.voids", domain,
		    "RFC 7208 4.6.4", "%u terms name hosts with no address or "
		    "MX (void lookups); over 2 is a permerror", w.voids);
		am_audit_fix(f, "remove the a/mx terms whose names do not "
		    "exist");
	} else
		am_audit_add(a, AM_AUDIT_PASS, "spf.voids", domain,
		    "RFC 7208 4.6.4", "%u of 2 void lookups", w.voids);
	if (w.problem[0] != '\0') {
		f = am_audit_add(a, AM_AUDIT_FAIL, "spf.include", domain,
		    "RFC 7208 5.2", "%s: an include or redirect to it is a "
		    "permerror", w.problem);
		am_audit_fix(f, "remove that include or redirect, or fix the "
		    "record it names");
	}
	if (w.ptr) {
		f = am_audit_add(a, AM_AUDIT_WARN, "spf.ptr", domain,
		    "RFC 7208 5.5", "the ptr mechanism is used: slow, and "
		    "receivers may ignore it");
		am_spf_fix_record(f, domain, txt, NULL, 0, "replace ptr by "
		    "ip4:/ip6: terms, as in");
	}
	(void)txt;
}

static void
am_audit_spf_ips(struct am_dns *dns, const char *domain, const char *txt,
    const char *const *ips, size_t nips, struct am_audit *a)
{
	struct am_audit_finding	*f;
	struct am_spf_opts	 opts;
	struct am_spf_result	 res;
	struct am_err		 err;
	char			 sender[300];
	size_t			 i;

	am_spf_opts_init(&opts);
	(void)snprintf(sender, sizeof(sender), "postmaster@%s", domain);
	for (i = 0; i < nips; i++) {
		struct am_spf_request	 q = {
			.ip = ips[i], .helo = domain, .sender = sender,
			.domain = domain,
		};

		am_err_clear(&err);
		if (am_spf_check_host(dns, &opts, &q, &res, &err) == -1) {
			am_audit_add(a, AM_AUDIT_FAIL, "spf.ip", domain,
			    "RFC 7208 4.1", "%s: %s", ips[i], err.msg);
			continue;
		}
		if (res.verdict == AM_SPF_PASS) {
			am_audit_add(a, AM_AUDIT_PASS, "spf.ip", domain,
			    "RFC 7208 4.1", "%s is permitted (pass, by %s)",
			    ips[i], res.mechanism);
			continue;
		}
		f = am_audit_add(a, AM_AUDIT_FAIL, "spf.ip", domain,
		    "RFC 7208 4.1", "%s is not permitted: check_host() says %s%s%s",
		    ips[i], am_spf_verdict_name(res.verdict),
		    res.reason_text[0] != '\0' ? ": " : "", res.reason_text);
		am_spf_fix_record(f, domain, txt, &ips[i], 1, "publish");
	}
}

void
am_audit_spf(struct am_dns *dns, const char *domain, const char *const *ips,
    size_t nips, struct am_audit *a)
{
	struct am_audit_finding	*f;
	struct am_spf_record	 rec;
	struct am_err		 err;
	char			*txt, problem[400];
	size_t			 len;

	if (am_spf_fetch(dns, domain, &txt, &len, problem,
	    sizeof(problem)) == -1) {
		f = am_audit_add(a, AM_AUDIT_FAIL, "spf.record", domain,
		    "RFC 7208 4.5", "%s%s", problem + strlen(domain) + 2,
		    strstr(problem, "several") != NULL ?
		    ": receivers treat that as permerror" : "");
		am_spf_fix_record(f, domain, NULL, ips, nips,
		    strstr(problem, "several") != NULL ?
		    "merge them into one record, e.g." : "publish");
		return;
	}
	am_audit_add(a, AM_AUDIT_PASS, "spf.record", domain, "RFC 7208 4.5",
	    "one SPF record: %s", txt);
	memset(&rec, 0, sizeof(rec));
	am_err_clear(&err);
	if (am_spf_record_parse(txt, len, &rec, &err) == -1) {
		f = am_audit_add(a, AM_AUDIT_FAIL, "spf.syntax", domain,
		    "RFC 7208 12", "the record does not parse (%s): receivers "
		    "treat it as permerror", err.msg);
		am_spf_fix_record(f, domain, NULL, ips, nips, "publish a valid "
		    "record, e.g.");
		free(txt);
		return;
	}
	am_audit_add(a, AM_AUDIT_PASS, "spf.syntax", domain, "RFC 7208 12",
	    "the record parses");
	am_audit_spf_all(domain, txt, &rec, a);
	am_spf_record_release(&rec);
	am_audit_spf_walk(dns, domain, txt, a);
	am_audit_spf_ips(dns, domain, txt, ips, nips, a);
	free(txt);
}
