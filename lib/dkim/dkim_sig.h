#ifndef AM_DKIM_SIG_H
#define AM_DKIM_SIG_H

/*
 * dkim_sig - parse a DKIM-Signature header value (RFC 6376 3.5)
 *
 * Parsing checks syntax and the tag rules that need no DNS or message:
 * required tags (v a b bh d h s), v=1, a known canonicalization, d= a
 * syntactically valid domain, i= (if present) ending in d= or a
 * subdomain of it (compared case-insensitively, after converting
 * U-labels to A-labels, RFC 8616), h= non-empty and containing From,
 * q= containing dns/txt, numeric t=, x= and l= (l= up to 76 digits; a
 * value over 64 bits is AM_E_LIMIT), x= not before t=.  An unknown
 * algorithm is parsed (alg AM_DKIM_ALG_UNKNOWN) so the verifier can say
 * which; so is rsa-sha1 (AM_DKIM_RSA_SHA1), which the verifier never
 * passes (RFC 8301).  The error message is short and fit to be a
 * reason in an Authentication-Results header.
 */

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "canon.h"
#include "err.h"

enum am_dkim_alg {
	AM_DKIM_ALG_UNKNOWN,
	AM_DKIM_RSA_SHA256,
	AM_DKIM_ED25519_SHA256,
	AM_DKIM_RSA_SHA1
};

struct am_dkim_sig {
	enum am_dkim_alg	 alg;
	char			*alg_name;	/* a= as written */
	enum am_canon_mode	 hcanon, bcanon;
	char			*d;		/* as written */
	char			*d_alabel;	/* lower-case A-label form */
	char			*s;
	char			*i;		/* NULL if absent */
	char			**h;		/* header names, as written */
	size_t			 h_n;
	unsigned char		*b;		/* decoded signature */
	size_t			 b_len;
	char			*b_text;	/* base64 text without FWS */
	unsigned char		*bh;		/* decoded body hash */
	size_t			 bh_len;
	int			 has_l;
	uint64_t		 l;
	int			 has_t;
	uint64_t		 t;
	int			 has_x;
	uint64_t		 x;
};

int	am_dkim_sig_parse(const char *value, size_t len,
	    struct am_dkim_sig *out, struct am_err *);
void	am_dkim_sig_release(struct am_dkim_sig *);

/*
 * am_dkim_sig_strip_b - copy a raw DKIM-Signature field with the value
 * of its b= tag removed (RFC 6376 3.7: "b=" stays, everything between
 * it and the next ';' or the end goes), for hashing.  Appends to out.
 */
int	am_dkim_sig_strip_b(const char *raw, size_t len, struct am_buf *out);

const char *am_dkim_alg_name(enum am_dkim_alg);

#endif /* AM_DKIM_SIG_H */
