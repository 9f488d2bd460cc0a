/* placeholder: digest */
typedef int am_placeholder_digest;
