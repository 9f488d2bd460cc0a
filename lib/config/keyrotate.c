/*
 * keyrotate - the steps of key rotation shared by the tool and the
 * daemon (see keyrotate.h)
 */

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "dkim_key.h"
#include "keyrotate.h"
#include "mem.h"
#include "pkey.h"

#define AM_KR_LINE	4096
#define AM_KR_TXT_STR	250	/* p= cut into strings this long */

int
am_keyrotate_state_path(const char *keytable, char *out, size_t size)
{
	if (keytable == NULL)
		return -1;
	if (strncmp(keytable, "file:", 5) == 0)
		keytable += 5;
	else if (strchr(keytable, ':') != NULL && keytable[0] != '/')
		return -1;		/* refile:, csl:, ... */
	if ((size_t)snprintf(out, size, "%s.state", keytable) >= size)
		return -1;
	return 0;
}

static const char *
am_kr_file(const char *keytable)
{
	return strncmp(keytable, "file:", 5) == 0 ? keytable + 5 : keytable;
}

/* ---------------------------------------------------------------- KeyTable */

/* The KeyTable's lines, whole. */
struct am_kr_table {
	char	**line;
	size_t	 n;
};

static int
am_kr_table_load(const char *path, struct am_kr_table *t, struct am_err *err)
{
	FILE	*fp;
	char	 buf[AM_KR_LINE];

	memset(t, 0, sizeof(*t));
	if ((fp = fopen(path, "r")) == NULL)
		return am_err_set(err, AM_E_IO, "%s: %s", path,
		    strerror(errno));
	while (fgets(buf, sizeof(buf), fp) != NULL) {
		buf[strcspn(buf, "\r\n")] = '\0';
		t->line = am_realloc(t->line, (t->n + 1) * sizeof(*t->line));
		t->line[t->n++] = am_strdup(buf);
	}
	(void)fclose(fp);
	return 0;
}

static void
am_kr_table_free(struct am_kr_table *t)
{
	size_t	 i;

	for (i = 0; i < t->n; i++)
		free(t->line[i]);
	free(t->line);
	memset(t, 0, sizeof(*t));
}

/* A line "name domain:selector:keyfile": the value, else NULL. */
static const char *
am_kr_table_value(const char *line)
{
	const char	*p = line;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '#' || *p == '\0')
		return NULL;
	p += strcspn(p, " \t");
	while (*p == ' ' || *p == '\t')
		p++;
	return *p != '\0' ? p : NULL;
}

static int
am_kr_table_save(const char *path, const struct am_kr_table *t,
    struct am_err *err)
{
	char	 tmp[AM_KR_LINE + 64];
	FILE	*fp;
	size_t	 i;
	int	 bad;

	(void)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if ((fp = fopen(tmp, "w")) == NULL)
		return am_err_set(err, AM_E_IO, "%s: %s", tmp,
		    strerror(errno));
	for (i = 0; i < t->n; i++)
		fprintf(fp, "%s\n", t->line[i]);
	bad = ferror(fp) | fflush(fp);
	if (fclose(fp) != 0 || bad || rename(tmp, path) == -1) {
		(void)am_err_set(err, AM_E_IO, "%s: %s", path,
		    strerror(errno));
		(void)unlink(tmp);
		return -1;
	}
	return 0;
}

