/*
 * dkim_sign - make DKIM signatures (RFC 6376 section 5, RFC 8463)
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base64.h"
#include "bodyhash.h"
#include "buf.h"
#include "dkim_hdrs.h"
#include "dkim_sign.h"
#include "domain.h"
#include "hdr.h"
#include "mem.h"
#include "pkey.h"

#define AM_SIGN_LINE		76	/* fold signature lines at this */
#define AM_SIGN_FIELD_MAX	(64 * 1024)
#define AM_SIGN_HASH_MAX	(2 * 1024 * 1024)

/* RFC 6376 5.4.1, plus Sender and the MIME fields. */
const char *const am_dkim_sign_default_headers[] = {
	"from", "reply-to", "subject", "date", "to", "cc", "resent-date",
	"resent-from", "resent-to", "resent-cc", "in-reply-to", "references",
	"list-id", "list-help", "list-unsubscribe", "list-subscribe",
	"list-post", "list-owner", "list-archive", "message-id", "sender",
	"mime-version", "content-type", "content-transfer-encoding",
	"content-id", "content-description", NULL
};

const char *const am_dkim_sign_default_oversign[] = { "from", NULL };

struct am_dkim_sign_key {
	char		*domain;	/* A-labels */
	char		*selector;	/* A-labels */
	char		*identity;	/* NULL: no i= */
	EVP_PKEY	*pkey;
	struct am_buf	 field;		/* the finished DKIM-Signature */
};

struct am_dkim_signer {
	struct am_dkim_sign_opts opts;
	struct am_dkim_sign_key	 keys[AM_DKIM_SIGN_MAXKEYS];
	size_t			 nkeys;
	struct am_hdrs		*hdrs;
	struct am_bodyhash	*body;
	int			 bh_index;
	int			 done;
};

struct am_dkim_signer *
am_dkim_signer_new(const struct am_dkim_sign_opts *opts)
{
	struct am_dkim_signer	*s = am_calloc(1, sizeof(*s));

	s->opts = *opts;
	if (s->opts.sign_headers == NULL)
		s->opts.sign_headers = am_dkim_sign_default_headers;
	if (s->opts.oversign_headers == NULL)
		s->opts.oversign_headers = am_dkim_sign_default_oversign;
	if (s->opts.now == 0)
		s->opts.now = (uint64_t)time(NULL);
	s->hdrs = am_hdrs_new(opts->max_headers ? opts->max_headers : 1000,
	    opts->max_header_bytes ? opts->max_header_bytes : 1024 * 1024);
	s->body = am_bodyhash_new();
	s->bh_index = am_bodyhash_add(s->body, s->opts.bcanon,
	    AM_DIGEST_SHA256, 0, 0);
	return s;
}

int
am_dkim_signer_add_key(struct am_dkim_signer *s, const char *domain,
    const char *selector, const char *identity, EVP_PKEY *pkey,
    struct am_err *err)
{
	struct am_dkim_sign_key	*k;
	char			*d, *sel;

	if (s->nkeys == AM_DKIM_SIGN_MAXKEYS)
		return am_err_set(err, AM_E_LIMIT, "at most %d signatures",
		    AM_DKIM_SIGN_MAXKEYS);
	if ((d = am_domain_to_alabel(domain, strlen(domain), err)) == NULL)
		return -1;
	if ((sel = am_domain_to_alabel(selector, strlen(selector),
	    err)) == NULL) {
		free(d);
		return -1;
	}
	k = &s->keys[s->nkeys++];
	k->domain = d;
	k->selector = sel;
	k->identity = identity != NULL ? am_strdup(identity) : NULL;
	EVP_PKEY_up_ref(pkey);
	k->pkey = pkey;
	am_buf_init(&k->field, AM_SIGN_FIELD_MAX);
	return 0;
}

int
am_dkim_signer_header(struct am_dkim_signer *s, const char *raw, size_t len,
    struct am_err *err)
{
	return am_hdrs_add_raw(s->hdrs, raw, len, err);
}

void
am_dkim_signer_take_headers(struct am_dkim_signer *s, struct am_hdrs **hdrs)
{
	am_hdrs_free(&s->hdrs);
	s->hdrs = *hdrs;
	*hdrs = NULL;
}

void
am_dkim_signer_body(struct am_dkim_signer *s, const void *p, size_t n)
{
	am_bodyhash_feed(s->body, p, n);
}

