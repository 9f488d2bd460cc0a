/*
 * bench-dkim - DKIM costs next to raw OpenSSL, on the same data, in one run
 *
 * Three groups of measurements, printed as markdown tables:
 *
 *  1. raw SHA-256 (EVP_DigestInit_ex/Update/Final with a fetched
 *     EVP_MD and a reused context) over a body;
 *  2. our body canonicalize-and-hash (am_bodyhash: am_canon feeding
 *     am_digest, created and freed per message as the milter does),
 *     simple and relaxed, over the same body fed in 65535-byte chunks
 *     as Postfix sends it, as MB/s (1 MB = 10^6 input bytes) and as a
 *     ratio to row 1;
 *  3. sign and verify operations per second for rsa-2048 and ed25519:
 *     raw EVP_DigestSign/EVP_DigestVerify over a ~600-byte canonical
 *     header block (Ed25519: SHA-256 of it, then PureEdDSA over the 32
 *     bytes, RFC 8463), am_pkey_sign/am_pkey_verify on the same bytes,
 *     and the whole message path: am_dkim_signer over a 2 KB message,
 *     am_dkim_verifier over the signed message with its key in an
 *     in-memory zone.
 *
 * Every figure is the best of three timed runs of about 0.35 s (0.035 s
 * with --quick), timed with CLOCK_MONOTONIC; the best CPU time of the
 * three (CLOCK_PROCESS_CPUTIME_ID) is printed beside it, and the ratio
 * to raw OpenSSL is given on both.  The CPU figures are the steadier
 * ones on a busy machine.  Before timing,
 * the results are checked: simple and relaxed body hashes against a
 * plain reference, every signature verified, every message passing.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/opensslv.h>

#include "autoconfig.h"
#include "bodyhash.h"
#include "buf.h"
#include "canon_simd.h"
#include "dkim_sign.h"
#include "dkim_verify.h"
#include "dns.h"
#include "keycache.h"
#include "pkey.h"

#define BENCH_CHUNK	65535		/* Postfix's body chunk */
#define BENCH_REPS	3		/* best of */
#define BENCH_RUN_S	0.35		/* seconds per timed run */
#define BENCH_MSG	2048		/* whole-message size */
#define BENCH_NOW	1700000000ULL	/* fixed t= so runs are alike */

static double	bench_run_s = BENCH_RUN_S;

/* ---------------------------------------------------------------- util */

static void
bench_die(const char *what)
{
	fprintf(stderr, "bench-dkim: %s\n", what);
	exit(1);
}

static void *
bench_xmalloc(size_t n)
{
	void	*p = malloc(n);

	if (p == NULL)
		bench_die("out of memory");
	return p;
}

