#ifndef AM_DKIM_VERIFY_H
#define AM_DKIM_VERIFY_H

/*
 * dkim_verify - verify the DKIM signatures of one message (RFC 6376 6)
 *
 * Every DKIM-Signature field, up to a maximum, gets its own verdict and
 * a reason.  Verdicts are data in struct am_dkim_result, never return
 * codes: the calls below fail only for internal errors or hostile
 * input that exceeds hard limits (then the caller reports temperror or
 * permerror for the whole message as its policy says).
 *
 * Verdict rules (RFC 6376, 8301, 8463, 8601, 8616):
 *  - pass: body hash and signature verify with an acceptable key;
 *  - fail: body hash mismatch, signature mismatch, x= in the past,
 *    t= in the future beyond the clock skew, l= beyond the body;
 *  - policy: the signature might verify but is not acceptable:
 *    rsa-sha1 (RFC 8301), an RSA key under 1024 bits or under the
 *    configured minimum, content after l= under the strict l= policy,
 *    any l= under the refuse policy;
 *  - neutral: (unused by DKIM itself);
 *  - temperror: the key query failed (SERVFAIL, timeout);
 *  - permerror: malformed signature or key, no key (NXDOMAIN, NODATA),
 *    revoked key, unknown algorithm, key/algorithm mismatch, hash not
 *    allowed by the key's h=, i= subdomain under t=s, From not signed;
 *  - none: the message has no signature (no results at all).
 *
 * Usage:
 *	v = am_dkim_verifier_new(&opts, dns, log);
 *	am_dkim_verifier_header(v, raw, len, &err); ...
 *	need = am_dkim_verifier_eoh(v);   (0: skip the body)
 *	am_dkim_verifier_body(v, p, n); ...
 *	am_dkim_verifier_eom(v);
 *	for (i = 0; i < am_dkim_verifier_count(v); i++)
 *		r = am_dkim_verifier_result(v, i);
 *	am_dkim_verifier_free(&v);
 */

#include <stddef.h>
#include <stdint.h>

#include "authres.h"
#include "dns.h"
#include "err.h"
#include "log.h"
#include "verdict.h"

struct am_keycache;

enum am_dkim_verdict {
	AM_DKIM_NONE,
	AM_DKIM_PASS,
	AM_DKIM_FAIL,
	AM_DKIM_NEUTRAL,
	AM_DKIM_POLICY,
	AM_DKIM_TEMPERROR,
	AM_DKIM_PERMERROR
};

enum am_dkim_l_policy {
	AM_DKIM_L_HONOUR,	/* l= is fine; unsigned trailing content noted */
	AM_DKIM_L_STRICT,	/* policy if there is content after l= */
	AM_DKIM_L_REFUSE	/* policy for any signature with l= */
};

struct am_dkim_verify_opts {
	size_t			 max_signatures;  /* 0: 10 */
	uint64_t		 now;		  /* 0: time(NULL) */
	unsigned		 clock_skew;	  /* seconds; t= slack */
	unsigned		 min_key_bits;	  /* RSA; raised to 1024 */
	enum am_dkim_l_policy	 l_policy;
	size_t			 max_headers;	  /* 0: 1000 */
	size_t			 max_header_bytes; /* 0: 1 MiB */
	struct am_keycache	*keycache;	  /* borrowed; NULL: none */
};

/* Why a signature got its verdict, for programs (reason[] is for
 * people and Authentication-Results). */
enum am_dkim_reason {
	AM_DKIM_R_NONE,		/* pass */
	AM_DKIM_R_SIG_SYNTAX,	/* malformed signature, From not signed */
	AM_DKIM_R_ALGORITHM,	/* unknown a= */
	AM_DKIM_R_WEAK_ALGORITHM, /* rsa-sha1 (RFC 8301) */
	AM_DKIM_R_EXPIRED,	/* x= in the past */
	AM_DKIM_R_FUTURE,	/* t= beyond the clock skew */
	AM_DKIM_R_NO_KEY,	/* NXDOMAIN or NODATA for the key */
	AM_DKIM_R_KEY_DNS,	/* the key query failed */
	AM_DKIM_R_KEY_SYNTAX,	/* no usable key record */
	AM_DKIM_R_KEY_REVOKED,	/* empty p= */
	AM_DKIM_R_KEY_MISMATCH,	/* k=, h= or t=s rule broken */
	AM_DKIM_R_WEAK_KEY,	/* RSA key under the minimum */
	AM_DKIM_R_BODY_LENGTH,	/* l= beyond the body, or l= policy */
	AM_DKIM_R_BODY_HASH,	/* body hash mismatch */
	AM_DKIM_R_SIGNATURE,	/* signature mismatch */
	AM_DKIM_R_LIMIT,	/* a hard limit was exceeded */
	AM_DKIM_R_INTERNAL	/* our own failure */
};

struct am_dkim_result {
	enum am_dkim_verdict	 verdict;
	enum am_dkim_reason	 code;
	char			 reason[128];	/* empty for pass */
	char			*d;		/* NULL when unparseable */
	char			*i;
	char			*s;
	char			*a;
	char			*b;		/* header.b prefix */
	unsigned		 key_bits;
	int			 key_testing;	/* t=y */
	int			 has_l;
	uint64_t		 l;
	uint64_t		 body_len;	/* canonical body length */
};

struct am_dkim_verifier;

/* dns and log are borrowed for the verifier's life; log may be NULL. */
struct am_dkim_verifier	*am_dkim_verifier_new(
			    const struct am_dkim_verify_opts *,
			    struct am_dns *, const struct am_log *);
/* Fails (AM_E_LIMIT) when the header block exceeds the limits. */
int			 am_dkim_verifier_header(struct am_dkim_verifier *,
			    const char *raw, size_t len, struct am_err *);
/*
 * Takes over a collection already holding the message's header fields
 * (the milter collects them once for its own decisions), instead of
 * copying them in one by one; *hdrs becomes NULL.  Call it before any
 * am_dkim_verifier_header().
 */
struct am_hdrs;
void			 am_dkim_verifier_take_headers(
			    struct am_dkim_verifier *, struct am_hdrs **hdrs);
/* End of headers: parses the signatures; returns 1 if the body is
 * needed, 0 if no signature can use it.  The work is done once: later
 * calls only return the first answer (no header may be added after
 * it). */
int			 am_dkim_verifier_eoh(struct am_dkim_verifier *);
void			 am_dkim_verifier_body(struct am_dkim_verifier *,
			    const void *, size_t);
/* Looks up keys and checks every signature. */
void			 am_dkim_verifier_eom(struct am_dkim_verifier *);
size_t			 am_dkim_verifier_count(
			    const struct am_dkim_verifier *);
const struct am_dkim_result *am_dkim_verifier_result(
			    const struct am_dkim_verifier *, size_t i);

const char		*am_dkim_verdict_name(enum am_dkim_verdict);
/* The shared result word (verdict.h) of a DKIM verdict. */
enum am_verdict		 am_dkim_verdict_word(enum am_dkim_verdict);
/* A stable token for a reason code, e.g. "no-key", for logs. */
const char		*am_dkim_reason_name(enum am_dkim_reason);
/* Fills an RFC 8601 resinfo for r ("dkim=pass header.d=... "). */
void			 am_dkim_result_authres(const struct am_dkim_result *,
			    struct am_authres *);
void			 am_dkim_verifier_free(struct am_dkim_verifier **);

#endif /* AM_DKIM_VERIFY_H */
