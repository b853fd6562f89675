// SPDX-License-Identifier: MIT
/*
 * hostile: an unprivileged Linux guest does what a compromised domU would
 * try. Every attempt must be refused with the answer Xen 4.17 gives (its
 * hypervisor with the default XSM policy, its xenstored), and the guest's
 * own use of the store must keep working. Run in the 'intruder' VM (suite
 * hostile), which dom0's case vm_hostile starts beside 'work' and
 * 'personal'.
 *
 *   hostile hypercalls      dom0-only hypercalls through privcmd
 *   hostile foreign         other domains' memory: foreign mappings, their
 *                           grant tables, grants never offered to us
 *   hostile ioport          iopl/ioperm, then port I/O
 *   hostile store-others    other domains' nodes, dom0's, privileged requests
 *   hostile store-quota     nodes until the quota refuses, alone and across
 *                           two transactions; oversized nodes
 *   hostile store-watches   watches until refused
 *   hostile store-transactions  transactions until refused
 *   hostile store-flood     thousands of requests without waiting
 *   hostile store-malformed what Linux's xenbus device lets through
 *   hostile ring            a request too long for the protocol written into
 *                           our own store ring: the store drops us
 *   xsread PATH...          print store nodes as PATH=VALUE (dom0 uses it)
 *
 * Linux in a domU restricts privcmd to a target domain that no store node
 * names here, so /init loads it with unrestricted=1 for this suite: a
 * hostile guest owns its kernel. Store requests go through
 * /dev/xen/xenbus, the kernel's own connection (struct xsd_sockmsg, then
 * the payload); Linux itself answers or refuses some of them, noted where
 * it matters.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <public/xen.h>
#include <public/domctl.h>
#include <public/event_channel.h>
#include <public/grant_table.h>
#include <public/io/xs_wire.h>
#include <public/memory.h>
#include <public/physdev.h>
#include <public/platform.h>
#include <public/sched.h>
#include <public/sysctl.h>
#include <public/version.h>

#include "tandem-check.h"

/* ---- Linux's Xen devices ------------------------------------------------- */

/* Linux's privcmd (include/uapi/xen/privcmd.h). */
struct privcmd_hypercall {
	uint64_t op, arg[5];
};

struct privcmd_mmapbatch_v2 {
	uint32_t num;
	domid_t dom;
	uint64_t addr;
	const uint64_t *arr;
	int *err;
};

struct privcmd_mmap_resource {
	domid_t dom;
	uint32_t type, id, idx;
	uint64_t num, addr;
};

#define IOCTL_PRIVCMD_HYPERCALL \
	_IOC(_IOC_NONE, 'P', 0, sizeof(struct privcmd_hypercall))
#define IOCTL_PRIVCMD_MMAPBATCH_V2 \
	_IOC(_IOC_NONE, 'P', 4, sizeof(struct privcmd_mmapbatch_v2))
#define IOCTL_PRIVCMD_MMAP_RESOURCE \
	_IOC(_IOC_NONE, 'P', 7, sizeof(struct privcmd_mmap_resource))

/* Linux's gntdev (include/uapi/xen/gntdev.h). */
struct ioctl_gntdev_map_grant_ref {
	uint32_t count, pad;
	uint64_t index;
	struct {
		uint32_t domid, ref;
	} refs[1];
};

struct ioctl_gntdev_unmap_grant_ref {
	uint64_t index;
	uint32_t count, pad;
};

#define IOCTL_GNTDEV_MAP_GRANT_REF \
	_IOC(_IOC_NONE, 'G', 0, sizeof(struct ioctl_gntdev_map_grant_ref))
#define IOCTL_GNTDEV_UNMAP_GRANT_REF \
	_IOC(_IOC_NONE, 'G', 1, sizeof(struct ioctl_gntdev_unmap_grant_ref))

/* A type the store must refuse: 20 was XS_RESTRICT, now removed. */
#define XS_REMOVED_RESTRICT		20

/* ---- verdicts ------------------------------------------------------------ */

static const char *const errnames[] = {
	[EPERM] = "EPERM", [ENOENT] = "ENOENT", [ESRCH] = "ESRCH",
	[EIO] = "EIO", [E2BIG] = "E2BIG", [EAGAIN] = "EAGAIN",
	[ENOMEM] = "ENOMEM", [EACCES] = "EACCES", [EFAULT] = "EFAULT",
	[EBUSY] = "EBUSY", [EEXIST] = "EEXIST", [EISDIR] = "EISDIR",
	[EINVAL] = "EINVAL", [ENOSPC] = "ENOSPC", [EROFS] = "EROFS",
	[ENOSYS] = "ENOSYS", [ENOTEMPTY] = "ENOTEMPTY",
	[ETIMEDOUT] = "ETIMEDOUT", [EISCONN] = "EISCONN",
	[EPROTO] = "EPROTO",
};

/* A result as text: "-EPERM", or the number (two may share a printf). */
static const char *rcname(long rc)
{
	static char buf[2][24];
	static int which;
	char *s = buf[which ^= 1];

	if (rc < 0 && -rc < (long)ARRAY_SIZE(errnames) && errnames[-rc])
		snprintf(s, sizeof(buf[0]), "-%s", errnames[-rc]);
	else
		snprintf(s, sizeof(buf[0]), "%ld", rc);
	return s;
}

static unsigned int tried, wrong;
static char first_wrong[200];

/*
 * One attempt, refused as Xen 4.17 refuses it (ok) or not: then it was
 * either let through (allowed) or refused differently; got and want say
 * how.
 */
static void report(bool ok, bool allowed, const char *got, const char *want,
		   const char *what)
{
	tried++;
	if (ok) {
		say("refused: %s: %s", what, got);
		return;
	}
	say("%s: %s: %s, Xen 4.17: %s", allowed ? "ALLOWED" : "WRONG", what,
	    got, want);
	if (!wrong++)
		snprintf(first_wrong, sizeof(first_wrong), "%s%s: %s, not %s",
			 allowed ? "ALLOWED " : "", what, got, want);
}

/* A result that must be want (an -errno, or 0 extents done). */
static void __attribute__((format(printf, 3, 4)))
expect(long got, long want, const char *fmt, ...)
{
	char what[160], g[24];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(g, sizeof(g), "%s", rcname(got));
	report(got == want, got >= 0 && want < 0, g, rcname(want), what);
}

/* A grant table operation: the hypercall's rc, then the op's status. */
static void __attribute__((format(printf, 4, 5)))
expect_gnt(long rc, int status, int want, const char *fmt, ...)
{
	char what[160], g[24], w[24];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (rc)
		snprintf(g, sizeof(g), "%s", rcname(rc));
	else
		snprintf(g, sizeof(g), "GNTST %d", status);
	snprintf(w, sizeof(w), "GNTST %d", want);
	report(!rc && status == want, !rc && status == GNTST_okay, g, w, what);
}

