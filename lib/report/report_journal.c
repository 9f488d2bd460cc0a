/*
 * report_journal - the record spool and the engine's report sink
 */

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem.h"
#include "report_journal.h"

/* ---------------------------------------------------------------- sink */

void
am_report_push_sink(void *ctx, const struct am_dmarc_report *rep)
{
	struct am_report_push	*p = ctx;
	struct am_report_record	*r;

	r = am_malloc(sizeof(*r));
	if (am_report_record_from_dmarc(r, rep) != 0)
		__atomic_fetch_add(&p->no_policy, 1, __ATOMIC_RELAXED);
	else if (p->push(p->ctx, r) != 0)
		__atomic_fetch_add(&p->dropped, 1, __ATOMIC_RELAXED);
	else
		__atomic_fetch_add(&p->pushed, 1, __ATOMIC_RELAXED);
	free(r);
}

/* -------------------------------------------------------------- fields */

#define F(m)	{ offsetof(struct am_report_record, m), \
		    sizeof(((struct am_report_record *)0)->m) }
static const struct {
	size_t	 off, size;
} am_jf[] = {
	F(policy_domain), F(header_from), F(envelope_from), F(envelope_to),
	F(source_ip), F(verdict), F(dkim_eval), F(spf_eval), F(disposition),
	F(override), F(override_comment), F(spf_domain), F(spf_result),
	F(pol.p), F(pol.sp), F(pol.np), F(pol.adkim), F(pol.aspf),
	F(pol.fo), F(pol.t), F(pol.psd), F(pol.discovery), F(pol.rua)
};
#undef F
#define AM_JF	(sizeof(am_jf) / sizeof(am_jf[0]))

static int
am_jput(char **p, char *end, const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	unsigned char		 c;

	if (end - *p < 3)
		return -1;
	*(*p)++ = ' ';
	*(*p)++ = '=';
	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-') {
			if (end - *p < 2)
				return -1;
			*(*p)++ = (char)c;
		} else {
			if (end - *p < 4)
				return -1;
			*(*p)++ = '%';
			*(*p)++ = hex[c >> 4];
			*(*p)++ = hex[c & 15];
		}
	}
	**p = '\0';
	return 0;
}

int
am_report_journal_format(const struct am_report_record *r, char *out,
    size_t size)
{
	char	*p = out, *end = out + size, *dkim;
	size_t	 i;
	int	 n, rc = 0;

	n = snprintf(out, size, "AMR1 =%lld", (long long)r->time);
	if (n < 0 || (size_t)n >= size)
		return -1;
	p += n;
	for (i = 0; i < AM_JF && rc == 0; i++)
		rc = am_jput(&p, end, (const char *)r + am_jf[i].off);
	dkim = am_malloc(AM_REPORT_DKIM_TEXT);
	if (rc == 0)
		rc = am_report_dkim_encode(r->dkim, r->ndkim, dkim,
		    AM_REPORT_DKIM_TEXT);
	if (rc == 0)
		rc = am_jput(&p, end, dkim);
	/* the message kind last, and only when set: older journals,
	 * without it, still parse */
	if (rc == 0 && r->kind[0] != '\0')
		rc = am_jput(&p, end, r->kind);
	free(dkim);
	if (rc != 0 || end - p < 2)
		return -1;
	*p++ = '\n';
	*p = '\0';
	return 0;
}

