// SPDX-License-Identifier: MIT
/*
 * Device interrupts and their delivery to dom0.
 *
 * Every interrupt source has a descriptor: irq n < nr_gsis is GSI n,
 * descriptors above hold MSIs. A source either belongs to the
 * hypervisor (the PIT, COM1: never given to a domain) or may be mapped
 * by dom0 to a physical IRQ (PIRQ) and then bound to an event channel.
 * Only while it is bound does the source have a vector and is its line
 * unmasked.
 *
 * The flow, in interrupt context (we interrupted a guest or the idle
 * loop; nothing of the hypervisor is half done):
 *  - edge (ISA lines, MSI): acknowledge the local APIC, raise the port;
 *  - level (PCI INTx, the ACPI SCI): mask the IO-APIC pin, acknowledge,
 *    raise the port. The pin stays masked until the guest says it has
 *    served the device (PHYSDEVOP_eoi); if the device still asserts the
 *    line then, the interrupt comes again.
 * Whether a PIRQ needs that EOI is in the guest's pirq_eoi bitmap page,
 * if it registered one (PHYSDEVOP_pirq_eoi_gmfn_v2), and in
 * PHYSDEVOP_irq_status_query.
 *
 * A source has at most one owner: dom0 shares its lines with nobody.
 */
#include <tandem/domain.h>
#include <tandem/errno.h>
#include <tandem/event.h>
#include <tandem/lib.h>
#include <tandem/mm.h>
#include <asm/acpi.h>
#include <asm/apic.h>
#include <asm/io_apic.h>
#include <asm/irq.h>
#include <asm/msi.h>
#include <asm/pagetable.h>
#include <asm/serial.h>
#include <public/physdev.h>

#define PIT_ISA_IRQ		0

enum irq_type {
	IRQT_NONE,		/* no such GSI, or a free MSI slot */
	IRQT_GSI,
	IRQT_MSI,
};

/* irq_desc.flags */
#define IRQF_HYPERVISOR		(1U << 0)	/* ours: never a guest's */
#define IRQF_CONFIGURED		(1U << 1)	/* dom0 did setup_gsi */
#define IRQF_IN_FLIGHT		(1U << 2)	/* level: masked until EOI */

struct irq_desc {
	uint8_t type;			/* enum irq_type */
	uint8_t vector;			/* 0: none */
	uint8_t mode;			/* ACPI_IRQ_* */
	uint8_t flags;			/* IRQF_* */
	struct domain *owner;		/* the domain that mapped it */
	uint32_t pirq;			/* its name there */
	evtchn_port_t port;		/* bound event channel, 0 if none */
	void (*handler)(void);		/* the hypervisor's own */
	struct msi_desc msi;
	uint64_t count;			/* interrupts taken */
};

/* A domain's PIRQ table: NO_IRQ, PIRQ_RESERVED, or the irq it names. */
#define NO_IRQ			(-1)
#define PIRQ_RESERVED		(-2)

struct domain_irqs {
	int16_t pirq_irq[NR_PIRQS];
	uint64_t *eoi_map;		/* the guest's bitmap page, or NULL */
	mfn_t eoi_mfn;
};

BUILD_BUG_ON(NR_PIRQS > PAGE_SIZE * 8);
BUILD_BUG_ON(NR_IRQS > INT16_MAX);
BUILD_BUG_ON(NR_GSI_IRQS >= NR_IRQS);

static struct irq_desc irq_desc[NR_IRQS];
static unsigned int nr_gsis;			/* descriptors 0..nr_gsis-1 */
static int16_t vector_irq[256];			/* irq of a vector, or -1 */

/* ---- vectors ------------------------------------------------------------- */

static uint64_t used_vectors[256 / 64];
static unsigned int next_vector = FIRST_DEVICE_VECTOR;

static bool vector_used(unsigned int v)
{
	return used_vectors[v / 64] & (1ULL << (v % 64));
}

/*
 * First free vector from where the last search ended, so a vector just
 * freed is the last to be reused: an interrupt still on its way for
 * the old owner then finds nobody, not a new owner.
 */
