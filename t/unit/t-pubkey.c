/*
 * t-pubkey - DKIM p= keys parsed by hand (lib/crypto/pubkey.c), checked
 * against OpenSSL's own decoders
 *
 * The oracle (t/fuzz/pubkey-oracle.h, shared with fuzz-pubkey): a p=
 * must parse exactly when d2i_PUBKEY (SPKI) or d2i_PublicKey (bare
 * RSAPublicKey) decodes an RSA key from all of it, OpenSSL encodes
 * that key back to the same bytes (so the input was DER, not merely
 * BER), and n and e are within pubkey.h's bounds; and then the two
 * keys must be equal (EVP_PKEY_eq).  Keys are generated
 * (random odd moduli of 512 to 4096 bits, and past the bounds, with
 * odd exponents; a few real key pairs that must also verify), then
 * encoded by OpenSSL, by hand with BER liberties, and mutated.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "buf.h"
#include "err.h"
#include "pkey.h"
#include "pubkey.h"
#include "tap.h"
#include "../fuzz/pubkey-oracle.h"

static uint64_t	 rng_state = 0x2545f4914f6cdd1dULL;	/* fixed seed */

static unsigned
rng(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

/* ---------------------------------------------------------------- oracle */

struct tally {
	unsigned	 inputs, accepted, disagree, noteq, dirty;
};

/* check - ours against the oracle on one input */

static void
check(const unsigned char *der, size_t len, struct tally *t)
{
	EVP_PKEY	*want = pubkey_oracle(der, len), *got = NULL;
	struct am_err	 err;
	unsigned	 bits = 0;
	int		 rc;

	rc = am_pubkey_rsa(der, len, &got, &bits, &err);
	t->inputs++;
	if (ERR_peek_error() != 0) {
		t->dirty++;
		ERR_clear_error();
	}
	if ((rc == 0) != (want != NULL)) {
		if (t->disagree++ < 5) {
			char	 msg[320];

			snprintf(msg, sizeof(msg), "disagree on %zu bytes: ours "
			    "%s, OpenSSL %s", len, rc == 0 ? "accepts" :
			    err.msg, want != NULL ? "accepts" : "rejects");
			diag(msg);
		}
	} else if (rc == 0) {
		t->accepted++;
		if (EVP_PKEY_eq(got, want) != 1 ||
		    bits != (unsigned)EVP_PKEY_get_bits(want))
			t->noteq++;
	}
	EVP_PKEY_free(got);
	EVP_PKEY_free(want);
	ERR_clear_error();
}

static void
tally_ok(const struct tally *t, const char *what, int want_accept)
{
	char	 name[200];

	snprintf(name, sizeof(name), "%s: %u inputs, %u accepted, ours = "
	    "OpenSSL's on every one", what, t->inputs, t->accepted);
	ok(t->disagree == 0 && t->inputs > 0, name);
	snprintf(name, sizeof(name), "%s: accepted keys EVP_PKEY_eq to "
	    "OpenSSL's, same bits", what);
	ok(t->noteq == 0, name);
	snprintf(name, sizeof(name), "%s: OpenSSL's error queue left empty",
	    what);
	ok(t->dirty == 0, name);
	if (want_accept >= 0) {
		snprintf(name, sizeof(name), "%s: %s", what, want_accept ?
		    "all accepted" : "none accepted");
		ok(want_accept ? t->accepted == t->inputs : t->accepted == 0,
		    name);
	}
}

/* ---------------------------------------------------------------- keys */

/* pub_key - an RSA public key with a random odd n of bits bits */

static EVP_PKEY *
pub_key(int bits, const BIGNUM *e)
{
	OSSL_PARAM_BLD	*bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM	*params;
	EVP_PKEY_CTX	*ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY	*k = NULL;
	BIGNUM		*n = BN_new();

	if (bld == NULL || ctx == NULL || n == NULL ||
	    BN_rand(n, bits, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ODD) != 1)
		abort();
	(void)OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n);
	(void)OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e);
	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params) != 1)
		abort();
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	BN_free(n);
	return k;
}

/* der_of - OpenSSL's SPKI (spki) or RSAPublicKey of k */

static size_t
der_of(EVP_PKEY *k, int spki, unsigned char *out, size_t max)
{
	unsigned char	*d = NULL;
	int		 n = spki ? i2d_PUBKEY(k, &d) : i2d_PublicKey(k, &d);

	if (n <= 0 || (size_t)n > max)
		abort();
	memcpy(out, d, (size_t)n);
	OPENSSL_free(d);
	return (size_t)n;
}