static int
am_kr_copy(char *dst, size_t size, const char *src)
{
	size_t	 n = strlen(src);

	if (n >= size)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

static const char *
am_kr_alg_of(const char *keyfile)
{
	EVP_PKEY	*pk = NULL;
	struct am_err	 err;
	const char	*alg = NULL;

	if (am_pkey_load_file(keyfile, &pk, &err) == 0)
		alg = am_pkey_type(pk) == AM_PKEY_ED25519 ? "ed25519" : "rsa";
	EVP_PKEY_free(pk);
	return alg;
}

int
am_keyrotate_import(const char *keytable, struct am_keystate_file *st,
    const char *domain, const char *alg, uint64_t now, struct am_err *err)
{
	struct am_keystate_entry	 e;
	struct am_kr_table		 t;
	const char			*v, *a;
	char				 buf[AM_KR_LINE], *sel, *file;
	size_t				 i, dl = strlen(domain);
	int				 rc = -1;

	if (am_keystate_find(st, domain, alg, NULL, AM_KEYSTATE_ACTIVE))
		return 0;
	if (am_kr_table_load(am_kr_file(keytable), &t, err) == -1)
		return -1;
	for (i = 0; i < t.n && rc == -1; i++) {
		if ((v = am_kr_table_value(t.line[i])) == NULL ||
		    strncasecmp(v, domain, dl) != 0 || v[dl] != ':')
			continue;
		(void)snprintf(buf, sizeof(buf), "%s", v + dl + 1);
		sel = buf;
		if ((file = strchr(sel, ':')) == NULL)
			continue;
		*file++ = '\0';
		if ((a = am_kr_alg_of(file)) == NULL || strcmp(a, alg) != 0)
			continue;
		memset(&e, 0, sizeof(e));
		if (am_kr_copy(e.domain, sizeof(e.domain), domain) == -1 ||
		    am_kr_copy(e.alg, sizeof(e.alg), alg) == -1 ||
		    am_kr_copy(e.selector, sizeof(e.selector), sel) == -1 ||
		    am_kr_copy(e.keyfile, sizeof(e.keyfile), file) == -1)
			continue;
		e.state = AM_KEYSTATE_ACTIVE;
		e.since = now;
		am_keystate_add(st, &e);
		rc = 0;
	}
	am_kr_table_free(&t);
	if (rc == -1)
		(void)am_err_set(err, AM_E_USAGE, "%s: no %s key of %s",
		    keytable, alg, domain);
	return rc;
}

/* The lines naming old now name nw (or a new line for nw). */
static void
am_kr_repoint(struct am_kr_table *t, const struct am_keystate_entry *old,
    const struct am_keystate_entry *nw, struct am_keyrotate_done *done)
{
	char		 want[AM_KR_LINE], *line;
	const char	*v;
	size_t		 i, namelen, hits = 0;

	if (old != NULL) {
		(void)snprintf(want, sizeof(want), "%s:%s:%s", old->domain,
		    old->selector, old->keyfile);
		for (i = 0; i < t->n; i++) {
			if ((v = am_kr_table_value(t->line[i])) == NULL ||
			    strcasecmp(v, want) != 0)
				continue;
			namelen = (size_t)(v - t->line[i]);
			if (asprintf(&line, "%.*s%s:%s:%s", (int)namelen,
			    t->line[i], nw->domain, nw->selector,
			    nw->keyfile) == -1)
				abort();
			free(t->line[i]);
			t->line[i] = line;
			hits++;
		}
	}
	if (hits == 0) {
		t->line = am_realloc(t->line, (t->n + 1) * sizeof(*t->line));
		if (asprintf(&t->line[t->n], "%s._domainkey.%s %s:%s:%s",
		    nw->selector, nw->domain, nw->domain, nw->selector,
		    nw->keyfile) == -1)
			abort();
		t->n++;
		done->line_added = 1;
	}
}

int
am_keyrotate_activate(const char *keytable, struct am_keystate_file *st,
    const char *domain, const char *alg, uint64_t now,
    struct am_keyrotate_done *done, struct am_err *err)
{
	struct am_keystate_entry	*p, *old;
	struct am_kr_table		 t;
	int				 rc;

	memset(done, 0, sizeof(*done));
	if ((p = am_keystate_find(st, domain, alg, NULL,
	    AM_KEYSTATE_PENDING)) == NULL)
		return am_err_set(err, AM_E_USAGE, "%s %s: no pending key",
		    domain, alg);
	old = am_keystate_find(st, domain, alg, NULL, AM_KEYSTATE_ACTIVE);
	if (am_kr_table_load(am_kr_file(keytable), &t, err) == -1)
		return -1;
	am_kr_repoint(&t, old, p, done);
	rc = am_kr_table_save(am_kr_file(keytable), &t, err);
	am_kr_table_free(&t);
	if (rc == -1)
		return -1;
	if (old != NULL) {
		(void)am_kr_copy(done->old_selector,
		    sizeof(done->old_selector), old->selector);
		old->state = AM_KEYSTATE_RETIRING;
		old->since = now;
	}
	p->state = AM_KEYSTATE_ACTIVE;
	p->since = now;
	return 0;
}

/* ---------------------------------------------------------------- DNS */

int
am_keyrotate_matches(struct am_dns *dns, const struct am_keystate_entry *e,
    char *why, size_t size)
{
	struct am_dns_result	 res;
	struct am_dkim_key	 key;
	struct am_err		 err;
	EVP_PKEY		*pk = NULL;
	char			 name[512];
	size_t			 i;
	int			 ok = 0, revoked = 0;

	(void)snprintf(why, size, "no record");
	if (am_pkey_load_file(e->keyfile, &pk, &err) == -1) {
		(void)snprintf(why, size, "%s", err.msg);
		return 0;
	}
	(void)snprintf(name, sizeof(name), "%s._domainkey.%s", e->selector,
	    e->domain);
	if (am_dns_lookup(dns, name, AM_DNS_TXT, &res) != AM_DNS_OK)
		(void)snprintf(why, size, "%s", am_dns_status_name(res.status));
	for (i = 0; i < res.n && !ok; i++) {
		if (am_dkim_key_parse(res.rr[i].txt, res.rr[i].txt_len, &key,
		    &err) == -1) {
			(void)snprintf(why, size, "a record that does not "
			    "parse: %s", err.msg);
			continue;
		}
		if (key.revoked)
			revoked = 1;
		else if (am_pkey_public_eq(key.pkey, pk) == 1)
			ok = 1;
		else
			(void)snprintf(why, size, "a record of another key");
		am_dkim_key_release(&key);
	}
	if (!ok && revoked)
		(void)snprintf(why, size, "revoked (empty p=)");
	am_dns_result_release(&res);
	EVP_PKEY_free(pk);
	return ok;
}

/* The zone apex above name and its NS names, through r. */
static int
am_kr_apex(struct am_dns *r, const char *name, struct am_keyrotate_seen *out)
{
	struct am_dns_result	 res;
	const char		*p = name;
	size_t			 i;

	for (; p != NULL && *p != '\0'; p = strchr(p, '.'), p = p ? p + 1 :
	    NULL) {
		if (strchr(p, '.') == NULL)
			break;			/* never the TLD */
		if (am_dns_lookup(r, p, AM_DNS_NS, &res) == AM_DNS_OK) {
			(void)am_kr_copy(out->apex, sizeof(out->apex), p);
			for (i = 0; i < res.n && out->n < AM_KEYROTATE_MAXSRV;
			    i++)
				(void)am_kr_copy(out->srv[out->n++].name,
				    sizeof(out->srv[0].name), res.rr[i].name);
			am_dns_result_release(&res);
			return 0;
		}
		if (res.status != AM_DNS_NXDOMAIN &&
		    res.status != AM_DNS_NODATA) {
			(void)snprintf(out->why, sizeof(out->why), "NS %.200s: %s",
			    p, am_dns_status_name(res.status));
			am_dns_result_release(&res);
			return -1;
		}
		am_dns_result_release(&res);
	}
	(void)snprintf(out->why, sizeof(out->why), "no zone apex (NS) found "
	    "above %.200s", name);
	return -1;
}

/*
 * Can this host reach addr at all?  A UDP connect() sends nothing; it
 * fails at once with no route (an IPv6 address seen from a host with
 * IPv4 only).  Such an address is skipped, not waited for.
 */
static int
am_kr_routable(int family, const unsigned char *addr)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)(void *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)(void *)&ss;
	socklen_t		 len;
	int			 fd, rc;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(53);
		memcpy(&sin->sin_addr, addr, 4);
		len = sizeof(*sin);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(53);
		memcpy(&sin6->sin6_addr, addr, 16);
		len = sizeof(*sin6);
	}
	if ((fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	rc = connect(fd, (struct sockaddr *)&ss, len);
	(void)close(fd);
	return rc == 0;
}

/* Each NS name's addresses, one entry each (the first address of a
 * name fills the name's own entry). */
static void
am_kr_addrs(struct am_dns *r, unsigned port, struct am_keyrotate_seen *out)
{
	static const enum am_dns_type types[] = { AM_DNS_A, AM_DNS_AAAA };
	struct am_keyrotate_srv	 srv[AM_KEYROTATE_MAXSRV];
	struct am_dns_result	 res;
	char			 ip[INET6_ADDRSTRLEN];
	size_t			 i, j, t, n = 0, had;

	for (i = 0; i < out->n; i++) {
		had = n;
		for (t = 0; t < 2; t++) {
			(void)am_dns_lookup(r, out->srv[i].name, types[t],
			    &res);
			for (j = 0; j < res.n && n < AM_KEYROTATE_MAXSRV;
			    j++) {
				memset(&srv[n], 0, sizeof(srv[n]));
				memcpy(srv[n].name, out->srv[i].name,
				    sizeof(srv[n].name));
				(void)inet_ntop(t == 0 ? AF_INET : AF_INET6,
				    res.rr[j].addr, ip, sizeof(ip));
				(void)snprintf(srv[n].addr,
				    sizeof(srv[n].addr), t == 0 ? "%s@%u" :
				    "[%s]@%u", ip, port);
				if (!am_kr_routable(t == 0 ? AF_INET :
				    AF_INET6, res.rr[j].addr)) {
					srv[n].skipped = 1;
					(void)snprintf(srv[n].why,
					    sizeof(srv[n].why), "no route "
					    "from here (skipped)");
				}
				n++;
			}
			am_dns_result_release(&res);
		}
		if (n == had && n < AM_KEYROTATE_MAXSRV) {
			srv[n] = out->srv[i];
			(void)snprintf(srv[n].why, sizeof(srv[n].why),
			    "no address");
			n++;
		}
	}
	memcpy(out->srv, srv, n * sizeof(srv[0]));
	out->n = n;
}

int
am_keyrotate_check(struct am_dns *resolver, int local,
    const struct am_keystate_entry *e, unsigned port, unsigned timeout_ms,
    struct am_keyrotate_seen *out)
{
	struct am_dns	*d;
	struct am_err	 err;
	char		 name[512];
	size_t		 i, bad = 0, good = 0;

	memset(out, 0, sizeof(*out));
	if (local) {
		out->n = 1;
		(void)snprintf(out->srv[0].name, sizeof(out->srv[0].name),
		    "local");
		out->srv[0].ok = am_keyrotate_matches(resolver, e,
		    out->srv[0].why, sizeof(out->srv[0].why));
	} else {
		(void)snprintf(name, sizeof(name), "%s._domainkey.%s",
		    e->selector, e->domain);
		if (am_kr_apex(resolver, name, out) == -1)
			return 0;
		am_kr_addrs(resolver, port, out);
		for (i = 0; i < out->n; i++) {
			if (out->srv[i].addr[0] == '\0' ||
			    out->srv[i].skipped)
				continue;
			if ((d = am_dns_direct_new(out->srv[i].addr,
			    timeout_ms, 1, &err)) == NULL) {
				(void)snprintf(out->srv[i].why,
				    sizeof(out->srv[i].why), "%s", err.msg);
				continue;
			}
			out->srv[i].ok = am_keyrotate_matches(d, e,
			    out->srv[i].why, sizeof(out->srv[i].why));
			am_dns_free(&d);
		}
	}
	for (i = 0; i < out->n; i++)
		if (out->srv[i].ok)
			good++;
		else if (!out->srv[i].skipped)
			bad++;
	out->all = good > 0 && bad == 0;
	if (!out->all && out->why[0] == '\0') {
		for (i = 0; i < out->n; i++)
			if (!out->srv[i].ok && !out->srv[i].skipped) {
				(void)snprintf(out->why, sizeof(out->why),
				    "%s%s%s: %s", out->srv[i].name,
				    out->srv[i].addr[0] ? " " : "",
				    out->srv[i].addr, out->srv[i].why);
				break;
			}
	}
	return out->all;
}

int
am_keyrotate_record(const struct am_keystate_entry *e, char **out,
    struct am_err *err)
{
	struct am_buf	 b64, rec;
	EVP_PKEY	*pk = NULL;
	size_t		 off, n;
	int		 rc = -1;

	*out = NULL;
	if (am_pkey_load_file(e->keyfile, &pk, err) == -1)
		return -1;
	am_buf_init(&b64, 8192);
	am_buf_init(&rec, 16384);
	if (am_pkey_public_b64(pk, &b64, err) == 0) {
		(void)am_buf_printf(&rec, "%s._domainkey.%s. IN TXT ( "
		    "\"v=DKIM1; k=%s; \"", e->selector, e->domain,
		    am_pkey_type(pk) == AM_PKEY_ED25519 ? "ed25519" : "rsa");
		for (off = 0; off < b64.len; off += n) {
			n = b64.len - off > AM_KR_TXT_STR ? AM_KR_TXT_STR :
			    b64.len - off;
			(void)am_buf_appends(&rec, off == 0 ? " \"p=" : " \"");
			(void)am_buf_append(&rec, b64.data + off, n);
			(void)am_buf_appends(&rec, "\"");
		}
		(void)am_buf_appends(&rec, " )");
		if (!rec.err) {
			*out = am_strdup(am_buf_str(&rec));
			rc = 0;
		} else
			(void)am_err_set(err, AM_E_LIMIT, "record too long");
	}
	am_buf_release(&b64);
	am_buf_release(&rec);
	EVP_PKEY_free(pk);
	return rc;
}
