/*
 * report_record - the stored form of one DMARC evaluation
 */

#include <stdio.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "report_record.h"

void
am_report_strlcpy(char *dst, const char *src, size_t size)
{
	size_t	 n;

	if (size == 0)
		return;
	/* not snprintf: this runs a dozen times a message on the milter
	 * thread (the converter), and snprintf costs ten times as much */
	for (n = 0; src != NULL && n + 1 < size && src[n] != '\0'; n++)
		dst[n] = src[n];
	dst[n] = '\0';
}

void
am_report_sanitize(char *s)
{
	size_t		 n = strlen(s), i = 0, k, len;
	unsigned char	 c;

	while (i < n) {
		c = (unsigned char)s[i];
		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				s[i] = '?';
			i++;
			continue;
		}
		len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 :
		    c >= 0xf0 && c <= 0xf4 ? 4 : 0;
		for (k = 1; len != 0 && k < len; k++)
			if (i + k >= n || ((unsigned char)s[i + k] & 0xc0) != 0x80)
				len = 0;
		if (len == 0) {
			s[i++] = '?';
			continue;
		}
		i += len;
	}
}

static const char *
am_report_align_word(enum am_dmarc_alignment a)
{
	switch (a) {
	case AM_DMARC_AL_STRICT:	return "strict";
	case AM_DMARC_AL_RELAXED:	return "relaxed";
	case AM_DMARC_AL_NO:		return "no";
	case AM_DMARC_AL_UNKNOWN:	return "unknown";
	default:			return "skipped";
	}
}

/* 0 strict pass, 1 relaxed pass, 2 other pass, 3 the rest (RFC 9990 3.3) */
static int
am_report_dkim_class(const struct am_report_dkim *d)
{
	if (strcmp(d->result, "pass") != 0)
		return 3;
	if (strcmp(d->align, "strict") == 0)
		return 0;
	if (strcmp(d->align, "relaxed") == 0)
		return 1;
	return 2;
}

void
am_report_record_sort_dkim(struct am_report_record *r)
{
	struct am_report_dkim	 tmp;
	size_t			 i, j;

	/* insertion sort: stable, n <= 32 */
	for (i = 1; i < r->ndkim; i++) {
		tmp = r->dkim[i];
		for (j = i; j > 0 && am_report_dkim_class(&r->dkim[j - 1]) >
		    am_report_dkim_class(&tmp); j--)
			r->dkim[j] = r->dkim[j - 1];
		r->dkim[j] = tmp;
	}
}

static void
am_report_policy_fill(struct am_report_policy *pol,
    const struct am_dmarc_report *rep)
{
	const struct am_dmarc_rec	*rec = &rep->rec;
	char				 fo[12] = "";

	am_report_strlcpy(pol->p, rec->p_state == AM_DMARC_TAG_OK ?
	    am_dmarc_policy_name(rec->p) : "none", sizeof(pol->p));
	if (rec->sp_state == AM_DMARC_TAG_OK)
		am_report_strlcpy(pol->sp, am_dmarc_policy_name(rec->sp),
		    sizeof(pol->sp));
	if (rec->np_state == AM_DMARC_TAG_OK)
		am_report_strlcpy(pol->np, am_dmarc_policy_name(rec->np),
		    sizeof(pol->np));
	pol->adkim[0] = rec->adkim == AM_DMARC_ALIGN_STRICT ? 's' : 'r';
	pol->aspf[0] = rec->aspf == AM_DMARC_ALIGN_STRICT ? 's' : 'r';
	if (rec->fo_state == AM_DMARC_TAG_OK) {
		if (rec->fo & AM_DMARC_FO_0)
			(void)strcat(fo, ":0");
		if (rec->fo & AM_DMARC_FO_1)
			(void)strcat(fo, ":1");
		if (rec->fo & AM_DMARC_FO_D)
			(void)strcat(fo, ":d");
		if (rec->fo & AM_DMARC_FO_S)
			(void)strcat(fo, ":s");
		am_report_strlcpy(pol->fo, fo[0] ? fo + 1 : "0",
		    sizeof(pol->fo));
	}
	pol->t[0] = rec->t ? 'y' : 'n';
	pol->psd[0] = rec->psd == AM_DMARC_PSD_Y ? 'y' :
	    rec->psd == AM_DMARC_PSD_N ? 'n' : 'u';
	am_report_strlcpy(pol->discovery, rep->method == AM_DMARC_MODE_PSL ?
	    "psl" : "treewalk", sizeof(pol->discovery));
	am_report_strlcpy(pol->rua, rec->rua, sizeof(pol->rua));
}