static int verdict(void)
{
	if (wrong)
		fail("%u of %u attempts not refused as on Xen 4.17; first: %s",
		     wrong, tried, first_wrong);
	say("%u attempts, all refused", tried);
	return 0;
}

/* ---- privcmd ------------------------------------------------------------- */

static int privcmd_fd = -1;

/* A hypercall through privcmd: its result, or -errno. */
static long hypercall(unsigned int op, uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct privcmd_hypercall h = { .op = op, .arg = { a0, a1, a2 } };
	long rc = ioctl(privcmd_fd, IOCTL_PRIVCMD_HYPERCALL, &h);

	return rc < 0 ? -errno : rc;
}

/* Most hypercalls: a command, then a pointer. */
#define HC(op, a0, p, a2) hypercall(op, a0, (uintptr_t)(p), a2)

static void open_privcmd(void)
{
	long v;

	privcmd_fd = open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC);
	if (privcmd_fd < 0)
		fail("open /dev/xen/privcmd: %s", strerror(errno));
	/*
	 * A restricted privcmd refuses every hypercall with EPERM itself:
	 * that must not pass for the hypervisor's refusal.
	 */
	v = hypercall(__HYPERVISOR_xen_version, XENVER_version, 0, 0);
	if (v < 0)
		fail("privcmd passes no hypercall (xen_version: %s): "
		     "xen-privcmd not loaded with unrestricted=1?", rcname(v));
	say("privcmd passes hypercalls: Xen %ld.%ld", v >> 16, v & 0xffff);
}

/* ---- the store through /dev/xen/xenbus ----------------------------------- */

struct xs_msg {
	struct xsd_sockmsg hdr;
	char body[XENSTORE_PAYLOAD_MAX + 1];
};

static struct xs_msg reply;
static uint32_t next_req;

static int xs_open(void)
{
	int fd = open("/dev/xen/xenbus", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		fail("open /dev/xen/xenbus: %s", strerror(errno));
	return fd;
}

/* One whole request per write, as the device wants it; 0 or -errno. */
static int xs_send(int fd, uint32_t type, uint32_t tx, const void *body,
		   uint32_t len)
{
	struct xs_msg m = {
		.hdr = { .type = type, .req_id = ++next_req, .tx_id = tx,
			 .len = len },
	};

	memcpy(m.body, body, len);
	if (write(fd, &m, sizeof(m.hdr) + len) < 0)
		return -errno;
	return 0;
}

static bool read_all(int fd, void *buf, size_t len, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	while (len) {
		if (poll(&p, 1, timeout_ms) != 1)
			return false;
		n = read(fd, buf, len);
		if (n <= 0)
			return false;
		buf = (char *)buf + n;
		len -= (size_t)n;
	}
	return true;
}

/* The next reply, watch events skipped: 0, or -ETIMEDOUT. */
static int xs_recv(int fd, struct xs_msg *m, int timeout_ms)
{
	do {
		if (!read_all(fd, &m->hdr, sizeof(m->hdr), timeout_ms) ||
		    m->hdr.len > XENSTORE_PAYLOAD_MAX ||
		    !read_all(fd, m->body, m->hdr.len, timeout_ms))
			return -ETIMEDOUT;
		m->body[m->hdr.len] = '\0';
	} while (m->hdr.type == XS_WATCH_EVENT);
	return 0;
}

/* An XS_ERROR reply's errno. */
static int xs_errno(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(errnames); i++)
		if (errnames[i] && !strcmp(errnames[i], name))
			return (int)i;
	say("unknown store error '%s'", name);
	return EPROTO;
}

/* A request and its reply (in reply): 0, or -errno. */
static int xs_call(int fd, uint32_t type, uint32_t tx, const void *body,
		   uint32_t len)
{
	int rc = xs_send(fd, type, tx, body, len);

	if (!rc)
		rc = xs_recv(fd, &reply, 30000);
	if (!rc && reply.hdr.type == XS_ERROR)
		rc = -xs_errno(reply.body);
	return rc;
}

/*
 * A request of the strings given (a NULL ends the list), each ended by a
 * NUL but for a WRITE's value (its last string).
 */
static int xs_op(int fd, uint32_t type, uint32_t tx, ...)
{
	char body[XENSTORE_PAYLOAD_MAX];
	const char *s;
	uint32_t len = 0;
	va_list ap;

	va_start(ap, tx);
	while ((s = va_arg(ap, const char *))) {
		size_t n = strlen(s) + 1;

		if (len + n > sizeof(body) - sizeof(struct xsd_sockmsg))
			fail("request too long for the test");
		memcpy(body + len, s, n);
		len += (uint32_t)n;
	}
	va_end(ap);
	if (type == XS_WRITE && len)
		len--;
	return xs_call(fd, type, tx, body, len);
}

static const char *const xs_names[] = {
	"CONTROL", "DIRECTORY", "READ", "GET_PERMS", "WATCH", "UNWATCH",
	"TRANSACTION_START", "TRANSACTION_END", "INTRODUCE", "RELEASE",
	"GET_DOMAIN_PATH", "WRITE", "MKDIR", "RM", "SET_PERMS", "WATCH_EVENT",
	"ERROR", "IS_DOMAIN_INTRODUCED", "RESUME", "SET_TARGET", "type 20",
	"RESET_WATCHES", "DIRECTORY_PART",
};

/* A request that must be refused with want: up to three strings. */
static void xs_try(int fd, uint32_t type, uint32_t tx, int want,
		   const char *a, const char *b, const char *c)
{
	int rc = xs_op(fd, type, tx, a, b, c, NULL);

	expect(rc, want, "%s%s %s%s%s%s%s", xs_names[type], tx ? " (tx)" : "",
	       a, b ? " " : "", b ? b : "", c ? " " : "", c ? c : "");
}

/* A request that must work; its reply is in reply. */
static void xs_must(int fd, uint32_t type, uint32_t tx, const char *a,
		    const char *b)
{
	int rc = xs_op(fd, type, tx, a, b, NULL);

	if (rc)
		fail("%s %s%s%s: %s", xs_names[type], a, b ? " " : "",
		     b ? b : "", rcname(rc));
}

static unsigned int xs_read_uint(int fd, const char *path)
{
	char *end;
	unsigned long v;

	xs_must(fd, XS_READ, 0, path, NULL);
	v = strtoul(reply.body, &end, 10);
	if (!reply.body[0] || *end)
		fail("%s is '%s', not a number", path, reply.body);
	return (unsigned int)v;
}

