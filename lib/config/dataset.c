/*
 * dataset - OpenDKIM data sets: inline lists, flat files, pattern files
 */

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dataset.h"
#include "mem.h"

/* Data set types OpenDKIM has and we do not. */
static const char *const am_dataset_refused[] = {
	"db:", "dsn:", "ldap:", "ldaps:", "ldapi:", "lua:", "memcache:",
	"mdb:", "erlang:", NULL
};

static void am_diag_v(struct am_diag *, enum am_log_level, const char *,
    unsigned, const char *, va_list) __attribute__((format(printf, 5, 0)));

/*
 * am_diag_escape - s into out (outsz > 4), control characters and DEL
 * as \xNN, cut to at most max characters of s with "..." after; with
 * quote, '"' and '\\' are escaped too.
 */
static const char *
am_diag_escape(const char *s, size_t max, int quote, char *out, size_t outsz)
{
	size_t	 i, n = 0;
	int	 k;

	for (i = 0; s[i] != '\0' && n + 8 < outsz; i++) {
		unsigned char	 ch = (unsigned char)s[i];

		if (i == max) {
			memcpy(out + n, "...", 3);
			n += 3;
			break;
		}
		if (ch < 0x20 || ch == 0x7f)
			k = snprintf(out + n, outsz - n, "\\x%02x", ch);
		else if (quote && (ch == '"' || ch == '\\'))
			k = snprintf(out + n, outsz - n, "\\%c", ch);
		else
			k = snprintf(out + n, outsz - n, "%c", ch);
		n += (size_t)k;
	}
	out[n] = '\0';
	return out;
}

int
am_dataset_unfit(const struct am_dataset *ds,
    int (*fit)(const struct am_dataset_entry *), const char *what,
    const char *file, unsigned line, struct am_diag *diag)
{
	if (ds->kind == AM_DATASET_LIST || ds->n == 0 ||
	    fit(&ds->entries[0]))
		return 0;
	am_diag_error(diag, file, line, "%s: %s is not a %s (line %u is not "
	    "an entry of one); not read", what, ds->path, what,
	    ds->entries[0].line);
	return 1;
}

const char *
am_diag_excerpt(struct am_diag_quote *q, const char *s)
{
	if (s == NULL)
		return "(null)";
	return am_diag_escape(s, AM_DIAG_EXCERPT, 1, q->s, sizeof(q->s));
}

void
am_diag_context(struct am_diag *d, const char *opt, const char *file,
    unsigned line)
{
	d->opt = opt;
	d->optfile = file;
	d->optline = line;
}

/* am_diag_where - the option context to add to a message about
 * file:line: the prefix (the option's name, for a message about the
 * config line that named the set) or the suffix (for any other place) */

static void
am_diag_where(const struct am_diag *d, const char *file, unsigned line,
    const char *msg, char *pre, size_t presz, char *suf, size_t sufsz)
{
	char	 raw[300];
	size_t	 n;

	pre[0] = suf[0] = '\0';
	if (d->opt == NULL)
		return;
	n = strlen(d->opt);
	if (file != NULL && d->optfile != NULL && line == d->optline &&
	    strcmp(file, d->optfile) == 0) {
		if (strncmp(msg, d->opt, n) != 0 || msg[n] != ':')
			(void)snprintf(pre, presz, "%s: ", d->opt);
		return;
	}
	if (d->optfile != NULL && d->optline > 0)
		(void)snprintf(raw, sizeof(raw), " (%s at %s:%u)", d->opt,
		    d->optfile, d->optline);
	else
		(void)snprintf(raw, sizeof(raw), " (%s)", d->opt);
	am_diag_escape(raw, sufsz, 0, suf, sufsz);
}

static void
am_diag_v(struct am_diag *d, enum am_log_level level, const char *file,
    unsigned line, const char *fmt, va_list ap)
{
	char	 raw[900], msg[900], where[300], pre[80], suf[300];

	(void)vsnprintf(raw, sizeof(raw), fmt, ap);
	/* Whatever a message quotes, no control character reaches the
	 * log (no forged lines), and no message is longer than this. */
	am_diag_escape(raw, sizeof(raw), 0, msg, sizeof(msg));
	am_diag_where(d, file, line, msg, pre, sizeof(pre), suf, sizeof(suf));
	if (level == AM_LOG_ERROR)
		d->errors++;
	else
		d->warnings++;
	if (file != NULL)
		am_diag_escape(file, 200, 0, where, sizeof(where));
	if (file != NULL && line > 0)
		am_log(d->log, level, "%s:%u: %s%s%s", where, line, pre, msg,
		    suf);
	else if (file != NULL)
		am_log(d->log, level, "%s: %s%s%s", where, pre, msg, suf);
	else
		am_log(d->log, level, "%s%s%s", pre, msg, suf);
}