size_t
am_report_record_size(const struct am_report_record *r)
{
	return offsetof(struct am_report_record, dkim) + (r->ndkim <
	    AM_REPORT_DKIM_MAX ? r->ndkim : AM_REPORT_DKIM_MAX) *
	    sizeof(r->dkim[0]);
}

int
am_report_record_from_dmarc(struct am_report_record *r,
    const struct am_dmarc_report *rep)
{
	const struct am_dmarc_report_auth	*a;
	struct am_report_dkim			*d;
	size_t					 i;

	memset(r, 0, offsetof(struct am_report_record, dkim));
	r->time = rep->time != 0 ? rep->time : (int64_t)time(NULL);
	r->count = 1;
	am_report_strlcpy(r->policy_domain, rep->policy_domain,
	    sizeof(r->policy_domain));
	am_report_strlcpy(r->header_from, rep->header_from,
	    sizeof(r->header_from));
	am_report_strlcpy(r->envelope_from, rep->envelope_from,
	    sizeof(r->envelope_from));
	am_report_strlcpy(r->envelope_to, rep->envelope_to,
	    sizeof(r->envelope_to));
	am_report_strlcpy(r->source_ip, rep->source_ip, sizeof(r->source_ip));
	am_report_strlcpy(r->verdict, am_dmarc_verdict_name(rep->verdict),
	    sizeof(r->verdict));
	am_report_strlcpy(r->dkim_eval, rep->dkim_aligned ? "pass" : "fail",
	    sizeof(r->dkim_eval));
	am_report_strlcpy(r->spf_eval, rep->spf_aligned ? "pass" : "fail",
	    sizeof(r->spf_eval));
	am_report_strlcpy(r->disposition,
	    am_dmarc_disposition_name(rep->disposition),
	    sizeof(r->disposition));
	if (rep->override != AM_DMARC_OVR_NONE)
		am_report_strlcpy(r->override,
		    am_dmarc_override_name(rep->override),
		    sizeof(r->override));
	am_report_strlcpy(r->override_comment, rep->override_comment,
	    sizeof(r->override_comment));
	if (strcmp(rep->kind, "report") == 0 ||
	    strcmp(rep->kind, "tlsrpt") == 0 || strcmp(rep->kind, "dsn") == 0)
		am_report_strlcpy(r->kind, rep->kind, sizeof(r->kind));
	for (i = 0; i < rep->nauth; i++) {
		a = &rep->auth[i];
		if (!a->is_dkim) {
			if (r->spf_domain[0] != '\0' || r->spf_result[0] != '\0')
				continue;	/* at most one: scope mfrom */
			am_report_strlcpy(r->spf_domain, a->domain,
			    sizeof(r->spf_domain));
			am_report_strlcpy(r->spf_result, a->result,
			    sizeof(r->spf_result));
			continue;
		}
		if (r->ndkim == AM_REPORT_DKIM_MAX)
			continue;
		d = &r->dkim[r->ndkim++];
		memset(d, 0, sizeof(*d));
		am_report_strlcpy(d->domain, a->domain, sizeof(d->domain));
		am_report_strlcpy(d->selector, a->selector,
		    sizeof(d->selector));
		am_report_strlcpy(d->result, a->result, sizeof(d->result));
		am_report_strlcpy(d->align, am_report_align_word(a->align),
		    sizeof(d->align));
	}
	am_report_record_sort_dkim(r);
	am_report_sanitize(r->policy_domain);
	am_report_sanitize(r->header_from);
	am_report_sanitize(r->envelope_from);
	am_report_sanitize(r->envelope_to);
	am_report_sanitize(r->source_ip);
	am_report_sanitize(r->override_comment);
	am_report_sanitize(r->spf_domain);
	am_report_sanitize(r->spf_result);
	for (i = 0; i < r->ndkim; i++) {
		am_report_sanitize(r->dkim[i].domain);
		am_report_sanitize(r->dkim[i].selector);
		am_report_sanitize(r->dkim[i].result);
	}
	if (!rep->have_policy)
		return 1;
	am_report_policy_fill(&r->pol, rep);
	am_report_sanitize(r->pol.rua);
	return 0;
}

