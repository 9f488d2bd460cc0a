/* placeholder: msgparse */
typedef int am_placeholder_msgparse;
