#ifndef AM_CONFIG_H
#define AM_CONFIG_H

/*
 * config - the daemon's configuration: one immutable, refcounted
 * snapshot of the config file, every table and every key
 *
 * The file uses OpenDKIM's syntax and option names (opendkim.conf(5)):
 * "Name value" per line, '#' comments, names case-insensitive.  An
 * OpenDKIM user points authmilter at their existing file and tables.
 * Loading validates everything (options, tables, key files and their
 * permissions) and reports each problem as "file:line: message"; a
 * snapshot that loaded is never half-valid.  Reload builds a new
 * snapshot while the old one keeps serving; the milter swaps one
 * pointer (the only global) under a mutex.
 *
 * Usage:
 *	cfg = am_config_load(path, &overrides, log, &err);
 *	am_config_ref(cfg);  ... am_config_unref(&cfg);
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/evp.h>

#include "canon.h"
#include "disposition.h"
#include "dkim_verify.h"
#include "dns.h"
#include "err.h"
#include "log.h"

/* What to do with a message (On-* options): enum am_action, in
 * disposition.h (lib/engine), whose merge rule orders it. */

struct am_psl;

/* A set of peers: addresses, CIDR blocks and host names, each possibly
 * negated with '!', or a refile: list of patterns matched as OpenDKIM
 * does (InternalHosts, ExternalIgnoreList, IgnoreHosts). Opaque. */
struct am_peerlist;

/* One signing key, loaded. */
struct am_key {
	char		*name;		/* KeyTable key name, or "KeyFile" */
	char		*domain;	/* d=; "%" means the From domain */
	char		*selector;
	char		*path;		/* where it came from (for logs) */
	EVP_PKEY	*pkey;
};

/* A KeyTable entry: one name, one or more keys (dual signing). */
struct am_keyset {
	char		*name;
	struct am_key	*keys;
	size_t		 nkeys;
};

/* The result of a signing lookup: up to AM_SIGN_MAXSIGS keys, with the
 * d= each will use (the From domain when the table said "%"), and the
 * i= if the SigningTable gave one. */
#define AM_SIGN_MAXSIGS	8
struct am_sign_plan {
	size_t			 n;
	struct {
		const struct am_key	*key;
		char			 domain[256];
		char			 identity[320];	/* "" for none */
	}			 sig[AM_SIGN_MAXSIGS];
};

/*
 * The configuration, one part per feature; each part is filled by its
 * feature's option table (lib/config/opts_<feature>.c), which names the
 * option setting each field, and checked as a whole by that feature.
 */

/* DKIM (RFC 6376): operation, signing, whom to sign for, verifying,
 * the On-* actions (opts_dkim.c). */
struct am_config_dkim {
	/* Mode: s, v or sv. */
	int			 mode_sign;
	int			 mode_verify;

	/* Signing. */
	char			**domains;	/* Domain; NULL-terminated */
	char			*selector;	/* Selector */
	char			*keyfile;	/* KeyFile (resolved path) */
	char			*keytable;	/* KeyTable, as written */
	char			*signingtable;	/* SigningTable, as written */
	char			*signature_algorithm; /* SignatureAlgorithm:
						 * NULL: each key's own */
	struct am_keyset	*keysets;	/* KeyTable, or Domain+
						 * KeyFile */
	size_t			 nkeysets;
	int			 keytable_wild;	/* KeyTable refile: key set
						 * names are patterns */
	struct am_signtable	*signtable;	/* SigningTable; may be NULL */
	int			 subdomains;	/* SubDomains */
	int			 multiple_signatures; /* MultipleSignatures */
	enum am_canon_mode	 hcanon, bcanon; /* Canonicalization */
	char			**sign_headers;	/* SignHeaders; NULL: default */
	char			**oversign_headers; /* OversignHeaders */
	char			**omit_headers;	/* OmitHeaders */
	uint64_t		 signature_ttl;	/* SignatureTTL: x= (0 none) */
	unsigned		 minimum_key_bits; /* MinimumKeyBits */
	int			 require_safe_keys; /* RequireSafeKeys */

