// SPDX-License-Identifier: MIT
/*
 * physdev_op: physical device access. A domU may only set its virtual
 * I/O privilege level (its port accesses then see an empty bus); the
 * interrupt and PCI operations belong to dom0.
 *
 * Interrupts (arch/x86/irq.c does the work): dom0 maps a GSI or a
 * device's MSI to a PIRQ, binds the PIRQ to an event channel, and says
 * EOI when it has served a level-triggered line. It may read, never
 * program, the IO-APICs. PCI device announcements are accepted and
 * logged: without an IOMMU there is nothing to set up for them.
 */
#include <tandem/domain.h>
#include <tandem/errno.h>
#include <tandem/hypercall.h>
#include <tandem/lib.h>
#include <asm/io_apic.h>
#include <asm/irq.h>
#include <asm/pv.h>
#include <public/physdev.h>

/* The domain a map/unmap names: only the caller itself holds PIRQs. */
static bool is_self(const struct domain *d, domid_t domid)
{
	return domid == DOMID_SELF || domid == d->domain_id;
}

static long map_pirq(struct domain *d, struct physdev_map_pirq *map)
{
	struct msi_request req = {
		.table_base = map->table_base,
		.entry_nr = map->entry_nr,
	};

	if (!is_self(d, map->domid))
		return -EPERM;
	switch (map->type) {
	case MAP_PIRQ_TYPE_GSI:
		return pirq_map_gsi(d, map->index, &map->pirq);
	case MAP_PIRQ_TYPE_MULTI_MSI:
		/* More than one vector per device is not offered. */
		if (map->entry_nr != 1 || map->table_base)
			return -EOPNOTSUPP;
		fallthrough;
	case MAP_PIRQ_TYPE_MSI_SEG:
		req.seg = (uint32_t)map->bus >> 16;
		break;
	case MAP_PIRQ_TYPE_MSI:
		if ((uint32_t)map->bus > 0xff)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if ((map->bus & 0xffff) > 0xff || (uint32_t)map->devfn > 0xff)
		return -EINVAL;
	req.bus = map->bus;
	req.devfn = map->devfn;
	return pirq_map_msi(d, &req, &map->pirq);
}

static long pci_device_op(int cmd, uint64_t arg)
{
	static const char *const what[] = {
		[PHYSDEVOP_manage_pci_add] = "added",
		[PHYSDEVOP_manage_pci_remove] = "removed",
		[PHYSDEVOP_manage_pci_add_ext] = "added",
		[PHYSDEVOP_pci_device_add] = "added",
		[PHYSDEVOP_pci_device_remove] = "removed",
	};
	unsigned int seg = 0, bus, devfn;

	switch (cmd) {
	case PHYSDEVOP_manage_pci_add:
	case PHYSDEVOP_manage_pci_remove: {
		struct physdev_manage_pci op;

		if (copy_from_guest(&op, arg, sizeof(op)))
			return -EFAULT;
		bus = op.bus;
		devfn = op.devfn;
		break;
	}
	case PHYSDEVOP_manage_pci_add_ext: {
		struct physdev_manage_pci_ext op;

		if (copy_from_guest(&op, arg, sizeof(op)))
			return -EFAULT;
		if (op.is_extfn > 1 || op.is_virtfn > 1)
			return -EINVAL;
		bus = op.bus;
		devfn = op.devfn;
		break;
	}
	case PHYSDEVOP_pci_device_add: {
		struct physdev_pci_device_add op;	/* optarr not read */

		if (copy_from_guest(&op, arg, sizeof(op)))
			return -EFAULT;
		seg = op.seg;
		bus = op.bus;
		devfn = op.devfn;
		break;
	}
	default: {
		struct physdev_pci_device op;

		if (copy_from_guest(&op, arg, sizeof(op)))
			return -EFAULT;
		seg = op.seg;
		bus = op.bus;
		devfn = op.devfn;
		break;
	}
	}
	pr_debug("PCI: dom0 %s %04x:%02x:%02x.%u\n", what[cmd], seg, bus,
		 devfn >> 3, devfn & 7);
	return 0;
}

static long restore_msi(struct domain *d, int cmd, uint64_t arg)
{
	if (cmd == PHYSDEVOP_restore_msi) {
		struct physdev_restore_msi op;

		if (copy_from_guest(&op, arg, sizeof(op)))
			return -EFAULT;
		return pirq_restore_msi(d, 0, op.bus, op.devfn);
	} else {
		struct physdev_pci_device op;

		if (copy_from_guest(&op, arg, sizeof(op)))
			return -EFAULT;
		return pirq_restore_msi(d, op.seg, op.bus, op.devfn);
	}
}

/* The interrupt operations; everything here is dom0's alone. */
static long irq_op(struct domain *d, int cmd, uint64_t arg)
{
	long rc;

	switch (cmd) {
	case PHYSDEVOP_eoi: {
		struct physdev_eoi op;

		if (copy_from_guest(&op, arg, sizeof(op)))
			return -EFAULT;
		return pirq_eoi(d, op.irq);
	}
	case PHYSDEVOP_irq_status_query: {
		struct physdev_irq_status_query op;

		if (copy_from_guest(&op, arg, sizeof(op)))
			return -EFAULT;
		rc = pirq_status(d, op.irq, &op.flags);
		if (!rc && copy_to_guest(arg, &op, sizeof(op)))
			rc = -EFAULT;
		return rc;
	}
	case PHYSDEVOP_pirq_eoi_gmfn_v2: {
		struct physdev_pirq_eoi_gmfn op;

		if (copy_from_guest(&op, arg, sizeof(op)))
			return -EFAULT;
		/* A PV guest's frame numbers are machine frame numbers. */
		return pirq_set_eoi_map(d, op.gmfn);
	}
	case PHYSDEVOP_map_pirq: {
		struct physdev_map_pirq op;

		if (copy_from_guest(&op, arg, sizeof(op)))
			return -EFAULT;
		rc = map_pirq(d, &op);
		/* Written back whatever happened, as Xen does. */
		if (copy_to_guest(arg, &op, sizeof(op)))
			rc = -EFAULT;
		return rc;
	}
	case PHYSDEVOP_unmap_pirq: {
		struct physdev_unmap_pirq op;

		if (copy_from_guest(&op, arg, sizeof(op)))
			return -EFAULT;
		if (!is_self(d, op.domid))
			return -EPERM;
		return pirq_unmap(d, op.pirq);
	}
	case PHYSDEVOP_setup_gsi: {
		struct physdev_setup_gsi op;

		if (copy_from_guest(&op, arg, sizeof(op)))
			return -EFAULT;
		if (op.triggering > 1 || op.polarity > 1)
			return -EINVAL;
		return gsi_setup(op.gsi, op.triggering, op.polarity);
	}
	case PHYSDEVOP_get_free_pirq: {
		struct physdev_get_free_pirq op;

		if (copy_from_guest(&op, arg, sizeof(op)))
			return -EFAULT;
		rc = pirq_get_free(d, op.type, &op.pirq);
		if (!rc && copy_to_guest(arg, &op, sizeof(op)))
			rc = -EFAULT;
		return rc;
	}
	case PHYSDEVOP_alloc_irq_vector: {
		struct physdev_irq op;

		if (copy_from_guest(&op, arg, sizeof(op)))
			return -EFAULT;
		/*
		 * Vectors are the hypervisor's, allocated when a PIRQ is
		 * bound. Like Xen, hand back the IRQ as a cookie.
		 */
		op.vector = op.irq;
		return copy_to_guest(arg, &op, sizeof(op)) ? -EFAULT : 0;
	}
	case PHYSDEVOP_apic_read: {
		struct physdev_apic op;

		if (copy_from_guest(&op, arg, sizeof(op)))
			return -EFAULT;
		rc = io_apic_guest_read(op.apic_physbase, op.reg, &op.value);
		if (!rc && copy_to_guest(arg, &op, sizeof(op)))
			rc = -EFAULT;
		return rc;
	}
	case PHYSDEVOP_apic_write: {
		struct physdev_apic op;

		if (copy_from_guest(&op, arg, sizeof(op)))
			return -EFAULT;
		return io_apic_guest_write(op.apic_physbase, op.reg, op.value);
	}
	default:
		return -ENOSYS;
	}
}

long do_physdev_op(int cmd, uint64_t arg)
{
	struct vcpu *v = current;
	struct domain *d = v->domain;

	if (cmd == PHYSDEVOP_set_iopl) {
		struct physdev_set_iopl s;

		if (copy_from_guest(&s, arg, sizeof(s)))
			return -EFAULT;
		if (s.iopl > 3)
			return -EINVAL;
		v->arch.iopl = s.iopl;
		return 0;
	}
	if (!d->is_privileged)
		return -EPERM;

	switch (cmd) {
	case PHYSDEVOP_eoi:
	case PHYSDEVOP_irq_status_query:
	case PHYSDEVOP_pirq_eoi_gmfn_v2:
	case PHYSDEVOP_map_pirq:
	case PHYSDEVOP_unmap_pirq:
	case PHYSDEVOP_setup_gsi:
	case PHYSDEVOP_get_free_pirq:
	case PHYSDEVOP_alloc_irq_vector:
	case PHYSDEVOP_apic_read:
	case PHYSDEVOP_apic_write:
		return irq_op(d, cmd, arg);
	case PHYSDEVOP_manage_pci_add:
	case PHYSDEVOP_manage_pci_remove:
	case PHYSDEVOP_manage_pci_add_ext:
	case PHYSDEVOP_pci_device_add:
	case PHYSDEVOP_pci_device_remove:
		return pci_device_op(cmd, arg);
	case PHYSDEVOP_pci_mmcfg_reserved: {
		struct physdev_pci_mmcfg_reserved op;

		if (copy_from_guest(&op, arg, sizeof(op)))
			return -EFAULT;
		pr_debug("PCI: MMCONFIG at %#lx, segment %u, buses %u-%u "
			 "(flags %#x)\n", op.address, op.segment,
			 op.start_bus, op.end_bus, op.flags);
		return 0;
	}
	case PHYSDEVOP_restore_msi:
	case PHYSDEVOP_restore_msi_ext:
		return restore_msi(d, cmd, arg);
	case PHYSDEVOP_pirq_eoi_gmfn_v1:	/* Linux uses v2 */
	case PHYSDEVOP_prepare_msix:		/* no MSI-X */
	case PHYSDEVOP_release_msix:
	case PHYSDEVOP_dbgp_op:			/* no USB debug port */
		return -ENOSYS;
	default:
		log_unimplemented("physdev_op", cmd);
		return -ENOSYS;
	}
}
