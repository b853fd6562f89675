// SPDX-License-Identifier: MIT
/*
 * Host integration test: runs the real tandem-store daemon (--no-xen) on
 * a Unix socket in a temporary directory and talks to it with libtandem's
 * store client: nodes, permissions, transactions (with a real conflict
 * between two connections), watches through poll(), limits, a client that
 * breaks the protocol, and a clean shutdown.
 *
 *	test_store_daemon PATH-TO-tandem-store
 */
#define _GNU_SOURCE

#include <errno.h>
#include <poll.h>
#include <signal.h>
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

#include "check.h"

static char dir[64], sock[128], pidfile[128], logfile[128];
static pid_t daemon_pid;

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static bool start_daemon(const char *binary)
{
	int i;

	daemon_pid = fork();
	if (daemon_pid == 0) {
		execl(binary, binary, "--no-xen", "--socket", sock,
		      "--pidfile", pidfile, "--log", logfile, "-vv",
		      (char *)NULL);
		perror("exec tandem-store");
		_exit(127);
	}
	for (i = 0; i < 100; i++) {
		if (access(pidfile, F_OK) == 0)
			return true;
		if (waitpid(daemon_pid, NULL, WNOHANG) == daemon_pid)
			return false;
		sleep_ms(50);
	}
	return false;
}

static void show_log(void)
{
	char line[512];
	FILE *f = fopen(logfile, "r");

	if (!f)
		return;
	printf("--- daemon log ---\n");
	while (fgets(line, sizeof(line), f))
		printf("%s", line);
	fclose(f);
}

static int raw_connect(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strcpy(a.sun_path, sock);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return -1;
	return fd;
}

static bool readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

static void nodes(struct tdm_xs *x)
{
	unsigned int f0 = check_failures(), n;
	struct tdm_xs_perm perms[2] = {
		{ 0, TDM_XS_PERM_NONE }, { 5, TDM_XS_PERM_READ },
	}, *got;
	static char big[4000];
	char **dirv;
	size_t len;
	char *v;

	CHECK_EQ(tdm_xs_write_str(x, 0, "/test/a/b", "hello"), 0, "write");
	v = tdm_xs_read(x, 0, "/test/a/b", &len);
	CHECK(v && len == 5 && !strcmp(v, "hello"), "read it back");
	free(v);
	CHECK_EQ(tdm_xs_mkdir(x, 0, "/test/c"), 0, "mkdir");
	dirv = tdm_xs_directory(x, 0, "/test", &n);
	CHECK(dirv && n == 2 && !strcmp(dirv[0], "a") &&
	      !strcmp(dirv[1], "c") && !dirv[2], "directory: a, c");
	free(dirv);
	CHECK(tdm_xs_read(x, 0, "/test/nothing", NULL) == NULL &&
	      errno == ENOENT, "missing node: NULL, ENOENT");
	CHECK(strstr(tdm_errmsg(), "store READ /test/nothing") != NULL,
	      "message names the request: %s", tdm_errmsg());
	CHECK_EQ(tdm_xs_write_str(x, 0, "/bad//path", "x"), -EINVAL,
		 "bad path: -EINVAL");
	CHECK_EQ(tdm_xs_set_perms(x, 0, "/test/a", perms, 2), 0, "set perms");
	got = tdm_xs_get_perms(x, 0, "/test/a", &n);
	CHECK(got && n == 2 && got[0].domid == 0 && got[0].perms == 0 &&
	      got[1].domid == 5 && got[1].perms == TDM_XS_PERM_READ,
	      "get perms: n0 r5");
	free(got);
	memset(big, 'z', sizeof(big));
	CHECK_EQ(tdm_xs_write(x, 0, "/test/big", big, sizeof(big)), 0,
		 "4000-byte value");
	v = tdm_xs_read(x, 0, "/test/big", &len);
	CHECK(v && len == sizeof(big) && !memcmp(v, big, len), "read it");
	free(v);
	CHECK_EQ(tdm_xs_write(x, 0, "/test/big", big, 4095), -E2BIG,
		 "a request over 4096 bytes: -E2BIG before sending");
	CHECK_EQ(tdm_xs_rm(x, 0, "/test/a"), 0, "rm");
	CHECK(tdm_xs_read(x, 0, "/test/a/b", NULL) == NULL, "gone");
	v = tdm_xs_get_domain_path(x, 12);
	CHECK(v && !strcmp(v, "/local/domain/12"), "domain path of 12");
	free(v);
	CHECK_EQ(tdm_xs_is_introduced(x, 12), 0, "dom12 not introduced");
	CHECK_EQ(tdm_xs_introduce(x, 12, 1234, 5), -ENOSYS,
		 "introduce without Xen: -ENOSYS");
	check_section(f0, "nodes through the daemon");
}

