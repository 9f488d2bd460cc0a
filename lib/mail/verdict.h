#ifndef AM_VERDICT_H
#define AM_VERDICT_H

/*
 * verdict - the result words every authentication method shares
 * (RFC 8601 2.7: none, pass, fail, softfail, neutral, policy,
 * temperror, permerror)
 *
 * A method keeps its own verdict enum (enum am_dkim_verdict, enum
 * am_spf_verdict, ...) and says which word each of its verdicts is
 * (am_dkim_verdict_word, am_spf_verdict_word).  A method that consumes
 * another's results (DMARC reads DKIM and SPF results) takes them as
 * these words, so that it depends on neither the DKIM verifier nor the
 * SPF evaluator.
 */

enum am_verdict {
	AM_VERDICT_NONE,
	AM_VERDICT_PASS,
	AM_VERDICT_FAIL,
	AM_VERDICT_SOFTFAIL,
	AM_VERDICT_NEUTRAL,
	AM_VERDICT_POLICY,
	AM_VERDICT_TEMPERROR,
	AM_VERDICT_PERMERROR
};

/* The RFC 8601 word ("pass"); "?" for a value out of range. */
const char	*am_verdict_name(enum am_verdict);

#endif /* AM_VERDICT_H */
