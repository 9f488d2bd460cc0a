/*
 * milter-client - the MTA side of the milter protocol, version 6, as
 * Postfix 3.x speaks it; see milter-client.h.  bench-milter.c drives it.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "milter-client.h"

/* ---------------------------------------------------------------- protocol */

#define BM_PROT_VERSION	6
#define BM_CHUNK	65535		/* MILTER_CHUNK_SIZE */
#define BM_MAXPKT	(1u << 24)	/* refuse larger replies */

/* Commands, MTA to milter. */
enum {
	BM_C_ABORT = 'A', BM_C_BODY = 'B', BM_C_CONNECT = 'C',
	BM_C_MACRO = 'D', BM_C_BODYEOB = 'E', BM_C_HELO = 'H',
	BM_C_HEADER = 'L', BM_C_MAIL = 'M', BM_C_EOH = 'N',
	BM_C_OPTNEG = 'O', BM_C_QUIT = 'Q', BM_C_RCPT = 'R', BM_C_DATA = 'T'
};

/* Replies, milter to MTA. */
enum {
	BM_R_ADDRCPT = '+', BM_R_DELRCPT = '-', BM_R_ADDRCPT_PAR = '2',
	BM_R_SHUTDOWN = '4', BM_R_ACCEPT = 'a', BM_R_REPLBODY = 'b',
	BM_R_CONTINUE = 'c', BM_R_DISCARD = 'd', BM_R_CHGFROM = 'e',
	BM_R_CONN_FAIL = 'f', BM_R_ADDHEADER = 'h', BM_R_INSHEADER = 'i',
	BM_R_CHGHEADER = 'm', BM_R_PROGRESS = 'p', BM_R_QUARANTINE = 'q',
	BM_R_REJECT = 'r', BM_R_SKIP = 's', BM_R_TEMPFAIL = 't',
	BM_R_REPLYCODE = 'y'
};

/* Actions (SMFIF_*): everything up to SETSYMLIST, as Postfix offers. */
#define BM_F_ADDHDRS	0x001
#define BM_F_CHGBODY	0x002
#define BM_F_ADDRCPT	0x004
#define BM_F_DELRCPT	0x008
#define BM_F_CHGHDRS	0x010
#define BM_F_QUARANTINE	0x020
#define BM_F_CHGFROM	0x040
#define BM_F_ADDRCPT_PAR 0x080
#define BM_F_SETSYMLIST	0x100
#define BM_F_ALL	0x1ff

/* Protocol flags (SMFIP_*). */
#define BM_P_NOCONNECT	0x000001
#define BM_P_NOHELO	0x000002
#define BM_P_NOMAIL	0x000004
#define BM_P_NORCPT	0x000008
#define BM_P_NOBODY	0x000010
#define BM_P_NOHDRS	0x000020
#define BM_P_NOEOH	0x000040
#define BM_P_NR_HDR	0x000080
#define BM_P_NOUNKNOWN	0x000100
#define BM_P_NODATA	0x000200
#define BM_P_SKIP	0x000400
#define BM_P_RCPT_REJ	0x000800
#define BM_P_NR_CONN	0x001000
#define BM_P_NR_HELO	0x002000
#define BM_P_NR_MAIL	0x004000
#define BM_P_NR_RCPT	0x008000
#define BM_P_NR_DATA	0x010000
#define BM_P_NR_UNKN	0x020000
#define BM_P_NR_EOH	0x040000
#define BM_P_NR_BODY	0x080000
#define BM_P_HDR_LEADSPC 0x100000
#define BM_P_ALL	0x1fffff

/*
 * Postfix 3.7's default milter_*_macros, plus Sendmail's {if_name} and
 * {if_addr} and the {client_*} names at connect.  Names without a value
 * are not sent, as in Postfix.
 */
static const char *const bm_stage_macros[BM_M_NSTAGES] = {
	[BM_M_CONNECT] = "j {daemon_name} {daemon_addr} {daemon_port} v _ "
	    "{if_name} {if_addr} {client_addr} {client_port} {client_name} "
	    "{client_ptr}",
	[BM_M_HELO] = "{tls_version} {cipher} {cipher_bits} {cert_subject} "
	    "{cert_issuer}",
	[BM_M_ENVFROM] = "i {auth_type} {auth_authen} {auth_author} "
	    "{mail_addr} {mail_host} {mail_mailer}",
	[BM_M_ENVRCPT] = "i {rcpt_addr} {rcpt_host} {rcpt_mailer}",
	[BM_M_DATA] = "i",
	[BM_M_EOM] = "i",
	[BM_M_EOH] = "i",
};

/* ---------------------------------------------------------------- types */

const char *const bm_verdict_name[BM_V_NVERDICTS] = {
	"none", "accept", "reject", "tempfail", "discard"
};