static double
bench_clock(clockid_t id)
{
	struct timespec	 ts;

	if (clock_gettime(id, &ts) == -1)
		bench_die("clock_gettime failed");
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---------------------------------------------------------------- timing */

typedef void bench_fn(void *ctx, unsigned long iters);

struct bench_res {
	double	 wall;		/* seconds per operation, best run */
	double	 cpu;		/* CPU seconds per operation, best run */
};

static void
bench_once(bench_fn *fn, void *ctx, unsigned long iters, double *wall,
    double *cpu)
{
	double	 w0, c0;

	w0 = bench_clock(CLOCK_MONOTONIC);
	c0 = bench_clock(CLOCK_PROCESS_CPUTIME_ID);
	fn(ctx, iters);
	*cpu = bench_clock(CLOCK_PROCESS_CPUTIME_ID) - c0;
	*wall = bench_clock(CLOCK_MONOTONIC) - w0;
}

/* bench_measure - calibrate an iteration count, then best of BENCH_REPS */

static struct bench_res
bench_measure(bench_fn *fn, void *ctx)
{
	struct bench_res	 r = { 1e30, 1e30 };
	unsigned long		 iters = 1;
	double			 wall, cpu, per;
	int			 i;

	for (;;) {		/* also warms caches and OpenSSL's fetch */
		bench_once(fn, ctx, iters, &wall, &cpu);
		if (wall >= bench_run_s / 10)
			break;
		iters *= wall < bench_run_s / 100 ? 10 : 2;
	}
	per = wall / (double)iters;
	iters = (unsigned long)(bench_run_s / per) + 1;
	for (i = 0; i < BENCH_REPS; i++) {
		bench_once(fn, ctx, iters, &wall, &cpu);
		if (wall / (double)iters < r.wall)
			r.wall = wall / (double)iters;
		if (cpu / (double)iters < r.cpu)
			r.cpu = cpu / (double)iters;
	}
	return r;
}

/* ---------------------------------------------------------------- text */

static uint64_t	bench_rng_state = 0x9e3779b97f4a7c15ULL;

static unsigned
bench_rng(unsigned n)
{
	uint64_t	 x = bench_rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	bench_rng_state = x;
	return (unsigned)(x >> 33) % n;
}

static const char *const bench_words[] = {
	"the", "of", "and", "to", "a", "in", "is", "that", "for", "it",
	"as", "was", "with", "be", "by", "on", "not", "he", "this", "are",
	"message", "server", "please", "meeting", "attached", "report",
	"Thursday", "quarterly", "regards,", "forwarded", "invoice", "team",
	"schedule", "update.", "thanks!", "delivery", "customer", "project",
	"https://example.com/a/b?c=d", "2023-11-14", "(see", "below)", "--",
	"I'm", "we'll", "can't", "e-mail", "follow-up", "agenda:", "42",
};

/* bench_line - one line of ~70 chars with the usual whitespace habits */

static void
bench_line(struct am_buf *b)
{
	size_t	 start = b->len, want = 55 + bench_rng(24);
	unsigned r = bench_rng(100);

	if (r < 6)
		(void)am_buf_appends(b, "> ");
	else if (r < 9)
		(void)am_buf_appends(b, "\t");
	while (b->len - start < want) {
		(void)am_buf_appends(b,
		    bench_words[bench_rng(sizeof(bench_words) /
		    sizeof(bench_words[0]))]);
		r = bench_rng(100);
		if (r < 6)
			(void)am_buf_appends(b, "  ");	/* after a period */
		else if (r < 8)
			(void)am_buf_appends(b, "\t");	/* a table */
		else if (r < 9)
			(void)am_buf_appends(b, "    ");
		else
			(void)am_buf_appends(b, " ");
	}
	r = bench_rng(100);
	am_buf_truncate(b, b->len - 1);	/* the last separator */
	if (r < 10)
		(void)am_buf_appends(b, " ");	/* trailing whitespace */
	else if (r < 13)
		(void)am_buf_appends(b, " \t ");
}

/* bench_text - about n bytes of mail text, CR LF, ending in a full line */

static void
bench_text(struct am_buf *b, size_t n)
{
	while (b->len < n) {
		if (bench_rng(100) < 7)
			(void)am_buf_appends(b, "\r\n");	/* paragraph */
		bench_line(b);
		(void)am_buf_appends(b, "\r\n");
	}
	if (b->err)
		bench_die("text buffer full");
}

/* bench_crlf - p[n - 2], p[n - 1] is CR LF */

static int
bench_crlf(const unsigned char *p, size_t n)
{
	return n >= 2 && p[n - 2] == '\r' && p[n - 1] == '\n';
}

/*
 * bench_cut - length of the longest prefix of p, at most n, made of
 * whole lines and ending in a non-empty one (so that simple leaves it
 * as it is)
 */

static size_t
bench_cut(const unsigned char *p, size_t n)
{
	while (n > 2 && !(bench_crlf(p, n) && !bench_crlf(p, n - 2)))
		n--;
	return n;
}

/* ---------------------------------------------------------------- checks */

/*
 * bench_ref_relaxed - relaxed body canonicalization, spelled out
 * (RFC 6376 3.4.4) for text made of CR LF lines only.  Returns the
 * canonical length; out has room for n bytes.
 */

static size_t
bench_ref_relaxed(const unsigned char *p, size_t n, unsigned char *out)
{
	size_t	 i, o = 0, keep = 0;
	int	 wsp = 0, content = 0;

	for (i = 0; i < n; i++) {
		if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n') {
			out[o++] = '\r';
			out[o++] = '\n';
			if (content)
				keep = o;
			wsp = content = 0;
			i++;
		} else if (p[i] == ' ' || p[i] == '\t')
			wsp = 1;
		else {
			if (wsp)
				out[o++] = ' ';
			out[o++] = p[i];
			wsp = 0;
			content = 1;
		}
	}
	return keep;		/* trailing empty lines dropped */
}

static void
bench_sha256(const unsigned char *p, size_t n, unsigned char *out)
{
	unsigned int	 len;

	if (EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) != 1)
		bench_die("EVP_Digest failed");
}

static void
bench_bodyhash_once(enum am_canon_mode mode, const unsigned char *p,
    size_t n, unsigned char *out)
{
	struct am_bodyhash	*set = am_bodyhash_new();
	const unsigned char	*h;
	size_t			 off, k, hlen;
	uint64_t		 total;
	int			 i;

	i = am_bodyhash_add(set, mode, AM_DIGEST_SHA256, 0, 0);
	for (off = 0; off < n; off += k) {
		k = n - off < BENCH_CHUNK ? n - off : BENCH_CHUNK;
		am_bodyhash_feed(set, p + off, k);
	}
	am_bodyhash_end(set);
	h = am_bodyhash_get(set, i, &hlen, &total);
	memcpy(out, h, 32);
	am_bodyhash_free(&set);
}

