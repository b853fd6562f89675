// SPDX-License-Identifier: MIT
/*
 * The IO-APICs. Each has two registers in its MMIO page (a select and
 * a window) through which its ID, version and one 64-bit redirection
 * entry (RTE) per input pin are reached. GSI n is pin n - gsi_base of
 * the IO-APIC whose range holds it.
 *
 * Every RTE is written here and only here: fixed delivery to the boot
 * CPU's APIC id in physical mode, with the vector irq.c allocated and
 * the trigger mode and polarity of the line. All pins start masked.
 */
#include <tandem/errno.h>
#include <tandem/lib.h>
#include <asm/acpi.h>
#include <asm/io_apic.h>
#include <asm/paging.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/x86-defs.h>

#define IOAPIC_REGSEL		0x00	/* 32-bit registers, 16 bytes apart */
#define IOAPIC_WINDOW		0x10
#define IOAPIC_MMIO_SIZE	0x20

#define IOAPIC_REG_ID		0x00
#define IOAPIC_REG_VERSION	0x01
#define IOAPIC_REG_ARB		0x02
#define IOAPIC_REG_RTE_LO(pin)	(0x10 + 2 * (pin))
#define IOAPIC_REG_RTE_HI(pin)	(0x11 + 2 * (pin))
#define IOAPIC_MAX_PINS		(((0xffU - 0x10) / 2) + 1)

#define IOAPIC_VERSION_MAXRTE(v) (((v) >> 16) & 0xff)

/* RTE low word; the high word holds the destination in bits 24-31. */
#define RTE_VECTOR_MASK		0xffU
#define RTE_DM_FIXED		(0U << 8)
#define RTE_DEST_LOGICAL	(1U << 11)
#define RTE_ACTIVE_LOW		(1U << 13)
#define RTE_REMOTE_IRR		(1U << 14)
#define RTE_LEVEL		(1U << 15)
#define RTE_MASKED		(1U << 16)
#define RTE_DEST_SHIFT		24

#define DEFAULT_IOAPIC_ADDR	0xfec00000U
#define MSR_APIC_BASE_ADDR_MASK	0x000ffffffffff000ULL

struct io_apic {
	volatile uint32_t *mmio;
	uint32_t addr;
	uint8_t id;
	uint32_t version;
	unsigned int gsi_base;
	unsigned int nr_pins;
};

static struct io_apic io_apics[ACPI_MAX_IOAPICS];
static unsigned int nr_io_apics;
static unsigned int nr_gsis;
static mfn_t lapic_mfn = INVALID_MFN;

static uint32_t ioapic_read(const struct io_apic *io, unsigned int reg)
{
	io->mmio[IOAPIC_REGSEL / 4] = reg;
	return io->mmio[IOAPIC_WINDOW / 4];
}

static void ioapic_write(const struct io_apic *io, unsigned int reg,
			 uint32_t val)
{
	io->mmio[IOAPIC_REGSEL / 4] = reg;
	io->mmio[IOAPIC_WINDOW / 4] = val;
}

static struct io_apic *gsi_to_ioapic(unsigned int gsi, unsigned int *pin)
{
	for (unsigned int i = 0; i < nr_io_apics; i++) {
		struct io_apic *io = &io_apics[i];

		if (gsi >= io->gsi_base && gsi - io->gsi_base < io->nr_pins) {
			*pin = gsi - io->gsi_base;
			return io;
		}
	}
	return NULL;
}

static bool ranges_overlap(const struct io_apic *a, const struct io_apic *b)
{
	return a->gsi_base < b->gsi_base + b->nr_pins &&
	       b->gsi_base < a->gsi_base + a->nr_pins;
}

/* Map one IO-APIC, check that it answers, and mask all of its pins. */
static void io_apic_add(const struct acpi_ioapic *desc)
{
	struct io_apic *io = &io_apics[nr_io_apics];

	io->addr = desc->addr;
	io->id = desc->id;
	io->gsi_base = desc->gsi_base;
	io->mmio = ioremap(desc->addr, IOAPIC_MMIO_SIZE);
	io->version = ioapic_read(io, IOAPIC_REG_VERSION);
	if (io->version == 0xffffffffU) {
		pr_warn("IO-APIC: nothing answers at %#x; ignored\n",
			desc->addr);
		return;
	}
	io->nr_pins = MIN(IOAPIC_VERSION_MAXRTE(io->version) + 1,
			  IOAPIC_MAX_PINS);
	for (unsigned int i = 0; i < nr_io_apics; i++) {
		if (ranges_overlap(io, &io_apics[i])) {
			pr_warn("IO-APIC at %#x: GSIs %u-%u overlap another "
				"IO-APIC's; ignored\n", io->addr,
				io->gsi_base, io->gsi_base + io->nr_pins - 1);
			return;
		}
	}

	/*
	 * Masked, edge: writing edge mode also drops a remote IRR that
	 * firmware may have left set on a level-triggered pin.
	 */
	for (unsigned int pin = 0; pin < io->nr_pins; pin++) {
		ioapic_write(io, IOAPIC_REG_RTE_LO(pin), RTE_MASKED);
		ioapic_write(io, IOAPIC_REG_RTE_HI(pin), 0);
	}
	nr_gsis = MAX(nr_gsis, io->gsi_base + io->nr_pins);
	nr_io_apics++;
	printk("IO-APIC: id %u at %#x, version %#x, GSIs %u-%u, all masked\n",
	       io->id, io->addr, io->version & 0xff, io->gsi_base,
	       io->gsi_base + io->nr_pins - 1);
}

