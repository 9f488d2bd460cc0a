/* placeholder: hdr */
typedef int am_placeholder_hdr;
