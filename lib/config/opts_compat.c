/*
 * opts_compat - OpenDKIM's (opendkim.conf(5)) and OpenDMARC's
 * (opendmarc.conf(5)) options that we do not implement: refused with
 * the reason (an error), accepted without effect (a warning), or
 * accepted silently because we always do what they ask.  The options we
 * implement live with their feature (opts_*.c).  man/authmilter.conf.5
 * (OPENDKIM OPTIONS) documents each row.
 */

#include <stddef.h>

#include "config_impl.h"

#define REFUSE(n, why)		{ n, AM_CFG_REFUSED, why }
#define NOEFFECT(n, why)	{ n, AM_CFG_NOEFFECT, why }
#define ALWAYS(n, why)		{ n, AM_CFG_ALWAYS, why }
#define OFFONLY(n, what)	{ n, AM_CFG_OFFONLY, what }
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
	/* Reports: a switch that turns off what we do not do is a warning;
	 * what only a report would use has no effect. */
	OFFONLY("SendReports", "send RFC 6651 DKIM failure reports"),
	OFFONLY("RequestReports", "request RFC 6651 DKIM failure reports "
	    "with r=y"),
	NOEFFECT("ReportAddress", "no DKIM failure reports are sent"),
	NOEFFECT("ReportBccAddress", "no DKIM failure reports are sent"),
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

#define NOFAILREP	"failure reports are submitted through ReportSendmail"

const struct am_cfg_other am_cfg_others_dmarc[] = {
	REFUSE("CopyFailuresTo", NOTSUP),
	REFUSE("DomainWhitelist", NOTSUP " (no ARC)"),
	REFUSE("DomainWhitelistFile", NOTSUP " (no ARC)"),
	REFUSE("DomainWhitelistSize", NOTSUP " (no ARC)"),
	/* Failure reports: FailureReports, FailureReportsOnNone,
	 * FailureReportsBcc and FailureReportsSentBy are report options of
	 * their own (opts_report.c); what only OpenDMARC's scripts used has
	 * no effect. */
	NOEFFECT("ReportCommand", NOFAILREP),
	/* Aggregate reports: OpenDMARC's history file, the input of
	 * opendmarc-import and opendmarc-reports, is replaced by the
	 * report store. */
	NOEFFECT("HistoryFile", "nothing is written to it: authmilter's "
	    "report store replaces it (ReportStore; authmilter-tool report "
	    "builds and sends the aggregate reports instead of "
	    "opendmarc-import and opendmarc-reports)"),
	NOEFFECT("RecordAllMessages", "no history file is written (see "
	    "HistoryFile)"),
	REFUSE("IgnoreMailTo", NOTSUP " yet: use ReportExcludeDomains to "
	    "never report a domain"),
	{ NULL, AM_CFG_REFUSED, NULL }
};
