/*
 * t-iprev - the engine's iprev stage (lib/engine/engine_iprev.c, RFC
 * 8601 2.7.3) against a zone: pass, fail, temperror, permerror, IPv6,
 * several PTR names, the per-connection memory, the message's DNS
 * budget, trusted clients, and what goes into Authentication-Results
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "engine.h"
#include "tap.h"

static const char ZONE[] =
	"$ORIGIN .\n$TTL 300\n"
	/* pass: 192.0.2.10 <-> mail.example.net */
	"10.2.0.192.in-addr.arpa. PTR mail.example.net.\n"
	"mail.example.net. A 192.0.2.10\n"
	/* fail: the name points elsewhere */
	"11.2.0.192.in-addr.arpa. PTR liar.example.net.\n"
	"liar.example.net. A 192.0.2.99\n"
	/* fail: the name does not exist */
	"12.2.0.192.in-addr.arpa. PTR gone.example.net.\n"
	/* permerror: 192.0.2.13 has no PTR at all */
	/* temperror: the PTR lookup fails */
	";@fail 14.2.0.192.in-addr.arpa. SERVFAIL\n"
	/* temperror: the forward lookup fails */
	"15.2.0.192.in-addr.arpa. PTR broken.example.net.\n"
	";@fail broken.example.net. SERVFAIL\n"
	/* several PTR names, the second confirms */
	"16.2.0.192.in-addr.arpa. PTR other.example.net.\n"
	"16.2.0.192.in-addr.arpa. PTR mx.example.net.\n"
	"other.example.net. A 192.0.2.200\n"
	"mx.example.net. A 192.0.2.16\n"
	/* IPv6 */
	"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2."
	"ip6.arpa. PTR v6.example.net.\n"
	"v6.example.net. AAAA 2001:db8::1\n"
	"v6.example.net. A 192.0.2.10\n"
	/* a timeout */
	";@fail 17.2.0.192.in-addr.arpa. TIMEOUT\n";

static struct am_dns	*dns;

/* One message from ip over conn; returns the verdict, the A-R in ar. */
static enum am_iprev_verdict
run(const char *ip, struct am_engine_conn *conn, int on, int trusted,
    struct am_dns *view, char *ar, size_t arsize, char *why, size_t wsize)
{
	struct am_engine_opts		 o;
	struct am_engine_client		 c;
	struct am_engine		*e;
	enum am_iprev_verdict		 v;
	const struct am_engine_result	*r;
	struct am_err			 err;

	am_engine_opts_init(&o);
	o.authserv_id = "mx.example.org";
	o.iprev = on;
	o.why = 1;
	o.dmarc = 0;
	e = am_engine_new(&o, view != NULL ? view : dns, NULL, NULL);
	memset(&c, 0, sizeof(c));
	c.ip = ip;
	c.iprev_skip = trusted;
	am_engine_client(e, &c);
	(void)am_engine_mailfrom(e, conn, "mail.example.net",
	    "<a@example.net>");
	v = am_engine_iprev(e)->verdict;
	am_err_clear(&err);
	(void)am_engine_header_raw(e, "From: a@example.net\r\n", 21, &err);
	(void)am_engine_eoh(e, 1);
	am_engine_eom(e);
	r = am_engine_result(e);
	(void)snprintf(ar, arsize, "%s", am_buf_str(r->ar));
	(void)snprintf(why, wsize, "%s", am_buf_str(r->why));
	am_engine_free(&e);
	return v;
}

static enum am_iprev_verdict
one(const char *ip, char *ar, size_t arsize)
{
	struct am_engine_conn	 conn;
	char			 why[4096];

	am_engine_conn_init(&conn);
	return run(ip, &conn, 1, 0, NULL, ar, arsize, why, sizeof(why));
}

#define HAS(s, w)	(strstr((s), (w)) != NULL)