static int
am_name_in(const char *const *list, const char *name)
{
	for (; list != NULL && *list != NULL; list++)
		if (strcasecmp(*list, name) == 0)
			return 1;
	return 0;
}

/*
 * The h= list: each listed name once per occurrence, oversigned names
 * once more.  From first, whether or not the list names it.
 */

static size_t
am_dkim_sign_names(const struct am_dkim_signer *s, char **names, size_t max)
{
	const char *const	*l;
	size_t			 n = 0, k, c;

	for (l = s->opts.sign_headers; *l != NULL; l++) {
		if (am_name_in(s->opts.omit_headers, *l) &&
		    strcasecmp(*l, "from") != 0)
			continue;
		c = am_dkim_hdrs_count(s->hdrs, *l);
		if (am_name_in(s->opts.oversign_headers, *l))
			c++;
		for (k = 0; k < c && n < max; k++)
			names[n++] = (char *)*l;
	}
	if (!am_name_in(s->opts.sign_headers, "from") && n < max) {
		memmove(names + 1, names, n * sizeof(*names));
		names[0] = (char *)"from";
		n++;
	}
	return n;
}

/* Appends one item to a folded field: a space or a fold, then text. */

static void
am_fold_item(struct am_buf *f, size_t *col, const char *text, size_t len)
{
	if (*col + 1 + len > AM_SIGN_LINE) {
		(void)am_buf_appends(f, "\r\n\t");
		*col = 8;
	} else {
		(void)am_buf_appendc(f, ' ');
		(*col)++;
	}
	(void)am_buf_append(f, text, len);
	*col += len;
}

/* h=a:b:c; folded after colons (no fold before the first name). */

static void
am_fold_hlist(struct am_buf *f, size_t *col, char **names, size_t n)
{
	size_t	 i, len;

	for (i = 0; i < n; i++) {
		len = (i == 0 ? 2 : 0) + strlen(names[i]) + 1;
		if (i == 0) {			/* as am_fold_item() */
			if (*col + 1 + len > AM_SIGN_LINE) {
				(void)am_buf_appends(f, "\r\n\t");
				*col = 8;
			} else {
				(void)am_buf_appendc(f, ' ');
				(*col)++;
			}
			(void)am_buf_append(f, "h=", 2);
		} else if (*col + len > AM_SIGN_LINE) {
			(void)am_buf_appends(f, "\r\n\t");
			*col = 8;
		}
		(void)am_buf_appends(f, names[i]);
		(void)am_buf_appendc(f, i + 1 == n ? ';' : ':');
		*col += len;
	}
}

/* Base64 value folded across lines; no spaces inside a line. */

static void
am_fold_b64(struct am_buf *f, size_t *col, const char *b64, size_t len)
{
	size_t	 room, n;

	while (len > 0) {
		if (*col >= AM_SIGN_LINE) {
			(void)am_buf_appends(f, "\r\n\t");
			*col = 8;
		}
		room = AM_SIGN_LINE - *col;
		n = len < room ? len : room;
		(void)am_buf_append(f, b64, n);
		*col += n;
		b64 += n;
		len -= n;
	}
}

/* Everything of the field up to and including "b=". */

static void
am_dkim_sign_prefix(const struct am_dkim_signer *s,
    const struct am_dkim_sign_key *k, char **names, size_t nnames,
    const char *bh, uint64_t body_len, struct am_buf *f, size_t *col)
{
	char	 item[512];
	int	 n;

	n = snprintf(item, sizeof(item),
	    "DKIM-Signature: v=1; a=%s; c=%s/%s; d=%s;",
	    am_pkey_type(k->pkey) == AM_PKEY_ED25519 ? "ed25519-sha256" :
	    "rsa-sha256", am_canon_name(s->opts.hcanon),
	    am_canon_name(s->opts.bcanon), k->domain);
	(void)am_buf_append(f, item, (size_t)n);
	*col = (size_t)n;
	n = snprintf(item, sizeof(item), "s=%s;", k->selector);
	am_fold_item(f, col, item, (size_t)n);
	if (k->identity != NULL) {
		n = snprintf(item, sizeof(item), "i=%s;", k->identity);
		am_fold_item(f, col, item, (size_t)n);
	}
	n = snprintf(item, sizeof(item), "t=%llu;",
	    (unsigned long long)s->opts.now);
	am_fold_item(f, col, item, (size_t)n);
	if (s->opts.expire_after > 0) {
		n = snprintf(item, sizeof(item), "x=%llu;",
		    (unsigned long long)(s->opts.now + s->opts.expire_after));
		am_fold_item(f, col, item, (size_t)n);
	}
	if (s->opts.body_length) {
		n = snprintf(item, sizeof(item), "l=%llu;",
		    (unsigned long long)body_len);
		am_fold_item(f, col, item, (size_t)n);
	}
	am_fold_hlist(f, col, names, nnames);
	n = snprintf(item, sizeof(item), "bh=%s;", bh);
	am_fold_item(f, col, item, (size_t)n);
	am_fold_item(f, col, "b=", 2);
}

