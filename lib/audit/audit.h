#ifndef AM_AUDIT_H
#define AM_AUDIT_H

/*
 * audit - deliverability findings about a sending domain, as data
 *
 * The checks (audit_dkim.c, audit_spf.c, audit_dmarc.c, audit_mx.c,
 * audit_ip.c, audit_smtp.c) look at what DNS, and when asked the
 * operator's own SMTP server, show about a domain and append findings
 * to a struct am_audit: a severity (PASS, WARN, FAIL), a stable check
 * name ("spf.all", "dkim.match"...), the domain, what was seen, how to
 * fix it (for WARN and FAIL; the exact record to publish where that is
 * what is needed) and the RFC that says so.  Nothing here prints:
 * am_audit_format_text() and am_audit_format_json() render the list,
 * and the caller (authmilter-tool check-domain, later the daemon's
 * self-audit) decides where it goes.
 *
 * Text taken from DNS or from an SMTP server is hostile: the
 * renderers escape control and non-ASCII bytes, so one finding is
 * always one line of text and the JSON is always valid.
 *
 * Usage:
 *	am_audit_init(&a);
 *	am_audit_domain(dns, &in, &a);
 *	am_audit_format_text(&a, &buf);
 *	... am_audit_failed(&a) ...
 *	am_audit_release(&a);
 *
 * Ownership: the list owns copies of every string added to it.
 * Thread safety: one list per caller; the checks share nothing else
 * (dns may be shared, see dns.h).
 */

#include <stddef.h>

#include <openssl/evp.h>

#include "buf.h"
#include "canon.h"
#include "dns.h"

enum am_audit_severity {
	AM_AUDIT_PASS,
	AM_AUDIT_WARN,
	AM_AUDIT_FAIL
};

struct am_audit_finding {
	enum am_audit_severity	 severity;
	char			*check;		/* stable name */
	char			*domain;
	char			*text;		/* what was seen */
	char			*fix;		/* NULL for none */
	char			*rfc;		/* "RFC 7208 4.6.4" or NULL */
};

struct am_audit {
	struct am_audit_finding	*f;
	size_t			 n, cap;
};

void	am_audit_init(struct am_audit *);
void	am_audit_release(struct am_audit *);

/*
 * am_audit_add - append one finding; text is a printf format.  rfc
 * may be NULL.  Returns the finding, so that am_audit_fix() can add
 * the fix.
 */
struct am_audit_finding *am_audit_add(struct am_audit *,
	    enum am_audit_severity, const char *check, const char *domain,
	    const char *rfc, const char *fmt, ...)
	    __attribute__((format(printf, 6, 7)));
