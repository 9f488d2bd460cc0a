/*
 * config_opts - the option table: every option we take, its type, its
 * place in struct am_config, its default and bounds, and the OpenDKIM
 * options we refuse or accept without effect.  man/authmilter.conf.5
 * documents each entry of both tables, in this order.
 *
 * <syslog.h> is included for the LOG_* facility constants only;
 * nothing here logs to syslog.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include "config_impl.h"
#include "dkim_sign.h"
#include "domain.h"
#include "mem.h"
#include "spf.h"

#define OFF(f)	offsetof(struct am_config, f)

static am_cfg_check_fn am_cfg_mode, am_cfg_canon, am_cfg_action,
    am_cfg_on_default, am_cfg_lpolicy, am_cfg_facility, am_cfg_umask,
    am_cfg_minbits, am_cfg_peers, am_cfg_selector, am_cfg_path,
    am_cfg_sigalg, am_cfg_authserv, am_cfg_socket, am_cfg_nonempty,
    am_cfg_domains, am_cfg_hosts, am_cfg_macros, am_cfg_sign_hdrs,
    am_cfg_oversign_hdrs, am_cfg_omit_hdrs, am_cfg_userid, am_cfg_spf_action,
    am_cfg_spf_exp;

/* The actions each SPF option may take (a mask of 1 << enum am_action,
 * kept in the table's max). */
#define AM_SPF_ACTIONS_FAIL	((1U << AM_ACTION_ACCEPT) | \
				 (1U << AM_ACTION_REJECT))
#define AM_SPF_ACTIONS_TEMP	((1U << AM_ACTION_ACCEPT) | \
				 (1U << AM_ACTION_TEMPFAIL))

/* OpenDKIM's default OmitHeaders (RFC 6376 5.4 "SHOULD NOT" sign);
 * the base of an OmitHeaders delta ("*,+x,-y"). */
static const char *const am_cfg_default_omit[] = {
	"return-path", "received", "comments", "keywords", "bcc",
	"resent-bcc", "dkim-signature", NULL
};

