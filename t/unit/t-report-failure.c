/*
 * t-report-failure - lib/report's RFC 9991 failure reports: the fo
 * decision for every fo value and failure shape, when a report is due
 * (psd=y, ruf, p=none), the AFRF message's structure, redaction (HMAC
 * vector, tokens, what is kept), folding with Incidents, the
 * per-destination limit, and the external-destination check with ruf
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "report_failure.h"
#include "report_failure_limit.h"
#include "report_send.h"
#include "tap.h"

/* ------------------------------------------------------------ shapes */

enum shape {
	S_ALL_PASS,	/* SPF and DKIM aligned pass */
	S_SPF_ONLY,	/* SPF aligned pass; the aligned DKIM sig fails */
	S_DKIM_ONLY,	/* DKIM aligned pass; SPF fail */
	S_NONE,		/* nothing aligned: SPF fail, DKIM fail */
	S_UNALIGNED,	/* both pass, neither aligned */
	S_SOFTFAIL,	/* SPF softfail, no signature */
	S_ONE_BAD_SIG,	/* an aligned DKIM pass and a failing signature */
	S_NSHAPES
};

static const char *const shape_name[S_NSHAPES] = {
	"all pass", "SPF only", "DKIM only", "nothing aligned",
	"passes not aligned", "SPF softfail, no DKIM", "one bad signature"
};

static void
add_ident(struct am_dmarc_result *r, int dkim, const char *d,
    const char *s, const char *res, enum am_dmarc_alignment al)
{
	struct am_dmarc_ident	*id = &r->ident[r->nident++];

	id->is_dkim = dkim;
	snprintf(id->domain, sizeof(id->domain), "%s", d);
	snprintf(id->selector, sizeof(id->selector), "%s", s);
	id->result = res;
	id->passed = strcmp(res, "pass") == 0;
	id->align = id->passed ? al : AM_DMARC_AL_SKIPPED;
}

static void
make(struct am_dmarc_result *r, enum shape sh, const char *txt)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->author, sizeof(r->author), "example.com");
	snprintf(r->org_domain, sizeof(r->org_domain), "example.com");
	snprintf(r->policy_domain, sizeof(r->policy_domain), "example.com");
	r->have_policy = 1;
	(void)am_dmarc_rec_parse(txt, strlen(txt), &r->rec, NULL);
	r->published = r->rec.p;
	switch (sh) {
	case S_ALL_PASS:
		add_ident(r, 0, "example.com", "", "pass", AM_DMARC_AL_STRICT);
		add_ident(r, 1, "example.com", "s1", "pass",
		    AM_DMARC_AL_STRICT);
		break;
	case S_SPF_ONLY:
		add_ident(r, 0, "mail.example.com", "", "pass",
		    AM_DMARC_AL_RELAXED);
		add_ident(r, 1, "example.com", "s1", "fail", AM_DMARC_AL_NO);
		break;
	case S_DKIM_ONLY:
		add_ident(r, 0, "example.com", "", "fail", AM_DMARC_AL_NO);
		add_ident(r, 1, "example.com", "s1", "pass",
		    AM_DMARC_AL_STRICT);
		break;
	case S_NONE:
		add_ident(r, 0, "example.com", "", "fail", AM_DMARC_AL_NO);
		add_ident(r, 1, "example.com", "s1", "fail", AM_DMARC_AL_NO);
		break;
	case S_UNALIGNED:
		add_ident(r, 0, "bounce.example.net", "", "pass",
		    AM_DMARC_AL_NO);
		add_ident(r, 1, "esp.example.org", "s2", "pass",
		    AM_DMARC_AL_NO);
		break;
	case S_SOFTFAIL:
		add_ident(r, 0, "example.com", "", "softfail", AM_DMARC_AL_NO);
		break;
	case S_ONE_BAD_SIG:
		add_ident(r, 0, "bounce.example.net", "", "pass",
		    AM_DMARC_AL_NO);
		add_ident(r, 1, "example.com", "s1", "pass",
		    AM_DMARC_AL_STRICT);
		add_ident(r, 1, "example.com", "old", "fail", AM_DMARC_AL_NO);
		break;
	default:
		break;
	}
	r->spf_aligned = sh == S_ALL_PASS || sh == S_SPF_ONLY;
	r->dkim_aligned = sh == S_ALL_PASS || sh == S_DKIM_ONLY ||
	    sh == S_ONE_BAD_SIG;
	r->verdict = r->spf_aligned || r->dkim_aligned ? AM_DMARC_PASS :
	    AM_DMARC_FAIL;
}

