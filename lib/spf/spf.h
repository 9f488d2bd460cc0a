#ifndef AM_SPF_H
#define AM_SPF_H

/*
 * spf - SPF check_host() on our own DNS layer (RFC 7208)
 *
 * One call evaluates one identity of one SMTP transaction: the MAIL
 * FROM address (postmaster@HELO for the null sender) or the HELO name.
 * The verdict (none, neutral, pass, fail, softfail, temperror,
 * permerror) is data in struct am_spf_result; the calls fail (-1) only
 * when the caller passes something meaningless (an IP address that
 * does not parse, an identity over AM_SPF_IDENTITY_MAX octets).
 *
 * Rules kept (RFC 7208 sections 4 to 8 and 11):
 *  - record selection per 4.5: "v=spf1" (any case) followed by SP or
 *    the end; none found gives none, several give permerror;
 *  - strict syntax per the ABNF of section 12: whatever it rejects,
 *    unknown mechanisms included, is permerror; unknown modifiers are
 *    ignored (their value must still be a macro-string); a repeated
 *    redirect or exp is permerror; the macro letters c, r and t are
 *    permerror outside explanation text (7.3);
 *  - at most 10 DNS-querying terms (include, a, mx, ptr, exists,
 *    redirect) in the whole evaluation, includes and redirects
 *    included; the 11th is permerror before it asks anything;
 *  - an mx term whose MX lookup returns more than 10 names is
 *    permerror; a PTR lookup's names past the first 10 are ignored;
 *  - mx looks up every MX name before deciding, so a failed lookup of
 *    any of them is temperror whatever the order of the answer; ptr
 *    skips names whose lookup fails, and a failed PTR lookup is no
 *    match (5.5);
 *  - at most 2 void lookups (NODATA or NXDOMAIN): counted per term,
 *    for the term's own query (the A/AAAA of a, the MX of mx, the PTR
 *    of ptr, the A of exists); the address lookups of MX and PTR names
 *    are bounded by the 10-name limits instead and are not counted;
 *  - the time budget: once it is spent, no further query is sent and
 *    the result is temperror;
 *  - answers are reused within one evaluation (never across);
 *  - for fail, an explanation from exp= (6.2) or, when exp is absent,
 *    fails, names several or no TXT records or does not parse, the
 *    default explanation (a macro-string, see am_spf_opts).
 *
 * Usage:
 *	am_spf_opts_init(&opts);
 *	struct am_spf_request rq = { "192.0.2.1", helo, sender, NULL };
 *	am_spf_check_mailfrom(dns, &opts, &rq, &res, &err);
 *	am_authres_init(&ar);
 *	am_spf_result_authres(&res, &ar);
 *
 * Ownership: everything borrowed for the duration of the call; the
 * result holds no pointers and needs no release.
 * Thread safety: no shared state; one evaluation per call.
 */

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "authres.h"
#include "dns.h"
#include "err.h"
#include "verdict.h"

#define AM_SPF_MAX_LOOKUPS	10	/* 4.6.4: DNS-querying terms */
#define AM_SPF_MAX_NAMES	10	/* 4.6.4: names from one MX/PTR */
#define AM_SPF_MAX_VOIDS	2	/* 4.6.4: void lookups */
#define AM_SPF_BUDGET_MS	20000	/* 4.6.4: "at least 20 seconds" */
#define AM_SPF_IDENTITY_MAX	1024	/* longest sender or HELO we take */
#define AM_SPF_DOMAIN_MAX	253
#define AM_SPF_EXP_MAX		512	/* explanation kept in the result */
/* Used when exp= gives nothing; %{o} is the sender's domain. */
#define AM_SPF_DEFAULT_EXP	"%{i} is not one of %{o}'s designated " \
				"mail servers"

enum am_spf_verdict {
	AM_SPF_NONE,
	AM_SPF_NEUTRAL,
	AM_SPF_PASS,
	AM_SPF_FAIL,
	AM_SPF_SOFTFAIL,
	AM_SPF_TEMPERROR,
	AM_SPF_PERMERROR
};

enum am_spf_identity {
	AM_SPF_ID_MAILFROM,
	AM_SPF_ID_HELO
};

/* Why the verdict is what it is; am_spf_reason_name() gives a token. */
enum am_spf_reason {
	AM_SPF_R_MATCH,		/* a mechanism matched */
	AM_SPF_R_DEFAULT,	/* nothing matched: neutral (4.7) */
	AM_SPF_R_NO_IDENTITY,	/* no sender and no HELO */
	AM_SPF_R_BAD_DOMAIN,	/* malformed or single-label domain (4.3) */
	AM_SPF_R_NO_RECORD,	/* no SPF record (4.5) */
	AM_SPF_R_MULTIPLE,	/* more than one SPF record (4.5) */
	AM_SPF_R_SYNTAX,	/* the record does not parse */
	AM_SPF_R_LOOKUP_LIMIT,	/* an 11th DNS-querying term */
	AM_SPF_R_VOID_LIMIT,	/* a 3rd void lookup */
	AM_SPF_R_MX_LIMIT,	/* more than 10 MX names */
	AM_SPF_R_INCLUDE_NONE,	/* include: target has no record (5.2) */
	AM_SPF_R_REDIRECT_NONE,	/* redirect target has no record (6.1) */
	AM_SPF_R_DNS,		/* SERVFAIL, timeout, bad answer */
	AM_SPF_R_BUDGET,	/* the time budget ran out */
	AM_SPF_R_DEPTH		/* recursion guard (cannot happen) */
};