/* Values of the macros of one transaction. */
struct bm_mctx {
	const struct bm_mta	*o;
	const struct bm_msg	*m;	/* NULL before MAIL */
	const char		*qid;	/* NULL before RCPT */
	char			 underscore[300];
	char			 client_name[256];
};

/* ---------------------------------------------------------------- utils */

void
bm_fatal(const char *fmt, ...)
{
	va_list	 ap;

	fputs("bench-milter: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

void *
bm_xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n == 0 ? 1 : n)) == NULL)
		bm_fatal("out of memory");
	return p;
}

char *
bm_xstrndup(const char *s, size_t n)
{
	char	*p = bm_xrealloc(NULL, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static int conn_fail(struct bm_conn *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* conn_fail - record why the connection is unusable; returns -1 */

static int
conn_fail(struct bm_conn *c, const char *fmt, ...)
{
	va_list	 ap;

	if (c->err[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(c->err, sizeof(c->err), fmt, ap);
		va_end(ap);
	}
	return -1;
}
/* ---------------------------------------------------------------- output */

static void
out_add(struct bm_conn *c, const void *p, size_t n)
{
	if (n > c->outcap - c->outlen) {
		c->outcap = (c->outlen + n) * 2 + 256;
		c->out = bm_xrealloc(c->out, c->outcap);
	}
	memcpy(c->out + c->outlen, p, n);
	c->outlen += n;
}

static void
pk_begin(struct bm_conn *c, int cmd)
{
	unsigned char	 h[5] = { 0, 0, 0, 0, (unsigned char)cmd };

	c->pktstart = c->outlen;
	out_add(c, h, sizeof(h));
}

static void
pk_str(struct bm_conn *c, const char *s)
{
	out_add(c, s, strlen(s) + 1);
}

static void
pk_u32(struct bm_conn *c, uint32_t v)
{
	uint32_t	 n = htonl(v);

	out_add(c, &n, 4);
}

static void
pk_end(struct bm_conn *c)
{
	uint32_t	 n = htonl((uint32_t)(c->outlen - c->pktstart - 4));

	memcpy(c->out + c->pktstart, &n, 4);
}

/* pk_cancel - drop the packet begun last */

static void
pk_cancel(struct bm_conn *c)
{
	c->outlen = c->pktstart;
}

int
bm_conn_flush(struct bm_conn *c)
{
	size_t	 off = 0;
	ssize_t	 w;

	while (off < c->outlen) {
		w = send(c->fd, c->out + off, c->outlen - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return conn_fail(c, "write to milter: %s",
			    w < 0 ? strerror(errno) : "short write");
		off += (size_t)w;
	}
	c->outlen = 0;
	return 0;
}

/* ---------------------------------------------------------------- input */

static int
conn_read(struct bm_conn *c, void *p, size_t n)
{
	unsigned char	*d = p;
	ssize_t		 r;
	size_t		 k;

	while (n > 0) {
		if (c->inoff == c->inlen) {
			r = recv(c->fd, c->in, sizeof(c->in), 0);
			if (r < 0 && errno == EINTR)
				continue;
			if (r == 0)
				return conn_fail(c, "milter closed the "
				    "connection");
			if (r < 0)
				return conn_fail(c, "read from milter: %s",
				    errno == EAGAIN ? "timeout" :
				    strerror(errno));
			c->inoff = 0;
			c->inlen = (size_t)r;
		}
		k = c->inlen - c->inoff < n ? c->inlen - c->inoff : n;
		memcpy(d, c->in + c->inoff, k);
		c->inoff += k;
		d += k;
		n -= k;
	}
	return 0;
}

/* pkt_read - read one packet into c->pkt (command byte first) */

static int
pkt_read(struct bm_conn *c)
{
	uint32_t	 len;

	if (conn_read(c, &len, 4) == -1)
		return -1;
	len = ntohl(len);
	if (len == 0 || len > BM_MAXPKT)
		return conn_fail(c, "bad reply length %u", len);
	if (len + 1 > c->pktcap) {
		c->pktcap = len + 1;
		c->pkt = bm_xrealloc(c->pkt, c->pktcap);
	}
	if (conn_read(c, c->pkt, len) == -1)
		return -1;
	c->pkt[len] = '\0';
	c->pktlen = len;
	return 0;
}

/* pkt_string - next NUL-terminated field of a reply, or NULL */

static const char *
pkt_string(const unsigned char **p, size_t *n)
{
	const unsigned char	*z = memchr(*p, '\0', *n);
	const char		*s = (const char *)*p;

	if (z == NULL)
		return NULL;
	*n -= (size_t)(z - *p) + 1;
	*p = z + 1;
	return s;
}

static int
pkt_u32(const unsigned char **p, size_t *n, uint32_t *out)
{
	uint32_t	 v;

	if (*n < 4)
		return -1;
	memcpy(&v, *p, 4);
	*out = ntohl(v);
	*p += 4;
	*n -= 4;
	return 0;
}
/* ---------------------------------------------------------------- macros */

/* macro_bare - the name without braces, in buf */

static const char *
macro_bare(const char *name, size_t len, char *buf, size_t bufsz)
{
	if (len >= 2 && name[0] == '{' && name[len - 1] == '}') {
		name++;
		len -= 2;
	}
	if (len >= bufsz)
		len = bufsz - 1;
	memcpy(buf, name, len);
	buf[len] = '\0';
	return buf;
}

/* macro_value - the value Postfix would give; NULL if undefined */

static const char *
macro_value(const struct bm_mctx *x, const char *name)
{
	const struct bm_mta	*o = x->o;
	size_t			 i;

	for (i = 0; i < o->nmacros; i++)
		if (strcmp(o->macros[i].name, name) == 0)
			return o->macros[i].value[0] != '\0' ?
			    o->macros[i].value : NULL;
	if (strcmp(name, "j") == 0 || strcmp(name, "daemon_name") == 0 ||
	    strcmp(name, "if_name") == 0)
		return o->hostname;
	if (strcmp(name, "daemon_addr") == 0 || strcmp(name, "if_addr") == 0)
		return "127.0.0.1";
	if (strcmp(name, "daemon_port") == 0)
		return "25";
	if (strcmp(name, "v") == 0)
		return "Postfix 3.7.11";
	if (strcmp(name, "_") == 0)
		return x->underscore;
	if (strcmp(name, "client_addr") == 0)
		return o->client_addr;
	if (strcmp(name, "client_port") == 0)
		return "54321";
	if (strcmp(name, "client_name") == 0 ||
	    strcmp(name, "client_ptr") == 0)
		return o->client_name;
	if (strcmp(name, "auth_type") == 0)
		return o->auth != NULL ? "PLAIN" : NULL;
	if (strcmp(name, "auth_authen") == 0)
		return o->auth;
	if (strcmp(name, "i") == 0)
		return x->qid;
	if (strcmp(name, "mail_addr") == 0)
		return x->m != NULL ? x->m->from : NULL;
	if (strcmp(name, "rcpt_addr") == 0)
		return x->m != NULL && x->qid != NULL ? x->m->rcpt : NULL;
	return NULL;
}

/* in_default_lists - is a --macro name one of the stage defaults? */

static int
in_default_lists(const char *bare)
{
	char	 pat[80];
	int	 s;
	size_t	 n = strlen(bare);

	if (n + 3 > sizeof(pat))
		return 0;
	snprintf(pat, sizeof(pat), n == 1 ? "%s" : "{%s}", bare);
	for (s = 0; s < BM_M_NSTAGES; s++) {
		const char	*l = bm_stage_macros[s], *hit;

		for (hit = strstr(l, pat); hit != NULL;
		    hit = strstr(hit + 1, pat))
			if ((hit == l || hit[-1] == ' ') &&
			    (hit[strlen(pat)] == '\0' ||
			    hit[strlen(pat)] == ' '))
				return 1;
	}
	return 0;
}

/* macro_put - add name/value to the SMFIC_MACRO packet being built */

static int
macro_put(struct bm_conn *c, const struct bm_mctx *x, const char *tok,
    size_t len)
{
	char		 bare[128], sent[132];
	const char	*v;

	macro_bare(tok, len, bare, sizeof(bare));
	if ((v = macro_value(x, bare)) == NULL)
		return 0;
	if (len >= sizeof(sent))
		return 0;
	memcpy(sent, tok, len);
	sent[len] = '\0';
	pk_str(c, sent);
	pk_str(c, v);
	return 1;
}

/*
 * send_macros - SMFIC_MACRO for a stage: the milter's list for it if
 * it gave one, else Postfix's default list; nothing if no macro has a
 * value.  At connect, --macro names not in any default list are added.
 */
static void
send_macros(struct bm_conn *c, int stage, int cmd, const struct bm_mctx *x)
{
	const char	*l = c->symlist[stage] != NULL ? c->symlist[stage] :
			    bm_stage_macros[stage];
	char		 ch = (char)cmd, name[132];
	size_t		 len, i;
	int		 count = 0;

	pk_begin(c, BM_C_MACRO);
	out_add(c, &ch, 1);
	while (*l != '\0') {
		l += strspn(l, " ,");
		len = strcspn(l, " ,");
		if (len > 0)
			count += macro_put(c, x, l, len);
		l += len;
	}
	for (i = 0; stage == BM_M_CONNECT && c->symlist[stage] == NULL &&
	    i < x->o->nmacros; i++) {
		const char	*b = x->o->macros[i].name;

		if (in_default_lists(b))
			continue;
		snprintf(name, sizeof(name), strlen(b) == 1 ? "%s" : "{%s}",
		    b);
		count += macro_put(c, x, name, strlen(name));
	}
	if (count == 0)
		pk_cancel(c);
	else
		pk_end(c);
}

/* ---------------------------------------------------------------- edits */

void
bm_edit_insert(struct bm_edit *e, size_t at, const char *name,
    const char *value, int leadspc)
{
	size_t	 vlen = strlen(value);
	char	*v = bm_xrealloc(NULL, vlen + 2);

	/* Under SMFIP_HDR_LEADSPC the value is verbatim; otherwise the MTA
	 * puts one space after the colon (Postfix's MILTER8_HDR_SPACE). */
	snprintf(v, vlen + 2, "%s%s", leadspc ? "" : " ", value);
	if (e->n == e->cap)
		e->h = bm_xrealloc(e->h, (e->cap = e->cap * 2 + 16) *
		    sizeof(*e->h));
	if (at > e->n)
		at = e->n;
	memmove(&e->h[at + 1], &e->h[at], (e->n - at) * sizeof(*e->h));
	e->h[at].name = bm_xstrndup(name, strlen(name));
	e->h[at].value = v;
	e->n++;
}

/* edit_find - position of the idx-th (1-based) header called name */

static size_t
edit_find(const struct bm_edit *e, const char *name, uint32_t idx)
{
	size_t	 i;

	for (i = 0; i < e->n; i++)
		if (strcasecmp(e->h[i].name, name) == 0 && --idx == 0)
			return i;
	return e->n;
}

/*
 * edit_change - SMFIR_CHGHEADER.  The index counts the headers of that
 * name that exist now, in order; a header deleted earlier no longer
 * counts (Postfix), which is why deleting several must go from the
 * highest index down.  An empty value deletes; an index past the last
 * such header adds the header at the end (libmilter, Postfix).
 */
static void
edit_change(struct bm_edit *e, uint32_t idx, const char *name,
    const char *value, int leadspc)
{
	size_t	 at = edit_find(e, name, idx == 0 ? 1 : idx);

	if (at == e->n) {
		if (*value != '\0')
			bm_edit_insert(e, e->n, name, value, leadspc);
		return;
	}
	free(e->h[at].name);
	free(e->h[at].value);
	if (*value == '\0') {
		memmove(&e->h[at], &e->h[at + 1], (e->n - at - 1) *
		    sizeof(*e->h));
		e->n--;
		return;
	}
	e->h[at].name = bm_xstrndup(name, strlen(name));
	e->h[at].value = bm_xrealloc(NULL, strlen(value) + 2);
	snprintf(e->h[at].value, strlen(value) + 2, "%s%s",
	    leadspc ? "" : " ", value);
}

static void
edit_body(struct bm_edit *e, const unsigned char *p, size_t n)
{
	if (n > e->bodycap - e->bodylen)
		e->body = bm_xrealloc(e->body, e->bodycap = (e->bodylen +
		    n) * 2);
	memcpy(e->body + e->bodylen, p, n);
	e->bodylen += n;
	e->body_replaced = 1;
}

/* ---------------------------------------------------------------- replies */

/* mod_check - count a header change that matches --expect */

static void
mod_check(struct bm_txn *t, const char *name, const char *value)
{
	if (t->expect == NULL || t->expect_hit)
		return;
	if (strstr(value, t->expect) != NULL)
		t->expect_hit = 1;
	else {
		size_t	 n = strlen(name);

		if (strncasecmp(name, t->expect, n) == 0 &&
		    (t->expect[n] == ':' || t->expect[n] == '\0'))
			t->expect_hit = 1;
	}
}

/* apply_header_mod - SMFIR_ADDHEADER, INSHEADER, CHGHEADER */

static int
apply_header_mod(struct bm_conn *c, struct bm_txn *t, int cmd,
    const unsigned char *p, size_t n)
{
	const char	*name, *value;
	uint32_t	 idx = 0;
	uint32_t	 need = cmd == BM_R_CHGHEADER ? BM_F_CHGHDRS :
			    BM_F_ADDHDRS;
	int		 lead = (c->pflags & BM_P_HDR_LEADSPC) != 0;

	if ((c->actions & need) == 0)
		return conn_fail(c, "reply '%c' without its action "
		    "negotiated", cmd);
	if (cmd != BM_R_ADDHEADER && pkt_u32(&p, &n, &idx) == -1)
		return conn_fail(c, "short '%c' reply", cmd);
	if ((name = pkt_string(&p, &n)) == NULL ||
	    (value = pkt_string(&p, &n)) == NULL)
		return conn_fail(c, "malformed '%c' reply", cmd);
	mod_check(t, name, value);
	if (t->verbose)
		fprintf(stderr, "bench-milter: %c %u %s:%s\n", cmd, idx,
		    name, value);
	if (t->edit == NULL)
		return 0;
	if (cmd == BM_R_ADDHEADER)
		bm_edit_insert(t->edit, t->edit->n, name, value, lead);
	else if (cmd == BM_R_INSHEADER)
		bm_edit_insert(t->edit, idx, name, value, lead);
	else
		edit_change(t->edit, idx, name, value, lead);
	return 0;
}

/* apply_eom_mod - a modification action; -1 if not one (or bad) */

static int
apply_eom_mod(struct bm_conn *c, struct bm_txn *t, int cmd,
    const unsigned char *p, size_t n)
{
	static const struct { int cmd; uint32_t act; const char *what; }
	    env[] = {
		{ BM_R_ADDRCPT, BM_F_ADDRCPT, "add recipient" },
		{ BM_R_DELRCPT, BM_F_DELRCPT, "delete recipient" },
		{ BM_R_ADDRCPT_PAR, BM_F_ADDRCPT_PAR, "add recipient" },
		{ BM_R_CHGFROM, BM_F_CHGFROM, "change sender" },
	};
	size_t	 i;

	t->nmods++;
	switch (cmd) {
	case BM_R_ADDHEADER:
	case BM_R_INSHEADER:
	case BM_R_CHGHEADER:
		return apply_header_mod(c, t, cmd, p, n);
	case BM_R_QUARANTINE:
		if ((c->actions & BM_F_QUARANTINE) == 0)
			return conn_fail(c, "quarantine not negotiated");
		t->quarantined = 1;
		snprintf(t->quarantine, sizeof(t->quarantine), "%.*s",
		    (int)strnlen((const char *)p, n), (const char *)p);
		return 0;
	case BM_R_REPLBODY:
		if ((c->actions & BM_F_CHGBODY) == 0)
			return conn_fail(c, "replbody not negotiated");
		if (t->edit != NULL)
			edit_body(t->edit, p, n);
		return 0;
	}
	for (i = 0; i < sizeof(env) / sizeof(env[0]); i++) {
		if (env[i].cmd != cmd)
			continue;
		if ((c->actions & env[i].act) == 0)
			return conn_fail(c, "'%c' not negotiated", cmd);
		if (t->edit != NULL || t->verbose)
			fprintf(stderr, "bench-milter: envelope: %s %.*s\n",
			    env[i].what, (int)strnlen((const char *)p, n),
			    (const char *)p);
		return 0;
	}
	t->nmods--;
	return conn_fail(c, "unexpected reply '%c' (0x%02x)",
	    cmd >= ' ' && cmd < 127 ? cmd : '?', cmd);
}

/* set_reply - SMFIR_REPLYCODE: "xyz text"; 4xx tempfails, 5xx rejects */

static int
set_reply(struct bm_conn *c, struct bm_txn *t, const unsigned char *p,
    size_t n)
{
	size_t	 i, len = strnlen((const char *)p, n);

	if (len < 3 || (p[0] != '4' && p[0] != '5'))
		return conn_fail(c, "bad replycode \"%.*s\"", (int)len,
		    (const char *)p);
	snprintf(t->reply, sizeof(t->reply), "%.*s", (int)len,
	    (const char *)p);
	for (i = 0; t->reply[i] != '\0'; i++)	/* multi-line: one line */
		if (t->reply[i] == '\r' || t->reply[i] == '\n')
			t->reply[i] = ' ';
	t->verdict = p[0] == '4' ? BM_V_TEMPFAIL : BM_V_REJECT;
	return 0;
}

/*
 * read_reply - read replies to one command until a final one.  Returns
 * BM_S_CONTINUE, BM_S_SKIP (body stage only), BM_S_DONE with
 * t->verdict set, or -1.  Modification actions are allowed at eom only.
 */
static int
read_reply(struct bm_conn *c, struct bm_txn *t, int eom, int body)
{
	const unsigned char	*p;
	size_t			 n;
	int			 cmd;

	if (bm_conn_flush(c) == -1)
		return -1;
	for (;;) {
		if (pkt_read(c) == -1)
			return -1;
		cmd = c->pkt[0];
		p = c->pkt + 1;
		n = c->pktlen - 1;
		switch (cmd) {
		case BM_R_CONTINUE:
			if (!eom)	/* at eom, continue is accept */
				return BM_S_CONTINUE;
			/* FALLTHROUGH */
		case BM_R_ACCEPT:
			t->verdict = BM_V_ACCEPT;
			return BM_S_DONE;
		case BM_R_REJECT:
			t->verdict = BM_V_REJECT;
			return BM_S_DONE;
		case BM_R_TEMPFAIL:
		case BM_R_SHUTDOWN:
		case BM_R_CONN_FAIL:
			t->verdict = BM_V_TEMPFAIL;
			return BM_S_DONE;
		case BM_R_DISCARD:
			t->verdict = BM_V_DISCARD;
			return BM_S_DONE;
		case BM_R_REPLYCODE:
			return set_reply(c, t, p, n) == -1 ? -1 : BM_S_DONE;
		case BM_R_PROGRESS:
			continue;
		case BM_R_SKIP:
			if (!body || (c->pflags & BM_P_SKIP) == 0)
				return conn_fail(c, "unexpected skip");
			return BM_S_SKIP;
		}
		if (!eom)
			return conn_fail(c, "reply '%c' (0x%02x) before end "
			    "of message", cmd >= ' ' && cmd < 127 ? cmd : '?',
			    cmd);
		if (apply_eom_mod(c, t, cmd, p, n) == -1)
			return -1;
	}
}

/*
 * event - send one command (with its macros), read the reply unless
 * the milter asked for none.  nosend/noreply are the SMFIP_ bits.
 */
static int
event(struct bm_conn *c, struct bm_txn *t, const struct bm_mctx *x,
    int stage, int cmd, uint32_t nosend, uint32_t noreply,
    const void *data, size_t len)
{
	if (c->pflags & nosend)
		return BM_S_CONTINUE;
	if (stage >= 0)
		send_macros(c, stage, cmd, x);
	pk_begin(c, cmd);
	out_add(c, data, len);
	pk_end(c);
	if (c->pflags & noreply)
		return c->outlen >= 65536 && bm_conn_flush(c) == -1 ? -1 :
		    BM_S_CONTINUE;
	return read_reply(c, t, cmd == BM_C_BODYEOB, cmd == BM_C_BODY);
}

/* ---------------------------------------------------------------- session */

static int
conn_dial(struct bm_conn *c, const struct bm_target *tg, double timeout)
{
	struct timeval	 tv;
	int		 one = 1;

	memset(c, 0, sizeof(*c));
	if ((c->fd = socket(tg->sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC,
	    0)) == -1)
		return conn_fail(c, "socket: %s", strerror(errno));
	tv.tv_sec = (time_t)timeout;
	tv.tv_usec = (suseconds_t)((timeout - (double)tv.tv_sec) * 1e6);
	(void)setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (tg->sa.ss_family != AF_UNIX)
		(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
	if (connect(c->fd, (const struct sockaddr *)&tg->sa, tg->salen) == -1)
		return conn_fail(c, "connect %s: %s", tg->desc,
		    strerror(errno));
	return 0;
}

/* negotiate - SMFIC_OPTNEG and its reply, with macro lists */

static int
negotiate(struct bm_conn *c)
{
	const unsigned char	*p;
	const char		*list;
	size_t			 n;
	uint32_t		 stage;

	pk_begin(c, BM_C_OPTNEG);
	pk_u32(c, BM_PROT_VERSION);
	pk_u32(c, BM_F_ALL);
	pk_u32(c, BM_P_ALL);
	pk_end(c);
	if (bm_conn_flush(c) == -1 || pkt_read(c) == -1)
		return -1;
	p = c->pkt + 1;
	n = c->pktlen - 1;
	if (c->pkt[0] != BM_C_OPTNEG || pkt_u32(&p, &n, &c->version) == -1 ||
	    pkt_u32(&p, &n, &c->actions) == -1 ||
	    pkt_u32(&p, &n, &c->pflags) == -1)
		return conn_fail(c, "bad OPTNEG reply");
	if (c->version < 2 || c->version > BM_PROT_VERSION)
		return conn_fail(c, "milter protocol version %u", c->version);
	if ((c->actions & ~(uint32_t)BM_F_ALL) != 0 ||
	    (c->pflags & ~(uint32_t)BM_P_ALL) != 0)
		return conn_fail(c, "milter asks for actions 0x%x protocol "
		    "0x%x beyond the offer", c->actions, c->pflags);
	while (n > 0) {
		if (pkt_u32(&p, &n, &stage) == -1 ||
		    (list = pkt_string(&p, &n)) == NULL ||
		    stage >= BM_M_NSTAGES)
			return conn_fail(c, "bad macro list in OPTNEG reply");
		free(c->symlist[stage]);
		c->symlist[stage] = bm_xstrndup(list, strlen(list));
	}
	return 0;
}

/* conn_data - the SMFIC_CONNECT payload */

static void
conn_data(const struct bm_mta *o, const char *hostname, char *buf,
    size_t bufsz, size_t *len_out)
{
	uint16_t	 port = htons(54321);
	size_t		 h = strlen(hostname) + 1, a = strlen(o->client_addr) + 1;

	if (h + 1 + 2 + a > bufsz)
		bm_fatal("client name or address too long");
	memcpy(buf, hostname, h);
	buf[h] = strchr(o->client_addr, ':') != NULL ? '6' : '4';
	memcpy(buf + h + 1, &port, 2);
	memcpy(buf + h + 3, o->client_addr, a);
	*len_out = h + 3 + a;
}

/*
 * bm_sess_open - dial, negotiate, connect and helo.  Returns BM_S_CONTINUE,
 * BM_S_DONE when the milter gave a verdict for the whole connection
 * (c->done is set; t->verdict says which), or -1.
 */
int
bm_sess_open(struct bm_conn *c, const struct bm_target *tg,
    const struct bm_mta *o, struct bm_txn *t)
{
	struct bm_mctx	 x;
	char		 data[600];
	size_t		 len;
	int		 r;

	memset(&x, 0, sizeof(x));
	x.o = o;
	/* Postfix sends "[addr]" as the host name when it has none. */
	if (strcmp(o->client_name, "unknown") == 0)
		snprintf(x.client_name, sizeof(x.client_name), "[%s]",
		    o->client_addr);
	else
		snprintf(x.client_name, sizeof(x.client_name), "%s",
		    o->client_name);
	snprintf(x.underscore, sizeof(x.underscore), "%s [%s]",
	    o->client_name, o->client_addr);
	if (conn_dial(c, tg, o->timeout) == -1 || negotiate(c) == -1)
		return -1;
	conn_data(o, x.client_name, data, sizeof(data), &len);
	r = event(c, t, &x, BM_M_CONNECT, BM_C_CONNECT, BM_P_NOCONNECT,
	    BM_P_NR_CONN, data, len);
	if (r == BM_S_CONTINUE)
		r = event(c, t, &x, BM_M_HELO, BM_C_HELO, BM_P_NOHELO,
		    BM_P_NR_HELO, o->helo, strlen(o->helo) + 1);
	if (r == BM_S_DONE)
		c->done = 1;
	return r;
}

/* send_headers - one SMFIC_HEADER per field, then EOH */

static int
send_headers(struct bm_conn *c, struct bm_txn *t, const struct bm_mctx *x)
{
	const struct bm_msg	*m = x->m;
	const char		*v;
	char			*buf = NULL;
	size_t			 i, nl, vl, cap = 0;
	int			 r = BM_S_CONTINUE;

	for (i = 0; i < m->nhdrs && r == BM_S_CONTINUE; i++) {
		v = m->hdrs[i].value;
		if ((c->pflags & BM_P_HDR_LEADSPC) == 0)
			while (bm_is_wsp(*v))
				v++;
		nl = strlen(m->hdrs[i].name) + 1;
		vl = strlen(v) + 1;
		if (nl + vl > cap)
			buf = bm_xrealloc(buf, cap = (nl + vl) * 2);
		memcpy(buf, m->hdrs[i].name, nl);
		memcpy(buf + nl, v, vl);
		r = event(c, t, x, -1, BM_C_HEADER, BM_P_NOHDRS, BM_P_NR_HDR,
		    buf, nl + vl);
	}
	free(buf);
	if (r == BM_S_CONTINUE)
		r = event(c, t, x, BM_M_EOH, BM_C_EOH, BM_P_NOEOH, BM_P_NR_EOH,
		    "", 0);
	return r;
}

/* send_body - 65535-byte chunks, stopping early on SMFIR_SKIP; then EOM */

static int
send_body(struct bm_conn *c, struct bm_txn *t, const struct bm_mctx *x)
{
	const struct bm_msg	*m = x->m;
	size_t			 off, len;
	int			 r = BM_S_CONTINUE;

	for (off = 0; off < m->bodylen && r == BM_S_CONTINUE; off += len) {
		len = m->bodylen - off < BM_CHUNK ? m->bodylen - off :
		    BM_CHUNK;
		r = event(c, t, x, -1, BM_C_BODY, BM_P_NOBODY, BM_P_NR_BODY,
		    m->body + off, len);
	}
	if (r == BM_S_SKIP)
		r = BM_S_CONTINUE;
	if (r != BM_S_CONTINUE)
		return r;
	r = event(c, t, x, BM_M_EOM, BM_C_BODYEOB, 0, 0, "", 0);
	return r == BM_S_CONTINUE ? BM_S_DONE : r;
}

/*
 * bm_sess_message - one transaction, MAIL to end of message, then
 * SMFIC_ABORT as Postfix sends at the end of every transaction.
 * Returns 0 with t->verdict set, or -1.
 */
int
bm_sess_message(struct bm_conn *c, const struct bm_mta *o,
    const struct bm_msg *m, const char *qid, struct bm_txn *t)
{
	struct bm_mctx	 x;
	char		 addr[300];
	int		 r;

	if (c->done) {			/* connection-level verdict */
		if (t->verdict == BM_V_NONE)
			t->verdict = BM_V_ACCEPT;
		return 0;
	}
	memset(&x, 0, sizeof(x));
	x.o = o;
	x.m = m;
	snprintf(x.underscore, sizeof(x.underscore), "%s [%s]",
	    o->client_name, o->client_addr);
	snprintf(addr, sizeof(addr), "<%s>", m->from);
	r = event(c, t, &x, BM_M_ENVFROM, BM_C_MAIL, BM_P_NOMAIL,
	    BM_P_NR_MAIL, addr, strlen(addr) + 1);
	x.qid = qid;
	snprintf(addr, sizeof(addr), "<%s>", m->rcpt);
	if (r == BM_S_CONTINUE)
		r = event(c, t, &x, BM_M_ENVRCPT, BM_C_RCPT, BM_P_NORCPT,
		    BM_P_NR_RCPT, addr, strlen(addr) + 1);
	if (r == BM_S_CONTINUE)
		r = event(c, t, &x, BM_M_DATA, BM_C_DATA, BM_P_NODATA,
		    BM_P_NR_DATA, "", 0);
	if (r == BM_S_CONTINUE)
		r = send_headers(c, t, &x);
	if (r == BM_S_CONTINUE)
		r = send_body(c, t, &x);
	if (r == -1)
		return -1;
	if (t->verdict == BM_V_NONE)
		return conn_fail(c, "no verdict");
	pk_begin(c, BM_C_ABORT);
	pk_end(c);
	return 0;
}

void
bm_sess_close(struct bm_conn *c)
{
	size_t	 i;

	if (c->fd >= 0 && c->err[0] == '\0') {
		pk_begin(c, BM_C_QUIT);
		pk_end(c);
		(void)bm_conn_flush(c);
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->out);
	free(c->pkt);
	for (i = 0; i < BM_M_NSTAGES; i++)
		free(c->symlist[i]);
	c->out = c->pkt = NULL;
	c->outlen = c->outcap = c->pktcap = 0;
	memset(c->symlist, 0, sizeof(c->symlist));
}

/* ---------------------------------------------------------------- setup */

void
bm_mta_add_macro(struct bm_mta *o, const char *arg)
{
	const char	*eq = strchr(arg, '=');
	char		 bare[128];

	if (eq == NULL || eq == arg)
		bm_fatal("--macro wants NAME=VALUE");
	o->macros = bm_xrealloc(o->macros, (o->nmacros + 1) *
	    sizeof(*o->macros));
	macro_bare(arg, (size_t)(eq - arg), bare, sizeof(bare));
	o->macros[o->nmacros].name = bm_xstrndup(bare, strlen(bare));
	o->macros[o->nmacros].value = bm_xstrndup(eq + 1, strlen(eq + 1));
	o->nmacros++;
}

void
bm_target_parse(const char *spec, struct bm_target *tg)
{
	struct addrinfo		 hints, *res;
	struct sockaddr_un	*un = (struct sockaddr_un *)&tg->sa;
	char			 port[32], host[256];
	const char		*at;
	int			 e, inet6 = strncmp(spec, "inet6:", 6) == 0;

	memset(tg, 0, sizeof(*tg));
	snprintf(tg->desc, sizeof(tg->desc), "%s", spec);
	if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0 ||
	    spec[0] == '/') {
		spec = spec[0] == '/' ? spec : strchr(spec, ':') + 1;
		if (strlen(spec) >= sizeof(un->sun_path))
			bm_fatal("socket path too long: %s", spec);
		un->sun_family = AF_UNIX;
		memcpy(un->sun_path, spec, strlen(spec) + 1);
		tg->salen = sizeof(*un);
		return;
	}
	if (strncmp(spec, "inet:", 5) != 0 && !inet6)
		bm_fatal("bad socket %s (unix:PATH, inet:PORT@HOST)", spec);
	spec = strchr(spec, ':') + 1;
	at = strchr(spec, '@');
	snprintf(port, sizeof(port), "%.*s", at ? (int)(at - spec) : 31, spec);
	snprintf(host, sizeof(host), "%s", at ? at + 1 :
	    inet6 ? "::1" : "127.0.0.1");
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = inet6 ? AF_INET6 : AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	if ((e = getaddrinfo(host, port, &hints, &res)) != 0)
		bm_fatal("%s: %s", tg->desc, gai_strerror(e));
	memcpy(&tg->sa, res->ai_addr, res->ai_addrlen);
	tg->salen = res->ai_addrlen;
	freeaddrinfo(res);
}
