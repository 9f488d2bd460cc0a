#ifndef AM_ADDR_H
#define AM_ADDR_H

/*
 * addr - RFC 5322 addresses (3.4, 4.4) with RFC 6532 UTF-8, and the
 * author set of a message (its From fields, RFC 5322 3.6.2)
 *
 * Two levels:
 *
 * am_addr_parse() reads ONE header field value (folded or not) as an
 * address-list: mailboxes (addr-spec or name-addr), groups (also
 * empty ones; RFC 6854 allows them in From), and the obsolete syntax
 * of RFC 5322 4.4 (obs-phrase, obs-local-part, obs-domain, obs-route,
 * empty list elements, CFWS between the parts of an address).  It
 * never guesses: anything outside that grammar makes the whole value
 * AM_ADDR_UNPARSEABLE, with a reason and the byte offset, and no
 * mailboxes at all, so that no caller can pick "the first one".
 * Decisions beyond the grammar:
 *  - A NUL byte anywhere, a control character in the address itself,
 *    or invalid UTF-8 in the address itself make the value
 *    unparseable.  Display names and comments may hold any non-NUL
 *    octet (legacy 8-bit names are common and never reach the address).
 *  - RFC 2047 encoded-words are atoms of the display name: kept as
 *    written (AM_ADDR_F_ENCWORD), never decoded, never an address.
 *  - A local part with a leading, trailing or doubled '.' is accepted
 *    (AM_ADDR_F_DOTS): the domain is unambiguous, and some mobile
 *    carriers issue such addresses.
 *  - A mailbox without '@' ("From: MAILER-DAEMON", "<alice>"), with a
 *    domain-literal ("x@[192.0.2.1]"), or whose domain is not a host
 *    name is recorded, with alabel NULL and a reason in nodomain; the
 *    value is then AM_ADDR_NODOMAIN.
 *  - Domains in U-labels are converted to lower-case A-labels with
 *    am_domain_to_alabel(); the mailbox keeps both forms.
 *  - Limits: AM_ADDR_MAXVALUE bytes, AM_ADDR_MAXMBOX mailboxes and
 *    AM_ADDR_MAXDEPTH nested comments; beyond them, unparseable.
 *    Parsing is one pass with no recursion (a group member is parsed
 *    by the same code one level down, and groups do not nest).
 *
 * am_from_fields() and am_from_hdrs() give the author set of a message
 * from every From field: one of the outcomes of enum am_from_status,
 * never a silent pick, and the deduplicated author domains (A-labels)
 * for "evaluate every author domain".
 *
 * Usage:
 *	struct am_addr_list l;
 *	am_addr_parse(value, len, &l);
 *	if (l.status == AM_ADDR_OK) ... l.mbox[i].alabel ...
 *	am_addr_list_release(&l);
 *
 *	am_from_hdrs(hdrs, &from);
 *	if (from.status == AM_FROM_OK) ... from.addr, from.domain ...
 */

#include <stddef.h>

#include "buf.h"
#include "hdr.h"

#define AM_ADDR_MAXVALUE	16384	/* bytes in one field value */
#define AM_ADDR_MAXMBOX		64	/* mailboxes in one field value */
#define AM_ADDR_MAXDEPTH	32	/* nested comments */

enum am_addr_status {
	AM_ADDR_OK,		/* n >= 1, every mailbox has a domain */
	AM_ADDR_EMPTY,		/* n == 0: only CFWS, or only empty groups */
	AM_ADDR_NODOMAIN,	/* n >= 1, some mailbox's alabel is NULL */
	AM_ADDR_UNPARSEABLE	/* n == 0; reason and offset say why */
};

/* Mailbox flags: how it was written. */
#define AM_ADDR_F_ANGLE		0x0001	/* name-addr: "<addr-spec>" */
#define AM_ADDR_F_ROUTE		0x0002	/* obs-route "<@a,@b:...>", dropped */
#define AM_ADDR_F_GROUP		0x0004	/* a member of a group */
#define AM_ADDR_F_OBS		0x0008	/* CFWS inside the addr-spec, or an
					 * obs-local-part mixing words */
