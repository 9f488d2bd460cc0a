/*
 * cmd_keys - authmilter-tool keys: staged DKIM key rotation
 *
 *	authmilter-tool keys rotate -t KEYTABLE -d DOMAIN -s SELECTOR
 *	    [-a rsa|ed25519] [-b BITS] [-D DIR] [--state FILE]
 *	authmilter-tool keys status -t KEYTABLE [--state FILE] [DNS]
 *	authmilter-tool keys retire -t KEYTABLE -d DOMAIN [-a ALG]
 *	    [-s SELECTOR] [--force] [DNS]
 *	authmilter-tool keys revoke -t KEYTABLE -d DOMAIN -s SELECTOR
 *	    [--grace DAYS] [--force] [--state FILE]
 *	authmilter-tool keys activate -t KEYTABLE -d DOMAIN [-a ALG]
 *	    [--force] [DNS]
 *	authmilter-tool keys delete -t KEYTABLE -d DOMAIN -s SELECTOR
 *	    [--state FILE]
 *	authmilter-tool keys publish -c CONFIG -t KEYTABLE -d DOMAIN
 *	    -s SELECTOR [-a ALG] [--state FILE]
 * -c CONFIG (any verb): with KeyUpdateServer set there, rotate, revoke
 * and delete also publish or withdraw the record by dynamic update
 * (cmd_keys_update.c); publish does it again by hand.
 * DNS: [--zone ZONEFILE]... [--nameserver IP[@PORT]] [--ns-port PORT]
 * [--dns-timeout SECONDS]; --now UNIXTIME for tests.
 *
 * The states and the state file are keystate.h's (default path: the
 * KeyTable's with ".state").  rotate makes the next key (keygen's
 * files, in DIR, default the current key's directory), records it
 * pending, and prints the record to publish; the first rotate of a
 * domain and algorithm records the KeyTable's current key as active.
 * The daemon's key watch (authmilter.8) makes a pending key active by
 * itself once it sees its record at every authoritative server; by
 * hand, retire (the active key's view: it retires, its pending
 * successor becomes active) and activate (the pending key's view) do
 * the same, only when the record is seen (keyrotate.h: through the
 * zone's servers found with --nameserver or resolv.conf and asked
 * directly on --ns-port; with --zone, through the zone files), and
 * rewrite the KeyTable (keyrotate.c, shared with the daemon).  revoke
 * (after --grace days retiring, default 7: more than Postfix's default
 * maximal_queue_lifetime of 5 days) prints the empty-p= record that
 * replaces the old one; delete removes a revoked key's private key.
 * status prints one line per key: DOMAIN ALG SELECTOR STATE AGE NEXT.
 * One function per verb (am_keys_verbs).
 *
 * Exit: 0 done, 1 refused (record not seen, grace not over), 64 usage,
 * 66 a file that does not load, 69 a dynamic update that failed (the
 * state is saved), 73 a file that cannot be written.
 */

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cmd_keys_update.h"
#include "keyrotate.h"
#include "keystate.h"
#include "tool.h"

#define AM_KEYS_GRACE_DAYS	7
#define AM_KEYS_LOCK_WAIT_MS	30000	/* for the state file's lock */

struct am_keys_args {
	const char		*verb;
	const char		*keytable, *state, *domain, *selector;
	const char		*alg, *bits, *dir;
	const char		*config;	/* -c: KeyUpdate* options */
	int			 force;
	unsigned long long	 grace_days, now, ns_port;
	struct am_tool_dns_args	 dns;
	char			 statebuf[4096];
};