int vector_alloc(void)
{
	for (unsigned int i = 0; i < NR_DEVICE_VECTORS; i++) {
		unsigned int v = next_vector;

		next_vector = v == LAST_DEVICE_VECTOR ? FIRST_DEVICE_VECTOR :
			      v + 1;
		if (!vector_used(v)) {
			used_vectors[v / 64] |= 1ULL << (v % 64);
			return v;
		}
	}
	return -ENOSPC;
}

void vector_free(unsigned int vector)
{
	if (vector < FIRST_DEVICE_VECTOR || vector > LAST_DEVICE_VECTOR ||
	    !vector_used(vector)) {
		pr_err("IRQ: freeing vector %#x, which is not allocated\n",
		       vector);
		return;
	}
	used_vectors[vector / 64] &= ~(1ULL << (vector % 64));
}

/* ---- descriptors --------------------------------------------------------- */

static bool is_level(const struct irq_desc *desc)
{
	return desc->type == IRQT_GSI && (desc->mode & ACPI_IRQ_LEVEL);
}

static unsigned int desc_irq(const struct irq_desc *desc)
{
	return desc - irq_desc;
}

/* Give the source a vector and program its line, still masked. */
static int desc_attach_vector(struct irq_desc *desc)
{
	int v = vector_alloc();

	if (v < 0)
		return v;
	desc->vector = v;
	vector_irq[v] = desc_irq(desc);
	if (desc->type == IRQT_GSI)
		return io_apic_route(desc_irq(desc), v, desc->mode);
	msi_program(&desc->msi, v);
	return 0;
}

static void desc_detach_vector(struct irq_desc *desc)
{
	if (!desc->vector)
		return;
	vector_irq[desc->vector] = -1;
	vector_free(desc->vector);
	desc->vector = 0;
}

static void desc_mask(struct irq_desc *desc, bool masked)
{
	if (desc->type == IRQT_GSI)
		masked ? io_apic_mask(desc_irq(desc)) :
			 io_apic_unmask(desc_irq(desc));
	else
		msi_set_mask(&desc->msi, masked);
}

/* The hypervisor's own sources: dom0 may map them but never bind them. */
static void reserve_isa_irq(unsigned int isa_irq, const char *what)
{
	unsigned int gsi = acpi_isa_gsi(isa_irq);

	if (gsi < nr_gsis && irq_desc[gsi].type == IRQT_GSI) {
		irq_desc[gsi].flags |= IRQF_HYPERVISOR;
		printk("IRQ: GSI %u (ISA IRQ %u, %s) is the hypervisor's\n",
		       gsi, isa_irq, what);
	}
}

static void gsi_reset(unsigned int gsi)
{
	struct irq_desc *desc = &irq_desc[gsi];

	*desc = (struct irq_desc){
		.type = io_apic_gsi_valid(gsi) ? IRQT_GSI : IRQT_NONE,
		.mode = acpi_gsi_default_mode(&acpi_info, gsi),
		.flags = desc->flags & IRQF_HYPERVISOR,
		.handler = desc->handler,
		.vector = desc->vector,
		.count = desc->count,
	};
}

void irq_init(void)
{
	for (unsigned int v = 0; v < ARRAY_SIZE(vector_irq); v++)
		vector_irq[v] = -1;
	nr_gsis = io_apic_nr_gsis();
	if (nr_gsis > NR_GSI_IRQS) {
		pr_warn("IRQ: GSIs from %u on are not used (%u exist)\n",
			NR_GSI_IRQS, nr_gsis);
		nr_gsis = NR_GSI_IRQS;
	}
	for (unsigned int gsi = 0; gsi < nr_gsis; gsi++)
		gsi_reset(gsi);
	reserve_isa_irq(PIT_ISA_IRQ, "timer");
	reserve_isa_irq(SERIAL_IRQ, "serial console");
}

int request_isa_irq(unsigned int isa_irq, void (*handler)(void))
{
	unsigned int gsi = acpi_isa_gsi(isa_irq);
	struct irq_desc *desc;
	int rc;

	if (isa_irq >= ACPI_NR_ISA_IRQS || gsi >= nr_gsis ||
	    !(irq_desc[gsi].flags & IRQF_HYPERVISOR))
		return -ENODEV;
	desc = &irq_desc[gsi];
	if (desc->handler)
		return -EBUSY;
	desc->mode = acpi_info.isa[isa_irq].mode;
	rc = desc_attach_vector(desc);
	if (rc) {
		desc_detach_vector(desc);
		return rc;
	}
	desc->handler = handler;
	io_apic_unmask(gsi);
	return 0;
}

