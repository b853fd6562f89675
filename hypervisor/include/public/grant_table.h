/*
 * Tandem public ABI: grant tables. A domain grants another domain access
 * to one of its frames by filling an entry of its grant table; the other
 * domain maps or copies it with HYPERVISOR_grant_table_op(cmd, args, count).
 */
#ifndef TANDEM_PUBLIC_GRANT_TABLE_H
#define TANDEM_PUBLIC_GRANT_TABLE_H

#include <public/xen.h>

/* Entries kept by the toolstack; 0 and 1 point at console and store. */
#define GNTTAB_NR_RESERVED_ENTRIES	8
#define GNTTAB_RESERVED_CONSOLE		0
#define GNTTAB_RESERVED_XENSTORE	1

/* Entry type in the low two bits of flags. */
#define GTF_invalid		(0 << 0) /* no access granted */
#define GTF_permit_access	(1 << 0) /* domid may map/copy frame */
#define GTF_accept_transfer	(2 << 0) /* domid may transfer a frame in */
#define GTF_transitive		(3 << 0) /* v2: re-grant of another grant */
#define GTF_type_mask		(3 << 0)

/*
 * Further flags for GTF_permit_access. The granter sets readonly, the
 * cache attributes (PWT/PCD/PAT, applied to the grantee's mapping) and
 * sub_page; the hypervisor sets reading/writing while the grant is in use.
 */
#define _GTF_readonly		2
#define GTF_readonly		(1 << _GTF_readonly)
#define _GTF_reading		3
#define GTF_reading		(1 << _GTF_reading)
#define _GTF_writing		4
#define GTF_writing		(1 << _GTF_writing)
#define _GTF_PWT		5
#define GTF_PWT			(1 << _GTF_PWT)
#define _GTF_PCD		6
#define GTF_PCD			(1 << _GTF_PCD)
#define _GTF_PAT		7
#define GTF_PAT			(1 << _GTF_PAT)
#define _GTF_sub_page		8
#define GTF_sub_page		(1 << _GTF_sub_page)	/* v2 only */

/* Further flags for GTF_accept_transfer. */
#define _GTF_transfer_committed	2
#define GTF_transfer_committed	(1 << _GTF_transfer_committed)
#define _GTF_transfer_completed	3
#define GTF_transfer_completed	(1 << _GTF_transfer_completed)

/* Commands; GNTTABOP_foo takes an array of struct gnttab_foo. */
#define GNTTABOP_map_grant_ref		0
#define GNTTABOP_unmap_grant_ref	1
#define GNTTABOP_setup_table		2
#define GNTTABOP_dump_table		3
#define GNTTABOP_transfer		4
#define GNTTABOP_copy			5
#define GNTTABOP_query_size		6
#define GNTTABOP_unmap_and_replace	7
#define GNTTABOP_set_version		8
#define GNTTABOP_get_status_frames	9
#define GNTTABOP_get_version		10
#define GNTTABOP_swap_grant_ref		11
#define GNTTABOP_cache_flush		12

/*
 * gnttab_map_grant_ref.flags. device_map: for DMA (dev_bus_addr);
 * host_map: for the CPU at host_addr; application_map: user mode may use
 * the mapping too; contains_pte: host_addr is the machine address of the
 * PTE to write rather than a virtual address. Bits 16..31 are copied into
 * the PTE's available bits (XENFEAT_gnttab_map_avail_bits).
 */
#define _GNTMAP_device_map	0
#define GNTMAP_device_map	(1 << _GNTMAP_device_map)
#define _GNTMAP_host_map	1
#define GNTMAP_host_map		(1 << _GNTMAP_host_map)
#define _GNTMAP_readonly	2
#define GNTMAP_readonly		(1 << _GNTMAP_readonly)
#define _GNTMAP_application_map	3
#define GNTMAP_application_map	(1 << _GNTMAP_application_map)
#define _GNTMAP_contains_pte	4
#define GNTMAP_contains_pte	(1 << _GNTMAP_contains_pte)
#define _GNTMAP_guest_avail0	16
#define GNTMAP_guest_avail_mask	0xffff0000

