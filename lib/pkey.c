/* placeholder: pkey */
typedef int am_placeholder_pkey;
