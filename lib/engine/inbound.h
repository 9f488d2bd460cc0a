#ifndef AM_INBOUND_H
#define AM_INBOUND_H

/*
 * inbound - the whole inbound pipeline of one message: DKIM, SPF
 * (MAIL FROM and HELO), the author set, DMARC for every author domain,
 * the disposition, the Authentication-Results value, a why-trace and
 * the DMARC report records
 *
 * One unit so that the milter and `authmilter-tool eval` run exactly
 * the same code.  Input: the SMTP envelope (client IP, HELO, MAIL
 * FROM, optional authenticated user, optional first RCPT TO), the
 * header fields and body streamed in, options, a DNS handle, a time
 * and a log sink.  Output (struct am_inbound_result): the header value
 * "authserv-id; dkim=...; spf=... smtp.mailfrom=...; spf=...
 * smtp.helo=...; dmarc=... header.from=... policy.dmarc=...", the
 * action with an SMTP reply and a reason, and the why-trace; one
 * DMARC report record per evaluated author domain goes to the sink.
 *
 * Disposition (RFC 9989; shared/notes/dmarcbis.md 4.1):
 *  - dmarc=fail under p=quarantine: quarantine; under p=reject:
 *    quarantine by default (a receiver must not reject on p=reject
 *    alone), reject (550 5.7.1) with opts.reject_failures;
 *  - opts.annotate_only: always accept (the A-R header still says it);
 *  - an authenticated client (envelope auth_user set) is never
 *    enforced against, whatever the result;
 *  - dmarc=temperror: tempfail (451 4.7.1) or accept, as
 *    opts.temperror_tempfail says;
 *  - several author domains: each is evaluated (at most
 *    AM_FROM_MAXDOMAINS) and the worst result decides (am_dmarc_worst);
 *  - the author set itself (addr.h): no From or an empty one, an
 *    unparseable one or one without a usable domain, several fields
 *    or addresses: each class has an enum am_inbound_from_act; the
 *    defaults reject the first two classes (550 5.7.1) and evaluate
 *    every author domain of the third.  A class not evaluated shows
 *    as dmarc=permerror.
 *
 * Usage:
 *	am_inbound_opts_init(&opts);
 *	in = am_inbound_new(&opts, &env, dns, log);
 *	am_inbound_header(in, raw, len, &err); ...
 *	if (am_inbound_eoh(in)) am_inbound_body(in, p, n); ...
 *	am_inbound_eom(in);
 *	r = am_inbound_result(in);  ... am_buf_str(&r->authres) ...
 *	am_inbound_free(&in);
 *
 * Ownership: opts, env, dns and log are borrowed for the life of the
 * struct am_inbound (the strings too); the result belongs to it.
 * Thread safety: one struct am_inbound per message; dns as dns.h says.
 */

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "buf.h"
#include "dkim_verify.h"
#include "dmarc.h"
#include "dmarc_report.h"
#include "dns.h"
#include "err.h"
#include "log.h"
#include "spf.h"

#define AM_INBOUND_AR_MAX	8192	/* the A-R value, octets */
#define AM_INBOUND_WHY_MAX	65536	/* the why-trace, octets */

enum am_inbound_action {
	AM_INBOUND_ACCEPT,
	AM_INBOUND_QUARANTINE,
	AM_INBOUND_REJECT,
	AM_INBOUND_TEMPFAIL
};

/* What to do with one class of author set (see am_inbound_from_class). */
enum am_inbound_from_act {
	AM_INBOUND_FROM_EVALUATE,	/* DMARC for every author domain */
	AM_INBOUND_FROM_REJECT,		/* 550 5.7.1, dmarc=permerror */
	AM_INBOUND_FROM_PERMERROR	/* accept, dmarc=permerror */
};

struct am_inbound_opts {
	const char		*authserv_id;	/* NULL: "localhost" */
	uint64_t		 now;		/* 0: time(NULL); DKIM, SPF */
	int			 spf;		/* check SPF (default 1) */
	int			 spf_helo;	/* also the HELO identity (1) */
	struct am_spf_opts	 spf_opts;
	struct am_dkim_verify_opts dkim_opts;
	int			 dmarc;		/* evaluate DMARC (default 1) */
	struct am_dmarc_opts	 dmarc_opts;	/* mode walk|psl, budget */
	int			 reject_failures; /* reject on p=reject */
	int			 annotate_only;	 /* never enforce */
	int			 temperror_tempfail; /* else accept (default 1) */
	/* Author-set classes: none/empty, unparseable/no domain,
	 * several fields or addresses.  Defaults: reject, reject,
	 * evaluate.  A several-class set whose domains are not all known
	 * is treated as unparseable. */
	enum am_inbound_from_act from_missing;
	enum am_inbound_from_act from_bad;
	enum am_inbound_from_act from_several;
	const char		*reject_text;	/* NULL: a default */
	size_t			 max_headers;	/* 0: 1000 */
	size_t			 max_header_bytes; /* 0: 1 MiB */
	struct am_dmarc_report_sink report;	/* fn NULL: dropped */
};

/* The SMTP transaction; every string may be NULL ("" for the null
 * reverse-path, which is checked as postmaster@HELO). */
