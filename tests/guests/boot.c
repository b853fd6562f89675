// SPDX-License-Identifier: MIT
/*
 * boot: what a PV kernel finds at entry and the simple hypercalls.
 *
 * Guest command line: the system test passes "token=a,b" (written
 * "token=a,,b" in QEMU's -initrd list); "dom0" says the kernel is
 * expected to be the privileged initial domain.
 */
#include "lib/test.h"
#include <public/io/console.h>

#define NON_CANONICAL	0x8000000000000000ul

static unsigned long region_end(void)
{
	return start_info->pt_base +
	       (start_info->nr_pt_frames + 1) * PAGE_SIZE;
}

static void test_start_info(void)
{
	struct start_info *si = start_info;
	unsigned long end = region_end();
	bool dom0 = cmdline_has("dom0");
	uint32_t want = dom0 ? SIF_PRIVILEGED | SIF_INITDOMAIN : 0;

	/* Xen's own dom0 builder appends "p" (PAE) to the magic. */
	check(!strncmp(si->magic, XEN_START_INFO_MAGIC,
		       strlen(XEN_START_INFO_MAGIC)) &&
	      (!si->magic[14] || !strcmp(si->magic + 14, "p")),
	      "magic \"%.32s\"", si->magic);
	check((unsigned long)si % PAGE_SIZE == 0 &&
	      (unsigned long)si >= (unsigned long)_end &&
	      (unsigned long)si < end,
	      "start_info at %p outside the boot region", si);
	check(si->nr_pages >= end / PAGE_SIZE,
	      "nr_pages %lu smaller than the boot region (%lu pages)",
	      si->nr_pages, end / PAGE_SIZE);
	check(si->nr_pages <= (1ul << 20), "nr_pages %lu > 4 GiB",
	      si->nr_pages);
	check(si->pt_base % PAGE_SIZE == 0 && si->pt_base > (unsigned long)si,
	      "pt_base %#lx", si->pt_base);
	check(si->nr_pt_frames >= 4 && si->nr_pt_frames < 64,
	      "nr_pt_frames %lu", si->nr_pt_frames);
	check(si->mfn_list % 8 == 0 && si->mfn_list >= (unsigned long)_end &&
	      si->mfn_list + si->nr_pages * 8 <= si->pt_base,
	      "mfn_list %#lx not between the image and the page tables",
	      si->mfn_list);
	check(si->shared_info && si->shared_info % PAGE_SIZE == 0,
	      "shared_info maddr %#lx", si->shared_info);
	check_eq(si->flags & (SIF_PRIVILEGED | SIF_INITDOMAIN), want);
	if (!dom0) {
		check(si->console.domU.mfn != 0, "no console ring mfn");
		check(si->console.domU.evtchn != 0 &&
		      si->console.domU.evtchn < NR_EVENT_CHANNELS,
		      "console evtchn %u", si->console.domU.evtchn);
	}
	check(!(si->flags & SIF_MOD_START_PFN) || si->mod_len,
	      "MOD_START_PFN without a module");
}

static void test_cmd_line(void)
{
	const char *cl = (const char *)start_info->cmd_line;
	char token[16];

	check(strnlen(cl, MAX_GUEST_CMDLINE) < MAX_GUEST_CMDLINE,
	      "cmd_line not NUL-terminated");
	if (check(cmdline_get("token", token, sizeof(token)),
		  "no token= in \"%s\"", cl))
		check(!strcmp(token, "a,b"), "token=\"%s\", want \"a,b\"",
		      token);
	check(!strchr(cl, '\n'), "newline in cmd_line");
}

/* Every PFN maps to an MFN whose M2P entry points back. */
static void test_p2m_m2p(void)
{
	const uint64_t *p2m = (const uint64_t *)start_info->mfn_list;
	unsigned long pfn, bad = 0, first_bad = 0;
	uint64_t *pte;

	for (pfn = 0; pfn < start_info->nr_pages; pfn++) {
		if (mfn_to_pfn(p2m[pfn]) != pfn && !bad++)
			first_bad = pfn;
	}
	check(!bad, "%lu pfns disagree with the M2P, first %#lx (mfn %#lx)",
	      bad, first_bad, bad ? p2m[first_bad] : 0);

	/* The page tables agree with the p2m for the image and region. */
	check_eq(virt_to_mfn(_start), pfn_to_mfn((unsigned long)_start >> 12));
	check_eq(virt_to_mfn(start_info),
		 pfn_to_mfn((unsigned long)start_info >> 12));
	check_eq(l4_mfn(), pfn_to_mfn(start_info->pt_base >> 12));

	/* Page-table pages are mapped, read-only. */
	pte = pte_lookup(start_info->pt_base, 1);
	if (check(pte != NULL, "pt_base not mapped"))
		check((*pte & (_PAGE_PRESENT | _PAGE_RW)) == _PAGE_PRESENT,
		      "L4 page mapped with pte %#lx", *pte);
	/* The image is writable (we run with .data and .bss in it). */
	pte = pte_lookup((unsigned long)_start, 1);
	if (check(pte != NULL, "image not mapped"))
		check(*pte & _PAGE_RW, "image pte %#lx not writable", *pte);
	check(mm_free_pages() >= 64, "only %lu free pages after the stack",
	      mm_free_pages());
}

