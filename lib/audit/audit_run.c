/*
 * audit_run - every check for one domain, in a fixed order: DKIM,
 * SPF, DMARC, MX, the sending addresses, then the SMTP server
 */

#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "mem.h"

static void
am_audit_dkim_all(struct am_dns *dns, const struct am_audit_input *in,
    struct am_audit *a)
{
	struct am_audit_finding	*f;
	int			*types;
	size_t			 i;

	if (in->nkeys == 0) {
		f = am_audit_add(a, AM_AUDIT_WARN, "dkim.selector", in->domain,
		    "RFC 6376 3.6.2.1", "no DKIM selector given, so DKIM was "
		    "not checked");
		am_audit_fix(f, "give --selector S --key KEYFILE, or -c with "
		    "the signing configuration");
	} else {
		types = am_calloc(in->nkeys, sizeof(*types));
		for (i = 0; i < in->nkeys; i++)
			am_audit_dkim_key(dns, in->domain, &in->keys[i],
			    &types[i], a);
		am_audit_dkim_companion(in->domain, types, in->nkeys, a);
		free(types);
	}
	if (in->canon_known)
		am_audit_dkim_canon(in->domain, in->hcanon, in->bcanon, a);
}

void
am_audit_domain(struct am_dns *dns, const struct am_audit_input *in,
    struct am_audit *a)
{
	struct am_audit	 smtp;
	char		 helo[256];
	size_t		 i;

	am_audit_init(&smtp);
	helo[0] = '\0';
	am_audit_dkim_all(dns, in, a);
	am_audit_spf(dns, in->domain, in->ips, in->nips, a);
	am_audit_dmarc(dns, in->domain, a);
	am_audit_mx(dns, in->domain, a);
	if (in->smtp != NULL)
		am_audit_smtp(dns, in->domain, in->smtp, in->smtp_timeout_ms,
		    helo, sizeof(helo), &smtp);
	for (i = 0; i < in->nips; i++)
		am_audit_ip(dns, in->domain, in->ips[i], helo[0] != '\0' ?
		    helo : NULL, in->dnsbl, in->ndnsbl, a);
	am_audit_move(a, &smtp);
}
