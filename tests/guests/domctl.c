// SPDX-License-Identifier: MIT
/*
 * domctl: a miniature toolstack, booted as dom0. It builds a PV domain
 * the way Xen's libxc does (createdomain, max_vcpus, max_mem,
 * populate_physmap for it, its image written through foreign mappings,
 * grant table and event channels set up for it, its L4 pinned with
 * foreigndom, setvcpucontext, unpause), watches it print and shut down
 * (VIRQ_DOM_EXC, getdomaininfo, the console ring), destroys it and
 * checks its memory came back. Around that: sysctl physinfo, sched_id,
 * topology, readconsole and getdomaininfolist, the per-domain controls
 * (pause counts, scheduler, affinity, TSC, address size, handle,
 * max_mem, remote shutdown), and the hostile requests: bad interface
 * versions and domain ids, HVM and other impossible createdomain
 * flags, a vCPU context with foreign frames or bad addresses, a context
 * for a running domain, unpausing a domain with no context, dom0 acting
 * on itself.
 *
 * The built kernel is a few hand-assembled instructions: print
 * start_info's command line with console_io, SCHEDOP_shutdown(reboot)
 * (a domain the toolstack built is never rebuilt by the hypervisor).
 */
#include "lib/test.h"
#include <public/domctl.h>
#include <public/memory.h>
#include <public/sysctl.h>

#define HELLO		"hello from a built domain\n"

/* The built domain: NR_PAGES frames, mapped from KERN_VA. */
#define NR_PAGES	32
#define KERN_VA		0x400000ul
#define PFN_L4		0
#define PFN_L3		1
#define PFN_L2		2
#define PFN_L1		3
#define PFN_CODE	4
#define PFN_START_INFO	5
#define PFN_P2M		6
#define PFN_STACK	7
#define PFN_CONSOLE	8
#define PFN_STORE	9
#define NR_PT_FRAMES	4
#define PFN_VA(pfn)	(KERN_VA + ((unsigned long)(pfn) << PAGE_SHIFT))

#define NO_DOMAIN	0xffff
#define MIN(a, b)	((a) < (b) ? (a) : (b))

static evtchn_port_t exc_port;		/* VIRQ_DOM_EXC */
static domid_t built = NO_DOMAIN;	/* the domain we build and run */
static domid_t spare = NO_DOMAIN;	/* one that never gets a context */
static uint64_t gmfn[NR_PAGES];		/* the built domain's p2m */
static uint64_t free_before;		/* heap before we built it */
static void *window;			/* VA for foreign mappings */
static char conbuf[65536 + 1];	/* the whole console ring */
static struct vcpu_guest_context ctxt;

/* ---- helpers ----------------------------------------------------------- */

static void dc_init(struct xen_domctl *op, uint32_t cmd, domid_t dom)
{
	memset(op, 0, sizeof(*op));
	op->cmd = cmd;
	op->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
	op->domain = dom;
}

static long dc_simple(uint32_t cmd, domid_t dom)
{
	struct xen_domctl op;

	dc_init(&op, cmd, dom);
	return hv_domctl(&op);
}

static void sc_init(struct xen_sysctl *op, uint32_t cmd)
{
	memset(op, 0, sizeof(*op));
	op->cmd = cmd;
	op->interface_version = XEN_SYSCTL_INTERFACE_VERSION;
}

/* getdomaininfo: the first domain with an id >= dom. */
static long dominfo(domid_t dom, struct xen_domctl_getdomaininfo *info)
{
	struct xen_domctl op;
	long rc;

	dc_init(&op, XEN_DOMCTL_getdomaininfo, dom);
	rc = hv_domctl(&op);
	*info = op.u.getdomaininfo;
	if (!rc && op.domain != info->domain)
		check_failed(__LINE__, "domctl.domain %u, info says %u",
			     op.domain, info->domain);
	return rc;
}

/* Exactly that domain's information, or false. */
static bool exact_info(domid_t dom, struct xen_domctl_getdomaininfo *info)
{
	return !dominfo(dom, info) && info->domain == dom;
}

static unsigned int shutdown_code(const struct xen_domctl_getdomaininfo *i)
{
	return (i->flags >> XEN_DOMINF_shutdownshift) &
	       XEN_DOMINF_shutdownmask;
}

static uint64_t heap_free(void)
{
	struct xen_sysctl op;

	sc_init(&op, XEN_SYSCTL_physinfo);
	if (hv_sysctl(&op))
		return 0;
	return op.u.physinfo.free_pages;
}

static long create(domid_t want, uint32_t max_vcpus, domid_t *got)
{
	struct xen_domctl op;
	long rc;

	dc_init(&op, XEN_DOMCTL_createdomain, want);
	op.u.createdomain.max_vcpus = max_vcpus;
	op.u.createdomain.max_evtchn_port = 1023;
	op.u.createdomain.max_grant_frames = 4;
	op.u.createdomain.max_maptrack_frames = 0;
	op.u.createdomain.grant_opts = XEN_DOMCTL_GRANT_version(1);
	rc = hv_domctl(&op);
	*got = rc ? NO_DOMAIN : op.domain;
	return rc;
}

static long max_mem(domid_t dom, uint64_t kb)
{
	struct xen_domctl op;

	dc_init(&op, XEN_DOMCTL_max_mem, dom);
	op.u.max_mem.max_memkb = kb;
	return hv_domctl(&op);
}

/* populate_physmap for dom at the given gpfns; returns extents done. */
static long populate(domid_t dom, uint64_t *list, unsigned long n)
{
	struct xen_memory_reservation r = {
		.extent_start = (uint64_t)list,
		.nr_extents = n,
		.extent_order = 0,
		.domid = dom,
	};

	return hv_memory_op(XENMEM_populate_physmap, &r);
}

static long set_context(domid_t dom, uint32_t vcpu,
			const struct vcpu_guest_context *c)
{
	struct xen_domctl op;

	dc_init(&op, XEN_DOMCTL_setvcpucontext, dom);
	op.u.vcpucontext.vcpu = vcpu;
	op.u.vcpucontext.ctxt = (uint64_t)c;
	return hv_domctl(&op);
}

static long get_context(domid_t dom, uint32_t vcpu,
			struct vcpu_guest_context *c)
{
	struct xen_domctl op;

	dc_init(&op, XEN_DOMCTL_getvcpucontext, dom);
	op.u.vcpucontext.vcpu = vcpu;
	op.u.vcpucontext.ctxt = (uint64_t)c;
	return hv_domctl(&op);
}

/* Map frame mfn of dom at the window, read-write (privcmd style). */
static long map_foreign(domid_t dom, uint64_t mfn)
{
	return hv_update_va_mapping_otherdomain((unsigned long)window,
						(mfn << PAGE_SHIFT) |
						PTE_KERN_RW, UVMF_INVLPG, dom);
}

static void unmap_window(void)
{
	check_rc(unmap_va((unsigned long)window), 0);
}

/* Copy into frame mfn of dom through the window. */
static bool write_foreign(domid_t dom, uint64_t mfn, unsigned int off,
			  const void *src, size_t len)
{
	long rc = map_foreign(dom, mfn);

	if (!check(!rc, "mapping frame %#lx of d%u: %ld", mfn, dom, rc))
		return false;
	memcpy((uint8_t *)window + off, src, len);
	unmap_window();
	return true;
}

static bool contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (!strncmp(hay, needle, n))
			return true;
	return false;
}

static bool console_has(const char *what)
{
	struct xen_sysctl op;
	long rc;

	sc_init(&op, XEN_SYSCTL_readconsole);
	op.u.readconsole.buffer = (uint64_t)conbuf;
	op.u.readconsole.count = sizeof(conbuf) - 1;
	rc = hv_sysctl(&op);
	if (!check(!rc, "readconsole: %ld", rc))
		return false;
	conbuf[MIN(op.u.readconsole.count, sizeof(conbuf) - 1)] = '\0';
	return contains(conbuf, what);
}

/* ---- sysctl, and the interface checks ----------------------------------- */