static const char *const exps[] = {
	"3", "11", "10001", "100000001", "FFFFFFFFFFFFFFFF", "C0000001",
};

#define DER_MAX	4200

static void
test_generated(void)
{
	static const int	 sizes[] = {
		512, 513, 520, 767, 768, 1000, 1024, 1025, 1536, 2047, 2048,
		2049, 3072, 4095, 4096
	};
	unsigned char		 der[DER_MAX];
	struct tally		 t;
	BIGNUM			*e = NULL;
	EVP_PKEY		*k;
	size_t			 i, j, n;
	int			 spki;

	memset(&t, 0, sizeof(t));
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (j = 0; j < sizeof(exps) / sizeof(exps[0]); j++) {
			if (BN_hex2bn(&e, exps[j]) == 0)
				abort();
			k = pub_key(sizes[i], e);
			for (spki = 0; spki < 2; spki++) {
				n = der_of(k, spki, der, sizeof(der));
				check(der, n, &t);
			}
			EVP_PKEY_free(k);
		}
	tally_ok(&t, "generated keys, 512 to 4096 bits, SPKI and bare", 1);

	/* Past the bounds: n 1, too long or even; e 1, even, or
	 * longer than 64 bits. */
	memset(&t, 0, sizeof(t));
	(void)BN_hex2bn(&e, "10001");
	for (i = 0; i < 2; i++) {
		k = pub_key(i == 0 ? 1 : 16385, e);
		for (spki = 0; spki < 2; spki++)
			check(der, der_of(k, spki, der, sizeof(der)), &t);
		EVP_PKEY_free(k);
	}
	for (i = 0; i < 4; i++) {
		static const char *const bad_e[] = {
			"1", "10000", "10000000000000001", "2"
		};

		(void)BN_hex2bn(&e, bad_e[i]);
		k = pub_key(1024, e);
		for (spki = 0; spki < 2; spki++)
			check(der, der_of(k, spki, der, sizeof(der)), &t);
		EVP_PKEY_free(k);
	}
	(void)BN_hex2bn(&e, "10001");
	k = pub_key(1024, e);
	n = der_of(k, 1, der, sizeof(der));
	der[n - 6] &= 0xfe;			/* n even: its last byte */
	check(der, n, &t);
	EVP_PKEY_free(k);
	tally_ok(&t, "keys past the bounds", 0);
	BN_free(e);
}

/* ---------------------------------------------------------------- BER */

/* put_len - a DER length, or with nonmin set a long form one byte
 * longer than due (0x81 for a short length, a leading zero byte) */

static size_t
put_len(unsigned char *o, size_t len, int nonmin)
{
	size_t	 nb, n = 0;

	if (len < 0x80 && !nonmin) {
		o[0] = (unsigned char)len;
		return 1;
	}
	nb = len < 0x100 ? 1 : 2;
	if (nonmin && len >= 0x80)
		nb++;
	o[n++] = (unsigned char)(0x80 | nb);
	while (nb-- > 0)
		o[n++] = nb < sizeof(size_t) ? (unsigned char)(len >> (8 * nb)) :
		    0;
	return n;
}

/* tlv - tag, length (non-minimal with nonmin), value; o and v apart */

static size_t
tlv(unsigned char *o, unsigned char tag, const unsigned char *v,
    size_t vlen, int nonmin)
{
	size_t	 n;

	o[0] = tag;
	n = 1 + put_len(o + 1, vlen, nonmin);
	memcpy(o + n, v, vlen);
	return n + vlen;
}

/*
 * build - an SPKI (or bare key) from n and e, with one liberty:
 *  v 0 none; 1-5 a non-minimal length on node v-1 (outer, alg, key,
 *  RSAPublicKey, n); 6 a leading zero on n; 7 a leading zero on e;
 *  8 parameters absent; 9 a BIT STRING with 1 unused bit; 10 n
 *  negative; 11 an extra element in RSAPublicKey; 12 an extra
 *  element in the algorithm; 13 the NULL with content; 14 a bare key
 *  with an extra element.
 */