/*
 * What each fo option means for each shape, worked out by hand from
 * RFC 9989's definitions (0: nothing aligned passed; 1: SPF or DKIM did
 * not produce an aligned pass; d: a signature did not pass; s: SPF
 * failed), not from the code.
 */
static const struct {
	const char	*fo;
	int		 due[S_NSHAPES];
} fo_table[] = {
	/*                all  spf  dkim none unal soft bad */
	{ "0",		{ 0,   0,   0,   1,   1,   1,   0 } },
	{ "1",		{ 0,   1,   1,   1,   1,   1,   1 } },
	{ "d",		{ 0,   1,   0,   1,   0,   0,   1 } },
	{ "s",		{ 0,   0,   1,   1,   0,   0,   0 } },
	{ "0:d",	{ 0,   1,   0,   1,   1,   1,   1 } },
	{ "0:s",	{ 0,   0,   1,   1,   1,   1,   0 } },
	{ "d:s",	{ 0,   1,   1,   1,   0,   0,   1 } },
	{ "1:d:s",	{ 0,   1,   1,   1,   1,   1,   1 } },
	{ NULL,		{ 0,   0,   0,   1,   1,   1,   0 } },	/* no fo */
};

static void
test_fo(void)
{
	struct am_dmarc_result	 r;
	struct am_failure_in	 in;
	char			 txt[200], why[160], name[200];
	size_t			 i;
	int			 s, due;

	for (i = 0; i < sizeof(fo_table) / sizeof(fo_table[0]); i++)
		for (s = 0; s < S_NSHAPES; s++) {
			(void)snprintf(txt, sizeof(txt), "v=DMARC1; p=reject; "
			    "ruf=mailto:f@example.com%s%s", fo_table[i].fo ?
			    "; fo=" : "", fo_table[i].fo ? fo_table[i].fo : "");
			make(&r, (enum shape)s, txt);
			am_failure_in_fill(&in, &r);
			due = am_failure_due(&in, 0, why, sizeof(why));
			(void)snprintf(name, sizeof(name), "fo=%s, %s: %s (%s)",
			    fo_table[i].fo ? fo_table[i].fo : "(absent)",
			    shape_name[s], fo_table[i].due[s] ? "due" :
			    "not due", why);
			ok(due == fo_table[i].due[s], name);
			am_failure_in_release(&in);
		}
}

