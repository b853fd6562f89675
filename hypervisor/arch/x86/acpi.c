// SPDX-License-Identifier: MIT
/*
 * The ACPI tables the hypervisor reads itself: the RSDP, the RSDT or
 * XSDT, the MADT (local APICs, IO-APICs, ISA interrupt overrides, NMI
 * wiring) and the FADT (the fixed-hardware I/O ports and the reset
 * register, which we only remember: sleep states are dom0's).
 *
 * Firmware tables are input like any other: every table is bounded
 * (ACPI_MAX_TABLE_LEN), checksummed before use, and every entry is
 * checked against the end of its table before it is read. Multi-byte
 * fields are read a byte at a time; the tables are not aligned.
 */
#include <tandem/bootinfo.h>
#include <tandem/errno.h>
#include <tandem/lib.h>
#include <asm/acpi.h>
#include <asm/cpu.h>
#include <asm/paging.h>

struct acpi_info acpi_info;

#define SDT_HEADER_LEN		36
#define RSDP_V1_LEN		20
#define RSDP_V2_LEN		36
#define RSDP_MAX_LEN		1024
#define EBDA_SEG_PTR		0x40e
#define EBDA_SCAN_LEN		1024
#define BIOS_AREA_START		0xe0000
#define BIOS_AREA_LEN		0x20000
#define ACPI_MAX_GSI		1023	/* far beyond any IO-APIC set */

/* MADT entry types and their minimum lengths. */
#define MADT_LAPIC		0
#define MADT_IOAPIC		1
#define MADT_OVERRIDE		2
#define MADT_NMI_SOURCE		3
#define MADT_LAPIC_NMI		4
#define MADT_LAPIC_ADDR		5
#define MADT_X2APIC		9
#define MADT_X2APIC_NMI		10

#define MADT_PCAT_COMPAT	(1U << 0)
#define LAPIC_ENABLED		(1U << 0)
#define FADT_RESET_REG_SUP	(1U << 10)

/* MPS INTI flags, as the MADT uses them. */
#define INTI_POLARITY(f)	((f) & 3)
#define INTI_TRIGGER(f)		(((f) >> 2) & 3)
#define INTI_CONFORMS		0
#define INTI_POLARITY_HIGH	1
#define INTI_POLARITY_LOW	3
#define INTI_TRIGGER_EDGE	1
#define INTI_TRIGGER_LEVEL	3

static uint16_t get16(const uint8_t *p)
{
	return p[0] | (uint16_t)p[1] << 8;
}

static uint32_t get32(const uint8_t *p)
{
	return get16(p) | (uint32_t)get16(p + 2) << 16;
}

static uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static bool checksum_ok(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return sum == 0;
}

static const uint8_t *map_range(acpi_map_fn map, paddr_t pa, size_t len)
{
	if (!pa || len == 0 || pa > UINT64_MAX - len)
		return NULL;
	return map(pa, len);
}

/* An RSDP at pa (already known to be readable for RSDP_V1_LEN bytes)? */
static bool rsdp_valid(acpi_map_fn map, paddr_t pa, const uint8_t *p)
{
	const uint8_t *ext;
	uint32_t len;

	if (memcmp(p, "RSD PTR ", 8) || !checksum_ok(p, RSDP_V1_LEN))
		return false;
	if (p[15] < 2)
		return true;
	/* ACPI 2+: the extended structure has its own checksum. */
	len = get32(p + 20);
	if (len < RSDP_V2_LEN || len > RSDP_MAX_LEN)
		return false;
	ext = map_range(map, pa, len);
	return ext && checksum_ok(ext, len);
}

/* The RSDP in [start, start + len), on a 16-byte boundary; 0 if none. */
static paddr_t scan_rsdp(acpi_map_fn map, paddr_t start, size_t len)
{
	const uint8_t *area = map_range(map, start, len);

	if (!area)
		return 0;
	for (size_t off = 0; off + RSDP_V1_LEN <= len; off += 16)
		if (rsdp_valid(map, start + off, area + off))
			return start + off;
	return 0;
}

static paddr_t find_rsdp(acpi_map_fn map)
{
	const uint8_t *bda = map_range(map, EBDA_SEG_PTR, 2);
	paddr_t ebda, rsdp = 0;

	/* The EBDA's segment is in the BIOS data area; it sits below 640K. */
	if (bda) {
		ebda = (paddr_t)get16(bda) << 4;
		if (ebda >= 0x80000 && ebda + EBDA_SCAN_LEN <= 0xa0000)
			rsdp = scan_rsdp(map, ebda, EBDA_SCAN_LEN);
	}
	if (!rsdp)
		rsdp = scan_rsdp(map, BIOS_AREA_START, BIOS_AREA_LEN);
	return rsdp;
}