static size_t
build(unsigned char *o, const unsigned char *n, size_t nlen,
    const unsigned char *e, size_t elen, int spki, int v)
{
	static const unsigned char oid[] = { 0x06, 0x09, 0x2a, 0x86, 0x48,
	    0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01 };
	unsigned char	 a[DER_MAX], b[DER_MAX], c[DER_MAX], alg[64];
	size_t		 an = 0, bn = 0, cn, algn;

	/* n, then e */
	a[0] = 0;
	memcpy(a + 1, n, nlen);
	if (v == 10)
		an = tlv(b, 0x02, a + 1, nlen, 0);	/* top bit set: < 0 */
	else
		an = tlv(b, 0x02, a, nlen + 1, v == 5);
	if (v == 6) {
		memmove(a + 1, a, nlen + 1);
		a[0] = 0;
		an = tlv(b, 0x02, a, nlen + 2, 0);
	}
	a[0] = 0;
	memcpy(a + 1, e, elen);
	bn = an + tlv(b + an, 0x02, v == 7 ? a : a + 1, elen + (v == 7), 0);
	if (v == 11 || v == 14) {
		b[bn++] = 0x02;
		b[bn++] = 0x01;
		b[bn++] = 0x01;
	}
	cn = tlv(c, 0x30, b, bn, v == 4);		/* RSAPublicKey */
	if (!spki) {
		memcpy(o, c, cn);
		return cn;
	}
	memcpy(alg, oid, sizeof(oid));
	algn = sizeof(oid);
	if (v == 13) {
		memcpy(alg + algn, "\x05\x01\x00", 3);
		algn += 3;
	} else if (v != 8) {
		memcpy(alg + algn, "\x05\x00", 2);
		algn += 2;
	}
	if (v == 12) {
		memcpy(alg + algn, "\x05\x00", 2);
		algn += 2;
	}
	an = tlv(a, 0x30, alg, algn, v == 2);
	b[0] = v == 9 ? 1 : 0;
	memcpy(b + 1, c, cn);
	an += tlv(a + an, 0x03, b, cn + 1, v == 3);
	return tlv(o, 0x30, a, an, v == 1);
}

static void
test_ber(void)
{
	unsigned char	 der[DER_MAX], nb[520], eb[8] = { 1, 0, 1 };
	struct tally	 good, bad;
	BIGNUM		*n = BN_new();
	size_t		 nlen, len;
	int		 bits, spki, v;

	memset(&good, 0, sizeof(good));
	memset(&bad, 0, sizeof(bad));
	for (bits = 512; bits <= 4096; bits += 512) {
		if (BN_rand(n, bits, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ODD) != 1)
			abort();
		nlen = (size_t)BN_bn2bin(n, nb);
		for (spki = 0; spki < 2; spki++)
			for (v = 0; v <= 14; v++) {
				if (!spki && ((v >= 1 && v <= 3) ||
				    (v >= 8 && v <= 9) || (v >= 12 && v <= 13)))
					continue;	/* SPKI only */
				len = build(der, nb, nlen, eb, 3, spki, v);
				check(der, len, v == 0 ? &good : &bad);
			}
	}
	BN_free(n);
	tally_ok(&good, "hand-built DER", 1);
	tally_ok(&bad, "hand-built BER liberties and wrong structure", 0);
}

/* ---------------------------------------------------------------- mutants */

static void
mutate_all(const unsigned char *der, size_t len, struct tally *t)
{
	static const unsigned char	 vals[] = {
		0x00, 0x01, 0x02, 0x03, 0x05, 0x06, 0x30, 0x7f, 0x80, 0x81,
		0x82, 0x83, 0x84, 0xff
	};
	unsigned char			 m[DER_MAX + 1];
	size_t				 i, j;

	for (i = 0; i < len; i++)		/* truncations */
		check(der, i, t);
	memcpy(m, der, len);			/* a byte appended */
	m[len] = 0;
	check(m, len + 1, t);
	for (i = 0; i < len; i++) {
		/* Past the first 40 bytes only some positions: the
		 * modulus bytes all do the same. */
		if (i >= 40 && i + 8 < len && rng(8) != 0)
			continue;
		for (j = 0; j < sizeof(vals); j++) {
			memcpy(m, der, len);
			if (m[i] == vals[j])
				continue;
			m[i] = vals[j];
			check(m, len, t);
		}
		memcpy(m, der, len);
		m[i] ^= (unsigned char)(1u << rng(8));
		check(m, len, t);
		/* a byte inserted, one deleted */
		memcpy(m, der, i);
		m[i] = vals[rng(sizeof(vals))];
		memcpy(m + i + 1, der + i, len - i);
		check(m, len + 1, t);
		memcpy(m, der, i);
		memcpy(m + i, der + i + 1, len - i - 1);
		check(m, len - 1, t);
	}
}