	/* Whom to sign for. */
	struct am_peerlist	*internal_hosts;  /* InternalHosts */
	struct am_peerlist	*external_ignore; /* ExternalIgnoreList */
	char			**macro_list;	/* MacroList: "name[=v|v]" */

	/* Verifying. */
	struct am_dkim_verify_opts verify;	/* MaximumSignaturesToVerify,
						 * MinimumKeyBits, l= policy */
	int			 reject_bad_from; /* RejectBadFrom (ours) */

	/* Actions. */
	enum am_action		 on_bad_signature;
	enum am_action		 on_dns_error;
	enum am_action		 on_internal_error;
	enum am_action		 on_key_not_found;
	enum am_action		 on_no_signature;
	enum am_action		 on_signature_error;
};

/* Authentication-Results (RFC 8601) and the fields we add, whatever
 * the method (opts_ar.c). */
struct am_config_ar {
	char			*authserv_id;	/* AuthservID (default host) */
	char			**remove_from;	/* RemoveARFrom */
	int			 remove_all;	/* RemoveARAll */
	int			 software_header; /* SoftwareHeader */
	int			 iprev;		/* IPRev (RFC 8601 2.7.3) */
};

/* DNS (opts_dns.c). */
struct am_config_dns {
	char			*nameservers;	/* Nameservers; NULL:
						 * resolv.conf */
	unsigned		 timeout;	/* DNSTimeout, seconds */
	unsigned		 budget;	/* DNSBudget, seconds a message */
	struct am_dns		*resolver;	/* built from the above */
};

/* SPF (RFC 7208), see engine_spf.c (opts_spf.c). */
struct am_config_spf {
	int			 mode;		/* SPFMode */
	int			 skip_trusted;	/* SPFSkipTrusted */
	enum am_action		 fail_action;	/* SPFFailAction */
	enum am_action		 softfail_action; /* SPFSoftFailAction */
	enum am_action		 temperror_action; /* SPFTempErrorAction */
	int			 received_header; /* SPFReceivedHeader */
	char			*explanation;	/* SPFExplanation; NULL:
						 * AM_SPF_DEFAULT_EXP */
	unsigned		 timeout;	/* SPFTimeout, seconds */
};

/* DMARC (RFC 9989), see engine_dmarc.c (opts_dmarc.c). */
struct am_config_dmarc {
	int			 mode;		/* DMARCMode */
	int			 reject_failures; /* RejectFailures */
	int			 hold;		/* HoldQuarantinedMessages */
	int			 ignore_auth;	/* IgnoreAuthenticatedClients */
	struct am_peerlist	*ignore_hosts;	/* IgnoreHosts */
	char			**ignore_domains; /* IgnoreMailFrom:
						 * A-labels */
	int			 required_headers; /* RequiredHeaders */
	int			 reject_multi_from; /* RejectMultiValueFrom */
	int			 psl_mode;	/* DMARCDiscovery psl */
	char			*psl_file;	/* PublicSuffixList */
	struct am_psl		*psl;		/* loaded in PSL mode */
	char			*reject_string;	/* RejectString */
	enum am_action		 temperror_action; /* TemporaryErrorAction */
	char			**trusted_ids;	/* TrustedAuthservIDs;
						 * never our AuthservID */
};

/* The daemon (opts_daemon.c). */
struct am_config_daemon {
	char			*socket;	/* Socket */
	char			*pidfile;	/* PidFile */
	char			*userid;	/* UserID: user[:group] */
	mode_t			 umask;		/* UMask */
	int			 has_umask;
	int			 syslog;	/* Syslog */
	int			 syslog_facility; /* SyslogFacility, LOG_* */
	int			 log_why;	/* LogWhy */
	char			*logfile;	/* LogFile: a path, or "stderr" */
	unsigned		 milter_timeout; /* MilterTimeout, seconds */
	int			 background;	/* Background */
	char			*metrics_socket; /* MetricsSocket: NULL off */
	int			 selfcheck;	/* SelfCheck */
	unsigned		 selfcheck_interval; /* SelfCheckInterval,
						 * hours; 0: at start and
						 * reload only */
	int			 keywatch;	/* KeyWatch */
	unsigned		 keywatch_interval; /* KeyWatchInterval, s */
	unsigned		 keywatch_port;	/* KeyWatchPort */
	unsigned		 key_retire_days; /* KeyRetireDays */
};

