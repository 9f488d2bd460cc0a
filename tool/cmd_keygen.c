/* placeholder */
typedef int am_placeholder_cmd_keygen;
