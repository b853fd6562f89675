/*
 * Host test for device interrupts and their delivery to dom0
 * (hypervisor/arch/x86/irq.c) and for physdev_op (physdev.c), with
 * acpi.c for the ISA routing. The hypervisor files are compiled
 * unchanged; this program stands in for the hardware: an IO-APIC of 24
 * pins that records each pin's vector, mode and mask, the local APIC's
 * EOI, PCI devices with MSI and MSI-X, event channels (the raised
 * ports are recorded) and a small "machine memory" holding the guest's
 * pirq_eoi page.
 *
 * Checked: the vector allocator (range, uniqueness, exhaustion, reuse
 * order, bad frees); which GSIs are the hypervisor's; the hypervisor's
 * own ISA interrupt; map/bind/EOI/unbind/unmap of GSIs, MSIs and MSI-X
 * entries and every error on the way; the level flow (masked until EOI)
 * and the edge flow; setup_gsi; irq_status_query; the pirq_eoi bitmap;
 * get_free_pirq; restore_msi; release of a domain's PIRQs; stale and
 * unknown vectors; physdev_op argument checks and privilege.
 *
 * Build (from the top of the tree):
 *   gcc -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
 *       -include tests/unit/shim/host_compiler.h \
 *       -I tests/unit/shim/irq -I tests/unit/shim -I hypervisor/include \
 *       -I hypervisor/arch/x86/include \
 *       tests/unit/test_irq.c tests/unit/shim/fake_services.c \
 *       hypervisor/arch/x86/irq.c hypervisor/arch/x86/physdev.c \
 *       hypervisor/arch/x86/acpi.c -o test_irq
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tandem/bootinfo.h>
#include <tandem/domain.h>
#include <tandem/errno.h>
#include <tandem/event.h>
#include <tandem/hypercall.h>
#include <tandem/lib.h>
#include <tandem/mm.h>
#include <asm/acpi.h>
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/io_apic.h>
#include <asm/irq.h>
#include <asm/msi.h>
#include <asm/pagetable.h>
#include <asm/paging.h>
#include <asm/pv.h>
#include <public/physdev.h>

#include "check.h"
#include "shim/fake_services.h"

/* ---- what acpi.c's machine side needs (never called here) ---- */

struct boot_info boot_info;
struct cpu_features boot_cpu;

void *ioremap(paddr_t pa, size_t size)
{
	panic("ioremap in a host test");
}

void log_unimplemented(const char *hypercall, long subop)
{
	printk("unimplemented %s %ld\n", hypercall, subop);
}

/* ---- the IO-APIC: 24 pins ---- */

#define NR_PINS		24
#define IOAPIC_BASE	0xfec00000ULL

static struct {
	unsigned int vector;
	uint8_t mode;
	bool masked;
	unsigned int routes;
} pin[NR_PINS];

static void reset_pins(void)
{
	for (unsigned int i = 0; i < NR_PINS; i++)
		pin[i] = (typeof(pin[0])){ .masked = true };
}

unsigned int io_apic_nr_gsis(void)
{
	return NR_PINS;
}

bool io_apic_gsi_valid(unsigned int gsi)
{
	return gsi < NR_PINS;
}

int io_apic_route(unsigned int gsi, unsigned int vector, uint8_t mode)
{
	if (gsi >= NR_PINS)
		return -EINVAL;
	pin[gsi].vector = vector;
	pin[gsi].mode = mode;
	pin[gsi].masked = true;
	pin[gsi].routes++;
	return 0;
}

void io_apic_mask(unsigned int gsi)
{
	if (check(gsi < NR_PINS, "mask of GSI %u", gsi))
		pin[gsi].masked = true;
}

void io_apic_unmask(unsigned int gsi)
{
	if (check(gsi < NR_PINS, "unmask of GSI %u", gsi))
		pin[gsi].masked = false;
}

int io_apic_guest_read(uint64_t physbase, uint32_t reg, uint32_t *val)
{
	if (physbase != IOAPIC_BASE || reg > 0x3f)
		return -EINVAL;
	*val = reg == 1 ? 0x00170020 : 0;
	return 0;
}

int io_apic_guest_write(uint64_t physbase, uint32_t reg, uint32_t val)
{
	return physbase != IOAPIC_BASE ? -EINVAL : reg <= 2 ? 0 : -EPERM;
}

/* ---- the local APIC and event channels ---- */

static unsigned int nr_eois;

void apic_eoi(void)
{
	nr_eois++;
}

static struct domain *last_raised_dom;
static evtchn_port_t last_raised_port;
static unsigned int nr_raised;

void evtchn_set_pending(struct domain *d, evtchn_port_t port)
{
	last_raised_dom = d;
	last_raised_port = port;
	nr_raised++;
}

/*
 * ---- PCI devices: 00:1f.2 has MSI with mask bits and a 4-entry MSI-X
 * table, 00:04.0 MSI without mask bits, 00:03.0 neither.
 */
