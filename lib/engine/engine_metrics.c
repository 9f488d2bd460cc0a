/*
 * engine_metrics - counters of the inbound pipeline's results, and their
 * Prometheus text exposition (see engine_metrics.h; names in authmilter.8)
 */

#include <stdio.h>
#include <string.h>

#include "engine_impl.h"
#include "engine_metrics.h"

#define AM_ADD(p)	((void)__atomic_add_fetch((p), 1, __ATOMIC_RELAXED))
#define AM_GET(p)	__atomic_load_n((p), __ATOMIC_RELAXED)

static const char *const am_engine_metrics_dec_names[AM_ENGINE_METRICS_NDEC] = {
	"sign", "verify", "neither"
};
static const char *const am_engine_metrics_keytype_names[AM_ENGINE_METRICS_NKEYTYPE] = {
	"rsa", "ed25519", "unknown"
};
static const char *const am_engine_metrics_size_names[AM_ENGINE_METRICS_NKEYSIZE] = {
	"unknown", "256", "lt1024", "1024", "2048", "3072", "ge4096"
};
static const char *const am_engine_metrics_dns_names[AM_DNS_STATS_NSTATUS] = {
	"ok", "nodata", "nxdomain", "servfail", "timeout", "formerr",
	"refused"
};
static const char *const am_engine_metrics_policy_names[AM_ENGINE_METRICS_NPOLICY] = {
	"none", "quarantine", "reject", "absent"
};

static size_t
am_engine_metrics_size_index(unsigned bits)
{
	if (bits == 0)
		return 0;
	if (bits <= 256)
		return 1;
	if (bits < 1024)
		return 2;
	return bits < 2048 ? 3 : bits < 3072 ? 4 : bits < 4096 ? 5 : 6;
}

const char *
am_engine_metrics_key_size(unsigned bits)
{
	return am_engine_metrics_size_names[am_engine_metrics_size_index(bits)];
}

/* The key type from a= ("rsa-sha256"): rsa, ed25519, else unknown. */

static size_t
am_engine_metrics_keytype(const char *a)
{
	if (a == NULL)
		return 2;
	if (strncmp(a, "rsa-", 4) == 0)
		return 0;
	return strncmp(a, "ed25519-", 8) == 0 ? 1 : 2;
}

static void
am_engine_metrics_count_dkim(struct am_engine_metrics *m, const struct am_engine *e)
{
	const struct am_dkim_result	*r;
	size_t				 i;

	if (!e->eom_done || !e->verify)
		return;
	if (e->ndkim == 0)			/* no signature: dkim=none */
		AM_ADD(&m->dkim[AM_DKIM_NONE][2][0]);
	for (i = 0; i < e->ndkim; i++) {
		r = &e->dkim[i];
		if ((unsigned)r->verdict < AM_ENGINE_METRICS_NDKIMV)
			AM_ADD(&m->dkim[r->verdict][am_engine_metrics_keytype(r->a)]
			    [am_engine_metrics_size_index(r->key_bits)]);
	}
}

static void
am_engine_metrics_count_spf(struct am_engine_metrics *m, const struct am_engine *e)
{
	if (e->spf.state != AM_ENGINE_SPF_DONE)
		return;
	if ((unsigned)e->spf.mailfrom.verdict < AM_ENGINE_METRICS_NSPFV)
		AM_ADD(&m->spf[0][e->spf.mailfrom.verdict]);
	if (e->spf.has_helo && (unsigned)e->spf.helo.verdict < AM_ENGINE_METRICS_NSPFV)
		AM_ADD(&m->spf[1][e->spf.helo.verdict]);
}

static void
am_engine_metrics_count_dmarc(struct am_engine_metrics *m, const struct am_engine *e)
{
	const struct am_dmarc_result	*r;
	size_t				 i, p;

	if (!e->eom_done)
		return;
	for (i = 0; i < e->ndmarc; i++) {
		r = &e->dmarc[i];
		p = r->have_policy && (unsigned)r->policy < 3 ? r->policy : 3;
		if ((unsigned)r->verdict < AM_ENGINE_METRICS_NDMARCV &&
		    (unsigned)r->disposition < AM_ENGINE_METRICS_NDISP)
			AM_ADD(&m->dmarc[r->verdict][p][r->disposition]);
	}
}

void
am_engine_metrics_count(struct am_engine_metrics *m, const struct am_engine *e,
    enum am_engine_metrics_decision dec, enum am_action final)
{
	if (m == NULL || e == NULL)
		return;
	if ((unsigned)dec < AM_ENGINE_METRICS_NDEC &&
	    (unsigned)final < AM_ENGINE_METRICS_NACTION)
		AM_ADD(&m->msg[dec][final]);
	am_engine_metrics_count_spf(m, e);
	am_engine_metrics_count_dkim(m, e);
	am_engine_metrics_count_dmarc(m, e);
}

/* ------------------------------------------------------------ writing */

void
am_engine_metrics_label(struct am_buf *out, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			(void)am_buf_appendc(out, '\\');
		if (*s == '\n')
			(void)am_buf_appends(out, "\\n");
		else
			(void)am_buf_appendc(out, *s);
	}
}

static void
am_engine_metrics_head(struct am_buf *out, const char *name, const char *type,
    const char *help)
{
	(void)am_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help,
	    name, type);
}

