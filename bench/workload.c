// SPDX-License-Identifier: MIT
/*
 * tandem-bench: the guest side of Tandem's benchmark (bench/run).
 *
 *     tandem-bench [-r REPS] [-s SCALE] [WORKLOAD...]
 *
 * Runs each workload once to warm up, then REPS times, timing each run
 * with CLOCK_MONOTONIC, and prints one line per event on stdout (the
 * console), which bench/run reads:
 *
 *   BENCH begin W t=NS ops=N reps=R   before the warm-up run
 *   BENCH start W                     before the first timed run
 *   BENCH run W REP OPS NS            one timed run: OPS operations in NS
 *   BENCH split W REP OPS K=NS ...    a timed run's parts (hypercall)
 *   BENCH stat W minflt=.. majflt=.. nvcsw=.. nivcsw=.. intr=.. ctxt=..
 *                                     counters summed over the timed runs
 *                                     (getrusage of this process and its
 *                                     children; /proc/stat's intr, ctxt)
 *   BENCH check W VALUE               a result that must not differ
 *                                     between runs or configurations
 *   BENCH end W t=NS
 *   BENCH skip W REASON               not run here (no /dev/xen/privcmd)
 *   BENCH error W MESSAGE             a wrong result or a failed call
 *   BENCH done errors=N
 *
 * t= is CLOCK_MONOTONIC: bench/run compares it with the host's clock.
 * SCALE multiplies every workload's operation count (default 1).
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NSEC_PER_SEC	1000000000ULL
#define PAGE_SIZE	4096
#define NOP_PATH	"/bin/nop"
#define NOP_STATUS	42		/* nop's exit status (nop.c) */
#define MIXED_DIR	"/tmp/bench-mixed"
#define MIXED_FILES	16		/* files the mixed job cycles through */
#define MIXED_PIPE_MSG	512		/* bytes per pipe round trip */
#define TOUCH_PAGES	64		/* pages of the touch workloads */
#define FORK_BIG_PAGES	4096		/* 16 MiB more for fork-big */
#define PRIVCMD_PATH	"/dev/xen/privcmd"

struct workload {
	const char *name;
	long ops;			/* per run, before scaling */
	const char *needs;		/* a file that must exist, or NULL */
	/* Does ops operations; returns the nanoseconds they took, 0 on error. */
	uint64_t (*run)(long ops);
	void (*done)(void);		/* after the last run, or NULL */
	/* After each timed run: reports its parts (a split line), or NULL. */
	void (*split)(const struct workload *w, int rep, long ops);
};

static const char *current = "-";	/* the workload running, for errors */
static int errors;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static void report(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("BENCH ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
	va_end(ap);
}

/* Reports a wrong result or failed call of the current workload. */
static uint64_t fail(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report("error %s %s", current, msg);
	errors++;
	return 0;
}

/* fail() for functions that return 0 on success and -1 on failure. */
#define fail_op(...)	(fail(__VA_ARGS__), -1)

static uint64_t elapsed(uint64_t start)
{
	uint64_t ns = now_ns() - start;

	return ns ? ns : 1;		/* 0 means failure */
}

/* (1) System calls: getppid(), which the C library does not cache. */
static uint64_t run_syscall(long ops)
{
	long i, wrong = 0, want = getppid();
	uint64_t start;

	start = now_ns();
	for (i = 0; i < ops; i++)
		wrong += syscall(SYS_getppid) != want;
	if (wrong)
		return fail("getppid returned a wrong value %ld times", wrong);
	return elapsed(start);
}

/*
 * The experiment behind the analysis: a system call followed by reads of
 * TOUCH_PAGES distinct pages (sys-touch), and the same reads without the
 * system call (touch). A system call that flushes QEMU's software TLB
 * makes every one of those pages miss again; without a flush they hit.
 */
static volatile unsigned char *touch_buf;

static int touch_setup(void)
{
	size_t len = (size_t)TOUCH_PAGES * PAGE_SIZE;
	void *p;

	if (touch_buf)
		return 0;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	memset(p, 1, len);
	touch_buf = p;
	return 0;
}

static uint64_t touch_loop(long ops, int with_syscall)
{
	unsigned long sum = 0;
	uint64_t start;
	long i, j;

	if (touch_setup())
		return fail("mmap: %s", strerror(errno));
	start = now_ns();
	for (i = 0; i < ops; i++) {
		if (with_syscall)
			syscall(SYS_getppid);
		for (j = 0; j < TOUCH_PAGES; j++)
			sum += touch_buf[j * PAGE_SIZE];
	}
	if (sum != (unsigned long)ops * TOUCH_PAGES)
		return fail("read back %lu, not %lu", sum,
			    (unsigned long)ops * TOUCH_PAGES);
	return elapsed(start);
}

static void touch_done(void)
{
	if (touch_buf)
		munmap((void *)touch_buf, (size_t)TOUCH_PAGES * PAGE_SIZE);
	touch_buf = NULL;
}

static uint64_t run_sys_touch(long ops)
{
	return touch_loop(ops, 1);
}

static uint64_t run_touch(long ops)
{
	return touch_loop(ops, 0);
}

static int reap(pid_t pid, int want)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fail("waitpid: %s", strerror(errno));
			return -1;
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != want) {
		fail("child status %#x, not exit(%d)", status, want);
		return -1;
	}
	return 0;
}

