/*
 * main - authmilter(8): arguments, socket, privileges, signals,
 * smfi_main
 *
 * Threads: the main thread only waits for signals (sigwait), so that
 * the kernel hands every process signal to it and not to libmilter's
 * own signal thread (which would take SIGHUP as "stop"); smfi_main runs
 * in its own thread, and reloads in a third, so that the main thread is
 * back in sigwait at once.
 */

#include "autoconfig.h"	/* autoconf's, from the build directory */

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <netdb.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ldns/ldns.h>
#include <libmilter/mfapi.h>
#include <openssl/crypto.h>

#include "callbacks.h"
#include "daemon.h"
#include "metrics.h"
#include "keywatch.h"
#include "selfcheck.h"
#include "report_capture.h"
#include "failure_sender.h"
#include "report_sender.h"
#include "report_writer.h"
#include "snapshot.h"

#define AM_DEFAULT_CONFIG	SYSCONFDIR "/authmilter.conf"
#define AM_DRAIN_SECONDS	10

struct am_args {
	struct am_snapshot_params	 params;
	int				 check;		/* -n */
	int				 version;	/* -V */
};

/* What this process created, so that a failed start or the end
 * removes that and nothing else. */
static int	 am_made_socket, am_made_pidfile;

/* Reload requests, from the signal thread to the reload thread. */
struct am_reloader {
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	int			 pending, quit;
	struct am_logdest	 dest;
	struct am_log		 log;
};

const char *
am_daemon_version(void)
{
	return PACKAGE_VERSION;
}

static int
am_usage(void)
{
	fprintf(stderr, "usage: authmilter [-fnV] [-c file] [-p socket] "
	    "[-P pidfile] [-u user[:group]]\n");
	return AM_EXIT_USAGE;
}

static void
am_print_version(void)
{
	unsigned int	 maj = 0, min = 0, pl = 0;

	(void)smfi_version(&maj, &min, &pl);
	printf("authmilter %s\n", PACKAGE_VERSION);
	printf("features: dkim-sign dkim-verify rsa-sha256 ed25519-sha256 "
	    "keytable signingtable refile dual-sign spf dmarc reload\n");
	printf("sockets: unix local inet inet6\n");
	printf("libmilter %u.%u.%u, %s, ldns %s\n", maj, min, pl,
	    OpenSSL_version(OPENSSL_VERSION), ldns_version());
	printf("config: %s\n", AM_DEFAULT_CONFIG);
}

