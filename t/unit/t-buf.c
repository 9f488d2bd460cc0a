/*
 * t-buf - the bounded byte buffer: append, limit, sticky error, printf,
 * truncate, reset, NUL termination
 */

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "tap.h"

static void
test_append(void)
{
	struct am_buf	 b;
	size_t		 i;

	am_buf_init(&b, 1 << 20);
	is_str(am_buf_str(&b), "", "new buffer reads as \"\"");
	is_int(b.len, 0, "new buffer is empty");
	is_int(am_buf_append(&b, "abc", 3), 0, "append");
	is_int(am_buf_appendc(&b, 'd'), 0, "appendc");
	is_int(am_buf_appends(&b, "ef"), 0, "appends");
	is_str(am_buf_str(&b), "abcdef", "contents");
	is_int(b.len, 6, "length");
	is_int(am_buf_append(&b, "", 0), 0, "append nothing");
	is_int(b.len, 6, "... length unchanged");

	is_int(am_buf_append(&b, "x\0y", 3), 0, "append a NUL byte");
	is_mem(b.data, b.len, "abcdefx\0y", 9, "binary-safe");
	ok(b.data[b.len] == '\0', "NUL after the data");

	am_buf_reset(&b);
	for (i = 0; i < 100000; i++)
		am_buf_appendc(&b, 'a' + (int)(i % 26));
	is_int(b.len, 100000, "grows over many appends");
	ok(b.data[99999] == 'a' + 99999 % 26 && b.data[100000] == '\0',
	    "... last byte and NUL");
	ok(b.cap >= b.len && b.cap <= b.max, "cap within len..max");
	am_buf_release(&b);
	ok(b.data == NULL && b.len == 0 && b.max == 1 << 20,
	    "release empties, keeps max");
	is_int(am_buf_appends(&b, "again"), 0, "usable after release");
	is_str(am_buf_str(&b), "again", "... contents");
	am_buf_release(&b);
}

static void
test_limit(void)
{
	struct am_buf	 b;

	am_buf_init(&b, 8);
	is_int(am_buf_append(&b, "12345678", 8), 0, "fill to max exactly");
	is_int(am_buf_appendc(&b, '9'), -1, "one byte past max fails");
	ok(b.err, "... sets err");
	is_str(am_buf_str(&b), "12345678", "... leaves contents alone");
	is_int(am_buf_append(&b, "", 0), -1, "err is sticky, even for 0 bytes");
	am_buf_reset(&b);
	ok(!b.err && b.len == 0, "reset clears err and len");
	is_int(am_buf_appends(&b, "1234"), 0, "append after reset");

	is_int(am_buf_append(&b, "567890", 6), -1, "append that would pass max");
	is_str(am_buf_str(&b), "1234", "... is all or nothing");
	am_buf_release(&b);

	/* A run of appends checked once. */
	am_buf_init(&b, 10);
	am_buf_appends(&b, "name");
	am_buf_appends(&b, ":");
	am_buf_appends(&b, "value too long");
	am_buf_appends(&b, "x");
	ok(b.err, "run of appends: one check at the end");
	is_str(am_buf_str(&b), "name:", "... contents up to the failure");
	am_buf_release(&b);

	am_buf_init(&b, 0);
	is_int(am_buf_append(&b, "", 0), 0, "max 0: empty append ok");
	is_int(am_buf_appendc(&b, 'x'), -1, "max 0: any byte fails");
	is_str(am_buf_str(&b), "", "max 0: still \"\"");
	am_buf_release(&b);
}

static void
test_printf(void)
{
	struct am_buf	 b;
	char		 big[600];

	am_buf_init(&b, 1000);
	is_int(am_buf_printf(&b, "%s=%d;", "a", 42), 0, "printf");
	am_buf_printf(&b, " %zu", (size_t)7);
	is_str(am_buf_str(&b), "a=42; 7", "printf appends");

	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	am_buf_reset(&b);
	am_buf_appends(&b, "<");
	is_int(am_buf_printf(&b, "%s>", big), 0, "printf longer than 256");
	is_int(b.len, 1 + 599 + 1, "... length");
	ok(b.data[0] == '<' && b.data[600] == '>' && b.data[601] == '\0',
	    "... contents and NUL");

	is_int(am_buf_printf(&b, "%s", big), -1, "printf past max fails");
	ok(b.err, "... sets err");
	is_int(b.len, 601, "... leaves contents alone");
	is_int(am_buf_printf(&b, "x"), -1, "... and is sticky");
	am_buf_release(&b);

	am_buf_init(&b, 5);
	is_int(am_buf_printf(&b, "%d", 123456), -1, "short printf past max");
	is_str(am_buf_str(&b), "", "... nothing written");
	am_buf_release(&b);
}

static void
test_truncate(void)
{
	struct am_buf	 b;

	am_buf_init(&b, 100);
	am_buf_appends(&b, "hello world");
	am_buf_truncate(&b, 5);
	is_str(am_buf_str(&b), "hello", "truncate");
	is_int(b.len, 5, "... length");
	am_buf_truncate(&b, 50);
	is_str(am_buf_str(&b), "hello", "truncate beyond len is a no-op");
	am_buf_truncate(&b, 0);
	is_str(am_buf_str(&b), "", "truncate to 0");
	am_buf_appends(&b, "again");
	is_str(am_buf_str(&b), "again", "append after truncate");
	am_buf_release(&b);

	am_buf_init(&b, 100);
	am_buf_truncate(&b, 0);
	am_buf_reset(&b);
	is_str(am_buf_str(&b), "", "truncate and reset on an empty buffer");
	am_buf_release(&b);
}

int
main(void)
{
	test_append();
	test_limit();
	test_printf();
	test_truncate();
	return done_testing();
}