/* gnttab_copy.flags: the source/destination is a grant reference. */
#define _GNTCOPY_source_gref	0
#define GNTCOPY_source_gref	(1 << _GNTCOPY_source_gref)
#define _GNTCOPY_dest_gref	1
#define GNTCOPY_dest_gref	(1 << _GNTCOPY_dest_gref)

/* gnttab_cache_flush.op */
#define GNTTAB_CACHE_CLEAN		(1 << 0)
#define GNTTAB_CACHE_INVAL		(1 << 1)
#define GNTTAB_CACHE_SOURCE_GREF	0x80000000	/* bit 31 */

/* Per-operation status codes (the status fields, not the return value). */
#define GNTST_okay		0	/* success */
#define GNTST_general_error	(-1)	/* other failure */
#define GNTST_bad_domain	(-2)	/* no such domain */
#define GNTST_bad_gntref	(-3)	/* bad or unusable grant ref */
#define GNTST_bad_handle	(-4)	/* bad mapping handle */
#define GNTST_bad_virt_addr	(-5)	/* bad host address to map */
#define GNTST_bad_dev_addr	(-6)	/* bad device address to unmap */
#define GNTST_no_device_space	(-7)	/* IOMMU out of space */
#define GNTST_permission_denied	(-8)	/* not allowed */
#define GNTST_bad_page		(-9)	/* frame not usable for this */
#define GNTST_bad_copy_arg	(-10)	/* copy crosses a page boundary */
#define GNTST_address_too_big	(-11)	/* transfer frame too high */
#define GNTST_eagain		(-12)	/* not done now, retry */
#define GNTST_no_space		(-13)	/* out of handles etc. */

#ifndef __ASSEMBLER__

typedef uint32_t grant_ref_t;		/* index into a grant table */
typedef uint32_t grant_handle_t;	/* returned by a map, for unmap */

/* Version 1 grant entry, 512 per 4KiB table frame. */
struct grant_entry_v1 {
	uint16_t flags;		/* GTF_*; the granter sets the type */
	domid_t domid;		/* domain allowed to use the grant */
	uint32_t frame;		/* GFN granted / MFN transferred */
};
_Static_assert(sizeof(struct grant_entry_v1) == 8, "grant_entry_v1 size");
_Static_assert(offsetof(struct grant_entry_v1, frame) == 4,
	       "grant_entry_v1.frame");

/* Version 2 grant entry (16 bytes); flags move to separate status frames. */
struct grant_entry_header {
	uint16_t flags;
	domid_t domid;
};
_Static_assert(sizeof(struct grant_entry_header) == 4, "grant_entry_header");

union grant_entry_v2 {
	struct grant_entry_header hdr;
	struct {			/* whole-page grant */
		struct grant_entry_header hdr;
		uint32_t pad0;
		uint64_t frame;
	} full_page;
	struct {			/* GTF_sub_page */
		struct grant_entry_header hdr;
		uint16_t page_off;
		uint16_t length;
		uint64_t frame;
	} sub_page;
	struct {			/* GTF_transitive */
		struct grant_entry_header hdr;
		domid_t trans_domid;
		uint16_t pad0;
		grant_ref_t gref;
	} transitive;
	uint32_t __spacer[4];
};
_Static_assert(sizeof(union grant_entry_v2) == 16, "grant_entry_v2 size");

typedef uint16_t grant_status_t;	/* v2 status frame entry */

/* Map a grant of domain dom at host_addr (VA, or PTE maddr). */
struct gnttab_map_grant_ref {
	uint64_t host_addr;		/* IN */
	uint32_t flags;			/* IN: GNTMAP_* */
	grant_ref_t ref;		/* IN */
	domid_t dom;			/* IN: granting domain */
	int16_t status;			/* OUT: GNTST_* */
	grant_handle_t handle;		/* OUT */
	uint64_t dev_bus_addr;		/* OUT: for GNTMAP_device_map */
};
_Static_assert(sizeof(struct gnttab_map_grant_ref) == 32,
	       "gnttab_map_grant_ref size");
