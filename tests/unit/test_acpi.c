/*
 * Host test for the ACPI table parser (hypervisor/arch/x86/acpi.c).
 *
 * The hypervisor file is compiled unchanged. Firmware memory is a small
 * sparse "physical address space" of this program: the BIOS data area
 * and EBDA, the BIOS area 0xe0000-0xfffff, and a high region where the
 * tables live. The parser's map function hands out a fresh heap copy of
 * exactly the bytes asked for, so a read past what was mapped is an
 * out-of-bounds access the sanitizers report (the test is built with
 * them where the host has them).
 *
 * Checked: the RSDP in the EBDA and in the BIOS area, ACPI 1 (RSDT) and
 * 2 (XSDT, and the RSDT when the XSDT is bad); QEMU's pc and q35 tables
 * (CPUs, the IO-APIC, ISA overrides and their modes, NMI wiring, the SCI,
 * PM1 ports, the reset register); GSI <-> ISA IRQ lookups and default
 * modes. Hostile tables: bad checksums and signatures, absurd and short
 * lengths, table pointers to nowhere, MADT entries of length 0 or past
 * the end, too short for their type, unknown, duplicated, out of range,
 * or too many; FADT fields beyond a short table, ports above 0xffff,
 * extended blocks in memory space. Random MADT and FADT bodies.
 *
 * Build (from the top of the tree):
 *   gcc -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
 *       -include tests/unit/shim/host_compiler.h \
 *       -I tests/unit/shim -I hypervisor/include \
 *       -I hypervisor/arch/x86/include \
 *       tests/unit/test_acpi.c tests/unit/shim/fake_services.c \
 *       hypervisor/arch/x86/acpi.c -o test_acpi
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tandem/bootinfo.h>
#include <tandem/errno.h>
#include <tandem/lib.h>
#include <asm/acpi.h>
#include <asm/cpu.h>
#include <asm/paging.h>

#include "check.h"
#include "shim/fake_services.h"

/* ---- What acpi_init() would use on the machine (not called here) ---- */

struct boot_info boot_info;
struct cpu_features boot_cpu;

void *ioremap(paddr_t pa, size_t size)
{
	panic("ioremap(%#lx, %zu) in a host test", pa, size);
}

/* ---- Fake physical memory ---- */

#define LOW_SIZE	0x100000	/* 0 - 1 MiB */
#define HIGH_BASE	0x7ffe0000ULL	/* where QEMU puts its tables */
#define HIGH_SIZE	0x20000

static uint8_t low[LOW_SIZE];
static uint8_t high[HIGH_SIZE];

/* Every mapping is a copy of exactly what was asked for. */
#define MAX_MAPS	4096
static void *maps[MAX_MAPS];
static unsigned int nr_maps;
static unsigned int nr_map_calls;

static uint8_t *phys(paddr_t pa, size_t len)
{
	if (pa + len >= pa && pa + len <= LOW_SIZE)
		return low + pa;
	if (pa >= HIGH_BASE && pa + len >= pa &&
	    pa + len <= HIGH_BASE + HIGH_SIZE)
		return high + (pa - HIGH_BASE);
	return NULL;
}

static const void *map(paddr_t pa, size_t len)
{
	const uint8_t *src = phys(pa, len);
	void *copy;

	nr_map_calls++;
	if (!src || nr_maps == MAX_MAPS)
		return NULL;
	copy = malloc(len);
	memcpy(copy, src, len);
	maps[nr_maps++] = copy;
	return copy;
}

static void unmap_all(void)
{
	while (nr_maps)
		free(maps[--nr_maps]);
}

static void reset_memory(void)
{
	memset(low, 0, sizeof(low));
	memset(high, 0, sizeof(high));
}

/* ---- Table builders ---- */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, v);
	put32(p + 4, v >> 32);
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

#define RSDP_BIOS	0xf59d0ULL
#define RSDT_AT		(HIGH_BASE + 0x1000)
#define XSDT_AT		(HIGH_BASE + 0x1100)
#define MADT_AT		(HIGH_BASE + 0x2000)
#define FADT_AT		(HIGH_BASE + 0x3000)
#define OTHER_AT	(HIGH_BASE + 0x4000)

