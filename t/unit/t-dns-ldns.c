/*
 * t-dns-ldns - the ldns resolver against a fake DNS server on loopback
 *
 * The fake server is a thread with a UDP and a TCP socket on the same
 * ephemeral port of 127.0.0.1 (and of ::1 when there is one).  It
 * answers by query name, building replies with ldns; see fake_answer().
 * Nothing here leaves the loopback interface.
 */

#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "dns.h"
#include "tap.h"

enum fake_mode {
	FAKE_NORMAL,		/* answer by name */
	FAKE_MUTE,		/* never answer */
	FAKE_SERVFAIL		/* SERVFAIL everything */
};

struct fake {
	enum fake_mode	 mode;
	int		 family;
	int		 udp, tcp, held;
	int		 stop[2];
	unsigned	 port;
	pthread_t	 th;
	int		 nudp, ntcp;	/* queries seen; atomic */
	int		 last_edns;
	int		 last_rd;	/* RD of the last query; atomic */
};

static int64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------ replies */

static void
add_rr(ldns_pkt *p, ldns_pkt_section sec, const char *s)
{
	ldns_rr	*rr = NULL;

	if (ldns_rr_new_frm_str(&rr, s, 0, NULL, NULL) == LDNS_STATUS_OK)
		ldns_pkt_push_rr(p, sec, rr);
	else
		fprintf(stderr, "fake: cannot parse %s\n", s);
}

static void
add_big_txt(ldns_pkt *p)
{
	char	 s[4000];
	size_t	 n, i;

	n = (size_t)snprintf(s, sizeof(s), "big.test. 300 IN TXT");
	for (i = 0; i < 12; i++) {
		s[n++] = ' ';
		s[n++] = '"';
		memset(s + n, 'a' + (int)i, 250);
		n += 250;
		s[n++] = '"';
	}
	s[n] = '\0';
	add_rr(p, LDNS_SECTION_ANSWER, s);
}

/*
 * Names whose real answer (A 192.0.2.9) comes right after a bogus reply
 * with the right ID: another question, QR clear, garbage, a datagram
 * larger than the 1232 bytes the query advertised.  Each bogus reply
 * would say 6.6.6.6 if it were taken.  bogusonly.test gets only the
 * bogus reply (another question).
 */
static int
fake_bogus_first(const char *name)
{
	return strcmp(name, "wrongq.test.") == 0 ||
	    strcmp(name, "qrclear.test.") == 0 ||
	    strcmp(name, "garbage.test.") == 0 ||
	    strcmp(name, "oversize.test.") == 0;
}

/* fake_bogus - the bogus reply for name (a copy of r, changed) */

static int
fake_bogus(const char *name, const uint8_t *q, const ldns_pkt *r,
    uint8_t **out, size_t *outlen)
{
	ldns_pkt	*b;
	ldns_rr		*qrr;
	char		 txt[400];
	int		 i, rc;

	if (strcmp(name, "garbage.test.") == 0) {
		*out = calloc(1, 32);
		memset(*out + 2, 0xff, 30);
		(*out)[0] = q[0];
		(*out)[1] = q[1];
		*outlen = 32;
		return 0;
	}
	b = ldns_pkt_clone(r);
	ldns_rr_list_deep_free(ldns_pkt_answer(b));
	ldns_pkt_set_answer(b, ldns_rr_list_new());
	ldns_pkt_set_ancount(b, 0);
	qrr = ldns_rr_list_rr(ldns_pkt_question(b), 0);
	(void)snprintf(txt, sizeof(txt), "%s 1 IN A 6.6.6.6", name);
	add_rr(b, LDNS_SECTION_ANSWER, txt);
	if (strcmp(name, "qrclear.test.") == 0)
		ldns_pkt_set_qr(b, 0);
	else if (strcmp(name, "oversize.test.") == 0) {
		for (i = 0; i < 6; i++) {
			(void)snprintf(txt, sizeof(txt), "pad%d.test. 1 IN TXT "
			    "\"%0250d\"", i, 0);
			add_rr(b, LDNS_SECTION_ADDITIONAL, txt);
		}
	} else {			/* wrongq, bogusonly: another name */
		ldns_rdf_deep_free(ldns_rr_owner(qrr));
		ldns_rr_set_owner(qrr, ldns_dname_new_frm_str("other.test."));
	}
	rc = ldns_pkt2wire(out, b, outlen) == LDNS_STATUS_OK ? 0 : -1;
	ldns_pkt_free(b);
	return rc;
}

/*
 * fake_answer - fill the reply for one question; returns 0 to send it,
 * 1 to stay silent
 */
