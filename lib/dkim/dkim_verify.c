/*
 * dkim_verify - verify the DKIM signatures of one message (RFC 6376 6)
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "bodyhash.h"
#include "dkim_hdrs.h"
#include "dkim_key.h"
#include "dkim_sig.h"
#include "dkim_verify.h"
#include "domain.h"
#include "hdr.h"
#include "keycache.h"
#include "mem.h"
#include "pkey.h"
#include "tagval.h"

#define AM_VERIFY_DEFAULT_MAXSIGS	10
#define AM_VERIFY_HARD_MAXSIGS		64
#define AM_VERIFY_HASH_MAX		(2 * 1024 * 1024)
#define AM_VERIFY_B_PREFIX		8	/* RFC 6008: at least 8 */

struct am_dkim_vsig {
	struct am_dkim_sig	 sig;
	int			 parsed;	/* sig is valid */
	int			 pending;	/* still to be checked */
	size_t			 field;		/* index in hdrs */
	int			 bh;		/* bodyhash index */
	struct am_dkim_result	 res;
};

struct am_dkim_verifier {
	struct am_dkim_verify_opts opts;
	struct am_dns		*dns;
	const struct am_log	*log;
	struct am_hdrs		*hdrs;
	struct am_bodyhash	*body;
	struct am_dkim_vsig	*sigs;
	size_t			 nsigs;
	int			 eoh_done;	/* am_dkim_verifier_eoh ran */
	int			 need;		/* its answer */
};

struct am_dkim_verifier *
am_dkim_verifier_new(const struct am_dkim_verify_opts *opts,
    struct am_dns *dns, const struct am_log *log)
{
	struct am_dkim_verifier	*v = am_calloc(1, sizeof(*v));

	v->opts = *opts;
	if (v->opts.max_signatures == 0)
		v->opts.max_signatures = AM_VERIFY_DEFAULT_MAXSIGS;
	if (v->opts.max_signatures > AM_VERIFY_HARD_MAXSIGS)
		v->opts.max_signatures = AM_VERIFY_HARD_MAXSIGS;
	if (v->opts.now == 0)
		v->opts.now = (uint64_t)time(NULL);
	if (v->opts.min_key_bits < 1024)
		v->opts.min_key_bits = 1024;	/* RFC 8301 floor */
	v->dns = dns;
	v->log = log;
	v->hdrs = am_hdrs_new(opts->max_headers ? opts->max_headers : 1000,
	    opts->max_header_bytes ? opts->max_header_bytes : 1024 * 1024);
	v->body = am_bodyhash_new();
	return v;
}

void
am_dkim_verifier_take_headers(struct am_dkim_verifier *v,
    struct am_hdrs **hdrs)
{
	am_hdrs_free(&v->hdrs);
	v->hdrs = *hdrs;
	*hdrs = NULL;
}

int
am_dkim_verifier_header(struct am_dkim_verifier *v, const char *raw,
    size_t len, struct am_err *err)
{
	if (v->eoh_done)
		return am_err_set(err, AM_E_USAGE, "header field after the "
		    "end of headers");
	return am_hdrs_add_raw(v->hdrs, raw, len, err);
}

static void
am_vsig_set(struct am_dkim_vsig *vs, enum am_dkim_verdict verdict,
    enum am_dkim_reason code, const char *reason)
{
	size_t	 n = strlen(reason);

	if (n >= sizeof(vs->res.reason))
		n = sizeof(vs->res.reason) - 1;
	vs->res.verdict = verdict;
	vs->res.code = code;
	memcpy(vs->res.reason, reason, n);
	vs->res.reason[n] = '\0';
	vs->pending = 0;
}

/* For an unparseable signature, still report d=, s=, a=, b= if we can. */

static void
am_vsig_salvage(struct am_dkim_vsig *vs, const struct am_hdr *h)
{
	struct am_tagval	 tv;
	const struct am_tag	*t;
	static const char *const names[] = { "d", "s", "a", "i" };
	char			**slots[] = { &vs->res.d, &vs->res.s,
				    &vs->res.a, &vs->res.i };
	size_t			 k;

	if (am_tagval_parse(h->value, h->value_len, &tv, NULL) == -1)
		return;
	for (k = 0; k < 4; k++) {
		t = am_tagval_get(&tv, names[k]);
		if (t != NULL && t->value_len > 0 && t->value_len < 256)
			*slots[k] = am_strndup(t->value, t->value_len);
	}
}

