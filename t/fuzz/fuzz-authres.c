/*
 * fuzz-authres - libFuzzer target for am_authres_parse()
 *
 * Checks, beyond "no crash": a failure says why; on success every view
 * lies inside the input, keywords are letters, digits and '-', the
 * counts are within their bounds, "none" has no results, and a value
 * rebuilt with the builder (lib/mail/authres.c) from the parsed results
 * parses again to the same methods, results and properties.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"
#include "err.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_view(const struct am_authres_view *v, const char *in, size_t len,
    int keyword)
{
	size_t	 i;

	if (v->p == NULL)
		return;
	if (v->p < in || v->len > len || v->p + v->len > in + len)
		abort();
	if (!keyword)
		return;
	if (v->len == 0 || v->quoted)
		abort();
	for (i = 0; i < v->len; i++)
		if (!((v->p[i] >= 'a' && v->p[i] <= 'z') ||
		    (v->p[i] >= 'A' && v->p[i] <= 'Z') ||
		    (v->p[i] >= '0' && v->p[i] <= '9') || v->p[i] == '-'))
			abort();
}

static char *
dup_view(const struct am_authres_view *v)
{
	char	*s = malloc(v->len + 1);

	if (s == NULL)
		abort();
	if (am_authres_view_copy(v, s, v->len + 1) == -1)
		abort();
	return s;
}

/* Rebuild with the builder; the result must parse to the same. */
static void
check_roundtrip(const struct am_authres_parsed *a)
{
	static struct am_authres_parsed	 b;
	struct am_authres	 r[AM_AUTHRES_PARSE_MAXRES];
	struct am_buf		 out;
	struct am_err		 err;
	char			*id, *s1, *s2, *s3;
	size_t			 i, j;
	int			 failed = 0;

	id = dup_view(&a->authserv_id);
	for (i = 0; i < a->n; i++) {
		am_authres_init(&r[i]);
		s1 = dup_view(&a->res[i].method);
		s2 = dup_view(&a->res[i].result);
		am_authres_method(&r[i], s1, s2);
		free(s1);
		free(s2);
		for (j = 0; j < a->res[i].nprops; j++) {
			/* The builder leaves out (with a comment) a name
			 * past AM_AUTHRES_KEY_MAX and a value that, written,
			 * passes AM_AUTHRES_VALUE_MAX (authres.h): then the
			 * counts cannot match, so no round trip. */
			if (a->res[i].props[j].ptype.len > AM_AUTHRES_KEY_MAX ||
			    a->res[i].props[j].property.len >
			    AM_AUTHRES_KEY_MAX ||
			    a->res[i].props[j].value.len >
			    (AM_AUTHRES_VALUE_MAX - 2) / 2)
				failed = 1;
			s1 = dup_view(&a->res[i].props[j].ptype);
			s2 = dup_view(&a->res[i].props[j].property);
			s3 = dup_view(&a->res[i].props[j].value);
			am_authres_prop(&r[i], s1, s2, s3);
			free(s1);
			free(s2);
			free(s3);
		}
		failed |= am_authres_failed(&r[i]);
	}
	am_buf_init(&out, 1 << 20);
	/* Our builder writes any authserv-id a token or quoted. */
	if (!failed && am_authres_header(id, r, a->n, &out) == 0 &&
	    strchr(id, '@') == NULL) {
		if (am_authres_parse(am_buf_str(&out), out.len, &b, &err) == -1)
			abort();
		if (b.n != a->n || (a->n == 0) != b.none)
			abort();
		for (i = 0; i < a->n; i++) {
			if (b.res[i].nprops != a->res[i].nprops)
				abort();
			s1 = dup_view(&a->res[i].result);
			if (!am_authres_view_eq(&b.res[i].result, s1))
				abort();
			free(s1);
		}
	}
	am_buf_release(&out);
	for (i = 0; i < a->n; i++)
		am_authres_release(&r[i]);
	free(id);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct am_authres_parsed	 ar;
	struct am_err			 err;
	const char			*in = (const char *)data;
	size_t				 i, j;

	am_err_clear(&err);
	if (am_authres_parse(in, size, &ar, &err) == -1) {
		if (err.msg[0] == '\0' || err.code == AM_E_NONE || ar.n != 0)
			abort();
		return 0;
	}
	if (ar.n > AM_AUTHRES_PARSE_MAXRES || (ar.none && ar.n != 0) ||
	    (!ar.none && ar.n == 0))
		abort();
	check_view(&ar.authserv_id, in, size, 0);
	if (ar.authserv_id.p == NULL)
		abort();
	for (i = 0; i < ar.n; i++) {
		check_view(&ar.res[i].method, in, size, 1);
		check_view(&ar.res[i].result, in, size, 1);
		check_view(&ar.res[i].reason, in, size, 0);
		if (ar.res[i].nprops > AM_AUTHRES_PARSE_MAXPROPS)
			abort();
		for (j = 0; j < ar.res[i].nprops; j++) {
			check_view(&ar.res[i].props[j].ptype, in, size, 1);
			check_view(&ar.res[i].props[j].property, in, size, 1);
			check_view(&ar.res[i].props[j].value, in, size, 0);
		}
	}
	check_roundtrip(&ar);
	return 0;
}
