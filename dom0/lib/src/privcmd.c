// SPDX-License-Identifier: MIT
/*
 * Hypercalls and foreign mappings through /dev/xen/privcmd (see
 * libtandem/privcmd.h for the rules on argument buffers).
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <public/version.h>
#include <libtandem/error.h>
#include <libtandem/privcmd.h>

#include "linux_xen.h"

#define PRIVCMD_DEV	"/dev/xen/privcmd"
#define HYPERCALL_DEV	"/dev/xen/hypercall"

struct tdm_privcmd {
	int fd;			/* /dev/xen/privcmd */
	int buf_fd;		/* /dev/xen/hypercall, or -1 */
	void *scratch;		/* one page of hypercall buffer */
};

static size_t page_round(size_t size)
{
	if (size == 0)
		size = 1;
	return (size + TDM_PAGE_SIZE - 1) & ~(size_t)(TDM_PAGE_SIZE - 1);
}

int tdm_privcmd_open(struct tdm_privcmd **out)
{
	struct tdm_privcmd *h;
	int err;

	*out = NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return tdm_fail(ENOMEM, "privcmd handle");
	h->buf_fd = -1;
	h->fd = open(PRIVCMD_DEV, O_RDWR | O_CLOEXEC);
	if (h->fd < 0) {
		err = errno;
		free(h);
		return tdm_fail(err, "open " PRIVCMD_DEV " (needs a Xen dom0 "
				"with xen_privcmd loaded, and root)");
	}
	/* Optional: kernels before 4.18 lack it (see tdm_hbuf_alloc). */
	h->buf_fd = open(HYPERCALL_DEV, O_RDWR | O_CLOEXEC);
	h->scratch = tdm_hbuf_alloc(h, TDM_PAGE_SIZE);
	if (!h->scratch) {
		err = errno;
		tdm_privcmd_close(h);
		return -err;
	}
	*out = h;
	return 0;
}

void tdm_privcmd_close(struct tdm_privcmd *h)
{
	if (!h)
		return;
	if (h->scratch)
		tdm_hbuf_free(h, h->scratch, TDM_PAGE_SIZE);
	if (h->buf_fd >= 0)
		close(h->buf_fd);
	if (h->fd >= 0)
		close(h->fd);
	free(h);
}

int tdm_privcmd_fd(const struct tdm_privcmd *h)
{
	return h->fd;
}

void *tdm_hbuf_alloc(struct tdm_privcmd *h, size_t size)
{
	size_t len = page_round(size);
	void *p;

	if (h->buf_fd >= 0) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
			 h->buf_fd, 0);
		if (p != MAP_FAILED)
			return p;	/* kernel pages, already zeroed */
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		tdm_fail(errno, "hypercall buffer of %zu bytes", len);
		return NULL;
	}
	/*
	 * Keep it resident. If the lock limit forbids it, the touched
	 * pages still work unless the kernel swaps or migrates them.
	 */
	(void)mlock(p, len);
	memset(p, 0, len);
	return p;
}

void tdm_hbuf_free(struct tdm_privcmd *h, void *buf, size_t size)
{
	(void)h;
	if (buf)
		munmap(buf, page_round(size));
}

long tdm_hypercall(struct tdm_privcmd *h, unsigned int op, uint64_t a0,
		   uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
	struct lx_privcmd_hypercall hc = {
		.op = op,
		.arg = { a0, a1, a2, a3, a4 },
	};
	long ret;

	/* syscall(), not ioctl(): the result is a long, not an int. */
	ret = syscall(SYS_ioctl, h->fd, LX_IOCTL_PRIVCMD_HYPERCALL, &hc);
	if (ret < 0)
		return -errno;
	return ret;
}

/* Hints for the errors a toolstack commonly meets. */
static const char *hint(long err)
{
	switch (err) {
	case -EPERM:
	case -EACCES:
		return " (only a privileged domain may do this)";
	case -ESRCH:
		return " (no such domain)";
	case -EFAULT:
		return " (an argument buffer was not accessible)";
	case -ENOSYS:
		return " (the hypervisor does not implement this)";
	default:
		return "";
	}
}