/* ------------------------------------------------- the DKIM text column */

static int
am_report_put(char **p, char *end, const char *s, int sep)
{
	static const char	 hex[] = "0123456789ABCDEF";
	unsigned char		 c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-') {
			if (end - *p < 2)
				return -1;
			*(*p)++ = (char)c;
			continue;
		}
		if (end - *p < 4)
			return -1;
		*(*p)++ = '%';
		*(*p)++ = hex[c >> 4];
		*(*p)++ = hex[c & 15];
	}
	if (sep != 0) {
		if (end - *p < 2)
			return -1;
		*(*p)++ = (char)sep;
	}
	**p = '\0';
	return 0;
}

int
am_report_dkim_encode(const struct am_report_dkim *d, size_t n, char *out,
    size_t size)
{
	char	*p = out, *end = out + size;
	size_t	 i;

	if (size == 0)
		return -1;
	*p = '\0';
	for (i = 0; i < n; i++) {
		if ((i > 0 && am_report_put(&p, end, "", ' ') != 0) ||
		    am_report_put(&p, end, d[i].domain, '/') != 0 ||
		    am_report_put(&p, end, d[i].selector, '/') != 0 ||
		    am_report_put(&p, end, d[i].result, '/') != 0 ||
		    am_report_put(&p, end, d[i].align, 0) != 0)
			return -1;
	}
	return 0;
}

static int
am_report_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* One field up to a separator in seps (or the end); *s moves past it. */
static int
am_report_get(const char **s, char *dst, size_t size, const char *seps)
{
	size_t	 n = 0;
	int	 h, l;

	while (**s != '\0' && strchr(seps, **s) == NULL) {
		int c = (unsigned char)*(*s)++;

		if (c == '%') {
			if ((h = am_report_hexval((unsigned char)(*s)[0])) < 0 ||
			    (l = am_report_hexval((unsigned char)(*s)[1])) < 0)
				return -1;
			c = h * 16 + l;
			*s += 2;
		}
		if (n + 1 >= size || c == 0)
			return -1;
		dst[n++] = (char)c;
	}
	dst[n] = '\0';
	return 0;
}

int
am_report_dkim_decode(const char *s, struct am_report_dkim *d, size_t max,
    size_t *n)
{
	struct am_report_dkim	*e;

	*n = 0;
	while (*s != '\0') {
		if (*n == max)
			return -1;
		e = &d[*n];
		memset(e, 0, sizeof(*e));
		if (am_report_get(&s, e->domain, sizeof(e->domain), "/ ") != 0 ||
		    *s++ != '/' ||
		    am_report_get(&s, e->selector, sizeof(e->selector), "/ ") != 0 ||
		    *s++ != '/' ||
		    am_report_get(&s, e->result, sizeof(e->result), "/ ") != 0 ||
		    *s++ != '/' ||
		    am_report_get(&s, e->align, sizeof(e->align), "/ ") != 0)
			return -1;
		(*n)++;
		if (*s == ' ')
			s++;
		else if (*s != '\0')
			return -1;
	}
	return 0;
}