#define MSI_DEV		0xfa	/* devfn of 00:1f.2 */
#define MSI_NOMASK_DEV	0x20	/* 00:04.0 */
#define NO_MSI_DEV	0x18	/* 00:03.0 */
#define MSIX_ENTRIES	4

struct fake_vector {
	bool present;
	unsigned int vector;
	bool masked;
	bool enabled;
	unsigned int programs;
};
static struct fake_vector msidev[256];
static struct fake_vector msix[256][MSIX_ENTRIES];

static struct fake_vector *fake_of(const struct msi_desc *m)
{
	return m->msix ? &msix[m->devfn][m->entry] : &msidev[m->devfn];
}

int msi_probe(uint8_t bus, uint8_t devfn, int msix_entry,
	      struct msi_desc *m)
{
	if (bus != 0 || (devfn != MSI_DEV && devfn != MSI_NOMASK_DEV))
		return -ENODEV;
	if (msix_entry >= 0) {
		if (devfn != MSI_DEV)
			return -ENODEV;
		if (msix_entry >= MSIX_ENTRIES)
			return -EINVAL;
		*m = (struct msi_desc){ .bus = bus, .devfn = devfn,
					.pos = 0x90, .msix = true,
					.entry = msix_entry };
		return 0;
	}
	*m = (struct msi_desc){ .bus = bus, .devfn = devfn, .pos = 0x80,
				.is64 = true, .maskbit = devfn == MSI_DEV };
	return 0;
}

void msi_program(const struct msi_desc *m, unsigned int vector)
{
	struct fake_vector *f = fake_of(m);

	f->vector = vector;
	f->masked = m->maskbit || m->msix;
	f->enabled = false;
	f->programs++;
}

void msi_set_mask(const struct msi_desc *m, bool masked)
{
	if (m->maskbit || m->msix)
		fake_of(m)->masked = masked;
}

void msi_disable(const struct msi_desc *m)
{
	msi_set_mask(m, true);
	fake_of(m)->enabled = false;
	fake_of(m)->vector = 0;
}

/* ---- machine memory: frames 0-15, frame 5 is dom0's, 6 another's ---- */

unsigned char *irq_test_ram;
static struct page_info frames[IRQ_TEST_NR_FRAMES];
struct page_info *frame_table = frames;
mfn_t max_page = IRQ_TEST_NR_FRAMES;

#define DOM0_FRAME	5
#define OTHER_FRAME	6
#define HOLE_FRAME	9	/* not RAM */

static int type_refs[IRQ_TEST_NR_FRAMES];

int get_page_and_type(struct page_info *pg, struct domain *d, uint64_t type)
{
	if (pg->owner != d || type != PGT_writable_page)
		return -EPERM;
	type_refs[pg - frames]++;
	return 0;
}

void put_page_and_type(struct page_info *pg)
{
	type_refs[pg - frames]--;
}

static uint64_t *eoi_page(void)
{
	return (uint64_t *)(irq_test_ram + DOM0_FRAME * PAGE_SIZE);
}

static bool eoi_bit(unsigned int pirq)
{
	return eoi_page()[pirq / 64] & (1ULL << (pirq % 64));
}

/* ---- domains ---- */

static struct fake_dom dom0, dom1;

static long physdev(int cmd, void *arg)
{
	return do_physdev_op(cmd, (uint64_t)(uintptr_t)arg);
}

static void setup_machine(void)
{
	irq_test_ram = aligned_alloc(PAGE_SIZE,
				     IRQ_TEST_NR_FRAMES * PAGE_SIZE);
	memset(irq_test_ram, 0, IRQ_TEST_NR_FRAMES * PAGE_SIZE);
	for (unsigned int i = 0; i < IRQ_TEST_NR_FRAMES; i++)
		frames[i].count_info = i == HOLE_FRAME ? PGC_state_io :
				       PGC_state_inuse | PGC_allocated | 1;
	fake_dom_init(&dom0, 0, true, 1);
	fake_dom_init(&dom1, 1, false, 1);
	frames[DOM0_FRAME].owner = &dom0.d;
	frames[OTHER_FRAME].owner = &dom1.d;

	/* QEMU pc: IRQ0 -> GSI 2, IRQ9 level high. */
	for (unsigned int i = 0; i < ACPI_NR_ISA_IRQS; i++)
		acpi_info.isa[i] = (struct acpi_isa_irq){ .gsi = i };
	acpi_info.isa[0] = (struct acpi_isa_irq){ .gsi = 2,
						  .overridden = true };
	acpi_info.isa[9] = (struct acpi_isa_irq){ .gsi = 9,
						  .mode = ACPI_IRQ_LEVEL,
						  .overridden = true };
	reset_pins();
	irq_init();
}

/* ---- Checks ---- */