/*
 * Map a whole system description table after checking its signature,
 * its length and its checksum. NULL if unusable.
 */
static const uint8_t *map_table(acpi_map_fn map, paddr_t pa, const char *sig,
				uint32_t *len_out)
{
	const uint8_t *t = map_range(map, pa, SDT_HEADER_LEN);
	uint32_t len;

	if (!t || memcmp(t, sig, 4))
		return NULL;
	len = get32(t + 4);
	if (len < SDT_HEADER_LEN || len > ACPI_MAX_TABLE_LEN) {
		pr_warn("ACPI: %s at %#lx: length %u refused\n", sig, pa,
			len);
		return NULL;
	}
	t = map_range(map, pa, len);
	if (!t)
		return NULL;
	if (!checksum_ok(t, len)) {
		pr_warn("ACPI: %s at %#lx: bad checksum, ignored\n", sig,
			pa);
		return NULL;
	}
	*len_out = len;
	return t;
}

/* ---- MADT ---------------------------------------------------------------- */

static uint8_t inti_mode(uint16_t flags, bool isa)
{
	uint8_t mode = isa ? 0 : ACPI_IRQ_LEVEL | ACPI_IRQ_ACTIVE_LOW;

	switch (INTI_POLARITY(flags)) {
	case INTI_POLARITY_HIGH:
		mode &= ~ACPI_IRQ_ACTIVE_LOW;
		break;
	case INTI_POLARITY_LOW:
		mode |= ACPI_IRQ_ACTIVE_LOW;
		break;
	default:	/* conforms to the bus; 2 is reserved */
		break;
	}
	switch (INTI_TRIGGER(flags)) {
	case INTI_TRIGGER_EDGE:
		mode &= ~ACPI_IRQ_LEVEL;
		break;
	case INTI_TRIGGER_LEVEL:
		mode |= ACPI_IRQ_LEVEL;
		break;
	default:
		break;
	}
	return mode;
}

static bool madt_ioapic(struct acpi_info *info, const uint8_t *e)
{
	uint32_t addr = get32(e + 4), base = get32(e + 8);
	struct acpi_ioapic *io;

	if (info->nr_ioapics == ACPI_MAX_IOAPICS || !addr ||
	    base > ACPI_MAX_GSI)
		return false;
	for (unsigned int i = 0; i < info->nr_ioapics; i++)
		if (info->ioapic[i].addr == addr)
			return false;	/* listed twice */
	io = &info->ioapic[info->nr_ioapics++];
	io->id = e[2];
	io->addr = addr;
	io->gsi_base = base;
	return true;
}

static bool madt_override(struct acpi_info *info, const uint8_t *e)
{
	uint8_t bus = e[2], irq = e[3];
	uint32_t gsi = get32(e + 4);
	struct acpi_isa_irq *isa;

	if (bus != 0 || irq >= ACPI_NR_ISA_IRQS || gsi > ACPI_MAX_GSI)
		return false;
	isa = &info->isa[irq];
	if (isa->overridden)
		return false;	/* the first one stands */
	isa->gsi = gsi;
	isa->mode = inti_mode(get16(e + 8), true);
	isa->overridden = true;
	info->nr_overrides++;
	return true;
}

static bool madt_cpu(struct acpi_info *info, uint32_t apic_id, uint32_t flags)
{
	if (!(flags & LAPIC_ENABLED))
		return true;	/* present but off: nothing to record */
	if (info->nr_cpus == ACPI_MAX_CPUS)
		return false;
	info->cpu_apic_id[info->nr_cpus++] = apic_id;
	return true;
}

