#ifndef AM_DMARC_REC_H
#define AM_DMARC_REC_H

/*
 * dmarc_rec - DMARC Policy Records (RFC 9989 sections 4.7, 4.8)
 *
 * A record is a DMARC record when it starts with the v tag naming
 * DMARC1: "v", optional WSP, "=", optional WSP, the case-sensitive
 * "DMARC1", then optional WSP and ";" or the end.  Anything else
 * ("v=DMARC10", "p=reject; v=DMARC1", "v=dmarc1") is not a DMARC record
 * and am_dmarc_rec_parse() fails with AM_E_SYNTAX; those records do not
 * count at all in the DNS Tree Walk (section 4.10 step 2).
 *
 * Once the v tag is right the record is never rejected (section 4.8:
 * syntax errors are "discarded in favor of default values (if any) or
 * ignored outright"); each tag is judged on its own:
 *  - tag names are 1*ALPHA, compared ignoring case; keyword values
 *    (none, Reject, y, s ...) ignore case too (ABNF literals);
 *  - p, sp, np: none / quarantine / reject, else AM_DMARC_TAG_INVALID
 *    (what an invalid one does is decided by the evaluator, section
 *    4.10.1: act as p=none when a valid rua URI is present, otherwise
 *    no DMARC processing);
 *  - psd y/n/u, t y/n, adkim and aspf r/s, fo (ABNF dmarc-fo): an
 *    invalid value leaves the default (u, n, r, r, "0") and is marked
 *    INVALID in the tag state for the why-trace;
 *  - rua, ruf: comma-separated URIs (RFC 3986 syntax: scheme ":" and
 *    URI characters); the obsolete "!size" suffix is stripped; invalid
 *    URIs are dropped; the valid ones are kept, joined with ",", up to
 *    AM_DMARC_URI_MAX of them and AM_DMARC_URILIST_MAX octets;
 *  - pct, rf, ri: removed by RFC 9989 (historic), recognised and
 *    ignored (pct=0 does NOT mean t=y); unknown tags are ignored;
 *  - a tag that appears twice is invalid (both copies discarded): RFC
 *    9989 is silent, RFC 6376 tag lists make duplicates an error, and
 *    "first wins" or "last wins" would let one published record mean
 *    two things to two receivers.  For p, sp and np that makes the
 *    section 4.10.1 rule apply.  A second v tag is ignored.
 *
 * Usage:
 *	if (am_dmarc_rec_parse(txt, len, &rec, &err) == 0)
 *		... rec.p, rec.p_state ...
 *
 * Ownership: the record holds no pointers; copy it freely.
 * Thread safety: no shared state.
 */

#include <stddef.h>

#include "err.h"

#define AM_DMARC_URI_MAX	8	/* URIs kept per list */
#define AM_DMARC_URILIST_MAX	1024	/* octets kept per list */

enum am_dmarc_policy {
	AM_DMARC_POLICY_NONE,
	AM_DMARC_POLICY_QUARANTINE,
	AM_DMARC_POLICY_REJECT
};

enum am_dmarc_tag_state {
	AM_DMARC_TAG_ABSENT,
	AM_DMARC_TAG_OK,
	AM_DMARC_TAG_INVALID	/* bad value or duplicate: default used */
};

enum am_dmarc_psd {
	AM_DMARC_PSD_U,
	AM_DMARC_PSD_Y,
	AM_DMARC_PSD_N
};

enum am_dmarc_align {
	AM_DMARC_ALIGN_RELAXED,
	AM_DMARC_ALIGN_STRICT
};

/* fo= flags */
#define AM_DMARC_FO_0	0x01
#define AM_DMARC_FO_1	0x02
#define AM_DMARC_FO_D	0x04
#define AM_DMARC_FO_S	0x08

struct am_dmarc_rec {
	enum am_dmarc_policy	 p, sp, np;	/* valid only when *_state OK */
	enum am_dmarc_tag_state	 p_state, sp_state, np_state;
	enum am_dmarc_psd	 psd;
	enum am_dmarc_tag_state	 psd_state;
	int			 t;		/* t=y */
	enum am_dmarc_tag_state	 t_state;
	enum am_dmarc_align	 adkim, aspf;
	enum am_dmarc_tag_state	 adkim_state, aspf_state;
	unsigned		 fo;		/* AM_DMARC_FO_*; default 0 */
	enum am_dmarc_tag_state	 fo_state;
	/* Valid URIs, "!size" stripped, joined with ","; "" for none. */
	char			 rua[AM_DMARC_URILIST_MAX];
	char			 ruf[AM_DMARC_URILIST_MAX];
	unsigned		 nrua, nruf;	/* valid URIs kept */
	unsigned		 rua_bad, ruf_bad; /* URIs dropped */
	enum am_dmarc_tag_state	 rua_state, ruf_state;
	int			 legacy;	/* pct, rf or ri (ignored) */
	unsigned		 unknown;	/* unknown tags, ignored */
	unsigned		 malformed;	/* pieces not tag=value */
};

/*
 * am_dmarc_rec_is_dmarc - does the TXT record start with v=DMARC1?
 * (The filter of section 4.10 steps 2 and 6.)
 */
int		 am_dmarc_rec_is_dmarc(const char *, size_t);

/*
 * am_dmarc_rec_parse - parse a TXT record (character-strings already
 * joined).  Fails (-1, AM_E_SYNTAX) only when it is not a DMARC record.
 */
int		 am_dmarc_rec_parse(const char *, size_t,
		    struct am_dmarc_rec *out, struct am_err *);

const char	*am_dmarc_policy_name(enum am_dmarc_policy);
const char	*am_dmarc_psd_name(enum am_dmarc_psd);

/*
 * am_dmarc_rec_format - a canonical one-line rendering of the record
 * ("v=DMARC1; p=reject; sp=none; adkim=s; rua=mailto:a@x"), tags with
 * their defaults left out, invalid ones shown as "p=<invalid>";
 * written to buf (always NUL-terminated, cut if too small).
 */
void		 am_dmarc_rec_format(const struct am_dmarc_rec *, char *buf,
		    size_t size);

#endif /* AM_DMARC_REC_H */
