/*
 * t-engine - the engine (lib/engine/engine.h) fed stage by stage as
 * the milter and eval feed it: DKIM, SPF, the author set and DMARC
 * together, the disposition, the Authentication-Results value and the
 * report records
 *
 * Keys and zones: conf/demo-ed25519.key signs for example.net
 * (selector ed2026, published in conf/demo.zone); the DMARC and SPF
 * records are in ZONE below.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dkim_sign.h"
#include "dns.h"
#include "engine.h"
#include "pkey.h"
#include "tap.h"
#include "testutil.h"

#define T0	1764072000ULL

static const char ZONE[] =
	"$ORIGIN .\n$TTL 300\n"
	"example.net. TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
	"bounce.example.net. TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
	"mail.example.net. A 192.0.2.10\n"
	"mail.example.net. TXT \"v=spf1 a -all\"\n"
	"_dmarc.example.net. TXT \"v=DMARC1; p=reject\"\n"
	"quar.example. A 192.0.2.1\n"
	"_dmarc.quar.example. TXT \"v=DMARC1; p=quarantine\"\n"
	"none.example. A 192.0.2.1\n"
	"_dmarc.none.example. TXT \"v=DMARC1; p=none\"\n"
	"tmp.example. A 192.0.2.1\n"
	";@fail _dmarc.tmp.example. SERVFAIL\n";

#define BODY	"\r\nHello.\r\n"
#define HDRS(from) from "To: bob@example.org\r\nSubject: hi\r\n" \
		"Date: Wed, 25 Nov 2026 12:00:00 +0000\r\n" \
		"Message-ID: <t@example.net>\r\n"

static struct am_dns	*dns;
static EVP_PKEY		*key;
static size_t		 nreports;
static struct am_dmarc_report last_report;

static void
report_sink(void *ctx, const struct am_dmarc_report *rep)
{
	(void)ctx;
	nreports++;
	last_report = *rep;
}

static int
ib_header(void *ctx, const char *raw, size_t len, struct am_err *err)
{
	return am_engine_header_raw(ctx, raw, len, err);
}

static int
ib_eoh(void *ctx, struct am_err *err)
{
	(void)err;
	(void)am_engine_eoh(ctx, 1);
	return 0;
}

static int
ib_body(void *ctx, const char *p, size_t n, struct am_err *err)
{
	(void)err;
	am_engine_body(ctx, p, n);
	return 0;
}

static const struct am_msgparse_cb ib_cb = { ib_header, ib_eoh, ib_body };

/* msg signed by example.net (ed25519), in a malloc'd string. */
static char *
sign(const char *msg)
{
	struct am_dkim_sign_opts o;
	struct am_dkim_signer	*s;
	struct am_err		 err;
	char			*out = NULL;
	size_t			 n;

	memset(&o, 0, sizeof(o));
	o.hcanon = o.bcanon = AM_CANON_RELAXED;
	o.now = T0;
	s = am_dkim_signer_new(&o);
	if (am_dkim_signer_add_key(s, "example.net", "ed2026", NULL, key,
	    &err) == 0 && tu_feed(msg, strlen(msg), 7, &tu_sign_cb, s) == 0 &&
	    am_dkim_signer_eom(s, &err) == 0) {
		n = strlen(am_dkim_signer_field(s, 0)) + strlen(msg) + 3;
		out = malloc(n);
		(void)snprintf(out, n, "%s\r\n%s", am_dkim_signer_field(s, 0),
		    msg);
	}
	am_dkim_signer_free(&s);
	return out;
}

/* The SMTP envelope of a test message. */
struct am_test_env {
	const char	*ip, *helo, *sender, *auth_user, *rcpt_domain;
};

static void
opts_default(struct am_engine_opts *o)
{
	am_engine_opts_init(o);
	o->authserv_id = "mx.example.org";
	o->now = T0 + 60;
	o->why = 1;
	o->report.fn = report_sink;
}

