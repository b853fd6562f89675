// SPDX-License-Identifier: MIT
/*
 * tandem-check: dispatch to a subcommand, and the helpers they share.
 *
 *   tandem-check now                      wall and monotonic clock
 *   tandem-check threads [N] [ITER]       pthreads, futex contention
 *   tandem-check kread                    kernel/hypervisor reads fault
 *   tandem-check signals                  handlers, masks, SIGCHLD, ...
 *   tandem-check memtouch MIB             allocate, touch, verify
 *   tandem-check memhog [STEP_MIB]        allocate until stopped
 *   tandem-check cpuhog THREADS SECONDS   spin (0 s: forever)
 *   tandem-check forkbomb CAP SECONDS     fork up to CAP processes
 *   tandem-check hostile CASE             a domU's attacks, all refused
 *   tandem-check xsread PATH...           print store nodes
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tandem-check.h"

void fail(const char *fmt, ...)
{
	va_list ap;

	fputs("fail: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	exit(1);
}

void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

unsigned long arg_ulong(int argc, char **argv, int i, const char *name,
			unsigned long dflt)
{
	char *end;
	unsigned long v;

	if (i >= argc)
		return dflt;
	v = strtoul(argv[i], &end, 0);
	if (!*argv[i] || *end)
		fail("bad %s '%s'", name, argv[i]);
	return v;
}

int run_in_child(void (*fn)(void *ctx), void *ctx, void *out, size_t len)
{
	int fds[2], status;
	pid_t pid;

	memset(out, 0, len);
	if (pipe(fds))
		fail("pipe failed");
	pid = fork();
	if (pid < 0)
		fail("fork failed");
	if (pid == 0) {
		close(fds[0]);
		alarm(10);
		fn(ctx);
		if (write(fds[1], out, len) != (ssize_t)len)
			_exit(2);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], out, len) != (ssize_t)len)
		memset(out, 0, len);
	close(fds[0]);
	if (waitpid(pid, &status, 0) != pid)
		fail("waitpid failed");
	return status;
}

/* Both clocks, for the system test to compare with the host's. */
int cmd_now(int argc, char **argv)
{
	struct timespec real, mono;

	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	say("%lld.%06ld %lld.%06ld", (long long)real.tv_sec,
	    real.tv_nsec / 1000, (long long)mono.tv_sec, mono.tv_nsec / 1000);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "now", cmd_now },
	{ "threads", cmd_threads },
	{ "kread", cmd_kread },
	{ "signals", cmd_signals },
	{ "memtouch", cmd_memtouch },
	{ "memhog", cmd_memhog },
	{ "cpuhog", cmd_cpuhog },
	{ "forkbomb", cmd_forkbomb },
	{ "hostile", cmd_hostile },
	{ "xsread", cmd_xsread },
};

int main(int argc, char **argv)
{
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; argc > 1 && i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "usage: tandem-check COMMAND [ARGS]; commands:");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(stderr, " %s", commands[i].name);
	fputc('\n', stderr);
	return 2;
}
