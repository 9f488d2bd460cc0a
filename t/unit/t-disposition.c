/*
 * t-disposition - the pure decision modules of lib/engine, table-driven:
 * the disposition merge rule, the reply of each DKIM/signing outcome
 * under each action, and the Received-SPF text (RFC 7208 9.1)
 */

#include <stdio.h>
#include <string.h>

#include "disposition.h"
#include "received_spf.h"
#include "tap.h"

static void
t_merge(void)
{
	static const struct {
		enum am_action	 a;
		enum am_method	 ma;
		enum am_action	 b;
		enum am_method	 mb;
		enum am_method	 want;	/* which one stays */
	} tab[] = {
		/* more severe wins, whichever comes first */
		{ AM_ACTION_ACCEPT, AM_METHOD_NONE, AM_ACTION_QUARANTINE,
		    AM_METHOD_DMARC, AM_METHOD_DMARC },
		{ AM_ACTION_QUARANTINE, AM_METHOD_DKIM, AM_ACTION_DISCARD,
		    AM_METHOD_DMARC, AM_METHOD_DMARC },
		{ AM_ACTION_DISCARD, AM_METHOD_DKIM, AM_ACTION_TEMPFAIL,
		    AM_METHOD_DMARC, AM_METHOD_DMARC },
		{ AM_ACTION_TEMPFAIL, AM_METHOD_DKIM, AM_ACTION_REJECT,
		    AM_METHOD_DMARC, AM_METHOD_DMARC },
		{ AM_ACTION_REJECT, AM_METHOD_DKIM, AM_ACTION_QUARANTINE,
		    AM_METHOD_DMARC, AM_METHOD_DKIM },
		{ AM_ACTION_TEMPFAIL, AM_METHOD_SPF, AM_ACTION_QUARANTINE,
		    AM_METHOD_DMARC, AM_METHOD_SPF },
		/* a tie: the first stays ... */
		{ AM_ACTION_REJECT, AM_METHOD_DKIM, AM_ACTION_REJECT,
		    AM_METHOD_DMARC, AM_METHOD_DKIM },
		{ AM_ACTION_QUARANTINE, AM_METHOD_DKIM, AM_ACTION_QUARANTINE,
		    AM_METHOD_DMARC, AM_METHOD_DKIM },
		{ AM_ACTION_ACCEPT, AM_METHOD_DMARC, AM_ACTION_ACCEPT,
		    AM_METHOD_NONE, AM_METHOD_DMARC },
		/* ... unless it decided nothing */
		{ AM_ACTION_ACCEPT, AM_METHOD_NONE, AM_ACTION_ACCEPT,
		    AM_METHOD_DMARC, AM_METHOD_DMARC },
	};
	struct am_disposition	 d, c;
	char			 name[160];
	size_t			 i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		am_disposition_set(&d, tab[i].a, tab[i].ma, NULL, "", "t", "a");
		am_disposition_set(&c, tab[i].b, tab[i].mb, NULL, "", "t", "b");
		am_disposition_merge(&d, &c);
		(void)snprintf(name, sizeof(name), "merge %s/%s then %s/%s: "
		    "%s stays", am_disposition_action_name(tab[i].a),
		    am_disposition_method_name(tab[i].ma),
		    am_disposition_action_name(tab[i].b),
		    am_disposition_method_name(tab[i].mb),
		    am_disposition_method_name(tab[i].want));
		is_int(d.method, tab[i].want, name);
	}
	am_disposition_init(&d);
	ok(d.action == AM_ACTION_ACCEPT && d.method == AM_METHOD_NONE &&
	    !am_disposition_refuses(&d), "init: accept, nothing decided");
}

static void
t_set(void)
{
	struct am_disposition	 d;
	char			 big[1000];

	am_disposition_set(&d, AM_ACTION_REJECT, AM_METHOD_SPF, NULL, "5.7.23",
	    "bad\tnews\x80", "why");
	is_str(d.code, "550", "reject: 550 by default");
	is_str(d.text, "bad?news?", "text: printable ASCII only");
	am_disposition_set(&d, AM_ACTION_TEMPFAIL, AM_METHOD_SPF, NULL, "",
	    "x", "");
	is_str(d.code, "451", "tempfail: 451 by default");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	am_disposition_set(&d, AM_ACTION_REJECT, AM_METHOD_DMARC, NULL, "",
	    big, "");
	is_int(strlen(d.text), AM_DISP_TEXT_MAX, "text cut at the maximum");
	ok(am_disposition_refuses(&d), "reject refuses");
}

