/* placeholder: canon */
typedef int am_placeholder_canon;
