/* placeholder: authres */
typedef int am_placeholder_authres;
