/*
 * addr - the author of a message: From fields and the address in them
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "buf.h"
#include "domain.h"

/* Sets a refusal reason and status. */

static void
am_from_refuse(struct am_from *f, enum am_from_status status, const char *why)
{
	f->status = status;
	f->addr[0] = f->domain[0] = '\0';
	(void)snprintf(f->why, sizeof(f->why), "%s", why);
}

static int
am_addr_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * am_addr_uncomment - copy s to out without comments (each becomes one
 * space); quoted strings are copied whole.  Returns -1 on an
 * unbalanced comment or quote.
 */

static int
am_addr_uncomment(const char *s, size_t n, struct am_buf *out)
{
	size_t	 i, depth = 0;
	int	 quoted = 0;

	for (i = 0; i < n; i++) {
		if (depth > 0) {
			if (s[i] == '\\' && i + 1 < n)
				i++;
			else if (s[i] == '(')
				depth++;
			else if (s[i] == ')' && --depth == 0)
				(void)am_buf_appendc(out, ' ');
			continue;
		}
		if (quoted && s[i] == '\\' && i + 1 < n) {
			(void)am_buf_append(out, s + i, 2);
			i++;
			continue;
		}
		if (s[i] == '"')
			quoted = !quoted;
		else if (!quoted && s[i] == '(') {
			depth = 1;
			continue;
		}
		(void)am_buf_appendc(out, s[i]);
	}
	return depth > 0 || quoted || out->err ? -1 : 0;
}

/*
 * am_addr_scan - count the mailboxes of an uncommented value, refuse a
 * group, and find the first mailbox [*start, *end).  Returns the count
 * of non-empty mailboxes, or -1 for a group.
 */

static int
am_addr_scan(const char *s, size_t n, size_t *start, size_t *end)
{
	size_t	 i, seg = 0;
	int	 quoted = 0, angle = 0, count = 0, filled = 0;

	for (i = 0; i <= n; i++) {
		if (i < n && quoted) {
			if (s[i] == '\\' && i + 1 < n)
				i++;
			else if (s[i] == '"')
				quoted = 0;
			continue;
		}
		if (i == n || (s[i] == ',' && angle == 0)) {
			if (filled && count++ == 0) {
				*start = seg;
				*end = i;
			}
			seg = i + 1;
			filled = 0;
			continue;
		}
		if (s[i] == '"')
			quoted = 1;
		else if (s[i] == '<')
			angle = 1;
		else if (s[i] == '>')
			angle = 0;
		else if ((s[i] == ':' || s[i] == ';') && angle == 0)
			return -1;
		if (!am_addr_wsp(s[i]))
			filled = 1;
	}
	return count;
}

/* Narrows [*p, *p + *n) to the addr-spec inside <...>, if any. */

static int
am_addr_angle(const char **p, size_t *n)
{
	const char	*s = *p, *lt = NULL, *gt;
	size_t		 i;
	int		 quoted = 0;

	for (i = 0; i < *n && lt == NULL; i++) {
		if (s[i] == '"')
			quoted = !quoted;
		else if (quoted && s[i] == '\\')
			i++;
		else if (!quoted && s[i] == '<')
			lt = s + i;
	}
	if (lt == NULL)
		return 0;
	if ((gt = memchr(lt, '>', (size_t)(s + *n - lt))) == NULL)
		return -1;
	for (i = (size_t)(gt - s) + 1; i < *n; i++)
		if (!am_addr_wsp(s[i]))
			return -1;
	*p = lt + 1;
	*n = (size_t)(gt - lt - 1);
	/* Obsolete route "@a,@b:" (RFC 5322 4.4) */
	if (*n > 0 && **p == '@') {
		const char *colon = memchr(*p, ':', *n);

		if (colon == NULL)
			return -1;
		*n -= (size_t)(colon + 1 - *p);
		*p = colon + 1;
	}
	return 0;
}

/* Copies s without WSP outside quotes; returns the offset of the last
 * '@' outside quotes in out, or -1. */

