/*
 * Tandem public ABI: feature bits reported by XENVER_get_features and
 * named (without the prefix) in a kernel's XEN_ELFNOTE_FEATURES string.
 * Submap N of XENVER_get_features holds bits 32*N .. 32*N+31.
 */
#ifndef TANDEM_PUBLIC_FEATURES_H
#define TANDEM_PUBLIC_FEATURES_H

#define XENFEAT_writable_page_tables		0  /* L1 writes emulated */
#define XENFEAT_writable_descriptor_tables	1  /* GDT/LDT writable */
#define XENFEAT_auto_translated_physmap		2  /* guest sees no MFNs */
#define XENFEAT_supervisor_mode_kernel		3  /* kernel runs in ring 0 */
#define XENFEAT_pae_pgdir_above_4gb		4  /* top table above 4GB */
#define XENFEAT_mmu_pt_update_preserve_ad	5  /* mmu_update cmd 2 */
#define XENFEAT_highmem_assist			6  /* 32-bit highmem help */
#define XENFEAT_gnttab_map_avail_bits		7  /* GNTMAP_guest_avail */
#define XENFEAT_hvm_callback_vector		8  /* HVM only */
#define XENFEAT_hvm_safe_pvclock		9  /* HVM only */
#define XENFEAT_hvm_pirqs			10 /* HVM only */
#define XENFEAT_dom0				11 /* may boot as dom0 */
#define XENFEAT_grant_map_identity		12 /* deprecated */
#define XENFEAT_memory_op_vnode_supported	13 /* XENMEMF_vnode */
#define XENFEAT_ARM_SMCCC_supported		14 /* Arm only */
#define XENFEAT_linux_rsdp_unrestricted		15 /* PVH: RSDP anywhere */
#define XENFEAT_not_direct_mapped		16 /* gfn != mfn */
#define XENFEAT_direct_mapped			17 /* gfn == mfn */
#define XENFEAT_runstate_phys_area		18 /* VCPUOP 14 usable */
#define XENFEAT_vcpu_time_phys_area		19 /* VCPUOP 15 usable */
#define XENFEAT_dm_msix_all_writes		20 /* HVM device models */

/* Number of 32-bit submaps XENVER_get_features can return. */
#define XENFEAT_NR_SUBMAPS			1

#endif /* TANDEM_PUBLIC_FEATURES_H */
