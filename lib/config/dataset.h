#ifndef AM_DATASET_H
#define AM_DATASET_H

/*
 * dataset - OpenDKIM "data sets" (opendkim(8), DATA SETS), and the
 * diagnostics record every part of the configuration reports into
 *
 * A data set is named by a string:
 *	file:/path	a flat file, one entry a line: a key, then
 *			optionally white space and a value; '#' starts a
 *			comment; blank lines are ignored
 *	/path		the same (a string starting with '/')
 *	refile:/path	the same, but keys are wildcard patterns ('*'
 *			matches any run of characters, anything else
 *			itself, case-insensitively), tried in file order
 *	csl:a,b=c	a comma-separated list; "x=y" is key x, value y
 *	a, b=c		anything else is a comma-separated list too
 * Entries are trimmed of surrounding white space.  Relative file names
 * are taken relative to the base directory (the config file's).
 * db:, dsn:, ldap:, lua:, memcache:, mdb: and erlang: sets are refused.
 *
 * Every entry remembers the file and line it came from, so that later
 * checks (a bad address, an unknown key name) can say where.
 *
 * Ownership: am_dataset_load() returns a set the caller frees with
 * am_dataset_free().  Entry strings live as long as the set.
 */

#include <stddef.h>

#include "log.h"

/*
 * Where problems go: each is logged "file:line: message" and counted.
 * While a data set named by an option is read, opt/optfile/optline say
 * which option and which config line named it: a message about that
 * line starts with the option's name, a message about a line of the
 * data set ends with "(Option at config:line)", so that every table
 * error names the option and the config line that led to it.
 */
struct am_diag {
	const struct am_log	*log;
	unsigned		 errors;
	unsigned		 warnings;
	const char		*opt;		/* NULL: no option context */
	const char		*optfile;
	unsigned		 optline;
};

/* Sets (opt non-NULL) or clears (NULL) the option context. */
void	am_diag_context(struct am_diag *, const char *opt, const char *file,
	    unsigned line);

/*
 * Diagnostics never carry control characters (each is written \xNN)
 * and quote text from a file only through AM_DIAG_Q(): a short
 * excerpt (AM_DIAG_EXCERPT characters, then "..."), '"' and '\\'
 * escaped, so that a line of a file that should not be read (a
 * secret named by mistake or on purpose) is not copied into the log.
 * AM_DIAG_Q's buffer lives until the end of the enclosing block.
 */
#define AM_DIAG_EXCERPT	40
struct am_diag_quote {
	char	 s[AM_DIAG_EXCERPT * 4 + 8];
};
const char	*am_diag_excerpt(struct am_diag_quote *, const char *);
#define AM_DIAG_Q(s)	am_diag_excerpt(&(struct am_diag_quote){ { 0 } }, (s))

void	am_diag_error(struct am_diag *, const char *file, unsigned line,
	    const char *, ...) __attribute__((format(printf, 4, 5)));
void	am_diag_warn(struct am_diag *, const char *file, unsigned line,
	    const char *, ...) __attribute__((format(printf, 4, 5)));

enum am_dataset_kind {
	AM_DATASET_LIST,	/* inline or csl: */
	AM_DATASET_FILE,	/* file: or /path */
	AM_DATASET_REFILE	/* refile: */
};

struct am_dataset_entry {
	char		*key;
	char		*value;		/* "" when the line had no value */
	const char	*file;		/* the set's file, or the config's */
	unsigned	 line;
};

struct am_dataset {
	enum am_dataset_kind	 kind;
	char			*spec;	/* as written */
	char			*path;	/* resolved file name, or NULL */
	struct am_dataset_entry	*entries;
	size_t			 n;
};

/* Limits: a file line, a file, the entries of one set. */
#define AM_DATASET_MAXLINE	8192
#define AM_DATASET_MAXBYTES	(64 * 1024 * 1024)
#define AM_DATASET_MAXENTRIES	1000000

/*
 * am_dataset_load - read the data set named by spec
 *
 * file and line say where spec itself was written (for inline lists
 * and for errors opening the file).  Malformed lines are reported
 * through diag and skipped; the call fails (-1, *out NULL) only when
 * the set as a whole cannot be had (unknown type, unreadable file).
 */
int	am_dataset_load(const char *spec, const char *basedir,
	    const char *file, unsigned line, struct am_diag *,
	    struct am_dataset **out);
void	am_dataset_free(struct am_dataset **);

/*
 * am_dataset_unfit - is a set read from a file some other file (a
 * KeyTable naming /etc/shadow)?  That is, is its first entry not what
 * the table holds (fit() false)?  Then it is reported once, at file:
 * line where the set was named, quoting nothing of the file, and 1 is
 * returned: the caller reads no entry.  Inline lists are never unfit.
 */
int	am_dataset_unfit(const struct am_dataset *,
	    int (*fit)(const struct am_dataset_entry *), const char *what,
	    const char *file, unsigned line, struct am_diag *);

/*
 * am_dataset_key - what names the file of a data set: "file:PATH" or
 * "refile:PATH" with PATH resolved, or NULL for an inline list or a
 * type we do not support.  The caller frees it.
 */
char	*am_dataset_key(const char *spec, const char *basedir);

/* Wildcard match of a refile: pattern, case-insensitive. */
int	am_dataset_wildmatch(const char *pattern, const char *s);

/*
 * am_path_resolve - path if absolute, else basedir/path.  basedir may
 * be NULL (then path as is).  The caller frees the result.
 */
char	*am_path_resolve(const char *basedir, const char *path);

/*
 * am_split - split s at sep into at most max fields, trimming white
 * space; the last field takes the rest of s.  Returns the number of
 * fields.  Modifies s in place; the fields point into it.
 */
size_t	am_split(char *s, int sep, char **fields, size_t max);

/* s with leading and trailing white space removed, in place. */
char	*am_trim(char *s);

#endif /* AM_DATASET_H */
