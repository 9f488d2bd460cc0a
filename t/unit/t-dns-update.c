/*
 * t-dns-update - dynamic update with TSIG (lib/dns/dns_update.c,
 * dns_update_key.c): the key file parser, the server address, the
 * update message read back by ldns (sections, character-strings, the
 * TSIG verifying), the reply check (signed, unsigned, BADSIG, REFUSED,
 * another key) and the exchange against a loopback TCP server and a
 * silent UDP one (timeout)
 */

#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "dns_update.h"
#include "tap.h"

#define SECRET	"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ="
#define SECRET2	"b3RoZXItb3RoZXItb3RoZXItb3RoZXItb3RoZXItMTI="

static int
parse(const char *text, struct am_dns_tsig_key *k, struct am_err *err)
{
	am_err_clear(err);
	return am_dns_tsig_key_parse(text, strlen(text), k, err);
}

/* Knot's YAML key section, as keymgr -t prints it. */
static void
test_key_knot(void)
{
	struct am_dns_tsig_key	 k;
	struct am_err		 err;
	static const char *const bad[] = {
		"key:\n",
		"key:\n  - id: u\n    algorithm: hmac-sha256\n",
		"key:\n  - id: u\n    secret: " SECRET "\n",
		"key:\n  - algorithm: hmac-sha256\n    secret: " SECRET "\n",
		"key:\n  - id: u\n    algorithm: hmac-md5\n    secret: "
		    SECRET "\n",
		"key:\n  - id: u\n    algorithm: hmac-sha256\n    secret: "
		    "c2hvcnQ=\n",
		"key:\n  - id: u\n    algorithm: hmac-sha256\n    secret: "
		    SECRET "\n  - id: v\n    algorithm: hmac-sha256\n"
		    "    secret: " SECRET "\n",
		"key:\n  - id: u\n    id: v\n    algorithm: hmac-sha256\n"
		    "    secret: " SECRET "\n",
		"key:\n  - id: u\n    algorithm: hmac-sha256\n    secret: "
		    SECRET "\nremote:\n  - id: r\n",
		"key:\n    algorithm: hmac-sha256\n  - id: u\n    secret: "
		    SECRET "\n",
		"key:\n  - id: u\n    server: 1.2.3.4\n",
		"key:\n  - id: a..b\n    algorithm: hmac-sha256\n    secret: "
		    SECRET "\n",
		"key:\n  -id: u\n",
	};
	size_t	 i;

	ok(parse("# hmac-sha256:update-key:" SECRET "\nkey:\n"
	    "  - id: Update-Key\n    algorithm: hmac-sha256\n"
	    "    secret: " SECRET "\n", &k, &err) == 0 &&
	    strcmp(k.name, "update-key.") == 0 &&
	    strcmp(k.alg, "hmac-sha256") == 0 && strcmp(k.secret, SECRET) == 0,
	    "knot key: keymgr -t's output parses");
	ok(parse("key:   # TSIG\r\n- secret: \"" SECRET "\"\r\n"
	    "  algorithm: 'hmac-sha384'  # strong\r\n  id: u.example.\r\n",
	    &k, &err) == 0 && strcmp(k.name, "u.example.") == 0 &&
	    strcmp(k.alg, "hmac-sha384") == 0 && strcmp(k.secret, SECRET) == 0,
	    "knot key: any order, quotes, comments, CR LF, '-' in column 1");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char	 name[64];

		(void)snprintf(name, sizeof(name), "knot key: bad %zu refused "
		    "with a reason", i);
		ok(parse(bad[i], &k, &err) == -1 && err.msg[0] != '\0' &&
		    strstr(err.msg, "c2Vj") == NULL && k.secret[0] == '\0' &&
		    k.name[0] == '\0', name);
	}
	ok(parse("key:\n  - id: u\n    algorithm: hmac-sha256\n"
	    "    secret: @@@" SECRET "\n", &k, &err) == -1 &&
	    strstr(err.msg, "line 4") != NULL && strstr(err.msg, SECRET) ==
	    NULL, "knot key: a bad secret: its line, never its text");
}

