/*
 * tls - TLS as a client on a connected socket (tls.h)
 */

#include <sys/socket.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "mem.h"
#include "tls.h"

struct am_tls {
	SSL_CTX	*ctx;
	SSL	*ssl;
	int	 fd;
};

static long long
am_tls_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for what SSL_get_error asked for; 0, or -1 with why. */
static int
am_tls_wait(struct am_tls *t, int sslerr, long long deadline, char *why,
    size_t wsize)
{
	struct pollfd	 p;
	long long	 left;
	int		 r;

	p.fd = t->fd;
	p.events = sslerr == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN;
	do {
		left = deadline - am_tls_now_ms();
		r = left <= 0 ? 0 : poll(&p, 1, (int)left);
	} while (r == -1 && errno == EINTR);
	if (r == 1)
		return 0;
	(void)snprintf(why, wsize, "%s", r == 0 ? "timed out" :
	    strerror(errno));
	return -1;
}

/* The text of a failed call: OpenSSL's queue, or the verify result. */
static void
am_tls_why(struct am_tls *t, int sslerr, char *why, size_t wsize)
{
	unsigned long	 e = ERR_peek_last_error();
	long		 v;

	if (t->ssl != NULL && (v = SSL_get_verify_result(t->ssl)) != X509_V_OK)
		(void)snprintf(why, wsize, "certificate: %s",
		    X509_verify_cert_error_string(v));
	else if (e != 0)
		(void)snprintf(why, wsize, "TLS: %s", ERR_reason_error_string(e)
		    != NULL ? ERR_reason_error_string(e) : "error");
	else if (sslerr == SSL_ERROR_SYSCALL && errno != 0)
		(void)snprintf(why, wsize, "TLS: %s", strerror(errno));
	else
		(void)snprintf(why, wsize, "TLS: the connection was closed");
	ERR_clear_error();
}

static int
am_tls_setup(struct am_tls *t, const char *host, const char *cafile,
    struct am_err *err)
{
	unsigned char	 b[16];
	int		 ip = inet_pton(AF_INET, host, b) == 1 ||
			     inet_pton(AF_INET6, host, b) == 1;

	if ((t->ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION) != 1)
		return am_err_set(err, AM_E_CRYPTO, "TLS: cannot set up");
	SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
	if ((cafile != NULL ? SSL_CTX_load_verify_locations(t->ctx, cafile,
	    NULL) : SSL_CTX_set_default_verify_paths(t->ctx)) != 1) {
		ERR_clear_error();
		return am_err_set(err, AM_E_CRYPTO, "TLS: cannot load the "
		    "CA certificates%s%.100s", cafile != NULL ? " from " : "",
		    cafile != NULL ? cafile : "");
	}
	if ((t->ssl = SSL_new(t->ctx)) == NULL ||
	    SSL_set_fd(t->ssl, t->fd) != 1)
		return am_err_set(err, AM_E_CRYPTO, "TLS: cannot set up");
	if (ip) {
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl),
		    host) != 1)
			return am_err_set(err, AM_E_CRYPTO, "TLS: bad address");
	} else if (SSL_set1_host(t->ssl, host) != 1 ||
	    SSL_set_tlsext_host_name(t->ssl, host) != 1)
		return am_err_set(err, AM_E_CRYPTO, "TLS: bad host name");
	SSL_set_hostflags(t->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	return 0;
}

int
am_tls_connect(int fd, const char *host, const char *cafile,
    unsigned timeout_ms, struct am_tls **out, struct am_err *err)
{
	struct am_tls	*t = am_calloc(1, sizeof(*t));
	long long	 deadline = am_tls_now_ms() + timeout_ms;
	char		 why[160];
	int		 fl, r, e;

	*out = NULL;
	t->fd = fd;
	ERR_clear_error();
	if ((fl = fcntl(fd, F_GETFL)) != -1)
		(void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	if (am_tls_setup(t, host, cafile, err) != 0) {
		am_tls_free(&t);
		return -1;
	}
	while ((r = SSL_connect(t->ssl)) != 1) {
		e = SSL_get_error(t->ssl, r);
		if ((e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) ||
		    am_tls_wait(t, e, deadline, why, sizeof(why)) != 0) {
			if (e != SSL_ERROR_WANT_READ &&
			    e != SSL_ERROR_WANT_WRITE)
				am_tls_why(t, e, why, sizeof(why));
			(void)am_err_set(err, AM_E_CRYPTO, "%s", why);
			SSL_free(t->ssl);	/* no close_notify */
			t->ssl = NULL;
			am_tls_free(&t);
			return -1;
		}
	}
	*out = t;
	return 0;
}

ssize_t
am_tls_io(void *ctx, int wr, void *buf, size_t n, unsigned timeout_ms,
    char *why, size_t wsize)
{
	struct am_tls	*t = ctx;
	long long	 deadline = am_tls_now_ms() + timeout_ms;
	size_t		 done = 0;
	int		 r, e;

	for (;;) {
		errno = 0;
		r = wr ? SSL_write_ex(t->ssl, buf, n, &done) :
		    SSL_read_ex(t->ssl, buf, n, &done);
		if (r == 1)
			return (ssize_t)done;
		e = SSL_get_error(t->ssl, r);
		if (e == SSL_ERROR_ZERO_RETURN && !wr)
			return 0;
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
			am_tls_why(t, e, why, wsize);
			return -1;
		}
		if (am_tls_wait(t, e, deadline, why, wsize) != 0)
			return -1;
	}
}

void
am_tls_describe(const struct am_tls *t, char *out, size_t size)
{
	(void)snprintf(out, size, "%s %s", SSL_get_version(t->ssl),
	    SSL_get_cipher_name(t->ssl));
}

void
am_tls_free(struct am_tls **tp)
{
	struct am_tls	*t = *tp;

	if (t == NULL)
		return;
	if (t->ssl != NULL) {
		(void)SSL_shutdown(t->ssl);
		SSL_free(t->ssl);
	}
	SSL_CTX_free(t->ctx);
	ERR_clear_error();
	free(t);
	*tp = NULL;
}
