/*
 * t-signtable - SigningTable lookups: the file: order case by case,
 * refile: patterns in file order, MultipleSignatures, '%' in the key
 * name and the signer, dual keys, and the Domain/KeyFile form
 */

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "buf.h"
#include "config_impl.h"
#include "signtable.h"
#include "tap.h"

static struct am_buf	 logbuf;
static char		 tmpdir[] = "/tmp/t-signtable.XXXXXX";

static void
capture(void *ctx, enum am_log_level level, const char *line)
{
	(void)ctx;
	am_buf_printf(&logbuf, "%s: %s\n", am_log_level_name(level), line);
}

static const struct am_log	 tlog = { capture, NULL, NULL };

static struct am_signtable *
table(const char *spec, struct am_diag *d)
{
	struct am_dataset	*ds;
	struct am_signtable	*st;

	memset(d, 0, sizeof(*d));
	d->log = &tlog;
	am_buf_reset(&logbuf);
	if (am_dataset_load(spec, getenv("top_srcdir"), "test.conf", 1, d,
	    &ds) == -1)
		return NULL;
	st = am_signtable_new(ds, d);
	am_dataset_free(&ds);
	return st;
}

/* names - the key names found for addr, space-separated */

static const char *
names(const struct am_signtable *st, const char *addr, int all)
{
	static char			 out[512];
	const struct am_signtable_entry	*m[16];
	size_t				 n, i, off = 0;

	out[0] = '\0';
	n = am_signtable_lookup(st, addr, all, m, 16);
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(out + off, sizeof(out) - off, "%s%s",
		    i > 0 ? " " : "", m[i]->keyname);
	return out;
}

/* The documented order, opendkim.conf(5), SigningTable. */
static const char *const order[] = {
	"user@foo.example.com", "foo.example.com", "user@.example.com",
	"user@.com", ".example.com", ".com", "user@*", "*", NULL
};

static void
test_file_order(void)
{
	struct am_signtable	*st;
	struct am_buf		 spec;
	struct am_diag		 d;
	char			 name[160], want[16];
	size_t			 i, j;

	st = table("file:t/unit/data/config/signing.file", &d);
	is_int(d.errors, 0, "file table loads");
	is_str(names(st, "user@foo.example.com", 1), "k-full k-host "
	    "k-user-parent k-user-tld k-parent k-tld k-user-any k-any",
	    "MultipleSignatures: every match, in the documented order");
	is_str(names(st, "user@foo.example.com", 0), "k-full",
	    "first match only");
	is_str(names(st, "USER@foo.example.com", 0), "k-full",
	    "keys are case-insensitive");
	is_str(names(st, "other@foo.example.com", 1),
	    "k-host k-parent k-tld k-any", "another user");
	is_str(names(st, "user@example.com", 1),
	    "k-user-tld k-tld k-user-any k-any",
	    "superdomains only: .example.com does not cover example.com");
	is_str(names(st, "nobody", 1), "", "no '@': nothing");
	am_signtable_free(&st);

	/* Drop entries from the front one at a time: the first match
	 * must be the next lookup key in the documented order. */
	am_buf_init(&spec, 4096);
	for (i = 0; order[i] != NULL; i++) {
		am_buf_reset(&spec);
		am_buf_appends(&spec, "csl:");
		for (j = i; order[j] != NULL; j++)
			am_buf_printf(&spec, "%s%s=k%zu", j > i ? "," : "",
			    order[j], j);
		st = table(am_buf_str(&spec), &d);
		snprintf(name, sizeof(name), "step %zu: %s is tried next", i,
		    order[i]);
		snprintf(want, sizeof(want), "k%zu", i);
		is_str(names(st, "user@foo.example.com", 0), want, name);
		am_signtable_free(&st);
	}
	am_buf_release(&spec);
}

static void
test_refile(void)
{
	struct am_signtable		*st;
	const struct am_signtable_entry	*m[4];
	struct am_diag			 d;

	st = table("refile:t/unit/data/config/signing.refile", &d);
	is_int(d.errors, 0, "refile table loads");
	is_str(names(st, "a@sub.example.org", 1), "k-sub k-any",
	    "refile: all matches in file order");
	is_str(names(st, "boss@example.org", 1), "k-boss k-org k-any",
	    "refile: pattern order, not specificity");
	is_str(names(st, "boss@example.org", 0), "k-boss",
	    "refile: first match");
	is_str(names(st, "x@elsewhere.net", 0), "k-any", "refile: catch-all");
	is_int(am_signtable_lookup(st, "boss@example.org", 0, m, 4), 1,
	    "one entry");
	is_str(m[0]->signer, "boss@example.org", "signer after ':'");
	am_signtable_free(&st);
}

static void
test_values(void)
{
	struct am_signtable		*st;
	const struct am_signtable_entry	*m[4];
	struct am_diag			 d;

	st = table("a.example=k1 @a.example, b.example=k2, c.example=k3 x y",
	    &d);
	is_int(d.errors, 1, "\"k3 x y\" is malformed");
	ok(strstr(am_buf_str(&logbuf), "test.conf:1:") != NULL,
	    "malformed entry: file:line");
	is_int(am_signtable_count(st), 2, "good entries kept");
	(void)am_signtable_lookup(st, "u@a.example", 0, m, 4);
	is_str(m[0]->signer, "@a.example", "signer after white space");
	(void)am_signtable_lookup(st, "u@b.example", 0, m, 4);
	is_str(m[0]->signer, "", "no signer");
	am_signtable_free(&st);

	st = table("x.example=k1, X.example=k2", &d);
	is_int(d.warnings, 1, "duplicate key: warning");
	is_str(names(st, "u@x.example", 1), "k1",
	    "duplicate key: the first line is used");
	am_signtable_free(&st);
}

