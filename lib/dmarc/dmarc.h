#ifndef AM_DMARC_H
#define AM_DMARC_H

/*
 * dmarc - DMARC evaluation of one message (RFC 9989)
 *
 * Input: the Author Domain (the RFC5322.From domain, as an A-label;
 * finding it is the From parser's job), the SPF result for the MAIL
 * FROM identity with its domain (the HELO name for the null sender),
 * and the DKIM results (d=, s=, verdict).  Output: a verdict (pass,
 * fail, none, temperror, permerror) as data in struct am_dmarc_result,
 * with the policy that applied, where its record was found and how,
 * the disposition DMARC asks for, a reason, every identifier's
 * alignment, and a why-trace (one line per record, walk step and
 * alignment decision) for the eval tool and the logs.
 *
 * Rules (RFC 9989 4.7, 4.10, 5.3; the notes in shared/notes/dmarcbis.md):
 *  - policy discovery by the DNS Tree Walk (4.10): at most 8 queries
 *    per walk (a name of x >= 8 labels is followed by its 7-label
 *    suffix), the single-label TLD is queried, a walk stops on a
 *    record with psd=y or psd=n, several DMARC records at one name are
 *    all discarded and the walk goes on;
 *  - the policy record is the Author Domain's, else the one at the
 *    Author Domain's Organizational Domain (4.10.2 rules: psd=n, one
 *    label below a psd=y that is not the start, fewest labels), else
 *    the psd=y record that stopped the walk; else none.  A record
 *    between the Author Domain and the Organizational Domain is not
 *    used;
 *  - p at the Author Domain; below it sp, or for an Author Domain that
 *    does not exist (NXDOMAIN) np, then sp, then p.  The existence
 *    query is made only when np would change the outcome;
 *  - an invalid p, sp or np (or, with missing_p_no_dmarc, a missing p)
 *    means p=none if the record has a valid rua URI, and permerror (no
 *    DMARC processing) otherwise; a missing p is p=none (4.7);
 *  - t=y steps the policy down one level (reject to quarantine,
 *    quarantine to none); policy.dmarc shows the stepped-down policy;
 *  - alignment for the SPF domain when SPF passed and for the d= of
 *    every passing DKIM signature (at most max_dkim signatures are
 *    looked at): strict is equality ignoring case and never looks at
 *    an Organizational Domain; relaxed compares Organizational
 *    Domains, each found by its own walk from that identifier
 *    (identical names, and an identifier equal to the author's
 *    Organizational Domain, align without a walk; one outside it does
 *    not align);
 *  - _dmarc answers are cached for the evaluation (walks share
 *    suffixes); Organizational Domains are not, since they depend on
 *    where a walk starts;
 *  - DNS: SERVFAIL, timeout or a malformed answer during discovery, an
 *    alignment walk that decides the outcome or the existence query is
 *    temperror; so is running out of the time budget (no query is
 *    sent once it is spent);
 *  - when nothing aligns but an identifier whose SPF or DKIM result
 *    was temperror would have aligned, the result is temperror, not
 *    fail (RFC 9989 5.3.6: a transient error cannot pass or fail).
 *
 * PSL mode (opts.mode AM_DMARC_MODE_PSL) is RFC 7489 6.6.3: the
 * Author Domain's record, else (no DMARC record at all there) the
 * record at its PSL Organizational Domain; several records end
 * discovery (none); alignment compares PSL Organizational Domains.
 * Record semantics (np, t, invalid p) stay those of RFC 9989.
 *
 * Usage:
 *	am_dmarc_opts_init(&opts);
 *	in.author = "example.com"; in.spf = res.verdict; ...
 *	am_dmarc_eval(dns, &opts, &in, &r, &err);
 *	am_dmarc_result_authres(&r, &ar);
 *	... r.verdict, r.policy, r.disposition, am_buf_str(&r.why) ...
 *	am_dmarc_result_release(&r);
 *
 * Ownership: inputs are borrowed for the call; the result owns its
 * why-trace until am_dmarc_result_release().
 * Thread safety: no shared state; dns may be shared (see dns.h).
 */

#include <stddef.h>
#include <stdint.h>

#include "authres.h"
#include "buf.h"
#include "dmarc_rec.h"
#include "dns.h"
#include "err.h"
#include "psl.h"
#include "verdict.h"