extern uint8_t initial_upcall_mask;

static void test_shared_info(void)
{
	volatile struct vcpu_info *vi = &shared_info->vcpu_info[0];
	uint64_t t0, t1;

	check_eq(initial_upcall_mask, 1);
	check(!(vi->time.version & 1), "time version %u odd",
	      vi->time.version);
	check(vi->time.tsc_to_system_mul != 0, "tsc_to_system_mul is 0");
	t0 = now_ns();
	check(t0 > 0, "system time is 0");
	spin_ns(1000000);
	t1 = now_ns();
	check(t1 >= t0 + 1000000 && t1 < t0 + 1000000000ul,
	      "1ms spin took %lu ns", t1 - t0);
	check(!(shared_info->wc_version & 1), "wc_version odd");
}

static void test_console_io(void)
{
	static char msg[] = "# boot: console_io write works\n";

	check_rc(hv_console_io(CONSOLEIO_write, sizeof(msg) - 1, msg), 0);
	check_rc(hv_console_io(CONSOLEIO_write, 0, msg), 0);
	/* Hostile buffers. */
	check_rc(hv_console_io(CONSOLEIO_write, 16, (void *)NON_CANONICAL),
		 -XEN_EFAULT);
	check_rc(hv_console_io(CONSOLEIO_write, 16,
			       (void *)HYPERVISOR_VIRT_START), -XEN_EFAULT);
	check_rc(hv_console_io(CONSOLEIO_write, 16, (void *)0xfffffffffffff000),
		 -XEN_EFAULT);
	check_rc(hv_console_io(77, 1, msg), -XEN_ENOSYS);
}

static void test_xen_version(void)
{
	xen_extraversion_t extra;
	xen_capabilities_info_t caps;
	struct xen_feature_info fi = { .submap_idx = 0 };
	struct xen_platform_parameters pp;
	long v;

	v = hv_xen_version(XENVER_version, NULL);
	check(v >= (3 << 16) && (v >> 16) < 100, "version %#lx", v);
	memset(extra, 'x', sizeof(extra));
	check_rc(hv_xen_version(XENVER_extraversion, extra), 0);
	check(strnlen(extra, sizeof(extra)) < sizeof(extra),
	      "extraversion not terminated");
	check_rc(hv_xen_version(XENVER_get_features, &fi), 0);
	printk("# boot: version %ld.%ld%s features[0] %#x\n", v >> 16,
	       v & 0xffff, extra, fi.submap);
	check(!(fi.submap & (1u << XENFEAT_auto_translated_physmap)),
	      "PV guest told auto_translated_physmap");
	check(!(fi.submap & (1u << XENFEAT_supervisor_mode_kernel)),
	      "supervisor_mode_kernel");
	check(!!(fi.submap & (1u << XENFEAT_dom0)) == privileged,
	      "XENFEAT_dom0 %d but privileged %d",
	      !!(fi.submap & (1u << XENFEAT_dom0)), privileged);
	check_rc(hv_xen_version(XENVER_pagesize, NULL), 4096);
	memset(caps, 0, sizeof(caps));
	check_rc(hv_xen_version(XENVER_capabilities, caps), 0);
	check(strnlen(caps, sizeof(caps)) < sizeof(caps) &&
	      !strncmp(caps, "xen-3.0-x86_64", 14), "capabilities \"%.40s\"",
	      caps);
	check_rc(hv_xen_version(XENVER_platform_parameters, &pp), 0);
	check(pp.virt_start == HYPERVISOR_VIRT_START, "virt_start %#lx",
	      pp.virt_start);
	/* Hostile. */
	check_rc(hv_xen_version(XENVER_get_features, (void *)NON_CANONICAL),
		 -XEN_EFAULT);
	check_rc(hv_xen_version(XENVER_extraversion,
				(void *)HYPERVISOR_VIRT_START), -XEN_EFAULT);
	check_rc(hv_xen_version(0x7fff, extra), -XEN_ENOSYS);
}