void do_device_interrupt(unsigned int vector)
{
	int irq = vector < ARRAY_SIZE(vector_irq) ? vector_irq[vector] : -1;
	struct irq_desc *desc;

	if (irq < 0) {
		/* Freed while the interrupt was on its way. */
		apic_eoi();
		return;
	}
	desc = &irq_desc[irq];
	desc->count++;
	if (desc->handler) {
		desc->handler();
		apic_eoi();
		return;
	}
	if (!desc->port) {
		/* Not bound (any more): keep the line quiet. */
		desc_mask(desc, true);
		apic_eoi();
		return;
	}
	if (is_level(desc)) {
		/* Masked before the EOI, or it would fire again at once. */
		io_apic_mask(irq);
		desc->flags |= IRQF_IN_FLIGHT;
	}
	apic_eoi();
	evtchn_set_pending(desc->owner, desc->port);
}

/* ---- a domain's PIRQs ---------------------------------------------------- */

static struct domain_irqs *domain_irqs(struct domain *d, bool create)
{
	struct domain_irqs *di = d->arch.irqs;

	if (di || !create)
		return di;
	di = xzalloc(sizeof(*di));
	if (!di)
		return NULL;
	for (unsigned int i = 0; i < NR_PIRQS; i++)
		di->pirq_irq[i] = NO_IRQ;
	di->eoi_mfn = INVALID_MFN;
	d->arch.irqs = di;
	return di;
}

/* The descriptor a PIRQ of d names, or NULL. */
static struct irq_desc *pirq_desc(struct domain *d, uint32_t pirq)
{
	struct domain_irqs *di = domain_irqs(d, false);
	int irq;

	if (!di || pirq >= NR_PIRQS)
		return NULL;
	irq = di->pirq_irq[pirq];
	return irq >= 0 ? &irq_desc[irq] : NULL;
}

static void set_eoi_bit(struct domain *d, uint32_t pirq, bool needed)
{
	struct domain_irqs *di = domain_irqs(d, false);
	uint64_t bit = 1ULL << (pirq % 64);

	if (!di || !di->eoi_map)
		return;
	if (needed)
		di->eoi_map[pirq / 64] |= bit;
	else
		di->eoi_map[pirq / 64] &= ~bit;
}

int pirq_map_gsi(struct domain *d, int gsi, int *pirq)
{
	struct domain_irqs *di;
	struct irq_desc *desc;

	if (gsi < 0 || (unsigned int)gsi >= nr_gsis ||
	    irq_desc[gsi].type != IRQT_GSI)
		return -EINVAL;
	/* As Xen does for dom0: the PIRQ of a GSI is the GSI. */
	if (*pirq != -1 && *pirq != gsi)
		return -EINVAL;
	desc = &irq_desc[gsi];
	if (desc->owner && desc->owner != d)
		return -EBUSY;
	di = domain_irqs(d, true);
	if (!di)
		return -ENOMEM;
	di->pirq_irq[gsi] = gsi;
	desc->owner = d;
	desc->pirq = gsi;
	*pirq = gsi;
	return 0;
}

static int alloc_msi_irq(void)
{
	for (unsigned int irq = nr_gsis; irq < NR_IRQS; irq++)
		if (irq_desc[irq].type == IRQT_NONE)
			return irq;
	return -ENOSPC;
}

/* A PIRQ for an MSI: the one asked for, or the highest free one. */
static int msi_pirq(struct domain_irqs *di, int want)
{
	if (want >= 0) {
		if ((unsigned int)want < nr_gsis || want >= NR_PIRQS ||
		    di->pirq_irq[want] >= 0)
			return -EINVAL;
		return want;
	}
	if (want != -1)
		return -EINVAL;
	for (int p = NR_PIRQS - 1; p >= (int)nr_gsis; p--)
		if (di->pirq_irq[p] == NO_IRQ)
			return p;
	return -ENOSPC;
}

