/*
 * bench-milter - a milter load client and a one-message milter driver
 *
 * It speaks the MTA side of the milter protocol through milter-client.c
 * (version 6, as Postfix 3.x does; see milter-client.h).  Two modes:
 *   bench-milter --socket SPEC --conns N --messages M [--duration S]
 *	[--pid PID] FILE.eml...
 *	load: N threads, each opening milter connections and replaying
 *	the files; reports messages/s, p50/p99 latency and, with --pid,
 *	the milter's CPU per message and peak RSS.
 *   bench-milter --print --socket SPEC FILE.eml
 *	one message; prints it as delivered after the milter's header
 *	changes, then "X-Milter-Result: ...".
 * See usage() for every option, and bench/README.md.
 */

#include <sys/types.h>
#include <sys/resource.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "milter-client.h"

struct bm_opts {
	const char	*socket;
	int		 print;
	int		 crlf;
	unsigned	 conns;
	uint64_t	 messages;
	double		 duration;
	unsigned	 per_conn;
	unsigned	 warmup;
	long		 pid;
	const char	*from;
	const char	*rcpt;
	const char	*expect;
	int		 verbose;
	struct bm_mta	 mta;		/* what the MTA tells the milter */
};

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---------------------------------------------------------------- parsing */

/* hdr_colon - length of the name if line starts a header field, else 0;
 * *colon_out is the offset of the colon.  Postfix's is_header() rules:
 * printable non-colon name characters, then optional blanks. */

static size_t
hdr_colon(const char *p, size_t n, size_t *colon_out)
{
	size_t	 i, name;

	for (i = 0; i < n && p[i] > ' ' && p[i] < 127 && p[i] != ':'; i++)
		;
	if ((name = i) == 0)
		return 0;
	while (i < n && bm_is_wsp(p[i]))
		i++;
	if (i == n || p[i] != ':')
		return 0;
	*colon_out = i;
	return name;
}

/* addr_of - the address in a From/To value, without angle brackets */

