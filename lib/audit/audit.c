/*
 * audit - the findings list and its two renderings
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "mem.h"

#define AM_AUDIT_TEXT_MAX	4096	/* one text or fix, octets */

void
am_audit_init(struct am_audit *a)
{
	memset(a, 0, sizeof(*a));
}

static void
am_audit_finding_release(struct am_audit_finding *f)
{
	free(f->check);
	free(f->domain);
	free(f->text);
	free(f->fix);
	free(f->rfc);
}

void
am_audit_release(struct am_audit *a)
{
	size_t	 i;

	for (i = 0; i < a->n; i++)
		am_audit_finding_release(&a->f[i]);
	free(a->f);
	memset(a, 0, sizeof(*a));
}

static char *am_audit_vfmt(const char *, va_list)
    __attribute__((format(printf, 1, 0)));

static char *
am_audit_vfmt(const char *fmt, va_list ap)
{
	char	 buf[AM_AUDIT_TEXT_MAX];

	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	return am_strdup(buf);
}

static struct am_audit_finding *
am_audit_slot(struct am_audit *a)
{
	if (a->n == a->cap) {
		a->cap = a->cap == 0 ? 32 : a->cap * 2;
		a->f = am_realloc(a->f, a->cap * sizeof(*a->f));
	}
	memset(&a->f[a->n], 0, sizeof(a->f[a->n]));
	return &a->f[a->n++];
}

struct am_audit_finding *
am_audit_add(struct am_audit *a, enum am_audit_severity sev,
    const char *check, const char *domain, const char *rfc,
    const char *fmt, ...)
{
	struct am_audit_finding	*f = am_audit_slot(a);
	va_list			 ap;

	f->severity = sev;
	f->check = am_strdup(check);
	f->domain = am_strdup(domain != NULL ? domain : "");
	f->rfc = rfc != NULL ? am_strdup(rfc) : NULL;
	va_start(ap, fmt);
	f->text = am_audit_vfmt(fmt, ap);
	va_end(ap);
	return f;
}

void
am_audit_fix(struct am_audit_finding *f, const char *fmt, ...)
{
	va_list	 ap;

	free(f->fix);
	va_start(ap, fmt);
	f->fix = am_audit_vfmt(fmt, ap);
	va_end(ap);
}

void
am_audit_move(struct am_audit *dst, struct am_audit *src)
{
	size_t	 i;

	for (i = 0; i < src->n; i++)
		*am_audit_slot(dst) = src->f[i];
	free(src->f);
	memset(src, 0, sizeof(*src));
}

size_t
am_audit_count(const struct am_audit *a, enum am_audit_severity sev)
{
	size_t	 i, n = 0;

	for (i = 0; i < a->n; i++)
		if (a->f[i].severity == sev)
			n++;
	return n;
}

int
am_audit_failed(const struct am_audit *a)
{
	return am_audit_count(a, AM_AUDIT_FAIL) > 0;
}

const char *
am_audit_severity_name(enum am_audit_severity s)
{
	switch (s) {
	case AM_AUDIT_PASS:
		return "PASS";
	case AM_AUDIT_WARN:
		return "WARN";
	case AM_AUDIT_FAIL:
		return "FAIL";
	}
	return "FAIL";
}

/* ---------------------------------------------------------------- render */

static void
am_audit_text_str(struct am_buf *out, const char *s)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '\\')
			(void)am_buf_appends(out, "\\\\");
		else if (*p < 0x20 || *p > 0x7e)
			(void)am_buf_printf(out, "\\x%02x", *p);
		else
			(void)am_buf_appendc(out, *p);
	}
}

void
am_audit_format_text(const struct am_audit *a, struct am_buf *out)
{
	const struct am_audit_finding	*f;
	size_t				 i;

	for (i = 0; i < a->n; i++) {
		f = &a->f[i];
		(void)am_buf_printf(out, "%s %s ",
		    am_audit_severity_name(f->severity), f->check);
		am_audit_text_str(out, f->domain);
		(void)am_buf_appends(out, ": ");
		am_audit_text_str(out, f->text);
		if (f->fix != NULL) {
			(void)am_buf_appends(out, " -- fix: ");
			am_audit_text_str(out, f->fix);
		}
		(void)am_buf_appendc(out, '\n');
	}
}

static void
am_audit_json_str(struct am_buf *out, const char *s)
{
	const unsigned char	*p;

	if (s == NULL) {
		(void)am_buf_appends(out, "null");
		return;
	}
	(void)am_buf_appendc(out, '"');
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			(void)am_buf_printf(out, "\\%c", *p);
		else if (*p < 0x20 || *p > 0x7e)
			(void)am_buf_printf(out, "\\u%04x", *p);
		else
			(void)am_buf_appendc(out, *p);
	}
	(void)am_buf_appendc(out, '"');
}

void
am_audit_format_json(const struct am_audit *a, struct am_buf *out)
{
	const struct am_audit_finding	*f;
	size_t				 i;

	(void)am_buf_appendc(out, '[');
	for (i = 0; i < a->n; i++) {
		f = &a->f[i];
		(void)am_buf_appends(out, i == 0 ? "\n  {\"check\": " :
		    ",\n  {\"check\": ");
		am_audit_json_str(out, f->check);
		(void)am_buf_appends(out, ", \"severity\": ");
		am_audit_json_str(out, am_audit_severity_name(f->severity));
		(void)am_buf_appends(out, ", \"domain\": ");
		am_audit_json_str(out, f->domain);
		(void)am_buf_appends(out, ", \"text\": ");
		am_audit_json_str(out, f->text);
		(void)am_buf_appends(out, ", \"fix\": ");
		am_audit_json_str(out, f->fix);
		(void)am_buf_appends(out, ", \"rfc\": ");
		am_audit_json_str(out, f->rfc);
		(void)am_buf_appendc(out, '}');
	}
	(void)am_buf_appends(out, a->n > 0 ? "\n]\n" : "]\n");
}