static void rsdp(paddr_t at, unsigned int rev, uint32_t rsdt, uint64_t xsdt)
{
	uint8_t *p = phys(at, rev >= 2 ? 36 : 20);

	memcpy(p, "RSD PTR ", 8);
	memcpy(p + 9, "BOCHS ", 6);
	p[15] = rev;
	put32(p + 16, rsdt);
	p[8] = 0;
	p[8] = -sum(p, 20);
	if (rev >= 2) {
		put32(p + 20, 36);
		put64(p + 24, xsdt);
		p[32] = 0;
		p[32] = -sum(p, 36);
	}
}

/* A table header with signature and length; fix_checksum() at the end. */
static uint8_t *table(paddr_t at, const char *sig, uint32_t len,
		      uint8_t rev)
{
	uint8_t *t = phys(at, len);

	memset(t, 0, len);
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, "BOCHS BXPC    ", 14);
	return t;
}

static void fix_checksum(uint8_t *t)
{
	uint32_t len = t[4] | t[5] << 8 | t[6] << 16 | (uint32_t)t[7] << 24;

	t[9] = 0;
	t[9] = -sum(t, len);
}

static void rsdt(const uint32_t *entries, unsigned int n)
{
	uint8_t *t = table(RSDT_AT, "RSDT", 36 + 4 * n, 1);

	for (unsigned int i = 0; i < n; i++)
		put32(t + 36 + 4 * i, entries[i]);
	fix_checksum(t);
}

static void xsdt(const uint64_t *entries, unsigned int n)
{
	uint8_t *t = table(XSDT_AT, "XSDT", 36 + 8 * n, 1);

	for (unsigned int i = 0; i < n; i++)
		put64(t + 36 + 8 * i, entries[i]);
	fix_checksum(t);
}

/* MADT entry builders: each returns the entry's length. */
static unsigned int e_lapic(uint8_t *e, uint8_t uid, uint8_t id, bool on)
{
	e[0] = 0;
	e[1] = 8;
	e[2] = uid;
	e[3] = id;
	put32(e + 4, on);
	return 8;
}

static unsigned int e_ioapic(uint8_t *e, uint8_t id, uint32_t addr,
			     uint32_t base)
{
	e[0] = 1;
	e[1] = 12;
	e[2] = id;
	put32(e + 4, addr);
	put32(e + 8, base);
	return 12;
}

static unsigned int e_override(uint8_t *e, uint8_t bus, uint8_t irq,
			       uint32_t gsi, uint16_t flags)
{
	e[0] = 2;
	e[1] = 10;
	e[2] = bus;
	e[3] = irq;
	put32(e + 4, gsi);
	put16(e + 8, flags);
	return 10;
}

static unsigned int e_lapic_nmi(uint8_t *e, uint8_t uid, uint8_t lint)
{
	e[0] = 4;
	e[1] = 6;
	e[2] = uid;
	put16(e + 3, 0);
	e[5] = lint;
	return 6;
}

#define INTI_HIGH_LEVEL	0x000d	/* polarity 01, trigger 11 */
#define INTI_LOW_LEVEL	0x000f
#define INTI_DFL	0x0000

/* QEMU's pc MADT: one CPU, one IO-APIC, overrides 0->2 and 5/9/10/11. */
static uint32_t qemu_madt(paddr_t at)
{
	uint8_t buf[512], *t;
	unsigned int n = 0;

	n += e_lapic(buf + n, 0, 0, true);
	n += e_ioapic(buf + n, 0, 0xfec00000, 0);
	n += e_override(buf + n, 0, 0, 2, INTI_DFL);
	n += e_override(buf + n, 0, 5, 5, INTI_HIGH_LEVEL);
	n += e_override(buf + n, 0, 9, 9, INTI_HIGH_LEVEL);
	n += e_override(buf + n, 0, 10, 10, INTI_HIGH_LEVEL);
	n += e_override(buf + n, 0, 11, 11, INTI_HIGH_LEVEL);
	n += e_lapic_nmi(buf + n, 0xff, 1);
	t = table(at, "APIC", 44 + n, 1);
	put32(t + 36, 0xfee00000);
	put32(t + 40, 1);		/* PCAT_COMPAT */
	memcpy(t + 44, buf, n);
	fix_checksum(t);
	return 44 + n;
}