static void test_interface(void)
{
	struct xen_domctl d;
	struct xen_sysctl s;

	check(privileged, "not started as the privileged domain");
	/* Wrong interface versions: -EACCES, nothing else looked at. */
	dc_init(&d, XEN_DOMCTL_getdomaininfo, 0);
	d.interface_version = XEN_DOMCTL_INTERFACE_VERSION - 1;
	check_rc(hv_domctl(&d), -XEN_EACCES);
	d.interface_version = XEN_DOMCTL_INTERFACE_VERSION + 1;
	check_rc(hv_domctl(&d), -XEN_EACCES);
	sc_init(&s, XEN_SYSCTL_physinfo);
	s.interface_version = 0;
	check_rc(hv_sysctl(&s), -XEN_EACCES);
	/* Unknown commands: the domain is looked up first. */
	check_rc(dc_simple(999, 0), -XEN_ENOSYS);
	check_rc(dc_simple(999, 0x7000), -XEN_ESRCH);
	sc_init(&s, 99);
	check_rc(hv_sysctl(&s), -XEN_ENOSYS);
	/* Requests that cannot be read. */
	check_rc(hv_domctl((void *)0x8000000000000000ul), -XEN_EFAULT);
	check_rc(hv_sysctl(NULL), -XEN_EFAULT);
}

static void test_physinfo(void)
{
	struct xen_sysctl s;
	struct xen_sysctl_physinfo *pi = &s.u.physinfo;

	sc_init(&s, XEN_SYSCTL_physinfo);
	check_rc(hv_sysctl(&s), 0);
	check_eq(pi->threads_per_core, 1);
	check_eq(pi->cores_per_socket, 1);
	check_eq(pi->nr_cpus, 1);
	check_eq(pi->max_cpu_id, 0);
	check_eq(pi->nr_nodes, 1);
	check(pi->cpu_khz > 100000, "cpu_khz %u", pi->cpu_khz);
	check(pi->capabilities & XEN_SYSCTL_PHYSCAP_pv, "no PV capability");
	check(!(pi->capabilities & (XEN_SYSCTL_PHYSCAP_hvm |
				    XEN_SYSCTL_PHYSCAP_hap)),
	      "capabilities %#x claim HVM", pi->capabilities);
	check(pi->free_pages > 0 && pi->free_pages < pi->total_pages,
	      "free %lu of %lu pages", pi->free_pages, pi->total_pages);
	check(pi->total_pages > start_info->nr_pages,
	      "total %lu pages, dom0 alone has %lu", pi->total_pages,
	      start_info->nr_pages);
	check_eq(pi->scrub_pages, 0);
	check_eq(pi->outstanding_pages, 0);
	check(pi->max_mfn >= pi->total_pages - 1 && pi->max_mfn <= max_mfn(),
	      "max_mfn %#lx", pi->max_mfn);
	check(pi->hw_cap[0] & (1u << 0), "hw_cap[0] %#x lacks FPU",
	      pi->hw_cap[0]);
}

static void test_sched_topology(void)
{
	struct xen_sysctl s;
	struct xen_sysctl_cputopo topo[4];
	struct xen_sysctl_meminfo mem[2];
	uint32_t dist[4];

	sc_init(&s, XEN_SYSCTL_sched_id);
	check_rc(hv_sysctl(&s), 0);
	check_eq(s.u.sched_id.sched_id, XEN_SCHEDULER_CREDIT);

	/* A null array asks for the count. */
	sc_init(&s, XEN_SYSCTL_cputopoinfo);
	check_rc(hv_sysctl(&s), 0);
	check_eq(s.u.cputopoinfo.num_cpus, 1);
	memset(topo, 0xa5, sizeof(topo));
	sc_init(&s, XEN_SYSCTL_cputopoinfo);
	s.u.cputopoinfo.num_cpus = 4;
	s.u.cputopoinfo.cputopo = (uint64_t)topo;
	check_rc(hv_sysctl(&s), 0);
	check_eq(s.u.cputopoinfo.num_cpus, 1);
	check(!topo[0].core && !topo[0].socket && !topo[0].node,
	      "cpu 0 at core %u socket %u node %u", topo[0].core,
	      topo[0].socket, topo[0].node);
	check_eq(topo[1].core, 0xa5a5a5a5);
	s.u.cputopoinfo.cputopo = 0x8000000000000000ul;
	check_rc(hv_sysctl(&s), -XEN_EFAULT);

	sc_init(&s, XEN_SYSCTL_numainfo);
	check_rc(hv_sysctl(&s), 0);
	check_eq(s.u.numainfo.num_nodes, 1);
	sc_init(&s, XEN_SYSCTL_numainfo);
	s.u.numainfo.num_nodes = 2;
	s.u.numainfo.meminfo = (uint64_t)mem;
	s.u.numainfo.distance = (uint64_t)dist;
	check_rc(hv_sysctl(&s), 0);
	check_eq(s.u.numainfo.num_nodes, 1);
	check(mem[0].memsize > mem[0].memfree && mem[0].memfree > 0,
	      "node 0: %lu bytes, %lu free", mem[0].memsize, mem[0].memfree);
	check_eq(dist[0], 10);
}

static void test_readconsole(void)
{
	struct xen_sysctl s;
	uint32_t end;

	/* The boot messages are there. */
	check(console_has("Tandem") || console_has("domain 0 ("),
	      "no boot messages in the console ring");
	/* Incremental: nothing new after the end... */
	sc_init(&s, XEN_SYSCTL_readconsole);
	s.u.readconsole.buffer = (uint64_t)conbuf;
	s.u.readconsole.count = sizeof(conbuf);
	check_rc(hv_sysctl(&s), 0);
	end = s.u.readconsole.index;
	s.u.readconsole.incremental = 1;
	s.u.readconsole.count = sizeof(conbuf);
	check_rc(hv_sysctl(&s), 0);
	check_eq(s.u.readconsole.count, 0);
	check_eq(s.u.readconsole.index, end);
	/* ... and just the new line after something was printed. */
	printk("# domctl: console marker 42\n");
	s.u.readconsole.index = end;
	s.u.readconsole.count = sizeof(conbuf) - 1;
	check_rc(hv_sysctl(&s), 0);
	conbuf[MIN(s.u.readconsole.count, sizeof(conbuf) - 1)] = '\0';
	check(s.u.readconsole.count < 200 &&
	      contains(conbuf, "console marker 42"),
	      "incremental read gave %u bytes", s.u.readconsole.count);
	/* A short buffer gets the oldest bytes; a bad one -EFAULT. */
	sc_init(&s, XEN_SYSCTL_readconsole);
	s.u.readconsole.buffer = (uint64_t)conbuf;
	s.u.readconsole.count = 5;
	check_rc(hv_sysctl(&s), 0);
	check_eq(s.u.readconsole.count, 5);
	s.u.readconsole.buffer = 0xffff800000000000ul;
	s.u.readconsole.count = 100;
	check_rc(hv_sysctl(&s), -XEN_EFAULT);
	/* Clear: what was read is gone from later reads. */
	sc_init(&s, XEN_SYSCTL_readconsole);
	s.u.readconsole.buffer = (uint64_t)conbuf;
	s.u.readconsole.count = sizeof(conbuf);
	s.u.readconsole.clear = 1;
	check_rc(hv_sysctl(&s), 0);
	check(!console_has("console marker 42"), "cleared text came back");
	printk("# domctl: after the clear\n");
	check(console_has("after the clear"), "new text missing");
}

/* ---- getdomaininfo and bad ids ----------------------------------------- */

