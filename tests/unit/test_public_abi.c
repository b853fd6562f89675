/*
 * Host test for hypervisor/include/public: every ABI header must compile in
 * a hosted C11 program, and the key sizes, offsets and constants must have
 * the values of the 64-bit x86 Xen PV ABI. The headers already check most
 * layouts with _Static_assert; this test repeats a selection at run time so
 * a failure is reported by name, and exercises the small inline helpers.
 *
 * Build: gcc -std=gnu11 -Wall -Wextra -Werror -I hypervisor/include \
 *            -o test_public_abi tests/unit/test_public_abi.c
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <public/xen.h>
#include <public/arch-x86_64.h>
#include <public/errno.h>
#include <public/elfnote.h>
#include <public/features.h>
#include <public/version.h>
#include <public/sched.h>
#include <public/callback.h>
#include <public/vcpu.h>
#include <public/event_channel.h>
#include <public/grant_table.h>
#include <public/memory.h>
#include <public/physdev.h>
#include <public/platform.h>
#include <public/domctl.h>
#include <public/sysctl.h>
#include <public/io/console.h>
#include <public/io/xs_wire.h>
#include <public/io/ring.h>
#include <public/io/xenbus.h>

#include "check.h"

#define VALUE(expr, want)	CHECK_EQ((expr), (want), "%s", #expr)
#define SIZE(type, want)						\
	CHECK_EQ(sizeof(type), (want), "sizeof(" #type ")")
#define OFF(type, field, want)						\
	CHECK_EQ(offsetof(type, field), (want),				\
		 "offsetof(" #type ", " #field ")")

static void test_core_layouts(void)
{
	SIZE(struct start_info, 0x490);
	OFF(struct start_info, shared_info, 0x28);
	OFF(struct start_info, store_mfn, 0x38);
	OFF(struct start_info, console.domU.mfn, 0x48);
	OFF(struct start_info, console.domU.evtchn, 0x50);
	OFF(struct start_info, console.dom0.info_off, 0x48);
	OFF(struct start_info, pt_base, 0x58);
	OFF(struct start_info, mfn_list, 0x68);
	OFF(struct start_info, cmd_line, 0x80);
	OFF(struct start_info, nr_p2m_frames, 0x488);

	SIZE(struct vcpu_time_info, 32);
	SIZE(struct vcpu_info, 64);
	OFF(struct vcpu_info, evtchn_pending_sel, 8);
	OFF(struct vcpu_info, arch.cr2, 16);
	OFF(struct vcpu_info, time.flags, 32 + 29);

	SIZE(struct shared_info, 0xc40);
	OFF(struct shared_info, evtchn_pending, 0x800);
	OFF(struct shared_info, evtchn_mask, 0xa00);
	OFF(struct shared_info, wc_sec, 0xc04);
	OFF(struct shared_info, arch.max_pfn, 0xc10);
	OFF(struct shared_info, arch.pfn_to_mfn_frame_list_list, 0xc18);
	OFF(struct shared_info, arch.p2m_generation, 0xc38);

	SIZE(struct mmu_update, 16);
	SIZE(struct mmuext_op, 24);
	SIZE(struct multicall_entry, 64);
	SIZE(struct dom0_vga_console_info, 40);
}

static void test_arch_layouts(void)
{
	SIZE(struct trap_info, 16);
	SIZE(struct iret_context, 72);
	OFF(struct iret_context, flags, 24);
	OFF(struct iret_context, rflags, 48);
	SIZE(struct cpu_user_regs, 200);
	OFF(struct cpu_user_regs, saved_upcall_mask, 140);
	SIZE(struct vcpu_guest_context, 5168);
	OFF(struct vcpu_guest_context, user_regs, 0x208);
	OFF(struct vcpu_guest_context, trap_ctxt, 0x2d0);
	OFF(struct vcpu_guest_context, gdt_frames, 0x12e0);
	OFF(struct vcpu_guest_context, kernel_sp, 0x1370);
	OFF(struct vcpu_guest_context, ctrlreg, 0x1378);
	OFF(struct vcpu_guest_context, event_callback_eip, 0x13f8);
	OFF(struct vcpu_guest_context, gs_base_kernel, 0x1420);

	VALUE(FLAT_KERNEL_CS, 0xe033);
	VALUE(FLAT_KERNEL_SS, 0xe02b);
	VALUE(FLAT_KERNEL_DS, 0);
	VALUE(FLAT_USER_CS32, 0xe023);
	VALUE(FIRST_RESERVED_GDT_ENTRY, 7168);
	VALUE(HYPERVISOR_VIRT_START, 0xffff800000000000ull);
	VALUE(MACH2PHYS_NR_ENTRIES, 0x800000000ull);	/* 256GiB / 8 */
	VALUE(xen_pfn_to_cr3(0x1234), 0x1234000);
	VALUE(xen_cr3_to_pfn(0x1234fff), 0x1234);
}