static void test_vectors(void)
{
	static bool seen[256];
	unsigned int f0 = check_failures(), n = 0;
	int v, first;

	/* irq_init() took none; every device vector once, in range. */
	for (;;) {
		v = vector_alloc();
		if (v < 0)
			break;
		check(v >= FIRST_DEVICE_VECTOR && v <= LAST_DEVICE_VECTOR &&
		      !seen[v], "vector %#x in range and new", v);
		seen[v] = true;
		n++;
	}
	CHECK_EQ(n, NR_DEVICE_VECTORS, "all %u device vectors handed out",
		 NR_DEVICE_VECTORS);
	CHECK_EQ(v, -ENOSPC, "then -ENOSPC");
	vector_free(0x40);
	vector_free(0x41);
	CHECK_EQ(vector_alloc(), 0x40, "a freed vector comes back");
	CHECK_EQ(vector_alloc(), 0x41, "in order");
	CHECK_EQ(vector_alloc(), -ENOSPC, "full again");
	for (v = FIRST_DEVICE_VECTOR; v <= LAST_DEVICE_VECTOR; v++)
		vector_free(v);
	first = vector_alloc();
	vector_free(first);
	v = vector_alloc();
	CHECK(v != first, "the vector just freed is not the next one out");
	vector_free(v);
	n = fake_nr_warnings;
	vector_free(0x30);
	vector_free(0xf0);
	vector_free(0x10);
	CHECK(fake_nr_warnings == (int)n + 3,
	      "double free, timer vector, exception vector: logged, ignored");
	check_section(f0, "vector allocator");
}

static unsigned int nr_hv_calls;

static void hv_handler(void)
{
	nr_hv_calls++;
}

static void test_hypervisor_irqs(void)
{
	int pirq = -1;
	evtchn_port_t port = 7;
	unsigned int eois;

	CHECK_EQ(request_isa_irq(1, hv_handler), -ENODEV,
		 "ISA IRQ 1 is not reserved for the hypervisor");
	CHECK_EQ(request_isa_irq(16, hv_handler), -ENODEV, "no ISA IRQ 16");
	CHECK_EQ(request_isa_irq(4, hv_handler), 0, "COM1's IRQ 4");
	CHECK(pin[4].vector >= FIRST_DEVICE_VECTOR && !pin[4].masked &&
	      pin[4].mode == 0, "routed edge/high, unmasked");
	CHECK_EQ(request_isa_irq(4, hv_handler), -EBUSY, "only once");
	eois = nr_eois;
	do_device_interrupt(pin[4].vector);
	CHECK(nr_hv_calls == 1 && nr_eois == eois + 1 && nr_raised == 0,
	      "the interrupt runs the handler and is acknowledged");

	/* dom0 may name them, never get them. */
	test_current = &dom0.v[0];
	CHECK_EQ(pirq_map_gsi(&dom0.d, 4, &pirq), 0, "dom0 maps GSI 4");
	CHECK_EQ(pirq_bind(&dom0.d, 4, port), -EBUSY, "but cannot bind it");
	CHECK_EQ(gsi_setup(4, true, true), -EEXIST,
		 "nor set it up (as Xen: already set up)");
	CHECK_EQ(pirq_map_gsi(&dom0.d, 2, &(int){ -1 }), 0, "maps GSI 2");
	CHECK_EQ(pirq_bind(&dom0.d, 2, port), -EBUSY, "the PIT's: no bind");
	CHECK(pin[2].masked && pin[2].routes == 0, "GSI 2 never routed");
	CHECK_EQ(pirq_unmap(&dom0.d, 4), 0, "unmap 4");
	CHECK_EQ(pirq_unmap(&dom0.d, 2), 0, "unmap 2");
	CHECK(!pin[4].masked, "COM1's line stays ours and open");
}

static void test_gsi_map(void)
{
	int pirq;

	pirq = -1;
	CHECK_EQ(pirq_map_gsi(&dom0.d, 11, &pirq), 0, "map GSI 11");
	CHECK_EQ(pirq, 11, "PIRQ 11 (= GSI)");
	pirq = 11;
	CHECK_EQ(pirq_map_gsi(&dom0.d, 11, &pirq), 0, "again: same answer");
	pirq = 12;
	CHECK_EQ(pirq_map_gsi(&dom0.d, 11, &pirq), -EINVAL,
		 "another PIRQ for a GSI -> EINVAL");
	pirq = -2;
	CHECK_EQ(pirq_map_gsi(&dom0.d, 11, &pirq), -EINVAL, "PIRQ -2");
	pirq = -1;
	CHECK_EQ(pirq_map_gsi(&dom0.d, 24, &pirq), -EINVAL, "GSI 24: none");
	CHECK_EQ(pirq_map_gsi(&dom0.d, -1, &pirq), -EINVAL, "GSI -1");
	CHECK_EQ(pirq_map_gsi(&dom0.d, 0x7fffffff, &pirq), -EINVAL,
		 "GSI 2^31-1");
	pirq = -1;
	CHECK_EQ(pirq_map_gsi(&dom1.d, 11, &pirq), -EBUSY,
		 "another domain cannot take dom0's GSI");
	CHECK(pin[11].masked && pin[11].routes == 0,
	      "mapping alone routes nothing");
}

