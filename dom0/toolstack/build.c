// SPDX-License-Identifier: MIT
/*
 * The PV domain builder (see build.h). The steps and their order follow
 * Xen's libxl and libxenguest for a 64-bit PV guest: createdomain,
 * max_vcpus, max_mem, address size, event channels, populate_physmap,
 * load, page tables, start_info, hypercall page, pin the L4, shared
 * info, vCPU 0's context, grant table entries 0 and 1.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>

#include <libtandem/error.h>

#include "build.h"
#include "ts_error.h"

#define FLAT_KERNEL_CS64_SEL	0xe033
#define FLAT_KERNEL_SS64_SEL	0xe02b
#define DR6_DEFAULT		0xffff0ff0u
#define DR7_DEFAULT		0x00000400u
#define RFLAGS_IF		(1u << 9)
#define SUPERPAGE_ORDER		9
#define SUPERPAGE_PAGES		(1u << SUPERPAGE_ORDER)
#define POPULATE_BATCH		(1u << 18)	/* 1 GiB of 4 KiB pages */

#define BLOG(bp, ...)							\
	do {								\
		if ((bp)->log)						\
			(bp)->log((bp)->log_ctx, __VA_ARGS__);		\
	} while (0)

int build_uuid(uint8_t uuid[16])
{
	if (getrandom(uuid, 16, 0) != 16)
		return ts_fail(errno ? errno : EIO, "no random bytes for a "
			       "UUID: %s", strerror(errno));
	uuid[6] = (uint8_t)((uuid[6] & 0x0f) | 0x40);	/* version 4 */
	uuid[8] = (uint8_t)((uuid[8] & 0x3f) | 0x80);	/* RFC 4122 */
	return 0;
}

void build_uuid_str(const uint8_t u[16], char out[37])
{
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2], u[3], u[4],
		 u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
		 u[14], u[15]);
}

int build_prepare(const struct build_params *bp, struct build_image *img)
{
	struct layout_in in;
	int err;

	memset(img, 0, sizeof(*img));
	err = kimg_load(bp->kernel, &img->kernel);
	if (err)
		goto fail;
	if (bp->initrd && bp->initrd[0]) {
		err = kimg_read_file(bp->initrd, "initrd", BUILD_INITRD_MAX,
				     &img->initrd, &img->initrd_len);
		if (err)
			goto fail;
	}
	memset(&in, 0, sizeof(in));
	in.nr_pages = bp->memory_mib << 8;
	in.virt_base = img->kernel.virt_base;
	in.virt_kstart = img->kernel.virt_kstart;
	in.virt_kend = img->kernel.virt_kend;
	in.p2m_base = img->kernel.p2m_base;
	in.initrd_len = img->initrd_len;
	in.initrd_by_pfn = img->kernel.mod_start_pfn;
	err = layout_compute(&in, &img->layout);
	if (err == -ENOMEM) {
		char why[TS_ERRMSG_MAX / 2];

		snprintf(why, sizeof(why), "%s", ts_errmsg());
		err = ts_fail(ENOMEM, "VM '%s' has too little memory to boot: "
			      "%s (raise 'memory'%s%s)", bp->name, why,
			      bp->memory_where ? " at " : "",
			      bp->memory_where ? bp->memory_where : "");
		goto fail;
	}
	if (err)
		goto fail;
	BLOG(bp, "%s: kernel %s (%s, %zu KiB unpacked, entry %#llx%s), "
	     "initrd %zu KiB, %llu MiB, boot mapping ends at %#llx",
	     bp->name, bp->kernel, img->kernel.packing,
	     img->kernel.elf_len >> 10,
	     (unsigned long long)img->kernel.virt_entry,
	     img->kernel.p2m_base != KIMG_UNSET ? ", p2m at INIT_P2M" : "",
	     img->initrd_len >> 10, (unsigned long long)bp->memory_mib,
	     (unsigned long long)img->layout.virt_pgtab_end);
	return 0;
fail:
	build_image_free(img);
	return err;
}

void build_image_free(struct build_image *img)
{
	kimg_free(&img->kernel);
	free(img->initrd);
	img->initrd = NULL;
}