/* One MADT entry of at least 2 bytes that lies within the table. */
static bool madt_entry(struct acpi_info *info, const uint8_t *e, uint8_t len)
{
	switch (e[0]) {
	case MADT_LAPIC:
		return len >= 8 && madt_cpu(info, e[3], get32(e + 4));
	case MADT_X2APIC:
		return len >= 16 && madt_cpu(info, get32(e + 4),
					     get32(e + 8));
	case MADT_IOAPIC:
		return len >= 12 && madt_ioapic(info, e);
	case MADT_OVERRIDE:
		return len >= 10 && madt_override(info, e);
	case MADT_NMI_SOURCE:
		if (len < 8 || get32(e + 4) > ACPI_MAX_GSI ||
		    info->nr_nmi_sources == ACPI_MAX_NMI_SOURCES)
			return false;
		info->nmi_source[info->nr_nmi_sources++] =
			(struct acpi_nmi_source){
				.gsi = get32(e + 4),
				.mode = inti_mode(get16(e + 2), false),
			};
		return true;
	case MADT_LAPIC_NMI:
		if (len < 6 || e[5] > 1)
			return false;
		/* All processors (0xff) or the first one listed: one CPU. */
		if (info->lapic_nmi_lint < 0)
			info->lapic_nmi_lint = e[5];
		return true;
	case MADT_X2APIC_NMI:
		if (len < 12 || e[8] > 1)
			return false;
		if (info->lapic_nmi_lint < 0)
			info->lapic_nmi_lint = e[8];
		return true;
	case MADT_LAPIC_ADDR:
		if (len < 12 || !get64(e + 4))
			return false;
		info->lapic_addr = get64(e + 4);
		return true;
	default:
		return true;	/* not ours to care about */
	}
}

static void parse_madt(struct acpi_info *info, const uint8_t *t, uint32_t len)
{
	uint32_t off;

	if (len < SDT_HEADER_LEN + 8) {
		pr_warn("ACPI: MADT too short (%u bytes)\n", len);
		return;
	}
	info->have_madt = true;
	info->lapic_addr = get32(t + 36);
	info->pcat_compat = get32(t + 40) & MADT_PCAT_COMPAT;

	for (off = SDT_HEADER_LEN + 8; off + 2 <= len; off += t[off + 1]) {
		uint8_t elen = t[off + 1];

		if (elen < 2 || elen > len - off) {
			pr_warn("ACPI: MADT entry at offset %u: bad length "
				"%u; the rest is ignored\n", off, elen);
			info->nr_ignored++;
			break;
		}
		if (!madt_entry(info, t + off, elen))
			info->nr_ignored++;
	}
	if (info->nr_ignored)
		pr_warn("ACPI: %u MADT entries ignored (malformed, "
			"duplicate or too many)\n", info->nr_ignored);
}

/* ---- FADT ---------------------------------------------------------------- */

/* A 32-bit port field of the FADT: 0 if beyond the table or not a port. */
static uint16_t fadt_port(const uint8_t *t, uint32_t len, uint32_t off)
{
	uint32_t v;

	if (off + 4 > len)
		return 0;
	v = get32(t + off);
	return v <= 0xffff ? v : 0;
}

static bool fadt_gas(const uint8_t *t, uint32_t len, uint32_t off,
		     struct acpi_gas *g)
{
	if (off + 12 > len)
		return false;
	g->space = t[off];
	g->bit_width = t[off + 1];
	g->bit_offset = t[off + 2];
	g->access_size = t[off + 3];
	g->address = get64(t + off + 4);
	return g->address != 0;
}

/* An extended (X_) port block, preferred over the old field when valid. */
static uint16_t fadt_xport(const uint8_t *t, uint32_t len, uint32_t xoff,
			   uint16_t legacy)
{
	struct acpi_gas g;

	if (!fadt_gas(t, len, xoff, &g) || g.space != ACPI_SPACE_IO ||
	    g.address > 0xffff)
		return legacy;
	return g.address;
}

static void parse_fadt(struct acpi_info *info, const uint8_t *t, uint32_t len)
{
	uint32_t flags;

	if (len < 80) {
		pr_warn("ACPI: FADT too short (%u bytes)\n", len);
		return;
	}
	info->have_fadt = true;
	info->fadt_revision = t[8];
	info->sci_irq = get16(t + 46);
	info->smi_cmd_port = fadt_port(t, len, 48);
	info->pm1a_evt_port = fadt_xport(t, len, 148, fadt_port(t, len, 56));
	info->pm1b_evt_port = fadt_xport(t, len, 160, fadt_port(t, len, 60));
	info->pm1a_cnt_port = fadt_xport(t, len, 172, fadt_port(t, len, 64));
	info->pm1b_cnt_port = fadt_xport(t, len, 184, fadt_port(t, len, 68));
	info->pm_tmr_port = fadt_xport(t, len, 208, fadt_port(t, len, 76));

	/* Boot architecture flags exist from FADT revision 3 (ACPI 2.0). */
	if (info->fadt_revision >= 3 && len >= 111)
		info->boot_arch = get16(t + 109);
	if (len < 129)
		return;
	flags = get32(t + 112);
	if (!(flags & FADT_RESET_REG_SUP) ||
	    !fadt_gas(t, len, 116, &info->reset_reg))
		return;
	switch (info->reset_reg.space) {
	case ACPI_SPACE_IO:
		if (info->reset_reg.address > 0xffff)
			return;
		break;
	case ACPI_SPACE_MEMORY:
	case ACPI_SPACE_PCI_CONFIG:
		break;
	default:
		return;
	}
	info->reset_supported = true;
	info->reset_value = t[128];
}