#define AM_DMARC_WALK_MAX	8	/* 4.10: queries in one walk */
#define AM_DMARC_MAX_DKIM	10	/* signatures looked at by default */
#define AM_DMARC_MAX_IDENT	(1 + 32)	/* SPF + max_dkim cap */
#define AM_DMARC_BUDGET_MS	10000	/* time for one evaluation */
#define AM_DMARC_DOMAIN_MAX	253
#define AM_DMARC_SELECTOR_MAX	63
#define AM_DMARC_WHY_MAX	16384	/* why-trace, octets */

enum am_dmarc_mode {
	AM_DMARC_MODE_WALK,	/* RFC 9989 DNS Tree Walk */
	AM_DMARC_MODE_PSL	/* RFC 7489 Public Suffix List */
};

enum am_dmarc_verdict {
	AM_DMARC_NONE,
	AM_DMARC_PASS,
	AM_DMARC_FAIL,
	AM_DMARC_TEMPERROR,
	AM_DMARC_PERMERROR
};

/* What DMARC asks for (before any local override by the milter). */
enum am_dmarc_disposition {
	AM_DMARC_DISP_NONE,		/* no policy, p=none, or an error */
	AM_DMARC_DISP_PASS,		/* passed an enforcing policy */
	AM_DMARC_DISP_QUARANTINE,
	AM_DMARC_DISP_REJECT
};

enum am_dmarc_reason {
	AM_DMARC_R_ALIGNED,		/* pass */
	AM_DMARC_R_NOT_ALIGNED,		/* fail: nothing aligned */
	AM_DMARC_R_NO_RECORD,		/* none: no policy record */
	AM_DMARC_R_BAD_POLICY,		/* permerror: invalid p/sp/np, no rua */
	AM_DMARC_R_BAD_AUTHOR,		/* permerror: not a domain name */
	AM_DMARC_R_DNS,			/* temperror: DNS error in discovery */
	AM_DMARC_R_DNS_ALIGN,		/* temperror: DNS error in alignment */
	AM_DMARC_R_DNS_EXISTS,		/* temperror: existence query failed */
	AM_DMARC_R_AUTH_TEMPERROR,	/* temperror: SPF/DKIM temperror */
	AM_DMARC_R_BUDGET		/* temperror: time budget spent */
};

/* Where the policy record was found (4.10.1). */
enum am_dmarc_discovery {
	AM_DMARC_DISC_NONE,
	AM_DMARC_DISC_AUTHOR,		/* _dmarc.<author> */
	AM_DMARC_DISC_ORG,		/* the Organizational Domain */
	AM_DMARC_DISC_PSD		/* the psd=y record ending the walk */
};

/* The tag that gave the policy. */
enum am_dmarc_ptag {
	AM_DMARC_PTAG_P,
	AM_DMARC_PTAG_SP,
	AM_DMARC_PTAG_NP
};

enum am_dmarc_alignment {
	AM_DMARC_AL_SKIPPED,		/* not a pass, or past max_dkim */
	AM_DMARC_AL_NO,
	AM_DMARC_AL_STRICT,		/* identical to the Author Domain */
	AM_DMARC_AL_RELAXED,		/* same Organizational Domain */
	AM_DMARC_AL_UNKNOWN		/* DNS error or budget */
};

struct am_dmarc_dkim_in {
	const char		*d;
	const char		*s;	/* selector, for reports; may be NULL */
	enum am_verdict		 verdict;	/* am_dkim_verdict_word() */
};

struct am_dmarc_input {
	const char			*author;	/* A-label */
	enum am_verdict			 spf;		/* MAIL FROM identity:
							 * am_spf_verdict_word() */
	const char			*spf_domain;	/* NULL or "": none */
	const struct am_dmarc_dkim_in	*dkim;
	size_t				 ndkim;
};

struct am_dmarc_opts {
	enum am_dmarc_mode	 mode;
	const struct am_psl	*psl;		/* borrowed; PSL mode only */
	unsigned		 budget_ms;	/* 0: AM_DMARC_BUDGET_MS */
	/* Monotonic clock in ms; NULL is CLOCK_MONOTONIC (tests fake it). */
	uint64_t		(*clock_ms)(void *ctx);
	void			*clock_ctx;
	size_t			 max_dkim;	/* 0: AM_DMARC_MAX_DKIM; <=32 */
	/* 0: a record without p acts as p=none (4.7, the default);
	 * 1: as an invalid p (4.10.1: p=none with a valid rua, else no
	 * DMARC processing, permerror). */
	int			 missing_p_no_dmarc;
};

