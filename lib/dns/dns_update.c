/*
 * dns_update - RFC 2136 dynamic update of one TXT RRset, signed with
 * TSIG (RFC 8945), over TCP (RFC 7766 framing) or UDP; see
 * dns_update.h
 *
 * ldns builds the message (ldns_update_pkt_new), signs it
 * (ldns_pkt_tsig_sign) and checks the reply's signature
 * (ldns_pkt_tsig_verify); the sockets are dns_ldns.c's (dns_impl.h),
 * non-blocking, with one deadline for the whole exchange.
 */

#include <sys/types.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "dns_impl.h"
#include "dns_update.h"

#define AM_DNS_UPDATE_FUDGE	300	/* seconds of clock skew allowed */
#define AM_DNS_UPDATE_MSG_MAX	65535
#define AM_DNS_UPDATE_UDP_MAX	512	/* no EDNS in our request */

/* ------------------------------------------------------------ server */

/* dns_ldns.c's parser; the same address, in the public struct. */
int
am_dns_update_server_parse(const char *s, struct am_dns_update_server *out,
    struct am_err *err)
{
	struct am_dns_ldns_srv	 srv;

	memset(out, 0, sizeof(*out));
	if (am_dns_srv_parse(s, strlen(s), &srv, err) == -1)
		return -1;
	memcpy(&out->ss, &srv.ss, sizeof(out->ss));
	out->sslen = srv.sslen;
	return 0;
}

/* ------------------------------------------------------------ message */

static ldns_rdf *
am_dns_update_dname(const char *name, struct am_err *err)
{
	ldns_rdf	*d = NULL;

	if (strlen(name) > 253 || strchr(name, '\\') != NULL ||
	    ldns_str2rdf_dname(&d, name) != LDNS_STATUS_OK || d == NULL) {
		(void)am_err_set(err, AM_E_SYNTAX, "bad domain name "
		    "\"%.80s\"", name);
		return NULL;
	}
	ldns_dname2canonical(d);
	return d;
}

/* The TXT record: txt in character-strings of at most 255 octets. */
static ldns_rr *
am_dns_update_txt(const ldns_rdf *owner, const char *txt, uint32_t ttl)
{
	ldns_rr		*rr = ldns_rr_new();
	uint8_t		 cs[256];
	size_t		 len = strlen(txt), off = 0, k;

	if (rr == NULL)
		return NULL;
	ldns_rr_set_owner(rr, ldns_rdf_clone(owner));
	ldns_rr_set_type(rr, LDNS_RR_TYPE_TXT);
	ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
	ldns_rr_set_ttl(rr, ttl);
	while (off < len) {
		k = len - off > 255 ? 255 : len - off;
		cs[0] = (uint8_t)k;
		memcpy(cs + 1, txt + off, k);
		if (!ldns_rr_push_rdf(rr, ldns_rdf_new_frm_data(
		    LDNS_RDF_TYPE_STR, k + 1, cs))) {
			ldns_rr_free(rr);
			return NULL;
		}
		off += k;
	}
	return rr;
}

/* "Delete an RRset" (RFC 2136 2.5.2): class ANY, TTL 0, no data. */
static ldns_rr *
am_dns_update_del(const ldns_rdf *owner)
{
	ldns_rr	*rr = ldns_rr_new();

	if (rr == NULL)
		return NULL;
	ldns_rr_set_owner(rr, ldns_rdf_clone(owner));
	ldns_rr_set_type(rr, LDNS_RR_TYPE_TXT);
	ldns_rr_set_class(rr, LDNS_RR_CLASS_ANY);
	ldns_rr_set_ttl(rr, 0);
	return rr;
}

static int
am_dns_update_check_args(const struct am_dns_update *u, struct am_err *err)
{
	size_t	 n;

	if (u->zone == NULL || u->name == NULL)
		return am_err_set(err, AM_E_USAGE, "update: no zone or name");
	if (u->op == AM_DNS_UPDATE_REPLACE) {
		if (u->txt == NULL || (n = strlen(u->txt)) == 0 ||
		    n > AM_DNS_UPDATE_TXT_MAX)
			return am_err_set(err, AM_E_LIMIT, "update: the TXT "
			    "value must be 1 to %d octets",
			    AM_DNS_UPDATE_TXT_MAX);
		if (u->ttl > 0x7fffffffU)
			return am_err_set(err, AM_E_LIMIT, "update: bad TTL");
	}
	return 0;
}