/* DMARC reports (opts_report.c). */
#define AM_CONFIG_REPORT_STORE		"sqlite:/var/lib/authmilter/reports.db"
#define AM_CONFIG_REPORT_JOURNAL	"/var/lib/authmilter/reports.journal"
/* ReportSmtpTLS, in lib/report's enum am_report_smtp_tls order. */
#define AM_CONFIG_SMTP_TLS_NONE		0
#define AM_CONFIG_SMTP_TLS_STARTTLS	1
#define AM_CONFIG_SMTP_TLS_REQUIRE	2
struct am_config_report {
	char			*store;		/* ReportStore: sqlite:PATH
						 * (absolute) or
						 * postgresql:CONNINFO */
	char			*org_name;	/* ReportOrgName */
	char			*email;		/* ReportEmail */
	unsigned		 interval;	/* ReportInterval, hours */
	int			 record;	/* ReportRecord (default:
						 * ReportEmail is set) */
	int			 send;		/* ReportSend */
	unsigned		 send_rate;	/* ReportSendRate: messages a
						 * minute, 0: no limit */
	unsigned		 dest_limit;	/* ReportDestinationLimit:
						 * messages a destination a
						 * day, 0: no limit */
	unsigned		 daily_limit;	/* ReportDailyLimit: messages
						 * a day in all, 0: none */
	unsigned		 suppress_days;	/* ReportSuppressDays */
	char			*sendmail;	/* ReportSendmail */
	char			*smtp;		/* ReportSmtp host[:port];
						 * NULL: ReportSendmail */
	int			 smtp_tls;	/* ReportSmtpTLS: AM_CONFIG_
						 * SMTP_TLS_* */
	char			*smtp_cafile;	/* ReportSmtpCAFile; NULL:
						 * the system's CAs */
	char			*smtp_user;	/* ReportSmtpUser */
	char			*smtp_password_file; /* ReportSmtpPasswordFile */
	char			 smtp_password[512]; /* its first line, read
						 * at load; never shown */
	int			 smtp_auth_in_clear; /* ReportSmtpAuthInClear */
	unsigned		 smtp_timeout;	/* ReportSmtpTimeout, s */
	size_t			 max_size;	/* ReportMaxSize, octets */
	char			*journal;	/* ReportJournal (always set) */
	unsigned		 queue_size;	/* ReportQueueSize, records */
	char			**exclude_domains; /* ReportExcludeDomains:
						 * A-labels */
	int			 failure;	/* FailureReports */
	char			*failure_sent_by; /* FailureReportsSentBy */
	char			**failure_bcc;	/* FailureReportsBcc */
	int			 failure_on_none; /* FailureReportsOnNone */
	char			**mailboxes;	/* ReportMailbox: NULL none */
	size_t			 capture_max;	/* ReportCaptureMaxSize,
						 * octets */
	int			 failure_redact; /* FailureReportsRedact */
	char			*failure_redact_key; /* ...RedactKey */
	unsigned		 failure_window; /* FailureReportsWindow, s */
	unsigned		 failure_rate;	/* FailureReportsRate, an hour
						 * per destination */
	unsigned		 failure_queue;	/* FailureReportsQueueSize */
};

/* DKIM key records published by DNS dynamic update (opts_keyupdate.c):
 * used by authmilter-tool keys only. */
struct am_config_keyupdate {
	char			*server;	/* KeyUpdateServer: IP[@PORT];
						 * NULL: print records only */
	char			*keyfile;	/* KeyUpdateKeyFile (TSIG) */
	char			**zones;	/* KeyUpdateZone: A-labels;
						 * NULL: the signing domain */
	unsigned		 ttl;		/* KeyUpdateTTL, seconds */
	char			*protocol;	/* KeyUpdateProtocol: tcp, udp */
	unsigned		 timeout;	/* KeyUpdateTimeout, seconds */
};

