/* placeholder */
typedef int am_placeholder_signtable;