static int
fake_answer(struct fake *f, const char *name, ldns_rr_type type, int tcp,
    int edns, ldns_pkt *r)
{
	ldns_rr	*qrr;

	if (f->mode == FAKE_MUTE)
		return 1;
	if (f->mode == FAKE_SERVFAIL) {
		ldns_pkt_set_rcode(r, LDNS_RCODE_SERVFAIL);
		return 0;
	}
	if (strcmp(name, "txt.test.") == 0 && type == LDNS_RR_TYPE_TXT)
		add_rr(r, LDNS_SECTION_ANSWER,
		    "txt.test. 120 IN TXT \"v=DKIM1; \" \"p=abc\" \"\"");
	else if (strcmp(name, "nx.test.") == 0)
		ldns_pkt_set_rcode(r, LDNS_RCODE_NXDOMAIN);
	else if (strcmp(name, "nodata.test.") == 0)
		add_rr(r, LDNS_SECTION_AUTHORITY,
		    "test. 300 IN SOA ns.test. h.test. 1 2 3 4 5");
	else if (strcmp(name, "servfail.test.") == 0)
		ldns_pkt_set_rcode(r, LDNS_RCODE_SERVFAIL);
	else if (strcmp(name, "refused.test.") == 0) {
		ldns_rr_list_deep_free(ldns_pkt_question(r));
		ldns_pkt_set_question(r, ldns_rr_list_new());
		ldns_pkt_set_qdcount(r, 0);
		ldns_pkt_set_rcode(r, LDNS_RCODE_REFUSED);
	} else if (strncmp(name, "silent", 6) == 0)
		return 1;
	else if (strcmp(name, "big.test.") == 0) {
		if (!tcp)
			ldns_pkt_set_tc(r, 1);
		else
			add_big_txt(r);
	} else if (strcmp(name, "slowtcp.test.") == 0) {
		if (tcp)
			return 1;
		ldns_pkt_set_tc(r, 1);
	} else if (strcmp(name, "alias.test.") == 0) {
		add_rr(r, LDNS_SECTION_ANSWER, "evil.test. 1 IN A 6.6.6.6");
		add_rr(r, LDNS_SECTION_ANSWER,
		    "alias.test. 60 IN CNAME Mid.Test.");
		add_rr(r, LDNS_SECTION_ANSWER,
		    "MID.test. 60 IN CNAME target.test.");
		if (type == LDNS_RR_TYPE_A)
			add_rr(r, LDNS_SECTION_ANSWER,
			    "Target.TEST. 30 IN A 192.0.2.7");
	} else if (strcmp(name, "loop.test.") == 0) {
		add_rr(r, LDNS_SECTION_ANSWER, "loop.test. 1 IN CNAME l2.test.");
		add_rr(r, LDNS_SECTION_ANSWER, "l2.test. 1 IN CNAME loop.test.");
	} else if (strcmp(name, "zone.test.") == 0 &&
	    type == LDNS_RR_TYPE_NS) {
		add_rr(r, LDNS_SECTION_ANSWER, "zone.test. 60 IN NS A.Ns.Test.");
		add_rr(r, LDNS_SECTION_ANSWER, "zone.test. 60 IN NS b.ns.test.");
	} else if (strcmp(name, "mx.test.") == 0 && type == LDNS_RR_TYPE_MX)
		add_rr(r, LDNS_SECTION_ANSWER, "mx.test. 1 IN MX 5 MX1.Test.");
	else if (strcmp(name, "aaaa.test.") == 0 && type == LDNS_RR_TYPE_AAAA)
		add_rr(r, LDNS_SECTION_ANSWER, "aaaa.test. 1 IN AAAA 2001:db8::7");
	else if (strcmp(name, "7.2.0.192.in-addr.arpa.") == 0)
		add_rr(r, LDNS_SECTION_ANSWER,
		    "7.2.0.192.in-addr.arpa. 1 IN PTR Host.Test.");
	else if (strcmp(name, "badid.test.") == 0)
		;				/* fake_reply() fills it */
	else if (strcmp(name, "case.test.") == 0)
		add_rr(r, LDNS_SECTION_ANSWER, "CaSe.TeSt. 1 IN TXT \"c\"");
	else if (strcmp(name, "noedns.test.") == 0) {
		if (edns)
			ldns_pkt_set_rcode(r, LDNS_RCODE_FORMERR);
		else
			add_rr(r, LDNS_SECTION_ANSWER,
			    "noedns.test. 1 IN TXT \"plain\"");
	} else if (fake_bogus_first(name) || strcmp(name,
	    "bogusonly.test.") == 0) {
		qrr = ldns_rr_list_rr(ldns_pkt_question(r), 0);
		add_rr(r, LDNS_SECTION_ANSWER, "x. 1 IN A 192.0.2.9");
		ldns_rdf_deep_free(ldns_rr_owner(ldns_rr_list_rr(
		    ldns_pkt_answer(r), 0)));
		ldns_rr_set_owner(ldns_rr_list_rr(ldns_pkt_answer(r), 0),
		    ldns_rdf_clone(ldns_rr_owner(qrr)));
	} else if (strcmp(name, "bigname.test.") == 0)
		add_rr(r, LDNS_SECTION_ANSWER,
		    "bigname.test. 1 IN PTR a\\.b.\\\\c\\032d.test.");
	else
		ldns_pkt_set_rcode(r, LDNS_RCODE_NXDOMAIN);
	return 0;
}