static int
am_parse_args(int argc, char **argv, struct am_args *a)
{
	int	 c, nconfig = 0;

	memset(a, 0, sizeof(*a));
	a->params.path = AM_DEFAULT_CONFIG;
	while ((c = getopt(argc, argv, "c:fnVp:P:u:")) != -1) {
		switch (c) {
		case 'c':
			/* One file: a second -c would silently replace the
			 * first (issue 10); merge with authmilter-tool
			 * migrate instead. */
			if (nconfig++ > 0) {
				fprintf(stderr, "authmilter: -c given twice (%s "
				    "and %s): give one configuration file\n",
				    a->params.path, optarg);
				return -1;
			}
			a->params.path = optarg;
			break;
		case 'f':
			a->params.foreground = 1;
			break;
		case 'n':
			a->check = 1;
			break;
		case 'V':
			a->version = 1;
			break;
		case 'p':
			a->params.overrides.socket = optarg;
			break;
		case 'P':
			a->params.overrides.pidfile = optarg;
			break;
		case 'u':
			a->params.overrides.userid = optarg;
			break;
		default:
			return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

/* Test hooks: see authmilter.8, ENVIRONMENT. */

static void
am_test_hooks(struct am_snapshot_params *p)
{
	const char	*now = getenv("AUTHMILTER_TEST_NOW");

	p->test_dns = getenv("AUTHMILTER_TEST_DNS");
	if (now != NULL)
		p->test_now = strtoull(now, NULL, 10);
}

/* The path of a unix: or local: socket (or a bare path), else NULL. */

static const char *
am_unix_path(const char *spec)
{
	if (strncmp(spec, "unix:", 5) == 0)
		return spec + 5;
	if (strncmp(spec, "local:", 6) == 0)
		return spec + 6;
	return spec[0] == '/' ? spec : NULL;
}

/*
 * am_stale_socket - remove a unix socket left by a dead process, but
 * only if nothing answers on it.  Returns -1 if it is in use or is not
 * a socket.
 */

static int
am_stale_socket(const char *path, const struct am_log *log)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	int			 fd, r;

	if (lstat(path, &st) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		am_log(log, AM_LOG_ERROR, "%s exists and is not a socket",
		    path);
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return -1;
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return -1;
	r = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	if (r == 0) {
		am_log(log, AM_LOG_ERROR, "%s is in use by another process",
		    path);
		return -1;
	}
	am_log(log, AM_LOG_WARN, "removing stale socket %s", path);
	return unlink(path) == -1 && errno != ENOENT ? -1 : 0;
}

static int	am_lookup_user(const char *, char *, size_t, uid_t *, gid_t *,
		    int *);

/*
 * am_dir_ready - the directory a file of ours goes into (the socket, the
 * PidFile, the LogFile) must exist, or its parent must: then it is made
 * at start (mode 0750, owned by UserID's user and group, as a service
 * manager's RuntimeDirectory would be), and -n (create 0) says so.
 * mkdir never follows a link; a link planted in its place makes it fail.
 */
static int
am_dir_ready(const char *what, const char *path, const struct am_config *cfg,
    int create, const struct am_log *log)
{
	char		 dir[4096], parent[4096], user[256];
	const char	*slash = strrchr(path, '/'), *ps;
	struct stat	 st;
	uid_t		 uid;
	gid_t		 gid;
	int		 eg;

	if (slash == NULL || strlen(path) >= sizeof(dir))
		return 0;
	(void)snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 :
	    (int)(slash - path), path);
	if (lstat(dir, &st) == -1 && errno == ENOENT &&
	    (ps = strrchr(dir, '/')) != NULL) {
		(void)snprintf(parent, sizeof(parent), "%.*s", ps == dir ? 1 :
		    (int)(ps - dir), dir);
		if (stat(parent, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (!create) {
				am_log(log, AM_LOG_INFO, "%s directory %s: not "
				    "there yet, created at start", what, dir);
				return 0;
			}
			if (mkdir(dir, 0750) == -1) {
				am_log(log, AM_LOG_ERROR, "%s directory %s: "
				    "cannot create: %s", what, dir,
				    strerror(errno));
				return -1;
			}
			if (cfg->daemon.userid != NULL &&
			    am_lookup_user(cfg->daemon.userid, user,
			    sizeof(user), &uid, &gid, &eg) == 0 &&
			    lchown(dir, uid, gid) == -1)
				am_log(log, AM_LOG_WARN, "%s directory %s: "
				    "chown: %s", what, dir, strerror(errno));
			am_log(log, AM_LOG_INFO, "%s directory %s created",
			    what, dir);
		}
	}
	if (stat(dir, &st) == -1) {
		am_log(log, AM_LOG_ERROR, "%s directory %s: %s", what, dir,
		    strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		am_log(log, AM_LOG_ERROR, "%s directory %s: not a directory",
		    what, dir);
		return -1;
	}
	return 0;
}

/* A unix socket's path must also fit sun_path. */
static int
am_socket_dir_ok(const char *path, const struct am_config *cfg,
    int create, const struct am_log *log)
{
	size_t	 max = sizeof(((struct sockaddr_un *)0)->sun_path);

	if (strlen(path) >= max) {
		am_log(log, AM_LOG_ERROR, "socket path %s: longer than %zu "
		    "octets", path, max - 1);
		return -1;
	}
	return am_dir_ready("socket", path, cfg, create, log);
}

static int
am_open_socket(const struct am_config *cfg, const struct am_log *log)
{
	const char	*path;

	if (cfg->daemon.socket == NULL) {
		am_log(log, AM_LOG_ERROR, "no Socket configured (or -p)");
		return -1;
	}
	if ((path = am_unix_path(cfg->daemon.socket)) != NULL &&
	    (am_socket_dir_ok(path, cfg, 1, log) == -1 ||
	    am_stale_socket(path, log) == -1))
		return -1;
	if (cfg->daemon.has_umask)
		(void)umask(cfg->daemon.umask);
	errno = 0;
	if (am_callbacks_register() != MI_SUCCESS ||
	    smfi_setconn((char *)cfg->daemon.socket) != MI_SUCCESS ||
	    smfi_settimeout((int)cfg->daemon.milter_timeout) != MI_SUCCESS ||
	    smfi_opensocket(0) != MI_SUCCESS) {
		am_log(log, AM_LOG_ERROR, "cannot listen on %s: %s",
		    cfg->daemon.socket, errno != 0 ? strerror(errno) :
		    "libmilter failed (see its log line)");
		return -1;
	}
	am_made_socket = path != NULL;
	return 0;
}

/*
 * am_wake_listener - libmilter's listener looks at smfi_stop() only
 * every few seconds, between two waits for a connection: connect to it
 * once so that it looks now.  Best effort.
 */

static void
am_wake_listener(const char *spec)
{
	struct addrinfo		 hints, *res = NULL;
	struct sockaddr_un	 sun;
	const char		*path, *at;
	char			 port[16], host[256];
	int			 fd = -1, v6 = strncmp(spec, "inet6:", 6) == 0;

	if ((path = am_unix_path(spec)) != NULL) {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (strlen(path) < sizeof(sun.sun_path) &&
		    (fd = socket(AF_UNIX, SOCK_STREAM, 0)) != -1) {
			memcpy(sun.sun_path, path, strlen(path));
			(void)connect(fd, (struct sockaddr *)&sun, sizeof(sun));
		}
	} else if (strncmp(spec, "inet:", 5) == 0 || v6) {
		spec += v6 ? 6 : 5;
		at = strchr(spec, '@');
		(void)snprintf(port, sizeof(port), "%.*s", at ? (int)(at - spec) :
		    (int)strlen(spec), spec);
		(void)snprintf(host, sizeof(host), "%s", at && at[1] ? at + 1 :
		    v6 ? "::1" : "127.0.0.1");
		memset(&hints, 0, sizeof(hints));
		hints.ai_socktype = SOCK_STREAM;
		if (getaddrinfo(host, port, &hints, &res) == 0 &&
		    (fd = socket(res->ai_family, SOCK_STREAM, 0)) != -1)
			(void)connect(fd, res->ai_addr, res->ai_addrlen);
		if (res != NULL)
			freeaddrinfo(res);
	}
	if (fd != -1)
		close(fd);
}

static int
am_daemonize(void)
{
	pid_t	 pid;
	int	 fd;

	if ((pid = fork()) == -1)
		return -1;
	if (pid > 0)
		_exit(AM_EXIT_OK);
	if (setsid() == -1)
		return -1;
	if ((fd = open("/dev/null", O_RDWR)) == -1)
		return -1;
	(void)dup2(fd, STDIN_FILENO);
	(void)dup2(fd, STDOUT_FILENO);
	(void)dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
	return chdir("/");
}

/*
 * am_pidfile_create - the pid file is written by root, often in a
 * directory the daemon's user owns: never open an existing name.
 * O_CREAT|O_EXCL|O_NOFOLLOW creates a new file or fails; a stale
 * regular file (one link) is removed (unlink never follows a link) and
 * the create tried once more; anything else there (a symbolic link, a
 * hard link, a directory) is refused and left alone.
 */

static int
am_pidfile_create(const char *path, const struct am_log *log)
{
	const int	 flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			    O_CLOEXEC | O_NOCTTY;
	struct stat	 st;
	int		 fd;

	if ((fd = open(path, flags, 0644)) != -1 || errno != EEXIST)
		return fd;
	if (lstat(path, &st) == -1)
		return -1;
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1) {
		am_log(log, AM_LOG_ERROR, "pid file %s exists and is not a "
		    "plain file (%s): refusing to write it", path,
		    S_ISLNK(st.st_mode) ? "a symbolic link" : st.st_nlink != 1 &&
		    S_ISREG(st.st_mode) ? "a hard link" : "not a regular file");
		errno = EEXIST;
		return -2;
	}
	am_log(log, AM_LOG_WARN, "replacing stale pid file %s", path);
	if (unlink(path) == -1 && errno != ENOENT)
		return -1;
	return open(path, flags, 0644);
}

static int
am_write_pidfile(const char *path, const struct am_log *log)
{
	char	 text[32];
	int	 fd, n;

	if (path == NULL)
		return 0;
	if ((fd = am_pidfile_create(path, log)) == -2)
		return -1;
	n = snprintf(text, sizeof(text), "%ld\n", (long)getpid());
	if (fd == -1 || write(fd, text, (size_t)n) != n) {
		am_log(log, AM_LOG_ERROR, "pid file %s: %s", path,
		    strerror(errno));
		if (fd != -1) {
			(void)close(fd);
			(void)unlink(path);
		}
		return -1;
	}
	(void)close(fd);
	am_made_pidfile = 1;
	return 0;
}

/* Removes the pid file only if it is still ours: a regular file that
 * holds our pid (a link is never followed: O_NOFOLLOW). */

static void
am_remove_pidfile(const char *path, const struct am_log *log)
{
	char	 text[32], want[32];
	ssize_t	 n;
	int	 fd;

	if (path == NULL || !am_made_pidfile)
		return;
	am_made_pidfile = 0;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK)) == -1) {
		if (errno != ENOENT)
			am_log(log, AM_LOG_WARN, "pid file %s: %s", path,
			    strerror(errno));
		return;
	}
	n = read(fd, text, sizeof(text) - 1);
	(void)close(fd);
	(void)snprintf(want, sizeof(want), "%ld\n", (long)getpid());
	if (n <= 0 || (text[n] = '\0', strcmp(text, want) != 0)) {
		am_log(log, AM_LOG_WARN, "pid file %s no longer ours; left "
		    "alone", path);
		return;
	}
	if (unlink(path) == -1 && errno != ENOENT)
		am_log(log, AM_LOG_WARN, "pid file %s: %s", path,
		    strerror(errno));
}