static int hc_fail(long ret, const char *what, unsigned int cmd,
		   unsigned int domid)
{
	if (domid == DOMID_SELF)
		return tdm_fail((int)-ret, "%s %u%s", what, cmd, hint(ret));
	return tdm_fail((int)-ret, "%s %u for dom%u%s", what, cmd, domid,
			hint(ret));
}

int tdm_domctl(struct tdm_privcmd *h, struct xen_domctl *dc)
{
	long ret;

	dc->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
	memcpy(h->scratch, dc, sizeof(*dc));
	ret = tdm_hypercall(h, __HYPERVISOR_domctl,
			    (uintptr_t)h->scratch, 0, 0, 0, 0);
	memcpy(dc, h->scratch, sizeof(*dc));
	if (ret < 0) {
		if (ret == -EACCES && dc->cmd != XEN_DOMCTL_getdomaininfo)
			return tdm_fail(EACCES, "domctl %u for dom%u (not "
					"privileged, or the hypervisor speaks "
					"another domctl interface than %#x)",
					dc->cmd, dc->domain,
					XEN_DOMCTL_INTERFACE_VERSION);
		return hc_fail(ret, "domctl", dc->cmd, dc->domain);
	}
	return (int)ret;
}

int tdm_sysctl(struct tdm_privcmd *h, struct xen_sysctl *sc)
{
	long ret;

	sc->interface_version = XEN_SYSCTL_INTERFACE_VERSION;
	memcpy(h->scratch, sc, sizeof(*sc));
	ret = tdm_hypercall(h, __HYPERVISOR_sysctl,
			    (uintptr_t)h->scratch, 0, 0, 0, 0);
	memcpy(sc, h->scratch, sizeof(*sc));
	if (ret < 0)
		return hc_fail(ret, "sysctl", sc->cmd, DOMID_SELF);
	return (int)ret;
}

static int simple_domctl(struct tdm_privcmd *h, uint32_t cmd,
			 domid_t domid)
{
	struct xen_domctl dc;

	memset(&dc, 0, sizeof(dc));
	dc.cmd = cmd;
	dc.domain = domid;
	return tdm_domctl(h, &dc);
}

int tdm_domain_create(struct tdm_privcmd *h, domid_t *domid,
		      const struct xen_domctl_createdomain *cfg)
{
	struct xen_domctl dc;
	int ret;

	memset(&dc, 0, sizeof(dc));
	dc.cmd = XEN_DOMCTL_createdomain;
	dc.domain = *domid;
	dc.u.createdomain = *cfg;
	ret = tdm_domctl(h, &dc);
	if (ret < 0)
		return ret;
	*domid = dc.domain;
	return 0;
}

int tdm_domain_destroy(struct tdm_privcmd *h, domid_t domid)
{
	return simple_domctl(h, XEN_DOMCTL_destroydomain, domid);
}

int tdm_domain_pause(struct tdm_privcmd *h, domid_t domid)
{
	return simple_domctl(h, XEN_DOMCTL_pausedomain, domid);
}

int tdm_domain_unpause(struct tdm_privcmd *h, domid_t domid)
{
	return simple_domctl(h, XEN_DOMCTL_unpausedomain, domid);
}

int tdm_domain_getinfo(struct tdm_privcmd *h, domid_t domid,
		       struct xen_domctl_getdomaininfo *info)
{
	struct xen_domctl dc;
	int ret;

	memset(&dc, 0, sizeof(dc));
	dc.cmd = XEN_DOMCTL_getdomaininfo;
	dc.domain = domid;
	ret = tdm_domctl(h, &dc);
	if (ret < 0)
		return ret;
	/* Xen 4.17 answers with the next domain up if domid is gone. */
	if (dc.u.getdomaininfo.domain != domid)
		return tdm_fail(ESRCH, "domctl getdomaininfo for dom%u",
				domid);
	*info = dc.u.getdomaininfo;
	return 0;
}

int tdm_domain_list(struct tdm_privcmd *h, domid_t first,
		    struct xen_domctl_getdomaininfo *info, unsigned int max)
{
	struct xen_sysctl sc;
	size_t size = (size_t)max * sizeof(*info);
	void *buf;
	int ret;

