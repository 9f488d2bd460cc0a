/* placeholder */
typedef int am_placeholder_session;
