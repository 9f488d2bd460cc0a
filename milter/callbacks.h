#ifndef AM_CALLBACKS_H
#define AM_CALLBACKS_H

/*
 * callbacks - the xxfi_* functions: marshalling between libmilter and
 * session.c/apply.c, nothing more
 *
 * Negotiation asks for SMFIF_ADDHDRS, SMFIF_CHGHDRS and
 * SMFIF_QUARANTINE, and for SMFIP_HDR_LEADSPC (header values reach the
 * core verbatim, leading space included, as simple canonicalization
 * needs), SMFIP_SKIP (the body is skipped when nothing needs it),
 * SMFIP_NR_HDR (no round trip per header), SMFIP_NOUNKNOWN and
 * SMFIP_NODATA, each only when the MTA offers it.
 */

/* smfi_register()s the filter; returns MI_SUCCESS or MI_FAILURE. */
int	am_callbacks_register(void);

#endif /* AM_CALLBACKS_H */
