/*
 * t-engine-metrics - the counters of lib/engine/engine_metrics.h fed
 * from real engine runs (SPF, DKIM, DMARC results as the engine makes
 * them), their exposition, and the DNS counters of lib/dns
 * (am_dns_stats) on a zone resolver
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "engine.h"
#include "engine_metrics.h"
#include "tap.h"
#include "testutil.h"

static const char ZONE[] =
	"$ORIGIN .\n$TTL 300\n"
	"example.net. TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
	"_dmarc.example.net. TXT \"v=DMARC1; p=reject\"\n"
	";@fail broken.example. SERVFAIL\n";

#define MSG(from) "From: " from "\r\nTo: bob@example.org\r\n" \
	"Subject: hi\r\nDate: Wed, 25 Nov 2026 12:00:00 +0000\r\n" \
	"Message-ID: <t@example.net>\r\n\r\nHello.\r\n"

static struct am_dns	*dns;

static int
cb_header(void *ctx, const char *raw, size_t len, struct am_err *err)
{
	return am_engine_header_raw(ctx, raw, len, err);
}

static int
cb_eoh(void *ctx, struct am_err *err)
{
	(void)err;
	(void)am_engine_eoh(ctx, 1);
	return 0;
}

static int
cb_body(void *ctx, const char *p, size_t n, struct am_err *err)
{
	(void)err;
	am_engine_body(ctx, p, n);
	return 0;
}

static const struct am_msgparse_cb cb = { cb_header, cb_eoh, cb_body };

/* One unsigned message from ip with MAIL FROM sender, verified, counted
 * into m as the milter counts it. */
static void
run(struct am_engine_metrics *m, const char *ip, const char *sender,
    const char *msg)
{
	struct am_engine_opts	 o;
	struct am_engine_client	 c;
	struct am_engine_conn	 conn;
	struct am_engine	*e;
	char			 arg[300];

	am_engine_opts_init(&o);
	o.authserv_id = "mx.example.org";
	o.reject_failures = 1;		/* DMARC p=reject: reject */
	e = am_engine_new(&o, dns, NULL, NULL);
	memset(&c, 0, sizeof(c));
	c.ip = ip;
	am_engine_client(e, &c);
	am_engine_conn_init(&conn);
	am_engine_conn_helo(&conn, "helo.example.org");
	(void)snprintf(arg, sizeof(arg), "<%s>", sender);
	(void)am_engine_mailfrom(e, &conn, NULL, arg);
	(void)tu_feed(msg, strlen(msg), 7, &cb, e);
	(void)am_engine_eoh(e, 1);
	am_engine_eom(e);
	am_engine_metrics_count(m, e, AM_ENGINE_METRICS_DEC_VERIFY,
	    am_engine_result(e)->disp.action);
	am_engine_free(&e);
}

static int
has_line(const struct am_buf *b, const char *line)
{
	const char	*p = strstr(am_buf_str(b), line);

	return p != NULL && (p == am_buf_str(b) || p[-1] == '\n') &&
	    p[strlen(line)] == '\n';
}

static void
t_count(void)
{
	struct am_engine_metrics	*m = calloc(1, sizeof(*m));
	struct am_buf			 out;

	run(m, "192.0.2.7", "alice@example.net", MSG("alice@example.net"));
	run(m, "203.0.113.9", "alice@example.net", MSG("alice@example.net"));
	run(m, "203.0.113.9", "carol@nowhere.example",
	    MSG("carol@nowhere.example"));
	is_int(m->msg[AM_ENGINE_METRICS_DEC_VERIFY][AM_ACTION_ACCEPT], 2,
	    "two accepted (SPF pass and DMARC pass; nothing at nowhere)");
	is_int(m->msg[AM_ENGINE_METRICS_DEC_VERIFY][AM_ACTION_REJECT], 1,
	    "one rejected (SPF fail, DMARC p=reject)");
	is_int(m->spf[0][AM_SPF_PASS], 1, "spf mailfrom pass: 1");
	is_int(m->spf[0][AM_SPF_FAIL], 1, "spf mailfrom fail: 1");
	is_int(m->spf[0][AM_SPF_NONE], 1, "spf mailfrom none: 1");
	is_int(m->spf[1][AM_SPF_NONE], 3, "spf helo none: 3");
	is_int(m->dkim[AM_DKIM_NONE][2][0], 3,
	    "dkim none (no signature) with unknown key: 3");
	is_int(m->dmarc[AM_DMARC_PASS][2][AM_DMARC_DISP_PASS], 1,
	    "dmarc pass, p=reject, disposition pass: 1");
	is_int(m->dmarc[AM_DMARC_FAIL][2][AM_DMARC_DISP_REJECT], 1,
	    "dmarc fail, p=reject, disposition reject: 1");
	is_int(m->dmarc[AM_DMARC_NONE][3][AM_DMARC_DISP_NONE], 1,
	    "dmarc none without a policy: absent, none");

	am_buf_init(&out, 1 << 20);
	am_engine_metrics_write(m, NULL, &out);
	ok(!out.err, "written");
	ok(has_line(&out, "# TYPE authmilter_messages_total counter"),
	    "messages: a counter");
	ok(has_line(&out, "authmilter_messages_total{decision=\"verify\","
	    "action=\"reject\"} 1"), "messages: verify/reject 1");
	ok(has_line(&out, "authmilter_messages_total{decision=\"sign\","
	    "action=\"accept\"} 0"), "messages: zeros are written");
	ok(has_line(&out, "authmilter_spf_results_total{identity=\"helo\","
	    "result=\"none\"} 3"), "spf: helo none 3");
	ok(has_line(&out, "authmilter_dkim_results_total{result=\"none\","
	    "key_type=\"unknown\",key_size=\"unknown\"} 3"), "dkim: none 3");
	ok(strstr(am_buf_str(&out), "result=\"pass\",key_type") == NULL,
	    "dkim: label sets never seen are not written");
	ok(has_line(&out, "authmilter_dmarc_results_total{result=\"fail\","
	    "policy=\"reject\",disposition=\"reject\"} 1"), "dmarc: fail 1");
	ok(strstr(am_buf_str(&out), "authmilter_dns_") == NULL,
	    "no DNS counters given: none written");
	am_buf_release(&out);
	free(m);
}

