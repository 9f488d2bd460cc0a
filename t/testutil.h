#ifndef AM_TESTUTIL_H
#define AM_TESTUTIL_H

/*
 * testutil - feed a message held in a string to a signer or verifier,
 * in chunks of a given size (header-only helpers for unit tests)
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dkim_sign.h"
#include "dkim_verify.h"
#include "msgparse.h"

static inline int
tu_sign_header(void *ctx, const char *raw, size_t len, struct am_err *err)
{
	return am_dkim_signer_header(ctx, raw, len, err);
}

static inline int
tu_noop_eoh(void *ctx, struct am_err *err)
{
	(void)ctx;
	(void)err;
	return 0;
}

static inline int
tu_sign_body(void *ctx, const char *p, size_t n, struct am_err *err)
{
	(void)err;
	am_dkim_signer_body(ctx, p, n);
	return 0;
}

static inline int
tu_verify_header(void *ctx, const char *raw, size_t len, struct am_err *err)
{
	return am_dkim_verifier_header(ctx, raw, len, err);
}

static inline int
tu_verify_eoh(void *ctx, struct am_err *err)
{
	(void)err;
	(void)am_dkim_verifier_eoh(ctx);
	return 0;
}

static inline int
tu_verify_body(void *ctx, const char *p, size_t n, struct am_err *err)
{
	(void)err;
	am_dkim_verifier_body(ctx, p, n);
	return 0;
}

/* tu_feed - run msg through a msgparse with the callbacks, step bytes at
 * a time; returns 0 or -1. */
static inline int
tu_feed(const char *msg, size_t len, size_t step,
    const struct am_msgparse_cb *cb, void *ctx)
{
	struct am_msgparse	*mp = am_msgparse_new(cb, ctx, 1 << 20);
	struct am_err		 err;
	size_t			 off, n;
	int			 r = 0;

	for (off = 0; off < len && r == 0; off += n) {
		n = len - off < step ? len - off : step;
		r = am_msgparse_feed(mp, msg + off, n, &err);
	}
	if (r == 0)
		r = am_msgparse_end(mp, &err);
	am_msgparse_free(&mp);
	return r;
}

static const struct am_msgparse_cb tu_sign_cb = {
	tu_sign_header, tu_noop_eoh, tu_sign_body
};
static const struct am_msgparse_cb tu_verify_cb = {
	tu_verify_header, tu_verify_eoh, tu_verify_body
};

/* Reads a whole file into a NUL-terminated malloc'd string. */
static inline char *
tu_slurp(const char *path, size_t *len_out)
{
	FILE	*fp = fopen(path, "rb");
	char	*p;
	long	 n;

	if (fp == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	p = malloc((size_t)n + 1);
	if (p == NULL || fread(p, 1, (size_t)n, fp) != (size_t)n) {
		fclose(fp);
		free(p);
		return NULL;
	}
	fclose(fp);
	p[n] = '\0';
	if (len_out != NULL)
		*len_out = (size_t)n;
	return p;
}

/* $top_srcdir/rel, in a static buffer. */
static inline const char *
tu_path(const char *rel)
{
	static char	 buf[4096];
	const char	*top = getenv("top_srcdir");

	snprintf(buf, sizeof(buf), "%s/%s", top ? top : ".", rel);
	return buf;
}

#endif /* AM_TESTUTIL_H */