const struct am_cfg_opt am_cfg_opts[] = {
	/* Operation. */
	{ "Mode", AM_CFG_FN, 0, "sv", 0, 0, am_cfg_mode, 0 },
	/* Signing: what and with which key. */
	{ "Domain", AM_CFG_LIST, OFF(domains), NULL, 0, 0, am_cfg_domains, 0 },
	{ "Selector", AM_CFG_STR, OFF(selector), NULL, 0, 0,
	    am_cfg_selector, 0 },
	{ "KeyFile", AM_CFG_STR, OFF(keyfile), NULL, 0, 0, am_cfg_path, 0 },
	{ "KeyTable", AM_CFG_STR, OFF(keytable), NULL, 0, 0,
	    am_cfg_nonempty, 0 },
	{ "SigningTable", AM_CFG_STR, OFF(signingtable), NULL, 0, 0,
	    am_cfg_nonempty, 0 },
	{ "SubDomains", AM_CFG_BOOL, OFF(subdomains), "no", 0, 0, NULL, 0 },
	{ "MultipleSignatures", AM_CFG_BOOL, OFF(multiple_signatures), "no",
	    0, 0, NULL, 0 },
	{ "SignatureAlgorithm", AM_CFG_STR, OFF(signature_algorithm), NULL,
	    0, 0, am_cfg_sigalg, 0 },
	{ "Canonicalization", AM_CFG_FN, 0, "relaxed/relaxed", 0, 0,
	    am_cfg_canon, 0 },
	{ "SignHeaders", AM_CFG_LIST, OFF(sign_headers), NULL, 0, 0,
	    am_cfg_sign_hdrs, 0 },
	{ "OversignHeaders", AM_CFG_LIST, OFF(oversign_headers), "From", 0, 0,
	    am_cfg_oversign_hdrs, 0 },
	{ "OmitHeaders", AM_CFG_LIST, OFF(omit_headers), NULL, 0, 0,
	    am_cfg_omit_hdrs, 0 },
	{ "SignatureTTL", AM_CFG_U64, OFF(signature_ttl), "0", 0,
	    10ULL * 366 * 86400, NULL, 0 },
	{ "MinimumKeyBits", AM_CFG_FN, 0, "1024", 0, 8192, am_cfg_minbits,
	    0 },
	{ "RequireSafeKeys", AM_CFG_BOOL, OFF(require_safe_keys), "yes", 0,
	    0, NULL, 0 },
	/* Whom to sign for. */
	{ "InternalHosts", AM_CFG_FN, OFF(internal_hosts), "127.0.0.1, ::1",
	    0, 0, am_cfg_peers, 0 },
	{ "ExternalIgnoreList", AM_CFG_FN, OFF(external_ignore), NULL, 0, 0,
	    am_cfg_peers, 0 },
	{ "MacroList", AM_CFG_LIST, OFF(macro_list), NULL, 0, 0,
	    am_cfg_macros, 0 },
	/* Verifying. */
	{ "MaximumSignaturesToVerify", AM_CFG_SIZE,
	    OFF(verify.max_signatures), "10", 1, 100, NULL, 0 },
	{ "ClockSkew", AM_CFG_UINT, OFF(verify.clock_skew), "300", 0, 86400,
	    NULL, 0 },
	{ "ClockDrift", AM_CFG_UINT, OFF(verify.clock_skew), NULL, 0, 86400,
	    NULL, AM_CFG_ALIAS },
	{ "BodyLengthPolicy", AM_CFG_FN, OFF(verify.l_policy), "strict", 0, 0,
	    am_cfg_lpolicy, 0 },
	{ "RejectBadFrom", AM_CFG_BOOL, OFF(reject_bad_from), "no", 0, 0,
	    NULL, 0 },
	{ "AuthservID", AM_CFG_STR, OFF(authserv_id), "HOSTNAME", 0, 0,
	    am_cfg_authserv, 0 },
	{ "RemoveARFrom", AM_CFG_LIST, OFF(remove_ar_from), NULL, 0, 0,
	    am_cfg_hosts, 0 },
	{ "RemoveARAll", AM_CFG_BOOL, OFF(remove_ar_all), "no", 0, 0, NULL,
	    0 },
	/* Actions. */
	{ "On-Default", AM_CFG_FN, 0, NULL, 0, 0, am_cfg_on_default,
	    AM_CFG_EARLY },
	{ "On-BadSignature", AM_CFG_FN, OFF(on_bad_signature), "accept", 0, 0,
	    am_cfg_action, 0 },
	{ "On-DNSError", AM_CFG_FN, OFF(on_dns_error), "tempfail", 0, 0,
	    am_cfg_action, 0 },
	{ "On-InternalError", AM_CFG_FN, OFF(on_internal_error), "tempfail",
	    0, 0, am_cfg_action, 0 },
	{ "On-KeyNotFound", AM_CFG_FN, OFF(on_key_not_found), "accept", 0, 0,
	    am_cfg_action, 0 },
	{ "On-NoSignature", AM_CFG_FN, OFF(on_no_signature), "accept", 0, 0,
	    am_cfg_action, 0 },
	{ "On-SignatureError", AM_CFG_FN, OFF(on_signature_error), "reject",
	    0, 0, am_cfg_action, 0 },
	/* DNS. */
	{ "Nameservers", AM_CFG_STR, OFF(nameservers), NULL, 0, 0,
	    am_cfg_nonempty, 0 },
	{ "DNSTimeout", AM_CFG_UINT, OFF(dns_timeout), "5", 1, 600, NULL, 0 },
	{ "DNSBudget", AM_CFG_UINT, OFF(dns_budget), "10", 1, 600, NULL, 0 },
	/* SPF. */
	{ "SPFMode", AM_CFG_BOOL, OFF(spf_mode), "on", 0, 0, NULL, 0 },
	{ "SPFSkipTrusted", AM_CFG_BOOL, OFF(spf_skip_trusted), "yes", 0, 0,
	    NULL, 0 },
	{ "SPFFailAction", AM_CFG_FN, OFF(spf_fail_action), "accept", 0,
	    AM_SPF_ACTIONS_FAIL, am_cfg_spf_action, 0 },
	{ "SPFSoftFailAction", AM_CFG_FN, OFF(spf_softfail_action), "accept",
	    0, AM_SPF_ACTIONS_FAIL, am_cfg_spf_action, 0 },
	{ "SPFTempErrorAction", AM_CFG_FN, OFF(spf_temperror_action),
	    "accept", 0, AM_SPF_ACTIONS_TEMP, am_cfg_spf_action, 0 },
	{ "SPFReceivedHeader", AM_CFG_BOOL, OFF(spf_received_header), "no",
	    0, 0, NULL, 0 },
	{ "SPFExplanation", AM_CFG_STR, OFF(spf_explanation), NULL, 0, 0,
	    am_cfg_spf_exp, 0 },
	{ "SPFTimeout", AM_CFG_UINT, OFF(spf_timeout), "10", 1, 120, NULL, 0 },
	/* DMARC (RFC 9989); OpenDMARC's names where it has the option. */
	{ "DMARCMode", AM_CFG_BOOL, OFF(dmarc_mode), "on", 0, 0, NULL, 0 },
	{ "RejectFailures", AM_CFG_BOOL, OFF(dmarc_reject_failures), "no", 0,
	    0, NULL, 0 },
	{ "HoldQuarantinedMessages", AM_CFG_BOOL, OFF(dmarc_hold), "yes", 0,
	    0, NULL, 0 },
	{ "IgnoreAuthenticatedClients", AM_CFG_BOOL, OFF(dmarc_ignore_auth),
	    "yes", 0, 0, NULL, 0 },
	{ "IgnoreHosts", AM_CFG_FN, OFF(dmarc_ignore_hosts), NULL, 0, 0,
	    am_cfg_peers, 0 },
	{ "IgnoreMailFrom", AM_CFG_LIST, OFF(dmarc_ignore_domains), NULL, 0,
	    0, am_cfg_domains, 0 },
	{ "IgnoreDomains", AM_CFG_LIST, OFF(dmarc_ignore_domains), NULL, 0,
	    0, am_cfg_domains, AM_CFG_ALIAS },
	{ "RequiredHeaders", AM_CFG_BOOL, OFF(dmarc_required_headers), "yes",
	    0, 0, NULL, 0 },
	{ "RejectMultiValueFrom", AM_CFG_BOOL, OFF(dmarc_reject_multi_from),
	    "no", 0, 0, NULL, 0 },
	{ "DMARCDiscovery", AM_CFG_FN, OFF(dmarc_psl_mode), "treewalk", 0, 0,
	    am_cfg_dmarc_discovery, 0 },
	{ "PublicSuffixList", AM_CFG_STR, OFF(dmarc_psl_file), NULL, 0, 0,
	    am_cfg_path, 0 },
	{ "RejectString", AM_CFG_STR, OFF(dmarc_reject_string),
	    "rejected by DMARC policy for %s", 0, 0, am_cfg_reject_string, 0 },
	{ "TemporaryErrorAction", AM_CFG_FN, OFF(dmarc_temperror_action),
	    "tempfail", 0, AM_SPF_ACTIONS_TEMP, am_cfg_spf_action, 0 },
	{ "TrustedAuthservIDs", AM_CFG_LIST, OFF(dmarc_trusted_ids), NULL, 0,
	    0, am_cfg_trusted_ids, 0 },
	/* Headers we add. */
	{ "SoftwareHeader", AM_CFG_BOOL, OFF(software_header), "no", 0, 0,
	    NULL, 0 },
	/* Daemon. */
	{ "Socket", AM_CFG_STR, OFF(socket),
	    "unix:/run/authmilter/authmilter.sock", 0, 0, am_cfg_socket, 0 },
	{ "PidFile", AM_CFG_STR, OFF(pidfile), NULL, 0, 0, am_cfg_nonempty,
	    0 },
	{ "UserID", AM_CFG_STR, OFF(userid), NULL, 0, 0, am_cfg_userid, 0 },
	{ "UMask", AM_CFG_FN, OFF(umask), NULL, 0, 0777, am_cfg_umask, 0 },
	{ "Syslog", AM_CFG_BOOL, OFF(syslog), "yes", 0, 0, NULL, 0 },
	{ "SyslogFacility", AM_CFG_FN, OFF(syslog_facility), "mail", 0, 0,
	    am_cfg_facility, 0 },
	{ "LogWhy", AM_CFG_BOOL, OFF(log_why), "no", 0, 0, NULL, 0 },
	{ "LogFile", AM_CFG_STR, OFF(logfile), NULL, 0, 0, am_cfg_nonempty,
	    0 },
	{ "MilterTimeout", AM_CFG_UINT, OFF(milter_timeout), "600", 1, 86400,
	    NULL, 0 },
	{ "Background", AM_CFG_BOOL, OFF(background), "yes", 0, 0, NULL, 0 },
};
const size_t am_cfg_nopts = sizeof(am_cfg_opts) / sizeof(am_cfg_opts[0]);

