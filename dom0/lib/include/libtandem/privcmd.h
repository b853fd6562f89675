/* SPDX-License-Identifier: MIT */
/*
 * libtandem: hypercalls and foreign memory through Linux's
 * /dev/xen/privcmd.
 *
 * A struct tdm_privcmd is an open /dev/xen/privcmd (and, when the kernel
 * has it, /dev/xen/hypercall). One handle must not be used by two threads
 * at once; open one per thread.
 *
 * Hypercall argument buffers. The privcmd driver hands the five argument
 * words to the hypervisor unchanged, so a pointer argument is a user-space
 * virtual address that the hypervisor reads and writes directly, through
 * the page tables current at the time of the call. The memory must
 * therefore be mapped and present for the whole call: a page that is not
 * yet faulted in, swapped out or in the middle of being migrated makes
 * the hypercall fail with EFAULT (the hypervisor cannot take a page fault
 * on the kernel's behalf). Linux 4.18 and later provide /dev/xen/hypercall,
 * whose mmap() returns kernel-allocated pages that stay put; older kernels
 * need locked (mlock) and touched anonymous memory, which works on PV but
 * is not protected against page migration. tdm_hbuf_alloc() uses the
 * former when it exists and falls back to the latter.
 *
 * All the typed wrappers below copy their arguments (including the arrays
 * they point to) into hypercall buffers themselves, so their callers pass
 * ordinary memory. Only tdm_hypercall() and the generic tdm_*_op() calls
 * pass pointers through as they are: every pointer they carry, directly or
 * inside an argument structure, must point into hypercall buffers.
 *
 * Results: 0 (or a count) on success; a negative errno value on failure,
 * with errno and tdm_errmsg() set (see error.h). The hypervisor's error
 * numbers are Linux's, so they come back unchanged (-ESRCH: no such
 * domain, -EPERM/-EACCES: not privileged, ...).
 */
#ifndef LIBTANDEM_PRIVCMD_H
#define LIBTANDEM_PRIVCMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <public/xen.h>
#include <public/domctl.h>
#include <public/sysctl.h>
#include <public/memory.h>
#include <public/event_channel.h>
#include <public/grant_table.h>

#define TDM_PAGE_SHIFT		12
#define TDM_PAGE_SIZE		(1u << TDM_PAGE_SHIFT)

struct tdm_privcmd;

/* Open /dev/xen/privcmd (and /dev/xen/hypercall if present). */
int tdm_privcmd_open(struct tdm_privcmd **out);
void tdm_privcmd_close(struct tdm_privcmd *h);
int tdm_privcmd_fd(const struct tdm_privcmd *h);

/*
 * Hypercall buffers: size bytes rounded up to whole pages, zeroed, usable
 * as hypercall arguments (see above). Free with the same size.
 */
void *tdm_hbuf_alloc(struct tdm_privcmd *h, size_t size);
void tdm_hbuf_free(struct tdm_privcmd *h, void *buf, size_t size);

/* A raw hypercall: the hypervisor's return value, or -errno. */
long tdm_hypercall(struct tdm_privcmd *h, unsigned int op, uint64_t a0,
		   uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4);

/*
 * domctl / sysctl (interface version 0x15). interface_version is filled
 * in; the structure is copied to a hypercall buffer and back, so output
 * fields are returned in *dc / *sc. Commands whose union member holds a
 * pointer need that pointer to be a hypercall buffer; the wrappers below
 * take care of it for the commands they cover.
 */
int tdm_domctl(struct tdm_privcmd *h, struct xen_domctl *dc);
int tdm_sysctl(struct tdm_privcmd *h, struct xen_sysctl *sc);

/* Create a domain; *domid in: wanted id or 0 for any, out: the id. */
int tdm_domain_create(struct tdm_privcmd *h, domid_t *domid,
		      const struct xen_domctl_createdomain *cfg);
int tdm_domain_destroy(struct tdm_privcmd *h, domid_t domid);
int tdm_domain_pause(struct tdm_privcmd *h, domid_t domid);
int tdm_domain_unpause(struct tdm_privcmd *h, domid_t domid);
/* -ESRCH if domid does not exist (never another domain's info). */
int tdm_domain_getinfo(struct tdm_privcmd *h, domid_t domid,
		       struct xen_domctl_getdomaininfo *info);
/* Up to max domains with id >= first: the number filled in, or -errno. */
int tdm_domain_list(struct tdm_privcmd *h, domid_t first,
		    struct xen_domctl_getdomaininfo *info, unsigned int max);
int tdm_domain_max_mem(struct tdm_privcmd *h, domid_t domid,
		       uint64_t max_kb);
int tdm_domain_max_vcpus(struct tdm_privcmd *h, domid_t domid,
			 unsigned int max);
int tdm_domain_set_address_size(struct tdm_privcmd *h, domid_t domid,
				unsigned int bits);
int tdm_domain_set_handle(struct tdm_privcmd *h, domid_t domid,
			  const uint8_t handle[16]);
