/* placeholder: dns_ldns */
typedef int am_placeholder_dns_ldns;