static void
am_vsig_fill_ids(struct am_dkim_vsig *vs)
{
	const struct am_dkim_sig	*s = &vs->sig;
	size_t				 n;

	vs->res.d = am_strdup(s->d);
	vs->res.s = am_strdup(s->s);
	vs->res.a = am_strdup(s->alg_name);
	if (s->i != NULL)
		vs->res.i = am_strdup(s->i);
	else {
		n = strlen(s->d) + 2;
		vs->res.i = am_malloc(n);
		(void)snprintf(vs->res.i, n, "@%s", s->d);
	}
	vs->res.has_l = s->has_l;
	vs->res.l = s->l;
}

/* The checks that need neither key nor body (RFC 6376 6.1.1). */

static void
am_vsig_precheck(struct am_dkim_verifier *v, struct am_dkim_vsig *vs)
{
	const struct am_dkim_sig	*s = &vs->sig;
	char				 why[128];

	if (s->alg == AM_DKIM_ALG_UNKNOWN) {
		(void)snprintf(why, sizeof(why), "unsupported algorithm %.60s",
		    s->alg_name);
		am_vsig_set(vs, AM_DKIM_PERMERROR, AM_DKIM_R_ALGORITHM, why);
	} else if (s->alg == AM_DKIM_RSA_SHA1)
		am_vsig_set(vs, AM_DKIM_POLICY, AM_DKIM_R_WEAK_ALGORITHM,
		    "rsa-sha1 is not acceptable (RFC 8301)");
	else if (s->has_x && s->x < v->opts.now)
		am_vsig_set(vs, AM_DKIM_FAIL, AM_DKIM_R_EXPIRED,
		    "signature expired");
	else if (s->has_t && s->t > v->opts.now + v->opts.clock_skew)
		am_vsig_set(vs, AM_DKIM_FAIL, AM_DKIM_R_FUTURE,
		    "signature timestamp in the future");
	else if (s->has_l && v->opts.l_policy == AM_DKIM_L_REFUSE)
		am_vsig_set(vs, AM_DKIM_POLICY, AM_DKIM_R_BODY_LENGTH,
		    "l= not accepted");
}

static void
am_vsig_prepare(struct am_dkim_verifier *v, struct am_dkim_vsig *vs,
    const struct am_hdr *h)
{
	struct am_err	 err;

	am_err_clear(&err);
	vs->pending = 1;
	if (am_dkim_sig_parse(h->value, h->value_len, &vs->sig, &err) == -1) {
		am_vsig_salvage(vs, h);
		am_vsig_set(vs, AM_DKIM_PERMERROR, AM_DKIM_R_SIG_SYNTAX,
		    err.msg);
		am_log(v->log, AM_LOG_INFO, "DKIM-Signature %zu: %s",
		    vs->field, err.msg);
		return;
	}
	vs->parsed = 1;
	am_vsig_fill_ids(vs);
	am_vsig_precheck(v, vs);
	if (!vs->pending)
		return;
	vs->bh = am_bodyhash_add(v->body, vs->sig.bcanon, AM_DIGEST_SHA256,
	    vs->sig.has_l, vs->sig.l);
	if (vs->bh < 0)
		am_vsig_set(vs, AM_DKIM_PERMERROR, AM_DKIM_R_LIMIT,
		    "too many distinct body canonicalizations");
}

int
am_dkim_verifier_eoh(struct am_dkim_verifier *v)
{
	const struct am_hdr	*h;
	size_t			 i, n, skipped = 0;
	int			 need = 0;

	if (v->eoh_done)
		return v->need;		/* once: the signatures are parsed */
	v->eoh_done = 1;
	n = am_hdrs_count(v->hdrs);
	v->sigs = am_calloc(v->opts.max_signatures, sizeof(*v->sigs));
	for (i = 0; i < n; i++) {
		h = am_hdrs_get(v->hdrs, i);
		if (!am_hdr_name_is(h->name, h->name_len, "dkim-signature"))
			continue;
		if (v->nsigs == v->opts.max_signatures) {
			skipped++;
			continue;
		}
		v->sigs[v->nsigs].field = i;
		am_vsig_prepare(v, &v->sigs[v->nsigs], h);
		need |= v->sigs[v->nsigs].pending;
		v->nsigs++;
	}
	if (skipped > 0)
		am_log(v->log, AM_LOG_WARN,
		    "%zu DKIM signatures beyond the first %zu not checked",
		    skipped, v->opts.max_signatures);
	v->need = need;
	return need;
}

