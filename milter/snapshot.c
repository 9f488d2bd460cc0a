/* placeholder */
typedef int am_placeholder_snapshot;
