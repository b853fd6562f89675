/*
 * Tandem public ABI: HYPERVISOR_vcpu_op(cmd, vcpuid, arg) - bringing vCPUs
 * up and down, per-vCPU timers, and registering guest memory for the
 * runstate, vcpu_info and time areas.
 */
#ifndef TANDEM_PUBLIC_VCPU_H
#define TANDEM_PUBLIC_VCPU_H

#include <public/xen.h>

/*
 * Commands. Unless noted, VCPUOP_foo takes a struct vcpu_foo; "-" means
 * the argument is NULL. Command 13 takes a struct
 * vcpu_register_time_memory_area.
 */
#define VCPUOP_initialise		0  /* struct vcpu_guest_context */
#define VCPUOP_up			1  /* -: run an initialised vCPU */
#define VCPUOP_down			2  /* -: stop it (asynchronous) */
#define VCPUOP_is_up			3  /* -: returns 1 if up, 0 if not */
#define VCPUOP_get_runstate_info	4  /* struct vcpu_runstate_info */
#define VCPUOP_register_runstate_memory_area	5
#define VCPUOP_set_periodic_timer	6
#define VCPUOP_stop_periodic_timer	7  /* - */
#define VCPUOP_set_singleshot_timer	8
#define VCPUOP_stop_singleshot_timer	9  /* - */
#define VCPUOP_register_vcpu_info	10
#define VCPUOP_send_nmi			11 /* - */
#define VCPUOP_get_physid		12
#define VCPUOP_register_vcpu_time_memory_area	13
/* As 5 and 13, but addr.p is a guest physical address (~0: unregister). */
#define VCPUOP_register_runstate_phys_area	14
#define VCPUOP_register_vcpu_time_phys_area	15

/* vcpu_runstate_info.state */
#define RUNSTATE_running		0  /* on a physical CPU */
#define RUNSTATE_runnable		1  /* ready, waiting for a CPU */
#define RUNSTATE_blocked		2  /* waiting for an event */
#define RUNSTATE_offline		3  /* down, or paused by the tools */

/*
 * Bit set in state_entry_time while the hypervisor rewrites a registered
 * runstate area (only with VMASST_TYPE_runstate_update_flag).
 */
#define XEN_RUNSTATE_UPDATE		0x8000000000000000

/* vcpu_set_singleshot_timer.flags: fail with -XEN_ETIME if in the past. */
#define _VCPU_SSHOTTMR_future		0
#define VCPU_SSHOTTMR_future		(1 << _VCPU_SSHOTTMR_future)

#ifndef __ASSEMBLER__

/* Accounting of where a vCPU's time went, all in ns of system time. */
struct vcpu_runstate_info {
	int32_t state;			/* RUNSTATE_* */
	uint32_t _pad0;
	uint64_t state_entry_time;	/* when the current state began */
	uint64_t time[4];		/* total time in each RUNSTATE_* */
};
_Static_assert(sizeof(struct vcpu_runstate_info) == 48,
	       "vcpu_runstate_info size");
_Static_assert(offsetof(struct vcpu_runstate_info, state_entry_time) == 8,
	       "vcpu_runstate_info.state_entry_time");
_Static_assert(offsetof(struct vcpu_runstate_info, time) == 16,
	       "vcpu_runstate_info.time");

/*
 * Guest address of a vcpu_runstate_info that the hypervisor keeps up to
 * date. addr.h is a virtual address; the _phys_area op reads addr.p as a
 * guest physical address instead (~0 unregisters).
 */
struct vcpu_register_runstate_memory_area {
	union {
		guest_handle_t h;
		uint64_t p;
	} addr;
};
_Static_assert(sizeof(struct vcpu_register_runstate_memory_area) == 8,
	       "vcpu_register_runstate_memory_area");

struct vcpu_set_periodic_timer {
	uint64_t period_ns;
};
_Static_assert(sizeof(struct vcpu_set_periodic_timer) == 8,
	       "vcpu_set_periodic_timer");

struct vcpu_set_singleshot_timer {
	uint64_t timeout_abs_ns;	/* absolute system time */
	uint32_t flags;			/* VCPU_SSHOTTMR_* */
	uint32_t _pad0;
};
_Static_assert(sizeof(struct vcpu_set_singleshot_timer) == 16,
	       "vcpu_set_singleshot_timer");

/*
 * Move this vCPU's vcpu_info out of shared_info into a guest page. It
 * must not cross a page boundary; it can be done once per vCPU.
 */
struct vcpu_register_vcpu_info {
	uint64_t mfn;			/* frame to hold the vcpu_info */
	uint32_t offset;		/* byte offset inside that frame */
	uint32_t rsvd;			/* zero */
};
_Static_assert(sizeof(struct vcpu_register_vcpu_info) == 16,
	       "vcpu_register_vcpu_info size");
_Static_assert(offsetof(struct vcpu_register_vcpu_info, offset) == 8,
	       "vcpu_register_vcpu_info.offset");

/* x86: bits 0..31 are the APIC id, bits 32..63 the ACPI id. */
struct vcpu_get_physid {
	uint64_t phys_id;
};
_Static_assert(sizeof(struct vcpu_get_physid) == 8, "vcpu_get_physid");

/* A second copy of vcpu_time_info, for instance for a vDSO. */
struct vcpu_register_time_memory_area {
	union {
		guest_handle_t h;
		uint64_t p;
	} addr;
};
_Static_assert(sizeof(struct vcpu_register_time_memory_area) == 8,
	       "vcpu_register_time_memory_area");

#endif /* !__ASSEMBLER__ */

#endif /* TANDEM_PUBLIC_VCPU_H */