struct am_spf_opts {
	/* %{r}: the host doing the check; NULL is "unknown". */
	const char	*receiver;
	/* Explanation when exp= gives none; NULL is AM_SPF_DEFAULT_EXP.
	 * An explain-string (macros allowed); one that does not parse is
	 * used as AM_SPF_DEFAULT_EXP would be. */
	const char	*default_exp;
	/* Total time for one evaluation, in ms; 0 is AM_SPF_BUDGET_MS. */
	unsigned	 budget_ms;
	/* %{t}; 0 is time(NULL). */
	time_t		 now;
	/* Monotonic clock in ms for the budget; NULL is CLOCK_MONOTONIC
	 * (tests install a fake one). */
	uint64_t	(*clock_ms)(void *ctx);
	void		*clock_ctx;
};

struct am_spf_result {
	enum am_spf_verdict	 verdict;
	enum am_spf_identity	 identity;
	enum am_spf_reason	 reason;
	/* The identity as checked: the MAIL FROM address (postmaster@HELO
	 * for the null sender, postmaster@ added when there is no local
	 * part) or the HELO name. */
	char			 sender[AM_SPF_IDENTITY_MAX + 16];
	char			 domain[AM_SPF_IDENTITY_MAX + 1];
	/* The term that decided, as written ("-all", "include:x.org"),
	 * from the record that decided (the top record or a redirect
	 * target; includes are seen as the include term).  Empty when no
	 * mechanism matched.  Cut at 127 octets. */
	char			 mechanism[128];
	/* Human-readable detail for errors and defaults. */
	char			 reason_text[160];
	/* For fail only: US-ASCII, other octets written as '?'. */
	char			 explanation[AM_SPF_EXP_MAX];
	unsigned		 lookups;	/* DNS-querying terms used */
	unsigned		 voids;		/* void lookups counted */
	unsigned		 queries;	/* DNS queries actually sent */
};

void		 am_spf_opts_init(struct am_spf_opts *);

/*
 * What an SPF check is asked about (RFC 7208 4.1's <ip> and <sender>,
 * and the HELO name), named rather than passed as adjacent strings.
 * ip is the client address as text (IPv4, or IPv6; an IPv4-mapped
 * IPv6 address is checked as IPv4).  sender is the reverse-path without
 * angle brackets; "" (or NULL) is the null sender.  helo may be NULL.
 * domain is for am_spf_check_host only.
 */
struct am_spf_request {
	const char	*ip;
	const char	*helo;
	const char	*sender;
	const char	*domain;
};

/*
 * am_spf_check_mailfrom - the MAIL FROM identity (RFC 7208 2.4): the
 * sender, or postmaster@helo for the null sender
 */
int		 am_spf_check_mailfrom(struct am_dns *,
		    const struct am_spf_opts *, const struct am_spf_request *,
		    struct am_spf_result *out, struct am_err *);
/* am_spf_check_helo - the HELO identity (RFC 7208 2.3) */
int		 am_spf_check_helo(struct am_dns *, const struct am_spf_opts *,
		    const struct am_spf_request *, struct am_spf_result *out,
		    struct am_err *);
/* am_spf_check_host - check_host(ip, domain, sender) of RFC 7208 4.1 */
int		 am_spf_check_host(struct am_dns *, const struct am_spf_opts *,
		    const struct am_spf_request *, struct am_spf_result *out,
		    struct am_err *);

const char	*am_spf_verdict_name(enum am_spf_verdict);
/* The shared result word (verdict.h) of an SPF verdict. */
enum am_verdict	 am_spf_verdict_word(enum am_spf_verdict);
const char	*am_spf_reason_name(enum am_spf_reason);

/*
 * am_spf_result_authres - an RFC 8601 resinfo for r:
 * "spf=<result> smtp.mailfrom=<address>" or "spf=<result>
 * smtp.helo=<name>", with the reason as a comment after it for
 * temperror and permerror.
 */
void		 am_spf_result_authres(const struct am_spf_result *,
		    struct am_authres *);

/*
 * am_spf_exp_check - does s parse as an explain-string (RFC 7208 6.2,
 * 12)?  For checking a configured default explanation.
 */
int		 am_spf_exp_check(const char *s, struct am_err *);

#endif /* AM_SPF_H */