/* A FADT of the given length and revision, QEMU's values. */
static uint8_t *qemu_fadt(paddr_t at, uint32_t len, uint8_t rev)
{
	uint8_t *t = table(at, "FACP", len, rev);

	put16(t + 46, 9);		/* SCI */
	put32(t + 48, 0xb2);		/* SMI command */
	put32(t + 56, 0x600);		/* PM1a event */
	put32(t + 64, 0x604);		/* PM1a control */
	put32(t + 76, 0x608);		/* PM timer */
	if (len >= 129) {
		put32(t + 112, 1U << 10);	/* reset register supported */
		t[116] = ACPI_SPACE_IO;
		t[117] = 8;
		put64(t + 120, 0xcf9);
		t[128] = 0x0f;
	}
	fix_checksum(t);
	return t;
}

/* The whole of QEMU's pc firmware, ACPI 1.0, RSDP in the BIOS area. */
static void qemu_pc(void)
{
	uint32_t entries[] = { FADT_AT, MADT_AT, OTHER_AT };

	reset_memory();
	rsdp(RSDP_BIOS, 0, RSDT_AT, 0);
	rsdt(entries, 3);
	qemu_madt(MADT_AT);
	qemu_fadt(FADT_AT, 116, 1);
	fix_checksum(table(OTHER_AT, "HPET", 56, 1));
}

static int parse(struct acpi_info *info)
{
	int rc = acpi_parse(map, info);

	unmap_all();
	return rc;
}

/* ---- Checks ---- */

static void test_qemu_pc(void)
{
	struct acpi_info info;
	unsigned int f0 = check_failures();

	qemu_pc();
	CHECK_EQ(parse(&info), 0, "QEMU pc tables parse");
	CHECK(info.found && !info.xsdt && info.rsdp_addr == RSDP_BIOS &&
	      info.sdt_addr == RSDT_AT && info.nr_tables == 3,
	      "RSDP in the BIOS area, RSDT with 3 entries");
	CHECK(!strcmp(info.oem_id, "BOCHS "), "OEM id");
	CHECK(info.have_madt && info.nr_cpus == 1 && info.cpu_apic_id[0] == 0,
	      "one CPU, APIC id 0");
	CHECK(info.lapic_addr == 0xfee00000 && info.pcat_compat,
	      "local APIC address, PCAT_COMPAT");
	CHECK(info.nr_ioapics == 1 && info.ioapic[0].addr == 0xfec00000 &&
	      info.ioapic[0].gsi_base == 0, "IO-APIC at 0xfec00000, GSI 0");
	CHECK(info.nr_overrides == 5, "5 overrides");
	CHECK(info.isa[0].gsi == 2 && info.isa[0].mode == 0 &&
	      info.isa[0].overridden, "IRQ0 -> GSI 2, edge high");
	CHECK(info.isa[9].gsi == 9 && info.isa[9].mode == ACPI_IRQ_LEVEL,
	      "IRQ9 level, active high");
	CHECK(info.isa[4].gsi == 4 && !info.isa[4].overridden &&
	      info.isa[4].mode == 0, "IRQ4 identity, edge high");
	CHECK(info.lapic_nmi_lint == 1 && info.nr_nmi_sources == 0,
	      "NMI on LINT1");
	CHECK(info.nr_ignored == 0, "nothing ignored");
	CHECK(info.have_fadt && info.sci_irq == 9 &&
	      info.pm1a_cnt_port == 0x604 && info.pm1a_evt_port == 0x600 &&
	      info.pm_tmr_port == 0x608 && info.pm1b_cnt_port == 0 &&
	      info.smi_cmd_port == 0xb2, "FADT ports");
	CHECK(!info.reset_supported && info.boot_arch == 0,
	      "a 116-byte revision 1 FADT has no reset register");

	CHECK_EQ(acpi_gsi_isa_irq(&info, 2), 0, "GSI 2 carries IRQ0");
	CHECK_EQ(acpi_gsi_isa_irq(&info, 0), -1,
		 "GSI 0 carries nothing (IRQ0 moved away)");
	CHECK_EQ(acpi_gsi_isa_irq(&info, 4), 4, "GSI 4 carries IRQ4");
	CHECK_EQ(acpi_gsi_isa_irq(&info, 16), -1, "GSI 16: no ISA IRQ");
	CHECK_EQ(acpi_gsi_default_mode(&info, 9), ACPI_IRQ_LEVEL,
		 "GSI 9 level high");
	CHECK_EQ(acpi_gsi_default_mode(&info, 1), 0, "GSI 1 edge high");
	CHECK_EQ(acpi_gsi_default_mode(&info, 0), 0, "GSI 0 edge high");
	CHECK_EQ(acpi_gsi_default_mode(&info, 20),
		 ACPI_IRQ_LEVEL | ACPI_IRQ_ACTIVE_LOW, "GSI 20 level low");
	check_section(f0, "QEMU pc");
}

