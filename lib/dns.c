/* placeholder: dns */
typedef int am_placeholder_dns;
