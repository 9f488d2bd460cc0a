/*
 * cmd_keys_update - authmilter-tool keys: key records published and
 * withdrawn by DNS dynamic update (see cmd_keys_update.h)
 *
 * The record's name is SELECTOR._domainkey.DOMAIN; its zone the
 * longest KeyUpdateZone it is in, else DOMAIN itself.  What is sent:
 *	pending, active, retiring	"v=DKIM1; k=ALG; p=PUBLIC KEY"
 *	revoked				"v=DKIM1; p="
 *	deleted				the TXT RRset deleted
 * each replacing the TXT RRset at the name, with KeyUpdateTTL.  The
 * TSIG key file is read at each use and wiped after; its secret is
 * never printed.
 */

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "cmd_keys_update.h"
#include "config.h"
#include "dns_update.h"
#include "pkey.h"
#include "tool.h"

#define AM_KEYS_UPDATE_RECMAX	4096

/* The configuration's update options: 1 set (cfg to unref), 0 none,
 * -1 it does not load. */
static int
am_keys_update_conf(const char *path, struct am_config **cfg)
{
	struct am_config_overrides	 ov;
	struct am_err			 err;

	*cfg = NULL;
	if (path == NULL)
		return 0;
	memset(&ov, 0, sizeof(ov));
	ov.dns_zone = "";	/* no resolver: we only send updates */
	am_err_clear(&err);
	if ((*cfg = am_config_load(path, &ov, &am_tool_log, &err)) == NULL) {
		am_tool_errx("%s: %s", path, err.msg);
		return -1;
	}
	if ((*cfg)->keyupdate.server == NULL) {
		am_config_unref(cfg);
		return 0;
	}
	return 1;
}

/* The longest KeyUpdateZone name is at or under; else domain. */
static const char *
am_keys_update_zone(const struct am_config_keyupdate *ku, const char *name,
    const char *domain)
{
	const char	*best = NULL, *z;
	size_t		 i, nl = strlen(name), zl;

	for (i = 0; ku->zones != NULL && ku->zones[i] != NULL; i++) {
		z = ku->zones[i];
		zl = strlen(z);
		if (zl > nl || strcasecmp(name + nl - zl, z) != 0 ||
		    (zl < nl && name[nl - zl - 1] != '.'))
			continue;
		if (best == NULL || zl > strlen(best))
			best = z;
	}
	return best != NULL ? best : domain;
}

/* The record value e's state calls for into out; 1 none (withdraw),
 * 0, -1 the key does not load. */
static int
am_keys_update_value(const struct am_keystate_entry *e, struct am_buf *out)
{
	EVP_PKEY	*pk = NULL;
	struct am_err	 err;
	int		 rc = 0;

	if (e->state == AM_KEYSTATE_DELETED)
		return 1;
	if (e->state == AM_KEYSTATE_REVOKED)
		return am_buf_printf(out, "v=DKIM1; p=");
	am_err_clear(&err);
	if (am_pkey_load_file(e->keyfile, &pk, &err) == -1 ||
	    am_buf_printf(out, "v=DKIM1; k=%s; p=", am_pkey_type(pk) ==
	    AM_PKEY_ED25519 ? "ed25519" : "rsa") == -1 ||
	    am_pkey_public_b64(pk, out, &err) == -1) {
		am_tool_errx("%s: %s", e->keyfile, err.msg[0] != '\0' ?
		    err.msg : "record too long");
		rc = -1;
	}
	EVP_PKEY_free(pk);
	return rc;
}

