/*
 * Tandem public ABI: HYPERVISOR_memory_op(cmd, arg) - growing and shrinking
 * a domain's memory, exchanging frames, querying the memory maps and the
 * M2P, and mapping special frames (add_to_physmap, acquire_resource).
 */
#ifndef TANDEM_PUBLIC_MEMORY_H
#define TANDEM_PUBLIC_MEMORY_H

#include <public/xen.h>

#define XENMEM_increase_reservation	0  /* xen_memory_reservation */
#define XENMEM_decrease_reservation	1  /* xen_memory_reservation */
#define XENMEM_maximum_ram_page		2  /* NULL: returns highest MFN */
#define XENMEM_current_reservation	3  /* domid_t *: returns pages */
#define XENMEM_maximum_reservation	4  /* domid_t *: returns limit */
#define XENMEM_machphys_mfn_list	5  /* xen_machphys_mfn_list */
#define XENMEM_populate_physmap		6  /* xen_memory_reservation */
#define XENMEM_add_to_physmap		7  /* xen_add_to_physmap */
/* 8 (translate_gpfn_list) was removed */
#define XENMEM_memory_map		9  /* xen_memory_map: own E820 */
#define XENMEM_machine_memory_map	10 /* xen_memory_map: host E820 */
#define XENMEM_exchange			11 /* xen_memory_exchange */
#define XENMEM_machphys_mapping		12 /* xen_machphys_mapping */
#define XENMEM_set_memory_map		13 /* xen_foreign_memory_map */
#define XENMEM_maximum_gpfn		14 /* domid_t *: returns max GPFN */
#define XENMEM_remove_from_physmap	15 /* xen_remove_from_physmap */
#define XENMEM_set_pod_target		16
#define XENMEM_get_pod_target		17
#define XENMEM_get_sharing_freed_pages	18
#define XENMEM_get_sharing_shared_pages	19
#define XENMEM_paging_op		20
#define XENMEM_access_op		21
#define XENMEM_sharing_op		22
#define XENMEM_add_to_physmap_batch	23 /* xen_add_to_physmap_batch */
#define XENMEM_claim_pages		24
#define XENMEM_machphys_compat_mfn_list	25
#define XENMEM_get_vnumainfo		26
#define XENMEM_reserved_device_memory_map 27
#define XENMEM_acquire_resource		28 /* xen_mem_acquire_resource */

/*
 * xen_memory_reservation.mem_flags: bits 0..7 limit the machine address
 * width of allocated frames (0 = no limit), bits 8..15 hold NUMA node + 1.
 */
#define XENMEMF_address_bits(x)		(x)
#define XENMEMF_get_address_bits(x)	((x) & 0xff)
#define XENMEMF_node(x)			(((x) + 1) << 8)
#define XENMEMF_get_node(x)		((((x) >> 8) - 1) & 0xff)
#define XENMEMF_populate_on_demand	(1 << 16)
#define XENMEMF_exact_node_request	(1 << 17)
#define XENMEMF_exact_node(n)	(XENMEMF_node(n) | XENMEMF_exact_node_request)
#define XENMEMF_vnode			(1 << 18)

/* Spaces for xen_add_to_physmap.space. */
#define XENMAPSPACE_shared_info		0 /* the shared_info page */
#define XENMAPSPACE_grant_table		1 /* grant table frame idx */
#define XENMAPSPACE_gmfn		2 /* move frame idx to gpfn */
#define XENMAPSPACE_gmfn_range		3 /* same, size frames */
#define XENMAPSPACE_gmfn_foreign	4 /* another domain's frame (batch) */
#define XENMAPSPACE_dev_mmio		5 /* device MMIO (Arm only) */

/* Set in idx with XENMAPSPACE_grant_table: map a v2 status frame. */
#define XENMAPIDX_grant_table_status	0x80000000