/*
 * fake_reply - parse a query and build the reply in wire form
 *
 * Returns the number of wire messages to send (0, 1, or 2 when a
 * spoofed reply goes first); the messages are in out[].
 */
static int
fake_reply(struct fake *f, const uint8_t *q, size_t qlen, int tcp,
    uint8_t *out[2], size_t outlen[2])
{
	ldns_pkt	*qp = NULL, *r;
	ldns_rr		*qrr;
	char		*name;
	int		 n = 0, silent;

	if (ldns_wire2pkt(&qp, q, qlen) != LDNS_STATUS_OK ||
	    ldns_pkt_qdcount(qp) != 1) {
		ldns_pkt_free(qp);
		return 0;
	}
	qrr = ldns_rr_list_rr(ldns_pkt_question(qp), 0);
	name = ldns_rdf2str(ldns_rr_owner(qrr));
	__atomic_store_n(&f->last_edns, ldns_pkt_edns(qp) ? 1 : 0,
	    __ATOMIC_SEQ_CST);
	__atomic_store_n(&f->last_rd, ldns_pkt_rd(qp) ? 1 : 0,
	    __ATOMIC_SEQ_CST);
	__atomic_add_fetch(tcp ? &f->ntcp : &f->nudp, 1, __ATOMIC_SEQ_CST);

	r = ldns_pkt_new();
	ldns_pkt_set_id(r, ldns_pkt_id(qp));
	ldns_pkt_set_qr(r, 1);
	ldns_pkt_set_rd(r, ldns_pkt_rd(qp));
	ldns_pkt_set_ra(r, 1);
	ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION, ldns_rr_clone(qrr));
	silent = fake_answer(f, name, ldns_rr_get_type(qrr), tcp,
	    ldns_pkt_edns(qp), r);

	if (!silent && (fake_bogus_first(name) ||
	    strcmp(name, "bogusonly.test.") == 0)) {
		if (fake_bogus(name, q, r, &out[n], &outlen[n]) == 0)
			n++;
		if (strcmp(name, "bogusonly.test.") != 0 &&
		    ldns_pkt2wire(&out[n], r, &outlen[n]) == LDNS_STATUS_OK)
			n++;
	} else if (!silent) {
		if (strcmp(name, "badid.test.") == 0) {
			/* A spoof with the wrong ID arrives first. */
			add_rr(r, LDNS_SECTION_ANSWER,
			    "badid.test. 1 IN A 6.6.6.6");
			ldns_pkt_set_id(r, (uint16_t)(ldns_pkt_id(qp) + 1));
			if (ldns_pkt2wire(&out[n], r, &outlen[n]) ==
			    LDNS_STATUS_OK)
				n++;
			ldns_rr_list_deep_free(ldns_pkt_answer(r));
			ldns_pkt_set_answer(r, ldns_rr_list_new());
			ldns_pkt_set_ancount(r, 0);
			add_rr(r, LDNS_SECTION_ANSWER,
			    "badid.test. 1 IN A 192.0.2.9");
			ldns_pkt_set_id(r, ldns_pkt_id(qp));
		}
		if (ldns_pkt2wire(&out[n], r, &outlen[n]) == LDNS_STATUS_OK)
			n++;
	}
	free(name);
	ldns_pkt_free(r);
	ldns_pkt_free(qp);
	return n;
}

/* ------------------------------------------------------------ server */

static void
fake_udp(struct fake *f)
{
	struct sockaddr_storage	 from;
	socklen_t		 fromlen = sizeof(from);
	uint8_t			 buf[4096], *out[2];
	size_t			 outlen[2];
	ssize_t			 n;
	int			 i, k;

	n = recvfrom(f->udp, buf, sizeof(buf), 0, (struct sockaddr *)&from,
	    &fromlen);
	if (n <= 0)
		return;
	k = fake_reply(f, buf, (size_t)n, 0, out, outlen);
	for (i = 0; i < k; i++) {
		(void)sendto(f->udp, out[i], outlen[i], 0,
		    (struct sockaddr *)&from, fromlen);
		free(out[i]);
	}
}

