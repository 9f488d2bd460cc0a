/*
 * atext - RFC 5322 3.2.3 atext and dot-atom
 */

#include <string.h>

#include "atext.h"

int
am_atext(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c > 0 && c < 0x80 &&
	    strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

int
am_dot_atom(const char *s, size_t n)
{
	size_t	 i;
	int	 prev_dot = 1;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (prev_dot)
				return 0;
			prev_dot = 1;
			continue;
		}
		prev_dot = 0;
		if (!am_atext((unsigned char)s[i]))
			return 0;
	}
	return !prev_dot;
}
