#ifndef AM_REPORT_FAILURE_H
#define AM_REPORT_FAILURE_H

/*
 * report_failure - DMARC failure reports (RFC 9991; the format is RFC
 * 6591 AFRF, an RFC 5965 ARF report): whether one is due, and the
 * message
 *
 * The input is a value the milter copies out of a message (struct
 * am_failure_in, filled by am_failure_in_fill from the DMARC result of
 * one Author Domain, then the envelope and header block added).
 *
 * When is a report due (am_failure_due)?  Only when a policy record
 * applies and the verdict is pass or fail (never for none, temperror or
 * permerror); the record has a valid ruf; the record is not psd=y (RFC
 * 9991 section 2: report generators MUST NOT consider ruf in a psd=y
 * record); the published p (sp, np: the tag that applied, before t=y)
 * is not none unless on_none (FailureReportsOnNone); and one of the
 * record's fo options holds (RFC 9989 fo tag, am_failure_triggers):
 *   0  neither SPF nor DKIM produced an aligned pass (DMARC failed);
 *   1  SPF or DKIM (either) did not produce an aligned pass;
 *   d  a DKIM signature was evaluated and did not pass (any result
 *      other than pass: fail, neutral, policy, temperror, permerror),
 *      aligned or not;
 *   s  SPF (MAIL FROM identity) gave fail, aligned or not.
 * Options combine with ':' (fo=1:d:s): any one holding is enough.
 *
 * The message (am_failure_mail): multipart/report;
 * report-type=feedback-report with a text/plain part for people, the
 * message/feedback-report part (Feedback-Type: auth-failure, Version:
 * 1, User-Agent, Auth-Failure: dmarc, Identity-Alignment (RFC 9991:
 * "dkim", "spf", "dkim, spf" or "none"), Authentication-Results (ours),
 * Original-Envelope-Id (the MTA's queue id), Original-Mail-From,
 * Arrival-Date, Source-IP, Reported-Domain (the Author Domain),
 * Incidents when more than one incident is folded into the report,
 * DKIM-Domain, DKIM-Identity, DKIM-Selector of a DKIM signature that
 * did not pass (one whose d= would align first; RFC 9991 makes them
 * REQUIRED for the failure of an aligned identifier), SPF-DNS ("txt :
 * domain : record", RFC 6591 3.2) when SPF did not pass for an aligned
 * domain and the caller looked the record up), and a
 * text/rfc822-headers part with the header block as received: never
 * the body.
 *
 * Redaction (key given): the local part of every address in the
 * feedback fields and the header block (but not in Message-ID,
 * In-Reply-To, References, Content-ID) becomes "redacted-" and the
 * first 16 hex digits of HMAC-SHA256(key, local part): one author maps
 * to one token, and nobody without the key can map it back.  Local
 * parts are dot-atoms or quoted strings (the quotes go too).
 *
 * Ownership: am_failure_in owns its header buffer (release with
 * am_failure_in_release); everything else is values or borrowed.
 * Thread safety: no shared state.
 */

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "dmarc.h"
#include "err.h"

#define AM_FAILURE_HDRS_MAX	65536	/* header block copied, octets */
#define AM_FAILURE_IDENT_MAX	8	/* SPF + DKIM results kept */
#define AM_FAILURE_ADDR		320

struct am_failure_ident {
	int		 is_dkim;
	char		 domain[AM_DMARC_DOMAIN_MAX + 1];
	char		 selector[AM_DMARC_SELECTOR_MAX + 1];	/* DKIM */
	char		 identity[AM_FAILURE_ADDR];	/* DKIM i=; "" none */
	char		 result[16];	/* pass, fail, softfail ... */
	int		 aligned;	/* an aligned pass */
};

struct am_failure_in {
	/* From the DMARC result. */
	enum am_dmarc_verdict	 verdict;
	int			 have_policy;
	char			 author[AM_DMARC_DOMAIN_MAX + 1];
	char			 org_domain[AM_DMARC_DOMAIN_MAX + 1];
	char			 policy_domain[AM_DMARC_DOMAIN_MAX + 1];
	struct am_dmarc_rec	 rec;
	enum am_dmarc_policy	 published;	/* the tag, before t=y */
	int			 spf_aligned, dkim_aligned;
	size_t			 nident;
	struct am_failure_ident	 ident[AM_FAILURE_IDENT_MAX];
	/* From the message; "" when unknown. */
	int64_t			 arrival;	/* s since the epoch */
	char			 qid[64];	/* Original-Envelope-Id */
	char			 mail_from[AM_FAILURE_ADDR]; /* reverse-path */
	char			 source_ip[64];
	char			 authres[2048];	/* our A-R value */
	struct am_buf		 hdrs;	/* "Name: value\r\n"..., capped */
	int			 hdrs_cut; /* the block was longer: cut at
					    * a field boundary */
};

/* What the report says about its sender. */
struct am_failure_meta {
	const char		*from;		/* From address */
	const char		*user_agent;	/* "authmilter 1.0" */
	const char		*report_id;	/* unique; Message-ID left */
	int64_t			 now;		/* Date */
	uint64_t		 incidents;	/* >1: the Incidents field */
	const char		*spf_dns;	/* the SPF record; NULL none */
	const unsigned char	*key;		/* redaction key; NULL: none */
	size_t			 keylen;
};

/* Copies what is needed from r (one Author Domain's result); the
 * message fields stay empty and hdrs is initialized. */
void	am_failure_in_fill(struct am_failure_in *,
	    const struct am_dmarc_result *r);
void	am_failure_in_release(struct am_failure_in *);
/* Appends one header field (name, value as the MTA gave it) to the
 * block hdrs, LF made CRLF; a field that does not fit (hdrs's max) is
 * left out and *cut set, and so is every later one. */
void	am_failure_header_append(struct am_buf *hdrs, int *cut,
	    const char *name, const char *value, int leadspc);

/* The fo options (AM_DMARC_FO_* bits) that hold for this evaluation. */
unsigned am_failure_triggers(const struct am_failure_in *);
/* 1 when a report is due, else 0; why says which rule decided. */
int	am_failure_due(const struct am_failure_in *, int on_none, char *why,
	    size_t wsize);
/* "dkim", "spf", "dkim, spf" or "none" (Identity-Alignment). */
const char *am_failure_id_align(const struct am_failure_in *);
/* The ident whose DKIM-* fields are reported, or NULL (none failed). */
const struct am_failure_ident *am_failure_dkim_reported(
	    const struct am_failure_in *);
/* The SPF ident when SPF did not pass for a domain aligned with the
 * author (SPF-DNS is then required), else NULL. */
const struct am_failure_ident *am_failure_spf_reported(
	    const struct am_failure_in *);

/* The report to the nto addresses in to (the To field); appended to
 * out with CRLF lines; -1 (AM_E_LIMIT) when out is too small. */
int	am_failure_mail(const struct am_failure_in *,
	    const struct am_failure_meta *, const char *const *to, size_t nto,
	    struct am_buf *out, struct am_err *);

/* Redacts the local parts in text[0..n) (see above) into out; header
 * is 1 when text is a header block (fields named above are kept). */
void	am_failure_redact(const char *text, size_t n,
	    const unsigned char *key, size_t keylen, int header,
	    struct am_buf *out);
/* HMAC-SHA256 (RFC 2104) of p with key; out gets 32 octets. */
void	am_failure_hmac(const unsigned char *key, size_t keylen,
	    const void *p, size_t n, unsigned char out[32]);

#endif /* AM_REPORT_FAILURE_H */
