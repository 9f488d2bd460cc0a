#ifndef AM_DNS_UPDATE_H
#define AM_DNS_UPDATE_H

/*
 * dns_update - publish and withdraw a TXT record by DNS dynamic update
 * (RFC 2136) signed with TSIG (RFC 8945), for staged DKIM key rotation
 *
 * Usage:
 *	am_dns_tsig_key_load("/etc/authmilter/update.key", &key, &err);
 *	am_dns_update_server_parse("192.0.2.1@53", &srv, &err);
 *	u.zone = "example.com"; u.name = "s2._domainkey.example.com";
 *	u.op = AM_DNS_UPDATE_REPLACE; u.txt = "v=DKIM1; k=rsa; p=...";
 *	u.ttl = 300;
 *	am_dns_update_send(&u, &key, &srv, AM_DNS_UPDATE_TCP, 10000, &err);
 *	am_dns_tsig_key_clear(&key);
 *
 * The update message: the zone section names the zone (SOA, IN), no
 * prerequisites, and the update section either deletes the TXT RRset
 * at the name and adds the one record (replace), or only deletes it
 * (withdraw).  The TXT value is split into character-strings of at
 * most 255 octets (RFC 1035 3.3.14; RFC 6376 3.6.2.2).  The message is
 * signed with the key; the reply must carry a TSIG that verifies with
 * the same key over our request's MAC, unless the server says it could
 * not verify ours (BADKEY, BADSIG, BADTIME: such a reply is unsigned).
 *
 * Key file: BIND's key-statement syntax (what tsig-keygen writes),
 * one key:
 *	key "NAME" { algorithm hmac-sha256; secret "BASE64"; };
 * '#' and '//' comments to the end of the line and C comments are
 * skipped.  Or Knot's YAML key section, what "keymgr -t NAME ALG"
 * prints (a file whose first line that is not blank or a comment is
 * "key:"): one "- " item with the fields id, algorithm and secret, one
 * a line, in any order, bare or in matching quotes, '#' comments.
 * Parsed strictly (hostile input): one key, each of algorithm and
 * secret exactly once, nothing else; the name a domain name; the
 * algorithm one of hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha384,
 * hmac-sha512 (hmac-md5 is refused); the secret (in BIND's form one
 * quoted string on one line: no escapes, spaces inside dropped) valid
 * base64 of 16 to 512 octets.  Errors give the line and what was
 * expected, and never quote the file's text, so the secret is never
 * in a message (nor in any log).
 *
 * Ownership: the key holds the secret in place; am_dns_tsig_key_clear
 * wipes it.  Thread safety: none shared; each call has its own socket.
 */

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define AM_DNS_TSIG_NAME_MAX	255	/* text, with the trailing dot */
#define AM_DNS_TSIG_SECRET_MIN	16	/* octets */
#define AM_DNS_TSIG_SECRET_MAX	512	/* octets */
#define AM_DNS_TSIG_FILE_MAX	65536	/* octets of key file */

struct am_dns_tsig_key {
	char	name[AM_DNS_TSIG_NAME_MAX + 1];	/* lower case, final dot */
	char	alg[16];			/* "hmac-sha256" */
	char	secret[(AM_DNS_TSIG_SECRET_MAX + 2) / 3 * 4 + 1]; /* base64 */
};

int	am_dns_tsig_key_parse(const char *text, size_t len,
	    struct am_dns_tsig_key *, struct am_err *);
/* Reads path (at most AM_DNS_TSIG_FILE_MAX octets) and parses it. */
int	am_dns_tsig_key_load(const char *path, struct am_dns_tsig_key *,
	    struct am_err *);
void	am_dns_tsig_key_clear(struct am_dns_tsig_key *);

/* The server to send updates to: "IP", "IP@PORT", "[IP]", "[IP]@PORT"
 * or "[IP]:PORT" (default port 53), as Nameservers takes them. */
struct am_dns_update_server {
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
};

int	am_dns_update_server_parse(const char *,
	    struct am_dns_update_server *, struct am_err *);

enum am_dns_update_op {
	AM_DNS_UPDATE_REPLACE,		/* the TXT RRset becomes txt */
	AM_DNS_UPDATE_DELETE		/* the TXT RRset is deleted */
};

enum am_dns_update_proto {
	AM_DNS_UPDATE_TCP,
	AM_DNS_UPDATE_UDP		/* retried over TCP when truncated */
};

struct am_dns_update {
	const char		*zone;	/* the zone's apex */
	const char		*name;	/* at or under zone */
	enum am_dns_update_op	 op;
	const char		*txt;	/* REPLACE: the value, 1..4000 octets */
	uint32_t		 ttl;	/* REPLACE: the record's TTL */
};

#define AM_DNS_UPDATE_TXT_MAX	4000

/*
 * am_dns_update_build - the signed update message, in wire form
 * (*wire allocated, the caller frees it), with message ID id, and its
 * TSIG MAC in mac[*mac_len] (at most 64 octets) for checking the reply.
 */
int	am_dns_update_build(const struct am_dns_update *,
	    const struct am_dns_tsig_key *, uint16_t id, uint8_t **wire,
	    size_t *len, uint8_t mac[64], size_t *mac_len, struct am_err *);

/*
 * am_dns_update_check - does the reply buf[n] say the update with
 * message ID id and request MAC mac was done?  0 when NOERROR with a
 * TSIG that verifies; else -1, err saying why (the RCODE's name:
 * NOTAUTH, REFUSED...; the TSIG error: BADSIG, BADKEY, BADTIME; an
 * unsigned or badly signed reply).
 */
int	am_dns_update_check(const uint8_t *buf, size_t n, uint16_t id,
	    const struct am_dns_tsig_key *, const uint8_t *mac,
	    size_t mac_len, struct am_err *);

/*
 * am_dns_update_send - build, send to srv, wait at most timeout_ms in
 * all for the reply, and check it: 0 done, -1 (err: why, "timed out"
 * included).
 */
int	am_dns_update_send(const struct am_dns_update *,
	    const struct am_dns_tsig_key *,
	    const struct am_dns_update_server *, enum am_dns_update_proto,
	    unsigned timeout_ms, struct am_err *);

#endif /* AM_DNS_UPDATE_H */
