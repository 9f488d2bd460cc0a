/*
 * audit_dkim - a DKIM selector as receivers will see it (RFC 6376,
 * RFC 8301, RFC 8463)
 *
 * Checks, each a finding: dkim.record (SELECTOR._domainkey.DOMAIN has
 * exactly one TXT record), dkim.syntax (the record as the strictest
 * receivers parse it: am_audit_dkim_lint), dkim.parse (RFC 6376
 * 3.6.1), dkim.revoked (empty p=), dkim.match (the public key is the
 * private key's), dkim.testing (t=y), dkim.keysize (RSA 2048 bits or
 * more; under 1024 is refused by RFC 8301), and per domain
 * dkim.rsa-companion (Ed25519 alone: RFC 8463 receivers are few) and
 * dkim.canon (relaxed/relaxed survives forwarding and list software).
 */

#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "dkim_key.h"
#include "pkey.h"

#define AM_AUDIT_DKIM_WEAK	2048	/* RFC 8301: SHOULD */
#define AM_AUDIT_DKIM_MIN	1024	/* RFC 8301: MUST */

/* ---------------------------------------------------------------- lint */

static int
am_lint_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The first tag name in [s, end) (after white space) is "v"? */
static int
am_lint_tag_is_v(const char *s, const char *end)
{
	while (s < end && am_lint_ws((unsigned char)*s))
		s++;
	if (s == end || (*s != 'v' && *s != 'V'))
		return 0;
	for (s++; s < end && am_lint_ws((unsigned char)*s); s++)
		;
	return s < end && *s == '=';
}

/* Is there white space inside the p= value? */
static int
am_lint_p_ws(const char *rec, size_t len)
{
	const char	*p = rec, *end = rec + len, *semi;

	while (p < end) {
		semi = memchr(p, ';', (size_t)(end - p));
		if (semi == NULL)
			semi = end;
		while (p < semi && am_lint_ws((unsigned char)*p))
			p++;
		if (semi - p >= 2 && p[0] == 'p' && (p[1] == '=' ||
		    am_lint_ws((unsigned char)p[1]))) {
			p = memchr(p, '=', (size_t)(semi - p));
			if (p == NULL)
				return 0;
			for (p++; p < semi && am_lint_ws((unsigned char)*p);
			    p++)
				;
			while (semi > p && am_lint_ws((unsigned char)semi[-1]))
				semi--;
			for (; p < semi; p++)
				if (am_lint_ws((unsigned char)*p))
					return 1;
			return 0;
		}
		p = semi + 1;
	}
	return 0;
}

/* Spacing after ';': none, or exactly one space before the next tag. */
static int
am_lint_semi(const char *rec, size_t len)
{
	size_t	 i;

	for (i = 0; i + 1 < len; i++) {
		if (rec[i] != ';')
			continue;
		if (rec[i + 1] == ' ' && i + 2 < len &&
		    am_lint_ws((unsigned char)rec[i + 2]))
			return 1;
		if (am_lint_ws((unsigned char)rec[i + 1]) && rec[i + 1] != ' ')
			return 1;
	}
	return 0;
}

/* The v= tag, when present, must come first. */
static int
am_lint_v_late(const char *rec, size_t len)
{
	const char	*p, *end = rec + len, *semi;

	p = memchr(rec, ';', len);
	while (p != NULL && p < end) {
		p++;
		semi = memchr(p, ';', (size_t)(end - p));
		if (am_lint_tag_is_v(p, semi != NULL ? semi : end))
			return 1;
		p = semi;
	}
	return 0;
}

unsigned
am_audit_dkim_lint(const char *rec, size_t len)
{
	unsigned	 bits = 0;
	size_t		 i;

	for (i = 0; i < len; i++)
		if (((unsigned char)rec[i] < 0x20 &&
		    !am_lint_ws((unsigned char)rec[i])) ||
		    (unsigned char)rec[i] >= 0x7f)
			bits |= AM_AUDIT_LINT_CTL;
	if (len > 0 && (am_lint_ws((unsigned char)rec[0]) ||
	    am_lint_ws((unsigned char)rec[len - 1])))
		bits |= AM_AUDIT_LINT_EDGE_WS;
	if (am_lint_semi(rec, len))
		bits |= AM_AUDIT_LINT_SEMI_WS;
	if (memmem(rec, len, "  ", 2) != NULL)
		bits |= AM_AUDIT_LINT_DOUBLE_SP;
	if (memchr(rec, '\t', len) != NULL || memchr(rec, '\r', len) != NULL ||
	    memchr(rec, '\n', len) != NULL)
		bits |= AM_AUDIT_LINT_TAB_NL;
	if (memchr(rec, '"', len) != NULL || memchr(rec, '\\', len) != NULL)
		bits |= AM_AUDIT_LINT_QUOTE;
	if (am_lint_v_late(rec, len))
		bits |= AM_AUDIT_LINT_V_LATE;
	if (am_lint_p_ws(rec, len))
		bits |= AM_AUDIT_LINT_P_WS;
	return bits;
}