/* xen_mem_acquire_resource.type and .id */
#define XENMEM_resource_ioreq_server		0
#define XENMEM_resource_grant_table		1
#define XENMEM_resource_vmtrace_buf		2
#define XENMEM_resource_grant_table_id_shared	0
#define XENMEM_resource_grant_table_id_status	1
#define XENMEM_resource_ioreq_server_frame_bufioreq	0
#define XENMEM_resource_ioreq_server_frame_ioreq(n)	(1 + (n))

/* Memory map entry types (E820 numbering). */
#define XEN_E820_RAM		1
#define XEN_E820_RESERVED	2
#define XEN_E820_ACPI		3
#define XEN_E820_NVS		4
#define XEN_E820_UNUSABLE	5

#ifndef __ASSEMBLER__

/*
 * increase_reservation: allocate nr_extents extents of 2^extent_order
 * frames; their MFNs are written to extent_start. decrease_reservation:
 * free the extents whose GFNs are listed. populate_physmap: back the
 * listed GFNs with new frames. The return value is the number of extents
 * done.
 */
struct xen_memory_reservation {
	guest_handle_t extent_start;	/* xen_pfn_t array */
	xen_ulong_t nr_extents;
	uint32_t extent_order;		/* log2 of frames per extent */
	uint32_t mem_flags;		/* XENMEMF_* (was address_bits) */
	domid_t domid;			/* DOMID_SELF unless privileged */
	uint16_t _pad0[3];
};
_Static_assert(sizeof(struct xen_memory_reservation) == 32,
	       "xen_memory_reservation size");
_Static_assert(offsetof(struct xen_memory_reservation, extent_order) == 16,
	       "xen_memory_reservation.extent_order");
_Static_assert(offsetof(struct xen_memory_reservation, mem_flags) == 20,
	       "xen_memory_reservation.mem_flags");
_Static_assert(offsetof(struct xen_memory_reservation, domid) == 24,
	       "xen_memory_reservation.domid");

/*
 * Swap the frames listed in "in" for new ones allocated as described by
 * "out" (same domain, same total number of frames). nr_exchanged must be
 * 0 on entry and counts the input extents done.
 */
struct xen_memory_exchange {
	struct xen_memory_reservation in;
	struct xen_memory_reservation out;
	xen_ulong_t nr_exchanged;
};
_Static_assert(sizeof(struct xen_memory_exchange) == 72,
	       "xen_memory_exchange size");
_Static_assert(offsetof(struct xen_memory_exchange, nr_exchanged) == 64,
	       "xen_memory_exchange.nr_exchanged");

/* Argument of current/maximum_reservation and maximum_gpfn. */
struct xen_memory_domain {
	domid_t domid;
};
_Static_assert(sizeof(struct xen_memory_domain) == 2, "xen_memory_domain");

/* MFNs of the 2MiB chunks that back the M2P table. */
struct xen_machphys_mfn_list {
	uint32_t max_extents;		/* IN: size of extent_start */
	uint32_t _pad0;
	guest_handle_t extent_start;	/* OUT: xen_pfn_t array */
	uint32_t nr_extents;		/* OUT */
	uint32_t _pad1;
};
_Static_assert(sizeof(struct xen_machphys_mfn_list) == 24,
	       "xen_machphys_mfn_list size");
_Static_assert(offsetof(struct xen_machphys_mfn_list, nr_extents) == 16,
	       "xen_machphys_mfn_list.nr_extents");

/* Where the read-only M2P is mapped in the guest. */
struct xen_machphys_mapping {
	xen_ulong_t v_start;		/* first VA */
	xen_ulong_t v_end;		/* VA after the last entry */
	xen_ulong_t max_mfn;		/* highest MFN it can translate */
};
_Static_assert(sizeof(struct xen_machphys_mapping) == 24,
	       "xen_machphys_mapping");

/* Put a special frame (shared_info, grant table, ...) at gpfn. */
struct xen_add_to_physmap {
	domid_t domid;
	uint16_t size;			/* frames, XENMAPSPACE_gmfn_range */
	uint32_t space;			/* XENMAPSPACE_* */
	xen_ulong_t idx;		/* index within the space */
	xen_pfn_t gpfn;			/* where it should appear */
};
_Static_assert(sizeof(struct xen_add_to_physmap) == 24,
	       "xen_add_to_physmap size");
