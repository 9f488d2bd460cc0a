/*
 * verdict - the result words every authentication method shares
 */

#include <stddef.h>

#include "verdict.h"

static const char *const am_verdict_names[] = {
	[AM_VERDICT_NONE] = "none",
	[AM_VERDICT_PASS] = "pass",
	[AM_VERDICT_FAIL] = "fail",
	[AM_VERDICT_SOFTFAIL] = "softfail",
	[AM_VERDICT_NEUTRAL] = "neutral",
	[AM_VERDICT_POLICY] = "policy",
	[AM_VERDICT_TEMPERROR] = "temperror",
	[AM_VERDICT_PERMERROR] = "permerror",
};

const char *
am_verdict_name(enum am_verdict v)
{
	return (size_t)v < sizeof(am_verdict_names) /
	    sizeof(am_verdict_names[0]) ? am_verdict_names[v] : "?";
}