static void
test_key(void)
{
	struct am_dns_tsig_key	 k;
	struct am_err		 err;
	static const char *const bad[] = {
		"",
		"key \"u\" { algorithm hmac-sha256; secret \"" SECRET "\"; }",
		"key \"u\" { algorithm hmac-md5; secret \"" SECRET "\"; };",
		"key \"u\" { algorithm hmac-sha256; };",
		"key \"u\" { secret \"" SECRET "\"; };",
		"key \"u\" { algorithm hmac-sha256; algorithm hmac-sha256; "
		    "secret \"" SECRET "\"; };",
		"key \"u\" { algorithm hmac-sha256; secret \"c2hvcnQ=\"; };",
		"key \"u\" { algorithm hmac-sha256; secret \"@@@@\"; };",
		"key \"a..b\" { algorithm hmac-sha256; secret \"" SECRET
		    "\"; };",
		"key \"u\" { algorithm hmac-sha256; secret \"" SECRET "\"; };"
		    "key \"v\" { algorithm hmac-sha256; secret \"" SECRET
		    "\"; };",
		"key \"u\" { algorithm hmac-sha256; secret \"" SECRET "\"; "
		    "server 1.2.3.4; };",
		"/* open key \"u\" { algorithm hmac-sha256; };",
		"key \"u\" { algorithm hmac-sha256; secret \"ab\\\"cd\"; };",
		"key \"u\x01\" { algorithm hmac-sha256; secret \"" SECRET
		    "\"; };",
	};
	size_t	 i;

	ok(parse("# made by tsig-keygen\nkey \"Update.Example.\" {\n"
	    "\talgorithm hmac-sha256;\n\tsecret \"" SECRET "\";\n};\n", &k,
	    &err) == 0, "key: BIND's form parses");
	is_str(k.name, "update.example.", "key: name lower case, final dot");
	is_str(k.alg, "hmac-sha256", "key: algorithm");
	is_str(k.secret, SECRET, "key: secret");
	ok(parse("// c\nkey upd /* x */ { secret \"" SECRET "\" ; algorithm "
	    "HMAC-SHA512 ; } ;", &k, &err) == 0 &&
	    strcmp(k.alg, "hmac-sha512") == 0 && strcmp(k.name, "upd.") == 0,
	    "key: either order, bare name, comments, case");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char	 name[64];

		(void)snprintf(name, sizeof(name), "key: bad %zu refused with "
		    "a reason", i);
		ok(parse(bad[i], &k, &err) == -1 && err.msg[0] != '\0' &&
		    k.secret[0] == '\0' && k.name[0] == '\0', name);
	}
	ok(parse("key u { algorithm hmac-sha256; secret " SECRET "; };", &k,
	    &err) == -1 && strstr(err.msg, "c2Vj") == NULL &&
	    strstr(err.msg, "line 1") != NULL,
	    "key: an unquoted secret is refused without quoting it");
	ok(parse("key u {\nalgorithm hmac-sha256;\nsecret \"" SECRET "\"\n};",
	    &k, &err) == -1 && strstr(err.msg, "line 4") != NULL &&
	    strstr(err.msg, SECRET) == NULL, "key: the line of a missing ';'");
	test_key_knot();
	am_dns_tsig_key_clear(&k);
	ok(k.secret[0] == '\0', "key: clear wipes the secret");
}

static void
test_server(void)
{
	struct am_dns_update_server	 s;
	struct am_err			 err;

	ok(am_dns_update_server_parse("127.0.0.1", &s, &err) == 0 &&
	    ntohs(((struct sockaddr_in *)&s.ss)->sin_port) == 53,
	    "server: IP, port 53");
	ok(am_dns_update_server_parse("127.0.0.1@5353", &s, &err) == 0 &&
	    ntohs(((struct sockaddr_in *)&s.ss)->sin_port) == 5353,
	    "server: IP@PORT");
	ok(am_dns_update_server_parse("[::1]@53", &s, &err) == 0 &&
	    s.ss.ss_family == AF_INET6, "server: [IPv6]@PORT");
	ok(am_dns_update_server_parse("::1", &s, &err) == 0,
	    "server: bare IPv6");
	ok(am_dns_update_server_parse("ns.example", &s, &err) == -1 &&
	    am_dns_update_server_parse("1.2.3.4@", &s, &err) == -1 &&
	    am_dns_update_server_parse("1.2.3.4@70000", &s, &err) == -1 &&
	    am_dns_update_server_parse("", &s, &err) == -1,
	    "server: names, empty and bad ports refused");
}

