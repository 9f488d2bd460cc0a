/*
 * t-dkim-key - DKIM key records (RFC 6376 3.6.1, RFC 8463 A.2)
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "dkim_key.h"
#include "err.h"
#include "tap.h"

/* RFC 8463 A.2, the two records (strings joined). */
#define ED_P	"11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
#define RSA8463_P \
	"MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWR" \
	"iGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutAC" \
	"DfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3" \
	"Ip3G+2kryOTIKT+l/K4w3QIDAQAB"
static const char rec_ed[] = "v=DKIM1; k=ed25519; p=" ED_P;
static const char rec_rsa8463[] = "v=DKIM1; k=rsa; p=" RSA8463_P;

/* RFC 6376 Appendix C public key, SPKI (C-rsa.public.pem). */
#define C_SPKI \
	"MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkM" \
	"oGeLnQg1fWn7/zYtIxN2SnFCjxOCKG9v3b4jYfcTNh5ijSsq631uBItLa7od+v/R" \
	"tdC2UzJ1lWT947qR+Rcac2gbto/NMqJ0fzfVjH4OuKhitdY9tf6mcwGjaNBcWToI" \
	"MmPSPDdQPNUYckcQ2QIDAQAB"
/* The same key as a PKCS#1 RSAPublicKey. */
#define C_PKCS1 \
	"MIGJAoGBAPAhE/9QLdIGwSYapn1klbf8OQygZ4udCDV9afv/Ni0jE3ZKcUKPE4Iob2/d" \
	"viNh9xM2HmKNKyrrfW4Ei0truh36/9G10LZTMnWVZP3jupH5FxpzaBu2j80yonR/N9WM" \
	"fg64qGK11j21/qZzAaNo0FxZOggyY9I8N1A81RhyRxDZAgMBAAE="
/* A 512-bit RSA key, SPKI. */
#define RSA512_SPKI \
	"MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAMP5xnrldqFuFuK4TrQUbdDjeKI0H0LwvFtz" \
	"lMm6i9PyYBnA0bI1/K34cAWa4QKqOxxsdq+o4thNkGxpLa94wv0CAwEAAQ=="
/* A P-256 EC key, SPKI. */
#define EC_SPKI \
	"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEIu6XsKcI+5skw7DhF0tGZBUDvMouU2tQ" \
	"TaENtM2Ky5cNcUJY7VuexFxzbeRGdWwnqY3DTwBq8jyNAnN1wPEIOg=="
/* The RFC 8463 Ed25519 key wrapped in an SPKI. */
#define ED_SPKI	"MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
#define ED_31	"11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHUQ=="
#define ED_33	"11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURoA"

/* read_file - whole file into a NUL-terminated string, or NULL */

static char *
read_file(const char *rel)
{
	/* The RFC vectors kept in the tree (copied from shared/vectors). */
	const char	*dir = getenv("top_srcdir");
	char		 path[1024], *data;
	FILE		*f;
	size_t		 n;

	if (dir == NULL)
		dir = ".";
	snprintf(path, sizeof(path), "%s/t/vectors/%s", dir, rel);
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	data = calloc(1, 65536);
	n = data != NULL ? fread(data, 1, 65535, f) : 0;
	fclose(f);
	if (n == 0) {
		free(data);
		return NULL;
	}
	return data;
}

/* zone_txt - join the quoted strings of owner's TXT record in a zone */

static char *
zone_txt(const char *zone, const char *owner)
{
	const char	*p, *q;
	char		*out;
	size_t		 n = 0;

	if ((p = strstr(zone, owner)) == NULL)
		return NULL;
	out = calloc(1, strlen(p) + 1);
	while (out != NULL && (p = strpbrk(p, "\")")) != NULL && *p == '"') {
		if ((q = strchr(p + 1, '"')) == NULL)
			break;
		memcpy(out + n, p + 1, (size_t)(q - p - 1));
		n += (size_t)(q - p - 1);
		p = q + 1;
	}
	return out;
}

/* pem_body - the base64 lines of a PEM file, joined */

static char *
pem_body(const char *pem)
{
	char		*out = calloc(1, strlen(pem) + 1);
	const char	*p = pem, *nl;
	size_t		 n = 0;

	while (out != NULL && *p != '\0') {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		if (*p != '-') {
			memcpy(out + n, p, (size_t)(nl - p));
			n += (size_t)(nl - p);
		}
		p = *nl != '\0' ? nl + 1 : nl;
	}
	return out;
}

static void
test_files(void)
{
	char	*zone, *txt, *pem, *body;

	zone = read_file("rfc8463-appendix-A/A2-dns.zone");
	pem = read_file("rfc6376-appendix-A/C-rsa.public.pem");
	if (zone == NULL || pem == NULL) {
		ok(1, "vector files # SKIP vector files not found");
		ok(1, "vector files # SKIP vector files not found");
		ok(1, "vector files # SKIP vector files not found");
	} else {
		txt = zone_txt(zone, "brisbane._domainkey.football");
		is_str(txt, rec_ed, "A2-dns.zone brisbane record");
		free(txt);
		txt = zone_txt(zone, "test._domainkey.football");
		is_str(txt, rec_rsa8463, "A2-dns.zone test record");
		free(txt);
		body = pem_body(pem);
		is_str(body, C_SPKI, "C-rsa.public.pem body");
		free(body);
	}
	free(zone);
	free(pem);
}

