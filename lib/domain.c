/* placeholder: domain */
typedef int am_placeholder_domain;