/* UserID "user[:group]": look both up. */

static int
am_lookup_user(const char *spec, char *user, size_t size, uid_t *uid,
    gid_t *gid, int *explicit_group)
{
	const char	*colon = strchr(spec, ':');
	struct passwd	*pw;
	struct group	*gr;

	if (snprintf(user, size, "%.*s", colon ? (int)(colon - spec) :
	    (int)strlen(spec), spec) >= (int)size ||
	    (pw = getpwnam(user)) == NULL)
		return -1;
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	*explicit_group = colon != NULL;
	if (colon != NULL) {
		if ((gr = getgrnam(colon + 1)) == NULL)
			return -1;
		*gid = gr->gr_gid;
	}
	return 0;
}

/*
 * am_drop_privileges - after the socket is bound and the keys are
 * loaded.  With UserID set, failing to switch is fatal (we refuse to go
 * on as root); without it, running as root is only warned about.
 */

static int
am_drop_privileges(const struct am_config *cfg, const struct am_log *log)
{
	char		 user[256];
	const char	*path;
	uid_t		 uid;
	gid_t		 gid;
	int		 egroup, r;

	if (cfg->daemon.userid == NULL) {
		if (geteuid() == 0)
			am_log(log, AM_LOG_WARN, "running as root: set UserID");
		return 0;
	}
	if (am_lookup_user(cfg->daemon.userid, user, sizeof(user), &uid, &gid,
	    &egroup) == -1) {
		am_log(log, AM_LOG_ERROR, "UserID %s: no such user or group",
		    cfg->daemon.userid);
		return -1;
	}
	if (geteuid() == uid && getegid() == gid)
		return 0;
	/* lchown: never follows a link planted where the socket was. */
	if ((path = am_unix_path(cfg->daemon.socket)) != NULL &&
	    lchown(path, uid, gid) == -1)
		am_log(log, AM_LOG_WARN, "chown %s: %s", path, strerror(errno));
	r = egroup ? setgroups(1, &gid) : initgroups(user, gid);
	if (r == -1 || setgid(gid) == -1 || setuid(uid) == -1 ||
	    (uid != 0 && setuid(0) != -1)) {
		am_log(log, AM_LOG_ERROR, "cannot switch to UserID %s: %s",
		    cfg->daemon.userid, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * am_check_start - for -n: what start-up would trip over that loading
 * the file does not see: UserID naming no user or group, a unix socket,
 * pid file or LogFile in a directory that is missing and cannot be
 * made at start (am_dir_ready).  Each problem is logged; -1 if there
 * was any.
 */

static int
am_check_start(const struct am_config *cfg, const struct am_log *log)
{
	char		 user[256];
	const char	*path;
	uid_t		 uid;
	gid_t		 gid;
	int		 egroup, r = 0;

	if (cfg->daemon.userid != NULL && am_lookup_user(cfg->daemon.userid, user,
	    sizeof(user), &uid, &gid, &egroup) == -1) {
		am_log(log, AM_LOG_ERROR, "UserID %s: no such user or group",
		    cfg->daemon.userid);
		r = -1;
	}
	if (cfg->daemon.socket != NULL && (path = am_unix_path(cfg->daemon.socket)) != NULL &&
	    am_socket_dir_ok(path, cfg, 0, log) == -1)
		r = -1;
	if (cfg->daemon.pidfile != NULL &&
	    am_dir_ready("PidFile", cfg->daemon.pidfile, cfg, 0, log) == -1)
		r = -1;
	if (cfg->daemon.logfile != NULL && strcmp(cfg->daemon.logfile, "stderr") != 0 &&
	    am_dir_ready("LogFile", cfg->daemon.logfile, cfg, 0, log) == -1)
		r = -1;
	return r;
}

static void *
am_reload_thread(void *arg)
{
	struct am_reloader	*r = arg;

	pthread_mutex_lock(&r->lock);
	while (!r->quit) {
		if (!r->pending) {
			pthread_cond_wait(&r->cond, &r->lock);
			continue;
		}
		r->pending = 0;
		pthread_mutex_unlock(&r->lock);
		(void)am_snapshot_reload(&r->log);
		am_report_writer_reload();	/* drain; new store */
		am_report_capture_reload();	/* the same for captures */
		pthread_mutex_lock(&r->lock);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

static void
am_reloader_poke(struct am_reloader *r, int quit)
{
	pthread_mutex_lock(&r->lock);
	if (quit)
		r->quit = 1;
	else
		r->pending = 1;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

/* The key watch's way to ask for a reload: the SIGHUP path. */
static void
am_reloader_request(void *arg)
{
	am_reloader_poke(arg, 0);
}

/* smfi_main in its own thread; when it returns (by smfi_stop, or by
 * libmilter's own signal thread) it wakes the main thread. */

struct am_milter_run {
	pthread_t	 main;		/* to wake */
	int		 rc;		/* smfi_main's */
};

static void *
am_milter_thread(void *arg)
{
	struct am_milter_run	*run = arg;

	run->rc = smfi_main();
	(void)pthread_kill(run->main, SIGTERM);
	return NULL;
}

static void *
am_stop_thread(void *arg)
{
	(void)smfi_stop();
	return NULL;
}

/*
 * am_stop_milter - smfi_stop() waits for a lock that libmilter's
 * listener holds while it waits (up to 5 s) for a connection; so stop
 * from another thread and poke the listener until smfi_main returns.
 */

static void
am_stop_milter(const char *socket, pthread_t milter)
{
	pthread_t	 stopper;
	int		 i, stopping;

	stopping = pthread_create(&stopper, NULL, am_stop_thread, NULL) == 0;
	if (!stopping)
		(void)smfi_stop();
	for (i = 0; i < 100 && pthread_tryjoin_np(milter, NULL) != 0; i++) {
		(void)usleep(20000);
		am_wake_listener(socket);
	}
	if (i == 100)
		pthread_join(milter, NULL);
	if (stopping)
		pthread_join(stopper, NULL);
}

/*
 * am_finish_inflight - before libmilter stops (which drops its
 * connections), refuse new messages with a temporary failure and give
 * those in flight AM_DRAIN_SECONDS to end.  Signals are still taken
 * here, so none reaches libmilter's signal thread; a second SIGTERM or
 * SIGINT cuts the wait short.
 */

static void
am_finish_inflight(const sigset_t *set, const struct am_log *log)
{
	struct timespec	 tick = { 0, 100 * 1000 * 1000 };
	unsigned	 left = 0;
	int		 i, sig;

	am_snapshot_close();
	for (i = 0; i < AM_DRAIN_SECONDS * 10; i++) {
		if ((left = am_snapshot_drain(0)) == 0)
			return;
		sig = sigtimedwait(set, NULL, &tick);
		if (sig == SIGTERM || sig == SIGINT)
			break;
	}
	am_log(log, AM_LOG_WARN, "%u messages still in flight; stopping "
	    "anyway", left);
}

static void
am_signal_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
}

/* Runs until SIGTERM or SIGINT; returns smfi_main's result. */

static int
am_run(const char *socket, const struct am_log *log, struct am_reloader *rl)
{
	struct am_milter_run	 run = { .rc = MI_SUCCESS };
	pthread_t		 milter, reload;
	sigset_t		 set;
	int			 sig;

	am_signal_set(&set);
	run.main = pthread_self();
	if (pthread_create(&reload, NULL, am_reload_thread, rl) != 0 ||
	    pthread_create(&milter, NULL, am_milter_thread, &run) != 0) {
		am_log(log, AM_LOG_ERROR, "cannot start threads");
		return MI_FAILURE;
	}
	am_metrics_start(log);		/* MetricsSocket's thread */
	am_log(log, AM_LOG_INFO, "authmilter %s started", PACKAGE_VERSION);
	am_selfcheck_start();		/* self-audit: selfcheck.h */
	am_keywatch_start(am_reloader_request, rl);	/* keywatch.h */
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP || sig == SIGUSR1)
			am_reloader_poke(rl, 0);
		else
			break;
	}
	am_log(log, AM_LOG_INFO, "stopping");
	am_finish_inflight(&set, log);
	am_stop_milter(socket, milter);
	am_keywatch_stop();		/* before the reloader it pokes */
	am_reloader_poke(rl, 1);
	pthread_join(reload, NULL);
	am_selfcheck_stop();
	return run.rc;
}

static void
am_cleanup(const struct am_config *cfg, const struct am_log *log)
{
	const char	*path;
	struct stat	 st;

	if (am_made_socket && (path = am_unix_path(cfg->daemon.socket)) != NULL &&
	    lstat(path, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    unlink(path) == -1)
		am_log(log, AM_LOG_WARN, "%s: %s", path, strerror(errno));
	am_made_socket = 0;
	am_remove_pidfile(cfg->daemon.pidfile, log);
	am_metrics_stop();		/* MetricsSocket's thread and socket */
}

/* Opens the socket, daemonizes, writes the pid file, drops privileges. */

static int
am_start(struct am_config *cfg, const struct am_args *a,
    const struct am_log *log)
{
	if (am_open_socket(cfg, log) == -1 ||
	    am_metrics_open(cfg, log) == -1)	/* MetricsSocket: bound here */
		return AM_EXIT_OSERR;
	if (!a->params.foreground && cfg->daemon.background && am_daemonize() == -1) {
		am_log(log, AM_LOG_ERROR, "cannot daemonize: %s",
		    strerror(errno));
		return AM_EXIT_OSERR;
	}
	if ((cfg->daemon.pidfile != NULL && am_dir_ready("PidFile",
	    cfg->daemon.pidfile, cfg, 1, log) == -1) ||
	    am_write_pidfile(cfg->daemon.pidfile, log) == -1 ||
	    am_drop_privileges(cfg, log) == -1)
		return AM_EXIT_OSERR;
	return AM_EXIT_OK;
}

static int
am_serve(struct am_config *cfg, struct am_args *a, struct am_logdest *dest,
    struct am_log *log)
{
	struct am_reloader	 rl;
	sigset_t		 set;
	int			 rc;

	if ((cfg->daemon.logfile != NULL && strcmp(cfg->daemon.logfile,
	    "stderr") != 0 && am_dir_ready("LogFile", cfg->daemon.logfile,
	    cfg, 1, log) == -1) || am_logfile_open(cfg->daemon.logfile) == -1) {
		am_log(log, AM_LOG_ERROR, "LogFile %s: %s", cfg->daemon.logfile,
		    strerror(errno));
		am_config_unref(&cfg);
		return AM_EXIT_OSERR;
	}
	am_logdest_init(dest, cfg, 1);
	if ((rc = am_start(cfg, a, log)) != AM_EXIT_OK) {
		am_cleanup(cfg, log);		/* nothing left behind */
		am_config_unref(&cfg);
		return rc;
	}
	if (!a->params.foreground && cfg->daemon.background)
		dest->to_stderr = 0;
	(void)signal(SIGPIPE, SIG_IGN);
	am_signal_set(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);	/* every thread inherits */
	memset(&rl, 0, sizeof(rl));
	pthread_mutex_init(&rl.lock, NULL);
	pthread_cond_init(&rl.cond, NULL);
	rl.dest = *dest;
	rl.log = *log;
	rl.log.ctx = &rl.dest;
	am_config_ref(cfg);			/* for am_cleanup */
	am_snapshot_init(&a->params, cfg);
	(void)am_report_writer_start(cfg, log);	/* report records */
	(void)am_report_sender_start(log);	/* ReportSend */
	(void)am_report_capture_start(cfg, log);	/* ReportMailbox */
	(void)am_failure_sender_start(cfg, log);	/* FailureReports */
	rc = am_run(cfg->daemon.socket, log, &rl) == MI_SUCCESS ? AM_EXIT_OK : AM_EXIT_SOFTWARE;
	am_failure_sender_stop();
	am_report_sender_stop();
	am_report_capture_stop();		/* drains its queue */
	am_report_writer_stop();		/* drains the queue */
	am_cleanup(cfg, log);
	am_config_unref(&cfg);
	am_snapshot_shutdown();
	am_log(log, AM_LOG_INFO, "stopped");
	return rc;
}

int
main(int argc, char **argv)
{
	struct am_args		 a;
	struct am_logdest	 dest;
	struct am_log		 log;
	struct am_config	*cfg;
	struct am_err		 err;
	char			*abs = NULL;
	int			 rc;

	if (am_parse_args(argc, argv, &a) == -1)
		return am_usage();
	if (a.version) {
		am_print_version();
		return AM_EXIT_OK;
	}
	am_test_hooks(&a.params);
	if (!a.check && (abs = realpath(a.params.path, NULL)) != NULL)
		a.params.path = abs;		/* reloads survive chdir("/") */
	am_syslog_open();
	am_logdest_init(&dest, NULL, 1);
	dest.to_syslog = !a.check;
	log.fn = am_syslog_fn;
	log.ctx = &dest;
	log.prefix = NULL;
	am_err_clear(&err);
	if (a.check) {			/* prints even with errors */
		if (a.params.test_dns != NULL && a.params.test_dns[0] != '\0')
			a.params.overrides.dns_zone = a.params.test_dns;
		rc = am_config_check(a.params.path, &a.params.overrides, &log,
		    stdout, &cfg, &err);
		if (rc == -1)
			fprintf(stderr, "authmilter: %s: %s\n", a.params.path,
			    err.msg[0] ? err.msg : "cannot load");
		/* What start-up needs beyond the file: user, directories. */
		if (rc == 0 && am_check_start(cfg, &log) == -1)
			rc = -1;
		am_config_unref(&cfg);
		free(abs);
		return rc == 0 ? AM_EXIT_OK : AM_EXIT_CONFIG;
	}
	if ((cfg = am_snapshot_load(&a.params, &log, &err)) == NULL) {
		fprintf(stderr, "authmilter: %s: %s\n", a.params.path,
		    err.msg[0] ? err.msg : "cannot load");
		free(abs);
		return AM_EXIT_CONFIG;
	}
	am_logdest_init(&dest, cfg, 1);
	rc = am_serve(cfg, &a, &dest, &log);
	free(abs);
	return rc;
}
