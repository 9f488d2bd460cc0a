/*
 * fuzz-config - libFuzzer target for the configuration loader
 * (lib/config) and its table files (KeyTable, SigningTable, peer
 * lists, data sets)
 *
 * The input is a configuration file, optionally followed by a line
 * "%%" and the text of a second file; both are written into a private
 * directory as "authmilter.conf" and "table", next to an Ed25519 key
 * "key" (mode 0600), so the configuration can name "table" (KeyTable
 * table, SigningTable refile:table, InternalHosts table, Include table)
 * and "key" by relative names.  DNS is the empty zone (no resolver).
 *
 * Checks, beyond "no crash": a load either gives a snapshot or fails
 * with a message; a snapshot prints (-n), and still prints after a
 * second reference was taken and the first given back.  The private
 * directory is removed at exit.
 */

#include <sys/stat.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "err.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char key[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MC4CAQAwBQYDK2VwBCIEICUBtSlxeFjmPAXBF7MLucblBDjkgA1n+Il3VfgcAo9I\n"
	"-----END PRIVATE KEY-----\n";

static char	 dir[64], conf[96], table[96];
static FILE	*devnull;

static void
put(const char *path, const void *p, size_t n, mode_t mode)
{
	int	 fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)) == -1 ||
	    (n > 0 && write(fd, p, n) != (ssize_t)n) || close(fd) == -1)
		abort();
}

static void
cleanup(void)
{
	char	 path[96];

	(void)snprintf(path, sizeof(path), "%s/key", dir);
	(void)unlink(path);
	(void)unlink(conf);
	(void)unlink(table);
	(void)rmdir(dir);
}

static void
setup(void)
{
	char	 path[96];

	(void)snprintf(dir, sizeof(dir), "/tmp/am-fuzz-config.XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	(void)snprintf(conf, sizeof(conf), "%s/authmilter.conf", dir);
	(void)snprintf(table, sizeof(table), "%s/table", dir);
	(void)snprintf(path, sizeof(path), "%s/key", dir);
	put(path, key, sizeof(key) - 1, 0600);
	if ((devnull = fopen("/dev/null", "w")) == NULL)
		abort();
	(void)atexit(cleanup);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct am_config_overrides	 ov;
	struct am_config		*cfg, *held;
	struct am_err			 err;
	const char			*in = (const char *)data, *sep;
	size_t				 clen = size;

	if (size > 65536)
		return 0;
	if (devnull == NULL)
		setup();
	sep = memmem(in, size, "\n%%\n", 4);
	if (sep != NULL)
		clen = (size_t)(sep - in) + 1;
	put(conf, in, clen, 0644);
	put(table, sep != NULL ? sep + 4 : "", sep != NULL ?
	    size - clen - 3 : 0, 0644);
	memset(&ov, 0, sizeof(ov));
	ov.dns_zone = "";
	am_err_clear(&err);
	cfg = am_config_load(conf, &ov, NULL, &err);
	if (cfg == NULL) {
		if (err.msg[0] == '\0')
			abort();
		return 0;
	}
	am_config_print(cfg, devnull);
	held = cfg;
	am_config_ref(held);
	am_config_unref(&cfg);
	am_config_print(held, devnull);	/* still ours */
	am_config_unref(&held);
	return 0;
}