static void
t_verdicts(void)
{
	char	 ar[4096];

	is_int(one("192.0.2.10", ar, sizeof(ar)), AM_IPREV_PASS, "pass");
	ok(HAS(ar, "iprev=pass policy.iprev=192.0.2.10 (mail.example.net)"),
	    "pass: in the A-R with the address and the name");
	if (!HAS(ar, "iprev=pass"))
		diag(ar);
	ok(strstr(ar, "spf=") < strstr(ar, "iprev="), "after SPF");
	is_int(one("192.0.2.11", ar, sizeof(ar)), AM_IPREV_FAIL,
	    "fail: the name resolves elsewhere");
	ok(HAS(ar, "iprev=fail policy.iprev=192.0.2.11 (liar.example.net)"),
	    "fail: in the A-R");
	is_int(one("192.0.2.12", ar, sizeof(ar)), AM_IPREV_FAIL,
	    "fail: the PTR name does not exist");
	is_int(one("192.0.2.13", ar, sizeof(ar)), AM_IPREV_PERMERROR,
	    "permerror: no PTR record");
	ok(HAS(ar, "iprev=permerror policy.iprev=192.0.2.13") &&
	    !HAS(ar, "192.0.2.13 ("), "permerror: no name comment");
	is_int(one("192.0.2.14", ar, sizeof(ar)), AM_IPREV_TEMPERROR,
	    "temperror: PTR SERVFAIL");
	is_int(one("192.0.2.15", ar, sizeof(ar)), AM_IPREV_TEMPERROR,
	    "temperror: forward SERVFAIL");
	is_int(one("192.0.2.16", ar, sizeof(ar)), AM_IPREV_PASS,
	    "pass: the second of two PTR names confirms");
	ok(HAS(ar, "(mx.example.net)"), "the confirming name is written");
	is_int(one("192.0.2.17", ar, sizeof(ar)), AM_IPREV_TEMPERROR,
	    "temperror: PTR timeout");
	is_int(one("2001:db8::1", ar, sizeof(ar)), AM_IPREV_PASS,
	    "IPv6 pass (AAAA)");
	ok(HAS(ar, "policy.iprev=\"2001:db8::1\""),
	    "IPv6 address quoted (':' is a tspecial)");
	is_int(one("::ffff:192.0.2.10", ar, sizeof(ar)), AM_IPREV_PASS,
	    "IPv4-mapped IPv6 looked up as IPv4");
	is_int(one("not-an-ip", ar, sizeof(ar)), AM_IPREV_PERMERROR,
	    "not an address: permerror");
}

static void
t_conn_memory(void)
{
	struct am_engine_conn	 conn;
	struct am_dns		*v;
	char			 ar[4096], why[4096];
	unsigned long		 q;

	am_engine_conn_init(&conn);
	v = am_dns_message_new(dns, 0);
	is_int(run("192.0.2.10", &conn, 1, 0, v, ar, sizeof(ar), why,
	    sizeof(why)), AM_IPREV_PASS, "first message: pass");
	q = am_dns_query_count(v);
	is_int(run("192.0.2.10", &conn, 1, 0, v, ar, sizeof(ar), why,
	    sizeof(why)), AM_IPREV_PASS, "second message: pass");
	ok(am_dns_query_count(v) - q <= 6, "second message: no iprev lookup "
	    "(only SPF's)");
	{
		/* Count iprev's own lookups against the same message with
		 * iprev off (the HELO check is kept on a connection too). */
		struct am_engine_conn	 c2;
		unsigned long		 a, b;

		am_engine_conn_init(&c2);
		(void)run("192.0.2.10", &c2, 0, 0, v, ar, sizeof(ar), why,
		    sizeof(why));
		a = am_dns_query_count(v);
		(void)run("192.0.2.10", &c2, 0, 0, v, ar, sizeof(ar), why,
		    sizeof(why));
		b = am_dns_query_count(v) - a;
		a = am_dns_query_count(v);
		(void)run("192.0.2.10", &conn, 1, 0, v, ar, sizeof(ar), why,
		    sizeof(why));
		is_int(am_dns_query_count(v) - a, b, "kept on the connection: "
		    "the same lookups as with iprev off");
		am_engine_conn_init(&c2);
		a = am_dns_query_count(v);
		(void)run("192.0.2.10", &c2, 0, 0, v, ar, sizeof(ar), why,
		    sizeof(why));
		b = am_dns_query_count(v) - a;
		am_engine_conn_init(&c2);
		a = am_dns_query_count(v);
		(void)run("192.0.2.10", &c2, 1, 0, v, ar, sizeof(ar), why,
		    sizeof(why));
		is_int(am_dns_query_count(v) - a, b + 2, "a new connection: "
		    "PTR and A, two lookups");
	}
	am_dns_free(&v);

	/* A temperror is not kept. */
	am_engine_conn_init(&conn);
	(void)run("192.0.2.14", &conn, 1, 0, NULL, ar, sizeof(ar), why,
	    sizeof(why));
	is_int(conn.iprev_done, 0, "temperror is not kept on the connection");
	am_engine_conn_init(&conn);
	(void)run("192.0.2.11", &conn, 1, 0, NULL, ar, sizeof(ar), why,
	    sizeof(why));
	is_int(conn.iprev_done, 1, "fail is kept");
	/* Another address on the same connection object: checked again. */
	is_int(run("192.0.2.10", &conn, 1, 0, NULL, ar, sizeof(ar), why,
	    sizeof(why)), AM_IPREV_PASS, "another address: checked anew");
}