/* Runs msg through an engine, stage by stage; the caller frees *inp. */
static const struct am_engine_result *
run(const struct am_engine_opts *o, const struct am_test_env *env,
    const char *msg, size_t step, struct am_engine **inp)
{
	struct am_engine_client	 c;
	struct am_engine_conn	 conn;
	char			 arg[300];

	*inp = am_engine_new(o, dns, NULL, NULL);
	memset(&c, 0, sizeof(c));
	c.ip = env->ip;
	if (env->auth_user != NULL) {
		c.exempt = 1;
		(void)snprintf(c.exempt_why, sizeof(c.exempt_why),
		    "authenticated client");
	}
	am_engine_client(*inp, &c);
	am_engine_conn_init(&conn);
	am_engine_conn_helo(&conn, env->helo);
	(void)snprintf(arg, sizeof(arg), "<%s>", env->sender);
	(void)am_engine_mailfrom(*inp, &conn, NULL, arg);
	if (env->rcpt_domain != NULL) {
		(void)snprintf(arg, sizeof(arg), "<rcpt@%s>", env->rcpt_domain);
		am_engine_rcpt(*inp, arg);
	}
	(void)tu_feed(msg, strlen(msg), step, &ib_cb, *inp);
	(void)am_engine_eoh(*inp, 1);	/* also when the headers failed */
	am_engine_eom(*inp);
	return am_engine_result(*inp);
}

/* Our A-R value on one line, its leading space dropped. */
static const char *
ar_line(const struct am_engine_result *r)
{
	static char	 out[65536];
	const char	*p = am_buf_str(r->ar);
	size_t		 o = 0;

	for (p += *p == ' '; *p != '\0' && o + 1 < sizeof(out); p++)
		if (*p == '\n')
			out[o++] = ' ', p += p[1] == '\t';
		else
			out[o++] = *p;
	out[o] = '\0';
	return out;
}

/* ------------------------------------------------- A-R structure check */

/* Skips a comment at *p (nested, with quoted-pairs); 0 or -1. */
static int
skip_comment(const char **p)
{
	int	 depth = 0;

	do {
		if (**p == '\0')
			return -1;
		if (**p == '\\' && (*p)[1] != '\0')
			(*p)++;
		else if (**p == '(')
			depth++;
		else if (**p == ')')
			depth--;
		(*p)++;
	} while (depth > 0);
	return 0;
}

static void
skip_cfws(const char **p)
{
	while (**p == ' ' || **p == '(')
		if (**p == ' ')
			(*p)++;
		else if (skip_comment(p) == -1)
			return;
}

static int
is_tok(int c)
{
	return isalnum(c) || c == '-' || c == '_' || c == '.' || c == '@' ||
	    c == '+' || c == '/' || c == '=' || c == ':';
}

/* A value: quoted-string or a run of token characters. */
static int
skip_value(const char **p)
{
	if (**p == '"') {
		for ((*p)++; **p != '"'; (*p)++) {
			if (**p == '\0')
				return -1;
			if (**p == '\\' && (*p)[1] != '\0')
				(*p)++;
		}
		(*p)++;
		return 0;
	}
	if (!is_tok((unsigned char)**p))
		return -1;
	while (is_tok((unsigned char)**p))
		(*p)++;
	return 0;
}

/* "method=result [reason=v] [ptype.prop=v]..." up to ';' or the end. */
static int
check_resinfo(const char **p)
{
	const char	*s = *p;

	while (isalnum((unsigned char)**p) || **p == '-')
		(*p)++;
	if (*p == s || **p != '=')
		return -1;
	(*p)++;
	s = *p;
	while (isalnum((unsigned char)**p))
		(*p)++;
	if (*p == s)
		return -1;
	for (;;) {
		skip_cfws(p);
		if (**p == ';' || **p == '\0')
			return 0;
		s = *p;
		while (isalnum((unsigned char)**p) || **p == '.' || **p == '-')
			(*p)++;
		if (*p == s || **p != '=')
			return -1;
		if (strncmp(s, "reason=", 7) != 0 && memchr(s, '.',
		    (size_t)(*p - s)) == NULL)
			return -1;	/* ptype.property */
		(*p)++;
		if (skip_value(p) == -1)
			return -1;
	}
}

/* authserv-id; resinfo; resinfo... (RFC 8601 2.2), unfolded. */
static int
ar_valid(const char *v, const char *id)
{
	const char	*p = v;

	if (strncmp(p, id, strlen(id)) != 0 || p[strlen(id)] != ';')
		return 0;
	p += strlen(id) + 1;
	if (strchr(v, '\r') != NULL || strchr(v, '\n') != NULL)
		return 0;
	while (*p != '\0') {
		skip_cfws(&p);
		if (check_resinfo(&p) == -1)
			return 0;
		if (*p == ';')
			p++;
	}
	return 1;
}

/* ------------------------------------------------------------- cases */

#define AR(r)		ar_line(r)
#define HAS(r, s)	(strstr(AR(r), (s)) != NULL)