const char *
am_audit_lint_text(unsigned bit)
{
	switch (bit) {
	case AM_AUDIT_LINT_CTL:
		return "record holds control or non-ASCII bytes";
	case AM_AUDIT_LINT_EDGE_WS:
		return "record starts or ends with white space";
	case AM_AUDIT_LINT_SEMI_WS:
		return "more than one space (or a tab or line break) after "
		    "';'; use exactly one space or none";
	case AM_AUDIT_LINT_DOUBLE_SP:
		return "double space in record";
	case AM_AUDIT_LINT_TAB_NL:
		return "tab or line break in record";
	case AM_AUDIT_LINT_QUOTE:
		return "stray quote or backslash in record text (zone-file "
		    "quoting went wrong)";
	case AM_AUDIT_LINT_V_LATE:
		return "v= is not the first tag";
	case AM_AUDIT_LINT_P_WS:
		return "white space inside p= (check how the record was "
		    "split into strings)";
	}
	return "unknown";
}

/* ---------------------------------------------------------------- checks */

#define AM_DKIM_RFC	"RFC 6376 3.6.1"

/*
 * The record to publish for a private key, as a zone-file line whose
 * strings are at most AM_AUDIT_DKIM_STR octets (as keygen writes it).
 */
#define AM_AUDIT_DKIM_STR	250

static void
am_audit_dkim_want(struct am_audit_finding *f, const char *name,
    EVP_PKEY *pk, const char *what)
{
	struct am_buf	 b64, rec;
	size_t		 off, n;

	am_buf_init(&b64, 8192);
	am_buf_init(&rec, 8192);
	if (pk == NULL || am_pkey_public_b64(pk, &b64, NULL) == -1) {
		am_audit_fix(f, "%s at %s (authmilter-tool keygen prints it)",
		    what, name);
	} else {
		(void)am_buf_printf(&rec, "\"v=DKIM1; k=%s; \" \"p=",
		    am_pkey_type(pk) == AM_PKEY_ED25519 ? "ed25519" : "rsa");
		for (off = 0; off < b64.len; off += n) {
			n = b64.len - off > AM_AUDIT_DKIM_STR ?
			    AM_AUDIT_DKIM_STR : b64.len - off;
			if (off > 0)
				(void)am_buf_appends(&rec, "\" \"");
			(void)am_buf_append(&rec, b64.data + off, n);
		}
		(void)am_buf_appendc(&rec, '"');
		am_audit_fix(f, "%s: %s. IN TXT ( %s )", what, name,
		    am_buf_str(&rec));
	}
	am_buf_release(&b64);
	am_buf_release(&rec);
}

/* Fetches the one TXT record; 0 found (in res->rr[0]), -1 reported. */
static int
am_audit_dkim_fetch(struct am_dns *dns, const char *domain, const char *name,
    const struct am_audit_key *k, struct am_dns_result *res,
    struct am_audit *a)
{
	struct am_audit_finding	*f;
	enum am_dns_status	 st;

	st = am_dns_lookup(dns, name, AM_DNS_TXT, res);
	if (st == AM_DNS_NXDOMAIN || st == AM_DNS_NODATA) {
		f = am_audit_add(a, AM_AUDIT_FAIL, "dkim.record", domain,
		    AM_DKIM_RFC, "selector %s: no key record at %s (%s)",
		    k->selector, name, am_dns_status_name(st));
		am_audit_dkim_want(f, name, k->pkey, "publish");
		return -1;
	}
	if (st != AM_DNS_OK) {
		f = am_audit_add(a, AM_AUDIT_FAIL, "dkim.record", domain,
		    AM_DKIM_RFC, "selector %s: DNS lookup of %s TXT failed: %s",
		    k->selector, name, am_dns_status_name(st));
		am_audit_fix(f, "make the zone's name servers answer for %s",
		    name);
		return -1;
	}
	if (res->n != 1) {
		f = am_audit_add(a, AM_AUDIT_FAIL, "dkim.record", domain,
		    "RFC 6376 3.6.2.2", "selector %s: %zu TXT records at %s; "
		    "receivers may pick any of them", k->selector, res->n, name);
		am_audit_dkim_want(f, name, k->pkey, "keep exactly one record");
		return -1;
	}
	am_audit_add(a, AM_AUDIT_PASS, "dkim.record", domain, AM_DKIM_RFC,
	    "selector %s: key record published at %s", k->selector, name);
	return 0;
}