static void transactions(struct tdm_xs *x1, struct tdm_xs *x2)
{
	unsigned int f0 = check_failures(), tries = 0;
	uint32_t t1, t2;
	char *v;
	int r;

	tdm_xs_write_str(x1, 0, "/tx/counter", "0");
	CHECK_EQ(tdm_xs_transaction_start(x1, &t1), 0, "x1 starts");
	CHECK_EQ(tdm_xs_transaction_start(x2, &t2), 0, "x2 starts");
	v = tdm_xs_read(x1, t1, "/tx/counter", NULL);
	free(v);
	v = tdm_xs_read(x2, t2, "/tx/counter", NULL);
	free(v);
	tdm_xs_write_str(x1, t1, "/tx/counter", "1");
	tdm_xs_write_str(x2, t2, "/tx/counter", "1");
	CHECK_EQ(tdm_xs_transaction_end(x1, t1, true), 0, "x1 commits");
	CHECK_EQ(tdm_xs_transaction_end(x2, t2, true), -EAGAIN,
		 "x2 conflicts: -EAGAIN");
	CHECK(strstr(tdm_errmsg(), "retry") != NULL, "message says retry: %s",
	      tdm_errmsg());
	/* The usual retry loop. */
	do {
		tdm_xs_transaction_start(x2, &t2);
		v = tdm_xs_read(x2, t2, "/tx/counter", NULL);
		tdm_xs_write_str(x2, t2, "/tx/counter",
				 v && !strcmp(v, "1") ? "2" : "bad");
		free(v);
		r = tdm_xs_transaction_end(x2, t2, true);
	} while (r == -EAGAIN && ++tries < 5);
	CHECK_EQ(r, 0, "retry commits");
	v = tdm_xs_read(x1, 0, "/tx/counter", NULL);
	CHECK(v && !strcmp(v, "2"), "counter is 2");
	free(v);
	check_section(f0, "transactions through the daemon");
}

static void watches(struct tdm_xs *x1, struct tdm_xs *x2)
{
	unsigned int f0 = check_failures();
	struct tdm_xs_event *ev = NULL;
	int fd = tdm_xs_fd(x2), r;
	char *v;

	CHECK_EQ(tdm_xs_watch(x2, "/w", "tok"), 0, "x2 watches /w");
	CHECK(readable(fd, 2000), "its fd is readable (initial event)");
	CHECK_EQ(tdm_xs_read_watch(x2, &ev), 1, "initial event");
	CHECK(ev && !strcmp(ev->path, "/w") && !strcmp(ev->token, "tok"),
	      "path /w token tok");
	free(ev);
	CHECK_EQ(tdm_xs_read_watch(x2, &ev), 0, "nothing more");
	CHECK(!readable(fd, 0), "and the fd is quiet");
	tdm_xs_write_str(x1, 0, "/w/a", "1");
	CHECK(readable(fd, 2000), "readable after x1 writes /w/a");
	CHECK_EQ(tdm_xs_wait_watch(x2, 2000, &ev), 1, "event arrives");
	CHECK(ev && !strcmp(ev->path, "/w/a"), "for /w/a");
	free(ev);
	/* An event that arrives while x2 waits for a reply is kept. */
	tdm_xs_write_str(x1, 0, "/w/b", "1");
	sleep_ms(100);
	v = tdm_xs_read(x2, 0, "/w/a", NULL);
	free(v);
	CHECK(readable(fd, 0), "fd readable for the event queued meanwhile");
	r = tdm_xs_read_watch(x2, &ev);
	CHECK(r == 1 && ev && !strcmp(ev->path, "/w/b"), "it is /w/b");
	free(ev);
	CHECK(!readable(fd, 0), "quiet again");
	CHECK_EQ(tdm_xs_unwatch(x2, "/w", "tok"), 0, "unwatch");
	tdm_xs_write_str(x1, 0, "/w/c", "1");
	CHECK_EQ(tdm_xs_wait_watch(x2, 200, &ev), 0, "no event after unwatch");
	CHECK_EQ(tdm_xs_watch(x2, "@releaseDomain", "rel"), 0,
		 "watch @releaseDomain");
	CHECK_EQ(tdm_xs_wait_watch(x2, 2000, &ev), 1, "its initial event");
	free(ev);
	check_section(f0, "watches through the daemon");
}

