#ifndef AM_REPORT_OUT_H
#define AM_REPORT_OUT_H

/*
 * report_out - from stored records to the files and mail messages of
 * RFC 9990 aggregate reports
 *
 *  - periods: UTC, aligned to the day (interval 24) or to 1, 2, 3, 4,
 *    6, 8 or 12 hours; [begin, end) internally, date_range and the
 *    file name carry begin and end - 1 (the sample report's inclusive
 *    end, so consecutive reports never overlap);
 *  - one report per policy domain and published configuration
 *    (report_store's am_report_config) per period, split by records
 *    into several reports when the gzipped XML would pass the size
 *    cap (a report is never cut: one record larger than the cap still
 *    goes out as one report);
 *  - the Report-ID is 32 lower-case hex digits: SHA-256 of receiver,
 *    policy domain, configuration, period and the part's first and
 *    last record, so a re-run of the same period gives the same IDs
 *    (a re-send reuses them) and two reports never share one.  Being
 *    alphanumeric it is the file name's unique-id and the Subject's
 *    Report-ID unchanged (RFC 9990 3.1.4, 3.5.1);
 *  - file name receiver!policy-domain!begin!end!unique-id.xml.gz;
 *  - the mail: RFC 5322 + MIME, multipart/mixed with a text/plain
 *    note and the report as application/gzip (base64), Subject
 *    "Report Domain: <policy-domain> Submitter: <receiver>
 *    Report-ID: <id>" (folded), Message-ID <id@receiver>,
 *    Auto-Submitted: auto-generated; CRLF line ends.
 */

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "report_feedback.h"
#include "report_store.h"

#define AM_REPORT_ID_LEN	32
#define AM_REPORT_CAP_DEFAULT	(10u * 1024 * 1024)	/* gzipped octets */

/* Is hours a valid interval (1 2 3 4 6 8 12 24)? */
int	am_report_interval_ok(unsigned hours);
/* The period of interval hours containing t: [*begin, *end). */
void	am_report_period_of(int64_t t, unsigned hours, int64_t *begin,
	    int64_t *end);
/* The last complete period before now. */
void	am_report_period_last(int64_t now, unsigned hours, int64_t *begin,
	    int64_t *end);

/* gzip (RFC 1952, mtime 0: the same input gives the same file). */
int	am_report_gzip(const void *, size_t, struct am_buf *out,
	    struct am_err *);
/* gunzip, at most max octets out; -1 AM_E_LIMIT past it. */
int	am_report_gunzip(const void *, size_t, size_t max,
	    struct am_buf *out, struct am_err *);

struct am_report_meta {
	const char	*receiver;	/* domain-name: Submitter, file name */
	const char	*org_name;
	const char	*email;		/* contact and From address */
	const char	*generator;
	size_t		 cap;		/* gzipped octets; 0: default */
};

/* One finished report. */
struct am_report_file {
	const struct am_report_feedback	*f;	/* its metadata and rows */
	char				 report_id[AM_REPORT_ID_LEN + 1];
	char				 filename[1024];
	const unsigned char		*gz;
	size_t				 gzlen;
	size_t				 xmllen;
	int				 over_cap;	/* one record, too big */
};

typedef int am_report_file_fn(void *ctx, const struct am_report_file *);

/*
 * am_report_build - the reports of one configuration in [begin, end):
 * reads its rows from the store and calls fn for each report (more
 * than one when split).  fn returning non-zero stops (returns -1).
 */
int	am_report_build(struct am_report_store *, const struct am_report_meta *,
	    const struct am_report_config *, int64_t begin, int64_t end,
	    am_report_file_fn *fn, void *ctx, struct am_err *);

/* The Subject value (unfolded) and the whole message for one report
 * sent to the nto addresses in to. */
void	am_report_subject(const char *policy_domain, const char *receiver,
	    const char *report_id, struct am_buf *out);
int	am_report_mail(const struct am_report_meta *,
	    const struct am_report_file *, const char *const *to, size_t nto,
	    int64_t date,
	    struct am_buf *out, struct am_err *);

#endif /* AM_REPORT_OUT_H */