#define REFUSE(n, why)		{ n, AM_CFG_REFUSED, why }
#define NOEFFECT(n, why)	{ n, AM_CFG_NOEFFECT, why }
#define ALWAYS(n, why)		{ n, AM_CFG_ALWAYS, why }
#define NOTSUP			"not supported by authmilter"

const struct am_cfg_other am_cfg_others[] = {
	ALWAYS("SyslogSuccess", "one line is logged for every message"),
	ALWAYS("LogResults", "every verdict is logged"),
	ALWAYS("AlwaysAddARHeader", "an Authentication-Results field is "
	    "always added"),
	ALWAYS("QueryCache", "keys are always cached for their DNS TTL"),
	/* OpenDMARC's: SPF is always checked here (SPFMode), never taken
	 * from Received-SPF or other servers' Authentication-Results. */
	ALWAYS("SPFIgnoreResults", "SPF results in the message are never "
	    "used; see SPFMode"),
	ALWAYS("SPFSelfValidate", "SPF is checked by authmilter itself; see "
	    "SPFMode"),
	NOEFFECT("TrustAnchorFile", "DNS answers are not DNSSEC-validated"),
	NOEFFECT("ResolverConfiguration", "use Nameservers"),
	NOEFFECT("ResolverTracing", "no resolver tracing"),
	NOEFFECT("DNSConnect", "TCP is used when an answer is truncated"),
	NOEFFECT("AllowSHA1Only", "SHA-256 is always available; rsa-sha1 "
	    "signatures never pass (RFC 8301)"),
	NOEFFECT("AutoRestart", "let the service manager restart it"),
	NOEFFECT("AutoRestartCount", "let the service manager restart it"),
	NOEFFECT("AutoRestartRate", "let the service manager restart it"),
	NOEFFECT("AuthservIDWithJobID", "the queue id is in the log line"),
	NOEFFECT("DisableCryptoInit", "OpenSSL 3 needs no set-up"),
	NOEFFECT("EnableCoredumps", "use the service manager's settings"),
	NOEFFECT("FixCRLF", "a bare LF is always a line end"),
	NOEFFECT("KeepTemporaryFiles", "no temporary files are written"),
	NOEFFECT("TemporaryDirectory", "no temporary files are written"),
	NOEFFECT("MaximumHeaders", "the header block is limited to 1 MiB "
	    "and 1000 fields"),
	NOEFFECT("MilterDebug", "no libmilter debugging"),
	NOEFFECT("On-Security", "no such checks"),
	NOEFFECT("SoftStart", "no LDAP or SQL data sets"),
	NOEFFECT("StrictTestMode", "no test mode"),
	NOEFFECT("SyslogName", "the syslog name is always authmilter"),
	NOEFFECT("Statistics", "no statistics"),
	NOEFFECT("StatisticsName", "no statistics"),
	NOEFFECT("StatisticsPolicyScript", "no statistics"),
	NOEFFECT("StatisticsPrefix", "no statistics"),
	NOEFFECT("AnonymousStatistics", "no statistics"),
	REFUSE("BaseDirectory", "relative paths are taken from the "
	    "configuration file's directory"),
	REFUSE("ChangeRootDirectory", NOTSUP "; use the service manager "
	    "(systemd RootDirectory=)"),
	REFUSE("PeerList", NOTSUP "; have the MTA skip the milter for those "
	    "clients (Postfix smtpd_milter_maps)"),
	REFUSE("KeepAuthResults", NOTSUP "; forged Authentication-Results "
	    "with our authserv-id are always removed"),
	REFUSE("BodyLengthDB", NOTSUP "; signatures never carry l="),
	REFUSE("MaximumSignedBytes", NOTSUP "; signatures never carry l="),
	REFUSE("Minimum", NOTSUP "; see BodyLengthPolicy"),
	REFUSE("BogusKey", NOTSUP), REFUSE("UnprotectedKey", NOTSUP),
	REFUSE("CaptureUnknownErrors", NOTSUP),
	REFUSE("Diagnostics", NOTSUP), REFUSE("DiagnosticDirectory", NOTSUP),
	REFUSE("DomainKeysCompat", NOTSUP), REFUSE("DontSignMailTo", NOTSUP),
	REFUSE("ExemptDomains", NOTSUP),
	REFUSE("IdentityHeader", NOTSUP),
	REFUSE("IdentityHeaderRemove", NOTSUP),
	REFUSE("IgnoreMalformedMail", NOTSUP "; see RejectBadFrom"),
	REFUSE("MTA", NOTSUP "; use MacroList with {daemon_name}"),
	REFUSE("MTACommand", NOTSUP), REFUSE("MustBeSigned", NOTSUP),
	REFUSE("NoHeaderB", NOTSUP), REFUSE("POPDBFile", NOTSUP),
	REFUSE("Quarantine", NOTSUP "; use On-BadSignature quarantine"),
	REFUSE("RedirectFailuresTo", NOTSUP),
	REFUSE("RemoveOldSignatures", NOTSUP),
	REFUSE("ReplaceHeaders", NOTSUP), REFUSE("ReplaceRules", NOTSUP),
	REFUSE("ReportAddress", NOTSUP), REFUSE("ReportBccAddress", NOTSUP),
	REFUSE("RequestReports", NOTSUP), REFUSE("SendReports", NOTSUP),
	REFUSE("StrictHeaders", NOTSUP "; see RejectBadFrom"),
	REFUSE("ResignAll", NOTSUP), REFUSE("ResignMailTo", NOTSUP),
	REFUSE("SelectCanonicalizationHeader", NOTSUP),
	REFUSE("SenderHeaders", NOTSUP "; the author is always From"),
	REFUSE("SenderMacro", NOTSUP "; the author is always From"),
	REFUSE("SetupPolicyScript", NOTSUP " (no Lua)"),
	REFUSE("ScreenPolicyScript", NOTSUP " (no Lua)"),
	REFUSE("FinalPolicyScript", NOTSUP " (no Lua)"),
	REFUSE("SingleAuthResult", NOTSUP), REFUSE("SMTPURI", NOTSUP),
	REFUSE("TestDNSData", NOTSUP
	    "; tests give authmilter zone files with AUTHMILTER_TEST_DNS"),
	REFUSE("TestPublicKeys", NOTSUP
	    "; tests give authmilter zone files with AUTHMILTER_TEST_DNS"),
	REFUSE("TrustSignaturesFrom", NOTSUP),
	REFUSE("WeakSyntaxChecks", NOTSUP),
	REFUSE("LDAPAuthMechanism", NOTSUP " (no LDAP)"),
	REFUSE("LDAPAuthName", NOTSUP " (no LDAP)"),
	REFUSE("LDAPAuthRealm", NOTSUP " (no LDAP)"),
	REFUSE("LDAPAuthUser", NOTSUP " (no LDAP)"),
	REFUSE("LDAPBindPassword", NOTSUP " (no LDAP)"),
	REFUSE("LDAPBindUser", NOTSUP " (no LDAP)"),
	REFUSE("LDAPDisableCache", NOTSUP " (no LDAP)"),
	REFUSE("LDAPKeepaliveIdle", NOTSUP " (no LDAP)"),
	REFUSE("LDAPKeepaliveInterval", NOTSUP " (no LDAP)"),
	REFUSE("LDAPKeepaliveProbes", NOTSUP " (no LDAP)"),
	REFUSE("LDAPSoftStart", NOTSUP " (no LDAP)"),
	REFUSE("LDAPTimeout", NOTSUP " (no LDAP)"),
	REFUSE("LDAPUseTLS", NOTSUP " (no LDAP)"),
	REFUSE("VBR-Certifiers", NOTSUP " (no VBR)"),
	REFUSE("VBR-PurgeFields", NOTSUP " (no VBR)"),
	REFUSE("VBR-TrustedCertifiers", NOTSUP " (no VBR)"),
	REFUSE("VBR-TrustedCertifiersOnly", NOTSUP " (no VBR)"),
	REFUSE("VBR-Type", NOTSUP " (no VBR)"),
	{ NULL, AM_CFG_REFUSED, NULL }
};

