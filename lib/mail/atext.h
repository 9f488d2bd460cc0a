#ifndef AM_ATEXT_H
#define AM_ATEXT_H

/*
 * atext - RFC 5322 3.2.3 atext and dot-atom, the one copy
 *
 * atext: ALPHA / DIGIT / "!#$%&'*+-/=?^_`{|}~" (ASCII only: callers
 * that accept UTF-8, RFC 6532, test octets >= 0x80 themselves).
 * dot-atom-text: 1*atext *("." 1*atext): not empty, no leading,
 * trailing or doubled dot.
 */

#include <stddef.h>

int	am_atext(int c);
/* s[0..n) is dot-atom-text. */
int	am_dot_atom(const char *s, size_t n);

#endif /* AM_ATEXT_H */
