// SPDX-License-Identifier: MIT
/*
 * Unix-socket servers for the dom0 daemons (libtandem/server.h).
 */
#define _GNU_SOURCE

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <libtandem/error.h>
#include <libtandem/server.h>

/* mkdir -p of path's directory. */
static int make_parent_dirs(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *p;

	snprintf(dir, sizeof(dir), "%s", path);
	p = strrchr(dir, '/');
	if (!p || p == dir)
		return 0;
	*p = '\0';
	for (p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int tdm_listen_unix(const char *path, int backlog)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	mode_t old_mask;
	int fd, probe, ret;

	if (strlen(path) >= sizeof(addr.sun_path))
		return tdm_fail(ENAMETOOLONG, "socket path %s", path);
	strcpy(addr.sun_path, path);
	ret = make_parent_dirs(path);
	if (ret < 0)
		return tdm_fail(-ret, "create the directory of %s", path);
	/* A socket that answers belongs to a running daemon: leave it. */
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe >= 0) {
		ret = connect(probe, (struct sockaddr *)&addr, sizeof(addr));
		close(probe);
		if (ret == 0)
			return tdm_fail(EADDRINUSE, "another daemon is "
					"listening on %s (stop it first)",
					path);
	}
	unlink(path);	/* a stale socket of an earlier run */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return tdm_fail(errno, "socket");
	/* Mode 0600 from the moment it exists: no window for others. */
	old_mask = umask(0177);
	ret = bind(fd, (struct sockaddr *)&addr, sizeof(addr));
	umask(old_mask);
	if (ret < 0 || chmod(path, 0600) < 0 || listen(fd, backlog) < 0) {
		ret = errno;
		close(fd);
		return tdm_fail(ret, "listen on %s", path);
	}
	return fd;
}

int tdm_accept_local(int lfd, struct ucred *cred)
{
	socklen_t len = sizeof(*cred);
	int fd;

	memset(cred, 0, sizeof(*cred));
	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, &len) < 0 ||
	    (cred->uid != 0 && cred->uid != geteuid())) {
		close(fd);
		return tdm_fail(EACCES, "refused a client with uid %d: only "
				"root may connect", (int)cred->uid);
	}
	return fd;
}

int tdm_write_pidfile(const char *path)
{
	FILE *f = fopen(path, "w");
	int bad;

	if (!f)
		return tdm_fail(errno, "write %s", path);
	bad = fprintf(f, "%d\n", (int)getpid()) < 0;
	if (fclose(f) || bad)
		return tdm_fail(errno ? errno : EIO, "write %s", path);
	return 0;
}