static void
test_due_rules(void)
{
	struct am_dmarc_result	 r;
	struct am_failure_in	 in;
	char			 why[160];

	make(&r, S_NONE, "v=DMARC1; p=reject; psd=y; fo=1; "
	    "ruf=mailto:f@example.com");
	am_failure_in_fill(&in, &r);
	ok(!am_failure_due(&in, 1, why, sizeof(why)) && strstr(why, "psd=y"),
	    "psd=y: ruf ignored (RFC 9991 2)");
	am_failure_in_release(&in);

	make(&r, S_NONE, "v=DMARC1; p=reject; psd=n; fo=1; "
	    "ruf=mailto:f@example.com");
	am_failure_in_fill(&in, &r);
	ok(am_failure_due(&in, 0, why, sizeof(why)), "psd=n: due");
	am_failure_in_release(&in);

	make(&r, S_NONE, "v=DMARC1; p=reject; fo=1");
	am_failure_in_fill(&in, &r);
	ok(!am_failure_due(&in, 1, why, sizeof(why)) && strstr(why, "ruf"),
	    "no ruf: not due");
	am_failure_in_release(&in);

	make(&r, S_NONE, "v=DMARC1; p=none; ruf=mailto:f@example.com");
	am_failure_in_fill(&in, &r);
	ok(!am_failure_due(&in, 0, why, sizeof(why)),
	    "p=none: not due without FailureReportsOnNone");
	ok(am_failure_due(&in, 1, why, sizeof(why)),
	    "p=none: due with FailureReportsOnNone");
	am_failure_in_release(&in);

	make(&r, S_NONE, "v=DMARC1; p=reject; ruf=mailto:f@example.com");
	r.verdict = AM_DMARC_TEMPERROR;
	am_failure_in_fill(&in, &r);
	ok(!am_failure_due(&in, 1, why, sizeof(why)), "temperror: not due");
	am_failure_in_release(&in);
	r.verdict = AM_DMARC_FAIL;
	r.have_policy = 0;
	am_failure_in_fill(&in, &r);
	ok(!am_failure_due(&in, 1, why, sizeof(why)), "no policy: not due");
	am_failure_in_release(&in);
}

/* ------------------------------------------------------------ message */

static const char *
find_part(const char *msg, const char *ctype)
{
	const char	*p = strstr(msg, ctype);

	return p != NULL ? strstr(p, "\r\n\r\n") : NULL;
}

static void
build(enum shape sh, const char *txt, const unsigned char *key,
    uint64_t incidents, struct am_buf *out)
{
	struct am_dmarc_result	 r;
	struct am_failure_in	 in;
	struct am_failure_meta	 m;
	struct am_err		 err;
	const char		*to = "ruf@example.com";

	make(&r, sh, txt);
	am_failure_in_fill(&in, &r);
	in.arrival = 1765080000;
	snprintf(in.qid, sizeof(in.qid), "4ABCQ");
	snprintf(in.mail_from, sizeof(in.mail_from), "alice@example.com");
	snprintf(in.source_ip, sizeof(in.source_ip), "192.0.2.9");
	snprintf(in.authres, sizeof(in.authres), "mx.example.net;\r\n\t"
	    "dmarc=fail header.from=example.com smtp.mailfrom=alice@example."
	    "com");
	if (in.ident[1].is_dkim)
		snprintf(in.ident[1].identity, sizeof(in.ident[1].identity),
		    "alice@example.com");
	am_failure_header_append(&in.hdrs, &in.hdrs_cut, "From",
	    "Alice <alice@example.com>", 0);
	am_failure_header_append(&in.hdrs, &in.hdrs_cut, "To",
	    "\"bob smith\"@example.net,\n\tcarol@example.net", 0);
	am_failure_header_append(&in.hdrs, &in.hdrs_cut, "Message-ID",
	    "<id1@example.com>", 0);
	am_failure_header_append(&in.hdrs, &in.hdrs_cut, "Subject", "hello",
	    0);
	memset(&m, 0, sizeof(m));
	m.from = "ruf-sender@example.net";
	m.user_agent = "authmilter/test";
	m.report_id = "0123abcd";
	m.now = 1765080100;
	m.incidents = incidents;
	m.spf_dns = "v=spf1 ip4:198.51.100.0/24 -all";
	m.key = key;
	m.keylen = key != NULL ? strlen((const char *)key) : 0;
	am_buf_init(out, 1 << 20);
	ok(am_failure_mail(&in, &m, &to, 1, out, &err) == 0, "message built");
	am_failure_in_release(&in);
}