static int
am_keys_usage(void)
{
	fprintf(stderr, "usage: authmilter-tool keys rotate -t KEYTABLE "
	    "-d DOMAIN -s SELECTOR [-a rsa|ed25519]\n"
	    "\t\t[-b BITS] [-D DIR] [--state FILE]\n"
	    "       authmilter-tool keys status -t KEYTABLE [--state FILE] "
	    "[DNS]\n"
	    "       authmilter-tool keys retire -t KEYTABLE -d DOMAIN "
	    "[-a ALG] [-s SELECTOR] [--force] [DNS]\n"
	    "       authmilter-tool keys revoke|delete -t KEYTABLE -d DOMAIN "
	    "-s SELECTOR [--grace DAYS]\n"
	    "\t\t[--force]\n"
	    "       authmilter-tool keys activate -t KEYTABLE -d DOMAIN "
	    "[-a ALG] [--force] [DNS]\n"
	    "       authmilter-tool keys publish -c CONFIG -t KEYTABLE "
	    "-d DOMAIN -s SELECTOR [-a ALG]\n"
	    "Any verb: [-c CONFIG] (KeyUpdateServer: publish by dynamic "
	    "update)\n"
	    "DNS: [--zone ZONEFILE]... [--nameserver IP[@PORT]] "
	    "[--ns-port PORT] [--dns-timeout SECONDS]\n");
	return AM_TOOL_EXIT_USAGE;
}

static int
am_keys_parse(int argc, char **argv, struct am_keys_args *a)
{
	static const struct option longopts[] = {
		AM_TOOL_DNS_LONGOPTS,
		{ "state", required_argument, NULL, 'S' },
		{ "force", no_argument, NULL, 'f' },
		{ "grace", required_argument, NULL, 'g' },
		{ "now", required_argument, NULL, 'N' },
		{ "ns-port", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 }
	};
	int	 c, r;

	memset(a, 0, sizeof(*a));
	a->alg = "rsa";
	a->grace_days = AM_KEYS_GRACE_DAYS;
	a->ns_port = 53;
	if (argc < 2)
		return -1;
	a->verb = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "t:d:s:a:b:D:c:", longopts,
	    NULL)) != -1) {
		if ((r = am_tool_dns_opt(c, optarg, &a->dns)) != 0) {
			if (r == -1)
				return -1;
			continue;
		}
		switch (c) {
		case 't': a->keytable = optarg; break;
		case 'd': a->domain = optarg; break;
		case 's': a->selector = optarg; break;
		case 'a': a->alg = optarg; break;
		case 'b': a->bits = optarg; break;
		case 'D': a->dir = optarg; break;
		case 'c': a->config = optarg; break;
		case 'S': a->state = optarg; break;
		case 'f': a->force = 1; break;
		case 'g':
		case 'N':
		case 'P':
			if (am_tool_parse_u64(optarg, c == 'g' ? &a->grace_days :
			    c == 'N' ? &a->now : &a->ns_port) == -1) {
				am_tool_errx("expected a number, got '%s'",
				    optarg);
				return -1;
			}
			break;
		default:
			return -1;
		}
	}
	if (optind != argc || a->keytable == NULL || a->ns_port == 0 ||
	    a->ns_port > 65535 ||
	    (strcmp(a->alg, "rsa") != 0 && strcmp(a->alg, "ed25519") != 0))
		return -1;
	if (a->state == NULL) {
		(void)snprintf(a->statebuf, sizeof(a->statebuf), "%s.state",
		    a->keytable);
		a->state = a->statebuf;
	}
	if (a->now == 0)
		a->now = (unsigned long long)time(NULL);
	return 0;
}

/* ---------------------------------------------------------------- DNS */

/*
 * Is e's record seen (keyrotate.h)?  With --zone the zone files stand
 * for every authoritative server; else the zone's servers are found
 * through --nameserver (or resolv.conf) and each is asked directly, on
 * --ns-port.  why gets the first problem.
 */
static int
am_keys_seen(const struct am_keys_args *a, const struct am_keystate_entry *e,
    struct am_keyrotate_seen *seen)
{
	struct am_dns	*dns;
	int		 ok;

	if ((dns = am_tool_dns_open(&a->dns, NULL, 5000)) == NULL) {
		memset(seen, 0, sizeof(*seen));
		(void)snprintf(seen->why, sizeof(seen->why), "no DNS");
		return 0;
	}
	ok = am_keyrotate_check(dns, a->dns.nzones > 0, e,
	    (unsigned)a->ns_port, a->dns.timeout_ms ? a->dns.timeout_ms :
	    3000, seen);
	am_dns_free(&dns);
	return ok;
}

/* ---------------------------------------------------------------- verbs */