const struct am_cfg_opt *
am_cfg_opt_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < am_cfg_nopts; i++)
		if (strcasecmp(am_cfg_opts[i].name, name) == 0)
			return &am_cfg_opts[i];
	return NULL;
}

const struct am_cfg_other *
am_cfg_other_find(const char *name)
{
	size_t	 i;

	for (i = 0; am_cfg_others[i].name != NULL; i++)
		if (strcasecmp(am_cfg_others[i].name, name) == 0)
			return &am_cfg_others[i];
	for (i = 0; am_cfg_others_dmarc[i].name != NULL; i++)
		if (strcasecmp(am_cfg_others_dmarc[i].name, name) == 0)
			return &am_cfg_others_dmarc[i];
	return NULL;
}

void
am_strv_free(char ***vp)
{
	char	**v = *vp;
	size_t	  i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
	*vp = NULL;
}

static int
am_cfg_bad(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    const char *value, const char *want)
{
	am_diag_error(c->diag, c->file, c->line, "%s: bad value \"%s\"%s%s",
	    o->name, value, want != NULL ? ": want " : "",
	    want != NULL ? want : "");
	return -1;
}

/* ---------------------------------------------------------------- scalars */

static int
am_cfg_bool(const char *v, int *out)
{
	static const char *const yes[] = { "yes", "y", "true", "t", "on",
	    "1", NULL };
	static const char *const no[] = { "no", "n", "false", "f", "off",
	    "0", NULL };
	size_t	 i;

	for (i = 0; yes[i] != NULL; i++)
		if (strcasecmp(v, yes[i]) == 0)
			return *out = 1, 0;
	for (i = 0; no[i] != NULL; i++)
		if (strcasecmp(v, no[i]) == 0)
			return *out = 0, 0;
	return -1;
}

