/*
 * report_bounce - DSNs of our reports, and the suppression they cause
 * (report_bounce.h)
 */

#include <gmime/gmime.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "report_bounce.h"
#include "report_unpack.h"

#define AM_BN_TEXT_MAX	(64u * 1024)	/* delivery-status, headers */

/* Are p[0..31] lower-case hex digits, not followed by a 33rd? */
static int
am_bn_hex32(const char *p, size_t n)
{
	size_t	 i;

	if (n < AM_REPORT_ID_LEN)
		return 0;
	for (i = 0; i < AM_REPORT_ID_LEN; i++)
		if (!isdigit((unsigned char)p[i]) && (p[i] < 'a' ||
		    p[i] > 'f'))
			return 0;
	return n == AM_REPORT_ID_LEN || !isxdigit((unsigned char)p[i]);
}

static const char *
am_bn_memcasestr(const char *h, size_t n, const char *needle)
{
	size_t	 k = strlen(needle), i;

	for (i = 0; i + k <= n; i++)
		if (strncasecmp(h + i, needle, k) == 0)
			return h + i;
	return NULL;
}

/* The id after "+" and before "@" in an address list value. */
static int
am_bn_id_in_addr(const char *v, char *id)
{
	const char	*p;
	size_t		 n = strlen(v);

	for (p = v; (p = memchr(p, '+', n - (size_t)(p - v))) != NULL; p++)
		if (am_bn_hex32(p + 1, n - (size_t)(p + 1 - v)) &&
		    p[1 + AM_REPORT_ID_LEN] == '@') {
			memcpy(id, p + 1, AM_REPORT_ID_LEN);
			id[AM_REPORT_ID_LEN] = '\0';
			return 1;
		}
	return 0;
}

/* The id in returned header text: "Report-ID: <id>", else a
 * "Message-ID: <id@". */
static int
am_bn_id_in_headers(const char *t, size_t n, char *id)
{
	static const char *const keys[] = { "report-id:", "message-id:" };
	const char	*p, *end = t + n;
	size_t		 k;

	for (k = 0; k < 2; k++) {
		for (p = t; p < end && (p = am_bn_memcasestr(p,
		    (size_t)(end - p), keys[k])) != NULL; p++) {
			const char *q = p + strlen(keys[k]);

			while (q < end && (*q == ' ' || *q == '\t' ||
			    *q == '\r' || *q == '\n'))
				q++;
			if (q < end && *q == '<')
				q++;
			if (am_bn_hex32(q, (size_t)(end - q)) &&
			    (k == 0 || (q + AM_REPORT_ID_LEN < end &&
			    q[AM_REPORT_ID_LEN] == '@'))) {
				memcpy(id, q, AM_REPORT_ID_LEN);
				id[AM_REPORT_ID_LEN] = '\0';
				return 1;
			}
		}
	}
	return 0;
}

/* ------------------------------------------------- delivery-status */

/* "rfc822; a@b" -> "a@b", the domain lower-cased. */
static void
am_bn_addr(const char *v, char *out, size_t size)
{
	const char	*s = strchr(v, ';');
	char		*at;

	s = s != NULL ? s + 1 : v;
	while (*s == ' ' || *s == '<')
		s++;
	am_report_strlcpy(out, s, size);
	out[strcspn(out, " >")] = '\0';
	if ((at = strrchr(out, '@')) != NULL)
		for (; *at != '\0'; at++)
			*at = (char)tolower((unsigned char)*at);
}

struct am_bn_block {
	char	 action[16], status[16], recipient[320], original[320];
	char	 diagnostic[200];
};

static void
am_bn_field(struct am_bn_block *b, const char *name, const char *v)
{
	size_t	 i;

	if (strcasecmp(name, "action") == 0) {
		am_report_strlcpy(b->action, v, sizeof(b->action));
		for (i = 0; b->action[i] != '\0'; i++)
			b->action[i] = (char)tolower((unsigned char)
			    b->action[i]);
		b->action[strcspn(b->action, " (")] = '\0';
	} else if (strcasecmp(name, "status") == 0) {
		am_report_strlcpy(b->status, v, sizeof(b->status));
		b->status[strcspn(b->status, " (")] = '\0';
	} else if (strcasecmp(name, "final-recipient") == 0)
		am_bn_addr(v, b->recipient, sizeof(b->recipient));
	else if (strcasecmp(name, "original-recipient") == 0)
		am_bn_addr(v, b->original, sizeof(b->original));
	else if (strcasecmp(name, "diagnostic-code") == 0)
		am_report_strlcpy(b->diagnostic, v, sizeof(b->diagnostic));
}

/* Ends a block: the first permanent failure wins, else the first
 * recipient block is kept. */