void io_apic_init(void)
{
	static const struct acpi_ioapic fallback = {
		.id = 0, .addr = DEFAULT_IOAPIC_ADDR, .gsi_base = 0,
	};

	lapic_mfn = (rdmsr(MSR_APIC_BASE) & MSR_APIC_BASE_ADDR_MASK) >>
		    PAGE_SHIFT;
	if (this_pcpu()->apic_id > 0xff) {
		/* Physical destinations in an RTE are 8 bits wide. */
		pr_warn("IO-APIC: APIC id %u cannot be a destination; no "
			"device interrupts\n", this_pcpu()->apic_id);
		return;
	}
	if (!acpi_info.nr_ioapics) {
		io_apic_add(&fallback);
		return;
	}
	for (unsigned int i = 0; i < acpi_info.nr_ioapics; i++)
		io_apic_add(&acpi_info.ioapic[i]);
}

unsigned int io_apic_nr_gsis(void)
{
	return nr_gsis;
}

bool io_apic_gsi_valid(unsigned int gsi)
{
	unsigned int pin;

	return gsi_to_ioapic(gsi, &pin) != NULL;
}

int io_apic_route(unsigned int gsi, unsigned int vector, uint8_t mode)
{
	unsigned int pin;
	struct io_apic *io = gsi_to_ioapic(gsi, &pin);
	uint32_t lo = RTE_MASKED | RTE_DM_FIXED | (vector & RTE_VECTOR_MASK);

	if (!io || vector < 0x10 || vector > 0xfe)
		return -EINVAL;
	if (mode & ACPI_IRQ_LEVEL)
		lo |= RTE_LEVEL;
	if (mode & ACPI_IRQ_ACTIVE_LOW)
		lo |= RTE_ACTIVE_LOW;
	/* Mask first, so no half-written entry ever fires. */
	ioapic_write(io, IOAPIC_REG_RTE_LO(pin), RTE_MASKED);
	ioapic_write(io, IOAPIC_REG_RTE_HI(pin),
		     this_pcpu()->apic_id << RTE_DEST_SHIFT);
	ioapic_write(io, IOAPIC_REG_RTE_LO(pin), lo);
	return 0;
}

static void set_masked(unsigned int gsi, bool masked)
{
	unsigned int pin;
	struct io_apic *io = gsi_to_ioapic(gsi, &pin);
	uint32_t lo;

	if (!io)
		return;
	lo = ioapic_read(io, IOAPIC_REG_RTE_LO(pin));
	lo = masked ? lo | RTE_MASKED : lo & ~RTE_MASKED;
	ioapic_write(io, IOAPIC_REG_RTE_LO(pin), lo);
}

void io_apic_mask(unsigned int gsi)
{
	set_masked(gsi, true);
}

void io_apic_unmask(unsigned int gsi)
{
	set_masked(gsi, false);
}

/* The IO-APIC dom0 names by its MMIO address, and whether reg exists. */
static struct io_apic *guest_ioapic(uint64_t physbase, uint32_t reg)
{
	for (unsigned int i = 0; i < nr_io_apics; i++) {
		struct io_apic *io = &io_apics[i];

		if (io->addr != physbase)
			continue;
		if (reg > IOAPIC_REG_ARB &&
		    (reg < IOAPIC_REG_RTE_LO(0) ||
		     reg > IOAPIC_REG_RTE_HI(io->nr_pins - 1)))
			return NULL;
		return io;
	}
	return NULL;
}

int io_apic_guest_read(uint64_t physbase, uint32_t reg, uint32_t *val)
{
	struct io_apic *io = guest_ioapic(physbase, reg);

	if (!io)
		return -EINVAL;
	*val = ioapic_read(io, reg);
	return 0;
}

/*
 * Linux 6.1 never writes (it reads through PHYSDEVOP_apic_read and maps
 * a dummy page where the IO-APIC would be). The ID and arbitration
 * registers are left alone and the write reported done; a redirection
 * entry is the hypervisor's, so that write is refused.
 */
int io_apic_guest_write(uint64_t physbase, uint32_t reg, uint32_t val)
{
	struct io_apic *io = guest_ioapic(physbase, reg);

	if (!io)
		return -EINVAL;
	if (reg <= IOAPIC_REG_ARB)
		return 0;
	pr_once(LOG_WARN, "IO-APIC: dom0 tried to write redirection entry "
		"register %#x (%#x); refused\n", reg, val);
	return -EPERM;
}

bool mmio_is_hypervisors(mfn_t mfn)
{
	if (mfn == lapic_mfn)
		return true;
	for (unsigned int i = 0; i < nr_io_apics; i++)
		if (mfn == io_apics[i].addr >> PAGE_SHIFT)
			return true;
	return false;
}
