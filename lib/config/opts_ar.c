/*
 * opts_ar - the options of the fields we write and remove, whatever
 * the method: our authserv-id, which Authentication-Results fields to
 * remove (RFC 8601 5), and the DKIM-Filter field.  Two tables: the
 * manual and -n print them in two places (Verifying, Headers we add).
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netdb.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_impl.h"
#include "domain.h"
#include "mem.h"

#define OFF(f)	offsetof(struct am_config, f)

static am_cfg_check_fn am_cfg_authserv, am_cfg_hosts;

static const struct am_cfg_opt am_cfg_ar_opts[] = {
	AM_CFG_ROW("AuthservID", AM_CFG_STR, OFF(ar.authserv_id), "HOSTNAME",
	    am_cfg_authserv),
	AM_CFG_ROW("RemoveARFrom", AM_CFG_LIST, OFF(ar.remove_from), NULL,
	    am_cfg_hosts),
	AM_CFG_ROW("RemoveARAll", AM_CFG_BOOL, OFF(ar.remove_all), "no",
	    NULL),
	AM_CFG_ROW("IPRev", AM_CFG_BOOL, OFF(ar.iprev), "no", NULL),
};

static const struct am_cfg_opt am_cfg_ar_header_opts[] = {
	AM_CFG_ROW("SoftwareHeader", AM_CFG_BOOL, OFF(ar.software_header), "no",
	    NULL),
};

const struct am_cfg_table am_cfg_table_ar =
    AM_CFG_TABLE(ar, am_cfg_ar_opts);
const struct am_cfg_table am_cfg_table_ar_headers =
    AM_CFG_TABLE(ar, am_cfg_ar_header_opts);

/* The default AuthservID: the host's fully qualified name, as the
 * resolver's canonical name for gethostname() (getaddrinfo
 * AI_CANONNAME: /etc/hosts, then DNS); the bare name when it has none. */
static void
am_cfg_fqdn(char *host, size_t sz)
{
	struct addrinfo	 hints, *res = NULL;

	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_CANONNAME;
	if (getaddrinfo(host, NULL, &hints, &res) == 0 && res != NULL &&
	    res->ai_canonname != NULL && strlen(res->ai_canonname) < sz)
		memcpy(host, res->ai_canonname, strlen(res->ai_canonname) + 1);
	if (res != NULL)
		freeaddrinfo(res);
}

static int
am_cfg_authserv(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	char	 host[256];
	size_t	 i;

	if (strcmp(v, "HOSTNAME") == 0) {
		if (gethostname(host, sizeof(host)) == -1)
			return am_cfg_bad(c, o, v, "a name (gethostname "
			    "failed)");
		host[sizeof(host) - 1] = '\0';
		am_cfg_fqdn(host, sizeof(host));
		am_cfg_setstr(field, am_strdup(host));
		v = host;
	}
	/* RFC 8601 2.2: authserv-id is a value; we keep to characters
	 * that need no quoting in the header (a host name, typically). */
	for (i = 0; v[i] != '\0'; i++)
		if ((unsigned char)v[i] <= ' ' || (unsigned char)v[i] >= 0x7f ||
		    strchr("();,\\\"", v[i]) != NULL)
			return am_cfg_bad(c, o, v, "a host name");
	return 0;
}

static int
am_cfg_hosts(struct am_cfg_ctx *c, const struct am_cfg_opt *o, void *field,
    const char *v)
{
	char		**d = *(char ***)field, *a;
	const char	 *name;
	struct am_err	  err;
	size_t		  i;
	int		  r = 0;

	for (i = 0; d[i] != NULL; i++) {
		name = d[i][0] == '.' ? d[i] + 1 : d[i];
		if ((a = am_domain_to_alabel(name, strlen(name), &err))
		    == NULL) {
			am_diag_error(c->diag, c->file, c->line, "%s: \"%s\": "
			    "%s", o->name, AM_DIAG_Q(d[i]), err.msg);
			r = -1;
			continue;
		}
		if (d[i][0] == '.') {
			free(d[i]);
			d[i] = am_malloc(strlen(a) + 2);
			d[i][0] = '.';
			memcpy(d[i] + 1, a, strlen(a) + 1);
			free(a);
		} else {
			free(d[i]);
			d[i] = a;
		}
	}
	return r;
}
