/* placeholder: dkim_verify */
typedef int am_placeholder_dkim_verify;
