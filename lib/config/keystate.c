/*
 * keystate - the key rotation state file (see keystate.h)
 */

#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "keystate.h"
#include "mem.h"

static const char *const am_keystate_names[] = {
	"pending", "active", "retiring", "revoked", "deleted"
};

const char *
am_keystate_name(enum am_keystate s)
{
	return (size_t)s < sizeof(am_keystate_names) /
	    sizeof(am_keystate_names[0]) ? am_keystate_names[s] : "?";
}

int
am_keystate_parse(const char *s, enum am_keystate *out)
{
	size_t	 i;

	for (i = 0; i < sizeof(am_keystate_names) /
	    sizeof(am_keystate_names[0]); i++)
		if (strcasecmp(s, am_keystate_names[i]) == 0) {
			*out = (enum am_keystate)i;
			return 0;
		}
	return -1;
}

int
am_keystate_can(enum am_keystate a, enum am_keystate b)
{
	return (int)b == (int)a + 1;
}

void
am_keystate_add(struct am_keystate_file *f, const struct am_keystate_entry *e)
{
	f->e = am_realloc(f->e, (f->n + 1) * sizeof(*f->e));
	f->e[f->n++] = *e;
}

void
am_keystate_release(struct am_keystate_file *f)
{
	free(f->e);
	f->e = NULL;
	f->n = 0;
}

struct am_keystate_entry *
am_keystate_find(struct am_keystate_file *f, const char *domain,
    const char *alg, const char *selector, enum am_keystate state)
{
	size_t	 i;

	for (i = 0; i < f->n; i++)
		if (f->e[i].state == state &&
		    strcasecmp(f->e[i].domain, domain) == 0 &&
		    strcmp(f->e[i].alg, alg) == 0 && (selector == NULL ||
		    strcmp(f->e[i].selector, selector) == 0))
			return &f->e[i];
	return NULL;
}

/* One line's fields into e; -1 when it is not one. */
static int
am_keystate_line(char *line, struct am_keystate_entry *e)
{
	char			*f[7], *save = NULL, *p;
	size_t			 n = 0;
	unsigned long long	 since;
	char			*end;

	for (p = strtok_r(line, " \t\r\n", &save); p != NULL && n < 7;
	    p = strtok_r(NULL, " \t\r\n", &save))
		f[n++] = p;
	if (n != 6)
		return -1;
	memset(e, 0, sizeof(*e));
	if (strlen(f[0]) >= sizeof(e->domain) || strlen(f[2]) >=
	    sizeof(e->selector) || strlen(f[5]) >= sizeof(e->keyfile) ||
	    (strcmp(f[1], "rsa") != 0 && strcmp(f[1], "ed25519") != 0) ||
	    am_keystate_parse(f[3], &e->state) == -1)
		return -1;
	errno = 0;
	since = strtoull(f[4], &end, 10);
	if (errno != 0 || *end != '\0' || f[4][0] == '-')
		return -1;
	(void)snprintf(e->domain, sizeof(e->domain), "%s", f[0]);
	(void)snprintf(e->alg, sizeof(e->alg), "%s", f[1]);
	(void)snprintf(e->selector, sizeof(e->selector), "%s", f[2]);
	(void)snprintf(e->keyfile, sizeof(e->keyfile), "%s", f[5]);
	e->since = since;
	return 0;
}

int
am_keystate_load(const char *path, struct am_keystate_file *f,
    struct am_err *err)
{
	FILE			*fp;
	char			 line[2048], *p;
	struct am_keystate_entry e;
	unsigned		 lineno = 0;

	memset(f, 0, sizeof(*f));
	if ((fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return 0;
		return am_err_set(err, AM_E_IO, "%s: %s", path,
		    strerror(errno));
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		if (*p == '#' || *p == '\n' || *p == '\r' || *p == '\0')
			continue;
		if (am_keystate_line(p, &e) == -1) {
			(void)fclose(fp);
			am_keystate_release(f);
			return am_err_set(err, AM_E_SYNTAX, "%s, line %u: not "
			    "\"DOMAIN rsa|ed25519 SELECTOR STATE SINCE KEYFILE\"",
			    path, lineno);
		}
		am_keystate_add(f, &e);
	}
	(void)fclose(fp);
	return 0;
}

int
am_keystate_save(const char *path, const struct am_keystate_file *f,
    struct am_err *err)
{
	char	 tmp[4096];
	FILE	*fp;
	size_t	 i;
	int	 bad;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path,
	    (long)getpid()) >= sizeof(tmp))
		return am_err_set(err, AM_E_LIMIT, "%s: path too long", path);
	if ((fp = fopen(tmp, "w")) == NULL)
		return am_err_set(err, AM_E_IO, "%s: %s", tmp, strerror(errno));
	fprintf(fp, "# authmilter key rotation state (authmilter-tool keys)\n"
	    "# DOMAIN ALG SELECTOR STATE SINCE KEYFILE\n");
	for (i = 0; i < f->n; i++)
		fprintf(fp, "%s %s %s %s %llu %s\n", f->e[i].domain,
		    f->e[i].alg, f->e[i].selector,
		    am_keystate_name(f->e[i].state),
		    (unsigned long long)f->e[i].since, f->e[i].keyfile);
	bad = ferror(fp) | fflush(fp) | fsync(fileno(fp));
	if (fclose(fp) != 0 || bad || rename(tmp, path) == -1) {
		am_err_set(err, AM_E_IO, "%s: %s", path, strerror(errno));
		(void)unlink(tmp);
		return -1;
	}
	return 0;
}

int
am_keystate_lock(const char *path, unsigned wait_ms, int *fd,
    struct am_err *err)
{
	struct timespec	 ts = { 0, 50 * 1000 * 1000 };
	char		 dir[4096];
	char		*slash;
	unsigned	 waited = 0;

	*fd = -1;
	if ((size_t)snprintf(dir, sizeof(dir), "%s", path) >= sizeof(dir))
		return am_err_set(err, AM_E_LIMIT, "%s: path too long", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		(void)snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if ((*fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return am_err_set(err, AM_E_IO, "%s: cannot lock the key state "
		    "(its directory): %s", path, strerror(errno));
	while (flock(*fd, LOCK_EX | LOCK_NB) == -1) {
		if ((errno != EWOULDBLOCK && errno != EINTR) ||
		    waited >= wait_ms) {
			int e = errno;

			(void)close(*fd);
			*fd = -1;
			if (e == EWOULDBLOCK)
				return 1;
			return am_err_set(err, AM_E_IO, "%s: cannot lock the "
			    "key state: %s", path, strerror(e));
		}
		(void)nanosleep(&ts, NULL);
		waited += 50;
	}
	return 0;
}

void
am_keystate_unlock(int *fd)
{
	if (*fd != -1) {
		(void)flock(*fd, LOCK_UN);
		(void)close(*fd);
		*fd = -1;
	}
}