/* fork + _exit + wait: the address-space copy and teardown alone. */
static uint64_t run_fork(long ops)
{
	uint64_t start = now_ns();
	long i;
	pid_t pid;

	for (i = 0; i < ops; i++) {
		pid = fork();
		if (pid < 0)
			return fail("fork: %s", strerror(errno));
		if (pid == 0)
			_exit(NOP_STATUS);
		if (reap(pid, NOP_STATUS))
			return 0;
	}
	return elapsed(start);
}

/*
 * fork + _exit + wait again, with FORK_BIG_PAGES more pages mapped (and
 * written) in the parent: beyond fork's cost, what copying that many
 * page-table entries into the child, and tearing them down at its exit,
 * costs. The mapping is made once, before the warm-up run, and stays
 * until the workload ends (fork_big_done).
 */
static void *fork_big_buf;

static uint64_t run_fork_big(long ops)
{
	size_t len = (size_t)FORK_BIG_PAGES * PAGE_SIZE;
	void *p;

	if (!fork_big_buf) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return fail("mmap %zu bytes: %s", len,
				    strerror(errno));
		madvise(p, len, MADV_NOHUGEPAGE);
		memset(p, 1, len);
		fork_big_buf = p;
	}
	return run_fork(ops);
}

static void fork_big_done(void)
{
	if (fork_big_buf)
		munmap(fork_big_buf, (size_t)FORK_BIG_PAGES * PAGE_SIZE);
	fork_big_buf = NULL;
}

/* (2) fork + exec of a tiny static program + wait. */
static uint64_t run_forkexec(long ops)
{
	char *argv[] = { NOP_PATH, NULL };
	char *envp[] = { NULL };
	uint64_t start = now_ns();
	long i;
	pid_t pid;

	for (i = 0; i < ops; i++) {
		pid = fork();
		if (pid < 0)
			return fail("fork: %s", strerror(errno));
		if (pid == 0) {
			execve(NOP_PATH, argv, envp);
			_exit(127);
		}
		if (reap(pid, NOP_STATUS))
			return 0;
	}
	return elapsed(start);
}

/*
 * (3) Page faults: write one byte to every page of a fresh anonymous
 * mapping (no huge pages), so each write is a first-touch fault. Only
 * the writes are timed; the mapping is checked and unmapped after.
 */