static void
test_message(void)
{
	struct am_buf	 b;
	const char	*s, *fb, *hd;

	build(S_NONE, "v=DMARC1; p=reject; fo=1; ruf=mailto:ruf@example.com",
	    NULL, 1, &b);
	s = am_buf_str(&b);
	ok(strstr(s, "Content-Type: multipart/report; "
	    "report-type=feedback-report;\r\n boundary=\"=_am_0123abcd\"")
	    != NULL, "multipart/report; report-type=feedback-report");
	ok(strstr(s, "\r\n--=_am_0123abcd\r\nContent-Type: text/plain") !=
	    NULL, "first part: text/plain");
	fb = find_part(s, "Content-Type: message/feedback-report");
	hd = find_part(s, "Content-Type: text/rfc822-headers");
	ok(fb != NULL && hd != NULL && fb < hd,
	    "then message/feedback-report, then text/rfc822-headers");
	ok(strstr(s, "\r\n--=_am_0123abcd--\r\n") != NULL, "closing boundary");
	ok(fb != NULL && strstr(fb, "\r\n\r\nFeedback-Type: auth-failure\r\n"
	    "Version: 1\r\nUser-Agent: authmilter/test\r\nAuth-Failure: dmarc"
	    "\r\n") == fb, "Feedback-Type, Version, User-Agent, Auth-Failure");
	ok(strstr(s, "\r\nIdentity-Alignment: dkim, spf\r\n") != NULL,
	    "Identity-Alignment: dkim, spf (nothing aligned)");
	ok(strstr(s, "\r\nAuthentication-Results: mx.example.net;\r\n\t"
	    "dmarc=fail") != NULL, "Authentication-Results, folded as ours");
	ok(strstr(s, "\r\nOriginal-Envelope-Id: 4ABCQ\r\n") != NULL &&
	    strstr(s, "\r\nOriginal-Mail-From: <alice@example.com>\r\n") !=
	    NULL && strstr(s, "\r\nArrival-Date: Sun, 07 Dec 2025 04:00:00 "
	    "+0000\r\n") != NULL && strstr(s, "\r\nSource-IP: 192.0.2.9\r\n")
	    != NULL && strstr(s, "\r\nReported-Domain: example.com\r\n") !=
	    NULL, "envelope id, mail from, arrival date, source IP, domain");
	ok(strstr(s, "\r\nDKIM-Domain: example.com\r\nDKIM-Identity: "
	    "alice@example.com\r\nDKIM-Selector: s1\r\n") != NULL,
	    "DKIM-Domain, -Identity, -Selector of the failed aligned sig");
	ok(strstr(s, "\r\nSPF-DNS: txt : example.com : v=spf1 "
	    "ip4:198.51.100.0/24 -all\r\n") != NULL,
	    "SPF-DNS: txt : domain : record");
	ok(strstr(s, "Incidents:") == NULL, "one incident: no Incidents");
	ok(hd != NULL && strstr(hd, "\r\n\r\nFrom: Alice <alice@example.com>"
	    "\r\nTo: \"bob smith\"@example.net,\r\n\tcarol@example.net\r\n")
	    == hd, "the header block, LF folded as CRLF");
	ok(strstr(s, "Message/rfc822") == NULL && strstr(s, "message/rfc822")
	    == NULL, "never message/rfc822 (no body)");
	ok(strstr(s, "Auto-Submitted: auto-generated\r\n") != NULL &&
	    strstr(s, "Message-ID: <0123abcd@example.net>\r\n") != NULL,
	    "Auto-Submitted, Message-ID on the sender's domain");
	am_buf_release(&b);

	build(S_SPF_ONLY, "v=DMARC1; p=reject; fo=1; "
	    "ruf=mailto:ruf@example.com", NULL, 7, &b);
	s = am_buf_str(&b);
	ok(strstr(s, "\r\nIdentity-Alignment: dkim\r\n") != NULL,
	    "SPF aligned: Identity-Alignment: dkim");
	ok(strstr(s, "\r\nIncidents: 7\r\n") != NULL, "Incidents: 7");
	ok(strstr(s, "SPF-DNS:") == NULL, "SPF passed: no SPF-DNS");
	am_buf_release(&b);

	build(S_ONE_BAD_SIG, "v=DMARC1; p=reject; fo=d; "
	    "ruf=mailto:ruf@example.com", NULL, 1, &b);
	s = am_buf_str(&b);
	ok(strstr(s, "\r\nIdentity-Alignment: spf\r\n") != NULL &&
	    strstr(s, "\r\nDKIM-Selector: old\r\n") != NULL,
	    "fo=d with DMARC passing: the failing signature is named");
	am_buf_release(&b);
}