static void test_level_flow(void)
{
	uint32_t flags;
	unsigned int eois, vec;
	evtchn_port_t port = 33;

	CHECK_EQ(gsi_setup(11, true, true), 0, "setup_gsi 11 level/low");
	CHECK_EQ(gsi_setup(11, false, false), -EEXIST, "second -> EEXIST");
	CHECK_EQ(gsi_setup(24, true, true), -EINVAL, "GSI 24");
	CHECK_EQ(gsi_setup(-5, true, true), -EINVAL, "GSI -5");

	CHECK_EQ(pirq_status(&dom0.d, 11, &flags), 0, "status");
	CHECK_EQ(flags, XENIRQSTAT_needs_eoi, "a level line needs EOI");
	CHECK_EQ(pirq_bind(&dom0.d, 11, port), 0, "bind PIRQ 11");
	vec = pin[11].vector;
	CHECK(vec >= FIRST_DEVICE_VECTOR && vec <= LAST_DEVICE_VECTOR &&
	      pin[11].mode == (ACPI_IRQ_LEVEL | ACPI_IRQ_ACTIVE_LOW) &&
	      !pin[11].masked, "routed level/low on a device vector, open");
	CHECK_EQ(pirq_bind(&dom0.d, 11, port + 1), -EEXIST, "bound twice");
	CHECK_EQ(gsi_setup(11, false, false), -EEXIST,
		 "no setup_gsi while bound");

	eois = nr_eois;
	do_device_interrupt(vec);
	CHECK(pin[11].masked && nr_eois == eois + 1 && nr_raised == 1 &&
	      last_raised_dom == &dom0.d && last_raised_port == port,
	      "interrupt: line masked, APIC acknowledged, port raised");
	do_device_interrupt(vec);
	CHECK(pin[11].masked && nr_raised == 2,
	      "one more on its way: still masked, raised again");
	CHECK_EQ(pirq_eoi(&dom0.d, 11), 0, "guest EOI");
	CHECK(!pin[11].masked, "line open again");
	CHECK_EQ(pirq_eoi(&dom0.d, 11), 0, "EOI with nothing in flight");
	CHECK(!pin[11].masked, "still open");
	CHECK_EQ(pirq_eoi(&dom0.d, 12), -EINVAL, "EOI of an unmapped PIRQ");
	CHECK_EQ(pirq_eoi(&dom0.d, NR_PIRQS), -EINVAL, "EOI of PIRQ 256");
	CHECK_EQ(pirq_eoi(&dom0.d, 0xffffffff), -EINVAL, "EOI of PIRQ ~0");
	CHECK_EQ(pirq_eoi(&dom1.d, 11), -EINVAL, "EOI from another domain");

	/* Unbind: only by the port bound; the vector goes. */
	pirq_unbind(&dom0.d, 11, port + 5);
	CHECK(!pin[11].masked, "unbind with the wrong port does nothing");
	do_device_interrupt(vec);
	pirq_unbind(&dom0.d, 11, port);
	CHECK(pin[11].masked, "unbind masks the line");
	eois = nr_eois;
	do_device_interrupt(vec);
	CHECK(nr_eois == eois + 1 && nr_raised == 3,
	      "a late interrupt on the old vector is acknowledged, dropped");
	CHECK_EQ(pirq_eoi(&dom0.d, 11), 0, "EOI after unbind");
	CHECK(pin[11].masked, "does not open an unbound line");
	CHECK_EQ(pirq_bind(&dom0.d, 11, port), 0, "bind again");
	CHECK(!pin[11].masked, "open");
	pirq_unbind(&dom0.d, 11, port);
}

static void test_edge_flow(void)
{
	uint32_t flags;
	int pirq = -1;
	evtchn_port_t port = 40;
	unsigned int raised = nr_raised;

	CHECK_EQ(pirq_map_gsi(&dom0.d, 1, &pirq), 0, "map GSI 1");
	CHECK_EQ(pirq_status(&dom0.d, 1, &flags), 0, "status");
	CHECK_EQ(flags, 0, "an edge line needs no EOI");
	CHECK_EQ(pirq_bind(&dom0.d, 1, port), 0, "bind");
	CHECK(pin[1].mode == 0 && !pin[1].masked, "edge/high, open");
	do_device_interrupt(pin[1].vector);
	do_device_interrupt(pin[1].vector);
	CHECK(!pin[1].masked && nr_raised == raised + 2 &&
	      last_raised_port == port, "edges: never masked, each raised");

	/* The ACPI SCI: GSI 9, level from the MADT override. */
	pirq = -1;
	CHECK_EQ(pirq_map_gsi(&dom0.d, 9, &pirq), 0, "map GSI 9");
	CHECK_EQ(pirq_status(&dom0.d, 9, &flags), 0, "status");
	CHECK_EQ(flags, XENIRQSTAT_needs_eoi, "level (MADT) before setup_gsi");
	CHECK_EQ(pirq_bind(&dom0.d, 9, port + 1), 0, "bind");
	CHECK(pin[9].mode == ACPI_IRQ_LEVEL, "level, active high");
	CHECK_EQ(pirq_status(&dom0.d, 200, &flags), 0, "unmapped PIRQ");
	CHECK_EQ(flags, 0, "needs nothing");
	CHECK_EQ(pirq_status(&dom0.d, NR_PIRQS, &flags), -EINVAL,
		 "PIRQ out of range");
}

