// SPDX-License-Identifier: MIT
/*
 * Host integration test of tandemd: the real daemon on a simulated
 * hypervisor (--simulate), with the real store daemon (--no-xen), driven
 * over its socket like the tandem command does, and by the tandem
 * command itself. Covers the VM life cycle (create, list, pause, shutdown,
 * reboot, crash with preserve and restart, destroy), the store entries
 * and their permissions, autostart, the errors a user meets, and hostile
 * clients: the daemon must answer each with an error and keep serving.
 *
 *	test_toolstack_daemon TANDEM-STORE TANDEMD TANDEM
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libtandem/error.h>
#include <libtandem/xs.h>

#include "proto.h"
#include "ts_error.h"

#include "check.h"

static char dir[64], store_sock[128], ts_sock[128], profiles[128];
static char images[128], store_log[128], ts_log[128];
static const char *tandemd_bin, *tandem_bin;
static pid_t store_pid, daemon_pid;

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fwrite(data, 1, len, f);
		fclose(f);
	}
}

static void profile(const char *file, const char *fmt, ...)
{
	char path[256], text[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/%s", profiles, file);
	write_file(path, text, (size_t)n);
}

/* A minimal PV kernel: ELF, one segment at paddr, Xen notes. */
static void put_note(FILE *f, uint32_t type, const void *d, uint32_t n)
{
	uint32_t h[3] = { 4, n, type };
	static const char zero[4];

	fwrite(h, 4, 3, f);
	fwrite("Xen", 1, 4, f);
	fwrite(d, 1, n, f);
	fwrite(zero, 1, (4 - n % 4) % 4, f);
}

static void write_kernel(const char *name, uint64_t paddr)
{
	const uint64_t base = 0xffffffff80000000ull;
	char path[256];
	uint64_t v;
	FILE *f;
	uint8_t eh[64] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
	uint64_t ph[2][7];
	uint32_t ph_tf[2][2] = { { 1, 7 }, { 4, 4 } };
	long notes_at = 64 + 2 * 56, notes_end, i;

	snprintf(path, sizeof(path), "%s/%s", images, name);
	f = fopen(path, "w");
	if (!f)
		return;
	eh[16] = 2;			/* ET_EXEC */
	eh[18] = 62;			/* x86-64 */
	eh[20] = 1;
	v = paddr;
	memcpy(eh + 24, &v, 8);		/* e_entry */
	v = 64;
	memcpy(eh + 32, &v, 8);		/* e_phoff */
	eh[52] = 64;
	eh[54] = 56;
	eh[56] = 2;
	fwrite(eh, 1, 64, f);
	fwrite(ph, 1, sizeof(ph), f);	/* filled in below */
	put_note(f, 6, "linux", 6);
	put_note(f, 5, "xen-3.0", 8);
	put_note(f, 8, "generic", 8);
	v = base;
	put_note(f, 3, &v, 8);
	v = 0;
	put_note(f, 4, &v, 8);
	v = base + paddr;
	put_note(f, 1, &v, 8);		/* ENTRY */
	v = 0x8000000000ull;
	put_note(f, 15, &v, 8);
	put_note(f, 16, "\1\0\0\0", 4);
	notes_end = ftell(f);
	for (i = notes_end; i < 0x1000; i++)
		fputc(0, f);
	for (i = 0; i < 0x2000; i++)
		fputc((int)(i & 0xff), f);
	/* PT_LOAD: 8 KiB of code and 8 KiB of bss at paddr. */
	ph[0][0] = ph_tf[0][0] | (uint64_t)ph_tf[0][1] << 32;
	ph[0][1] = 0x1000;
	ph[0][2] = base + paddr;
	ph[0][3] = paddr;
	ph[0][4] = 0x2000;
	ph[0][5] = 0x4000;
	ph[0][6] = 0x1000;
	ph[1][0] = ph_tf[1][0] | (uint64_t)ph_tf[1][1] << 32;
	ph[1][1] = (uint64_t)notes_at;
	ph[1][2] = 0;
	ph[1][3] = 0;
	ph[1][4] = (uint64_t)(notes_end - notes_at);
	ph[1][5] = ph[1][4];
	ph[1][6] = 4;
	fseek(f, 64, SEEK_SET);
	fwrite(ph, 1, sizeof(ph), f);
	fclose(f);
}