int tdm_domain_set_vcpu_context(struct tdm_privcmd *h, domid_t domid,
				unsigned int vcpu,
				const struct vcpu_guest_context *ctx);
int tdm_domain_get_vcpu_context(struct tdm_privcmd *h, domid_t domid,
				unsigned int vcpu,
				struct vcpu_guest_context *ctx);
int tdm_domain_set_virq_handler(struct tdm_privcmd *h, domid_t domid,
				unsigned int virq);
/* Credit scheduler weight/cap: set them (set) or read them. */
int tdm_domain_sched_credit(struct tdm_privcmd *h, domid_t domid, bool set,
			    struct xen_domctl_sched_credit *params);

int tdm_physinfo(struct tdm_privcmd *h, struct xen_sysctl_physinfo *info);
/*
 * Read the hypervisor console ring into buf (*count: in its size, out the
 * bytes read). With incremental, start at *index and update it.
 */
int tdm_readconsole(struct tdm_privcmd *h, char *buf, uint32_t *count,
		    uint32_t *index, bool incremental, bool clear);

/* Generic memory_op; embedded pointers must be hypercall buffers. */
long tdm_memory_op(struct tdm_privcmd *h, unsigned int cmd, void *arg,
		   size_t arg_size);
/*
 * Give domid nr extents of 2^order frames at the PFNs in pfns (replaced
 * by the MFNs for a PV domain). Returns the number of extents populated,
 * which may be fewer than nr, or -errno.
 */
long tdm_populate_physmap(struct tdm_privcmd *h, domid_t domid,
			  unsigned long nr, unsigned int order,
			  unsigned int mem_flags, xen_pfn_t *pfns);
/* Release nr extents of domid at the frames in pfns; count or -errno. */
long tdm_decrease_reservation(struct tdm_privcmd *h, domid_t domid,
			      unsigned long nr, unsigned int order,
			      const xen_pfn_t *pfns);
/* Current number of pages of domid, or -errno. */
long tdm_current_reservation(struct tdm_privcmd *h, domid_t domid);
/* Highest pseudo-physical frame of domid, or -errno. */
long tdm_maximum_gpfn(struct tdm_privcmd *h, domid_t domid);

/* mmuext_op on behalf of foreigndom (DOMID_SELF for ourselves). */
int tdm_mmuext_op(struct tdm_privcmd *h, const struct mmuext_op *ops,
		  unsigned int count, domid_t foreigndom);
/* Pin (level 1..4) a page-table frame of domid, or unpin (level 0). */
int tdm_pin_table(struct tdm_privcmd *h, domid_t domid, unsigned int level,
		  xen_pfn_t mfn);

/* Generic grant_table_op over count ops of op_size bytes each. */
int tdm_grant_table_op(struct tdm_privcmd *h, unsigned int cmd, void *ops,
		       unsigned int count, size_t op_size);
/* Grow domid's grant table to nr_frames and return their MFNs. */
int tdm_gnttab_setup_table(struct tdm_privcmd *h, domid_t domid,
			   unsigned int nr_frames, xen_pfn_t *frames);

/* Generic event_channel_op (the struct is copied to a buffer and back). */
int tdm_event_channel_op(struct tdm_privcmd *h, unsigned int cmd, void *arg,
			 size_t arg_size);
/*
 * A new port of dom that remote may bind: the toolstack's way to create
 * the store and console channels of a new guest. Returns the port.
 */
int tdm_evtchn_alloc_unbound(struct tdm_privcmd *h, domid_t dom,
			     domid_t remote);
int tdm_evtchn_status(struct tdm_privcmd *h, struct evtchn_status *st);
/* Close every event channel of dom. */
int tdm_evtchn_reset_domain(struct tdm_privcmd *h, domid_t dom);

/* xen_version(cmd, arg): its return value or -errno. */
long tdm_xen_version(struct tdm_privcmd *h, unsigned int cmd, void *arg,
		     size_t arg_size);

/*
 * Foreign mapping: map n frames of domain dom (machine frames of a PV
 * domain) with prot (PROT_READ[|PROT_WRITE]). With errs (n ints) the call
 * succeeds if the batch was processed at all and errs[i] says, per frame,
 * 0 or -errno (a failed frame is a hole that faults on access); without
 * errs any failed frame fails the whole call. Unmap with
 * tdm_foreign_unmap(addr, n).
 */
void *tdm_foreign_map(struct tdm_privcmd *h, domid_t dom, int prot,
		      const xen_pfn_t *frames, int *errs, size_t n);
int tdm_foreign_unmap(void *addr, size_t n);

/*
 * Map nr frames, from frame index first, of a resource of dom
 * (XENMEM_resource_grant_table, ...). Unmap with tdm_foreign_unmap().
 */
void *tdm_foreign_map_resource(struct tdm_privcmd *h, domid_t dom,
			       unsigned int type, unsigned int id,
			       unsigned long first, unsigned long nr,
			       int prot);

#endif /* LIBTANDEM_PRIVCMD_H */