static void
am_audit_dkim_syntax(const char *domain, const char *name,
    const struct am_audit_key *k, const char *rec, size_t len,
    struct am_audit *a)
{
	struct am_audit_finding	*f;
	unsigned		 bits = am_audit_dkim_lint(rec, len), b;
	char			 why[600];
	size_t			 off = 0;

	if (bits == 0) {
		am_audit_add(a, AM_AUDIT_PASS, "dkim.syntax", domain,
		    AM_DKIM_RFC, "selector %s: record syntax is clean (single "
		    "spaces, no stray quotes)", k->selector);
		return;
	}
	why[0] = '\0';
	for (b = 1; b <= AM_AUDIT_LINT_ALL; b <<= 1)
		if ((bits & b) != 0 && off < sizeof(why)) {
			int n = snprintf(why + off, sizeof(why) - off, "%s%s",
			    off > 0 ? "; " : "", am_audit_lint_text(b));
			off += n > 0 ? (size_t)n : 0;
		}
	f = am_audit_add(a, AM_AUDIT_FAIL, "dkim.syntax", domain, AM_DKIM_RFC,
	    "selector %s: %s (strict receivers, Microsoft's among them, "
	    "reject such records)", k->selector, why);
	am_audit_dkim_want(f, name, k->pkey, "publish the record exactly as");
}

static void
am_audit_dkim_keychecks(const char *domain, const char *name,
    const struct am_audit_key *k, const struct am_dkim_key *key,
    struct am_audit *a)
{
	struct am_audit_finding	*f;
	const char		*t = key->type == AM_DKIM_KEY_ED25519 ?
				    "Ed25519" : "RSA";
	int			 eq;

	if (k->pkey != NULL) {
		eq = am_pkey_public_eq(key->pkey, k->pkey);
		if (eq == 1)
			am_audit_add(a, AM_AUDIT_PASS, "dkim.match", domain,
			    AM_DKIM_RFC, "selector %s: the public key in DNS "
			    "matches the private key", k->selector);
		else {
			f = am_audit_add(a, AM_AUDIT_FAIL, "dkim.match", domain,
			    AM_DKIM_RFC, "selector %s: the %s public key in "
			    "DNS does not match the private %s key; every "
			    "signature will fail", k->selector, t,
			    am_pkey_type(k->pkey) == AM_PKEY_ED25519 ?
			    "Ed25519" : "RSA");
			am_audit_dkim_want(f, name, k->pkey, "publish");
		}
	}
	if (key->testing) {
		f = am_audit_add(a, AM_AUDIT_WARN, "dkim.testing", domain,
		    "RFC 6376 3.6.1", "selector %s: t=y (testing mode): "
		    "receivers may treat signed mail as unsigned",
		    k->selector);
		am_audit_dkim_want(f, name, k->pkey, "remove t=y once "
		    "signatures verify");
	} else
		am_audit_add(a, AM_AUDIT_PASS, "dkim.testing", domain,
		    AM_DKIM_RFC, "selector %s: not in testing mode",
		    k->selector);
	if (key->type == AM_DKIM_KEY_ED25519)
		am_audit_add(a, AM_AUDIT_PASS, "dkim.keysize", domain,
		    "RFC 8463", "selector %s: Ed25519 key", k->selector);
	else if (key->bits < AM_AUDIT_DKIM_WEAK) {
		f = am_audit_add(a, key->bits < AM_AUDIT_DKIM_MIN ?
		    AM_AUDIT_FAIL : AM_AUDIT_WARN, "dkim.keysize", domain,
		    "RFC 8301 3.2", "selector %s: %u-bit RSA key%s",
		    k->selector, key->bits, key->bits < AM_AUDIT_DKIM_MIN ?
		    ": receivers refuse keys under 1024 bits" :
		    ": receivers expect 2048 bits");
		am_audit_fix(f, "make a 2048-bit key under a new selector "
		    "(authmilter-tool keygen -a rsa -b 2048) and publish it");
	} else
		am_audit_add(a, AM_AUDIT_PASS, "dkim.keysize", domain,
		    "RFC 8301 3.2", "selector %s: %u-bit RSA key",
		    k->selector, key->bits);
}