_Static_assert(offsetof(struct xen_add_to_physmap, idx) == 8,
	       "xen_add_to_physmap.idx");

struct xen_add_to_physmap_batch {
	domid_t domid;
	uint16_t space;			/* XENMAPSPACE_* */
	uint16_t size;			/* entries in the arrays */
	union {
		domid_t foreign_domid;	/* XENMAPSPACE_gmfn_foreign */
		uint16_t res0;		/* other spaces: 0 */
	} u;
	guest_handle_t idxs;		/* IN: xen_ulong_t array */
	guest_handle_t gpfns;		/* IN: xen_pfn_t array */
	guest_handle_t errs;		/* OUT: int array */
};
_Static_assert(sizeof(struct xen_add_to_physmap_batch) == 32,
	       "xen_add_to_physmap_batch size");
_Static_assert(offsetof(struct xen_add_to_physmap_batch, idxs) == 8,
	       "xen_add_to_physmap_batch.idxs");

struct xen_remove_from_physmap {
	domid_t domid;
	uint16_t _pad0[3];
	xen_pfn_t gpfn;
};
_Static_assert(sizeof(struct xen_remove_from_physmap) == 16,
	       "xen_remove_from_physmap");

/*
 * A memory map as an array of struct xen_e820_entry. nr_entries is the
 * buffer's capacity on entry and the number of entries on return.
 */
struct xen_memory_map {
	uint32_t nr_entries;
	uint32_t _pad0;
	guest_handle_t buffer;		/* struct xen_e820_entry array */
};
_Static_assert(sizeof(struct xen_memory_map) == 16, "xen_memory_map size");
_Static_assert(offsetof(struct xen_memory_map, buffer) == 8,
	       "xen_memory_map.buffer");

/* XENMEM_set_memory_map: the toolstack sets a domain's memory map. */
struct xen_foreign_memory_map {
	domid_t domid;
	uint16_t _pad0[3];
	struct xen_memory_map map;
};
_Static_assert(sizeof(struct xen_foreign_memory_map) == 24,
	       "xen_foreign_memory_map");

/* One memory map entry, BIOS INT 15h/E820 format (packed, 20 bytes). */
struct xen_e820_entry {
	uint64_t addr;			/* start of the range */
	uint64_t size;			/* length in bytes */
	uint32_t type;			/* XEN_E820_* */
} __attribute__((packed));
_Static_assert(sizeof(struct xen_e820_entry) == 20, "xen_e820_entry size");
_Static_assert(offsetof(struct xen_e820_entry, type) == 16,
	       "xen_e820_entry.type");

/*
 * Map frames of a resource of domain domid (e.g. its grant table). With
 * nr_frames 0 and a null frame_list, returns the resource size in
 * nr_frames. For a PV caller the MFNs are written to frame_list.
 */
struct xen_mem_acquire_resource {
	domid_t domid;			/* IN */
	uint16_t type;			/* IN: XENMEM_resource_* */
	uint32_t id;			/* IN: type-specific id */
	uint32_t nr_frames;		/* IN/OUT */
	uint32_t pad;			/* IN: zero */
	uint64_t frame;			/* IN: first frame index */
	guest_handle_t frame_list;	/* IN/OUT: xen_pfn_t array */
};
_Static_assert(sizeof(struct xen_mem_acquire_resource) == 32,
	       "xen_mem_acquire_resource size");
_Static_assert(offsetof(struct xen_mem_acquire_resource, frame) == 16,
	       "xen_mem_acquire_resource.frame");
_Static_assert(offsetof(struct xen_mem_acquire_resource, frame_list) == 24,
	       "xen_mem_acquire_resource.frame_list");

#endif /* !__ASSEMBLER__ */

#endif /* TANDEM_PUBLIC_MEMORY_H */
