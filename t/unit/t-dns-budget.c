/*
 * t-dns-budget - one DNS budget per message, against name servers on
 * loopback that never answer or answer badly (issue 9, part 2)
 *
 *  - silent: a UDP socket that is bound and never read.  A whole
 *    message (SPF at MAIL FROM and HELO, 100 DKIM signatures naming
 *    100 different keys, DMARC) through the engine and a
 *    message view must end within the budget, with temperror for what
 *    could not be fetched.  The bound asserted is generous (budget +
 *    1.5 s); the times measured are printed as diagnostics.
 *  - bogus: a thread that answers every query with three bogus replies
 *    (QR clear, another question, garbage, all with the right ID) and
 *    then the real one: the DKIM key must still be found (pass), never
 *    a permerror.
 * Nothing here leaves the loopback interface.
 */

#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "buf.h"
#include "dkim_sign.h"
#include "dkim_verify.h"
#include "dns.h"
#include "engine.h"
#include "pkey.h"
#include "tap.h"
#include "testutil.h"

#define T0		1764072000ULL
#define NSIGS		100
#define TRY_MS		500	/* one try; one lookup is two: 1 s */
#define BUDGET_MS	1000
#define SLACK_MS	1500

static int64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A UDP socket on 127.0.0.1; its port in *port. */
static int
udp_bind(unsigned *port)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1) {
		close(fd);
		return -1;
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

static struct am_dns *
resolver(unsigned port, unsigned try_ms)
{
	struct am_err	 err;
	struct am_dns	*dns;
	char		 s[64];

	(void)snprintf(s, sizeof(s), "127.0.0.1@%u", port);
	am_err_clear(&err);
	if ((dns = am_dns_ldns_new(s, try_ms, 1, &err)) == NULL)
		diag(err.msg);
	return dns;
}

/* ------------------------------------------------------ the message */

/* A message with n DKIM-Signatures, selector s1..sn (or all "k" when
 * same), d=silent.example, From silent.example.  Malloc'd. */
static char *
message(size_t n, int same)
{
	char	*m;
	size_t	 i, off = 0, size = n * 300 + 1024;

	m = malloc(size);
	for (i = 1; i <= n; i++) {
		char	 sel[16];

		(void)snprintf(sel, sizeof(sel), same ? "k" : "s%zu", i);
		off += (size_t)snprintf(m + off, size - off,
		    "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; "
		    "d=silent.example; s=%s; h=from:to:subject;\r\n"
		    " bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hKuU8=; "
		    "b=dGVzdHRlc3R0ZXN0\r\n", sel);
	}
	(void)snprintf(m + off, size - off, "From: a@silent.example\r\n"
	    "To: b@example.org\r\nSubject: silent\r\n\r\nbody\r\n");
	return m;
}

static int
ib_header(void *ctx, const char *raw, size_t len, struct am_err *err)
{
	return am_engine_header_raw(ctx, raw, len, err);
}

static int
ib_eoh(void *ctx, struct am_err *err)
{
	(void)err;
	(void)am_engine_eoh(ctx, 1);
	return 0;
}

static int
ib_body(void *ctx, const char *p, size_t n, struct am_err *err)
{
	(void)err;
	am_engine_body(ctx, p, n);
	return 0;
}

static const struct am_msgparse_cb ib_cb = { ib_header, ib_eoh, ib_body };

/*
 * The worst case: SPF (MAIL FROM, HELO), 100 signatures naming 100
 * keys (64 checked: the verifier's limit), DMARC; every name silent.
 */
static void
test_worst(struct am_dns *shared, unsigned budget_ms, const char *what)
{
	struct am_engine_opts		 o;
	struct am_engine_client		 c;
	struct am_engine_conn		 conn;
	const struct am_engine_result	*r;
	const struct am_dkim_verifier	*v;
	struct am_engine		*in;
	struct am_dns			*view;
	struct am_dns_result		 res;
	char				*msg = message(NSIGS, 0), line[200];
	const char			*ar;
	size_t				 i, n, temp = 0;
	int64_t				 t0, dt, t1;

	am_engine_opts_init(&o);
	o.authserv_id = "mx.example.org";
	o.now = T0;
	o.dkim.max_signatures = NSIGS;
	t0 = now_ms();
	view = am_dns_message_new(shared, budget_ms);
	in = am_engine_new(&o, view, NULL, NULL);
	if (!ok(in != NULL, "pipeline")) {
		free(msg);
		am_dns_free(&view);
		return;
	}
	memset(&c, 0, sizeof(c));
	c.ip = "192.0.2.1";
	am_engine_client(in, &c);
	am_engine_conn_init(&conn);
	am_engine_conn_helo(&conn, "helo.silent.example");
	(void)am_engine_mailfrom(in, &conn, NULL, "<a@silent.example>");
	(void)tu_feed(msg, strlen(msg), 4096, &ib_cb, in);
	(void)am_engine_eoh(in, 1);
	am_engine_eom(in);
	dt = now_ms() - t0;
	r = am_engine_result(in);
	ar = am_buf_str(r->ar);
	(void)snprintf(line, sizeof(line), "%s: the whole message took %lld "
	    "ms (budget %u ms, one silent lookup %d ms)", what, (long long)dt,
	    budget_ms, 2 * TRY_MS);
	diag(line);
	(void)snprintf(line, sizeof(line), "%s: within budget + %d ms", what,
	    SLACK_MS);
	ok(dt < (int64_t)budget_ms + SLACK_MS, line);
	ok(strstr(ar, "spf=temperror smtp.mailfrom") != NULL,
	    "spf=temperror");
	ok(strstr(ar, "spf=temperror smtp.helo") != NULL,
	    "HELO: spf=temperror");
	v = am_engine_dkim(in);
	n = v != NULL ? am_dkim_verifier_count(v) : 0;
	for (i = 0; i < n; i++)
		temp += am_dkim_verifier_result(v, i)->verdict ==
		    AM_DKIM_TEMPERROR;
	is_int(n, 64, "64 signatures checked (the verifier's limit)");
	is_int(temp, n, "every one dkim=temperror, none permerror");
	ok(r->ndmarc == 1 && r->dmarc[0].verdict == AM_DMARC_TEMPERROR,
	    "dmarc=temperror");

	/* Spent: a new question fails at once. */
	t1 = now_ms();
	(void)am_dns_lookup(view, "another.silent.example", AM_DNS_A, &res);
	ok(res.status == AM_DNS_TIMEOUT && now_ms() - t1 < 100,
	    "budget spent: the next lookup is a TIMEOUT at once");
	am_dns_result_release(&res);
	is_int(am_dns_message_left_ms(view), 0, "nothing left");
	am_engine_free(&in);
	am_dns_free(&view);
	free(msg);
}

/* Within one message a failed name is asked once. */
static void
test_remembered(struct am_dns *shared, unsigned port)
{
	struct am_dns		*view;
	struct am_dns_result	 res;
	unsigned long		 q0;
	int64_t			 t0, dt;
	char			 line[160];

	(void)port;
	view = am_dns_message_new(shared, 10000);
	q0 = am_dns_query_count(shared);
	t0 = now_ms();
	(void)am_dns_lookup(view, "k._domainkey.silent.example", AM_DNS_TXT,
	    &res);
	is_int(res.status, AM_DNS_TIMEOUT, "silent: TIMEOUT");
	(void)am_dns_lookup(view, "K._domainkey.silent.example.", AM_DNS_TXT,
	    &res);
	dt = now_ms() - t0;
	is_int(res.status, AM_DNS_TIMEOUT, "asked again: TIMEOUT");
	is_int(am_dns_query_count(shared) - q0, 1,
	    "the second time from the message's memory, not the resolver");
	(void)snprintf(line, sizeof(line), "two lookups of one silent name: "
	    "%lld ms", (long long)dt);
	diag(line);
	ok(dt < 2 * TRY_MS + SLACK_MS, "waited once, not twice");
	ok(am_dns_message_left_ms(view) > 0 &&
	    am_dns_message_left_ms(view) <= 10000, "budget left counts down");
	am_dns_free(&view);
	ok(view == NULL, "view freed; the shared resolver lives on");
	ok(am_dns_message_new(NULL, 100) == NULL, "no resolver: no view");
}

/*
 * The budget is DNS time, not wall time: a pause between lookups (the
 * client sending the body) costs none of it; a lookup longer than
 * what is left is cut there.
 */
static void
test_idle(struct am_dns *shared)
{
	struct am_dns		*view = am_dns_message_new(shared, 700);
	struct am_dns_result	 res;
	int64_t			 t0, dt;

	(void)usleep(800 * 1000);
	is_int(am_dns_message_left_ms(view), 700, "idle time is not spent");
	t0 = now_ms();
	(void)am_dns_lookup(view, "idle._domainkey.silent.example",
	    AM_DNS_TXT, &res);
	dt = now_ms() - t0;
	ok(res.status == AM_DNS_TIMEOUT && dt >= 600 && dt < 700 + SLACK_MS,
	    "a silent lookup waits what is left (700 ms), then is cut");
	ok(am_dns_message_left_ms(view) == 0, "and the budget is spent");
	am_dns_free(&view);
}

/*
 * Across messages: with the shared cache on, a name that timed out in
 * one message fails at once in the next (for the cache's fail_ttl); a
 * lookup cut short by a budget is not kept.
 */
static void
test_across(unsigned port)
{
	struct am_dns		*shared = resolver(port, TRY_MS), *v1, *v2;
	struct am_dns_result	 res;
	int64_t			 t0;

	if (shared == NULL)
		return;
	am_dns_cache_enable(shared, 1 << 20, 3600, 60, 5);
	v1 = am_dns_message_new(shared, 10000);
	(void)am_dns_lookup(v1, "a.silent.example", AM_DNS_TXT, &res);
	v2 = am_dns_message_new(shared, 10000);
	t0 = now_ms();
	(void)am_dns_lookup(v2, "a.silent.example", AM_DNS_TXT, &res);
	ok(res.status == AM_DNS_TIMEOUT && now_ms() - t0 < 100 &&
	    am_dns_cache_hit_count(shared) == 1,
	    "the next message gets the kept failure at once");
	am_dns_free(&v1);
	am_dns_free(&v2);
	v1 = am_dns_message_new(shared, 200);
	(void)am_dns_lookup(v1, "b.silent.example", AM_DNS_TXT, &res);
	v2 = am_dns_message_new(shared, 10000);
	t0 = now_ms();
	(void)am_dns_lookup(v2, "b.silent.example", AM_DNS_TXT, &res);
	ok(res.status == AM_DNS_TIMEOUT && now_ms() - t0 >= 2 * TRY_MS - 100,
	    "a lookup cut by a budget is not kept: asked again");
	am_dns_free(&v1);
	am_dns_free(&v2);
	am_dns_free(&shared);
}

/* Ten signatures naming one silent key: one lookup's time. */
static void
test_ten_one(struct am_dns *shared)
{
	struct am_dkim_verify_opts	 o;
	struct am_dkim_verifier		*v;
	struct am_dns			*view;
	char				*msg = message(10, 1), line[160];
	size_t				 i, temp = 0;
	int64_t				 t0, dt;

	memset(&o, 0, sizeof(o));
	o.now = T0;
	view = am_dns_message_new(shared, 0);	/* no budget: memory only */
	v = am_dkim_verifier_new(&o, view, NULL);
	t0 = now_ms();
	(void)tu_feed(msg, strlen(msg), 4096, &tu_verify_cb, v);
	am_dkim_verifier_eom(v);
	dt = now_ms() - t0;
	for (i = 0; i < am_dkim_verifier_count(v); i++)
		temp += am_dkim_verifier_result(v, i)->verdict ==
		    AM_DKIM_TEMPERROR;
	is_int(temp, 10, "ten signatures, one silent key: ten temperrors");
	(void)snprintf(line, sizeof(line), "ten signatures naming one silent "
	    "key: %lld ms (one lookup: %d ms)", (long long)dt, 2 * TRY_MS);
	diag(line);
	ok(dt < 2 * TRY_MS + SLACK_MS, "one lookup's time, not ten");
	am_dkim_verifier_free(&v);
	am_dns_free(&view);
	free(msg);
}

/* ------------------------------------------------------ bogus replies */

struct bogus {
	int		 fd;
	int		 stop[2];
	pthread_t	 th;
	char		 txt[1200];	/* the key record */
};

static int
bogus_send(int fd, ldns_pkt *p, const struct sockaddr_storage *to,
    socklen_t tolen)
{
	uint8_t	*w = NULL;
	size_t	 n;

	if (ldns_pkt2wire(&w, p, &n) != LDNS_STATUS_OK)
		return -1;
	(void)sendto(fd, w, n, 0, (const struct sockaddr *)to, tolen);
	free(w);
	return 0;
}

static void
bogus_answer(struct bogus *b, const uint8_t *q, size_t qlen,
    const struct sockaddr_storage *from, socklen_t fromlen)
{
	ldns_pkt	*qp = NULL, *r;
	ldns_rr		*qrr, *rr = NULL;
	uint8_t		 junk[40];
	char		*name, *line;
	size_t		 n;

	if (ldns_wire2pkt(&qp, q, qlen) != LDNS_STATUS_OK ||
	    ldns_pkt_qdcount(qp) != 1) {
		ldns_pkt_free(qp);
		return;
	}
	qrr = ldns_rr_list_rr(ldns_pkt_question(qp), 0);
	r = ldns_pkt_new();
	ldns_pkt_set_id(r, ldns_pkt_id(qp));
	ldns_pkt_set_rd(r, 1);
	ldns_pkt_set_ra(r, 1);
	ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION, ldns_rr_clone(qrr));
	name = ldns_rdf2str(ldns_rr_owner(qrr));
	n = strlen(name) + strlen(b->txt) + 32;
	line = malloc(n);
	(void)snprintf(line, n, "%s 300 IN TXT %s", name, b->txt);
	if (strcmp(name, "k._domainkey.example.net.") == 0 &&
	    ldns_rr_new_frm_str(&rr, line, 0, NULL, NULL) == LDNS_STATUS_OK)
		ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, rr);
	else
		ldns_pkt_set_rcode(r, LDNS_RCODE_NXDOMAIN);
	/* 1: QR clear. */
	(void)bogus_send(b->fd, r, from, fromlen);
	/* 2: garbage with the right ID. */
	memset(junk, 0xa5, sizeof(junk));
	junk[0] = q[0];
	junk[1] = q[1];
	(void)sendto(b->fd, junk, sizeof(junk), 0,
	    (const struct sockaddr *)from, fromlen);
	/* 3: another question. */
	ldns_pkt_set_qr(r, 1);
	qrr = ldns_rr_list_rr(ldns_pkt_question(r), 0);
	ldns_rdf_deep_free(ldns_rr_owner(qrr));
	ldns_rr_set_owner(qrr, ldns_dname_new_frm_str("other.example."));
	(void)bogus_send(b->fd, r, from, fromlen);
	/* 4: the real answer. */
	ldns_rdf_deep_free(ldns_rr_owner(qrr));
	ldns_rr_set_owner(qrr, ldns_rdf_clone(ldns_rr_owner(
	    ldns_rr_list_rr(ldns_pkt_question(qp), 0))));
	(void)bogus_send(b->fd, r, from, fromlen);
	free(line);
	free(name);
	ldns_pkt_free(r);
	ldns_pkt_free(qp);
}