static void test_eoi_map(void)
{
	evtchn_port_t port = 50;

	CHECK_EQ(pirq_set_eoi_map(&dom0.d, HOLE_FRAME), -EINVAL,
		 "eoi page: not RAM");
	CHECK_EQ(pirq_set_eoi_map(&dom0.d, OTHER_FRAME), -EINVAL,
		 "eoi page: another domain's frame");
	CHECK_EQ(pirq_set_eoi_map(&dom0.d, 1000), -EINVAL,
		 "eoi page: beyond memory");
	eoi_page()[0] = ~0ULL;
	CHECK_EQ(pirq_set_eoi_map(&dom0.d, DOM0_FRAME), 0, "eoi page");
	CHECK(type_refs[DOM0_FRAME] == 1, "held as a writable page");
	CHECK(eoi_bit(9) && !eoi_bit(1),
	      "bound PIRQs: level 9 needs EOI, edge 1 does not");
	CHECK_EQ(pirq_set_eoi_map(&dom0.d, DOM0_FRAME), -EBUSY, "only once");
	CHECK_EQ(pirq_bind(&dom0.d, 11, port), 0, "bind 11");
	CHECK(eoi_bit(11), "bit 11 set at bind");
	pirq_unbind(&dom0.d, 11, port);
}

static void test_msi(void)
{
	struct msi_request req = { .bus = 0, .devfn = MSI_DEV };
	unsigned int vec, raised;
	int pirq = -1, pirq2;
	uint32_t flags;
	evtchn_port_t port = 60;

	CHECK_EQ(pirq_map_msi(&dom0.d, &req, &pirq), 0, "map MSI of 00:1f.2");
	CHECK(pirq == NR_PIRQS - 1, "PIRQs for MSIs from the top (%d)", pirq);
	vec = msidev[MSI_DEV].vector;
	CHECK(vec >= FIRST_DEVICE_VECTOR && vec <= LAST_DEVICE_VECTOR &&
	      msidev[MSI_DEV].masked, "message written, vector masked");
	pirq2 = -1;
	CHECK_EQ(pirq_map_msi(&dom0.d, &req, &pirq2), -EEXIST,
		 "one MSI per device");
	req.devfn = NO_MSI_DEV;
	CHECK_EQ(pirq_map_msi(&dom0.d, &req, &pirq2), -ENODEV,
		 "no MSI capability");
	req.devfn = MSI_NOMASK_DEV;
	req.seg = 1;
	CHECK_EQ(pirq_map_msi(&dom0.d, &req, &pirq2), -EOPNOTSUPP,
		 "segment 1");
	req.seg = 0;
	pirq2 = 5;
	CHECK_EQ(pirq_map_msi(&dom0.d, &req, &pirq2), -EINVAL,
		 "an MSI may not take a GSI's PIRQ");
	pirq2 = NR_PIRQS - 1;
	CHECK_EQ(pirq_map_msi(&dom0.d, &req, &pirq2), -EINVAL,
		 "nor one in use");
	pirq2 = 100;
	CHECK_EQ(pirq_map_msi(&dom0.d, &req, &pirq2), 0, "PIRQ 100 asked for");
	CHECK_EQ(pirq2, 100, "and given");

	CHECK_EQ(pirq_status(&dom0.d, pirq, &flags), 0, "status");
	CHECK_EQ(flags, 0, "MSI: no EOI");
	CHECK_EQ(pirq_bind(&dom0.d, pirq, port), 0, "bind the MSI");
	CHECK(!msidev[MSI_DEV].masked && !eoi_bit(pirq), "unmasked, no EOI");
	raised = nr_raised;
	do_device_interrupt(vec);
	CHECK(nr_raised == raised + 1 && last_raised_port == port &&
	      !msidev[MSI_DEV].masked, "an MSI raises its port");

	msidev[MSI_DEV].vector = 0;
	CHECK_EQ(pirq_restore_msi(&dom0.d, 0, 0, MSI_DEV), 0, "restore_msi");
	CHECK(msidev[MSI_DEV].vector == vec && !msidev[MSI_DEV].masked,
	      "message and mask state back");
	CHECK_EQ(pirq_restore_msi(&dom0.d, 0, 0, NO_MSI_DEV), 0,
		 "restore of a device without our MSI: nothing to do");

	CHECK_EQ(pirq_unmap(&dom0.d, pirq), -EBUSY, "unmap while bound");
	pirq_unbind(&dom0.d, pirq, port);
	CHECK(msidev[MSI_DEV].masked, "unbind masks it");
	CHECK_EQ(pirq_unmap(&dom0.d, pirq), 0, "unmap");
	CHECK(msidev[MSI_DEV].vector == 0 && !msidev[MSI_DEV].enabled,
	      "MSI turned off in the device");
	raised = nr_raised;
	do_device_interrupt(vec);
	CHECK(nr_raised == raised, "its old vector raises nothing");
	CHECK_EQ(pirq_unmap(&dom0.d, pirq), -EINVAL, "unmap twice");
	CHECK_EQ(pirq_unmap(&dom0.d, -1), -EINVAL, "unmap PIRQ -1");
	CHECK_EQ(pirq_unmap(&dom0.d, 100), 0, "unmap PIRQ 100");
}

