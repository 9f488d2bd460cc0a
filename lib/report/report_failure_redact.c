/*
 * report_failure_redact - local parts of addresses replaced by keyed
 * hashes in failure reports (report_failure.h)
 */

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "digest.h"
#include "report_failure.h"

#define AM_FR_BLOCK	64	/* SHA-256 block size */

void
am_failure_hmac(const unsigned char *key, size_t keylen, const void *p,
    size_t n, unsigned char out[32])
{
	unsigned char		 k[AM_FR_BLOCK], pad[AM_FR_BLOCK];
	unsigned char		 inner[AM_DIGEST_MAX];
	struct am_digest	*d = am_digest_new(AM_DIGEST_SHA256);
	size_t			 i;

	memset(k, 0, sizeof(k));
	if (keylen > AM_FR_BLOCK) {
		am_digest_update(d, key, keylen);
		(void)am_digest_final(d, k);
		am_digest_reset(d, AM_DIGEST_SHA256);
	} else if (keylen > 0)
		memcpy(k, key, keylen);
	for (i = 0; i < AM_FR_BLOCK; i++)
		pad[i] = k[i] ^ 0x36;
	am_digest_update(d, pad, sizeof(pad));
	am_digest_update(d, p, n);
	(void)am_digest_final(d, inner);
	am_digest_reset(d, AM_DIGEST_SHA256);
	for (i = 0; i < AM_FR_BLOCK; i++)
		pad[i] = k[i] ^ 0x5c;
	am_digest_update(d, pad, sizeof(pad));
	am_digest_update(d, inner, 32);
	(void)am_digest_final(d, out);
	am_digest_free(&d);
}

/* RFC 5322 atext, and '.' for a dot-atom. */
static int
am_fr_atext(int c)
{
	return isalnum(c) || (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~.", c)
	    != NULL) || c >= 0x80;
}

/* Does s[..q) end in a tag or property name that starts the run
 * ("i" in i=a@b, "smtp.mailfrom" in smtp.mailfrom=a@b), not in part of
 * a local part ("SRS0=h=tt=d=a@b" keeps going)? */
static int
am_fr_tag_before(const char *s, size_t start, size_t q)
{
	size_t	 k = q, dots = 0;

	while (k > start && (isalpha((unsigned char)s[k - 1]) ||
	    s[k - 1] == '.' || s[k - 1] == '-')) {
		dots += s[k - 1] == '.';
		k--;
	}
	if (k == q || dots > 1 || !isalpha((unsigned char)s[k]))
		return 0;
	return k == start || !am_fr_atext((unsigned char)s[k - 1]);
}

/* The start of the local part ending at at (exclusive), or at itself
 * when there is none: a dot-atom, or a quoted string. */
static size_t
am_fr_local_start(const char *s, size_t start, size_t at)
{
	size_t	 i = at;

	if (at >= start + 2 && s[at - 1] == '"') {
		for (i = at - 1; i > start; i--) {
			if (s[i - 1] == '\r' || s[i - 1] == '\n')
				return at;
			if (s[i - 1] == '"' && (i < start + 2 ||
			    s[i - 2] != '\\'))
				return i - 1;
		}
		return at;
	}
	while (i > start && am_fr_atext((unsigned char)s[i - 1])) {
		if (s[i - 1] == '=' && am_fr_tag_before(s, start, i - 1))
			break;
		i--;
	}
	while (i < at && s[i] == '.')	/* a dot-atom starts with atext */
		i++;
	return i;
}

static void
am_fr_token(const unsigned char *key, size_t keylen, const char *lp,
    size_t n, struct am_buf *out)
{
	unsigned char	 h[32];
	size_t		 i;

	am_failure_hmac(key, keylen, lp, n, h);
	(void)am_buf_appends(out, "redacted-");
	for (i = 0; i < 8; i++)
		(void)am_buf_printf(out, "%02x", h[i]);
}

/* One stretch of text (a field or all of it): every local@domain. */
static void
am_fr_redact_span(const char *s, size_t start, size_t end,
    const unsigned char *key, size_t keylen, struct am_buf *out)
{
	size_t	 i, done = start, ls;

	for (i = start; i < end; i++) {
		if (s[i] != '@' || i + 1 >= end ||
		    !(isalnum((unsigned char)s[i + 1]) || s[i + 1] == '['))
			continue;
		ls = am_fr_local_start(s, done, i);
		if (ls == i || (i - ls > 9 && strncmp(s + ls, "redacted-", 9)
		    == 0))
			continue;
		(void)am_buf_append(out, s + done, ls - done);
		am_fr_token(key, keylen, s + ls, i - ls, out);
		done = i;
	}
	(void)am_buf_append(out, s + done, end - done);
}

/* Fields whose "x@y" are message identifiers, not addresses. */
static int
am_fr_keep_field(const char *s, size_t n)
{
	static const char *const keep[] = { "message-id", "in-reply-to",
	    "references", "content-id", "resent-message-id", NULL };
	size_t	 i, l;

	for (i = 0; keep[i] != NULL; i++) {
		l = strlen(keep[i]);
		if (n > l && strncasecmp(s, keep[i], l) == 0 &&
		    (s[l] == ':' || s[l] == ' ' || s[l] == '\t'))
			return 1;
	}
	return 0;
}

void
am_failure_redact(const char *s, size_t n, const unsigned char *key,
    size_t keylen, int header, struct am_buf *out)
{
	size_t	 b = 0, e;

	if (!header) {
		am_fr_redact_span(s, 0, n, key, keylen, out);
		return;
	}
	/* Field by field: a field ends at a CRLF not followed by WSP. */
	while (b < n) {
		for (e = b; e < n; e++)
			if (s[e] == '\n' && (e + 1 >= n || (s[e + 1] != ' ' &&
			    s[e + 1] != '\t'))) {
				e++;
				break;
			}
		if (am_fr_keep_field(s + b, e - b))
			(void)am_buf_append(out, s + b, e - b);
		else
			am_fr_redact_span(s, b, e, key, keylen, out);
		b = e;
	}
}
