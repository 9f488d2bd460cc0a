/*
 * peerlist - InternalHosts and ExternalIgnoreList (OpenDKIM PeerList
 * syntax): addresses, CIDR blocks, host names, ".domain" suffixes,
 * each possibly negated with '!'
 *
 * Matching follows OpenDKIM (opendkim(8), PeerList in
 * opendkim.conf(5)): host names first, then the address.  For the
 * name, the whole name is tried, then each ".suffix" from the longest
 * down; for the address, the exact address, then each prefix length
 * from the longest down.  At each step a negated entry ("!") is tried
 * before a plain one, so the more precise entry wins and, at equal
 * precision, the negation wins.  A negated name only stops the name
 * test; the address is still tried, as in OpenDKIM.
 *
 * In a file: list '*' is an ordinary character, as in OpenDKIM: an
 * entry "*.example.com" matches only a host of that literal name (none;
 * a warning says to write ".example.com").  A refile: list is a list of
 * patterns ('*' any run of characters), and is matched as OpenDKIM
 * matches it (dkimf_checkhost, dkimf_checkip): each string OpenDKIM
 * looks up is tried against every pattern, first with '!' in front
 * (a match there means "not in the list"), then as it is: the host
 * name, then each ".suffix"; then the address, "[address]", and
 * "network/bits" and "[network]/bits" for every prefix length from the
 * longest down.  So "192.168.0.1/24" (host bits set) never matches, and
 * a pattern that starts with '*' also matches the '!' lookups: it keeps
 * out what it matches; both get a warning at load.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_impl.h"
#include "mem.h"

enum am_peer_kind {
	AM_PEER_NAME,		/* host name, or ".domain" */
	AM_PEER_V4,
	AM_PEER_V6,
	AM_PEER_PATTERN		/* refile: the text is the pattern */
};

struct am_peer {
	enum am_peer_kind	 kind;
	int			 neg;
	char			*name;		/* AM_PEER_NAME, lower case */
	unsigned char		 addr[16];	/* network, host bits zero */
	unsigned		 bits;
	char			*text;		/* as written */
};

struct am_peerlist {
	struct am_peer		*v;
	size_t			 n;
	int			 refile;	/* patterns, OpenDKIM's way */
};

static void
am_peer_mask(unsigned char *a, size_t len, unsigned bits)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		if (bits >= 8)
			bits -= 8;
		else {
			a[i] &= (unsigned char)(0xff << (8 - bits));
			bits = 0;
		}
	}
}

static int
am_peer_is_name(const char *s)
{
	const char	*p;
	int		 alpha = 0;

	if (*s == '\0' || strlen(s) > 253)
		return 0;
	for (p = s; *p != '\0'; p++) {
		if (isalpha((unsigned char)*p) || *p == '-' || *p == '_' ||
		    *p == '*')
			alpha = 1;
		else if (!isdigit((unsigned char)*p) && *p != '.')
			return 0;
	}
	return alpha;		/* all digits and dots is a bad address */
}

/* am_peer_addr - "addr", "[addr]", "addr/bits", "[addr]/bits" */

static int
am_peer_addr(struct am_peer *pe, const char *s)
{
	char		 buf[128], *slash, *end, *a = buf;
	unsigned long	 bits;
	size_t		 n;

	if ((n = strlen(s)) >= sizeof(buf))
		return -1;
	memcpy(buf, s, n + 1);
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	n = strlen(a);
	if (a[0] == '[' && n >= 2 && a[n - 1] == ']') {
		a[n - 1] = '\0';
		a++;
	}
	if (inet_pton(AF_INET, a, pe->addr) == 1) {
		pe->kind = AM_PEER_V4;
		pe->bits = 32;
	} else if (inet_pton(AF_INET6, a, pe->addr) == 1) {
		pe->kind = AM_PEER_V6;
		pe->bits = 128;
	} else
		return -1;
	if (slash != NULL) {
		if (!isdigit((unsigned char)*slash))
			return -1;
		bits = strtoul(slash, &end, 10);
		if (*end != '\0' || bits > pe->bits)
			return -1;
		pe->bits = (unsigned)bits;
	}
	am_peer_mask(pe->addr, pe->kind == AM_PEER_V4 ? 4 : 16, pe->bits);
	return 0;
}

