/*
 * fuzz-spf-macro - libFuzzer target for the SPF macro checker and
 * expander (RFC 7208 section 7)
 *
 * The first input octet picks the context (bit 0: explanation text)
 * and the client family (bit 1: IPv6); the rest is the macro-string.
 * Checks, beyond "no crash": the expander accepts exactly what the
 * checker accepts; an expanded domain is at most 253 octets unless
 * no label boundary let it be cut (then its last 254 octets hold no
 * '.'); explanation text is US-ASCII (the values below are); a valid
 * domain-spec is a valid macro-string.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "spf_macro.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *
fuzz_p(void *ctx, const char *d)
{
	(void)ctx;
	return strlen(d) % 2 ? "mx.example.org" : NULL;
}

static void
check_domain(const struct am_buf *b)
{
	size_t	 i;

	if (b->len <= 253)
		return;
	for (i = b->len - 254; i < b->len; i++)
		if (b->data[i] == '.')
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct am_spf_macro_env	 env;
	enum am_spf_macro_ctx	 ctx;
	struct am_buf		 b;
	struct am_err		 err;
	const char		*s;
	size_t			 n, i;
	int			 ok, v6;

	if (size == 0)
		return 0;
	ctx = data[0] & 1 ? AM_SPF_MACRO_EXPLAIN : AM_SPF_MACRO_DOMAIN;
	v6 = (data[0] & 2) != 0;
	s = (const char *)data + 1;
	n = size - 1;
	memset(&env, 0, sizeof(env));
	env.s = "strong-bad@email.example.com";
	env.l = "strong-bad";
	env.o = "email.example.com";
	env.d = (data[0] & 4) ? "email.example.com" : "x.example";
	env.i = v6 ? "2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "c.b.0.1" : "192.0.2.3";
	env.c = v6 ? "2001:db8::cb01" : "192.0.2.3";
	env.v = v6 ? "ip6" : "in-addr";
	env.h = "mx.example.org";
	env.r = "mx.example.net";
	env.t = "1700000000";
	env.p = fuzz_p;

	ok = am_spf_macro_check(s, n, ctx, &err) == 0;
	if (!ok && (err.code != AM_E_SYNTAX || err.msg[0] == '\0'))
		abort();
	am_buf_init(&b, 1 << 20);
	if ((am_spf_macro_expand(&env, s, n, ctx, &b, &err) == 0) != ok)
		abort();
	if (ok && ctx == AM_SPF_MACRO_DOMAIN)
		check_domain(&b);
	if (ok && ctx == AM_SPF_MACRO_EXPLAIN)
		for (i = 0; i < b.len; i++)
			if (b.data[i] < 0x20 || b.data[i] >= 0x7f)
				abort();
	am_buf_release(&b);
	if (am_spf_domain_spec_check(s, n, &err) == 0 &&
	    am_spf_macro_check(s, n, AM_SPF_MACRO_DOMAIN, &err) == -1)
		abort();
	return 0;
}