/* Our own store access still works: 'name' reads back our hostname. */
static void check_self(int fd)
{
	char host[64] = "";
	int rc = xs_op(fd, XS_READ, 0, "name", NULL);

	gethostname(host, sizeof(host) - 1);
	if (rc)
		fail("our own name no longer reads: %s", rcname(rc));
	if (strcmp(reply.body, host))
		fail("our own name reads '%s', not '%s'", reply.body, host);
	say("own store access works: name = %s", reply.body);
}

static unsigned int start_tx(int fd)
{
	int rc = xs_call(fd, XS_TRANSACTION_START, 0, "", 1);

	if (rc)
		fail("TRANSACTION_START: %s", rcname(rc));
	return (unsigned int)strtoul(reply.body, NULL, 10);
}

/* ---- who is who ---------------------------------------------------------- */

static unsigned int self;
static domid_t others[8];
static unsigned int nothers;

/*
 * Our domain id (the store says), and the other guests that exist: Xen
 * answers a grant table size query for another domain with
 * permission_denied, or bad_domain when there is none.
 */
static void find_domains(void)
{
	struct gnttab_query_size q;
	char list[8 * ARRAY_SIZE(others)] = "";
	unsigned int d;
	int fd = xs_open();
	long rc;

	self = xs_read_uint(fd, "domid");
	close(fd);
	for (d = 1; d < 64 && nothers < ARRAY_SIZE(others); d++) {
		if (d == self)
			continue;
		memset(&q, 0, sizeof(q));
		q.dom = (domid_t)d;
		rc = HC(__HYPERVISOR_grant_table_op, GNTTABOP_query_size,
			&q, 1);
		if (rc)
			fail("grant query_size of d%u: %s", d, rcname(rc));
		if (q.status == GNTST_permission_denied) {
			others[nothers++] = (domid_t)d;
			snprintf(list + strlen(list), sizeof(list) - strlen(list),
				 " d%u", d);
		} else if (q.status != GNTST_bad_domain)
			fail("grant query_size of d%u: status %d", d, q.status);
	}
	if (!nothers)
		fail("we are d%u and see no other guest ('work' and "
		     "'personal' should be running)", self);
	say("we are d%u; other guests:%s", self, list);
}

/* ---- hypercalls ---------------------------------------------------------- */

/* A domctl on dom; max_memkb is max_mem's argument (0 for the others). */
static long domctl(uint32_t cmd, unsigned int dom, uint64_t max_memkb)
{
	struct xen_domctl d = {
		.cmd = cmd, .interface_version = XEN_DOMCTL_INTERFACE_VERSION,
		.domain = (domid_t)dom, .u.max_mem = { .max_memkb = max_memkb },
	};

	return hypercall(__HYPERVISOR_domctl, (uintptr_t)&d, 0, 0);
}

static long sysctl(uint32_t cmd)
{
	struct xen_sysctl s = {
		.cmd = cmd, .interface_version = XEN_SYSCTL_INTERFACE_VERSION,
	};

	return hypercall(__HYPERVISOR_sysctl, (uintptr_t)&s, 0, 0);
}

/* A reservation op on another domain: Xen does none of its extents. */
static void reservation(unsigned int op, const char *name, unsigned int dom)
{
	uint64_t extent = 0x1000;
	struct xen_memory_reservation r = {
		.extent_start = (uintptr_t)&extent, .nr_extents = 1,
		.domid = (domid_t)dom,
	};
	char what[80], got[64];
	long rc = HC(__HYPERVISOR_memory_op, op, &r, 0);

	snprintf(what, sizeof(what), "memory_op %s for d%u", name, dom);
	snprintf(got, sizeof(got), "%s extents done, extent %#llx", rcname(rc),
		 (unsigned long long)extent);
	report(!rc && extent == 0x1000, rc > 0 || extent != 0x1000, got,
	       "0 extents done, extent untouched", what);
}

