/* SPDX-License-Identifier: MIT */
/*
 * The Unix sockets the dom0 daemons serve (the store, the console
 * backend, the toolstack): one way to listen, accept and announce, so
 * that every one of them is root's alone. Errors as in error.h.
 */
#ifndef LIBTANDEM_SERVER_H
#define LIBTANDEM_SERVER_H

#include <sys/socket.h>	/* struct ucred: needs _GNU_SOURCE */

/*
 * Listen on a Unix stream socket at path, non-blocking and close-on-exec:
 * its parent directories are made (0755), the socket is mode 0600 from
 * the start, a stale socket of an earlier run is replaced. Returns the
 * fd, or -EADDRINUSE when a live server already answers at path,
 * -ENAMETOOLONG, or what the system refused.
 */
int tdm_listen_unix(const char *path, int backlog);

/*
 * Accept one connection on lfd from root or our own user: returns the
 * fd (non-blocking, close-on-exec) with *cred filled. -EAGAIN when
 * nothing is pending; -EACCES for any other peer, whose connection is
 * closed and whose credentials are in *cred for the log.
 */
int tdm_accept_local(int lfd, struct ucred *cred);

/* Write our pid to path ("PID\n"): 0 or -errno. */
int tdm_write_pidfile(const char *path);

#endif /* LIBTANDEM_SERVER_H */
