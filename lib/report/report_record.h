#ifndef AM_REPORT_RECORD_H
#define AM_REPORT_RECORD_H

/*
 * report_record - one DMARC evaluation as the aggregate report store
 * keeps it (RFC 9990 section 3.1; RFC 9989 5.3.3)
 *
 * Everything is text, in the words the report XML uses ("pass",
 * "quarantine", "strict", "treewalk"), so the same record goes to
 * SQLite, PostgreSQL and the XML writer without further translation.
 * Text is valid UTF-8 without control bytes (others become '?').
 * The DKIM results are in the RFC 9990 section 3.3 priority order:
 * passing and strictly aligned, passing and relaxed-aligned, other
 * passes, the rest (stable inside each class); at most
 * AM_REPORT_DKIM_MAX of them.
 *
 * Usage (the engine's report sink, or the daemon's writer thread):
 *	struct am_report_record r;
 *	if (am_report_record_from_dmarc(&r, rep) == 0)
 *		am_report_store_insert(store, &r, 1, &err);
 *
 * Ownership: a value without pointers: copy it, queue it, memcpy it
 * (am_report_record_size() bytes of it are enough).
 * Thread safety: no shared state.
 */

#include <stddef.h>
#include <stdint.h>

#include "dmarc_report.h"

#define AM_REPORT_DOMAIN	(253 + 1)
#define AM_REPORT_DKIM_MAX	32
#define AM_REPORT_RUA_MAX	1024
#define AM_REPORT_DKIM_TEXT	40960	/* am_report_dkim_encode room */

struct am_report_dkim {
	char	 domain[AM_REPORT_DOMAIN];	/* d= */
	char	 selector[64];			/* s=, "" when unknown */
	char	 result[16];	/* none pass fail policy neutral temperror
				 * permerror */
	char	 align[12];	/* strict relaxed no skipped unknown */
};

/* The published policy as it goes into <policy_published>; "" means
 * the tag was absent (the XML then leaves it out). */
struct am_report_policy {
	char	 p[12];		/* none quarantine reject (always set) */
	char	 sp[12], np[12];
	char	 adkim[2], aspf[2];	/* r or s (always set) */
	char	 fo[12];		/* "0:d" ...; "" when absent */
	char	 t[2];			/* y or n (always set) */
	char	 psd[2];		/* y n u (always set) */
	char	 discovery[12];		/* treewalk or psl */
	char	 rua[AM_REPORT_RUA_MAX];	/* "mailto:a@x,mailto:b@y" */
};

struct am_report_record {
	int64_t			 time;		/* s since the epoch, UTC */
	uint64_t		 count;		/* the messages it stands for:
						 * 1 (0 is taken as 1); more
						 * when the daemon's writer
						 * folded identical ones
						 * (column n) */
	char			 policy_domain[AM_REPORT_DOMAIN];
	char			 header_from[AM_REPORT_DOMAIN];
	char			 envelope_from[AM_REPORT_DOMAIN]; /* "": null */
	char			 envelope_to[AM_REPORT_DOMAIN];
	char			 source_ip[64];
	char			 verdict[12];	/* DMARC: pass fail ... */
	char			 dkim_eval[6];	/* aligned DKIM: pass/fail */
	char			 spf_eval[6];	/* aligned SPF: pass/fail */
	char			 disposition[12]; /* none pass quarantine reject */
	char			 override[20];	/* "" or a PolicyOverrideType */
	char			 override_comment[128];
	char			 spf_domain[AM_REPORT_DOMAIN];	/* "": none */
	char			 spf_result[12];
	struct am_report_policy	 pol;
	char			 kind[8];	/* "" report tlsrpt dsn: what
						 * the message was
						 * (dmarc_report.h); only ""
						 * earns a report */
	/* Last, so that a record's value is its first
	 * am_report_record_size() bytes. */
	size_t			 ndkim;
	struct am_report_dkim	 dkim[AM_REPORT_DKIM_MAX];
};

/* The bytes of r that hold its value: everything before dkim[ndkim]
 * (the unused DKIM slots after it are not part of the value).  Copy,
 * queue or compare that many (about 3 KB with one DKIM result, not the
 * whole 13 KB). */
size_t	am_report_record_size(const struct am_report_record *r);

/*
 * am_report_record_from_dmarc - the converter from the engine's
 * record.  Returns 0, or 1 when the record has no policy (nothing to
 * report to; out is still filled).  rep->time 0 means now.  Fills
 * the first am_report_record_size(out) bytes; the unused DKIM slots
 * are not written.
 */
int	am_report_record_from_dmarc(struct am_report_record *out,
	    const struct am_dmarc_report *rep);

/* Sorts r->dkim into the RFC 9990 3.3 priority order. */
void	am_report_record_sort_dkim(struct am_report_record *r);

/* The DKIM list as one text column and back: entries joined with ' ',
 * each "domain/selector/result/align" with every byte outside
 * [A-Za-z0-9._-] written %XX.  decode: 0, or -1 when malformed. */
int	am_report_dkim_encode(const struct am_report_dkim *, size_t n,
	    char *out, size_t size);
int	am_report_dkim_decode(const char *, struct am_report_dkim *,
	    size_t max, size_t *n);

/* Replaces, in place, each control byte and each byte of a malformed
 * UTF-8 sequence with '?' (so every store and the XML take the text). */
void	am_report_sanitize(char *);

/* Copies src into dst of size, always NUL-terminated. */
void	am_report_strlcpy(char *dst, const char *src, size_t size);

#endif /* AM_REPORT_RECORD_H */