_Static_assert(offsetof(struct gnttab_map_grant_ref, dom) == 16,
	       "gnttab_map_grant_ref.dom");
_Static_assert(offsetof(struct gnttab_map_grant_ref, handle) == 20,
	       "gnttab_map_grant_ref.handle");
_Static_assert(offsetof(struct gnttab_map_grant_ref, dev_bus_addr) == 24,
	       "gnttab_map_grant_ref.dev_bus_addr");

struct gnttab_unmap_grant_ref {
	uint64_t host_addr;		/* IN: 0 = no host mapping */
	uint64_t dev_bus_addr;		/* IN: 0 = no device mapping */
	grant_handle_t handle;		/* IN */
	int16_t status;			/* OUT: GNTST_* */
	uint16_t _pad0;
};
_Static_assert(sizeof(struct gnttab_unmap_grant_ref) == 24,
	       "gnttab_unmap_grant_ref size");
_Static_assert(offsetof(struct gnttab_unmap_grant_ref, status) == 20,
	       "gnttab_unmap_grant_ref.status");

/* Grow dom's table to nr_frames frames and list their MFNs. */
struct gnttab_setup_table {
	domid_t dom;			/* IN */
	uint16_t _pad0;
	uint32_t nr_frames;		/* IN */
	int16_t status;			/* OUT: GNTST_* */
	uint16_t _pad1[3];
	guest_handle_t frame_list;	/* OUT: xen_pfn_t[nr_frames] */
};
_Static_assert(sizeof(struct gnttab_setup_table) == 24,
	       "gnttab_setup_table size");
_Static_assert(offsetof(struct gnttab_setup_table, status) == 8,
	       "gnttab_setup_table.status");
_Static_assert(offsetof(struct gnttab_setup_table, frame_list) == 16,
	       "gnttab_setup_table.frame_list");

/* Print dom's table on the hypervisor console (debugging). */
struct gnttab_dump_table {
	domid_t dom;			/* IN */
	int16_t status;			/* OUT */
};
_Static_assert(sizeof(struct gnttab_dump_table) == 4, "gnttab_dump_table");

/* Give away frame mfn into a GTF_accept_transfer grant of domid. */
struct gnttab_transfer {
	xen_pfn_t mfn;			/* IN */
	domid_t domid;			/* IN */
	uint16_t _pad0;
	grant_ref_t ref;		/* IN */
	int16_t status;			/* OUT */
	uint16_t _pad1[3];
};
_Static_assert(sizeof(struct gnttab_transfer) == 24, "gnttab_transfer size");
_Static_assert(offsetof(struct gnttab_transfer, status) == 16,
	       "gnttab_transfer.status");

/*
 * Copy len bytes between two frames, either of which may be named by a
 * grant reference (GNTCOPY_*_gref) or by a GFN of the given domain.
 * Neither side may cross a page boundary.
 */
struct gnttab_copy_ptr {
	union {
		grant_ref_t ref;
		xen_pfn_t gmfn;
	} u;
	domid_t domid;
	uint16_t offset;		/* byte offset in the frame */
	uint32_t _pad0;
};

struct gnttab_copy {
	struct gnttab_copy_ptr source;	/* IN */
	struct gnttab_copy_ptr dest;	/* IN */
	uint16_t len;			/* IN */
	uint16_t flags;			/* IN: GNTCOPY_* */
	int16_t status;			/* OUT: GNTST_* */
	uint16_t _pad0;
};
_Static_assert(sizeof(struct gnttab_copy_ptr) == 16, "gnttab_copy_ptr");
_Static_assert(sizeof(struct gnttab_copy) == 40, "gnttab_copy size");
_Static_assert(offsetof(struct gnttab_copy, dest) == 16, "gnttab_copy.dest");
_Static_assert(offsetof(struct gnttab_copy, len) == 32, "gnttab_copy.len");
_Static_assert(offsetof(struct gnttab_copy, status) == 36,
	       "gnttab_copy.status");