static void
am_bn_block_end(struct am_report_bounce *out, struct am_bn_block *b,
    int *have)
{
	int	 fail = strcmp(b->action, "failed") == 0 &&
		    b->status[0] == '5';

	if (b->action[0] != '\0' && !out->failed && (fail || !*have)) {
		am_report_strlcpy(out->action, b->action, sizeof(out->action));
		am_report_strlcpy(out->status, b->status, sizeof(out->status));
		am_report_strlcpy(out->recipient, b->recipient,
		    sizeof(out->recipient));
		am_report_strlcpy(out->original, b->original,
		    sizeof(out->original));
		am_report_strlcpy(out->diagnostic, b->diagnostic,
		    sizeof(out->diagnostic));
		out->failed = fail;
		*have = 1;
	}
	memset(b, 0, sizeof(*b));
}

/* One unfolded field line[0..k) into b. */
static void
am_bn_flush(struct am_bn_block *b, char *line, size_t k)
{
	char		 name[64];
	const char	*c;

	line[k] = '\0';
	if (k == 0 || (c = strchr(line, ':')) == NULL ||
	    (size_t)(c - line) >= sizeof(name))
		return;
	memcpy(name, line, (size_t)(c - line));
	name[c - line] = '\0';
	for (c++; *c == ' ' || *c == '\t'; c++)
		;
	am_bn_field(b, name, c);
}

/* The message/delivery-status body: blocks of fields, separated by
 * empty lines; continuation lines unfolded. */
static void
am_bn_status(const char *t, size_t n, struct am_report_bounce *out)
{
	struct am_bn_block	 b;
	char			 line[1024];
	const char		*p = t, *end = t + n, *e;
	size_t			 k = 0, len;
	int			 have = 0;

	memset(&b, 0, sizeof(b));
	while (p <= end) {
		e = p;
		while (e < end && *e != '\n')
			e++;
		len = (size_t)(e - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len > 0 && (p[0] == ' ' || p[0] == '\t') && k > 0) {
			/* a continuation: append to the field */
			if (k + len < sizeof(line)) {
				memcpy(line + k, p, len);
				k += len;
			}
		} else {
			am_bn_flush(&b, line, k);
			k = 0;
			if (len == 0)
				am_bn_block_end(out, &b, &have);
			else if (len < sizeof(line)) {
				memcpy(line, p, len);
				k = len;
			}
		}
		if (e >= end)
			break;
		p = e + 1;
	}
	am_bn_flush(&b, line, k);
	am_bn_block_end(out, &b, &have);
}

/* ------------------------------------------------------------ MIME */

/* The decoded content of a leaf part, at most AM_BN_TEXT_MAX octets;
 * NULL when it has none or it is empty.  g_byte_array_free(, TRUE) it. */
static GByteArray *
am_bn_content(GMimeObject *part)
{
	GMimeDataWrapper	*dw;
	GMimeStream		*ms;
	GByteArray		*ba = NULL;

	if (!GMIME_IS_PART(part) ||
	    (dw = g_mime_part_get_content(GMIME_PART(part))) == NULL)
		return NULL;
	ms = g_mime_stream_mem_new();
	if (g_mime_data_wrapper_write_to_stream(dw, ms) >= 0) {
		ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(ms));
		/* the array outlives the stream: ours to free */
		g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(ms), FALSE);
		if (ba->len > AM_BN_TEXT_MAX)
			g_byte_array_set_size(ba, AM_BN_TEXT_MAX);
		if (ba->len == 0) {	/* empty: no data pointer at all */
			(void)g_byte_array_free(ba, TRUE);
			ba = NULL;
		}
	}
	g_object_unref(ms);
	return ba;
}

/* The report id in the returned message or header part. */
static void
am_bn_returned(GMimeObject *part, struct am_report_bounce *out)
{
	GMimeMessage	*m;
	GByteArray	*ba;
	char		*h;

	if (GMIME_IS_MESSAGE_PART(part)) {
		m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(part));
		if (m == NULL || (h = g_mime_object_get_headers(
		    GMIME_OBJECT(m), NULL)) == NULL)
			return;
		(void)am_bn_id_in_headers(h, strnlen(h, AM_BN_TEXT_MAX),
		    out->report_id);
		g_free(h);
	} else if ((ba = am_bn_content(part)) != NULL) {
		(void)am_bn_id_in_headers((const char *)ba->data, ba->len,
		    out->report_id);
		(void)g_byte_array_free(ba, TRUE);
	}
}

/* The id in the envelope recipient (our local+id@domain). */
static void
am_bn_envelope(GMimeMessage *msg, struct am_report_bounce *out)
{
	static const char *const names[] = {
		"Delivered-To", "X-Original-To", "Envelope-To", "To", NULL
	};
	GMimeHeaderList	*hl = g_mime_object_get_header_list(GMIME_OBJECT(msg));
	GMimeHeader	*h;
	const char	*v;
	int		 i, k, n = hl != NULL ? g_mime_header_list_get_count(hl) :
			    0;

	for (k = 0; names[k] != NULL; k++)
		for (i = 0; i < n; i++) {
			h = g_mime_header_list_get_header_at(hl, i);
			if (strcasecmp(g_mime_header_get_name(h), names[k])
			    != 0 || (v = g_mime_header_get_raw_value(h)) ==
			    NULL)
				continue;
			if (am_bn_id_in_addr(v, out->report_id))
				return;
		}
}

