/*
 * t-spf-macro - SPF macros (RFC 7208 section 7): the section 7.4
 * examples verbatim, transformers, delimiters, URL escaping, the
 * explanation-only letters, truncation to 253 octets, and the
 * domain-spec / macro-string syntax of section 12
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "spf.h"
#include "spf_macro.h"
#include "tap.h"

#define D	AM_SPF_MACRO_DOMAIN
#define X	AM_SPF_MACRO_EXPLAIN

static const char *
p_value(void *ctx, const char *d)
{
	(void)ctx;
	(void)d;
	return "mx.example.org";	/* 7.4: "The PTR domain name" */
}

/* RFC 7208 7.4: the <sender>, the client and its PTR name */
static void
env_rfc(struct am_spf_macro_env *env, int v6)
{
	memset(env, 0, sizeof(*env));
	env->s = "strong-bad@email.example.com";
	env->l = "strong-bad";
	env->o = "email.example.com";
	env->d = "email.example.com";
	env->i = v6 ? "2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "c.b.0.1" : "192.0.2.3";
	env->c = v6 ? "2001:db8::cb01" : "192.0.2.3";
	env->v = v6 ? "ip6" : "in-addr";
	env->h = "mx.example.org";
	env->r = "receiver.example.net";
	env->t = "1700000000";
	env->p = p_value;
}

