#ifndef BM_MILTER_CLIENT_H
#define BM_MILTER_CLIENT_H

/*
 * milter-client - the MTA side of the milter protocol, version 6
 *
 * A milter client of our own, without libmilter, that behaves as
 * Postfix 3.x does towards a milter:
 *  - SMFIC_OPTNEG version 6 offering every action (0x1ff) and every
 *    protocol flag Postfix offers (0x1fffff: the NO* and NR_* bits,
 *    SMFIP_SKIP, SMFIP_RCPT_REJ, SMFIP_HDR_LEADSPC), honouring what the
 *    milter asks for, including its macro lists;
 *  - Postfix's default macros per stage, plus Sendmail's {if_name} and
 *    {if_addr}; the queue id {i} from RCPT on (Postfix opens the queue
 *    file at the first valid RCPT);
 *  - connect, helo, mail, rcpt, data, one SMFIC_HEADER per header field
 *    (folded lines joined by LF as Postfix keeps them; the value keeps
 *    its leading white space only under SMFIP_HDR_LEADSPC), eoh, the
 *    body with CRLF line ends in 65535-byte chunks (CR LF pairs do get
 *    split), end of message, then SMFIC_ABORT (Postfix resets the milter
 *    after every transaction) and SMFIC_QUIT.
 * Every reply is handled: accept, continue, reject, tempfail, discard,
 * skip, replycode, progress, and at end of message addheader,
 * insheader, chgheader, quarantine, replbody and the envelope changes.
 *
 * Usage (one connection, any number of transactions):
 *	bm_target_parse("unix:/run/x.sock", &tg);
 *	if (bm_sess_open(&c, &tg, &mta, &t) == -1) ... c.err says why
 *	bm_sess_message(&c, &mta, &msg, "4BMQ1", &t);	t.verdict
 *	bm_conn_flush(&c);		sends the pending SMFIC_ABORT
 *	bm_sess_close(&c);		SMFIC_QUIT, close, free
 * With t.edit set, the milter's header and body changes are applied to
 * that bm_edit (print mode); with t.edit NULL they are only counted.
 *
 * Errors: calls that talk to the milter return -1 on a protocol or I/O
 * error, with the reason in c->err; the connection is then unusable
 * (bm_sess_close it).  Out of memory and bad arguments are fatal
 * (bm_fatal: a message on stderr, exit 2).
 * Thread safety: one bm_conn per thread; the rest is read-only.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

/* Macro stages (SMFIM_*), as numbered in the OPTNEG macro lists. */
enum bm_stage {
	BM_M_CONNECT, BM_M_HELO, BM_M_ENVFROM, BM_M_ENVRCPT, BM_M_DATA,
	BM_M_EOM, BM_M_EOH, BM_M_NSTAGES
};

enum bm_verdict {
	BM_V_NONE,		/* still going */
	BM_V_ACCEPT,
	BM_V_REJECT,
	BM_V_TEMPFAIL,
	BM_V_DISCARD,
	BM_V_NVERDICTS
};

extern const char *const bm_verdict_name[BM_V_NVERDICTS];

/* Step results of the session calls (or -1). */
enum bm_step { BM_S_CONTINUE, BM_S_SKIP, BM_S_DONE };

/* One header field of an input message. */
struct bm_hdr {
	char		*name;
	char		*value;		/* after the colon; folds joined by LF */
};

/* An input message, parsed once, read-only afterwards. */
struct bm_msg {
	const char	*path;
	struct bm_hdr	*hdrs;
	size_t		 nhdrs;
	char		*body;		/* CRLF line ends */
	size_t		 bodylen;
	char		 from[256];	/* envelope, without <> */
	char		 rcpt[256];
};

struct bm_macro {
	char		*name;		/* without braces */
	char		*value;		/* "" means: not defined */
};

/* What the MTA says about itself and its SMTP client. */
struct bm_mta {
	const char	*client_addr;
	const char	*client_name;	/* "unknown": none */
	const char	*helo;
	const char	*hostname;	/* j, {daemon_name} */
	const char	*auth;		/* {auth_authen}; NULL: none */
	double		 timeout;	/* seconds per reply */
	struct bm_macro	*macros;	/* --macro overrides */
	size_t		 nmacros;
};

struct bm_target {
	struct sockaddr_storage	 sa;
	socklen_t		 salen;
	char			 desc[300];
};

/* One milter connection. */
struct bm_conn {
	int		 fd;
	uint32_t	 version, actions, pflags;
	char		*symlist[BM_M_NSTAGES];	/* milter's macro lists */
	int		 done;		/* connection-level verdict given */
	unsigned char	*out;
	size_t		 outlen, outcap, pktstart;
	unsigned char	 in[16384];
	size_t		 inoff, inlen;
	unsigned char	*pkt;		/* last packet read, NUL-terminated */
	size_t		 pktlen, pktcap;
	char		 err[256];
};

/* A header of the message being edited (print mode). */
struct bm_ehdr {
	char		*name;
	char		*value;		/* exactly what follows the colon */
};

struct bm_edit {
	struct bm_ehdr	*h;
	size_t		 n, cap;
	char		*body;		/* SMFIR_REPLBODY, if any */
	size_t		 bodylen, bodycap;
	int		 body_replaced;
};

/* One transaction's outcome. */
struct bm_txn {
	enum bm_verdict	 verdict;
	char		 reply[512];	/* SMFIR_REPLYCODE text */
	char		 quarantine[512];
	int		 quarantined;
	int		 expect_hit;
	unsigned	 nmods;
	struct bm_edit	*edit;		/* print mode; NULL when benching */
	const char	*expect;
	int		 verbose;
};

static inline int
bm_is_wsp(int ch)
{
	return ch == ' ' || ch == '\t';
}

void	 bm_fatal(const char *, ...) __attribute__((format(printf, 1, 2),
	    noreturn));
void	*bm_xrealloc(void *, size_t);
char	*bm_xstrndup(const char *, size_t);

/* "NAME=VALUE" (NAME with or without braces) into mta->macros. */
void	 bm_mta_add_macro(struct bm_mta *, const char *);
/* unix:PATH (local:PATH, /PATH), inet:PORT@HOST, inet6:PORT@HOST. */
void	 bm_target_parse(const char *, struct bm_target *);

/* Dial, negotiate, connect and helo: BM_S_CONTINUE, BM_S_DONE when the
 * milter gave a verdict for the whole connection (c->done), or -1. */
int	 bm_sess_open(struct bm_conn *, const struct bm_target *,
	    const struct bm_mta *, struct bm_txn *);
/* One transaction, MAIL to end of message; 0 with t->verdict set, or
 * -1.  The SMFIC_ABORT that ends it is left in the output buffer. */
int	 bm_sess_message(struct bm_conn *, const struct bm_mta *,
	    const struct bm_msg *, const char *qid, struct bm_txn *);
int	 bm_conn_flush(struct bm_conn *);
void	 bm_sess_close(struct bm_conn *);

/* Insert a header at position at (0: the top); leadspc: the value is
 * verbatim, else one space goes after the colon. */
void	 bm_edit_insert(struct bm_edit *, size_t, const char *,
	    const char *, int);

#endif /* BM_MILTER_CLIENT_H */
