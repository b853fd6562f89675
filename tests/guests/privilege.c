// SPDX-License-Identifier: MIT
/*
 * privilege: an unprivileged domain tries what only dom0 may do. Each
 * request must be refused with -EPERM (or -ENOSYS where the hypervisor
 * has no such operation at all) and change nothing.
 */
#include "lib/test.h"
#include <public/domctl.h>
#include <public/memory.h>
#include <public/sysctl.h>
#include <public/platform.h>

#define REFUSED		-XEN_EPERM, -XEN_ENOSYS, -XEN_EACCES

static void test_not_privileged(void)
{
	check(!privileged, "started with SIF_PRIVILEGED");
	check(!(start_info->flags & SIF_INITDOMAIN), "started as dom0");
}

static void test_domctl(void)
{
	struct xen_domctl d;

	memset(&d, 0, sizeof(d));
	d.cmd = XEN_DOMCTL_getdomaininfo;
	d.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
	d.domain = 0;
	check_rc(hv_domctl(&d), REFUSED);
	memset(&d, 0, sizeof(d));
	d.cmd = XEN_DOMCTL_createdomain;
	d.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
	d.domain = DOMID_INVALID;
	check_rc(hv_domctl(&d), REFUSED);
	memset(&d, 0, sizeof(d));
	d.cmd = XEN_DOMCTL_destroydomain;
	d.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
	d.domain = 0;
	check_rc(hv_domctl(&d), REFUSED);
	memset(&d, 0, sizeof(d));
	d.cmd = XEN_DOMCTL_pausedomain;
	d.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
	d.domain = 0;
	check_rc(hv_domctl(&d), REFUSED);
}

static void test_sysctl(void)
{
	struct xen_sysctl s;

	memset(&s, 0, sizeof(s));
	s.cmd = XEN_SYSCTL_physinfo;
	s.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
	check_rc(hv_sysctl(&s), REFUSED);
	memset(&s, 0, sizeof(s));
	s.cmd = XEN_SYSCTL_readconsole;
	s.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
	check_rc(hv_sysctl(&s), REFUSED);
}

/*
 * Every domctl and sysctl command, with the right interface version or
 * not, even with a request that cannot be read: -EPERM, before anything
 * in the request is looked at.
 */
static void test_control_all(void)
{
	struct xen_domctl d;
	struct xen_sysctl s;
	unsigned int wrong = 0, first = 0;
	long first_rc = 0, rc;

	for (unsigned int i = 0; i < 2 * (128 + 4); i++) {
		unsigned int cmd = i / 2 < 128 ? i / 2 : 1000 + i / 2 - 128;

		memset(&d, 0, sizeof(d));
		d.cmd = cmd;
		d.interface_version = i & 1 ? 0 : XEN_DOMCTL_INTERFACE_VERSION;
		d.domain = i & 2 ? 0 : DOMID_SELF;
		rc = hv_domctl(&d);
		if (rc != -XEN_EPERM && !wrong++) {
			first = cmd;
			first_rc = rc;
		}
	}
	check(!wrong, "%u domctl requests not -EPERM; cmd %u gave %ld", wrong,
	      first, first_rc);
	for (unsigned int i = 0; i < 2 * 64; i++) {
		memset(&s, 0, sizeof(s));
		s.cmd = i / 2;
		s.interface_version = i & 1 ? 0 : XEN_SYSCTL_INTERFACE_VERSION;
		rc = hv_sysctl(&s);
		if (rc != -XEN_EPERM && !wrong++) {
			first = i / 2;
			first_rc = rc;
		}
	}
	check(!wrong, "%u sysctl requests not -EPERM; cmd %u gave %ld", wrong,
	      first, first_rc);
	check_rc(hv_domctl((void *)0x8000000000000000ul), -XEN_EPERM);
	check_rc(hv_sysctl(NULL), -XEN_EPERM);
}

static void test_platform_op(void)
{
	struct xen_platform_op p;

	memset(&p, 0, sizeof(p));
	p.cmd = XENPF_settime64;
	p.interface_version = XENPF_INTERFACE_VERSION;
	check_rc(hv_platform_op(&p), REFUSED);
	memset(&p, 0, sizeof(p));
	p.cmd = XENPF_firmware_info;
	p.interface_version = XENPF_INTERFACE_VERSION;
	check_rc(hv_platform_op(&p), REFUSED);
}