static const struct am_test_env env_good = {
	"192.0.2.10", "mail.example.net", "bounce@example.net", NULL, NULL
};
static const struct am_test_env env_evil = {
	"198.51.100.7", "evil.test", "x@evil.test", NULL, "example.org"
};

static void
t_aligned_dkim(void)
{
	struct am_engine_opts		 o;
	struct am_engine		*in;
	const struct am_engine_result	*r;
	char				*m = sign(HDRS("From: a@example.net\r\n")
					    BODY);
	size_t				 step;

	ok(m != NULL, "signed a message");
	if (m == NULL)
		return;
	opts_default(&o);
	for (step = 1; step <= 4096; step *= 64) {
		r = run(&o, &env_evil, m, step, &in);
		ok(HAS(r, "dkim=pass") && HAS(r, "dmarc=pass") &&
		    HAS(r, "header.from=example.net") &&
		    HAS(r, "policy.dmarc=reject"), "aligned DKIM: dmarc=pass");
		is_int(r->disp.action, AM_ACTION_ACCEPT, "aligned DKIM: accept");
		ok(ar_valid(AR(r), "mx.example.org"), "A-R parses (pass)");
		ok(strstr(am_buf_str(r->why), "dkim: signature 1 "
		    "d=example.net s=ed2026") != NULL, "why: the signature");
		am_engine_free(&in);
	}
	free(m);
}

/* The message kind in the report record (engine_kind.c). */
static void
t_kind(void)
{
	struct am_engine_opts	 o;
	struct am_engine	*in;
	struct am_test_env	 bounce = env_evil;
	const char		*m = HDRS("From: a@example.net\r\n") BODY;
	const char		*tls = "TLS-Report-Domain: example.net\r\n"
				    HDRS("From: a@example.net\r\n") BODY;

	opts_default(&o);
	(void)run(&o, &env_evil, m, 4096, &in);
	is_str(last_report.kind, "", "report: ordinary mail, kind \"\"");
	am_engine_free(&in);
	bounce.sender = "";
	(void)run(&o, &bounce, m, 4096, &in);
	is_str(last_report.kind, "dsn", "report: MAIL FROM:<>, kind dsn");
	am_engine_free(&in);
	(void)run(&o, &env_evil, tls, 7, &in);
	is_str(last_report.kind, "tlsrpt", "report: TLS-Report-Domain, kind "
	    "tlsrpt");
	am_engine_free(&in);
}

static void
t_spoof(void)
{
	struct am_engine_opts		 o;
	struct am_engine		*in;
	const struct am_engine_result	*r;
	const char			*m = HDRS("From: a@example.net\r\n") BODY;

	opts_default(&o);
	nreports = 0;
	r = run(&o, &env_evil, m, 4096, &in);
	ok(HAS(r, "dmarc=fail") && HAS(r, "policy.dmarc=reject") &&
	    HAS(r, "spf=none smtp.mailfrom=x@evil.test") &&
	    HAS(r, "spf=none smtp.helo=evil.test") && HAS(r, "dkim=none"),
	    "spoofed p=reject: dmarc=fail, spf, dkim in the A-R");
	is_int(r->disp.action, AM_ACTION_QUARANTINE, "p=reject: quarantine "
	    "by default");
	ok(ar_valid(AR(r), "mx.example.org"), "A-R parses (fail)");
	is_int(nreports, 1, "one report record");
	is_int(last_report.disposition, AM_DMARC_DISP_QUARANTINE,
	    "report: disposition as applied");
	is_int(last_report.override, AM_DMARC_OVR_LOCAL_POLICY,
	    "report: override local_policy");
	is_str(last_report.envelope_to, "example.org", "report: rcpt domain");
	is_str(last_report.envelope_from, "evil.test", "report: mailfrom");
	am_engine_free(&in);

	o.reject_failures = 1;
	r = run(&o, &env_evil, m, 4096, &in);
	is_int(r->disp.action, AM_ACTION_REJECT, "reject option: reject");
	is_str(r->disp.code, "550", "reject: 550");
	is_str(r->disp.xcode, "5.7.1", "reject: 5.7.1");
	is_int(last_report.override, AM_DMARC_OVR_NONE,
	    "report: reject as asked, no override");
	am_engine_free(&in);

	o.reject_failures = 0;
	o.annotate_only = 1;
	r = run(&o, &env_evil, m, 4096, &in);
	ok(r->disp.action == AM_ACTION_ACCEPT && HAS(r, "dmarc=fail"),
	    "annotate only: accept, still dmarc=fail");
	am_engine_free(&in);
}

