#ifndef AM_REPORT_SEND_H
#define AM_REPORT_SEND_H

/*
 * report_send - one run of aggregate reporting over a period (RFC 9990
 * section 4): what authmilter-tool report aggregate and the daemon's
 * sender thread share
 *
 * For each policy domain and published configuration with records in
 * [begin, end): the rua mailto: destinations, each external one
 * verified (a v=DMARC1 TXT record at
 * <policy-domain>._report._dmarc.<destination-host>; a rua there
 * replaces the address when it names the same host, else the
 * destination is dropped; DNS trouble defers the destination to the
 * next run, never "send anyway").  A destination counts as external
 * unless its host is the policy domain, a subdomain or a parent of it.
 * Then the reports are built (report_out.h), optionally written to a
 * directory (the .xml.gz and the whole message as .eml), and sent to
 * each destination not yet in the ledger (am_sent): a second run, or a
 * run after a crash, sends nothing twice.  Each message goes out with
 * the envelope sender local+<report-id>@domain of ReportEmail, so a
 * bounce names the report, and, when keys are given, DKIM-signed
 * (RFC 9990 requires the reports to pass DMARC).
 *
 * A policy domain on the exclude list (or under one) is never
 * reported: the operator's never-report list.
 *
 * Abuse protection (RFC 9990 5.3, the "never a spam cannon"):
 * a policy domain is reported for a period only when one of its records
 * there earns it (am_report_store_earning: ordinary mail that passed
 * DMARC or whose From domain ever passed; reports, TLS reports, DSNs
 * and failing mail from never-passing From domains do not, but are
 * counted when something else earned the report).  A destination on
 * the suppression list (a report to it bounced, report_bounce.h, or
 * the operator put it there) is skipped.  A message is held back, not
 * sent and not put in the ledger, when its destination already got
 * dest_limit messages in the last 24 hours, or when daily_limit
 * messages in all went out in the last 24 hours: it is sent by a later
 * run of the same period (each held one counts as deferred, so the
 * daemon runs the period again).
 *
 * Every decision is told through say() as one line (level 0: what is
 * done and why; 1: an error), in the words the tool prints.
 *
 * Thread safety: one run per thread; the run uses its store and DNS.
 */

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "buf.h"
#include "dns.h"
#include "err.h"
#include "report_out.h"
#include "report_store.h"

#define AM_REPORT_DESTS		64
#define AM_REPORT_ADDR		320
#define AM_REPORT_SIGN_KEYS	8
#define AM_REPORT_DRY		128
/* The defaults of ReportDestinationLimit, ReportDailyLimit and
 * ReportSuppressDays (opts_report.c has the same). */
#define AM_REPORT_DEST_LIMIT	10
#define AM_REPORT_DAILY_LIMIT	10000
#define AM_REPORT_SUPPRESS_DAYS	30

typedef void am_report_say_fn(void *ctx, int error, const char *line);
/* Hands msg to the mail system for to, with the envelope sender;
 * 0, or -1 with err set. */
typedef int am_report_submit_fn(void *ctx, const char *sender,
	    const char *to, const struct am_buf *msg, struct am_err *err);
/* The resolver for destination checks, opened when first needed; NULL
 * when there is none (every external destination is then deferred). */
typedef struct am_dns *am_report_dns_fn(void *ctx);

/* A DKIM key the reports are signed with (referenced, not owned). */
struct am_report_key {
	const char	*domain;	/* d= */
	const char	*selector;
	EVP_PKEY	*pkey;
};

struct am_report_run {
	/* Set by the caller. */
	struct am_report_store		*st;
	const struct am_report_meta	*meta;
	int64_t				 now;
	const char			*out_dir;	/* NULL: none */
	int				 send, dry_run;
	am_report_submit_fn		*submit;
	void				*submit_ctx;
	am_report_dns_fn		*dns;
	void				*dns_ctx;
	am_report_say_fn		*say;
	void				*say_ctx;
	/* Policy domains never reported (with their subdomains):
	 * NULL-terminated, lower-case A-labels; NULL: none. */
	const char *const		*exclude;
	struct am_report_key		 keys[AM_REPORT_SIGN_KEYS];
	/* Limits over the last 24 hours (0: none). */
	unsigned			 dest_limit, daily_limit;
	/* When *cancel becomes non-zero (another thread may set it), the
	 * run stops before the next configuration; NULL: never. */
	const int			*cancel;
	size_t				 nkeys;	/* 0: not signed */
	/* Results, added to by each period. */
	int				 failed;
	unsigned			 reports, sent, deferred;
	unsigned			 held, suppressed, unearned;
	/* Private. */
	const struct am_report_config	*c;
	char			 dest[AM_REPORT_DESTS][AM_REPORT_ADDR];
	size_t				 ndest;
	/* dry_run: what it would have sent, counted against the limits
	 * as the ledger would (the first AM_REPORT_DRY destinations) */
	struct {
		char		 addr[AM_REPORT_ADDR];
		unsigned	 n;
	}				 dry[AM_REPORT_DRY];
	size_t				 ndry;
	unsigned			 dry_all;
};

/* One period; 0, or -1 when the store could not be read (said). */
int	am_report_run_period(struct am_report_run *, int64_t begin,
	    int64_t end);

/* The report mail for the nto addresses in to, DKIM-signed with
 * run's keys. */
int	am_report_run_mail(const struct am_report_run *,
	    const struct am_report_file *, const char *const *to, size_t nto,
	    struct am_buf *out, struct am_err *);

/* Prepends one DKIM-Signature per key to the message in msg (CRLF
 * lines), signing the default header set; 0, or -1 with err set. */
int	am_report_dkim_sign(struct am_buf *msg,
	    const struct am_report_key *, size_t nkeys, int64_t now,
	    struct am_err *);

/* "mailto:a%40b@x?subject=..." to "a@b@x" (host lower-cased); 0, or
 * -1 when it is not a usable mailto: URI. */
int	am_report_mailto(const char *uri, size_t n, char *out, size_t size);

/* The external-destination check for addr (RFC 9990 section 4; RFC 9991
 * section 4 with ruf for rua): 0 authorized (addr replaced when the
 * record names another address on the same host), 1 dropped, 2
 * deferred (DNS trouble, or dns NULL); why says. */
int	am_report_dest_check(struct am_dns *dns, const char *policy_domain,
	    int ruf, char *addr, char *why, size_t wsize);

/* The envelope sender of a report: local+<report_id>@domain. */
void	am_report_sender(const char *email, const char *report_id,
	    char *out, size_t size);

/* A submit function: the sendmail program at ctx (a path), called as
 * "sendmail -i -f sender -- to" with the message on its input. */
am_report_submit_fn	am_report_sendmail;

#endif /* AM_REPORT_SEND_H */
