#ifndef AM_DMARC_REPORT_H
#define AM_DMARC_REPORT_H

/*
 * dmarc_report - the per-message record aggregate and failure reports
 * will need (RFC 9990 section 3; RFC 9989 5.3.3), and a pluggable sink
 *
 * Every evaluated Author Domain yields one struct am_dmarc_report: the
 * source IP, header.from domain, envelope from and to domains, the SPF
 * and DKIM results with their domains and selectors (and alignment),
 * the policy record used, where it was found and by which method
 * (treewalk or psl), the disposition applied and the override reason.
 * It is a value: no pointers, safe to copy or queue.
 *
 * Usage:
 *	am_dmarc_report_fill(&rep, &result, ip, mailfrom_dom, rcpt_dom);
 *	if (we quarantined instead of rejecting)
 *		am_dmarc_report_override(&rep, AM_DMARC_DISP_QUARANTINE,
 *		    AM_DMARC_OVR_LOCAL_POLICY, "no reject on p=reject");
 *	am_dmarc_report_emit(&sink, &rep);
 *
 * The sink is called synchronously with a borrowed record; this issue
 * logs it (am_dmarc_report_log_sink), the reporting issue will store it.
 */

#include <stdint.h>

#include "buf.h"
#include "dmarc.h"
#include "log.h"

/* RFC 9990 PolicyOverrideType, plus "none". */
enum am_dmarc_override {
	AM_DMARC_OVR_NONE,
	AM_DMARC_OVR_LOCAL_POLICY,
	AM_DMARC_OVR_MAILING_LIST,
	AM_DMARC_OVR_OTHER,
	AM_DMARC_OVR_POLICY_TEST_MODE,
	AM_DMARC_OVR_TRUSTED_FORWARDER
};

struct am_dmarc_report_auth {
	int			 is_dkim;
	char			 domain[AM_DMARC_DOMAIN_MAX + 1];
	char			 selector[AM_DMARC_SELECTOR_MAX + 1];
	char			 result[16];	/* SPF or DKIM verdict */
	enum am_dmarc_alignment	 align;
};

struct am_dmarc_report {
	int64_t				 time;	/* evaluated, s since epoch */
	char				 source_ip[64];
	char				 header_from[AM_DMARC_DOMAIN_MAX + 1];
	/* "" for the null reverse-path (the SPF entry then names the
	 * HELO domain that was checked) or when unknown. */
	char				 envelope_from[AM_DMARC_DOMAIN_MAX + 1];
	char				 envelope_to[AM_DMARC_DOMAIN_MAX + 1];
	enum am_dmarc_verdict		 verdict;
	int				 dkim_aligned;	/* policy_evaluated */
	int				 spf_aligned;
	size_t				 nauth;
	struct am_dmarc_report_auth	 auth[AM_DMARC_MAX_IDENT];
	int				 have_policy;
	char				 policy_domain[AM_DMARC_DOMAIN_MAX + 1];
	enum am_dmarc_mode		 method;	/* discovery_method */
	enum am_dmarc_discovery		 discovery;
	struct am_dmarc_rec		 rec;		/* as published */
	enum am_dmarc_ptag		 ptag;
	enum am_dmarc_policy		 policy;	/* after t=y */
	int				 testing;
	enum am_dmarc_disposition	 disposition;	/* as applied */
	enum am_dmarc_override		 override;
	char				 override_comment[128];
	/* What the message is, for aggregate reporting: "" (mail),
	 * "report" (a DMARC report), "tlsrpt" (an RFC 8460 report),
	 * "dsn" (a delivery status notification); set by the engine
	 * (am_engine_kind_of), "" from am_dmarc_report_fill. */
	char				 kind[8];
};

typedef void am_dmarc_report_fn(void *ctx, const struct am_dmarc_report *);

struct am_dmarc_report_sink {
	am_dmarc_report_fn	*fn;	/* NULL: reports are dropped */
	void			*ctx;
};

/* Any string argument may be NULL ("").  A failing t=y record gets the
 * override policy_test_mode; time is set to now (time(2)). */
void		 am_dmarc_report_fill(struct am_dmarc_report *,
		    const struct am_dmarc_result *, const char *source_ip,
		    const char *envelope_from, const char *envelope_to);
/* The milter's own deviation from what DMARC asked for. */
void		 am_dmarc_report_override(struct am_dmarc_report *,
		    enum am_dmarc_disposition applied, enum am_dmarc_override,
		    const char *comment);
void		 am_dmarc_report_emit(const struct am_dmarc_report_sink *,
		    const struct am_dmarc_report *);
/* One log line of key=value pairs, appended to out; 0 or -1 (full). */
int		 am_dmarc_report_format(const struct am_dmarc_report *,
		    struct am_buf *out);
/* A sink that logs the line at AM_LOG_INFO; ctx is a struct am_log *. */
void		 am_dmarc_report_log_sink(void *ctx,
		    const struct am_dmarc_report *);
const char	*am_dmarc_override_name(enum am_dmarc_override);

#endif /* AM_DMARC_REPORT_H */