static int hostile_hypercalls(void)
{
	struct xen_platform_op p = {
		.cmd = XENPF_settime64,
		.interface_version = XENPF_INTERFACE_VERSION,
		.u.settime64 = { .secs = 1 },
	};
	struct physdev_map_pirq map = {
		.type = MAP_PIRQ_TYPE_GSI, .index = 4, .pirq = -1,
	};
	struct physdev_apic apic = {
		.apic_physbase = 0xfec00000, .reg = 0x10, .value = 0x10000,
	};
	struct xen_mem_acquire_resource ar = {
		.type = XENMEM_resource_grant_table, .nr_frames = 1,
	};
	struct gnttab_setup_table st = { .nr_frames = 1 };
	struct gnttab_copy cp = {
		.source = { .u.gmfn = 0x1000 },
		.dest = { .u.gmfn = 0x1001 },
		.len = 8,
	};
	struct evtchn_alloc_unbound au = { .remote_dom = DOMID_SELF };
	struct evtchn_status es = { .port = 1 };
	struct sched_remote_shutdown rs = { .reason = SHUTDOWN_poweroff };
	struct xen_e820_entry e820[8];
	struct xen_memory_map mm = { .nr_entries = ARRAY_SIZE(e820) };
	uint64_t frame = 0;
	domid_t zero = 0;
	unsigned int i;
	char buf[64];
	long rc;

	open_privcmd();
	find_domains();

	expect(domctl(XEN_DOMCTL_createdomain, 0, 0), -EPERM,
	       "domctl createdomain");
	expect(domctl(XEN_DOMCTL_getdomaininfo, 0, 0), -EPERM,
	       "domctl getdomaininfo d0");
	expect(domctl(XEN_DOMCTL_destroydomain, 0, 0), -EPERM,
	       "domctl destroydomain d0");
	for (i = 0; i < nothers; i++) {
		expect(domctl(XEN_DOMCTL_pausedomain, others[i], 0), -EPERM,
		       "domctl pausedomain d%u", others[i]);
		expect(domctl(XEN_DOMCTL_destroydomain, others[i], 0), -EPERM,
		       "domctl destroydomain d%u", others[i]);
	}
	expect(domctl(XEN_DOMCTL_max_mem, self, 64ULL << 20), -EPERM,
	       "domctl max_mem of ourselves (64 GiB)");
	expect(sysctl(XEN_SYSCTL_physinfo), -EPERM, "sysctl physinfo");
	expect(sysctl(XEN_SYSCTL_readconsole), -EPERM, "sysctl readconsole");
	expect(hypercall(__HYPERVISOR_platform_op, (uintptr_t)&p, 0, 0), -EPERM,
	       "platform_op settime64");
	expect(hypercall(__HYPERVISOR_console_io, CONSOLEIO_read, sizeof(buf),
			 (uintptr_t)buf), -EPERM, "console_io read");

	map.domid = DOMID_SELF;
	expect(HC(__HYPERVISOR_physdev_op, PHYSDEVOP_map_pirq, &map, 0), -EPERM,
	       "physdev_op map_pirq GSI 4 for ourselves");
	map.domid = 0;
	expect(HC(__HYPERVISOR_physdev_op, PHYSDEVOP_map_pirq, &map, 0), -EPERM,
	       "physdev_op map_pirq GSI 4 for d0");
	expect(HC(__HYPERVISOR_physdev_op, PHYSDEVOP_apic_write, &apic, 0),
	       -EPERM, "physdev_op apic_write (IO-APIC redirection entry)");

	reservation(XENMEM_populate_physmap, "populate_physmap", 0);
	reservation(XENMEM_increase_reservation, "increase_reservation", 0);
	reservation(XENMEM_decrease_reservation, "decrease_reservation", 0);
	reservation(XENMEM_populate_physmap, "populate_physmap", others[0]);
	reservation(XENMEM_decrease_reservation, "decrease_reservation",
		    others[0]);
	expect(HC(__HYPERVISOR_memory_op, XENMEM_current_reservation, &zero, 0),
	       -EPERM, "memory_op current_reservation of d0");
	memset(e820, 0, sizeof(e820));
	mm.buffer = (uintptr_t)e820;
	expect(HC(__HYPERVISOR_memory_op, XENMEM_machine_memory_map, &mm, 0),
	       -EPERM, "memory_op machine_memory_map");
	/* A frame handed out counts as let through, whatever rc says. */
	ar.frame_list = (uintptr_t)&frame;
	rc = HC(__HYPERVISOR_memory_op, XENMEM_acquire_resource, &ar, 0);
	expect(frame ? 0 : rc, -EPERM,
	       "memory_op acquire_resource of d0's grant table");

	st.frame_list = (uintptr_t)&frame;
	rc = HC(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, &st, 1);
	expect_gnt(rc, st.status, GNTST_permission_denied,
		   "grant setup_table of d0");
	cp.source.domid = 0;
	cp.dest.domid = others[0];
	rc = HC(__HYPERVISOR_grant_table_op, GNTTABOP_copy, &cp, 1);
	expect_gnt(rc, cp.status, GNTST_permission_denied,
		   "grant copy from a frame of d0 to one of d%u", others[0]);

	au.dom = 0;
	rc = HC(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, &au, 0);
	expect(rc, -EPERM, "event_channel_op alloc_unbound in d0");
	es.dom = 0;
	expect(HC(__HYPERVISOR_event_channel_op, EVTCHNOP_status, &es, 0),
	       -EPERM, "event_channel_op status of d0's port 1");
	expect(HC(__HYPERVISOR_event_channel_op, EVTCHNOP_reset, &zero, 0),
	       -EPERM, "event_channel_op reset of d0");
	for (i = 0; i < nothers; i++) {
		rs.domain_id = others[i];
		rc = HC(__HYPERVISOR_sched_op, SCHEDOP_remote_shutdown, &rs, 0);
		expect(rc, -EPERM, "sched_op remote_shutdown of d%u",
		       others[i]);
	}
	rs.domain_id = 0;
	expect(HC(__HYPERVISOR_sched_op, SCHEDOP_remote_shutdown, &rs, 0),
	       -EPERM, "sched_op remote_shutdown of d0");
	return verdict();
}

/* ---- other domains' memory ----------------------------------------------- */

#define NR_PROBE_FRAMES	64

/*
 * Map frames of dom through privcmd, as a toolstack maps a guest it
 * builds: each frame's error must be set (want: Xen 4.17's).
 */
static void map_foreign(unsigned int dom, const uint64_t *mfns, int want)
{
	int err[NR_PROBE_FRAMES];
	struct privcmd_mmapbatch_v2 m = {
		.num = NR_PROBE_FRAMES, .dom = (domid_t)dom, .arr = mfns,
		.err = err,
	};
	size_t len = NR_PROBE_FRAMES * 4096;
	unsigned int i, mapped = 0, odd = 0;
	int rc, got = want;
	char who[16];
	void *va;

	if (dom == DOMID_XEN)
		snprintf(who, sizeof(who), "DOMID_XEN");
	else
		snprintf(who, sizeof(who), "d%u", dom);

	va = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, privcmd_fd,
		  0);
	if (va == MAP_FAILED)
		fail("mmap of privcmd: %s", strerror(errno));
	m.addr = (uintptr_t)va;
	memset(err, 0, sizeof(err));
	rc = ioctl(privcmd_fd, IOCTL_PRIVCMD_MMAPBATCH_V2, &m) ? -errno : 0;
	for (i = 0; i < NR_PROBE_FRAMES; i++) {
		if (!err[i]) {
			if (!mapped++)
				say("frame %#llx of %s MAPPED",
				    (unsigned long long)mfns[i], who);
		} else if (err[i] != want && !odd++) {
			got = err[i];
		}
	}
	munmap(va, len);
	expect(mapped ? 0 : got, want,
	       "privcmd MMAPBATCH_V2 of %u frames of %s (ioctl %s, %u "
	       "mapped, %u refused otherwise)", NR_PROBE_FRAMES, who,
	       rcname(rc), mapped, odd);
}

/* Another domain's grant table mapped the way the toolstack does it. */
static void map_resource(unsigned int dom)
{
	struct privcmd_mmap_resource r = {
		.dom = (domid_t)dom, .type = XENMEM_resource_grant_table,
		.num = 1,
	};
	void *va = mmap(NULL, 4096, PROT_READ, MAP_SHARED, privcmd_fd, 0);

	if (va == MAP_FAILED)
		fail("mmap of privcmd: %s", strerror(errno));
	r.addr = (uintptr_t)va;
	expect(ioctl(privcmd_fd, IOCTL_PRIVCMD_MMAP_RESOURCE, &r) ? -errno : 0,
	       -EPERM, "privcmd MMAP_RESOURCE of d%u's grant table", dom);
	munmap(va, 4096);
}

/* A grant dom never offered us, through gntdev: mmap must fail. */
static void map_gntdev(int fd, unsigned int dom, unsigned int ref)
{
	struct ioctl_gntdev_map_grant_ref op = {
		.count = 1, .refs = { { .domid = dom, .ref = ref } },
	};
	struct ioctl_gntdev_unmap_grant_ref un = { .count = 1 };
	void *va;

	if (ioctl(fd, IOCTL_GNTDEV_MAP_GRANT_REF, &op))
		fail("gntdev MAP_GRANT_REF: %s", strerror(errno));
	va = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, (off_t)op.index);
	if (va != MAP_FAILED) {
		say("gntdev mapped grant %u of d%u: first word %#lx", ref, dom,
		    *(volatile unsigned long *)va);
		munmap(va, 4096);
	}
	expect(va == MAP_FAILED ? -errno : 0, -EINVAL,
	       "gntdev mmap of grant %u of d%u", ref, dom);
	un.index = op.index;
	ioctl(fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &un);
}