/* The body ends in a non-empty line, so simple leaves it as it is. */
static void
bench_check_body(const unsigned char *p, size_t n)
{
	unsigned char	 want[32], got[32], *ref = bench_xmalloc(n + 2);

	bench_sha256(p, n, want);
	bench_bodyhash_once(AM_CANON_SIMPLE, p, n, got);
	if (memcmp(want, got, 32) != 0)
		bench_die("simple body hash differs from SHA-256 of the body");
	bench_sha256(ref, bench_ref_relaxed(p, n, ref), want);
	bench_bodyhash_once(AM_CANON_RELAXED, p, n, got);
	if (memcmp(want, got, 32) != 0)
		bench_die("relaxed body hash differs from the reference");
	free(ref);
}

/* ---------------------------------------------------------------- body */

/*
 * A body size is measured over up to BENCH_SLICES different bodies of
 * that size, taken in turn: hashing one small body again and again
 * lets the branch predictor learn its every whitespace run, which no
 * mail server sees (it made relaxed on 200 KB look twice as fast).
 */
#define BENCH_SLICES	1024

struct bench_body {
	const unsigned char	*p[BENCH_SLICES];
	size_t			 n[BENCH_SLICES];
	size_t			 nslices, next;
	double			 avg;		/* mean body length */
	const EVP_MD		*md;
	EVP_MD_CTX		*ctx;
	enum am_canon_mode	 mode;
};

/* bench_slices - up to BENCH_SLICES disjoint bodies of about size bytes */

static void
bench_slices(struct bench_body *b, const unsigned char *text, size_t len,
    size_t size)
{
	size_t	 off = 0, n, sum = 0;

	b->nslices = 0;
	while (b->nslices < BENCH_SLICES && len - off >= size - size / 64) {
		n = bench_cut(text + off, len - off < size ? len - off : size);
		b->p[b->nslices] = text + off;
		b->n[b->nslices++] = n;
		sum += n;
		off += n;
	}
	if (b->nslices == 0)
		bench_die("text too short");
	b->avg = (double)sum / (double)b->nslices;
}

/* bench_slice - the next body to hash */

static size_t
bench_slice(struct bench_body *b, const unsigned char **p)
{
	size_t	 i = b->next;

	b->next = i + 1 == b->nslices ? 0 : i + 1;
	*p = b->p[i];
	return b->n[i];
}

static void
bench_raw_sha256(void *vctx, unsigned long iters)
{
	struct bench_body	*b = vctx;
	unsigned char		 out[EVP_MAX_MD_SIZE];
	const unsigned char	*p;
	unsigned int		 len;
	size_t			 n, off, k;

	while (iters-- > 0) {
		n = bench_slice(b, &p);
		if (EVP_DigestInit_ex(b->ctx, b->md, NULL) != 1)
			bench_die("EVP_DigestInit_ex failed");
		for (off = 0; off < n; off += k) {
			k = n - off < BENCH_CHUNK ? n - off : BENCH_CHUNK;
			(void)EVP_DigestUpdate(b->ctx, p + off, k);
		}
		(void)EVP_DigestFinal_ex(b->ctx, out, &len);
	}
}

static void
bench_ours_body(void *vctx, unsigned long iters)
{
	struct bench_body	*b = vctx;
	const unsigned char	*p;
	unsigned char		 out[32];
	size_t			 n;

	while (iters-- > 0) {
		n = bench_slice(b, &p);
		bench_bodyhash_once(b->mode, p, n, out);
	}
}

/* ---------------------------------------------------------------- keys */

struct bench_key {
	const char		*name;		/* "rsa-2048" */
	const char		*selector;
	int			 ed;
	EVP_PKEY		*pk;
	const EVP_MD		*md;		/* SHA-256 */
	EVP_MD_CTX		*ctx;		/* reused by the raw rows */
	const unsigned char	*data;		/* canonical header block */
	size_t			 len;
	unsigned char		 sig[1024];	/* a valid signature of data */
	size_t			 siglen;
	struct am_buf		 out;
};

/* bench_tbs - what the raw rows sign: data, or its SHA-256 (Ed25519) */

static const unsigned char *
bench_tbs(const struct bench_key *k, unsigned char *hash, size_t *len)
{
	unsigned int	 hlen;

	*len = k->len;
	if (!k->ed)
		return k->data;
	if (EVP_Digest(k->data, k->len, hash, &hlen, k->md, NULL) != 1)
		bench_die("EVP_Digest failed");
	*len = hlen;
	return hash;
}