void
am_diag_error(struct am_diag *d, const char *file, unsigned line,
    const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	am_diag_v(d, AM_LOG_ERROR, file, line, fmt, ap);
	va_end(ap);
}

void
am_diag_warn(struct am_diag *d, const char *file, unsigned line,
    const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	am_diag_v(d, AM_LOG_WARN, file, line, fmt, ap);
	va_end(ap);
}

char *
am_trim(char *s)
{
	size_t	 n;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

size_t
am_split(char *s, int sep, char **fields, size_t max)
{
	size_t	 n = 0;
	char	*p;

	if (max == 0)
		return 0;
	while (n + 1 < max && (p = strchr(s, sep)) != NULL) {
		*p = '\0';
		fields[n++] = am_trim(s);
		s = p + 1;
	}
	fields[n++] = am_trim(s);
	return n;
}

char *
am_path_resolve(const char *basedir, const char *path)
{
	struct am_buf	 b;
	char		*r;

	if (path[0] == '/' || basedir == NULL || basedir[0] == '\0')
		return am_strdup(path);
	am_buf_init(&b, 8192);
	(void)am_buf_appends(&b, basedir);
	if (b.len > 0 && b.data[b.len - 1] != '/')
		(void)am_buf_appendc(&b, '/');
	if (path[0] == '.' && path[1] == '/')
		path += 2;
	(void)am_buf_appends(&b, path);
	r = am_strdup(am_buf_str(&b));
	am_buf_release(&b);
	return r;
}

int
am_dataset_wildmatch(const char *p, const char *s)
{
	const char	*star = NULL, *back = NULL;

	/* Iterative glob with one backtrack point: linear in practice,
	 * never exponential. */
	while (*s != '\0') {
		if (*p == '*') {
			star = p++;
			back = s;
		} else if (*p != '\0' &&
		    tolower((unsigned char)*p) == tolower((unsigned char)*s)) {
			p++;
			s++;
		} else if (star != NULL) {
			p = star + 1;
			s = ++back;
		} else
			return 0;
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

static void
am_dataset_add(struct am_dataset *ds, size_t *cap, const char *key,
    const char *value, const char *file, unsigned line)
{
	struct am_dataset_entry	*e;

	if (ds->n == *cap) {
		*cap = *cap == 0 ? 16 : *cap * 2;
		ds->entries = am_realloc(ds->entries,
		    *cap * sizeof(*ds->entries));
	}
	e = &ds->entries[ds->n++];
	e->key = am_strdup(key);
	e->value = am_strdup(value);
	e->file = file;
	e->line = line;
}

/* am_dataset_list - split an inline comma-separated list */

static void
am_dataset_list(struct am_dataset *ds, const char *text, const char *file,
    unsigned line, struct am_diag *diag)
{
	char	*copy = am_strdup(text), *p = copy, *q, *eq;
	size_t	 cap = 0;

	for (;;) {
		if ((q = strchr(p, ',')) != NULL)
			*q = '\0';
		p = am_trim(p);
		if (*p != '\0') {
			if ((eq = strchr(p, '=')) != NULL) {
				*eq = '\0';
				if (*am_trim(p) == '\0')
					am_diag_error(diag, file, line,
					    "list entry \"=%s\" has no key",
					    AM_DIAG_Q(eq + 1));
				else
					am_dataset_add(ds, &cap, am_trim(p),
					    am_trim(eq + 1), file, line);
			} else
				am_dataset_add(ds, &cap, p, "", file, line);
			if (ds->n >= AM_DATASET_MAXENTRIES)
				break;
		}
		if (q == NULL)
			break;
		p = q + 1;
	}
	free(copy);
}

/* am_dataset_line - one line of a file: "key [value]"; 0 or -1 */

static int
am_dataset_line(struct am_dataset *ds, size_t *cap, char *s,
    unsigned line)
{
	char	*h, *k, *v;

	if ((h = strchr(s, '#')) != NULL)
		*h = '\0';
	k = am_trim(s);
	if (*k == '\0')
		return 0;
	v = k + strcspn(k, " \t");
	if (*v != '\0')
		*v++ = '\0';
	am_dataset_add(ds, cap, k, am_trim(v), ds->path, line);
	return ds->n >= AM_DATASET_MAXENTRIES ? -1 : 0;
}

static int
am_dataset_file(struct am_dataset *ds, const char *file, unsigned line,
    struct am_diag *diag)
{
	FILE		*fp;
	struct stat	 st;
	char		*s = NULL;
	size_t		 sz = 0, cap = 0;
	ssize_t		 n;
	unsigned	 lineno = 0;

	if ((fp = fopen(ds->path, "r")) == NULL) {
		am_diag_error(diag, file, line, "%s: cannot open: %s",
		    ds->path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(fp), &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > AM_DATASET_MAXBYTES) {
		am_diag_error(diag, file, line, "%s: %s", ds->path,
		    S_ISREG(st.st_mode) ? "file too large (limit 64 MiB)" :
		    "not a regular file");
		fclose(fp);
		return -1;
	}
	while ((n = getline(&s, &sz, fp)) != -1) {
		lineno++;
		if ((size_t)n > AM_DATASET_MAXLINE) {
			am_diag_error(diag, ds->path, lineno,
			    "line longer than %d bytes", AM_DATASET_MAXLINE);
			continue;
		}
		if (memchr(s, '\0', (size_t)n) != NULL) {
			am_diag_error(diag, ds->path, lineno,
			    "NUL byte in line");
			continue;
		}
		if (am_dataset_line(ds, &cap, s, lineno) == -1) {
			am_diag_error(diag, ds->path, lineno,
			    "more than %d entries", AM_DATASET_MAXENTRIES);
			break;
		}
	}
	free(s);
	fclose(fp);
	return 0;
}

/* am_dataset_kind - classify spec; sets *rest to what follows the
 * prefix.  Returns -1 for a type we do not support. */

static int
am_dataset_kind(const char *spec, enum am_dataset_kind *kind,
    const char **rest)
{
	size_t	 i, n;

	for (i = 0; am_dataset_refused[i] != NULL; i++) {
		n = strlen(am_dataset_refused[i]);
		if (strncasecmp(spec, am_dataset_refused[i], n) == 0)
			return -1;
	}
	n = strlen(spec);
	if (n > 3 && strcmp(spec + n - 3, ".db") == 0 && spec[0] != '/')
		return -1;		/* Sleepycat DB by name */
	*rest = spec;
	if (strncasecmp(spec, "file:", 5) == 0) {
		*kind = AM_DATASET_FILE;
		*rest = spec + 5;
	} else if (strncasecmp(spec, "refile:", 7) == 0) {
		*kind = AM_DATASET_REFILE;
		*rest = spec + 7;
	} else if (strncasecmp(spec, "csl:", 4) == 0) {
		*kind = AM_DATASET_LIST;
		*rest = spec + 4;
	} else if (spec[0] == '/')
		*kind = AM_DATASET_FILE;
	else
		*kind = AM_DATASET_LIST;
	return 0;
}

char *
am_dataset_key(const char *spec, const char *basedir)
{
	enum am_dataset_kind	 kind;
	const char		*rest;
	char			*path, *full, *key;
	size_t			 n;

	if (am_dataset_kind(spec, &kind, &rest) == -1 ||
	    kind == AM_DATASET_LIST)
		return NULL;
	path = am_strdup(rest);
	full = am_path_resolve(basedir, am_trim(path));
	n = strlen(full) + 8;
	key = am_malloc(n);
	(void)snprintf(key, n, "%s:%s", kind == AM_DATASET_REFILE ? "refile" :
	    "file", full);
	free(path);
	free(full);
	return key;
}

int
am_dataset_load(const char *spec, const char *basedir, const char *file,
    unsigned line, struct am_diag *diag, struct am_dataset **out)
{
	struct am_dataset	*ds;
	enum am_dataset_kind	 kind;
	const char		*rest;
	char			*path;

	*out = NULL;
	if (am_dataset_kind(spec, &kind, &rest) == -1) {
		am_diag_error(diag, file, line, "data set \"%s\": type not "
		    "supported (use file:, refile: or a list)",
		    AM_DIAG_Q(spec));
		return -1;
	}
	ds = am_calloc(1, sizeof(*ds));
	ds->kind = kind;
	ds->spec = am_strdup(spec);
	if (kind == AM_DATASET_LIST) {
		am_dataset_list(ds, rest, file, line, diag);
		*out = ds;
		return 0;
	}
	path = am_strdup(rest);
	if (*am_trim(path) == '\0') {
		am_diag_error(diag, file, line, "data set \"%s\" names no "
		    "file", AM_DIAG_Q(spec));
		free(path);
		am_dataset_free(&ds);
		return -1;
	}
	ds->path = am_path_resolve(basedir, am_trim(path));
	free(path);
	if (am_dataset_file(ds, file, line, diag) == -1) {
		am_dataset_free(&ds);
		return -1;
	}
	*out = ds;
	return 0;
}

void
am_dataset_free(struct am_dataset **dsp)
{
	struct am_dataset	*ds = *dsp;
	size_t			 i;

	if (ds == NULL)
		return;
	for (i = 0; i < ds->n; i++) {
		free(ds->entries[i].key);
		free(ds->entries[i].value);
	}
	free(ds->entries);
	free(ds->spec);
	free(ds->path);
	free(ds);
	*dsp = NULL;
}
