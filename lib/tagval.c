/* placeholder: tagval */
typedef int am_placeholder_tagval;
