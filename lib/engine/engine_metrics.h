#ifndef AM_ENGINE_METRICS_H
#define AM_ENGINE_METRICS_H

/*
 * engine_metrics - counters of the inbound pipeline's results, and their
 * Prometheus text exposition (format 0.0.4)
 *
 * One struct am_engine_metrics per process (the daemon's milter/metrics.c
 * holds it); every message adds its one result (am_engine_metrics_count)
 * when it is done: its decision and final action, each DKIM
 * signature's verdict with its key type and size, each SPF identity's
 * verdict, each Author Domain's DMARC verdict with the policy and the
 * disposition DMARC asked for.  No label carries a domain or anything
 * else taken from the message: every label has a fixed, small set of
 * values (authmilter.8, METRICS, lists them).
 *
 * Thread safety: counting is relaxed atomic adds (no lock), from any
 * number of threads; writing reads each counter atomically (a scrape
 * during traffic sees each counter at some moment, not all at one).
 * The struct is zeroed to start (static storage or memset).
 */

#include <stdint.h>

#include "buf.h"
#include "disposition.h"
#include "dns.h"

struct am_engine;

/* What the caller decided for the message. */
enum am_engine_metrics_decision {
	AM_ENGINE_METRICS_DEC_SIGN,
	AM_ENGINE_METRICS_DEC_VERIFY,
	AM_ENGINE_METRICS_DEC_NEITHER,	/* pass-through, refused at MAIL FROM,
				 * rejected for its From */
	AM_ENGINE_METRICS_NDEC
};

#define AM_ENGINE_METRICS_NACTION	5	/* enum am_action */
#define AM_ENGINE_METRICS_NDKIMV	7	/* enum am_dkim_verdict */
#define AM_ENGINE_METRICS_NKEYTYPE	3	/* rsa, ed25519, unknown */
#define AM_ENGINE_METRICS_NKEYSIZE	7	/* see am_engine_metrics_key_size() */
#define AM_ENGINE_METRICS_NSPFV	7	/* enum am_spf_verdict */
#define AM_ENGINE_METRICS_NDMARCV	5	/* enum am_dmarc_verdict */
#define AM_ENGINE_METRICS_NPOLICY	4	/* none, quarantine, reject, absent */
#define AM_ENGINE_METRICS_NDISP	4	/* enum am_dmarc_disposition */

struct am_engine_metrics {
	uint64_t	 msg[AM_ENGINE_METRICS_NDEC][AM_ENGINE_METRICS_NACTION];
	uint64_t	 dkim[AM_ENGINE_METRICS_NDKIMV][AM_ENGINE_METRICS_NKEYTYPE]
			     [AM_ENGINE_METRICS_NKEYSIZE];
	uint64_t	 spf[2][AM_ENGINE_METRICS_NSPFV];	/* mailfrom, helo */
	uint64_t	 dmarc[AM_ENGINE_METRICS_NDMARCV][AM_ENGINE_METRICS_NPOLICY]
			     [AM_ENGINE_METRICS_NDISP];
};

/* One message's result; e after am_engine_eom() or a refusal at MAIL
 * FROM (what the engine did not reach is not counted). */
void		 am_engine_metrics_count(struct am_engine_metrics *, const struct am_engine *,
		    enum am_engine_metrics_decision, enum am_action final);
/* The size label of a key of bits bits ("unknown" for 0). */
const char	*am_engine_metrics_key_size(unsigned bits);
/* Appends the exposition of m and of the DNS counters st (NULL: none). */
void		 am_engine_metrics_write(const struct am_engine_metrics *m,
		    const struct am_dns_stats *st, struct am_buf *out);
/* Appends s as a label value: \\, \" and \n escaped. */
void		 am_engine_metrics_label(struct am_buf *out, const char *s);

#endif /* AM_ENGINE_METRICS_H */
