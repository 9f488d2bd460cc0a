#ifndef AM_REPORT_FEEDBACK_H
#define AM_REPORT_FEEDBACK_H

/*
 * report_feedback - one aggregate report as data (RFC 9990 section 3.1,
 * the <feedback> element): what the XML writer writes, what the
 * importer reads, what the store keeps of imported reports
 *
 * A row is one <record>: the group of messages that share the source
 * IP, the evaluated policy, the identifiers and the authentication
 * results, with their count.
 *
 * Ownership: the feedback owns its rows and each row its DKIM list;
 * am_report_feedback_add_row() copies.  Release with
 * am_report_feedback_release().
 * Thread safety: none; one thread per feedback.
 */

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "report_record.h"

#define AM_REPORT_ROWS_MAX	200000	/* rows in one report, in or out */

struct am_report_row {
	char			 source_ip[64];
	uint64_t		 count;
	char			 disposition[12];
	char			 dkim_eval[6], spf_eval[6];
	char			 reason[20];		/* "" or the first type */
	char			 reason_comment[128];
	char			 header_from[AM_REPORT_DOMAIN];
	char			 envelope_from[AM_REPORT_DOMAIN];
	char			 envelope_to[AM_REPORT_DOMAIN];
	size_t			 ndkim;
	struct am_report_dkim	*dkim;		/* owned */
	char			 spf_domain[AM_REPORT_DOMAIN];	/* "": none */
	char			 spf_result[12];
	char			 spf_scope[8];	/* "" or mfrom (or helo, 7489) */
};

struct am_report_feedback {
	char			 version[8];	/* "" when absent */
	char			 org_name[256];
	char			 email[256];
	char			 extra_contact[256];
	char			 report_id[256];
	char			 error[512];
	char			 generator[128];
	int64_t			 begin, end;
	char			 policy_domain[AM_REPORT_DOMAIN];
	struct am_report_policy	 pol;	/* psd and rua are not in the XML */
	int			 rfc7489;	/* importer: the old namespace */
	size_t			 nrows, cap;
	struct am_report_row	*rows;
};

void	am_report_feedback_init(struct am_report_feedback *);
void	am_report_feedback_release(struct am_report_feedback *);
/* Copies row (and its DKIM list); -1 (AM_E_LIMIT) past
 * AM_REPORT_ROWS_MAX rows. */
int	am_report_feedback_add_row(struct am_report_feedback *,
	    const struct am_report_row *, struct am_err *);
/* The total of the row counts. */
uint64_t am_report_feedback_messages(const struct am_report_feedback *);

#endif /* AM_REPORT_FEEDBACK_H */
