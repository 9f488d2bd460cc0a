/*
 * report_unpack - XML documents out of gzip, zip and mail
 */

#include <gmime/gmime.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <zip.h>

#include "buf.h"
#include "report_bounce.h"
#include "report_out.h"
#include "report_unpack.h"
#include "report_xml.h"

struct am_unpack {
	am_report_xml_fn	*fn;
	am_report_bounce_fn	*bfn;
	unsigned		 dsns, dsn_skipped;
	void			*ctx;
	struct am_err		*err;
	unsigned		 found;
	int			 failed;	/* fn stopped or a hard error */
	unsigned		 parts;
	int			 depth;
};

static int am_unpack_any(struct am_unpack *, const unsigned char *, size_t,
    const char *what);

void
am_report_unpack_init(void)
{
	g_mime_init();
	am_report_xml_init();
}

static int
am_unpack_is_xml(const unsigned char *p, size_t n)
{
	size_t	 i = 0;

	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		i = 3;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
	    p[i] == '\n'))
		i++;
	return i < n && p[i] == '<';
}

static int
am_unpack_gzip(struct am_unpack *u, const unsigned char *p, size_t n,
    const char *what)
{
	struct am_buf	 out;
	char		 w[300];
	int		 rc;

	am_buf_init(&out, AM_REPORT_XML_MAX);
	if (am_report_gunzip(p, n, AM_REPORT_XML_MAX, &out, u->err) != 0) {
		am_buf_release(&out);
		return -1;
	}
	(void)snprintf(w, sizeof(w), "%s%sgzip", what, *what ? "/" : "");
	rc = am_unpack_any(u, out.data != NULL ? out.data :
	    (const unsigned char *)"", out.len, w);
	am_buf_release(&out);
	return rc;
}

static int
am_unpack_zip_entry(struct am_unpack *u, zip_t *z, zip_uint64_t i,
    const char *what)
{
	zip_stat_t	 st;
	zip_file_t	*zf;
	unsigned char	*buf;
	zip_int64_t	 got;
	char		 w[300];
	int		 rc;

	zip_stat_init(&st);
	if (zip_stat_index(z, i, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE) ||
	    !(st.valid & ZIP_STAT_NAME))
		return am_err_set(u->err, AM_E_SYNTAX, "zip entry unreadable");
	if (st.name[0] != '\0' && st.name[strlen(st.name) - 1] == '/')
		return 0;	/* a directory */
	if (st.size > AM_REPORT_XML_MAX)
		return am_err_set(u->err, AM_E_LIMIT, "zip entry larger than "
		    "%u octets", AM_REPORT_XML_MAX);
	if ((zf = zip_fopen_index(z, i, 0)) == NULL)
		return am_err_set(u->err, AM_E_SYNTAX, "zip entry: %s",
		    zip_strerror(z));
	buf = malloc(st.size + 1);
	if (buf == NULL) {
		zip_fclose(zf);
		return am_err_set(u->err, AM_E_NOMEM, "zip entry");
	}
	got = zip_fread(zf, buf, st.size);
	zip_fclose(zf);
	if (got < 0 || (zip_uint64_t)got != st.size) {
		free(buf);
		return am_err_set(u->err, AM_E_SYNTAX, "zip entry corrupt");
	}
	(void)snprintf(w, sizeof(w), "%s%szip:%.200s", what, *what ? "/" : "",
	    st.name);
	rc = am_unpack_any(u, buf, st.size, w);
	free(buf);
	return rc;
}