static void
t_quarantine_none(void)
{
	struct am_engine_opts		 o;
	struct am_engine		*in;
	const struct am_engine_result	*r;

	opts_default(&o);
	o.reject_failures = 1;
	r = run(&o, &env_evil, HDRS("From: a@quar.example\r\n") BODY, 99,
	    &in);
	ok(HAS(r, "dmarc=fail") && HAS(r, "policy.dmarc=quarantine"),
	    "p=quarantine: dmarc=fail");
	is_int(r->disp.action, AM_ACTION_QUARANTINE, "p=quarantine: quarantine "
	    "(even with the reject option)");
	am_engine_free(&in);
	r = run(&o, &env_evil, HDRS("From: a@none.example\r\n") BODY, 99,
	    &in);
	ok(HAS(r, "dmarc=fail") && r->disp.action == AM_ACTION_ACCEPT,
	    "p=none: dmarc=fail, accept");
	am_engine_free(&in);
}

static void
t_spf_only(void)
{
	struct am_engine_opts		 o;
	struct am_engine		*in;
	const struct am_engine_result	*r;

	opts_default(&o);
	r = run(&o, &env_good, HDRS("From: a@example.net\r\n") BODY, 1, &in);
	ok(HAS(r, "spf=pass smtp.mailfrom=bounce@example.net") &&
	    HAS(r, "spf=pass smtp.helo=mail.example.net") &&
	    HAS(r, "dmarc=pass"), "SPF-only relaxed alignment: pass");
	is_int(r->disp.action, AM_ACTION_ACCEPT, "SPF-only: accept");
	ok(strstr(am_buf_str(r->why), "mechanism ip4:192.0.2.0/24") !=
	    NULL, "why: the SPF mechanism");
	ok(ar_valid(AR(r), "mx.example.org"), "A-R parses (spf)");
	am_engine_free(&in);

	o.spf = 0;
	r = run(&o, &env_good, HDRS("From: a@example.net\r\n") BODY, 1, &in);
	ok(!HAS(r, "spf=") && HAS(r, "dmarc=fail"), "SPF off: no spf=, "
	    "nothing aligns");
	am_engine_free(&in);
}

static void
t_authenticated(void)
{
	struct am_engine_opts		 o;
	struct am_engine		*in;
	const struct am_engine_result	*r;
	struct am_test_env		 env = env_evil;

	opts_default(&o);
	o.reject_failures = 1;
	env.auth_user = "alice";
	r = run(&o, &env, HDRS("From: a@example.net\r\n") BODY, 4096, &in);
	ok(HAS(r, "dmarc=fail"), "authenticated: still evaluated");
	is_int(r->disp.action, AM_ACTION_ACCEPT, "authenticated: never enforced");
	ok(strstr(r->disp.why, "authenticated client") != NULL,
	    "authenticated: the reason says so");
	am_engine_free(&in);
	r = run(&o, &env, HDRS("") BODY, 4096, &in);
	is_int(r->disp.action, AM_ACTION_ACCEPT, "authenticated, no From: "
	    "accept");
	am_engine_free(&in);
}

static void
t_temperror(void)
{
	struct am_engine_opts		 o;
	struct am_engine		*in;
	const struct am_engine_result	*r;

	opts_default(&o);
	nreports = 0;
	r = run(&o, &env_evil, HDRS("From: a@tmp.example\r\n") BODY, 4096,
	    &in);
	ok(HAS(r, "dmarc=temperror"), "SERVFAIL: dmarc=temperror");
	is_int(r->disp.action, AM_ACTION_TEMPFAIL, "temperror: tempfail");
	is_str(r->disp.code, "451", "temperror: 451");
	is_int(nreports, 0, "tempfail: no report (the client retries)");
	ok(ar_valid(AR(r), "mx.example.org"), "A-R parses (temperror)");
	am_engine_free(&in);
	o.temperror_tempfail = 0;
	r = run(&o, &env_evil, HDRS("From: a@tmp.example\r\n") BODY, 4096,
	    &in);
	is_int(r->disp.action, AM_ACTION_ACCEPT, "temperror option: accept");
	am_engine_free(&in);
}

