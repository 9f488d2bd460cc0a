/*
 * psl - Organizational Domains through libpsl (RFC 7489 section 3.2)
 */

#include <libpsl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "psl.h"

struct am_psl {
	psl_ctx_t	*ctx;
	char		 source[256];
};

struct am_psl *
am_psl_new(const char *path, struct am_err *err)
{
	struct am_psl	*p;
	psl_ctx_t	*ctx;
	const char	*dist = psl_dist_filename();

	ctx = path != NULL ? psl_load_file(path) : psl_latest(NULL);
	if (ctx == NULL) {
		(void)am_err_set(err, AM_E_IO, "cannot load public suffix "
		    "list %.180s", path != NULL ? path : (dist != NULL &&
		    *dist != '\0' ? dist : "(built-in)"));
		return NULL;
	}
	p = am_calloc(1, sizeof(*p));
	p->ctx = ctx;
	(void)snprintf(p->source, sizeof(p->source), "%s", path != NULL ?
	    path : dist != NULL && *dist != '\0' ? dist : "built-in");
	return p;
}

void
am_psl_free(struct am_psl **pp)
{
	if (pp == NULL || *pp == NULL)
		return;
	psl_free((*pp)->ctx);
	free(*pp);
	*pp = NULL;
}

int
am_psl_org_domain(const struct am_psl *p, const char *domain, char *out,
    size_t size)
{
	const char	*reg = psl_registrable_domain(p->ctx, domain);

	if (reg == NULL)
		reg = domain;
	if (strlen(reg) >= size)
		return -1;
	memcpy(out, reg, strlen(reg) + 1);
	return 0;
}

int
am_psl_is_suffix(const struct am_psl *p, const char *domain)
{
	return psl_is_public_suffix2(p->ctx, domain, PSL_TYPE_ANY) != 0;
}

const char *
am_psl_source(const struct am_psl *p)
{
	return p->source;
}