struct am_dmarc_ident {
	int			 is_dkim;
	char			 domain[AM_DMARC_DOMAIN_MAX + 1];
	char			 selector[AM_DMARC_SELECTOR_MAX + 1];
	const char		*result;	/* static: "pass", "fail"... */
	int			 passed;
	int			 temperror;
	enum am_dmarc_alignment	 align;
	char			 org[AM_DMARC_DOMAIN_MAX + 1]; /* or "" */
};

struct am_dmarc_result {
	enum am_dmarc_verdict	 verdict;
	enum am_dmarc_reason	 reason;
	char			 reason_text[160];
	enum am_dmarc_mode	 mode;
	char			 author[AM_DMARC_DOMAIN_MAX + 1];
	/* The Author Domain's Organizational Domain; "" when not known. */
	char			 org_domain[AM_DMARC_DOMAIN_MAX + 1];
	/* A policy record applies: the fields down to testing are set. */
	int			 have_policy;
	char			 policy_domain[AM_DMARC_DOMAIN_MAX + 1];
	enum am_dmarc_discovery	 discovery;
	struct am_dmarc_rec	 rec;
	enum am_dmarc_ptag	 ptag;
	int			 forced_none;	/* invalid p/sp/np, valid rua */
	int			 author_exists;	/* -1 not asked, 0 NX, 1 */
	enum am_dmarc_policy	 published;	/* from the tag, before t=y */
	enum am_dmarc_policy	 policy;	/* after t=y: policy.dmarc */
	int			 testing;	/* t=y in the record */
	enum am_dmarc_disposition disposition;
	int			 spf_aligned, dkim_aligned;
	size_t			 nident;
	struct am_dmarc_ident	 ident[AM_DMARC_MAX_IDENT];
	unsigned		 queries;	/* DNS queries sent */
	struct am_buf		 why;		/* lines, each ending '\n' */
};

void		 am_dmarc_opts_init(struct am_dmarc_opts *);

/*
 * am_dmarc_eval - evaluate one Author Domain.  out is always
 * initialized (release it); fails (-1) only on meaningless arguments
 * (no author, PSL mode without a list), never for a verdict.
 */
int		 am_dmarc_eval(struct am_dns *, const struct am_dmarc_opts *,
		    const struct am_dmarc_input *, struct am_dmarc_result *out,
		    struct am_err *);

/*
 * am_dmarc_eval_authors - evaluate each of n Author Domains (in->author
 * is ignored) into out[0..n-1], sharing one DNS cache and one time
 * budget; *worst_out gets the index of the result that decides (see
 * am_dmarc_worst).  The caller caps n (RFC 9989 11.5).
 */
int		 am_dmarc_eval_authors(struct am_dns *,
		    const struct am_dmarc_opts *, const struct am_dmarc_input *,
		    const char *const *authors, size_t n,
		    struct am_dmarc_result *out, size_t *worst_out,
		    struct am_err *);

/*
 * am_dmarc_worst - index of the most severe of n results: fail with
 * reject, fail with quarantine, fail with none, temperror, permerror,
 * pass, none (the first of equals).  n must be > 0.
 */
size_t		 am_dmarc_worst(const struct am_dmarc_result *, size_t n);

void		 am_dmarc_result_release(struct am_dmarc_result *);

/*
 * am_dmarc_result_authres - "dmarc=<result> (p=.. [sp=..] [np=..]
 * [t=y] dis=<disposition>) header.from=<domain> policy.dmarc=<policy>";
 * the comment and policy.dmarc only when a policy record applied, the
 * reason as a comment for temperror and permerror.  The domain is
 * never quoted.
 */
void		 am_dmarc_result_authres(const struct am_dmarc_result *,
		    struct am_authres *);

const char	*am_dmarc_verdict_name(enum am_dmarc_verdict);
const char	*am_dmarc_reason_name(enum am_dmarc_reason);
const char	*am_dmarc_disposition_name(enum am_dmarc_disposition);
const char	*am_dmarc_discovery_name(enum am_dmarc_discovery);
const char	*am_dmarc_alignment_name(enum am_dmarc_alignment);
const char	*am_dmarc_ptag_name(enum am_dmarc_ptag);

#endif /* AM_DMARC_H */
