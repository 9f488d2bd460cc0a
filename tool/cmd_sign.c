/*
 * cmd_sign - authmilter-tool sign
 *
 *	authmilter-tool sign -d DOMAIN -s SELECTOR -k KEYFILE
 *	    [-d ... -s ... -k ...] [-c HEADER/BODY] [-T UNIXTIME]
 *	    [-x SECONDS] [-l] [-i IDENTITY] [-h HDR:HDR...]
 *	    [--oversign HDR,...] [--no-oversign] [FILE]
 */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autoconfig.h"
#include "dkim_sign.h"
#include "mem.h"
#include "pkey.h"
#include "tool.h"

#define AM_SIGN_MAXLIST	64

struct am_sign_args {
	const char		*domain[AM_DKIM_SIGN_MAXKEYS];
	const char		*selector[AM_DKIM_SIGN_MAXKEYS];
	const char		*keyfile[AM_DKIM_SIGN_MAXKEYS];
	const char		*identity[AM_DKIM_SIGN_MAXKEYS];
	size_t			 nd, ns, nk, ni;
	struct am_dkim_sign_opts opts;
	char			*sign_list[AM_SIGN_MAXLIST + 1];
	char			*over_list[AM_SIGN_MAXLIST + 1];
	const char		*file;
};

static int
am_sign_usage(void)
{
	fprintf(stderr, "usage: authmilter-tool sign -d DOMAIN -s SELECTOR "
	    "-k KEYFILE [-d -s -k ...]\n"
	    "\t[-c HEADER/BODY] [-T UNIXTIME] [-x SECONDS] [-l] "
	    "[-i IDENTITY]\n"
	    "\t[-h HDR:HDR...] [--oversign HDR,...] [--no-oversign] "
	    "[FILE]\n");
	return AM_TOOL_EXIT_USAGE;
}

/* Splits s at any of seps into list (NULL-terminated); s is modified. */

static int
am_split_list(char *s, const char *seps, char **list)
{
	size_t	 n = 0;
	char	*tok, *save = NULL;

	for (tok = strtok_r(s, seps, &save); tok != NULL;
	    tok = strtok_r(NULL, seps, &save)) {
		if (n == AM_SIGN_MAXLIST)
			return -1;
		list[n++] = tok;
	}
	list[n] = NULL;
	return 0;
}

static int
am_sign_canon(const char *arg, struct am_dkim_sign_opts *o)
{
	const char	*slash = strchr(arg, '/');
	size_t		 hlen = slash ? (size_t)(slash - arg) : strlen(arg);

	if (am_canon_parse(arg, hlen, &o->hcanon) == -1)
		return -1;
	if (slash == NULL) {
		o->bcanon = AM_CANON_SIMPLE;
		return 0;
	}
	return am_canon_parse(slash + 1, strlen(slash + 1), &o->bcanon);
}

static int
am_sign_add(const char **list, size_t *n, const char *v)
{
	if (*n == AM_DKIM_SIGN_MAXKEYS) {
		am_tool_errx("at most %d signatures", AM_DKIM_SIGN_MAXKEYS);
		return -1;
	}
	list[(*n)++] = v;
	return 0;
}

static int
am_sign_opt(int c, char *arg, struct am_sign_args *a)
{
	unsigned long long	 v;

	switch (c) {
	case 'd':
		return am_sign_add(a->domain, &a->nd, arg);
	case 's':
		return am_sign_add(a->selector, &a->ns, arg);
	case 'k':
		return am_sign_add(a->keyfile, &a->nk, arg);
	case 'i':
		return am_sign_add(a->identity, &a->ni, arg);
	case 'c':
		if (am_sign_canon(arg, &a->opts) == -1) {
			am_tool_errx("-c: expected simple or relaxed, "
			    "HEADER/BODY");
			return -1;
		}
		return 0;
	case 'T':
	case 'x':
		if (am_tool_parse_u64(arg, &v) == -1 || v == 0) {
			am_tool_errx("-%c: expected a positive number", c);
			return -1;
		}
		if (c == 'T')
			a->opts.now = v;
		else
			a->opts.expire_after = v;
		return 0;
	case 'l':
		a->opts.body_length = 1;
		return 0;
	case 'h':
		a->opts.sign_headers = (const char *const *)a->sign_list;
		return am_split_list(arg, ":, ", a->sign_list);
	case 'O':
		a->opts.oversign_headers = (const char *const *)a->over_list;
		return am_split_list(arg, ":, ", a->over_list);
	case 'N':
		a->over_list[0] = NULL;
		a->opts.oversign_headers = (const char *const *)a->over_list;
		return 0;
	}
	return -1;
}

