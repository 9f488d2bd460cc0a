/*
 * signdomains - the domains a configuration signs for (see
 * signdomains.h)
 */

#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "mem.h"
#include "signdomains.h"
#include "signtable.h"

void
am_signdomains_add(char ***list, size_t *n, const char *d)
{
	struct am_err	 err;
	char		*al;
	size_t		 i;

	if ((al = am_domain_to_alabel(d, strlen(d), &err)) == NULL)
		return;
	for (i = 0; i < *n; i++)
		if (strcmp((*list)[i], al) == 0) {
			free(al);
			return;
		}
	*list = am_realloc(*list, (*n + 1) * sizeof(**list));
	(*list)[(*n)++] = al;
}

/* Does the keyset named name hold a key with d=% (the From domain)? */
static int
am_signdomains_keyset_is_from(const struct am_config *cfg, const char *name)
{
	size_t	 i, j;

	for (i = 0; i < cfg->dkim.nkeysets; i++)
		if (strcmp(cfg->dkim.keysets[i].name, name) == 0)
			for (j = 0; j < cfg->dkim.keysets[i].nkeys; j++)
				if (strcmp(cfg->dkim.keysets[i].keys[j].domain,
				    "%") == 0)
					return 1;
	return 0;
}

/* The domains a d=% key signs for, from the SigningTable. */
static void
am_signdomains_from(const struct am_config *cfg, char ***out, size_t *nout)
{
	const struct am_signtable_entry	*e;
	const char			*h;
	size_t				 i, n;

	n = cfg->dkim.signtable != NULL ?
	    am_signtable_count(cfg->dkim.signtable) : 0;
	for (i = 0; i < n; i++) {
		e = am_signtable_entry(cfg->dkim.signtable, i);
		if (strcmp(e->keyname, "%") != 0 &&
		    !am_signdomains_keyset_is_from(cfg, e->keyname))
			continue;
		h = strrchr(e->key, '@') != NULL ? strrchr(e->key, '@') + 1 :
		    e->key;
		if (strncmp(h, "*.", 2) == 0)
			h += 2;
		else if (*h == '.')
			h++;
		if (*h != '\0' && strpbrk(h, "*?[]()\\^$+|{}") == NULL)
			am_signdomains_add(out, nout, h);
	}
}

void
am_signdomains(const struct am_config *cfg, char ***out, size_t *nout)
{
	size_t	 i, j;

	for (i = 0; i < cfg->dkim.nkeysets; i++)
		for (j = 0; j < cfg->dkim.keysets[i].nkeys; j++)
			if (strcmp(cfg->dkim.keysets[i].keys[j].domain, "%") != 0)
				am_signdomains_add(out, nout,
				    cfg->dkim.keysets[i].keys[j].domain);
	for (i = 0; cfg->dkim.domains != NULL && cfg->dkim.domains[i] != NULL;
	    i++)
		am_signdomains_add(out, nout, cfg->dkim.domains[i]);
	am_signdomains_from(cfg, out, nout);
}

size_t
am_signdomains_keys(const struct am_config *cfg, const char *domain,
    const struct am_key **out, size_t max)
{
	const struct am_key	*k;
	size_t			 i, j, n = 0;

	for (i = 0; i < cfg->dkim.nkeysets; i++)
		for (j = 0; j < cfg->dkim.keysets[i].nkeys && n < max; j++) {
			k = &cfg->dkim.keysets[i].keys[j];
			if (strcmp(k->domain, "%") != 0 &&
			    !am_domain_eq(k->domain, domain))
				continue;
			out[n++] = k;
		}
	return n;
}

void
am_signdomains_free(char ***list, size_t *n)
{
	size_t	 i;

	for (i = 0; i < *n; i++)
		free((*list)[i]);
	free(*list);
	*list = NULL;
	*n = 0;
}
