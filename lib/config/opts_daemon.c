/*
 * opts_daemon - the daemon's options: where it listens, its pid file,
 * user, umask and logging
 *
 * <syslog.h> is included for the LOG_* facility constants only;
 * nothing here logs to syslog.
 */

#include <arpa/inet.h>
#include <sys/socket.h>

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "config_impl.h"

#define OFF(f)	offsetof(struct am_config, f)

static am_cfg_check_fn am_cfg_socket, am_cfg_userid, am_cfg_umask,
    am_cfg_facility, am_cfg_metrics_socket;

static const struct am_cfg_opt am_cfg_daemon_opts[] = {
	AM_CFG_ROW("Socket", AM_CFG_STR, OFF(daemon.socket),
	    "unix:/run/authmilter/authmilter.sock", am_cfg_socket),
	AM_CFG_ROW("PidFile", AM_CFG_STR, OFF(daemon.pidfile), NULL,
	    am_cfg_check_nonempty),
	AM_CFG_ROW("UserID", AM_CFG_STR, OFF(daemon.userid), NULL,
	    am_cfg_userid),
	{ .name = "UMask", .type = AM_CFG_FN, .off = OFF(daemon.umask),
	    .max = 0777, .check = am_cfg_umask },
	AM_CFG_ROW("Syslog", AM_CFG_BOOL, OFF(daemon.syslog), "yes", NULL),
	AM_CFG_ROW("SyslogFacility", AM_CFG_FN, OFF(daemon.syslog_facility),
	    "mail", am_cfg_facility),
	AM_CFG_ROW("LogWhy", AM_CFG_BOOL, OFF(daemon.log_why), "no", NULL),
	AM_CFG_ROW("LogFile", AM_CFG_STR, OFF(daemon.logfile), NULL,
	    am_cfg_check_nonempty),
	AM_CFG_NUM("MilterTimeout", AM_CFG_UINT, OFF(daemon.milter_timeout),
	    "600", 1, 86400),
	AM_CFG_ROW("MetricsSocket", AM_CFG_STR, OFF(daemon.metrics_socket),
	    NULL, am_cfg_metrics_socket),
	AM_CFG_ROW("SelfCheck", AM_CFG_BOOL, OFF(daemon.selfcheck), "yes",
	    NULL),
	AM_CFG_NUM("SelfCheckInterval", AM_CFG_UINT,
	    OFF(daemon.selfcheck_interval), "24", 0, 8760),
	AM_CFG_ROW("KeyWatch", AM_CFG_BOOL, OFF(daemon.keywatch), "yes",
	    NULL),
	AM_CFG_NUM("KeyWatchInterval", AM_CFG_UINT,
	    OFF(daemon.keywatch_interval), "300", 1, 86400),
	AM_CFG_NUM("KeyWatchPort", AM_CFG_UINT, OFF(daemon.keywatch_port),
	    "53", 1, 65535),
	AM_CFG_NUM("KeyRetireDays", AM_CFG_UINT,
	    OFF(daemon.key_retire_days), "7", 1, 3650),
	AM_CFG_ROW("Background", AM_CFG_BOOL, OFF(daemon.background), "yes",
	    NULL),
};

const struct am_cfg_table am_cfg_table_daemon =
    AM_CFG_TABLE(daemon, am_cfg_daemon_opts);

static int
am_cfg_port(const char *p, size_t n)
{
	unsigned long	 port = 0;
	size_t		 i;

	if (n == 0 || n > 5)
		return -1;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return -1;
		port = port * 10 + (unsigned long)(p[i] - '0');
	}
	return port >= 1 && port <= 65535 ? 0 : -1;
}

static int
am_cfg_socket(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	const char	*rest, *at;

	if (v[0] == '/')
		return 0;
	if (strncasecmp(v, "unix:", 5) == 0 || strncasecmp(v, "local:", 6)
	    == 0) {
		rest = strchr(v, ':') + 1;
		if (rest[0] == '/')
			return 0;
		return am_cfg_bad(c, o, v, "unix:/absolute/path");
	}
	if (strncasecmp(v, "inet:", 5) == 0 || strncasecmp(v, "inet6:", 6)
	    == 0) {
		rest = strchr(v, ':') + 1;
		at = strchr(rest, '@');
		if (am_cfg_port(rest, at != NULL ? (size_t)(at - rest) :
		    strlen(rest)) == 0 && (at == NULL || at[1] != '\0'))
			return 0;
		return am_cfg_bad(c, o, v, "inet:PORT[@HOST] with PORT "
		    "1 to 65535");
	}
	return am_cfg_bad(c, o, v, "unix:PATH, local:PATH, inet:PORT@HOST "
	    "or inet6:PORT@HOST");
}

/*
 * MetricsSocket: inet:PORT@ADDR or inet6:PORT@ADDR, the address a
 * numeric one of that family (inet6's may be in brackets), never a
 * name and never left out: the endpoint listens only where told.
 */
static int
am_cfg_metrics_socket(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	unsigned char	 a[16];
	char		 addr[64];
	const char	*rest, *at;
	size_t		 n;
	int		 v6 = strncasecmp(v, "inet6:", 6) == 0;

	if (!v6 && strncasecmp(v, "inet:", 5) != 0)
		goto bad;
	rest = v + (v6 ? 6 : 5);
	if ((at = strchr(rest, '@')) == NULL ||
	    am_cfg_port(rest, (size_t)(at - rest)) == -1)
		goto bad;
	n = strlen(++at);
	if (v6 && n >= 2 && at[0] == '[' && at[n - 1] == ']') {
		at++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(addr))
		goto bad;
	memcpy(addr, at, n);
	addr[n] = '\0';
	if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, a) == 1)
		return 0;
bad:
	return am_cfg_bad(c, o, v, "inet:PORT@IPv4-ADDRESS or "
	    "inet6:PORT@IPv6-ADDRESS with PORT 1 to 65535");
}

static int
am_cfg_userid(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	const char	*colon = strchr(v, ':');

	if (v[0] == ':' || (colon != NULL && (colon[1] == '\0' ||
	    strchr(colon + 1, ':') != NULL)) || strpbrk(v, " \t") != NULL)
		return am_cfg_bad(c, o, v, "user[:group]");
	return 0;
}

static int
am_cfg_umask(struct am_cfg_ctx *c, const struct am_cfg_opt *o, void *field,
    const char *v)
{
	unsigned long	 n;
	char		*end;

	errno = 0;
	n = strtoul(v, &end, 8);
	if (!isdigit((unsigned char)v[0]) || *end != '\0' || errno != 0 ||
	    n > o->max)
		return am_cfg_bad(c, o, v, "an octal mask such as 007");
	c->cfg->daemon.umask = (mode_t)n;
	c->cfg->daemon.has_umask = 1;
	return 0;
}

static int
am_cfg_facility(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	static const struct {
		const char	*name;
		int		 fac;
	} t[] = {
		{ "mail", LOG_MAIL }, { "daemon", LOG_DAEMON },
		{ "auth", LOG_AUTH }, { "authpriv", LOG_AUTHPRIV },
		{ "user", LOG_USER }, { "local0", LOG_LOCAL0 },
		{ "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
		{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 },
		{ "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 },
		{ "local7", LOG_LOCAL7 },
	};
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcasecmp(v, t[i].name) == 0 || (strncasecmp(v, "log_",
		    4) == 0 && strcasecmp(v + 4, t[i].name) == 0)) {
			*(int *)field = t[i].fac;
			return 0;
		}
	return am_cfg_bad(c, o, v, "mail, daemon, auth, authpriv, user or "
	    "local0 to local7");
}
