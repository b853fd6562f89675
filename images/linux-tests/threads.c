// SPDX-License-Identifier: MIT
/*
 * threads [N] [ITER]: N pthreads (default 8) increment one counter under
 * one mutex ITER times each (default 20000), all released at once by a
 * barrier so that the lock is contended and waiters sleep on its futex.
 * Each thread also keeps a thread-local copy of its index (TLS through
 * the FS base) and checks it after every yield. Then two threads play
 * condition-variable ping-pong. Fails on a lost update, a TLS mix-up or
 * a wrong turn.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "tandem-check.h"

#define MAX_THREADS	64
#define PING_ROUNDS	2000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t start;
static unsigned long counter;
static unsigned long iterations;
static unsigned long cpus_seen;		/* bit n: a thread ran on CPU n */
static int tls_errors;
static __thread unsigned long my_index;

static void note_cpu(void)
{
	int cpu = sched_getcpu();

	if (cpu >= 0 && cpu < 64)
		__atomic_fetch_or(&cpus_seen, 1UL << cpu, __ATOMIC_RELAXED);
}

static void *incrementer(void *arg)
{
	unsigned long i;

	my_index = (unsigned long)arg;
	pthread_barrier_wait(&start);
	for (i = 0; i < iterations; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
		if (i % 1000 == 0) {
			note_cpu();
			sched_yield();
			if (my_index != (unsigned long)arg)
				__atomic_fetch_add(&tls_errors, 1,
						   __ATOMIC_RELAXED);
		}
	}
	return NULL;
}

static pthread_mutex_t ping_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ping_cond = PTHREAD_COND_INITIALIZER;
static int turn;			/* whose move: 0 or 1 */
static int moves;
static int wrong_turns;

static void *player(void *arg)
{
	int me = (int)(long)arg;
	int r;

	for (r = 0; r < PING_ROUNDS; r++) {
		pthread_mutex_lock(&ping_lock);
		while (turn != me)
			pthread_cond_wait(&ping_cond, &ping_lock);
		if (moves % 2 != me)
			wrong_turns++;
		moves++;
		turn = !me;
		pthread_cond_signal(&ping_cond);
		pthread_mutex_unlock(&ping_lock);
	}
	return NULL;
}

int cmd_threads(int argc, char **argv)
{
	unsigned long n = arg_ulong(argc, argv, 1, "thread count", 8);
	pthread_t tid[MAX_THREADS];
	double t0, t1, t2;
	char cpus[200] = "";
	unsigned long i;
	int err;

	iterations = arg_ulong(argc, argv, 2, "iterations", 20000);
	if (n < 1 || n > MAX_THREADS)
		fail("thread count %lu out of 1..%d", n, MAX_THREADS);
	pthread_barrier_init(&start, NULL, n);
	t0 = mono_now();
	for (i = 0; i < n; i++) {
		err = pthread_create(&tid[i], NULL, incrementer, (void *)i);
		if (err)
			fail("pthread_create %lu: %s", i, strerror(err));
	}
	for (i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
	t1 = mono_now();
	for (i = 0; i < 64; i++)
		if (cpus_seen & (1UL << i))
			snprintf(cpus + strlen(cpus), sizeof(cpus) - strlen(cpus),
				 "%s%lu", *cpus ? "," : "", i);
	say("threads: %lu x %lu locked increments in %.2f s, counter %lu, "
	    "cpus used %s", n, iterations, t1 - t0, counter, cpus);
	if (counter != n * iterations)
		fail("counter is %lu, want %lu: lost updates", counter,
		     n * iterations);
	if (tls_errors)
		fail("%d thread-local values changed under their thread",
		     tls_errors);

	for (i = 0; i < 2; i++) {
		err = pthread_create(&tid[i], NULL, player, (void *)i);
		if (err)
			fail("pthread_create player %lu: %s", i,
			     strerror(err));
	}
	for (i = 0; i < 2; i++)
		pthread_join(tid[i], NULL);
	t2 = mono_now();
	say("threads: condition ping-pong %d moves in %.2f s", moves,
	    t2 - t1);
	if (moves != 2 * PING_ROUNDS || wrong_turns)
		fail("ping-pong: %d moves (want %d), %d out of turn", moves,
		     2 * PING_ROUNDS, wrong_turns);
	return 0;
}