static void
test_header_cap(void)
{
	struct am_buf	 b;
	char		 v[1000];
	int		 cut = 0, i;

	memset(v, 'x', sizeof(v) - 1);
	v[sizeof(v) - 1] = '\0';
	am_buf_init(&b, AM_FAILURE_HDRS_MAX);
	for (i = 0; i < 100; i++)
		am_failure_header_append(&b, &cut, "X-Long", v, 0);
	ok(cut && b.len <= AM_FAILURE_HDRS_MAX && b.len % 1009 == 0 &&
	    !b.err, "header block capped at 64 KB, cut at a field boundary");
	am_failure_header_append(&b, &cut, "Y", "short", 0);
	ok(b.len % 1009 == 0 && strstr(am_buf_str(&b), "Y: short") == NULL,
	    "once cut, later fields are left out too");
	am_buf_release(&b);
}

/* ------------------------------------------------------------ redaction */

static void
test_redact(void)
{
	static const char	 vec[] = "5bdcc146bf60754e6a042426089575c7"
				     "5a003f089d2739839dec58b964ec3843";
	unsigned char		 h[32];
	char			 hex[65], tok[40];
	struct am_buf		 b, o;
	const char		*s;
	size_t			 i;

	am_failure_hmac((const unsigned char *)"Jefe", 4,
	    "what do ya want for nothing?", 28, h);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	is_str(hex, vec, "HMAC-SHA256: RFC 4231 test case 2");

	am_failure_hmac((const unsigned char *)"k1", 2, "alice", 5, h);
	snprintf(tok, sizeof(tok), "redacted-");
	for (i = 0; i < 8; i++)
		snprintf(tok + 9 + 2 * i, 3, "%02x", h[i]);

	build(S_NONE, "v=DMARC1; p=reject; fo=1; ruf=mailto:ruf@example.com",
	    (const unsigned char *)"k1", 1, &b);
	s = am_buf_str(&b);
	ok(strstr(s, "alice") == NULL, "redacted: 'alice' appears nowhere");
	ok(strstr(s, "bob smith") == NULL && strstr(s, "carol@") == NULL,
	    "redacted: quoted and later local parts too");
	{
		char want[100];

		snprintf(want, sizeof(want), "From: Alice <%s@example.com>",
		    tok);
		ok(strstr(s, want) != NULL, "From: the keyed token of alice");
		snprintf(want, sizeof(want), "Original-Mail-From: "
		    "<%s@example.com>", tok);
		ok(strstr(s, want) != NULL, "Original-Mail-From: the same "
		    "token");
		snprintf(want, sizeof(want), "smtp.mailfrom=%s@example.com",
		    tok);
		ok(strstr(s, want) != NULL, "A-R property name kept, value "
		    "redacted");
	}
	ok(strstr(s, "Message-ID: <id1@example.com>") != NULL,
	    "Message-ID kept");
	ok(strstr(s, "Reported-Domain: example.com") != NULL,
	    "domains kept");
	am_buf_release(&b);

	am_buf_init(&o, 4096);
	s = "To: x@a.example\r\n";
	am_failure_redact(s, strlen(s), (const unsigned char *)"k2", 2, 1, &o);
	am_buf_init(&b, 4096);
	am_failure_redact(s, strlen(s), (const unsigned char *)"k3", 2, 1, &b);
	ok(strcmp(am_buf_str(&o), am_buf_str(&b)) != 0,
	    "another key, another token");
	am_buf_release(&b);
	am_buf_reset(&o);
	s = "Return-Path: <SRS0=ab=cd=example.org=u@fwd.example>\r\n";
	am_failure_redact(s, strlen(s), (const unsigned char *)"k2", 2, 1, &o);
	ok(strncmp(am_buf_str(&o), "Return-Path: <redacted-", 23) == 0 &&
	    strstr(am_buf_str(&o), "SRS0") == NULL,
	    "an SRS local part with '=' goes whole");
	am_buf_release(&o);
}