static int
am_cfg_num(const char *v, unsigned long long min, unsigned long long max,
    unsigned long long *out)
{
	unsigned long long	 n;
	char			*end;

	if (!isdigit((unsigned char)v[0]))
		return -1;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return -1;
	*out = n;
	return 0;
}

static int
am_cfg_apply_num(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *value)
{
	unsigned long long	 n;
	char			 want[96];

	if (am_cfg_num(value, o->min, o->max, &n) == -1) {
		snprintf(want, sizeof(want), "a number from %llu to %llu",
		    o->min, o->max);
		return am_cfg_bad(c, o, value, want);
	}
	if (o->type == AM_CFG_UINT)
		*(unsigned *)field = (unsigned)n;
	else if (o->type == AM_CFG_SIZE)
		*(size_t *)field = (size_t)n;
	else
		*(uint64_t *)field = (uint64_t)n;
	return 0;
}

/* am_cfg_list - a data set's entries as a NULL-terminated vector;
 * "key=value" when an entry has a value */

static int
am_cfg_list(struct am_cfg_ctx *c, const char *value, char ***out)
{
	struct am_dataset	*ds;
	char			**v;
	size_t			  i, n;

	if (am_dataset_load(value, c->basedir, c->file, c->line, c->diag,
	    &ds) == -1)
		return -1;
	v = am_calloc(ds->n + 1, sizeof(*v));
	for (i = 0; i < ds->n; i++) {
		if (ds->entries[i].value[0] == '\0') {
			v[i] = am_strdup(ds->entries[i].key);
			continue;
		}
		n = strlen(ds->entries[i].key) + strlen(ds->entries[i].value);
		v[i] = am_malloc(n + 2);
		snprintf(v[i], n + 2, "%s=%s", ds->entries[i].key,
		    ds->entries[i].value);
	}
	am_dataset_free(&ds);
	*out = v;
	return 0;
}