static void test_op_layouts(void)
{
	SIZE(struct vcpu_runstate_info, 48);
	SIZE(struct vcpu_set_singleshot_timer, 16);
	SIZE(struct vcpu_register_vcpu_info, 16);
	SIZE(struct sched_poll, 24);
	SIZE(struct callback_register, 16);
	SIZE(struct evtchn_status, 24);
	SIZE(struct evtchn_op, 28);
	SIZE(struct grant_entry_v1, 8);
	SIZE(struct gnttab_map_grant_ref, 32);
	SIZE(struct gnttab_copy, 40);
	SIZE(struct gnttab_setup_table, 24);
	SIZE(struct xen_memory_reservation, 32);
	SIZE(struct xen_memory_exchange, 72);
	SIZE(struct xen_e820_entry, 20);
	SIZE(struct physdev_map_pirq, 40);
	SIZE(struct xen_platform_op, 136);
	SIZE(struct xen_domctl, 144);
	SIZE(struct xen_domctl_createdomain, 64);
	SIZE(struct xen_domctl_getdomaininfo, 112);
	SIZE(struct xen_sysctl, 136);
	SIZE(struct xen_sysctl_physinfo, 112);

	VALUE(__HYPERVISOR_iret, 23);
	VALUE(__HYPERVISOR_mmuext_op, 26);
	VALUE(__HYPERVISOR_hypfs_op, 42);
	VALUE(MMUEXT_NEW_USER_BASEPTR, 15);
	VALUE(VCPUOP_set_singleshot_timer, 8);
	VALUE(EVTCHNOP_init_control, 11);
	VALUE(GNTTABOP_set_version, 8);
	VALUE(XENMEM_acquire_resource, 28);
	VALUE(PHYSDEVOP_pirq_eoi_gmfn_v2, 28);
	VALUE(XEN_DOMCTL_INTERFACE_VERSION, 0x15);
	VALUE(XEN_SYSCTL_INTERFACE_VERSION, 0x15);
	VALUE(XEN_ENOSYS, 38);
	VALUE(NR_EVENT_CHANNELS, 4096);
	VALUE((uint32_t)GNTST_eagain, (uint32_t)-12);
	VALUE(XS_DIRECTORY_PART, 22);
	VALUE(XenbusStateReconfigured, 8);
}

static void test_io_rings(void)
{
	static union {
		struct xencons_interface cons;
		struct xenstore_domain_interface store;
		uint8_t page[4096];
	} u;

	SIZE(struct xencons_interface, 0xc14);
	OFF(struct xencons_interface, out_prod, 0xc0c);
	SIZE(struct xenstore_domain_interface, 0x820);
	OFF(struct xenstore_domain_interface, connection, 0x814);
	SIZE(struct xsd_sockmsg, 16);
	VALUE(xencons_out_slot(2048 + 5), 5);
	VALUE(xencons_in_slot(1024 * 7 + 3), 3);
	VALUE(xenstore_ring_slot(0xffffffff), 1023);
	VALUE(sizeof(u) <= 4096, 1);
	VALUE(strcmp(gnttab_status_str(GNTST_bad_gntref),
		     "bad grant reference") == 0, 1);
}