static void
addr_of(const char *v, char *out, size_t outsz)
{
	const char	*lt = strchr(v, '<'), *gt, *s = v;
	size_t		 n;

	if (lt != NULL && (gt = strchr(lt, '>')) != NULL) {
		s = lt + 1;
		n = (size_t)(gt - s);
	} else {
		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		n = strcspn(s, " \t\n,;");
	}
	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

static void
msg_add_hdr(struct bm_msg *m, const char *line, size_t len, size_t name,
    size_t colon)
{
	struct bm_hdr	*h;

	m->hdrs = bm_xrealloc(m->hdrs, (m->nhdrs + 1) * sizeof(*m->hdrs));
	h = &m->hdrs[m->nhdrs++];
	h->name = bm_xstrndup(line, name);
	h->value = bm_xstrndup(line + colon + 1, len - colon - 1);
}

static void
msg_fold(struct bm_msg *m, const char *line, size_t len)
{
	struct bm_hdr	*h = &m->hdrs[m->nhdrs - 1];
	size_t		 old = strlen(h->value);

	h->value = bm_xrealloc(h->value, old + 1 + len + 1);
	h->value[old] = '\n';
	memcpy(h->value + old + 1, line, len);
	h->value[old + 1 + len] = '\0';
}

/*
 * msg_parse - split a .eml (LF or CRLF) into header fields and a CRLF
 * body.  The header section ends at the first empty line, or at the
 * first line that is neither a header nor a continuation (that line
 * then starts the body, as in Postfix).
 */
static void
msg_parse(struct bm_msg *m, const char *p, size_t n)
{
	const char	*line, *nl;
	size_t		 len, name, colon, off = 0;
	int		 in_hdr = 1;

	m->body = bm_xrealloc(NULL, n + n / 8 + 16);
	while (off < n) {
		line = p + off;
		nl = memchr(line, '\n', n - off);
		len = nl != NULL ? (size_t)(nl - line) : n - off;
		off += len + (nl != NULL);
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (in_hdr) {
			if (len == 0) {
				in_hdr = 0;
				continue;
			}
			if (bm_is_wsp(line[0]) && m->nhdrs > 0) {
				msg_fold(m, line, len);
				continue;
			}
			if ((name = hdr_colon(line, len, &colon)) > 0) {
				msg_add_hdr(m, line, len, name, colon);
				continue;
			}
			in_hdr = 0;
		}
		if (m->bodylen + len + 2 > n + n / 8 + 16)
			m->body = bm_xrealloc(m->body, m->bodylen + len + 2 +
			    n / 8 + 16);
		memcpy(m->body + m->bodylen, line, len);
		memcpy(m->body + m->bodylen + len, "\r\n", 2);
		m->bodylen += len + 2;
	}
}

static void
msg_load(struct bm_msg *m, const char *path, const struct bm_opts *o)
{
	FILE	*fp;
	char	*data = NULL;
	size_t	 len = 0, cap = 0, r, i;

	memset(m, 0, sizeof(*m));
	m->path = path;
	if ((fp = fopen(path, "rb")) == NULL)
		bm_fatal("%s: %s", path, strerror(errno));
	do {
		if (cap - len < 65536)
			data = bm_xrealloc(data, cap = cap * 2 + 65536);
		r = fread(data + len, 1, cap - len, fp);
		len += r;
	} while (r > 0);
	if (ferror(fp))
		bm_fatal("%s: read error", path);
	fclose(fp);
	msg_parse(m, data, len);
	free(data);

	snprintf(m->from, sizeof(m->from), "%s", "sender@example.org");
	snprintf(m->rcpt, sizeof(m->rcpt), "%s", "user@example.net");
	for (i = 0; i < m->nhdrs; i++) {
		if (strcasecmp(m->hdrs[i].name, "From") == 0)
			addr_of(m->hdrs[i].value, m->from, sizeof(m->from));
		else if (strcasecmp(m->hdrs[i].name, "To") == 0)
			addr_of(m->hdrs[i].value, m->rcpt, sizeof(m->rcpt));
	}
	if (o->from != NULL)
		snprintf(m->from, sizeof(m->from), "%s", o->from);
	if (o->rcpt != NULL)
		snprintf(m->rcpt, sizeof(m->rcpt), "%s", o->rcpt);
}

/* ---------------------------------------------------------------- print */

/* put_text - write s with LF line ends, or CRLF with --crlf */

static void
put_text(const char *s, size_t n, int crlf)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
			continue;
		if (s[i] == '\n' && crlf)
			fputc('\r', stdout);
		fputc(s[i], stdout);
	}
}

static void
print_result(const struct bm_txn *t)
{
	fputs("X-Milter-Result: ", stdout);
	if (t->reply[0] != '\0')
		printf("%s %s\n", bm_verdict_name[t->verdict], t->reply);
	else if (t->verdict == BM_V_REJECT)
		puts("reject 550 5.7.1 Command rejected");
	else if (t->verdict == BM_V_ACCEPT && t->quarantined)
		printf("quarantine %s\n", t->quarantine);
	else
		puts(bm_verdict_name[t->verdict]);
}

