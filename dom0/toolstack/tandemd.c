// SPDX-License-Identifier: MIT
/*
 * tandemd: the toolstack daemon. It owns the VMs: it builds them from
 * profiles (in a builder thread, so it keeps answering meanwhile),
 * follows them through their states (vm.h), notices when a guest shuts
 * down (VIRQ_DOM_EXC or the store's @releaseDomain) and applies the
 * profile's on_poweroff / on_reboot / on_crash, and serves requests on
 * its Unix socket (proto.h). Clients are untrusted: a malformed request
 * gets an error reply and a log line, never more.
 */
#define _GNU_SOURCE

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <public/sched.h>
#include <libtandem/error.h>
#include <libtandem/server.h>
#include <libtandem/xs.h>

#include "build.h"
#include "hv.h"
#include "profile.h"
#include "proto.h"
#include "ts_error.h"
#include "vm.h"
#include "xsdom.h"

#define TANDEMD_VERSION		"0.1"
#define PROFILES_DEFAULT	"/etc/tandem/profiles"
#define IMAGES_DEFAULT		"/usr/lib/tandem/images"
#define MAX_CLIENTS		32
#define CLIENT_OUT_MAX		(1u << 20)
#define PARTIAL_TIMEOUT_MS	30000	/* half a request, then nothing */
#define GONE_TIMEOUT_MS		15000	/* destroyed, yet still there */
#define SCAN_PERIOD_MS		2000	/* safety net for lost events */
#define WAIT_TIMEOUT_MS		(5 * 60 * 1000)	/* shutdown --wait */
#define RESTART_LIMIT		5	/* restarts ... */
#define RESTART_WINDOW_MS	60000	/* ... within this: give up */
#define MAX_DOMAINS		256
#define CLIENT_IN_MAX		(TS_HDR_SIZE + TS_MAX_PAYLOAD)

struct client {
	struct client *next;
	int fd;
	pid_t pid;
	char *in;
	size_t in_len;
	long partial_since;		/* ms; 0: no partial request */
	char *out;
	size_t out_len, out_cap;
	unsigned int pending;		/* deferred replies owed */
	bool closing;			/* close once the output is out */
	bool dead;
};

enum wait_kind {
	W_BUILT,			/* create: until running */
	W_DESTROYED,			/* destroy: until the memory is back */
	W_ENDED,			/* shutdown --wait: until it ended */
	W_REBOOTED,			/* reboot --wait: until running again */
};

struct vm;

struct wait {
	struct wait *next;
	struct client *c;		/* NULL once the client went away */
	uint32_t id;
	struct vm *vm;
	enum wait_kind kind;
	long deadline;			/* ms, 0: none */
};

struct vm {
	struct vm *next;
	unsigned int serial;
	struct profile prof;
	enum vm_state state;
	domid_t domid;			/* 0: no domain now */
	uint8_t uuid[16];
	bool destroy_requested;		/* while building */
	bool have_profile;		/* adopted without one: false */
	/* A destroyed domain we wait to disappear. */
	domid_t gone_domid;
	long gone_deadline;
	uint64_t gone_kib, free_before_kib;
	char end_msg[TS_ERRMSG_MAX + 256]; /* why it ended, for waiters */
	long restarts[RESTART_LIMIT];
	unsigned int nr_restarts;
};

/* A build for the builder thread; it touches nothing else. */
struct job {
	struct job *next;
	unsigned int serial;
	struct profile prof;
	uint8_t uuid[16];
	char kernel[PATH_MAX], initrd[PATH_MAX];
	char mem_where[PATH_MAX + 16];
	int err;
	char msg[TS_ERRMSG_MAX];
	struct build_result r;
};

static struct {
	const char *socket_path, *store_path, *profiles_dir, *images_dir;
	const char *autostart_dir, *log_path, *pidfile;
	int verbose;
	uint64_t simulate_mib;
	struct hv *hv;
	struct tdm_xs *xs;
	int listen_fd;
	int wake_pipe[2], sig_pipe[2];
	struct client *clients;
	unsigned int nr_clients;
	struct vm *vms;
	unsigned int next_serial;
	struct wait *waits;
	long next_scan;
	pthread_t builder;
	bool builder_started;
	pthread_mutex_t jlock;
	pthread_cond_t jcond;
	struct job *jobs, *done;
	bool stop;
	FILE *log;
	pthread_mutex_t loglock;
} d = {
	.listen_fd = -1,
	.wake_pipe = { -1, -1 },
	.sig_pipe = { -1, -1 },
	.jlock = PTHREAD_MUTEX_INITIALIZER,
	.jcond = PTHREAD_COND_INITIALIZER,
	.loglock = PTHREAD_MUTEX_INITIALIZER,
};