static const struct {
	int			 v6;
	enum am_spf_macro_ctx	 ctx;
	const char		*in;
	const char		*want;		/* NULL: syntax error */
} cases[] = {
	/* 7.4, first table, verbatim */
	{ 0, D, "%{s}", "strong-bad@email.example.com" },
	{ 0, D, "%{o}", "email.example.com" },
	{ 0, D, "%{d}", "email.example.com" },
	{ 0, D, "%{d4}", "email.example.com" },
	{ 0, D, "%{d3}", "email.example.com" },
	{ 0, D, "%{d2}", "example.com" },
	{ 0, D, "%{d1}", "com" },
	{ 0, D, "%{dr}", "com.example.email" },
	{ 0, D, "%{d2r}", "example.email" },
	{ 0, D, "%{l}", "strong-bad" },
	{ 0, D, "%{l-}", "strong.bad" },
	{ 0, D, "%{lr}", "strong-bad" },
	{ 0, D, "%{lr-}", "bad.strong" },
	{ 0, D, "%{l1r-}", "strong" },
	/* 7.4, second table, verbatim */
	{ 0, D, "%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com" },
	{ 0, D, "%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com" },
	{ 0, D, "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}",
	  "bad.strong.lp.3.2.0.192.in-addr._spf.example.com" },
	{ 0, D, "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}",
	  "3.2.0.192.in-addr.strong.lp._spf.example.com" },
	{ 0, D, "%{d2}.trusted-domains.example.net",
	  "example.com.trusted-domains.example.net" },
	{ 1, D, "%{ir}.%{v}._spf.%{d2}",
	  "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2."
	  "ip6._spf.example.com" },
	/* 7.3 letters */
	{ 0, D, "%{i}", "192.0.2.3" },
	{ 1, D, "%{i}", "2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	  "0.0.c.b.0.1" },
	{ 0, D, "%{v}", "in-addr" },
	{ 1, D, "%{v}", "ip6" },
	{ 0, D, "%{h}", "mx.example.org" },
	{ 0, D, "%{p}", "mx.example.org" },
	{ 0, D, "%{p2}", "example.org" },
	{ 0, X, "%{c}", "192.0.2.3" },
	{ 1, X, "%{c}", "2001:db8::cb01" },
	{ 0, X, "%{r}", "receiver.example.net" },
	{ 0, X, "%{t}", "1700000000" },
	{ 0, D, "%{c}", NULL },			/* 7.3: exp text only */
	{ 0, D, "%{r}.example.com", NULL },
	{ 0, D, "%{t}", NULL },
	{ 0, D, "%{C}", NULL },
	/* case: letters and "r" are case-insensitive (RFC 5234 2.3) */
	{ 0, D, "%{D2}", "example.com" },
	{ 0, D, "%{dR}", "com.example.email" },
	{ 0, D, "%{D2R}", "example.email" },
	/* URL escaping of upper-case macros (7.3, RFC 3986 unreserved) */
	{ 0, D, "%{S}", "strong-bad%40email.example.com" },
	{ 0, D, "%{L}", "strong-bad" },
	{ 1, X, "%{C}", "2001%3Adb8%3A%3Acb01" },
	/* escapes (7.1) */
	{ 0, X, "%%", "%" },
	{ 0, X, "%_", " " },
	{ 0, X, "%-", "%20" },
	{ 0, X, "a%%b%_c%-d", "a%b c%20d" },
	/* digits (7.1): more than there are keeps all; 0 is refused */
	{ 0, D, "%{d100}", "email.example.com" },
	{ 0, D, "%{d99999999999999999999}", "email.example.com" },
	{ 0, D, "%{d01}", "com" },
	{ 0, D, "%{d0}", NULL },
	{ 0, D, "%{d00}", NULL },
	{ 0, D, "%{d0r}", NULL },
	/* delimiters: any of . - + , / _ =, joined with "." */
	{ 0, D, "%{s@}", NULL },
	{ 0, D, "%{l+-}", "strong.bad" },
	{ 0, D, "%{sr.@}", NULL },
	{ 0, D, "%{s.-}", "strong.bad@email.example.com" },
	{ 0, D, "%{s=,/_+}", "strong-bad@email.example.com" },
	{ 0, D, "%{s2-}", "strong.bad@email.example.com" },
	{ 0, D, "%{o1r}", "email" },	/* reverse, then the right-most */
	/* malformed */
	{ 0, D, "%", NULL },
	{ 0, D, "a%", NULL },
	{ 0, D, "%a", NULL },
	{ 0, D, "%{", NULL },
	{ 0, D, "%{d", NULL },
	{ 0, D, "%{}", NULL },
	{ 0, D, "%{x}", NULL },
	{ 0, D, "%{d2r2}", NULL },
	{ 0, D, "%{dx}", NULL },
	{ 0, D, "%{d }", NULL },
	{ 0, D, "%(d)", NULL },
	{ 0, D, "a b", NULL },			/* SP: explanation text only */
	{ 0, X, "a b", "a b" },
	{ 0, D, "a\tb", NULL },
	{ 0, X, "a\tb", NULL },
	{ 0, X, "caf\xc3\xa9", NULL },		/* US-ASCII only (6.2) */
	{ 0, D, "", "" },
	/* a target-name loses one trailing dot (domain-end) */
	{ 0, D, "foo.example.com.", "foo.example.com" },
	{ 0, D, "%{d}.", "email.example.com" },
	{ 0, X, "end.", "end." },
};

static void
check_cases(void)
{
	struct am_spf_macro_env	 env;
	struct am_buf		 b;
	struct am_err		 err;
	char			 name[200];
	size_t			 i;
	int			 rc;

	am_buf_init(&b, 4096);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		env_rfc(&env, cases[i].v6);
		am_buf_reset(&b);
		rc = am_spf_macro_expand(&env, cases[i].in, strlen(cases[i].in),
		    cases[i].ctx, &b, &err);
		snprintf(name, sizeof(name), "%s %s%s", cases[i].ctx == D ?
		    "domain" : "exp", cases[i].in, cases[i].v6 ? " (IPv6)" : "");
		if (cases[i].want == NULL) {
			ok(rc == -1 && err.code == AM_E_SYNTAX, name);
			ok(am_spf_macro_check(cases[i].in, strlen(cases[i].in),
			    cases[i].ctx, NULL) == -1, "... and the check agrees");
			continue;
		}
		if (rc == -1)
			diag(err.msg);
		is_str(am_buf_str(&b), cases[i].want, name);
		ok(am_spf_macro_check(cases[i].in, strlen(cases[i].in),
		    cases[i].ctx, NULL) == 0, "... and the check agrees");
	}
	am_buf_release(&b);
}

/* domain-spec = macro-string domain-end (section 12) */
static const struct {
	const char	*in;
	int		 good;
} specs[] = {
	{ "example.com", 1 }, { "example.com.", 1 }, { "%{d}", 1 },
	{ "foo.%{d}", 1 }, { "_spf.%{d2}", 1 }, { "x.1-2", 1 },
	{ "a.b-c", 1 }, { "x.%%", 1 }, { "x.%-", 1 }, { "%{ir}.%{v}._spf.%{d2}", 1 },
	{ "a.B2", 1 }, { "a.2b", 1 }, { "%%.com", 1 }, { "foo/bar.com", 1 },
	{ "", 0 }, { "example", 0 }, { "foo.123", 0 }, { "foo.-com", 0 },
	{ "foo.com-", 0 }, { "%{d}.", 0 }, { "foo.com..", 0 },
	{ "foo.com/24", 0 }, { "foo.com:8080", 0 }, { "foo.", 0 },
	{ "foo.c_m", 0 }, { "%{c}.example.com", 0 }, { "foo bar.com", 0 },
	{ "fo%o.com", 0 }, { "%-com", 0 }, { ".com", 1 }, { "1.2.3.4", 0 },
	{ "x.%{d}x", 0 }, { "%{d}com", 0 },
};