static void
bench_raw_sign(void *vctx, unsigned long iters)
{
	struct bench_key	*k = vctx;
	unsigned char		 hash[EVP_MAX_MD_SIZE];
	const unsigned char	*tbs;
	size_t			 len;

	while (iters-- > 0) {
		tbs = bench_tbs(k, hash, &len);
		k->siglen = sizeof(k->sig);
		if (EVP_DigestSignInit(k->ctx, NULL, k->ed ? NULL : k->md,
		    NULL, k->pk) != 1 ||
		    EVP_DigestSign(k->ctx, k->sig, &k->siglen, tbs, len) != 1)
			bench_die("EVP_DigestSign failed");
	}
}

static void
bench_raw_verify(void *vctx, unsigned long iters)
{
	struct bench_key	*k = vctx;
	unsigned char		 hash[EVP_MAX_MD_SIZE];
	const unsigned char	*tbs;
	size_t			 len;

	while (iters-- > 0) {
		tbs = bench_tbs(k, hash, &len);
		if (EVP_DigestVerifyInit(k->ctx, NULL, k->ed ? NULL : k->md,
		    NULL, k->pk) != 1 ||
		    EVP_DigestVerify(k->ctx, k->sig, k->siglen, tbs, len) != 1)
			bench_die("EVP_DigestVerify failed");
	}
}

/*
 * bench_raw_verify_msg - the least a verifier must do: SHA-256 of the
 * message body (the body hash) and one raw verification; ctx is a
 * struct bench_msg
 */

struct bench_msg;
static void	bench_raw_verify_msg(void *vctx, unsigned long iters);

static void
bench_ours_sign(void *vctx, unsigned long iters)
{
	struct bench_key	*k = vctx;
	struct am_err		 err;

	while (iters-- > 0) {
		am_buf_reset(&k->out);
		if (am_pkey_sign(k->pk, "SHA256", k->data, k->len, &k->out,
		    &err) == -1)
			bench_die(err.msg);
	}
}

static void
bench_ours_verify(void *vctx, unsigned long iters)
{
	struct bench_key	*k = vctx;

	while (iters-- > 0)
		if (am_pkey_verify(k->pk, "SHA256", k->data, k->len, k->sig,
		    k->siglen) != 1)
			bench_die("am_pkey_verify: signature did not verify");
}

static EVP_PKEY *
bench_keygen(int ed)
{
	EVP_PKEY	*pk;

	pk = ed ? EVP_PKEY_Q_keygen(NULL, NULL, "ED25519") :
	    EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	if (pk == NULL)
		bench_die("key generation failed");
	return pk;
}

/* bench_key_init - a fresh key, and a signature checked both ways */

static void
bench_key_init(struct bench_key *k, int ed, const unsigned char *data,
    size_t len)
{
	memset(k, 0, sizeof(*k));
	k->ed = ed;
	k->name = ed ? "ed25519" : "rsa-2048";
	k->selector = ed ? "ed" : "rsa";
	k->pk = bench_keygen(ed);
	k->md = EVP_MD_fetch(NULL, "SHA256", NULL);
	k->ctx = EVP_MD_CTX_new();
	if (k->md == NULL || k->ctx == NULL)
		bench_die("EVP_MD_fetch failed");
	k->data = data;
	k->len = len;
	am_buf_init(&k->out, 1024);
	bench_raw_sign(k, 1);
	bench_raw_verify(k, 1);		/* raw signs, raw verifies */
	bench_ours_verify(k, 1);	/* raw signs, ours verifies */
	bench_ours_sign(k, 1);
	if (am_pkey_verify(k->pk, "SHA256", data, len, k->out.data,
	    k->out.len) != 1)
		bench_die("our signature did not verify");
}

static void
bench_key_free(struct bench_key *k)
{
	EVP_PKEY_free(k->pk);
	EVP_MD_free((EVP_MD *)k->md);
	EVP_MD_CTX_free(k->ctx);
	am_buf_release(&k->out);
}

/* ---------------------------------------------------------------- message */

static const char *const bench_fields[] = {
	"Received: from mail.example.org (mail.example.org [192.0.2.25])\r\n"
	"\tby mx.example.com (Postfix) with ESMTPS id 4SVb2k1Qz9z;\r\n"
	"\tTue, 14 Nov 2023 22:13:20 +0000 (UTC)",
	"From: Alice Example <alice@example.com>",
	"To: Bob Recipient <bob@example.net>, carol@example.net",
	"Subject: Re: quarterly report and the schedule for Thursday",
	"Date: Tue, 14 Nov 2023 22:13:20 +0000",
	"Message-ID: <20231114221320.4SVb2k1Qz9z@mail.example.com>",
	"MIME-Version: 1.0",
	"Content-Type: text/plain; charset=utf-8",
	"Content-Transfer-Encoding: 8bit",
};
#define BENCH_NFIELDS	(sizeof(bench_fields) / sizeof(bench_fields[0]))

