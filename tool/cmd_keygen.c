/*
 * cmd_keygen - authmilter-tool keygen
 *
 *	authmilter-tool keygen -d DOMAIN -s SELECTOR [-a rsa|ed25519]
 *	    [-b BITS] [-D DIR] [--testing]
 *
 * Writes DIR/SELECTOR.private (PEM PKCS#8, mode 0600) and
 * DIR/SELECTOR.txt (the TXT record as a zone-file line), the names
 * opendkim-genkey uses, and prints the KeyTable and SigningTable lines
 * to add and the record.
 *
 * Decisions:
 *  - Each file is written to a fresh temporary name in DIR, opened
 *    O_CREAT|O_EXCL with its final mode (0600 for the private key, so
 *    it is never readable by others, whatever the umask), synced, and
 *    then linked to its final name.  link() fails if the name exists,
 *    so an existing key is never overwritten, even by a concurrent
 *    keygen; rename() would replace it silently.
 *  - If the second file cannot be written the first is removed again:
 *    either both files appear or neither.
 *  - Domain and selector are checked and lowered to A-labels, so the
 *    selector is a safe file name (no '/', no empty or dot label).
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "autoconfig.h"
#include "buf.h"
#include "domain.h"
#include "pkey.h"
#include "tool.h"

#define AM_KEYGEN_RSA_DEFAULT	2048
#define AM_KEYGEN_RSA_MIN	1024
#define AM_KEYGEN_RSA_MAX	4096
#define AM_KEYGEN_RSA_WEAK	2048	/* warn under this */
#define AM_KEYGEN_TXT_STRMAX	255	/* RFC 1035 character-string */
#define AM_KEYGEN_MAXREC	8192

struct am_keygen_args {
	const char	*domain_arg;
	const char	*selector_arg;
	char		*domain;	/* A-labels, lower case */
	char		*selector;
	enum am_pkey_type type;
	unsigned	 bits;		/* 0: not given */
	const char	*dir;
	int		 testing;
};

/* What keygen made: the paths (absolute) and the file contents. */
struct am_keygen_out {
	char		 dir[PATH_MAX];
	char		 priv_path[PATH_MAX];
	char		 txt_path[PATH_MAX];
	BIO		*pem;		/* the private key; secure memory */
	struct am_buf	 record;	/* the zone-file line, with LF */
};

static int
am_keygen_usage(void)
{
	fprintf(stderr, "usage: authmilter-tool keygen -d DOMAIN -s SELECTOR "
	    "[-a rsa|ed25519] [-b BITS]\n"
	    "\t[-D DIR] [--testing]\n");
	return AM_TOOL_EXIT_USAGE;
}

static int
am_keygen_opt(int c, const char *arg, struct am_keygen_args *a)
{
	unsigned long long	 v;

	switch (c) {
	case 'd':
		a->domain_arg = arg;
		return 0;
	case 's':
		a->selector_arg = arg;
		return 0;
	case 'a':
		if (strcmp(arg, "rsa") == 0)
			a->type = AM_PKEY_RSA;
		else if (strcmp(arg, "ed25519") == 0)
			a->type = AM_PKEY_ED25519;
		else {
			am_tool_errx("-a: expected rsa or ed25519");
			return -1;
		}
		return 0;
	case 'b':
		if (am_tool_parse_u64(arg, &v) == -1 ||
		    v < AM_KEYGEN_RSA_MIN || v > AM_KEYGEN_RSA_MAX) {
			am_tool_errx("-b: RSA keys have %d to %d bits",
			    AM_KEYGEN_RSA_MIN, AM_KEYGEN_RSA_MAX);
			return -1;
		}
		a->bits = (unsigned)v;
		return 0;
	case 'D':
		a->dir = arg;
		return 0;
	case 't':
		a->testing = 1;
		return 0;
	}
	return -1;
}

/* Checks one name and stores its A-label form in *out. */

static int
am_keygen_name(const char *what, const char *arg, char **out)
{
	struct am_err	 err;
	size_t		 len;

	am_err_clear(&err);
	len = strlen(arg);
	if (len > 1 && arg[len - 1] == '.')	/* allow a trailing dot */
		len--;
	if ((*out = am_domain_to_alabel(arg, len, &err)) == NULL) {
		am_tool_errx("%s '%s': %s", what, arg, err.msg);
		return -1;
	}
	return 0;
}