int build_check_memory(const struct build_params *bp, uint64_t free_kib)
{
	uint64_t need_kib = (bp->memory_mib << 10) + BUILD_MAXMEM_SLACK_KIB;

	if (free_kib >= need_kib)
		return 0;
	return ts_fail(ENOMEM, "not enough free memory for VM '%s': it needs "
		       "%llu MiB, the hypervisor has %llu MiB free (destroy "
		       "or shrink another VM, or lower 'memory'%s%s)",
		       bp->name, (unsigned long long)(need_kib + 1023) >> 10,
		       (unsigned long long)(free_kib >> 10),
		       bp->memory_where ? " at " : "",
		       bp->memory_where ? bp->memory_where : "");
}

/* Give the domain nr pages: 2 MiB extents where possible, then 4 KiB. */
static int populate(struct tdm_privcmd *h, domid_t domid, uint64_t *p2m,
		    uint64_t nr)
{
	xen_pfn_t *ext;
	uint64_t pfn = 0, j, k;
	bool super = true;
	long ret;

	ext = malloc(POPULATE_BATCH * sizeof(*ext));
	if (!ext)
		return ts_fail(ENOMEM, "out of memory");
	while (super && nr - pfn >= SUPERPAGE_PAGES) {
		uint64_t count = (nr - pfn) / SUPERPAGE_PAGES;

		if (count > 512)
			count = 512;
		for (j = 0; j < count; j++)
			ext[j] = pfn + j * SUPERPAGE_PAGES;
		ret = tdm_populate_physmap(h, domid, count, SUPERPAGE_ORDER,
					   0, ext);
		/* Refused or fragmented: single pages will do. */
		if (ret <= 0)
			break;
		for (j = 0; j < (uint64_t)ret; j++)
			for (k = 0; k < SUPERPAGE_PAGES; k++)
				p2m[pfn + j * SUPERPAGE_PAGES + k] = ext[j] + k;
		pfn += (uint64_t)ret * SUPERPAGE_PAGES;
		if ((uint64_t)ret < count)
			super = false;
	}
	while (pfn < nr) {
		uint64_t count = nr - pfn;

		if (count > POPULATE_BATCH)
			count = POPULATE_BATCH;
		for (j = 0; j < count; j++)
			ext[j] = pfn + j;
		ret = tdm_populate_physmap(h, domid, count, 0, 0, ext);
		if (ret < 0) {
			free(ext);
			return ts_fail_tdm(-(int)ret, "give dom%u its memory "
					   "(%llu of %llu MiB done)", domid,
					   (unsigned long long)pfn >> 8,
					   (unsigned long long)nr >> 8);
		}
		if (ret == 0) {
			free(ext);
			return ts_fail(ENOMEM, "the hypervisor ran out of "
				       "memory giving dom%u %llu MiB (%llu MiB "
				       "done)", domid,
				       (unsigned long long)nr >> 8,
				       (unsigned long long)pfn >> 8);
		}
		for (j = 0; j < (uint64_t)ret; j++)
			p2m[pfn + j] = ext[j];
		pfn += (uint64_t)ret;
	}
	free(ext);
	return 0;
}

/* Map pages frames of the guest from pfn on, writable. */
static void *map_pfns(struct tdm_privcmd *h, domid_t domid,
		      const uint64_t *p2m, uint64_t pfn, uint64_t pages,
		      const char *what)
{
	void *p;

	if (pages == 0)
		return NULL;
	p = tdm_foreign_map(h, domid, PROT_READ | PROT_WRITE,
			    (const xen_pfn_t *)&p2m[pfn], NULL, pages);
	if (!p)
		ts_fail_tdm(errno, "map dom%u's %s (%llu pages from frame "
			    "%#llx)", domid, what, (unsigned long long)pages,
			    (unsigned long long)p2m[pfn]);
	return p;
}

/* The page-table frames, for layout_write_pgtables(). */
struct pt_maps {
	const struct layout *l;
	uint64_t *boot;			/* the pgtables segment */
	uint64_t *p2m_seg;		/* the p2m segment (list + tables) */
};

