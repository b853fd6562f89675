// SPDX-License-Identifier: MIT
/*
 * signals: delivery and return of signals through the guest kernel.
 *   - 1000 SIGUSR1 sent to ourselves, each handled exactly once;
 *   - a blocked signal stays pending and is delivered once on unblock;
 *   - queued real-time signals arrive all, in order, with their values;
 *   - SIGCHLD (SA_SIGINFO) names each of 20 children as it exits (pid and
 *     exit code), and waitpid() then reports the same code;
 *   - a blocking read() is interrupted by SIGALRM (no SA_RESTART: EINTR);
 *   - SIGSEGV on an alternate stack, recovered with siglongjmp, with the
 *     faulting address in si_addr;
 *   - floating-point state survives handlers that use the FPU: a long
 *     computation interrupted by a 1 ms timer gives the same bits as
 *     one with the timer off;
 *   - SIGTERM and SIGKILL end a child with that signal.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tandem-check.h"

#define NR_USR1		1000
#define NR_RT		10
#define NR_CHILDREN	20

static volatile sig_atomic_t usr1_count, usr2_count, alrm_count;
static volatile int rt_values[NR_RT], rt_count;
static volatile pid_t chld_pids[NR_CHILDREN];
static volatile int chld_codes[NR_CHILDREN];
static volatile int chld_count;
static sigjmp_buf segv_jump;
static volatile void *segv_addr;
static volatile int segv_on_altstack;
static char altstack[64 * 1024];
static volatile double fpu_junk;

static void on_usr1(int sig)
{
	usr1_count++;
}

static void on_usr2(int sig)
{
	/* Clobber FPU/SSE registers: the interrupted code must not see it. */
	volatile double x = 1.0;
	int i;

	for (i = 0; i < 100; i++)
		x = x * 1.0001 + 0.5;
	fpu_junk = x;
	usr2_count++;
}

static void on_rt(int sig, siginfo_t *si, void *uc)
{
	if (rt_count < NR_RT)
		rt_values[rt_count] = si->si_value.sival_int;
	rt_count++;
}

static void on_chld(int sig, siginfo_t *si, void *uc)
{
	if (chld_count < NR_CHILDREN) {
		chld_pids[chld_count] = si->si_pid;
		chld_codes[chld_count] = si->si_status;
	}
	chld_count++;
}

static void on_alrm(int sig)
{
	alrm_count++;
}

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	char here;

	segv_addr = si->si_addr;
	segv_on_altstack = &here >= altstack &&
			   &here < altstack + sizeof(altstack);
	siglongjmp(segv_jump, 1);
}

static void handle(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL))
		fail("sigaction(%d) failed", sig);
}

static void handle_info(int sig, void (*fn)(int, siginfo_t *, void *),
			int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | flags;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL))
		fail("sigaction(%d) failed", sig);
}

static void check_self_signals(void)
{
	int i;

	handle(SIGUSR1, on_usr1, 0);
	for (i = 0; i < NR_USR1; i++)
		kill(getpid(), SIGUSR1);
	if (usr1_count != NR_USR1)
		fail("%d SIGUSR1 handled, want %d", (int)usr1_count, NR_USR1);
	say("signals: %d SIGUSR1 to self handled", NR_USR1);
}

static void check_blocked(void)
{
	sigset_t set, pending;
	volatile double a = 1.5, b = 2.25;
	double c;

	handle(SIGUSR2, on_usr2, 0);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIGUSR2);
	raise(SIGUSR2);
	sigpending(&pending);
	if (usr2_count != 0 || !sigismember(&pending, SIGUSR2))
		fail("blocked SIGUSR2: handled %d times, pending %d",
		     (int)usr2_count, sigismember(&pending, SIGUSR2));
	c = a * b;
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	if (usr2_count != 1)
		fail("SIGUSR2 handled %d times after unblock, want 1",
		     (int)usr2_count);
	/* The handler did FPU work; ours must be intact. */
	if (c != 3.375 || a * b != 3.375)
		fail("FPU state changed across a signal handler");
	say("signals: blocked signal pending, delivered once on unblock");
}

static volatile sig_atomic_t ticks;

static void on_tick(int sig)
{
	on_usr2(sig);
	ticks++;
}

/* A computation whose result depends on every rounding step. */
static double __attribute__((noinline)) fp_work(long n)
{
	double x = 0.0, y = 1.0;
	long i;

	for (i = 1; i <= n; i++) {
		x += y / i;
		y = y * 0.9999999 + 1e-7 * x;
	}
	return x * y;
}