static int
read_full(int fd, uint8_t *p, size_t n)
{
	ssize_t	 r;

	while (n > 0) {
		if ((r = read(fd, p, n)) <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static void
fake_tcp(struct fake *f)
{
	struct timeval	 tv = { 1, 0 };
	uint8_t		 buf[4096], len[2], *out[2];
	size_t		 outlen[2], n;
	int		 fd, i, k;

	if ((fd = accept(f->tcp, NULL, NULL)) == -1)
		return;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (read_full(fd, len, 2) == -1 ||
	    (n = (size_t)len[0] << 8 | len[1]) > sizeof(buf) ||
	    read_full(fd, buf, n) == -1) {
		close(fd);
		return;
	}
	k = fake_reply(f, buf, n, 1, out, outlen);
	for (i = 0; i < k; i++) {
		len[0] = (uint8_t)(outlen[i] >> 8);
		len[1] = (uint8_t)outlen[i];
		(void)write(fd, len, 2);
		(void)write(fd, out[i], outlen[i]);
		free(out[i]);
	}
	if (k == 0) {			/* keep it open: the client waits */
		if (f->held != -1)
			close(f->held);
		f->held = fd;
	} else
		close(fd);
}

static void *
fake_main(void *arg)
{
	struct fake	*f = arg;
	struct pollfd	 pfd[3];

	for (;;) {
		pfd[0].fd = f->udp;
		pfd[1].fd = f->tcp;
		pfd[2].fd = f->stop[0];
		pfd[0].events = pfd[1].events = pfd[2].events = POLLIN;
		if (poll(pfd, 3, -1) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[2].revents)
			break;
		if (pfd[0].revents & POLLIN)
			fake_udp(f);
		if (pfd[1].revents & POLLIN)
			fake_tcp(f);
	}
	return NULL;
}

/* fake_bind - a socket on the loopback address at port (0: any) */

static int
fake_bind(int family, int type, unsigned port, unsigned *port_out)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 len;
	int			 fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*sin);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		sin6->sin6_addr = in6addr_loopback;
		len = sizeof(*sin6);
	}
	if ((fd = socket(family, type | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) == -1 ||
	    (type == SOCK_STREAM && listen(fd, 16) == -1) ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) == -1) {
		close(fd);
		return -1;
	}
	*port_out = ntohs(family == AF_INET ? sin->sin_port : sin6->sin6_port);
	return fd;
}

static int
fake_start(struct fake *f, int family, enum fake_mode mode)
{
	unsigned	 tport;
	int		 i;

	memset(f, 0, sizeof(*f));
	f->mode = mode;
	f->family = family;
	f->held = f->tcp = f->udp = -1;
	for (i = 0; i < 20 && f->tcp == -1; i++) {
		if (f->udp != -1)
			close(f->udp);
		if ((f->udp = fake_bind(family, SOCK_DGRAM, 0, &f->port)) == -1)
			return -1;
		f->tcp = fake_bind(family, SOCK_STREAM, f->port, &tport);
	}
	if (f->tcp == -1 || pipe(f->stop) == -1 ||
	    pthread_create(&f->th, NULL, fake_main, f) != 0) {
		close(f->udp);
		if (f->tcp != -1)
			close(f->tcp);
		return -1;
	}
	return 0;
}

static void
fake_stop(struct fake *f)
{
	(void)write(f->stop[1], "x", 1);
	pthread_join(f->th, NULL);
	close(f->udp);
	close(f->tcp);
	close(f->stop[0]);
	close(f->stop[1]);
	if (f->held != -1)
		close(f->held);
}