/* ---- the walk ------------------------------------------------------------ */

static void reset_info(struct acpi_info *info)
{
	memset(info, 0, sizeof(*info));
	info->lapic_nmi_lint = -1;
	for (unsigned int i = 0; i < ACPI_NR_ISA_IRQS; i++)
		info->isa[i].gsi = i;	/* edge, active high */
}

/* Parse the tables the RSDT/XSDT at t lists (the first of each kind). */
static void walk_sdt(acpi_map_fn map, struct acpi_info *info,
		     const uint8_t *sdt, uint32_t len)
{
	unsigned int size = info->xsdt ? 8 : 4;
	unsigned int n = (len - SDT_HEADER_LEN) / size;

	if (n > ACPI_MAX_SDT_ENTRIES) {
		pr_warn("ACPI: %u tables listed; only the first %u are "
			"read\n", n, ACPI_MAX_SDT_ENTRIES);
		n = ACPI_MAX_SDT_ENTRIES;
	}
	info->nr_tables = n;
	for (unsigned int i = 0; i < n; i++) {
		const uint8_t *e = sdt + SDT_HEADER_LEN + i * size;
		paddr_t pa = info->xsdt ? get64(e) : get32(e);
		const uint8_t *hdr = map_range(map, pa, SDT_HEADER_LEN);
		const uint8_t *t;
		uint32_t tlen;

		if (!hdr)
			continue;
		if (!info->have_madt && !memcmp(hdr, "APIC", 4)) {
			t = map_table(map, pa, "APIC", &tlen);
			if (t)
				parse_madt(info, t, tlen);
		} else if (!info->have_fadt && !memcmp(hdr, "FACP", 4)) {
			t = map_table(map, pa, "FACP", &tlen);
			if (t)
				parse_fadt(info, t, tlen);
		}
	}
}

int acpi_parse(acpi_map_fn map, struct acpi_info *info)
{
	const uint8_t *rsdp, *sdt = NULL;
	uint32_t len = 0;
	paddr_t pa;

	reset_info(info);
	pa = find_rsdp(map);
	if (!pa)
		return -ENOENT;
	rsdp = map_range(map, pa, RSDP_V1_LEN);
	if (!rsdp)
		return -ENOENT;
	info->rsdp_addr = pa;
	info->revision = rsdp[15];
	memcpy(info->oem_id, rsdp + 9, 6);
	for (unsigned int i = 0; i < 6; i++)
		if (info->oem_id[i] < 0x20 || info->oem_id[i] > 0x7e)
			info->oem_id[i] = '?';

	/* ACPI 2+: the XSDT, if it is there and sound; else the RSDT. */
	if (info->revision >= 2) {
		rsdp = map_range(map, pa, RSDP_V2_LEN);
		if (!rsdp)
			return -ENOENT;
		if (get64(rsdp + 24)) {
			sdt = map_table(map, get64(rsdp + 24), "XSDT", &len);
			info->xsdt = sdt != NULL;
			info->sdt_addr = get64(rsdp + 24);
		}
	}
	if (!sdt) {
		sdt = map_table(map, get32(rsdp + 16), "RSDT", &len);
		if (!sdt)
			return -ENOENT;
		info->sdt_addr = get32(rsdp + 16);
	}
	info->found = true;
	walk_sdt(map, info, sdt, len);
	return 0;
}

int acpi_gsi_isa_irq(const struct acpi_info *info, unsigned int gsi)
{
	/* An override that moves an IRQ here displaces the identity map. */
	for (unsigned int i = 0; i < ACPI_NR_ISA_IRQS; i++)
		if (info->isa[i].overridden && info->isa[i].gsi == gsi)
			return i;
	if (gsi < ACPI_NR_ISA_IRQS && info->isa[gsi].gsi == gsi)
		return gsi;
	return -1;
}

