/* SPDX-License-Identifier: MIT */
/*
 * libtandem: the store wire protocol (public/io/xs_wire.h) as data:
 * message building and parsing, error names, paths and permissions.
 * Shared by the store client (xs.h) and the store daemon (dom0/store), so
 * both sides agree on every rule. Pure functions: no I/O, no allocation.
 *
 * A message is a struct xsd_sockmsg (type, req_id, tx_id, len) followed by
 * len <= XENSTORE_PAYLOAD_MAX bytes of payload, usually strings each
 * ended by a NUL ("path\0value" for a write, "path\0token\0" for a watch).
 */
#ifndef LIBTANDEM_XS_PROTO_H
#define LIBTANDEM_XS_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <public/xen.h>
#include <public/io/xs_wire.h>

/* Where dom0 programs find the store daemon; the variable overrides it. */
#define TDM_XS_SOCKET_DEFAULT	"/run/tandem/store.sock"
#define TDM_XS_SOCKET_ENV	"TANDEM_STORE_SOCKET"
/* Linux's xenbus device, for programs running inside a guest. */
#define TDM_XS_XENBUS_DEVICE	"/dev/xen/xenbus"

/* The name of a message type ("READ", ...), or NULL if not a known type. */
const char *tdm_xs_type_name(uint32_t type);

/*
 * Error names of XS_ERROR replies. tdm_xs_errname() gives the name the
 * protocol uses for err ("EINVAL" for an errno the protocol has no name
 * for); tdm_xs_errnum() the errno for a name of len bytes (EINVAL for an
 * unknown name, as the protocol asks).
 */
const char *tdm_xs_errname(int err);
int tdm_xs_errnum(const char *name, size_t len);

/*
 * Check a header received from a peer: 0, or -EMSGSIZE if its payload is
 * longer than XENSTORE_PAYLOAD_MAX (the stream cannot be trusted after
 * that: drop the connection).
 */
int tdm_xs_check_header(const struct xsd_sockmsg *hdr);

/*
 * Split a payload into its NUL-terminated strings: stores up to max
 * pointers in vec and returns how many complete strings there are (bytes
 * after the last NUL are not a string). vec may be NULL to only count.
 */
unsigned int tdm_xs_split(const char *buf, size_t len, const char **vec,
			  unsigned int max);

/*
 * Node paths: "/" followed by components of [A-Za-z0-9_@-] separated by
 * single "/", no "/" at the end (except the root itself), at most
 * XENSTORE_ABS_PATH_MAX bytes. tdm_xs_path_valid() checks an absolute
 * path; tdm_xs_relpath_valid() a path relative to a domain's home (the
 * same rules, without the leading "/"). Special watch paths ("@...") are
 * neither.
 */
bool tdm_xs_path_valid(const char *path);
bool tdm_xs_relpath_valid(const char *path);

/* Permissions of a node: the first entry is the owner (see xs.h). */
#define TDM_XS_PERM_NONE	0
#define TDM_XS_PERM_READ	1
#define TDM_XS_PERM_WRITE	2
#define TDM_XS_PERM_BOTH	(TDM_XS_PERM_READ | TDM_XS_PERM_WRITE)

struct tdm_xs_perm {
	domid_t domid;
	uint8_t perms;		/* TDM_XS_PERM_* */
};

/*
 * "r5" -> {5, READ}: a letter n/r/w/b then a decimal domid below
 * DOMID_FIRST_RESERVED, nothing else. 0 or -EINVAL.
 */
int tdm_xs_perm_parse(const char *s, struct tdm_xs_perm *perm);
/* {5, READ} -> "r5"; the length written, or -EINVAL/-ENOSPC. */
int tdm_xs_perm_format(const struct tdm_xs_perm *perm, char *buf,
		       size_t size);

/*
 * Strict unsigned decimal: digits only, no sign or spaces, value <= max.
 * 0 or -EINVAL.
 */
int tdm_xs_parse_uint(const char *s, unsigned long long max,
		      unsigned long long *out);

/* A message being built, ready to send as it is (hdr then body). */
struct tdm_xs_msg {
	struct xsd_sockmsg hdr;
	char body[XENSTORE_PAYLOAD_MAX];
};

void tdm_xs_msg_init(struct tdm_xs_msg *m, uint32_t type, uint32_t req_id,
		     uint32_t tx_id);
/* Append s and its NUL: 0, or -E2BIG if the payload would be too long. */
int tdm_xs_msg_add_str(struct tdm_xs_msg *m, const char *s);
/* Append len raw bytes (no NUL): 0 or -E2BIG. */
int tdm_xs_msg_add_data(struct tdm_xs_msg *m, const void *data, size_t len);
/* Bytes to send: header plus payload. */
size_t tdm_xs_msg_size(const struct tdm_xs_msg *m);

#endif /* LIBTANDEM_XS_PROTO_H */