/* Hostile header text: random strings of the characters the scanner
 * looks at (run under ASan in CI): no crash, no overrun, and the output
 * stays within what the replacements can add. */
static void
test_redact_random(void)
{
	static const char	 alpha[] = "a.b\"@=\r\n \t<>x-[:;";
	char			 in[64];
	struct am_buf		 o;
	unsigned		 seed = 12345;
	size_t			 i, k, n;
	int			 bad = 0;

	am_buf_init(&o, 1 << 16);
	for (i = 0; i < 20000; i++) {
		seed = seed * 1103515245u + 12345u;
		n = (seed >> 16) % sizeof(in);
		for (k = 0; k < n; k++) {
			seed = seed * 1103515245u + 12345u;
			in[k] = alpha[(seed >> 16) % (sizeof(alpha) - 1)];
		}
		am_buf_reset(&o);
		am_failure_redact(in, n, (const unsigned char *)"k", 1,
		    (int)(i & 1), &o);
		/* Each replaced local part becomes 25 octets at most, and
		 * there are at most n/2 of them. */
		if (o.err || o.len > n + 26 * (n / 2 + 1))
			bad++;
	}
	is_int(bad, 0, "20000 random header texts: redaction stays bounded");
	am_buf_release(&o);
}

/* ------------------------------------------------------------ limits */

static int	nfreed;
static uint64_t	due_n;
static int	due_calls;

static void
item_free(void *p)
{
	(void)p;
	nfreed++;
}

static void
on_due(void *ctx, void *item, uint64_t n)
{
	(void)ctx;
	(void)item;
	due_calls++;
	due_n = n;
}

static void
test_limit(void)
{
	struct am_failure_limit	*l;
	int			 a, b, c, i, sent = 0;

	l = am_failure_limit_new(600, 3, 16, item_free);
	ok(am_failure_limit_incident(l, "k", 1000, &a) == AM_FL_SEND,
	    "first incident: sent at once");
	ok(am_failure_limit_incident(l, "k", 1010, &b) == AM_FL_HOLD,
	    "first repeat: held");
	ok(am_failure_limit_incident(l, "k", 1020, &c) == AM_FL_FOLD &&
	    am_failure_limit_incident(l, "k", 1030, &c) == AM_FL_FOLD,
	    "later repeats: folded");
	ok(am_failure_limit_incident(l, "other", 1030, &c) == AM_FL_SEND,
	    "another key: sent at once");
	am_failure_limit_expire(l, 1599, on_due, NULL);
	is_int(due_calls, 0, "window not over: nothing due");
	am_failure_limit_expire(l, 1600, on_due, NULL);
	ok(due_calls == 1 && due_n == 3, "window over: one report, "
	    "Incidents 3");
	ok(am_failure_limit_incident(l, "k", 1700, &b) == AM_FL_HOLD,
	    "a new window: repeats still held");
	am_failure_limit_expire(l, 2300, on_due, NULL);
	ok(due_calls == 2 && due_n == 1, "... and reported at its end");
	am_failure_limit_expire(l, 2900, on_due, NULL);
	is_int((int)am_failure_limit_keys(l), 0, "quiet keys are forgotten");
	ok(am_failure_limit_incident(l, "k", 2901, &a) == AM_FL_SEND,
	    "after a quiet window: sent at once again");
	(void)am_failure_limit_incident(l, "k", 2902, &b);
	am_failure_limit_free(&l);
	is_int(nfreed, 1, "a held item is freed with the table");

	l = am_failure_limit_new(600, 3, 16, item_free);
	for (i = 0; i < 5; i++)
		sent += am_failure_limit_dest(l, "ruf@example.com", 5000 + i);
	is_int(sent, 3, "per destination: 3 an hour");
	ok(am_failure_limit_dest(l, "other@example.com", 5005),
	    "another destination has its own count");
	ok(am_failure_limit_dest(l, "RUF@example.com", 8600),
	    "an hour later: allowed again");
	am_failure_limit_free(&l);
	l = am_failure_limit_new(600, 0, 16, item_free);
	for (i = 0, sent = 0; i < 50; i++)
		sent += am_failure_limit_dest(l, "ruf@example.com", 5000);
	is_int(sent, 50, "FailureReportsRate 0: no limit");
	am_failure_limit_free(&l);
}

