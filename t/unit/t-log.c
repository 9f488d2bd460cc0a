/*
 * t-log - log lines: control characters from the peer are escaped
 */

#include <string.h>

#include "log.h"
#include "tap.h"

static void
esc_is(const char *in, size_t size, const char *want, const char *name)
{
	char	 out[256];

	is_str(am_log_escape(in, out, size), want, name);
}

int
main(void)
{
	esc_is("plain line", 256, "plain line", "a plain line is unchanged");
	esc_is("QID1\nFORGED: x", 256, "QID1\\nFORGED: x",
	    "a line feed is written as \\n");
	esc_is("a\r\nb\tc", 256, "a\\r\\nb\\tc", "CR, LF, tab");
	esc_is("a\033[31mb\177", 256, "a\\x1b[31mb\\x7f",
	    "escape and DEL as \\xHH");
	esc_is("b\xc3\xbc" "cher", 256, "b\xc3\xbc" "cher", "UTF-8 is kept");
	esc_is("abc\n", 5, "abc", "cut at a whole escape, never half of one");
	esc_is("abcdef", 4, "abc", "cut to the buffer, NUL-terminated");
	return done_testing();
}