static void
am_engine_metrics_write_msg(const struct am_engine_metrics *m, struct am_buf *out)
{
	size_t	 d, a, s;

	am_engine_metrics_head(out, "authmilter_messages_total", "counter",
	    "Messages done, by decision and final action.");
	for (d = 0; d < AM_ENGINE_METRICS_NDEC; d++)
		for (a = 0; a < AM_ENGINE_METRICS_NACTION; a++)
			(void)am_buf_printf(out, "authmilter_messages_total"
			    "{decision=\"%s\",action=\"%s\"} %llu\n",
			    am_engine_metrics_dec_names[d],
			    am_disposition_action_name((enum am_action)a),
			    (unsigned long long)AM_GET(&m->msg[d][a]));
	am_engine_metrics_head(out, "authmilter_spf_results_total", "counter",
	    "SPF results, by identity and result.");
	for (d = 0; d < 2; d++)
		for (s = 0; s < AM_ENGINE_METRICS_NSPFV; s++)
			(void)am_buf_printf(out, "authmilter_spf_results_total"
			    "{identity=\"%s\",result=\"%s\"} %llu\n",
			    d == 0 ? "mailfrom" : "helo",
			    am_spf_verdict_name((enum am_spf_verdict)s),
			    (unsigned long long)AM_GET(&m->spf[d][s]));
}

/* DKIM and DMARC: only the label sets seen so far (most never are). */

static void
am_engine_metrics_write_sparse(const struct am_engine_metrics *m, struct am_buf *out)
{
	size_t		 v, t, s;
	uint64_t	 n;

	am_engine_metrics_head(out, "authmilter_dkim_results_total", "counter",
	    "DKIM signatures verified, by result, key type and key size.");
	for (v = 0; v < AM_ENGINE_METRICS_NDKIMV; v++)
		for (t = 0; t < AM_ENGINE_METRICS_NKEYTYPE; t++)
			for (s = 0; s < AM_ENGINE_METRICS_NKEYSIZE; s++)
				if ((n = AM_GET(&m->dkim[v][t][s])) > 0)
					(void)am_buf_printf(out,
					    "authmilter_dkim_results_total{"
					    "result=\"%s\",key_type=\"%s\","
					    "key_size=\"%s\"} %llu\n",
					    am_dkim_verdict_name(
					    (enum am_dkim_verdict)v),
					    am_engine_metrics_keytype_names[t],
					    am_engine_metrics_size_names[s],
					    (unsigned long long)n);
	am_engine_metrics_head(out, "authmilter_dmarc_results_total", "counter",
	    "DMARC results per Author Domain, by result, policy and the "
	    "disposition DMARC asked for.");
	for (v = 0; v < AM_ENGINE_METRICS_NDMARCV; v++)
		for (t = 0; t < AM_ENGINE_METRICS_NPOLICY; t++)
			for (s = 0; s < AM_ENGINE_METRICS_NDISP; s++)
				if ((n = AM_GET(&m->dmarc[v][t][s])) > 0)
					(void)am_buf_printf(out,
					    "authmilter_dmarc_results_total{"
					    "result=\"%s\",policy=\"%s\","
					    "disposition=\"%s\"} %llu\n",
					    am_dmarc_verdict_name(
					    (enum am_dmarc_verdict)v),
					    am_engine_metrics_policy_names[t],
					    am_dmarc_disposition_name(
					    (enum am_dmarc_disposition)s),
					    (unsigned long long)n);
}

static void
am_engine_metrics_write_dns(const struct am_dns_stats *st, struct am_buf *out)
{
	uint64_t	 cum = 0;
	size_t		 i;

	am_engine_metrics_head(out, "authmilter_dns_lookups_total", "counter",
	    "DNS questions sent to the resolver (cache misses), by outcome.");
	for (i = 0; i < AM_DNS_STATS_NSTATUS; i++)
		(void)am_buf_printf(out, "authmilter_dns_lookups_total{"
		    "outcome=\"%s\"} %llu\n",
		    am_engine_metrics_dns_names[i],
		    (unsigned long long)AM_GET(&st->status[i]));
	am_engine_metrics_head(out, "authmilter_dns_cache_hits_total", "counter",
	    "DNS questions answered from the resolver's cache.");
	(void)am_buf_printf(out, "authmilter_dns_cache_hits_total %llu\n",
	    (unsigned long long)AM_GET(&st->cache_hits));
	am_engine_metrics_head(out, "authmilter_dns_lookup_duration_seconds",
	    "histogram", "Time DNS questions waited for the resolver.");
	for (i = 0; i <= AM_DNS_LAT_NB; i++) {
		cum += AM_GET(&st->lat[i]);
		if (i < AM_DNS_LAT_NB)
			(void)am_buf_printf(out,
			    "authmilter_dns_lookup_duration_seconds_bucket{"
			    "le=\"%g\"} %llu\n",
			    (double)am_dns_lat_bound_us[i] / 1e6,
			    (unsigned long long)cum);
		else
			(void)am_buf_printf(out,
			    "authmilter_dns_lookup_duration_seconds_bucket{"
			    "le=\"+Inf\"} %llu\n", (unsigned long long)cum);
	}
	(void)am_buf_printf(out, "authmilter_dns_lookup_duration_seconds_sum "
	    "%.6f\nauthmilter_dns_lookup_duration_seconds_count %llu\n",
	    (double)AM_GET(&st->lat_sum_us) / 1e6, (unsigned long long)cum);
}

void
am_engine_metrics_write(const struct am_engine_metrics *m, const struct am_dns_stats *st,
    struct am_buf *out)
{
	am_engine_metrics_write_msg(m, out);
	am_engine_metrics_write_sparse(m, out);
	if (st != NULL)
		am_engine_metrics_write_dns(st, out);
}
