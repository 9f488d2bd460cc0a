/*
 * cmd_testkey - authmilter-tool testkey
 *
 *	authmilter-tool testkey [-c CONFIG | -d DOMAIN -s SELECTOR -k KEYFILE]
 *	    [--zone ZONEFILE]... [--nameserver IP[@PORT]]
 *	    [--dns-timeout SECONDS]
 *
 * For each key, fetches SELECTOR._domainkey.DOMAIN TXT and prints one
 * line per check, "DOMAIN SELECTOR: ok: ...", "... WARN: ..." or
 * "... FAIL: ...", then a verdict line, "DOMAIN SELECTOR: ok" or
 * "DOMAIN SELECTOR: FAIL (N errors, M warnings)".  Warnings (testing
 * mode, RSA under 2048 bits) are problems too: exit status 0 means
 * every key passed every check, 1 that some key has a problem.
 *
 * The syntax checks are stricter than RFC 6376: they flag records that
 * are valid but that some receivers, Microsoft's in particular,
 * mis-parse (more than one space after ';', doubled spaces, tabs or
 * line breaks, quotes left over from zone-file editing, white space
 * around the record or inside p=): lib/audit's am_audit_dkim_lint(),
 * which check-domain uses too.  The key match is lib/crypto's
 * am_pkey_public_eq().
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>

#include "autoconfig.h"
#include "audit.h"
#include "dkim_key.h"
#include "pkey.h"
#include "tool.h"
#include "config.h"

#define AM_TESTKEY_WEAK_BITS	2048	/* RFC 8301: SHOULD be 2048 */
#define AM_TESTKEY_MIN_BITS	1024	/* RFC 8301: MUST be 1024 */

struct am_testkey_args {
	const char	*config;
	const char	*domain;
	const char	*selector;
	const char	*keyfile;
	struct am_tool_dns_args dns;
};

enum am_tk_level {
	AM_TK_OK,
	AM_TK_WARN,		/* a problem, but the key works */
	AM_TK_FAIL		/* the key does not work as intended */
};

/* The key under test and its tally. */
struct am_tk {
	const char	*domain;
	const char	*selector;
	EVP_PKEY	*pk;		/* the private key; borrowed */
	unsigned	 errors;
	unsigned	 warnings;
};

static int
am_testkey_usage(void)
{
	fprintf(stderr, "usage: authmilter-tool testkey "
	    "[-c CONFIG | -d DOMAIN -s SELECTOR -k KEYFILE]\n"
	    "\t[--zone ZONEFILE]... [--nameserver IP[@PORT]] "
	    "[--dns-timeout SECONDS]\n");
	return AM_TOOL_EXIT_USAGE;
}

