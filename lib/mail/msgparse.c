/*
 * msgparse - split a raw message stream into header fields and body
 *
 * A state machine over lines of the header block.  What counts as a
 * field line is decided the way Postfix's is_header() does: a name of
 * 1*ftext, optional WSP, then a colon (the syntax am_hdr_split()
 * accepts, so every field delivered here splits).  A line that fails
 * that test as soon as a byte shows it (an mbox "From " line, a line
 * without a colon, a line that starts with WSP before any field) ends
 * the header block; it and everything after it is body, unchanged.
 *
 * Line ends are CR LF or bare LF; a bare CR is an ordinary byte (the
 * same decision as canon.h).  A field is delivered when the first
 * byte of the next line shows it is not continued, and without its
 * final line end.  Folding line ends are kept as they came.
 *
 * Callbacks may be NULL.  After a failure (a callback returned -1, or
 * a field was too long) every later call fails.
 */

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "mem.h"
#include "msgparse.h"

enum am_mp_state {
	AM_MP_LINE_START,	/* at the first byte of a header line */
	AM_MP_LINE_CR,		/* a header line began with CR */
	AM_MP_NAME,		/* in the field name */
	AM_MP_NAME_WSP,		/* WSP after the name, before the colon */
	AM_MP_VALUE,		/* after the colon, up to the line end */
	AM_MP_BODY,		/* header block over, passing bytes through */
	AM_MP_FAILED
};

struct am_msgparse {
	struct am_msgparse_cb	 cb;
	void			*ctx;
	enum am_mp_state	 state;
	struct am_buf		 cur;		/* the field being read */
	size_t			 eol;		/* its last line end: 1 or 2 */
	int			 cr;		/* VALUE: CR held back */
	int			 have_field;	/* cur holds a whole line */
	int			 eoh_done;
	int			 ended;
};

struct am_msgparse *
am_msgparse_new(const struct am_msgparse_cb *cb, void *ctx, size_t max_field)
{
	struct am_msgparse	*mp = am_calloc(1, sizeof(*mp));

	mp->cb = *cb;
	mp->ctx = ctx;
	mp->state = AM_MP_LINE_START;
	am_buf_init(&mp->cur, max_field);
	return mp;
}

void
am_msgparse_free(struct am_msgparse **mpp)
{
	if (*mpp == NULL)
		return;
	am_buf_release(&(*mpp)->cur);
	free(*mpp);
	*mpp = NULL;
}

static int
mp_is_ftext(unsigned char ch)
{
	return ch >= 33 && ch <= 126 && ch != ':';
}

static int
mp_is_wsp(unsigned char ch)
{
	return ch == ' ' || ch == '\t';
}

static int
mp_fail(struct am_msgparse *mp)
{
	mp->state = AM_MP_FAILED;
	return -1;
}

static int
mp_append(struct am_msgparse *mp, const void *p, size_t n, struct am_err *err)
{
	if (am_buf_append(&mp->cur, p, n) == -1) {
		(void)am_err_set(err, AM_E_LIMIT,
		    "header field longer than %zu bytes", mp->cur.max);
		return mp_fail(mp);
	}
	return 0;
}

/* mp_field - deliver the complete field in cur, if any */

static int
mp_field(struct am_msgparse *mp, struct am_err *err)
{
	if (!mp->have_field)
		return 0;
	mp->have_field = 0;
	if (mp->cb.header != NULL &&
	    mp->cb.header(mp->ctx, (const char *)am_buf_str(&mp->cur),
	    mp->cur.len, err) == -1)
		return mp_fail(mp);
	am_buf_reset(&mp->cur);
	return 0;
}

static int
mp_body(struct am_msgparse *mp, const void *p, size_t n, struct am_err *err)
{
	if (n == 0 || mp->cb.body == NULL)
		return 0;
	if (mp->cb.body(mp->ctx, p, n, err) == -1)
		return mp_fail(mp);
	return 0;
}

/* mp_eoh - end of the header block; pre[0..n) are the first body bytes */

static int
mp_eoh(struct am_msgparse *mp, const void *pre, size_t n, struct am_err *err)
{
	mp->state = AM_MP_BODY;
	mp->eoh_done = 1;
	if (mp->cb.eoh != NULL && mp->cb.eoh(mp->ctx, err) == -1)
		return mp_fail(mp);
	return mp_body(mp, pre, n, err);
}

/* mp_line_start - first byte of a header line; consumes it or not */

static int
mp_line_start(struct am_msgparse *mp, const char **pp, struct am_err *err)
{
	unsigned char	 ch = (unsigned char)**pp;

	if (mp_is_wsp(ch)) {
		if (!mp->have_field)		/* nothing to continue */
			return mp_eoh(mp, NULL, 0, err);
		mp->have_field = 0;
		mp->state = AM_MP_VALUE;	/* VALUE takes the WSP */
		return mp_append(mp, mp->eol == 2 ? "\r\n" : "\n", mp->eol,
		    err);
	}
	if (mp_field(mp, err) == -1)
		return -1;
	if (ch == '\n') {			/* empty line */
		(*pp)++;
		return mp_eoh(mp, NULL, 0, err);
	}
	if (ch == '\r') {
		(*pp)++;
		mp->state = AM_MP_LINE_CR;
		return 0;
	}
	if (!mp_is_ftext(ch))
		return mp_eoh(mp, NULL, 0, err);
	mp->state = AM_MP_NAME;
	return 0;
}