	if (max == 0)
		return 0;
	if (max > DOMID_FIRST_RESERVED)
		return tdm_fail(EINVAL, "domain list of %u entries", max);
	buf = tdm_hbuf_alloc(h, size);
	if (!buf)
		return -errno;
	memset(&sc, 0, sizeof(sc));
	sc.cmd = XEN_SYSCTL_getdomaininfolist;
	sc.u.getdomaininfolist.first_domain = first;
	sc.u.getdomaininfolist.max_domains = max;
	sc.u.getdomaininfolist.buffer = (uintptr_t)buf;
	ret = tdm_sysctl(h, &sc);
	if (ret >= 0) {
		ret = (int)sc.u.getdomaininfolist.num_domains;
		if ((unsigned int)ret > max)	/* never trust a count */
			ret = (int)max;
		memcpy(info, buf, (size_t)ret * sizeof(*info));
	}
	tdm_hbuf_free(h, buf, size);
	return ret;
}

int tdm_domain_max_mem(struct tdm_privcmd *h, domid_t domid, uint64_t max_kb)
{
	struct xen_domctl dc;

	memset(&dc, 0, sizeof(dc));
	dc.cmd = XEN_DOMCTL_max_mem;
	dc.domain = domid;
	dc.u.max_mem.max_memkb = max_kb;
	return tdm_domctl(h, &dc);
}

int tdm_domain_max_vcpus(struct tdm_privcmd *h, domid_t domid,
			 unsigned int max)
{
	struct xen_domctl dc;

	memset(&dc, 0, sizeof(dc));
	dc.cmd = XEN_DOMCTL_max_vcpus;
	dc.domain = domid;
	dc.u.max_vcpus.max = max;
	return tdm_domctl(h, &dc);
}

int tdm_domain_set_address_size(struct tdm_privcmd *h, domid_t domid,
				unsigned int bits)
{
	struct xen_domctl dc;

	memset(&dc, 0, sizeof(dc));
	dc.cmd = XEN_DOMCTL_set_address_size;
	dc.domain = domid;
	dc.u.address_size.size = bits;
	return tdm_domctl(h, &dc);
}

int tdm_domain_set_handle(struct tdm_privcmd *h, domid_t domid,
			  const uint8_t handle[16])
{
	struct xen_domctl dc;

	memset(&dc, 0, sizeof(dc));
	dc.cmd = XEN_DOMCTL_setdomainhandle;
	dc.domain = domid;
	memcpy(dc.u.setdomainhandle.handle, handle, 16);
	return tdm_domctl(h, &dc);
}

static int vcpu_context(struct tdm_privcmd *h, uint32_t cmd, domid_t domid,
			unsigned int vcpu, struct vcpu_guest_context *ctx)
{
	struct xen_domctl dc;
	void *buf;
	int ret;

	buf = tdm_hbuf_alloc(h, sizeof(*ctx));
	if (!buf)
		return -errno;
	if (cmd == XEN_DOMCTL_setvcpucontext)
		memcpy(buf, ctx, sizeof(*ctx));
	memset(&dc, 0, sizeof(dc));
	dc.cmd = cmd;
	dc.domain = domid;
	dc.u.vcpucontext.vcpu = vcpu;
	dc.u.vcpucontext.ctxt = (uintptr_t)buf;
	ret = tdm_domctl(h, &dc);
	if (ret >= 0 && cmd == XEN_DOMCTL_getvcpucontext)
		memcpy(ctx, buf, sizeof(*ctx));
	tdm_hbuf_free(h, buf, sizeof(*ctx));
	return ret;
}

int tdm_domain_set_vcpu_context(struct tdm_privcmd *h, domid_t domid,
				unsigned int vcpu,
				const struct vcpu_guest_context *ctx)
{
	return vcpu_context(h, XEN_DOMCTL_setvcpucontext, domid, vcpu,
			    (struct vcpu_guest_context *)ctx);
}