/* A typical relaxed header block as a DKIM signature covers it. */
static const char bench_hblock[] =
    "from:Alice Example <alice@example.com>\r\n"
    "to:Bob Recipient <bob@example.net>, carol@example.net\r\n"
    "subject:Re: quarterly report and the schedule for Thursday\r\n"
    "date:Tue, 14 Nov 2023 22:13:20 +0000\r\n"
    "message-id:<20231114221320.4SVb2k1Qz9z@mail.example.com>\r\n"
    "mime-version:1.0\r\n"
    "content-type:text/plain; charset=utf-8\r\n"
    "content-transfer-encoding:8bit\r\n"
    "dkim-signature:v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; "
    "s=rsa; t=1700000000; h=from:from:to:cc:subject:date:message-id:"
    "mime-version:content-type:content-transfer-encoding:reply-to; "
    "bh=PuAhzRL0j3Ac2R6Mm8QIXb+Uqq9sgSbszfAuGXoiqfU=; b=";

struct bench_msg {
	struct bench_key	*key;
	struct am_dns		*dns;
	const char		*body;
	size_t			 bodylen;
	char			*sigfield;	/* from the signer */
	struct am_keycache	*kc;		/* for the cached-key row */
	EVP_MD_CTX		*hctx;		/* raw body hash */
	struct am_dkim_sign_opts	 so;
	struct am_dkim_verify_opts	 vo;
};

/* bench_sign_msg - one whole signing; keeps the field if keep is set */

static void
bench_sign_msg(struct bench_msg *m, int keep)
{
	struct am_dkim_signer	*s = am_dkim_signer_new(&m->so);
	struct am_err		 err;
	size_t			 i;

	if (am_dkim_signer_add_key(s, "example.com", m->key->selector, NULL,
	    m->key->pk, &err) == -1)
		bench_die(err.msg);
	for (i = 0; i < BENCH_NFIELDS; i++)
		if (am_dkim_signer_header(s, bench_fields[i],
		    strlen(bench_fields[i]), &err) == -1)
			bench_die(err.msg);
	am_dkim_signer_body(s, m->body, m->bodylen);
	if (am_dkim_signer_eom(s, &err) == -1 ||
	    am_dkim_signer_count(s) != 1)
		bench_die("am_dkim_signer_eom failed");
	if (keep)
		m->sigfield = strdup(am_dkim_signer_field(s, 0));
	am_dkim_signer_free(&s);
}

static void
bench_whole_sign(void *vctx, unsigned long iters)
{
	while (iters-- > 0)
		bench_sign_msg(vctx, 0);
}

static void
bench_whole_verify(void *vctx, unsigned long iters)
{
	struct bench_msg	*m = vctx;
	struct am_dkim_verifier	*v;
	struct am_err		 err;
	size_t			 i;

	while (iters-- > 0) {
		v = am_dkim_verifier_new(&m->vo, m->dns, NULL);
		if (am_dkim_verifier_header(v, m->sigfield,
		    strlen(m->sigfield), &err) == -1)
			bench_die(err.msg);
		for (i = 0; i < BENCH_NFIELDS; i++)
			if (am_dkim_verifier_header(v, bench_fields[i],
			    strlen(bench_fields[i]), &err) == -1)
				bench_die(err.msg);
		if (am_dkim_verifier_eoh(v))
			am_dkim_verifier_body(v, m->body, m->bodylen);
		am_dkim_verifier_eom(v);
		if (am_dkim_verifier_count(v) != 1 ||
		    am_dkim_verifier_result(v, 0)->verdict != AM_DKIM_PASS)
			bench_die("signed message did not verify");
		am_dkim_verifier_free(&v);
	}
}

static void
bench_whole_verify_cached(void *vctx, unsigned long iters)
{
	struct bench_msg	*m = vctx;

	m->vo.keycache = m->kc;
	bench_whole_verify(m, iters);
	m->vo.keycache = NULL;
}

static void
bench_raw_verify_msg(void *vctx, unsigned long iters)
{
	struct bench_msg	*m = vctx;
	struct bench_key	*k = m->key;
	unsigned char		 bh[EVP_MAX_MD_SIZE];
	unsigned int		 bhlen;

	while (iters-- > 0) {
		if (EVP_DigestInit_ex(m->hctx, k->md, NULL) != 1 ||
		    EVP_DigestUpdate(m->hctx, m->body, m->bodylen) != 1 ||
		    EVP_DigestFinal_ex(m->hctx, bh, &bhlen) != 1)
			bench_die("EVP_Digest failed");
		bench_raw_verify(k, 1);
	}
}

/* bench_zone - publish both keys in an in-memory zone */