int
am_report_bounce_of(void *mp, struct am_report_bounce *out)
{
	GMimeMessage		*msg = mp;
	GMimeObject		*top, *part;
	GMimeContentType	*ct;
	GByteArray		*ba;
	const char		*rt;
	int			 i, n;

	memset(out, 0, sizeof(*out));
	if (msg == NULL || (top = g_mime_message_get_mime_part(msg)) ==
	    NULL || !GMIME_IS_MULTIPART(top) ||
	    (ct = g_mime_object_get_content_type(top)) == NULL ||
	    !g_mime_content_type_is_type(ct, "multipart", "report") ||
	    (rt = g_mime_content_type_get_parameter(ct, "report-type")) ==
	    NULL || strcasecmp(rt, "delivery-status") != 0)
		return 0;
	/* the envelope sender we used names the report best; else the
	 * returned header */
	am_bn_envelope(msg, out);
	n = g_mime_multipart_get_count(GMIME_MULTIPART(top));
	for (i = 0; i < n && i < AM_REPORT_UNPACK_PARTS; i++) {
		part = g_mime_multipart_get_part(GMIME_MULTIPART(top), i);
		ct = g_mime_object_get_content_type(part);
		if (ct == NULL)
			continue;
		if (g_mime_content_type_is_type(ct, "message",
		    "delivery-status") ||
		    g_mime_content_type_is_type(ct, "message",
		    "global-delivery-status")) {
			if ((ba = am_bn_content(part)) != NULL) {
				am_bn_status((const char *)ba->data, ba->len,
				    out);
				(void)g_byte_array_free(ba, TRUE);
			}
		} else if (out->report_id[0] == '\0' && i > 0 &&
		    (g_mime_content_type_is_type(ct, "text",
		    "rfc822-headers") || GMIME_IS_MESSAGE_PART(part)))
			am_bn_returned(part, out);
	}
	return 1;
}

int
am_report_bounce_parse(const void *p, size_t n,
    struct am_report_bounce *out)
{
	GMimeStream	*s;
	GMimeParser	*ps;
	GMimeMessage	*m;
	int		 rc;

	memset(out, 0, sizeof(*out));
	s = g_mime_stream_mem_new_with_buffer(p, n);
	ps = g_mime_parser_new_with_stream(s);
	g_object_unref(s);
	m = g_mime_parser_construct_message(ps, NULL);
	g_object_unref(ps);
	if (m == NULL)
		return 0;
	rc = am_report_bounce_of(m, out);
	g_object_unref(m);
	return rc;
}

/* ------------------------------------------------------------ apply */

struct am_bn_dests {
	const struct am_report_bounce	*b;
	char				 first[320], match[320];
	unsigned			 n;
};

static int
am_bn_dest(void *ctx, const char *d)
{
	struct am_bn_dests	*q = ctx;

	if (q->n++ == 0)
		am_report_strlcpy(q->first, d, sizeof(q->first));
	if (q->match[0] == '\0' && ((q->b->recipient[0] != '\0' &&
	    strcasecmp(d, q->b->recipient) == 0) ||
	    (q->b->original[0] != '\0' &&
	    strcasecmp(d, q->b->original) == 0)))
		am_report_strlcpy(q->match, d, sizeof(q->match));
	return 0;
}

int
am_report_bounce_apply(struct am_report_store *st,
    const struct am_report_bounce *b, int64_t now, unsigned days,
    char *line, size_t size, struct am_err *err)
{
	struct am_bn_dests	 q;
	char			 reason[512];
	const char		*addr;

	if (b->report_id[0] == '\0') {
		(void)snprintf(line, size, "DSN (%s %s): ignored: it names no "
		    "report of ours", b->action[0] ? b->action : "no action",
		    b->status);
		return 0;
	}
	if (!b->failed) {
		(void)snprintf(line, size, "DSN for report %s (%s %s): "
		    "ignored: not a permanent failure", b->report_id,
		    b->action[0] ? b->action : "no action", b->status);
		return 0;
	}
	memset(&q, 0, sizeof(q));
	q.b = b;
	if (am_report_store_sent_dests(st, b->report_id, am_bn_dest, &q,
	    err) != 0)
		return -1;
	addr = q.n == 1 ? q.first : q.match;
	if (q.n == 0 || addr[0] == '\0') {
		(void)snprintf(line, size, "DSN for report %s (%s): ignored: "
		    "%s", b->report_id, b->status, q.n == 0 ? "not in the "
		    "ledger of sent reports" : "it went to several "
		    "destinations and the DSN names none of them");
		return 0;
	}
	(void)snprintf(reason, sizeof(reason), "report %s bounced: %s%s%.200s",
	    b->report_id, b->status, b->diagnostic[0] ? " " : "",
	    b->diagnostic);
	am_report_sanitize(reason);
	if (am_report_store_suppress_add(st, addr, reason, now,
	    now + (int64_t)days * 86400, err) != 0)
		return -1;
	(void)snprintf(line, size, "suppressed %s (report %s bounced: %s)",
	    addr, b->report_id, b->status);
	return 0;
}
