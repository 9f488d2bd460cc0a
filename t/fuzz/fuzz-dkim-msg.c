/*
 * fuzz-dkim-msg - libFuzzer target for the whole-message DKIM verify
 * path: one message (header fields, blank line, body) through
 * am_msgparse into am_dkim_verifier, with the keys of example.net
 * (conf/demo.zone, and broken, revoked, t=s, duplicate, CNAME,
 * SERVFAIL and TIMEOUT keys) answered from a zone.
 *
 * Checks, beyond "no crash": every result has a verdict and reason in
 * range and a non-empty reason unless it passes; a pass names d= and
 * the key size; header.b= is at least 8 characters unless the
 * signature's b= is shorter; and our Authentication-Results field
 * built from the results (am_authres_finish, folded) keeps every line
 * under 998 octets, stays within AM_AUTHRES_FIELD_MAX and parses back
 * with am_authres_parse.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"
#include "buf.h"
#include "dkim_verify.h"
#include "dns.h"
#include "err.h"
#include "msgparse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char zone[] =
	"; Sample zone for the README demo and the tests: the DKIM keys of example.net.\n"
	"$ORIGIN example.net.\n"
	"$TTL 300\n"
	"@ IN SOA ns.example.net. hostmaster.example.net. 1 3600 600 86400 300\n"
	"@ IN NS ns.example.net.\n"
	"rsa2026._domainkey IN TXT ( \"v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAsj+CIbxvPCWVylX0Kqc3Iq/1OVwvs12QpXQsAGJuwnDB83Sb1kBh7/neaW5nlJQoD4Kh3/SHmXXTc0E2GBBWjzVM9JTk+sGEFC4++FmaRptSdz247wZ842MS2cF6yyj2ZJ9FFYvxP3Vb21QT+C2eDc58gx5n\" \"SNKx0M4iellrtm7h9OhcAHvxuZ0k1Is/GPoJY5Pqv09RmDsBgYMZKkv21e5z7nyHTWiQ4w1xdzrjxmR9Yu7HmVjaZdV4LPKj7vMsoODn/V09DPi7XXLsWnnkpO+rvs8giZ4plgccAWyD7DH4Ix0U4tWFpiUtiDtP5YFs4+RzW+s5cFShW/TuA4TduQIDAQAB\" )\n"
	"ed2026._domainkey IN TXT \"v=DKIM1; k=ed25519; p=VC+HKDRpjkdnhSPXC7a1mwZ+H/YXhbi4wY5Jorqs+CM=\"\n"
	"bad._domainkey IN TXT \"v=DKIM1; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\"\n"
	"revoked._domainkey IN TXT \"v=DKIM1; p=\"\n"
	"strict._domainkey IN TXT \"v=DKIM1; t=s; h=sha1; k=ed25519; p=VC+HKDRpjkdnhSPXC7a1mwZ+H/YXhbi4wY5Jorqs+CM=\"\n"
	"two._domainkey IN TXT \"v=DKIM1; p=a\" \n"
	"two._domainkey IN TXT \"v=DKIM1; p=b\"\n"
	"alias._domainkey IN CNAME ed2026._domainkey\n"
	";@fail servfail._domainkey.example.net. SERVFAIL\n"
	";@fail timeout._domainkey.example.net. TIMEOUT\n"
	"\n";

struct run {
	struct am_dkim_verifier	*v;
	int			 body;
};

static int
on_header(void *ctx, const char *raw, size_t len, struct am_err *err)
{
	return am_dkim_verifier_header(((struct run *)ctx)->v, raw, len, err);
}

static int
on_eoh(void *ctx, struct am_err *err)
{
	struct run	*r = ctx;

	(void)err;
	r->body = am_dkim_verifier_eoh(r->v);
	return 0;
}

static int
on_body(void *ctx, const char *p, size_t n, struct am_err *err)
{
	struct run	*r = ctx;

	(void)err;
	if (r->body)
		am_dkim_verifier_body(r->v, p, n);
	return 0;
}

static const struct am_msgparse_cb cb = { on_header, on_eoh, on_body };

static void
check_field(const struct am_dkim_verifier *v)
{
	static struct am_authres_parsed	 ar;
	struct am_authres	 r;
	struct am_buf		 f;
	struct am_err		 err;
	const char		*p, *nl;
	size_t			 i;

	am_buf_init(&f, 1 << 20);
	(void)am_buf_appends(&f, " mx.example.org");
	for (i = 0; i < am_dkim_verifier_count(v); i++) {
		am_authres_init(&r);
		am_dkim_result_authres(am_dkim_verifier_result(v, i), &r);
		(void)am_buf_printf(&f, ";\n\t%s", am_authres_str(&r));
		am_authres_release(&r);
	}
	if (am_authres_finish(&f, AM_AUTHRES_FOLD) == -1 ||
	    f.len > AM_AUTHRES_FIELD_MAX)
		abort();
	for (p = am_buf_str(&f); (nl = strchr(p, '\n')) != NULL; p = nl + 1)
		if (nl - p >= 998)
			abort();
	if (strlen(p) >= 998)
		abort();
	if (am_authres_parse(am_buf_str(&f), f.len, &ar, &err) == -1)
		abort();
	am_buf_release(&f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct am_dns		*dns;
	struct am_dkim_verify_opts	 o;
	const struct am_dkim_result	*res;
	struct am_msgparse		*mp;
	struct am_err			 err;
	struct run			 run;
	size_t				 i;
	int				 failed;

	if (dns == NULL) {
		dns = am_dns_zone_new();
		if (am_dns_zone_load_string(dns, zone, &err) == -1)
			abort();
	}
	memset(&o, 0, sizeof(o));
	o.now = 1764072000;
	o.clock_skew = 300;
	o.l_policy = size % 3 == 0 ? AM_DKIM_L_HONOUR : AM_DKIM_L_STRICT;
	o.max_signatures = 12;
	o.max_headers = 200;
	o.max_header_bytes = 64 * 1024;
	am_err_clear(&err);
	run.v = am_dkim_verifier_new(&o, dns, NULL);
	run.body = 0;
	mp = am_msgparse_new(&cb, &run, 64 * 1024);
	failed = am_msgparse_feed(mp, (const char *)data, size, &err) == -1 ||
	    am_msgparse_end(mp, &err) == -1;
	am_msgparse_free(&mp);
	if (failed && err.msg[0] == '\0')
		abort();
	if (!failed) {
		am_dkim_verifier_eom(run.v);
		if (am_dkim_verifier_count(run.v) > o.max_signatures)
			abort();
		for (i = 0; i < am_dkim_verifier_count(run.v); i++) {
			res = am_dkim_verifier_result(run.v, i);
			if (res->verdict > AM_DKIM_PERMERROR ||
			    res->code > AM_DKIM_R_INTERNAL ||
			    memchr(res->reason, '\0', sizeof(res->reason)) ==
			    NULL || (res->verdict != AM_DKIM_PASS &&
			    res->reason[0] == '\0'))
				abort();
			if (res->verdict == AM_DKIM_PASS && (res->d == NULL ||
			    res->key_bits == 0))
				abort();
		}
		check_field(run.v);
	}
	am_dkim_verifier_free(&run.v);
	return 0;
}
