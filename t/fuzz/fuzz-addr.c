/*
 * fuzz-addr - libFuzzer target for am_addr_parse() and am_from_fields()
 *
 * Input: a header field value; for the author set it is also split at
 * every blank line ("\n\n") into up to 8 From field values.
 * Checks, beyond "no crash":
 *  - the status agrees with the mailboxes: OK has n >= 1 and every
 *    alabel, EMPTY and UNPARSEABLE have none, NODOMAIN has a mailbox
 *    without alabel; a reason unless OK, its offset inside the value;
 *  - display names and mailbox offsets lie inside the value;
 *  - an alabel is lower-case LDH (or '_') and converts to itself; addr
 *    ends in "@" alabel; no string holds CR, LF or NUL;
 *  - folding the value at every space (but an escaped one) changes
 *    nothing;
 *  - the canonical addresses, joined with ",", parse back to themselves;
 *  - the author set: NONE iff no field, SEVERAL_FIELDS iff several, OK
 *    with one addr and one domain, domains distinct and complete only
 *    when every field parsed.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "buf.h"
#include "domain.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_str(const char *s)
{
	if (s != NULL && strpbrk(s, "\r\n") != NULL)
		__builtin_trap();
}

static void
check_list(const char *v, size_t len, const struct am_addr_list *l)
{
	const struct am_addr_mbox	*m;
	char				*again;
	size_t				 i, nodomain = 0, al;

	if (l->n > AM_ADDR_MAXMBOX || l->reason == NULL)
		__builtin_trap();
	if ((l->status == AM_ADDR_OK) != (l->reason[0] == '\0'))
		__builtin_trap();
	if (l->status != AM_ADDR_OK && l->offset > len)
		__builtin_trap();
	if ((l->status == AM_ADDR_EMPTY || l->status == AM_ADDR_UNPARSEABLE) !=
	    (l->n == 0))
		__builtin_trap();
	for (i = 0; i < l->n; i++) {
		m = &l->mbox[i];
		if (m->off >= len || m->display_off + m->display_len > len ||
		    m->local == NULL || m->domain == NULL)
			__builtin_trap();
		check_str(m->local);
		check_str(m->domain);
		if ((m->alabel == NULL) != (m->addr == NULL) ||
		    (m->alabel == NULL) != (m->nodomain != NULL))
			__builtin_trap();
		if (m->alabel == NULL) {
			nodomain++;
			continue;
		}
		if (strspn(m->alabel, "abcdefghijklmnopqrstuvwxyz0123456789-_.")
		    != strlen(m->alabel))
			__builtin_trap();
		again = am_domain_to_alabel(m->alabel, strlen(m->alabel), NULL);
		if (again == NULL || strcmp(again, m->alabel) != 0)
			__builtin_trap();
		free(again);
		al = strlen(m->alabel);
		if (strlen(m->addr) < al + 1 || strcmp(m->addr +
		    strlen(m->addr) - al, m->alabel) != 0 ||
		    m->addr[strlen(m->addr) - al - 1] != '@')
			__builtin_trap();
		check_str(m->addr);
	}
	if ((l->status == AM_ADDR_NODOMAIN) != (nodomain > 0))
		__builtin_trap();
}

static void
render(const struct am_addr_list *l, struct am_buf *b, const char *sep)
{
	size_t	 i;

	for (i = 0; i < l->n; i++) {
		if (i > 0)
			(void)am_buf_appends(b, sep);
		if (l->mbox[i].addr != NULL)
			(void)am_buf_appends(b, l->mbox[i].addr);
		else
			(void)am_buf_printf(b, "!%s!%s", l->mbox[i].local,
			    l->mbox[i].domain);
	}
}

static void
check_fold(const char *v, size_t len, const struct am_addr_list *l)
{
	struct am_addr_list	 f;
	struct am_buf		 folded, a, b;
	size_t			 i;

	am_buf_init(&folded, 3 * len + 1);
	for (i = 0; i < len; i++) {
		if (v[i] == ' ' && (i == 0 || v[i - 1] != '\\'))
			(void)am_buf_appends(&folded, "\r\n");
		(void)am_buf_appendc(&folded, v[i]);
	}
	if (folded.len > AM_ADDR_MAXVALUE) {
		am_buf_release(&folded);
		return;
	}
	am_addr_parse((const char *)folded.data, folded.len, &f);
	am_buf_init(&a, 1 << 20);
	am_buf_init(&b, 1 << 20);
	render(l, &a, "|");
	render(&f, &b, "|");
	if (f.status != l->status || f.n != l->n || a.len != b.len ||
	    memcmp(am_buf_str(&a), am_buf_str(&b), a.len) != 0)
		__builtin_trap();
	am_addr_list_release(&f);
	am_buf_release(&folded);
	am_buf_release(&a);
	am_buf_release(&b);
}

/* The canonical addresses must parse back to themselves. */

static void
check_roundtrip(const struct am_addr_list *l)
{
	struct am_addr_list	 r;
	struct am_buf		 a, b;

	if (l->status != AM_ADDR_OK)
		return;
	am_buf_init(&a, 1 << 20);
	am_buf_init(&b, 1 << 20);
	render(l, &a, ",");
	if (a.len <= AM_ADDR_MAXVALUE) {
		am_addr_parse(am_buf_str(&a), a.len, &r);
		render(&r, &b, ",");
		if (r.status != AM_ADDR_OK || r.n != l->n || a.len != b.len ||
		    memcmp(am_buf_str(&a), am_buf_str(&b), a.len) != 0)
			__builtin_trap();
		am_addr_list_release(&r);
	}
	am_buf_release(&a);
	am_buf_release(&b);
}

static void
check_author(const char *v, size_t len)
{
	struct am_from_field	 f[8];
	struct am_from		 a;
	const char		*p = v, *end = v + len, *nl;
	size_t			 n = 0, i, j;

	while (n < 8 && p <= end) {
		nl = memmem(p, (size_t)(end - p), "\n\n", 2);
		f[n].value = p;
		f[n].len = (size_t)((nl != NULL ? nl : end) - p);
		n++;
		if (nl == NULL)
			break;
		p = nl + 2;
	}
	/* The first call sees no field at all. */
	am_from_fields(f, len == 0 ? 0 : n, &a);
	if ((a.status == AM_FROM_NONE) != (a.nfields == 0) ||
	    (a.status == AM_FROM_SEVERAL_FIELDS) != (a.nfields > 1))
		__builtin_trap();
	if ((a.status == AM_FROM_OK) != (a.addr[0] != '\0'))
		__builtin_trap();
	if (a.status == AM_FROM_OK && (a.ndomains != 1 || !a.complete ||
	    strcmp(a.domain, a.domains[0]) != 0 || a.naddrs != 1))
		__builtin_trap();
	if ((a.status == AM_FROM_OK) != (a.why[0] == '\0'))
		__builtin_trap();
	if (a.ndomains > AM_FROM_MAXDOMAINS || (a.complete &&
	    a.ndomains == 0) || (a.domain[0] != '\0' && a.ndomains != 1))
		__builtin_trap();
	for (i = 0; i < a.ndomains; i++)
		for (j = i + 1; j < a.ndomains; j++)
			if (strcmp(a.domains[i], a.domains[j]) == 0)
				__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char		*v = (const char *)data;
	struct am_addr_list	 l;

	am_addr_parse(v, size, &l);
	check_list(v, size, &l);
	if (size <= AM_ADDR_MAXVALUE) {
		check_fold(v, size, &l);
		check_roundtrip(&l);
	}
	am_addr_list_release(&l);
	check_author(v, size);
	return 0;
}
