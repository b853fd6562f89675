/* SPDX-License-Identifier: MIT */
/*
 * libtandem: the store client.
 *
 * The store is a tree of nodes ("/local/domain/3/name"), each with a value
 * (bytes, usually short text) and permissions. Dom0 programs talk to the
 * store daemon over its Unix socket (TDM_XS_SOCKET_DEFAULT, or the path in
 * $TANDEM_STORE_SOCKET); a program inside a guest uses Linux's
 * /dev/xen/xenbus, which carries the same protocol. Dom0 connections are
 * privileged: they may read and change everything.
 *
 * Calls are synchronous: each sends one request and waits for its reply
 * (at most the handle's timeout, 30 s by default; a store that does not
 * answer in time breaks the handle with -ETIMEDOUT). A handle must not be
 * used by two threads at once.
 *
 * Transactions: tx is 0 for "no transaction", or an id from
 * tdm_xs_transaction_start(). Changes in a transaction become visible
 * together at tdm_xs_transaction_end(commit = true), which fails with
 * -EAGAIN if another client changed what the transaction read or wrote
 * in the meantime: start again from the beginning.
 *
 *	for (;;) {
 *		tdm_xs_transaction_start(xs, &tx);
 *		... reads and writes with tx ...
 *		err = tdm_xs_transaction_end(xs, tx, true);
 *		if (err != -EAGAIN)
 *			break;
 *	}
 *
 * Watches: tdm_xs_watch(path, token) asks for an event whenever path or
 * anything below it changes (and once right away). Events arrive
 * asynchronously; tdm_xs_fd() is readable in poll() when one may be
 * waiting, and tdm_xs_read_watch() returns them one at a time.
 *
 * Errors: negative errno (or NULL with errno), errno and tdm_errmsg() set.
 * The store's answers come back as their errno: -ENOENT (no such node),
 * -EACCES (not allowed), -EINVAL (bad path or request), -EEXIST, -ENOSPC
 * or -E2BIG (a quota), -EAGAIN (transaction conflict), ...; a broken
 * connection as -EPIPE, -ETIMEDOUT or -EBADMSG (then close the handle).
 */
#ifndef LIBTANDEM_XS_H
#define LIBTANDEM_XS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <libtandem/xs_proto.h>

struct tdm_xs;

/*
 * Connect to the store daemon's socket at path (NULL: $TANDEM_STORE_SOCKET
 * or TDM_XS_SOCKET_DEFAULT).
 */
struct tdm_xs *tdm_xs_open(const char *path);
/* Open a character device speaking the protocol (NULL: /dev/xen/xenbus). */
struct tdm_xs *tdm_xs_open_xenbus(const char *device);
void tdm_xs_close(struct tdm_xs *xs);

/* Reply timeout in milliseconds (< 0: wait forever). */
void tdm_xs_set_timeout(struct tdm_xs *xs, int timeout_ms);

/*
 * A descriptor for poll(): readable when watch events may be waiting (it
 * stays readable while tdm_xs_read_watch() has events to return).
 */
int tdm_xs_fd(const struct tdm_xs *xs);

/*
 * Read a node: its value, with a NUL added after it (not counted in *len,
 * which may be NULL), to be freed with free(); NULL on failure.
 */
void *tdm_xs_read(struct tdm_xs *xs, uint32_t tx, const char *path,
		  size_t *len);
/* Write a node, creating it and any missing parents. */
int tdm_xs_write(struct tdm_xs *xs, uint32_t tx, const char *path,
		 const void *data, size_t len);
/* Write a NUL-terminated string (without the NUL). */
int tdm_xs_write_str(struct tdm_xs *xs, uint32_t tx, const char *path,
		     const char *value);
/* Make sure path exists (with an empty value if it is new). */
int tdm_xs_mkdir(struct tdm_xs *xs, uint32_t tx, const char *path);
/* Remove path and everything below it (no error if it does not exist). */
int tdm_xs_rm(struct tdm_xs *xs, uint32_t tx, const char *path);
/*
 * The names of path's children: a NULL-terminated array (*num entries if
 * num is not NULL) in one allocation; free() it once. NULL on failure.
 */
char **tdm_xs_directory(struct tdm_xs *xs, uint32_t tx, const char *path,
			unsigned int *num);

/*
 * Permissions: an array whose first entry names the owner (who may always
 * read and write, and change the permissions) and whose perms are what
 * every domain not listed gets; further entries grant listed domains
 * their own access. get_perms returns a malloc()ed array (*num entries).
 */
struct tdm_xs_perm *tdm_xs_get_perms(struct tdm_xs *xs, uint32_t tx,
				     const char *path, unsigned int *num);
int tdm_xs_set_perms(struct tdm_xs *xs, uint32_t tx, const char *path,
		     const struct tdm_xs_perm *perms, unsigned int num);

int tdm_xs_transaction_start(struct tdm_xs *xs, uint32_t *tx);
int tdm_xs_transaction_end(struct tdm_xs *xs, uint32_t tx, bool commit);

/*
 * Watches. path may be a node path or "@introduceDomain" /
 * "@releaseDomain" (a domain was introduced / went away).
 */
int tdm_xs_watch(struct tdm_xs *xs, const char *path, const char *token);
int tdm_xs_unwatch(struct tdm_xs *xs, const char *path, const char *token);

/* One watch event; path and token point into the same allocation. */
struct tdm_xs_event {
	char *path;
	char *token;
};

/*
 * The next watch event without waiting: 1 and *ev (free() it), 0 if none
 * is waiting, -ENOBUFS once if events were dropped because more than
 * TDM_XS_MAX_EVENTS were waiting (re-read what you watch), or -errno.
 */
#define TDM_XS_MAX_EVENTS	4096
int tdm_xs_read_watch(struct tdm_xs *xs, struct tdm_xs_event **ev);
/* The same, waiting up to timeout_ms (< 0: forever); 0 on timeout. */
int tdm_xs_wait_watch(struct tdm_xs *xs, int timeout_ms,
		      struct tdm_xs_event **ev);

/* Domain management (privileged). */
int tdm_xs_introduce(struct tdm_xs *xs, domid_t domid, uint64_t mfn,
		     uint32_t port);
int tdm_xs_release(struct tdm_xs *xs, domid_t domid);
int tdm_xs_resume(struct tdm_xs *xs, domid_t domid);
/* 1 if the store serves domid, 0 if not, or -errno. */
int tdm_xs_is_introduced(struct tdm_xs *xs, domid_t domid);
/* "/local/domain/<domid>" as the store says it (free() it). */
char *tdm_xs_get_domain_path(struct tdm_xs *xs, domid_t domid);
int tdm_xs_set_target(struct tdm_xs *xs, domid_t domid, domid_t target);
/* Drop all of this connection's watches and transactions. */
int tdm_xs_reset_watches(struct tdm_xs *xs);

/*
 * Any request: the payload is the iovecs concatenated (strings must carry
 * their NULs). On success *reply (if not NULL) is a malloc()ed copy of the
 * reply payload with a NUL added, *reply_len its length without it.
 */
int tdm_xs_request(struct tdm_xs *xs, uint32_t type, uint32_t tx,
		   const struct iovec *iov, unsigned int iovcnt,
		   void **reply, size_t *reply_len);

#endif /* LIBTANDEM_XS_H */