static int
am_keys_copy(char *dst, size_t size, const char *src)
{
	size_t	 n = strlen(src);

	if (n >= size)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

/* keygen's argv for the new key. */
static int
am_keys_keygen(const struct am_keys_args *a, const char *dir)
{
	char	*argv[12];
	int	 argc = 0;

	argv[argc++] = (char *)"keygen";
	argv[argc++] = (char *)"-d";
	argv[argc++] = (char *)a->domain;
	argv[argc++] = (char *)"-s";
	argv[argc++] = (char *)a->selector;
	argv[argc++] = (char *)"-a";
	argv[argc++] = (char *)a->alg;
	argv[argc++] = (char *)"-D";
	argv[argc++] = (char *)dir;
	if (a->bits != NULL) {
		argv[argc++] = (char *)"-b";
		argv[argc++] = (char *)a->bits;
	}
	argv[argc] = NULL;
	return am_cmd_keygen(argc, argv);
}

static int
am_keys_rotate(const struct am_keys_args *a, struct am_keystate_file *st)
{
	struct am_keystate_entry	 e, *cur;
	struct am_err			 err;
	char				 dirbuf[1024];
	const char			*dir = a->dir;
	int				 rc;

	if (a->domain == NULL || a->selector == NULL)
		return am_keys_usage();
	if (am_keystate_find(st, a->domain, a->alg, NULL,
	    AM_KEYSTATE_PENDING) != NULL) {
		am_tool_errx("%s %s: a key is already pending; it must become "
		    "active first", a->domain, a->alg);
		return AM_TOOL_EXIT_PROBLEM;
	}
	(void)am_keyrotate_import(a->keytable, st, a->domain, a->alg, a->now,
	    &err);
	cur = am_keystate_find(st, a->domain, a->alg, NULL,
	    AM_KEYSTATE_ACTIVE);
	if (am_keystate_find(st, a->domain, a->alg, a->selector,
	    AM_KEYSTATE_ACTIVE) != NULL || (cur != NULL &&
	    strcmp(cur->selector, a->selector) == 0)) {
		am_tool_errx("%s: the active key's selector", a->selector);
		return AM_TOOL_EXIT_USAGE;
	}
	if (dir == NULL) {
		(void)snprintf(dirbuf, sizeof(dirbuf), "%s", cur != NULL ?
		    cur->keyfile : a->keytable);
		dir = dirname(dirbuf);
	}
	memset(&e, 0, sizeof(e));
	if (am_keys_copy(e.domain, sizeof(e.domain), a->domain) == -1 ||
	    am_keys_copy(e.alg, sizeof(e.alg), a->alg) == -1 ||
	    am_keys_copy(e.selector, sizeof(e.selector), a->selector) == -1 ||
	    (size_t)snprintf(e.keyfile, sizeof(e.keyfile), "%s/%s.private",
	    dir, a->selector) >= sizeof(e.keyfile)) {
		am_tool_errx("%s, %s: too long", a->domain, a->selector);
		return AM_TOOL_EXIT_USAGE;
	}
	e.state = AM_KEYSTATE_PENDING;
	printf("# Rotating %s %s: new key %s, pending until its record is "
	    "published.\n", a->domain, a->alg, a->selector);
	if ((rc = am_keys_keygen(a, dir)) != AM_TOOL_EXIT_OK)
		return rc;
	e.since = a->now;
	am_keystate_add(st, &e);
	printf("# Next: publish the DNS TXT record above at every "
	    "authoritative server of the zone\n"
	    "# (the KeyTable and SigningTable lines above are not needed: "
	    "the line naming\n"
	    "# the current key is repointed when the new one becomes "
	    "active).\n"
	    "# The daemon (KeyWatch) signs with it once it sees the record "
	    "at all of them;\n"
	    "# without the daemon: authmilter-tool keys retire -t %s -d %s "
	    "-a %s\n", a->keytable, a->domain, a->alg);
	return AM_TOOL_EXIT_OK;
}

/*
 * The pending key becomes active once its record is seen, the active
 * one retiring (keyrotate.h: the daemon's key watch runs the same).
 */
static int
am_keys_promote(const struct am_keys_args *a, struct am_keystate_file *st)
{
	struct am_keystate_entry	*p;
	struct am_keyrotate_seen	 seen;
	struct am_keyrotate_done	 done;
	struct am_err			 err;

	if ((p = am_keystate_find(st, a->domain, a->alg, NULL,
	    AM_KEYSTATE_PENDING)) == NULL) {
		am_tool_errx("%s %s: no pending key (keys rotate makes one)",
		    a->domain, a->alg);
		return AM_TOOL_EXIT_PROBLEM;
	}
	if (!am_keys_seen(a, p, &seen)) {
		if (!a->force) {
			am_tool_errx("%s._domainkey.%s: not active: its record "
			    "is not seen (%s); publish it and try again",
			    p->selector, p->domain, seen.why);
			return AM_TOOL_EXIT_PROBLEM;
		}
		am_tool_errx("warning: --force: %s", seen.why);
	}
	am_err_clear(&err);
	if (am_keyrotate_activate(a->keytable, st, a->domain, a->alg, a->now,
	    &done, &err) == -1) {
		am_tool_errx("%s", err.msg);
		return AM_TOOL_EXIT_CANTCREAT;
	}
	if (done.line_added)
		printf("# %s: no line named the old key; added one (add a "
		    "SigningTable line for it)\n", a->keytable);
	printf("%s._domainkey.%s is active%s%s%s.\n# Reload the daemon "
	    "(kill -HUP) to sign with it.  Keep the old record published "
	    "for at least %llu days, then: keys revoke.\n", p->selector,
	    p->domain, done.old_selector[0] ?
	    "; " : "", done.old_selector, done.old_selector[0] ?
	    " is retiring" : "", a->grace_days);
	return AM_TOOL_EXIT_OK;
}

static int
am_keys_activate(const struct am_keys_args *a, struct am_keystate_file *st)
{
	if (a->domain == NULL)
		return am_keys_usage();
	return am_keys_promote(a, st);
}

/*
 * retire: the active key (-s names it, else the domain's) is replaced
 * by the pending one, as activate does; a key already retiring (the
 * daemon promoted its successor) is told so.
 */
static int
am_keys_retire(const struct am_keys_args *a, struct am_keystate_file *st)
{
	struct am_keystate_entry	*e;
	char				 date[32];
	time_t				 t;

	if (a->domain == NULL)
		return am_keys_usage();
	if (a->selector != NULL && (e = am_keystate_find(st, a->domain,
	    a->alg, a->selector, AM_KEYSTATE_RETIRING)) != NULL) {
		t = (time_t)(e->since + a->grace_days * 86400);
		(void)strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC",
		    gmtime(&t));
		printf("%s._domainkey.%s is retiring already (since its "
		    "successor became active); revoke after %s.\n",
		    e->selector, e->domain, date);
		return AM_TOOL_EXIT_OK;
	}
	if (a->selector != NULL && am_keystate_find(st, a->domain, a->alg,
	    a->selector, AM_KEYSTATE_ACTIVE) == NULL) {
		am_tool_errx("%s %s %s: not active", a->domain, a->alg,
		    a->selector);
		return AM_TOOL_EXIT_PROBLEM;
	}
	if (am_keystate_find(st, a->domain, a->alg, NULL,
	    AM_KEYSTATE_PENDING) == NULL) {
		am_tool_errx("%s %s: nothing to sign with instead; keys "
		    "rotate first", a->domain, a->alg);
		return AM_TOOL_EXIT_PROBLEM;
	}
	return am_keys_promote(a, st);
}