static int
am_keygen_parse(int argc, char **argv, struct am_keygen_args *a)
{
	static const struct option longopts[] = {
		{ "testing", no_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	int	 c;

	memset(a, 0, sizeof(*a));
	a->type = AM_PKEY_RSA;
	a->dir = ".";
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:s:a:b:D:", longopts,
	    NULL)) != -1)
		if (c == '?' || am_keygen_opt(c, optarg, a) == -1)
			return -1;
	if (optind != argc) {
		am_tool_errx("unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if (a->domain_arg == NULL || a->selector_arg == NULL) {
		am_tool_errx("-d DOMAIN and -s SELECTOR are required");
		return -1;
	}
	if (a->type == AM_PKEY_ED25519 && a->bits != 0) {
		am_tool_errx("-b applies to RSA keys only");
		return -1;
	}
	if (am_keygen_name("domain", a->domain_arg, &a->domain) == -1 ||
	    am_keygen_name("selector", a->selector_arg, &a->selector) == -1)
		return -1;
	if (a->type == AM_PKEY_RSA && a->bits == 0)
		a->bits = AM_KEYGEN_RSA_DEFAULT;
	return 0;
}

static EVP_PKEY *
am_keygen_generate(const struct am_keygen_args *a)
{
	EVP_PKEY	*pk;

	if (a->type == AM_PKEY_ED25519)
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	else
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)a->bits);
	ERR_clear_error();
	if (pk == NULL)
		am_tool_errx("key generation failed");
	return pk;
}

/*
 * The private key as unencrypted PKCS#8 PEM, in a secure-memory BIO:
 * the only copy outside the EVP_PKEY, wiped when the BIO is freed.
 */

static BIO *
am_keygen_pem(EVP_PKEY *pk)
{
	BIO	*bio;

	if ((bio = BIO_new(BIO_s_secmem())) == NULL)
		return NULL;
	if (PEM_write_bio_PKCS8PrivateKey(bio, pk, NULL, NULL, 0, NULL,
	    NULL) != 1) {
		BIO_free(bio);
		bio = NULL;
	}
	ERR_clear_error();
	return bio;
}

/*
 * am_keygen_record - the zone-file line:
 *	SEL._domainkey.DOM. IN TXT ( "v=DKIM1; k=rsa; " "p=..." ... )
 * with p= cut into character-strings of at most 255 octets.
 */

static int
am_keygen_record(const struct am_keygen_args *a, EVP_PKEY *pk,
    struct am_buf *out)
{
	struct am_buf	 p;
	struct am_err	 err;
	size_t		 off, n, room;

	am_err_clear(&err);
	am_buf_init(&p, AM_KEYGEN_MAXREC);
	if (am_buf_appends(&p, "p=") == -1 ||
	    am_pkey_public_b64(pk, &p, &err) == -1) {
		am_buf_release(&p);
		am_tool_errx("cannot encode the public key: %s", err.msg);
		return -1;
	}
	am_buf_printf(out, "%s._domainkey.%s. IN TXT ( \"v=DKIM1; k=%s; %s\"",
	    a->selector, a->domain,
	    a->type == AM_PKEY_ED25519 ? "ed25519" : "rsa",
	    a->testing ? "t=y; " : "");
	for (off = 0; off < p.len; off += n) {
		room = AM_KEYGEN_TXT_STRMAX;
		n = p.len - off < room ? p.len - off : room;
		am_buf_appends(out, " \"");
		am_buf_append(out, p.data + off, n);
		am_buf_appends(out, "\"");
	}
	am_buf_appends(out, " )\n");
	am_buf_release(&p);
	if (out->err) {
		am_tool_errx("record too long");
		return -1;
	}
	return 0;
}

/*
 * Writes data to a new file FINAL.tmpPID.N opened O_EXCL with mode, and
 * stores its name in tmp.  A secret file gets exactly mode, whatever
 * the umask; others get mode less the umask.
 */