static void
test_mutants(void)
{
	static const int	 sizes[] = { 512, 1024, 2048, 4096 };
	unsigned char		 der[DER_MAX];
	struct tally		 t;
	BIGNUM			*e = NULL;
	EVP_PKEY		*k;
	size_t			 i;
	int			 spki;

	memset(&t, 0, sizeof(t));
	(void)BN_hex2bn(&e, "10001");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		k = pub_key(sizes[i], e);
		for (spki = 0; spki < 2; spki++)
			mutate_all(der, der_of(k, spki, der, sizeof(der)), &t);
		EVP_PKEY_free(k);
	}
	BN_free(e);
	tally_ok(&t, "mutants (truncated, bytes changed, inserted, deleted)",
	    -1);
}

/* ---------------------------------------------------------------- other */

static EVP_PKEY *
pss_key(void)
{
	EVP_PKEY_CTX	*ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS",
			    NULL);
	EVP_PKEY	*k = NULL;

	if (ctx == NULL || EVP_PKEY_keygen_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 1024) != 1 ||
	    EVP_PKEY_keygen(ctx, &k) != 1)
		k = NULL;
	EVP_PKEY_CTX_free(ctx);
	return k;
}

static void
test_other(void)
{
	static const char *const algs[] = { "ED25519", "EC", "RSA-PSS" };
	unsigned char	 der[DER_MAX], raw[32];
	struct am_err	 err;
	EVP_PKEY	*k, *got;
	unsigned	 bits;
	size_t		 i, n, rawlen = sizeof(raw);
	char		 name[120];

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		if (i == 1)
			k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		else if (i == 2)
			k = pss_key();
		else
			k = EVP_PKEY_Q_keygen(NULL, NULL, algs[i]);
		if (k == NULL)
			abort();
		n = der_of(k, 1, der, sizeof(der));
		got = NULL;
		snprintf(name, sizeof(name), "%s SPKI: key type does not "
		    "match k=", algs[i]);
		ok(am_pubkey_rsa(der, n, &got, &bits, &err) == -1 &&
		    got == NULL && strcmp(err.msg,
		    "key type does not match k=") == 0, name);
		if (i == 0) {
			if (EVP_PKEY_get_raw_public_key(k, raw, &rawlen) != 1)
				abort();
			ok(am_pubkey_ed25519(raw, rawlen, &got, &err) == 0 &&
			    EVP_PKEY_eq(got, k) == 1,
			    "Ed25519 raw key: EVP_PKEY_eq to the generated one");
			EVP_PKEY_free(got);
			ok(am_pubkey_ed25519(raw, 31, &got, &err) == -1 &&
			    got == NULL && am_pubkey_ed25519(raw, 33, &got,
			    &err) == -1, "Ed25519: 31 and 33 bytes refused");
		}
		EVP_PKEY_free(k);
	}
	ok(ERR_peek_error() == 0, "error queue empty");
}

/* test_verify - real key pairs: a signature made with the private key
 * verifies with the key we built, and not after a bit flip */

static void
test_verify(void)
{
	static const int	 sizes[] = { 1024, 2048 };
	static const unsigned char data[] = "header block";
	unsigned char		 der[DER_MAX];
	struct am_buf		 sig;
	struct am_err		 err;
	EVP_PKEY		*k, *pub;
	unsigned		 bits;
	size_t			 i, n;
	int			 spki;
	char			 name[120];

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)sizes[i]);
		am_buf_init(&sig, 4096);
		if (k == NULL || am_pkey_sign(k, "SHA256", data, sizeof(data),
		    &sig, &err) == -1)
			abort();
		for (spki = 0; spki < 2; spki++) {
			n = der_of(k, spki, der, sizeof(der));
			snprintf(name, sizeof(name), "RSA-%d %s: verifies, and "
			    "not a changed signature", sizes[i], spki ?
			    "SPKI" : "RSAPublicKey");
			if (am_pubkey_rsa(der, n, &pub, &bits, &err) == -1) {
				ok(0, name);
				continue;
			}
			ok(bits == (unsigned)sizes[i] && am_pkey_verify(pub,
			    "SHA256", data, sizeof(data), sig.data,
			    sig.len) == 1 && (sig.data[3] ^= 1, am_pkey_verify(
			    pub, "SHA256", data, sizeof(data), sig.data,
			    sig.len) == 0), name);
			sig.data[3] ^= 1;
			EVP_PKEY_free(pub);
		}
		am_buf_release(&sig);
		EVP_PKEY_free(k);
	}
}

int
main(void)
{
	test_generated();
	test_ber();
	test_mutants();
	test_other();
	test_verify();
	return done_testing();
}