static struct am_dns *
bench_zone(struct bench_key *keys, size_t n)
{
	struct am_dns	*dns = am_dns_zone_new();
	struct am_buf	 z, p;
	struct am_err	 err;
	size_t		 i, j;

	am_buf_init(&z, 1 << 16);
	am_buf_init(&p, 1 << 14);
	(void)am_buf_appends(&z, "$TTL 300\n$ORIGIN _domainkey.example.com.\n");
	for (i = 0; i < n; i++) {
		am_buf_reset(&p);
		if (am_pkey_public_b64(keys[i].pk, &p, &err) == -1)
			bench_die(err.msg);
		(void)am_buf_printf(&z, "%s IN TXT ( \"v=DKIM1; k=%s; p=\"",
		    keys[i].selector, keys[i].ed ? "ed25519" : "rsa");
		for (j = 0; j < p.len; j += 200)	/* 255-byte strings */
			(void)am_buf_printf(&z, " \"%.*s\"",
			    (int)(p.len - j < 200 ? p.len - j : 200),
			    (const char *)p.data + j);
		(void)am_buf_appends(&z, " )\n");
	}
	if (z.err || am_dns_zone_load_string(dns, am_buf_str(&z), &err) == -1)
		bench_die("cannot load the key zone");
	am_buf_release(&z);
	am_buf_release(&p);
	return dns;
}

/* ---------------------------------------------------------------- report */

/* bench_pct - r as a percentage of the speed of raw (seconds per op) */

static double
bench_pct(double raw, double r)
{
	return raw > 0 ? 100.0 * raw / r : 100.0;
}

static void
bench_body_row(const char *what, const struct bench_body *b,
    struct bench_res r, struct bench_res raw)
{
	printf("| %-26s | %7.0f | %4zu | %6.0f | %6.0f | %4.0f%% | %4.0f%% |\n",
	    what, b->avg, b->nslices, b->avg / r.wall / 1e6,
	    b->avg / r.cpu / 1e6, bench_pct(raw.wall, r.wall),
	    bench_pct(raw.cpu, r.cpu));
}

/* bench_bodies - rows for one body size; sets simple / raw and
 * relaxed / raw (CPU) */

static void
bench_bodies(const struct am_buf *text, size_t size, const char *label,
    double *simple, double *relaxed)
{
	struct bench_body	*b = bench_xmalloc(sizeof(*b));
	struct bench_res	 raw, r, none = { 0, 0 };
	char			 what[64];
	size_t			 i;

	memset(b, 0, sizeof(*b));
	bench_slices(b, text->data, text->len, size);
	for (i = 0; i < b->nslices; i++)
		bench_check_body(b->p[i], b->n[i]);
	b->md = EVP_MD_fetch(NULL, "SHA256", NULL);
	b->ctx = EVP_MD_CTX_new();
	if (b->md == NULL || b->ctx == NULL)
		bench_die("EVP_MD_fetch failed");
	raw = bench_measure(bench_raw_sha256, b);
	snprintf(what, sizeof(what), "raw SHA-256, %s", label);
	bench_body_row(what, b, raw, none);
	b->mode = AM_CANON_SIMPLE;
	r = bench_measure(bench_ours_body, b);
	snprintf(what, sizeof(what), "simple + SHA-256, %s", label);
	bench_body_row(what, b, r, raw);
	*simple = raw.cpu / r.cpu;
	b->mode = AM_CANON_RELAXED;
	r = bench_measure(bench_ours_body, b);
	snprintf(what, sizeof(what), "relaxed + SHA-256, %s", label);
	bench_body_row(what, b, r, raw);
	*relaxed = raw.cpu / r.cpu;
	EVP_MD_free((EVP_MD *)b->md);
	EVP_MD_CTX_free(b->ctx);
	free(b);
}

static void
bench_op_row(const char *key, const char *what, struct bench_res r,
    struct bench_res raw)
{
	printf("| %-8s | %-33s | %6.0f | %7.1f | %7.1f | %4.0f%% | %4.0f%% |\n",
	    key, what, 1.0 / r.wall, r.wall * 1e6, r.cpu * 1e6,
	    bench_pct(raw.wall, r.wall), bench_pct(raw.cpu, r.cpu));
}

/* bench_ops - sign and verify rows for one key; returns the worst
 * ours / raw ratio of am_pkey */

struct bench_goals {
	double	 relaxed_2mb;	/* relaxed / raw SHA-256 */
	double	 simple_2kb;	/* simple / raw SHA-256, 2 KB */
	double	 relaxed_2kb;	/* relaxed / raw SHA-256, 2 KB */
	double	 pkey_worst;	/* am_pkey / raw, worst of four */
	double	 ed_sign;	/* am_dkim_signer / raw, Ed25519 */
	double	 rsa_verify;	/* am_dkim_verifier cached / raw + hash */
};

