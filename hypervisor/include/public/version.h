/*
 * Tandem public ABI: HYPERVISOR_xen_version(cmd, arg) sub-operations.
 * XENVER_version returns (major << 16) | minor directly; the others fill
 * the buffer at arg. XENVER_version with a NULL arg is also a cheap no-op
 * hypercall that guests use to get pending events delivered.
 */
#ifndef TANDEM_PUBLIC_VERSION_H
#define TANDEM_PUBLIC_VERSION_H

#include <public/xen.h>
#include <public/features.h>

#define XENVER_version			0  /* returns major << 16 | minor */
#define XENVER_extraversion		1  /* xen_extraversion_t */
#define XENVER_compile_info		2  /* struct xen_compile_info */
#define XENVER_capabilities		3  /* xen_capabilities_info_t */
#define XENVER_changeset		4  /* xen_changeset_info_t */
#define XENVER_platform_parameters	5  /* xen_platform_parameters */
#define XENVER_get_features		6  /* struct xen_feature_info */
#define XENVER_pagesize			7  /* returns the page size */
#define XENVER_guest_handle		8  /* xen_domain_handle_t */
#define XENVER_commandline		9  /* xen_commandline_t */
#define XENVER_build_id			10 /* struct xen_varbuf */
#define XENVER_extraversion2		11 /* struct xen_varbuf */
#define XENVER_capabilities2		12 /* struct xen_varbuf */
#define XENVER_changeset2		13 /* struct xen_varbuf */
#define XENVER_commandline2		14 /* struct xen_varbuf */

#ifndef __ASSEMBLER__

/* Fixed-size string results; NUL-terminated, silently truncated. */
typedef char xen_extraversion_t[16];	/* e.g. ".0" or "-rc" */
typedef char xen_capabilities_info_t[1024]; /* e.g. "xen-3.0-x86_64 " */
typedef char xen_changeset_info_t[64];
typedef char xen_commandline_t[1024];	/* hypervisor command line */

#define XEN_EXTRAVERSION_LEN		sizeof(xen_extraversion_t)
#define XEN_CAPABILITIES_INFO_LEN	sizeof(xen_capabilities_info_t)
#define XEN_CHANGESET_INFO_LEN		sizeof(xen_changeset_info_t)

struct xen_compile_info {
	char compiler[64];
	char compile_by[16];
	char compile_domain[32];
	char compile_date[32];
};
_Static_assert(sizeof(struct xen_compile_info) == 144, "xen_compile_info");

struct xen_platform_parameters {
	xen_ulong_t virt_start;	/* start of the hypervisor's VA hole */
};
_Static_assert(sizeof(struct xen_platform_parameters) == 8,
	       "xen_platform_parameters");

struct xen_feature_info {
	uint32_t submap_idx;	/* IN: which group of 32 XENFEAT_ bits */
	uint32_t submap;	/* OUT: the bits */
};
_Static_assert(sizeof(struct xen_feature_info) == 8, "xen_feature_info");

/*
 * Variable-length result (build id and the "2" variants). A NULL arg asks
 * for the size; otherwise len is the buffer size and the return value the
 * number of bytes written (no NUL terminator).
 */
struct xen_varbuf {
	uint32_t len;		/* IN: size of buf */
	unsigned char buf[];	/* OUT */
};
_Static_assert(sizeof(struct xen_varbuf) == 4, "xen_varbuf");

/* Old name of the same layout, used by XENVER_build_id. */
struct xen_build_id {
	uint32_t len;
	unsigned char buf[];
};
_Static_assert(sizeof(struct xen_build_id) == 4, "xen_build_id");

#endif /* !__ASSEMBLER__ */

#endif /* TANDEM_PUBLIC_VERSION_H */