struct test_req {
	uint64_t id;
	uint8_t payload[104];		/* a 112-byte request, like blkif */
};

struct test_rsp {
	uint64_t id;
	int16_t status;
};

XEN_RING_DECLARE(test, struct test_req, struct test_rsp);

static void test_generic_ring(void)
{
	static union {
		struct test_sring sring;
		uint8_t page[4096];
	} shared;
	struct test_front_ring front;
	struct test_back_ring back;
	int notify, more, i;
	RING_IDX idx;
	uint64_t id;

	SIZE(union test_sring_entry, 112);
	OFF(struct test_sring, ring, 64);
	VALUE(xen_ring_nr_slots(4096, 112), 32);	/* (4096-64)/112 = 36 */
	VALUE(xen_ring_nr_slots(4096, 8), 256);		/* 504 -> 256 */
	VALUE(xen_ring_nr_slots(4096, 4096), 0);

	XEN_SRING_INIT(&shared.sring);
	XEN_FRONT_RING_INIT(&front, &shared.sring, sizeof(shared));
	XEN_BACK_RING_INIT(&back, &shared.sring, sizeof(shared));
	VALUE(front.nr_ents, 32);
	VALUE(XEN_RING_FREE_REQUESTS(&front), 32);

	/* Frontend queues three requests; the backend asked for an event. */
	for (i = 0; i < 3; i++) {
		XEN_RING_GET_REQUEST(&front, front.req_prod_pvt)->id = 100 + i;
		front.req_prod_pvt++;
	}
	XEN_RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&front, notify);
	VALUE(notify, 1);
	VALUE(XEN_RING_FREE_REQUESTS(&front), 29);

	/* Backend consumes them and answers. */
	VALUE(XEN_RING_HAS_UNCONSUMED_REQUESTS(&back), 3);
	while (XEN_RING_HAS_UNCONSUMED_REQUESTS(&back)) {
		idx = back.req_cons++;
		id = XEN_RING_GET_REQUEST(&back, idx)->id;
		XEN_RING_GET_RESPONSE(&back, back.rsp_prod_pvt)->id = id;
		back.rsp_prod_pvt++;
	}
	XEN_RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&back, notify);
	VALUE(notify, 1);
	XEN_RING_FINAL_CHECK_FOR_REQUESTS(&back, more);
	VALUE(more, 0);
	VALUE(shared.sring.req_event, 4);

	/* The backend is waiting, so one more request needs an event... */
	XEN_RING_GET_REQUEST(&front, front.req_prod_pvt)->id = 103;
	front.req_prod_pvt++;
	XEN_RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&front, notify);
	VALUE(notify, 1);

	/* ...but the frontend asked for no new rsp_event: no event back. */
	XEN_RING_FINAL_CHECK_FOR_REQUESTS(&back, more);
	VALUE(more, 1);
	idx = back.req_cons++;
	id = XEN_RING_GET_REQUEST(&back, idx)->id;
	XEN_RING_GET_RESPONSE(&back, back.rsp_prod_pvt)->id = id;
	back.rsp_prod_pvt++;
	XEN_RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&back, notify);
	VALUE(notify, 0);

	VALUE(XEN_RING_HAS_UNCONSUMED_RESPONSES(&front), 4);
	VALUE(XEN_RING_GET_RESPONSE(&front, front.rsp_cons + 2)->id, 102);
	VALUE(XEN_RING_GET_RESPONSE(&front, front.rsp_cons + 3)->id, 103);
	front.rsp_cons += 4;
	XEN_RING_FINAL_CHECK_FOR_RESPONSES(&front, more);
	VALUE(more, 0);
	VALUE(shared.sring.rsp_event, 5);
	VALUE(XEN_RING_FREE_REQUESTS(&front), 32);
}

int main(void)
{
	test_core_layouts();
	test_arch_layouts();
	test_op_layouts();
	test_io_rings();
	test_generic_ring();

	return check_summary();
}
