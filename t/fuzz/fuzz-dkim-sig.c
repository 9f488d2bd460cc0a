/*
 * fuzz-dkim-sig - libFuzzer target for am_dkim_sig_parse() and
 * am_dkim_sig_strip_b() on "DKIM-Signature:" + input, and for
 * am_domain_to_alabel() on the input itself
 *
 * Invariants checked: a signature that parses has b=, so strip_b
 * succeeds on it, and the stripped value no longer parses, failing
 * on the empty b=.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dkim_sig.h"
#include "domain.h"
#include "mem.h"

#define PREFIX		"DKIM-Signature:"
#define PREFIX_LEN	(sizeof(PREFIX) - 1)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_sig(const struct am_dkim_sig *sig)
{
	size_t	 i;

	if (sig->alg_name == NULL || sig->d == NULL || sig->d_alabel == NULL ||
	    sig->s == NULL || sig->h == NULL || sig->h_n == 0 ||
	    sig->b == NULL || sig->b_text == NULL || sig->bh == NULL)
		abort();
	for (i = 0; i < sig->h_n; i++)
		if (sig->h[i] == NULL || sig->h[i][0] == '\0')
			abort();
	if (sig->has_x && sig->has_t && sig->x < sig->t)
		abort();
	if (!am_domain_within(sig->d_alabel, sig->d_alabel))
		abort();
}

static void
check_stripped(const struct am_buf *out)
{
	struct am_dkim_sig	 sig;
	struct am_err		 err;

	if (out->len < PREFIX_LEN)
		abort();
	if (am_dkim_sig_parse((const char *)out->data + PREFIX_LEN,
	    out->len - PREFIX_LEN, &sig, &err) == 0)
		abort();
	if (strcmp(err.msg, "syntax error in b=") != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct am_dkim_sig	 sig;
	struct am_err		 err;
	struct am_buf		 out;
	char			*raw, *dom;
	int			 parsed, stripped;

	raw = am_malloc(PREFIX_LEN + size);
	memcpy(raw, PREFIX, PREFIX_LEN);
	if (size > 0)
		memcpy(raw + PREFIX_LEN, data, size);

	parsed = am_dkim_sig_parse(raw + PREFIX_LEN, size, &sig, &err) == 0;
	if (parsed)
		check_sig(&sig);
	else if (err.msg[0] == '\0')
		abort();
	am_dkim_sig_release(&sig);

	am_buf_init(&out, 2 * (PREFIX_LEN + size) + 16);
	stripped = am_dkim_sig_strip_b(raw, PREFIX_LEN + size, &out) == 0;
	if (parsed && !stripped)
		abort();
	if (parsed)
		check_stripped(&out);
	if (stripped && out.len > PREFIX_LEN + size)
		abort();
	am_buf_release(&out);

	dom = am_domain_to_alabel((const char *)data, size, NULL);
	free(dom);
	free(raw);
	return 0;
}
