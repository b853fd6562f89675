// SPDX-License-Identifier: MIT
/*
 * balloon: the domain's memory reservation. Frames given back with
 * decrease_reservation (unmapped first, as a balloon driver does) are
 * gone: they can no longer be mapped or named in the M2P. Frames come
 * back through populate_physmap and increase_reservation: ours by the
 * M2P, mappable and zeroed (or, on Xen, holding our own old data).
 * current_reservation follows every step, and populating past
 * maximum_reservation does only what fits.
 *
 * A request for 16 MiB in one call outlasts what one hypercall may run:
 * the hypervisor stops part way and has us issue it again from there,
 * so a timer event set to fire during the call arrives before the call
 * has finished, and the call still does every extent.
 *
 * Hostile: frames we do not own, the same frame twice, extents larger
 * than a domain may ask for, extent lists the hypervisor cannot reach,
 * and another domain's reservation. Each must leave the reservation as
 * it was; like Xen, a refused request counts 0 extents done.
 */
#include "lib/test.h"

#define NON_CANONICAL	0x8000000000000000ul
#define BAD_MFN		0xfffffffffull
#define NR		4
#define PATTERN		0x62616c6c6f6f6e21ul	/* "balloon!" */
#define MAX_ROOM	8
#define BIG		4096	/* 16 MiB in one request */

static uint64_t pfns[NR], mfns[NR];	/* the frames we play with */
static long cur0;			/* the reservation at the start */
static void *hole;
static uint64_t big_pfns[BIG], big_list[BIG];
static volatile long mid_reservation;

static long reservation(unsigned int cmd, void *list, unsigned long nr,
			unsigned int order, domid_t dom)
{
	struct xen_memory_reservation r = {
		.extent_start = (uint64_t)list,
		.nr_extents = nr,
		.extent_order = order,
		.domid = dom,
	};

	return hv_memory_op(cmd, &r);
}

static long give_back(uint64_t *list, unsigned long nr)
{
	return reservation(XENMEM_decrease_reservation, list, nr, 0,
			   DOMID_SELF);
}

static long populate(uint64_t *list, unsigned long nr)
{
	return reservation(XENMEM_populate_physmap, list, nr, 0, DOMID_SELF);
}

static long cur_reservation(void)
{
	domid_t self = DOMID_SELF;

	return hv_memory_op(XENMEM_current_reservation, &self);
}

static void p2m_set(uint64_t pfn, uint64_t mfn)
{
	((uint64_t *)start_info->mfn_list)[pfn] = mfn;
}