/* mp_name - the name, WSP and colon of a field line */

static int
mp_name(struct am_msgparse *mp, const char **pp, const char *end,
    struct am_err *err)
{
	const char	*p = *pp, *q = p;

	if (mp->state == AM_MP_NAME)
		while (q < end && mp_is_ftext((unsigned char)*q))
			q++;
	else
		while (q < end && mp_is_wsp((unsigned char)*q))
			q++;
	if (mp_append(mp, p, (size_t)(q - p), err) == -1)
		return -1;
	*pp = q;
	if (q == end)
		return 0;
	if (*q == ':') {
		(*pp)++;
		mp->state = AM_MP_VALUE;
		return mp_append(mp, ":", 1, err);
	}
	if (mp->state == AM_MP_NAME && mp_is_wsp((unsigned char)*q)) {
		mp->state = AM_MP_NAME_WSP;
		return 0;
	}
	/* Not a field after all: the line so far is the start of the body. */
	return mp_eoh(mp, mp->cur.data, mp->cur.len, err);
}

/* mp_line_end - a field line ended; its continuation may follow */

static int
mp_line_end(struct am_msgparse *mp, size_t eol)
{
	mp->eol = eol;
	mp->have_field = 1;
	mp->state = AM_MP_LINE_START;
	return 0;
}

/*
 * mp_value - the rest of a field line, up to and including its end.
 * A CR at the end of a chunk is held back, so the final CR of a line
 * is never in cur and the length limit does not depend on chunking.
 */

static int
mp_value(struct am_msgparse *mp, const char **pp, const char *end,
    struct am_err *err)
{
	const char	*p = *pp, *lf, *stop;
	size_t		 eol = 1;

	if (mp->cr) {
		mp->cr = 0;
		if (*p == '\n') {
			*pp = p + 1;
			return mp_line_end(mp, 2);
		}
		if (mp_append(mp, "\r", 1, err) == -1)	/* bare CR */
			return -1;
	}
	lf = memchr(p, '\n', (size_t)(end - p));
	stop = lf != NULL ? lf : end;
	if (stop > p && stop[-1] == '\r') {
		stop--;
		if (lf != NULL)
			eol = 2;
		else
			mp->cr = 1;
	}
	if (mp_append(mp, p, (size_t)(stop - p), err) == -1)
		return -1;
	if (lf == NULL) {
		*pp = end;
		return 0;
	}
	*pp = lf + 1;
	return mp_line_end(mp, eol);
}

static int
mp_check(struct am_msgparse *mp, struct am_err *err)
{
	if (mp->state == AM_MP_FAILED)
		return am_err_set(err, AM_E_USAGE,
		    "message parser failed earlier");
	if (mp->ended)
		return am_err_set(err, AM_E_USAGE,
		    "message parser fed after its end");
	return 0;
}

int
am_msgparse_feed(struct am_msgparse *mp, const char *p, size_t n,
    struct am_err *err)
{
	const char	*end;
	int		 r = 0;

	if (mp_check(mp, err) == -1)
		return -1;
	if (n == 0)			/* p may be NULL */
		return 0;
	end = p + n;
	while (p < end && r == 0) {
		switch (mp->state) {
		case AM_MP_LINE_START:
			r = mp_line_start(mp, &p, err);
			break;
		case AM_MP_LINE_CR:
			if (*p == '\n') {
				p++;
				r = mp_eoh(mp, NULL, 0, err);
			} else
				r = mp_eoh(mp, "\r", 1, err);
			break;
		case AM_MP_NAME:
		case AM_MP_NAME_WSP:
			r = mp_name(mp, &p, end, err);
			break;
		case AM_MP_VALUE:
			r = mp_value(mp, &p, end, err);
			break;
		case AM_MP_BODY:
			r = mp_body(mp, p, (size_t)(end - p), err);
			p = end;
			break;
		case AM_MP_FAILED:
			return -1;
		}
	}
	return r;
}

int
am_msgparse_end(struct am_msgparse *mp, struct am_err *err)
{
	if (mp_check(mp, err) == -1)
		return -1;
	mp->ended = 1;
	switch (mp->state) {
	case AM_MP_LINE_START:
		if (mp_field(mp, err) == -1)
			return -1;
		break;
	case AM_MP_LINE_CR:			/* a last line of just CR */
		return mp_eoh(mp, "\r", 1, err);
	case AM_MP_NAME:
	case AM_MP_NAME_WSP:			/* a last line with no colon */
		return mp_eoh(mp, mp->cur.data, mp->cur.len, err);
	case AM_MP_VALUE:
		if (mp->cr && mp_append(mp, "\r", 1, err) == -1)
			return -1;		/* a bare CR at the very end */
		mp->have_field = 1;
		if (mp_field(mp, err) == -1)
			return -1;
		break;
	case AM_MP_BODY:
	case AM_MP_FAILED:
		break;
	}
	if (!mp->eoh_done)
		return mp_eoh(mp, NULL, 0, err);
	return 0;
}