int tdm_domain_get_vcpu_context(struct tdm_privcmd *h, domid_t domid,
				unsigned int vcpu,
				struct vcpu_guest_context *ctx)
{
	return vcpu_context(h, XEN_DOMCTL_getvcpucontext, domid, vcpu, ctx);
}

int tdm_domain_set_virq_handler(struct tdm_privcmd *h, domid_t domid,
				unsigned int virq)
{
	struct xen_domctl dc;

	memset(&dc, 0, sizeof(dc));
	dc.cmd = XEN_DOMCTL_set_virq_handler;
	dc.domain = domid;
	dc.u.set_virq_handler.virq = virq;
	return tdm_domctl(h, &dc);
}

int tdm_domain_sched_credit(struct tdm_privcmd *h, domid_t domid, bool set,
			    struct xen_domctl_sched_credit *params)
{
	struct xen_domctl dc;
	int ret;

	memset(&dc, 0, sizeof(dc));
	dc.cmd = XEN_DOMCTL_scheduler_op;
	dc.domain = domid;
	dc.u.scheduler_op.sched_id = XEN_SCHEDULER_CREDIT;
	dc.u.scheduler_op.cmd = set ? XEN_DOMCTL_SCHEDOP_putinfo :
				      XEN_DOMCTL_SCHEDOP_getinfo;
	if (set)
		dc.u.scheduler_op.u.credit = *params;
	ret = tdm_domctl(h, &dc);
	if (ret >= 0 && !set)
		*params = dc.u.scheduler_op.u.credit;
	return ret;
}

int tdm_physinfo(struct tdm_privcmd *h, struct xen_sysctl_physinfo *info)
{
	struct xen_sysctl sc;
	int ret;

	memset(&sc, 0, sizeof(sc));
	sc.cmd = XEN_SYSCTL_physinfo;
	ret = tdm_sysctl(h, &sc);
	if (ret >= 0)
		*info = sc.u.physinfo;
	return ret;
}

int tdm_readconsole(struct tdm_privcmd *h, char *buf, uint32_t *count,
		    uint32_t *index, bool incremental, bool clear)
{
	struct xen_sysctl sc;
	uint32_t size = *count;
	void *hb;
	int ret;

	if (size == 0)
		return 0;
	hb = tdm_hbuf_alloc(h, size);
	if (!hb)
		return -errno;
	memset(&sc, 0, sizeof(sc));
	sc.cmd = XEN_SYSCTL_readconsole;
	sc.u.readconsole.clear = clear;
	sc.u.readconsole.incremental = incremental;
	sc.u.readconsole.index = index ? *index : 0;
	sc.u.readconsole.buffer = (uintptr_t)hb;
	sc.u.readconsole.count = size;
	ret = tdm_sysctl(h, &sc);
	if (ret >= 0) {
		*count = sc.u.readconsole.count;
		if (*count > size)
			*count = size;
		memcpy(buf, hb, *count);
		if (index)
			*index = sc.u.readconsole.index;
	}
	tdm_hbuf_free(h, hb, size);
	return ret;
}

/* Copy arg to a hypercall buffer, make the call, copy it back. */
static long bounce_call(struct tdm_privcmd *h, unsigned int op,
			unsigned int cmd, void *arg, size_t arg_size,
			uint64_t a2, uint64_t a3)
{
	void *buf = h->scratch;
	long ret;

	if (arg_size > TDM_PAGE_SIZE) {
		buf = tdm_hbuf_alloc(h, arg_size);
		if (!buf)
			return -errno;
	}
	if (arg)
		memcpy(buf, arg, arg_size);
	ret = tdm_hypercall(h, op, cmd, arg ? (uintptr_t)buf : 0, a2, a3, 0);
	if (arg)
		memcpy(arg, buf, arg_size);
	if (buf != h->scratch)
		tdm_hbuf_free(h, buf, arg_size);
	return ret;
}

long tdm_memory_op(struct tdm_privcmd *h, unsigned int cmd, void *arg,
		   size_t arg_size)
{
	long ret = bounce_call(h, __HYPERVISOR_memory_op, cmd, arg, arg_size,
			       0, 0);

	if (ret < 0)
		return hc_fail(ret, "memory_op", cmd, DOMID_SELF);
	return ret;
}