static int
fake_count(int *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

/* a UDP port on 127.0.0.1 that nothing listens on (closed again) */

static unsigned
closed_port(void)
{
	unsigned	 port = 9;
	int		 fd;

	if ((fd = fake_bind(AF_INET, SOCK_DGRAM, 0, &port)) != -1)
		close(fd);
	return port;
}


/* ------------------------------------------------------------ tests */

static struct am_dns *
resolver(unsigned timeout_ms, unsigned retries, const char *servers)
{
	struct am_dns	*dns;
	struct am_err	 err;

	am_err_clear(&err);
	dns = am_dns_ldns_new(servers, timeout_ms, retries, &err);
	if (!ok(dns != NULL, servers))
		diag(err.msg);
	return dns;
}

static int
look(struct am_dns *dns, const char *name, enum am_dns_type type,
    enum am_dns_status want, struct am_dns_result *res)
{
	enum am_dns_status	 st;
	char			 msg[200];

	st = am_dns_lookup(dns, name, type, res);
	snprintf(msg, sizeof(msg), "%s type %d is %s", name, (int)type,
	    am_dns_status_name(want));
	if (!is_str(am_dns_status_name(st), am_dns_status_name(want), msg))
		return 0;
	return ok(res->status == st, "res->status matches");
}

/* check - a lookup whose result is not inspected further */

static void
check(struct am_dns *dns, const char *name, enum am_dns_type type,
    enum am_dns_status want)
{
	struct am_dns_result	 res;

	look(dns, name, type, want, &res);
	if (want != AM_DNS_OK)
		ok(res.n == 0 && res.rr == NULL, "no records without OK");
	am_dns_result_release(&res);
}

static void
test_answers(struct am_dns *dns, struct fake *f)
{
	struct am_dns_result	 res;
	static const unsigned char v6[16] = { 0x20, 0x01, 0x0d, 0xb8,
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7 };

	if (look(dns, "txt.test", AM_DNS_TXT, AM_DNS_OK, &res) &&
	    is_int(res.n, 1, "one TXT")) {
		is_mem(res.rr[0].txt, res.rr[0].txt_len, "v=DKIM1; p=abc", 14,
		    "multi-string TXT joined, empty string included");
		is_int(res.rr[0].ttl, 120, "TTL");
	}
	am_dns_result_release(&res);
	is_int(fake_count(&f->last_edns), 1, "query carried EDNS0");

	check(dns, "nx.test", AM_DNS_TXT, AM_DNS_NXDOMAIN);
	check(dns, "nodata.test", AM_DNS_TXT, AM_DNS_NODATA);
	check(dns, "servfail.test", AM_DNS_TXT, AM_DNS_SERVFAIL);
	check(dns, "refused.test", AM_DNS_A, AM_DNS_REFUSED);	/* told apart */

	if (look(dns, "alias.test", AM_DNS_A, AM_DNS_OK, &res) &&
	    is_int(res.n, 1, "only the chain's A, not the stray one"))
		is_int(res.rr[0].addr[3], 7, "A at the end of a CNAME chain");
	am_dns_result_release(&res);
	check(dns, "alias.test", AM_DNS_TXT, AM_DNS_NODATA);
	if (look(dns, "alias.test", AM_DNS_CNAME, AM_DNS_OK, &res) &&
	    is_int(res.n, 1, "one CNAME"))
		is_str(res.rr[0].name, "mid.test", "CNAME target lower case");
	am_dns_result_release(&res);
	check(dns, "loop.test", AM_DNS_A, AM_DNS_SERVFAIL);

	if (look(dns, "mx.test", AM_DNS_MX, AM_DNS_OK, &res) &&
	    is_int(res.n, 1, "one MX")) {
		is_int(res.rr[0].pref, 5, "MX preference");
		is_str(res.rr[0].name, "mx1.test", "MX name");
	}
	am_dns_result_release(&res);
	if (look(dns, "aaaa.test", AM_DNS_AAAA, AM_DNS_OK, &res) &&
	    is_int(res.n, 1, "one AAAA"))
		is_mem(res.rr[0].addr, 16, v6, 16, "AAAA address");
	am_dns_result_release(&res);
	if (look(dns, "7.2.0.192.in-addr.arpa.", AM_DNS_PTR, AM_DNS_OK,
	    &res) && is_int(res.n, 1, "one PTR"))
		is_str(res.rr[0].name, "host.test", "PTR name");
	am_dns_result_release(&res);
	if (look(dns, "bigname.test", AM_DNS_PTR, AM_DNS_OK, &res) &&
	    is_int(res.n, 1, "odd PTR"))
		is_str(res.rr[0].name, "a\\046b.\\092c\\032d.test",
		    "odd bytes in names come back as \\DDD");
	am_dns_result_release(&res);
	check(dns, "CASE.test", AM_DNS_TXT, AM_DNS_OK);
}

/* The bogus reply first, the real one right after: the real one wins. */

static void
test_bogus(struct am_dns *dns, const char *name, const char *what)
{
	struct am_dns_result	 res;

	if (look(dns, name, AM_DNS_A, AM_DNS_OK, &res) &&
	    is_int(res.n, 1, "one A"))
		is_int(res.rr[0].addr[3], 9, what);
	am_dns_result_release(&res);
}

static void
test_hostile(struct am_dns *dns, struct fake *f)
{
	struct am_dns_result	 res;
	int			 before;

	if (look(dns, "badid.test", AM_DNS_A, AM_DNS_OK, &res) &&
	    is_int(res.n, 1, "one A"))
		is_int(res.rr[0].addr[3], 9, "reply with a wrong ID ignored");
	am_dns_result_release(&res);
	test_bogus(dns, "wrongq.test", "reply to another question ignored");
	test_bogus(dns, "qrclear.test", "reply with QR clear ignored");
	test_bogus(dns, "garbage.test", "garbage with our ID ignored");
	test_bogus(dns, "oversize.test",
	    "UDP reply over the advertised 1232 bytes ignored");

	if (look(dns, "noedns.test", AM_DNS_TXT, AM_DNS_OK, &res) &&
	    is_int(res.n, 1, "one TXT"))
		is_str(res.rr[0].txt, "plain", "FORMERR to EDNS0: asked again");
	am_dns_result_release(&res);
	is_int(fake_count(&f->last_edns), 0, "second query had no EDNS0");

	before = fake_count(&f->nudp);
	check(dns, "a..test", AM_DNS_TXT, AM_DNS_FORMERR);
	check(dns, "", AM_DNS_TXT, AM_DNS_FORMERR);
	is_int(fake_count(&f->nudp), before, "bad names are not sent");
}

static void
test_tcp(struct am_dns *dns, struct fake *f)
{
	struct am_dns_result	 res;
	char			 want[3000];
	int			 before, i;

	for (i = 0; i < 12; i++)
		memset(want + i * 250, 'a' + i, 250);
	before = fake_count(&f->ntcp);
	if (look(dns, "big.test", AM_DNS_TXT, AM_DNS_OK, &res) &&
	    is_int(res.n, 1, "one big TXT"))
		is_mem(res.rr[0].txt, res.rr[0].txt_len, want, sizeof(want),
		    "truncated over UDP, complete over TCP");
	am_dns_result_release(&res);
	is_int(fake_count(&f->ntcp) - before, 1, "one TCP query");
}

static void
test_timeout(struct fake *f)
{
	struct am_dns	*dns;
	char		 s[64];
	int64_t		 t0, dt;
	int		 before;

	snprintf(s, sizeof(s), "127.0.0.1@%u", f->port);
	if ((dns = resolver(200, 1, s)) == NULL)
		return;
	before = fake_count(&f->nudp);
	t0 = now_ms();
	check(dns, "silent.test", AM_DNS_TXT, AM_DNS_TIMEOUT);
	dt = now_ms() - t0;
	ok(dt >= 300, "waited for both tries (200 ms each)");
	ok(dt < 3000, "gave up within the budget");
	is_int(fake_count(&f->nudp) - before, 2, "1 retry: two queries sent");

	t0 = now_ms();
	check(dns, "bogusonly.test", AM_DNS_A, AM_DNS_TIMEOUT);
	dt = now_ms() - t0;
	ok(dt >= 300 && dt < 3000,
	    "only a bogus reply: kept waiting, then a timeout, not FORMERR");

	before = fake_count(&f->ntcp);
	t0 = now_ms();
	check(dns, "slowtcp.test", AM_DNS_TXT, AM_DNS_TIMEOUT);
	dt = now_ms() - t0;
	ok(dt >= 300 && dt < 3000, "silent TCP leg: bounded by the budget");
	is_int(fake_count(&f->ntcp) - before, 2, "TCP asked on each try");
	am_dns_free(&dns);
}

/*
 * am_dns_query_many: 30 silent names and two that answer, asked at
 * once, take about one lookup's time (300 ms, no retry), not 30 of
 * them; the same question twice is sent once.
 */
static void
test_many(struct fake *f)
{
	struct am_dns_q	 qs[33];
	struct am_dns	*dns;
	char		 s[64], names[30][32];
	int64_t		 t0, dt;
	int		 before, i, good = 0;

	snprintf(s, sizeof(s), "127.0.0.1@%u", f->port);
	if ((dns = resolver(300, 0, s)) == NULL)
		return;
	memset(qs, 0, sizeof(qs));
	for (i = 0; i < 30; i++) {
		snprintf(names[i], sizeof(names[i]), "silent%d.test", i);
		qs[i].name = names[i];
		qs[i].type = AM_DNS_TXT;
	}
	qs[30].name = qs[32].name = "txt.test";
	qs[31].name = "nx.test";
	qs[30].type = qs[31].type = qs[32].type = AM_DNS_TXT;
	before = fake_count(&f->nudp);
	t0 = now_ms();
	am_dns_query_many(dns, qs, 33);
	dt = now_ms() - t0;
	for (i = 0; i < 30; i++)
		good += qs[i].res.status == AM_DNS_TIMEOUT && qs[i].res.n == 0;
	is_int(good, 30, "30 silent names: TIMEOUT each");
	ok(qs[30].res.status == AM_DNS_OK && qs[30].res.n == 1 &&
	    qs[30].res.rr[0].txt_len == 14, "the answering name: its TXT");
	ok(qs[32].res.status == AM_DNS_OK && qs[32].res.n == 1 &&
	    qs[32].res.rr[0].txt_len == 14, "its duplicate: the same TXT");
	is_int(qs[31].res.status, AM_DNS_NXDOMAIN, "NXDOMAIN in the batch");
	ok(dt >= 250 && dt < 1500,
	    "33 questions at once: one lookup's time (300 ms), not 30");
	snprintf(s, sizeof(s), "batch of 33 took %lld ms", (long long)dt);
	diag(s);
	is_int(fake_count(&f->nudp) - before, 32,
	    "32 queries sent: the duplicate was not");
	for (i = 0; i < 33; i++)
		am_dns_result_release(&qs[i].res);
	am_dns_free(&dns);
}

static void
test_servers(struct fake *good)
{
	struct fake	 mute, sf;
	struct am_dns	*dns;
	char		 s[128];
	int64_t		 t0;
	int		 before;

	snprintf(s, sizeof(s), "127.0.0.1@%u 127.0.0.1@%u", closed_port(),
	    good->port);
	if ((dns = resolver(1000, 0, s)) != NULL) {
		t0 = now_ms();
		check(dns, "txt.test", AM_DNS_TXT, AM_DNS_OK);
		ok(now_ms() - t0 < 900, "refused server skipped at once");
		am_dns_free(&dns);
	}
	if (!ok(fake_start(&mute, AF_INET, FAKE_MUTE) == 0 &&
	    fake_start(&sf, AF_INET, FAKE_SERVFAIL) == 0, "extra servers"))
		return;

	snprintf(s, sizeof(s), "127.0.0.1@%u,127.0.0.1@%u", mute.port,
	    good->port);
	if ((dns = resolver(200, 1, s)) != NULL) {
		t0 = now_ms();
		check(dns, "txt.test", AM_DNS_TXT, AM_DNS_OK);
		ok(now_ms() - t0 >= 150, "first server timed out");
		am_dns_free(&dns);
	}
	snprintf(s, sizeof(s), "127.0.0.1@%u,\t127.0.0.1@%u", sf.port,
	    good->port);
	if ((dns = resolver(1000, 0, s)) != NULL) {
		check(dns, "txt.test", AM_DNS_TXT, AM_DNS_OK);
		am_dns_free(&dns);
	}
	snprintf(s, sizeof(s), "127.0.0.1@%u", sf.port);
	if ((dns = resolver(1000, 2, s)) != NULL) {
		before = fake_count(&sf.nudp);
		check(dns, "txt.test", AM_DNS_TXT, AM_DNS_SERVFAIL);
		is_int(fake_count(&sf.nudp) - before, 1,
		    "SERVFAIL from the only server is not retried");
		am_dns_free(&dns);
	}
	snprintf(s, sizeof(s), "127.0.0.1@%u", mute.port);
	if ((dns = resolver(100, 2, s)) != NULL) {
		before = fake_count(&mute.nudp);
		t0 = now_ms();
		check(dns, "txt.test", AM_DNS_TXT, AM_DNS_TIMEOUT);
		ok(now_ms() - t0 >= 250 && now_ms() - t0 < 3000,
		    "3 tries of 100 ms");
		is_int(fake_count(&mute.nudp) - before, 3, "2 retries");
		am_dns_free(&dns);
	}
	fake_stop(&mute);
	fake_stop(&sf);
}

static void
test_parse(void)
{
	static const char *const good[] = {
		"127.0.0.1", "127.0.0.1@53", " 127.0.0.1 , 10.0.0.1@5353 ",
		"::1", "::1@53", "[::1]", "[::1]@53", "[::1]:53",
		"2001:db8::1@65535",
	};
	static const char *const bad[] = {
		"", " , ", "localhost", "127.0.0.1@", "127.0.0.1@0",
		"127.0.0.1@65536", "127.0.0.1@123456", "127.0.0.1@5x",
		"[::1", "[::1]x", "[]@53", "1.2.3.4.5", "@53",
		("1.1.1.1 1.1.1.2 1.1.1.3 1.1.1.4 1.1.1.5 1.1.1.6 1.1.1.7 "
		    "1.1.1.8 1.1.1.9"),
	};
	struct am_dns	*dns;
	struct am_err	 err;
	char		 msg[200];
	size_t		 i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(msg, sizeof(msg), "servers \"%s\" accepted", good[i]);
		dns = am_dns_ldns_new(good[i], 100, 0, &err);
		ok(dns != NULL, msg);
		am_dns_free(&dns);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		am_err_clear(&err);
		snprintf(msg, sizeof(msg), "servers \"%.100s\" refused", bad[i]);
		dns = am_dns_ldns_new(bad[i], 100, 0, &err);
		ok(dns == NULL && err.code != AM_E_NONE, msg);
		am_dns_free(&dns);
	}
	ok(am_dns_ldns_new("127.0.0.1", 0, 0, &err) == NULL, "timeout 0");
	ok(am_dns_ldns_new("127.0.0.1", 100, 1000, &err) == NULL,
	    "too many retries");
	dns = am_dns_ldns_new(NULL, 100, 0, &err);
	diag(dns != NULL ? "resolv.conf: usable" : err.msg);
	ok(1, "resolv.conf read without crashing");
	am_dns_free(&dns);
}

