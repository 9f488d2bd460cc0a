/*
 * t-dmarc-rec - the DMARC record parser (RFC 9989 4.7, 4.8, 4.10.1)
 *
 * Each case is a TXT record and either NULL (not a DMARC record) or
 * the canonical rendering am_dmarc_rec_format() must give, which
 * shows every tag, its value and whether it was invalid.  Functions
 * after the table check what the rendering does not show: counts of
 * ignored tags, URI handling, defaults and chunks with NUL bytes.
 */

#include <stdio.h>
#include <string.h>

#include "dmarc_rec.h"
#include "tap.h"

struct tcase {
	const char	*name;
	const char	*txt;
	const char	*want;		/* NULL: not a DMARC record */
};

static const struct tcase cases[] = {
	/* the version tag (4.7: first, case-sensitive value) */
	{ "minimal", "v=DMARC1", "v=DMARC1" },
	{ "trailing ;", "v=DMARC1;", "v=DMARC1" },
	{ "WSP around = and ;", "v = DMARC1 ;p = reject ; ",
	  "v=DMARC1; p=reject" },
	{ "tag name V in upper case", "V=DMARC1; p=none", "v=DMARC1; p=none" },
	{ "v not first", "p=reject; v=DMARC1", NULL },
	{ "v=DMARC10", "v=DMARC10; p=reject", NULL },
	{ "v=dmarc1 (value is case-sensitive)", "v=dmarc1; p=reject", NULL },
	{ "v=DMARC1 then junk", "v=DMARC1 p=reject", NULL },
	{ "SPF record", "v=spf1 -all", NULL },
	{ "empty", "", NULL },
	{ "v without =", "v DMARC1", NULL },
	/* p, sp, np */
	{ "p=reject", "v=DMARC1; p=reject", "v=DMARC1; p=reject" },
	{ "keywords in any case", "v=DMARC1; P=Reject; SP=QUARANTINE; nP=None",
	  "v=DMARC1; p=reject; sp=quarantine; np=none" },
	{ "p anywhere after v", "v=DMARC1; rua=mailto:a@example.com; p=none",
	  "v=DMARC1; p=none; rua=mailto:a@example.com" },
	{ "p=bogus: invalid", "v=DMARC1; p=bogus", "v=DMARC1; p=<invalid>" },
	{ "np=maybe: invalid", "v=DMARC1; p=reject; np=maybe",
	  "v=DMARC1; p=reject; np=<invalid>" },
	{ "empty p: invalid", "v=DMARC1; p=", "v=DMARC1; p=<invalid>" },
	{ "duplicate p: invalid", "v=DMARC1; p=reject; p=reject",
	  "v=DMARC1; p=<invalid>" },
	{ "duplicate p, two values: invalid", "v=DMARC1; p=none; p=reject",
	  "v=DMARC1; p=<invalid>" },
	{ "second v ignored", "v=DMARC1; v=DMARC1; p=none", "v=DMARC1; p=none" },
	/* psd, t, adkim, aspf, fo: bad values fall back (4.8) */
	{ "psd t adkim aspf", "v=DMARC1; psd=y; t=y; adkim=s; aspf=s",
	  "v=DMARC1; psd=y; t=y; adkim=s; aspf=s" },
	{ "psd=n", "v=DMARC1; psd=N", "v=DMARC1; psd=n" },
	{ "psd=u", "v=DMARC1; psd=u", "v=DMARC1; psd=u" },
	{ "bad psd t adkim", "v=DMARC1; psd=no; t=maybe; adkim=x; aspf=",
	  "v=DMARC1; psd=<invalid>; t=<invalid>; adkim=<invalid>; "
	  "aspf=<invalid>" },
	{ "fo=1:d:s", "v=DMARC1; fo=1:d:s", "v=DMARC1; fo=1:d:s" },
	{ "fo=d", "v=DMARC1; fo=d", "v=DMARC1; fo=d" },
	{ "fo=s:0 any order", "v=DMARC1; fo=S:0", "v=DMARC1; fo=0:s" },
	{ "fo=0:1 invalid", "v=DMARC1; fo=0:1", "v=DMARC1; fo=<invalid>" },
	{ "fo=d:d invalid", "v=DMARC1; fo=d:d", "v=DMARC1; fo=<invalid>" },
	{ "fo=9 invalid", "v=DMARC1; fo=9", "v=DMARC1; fo=<invalid>" },
	{ "fo=1: invalid", "v=DMARC1; fo=1:", "v=DMARC1; fo=<invalid>" },
	/* removed and unknown tags (test 20 of the notes) */
	{ "pct ri rf foo ignored, adkim=x relaxed",
	  "v=DMARC1; p=reject; pct=0; ri=3600; rf=afrf; foo=bar; adkim=x",
	  "v=DMARC1; p=reject; adkim=<invalid>" },
	/* URIs */
	{ "two rua, size suffix stripped",
	  "v=DMARC1; rua=mailto:a@example.com!10m , mailto:b@example.net",
	  "v=DMARC1; rua=mailto:a@example.com,mailto:b@example.net" },
	{ "https URI", "v=DMARC1; rua=https://r.example/x?y=1",
	  "v=DMARC1; rua=https://r.example/x?y=1" },
	{ "bad URIs dropped",
	  "v=DMARC1; rua=mailto:,x,mailto:@x,mailto:a@,1x:y,mailto:o%2Ck@x,"
	  "mailto:a@x%zz,mailto:a!b@x",
	  "v=DMARC1; rua=mailto:o%2Ck@x" },
	{ "no valid rua", "v=DMARC1; p=bogus; rua=nope",
	  "v=DMARC1; p=<invalid>; rua=<invalid>" },
	{ "ruf", "v=DMARC1; ruf=mailto:f@example.com",
	  "v=DMARC1; ruf=mailto:f@example.com" },
	/* bytes */
	{ "tab is WSP", "v=DMARC1;\tp=none\t", "v=DMARC1; p=none" },
	{ "CR LF inside a value", "v=DMARC1; p=reject\r\n; sp=none",
	  "v=DMARC1; p=<invalid>; sp=none" },
	{ "UTF-8 in a value", "v=DMARC1; p=none; rua=mailto:d\xc3\xa9@x",
	  "v=DMARC1; p=none; rua=<invalid>" },
	{ "leading BOM", "\xef\xbb\xbfv=DMARC1; p=reject", NULL },
	{ "leading space tolerated", " v=DMARC1; p=none", "v=DMARC1; p=none" },
	{ "garbage pieces ignored", "v=DMARC1;;; ;p=none;=x;p2=;q",
	  "v=DMARC1; p=none" },
};