static void test_memory_op(void)
{
	struct xen_machphys_mapping mm;
	struct xen_e820_entry map[16];
	struct xen_memory_map mmap = {
		.nr_entries = ARRAY_SIZE(map),
		.buffer = (uint64_t)map,
	};
	uint64_t m2p_frames[4];
	struct xen_machphys_mfn_list ml = {
		.max_extents = ARRAY_SIZE(m2p_frames),
		.extent_start = (uint64_t)m2p_frames,
	};
	domid_t self = DOMID_SELF, bogus = 0x7000;
	const uint64_t *p2m = (const uint64_t *)start_info->mfn_list;
	uint64_t max_mfn = 0, ram = 0;
	unsigned long pfn, i;
	long rc, cur, max;

	check_rc(hv_memory_op(XENMEM_machphys_mapping, &mm), 0);
	check_eq(mm.v_start, MACH2PHYS_VIRT_START);
	for (pfn = 0; pfn < start_info->nr_pages; pfn++)
		if (p2m[pfn] > max_mfn)
			max_mfn = p2m[pfn];
	check(mm.v_end > mm.v_start && mm.v_end <= HYPERVISOR_VIRT_END,
	      "v_end %#lx", mm.v_end);
	check(mm.max_mfn >= max_mfn &&
	      mm.max_mfn < (mm.v_end - mm.v_start) / 8,
	      "max_mfn %#lx, own max %#lx", mm.max_mfn, max_mfn);

	/* The M2P's own frames: hypervisor memory, inside the M2P range. */
	rc = hv_memory_op(XENMEM_machphys_mfn_list, &ml);
	check_rc(rc, 0, -XEN_ENOSYS);
	if (!rc) {
		check(ml.nr_extents <= ARRAY_SIZE(m2p_frames),
		      "machphys_mfn_list returned %u extents", ml.nr_extents);
		for (i = 0; i < ml.nr_extents && i < ARRAY_SIZE(m2p_frames);
		     i++) {
			uint64_t mfn = m2p_frames[i], pfn;

			if (!check(mfn <= mm.max_mfn, "M2P frame %lu: mfn %#lx",
				   i, mfn))
				continue;
			pfn = mfn_to_pfn(mfn);
			check(pfn >= start_info->nr_pages ||
			      pfn_to_mfn(pfn) != mfn,
			      "M2P frame %lu: mfn %#lx is ours", i, mfn);
		}
	}

	rc = hv_memory_op(XENMEM_memory_map, &mmap);
	check_rc(rc, 0, -XEN_ENOSYS);
	if (!rc) {
		check(mmap.nr_entries >= 1 &&
		      mmap.nr_entries <= ARRAY_SIZE(map),
		      "memory_map nr_entries %u", mmap.nr_entries);
		for (i = 0; i < mmap.nr_entries && i < ARRAY_SIZE(map); i++)
			if (map[i].type == XEN_E820_RAM)
				ram += map[i].size;
		check(ram >= start_info->nr_pages * PAGE_SIZE / 2,
		      "memory_map RAM %#lx for %lu pages", ram,
		      start_info->nr_pages);
	}

	cur = hv_memory_op(XENMEM_current_reservation, &self);
	check_eq(cur, start_info->nr_pages);
	max = hv_memory_op(XENMEM_maximum_reservation, &self);
	check(max >= cur, "maximum_reservation %ld < current %ld", max, cur);

	/* Hostile. */
	check_rc(hv_memory_op(XENMEM_current_reservation, &bogus),
		 -XEN_ESRCH, -XEN_EPERM);
	check_rc(hv_memory_op(XENMEM_machphys_mapping, (void *)NON_CANONICAL),
		 -XEN_EFAULT);
	check_rc(hv_memory_op(XENMEM_current_reservation,
			      (void *)HYPERVISOR_VIRT_START), -XEN_EFAULT);
	check_rc(hv_memory_op(99, &mm), -XEN_ENOSYS);
}

static void test_vm_assist(void)
{
	check_rc(hv_vm_assist(VMASST_CMD_enable,
			      VMASST_TYPE_writable_pagetables), 0);
	check_rc(hv_vm_assist(VMASST_CMD_enable,
			      VMASST_TYPE_runstate_update_flag), 0);
	check_rc(hv_vm_assist(VMASST_CMD_disable,
			      VMASST_TYPE_runstate_update_flag), 0);
	/* Hostile: unknown type, unknown command. */
	check_rc(hv_vm_assist(VMASST_CMD_enable, 31), -XEN_EINVAL);
	check_rc(hv_vm_assist(VMASST_CMD_enable, 1000), -XEN_EINVAL);
	check_rc(hv_vm_assist(7, VMASST_TYPE_writable_pagetables),
		 -XEN_ENOSYS);
}