static void
test_ipv6(void)
{
	struct fake	 f6;
	struct am_dns	*dns;
	char		 s[64];

	if (fake_start(&f6, AF_INET6, FAKE_NORMAL) == -1) {
		ok(1, "IPv6 loopback # SKIP no ::1 here");
		return;
	}
	snprintf(s, sizeof(s), "[::1]@%u", f6.port);
	if ((dns = resolver(1000, 0, s)) != NULL) {
		check(dns, "txt.test", AM_DNS_TXT, AM_DNS_OK);
		check(dns, "big.test", AM_DNS_TXT, AM_DNS_OK);
		am_dns_free(&dns);
	}
	snprintf(s, sizeof(s), "::1@%u", f6.port);
	if ((dns = resolver(1000, 0, s)) != NULL) {
		check(dns, "nx.test", AM_DNS_TXT, AM_DNS_NXDOMAIN);
		am_dns_free(&dns);
	}
	fake_stop(&f6);
}

#define NTHREADS	4
#define NLOOKUPS	40

static void *
client(void *arg)
{
	struct am_dns		*dns = arg;
	struct am_dns_result	 res;
	long			 good = 0;
	int			 i;

	for (i = 0; i < NLOOKUPS; i++) {
		if (am_dns_lookup(dns, "txt.test", AM_DNS_TXT, &res) ==
		    AM_DNS_OK && res.n == 1 && res.rr[0].txt_len == 14)
			good++;
		am_dns_result_release(&res);
		if (am_dns_lookup(dns, "nx.test", AM_DNS_A, &res) ==
		    AM_DNS_NXDOMAIN)
			good++;
		am_dns_result_release(&res);
	}
	return (void *)good;
}