static void
t_dns(void)
{
	struct am_engine_metrics	*m = calloc(1, sizeof(*m));
	struct am_dns_stats		 st;
	struct am_dns_result		 res;
	struct am_dns			*view;
	struct am_buf			 out;

	memset(&st, 0, sizeof(st));
	am_dns_stats_attach(dns, &st);
	(void)am_dns_lookup(dns, "example.net", AM_DNS_TXT, &res);
	am_dns_result_release(&res);
	(void)am_dns_lookup(dns, "missing.example", AM_DNS_TXT, &res);
	am_dns_result_release(&res);
	view = am_dns_message_new(dns, 5000);
	(void)am_dns_lookup(view, "broken.example", AM_DNS_A, &res);
	am_dns_result_release(&res);
	(void)am_dns_lookup(view, "broken.example", AM_DNS_A, &res);
	am_dns_result_release(&res);	/* the view's memory: not sent */
	am_dns_free(&view);
	(void)am_dns_lookup(dns, "a..b", AM_DNS_A, &res);
	am_dns_result_release(&res);	/* never sent: FORMERR, uncounted */
	is_int(st.status[AM_DNS_OK], 1, "dns: ok 1");
	is_int(st.status[AM_DNS_NXDOMAIN], 1, "dns: nxdomain 1");
	is_int(st.status[AM_DNS_SERVFAIL], 1,
	    "dns: servfail 1 (the view's second answer is its memory's)");
	is_int(st.status[AM_DNS_FORMERR], 0, "dns: a name never sent: not "
	    "counted");
	is_int(st.lat[0], 3, "dns: three lookups, all under 1 ms");
	am_dns_stats_attach(dns, NULL);
	(void)am_dns_lookup(dns, "example.net", AM_DNS_TXT, &res);
	am_dns_result_release(&res);
	is_int(st.status[AM_DNS_OK], 1, "detached: no longer counted");

	am_buf_init(&out, 1 << 20);
	am_engine_metrics_write(m, &st, &out);
	ok(has_line(&out, "authmilter_dns_lookups_total{outcome=\"servfail\"} 1"),
	    "dns: servfail written");
	ok(has_line(&out, "authmilter_dns_lookup_duration_seconds_bucket{"
	    "le=\"0.001\"} 3"), "histogram: first bucket");
	ok(has_line(&out, "authmilter_dns_lookup_duration_seconds_bucket{"
	    "le=\"+Inf\"} 3"), "histogram: +Inf bucket");
	ok(has_line(&out, "authmilter_dns_lookup_duration_seconds_count 3"),
	    "histogram: count");
	ok(has_line(&out, "authmilter_dns_cache_hits_total 0"), "cache hits");
	am_buf_release(&out);
	free(m);
}

static void
t_labels(void)
{
	struct am_buf	 out;

	is_str(am_engine_metrics_key_size(0), "unknown", "size: 0 unknown");
	is_str(am_engine_metrics_key_size(256), "256", "size: ed25519");
	is_str(am_engine_metrics_key_size(512), "lt1024", "size: 512");
	is_str(am_engine_metrics_key_size(1024), "1024", "size: 1024");
	is_str(am_engine_metrics_key_size(2047), "1024", "size: 2047");
	is_str(am_engine_metrics_key_size(2048), "2048", "size: 2048");
	is_str(am_engine_metrics_key_size(3072), "3072", "size: 3072");
	is_str(am_engine_metrics_key_size(4096), "ge4096", "size: 4096");
	is_str(am_engine_metrics_key_size(8192), "ge4096", "size: 8192");
	am_buf_init(&out, 100);
	am_engine_metrics_label(&out, "a\"b\\c\nd");
	is_str(am_buf_str(&out), "a\\\"b\\\\c\\nd", "label value escaped");
	am_buf_release(&out);
}

int
main(void)
{
	struct am_err	 err;

	dns = am_dns_zone_new();
	if (am_dns_zone_load_string(dns, ZONE, &err) == -1) {
		printf("Bail out! %s\n", err.msg);
		return 1;
	}
	t_labels();
	t_count();
	t_dns();
	am_dns_free(&dns);
	return done_testing();
}