int
am_cfg_apply(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    const char *value)
{
	void	*field = (char *)c->cfg + o->off;
	char	**sp, ***vp, **nv;
	int	  b;

	switch (o->type) {
	case AM_CFG_BOOL:
		if (am_cfg_bool(value, &b) == -1)
			return am_cfg_bad(c, o, value, "yes or no");
		*(int *)field = b;
		return 0;
	case AM_CFG_UINT:
	case AM_CFG_SIZE:
	case AM_CFG_U64:
		return am_cfg_apply_num(c, o, field, value);
	case AM_CFG_STR:
		sp = field;
		free(*sp);
		*sp = am_strdup(value);
		if (o->check == NULL || o->check(c, o, field, value) == 0)
			return 0;
		free(*sp);		/* no half-checked values later */
		*sp = NULL;
		return -1;
	case AM_CFG_LIST:
		if (am_cfg_list(c, value, &nv) == -1)
			return -1;
		vp = field;
		am_strv_free(vp);
		*vp = nv;
		return o->check != NULL ? o->check(c, o, field, value) : 0;
	case AM_CFG_FN:
		return o->check(c, o, field, value);
	}
	return -1;
}

void
am_cfg_opts_release(struct am_config *cfg)
{
	size_t	 i;

	for (i = 0; i < am_cfg_nopts; i++) {
		void *field = (char *)cfg + am_cfg_opts[i].off;

		if (am_cfg_opts[i].type == AM_CFG_STR) {
			free(*(char **)field);
			*(char **)field = NULL;
		} else if (am_cfg_opts[i].type == AM_CFG_LIST)
			am_strv_free((char ***)field);
	}
	am_peerlist_free(&cfg->internal_hosts);
	am_peerlist_free(&cfg->external_ignore);
	am_peerlist_free(&cfg->dmarc_ignore_hosts);
}

/* ---------------------------------------------------------------- checks */

static int
am_cfg_mode(struct am_cfg_ctx *c, const struct am_cfg_opt *o, void *field,
    const char *v)
{
	size_t	 i;
	int	 s = 0, ver = 0;

	for (i = 0; v[i] != '\0'; i++) {
		if (v[i] == 's' || v[i] == 'S')
			s = 1;
		else if (v[i] == 'v' || v[i] == 'V')
			ver = 1;
		else
			return am_cfg_bad(c, o, v, "s, v or sv");
	}
	c->cfg->mode_sign = s;
	c->cfg->mode_verify = ver;
	return 0;
}

static int
am_cfg_canon(struct am_cfg_ctx *c, const struct am_cfg_opt *o, void *field,
    const char *v)
{
	const char		*slash = strchr(v, '/');
	enum am_canon_mode	 h, b;

	if (slash == NULL) {
		if (am_canon_parse(v, strlen(v), &h) == -1)
			return am_cfg_bad(c, o, v, "header[/body], each "
			    "simple or relaxed");
		b = h;
	} else if (am_canon_parse(v, (size_t)(slash - v), &h) == -1 ||
	    am_canon_parse(slash + 1, strlen(slash + 1), &b) == -1)
		return am_cfg_bad(c, o, v, "header[/body], each simple or "
		    "relaxed");
	c->cfg->hcanon = h;
	c->cfg->bcanon = b;
	return 0;
}