static uint64_t run_pagefault(long ops)
{
	size_t len = (size_t)ops * PAGE_SIZE;
	unsigned char *p;
	uint64_t ns;
	long i;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return fail("mmap %zu bytes: %s", len, strerror(errno));
	madvise(p, len, MADV_NOHUGEPAGE);
	ns = now_ns();
	for (i = 0; i < ops; i++)
		p[i * PAGE_SIZE] = (unsigned char)(i | 1);
	ns = elapsed(ns);
	for (i = 0; i < ops; i++) {
		if (p[i * PAGE_SIZE] != (unsigned char)(i | 1) ||
		    p[i * PAGE_SIZE + PAGE_SIZE - 1] != 0) {
			ns = fail("page %ld reads back wrong", i);
			break;
		}
	}
	munmap(p, len);
	return ns;
}

/*
 * (4) CPU: an xorshift generator, each step depending on the last; no
 * memory traffic, no system calls. Its result is the same everywhere.
 */
static uint64_t cpu_result;

static uint64_t run_cpu(long ops)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	uint64_t start = now_ns();
	long i;

	for (i = 0; i < ops; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	/* The compiler cannot drop the loop: the result is used. */
	if (cpu_result && x != cpu_result)
		return fail("result %#llx, earlier %#llx",
			    (unsigned long long)x,
			    (unsigned long long)cpu_result);
	cpu_result = x;
	return elapsed(start);
}

/*
 * (5) A kernel-heavy mixed job. One operation: create a file on tmpfs,
 * write 4 KiB, close; open, read it back, compare, close; stat; unlink;
 * then a 512-byte round trip through two pipes to a child that echoes
 * it (two context switches).
 */