static int
am_keys_revoke(const struct am_keys_args *a, struct am_keystate_file *st)
{
	struct am_keystate_entry	*e;
	unsigned long long		 age;

	if (a->domain == NULL || a->selector == NULL)
		return am_keys_usage();
	if ((e = am_keystate_find(st, a->domain, a->alg, a->selector,
	    AM_KEYSTATE_RETIRING)) == NULL) {
		am_tool_errx("%s %s %s: not retiring", a->domain, a->alg,
		    a->selector);
		return AM_TOOL_EXIT_PROBLEM;
	}
	age = a->now > e->since ? (a->now - e->since) / 86400 : 0;
	if (age < a->grace_days && !a->force) {
		am_tool_errx("%s: retiring for %llu of %llu days; mail it "
		    "signed may still be queued", a->selector, age,
		    a->grace_days);
		return AM_TOOL_EXIT_PROBLEM;
	}
	e->state = AM_KEYSTATE_REVOKED;
	e->since = a->now;
	printf("# Replace the record of %s._domainkey.%s with:\n"
	    "%s._domainkey.%s. IN TXT \"v=DKIM1; p=\"\n", e->selector,
	    e->domain, e->selector, e->domain);
	return AM_TOOL_EXIT_OK;
}

static int
am_keys_delete(const struct am_keys_args *a, struct am_keystate_file *st)
{
	struct am_keystate_entry	*e;

	if (a->domain == NULL || a->selector == NULL)
		return am_keys_usage();
	if ((e = am_keystate_find(st, a->domain, a->alg, a->selector,
	    AM_KEYSTATE_REVOKED)) == NULL) {
		am_tool_errx("%s %s %s: not revoked", a->domain, a->alg,
		    a->selector);
		return AM_TOOL_EXIT_PROBLEM;
	}
	if (unlink(e->keyfile) == -1 && errno != ENOENT) {
		am_tool_errx("%s: %s", e->keyfile, strerror(errno));
		return AM_TOOL_EXIT_CANTCREAT;
	}
	e->state = AM_KEYSTATE_DELETED;
	e->since = a->now;
	printf("%s: deleted\n", e->keyfile);
	return AM_TOOL_EXIT_OK;
}