static void
check_specs(void)
{
	char	 name[160];
	size_t	 i;

	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		snprintf(name, sizeof(name), "domain-spec '%s' is %s",
		    specs[i].in, specs[i].good ? "valid" : "invalid");
		ok((am_spf_domain_spec_check(specs[i].in, strlen(specs[i].in),
		    NULL) == 0) == specs[i].good, name);
	}
}

/* The truncation rule, on a string expanded in full. */
static void
reference_cut(char *s)
{
	size_t	 n = strlen(s);
	char	*dot;

	if (n > 0 && s[n - 1] == '.')
		s[--n] = '\0';
	while (n > 253 && (dot = strchr(s, '.')) != NULL) {
		memmove(s, dot + 1, strlen(dot + 1) + 1);
		n = strlen(s);
	}
}

static void
check_truncation(void)
{
	struct am_spf_macro_env	 env;
	struct am_buf		 b, spec;
	char			 lab[64], d[128], *full;
	size_t			 i;

	memset(lab, 'a', 63);
	lab[63] = '\0';
	snprintf(d, sizeof(d), "%s.example", lab);		/* 71 octets */
	env_rfc(&env, 0);
	env.d = d;
	am_buf_init(&b, 1 << 20);
	(void)am_spf_macro_expand(&env, "%{d}.%{d}.%{d}.%{d}", 19, D, &b,
	    NULL);
	/* 287 octets: dropping the first label ("aaa...a.") leaves 223 */
	full = malloc(300);
	snprintf(full, 300, "example.%s.example.%s.example.%s.example", lab,
	    lab, lab);
	is_str(am_buf_str(&b), full, "7.3: a long name loses labels on the left");
	is_int(b.len, 223, "... down to 223 octets");
	free(full);

	/* A single label of 300 octets has no boundary to cut at. */
	am_buf_reset(&b);
	am_buf_init(&spec, 1 << 20);
	for (i = 0; i < 300; i++)
		(void)am_buf_appendc(&spec, 'x');
	(void)am_spf_macro_expand(&env, am_buf_str(&spec), spec.len, D, &b,
	    NULL);
	is_int(b.len, 300, "no label boundary: left long (not a usable name)");

	/* Thousands of macros: the expander keeps only the tail, exactly. */
	am_buf_reset(&spec);
	for (i = 0; i < 3000; i++)
		(void)am_buf_appends(&spec, i % 3 ? "%{d}." : "%{s}-%{l}.");
	(void)am_buf_appends(&spec, "end.%{d2}.");
	am_buf_reset(&b);
	(void)am_spf_macro_expand(&env, am_buf_str(&spec), spec.len, D, &b,
	    NULL);
	{
		struct am_buf	 whole;

		am_buf_init(&whole, 1 << 22);
		(void)am_spf_macro_expand(&env, am_buf_str(&spec), spec.len, X,
		    &whole, NULL);
		full = am_buf_str(&whole)[0] != '\0' ?
		    strdup(am_buf_str(&whole)) : strdup("");
		reference_cut(full);
		is_str(am_buf_str(&b), full,
		    "a huge expansion is cut exactly as the rule says");
		ok(b.len <= 253, "... to at most 253 octets");
		free(full);
		am_buf_release(&whole);
	}
	am_buf_release(&spec);
	am_buf_release(&b);
}

static void
check_exp_check(void)
{
	ok(am_spf_exp_check("%{i} is not allowed by %{d} at %{t}", NULL) == 0,
	    "am_spf_exp_check: a good explain-string");
	ok(am_spf_exp_check("100% bad", NULL) == -1,
	    "am_spf_exp_check: a bare '%' is refused");
	ok(am_spf_exp_check(AM_SPF_DEFAULT_EXP, NULL) == 0,
	    "the built-in default explanation parses");
}

int
main(void)
{
	check_cases();
	check_specs();
	check_truncation();
	check_exp_check();
	return done_testing();
}