static void test_domaininfo(void)
{
	struct xen_domctl_getdomaininfo info;

	check(exact_info(0, &info), "no info for dom0");
	check(info.flags & XEN_DOMINF_running, "dom0 flags %#x", info.flags);
	check(!(info.flags & (XEN_DOMINF_paused | XEN_DOMINF_dying |
			      XEN_DOMINF_shutdown | XEN_DOMINF_hvm_guest)),
	      "dom0 flags %#x", info.flags);
	check_eq(info.tot_pages, start_info->nr_pages);
	check_eq(info.nr_online_vcpus, 1);
	check_eq(info.max_vcpu_id, 0);
	check_eq(info.shared_info_frame, start_info->shared_info >> PAGE_SHIFT);
	check(info.cpu_time > 0, "dom0 cpu_time 0");
	check_eq(info.cpupool, 0);
	check_eq(info.ssidref, 0);
	/* The first domain from the id on; none past the last one. */
	check_rc(dominfo(0x7000, &info), -XEN_ESRCH);
	check_rc(dominfo(DOMID_FIRST_RESERVED, &info), -XEN_EINVAL);
	check_rc(dominfo(DOMID_SELF, &info), -XEN_EINVAL);
	check_rc(dominfo(DOMID_INVALID, &info), -XEN_EINVAL);
	/* Other commands want an existing domain; DOMID_SELF is none. */
	check_rc(dc_simple(XEN_DOMCTL_pausedomain, 0x7000), -XEN_ESRCH);
	check_rc(dc_simple(XEN_DOMCTL_unpausedomain, DOMID_SELF), -XEN_ESRCH);
	check_rc(dc_simple(XEN_DOMCTL_destroydomain, 0x7000), -XEN_ESRCH);
	check_rc(dc_simple(XEN_DOMCTL_destroydomain, DOMID_SELF),
		 -XEN_ESRCH);
	check_rc(max_mem(DOMID_INVALID, 1024), -XEN_ESRCH);
}

/* dom0 may not pause, destroy or rebuild itself. */
static void test_self(void)
{
	struct xen_domctl d;
	struct xen_domctl_getdomaininfo info;

	check_rc(dc_simple(XEN_DOMCTL_destroydomain, 0), -XEN_EINVAL);
	check_rc(dc_simple(XEN_DOMCTL_pausedomain, 0), -XEN_EINVAL);
	check_rc(dc_simple(XEN_DOMCTL_unpausedomain, 0), -XEN_EINVAL);
	memset(&ctxt, 0, sizeof(ctxt));
	check_rc(set_context(0, 0, &ctxt), -XEN_EINVAL);
	check_rc(get_context(0, 0, &ctxt), -XEN_EINVAL);
	dc_init(&d, XEN_DOMCTL_max_vcpus, 0);
	d.u.max_vcpus.max = 1;
	check_rc(hv_domctl(&d), -XEN_EINVAL);
	dc_init(&d, XEN_DOMCTL_settscinfo, 0);
	check_rc(hv_domctl(&d), -XEN_EINVAL);
	check(exact_info(0, &info) && !(info.flags & XEN_DOMINF_paused) &&
	      (info.flags & XEN_DOMINF_running), "dom0 flags %#x",
	      info.flags);
}

/* ---- createdomain ------------------------------------------------------ */

static unsigned int count_domains(void)
{
	struct xen_domctl_getdomaininfo info;
	unsigned int n = 0;
	domid_t id = 0;

	while (!dominfo(id, &info)) {
		n++;
		id = info.domain + 1;
	}
	return n;
}

static long create_with(void (*change)(struct xen_domctl_createdomain *c))
{
	struct xen_domctl op;
	long rc;

	dc_init(&op, XEN_DOMCTL_createdomain, 0);
	op.u.createdomain.max_vcpus = 1;
	op.u.createdomain.max_grant_frames = -1;
	op.u.createdomain.max_maptrack_frames = -1;
	op.u.createdomain.grant_opts = XEN_DOMCTL_GRANT_version(1);
	change(&op.u.createdomain);
	rc = hv_domctl(&op);
	if (!rc) {
		check_failed(__LINE__, "domain %u created", op.domain);
		dc_simple(XEN_DOMCTL_destroydomain, op.domain);
	}
	return rc;
}

#define BAD_CONFIG(name, stmt)						\
	static void name(struct xen_domctl_createdomain *c) { stmt; }
BAD_CONFIG(cfg_hvm, c->flags = XEN_DOMCTL_CDF_hvm)
BAD_CONFIG(cfg_hvm_hap, c->flags = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap)
BAD_CONFIG(cfg_hap, c->flags = XEN_DOMCTL_CDF_hap)
BAD_CONFIG(cfg_iommu, c->flags = XEN_DOMCTL_CDF_iommu)
BAD_CONFIG(cfg_nested, c->flags = XEN_DOMCTL_CDF_nested_virt)
BAD_CONFIG(cfg_vpmu, c->flags = XEN_DOMCTL_CDF_vpmu)
BAD_CONFIG(cfg_unknown, c->flags = 1u << 20)
BAD_CONFIG(cfg_iommu_opts, c->iommu_opts = XEN_DOMCTL_IOMMU_no_sharept)
BAD_CONFIG(cfg_vcpus0, c->max_vcpus = 0)
BAD_CONFIG(cfg_vcpus_many, c->max_vcpus = 100000)
BAD_CONFIG(cfg_vcpus_huge, c->max_vcpus = 0xffffffff)
BAD_CONFIG(cfg_emu_lapic, c->arch.emulation_flags = XEN_X86_EMU_LAPIC)
BAD_CONFIG(cfg_emu_bad, c->arch.emulation_flags = 1u << 15)
BAD_CONFIG(cfg_misc, c->arch.misc_flags = 2)
BAD_CONFIG(cfg_vmtrace, c->vmtrace_size = 4096)
BAD_CONFIG(cfg_gnt_v0, c->grant_opts = 0)
BAD_CONFIG(cfg_gnt_v2, c->grant_opts = XEN_DOMCTL_GRANT_version(2))
BAD_CONFIG(cfg_gnt_opts, c->grant_opts = 0x11)
BAD_CONFIG(cfg_gnt_frames0, c->max_grant_frames = 0)
BAD_CONFIG(cfg_maptrack, c->max_maptrack_frames = 4096)
BAD_CONFIG(cfg_pool, c->cpupool_id = 3)

static void test_create_hostile(void)
{
	unsigned int before = count_domains();
	uint64_t free = heap_free();

	/* Xen: -EINVAL without HVM support, -EOPNOTSUPP with it. */
	check_rc(create_with(cfg_hvm), -XEN_EINVAL, -XEN_EOPNOTSUPP);
	check_rc(create_with(cfg_hvm_hap), -XEN_EINVAL, -XEN_EOPNOTSUPP);
	check_rc(create_with(cfg_hap), -XEN_EINVAL);
	check_rc(create_with(cfg_iommu), -XEN_EINVAL);
	check_rc(create_with(cfg_nested), -XEN_EINVAL);
	check_rc(create_with(cfg_vpmu), -XEN_EINVAL);
	check_rc(create_with(cfg_unknown), -XEN_EINVAL);
	check_rc(create_with(cfg_iommu_opts), -XEN_EINVAL);
	check_rc(create_with(cfg_vcpus0), -XEN_EINVAL);
	check_rc(create_with(cfg_vcpus_many), -XEN_EINVAL);
	check_rc(create_with(cfg_vcpus_huge), -XEN_EINVAL);
	check_rc(create_with(cfg_emu_lapic), -XEN_EOPNOTSUPP);
	check_rc(create_with(cfg_emu_bad), -XEN_EINVAL);
	check_rc(create_with(cfg_misc), -XEN_EINVAL);
	check_rc(create_with(cfg_vmtrace), -XEN_EINVAL);
	check_rc(create_with(cfg_gnt_v0), -XEN_EINVAL);
	check_rc(create_with(cfg_gnt_v2), -XEN_EINVAL);
	check_rc(create_with(cfg_gnt_opts), -XEN_EINVAL);
	check_rc(create_with(cfg_gnt_frames0), -XEN_EINVAL);
	check_rc(create_with(cfg_maptrack), -XEN_EINVAL);
	check_rc(create_with(cfg_pool), -XEN_ESRCH);
	/* Nothing was left behind. */
	check_eq(count_domains(), before);
	check_eq(heap_free(), free);
}

/* ---- controls on a domain that never gets a context -------------------- */

