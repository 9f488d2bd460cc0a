/*
 * authmilter-tool report import - store other receivers' aggregate
 * reports: files (XML, .xml.gz, .zip, a mail message, an mbox) and
 * directories (a Maildir's cur/ and new/, else every regular file in
 * it and below, at most 8 levels down); a delivery status notification
 * of one of our reports (report_bounce.h) suppresses the destination
 * that bounced
 */

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "report_cmds.h"
#include "report_import.h"

#define AM_IMP_FILE_MAX		(256u * 1024 * 1024)
#define AM_IMP_DEPTH		8

struct am_imp {
	struct am_report_store	*st;
	const char		*path;
	struct am_report_import_counts c;	/* per document */
	unsigned		 bad;		/* per file */
	unsigned		 suppress_days;
	int64_t			 now;
};

static void
am_imp_item(void *ctx, const struct am_report_import_item *it)
{
	struct am_imp			*im = ctx;
	const struct am_report_feedback	*f = it->f;

	switch (it->kind) {
	case AM_REPORT_IMPORT_BAD:
		am_tool_errx("%s%s%s: %s", im->path, *it->what ? ": " : "",
		    it->what, it->error);
		break;
	case AM_REPORT_IMPORT_STORE_FAILED:
		am_tool_errx("%s: report store: %s", im->path, it->error);
		break;
	case AM_REPORT_IMPORT_DSN:
		printf("%s: %s\n", im->path, it->line);
		break;
	default:
		printf("%s: %s report %s from %s for %s, %lld-%lld: %zu "
		    "record(s), %llu message(s)%s\n", im->path,
		    f->rfc7489 ? "RFC 7489" : "RFC 9990", f->report_id,
		    f->org_name, f->policy_domain, (long long)f->begin,
		    (long long)f->end, f->nrows,
		    (unsigned long long)am_report_feedback_messages(f),
		    it->kind == AM_REPORT_IMPORT_DUP ?
		    ": duplicate, already stored" : "");
		break;
	}
}

static void
am_imp_file(struct am_imp *im, const char *path)
{
	struct am_err	 err;
	struct stat	 sb;
	unsigned char	*buf;
	FILE		*fp;
	size_t		 n;

	if ((fp = fopen(path, "rb")) == NULL || fstat(fileno(fp), &sb) != 0) {
		am_tool_errx("%s: %s", path, strerror(errno));
		if (fp != NULL)
			fclose(fp);
		im->bad++;
		return;
	}
	if ((uint64_t)sb.st_size > AM_IMP_FILE_MAX) {
		am_tool_errx("%s: larger than %u octets", path,
		    AM_IMP_FILE_MAX);
		fclose(fp);
		im->bad++;
		return;
	}
	buf = malloc((size_t)sb.st_size + 1);
	n = buf != NULL ? fread(buf, 1, (size_t)sb.st_size, fp) : 0;
	fclose(fp);
	if (buf == NULL || n != (size_t)sb.st_size) {
		am_tool_errx("%s: read failed", path);
		free(buf);
		im->bad++;
		return;
	}
	im->path = path;
	am_err_clear(&err);
	if (am_report_import_buf(im->st, buf, n, im->now, im->suppress_days,
	    am_imp_item, im, &im->c, &err) != 0) {
		am_tool_errx("%s: %s", path, err.msg);
		im->bad++;
	}
	free(buf);
}

static int
am_imp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void am_imp_path(struct am_imp *, const char *, int depth);

/* Every entry of dir, in name order (the runs are reproducible). */
static void
am_imp_dir(struct am_imp *im, const char *dir, int depth)
{
	DIR		*d;
	struct dirent	*de;
	char		**names = NULL, path[4096];
	size_t		 n = 0, cap = 0, i;

	if ((d = opendir(dir)) == NULL) {
		am_tool_errx("%s: %s", dir, strerror(errno));
		im->bad++;
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 32;
			if ((names = realloc(names, cap * sizeof(*names))) ==
			    NULL)
				abort();
		}
		if ((names[n++] = strdup(de->d_name)) == NULL)
			abort();
	}
	closedir(d);
	qsort(names, n, sizeof(*names), am_imp_cmp);
	for (i = 0; i < n; i++) {
		(void)snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		am_imp_path(im, path, depth + 1);
		free(names[i]);
	}
	free(names);
}

static void
am_imp_path(struct am_imp *im, const char *path, int depth)
{
	struct stat	 sb;
	char		 sub[4096];

	if (stat(path, &sb) != 0) {
		am_tool_errx("%s: %s", path, strerror(errno));
		im->bad++;
		return;
	}
	if (S_ISREG(sb.st_mode)) {
		am_imp_file(im, path);
		return;
	}
	if (!S_ISDIR(sb.st_mode) || depth > AM_IMP_DEPTH)
		return;
	(void)snprintf(sub, sizeof(sub), "%s/cur", path);
	if (stat(sub, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		/* a Maildir: the messages in cur/ and new/, not tmp/ */
		am_imp_dir(im, sub, AM_IMP_DEPTH);
		(void)snprintf(sub, sizeof(sub), "%s/new", path);
		if (stat(sub, &sb) == 0 && S_ISDIR(sb.st_mode))
			am_imp_dir(im, sub, AM_IMP_DEPTH);
		return;
	}
	am_imp_dir(im, path, depth);
}

int
am_report_cmd_import(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "store", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 }
	};
	struct am_report_conf	 conf;
	struct am_imp		 im;
	const char		*cfg = NULL, *store = NULL;
	int			 c;

	while ((c = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': cfg = optarg; break;
		case 'S': store = optarg; break;
		default:
			fprintf(stderr, "usage: authmilter-tool report import "
			    "[-c CONFIG] [--store URI] FILE|DIR...\n");
			return AM_TOOL_EXIT_USAGE;
		}
	}
	if (optind == argc) {
		fprintf(stderr, "usage: authmilter-tool report import "
		    "[-c CONFIG] [--store URI] FILE|DIR...\n");
		return AM_TOOL_EXIT_USAGE;
	}
	if (am_report_conf_load(cfg, &conf, NULL) != 0)
		return AM_TOOL_EXIT_USAGE;
	memset(&im, 0, sizeof(im));
	im.now = (int64_t)time(NULL);
	im.suppress_days = conf.suppress_days;
	if ((im.st = am_report_conf_store(&conf, store)) == NULL)
		return AM_TOOL_EXIT_SOFTWARE;
	for (; optind < argc; optind++)
		am_imp_path(&im, argv[optind], 0);
	am_report_store_close(&im.st);
	im.bad += im.c.bad + im.c.store_failed;
	printf("imported %u report(s), %u duplicate(s), %u failure(s)",
	    im.c.stored, im.c.dups, im.bad);
	if (im.c.dsns > 0)
		printf(", %u delivery status notification(s)", im.c.dsns);
	printf("\n");
	return im.bad ? AM_TOOL_EXIT_DATAERR : AM_TOOL_EXIT_OK;
}