void
am_dkim_verifier_body(struct am_dkim_verifier *v, const void *p, size_t n)
{
	am_bodyhash_feed(v->body, p, n);
}

/* The key query name, selector and domain in A-labels. */

static int
am_vsig_key_name(struct am_dkim_vsig *vs, char *name, size_t size)
{
	char	*sel;

	if ((sel = am_domain_to_alabel(vs->sig.s, strlen(vs->sig.s),
	    NULL)) == NULL) {
		am_vsig_set(vs, AM_DKIM_PERMERROR, AM_DKIM_R_SIG_SYNTAX,
		    "invalid selector");
		return -1;
	}
	(void)snprintf(name, size, "%s._domainkey.%s", sel, vs->sig.d_alabel);
	free(sel);
	return 0;
}

/*
 * Maps a failed key query to its verdict.  Only a definite "no such
 * record" (NXDOMAIN, NODATA) is permanent (RFC 6376 6.1.2); any other
 * DNS trouble (SERVFAIL, timeout, a spent DNS budget, a broken answer)
 * may clear up and is a temperror, never a permerror.
 */

static void
am_vsig_dns_failed(struct am_dkim_vsig *vs, enum am_dns_status st)
{
	char	 why[200];

	switch (st) {
	case AM_DNS_NXDOMAIN:
	case AM_DNS_NODATA:
		am_vsig_set(vs, AM_DKIM_PERMERROR, AM_DKIM_R_NO_KEY,
		    "no key for signature");
		break;
	default:
		(void)snprintf(why, sizeof(why), "key query failed: %s",
		    am_dns_status_name(st));
		am_vsig_set(vs, AM_DKIM_TEMPERROR, AM_DKIM_R_KEY_DNS, why);
		break;
	}
}

/* Parses the key from an answer (the first record that parses, RFC
 * 6376 3.6.2.2) and keeps it in the cache; on failure sets the verdict. */

static int
am_vsig_key_parse(struct am_dkim_verifier *v, struct am_dkim_vsig *vs,
    const char *name, const struct am_dns_result *res,
    struct am_dkim_key *key)
{
	struct am_err	 err;
	char		 why[200];
	size_t		 i;

	if (res->status != AM_DNS_OK) {
		am_vsig_dns_failed(vs, res->status);
		return -1;
	}
	am_err_clear(&err);
	for (i = 0; i < res->n; i++)
		if (am_dkim_key_parse(res->rr[i].txt, res->rr[i].txt_len, key,
		    &err) == 0) {
			if (v->opts.keycache != NULL)
				am_keycache_put(v->opts.keycache, name, key,
				    res->rr[i].ttl, v->opts.now);
			return 0;
		}
	(void)snprintf(why, sizeof(why), "key syntax error: %s", err.msg);
	am_vsig_set(vs, AM_DKIM_PERMERROR, AM_DKIM_R_KEY_SYNTAX, why);
	return -1;
}

/*
 * The keys of every signature still pending, fetched together: those
 * not in the key cache are asked in one batch (am_dns_query_many), so
 * n signatures wait about as long as one.  have[i] is 1 when keys[i]
 * holds the key of signature i; a signature whose key could not be had
 * has its verdict set.
 */

#define AM_VSIG_NAME_MAX	600