static void test_msix(void)
{
	struct msi_request req = { .devfn = MSI_DEV, .table_base = 0xfebf0000 };
	int p0 = -1, p1 = -1, p2 = -1, pm = -1;
	unsigned int raised;

	req.entry_nr = 0;
	CHECK_EQ(pirq_map_msi(&dom0.d, &req, &p0), 0, "MSI-X entry 0");
	req.entry_nr = 1;
	CHECK_EQ(pirq_map_msi(&dom0.d, &req, &p1), 0, "MSI-X entry 1");
	CHECK(p0 != p1 && msix[MSI_DEV][0].vector &&
	      msix[MSI_DEV][1].vector &&
	      msix[MSI_DEV][0].vector != msix[MSI_DEV][1].vector &&
	      msix[MSI_DEV][0].masked && msix[MSI_DEV][1].masked,
	      "a PIRQ and a vector each, masked until bound");
	CHECK_EQ(pirq_map_msi(&dom0.d, &req, &p2), -EEXIST, "entry 1 again");
	req.entry_nr = MSIX_ENTRIES;
	CHECK_EQ(pirq_map_msi(&dom0.d, &req, &p2), -EINVAL,
		 "entry beyond the table");
	req.entry_nr = -1;
	CHECK_EQ(pirq_map_msi(&dom0.d, &req, &p2), -EINVAL, "entry -1");
	req.devfn = MSI_NOMASK_DEV;
	req.entry_nr = 0;
	CHECK_EQ(pirq_map_msi(&dom0.d, &req, &p2), -ENODEV,
		 "a device without MSI-X");
	CHECK_EQ(pirq_map_msi(&dom0.d,
			      &(struct msi_request){ .devfn = MSI_DEV },
			      &pm), 0, "MSI beside MSI-X: separate sources");

	CHECK_EQ(pirq_bind(&dom0.d, p1, 90), 0, "bind entry 1");
	CHECK(!msix[MSI_DEV][1].masked && msix[MSI_DEV][0].masked,
	      "entry 1 unmasked, entry 0 not");
	raised = nr_raised;
	do_device_interrupt(msix[MSI_DEV][1].vector);
	do_device_interrupt(msix[MSI_DEV][0].vector);
	CHECK(nr_raised == raised + 1 && last_raised_port == 90,
	      "only the bound entry raises its port");
	pirq_unbind(&dom0.d, p1, 90);
	CHECK(msix[MSI_DEV][1].masked, "unbind masks the entry");
	CHECK_EQ(pirq_unmap(&dom0.d, p0), 0, "unmap entry 0");
	CHECK_EQ(pirq_unmap(&dom0.d, p1), 0, "unmap entry 1");
	CHECK_EQ(pirq_unmap(&dom0.d, pm), 0, "unmap the MSI");
	CHECK(!msix[MSI_DEV][0].vector && !msix[MSI_DEV][1].vector,
	      "entries masked and cleared");
}

static void test_get_free_pirq(void)
{
	uint32_t p1, p2;

	CHECK_EQ(pirq_get_free(&dom0.d, MAP_PIRQ_TYPE_GSI, &p1), 0, "GSI");
	CHECK_EQ(p1, 16, "GSI PIRQs from 16");
	CHECK_EQ(pirq_get_free(&dom0.d, MAP_PIRQ_TYPE_GSI, &p2), 0, "again");
	CHECK_EQ(p2, 17, "reserved ones are not handed out twice");
	CHECK_EQ(pirq_get_free(&dom0.d, MAP_PIRQ_TYPE_MSI, &p1), 0, "MSI");
	CHECK_EQ(p1, NR_PIRQS - 1, "MSI PIRQs from the top");
	CHECK_EQ(pirq_bind(&dom0.d, p1, 70), -EPERM,
		 "a reserved PIRQ is not mapped: no bind");
	CHECK_EQ(pirq_get_free(&dom0.d, 12345, &p2), 0, "unknown type");
	CHECK_EQ(p2, NR_PIRQS - 2, "treated as MSI");
}

