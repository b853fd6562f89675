/* SPDX-License-Identifier: MIT */
/*
 * The toolstack protocol: how `tandem` (and later the switcher, the
 * remote console, the device backends) talk to tandemd over its Unix
 * socket (default /run/tandem/toolstack.sock, mode 0600, root only).
 *
 * Every message, request or reply, is a 16-byte header and a payload:
 *
 *	u32 magic	TS_MAGIC ("TDM1" in memory order)
 *	u16 version	TS_VERSION
 *	u16 type	a request (TS_REQ_*) or a reply (TS_REPLY_*)
 *	u32 id		chosen by the client, echoed in the reply
 *	u32 len		payload bytes, at most TS_MAX_PAYLOAD
 *
 * in the host's byte order (both ends are on one machine). The payload
 * is a list of strings, each ending in a NUL (so a non-empty payload
 * ends in one); at most TS_MAX_ARGS of them.
 *
 * Requests and their arguments:
 *	PING			-> OK "tandemd <version>"
 *	LIST			-> OK one string per VM, fields separated by
 *				   tabs: name, domid (- if none), state,
 *				   memory KiB, vCPUs, CPU time ns, profile
 *	CREATE profile		-> OK name, domid, message (a profile name in
 *				   tandemd's profiles directory, or a path)
 *	PAUSE vm, UNPAUSE vm, DESTROY vm		-> OK message
 *	SHUTDOWN vm [wait], REBOOT vm [wait]	-> OK message; with "wait",
 *				   only when the guest has gone (or come
 *				   back) or after a timeout (ETIMEDOUT)
 * vm is a VM's name or domain id. A failure is
 *	ERROR errno-number, message
 * where the message says what failed and what to do. A message with a
 * bad magic, an unknown version or a payload over the limit gets an
 * ERROR and the connection is closed (the stream cannot be trusted
 * after it); a well-framed but bad request (unknown type, strings not
 * terminated, wrong arguments) gets an ERROR and the connection stays.
 * Replies come in request order.
 */
#ifndef TANDEM_PROTO_H
#define TANDEM_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define TS_SOCKET_DEFAULT	"/run/tandem/toolstack.sock"
#define TS_MAGIC		0x314d4454u	/* 'T' 'D' 'M' '1' */
#define TS_VERSION		1
#define TS_HDR_SIZE		16
#define TS_MAX_PAYLOAD		65536
#define TS_MAX_ARGS		256

enum ts_type {
	TS_REQ_PING = 1,
	TS_REQ_LIST = 2,
	TS_REQ_CREATE = 3,
	TS_REQ_PAUSE = 4,
	TS_REQ_UNPAUSE = 5,
	TS_REQ_SHUTDOWN = 6,
	TS_REQ_REBOOT = 7,
	TS_REQ_DESTROY = 8,
	TS_REQ_INFO = 9,
	TS_REPLY_OK = 0x100,
	TS_REPLY_ERROR = 0x101,
};

struct ts_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t type;
	uint32_t id;
	uint32_t len;
};
_Static_assert(sizeof(struct ts_hdr) == TS_HDR_SIZE, "ts_hdr size");

/* The name of a request type ("create"), or NULL if unknown. */
const char *ts_type_name(unsigned int type);

/*
 * Encode a message with n strings into buf (size bytes): its total
 * length, or -E2BIG (over TS_MAX_PAYLOAD / TS_MAX_ARGS) or -ENOSPC.
 */
int ts_encode(void *buf, size_t size, unsigned int type, uint32_t id,
	      const char *const *args, unsigned int n);

/*
 * Look at the start of a stream (len bytes): 0 if a whole header is not
 * there yet, TS_HDR_SIZE with *h filled if it is and is acceptable;
 * -EPROTO (bad magic), -EPROTONOSUPPORT (version), -EMSGSIZE (payload
 * too large). The whole message is TS_HDR_SIZE + h->len bytes.
 */
int ts_check_header(const void *buf, size_t len, struct ts_hdr *h);

/*
 * Split a payload into at most max strings (pointers into it): the
 * number, or -EINVAL (not NUL-terminated) or -E2BIG (too many).
 */
int ts_split(const char *payload, size_t len, const char **args,
	     unsigned int max);

/*
 * Client side: connect to path (NULL: TS_SOCKET_DEFAULT) -> fd, or
 * -errno with ts_errmsg() saying what to do.
 */
int ts_connect(const char *path);

/*
 * Send one request and wait for its reply (timeout_ms < 0: forever).
 * On success *type is TS_REPLY_OK or TS_REPLY_ERROR, *payload a
 * malloc()ed copy (NUL-added) of *len bytes, and the return value 0;
 * -errno if the exchange itself failed.
 */
int ts_call(int fd, unsigned int type, const char *const *args,
	    unsigned int n, int timeout_ms, unsigned int *rtype,
	    char **payload, size_t *len);

#endif /* TANDEM_PROTO_H */