static int
run_print(const struct bm_opts *o, const struct bm_target *tg,
    const struct bm_msg *m)
{
	struct bm_conn	 c;
	struct bm_edit	 e;
	struct bm_txn	 t;
	size_t		 i;
	int		 r;

	memset(&e, 0, sizeof(e));
	memset(&t, 0, sizeof(t));
	t.edit = &e;
	t.verbose = o->verbose;
	for (i = 0; i < m->nhdrs; i++)		/* originals: verbatim */
		bm_edit_insert(&e, e.n, m->hdrs[i].name, m->hdrs[i].value, 1);
	r = bm_sess_open(&c, tg, &o->mta, &t);
	if (r != -1)
		r = bm_sess_message(&c, &o->mta, m, "4BMQ1D2C3F", &t);
	if (o->verbose && r != -1)
		fprintf(stderr, "bench-milter: negotiated version %u actions "
		    "0x%x protocol 0x%x\n", c.version, c.actions, c.pflags);
	if (r == -1) {
		fprintf(stderr, "bench-milter: %s\n", c.err);
		bm_sess_close(&c);
		return 1;
	}
	bm_sess_close(&c);
	for (i = 0; i < e.n; i++) {
		fputs(e.h[i].name, stdout);
		fputc(':', stdout);
		put_text(e.h[i].value, strlen(e.h[i].value), o->crlf);
		fputs(o->crlf ? "\r\n" : "\n", stdout);
	}
	fputs(o->crlf ? "\r\n" : "\n", stdout);
	if (e.body_replaced)
		put_text(e.body, e.bodylen, o->crlf);
	else
		put_text(m->body, m->bodylen, o->crlf);
	print_result(&t);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* ---------------------------------------------------------------- bench */

struct bm_shared {
	const struct bm_opts	*o;
	const struct bm_target	*tg;
	const struct bm_msg	*msgs;
	size_t			 nmsgs;
	uint64_t		 next;		/* atomic: messages claimed */
	double			 deadline;
};

struct bm_worker {
	pthread_t		 tid;
	unsigned		 id;
	struct bm_shared	*sh;
	double			*lat;		/* seconds, one per message */
	size_t			 nlat, caplat;
	uint64_t		 verdicts[BM_V_NVERDICTS];
	uint64_t		 errors, expect_hits, conns;
	char			 err[256];
};

static int
claim(struct bm_shared *sh, uint64_t *slot_out)
{
	if (sh->deadline > 0 && now() >= sh->deadline)
		return 0;
	*slot_out = __atomic_fetch_add(&sh->next, 1, __ATOMIC_RELAXED);
	return *slot_out < sh->o->messages;
}

static void
worker_record(struct bm_worker *w, double secs, const struct bm_txn *t)
{
	if (w->nlat == w->caplat)
		w->lat = bm_xrealloc(w->lat, (w->caplat = w->caplat * 2 +
		    1024) * sizeof(*w->lat));
	w->lat[w->nlat++] = secs;
	w->verdicts[t->verdict]++;
	w->expect_hits += (uint64_t)t->expect_hit;
}

static void
worker_error(struct bm_worker *w, struct bm_conn *c)
{
	w->errors++;
	if (w->err[0] == '\0')
		snprintf(w->err, sizeof(w->err), "%s", c->err);
	bm_sess_close(c);
}

/* worker - claim messages until none is left; per_conn per connection */

static void *
worker(void *arg)
{
	struct bm_worker	*w = arg;
	const struct bm_opts	*o = w->sh->o;
	struct bm_conn		 c;
	struct bm_txn		 t, ct;
	uint64_t		 slot, seq = 0;
	unsigned		 on_conn = 0;
	char			 qid[32];
	double			 t0;

	c.fd = -1;
	while (claim(w->sh, &slot)) {
		memset(&t, 0, sizeof(t));
		t.expect = o->expect;
		t0 = now();
		if (c.fd == -1) {
			memset(&ct, 0, sizeof(ct));
			w->conns++;
			on_conn = 0;
			if (bm_sess_open(&c, w->sh->tg, &o->mta, &ct) == -1) {
				worker_error(w, &c);
				continue;
			}
			t.verdict = ct.verdict;
		}
		snprintf(qid, sizeof(qid), "%02X%08llX", w->id & 0xff,
		    (unsigned long long)++seq);
		if (bm_sess_message(&c, &o->mta,
		    &w->sh->msgs[slot % w->sh->nmsgs], qid, &t) == -1) {
			worker_error(w, &c);
			continue;
		}
		if (++on_conn >= o->per_conn || c.done)
			bm_sess_close(&c);
		else if (bm_conn_flush(&c) == -1) {
			worker_error(w, &c);
			continue;
		}
		worker_record(w, now() - t0, &t);
	}
	if (c.fd != -1)
		bm_sess_close(&c);
	return NULL;
}

/* proc_cpu - utime+stime of a process, in seconds; -1 if unreadable */

static double
proc_cpu(long pid)
{
	char			 path[64], buf[1024], *p;
	unsigned long long	 ut, st;
	FILE			*fp;
	size_t			 n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	/* comm may hold spaces and ')': fields restart after the last ')' */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
	    "%llu %llu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* proc_hwm - VmHWM of a process in kB; -1 if unreadable */

static long
proc_hwm(long pid)
{
	char	 path[64], line[256];
	FILE	*fp;
	long	 kb = -1;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "VmHWM: %ld", &kb) == 1)
			break;
	fclose(fp);
	return kb;
}