static void
table(void)
{
	struct am_dmarc_rec	 r;
	struct am_err		 err;
	char			 got[1024], name[160];
	size_t			 i;
	int			 rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tcase *c = &cases[i];
		size_t	 len = strlen(c->txt);

		rc = am_dmarc_rec_parse(c->txt, len, &r, &err);
		snprintf(name, sizeof(name), "%s: is_dmarc", c->name);
		is_int(am_dmarc_rec_is_dmarc(c->txt, len), c->want != NULL,
		    name);
		if (c->want == NULL) {
			snprintf(name, sizeof(name), "%s: not DMARC", c->name);
			ok(rc == -1 && err.code == AM_E_SYNTAX, name);
			continue;
		}
		snprintf(name, sizeof(name), "%s: parses", c->name);
		if (!ok(rc == 0, name))
			continue;
		am_dmarc_rec_format(&r, got, sizeof(got));
		is_str(got, c->want, c->name);
	}
}

static void
defaults(void)
{
	struct am_dmarc_rec	 r;

	ok(am_dmarc_rec_parse("v=DMARC1", 8, &r, NULL) == 0, "defaults: parse");
	ok(r.p_state == AM_DMARC_TAG_ABSENT && r.psd == AM_DMARC_PSD_U &&
	    r.t == 0 && r.adkim == AM_DMARC_ALIGN_RELAXED &&
	    r.aspf == AM_DMARC_ALIGN_RELAXED && r.fo == AM_DMARC_FO_0 &&
	    r.nrua == 0 && r.nruf == 0, "defaults: u, n, r, r, fo=0, no URIs");
	ok(am_dmarc_rec_parse("v=DMARC1; adkim=x; fo=0:1; t=q; psd=?", 37, &r,
	    NULL) == 0, "bad values: parse");
	ok(r.adkim == AM_DMARC_ALIGN_RELAXED && r.fo == AM_DMARC_FO_0 &&
	    r.t == 0 && r.psd == AM_DMARC_PSD_U,
	    "bad values: defaults used (4.8)");
}