static int
parse(const char *rec, struct am_dkim_key *key, struct am_err *err)
{
	am_err_clear(err);
	return am_dkim_key_parse(rec, strlen(rec), key, err);
}

static void
test_good(void)
{
	struct am_dkim_key	 key;
	struct am_err		 err;

	if (!ok(parse(rec_ed, &key, &err) == 0, "8463 ed25519 record"))
		diag(err.msg);
	ok(key.type == AM_DKIM_KEY_ED25519 && key.pkey != NULL,
	    "ed25519 key built");
	ok(key.pkey != NULL && EVP_PKEY_get_base_id(key.pkey) ==
	    EVP_PKEY_ED25519, "EVP_PKEY is Ed25519");
	is_int(key.bits, 256, "ed25519 bits");
	ok(!key.revoked && !key.testing && !key.strict, "no flags");
	ok(key.allow_sha256 && key.allow_sha1, "no h=: both hashes allowed");
	am_dkim_key_release(&key);
	ok(key.pkey == NULL, "release clears pkey");
	am_dkim_key_release(&key);

	if (!ok(parse(rec_rsa8463, &key, &err) == 0, "8463 rsa record"))
		diag(err.msg);
	ok(key.type == AM_DKIM_KEY_RSA && key.pkey != NULL &&
	    EVP_PKEY_get_base_id(key.pkey) == EVP_PKEY_RSA, "rsa key built");
	is_int(key.bits, 1024, "8463 rsa is 1024 bits");
	am_dkim_key_release(&key);

	if (!ok(parse("v=DKIM1; p=" C_SPKI, &key, &err) == 0,
	    "6376 Appendix C SPKI, k= absent"))
		diag(err.msg);
	ok(key.type == AM_DKIM_KEY_RSA && key.bits == 1024, "rsa, 1024 bits");
	am_dkim_key_release(&key);

	if (!ok(parse("p=" C_PKCS1, &key, &err) == 0, "PKCS#1 RSAPublicKey"))
		diag(err.msg);
	ok(key.pkey != NULL && key.bits == 1024, "PKCS#1 key, 1024 bits");
	am_dkim_key_release(&key);

	if (!ok(parse("k=rsa; p=" RSA512_SPKI, &key, &err) == 0,
	    "512-bit RSA parses"))
		diag(err.msg);
	is_int(key.bits, 512, "512 bits reported");
	am_dkim_key_release(&key);

	ok(parse("v=DKIM1; k=rsa; p=", &key, &err) == 0 && key.revoked &&
	    key.pkey == NULL, "empty p=: revoked");
	am_dkim_key_release(&key);
	ok(parse("k=ed25519; p= ;", &key, &err) == 0 && key.revoked,
	    "empty p= with FWS: revoked");
	am_dkim_key_release(&key);

	ok(parse("h=sha1; p=" C_SPKI, &key, &err) == 0 && key.allow_sha1 &&
	    !key.allow_sha256, "h=sha1 only");
	am_dkim_key_release(&key);
	ok(parse("h=sha256 : SHA1; p=" C_SPKI, &key, &err) == 0 &&
	    key.allow_sha1 && key.allow_sha256, "h=sha256:sha1, FWS, case");
	am_dkim_key_release(&key);
	ok(parse("h=sha512; p=" C_SPKI, &key, &err) == 0 && !key.allow_sha1 &&
	    !key.allow_sha256, "h= unknown hash only: none allowed");
	am_dkim_key_release(&key);

	ok(parse("t=y:s; p=" C_SPKI, &key, &err) == 0 && key.testing &&
	    key.strict, "t=y:s");
	am_dkim_key_release(&key);
	ok(parse("t=s : x; p=" C_SPKI, &key, &err) == 0 && !key.testing &&
	    key.strict, "t=s with unknown flag");
	am_dkim_key_release(&key);
	ok(parse("s=email; p=" C_SPKI, &key, &err) == 0, "s=email");
	am_dkim_key_release(&key);
	ok(parse("s=other:*; p=" C_SPKI, &key, &err) == 0, "s=other:*");
	am_dkim_key_release(&key);
	ok(parse("v=DKIM1; n=a note; g=*; foo=bar; p=" C_SPKI, &key, &err) == 0,
	    "unknown tags ignored");
	am_dkim_key_release(&key);
	ok(parse("p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJ\r\n"
	    "\tW3/DkMoGeLnQg1fWn7/zYtIxN2SnFCjxOCKG9v3b4jYfcTNh5ijSsq631uBItL "
	    "a7od+v/RtdC2UzJ1lWT947qR+Rcac2gbto/NMqJ0fzfVjH4OuKhitdY9tf6mcwGj"
	    "aNBcWToIMmPSPDdQPNUYckcQ2QIDAQAB", &key, &err) == 0 &&
	    key.bits == 1024, "FWS inside p=");
	am_dkim_key_release(&key);
}

