/* placeholder: bodyhash */
typedef int am_placeholder_bodyhash;