static void test_console_read(void)
{
	char buf[64];

	check_rc(hv_console_io(CONSOLEIO_read, sizeof(buf), buf), REFUSED);
}

/* A frame of somebody else: the first one the M2P does not give us. */
static uint64_t other_mfn(void)
{
	uint64_t mfn;

	for (mfn = 0x100; mfn < 0x10000; mfn++) {
		uint64_t pfn = mfn_to_pfn(mfn);

		if (pfn >= start_info->nr_pages || pfn_to_mfn(pfn) != mfn)
			return mfn;
	}
	return 0x100;
}

static void test_foreign_map(void)
{
	volatile uint64_t *va = va_hole_alloc();
	struct mmu_update u = {
		.ptr = pte_maddr((unsigned long)va, 1),
		.val = (other_mfn() << PAGE_SHIFT) | PTE_KERN_RO,
	};
	struct mmu_update two[2] = { u, u };
	unsigned int done = 99;
	uint64_t *pte;

	/* As if dom0's frames were ours to map (privcmd style). */
	check_rc(hv_mmu_update(&u, 1, NULL, 0), REFUSED, -XEN_ESRCH);
	/* A refused batch reports none done: Linux retries from there. */
	check_rc(hv_mmu_update(two, 2, &done, 0), REFUSED, -XEN_ESRCH);
	check_eq(done, 0);
	check_rc(hv_mmu_update(&u, 1, NULL, DOMID_IO), REFUSED, -XEN_ESRCH,
		 -XEN_EINVAL);
	check_rc(hv_mmu_update(&u, 1, NULL, DOMID_XEN), REFUSED, -XEN_ESRCH,
		 -XEN_EINVAL);
	check_rc(hv_update_va_mapping_otherdomain((unsigned long)va, u.val,
						  UVMF_INVLPG, 0),
		 REFUSED, -XEN_ESRCH);
	pte = pte_lookup((unsigned long)va, 1);
	check(pte && !(*pte & _PAGE_PRESENT), "pte %#lx", pte ? *pte : 0);
}

static void test_acquire_resource(void)
{
	uint64_t frame = 0;
	struct xen_mem_acquire_resource r = {
		.domid = 0,
		.type = XENMEM_resource_grant_table,
		.id = XENMEM_resource_grant_table_id_shared,
		.nr_frames = 1,
		.frame_list = (uint64_t)&frame,
	};

	/* dom0's grant table, as the toolstack maps a new domain's. */
	check_rc(hv_memory_op(XENMEM_acquire_resource, &r), REFUSED);
	check(frame == 0, "got dom0's grant frame %#lx", frame);
}

static void test_physdev(void)
{
	struct physdev_set_iopl iopl = { .iopl = 1 };
	uint8_t v;

	/* set_iopl is allowed; the ports themselves are not. */
	check_rc(hv_physdev_op(PHYSDEVOP_set_iopl, &iopl), 0);
	exc_clear();
	asm volatile("inb_insn: inb $0x71, %%al\n\t"
		     "1:\n\t"
		     EXTABLE(inb_insn, 1b) : "=a"(v));
	/* Either a #GP or an emulated read of all-ones: never the RTC. */
	check(last_exc.vector == X86_EXC_GP || v == 0xff,
	      "inb 0x71 gave %#x without a fault", v);
}

static void test_remote_shutdown(void)
{
	struct sched_remote_shutdown r = {
		.domain_id = 0,
		.reason = SHUTDOWN_poweroff,
	};

	check_rc(hv_sched_op(SCHEDOP_remote_shutdown, &r), REFUSED,
		 -XEN_ESRCH);
}

static const struct test_case cases[] = {
	{ "not_privileged", test_not_privileged },
	{ "domctl", test_domctl },
	{ "sysctl", test_sysctl },
	{ "control_all", test_control_all },
	{ "platform_op", test_platform_op },
	{ "console_read", test_console_read },
	{ "foreign_map", test_foreign_map },
	{ "acquire_resource", test_acquire_resource },
	{ "physdev", test_physdev },
	{ "remote_shutdown", test_remote_shutdown },
};

DEFINE_SUITE("privilege", cases);
