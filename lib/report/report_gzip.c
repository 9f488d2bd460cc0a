/*
 * report_gzip - gzip and bounded gunzip through zlib; report periods
 */

#include <string.h>
#include <zlib.h>

#include "report_out.h"

int
am_report_interval_ok(unsigned h)
{
	return h == 1 || h == 2 || h == 3 || h == 4 || h == 6 || h == 8 ||
	    h == 12 || h == 24;
}

void
am_report_period_of(int64_t t, unsigned hours, int64_t *begin, int64_t *end)
{
	int64_t	 len = (int64_t)(am_report_interval_ok(hours) ? hours : 24) *
		    3600;
	int64_t	 b = t - (t % len + len) % len;

	*begin = b;
	*end = b + len;
}

void
am_report_period_last(int64_t now, unsigned hours, int64_t *begin,
    int64_t *end)
{
	int64_t	 b, e;

	am_report_period_of(now, hours, &b, &e);
	*end = b;
	*begin = b - (e - b);
}

int
am_report_gzip(const void *in, size_t n, struct am_buf *out,
    struct am_err *err)
{
	z_stream	 z;
	unsigned char	 chunk[16384];
	int		 rc;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return am_err_set(err, AM_E_NOMEM, "deflateInit2");
	z.next_in = (unsigned char *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		rc = deflate(&z, Z_FINISH);
		if (rc == Z_STREAM_ERROR)
			break;
		(void)am_buf_append(out, chunk, sizeof(chunk) - z.avail_out);
	} while (rc != Z_STREAM_END);
	deflateEnd(&z);
	if (rc != Z_STREAM_END)
		return am_err_set(err, AM_E_IO, "deflate failed");
	if (out->err)
		return am_err_set(err, AM_E_LIMIT, "gzip output too large");
	return 0;
}

int
am_report_gunzip(const void *in, size_t n, size_t max, struct am_buf *out,
    struct am_err *err)
{
	z_stream	 z;
	unsigned char	 chunk[16384];
	size_t		 got = 0;
	int		 rc;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 32) != Z_OK)	/* gzip or zlib */
		return am_err_set(err, AM_E_NOMEM, "inflateInit2");
	z.next_in = (unsigned char *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		rc = inflate(&z, Z_NO_FLUSH);
		if (rc != Z_OK && rc != Z_STREAM_END)
			break;
		got += sizeof(chunk) - z.avail_out;
		if (got > max) {
			inflateEnd(&z);
			return am_err_set(err, AM_E_LIMIT, "gzip data inflates "
			    "past %zu octets", max);
		}
		(void)am_buf_append(out, chunk, sizeof(chunk) - z.avail_out);
		if (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0)
			break;	/* truncated input */
	} while (rc != Z_STREAM_END);
	inflateEnd(&z);
	if (rc != Z_STREAM_END)
		return am_err_set(err, AM_E_SYNTAX, "gzip data corrupt or "
		    "truncated");
	if (out->err)
		return am_err_set(err, AM_E_LIMIT, "gzip data too large");
	return 0;
}