static void
t_from(void)
{
	struct am_engine_opts		 o;
	struct am_engine		*in;
	const struct am_engine_result	*r;

	opts_default(&o);
	nreports = 0;
	r = run(&o, &env_good, HDRS("From: a@quar.example, "
	    "b@example.net\r\n") BODY, 4096, &in);
	is_int(r->ndmarc, 2, "two author domains: both evaluated");
	is_int(nreports, 2, "two author domains: two report records");
	ok(HAS(r, "header.from=quar.example") &&
	    HAS(r, "header.from=example.net"), "two dmarc resinfos");
	is_int(r->disp.action, AM_ACTION_QUARANTINE, "worst decides "
	    "(quar.example fails, example.net passes by SPF)");
	ok(ar_valid(AR(r), "mx.example.org"), "A-R parses (two authors)");
	am_engine_free(&in);

	r = run(&o, &env_good, HDRS("From: a@example.net\r\n"
	    "From: b@example.net\r\n") BODY, 4096, &in);
	ok(r->ndmarc == 1 && HAS(r, "dmarc=pass"), "two From fields, one "
	    "domain: evaluated once");
	am_engine_free(&in);

	r = run(&o, &env_good, HDRS("") BODY, 4096, &in);
	ok(r->disp.action == AM_ACTION_REJECT && HAS(r, "dmarc=permerror"),
	    "no From: reject, dmarc=permerror");
	is_str(r->disp.xcode, "5.7.1", "no From: 5.7.1");
	ok(ar_valid(AR(r), "mx.example.org"), "A-R parses (no From)");
	am_engine_free(&in);

	r = run(&o, &env_good, HDRS("From: a@example.net>\r\n") BODY, 4096,
	    &in);
	is_int(r->disp.action, AM_ACTION_REJECT, "stray '>': reject");
	am_engine_free(&in);
	r = run(&o, &env_good, HDRS("From: user@[192.0.2.1]\r\n") BODY, 4096,
	    &in);
	is_int(r->disp.action, AM_ACTION_REJECT, "domain literal: reject");
	am_engine_free(&in);

	o.from_missing = AM_ENGINE_FROM_PERMERROR;
	r = run(&o, &env_good, HDRS("") BODY, 4096, &in);
	ok(r->disp.action == AM_ACTION_ACCEPT && HAS(r, "dmarc=permerror"),
	    "no From, permerror option: accept");
	am_engine_free(&in);
	o.from_several = AM_ENGINE_FROM_REJECT;
	r = run(&o, &env_good, HDRS("From: a@quar.example, "
	    "b@example.net\r\n") BODY, 4096, &in);
	is_int(r->disp.action, AM_ACTION_REJECT, "several, reject option: "
	    "reject");
	am_engine_free(&in);
}

static void
t_limits(void)
{
	struct am_engine_opts		 o;
	struct am_engine		*in;
	const struct am_engine_result	*r;

	opts_default(&o);
	o.max_headers = 2;
	r = run(&o, &env_good, HDRS("From: a@example.net\r\n") BODY, 4096,
	    &in);
	ok(HAS(r, "dkim=permerror") && r->disp.action == AM_ACTION_REJECT,
	    "too many headers: dkim=permerror, reject as a bad From");
	ok(ar_valid(AR(r), "mx.example.org"), "A-R parses (limits)");
	am_engine_free(&in);
	opts_default(&o);
	o.dmarc = 0;
	r = run(&o, &env_evil, HDRS("From: a@example.net\r\n") BODY, 4096,
	    &in);
	ok(!HAS(r, "dmarc=") && r->disp.action == AM_ACTION_ACCEPT,
	    "DMARC off: no dmarc=, accept");
	am_engine_free(&in);
	opts_default(&o);
	r = run(&o, &(struct am_test_env){ NULL, "mail.example.net",
	    "bounce@example.net", NULL, NULL }, HDRS("From: a@example.net\r\n")
	    BODY, 4096, &in);
	ok(!HAS(r, "spf=") && HAS(r, "dkim=none"), "no client address: "
	    "SPF not checked, DKIM still");
	am_engine_free(&in);
}

int
main(void)
{
	struct am_err	 err;

	dns = am_dns_zone_new();
	if (am_dns_zone_load(dns, tu_path("conf/demo.zone"), &err) == -1 ||
	    am_dns_zone_load_string(dns, ZONE, &err) == -1 ||
	    am_pkey_load_file(tu_path("conf/demo-ed25519.key"), &key,
	    &err) == -1) {
		printf("Bail out! %s\n", err.msg);
		return 1;
	}
	t_aligned_dkim();
	t_spoof();
	t_kind();
	t_quarantine_none();
	t_spf_only();
	t_authenticated();
	t_temperror();
	t_from();
	t_limits();
	EVP_PKEY_free(key);
	am_dns_free(&dns);
	return done_testing();
}
