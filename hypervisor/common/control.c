// SPDX-License-Identifier: MIT
/*
 * The control hypercalls of the toolstack and of dom0's platform
 * drivers: domctl, sysctl, platform_op. Only the hardware domain may use
 * them; everyone else is refused before anything is read.
 */
#include <tandem/domain.h>
#include <tandem/errno.h>
#include <tandem/hypercall.h>
#include <tandem/lib.h>
#include <asm/pv.h>

static long privileged_op(const char *name, uint64_t arg)
{
	uint32_t cmd;

	if (!current->domain->is_privileged)
		return -EPERM;
	if (copy_from_guest(&cmd, arg, sizeof(cmd)))
		return -EFAULT;
	log_unimplemented(name, cmd);
	return -ENOSYS;
}

long do_domctl(uint64_t op)
{
	return privileged_op("domctl", op);
}

long do_sysctl(uint64_t op)
{
	return privileged_op("sysctl", op);
}

long do_platform_op(uint64_t op)
{
	return privileged_op("platform_op", op);
}
