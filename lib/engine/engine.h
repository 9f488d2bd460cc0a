#ifndef AM_ENGINE_H
#define AM_ENGINE_H

/*
 * engine - the inbound pipeline of one message, fed the way an MTA
 * feeds a milter, returning one result as data
 *
 * The daemon (milter/session.c) and `authmilter-tool eval` both feed
 * it, stage by stage, with options both get from the one mapping in
 * lib/config (am_config_engine_opts, am_config_engine_client), so eval
 * says what the daemon does (t/parity proves it).
 *
 * Stages, in SMTP order (any may be skipped when the MTA skips it):
 *   connection	struct am_engine_conn: the HELO name and its SPF
 *		result, reused by the connection's later messages until
 *		the next HELO (am_engine_conn_helo);
 *   client	am_engine_client: its address, and what the config
 *		mapping made of it (SPF skipped, DMARC not enforced);
 *   MAIL FROM	am_engine_mailfrom: iprev of the client address
 *		(opts.iprev; once per connection, kept in conn; not for a
 *		trusted client), then SPF of both identities (MAIL FROM,
 *		or postmaster@HELO for the null sender, and HELO) under
 *		one time budget (the MAIL FROM check may use all of it,
 *		HELO gets what is left), and SPF's contribution to the
 *		disposition: a refusal is returned at once (the client
 *		is refused at MAIL FROM, where it costs least) and the
 *		message goes no further;
 *   RCPT	am_engine_rcpt: the first recipient's domain (DMARC
 *		reports' envelope_to);
 *   headers	am_engine_header (name, value as a milter gets them) or
 *		am_engine_header_raw ("Name:value" as in a file): kept in
 *		a bounded collection; Authentication-Results fields are
 *		judged as they come (ours or RemoveARFrom's: to delete;
 *		TrustedAuthservIDs': their spf and dkim results taken);
 *   end of headers  am_engine_from (the author set, parsed once) and
 *		am_engine_take_hdrs (the collection, for the signer) are
 *		for the caller's sign/verify decision; then
 *		am_engine_eoh(verify): with verify, DKIM verification
 *		starts; 1 if the body is needed;
 *   body	am_engine_body: streamed into the verifier, never kept;
 *   end	am_engine_eom: DKIM key lookups and verdicts, the From
 *		override of a pass, DMARC for every author domain (with
 *		trusted upstream results, IgnoreMailFrom, the exempt
 *		client, hold or reject), the one disposition, the one
 *		Authentication-Results value and Received-SPF, the DMARC
 *		report records (one per author domain, with the recipient
 *		domain, to opts.report).
 *
 * The result (struct am_engine_result): the 1-based indices of the
 * Authentication-Results fields to delete (ascending: delete the
 * highest first, CVE-2022-48521), the values to add (A-R and
 * Received-SPF, folded with "\n\t", each with its leading space), one
 * disposition (disposition.h: the merge rule is there), and the facts
 * of the log line (am_engine_logline).  Without verify (a message the
 * caller signs or passes through), only SPF is written.
 *
 * Ownership: opts is copied, its strings and lists borrowed for the
 * engine's life; dns and the logs are borrowed.  Thread safety: one
 * engine per message; dns as dns.h says.  Never fails after
 * am_engine_new(): errors become results.
 */

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "buf.h"
#include "disposition.h"
#include "dkim_verify.h"
#include "dmarc.h"
#include "dmarc_report.h"
#include "dns.h"
#include "err.h"
#include "hdr.h"
#include "log.h"
#include "spf.h"

/* What to do with one class of author set (see am_engine_from). */
enum am_engine_from_act {
	AM_ENGINE_FROM_EVALUATE,	/* DMARC for every author domain */
	AM_ENGINE_FROM_REJECT,		/* 550 5.7.1, dmarc=permerror */
	AM_ENGINE_FROM_PERMERROR	/* accept, dmarc=permerror */
};

struct am_engine_opts {
	const char		*authserv_id;	/* NULL: "localhost" */
	uint64_t		 now;		/* 0: time(NULL) */
	int			 why;		/* keep the why-trace (eval) */

	/* DKIM, and what its outcome makes us do (On-*). */
	struct am_dkim_verify_opts dkim;
	size_t			 max_headers;	/* 0: 1000 */
	size_t			 max_header_bytes; /* 0: 1 MiB */
	enum am_action		 on_no_signature, on_bad_signature,
				 on_dns_error, on_key_not_found,
				 on_internal_error;

