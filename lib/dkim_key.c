/* placeholder: dkim_key */
typedef int am_placeholder_dkim_key;
