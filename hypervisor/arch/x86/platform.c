// SPDX-License-Identifier: MIT
/*
 * platform_op: dom0's view of the machine's firmware and physical CPUs,
 * setting the wall clock, and ACPI S5 (power off). dom0 only; the interface version must
 * match, as the ABI requires.
 */
#include <tandem/domain.h>
#include <tandem/errno.h>
#include <tandem/hypercall.h>
#include <tandem/lib.h>
#include <asm/percpu.h>
#include <asm/pv.h>
#include <asm/reboot.h>
#include <asm/time.h>
#include <public/platform.h>

/* We booted through multiboot, not EFI, and keep no BIOS disk data. */
static long firmware_info(struct xenpf_firmware_info *fi)
{
	switch (fi->type) {
	case XEN_FW_DISK_INFO:
	case XEN_FW_DISK_MBR_SIGNATURE:
	case XEN_FW_VBEDDC_INFO:
		return -ESRCH;		/* no such disk or display */
	case XEN_FW_KBD_SHIFT_FLAGS:
		fi->u.kbd_shift_flags = 0;
		return 0;
	case XEN_FW_EFI_INFO:
		return -ENODEV;		/* not booted from EFI */
	default:
		return -EINVAL;
	}
}

static long cpu_info(struct xenpf_pcpuinfo *ci)
{
	ci->max_present = 0;	/* one physical CPU */
	if (ci->xen_cpuid != 0) {
		ci->flags = XEN_PCPU_FLAGS_INVALID;
		return 0;
	}
	ci->flags = XEN_PCPU_FLAGS_ONLINE;
	ci->apic_id = this_pcpu()->apic_id;
	ci->acpi_id = 0;
	return 0;
}

static void set_time(uint64_t secs, uint32_t nsecs, s_time_t system_time)
{
	struct domain *d;

	set_wallclock(secs, nsecs, system_time);
	list_for_each_entry(d, &domain_list, domain_list)
		update_domain_wallclock_time(d);
}

long do_platform_op(uint64_t arg)
{
	struct xen_platform_op op;
	long rc;

	if (!current->domain->is_privileged)
		return -EPERM;
	if (copy_from_guest(&op, arg, sizeof(op)))
		return -EFAULT;
	if (op.interface_version != XENPF_INTERFACE_VERSION)
		return -EACCES;

	switch (op.cmd) {
	case XENPF_firmware_info:
		rc = firmware_info(&op.u.firmware_info);
		break;
	case XENPF_get_cpuinfo:
		rc = cpu_info(&op.u.pcpu_info);
		break;
	case XENPF_enter_acpi_sleep:
		return machine_enter_acpi_sleep(&op.u.enter_acpi_sleep);
	case XENPF_settime32:
		set_time(op.u.settime32.secs, op.u.settime32.nsecs,
			 op.u.settime32.system_time);
		return 0;
	case XENPF_settime64:
		if (op.u.settime64.mbz)
			return -EINVAL;
		set_time(op.u.settime64.secs, op.u.settime64.nsecs,
			 op.u.settime64.system_time);
		return 0;
	default:
		log_unimplemented("platform_op", op.cmd);
		return -ENOSYS;
	}
	if (!rc && copy_to_guest(arg, &op, sizeof(op)))
		rc = -EFAULT;
	return rc;
}
