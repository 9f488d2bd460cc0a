/* placeholder: dkim_sig */
typedef int am_placeholder_dkim_sig;
