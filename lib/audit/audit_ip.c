/*
 * audit_ip - one sending address as receivers will look it up
 *
 * Checks: ip.ptr (a PTR record exists, RFC 1912 2.1), ip.fcrdns (a PTR
 * name resolves back to the address: forward-confirmed reverse DNS,
 * RFC 8601 3 "iprev"), ip.ptr-name (the name is not a generic one
 * from a dynamic or residential range, and looks like a mail host's),
 * ip.helo (the HELO name, when known, is one of the PTR names) and
 * ip.dnsbl (the address is listed on none of the DNSBL zones, RFC 5782:
 * an answer in 127.0.0.0/8 means listed, 127.255.255.0/24 is the
 * zone's own error code).
 */

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "domain.h"

#define AM_IP_MAXPTR	10	/* PTR names looked at (RFC 7208 5.5 too) */

/* ---------------------------------------------------------------- names */

/* Is the token [p, p+n) one of the words in list? */
static int
am_ip_word(const char *p, size_t n, const char *const *list)
{
	size_t	 i;

	for (i = 0; list[i] != NULL; i++)
		if (strlen(list[i]) == n && strncmp(p, list[i], n) == 0)
			return 1;
	return 0;
}

/* Words of residential and dynamic ranges (a token of the name, the
 * digits around it dropped: "dsl123" is "dsl"). */
static const char *const am_ip_generic_words[] = {
	"dynamic", "dyn", "dhcp", "pool", "dsl", "adsl", "vdsl", "xdsl",
	"cable", "ppp", "pppoe", "dial", "dialup", "dialin", "client",
	"customer", "cust", "broadband", "residential", "res", "home",
	"user", "users", "dip", "dyndsl", "cpe", "modem", "fibre", "fiber",
	"ftth", "wifi", "wireless", "mobile", "unknown", "unassigned",
	"nat", "ip", "host", "static", NULL
};

static const char *const am_ip_mail_words[] = {
	"mail", "smtp", "mx", "mta", "out", "outbound", "relay", "mailout",
	"smtp-out", "mailgw", "gw", "mailer", "postfix", "mailhost", "exim",
	"email", NULL
};

/* The address written into the name: its four octets in order or
 * reversed, joined by one of "-._", or as 8 hex digits. */
static int
am_ip_name_has_addr(const char *name, const char *ip)
{
	unsigned char	 b[4];
	const char	*seps = "-._";
	char		 pat[40];
	size_t		 s;

	if (ip == NULL || inet_pton(AF_INET, ip, b) != 1)
		return 0;
	for (s = 0; s < 3; s++) {
		(void)snprintf(pat, sizeof(pat), "%u%c%u%c%u%c%u", b[0],
		    seps[s], b[1], seps[s], b[2], seps[s], b[3]);
		if (strstr(name, pat) != NULL)
			return 1;
		(void)snprintf(pat, sizeof(pat), "%u%c%u%c%u%c%u", b[3],
		    seps[s], b[2], seps[s], b[1], seps[s], b[0]);
		if (strstr(name, pat) != NULL)
			return 1;
	}
	(void)snprintf(pat, sizeof(pat), "%02x%02x%02x%02x", b[0], b[1], b[2],
	    b[3]);
	return strstr(name, pat) != NULL;
}

/* Each token of the labels below the last two (a token is a run of
 * letters; "-" and digits separate them). */
static int
am_ip_name_generic_word(const char *name)
{
	const char	*end = name + strlen(name), *p, *q;
	int		 dots = 0;

	for (p = end; p > name; p--)
		if (p[-1] == '.' && ++dots == 2)
			break;
	end = p;
	for (p = name; p < end; p = q) {
		while (p < end && !isalpha((unsigned char)*p))
			p++;
		for (q = p; q < end && isalpha((unsigned char)*q); q++)
			;
		if (q > p && am_ip_word(p, (size_t)(q - p),
		    am_ip_generic_words))
			return 1;
	}
	return 0;
}