static int
am_peer_parse(struct am_peer *pe, const char *text)
{
	const char	*s = text;
	char		*p;

	memset(pe, 0, sizeof(*pe));
	if (*s == '!') {
		pe->neg = 1;
		s++;
	}
	if (am_peer_addr(pe, s) == 0) {
		pe->text = am_strdup(text);
		return 0;
	}
	if (strchr(s, '/') != NULL || strchr(s, ':') != NULL ||
	    !am_peer_is_name(s))
		return -1;
	pe->kind = AM_PEER_NAME;
	pe->name = am_strdup(s);
	for (p = pe->name; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	pe->text = am_strdup(text);
	return 0;
}

/* am_peer_warn - what an entry does that its writer may not expect */

static void
am_peer_warn(const struct am_peer *pe, int refile,
    const struct am_dataset_entry *e, struct am_diag *diag)
{
	const char	*s = e->key + (e->key[0] == '!');
	const char	*dot = strchr(s, '.');
	struct am_peer	 a;

	if (refile && e->key[0] == '*')
		am_diag_warn(diag, e->file, e->line, "\"%s\": a pattern "
		    "starting with '*' also matches the negated lookups "
		    "(\"!name\"), so, as in OpenDKIM, it keeps out the hosts "
		    "it matches instead of taking them in%s%s%s",
		    AM_DIAG_Q(e->key), dot != NULL ? "; write \"" : "", dot != NULL ? dot : "", dot != NULL ?
		    "\" to take in every host under that domain" : "");
	else if (!refile && pe->kind == AM_PEER_NAME &&
	    strchr(pe->name, '*') != NULL)
		am_diag_warn(diag, e->file, e->line, "\"%s\": '*' is not a "
		    "wildcard in a file: host list (only in refile:): as in "
		    "OpenDKIM, this entry matches only a host of that very "
		    "name%s%s%s", AM_DIAG_Q(e->key),
		    dot != NULL ? "; write \"" : "",
		    dot != NULL ? dot : "", dot != NULL ? "\" for every host "
		    "under that domain" : "");
	memset(&a, 0, sizeof(a));
	if (refile && strchr(s, '/') != NULL && am_peer_addr(&a, s) == 0 &&
	    strchr(s, '*') == NULL) {
		char	 net[INET6_ADDRSTRLEN], raw[128];
		size_t	 n = strcspn(s, "/");

		(void)inet_ntop(a.kind == AM_PEER_V4 ? AF_INET : AF_INET6,
		    a.addr, net, sizeof(net));
		(void)snprintf(raw, sizeof(raw), "%.*s", (int)n, s);
		if (strcasecmp(raw, net) != 0 && (raw[0] != '[' ||
		    strncasecmp(raw + 1, net, strlen(net)) != 0 ||
		    raw[strlen(net) + 1] != ']'))
			am_diag_warn(diag, e->file, e->line, "\"%s\" never "
			    "matches in a refile: list: host bits are set, "
			    "and OpenDKIM looks up \"%s/%u\"; write that",
			    AM_DIAG_Q(e->key), net, a.bits);
	}
}

/* am_peer_pattern_ok - a refile: entry: host, address and pattern
 * characters only (not some other file's line) */

static int
am_peer_pattern_ok(const char *s)
{
	if (*s == '\0' || strlen(s) > 300)
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) &&
		    strchr(".-_*!:/[]%", *s) == NULL)
			return 0;
	return 1;
}

static struct am_peerlist *
am_peerlist_build(const struct am_dataset *ds, int refile,
    struct am_diag *diag)
{
	struct am_peerlist	*pl = am_calloc(1, sizeof(*pl));
	const struct am_dataset_entry *e;
	struct am_peer		*pe;
	size_t			 i;

	pl->refile = refile;
	pl->v = am_calloc(ds->n, sizeof(*pl->v));
	for (i = 0; i < ds->n; i++) {
		e = &ds->entries[i];
		pe = &pl->v[pl->n];
		if (e->value[0] != '\0') {
			am_diag_error(diag, e->file, e->line, "\"%s %s\": one "
			    "address, network or host name per entry",
			    AM_DIAG_Q(e->key), AM_DIAG_Q(e->value));
			continue;
		}
		if (refile && am_peer_pattern_ok(e->key)) {
			memset(pe, 0, sizeof(*pe));
			pe->kind = AM_PEER_PATTERN;
			pe->text = am_strdup(e->key);
		} else if (refile || am_peer_parse(pe, e->key) == -1) {
			am_diag_error(diag, e->file, e->line, "\"%s\" is not "
			    "an IPv4 or IPv6 address, a CIDR block (write "
			    "192.0.2.0/24, not 192.0.2/24) or a host name%s",
			    AM_DIAG_Q(e->key), refile ? " pattern" : "");
			continue;
		}
		am_peer_warn(pe, refile, e, diag);
		pl->n++;
	}
	return pl;
}