static void test_rsdp_search(void)
{
	struct acpi_info info;
	uint32_t entries[] = { MADT_AT };
	uint8_t *p;

	/* In the EBDA (segment at 0x40e), found before the BIOS area. */
	reset_memory();
	put16(low + 0x40e, 0x9fc0);
	rsdp(0x9fc00 + 0x40, 0, RSDT_AT, 0);
	rsdt(entries, 1);
	qemu_madt(MADT_AT);
	CHECK_EQ(parse(&info), 0, "RSDP in the EBDA");
	CHECK(info.rsdp_addr == 0x9fc40 && info.have_madt && !info.have_fadt,
	      "found there; MADT without FADT");

	/* An EBDA pointer to nonsense is ignored; the BIOS area is tried. */
	put16(low + 0x40e, 0xffff);
	rsdp(0xe0000, 0, RSDT_AT, 0);
	CHECK_EQ(parse(&info), 0, "EBDA pointer beyond 640K ignored");
	CHECK(info.rsdp_addr == 0xe0000, "RSDP at the start of the BIOS area");

	/* Not on a 16-byte boundary: not an RSDP. */
	reset_memory();
	rsdp(0xe0008, 0, RSDT_AT, 0);
	rsdt(entries, 1);
	CHECK_EQ(parse(&info), -ENOENT, "misaligned RSDP not found");
	CHECK(!info.found && info.nr_ioapics == 0 && info.isa[5].gsi == 5 &&
	      info.lapic_nmi_lint == -1, "without ACPI: identity ISA map");

	/* Bad checksum; then a good one later in the area wins. */
	reset_memory();
	rsdp(0xe0000, 0, RSDT_AT, 0);
	low[0xe0000 + 8] ^= 1;
	CHECK_EQ(parse(&info), -ENOENT, "RSDP with a bad checksum skipped");
	rsdp(0xfffe0, 0, RSDT_AT, 0);
	rsdt(entries, 1);
	CHECK_EQ(parse(&info), 0, "last slot of the BIOS area");
	CHECK(info.rsdp_addr == 0xfffe0, "found at 0xfffe0");

	/* Unprintable OEM id is not printed as is. */
	p = low + 0xfffe0;
	p[9] = 0x1b;
	p[8] = 0;
	p[8] = -sum(p, 20);
	CHECK_EQ(parse(&info), 0, "escape in OEM id");
	CHECK(info.oem_id[0] == '?', "replaced");

	/* The RSDT pointer leads nowhere, or to a bad table. */
	reset_memory();
	rsdp(RSDP_BIOS, 0, 0x12345678, 0);
	CHECK_EQ(parse(&info), -ENOENT, "RSDT at an unmapped address");
	rsdp(RSDP_BIOS, 0, 0, 0);
	CHECK_EQ(parse(&info), -ENOENT, "RSDT address 0");
	rsdp(RSDP_BIOS, 0, RSDT_AT, 0);
	rsdt(entries, 1);
	high[RSDT_AT - HIGH_BASE + 20] ^= 0x40;
	CHECK_EQ(parse(&info), -ENOENT, "RSDT with a bad checksum");
	rsdt(entries, 1);
	memcpy(high + (RSDT_AT - HIGH_BASE), "XSDT", 4);
	fix_checksum(high + (RSDT_AT - HIGH_BASE));
	CHECK_EQ(parse(&info), -ENOENT, "RSDT with the wrong signature");
}