/* The update section's records, or NULL (err set). */
static ldns_rr_list *
am_dns_update_records(const struct am_dns_update *u, const ldns_rdf *zone,
    struct am_err *err)
{
	ldns_rr_list	*up;
	ldns_rdf	*owner;
	ldns_rr		*del, *add = NULL;

	if ((owner = am_dns_update_dname(u->name, err)) == NULL)
		return NULL;
	if (ldns_dname_compare(owner, zone) != 0 &&
	    !ldns_dname_is_subdomain(owner, zone)) {
		(void)am_err_set(err, AM_E_USAGE, "update: %.80s is not in "
		    "zone %.80s", u->name, u->zone);
		ldns_rdf_deep_free(owner);
		return NULL;
	}
	up = ldns_rr_list_new();
	del = am_dns_update_del(owner);
	if (u->op == AM_DNS_UPDATE_REPLACE)
		add = am_dns_update_txt(owner, u->txt, u->ttl);
	ldns_rdf_deep_free(owner);
	if (up == NULL || del == NULL || (u->op == AM_DNS_UPDATE_REPLACE &&
	    add == NULL) || !ldns_rr_list_push_rr(up, del) ||
	    (add != NULL && !ldns_rr_list_push_rr(up, add))) {
		(void)am_err_set(err, AM_E_NOMEM, "update: out of memory");
		ldns_rr_list_deep_free(up);
		return NULL;
	}
	return up;
}

int
am_dns_update_build(const struct am_dns_update *u,
    const struct am_dns_tsig_key *k, uint16_t id, uint8_t **wire,
    size_t *len, uint8_t mac[64], size_t *mac_len, struct am_err *err)
{
	ldns_rdf	*zone, *m;
	ldns_rr_list	*up, *none = NULL;
	ldns_pkt	*pkt = NULL;
	ldns_status	 st;
	int		 rc = -1;

	*wire = NULL;
	*len = *mac_len = 0;
	if (am_dns_update_check_args(u, err) == -1 ||
	    (zone = am_dns_update_dname(u->zone, err)) == NULL)
		return -1;
	if ((up = am_dns_update_records(u, zone, err)) == NULL) {
		ldns_rdf_deep_free(zone);
		return -1;
	}
	none = ldns_rr_list_new();
	/* Takes zone; copies the lists. */
	if (none == NULL || (pkt = ldns_update_pkt_new(zone,
	    LDNS_RR_CLASS_IN, none, up, none)) == NULL) {
		(void)am_err_set(err, AM_E_NOMEM, "update: out of memory");
		goto out;
	}
	ldns_pkt_set_rd(pkt, false);	/* Z bits in an UPDATE: zero */
	ldns_pkt_set_id(pkt, id);
	if ((st = ldns_pkt_tsig_sign(pkt, k->name, k->secret,
	    AM_DNS_UPDATE_FUDGE, k->alg, NULL)) != LDNS_STATUS_OK) {
		(void)am_err_set(err, AM_E_CRYPTO, "update: TSIG signing "
		    "failed: %s", ldns_get_errorstr_by_id(st));
		goto out;
	}
	m = ldns_rr_rdf(ldns_pkt_tsig(pkt), 3);
	if (m == NULL || ldns_rdf_size(m) < 2 || ldns_rdf_size(m) - 2 > 64 ||
	    ldns_pkt2wire(wire, pkt, len) != LDNS_STATUS_OK) {
		(void)am_err_set(err, AM_E_CRYPTO, "update: no message");
		goto out;
	}
	/* The MAC rdf is a 16-bit length and the octets. */
	*mac_len = ldns_rdf_size(m) - 2;
	memcpy(mac, ldns_rdf_data(m) + 2, *mac_len);
	rc = 0;
out:
	ldns_pkt_free(pkt);
	ldns_rr_list_deep_free(up);
	ldns_rr_list_free(none);
	return rc;
}

/* ------------------------------------------------------------ reply */