static const struct {
	const char		*name;
	const char		*in;
	enum am_err_code	 code;
	const char		*msg;
} bad[] = {
	{ "k=foo", "k=foo; p=" C_SPKI, AM_E_UNSUPPORTED,
	  "unsupported key type" },
	{ "k= empty", "k=; p=" C_SPKI, AM_E_UNSUPPORTED,
	  "unsupported key type" },
	{ "s=other", "s=other; p=" C_SPKI, AM_E_SYNTAX,
	  "key not for email (s=)" },
	{ "s= empty element", "s=email:; p=" C_SPKI, AM_E_SYNTAX,
	  "syntax error in key s=" },
	{ "h= empty", "h=; p=" C_SPKI, AM_E_SYNTAX, "syntax error in key h=" },
	{ "t= empty element", "t=y::s; p=" C_SPKI, AM_E_SYNTAX,
	  "syntax error in key t=" },
	{ "missing p=", "v=DKIM1; k=rsa", AM_E_SYNTAX,
	  "missing required tag p=" },
	{ "v= not first", "k=rsa; v=DKIM1; p=" C_SPKI, AM_E_SYNTAX,
	  "v= not first" },
	{ "v=DKIM2", "v=DKIM2; p=" C_SPKI, AM_E_SYNTAX,
	  "unsupported key version" },
	{ "v=dkim1 (case-sensitive)", "v=dkim1; p=" C_SPKI, AM_E_SYNTAX,
	  "unsupported key version" },
	{ "ed25519 31 bytes", "k=ed25519; p=" ED_31, AM_E_SYNTAX,
	  "ed25519 key must be 32 bytes" },
	{ "ed25519 33 bytes", "k=ed25519; p=" ED_33, AM_E_SYNTAX,
	  "ed25519 key must be 32 bytes" },
	{ "ed25519 as SPKI", "k=ed25519; p=" ED_SPKI, AM_E_SYNTAX,
	  "ed25519 key must be 32 bytes" },
	{ "ed25519 SPKI under k=rsa", "k=rsa; p=" ED_SPKI, AM_E_SYNTAX,
	  "key type does not match k=" },
	{ "EC SPKI under k=rsa", "p=" EC_SPKI, AM_E_SYNTAX,
	  "key type does not match k=" },
	{ "raw ed25519 under k=rsa", "p=" ED_P, AM_E_SYNTAX,
	  "invalid key data" },
	{ "padding in the middle of p=", "p=" RSA512_SPKI "AA==", AM_E_SYNTAX,
	  "syntax error in p=" },
	{ "RSA SPKI plus a trailing byte", "p=MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBA"
	  "MP5xnrldqFuFuK4TrQUbdDjeKI0H0LwvFtzlMm6i9PyYBnA0bI1/K34cAWa4QKqOxxs"
	  "dq+o4thNkGxpLa94wv0CAwEAAQA=", AM_E_SYNTAX, "invalid key data" },
	{ "PKCS#1 plus a trailing byte", "p=MIGJAoGBAPAhE/9QLdIGwSYapn1klbf8OQy"
	  "gZ4udCDV9afv/Ni0jE3ZKcUKPE4Iob2/dviNh9xM2HmKNKyrrfW4Ei0truh36/9G10LZT"
	  "MnWVZP3jupH5FxpzaBu2j80yonR/N9WMfg64qGK11j21/qZzAaNo0FxZOggyY9I8N1A81"
	  "RhyRxDZAgMBAAEA", AM_E_SYNTAX, "invalid key data" },
	{ "truncated SPKI", "p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/",
	  AM_E_SYNTAX, "invalid key data" },
	{ "p= not base64", "p=MIGf!A0G", AM_E_SYNTAX, "syntax error in p=" },
	{ "p= unpadded", "p=MIGfMA0", AM_E_SYNTAX, "syntax error in p=" },
	{ "p= garbage DER", "p=AAAAAAAA", AM_E_SYNTAX, "invalid key data" },
	{ "tag-list syntax", "v=DKIM1;; p=", AM_E_SYNTAX, "empty tag name" },
	{ "duplicate p=", "p=; p=" C_SPKI, AM_E_SYNTAX, "duplicate tag p=" },
	{ "empty record", "", AM_E_SYNTAX, "empty tag list" },
};

static void
test_bad(void)
{
	struct am_dkim_key	 key;
	struct am_err		 err;
	char			 name[160];
	size_t			 i;
	int			 rc;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rc = parse(bad[i].in, &key, &err);
		snprintf(name, sizeof(name), "%s: fails", bad[i].name);
		is_int(rc, -1, name);
		snprintf(name, sizeof(name), "%s: message", bad[i].name);
		is_str(err.msg, bad[i].msg, name);
		snprintf(name, sizeof(name), "%s: code", bad[i].name);
		is_int(err.code, bad[i].code, name);
		snprintf(name, sizeof(name), "%s: no key left", bad[i].name);
		ok(key.pkey == NULL, name);
	}
}

int
main(void)
{
	test_files();
	test_good();
	test_bad();
	return done_testing();
}
