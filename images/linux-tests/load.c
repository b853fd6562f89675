// SPDX-License-Identifier: MIT
/*
 * cpuhog THREADS SECONDS: THREADS threads spin for SECONDS (0: until
 * killed) and report the CPUs they ran on.
 *
 * forkbomb CAP SECONDS: a fork bomb with a cap. Every process of the
 * bomb keeps forking while fewer than CAP have been started (a counter
 * in shared memory), then spins; after SECONDS the leader kills the
 * whole process group and reaps it (it is the subreaper of the bomb).
 * Reports how many processes were started.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tandem-check.h"

#define MAX_THREADS	64

static double hog_until;
static unsigned long hog_cpus;

static void *spin(void *arg)
{
	unsigned long n = 0;
	int cpu;

	while (hog_until == 0 || mono_now() < hog_until) {
		if (++n % 4096 == 0) {
			cpu = sched_getcpu();
			if (cpu >= 0 && cpu < 64)
				__atomic_fetch_or(&hog_cpus, 1UL << cpu,
						  __ATOMIC_RELAXED);
		}
	}
	return NULL;
}

int cmd_cpuhog(int argc, char **argv)
{
	unsigned long n = arg_ulong(argc, argv, 1, "thread count", 1);
	unsigned long secs = arg_ulong(argc, argv, 2, "seconds", 0);
	pthread_t tid[MAX_THREADS];
	char cpus[200] = "";
	unsigned long i;

	if (n < 1 || n > MAX_THREADS)
		fail("thread count %lu out of 1..%d", n, MAX_THREADS);
	hog_until = secs ? mono_now() + secs : 0;
	for (i = 0; i < n; i++)
		if (pthread_create(&tid[i], NULL, spin, NULL))
			fail("pthread_create failed");
	for (i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
	for (i = 0; i < 64; i++)
		if (hog_cpus & (1UL << i))
			snprintf(cpus + strlen(cpus), sizeof(cpus) - strlen(cpus),
				 "%s%lu", *cpus ? "," : "", i);
	say("cpuhog: %lu threads for %lu s on cpus %s", n, secs, cpus);
	return 0;
}

static void bomb(unsigned long *started, unsigned long cap)
{
	volatile unsigned long spins = 0;

	for (;;) {
		if (__atomic_load_n(started, __ATOMIC_RELAXED) < cap) {
			if (__atomic_add_fetch(started, 1, __ATOMIC_RELAXED) >
			    cap)
				continue;
			if (fork() < 0)
				__atomic_sub_fetch(started, 1,
						   __ATOMIC_RELAXED);
			continue;
		}
		spins++;
	}
}

int cmd_forkbomb(int argc, char **argv)
{
	unsigned long cap = arg_ulong(argc, argv, 1, "process cap", 100);
	unsigned long secs = arg_ulong(argc, argv, 2, "seconds", 10);
	unsigned long *started;
	unsigned long reaped = 0;
	pid_t root;
	int status;

	started = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (started == MAP_FAILED)
		fail("cannot map the shared counter");
	*started = 1;
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	root = fork();
	if (root < 0)
		fail("fork failed");
	if (root == 0) {
		setpgid(0, 0);
		bomb(started, cap);
	}
	setpgid(root, root);
	sleep(secs);
	kill(-root, SIGKILL);
	while (waitpid(-1, &status, 0) > 0)
		reaped++;
	say("forkbomb: %lu processes started (cap %lu) in %lu s, %lu "
	    "reaped", *started, cap, secs, reaped);
	if (*started < cap)
		fail("the bomb started only %lu of %lu processes", *started,
		     cap);
	return 0;
}