static const char *
am_dns_update_rcode_why(unsigned rc)
{
	switch (rc) {
	case LDNS_RCODE_NOTAUTH:
		return ": the server is not authoritative for the zone, or "
		    "does not accept this key for it";
	case LDNS_RCODE_REFUSED:
		return ": the server does not allow this update (its ACL)";
	case LDNS_RCODE_NOTZONE:
		return ": the name is not in the zone";
	case LDNS_RCODE_NOTIMPL:
		return ": the server does not do dynamic updates";
	default:
		return "";
	}
}

static int
am_dns_update_tsig_error(const ldns_rr *tsig, unsigned rcode,
    struct am_err *err)
{
	const ldns_rdf	*e = ldns_rr_rdf(tsig, 5);
	unsigned	 code;

	if (e == NULL || ldns_rdf_size(e) != 2)
		return am_err_set(err, AM_E_DNS, "update: malformed TSIG in "
		    "the reply");
	code = ldns_rdf2native_int16(e);
	if (code == 0)
		return 0;
	return am_err_set(err, AM_E_DNS, "update refused (%s): the server "
	    "did not accept our TSIG: %s", ldns_lookup_by_id(ldns_rcodes,
	    (int)rcode) != NULL ? ldns_lookup_by_id(ldns_rcodes,
	    (int)rcode)->name : "?", code == 16 ? "BADSIG (wrong secret?)" :
	    code == 17 ? "BADKEY (the server does not know this key or "
	    "its algorithm, or does not take it for this zone)" :
	    code == 18 ? "BADTIME (clocks differ)" : code == 22 ?
	    "BADTRUNC" : "an unknown TSIG error");
}

int
am_dns_update_check(const uint8_t *buf, size_t n, uint16_t id,
    const struct am_dns_tsig_key *k, const uint8_t *mac, size_t mac_len,
    struct am_err *err)
{
	ldns_pkt	*p = NULL;
	ldns_rdf	*m = NULL;
	ldns_lookup_table *rn;
	uint8_t		 mb[2 + 64];
	unsigned	 rcode;
	int		 rc = -1;

	if (ldns_wire2pkt(&p, buf, n) != LDNS_STATUS_OK || p == NULL)
		return am_err_set(err, AM_E_DNS, "update: the reply does not "
		    "parse");
	if (ldns_pkt_id(p) != id || !ldns_pkt_qr(p) ||
	    ldns_pkt_get_opcode(p) != LDNS_PACKET_UPDATE) {
		(void)am_err_set(err, AM_E_DNS, "update: the reply is not "
		    "for our update");
		goto out;
	}
	rcode = ldns_pkt_get_rcode(p);
	rn = ldns_lookup_by_id(ldns_rcodes, (int)rcode);
	if (ldns_pkt_tsig(p) == NULL) {
		(void)am_err_set(err, AM_E_DNS, "update %s%s%s (an unsigned "
		    "reply)", rcode == 0 ? "reply not signed: cannot trust "
		    "it" : "refused: ", rcode == 0 ? "" : rn != NULL ?
		    rn->name : "?", am_dns_update_rcode_why(rcode));
		goto out;
	}
	if (am_dns_update_tsig_error(ldns_pkt_tsig(p), rcode, err) == -1)
		goto out;
	mb[0] = (uint8_t)(mac_len >> 8);
	mb[1] = (uint8_t)mac_len;
	memcpy(mb + 2, mac, mac_len > 64 ? 64 : mac_len);
	m = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16_DATA, 2 + (mac_len > 64 ?
	    64 : mac_len), mb);
	if (m == NULL || !ldns_pkt_tsig_verify(p, buf, n, k->name, k->secret,
	    m)) {
		(void)am_err_set(err, AM_E_DNS, "update: bad TSIG on the "
		    "reply (not from the server we share the key with?)");
		goto out;
	}
	if (rcode != LDNS_RCODE_NOERROR) {
		(void)am_err_set(err, AM_E_DNS, "update refused: %s%s",
		    rn != NULL ? rn->name : "?", am_dns_update_rcode_why(rcode));
		goto out;
	}
	rc = 0;
out:
	ldns_rdf_deep_free(m);
	ldns_pkt_free(p);
	return rc;
}

/* ------------------------------------------------------------ transport */

/* One exchange; the reply in buf, *got octets.  OK, TIMEOUT, NETERR,
 * or BAD for a truncated UDP reply (then over TCP). */