static void test_create_spare(void)
{
	struct xen_domctl_getdomaininfo info;
	domid_t other;
	uint8_t handle[16];

	/* A chosen id; the same id again is -EEXIST. */
	check_rc(create(7, 2, &spare), 0);
	check_eq(spare, 7);
	check_rc(create(7, 1, &other), -XEN_EEXIST);
	/* The id of a boot-time domain is taken too. */
	check_rc(create(1, 1, &other), -XEN_EEXIST);
	check(exact_info(spare, &info), "no info for the new domain");
	/* Paused once, no memory, vCPUs there but down; no shutdown code. */
	check_eq(info.flags, XEN_DOMINF_paused |
			     (0xffffu << XEN_DOMINF_shutdownshift));
	check_eq(info.tot_pages, 0);
	check_eq(info.max_pages, 0);
	check_eq(info.nr_online_vcpus, 0);
	check_eq(info.max_vcpu_id, 1);
	check(info.shared_info_frame && !own_mfn(info.shared_info_frame),
	      "shared_info_frame %#lx", info.shared_info_frame);
	for (unsigned int i = 0; i < 16; i++)
		handle[i] = 0;
	check(!memcmp(info.handle, handle, 16), "handle not zero");
}

static void test_max_vcpus_mem(void)
{
	struct xen_domctl d;
	struct xen_domctl_getdomaininfo info;
	uint64_t list[20];
	unsigned int i;

	/* max_vcpus: the number createdomain set, nothing else. */
	dc_init(&d, XEN_DOMCTL_max_vcpus, spare);
	d.u.max_vcpus.max = 2;
	check_rc(hv_domctl(&d), 0);
	d.u.max_vcpus.max = 1;
	check_rc(hv_domctl(&d), -XEN_EINVAL);
	d.u.max_vcpus.max = 3;
	check_rc(hv_domctl(&d), -XEN_EINVAL);

	/* No memory before max_mem: nothing done, as Xen answers. */
	for (i = 0; i < ARRAY_SIZE(list); i++)
		list[i] = i;
	check_eq(populate(spare, list, 1), 0);
	check_rc(max_mem(spare, 16 * 4), 0);
	check(exact_info(spare, &info), "no info");
	check_eq(info.max_pages, 16);
	check_eq(populate(spare, list, 20), 16);
	check(exact_info(spare, &info), "no info");
	check_eq(info.tot_pages, 16);
	for (i = 0; i < 16; i++)
		check(list[i] <= max_mfn() && mfn_to_pfn(list[i]) == i,
		      "frame %u: mfn %#lx, M2P says %#lx", i, list[i],
		      mfn_to_pfn(list[i]));
	/* Lower than what it has: allowed; it just cannot grow. */
	check_rc(max_mem(spare, 8 * 4), 0);
	list[0] = 40;
	check_eq(populate(spare, list, 1), 0);
	check(exact_info(spare, &info), "no info");
	check_eq(info.max_pages, 8);
	check_eq(info.tot_pages, 16);
	/* 2^64-1 KiB: the most there is (32 bits of pages, as Xen). */
	check_rc(max_mem(spare, ~0ul), 0);
	check(exact_info(spare, &info), "no info");
	check_eq(info.max_pages, 0xffffffff);
	check_rc(max_mem(spare, 16 * 4), 0);
}

static void test_pause(void)
{
	struct xen_domctl_getdomaininfo info;
	struct xen_domctl d;

	/* No context: unpausing works, yet nothing runs. */
	check_rc(dc_simple(XEN_DOMCTL_unpausedomain, spare), 0);
	check(exact_info(spare, &info), "no info");
	check_eq(info.flags & (XEN_DOMINF_paused | XEN_DOMINF_running |
			       XEN_DOMINF_blocked), 0);
	check_eq(info.nr_online_vcpus, 0);
	/* Not paused: unpause is -EINVAL. */
	check_rc(dc_simple(XEN_DOMCTL_unpausedomain, spare), -XEN_EINVAL);
	/* A context for a domain that is not paused: refused. */
	memset(&ctxt, 0, sizeof(ctxt));
	check_rc(set_context(spare, 0, &ctxt), -XEN_EBUSY);
	check_rc(set_context(spare, 0, NULL), -XEN_EBUSY);
	/* Pauses count. */
	check_rc(dc_simple(XEN_DOMCTL_pausedomain, spare), 0);
	check_rc(dc_simple(XEN_DOMCTL_pausedomain, spare), 0);
	check(exact_info(spare, &info) && (info.flags & XEN_DOMINF_paused),
	      "flags %#x", info.flags);
	check_rc(dc_simple(XEN_DOMCTL_unpausedomain, spare), 0);
	check(exact_info(spare, &info) && (info.flags & XEN_DOMINF_paused),
	      "flags %#x after one of two unpauses", info.flags);
	check_rc(dc_simple(XEN_DOMCTL_unpausedomain, spare), 0);
	check(exact_info(spare, &info) && !(info.flags & XEN_DOMINF_paused),
	      "flags %#x", info.flags);
	/* Its vCPUs: there, down, no context. */
	dc_init(&d, XEN_DOMCTL_getvcpuinfo, spare);
	d.u.getvcpuinfo.vcpu = 1;
	check_rc(hv_domctl(&d), 0);
	check(!d.u.getvcpuinfo.online && !d.u.getvcpuinfo.running &&
	      !d.u.getvcpuinfo.blocked && !d.u.getvcpuinfo.cpu_time,
	      "vcpu 1: online %u running %u blocked %u time %lu",
	      d.u.getvcpuinfo.online, d.u.getvcpuinfo.running,
	      d.u.getvcpuinfo.blocked, d.u.getvcpuinfo.cpu_time);
	d.u.getvcpuinfo.vcpu = 2;
	check_rc(hv_domctl(&d), -XEN_EINVAL);
	check_rc(get_context(spare, 0, &ctxt), -XEN_ENODATA);
	check_rc(get_context(spare, 2, &ctxt), -XEN_EINVAL);
	check_rc(dc_simple(XEN_DOMCTL_pausedomain, spare), 0);
}

static void test_scheduler(void)
{
	struct xen_domctl d;

	dc_init(&d, XEN_DOMCTL_scheduler_op, spare);
	d.u.scheduler_op.sched_id = XEN_SCHEDULER_CREDIT;
	d.u.scheduler_op.cmd = XEN_DOMCTL_SCHEDOP_getinfo;
	check_rc(hv_domctl(&d), 0);
	check_eq(d.u.scheduler_op.u.credit.weight, 256);
	check_eq(d.u.scheduler_op.u.credit.cap, 0);
	d.u.scheduler_op.cmd = XEN_DOMCTL_SCHEDOP_putinfo;
	d.u.scheduler_op.u.credit.weight = 512;
	d.u.scheduler_op.u.credit.cap = 50;
	check_rc(hv_domctl(&d), 0);
	/* Weight 0 and cap 0xffff keep what is there. */
	d.u.scheduler_op.u.credit.weight = 0;
	d.u.scheduler_op.u.credit.cap = 0xffff;
	check_rc(hv_domctl(&d), 0);
	d.u.scheduler_op.cmd = XEN_DOMCTL_SCHEDOP_getinfo;
	d.u.scheduler_op.u.credit.weight = 0;
	check_rc(hv_domctl(&d), 0);
	check_eq(d.u.scheduler_op.u.credit.weight, 512);
	check_eq(d.u.scheduler_op.u.credit.cap, 50);
	/* A cap beyond our one CPU, another scheduler, per-vCPU ops. */
	d.u.scheduler_op.cmd = XEN_DOMCTL_SCHEDOP_putinfo;
	d.u.scheduler_op.u.credit.cap = 101;
	check_rc(hv_domctl(&d), -XEN_EINVAL);
	d.u.scheduler_op.u.credit.cap = 0;
	d.u.scheduler_op.sched_id = XEN_SCHEDULER_CREDIT2;
	check_rc(hv_domctl(&d), -XEN_EINVAL);
	d.u.scheduler_op.sched_id = XEN_SCHEDULER_CREDIT;
	d.u.scheduler_op.cmd = XEN_DOMCTL_SCHEDOP_getvcpuinfo;
	check_rc(hv_domctl(&d), -XEN_EINVAL);
	d.u.scheduler_op.cmd = 7;
	check_rc(hv_domctl(&d), -XEN_EINVAL);
	d.u.scheduler_op.cmd = XEN_DOMCTL_SCHEDOP_getinfo;
	check_rc(hv_domctl(&d), 0);
	check_eq(d.u.scheduler_op.u.credit.cap, 50);
}

