/*
 * audit_mx - where mail to the domain goes (RFC 5321 5.1, RFC 2181
 * 10.3, RFC 7505)
 *
 * Mail to postmaster@, abuse@ and the DMARC report addresses of the
 * domain, and every bounce, needs working MX records.  Checks: mx.record
 * (MX records present; a null MX says the domain takes no mail, and no
 * MX falls back on the domain's own address), and for each MX name
 * mx.literal (an address written as a name), mx.cname (the name is an
 * alias: RFC 2181 10.3 forbids it) and mx.address (the name has A or
 * AAAA records).
 */

#include <stdio.h>
#include <string.h>

#include "audit.h"

#define AM_MX_MAX	16	/* MX names looked at */

static int
am_mx_has_addr(struct am_dns *dns, const char *name, enum am_dns_status *st)
{
	struct am_dns_result	 res;
	enum am_dns_status	 s4, s6;

	s4 = am_dns_lookup(dns, name, AM_DNS_A, &res);
	am_dns_result_release(&res);
	s6 = am_dns_lookup(dns, name, AM_DNS_AAAA, &res);
	am_dns_result_release(&res);
	*st = s4 == AM_DNS_NODATA ? s6 : s4;
	return s4 == AM_DNS_OK || s6 == AM_DNS_OK;
}

/* Looks like an address ("192.0.2.1", "[192.0.2.1]", "2001:db8::1")? */
static int
am_mx_literal(const char *name)
{
	const char	*p;
	int		 digits_dots = 1;

	if (name[0] == '[' || strchr(name, ':') != NULL)
		return 1;
	for (p = name; *p != '\0'; p++)
		if ((*p < '0' || *p > '9') && *p != '.')
			digits_dots = 0;
	return digits_dots;
}

static void
am_mx_name(struct am_dns *dns, const char *domain, const char *name,
    struct am_audit *a)
{
	struct am_audit_finding	*f;
	struct am_dns_result	 res;
	enum am_dns_status	 st;
	int			 cname;

	if (am_mx_literal(name)) {
		f = am_audit_add(a, AM_AUDIT_FAIL, "mx.literal", domain,
		    "RFC 5321 5.1", "MX %s is an address, not a host name",
		    name);
		am_audit_fix(f, "point the MX at a name with an A record: "
		    "%s. IN MX 10 mail.%s. and mail.%s. IN A ADDRESS", domain,
		    domain, domain);
		return;
	}
	cname = am_dns_lookup(dns, name, AM_DNS_CNAME, &res) == AM_DNS_OK;
	if (cname) {
		f = am_audit_add(a, AM_AUDIT_FAIL, "mx.cname", domain,
		    "RFC 2181 10.3", "MX %s is an alias (CNAME to %s); MX "
		    "must name the host itself", name,
		    res.n > 0 ? res.rr[0].name : "?");
		am_audit_fix(f, "point the MX at %s itself, or replace the "
		    "CNAME at %s by A/AAAA records", res.n > 0 ?
		    res.rr[0].name : "the target", name);
	} else
		am_audit_add(a, AM_AUDIT_PASS, "mx.cname", domain,
		    "RFC 2181 10.3", "MX %s is not an alias", name);
	am_dns_result_release(&res);
	if (am_mx_has_addr(dns, name, &st))
		am_audit_add(a, AM_AUDIT_PASS, "mx.address", domain,
		    "RFC 5321 5.1", "MX %s has an address", name);
	else {
		f = am_audit_add(a, AM_AUDIT_FAIL, "mx.address", domain,
		    "RFC 5321 5.1", "MX %s has no A or AAAA record (%s): mail "
		    "cannot be delivered to it", name, am_dns_status_name(st));
		am_audit_fix(f, "publish %s. IN A ADDRESS (and AAAA if the "
		    "host has IPv6)", name);
	}
}

void
am_audit_mx(struct am_dns *dns, const char *domain, struct am_audit *a)
{
	struct am_audit_finding	*f;
	struct am_dns_result	 res;
	enum am_dns_status	 st, ast;
	size_t			 i;

	st = am_dns_lookup(dns, domain, AM_DNS_MX, &res);
	if (st == AM_DNS_NODATA || st == AM_DNS_NXDOMAIN) {
		if (st == AM_DNS_NODATA && am_mx_has_addr(dns, domain, &ast)) {
			f = am_audit_add(a, AM_AUDIT_WARN, "mx.record", domain,
			    "RFC 5321 5.1", "no MX record: mail goes to the "
			    "domain's own address (implicit MX)");
			am_audit_fix(f, "publish %s. IN MX 10 mail.%s. (a host "
			    "with an A record)", domain, domain);
		} else {
			f = am_audit_add(a, AM_AUDIT_FAIL, "mx.record", domain,
			    "RFC 5321 5.1", "no MX record and no address (%s): "
			    "bounces, postmaster@ and reports cannot reach %s",
			    am_dns_status_name(st), domain);
			am_audit_fix(f, "publish %s. IN MX 10 mail.%s. and an "
			    "A record for mail.%s", domain, domain, domain);
		}
	} else if (st != AM_DNS_OK) {
		f = am_audit_add(a, AM_AUDIT_FAIL, "mx.record", domain,
		    "RFC 5321 5.1", "DNS lookup of %s MX failed: %s", domain,
		    am_dns_status_name(st));
		am_audit_fix(f, "make the zone's name servers answer for %s",
		    domain);
	} else if (res.n == 1 && res.rr[0].name[0] == '\0') {
		f = am_audit_add(a, AM_AUDIT_WARN, "mx.record", domain,
		    "RFC 7505", "null MX: %s accepts no mail, so bounces, "
		    "postmaster@ and DMARC reports to it are lost", domain);
		am_audit_fix(f, "publish a real MX if %s sends mail", domain);
	} else {
		am_audit_add(a, AM_AUDIT_PASS, "mx.record", domain,
		    "RFC 5321 5.1", "%zu MX record%s", res.n,
		    res.n == 1 ? "" : "s");
		for (i = 0; i < res.n && i < AM_MX_MAX; i++)
			if (res.rr[i].name[0] != '\0')
				am_mx_name(dns, domain, res.rr[i].name, a);
	}
	am_dns_result_release(&res);
}