static int
am_unpack_zip(struct am_unpack *u, const unsigned char *p, size_t n,
    const char *what)
{
	zip_error_t	 ze;
	zip_source_t	*src;
	zip_t		*z;
	zip_int64_t	 k, i;
	int		 rc = 0, any = 0;

	zip_error_init(&ze);
	if ((src = zip_source_buffer_create(p, n, 0, &ze)) == NULL) {
		zip_error_fini(&ze);
		return am_err_set(u->err, AM_E_NOMEM, "zip source");
	}
	if ((z = zip_open_from_source(src, ZIP_RDONLY, &ze)) == NULL) {
		(void)am_err_set(u->err, AM_E_SYNTAX, "not a valid zip file: %s",
		    zip_error_strerror(&ze));
		zip_source_free(src);
		zip_error_fini(&ze);
		return -1;
	}
	zip_error_fini(&ze);
	k = zip_get_num_entries(z, 0);
	if (k > AM_REPORT_UNPACK_ENTRIES)
		rc = am_err_set(u->err, AM_E_LIMIT, "zip with more than %d "
		    "entries", AM_REPORT_UNPACK_ENTRIES);
	for (i = 0; i < k && rc == 0 && !u->failed; i++) {
		if (am_unpack_zip_entry(u, z, (zip_uint64_t)i, what) == 0)
			any = 1;
		else if (u->failed)
			rc = -1;
	}
	zip_discard(z);
	if (rc == 0 && !any)	/* keep an entry's own reason */
		return u->err != NULL && u->err->msg[0] != '\0' ? -1 :
		    am_err_set(u->err, AM_E_SYNTAX, "no report in the zip "
		    "file");
	return rc;
}

/* ------------------------------------------------------------ MIME */

static int
am_unpack_wanted(GMimeObject *part)
{
	static const char *const types[] = {
		"application/gzip", "application/x-gzip", "application/zip",
		"application/x-zip", "application/x-zip-compressed",
		"text/xml", "application/xml", "application/octet-stream",
		NULL
	};
	GMimeContentType	*ct = g_mime_object_get_content_type(part);
	const char		*fn, *dot;
	char			*mt;
	int			 i, want = 0;

	if (ct != NULL && (mt = g_mime_content_type_get_mime_type(ct)) != NULL) {
		for (i = 0; types[i] != NULL; i++)
			if (strcasecmp(mt, types[i]) == 0)
				want = 1;
		g_free(mt);
	}
	fn = g_mime_part_get_filename(GMIME_PART(part));
	if (fn != NULL && (dot = strrchr(fn, '.')) != NULL &&
	    (strcasecmp(dot, ".xml") == 0 || strcasecmp(dot, ".gz") == 0 ||
	    strcasecmp(dot, ".zip") == 0))
		want = 1;
	return want;
}

static void am_unpack_part(GMimeObject *, GMimeObject *, gpointer);

static void
am_unpack_leaf(struct am_unpack *u, GMimeObject *part)
{
	GMimeDataWrapper	*dw;
	GMimeStream		*ms;
	GByteArray		*ba;
	const char		*fn;
	char			 w[300];

	if (!am_unpack_wanted(part) ||
	    (dw = g_mime_part_get_content(GMIME_PART(part))) == NULL)
		return;
	ms = g_mime_stream_mem_new();
	if (g_mime_data_wrapper_write_to_stream(dw, ms) >= 0) {
		ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(ms));
		fn = g_mime_part_get_filename(GMIME_PART(part));
		(void)snprintf(w, sizeof(w), "mime:%.200s", fn != NULL ? fn :
		    "(unnamed)");
		if (ba->len > AM_REPORT_XML_MAX)
			(void)am_err_set(u->err, AM_E_LIMIT, "attachment too "
			    "large");
		else if (ba->len > 0)	/* empty: nothing, no data pointer */
			(void)am_unpack_any(u, ba->data, ba->len, w);
	}
	g_object_unref(ms);
}

static void
am_unpack_part(GMimeObject *parent, GMimeObject *part, gpointer data)
{
	struct am_unpack	*u = data;
	GMimeMessage		*inner;

	(void)parent;
	if (u->failed || ++u->parts > AM_REPORT_UNPACK_PARTS)
		return;
	if (GMIME_IS_MESSAGE_PART(part)) {
		inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(part));
		if (inner != NULL && u->depth < AM_REPORT_UNPACK_DEPTH) {
			u->depth++;
			g_mime_message_foreach(inner, am_unpack_part, u);
			u->depth--;
		}
		return;
	}
	if (GMIME_IS_PART(part))
		am_unpack_leaf(u, part);
}