static void
am_vsig_fetch_keys(struct am_dkim_verifier *v, struct am_dkim_key *keys,
    int *have)
{
	struct am_dns_q	*qs;
	char		*names;
	size_t		*sig, i, nq = 0;

	qs = am_calloc(v->nsigs + 1, sizeof(*qs));
	sig = am_calloc(v->nsigs + 1, sizeof(*sig));
	names = am_calloc(v->nsigs + 1, AM_VSIG_NAME_MAX);
	for (i = 0; i < v->nsigs; i++) {
		char *name = names + i * AM_VSIG_NAME_MAX;

		if (!v->sigs[i].pending ||
		    am_vsig_key_name(&v->sigs[i], name, AM_VSIG_NAME_MAX) == -1)
			continue;
		if (v->opts.keycache != NULL && am_keycache_get(
		    v->opts.keycache, name, v->opts.now, &keys[i])) {
			have[i] = 1;
			continue;
		}
		if (!am_dns_name_ok(name)) {
			am_vsig_set(&v->sigs[i], AM_DKIM_PERMERROR,
			    AM_DKIM_R_SIG_SYNTAX, "key name too long");
			continue;
		}
		qs[nq].name = name;
		qs[nq].type = AM_DNS_TXT;
		sig[nq++] = i;
	}
	am_dns_query_many(v->dns, qs, nq);
	for (i = 0; i < nq; i++) {
		/* Several signatures naming one key: parsed once. */
		if ((v->opts.keycache != NULL && am_keycache_get(
		    v->opts.keycache, qs[i].name, v->opts.now, &keys[sig[i]])) ||
		    am_vsig_key_parse(v, &v->sigs[sig[i]], qs[i].name,
		    &qs[i].res, &keys[sig[i]]) == 0)
			have[sig[i]] = 1;
		am_dns_result_release(&qs[i].res);
	}
	free(names);
	free(sig);
	free(qs);
}

/* Key rules (RFC 6376 3.6.1, 6.1.2; RFC 8301; RFC 8463). */

static int
am_vsig_key_ok(struct am_dkim_verifier *v, struct am_dkim_vsig *vs,
    const struct am_dkim_key *key)
{
	const struct am_dkim_sig	*s = &vs->sig;
	const char			*at;
	char				 why[128], *idom;
	int				 within;

	vs->res.key_bits = key->bits;
	vs->res.key_testing = key->testing;
	if (key->revoked)
		return am_vsig_set(vs, AM_DKIM_PERMERROR, AM_DKIM_R_KEY_REVOKED,
		    "key revoked"), -1;
	if ((s->alg == AM_DKIM_ED25519_SHA256) !=
	    (key->type == AM_DKIM_KEY_ED25519))
		return am_vsig_set(vs, AM_DKIM_PERMERROR,
		    AM_DKIM_R_KEY_MISMATCH,
		    "key type does not match algorithm"), -1;
	if (!key->allow_sha256)
		return am_vsig_set(vs, AM_DKIM_PERMERROR,
		    AM_DKIM_R_KEY_MISMATCH,
		    "hash algorithm not allowed by key"), -1;
	if (key->strict && s->i != NULL &&
	    (at = strrchr(s->i, '@')) != NULL) {
		idom = am_domain_to_alabel(at + 1, strlen(at + 1), NULL);
		within = idom != NULL && am_domain_eq(idom, s->d_alabel);
		free(idom);
		if (!within)
			return am_vsig_set(vs, AM_DKIM_PERMERROR,
			    AM_DKIM_R_KEY_MISMATCH,
			    "i= subdomain not allowed by key (t=s)"), -1;
	}
	if (key->type == AM_DKIM_KEY_RSA && key->bits < v->opts.min_key_bits) {
		(void)snprintf(why, sizeof(why), "%u-bit key is too short%s",
		    key->bits, key->bits < 1024 ? " (RFC 8301)" : "");
		return am_vsig_set(vs, AM_DKIM_POLICY, AM_DKIM_R_WEAK_KEY,
		    why), -1;
	}
	return 0;
}

static int
am_vsig_body_ok(struct am_dkim_verifier *v, struct am_dkim_vsig *vs)
{
	const unsigned char	*bh;
	size_t			 bhlen;
	uint64_t		 total;

	bh = am_bodyhash_get(v->body, vs->bh, &bhlen, &total);
	vs->res.body_len = total;
	if (vs->sig.has_l && vs->sig.l > total)
		return am_vsig_set(vs, AM_DKIM_FAIL, AM_DKIM_R_BODY_LENGTH,
		    "l= exceeds body length"), -1;
	if (bhlen != vs->sig.bh_len || CRYPTO_memcmp(bh, vs->sig.bh,
	    bhlen) != 0)
		return am_vsig_set(vs, AM_DKIM_FAIL, AM_DKIM_R_BODY_HASH,
		    "body hash mismatch"), -1;
	return 0;
}