/* ---------------------------------------------------------------- plans */

static void
write_key(const char *name, const char *alg, int bits)
{
	char		 path[256];
	EVP_PKEY	*pk;
	FILE		*fp;

	pk = strcmp(alg, "RSA") == 0 ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA",
	    (size_t)bits) : EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fp = fopen(path, "w");
	PEM_write_PrivateKey(fp, pk, NULL, NULL, 0, NULL, NULL);
	fclose(fp);
	chmod(path, 0600);
	EVP_PKEY_free(pk);
}

static void
write_file(const char *name, const char *text)
{
	char	 path[256];
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fp = fopen(path, "w");
	fputs(text, fp);
	fclose(fp);
}

static struct am_config *
config(const char *text)
{
	struct am_config_overrides	 ov = { 0 };
	struct am_err			 err;
	struct am_config		*cfg;
	char				 path[256];

	write_file("c.conf", text);
	snprintf(path, sizeof(path), "%s/c.conf", tmpdir);
	ov.dns_zone = "";
	am_buf_reset(&logbuf);
	cfg = am_config_load(path, &ov, &tlog, &err);
	if (cfg == NULL)
		diag(am_buf_str(&logbuf));
	return cfg;
}

static void
test_plans(void)
{
	struct am_config	*cfg;
	struct am_sign_plan	 p;

	write_key("rsa.pem", "RSA", 2048);
	write_key("ed.pem", "ED25519", 0);
	write_file("KeyTable",
	    "dual example.com:rsa:./rsa.pem, example.com:ed:./ed.pem\n"
	    "pct %:wild:./ed.pem\n"
	    "other.example other.example:o:./rsa.pem\n");
	write_file("SigningTable",
	    "*@example.com dual\n"
	    "boss@* pct %\n"
	    "*@other.example %\n"
	    "*@*.example pct @%\n");
	cfg = config("KeyTable file:KeyTable\nSigningTable refile:SigningTable\n"
	    "MultipleSignatures yes\n");
	ok(cfg != NULL, "dual-key config loads");
	if (cfg == NULL)
		return;
	is_int(am_config_sign_plan(cfg, "u@example.com", &p), 2,
	    "dual keys: two signatures");
	is_str(p.sig[0].key->selector, "rsa", "dual: RSA first (file order)");
	is_str(p.sig[1].key->selector, "ed", "dual: Ed25519 second");
	is_str(p.sig[0].domain, "example.com", "dual: d=");
	is_str(p.sig[0].identity, "", "dual: no i=");
	is_int(am_config_sign_plan(cfg, "boss@example.com", &p), 3,
	    "MultipleSignatures: dual + pct");
	is_str(p.sig[2].domain, "example.com", "'%' domain: From domain");
	is_str(p.sig[2].identity, "example.com", "'%' in the signer");
	is_int(am_config_sign_plan(cfg, "u@other.example", &p), 2,
	    "'%' key name: KeyTable entry named after the From domain, and "
	    "the *@*.example pattern");
	is_str(p.sig[0].key->name, "other.example", "'%' key name resolved");
	is_str(p.sig[1].identity, "@other.example", "signer \"@%\"");
	is_int(am_config_sign_plan(cfg, "u@nokey.example", &p), 1,
	    "'%' key name without a KeyTable entry is skipped");
	is_int(am_config_sign_plan(cfg, "u@example.net", &p), 0, "no match");
	am_config_unref(&cfg);

	cfg = config("KeyTable file:KeyTable\nSigningTable refile:SigningTable\n");
	is_int(am_config_sign_plan(cfg, "boss@example.com", &p), 2,
	    "first match only: the whole key set of it");
	am_config_unref(&cfg);

	write_file("SigningTable2", "example.com pct bad@elsewhere.org\n");
	cfg = config("KeyTable file:KeyTable\nSigningTable file:SigningTable2\n");
	is_int(am_config_sign_plan(cfg, "u@example.com", &p), 1, "file: host");
	is_str(p.sig[0].identity, "", "i= outside d= is dropped");
	am_config_unref(&cfg);

	cfg = config("Domain example.org, example.com\nSelector sel\n"
	    "KeyFile ./rsa.pem\n");
	is_int(am_config_sign_plan(cfg, "u@example.com", &p), 1,
	    "Domain+KeyFile: listed domain");
	is_str(p.sig[0].domain, "example.com", "Domain: d= is the domain");
	is_str(p.sig[0].key->selector, "sel", "Domain: selector");
	is_int(am_config_sign_plan(cfg, "u@sub.example.com", &p), 0,
	    "Domain: no subdomains by default");
	am_config_unref(&cfg);

	cfg = config("Domain example.com\nSelector sel\nKeyFile ./rsa.pem\n"
	    "SubDomains yes\n");
	is_int(am_config_sign_plan(cfg, "u@a.sub.example.com", &p), 1,
	    "SubDomains: subdomain signed");
	is_str(p.sig[0].domain, "example.com", "SubDomains: d= is the listed "
	    "domain");
	is_int(am_config_sign_plan(cfg, "u@notexample.com", &p), 0,
	    "SubDomains: label boundary");
	am_config_unref(&cfg);

	cfg = config("Mode v\nDomain example.com\nSelector sel\n"
	    "KeyFile ./rsa.pem\n");
	is_int(am_config_sign_plan(cfg, "u@example.com", &p), 0,
	    "Mode v: never signs");
	am_config_unref(&cfg);
}

int
main(void)
{
	char	 cmd[300];

	am_buf_init(&logbuf, 1 << 20);
	if (mkdtemp(tmpdir) == NULL)
		return 1;
	test_file_order();
	test_refile();
	test_values();
	test_plans();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		diag("could not remove the temporary directory");
	am_buf_release(&logbuf);
	return done_testing();
}