static int
am_keygen_write_tmp(const char *final, mode_t mode, int secret,
    const char *data, size_t len, char *tmp, size_t tmplen)
{
	ssize_t		 w;
	size_t		 off;
	unsigned	 i;
	int		 fd = -1, n;

	for (i = 0; i < 100 && fd == -1; i++) {
		n = snprintf(tmp, tmplen, "%s.tmp%ld.%u", final,
		    (long)getpid(), i);
		if (n < 0 || (size_t)n >= tmplen) {
			am_tool_errx("%s: path too long", final);
			return -1;
		}
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, mode);
		if (fd == -1 && errno != EEXIST)
			break;
	}
	if (fd == -1) {
		am_tool_errx("%s: %s", tmp, strerror(errno));
		return -1;
	}
	for (off = 0; off < len; off += (size_t)w)
		if ((w = write(fd, data + off, len - off)) <= 0)
			break;
	if (off < len || (secret && fchmod(fd, mode) == -1) ||
	    fsync(fd) == -1) {
		am_tool_errx("%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd) == -1) {
		am_tool_errx("%s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Creates final with exactly data, or fails if it exists. */

static int
am_keygen_create(const char *final, mode_t mode, int secret,
    const char *data, size_t len)
{
	char	 tmp[PATH_MAX];
	int	 r = 0;

	if (am_keygen_write_tmp(final, mode, secret, data, len, tmp,
	    sizeof(tmp)) == -1)
		return -1;
	if (link(tmp, final) == -1) {
		am_tool_errx("%s: %s%s", final, strerror(errno),
		    errno == EEXIST ? "; not overwriting it" : "");
		r = -1;
	}
	if (unlink(tmp) == -1) {
		am_tool_errx("%s: %s", tmp, strerror(errno));
		r = -1;
	}
	return r;
}

static int
am_keygen_paths(const struct am_keygen_args *a, struct am_keygen_out *o)
{
	struct stat	 st;
	int		 n;

	if (realpath(a->dir, o->dir) == NULL) {
		am_tool_errx("%s: %s", a->dir, strerror(errno));
		return -1;
	}
	n = snprintf(o->priv_path, sizeof(o->priv_path), "%s/%s.private",
	    strcmp(o->dir, "/") == 0 ? "" : o->dir, a->selector);
	if (n > 0 && (size_t)n < sizeof(o->priv_path))
		n = snprintf(o->txt_path, sizeof(o->txt_path), "%s/%s.txt",
		    strcmp(o->dir, "/") == 0 ? "" : o->dir, a->selector);
	if (n < 0 || (size_t)n >= sizeof(o->txt_path)) {
		am_tool_errx("%s: path too long", o->dir);
		return -1;
	}
	/* Checked again, atomically, by link(); this only spares the
	 * work of generating a key that cannot be written. */
	if (lstat(o->priv_path, &st) == 0 || lstat(o->txt_path, &st) == 0) {
		am_tool_errx("%s exists; not overwriting it",
		    lstat(o->priv_path, &st) == 0 ? o->priv_path :
		    o->txt_path);
		return -1;
	}
	return 0;
}

static int
am_keygen_files(struct am_keygen_out *o)
{
	char	*pem;
	long	 n;

	if ((n = BIO_get_mem_data(o->pem, &pem)) <= 0) {
		am_tool_errx("no PEM to write");
		return -1;
	}
	if (am_keygen_create(o->priv_path, 0600, 1, pem, (size_t)n) == -1)
		return -1;
	if (am_keygen_create(o->txt_path, 0644, 0,
	    (const char *)o->record.data, o->record.len) == -1) {
		if (unlink(o->priv_path) == -1)
			am_tool_errx("%s: %s", o->priv_path, strerror(errno));
		return -1;
	}
	return 0;
}

static void
am_keygen_print(const struct am_keygen_args *a, const struct am_keygen_out *o)
{
	printf("# Wrote %s (%s) and %s.\n", o->priv_path,
	    a->type == AM_PKEY_ED25519 ? "ed25519" : "rsa", o->txt_path);
	printf("# KeyTable line:\n%s._domainkey.%s %s:%s:%s\n",
	    a->selector, a->domain, a->domain, a->selector, o->priv_path);
	printf("# SigningTable line (refile:):\n*@%s %s._domainkey.%s\n",
	    a->domain, a->selector, a->domain);
	printf("# DNS TXT record%s:\n%s", a->testing ?
	    " (testing mode: remove t=y once the key works)" : "",
	    am_buf_str(&o->record));
}

static void
am_keygen_release(struct am_keygen_args *a, struct am_keygen_out *o)
{
	BIO_free(o->pem);
	am_buf_release(&o->record);
	free(a->domain);
	free(a->selector);
}

int
am_cmd_keygen(int argc, char **argv)
{
	struct am_keygen_args	 a;
	struct am_keygen_out	 o;
	EVP_PKEY		*pk = NULL;
	int			 rc = AM_TOOL_EXIT_SOFTWARE;

	memset(&o, 0, sizeof(o));
	am_buf_init(&o.record, AM_KEYGEN_MAXREC);
	if (am_keygen_parse(argc, argv, &a) == -1) {
		am_keygen_release(&a, &o);
		return am_keygen_usage();
	}
	if (a.type == AM_PKEY_RSA && a.bits < AM_KEYGEN_RSA_WEAK)
		am_tool_errx("warning: %u-bit RSA key; use %d bits or more",
		    a.bits, AM_KEYGEN_RSA_WEAK);
	if (am_keygen_paths(&a, &o) == -1) {
		rc = AM_TOOL_EXIT_CANTCREAT;
		goto out;
	}
	if ((pk = am_keygen_generate(&a)) == NULL)
		goto out;
	if ((o.pem = am_keygen_pem(pk)) == NULL) {
		am_tool_errx("cannot encode the private key");
		goto out;
	}
	if (am_keygen_record(&a, pk, &o.record) == -1)
		goto out;
	if (am_keygen_files(&o) == -1) {
		rc = AM_TOOL_EXIT_CANTCREAT;
		goto out;
	}
	am_keygen_print(&a, &o);
	rc = fflush(stdout) == EOF ? AM_TOOL_EXIT_SOFTWARE : AM_TOOL_EXIT_OK;
out:
	EVP_PKEY_free(pk);
	am_keygen_release(&a, &o);
	return rc;
}
