/* placeholder: dkim_sign */
typedef int am_placeholder_dkim_sign;