static void
counts(void)
{
	struct am_dmarc_rec	 r;
	const char		*s =
	    "v=DMARC1; p=reject; pct=0; ri=3600; rf=afrf; foo=bar; x_y=1; z";

	ok(am_dmarc_rec_parse(s, strlen(s), &r, NULL) == 0, "counts: parse");
	ok(r.legacy, "pct/ri/rf noted as legacy");
	is_int(r.unknown, 1, "one unknown tag (foo)");
	is_int(r.malformed, 2, "two malformed pieces (x_y=1, z)");
	ok(r.p_state == AM_DMARC_TAG_OK && r.p == AM_DMARC_POLICY_REJECT,
	    "pct=0 does not touch p=reject");
	ok(!r.t, "pct=0 does not mean t=y");
}

static void
uris(void)
{
	struct am_dmarc_rec	 r;
	char			 s[1024];
	size_t			 n;
	int			 i;

	n = (size_t)snprintf(s, sizeof(s), "v=DMARC1; rua=");
	for (i = 0; i < 10; i++)
		n += (size_t)snprintf(s + n, sizeof(s) - n, "%smailto:%c@x",
		    i ? "," : "", 'a' + i);
	ok(am_dmarc_rec_parse(s, n, &r, NULL) == 0, "10 URIs: parse");
	is_int(r.nrua, AM_DMARC_URI_MAX, "10 URIs: 8 kept");
	is_int(r.rua_bad, 2, "10 URIs: 2 dropped");
	s[0] = '\0';
	ok(am_dmarc_rec_parse("v=DMARC1; rua=mailto:a@x!10m,mailto:b@x!7", 41,
	    &r, NULL) == 0 && strcmp(r.rua, "mailto:a@x,mailto:b@x") == 0 &&
	    r.nrua == 2, "!size suffixes stripped");
	ok(am_dmarc_rec_parse("v=DMARC1; rua=mailto:a@x!", 25, &r, NULL) ==
	    0 && r.nrua == 0, "a bare '!' is not a size suffix: invalid URI");
}

static void
nul(void)
{
	static const char	 s[] = "v=DMARC1; p=reject\0; sp=none";
	struct am_dmarc_rec	 r;

	ok(am_dmarc_rec_parse(s, sizeof(s) - 1, &r, NULL) == 0 &&
	    r.p_state == AM_DMARC_TAG_INVALID && r.sp_state == AM_DMARC_TAG_OK,
	    "NUL inside a value makes it invalid, the rest is read");
	ok(am_dmarc_rec_parse("v=DMARC1", 7, &r, NULL) == -1,
	    "length is honoured (v=DMARC is not v=DMARC1)");
	ok(am_dmarc_rec_parse(NULL, 0, &r, NULL) == -1, "NULL record");
}

static void
names(void)
{
	is_str(am_dmarc_policy_name(AM_DMARC_POLICY_QUARANTINE), "quarantine",
	    "policy name");
	is_str(am_dmarc_psd_name(AM_DMARC_PSD_Y), "y", "psd name");
}

int
main(void)
{
	table();
	defaults();
	counts();
	uris();
	nul();
	names();
	return done_testing();
}