static int
am_cfg_parse_action(const char *v, enum am_action *out)
{
	static const struct {
		const char	*name;
		enum am_action	 a;
	} t[] = {
		{ "a", AM_ACTION_ACCEPT }, { "accept", AM_ACTION_ACCEPT },
		{ "r", AM_ACTION_REJECT }, { "reject", AM_ACTION_REJECT },
		{ "t", AM_ACTION_TEMPFAIL }, { "tempfail", AM_ACTION_TEMPFAIL },
		{ "d", AM_ACTION_DISCARD }, { "discard", AM_ACTION_DISCARD },
		{ "q", AM_ACTION_QUARANTINE },
		{ "quarantine", AM_ACTION_QUARANTINE },
	};
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcasecmp(v, t[i].name) == 0) {
			*out = t[i].a;
			return 0;
		}
	return -1;
}

#define AM_ACTIONS_WANT	"accept, reject, tempfail, discard or quarantine"

/* An SPF action: one of those allowed by the option's mask (o->max). */

static int
am_cfg_spf_action(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	enum am_action	 a;

	if (am_cfg_parse_action(v, &a) == -1 || !((o->max >> a) & 1))
		return am_cfg_bad(c, o, v, (o->max >> AM_ACTION_REJECT) & 1 ?
		    "accept or reject" : "accept or tempfail");
	*(enum am_action *)field = a;
	return 0;
}

/* SPFExplanation: an explain-string (RFC 7208 6.2, 12), macros allowed */

static int
am_cfg_spf_exp(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	struct am_err	 err;

	if (am_spf_exp_check(v, &err) == -1) {
		am_diag_error(c->diag, c->file, c->line, "%s: \"%s\" is not an "
		    "SPF explain-string: %s", o->name, v, err.msg);
		return -1;
	}
	return 0;
}

static int
am_cfg_action(struct am_cfg_ctx *c, const struct am_cfg_opt *o, void *field,
    const char *v)
{
	if (am_cfg_parse_action(v, field) == -1)
		return am_cfg_bad(c, o, v, AM_ACTIONS_WANT);
	return 0;
}

static int
am_cfg_on_default(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	enum am_action	 a;

	if (am_cfg_parse_action(v, &a) == -1)
		return am_cfg_bad(c, o, v, AM_ACTIONS_WANT);
	c->cfg->on_bad_signature = c->cfg->on_dns_error = a;
	c->cfg->on_internal_error = c->cfg->on_key_not_found = a;
	c->cfg->on_no_signature = c->cfg->on_signature_error = a;
	return 0;
}

static int
am_cfg_lpolicy(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	enum am_dkim_l_policy	*p = field;

	if (strcasecmp(v, "honour") == 0 || strcasecmp(v, "honor") == 0)
		*p = AM_DKIM_L_HONOUR;
	else if (strcasecmp(v, "strict") == 0)
		*p = AM_DKIM_L_STRICT;
	else if (strcasecmp(v, "refuse") == 0)
		*p = AM_DKIM_L_REFUSE;
	else
		return am_cfg_bad(c, o, v, "honour, strict or refuse");
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
	c->cfg->umask = (mode_t)n;
	c->cfg->has_umask = 1;
	return 0;
}

static int
am_cfg_minbits(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	unsigned long long	 n;

	if (am_cfg_num(v, o->min, o->max, &n) == -1)
		return am_cfg_bad(c, o, v, "a number from 0 to 8192");
	c->cfg->minimum_key_bits = (unsigned)n;
	c->cfg->verify.min_key_bits = (unsigned)n;
	return 0;
}

static int
am_cfg_peers(struct am_cfg_ctx *c, const struct am_cfg_opt *o, void *field,
    const char *v)
{
	struct am_peerlist	**pl = field, *n;
	unsigned		  before = c->diag->errors;

	n = am_peerlist_load(v, c->basedir, c->file, c->line, c->diag);
	if (n == NULL)
		return -1;
	am_peerlist_free(pl);
	*pl = n;
	return c->diag->errors == before ? 0 : -1;
}

static int
am_cfg_nonempty(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	if (v[0] == '\0')
		return am_cfg_bad(c, o, v, NULL);
	return 0;
}

/* am_cfg_setstr - replace the string in field */

static void
am_cfg_setstr(void *field, char *s)
{
	char	**sp = field;

	free(*sp);
	*sp = s;
}

static int
am_cfg_selector(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	struct am_err	 err;
	char		*a;

	if ((a = am_domain_to_alabel(v, strlen(v), &err)) == NULL)
		return am_cfg_bad(c, o, v, err.msg);
	am_cfg_setstr(field, a);
	return 0;
}

static int
am_cfg_path(struct am_cfg_ctx *c, const struct am_cfg_opt *o, void *field,
    const char *v)
{
	am_cfg_setstr(field, am_path_resolve(c->basedir, v));
	return 0;
}

