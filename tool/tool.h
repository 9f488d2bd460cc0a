#ifndef AM_TOOL_H
#define AM_TOOL_H

/*
 * authmilter-tool - shared pieces of the subcommands
 */

#include <stdio.h>

#include "dns.h"
#include "err.h"
#include "log.h"
#include "msgparse.h"

#define AM_TOOL_EXIT_OK		0
#define AM_TOOL_EXIT_USAGE	64	/* EX_USAGE */
#define AM_TOOL_EXIT_DATAERR	65	/* EX_DATAERR: migrate result does not load */
#define AM_TOOL_EXIT_INPUT	66	/* EX_NOINPUT */
#define AM_TOOL_EXIT_SOFTWARE	70	/* EX_SOFTWARE */
#define AM_TOOL_EXIT_CANTCREAT	73	/* EX_CANTCREAT */
#define AM_TOOL_EXIT_TEMPFAIL	75	/* EX_TEMPFAIL: try again later */
#define AM_TOOL_EXIT_PROBLEM	1	/* testkey: a key has a problem;
					 * check-domain: a FAIL */

int	am_cmd_sign(int, char **);
int	am_cmd_verify(int, char **);
int	am_cmd_keygen(int, char **);
int	am_cmd_keys(int, char **);
int	am_cmd_testkey(int, char **);
int	am_cmd_spf(int, char **);
int	am_cmd_eval(int, char **);
int	am_cmd_migrate(int, char **);
int	am_cmd_checkdomain(int, char **);
int	am_cmd_report(int, char **);

/* Opens path (or stdin when NULL or "-") as a seekable stream: stdin is
 * spooled to a temporary file.  Prints the reason and returns NULL on
 * failure. */
FILE	*am_tool_open(const char *path);
/* Does the first line end in CR LF? */
int	 am_tool_uses_crlf(FILE *);
/* Feeds the whole stream (from its start) through a msgparse. */
int	 am_tool_feed(FILE *, const struct am_msgparse_cb *, void *ctx,
	    struct am_err *);
/* Writes s with its CR LF turned into LF unless crlf. */
void	 am_tool_put_lines(FILE *, const char *s, int crlf);
/* Copies the stream from its start to out. */
int	 am_tool_copy(FILE *, FILE *out);

/*
 * The DNS options every subcommand that asks DNS shares: --zone FILE
 * (repeatable), --nameserver IP[@PORT], --dns-timeout SECONDS (1-600).
 * Put AM_TOOL_DNS_LONGOPTS in the subcommand's option table and hand
 * each option to am_tool_dns_opt() first.
 */
#define AM_TOOL_MAXZONES	32
struct am_tool_dns_args {
	char		*zones[AM_TOOL_MAXZONES];
	size_t		 nzones;
	const char	*nameserver;
	unsigned	 timeout_ms;	/* 0: not given */
};
#define AM_TOOL_DNS_LONGOPTS \
	{ "zone", required_argument, NULL, 'z' }, \
	{ "nameserver", required_argument, NULL, 'n' }, \
	{ "dns-timeout", required_argument, NULL, 'T' }

/* 1: the option was a DNS option and is stored; 0: not a DNS option;
 * -1: a bad value (already printed). */
int	 am_tool_dns_opt(int c, char *arg, struct am_tool_dns_args *);
/* DNS from --zone files, or ldns with --nameserver (else default_ns,
 * else resolv.conf); the timeout given or default_ms.  NULL on error
 * (already printed). */
struct am_dns *am_tool_dns_open(const struct am_tool_dns_args *,
	    const char *default_ns, unsigned default_ms);
/* The same, falling back to a daemon config's Nameservers and
 * DNSTimeout (cfg may be NULL). */
struct am_config;
struct am_dns *am_tool_dns_for_config(const struct am_tool_dns_args *,
	    const struct am_config *cfg);

/* A log sink writing "authmilter-tool: level: line" to stderr. */
extern const struct am_log am_tool_log;

int	 am_tool_parse_u64(const char *, unsigned long long *);
void	 am_tool_errx(const char *, ...) __attribute__((format(printf, 1, 2)));

#endif /* AM_TOOL_H */