static uint64_t *pt_frame(void *ctx, uint64_t pfn)
{
	struct pt_maps *m = ctx;
	const struct layout *l = m->l;

	if (pfn >= l->pgtables.pfn && pfn < l->pgtables.pfn + l->pgtables.pages)
		return m->boot + ((pfn - l->pgtables.pfn) << 9);
	if (l->nr_maps > 1 && pfn >= l->p2m.pfn &&
	    pfn < l->p2m.pfn + l->p2m.pages)
		return m->p2m_seg + ((pfn - l->p2m.pfn) << 9);
	return NULL;
}

static int fill_start_info(void *page, const struct build_image *img,
			   const struct build_params *bp,
			   const struct build_result *r, const uint64_t *p2m)
{
	const struct layout *l = &img->layout;
	struct start_info *si = page;

	memset(si, 0, sizeof(*si));
	snprintf(si->magic, sizeof(si->magic), "xen-3.0-x86_64");
	si->nr_pages = r->nr_pages;
	si->shared_info = r->shared_info_mfn << LAYOUT_PAGE_SHIFT;
	si->flags = l->initrd_unmapped ? SIF_MOD_START_PFN : 0;
	si->store_mfn = p2m[l->store_pfn];
	si->store_evtchn = r->store_port;
	si->console.domU.mfn = p2m[l->console_pfn];
	si->console.domU.evtchn = r->console_port;
	si->pt_base = l->pgtables.vstart;
	si->nr_pt_frames = l->maps[0].pt_count;
	si->mfn_list = l->p2m.vstart;
	if (l->nr_maps > 1) {
		si->first_p2m_pfn = l->p2m.pfn;
		si->nr_p2m_frames = l->p2m.pages;
	}
	if (img->initrd_len) {
		si->mod_start = l->mod_start;
		si->mod_len = l->mod_len;
	}
	if (bp->cmdline)
		snprintf((char *)si->cmd_line, sizeof(si->cmd_line), "%s",
			 bp->cmdline);
	return 0;
}

/* Load everything into the guest's frames. */
static int load_guest(struct tdm_privcmd *h, domid_t domid,
		      const struct build_params *bp, struct build_image *img,
		      struct build_result *r, const uint64_t *p2m)
{
	const struct layout *l = &img->layout;
	struct pt_maps pm = { .l = l };
	uint64_t i, *list;
	void *p;
	int err;

	/* Kernel. */
	p = map_pfns(h, domid, p2m, l->kernel.pfn, l->kernel.pages, "kernel");
	if (!p)
		return -errno;
	memset(p, 0, l->kernel.pages << LAYOUT_PAGE_SHIFT);
	err = kimg_copy(&img->kernel, p, l->kernel.pages << LAYOUT_PAGE_SHIFT);
	tdm_foreign_unmap(p, l->kernel.pages);
	if (err)
		return err;

	/* Initrd, page-rounded with zeros. */
	if (img->initrd_len) {
		p = map_pfns(h, domid, p2m, l->initrd.pfn, l->initrd.pages,
			     "initrd");
		if (!p)
			return -errno;
		memcpy(p, img->initrd, img->initrd_len);
		memset((uint8_t *)p + img->initrd_len, 0,
		       (l->initrd.pages << LAYOUT_PAGE_SHIFT) -
		       img->initrd_len);
		tdm_foreign_unmap(p, l->initrd.pages);
	}

	/* start_info, store and console pages (consecutive frames). */
	p = map_pfns(h, domid, p2m, l->start_info_pfn, 3, "special pages");
	if (!p)
		return -errno;
	memset(p, 0, 3 << LAYOUT_PAGE_SHIFT);
	fill_start_info(p, img, bp, r, p2m);
	tdm_foreign_unmap(p, 3);

	/* Boot stack. */
	p = map_pfns(h, domid, p2m, l->bootstack_pfn, 1, "boot stack");
	if (!p)
		return -errno;
	memset(p, 0, LAYOUT_PAGE_SIZE);
	tdm_foreign_unmap(p, 1);