struct gnttab_query_size {
	domid_t dom;			/* IN */
	uint16_t _pad0;
	uint32_t nr_frames;		/* OUT: current table size */
	uint32_t max_nr_frames;		/* OUT: limit */
	int16_t status;			/* OUT */
	uint16_t _pad1;
};
_Static_assert(sizeof(struct gnttab_query_size) == 16,
	       "gnttab_query_size size");
_Static_assert(offsetof(struct gnttab_query_size, status) == 12,
	       "gnttab_query_size.status");

/* Unmap host_addr and move the PTE at new_addr into its place. */
struct gnttab_unmap_and_replace {
	uint64_t host_addr;		/* IN */
	uint64_t new_addr;		/* IN */
	grant_handle_t handle;		/* IN */
	int16_t status;			/* OUT */
	uint16_t _pad0;
};
_Static_assert(sizeof(struct gnttab_unmap_and_replace) == 24,
	       "gnttab_unmap_and_replace");

/* Select grant table version 1 or 2; returns the version in force. */
struct gnttab_set_version {
	uint32_t version;		/* IN/OUT */
};
_Static_assert(sizeof(struct gnttab_set_version) == 4, "gnttab_set_version");

/* v2: list the frames of dom's status table. */
struct gnttab_get_status_frames {
	uint32_t nr_frames;		/* IN */
	domid_t dom;			/* IN */
	int16_t status;			/* OUT */
	guest_handle_t frame_list;	/* OUT: uint64_t[nr_frames] */
};
_Static_assert(sizeof(struct gnttab_get_status_frames) == 16,
	       "gnttab_get_status_frames");

struct gnttab_get_version {
	domid_t dom;			/* IN */
	uint16_t pad;
	uint32_t version;		/* OUT */
};
_Static_assert(sizeof(struct gnttab_get_version) == 8, "gnttab_get_version");

/* Exchange the contents of two of the caller's grant entries. */
struct gnttab_swap_grant_ref {
	grant_ref_t ref_a;		/* IN */
	grant_ref_t ref_b;		/* IN */
	int16_t status;			/* OUT */
	uint16_t _pad0;
};
_Static_assert(sizeof(struct gnttab_swap_grant_ref) == 12,
	       "gnttab_swap_grant_ref");

/* Arm only in practice: clean/invalidate the cache for part of a grant. */
struct gnttab_cache_flush {
	union {
		uint64_t dev_bus_addr;
		grant_ref_t ref;
	} a;
	uint16_t offset;		/* inside the grant */
	uint16_t length;
	uint32_t op;			/* GNTTAB_CACHE_* */
};
_Static_assert(sizeof(struct gnttab_cache_flush) == 16,
	       "gnttab_cache_flush");

/* Human-readable text for a GNTST_* code. */
static inline const char *gnttab_status_str(int status)
{
	switch (status) {
	case GNTST_okay:		return "okay";
	case GNTST_general_error:	return "general error";
	case GNTST_bad_domain:		return "bad domain id";
	case GNTST_bad_gntref:		return "bad grant reference";
	case GNTST_bad_handle:		return "bad mapping handle";
	case GNTST_bad_virt_addr:	return "bad virtual address";
	case GNTST_bad_dev_addr:	return "bad device address";
	case GNTST_no_device_space:	return "no I/O MMU space";
	case GNTST_permission_denied:	return "permission denied";
	case GNTST_bad_page:		return "bad page";
	case GNTST_bad_copy_arg:	return "copy crosses a page boundary";
	case GNTST_address_too_big:	return "frame address too large";
	case GNTST_eagain:		return "try again";
	case GNTST_no_space:		return "out of space";
	default:			return "unknown status";
	}
}

#endif /* !__ASSEMBLER__ */

#endif /* TANDEM_PUBLIC_GRANT_TABLE_H */