static void test_unknown_hypercall(void)
{
	check_rc(hypercall0(60), -XEN_ENOSYS);
	check_rc(hypercall0(11), -XEN_ENOSYS);
	check_rc(hypercall5(63, 1, 2, 3, 4, 5), -XEN_ENOSYS);
	check_rc(hypercall0(127), -XEN_ENOSYS);
#ifndef USE_HYPERCALL_PAGE
	/* Numbers past the end of any table. */
	check_rc(hypercall0(128), -XEN_ENOSYS);
	check_rc(hypercall0(0x10000), -XEN_ENOSYS);
	check_rc(hypercall0(~0ul), -XEN_ENOSYS);
#endif
}

static void test_multicall(void)
{
	static char msg[] = "# boot: written from a multicall\n";
	domid_t self = DOMID_SELF;
	struct multicall_entry mc[5] = {
		{ .op = __HYPERVISOR_xen_version, .args = { XENVER_version } },
		{ .op = 60 },
		{ .op = __HYPERVISOR_vm_assist,
		  .args = { VMASST_CMD_enable, 31 } },
		{ .op = __HYPERVISOR_console_io,
		  .args = { CONSOLEIO_write, sizeof(msg) - 1,
			    (uint64_t)msg } },
		{ .op = __HYPERVISOR_memory_op,
		  .args = { XENMEM_current_reservation, (uint64_t)&self } },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mc); i++)
		mc[i].result = 0x5a5a5a5a;
	check_rc(hv_multicall(mc, ARRAY_SIZE(mc)), 0);
	check_eq(mc[0].result, hv_xen_version(XENVER_version, NULL));
	check_eq(mc[1].result, -XEN_ENOSYS);
	check_eq(mc[2].result, -XEN_EINVAL);
	check_eq(mc[3].result, 0);
	check_eq(mc[4].result, start_info->nr_pages);

	/* An empty batch, and hostile lists. */
	check_rc(hv_multicall(mc, 0), 0);
	check_rc(hv_multicall((void *)NON_CANONICAL, 2), -XEN_EFAULT);
	check_rc(hv_multicall((void *)HYPERVISOR_VIRT_START, 1),
		 -XEN_EFAULT);
}

static void test_sched_op(void)
{
	check_rc(hv_yield(), 0);
	check_rc(hv_sched_op(99, NULL), -XEN_ENOSYS);
	check_rc(hv_sched_op(SCHEDOP_shutdown, (void *)NON_CANONICAL),
		 -XEN_EFAULT);
}

/* The PV console ring: what we queue must be consumed by the backend. */
static void test_pv_console(void)
{
	static const char msg[] = "# boot: hello through the PV console ring\n";
	struct xencons_interface *r = pvcons_ring();
	uint64_t deadline;

	if (start_info->flags & SIF_INITDOMAIN) {
		skip("the initial domain has no console ring");
		return;
	}
	if (!check(r != NULL, "console ring mfn %#lx not mappable",
		   start_info->console.domU.mfn))
		return;
	check(r->out_prod - r->out_cons <= XENCONS_OUT_SIZE,
	      "ring indices prod %u cons %u", r->out_prod, r->out_cons);
	check_eq(pvcons_write(msg, sizeof(msg) - 1), sizeof(msg) - 1);
	deadline = now_ns() + 2000000000ul;
	while (r->out_cons != r->out_prod && now_ns() < deadline)
		hv_yield();
	check(r->out_cons == r->out_prod,
	      "backend did not drain the ring (prod %u cons %u)",
	      r->out_prod, r->out_cons);
}

static const struct test_case cases[] = {
	{ "start_info", test_start_info },
	{ "cmd_line", test_cmd_line },
	{ "p2m_m2p", test_p2m_m2p },
	{ "shared_info", test_shared_info },
	{ "console_io", test_console_io },
	{ "xen_version", test_xen_version },
	{ "memory_op", test_memory_op },
	{ "vm_assist", test_vm_assist },
	{ "unknown_hypercall", test_unknown_hypercall },
	{ "multicall", test_multicall },
	{ "sched_op", test_sched_op },
	{ "pv_console", test_pv_console },
};

DEFINE_SUITE("boot", cases);
