/*
 * t-decide - the pure decisions made from the configuration, table-
 * driven: sign, verify, neither or reject (milter/decide.c), and what
 * the one config->engine mapping makes of a client and of the options
 * (lib/config/config_engine.c)
 */

#include <sys/stat.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "config_engine.h"
#include "decide.h"
#include "tap.h"
#include "testutil.h"

static char	 dir[] = "/tmp/t-decide.XXXXXX";

static void
tlog_fn(void *ctx, enum am_log_level l, const char *line)
{
	(void)ctx;
	if (l == AM_LOG_ERROR)
		diag(line);
}

static const struct am_log tlog = { tlog_fn, NULL, NULL };

/* A config from text, in dir; the key copied there (mode 600). */
static struct am_config *
load(const char *text)
{
	struct am_config_overrides	 ov = { 0 };
	struct am_err			 err;
	struct am_config		*cfg;
	char				 path[512];
	FILE				*fp;

	(void)snprintf(path, sizeof(path), "%s/c.conf", dir);
	if ((fp = fopen(path, "w")) == NULL)
		return NULL;
	fprintf(fp, "KeyFile %s/k.key\n%s\n", dir, text);
	fclose(fp);
	ov.dns_zone = "";
	if ((cfg = am_config_load(path, &ov, &tlog, &err)) == NULL)
		diag(err.msg);
	return cfg;
}

static void
copy_key(void)
{
	char	 path[512], *key;
	size_t	 n;
	FILE	*fp;

	key = tu_slurp(tu_path("conf/demo-rsa.key"), &n);
	(void)snprintf(path, sizeof(path), "%s/k.key", dir);
	if (key == NULL || (fp = fopen(path, "w")) == NULL)
		return;
	(void)fwrite(key, 1, n, fp);
	fclose(fp);
	(void)chmod(path, 0600);
	free(key);
}

/* The client: an IPv4 address, and SMTP AUTH when user is set. */
static void
client(struct am_client *c, struct sockaddr_in *sin, const char *ip,
    const char *user)
{
	memset(c, 0, sizeof(*c));
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	(void)inet_pton(AF_INET, ip, &sin->sin_addr);
	c->sa = (struct sockaddr *)sin;
	c->addr = ip;
	c->host = "client.example";
	c->auth_authen = user;
}

static void
t_decide(void)
{
	static const struct {
		const char		*conf, *ip, *user, *from;
		enum am_decide_kind	 want;
		const char		*name;
	} tab[] = {
		{ "Mode sv", "127.0.0.1", NULL, "a@example.net",
		    AM_DECIDE_SIGN, "internal client, key: sign" },
		{ "Mode sv", "198.51.100.1", NULL, "a@example.net",
		    AM_DECIDE_VERIFY, "external client: verify" },
		{ "Mode sv", "198.51.100.1", "alice", "a@example.net",
		    AM_DECIDE_SIGN, "authenticated client: sign" },
		{ "Mode sv", "127.0.0.1", NULL, "a@other.example",
		    AM_DECIDE_VERIFY, "no key for the From domain: verify" },
		{ "Mode sv", "127.0.0.1", NULL, NULL,
		    AM_DECIDE_VERIFY, "no From: never signed, verify" },
		{ "Mode sv\nRejectBadFrom yes", "127.0.0.1", NULL, NULL,
		    AM_DECIDE_REJECT, "no From, RejectBadFrom: reject" },
		{ "Mode v", "127.0.0.1", NULL, "a@example.net",
		    AM_DECIDE_VERIFY, "Mode v: verify even internal mail" },
		{ "Mode s", "198.51.100.1", NULL, "a@example.net",
		    AM_DECIDE_NONE, "Mode s, external: pass through" },
		{ "Mode s", "127.0.0.1", NULL, "a@example.net",
		    AM_DECIDE_SIGN, "Mode s, internal: sign" },
	};
	struct am_config	*cfg;
	struct am_client	 c;
	struct sockaddr_in	 sin;
	struct am_decision	 d;
	struct am_from		 from;
	struct am_from_field	 ff;
	char			 conf[512];
	size_t			 i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		(void)snprintf(conf, sizeof(conf), "%s\nDomain example.net\n"
		    "Selector rsa2026\nInternalHosts 127.0.0.1", tab[i].conf);
		if ((cfg = load(conf)) == NULL) {
			ok(0, tab[i].name);
			continue;
		}
		ff.value = tab[i].from;
		ff.len = tab[i].from != NULL ? strlen(tab[i].from) : 0;
		am_from_fields(&ff, tab[i].from != NULL ? 1 : 0, &from);
		client(&c, &sin, tab[i].ip, tab[i].user);
		am_decide(cfg, &c, &from, &tlog, &d);
		is_int(d.kind, tab[i].want, tab[i].name);
		am_config_unref(&cfg);
	}
}