static void test_xsdt(void)
{
	struct acpi_info info;
	uint32_t r_entries[] = { FADT_AT };
	uint64_t x_entries[] = { MADT_AT, FADT_AT };
	uint8_t *p;

	reset_memory();
	rsdp(RSDP_BIOS, 2, RSDT_AT, XSDT_AT);
	rsdt(r_entries, 1);
	xsdt(x_entries, 2);
	qemu_madt(MADT_AT);
	qemu_fadt(FADT_AT, 276, 6);
	CHECK_EQ(parse(&info), 0, "ACPI 2 with an XSDT");
	CHECK(info.xsdt && info.sdt_addr == XSDT_AT && info.have_madt &&
	      info.have_fadt && info.nr_tables == 2, "the XSDT is used");
	CHECK(info.reset_supported && info.reset_reg.space == ACPI_SPACE_IO &&
	      info.reset_reg.address == 0xcf9 && info.reset_value == 0x0f,
	      "reset register: port 0xcf9, value 0xf");

	/* Bad XSDT: fall back to the RSDT (which lists only the FADT). */
	high[XSDT_AT - HIGH_BASE + 40] ^= 1;
	CHECK_EQ(parse(&info), 0, "bad XSDT");
	CHECK(!info.xsdt && info.sdt_addr == RSDT_AT && !info.have_madt &&
	      info.have_fadt, "the RSDT is used instead");

	/* ACPI 2 RSDP whose extended checksum is wrong: not an RSDP. */
	p = low + RSDP_BIOS;
	p[32] ^= 1;
	CHECK_EQ(parse(&info), -ENOENT, "bad extended checksum");
	/* Extended length out of bounds. */
	p[32] ^= 1;
	put32(p + 20, 0x100000);
	CHECK_EQ(parse(&info), -ENOENT, "absurd RSDP length");
	put32(p + 20, 20);
	CHECK_EQ(parse(&info), -ENOENT, "RSDP length below 36");

	/* XSDT entries pointing anywhere in 64-bit space. */
	reset_memory();
	rsdp(RSDP_BIOS, 2, RSDT_AT, XSDT_AT);
	x_entries[0] = 0xffffffffffffffe0ULL;
	x_entries[1] = 0;
	xsdt(x_entries, 2);
	CHECK_EQ(parse(&info), 0, "XSDT entries to nowhere");
	CHECK(!info.have_madt && !info.have_fadt, "skipped");
}