static void
am_tk_say(struct am_tk *t, enum am_tk_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
am_tk_say(struct am_tk *t, enum am_tk_level level, const char *fmt, ...)
{
	static const char *const names[] = { "ok", "WARN", "FAIL" };
	va_list	 ap;

	if (level == AM_TK_WARN)
		t->warnings++;
	else if (level == AM_TK_FAIL)
		t->errors++;
	printf("%s %s: %s: ", t->domain, t->selector, names[level]);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static int
am_testkey_opt(int c, char *arg, struct am_testkey_args *a)
{
	int	 r;

	if ((r = am_tool_dns_opt(c, arg, &a->dns)) != 0)
		return r == 1 ? 0 : -1;
	switch (c) {
	case 'c':
		a->config = arg;
		return 0;
	case 'd':
		a->domain = arg;
		return 0;
	case 's':
		a->selector = arg;
		return 0;
	case 'k':
		a->keyfile = arg;
		return 0;
	}
	return -1;
}

static int
am_testkey_parse(int argc, char **argv, struct am_testkey_args *a)
{
	static const struct option longopts[] = {
		AM_TOOL_DNS_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	int	 c, nkey;

	memset(a, 0, sizeof(*a));
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:d:s:k:", longopts,
	    NULL)) != -1)
		if (c == '?' || am_testkey_opt(c, optarg, a) == -1)
			return -1;
	if (optind != argc) {
		am_tool_errx("unexpected argument '%s'", argv[optind]);
		return -1;
	}
	nkey = (a->domain != NULL) + (a->selector != NULL) +
	    (a->keyfile != NULL);
	if ((a->config != NULL) == (nkey != 0) ||
	    (nkey != 0 && nkey != 3)) {
		am_tool_errx("give -c CONFIG, or -d, -s and -k");
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- checks */

/* Fetches the one TXT record of the key; 0 found, -1 reported. */

static int
am_tk_fetch(struct am_tk *t, struct am_dns *dns, const char *name,
    struct am_dns_result *res)
{
	enum am_dns_status	 st;

	st = am_dns_lookup(dns, name, AM_DNS_TXT, res);
	switch (st) {
	case AM_DNS_OK:
		break;
	case AM_DNS_NXDOMAIN:
	case AM_DNS_NODATA:
		am_tk_say(t, AM_TK_FAIL, "no key record: %s TXT: %s", name,
		    am_dns_status_name(st));
		return -1;
	default:
		am_tk_say(t, AM_TK_FAIL, "DNS lookup failed: %s TXT: %s",
		    name, am_dns_status_name(st));
		return -1;
	}
	if (res->n != 1) {
		am_tk_say(t, AM_TK_FAIL, "%zu TXT records at %s; receivers "
		    "may pick any of them, publish exactly one", res->n, name);
		return -1;
	}
	am_tk_say(t, AM_TK_OK, "record found at %s", name);
	return 0;
}

/*
 * am_tk_syntax - the record text against what strict receivers accept.
 * One line per problem; one "ok" line when there is none.
 */

static void
am_tk_syntax(struct am_tk *t, const char *rec, size_t len)
{
	unsigned	 bits = am_audit_dkim_lint(rec, len), b;

	for (b = 1; b <= AM_AUDIT_LINT_ALL; b <<= 1)
		if ((bits & b) != 0)
			am_tk_say(t, AM_TK_FAIL, "%s", am_audit_lint_text(b));
	if (bits == 0)
		am_tk_say(t, AM_TK_OK, "record syntax is clean (single "
		    "spaces, no stray quotes)");
}

static void
am_tk_match(struct am_tk *t, const struct am_dkim_key *key)
{
	int	 r = am_pkey_public_eq(key->pkey, t->pk);

	if (r == -1)
		am_tk_say(t, AM_TK_FAIL, "cannot compare the public keys");
	else if (r == 0)
		am_tk_say(t, AM_TK_FAIL, "public key in DNS does not match "
		    "the private key");
	else
		am_tk_say(t, AM_TK_OK, "public key in DNS matches the "
		    "private key");
}

static void
am_tk_type(struct am_tk *t, const struct am_dkim_key *key)
{
	const char	*dns = key->type == AM_DKIM_KEY_ED25519 ?
			    "ed25519" : "rsa";
	const char	*priv = am_pkey_type(t->pk) == AM_PKEY_ED25519 ?
			    "ed25519" : "rsa";

	if (strcmp(dns, priv) != 0)
		am_tk_say(t, AM_TK_FAIL, "key type differs: k=%s in DNS, "
		    "the private key is %s", dns, priv);
	else
		am_tk_say(t, AM_TK_OK, "key type %s", dns);
}

static void
am_tk_testing(struct am_tk *t, const struct am_dkim_key *key)
{
	if (key->testing)
		am_tk_say(t, AM_TK_WARN, "testing mode (t=y): receivers may "
		    "ignore failures; remove t=y once the key works");
	else
		am_tk_say(t, AM_TK_OK, "not in testing mode");
}

static void
am_tk_size(struct am_tk *t, const struct am_dkim_key *key)
{
	if (key->type == AM_DKIM_KEY_ED25519)
		am_tk_say(t, AM_TK_OK, "Ed25519 key");
	else if (key->bits < AM_TESTKEY_MIN_BITS)
		am_tk_say(t, AM_TK_FAIL, "%u-bit RSA key: receivers refuse "
		    "keys under %d bits (RFC 8301)", key->bits,
		    AM_TESTKEY_MIN_BITS);
	else if (key->bits < AM_TESTKEY_WEAK_BITS)
		am_tk_say(t, AM_TK_WARN, "%u-bit RSA key: use %d bits or "
		    "more", key->bits, AM_TESTKEY_WEAK_BITS);
	else
		am_tk_say(t, AM_TK_OK, "%u-bit RSA key", key->bits);
}

/* The checks on a record that was found. */

static void
am_tk_record(struct am_tk *t, const char *rec, size_t len)
{
	struct am_dkim_key	 key;
	struct am_err		 err;

	memset(&key, 0, sizeof(key));
	am_err_clear(&err);
	am_tk_syntax(t, rec, len);
	if (am_dkim_key_parse(rec, len, &key, &err) == -1) {
		am_tk_say(t, AM_TK_FAIL, "record does not parse: %s",
		    err.msg);
		return;
	}
	if (key.revoked)
		am_tk_say(t, AM_TK_FAIL, "key revoked (empty p=)");
	else {
		am_tk_say(t, AM_TK_OK, "record parses");
		am_tk_type(t, &key);
		am_tk_match(t, &key);
		am_tk_testing(t, &key);
		am_tk_size(t, &key);
	}
	am_dkim_key_release(&key);
}

/* Prints the verdict line; 0 if the key passed. */

static int
am_tk_verdict(const struct am_tk *t)
{
	if (t->errors + t->warnings == 0) {
		printf("%s %s: ok\n", t->domain, t->selector);
		return 0;
	}
	printf("%s %s: FAIL (%u error%s, %u warning%s)\n", t->domain,
	    t->selector, t->errors, t->errors == 1 ? "" : "s",
	    t->warnings, t->warnings == 1 ? "" : "s");
	return -1;
}

/* Runs every check on one key and prints the verdict; 0 if it passed. */

static int
am_tk_run(struct am_tk *t, struct am_dns *dns)
{
	struct am_dns_result	 res;
	char			 name[600];
	int			 n;

	memset(&res, 0, sizeof(res));
	n = snprintf(name, sizeof(name), "%s._domainkey.%s", t->selector,
	    t->domain);
	if (n < 0 || (size_t)n >= sizeof(name))
		am_tk_say(t, AM_TK_FAIL, "name too long");
	else if (am_tk_fetch(t, dns, name, &res) == 0)
		am_tk_record(t, res.rr[0].txt, res.rr[0].txt_len);
	am_dns_result_release(&res);
	return am_tk_verdict(t);
}

static int
am_tk_one(struct am_dns *dns, const char *domain, const char *selector,
    EVP_PKEY *pk)
{
	struct am_tk	 t;

	memset(&t, 0, sizeof(t));
	t.domain = domain;
	t.selector = selector;
	t.pk = pk;
	return am_tk_run(&t, dns);
}

/* ---------------------------------------------------------------- keys */

static int
am_testkey_file(const struct am_testkey_args *a, struct am_dns *dns)
{
	EVP_PKEY	*pk;
	struct am_err	 err;
	int		 r;

	am_err_clear(&err);
	if (am_pkey_load_file(a->keyfile, &pk, &err) == -1) {
		am_tool_errx("%s", err.msg);
		return AM_TOOL_EXIT_INPUT;
	}
	r = am_tk_one(dns, a->domain, a->selector, pk);
	EVP_PKEY_free(pk);
	return r == 0 ? AM_TOOL_EXIT_OK : AM_TOOL_EXIT_PROBLEM;
}

/* One key of the config; d=% is tried with every Domain. */

static int
am_testkey_cfgkey(const struct am_config *cfg, const struct am_key *k,
    struct am_dns *dns)
{
	struct am_tk	 t;
	size_t		 i;
	int		 r = 0;

	if (strcmp(k->domain, "%") != 0)
		return am_tk_one(dns, k->domain, k->selector, k->pkey);
	for (i = 0; cfg->dkim.domains != NULL && cfg->dkim.domains[i] != NULL; i++)
		if (am_tk_one(dns, cfg->dkim.domains[i], k->selector,
		    k->pkey) == -1)
			r = -1;
	if (i > 0)
		return r;
	memset(&t, 0, sizeof(t));
	t.domain = "%";
	t.selector = k->selector;
	am_tk_say(&t, AM_TK_FAIL, "KeyTable entry %s signs as the From "
	    "domain and no Domain is set; test it with -d DOMAIN -s %s -k %s",
	    k->name, k->selector, k->path);
	return am_tk_verdict(&t);
}

static int
am_testkey_config(const struct am_config *cfg, struct am_dns *dns)
{
	size_t	 i, j, n = 0;
	int	 bad = 0;

	for (i = 0; i < cfg->dkim.nkeysets; i++)
		for (j = 0; j < cfg->dkim.keysets[i].nkeys; j++, n++)
			if (am_testkey_cfgkey(cfg, &cfg->dkim.keysets[i].keys[j],
			    dns) == -1)
				bad = 1;
	if (n == 0) {
		am_tool_errx("%s: no signing keys (KeyTable or KeyFile)",
		    cfg->path != NULL ? cfg->path : "config");
		return AM_TOOL_EXIT_PROBLEM;
	}
	return bad ? AM_TOOL_EXIT_PROBLEM : AM_TOOL_EXIT_OK;
}

/* The resolver: --zone or --nameserver, else the config's Nameservers,
 * else /etc/resolv.conf. */

int
am_cmd_testkey(int argc, char **argv)
{
	struct am_testkey_args		 a;
	struct am_config_overrides	 ov;
	struct am_config		*cfg = NULL;
	struct am_dns			*dns;
	struct am_err			 err;
	int				 rc;

	if (am_testkey_parse(argc, argv, &a) == -1)
		return am_testkey_usage();
	am_err_clear(&err);
	memset(&ov, 0, sizeof(ov));
	if (a.config != NULL &&
	    (cfg = am_config_load(a.config, &ov, &am_tool_log, &err)) == NULL) {
		am_tool_errx("%s: %s", a.config, err.msg);
		return AM_TOOL_EXIT_INPUT;
	}
	if ((dns = am_tool_dns_for_config(&a.dns, cfg)) == NULL) {
		if (cfg != NULL)
			am_config_unref(&cfg);
		return a.dns.nzones > 0 ? AM_TOOL_EXIT_INPUT :
		    AM_TOOL_EXIT_USAGE;
	}
	if (cfg != NULL)
		rc = am_testkey_config(cfg, dns);
	else
		rc = am_testkey_file(&a, dns);
	if (fflush(stdout) == EOF)
		rc = AM_TOOL_EXIT_SOFTWARE;
	am_dns_free(&dns);
	if (cfg != NULL)
		am_config_unref(&cfg);
	return rc;
}
