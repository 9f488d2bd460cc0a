#ifndef AM_KEYWATCH_H
#define AM_KEYWATCH_H

/*
 * keywatch - the daemon's key watch (KeyWatch, KeyWatchInterval,
 * KeyWatchPort, KeyRetireDays): staged DKIM key rotation finished by
 * the daemon itself
 *
 * One background thread, never a milter thread, started once the
 * daemon serves.  Every KeyWatchInterval seconds (and once right after
 * start) it reads the rotation state file beside the KeyTable of the
 * current snapshot (keystate.h; only for a KeyTable given as an
 * absolute path, "file:" or plain).  For each pending key it runs
 * am_keyrotate_check (keyrotate.h): the zone's authoritative servers
 * are found through the snapshot's resolver (Nameservers), and each of
 * their addresses is asked directly, RD clear, on KeyWatchPort, for the
 * key's TXT record.  Only when every one of them returns a record that
 * matches the private key does it promote the key, with the same
 * function as `authmilter-tool keys retire`: the state file says
 * active (the key active before it: retiring), the KeyTable lines that
 * named the old key name the new one, and a reload is asked for (the
 * same as SIGHUP: a whole new snapshot, swapped atomically).  The
 * daemon never signs with a pending key: a snapshot signs with what the
 * KeyTable names, and the KeyTable names a key only once it is active.
 * A retiring key past KeyRetireDays is told (it does not edit zones):
 *	revoke now: publish S._domainkey.D TXT "v=DKIM1; p="
 * Each step is logged once ("key-watch:" prefix): waiting for the
 * record at a server (with what that server said), the promotion, a
 * failure to write the files (the daemon's user must be able to write
 * the KeyTable's directory; else run `authmilter-tool keys retire` as
 * root), the revoke reminder.
 *
 * With AUTHMILTER_TEST_DNS (tests) the zone files stand for every
 * authoritative server.
 *
 * Thread safety: start and stop from the main thread only.
 */

/* Starts the thread; reload(arg) asks for a reload (the SIGHUP path). */
void	am_keywatch_start(void (*reload)(void *), void *arg);
/* Stops it: waits at most two seconds (a check in slow DNS is left
 * behind, the process exits anyway). */
void	am_keywatch_stop(void);

#endif /* AM_KEYWATCH_H */