static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	ssize_t n;

	while (len) {
		n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

static void echo_child(int in, int out)
{
	char msg[MIXED_PIPE_MSG];

	while (read_all(in, msg, sizeof(msg)) == 0)
		if (write_all(out, msg, sizeof(msg)))
			break;
	_exit(0);
}

static int mixed_op(long i, int to_child, int from_child)
{
	static char data[PAGE_SIZE], back[PAGE_SIZE];
	char path[64], msg[MIXED_PIPE_MSG];
	struct stat st;
	int fd;

	memset(data, (int)(i & 0xff), sizeof(data));
	snprintf(path, sizeof(path), MIXED_DIR "/f%ld", i % MIXED_FILES);
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	if (fd < 0 || write_all(fd, data, sizeof(data)) || close(fd))
		return fail_op("write %s: %s", path, strerror(errno));
	fd = open(path, O_RDONLY);
	if (fd < 0 || read_all(fd, back, sizeof(back)) || close(fd))
		return fail_op("read %s: %s", path, strerror(errno));
	if (memcmp(data, back, sizeof(data)))
		return fail_op("%s reads back wrong", path);
	if (stat(path, &st) || st.st_size != sizeof(data))
		return fail_op("stat %s: wrong size or %s", path,
				strerror(errno));
	if (unlink(path))
		return fail_op("unlink %s: %s", path, strerror(errno));
	memset(msg, (int)(~i & 0xff), sizeof(msg));
	if (write_all(to_child, msg, sizeof(msg)) ||
	    read_all(from_child, back, sizeof(msg)))
		return fail_op("pipe round trip: %s", strerror(errno));
	if (memcmp(msg, back, sizeof(msg)))
		return fail_op("pipe round trip came back wrong");
	return 0;
}

static uint64_t run_mixed(long ops)
{
	int down[2], up[2];
	uint64_t ns = 0;
	pid_t pid;
	long i;

	if (mkdir(MIXED_DIR, 0755) && errno != EEXIST)
		return fail("mkdir " MIXED_DIR ": %s", strerror(errno));
	if (pipe(down) || pipe(up))
		return fail("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		return fail("fork: %s", strerror(errno));
	if (pid == 0) {
		close(down[1]);
		close(up[0]);
		echo_child(down[0], up[1]);
	}
	close(down[0]);
	close(up[1]);
	ns = now_ns();
	for (i = 0; i < ops; i++)
		if (mixed_op(i, down[1], up[0]))
			break;
	ns = i == ops ? elapsed(ns) : 0;
	close(down[1]);		/* the child sees EOF and exits */
	close(up[0]);
	if (reap(pid, 0))
		ns = 0;
	return ns;
}

/*
 * A PV guest only: what a hypercall made by the guest kernel costs. One
 * operation is two ioctls on /dev/xen/privcmd: one the driver refuses
 * (ENOTTY), and one that has it make a xen_version hypercall for us.
 * Both are system calls through the same path; only the second enters
 * the hypervisor from guest-kernel mode, where it switches no page
 * tables. They alternate in blocks of HYPERCALL_BLOCK, each block timed,
 * so that a drift of the host's speed touches both alike; the split
 * line gives each kind's time per call, and their difference is the
 * hypercall's round trip.
 */
struct privcmd_hypercall {
	uint64_t op;
	uint64_t arg[5];
};

#define PRIVCMD_HYPERCALL	_IOC(_IOC_NONE, 'P', 0, \
				     sizeof(struct privcmd_hypercall))
#define PRIVCMD_REFUSED		_IOC(_IOC_NONE, 'P', 0x7f, 0)
#define HYPERCALL_XEN_VERSION	17
#define XENVER_VERSION		0
#define HYPERCALL_BLOCK		100

static uint64_t split_ns[2];		/* the last run: refused, hypercall */

static void on_alarm(int sig)
{
	(void)sig;
}

static int privcmd_block(int fd, int hypercall, long n)
{
	struct privcmd_hypercall h = {
		.op = HYPERCALL_XEN_VERSION,
		.arg = { XENVER_VERSION },
	};
	long i, r;

	for (i = 0; i < n; i++) {
		if (hypercall) {
			/* xen_version answers (major << 16) | minor */
			r = ioctl(fd, PRIVCMD_HYPERCALL, &h);
			if (r <= 0)
				return fail_op("hypercall ioctl returned %ld "
					       "(%s)", r, strerror(errno));
		} else {
			r = ioctl(fd, PRIVCMD_REFUSED, 0);
			if (r != -1 || errno != ENOTTY)
				return fail_op("refused ioctl returned %ld "
					       "(%s)", r, strerror(errno));
		}
	}
	return 0;
}

static uint64_t run_hypercall(long ops)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	uint64_t start, t;
	long done, n;
	int fd, kind;

	/*
	 * A restricted privcmd (a domU without a store) makes open() wait
	 * for ever; the alarm interrupts it.
	 */
	sigaction(SIGALRM, &sa, NULL);
	alarm(10);
	fd = open(PRIVCMD_PATH, O_RDWR);
	alarm(0);
	if (fd < 0)
		return fail("open " PRIVCMD_PATH ": %s", errno == EINTR ?
			    "no answer in 10 s (restricted privcmd?)" :
			    strerror(errno));
	split_ns[0] = split_ns[1] = 0;
	start = now_ns();
	for (done = 0; done < ops; done += n) {
		n = ops - done < HYPERCALL_BLOCK ? ops - done : HYPERCALL_BLOCK;
		for (kind = 0; kind < 2; kind++) {
			t = now_ns();
			if (privcmd_block(fd, kind, n)) {
				close(fd);
				return 0;
			}
			split_ns[kind] += now_ns() - t;
		}
	}
	close(fd);
	return elapsed(start);
}

static void hypercall_split(const struct workload *w, int rep, long ops)
{
	report("split %s %d %ld refused=%llu hypercall=%llu", w->name, rep,
	       ops, (unsigned long long)split_ns[0],
	       (unsigned long long)split_ns[1]);
}

static const struct workload workloads[] = {
	{ .name = "syscall", .ops = 50000, .run = run_syscall },
	{ .name = "fork", .ops = 200, .run = run_fork },
	{ .name = "forkexec", .ops = 100, .run = run_forkexec },
	{ .name = "pagefault", .ops = 8192, .run = run_pagefault },
	{ .name = "cpu", .ops = 200000000, .run = run_cpu },
	{ .name = "mixed", .ops = 1000, .run = run_mixed },
	{ .name = "sys-touch", .ops = 20000, .run = run_sys_touch,
	  .done = touch_done },
	{ .name = "touch", .ops = 100000, .run = run_touch,
	  .done = touch_done },
	{ .name = "fork-big", .ops = 50, .run = run_fork_big,
	  .done = fork_big_done },
	{ .name = "hypercall", .ops = 20000, .needs = PRIVCMD_PATH,
	  .run = run_hypercall, .split = hypercall_split },
};

