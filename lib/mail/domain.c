/*
 * domain - domain names as identities (RFC 8616, RFC 5890)
 *
 * The name is handled label by label.  An ASCII label is checked and
 * lower-cased here, without libidn2: that keeps '_' (which IDNA would
 * refuse) and keeps A-labels as they are, whatever libidn2 thinks of
 * them.  An A-label ("xn--") is only checked for a non-empty tail.  A
 * label holding non-ASCII octets must be UTF-8 and is converted with
 * libidn2 (UTS #46 non-transitional processing, which also maps case
 * and normalizes), then checked like an ASCII label.
 *
 * Decisions: a trailing dot is an empty label and is refused (DKIM's
 * domain-name has none); hyphens may stand anywhere in a label, as DNS
 * allows, since rejecting them gains nothing for an identity.
 */

#include <stdlib.h>
#include <string.h>

#include <idn2.h>

#include "buf.h"
#include "domain.h"
#include "mem.h"

#define DOMAIN_LABEL_MAX	63
#define DOMAIN_NAME_MAX		253
#define DOMAIN_UTF8_MAX		1024	/* input cap before conversion */

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
is_ldhu(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* ascii_label - append a checked, lower-cased ASCII label */

static int
ascii_label(const char *p, size_t n, struct am_buf *out, struct am_err *err)
{
	size_t	 i;

	if (n == 0)
		return am_err_set(err, AM_E_SYNTAX, "empty label in domain");
	if (n > DOMAIN_LABEL_MAX)
		return am_err_set(err, AM_E_SYNTAX, "domain label too long");
	for (i = 0; i < n; i++)
		if (!is_ldhu((unsigned char)p[i]))
			return am_err_set(err, AM_E_SYNTAX,
			    "invalid character in domain");
	if (n == 4 && (p[0] | 0x20) == 'x' && (p[1] | 0x20) == 'n' &&
	    p[2] == '-' && p[3] == '-')
		return am_err_set(err, AM_E_SYNTAX, "empty a-label");
	for (i = 0; i < n; i++)
		(void)am_buf_appendc(out, lower((unsigned char)p[i]));
	return 0;
}

/* ulabel - convert one label holding non-ASCII octets */

static int
ulabel(const char *p, size_t n, struct am_buf *out, struct am_err *err)
{
	char	*in, *al = NULL;
	int	 rc;

	if (memchr(p, '\0', n) != NULL)
		return am_err_set(err, AM_E_SYNTAX, "nul in domain");
	in = am_strndup(p, n);
	rc = idn2_to_ascii_8z(in, &al, IDN2_NONTRANSITIONAL);
	free(in);
	if (rc != IDN2_OK) {
		free(al);			/* NULL on error; be safe */
		return am_err_set(err, AM_E_SYNTAX, "invalid u-label in domain");
	}
	/* The result must be one A-label: UTS #46 maps some dots. */
	if (strncmp(al, "xn--", 4) != 0 || strchr(al, '.') != NULL)
		rc = am_err_set(err, AM_E_SYNTAX, "invalid u-label in domain");
	else
		rc = ascii_label(al, strlen(al), out, err);
	free(al);				/* allocated by libidn2 */
	return rc;
}

char *
am_domain_to_alabel(const char *s, size_t len, struct am_err *err)
{
	struct am_buf	 out;
	const char	*p = s, *end = s + len, *dot;
	size_t		 n, i;
	int		 ascii, rc = 0;

	if (len == 0 || len > DOMAIN_UTF8_MAX) {
		(void)am_err_set(err, AM_E_SYNTAX, len == 0 ? "empty domain" :
		    "domain too long");
		return NULL;
	}
	am_buf_init(&out, DOMAIN_UTF8_MAX);
	for (;;) {
		dot = memchr(p, '.', (size_t)(end - p));
		n = (size_t)((dot != NULL ? dot : end) - p);
		for (ascii = 1, i = 0; i < n; i++)
			if ((unsigned char)p[i] >= 0x80)
				ascii = 0;
		if (ascii)
			rc = ascii_label(p, n, &out, err);
		else
			rc = ulabel(p, n, &out, err);
		if (rc == -1 || dot == NULL)
			break;
		(void)am_buf_appendc(&out, '.');
		p = dot + 1;
	}
	if (rc == 0 && (out.err || out.len > DOMAIN_NAME_MAX))
		rc = am_err_set(err, AM_E_SYNTAX, "domain too long");
	if (rc == -1) {
		am_buf_release(&out);
		return NULL;
	}
	return (char *)out.data;		/* owned by the caller now */
}

int
am_domain_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return 0;
	for (; *a != '\0' && *b != '\0'; a++, b++)
		if (lower((unsigned char)*a) != lower((unsigned char)*b))
			return 0;
	return *a == *b;
}

int
am_domain_within(const char *sub, const char *dom)
{
	size_t	 sl, dl;

	if (sub == NULL || dom == NULL || *dom == '\0')
		return 0;
	sl = strlen(sub);
	dl = strlen(dom);
	if (sl == dl)
		return am_domain_eq(sub, dom);
	if (sl < dl + 1 || sub[sl - dl - 1] != '.')
		return 0;
	return am_domain_eq(sub + sl - dl, dom);
}