static volatile sig_atomic_t quit;

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void logmsg(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void logmsg(int level, const char *fmt, ...)
{
	static const char *const names[] = {
		[LOG_ERR] = "error", [LOG_WARNING] = "warning",
		[LOG_NOTICE] = "notice", [LOG_INFO] = "info",
		[LOG_DEBUG] = "debug",
	};
	char stamp[32];
	struct tm tm;
	time_t t;
	va_list ap;

	if (level == LOG_DEBUG && d.verbose < 1)
		return;
	t = time(NULL);
	localtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
	pthread_mutex_lock(&d.loglock);
	fprintf(d.log, "%s tandemd %s: ", stamp,
		level >= LOG_ERR && level <= LOG_DEBUG && names[level] ?
		names[level] : "log");
	va_start(ap, fmt);
	vfprintf(d.log, fmt, ap);
	va_end(ap);
	fputc('\n', d.log);
	fflush(d.log);
	pthread_mutex_unlock(&d.loglock);
}

static void build_log(void *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void build_log(void *ctx, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	(void)ctx;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	logmsg(LOG_INFO, "%s", line);
}

/*
 * Clients: replies.
 */
static void client_send(struct client *c, unsigned int type, uint32_t id,
			const char *const *args, unsigned int n)
{
	char *buf;
	int len;

	if (!c || c->dead)
		return;
	buf = malloc(TS_HDR_SIZE + TS_MAX_PAYLOAD);
	if (!buf) {
		c->dead = true;
		return;
	}
	len = ts_encode(buf, TS_HDR_SIZE + TS_MAX_PAYLOAD, type, id, args, n);
	if (len < 0) {
		static const char *const big[] = {
			"7", "the reply is too large for the protocol",
		};

		len = ts_encode(buf, TS_HDR_SIZE + TS_MAX_PAYLOAD,
				TS_REPLY_ERROR, id, big, 2);
	}
	if (c->out_len + (size_t)len > CLIENT_OUT_MAX) {
		logmsg(LOG_WARNING, "client pid %d does not read its replies; "
		       "dropping it", (int)c->pid);
		c->dead = true;
		free(buf);
		return;
	}
	if (c->out_len + (size_t)len > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		char *o;

		while (cap < c->out_len + (size_t)len)
			cap *= 2;
		o = realloc(c->out, cap);
		if (!o) {
			c->dead = true;
			free(buf);
			return;
		}
		c->out = o;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, buf, (size_t)len);
	c->out_len += (size_t)len;
	free(buf);
}

static void reply_ok(struct client *c, uint32_t id, const char *msg)
{
	const char *args[1] = { msg };

	client_send(c, TS_REPLY_OK, id, args, 1);
}

static void reply_err(struct client *c, uint32_t id, int err,
		      const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void reply_err(struct client *c, uint32_t id, int err,
		      const char *fmt, ...)
{
	char num[16], msg[TS_ERRMSG_MAX + 256];
	const char *args[2] = { num, msg };
	va_list ap;

	snprintf(num, sizeof(num), "%d", err > 0 ? err : EIO);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	client_send(c, TS_REPLY_ERROR, id, args, 2);
}

/*
 * Waiting clients (deferred replies).
 */
static void wait_add(struct client *c, uint32_t id, struct vm *vm,
		     enum wait_kind kind, long timeout_ms)
{
	struct wait *w = calloc(1, sizeof(*w));

	if (!w) {
		reply_err(c, id, ENOMEM, "tandemd is out of memory");
		return;
	}
	w->c = c;
	w->id = id;
	w->vm = vm;
	w->kind = kind;
	w->deadline = timeout_ms ? now_ms() + timeout_ms : 0;
	w->next = d.waits;
	d.waits = w;
	c->pending++;
}

static void wait_done(struct wait *w)
{
	struct wait **p;

	for (p = &d.waits; *p; p = &(*p)->next) {
		if (*p == w) {
			*p = w->next;
			break;
		}
	}
	if (w->c && w->c->pending)
		w->c->pending--;
	free(w);
}

/* Answer the waits of vm of the given kind (all kinds: kind < 0). */
static void answer(struct vm *vm, int kind, int err, const char *const *args,
		   unsigned int n)
{
	struct wait *w, *next;

	for (w = d.waits; w; w = next) {
		next = w->next;
		if (w->vm != vm || (kind >= 0 && (int)w->kind != kind))
			continue;
		if (err) {
			char num[16];
			const char *e[2] = { num, n ? args[0] : "failed" };

			snprintf(num, sizeof(num), "%d", err);
			client_send(w->c, TS_REPLY_ERROR, w->id, e, 2);
		} else {
			client_send(w->c, TS_REPLY_OK, w->id, args, n);
		}
		wait_done(w);
	}
}

static void answer1(struct vm *vm, int kind, int err, const char *msg)
{
	answer(vm, kind, err, &msg, 1);
}

/*
 * VMs.
 */
static const char *vm_label(const struct vm *vm)
{
	static char buf[2][64];
	static int i;

	i ^= 1;
	if (vm->domid)
		snprintf(buf[i], sizeof(buf[i]), "%s (dom%u)", vm->prof.name,
			 vm->domid);
	else
		snprintf(buf[i], sizeof(buf[i]), "%s", vm->prof.name);
	return buf[i];
}

static void vm_set_state(struct vm *vm, enum vm_state to)
{
	if (vm->state == to)
		return;
	if (!vm_transition_ok(vm->state, to))
		logmsg(LOG_ERR, "%s: unexpected state change %s -> %s",
		       vm_label(vm), vm_state_name(vm->state),
		       vm_state_name(to));
	else
		logmsg(LOG_INFO, "%s: %s -> %s", vm_label(vm),
		       vm_state_name(vm->state), vm_state_name(to));
	vm->state = to;
}

static struct vm *vm_new(void)
{
	struct vm *vm = calloc(1, sizeof(*vm)), **p;

	if (!vm)
		return NULL;
	vm->serial = ++d.next_serial;
	vm->state = VM_BUILDING;
	for (p = &d.vms; *p; p = &(*p)->next)
		;
	*p = vm;		/* creation order, for 'list' */
	return vm;
}

static void vm_free(struct vm *vm)
{
	struct vm **p;

	answer1(vm, -1, ESRCH, "the VM is gone");
	for (p = &d.vms; *p; p = &(*p)->next) {
		if (*p == vm) {
			*p = vm->next;
			break;
		}
	}
	free(vm);
}

static struct vm *vm_by_serial(unsigned int serial)
{
	struct vm *vm;

	for (vm = d.vms; vm; vm = vm->next)
		if (vm->serial == serial)
			return vm;
	return NULL;
}

static struct vm *vm_by_name(const char *name)
{
	struct vm *vm;

	for (vm = d.vms; vm; vm = vm->next)
		if (vm->state != VM_DEAD && !strcmp(vm->prof.name, name))
			return vm;
	return NULL;
}

static struct vm *vm_find(const char *arg)
{
	struct vm *vm = vm_by_name(arg);
	const char *s;
	unsigned long id;

	if (vm || !*arg)
		return vm;
	for (s = arg; *s; s++)
		if (!isdigit((unsigned char)*s))
			return NULL;
	id = strtoul(arg, NULL, 10);
	for (vm = d.vms; vm; vm = vm->next)
		if (vm->state != VM_DEAD && vm->domid && vm->domid == id)
			return vm;
	return NULL;
}

/* "work (dom1, running), personal (dom2, paused)" */
static void known_vms(char *buf, size_t size)
{
	struct vm *vm;
	size_t pos = 0;

	buf[0] = '\0';
	for (vm = d.vms; vm && pos < size; vm = vm->next) {
		int n;

		if (vm->state == VM_DEAD)
			continue;
		if (vm->domid)
			n = snprintf(buf + pos, size - pos, "%s%s (dom%u, %s)",
				     pos ? ", " : "", vm->prof.name, vm->domid,
				     vm_state_name(vm->state));
		else
			n = snprintf(buf + pos, size - pos, "%s%s (%s)",
				     pos ? ", " : "", vm->prof.name,
				     vm_state_name(vm->state));
		if (n < 0)
			break;
		pos += (size_t)n;
	}
}

static void reply_unknown_vm(struct client *c, uint32_t id, const char *arg)
{
	char known[1024];

	known_vms(known, sizeof(known));
	if (known[0])
		reply_err(c, id, ESRCH, "no VM '%s' (known VMs: %s)", arg,
			  known);
	else
		reply_err(c, id, ESRCH, "no VM '%s': there are no VMs; create "
			  "one with 'tandem create PROFILE'", arg);
}

static void host_memory(uint64_t *total_mib, uint64_t *free_kib)
{
	uint64_t total = 0, fr = 0;

	if (d.hv->ops->meminfo(d.hv, &total, &fr) < 0)
		logmsg(LOG_WARNING, "%s", ts_errmsg());
	if (total_mib)
		*total_mib = total >> 10;
	if (free_kib)
		*free_kib = fr;
}

/*
 * Destroy vm's domain and clean up after it; the domain's disappearance
 * (and the return of its memory) is awaited in check_gone().
 */
static int vm_destroy_domain(struct vm *vm)
{
	struct hv_dominfo info;
	domid_t domid = vm->domid;
	int err;

	if (!domid)
		return 0;
	vm->gone_kib = 0;
	if (d.hv->ops->getinfo(d.hv, domid, &info) == 0)
		vm->gone_kib = info.tot_kib;
	host_memory(NULL, &vm->free_before_kib);
	err = d.hv->ops->destroy(d.hv, domid);
	if (err && err != -ESRCH) {
		logmsg(LOG_ERR, "%s: %s", vm_label(vm), ts_errmsg());
		return err;
	}
	if (xsdom_remove(d.xs, domid, vm->uuid))
		logmsg(LOG_WARNING, "%s: %s", vm_label(vm), ts_errmsg());
	err = tdm_xs_release(d.xs, domid);
	if (err && err != -ENOENT && err != -EINVAL && err != -ENOSYS)
		logmsg(LOG_WARNING, "%s: release from the store: %s",
		       vm_label(vm), tdm_errmsg());
	logmsg(LOG_INFO, "%s: destroyed", vm_label(vm));
	vm->gone_domid = domid;
	vm->gone_deadline = now_ms() + GONE_TIMEOUT_MS;
	vm->domid = 0;
	return 0;
}

static void queue_build(struct vm *vm);

/* The destroyed domain is gone (or we stopped waiting for it). */
static void vm_domain_gone(struct vm *vm, bool timed_out)
{
	uint64_t free_after = 0;
	domid_t domid = vm->gone_domid;

	vm->gone_domid = 0;
	host_memory(NULL, &free_after);
	if (timed_out)
		logmsg(LOG_WARNING, "%s: dom%u still exists %d s after it was "
		       "destroyed (something still maps its memory?)",
		       vm->prof.name, domid, GONE_TIMEOUT_MS / 1000);
	else if (vm->gone_kib && free_after + 1024 >=
		 vm->free_before_kib + vm->gone_kib)
		logmsg(LOG_INFO, "%s: dom%u's %llu MiB went back to the "
		       "hypervisor (free: %llu -> %llu MiB)", vm->prof.name,
		       domid, (unsigned long long)vm->gone_kib >> 10,
		       (unsigned long long)vm->free_before_kib >> 10,
		       (unsigned long long)free_after >> 10);
	else if (vm->gone_kib)
		logmsg(LOG_WARNING, "%s: dom%u had %llu MiB, but free memory "
		       "only went from %llu to %llu MiB", vm->prof.name,
		       domid, (unsigned long long)vm->gone_kib >> 10,
		       (unsigned long long)vm->free_before_kib >> 10,
		       (unsigned long long)free_after >> 10);

	if (vm->state == VM_RESTARTING) {
		answer1(vm, W_ENDED, 0, vm->end_msg);
		queue_build(vm);
		return;
	}
	/* Dead: whoever waited for the end hears of it now. */
	answer1(vm, W_DESTROYED, 0, vm->end_msg);
	answer1(vm, W_ENDED, 0, vm->end_msg);
	answer1(vm, W_REBOOTED, ECANCELED, vm->end_msg);
	answer1(vm, W_BUILT, ECANCELED, vm->end_msg);
	vm_free(vm);
}

/* Destroy a VM for good: dead now, gone once its domain is. */
static int vm_kill(struct vm *vm, const char *why)
{
	int err;

	snprintf(vm->end_msg, sizeof(vm->end_msg), "%s", why);
	err = vm_destroy_domain(vm);
	if (err)
		return err;
	vm_set_state(vm, VM_DEAD);
	if (!vm->gone_domid)
		vm_domain_gone(vm, false);
	return 0;
}

static bool restart_allowed(struct vm *vm)
{
	long now = now_ms();
	unsigned int i, recent = 0;

	for (i = 0; i < vm->nr_restarts; i++)
		if (now - vm->restarts[i] < RESTART_WINDOW_MS)
			recent++;
	if (recent >= RESTART_LIMIT)
		return false;
	if (vm->nr_restarts == RESTART_LIMIT) {
		memmove(vm->restarts, vm->restarts + 1,
			(RESTART_LIMIT - 1) * sizeof(vm->restarts[0]));
		vm->nr_restarts--;
	}
	vm->restarts[vm->nr_restarts++] = now;
	return true;
}

/* The guest ended itself (or obeyed control/shutdown). */
static void vm_guest_ended(struct vm *vm, unsigned int reason)
{
	enum profile_action act;
	const char *what, *key;
	char msg[256];

	switch (reason) {
	case SHUTDOWN_poweroff:
		what = "powered off";
		key = "on_poweroff";
		act = vm->prof.on_poweroff;
		break;
	case SHUTDOWN_reboot:
	case SHUTDOWN_soft_reset:
		what = "rebooted";
		key = "on_reboot";
		act = vm->prof.on_reboot;
		break;
	case SHUTDOWN_crash:
	case SHUTDOWN_watchdog:
		what = reason == SHUTDOWN_crash ? "crashed" :
		       "was stopped by its watchdog";
		key = "on_crash";
		act = vm->prof.on_crash;
		break;
	default:
		what = "suspended itself (save and restore are not "
		       "supported)";
		key = "tandemd";
		act = ACTION_DESTROY;
		break;
	}
	if (act == ACTION_RESTART && !restart_allowed(vm)) {
		logmsg(LOG_ERR, "%s %s, but it restarted %d times within %d s: "
		       "not again (destroying it; see its console log)",
		       vm_label(vm), what, RESTART_LIMIT,
		       RESTART_WINDOW_MS / 1000);
		act = ACTION_DESTROY;
	}
	snprintf(msg, sizeof(msg), "%s %s; %s=%s", vm_label(vm), what, key,
		 profile_action_name(act));
	logmsg(reason == SHUTDOWN_crash || reason == SHUTDOWN_watchdog ?
	       LOG_WARNING : LOG_INFO, "%s", msg);
	snprintf(vm->end_msg, sizeof(vm->end_msg), "%s", msg);
	switch (act) {
	case ACTION_PRESERVE:
		vm_set_state(vm, VM_STOPPED);
		snprintf(vm->end_msg, sizeof(vm->end_msg), "%s (kept: 'tandem "
			 "destroy %s' frees it)", msg, vm->prof.name);
		answer1(vm, W_ENDED, 0, vm->end_msg);
		answer1(vm, W_REBOOTED, ECANCELED, vm->end_msg);
		break;
	case ACTION_RESTART:
		if (vm_destroy_domain(vm))
			return;
		vm_set_state(vm, VM_RESTARTING);
		if (!vm->gone_domid)
			vm_domain_gone(vm, false);
		break;
	case ACTION_DESTROY:
		vm_kill(vm, msg);
		break;
	}
}

/* Look at vm's domain: ended, vanished, paused behind our back? */
static void vm_check(struct vm *vm)
{
	struct hv_dominfo info;
	int err;

	if (!vm->domid || vm->state == VM_BUILDING)
		return;
	err = d.hv->ops->getinfo(d.hv, vm->domid, &info);
	if (err == -ESRCH) {
		logmsg(LOG_WARNING, "%s: the domain vanished (destroyed by "
		       "another tool?)", vm_label(vm));
		if (xsdom_remove(d.xs, vm->domid, vm->uuid))
			logmsg(LOG_WARNING, "%s", ts_errmsg());
		tdm_xs_release(d.xs, vm->domid);
		snprintf(vm->end_msg, sizeof(vm->end_msg), "%s vanished",
			 vm_label(vm));
		vm->domid = 0;
		vm_set_state(vm, VM_DEAD);
		vm_domain_gone(vm, false);
		return;
	}
	if (err) {
		logmsg(LOG_WARNING, "%s: %s", vm_label(vm), ts_errmsg());
		return;
	}
	if (vm->state == VM_STOPPED || info.dying)
		return;
	if (info.shutdown) {
		vm_guest_ended(vm, info.shutdown_reason);
		return;
	}
	if (vm->state == VM_RUNNING && info.paused)
		vm_set_state(vm, VM_PAUSED);
	else if (vm->state == VM_PAUSED && !info.paused)
		vm_set_state(vm, VM_RUNNING);
}

static void scan_all(void)
{
	struct vm *vm, *next;

	for (vm = d.vms; vm; vm = next) {
		next = vm->next;	/* vm may go */
		vm_check(vm);
	}
	d.next_scan = now_ms() + SCAN_PERIOD_MS;
}

/*
 * The builder thread.
 */
static void run_job(struct job *j)
{
	struct build_params bp;
	struct build_image img;
	struct tdm_xs *xs = NULL;
	struct xsdom x;
	int err;

	memset(&bp, 0, sizeof(bp));
	bp.name = j->prof.name;
	bp.kernel = j->kernel;
	bp.initrd = j->initrd;
	bp.cmdline = j->prof.cmdline;
	bp.memory_mib = j->prof.memory_mib;
	bp.vcpus = j->prof.vcpus;
	bp.memory_where = j->mem_where;
	bp.log = build_log;
	memcpy(bp.uuid, j->uuid, 16);

	err = build_prepare(&bp, &img);
	if (err)
		goto out;
	err = d.hv->ops->build(d.hv, &bp, &img, &j->r);
	build_image_free(&img);
	if (err)
		goto out;
	xs = tdm_xs_open(d.store_path);
	if (!xs) {
		err = ts_fail_tdm(errno, "connect to the store (is tandem-store "
				  "running?)");
		goto out;
	}
	memset(&x, 0, sizeof(x));
	x.domid = j->r.domid;
	x.name = j->prof.name;
	x.profile = j->prof.path;
	memcpy(x.uuid, j->uuid, 16);
	x.target_kib = j->prof.memory_mib << 10;
	x.max_kib = x.target_kib + BUILD_MAXMEM_SLACK_KIB;
	x.vcpus = j->prof.vcpus;
	x.store_mfn = j->r.store_mfn;
	x.store_port = j->r.store_port;
	x.console_mfn = j->r.console_mfn;
	x.console_port = j->r.console_port;
	err = xsdom_write(xs, &x);
	if (err)
		goto out;
	err = d.hv->ops->introduce(d.hv, xs, &j->r);
out:
	if (err) {
		j->err = -err;
		snprintf(j->msg, sizeof(j->msg), "%s", ts_errmsg());
	}
	if (xs)
		tdm_xs_close(xs);
}

static void *builder_main(void *arg)
{
	struct job *j;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&d.jlock);
		while (!d.jobs && !d.stop)
			pthread_cond_wait(&d.jcond, &d.jlock);
		if (d.stop) {
			pthread_mutex_unlock(&d.jlock);
			return NULL;
		}
		j = d.jobs;
		d.jobs = j->next;
		pthread_mutex_unlock(&d.jlock);

		run_job(j);

		pthread_mutex_lock(&d.jlock);
		j->next = d.done;
		d.done = j;
		pthread_mutex_unlock(&d.jlock);
		if (write(d.wake_pipe[1], "b", 1) < 0)
			logmsg(LOG_ERR, "wake the main loop: %s",
			       strerror(errno));
	}
}

/* Paths of the images of a profile, checked now for a quick answer. */
static int job_images(struct job *j, const struct profile *p)
{
	int err;

	err = profile_image_path(d.images_dir, p->kernel, j->kernel,
				 sizeof(j->kernel));
	if (err)
		return err;
	if (access(j->kernel, R_OK) < 0)
		return ts_fail(errno, "VM '%s': kernel %s (%s:%u): %s (put the "
			       "kernel there, fix the profile, or start "
			       "tandemd with --images DIR)", p->name,
			       j->kernel, p->path, p->kernel_line,
			       strerror(errno));
	if (!p->initrd[0])
		return 0;
	err = profile_image_path(d.images_dir, p->initrd, j->initrd,
				 sizeof(j->initrd));
	if (err)
		return err;
	if (access(j->initrd, R_OK) < 0)
		return ts_fail(errno, "VM '%s': initrd %s (%s:%u): %s (put it "
			       "there, fix the profile, or start tandemd "
			       "with --images DIR)", p->name, j->initrd,
			       p->path, p->initrd_line, strerror(errno));
	return 0;
}

static struct job *job_new(const struct vm *vm)
{
	struct job *j = calloc(1, sizeof(*j));

	if (!j) {
		ts_fail(ENOMEM, "tandemd is out of memory");
		return NULL;
	}
	j->serial = vm->serial;
	j->prof = vm->prof;
	memcpy(j->uuid, vm->uuid, 16);
	snprintf(j->mem_where, sizeof(j->mem_where), "%s:%u", vm->prof.path,
		 vm->prof.memory_line);
	if (job_images(j, &vm->prof)) {
		free(j);
		return NULL;
	}
	return j;
}

static void job_submit(struct job *j)
{
	struct job **p;

	pthread_mutex_lock(&d.jlock);
	for (p = &d.jobs; *p; p = &(*p)->next)
		;
	*p = j;
	pthread_cond_signal(&d.jcond);
	pthread_mutex_unlock(&d.jlock);
}

/* Build (again) a restarting VM. */
static void queue_build(struct vm *vm)
{
	struct job *j;

	if (!vm->have_profile) {
		snprintf(vm->end_msg, sizeof(vm->end_msg), "%s: cannot "
			 "restart it: tandemd has no profile for it",
			 vm->prof.name);
		logmsg(LOG_ERR, "%s", vm->end_msg);
		vm_set_state(vm, VM_DEAD);
		vm_domain_gone(vm, false);
		return;
	}
	j = job_new(vm);
	if (!j) {
		snprintf(vm->end_msg, sizeof(vm->end_msg), "%s: cannot "
			 "restart it: %s", vm->prof.name, ts_errmsg());
		logmsg(LOG_ERR, "%s", vm->end_msg);
		vm_set_state(vm, VM_DEAD);
		vm_domain_gone(vm, false);
		return;
	}
	vm_set_state(vm, VM_BUILDING);
	job_submit(j);
}

static void build_finished(struct job *j)
{
	struct vm *vm = vm_by_serial(j->serial);
	const char *args[3];
	char id[16], msg[TS_ERRMSG_MAX + 128];
	int err;

	if (!vm) {	/* cannot happen: records outlive their builds */
		logmsg(LOG_ERR, "a build finished for a VM that is gone");
		return;
	}
	if (j->r.domid)
		vm->domid = j->r.domid;
	if (j->err) {
		logmsg(LOG_ERR, "%s: %s", vm->prof.name, j->msg);
		vm_destroy_domain(vm);
		snprintf(vm->end_msg, sizeof(vm->end_msg), "%s", j->msg);
		answer1(vm, W_BUILT, j->err, j->msg);
		answer1(vm, W_REBOOTED, j->err, j->msg);
		vm_set_state(vm, VM_DEAD);
		if (!vm->gone_domid)
			vm_domain_gone(vm, false);
		return;
	}
	if (vm->destroy_requested) {
		vm_kill(vm, "destroyed while it was being built");
		return;
	}
	err = d.hv->ops->unpause(d.hv, vm->domid);
	if (err) {
		snprintf(msg, sizeof(msg), "%s: %s", vm->prof.name,
			 ts_errmsg());
		answer1(vm, W_BUILT, -err, msg);
		answer1(vm, W_REBOOTED, -err, msg);
		vm_kill(vm, msg);
		return;
	}
	vm_set_state(vm, VM_RUNNING);
	snprintf(id, sizeof(id), "%u", vm->domid);
	snprintf(msg, sizeof(msg), "%s is running as dom%u (%llu MiB, %u "
		 "vCPU%s)", vm->prof.name, vm->domid,
		 (unsigned long long)vm->prof.memory_mib, vm->prof.vcpus,
		 vm->prof.vcpus == 1 ? "" : "s");
	args[0] = vm->prof.name;
	args[1] = id;
	args[2] = msg;
	answer(vm, W_BUILT, 0, args, 3);
	answer1(vm, W_REBOOTED, 0, msg);
}

static void builds_finished(void)
{
	struct job *list, *j;
	char buf[64];

	while (read(d.wake_pipe[0], buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&d.jlock);
	list = d.done;
	d.done = NULL;
	pthread_mutex_unlock(&d.jlock);
	while (list) {
		j = list;
		list = j->next;
		build_finished(j);
		free(j);
	}
}

/*
 * Creating a VM from a profile.
 */
static bool profile_candidate(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && strncmp(name, "README", 6) &&
	       name[n - 1] != '~' && !(n > 3 && !strcmp(name + n - 3, ".md"));
}

static void list_profiles(const char *dir, char *buf, size_t size)
{
	struct dirent **ents;
	size_t pos = 0;
	int n, i;

	buf[0] = '\0';
	n = scandir(dir, &ents, NULL, alphasort);
	for (i = 0; i < n; i++) {
		if (profile_candidate(ents[i]->d_name) &&
		    ents[i]->d_type != DT_DIR && pos < size) {
			int k = snprintf(buf + pos, size - pos, "%s%s",
					 pos ? ", " : "", ents[i]->d_name);

			if (k > 0)
				pos += (size_t)k;
		}
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
}

/* Start making a VM from a parsed profile: the new record, or NULL. */
static struct vm *vm_create(const struct profile *p)
{
	struct vm *vm, *other = vm_by_name(p->name);
	struct job *j;

	if (other) {
		ts_fail(EEXIST, "VM '%s' exists already (%s, %s; from %s): "
			"destroy it first, or give this profile another name",
			p->name, other->domid ? vm_label(other) : "no domain",
			vm_state_name(other->state), other->prof.path);
		return NULL;
	}
	vm = vm_new();
	if (!vm) {
		ts_fail(ENOMEM, "tandemd is out of memory");
		return NULL;
	}
	vm->prof = *p;
	vm->have_profile = true;
	if (build_uuid(vm->uuid) < 0) {
		vm_free(vm);
		return NULL;
	}
	j = job_new(vm);
	if (!j) {
		vm_free(vm);
		return NULL;
	}
	logmsg(LOG_INFO, "%s: creating from %s (%llu MiB, %u vCPUs)", p->name,
	       p->path, (unsigned long long)p->memory_mib, p->vcpus);
	job_submit(j);
	return vm;
}

static void req_create(struct client *c, uint32_t id, const char *arg)
{
	char path[PATH_MAX], known[1024];
	uint64_t host_mib;
	struct profile *p;
	struct vm *vm;

	if (!arg[0]) {
		reply_err(c, id, EINVAL, "create: no profile given");
		return;
	}
	if (strchr(arg, '/')) {
		snprintf(path, sizeof(path), "%s", arg);
	} else {
		if (!strcmp(arg, ".") || !strcmp(arg, "..") ||
		    snprintf(path, sizeof(path), "%s/%s", d.profiles_dir, arg) >=
		    (int)sizeof(path)) {
			reply_err(c, id, EINVAL, "bad profile name '%s'", arg);
			return;
		}
		if (access(path, F_OK) < 0) {
			list_profiles(d.profiles_dir, known, sizeof(known));
			reply_err(c, id, ENOENT, "no profile '%s' in %s (%s%s; "
				  "or give a path, such as ./%s)", arg,
				  d.profiles_dir, known[0] ? "there: " :
				  "it has none", known, arg);
			return;
		}
	}
	p = malloc(sizeof(*p));
	if (!p) {
		reply_err(c, id, ENOMEM, "tandemd is out of memory");
		return;
	}
	host_memory(&host_mib, NULL);
	if (profile_load(path, host_mib, p) < 0) {
		reply_err(c, id, errno, "%s", ts_errmsg());
		free(p);
		return;
	}
	vm = vm_create(p);
	free(p);
	if (!vm) {
		reply_err(c, id, errno, "%s", ts_errmsg());
		return;
	}
	wait_add(c, id, vm, W_BUILT, 0);
}

static void req_list(struct client *c, uint32_t id)
{
	const char *args[TS_MAX_ARGS];
	static char rec[TS_MAX_ARGS][PATH_MAX + 160];
	unsigned int n = 0;
	struct vm *vm;

	for (vm = d.vms; vm && n < TS_MAX_ARGS; vm = vm->next) {
		struct hv_dominfo info;
		uint64_t kib = vm->prof.memory_mib << 10, cpu = 0;
		unsigned int vcpus = vm->prof.vcpus;
		char dom[16] = "-";

		if (vm->state == VM_DEAD)
			continue;
		if (vm->domid) {
			snprintf(dom, sizeof(dom), "%u", vm->domid);
			if (d.hv->ops->getinfo(d.hv, vm->domid, &info) == 0) {
				kib = info.tot_kib;
				cpu = info.cpu_ns;
				vcpus = info.vcpus;
			}
		}
		snprintf(rec[n], sizeof(rec[n]), "%s\t%s\t%s\t%llu\t%u\t%llu\t%s",
			 vm->prof.name, dom, vm_state_name(vm->state),
			 (unsigned long long)kib, vcpus,
			 (unsigned long long)cpu, vm->prof.path);
		args[n] = rec[n];
		n++;
	}
	client_send(c, TS_REPLY_OK, id, args, n);
}

/* The host's memory, as "total_kib=N" and "free_kib=N". */
static void req_info(struct client *c, uint32_t id)
{
	static char rec[2][64];
	const char *args[2] = { rec[0], rec[1] };
	uint64_t total = 0, fr = 0;

	if (d.hv->ops->meminfo(d.hv, &total, &fr) < 0) {
		reply_err(c, id, EIO, "%s", ts_errmsg());
		return;
	}
	snprintf(rec[0], sizeof(rec[0]), "total_kib=%llu",
		 (unsigned long long)total);
	snprintf(rec[1], sizeof(rec[1]), "free_kib=%llu",
		 (unsigned long long)fr);
	client_send(c, TS_REPLY_OK, id, args, 2);
}

static void req_pause(struct client *c, uint32_t id, struct vm *vm,
		      bool pause)
{
	char msg[128];
	int err;

	if (pause && vm->state != VM_RUNNING &&
	    vm->state != VM_SHUTTING_DOWN) {
		reply_err(c, id, vm->state == VM_PAUSED ? EALREADY : EBUSY,
			  "%s is %s: only a running VM can be paused",
			  vm_label(vm), vm_state_name(vm->state));
		return;
	}
	if (!pause && vm->state != VM_PAUSED) {
		reply_err(c, id, EALREADY, "%s is %s, not paused", vm_label(vm),
			  vm_state_name(vm->state));
		return;
	}
	err = pause ? d.hv->ops->pause(d.hv, vm->domid) :
		      d.hv->ops->unpause(d.hv, vm->domid);
	if (err) {
		reply_err(c, id, -err, "%s", ts_errmsg());
		return;
	}
	vm_set_state(vm, pause ? VM_PAUSED : VM_RUNNING);
	snprintf(msg, sizeof(msg), "%s %s", vm_label(vm),
		 pause ? "paused" : "running again");
	reply_ok(c, id, msg);
}

static void req_shutdown(struct client *c, uint32_t id, struct vm *vm,
			 bool reboot, bool wait)
{
	const char *what = reboot ? "reboot" : "poweroff";
	char msg[160];
	int err;

	if (vm->state == VM_PAUSED) {
		reply_err(c, id, EBUSY, "%s is paused and cannot act on a %s "
			  "request: 'tandem unpause %s' first (or destroy it)",
			  vm_label(vm), what, vm->prof.name);
		return;
	}
	if (vm->state != VM_RUNNING && vm->state != VM_SHUTTING_DOWN) {
		reply_err(c, id, EBUSY, "%s is %s: nothing to %s",
			  vm_label(vm), vm_state_name(vm->state),
			  reboot ? "reboot" : "shut down");
		return;
	}
	err = xsdom_request_shutdown(d.xs, vm->domid, what);
	if (err) {
		reply_err(c, id, -err, "%s", ts_errmsg());
		return;
	}
	logmsg(LOG_INFO, "%s: asked the guest to %s", vm_label(vm),
	       reboot ? "reboot" : "power off");
	vm_set_state(vm, VM_SHUTTING_DOWN);
	if (wait) {
		wait_add(c, id, vm, reboot ? W_REBOOTED : W_ENDED,
			 WAIT_TIMEOUT_MS);
		return;
	}
	snprintf(msg, sizeof(msg), "asked %s to %s", vm_label(vm),
		 reboot ? "reboot" : "power off");
	reply_ok(c, id, msg);
}

static void req_destroy(struct client *c, uint32_t id, struct vm *vm)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "%s destroyed", vm_label(vm));
	if (vm->state == VM_BUILDING) {
		vm->destroy_requested = true;
		wait_add(c, id, vm, W_DESTROYED, 0);
		return;
	}
	if (vm->state == VM_RESTARTING) {
		/* The old domain is on its way out; don't build a new one. */
		vm_set_state(vm, VM_DEAD);
		snprintf(vm->end_msg, sizeof(vm->end_msg), "%s", msg);
		wait_add(c, id, vm, W_DESTROYED, 0);
		if (!vm->gone_domid)
			vm_domain_gone(vm, false);
		return;
	}
	wait_add(c, id, vm, W_DESTROYED, 0);
	if (vm_kill(vm, msg)) {
		char why[TS_ERRMSG_MAX];

		snprintf(why, sizeof(why), "%s", ts_errmsg());
		answer1(vm, W_DESTROYED, EIO, why);
	}
}

static void handle_request(struct client *c, const struct ts_hdr *h,
			   const char *payload)
{
	const char *args[TS_MAX_ARGS];
	const char *name = ts_type_name(h->type);
	unsigned int want = 1;
	struct vm *vm;
	bool wait = false;
	int n;

	n = ts_split(payload, h->len, args, TS_MAX_ARGS);
	if (n < 0) {
		logmsg(LOG_WARNING, "client pid %d: malformed request (%s)",
		       (int)c->pid, n == -EINVAL ? "strings not terminated" :
		       "too many strings");
		reply_err(c, h->id, EINVAL, "malformed request: %s",
			  n == -EINVAL ? "its strings are not NUL-terminated" :
			  "too many strings");
		return;
	}
	if (!name) {
		logmsg(LOG_WARNING, "client pid %d: unknown request type %u",
		       (int)c->pid, h->type);
		reply_err(c, h->id, EOPNOTSUPP, "unknown request type %u "
			  "(tandemd %s speaks protocol version %d)", h->type,
			  TANDEMD_VERSION, TS_VERSION);
		return;
	}
	logmsg(LOG_DEBUG, "client pid %d: %s%s%s", (int)c->pid, name,
	       n ? " " : "", n ? args[0] : "");
	switch (h->type) {
	case TS_REQ_PING:
	case TS_REQ_LIST:
	case TS_REQ_INFO:
		want = 0;
		break;
	case TS_REQ_SHUTDOWN:
	case TS_REQ_REBOOT:
		if (n == 2 && !strcmp(args[1], "wait")) {
			wait = true;
			want = 2;
		}
		break;
	default:
		break;
	}
	if ((unsigned int)n != want) {
		logmsg(LOG_WARNING, "client pid %d: %s with %d arguments",
		       (int)c->pid, name, n);
		reply_err(c, h->id, EINVAL, "%s takes %u argument%s, got %d",
			  name, want, want == 1 ? "" : "s", n);
		return;
	}
	switch (h->type) {
	case TS_REQ_PING:
		reply_ok(c, h->id, "tandemd " TANDEMD_VERSION);
		return;
	case TS_REQ_LIST:
		req_list(c, h->id);
		return;
	case TS_REQ_INFO:
		req_info(c, h->id);
		return;
	case TS_REQ_CREATE:
		req_create(c, h->id, args[0]);
		return;
	default:
		break;
	}
	vm = vm_find(args[0]);
	if (!vm) {
		reply_unknown_vm(c, h->id, args[0]);
		return;
	}
	switch (h->type) {
	case TS_REQ_PAUSE:
	case TS_REQ_UNPAUSE:
		req_pause(c, h->id, vm, h->type == TS_REQ_PAUSE);
		break;
	case TS_REQ_SHUTDOWN:
	case TS_REQ_REBOOT:
		req_shutdown(c, h->id, vm, h->type == TS_REQ_REBOOT, wait);
		break;
	case TS_REQ_DESTROY:
		req_destroy(c, h->id, vm);
		break;
	}
}

/*
 * Client connections.
 */
static void client_close(struct client *c)
{
	struct client **p;
	struct wait *w;

	for (w = d.waits; w; w = w->next)
		if (w->c == c)
			w->c = NULL;	/* the operation goes on */
	for (p = &d.clients; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	logmsg(LOG_DEBUG, "client pid %d: closed", (int)c->pid);
	close(c->fd);
	free(c->in);
	free(c->out);
	free(c);
	d.nr_clients--;
}

/* Bad framing: one error reply, then the connection ends. */
static void client_protocol_error(struct client *c, uint32_t id, int err,
				  const char *what)
{
	logmsg(LOG_WARNING, "client pid %d: %s; closing the connection",
	       (int)c->pid, what);
	reply_err(c, id, err, "protocol error: %s", what);
	c->closing = true;
	c->in_len = 0;
}

static void client_process(struct client *c)
{
	struct ts_hdr h;
	size_t whole;
	int ret;

	while (!c->closing && !c->dead && c->pending == 0) {
		ret = ts_check_header(c->in, c->in_len, &h);
		if (ret == 0)
			break;
		if (ret == -EPROTO) {
			client_protocol_error(c, 0, EPROTO, "bad magic number "
					      "(not a tandemd client?)");
			return;
		}
		if (ret == -EPROTONOSUPPORT) {
			char what[96];

			snprintf(what, sizeof(what), "protocol version %u "
				 "(tandemd speaks %d)", h.version, TS_VERSION);
			client_protocol_error(c, h.id, EPROTONOSUPPORT, what);
			return;
		}
		if (ret == -EMSGSIZE) {
			char what[96];

			snprintf(what, sizeof(what), "a %u-byte payload (at "
				 "most %d)", h.len, TS_MAX_PAYLOAD);
			client_protocol_error(c, h.id, EMSGSIZE, what);
			return;
		}
		whole = TS_HDR_SIZE + (size_t)h.len;
		if (c->in_len < whole)
			break;
		handle_request(c, &h, c->in + TS_HDR_SIZE);
		memmove(c->in, c->in + whole, c->in_len - whole);
		c->in_len -= whole;
	}
	c->partial_since = c->in_len ? (c->partial_since ? c->partial_since :
					now_ms()) : 0;
}

static void client_read(struct client *c)
{
	ssize_t n;

	n = read(c->fd, c->in + c->in_len, CLIENT_IN_MAX - c->in_len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		c->dead = true;
		return;
	}
	c->in_len += (size_t)n;
	client_process(c);
}

static void client_write(struct client *c)
{
	ssize_t n;

	n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		c->dead = true;
		return;
	}
	memmove(c->out, c->out + n, c->out_len - (size_t)n);
	c->out_len -= (size_t)n;
}

static void accept_client(void)
{
	struct ucred cred;
	struct client *c;
	int fd;

	fd = tdm_accept_local(d.listen_fd, &cred);
	if (fd == -EACCES)
		logmsg(LOG_WARNING, "%s", tdm_errmsg());
	if (fd < 0)
		return;
	if (d.nr_clients >= MAX_CLIENTS) {
		logmsg(LOG_WARNING, "refused client pid %d: %d clients "
		       "already", (int)cred.pid, MAX_CLIENTS);
		close(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (c)
		c->in = malloc(CLIENT_IN_MAX);
	if (!c || !c->in) {
		free(c);
		close(fd);
		return;
	}
	c->fd = fd;
	c->pid = cred.pid;
	c->next = d.clients;
	d.clients = c;
	d.nr_clients++;
	logmsg(LOG_DEBUG, "client pid %d: connected", (int)c->pid);
}

/*
 * Startup: the socket, domains that are ours already, autostart.
 */

/* Domains that a previous tandemd made are ours again. */
static void adopt_domains(void)
{
	struct hv_dominfo *info;
	uint64_t host_mib;
	int n, i;

	info = calloc(MAX_DOMAINS, sizeof(*info));
	if (!info)
		return;
	n = d.hv->ops->list(d.hv, info, MAX_DOMAINS);
	if (n < 0)
		logmsg(LOG_WARNING, "%s", ts_errmsg());
	host_memory(&host_mib, NULL);
	for (i = 0; i < n; i++) {
		char path[96], *name, *prof;
		struct vm *vm;

		if (info[i].domid == 0 || info[i].dying)
			continue;
		snprintf(path, sizeof(path), XSDOM_TOOL_PATH "/%u/name",
			 info[i].domid);
		name = tdm_xs_read(d.xs, 0, path, NULL);
		if (!name)
			continue;	/* not made by us */
		snprintf(path, sizeof(path), XSDOM_TOOL_PATH "/%u/profile",
			 info[i].domid);
		prof = tdm_xs_read(d.xs, 0, path, NULL);
		vm = vm_new();
		if (!vm) {
			free(name);
			free(prof);
			break;
		}
		if (prof && prof[0] && profile_load(prof, host_mib,
						    &vm->prof) == 0 &&
		    !strcmp(vm->prof.name, name)) {
			vm->have_profile = true;
		} else {
			logmsg(LOG_WARNING, "dom%u ('%s'): its profile %s is "
			       "gone or changed (%s): adopted without it "
			       "(it will not be restarted)", info[i].domid,
			       name, prof ? prof : "?",
			       prof ? ts_errmsg() : "not recorded");
			memset(&vm->prof, 0, sizeof(vm->prof));
			snprintf(vm->prof.name, sizeof(vm->prof.name), "%s",
				 name);
			snprintf(vm->prof.path, sizeof(vm->prof.path), "%s",
				 prof ? prof : "");
			vm->prof.memory_mib = info[i].tot_kib >> 10;
			vm->prof.vcpus = info[i].vcpus;
		}
		vm->domid = info[i].domid;
		memcpy(vm->uuid, info[i].handle, 16);
		vm->state = info[i].paused ? VM_PAUSED : VM_RUNNING;
		logmsg(LOG_INFO, "adopted %s (%s)", vm_label(vm),
		       vm_state_name(vm->state));
		free(name);
		free(prof);
	}
	free(info);
}

static void autostart(const char *dir)
{
	struct dirent **ents;
	struct profile *seen;
	uint64_t host_mib;
	int n, i, k, nseen = 0;

	n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0) {
		logmsg(LOG_ERR, "autostart: %s: %s", dir, strerror(errno));
		return;
	}
	seen = calloc((size_t)n + 1, sizeof(*seen));
	host_memory(&host_mib, NULL);
	for (i = 0; i < n; i++) {
		char path[PATH_MAX];
		struct profile *p = seen ? &seen[nseen] : NULL;
		struct stat st;

		if (!p || !profile_candidate(ents[i]->d_name) ||
		    snprintf(path, sizeof(path), "%s/%s", dir,
			     ents[i]->d_name) >= (int)sizeof(path) ||
		    stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (profile_load(path, host_mib, p) < 0) {
			logmsg(LOG_ERR, "autostart: %s", ts_errmsg());
			continue;
		}
		for (k = 0; k < nseen; k++)
			if (!strcmp(seen[k].name, p->name))
				break;
		if (k < nseen) {
			logmsg(LOG_ERR, "autostart: %s:%u: name '%s' is "
			       "already used by %s; skipping it", path,
			       p->name_line, p->name, seen[k].path);
			continue;
		}
		nseen++;
		if (!p->autostart)
			continue;
		if (vm_by_name(p->name)) {
			logmsg(LOG_INFO, "autostart: %s runs already",
			       p->name);
			continue;
		}
		if (!vm_create(p))
			logmsg(LOG_ERR, "autostart: %s", ts_errmsg());
	}
	for (i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	free(seen);
}

/*
 * The main loop.
 */
static void on_signal(int sig)
{
	int saved = errno;
	ssize_t ret;

	(void)sig;
	quit = 1;
	/* Wake poll(); if the pipe is full, the flag is enough. */
	ret = write(d.sig_pipe[1], "s", 1);
	(void)ret;
	errno = saved;
}

static void drain_watches(void)
{
	struct tdm_xs_event *ev;
	int ret;

	while ((ret = tdm_xs_read_watch(d.xs, &ev)) > 0) {
		logmsg(LOG_DEBUG, "store: %s fired", ev->path);
		free(ev);
	}
	if (ret < 0 && ret != -ENOBUFS)
		logmsg(LOG_ERR, "store watch: %s", tdm_errmsg());
}

static long next_timeout(void)
{
	long now = now_ms(), t = d.next_scan - now;
	struct client *c;
	struct wait *w;
	struct vm *vm;

	for (vm = d.vms; vm; vm = vm->next)
		if (vm->gone_domid)
			t = t > 100 ? 100 : t;	/* poll the dying */
	for (w = d.waits; w; w = w->next)
		if (w->deadline && w->deadline - now < t)
			t = w->deadline - now;
	for (c = d.clients; c; c = c->next)
		if (c->partial_since &&
		    c->partial_since + PARTIAL_TIMEOUT_MS - now < t)
			t = c->partial_since + PARTIAL_TIMEOUT_MS - now;
	return t < 0 ? 0 : t;
}

static void timers(void)
{
	long now = now_ms();
	struct vm *vm, *vnext;
	struct wait *w, *wnext;
	struct client *c;

	for (vm = d.vms; vm; vm = vnext) {
		struct hv_dominfo info;

		vnext = vm->next;
		if (!vm->gone_domid)
			continue;
		if (d.hv->ops->getinfo(d.hv, vm->gone_domid, &info) == -ESRCH)
			vm_domain_gone(vm, false);
		else if (now >= vm->gone_deadline)
			vm_domain_gone(vm, true);
	}
	for (w = d.waits; w; w = wnext) {
		wnext = w->next;
		if (!w->deadline || now < w->deadline)
			continue;
		reply_err(w->c, w->id, ETIMEDOUT, "%s did not %s within %d s "
			  "(it may ignore the request: 'tandem destroy %s' "
			  "stops it at once)", vm_label(w->vm),
			  w->kind == W_REBOOTED ? "reboot" : "shut down",
			  WAIT_TIMEOUT_MS / 1000, w->vm->prof.name);
		wait_done(w);
	}
	for (c = d.clients; c; c = c->next) {
		if (c->partial_since && !c->pending &&
		    now - c->partial_since >= PARTIAL_TIMEOUT_MS) {
			logmsg(LOG_WARNING, "client pid %d: sent part of a "
			       "request and stopped; closing", (int)c->pid);
			c->dead = true;
		}
	}
	if (now >= d.next_scan)
		scan_all();
}

static int serve(void)
{
	struct pollfd *pfd;
	struct client *c, *next;
	int hv_fd, xs_fd;

	pfd = calloc(MAX_CLIENTS + 5, sizeof(*pfd));
	if (!pfd)
		return -1;
	hv_fd = d.hv->ops->event_fd(d.hv);
	xs_fd = tdm_xs_fd(d.xs);
	while (!quit) {
		unsigned int n = 0, i;
		long t = next_timeout();

		pfd[n++] = (struct pollfd){ .fd = d.listen_fd,
			.events = d.nr_clients < MAX_CLIENTS ? POLLIN : 0 };
		pfd[n++] = (struct pollfd){ .fd = d.sig_pipe[0],
					    .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = d.wake_pipe[0],
					    .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = xs_fd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = hv_fd, .events = POLLIN };
		for (c = d.clients; c; c = c->next) {
			short ev = 0;

			if (!c->closing && !c->pending &&
			    c->in_len < CLIENT_IN_MAX)
				ev |= POLLIN;
			if (c->out_len)
				ev |= POLLOUT;
			pfd[n++] = (struct pollfd){ .fd = c->fd, .events = ev };
		}
		if (poll(pfd, n, (int)(t > 60000 ? 60000 : t)) < 0 &&
		    errno != EINTR) {
			logmsg(LOG_ERR, "poll: %s", strerror(errno));
			break;
		}
		if (pfd[2].revents)
			builds_finished();
		if (pfd[3].revents || pfd[4].revents) {
			if (pfd[4].revents)
				d.hv->ops->event_ack(d.hv);
			if (pfd[3].revents)
				drain_watches();
			scan_all();
		}
		i = 5;
		for (c = d.clients; c; c = c->next, i++) {
			if (pfd[i].revents & POLLOUT)
				client_write(c);
			if (pfd[i].revents & POLLIN)
				client_read(c);
			else if (pfd[i].revents & (POLLHUP | POLLERR) &&
				 !c->out_len)
				c->dead = true;
		}
		if (pfd[0].revents & POLLIN)
			accept_client();
		timers();
		for (c = d.clients; c; c = next) {
			next = c->next;
			/* A client freed of its wait may have more to say. */
			if (!c->dead && !c->pending && c->in_len)
				client_process(c);
			if (c->dead || (c->closing && !c->out_len))
				client_close(c);
		}
	}
	free(pfd);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: tandemd [OPTION]...\n"
"The Tandem toolstack daemon: builds and runs VMs from profiles and\n"
"serves the 'tandem' command.\n"
"\n"
"  --socket PATH     listen here (default " TS_SOCKET_DEFAULT ")\n"
"  --store PATH      the store daemon's socket (default: libtandem's)\n"
"  --profiles DIR    where 'tandem create NAME' looks (default "
PROFILES_DEFAULT ")\n"
"  --images DIR      relative kernel/initrd paths start here (default\n"
"                    " IMAGES_DEFAULT ")\n"
"  --autostart DIR   at start, create every profile in DIR marked\n"
"                    'autostart = yes'\n"
"  --log FILE        log here (default: standard error)\n"
"  --pidfile FILE    write our pid here once we serve\n"
"  --simulate MIB    no hypervisor: simulated domains in MIB of memory\n"
"                    (for tests; the store must run with --no-xen)\n"
"  -v                log more\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "store", required_argument, NULL, 'S' },
		{ "profiles", required_argument, NULL, 'p' },
		{ "images", required_argument, NULL, 'i' },
		{ "autostart", required_argument, NULL, 'a' },
		{ "log", required_argument, NULL, 'l' },
		{ "pidfile", required_argument, NULL, 'P' },
		{ "simulate", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sigaction sa;
	int opt, ret = 1;

	d.log = stderr;
	d.socket_path = TS_SOCKET_DEFAULT;
	d.profiles_dir = PROFILES_DEFAULT;
	d.images_dir = IMAGES_DEFAULT;
	while ((opt = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			d.socket_path = optarg;
			break;
		case 'S':
			d.store_path = optarg;
			break;
		case 'p':
			d.profiles_dir = optarg;
			break;
		case 'i':
			d.images_dir = optarg;
			break;
		case 'a':
			d.autostart_dir = optarg;
			break;
		case 'l':
			d.log_path = optarg;
			break;
		case 'P':
			d.pidfile = optarg;
			break;
		case 'm':
			d.simulate_mib = strtoull(optarg, NULL, 10);
			if (d.simulate_mib < 64) {
				fprintf(stderr, "tandemd: --simulate needs at "
					"least 64 (MiB)\n");
				return 2;
			}
			break;
		case 'v':
			d.verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (d.log_path) {
		d.log = fopen(d.log_path, "a");
		if (!d.log) {
			fprintf(stderr, "tandemd: log %s: %s\n", d.log_path,
				strerror(errno));
			return 1;
		}
	}
	if (pipe2(d.wake_pipe, O_NONBLOCK | O_CLOEXEC) < 0 ||
	    pipe2(d.sig_pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
		logmsg(LOG_ERR, "pipe: %s", strerror(errno));
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	d.xs = tdm_xs_open(d.store_path);
	if (!d.xs) {
		logmsg(LOG_ERR, "%s (start tandem-store first)", tdm_errmsg());
		return 1;
	}
	if (tdm_xs_watch(d.xs, "@releaseDomain", "release") < 0) {
		logmsg(LOG_ERR, "watch @releaseDomain: %s", tdm_errmsg());
		goto out_xs;
	}
	if (d.simulate_mib)
		ret = hv_fake_open(&d.hv, d.store_path, d.simulate_mib, logmsg);
	else
		ret = hv_xen_open(&d.hv, logmsg);
	if (ret < 0) {
		logmsg(LOG_ERR, "%s%s", ts_errmsg(), d.simulate_mib ? "" :
		       " (for a test without Xen, use --simulate MIB)");
		ret = 1;
		goto out_xs;
	}
	ret = 1;
	d.listen_fd = tdm_listen_unix(d.socket_path, 16);
	if (d.listen_fd < 0) {
		logmsg(LOG_ERR, "%s", tdm_errmsg());
		goto out_hv;
	}
	if (pthread_create(&d.builder, NULL, builder_main, NULL)) {
		logmsg(LOG_ERR, "cannot start the builder thread");
		goto out_sock;
	}
	d.builder_started = true;
	adopt_domains();
	if (d.autostart_dir)
		autostart(d.autostart_dir);
	scan_all();
	if (d.pidfile && tdm_write_pidfile(d.pidfile) < 0)
		logmsg(LOG_WARNING, "%s", tdm_errmsg());
	logmsg(LOG_INFO, "serving on %s (hypervisor: %s, profiles: %s, "
	       "images: %s)", d.socket_path, d.hv->ops->name, d.profiles_dir,
	       d.images_dir);
	ret = serve() < 0 ? 1 : 0;
	logmsg(LOG_INFO, "stopping (the VMs keep running)");
	while (d.waits) {
		reply_err(d.waits->c, d.waits->id, ESHUTDOWN, "tandemd is "
			  "stopping");
		wait_done(d.waits);
	}
	while (d.clients) {
		client_write(d.clients);
		client_close(d.clients);
	}
	pthread_mutex_lock(&d.jlock);
	d.stop = true;
	pthread_cond_signal(&d.jcond);
	pthread_mutex_unlock(&d.jlock);
	pthread_join(d.builder, NULL);
out_sock:
	close(d.listen_fd);
	unlink(d.socket_path);
	if (d.pidfile)
		unlink(d.pidfile);
out_hv:
	d.hv->ops->close(d.hv);
out_xs:
	tdm_xs_close(d.xs);
	return ret;
}