static long affinity(uint32_t cmd, uint32_t vcpu, uint32_t flags,
		     uint8_t *hard, uint8_t *soft)
{
	struct xen_domctl d;

	dc_init(&d, cmd, spare);
	d.u.vcpuaffinity.vcpu = vcpu;
	d.u.vcpuaffinity.flags = flags;
	d.u.vcpuaffinity.cpumap_hard.bitmap = (uint64_t)hard;
	d.u.vcpuaffinity.cpumap_hard.nr_bits = 32;
	d.u.vcpuaffinity.cpumap_soft.bitmap = (uint64_t)soft;
	d.u.vcpuaffinity.cpumap_soft.nr_bits = 32;
	return hv_domctl(&d);
}

static void test_affinity(void)
{
	uint8_t hard[4] = { 0xff, 0xff, 0xff, 0xff };
	uint8_t soft[4] = { 0x00, 0xff, 0x00, 0xff };
	const uint32_t set = XEN_DOMCTL_setvcpuaffinity;
	const uint32_t get = XEN_DOMCTL_getvcpuaffinity;
	const uint32_t both = XEN_VCPUAFFINITY_HARD | XEN_VCPUAFFINITY_SOFT;

	/* Any mask with our CPU is taken; what is in force comes back. */
	check_rc(affinity(set, 0, both, hard, soft), 0);
	check(hard[0] == 1 && !hard[1] && !hard[2] && !hard[3],
	      "hard %02x%02x%02x%02x", hard[0], hard[1], hard[2], hard[3]);
	check(!soft[0] && !soft[1] && !soft[3], "soft %02x %02x", soft[0],
	      soft[1]);
	/* A hard mask without CPU 0 cannot be met. */
	hard[0] = 0x02;
	check_rc(affinity(set, 1, XEN_VCPUAFFINITY_HARD, hard, NULL),
		 -XEN_EINVAL);
	/* Bad requests. */
	check_rc(affinity(set, 0, 0, hard, soft), -XEN_EINVAL);
	check_rc(affinity(set, 2, XEN_VCPUAFFINITY_HARD, hard, soft),
		 -XEN_EINVAL);
	check_rc(affinity(set, 0, XEN_VCPUAFFINITY_HARD, NULL, soft),
		 -XEN_EINVAL);
	check_rc(affinity(get, 0, XEN_VCPUAFFINITY_SOFT, hard, NULL),
		 -XEN_EINVAL);
	hard[0] = 1;
	check_rc(affinity(set, 0, XEN_VCPUAFFINITY_HARD,
			  (uint8_t *)0x8000000000000000ul, NULL), -XEN_EFAULT);
	memset(hard, 0xee, sizeof(hard));
	memset(soft, 0xee, sizeof(soft));
	check_rc(affinity(get, 1, both, hard, soft), 0);
	check(hard[0] == 1 && !hard[3] && soft[0] == 1 && !soft[3],
	      "get: hard %02x soft %02x", hard[0], soft[0]);
}

static void test_misc_controls(void)
{
	struct xen_domctl d;
	struct xen_domctl_getdomaininfo info;
	static const uint8_t uuid[16] = {
		0x5a, 0x1d, 0x7e, 0x00, 0x12, 0x34, 0x40, 0x56,
		0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67,
	};

	dc_init(&d, XEN_DOMCTL_setdomainhandle, spare);
	memcpy(d.u.setdomainhandle.handle, uuid, 16);
	check_rc(hv_domctl(&d), 0);
	check(exact_info(spare, &info) && !memcmp(info.handle, uuid, 16),
	      "handle not kept");

	dc_init(&d, XEN_DOMCTL_set_address_size, spare);
	d.u.address_size.size = 64;
	check_rc(hv_domctl(&d), 0);
	d.u.address_size.size = 32;
	check_rc(hv_domctl(&d), -XEN_EOPNOTSUPP);	/* no 32-bit PV */
	d.u.address_size.size = 0;
	check_rc(hv_domctl(&d), -XEN_EINVAL);
	dc_init(&d, XEN_DOMCTL_get_address_size, spare);
	check_rc(hv_domctl(&d), 0);
	check_eq(d.u.address_size.size, 64);

	dc_init(&d, XEN_DOMCTL_settscinfo, spare);
	d.u.tsc_info.tsc_mode = TSC_MODE_DEFAULT;
	check_rc(hv_domctl(&d), 0);
	d.u.tsc_info.tsc_mode = TSC_MODE_ALWAYS_EMULATE;
	check_rc(hv_domctl(&d), -XEN_EOPNOTSUPP);
	d.u.tsc_info.tsc_mode = 9;
	check_rc(hv_domctl(&d), -XEN_EINVAL);
	d.u.tsc_info.tsc_mode = TSC_MODE_DEFAULT;
	d.u.tsc_info.gtsc_khz = 12345;
	check_rc(hv_domctl(&d), -XEN_EOPNOTSUPP);
	dc_init(&d, XEN_DOMCTL_gettscinfo, spare);
	check_rc(hv_domctl(&d), 0);
	check_eq(d.u.tsc_info.tsc_mode, TSC_MODE_DEFAULT);
	check_eq(d.u.tsc_info.incarnation, 1);
	check(d.u.tsc_info.gtsc_khz > 100000, "gtsc_khz %u",
	      d.u.tsc_info.gtsc_khz);
}

static void test_domain_list(void)
{
	struct xen_domctl_getdomaininfo list[8];
	struct xen_sysctl s;
	unsigned int n;

	memset(list, 0, sizeof(list));
	sc_init(&s, XEN_SYSCTL_getdomaininfolist);
	s.u.getdomaininfolist.max_domains = ARRAY_SIZE(list);
	s.u.getdomaininfolist.buffer = (uint64_t)list;
	check_rc(hv_sysctl(&s), 0);
	n = s.u.getdomaininfolist.num_domains;
	/* dom0, the boot-time domain 1 and ours, by id. */
	check_eq(n, 3);
	check(list[0].domain == 0 && list[1].domain == 1 &&
	      list[2].domain == spare, "domains %u %u %u", list[0].domain,
	      list[1].domain, list[2].domain);
	check(list[2].flags & XEN_DOMINF_paused, "flags %#x", list[2].flags);
	check_eq(list[2].max_vcpu_id, 1);
	/* From an id on, at most so many. */
	s.u.getdomaininfolist.first_domain = 2;
	check_rc(hv_sysctl(&s), 0);
	check(s.u.getdomaininfolist.num_domains == 1 &&
	      list[0].domain == spare, "from 2: %u domains, first %u",
	      s.u.getdomaininfolist.num_domains, list[0].domain);
	s.u.getdomaininfolist.first_domain = 0;
	s.u.getdomaininfolist.max_domains = 1;
	check_rc(hv_sysctl(&s), 0);
	check_eq(s.u.getdomaininfolist.num_domains, 1);
	s.u.getdomaininfolist.max_domains = 0;
	check_rc(hv_sysctl(&s), 0);
	check_eq(s.u.getdomaininfolist.num_domains, 0);
	s.u.getdomaininfolist.first_domain = DOMID_FIRST_RESERVED;
	s.u.getdomaininfolist.max_domains = 8;
	check_rc(hv_sysctl(&s), 0);
	check_eq(s.u.getdomaininfolist.num_domains, 0);
	s.u.getdomaininfolist.first_domain = 0;
	s.u.getdomaininfolist.buffer = 0xffff800000000000ul;
	check_rc(hv_sysctl(&s), -XEN_EFAULT);
}

