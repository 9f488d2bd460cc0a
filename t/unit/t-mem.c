/*
 * t-mem - the out-of-memory policy: the message goes where the daemon
 * said (am_mem_set_oom_log), never to a closed standard error, and the
 * process aborts
 */

#include <sys/types.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem.h"
#include "tap.h"

#if defined(__SANITIZE_ADDRESS__)
#define AM_T_ASAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AM_T_ASAN	1
#endif
#endif

#ifndef AM_T_ASAN
static int	 t_pipe = -1;

static void
t_oom_log(size_t n)
{
	char	 line[64];
	int	 len = snprintf(line, sizeof(line), "oom %zu", n);

	(void)!write(t_pipe, line, (size_t)len);
}

/* In a child whose standard error is closed: am_malloc of more than
 * the address space. */
static void
test_oom_to_log(void)
{
	char	 got[64] = "";
	int	 fds[2], status = 0;
	pid_t	 pid;
	ssize_t	 n;

	if (pipe(fds) == -1) {
		ok(0, "pipe");
		return;
	}
	if ((pid = fork()) == 0) {
		(void)close(fds[0]);
		(void)close(STDERR_FILENO);
		t_pipe = fds[1];
		am_mem_set_oom_log(t_oom_log);
		(void)am_malloc(SIZE_MAX / 2);
		_exit(0);			/* not reached */
	}
	(void)close(fds[1]);
	n = read(fds[0], got, sizeof(got) - 1);
	got[n > 0 ? n : 0] = '\0';
	(void)close(fds[0]);
	(void)waitpid(pid, &status, 0);
	ok(strncmp(got, "oom ", 4) == 0, "the out-of-memory line went to "
	    "the log function set, with the size");
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
	    "then the process aborted (the MTA applies its default action)");
}
#endif

int
main(void)
{
#ifdef AM_T_ASAN
	/* ASan refuses the allocation itself before malloc returns NULL. */
	ok(1, "# SKIP under AddressSanitizer");
#else
	test_oom_to_log();
#endif
	return done_testing();
}