#define AM_ADDR_F_QUOTED	0x0010	/* local part has a quoted-string */
#define AM_ADDR_F_UTF8		0x0020	/* local part has UTF-8 (RFC 6532) */
#define AM_ADDR_F_IDN		0x0040	/* domain was written with U-labels */
#define AM_ADDR_F_LITERAL	0x0080	/* domain is a domain-literal */
#define AM_ADDR_F_ENCWORD	0x0100	/* display name holds "=?" (RFC 2047) */
#define AM_ADDR_F_DOTS		0x0200	/* leading, trailing or doubled '.' */

/*
 * One mailbox.  The strings are NUL-terminated and owned by the list;
 * they stay valid until am_addr_list_release().  The display name is a
 * view into the caller's value: offset and length of the phrase as
 * written (quotes, encoded-words and inner comments included).
 */
struct am_addr_mbox {
	const char	*local;		/* quotes removed, quoted-pairs
					 * resolved, folding removed */
	const char	*domain;	/* as written, without CFWS; a literal
					 * keeps its brackets; "" if none */
	const char	*alabel;	/* lower-case A-labels, or NULL */
	const char	*addr;		/* local@alabel, the local part quoted
					 * only where needed; NULL if no alabel */
	const char	*nodomain;	/* why alabel is NULL (static), or NULL */
	size_t		 off;		/* where the mailbox starts in the value */
	size_t		 display_off;
	size_t		 display_len;	/* 0: no display name */
	unsigned	 flags;		/* AM_ADDR_F_* */
};

struct am_addr_list {
	enum am_addr_status	 status;
	size_t			 n;
	struct am_addr_mbox	 mbox[AM_ADDR_MAXMBOX];
	size_t			 ngroups;	/* groups seen, empty or not */
	const char		*reason;	/* static; "" when OK */
	size_t			 offset;	/* byte of the value it is about */
	struct am_buf		 arena;		/* private: owns the strings */
};

/*
 * am_addr_parse - parse one field value into out.  out need not be
 * initialized; the caller calls am_addr_list_release() afterwards
 * whatever the status.  Hostile input only ever sets a status.
 */
void	am_addr_parse(const char *value, size_t len, struct am_addr_list *out);
void	am_addr_list_release(struct am_addr_list *);
const char *am_addr_status_name(enum am_addr_status);

/*
 * The author set of a message.  Precedence: no From field, then
 * several From fields, then the outcome of the single field.  The
 * domain list is filled in every case from every field that parsed.
 */
#define AM_FROM_MAXDOMAINS	16

enum am_from_status {
	AM_FROM_OK,		/* one From field holding one mailbox */
	AM_FROM_NONE,		/* no From field */
	AM_FROM_SEVERAL_FIELDS,	/* more than one From field */
	AM_FROM_SEVERAL_ADDRS,	/* one field, several mailboxes, all with
				 * a domain (ndomains may still be 1) */
	AM_FROM_EMPTY,		/* one field, no mailbox in it */
	AM_FROM_NODOMAIN,	/* one field, a mailbox without a usable
				 * domain (no '@', a literal, not a host) */
	AM_FROM_UNPARSEABLE	/* one field that does not parse */
};

struct am_from {
	enum am_from_status	 status;
	size_t			 nfields;	/* From fields seen */
	size_t			 naddrs;	/* mailboxes in all of them */
	size_t			 ndomains;	/* entries in domains[] */
	int			 complete;	/* domains[] holds every author
						 * domain, and there is one */
	char			 domains[AM_FROM_MAXDOMAINS][256];
	char			 addr[512];	/* AM_FROM_OK: local@A-labels */
	char			 domain[256];	/* the one author domain when
						 * complete and ndomains == 1,
						 * else "" */
	char			 why[128];	/* "" when OK */
};

/* A From field value, as the caller found it. */
struct am_from_field {
	const char	*value;
	size_t		 len;
};

/* Fills out from every From field value of a message (n may be 0). */
void	am_from_fields(const struct am_from_field *, size_t n,
	    struct am_from *out);
/* The same, finding the From fields in hdrs. */
void	am_from_hdrs(const struct am_hdrs *, struct am_from *out);
const char *am_from_status_name(enum am_from_status);

#endif /* AM_ADDR_H */