uint8_t acpi_gsi_default_mode(const struct acpi_info *info, unsigned int gsi)
{
	int isa = acpi_gsi_isa_irq(info, gsi);

	if (isa >= 0)
		return info->isa[isa].mode;
	/* ISA lines are edge/high, PCI ones (from GSI 16 on) level/low. */
	if (gsi < ACPI_NR_ISA_IRQS)
		return 0;
	return ACPI_IRQ_LEVEL | ACPI_IRQ_ACTIVE_LOW;
}

/* ---- on the machine ------------------------------------------------------ */

/*
 * RAM and ACPI-reclaimable memory are in the direct map; tables in
 * reserved ranges (QEMU puts them there) and the BIOS area get an
 * uncached mapping of their own.
 */
static const void *acpi_map_phys(paddr_t pa, size_t len)
{
	unsigned int bits = boot_cpu.phys_addr_bits ?: 36;

	if (bits < 64 && pa + len > (1ULL << bits))
		return NULL;
	for (unsigned int i = 0; i < boot_info.nr_mem; i++) {
		const struct mem_region *r = &boot_info.mem[i];

		if ((r->type == MEM_RAM || r->type == MEM_ACPI) &&
		    pa >= r->start && pa + len <= r->start + r->size)
			return maddr_to_virt(pa);
	}
	return ioremap(pa, len);
}

static void print_isa_routing(const struct acpi_info *info)
{
	char buf[256];
	int n = 0;

	for (unsigned int i = 0; i < ACPI_NR_ISA_IRQS; i++) {
		const struct acpi_isa_irq *isa = &info->isa[i];

		if (!isa->overridden || n >= (int)sizeof(buf))
			continue;
		n += snprintf(buf + n, sizeof(buf) - n, " %u->%u%s%s", i,
			      isa->gsi,
			      isa->mode & ACPI_IRQ_LEVEL ? " level" : "",
			      isa->mode & ACPI_IRQ_ACTIVE_LOW ? " low" : "");
	}
	if (n)
		printk("ACPI: ISA IRQ overrides:%s\n", buf);
}

void acpi_init(void)
{
	struct acpi_info *info = &acpi_info;

	if (acpi_parse(acpi_map_phys, info)) {
		pr_warn("ACPI: no usable tables; assuming one IO-APIC and "
			"the ISA IRQs on GSIs 0-15\n");
		return;
	}
	printk("ACPI: RSDP at %#lx (revision %u, %s), %s at %#lx, %u "
	       "tables\n", info->rsdp_addr, info->revision, info->oem_id,
	       info->xsdt ? "XSDT" : "RSDT", info->sdt_addr, info->nr_tables);
	if (info->have_madt) {
		printk("ACPI: MADT: %u CPU%s, local APIC at %#lx%s\n",
		       info->nr_cpus, info->nr_cpus == 1 ? "" : "s",
		       info->lapic_addr,
		       info->pcat_compat ? ", 8259 PICs present" : "");
		for (unsigned int i = 0; i < info->nr_ioapics; i++)
			printk("ACPI: IO-APIC %u at %#x, GSIs from %u\n",
			       info->ioapic[i].id, info->ioapic[i].addr,
			       info->ioapic[i].gsi_base);
		print_isa_routing(info);
		if (info->nr_nmi_sources || info->lapic_nmi_lint >= 0)
			printk("ACPI: NMI: %u IO-APIC source%s, local APIC "
			       "LINT%d\n", info->nr_nmi_sources,
			       info->nr_nmi_sources == 1 ? "" : "s",
			       info->lapic_nmi_lint);
	} else {
		pr_warn("ACPI: no MADT; assuming one IO-APIC\n");
	}
	if (info->have_fadt) {
		printk("ACPI: FADT: SCI IRQ %u, PM1a control %#x, PM1b "
		       "control %#x, PM timer %#x\n", info->sci_irq,
		       info->pm1a_cnt_port, info->pm1b_cnt_port,
		       info->pm_tmr_port);
		if (info->reset_supported)
			printk("ACPI: reset register: %s %#lx, value %#x\n",
			       info->reset_reg.space == ACPI_SPACE_IO ? "port" :
			       info->reset_reg.space == ACPI_SPACE_MEMORY ?
			       "memory" : "PCI config",
			       info->reset_reg.address, info->reset_value);
	}
}