/* Sends the update e's state calls for; an exit code. */
static int
am_keys_update_entry(const struct am_config *cfg,
    const struct am_keystate_entry *e)
{
	const struct am_config_keyupdate *ku = &cfg->keyupdate;
	struct am_dns_tsig_key		 key;
	struct am_dns_update_server	 srv;
	struct am_dns_update		 u;
	struct am_buf			 val;
	struct am_err			 err;
	char				 name[352];
	int				 v, rc = AM_KEYS_EXIT_UPDATE;

	(void)snprintf(name, sizeof(name), "%s._domainkey.%s", e->selector,
	    e->domain);
	am_buf_init(&val, AM_KEYS_UPDATE_RECMAX);
	if ((v = am_keys_update_value(e, &val)) == -1) {
		am_buf_release(&val);
		return AM_TOOL_EXIT_INPUT;
	}
	memset(&u, 0, sizeof(u));
	u.zone = am_keys_update_zone(ku, name, e->domain);
	u.name = name;
	u.op = v == 1 ? AM_DNS_UPDATE_DELETE : AM_DNS_UPDATE_REPLACE;
	u.txt = v == 1 ? NULL : am_buf_str(&val);
	u.ttl = ku->ttl;
	am_err_clear(&err);
	if (am_dns_tsig_key_load(ku->keyfile, &key, &err) == -1 ||
	    am_dns_update_server_parse(ku->server, &srv, &err) == -1 ||
	    am_dns_update_send(&u, &key, &srv, strcasecmp(ku->protocol,
	    "udp") == 0 ? AM_DNS_UPDATE_UDP : AM_DNS_UPDATE_TCP,
	    ku->timeout * 1000, &err) == -1)
		am_tool_errx("%s: not %s by dynamic update to %s (zone %s): "
		    "%s", name, v == 1 ? "withdrawn" : "published", ku->server,
		    u.zone, err.msg);
	else {
		if (v == 1)
			printf("# Withdrawn by dynamic update to %s (zone %s): "
			    "every TXT record of %s.\n", ku->server, u.zone,
			    name);
		else
			printf("# Published by dynamic update to %s (zone %s): "
			    "%s. %u IN TXT \"%.60s%s\"\n", ku->server, u.zone,
			    name, ku->ttl, u.txt, strlen(u.txt) <= 60 ? "" :
			    "...");
		rc = AM_TOOL_EXIT_OK;
	}
	am_dns_tsig_key_clear(&key);
	am_buf_release(&val);
	return rc;
}

int
am_keys_update_after(const char *config, const char *verb,
    struct am_keystate_file *st, const char *domain, const char *alg,
    const char *selector)
{
	struct am_keystate_entry	*e = NULL;
	struct am_config		*cfg;
	int				 rc, set;

	if (strcmp(verb, "rotate") == 0)
		e = am_keystate_find(st, domain, alg, NULL,
		    AM_KEYSTATE_PENDING);
	else if (strcmp(verb, "revoke") == 0)
		e = am_keystate_find(st, domain, alg, selector,
		    AM_KEYSTATE_REVOKED);
	else if (strcmp(verb, "delete") == 0)
		e = am_keystate_find(st, domain, alg, selector,
		    AM_KEYSTATE_DELETED);
	if (e == NULL)
		return AM_TOOL_EXIT_OK;
	if ((set = am_keys_update_conf(config, &cfg)) <= 0)
		return set == 0 ? AM_TOOL_EXIT_OK : AM_TOOL_EXIT_INPUT;
	rc = am_keys_update_entry(cfg, e);
	if (rc != AM_TOOL_EXIT_OK)
		am_tool_errx("the key's state is saved; retry with: keys "
		    "publish -c %s -t KEYTABLE -d %s -a %s -s %s", config,
		    e->domain, e->alg, e->selector);
	am_config_unref(&cfg);
	return rc;
}

int
am_keys_update_publish(const char *config, struct am_keystate_file *st,
    const char *domain, const char *alg, const char *selector)
{
	static const enum am_keystate states[] = { AM_KEYSTATE_PENDING,
	    AM_KEYSTATE_ACTIVE, AM_KEYSTATE_RETIRING, AM_KEYSTATE_REVOKED,
	    AM_KEYSTATE_DELETED };
	struct am_keystate_entry	*e = NULL;
	struct am_config		*cfg;
	size_t				 i;
	int				 rc, set;

	if (domain == NULL || selector == NULL || config == NULL) {
		am_tool_errx("keys publish needs -c CONFIG, -d DOMAIN and "
		    "-s SELECTOR");
		return AM_TOOL_EXIT_USAGE;
	}
	for (i = 0; e == NULL && i < sizeof(states) / sizeof(states[0]); i++)
		e = am_keystate_find(st, domain, alg, selector, states[i]);
	if (e == NULL) {
		am_tool_errx("%s %s %s: no such key in the state file", domain,
		    alg, selector);
		return AM_TOOL_EXIT_PROBLEM;
	}
	if ((set = am_keys_update_conf(config, &cfg)) <= 0) {
		if (set == 0)
			am_tool_errx("%s: no KeyUpdateServer: nothing to "
			    "publish to", config);
		return set == 0 ? AM_TOOL_EXIT_USAGE : AM_TOOL_EXIT_INPUT;
	}
	rc = am_keys_update_entry(cfg, e);
	am_config_unref(&cfg);
	return rc;
}