static void
am_vsig_check(struct am_dkim_verifier *v, struct am_dkim_vsig *vs,
    struct am_dkim_key *keyp)
{
	struct am_dkim_key	 key = *keyp;
	struct am_buf		 sigfield, data;
	const struct am_hdr	*h;
	int			 r;

	memset(keyp, 0, sizeof(*keyp));		/* ours to release now */
	if (am_vsig_key_ok(v, vs, &key) == -1 || am_vsig_body_ok(v, vs) == -1) {
		am_dkim_key_release(&key);
		return;
	}
	h = am_hdrs_get(v->hdrs, vs->field);
	am_buf_init(&sigfield, h->raw_len + 1);
	am_buf_init(&data, AM_VERIFY_HASH_MAX);
	(void)am_dkim_sig_strip_b(h->raw, h->raw_len, &sigfield);
	if (am_dkim_hdrs_canon(v->hdrs, vs->sig.h, vs->sig.h_n,
	    vs->sig.hcanon, (const char *)sigfield.data, sigfield.len,
	    &data) == -1)
		am_vsig_set(vs, AM_DKIM_PERMERROR, AM_DKIM_R_LIMIT,
		    "signed headers too long");
	else if ((r = am_pkey_verify(key.pkey, "SHA256", data.data, data.len,
	    vs->sig.b, vs->sig.b_len)) != 1)
		am_vsig_set(vs, r == 0 ? AM_DKIM_FAIL : AM_DKIM_TEMPERROR,
		    r == 0 ? AM_DKIM_R_SIGNATURE : AM_DKIM_R_INTERNAL,
		    r == 0 ? "signature verification failed" :
		    "internal error verifying signature");
	else if (vs->sig.has_l && vs->res.body_len > vs->sig.l &&
	    v->opts.l_policy == AM_DKIM_L_STRICT)
		am_vsig_set(vs, AM_DKIM_POLICY, AM_DKIM_R_BODY_LENGTH,
		    "unsigned content after l=");
	else
		am_vsig_set(vs, AM_DKIM_PASS, AM_DKIM_R_NONE, "");
	am_buf_release(&sigfield);
	am_buf_release(&data);
	am_dkim_key_release(&key);
}

/* header.b: the shortest prefix of at least 8 that no other has. */

static void
am_vsig_bprefix(struct am_dkim_verifier *v)
{
	size_t	 i, j, len, want;
	const char *bi, *bj;

	for (i = 0; i < v->nsigs; i++) {
		if (!v->sigs[i].parsed)
			continue;
		bi = v->sigs[i].sig.b_text;
		want = AM_VERIFY_B_PREFIX;
		for (j = 0; j < v->nsigs; j++) {
			if (j == i || !v->sigs[j].parsed)
				continue;
			bj = v->sigs[j].sig.b_text;
			for (len = 0; bi[len] != '\0' && bi[len] == bj[len];
			    len++)
				;
			if (len + 1 > want)
				want = len + 1;
		}
		len = strlen(bi);
		v->sigs[i].res.b = am_strndup(bi, want < len ? want : len);
	}
}

void
am_dkim_verifier_eom(struct am_dkim_verifier *v)
{
	struct am_dkim_key	*keys;
	int			*have;
	size_t			 i;

	am_bodyhash_end(v->body);
	keys = am_calloc(v->nsigs + 1, sizeof(*keys));
	have = am_calloc(v->nsigs + 1, sizeof(*have));
	am_vsig_fetch_keys(v, keys, have);
	for (i = 0; i < v->nsigs; i++)
		if (v->sigs[i].pending && have[i])
			am_vsig_check(v, &v->sigs[i], &keys[i]);
	free(have);
	free(keys);
	am_vsig_bprefix(v);
	for (i = 0; i < v->nsigs; i++)
		am_log(v->log, AM_LOG_INFO, "DKIM d=%s s=%s: %s%s%s",
		    v->sigs[i].res.d ? v->sigs[i].res.d : "?",
		    v->sigs[i].res.s ? v->sigs[i].res.s : "?",
		    am_dkim_verdict_name(v->sigs[i].res.verdict),
		    v->sigs[i].res.reason[0] ? ": " : "",
		    v->sigs[i].res.reason);
}

size_t
am_dkim_verifier_count(const struct am_dkim_verifier *v)
{
	return v->nsigs;
}

