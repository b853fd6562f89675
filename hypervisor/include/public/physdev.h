/*
 * Tandem public ABI: HYPERVISOR_physdev_op(cmd, arg) - physical IRQs
 * (PIRQs), MSI and PCI device registration, I/O privilege. Mostly used by
 * dom0; domUs only touch set_iopl and pirq_eoi_gmfn.
 */
#ifndef TANDEM_PUBLIC_PHYSDEV_H
#define TANDEM_PUBLIC_PHYSDEV_H

#include <public/xen.h>

/* Commands and the struct each one takes. */
#define PHYSDEVOP_IRQ_UNMASK_NOTIFY	4  /* obsolete, no argument */
#define PHYSDEVOP_irq_status_query	5  /* physdev_irq_status_query */
#define PHYSDEVOP_set_iopl		6  /* physdev_set_iopl */
#define PHYSDEVOP_set_iobitmap		7  /* physdev_set_iobitmap */
#define PHYSDEVOP_apic_read		8  /* physdev_apic */
#define PHYSDEVOP_apic_write		9  /* physdev_apic */
#define PHYSDEVOP_alloc_irq_vector	10 /* physdev_irq */
#define PHYSDEVOP_free_irq_vector	11 /* physdev_irq */
#define PHYSDEVOP_eoi			12 /* physdev_eoi */
#define PHYSDEVOP_map_pirq		13 /* physdev_map_pirq */
#define PHYSDEVOP_unmap_pirq		14 /* physdev_unmap_pirq */
#define PHYSDEVOP_manage_pci_add	15 /* physdev_manage_pci */
#define PHYSDEVOP_manage_pci_remove	16 /* physdev_manage_pci */
#define PHYSDEVOP_pirq_eoi_gmfn_v1	17 /* physdev_pirq_eoi_gmfn */
#define PHYSDEVOP_restore_msi		19 /* physdev_restore_msi */
#define PHYSDEVOP_manage_pci_add_ext	20 /* physdev_manage_pci_ext */
#define PHYSDEVOP_setup_gsi		21 /* physdev_setup_gsi */
/* 22 is unused */
#define PHYSDEVOP_get_free_pirq		23 /* physdev_get_free_pirq */
#define PHYSDEVOP_pci_mmcfg_reserved	24 /* physdev_pci_mmcfg_reserved */
#define PHYSDEVOP_pci_device_add	25 /* physdev_pci_device_add */
#define PHYSDEVOP_pci_device_remove	26 /* physdev_pci_device */
#define PHYSDEVOP_restore_msi_ext	27 /* physdev_pci_device */
#define PHYSDEVOP_pirq_eoi_gmfn_v2	28 /* physdev_pirq_eoi_gmfn */
#define PHYSDEVOP_dbgp_op		29 /* physdev_dbgp_op */
#define PHYSDEVOP_prepare_msix		30 /* physdev_pci_device */
#define PHYSDEVOP_release_msix		31 /* physdev_pci_device */
#define PHYSDEVOP_pci_device_reset	32 /* pci_device_reset (> 4.17) */

/* physdev_irq_status_query.flags */
#define _XENIRQSTAT_needs_eoi		0
#define XENIRQSTAT_needs_eoi		(1 << _XENIRQSTAT_needs_eoi)
#define _XENIRQSTAT_shared		1
#define XENIRQSTAT_shared		(1 << _XENIRQSTAT_shared)

/* physdev_map_pirq.type */
#define MAP_PIRQ_TYPE_MSI		0x0
#define MAP_PIRQ_TYPE_GSI		0x1
#define MAP_PIRQ_TYPE_UNKNOWN		0x2
#define MAP_PIRQ_TYPE_MSI_SEG		0x3 /* MSI, segment in bus[31:16] */
#define MAP_PIRQ_TYPE_MULTI_MSI		0x4 /* entry_nr vectors at once */

/* physdev_pci_mmcfg_reserved.flags */
#define XEN_PCI_MMCFG_RESERVED		0x1

/* physdev_pci_device_add.flags */
#define XEN_PCI_DEV_EXTFN		0x1 /* ARI extended function */
#define XEN_PCI_DEV_VIRTFN		0x2 /* SR-IOV VF; physfn valid */
#define XEN_PCI_DEV_PXM			0x4 /* optarr[0] is the PXM */

/* pci_device_reset.flags */
#define PCI_DEVICE_RESET_COLD		0x0
#define PCI_DEVICE_RESET_WARM		0x1
#define PCI_DEVICE_RESET_HOT		0x2
#define PCI_DEVICE_RESET_FLR		0x3
#define PCI_DEVICE_RESET_MASK		0x3

