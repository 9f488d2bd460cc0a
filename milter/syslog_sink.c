/* placeholder */
typedef int am_placeholder_syslog_sink;