static void
test_threads(struct am_dns *dns)
{
	pthread_t	 th[NTHREADS];
	void		*rv;
	long		 good = 0;
	int		 i, started = 0;

	for (i = 0; i < NTHREADS; i++)
		if (pthread_create(&th[i], NULL, client, dns) == 0)
			started++;
	for (i = 0; i < started; i++)
		if (pthread_join(th[i], &rv) == 0)
			good += (long)rv;
	is_int(started, NTHREADS, "client threads started");
	is_int(good, (long)NTHREADS * NLOOKUPS * 2,
	    "concurrent lookups on one resolver all answered");
}

/* am_dns_direct_new: one server, RD clear; NS answers. */
static void
test_direct(struct fake *f)
{
	struct am_dns_result	 res;
	struct am_dns		*dns;
	struct am_err		 err;
	char			 s[64];

	snprintf(s, sizeof(s), "127.0.0.1@%u", f->port);
	am_err_clear(&err);
	if (!ok((dns = am_dns_direct_new(s, 1000, 0, &err)) != NULL,
	    "direct: a resolver for one server"))
		return;
	(void)am_dns_lookup(dns, "zone.test", AM_DNS_NS, &res);
	ok(res.status == AM_DNS_OK &&
	    res.n == 2 && strcmp(res.rr[0].name, "a.ns.test") == 0 &&
	    strcmp(res.rr[1].name, "b.ns.test") == 0 &&
	    res.rr[0].type == AM_DNS_NS, "direct: NS records, names in lower "
	    "case");
	am_dns_result_release(&res);
	ok(__atomic_load_n(&f->last_rd, __ATOMIC_SEQ_CST) == 0,
	    "direct: RD clear in the query");
	check(dns, "txt.test", AM_DNS_TXT, AM_DNS_OK);
	am_dns_free(&dns);
	if ((dns = am_dns_ldns_new(s, 1000, 0, &err)) != NULL) {
		check(dns, "txt.test", AM_DNS_TXT, AM_DNS_OK);
		ok(__atomic_load_n(&f->last_rd, __ATOMIC_SEQ_CST) == 1,
		    "a recursive resolver sets RD");
		am_dns_free(&dns);
	}
	snprintf(s, sizeof(s), "127.0.0.1@%u,127.0.0.1@%u", f->port,
	    f->port);
	ok(am_dns_direct_new(s, 1000, 0, &err) == NULL,
	    "direct: two servers refused");
	ok(am_dns_direct_new(NULL, 1000, 0, &err) == NULL,
	    "direct: no server refused");
}

int
main(void)
{
	struct fake	 f;
	struct am_dns	*dns;
	char		 s[64];
	unsigned long	 n0;

	test_parse();
	if (!ok(fake_start(&f, AF_INET, FAKE_NORMAL) == 0,
	    "fake server on 127.0.0.1"))
		return done_testing();
	snprintf(s, sizeof(s), "127.0.0.1@%u", f.port);
	if ((dns = resolver(1000, 1, s)) != NULL) {
		n0 = am_dns_query_count(dns);
		test_answers(dns, &f);
		test_hostile(dns, &f);
		test_tcp(dns, &f);
		ok(am_dns_query_count(dns) - n0 >= 20, "queries counted");
		test_threads(dns);
		am_dns_zone_fail(dns, "txt.test", AM_DNS_SERVFAIL);
		check(dns, "txt.test", AM_DNS_TXT, AM_DNS_OK);
		am_dns_free(&dns);
		ok(dns == NULL, "am_dns_free sets NULL");
	}
	test_timeout(&f);
	test_many(&f);
	test_servers(&f);
	test_direct(&f);
	test_ipv6();
	fake_stop(&f);
	return done_testing();
}