const struct am_dkim_result *
am_dkim_verifier_result(const struct am_dkim_verifier *v, size_t i)
{
	return &v->sigs[i].res;
}

const char *
am_dkim_reason_name(enum am_dkim_reason code)
{
	static const char *const names[] = {
		[AM_DKIM_R_NONE] = "none",
		[AM_DKIM_R_SIG_SYNTAX] = "signature-syntax",
		[AM_DKIM_R_ALGORITHM] = "unsupported-algorithm",
		[AM_DKIM_R_WEAK_ALGORITHM] = "weak-algorithm",
		[AM_DKIM_R_EXPIRED] = "expired",
		[AM_DKIM_R_FUTURE] = "future-timestamp",
		[AM_DKIM_R_NO_KEY] = "no-key",
		[AM_DKIM_R_KEY_DNS] = "key-dns-error",
		[AM_DKIM_R_KEY_SYNTAX] = "key-syntax",
		[AM_DKIM_R_KEY_REVOKED] = "key-revoked",
		[AM_DKIM_R_KEY_MISMATCH] = "key-mismatch",
		[AM_DKIM_R_WEAK_KEY] = "weak-key",
		[AM_DKIM_R_BODY_LENGTH] = "body-length",
		[AM_DKIM_R_BODY_HASH] = "body-hash",
		[AM_DKIM_R_SIGNATURE] = "signature",
		[AM_DKIM_R_LIMIT] = "limit",
		[AM_DKIM_R_INTERNAL] = "internal",
	};

	if ((size_t)code >= sizeof(names) / sizeof(names[0]) ||
	    names[code] == NULL)
		return "internal";
	return names[code];
}

enum am_verdict
am_dkim_verdict_word(enum am_dkim_verdict verdict)
{
	switch (verdict) {
	case AM_DKIM_NONE:
		return AM_VERDICT_NONE;
	case AM_DKIM_PASS:
		return AM_VERDICT_PASS;
	case AM_DKIM_FAIL:
		return AM_VERDICT_FAIL;
	case AM_DKIM_NEUTRAL:
		return AM_VERDICT_NEUTRAL;
	case AM_DKIM_POLICY:
		return AM_VERDICT_POLICY;
	case AM_DKIM_TEMPERROR:
		return AM_VERDICT_TEMPERROR;
	case AM_DKIM_PERMERROR:
		break;
	}
	return AM_VERDICT_PERMERROR;
}

const char *
am_dkim_verdict_name(enum am_dkim_verdict verdict)
{
	return am_verdict_name(am_dkim_verdict_word(verdict));
}

void
am_dkim_result_authres(const struct am_dkim_result *r, struct am_authres *ar)
{
	char	 comment[64];

	am_authres_method(ar, "dkim", am_dkim_verdict_name(r->verdict));
	if (r->key_bits > 0 || r->key_testing) {
		(void)snprintf(comment, sizeof(comment), "%u-bit key%s",
		    r->key_bits, r->key_testing ? "; test key" : "");
		am_authres_comment(ar, comment);
	}
	if (r->reason[0] != '\0')
		am_authres_reason(ar, r->reason);
	if (r->d != NULL)
		am_authres_prop(ar, "header", "d", r->d);
	if (r->i != NULL)
		am_authres_prop(ar, "header", "i", r->i);
	if (r->s != NULL)
		am_authres_prop(ar, "header", "s", r->s);
	if (r->a != NULL)
		am_authres_prop(ar, "header", "a", r->a);
	if (r->b != NULL)
		am_authres_prop(ar, "header", "b", r->b);
}

void
am_dkim_verifier_free(struct am_dkim_verifier **vp)
{
	struct am_dkim_verifier	*v = *vp;
	struct am_dkim_result	*r;
	size_t			 i;

	if (v == NULL)
		return;
	for (i = 0; i < v->nsigs; i++) {
		r = &v->sigs[i].res;
		free(r->d);
		free(r->i);
		free(r->s);
		free(r->a);
		free(r->b);
		if (v->sigs[i].parsed)
			am_dkim_sig_release(&v->sigs[i].sig);
	}
	free(v->sigs);
	am_hdrs_free(&v->hdrs);
	am_bodyhash_free(&v->body);
	free(v);
	*vp = NULL;
}