static long machphys_update(uint64_t mfn, uint64_t pfn)
{
	return hv_mmu_update1((mfn << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE, pfn);
}

/*
 * A frame we got back: ours, mappable and zeroed, then it is pfn's
 * again. Xen does not scrub what a live domain gave back, so the frame
 * may also hold what we ourselves wrote there (PATTERN in word 0); any
 * other content came from somebody else.
 */
static void check_new_frame(uint64_t mfn, uint64_t pfn)
{
	volatile uint64_t *va = hole;
	unsigned int i, dirty = 0;

	check(mfn <= max_mfn(), "mfn %#lx beyond the M2P", mfn);
	check_eq(mfn_to_pfn(mfn), pfn);
	p2m_set(pfn, mfn);
	if (!check_rc(map_mfn((unsigned long)va, mfn, PTE_KERN_RW), 0))
		return;
	for (i = 0; i < PAGE_SIZE / 8; i++)
		dirty += va[i] != 0 && !(i == 0 && va[i] == PATTERN);
	check(!dirty, "mfn %#lx: %u words not zeroed", mfn, dirty);
	va[0] = PATTERN;
	check_eq(va[0], PATTERN);
	check_rc(unmap_va((unsigned long)va), 0);
}

/* A frame given back: no longer ours in any way. */
static void check_gone(uint64_t mfn, uint64_t pfn)
{
	check(map_mfn((unsigned long)hole, mfn, PTE_KERN_RO) < 0,
	      "freed mfn %#lx still mappable", mfn);
	check(machphys_update(mfn, pfn) < 0,
	      "M2P entry of freed mfn %#lx still writable", mfn);
	check_eq(probe_read(hole, NULL), X86_EXC_PF);
}

static void balloon_init(void)
{
	unsigned int i;

	hole = va_hole_alloc();
	cur0 = cur_reservation();
	/* Two pages the runtime had mapped, two it never mapped. */
	for (i = 0; i < NR; i++) {
		if (i < 2) {
			uint64_t *p = page_alloc();

			pfns[i] = (unsigned long)p >> PAGE_SHIFT;
		} else {
			pfns[i] = frame_alloc();
		}
		mfns[i] = pfn_to_mfn(pfns[i]);
	}
}

static void test_decrease(void)
{
	uint64_t list[NR];
	unsigned int i;

	check_eq(cur0, start_info->nr_pages);
	/* Unmap first: a mapped frame would live on until unmapped. */
	for (i = 0; i < 2; i++)
		check_rc(unmap_va(pfns[i] << PAGE_SHIFT), 0);
	memcpy(list, mfns, sizeof(list));
	check_rc(give_back(list, NR), NR);
	check_eq(cur_reservation(), cur0 - NR);
	for (i = 0; i < NR; i++) {
		p2m_set(pfns[i], ~0ull);
		check_gone(mfns[i], pfns[i]);
	}
}

static void test_populate(void)
{
	uint64_t list[NR];
	unsigned int i;

	memcpy(list, pfns, sizeof(list));
	check_rc(populate(list, NR), NR);
	check_eq(cur_reservation(), cur0);
	for (i = 0; i < NR; i++) {
		check_new_frame(list[i], pfns[i]);
		mfns[i] = list[i];
	}
	/* The runtime's pages are back where they were. */
	for (i = 0; i < 2; i++) {
		uint64_t *p = (uint64_t *)(pfns[i] << PAGE_SHIFT);

		check_rc(map_mfn((unsigned long)p, mfns[i], PTE_KERN_RW), 0);
		check_eq(*p, PATTERN);
	}
}

static void test_increase(void)
{
	uint64_t list[2];
	unsigned int i;

	memcpy(list, &mfns[2], sizeof(list));
	check_rc(give_back(list, 2), 2);
	check_eq(cur_reservation(), cur0 - 2);

	list[0] = list[1] = ~0ull;
	check_rc(reservation(XENMEM_increase_reservation, list, 2, 0,
			     DOMID_SELF), 2);
	check_eq(cur_reservation(), cur0);
	for (i = 0; i < 2; i++) {
		/* Only the owner may set a frame's M2P entry. */
		check_rc(machphys_update(list[i], pfns[2 + i]), 0);
		check_new_frame(list[i], pfns[2 + i]);
		mfns[2 + i] = list[i];
	}
}

static void test_max_pages(void)
{
	domid_t self = DOMID_SELF;
	long max = hv_memory_op(XENMEM_maximum_reservation, &self);
	uint64_t list[MAX_ROOM + 2], extra[MAX_ROOM];
	long room, rc, i;

	check_rc(give_back(&mfns[2], 1), 1);
	check_rc(give_back(&mfns[3], 1), 1);
	room = max - cur_reservation();
	if (!check(room >= 2 && room <= MAX_ROOM,
		   "room for %ld pages (max %ld)", room, max))
		return;
	/* Ask for two more than fit; the surplus gets PFNs past our p2m. */
	for (i = 0; i < room + 2; i++)
		list[i] = i < 2 ? pfns[2 + i] : start_info->nr_pages + i;
	rc = populate(list, room + 2);
	check_eq(rc, room);
	check_eq(cur_reservation(), max);
	check_eq(list[room], start_info->nr_pages + room);
	for (i = 0; i < 2 && i < rc; i++) {
		check_new_frame(list[i], pfns[2 + i]);
		mfns[2 + i] = list[i];
	}
	/* Give the surplus back. */
	for (i = 2; i < rc; i++)
		extra[i - 2] = list[i];
	if (rc > 2)
		check_rc(give_back(extra, rc - 2), rc - 2);
	check_eq(cur_reservation(), cur0);
}

static void test_hostile(void)
{
	unsigned int big = privileged ? 20 : 10;
	uint64_t list[2];
	domid_t other = privileged ? 0x7000 : 0;

	/* Frames that are not ours. */
	list[0] = foreign_mfn();
	check_rc(give_back(list, 1), 0);
	list[0] = BAD_MFN;
	check_rc(give_back(list, 1), 0);
	check_eq(cur_reservation(), cur0);

	/* The same frame twice: the second time it is not ours. */
	list[0] = list[1] = mfns[3];
	check_rc(give_back(list, 2), 1);
	check_eq(cur_reservation(), cur0 - 1);
	check_gone(mfns[3], pfns[3]);
	list[0] = pfns[3];
	check_rc(populate(list, 1), 1);
	check_new_frame(list[0], pfns[3]);
	mfns[3] = list[0];

	/* Extents bigger than allowed (a domU: 2 MiB; anyone: 1 GiB). */
	list[0] = pfns[3];
	check_rc(reservation(XENMEM_populate_physmap, list, 1, big,
			     DOMID_SELF), 0);
	check_rc(reservation(XENMEM_increase_reservation, list, 1, big,
			     DOMID_SELF), 0);
	check_rc(reservation(XENMEM_populate_physmap, list, 1, 0xffffffffu,
			     DOMID_SELF), 0);
	list[0] = mfns[3];
	check_rc(reservation(XENMEM_decrease_reservation, list, 1, big,
			     DOMID_SELF), 0);
	check(own_mfn(mfns[3]), "mfn %#lx lost", mfns[3]);
	check_eq(cur_reservation(), cur0);

	/* Extent lists out of the guest's reach. */
	check_rc(reservation(XENMEM_increase_reservation,
			     (void *)HYPERVISOR_VIRT_START, 1, 0, DOMID_SELF),
		 0);
	check_rc(reservation(XENMEM_populate_physmap, (void *)NON_CANONICAL,
			     1, 0, DOMID_SELF), 0);
	check_rc(reservation(XENMEM_decrease_reservation,
			     (void *)MACH2PHYS_VIRT_START, 1, 0, DOMID_SELF),
		 0);
	check_eq(cur_reservation(), cur0);

	/* Another domain's reservation: dom0's, or one that is missing. */
	list[0] = ~0ull;
	check_rc(reservation(XENMEM_increase_reservation, list, 1, 0, other),
		 0);
	check_eq(list[0], ~0ull);
	list[0] = mfns[3];
	check_rc(reservation(XENMEM_decrease_reservation, list, 1, 0, other),
		 0);
	check(own_mfn(mfns[3]), "mfn %#lx lost", mfns[3]);
	check_eq(cur_reservation(), cur0);
}

static void on_timer(evtchn_port_t port)
{
	(void)port;
	if (mid_reservation < 0)
		mid_reservation = cur_reservation();
}

static void test_preempt(void)
{
	evtchn_port_t port = timer_port();
	long done;
	unsigned int i;

	if (!check(port != 0, "no VIRQ_TIMER port"))
		return;
	for (i = 0; i < BIG; i++) {
		big_pfns[i] = frame_alloc();
		big_list[i] = pfn_to_mfn(big_pfns[i]);
	}
	check_rc(give_back(big_list, BIG), BIG);
	check_eq(cur_reservation(), cur0 - BIG);

	memcpy(big_list, big_pfns, sizeof(big_list));
	mid_reservation = -1;
	evtchn_set_handler(port, on_timer);
	events_unmask();
	check_rc(hv_set_timer_op(now_ns() + 20000), 0);
	done = populate(big_list, BIG);
	events_mask();
	evtchn_set_handler(port, NULL);
	check_eq(done, BIG);
	check_eq(cur_reservation(), cur0);
	check(mid_reservation > cur0 - BIG && mid_reservation < cur0,
	      "the timer event came at reservation %ld, not during the call "
	      "(%ld -> %ld)", mid_reservation, cur0 - BIG, cur0);
	for (i = 0; i < BIG; i++)
		p2m_set(big_pfns[i], big_list[i]);
	check_new_frame(big_list[0], big_pfns[0]);
	check_new_frame(big_list[BIG - 1], big_pfns[BIG - 1]);
}

static const struct test_case cases[] = {
	{ "decrease", test_decrease },
	{ "populate", test_populate },
	{ "increase", test_increase },
	{ "max_pages", test_max_pages },
	{ "hostile", test_hostile },
	{ "preempt", test_preempt },
};

DEFINE_SUITE("balloon", cases, .init = balloon_init);
