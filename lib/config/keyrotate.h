#ifndef AM_KEYROTATE_H
#define AM_KEYROTATE_H

/*
 * keyrotate - the steps of staged DKIM key rotation that both
 * `authmilter-tool keys` and the daemon's key watch (milter/keywatch.c)
 * take, so that they take them the same way:
 *
 *  - am_keyrotate_check: is a key's record published and matching its
 *    private key at every authoritative name server of its zone?  The
 *    zone apex is found by walking up from SELECTOR._domainkey.DOMAIN
 *    with NS questions to the resolver given (the first name that has
 *    NS records); the servers' addresses (A, AAAA) come from the same
 *    resolver; each address is then asked directly, with RD clear
 *    (am_dns_direct_new), for the key's TXT record.  Only when every
 *    one of them returns a record whose p= is the private key's public
 *    half (RFC 6376 3.6.1; am_pkey_public_eq) is the key seen.  With
 *    "local" set (zone files: tests and the tool's --zone), the
 *    resolver itself stands for every authoritative server.
 *  - am_keyrotate_activate: the pending key of DOMAIN and ALG becomes
 *    active and the active one retiring; the KeyTable lines that named
 *    the old key name the new one (same key name, so the SigningTable
 *    is unchanged), or a line is added when none did.  The KeyTable is
 *    written to a temporary file and renamed; the caller saves the
 *    state file after it (keystate.h) and reloads the daemon.
 *
 * Neither ever makes a pending key sign: only activation does, and the
 * callers activate only a key am_keyrotate_check found seen (the tool's
 * --force aside).
 *
 * Thread safety: none; one caller at a time per KeyTable.  The check
 * only reads; it may take several DNS timeouts (bounded by timeout_ms
 * per server).
 */

#include <stddef.h>
#include <stdint.h>

#include "dns.h"
#include "err.h"
#include "keystate.h"

/* "KeyTable" option value -> the state file (KEYTABLE.state), without
 * a "file:" prefix; -1 for other table types or when it does not fit. */
int	am_keyrotate_state_path(const char *keytable, char *out, size_t size);

/* The KeyTable's key for domain and alg (by the private key's type),
 * recorded as active at now, when none is recorded yet.  0 added or
 * already there, -1 none found. */
int	am_keyrotate_import(const char *keytable, struct am_keystate_file *,
	    const char *domain, const char *alg, uint64_t now,
	    struct am_err *);

#define AM_KEYROTATE_MAXSRV	16
struct am_keyrotate_srv {
	char	 name[256];		/* the NS name */
	char	 addr[64];		/* "IP@PORT" asked */
	int	 ok;			/* a matching record */
	int	 skipped;		/* no route to addr from here */
	char	 why[160];		/* else what it said */
};
struct am_keyrotate_seen {
	char			 apex[256];	/* the zone, "" if not found */
	struct am_keyrotate_srv	 srv[AM_KEYROTATE_MAXSRV];
	size_t			 n;
	int			 all;		/* every server matches */
	char			 why[256];	/* when not all: a summary */
};

/*
 * am_keyrotate_check - see above.  port: the port asked at each
 * authoritative server (53 but in tests); timeout_ms per server.
 * Returns out->all.
 */
int	am_keyrotate_check(struct am_dns *resolver, int local,
	    const struct am_keystate_entry *, unsigned port,
	    unsigned timeout_ms, struct am_keyrotate_seen *out);

/* Does one TXT answer of dns for the key's name hold a record matching
 * the key?  why gets the status or the problem when not. */
int	am_keyrotate_matches(struct am_dns *, const struct am_keystate_entry *,
	    char *why, size_t size);

/* What am_keyrotate_activate did. */
struct am_keyrotate_done {
	char	 old_selector[64];	/* "" when none was active */
	int	 line_added;		/* no KeyTable line named the old key */
};
/* See above.  -1 (err) when there is no pending key or the KeyTable
 * cannot be read or written; st is then unchanged. */
int	am_keyrotate_activate(const char *keytable, struct am_keystate_file *,
	    const char *domain, const char *alg, uint64_t now,
	    struct am_keyrotate_done *, struct am_err *);

/* The record to publish for a key, as a zone-file line
 * ("SEL._domainkey.DOMAIN. IN TXT ( "v=DKIM1; k=...; " "p=..." )"). */
int	am_keyrotate_record(const struct am_keystate_entry *, char **out,
	    struct am_err *);

#endif /* AM_KEYROTATE_H */