static long reservation(struct tdm_privcmd *h, unsigned int cmd,
			domid_t domid, unsigned long nr, unsigned int order,
			unsigned int mem_flags, xen_pfn_t *pfns)
{
	struct xen_memory_reservation res;
	size_t size = nr * sizeof(xen_pfn_t);
	xen_pfn_t *buf;
	long ret;

	if (nr == 0)
		return 0;
	if (nr > (1ul << 40) / sizeof(xen_pfn_t))
		return tdm_fail(EINVAL, "memory_op %u of %lu extents", cmd, nr);
	buf = tdm_hbuf_alloc(h, size);
	if (!buf)
		return -errno;
	memcpy(buf, pfns, size);
	memset(&res, 0, sizeof(res));
	res.extent_start = (uintptr_t)buf;
	res.nr_extents = nr;
	res.extent_order = order;
	res.mem_flags = mem_flags;
	res.domid = domid;
	ret = bounce_call(h, __HYPERVISOR_memory_op, cmd, &res, sizeof(res),
			  0, 0);
	if (ret > 0 && cmd == XENMEM_populate_physmap)
		memcpy(pfns, buf, (size_t)(ret < (long)nr ? ret : (long)nr) *
		       sizeof(xen_pfn_t));
	tdm_hbuf_free(h, buf, size);
	if (ret < 0)
		return hc_fail(ret, "memory_op", cmd, domid);
	return ret;
}

long tdm_populate_physmap(struct tdm_privcmd *h, domid_t domid,
			  unsigned long nr, unsigned int order,
			  unsigned int mem_flags, xen_pfn_t *pfns)
{
	return reservation(h, XENMEM_populate_physmap, domid, nr, order,
			   mem_flags, pfns);
}

long tdm_decrease_reservation(struct tdm_privcmd *h, domid_t domid,
			      unsigned long nr, unsigned int order,
			      const xen_pfn_t *pfns)
{
	return reservation(h, XENMEM_decrease_reservation, domid, nr, order,
			   0, (xen_pfn_t *)pfns);
}

long tdm_current_reservation(struct tdm_privcmd *h, domid_t domid)
{
	struct xen_memory_domain d = { .domid = domid };
	long ret = bounce_call(h, __HYPERVISOR_memory_op,
			       XENMEM_current_reservation, &d, sizeof(d), 0, 0);

	if (ret < 0)
		return hc_fail(ret, "memory_op current_reservation",
			       XENMEM_current_reservation, domid);
	return ret;
}

long tdm_maximum_gpfn(struct tdm_privcmd *h, domid_t domid)
{
	struct xen_memory_domain d = { .domid = domid };
	long ret = bounce_call(h, __HYPERVISOR_memory_op,
			       XENMEM_maximum_gpfn, &d, sizeof(d), 0, 0);

	if (ret < 0)
		return hc_fail(ret, "memory_op maximum_gpfn",
			       XENMEM_maximum_gpfn, domid);
	return ret;
}

int tdm_mmuext_op(struct tdm_privcmd *h, const struct mmuext_op *ops,
		  unsigned int count, domid_t foreigndom)
{
	size_t size = (size_t)count * sizeof(*ops);
	void *buf;
	long ret;

	if (count == 0)
		return 0;
	if (count > 0x10000)
		return tdm_fail(EINVAL, "mmuext_op batch of %u", count);
	buf = tdm_hbuf_alloc(h, size);
	if (!buf)
		return -errno;
	memcpy(buf, ops, size);
	ret = tdm_hypercall(h, __HYPERVISOR_mmuext_op, (uintptr_t)buf, count,
			    0, foreigndom, 0);
	tdm_hbuf_free(h, buf, size);
	if (ret < 0)
		return hc_fail(ret, "mmuext_op", ops[0].cmd, foreigndom);
	return 0;
}