static int
am_sign_parse(int argc, char **argv, struct am_sign_args *a)
{
	static const struct option longopts[] = {
		{ "oversign", required_argument, NULL, 'O' },
		{ "no-oversign", no_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 }
	};
	int	 c;

	memset(a, 0, sizeof(*a));
	a->opts.hcanon = AM_CANON_RELAXED;
	a->opts.bcanon = AM_CANON_RELAXED;
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:s:k:i:c:T:x:lh:", longopts,
	    NULL)) != -1)
		if (c == '?' || am_sign_opt(c, optarg, a) == -1)
			return -1;
	if (a->nd == 0 || a->nd != a->ns || a->nd != a->nk) {
		am_tool_errx("give -d, -s and -k once for each signature");
		return -1;
	}
	if (a->ni > a->nd) {
		am_tool_errx("more -i than signatures");
		return -1;
	}
	if (optind + 1 < argc) {
		am_tool_errx("at most one FILE");
		return -1;
	}
	a->file = optind < argc ? argv[optind] : NULL;
	return 0;
}

static int
am_sign_header_cb(void *ctx, const char *raw, size_t len, struct am_err *err)
{
	return am_dkim_signer_header(ctx, raw, len, err);
}

static int
am_sign_eoh_cb(void *ctx, struct am_err *err)
{
	return 0;
}

static int
am_sign_body_cb(void *ctx, const char *p, size_t n, struct am_err *err)
{
	am_dkim_signer_body(ctx, p, n);
	return 0;
}

static const struct am_msgparse_cb am_sign_cb = {
	am_sign_header_cb, am_sign_eoh_cb, am_sign_body_cb
};

static int
am_sign_keys(struct am_dkim_signer *s, const struct am_sign_args *a)
{
	EVP_PKEY	*pk;
	struct am_err	 err;
	size_t		 i;

	am_err_clear(&err);
	for (i = 0; i < a->nk; i++) {
		if (am_pkey_load_file(a->keyfile[i], &pk, &err) == -1) {
			am_tool_errx("%s", err.msg);
			return -1;
		}
		if (am_pkey_type(pk) == AM_PKEY_RSA && am_pkey_bits(pk) < 2048)
			am_tool_errx("warning: %s: %u-bit RSA key; use 2048 "
			    "bits or more", a->keyfile[i], am_pkey_bits(pk));
		if (am_dkim_signer_add_key(s, a->domain[i], a->selector[i],
		    i < a->ni ? a->identity[i] : NULL, pk, &err) == -1) {
			EVP_PKEY_free(pk);
			am_tool_errx("%s: %s", a->domain[i], err.msg);
			return -1;
		}
		EVP_PKEY_free(pk);
	}
	return 0;
}

int
am_cmd_sign(int argc, char **argv)
{
	struct am_sign_args	 a;
	struct am_dkim_signer	*s = NULL;
	struct am_err		 err;
	FILE			*fp = NULL;
	size_t			 i;
	int			 crlf, rc = AM_TOOL_EXIT_SOFTWARE;

	if (am_sign_parse(argc, argv, &a) == -1)
		return am_sign_usage();
	am_err_clear(&err);
	if ((fp = am_tool_open(a.file)) == NULL)
		return AM_TOOL_EXIT_INPUT;
	s = am_dkim_signer_new(&a.opts);
	if (am_sign_keys(s, &a) == -1) {
		rc = AM_TOOL_EXIT_USAGE;
		goto out;
	}
	if (am_tool_feed(fp, &am_sign_cb, s, &err) == -1 ||
	    am_dkim_signer_eom(s, &err) == -1) {
		am_tool_errx("cannot sign: %s", err.msg);
		rc = AM_TOOL_EXIT_INPUT;
		goto out;
	}
	crlf = am_tool_uses_crlf(fp);
	for (i = 0; i < am_dkim_signer_count(s); i++) {
		am_tool_put_lines(stdout, am_dkim_signer_field(s, i), crlf);
		fputs(crlf ? "\r\n" : "\n", stdout);
	}
	if (am_tool_copy(fp, stdout) == -1 || fflush(stdout) == EOF) {
		am_tool_errx("write error");
		goto out;
	}
	rc = AM_TOOL_EXIT_OK;
out:
	am_dkim_signer_free(&s);
	fclose(fp);
	return rc;
}
