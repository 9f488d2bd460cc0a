/*
 * fuzz-report-bounce - libFuzzer target for the DSN reader
 * (lib/report/report_bounce.c: multipart/report; report-type=
 * delivery-status through GMime, the message/delivery-status fields,
 * the report id in the envelope recipient and the returned header) and
 * the message classifier of the engine (engine_kind.c) on the same
 * header block
 *
 * Checks, beyond "no crash, no leak, no hang": every field is a
 * NUL-terminated string inside its array; a report id is "" or 32
 * lower-case hex digits; "failed" only with Action failed and a 5.x.x
 * Status; the classifier answers one of its four words.
 */

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "hdr.h"
#include "report_bounce.h"
#include "report_unpack.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_str(const char *s, size_t size)
{
	if (memchr(s, '\0', size) == NULL)
		abort();
}

static void
check(const struct am_report_bounce *b)
{
	size_t	 i, n = strlen(b->report_id);

	check_str(b->report_id, sizeof(b->report_id));
	check_str(b->action, sizeof(b->action));
	check_str(b->status, sizeof(b->status));
	check_str(b->recipient, sizeof(b->recipient));
	check_str(b->original, sizeof(b->original));
	check_str(b->diagnostic, sizeof(b->diagnostic));
	if (n != 0 && n != AM_REPORT_ID_LEN)
		abort();
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)b->report_id[i]) &&
		    (b->report_id[i] < 'a' || b->report_id[i] > 'f'))
			abort();
	if (b->failed && (strcmp(b->action, "failed") != 0 ||
	    b->status[0] != '5'))
		abort();
}

/* The header block (up to the first empty line) into a collection. */
static void
kind(const uint8_t *data, size_t size)
{
	struct am_hdrs	*hs = am_hdrs_new(1000, 1u << 20);
	struct am_err	 err;
	const char	*p = (const char *)data, *end = p + size, *e, *k;
	const char	*start = p;

	while (p < end) {
		e = memchr(p, '\n', (size_t)(end - p));
		if (e == NULL)
			e = end;
		if (e == p || (e == p + 1 && *p == '\r'))
			break;
		p = e + 1;
		if (p < end && (*p == ' ' || *p == '\t'))
			continue;	/* folded: the field goes on */
		(void)am_hdrs_add_raw(hs, start, (size_t)(e - start) -
		    (e > start && e[-1] == '\r'), &err);
		start = p;
	}
	k = am_engine_kind_of(hs, size > 0 && data[0] == '<');
	if (strcmp(k, "") != 0 && strcmp(k, "report") != 0 &&
	    strcmp(k, "tlsrpt") != 0 && strcmp(k, "dsn") != 0)
		abort();
	am_hdrs_free(&hs);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int			 init;
	struct am_report_bounce		 b;

	if (!init) {
		am_report_unpack_init();
		init = 1;
	}
	if (am_report_bounce_parse(data, size, &b))
		check(&b);
	else if (b.report_id[0] != '\0' || b.failed)
		abort();
	kind(data, size);
	return 0;
}
