/*
 * metrics - the daemon's Prometheus endpoint (MetricsSocket) and the
 * counters behind it (see metrics.h; the names are in authmilter.8,
 * METRICS)
 */

#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "dns.h"
#include "clock.h"
#include "metrics.h"
#include "keyrotate.h"
#include "keystate.h"
#include "pkey.h"
#include "selfcheck.h"
#include "snapshot.h"

#include "engine_metrics.h"

#define AM_METRICS_REQ_MAX	4096		/* request line and headers */
#define AM_METRICS_TIME_MS	2000		/* one whole exchange */
#define AM_METRICS_OUT_MAX	(4 * 1024 * 1024)
#define AM_METRICS_BACKLOG	8

/*
 * The process's counters, and the endpoint.  Counters: relaxed atomics
 * from any thread.  fd, pipe, thread: the main thread's (open, start,
 * stop), read by the endpoint's thread between start and stop.
 */
static struct {
	struct am_engine_metrics	 msg;
	struct am_dns_stats	 dns;
	uint64_t		 reload_ok, reload_fail;
	int64_t			 loaded_at;	/* last successful load */
	int			 last_reload_ok; /* 1 until a reload fails */
	double			 start_time;
	int			 fd;		/* listening; -1 none */
	int			 wake[2];	/* stop: a byte in wake[1] */
	int			 running;
	pthread_t		 thread;
	struct am_log		 log;
} am_mx = { .fd = -1, .wake = { -1, -1 }, .last_reload_ok = 1 };

/* ------------------------------------------------------------ counting */

void
am_metrics_message(enum am_decide_kind kind, const struct am_disposition *d,
    const struct am_engine *e)
{
	enum am_engine_metrics_decision	 dec;

	dec = kind == AM_DECIDE_SIGN ? AM_ENGINE_METRICS_DEC_SIGN :
	    kind == AM_DECIDE_VERIFY ? AM_ENGINE_METRICS_DEC_VERIFY :
	    AM_ENGINE_METRICS_DEC_NEITHER;
	am_engine_metrics_count(&am_mx.msg, e, dec, d->action);
}

void
am_metrics_config_loaded(struct am_config *cfg)
{
	am_dns_stats_attach(cfg->dns.resolver, &am_mx.dns);
	__atomic_store_n(&am_mx.loaded_at, (int64_t)time(NULL),
	    __ATOMIC_RELAXED);
}