#define NR_WORKLOADS (sizeof(workloads) / sizeof(workloads[0]))

struct counters {
	long minflt, majflt, nvcsw, nivcsw;
	unsigned long long intr, ctxt;
};

static void read_counters(struct counters *c)
{
	struct rusage self, children;
	char line[256];
	FILE *f;

	memset(c, 0, sizeof(*c));
	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &children);
	c->minflt = self.ru_minflt + children.ru_minflt;
	c->majflt = self.ru_majflt + children.ru_majflt;
	c->nvcsw = self.ru_nvcsw + children.ru_nvcsw;
	c->nivcsw = self.ru_nivcsw + children.ru_nivcsw;
	f = fopen("/proc/stat", "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "intr %llu", &c->intr);
		sscanf(line, "ctxt %llu", &c->ctxt);
	}
	fclose(f);
}

static void bench(const struct workload *w, double scale, int reps)
{
	long ops = (long)(w->ops * scale);
	struct counters before, after;
	uint64_t ns;
	int rep;

	if (ops < 1)
		ops = 1;
	if (w->needs && access(w->needs, F_OK)) {
		report("skip %s no %s", w->name, w->needs);
		return;
	}
	current = w->name;
	report("begin %s t=%llu ops=%ld reps=%d", w->name,
	       (unsigned long long)now_ns(), ops, reps);
	if (!w->run(ops))
		goto out;		/* the warm-up failed: reported */
	read_counters(&before);
	report("start %s", w->name);
	for (rep = 1; rep <= reps; rep++) {
		ns = w->run(ops);
		if (!ns)
			goto out;
		report("run %s %d %ld %llu", w->name, rep, ops,
		       (unsigned long long)ns);
		if (w->split)
			w->split(w, rep, ops);
	}
	read_counters(&after);
	report("stat %s minflt=%ld majflt=%ld nvcsw=%ld nivcsw=%ld "
	       "intr=%llu ctxt=%llu", w->name,
	       after.minflt - before.minflt, after.majflt - before.majflt,
	       after.nvcsw - before.nvcsw, after.nivcsw - before.nivcsw,
	       after.intr - before.intr, after.ctxt - before.ctxt);
	if (w->run == run_cpu)
		report("check cpu %#llx", (unsigned long long)cpu_result);
out:
	if (w->done)
		w->done();
	report("end %s t=%llu", w->name, (unsigned long long)now_ns());
	current = "-";
}

static const struct workload *find(const char *name)
{
	size_t i;

	for (i = 0; i < NR_WORKLOADS; i++)
		if (!strcmp(workloads[i].name, name))
			return &workloads[i];
	return NULL;
}

static void usage(void)
{
	size_t i;

	fprintf(stderr, "usage: tandem-bench [-r REPS] [-s SCALE] "
		"[WORKLOAD...]\nworkloads:");
	for (i = 0; i < NR_WORKLOADS; i++)
		fprintf(stderr, " %s", workloads[i].name);
	fputc('\n', stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	double scale = 1.0;
	int reps = 11, opt, i;

	while ((opt = getopt(argc, argv, "r:s:")) != -1) {
		switch (opt) {
		case 'r':
			reps = atoi(optarg);
			break;
		case 's':
			scale = atof(optarg);
			break;
		default:
			usage();
		}
	}
	if (reps < 1 || scale <= 0)
		usage();
	for (i = optind; i < argc; i++)
		if (!find(argv[i]))
			usage();

	if (optind < argc) {
		for (i = optind; i < argc; i++)
			bench(find(argv[i]), scale, reps);
	} else {
		for (i = 0; i < (int)NR_WORKLOADS; i++)
			bench(&workloads[i], scale, reps);
	}
	report("done errors=%d", errors);
	return errors ? 1 : 0;
}