static void
am_audit_dkim_record(const char *domain, const char *name,
    const struct am_audit_key *k, const char *rec, size_t len, int *type,
    struct am_audit *a)
{
	struct am_audit_finding	*f;
	struct am_dkim_key	 key;
	struct am_err		 err;

	memset(&key, 0, sizeof(key));
	am_err_clear(&err);
	am_audit_dkim_syntax(domain, name, k, rec, len, a);
	if (am_dkim_key_parse(rec, len, &key, &err) == -1) {
		f = am_audit_add(a, AM_AUDIT_FAIL, "dkim.parse", domain,
		    AM_DKIM_RFC, "selector %s: the record does not parse: %s",
		    k->selector, err.msg);
		am_audit_dkim_want(f, name, k->pkey, "publish");
		return;
	}
	*type = key.type == AM_DKIM_KEY_ED25519 ? 1 : 0;
	if (key.revoked) {
		f = am_audit_add(a, AM_AUDIT_FAIL, "dkim.revoked", domain,
		    AM_DKIM_RFC, "selector %s: the key is revoked (empty p=)",
		    k->selector);
		am_audit_dkim_want(f, name, k->pkey, "sign with another "
		    "selector, or publish");
	} else
		am_audit_dkim_keychecks(domain, name, k, &key, a);
	am_dkim_key_release(&key);
}

void
am_audit_dkim_key(struct am_dns *dns, const char *domain,
    const struct am_audit_key *k, int *type_out, struct am_audit *a)
{
	struct am_dns_result	 res;
	char			 name[600];
	int			 n;

	*type_out = -1;
	memset(&res, 0, sizeof(res));
	n = snprintf(name, sizeof(name), "%s._domainkey.%s", k->selector,
	    domain);
	if (n < 0 || (size_t)n >= sizeof(name)) {
		am_audit_add(a, AM_AUDIT_FAIL, "dkim.record", domain,
		    AM_DKIM_RFC, "selector %s: name too long", k->selector);
		return;
	}
	if (am_audit_dkim_fetch(dns, domain, name, k, &res, a) == 0)
		am_audit_dkim_record(domain, name, k, res.rr[0].txt,
		    res.rr[0].txt_len, type_out, a);
	am_dns_result_release(&res);
	if (*type_out == -1 && k->pkey != NULL)
		*type_out = am_pkey_type(k->pkey) == AM_PKEY_ED25519 ? 1 : 0;
}

void
am_audit_dkim_companion(const char *domain, const int *types, size_t n,
    struct am_audit *a)
{
	struct am_audit_finding	*f;
	size_t			 i, rsa = 0, ed = 0;

	for (i = 0; i < n; i++) {
		rsa += types[i] == 0;
		ed += types[i] == 1;
	}
	if (ed == 0)
		return;
	if (rsa > 0) {
		am_audit_add(a, AM_AUDIT_PASS, "dkim.rsa-companion", domain,
		    "RFC 8463 3", "Ed25519 keys are signed beside an RSA key");
		return;
	}
	f = am_audit_add(a, AM_AUDIT_WARN, "dkim.rsa-companion", domain,
	    "RFC 8463 3", "only Ed25519 keys: many receivers still ignore "
	    "Ed25519 signatures and will see the mail as unsigned");
	am_audit_fix(f, "sign with an RSA 2048-bit key as well (a second "
	    "KeyTable entry for the same domain)");
}

void
am_audit_dkim_canon(const char *domain, enum am_canon_mode h,
    enum am_canon_mode b, struct am_audit *a)
{
	struct am_audit_finding	*f;

	if (h == AM_CANON_RELAXED && b == AM_CANON_RELAXED) {
		am_audit_add(a, AM_AUDIT_PASS, "dkim.canon", domain,
		    "RFC 6376 3.4", "signing canonicalization relaxed/relaxed");
		return;
	}
	f = am_audit_add(a, AM_AUDIT_WARN, "dkim.canon", domain,
	    "RFC 6376 3.4", "signing canonicalization %s/%s: a header "
	    "refolded or white space changed on the way breaks the signature",
	    h == AM_CANON_RELAXED ? "relaxed" : "simple",
	    b == AM_CANON_RELAXED ? "relaxed" : "simple");
	am_audit_fix(f, "set \"Canonicalization relaxed/relaxed\" in the "
	    "configuration");
}