struct am_peerlist *
am_peerlist_new(const struct am_dataset *ds, struct am_diag *diag)
{
	return am_peerlist_build(ds, ds->kind == AM_DATASET_REFILE, diag);
}

/* am_peer_fit - an entry of a host list: one peer, nothing after it */

static int
am_peer_fit(const struct am_dataset_entry *e)
{
	struct am_peer	 p;

	memset(&p, 0, sizeof(p));
	if (e->value[0] != '\0' || am_peer_parse(&p, e->key) == -1)
		return 0;
	free(p.name);
	free(p.text);
	return 1;
}

static int
am_peer_fit_pattern(const struct am_dataset_entry *e)
{
	return e->value[0] == '\0' && am_peer_pattern_ok(e->key);
}

struct am_peerlist *
am_peerlist_load(const char *spec, const char *basedir, const char *file,
    unsigned line, struct am_diag *diag)
{
	struct am_dataset	*ds;
	struct am_peerlist	*pl;
	int			 re;

	if (am_dataset_load(spec, basedir, file, line, diag, &ds) == -1)
		return NULL;
	re = ds->kind == AM_DATASET_REFILE;
	if (am_dataset_unfit(ds, re ? am_peer_fit_pattern : am_peer_fit,
	    "host list", file, line, diag)) {
		am_dataset_free(&ds);
		return NULL;
	}
	pl = am_peerlist_build(ds, re, diag);
	am_dataset_free(&ds);
	return pl;
}

void
am_peerlist_free(struct am_peerlist **plp)
{
	struct am_peerlist	*pl = *plp;
	size_t			 i;

	if (pl == NULL)
		return;
	for (i = 0; i < pl->n; i++) {
		free(pl->v[i].name);
		free(pl->v[i].text);
	}
	free(pl->v);
	free(pl);
	*plp = NULL;
}

size_t
am_peerlist_count(const struct am_peerlist *pl)
{
	return pl == NULL ? 0 : pl->n;
}

void
am_peerlist_print(const struct am_peerlist *pl, FILE *fp)
{
	size_t	 i;

	for (i = 0; pl != NULL && i < pl->n; i++)
		fprintf(fp, "%s%s", i > 0 ? ", " : "", pl->v[i].text);
}

/* am_peer_name - 1 match, 0 negated match, -1 no entry for this name */

static int
am_peer_name(const struct am_peerlist *pl, const char *name)
{
	size_t	 i;
	int	 r = -1;

	for (i = 0; i < pl->n; i++) {
		if (pl->v[i].kind != AM_PEER_NAME ||
		    strcasecmp(pl->v[i].name, name) != 0)
			continue;
		if (pl->v[i].neg)
			return 0;
		r = 1;
	}
	return r;
}

static int
am_peer_host(const struct am_peerlist *pl, const char *host)
{
	const char	*p;
	int		 r;

	if (host == NULL || host[0] == '\0' || host[0] == '[')
		return 0;	/* Postfix's "[addr]" for an unknown name */
	for (p = host; p != NULL; p = strchr(p + 1, '.')) {
		if ((r = am_peer_name(pl, p)) != -1)
			return r;
	}
	return 0;
}

/* am_peer_ip - longest matching prefix wins; negation wins a tie */

static int
am_peer_ip(const struct am_peerlist *pl, enum am_peer_kind kind,
    const unsigned char *addr)
{
	unsigned char	 net[16];
	size_t		 i, len = kind == AM_PEER_V4 ? 4 : 16;
	int		 best = -1, r = 0;

	for (i = 0; i < pl->n; i++) {
		if (pl->v[i].kind != kind || (int)pl->v[i].bits < best)
			continue;
		memcpy(net, addr, len);
		am_peer_mask(net, len, pl->v[i].bits);
		if (memcmp(net, pl->v[i].addr, len) != 0)
			continue;
		if ((int)pl->v[i].bits > best)
			r = !pl->v[i].neg;
		else if (pl->v[i].neg)
			r = 0;
		best = (int)pl->v[i].bits;
	}
	return best == -1 ? -1 : r;
}

