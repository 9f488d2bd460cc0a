#ifndef AM_DKIM_SIGN_H
#define AM_DKIM_SIGN_H

/*
 * dkim_sign - make DKIM signatures (RFC 6376 section 5, RFC 8463)
 *
 * One signer makes one or more signatures over one message in one
 * pass: every key shares the signer's canonicalization, so the body is
 * canonicalized and hashed once (and once more per distinct hash).
 * The algorithm of each signature comes from its key (rsa-sha256 or
 * ed25519-sha256).  Output is deterministic for a fixed time: tag
 * order and folding are fixed, and both algorithms are deterministic.
 *
 * Header choice (RFC 6376 5.4): every field of the message whose name
 * is in the sign list is signed, once per occurrence; names in the
 * oversign list are listed once more, so that adding one more such
 * field (or the first one) breaks the signature.  From is always
 * signed.
 *
 * Usage:
 *	s = am_dkim_signer_new(&opts);
 *	am_dkim_signer_add_key(s, "example.com", "sel", NULL, pkey, &err);
 *	am_dkim_signer_header(s, raw, len, &err); ...
 *	am_dkim_signer_body(s, p, n); ...
 *	am_dkim_signer_eom(s, &err);
 *	for (i = 0; i < am_dkim_signer_count(s); i++)
 *		... am_dkim_signer_field(s, i) ...
 *	am_dkim_signer_free(&s);
 */

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "canon.h"
#include "err.h"

#define AM_DKIM_SIGN_MAXKEYS	8

struct am_dkim_sign_opts {
	enum am_canon_mode	 hcanon, bcanon;
	/* NULL-terminated, case-insensitive; NULL means the defaults
	 * (am_dkim_sign_default_headers, am_dkim_sign_default_oversign). */
	const char *const	*sign_headers;
	const char *const	*oversign_headers;
	/* Headers never signed even if listed (OmitHeaders). */
	const char *const	*omit_headers;
	uint64_t		 now;		/* t=; 0 means time(NULL) */
	uint64_t		 expire_after;	/* x= = t= + this; 0: no x= */
	int			 body_length;	/* add l= */
	size_t			 max_headers;	/* 0: 1000 fields */
	size_t			 max_header_bytes; /* 0: 1 MiB */
};

extern const char *const am_dkim_sign_default_headers[];
extern const char *const am_dkim_sign_default_oversign[];

struct am_dkim_signer;

struct am_dkim_signer	*am_dkim_signer_new(const struct am_dkim_sign_opts *);
/* domain and selector may be U-labels (RFC 8616); identity is the i=
 * value or NULL.  The key is referenced, not copied. */
int			 am_dkim_signer_add_key(struct am_dkim_signer *,
			    const char *domain, const char *selector,
			    const char *identity, EVP_PKEY *,
			    struct am_err *);
int			 am_dkim_signer_header(struct am_dkim_signer *,
			    const char *raw, size_t len, struct am_err *);
/* Takes over a collection of the message's header fields, as
 * am_dkim_verifier_take_headers() does; *hdrs becomes NULL. */
struct am_hdrs;
void			 am_dkim_signer_take_headers(struct am_dkim_signer *,
			    struct am_hdrs **hdrs);
void			 am_dkim_signer_body(struct am_dkim_signer *,
			    const void *, size_t);
/* Fails for a message it must not sign (no From, several From). */
int			 am_dkim_signer_eom(struct am_dkim_signer *,
			    struct am_err *);
size_t			 am_dkim_signer_count(const struct am_dkim_signer *);
/*
 * The i-th DKIM-Signature field, in the order the keys were added,
 * "DKIM-Signature: v=1; ..." folded with CR LF TAB, without a final
 * line end.  Prepend them in order.  Valid until the signer is freed.
 */
const char		*am_dkim_signer_field(const struct am_dkim_signer *,
			    size_t i);
void			 am_dkim_signer_free(struct am_dkim_signer **);

#endif /* AM_DKIM_SIGN_H */