struct am_config {
	/* Where it came from. */
	char			*path;

	struct am_config_dkim	 dkim;
	struct am_config_ar	 ar;
	struct am_config_dns	 dns;
	struct am_config_spf	 spf;
	struct am_config_dmarc	 dmarc;
	struct am_config_daemon	 daemon;
	struct am_config_report	 report;
	struct am_config_keyupdate keyupdate;

	/* Internal: reference count, managed by ref/unref. */
	int			 refs;
	/* Internal: option text as applied, for am_config_print. */
	struct am_config_priv	*priv;
};

/* Command-line overrides applied over the file (NULL/0: not given). */
struct am_config_overrides {
	const char	*socket;
	const char	*pidfile;
	const char	*userid;
	/* Tests and demos: answer every DNS question from these zone
	 * files (separated by ',' or ':') instead of building a resolver
	 * from Nameservers or resolv.conf; "" means no zone at all. */
	const char	*dns_zone;
};

/*
 * am_config_load - read, validate and build a snapshot
 *
 * Every problem found is logged as "file:line: message" at error
 * level through log, and loading goes on to find the others; if any was
 * found it returns NULL and err says how many.  Warnings (weak keys,
 * options accepted but without effect) are logged and do not fail.
 * The snapshot starts with one reference.
 */
struct am_config	*am_config_load(const char *path,
			    const struct am_config_overrides *,
			    const struct am_log *, struct am_err *);
void			 am_config_ref(struct am_config *);
void			 am_config_unref(struct am_config **);

/* Prints the effective configuration, one option a line (-n). */
void			 am_config_print(const struct am_config *, FILE *);

/*
 * am_config_check - what -n does: load as am_config_load() does
 * (every problem logged as file:line), then print the effective
 * configuration to out even when problems were found (a value refused
 * is shown as not applied), unless the file could not be read at all.
 * Returns 0, or -1 with err saying how many errors.  A snapshot with
 * errors is never returned; without errors it is stored in *cfg_out
 * when cfg_out is not NULL (the caller unrefs it), for the checks that
 * are not the file's (UserID, directories: authmilter -n).
 */
int			 am_config_check(const char *path,
			    const struct am_config_overrides *,
			    const struct am_log *, FILE *out,
			    struct am_config **cfg_out, struct am_err *);

/*
 * am_config_sign_plan - which keys sign a message from this author
 *
 * addr is the From address (local@domain, domain in A-labels lower
 * case).  Uses the SigningTable (file: lookup order, refile: patterns
 * in file order; all matches with MultipleSignatures), or Domain (with
 * SubDomains) and KeyFile.  Returns the number of signatures planned
 * (0: none).
 */
size_t			 am_config_sign_plan(const struct am_config *,
			    const char *addr, struct am_sign_plan *out);

/* Is the peer in the list?  sa may be NULL (unknown address); host is
 * the peer's host name or NULL. */
int			 am_peerlist_match(const struct am_peerlist *,
			    const struct sockaddr *sa, const char *host);

/*
 * am_config_macro_match - does a MacroList entry match?  get returns
 * the value of a milter macro (e.g. "{daemon_name}") or NULL.
 */
int			 am_config_macro_match(const struct am_config *,
			    const char *(*get)(void *ctx, const char *name),
			    void *ctx);

/*
 * am_config_report_mailbox - is rcpt (an RCPT TO argument, "<a@b>" or
 * a@b) one of our report mailboxes: a ReportMailbox entry or
 * ReportEmail?  Compared case-insensitively on the local part before
 * its first '+' (on both sides: "dmarc+x@d" is "dmarc@d") and on the
 * domain (a trailing dot ignored); a quoted local part is unquoted.
 */
int			 am_config_report_mailbox(const struct am_config *,
			    const char *rcpt);
/* Does the daemon capture reports (ReportMailbox is set)? */
int			 am_config_report_capture(const struct am_config *);

#endif /* AM_CONFIG_H */