	/* Authentication-Results fields to delete: our authserv-id's,
	 * RemoveARFrom's ("host" or ".domain"), or all. */
	char *const		*remove_ar_from;
	int			 remove_ar_all;

	/* SPF. */
	int			 spf;		/* check SPF */
	unsigned		 spf_budget_ms;	/* both identities (10 s) */
	const char		*spf_explanation; /* NULL: the lib's */
	enum am_action		 spf_fail, spf_softfail, spf_temperror;
	int			 spf_received;	/* add Received-SPF */

	/* iprev (RFC 8601 2.7.3), once per connection at MAIL FROM. */
	int			 iprev;		/* check it */

	/* DMARC. */
	int			 dmarc;
	struct am_dmarc_opts	 dmarc_opts;	/* mode walk|psl, budget */
	int			 reject_failures; /* reject on p=reject */
	int			 hold;		/* quarantine (else written
						 * down only) */
	int			 annotate_only;	/* never enforce */
	int			 temperror_tempfail; /* else accept */
	enum am_engine_from_act	 from_missing, from_bad, from_several;
	int			 reject_multi_from; /* several author
						 * domains: reject */
	const char		*reject_string;	/* "... %s ...": the author
						 * domain; NULL: the reason */
	char *const		*trusted_ids;	/* TrustedAuthservIDs */
	char *const		*ignore_domains; /* IgnoreMailFrom, A-labels */
	struct am_dmarc_report_sink report;	/* fn NULL: dropped */
};

/* The client, as the config mapping judged it (am_config_engine_client). */
struct am_engine_client {
	const char	*ip;		/* printable; NULL or "": unknown */
	int		 spf_skip;	/* trusted, SPFSkipTrusted */
	int		 iprev_skip;	/* trusted: no iprev check */
	int		 exempt;	/* DMARC never enforced */
	char		 exempt_why[160]; /* "authenticated client" ... */
};

/*
 * iprev (RFC 8601 2.7.3, engine_iprev.c): the client address's PTR
 * names (at most AM_IPREV_MAXPTR), each looked up forward (A or AAAA);
 * pass when one of them gives the address back; fail when they all
 * resolve and none does (or a forward name does not exist); temperror
 * when a lookup failed for a reason that may clear up and nothing
 * passed; permerror when the address has no PTR record.
 */
#define AM_IPREV_MAXPTR		10
enum am_iprev_verdict {
	AM_IPREV_NONE,		/* not checked */
	AM_IPREV_PASS,
	AM_IPREV_FAIL,
	AM_IPREV_TEMPERROR,
	AM_IPREV_PERMERROR
};
struct am_engine_iprev {
	enum am_iprev_verdict	 verdict;
	char			 ip[64];	/* the address checked */
	char			 name[256];	/* the confirmed name (pass),
						 * else the first PTR name */
	char			 why[200];	/* what was seen */
};

/* Per connection: the HELO name and its SPF result; the iprev result
 * of the client address (kept unless it is a temperror). */
struct am_engine_conn {
	char			 helo[AM_SPF_IDENTITY_MAX + 1]; /* "": none */
	int			 helo_done;	/* helo_res is for helo */
	struct am_spf_result	 helo_res;
	int			 iprev_done;	/* iprev is for iprev.ip */
	struct am_engine_iprev	 iprev;
};

struct am_engine_result {
	struct am_disposition	 disp;
	const size_t		*del;		/* A-R indices, ascending */
	size_t			 ndel;
	const struct am_buf	*ar;		/* len 0: none to add */
	const struct am_buf	*rspf;		/* len 0: none to add */
	const struct am_buf	*why;		/* opts.why: "method: ...\n" */
	int			 verified;	/* DKIM ran */
	size_t			 ndmarc;	/* author domains evaluated */
	const struct am_dmarc_result *dmarc;	/* ndmarc results */
};

struct am_engine;

/* Defaults as the config file's; every check on. */
void		 am_engine_opts_init(struct am_engine_opts *);
void		 am_engine_conn_init(struct am_engine_conn *);
/* A new HELO/EHLO: forget the old name and its check. */
void		 am_engine_conn_helo(struct am_engine_conn *, const char *);

struct am_engine *am_engine_new(const struct am_engine_opts *,
		    struct am_dns *, const struct am_log *log,
		    const struct am_log *liblog);
