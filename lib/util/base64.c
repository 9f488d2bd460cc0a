/*
 * base64 - the base64 of DKIM tag values (b=, bh=, p=)
 */

#include <stdlib.h>

#include <openssl/evp.h>

#include "base64.h"
#include "mem.h"

static int
am_is_b64(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/';
}

static int
am_is_fws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int
am_base64_decode_fws(const char *p, size_t n, unsigned char **bin_out,
    size_t *bin_len, char **text_out)
{
	char		*t;
	unsigned char	*bin;
	size_t		 tn = 0, pad = 0, i;
	int		 r = -1;

	t = am_malloc(n + 1);
	for (i = 0; i < n; i++)
		if (!am_is_fws((unsigned char)p[i]))
			t[tn++] = p[i];
	t[tn] = '\0';
	if (tn > 0 && t[tn - 1] == '=')
		pad++;
	if (pad == 1 && tn > 1 && t[tn - 2] == '=')
		pad++;
	for (i = 0; i + pad < tn; i++)
		if (!am_is_b64((unsigned char)t[i]))
			break;
	bin = am_malloc(tn / 4 * 3 + 1);
	/* EVP_DecodeBlock counts padding as zero bytes: take it off. */
	if (tn == 0 || tn % 4 != 0 || i + pad != tn ||
	    (r = EVP_DecodeBlock(bin, (unsigned char *)t, (int)tn)) < 0 ||
	    (size_t)r != tn / 4 * 3) {
		free(t);
		free(bin);
		return -1;
	}
	*bin_out = bin;
	*bin_len = (size_t)r - pad;
	if (text_out != NULL)
		*text_out = t;
	else
		free(t);
	return 0;
}

int
am_base64_encode(const unsigned char *p, size_t n, struct am_buf *out)
{
	unsigned char	 tmp[4 * 192 / 3 + 1];
	size_t		 chunk, olen;

	/* 192 input bytes at a time: a multiple of 3, so no inner padding. */
	while (n > 0) {
		chunk = n > 192 ? 192 : n;
		olen = (size_t)EVP_EncodeBlock(tmp, p, (int)chunk);
		(void)am_buf_append(out, tmp, olen);
		p += chunk;
		n -= chunk;
	}
	return out->err ? -1 : 0;
}