static int
am_dkim_sign_one(struct am_dkim_signer *s, struct am_dkim_sign_key *k,
    char **names, size_t nnames, const char *bh, uint64_t body_len,
    struct am_err *err)
{
	struct am_buf	 data, sig, b64;
	size_t		 col;
	int		 r = -1;

	am_buf_init(&data, AM_SIGN_HASH_MAX);
	am_buf_init(&sig, 1024);
	am_buf_init(&b64, 2048);
	am_dkim_sign_prefix(s, k, names, nnames, bh, body_len, &k->field, &col);
	if (k->field.err) {
		(void)am_err_set(err, AM_E_LIMIT, "signature too long");
		goto out;
	}
	if (am_dkim_hdrs_canon(s->hdrs, names, nnames, s->opts.hcanon,
	    (const char *)k->field.data, k->field.len, &data) == -1) {
		(void)am_err_set(err, AM_E_LIMIT, "signed headers too long");
		goto out;
	}
	if (am_pkey_sign(k->pkey, "SHA256", data.data, data.len, &sig,
	    err) == -1)
		goto out;
	(void)am_base64_encode(sig.data, sig.len, &b64);
	am_fold_b64(&k->field, &col, am_buf_str(&b64), b64.len);
	if (k->field.err) {
		(void)am_err_set(err, AM_E_LIMIT, "signature too long");
		goto out;
	}
	r = 0;
out:
	am_buf_release(&data);
	am_buf_release(&sig);
	am_buf_release(&b64);
	return r;
}

int
am_dkim_signer_eom(struct am_dkim_signer *s, struct am_err *err)
{
	const unsigned char	*bh;
	char			*names[512];
	struct am_buf		 bh64;
	size_t			 bhlen, nnames, i, nfrom;
	uint64_t		 total;
	int			 r = 0;

	if (s->done)
		return am_err_set(err, AM_E_USAGE, "signer already finished");
	s->done = 1;
	nfrom = am_dkim_hdrs_count(s->hdrs, "from");
	if (nfrom != 1)
		return am_err_set(err, AM_E_SYNTAX, nfrom == 0 ?
		    "message has no From field" :
		    "message has %zu From fields", nfrom);
	am_bodyhash_end(s->body);
	bh = am_bodyhash_get(s->body, s->bh_index, &bhlen, &total);
	am_buf_init(&bh64, 128);
	(void)am_base64_encode(bh, bhlen, &bh64);
	nnames = am_dkim_sign_names(s, names, sizeof(names) / sizeof(*names));
	for (i = 0; i < s->nkeys && r == 0; i++)
		r = am_dkim_sign_one(s, &s->keys[i], names, nnames,
		    am_buf_str(&bh64), total, err);
	am_buf_release(&bh64);
	return r;
}

size_t
am_dkim_signer_count(const struct am_dkim_signer *s)
{
	return s->done ? s->nkeys : 0;
}

const char *
am_dkim_signer_field(const struct am_dkim_signer *s, size_t i)
{
	return am_buf_str(&s->keys[i].field);
}

void
am_dkim_signer_free(struct am_dkim_signer **sp)
{
	struct am_dkim_signer	*s = *sp;
	size_t			 i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nkeys; i++) {
		free(s->keys[i].domain);
		free(s->keys[i].selector);
		free(s->keys[i].identity);
		EVP_PKEY_free(s->keys[i].pkey);
		am_buf_release(&s->keys[i].field);
	}
	am_hdrs_free(&s->hdrs);
	am_bodyhash_free(&s->body);
	free(s);
	*sp = NULL;
}