/* The client (copied), before MAIL FROM; when never given, it is
 * unknown: SPF is skipped, DMARC enforced. */
void		 am_engine_client(struct am_engine *,
		    const struct am_engine_client *);
/*
 * am_engine_mailfrom - arg is the MAIL FROM argument as given ("<a@b>",
 * "<>", or without brackets); helo the HELO name when conn has none.
 * Returns SPF's contribution; when it refuses, the message is done.
 */
const struct am_disposition *am_engine_mailfrom(struct am_engine *,
		    struct am_engine_conn *, const char *helo, const char *arg);
/* The iprev result of the message's client (verdict AM_IPREV_NONE
 * when not checked); valid after am_engine_mailfrom. */
const struct am_engine_iprev *am_engine_iprev(const struct am_engine *);
const char	*am_iprev_verdict_name(enum am_iprev_verdict);
/* The reverse-lookup name of ip ("4.3.2.1.in-addr.arpa", nibbles under
 * ip6.arpa; an IPv4-mapped IPv6 address as IPv4).  -1: not an address
 * or out too small. */
int		 am_engine_iprev_rname(const char *ip, char *out, size_t size);
/* Were SPF results found at MAIL FROM (something to add at the end)? */
int		 am_engine_spf_checked(const struct am_engine *);
void		 am_engine_rcpt(struct am_engine *, const char *arg);
/* value as the MTA gave it; leadspc: it kept its leading space. */
void		 am_engine_header(struct am_engine *, const char *name,
		    const char *value, int leadspc);
/* Fails (AM_E_LIMIT) past the header limits; the message still gets a
 * defined result (dkim=permerror, bad From). */
int		 am_engine_header_raw(struct am_engine *, const char *raw,
		    size_t len, struct am_err *);
/* The header block was refused (limits): why, else NULL. */
const char	*am_engine_hdr_failed(const struct am_engine *);
/* The author set, parsed on first call; valid until am_engine_free. */
const struct am_from *am_engine_from(struct am_engine *);
/* The header collection, for the signer; NULL once taken. */
struct am_hdrs	*am_engine_take_hdrs(struct am_engine *);
/* End of headers; with verify, starts DKIM.  1 if the body is needed.
 * Once per message (later calls return the first answer). */
int		 am_engine_eoh(struct am_engine *, int verify);
void		 am_engine_body(struct am_engine *, const void *, size_t);
void		 am_engine_eom(struct am_engine *);
/* Valid after am_engine_eom() (or a refusal at MAIL FROM). */
const struct am_engine_result *am_engine_result(const struct am_engine *);
/* Appends "; dkim=...; spf=...; dmarc=...: action (why)". */
void		 am_engine_logline(const struct am_engine *, struct am_buf *);
/*
 * am_engine_authenticated - after am_engine_eom(): did a DKIM signature
 * of domain, or of a domain above or below it, pass, or did DMARC pass
 * for it?  (The milter's "external host tried to send mail as" warning
 * is only for mail that nothing authenticated.)
 */
int		 am_engine_authenticated(const struct am_engine *,
		    const char *domain);
/* The DKIM verifier, for its per-signature results; NULL before the end
 * of headers or when nothing was verified.  Borrowed from the engine. */
const struct am_dkim_verifier *am_engine_dkim(const struct am_engine *);
void		 am_engine_free(struct am_engine **);

/*
 * am_engine_kind_of - what kind of message the header block hs (and a
 * null reverse-path) makes this for the report record (dmarc_report.h
 * kind): "tlsrpt" (RFC 8460 report), "report" (a DMARC aggregate or
 * failure report), "dsn" (a delivery status notification or MDN; any
 * mail from <>) or "" (engine_kind.c has the exact rules).  Static
 * text.
 */
const char	*am_engine_kind_of(const struct am_hdrs *hs, int null_sender);
/* This message's kind (as above), once the From field was looked at (by
 * DMARC at the end of the message); "" before. */
const char	*am_engine_kind(const struct am_engine *);

/* The reverse-path of a MAIL FROM argument: "<a@b>" gives "a@b", "<>"
 * gives "", a source route "<@x,@y:a@b>" gives "a@b". */
void		 am_engine_reverse_path(const char *arg, char *out,
		    size_t size);

#endif /* AM_ENGINE_H */