int tdm_pin_table(struct tdm_privcmd *h, domid_t domid, unsigned int level,
		  xen_pfn_t mfn)
{
	static const uint32_t pin[] = {
		MMUEXT_UNPIN_TABLE, MMUEXT_PIN_L1_TABLE, MMUEXT_PIN_L2_TABLE,
		MMUEXT_PIN_L3_TABLE, MMUEXT_PIN_L4_TABLE,
	};
	struct mmuext_op op;

	if (level > 4)
		return tdm_fail(EINVAL, "pin a level %u page table", level);
	memset(&op, 0, sizeof(op));
	op.cmd = pin[level];
	op.arg1.mfn = mfn;
	return tdm_mmuext_op(h, &op, 1, domid);
}

int tdm_grant_table_op(struct tdm_privcmd *h, unsigned int cmd, void *ops,
		       unsigned int count, size_t op_size)
{
	size_t size = (size_t)count * op_size;
	void *buf;
	long ret;

	if (count == 0 || op_size == 0 || count > 0x10000 ||
	    op_size > TDM_PAGE_SIZE)
		return tdm_fail(EINVAL, "grant_table_op %u with %u ops of %zu "
				"bytes", cmd, count, op_size);
	buf = tdm_hbuf_alloc(h, size);
	if (!buf)
		return -errno;
	memcpy(buf, ops, size);
	ret = tdm_hypercall(h, __HYPERVISOR_grant_table_op, cmd,
			    (uintptr_t)buf, count, 0, 0);
	memcpy(ops, buf, size);
	tdm_hbuf_free(h, buf, size);
	if (ret < 0)
		return hc_fail(ret, "grant_table_op", cmd, DOMID_SELF);
	return 0;
}

int tdm_gnttab_setup_table(struct tdm_privcmd *h, domid_t domid,
			   unsigned int nr_frames, xen_pfn_t *frames)
{
	struct gnttab_setup_table st;
	size_t size = (size_t)nr_frames * sizeof(xen_pfn_t);
	xen_pfn_t *buf;
	int ret;

	if (nr_frames == 0 || nr_frames > 4096)
		return tdm_fail(EINVAL, "grant table of %u frames", nr_frames);
	buf = tdm_hbuf_alloc(h, size);
	if (!buf)
		return -errno;
	memset(&st, 0, sizeof(st));
	st.dom = domid;
	st.nr_frames = nr_frames;
	st.frame_list = (uintptr_t)buf;
	ret = tdm_grant_table_op(h, GNTTABOP_setup_table, &st, 1, sizeof(st));
	if (ret >= 0 && st.status != GNTST_okay)
		ret = tdm_fail(EINVAL, "grant table setup for dom%u: %s",
			       domid, gnttab_status_str(st.status));
	if (ret >= 0)
		memcpy(frames, buf, size);
	tdm_hbuf_free(h, buf, size);
	return ret;
}

int tdm_event_channel_op(struct tdm_privcmd *h, unsigned int cmd, void *arg,
			 size_t arg_size)
{
	long ret = bounce_call(h, __HYPERVISOR_event_channel_op, cmd, arg,
			       arg_size, 0, 0);

	if (ret < 0)
		return hc_fail(ret, "event_channel_op", cmd, DOMID_SELF);
	return (int)ret;
}

int tdm_evtchn_alloc_unbound(struct tdm_privcmd *h, domid_t dom,
			     domid_t remote)
{
	struct evtchn_alloc_unbound a = { .dom = dom, .remote_dom = remote };
	int ret;

	ret = tdm_event_channel_op(h, EVTCHNOP_alloc_unbound, &a, sizeof(a));
	if (ret < 0)
		return tdm_fail(-ret, "allocate an event channel of dom%u for "
				"dom%u", dom, remote);
	return (int)a.port;
}

int tdm_evtchn_status(struct tdm_privcmd *h, struct evtchn_status *st)
{
	return tdm_event_channel_op(h, EVTCHNOP_status, st, sizeof(*st));
}

int tdm_evtchn_reset_domain(struct tdm_privcmd *h, domid_t dom)
{
	struct evtchn_reset r = { .dom = dom };

	return tdm_event_channel_op(h, EVTCHNOP_reset, &r, sizeof(r));
}