static struct am_dns_tsig_key
key(const char *secret)
{
	struct am_dns_tsig_key	 k;

	memset(&k, 0, sizeof(k));
	snprintf(k.name, sizeof(k.name), "update.example.");
	snprintf(k.alg, sizeof(k.alg), "hmac-sha256");
	snprintf(k.secret, sizeof(k.secret), "%s", secret);
	return k;
}

static void
test_build(void)
{
	struct am_dns_tsig_key	 k = key(SECRET);
	struct am_dns_update	 u = { "Example.COM", "s2._domainkey.example.com",
				    AM_DNS_UPDATE_REPLACE, NULL, 300 };
	struct am_err		 err;
	ldns_pkt		*p = NULL;
	ldns_rr			*rr;
	ldns_rdf		*zone;
	uint8_t			*w, mac[64];
	size_t			 n, ml, i;
	char			 txt[601], got[601];

	for (i = 0; i < 600; i++)
		txt[i] = (char)('a' + i % 26);
	txt[600] = '\0';
	u.txt = txt;
	ok(am_dns_update_build(&u, &k, 4242, &w, &n, mac, &ml, &err) == 0,
	    "build: replace");
	is_int(ml, 32, "build: an HMAC-SHA256 MAC");
	ok(ldns_wire2pkt(&p, w, n) == LDNS_STATUS_OK, "build: ldns parses it");
	ok(ldns_pkt_get_opcode(p) == LDNS_PACKET_UPDATE && ldns_pkt_id(p) ==
	    4242 && !ldns_pkt_rd(p) && !ldns_pkt_qr(p), "build: header");
	rr = ldns_rr_list_rr(ldns_pkt_question(p), 0);
	zone = ldns_dname_new_frm_str("example.com.");
	ok(ldns_pkt_qdcount(p) == 1 && ldns_rr_get_type(rr) ==
	    LDNS_RR_TYPE_SOA && ldns_dname_compare(ldns_rr_owner(rr),
	    zone) == 0, "build: zone section names the zone");
	ldns_rdf_deep_free(zone);
	ok(ldns_pkt_ancount(p) == 0 && ldns_pkt_nscount(p) == 2 &&
	    ldns_pkt_arcount(p) == 0, "build: no prerequisite, 2 updates");
	rr = ldns_rr_list_rr(ldns_pkt_authority(p), 0);
	ok(ldns_rr_get_class(rr) == LDNS_RR_CLASS_ANY && ldns_rr_get_type(rr)
	    == LDNS_RR_TYPE_TXT && ldns_rr_ttl(rr) == 0 &&
	    ldns_rr_rd_count(rr) == 0, "build: delete the TXT RRset first");
	rr = ldns_rr_list_rr(ldns_pkt_authority(p), 1);
	ok(ldns_rr_get_class(rr) == LDNS_RR_CLASS_IN && ldns_rr_ttl(rr) == 300
	    && ldns_rr_rd_count(rr) == 3 &&
	    ldns_rdf_size(ldns_rr_rdf(rr, 0)) == 256 &&
	    ldns_rdf_size(ldns_rr_rdf(rr, 2)) == 91,
	    "build: the record in 255-octet character-strings");
	got[0] = '\0';
	for (i = 0; i < ldns_rr_rd_count(rr); i++)
		strncat(got, (const char *)ldns_rdf_data(ldns_rr_rdf(rr, i)) +
		    1, ldns_rdf_size(ldns_rr_rdf(rr, i)) - 1);
	is_str(got, txt, "build: the strings make the value");
	ok(ldns_pkt_tsig(p) != NULL && ldns_pkt_tsig_verify(p, w, n, k.name,
	    k.secret, NULL), "build: the TSIG verifies");
	ok(!ldns_pkt_tsig_verify(p, w, n, k.name, SECRET2, NULL),
	    "build: not with another secret");
	ldns_pkt_free(p);
	free(w);

	u.op = AM_DNS_UPDATE_DELETE;
	ok(am_dns_update_build(&u, &k, 1, &w, &n, mac, &ml, &err) == 0 &&
	    ldns_wire2pkt(&p, w, n) == LDNS_STATUS_OK &&
	    ldns_pkt_nscount(p) == 1, "build: delete is one update record");
	ldns_pkt_free(p);
	free(w);
	u.name = "s2._domainkey.example.net";
	ok(am_dns_update_build(&u, &k, 1, &w, &n, mac, &ml, &err) == -1 &&
	    strstr(err.msg, "not in zone") != NULL, "build: out of zone");
	u.name = "x";
	u.op = AM_DNS_UPDATE_REPLACE;
	u.txt = "";
	ok(am_dns_update_build(&u, &k, 1, &w, &n, mac, &ml, &err) == -1,
	    "build: an empty value refused");
}

