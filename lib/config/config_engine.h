#ifndef AM_CONFIG_ENGINE_H
#define AM_CONFIG_ENGINE_H

/*
 * config_engine - the one mapping from the configuration to the engine
 * (engine.h): the daemon (milter/session.c) and `authmilter-tool eval
 * -c` both call it, so that eval predicts the daemon.
 *
 * am_config_engine_opts: every option the engine has (AuthservID, the
 * verifier's limits, On-*, RemoveARFrom/RemoveARAll, SPFMode,
 * SPFTimeout, SPFExplanation, SPF*Action, SPFReceivedHeader, IPRev,
 * DMARCMode,
 * DMARCDiscovery/PublicSuffixList, RejectFailures,
 * HoldQuarantinedMessages, TemporaryErrorAction, RequiredHeaders,
 * RejectMultiValueFrom, RejectString, TrustedAuthservIDs,
 * IgnoreMailFrom).  The report sink is the caller's.
 *
 * am_config_engine_client: what the configuration makes of the client
 * (struct am_client, as the MTA described it): SPF skipped for a
 * trusted client with SPFSkipTrusted; iprev never checked for a trusted
 * client; DMARC never enforced for a client
 * in InternalHosts or IgnoreHosts, or an authenticated one with
 * IgnoreAuthenticatedClients.
 *
 * am_config_client_trusted: InternalHosts, SMTP AUTH or MacroList
 * (signing, and skipping SPF).
 *
 * Pure functions of the snapshot; the results borrow its strings.
 */

#include <sys/socket.h>

#include <stddef.h>

#include "config.h"
#include "engine.h"

/* What the MTA told us about the client. */
struct am_client {
	const struct sockaddr	*sa;		/* NULL: unknown */
	const char		*host;		/* may be NULL */
	const char		*addr;		/* printable; NULL: unknown */
	const char		*auth_authen;	/* {auth_authen} or NULL */
	const char		*auth_type;	/* {auth_type} or NULL */
	/* A milter macro's value ("{daemon_name}", "j") or NULL. */
	const char		*(*getmacro)(void *, const char *);
	void			*macro_ctx;
};

void	am_config_engine_opts(const struct am_config *,
	    struct am_engine_opts *out);
void	am_config_engine_client(const struct am_config *,
	    const struct am_client *, struct am_engine_client *out);
/* Is the client trusted?  Says why in why, either way. */
int	am_config_client_trusted(const struct am_config *,
	    const struct am_client *, char *why, size_t size);

#endif /* AM_CONFIG_ENGINE_H */
