/*
 * replay - run one fuzz target over its corpus, as a TAP test
 *
 * Linked with one fuzz-NAME.c (which defines LLVMFuzzerTestOneInput)
 * into t/fuzz/replay-NAME.  The program's own name says which corpus
 * to replay: "$top_srcdir/t/fuzz/corpus/NAME/", every regular file in
 * it, sorted by name.  top_srcdir comes from the environment (make
 * check sets it) and defaults to ".".
 *
 * A fuzz target reports a bug by crashing (abort, __builtin_trap, a
 * sanitizer), so "ok N" only says the input was run: a failure shows
 * up as the abnormal exit the test driver sees, with the last "ok"
 * line naming the input before the one that crashed.
 */

#include <sys/stat.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* corpus_name - "NAME" from ".../replay-NAME" (or libtool's lt-replay-NAME) */

static const char *
corpus_name(const char *argv0)
{
	const char	*base = strrchr(argv0, '/');

	base = base != NULL ? base + 1 : argv0;
	if (strncmp(base, "lt-", 3) == 0)
		base += 3;
	if (strncmp(base, "replay-", 7) == 0)
		base += 7;
	return base;
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int
not_hidden(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* read_file - the whole file in a buffer of exactly its size, so that
 * ASan sees any read past the end */

static unsigned char *
read_file(const char *path, size_t *len_out)
{
	struct stat	 st;
	unsigned char	*p;
	FILE		*f;
	size_t		 n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fstat(fileno(f), &st) == -1 || !S_ISREG(st.st_mode)) {
		fclose(f);
		return NULL;
	}
	n = (size_t)st.st_size;
	if ((p = malloc(n > 0 ? n : 1)) == NULL || fread(p, 1, n, f) != n) {
		free(p);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len_out = n;
	return p;
}

int
main(int argc, char **argv)
{
	const char	*name = corpus_name(argc > 0 ? argv[0] : "replay-?");
	const char	*top = getenv("top_srcdir");
	struct dirent	**list;
	char		 dir[4096], path[8192];
	unsigned char	*data;
	size_t		 len;
	int		 i, n, tests = 0, failed = 0;

	if (top == NULL || *top == '\0')
		top = ".";
	if ((size_t)snprintf(dir, sizeof(dir), "%s/t/fuzz/corpus/%s", top,
	    name) >= sizeof(dir)) {
		printf("not ok 1 - %s: corpus path too long\n1..1\n", name);
		return 1;
	}
	if ((n = scandir(dir, &list, not_hidden, by_name)) < 0)
		n = 0, list = NULL;
	for (i = 0; i < n; i++) {
		(void)snprintf(path, sizeof(path), "%s/%s", dir,
		    list[i]->d_name);
		if ((data = read_file(path, &len)) == NULL) {
			struct stat	 st;

			if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
				continue;	/* a subdirectory */
			printf("not ok %d - %s/%s: cannot read\n", ++tests,
			    name, list[i]->d_name);
			failed++;
			continue;
		}
		(void)LLVMFuzzerTestOneInput(data, len);
		free(data);
		printf("ok %d - %s/%s\n", ++tests, name, list[i]->d_name);
		fflush(stdout);
	}
	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
	if (tests == 0) {
		printf("not ok 1 - %s: empty corpus (%s)\n1..1\n", name, dir);
		return 1;
	}
	printf("1..%d\n", tests);
	return failed > 0;
}