/* Is this source (an MSI, or one MSI-X entry) of a device mapped? */
static bool msi_mapped(const struct msi_desc *m)
{
	for (unsigned int irq = nr_gsis; irq < NR_IRQS; irq++) {
		const struct irq_desc *desc = &irq_desc[irq];

		if (desc->type == IRQT_MSI && desc->msi.bus == m->bus &&
		    desc->msi.devfn == m->devfn &&
		    desc->msi.msix == m->msix &&
		    (!m->msix || desc->msi.entry == m->entry))
			return true;
	}
	return false;
}

int pirq_map_msi(struct domain *d, const struct msi_request *req, int *pirq)
{
	struct domain_irqs *di;
	struct irq_desc *desc;
	struct msi_desc m;
	int irq, p, rc;

	/* Other segments need the ECAM, which dom0 keeps to itself. */
	if (req->seg)
		return -EOPNOTSUPP;
	if (req->table_base && req->entry_nr < 0)
		return -EINVAL;
	rc = msi_probe(req->bus, req->devfn,
		       req->table_base ? req->entry_nr : -1, &m);
	if (rc)
		return rc;
	if (msi_mapped(&m))
		return -EEXIST;
	di = domain_irqs(d, true);
	if (!di)
		return -ENOMEM;
	p = msi_pirq(di, *pirq);
	if (p < 0)
		return p;
	irq = alloc_msi_irq();
	if (irq < 0)
		return irq;

	desc = &irq_desc[irq];
	*desc = (struct irq_desc){
		.type = IRQT_MSI,
		.owner = d,
		.pirq = p,
		.msi = m,
	};
	rc = desc_attach_vector(desc);
	if (rc) {
		desc_detach_vector(desc);
		desc->type = IRQT_NONE;
		return rc;
	}
	di->pirq_irq[p] = irq;
	*pirq = p;
	printk("IRQ: %s %u of %02x:%02x.%u is PIRQ %d of %s (vector %#x)\n",
	       m.msix ? "MSI-X entry" : "MSI", m.entry, req->bus,
	       req->devfn >> 3, req->devfn & 7, p, d->name, desc->vector);
	return 0;
}

static void unmap_desc(struct domain_irqs *di, struct irq_desc *desc)
{
	di->pirq_irq[desc->pirq] = NO_IRQ;
	if (desc->type == IRQT_MSI) {
		msi_disable(&desc->msi);
		desc_detach_vector(desc);
		*desc = (struct irq_desc){ .type = IRQT_NONE };
	} else {
		gsi_reset(desc_irq(desc));
	}
}

int pirq_unmap(struct domain *d, int pirq)
{
	struct irq_desc *desc;

	if (pirq < 0)
		return -EINVAL;
	desc = pirq_desc(d, pirq);
	if (!desc)
		return -EINVAL;
	if (desc->port)
		return -EBUSY;	/* close its event channel first */
	unmap_desc(domain_irqs(d, false), desc);
	return 0;
}

int gsi_setup(int gsi, bool level, bool active_low)
{
	struct irq_desc *desc;

	if (gsi < 0 || (unsigned int)gsi >= nr_gsis ||
	    irq_desc[gsi].type != IRQT_GSI)
		return -EINVAL;
	desc = &irq_desc[gsi];
	/* Ours, in use, or set before: Xen's answer is "already set up". */
	if ((desc->flags & (IRQF_HYPERVISOR | IRQF_CONFIGURED)) || desc->port)
		return -EEXIST;
	desc->mode = (level ? ACPI_IRQ_LEVEL : 0) |
		     (active_low ? ACPI_IRQ_ACTIVE_LOW : 0);
	desc->flags |= IRQF_CONFIGURED;
	return 0;
}

int pirq_eoi(struct domain *d, uint32_t pirq)
{
	struct irq_desc *desc = pirq_desc(d, pirq);

	if (!desc)
		return -EINVAL;
	if ((desc->flags & IRQF_IN_FLIGHT) && desc->port) {
		desc->flags &= ~IRQF_IN_FLIGHT;
		io_apic_unmask(desc_irq(desc));
	}
	return 0;
}

int pirq_status(struct domain *d, uint32_t pirq, uint32_t *flags)
{
	struct irq_desc *desc;

	if (pirq >= NR_PIRQS)
		return -EINVAL;
	desc = pirq_desc(d, pirq);
	/* Only level lines wait for an EOI; nothing is shared. */
	*flags = desc && is_level(desc) ? XENIRQSTAT_needs_eoi : 0;
	return 0;
}