static void test_remote_shutdown(void)
{
	struct sched_remote_shutdown r = {
		.domain_id = spare,
		.reason = SHUTDOWN_suspend,
	};
	struct xen_domctl_getdomaininfo info;
	uint32_t seen = evtchn_fired[exc_port];

	check_rc(hv_sched_op(SCHEDOP_remote_shutdown, &r), 0);
	check(evtchn_wait(exc_port, seen, 2000000000ul),
	      "no VIRQ_DOM_EXC for the shutdown");
	check(exact_info(spare, &info), "shut-down domain gone");
	check(info.flags & XEN_DOMINF_shutdown, "flags %#x", info.flags);
	check_eq(shutdown_code(&info), SHUTDOWN_suspend);
	check(!(info.flags & XEN_DOMINF_dying), "flags %#x", info.flags);
	/* Shut down is not paused: no new context either way. */
	check_rc(dc_simple(XEN_DOMCTL_unpausedomain, spare), 0);
	check_rc(set_context(spare, 0, &ctxt), -XEN_EBUSY);
	seen = evtchn_fired[exc_port];
	check_rc(dc_simple(XEN_DOMCTL_destroydomain, spare), 0);
	check(evtchn_wait(exc_port, seen, 2000000000ul),
	      "no VIRQ_DOM_EXC for the destruction");
	check(dominfo(spare, &info) || info.domain != spare,
	      "domain %u still there", spare);
	check_rc(dc_simple(XEN_DOMCTL_pausedomain, spare), -XEN_ESRCH);
	spare = NO_DOMAIN;
}

/* ---- building a domain --------------------------------------------------- */

/*
 * The built kernel (at PFN_CODE). Entered with RSI = start_info:
 *	lea	cmd_line(%rsi), %rdx
 *	mov	$len, %esi
 *	xor	%edi, %edi		CONSOLEIO_write
 *	mov	$18, %eax		console_io
 *	syscall
 *	push	$1			struct sched_shutdown: reboot
 *	mov	%rsp, %rsi
 *	mov	$2, %edi		SCHEDOP_shutdown
 *	mov	$29, %eax		sched_op
 *	syscall
 *	jmp	.
 */
static void make_kernel(uint8_t *code)
{
	static const uint8_t insns[] = {
		0x48, 0x8d, 0x96, 0, 0, 0, 0,
		0xbe, 0, 0, 0, 0,
		0x31, 0xff,
		0xb8, __HYPERVISOR_console_io, 0, 0, 0,
		0x0f, 0x05,
		0x6a, SHUTDOWN_reboot,
		0x48, 0x89, 0xe6,
		0xbf, SCHEDOP_shutdown, 0, 0, 0,
		0xb8, __HYPERVISOR_sched_op, 0, 0, 0,
		0x0f, 0x05,
		0xeb, 0xfe,
	};
	uint32_t off = offsetof(struct start_info, cmd_line);
	uint32_t len = sizeof(HELLO) - 1;

	memcpy(code, insns, sizeof(insns));
	memcpy(code + 3, &off, 4);
	memcpy(code + 8, &len, 4);
}

static void test_build_create(void)
{
	struct xen_domctl d;
	struct xen_domctl_getdomaininfo info;

	window = va_hole_alloc();
	free_before = heap_free();
	check_rc(create(0, 1, &built), 0);
	/* The first free id after the last one picked (1 is taken). */
	check_eq(built, 2);
	dc_init(&d, XEN_DOMCTL_max_vcpus, built);
	d.u.max_vcpus.max = 1;
	check_rc(hv_domctl(&d), 0);
	check_rc(max_mem(built, NR_PAGES * 4), 0);
	for (unsigned int i = 0; i < NR_PAGES; i++)
		gmfn[i] = i;
	check_eq(populate(built, gmfn, NR_PAGES), NR_PAGES);
	check(exact_info(built, &info), "no info");
	check_eq(info.tot_pages, NR_PAGES);
	check_eq(info.flags & XEN_DOMINF_paused, XEN_DOMINF_paused);
	for (unsigned int i = 0; i < NR_PAGES; i++)
		check(!own_mfn(gmfn[i]) && mfn_to_pfn(gmfn[i]) == i,
		      "frame %u: mfn %#lx", i, gmfn[i]);
	check(heap_free() + NR_PAGES <= free_before, "heap %lu -> %lu",
	      free_before, heap_free());
}

/* Write the image, start_info, p2m and page tables through mappings. */
static void test_build_image(void)
{
	static uint64_t page[PAGE_SIZE / 8];
	const uint64_t upper = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER |
			       _PAGE_ACCESSED | _PAGE_DIRTY;
	struct start_info *si = (struct start_info *)page;
	struct xen_domctl_getdomaininfo info;
	struct mmu_update u;
	struct mmuext_op flush = {
		.cmd = MMUEXT_INVLPG_LOCAL,
		.arg1.linear_addr = (unsigned long)window,
	};

	/* The code page through mmu_update with foreigndom, as privcmd. */
	u.ptr = pte_maddr((unsigned long)window, 1);
	u.val = (gmfn[PFN_CODE] << PAGE_SHIFT) | PTE_KERN_RW;
	check_rc(hv_mmu_update(&u, 1, NULL, built), 0);
	check_rc(hv_mmuext_op(&flush, 1, NULL, DOMID_SELF), 0);
	make_kernel(window);
	unmap_window();
	/* Frames of dom0 named as the built domain's: refused. */
	u.val = (virt_to_mfn(page) << PAGE_SHIFT) | PTE_KERN_RW;
	check_rc(hv_mmu_update(&u, 1, NULL, built), -XEN_EPERM,
		 -XEN_EINVAL, -XEN_EBUSY);
	check_rc(map_foreign(built, l4_mfn()), -XEN_EPERM, -XEN_EINVAL,
		 -XEN_EBUSY);
	check(!(*pte_lookup((unsigned long)window, 1) & _PAGE_PRESENT),
	      "window mapped after refusals");

	/* p2m */
	memset(page, 0, sizeof(page));
	memcpy(page, gmfn, sizeof(gmfn));
	write_foreign(built, gmfn[PFN_P2M], 0, page, sizeof(page));

	/* start_info, with the message as its command line */
	check(exact_info(built, &info), "no info");
	memset(page, 0, sizeof(page));
	strlcpy(si->magic, XEN_START_INFO_MAGIC, sizeof(si->magic));
	si->nr_pages = NR_PAGES;
	si->shared_info = info.shared_info_frame << PAGE_SHIFT;
	si->store_mfn = gmfn[PFN_STORE];
	si->console.domU.mfn = gmfn[PFN_CONSOLE];
	si->pt_base = PFN_VA(PFN_L4);
	si->nr_pt_frames = NR_PT_FRAMES;
	si->mfn_list = PFN_VA(PFN_P2M);
	strlcpy((char *)si->cmd_line, HELLO, sizeof(si->cmd_line));
	write_foreign(built, gmfn[PFN_START_INFO], 0, page, sizeof(page));

	/* L4[0] -> L3[0] -> L2[2] -> L1: PFN n at KERN_VA + n pages. */
	memset(page, 0, sizeof(page));
	page[0] = (gmfn[PFN_L3] << PAGE_SHIFT) | upper;
	write_foreign(built, gmfn[PFN_L4], 0, page, sizeof(page));
	page[0] = (gmfn[PFN_L2] << PAGE_SHIFT) | upper;
	write_foreign(built, gmfn[PFN_L3], 0, page, sizeof(page));
	page[0] = 0;
	page[KERN_VA >> 21] = (gmfn[PFN_L1] << PAGE_SHIFT) | upper;
	write_foreign(built, gmfn[PFN_L2], 0, page, sizeof(page));
	memset(page, 0, sizeof(page));
	for (unsigned int i = 0; i < NR_PAGES; i++)
		page[i] = (gmfn[i] << PAGE_SHIFT) |
			  (i < NR_PT_FRAMES ? PTE_KERN_RO : PTE_KERN_RW);
	/* For now one entry maps a frame of dom0's: pinning must fail. */
	page[NR_PAGES] = (l4_mfn() << PAGE_SHIFT) | PTE_KERN_RO;
	write_foreign(built, gmfn[PFN_L1], 0, page, sizeof(page));
}