/* A pending key's next step: what the authoritative servers say. */
static void
am_keys_next_pending(const struct am_keys_args *a,
    const struct am_keystate_entry *e, char *buf, size_t size)
{
	struct am_keyrotate_seen	 seen;
	struct am_err			 err;
	char				*rec = NULL;
	size_t				 i, off, had = 0;

	if (am_keys_seen(a, e, &seen)) {
		(void)snprintf(buf, size, "record seen at every authoritative "
		    "server: the daemon signs with it after its next key "
		    "watch (or: keys retire)");
		return;
	}
	for (i = 0; i < seen.n; i++)
		if (seen.srv[i].ok)
			had++;
	if (had > 0) {
		off = (size_t)snprintf(buf, size, "waiting for the record at");
		for (i = 0; i < seen.n && off < size; i++)
			if (!seen.srv[i].ok)
				off += (size_t)snprintf(buf + off, size - off,
				    " %s", seen.srv[i].addr[0] ?
				    seen.srv[i].addr : seen.srv[i].name);
		return;
	}
	if (am_keyrotate_record(e, &rec, &err) == 0)
		(void)snprintf(buf, size, "publish the record: %s", rec);
	else
		(void)snprintf(buf, size, "publish its record (%s)", err.msg);
	free(rec);
}

static void
am_keys_date(uint64_t t, char *buf, size_t size)
{
	time_t	 tt = (time_t)t;

	(void)strftime(buf, size, "%Y-%m-%d", gmtime(&tt));
}

static void
am_keys_next(const struct am_keys_args *a, const struct am_keystate_entry *e,
    char *buf, size_t size)
{
	char	 date[32];
	uint64_t grace = a->grace_days * 86400;

	switch (e->state) {
	case AM_KEYSTATE_PENDING:
		am_keys_next_pending(a, e, buf, size);
		return;
	case AM_KEYSTATE_ACTIVE:
		(void)snprintf(buf, size, "signing");
		return;
	case AM_KEYSTATE_RETIRING:
		am_keys_date(e->since + grace, date, sizeof(date));
		if (a->now >= e->since + grace)
			(void)snprintf(buf, size, "grace over since %s: keys "
			    "revoke", date);
		else
			(void)snprintf(buf, size, "retiring until %s, then "
			    "revoke", date);
		return;
	case AM_KEYSTATE_REVOKED:
		am_keys_date(e->since + 86400, date, sizeof(date));
		(void)snprintf(buf, size, "revoke: publish %s._domainkey.%s. "
		    "IN TXT \"v=DKIM1; p=\"; delete the private key after %s "
		    "(keys delete)", e->selector, e->domain, date);
		return;
	case AM_KEYSTATE_DELETED:
		break;
	}
	(void)snprintf(buf, size, "none");
}

