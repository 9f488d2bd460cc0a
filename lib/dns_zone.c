/* placeholder: dns_zone */
typedef int am_placeholder_dns_zone;