static void hostile_clients(struct tdm_xs *x)
{
	struct xsd_sockmsg h = { XS_READ, 1, 0, XENSTORE_PAYLOAD_MAX + 1 };
	unsigned int f0 = check_failures();
	char buf[64], name[32];
	struct stat sb;
	unsigned int i;
	char **dirv;
	int fd;

	CHECK_EQ(stat(sock, &sb), 0, "socket exists");
	CHECK_EQ(sb.st_mode & 0777, 0600, "mode 0600: root only");
	fd = raw_connect();
	CHECK(fd >= 0, "raw connection");
	CHECK(write(fd, &h, sizeof(h)) == sizeof(h), "send a 4097-byte header");
	CHECK(readable(fd, 2000) && read(fd, buf, sizeof(buf)) == 0,
	      "the daemon hangs up");
	close(fd);
	fd = raw_connect();
	CHECK(write(fd, &h, 7) == 7, "half a header, then hang up");
	close(fd);
	fd = raw_connect();
	h.len = 100;
	CHECK(write(fd, &h, sizeof(h)) == sizeof(h) &&
	      write(fd, "/x", 2) == 2, "a truncated request, then hang up");
	close(fd);
	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "/many/child-number-%04u", i);
		tdm_xs_write_str(x, 0, name, "");
	}
	dirv = tdm_xs_directory(x, 0, "/many", NULL);
	CHECK(!dirv && errno == E2BIG, "listing over 4096 bytes: E2BIG");
	CHECK_EQ(tdm_xs_write_str(x, 0, "/still/working", "yes"), 0,
		 "the daemon still serves");
	check_section(f0, "hostile clients");
}

int main(int argc, char **argv)
{
	struct tdm_xs *x1, *x2, *x3;
	int status = -1;

	if (argc != 2) {
		fprintf(stderr, "usage: %s PATH-TO-tandem-store\n", argv[0]);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	strcpy(dir, "/tmp/tdm-store-test-XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(sock, sizeof(sock), "%s/run/store.sock", dir);
	snprintf(pidfile, sizeof(pidfile), "%s/pid", dir);
	snprintf(logfile, sizeof(logfile), "%s/log", dir);

	if (!CHECK(start_daemon(argv[1]), "daemon started")) {
		show_log();
		return check_summary();
	}
	x1 = tdm_xs_open(sock);
	x2 = tdm_xs_open(sock);
	CHECK(x1 && x2, "two clients connected (%s)", tdm_errmsg());
	setenv(TDM_XS_SOCKET_ENV, sock, 1);
	x3 = tdm_xs_open(NULL);
	CHECK(x3 != NULL, "$TANDEM_STORE_SOCKET is honoured");
	tdm_xs_close(x3);
	if (x1 && x2) {
		nodes(x1);
		transactions(x1, x2);
		watches(x1, x2);
		hostile_clients(x1);
	}
	tdm_xs_close(x1);
	tdm_xs_close(x2);

	kill(daemon_pid, SIGTERM);
	waitpid(daemon_pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "SIGTERM: clean exit (status %#x)", status);
	CHECK(access(sock, F_OK) != 0, "socket removed");
	if (check_failures())
		show_log();
	unlink(logfile);
	snprintf(sock, sizeof(sock), "%s/run", dir);
	rmdir(sock);
	rmdir(dir);
	return check_summary();
}