static int
am_jhex(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ?
	    c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* One " =value" field into dst (size); *s moves past it. */
static int
am_jget(const char **s, char *dst, size_t size)
{
	size_t	 n = 0;
	int	 c, h, l;

	if ((*s)[0] != ' ' || (*s)[1] != '=')
		return -1;
	*s += 2;
	while (**s != '\0' && **s != ' ' && **s != '\n') {
		c = (unsigned char)*(*s)++;
		if (c == '%') {
			if ((h = am_jhex((unsigned char)(*s)[0])) < 0 ||
			    (l = am_jhex((unsigned char)(*s)[1])) < 0)
				return -1;
			c = h * 16 + l;
			*s += 2;
		}
		if (c == 0 || n + 1 >= size)
			return -1;
		dst[n++] = (char)c;
	}
	dst[n] = '\0';
	return 0;
}

int
am_report_journal_parse(const char *s, struct am_report_record *r)
{
	char	 num[24], *end, *dkim;
	size_t	 i;
	int	 rc = 0;

	memset(r, 0, sizeof(*r));
	if (strncmp(s, "AMR1", 4) != 0)
		return -1;
	s += 4;
	if (am_jget(&s, num, sizeof(num)) != 0)
		return -1;
	r->time = strtoll(num, &end, 10);
	if (*end != '\0' || num[0] == '\0')
		return -1;
	r->count = 1;		/* a journal line is one evaluation */
	for (i = 0; i < AM_JF && rc == 0; i++)
		rc = am_jget(&s, (char *)r + am_jf[i].off, am_jf[i].size);
	dkim = am_malloc(AM_REPORT_DKIM_TEXT);
	if (rc == 0)
		rc = am_jget(&s, dkim, AM_REPORT_DKIM_TEXT);
	if (rc == 0)
		rc = am_report_dkim_decode(dkim, r->dkim, AM_REPORT_DKIM_MAX,
		    &r->ndkim);
	free(dkim);
	if (rc == 0 && s[0] == ' ' && s[1] == '=')
		rc = am_jget(&s, r->kind, sizeof(r->kind));
	if (rc != 0 || (*s != '\0' && strcmp(s, "\n") != 0))
		return -1;
	return 0;
}

/* ------------------------------------------------------------- append */

static int
am_jwrite(int fd, const char *p, size_t n)
{
	ssize_t	 w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
am_report_journal_append(const char *path, const struct am_report_record *r,
    size_t n, const char *batch, struct am_err *err)
{
	struct stat	 sb;
	unsigned char	 rnd[12];
	char		*line, head[64];
	size_t		 i, k;
	int		 fd, rc = 0;
	FILE		*ur;

	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0600)) < 0)
		return am_err_set(err, AM_E_IO, "%s: %s", path,
		    strerror(errno));
	if (fstat(fd, &sb) == 0 && sb.st_size == 0) {
		memset(rnd, 0, sizeof(rnd));
		if ((ur = fopen("/dev/urandom", "rb")) != NULL) {
			if (fread(rnd, 1, sizeof(rnd), ur) != sizeof(rnd))
				rc = -1;
			fclose(ur);
		} else
			rc = -1;
		k = (size_t)snprintf(head, sizeof(head), "AMJ1 ");
		for (i = 0; i < sizeof(rnd); i++)
			k += (size_t)snprintf(head + k, sizeof(head) - k, "%02x",
			    rnd[i]);
		(void)snprintf(head + k, sizeof(head) - k, "\n");
		if (rc != 0 || am_jwrite(fd, head, strlen(head)) != 0) {
			close(fd);
			return am_err_set(err, AM_E_IO, "%s: cannot start the "
			    "journal", path);
		}
	}
	line = am_malloc(AM_REPORT_JOURNAL_LINE);
	if ((size_t)snprintf(line, AM_REPORT_JOURNAL_LINE, "AMB1 %s\n",
	    batch != NULL && batch[0] != '\0' ? batch : "-") >=
	    AM_REPORT_JOURNAL_LINE)
		rc = am_err_set(err, AM_E_LIMIT, "batch id too long");
	else if (am_jwrite(fd, line, strlen(line)) != 0)
		rc = am_err_set(err, AM_E_IO, "%s: %s", path, strerror(errno));
	for (i = 0; i < n && rc == 0; i++) {
		if (am_report_journal_format(&r[i], line,
		    AM_REPORT_JOURNAL_LINE) != 0)
			rc = am_err_set(err, AM_E_LIMIT, "record too long for "
			    "the journal");
		else if (am_jwrite(fd, line, strlen(line)) != 0)
			rc = am_err_set(err, AM_E_IO, "%s: %s", path,
			    strerror(errno));
	}
	free(line);
	if (rc == 0 && fsync(fd) != 0)
		rc = am_err_set(err, AM_E_IO, "%s: fsync: %s", path,
		    strerror(errno));
	close(fd);
	return rc;
}