enum am_audit_name
am_audit_ptr_name(const char *name, const char *ip)
{
	char		 low[256], first[64];
	size_t		 i, n;

	for (i = 0; name[i] != '\0' && i + 1 < sizeof(low); i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	low[i] = '\0';
	if (am_ip_name_has_addr(low, ip) || am_ip_name_generic_word(low))
		return AM_AUDIT_NAME_GENERIC;
	/* The first label without trailing digits and '-': "mail2", "mx-1". */
	for (n = 0; low[n] != '\0' && low[n] != '.' && n + 1 < sizeof(first);
	    n++)
		first[n] = low[n];
	while (n > 0 && (isdigit((unsigned char)first[n - 1]) ||
	    first[n - 1] == '-'))
		n--;
	first[n] = '\0';
	if (strchr(low, '.') != NULL && am_ip_word(first, n, am_ip_mail_words))
		return AM_AUDIT_NAME_MAIL;
	return AM_AUDIT_NAME_OTHER;
}

/* ---------------------------------------------------------------- checks */

/* Does name resolve to ip? */
static int
am_ip_confirms(struct am_dns *dns, const char *name, const char *ip)
{
	struct am_dns_result	 res;
	unsigned char		 b[16];
	size_t			 i, len;
	int			 v6, ok = 0;

	v6 = inet_pton(AF_INET, ip, b) != 1;
	if (v6 && inet_pton(AF_INET6, ip, b) != 1)
		return 0;
	len = v6 ? 16 : 4;
	if (am_dns_lookup(dns, name, v6 ? AM_DNS_AAAA : AM_DNS_A, &res) ==
	    AM_DNS_OK)
		for (i = 0; i < res.n; i++)
			ok |= memcmp(res.rr[i].addr, b, len) == 0;
	am_dns_result_release(&res);
	return ok;
}

static void
am_ip_names(struct am_dns *dns, const char *domain, const char *ip,
    const struct am_dns_result *ptr, const char *helo, struct am_audit *a)
{
	struct am_audit_finding	*f;
	const char		*confirmed = NULL;
	size_t			 i, n = ptr->n < AM_IP_MAXPTR ? ptr->n :
				    AM_IP_MAXPTR;
	int			 helo_seen = 0;
	enum am_audit_name	 kind;

	for (i = 0; i < n && confirmed == NULL; i++)
		if (am_ip_confirms(dns, ptr->rr[i].name, ip))
			confirmed = ptr->rr[i].name;
	if (confirmed != NULL)
		am_audit_add(a, AM_AUDIT_PASS, "ip.fcrdns", domain,
		    "RFC 8601 3", "%s -> %s -> %s (forward-confirmed)", ip,
		    confirmed, ip);
	else {
		f = am_audit_add(a, AM_AUDIT_FAIL, "ip.fcrdns", domain,
		    "RFC 8601 3", "%s has PTR %s, which does not resolve back "
		    "to %s: receivers see iprev=fail", ip, ptr->rr[0].name, ip);
		am_audit_fix(f, "publish %s. IN %s %s", ptr->rr[0].name,
		    strchr(ip, ':') != NULL ? "AAAA" : "A", ip);
	}
	kind = am_audit_ptr_name(confirmed != NULL ? confirmed :
	    ptr->rr[0].name, ip);
	if (kind == AM_AUDIT_NAME_GENERIC) {
		f = am_audit_add(a, AM_AUDIT_FAIL, "ip.ptr-name", domain,
		    "RFC 1912 2.1", "PTR %s looks like a dynamic or "
		    "residential address's name: many receivers refuse such "
		    "hosts", confirmed != NULL ? confirmed : ptr->rr[0].name);
		am_audit_fix(f, "ask whoever runs %s's reverse zone for a PTR "
		    "such as mail.%s (and publish mail.%s. IN A %s)", ip,
		    domain, domain, ip);
	} else if (kind == AM_AUDIT_NAME_OTHER) {
		f = am_audit_add(a, AM_AUDIT_WARN, "ip.ptr-name", domain,
		    "RFC 1912 2.1", "PTR %s does not look like a mail server's "
		    "name (mail., smtp., mx.)", confirmed != NULL ? confirmed :
		    ptr->rr[0].name);
		am_audit_fix(f, "a PTR such as mail.%s is what receivers "
		    "expect", domain);
	} else
		am_audit_add(a, AM_AUDIT_PASS, "ip.ptr-name", domain,
		    "RFC 1912 2.1", "PTR %s looks like a mail server's name",
		    confirmed != NULL ? confirmed : ptr->rr[0].name);
	if (helo == NULL || helo[0] == '\0')
		return;
	for (i = 0; i < n; i++)
		helo_seen |= am_domain_eq(helo, ptr->rr[i].name);
	if (helo_seen)
		am_audit_add(a, AM_AUDIT_PASS, "ip.helo", domain,
		    "RFC 5321 4.1.1.1", "HELO name %s is the PTR name of %s",
		    helo, ip);
	else {
		f = am_audit_add(a, AM_AUDIT_WARN, "ip.helo", domain,
		    "RFC 5321 4.1.1.1", "HELO name %s is not the PTR name of "
		    "%s (%s)", helo, ip, ptr->rr[0].name);
		am_audit_fix(f, "make the server greet as %s (Postfix: "
		    "myhostname = %s), or change the PTR to %s", confirmed !=
		    NULL ? confirmed : ptr->rr[0].name, confirmed != NULL ?
		    confirmed : ptr->rr[0].name, helo);
	}
}

static void
am_ip_ptr(struct am_dns *dns, const char *domain, const char *ip,
    const char *helo, struct am_audit *a)
{
	struct am_audit_finding	*f;
	struct am_dns_result	 res;
	enum am_dns_status	 st;
	char			 rev[128];

	if (am_dns_reverse_name(ip, NULL, rev, sizeof(rev)) == -1) {
		am_audit_add(a, AM_AUDIT_FAIL, "ip.ptr", domain, NULL,
		    "%s is not an IPv4 or IPv6 address", ip);
		return;
	}
	st = am_dns_lookup(dns, rev, AM_DNS_PTR, &res);
	if (st != AM_DNS_OK) {
		f = am_audit_add(a, AM_AUDIT_FAIL, "ip.ptr", domain,
		    "RFC 1912 2.1", "%s has no PTR record (%s %s): many "
		    "receivers refuse mail from it", ip, rev,
		    am_dns_status_name(st));
		am_audit_fix(f, "ask whoever runs the reverse zone (your "
		    "provider) for %s. IN PTR mail.%s. and publish mail.%s. "
		    "IN %s %s", rev, domain, domain, strchr(ip, ':') != NULL ?
		    "AAAA" : "A", ip);
	} else {
		am_audit_add(a, AM_AUDIT_PASS, "ip.ptr", domain,
		    "RFC 1912 2.1", "%s has PTR %s%s", ip, res.rr[0].name,
		    res.n > 1 ? " (and more)" : "");
		am_ip_names(dns, domain, ip, &res, helo, a);
	}
	am_dns_result_release(&res);
}

static void
am_ip_dnsbl(struct am_dns *dns, const char *domain, const char *ip,
    const char *zone, struct am_audit *a)
{
	struct am_audit_finding	*f;
	struct am_dns_result	 res, txt;
	enum am_dns_status	 st;
	char			 q[300];
	const unsigned char	*b;

	if (am_dns_reverse_name(ip, zone, q, sizeof(q)) == -1)
		return;
	st = am_dns_lookup(dns, q, AM_DNS_A, &res);
	b = st == AM_DNS_OK && res.n > 0 ? res.rr[0].addr : NULL;
	if (st == AM_DNS_NXDOMAIN || st == AM_DNS_NODATA)
		am_audit_add(a, AM_AUDIT_PASS, "ip.dnsbl", domain, "RFC 5782",
		    "%s is not listed on %s", ip, zone);
	else if (b != NULL && b[0] == 127 && b[1] == 255 && b[2] == 255) {
		f = am_audit_add(a, AM_AUDIT_WARN, "ip.dnsbl", domain,
		    "RFC 5782", "%s refused the query (127.255.255.%u): no "
		    "answer about %s", zone, b[3], ip);
		am_audit_fix(f, "query %s through your own resolver, not a "
		    "public one", zone);
	} else if (b != NULL && b[0] == 127) {
		(void)am_dns_lookup(dns, q, AM_DNS_TXT, &txt);
		f = am_audit_add(a, AM_AUDIT_FAIL, "ip.dnsbl", domain,
		    "RFC 5782", "%s is listed on %s (127.%u.%u.%u)%s%.*s", ip,
		    zone, b[1], b[2], b[3], txt.status == AM_DNS_OK &&
		    txt.n > 0 ? ": " : "", txt.status == AM_DNS_OK &&
		    txt.n > 0 ? (int)(txt.rr[0].txt_len > 300 ? 300 :
		    txt.rr[0].txt_len) : 0, txt.status == AM_DNS_OK &&
		    txt.n > 0 ? txt.rr[0].txt : "");
		am_dns_result_release(&txt);
		am_audit_fix(f, "find out why (the zone's web site), fix it "
		    "and ask %s for delisting", zone);
	} else {
		f = am_audit_add(a, AM_AUDIT_WARN, "ip.dnsbl", domain,
		    "RFC 5782", "%s: %s", q, st == AM_DNS_OK ?
		    "answer outside 127.0.0.0/8" : am_dns_status_name(st));
		am_audit_fix(f, "check that %s is a DNSBL zone and reachable",
		    zone);
	}
	am_dns_result_release(&res);
}

void
am_audit_ip(struct am_dns *dns, const char *domain, const char *ip,
    const char *helo, const char *const *dnsbl, size_t ndnsbl,
    struct am_audit *a)
{
	size_t	 i;

	am_ip_ptr(dns, domain, ip, helo, a);
	for (i = 0; i < ndnsbl; i++)
		am_ip_dnsbl(dns, domain, ip, dnsbl[i], a);
}