long tdm_xen_version(struct tdm_privcmd *h, unsigned int cmd, void *arg,
		     size_t arg_size)
{
	long ret = bounce_call(h, __HYPERVISOR_xen_version, cmd, arg,
			       arg_size, 0, 0);

	if (ret < 0)
		return hc_fail(ret, "xen_version", cmd, DOMID_SELF);
	return ret;
}

void *tdm_foreign_map(struct tdm_privcmd *h, domid_t dom, int prot,
		      const xen_pfn_t *frames, int *errs, size_t n)
{
	struct lx_privcmd_mmapbatch_v2 m;
	int *err_buf = errs;
	size_t i;
	void *addr;
	int ret, saved;

	if (n == 0 || n > (1u << 20)) {
		tdm_fail(EINVAL, "map %zu frames of dom%u", n, dom);
		return NULL;
	}
	addr = mmap(NULL, n << TDM_PAGE_SHIFT, prot, MAP_SHARED, h->fd, 0);
	if (addr == MAP_FAILED) {
		tdm_fail(errno, "reserve %zu pages to map dom%u", n, dom);
		return NULL;
	}
	if (!err_buf) {
		err_buf = calloc(n, sizeof(*err_buf));
		if (!err_buf) {
			munmap(addr, n << TDM_PAGE_SHIFT);
			tdm_fail(ENOMEM, "map %zu frames of dom%u", n, dom);
			return NULL;
		}
	}
	memset(&m, 0, sizeof(m));
	m.num = (uint32_t)n;
	m.dom = dom;
	m.addr = (uintptr_t)addr;
	m.arr = frames;
	m.err = err_buf;
	ret = ioctl(h->fd, LX_IOCTL_PRIVCMD_MMAPBATCH_V2, &m);
	saved = errno;
	/* ENOENT: processed, but some frames are paged out (see err_buf). */
	if (ret < 0 && saved != ENOENT) {
		tdm_fail(saved, "map %zu frames of dom%u from frame %#llx", n,
			 dom, (unsigned long long)frames[0]);
		goto fail;
	}
	if (errs)
		return addr;
	for (i = 0; i < n; i++) {
		if (err_buf[i]) {
			tdm_fail(-err_buf[i] > 0 ? -err_buf[i] : EIO,
				 "map frame %#llx of dom%u",
				 (unsigned long long)frames[i], dom);
			goto fail;
		}
	}
	free(err_buf);
	return addr;
fail:
	saved = errno;
	munmap(addr, n << TDM_PAGE_SHIFT);
	if (err_buf != errs)
		free(err_buf);
	errno = saved;
	return NULL;
}

int tdm_foreign_unmap(void *addr, size_t n)
{
	if (munmap(addr, n << TDM_PAGE_SHIFT) < 0)
		return tdm_fail(errno, "unmap %zu foreign pages at %p", n,
				addr);
	return 0;
}

void *tdm_foreign_map_resource(struct tdm_privcmd *h, domid_t dom,
			       unsigned int type, unsigned int id,
			       unsigned long first, unsigned long nr, int prot)
{
	struct lx_privcmd_mmap_resource r;
	void *addr;
	int saved;

	if (nr == 0 || nr > (1u << 20) || first > UINT32_MAX) {
		tdm_fail(EINVAL, "map %lu frames of resource %u of dom%u", nr,
			 type, dom);
		return NULL;
	}
	addr = mmap(NULL, nr << TDM_PAGE_SHIFT, prot, MAP_SHARED, h->fd, 0);
	if (addr == MAP_FAILED) {
		tdm_fail(errno, "reserve %lu pages to map dom%u", nr, dom);
		return NULL;
	}
	memset(&r, 0, sizeof(r));
	r.dom = dom;
	r.type = type;
	r.id = id;
	r.idx = (uint32_t)first;
	r.num = nr;
	r.addr = (uintptr_t)addr;
	if (ioctl(h->fd, LX_IOCTL_PRIVCMD_MMAP_RESOURCE, &r) < 0) {
		saved = errno;
		munmap(addr, nr << TDM_PAGE_SHIFT);
		tdm_fail(saved, "map resource %u/%u frames %lu+%lu of dom%u",
			 type, id, first, nr, dom);
		return NULL;
	}
	return addr;
}