static void
t_off_trusted_budget(void)
{
	struct am_engine_conn	 conn;
	struct am_dns		*v;
	char			 ar[4096], why[4096];

	am_engine_conn_init(&conn);
	is_int(run("192.0.2.10", &conn, 0, 0, NULL, ar, sizeof(ar), why,
	    sizeof(why)), AM_IPREV_NONE, "off: not checked");
	ok(!HAS(ar, "iprev") && HAS(why, "iprev: not checked (off)"),
	    "off: nothing written, the trace says why");
	is_int(run("192.0.2.10", &conn, 1, 1, NULL, ar, sizeof(ar), why,
	    sizeof(why)), AM_IPREV_NONE, "trusted client: not checked");
	ok(HAS(why, "iprev: not checked (trusted client)"), "trace: trusted");
	is_int(run("", &conn, 1, 0, NULL, ar, sizeof(ar), why, sizeof(why)),
	    AM_IPREV_NONE, "no client address: not checked");
	am_engine_conn_init(&conn);
	is_int(run("192.0.2.11", &conn, 1, 0, NULL, ar, sizeof(ar), why,
	    sizeof(why)), AM_IPREV_FAIL, "fail");
	ok(HAS(why, "iprev: fail: liar.example.net does not resolve"),
	    "trace: what was seen");

	/* A spent budget: temperror, not a wait. */
	v = am_dns_message_new(dns, 1);
	am_engine_conn_init(&conn);
	is_int(run("192.0.2.17", &conn, 1, 0, v, ar, sizeof(ar), why,
	    sizeof(why)), AM_IPREV_TEMPERROR, "budget spent: temperror");
	am_dns_free(&v);
}

static void
t_rname(void)
{
	char	 b[80];

	ok(am_engine_iprev_rname("192.0.2.1", b, sizeof(b)) == 0 &&
	    strcmp(b, "1.2.0.192.in-addr.arpa") == 0, "IPv4 reverse name");
	ok(am_engine_iprev_rname("2001:db8::1", b, sizeof(b)) == 0 &&
	    strncmp(b, "1.0.0.0.", 8) == 0 &&
	    strcmp(b + strlen(b) - 8, "ip6.arpa") == 0 && strlen(b) == 72,
	    "IPv6 reverse name");
	ok(am_engine_iprev_rname("1.2.3", b, sizeof(b)) == -1, "not an "
	    "address");
	ok(am_engine_iprev_rname("192.0.2.1", b, 10) == -1, "too small");
	is_str(am_iprev_verdict_name(AM_IPREV_PERMERROR), "permerror",
	    "verdict names");
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
	t_verdicts();
	t_conn_memory();
	t_off_trusted_budget();
	t_rname();
	am_dns_free(&dns);
	return done_testing();
}
