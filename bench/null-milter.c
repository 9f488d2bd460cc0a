/*
 * null-milter - the libmilter floor: a filter that does nothing, but
 * negotiates and behaves towards the MTA as authmilter does
 *
 * bench/run-milter.sh measures it in the same run as authmilter, so the
 * difference between the two is what authmilter's own work costs over
 * libmilter's (a thread per connection, a poll and two reads per
 * command, a write per reply).  What it shares with authmilter
 * (milter/callbacks.c):
 *  - actions: it needs SMFIF_ADDHDRS and SMFIF_CHGHDRS and asks for
 *    those and SMFIF_QUARANTINE;
 *  - protocol steps: SMFIP_HDR_LEADSPC, SMFIP_SKIP, SMFIP_NR_HDR,
 *    SMFIP_NOUNKNOWN and SMFIP_NODATA, as far as the MTA offers them;
 *  - the default macro lists (no smfi_setsymlist);
 *  - replies: CONTINUE to connect, HELO, MAIL, RCPT and end of headers,
 *    NOREPLY to each header when SMFIP_NR_HDR was agreed, CONTINUE to
 *    each body chunk (authmilter wants the body when it signs or
 *    verifies), and at end of message one header inserted at the top
 *    (authmilter inserts its Authentication-Results or DKIM-Signature
 *    there) before ACCEPT.
 * It reads every macro authmilter reads (the queue id at each step,
 * the client and AUTH macros at MAIL).
 *
 * Usage: null-milter -p SOCKET [-H NAME]
 *	SOCKET as libmilter takes it (unix:/path, inet:port@host);
 *	NAME the header it inserts (default X-Null-Milter).
 * Runs in the foreground until SIGTERM or SIGINT (libmilter's signal
 * handling).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#define NULL_ACTIONS_NEEDED	(SMFIF_ADDHDRS | SMFIF_CHGHDRS)
#define NULL_ACTIONS_WANTED	(NULL_ACTIONS_NEEDED | SMFIF_QUARANTINE)
#define NULL_STEPS_WANTED	(SMFIP_HDR_LEADSPC | SMFIP_SKIP | \
				 SMFIP_NR_HDR | SMFIP_NOUNKNOWN | SMFIP_NODATA)

static char	 null_default[] = "X-Null-Milter";
static char	*null_header = null_default;

/* What was agreed, per connection (smfi_setpriv). */
struct null_conn {
	int	 nr_hdr;
};

static void
null_qid(SMFICTX *ctx)
{
	(void)smfi_getsymval(ctx, (char *)"i");	/* as authmilter does */
}

static sfsistat
null_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	struct null_conn	*c;

	(void)f2;
	(void)f3;
	if ((f0 & NULL_ACTIONS_NEEDED) != NULL_ACTIONS_NEEDED)
		return SMFIS_REJECT;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return SMFIS_TEMPFAIL;
	*pf0 = f0 & NULL_ACTIONS_WANTED;
	*pf1 = f1 & NULL_STEPS_WANTED;
	*pf2 = *pf3 = 0;
	c->nr_hdr = (*pf1 & SMFIP_NR_HDR) != 0;
	(void)smfi_setpriv(ctx, c);
	return SMFIS_CONTINUE;
}

static sfsistat
null_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	(void)ctx;
	(void)host;
	(void)sa;
	return SMFIS_CONTINUE;
}

static sfsistat
null_helo(SMFICTX *ctx, char *helo)
{
	(void)ctx;
	(void)helo;
	return SMFIS_CONTINUE;
}

static sfsistat
null_envfrom(SMFICTX *ctx, char **argv)
{
	(void)argv;
	null_qid(ctx);
	(void)smfi_getsymval(ctx, (char *)"{auth_authen}");
	(void)smfi_getsymval(ctx, (char *)"{auth_type}");
	return SMFIS_CONTINUE;
}

static sfsistat
null_envrcpt(SMFICTX *ctx, char **argv)
{
	(void)ctx;
	(void)argv;
	return SMFIS_CONTINUE;
}

static sfsistat
null_hdr(SMFICTX *ctx, char *name, char *value)
{
	struct null_conn	*c = smfi_getpriv(ctx);

	(void)name;
	(void)value;
	null_qid(ctx);
	return c != NULL && c->nr_hdr ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat
null_eoh(SMFICTX *ctx)
{
	null_qid(ctx);
	return SMFIS_CONTINUE;
}

static sfsistat
null_body(SMFICTX *ctx, unsigned char *p, size_t n)
{
	(void)ctx;
	(void)p;
	(void)n;
	return SMFIS_CONTINUE;
}

static sfsistat
null_eom(SMFICTX *ctx)
{
	static char	 value[] = " none";

	null_qid(ctx);
	if (smfi_insheader(ctx, 0, null_header, value) != MI_SUCCESS)
		return SMFIS_TEMPFAIL;
	return SMFIS_ACCEPT;
}

static sfsistat
null_abort(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

static sfsistat
null_close(SMFICTX *ctx)
{
	free(smfi_getpriv(ctx));
	(void)smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

int
main(int argc, char **argv)
{
	struct smfiDesc	 desc = {
		.xxfi_name = (char *)"null-milter",
		.xxfi_version = SMFI_VERSION,
		.xxfi_flags = NULL_ACTIONS_WANTED,
		.xxfi_connect = null_connect,
		.xxfi_helo = null_helo,
		.xxfi_envfrom = null_envfrom,
		.xxfi_envrcpt = null_envrcpt,
		.xxfi_header = null_hdr,
		.xxfi_eoh = null_eoh,
		.xxfi_body = null_body,
		.xxfi_eom = null_eom,
		.xxfi_abort = null_abort,
		.xxfi_close = null_close,
		.xxfi_negotiate = null_negotiate,
	};
	const char	*sock = NULL;
	int		 ch;

	while ((ch = getopt(argc, argv, "p:H:")) != -1) {
		switch (ch) {
		case 'p':
			sock = optarg;
			break;
		case 'H':
			null_header = optarg;
			break;
		default:
			sock = NULL;
			optind = argc + 1;
			break;
		}
	}
	if (sock == NULL || optind != argc) {
		fprintf(stderr, "usage: null-milter -p SOCKET [-H NAME]\n");
		return 2;
	}
	if (strncmp(sock, "unix:", 5) == 0)
		(void)unlink(sock + 5);
	if (smfi_register(desc) != MI_SUCCESS ||
	    smfi_setconn((char *)sock) != MI_SUCCESS ||
	    smfi_opensocket(0) != MI_SUCCESS) {
		fprintf(stderr, "null-milter: cannot listen on %s\n", sock);
		return 1;
	}
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
