/*
 * opts_keyupdate - publishing DKIM key records by DNS dynamic update
 * (RFC 2136, signed with TSIG, RFC 8945): the primary server to send
 * updates to, the TSIG key file, the zones, the records' TTL, the
 * transport and the time allowed.  Only authmilter-tool keys uses them
 * (rotate publishes, revoke publishes the empty p= record, delete
 * withdraws it, publish republishes); the daemon never sends updates.
 * The key file is read by the tool when it sends (so that the daemon,
 * which never needs it, need not be able to read it).
 * man/authmilter.conf.5 (KEY ROTATION) documents each row.
 */

#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "config_impl.h"
#include "dns_update.h"

#define OFF(f)	offsetof(struct am_config, f)

static am_cfg_check_fn am_cfg_ku_server, am_cfg_ku_proto;
static am_cfg_whole_fn am_cfg_ku_check;

static const struct am_cfg_opt am_cfg_keyupdate_opts[] = {
	AM_CFG_ROW("KeyUpdateServer", AM_CFG_STR, OFF(keyupdate.server), NULL,
	    am_cfg_ku_server),
	AM_CFG_ROW("KeyUpdateKeyFile", AM_CFG_STR, OFF(keyupdate.keyfile),
	    NULL, am_cfg_check_path),
	AM_CFG_ROW("KeyUpdateZone", AM_CFG_LIST, OFF(keyupdate.zones), NULL,
	    am_cfg_check_domains),
	AM_CFG_NUM("KeyUpdateTTL", AM_CFG_UINT, OFF(keyupdate.ttl), "300", 0,
	    604800),
	AM_CFG_ROW("KeyUpdateProtocol", AM_CFG_STR, OFF(keyupdate.protocol),
	    "tcp", am_cfg_ku_proto),
	AM_CFG_NUM("KeyUpdateTimeout", AM_CFG_UINT, OFF(keyupdate.timeout),
	    "10", 1, 600),
};

const struct am_cfg_table am_cfg_table_keyupdate =
    AM_CFG_TABLE(keyupdate, am_cfg_keyupdate_opts);
const struct am_cfg_feature am_cfg_feature_keyupdate = {
	"keyupdate", am_cfg_ku_check
};

static int
am_cfg_ku_server(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	struct am_dns_update_server	 s;
	struct am_err			 err;

	(void)field;
	if (am_dns_update_server_parse(v, &s, &err) == -1)
		return am_cfg_bad(c, o, v, "IP or IP@PORT (the zone's primary "
		    "server)");
	return 0;
}

static int
am_cfg_ku_proto(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	(void)field;
	if (strcasecmp(v, "tcp") != 0 && strcasecmp(v, "udp") != 0)
		return am_cfg_bad(c, o, v, "tcp or udp");
	return 0;
}

/* KeyUpdateServer and KeyUpdateKeyFile go together (updates are always
 * signed). */
static void
am_cfg_ku_check(struct am_cfg_ctx *c)
{
	const char	*file;
	unsigned	 line;
	int		 srv = am_cfg_is_set(c, "KeyUpdateServer");

	/* Set, even to a bad value (already reported). */
	if (srv == am_cfg_is_set(c, "KeyUpdateKeyFile"))
		return;
	am_cfg_where(c, srv ? "KeyUpdateServer" : "KeyUpdateKeyFile", &file,
	    &line);
	am_diag_error(c->diag, file, line, "%s needs %s: updates are signed "
	    "with TSIG", srv ? "KeyUpdateServer" : "KeyUpdateKeyFile",
	    srv ? "KeyUpdateKeyFile" : "KeyUpdateServer");
}