static void *
bogus_main(void *arg)
{
	struct bogus		*b = arg;
	struct pollfd		 pfd[2];
	struct sockaddr_storage	 from;
	socklen_t		 fromlen;
	uint8_t			 buf[1500];
	ssize_t			 n;

	for (;;) {
		pfd[0].fd = b->fd;
		pfd[1].fd = b->stop[0];
		pfd[0].events = pfd[1].events = POLLIN;
		if (poll(pfd, 2, -1) == -1 || pfd[1].revents)
			break;
		fromlen = sizeof(from);
		n = recvfrom(b->fd, buf, sizeof(buf), 0,
		    (struct sockaddr *)&from, &fromlen);
		if (n > 0)
			bogus_answer(b, buf, (size_t)n, &from, fromlen);
	}
	return NULL;
}

/* The key record of conf/demo-ed25519.key, as a master-file string. */
static int
key_record(EVP_PKEY *key, char *out, size_t size)
{
	struct am_buf	 b;
	struct am_err	 err;
	int		 rc;

	am_buf_init(&b, 1024);
	rc = am_pkey_public_b64(key, &b, &err);
	if (rc == 0)
		(void)snprintf(out, size, "\"v=DKIM1; k=ed25519; p=%s\"",
		    am_buf_str(&b));
	am_buf_release(&b);
	return rc;
}