/* Sets (replaces) the fix of a finding; a printf format. */
void	am_audit_fix(struct am_audit_finding *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Moves every finding of src to the end of dst; src is left empty. */
void	am_audit_move(struct am_audit *dst, struct am_audit *src);

/* Number of findings with the given severity. */
size_t	am_audit_count(const struct am_audit *, enum am_audit_severity);
/* Is there at least one FAIL? */
int	am_audit_failed(const struct am_audit *);
const char *am_audit_severity_name(enum am_audit_severity);

/*
 * am_audit_format_text - one line per finding:
 *	"SEVERITY check domain: text" and, when there is a fix,
 *	" -- fix: fix"
 * Control bytes, DEL and bytes over 0x7e are written \xHH (and a
 * backslash as "\\"), so no finding spans two lines.
 */
void	am_audit_format_text(const struct am_audit *, struct am_buf *out);
/*
 * am_audit_format_json - a JSON array of objects {"check",
 * "severity", "domain", "text", "fix", "rfc"}; fix and rfc are null
 * when absent; bytes outside printable ASCII are written \u00HH.
 */
void	am_audit_format_json(const struct am_audit *, struct am_buf *out);

/* ---------------------------------------------------------------- input */

/* A DKIM selector to check, with its private key when known. */
struct am_audit_key {
	const char	*selector;
	EVP_PKEY	*pkey;		/* borrowed; NULL: no key match */
};

struct am_audit_input {
	const char			*domain;	/* A-label */
	const struct am_audit_key	*keys;
	size_t				 nkeys;
	/* The signing canonicalization (from a configuration). */
	int				 canon_known;
	enum am_canon_mode		 hcanon, bcanon;
	const char *const		*ips;		/* sending addresses */
	size_t				 nips;
	const char *const		*dnsbl;		/* zones */
	size_t				 ndnsbl;
	/* --smtp: "HOST", "HOST:PORT", "[IPv6]:PORT"; NULL: not asked */
	const char			*smtp;
	unsigned			 smtp_timeout_ms; /* 0: 30 s */
};

/*
 * am_audit_domain - every check that applies to one domain: DKIM for
 * each key (or a WARN that none was given), SPF, DMARC, MX, each IP
 * (PTR, forward confirmation, its name, the HELO name, the DNSBL
 * zones), and with smtp the server's banner, EHLO, STARTTLS,
 * postmaster and abuse and the relay test.  Never fails: every
 * problem, DNS errors included, is a finding.
 */
void	am_audit_domain(struct am_dns *, const struct am_audit_input *,
	    struct am_audit *);

/* ---------------------------------------------------------------- checks */

/* DKIM (audit_dkim.c): one selector; *type_out gets the key type seen
 * (0 RSA, 1 Ed25519, -1 none), for the RSA-companion check. */
void	am_audit_dkim_key(struct am_dns *, const char *domain,
	    const struct am_audit_key *, int *type_out, struct am_audit *);
/* Ed25519 keys with no RSA key beside them (types as above). */
void	am_audit_dkim_companion(const char *domain, const int *types,
	    size_t n, struct am_audit *);
void	am_audit_dkim_canon(const char *domain, enum am_canon_mode h,
	    enum am_canon_mode b, struct am_audit *);

/*
 * am_audit_dkim_lint - the record text against what the strictest
 * receivers (Microsoft's) parse: a bit set of AM_AUDIT_LINT_*.  The
 * record may be valid RFC 6376 and still have bits set.
 */
#define AM_AUDIT_LINT_CTL	0x001	/* control or non-ASCII bytes */
#define AM_AUDIT_LINT_EDGE_WS	0x002	/* white space at either end */
#define AM_AUDIT_LINT_SEMI_WS	0x004	/* not 0 or 1 space after ';' */
#define AM_AUDIT_LINT_DOUBLE_SP	0x008	/* "  " */
#define AM_AUDIT_LINT_TAB_NL	0x010	/* tab, CR or LF */
#define AM_AUDIT_LINT_QUOTE	0x020	/* '"' or '\\' */
#define AM_AUDIT_LINT_V_LATE	0x040	/* v= not the first tag */
#define AM_AUDIT_LINT_P_WS	0x080	/* white space inside p= */
#define AM_AUDIT_LINT_ALL	0x0ff
unsigned	 am_audit_dkim_lint(const char *rec, size_t len);
/* What one bit means, e.g. "double space in record". */
const char	*am_audit_lint_text(unsigned bit);

/* SPF (audit_spf.c). */
void	am_audit_spf(struct am_dns *, const char *domain,
	    const char *const *ips, size_t nips, struct am_audit *);

/* DMARC (audit_dmarc.c). */
void	am_audit_dmarc(struct am_dns *, const char *domain, struct am_audit *);

/* MX (audit_mx.c). */
void	am_audit_mx(struct am_dns *, const char *domain, struct am_audit *);

/* One sending IP (audit_ip.c); helo may be NULL (not known). */
void	am_audit_ip(struct am_dns *, const char *domain, const char *ip,
	    const char *helo, const char *const *dnsbl, size_t ndnsbl,
	    struct am_audit *);
/*
 * am_audit_ptr_name - how a PTR name looks: AM_AUDIT_NAME_GENERIC when
 * it holds the address (its octets, in either order, joined by '-',
 * '.' or '_', or as hex) or a token of dynamic or residential ranges
 * (dynamic, dhcp, pool, dsl, cable, ppp, dial, client, customer...);
 * AM_AUDIT_NAME_MAIL when its first label names a mail host (mail,
 * smtp, mx, mta, out, relay, with digits or '-' suffixes); else
 * AM_AUDIT_NAME_OTHER.  ip may be NULL (no address test).
 */
enum am_audit_name {
	AM_AUDIT_NAME_OTHER,
	AM_AUDIT_NAME_MAIL,
	AM_AUDIT_NAME_GENERIC
};
enum am_audit_name am_audit_ptr_name(const char *name, const char *ip);

/* SMTP (audit_smtp.c): helo_out (size bytes) gets the EHLO name the
 * server gave, "" when none. */
void	am_audit_smtp(struct am_dns *, const char *domain, const char *hostport,
	    unsigned timeout_ms, char *helo_out, size_t size,
	    struct am_audit *);

#endif /* AM_AUDIT_H */
