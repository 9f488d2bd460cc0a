#ifndef AM_SPF_RECORD_H
#define AM_SPF_RECORD_H

/*
 * spf_record - parse one SPF record (RFC 7208 sections 4.5, 4.6, 5, 6
 * and the ABNF of section 12)
 *
 * The parser takes the whole TXT record (its strings already joined)
 * and either accepts it, filling a struct am_spf_record of views into
 * the text, or rejects it with AM_E_SYNTAX: what the ABNF rejects is a
 * permerror for the evaluator (4.6: a syntax error anywhere in the
 * record is a permerror before anything is evaluated).
 *
 * Decisions where the ABNF needs reading:
 *  - a term is a modifier when it starts with name "=" (name = ALPHA
 *    *(ALPHA / DIGIT / "-" / "_" / ".")); everything else is a
 *    directive, and an unknown mechanism name is a syntax error;
 *  - "include=x" is therefore an unknown modifier, which is ignored;
 *  - a directive ending in "/" 1*DIGIT is always read as a CIDR
 *    length (a domain-spec cannot end that way), so "/033", "/33" on
 *    ip4 or "/129" are syntax errors rather than part of the name;
 *  - domain-specs and unknown modifier values are macro-strings in
 *    which c, r and t are refused (7.3: explanation text only);
 *  - "exp=" and "redirect=" with an empty domain-spec do not match
 *    the ABNF and are syntax errors (the RFC 7208 test suite agrees).
 *
 * Usage:
 *	if (am_spf_record_parse(txt, len, &rec, &err) == -1)
 *		... permerror, err.msg says why ...
 *	... rec.terms[i] ...
 *	am_spf_record_release(&rec);
 *
 * Ownership: the record's views point into txt, which must outlive it.
 */

#include <stddef.h>

#include "err.h"
#include "spf.h"

enum am_spf_mech {
	AM_SPF_MECH_ALL,
	AM_SPF_MECH_INCLUDE,
	AM_SPF_MECH_A,
	AM_SPF_MECH_MX,
	AM_SPF_MECH_PTR,
	AM_SPF_MECH_IP4,
	AM_SPF_MECH_IP6,
	AM_SPF_MECH_EXISTS
};

struct am_spf_term {
	enum am_spf_mech	 mech;
	enum am_spf_verdict	 qual;		/* pass, fail, softfail, neutral */
	const char		*text;		/* the whole term */
	size_t			 text_len;
	const char		*spec;		/* domain-spec; NULL if absent */
	size_t			 spec_len;
	unsigned char		 addr[16];	/* ip4: 4 octets; ip6: 16 */
	unsigned		 cidr4;		/* 32 when absent */
	unsigned		 cidr6;		/* 128 when absent */
};

struct am_spf_record {
	struct am_spf_term	*terms;		/* the directives, in order */
	size_t			 nterms;
	const char		*redirect;	/* domain-spec; NULL if absent */
	size_t			 redirect_len;
	const char		*exp;		/* domain-spec; NULL if absent */
	size_t			 exp_len;
	size_t			 nunknown;	/* unknown modifiers seen */
	int			 has_all;
};

/* Does the text start with "v=spf1" (any case) and then SP or end? */
int	am_spf_record_is_spf(const char *txt, size_t len);
int	am_spf_record_parse(const char *txt, size_t len,
	    struct am_spf_record *out, struct am_err *);
void	am_spf_record_release(struct am_spf_record *);
const char *am_spf_mech_name(enum am_spf_mech);

#endif /* AM_SPF_RECORD_H */