/* A reply to the request w[n]: rcode, signed with secret (NULL: not
 * signed), TSIG error terr (then with an empty MAC). */
static uint8_t *
reply(const uint8_t *w, size_t n, int rcode, const char *secret, int terr,
    size_t *len)
{
	ldns_pkt	*p = NULL;
	ldns_rdf	*mac;
	uint8_t		*out = NULL, e[2] = { 0, (uint8_t)terr }, z[2] = { 0 };

	if (ldns_wire2pkt(&p, w, n) != LDNS_STATUS_OK)
		return NULL;
	mac = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(p), 3));
	ldns_rr_free(ldns_pkt_tsig(p));
	ldns_pkt_set_tsig(p, NULL);
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_rcode(p, (uint8_t)rcode);
	if (secret != NULL)
		(void)ldns_pkt_tsig_sign(p, "update.example.", secret, 300,
		    "hmac-sha256", mac);
	if (terr != 0) {
		ldns_rdf_deep_free(ldns_rr_set_rdf(ldns_pkt_tsig(p),
		    ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16_DATA, 2, z), 3));
		ldns_rdf_deep_free(ldns_rr_set_rdf(ldns_pkt_tsig(p),
		    ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16, 2, e), 5));
	}
	(void)ldns_pkt2wire(&out, p, len);
	ldns_rdf_deep_free(mac);
	ldns_pkt_free(p);
	return out;
}

static int
check(int rcode, const char *secret, int terr, uint16_t id_delta,
    struct am_err *err)
{
	struct am_dns_tsig_key	 k = key(SECRET);
	struct am_dns_update	 u = { "example.com", "s._domainkey.example.com",
				    AM_DNS_UPDATE_DELETE, NULL, 0 };
	uint8_t			*w, *r, mac[64];
	size_t			 n, rn, ml;
	int			 rc;

	if (am_dns_update_build(&u, &k, 77, &w, &n, mac, &ml, err) == -1 ||
	    (r = reply(w, n, rcode, secret, terr, &rn)) == NULL)
		return -2;
	am_err_clear(err);
	rc = am_dns_update_check(r, rn, (uint16_t)(77 + id_delta), &k, mac, ml,
	    err);
	free(w);
	free(r);
	return rc;
}