static void
t_outcome(void)
{
	static const struct {
		enum am_outcome	 o;
		enum am_action	 a;
		const char	*code, *xcode, *text;
		enum am_method	 m;
	} tab[] = {
		{ AM_OUTCOME_NOSIG, AM_ACTION_REJECT, "550", "5.7.20",
		    "DKIM: message is not signed", AM_METHOD_DKIM },
		{ AM_OUTCOME_BAD, AM_ACTION_REJECT, "550", "5.7.20",
		    "DKIM: signature verification failed", AM_METHOD_DKIM },
		{ AM_OUTCOME_BAD, AM_ACTION_TEMPFAIL, "451", "4.7.20",
		    "DKIM: signature verification failed", AM_METHOD_DKIM },
		{ AM_OUTCOME_DNS, AM_ACTION_TEMPFAIL, "451", "4.4.3",
		    "DKIM: key lookup failed, try again later",
		    AM_METHOD_DKIM },
		{ AM_OUTCOME_NOKEY, AM_ACTION_REJECT, "550", "5.7.20",
		    "DKIM: no key found for signature", AM_METHOD_DKIM },
		{ AM_OUTCOME_SIGERR, AM_ACTION_REJECT, "550", "5.7.21",
		    "DKIM: no acceptable signature", AM_METHOD_DKIM },
		{ AM_OUTCOME_UNSIGNABLE, AM_ACTION_REJECT, "550", "5.7.0",
		    "DKIM: message cannot be signed", AM_METHOD_SIGN },
		{ AM_OUTCOME_INTERNAL, AM_ACTION_TEMPFAIL, "451", "4.3.0",
		    "DKIM: internal error, try again later",
		    AM_METHOD_INTERNAL },
		{ AM_OUTCOME_BAD, AM_ACTION_QUARANTINE, "", "",
		    "authmilter: bad signature", AM_METHOD_DKIM },
		{ AM_OUTCOME_INTERNAL, AM_ACTION_QUARANTINE, "", "",
		    "authmilter: internal error", AM_METHOD_INTERNAL },
		{ AM_OUTCOME_PASS, AM_ACTION_ACCEPT, "", "", "",
		    AM_METHOD_NONE },
		{ AM_OUTCOME_NOSIG, AM_ACTION_ACCEPT, "", "", "",
		    AM_METHOD_NONE },
	};
	struct am_disposition	 d;
	char			 name[160];
	size_t			 i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		am_disposition_outcome(&d, tab[i].o, tab[i].a);
		(void)snprintf(name, sizeof(name), "%s under %s: %s %s %s",
		    am_outcome_name(tab[i].o),
		    am_disposition_action_name(tab[i].a), tab[i].code,
		    tab[i].xcode, tab[i].text);
		ok(d.action == tab[i].a && strcmp(d.code, tab[i].code) == 0 &&
		    strcmp(d.xcode, tab[i].xcode) == 0 &&
		    strcmp(d.text, tab[i].text) == 0 && d.method == tab[i].m,
		    name);
	}
}

static void
t_received_spf(void)
{
	static const struct {
		enum am_spf_verdict	 v;
		const char		*reason, *mech, *want;
	} tab[] = {
		{ AM_SPF_PASS, "", "ip4:192.0.2.0/24",
		    " pass (mx.example.org: domain of a@example.com designates "
		    "192.0.2.1 as permitted sender)\n\treceiver=mx.example.org; "
		    "client-ip=192.0.2.1;\n\tenvelope-from=\"a@example.com\"; "
		    "helo=mail.example.com;\n\tidentity=mailfrom; "
		    "mechanism=\"ip4:192.0.2.0/24\";" },
		{ AM_SPF_FAIL, "", "-all",
		    " fail (mx.example.org: domain of a@example.com does not "
		    "designate 192.0.2.1 as permitted sender)\n\t"
		    "receiver=mx.example.org; client-ip=192.0.2.1;\n\t"
		    "envelope-from=\"a@example.com\"; helo=mail.example.com;\n\t"
		    "identity=mailfrom; mechanism=-all;" },
		{ AM_SPF_NONE, "", "",
		    " none (mx.example.org: domain of a@example.com does not "
		    "designate permitted sender hosts)\n\t"
		    "receiver=mx.example.org; client-ip=192.0.2.1;\n\t"
		    "envelope-from=\"a@example.com\"; helo=mail.example.com;\n\t"
		    "identity=mailfrom;" },
		{ AM_SPF_TEMPERROR, "DNS (timeout)", "",
		    " temperror (mx.example.org: error in processing during "
		    "lookup of a@example.com: DNS \\(timeout\\))\n\t"
		    "receiver=mx.example.org; client-ip=192.0.2.1;\n\t"
		    "envelope-from=\"a@example.com\"; helo=mail.example.com;\n\t"
		    "identity=mailfrom; problem=\"DNS (timeout)\";" },
	};
	struct am_spf_result	 r;
	struct am_received_spf	 in = { &r, "mx.example.org", "192.0.2.1",
				    "a@example.com", "mail.example.com" };
	struct am_buf		 out;
	char			 name[80];
	size_t			 i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		memset(&r, 0, sizeof(r));
		r.verdict = tab[i].v;
		(void)snprintf(r.sender, sizeof(r.sender), "a@example.com");
		(void)snprintf(r.reason_text, sizeof(r.reason_text), "%s",
		    tab[i].reason);
		(void)snprintf(r.mechanism, sizeof(r.mechanism), "%s",
		    tab[i].mech);
		am_buf_init(&out, 4096);
		am_received_spf(&in, &out);
		(void)snprintf(name, sizeof(name), "Received-SPF: %s",
		    am_spf_verdict_name(tab[i].v));
		is_str(am_buf_str(&out), tab[i].want, name);
		am_buf_release(&out);
	}
}

int
main(void)
{
	t_merge();
	t_set();
	t_outcome();
	t_received_spf();
	return done_testing();
}