static void
t_client(void)
{
	static const struct {
		const char	*conf, *ip, *user;
		int		 spf_skip, exempt;
		const char	*why, *name;
	} tab[] = {
		{ "", "198.51.100.1", NULL, 0, 0, "",
		    "external client: checked and enforced" },
		{ "", "127.0.0.1", NULL, 1, 1,
		    "client client.example [127.0.0.1] in InternalHosts",
		    "InternalHosts: SPF skipped, not enforced" },
		{ "SPFSkipTrusted no", "127.0.0.1", NULL, 0, 1,
		    "client client.example [127.0.0.1] in InternalHosts",
		    "SPFSkipTrusted no: SPF checked" },
		{ "", "198.51.100.1", "alice", 1, 1, "authenticated client",
		    "authenticated: SPF skipped, not enforced" },
		{ "IgnoreAuthenticatedClients no", "198.51.100.1", "alice", 1,
		    0, "", "IgnoreAuthenticatedClients no: enforced" },
		{ "IgnoreHosts 198.51.100.0/24", "198.51.100.1", NULL, 0, 1,
		    "client client.example [198.51.100.1] in IgnoreHosts",
		    "IgnoreHosts: checked, not enforced" },
	};
	struct am_config	*cfg;
	struct am_client	 c;
	struct sockaddr_in	 sin;
	struct am_engine_client	 ec;
	char			 conf[512];
	size_t			 i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		(void)snprintf(conf, sizeof(conf), "Mode sv\nDomain example.net"
		    "\nSelector rsa2026\nInternalHosts 127.0.0.1\n%s",
		    tab[i].conf);
		if ((cfg = load(conf)) == NULL) {
			ok(0, tab[i].name);
			continue;
		}
		client(&c, &sin, tab[i].ip, tab[i].user);
		am_config_engine_client(cfg, &c, &ec);
		ok(ec.spf_skip == tab[i].spf_skip &&
		    ec.exempt == tab[i].exempt &&
		    strcmp(ec.exempt_why, tab[i].why) == 0 &&
		    strcmp(ec.ip, tab[i].ip) == 0, tab[i].name);
		am_config_unref(&cfg);
	}
}

static void
t_opts(void)
{
	struct am_config	*cfg;
	struct am_engine_opts	 o;

	cfg = load("Mode v\nDomain example.net\nSelector rsa2026\n"
	    "AuthservID mx.example.org\nRejectFailures yes\n"
	    "HoldQuarantinedMessages no\nRequiredHeaders no\n"
	    "RejectMultiValueFrom yes\nTemporaryErrorAction accept\n"
	    "SPFFailAction reject\nSPFTimeout 3\nSPFReceivedHeader yes\n"
	    "On-BadSignature reject\nTrustedAuthservIDs relay.example\n"
	    "IgnoreMailFrom ignored.example\nRemoveARFrom .example.org");
	if (cfg == NULL) {
		ok(0, "config for the options");
		return;
	}
	am_config_engine_opts(cfg, &o);
	is_str(o.authserv_id, "mx.example.org", "AuthservID");
	ok(o.reject_failures && !o.hold && !o.temperror_tempfail,
	    "RejectFailures, HoldQuarantinedMessages, TemporaryErrorAction");
	ok(o.from_missing == AM_ENGINE_FROM_PERMERROR &&
	    o.from_bad == AM_ENGINE_FROM_PERMERROR && o.reject_multi_from,
	    "RequiredHeaders no, RejectMultiValueFrom yes");
	ok(o.spf_fail == AM_ACTION_REJECT && o.spf_budget_ms == 3000 &&
	    o.spf_received, "SPFFailAction, SPFTimeout, SPFReceivedHeader");
	ok(o.on_bad_signature == AM_ACTION_REJECT, "On-BadSignature");
	ok(o.trusted_ids != NULL && strcmp(o.trusted_ids[0], "relay.example")
	    == 0, "TrustedAuthservIDs");
	ok(o.ignore_domains != NULL && strcmp(o.ignore_domains[0],
	    "ignored.example") == 0, "IgnoreMailFrom");
	ok(o.remove_ar_from != NULL && strcmp(o.remove_ar_from[0],
	    ".example.org") == 0, "RemoveARFrom");
	is_str(o.reject_string, "rejected by DMARC policy for %s",
	    "RejectString's default");
	am_config_unref(&cfg);
}

int
main(void)
{
	char	 path[512];

	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	copy_key();
	t_decide();
	t_client();
	t_opts();
	(void)snprintf(path, sizeof(path), "%s/c.conf", dir);
	(void)unlink(path);
	(void)snprintf(path, sizeof(path), "%s/k.key", dir);
	(void)unlink(path);
	(void)rmdir(dir);
	return done_testing();
}