static void
test_check(void)
{
	struct am_err	 err;

	is_int(check(LDNS_RCODE_NOERROR, SECRET, 0, 0, &err), 0,
	    "check: NOERROR signed over our MAC");
	ok(check(LDNS_RCODE_REFUSED, SECRET, 0, 0, &err) == -1 &&
	    strstr(err.msg, "REFUSED") != NULL, "check: REFUSED says so");
	ok(check(LDNS_RCODE_NOTAUTH, SECRET, 0, 0, &err) == -1 &&
	    strstr(err.msg, "NOTAUTH") != NULL, "check: NOTAUTH says so");
	ok(check(LDNS_RCODE_NOERROR, NULL, 0, 0, &err) == -1 &&
	    strstr(err.msg, "not signed") != NULL, "check: unsigned NOERROR");
	ok(check(LDNS_RCODE_NOERROR, SECRET2, 0, 0, &err) == -1 &&
	    strstr(err.msg, "bad TSIG") != NULL, "check: another key's MAC");
	ok(check(LDNS_RCODE_NOTAUTH, SECRET, 16, 0, &err) == -1 &&
	    strstr(err.msg, "BADSIG") != NULL, "check: BADSIG from the server");
	ok(check(LDNS_RCODE_NOTAUTH, SECRET, 17, 0, &err) == -1 &&
	    strstr(err.msg, "BADKEY") != NULL, "check: BADKEY from the server");
	ok(check(LDNS_RCODE_NOERROR, SECRET, 0, 1, &err) == -1 &&
	    strstr(err.msg, "not for our update") != NULL,
	    "check: another message ID");
	ok(am_dns_update_check((const uint8_t *)"xx", 2, 0, NULL, NULL, 0,
	    &err) == -1, "check: garbage");
}

/* A TCP server on loopback answering one update NOERROR, signed. */
static pid_t
serve_tcp(int ls)
{
	uint8_t	 buf[65536], *r;
	size_t	 n, rn;
	pid_t	 pid;
	int	 fd;

	if ((pid = fork()) != 0)
		return pid;
	alarm(10);
	if ((fd = accept(ls, NULL, NULL)) == -1 || read(fd, buf, 2) != 2)
		_exit(1);
	n = (size_t)buf[0] << 8 | buf[1];
	if (recv(fd, buf, n, MSG_WAITALL) != (ssize_t)n ||
	    (r = reply(buf, n, LDNS_RCODE_NOERROR, SECRET, 0, &rn)) == NULL)
		_exit(1);
	buf[0] = (uint8_t)(rn >> 8);
	buf[1] = (uint8_t)rn;
	memcpy(buf + 2, r, rn);
	(void)write(fd, buf, rn + 2);
	_exit(0);
}

static int
listener(int type, struct am_dns_update_server *s)
{
	struct sockaddr_in	 sin;
	socklen_t		 sl = sizeof(sin);
	int			 fd = socket(AF_INET, type, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    (type == SOCK_STREAM && listen(fd, 1) == -1) ||
	    getsockname(fd, (struct sockaddr *)&sin, &sl) == -1)
		return -1;
	memcpy(&s->ss, &sin, sl);
	s->sslen = sl;
	return fd;
}

static void
test_send(void)
{
	struct am_dns_tsig_key		 k = key(SECRET);
	struct am_dns_update		 u = { "example.com",
					    "s._domainkey.example.com",
					    AM_DNS_UPDATE_REPLACE,
					    "v=DKIM1; p=", 300 };
	struct am_dns_update_server	 s;
	struct am_err			 err;
	struct timespec			 t0, t1;
	pid_t				 pid;
	int				 fd, st = 1;
	long				 ms;

	fd = listener(SOCK_STREAM, &s);
	ok(fd != -1, "send: a loopback TCP listener");
	pid = serve_tcp(fd);
	ok(am_dns_update_send(&u, &k, &s, AM_DNS_UPDATE_TCP, 5000, &err) == 0,
	    "send: over TCP, NOERROR with a good TSIG");
	(void)waitpid(pid, &st, 0);
	is_int(st, 0, "send: the server read one whole update");
	close(fd);

	fd = listener(SOCK_DGRAM, &s);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ok(am_dns_update_send(&u, &k, &s, AM_DNS_UPDATE_UDP, 300, &err) == -1 &&
	    strstr(err.msg, "timed out") != NULL, "send: a silent server: "
	    "timed out");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) /
	    1000000;
	ok(ms >= 250 && ms < 3000, "send: within the time bound");
	close(fd);
}

int
main(void)
{
	test_key();
	test_server();
	test_build();
	test_check();
	test_send();
	return done_testing();
}
