/*
 * dns_ldns - production DNS: a stub resolver on ldns packet code
 *
 * ldns builds nothing here and sends nothing: we write the query
 * ourselves (it is 12 bytes of header, the name, and an EDNS0 OPT
 * record), move it over our own UDP and TCP sockets, and let ldns parse
 * the reply.  That keeps the things a milter depends on in one place:
 *
 *  - Time.  One lookup never takes much more than
 *    timeout_ms * (retries + 1): every wait is cut at that deadline,
 *    or at the caller's (a message's DNSBudget) when that is sooner.
 *  - Many at once.  A batch (am_dns_query_many) sends every question
 *    and then waits on all their sockets together: n lookups take the
 *    time of the slowest, not the sum.
 *  - Tries.  Try k goes to server k mod nservers, so retries also move
 *    on to the next server; a server that refuses the connection or
 *    says SERVFAIL costs no time and the next one is asked at once.
 *  - Spoofing.  Connected UDP sockets (a fresh source port per try),
 *    a random ID that must match, and the question must come back.
 *    Anything else (and a UDP datagram larger than we advertised) is
 *    dropped and the try keeps waiting for the real answer.
 *  - Truncation.  A UDP reply with TC set is asked again over TCP.
 *  - EDNS0.  Queries advertise 1232 bytes; a server that answers
 *    FORMERR is asked again without EDNS0.
 *
 * Thread safety: after am_dns_ldns_new() the struct is read-only, and
 * every lookup has its own sockets and buffers.
 */

#include <sys/types.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "dns.h"
#include "dns_impl.h"
#include "mem.h"

#define AM_DNS_LDNS_MAXSRV	8
#define AM_DNS_LDNS_EDNS_SIZE	1232	/* DNS flag day 2020 */
#define AM_DNS_LDNS_MSG_MAX	65535
#define AM_DNS_LDNS_TIMEOUT_MAX	600000u	/* ms per try */
#define AM_DNS_LDNS_RETRY_MAX	20u
#define AM_DNS_LDNS_HDR		12

struct am_dns_ldns {
	struct am_dns		 base;		/* first: we cast from it */
	struct am_dns_ldns_srv	 srv[AM_DNS_LDNS_MAXSRV];
	size_t			 nsrv;
	unsigned		 timeout_ms;
	unsigned		 retries;
	int			 rd;		/* 0: am_dns_direct_new */
};

static void	am_dns_ldns_resolve(struct am_dns *, struct am_dns_job **,
		    size_t, uint64_t);
static void	am_dns_ldns_destroy(struct am_dns *);

static const struct am_dns_ops am_dns_ldns_ops = {
	"ldns",
	NULL,
	am_dns_ldns_resolve,
	am_dns_ldns_destroy,
};

/* ------------------------------------------------------------ time, io */

int64_t
am_dns_now_ms(void)
{
	return (int64_t)am_clock_ms(NULL, NULL);
}

/* am_dns_wait - wait for events on fd until the deadline (ms) */

enum am_dns_xch
am_dns_wait(int fd, short events, int64_t deadline)
{
	struct pollfd	 pfd;
	int64_t		 left;
	int		 r;

	for (;;) {
		if ((left = deadline - am_dns_now_ms()) <= 0)
			return AM_DNS_XCH_TIMEOUT;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		r = poll(&pfd, 1, (int)left);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return AM_DNS_XCH_NETERR;
		if (r == 0)
			return AM_DNS_XCH_TIMEOUT;
		return AM_DNS_XCH_OK;	/* POLLERR/POLLHUP: the call says */
	}
}