static void
test_bogus(void)
{
	struct am_dkim_sign_opts	 so;
	struct am_dkim_verify_opts	 vo;
	struct am_dkim_signer		*s;
	struct am_dkim_verifier		*v;
	struct am_dns			*dns, *view;
	struct bogus			 b;
	struct am_err			 err;
	EVP_PKEY			*key;
	const char			*msg = "From: a@example.net\r\n"
	    "To: b@example.org\r\nSubject: hi\r\n\r\nHello.\r\n";
	char				*signed_msg = NULL;
	unsigned			 port;
	size_t				 n;
	int64_t				 t0;

	if (!ok(am_pkey_load_file(tu_path("conf/demo-ed25519.key"), &key,
	    &err) == 0, "demo ed25519 key"))
		return;
	memset(&b, 0, sizeof(b));
	if (!ok(key_record(key, b.txt, sizeof(b.txt)) == 0 &&
	    (b.fd = udp_bind(&port)) != -1 && pipe(b.stop) == 0 &&
	    pthread_create(&b.th, NULL, bogus_main, &b) == 0,
	    "bogus server on 127.0.0.1")) {
		EVP_PKEY_free(key);
		return;
	}
	memset(&so, 0, sizeof(so));
	so.hcanon = so.bcanon = AM_CANON_RELAXED;
	so.now = T0;
	s = am_dkim_signer_new(&so);
	if (am_dkim_signer_add_key(s, "example.net", "k", NULL, key,
	    &err) == 0 && tu_feed(msg, strlen(msg), 64, &tu_sign_cb, s) == 0 &&
	    am_dkim_signer_eom(s, &err) == 0) {
		n = strlen(am_dkim_signer_field(s, 0)) + strlen(msg) + 3;
		signed_msg = malloc(n);
		(void)snprintf(signed_msg, n, "%s\r\n%s",
		    am_dkim_signer_field(s, 0), msg);
	}
	am_dkim_signer_free(&s);
	dns = resolver(port, 2000);
	if (ok(signed_msg != NULL && dns != NULL, "signed; resolver")) {
		memset(&vo, 0, sizeof(vo));
		vo.now = T0 + 60;
		view = am_dns_message_new(dns, 5000);
		v = am_dkim_verifier_new(&vo, view, NULL);
		t0 = now_ms();
		(void)tu_feed(signed_msg, strlen(signed_msg), 4096,
		    &tu_verify_cb, v);
		am_dkim_verifier_eom(v);
		if (is_int(am_dkim_verifier_count(v), 1, "one signature"))
			is_str(am_dkim_verdict_name(am_dkim_verifier_result(v,
			    0)->verdict), "pass",
			    "three bogus replies first, then the key: pass");
		ok(now_ms() - t0 < 1500, "without waiting for a timeout");
		am_dkim_verifier_free(&v);
		am_dns_free(&view);
	}
	am_dns_free(&dns);
	free(signed_msg);
	(void)write(b.stop[1], "x", 1);
	pthread_join(b.th, NULL);
	close(b.fd);
	close(b.stop[0]);
	close(b.stop[1]);
	EVP_PKEY_free(key);
}

int
main(void)
{
	struct am_dns	*shared;
	unsigned	 port;
	int		 silent;

	if (!ok((silent = udp_bind(&port)) != -1, "silent server on 127.0.0.1"))
		return done_testing();
	if ((shared = resolver(port, TRY_MS)) != NULL) {
		test_remembered(shared, port);
		test_idle(shared);
		test_across(port);
		test_ten_one(shared);
		test_worst(shared, BUDGET_MS, "worst case");
		am_dns_free(&shared);
	}
	close(silent);
	test_bogus();
	return done_testing();
}
