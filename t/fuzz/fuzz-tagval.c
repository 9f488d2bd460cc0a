/*
 * fuzz-tagval - libFuzzer target for am_tagval_parse()
 *
 * Checks, beyond "no crash": every view lies inside the input, names
 * are ALPHA *(ALPHA / DIGIT / "_"), values have no FWS at either end,
 * and am_tagval_get() finds each tag by name.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "tagval.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
is_fws(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void
check_tag(const struct am_tagval *tv, const struct am_tag *t,
    const char *in, size_t len)
{
	char	*name;
	size_t	 i;

	if (t->name < in || t->name + t->name_len > in + len ||
	    t->value < in || t->value + t->value_len > in + len)
		abort();
	if (t->name_len == 0)
		abort();
	for (i = 0; i < t->name_len; i++)
		if (!((t->name[i] >= 'a' && t->name[i] <= 'z') ||
		    (t->name[i] >= 'A' && t->name[i] <= 'Z') ||
		    (i > 0 && ((t->name[i] >= '0' && t->name[i] <= '9') ||
		    t->name[i] == '_'))))
			abort();
	if (t->value_len > 0 && (is_fws((unsigned char)t->value[0]) ||
	    is_fws((unsigned char)t->value[t->value_len - 1])))
		abort();
	if (memchr(t->value, ';', t->value_len) != NULL)
		abort();
	name = am_strndup(t->name, t->name_len);
	if (am_tagval_get(tv, name) != t)
		abort();
	free(name);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct am_tagval	 tv;
	struct am_err		 err;
	const char		*in = (const char *)data;
	size_t			 i;

	if (am_tagval_parse(in, size, &tv, &err) == -1) {
		if (err.msg[0] == '\0' || err.code == AM_E_NONE)
			abort();
		return 0;
	}
	if (tv.n == 0 || tv.n > AM_TAGVAL_MAX)
		abort();
	for (i = 0; i < tv.n; i++)
		check_tag(&tv, &tv.tags[i], in, size);
	return 0;
}
