// SPDX-License-Identifier: MIT
/* xen_version and vm_assist: what the hypervisor is and offers. */
#include <tandem/bootinfo.h>
#include <tandem/domain.h>
#include <tandem/errno.h>
#include <tandem/hypercall.h>
#include <tandem/lib.h>
#include <tandem/version.h>
#include <asm/pv.h>
#include <public/features.h>
#include <public/version.h>

static uint32_t feature_submap(const struct domain *d, unsigned int idx)
{
	uint32_t f = 0;

	if (idx != 0)
		return 0;
	f |= 1U << XENFEAT_mmu_pt_update_preserve_ad;
	f |= 1U << XENFEAT_gnttab_map_avail_bits;
	if (d->arch.vm_assist & (1UL << VMASST_TYPE_pae_extended_cr3))
		f |= 1U << XENFEAT_pae_pgdir_above_4gb;
	if (d->is_privileged)
		f |= 1U << XENFEAT_dom0;
	return f;
}

static long copy_string_out(uint64_t arg, const char *s, size_t size)
{
	char buf[1024];

	memset(buf, 0, size);
	strlcpy(buf, s, size);
	return copy_to_guest(arg, buf, size) ? -EFAULT : 0;
}

long do_xen_version(int cmd, uint64_t arg)
{
	struct domain *d = current->domain;

	switch (cmd) {
	case XENVER_version:
		return (ABI_VERSION_MAJOR << 16) | ABI_VERSION_MINOR;
	case XENVER_extraversion:
		return copy_string_out(arg, ABI_EXTRAVERSION,
				       sizeof(xen_extraversion_t));
	case XENVER_capabilities:
		return copy_string_out(arg, "xen-3.0-x86_64 ",
				       sizeof(xen_capabilities_info_t));
	case XENVER_changeset:
		return copy_string_out(arg, "tandem " TANDEM_VERSION,
				       sizeof(xen_changeset_info_t));
	case XENVER_compile_info: {
		struct xen_compile_info ci;

		memset(&ci, 0, sizeof(ci));
		strlcpy(ci.compiler, "gcc " __VERSION__, sizeof(ci.compiler));
		strlcpy(ci.compile_by, "tandem", sizeof(ci.compile_by));
		strlcpy(ci.compile_domain, "tandem", sizeof(ci.compile_domain));
		strlcpy(ci.compile_date, __DATE__, sizeof(ci.compile_date));
		return copy_to_guest(arg, &ci, sizeof(ci)) ? -EFAULT : 0;
	}
	case XENVER_platform_parameters: {
		struct xen_platform_parameters pp = {
			.virt_start = HYPERVISOR_VIRT_START,
		};

		return copy_to_guest(arg, &pp, sizeof(pp)) ? -EFAULT : 0;
	}
	case XENVER_get_features: {
		struct xen_feature_info fi;

		if (copy_from_guest(&fi, arg, sizeof(fi)))
			return -EFAULT;
		if (fi.submap_idx >= XENFEAT_NR_SUBMAPS)
			return -EINVAL;
		fi.submap = feature_submap(d, fi.submap_idx);
		return copy_to_guest(arg, &fi, sizeof(fi)) ? -EFAULT : 0;
	}
	case XENVER_pagesize:
		return PAGE_SIZE;
	case XENVER_guest_handle: {
		xen_domain_handle_t h;

		memset(h, 0, sizeof(h));
		h[15] = d->domain_id & 0xff;
		h[14] = d->domain_id >> 8;
		return copy_to_guest(arg, h, sizeof(h)) ? -EFAULT : 0;
	}
	case XENVER_commandline:
		if (!d->is_privileged)
			return -EPERM;
		return copy_string_out(arg, boot_info.cmdline,
				       sizeof(xen_commandline_t));
	default:
		log_unimplemented("xen_version", cmd);
		return -ENOSYS;
	}
}

/* The assists a 64-bit PV guest may switch on or off. */
#define VM_ASSIST_VALID ((1UL << VMASST_TYPE_4gb_segments) |		\
			 (1UL << VMASST_TYPE_4gb_segments_notify) |	\
			 (1UL << VMASST_TYPE_writable_pagetables) |	\
			 (1UL << VMASST_TYPE_pae_extended_cr3) |	\
			 (1UL << VMASST_TYPE_architectural_iopl) |	\
			 (1UL << VMASST_TYPE_runstate_update_flag) |	\
			 (1UL << VMASST_TYPE_m2p_strict))

long do_vm_assist(unsigned int cmd, unsigned int type)
{
	struct domain *d = current->domain;

	if (type >= 64 || !(VM_ASSIST_VALID & (1UL << type)))
		return -EINVAL;
	switch (cmd) {
	case VMASST_CMD_enable:
		d->arch.vm_assist |= 1UL << type;
		return 0;
	case VMASST_CMD_disable:
		d->arch.vm_assist &= ~(1UL << type);
		return 0;
	default:
		return -ENOSYS;
	}
}
