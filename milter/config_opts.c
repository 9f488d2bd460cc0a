/* placeholder */
typedef int am_placeholder_config_opts;