/* The same grant asked of the hypervisor directly (a device mapping). */
static void map_grant(unsigned int dom, unsigned int ref)
{
	struct gnttab_map_grant_ref op = {
		.flags = GNTMAP_device_map | GNTMAP_readonly, .ref = ref,
		.dom = (domid_t)dom,
	};
	struct gnttab_unmap_grant_ref un;
	long rc;

	rc = HC(__HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref, &op, 1);
	if (!rc && op.status == GNTST_okay) {
		memset(&un, 0, sizeof(un));
		un.dev_bus_addr = op.dev_bus_addr;
		un.handle = op.handle;
		HC(__HYPERVISOR_grant_table_op, GNTTABOP_unmap_grant_ref,
		   &un, 1);
	}
	expect_gnt(rc, op.status, GNTST_general_error,
		   "grant map_grant_ref of grant %u of d%u", ref, dom);
}

static int hostile_foreign(void)
{
	/*
	 * Grants 0 and 1: a guest's console and store rings, for dom0; 8:
	 * the first Linux hands out; 511: the end of the first frame.
	 */
	static const unsigned int refs[] = { 0, 1, 8, 511 };
	uint64_t mfns[NR_PROBE_FRAMES], max;
	unsigned int i, j;
	long rc;
	int fd;

	open_privcmd();
	find_domains();
	rc = hypercall(__HYPERVISOR_memory_op, XENMEM_maximum_ram_page, 0, 0);
	if (rc <= 0x1000)
		fail("memory_op maximum_ram_page: %s", rcname(rc));
	max = (uint64_t)rc;
	/* Frames all over the machine's memory, above the first MiB. */
	for (i = 0; i < NR_PROBE_FRAMES; i++)
		mfns[i] = 0x100 + (max - 0x100) * i / NR_PROBE_FRAMES;
	say("probing %u frames from %#llx to %#llx", NR_PROBE_FRAMES,
	    (unsigned long long)mfns[0],
	    (unsigned long long)mfns[NR_PROBE_FRAMES - 1]);
	map_foreign(0, mfns, -EPERM);
	for (i = 0; i < nothers; i++)
		map_foreign(others[i], mfns, -EPERM);
	map_foreign(DOMID_XEN, mfns, -EPERM);
	map_resource(0);
	map_resource(others[0]);

	fd = open("/dev/xen/gntdev", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		fail("open /dev/xen/gntdev: %s", strerror(errno));
	for (i = 0; i < ARRAY_SIZE(refs); i++) {
		map_gntdev(fd, 0, refs[i]);
		map_grant(0, refs[i]);
		for (j = 0; j < nothers; j++) {
			map_gntdev(fd, others[j], refs[i]);
			map_grant(others[j], refs[i]);
		}
	}
	close(fd);
	return verdict();
}

/* ---- I/O ports ----------------------------------------------------------- */

enum grant_io { IOPL, IOPERM };

struct port_access {
	enum grant_io how;
	unsigned int out_port, out_val, port;
	unsigned char v;	/* what inb read */
};

/*
 * In the child: get port access from Linux (exit status 3 if it refuses),
 * then read the port (after writing out_val to out_port, if any).
 */
static void port_in_child(void *arg)
{
	struct port_access *a = arg;

	if (a->how == IOPL ? iopl(3) :
	    ioperm(a->port, 1, 1) || (a->out_port && ioperm(a->out_port, 1, 1)))
		_exit(3);
	if (a->out_port)
		outb((unsigned char)a->out_val, (unsigned short)a->out_port);
	a->v = inb((unsigned short)a->port);
}

/*
 * Port I/O in a child. Hardware must stay out of reach: the access faults
 * (SIGSEGV), or reads an empty bus (all ones), which is what Xen gives a
 * domU.
 */
static void port_probe(enum grant_io how, unsigned int out_port,
		       unsigned int out_val, unsigned int port)
{
	struct port_access a = { .how = how, .out_port = out_port,
				 .out_val = out_val, .port = port };
	char what[96], got[32];
	int status;

	snprintf(what, sizeof(what), "%s, %s%sinb %#x",
		 how == IOPL ? "iopl(3)" : "ioperm", out_port ? "outb " : "",
		 out_port ? "then " : "", port);
	status = run_in_child(port_in_child, &a, &a.v, sizeof(a.v));
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV) {
		report(true, false, "SIGSEGV", "", what);
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 3) {
		report(true, false, "Linux refused the port", "", what);
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		/* An empty bus is no hardware: Xen gives a domU that. */
		snprintf(got, sizeof(got), "read %#x", a.v);
		report(a.v == 0xff, true, got, "SIGSEGV or 0xff", what);
	} else {
		snprintf(got, sizeof(got), "wait status %#x", status);
		report(false, false, got, "SIGSEGV or 0xff", what);
	}
}

static int hostile_ioport(void)
{
	/* The POST port, the keyboard controller, the CMOS clock. */
	port_probe(IOPL, 0, 0, 0x80);
	port_probe(IOPL, 0, 0, 0x64);
	port_probe(IOPL, 0x80, 0x55, 0x80);
	port_probe(IOPL, 0x70, 0x00, 0x71);
	port_probe(IOPERM, 0, 0, 0x80);
	port_probe(IOPERM, 0, 0, 0x64);
	port_probe(IOPERM, 0x70, 0x00, 0x71);
	return verdict();
}

/* ---- other domains' store nodes ------------------------------------------ */