static int
am_keys_status(const struct am_keys_args *a, struct am_keystate_file *st)
{
	char	 buf[4096];
	size_t	 i;

	for (i = 0; i < st->n; i++) {
		am_keys_next(a, &st->e[i], buf, sizeof(buf));
		printf("%s %s %s %s %llud %s\n", st->e[i].domain,
		    st->e[i].alg, st->e[i].selector,
		    am_keystate_name(st->e[i].state),
		    (unsigned long long)(a->now > st->e[i].since ?
		    (a->now - st->e[i].since) / 86400 : 0), buf);
	}
	return AM_TOOL_EXIT_OK;
}

/* publish: the record again by dynamic update (cmd_keys_update.c). */
static int
am_keys_publish(const struct am_keys_args *a, struct am_keystate_file *st)
{
	return am_keys_update_publish(a->config, st, a->domain, a->alg,
	    a->selector);
}

/* One function per verb; status and publish write no state. */
static const struct {
	const char	*verb;
	int		(*fn)(const struct am_keys_args *,
			    struct am_keystate_file *);
	int		 writes;
} am_keys_verbs[] = {
	{ "rotate", am_keys_rotate, 1 },
	{ "status", am_keys_status, 0 },
	{ "retire", am_keys_retire, 1 },
	{ "revoke", am_keys_revoke, 1 },
	{ "activate", am_keys_activate, 1 },
	{ "delete", am_keys_delete, 1 },
	{ "publish", am_keys_publish, 0 },
};

int
am_cmd_keys(int argc, char **argv)
{
	struct am_keys_args	 a;
	struct am_keystate_file	 st;
	struct am_err		 err;
	size_t			 i;
	int			 rc, lock = -1;

	if (am_keys_parse(argc, argv, &a) == -1)
		return am_keys_usage();
	for (i = 0; i < sizeof(am_keys_verbs) / sizeof(am_keys_verbs[0]); i++)
		if (strcmp(a.verb, am_keys_verbs[i].verb) == 0)
			break;
	if (i == sizeof(am_keys_verbs) / sizeof(am_keys_verbs[0]))
		return am_keys_usage();
	am_err_clear(&err);
	if (access(a.keytable, R_OK) == -1) {
		am_tool_errx("%s: %s", a.keytable, strerror(errno));
		return AM_TOOL_EXIT_INPUT;
	}
	/* Writers one at a time: the daemon's key watch takes it too. */
	if (am_keys_verbs[i].writes && (rc = am_keystate_lock(a.state,
	    AM_KEYS_LOCK_WAIT_MS, &lock, &err)) != 0) {
		if (rc == 1) {
			am_tool_errx("%s: busy: the daemon's key watch or "
			    "another authmilter-tool keys is changing it; try "
			    "again", a.state);
			return AM_TOOL_EXIT_TEMPFAIL;
		}
		am_tool_errx("%s", err.msg);
		return AM_TOOL_EXIT_CANTCREAT;
	}
	if (am_keystate_load(a.state, &st, &err) == -1) {
		am_tool_errx("%s", err.msg);
		am_keystate_unlock(&lock);
		return AM_TOOL_EXIT_INPUT;
	}
	rc = am_keys_verbs[i].fn(&a, &st);
	if (rc == AM_TOOL_EXIT_OK && am_keys_verbs[i].writes &&
	    am_keystate_save(a.state, &st, &err) == -1) {
		am_tool_errx("%s", err.msg);
		rc = AM_TOOL_EXIT_CANTCREAT;
	} else if (rc == AM_TOOL_EXIT_OK && am_keys_verbs[i].writes)
		rc = am_keys_update_after(a.config, a.verb, &st, a.domain,
		    a.alg, a.selector);
	am_keystate_unlock(&lock);
	am_keystate_release(&st);
	return rc;
}