static void test_hostile_tables(void)
{
	struct acpi_info info;
	uint32_t entries[] = { MADT_AT, FADT_AT };
	uint8_t *t;

	qemu_pc();
	/* Length fields: absurd, below the header, past mapped memory. */
	t = high + (MADT_AT - HIGH_BASE);
	put32(t + 4, 0xffffffff);	/* refused before any checksum */
	CHECK_EQ(parse(&info), 0, "MADT of length 4 GiB");
	CHECK(!info.have_madt && info.have_fadt, "refused; FADT still read");
	put32(t + 4, 10);
	CHECK_EQ(parse(&info), 0, "MADT of length 10");
	CHECK(!info.have_madt, "refused");
	put32(t + 4, 40);
	fix_checksum(t);
	CHECK_EQ(parse(&info), 0, "MADT of 40 bytes");
	CHECK(!info.have_madt, "too short for the fixed fields");
	/* Only the header is in memory; the length says 256 bytes. */
	t = high + HIGH_SIZE - 0x30;
	memcpy(t, "APIC", 4);
	put32(t + 4, 0x100);
	entries[0] = HIGH_BASE + HIGH_SIZE - 0x30;
	rsdt(entries, 2);
	CHECK_EQ(parse(&info), 0, "MADT running off the end of memory");
	CHECK(!info.have_madt, "not read");

	/* Bad checksum. */
	qemu_pc();
	high[MADT_AT - HIGH_BASE + 50] ^= 0x10;
	CHECK_EQ(parse(&info), 0, "MADT with a bad checksum");
	CHECK(!info.have_madt && info.nr_ioapics == 0, "ignored");

	/* An RSDT claiming more entries than fit: only what its length has. */
	qemu_pc();
	t = high + (RSDT_AT - HIGH_BASE);
	put32(t + 4, 37);	/* one entry and a stray byte */
	fix_checksum(t);
	CHECK_EQ(parse(&info), 0, "RSDT of 37 bytes");
	CHECK(info.nr_tables == 0, "no whole entry");

	/* A FADT that is shorter than the fields we read. */
	qemu_pc();
	qemu_fadt(FADT_AT, 60, 1);
	CHECK_EQ(parse(&info), 0, "FADT of 60 bytes");
	CHECK(!info.have_fadt && info.pm1a_cnt_port == 0, "refused");
	t = qemu_fadt(FADT_AT, 80, 1);
	/* Plausible fields right after its end must not be read. */
	put32(t + 112, 1U << 10);
	t[116] = ACPI_SPACE_IO;
	put64(t + 120, 0xcf9);
	CHECK_EQ(parse(&info), 0, "FADT of 80 bytes");
	CHECK(info.have_fadt && info.pm1a_cnt_port == 0x604 &&
	      info.pm_tmr_port == 0x608 && !info.reset_supported &&
	      info.boot_arch == 0, "fields past the end read as absent");
	t = qemu_fadt(FADT_AT, 129, 3);
	put32(t + 64, 0x12345);	/* not an I/O port */
	t[116] = 7;		/* unknown reset-register space */
	fix_checksum(t);
	CHECK_EQ(parse(&info), 0, "FADT with silly values");
	CHECK(info.pm1a_cnt_port == 0 && !info.reset_supported,
	      "port > 0xffff and unknown space refused");
	t = qemu_fadt(FADT_AT, 276, 5);
	t[172] = ACPI_SPACE_IO;		/* X_PM1a_CNT */
	put64(t + 176, 0x1004);
	t[208] = ACPI_SPACE_MEMORY;	/* X_PM_TMR in memory: keep the port */
	put64(t + 212, 0xfed00000);
	put16(t + 109, ACPI_BOOT_8042);
	fix_checksum(t);
	CHECK_EQ(parse(&info), 0, "FADT revision 5");
	CHECK(info.pm1a_cnt_port == 0x1004 && info.pm_tmr_port == 0x608 &&
	      info.boot_arch == ACPI_BOOT_8042,
	      "X_ I/O block preferred, memory-space one ignored, boot flags");
}

/* MADT with the given body (after the 44-byte fixed part). */
static void madt_body(const uint8_t *body, unsigned int n)
{
	uint32_t entries[] = { MADT_AT };
	uint8_t *t;

	reset_memory();
	rsdp(RSDP_BIOS, 0, RSDT_AT, 0);
	rsdt(entries, 1);
	t = table(MADT_AT, "APIC", 44 + n, 1);
	put32(t + 36, 0xfee00000);
	memcpy(t + 44, body, n);
	fix_checksum(t);
}