static double
bench_ops(struct bench_key *k, struct bench_msg *m, struct bench_goals *g)
{
	struct bench_res	 raw, r, none = { 0, 0 };
	double			 worst;

	raw = bench_measure(bench_raw_sign, k);
	bench_op_row(k->name, "sign: raw EVP_DigestSign", raw, none);
	r = bench_measure(bench_ours_sign, k);
	bench_op_row(k->name, "sign: am_pkey_sign", r, raw);
	worst = raw.cpu / r.cpu;
	r = bench_measure(bench_whole_sign, m);
	bench_op_row(k->name, "sign: am_dkim_signer, 2 KB msg", r, raw);
	if (k->ed)
		g->ed_sign = raw.cpu / r.cpu;
	raw = bench_measure(bench_raw_verify, k);
	bench_op_row(k->name, "verify: raw EVP_DigestVerify", raw, none);
	r = bench_measure(bench_ours_verify, k);
	bench_op_row(k->name, "verify: am_pkey_verify", r, raw);
	if (raw.cpu / r.cpu < worst)
		worst = raw.cpu / r.cpu;
	r = bench_measure(bench_whole_verify, m);
	bench_op_row(k->name, "verify: am_dkim_verifier, 2 KB", r, raw);
	raw = bench_measure(bench_raw_verify_msg, m);
	bench_op_row(k->name, "verify: raw body SHA-256 + verify", raw, none);
	r = bench_measure(bench_whole_verify_cached, m);
	bench_op_row(k->name, "verify: am_dkim_verifier, cached", r, raw);
	if (!k->ed)
		g->rsa_verify = r.cpu / raw.cpu;
	return worst;
}

static void
bench_cpu_model(char *out, size_t len)
{
	FILE	*fp = fopen("/proc/cpuinfo", "r");
	char	 line[256], *v;

	snprintf(out, len, "unknown CPU");
	if (fp == NULL)
		return;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strncmp(line, "model name", 10) == 0 &&
		    (v = strchr(line, ':')) != NULL) {
			v[strcspn(v, "\n")] = '\0';
			snprintf(out, len, "%s", v + 2);
			break;
		}
	fclose(fp);
}

/* bench_cpu_flag - does /proc/cpuinfo list flag for the first CPU? */

static int
bench_cpu_flag(const char *flag)
{
	FILE	*fp = fopen("/proc/cpuinfo", "r");
	char	 line[4096], *t, *save;
	int	 found = 0;

	if (fp == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, "flags", 5) != 0)
			continue;
		for (t = strtok_r(line, " \t\n", &save); t != NULL;
		    t = strtok_r(NULL, " \t\n", &save))
			if (strcmp(t, flag) == 0)
				found = 1;
		break;
	}
	fclose(fp);
	return found;
}

static void
bench_header(int quick)
{
	static const char *const flags[] = {
		"sha_ni", "avx2", "bmi2", "avx512_vbmi2"
	};
	size_t		 i;
	char		 date[32], cpu[128];
	time_t		 now = time(NULL);
	struct tm	 tm;

	strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC",
	    gmtime_r(&now, &tm));
	bench_cpu_model(cpu, sizeof(cpu));
	printf("# bench-dkim (%s %s)\n\n", PACKAGE_NAME, PACKAGE_VERSION);
	printf("%s; %ld cores (%s); %s; %s run, best of %d x %.2f s\n\n",
	    date, sysconf(_SC_NPROCESSORS_ONLN), cpu, OPENSSL_VERSION_TEXT,
	    quick ? "quick" : "full", BENCH_REPS, bench_run_s);
	printf("CPU features:");
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		printf(" %s%s", bench_cpu_flag(flags[i]) ? "" : "no ",
		    flags[i]);
	printf("; OPENSSL_ia32cap %s; relaxed kernel: %s (AM_CANON_KERNEL"
	    "=%s)\n\n", getenv("OPENSSL_ia32cap") != NULL ?
	    getenv("OPENSSL_ia32cap") : "unset",
	    am_canon_kernel_name(am_canon_kernel_default()),
	    getenv("AM_CANON_KERNEL") != NULL ? getenv("AM_CANON_KERNEL") :
	    "unset");
}

/* ---------------------------------------------------------------- main */

static const char *
bench_met(int met)
{
	return met ? "met" : "NOT met";
}

static void
bench_body_table(const struct am_buf *text, struct bench_goals *g)
{
	static const struct {
		size_t		 n;
		const char	*label;
	} sizes[] = {
		{ 2048, "2 KB" }, { 200 * 1024, "200 KB" },
		{ 2 * 1024 * 1024, "2 MB" },
	};
	size_t	 i;
	double	 simple, relaxed;

	printf("## Body: canonicalize + SHA-256, %d-byte chunks\n\n"
	    "| row | bytes | bodies | MB/s | CPU MB/s | vs raw | "
	    "vs raw CPU |\n"
	    "|---|--:|--:|--:|--:|--:|--:|\n", BENCH_CHUNK);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		bench_bodies(text, sizes[i].n, sizes[i].label, &simple,
		    &relaxed);
		if (i == 0) {
			g->simple_2kb = simple;
			g->relaxed_2kb = relaxed;
		}
		g->relaxed_2mb = relaxed;
	}
	fflush(stdout);
}