static long acquire(struct xen_mem_acquire_resource *r)
{
	return hv_memory_op(XENMEM_acquire_resource, r);
}

/* The way libxenguest finds a new domain's grant table to seed it. */
static uint64_t acquire_grant_frame(domid_t dom)
{
	uint64_t frames[2] = { 0, 0 };
	struct xen_mem_acquire_resource r = {
		.domid = dom,
		.type = XENMEM_resource_grant_table,
		.id = XENMEM_resource_grant_table_id_shared,
	};

	/* Size query: max_grant_frames (4). */
	check_rc(acquire(&r), 0);
	check_eq(r.nr_frames, 4);
	r.frame_list = (uint64_t)frames;
	r.nr_frames = 1;
	r.pad = 1;
	check_rc(acquire(&r), -XEN_EINVAL);
	r.pad = 0;
	r.frame = 3;
	r.nr_frames = 2;		/* past the end */
	check_rc(acquire(&r), -XEN_EINVAL);
	r.frame = 1ull << 32;
	check_rc(acquire(&r), -XEN_EINVAL);
	r.frame = 0;
	r.nr_frames = 1;
	r.id = XENMEM_resource_grant_table_id_status;	/* v2 only */
	check_rc(acquire(&r), -XEN_EINVAL);
	r.id = XENMEM_resource_grant_table_id_shared;
	r.type = XENMEM_resource_ioreq_server;
	check_rc(acquire(&r), -XEN_EOPNOTSUPP);
	r.type = XENMEM_resource_grant_table;
	r.domid = 0;			/* ourselves */
	check_rc(acquire(&r), -XEN_EPERM);
	r.domid = 777;
	check_rc(acquire(&r), -XEN_ESRCH);
	r.domid = dom;
	check_rc(acquire(&r), 0);
	check(frames[0] && !frames[1], "frames %#lx %#lx", frames[0],
	      frames[1]);
	return frames[0];
}

static void test_build_grants_events(void)
{
	struct gnttab_setup_table st = { .dom = built, .nr_frames = 1 };
	struct gnttab_query_size qs = { .dom = built };
	struct evtchn_alloc_unbound au = { .dom = built, .remote_dom = 0 };
	struct evtchn_status es = { .dom = built };
	struct grant_entry_v1 seed[2] = {
		{ GTF_permit_access, 0, 0 },
		{ GTF_permit_access, 0, 0 },
	};
	uint64_t frame = 0;
	evtchn_port_t console_port;

	/* Its table (xc_dom_gnttab_seed): console at ref 0, store at 1. */
	st.frame_list = (uint64_t)&frame;
	check_rc(hv_grant_table_op(GNTTABOP_setup_table, &st, 1), 0);
	check_eq(st.status, GNTST_okay);
	check_eq(acquire_grant_frame(built), frame);
	seed[0].frame = gmfn[PFN_CONSOLE];
	seed[1].frame = gmfn[PFN_STORE];
	check(frame && !own_mfn(frame), "grant frame %#lx", frame);
	write_foreign(built, frame, 0, seed, sizeof(seed));
	/* max_grant_frames (4) holds. */
	check_rc(hv_grant_table_op(GNTTABOP_query_size, &qs, 1), 0);
	check(qs.status == GNTST_okay && qs.nr_frames == 1 &&
	      qs.max_nr_frames == 4, "query_size %d: %u of %u", qs.status,
	      qs.nr_frames, qs.max_nr_frames);
	st.nr_frames = 5;
	check_rc(hv_grant_table_op(GNTTABOP_setup_table, &st, 1), 0);
	check_eq(st.status, GNTST_general_error);

	/* Its console port, for dom0 to bind. */
	check_rc(hv_event_channel_op(EVTCHNOP_alloc_unbound, &au), 0);
	console_port = au.port;
	check(console_port > 0 && console_port <= 1023, "port %u",
	      console_port);
	es.port = console_port;
	check_rc(hv_event_channel_op(EVTCHNOP_status, &es), 0);
	check_eq(es.status, EVTCHNSTAT_unbound);
	check_eq(es.u.unbound.dom, 0);
	/* max_evtchn_port (1023) holds. */
	es.port = 1024;
	check_rc(hv_event_channel_op(EVTCHNOP_status, &es), -XEN_EINVAL);
	write_foreign(built, gmfn[PFN_START_INFO],
		      offsetof(struct start_info, console.domU.evtchn),
		      &console_port, sizeof(console_port));
}

static long pin_l4(domid_t dom, uint64_t mfn)
{
	struct mmuext_op op = {
		.cmd = MMUEXT_PIN_L4_TABLE,
		.arg1.mfn = mfn,
	};

	return hv_mmuext_op(&op, 1, NULL, dom);
}

static void test_build_pin(void)
{
	uint64_t clear = 0;

	/* Validated against the built domain: dom0's frame is refused. */
	check(pin_l4(built, gmfn[PFN_L4]) < 0, "L4 mapping dom0's frame "
	      "pinned");
	/* dom0's own L4 named as the built domain's. */
	check_rc(pin_l4(built, l4_mfn()), -XEN_EINVAL);
	write_foreign(built, gmfn[PFN_L1], NR_PAGES * 8, &clear, 8);
	check_rc(pin_l4(built, gmfn[PFN_L4]), 0);
	/* Its tables are no longer writable for anyone. */
	check(map_foreign(built, gmfn[PFN_L1]) < 0,
	      "pinned L1 mapped writable");
}

static void base_context(struct vcpu_guest_context *c)
{
	memset(c, 0, sizeof(*c));
	c->flags = VGCF_in_kernel | VGCF_online;
	c->user_regs.rip = PFN_VA(PFN_CODE);
	c->user_regs.rsp = PFN_VA(PFN_STACK) + PAGE_SIZE;
	c->user_regs.rsi = PFN_VA(PFN_START_INFO);
	c->user_regs.cs = FLAT_KERNEL_CS;
	c->user_regs.ss = FLAT_KERNEL_SS;
	c->user_regs.rflags = X86_EFLAGS_IF | X86_EFLAGS_MBS;
	c->kernel_ss = FLAT_KERNEL_SS;
	c->kernel_sp = c->user_regs.rsp;
	c->ctrlreg[3] = xen_pfn_to_cr3(gmfn[PFN_L4]);
}

static void check_no_context(void)
{
	struct xen_domctl_getdomaininfo info;

	check_rc(get_context(built, 0, &ctxt), -XEN_ENODATA);
	check(exact_info(built, &info) && !info.nr_online_vcpus,
	      "%u vCPUs online", info.nr_online_vcpus);
}