static void test_hostile_madt(void)
{
	struct acpi_info info;
	uint8_t b[2048];
	unsigned int n;

	/* An entry of length 0 would loop for ever. */
	n = e_ioapic(b, 0, 0xfec00000, 0);
	b[n] = 2;
	b[n + 1] = 0;
	n += 2;
	n += e_override(b + n, 0, 9, 9, INTI_HIGH_LEVEL);
	madt_body(b, n);
	CHECK_EQ(parse(&info), 0, "entry of length 0");
	CHECK(info.nr_ioapics == 1 && info.nr_overrides == 0 &&
	      info.nr_ignored == 1, "the walk stops there");

	/* Length 1, and an entry running past the table's end. */
	b[12 + 1] = 1;
	madt_body(b, n);
	CHECK_EQ(parse(&info), 0, "entry of length 1");
	CHECK(info.nr_overrides == 0, "stops");
	n = e_ioapic(b, 0, 0xfec00000, 0);
	n += e_override(b + n, 0, 9, 9, INTI_HIGH_LEVEL);
	madt_body(b, n - 3);
	CHECK_EQ(parse(&info), 0, "last entry cut short by the table end");
	CHECK(info.nr_ioapics == 1 && info.nr_overrides == 0 &&
	      info.nr_ignored == 1, "not read");

	/* Entries too short for their type. */
	n = e_ioapic(b, 0, 0xfec00000, 0);
	b[1] = 8;
	n = 8;
	n += e_override(b + n, 0, 9, 9, INTI_HIGH_LEVEL);
	b[8 + 1] = 6;
	n -= 4;
	madt_body(b, n);
	CHECK_EQ(parse(&info), 0, "short IO-APIC and override");
	CHECK(info.nr_ioapics == 0 && info.nr_overrides == 0 &&
	      info.nr_ignored == 2, "both ignored");

	/* Override sanity. */
	n = 0;
	n += e_override(b + n, 1, 3, 20, INTI_DFL);	/* not ISA */
	n += e_override(b + n, 0, 16, 20, INTI_DFL);	/* no IRQ 16 */
	n += e_override(b + n, 0, 200, 20, INTI_DFL);
	n += e_override(b + n, 0, 3, 0x7fffffff, INTI_DFL); /* GSI absurd */
	n += e_override(b + n, 0, 7, 20, INTI_LOW_LEVEL);
	n += e_override(b + n, 0, 7, 21, INTI_HIGH_LEVEL); /* duplicate */
	n += e_override(b + n, 0, 6, 6, 0x000a);	/* reserved values */
	madt_body(b, n);
	CHECK_EQ(parse(&info), 0, "overrides");
	CHECK(info.nr_overrides == 2 && info.nr_ignored == 5,
	      "two accepted, five ignored");
	CHECK(info.isa[3].gsi == 3 && !info.isa[3].overridden,
	      "IRQ3 untouched");
	CHECK(info.isa[7].gsi == 20 &&
	      info.isa[7].mode == (ACPI_IRQ_LEVEL | ACPI_IRQ_ACTIVE_LOW),
	      "IRQ7 -> GSI 20, level low; the duplicate ignored");
	CHECK(info.isa[6].mode == 0, "reserved polarity/trigger: ISA default");
	CHECK_EQ(acpi_gsi_isa_irq(&info, 7), -1, "GSI 7: IRQ7 moved away");
	CHECK_EQ(acpi_gsi_isa_irq(&info, 20), 7, "GSI 20 carries IRQ7");

	/* IO-APICs: address 0, duplicates, GSI base absurd, too many. */
	n = 0;
	n += e_ioapic(b + n, 0, 0, 0);
	n += e_ioapic(b + n, 1, 0xfec00000, 0);
	n += e_ioapic(b + n, 2, 0xfec00000, 24);
	n += e_ioapic(b + n, 3, 0xfec01000, 0xffffff00);
	for (unsigned int i = 0; i < ACPI_MAX_IOAPICS + 2; i++)
		n += e_ioapic(b + n, 10 + i, 0xfec10000 + i * 0x1000,
			      24 + 24 * i);
	madt_body(b, n);
	CHECK_EQ(parse(&info), 0, "IO-APICs");
	CHECK(info.nr_ioapics == ACPI_MAX_IOAPICS &&
	      info.ioapic[0].addr == 0xfec00000 && info.ioapic[1].id == 10,
	      "bad ones and the surplus dropped");
	CHECK(info.nr_ignored == 3 + 3, "and counted");

	/* CPUs: disabled ones skipped, x2APIC ids, the table limit. */
	n = 0;
	n += e_lapic(b + n, 0, 0, true);
	n += e_lapic(b + n, 1, 1, false);
	b[n] = 9;
	b[n + 1] = 16;
	memset(b + n + 2, 0, 14);
	put32(b + n + 4, 300);
	put32(b + n + 8, 1);
	n += 16;
	for (unsigned int i = 0; i < ACPI_MAX_CPUS; i++)
		n += e_lapic(b + n, i, 2 + i, true);
	/* A local APIC address override, an NMI source, unknown types. */
	b[n] = 5;
	b[n + 1] = 12;
	put64(b + n + 4, 0xfee10000);
	n += 12;
	b[n] = 3;
	b[n + 1] = 8;
	put16(b + n + 2, INTI_HIGH_LEVEL);
	put32(b + n + 4, 3);
	n += 8;
	b[n] = 0x7f;
	b[n + 1] = 20;
	n += 20;
	n += e_lapic_nmi(b + n, 0xff, 7);		/* no LINT7 */
	madt_body(b, n);
	CHECK_EQ(parse(&info), 0, "CPUs");
	CHECK(info.nr_cpus == ACPI_MAX_CPUS && info.cpu_apic_id[1] == 300,
	      "enabled xAPIC and x2APIC CPUs, up to the limit");
	CHECK(info.lapic_addr == 0xfee10000, "local APIC address override");
	CHECK(info.nr_nmi_sources == 1 && info.nmi_source[0].gsi == 3 &&
	      info.nmi_source[0].mode == ACPI_IRQ_LEVEL, "NMI source");
	CHECK(info.lapic_nmi_lint == -1, "LINT7 refused");
	CHECK(info.nr_ignored == 3, "surplus CPUs and LINT7 counted");
}