static int
am_cfg_sigalg(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	char	**sp = field, *p;

	for (p = *sp; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	if (strcmp(*sp, "rsa-sha1") == 0) {
		am_diag_error(c->diag, c->file, c->line, "%s: rsa-sha1 is "
		    "not allowed for signing (RFC 8301)", o->name);
		return -1;
	}
	if (strcmp(*sp, "rsa-sha256") != 0 &&
	    strcmp(*sp, "ed25519-sha256") != 0)
		return am_cfg_bad(c, o, v, "rsa-sha256 or ed25519-sha256");
	return 0;
}

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

/* am_cfg_port - "PORT" (1..65535) of a socket spec */

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

/* ---------------------------------------------------------------- lists */

static int
am_cfg_domains(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	char		**d = *(char ***)field, *a;
	struct am_err	  err;
	size_t		  i;
	int		  r = 0;

	for (i = 0; d[i] != NULL; i++) {
		if ((a = am_domain_to_alabel(d[i], strlen(d[i]), &err))
		    == NULL) {
			am_diag_error(c->diag, c->file, c->line, "%s: \"%s\": "
			    "%s", o->name, d[i], err.msg);
			r = -1;
			continue;
		}
		free(d[i]);
		d[i] = a;
	}
	return r;
}

/* RemoveARFrom: host names or ".domain" suffixes, lower case */

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
			    "%s", o->name, d[i], err.msg);
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

/* MacroList: "name" or "name=value1|value2" */

static int
am_cfg_macros(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	char	**d = *(char ***)field;
	size_t	  i, n;
	int	  r = 0;

	for (i = 0; d[i] != NULL; i++) {
		n = strcspn(d[i], "=");
		if (n == 0 || strcspn(d[i], " \t") < n ||
		    (d[i][n] == '=' && d[i][n + 1] == '\0')) {
			am_diag_error(c->diag, c->file, c->line, "%s: \"%s\": "
			    "want name or name=value[|value...]", o->name,
			    d[i]);
			r = -1;
		}
	}
	return r;
}

static int
am_hdr_in(char *const *v, size_t n, const char *name)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcasecmp(v[i], name) == 0)
			return 1;
	return 0;
}

static int
am_hdr_name_ok(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f ||
		    *s == ':' || *s == '=')
			return 0;
	return 1;
}

/*
 * am_cfg_headers - normalize a header name list in place: lower case,
 * "." dropped (OpenDKIM's "no headers"), and a list starting with "*"
 * taken as a delta ("+name", "-name") to base.
 */
static int
am_cfg_headers(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    char ***field, const char *const *base)
{
	char	**in = *field, **out, *p;
	size_t	  nin, nout = 0, i, cap;
	int	  r = 0, delta;

	for (nin = 0; in[nin] != NULL; nin++)
		for (p = in[nin]; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
	delta = nin > 0 && strcmp(in[0], "*") == 0;
	cap = nin + 1;
	for (i = 0; delta && base != NULL && base[i] != NULL; i++)
		cap++;
	out = am_calloc(cap, sizeof(*out));
	for (i = 0; delta && base != NULL && base[i] != NULL; i++)
		out[nout++] = am_strdup(base[i]);
	for (i = delta; i < nin; i++) {
		p = in[i];
		if (delta && (*p == '+' || *p == '-'))
			p++;
		if (strcmp(p, ".") == 0)
			continue;
		if (!am_hdr_name_ok(p)) {
			am_diag_error(c->diag, c->file, c->line, "%s: \"%s\" "
			    "is not a header field name", o->name, in[i]);
			r = -1;
		} else if (delta && in[i][0] == '-') {
			size_t j, k;

			for (j = k = 0; j < nout; j++) {
				if (strcmp(out[j], p) == 0)
					free(out[j]);
				else
					out[k++] = out[j];
			}
			nout = k;
			out[nout] = NULL;
		} else if (!am_hdr_in(out, nout, p))
			out[nout++] = am_strdup(p);
	}
	am_strv_free(field);
	*field = out;
	return r;
}

static int
am_cfg_sign_hdrs(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	return am_cfg_headers(c, o, field, am_dkim_sign_default_headers);
}

static int
am_cfg_oversign_hdrs(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	return am_cfg_headers(c, o, field, am_dkim_sign_default_oversign);
}

static int
am_cfg_omit_hdrs(struct am_cfg_ctx *c, const struct am_cfg_opt *o,
    void *field, const char *v)
{
	char	***vp = field;
	size_t	   i, k;

	if (am_cfg_headers(c, o, vp, am_cfg_default_omit) == -1)
		return -1;
	for (i = k = 0; (*vp)[i] != NULL; i++) {
		if (strcmp((*vp)[i], "from") == 0) {
			am_diag_warn(c->diag, c->file, c->line, "%s: From is "
			    "always signed (RFC 6376); ignored", o->name);
			free((*vp)[i]);
		} else
			(*vp)[k++] = (*vp)[i];
	}
	(*vp)[k] = NULL;
	return 0;
}
