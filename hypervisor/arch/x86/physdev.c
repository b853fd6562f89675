// SPDX-License-Identifier: MIT
/*
 * physdev_op: physical device access. A domU may only set its virtual
 * I/O privilege level (its port accesses then see an empty bus); the
 * interrupt and PCI operations belong to dom0.
 */
#include <tandem/domain.h>
#include <tandem/errno.h>
#include <tandem/hypercall.h>
#include <tandem/lib.h>
#include <asm/pv.h>
#include <public/physdev.h>

long do_physdev_op(int cmd, uint64_t arg)
{
	struct vcpu *v = current;

	switch (cmd) {
	case PHYSDEVOP_set_iopl: {
		struct physdev_set_iopl s;

		if (copy_from_guest(&s, arg, sizeof(s)))
			return -EFAULT;
		if (s.iopl > 3)
			return -EINVAL;
		v->arch.iopl = s.iopl;
		return 0;
	}
	default:
		if (!v->domain->is_privileged)
			return -EPERM;
		log_unimplemented("physdev_op", cmd);
		return -ENOSYS;
	}
}