void
am_metrics_reload(int ok)
{
	__atomic_add_fetch(ok ? &am_mx.reload_ok : &am_mx.reload_fail, 1,
	    __ATOMIC_RELAXED);
	__atomic_store_n(&am_mx.last_reload_ok, ok ? 1 : 0, __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------ writing */

static void
am_metrics_gauge(struct am_buf *out, const char *name, const char *help)
{
	(void)am_buf_printf(out, "# HELP %s %s\n# TYPE %s gauge\n", name, help,
	    name);
}

static void
am_metrics_write_process(struct am_buf *out)
{
	am_metrics_gauge(out, "authmilter_build_info", "The version running "
	    "(always 1).");
	(void)am_buf_appends(out, "authmilter_build_info{version=\"");
	am_engine_metrics_label(out, am_daemon_version());
	(void)am_buf_appends(out, "\"} 1\n");
	am_metrics_gauge(out, "process_start_time_seconds", "When the "
	    "process started, in seconds since the Unix epoch.");
	(void)am_buf_printf(out, "process_start_time_seconds %.3f\n",
	    am_mx.start_time);
	am_metrics_gauge(out, "authmilter_config_last_load_timestamp_seconds",
	    "When the configuration in force was loaded (start or reload).");
	(void)am_buf_printf(out, "authmilter_config_last_load_timestamp_seconds"
	    " %lld\n", (long long)__atomic_load_n(&am_mx.loaded_at,
	    __ATOMIC_RELAXED));
	am_metrics_gauge(out, "authmilter_config_last_reload_successful",
	    "0 if the last reload failed (the old configuration stays), "
	    "else 1.");
	(void)am_buf_printf(out, "authmilter_config_last_reload_successful "
	    "%d\n", __atomic_load_n(&am_mx.last_reload_ok, __ATOMIC_RELAXED));
	(void)am_buf_appends(out, "# HELP authmilter_config_reloads_total "
	    "Reloads (SIGHUP, SIGUSR1), by result.\n"
	    "# TYPE authmilter_config_reloads_total counter\n");
	(void)am_buf_printf(out, "authmilter_config_reloads_total{result="
	    "\"success\"} %llu\nauthmilter_config_reloads_total{result="
	    "\"failure\"} %llu\n", (unsigned long long)__atomic_load_n(
	    &am_mx.reload_ok, __ATOMIC_RELAXED), (unsigned long long)
	    __atomic_load_n(&am_mx.reload_fail, __ATOMIC_RELAXED));
}

/* key="name",selector="s",key_type="rsa",key_size="2048" */

static void
am_metrics_key_labels(struct am_buf *out, const struct am_keyset *ks,
    const struct am_key *k)
{
	(void)am_buf_appends(out, "{key=\"");
	am_engine_metrics_label(out, ks->name != NULL ? ks->name : "");
	(void)am_buf_appends(out, "\",selector=\"");
	am_engine_metrics_label(out, k->selector != NULL ? k->selector : "");
	(void)am_buf_printf(out, "\",key_type=\"%s\",key_size=\"%s\"",
	    k->pkey == NULL ? "unknown" : am_pkey_type(k->pkey) ==
	    AM_PKEY_ED25519 ? "ed25519" : "rsa", am_engine_metrics_key_size(
	    k->pkey != NULL ? am_pkey_bits(k->pkey) : 0));
}

/* The signing keys of the snapshot in force: age (file mtime), state. */

static void
am_metrics_write_keys(const struct am_config *cfg, struct am_buf *out)
{
	const struct am_keyset	*ks;
	struct stat		 st;
	time_t			 now = time(NULL);
	size_t			 i, j, pass;

	for (pass = 0; pass < 2; pass++) {
		if (pass == 0)
			am_metrics_gauge(out, "authmilter_dkim_key_age_seconds",
			    "Age of each signing key: seconds since its file "
			    "was modified.");
		else
			am_metrics_gauge(out, "authmilter_dkim_key_state",
			    "Each signing key of the configuration in force, "
			    "with its state (active: loaded and in use).");
		for (i = 0; cfg != NULL && i < cfg->dkim.nkeysets; i++) {
			ks = &cfg->dkim.keysets[i];
			for (j = 0; j < ks->nkeys; j++) {
				if (pass == 0 && (ks->keys[j].path == NULL ||
				    stat(ks->keys[j].path, &st) == -1))
					continue;
				(void)am_buf_appends(out, pass == 0 ?
				    "authmilter_dkim_key_age_seconds" :
				    "authmilter_dkim_key_state");
				am_metrics_key_labels(out, ks, &ks->keys[j]);
				if (pass == 0)
					(void)am_buf_printf(out, "} %lld\n",
					    (long long)(now - st.st_mtime));
				else
					(void)am_buf_appends(out,
					    ",state=\"active\"} 1\n");
			}
		}
	}
}

/* The key rotation state file beside the KeyTable (keystate.h), when
 * there is one: each key's state, and how long it has been in it. */

static void
am_metrics_write_rotation(const struct am_config *cfg, struct am_buf *out)
{
	static const char *const names[] = {
		"authmilter_dkim_rotation_state",
		"authmilter_dkim_rotation_state_seconds"
	};
	struct am_keystate_file		 st = { NULL, 0 };
	const struct am_keystate_entry	*e;
	struct am_err			 err;
	char				 path[2048];
	time_t				 now = time(NULL);
	size_t				 i, pass;

	if (cfg != NULL && am_keyrotate_state_path(cfg->dkim.keytable, path,
	    sizeof(path)) == 0 && path[0] == '/')
		(void)am_keystate_load(path, &st, &err);
	for (pass = 0; pass < 2; pass++) {
		am_metrics_gauge(out, names[pass], pass == 0 ? "Each key of "
		    "the rotation state file (keys rotate): 1 for its state." :
		    "Seconds each key of the rotation state file has been in "
		    "its state.");
		for (i = 0; i < st.n; i++) {
			e = &st.e[i];
			(void)am_buf_printf(out, "%s{domain=\"", names[pass]);
			am_engine_metrics_label(out, e->domain);
			(void)am_buf_appends(out, "\",selector=\"");
			am_engine_metrics_label(out, e->selector);
			(void)am_buf_printf(out, "\",alg=\"%s\",state=\"%s\"} ",
			    e->alg, am_keystate_name(e->state));
			if (pass == 0)
				(void)am_buf_appends(out, "1\n");
			else
				(void)am_buf_printf(out, "%lld\n",
				    (long long)((uint64_t)now > e->since ?
				    (uint64_t)now - e->since : 0));
		}
	}
	am_keystate_release(&st);
}

static void
am_metrics_render(struct am_buf *out)
{
	struct am_config	*cfg = am_snapshot_get();

	am_engine_metrics_write(&am_mx.msg, &am_mx.dns, out);
	am_metrics_write_process(out);
	am_metrics_write_keys(cfg, out);
	am_metrics_write_rotation(cfg, out);
	am_selfcheck_metrics(out);
	if (cfg != NULL)
		am_config_unref(&cfg);
}

/* ------------------------------------------------------------ HTTP */

static uint64_t
am_metrics_now_ms(void)
{
	return am_clock_ms(NULL, NULL);
}

/* Waits for ev on fd until deadline; 1 ready, 0 not. */

static int
am_metrics_wait(int fd, short ev, uint64_t deadline)
{
	struct pollfd	 p = { .fd = fd, .events = ev };
	uint64_t	 now = am_metrics_now_ms();

	if (now >= deadline)
		return 0;
	return poll(&p, 1, (int)(deadline - now)) == 1;
}

/* The request head, up to the empty line: 0, or -1 (too long, closed,
 * too slow). */

static int
am_metrics_read_req(int fd, char *req, size_t size, uint64_t deadline)
{
	size_t	 n = 0;
	ssize_t	 r;

	while (n < size - 1) {
		if (!am_metrics_wait(fd, POLLIN, deadline))
			return -1;
		if ((r = recv(fd, req + n, size - 1 - n, 0)) <= 0) {
			if (r == -1 && (errno == EINTR || errno == EAGAIN))
				continue;
			return -1;
		}
		n += (size_t)r;
		req[n] = '\0';
		if (strstr(req, "\r\n\r\n") != NULL || strstr(req, "\n\n") !=
		    NULL)
			return 0;
	}
	return -1;
}

static void
am_metrics_send(int fd, const char *p, size_t n, uint64_t deadline)
{
	ssize_t	 w;

	while (n > 0 && am_metrics_wait(fd, POLLOUT, deadline)) {
		if ((w = send(fd, p, n, MSG_NOSIGNAL)) <= 0) {
			if (w == -1 && (errno == EINTR || errno == EAGAIN))
				continue;
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

static void
am_metrics_reply(int fd, const char *status, const char *ctype,
    const struct am_buf *body, uint64_t deadline)
{
	char	 head[256];
	int	 n;

	n = snprintf(head, sizeof(head), "HTTP/1.0 %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\n%sConnection: close\r\n\r\n", status, ctype,
	    body->len, strncmp(status, "405", 3) == 0 ? "Allow: GET\r\n" : "");
	if (n > 0 && (size_t)n < sizeof(head)) {
		am_metrics_send(fd, head, (size_t)n, deadline);
		am_metrics_send(fd, am_buf_str(body), body->len, deadline);
	}
}

/* One exchange on a connection: "GET /metrics HTTP/1.x" and headers. */

static void
am_metrics_serve(int fd)
{
	uint64_t	 deadline = am_metrics_now_ms() + AM_METRICS_TIME_MS;
	char		 req[AM_METRICS_REQ_MAX + 1], *path, *ver, *eol;
	const char	*status = "200 OK";
	struct am_buf	 body;

	am_buf_init(&body, AM_METRICS_OUT_MAX);
	if (am_metrics_read_req(fd, req, sizeof(req), deadline) == -1) {
		status = "400 Bad Request";
		goto reply;
	}
	eol = req + strcspn(req, "\r\n");
	*eol = '\0';
	path = strchr(req, ' ');
	ver = path != NULL ? strchr(path + 1, ' ') : NULL;
	if (ver == NULL || strncmp(ver + 1, "HTTP/1.", 7) != 0)
		status = "400 Bad Request";
	else if (strncmp(req, "GET ", 4) != 0)
		status = "405 Method Not Allowed";
	else if ((size_t)(ver - path - 1) != 8 || strncmp(path + 1,
	    "/metrics", 8) != 0)
		status = "404 Not Found";
reply:
	if (status[0] == '2')
		am_metrics_render(&body);
	else
		(void)am_buf_printf(&body, "%s\n", status);
	if (body.err) {
		am_log(&am_mx.log, AM_LOG_ERROR, "metrics: exposition over "
		    "%d bytes", AM_METRICS_OUT_MAX);
		am_buf_reset(&body);
		status = "500 Internal Server Error";
	}
	am_metrics_reply(fd, status, status[0] == '2' ?
	    "text/plain; version=0.0.4; charset=utf-8" : "text/plain", &body,
	    deadline);
	am_buf_release(&body);
}

static void *
am_metrics_thread(void *arg)
{
	struct pollfd	 p[2];
	int		 c;

	(void)arg;
	p[0].fd = am_mx.fd;
	p[0].events = POLLIN;
	p[1].fd = am_mx.wake[0];
	p[1].events = POLLIN;
	for (;;) {
		if (poll(p, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			am_log(&am_mx.log, AM_LOG_ERROR, "metrics: poll: %s",
			    strerror(errno));
			break;
		}
		if (p[1].revents != 0)
			break;
		if ((c = accept4(am_mx.fd, NULL, NULL, SOCK_CLOEXEC |
		    SOCK_NONBLOCK)) == -1) {
			/* Out of descriptors: do not spin on the backlog. */
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM)
				(void)poll(NULL, 0, 100);
			continue;
		}
		am_metrics_serve(c);
		(void)close(c);
	}
	return NULL;
}

/* ------------------------------------------------------------ socket */

/* inet:PORT@ADDR or inet6:PORT@ADDR (checked by the config) into ss. */

static socklen_t
am_metrics_addr(const char *spec, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*s4 = (struct sockaddr_in *)(void *)ss;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)(void *)ss;
	char			 addr[64];
	const char		*at = strchr(spec, '@');
	int			 v6 = strncasecmp(spec, "inet6:", 6) == 0;
	unsigned		 port = (unsigned)atoi(strchr(spec, ':') + 1);
	size_t			 n;

	memset(ss, 0, sizeof(*ss));
	if (at == NULL)
		return 0;
	n = strlen(++at);
	if (v6 && n >= 2 && at[0] == '[') {
		at++;
		n -= 2;
	}
	if (n >= sizeof(addr))
		return 0;
	memcpy(addr, at, n);
	addr[n] = '\0';
	if (v6) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		return inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1 ?
		    sizeof(*s6) : 0;
	}
	s4->sin_family = AF_INET;
	s4->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, addr, &s4->sin_addr) == 1 ? sizeof(*s4) : 0;
}

int
am_metrics_open(const struct am_config *cfg, const struct am_log *log)
{
	struct sockaddr_storage	 ss;
	struct timespec		 ts;
	const char		*spec = cfg->daemon.metrics_socket;
	socklen_t		 len;
	int			 one = 1;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	am_mx.start_time = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	am_mx.log = *log;
	if (spec == NULL)
		return 0;
	if ((len = am_metrics_addr(spec, &ss)) == 0) {
		am_log(log, AM_LOG_ERROR, "MetricsSocket %s: bad address", spec);
		return -1;
	}
	if ((am_mx.fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1 ||
	    setsockopt(am_mx.fd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)) == -1 ||
	    (ss.ss_family == AF_INET6 && setsockopt(am_mx.fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &one, sizeof(one)) == -1) ||
	    bind(am_mx.fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(am_mx.fd, AM_METRICS_BACKLOG) == -1) {
		am_log(log, AM_LOG_ERROR, "MetricsSocket %s: %s", spec,
		    strerror(errno));
		am_metrics_stop();
		return -1;
	}
	am_log(log, AM_LOG_INFO, "metrics at %s (GET /metrics)", spec);
	return 0;
}

void
am_metrics_start(const struct am_log *log)
{
	am_mx.log = *log;
	if (am_mx.fd == -1 || am_mx.running)
		return;
	if (pipe2(am_mx.wake, O_CLOEXEC) == -1 ||
	    pthread_create(&am_mx.thread, NULL, am_metrics_thread, NULL)
	    != 0) {
		am_log(log, AM_LOG_ERROR, "metrics: cannot start its thread; "
		    "MetricsSocket not served");
		return;
	}
	am_mx.running = 1;
}

void
am_metrics_stop(void)
{
	if (am_mx.running) {
		(void)write(am_mx.wake[1], "x", 1);
		pthread_join(am_mx.thread, NULL);
		am_mx.running = 0;
	}
	if (am_mx.wake[0] != -1)
		(void)close(am_mx.wake[0]);
	if (am_mx.wake[1] != -1)
		(void)close(am_mx.wake[1]);
	if (am_mx.fd != -1)
		(void)close(am_mx.fd);
	am_mx.wake[0] = am_mx.wake[1] = am_mx.fd = -1;
}