static long
am_addr_squeeze(const char *s, size_t n, struct am_buf *out)
{
	size_t	 i;
	long	 at = -1;
	int	 quoted = 0;

	for (i = 0; i < n; i++) {
		if (!quoted && am_addr_wsp(s[i]))
			continue;
		if (s[i] == '"')
			quoted = !quoted;
		else if (quoted && s[i] == '\\' && i + 1 < n)
			(void)am_buf_appendc(out, s[i++]);
		else if (!quoted && s[i] == '@')
			at = (long)out->len;
		(void)am_buf_appendc(out, s[i]);
	}
	return out->err ? -1 : at;
}

/* Splits an addr-spec into local part and domain and stores both. */

static void
am_addr_spec(const char *s, size_t n, struct am_from *f)
{
	struct am_buf	 b;
	const char	*dom;
	char		*alabel;
	long		 at;

	am_buf_init(&b, AM_ADDR_MAXVALUE);
	at = am_addr_squeeze(s, n, &b);
	if (at <= 0 || (size_t)at + 1 >= b.len) {
		am_from_refuse(f, AM_FROM_BAD, "From address has no domain");
		goto out;
	}
	dom = (const char *)b.data + at + 1;
	if (*dom == '[') {
		am_from_refuse(f, AM_FROM_BAD, "From domain is a literal");
		goto out;
	}
	if ((alabel = am_domain_to_alabel(dom, strlen(dom), NULL)) == NULL) {
		am_from_refuse(f, AM_FROM_BAD, "From domain is not valid");
		goto out;
	}
	if (snprintf(f->domain, sizeof(f->domain), "%s", alabel) >=
	    (int)sizeof(f->domain) || snprintf(f->addr, sizeof(f->addr),
	    "%.*s@%s", (int)at, (const char *)b.data, alabel) >=
	    (int)sizeof(f->addr))
		am_from_refuse(f, AM_FROM_BAD, "From address is too long");
	else
		f->status = AM_FROM_OK;
	free(alabel);
out:
	am_buf_release(&b);
}

void
am_from_parse(const char *value, size_t len, struct am_from *f)
{
	struct am_buf	 unfolded, clean;
	const char	*p;
	size_t		 start = 0, end = 0, n;
	int		 count;

	f->why[0] = '\0';
	am_buf_init(&unfolded, AM_ADDR_MAXVALUE);
	am_buf_init(&clean, AM_ADDR_MAXVALUE);
	if (am_hdr_unfold(value, len, &unfolded) == -1 || unfolded.err) {
		am_from_refuse(f, AM_FROM_BAD, "From field is too long");
		goto out;
	}
	if (am_addr_uncomment(am_buf_str(&unfolded), unfolded.len,
	    &clean) == -1) {
		am_from_refuse(f, AM_FROM_BAD,
		    "From field has an unbalanced comment or quote");
		goto out;
	}
	count = am_addr_scan(am_buf_str(&clean), clean.len, &start, &end);
	if (count < 0)
		am_from_refuse(f, AM_FROM_BAD, "From field holds a group");
	else if (count == 0)
		am_from_refuse(f, AM_FROM_BAD, "From field has no address");
	else if (count > 1)
		am_from_refuse(f, AM_FROM_SEVERAL_ADDRS,
		    "From field has several addresses");
	else {
		p = am_buf_str(&clean) + start;
		n = end - start;
		if (am_addr_angle(&p, &n) == -1)
			am_from_refuse(f, AM_FROM_BAD,
			    "From address has a malformed <...>");
		else
			am_addr_spec(p, n, f);
	}
out:
	am_buf_release(&unfolded);
	am_buf_release(&clean);
}

void
am_from_analyse(const struct am_hdrs *hdrs, struct am_from *f)
{
	const struct am_hdr	*h, *from = NULL;
	size_t			 i, n = am_hdrs_count(hdrs);

	memset(f, 0, sizeof(*f));
	for (i = 0; i < n; i++) {
		h = am_hdrs_get(hdrs, i);
		if (am_hdr_name_is(h->name, h->name_len, "from")) {
			f->nfields++;
			if (from == NULL)
				from = h;
		}
	}
	if (f->nfields == 0)
		am_from_refuse(f, AM_FROM_NONE, "message has no From field");
	else if (f->nfields > 1) {
		am_from_refuse(f, AM_FROM_SEVERAL_FIELDS, "");
		(void)snprintf(f->why, sizeof(f->why),
		    "message has %zu From fields", f->nfields);
	} else
		am_from_parse(from->value, from->value_len, f);
}