static void test_physdev(void)
{
	struct physdev_map_pirq map;
	struct physdev_setup_gsi sg;
	struct physdev_irq_status_query q;
	struct physdev_apic ap;
	struct physdev_irq iv;
	struct physdev_eoi eoi;
	struct physdev_set_iopl iopl = { .iopl = 1 };
	struct physdev_pci_device_add add = { .bus = 0, .devfn = 0x18 };
	struct physdev_pci_mmcfg_reserved mc = { .address = 0xb0000000 };
	struct physdev_pci_device pd = { .devfn = MSI_DEV };

	/* domU: set_iopl only. */
	test_current = &dom1.v[0];
	CHECK_EQ(physdev(PHYSDEVOP_set_iopl, &iopl), 0, "domU set_iopl");
	map = (struct physdev_map_pirq){ .domid = DOMID_SELF,
		.type = MAP_PIRQ_TYPE_GSI, .index = 5, .pirq = -1 };
	CHECK_EQ(physdev(PHYSDEVOP_map_pirq, &map), -EPERM, "domU map_pirq");
	CHECK_EQ(physdev(PHYSDEVOP_eoi, &eoi), -EPERM, "domU eoi");
	CHECK_EQ(physdev(PHYSDEVOP_irq_status_query, &q), -EPERM,
		 "domU irq_status_query");
	CHECK_EQ(physdev(PHYSDEVOP_apic_read, &ap), -EPERM, "domU apic_read");
	CHECK_EQ(physdev(PHYSDEVOP_pci_device_add, &add), -EPERM,
		 "domU pci_device_add");
	CHECK_EQ(physdev(999, &add), -EPERM, "domU unknown op");

	test_current = &dom0.v[0];
	CHECK_EQ(physdev(PHYSDEVOP_map_pirq, &map), 0, "dom0 maps GSI 5");
	CHECK_EQ(map.pirq, 5, "PIRQ 5 written back");
	map.domid = 1;
	CHECK_EQ(physdev(PHYSDEVOP_map_pirq, &map), -EPERM,
		 "mapping for another domain");
	map.domid = 0;
	map.type = 7;
	CHECK_EQ(physdev(PHYSDEVOP_map_pirq, &map), -EINVAL, "unknown type");
	map = (struct physdev_map_pirq){ .domid = DOMID_SELF,
		.type = MAP_PIRQ_TYPE_MSI, .bus = 0x100, .devfn = MSI_DEV,
		.index = -1, .pirq = -1 };
	CHECK_EQ(physdev(PHYSDEVOP_map_pirq, &map), -EINVAL, "MSI bus 256");
	map.type = MAP_PIRQ_TYPE_MSI_SEG;
	map.bus = 0x10000;
	CHECK_EQ(physdev(PHYSDEVOP_map_pirq, &map), -EOPNOTSUPP,
		 "MSI_SEG segment 1");
	map.bus = 0;
	map.devfn = 0x100;
	CHECK_EQ(physdev(PHYSDEVOP_map_pirq, &map), -EINVAL, "devfn 256");
	map.devfn = MSI_DEV;
	CHECK_EQ(physdev(PHYSDEVOP_map_pirq, &map), 0, "MSI_SEG map");
	CHECK(map.pirq == NR_PIRQS - 3, "PIRQ written back (%d)", map.pirq);
	map.type = MAP_PIRQ_TYPE_MULTI_MSI;
	map.entry_nr = 4;
	CHECK_EQ(physdev(PHYSDEVOP_map_pirq, &map), -EOPNOTSUPP,
		 "multi-vector MSI");
	CHECK_EQ(physdev(PHYSDEVOP_map_pirq, (void *)FAKE_BAD_GUEST_VA),
		 -EFAULT, "bad pointer");
	CHECK_EQ(physdev(PHYSDEVOP_unmap_pirq,
			 &(struct physdev_unmap_pirq){ .domid = DOMID_SELF,
						       .pirq = map.pirq }),
		 0, "unmap it");
	CHECK_EQ(physdev(PHYSDEVOP_unmap_pirq,
			 &(struct physdev_unmap_pirq){ .domid = 1,
						       .pirq = 5 }),
		 -EPERM, "unmap for another domain");

	sg = (struct physdev_setup_gsi){ .gsi = 5, .triggering = 2 };
	CHECK_EQ(physdev(PHYSDEVOP_setup_gsi, &sg), -EINVAL, "triggering 2");
	sg = (struct physdev_setup_gsi){ .gsi = 5, .polarity = 9 };
	CHECK_EQ(physdev(PHYSDEVOP_setup_gsi, &sg), -EINVAL, "polarity 9");
	sg = (struct physdev_setup_gsi){ .gsi = 5, .triggering = 1 };
	CHECK_EQ(physdev(PHYSDEVOP_setup_gsi, &sg), 0, "setup_gsi 5 level");

	q = (struct physdev_irq_status_query){ .irq = 5 };
	CHECK_EQ(physdev(PHYSDEVOP_irq_status_query, &q), 0, "status 5");
	CHECK_EQ(q.flags, XENIRQSTAT_needs_eoi, "level: needs EOI");
	eoi.irq = 5;
	CHECK_EQ(physdev(PHYSDEVOP_eoi, &eoi), 0, "EOI 5");

	ap = (struct physdev_apic){ .apic_physbase = IOAPIC_BASE, .reg = 1 };
	CHECK_EQ(physdev(PHYSDEVOP_apic_read, &ap), 0, "apic_read");
	CHECK_EQ(ap.value, 0x00170020, "version register value");
	ap.apic_physbase = 0xfee00000;
	CHECK_EQ(physdev(PHYSDEVOP_apic_read, &ap), -EINVAL,
		 "apic_read of something else");
	ap = (struct physdev_apic){ .apic_physbase = IOAPIC_BASE,
				    .reg = 0x10, .value = 0x30 };
	CHECK_EQ(physdev(PHYSDEVOP_apic_write, &ap), -EPERM,
		 "redirection entry writes refused");

	iv = (struct physdev_irq){ .irq = 12 };
	CHECK_EQ(physdev(PHYSDEVOP_alloc_irq_vector, &iv), 0,
		 "alloc_irq_vector");
	CHECK_EQ(iv.vector, 12, "the IRQ back as the cookie");

	CHECK_EQ(physdev(PHYSDEVOP_pci_device_add, &add), 0,
		 "pci_device_add accepted");
	CHECK_EQ(physdev(PHYSDEVOP_manage_pci_add_ext,
			 &(struct physdev_manage_pci_ext){ .is_extfn = 2 }),
		 -EINVAL, "manage_pci_add_ext with is_extfn 2");
	CHECK_EQ(physdev(PHYSDEVOP_pci_mmcfg_reserved, &mc), 0,
		 "pci_mmcfg_reserved accepted");
	CHECK_EQ(physdev(PHYSDEVOP_restore_msi_ext, &pd), 0,
		 "restore_msi_ext");
	CHECK_EQ(physdev(PHYSDEVOP_prepare_msix, &pd), -ENOSYS,
		 "prepare_msix -> ENOSYS");
	CHECK_EQ(physdev(PHYSDEVOP_dbgp_op, &pd), -ENOSYS, "dbgp_op");
	CHECK_EQ(physdev(PHYSDEVOP_pirq_eoi_gmfn_v1, &pd), -ENOSYS,
		 "pirq_eoi_gmfn_v1 (v2 only)");
	CHECK_EQ(physdev(12345, &pd), -ENOSYS, "unknown op");
}