struct am_inbound_env {
	const char	*ip;		/* client address, required */
	const char	*helo;
	const char	*sender;	/* MAIL FROM without <> */
	const char	*auth_user;	/* SMTP AUTH; non-empty: never enforce */
	const char	*rcpt_domain;	/* for reports; may be NULL */
};

struct am_inbound_result {
	struct am_buf		 authres;	/* the A-R value, unfolded */
	enum am_inbound_action	 action;
	char			 smtp_code[4];	/* "550", "451" or "" */
	char			 smtp_xcode[8];	/* "5.7.1", "4.7.1" or "" */
	char			 reason[256];	/* for people and logs */
	struct am_buf		 why;		/* lines "method: ...\n" */
	/* The pieces, for callers that need more than text. */
	int			 spf_done, helo_done;
	struct am_spf_result	 spf, spf_helo;
	struct am_from		 from;
	size_t			 ndmarc;	/* author domains evaluated */
	size_t			 worst;		/* index deciding, if ndmarc */
	struct am_dmarc_result	 dmarc[AM_FROM_MAXDOMAINS];
};

/* What the disposition decided (also a part of the result). */
struct am_inbound_verdict {
	enum am_inbound_action	 action;
	char			 smtp_code[4];	/* "550", "451" or "" */
	char			 smtp_xcode[8];	/* "5.7.1", "4.7.1" or "" */
	char			 reason[256];	/* for people and logs */
};

struct am_inbound;

void		 am_inbound_opts_init(struct am_inbound_opts *);
/* NULL only on meaningless arguments (no env->ip). */
struct am_inbound *am_inbound_new(const struct am_inbound_opts *,
		    const struct am_inbound_env *, struct am_dns *,
		    const struct am_log *, struct am_err *);
/* A raw header field "Name:value" as in the message.  Fails
 * (AM_E_LIMIT) past the header limits; the message can still be
 * finished and gets a defined result (dkim=permerror, bad From). */
int		 am_inbound_header(struct am_inbound *, const char *raw,
		    size_t len, struct am_err *);
/* End of headers; 1 if the body is needed. */
int		 am_inbound_eoh(struct am_inbound *);
void		 am_inbound_body(struct am_inbound *, const void *, size_t);
/* Runs SPF, DKIM key lookups, DMARC and the disposition; emits the
 * report records.  Never fails: errors become results. */
void		 am_inbound_eom(struct am_inbound *);
/* Valid after am_inbound_eom(), until am_inbound_free(). */
const struct am_inbound_result *am_inbound_result(const struct am_inbound *);
/* The DKIM verifier, for its per-signature results. */
const struct am_dkim_verifier *am_inbound_dkim(const struct am_inbound *);
void		 am_inbound_free(struct am_inbound **);

const char	*am_inbound_action_name(enum am_inbound_action);

/*
 * The DMARC stage alone, for a caller (the milter) that has its own
 * DKIM and SPF results: the same rules as am_inbound_eom().
 *
 * am_inbound_from_action - what the author set calls for (opts'
 * from_missing, from_bad, from_several).
 */
enum am_inbound_from_act am_inbound_from_action(const struct am_inbound_opts *,
		    const struct am_from *);
/*
 * am_inbound_disposition - the action for n DMARC results (n may be 0:
 * not evaluated), worst deciding (am_dmarc_worst), or for the author
 * set when from_act is not AM_INBOUND_FROM_EVALUATE.  exempt, when not
 * NULL, says why the client is never enforced against ("authenticated
 * client"); opts->annotate_only likewise.  The action is then accept
 * and the reason says what it would have been.
 */
void		 am_inbound_disposition(const struct am_inbound_opts *,
		    enum am_inbound_from_act, const struct am_from *,
		    const struct am_dmarc_result *, size_t n, size_t worst,
		    const char *exempt, struct am_inbound_verdict *out);
/*
 * am_inbound_dmarc_authres - the dmarc resinfos: one per result, or
 * dmarc=permerror for an author set not evaluated.  The comment's dis=
 * is the disposition applied under verdict v (quarantine for a p=reject
 * failure by default, none when not enforced), or what DMARC asked for
 * when v is NULL.  Fills ar[*n..] (room for AM_FROM_MAXDOMAINS) and
 * advances *n; the caller releases.
 */
void		 am_inbound_dmarc_authres(enum am_inbound_from_act,
		    const struct am_from *, const struct am_dmarc_result *,
		    size_t n, const struct am_inbound_verdict *v,
		    struct am_authres *ar, size_t *nar);
/*
 * am_inbound_dmarc_reports - one report record per result to the sink,
 * with the override when the applied disposition differs from what
 * DMARC asked for; nothing for a tempfail (the client retries).
 * mailfrom is the reverse-path ("" or NULL for the null sender).
 */
void		 am_inbound_dmarc_reports(const struct am_dmarc_report_sink *,
		    const struct am_inbound_verdict *, const char *ip,
		    const char *mailfrom, const char *rcpt_domain,
		    const struct am_dmarc_result *, size_t n);

#endif /* AM_INBOUND_H */