/* proc_reset_hwm - "5" to clear_refs resets VmHWM (Linux 4.0+) */

static int
proc_reset_hwm(long pid)
{
	char	 path[64];
	int	 fd, ok;

	snprintf(path, sizeof(path), "/proc/%ld/clear_refs", pid);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1)
		return 0;
	ok = write(fd, "5", 1) == 1;
	close(fd);
	return ok;
}

static double
self_cpu(void)
{
	struct rusage	 ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* pct - nearest-rank percentile of sorted v */

static double
pct(const double *v, size_t n, double p)
{
	size_t	 k;

	if (n == 0)
		return 0;
	k = (size_t)(p * (double)n + 0.999999);
	return v[k == 0 ? 0 : k - 1];
}

/* warmup - a few messages on one thread before the timed run */

static void
warmup(struct bm_shared *sh)
{
	struct bm_shared	 w = *sh;
	struct bm_worker	 wk;

	if (sh->o->warmup == 0)
		return;
	memset(&wk, 0, sizeof(wk));
	w.next = 0;
	w.deadline = now() + 10;
	wk.sh = &w;
	wk.id = 255;
	{
		struct bm_opts	 o = *sh->o;

		o.messages = sh->o->warmup;
		w.o = &o;
		(void)worker(&wk);
	}
	if (wk.errors > 0)
		bm_fatal("warm-up failed: %s", wk.err);
	free(wk.lat);
}

struct bm_totals {
	double		 wall, mcpu, ccpu;
	long		 hwm;
	int		 hwm_reset;
	uint64_t	 verdicts[BM_V_NVERDICTS];
	uint64_t	 errors, expect_hits, conns;
	double		*lat;
	size_t		 nlat;
	const char	*err;
};

static void
report(const struct bm_opts *o, const struct bm_shared *sh,
    const struct bm_totals *tt)
{
	double	 n = (double)tt->nlat, rate = n / tt->wall;
	double	 p50 = pct(tt->lat, tt->nlat, 0.50) * 1e3;
	double	 p99 = pct(tt->lat, tt->nlat, 0.99) * 1e3;
	double	 mcpu = o->pid > 0 && tt->mcpu >= 0 && n > 0 ?
		    tt->mcpu * 1e3 / n : -1;
	size_t	 v;

	printf("bench-milter: %s, %u connection(s), %u message(s) per "
	    "connection, %zu file(s)\n", sh->tg->desc, o->conns, o->per_conn,
	    sh->nmsgs);
	printf("  messages     %zu in %.3f s (%llu errors, %llu milter "
	    "connections)\n", tt->nlat, tt->wall,
	    (unsigned long long)tt->errors, (unsigned long long)tt->conns);
	printf("  rate         %.1f msg/s\n", rate);
	printf("  latency      p50 %.3f ms, p99 %.3f ms, max %.3f ms\n", p50,
	    p99, tt->nlat ? tt->lat[tt->nlat - 1] * 1e3 : 0);
	printf("  verdicts    ");
	for (v = 1; v < BM_V_NVERDICTS; v++)
		if (tt->verdicts[v] > 0)
			printf(" %s %llu", bm_verdict_name[v],
			    (unsigned long long)tt->verdicts[v]);
	printf("\n");
	if (o->expect != NULL)
		printf("  expect       %llu of %zu messages got \"%s\"\n",
		    (unsigned long long)tt->expect_hits, tt->nlat, o->expect);
	if (tt->err != NULL)
		printf("  first error  %s\n", tt->err);
	if (mcpu >= 0)
		printf("  milter CPU   %.3f ms/msg (pid %ld, %.2f s over the "
		    "run)\n", mcpu, o->pid, tt->mcpu);
	if (o->pid > 0)
		printf("  milter RSS   peak %ld kB (VmHWM%s)\n", tt->hwm,
		    tt->hwm_reset ? ", reset at start" : ", since start");
	printf("  client CPU   %.3f ms/msg\n", n > 0 ? tt->ccpu * 1e3 / n : 0);
	printf("RESULT msgs=%zu errors=%llu secs=%.3f rate=%.1f p50_ms=%.3f "
	    "p99_ms=%.3f milter_cpu_ms=%.3f milter_hwm_kb=%ld "
	    "client_cpu_ms=%.3f expect=%llu\n", tt->nlat,
	    (unsigned long long)tt->errors, tt->wall, rate, p50, p99, mcpu,
	    tt->hwm, n > 0 ? tt->ccpu * 1e3 / n : 0,
	    (unsigned long long)tt->expect_hits);
}

static void
collect(struct bm_worker *ws, unsigned nw, struct bm_totals *tt)
{
	unsigned	 i;
	size_t		 v;

	for (i = 0; i < nw; i++) {
		tt->lat = bm_xrealloc(tt->lat, (tt->nlat + ws[i].nlat) *
		    sizeof(double));
		memcpy(tt->lat + tt->nlat, ws[i].lat, ws[i].nlat *
		    sizeof(double));
		tt->nlat += ws[i].nlat;
		for (v = 0; v < BM_V_NVERDICTS; v++)
			tt->verdicts[v] += ws[i].verdicts[v];
		tt->errors += ws[i].errors;
		tt->expect_hits += ws[i].expect_hits;
		tt->conns += ws[i].conns;
		if (tt->err == NULL && ws[i].err[0] != '\0')
			tt->err = ws[i].err;
	}
	qsort(tt->lat, tt->nlat, sizeof(double), cmp_double);
}

static int
run_bench(const struct bm_opts *o, const struct bm_target *tg,
    const struct bm_msg *msgs, size_t nmsgs)
{
	struct bm_shared	 sh;
	struct bm_worker	*ws;
	struct bm_totals	 tt;
	double			 t0, c0, m0 = -1;
	unsigned		 i;

	memset(&sh, 0, sizeof(sh));
	memset(&tt, 0, sizeof(tt));
	sh.o = o;
	sh.tg = tg;
	sh.msgs = msgs;
	sh.nmsgs = nmsgs;
	warmup(&sh);
	ws = bm_xrealloc(NULL, o->conns * sizeof(*ws));
	memset(ws, 0, o->conns * sizeof(*ws));
	if (o->pid > 0) {
		tt.hwm_reset = proc_reset_hwm(o->pid);
		if ((m0 = proc_cpu(o->pid)) < 0)
			bm_fatal("cannot read /proc/%ld/stat", o->pid);
	}
	c0 = self_cpu();
	t0 = now();
	sh.deadline = o->duration > 0 ? t0 + o->duration : 0;
	for (i = 0; i < o->conns; i++) {
		ws[i].sh = &sh;
		ws[i].id = i;
		if (pthread_create(&ws[i].tid, NULL, worker, &ws[i]) != 0)
			bm_fatal("pthread_create failed");
	}
	for (i = 0; i < o->conns; i++)
		pthread_join(ws[i].tid, NULL);
	tt.wall = now() - t0;
	tt.ccpu = self_cpu() - c0;
	if (o->pid > 0) {
		double	 m1 = proc_cpu(o->pid);

		tt.mcpu = m1 >= 0 ? m1 - m0 : -1;
		tt.hwm = proc_hwm(o->pid);
	}
	collect(ws, o->conns, &tt);
	report(o, &sh, &tt);
	for (i = 0; i < o->conns; i++)
		free(ws[i].lat);
	free(ws);
	free(tt.lat);
	return tt.errors > 0 || tt.nlat == 0 ? 1 : 0;
}

/* ---------------------------------------------------------------- main */

static void
usage(void)
{
	fputs(
"usage: bench-milter --socket SPEC [options] FILE.eml...\n"
"       bench-milter --print --socket SPEC [options] FILE.eml\n"
"SPEC: unix:PATH (local:PATH), inet:PORT@HOST, inet6:PORT@HOST\n"
"load options:\n"
"  --conns N          concurrent connections (threads) [1]\n"
"  --messages M       messages in all [1000; no limit with --duration]\n"
"  --duration S       stop after S seconds\n"
"  --per-conn K       messages per milter connection [1]\n"
"  --warmup W         untimed messages first [--conns]\n"
"  --pid PID          the milter's pid: CPU per message, peak RSS\n"
"  --expect TEXT      count messages whose added or changed header\n"
"                     contains TEXT (or is named TEXT[:])\n"
"print options:\n"
"  --print            one message; print it as delivered, then\n"
"                     X-Milter-Result: accept|reject CODE TEXT|tempfail|\n"
"                     discard|quarantine REASON\n"
"  --crlf             print with CRLF line ends (default LF)\n"
"both:\n"
"  --client-addr IP   [127.0.0.1]   --client-name NAME [unknown]\n"
"  --helo NAME        [client.example.net]\n"
"  --hostname NAME    MTA host name: j, {daemon_name} [mx.example.net]\n"
"  --auth USER        SMTP AUTH: {auth_type}=PLAIN {auth_authen}=USER\n"
"  --from ADDR        envelope sender [From: address]\n"
"  --rcpt ADDR        envelope recipient [To: address]\n"
"  --macro NAME=VALUE set a macro (empty VALUE: do not send it)\n"
"  --timeout S        per reply [30]   -v  log replies on stderr\n",
	    stderr);
	exit(2);
}

static double
num(const char *opt, const char *v, double min)
{
	char	*end;
	double	 d;

	errno = 0;
	d = strtod(v, &end);
	if (errno != 0 || end == v || *end != '\0' || d < min)
		bm_fatal("%s: bad value \"%s\"", opt, v);
	return d;
}

enum bm_optkind { BM_O_STR, BM_O_UINT, BM_O_U64, BM_O_DBL, BM_O_LONG };

static const struct bm_optdef {
	const char	*name;
	enum bm_optkind	 kind;
	size_t		 off;
	double		 min;
} bm_optdefs[] = {
	{ "--socket", BM_O_STR, offsetof(struct bm_opts, socket), 0 },
	{ "--conns", BM_O_UINT, offsetof(struct bm_opts, conns), 1 },
	{ "--messages", BM_O_U64, offsetof(struct bm_opts, messages), 1 },
	{ "--duration", BM_O_DBL, offsetof(struct bm_opts, duration), 0.01 },
	{ "--per-conn", BM_O_UINT, offsetof(struct bm_opts, per_conn), 1 },
	{ "--warmup", BM_O_UINT, offsetof(struct bm_opts, warmup), 0 },
	{ "--pid", BM_O_LONG, offsetof(struct bm_opts, pid), 1 },
	{ "--timeout", BM_O_DBL, offsetof(struct bm_opts, mta.timeout), 0.01 },
	{ "--client-addr", BM_O_STR, offsetof(struct bm_opts,
	    mta.client_addr), 0 },
	{ "--client-name", BM_O_STR, offsetof(struct bm_opts,
	    mta.client_name), 0 },
	{ "--helo", BM_O_STR, offsetof(struct bm_opts, mta.helo), 0 },
	{ "--hostname", BM_O_STR, offsetof(struct bm_opts, mta.hostname), 0 },
	{ "--auth", BM_O_STR, offsetof(struct bm_opts, mta.auth), 0 },
	{ "--from", BM_O_STR, offsetof(struct bm_opts, from), 0 },
	{ "--rcpt", BM_O_STR, offsetof(struct bm_opts, rcpt), 0 },
	{ "--expect", BM_O_STR, offsetof(struct bm_opts, expect), 0 },
};

static void
set_opt(struct bm_opts *o, const struct bm_optdef *d, const char *v)
{
	char	*f = (char *)o + d->off;
	double	 x = d->kind == BM_O_STR ? 0 : num(d->name, v, d->min);

	switch (d->kind) {
	case BM_O_STR:
		memcpy(f, &v, sizeof(v));
		break;
	case BM_O_UINT:
		if (x > UINT_MAX - 1)
			bm_fatal("%s: too large", d->name);
		*(unsigned *)(void *)f = (unsigned)x;
		break;
	case BM_O_U64:
		*(uint64_t *)(void *)f = (uint64_t)x;
		break;
	case BM_O_DBL:
		*(double *)(void *)f = x;
		break;
	case BM_O_LONG:
		*(long *)(void *)f = (long)x;
		break;
	}
}

/* parse_opts - options may come before or after the files, which are
 * moved to the front of argv; returns how many there are */

static int
parse_opts(int argc, char **argv, struct bm_opts *o)
{
	size_t	 k, ndefs = sizeof(bm_optdefs) / sizeof(bm_optdefs[0]);
	int	 i, nfiles = 0, opts = 1;

	for (i = 1; i < argc; i++) {
		const char	*a = argv[i];

		if (!opts || a[0] != '-' || a[1] == '\0')
			argv[nfiles++] = argv[i];
		else if (strcmp(a, "--") == 0)
			opts = 0;
		else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0)
			o->verbose = 1;
		else if (strcmp(a, "--print") == 0)
			o->print = 1;
		else if (strcmp(a, "--crlf") == 0)
			o->crlf = 1;
		else if (i + 1 >= argc)
			usage();
		else if (strcmp(a, "--macro") == 0)
			bm_mta_add_macro(&o->mta, argv[++i]);
		else {
			for (k = 0; k < ndefs; k++)
				if (strcmp(a, bm_optdefs[k].name) == 0)
					break;
			if (k == ndefs)
				usage();
			set_opt(o, &bm_optdefs[k], argv[++i]);
		}
	}
	return nfiles;
}