static int hostile_store_others(void)
{
	char p[8][96], me[16];
	unsigned int i, d, tx;
	int fd;

	open_privcmd();
	find_domains();
	fd = xs_open();
	snprintf(me, sizeof(me), "%u", self);
	for (i = 0; i <= nothers; i++) {
		d = i ? others[i - 1] : 0;
		snprintf(p[0], sizeof(p[0]), "/local/domain/%u", d);
		snprintf(p[1], sizeof(p[1]), "/local/domain/%u/name", d);
		snprintf(p[2], sizeof(p[2]),
			 "/local/domain/%u/control/shutdown", d);
		snprintf(p[3], sizeof(p[3]), "/local/domain/%u/hostile", d);
		snprintf(p[4], sizeof(p[4]), "/tool/tandem/domain/%u/name", d);
		snprintf(p[5], sizeof(p[5]), "n%u", self);
		xs_try(fd, XS_READ, 0, -EACCES, p[1], NULL, NULL);
		xs_try(fd, XS_DIRECTORY, 0, -EACCES, p[0], NULL, NULL);
		xs_try(fd, XS_GET_PERMS, 0, -EACCES, p[0], NULL, NULL);
		xs_try(fd, XS_WRITE, 0, -EACCES, p[1], "intruder", NULL);
		xs_try(fd, XS_WRITE, 0, -EACCES, p[2], "poweroff", NULL);
		xs_try(fd, XS_MKDIR, 0, -EACCES, p[3], NULL, NULL);
		xs_try(fd, XS_RM, 0, -EACCES, p[1], NULL, NULL);
		xs_try(fd, XS_RM, 0, -EACCES, p[0], NULL, NULL);
		xs_try(fd, XS_SET_PERMS, 0, -EACCES, p[1], p[5], NULL);
		xs_try(fd, XS_READ, 0, -EACCES, p[4], NULL, NULL);
		xs_try(fd, XS_WRITE, 0, -EACCES, p[4], "intruder", NULL);
		if (!d)
			continue;
		/* Its console backend: it may read it, we may not. */
		snprintf(p[6], sizeof(p[6]),
			 "/local/domain/0/backend/console/%u/0/frontend-id", d);
		snprintf(p[7], sizeof(p[7]), "%u", d);
		xs_try(fd, XS_READ, 0, -EACCES, p[6], NULL, NULL);
		xs_try(fd, XS_WRITE, 0, -EACCES, p[6], me, NULL);
		xs_try(fd, XS_INTRODUCE, 0, -EACCES, p[7], "1", "1");
		xs_try(fd, XS_RELEASE, 0, -EACCES, p[7], NULL, NULL);
		xs_try(fd, XS_RESUME, 0, -EACCES, p[7], NULL, NULL);
		xs_try(fd, XS_IS_DOMAIN_INTRODUCED, 0, -EACCES, p[7], NULL,
		       NULL);
		/* The rights of another domain, or of dom0, for us. */
		xs_try(fd, XS_SET_TARGET, 0, -EACCES, me, p[7], NULL);
	}
	xs_try(fd, XS_SET_TARGET, 0, -EACCES, me, "0", NULL);
	xs_try(fd, XS_CONTROL, 0, -EACCES, "check", NULL, NULL);
	xs_try(fd, XS_DIRECTORY, 0, -EACCES, "/", NULL, NULL);
	xs_try(fd, XS_DIRECTORY, 0, -EACCES, "/local/domain", NULL, NULL);
	xs_try(fd, XS_READ, 0, -EACCES, "/tool", NULL, NULL);
	xs_try(fd, XS_WRITE, 0, -EACCES, "/hostile", "x", NULL);
	xs_try(fd, XS_MKDIR, 0, -EACCES, "/local/hostile", NULL, NULL);

	/* Our own nodes that dom0 keeps read-only for us. */
	xs_try(fd, XS_WRITE, 0, -EACCES, "name", "work", NULL);
	xs_try(fd, XS_RM, 0, -EACCES, "name", NULL, NULL);
	xs_try(fd, XS_WRITE, 0, -EACCES, "domid", "0", NULL);
	xs_try(fd, XS_WRITE, 0, -EACCES, "memory/target", "67108864", NULL);
	xs_try(fd, XS_WRITE, 0, -EACCES, "hostile", "x", NULL);
	snprintf(p[0], sizeof(p[0]),
		 "/local/domain/0/backend/console/%u/0/state", self);
	xs_try(fd, XS_WRITE, 0, -EACCES, p[0], "5", NULL);
	/* A node of ours given to dom0 would escape our quota. */
	xs_try(fd, XS_SET_PERMS, 0, -EPERM, "data", "n0", NULL);
	snprintf(p[1], sizeof(p[1]), "r%u", self);
	xs_try(fd, XS_SET_PERMS, 0, -EACCES, "@releaseDomain", "n0", p[1]);

	/* Inside a transaction the rules are the same. */
	tx = start_tx(fd);
	snprintf(p[2], sizeof(p[2]), "/local/domain/%u/name", others[0]);
	xs_try(fd, XS_READ, tx, -EACCES, p[2], NULL, NULL);
	xs_try(fd, XS_WRITE, tx, -EACCES, p[2], "intruder", NULL);
	xs_try(fd, XS_WRITE, tx, -EACCES, "/local/domain/0/hostile", "x",
	       NULL);
	xs_must(fd, XS_TRANSACTION_END, tx, "F", NULL);
	check_self(fd);
	close(fd);
	return verdict();
}

/* ---- store quotas -------------------------------------------------------- */

/*
 * Write node I*25+J as base/I/J for I*25+J < n (25 names to a directory
 * keep it under the node-size quota); returns how many were written
 * before rc.
 */
static unsigned int fill(int fd, uint32_t tx, const char *base,
			 unsigned int n, int *rc)
{
	char path[96];
	unsigned int i;

	*rc = 0;
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%u/%u", base, i / 25, i % 25);
		*rc = xs_op(fd, XS_WRITE, tx, path, "x", NULL);
		if (*rc)
			break;
	}
	return i;
}