/* ------------------------------------------------------------ destinations */

static void
test_destinations(void)
{
	struct am_dns	*dns = am_dns_zone_new();
	struct am_err	 err;
	char		 a[AM_REPORT_ADDR], why[1024];
	int		 rc;

	if (am_dns_zone_load_string(dns,
	    "example.com._report._dmarc.ok.example. TXT \"v=DMARC1\"\n"
	    "example.com._report._dmarc.alt.example. TXT \"v=DMARC1; "
	    "ruf=mailto:other@alt.example\"\n"
	    "example.com._report._dmarc.bad.example. TXT \"v=spf1 -all\"\n",
	    &err) == -1)
		diag(err.msg);
	am_dns_zone_fail(dns, "example.com._report._dmarc.down.example.",
	    AM_DNS_SERVFAIL);
	ok(am_report_mailto("mailto:f%40x@Ext.Example?subject=a",
	    strlen("mailto:f%40x@Ext.Example?subject=a"), a, sizeof(a)) == 0 && strcmp(a, "f@x@ext.example") == 0,
	    "mailto: decoded, host lower-cased");
	snprintf(a, sizeof(a), "ruf@sub.example.com");
	ok(am_report_dest_check(dns, "example.com", 1, a, why, sizeof(why))
	    == 0, "under the policy domain: not external, authorized");
	snprintf(a, sizeof(a), "ruf@evil.example");
	rc = am_report_dest_check(dns, "example.com", 1, a, why, sizeof(why));
	ok(rc == 1 && strstr(why, "not authorized"),
	    "external, no record: refused");
	snprintf(a, sizeof(a), "ruf@bad.example");
	ok(am_report_dest_check(dns, "example.com", 1, a, why, sizeof(why))
	    == 1, "external, not a DMARC record: refused");
	snprintf(a, sizeof(a), "ruf@ok.example");
	ok(am_report_dest_check(dns, "example.com", 1, a, why, sizeof(why))
	    == 0, "external with v=DMARC1: authorized");
	snprintf(a, sizeof(a), "ruf@alt.example");
	ok(am_report_dest_check(dns, "example.com", 1, a, why, sizeof(why))
	    == 0 && strcmp(a, "other@alt.example") == 0,
	    "the record's own ruf on the same host replaces the address");
	snprintf(a, sizeof(a), "ruf@alt.example");
	ok(am_report_dest_check(dns, "example.com", 0, a, why, sizeof(why))
	    == 0 && strcmp(a, "ruf@alt.example") == 0,
	    "for rua the ruf tag is not used");
	snprintf(a, sizeof(a), "ruf@down.example");
	ok(am_report_dest_check(dns, "example.com", 1, a, why, sizeof(why))
	    == 2, "DNS trouble: deferred, never sent anyway");
	ok(am_report_dest_check(NULL, "example.com", 1, a, why, sizeof(why))
	    == 2, "no resolver: deferred");
	am_dns_free(&dns);
}

int
main(void)
{
	test_fo();
	test_due_rules();
	test_message();
	test_header_cap();
	test_redact();
	test_redact_random();
	test_limit();
	test_destinations();
	done_testing();
	return 0;
}