static void test_build_context(void)
{
	/* Hostile contexts first; each leaves the vCPU as it was. */
	base_context(&ctxt);
	check_rc(set_context(built, 1, &ctxt), -XEN_EINVAL);
	check_rc(set_context(built, 0,
			     (void *)0x8000000000000000ul), -XEN_EFAULT);
	ctxt.ctrlreg[3] = xen_pfn_to_cr3(l4_mfn());	/* dom0's L4 */
	check_rc(set_context(built, 0, &ctxt), -XEN_EINVAL);
	check_no_context();
	base_context(&ctxt);
	ctxt.gdt_frames[0] = virt_to_mfn(conbuf);	/* dom0's frame */
	ctxt.gdt_ents = 16;
	check_rc(set_context(built, 0, &ctxt), -XEN_EINVAL);
	base_context(&ctxt);
	ctxt.user_regs.rip = 0x8000000000000000ul;
	check_rc(set_context(built, 0, &ctxt), -XEN_EINVAL);
	base_context(&ctxt);
	ctxt.event_callback_eip = 0x0000800000000000ul;
	check_rc(set_context(built, 0, &ctxt), -XEN_EINVAL);
	base_context(&ctxt);
	ctxt.failsafe_callback_eip = 0xffff800000001000ul;	/* ours */
	check_rc(set_context(built, 0, &ctxt), -XEN_EINVAL);
	base_context(&ctxt);
	ctxt.trap_ctxt[3].address = 0x1234000000000000ul;
	check_rc(set_context(built, 0, &ctxt), -XEN_EINVAL);
	base_context(&ctxt);
	ctxt.kernel_sp = 0x00f0000000000000ul;
	check_rc(set_context(built, 0, &ctxt), -XEN_EINVAL);
	check_no_context();

	/* The real one; a second is refused; reset and set again. */
	base_context(&ctxt);
	check_rc(set_context(built, 0, &ctxt), 0);
	check_rc(set_context(built, 0, &ctxt), -XEN_EEXIST);
	check_rc(set_context(built, 0, NULL), 0);
	check_no_context();
	/* MXCSR reserved bits of a "valid" FPU image are dropped. */
	ctxt.flags |= VGCF_i387_valid;
	memset(ctxt.fpu_ctxt, 0, sizeof(ctxt.fpu_ctxt));
	*(uint16_t *)&ctxt.fpu_ctxt[0] = 0x37f;
	*(uint32_t *)&ctxt.fpu_ctxt[24] = 0xffff1f80;
	check_rc(set_context(built, 0, &ctxt), 0);

	memset(&ctxt, 0, sizeof(ctxt));
	check_rc(get_context(built, 0, &ctxt), 0);
	check_eq(ctxt.user_regs.rip, PFN_VA(PFN_CODE));
	check_eq(ctxt.user_regs.rsi, PFN_VA(PFN_START_INFO));
	check_eq(ctxt.ctrlreg[3], xen_pfn_to_cr3(gmfn[PFN_L4]));
	check_eq(ctxt.ctrlreg[1], 0);
	check_eq(ctxt.kernel_sp, PFN_VA(PFN_STACK) + PAGE_SIZE);
	check_eq(ctxt.user_regs.cs & 3, 3);
	check_eq(ctxt.flags & (VGCF_in_kernel | VGCF_online),
		 VGCF_in_kernel | VGCF_online);
	check_eq(*(uint32_t *)&ctxt.fpu_ctxt[24] & 0xffff0000, 0);
	check_eq(*(uint32_t *)&ctxt.fpu_ctxt[24] & 0xffff, 0x1f80);
}

static void test_build_run(void)
{
	struct xen_domctl_getdomaininfo info;
	struct xen_domctl d;
	uint32_t seen = evtchn_fired[exc_port];

	check(exact_info(built, &info) && info.nr_online_vcpus == 1 &&
	      (info.flags & XEN_DOMINF_paused), "before: flags %#x, %u "
	      "online", info.flags, info.nr_online_vcpus);
	check_rc(dc_simple(XEN_DOMCTL_unpausedomain, built), 0);
	check(evtchn_wait(exc_port, seen, 5000000000ul),
	      "no VIRQ_DOM_EXC: the built domain did not shut down");
	check(console_has(HELLO), "its line is not in the console ring");
	check(exact_info(built, &info), "shut-down domain gone");
	check((info.flags & XEN_DOMINF_shutdown) &&
	      !(info.flags & (XEN_DOMINF_running | XEN_DOMINF_paused |
			      XEN_DOMINF_dying)), "flags %#x", info.flags);
	check_eq(shutdown_code(&info), SHUTDOWN_reboot);
	check_eq(info.tot_pages, NR_PAGES);
	check(info.cpu_time > 0, "cpu_time 0");

	dc_init(&d, XEN_DOMCTL_getvcpuinfo, built);
	check_rc(hv_domctl(&d), 0);
	check(d.u.getvcpuinfo.online && !d.u.getvcpuinfo.running &&
	      d.u.getvcpuinfo.cpu_time > 0 && d.u.getvcpuinfo.cpu == 0,
	      "online %u running %u time %lu cpu %u", d.u.getvcpuinfo.online,
	      d.u.getvcpuinfo.running, d.u.getvcpuinfo.cpu_time,
	      d.u.getvcpuinfo.cpu);
	/* Where it stopped: in its code, on its stack. */
	check_rc(get_context(built, 0, &ctxt), 0);
	check(ctxt.user_regs.rip > PFN_VA(PFN_CODE) &&
	      ctxt.user_regs.rip < PFN_VA(PFN_CODE) + 64,
	      "rip %#lx", ctxt.user_regs.rip);
	check_eq(ctxt.user_regs.rsp, PFN_VA(PFN_STACK) + PAGE_SIZE - 8);
	/* It ran: no new context, even paused (it is shut down). */
	check_rc(set_context(built, 0, &ctxt), -XEN_EBUSY);
	check_rc(dc_simple(XEN_DOMCTL_pausedomain, built), 0);
	check_rc(set_context(built, 0, &ctxt), -XEN_EBUSY);
	check_rc(dc_simple(XEN_DOMCTL_unpausedomain, built), 0);
	/* And the hypervisor did not start it again (reboot). */
	check(exact_info(built, &info) && (info.flags & XEN_DOMINF_shutdown),
	      "flags %#x", info.flags);
}

static void test_build_destroy(void)
{
	struct xen_domctl_getdomaininfo info;
	uint32_t seen = evtchn_fired[exc_port];
	uint64_t after;

	check_rc(dc_simple(XEN_DOMCTL_destroydomain, built), 0);
	check(evtchn_wait(exc_port, seen, 2000000000ul),
	      "no VIRQ_DOM_EXC for the destruction");
	check(dominfo(built, &info) || info.domain != built,
	      "domain %u still there (flags %#x)", built, info.flags);
	check_rc(dc_simple(XEN_DOMCTL_destroydomain, built), -XEN_ESRCH);
	check_rc(dc_simple(XEN_DOMCTL_unpausedomain, built), -XEN_ESRCH);
	/* Its frames are free: no M2P entry, and the heap has them back. */
	for (unsigned int i = 0; i < NR_PAGES; i++)
		check(mfn_to_pfn(gmfn[i]) != i, "frame %u: M2P still %#lx",
		      i, mfn_to_pfn(gmfn[i]));
	after = heap_free();
	/* The hypervisor's small-object pages may stay with it. */
	check(after + 4 >= free_before && after <= free_before,
	      "heap: %lu pages free before, %lu after", free_before, after);
	built = NO_DOMAIN;
}

/* ---- set-up, and the order of the cases ---------------------------------- */

static void test_dom_exc_port(void)
{
	check_rc(evtchn_bind_virq(VIRQ_DOM_EXC, 0, &exc_port), 0);
	evtchn_unmask_port(exc_port);
	events_unmask();
}

/* Whatever a failed case left: destroyed, so dom0 can end cleanly. */
static void test_cleanup(void)
{
	if (spare != NO_DOMAIN)
		dc_simple(XEN_DOMCTL_destroydomain, spare);
	if (built != NO_DOMAIN)
		dc_simple(XEN_DOMCTL_destroydomain, built);
	check_eq(count_domains(), 2);
}

static const struct test_case cases[] = {
	{ "dom_exc_port", test_dom_exc_port },
	{ "interface", test_interface },
	{ "physinfo", test_physinfo },
	{ "sched_topology", test_sched_topology },
	{ "readconsole", test_readconsole },
	{ "domaininfo", test_domaininfo },
	{ "self", test_self },
	{ "create_hostile", test_create_hostile },
	{ "create_spare", test_create_spare },
	{ "max_vcpus_mem", test_max_vcpus_mem },
	{ "pause", test_pause },
	{ "scheduler", test_scheduler },
	{ "affinity", test_affinity },
	{ "misc_controls", test_misc_controls },
	{ "domain_list", test_domain_list },
	{ "remote_shutdown", test_remote_shutdown },
	{ "build_create", test_build_create },
	{ "build_image", test_build_image },
	{ "build_grants_events", test_build_grants_events },
	{ "build_pin", test_build_pin },
	{ "build_context", test_build_context },
	{ "build_run", test_build_run },
	{ "build_destroy", test_build_destroy },
	{ "cleanup", test_cleanup },
};

DEFINE_SUITE("domctl", cases);
