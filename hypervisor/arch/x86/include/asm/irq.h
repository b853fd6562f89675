/* SPDX-License-Identifier: MIT */
/*
 * Device interrupts: the vectors they arrive on, one descriptor per
 * interrupt source (irq = GSI for IO-APIC lines, then MSIs), and their
 * delivery to dom0 as physical IRQs (PIRQs) on event channels.
 *
 * A domain names its interrupts by PIRQ. For a GSI the PIRQ is the GSI
 * (as Xen gives dom0); MSI PIRQs are handed out from the top down.
 */
#ifndef ASM_IRQ_H
#define ASM_IRQ_H

#include <tandem/types.h>
#include <public/event_channel.h>

/* Vectors for device interrupts; those above are the local APIC's. */
#define FIRST_DEVICE_VECTOR	0x30
#define LAST_DEVICE_VECTOR	0xef
#define NR_DEVICE_VECTORS	(LAST_DEVICE_VECTOR - FIRST_DEVICE_VECTOR + 1)

#define NR_IRQS			256	/* descriptors: GSIs, then MSIs */
#define NR_GSI_IRQS		224	/* GSIs beyond this are not used */
#define NR_PIRQS		256	/* per domain */

struct domain;

/* A free device vector (0x30-0xef), or -ENOSPC. */
int vector_alloc(void);
void vector_free(unsigned int vector);

/* Descriptors for every GSI the IO-APICs have. After io_apic_init(). */
void irq_init(void);

/*
 * Route an ISA IRQ to a handler of the hypervisor's own (run in
 * interrupt context, before the local APIC is acknowledged) and unmask
 * it. Only for the lines irq_init() reserved: ISA IRQ 4 (COM1).
 */
int request_isa_irq(unsigned int isa_irq, void (*handler)(void));

/* A device vector fired (do_interrupt). */
void do_device_interrupt(unsigned int vector);

/* ---- physical IRQs of a domain (PHYSDEVOP_*, EVTCHNOP_bind_pirq) ---- */

/* map_pirq for a GSI: *pirq in is -1 or the GSI; out, the PIRQ. */
int pirq_map_gsi(struct domain *d, int gsi, int *pirq);

/* The MSI of PCI device seg:bus:devfn (MSI-X if table_base). */
struct msi_request {
	uint16_t seg;
	uint8_t bus;
	uint8_t devfn;
	uint64_t table_base;
	int entry_nr;
};
int pirq_map_msi(struct domain *d, const struct msi_request *req, int *pirq);

int pirq_unmap(struct domain *d, int pirq);
/* PHYSDEVOP_setup_gsi: trigger mode and polarity of a GSI. */
int gsi_setup(int gsi, bool level, bool active_low);
int pirq_eoi(struct domain *d, uint32_t pirq);
/* XENIRQSTAT_* of a PIRQ. */
int pirq_status(struct domain *d, uint32_t pirq, uint32_t *flags);
/* Reserve an unused PIRQ (PHYSDEVOP_get_free_pirq). */
int pirq_get_free(struct domain *d, int type, uint32_t *pirq);
/* The page (a machine frame of d) in which bit n says PIRQ n needs EOI. */
int pirq_set_eoi_map(struct domain *d, mfn_t mfn);
/* Re-program the MSIs of a device (PHYSDEVOP_restore_msi*). */
int pirq_restore_msi(struct domain *d, uint16_t seg, uint8_t bus,
		     uint8_t devfn);

/*
 * Event channel binding: deliver the PIRQ's interrupts to port (the
 * line is unmasked now), or stop doing so (only if port is the one
 * bound; the line is masked again).
 */
int pirq_bind(struct domain *d, uint32_t pirq, evtchn_port_t port);
void pirq_unbind(struct domain *d, uint32_t pirq, evtchn_port_t port);

/* Unmap everything d holds, after its event channels were closed. */
void pirq_release_domain(struct domain *d);

#endif
