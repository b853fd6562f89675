// SPDX-License-Identifier: MIT
/*
 * test_tdm_server: libtandem's Unix-socket server helpers, which every
 * dom0 daemon listens and accepts with. A second daemon on a live socket
 * is refused, a stale socket is replaced, the socket is root's alone
 * (mode 0600; a peer of another uid is refused), the pid file is right.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libtandem/server.h>

#include "check.h"

static char dir[64], path[96];

static int connect_to(const char *p)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(p) >= sizeof(a.sun_path))
		return -1;
	strcpy(a.sun_path, p);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void listening(void)
{
	unsigned int f0 = check_failures();
	struct ucred cred;
	struct stat sb;
	char long_path[200];
	int lfd, again, c, fd;

	lfd = tdm_listen_unix(path, 4);
	CHECK(lfd >= 0, "listen under directories that do not exist yet");
	CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600,
	      "mode 0600");
	CHECK_EQ(tdm_accept_local(lfd, &cred), -EAGAIN, "nothing pending");
	again = tdm_listen_unix(path, 4);
	CHECK_EQ(again, -EADDRINUSE, "a second server on a live socket");
	CHECK(stat(path, &sb) == 0, "and the live socket is left alone");
	/* Its probe connected and hung up: the first server sees that. */
	fd = tdm_accept_local(lfd, &cred);
	CHECK(fd >= 0 && read(fd, long_path, 1) == 0,
	      "the probe's connection reads as closed");
	close(fd);
	c = connect_to(path);
	fd = tdm_accept_local(lfd, &cred);
	CHECK(c >= 0 && fd >= 0 && cred.pid == getpid(),
	      "our own connection is accepted, its pid known");
	close(fd);
	close(c);
	close(lfd);	/* the socket file stays: stale */
	lfd = tdm_listen_unix(path, 4);
	CHECK(lfd >= 0, "a stale socket is replaced");
	memset(long_path, 'x', sizeof(long_path) - 1);
	long_path[0] = '/';
	long_path[sizeof(long_path) - 1] = '\0';
	CHECK_EQ(tdm_listen_unix(long_path, 4), -ENAMETOOLONG,
		 "a path too long for a socket");
	close(lfd);
	check_section(f0, "listening");
}

/* A peer of another uid (run as root: a child that drops to nobody). */
static void strangers(void)
{
	unsigned int f0 = check_failures();
	struct ucred cred;
	int lfd, fd, st, tries;
	pid_t pid;

	if (geteuid() != 0) {
		printf("skip: not root, no other uid to connect as\n");
		return;
	}
	lfd = tdm_listen_unix(path, 4);
	/* Let the stranger reach the socket at all: only the uid stops it. */
	chmod(dir, 0755);
	chmod(path, 0666);
	pid = fork();
	if (pid == 0) {
		if (setgid(65534) || setuid(65534) || connect_to(path) < 0)
			_exit(2);
		pause();
		_exit(0);
	}
	for (tries = 0; tries < 500; tries++) {
		fd = tdm_accept_local(lfd, &cred);
		if (fd != -EAGAIN)
			break;
		usleep(10000);
	}
	CHECK_EQ(fd, -EACCES, "a peer of uid 65534 is refused");
	CHECK_EQ((int)cred.uid, 65534, "and its uid is there for the log");
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	close(lfd);
	check_section(f0, "strangers");
}

static void pidfile(void)
{
	unsigned int f0 = check_failures();
	char p[160], buf[32] = "", want[32];
	FILE *f;

	snprintf(p, sizeof(p), "%s/pid", dir);
	CHECK_EQ(tdm_write_pidfile(p), 0, "write the pid file");
	f = fopen(p, "r");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	snprintf(want, sizeof(want), "%d\n", (int)getpid());
	CHECK(!strcmp(buf, want), "it holds our pid: '%s'", buf);
	CHECK(tdm_write_pidfile("/nonexistent/dir/pid") == -ENOENT,
	      "a pid file that cannot be written");
	unlink(p);
	check_section(f0, "pid file");
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/tdm-server-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/a/b/test.sock", dir);
	listening();
	strangers();
	pidfile();
	unlink(path);
	*strrchr(path, '/') = '\0';
	rmdir(path);		/* a/b */
	*strrchr(path, '/') = '\0';
	rmdir(path);		/* a */
	rmdir(dir);
	return check_summary();
}