int
main(int argc, char **argv)
{
	struct bm_opts		 o;
	struct bm_target	 tg;
	struct bm_msg		*msgs;
	int			 nfiles, i;

	memset(&o, 0, sizeof(o));
	o.conns = 1;
	o.per_conn = 1;
	o.mta.timeout = 30;
	o.mta.client_addr = "127.0.0.1";
	o.mta.client_name = "unknown";
	o.mta.helo = "client.example.net";
	o.mta.hostname = "mx.example.net";
	o.warmup = UINT_MAX;
	nfiles = parse_opts(argc, argv, &o);
	if (o.socket == NULL || nfiles == 0 || (o.print && nfiles != 1))
		usage();
	if (o.warmup == UINT_MAX)
		o.warmup = o.conns;
	if (o.messages == 0)
		o.messages = o.duration > 0 ? UINT64_MAX : 1000;
	signal(SIGPIPE, SIG_IGN);
	bm_target_parse(o.socket, &tg);
	msgs = bm_xrealloc(NULL, (size_t)nfiles * sizeof(*msgs));
	for (i = 0; i < nfiles; i++)
		msg_load(&msgs[i], argv[i], &o);
	if (o.print)
		return run_print(&o, &tg, &msgs[0]);
	return run_bench(&o, &tg, msgs, (size_t)nfiles);
}