static int
am_peer_sa(const struct am_peerlist *pl, const struct sockaddr *sa)
{
	const struct sockaddr_in	*s4;
	const struct sockaddr_in6	*s6;
	int				 r;

	if (sa == NULL)
		return 0;
	if (sa->sa_family == AF_INET) {
		s4 = (const struct sockaddr_in *)(const void *)sa;
		return am_peer_ip(pl, AM_PEER_V4,
		    (const unsigned char *)&s4->sin_addr) == 1;
	}
	if (sa->sa_family != AF_INET6)
		return 0;
	s6 = (const struct sockaddr_in6 *)(const void *)sa;
	if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		r = am_peer_ip(pl, AM_PEER_V4,
		    (const unsigned char *)&s6->sin6_addr + 12);
		if (r != -1)
			return r;
	}
	return am_peer_ip(pl, AM_PEER_V6,
	    (const unsigned char *)&s6->sin6_addr) == 1;
}

/* ---------------------------------------------------------------- refile */

/* am_re_any - does any pattern match s? */

static int
am_re_any(const struct am_peerlist *pl, const char *s)
{
	size_t	 i;

	for (i = 0; i < pl->n; i++)
		if (am_dataset_wildmatch(pl->v[i].text, s))
			return 1;
	return 0;
}

/* am_re_try - one OpenDKIM lookup: 0 "!q" matched, 1 q matched, -1 none */

static int
am_re_try(const struct am_peerlist *pl, const char *q)
{
	char	 neg[400];

	(void)snprintf(neg, sizeof(neg), "!%s", q);
	if (am_re_any(pl, neg))
		return 0;
	return am_re_any(pl, q) ? 1 : -1;
}

static int
am_re_host(const struct am_peerlist *pl, const char *host)
{
	const char	*p;
	int		 r;

	if (host == NULL || host[0] == '\0' || host[0] == '[' ||
	    strlen(host) > 300)
		return 0;
	for (p = host; p != NULL; p = strchr(p + 1, '.'))
		if ((r = am_re_try(pl, p)) != -1)
			return r;
	return 0;
}

/* am_re_ip - the address, "[address]", then every network/bits from
 * the longest prefix down, each also in brackets */

static int
am_re_ip(const struct am_peerlist *pl, int af, const unsigned char *addr)
{
	unsigned char	 net[16];
	char		 text[INET6_ADDRSTRLEN], q[INET6_ADDRSTRLEN + 8], *p;
	size_t		 len = af == AF_INET ? 4 : 16;
	int		 bits, r;

	(void)inet_ntop(af, addr, text, sizeof(text));
	for (p = text; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	if ((r = am_re_try(pl, text)) != -1)
		return r;
	(void)snprintf(q, sizeof(q), "[%s]", text);
	if ((r = am_re_try(pl, q)) != -1)
		return r;
	for (bits = (int)len * 8; bits >= 0; bits--) {
		memcpy(net, addr, len);
		am_peer_mask(net, len, (unsigned)bits);
		(void)inet_ntop(af, net, text, sizeof(text));
		for (p = text; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
		(void)snprintf(q, sizeof(q), "%s/%d", text, bits);
		if ((r = am_re_try(pl, q)) != -1)
			return r;
		(void)snprintf(q, sizeof(q), "[%s]/%d", text, bits);
		if ((r = am_re_try(pl, q)) != -1)
			return r;
	}
	return 0;
}

static int
am_re_sa(const struct am_peerlist *pl, const struct sockaddr *sa)
{
	const struct sockaddr_in	*s4;
	const struct sockaddr_in6	*s6;

	if (sa == NULL)
		return 0;
	if (sa->sa_family == AF_INET) {
		s4 = (const struct sockaddr_in *)(const void *)sa;
		return am_re_ip(pl, AF_INET,
		    (const unsigned char *)&s4->sin_addr);
	}
	if (sa->sa_family != AF_INET6)
		return 0;
	s6 = (const struct sockaddr_in6 *)(const void *)sa;
	if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
		return am_re_ip(pl, AF_INET,
		    (const unsigned char *)&s6->sin6_addr + 12);
	return am_re_ip(pl, AF_INET6, (const unsigned char *)&s6->sin6_addr);
}

int
am_peerlist_match(const struct am_peerlist *pl, const struct sockaddr *sa,
    const char *host)
{
	if (pl == NULL)
		return 0;
	if (pl->refile)
		return am_re_host(pl, host) == 1 || am_re_sa(pl, sa) == 1;
	return am_peer_host(pl, host) == 1 || am_peer_sa(pl, sa) == 1;
}
