/*
 * cmd_keys - authmilter-tool keys: staged DKIM key rotation
 *
 *	authmilter-tool keys rotate -t KEYTABLE -d DOMAIN -s SELECTOR
 *	    [-a rsa|ed25519] [-b BITS] [-D DIR] [--state FILE]
 *	authmilter-tool keys status -t KEYTABLE [--state FILE] [DNS]
 *	authmilter-tool keys activate -t KEYTABLE -d DOMAIN [-a ALG]
 *	    [--state FILE] [--force] [DNS]
 *	authmilter-tool keys revoke -t KEYTABLE -d DOMAIN -s SELECTOR
 *	    [--grace DAYS] [--force] [--state FILE]
 *	authmilter-tool keys delete -t KEYTABLE -d DOMAIN -s SELECTOR
 *	    [--state FILE]
 *	authmilter-tool keys publish -c CONFIG -t KEYTABLE -d DOMAIN
 *	    -s SELECTOR [-a ALG] [--state FILE]
 * -c CONFIG (any verb): with KeyUpdateServer set there, rotate, revoke
 * and delete also publish or withdraw the record by dynamic update
 * (cmd_keys_update.c); publish does it again by hand.
 * DNS: [--zone ZONEFILE]... [--nameserver IP[@PORT]] [--dns-timeout S];
 * --now UNIXTIME for tests.
 *
 * The states and the state file are keystate.h's (default path: the
 * KeyTable's with ".state").  rotate makes the next key (keygen's
 * files, in DIR, default the current key's directory), records it
 * pending, and prints the record to publish; the first rotate of a
 * domain and algorithm records the KeyTable's current key as active.
 * activate makes the pending key active only once its record is seen
 * and matches the private key (lib/audit's DKIM checks) through the DNS
 * given (--zone; --nameserver, e.g. the zone's primary server, asked
 * directly), else the system's resolver; it then
 * rewrites the KeyTable lines naming the old key (written to a
 * temporary file and renamed) and the old key becomes retiring; the
 * daemon signs with the new key after its next reload.  revoke (after
 * --grace days retiring, default 7: more than Postfix's default
 * maximal_queue_lifetime of 5 days) prints the empty-p= record that
 * replaces the old one; delete removes a revoked key's private key.
 *
 * Exit: 0 done, 1 refused (record not seen, grace not over), 64 usage,
 * 66 a file that does not load, 73 a file that cannot be written.
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

#include "audit.h"
#include "cmd_keys_update.h"
#include "keystate.h"
#include "pkey.h"
#include "tool.h"

#define AM_KEYS_GRACE_DAYS	7

struct am_keys_args {
	const char		*verb;
	const char		*keytable, *state, *domain, *selector;
	const char		*alg, *bits, *dir;
	const char		*config;	/* -c: KeyUpdate* options */
	int			 force;
	unsigned long long	 grace_days, now;
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
	    "       authmilter-tool keys activate -t KEYTABLE -d DOMAIN "
	    "[-a ALG] [--force] [DNS]\n"
	    "       authmilter-tool keys revoke|delete -t KEYTABLE -d DOMAIN "
	    "-s SELECTOR [--grace DAYS]\n"
	    "\t\t[--force]\n"
	    "       authmilter-tool keys publish -c CONFIG -t KEYTABLE "
	    "-d DOMAIN -s SELECTOR [-a ALG]\n"
	    "Any verb: [-c CONFIG] (KeyUpdateServer: publish by dynamic "
	    "update)\n"
	    "DNS: [--zone ZONEFILE]... [--nameserver IP[@PORT]] "
	    "[--dns-timeout SECONDS]\n");
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
		{ NULL, 0, NULL, 0 }
	};
	int	 c, r;

	memset(a, 0, sizeof(*a));
	a->alg = "rsa";
	a->grace_days = AM_KEYS_GRACE_DAYS;
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
			if (am_tool_parse_u64(optarg, c == 'g' ? &a->grace_days :
			    &a->now) == -1) {
				am_tool_errx("expected a number, got '%s'",
				    optarg);
				return -1;
			}
			break;
		default:
			return -1;
		}
	}
	if (optind != argc || a->keytable == NULL ||
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

/* ---------------------------------------------------------------- KeyTable */

/* The KeyTable's lines, whole. */
struct am_keys_table {
	char	**line;
	size_t	 n;
};

static int
am_keys_table_load(const char *path, struct am_keys_table *t)
{
	FILE	*fp;
	char	 buf[4096];

	memset(t, 0, sizeof(*t));
	if ((fp = fopen(path, "r")) == NULL) {
		am_tool_errx("%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(buf, sizeof(buf), fp) != NULL) {
		buf[strcspn(buf, "\r\n")] = '\0';
		t->line = realloc(t->line, (t->n + 1) * sizeof(*t->line));
		if (t->line == NULL || (t->line[t->n] = strdup(buf)) == NULL)
			abort();
		t->n++;
	}
	(void)fclose(fp);
	return 0;
}

static void
am_keys_table_free(struct am_keys_table *t)
{
	size_t	 i;

	for (i = 0; i < t->n; i++)
		free(t->line[i]);
	free(t->line);
}

/* Line i as "name domain:selector:keyfile": the value, else NULL. */
static const char *
am_keys_table_value(const char *line)
{
	const char	*p = line;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '#' || *p == '\0')
		return NULL;
	p += strcspn(p, " \t");
	while (*p == ' ' || *p == '\t')
		p++;
	return *p != '\0' ? p : NULL;
}

static int
am_keys_table_save(const char *path, const struct am_keys_table *t)
{
	char	 tmp[4200];
	FILE	*fp;
	size_t	 i;
	int	 bad;

	(void)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if ((fp = fopen(tmp, "w")) == NULL) {
		am_tool_errx("%s: %s", tmp, strerror(errno));
		return -1;
	}
	for (i = 0; i < t->n; i++)
		fprintf(fp, "%s\n", t->line[i]);
	bad = ferror(fp) | fflush(fp);
	if (fclose(fp) != 0 || bad || rename(tmp, path) == -1) {
		am_tool_errx("%s: %s", path, strerror(errno));
		(void)unlink(tmp);
		return -1;
	}
	return 0;
}

/* Copies src into dst[size]; -1 when it does not fit. */
static int
am_keys_copy(char *dst, size_t size, const char *src)
{
	size_t	 n = strlen(src);

	if (n >= size)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

static const char *
am_keys_alg_of(const char *keyfile)
{
	EVP_PKEY	*pk = NULL;
	struct am_err	 err;
	const char	*alg = NULL;

	if (am_pkey_load_file(keyfile, &pk, &err) == 0)
		alg = am_pkey_type(pk) == AM_PKEY_ED25519 ? "ed25519" : "rsa";
	EVP_PKEY_free(pk);
	return alg;
}

/* The KeyTable's key for domain and alg, recorded as active. */
static void
am_keys_import(const struct am_keys_args *a, const struct am_keys_table *t,
    struct am_keystate_file *st)
{
	struct am_keystate_entry	 e;
	const char			*v, *alg;
	char				 buf[4096], *sel, *file;
	size_t				 i, dl = strlen(a->domain);

	for (i = 0; i < t->n; i++) {
		if ((v = am_keys_table_value(t->line[i])) == NULL ||
		    strncasecmp(v, a->domain, dl) != 0 || v[dl] != ':')
			continue;
		(void)snprintf(buf, sizeof(buf), "%s", v + dl + 1);
		sel = buf;
		if ((file = strchr(sel, ':')) == NULL)
			continue;
		*file++ = '\0';
		if ((alg = am_keys_alg_of(file)) == NULL ||
		    strcmp(alg, a->alg) != 0)
			continue;
		memset(&e, 0, sizeof(e));
		if (am_keys_copy(e.domain, sizeof(e.domain), a->domain) == -1 ||
		    am_keys_copy(e.alg, sizeof(e.alg), a->alg) == -1 ||
		    am_keys_copy(e.selector, sizeof(e.selector), sel) == -1 ||
		    am_keys_copy(e.keyfile, sizeof(e.keyfile), file) == -1)
			continue;
		e.state = AM_KEYSTATE_ACTIVE;
		e.since = a->now;
		am_keystate_add(st, &e);
		return;
	}
}

/* ---------------------------------------------------------------- DNS */

/* Is the record of e published and matching its private key, as dns
 * answers?  why gets the first problem. */
static int
am_keys_seen_at(struct am_dns *dns, const struct am_keystate_entry *e,
    char *why, size_t size)
{
	struct am_audit		 au;
	struct am_audit_key	 k = { e->selector, NULL };
	struct am_err		 err;
	size_t			 i;
	int			 type, ok = 0;

	if (am_pkey_load_file(e->keyfile, &k.pkey, &err) == -1) {
		(void)snprintf(why, size, "%s", err.msg);
		return 0;
	}
	am_audit_init(&au);
	am_audit_dkim_key(dns, e->domain, &k, &type, &au);
	for (i = 0; i < au.n; i++)
		if (strcmp(au.f[i].check, "dkim.match") == 0 &&
		    au.f[i].severity == AM_AUDIT_PASS)
			ok = 1;
	for (i = 0; i < au.n; i++)
		if (au.f[i].severity == AM_AUDIT_FAIL) {
			(void)snprintf(why, size, "%s", au.f[i].text);
			ok = 0;
			break;
		}
	if (!ok && why[0] == '\0')
		(void)snprintf(why, size, "no matching record");
	am_audit_release(&au);
	EVP_PKEY_free(k.pkey);
	return ok;
}

/* Seen through the DNS given (--zone, --nameserver: ask an
 * authoritative server directly), else the system's resolver. */
static int
am_keys_seen(const struct am_keys_args *a, const struct am_keystate_entry *e,
    char *why, size_t size)
{
	struct am_dns	*dns;
	int		 ok;

	why[0] = '\0';
	if ((dns = am_tool_dns_open(&a->dns, NULL, 5000)) == NULL) {
		(void)snprintf(why, size, "no DNS");
		return 0;
	}
	ok = am_keys_seen_at(dns, e, why, size);
	am_dns_free(&dns);
	return ok;
}

/* ---------------------------------------------------------------- verbs */

static int
am_keys_rotate(const struct am_keys_args *a, struct am_keystate_file *st,
    const struct am_keys_table *t)
{
	struct am_keystate_entry	 e, *cur;
	char				 dirbuf[1024], *argv[12];
	const char			*dir = a->dir;
	int				 argc = 0, rc;

	if (a->domain == NULL || a->selector == NULL)
		return am_keys_usage();
	if (am_keystate_find(st, a->domain, a->alg, NULL,
	    AM_KEYSTATE_PENDING) != NULL) {
		am_tool_errx("%s %s: a key is already pending; activate it "
		    "first", a->domain, a->alg);
		return AM_TOOL_EXIT_PROBLEM;
	}
	if ((cur = am_keystate_find(st, a->domain, a->alg, NULL,
	    AM_KEYSTATE_ACTIVE)) == NULL) {
		am_keys_import(a, t, st);
		cur = am_keystate_find(st, a->domain, a->alg, NULL,
		    AM_KEYSTATE_ACTIVE);
	}
	if (cur != NULL && strcmp(cur->selector, a->selector) == 0) {
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
	printf("# Rotating %s %s: new key %s, pending until its record is "
	    "published.\n", a->domain, a->alg, a->selector);
	if ((rc = am_cmd_keygen(argc, argv)) != AM_TOOL_EXIT_OK)
		return rc;
	e.since = a->now;
	am_keystate_add(st, &e);
	printf("# Next: publish the DNS TXT record above, then run\n"
	    "#   authmilter-tool keys activate -t %s -d %s -a %s\n",
	    a->keytable, a->domain, a->alg);
	return AM_TOOL_EXIT_OK;
}

/* The KeyTable: the old key's lines now name the new one (or a new
 * line for it). */
static int
am_keys_repoint(const struct am_keys_args *a, struct am_keys_table *t,
    const struct am_keystate_entry *old, const struct am_keystate_entry *nw)
{
	char	 want[2048], *line;
	size_t	 i, namelen, hits = 0;
	const char *v;

	if (old != NULL) {
		(void)snprintf(want, sizeof(want), "%s:%s:%s", old->domain,
		    old->selector, old->keyfile);
		for (i = 0; i < t->n; i++) {
			if ((v = am_keys_table_value(t->line[i])) == NULL ||
			    strcasecmp(v, want) != 0)
				continue;
			namelen = (size_t)(v - t->line[i]);
			if (asprintf(&line, "%.*s%s:%s:%s", (int)namelen,
			    t->line[i], nw->domain, nw->selector,
			    nw->keyfile) == -1)
				abort();
			free(t->line[i]);
			t->line[i] = line;
			hits++;
		}
	}
	if (hits == 0) {
		t->line = realloc(t->line, (t->n + 1) * sizeof(*t->line));
		if (t->line == NULL || asprintf(&t->line[t->n],
		    "%s._domainkey.%s %s:%s:%s", nw->selector, nw->domain,
		    nw->domain, nw->selector, nw->keyfile) == -1)
			abort();
		printf("# %s: no line named the old key; added one (add a "
		    "SigningTable line for it)\n", a->keytable);
		t->n++;
	}
	return am_keys_table_save(a->keytable, t);
}

static int
am_keys_activate(const struct am_keys_args *a, struct am_keystate_file *st,
    struct am_keys_table *t)
{
	struct am_keystate_entry	*p, *old;
	char				 why[600];

	if (a->domain == NULL)
		return am_keys_usage();
	if ((p = am_keystate_find(st, a->domain, a->alg, NULL,
	    AM_KEYSTATE_PENDING)) == NULL) {
		am_tool_errx("%s %s: no pending key", a->domain, a->alg);
		return AM_TOOL_EXIT_PROBLEM;
	}
	if (!am_keys_seen(a, p, why, sizeof(why))) {
		if (!a->force) {
			am_tool_errx("%s._domainkey.%s: not active: its record "
			    "is not seen (%s); publish it and try again",
			    p->selector, p->domain, why);
			return AM_TOOL_EXIT_PROBLEM;
		}
		am_tool_errx("warning: --force: %s", why);
	}
	old = am_keystate_find(st, a->domain, a->alg, NULL,
	    AM_KEYSTATE_ACTIVE);
	if (am_keys_repoint(a, t, old, p) == -1)
		return AM_TOOL_EXIT_CANTCREAT;
	if (old != NULL) {
		old->state = AM_KEYSTATE_RETIRING;
		old->since = a->now;
	}
	p->state = AM_KEYSTATE_ACTIVE;
	p->since = a->now;
	printf("%s._domainkey.%s is active%s%s%s.\n# Reload the daemon "
	    "(kill -HUP) to sign with it.  Keep the old record published "
	    "for at least %llu days, then: keys revoke.\n", p->selector,
	    p->domain, old != NULL ? "; " : "", old != NULL ? old->selector :
	    "", old != NULL ? " is retiring" : "", a->grace_days);
	return AM_TOOL_EXIT_OK;
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

static const char *
am_keys_next(const struct am_keys_args *a, const struct am_keystate_entry *e,
    char *buf, size_t size)
{
	unsigned long long	 age = a->now > e->since ?
				    (a->now - e->since) / 86400 : 0;

	switch (e->state) {
	case AM_KEYSTATE_PENDING:
		if (am_keys_seen(a, e, buf, size))
			return "record seen: keys activate";
		return "publish its record";
	case AM_KEYSTATE_ACTIVE:
		return "signing";
	case AM_KEYSTATE_RETIRING:
		if (age >= a->grace_days)
			return "grace over: keys revoke";
		(void)snprintf(buf, size, "keep its record %llu more day(s)",
		    a->grace_days - age);
		return buf;
	case AM_KEYSTATE_REVOKED:
		return "publish the empty p= record; then keys delete";
	case AM_KEYSTATE_DELETED:
		break;
	}
	return "none";
}

static int
am_keys_status(const struct am_keys_args *a, struct am_keystate_file *st)
{
	char	 buf[600];
	size_t	 i;

	for (i = 0; i < st->n; i++) {
		buf[0] = '\0';
		printf("%s %s %s %s %llud %s\n", st->e[i].domain, st->e[i].alg,
		    st->e[i].selector, am_keystate_name(st->e[i].state),
		    a->now > st->e[i].since ? (a->now - st->e[i].since) /
		    86400 : 0ULL, am_keys_next(a, &st->e[i], buf,
		    sizeof(buf)));
	}
	return AM_TOOL_EXIT_OK;
}

int
am_cmd_keys(int argc, char **argv)
{
	struct am_keys_args	 a;
	struct am_keystate_file	 st;
	struct am_keys_table	 t;
	struct am_err		 err;
	int			 rc, write = 1;

	if (am_keys_parse(argc, argv, &a) == -1)
		return am_keys_usage();
	am_err_clear(&err);
	if (am_keystate_load(a.state, &st, &err) == -1) {
		am_tool_errx("%s", err.msg);
		return AM_TOOL_EXIT_INPUT;
	}
	if (am_keys_table_load(a.keytable, &t) == -1) {
		am_keystate_release(&st);
		return AM_TOOL_EXIT_INPUT;
	}
	if (strcmp(a.verb, "rotate") == 0)
		rc = am_keys_rotate(&a, &st, &t);
	else if (strcmp(a.verb, "activate") == 0)
		rc = am_keys_activate(&a, &st, &t);
	else if (strcmp(a.verb, "revoke") == 0)
		rc = am_keys_revoke(&a, &st);
	else if (strcmp(a.verb, "delete") == 0)
		rc = am_keys_delete(&a, &st);
	else if (strcmp(a.verb, "publish") == 0) {
		rc = am_keys_update_publish(a.config, &st, a.domain, a.alg,
		    a.selector);
		write = 0;
	} else if (strcmp(a.verb, "status") == 0) {
		rc = am_keys_status(&a, &st);
		write = 0;
	} else
		rc = am_keys_usage();
	if (rc == AM_TOOL_EXIT_OK && write &&
	    am_keystate_save(a.state, &st, &err) == -1) {
		am_tool_errx("%s", err.msg);
		rc = AM_TOOL_EXIT_CANTCREAT;
	} else if (rc == AM_TOOL_EXIT_OK && write)
		rc = am_keys_update_after(a.config, a.verb, &st, a.domain,
		    a.alg, a.selector);
	am_keys_table_free(&t);
	am_keystate_release(&st);
	return rc;
}