	/* The p2m list, then the page tables (which may share its frames). */
	pm.p2m_seg = map_pfns(h, domid, p2m, l->p2m.pfn, l->p2m.pages,
			      "p2m list");
	if (!pm.p2m_seg)
		return -errno;
	pm.boot = map_pfns(h, domid, p2m, l->pgtables.pfn, l->pgtables.pages,
			   "page tables");
	if (!pm.boot) {
		err = -errno;
		tdm_foreign_unmap(pm.p2m_seg, l->p2m.pages);
		return err;
	}
	memset(pm.p2m_seg, 0, l->p2m.pages << LAYOUT_PAGE_SHIFT);
	memset(pm.boot, 0, l->pgtables.pages << LAYOUT_PAGE_SHIFT);
	list = pm.p2m_seg;
	for (i = 0; i < r->nr_pages; i++)
		list[i] = p2m[i];
	err = layout_write_pgtables(l, p2m, pt_frame, &pm);
	/* The tables must not stay mapped writable: Xen will not pin them. */
	tdm_foreign_unmap(pm.boot, l->pgtables.pages);
	tdm_foreign_unmap(pm.p2m_seg, l->p2m.pages);
	if (err) {
		char why[TS_ERRMSG_MAX / 2];

		snprintf(why, sizeof(why), "%s", ts_errmsg());
		return ts_fail(-err, "dom%u's boot page tables: %s", domid,
			       why);
	}
	return 0;
}

/* XEN_DOMCTL_hypercall_init: not in our domctl.h, a single MFN. */
#define DOMCTL_HYPERCALL_INIT	22

static int hypercall_page(struct tdm_privcmd *h, domid_t domid,
			  const struct build_image *img, const uint64_t *p2m)
{
	const struct kimg *k = &img->kernel;
	struct xen_domctl dc;
	uint64_t pfn, mfn;
	int ret;

	if (k->hypercall_page == KIMG_UNSET)
		return 0;	/* newer kernels make their own */
	pfn = (k->hypercall_page - k->virt_base) >> LAYOUT_PAGE_SHIFT;
	mfn = p2m[pfn];
	memset(&dc, 0, sizeof(dc));
	dc.cmd = DOMCTL_HYPERCALL_INIT;
	dc.domain = domid;
	memcpy(&dc.u, &mfn, sizeof(mfn));
	ret = tdm_domctl(h, &dc);
	if (ret < 0)
		return ts_fail_tdm(-ret, "fill dom%u's hypercall page", domid);
	return 0;
}