/* Random bodies with valid checksums: no crash, nothing out of bounds. */
static void test_random(void)
{
	uint32_t entries[] = { MADT_AT, FADT_AT };
	struct acpi_info info;
	unsigned int f0 = check_failures();
	uint8_t *t;

	srand(12345);
	for (unsigned int round = 0; round < 3000; round++) {
		uint32_t len = 44 + rand() % 600;

		reset_memory();
		rsdp(RSDP_BIOS, 0, RSDT_AT, 0);
		rsdt(entries, 2);
		t = table(MADT_AT, "APIC", len, 1);
		for (uint32_t i = 36; i < len; i++)
			t[i] = rand() % 4 ? rand() % 16 : rand();
		fix_checksum(t);
		len = 36 + rand() % 300;
		t = table(FADT_AT, "FACP", len, rand());
		for (uint32_t i = 36; i < len; i++)
			t[i] = rand();
		fix_checksum(t);
		if (!check(parse(&info) == 0, "random tables, round %u", round))
			break;
		if (!check(info.nr_ioapics <= ACPI_MAX_IOAPICS &&
			   info.nr_cpus <= ACPI_MAX_CPUS &&
			   info.nr_nmi_sources <= ACPI_MAX_NMI_SOURCES,
			   "limits hold, round %u", round))
			break;
		for (unsigned int i = 0; i < ACPI_NR_ISA_IRQS; i++)
			check(info.isa[i].gsi <= 1023, "ISA GSI bounded");
	}
	check_section(f0, "3000 random MADT/FADT bodies");
}

int main(void)
{
	test_qemu_pc();
	test_rsdp_search();
	test_xsdt();
	test_hostile_tables();
	test_hostile_madt();
	test_random();
	CHECK(nr_map_calls > 0, "the parser mapped through the callback");
	return check_summary();
}