int pirq_get_free(struct domain *d, int type, uint32_t *pirq)
{
	struct domain_irqs *di = domain_irqs(d, true);
	int p;

	if (!di)
		return -ENOMEM;
	/* GSI-type PIRQs from 16 up, among the GSIs; others from the top. */
	if (type == MAP_PIRQ_TYPE_GSI) {
		for (p = 16; p < (int)nr_gsis; p++)
			if (di->pirq_irq[p] == NO_IRQ)
				goto found;
	}
	for (p = NR_PIRQS - 1; p >= (int)nr_gsis; p--)
		if (di->pirq_irq[p] == NO_IRQ)
			goto found;
	return -ENOSPC;
found:
	di->pirq_irq[p] = PIRQ_RESERVED;
	*pirq = p;
	return 0;
}

int pirq_set_eoi_map(struct domain *d, mfn_t mfn)
{
	struct domain_irqs *di = domain_irqs(d, true);
	struct page_info *pg;

	if (!di)
		return -ENOMEM;
	if (di->eoi_map)
		return -EBUSY;
	if (!mfn_is_ram(mfn))
		return -EINVAL;
	pg = mfn_to_page(mfn);
	if (get_page_and_type(pg, d, PGT_writable_page))
		return -EINVAL;
	di->eoi_map = mfn_to_virt(mfn);
	di->eoi_mfn = mfn;
	/* PIRQs bound before now: say what they need. */
	for (unsigned int p = 0; p < NR_PIRQS; p++) {
		struct irq_desc *desc = pirq_desc(d, p);

		if (desc && desc->port)
			set_eoi_bit(d, p, is_level(desc));
	}
	return 0;
}

int pirq_restore_msi(struct domain *d, uint16_t seg, uint8_t bus,
		     uint8_t devfn)
{
	/* No MSI of ours on another segment: nothing to restore. */
	if (seg)
		return 0;
	for (unsigned int irq = nr_gsis; irq < NR_IRQS; irq++) {
		struct irq_desc *desc = &irq_desc[irq];

		if (desc->type != IRQT_MSI || desc->owner != d ||
		    desc->msi.bus != bus || desc->msi.devfn != devfn)
			continue;
		msi_program(&desc->msi, desc->vector);
		if (desc->port)
			msi_set_mask(&desc->msi, false);
	}
	return 0;
}

int pirq_bind(struct domain *d, uint32_t pirq, evtchn_port_t port)
{
	struct irq_desc *desc = pirq_desc(d, pirq);
	int rc;

	if (pirq >= NR_PIRQS)
		return -EINVAL;
	if (!desc)
		return -EPERM;	/* not mapped for this domain */
	if (desc->flags & IRQF_HYPERVISOR)
		return -EBUSY;
	if (desc->port)
		return -EEXIST;
	if (desc->type == IRQT_GSI) {
		rc = desc_attach_vector(desc);
		if (rc) {
			desc_detach_vector(desc);
			return rc;
		}
	}
	desc->port = port;
	desc->flags &= ~IRQF_IN_FLIGHT;
	set_eoi_bit(d, pirq, is_level(desc));
	desc_mask(desc, false);
	return 0;
}

void pirq_unbind(struct domain *d, uint32_t pirq, evtchn_port_t port)
{
	struct irq_desc *desc = pirq_desc(d, pirq);

	if (!desc || !port || desc->port != port)
		return;
	desc_mask(desc, true);
	/* An MSI keeps its vector: the device holds it until unmapped. */
	if (desc->type == IRQT_GSI)
		desc_detach_vector(desc);
	desc->port = 0;
	desc->flags &= ~IRQF_IN_FLIGHT;
}

void pirq_release_domain(struct domain *d)
{
	struct domain_irqs *di = domain_irqs(d, false);

	if (!di)
		return;
	for (unsigned int p = 0; p < NR_PIRQS; p++) {
		struct irq_desc *desc = pirq_desc(d, p);

		if (!desc)
			continue;
		pirq_unbind(d, p, desc->port);
		unmap_desc(di, desc);
	}
	if (di->eoi_map)
		put_page_and_type(mfn_to_page(di->eoi_mfn));
	d->arch.irqs = NULL;
	xfree(di);
}
