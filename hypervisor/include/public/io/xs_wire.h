/*
 * Tandem public ABI: the store ("xenstore") wire protocol. Messages are a
 * struct xsd_sockmsg header followed by len bytes of payload, carried over
 * a Unix socket (dom0 tools) or the shared ring page of a guest.
 */
#ifndef TANDEM_PUBLIC_IO_XS_WIRE_H
#define TANDEM_PUBLIC_IO_XS_WIRE_H

#include <public/errno.h>

/* Ring page layout: two 1KiB byte rings with free-running indices. */
#define XENSTORE_RING_SIZE		1024

/* Payload and path limits. */
#define XENSTORE_PAYLOAD_MAX		4096	/* longer: connection broken */
#define XENSTORE_ABS_PATH_MAX		3072	/* longer: error reply */
#define XENSTORE_REL_PATH_MAX		2048

/* xenstore_domain_interface.server_features */
#define XENSTORE_SERVER_FEATURE_RECONNECTION	1 /* connection field */
#define XENSTORE_SERVER_FEATURE_ERROR		2 /* error field */
#define XENSTORE_SERVER_FEATURE_WATCHDEPTH	4 /* XS_WATCH <depth> */
#define XENSTORE_SERVER_FEATURE_DOMID_ANY	8 /* DOMID_ANY in perms */

/* xenstore_domain_interface.connection */
#define XENSTORE_CONNECTED		0 /* normal operation */
#define XENSTORE_RECONNECT		1 /* guest asks for a ring reset */

/* xenstore_domain_interface.error */
#define XENSTORE_ERROR_NONE		0
#define XENSTORE_ERROR_COMM		1 /* communication problem */
#define XENSTORE_ERROR_RINGIDX		2 /* bad ring index */
#define XENSTORE_ERROR_PROTO		3 /* protocol violation */

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

/* xsd_sockmsg.type */
enum xsd_sockmsg_type {
	XS_CONTROL		= 0,	/* also known as XS_DEBUG */
	XS_DIRECTORY		= 1,
	XS_READ			= 2,
	XS_GET_PERMS		= 3,
	XS_WATCH		= 4,
	XS_UNWATCH		= 5,
	XS_TRANSACTION_START	= 6,
	XS_TRANSACTION_END	= 7,
	XS_INTRODUCE		= 8,
	XS_RELEASE		= 9,
	XS_GET_DOMAIN_PATH	= 10,
	XS_WRITE		= 11,
	XS_MKDIR		= 12,
	XS_RM			= 13,
	XS_SET_PERMS		= 14,
	XS_WATCH_EVENT		= 15,
	XS_ERROR		= 16,
	XS_IS_DOMAIN_INTRODUCED	= 17,
	XS_RESUME		= 18,
	XS_SET_TARGET		= 19,
	/* 20 was XS_RESTRICT, now removed */
	XS_RESET_WATCHES	= 21,
	XS_DIRECTORY_PART	= 22,
	XS_GET_FEATURE		= 23,	/* 23..26 are newer than 4.17 */
	XS_SET_FEATURE		= 24,
	XS_GET_QUOTA		= 25,
	XS_SET_QUOTA		= 26,
	XS_TYPE_COUNT		= 27,	/* number of types defined */
	XS_INVALID		= 0xffff /* never a valid type */
};
#define XS_DEBUG	XS_CONTROL

/* Fields of an XS_WATCH_EVENT payload: "path\0token\0". */
enum xs_watch_type {
	XS_WATCH_PATH = 0,
	XS_WATCH_TOKEN
};

/* Message header; the payload is usually NUL-separated strings. */
struct xsd_sockmsg {
	uint32_t type;		/* enum xsd_sockmsg_type */
	uint32_t req_id;	/* chosen by the client, echoed back */
	uint32_t tx_id;		/* transaction, or 0 */
	uint32_t len;		/* payload bytes after this header */
};
_Static_assert(sizeof(struct xsd_sockmsg) == 16, "xsd_sockmsg size");

/*
 * Errors travel as XS_ERROR replies whose payload is the errno name
 * ("EINVAL\0"). This table lists the names the protocol uses, with their
 * numbers; readers that see an unknown name should treat it as EINVAL,
 * the first entry.
 */
struct xsd_errors {
	int errnum;
	const char *errstring;
};

static const struct xsd_errors xsd_errors[] __attribute__((unused)) = {
	{ XEN_EINVAL,		"EINVAL" },
	{ XEN_EACCES,		"EACCES" },
	{ XEN_EEXIST,		"EEXIST" },
	{ XEN_EISDIR,		"EISDIR" },
	{ XEN_ENOENT,		"ENOENT" },
	{ XEN_ENOMEM,		"ENOMEM" },
	{ XEN_ENOSPC,		"ENOSPC" },
	{ XEN_EIO,		"EIO" },
	{ XEN_ENOTEMPTY,	"ENOTEMPTY" },
	{ XEN_ENOSYS,		"ENOSYS" },
	{ XEN_EROFS,		"EROFS" },
	{ XEN_EBUSY,		"EBUSY" },
	{ XEN_EAGAIN,		"EAGAIN" },
	{ XEN_EISCONN,		"EISCONN" },
	{ XEN_E2BIG,		"E2BIG" },
	{ XEN_EPERM,		"EPERM" },
};

/* Ring index: counts bytes forever; wraps only at 2^32. */
typedef uint32_t XENSTORE_RING_IDX;

/* The store ring page (start_info.store_mfn). */
struct xenstore_domain_interface {
	char req[XENSTORE_RING_SIZE];	/* guest -> store daemon */
	char rsp[XENSTORE_RING_SIZE];	/* replies and watch events */
	XENSTORE_RING_IDX req_cons;	/* written by the daemon */
	XENSTORE_RING_IDX req_prod;	/* written by the guest */
	XENSTORE_RING_IDX rsp_cons;	/* written by the guest */
	XENSTORE_RING_IDX rsp_prod;	/* written by the daemon */
	uint32_t server_features;	/* XENSTORE_SERVER_FEATURE_* */
	uint32_t connection;		/* XENSTORE_CONNECTED/RECONNECT */
	uint32_t error;			/* XENSTORE_ERROR_* */
	uint32_t evtchn_port;		/* newer than 4.17 */
};
_Static_assert(sizeof(struct xenstore_domain_interface) == 0x820,
	       "xenstore_domain_interface size");
_Static_assert(offsetof(struct xenstore_domain_interface, req_cons) ==
	       0x800, "xenstore_domain_interface.req_cons");
_Static_assert(offsetof(struct xenstore_domain_interface, rsp_prod) ==
	       0x80c, "xenstore_domain_interface.rsp_prod");
_Static_assert(offsetof(struct xenstore_domain_interface,
			server_features) == 0x810,
	       "xenstore_domain_interface.server_features");
_Static_assert(offsetof(struct xenstore_domain_interface, connection) ==
	       0x814, "xenstore_domain_interface.connection");

/* Offset into req[] or rsp[] for a ring index. */
static inline uint32_t xenstore_ring_slot(XENSTORE_RING_IDX idx)
{
	return idx & (XENSTORE_RING_SIZE - 1);
}

#endif /* !__ASSEMBLER__ */

#endif /* TANDEM_PUBLIC_IO_XS_WIRE_H */
