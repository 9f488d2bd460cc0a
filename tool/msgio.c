/*
 * msgio - input, output and DNS setup shared by the subcommands
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autoconfig.h"
#include "config.h"
#include "tool.h"

#define AM_TOOL_CHUNK	65536
#define AM_TOOL_MAXFIELD (256 * 1024)

void
am_tool_errx(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "authmilter-tool: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
am_tool_log_fn(void *ctx, enum am_log_level level, const char *line)
{
	if (level <= AM_LOG_WARN)
		fprintf(stderr, "authmilter-tool: %s: %s\n",
		    am_log_level_name(level), line);
}

const struct am_log am_tool_log = { am_tool_log_fn, NULL, NULL };

FILE *
am_tool_open(const char *path)
{
	char	 buf[AM_TOOL_CHUNK];
	FILE	*fp;
	size_t	 n;

	if (path != NULL && strcmp(path, "-") != 0) {
		if ((fp = fopen(path, "rb")) == NULL)
			am_tool_errx("%s: %s", path, strerror(errno));
		return fp;
	}
	if ((fp = tmpfile()) == NULL) {
		am_tool_errx("cannot create a temporary file: %s",
		    strerror(errno));
		return NULL;
	}
	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
		if (fwrite(buf, 1, n, fp) != n) {
			am_tool_errx("spooling stdin: %s", strerror(errno));
			fclose(fp);
			return NULL;
		}
	if (ferror(stdin)) {
		am_tool_errx("reading stdin: %s", strerror(errno));
		fclose(fp);
		return NULL;
	}
	return fp;
}

int
am_tool_uses_crlf(FILE *fp)
{
	int	 c, prev = 0;

	rewind(fp);
	while ((c = getc(fp)) != EOF && c != '\n')
		prev = c;
	rewind(fp);
	return c == '\n' && prev == '\r';
}

int
am_tool_feed(FILE *fp, const struct am_msgparse_cb *cb, void *ctx,
    struct am_err *err)
{
	struct am_msgparse	*mp;
	char			*buf;
	size_t			 n;
	int			 r = 0;

	rewind(fp);
	buf = malloc(AM_TOOL_CHUNK);
	if (buf == NULL)
		return am_err_set(err, AM_E_NOMEM, "out of memory");
	mp = am_msgparse_new(cb, ctx, AM_TOOL_MAXFIELD);
	while (r == 0 && (n = fread(buf, 1, AM_TOOL_CHUNK, fp)) > 0)
		r = am_msgparse_feed(mp, buf, n, err);
	if (r == 0 && ferror(fp))
		r = am_err_set(err, AM_E_IO, "read error: %s", strerror(errno));
	if (r == 0)
		r = am_msgparse_end(mp, err);
	am_msgparse_free(&mp);
	free(buf);
	return r;
}

void
am_tool_put_lines(FILE *out, const char *s, int crlf)
{
	for (; *s != '\0'; s++) {
		if (!crlf && s[0] == '\r' && s[1] == '\n')
			continue;
		putc(*s, out);
	}
}

int
am_tool_copy(FILE *fp, FILE *out)
{
	char	 buf[AM_TOOL_CHUNK];
	size_t	 n;

	rewind(fp);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			return -1;
	return ferror(fp) ? -1 : 0;
}

int
am_tool_dns_opt(int c, char *arg, struct am_tool_dns_args *a)
{
	unsigned long long	 v;

	switch (c) {
	case 'z':
		if (a->nzones == AM_TOOL_MAXZONES) {
			am_tool_errx("too many --zone");
			return -1;
		}
		a->zones[a->nzones++] = arg;
		return 1;
	case 'n':
		a->nameserver = arg;
		return 1;
	case 'T':
		if (am_tool_parse_u64(arg, &v) == -1 || v == 0 || v > 600) {
			am_tool_errx("--dns-timeout: 1 to 600 seconds");
			return -1;
		}
		a->timeout_ms = (unsigned)v * 1000;
		return 1;
	}
	return 0;
}

struct am_dns *
am_tool_dns_open(const struct am_tool_dns_args *a, const char *default_ns,
    unsigned default_ms)
{
	struct am_dns	*dns;
	struct am_err	 err;
	const char	*ns = a->nameserver != NULL ? a->nameserver : default_ns;
	unsigned	 ms = a->timeout_ms != 0 ? a->timeout_ms : default_ms;
	size_t		 i;

	am_err_clear(&err);
	if (a->nzones > 0 && a->nameserver != NULL) {
		am_tool_errx("--zone and --nameserver exclude each other");
		return NULL;
	}
	if (a->nzones == 0) {
		if ((dns = am_dns_ldns_new(ns, ms, 1, &err)) == NULL)
			am_tool_errx("resolver: %s", err.msg);
		return dns;
	}
	dns = am_dns_zone_new();
	for (i = 0; i < a->nzones; i++)
		if (am_dns_zone_load(dns, a->zones[i], &err) == -1) {
			am_tool_errx("%s", err.msg);
			am_dns_free(&dns);
			return NULL;
		}
	return dns;
}

struct am_dns *
am_tool_dns_for_config(const struct am_tool_dns_args *a,
    const struct am_config *cfg)
{
	const char	*ns = NULL;
	unsigned	 ms = 5000;

	if (cfg != NULL && a->nzones == 0)
		ns = cfg->dns.nameservers;
	if (cfg != NULL && cfg->dns.timeout > 0)
		ms = cfg->dns.timeout > 600 ? 600000 : cfg->dns.timeout * 1000;
	return am_tool_dns_open(a, ns, ms);
}

int
am_tool_parse_u64(const char *s, unsigned long long *out)
{
	char			*end;
	unsigned long long	 v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}