static bool start(const char *what, pid_t *pid, const char *pidfile,
		  char *const argv[])
{
	int i;

	unlink(pidfile);
	*pid = fork();
	if (*pid == 0) {
		execv(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	for (i = 0; i < 200; i++) {
		if (access(pidfile, F_OK) == 0)
			return true;
		if (waitpid(*pid, NULL, WNOHANG) == *pid)
			break;
		sleep_ms(25);
	}
	printf("# %s did not start\n", what);
	return false;
}

static bool start_store(const char *bin)
{
	char pidfile[160];
	char *argv[] = { (char *)bin, "--no-xen", "--socket", store_sock,
			 "--pidfile", pidfile, "--log", store_log, NULL };

	snprintf(pidfile, sizeof(pidfile), "%s/store.pid", dir);
	return start("tandem-store", &store_pid, pidfile, argv);
}

static bool start_daemon(void)
{
	char pidfile[160];
	char *argv[] = { (char *)tandemd_bin, "--simulate", "1024",
			 "--store", store_sock, "--socket", ts_sock,
			 "--profiles", profiles, "--images", images,
			 "--autostart", profiles, "--log", ts_log,
			 "--pidfile", pidfile, "-v", NULL };

	snprintf(pidfile, sizeof(pidfile), "%s/tandemd.pid", dir);
	return start("tandemd", &daemon_pid, pidfile, argv);
}

static void show_log(const char *path)
{
	char line[1024];
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	printf("--- %s ---\n", path);
	while (fgets(line, sizeof(line), f))
		printf("%s", line);
	fclose(f);
}

static bool log_has(const char *path, const char *text)
{
	char line[2048];
	FILE *f = fopen(path, "r");
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, text) != NULL;
	fclose(f);
	return found;
}

/* One request on a new connection; reply strings joined by '|'. */
static unsigned int rtype;
static char reply[TS_MAX_PAYLOAD + 64];

static int req(unsigned int type, const char *a0, const char *a1)
{
	const char *args[2] = { a0, a1 }, *out[TS_MAX_ARGS];
	unsigned int n = a1 ? 2 : a0 ? 1 : 0;
	char *payload = NULL;
	size_t len, pos = 0;
	int fd, ret, k, i;

	reply[0] = '\0';
	fd = ts_connect(ts_sock);
	if (fd < 0)
		return fd;
	ret = ts_call(fd, type, args, n, 20000, &rtype, &payload, &len);
	close(fd);
	if (ret < 0)
		return ret;
	k = ts_split(payload, len, out, TS_MAX_ARGS);
	for (i = 0; i < k; i++)
		pos += (size_t)snprintf(reply + pos, sizeof(reply) - pos,
					"%s%s", i ? "|" : "", out[i]);
	free(payload);
	return rtype == TS_REPLY_OK ? 0 : -1;
}

static bool ok_reply(unsigned int type, const char *a0, const char *a1,
		     const char *part)
{
	int ret = req(type, a0, a1);

	if (ret || (part && !strstr(reply, part))) {
		printf("# %d: %s\n", ret, ret < -1 ? ts_errmsg() : reply);
		return false;
	}
	return true;
}

static bool err_reply(unsigned int type, const char *a0, const char *a1,
		      int err, const char *part)
{
	char num[16];
	int ret = req(type, a0, a1);

	snprintf(num, sizeof(num), "%d|", err);
	if (ret != -1 || strncmp(reply, num, strlen(num)) ||
	    (part && !strstr(reply, part))) {
		printf("# %d: %s\n", ret, reply);
		return false;
	}
	return true;
}

/* The list's record of a VM ("" if it has none). */
static const char *record(const char *name)
{
	static char rec[1024];
	char *s, *e;

	rec[0] = '\0';
	if (req(TS_REQ_LIST, NULL, NULL))
		return rec;
	for (s = reply; s && *s; s = e ? e + 1 : NULL) {
		e = strchr(s, '|');
		if (!strncmp(s, name, strlen(name)) && s[strlen(name)] == '\t') {
			snprintf(rec, sizeof(rec), "%.*s",
				 (int)(e ? e - s : (long)strlen(s)), s);
			break;
		}
	}
	return rec;
}

static bool wait_record(const char *name, const char *part, int ms)
{
	for (; ms > 0; ms -= 50) {
		const char *r = record(name);

		if (part ? strstr(r, part) != NULL : !r[0])
			return true;
		sleep_ms(50);
	}
	return false;
}

static unsigned int domid_of(const char *name)
{
	const char *r = strchr(record(name), '\t');

	return r ? (unsigned int)atoi(r + 1) : 0;
}

static void setup(void)
{
	write_kernel("vmlinuz", 0x1000000);
	write_kernel("vmlinuz-fat", 0x2000000);
	{
		char path[256];

		snprintf(path, sizeof(path), "%s/initrd.cpio", images);
		write_file(path, "070701-not-really-an-archive", 28);
	}
	profile("vm1", "name = vm1\nkernel = vmlinuz\ninitrd = initrd.cpio\n"
		"cmdline = console=hvc0\nmemory = 256\nvcpus = 2\n"
		"on_crash = preserve\n");
	profile("vm2", "name = vm2\nkernel = vmlinuz\nmemory = 600M\n"
		"on_crash = restart\n");
	profile("big", "name = big\nkernel = vmlinuz\nmemory = 600\n");
	profile("huge", "name = huge\nkernel = vmlinuz\nmemory = 2G\n");
	profile("tiny", "name = tiny\nkernel = vmlinuz-fat\nmemory = 32\n");
	profile("bad", "name = bad\nkernel = vmlinuz\ncolour = blue\n"
		"memory = 64\n");
	profile("lost", "name = lost\nkernel = no-such-kernel\nmemory = 64\n");
	profile("auto1", "# started by --autostart\nname = auto1\n"
		"kernel = vmlinuz\nmemory = 64\nautostart = yes\n");
	profile("auto2", "name = auto1\nkernel = vmlinuz\nmemory = 64\n"
		"autostart = yes\n");
	profile("README.md", "not a profile\n");
}

static void life_cycle(void)
{
	unsigned int f0 = check_failures(), d1, d2;
	struct tdm_xs *xs = tdm_xs_open(store_sock);
	struct tdm_xs_perm *perms;
	unsigned int n;
	char path[256], *v;

	CHECK(ok_reply(TS_REQ_PING, NULL, NULL, "tandemd "), "ping: %s",
	      reply);
	CHECK(wait_record("auto1", "\trunning\t", 5000),
	      "autostart created auto1");
	CHECK(log_has(ts_log, "auto2:1: name 'auto1' is already used by"),
	      "a second profile with the same name is refused in the log");
	CHECK(ok_reply(TS_REQ_DESTROY, "auto1", NULL, "destroyed"),
	      "destroy auto1");

	CHECK(ok_reply(TS_REQ_CREATE, "vm1", NULL, "vm1 is running as dom"),
	      "create vm1: %s", reply);
	d1 = domid_of("vm1");
	CHECK(d1 > 0, "vm1 is dom%u", d1);
	CHECK(strstr(record("vm1"), "\trunning\t262144\t2\t") &&
	      strstr(record("vm1"), "/vm1"), "list: %s", record("vm1"));

	snprintf(path, sizeof(path), "/local/domain/%u/name", d1);
	v = tdm_xs_read(xs, 0, path, NULL);
	CHECK(v && !strcmp(v, "vm1"), "the store has its name");
	free(v);
	snprintf(path, sizeof(path), "/local/domain/%u", d1);
	perms = tdm_xs_get_perms(xs, 0, path, &n);
	CHECK(perms && n == 2 && perms[0].domid == 0 &&
	      perms[0].perms == TDM_XS_PERM_NONE && perms[1].domid == d1 &&
	      perms[1].perms == TDM_XS_PERM_READ,
	      "its home is dom0's, readable by the guest");
	free(perms);
	snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown", d1);
	perms = tdm_xs_get_perms(xs, 0, path, &n);
	CHECK(perms && n == 1 && perms[0].domid == d1,
	      "control/shutdown is the guest's");
	free(perms);
	snprintf(path, sizeof(path), "/local/domain/%u/memory/target", d1);
	v = tdm_xs_read(xs, 0, path, NULL);
	CHECK(v && !strcmp(v, "262144"), "memory/target in KiB");
	free(v);
	snprintf(path, sizeof(path),
		 "/local/domain/0/backend/console/%u/0/frontend", d1);
	v = tdm_xs_read(xs, 0, path, NULL);
	CHECK(v && strstr(v, "/console"), "the console backend entry");
	free(v);

	CHECK(ok_reply(TS_REQ_PAUSE, "vm1", NULL, "paused") &&
	      strstr(record("vm1"), "\tpaused\t"), "pause");
	CHECK(err_reply(TS_REQ_PAUSE, "vm1", NULL, EALREADY, "only a running"),
	      "pause twice");
	CHECK(err_reply(TS_REQ_SHUTDOWN, "vm1", NULL, EBUSY, "unpause"),
	      "a paused VM cannot shut down: %s", reply);
	CHECK(ok_reply(TS_REQ_UNPAUSE, "vm1", NULL, "running again"),
	      "unpause");
	CHECK(err_reply(TS_REQ_UNPAUSE, "vm1", NULL, EALREADY, "not paused"),
	      "unpause twice");
	snprintf(path, sizeof(path), "%u", d1);
	CHECK(ok_reply(TS_REQ_PAUSE, path, NULL, "paused") &&
	      ok_reply(TS_REQ_UNPAUSE, path, NULL, NULL), "by domain id");
	CHECK(err_reply(TS_REQ_CREATE, "vm1", NULL, EEXIST,
			"exists already"), "create it twice: %s", reply);
	CHECK(err_reply(TS_REQ_PAUSE, "nosuch", NULL, ESRCH,
			"no VM 'nosuch' (known VMs: vm1 (dom"),
	      "an unknown VM lists the known ones: %s", reply);

	CHECK(ok_reply(TS_REQ_SHUTDOWN, "vm1", "wait",
		       "powered off; on_poweroff=destroy"),
	      "shutdown --wait: %s", reply);
	CHECK(!record("vm1")[0], "gone from the list");
	snprintf(path, sizeof(path), "/local/domain/%u", d1);
	CHECK(!tdm_xs_read(xs, 0, path, NULL) && errno == ENOENT,
	      "its store entries are gone");
	snprintf(path, sizeof(path), "/tool/tandem/domain/%u", d1);
	CHECK(!tdm_xs_read(xs, 0, path, NULL), "and ours");
	CHECK(log_has(ts_log, "MiB went back to the hypervisor"),
	      "the memory came back (log)");

	CHECK(ok_reply(TS_REQ_CREATE, "vm1", NULL, NULL), "create vm1 again");
	d1 = domid_of("vm1");
	CHECK(ok_reply(TS_REQ_REBOOT, "vm1", "wait", "is running as dom"),
	      "reboot --wait: %s", reply);
	d2 = domid_of("vm1");
	CHECK(d2 && d2 != d1 && strstr(record("vm1"), "\trunning\t"),
	      "a new domain (dom%u -> dom%u), running", d1, d2);
	snprintf(path, sizeof(path), "/local/domain/%u", d1);
	CHECK(!tdm_xs_read(xs, 0, path, NULL), "the old one's entries gone");

	snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown", d2);
	tdm_xs_write_str(xs, 0, path, "crash");
	CHECK(wait_record("vm1", "\tstopped\t", 5000),
	      "a crash with on_crash=preserve: kept, stopped");
	CHECK(err_reply(TS_REQ_UNPAUSE, "vm1", NULL, EALREADY, NULL) &&
	      err_reply(TS_REQ_SHUTDOWN, "vm1", NULL, EBUSY, "stopped"),
	      "a stopped VM cannot be unpaused or shut down");
	CHECK(ok_reply(TS_REQ_DESTROY, "vm1", NULL, "destroyed") &&
	      !record("vm1")[0], "destroy it");

	CHECK(ok_reply(TS_REQ_CREATE, "vm2", NULL, NULL), "create vm2");
	d1 = domid_of("vm2");
	snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown", d1);
	tdm_xs_write_str(xs, 0, path, "crash");
	CHECK(wait_record("vm2", "\trunning\t", 5000) && domid_of("vm2") != d1,
	      "a crash with on_crash=restart: a new domain (dom%u)",
	      domid_of("vm2"));

	CHECK(err_reply(TS_REQ_CREATE, "big", NULL, ENOMEM,
			"not enough free memory for VM 'big': it needs 601 "
			"MiB, the hypervisor has 360 MiB free"),
	      "too little free memory: %s", reply);
	CHECK(err_reply(TS_REQ_CREATE, "huge", NULL, EINVAL,
			"huge:3: memory 2048 MiB is more than this host has"),
	      "more memory than the host: %s", reply);
	CHECK(err_reply(TS_REQ_CREATE, "tiny", NULL, ENOMEM,
			"too little memory to boot"),
	      "too little memory for the kernel: %s", reply);
	CHECK(err_reply(TS_REQ_CREATE, "bad", NULL, EINVAL,
			"bad:3: unknown key 'colour'"), "a bad profile: %s",
	      reply);
	CHECK(err_reply(TS_REQ_CREATE, "lost", NULL, ENOENT,
			"no-such-kernel (") && strstr(reply, "lost:2)") &&
	      strstr(reply, "--images"), "a missing kernel: %s", reply);
	CHECK(err_reply(TS_REQ_CREATE, "nothere", NULL, ENOENT,
			"no profile 'nothere' in ") && strstr(reply, "vm1, vm2"),
	      "an unknown profile lists the profiles: %s", reply);
	snprintf(path, sizeof(path), "%s/vm1", profiles);
	CHECK(ok_reply(TS_REQ_CREATE, path, NULL, "vm1 is running"),
	      "create by path");

	/* Crash vm2 again and again: restarts stop after five. */
	for (n = 0; n < 8; n++) {
		unsigned int t;

		d1 = domid_of("vm2");
		if (!d1 || !strstr(record("vm2"), "\trunning\t"))
			break;
		snprintf(path, sizeof(path),
			 "/local/domain/%u/control/shutdown", d1);
		tdm_xs_write_str(xs, 0, path, "crash");
		/* Wait for a new domain, or for the VM to be gone. */
		for (t = 0; t < 100; t++) {
			d2 = domid_of("vm2");
			if (!record("vm2")[0] || (d2 && d2 != d1 &&
			    strstr(record("vm2"), "\trunning\t")))
				break;
			sleep_ms(50);
		}
	}
	CHECK(wait_record("vm2", NULL, 5000) &&
	      log_has(ts_log, "restarted 5 times within 60 s"),
	      "a crash loop ends after 5 restarts (%u crashes)", n);
	CHECK(ok_reply(TS_REQ_DESTROY, "vm1", NULL, NULL) &&
	      ok_reply(TS_REQ_LIST, NULL, NULL, NULL) && !reply[0],
	      "all destroyed, the list is empty");
	tdm_xs_close(xs);
	check_section(f0, "life cycle on the simulated hypervisor");
}

static int raw(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strcpy(a.sun_path, ts_sock);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Read one reply header + payload; the reply's type, or -1 on EOF. */
static int read_reply(int fd, struct ts_hdr *h, char *payload, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t got = 0, want = TS_HDR_SIZE;
	char b[TS_HDR_SIZE + 4096];

	while (got < want) {
		ssize_t n;

		if (poll(&p, 1, ms) != 1)
			return -2;
		n = read(fd, b + got, want - got);
		if (n <= 0)
			return -1;
		got += (size_t)n;
		if (got == TS_HDR_SIZE) {
			memcpy(h, b, sizeof(*h));
			if (h->len > 4096)
				return -3;
			want += h->len;
		}
	}
	if (payload) {
		memcpy(payload, b + TS_HDR_SIZE, h->len);
		payload[h->len] = '\0';
	}
	return h->type;
}

static bool closed_soon(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	return poll(&p, 1, 3000) == 1 && read(fd, &c, 1) == 0;
}

static void hostile(void)
{
	unsigned int f0 = check_failures(), i;
	struct ts_hdr h = { TS_MAGIC, TS_VERSION, TS_REQ_PING, 5, 0 };
	char msg[TS_HDR_SIZE + 64], payload[4200];
	int fd, fds[40], len, t, nfds = 0, served = 0;

	fd = raw();
	write(fd, "GET / HTTP/1.0\r\n\r\n", 18);
	CHECK(read_reply(fd, &h, payload, 3000) == TS_REPLY_ERROR &&
	      strstr(payload + strlen(payload) + 1, "bad magic") &&
	      closed_soon(fd), "bad magic: an error, then the door closes");
	close(fd);

	fd = raw();
	h = (struct ts_hdr){ TS_MAGIC, TS_VERSION, TS_REQ_PING, 6, 1u << 30 };
	write(fd, &h, sizeof(h));
	CHECK(read_reply(fd, &h, payload, 3000) == TS_REPLY_ERROR &&
	      h.id == 6 && strstr(payload + strlen(payload) + 1, "payload") &&
	      closed_soon(fd), "a 1 GiB payload: refused, closed");
	close(fd);

	fd = raw();
	h = (struct ts_hdr){ TS_MAGIC, 9, TS_REQ_PING, 7, 0 };
	write(fd, &h, sizeof(h));
	CHECK(read_reply(fd, &h, payload, 3000) == TS_REPLY_ERROR &&
	      atoi(payload) == EPROTONOSUPPORT && closed_soon(fd),
	      "another protocol version: refused, closed");
	close(fd);

	/* Well framed but wrong: an error, and the connection stays. */
	fd = raw();
	h = (struct ts_hdr){ TS_MAGIC, TS_VERSION, 77, 8, 0 };
	write(fd, &h, sizeof(h));
	t = read_reply(fd, &h, payload, 3000);
	CHECK(t == TS_REPLY_ERROR && atoi(payload) == EOPNOTSUPP &&
	      h.id == 8, "an unknown request type: an error");
	h = (struct ts_hdr){ TS_MAGIC, TS_VERSION, TS_REQ_PAUSE, 9, 3 };
	memcpy(msg, &h, sizeof(h));
	memcpy(msg + TS_HDR_SIZE, "abc", 3);
	write(fd, msg, TS_HDR_SIZE + 3);
	t = read_reply(fd, &h, payload, 3000);
	CHECK(t == TS_REPLY_ERROR && atoi(payload) == EINVAL &&
	      strstr(payload + strlen(payload) + 1, "NUL-terminated"),
	      "strings without their NUL: an error");
	h = (struct ts_hdr){ TS_MAGIC, TS_VERSION, TS_REQ_PAUSE, 10, 0 };
	write(fd, &h, sizeof(h));
	t = read_reply(fd, &h, payload, 3000);
	CHECK(t == TS_REPLY_ERROR && strstr(payload + strlen(payload) + 1,
					    "takes 1 argument, got 0"),
	      "a missing argument: an error");
	/* Three requests in one write: three replies, in order. */
	len = 0;
	for (i = 0; i < 3; i++) {
		h = (struct ts_hdr){ TS_MAGIC, TS_VERSION,
				     i == 1 ? TS_REQ_LIST : TS_REQ_PING,
				     100 + i, 0 };
		memcpy(msg + len, &h, sizeof(h));
		len += TS_HDR_SIZE;
	}
	write(fd, msg, (size_t)len);
	for (i = 0; i < 3; i++)
		if (read_reply(fd, &h, payload, 3000) == TS_REPLY_OK &&
		    h.id == 100 + i)
			served++;
	CHECK_EQ(served, 3, "pipelined requests answered in order");
	close(fd);

	/* Half a header, then nothing: the daemon does not wait on it. */
	fd = raw();
	write(fd, "TDM", 3);
	close(fd);

	/* More clients than allowed at once. */
	for (i = 0; i < 40; i++) {
		fds[i] = raw();
		if (fds[i] >= 0)
			nfds++;
	}
	served = 0;
	for (i = 0; i < 40; i++) {
		h = (struct ts_hdr){ TS_MAGIC, TS_VERSION, TS_REQ_PING, i, 0 };
		if (fds[i] >= 0 && send(fds[i], &h, sizeof(h),
					MSG_NOSIGNAL) == sizeof(h) &&
		    read_reply(fds[i], &h, NULL, 1000) == TS_REPLY_OK)
			served++;
	}
	for (i = 0; i < 40; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	CHECK(served >= 30 && served <= 32, "40 clients at once: %d served "
	      "(the limit is 32)", served);

	/* Random bytes from many clients. */
	for (i = 0; i < 60; i++) {
		unsigned int j, n = 1 + (i * 37) % 300;

		fd = raw();
		for (j = 0; j < n; j++)
			msg[j % sizeof(msg)] = (char)(i * 131 + j * 7);
		if (i % 2)
			memcpy(msg, &(uint32_t){ TS_MAGIC }, 4);
		write(fd, msg, n < sizeof(msg) ? n : sizeof(msg));
		close(fd);
	}
	/* A client that leaves before its VM is built. */
	fd = raw();
	len = ts_encode(msg, sizeof(msg), TS_REQ_CREATE, 1,
			(const char *[]){ "vm1" }, 1);
	write(fd, msg, (size_t)len);
	close(fd);
	CHECK(wait_record("vm1", "\trunning\t", 5000),
	      "a create whose client left still happens");
	CHECK(ok_reply(TS_REQ_DESTROY, "vm1", NULL, NULL), "destroy it");
	CHECK(ok_reply(TS_REQ_PING, NULL, NULL, "tandemd"),
	      "after all that, the daemon still serves");
	CHECK(log_has(ts_log, "bad magic number") &&
	      log_has(ts_log, "unknown request type 77") &&
	      log_has(ts_log, "malformed request"),
	      "each hostile client left a log line");
	check_section(f0, "hostile clients");
}

/* Run the tandem command: its exit status, its output in out. */
static char out[8192];

static int cli(const char *sock, const char *a, const char *b, const char *c)
{
	char cmd[1024];
	FILE *p;
	size_t n;
	int st;

	snprintf(cmd, sizeof(cmd), "%s --socket %s %s %s %s 2>&1", tandem_bin,
		 sock, a ? a : "", b ? b : "", c ? c : "");
	p = popen(cmd, "r");
	if (!p)
		return -1;
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* tandem info's free memory in KiB, or -1. */
static long long info_free_kib(void)
{
	const char *p;

	if (cli(ts_sock, "info", NULL, NULL) != 0)
		return -1;
	p = strstr(out, "free_kib=");
	return p ? strtoll(p + 9, NULL, 10) : -1;
}

static void command(void)
{
	unsigned int f0 = check_failures();
	long long free0 = info_free_kib(), free1;

	CHECK(free0 > 0 && strstr(out, "total_kib="), "tandem info: %s", out);
	CHECK(cli(ts_sock, "create", "vm1", NULL) == 0 &&
	      strstr(out, "vm1 is running as dom"), "tandem create: %s", out);
	CHECK(cli(ts_sock, "list", NULL, NULL) == 0 &&
	      strstr(out, "NAME") && strstr(out, "vm1 ") &&
	      strstr(out, "running") && strstr(out, "256"),
	      "tandem list:\n%s", out);
	CHECK(cli(ts_sock, "pause", "nosuch", NULL) == 1 &&
	      strstr(out, "tandem: no VM 'nosuch' (known VMs: vm1"),
	      "unknown VM: exit 1, the known ones: %s", out);
	CHECK(cli(ts_sock, "console", "nosuch", NULL) == 1 &&
	      strstr(out, "no VM 'nosuch' (known VMs: vm1"),
	      "console of an unknown VM: %s", out);
	free1 = info_free_kib();
	CHECK(free1 >= 0 && free0 - free1 >= 256 << 10,
	      "a 256 MiB VM takes its memory: free %lld -> %lld KiB", free0,
	      free1);
	CHECK(cli(ts_sock, "shutdown", "--wait", "vm1") == 0 &&
	      strstr(out, "powered off"), "tandem shutdown --wait: %s", out);
	free1 = info_free_kib();
	CHECK(free1 == free0, "and gives it back: free %lld KiB, %lld before",
	      free1, free0);
	CHECK(cli(ts_sock, "info", "extra", NULL) == 2, "info takes nothing");
	CHECK(cli(ts_sock, "create", "./no/such/file", NULL) == 1 &&
	      strstr(out, "./no/such/file: No such file"),
	      "a profile path that does not exist: %s", out);
	CHECK(cli(ts_sock, "frobnicate", "x", NULL) == 2 &&
	      strstr(out, "unknown command 'frobnicate'"), "unknown command");
	CHECK(cli(ts_sock, "pause", NULL, NULL) == 2, "a missing argument");
	CHECK(cli("/nonexistent/toolstack.sock", "list", NULL, NULL) == 1 &&
	      strstr(out, "is it running? start it as root with 'tandemd'"),
	      "no daemon: how to start it: %s", out);
	CHECK(cli(ts_sock, "list", NULL, NULL) == 0 && strstr(out, "no VMs"),
	      "an empty list says how to make a VM");
	check_section(f0, "the tandem command");
}

int main(int argc, char **argv)
{
	int st;

	if (argc != 4) {
		fprintf(stderr, "usage: %s TANDEM-STORE TANDEMD TANDEM\n",
			argv[0]);
		return 2;
	}
	tandemd_bin = argv[2];
	tandem_bin = argv[3];
	signal(SIGPIPE, SIG_IGN);
	snprintf(dir, sizeof(dir), "/tmp/tdm-tsd-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	snprintf(store_sock, sizeof(store_sock), "%s/store.sock", dir);
	snprintf(ts_sock, sizeof(ts_sock), "%s/run/toolstack.sock", dir);
	snprintf(profiles, sizeof(profiles), "%s/profiles", dir);
	snprintf(images, sizeof(images), "%s/images", dir);
	snprintf(store_log, sizeof(store_log), "%s/store.log", dir);
	snprintf(ts_log, sizeof(ts_log), "%s/tandemd.log", dir);
	mkdir(profiles, 0755);
	mkdir(images, 0755);
	setup();
	if (!CHECK(start_store(argv[1]), "tandem-store --no-xen runs") ||
	    !CHECK(start_daemon(), "tandemd --simulate runs")) {
		show_log(store_log);
		show_log(ts_log);
		return check_summary();
	}
	{
		struct stat s;

		CHECK(stat(ts_sock, &s) == 0 && (s.st_mode & 0777) == 0600,
		      "its socket is mode 0600");
	}
	life_cycle();
	hostile();
	command();

	kill(daemon_pid, SIGTERM);
	CHECK(waitpid(daemon_pid, &st, 0) == daemon_pid && WIFEXITED(st) &&
	      WEXITSTATUS(st) == 0 && access(ts_sock, F_OK) < 0,
	      "SIGTERM: a clean exit, the socket removed");
	kill(store_pid, SIGTERM);
	waitpid(store_pid, NULL, 0);
	if (check_failures())
		show_log(ts_log);
	return check_summary();
}