static int
am_unpack_mail(struct am_unpack *u, const unsigned char *p, size_t n)
{
	GMimeStream	*s;
	GMimeParser	*ps;
	GMimeMessage	*m;
	struct am_report_bounce b;
	unsigned	 before = u->found + u->dsns, msgs = 0;

	s = g_mime_stream_mem_new_with_buffer((const char *)p, n);
	ps = g_mime_parser_new_with_stream(s);
	g_object_unref(s);
	if (n >= 5 && memcmp(p, "From ", 5) == 0)
		g_mime_parser_set_format(ps, GMIME_FORMAT_MBOX);
	while (!u->failed && !g_mime_parser_eos(ps) &&
	    msgs++ < AM_REPORT_UNPACK_PARTS) {
		if ((m = g_mime_parser_construct_message(ps, NULL)) == NULL)
			break;
		u->parts = 0;
		if (am_report_bounce_of(m, &b)) {
			if (u->bfn == NULL)
				u->dsn_skipped++;
			else {
				u->dsns++;
				if (u->bfn(u->ctx, &b) != 0)
					u->failed = 1;
			}
		} else
			g_mime_message_foreach(m, am_unpack_part, u);
		g_object_unref(m);
	}
	g_object_unref(ps);
	if (u->failed)
		return -1;
	if (u->found + u->dsns == before && u->dsn_skipped > 0)
		return am_err_set(u->err, AM_E_SYNTAX, "a delivery status "
		    "notification, not a report");
	if (u->found + u->dsns == before)
		return am_err_set(u->err, AM_E_SYNTAX, "no report in the "
		    "message");
	return 0;
}

static int
am_unpack_any(struct am_unpack *u, const unsigned char *p, size_t n,
    const char *what)
{
	int	 rc;

	if (u->depth >= AM_REPORT_UNPACK_DEPTH)
		return am_err_set(u->err, AM_E_LIMIT, "reports nested too "
		    "deeply");
	u->depth++;
	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		rc = am_unpack_gzip(u, p, n, what);
	else if (n >= 4 && memcmp(p, "PK\003\004", 4) == 0)
		rc = am_unpack_zip(u, p, n, what);
	else if (am_unpack_is_xml(p, n)) {
		u->found++;
		rc = 0;
		if (u->fn(u->ctx, (const char *)p, n, what) != 0) {
			u->failed = 1;
			rc = -1;
		}
	} else if (u->depth == 1)
		rc = am_unpack_mail(u, p, n);
	else
		rc = am_err_set(u->err, AM_E_SYNTAX, "%s: not a report",
		    *what ? what : "input");
	u->depth--;
	return rc;
}

int
am_report_unpack(const void *p, size_t n, am_report_xml_fn *fn, void *ctx,
    struct am_err *err)
{
	return am_report_unpack_dsn(p, n, fn, NULL, ctx, err);
}

int
am_report_unpack_dsn(const void *p, size_t n, am_report_xml_fn *fn,
    am_report_bounce_fn *bfn, void *ctx, struct am_err *err)
{
	struct am_unpack	 u;
	int			 rc;

	memset(&u, 0, sizeof(u));
	am_err_clear(err);
	u.fn = fn;
	u.bfn = bfn;
	u.ctx = ctx;
	u.err = err;
	rc = am_unpack_any(&u, p, n, "");
	if (u.failed)
		return -1;
	if (u.found + u.dsns > 0)
		return 0;
	if (rc == 0 || (err != NULL && err->msg[0] == '\0'))
		return am_err_set(err, AM_E_SYNTAX, "no report found");
	return -1;
}