static int hostile_store_quota(void)
{
	char big[3000], who[8][16];
	unsigned int n, t1, t2, i;
	int fd = xs_open(), rc;

	self = xs_read_uint(fd, "domid");
	/* Nodes until refused: a guest owns at most 1000. */
	n = fill(fd, 0, "data/hostile-q", 1200, &rc);
	say("wrote %u nodes (and %u directories) before %s", n, n / 25 + 2,
	    rcname(rc));
	expect(rc, -ENOSPC, "node %u under data/hostile-q", n);
	if (rc == -ENOSPC && n < 500)
		report(false, false, "under 500", "near 1000",
		       "nodes written before the quota");
	/* Changing a node creates nothing: still fine at the quota. */
	xs_must(fd, XS_WRITE, 0, "data/hostile-q/0/0", "again");
	xs_must(fd, XS_RM, 0, "data/hostile-q", NULL);
	xs_must(fd, XS_WRITE, 0, "data/hostile-q", "freed");
	xs_must(fd, XS_RM, 0, "data/hostile-q", NULL);

	/*
	 * Two transactions, each within the quota, together over it: the
	 * second commit must be refused.
	 */
	t1 = start_tx(fd);
	t2 = start_tx(fd);
	n = fill(fd, t1, "data/hostile-a", 600, &rc);
	if (rc)
		fail("transaction 1: node %u: %s", n, rcname(rc));
	n = fill(fd, t2, "feature/hostile-b", 600, &rc);
	if (rc)
		fail("transaction 2: node %u: %s", n, rcname(rc));
	xs_must(fd, XS_TRANSACTION_END, t1, "T", NULL);
	expect(xs_op(fd, XS_TRANSACTION_END, t2, "T", NULL), -ENOSPC,
	       "commit of a second transaction of 600 nodes");
	expect(xs_op(fd, XS_READ, 0, "feature/hostile-b/0/0", NULL), -ENOENT,
	       "READ of a node of the refused transaction");
	xs_must(fd, XS_RM, 0, "data/hostile-a", NULL);

	/* Too big a node, too many permissions. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	expect(xs_op(fd, XS_WRITE, 0, "data/hostile-big", big, NULL), -ENOSPC,
	       "WRITE of a %zu-byte value", sizeof(big) - 1);
	xs_must(fd, XS_WRITE, 0, "data/hostile-p", "");
	snprintf(who[0], sizeof(who[0]), "n%u", self);
	for (i = 1; i < ARRAY_SIZE(who); i++)
		snprintf(who[i], sizeof(who[i]), "r%u", i % 2 ? 0 : self);
	expect(xs_op(fd, XS_SET_PERMS, 0, "data/hostile-p", who[0], who[1],
		     who[2], who[3], who[4], who[5], who[6], who[7], NULL),
	       -ENOSPC, "SET_PERMS with 8 entries");
	xs_must(fd, XS_RM, 0, "data/hostile-p", NULL);
	check_self(fd);
	close(fd);
	return verdict();
}

static int hostile_store_watches(void)
{
	char path[64], token[16];
	unsigned int n, tries;
	int fd = xs_open(), rc = 0;

	/* The kernel's own watches share the connection's quota of 128. */
	for (n = 0; n < 200; n++) {
		snprintf(path, sizeof(path), "data/hostile-w%u", n);
		snprintf(token, sizeof(token), "w%u", n);
		rc = xs_op(fd, XS_WATCH, 0, path, token, NULL);
		if (rc)
			break;
	}
	say("%u watches before %s", n, rcname(rc));
	expect(rc, -E2BIG, "watch %u", n);
	if (n > 128)
		report(false, true, "more than 128", "128 at most",
		       "watches of one connection");
	check_self(fd);
	close(fd);
	/* Closing the device drops them (Linux does it in a worker). */
	fd = xs_open();
	for (tries = 0; tries < 50; tries++) {
		rc = xs_op(fd, XS_WATCH, 0, "data/hostile-w", "again", NULL);
		if (rc != -E2BIG)
			break;
		usleep(100000);
	}
	if (rc)
		fail("a watch after the others were dropped: %s", rcname(rc));
	xs_must(fd, XS_UNWATCH, 0, "data/hostile-w", "again");
	close(fd);
	return verdict();
}

static int hostile_store_transactions(void)
{
	unsigned int ids[64], n, i;
	int fd = xs_open(), rc = 0;

	for (n = 0; n < ARRAY_SIZE(ids); n++) {
		rc = xs_call(fd, XS_TRANSACTION_START, 0, "", 1);
		if (rc)
			break;
		ids[n] = (unsigned int)strtoul(reply.body, NULL, 10);
	}
	say("%u transactions open before %s", n, rcname(rc));
	expect(rc, -ENOSPC, "transaction %u", n);
	if (n > 10)
		report(false, true, "more than 10", "10 at most",
		       "transactions open at once");
	check_self(fd);
	for (i = 0; i < n; i++)
		xs_must(fd, XS_TRANSACTION_END, ids[i], "F", NULL);
	xs_must(fd, XS_TRANSACTION_END, start_tx(fd), "F", NULL);
	/* Someone else's transaction: Linux answers for ids not ours. */
	expect(xs_op(fd, XS_READ, 0x7fff, "name", NULL), -ENOENT,
	       "READ in a transaction we never started");
	check_self(fd);
	close(fd);
	return verdict();
}

#define FLOOD	3000

/*
 * Requests as fast as Linux takes them, replies read afterwards: the
 * store throttles us (500 requests/s after a burst of 1000) but answers
 * every one, and nobody else waits for us.
 */
static int hostile_store_flood(void)
{
	char host[64] = "";
	unsigned int i;
	double t0, t1;
	int fd = xs_open(), rc;

	gethostname(host, sizeof(host) - 1);
	t0 = mono_now();
	for (i = 0; i < FLOOD; i++) {
		rc = xs_send(fd, XS_READ, 0, "name", 5);
		if (rc)
			fail("request %u: %s", i, rcname(rc));
	}
	t1 = mono_now();
	say("%u requests sent in %.2f s", FLOOD, t1 - t0);
	for (i = 0; i < FLOOD; i++) {
		rc = xs_recv(fd, &reply, 60000);
		if (rc)
			fail("reply %u of %u: %s", i, FLOOD, rcname(rc));
		if (reply.hdr.type != XS_READ || strcmp(reply.body, host))
			fail("reply %u: type %u '%s'", i, reply.hdr.type,
			     reply.body);
	}
	t1 = mono_now();
	say("all %u answered in %.2f s (%.0f/s)", FLOOD, t1 - t0,
	    FLOOD / (t1 - t0));
	check_self(fd);
	close(fd);
	return 0;
}

/* A request of raw bytes that the store must refuse with want. */
static void raw_try(int fd, uint32_t type, const void *body, uint32_t len,
		    int want, const char *what)
{
	expect(xs_call(fd, type, 0, body, len), want, "%s", what);
}

