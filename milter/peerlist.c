/* placeholder */
typedef int am_placeholder_peerlist;