static enum am_dns_xch
am_dns_update_xch(const struct am_dns_ldns_srv *srv, int tcp,
    const uint8_t *msg, size_t len, int64_t deadline, uint8_t *buf,
    size_t *got)
{
	enum am_dns_xch	 x = AM_DNS_XCH_NETERR;
	uint8_t		*out = NULL;
	ssize_t		 r;
	int		 fd;

	if ((fd = am_dns_socket(srv, tcp ? SOCK_STREAM : SOCK_DGRAM)) == -1)
		return AM_DNS_XCH_NETERR;
	if (tcp) {
		if ((out = malloc(len + 2)) == NULL)
			goto out;
		out[0] = (uint8_t)(len >> 8);
		out[1] = (uint8_t)len;
		memcpy(out + 2, msg, len);
		if ((x = am_dns_tcp_io(fd, out, len + 2, 1, deadline)) ==
		    AM_DNS_XCH_OK && (x = am_dns_tcp_io(fd, out, 2, 0,
		    deadline)) == AM_DNS_XCH_OK) {
			*got = (size_t)out[0] << 8 | out[1];
			x = am_dns_tcp_io(fd, buf, *got, 0, deadline);
		}
		goto out;
	}
	if (send(fd, msg, len, 0) != (ssize_t)len)
		goto out;
	while ((x = am_dns_wait(fd, POLLIN, deadline)) == AM_DNS_XCH_OK) {
		r = recv(fd, buf, AM_DNS_UPDATE_MSG_MAX, 0);
		if (r == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		x = AM_DNS_XCH_NETERR;
		if (r < 12)
			break;
		if (buf[0] != msg[0] || buf[1] != msg[1])
			continue;	/* not ours: keep waiting */
		*got = (size_t)r;
		x = (buf[2] & 0x02) ? AM_DNS_XCH_BAD : AM_DNS_XCH_OK; /* TC */
		break;
	}
out:
	free(out);
	close(fd);
	return x;
}

int
am_dns_update_send(const struct am_dns_update *u,
    const struct am_dns_tsig_key *k, const struct am_dns_update_server *srv,
    enum am_dns_update_proto proto, unsigned timeout_ms, struct am_err *err)
{
	uint8_t		*msg = NULL, *buf, mac[64];
	size_t		 len, mac_len, got = 0;
	uint16_t	 id;
	struct am_dns_ldns_srv srv_l;
	enum am_dns_xch	 x;
	int64_t		 deadline = am_dns_now_ms() + timeout_ms;
	int		 tcp = proto == AM_DNS_UPDATE_TCP, rc = -1;

	memcpy(&srv_l.ss, &srv->ss, sizeof(srv_l.ss));
	srv_l.sslen = srv->sslen;
	if (getrandom(&id, sizeof(id), 0) != sizeof(id))
		id = (uint16_t)(am_dns_now_ms() ^ getpid());
	if (am_dns_update_build(u, k, id, &msg, &len, mac, &mac_len,
	    err) == -1)
		return -1;
	if ((buf = malloc(AM_DNS_UPDATE_MSG_MAX)) == NULL) {
		free(msg);
		return am_err_set(err, AM_E_NOMEM, "out of memory");
	}
	if (!tcp && len > AM_DNS_UPDATE_UDP_MAX)
		tcp = 1;	/* too big for a datagram without EDNS */
	x = am_dns_update_xch(&srv_l, tcp, msg, len, deadline, buf, &got);
	if (x == AM_DNS_XCH_BAD)
		x = am_dns_update_xch(&srv_l, tcp = 1, msg, len, deadline, buf,
		    &got);
	if (x == AM_DNS_XCH_TIMEOUT)
		(void)am_err_set(err, AM_E_DNS, "update: no reply from the "
		    "server within %u ms (timed out)", timeout_ms);
	else if (x != AM_DNS_XCH_OK)
		(void)am_err_set(err, AM_E_DNS, "update: cannot reach the "
		    "server over %s: %s", tcp ? "TCP" : "UDP", errno != 0 ?
		    strerror(errno) : "connection closed");
	else
		rc = am_dns_update_check(buf, got, id, k, mac, mac_len, err);
	free(msg);
	free(buf);
	return rc;
}
