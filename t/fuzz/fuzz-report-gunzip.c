/*
 * fuzz-report-gunzip - libFuzzer target for the bounded gunzip of
 * lib/report (report_gzip.c)
 *
 * Checks: never more than the limit out (a gzip bomb is AM_E_LIMIT);
 * a success, gzipped again and gunzipped, gives the same octets.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report_out.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define LIMIT	(1u << 20)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct am_buf	 out, gz, back;
	struct am_err	 err;

	am_buf_init(&out, 2 * LIMIT);
	am_buf_init(&gz, 4 * LIMIT);
	am_buf_init(&back, 2 * LIMIT);
	if (am_report_gunzip(data, size, LIMIT, &out, &err) == 0) {
		if (out.len > LIMIT)
			abort();
		if (am_report_gzip(out.data, out.len, &gz, &err) != 0 ||
		    am_report_gunzip(gz.data, gz.len, LIMIT, &back, &err) != 0 ||
		    back.len != out.len ||
		    (out.len > 0 && memcmp(back.data, out.data, out.len) != 0))
			abort();
	} else if (err.msg[0] == '\0' || out.len > LIMIT)
		abort();
	am_buf_release(&out);
	am_buf_release(&gz);
	am_buf_release(&back);
	return 0;
}