static void check_fpu(void)
{
	struct itimerval it = {
		.it_interval = { .tv_usec = 1000 },
		.it_value = { .tv_usec = 1000 },
	};
	struct itimerval off = { 0 };
	double quiet, noisy;
	volatile long n = 3000000;	/* two real calls, not one */

	quiet = fp_work(n);
	handle(SIGALRM, on_tick, SA_RESTART);
	setitimer(ITIMER_REAL, &it, NULL);
	noisy = fp_work(n);
	setitimer(ITIMER_REAL, &off, NULL);
	if (memcmp(&quiet, &noisy, sizeof(quiet)))
		fail("FPU result %.17g with a timer signal handler using the "
		     "FPU, %.17g without", noisy, quiet);
	if (ticks < 2)
		fail("only %d timer signals during the FPU computation",
		     (int)ticks);
	say("signals: FPU result identical with %d interrupting handlers",
	    (int)ticks);
}

static void check_rt_queue(void)
{
	sigset_t set;
	union sigval v;
	int i, sig = SIGRTMIN + 1;

	handle_info(sig, on_rt, 0);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_BLOCK, &set, NULL);
	for (i = 0; i < NR_RT; i++) {
		v.sival_int = 100 + i;
		if (sigqueue(getpid(), sig, v))
			fail("sigqueue %d: %s", i, strerror(errno));
	}
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	if (rt_count != NR_RT)
		fail("%d queued real-time signals arrived, want %d",
		     rt_count, NR_RT);
	for (i = 0; i < NR_RT; i++)
		if (rt_values[i] != 100 + i)
			fail("real-time signal %d carried %d, want %d", i,
			     rt_values[i], 100 + i);
	say("signals: %d queued real-time signals in order with values",
	    NR_RT);
}

static void check_sigchld(void)
{
	sigset_t set, old;
	pid_t pid;
	int i, status;

	handle_info(SIGCHLD, on_chld, SA_RESTART);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &old);
	/* One child at a time, so that each has a SIGCHLD of its own. */
	for (i = 0; i < NR_CHILDREN; i++) {
		pid = fork();
		if (pid < 0)
			fail("fork failed");
		if (pid == 0)
			_exit(i + 1);
		while (chld_count <= i)
			sigsuspend(&old);
		if (chld_pids[i] != pid || chld_codes[i] != i + 1)
			fail("SIGCHLD %d named pid %d status %d, want %d and "
			     "%d", i, (int)chld_pids[i], chld_codes[i],
			     (int)pid, i + 1);
		if (waitpid(pid, &status, 0) != pid)
			fail("waitpid child %d failed", i);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != i + 1)
			fail("child %d: status %#x, want exit %d", i, status,
			     i + 1);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (chld_count != NR_CHILDREN)
		fail("%d SIGCHLD for %d children", chld_count, NR_CHILDREN);
	say("signals: %d children, each with its SIGCHLD (pid and status) "
	    "and reaped with its exit code", NR_CHILDREN);
}

static void check_eintr(void)
{
	struct itimerval it = { .it_value = { .tv_usec = 100000 } };
	int fds[2];
	char c;
	ssize_t n;
	double t0, t;

	handle(SIGALRM, on_alrm, 0);	/* no SA_RESTART */
	if (pipe(fds))
		fail("pipe failed");
	t0 = mono_now();
	setitimer(ITIMER_REAL, &it, NULL);
	n = read(fds[0], &c, 1);
	t = mono_now() - t0;
	if (n != -1 || errno != EINTR || alrm_count != 1)
		fail("read during SIGALRM: %zd (%s), %d alarms", n,
		     strerror(errno), (int)alrm_count);
	if (t < 0.09 || t > 2.0)
		fail("100 ms interval timer fired after %.3f s", t);
	close(fds[0]);
	close(fds[1]);
	say("signals: blocking read interrupted by SIGALRM after %.3f s "
	    "(EINTR)", t);
}

static void check_segv(void)
{
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	volatile uintptr_t addr = 16;
	volatile int *bad = (volatile int *)addr;

	if (sigaltstack(&ss, NULL))
		fail("sigaltstack failed");
	handle_info(SIGSEGV, on_segv, SA_ONSTACK);
	if (!sigsetjmp(segv_jump, 1)) {
		(void)*bad;
		fail("reading address 16 did not fault");
	}
	if (segv_addr != (void *)16 || !segv_on_altstack)
		fail("SIGSEGV: si_addr %p (want 0x10), on the alternate stack "
		     "%d", segv_addr, segv_on_altstack);
	signal(SIGSEGV, SIG_DFL);
	say("signals: SIGSEGV on the alternate stack, si_addr exact, "
	    "recovered");
}

static void check_kill(int sig)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		fail("fork failed");
	if (pid == 0) {
		for (;;)
			pause();
	}
	usleep(20000);
	kill(pid, sig);
	if (waitpid(pid, &status, 0) != pid)
		fail("waitpid failed");
	if (!WIFSIGNALED(status) || WTERMSIG(status) != sig)
		fail("child killed with signal %d: status %#x", sig, status);
}

int cmd_signals(int argc, char **argv)
{
	check_self_signals();
	check_blocked();
	check_fpu();
	check_rt_queue();
	check_sigchld();
	check_eintr();
	check_segv();
	check_kill(SIGTERM);
	check_kill(SIGKILL);
	say("signals: SIGTERM and SIGKILL end a child with that signal");
	return 0;
}