/* physdev_dbgp_op.op and .bus */
#define PHYSDEVOP_DBGP_RESET_PREPARE	1
#define PHYSDEVOP_DBGP_RESET_DONE	2
#define PHYSDEVOP_DBGP_BUS_UNKNOWN	0
#define PHYSDEVOP_DBGP_BUS_PCI		1

#ifndef __ASSEMBLER__

/* Tell the hypervisor a PIRQ has been handled. */
struct physdev_eoi {
	uint32_t irq;			/* IN: PIRQ */
};
_Static_assert(sizeof(struct physdev_eoi) == 4, "physdev_eoi");

/*
 * Register a page the hypervisor uses as a bitmap (indexed by PIRQ) of
 * interrupts that need a PHYSDEVOP_eoi. With v1 the event channel is also
 * unmasked on EOI; v2 keeps the normal EOI semantics.
 */
struct physdev_pirq_eoi_gmfn {
	xen_pfn_t gmfn;			/* IN */
};
_Static_assert(sizeof(struct physdev_pirq_eoi_gmfn) == 8,
	       "physdev_pirq_eoi_gmfn");

struct physdev_irq_status_query {
	uint32_t irq;			/* IN: PIRQ */
	uint32_t flags;			/* OUT: XENIRQSTAT_* */
};
_Static_assert(sizeof(struct physdev_irq_status_query) == 8,
	       "physdev_irq_status_query");

/* Virtual IOPL of the calling vCPU (0..3). */
struct physdev_set_iopl {
	uint32_t iopl;			/* IN */
};
_Static_assert(sizeof(struct physdev_set_iopl) == 4, "physdev_set_iopl");

/* I/O permission bitmap of the calling vCPU (TSS format, 1 = deny). */
struct physdev_set_iobitmap {
	guest_handle_t bitmap;		/* IN: uint8_t array */
	uint32_t nr_ports;		/* IN */
	uint32_t _pad0;
};
_Static_assert(sizeof(struct physdev_set_iobitmap) == 16,
	       "physdev_set_iobitmap");

/* Read or write an IO-APIC register (dom0). */
struct physdev_apic {
	uint64_t apic_physbase;		/* IN: IO-APIC base address */
	uint32_t reg;			/* IN: register index */
	uint32_t value;			/* IN (write) or OUT (read) */
};
_Static_assert(sizeof(struct physdev_apic) == 16, "physdev_apic size");
_Static_assert(offsetof(struct physdev_apic, value) == 12,
	       "physdev_apic.value");

/* Allocate or free the vector of an IRQ. */
struct physdev_irq {
	uint32_t irq;			/* IN */
	uint32_t vector;		/* IN or OUT */
};
_Static_assert(sizeof(struct physdev_irq) == 8, "physdev_irq");

/* Create a PIRQ for a GSI or an MSI/MSI-X vector of a PCI device. */
struct physdev_map_pirq {
	domid_t domid;			/* IN */
	uint16_t _pad0;
	int32_t type;			/* IN: MAP_PIRQ_TYPE_* */
	int32_t index;			/* IN: GSI, or MSI-X entry */
	int32_t pirq;			/* IN (wanted, or -1) / OUT */
	int32_t bus;			/* IN: (segment << 16) | bus */
	int32_t devfn;			/* IN */
	int32_t entry_nr;		/* IN: MSI-X entry / MSI count */
	uint32_t _pad1;
	uint64_t table_base;		/* IN: MSI-X table address */
};
_Static_assert(sizeof(struct physdev_map_pirq) == 40,
	       "physdev_map_pirq size");
_Static_assert(offsetof(struct physdev_map_pirq, type) == 4,
	       "physdev_map_pirq.type");
_Static_assert(offsetof(struct physdev_map_pirq, entry_nr) == 24,
	       "physdev_map_pirq.entry_nr");
_Static_assert(offsetof(struct physdev_map_pirq, table_base) == 32,
	       "physdev_map_pirq.table_base");

struct physdev_unmap_pirq {
	domid_t domid;			/* IN */
	uint16_t _pad0;
	int32_t pirq;			/* IN */
};
_Static_assert(sizeof(struct physdev_unmap_pirq) == 8, "physdev_unmap_pirq");

/* Old-style PCI device announcement (segment 0 only). */
struct physdev_manage_pci {
	uint8_t bus;			/* IN */
	uint8_t devfn;			/* IN */
};
_Static_assert(sizeof(struct physdev_manage_pci) == 2, "physdev_manage_pci");

struct physdev_restore_msi {
	uint8_t bus;			/* IN */
	uint8_t devfn;			/* IN */
};
_Static_assert(sizeof(struct physdev_restore_msi) == 2,
	       "physdev_restore_msi");