int
am_dns_socket(const struct am_dns_ldns_srv *srv, int type)
{
	int	 fd;

	fd = socket(srv->ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (connect(fd, (const struct sockaddr *)&srv->ss, srv->sslen) == -1 &&
	    errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

static uint16_t
am_dns_msg_id(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

enum am_dns_xch
am_dns_tcp_io(int fd, uint8_t *p, size_t n, int writing, int64_t deadline)
{
	enum am_dns_xch	 x;
	ssize_t		 r;

	while (n > 0) {
		x = am_dns_wait(fd, writing ? POLLOUT : POLLIN, deadline);
		if (x != AM_DNS_XCH_OK)
			return x;
		r = writing ? send(fd, p, n, MSG_NOSIGNAL) : recv(fd, p, n, 0);
		if (r == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return AM_DNS_XCH_NETERR;	/* error or early EOF */
		p += r;
		n -= (size_t)r;
	}
	return AM_DNS_XCH_OK;
}

/* am_dns_tcp - one query over TCP (RFC 7766), two-byte length prefix */

static enum am_dns_xch
am_dns_tcp(const struct am_dns_ldns_srv *srv, const uint8_t *q, size_t qlen,
    int64_t deadline, uint8_t *buf, size_t *len_out)
{
	enum am_dns_xch	 x;
	uint8_t		 out[2 + 512];
	size_t		 n;
	int		 fd;

	if (qlen > sizeof(out) - 2 ||
	    (fd = am_dns_socket(srv, SOCK_STREAM)) == -1)
		return AM_DNS_XCH_NETERR;
	out[0] = (uint8_t)(qlen >> 8);
	out[1] = (uint8_t)qlen;
	memcpy(out + 2, q, qlen);
	x = am_dns_tcp_io(fd, out, qlen + 2, 1, deadline);
	if (x == AM_DNS_XCH_OK)
		x = am_dns_tcp_io(fd, out, 2, 0, deadline);
	if (x == AM_DNS_XCH_OK) {
		n = (size_t)out[0] << 8 | out[1];
		if (n < AM_DNS_LDNS_HDR)
			x = AM_DNS_XCH_BAD;
		else
			x = am_dns_tcp_io(fd, buf, n, 0, deadline);
		if (x == AM_DNS_XCH_OK && am_dns_msg_id(buf) != am_dns_msg_id(q))
			x = AM_DNS_XCH_BAD;
		*len_out = n;
	}
	close(fd);
	return x;
}

/* ------------------------------------------------------------ messages */

static uint16_t
am_dns_random_id(void)
{
	uint16_t	 id;

	if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != (ssize_t)sizeof(id))
		id = ldns_get_random();
	return id;
}

/* am_dns_query_msg - the query in wire form; out holds at least 300 */

static size_t
am_dns_query_msg(const struct am_dns_query *q, uint16_t id, int edns, int rd,
    uint8_t *out)
{
	size_t	 n = 0;

	out[n++] = (uint8_t)(id >> 8);
	out[n++] = (uint8_t)id;
	out[n++] = rd ? 0x01 : 0x00;		/* RD */
	out[n++] = 0x00;
	out[n++] = 0; out[n++] = 1;		/* QDCOUNT */
	out[n++] = 0; out[n++] = 0;		/* ANCOUNT */
	out[n++] = 0; out[n++] = 0;		/* NSCOUNT */
	out[n++] = 0; out[n++] = edns ? 1 : 0;	/* ARCOUNT */
	memcpy(out + n, q->wire, q->wire_len);
	n += q->wire_len;
	out[n++] = (uint8_t)(q->rrtype >> 8);
	out[n++] = (uint8_t)q->rrtype;
	out[n++] = 0; out[n++] = LDNS_RR_CLASS_IN;
	if (edns) {
		out[n++] = 0;			/* root owner */
		out[n++] = 0; out[n++] = LDNS_RR_TYPE_OPT;
		out[n++] = AM_DNS_LDNS_EDNS_SIZE >> 8;
		out[n++] = AM_DNS_LDNS_EDNS_SIZE & 0xff;
		out[n++] = 0; out[n++] = 0;	/* extended RCODE, version */
		out[n++] = 0; out[n++] = 0;	/* flags */
		out[n++] = 0; out[n++] = 0;	/* RDLEN */
	}
	return n;
}

/*
 * am_dns_reply_ok - is this a reply to our question?
 *
 * Servers may leave the question out of an error reply, so that is
 * accepted for anything but NOERROR.
 */
static int
am_dns_reply_ok(const ldns_pkt *pkt, const struct am_dns_query *q,
    const ldns_rdf *qname)
{
	const ldns_rr_list	*ql = ldns_pkt_question(pkt);
	const ldns_rr		*qr;

	if (!ldns_pkt_qr(pkt))
		return 0;
	if (ldns_rr_list_rr_count(ql) == 0)
		return ldns_pkt_get_rcode(pkt) != LDNS_RCODE_NOERROR;
	if (ldns_rr_list_rr_count(ql) != 1)
		return 0;
	qr = ldns_rr_list_rr(ql, 0);
	return ldns_rr_get_type(qr) == q->rrtype &&
	    ldns_rr_get_class(qr) == LDNS_RR_CLASS_IN &&
	    ldns_dname_compare(ldns_rr_owner(qr), qname) == 0;
}

/*
 * am_dns_answer - the records of the asked type, following CNAMEs
 *
 * Only records on the chain from the query name count; anything else
 * in the answer section is ignored.  A chain that ends without the
 * type is NODATA (RFC 2308 2.2); one longer than AM_DNS_CNAME_MAX (or
 * a loop) is SERVFAIL.
 */
static enum am_dns_status
am_dns_answer(const ldns_pkt *pkt, const struct am_dns_query *q,
    const ldns_rdf *qname, struct am_dns_result *res)
{
	const ldns_rr_list	*an = ldns_pkt_answer(pkt);
	const ldns_rdf		*cur = qname;
	const ldns_rr		*rr, *cname;
	size_t			 i;
	int			 hop;

	for (hop = 0;; hop++) {
		cname = NULL;
		for (i = 0; i < ldns_rr_list_rr_count(an); i++) {
			rr = ldns_rr_list_rr(an, i);
			if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN ||
			    ldns_dname_compare(ldns_rr_owner(rr), cur) != 0)
				continue;
			if (ldns_rr_get_type(rr) == q->rrtype) {
				if (am_dns_result_push(res, rr, q->type) == -1)
					return AM_DNS_FORMERR;
			} else if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME &&
			    ldns_rr_rd_count(rr) == 1)
				cname = rr;
		}
		if (res->n > 0)
			return AM_DNS_OK;
		if (cname == NULL)
			return AM_DNS_NODATA;
		if (hop >= AM_DNS_CNAME_MAX)
			return AM_DNS_SERVFAIL;
		cur = ldns_rr_rdf(cname, 0);
	}
}

static enum am_dns_status
am_dns_classify(const ldns_pkt *pkt, const struct am_dns_query *q,
    const ldns_rdf *qname, struct am_dns_result *res)
{
	switch (ldns_pkt_get_rcode(pkt)) {
	case LDNS_RCODE_NOERROR:
		return am_dns_answer(pkt, q, qname, res);
	case LDNS_RCODE_NXDOMAIN:
		return AM_DNS_NXDOMAIN;
	case LDNS_RCODE_FORMERR:
		return AM_DNS_FORMERR;
	case LDNS_RCODE_REFUSED:	/* not a recursive resolver for us */
		return AM_DNS_REFUSED;
	default:			/* SERVFAIL, NOTIMP, ... */
		return AM_DNS_SERVFAIL;
	}
}

/* ------------------------------------------------------------ lookup */

/*
 * Many lookups at once.  Every job has its own UDP socket for its
 * current try; all are sent first, then one poll() waits on all of
 * them.  A datagram that is not a usable reply to the job's question
 * (wrong ID, larger than we advertised, unparseable, QR clear, another
 * question) is dropped and the job keeps waiting, as resolvers do: a
 * spoofer must not be able to end a lookup, nor hide the real answer
 * that comes after.  The rare truncated reply is asked again over TCP
 * right away, one job at a time, within that job's own deadline.
 */

#define AM_DNS_LDNS_BATCH	64	/* sockets of one batch at most */

struct am_dns_ljob {
	struct am_dns_job	*job;
	ldns_rdf		*qname;
	enum am_dns_status	 last;	/* what the tries said so far */
	size_t			 t;	/* try number; server t mod nsrv */
	size_t			 ntries;
	int			 edns;
	int			 fd;	/* UDP socket of this try, or -1 */
	int			 done;
	uint8_t			 msg[512];
	size_t			 qlen;
	int64_t			 try_end;	/* this try's deadline */
	int64_t			 end;		/* the lookup's */
};

static int64_t
am_dns_min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static void
am_dns_ljob_close(struct am_dns_ljob *j)
{
	if (j->fd != -1)
		close(j->fd);
	j->fd = -1;
}

static void
am_dns_ljob_finish(struct am_dns_ljob *j, enum am_dns_status st)
{
	am_dns_ljob_close(j);
	if (st != AM_DNS_OK)
		am_dns_result_release(j->job->res);	/* nothing partial */
	j->job->res->status = st;
	j->done = 1;
}

/*
 * am_dns_ljob_send - send try j->t (or the next one that can be sent:
 * a server we cannot even send to costs no time); finishes the job
 * when no try or time is left.
 */
static void
am_dns_ljob_send(const struct am_dns_ldns *l, struct am_dns_ljob *j)
{
	const struct am_dns_ldns_srv	*srv;
	int64_t				 now;

	am_dns_ljob_close(j);
	for (; j->t < j->ntries; j->t++) {
		if ((now = am_dns_now_ms()) >= j->end)
			break;
		srv = &l->srv[j->t % l->nsrv];
		j->qlen = am_dns_query_msg(&j->job->q, am_dns_random_id(),
		    j->edns, l->rd, j->msg);
		if ((j->fd = am_dns_socket(srv, SOCK_DGRAM)) == -1)
			continue;
		if (send(j->fd, j->msg, j->qlen, 0) != (ssize_t)j->qlen) {
			am_dns_ljob_close(j);
			continue;
		}
		j->try_end = am_dns_min64(j->end, now + l->timeout_ms);
		return;
	}
	am_dns_ljob_finish(j, j->last);
}

/* am_dns_ljob_next - this try is over: on to the next */

static void
am_dns_ljob_next(const struct am_dns_ldns *l, struct am_dns_ljob *j)
{
	j->t++;
	am_dns_ljob_send(l, j);
}

/*
 * am_dns_reply_pkt - the reply in buf, if it is one to our question:
 * our ID, over UDP no larger than we advertised, parseable, QR set, the
 * question echoed.  NULL for anything else.
 */
static ldns_pkt *
am_dns_reply_pkt(const struct am_dns_query *q, const ldns_rdf *qname,
    uint16_t id, int edns, const uint8_t *buf, size_t n, int udp)
{
	ldns_pkt	*pkt = NULL;

	if (n < AM_DNS_LDNS_HDR || am_dns_msg_id(buf) != id)
		return NULL;
	if (udp && n > (edns ? AM_DNS_LDNS_EDNS_SIZE : 512))
		return NULL;
	if (ldns_wire2pkt(&pkt, buf, n) != LDNS_STATUS_OK)
		return NULL;
	if (!am_dns_reply_ok(pkt, q, qname)) {
		ldns_pkt_free(pkt);
		return NULL;
	}
	return pkt;
}

int
am_dns_reply_parse(const struct am_dns_query *q, uint16_t id, int edns,
    const uint8_t *buf, size_t n, struct am_dns_result *res)
{
	ldns_rdf		*qname = am_dns_query_dname(q);
	ldns_pkt		*pkt;
	enum am_dns_status	 st;
	int			 rc = -1;

	if ((pkt = am_dns_reply_pkt(q, qname, id, edns, buf, n, 1)) != NULL) {
		st = am_dns_classify(pkt, q, qname, res);
		if (st != AM_DNS_OK)
			am_dns_result_release(res);
		res->status = st;
		rc = ldns_pkt_tc(pkt) ? 1 : 0;
		ldns_pkt_free(pkt);
	}
	ldns_rdf_deep_free(qname);
	return rc;
}

static ldns_pkt *
am_dns_ljob_parse(const struct am_dns_ljob *j, const uint8_t *buf, size_t n,
    int udp)
{
	return am_dns_reply_pkt(&j->job->q, j->qname, am_dns_msg_id(j->msg),
	    j->edns, buf, n, udp);
}

/* am_dns_ljob_tcp - a truncated reply: the same query over TCP */

static ldns_pkt *
am_dns_ljob_tcp(const struct am_dns_ldns *l, struct am_dns_ljob *j,
    uint8_t *buf)
{
	size_t	 n = 0;

	am_dns_ljob_close(j);
	if (am_dns_tcp(&l->srv[j->t % l->nsrv], j->msg, j->qlen,
	    am_dns_min64(j->end, am_dns_now_ms() + l->timeout_ms), buf,
	    &n) != AM_DNS_XCH_OK)
		return NULL;
	return am_dns_ljob_parse(j, buf, n, 0);
}

/* am_dns_ljob_reply - a reply to our question: what it settles */

static void
am_dns_ljob_reply(const struct am_dns_ldns *l, struct am_dns_ljob *j,
    ldns_pkt *pkt, uint8_t *buf)
{
	enum am_dns_status	 st;

	if (ldns_pkt_tc(pkt)) {
		ldns_pkt_free(pkt);
		if ((pkt = am_dns_ljob_tcp(l, j, buf)) == NULL) {
			am_dns_ljob_next(l, j);
			return;
		}
	}
	if (j->edns && ldns_pkt_get_rcode(pkt) == LDNS_RCODE_FORMERR) {
		ldns_pkt_free(pkt);	/* an old server: ask without EDNS0 */
		j->edns = 0;
		am_dns_ljob_send(l, j);
		return;
	}
	st = am_dns_classify(pkt, &j->job->q, j->qname, j->job->res);
	ldns_pkt_free(pkt);
	if (st == AM_DNS_OK) {
		am_dns_ljob_finish(j, st);
		return;
	}
	am_dns_result_release(j->job->res);
	j->last = st;
	/* Another server may know better than a failing one. */
	if ((st == AM_DNS_SERVFAIL || st == AM_DNS_FORMERR ||
	    st == AM_DNS_REFUSED) &&
	    j->t + 1 < l->nsrv)
		am_dns_ljob_next(l, j);
	else
		am_dns_ljob_finish(j, st);
}

/* am_dns_ljob_read - every datagram waiting on the job's socket */

static void
am_dns_ljob_read(const struct am_dns_ldns *l, struct am_dns_ljob *j,
    uint8_t *buf)
{
	ldns_pkt	*pkt;
	ssize_t		 n;

	while (!j->done && j->fd != -1) {
		n = recv(j->fd, buf, AM_DNS_LDNS_MSG_MAX, MSG_TRUNC);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n == -1) {		/* e.g. ICMP port unreachable */
			am_dns_ljob_next(l, j);
			return;
		}
		if ((size_t)n > AM_DNS_LDNS_MSG_MAX)
			continue;	/* cut: larger than anything valid */
		if ((pkt = am_dns_ljob_parse(j, buf, (size_t)n, 1)) != NULL)
			am_dns_ljob_reply(l, j, pkt, buf);
	}
}

/* am_dns_ljob_poll - wait for the first socket or try deadline */

static void
am_dns_ljob_poll(const struct am_dns_ldns *l, struct am_dns_ljob *js,
    size_t n, struct pollfd *pfd, uint8_t *buf)
{
	int64_t		 wake = INT64_MAX, now;
	size_t		 i, k = 0;
	int		 r;

	for (i = 0; i < n; i++)
		if (!js[i].done) {
			pfd[k].fd = js[i].fd;
			pfd[k].events = POLLIN;
			pfd[k].revents = 0;
			k++;
			wake = am_dns_min64(wake, js[i].try_end);
		}
	now = am_dns_now_ms();
	r = poll(pfd, k, wake > now ? (int)am_dns_min64(wake - now,
	    INT32_MAX) : 0);
	if (r == -1 && errno != EINTR)
		(void)usleep(1000);	/* should not happen: do not spin */
	for (i = 0, k = 0; i < n; i++) {
		if (js[i].done)
			continue;
		if (r > 0 && pfd[k].revents != 0)
			am_dns_ljob_read(l, &js[i], buf);
		k++;
		if (!js[i].done && am_dns_now_ms() >= js[i].try_end)
			am_dns_ljob_next(l, &js[i]);	/* timed out */
	}
}

static void
am_dns_ldns_batch(const struct am_dns_ldns *l, struct am_dns_job **jobs,
    size_t n, int64_t deadline, uint8_t *buf)
{
	struct am_dns_ljob	*js;
	struct pollfd		*pfd;
	int64_t			 end;
	size_t			 i, left;

	js = am_calloc(n, sizeof(*js));
	pfd = am_calloc(n, sizeof(*pfd));

	end = am_dns_now_ms() + (int64_t)l->timeout_ms *
	    ((int64_t)l->retries + 1);
	if (deadline > 0 && deadline < end)
		end = deadline;
	for (i = 0; i < n; i++) {
		js[i].job = jobs[i];
		js[i].qname = am_dns_query_dname(&jobs[i]->q);
		js[i].last = AM_DNS_TIMEOUT;
		js[i].ntries = ((size_t)l->retries + 1) * l->nsrv;
		js[i].edns = 1;
		js[i].fd = -1;
		js[i].end = end;
		am_dns_ljob_send(l, &js[i]);
	}
	for (;;) {
		for (i = 0, left = 0; i < n; i++)
			left += !js[i].done;
		if (left == 0)
			break;
		am_dns_ljob_poll(l, js, n, pfd, buf);
	}
	for (i = 0; i < n; i++)
		ldns_rdf_deep_free(js[i].qname);
	free(pfd);
	free(js);
}

static void
am_dns_ldns_resolve(struct am_dns *dns, struct am_dns_job **jobs, size_t n,
    uint64_t deadline)
{
	const struct am_dns_ldns	*l = (const struct am_dns_ldns *)dns;
	uint8_t				*buf;
	size_t				 i, k;

	buf = am_malloc(AM_DNS_LDNS_MSG_MAX);
	for (i = 0; i < n; i += k) {
		k = n - i < AM_DNS_LDNS_BATCH ? n - i : AM_DNS_LDNS_BATCH;
		am_dns_ldns_batch(l, jobs + i, k, (int64_t)deadline, buf);
	}
	free(buf);
}

/* ------------------------------------------------------------ setup */

/*
 * am_dns_srv_parse - one "IP", "IP@PORT", "[IP]", "[IP]@PORT" or
 * "[IP]:PORT" token (not NUL-terminated)
 */
int
am_dns_srv_parse(const char *tok, size_t n, struct am_dns_ldns_srv *out,
    struct am_err *err)
{
	struct addrinfo	 hints, *ai = NULL;
	const char	*host = tok, *port = NULL, *p;
	char		 hbuf[INET6_ADDRSTRLEN + 32], pbuf[8];
	size_t		 hlen, plen = 0, i;

	if (n > 0 && tok[0] == '[') {
		if ((p = memchr(tok, ']', n)) == NULL)
			goto bad;
		host = tok + 1;
		hlen = (size_t)(p - host);
		if (p + 1 < tok + n) {
			if (p[1] != '@' && p[1] != ':')
				goto bad;
			port = p + 2;
			plen = (size_t)(tok + n - port);
		}
	} else {
		for (p = tok + n; p > tok && p[-1] != '@'; p--)
			;
		hlen = p > tok ? (size_t)(p - 1 - tok) : n;
		if (p > tok) {
			port = p;
			plen = (size_t)(tok + n - p);
		}
	}
	if (hlen == 0 || hlen >= sizeof(hbuf) || (port != NULL &&
	    (plen == 0 || plen > 5)))
		goto bad;
	for (i = 0; i < plen; i++)
		if (port[i] < '0' || port[i] > '9')
			goto bad;
	memcpy(hbuf, host, hlen);
	hbuf[hlen] = '\0';
	memcpy(pbuf, port != NULL ? port : "53", port != NULL ? plen : 2);
	pbuf[port != NULL ? plen : 2] = '\0';
	if (atoi(pbuf) < 1 || atoi(pbuf) > 65535)
		goto bad;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if (getaddrinfo(hbuf, pbuf, &hints, &ai) != 0 || ai == NULL ||
	    ai->ai_addrlen > sizeof(out->ss)) {
		if (ai != NULL)
			freeaddrinfo(ai);
		goto bad;
	}
	memset(out, 0, sizeof(*out));
	memcpy(&out->ss, ai->ai_addr, ai->ai_addrlen);
	out->sslen = (socklen_t)ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
bad:
	return am_err_set(err, AM_E_USAGE,
	    "bad DNS server \"%.*s\": want IP or IP@PORT", (int)(n > 60 ? 60 : n),
	    tok);
}

static int
am_dns_srv_list(struct am_dns_ldns *l, const char *s, struct am_err *err)
{
	size_t	 n;

	for (;;) {
		s += strspn(s, ", \t");
		if (*s == '\0')
			break;
		n = strcspn(s, ", \t");
		if (l->nsrv == AM_DNS_LDNS_MAXSRV)
			return am_err_set(err, AM_E_LIMIT,
			    "more than %d DNS servers", AM_DNS_LDNS_MAXSRV);
		if (am_dns_srv_parse(s, n, &l->srv[l->nsrv], err) == -1)
			return -1;
		l->nsrv++;
		s += n;
	}
	if (l->nsrv == 0)
		return am_err_set(err, AM_E_USAGE, "empty DNS server list");
	return 0;
}

/* am_dns_srv_resolvconf - the nameservers of /etc/resolv.conf */

static int
am_dns_srv_resolvconf(struct am_dns_ldns *l, struct am_err *err)
{
	struct sockaddr_storage	*ss;
	ldns_resolver		*r = NULL;
	ldns_rdf		**ns;
	size_t			 i, size;

	if (ldns_resolver_new_frm_file(&r, NULL) != LDNS_STATUS_OK)
		return am_err_set(err, AM_E_DNS, "cannot read resolv.conf");
	ns = ldns_resolver_nameservers(r);
	for (i = 0; i < ldns_resolver_nameserver_count(r) &&
	    l->nsrv < AM_DNS_LDNS_MAXSRV; i++) {
		ss = ldns_rdf2native_sockaddr_storage(ns[i],
		    ldns_resolver_port(r), &size);
		if (ss == NULL)
			continue;
		if (size <= sizeof(l->srv[0].ss)) {
			memcpy(&l->srv[l->nsrv].ss, ss, size);
			l->srv[l->nsrv].sslen = (socklen_t)size;
			l->nsrv++;
		}
		free(ss);
	}
	ldns_resolver_deep_free(r);
	if (l->nsrv == 0)
		return am_err_set(err, AM_E_DNS, "no nameserver in resolv.conf");
	return 0;
}

struct am_dns *
am_dns_ldns_new(const char *servers, unsigned timeout_ms, unsigned retries,
    struct am_err *err)
{
	struct am_dns_ldns	*l;
	int			 rc;

	if (timeout_ms == 0 || timeout_ms > AM_DNS_LDNS_TIMEOUT_MAX) {
		am_err_set(err, AM_E_USAGE, "DNS timeout must be 1 to %u ms",
		    AM_DNS_LDNS_TIMEOUT_MAX);
		return NULL;
	}
	if (retries > AM_DNS_LDNS_RETRY_MAX) {
		am_err_set(err, AM_E_USAGE, "DNS retries must be 0 to %u",
		    AM_DNS_LDNS_RETRY_MAX);
		return NULL;
	}
	l = am_calloc(1, sizeof(*l));
	l->base.ops = &am_dns_ldns_ops;
	l->timeout_ms = timeout_ms;
	l->retries = retries;
	l->rd = 1;
	if (servers == NULL)
		rc = am_dns_srv_resolvconf(l, err);
	else
		rc = am_dns_srv_list(l, servers, err);
	if (rc == -1) {
		free(l);
		return NULL;
	}
	return &l->base;
}

struct am_dns *
am_dns_direct_new(const char *server, unsigned timeout_ms, unsigned retries,
    struct am_err *err)
{
	struct am_dns		*dns;

	if (server == NULL || server[strcspn(server, ", \t")] != '\0') {
		am_err_set(err, AM_E_USAGE, "one server address expected");
		return NULL;
	}
	if ((dns = am_dns_ldns_new(server, timeout_ms, retries, err)) != NULL)
		((struct am_dns_ldns *)(void *)dns)->rd = 0;
	return dns;
}

static void
am_dns_ldns_destroy(struct am_dns *dns)
{
	free(dns);
}