static void test_release(void)
{
	int pirq = -1;
	unsigned int raised;

	CHECK_EQ(pirq_bind(&dom0.d, 11, 80), 0, "bind 11");
	do_device_interrupt(pin[11].vector);
	CHECK(pin[11].masked, "in flight");
	CHECK_EQ(pirq_map_msi(&dom0.d,
			      &(struct msi_request){ .devfn = MSI_DEV },
			      &pirq), 0, "an MSI");
	CHECK_EQ(pirq_bind(&dom0.d, pirq, 81), 0, "bound");

	pirq_release_domain(&dom0.d);
	CHECK(dom0.d.arch.irqs == NULL, "the PIRQ table is gone");
	CHECK(type_refs[DOM0_FRAME] == 0, "the eoi page is let go");
	for (unsigned int g = 0; g < NR_PINS; g++)
		if (g != 4)
			check(pin[g].masked, "GSI %u masked", g);
	CHECK(!pin[4].masked, "COM1 still ours and open");
	CHECK(msidev[MSI_DEV].masked && !msidev[MSI_DEV].vector,
	      "the MSI is off");
	raised = nr_raised;
	for (unsigned int v = FIRST_DEVICE_VECTOR; v <= LAST_DEVICE_VECTOR;
	     v++)
		if (v != pin[4].vector)
			do_device_interrupt(v);
	CHECK(nr_raised == raised, "no vector raises anything now");
	CHECK_EQ(pirq_eoi(&dom0.d, 11), -EINVAL, "PIRQs are gone");
	pirq = -1;
	CHECK_EQ(pirq_map_gsi(&dom1.d, 11, &pirq), 0,
		 "the GSI can be mapped afresh");
	CHECK_EQ(gsi_setup(11, false, false), 0,
		 "and set up afresh (dom0's setup was dropped)");
	pirq_release_domain(&dom1.d);
	pirq_release_domain(&dom1.d);
	CHECK(fake_live_allocs == 0, "nothing leaked");
	do_device_interrupt(0);
	do_device_interrupt(255);
	do_device_interrupt(1000);
	CHECK(nr_raised == raised, "hostile vector numbers: nothing");
}

int main(void)
{
	setup_machine();
	test_vectors();
	test_hypervisor_irqs();
	test_gsi_map();
	test_level_flow();
	test_edge_flow();
	test_eoi_map();
	test_msi();
	test_msix();
	test_get_free_pirq();
	test_physdev();
	test_release();
	return check_summary();
}