struct physdev_manage_pci_ext {
	uint8_t bus;			/* IN */
	uint8_t devfn;			/* IN */
	uint16_t _pad0;
	uint32_t is_extfn;		/* IN: ARI extended function */
	uint32_t is_virtfn;		/* IN: SR-IOV VF */
	struct {
		uint8_t bus;
		uint8_t devfn;
	} physfn;			/* IN: its PF, if is_virtfn */
	uint16_t _pad1;
};
_Static_assert(sizeof(struct physdev_manage_pci_ext) == 16,
	       "physdev_manage_pci_ext size");
_Static_assert(offsetof(struct physdev_manage_pci_ext, physfn) == 12,
	       "physdev_manage_pci_ext.physfn");

/* Argument of the old physdev_op_compat hypercall (number 19). */
struct physdev_op {
	uint32_t cmd;			/* PHYSDEVOP_* */
	uint32_t _pad0;
	union {
		struct physdev_irq_status_query irq_status_query;
		struct physdev_set_iopl set_iopl;
		struct physdev_set_iobitmap set_iobitmap;
		struct physdev_apic apic_op;
		struct physdev_irq irq_op;
	} u;
};
_Static_assert(sizeof(struct physdev_op) == 24, "physdev_op size");
_Static_assert(offsetof(struct physdev_op, u) == 8, "physdev_op.u");

/* Set trigger mode and polarity of a GSI (from ACPI). */
struct physdev_setup_gsi {
	int32_t gsi;			/* IN */
	uint8_t triggering;		/* IN: 0 edge, 1 level */
	uint8_t polarity;		/* IN: 0 active high, 1 low */
	uint16_t _pad0;
};
_Static_assert(sizeof(struct physdev_setup_gsi) == 8, "physdev_setup_gsi");

struct physdev_get_free_pirq {
	int32_t type;			/* IN: MAP_PIRQ_TYPE_GSI or _MSI */
	uint32_t pirq;			/* OUT */
};
_Static_assert(sizeof(struct physdev_get_free_pirq) == 8,
	       "physdev_get_free_pirq");

/* An MMCONFIG area that firmware reserved (ACPI MCFG). */
struct physdev_pci_mmcfg_reserved {
	uint64_t address;
	uint16_t segment;
	uint8_t start_bus;
	uint8_t end_bus;
	uint32_t flags;			/* XEN_PCI_MMCFG_RESERVED */
};
_Static_assert(sizeof(struct physdev_pci_mmcfg_reserved) == 16,
	       "physdev_pci_mmcfg_reserved");

struct physdev_pci_device_add {
	uint16_t seg;			/* IN */
	uint8_t bus;			/* IN */
	uint8_t devfn;			/* IN */
	uint32_t flags;			/* IN: XEN_PCI_DEV_* */
	struct {
		uint8_t bus;
		uint8_t devfn;
	} physfn;			/* IN: PF of a VF */
	uint16_t _pad0;
	uint32_t optarr[];		/* IN: [0] = PXM if XEN_PCI_DEV_PXM */
};
_Static_assert(sizeof(struct physdev_pci_device_add) == 12,
	       "physdev_pci_device_add size");
_Static_assert(offsetof(struct physdev_pci_device_add, physfn) == 8,
	       "physdev_pci_device_add.physfn");

/* A PCI device by segment/bus/devfn. */
struct physdev_pci_device {
	uint16_t seg;			/* IN */
	uint8_t bus;			/* IN */
	uint8_t devfn;			/* IN */
};
_Static_assert(sizeof(struct physdev_pci_device) == 4, "physdev_pci_device");

struct pci_device_reset {
	struct physdev_pci_device dev;	/* IN */
	uint32_t flags;			/* IN: PCI_DEVICE_RESET_* */
};
_Static_assert(sizeof(struct pci_device_reset) == 8, "pci_device_reset");

/* USB debug port controller reset notification. */
struct physdev_dbgp_op {
	uint8_t op;			/* IN: PHYSDEVOP_DBGP_RESET_* */
	uint8_t bus;			/* IN: PHYSDEVOP_DBGP_BUS_* */
	union {
		struct physdev_pci_device pci;
	} u;				/* at offset 2 */
};
_Static_assert(sizeof(struct physdev_dbgp_op) == 6, "physdev_dbgp_op size");
_Static_assert(offsetof(struct physdev_dbgp_op, u) == 2,
	       "physdev_dbgp_op.u");

#endif /* !__ASSEMBLER__ */

#endif /* TANDEM_PUBLIC_PHYSDEV_H */