static int init_shared_info(struct tdm_privcmd *h, domid_t domid,
			    uint64_t mfn)
{
	xen_pfn_t f = mfn;
	struct shared_info *s;
	unsigned int i;

	s = tdm_foreign_map(h, domid, PROT_READ | PROT_WRITE, &f, NULL, 1);
	if (!s)
		return ts_fail_tdm(errno, "map dom%u's shared_info frame %#llx",
				   domid, (unsigned long long)mfn);
	memset(s, 0, sizeof(*s));
	/* Events stay off until the kernel turns them on. */
	for (i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
		s->vcpu_info[i].evtchn_upcall_mask = 1;
	tdm_foreign_unmap(s, 1);
	return 0;
}

/*
 * Grant references 0 and 1 (GNTTAB_RESERVED_CONSOLE / _XENSTORE) let
 * dom0's console and store map the two pages by grant. The grant table
 * is reached through XENMEM_acquire_resource; a hypervisor without it
 * answers EOPNOTSUPP, and then (as libxenguest does) we ask for its
 * frame with GNTTABOP_setup_table and map that.
 */
static int seed_grants(struct tdm_privcmd *h, domid_t domid,
		       struct build_result *r)
{
	struct grant_entry_v1 *g;
	xen_pfn_t frame;
	int err;

	r->gnttab_path = "acquire_resource";
	g = tdm_foreign_map_resource(h, domid, XENMEM_resource_grant_table,
				     XENMEM_resource_grant_table_id_shared, 0,
				     1, PROT_READ | PROT_WRITE);
	if (!g && errno != EOPNOTSUPP && errno != ENOSYS && errno != ENOTTY)
		return ts_fail_tdm(errno, "map dom%u's grant table", domid);
	if (!g) {
		r->gnttab_path = "setup_table";
		err = tdm_gnttab_setup_table(h, domid, 1, &frame);
		if (err < 0)
			return ts_fail_tdm(-err, "set up dom%u's grant table",
					   domid);
		g = tdm_foreign_map(h, domid, PROT_READ | PROT_WRITE, &frame,
				    NULL, 1);
		if (!g)
			return ts_fail_tdm(errno, "map dom%u's grant table "
					   "frame %#llx", domid,
					   (unsigned long long)frame);
	}
	g[GNTTAB_RESERVED_CONSOLE].domid = 0;
	g[GNTTAB_RESERVED_CONSOLE].frame = (uint32_t)r->console_mfn;
	g[GNTTAB_RESERVED_XENSTORE].domid = 0;
	g[GNTTAB_RESERVED_XENSTORE].frame = (uint32_t)r->store_mfn;
	__atomic_thread_fence(__ATOMIC_RELEASE);	/* flags last */
	g[GNTTAB_RESERVED_CONSOLE].flags = GTF_permit_access;
	g[GNTTAB_RESERVED_XENSTORE].flags = GTF_permit_access;
	tdm_foreign_unmap(g, 1);
	return 0;
}

static int start_vcpu0(struct tdm_privcmd *h, domid_t domid,
		       const struct build_image *img, const uint64_t *p2m)
{
	const struct layout *l = &img->layout;
	struct vcpu_guest_context *c;
	int ret;

	c = calloc(1, sizeof(*c));
	if (!c)
		return ts_fail(ENOMEM, "out of memory");
	c->flags = VGCF_in_kernel | VGCF_online;
	c->user_regs.rip = img->kernel.virt_entry;
	c->user_regs.rsp = layout_vaddr(l, l->bootstack_pfn + 1);
	c->user_regs.rsi = layout_vaddr(l, l->start_info_pfn);
	c->user_regs.rflags = RFLAGS_IF;
	c->user_regs.cs = FLAT_KERNEL_CS64_SEL;
	c->user_regs.ss = FLAT_KERNEL_SS64_SEL;
	c->user_regs.ds = c->user_regs.es = 0;
	c->user_regs.fs = c->user_regs.gs = 0;
	c->kernel_ss = FLAT_KERNEL_SS64_SEL;
	c->kernel_sp = c->user_regs.rsp;
	c->debugreg[6] = DR6_DEFAULT;
	c->debugreg[7] = DR7_DEFAULT;
	/* cr3 of a 64-bit guest: the L4's machine address. */
	c->ctrlreg[3] = p2m[l->pgtables.pfn] << LAYOUT_PAGE_SHIFT;
	ret = tdm_domain_set_vcpu_context(h, domid, 0, c);
	free(c);
	if (ret < 0)
		return ts_fail_tdm(-ret, "set dom%u's vCPU 0 context", domid);
	return 0;
}

static unsigned int grant_version(struct tdm_privcmd *h)
{
	struct xen_sysctl_physinfo pi;

	if (tdm_physinfo(h, &pi) == 0 &&
	    (pi.capabilities & XEN_SYSCTL_PHYSCAP_gnttab_v2))
		return 2;
	return 1;
}

int build_domain(struct tdm_privcmd *h, const struct build_params *bp,
		 struct build_image *img, struct build_result *r)
{
	struct xen_domctl_createdomain cfg;
	struct xen_domctl_getdomaininfo info;
	struct xen_sysctl_physinfo pi;
	const struct layout *l = &img->layout;
	uint64_t *p2m = NULL;
	domid_t domid = 0;
	int err, ret;

	memset(r, 0, sizeof(*r));
	r->nr_pages = bp->memory_mib << 8;
	ret = tdm_physinfo(h, &pi);
	if (ret < 0)
		return ts_fail_tdm(-ret, "ask the hypervisor for free memory");
	err = build_check_memory(bp, pi.free_pages << 2);
	if (err)
		return err;

	memset(&cfg, 0, sizeof(cfg));
	memcpy(cfg.handle, bp->uuid, 16);
	cfg.max_vcpus = bp->vcpus;
	cfg.max_evtchn_port = BUILD_EVTCHN_PORTS;
	cfg.max_grant_frames = -1;	/* the hypervisor's defaults */
	cfg.max_maptrack_frames = -1;
	cfg.grant_opts = XEN_DOMCTL_GRANT_version(grant_version(h));
	ret = tdm_domain_create(h, &domid, &cfg);
	if (ret < 0)
		return ts_fail_tdm(-ret, "create a domain for VM '%s'",
				   bp->name);
	r->domid = domid;
	BLOG(bp, "%s: dom%u created", bp->name, domid);

	ret = tdm_domain_max_vcpus(h, domid, bp->vcpus);
	if (ret < 0) {
		err = ts_fail_tdm(-ret, "give dom%u %u vCPUs", domid,
				  bp->vcpus);
		goto fail;
	}
	ret = tdm_domain_max_mem(h, domid, (bp->memory_mib << 10) +
				 BUILD_MAXMEM_SLACK_KIB);
	if (ret < 0) {
		err = ts_fail_tdm(-ret, "set dom%u's memory limit", domid);
		goto fail;
	}
	ret = tdm_domain_set_address_size(h, domid, 64);
	if (ret < 0) {
		err = ts_fail_tdm(-ret, "make dom%u a 64-bit guest", domid);
		goto fail;
	}
	ret = tdm_evtchn_alloc_unbound(h, domid, 0);
	if (ret < 0) {
		err = ts_fail_tdm(-ret, "dom%u's store event channel", domid);
		goto fail;
	}
	r->store_port = (uint32_t)ret;
	ret = tdm_evtchn_alloc_unbound(h, domid, 0);
	if (ret < 0) {
		err = ts_fail_tdm(-ret, "dom%u's console event channel", domid);
		goto fail;
	}
	r->console_port = (uint32_t)ret;
	ret = tdm_domain_getinfo(h, domid, &info);
	if (ret < 0) {
		err = ts_fail_tdm(-ret, "read dom%u's info", domid);
		goto fail;
	}
	r->shared_info_mfn = info.shared_info_frame;

	p2m = malloc(r->nr_pages * sizeof(*p2m));
	if (!p2m) {
		err = ts_fail(ENOMEM, "out of memory for dom%u's p2m", domid);
		goto fail;
	}
	err = populate(h, domid, p2m, r->nr_pages);
	if (err)
		goto fail;
	r->store_mfn = p2m[l->store_pfn];
	r->console_mfn = p2m[l->console_pfn];

	err = load_guest(h, domid, bp, img, r, p2m);
	if (err)
		goto fail;
	err = hypercall_page(h, domid, img, p2m);
	if (err)
		goto fail;
	ret = tdm_pin_table(h, domid, 4, p2m[l->pgtables.pfn]);
	if (ret < 0) {
		err = ts_fail_tdm(-ret, "pin dom%u's boot L4 (frame %#llx)",
				  domid,
				  (unsigned long long)p2m[l->pgtables.pfn]);
		goto fail;
	}
	err = init_shared_info(h, domid, r->shared_info_mfn);
	if (err)
		goto fail;
	err = start_vcpu0(h, domid, img, p2m);
	if (err)
		goto fail;
	err = seed_grants(h, domid, r);
	if (err)
		goto fail;
	BLOG(bp, "%s: dom%u built: %llu pages, store frame %#llx port %u, "
	     "console frame %#llx port %u, grants via %s", bp->name, domid,
	     (unsigned long long)r->nr_pages,
	     (unsigned long long)r->store_mfn, r->store_port,
	     (unsigned long long)r->console_mfn, r->console_port,
	     r->gnttab_path);
	free(p2m);
	return 0;
fail:
	free(p2m);
	ret = tdm_domain_destroy(h, domid);
	if (ret < 0)
		BLOG(bp, "%s: destroying the half-built dom%u failed too: %s",
		     bp->name, domid, tdm_errmsg());
	else
		r->domid = 0;
	return err;
}
