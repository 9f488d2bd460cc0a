/*
 * fuzz-report-unpack - libFuzzer target for what carries aggregate
 * reports (lib/report/report_unpack.c): gzip, zip (libzip), mail
 * messages and mboxes (GMime), nested, then the XML reader on every
 * document found
 *
 * Checks, beyond "no crash, no leak, no hang": a failure has a message;
 * no document handed out is larger than AM_REPORT_XML_MAX; the number
 * of documents is bounded by the part and entry limits.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report_unpack.h"
#include "report_xml.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
doc(void *ctx, const char *xml, size_t n, const char *what)
{
	struct am_report_feedback	 f;
	struct am_err			 err;
	unsigned			*count = ctx;

	if (n > AM_REPORT_XML_MAX || what == NULL ||
	    ++*count > AM_REPORT_UNPACK_PARTS * AM_REPORT_UNPACK_ENTRIES)
		abort();
	(void)am_report_xml_parse(xml, n, &f, &err);
	am_report_feedback_release(&f);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	 init;
	struct am_err	 err;
	unsigned	 count = 0;

	if (!init) {
		am_report_unpack_init();
		init = 1;
	}
	am_err_clear(&err);
	if (am_report_unpack(data, size, doc, &count, &err) != 0 &&
	    count == 0 && err.msg[0] == '\0')
		abort();
	return 0;
}