static void
bench_op_table(struct bench_goals *g)
{
	struct bench_key	 keys[2];
	struct bench_msg	 m;
	struct am_buf		 body;
	size_t			 i, hlen = 0;
	double			 w;

	for (i = 0; i < BENCH_NFIELDS; i++)
		hlen += strlen(bench_fields[i]) + 2;
	am_buf_init(&body, 1 << 16);
	bench_text(&body, BENCH_MSG);
	bench_key_init(&keys[0], 0, (const unsigned char *)bench_hblock,
	    sizeof(bench_hblock) - 1);
	bench_key_init(&keys[1], 1, (const unsigned char *)bench_hblock,
	    sizeof(bench_hblock) - 1);
	memset(&m, 0, sizeof(m));
	m.dns = bench_zone(keys, 2);
	m.kc = am_keycache_new(16, 3600);
	if ((m.hctx = EVP_MD_CTX_new()) == NULL)
		bench_die("out of memory");
	m.body = (const char *)body.data;
	m.bodylen = bench_cut(body.data, BENCH_MSG - hlen - 2);
	m.so.hcanon = m.so.bcanon = AM_CANON_RELAXED;
	m.so.now = BENCH_NOW;
	m.vo.now = BENCH_NOW + 10;
	m.vo.clock_skew = 300;
	printf("\n## Sign and verify: %zu-byte header block; "
	    "%zu-byte message\n\n"
	    "| key | row | ops/s | us/op | CPU us/op | vs raw | vs raw CPU |\n"
	    "|---|---|--:|--:|--:|--:|--:|\n",
	    sizeof(bench_hblock) - 1, hlen + 2 + m.bodylen);
	g->pkey_worst = 1e30;
	for (i = 0; i < 2; i++) {
		m.key = &keys[i];
		bench_sign_msg(&m, 1);
		bench_whole_verify(&m, 1);	/* it passes */
		w = bench_ops(&keys[i], &m, g);
		if (w < g->pkey_worst)
			g->pkey_worst = w;
		free(m.sigfield);
		fflush(stdout);
	}
	am_dns_free(&m.dns);
	am_keycache_free(&m.kc);
	EVP_MD_CTX_free(m.hctx);
	bench_key_free(&keys[0]);
	bench_key_free(&keys[1]);
	am_buf_release(&body);
}

int
main(int argc, char **argv)
{
	struct bench_goals	 g;
	struct am_buf		 text;
	double			 t0 = bench_clock(CLOCK_MONOTONIC);
	int			 quick = 0, only = 0, i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0)
			quick = 1;
		else if (strcmp(argv[i], "--body") == 0)
			only = 'b';
		else if (strcmp(argv[i], "--ops") == 0)
			only = 'o';
		else {
			fprintf(stderr, "usage: bench-dkim [--quick] "
			    "[--body | --ops]\n");
			return 2;
		}
	}
	if (quick)
		bench_run_s /= 10;
	bench_header(quick);
	memset(&g, 0, sizeof(g));
	if (only != 'o') {
		am_buf_init(&text, 4 * 1024 * 1024);
		bench_text(&text, 2 * 1024 * 1024);
		bench_body_table(&text, &g);
		am_buf_release(&text);
		printf("\nGoals (CPU time), body: relaxed on 2 MB at %.1f%% "
		    "of raw SHA-256 (goal >= 80%%): %s; on 2 KB simple "
		    "%.1f%%, relaxed %.1f%% (goal >= 80%%): %s.\n",
		    100 * g.relaxed_2mb, bench_met(g.relaxed_2mb >= 0.8),
		    100 * g.simple_2kb, 100 * g.relaxed_2kb,
		    bench_met(g.simple_2kb >= 0.8 && g.relaxed_2kb >= 0.8));
	}
	if (only != 'b') {
		bench_op_table(&g);
		printf("\nGoals (CPU time), operations: am_pkey at worst "
		    "%.1f%% of raw (goal >= 90%%): %s; Ed25519 "
		    "am_dkim_signer at %.1f%% of raw signing (goal >= 80%%): "
		    "%s; RSA am_dkim_verifier with a cached key at %.2fx raw "
		    "verify + body SHA-256 (goal <= 2x): %s.\n",
		    100 * g.pkey_worst, bench_met(g.pkey_worst >= 0.9),
		    100 * g.ed_sign, bench_met(g.ed_sign >= 0.8),
		    g.rsa_verify, bench_met(g.rsa_verify <= 2.0));
	}
	printf("Total %.1f s.\n", bench_clock(CLOCK_MONOTONIC) - t0);
	return 0;
}