static int hostile_store_malformed(void)
{
	static char junk[XENSTORE_PAYLOAD_MAX];
	struct xsd_sockmsg hdr = { .type = XS_READ, .len = 4081 };
	char path[3200];
	const char *msg = (const char *)&hdr;
	int fd = xs_open();
	unsigned int i;

	/* What cannot fit Linux's buffer never reaches the store. */
	expect(write(fd, &hdr, sizeof(hdr)) < 0 ? -errno : 0, -E2BIG,
	       "a header announcing 4081 bytes (Linux)");
	hdr.len = 0xffffffff;
	expect(write(fd, &hdr, sizeof(hdr)) < 0 ? -errno : 0, -E2BIG,
	       "a header announcing 4 GiB (Linux)");
	check_self(fd);

	/* Everything else reaches the store. */
	raw_try(fd, XS_READ, "name", 4, -EINVAL, "READ without a NUL");
	raw_try(fd, XS_READ, "name\0name", 10, -EINVAL, "READ of two strings");
	raw_try(fd, XS_READ, "", 0, -EINVAL, "READ of nothing");
	raw_try(fd, XS_READ, "/local/domain/../0", 19, -EINVAL,
		"READ of a path with '..'");
	raw_try(fd, XS_READ, "/local//domain", 15, -EINVAL,
		"READ of a path with '//'");
	path[0] = '/';
	memset(path + 1, 'a', sizeof(path) - 2);
	path[sizeof(path) - 1] = '\0';
	raw_try(fd, XS_READ, path, sizeof(path), -EINVAL,
		"READ of a 3199-byte path");
	memset(junk, 0xff, sizeof(junk));
	raw_try(fd, XS_READ, junk, XENSTORE_PAYLOAD_MAX - sizeof(hdr), -EINVAL,
		"READ of 4080 bytes of 0xff");
	raw_try(fd, XS_WRITE, "data/hostile-m", 14, -EINVAL,
		"WRITE without a NUL");
	raw_try(fd, XS_GET_DOMAIN_PATH, "abc", 4, -EINVAL,
		"GET_DOMAIN_PATH abc");
	raw_try(fd, XS_GET_DOMAIN_PATH, "99999999", 9, -EINVAL,
		"GET_DOMAIN_PATH 99999999");
	raw_try(fd, XS_DIRECTORY_PART, "data\0x", 7, -EINVAL,
		"DIRECTORY_PART data x");
	raw_try(fd, XS_SET_PERMS, "data\0zz", 8, -EINVAL,
		"SET_PERMS data zz");
	raw_try(fd, XS_REMOVED_RESTRICT, "0", 2, -ENOSYS,
		"type 20 (the removed RESTRICT)");
	raw_try(fd, XS_INVALID, "", 1, -ENOSYS, "type 0xffff");
	raw_try(fd, XS_ERROR, "EINVAL", 7, -ENOSYS, "type ERROR");
	raw_try(fd, XS_WATCH_EVENT, "name\0t", 7, -ENOSYS,
		"type WATCH_EVENT");

	/* One byte per write: Linux puts the request together. */
	hdr = (struct xsd_sockmsg){ .type = XS_READ, .req_id = 77, .len = 5 };
	for (i = 0; i < sizeof(hdr) + 5; i++)
		if (write(fd, i < sizeof(hdr) ? msg + i :
			  "name" + (i - sizeof(hdr)), 1) != 1)
			fail("byte %u of a request: %s", i, strerror(errno));
	if (xs_recv(fd, &reply, 30000) || reply.hdr.type != XS_READ ||
	    reply.hdr.req_id != 77)
		fail("a request written a byte at a time got no answer");
	say("a request written a byte at a time: answered '%s'", reply.body);
	check_self(fd);
	close(fd);
	return verdict();
}

/*
 * Past what Linux lets through: our own store ring, mapped through
 * privcmd, gets a request header announcing 5000 bytes. The store must
 * drop our connection (XENSTORE_ERROR_PROTO in the page) and nobody
 * else's; we cannot use the store after this, so it runs last.
 */
static int hostile_ring(void)
{
	struct xsd_sockmsg hdr = { .type = XS_READ, .req_id = 0xbad,
				   .len = 5000 };
	volatile struct xenstore_domain_interface *intf;
	uint32_t port, prod, i;
	uint64_t mfn;
	int err = 0, fd;
	char got[32];
	struct privcmd_mmapbatch_v2 m = { .num = 1, .dom = DOMID_SELF,
					  .arr = &mfn, .err = &err };
	void *va;
	long rc;

	open_privcmd();
	fd = xs_open();
	mfn = xs_read_uint(fd, "store/ring-ref");
	port = xs_read_uint(fd, "store/port");
	close(fd);
	va = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, privcmd_fd,
		  0);
	if (va == MAP_FAILED)
		fail("mmap of privcmd: %s", strerror(errno));
	m.addr = (uintptr_t)va;
	if (ioctl(privcmd_fd, IOCTL_PRIVCMD_MMAPBATCH_V2, &m) || err)
		fail("mapping our own store ring (frame %#llx): %s",
		     (unsigned long long)mfn, rcname(err ? err : -errno));
	intf = va;
	say("our store ring: frame %#llx, port %u, features %#x, error %u",
	    (unsigned long long)mfn, port, intf->server_features,
	    intf->error);
	prod = intf->req_prod;
	if (prod - intf->req_cons > XENSTORE_RING_SIZE - sizeof(hdr))
		fail("our store ring is full");
	for (i = 0; i < sizeof(hdr); i++)
		intf->req[(prod + i) % XENSTORE_RING_SIZE] =
			((const char *)&hdr)[i];
	__sync_synchronize();
	intf->req_prod = prod + sizeof(hdr);
	rc = HC(__HYPERVISOR_event_channel_op, EVTCHNOP_send, &port, 0);
	if (rc)
		fail("event_channel_op send to port %u: %s", port, rcname(rc));
	for (i = 0; i < 100 && !intf->error; i++)
		usleep(100000);
	say("after a header of 5000 bytes: error %u, request consumer %u of "
	    "%u", intf->error, intf->req_cons, intf->req_prod);
	snprintf(got, sizeof(got), "ring error %u", intf->error);
	report(intf->error == XENSTORE_ERROR_PROTO, !intf->error, got,
	       "ring error 3 (XENSTORE_ERROR_PROTO)",
	       "a request of 5000 bytes in our store ring");
	munmap(va, 4096);
	return verdict();
}

static const struct {
	const char *name;
	int (*fn)(void);
} hostile_cmds[] = {
	{ "hypercalls", hostile_hypercalls },
	{ "foreign", hostile_foreign },
	{ "ioport", hostile_ioport },
	{ "store-others", hostile_store_others },
	{ "store-quota", hostile_store_quota },
	{ "store-watches", hostile_store_watches },
	{ "store-transactions", hostile_store_transactions },
	{ "store-flood", hostile_store_flood },
	{ "store-malformed", hostile_store_malformed },
	{ "ring", hostile_ring },
};

int cmd_hostile(int argc, char **argv)
{
	size_t i;

	for (i = 0; argc > 1 && i < ARRAY_SIZE(hostile_cmds); i++)
		if (!strcmp(argv[1], hostile_cmds[i].name))
			return hostile_cmds[i].fn();
	fprintf(stderr, "usage: tandem-check hostile CASE; cases:");
	for (i = 0; i < ARRAY_SIZE(hostile_cmds); i++)
		fprintf(stderr, " %s", hostile_cmds[i].name);
	fputc('\n', stderr);
	return 2;
}

int cmd_xsread(int argc, char **argv)
{
	int fd = xs_open(), i, rc, bad = 0;

	for (i = 1; i < argc; i++) {
		rc = xs_op(fd, XS_READ, 0, argv[i], NULL);
		if (rc) {
			say("%s: %s", argv[i], rcname(rc));
			bad = 1;
		} else {
			say("%s=%s", argv[i], reply.body);
		}
	}
	close(fd);
	return bad;
}