/* ------------------------------------------------------------- replay */

struct am_jreplay {
	FILE			*fp;
	char			*line;
	size_t			 bad, dup;
	struct am_report_store	*st;
	int			 skip;	/* this batch was stored already */
	struct am_err		*err;
};

/* "AMB1 <id>" or "AMB1 -": a new batch; skip it if its id is done. */
static int
am_jbatch(struct am_jreplay *j)
{
	char	*id = j->line + 5;

	id[strcspn(id, "\n")] = '\0';
	j->skip = 0;
	if (strcmp(id, "-") == 0 || id[0] == '\0')
		return 0;
	return am_report_store_journal_done(j->st, id, &j->skip, j->err);
}

static int
am_jnext(void *ctx, struct am_report_record *r)
{
	struct am_jreplay	*j = ctx;
	size_t			 len;

	while (fgets(j->line, AM_REPORT_JOURNAL_LINE, j->fp) != NULL) {
		len = strlen(j->line);
		if (len > 0 && j->line[len - 1] == '\n' &&
		    strncmp(j->line, "AMB1 ", 5) == 0) {
			if (am_jbatch(j) != 0)
				return -1;
			continue;
		}
		if (len == 0 || j->line[len - 1] != '\n' ||
		    am_report_journal_parse(j->line, r) != 0) {
			j->bad++;	/* cut or malformed: skipped */
			while (len > 0 && j->line[len - 1] != '\n' &&
			    fgets(j->line, AM_REPORT_JOURNAL_LINE, j->fp) !=
			    NULL)
				len = strlen(j->line);
			continue;
		}
		if (j->skip) {
			j->dup++;
			continue;
		}
		return 1;
	}
	return ferror(j->fp) ? -1 : 0;
}

static int
am_jreplay_file(const char *path, struct am_report_store *st, size_t *stored,
    size_t *bad, size_t *dup, struct am_err *err)
{
	struct am_jreplay	 j;
	char			 head[64], *id;
	size_t			 n = 0;
	int			 done, rc;

	if ((j.fp = fopen(path, "r")) == NULL)
		return errno == ENOENT ? 0 : am_err_set(err, AM_E_IO, "%s: %s",
		    path, strerror(errno));
	if (fgets(head, sizeof(head), j.fp) == NULL ||
	    strncmp(head, "AMJ1 ", 5) != 0 || strchr(head, '\n') == NULL) {
		fclose(j.fp);
		return am_err_set(err, AM_E_SYNTAX, "%s: not a report journal",
		    path);
	}
	id = head + 5;
	id[strcspn(id, "\n")] = '\0';
	if (am_report_store_journal_done(st, id, &done, err) != 0) {
		fclose(j.fp);
		return -1;
	}
	j.line = am_malloc(AM_REPORT_JOURNAL_LINE);
	j.bad = j.dup = 0;
	j.st = st;
	j.skip = 0;
	j.err = err;
	rc = done ? 0 : am_report_store_insert_stream(st, am_jnext, &j, id,
	    &n, err);
	free(j.line);
	fclose(j.fp);
	if (rc != 0)
		return -1;
	*stored += n;
	*bad += j.bad;
	*dup += j.dup;
	if (unlink(path) != 0)
		return am_err_set(err, AM_E_IO, "%s: %s", path,
		    strerror(errno));
	return 0;
}

int
am_report_journal_replay(const char *path, struct am_report_store *st,
    size_t *stored, size_t *bad, size_t *dup, struct am_err *err)
{
	char	 rp[4096];

	*stored = *bad = *dup = 0;
	if ((size_t)snprintf(rp, sizeof(rp), "%s.replay", path) >= sizeof(rp))
		return am_err_set(err, AM_E_USAGE, "journal path too long");
	/* a replay cut short first, then the current journal */
	if (am_jreplay_file(rp, st, stored, bad, dup, err) != 0)
		return -1;
	if (rename(path, rp) != 0)
		return errno == ENOENT ? 0 : am_err_set(err, AM_E_IO,
		    "%s: %s", path, strerror(errno));
	return am_jreplay_file(rp, st, stored, bad, dup, err);
}
