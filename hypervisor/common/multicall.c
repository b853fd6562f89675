// SPDX-License-Identifier: MIT
/*
 * multicall: a batch of hypercalls in one trip. Each entry's result is
 * written back; a failing entry does not stop the batch (the guest checks
 * each result), but a call that ends the vCPU's run (crash, shutdown) does.
 */
#include <tandem/domain.h>
#include <tandem/errno.h>
#include <tandem/hypercall.h>
#include <tandem/lib.h>
#include <asm/pv.h>
#include <public/xen.h>

bool in_multicall;	/* one CPU: no nesting possible */

long do_multicall(uint64_t calls, unsigned int nr)
{
	struct vcpu *v = current;
	long rc = 0;

	if (in_multicall)
		return -EINVAL;
	in_multicall = true;
	for (unsigned int i = 0; i < nr; i++) {
		uint64_t at = calls + (uint64_t)i * sizeof(struct multicall_entry);
		struct multicall_entry e;

		if (copy_from_guest(&e, at, sizeof(e))) {
			rc = -EFAULT;
			break;
		}
		/* Calls that rewrite the guest frame cannot be batched. */
		if (e.op == __HYPERVISOR_iret ||
		    e.op == __HYPERVISOR_multicall)
			e.result = -EINVAL;
		else
			e.result = hypercall_dispatch(e.op,
						      (unsigned long *)e.args);
		if (copy_to_guest(at + offsetof(struct multicall_entry, result),
				  &e.result, sizeof(e.result))) {
			rc = -EFAULT;
			break;
		}
		if (!vcpu_runnable(v))
			break;	/* crashed, shut down or paused meanwhile */
	}
	in_multicall = false;
	return rc;
}
